"""The registry views on both backends: what they show, exactly once, and rebuilt the same."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from craftreg.application import Registry
from craftreg.domain.authority import Role
from craftreg.domain.catalogue import KINDS
from craftreg.projections import projector as projector_module
from craftreg.projections import tables as tables_module
from craftreg.projections.digest import live_digest, replay_digest
from craftreg.projections.fold import HANDLERS, IGNORED
from craftreg.projections.projector import RegistryViews
from craftreg.projections.queries import Views
from craftreg.projections.schema import VIEWS
from craftreg.projections.tables import ViewTables
from tests.projections.story import Story


def dump(views: RegistryViews) -> dict[str, list[dict[str, Any]]]:
    return {
        v.name: sorted(views.tables.select(v), key=lambda r: tuple(str(r[k]) for k in v.key))
        for v in VIEWS
    }


def test_every_event_type_has_a_view_or_is_left_to_the_ledger() -> None:
    assert set(KINDS) == set(HANDLERS) | IGNORED


@pytest.fixture
def story(registry: Registry) -> Story:
    return Story(registry).tell()


def test_the_views_show_where_each_person_stands(story: Story, database_url: str) -> None:
    with RegistryViews.open(database_url) as views:
        assert views.catch_up() == story.log.current().position
        q = Views(views.tables)
        stage = {
            name: q.person(q.nomination(story.ids[name])["digest"])["status"]  # type: ignore[index]
            for name in ("陈静", "王伟", "李娜", "赵敏", "孙丽", "周杰", "吴芳")
        }
        assert stage == {
            "陈静": "revoked",
            "王伟": "rejected",
            "李娜": "not_listed",
            "赵敏": "withdrawn",
            "孙丽": "assessed",
            "周杰": "certified",
            "吴芳": "ended",
        }
        zhou = q.certificate("S33-2029-00002")
        assert zhou is not None and zhou["status"] == "valid" and zhou["age_at_issue"] == 33
        assert zhou["id"] == story.ids["周杰/certificate"]
        assert zhou["last_position"] == max(
            e.position
            for e in story.log.store.log()  # type: ignore[attr-defined]
            if e.signed.envelope.stream == zhou["id"]
        )
        chen = q.certificate("S33-2029-00001")
        assert chen is not None
        assert (chen["status"], chen["revoked_on"], chen["revocation_ground"]) == (
            "revoked",
            "2030-01-15",
            "falsification",
        )
        assert chen["tainted"] and q.nomination(story.ids["陈静"])["tainted"]  # type: ignore[index]
        pilot = q.certificate("浙工匠〔2024〕001")
        assert pilot is not None and pilot["pilot"] and pilot["province"] == "330000"
        assert q.person(pilot["digest"])["certified_tier"] == "provincial"  # type: ignore[index]


def test_withdrawing_a_nomination_left_off_the_list_frees_its_place(
    story: Story, database_url: str
) -> None:
    """The domain keeps it live, as approved, until it is withdrawn; the view counts alike."""
    story.log.decide(
        story.key(Role.RECOMMENDER),
        story.ids["李娜"],
        "NominationWithdrawn",
        {"reason": "本人申请"},
    )
    live = story.log.current().lifecycle.rounds[story.ids["round"]].live[story.cast.hangzhou]
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        found = Views(views.tables).round(story.ids["round"])
        assert found is not None
        [use] = found["use"]
        assert use["used"] == len(live) == 4


def test_quota_use_the_review_queue_and_cultivations(story: Story, database_url: str) -> None:
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        q = Views(views.tables)
        found = q.round(story.ids["round"])
        assert found is not None and found["closed"] and found["determined"]
        [use] = found["use"]
        # 7 nominated; rejected and withdrawn free their places; listed and not listed do not
        assert (use["quota"], use["submitted"], use["used"], use["listed"]) == (7, 7, 5, 4)
        assert q.review_queue(story.cast.zhejiang) == []
        chen = q.cultivation(story.ids["陈静/cultivation"])
        assert chen is not None and chen["activity_counts"] == {
            "app_onboarding": 1,
            "camp_learn": 2,
            "camp_test": 1,
        }
        zhou = q.cultivation(story.ids["周杰/cultivation"])
        assert zhou is not None and zhou["mentor_professional"] == "钱教授"
        [benefit] = [b for b in q.benefits(zhou["certificate"]) if b["deliveries"]]
        assert (benefit["benefit"], benefit["last_date"]) == ("health_check", "2029-05-10")
        assert all(b["ended_on"] == "2030-01-15" for b in q.benefits(chen["certificate"]))
        [case, other] = sorted(q.cases(), key=lambda c: c["opened_at"])
        assert (case["status"], case["certificate"]) == ("executed", chen["certificate"])
        assert (other["status"], other["decision"]) == ("open", None)
        [report] = q.reports(region="330000")
        assert report["acknowledged"] and report["period"] == 2029


def test_periods_ending_soon(registry: Registry, database_url: str) -> None:
    story = Story(registry)
    story.enrol()
    story.select()
    story.cultivate()
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        q = Views(views.tables)
        soon = q.ending_soon(date(2029, 3, 1), days=60)
        assert {c["id"] for c in soon} == {
            story.ids[f"{p}/cultivation"] for p in ("陈静", "周杰")
        }, "吴芳 ended early; 孙丽's period was extended to June"
        assert q.ending_soon(date(2029, 3, 1), days=1) == []


def test_a_rebuild_equals_the_views_kept_up_event_by_event(
    registry: Registry, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projector_module, "BATCH", 3)  # many small transactions
    monkeypatch.setattr(tables_module, "STAGE_FROM", 2)  # PostgreSQL upserts through COPY too
    monkeypatch.setattr(tables_module, "SQLITE_PIECE", 7)  # a SQLite refill in many pieces
    story = Story(registry)
    views = RegistryViews.open(database_url)
    for phase in (story.enrol, story.select, story.cultivate, story.certify):
        phase()
        views.catch_up()
        views.close()
        views = RegistryViews.open(database_url)  # a restart: rows come back from the tables
    for phase in (story.discipline, story.report, story.rekey):
        phase()
        views.catch_up()
    incremental, size = dump(views), views.position
    assert size == registry.current().position
    _, incremental_digest = live_digest(views.tables, views.name)
    assert views.rebuild() == size
    assert dump(views) == incremental
    assert live_digest(views.tables, views.name) == (size, incremental_digest)
    records = [e.record for e in registry.store.log()]
    assert replay_digest(records) == (size, incremental_digest)
    views.close()


def test_each_event_is_applied_once_and_a_restart_resumes(
    registry: Registry, database_url: str
) -> None:
    story = Story(registry)
    story.enrol()
    with RegistryViews.open(database_url) as first:
        applied = first.catch_up()
        assert applied == registry.current().position and first.catch_up() == 0
        before = dump(first)
        # The same batch again: eventsourcing's tracking refuses it, and nothing changes.
        with pytest.raises(IntegrityError):
            first.tables.write(first.name, [], 1, 1, reset=False)
        assert dump(first) == before
    story.select()
    with RegistryViews.open(database_url) as second:
        assert second.catch_up() == registry.current().position - applied
        assert second.tables.recorder.max_tracking_id(second.name) == max(
            e.notification_id for e in registry.store.log()
        )


def test_views_of_an_older_layout_are_made_again_and_rebuilt(
    registry: Registry, database_url: str
) -> None:
    Story(registry).enrol()
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        before = dump(views)
    with ViewTables(database_url) as tables:  # reopening keeps what is there
        assert tables.cursor(RegistryViews.name) == views._cursor
        with tables._transaction() as cursor:  # as an older release would have left it
            cursor.execute(f"UPDATE {tables.table('view_schema')} SET fingerprint = 'old'")
    with RegistryViews.open(database_url) as views:
        assert views.position == 0 and dump(views)["people"] == []
        assert views.catch_up() == registry.current().position
        assert dump(views) == before


def test_a_catch_up_that_dies_half_way_is_redone_from_its_last_commit(
    registry: Registry, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = Story(registry)
    story.enrol()
    story.select()
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        expected = dump(views)
        views.tables.clear(views.name)
    monkeypatch.setattr(tables_module, "SQLITE_PIECE", 5)
    monkeypatch.setattr(projector_module, "BATCH", 4)
    calls = {"n": 0}
    real_load, real_end = ViewTables._load, ViewTables._end

    def dies(real: Any, after: int) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == after:
                raise OSError("the power went out")
            return real(*args, **kwargs)

        return wrapper

    # the first catch-up refills the views, and dies in its third piece of rows
    monkeypatch.setattr(ViewTables, "_load", dies(real_load, 3))
    with RegistryViews.open(database_url) as views, pytest.raises(OSError):
        views.catch_up()
    monkeypatch.setattr(ViewTables, "_load", real_load)
    with RegistryViews.open(database_url) as views:
        assert views.position == 0, "no cursor: the half-written views are cleared and redone"
        views.catch_up(stop=lambda position, _: position >= 20)
    # a later catch-up, in batches of 4 events, dies in its fourth batch
    calls["n"] = 0
    monkeypatch.setattr(ViewTables, "_end", dies(real_end, 4))
    with RegistryViews.open(database_url) as views, pytest.raises(OSError):
        views.catch_up()
    monkeypatch.setattr(ViewTables, "_end", real_end)
    with RegistryViews.open(database_url) as views:
        assert views.position == 20 + 3 * 4, "three batches committed before the fourth died"
        views.catch_up()
        assert dump(views) == expected


def test_one_projector_at_a_time_and_a_follower_keeps_up(
    registry: Registry, database_url: str
) -> None:
    story = Story(registry)
    story.enrol()
    with RegistryViews.open(database_url) as busy, RegistryViews.open(database_url) as other:
        with busy.tables.lock.held():  # another process is catching up
            assert other.catch_up(wait=False) == 0
            assert other.position == 0
        stopping = threading.Event()
        follower = threading.Thread(target=other.follow, args=(stopping, 0.01))
        follower.start()
        try:
            story.select()
            deadline = time.monotonic() + 30
            while other.position < registry.current().position:
                assert time.monotonic() < deadline, "the follower did not catch up"
                stopping.wait(0.01)
        finally:
            stopping.set()
            follower.join()
        assert busy.catch_up() == 0, "the follower applied everything, once"


def test_lists_are_pages_in_key_order(story: Story, database_url: str) -> None:
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        q = Views(views.tables)
        everyone = q.people(province="330000")
        assert len(everyone) == 8 and [p["digest"] for p in everyone] == sorted(
            p["digest"] for p in everyone
        )
        first = q.people(province="330000", limit=3)
        rest = q.people(province="330000", after=first[-1]["digest"])
        assert first + rest == everyone
        assert {p["name"] for p in q.people(status="certified")} == {"周杰", "试点甲"}
        assert q.people(province="110000") == []
        provincial = q.certificates(province="330000", tier="provincial")
        assert {c["number"] for c in provincial} == {
            "S33-2029-00001",
            "S33-2029-00002",
            "浙工匠〔2024〕001",
        }
        assert [c["number"] for c in q.certificates(status="revoked")] == ["S33-2029-00001"]
        assert [r["id"] for r in q.rounds(body=story.cast.zhejiang, year=2027)] == [
            story.ids["round"]
        ]
        assert q.rounds(year=2028) == []
