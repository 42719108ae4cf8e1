"""Rows as the tables store them: JSON columns as text, booleans as 0/1 on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import msgspec

from craftreg.projections.schema import BOOL, JSON, VIEWS, View
from craftreg.projections.working import Row


def encoder(v: View) -> Callable[[Row], tuple[Any, ...]]:
    """Row → the values of its columns as stored: JSON columns as text."""
    plain = itemgetter(*v.names)
    json_at = [i for i, (_, kind) in enumerate(v.columns) if kind == JSON]
    if not json_at:
        return plain
    encode = msgspec.json.encode

    def encode_row(row: Row) -> tuple[Any, ...]:
        values = list(plain(row))
        for i in json_at:
            if values[i] is not None:
                values[i] = encode(values[i]).decode()
        return tuple(values)

    return encode_row


def decoder(v: View) -> Callable[[Sequence[Any]], Row]:
    """Stored values → a row: JSON columns parsed, booleans as booleans (SQLite keeps 0/1)."""
    names = v.names
    json_at = [n for n in names if v.kinds[n] == JSON]
    bool_at = [n for n in names if v.kinds[n] == BOOL]
    parse = msgspec.json.decode

    def decode_row(values: Sequence[Any]) -> Row:
        row = dict(zip(names, values, strict=True))
        for name in json_at:
            if row[name] is not None:
                row[name] = parse(row[name])
        for name in bool_at:
            if row[name] is not None:
                row[name] = bool(row[name])
        return row

    return decode_row


DECODERS = {v.name: decoder(v) for v in VIEWS}


def decode_row(v: View, values: Sequence[Any]) -> Row:
    return DECODERS[v.name](values)
