"""The views of the small demo agree, fact by fact, with the domain's own fold of the log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from craftreg.application import Registry
from craftreg.demo import build_demo
from craftreg.domain.catalogue import KINDS
from craftreg.domain.envelope import from_record
from craftreg.domain.state import RegistryState
from craftreg.keys import Signer
from craftreg.privacy import IdentityVault
from craftreg.projections.projector import RegistryViews
from craftreg.projections.queries import Views
from craftreg.projections.records import decode
from craftreg.projections.schema import (
    ACTIVITIES,
    ACTORS,
    BENEFITS,
    CASES,
    CERTIFICATES,
    CULTIVATIONS,
    KEYS,
    NOMINATIONS,
    PEOPLE,
    QUOTAS,
    REPORTS,
    View,
)
from craftreg.projections.source import notifications
from craftreg.projections.tables import ViewTables

RANK = {"municipal": 1, "provincial": 2, "national": 3}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegistryState, ViewTables]]:
    tmp = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp / 'demo.sqlite3'}"
    root = Signer.generate()
    with Registry(url) as registry, IdentityVault(url, b"k" * 32) as vault:
        registry.found(root, "craftreg.test/demo")
        build_demo(registry, root, Path(tmp), vault, seed=3, progress=lambda _: None)
        state = registry.current()
    with RegistryViews.open(url) as views:
        assert views.catch_up() == state.position
        yield state, views.tables


def rows(tables: ViewTables, v: View) -> dict[object, dict[str, object]]:
    found = tables.select(v)
    return {tuple(r[k] for k in v.key) if len(v.key) > 1 else r[v.key[0]]: r for r in found}


def test_nominations_and_quota_use(demo: tuple[RegistryState, ViewTables]) -> None:
    state, tables = demo
    life = state.lifecycle
    nominations = rows(tables, NOMINATIONS)
    assert set(nominations) == set(life.nominations)
    for n in life.nominations.values():
        view = nominations[n.id]
        expected = n.status.value
        if expected == "approved" and life.rounds[n.round].determined:
            expected = "not_listed"
        assert (view["status"], view["digest"], view["tainted"]) == (expected, n.digest, n.tainted)
    quotas = rows(tables, QUOTAS)
    for r in life.rounds.values():
        for unit in r.quotas:
            q = quotas[(r.id, unit)]
            assert (q["quota"], q["used"]) == (r.quotas[unit], len(r.live.get(unit, ())))


def test_cultivations_certificates_and_benefits(demo: tuple[RegistryState, ViewTables]) -> None:
    state, tables = demo
    life = state.lifecycle
    cultivations, activities = rows(tables, CULTIVATIONS), rows(tables, ACTIVITIES)
    assert set(cultivations) == set(life.cultivations)
    for c in life.cultivations.values():
        view = cultivations[c.id]
        assert (view["status"], view["end_date"], view["certificate"], view["tainted"]) == (
            c.status.value,
            c.end,
            c.certificate,
            c.tainted,
        )
        counted = {kind: activities[(c.id, kind)]["count"] for kind in c.activities}
        assert counted == c.activities and view["activities"] == sum(c.activities.values())
    certificates, benefits = rows(tables, CERTIFICATES), rows(tables, BENEFITS)
    assert set(certificates) == set(life.certificates)
    for cert in life.certificates.values():
        view = certificates[cert.id]
        assert (view["number"], view["status"], view["tier"], view["tainted"]) == (
            cert.number,
            cert.status.value,
            cert.tier.value,
            cert.tainted,
        )
        revoked = cert.revoked or {}
        assert (view["revoked_on"], view["revocation_ground"], view["revocation_case"]) == (
            revoked.get("effective"),
            revoked.get("ground"),
            revoked.get("case"),
        )
        delivered = {
            b: row["deliveries"]
            for (certificate, b), row in benefits.items()
            if certificate == cert.id and row["deliveries"]
        }
        assert delivered == {b: n for b, n in cert.benefits.items() if n}


def test_people_cases_reports_and_the_chain(demo: tuple[RegistryState, ViewTables]) -> None:
    state, tables = demo
    life, chain = state.lifecycle, state.chain
    people = rows(tables, PEOPLE)
    digests = {n.digest for n in life.nominations.values()} | {
        c.digest for c in life.certificates.values()
    }
    assert set(people) == digests
    held: dict[str, list[str]] = {}
    for digest, tier in life.live_certificates:
        held.setdefault(digest, []).append(tier.value)
    for digest, person in people.items():
        best = max(held.get(str(digest), []), key=RANK.__getitem__, default=None)
        assert person["certified_tier"] == best
    statuses = Counter(p["status"] for p in people.values())
    assert {"certified", "revoked", "assessed", "rejected"} <= set(statuses)
    cases = rows(tables, CASES)
    assert {i: (c["status"], c["evidence"], c["findings"]) for i, c in cases.items()} == {
        c.id: (c.status.value, c.evidence, c.findings) for c in life.cases.values()
    }
    reports = rows(tables, REPORTS)
    assert {i: r["acknowledged"] for i, r in reports.items()} == {
        r.id: r.acknowledged for r in life.reports.values()
    }
    actors, keys = rows(tables, ACTORS), rows(tables, KEYS)
    for actor in chain.actors.values():
        assert (actors[actor.id]["key"], actors[actor.id]["roles"]) == (
            actor.key,
            sorted(r.value for r in actor.roles),
        )
    assert {k: row["retired_at"] for k, row in keys.items()} == {
        k.id: k.retired_at for k in chain.keys.values()
    }


def test_every_certificate_is_found_by_number_with_its_latest_event(
    demo: tuple[RegistryState, ViewTables],
) -> None:
    state, tables = demo
    q = Views(tables)
    for cert in list(state.lifecycle.certificates.values())[:50]:
        found = q.certificate(cert.number)
        assert found is not None and found["id"] == cert.id
        assert found["version"] == state.versions[cert.id]


def test_every_record_decodes_to_the_payload_admission_converts(
    demo: tuple[RegistryState, ViewTables],
) -> None:
    """An auditor's replay admits each event with the payload the views decoded: for every kind
    of event of the demo, that is the payload admission converts from the envelope itself."""
    _, tables = demo
    kinds = set()
    for _, record in notifications(tables.events, 0):
        envelope = from_record(record).envelope
        schema = KINDS[envelope.type].payload
        assert decode(0, record).payload == msgspec.convert(envelope.payload, schema, strict=True)
        kinds.add(envelope.type)
    lifecycle = {"NominationSubmitted", "CultivationStarted", "CultivationAssessed"}
    assert lifecycle | {"CertificateIssued", "CaseOpened", "CertificateRevoked"} <= kinds
