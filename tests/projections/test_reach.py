"""Discipline support (Art. 20): everything that rests on an input, from where it entered."""

from __future__ import annotations

import pytest

from craftreg.application import Registry
from craftreg.domain.authority import Role
from craftreg.projections import reach
from craftreg.projections.projector import RegistryViews
from craftreg.projections.tables import ViewTables
from tests.helpers import evidence
from tests.projections.story import Story


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
    people = ("陈静", "王伟", "李娜", "赵敏", "孙丽", "周杰", "吴芳")
    assert {p.pipeline for p in found.pipelines} == {story.ids[p] for p in people}
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
