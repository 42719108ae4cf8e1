"""The registry as it stood: views as of a tree size or a day, and the state digest."""

from __future__ import annotations

from datetime import date

import pytest

from craftreg.application import Registry
from craftreg.projections.digest import live_digest, replay_digest, state_digest_at
from craftreg.projections.errors import BeyondTheLog
from craftreg.projections.history import PastViews
from craftreg.projections.projector import RegistryViews
from craftreg.projections.tables import ViewTables
from tests.projections.story import Story


@pytest.fixture
def story(registry: Registry) -> Story:
    return Story(registry).tell()


def numbers(rows: list[dict[str, object]]) -> set[object]:
    return {r["number"] for r in rows}


def test_who_held_a_provincial_certificate_in_zhejiang_on_a_day(
    story: Story, database_url: str
) -> None:
    with PastViews(database_url, day=date(2029, 12, 31)) as past:
        held = past.holders_on(date(2029, 12, 31), tier="provincial", province="330000")
        assert numbers(held) == {"S33-2029-00001", "S33-2029-00002", "浙工匠〔2024〕001"}
        assert past.holders_on(date(2029, 12, 31), tier="provincial", province="110000") == []
    with PastViews(database_url, day=date(2030, 6, 30)) as past:
        held = past.holders_on(date(2030, 6, 30), tier="provincial", province="330000")
        assert numbers(held) == {"S33-2029-00002", "浙工匠〔2024〕001"}, "陈静's was revoked"
    with PastViews(database_url, day=date(2028, 1, 1)) as past:
        assert past.holders_on(date(2028, 1, 1), tier="provincial") == []
        # on that day 陈静 was being cultivated; the log then held nothing later than that day
        chen = past.nomination(story.ids["陈静"])
        assert chen is not None
        assert past.person(chen["digest"])["status"] == "in_cultivation"  # type: ignore[index]


def test_the_past_is_replayed_without_touching_the_live_views(
    story: Story, database_url: str
) -> None:
    size = story.log.current().position
    with PastViews(database_url, size=size - 10) as past:
        assert past.size == size - 10
    with ViewTables(database_url) as live:  # creates the live tables, still empty
        assert live.cursor(RegistryViews.name) is None
        assert live.query("SELECT COUNT(*) FROM {view_people}") == [(0,)]
    with pytest.raises(BeyondTheLog) as refused:
        PastViews(database_url, size=size + 1)
    assert refused.value.zh and str(size) in refused.value.en


def test_the_state_digest_is_the_same_however_the_views_were_built(
    story: Story, database_url: str
) -> None:
    size = story.log.current().position
    with RegistryViews.open(database_url) as views:
        views.catch_up()
        assert live_digest(views.tables, views.name) == (size, state_digest_at(database_url, size))
    records = [e.record for e in story.log.store.log()]  # type: ignore[attr-defined]
    for cut in (1, size // 3, size - 1):
        with PastViews(database_url, size=cut) as past:
            expected = state_digest_at(database_url, cut)
            assert live_digest(past.tables, RegistryViews.name) == (cut, expected)
        assert replay_digest(records[:cut]) == (cut, expected)
    with pytest.raises(BeyondTheLog):
        state_digest_at(database_url, size + 1)
