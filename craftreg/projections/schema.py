"""The registry views (登记视图): their tables, columns and keys, on SQLite and PostgreSQL.

Every view is a plain table in the database of the event store. A column is text unless its
spec says otherwise: ``name#`` an integer, ``name?`` a boolean, ``name*`` JSON (kept as text).
docs/projections.md says what each column holds and which events set it; the state digest
(digest.py, docs/ledger-format.md "State digest") covers every view in the order of ``VIEWS``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

TEXT, INT, BOOL, JSON = "text", "int", "bool", "json"
_SUFFIX = {"#": INT, "?": BOOL, "*": JSON}


@dataclass(frozen=True)
class View:
    name: str  # the table is ``view_<name>``
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    unique: tuple[str, ...] = ()
    write_only: bool = False  # rows are appended and never read back while folding
    kinds: dict[str, str] = field(default_factory=dict, compare=False)
    names: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"view_{self.name}"


def view(
    name: str,
    key: str,
    spec: str,
    *,
    indexes: tuple[str, ...] = (),
    unique: str = "",
    write_only: bool = False,
) -> View:
    columns = tuple(
        (word[:-1], _SUFFIX[word[-1]]) if word[-1] in _SUFFIX else (word, TEXT)
        for word in spec.split()
    )
    kinds = dict(columns)
    keys = tuple(key.split())
    assert all(k in kinds for k in keys), f"{name}: key columns must be columns"
    return View(
        name,
        keys,
        columns,
        tuple(tuple(i.split()) for i in indexes),
        tuple(unique.split()),
        write_only,
        kinds,
        tuple(kinds),
    )


ORGANISATIONS = view("organisations", "id", "id kind name parent region province position#")
ACTORS = view("actors", "id", "id organisation name roles* key position#")
KEYS = view(
    "keys",
    "key",
    "key actor organisation enrolled_at# enrolled_by retired_at# retired_by",
    indexes=("enrolled_by",),
)
POLICIES = view("policies", "id", "id version label position# targets* tiers*")
ROUNDS = view(
    "rounds",
    "id",
    "id tier year# body deadline announced_at closed? determined? quotas* quota_total#"
    " nominated# listed# awaiting_list* version# last_position#",
    indexes=("body year",),
)
QUOTAS = view("quotas", "round unit", "round unit quota# used# submitted# listed#")
NOMINATIONS = view(
    "nominations",
    "id",
    "id round unit body tier year# digest name gender birth_date employer employer_category"
    " region province city trade industry_field frontline_years# tags* status submitted_at"
    " reviewed_at review_decision review_reasons* cultivation tainted? version# last_position#",
    indexes=("body status submitted_at", "unit", "digest", "round"),
)
PEOPLE = view(
    "people",
    "digest",
    "digest name gender birth_date province city employer trade industry_field tags* tier"
    " status certified_tier pipeline nomination cultivation certificate pipelines*"
    " certificates* last_position#",
    indexes=("province status digest", "status digest", "city"),
)
CULTIVATIONS = view(
    "cultivations",
    "id",
    "id nomination digest name tier body province start_date end_date mentor_professional"
    " mentor_professional_org mentor_skills mentor_skills_org status activities# started_at"
    " ended_reason assessed_at result scores* assessors* certificate tainted? version#"
    " last_position#",
    indexes=("status end_date", "body status", "nomination"),
)
ACTIVITIES = view("activities", "cultivation kind", "cultivation kind count# dates* last_date")
CERTIFICATES = view(
    "certificates",
    "id",
    "id number holder_name digest gender birth_date age_at_issue# tier body province city trade"
    " employer industry_field tags* issue_date code_digest cultivation nomination pilot? status"
    " revoked_on revocation_ground revocation_case tainted? version# last_position#",
    indexes=("tier province status", "digest", "province", "issue_date"),
    unique="number",
)
BENEFITS = view(
    "benefits",
    "certificate benefit",
    "certificate benefit entitled? deliveries# dates* last_date ended_on",
)
CASES = view(
    "cases",
    "id",
    "id subject_kind subject ground body status opened_at summary evidence* findings# decision"
    " effective proposer approver taints? certificate executed_at version# last_position#",
    indexes=("body status",),
)
REPORTS = view(
    "reports",
    "id",
    "id province region period# content_hash summary* submitted_at signer acknowledged?"
    " acknowledged_at",
    indexes=("region period",),
)
DECISIONS = view(
    "decisions",
    "position pipeline",
    "position# pipeline type stream version# time signer actor organisation detail*",
    indexes=("pipeline", "signer"),
    write_only=True,
)
EVIDENCE = view(
    "evidence",
    "sha256 ref",
    "sha256 ref kind position#",
    write_only=True,
)
ROLE_CHANGES = view(
    "role_changes",
    "position",
    "position# actor roles* signer",
    write_only=True,
)

VIEWS: tuple[View, ...] = (
    ORGANISATIONS,
    ACTORS,
    KEYS,
    POLICIES,
    ROUNDS,
    QUOTAS,
    NOMINATIONS,
    PEOPLE,
    CULTIVATIONS,
    ACTIVITIES,
    CERTIFICATES,
    BENEFITS,
    CASES,
    REPORTS,
    DECISIONS,
    EVIDENCE,
    ROLE_CHANGES,
)
BY_NAME = {v.name: v for v in VIEWS}

CURSOR_TABLE = "view_cursor"
"""One row per projection: the notification id and log position it has applied up to."""

SCHEMA_TABLE = "view_schema"
"""The fingerprint of the views' layout the tables were made for."""

_SQL_TYPES = {
    "sqlite": {TEXT: "TEXT", INT: "INTEGER", BOOL: "INTEGER", JSON: "TEXT"},
    "postgres": {TEXT: "TEXT", INT: "BIGINT", BOOL: "BOOLEAN", JSON: "TEXT"},
}


def pg_types(v: View) -> list[str]:
    """The PostgreSQL type of each column of ``v``, in column order."""
    return [_SQL_TYPES["postgres"][kind].lower() for _, kind in v.columns]


def ddl(v: View, backend: str, qualify: str = "") -> list[str]:
    """CREATE statements for one view; ``qualify`` prefixes names (a PostgreSQL schema)."""
    types = _SQL_TYPES[backend]
    columns = ", ".join(f"{name} {types[kind]}" for name, kind in v.columns)
    table = qualify + v.table
    # SQLite keeps a table with a composite key in one B-tree by that key, not two.
    clustered = " WITHOUT ROWID" if backend == "sqlite" and len(v.key) > 1 else ""
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ({columns},"
        f" PRIMARY KEY ({', '.join(v.key)})){clustered}",
        *(create for create, _ in index_ddl(v, qualify)),
    ]


def index_ddl(v: View, qualify: str = "") -> list[tuple[str, str]]:
    """(CREATE, DROP) of each secondary index: a rebuild drops them, loads, and makes them
    again, which is several times faster than keeping them up to date row by row."""
    table = qualify + v.table
    result = []
    for columns, unique in [
        *((i, False) for i in v.indexes),
        *([(v.unique, True)] * bool(v.unique)),
    ]:
        name = f"{v.table}_{'unique' if unique else 'by'}_{'_'.join(columns)}"
        create = "CREATE UNIQUE INDEX" if unique else "CREATE INDEX"
        result.append(
            (
                f"{create} IF NOT EXISTS {name} ON {table} ({', '.join(columns)})",
                f"DROP INDEX IF EXISTS {qualify}{name}",
            )
        )
    return result


def cursor_ddl(backend: str, qualify: str = "") -> str:
    integer = _SQL_TYPES[backend][INT]
    return (
        f"CREATE TABLE IF NOT EXISTS {qualify}{CURSOR_TABLE} (name TEXT PRIMARY KEY,"
        f" notification_id {integer} NOT NULL, position {integer} NOT NULL)"
    )


def fingerprint() -> str:
    """Changes whenever a view's columns, keys or indexes change: the views are then rebuilt."""
    text = "\n".join(s for v in VIEWS for s in ddl(v, "sqlite"))
    return hashlib.sha256(text.encode()).hexdigest()
