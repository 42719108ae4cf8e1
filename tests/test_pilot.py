"""Art. 24: the 2024 pilot scheme's certificates come in from a CSV file as marked, signed events."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from craftreg.application import Registry
from craftreg.cli import main
from craftreg.domain.authority import Role
from craftreg.domain.certificates import PILOT_SCHEME, code_digest
from craftreg.keys import Signer, read_key, write_key
from craftreg.privacy import IdentityVault, check_digit
from tests.helpers import Cast

HEADER = "tier,number,holder_name,identity_number,trade,employer,issue_date,benefits\n"


def number_for(born: str, order: str) -> str:
    first17 = f"330106{born}{order}"
    return first17 + check_digit(first17)


def test_pilot_rows_are_imported_one_by_one_and_refusals_reported(
    founded: Registry, root: Signer, tmp_path: Path
) -> None:
    cast = Cast.__new__(Cast)  # reuse the founded registry's root instead of founding again
    cast.root, cast.national = root, founded.national_federation
    certifier = Signer.generate()
    from craftreg.domain.authority import OrgKind

    zhejiang = founded.register_organisation(
        root, OrgKind.PROVINCIAL_FEDERATION, "浙江省总工会", cast.national, "330000"
    )
    founded.enrol_actor(root, zhejiang, "发证人", [Role.CERTIFIER], certifier)
    rows = [
        f"provincial,浙试〔2024〕001,王芳,{number_for('19800101', '002')},焊工,宁波钢铁,2024-09-01,visit;health_check",
        f"provincial,浙试〔2024〕002,李强,{number_for('19790505', '011')},钳工,杭汽,2024-09-01,visit",
        "provincial,浙试〔2024〕003,赵敏,330106198001010000,电工,杭汽,2024-09-01,visit",
        f"provincial,浙试〔2024〕004,王芳,{number_for('19800101', '002')},焊工,宁波钢铁,2024-10-01,visit",
        f"provincial,浙试〔2024〕005,钱进,{number_for('19850303', '021')},电工,杭汽,2025-01-01,visit",
    ]
    source = tmp_path / "pilot.csv"
    source.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    key_file = tmp_path / "certifier.pem"
    write_key(key_file, certifier)
    before = founded.current().position
    result = CliRunner().invoke(
        main,
        [
            "import-pilot",
            str(source),
            "--body",
            zhejiang,
            "--key",
            str(key_file),
            "--codes",
            str(tmp_path / "codes.csv"),
        ],
        env={
            "CRAFTREG_DATABASE_URL": founded.store.database_url,
            "CRAFTREG_KEY_DIR": str(tmp_path / "keys"),
        },
    )
    assert result.exit_code == 1, result.output
    assert "imported 2, refused 3" in result.output
    assert "line 4 (浙试〔2024〕003) refused: [invalid-identity-number]" in result.output
    assert "line 5 (浙试〔2024〕004) refused: [live-certificate-exists]" in result.output
    assert "line 6 (浙试〔2024〕005) refused: [invalid-pilot-record]" in result.output
    state = founded.current()
    assert state.position == before + 2
    imported = [c for c in state.lifecycle.certificates.values() if c.cultivation is None]
    codes = dict(line.split(",") for line in (tmp_path / "codes.csv").read_text().splitlines()[1:])
    assert {c.number for c in imported} == set(codes)
    assert all(c.code_digest == code_digest(c.number, codes[c.number]) for c in imported)
    assert oct((tmp_path / "codes.csv").stat().st_mode & 0o777) == "0o600"
    events = [e.signed.envelope for e in founded.store.log()][-2:]
    assert all(e.payload["scheme"] == PILOT_SCHEME for e in events)
    with IdentityVault(
        founded.store.database_url, (tmp_path / "keys" / "identity-hash.key").read_bytes()
    ) as vault:
        assert vault.lookup(number_for("19800101", "002")) is not None
    assert read_key(key_file).key_id == certifier.key_id
