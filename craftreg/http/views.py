"""The registry views as the HTTP API reads them (登记视图): always fresh, read in pages.

**Fresh.** Each worker opens the projector (``RegistryViews``) once. With the first query of
every request it asks the database, in the same round trip, for the log's last notification id
and the one the views have applied; only when the views are behind does it catch up, waiting
for another worker's catch-up if one is running (``catch_up(wait=True)``), and query again.
An event is committed before its ``201`` leaves the server, so a read that starts after that
answer sees it: a certificate look-up shows a revocation at once. A background ``follow()`` thread would keep views fresh *soon*,
not *now*, and would write while nobody reads.

**Pages.** A list is ordered by its key; the cursor is opaque to clients (base64url of the
last key of the page) and only moves forward, so walking ``next`` visits every row once even
while rows are added (a new row after the cursor shows up in a later page, never twice).
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter, PathParameter, QueryParameter

from craftreg.domain.authority import Role
from craftreg.http import examples
from craftreg.http.abuse import PUBLIC
from craftreg.http.problems import BadRequest, NotFound, error_responses
from craftreg.http.signatures import Requester, signed_by
from craftreg.projections.projector import NAME, RegistryViews
from craftreg.projections.queries import Views
from craftreg.projections.schema import View
from craftreg.projections.working import Row

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Limit = Annotated[
    int, Parameter(ge=1, le=MAX_LIMIT, description=f"rows per page (at most {MAX_LIMIT})")
]
Cursor = Annotated[
    str | None,
    Parameter(max_length=512, description="the `next` of the previous page (opaque)"),
]


def text_filter(description: str) -> Any:
    return Parameter(max_length=64, description=description)


class FreshViews:
    """One projector per process, brought up to date before each read."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._views: RegistryViews | None = None
        self._opening = threading.Lock()
        self._head_sql = ""

    def _open(self) -> RegistryViews:
        with self._opening:
            if self._views is None:
                views = RegistryViews.open(self._database_url)
                tables = views.tables
                column = "notification_id" if tables.backend == "postgres" else "rowid"
                self._head_sql = (
                    f"SELECT (SELECT max({column}) FROM {tables.table('stored_events')}),"
                    " (SELECT notification_id FROM {view_cursor} WHERE name = ?)"
                )
                self._views = views
            return self._views

    def fresh(self) -> Views:
        """The views with every event committed before this call applied: the first read
        through them also asks whether the views are behind the log, in the same round trip."""
        views = self._views or self._open()

        def current(rows: list[tuple[Any, ...]]) -> bool:
            ((head, applied),) = rows
            if head is not None and (applied is None or int(applied) < int(head)):
                views.catch_up(wait=True)
                return False
            return True

        return Views(views.tables.guarded(current, self._head_sql, (NAME,)))

    def close(self) -> None:
        if self._views is not None:
            self._views.close()
            self._views = None


class Page(msgspec.Struct, frozen=True):
    rows: list[Row]
    next: str | None


def page(
    views: Views,
    view: View,
    filters: dict[str, Any],
    cursor: str | None,
    limit: int,
    order: Sequence[str] | None = None,
) -> Page:
    """Rows of ``view`` matching ``filters`` (column = value; None: any), after ``cursor``."""
    order = tuple(order or view.key)
    clauses = [f"{column} = ?" for column, value in filters.items() if value is not None]
    params: list[Any] = [value for value in filters.values() if value is not None]
    if cursor is not None:
        after = decode_cursor(cursor, len(order))
        # Keyset pagination: (a, b) > (x, y) written out, which both backends index well.
        alternatives = []
        for i, column in enumerate(order):
            equal = [f"{c} = ?" for c in order[:i]]
            alternatives.append("(" + " AND ".join([*equal, f"{column} > ?"]) + ")")
            params.extend([*after[:i], after[i]])
        clauses.append("(" + " OR ".join(alternatives) + ")")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = views.tables.select(
        view, f"{where} ORDER BY {', '.join(order)} LIMIT ?", (*params, limit + 1)
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor([rows[-1][c] for c in order]) if more else None)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(values)).decode().rstrip("=")


def decode_cursor(cursor: str, length: int, kinds: tuple[type, ...] = (str, int)) -> list[Any]:
    """The key values of a cursor, each one of ``kinds``; ``bad-request`` if it is not one."""
    try:
        values = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != length
        or not all(isinstance(v, kinds) and not isinstance(v, bool) for v in values)
    ):
        raise BadRequest(
            "分页游标无效：请使用上一页返回的 next 值。",
            "the cursor is not valid: pass the `next` value of the previous page.",
        )
    return values


def one(views: Views, view: View, column: str, value: Any, zh: str, en: str) -> Row:
    """The row whose ``column`` is ``value``, or ``not-found``: ``zh`` and ``en`` name what
    was asked for, ``{}`` standing for the value."""
    found = views.tables.select(view, f" WHERE {column} = ?", (value,))
    if not found:
        raise NotFound(zh.format(value), en.format(value))
    return found[0]


IDENTITY_ROLES = (Role.REVIEWER, Role.AUDITOR)
DISCIPLINE_ROLES = (Role.DISCIPLINE_OFFICER, Role.DISCIPLINE_APPROVER, Role.AUDITOR)
IDENTITY_FIELDS = ("digest", "birth_date")

S = TypeVar("S", bound=msgspec.Struct)
Text = Annotated[str | None, text_filter("equal to this value")]
# A tier not one of the three is a 400, not an empty list a clerk would take for "none".
Tier = Annotated[
    Literal["national", "provincial", "municipal"] | None,
    Parameter(description="national, provincial or municipal"),
]
Region = Annotated[str | None, text_filter("a GB/T 2260 code, e.g. 330000")]
Status = Annotated[str | None, text_filter("the status (docs/projections.md §2–3)")]
Year = Annotated[int | None, Parameter(ge=2000, le=2100, description="the round's year")]
# ``body`` names the raw request body in Litestar: the filter is read from the query as such.
Body = Annotated[
    str | None,
    QueryParameter(
        name="body", max_length=64, description="the cultivating body (organisation id)"
    ),
]
Id = Annotated[str, Parameter(max_length=64, description="the record's id (UUID)")]
Number = Annotated[
    str, PathParameter(max_length=40, description="the certificate's number, e.g. S33-2029-00001")
]


def read_route(
    data: Any,
    example: Any,
    summary: str,
    *,
    public: bool = False,
    roles: tuple[Role, ...] = (),
    paged: bool = False,
) -> dict[str, Any]:
    """The options of a read route: its guard, its OpenAPI answer with an example."""
    value = msgspec.to_builtins(example)
    if paged:
        value = {"items": [value], "next": examples.NEXT}
    options: dict[str, Any] = {
        "summary": summary,
        "sync_to_thread": True,
        "tags": ["registry"],
        "responses": {
            200: ResponseSpec(
                data_container=data,
                description="A page of rows and the cursor of the next." if paged else "The row.",
                examples=[Example(summary=summary, value=value)],
            ),
            **error_responses(*((400, 404, 429) if public else (400, 401, 403, 404))),
        },
    }
    if public:
        options["opt"] = PUBLIC
    else:
        options["guards"] = [signed_by(*roles)]
        options["security"] = [{"httpSignature": []}]
    return options


def shape(row: Row, struct: type[S], requester: Requester | None = None) -> S:
    """A view row as its Struct; identity fields only for the roles that may see them."""
    fields = {k: v for k, v in row.items() if v is not None}
    if requester is None or not requester.sees_identity(row.get("province")):
        for name in IDENTITY_FIELDS:
            fields.pop(name, None)
    return msgspec.convert(fields, struct)


def shapes_of(rows: list[Row], struct: type[S], requester: Requester | None = None) -> list[S]:
    return [shape(row, struct, requester) for row in rows]
