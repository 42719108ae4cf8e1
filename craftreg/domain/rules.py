"""Small checks every decider shares; each raises a bilingual RuleViolation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TypeVar

from craftreg.domain.authority import Actor
from craftreg.domain.envelope import is_timestamp
from craftreg.domain.errors import RuleViolation
from craftreg.domain.state import Admission

T = TypeVar("T")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def signer(a: Admission) -> Actor:
    """The acting signer; only genesis has none, and genesis has its own decider."""
    if a.actor is None:
        raise RuleViolation(
            "此事件需要已登记的签署人。",
            "this event needs an enrolled signer.",
            code="signer-required",
        )
    return a.actor


def new_stream(a: Admission) -> None:
    if a.envelope.version != 1:
        raise RuleViolation(
            f"“{a.envelope.type}”只能作为新记录的第一个事件。",
            f"'{a.envelope.type}' can only be the first event of a new record.",
            code="stream-exists",
        )


def nonempty(text: str, what: str) -> None:
    if not text.strip():
        raise RuleViolation(f"{what}不能为空。", f"{what} must not be empty.", code="missing-field")


def sha256_hex(value: str, what: str) -> None:
    if not _SHA256.fullmatch(value):
        raise RuleViolation(
            f"{what}须为 64 位小写十六进制 SHA-256 值。",
            f"{what} must be a lowercase hex SHA-256.",
            code="invalid-hash",
        )


def parse_date(value: str, what: str) -> date:
    # date.fromisoformat also takes week dates (2029-W01-1); only YYYY-MM-DD compares as text.
    if not _DATE.fullmatch(value):
        return _bad_date(what)
    try:
        return date.fromisoformat(value)
    except ValueError:
        return _bad_date(what)


def _bad_date(what: str) -> date:
    raise RuleViolation(
        f"{what}须为 YYYY-MM-DD 格式的日期。",
        f"{what} must be a date YYYY-MM-DD.",
        code="invalid-date",
    )


def timestamp(value: str, what: str) -> str:
    """A moment in the envelope's own form, so that it compares with event times as text."""
    if not is_timestamp(value):
        raise RuleViolation(
            f"{what}须为带微秒的 UTC 时间，例如 2027-03-31T16:00:00.000000Z。",
            f"{what} must be RFC 3339 UTC with microseconds, e.g. 2027-03-31T16:00:00.000000Z.",
            code="invalid-time",
        )
    return value


def event_date(a: Admission) -> date:
    return a.envelope.moment.date()


def own_record(records: Mapping[str, T], a: Admission, what_zh: str, what_en: str) -> T:
    """The record the event's own stream is, or an ``unknown-record`` refusal."""
    found = records.get(a.envelope.stream)
    if found is None:
        raise unknown(what_zh, what_en, a.envelope.stream)
    return found


def unknown(what_zh: str, what_en: str, ident: str) -> RuleViolation:
    return RuleViolation(
        f"{what_zh} {ident} 不存在。", f"{what_en} {ident} does not exist.", code="unknown-record"
    )
