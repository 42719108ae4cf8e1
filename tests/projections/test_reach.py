"""Discipline support (Art. 20): everything that rests on an input, from where it entered."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from craftreg.application import Registry
from craftreg.cli import main
from craftreg.domain.authority import Role
from craftreg.domain.tiers import Tier
from craftreg.keys import Signer
from craftreg.projections import reach
from craftreg.projections.errors import (
    MalformedEvidenceHash,
    MalformedKeyId,
    NoReachCriterion,
    SeveralReachCriteria,
    UnknownReachInput,
)
from craftreg.projections.projector import RegistryViews
from craftreg.projections.schema import KEYS, ROLE_CHANGES
from craftreg.projections.tables import ViewTables
from tests.helpers import details, evidence
from tests.projections.story import Story

PEOPLE = ("陈静", "王伟", "李娜", "赵敏", "孙丽", "周杰", "吴芳")


@pytest.fixture
def told(registry: Registry, database_url: str) -> tuple[Story, ViewTables]:
    story = Story(registry).tell()
    views = RegistryViews.open(database_url)
    views.catch_up()
    return story, views.tables


def types(found: reach.Reach, pipeline: str) -> list[str]:
    [p] = [p for p in found.pipelines if p.pipeline == pipeline]
    return [d.type for d in p.decisions]


def test_a_forged_evidence_document_reaches_the_certificate(
    told: tuple[Story, ViewTables],
) -> None:
    story, tables = told
    found = reach.of_evidence(tables, evidence("陈静-leadership"))
    [chen] = found.pipelines
    assert (chen.pipeline, chen.name, chen.certificates, chen.tainted) == (
        story.ids["陈静"],
        "陈静",
        ["S33-2029-00001"],
        True,
    )
    assert types(found, story.ids["陈静"]) == [
        "NominationSubmitted",
        "NominationReviewed",
        "ListDetermined",
        "CultivationStarted",
        "CultivationAssessed",
        "CertificateIssued",
        "CertificateRevoked",
    ]
    assert [d.position for d in chen.decisions] == sorted(d.position for d in chen.decisions)


def test_evidence_added_by_an_amendment_reaches_only_what_followed_it(
    told: tuple[Story, ViewTables],
) -> None:
    story, tables = told
    found = reach.of_evidence(tables, evidence("李娜-补充"))
    assert types(found, story.ids["李娜"]) == ["NominationAmended", "NominationReviewed"]
    assert found.pipelines[0].nomination_status == "not_listed"
    assert reach.of_evidence(tables, evidence("举报信")).cases == [story.ids["case"]]
    assert reach.of_evidence(tables, evidence("no such document")).pipelines == []


def test_a_recommending_unit_reaches_every_candidacy_it_put_forward(
    told: tuple[Story, ViewTables],
) -> None:
    story, tables = told
    found = reach.of_unit(tables, story.cast.hangzhou)
    assert {p.pipeline for p in found.pipelines} == {story.ids[p] for p in PEOPLE}
    assert types(found, story.ids["赵敏"]) == ["NominationSubmitted", "NominationWithdrawn"]


def test_an_assessor_reaches_the_assessments_and_what_rests_on_them(
    told: tuple[Story, ViewTables],
) -> None:
    story, tables = told
    by_actor = reach.of_assessor(tables, story.ids[Role.ASSESSOR])
    assert types(by_actor, story.ids["陈静"]) == [
        "CultivationAssessed",
        "CertificateIssued",
        "CertificateRevoked",
    ]
    assert types(by_actor, story.ids["周杰"]) == ["CultivationAssessed", "CertificateIssued"]
    assert types(by_actor, story.ids["孙丽"]) == ["CultivationAssessed"]
    by_key = reach.of_assessor(tables, story.key(Role.ASSESSOR).key_id)
    assert by_key.pipelines == by_actor.pipelines
    assert reach.of_assessor(tables, story.key(Role.CERTIFIER).key_id).pipelines == []


def test_a_signing_key_reaches_whatever_it_signed_and_after(
    told: tuple[Story, ViewTables],
) -> None:
    story, tables = told
    old = reach.of_signer(tables, story.keys["old_recommender"].key_id)
    assert len(old.pipelines) == 7, "every nomination was signed before the key was replaced"
    assert reach.of_signer(tables, story.key(Role.RECOMMENDER).key_id).pipelines == []
    certifier = reach.of_signer(tables, story.key(Role.CERTIFIER).key_id)
    assert {p.pipeline for p in certifier.pipelines} == {
        story.ids["陈静"],
        story.ids["周杰"],
        story.ids["试点甲/certificate"],
    }
    assert types(certifier, story.ids["试点甲/certificate"]) == ["PilotCertificateImported"]
    assert certifier.decision_count == 2 + 1 + 1  # 陈静: issued, revoked; 周杰; the pilot


def test_a_key_reaches_what_every_key_it_enrolled_signed_at_any_remove(
    told: tuple[Story, ViewTables],
) -> None:
    story, tables = told
    cast, every_nomination = story.cast, {story.ids[p] for p in PEOPLE}
    old, new = story.keys["old_recommender"].key_id, story.key(Role.RECOMMENDER).key_id
    # Hangzhou's registrar signed no decision of a candidacy: it enrolled the recommender, whose
    # key signed every nomination and then the rotation to the key that replaced it.
    hangzhou = reach.of_signer(tables, cast.hz_registrar_key.key_id)
    assert {p.pipeline for p in hangzhou.pipelines} == every_nomination
    assert [(k.key, k.how, k.via, k.name) for k in hangzhou.keys] == [
        (cast.hz_registrar_key.key_id, "signed", None, "李强"),
        (old, "enrolled", cast.hz_registrar_key.key_id, "杭州推荐人"),
        (new, "enrolled", old, "杭州推荐人"),
    ]
    assert types(hangzhou, story.ids["陈静"])[0] == "NominationSubmitted"
    assert hangzhou.decision_count == reach.of_signer(tables, old).decision_count
    # Zhejiang's registrar enrolled Hangzhou's registrar and every Zhejiang officer: the
    # certifier's pilot import is in its reach too, the national reviewer (enrolled by the
    # root key) is not.
    zhejiang = reach.of_signer(tables, cast.zj_registrar_key.key_id)
    assert {p.pipeline for p in zhejiang.pipelines} == every_nomination | {
        story.ids["试点甲/certificate"]
    }
    via = {k.key: k.via for k in zhejiang.keys}
    assert via[cast.hz_registrar_key.key_id] == cast.zj_registrar_key.key_id
    assert via[story.key(Role.CERTIFIER).key_id] == cast.zj_registrar_key.key_id
    assert via[new] == old
    assert story.keys["national_reviewer"].key_id not in via
    assert cast.root.key_id not in via
    root = reach.of_signer(tables, cast.root.key_id)
    assert {k.key for k in root.keys} == set(via) | {
        cast.root.key_id,
        story.keys["national_reviewer"].key_id,
    }


def test_a_key_reaches_what_an_actor_signed_after_it_changed_their_roles(
    registry: Registry, database_url: str
) -> None:
    story = Story(registry)
    story.enrol()
    cast = story.cast
    hz, zj = cast.hz_registrar_key.key_id, cast.zj_registrar_key.key_id
    round_id = registry.announce_round(
        story.key(Role.REVIEWER),
        cast.zhejiang,
        Tier.PROVINCIAL,
        2027,
        {cast.hangzhou: 3},
        "2027-03-31T16:00:00.000000Z",
    )
    # Zhejiang's registrar, not Hangzhou's, enrols a second Hangzhou recommender and registrar.
    # Before Hangzhou's registrar changes their roles they replace their key, nominate 陈静
    # and enrol a third recommender; after it they nominate 王伟, withdraw 陈静 and change
    # that registrar's roles in turn (a circle).
    first, renewed, third = Signer.generate(), Signer.generate(), Signer.generate()
    roles = [Role.RECOMMENDER, Role.REGISTRAR]
    actor = registry.enrol_actor(cast.zj_registrar_key, cast.hangzhou, "推荐人乙", roles, first)
    registry.decide(first, actor, "ActorKeyRotated", {"public_key": renewed.public_key_b64})
    before = registry.nominate(renewed, round_id, cast.hangzhou, details("陈静"))
    registry.enrol_actor(renewed, cast.hangzhou, "推荐人丙", [Role.RECOMMENDER], third)
    granted = registry.decide(
        cast.hz_registrar_key,
        actor,
        "ActorRolesChanged",
        {"roles": ["recommender", "registrar", "reporter"]},
    ).position
    registry.decide(renewed, cast.hz_registrar, "ActorRolesChanged", {"roles": ["registrar"]})
    after = registry.nominate(renewed, round_id, cast.hangzhou, details("王伟"))
    registry.decide(renewed, before, "NominationWithdrawn", {"reason": "本人申请"})
    thirds = registry.nominate(third, round_id, cast.hangzhou, details("李娜"))
    views = RegistryViews.open(database_url)
    views.catch_up()

    found = reach.of_signer(views.tables, hz)
    assert {p.pipeline: [d.type for d in p.decisions] for p in found.pipelines} == {
        after: ["NominationSubmitted"],
        before: ["NominationWithdrawn"],
    }, "from the change of roles on; not what the third, enrolled before it, signed"
    # The key replaced before the change is not followed; Hangzhou's registrar appears once.
    assert [(k.key, k.how, k.via, k.granted_at) for k in found.keys] == [
        (hz, "signed", None, None),
        (story.key(Role.RECOMMENDER).key_id, "enrolled", hz, None),
        (renewed.key_id, "granted", hz, granted),
    ]
    assert found.keys[2].enrolled_at is not None and found.keys[2].enrolled_at < granted
    # The key that enrolled the second recommender reaches everything they and the third did.
    enrolling = reach.of_signer(views.tables, zj)
    assert types(enrolling, before) == ["NominationSubmitted", "NominationWithdrawn"]
    assert {after, thirds} <= {p.pipeline for p in enrolling.pipelines}
    how = {k.key: (k.how, k.via) for k in enrolling.keys}
    assert how[first.key_id] == ("enrolled", zj)
    assert how[renewed.key_id] == ("enrolled", first.key_id)
    assert how[third.key_id] == ("enrolled", renewed.key_id)
    changes = views.tables.select(ROLE_CHANGES, " WHERE actor = ?", (actor,))
    assert [(c["position"], c["signer"], c["roles"]) for c in changes] == [
        (granted, hz, ["recommender", "registrar", "reporter"])
    ]
    runner = CliRunner(env={"CRAFTREG_DATABASE_URL": database_url})
    summary = runner.invoke(main, ["projections", "reach", "--signer", hz]).output
    assert (
        f"{renewed.key_id}  推荐人乙  由 {hz} 调整角色 roles changed by it at #{granted}" in summary
    )


def test_the_keys_view_records_who_enrolled_each_key(told: tuple[Story, ViewTables]) -> None:
    story, tables = told
    enrolled_by = {r["key"]: r["enrolled_by"] for r in tables.select(KEYS)}
    assert enrolled_by[story.cast.root.key_id] is None, "the genesis pins the root key"
    assert enrolled_by[story.cast.zj_registrar_key.key_id] == story.cast.root.key_id
    new, old = story.key(Role.RECOMMENDER).key_id, story.keys["old_recommender"].key_id
    assert enrolled_by[new] == old


def test_a_query_names_exactly_one_input_of_the_right_form(
    told: tuple[Story, ViewTables],
) -> None:
    story, tables = told
    key = story.cast.root.key_id
    refusals = [
        ({}, NoReachCriterion),
        ({"unit": story.cast.hangzhou, "signer": key}, SeveralReachCriteria),
        ({"evidence": "abc"}, MalformedEvidenceHash),
        ({"signer": key[:-1]}, MalformedKeyId),
    ]
    for given, error in refusals:
        with pytest.raises(error):
            reach.criterion(**given)
    assert reach.criterion(signer=key) == ("signer", key)
    # Hex as a file-hash tool prints it (PowerShell's Get-FileHash: capitals) reads the same.
    assert reach.criterion(evidence=evidence("x").upper()) == ("evidence", evidence("x"))
    assert reach.criterion(signer=f" {key.upper()}") == ("signer", key)
    for criterion in ("unit", "assessor", "signer"):
        with pytest.raises(UnknownReachInput):
            reach.of(tables, criterion, "0" * 32)


def test_the_reach_command_prints_a_summary_or_json(
    told: tuple[Story, ViewTables], database_url: str
) -> None:
    story, _ = told
    runner = CliRunner(env={"CRAFTREG_DATABASE_URL": database_url})
    hz = story.cast.hz_registrar_key.key_id
    summary = runner.invoke(main, ["projections", "reach", "--signer", hz])
    assert summary.exit_code == 0, summary.output
    assert f"追溯 Reach of signer {hz}: 7 个候选 candidacies" in summary.output
    assert f"由 {story.keys['old_recommender'].key_id} 登记 enrolled by it" in summary.output
    assert "陈静" in summary.output and "已污染 tainted" in summary.output
    as_json = runner.invoke(main, ["projections", "reach", "--unit", story.cast.hangzhou, "--json"])
    assert as_json.exit_code == 0, as_json.output
    found = json.loads(as_json.output)
    assert {p["pipeline"] for p in found["pipelines"]} == {story.ids[p] for p in PEOPLE}
    for args, code in [
        ([], "reach-criterion-missing"),
        (["--unit", story.cast.hangzhou, "--signer", hz], "reach-criteria-several"),
        (["--evidence", "abc"], "malformed-evidence-hash"),
        (["--signer", "0" * 32], "not-found"),
    ]:
        refused = runner.invoke(main, ["projections", "reach", *args])
        assert refused.exit_code == 1 and f"[{code}]" in refused.output, refused.output
    # A province that is not one is refused, not answered with "0 holders".
    for province in ("999999", "zhejiang", "330100"):
        args = ["projections", "holders", "--tier", "provincial", "--on", "2030-01-01"]
        typo = runner.invoke(main, [*args, "--province", province])
        assert typo.exit_code == 2 and "不是省级行政区划代码" in typo.output, typo.output
