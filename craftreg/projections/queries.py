"""Reading the registry views (查询): what the HTTP API, the reports and the CLI ask.

Every query reads one or two indexed views; lists are pages in key order with a cursor (the
last key of the page). The same queries run on the live views and on views replayed as of a
point in history (history.py), which are tables of the same shape.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from craftreg.projections.codec import decode_row
from craftreg.projections.schema import (
    ACTIVITIES,
    BENEFITS,
    CASES,
    CERTIFICATES,
    CULTIVATIONS,
    NOMINATIONS,
    ORGANISATIONS,
    PEOPLE,
    QUOTAS,
    REPORTS,
    ROUNDS,
    View,
)
from craftreg.projections.tables import ViewTables
from craftreg.projections.working import Row

PAGE = 50


class Views:
    def __init__(self, tables: ViewTables) -> None:
        self.tables = tables

    def _one(self, v: View, column: str, value: Any) -> Row | None:
        found = self.tables.select(v, f" WHERE {column} = ?", (value,))
        return found[0] if found else None

    def _page(
        self,
        v: View,
        filters: dict[str, Any],
        order: str,
        after: Any,
        limit: int,
    ) -> list[Row]:
        clauses = [f"{column} = ?" for column, value in filters.items() if value is not None]
        params = [value for value in filters.values() if value is not None]
        if after is not None:
            clauses.append(f"{order} > ?")
            params.append(after)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return self.tables.select(v, f"{where} ORDER BY {order} LIMIT ?", (*params, limit))

    # -- people and their candidacies -------------------------------------------------------

    def person(self, digest: str) -> Row | None:
        return self._one(PEOPLE, "digest", digest)

    def people(
        self,
        *,
        province: str | None = None,
        city: str | None = None,
        status: str | None = None,
        tier: str | None = None,
        after: str | None = None,
        limit: int = PAGE,
    ) -> list[Row]:
        filters = {"province": province, "city": city, "status": status, "tier": tier}
        return self._page(PEOPLE, filters, "digest", after, limit)

    def nomination(self, nomination_id: str) -> Row | None:
        return self._one(NOMINATIONS, "id", nomination_id)

    def review_queue(self, body: str, *, after: str | None = None, limit: int = PAGE) -> list[Row]:
        """Nominations awaiting a review decision by a cultivating body, oldest first (Art. 9)."""
        clauses = "body = ? AND status = 'submitted'"
        params: list[Any] = [body]
        if after is not None:
            clauses += " AND submitted_at > ?"
            params.append(after)
        return self.tables.select(
            NOMINATIONS, f" WHERE {clauses} ORDER BY submitted_at, id LIMIT ?", (*params, limit)
        )

    # -- rounds -----------------------------------------------------------------------------

    def round(self, round_id: str) -> Row | None:
        found = self._one(ROUNDS, "id", round_id)
        if found is not None:
            found["use"] = self.tables.select(QUOTAS, " WHERE round = ? ORDER BY unit", (round_id,))
        return found

    def rounds(self, *, body: str | None = None, year: int | None = None) -> list[Row]:
        return self._page(ROUNDS, {"body": body, "year": year}, "id", None, 1000)

    # -- cultivation ------------------------------------------------------------------------

    def cultivation(self, cultivation_id: str) -> Row | None:
        found = self._one(CULTIVATIONS, "id", cultivation_id)
        if found is not None:
            activities = self.tables.select(
                ACTIVITIES, " WHERE cultivation = ? ORDER BY kind", (cultivation_id,)
            )
            found["activity_counts"] = {a["kind"]: a["count"] for a in activities}
        return found

    def ending_soon(
        self, today: date, *, days: int = 90, body: str | None = None, limit: int = 200
    ) -> list[Row]:
        """Active cultivations whose period ends within ``days`` of ``today`` (Art. 10, 15)."""
        clauses = "status = 'active' AND end_date >= ? AND end_date <= ?"
        params: list[Any] = [today.isoformat(), (today + timedelta(days=days)).isoformat()]
        if body is not None:
            clauses += " AND body = ?"
            params.append(body)
        return self.tables.select(
            CULTIVATIONS, f" WHERE {clauses} ORDER BY end_date, id LIMIT ?", (*params, limit)
        )

    # -- certificates and benefits ----------------------------------------------------------

    def certificate(self, number: str) -> Row | None:
        """By number, with the stream and the log position of its latest event."""
        return self._one(CERTIFICATES, "number", number)

    def certificate_and_issuer(self, number: str) -> tuple[Row, str] | None:
        """The certificate by number and the name of the body that issued it, in one read."""
        columns = ", ".join(f"c.{name}" for name in CERTIFICATES.names)
        rows = self.tables.query(
            f"SELECT {columns}, o.name FROM {{{CERTIFICATES.table}}} c"
            f" LEFT JOIN {{{ORGANISATIONS.table}}} o ON o.id = c.body WHERE c.number = ?",
            (number,),
        )
        if not rows:
            return None
        return decode_row(CERTIFICATES, rows[0][:-1]), rows[0][-1] or ""

    def certificates(
        self,
        *,
        province: str | None = None,
        tier: str | None = None,
        status: str | None = None,
        after: str | None = None,
        limit: int = PAGE,
    ) -> list[Row]:
        filters = {"tier": tier, "province": province, "status": status}
        return self._page(CERTIFICATES, filters, "id", after, limit)

    def holders_on(self, day: date, *, tier: str, province: str | None = None) -> list[Row]:
        """Certificates held on ``day``: issued by then, not revoked with effect by then.

        Ask it of views as of that day (history.py) to leave out what was recorded later.
        """
        clauses = "tier = ? AND issue_date <= ? AND (revoked_on IS NULL OR revoked_on > ?)"
        params: list[Any] = [tier, day.isoformat(), day.isoformat()]
        if province is not None:
            clauses += " AND province = ?"
            params.append(province)
        return self.tables.select(CERTIFICATES, f" WHERE {clauses} ORDER BY number", params)

    def benefits(self, certificate: str) -> list[Row]:
        return self.tables.select(
            BENEFITS, " WHERE certificate = ? ORDER BY benefit", (certificate,)
        )

    # -- restricted: discipline cases; and reports ------------------------------------------

    def cases(
        self, *, body: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[Row]:
        """Discipline cases (Art. 20). Restricted: serve them to discipline roles only."""
        return self._page(CASES, {"body": body, "status": status}, "id", None, limit)

    def reports(self, *, region: str | None = None, period: int | None = None) -> list[Row]:
        return self._page(REPORTS, {"region": region, "period": period}, "id", None, 1000)
