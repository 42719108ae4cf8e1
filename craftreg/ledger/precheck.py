"""Signature checks of an auditor's replay, spread over every core ahead of the admission.

Admission is sequential — each event is judged against the state all earlier events built —
but its costliest step, the Ed25519 verification (RFC 8032 §5.1.7), needs only the record and
the signer's public key. A signer's key id is SHA-256(public key)[:16], so any enrolled public
key found anywhere earlier in the log *is* the key that id names: a pool of processes parses
and verifies chunks of records, each finding the public keys its records carry, which the main
process relays to the others with their next chunk. The replay then admits each event with
``verified=True`` only when the state's key for that signer is byte for byte the key the
signature was checked with; every other case is left to ``RegistryState.admit`` itself, so
the verdicts are exactly those of the append path.

Parsing is as strict as :func:`craftreg.domain.envelope.from_record` and faster on the common
case: the canonical form is checked with msgspec's sorted encoding, which equals RFC 8785 for
integer-only JSON without non-BMP characters or ``\\u`` escapes, and the envelope's fields by
checks at least as strict as ``check_envelope_shape`` (both checked against the originals by
tests/ledger/test_precheck.py); anything else goes through ``from_record`` for its verdict.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from craftreg.domain.authority import Chain
from craftreg.domain.envelope import ENVELOPE_FIELDS, Envelope, SignedEvent, from_record
from craftreg.domain.errors import RegistryError

OK, BAD_SIGNATURE, UNCHECKED = 0, 1, 2
"""Verdicts: the signature verifies with the key named; it does not; or no verdict (unknown
key, malformed record) — the replay then runs the full admission for the precise error."""

CHUNK = 512
PARALLEL_FROM = 4096
"""Below this many events, signatures are checked in line: a pool would cost more."""
_HEAD, _MID, _TAIL = b'{"envelope":', b',"signature":"', b'"}'
_CONTEXT = b"craftreg/event/v1\n"
_PUBLIC_KEY = re.compile(rb'"(?:root_)?public_key":"([A-Za-z0-9+/]{43}=)"')
# One pass of bytes.translate, far faster than a regex, sorts every byte of a record into a
# class: "\\" a backslash (an escape), "!" a 4-byte UTF-8 lead byte (a non-BMP character),
# "1" a digit (16 in a row is how an integer beyond ±(2**53 - 1) must show), "0" the rest.
_CLASSES = bytes(
    0x5C if b == 0x5C else 0x21 if b >= 0xF0 else 0x31 if 0x30 <= b <= 0x39 else 0x30
    for b in range(256)
)
_SIXTEEN_DIGITS = b"1" * 16
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TYPE = re.compile(r"[A-Z][A-Za-z]{2,63}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_FIELDS = frozenset(ENVELOPE_FIELDS)
_ENVELOPE = msgspec.json.Decoder(Envelope)


def _refuse_float(text: str) -> Any:
    raise ValueError(f"float {text}")


_NO_FLOATS = msgspec.json.Decoder(float_hook=_refuse_float)
Keys = list[tuple[str, bytes]]


def parse_record(record: bytes) -> SignedEvent:
    """``from_record(record)``, with the same verdict, without re-canonicalising by RFC 8785."""
    fast = _parse_fast(record)
    return fast if fast is not None else from_record(record)


def _parse_fast(record: bytes) -> SignedEvent | None:
    if not (record.startswith(_HEAD) and record.endswith(_TAIL)):
        return None
    mid = record.rfind(_MID)
    canonical = record[len(_HEAD) : mid]
    if mid < 0 or _unusual(canonical):
        return None
    try:
        raw = _NO_FLOATS.decode(canonical)
        text = record[mid + len(_MID) : -len(_TAIL)]
        signature = base64.b64decode(text, validate=True)
    except (msgspec.DecodeError, binascii.Error, ValueError):
        return None
    if not isinstance(raw, dict) or msgspec.json.encode(raw, order="sorted") != canonical:
        return None
    envelope = _envelope(raw)
    if envelope is None or len(signature) != 64 or base64.b64encode(signature) != text:
        return None
    return SignedEvent(envelope, canonical, signature)


def _unusual(canonical: bytes) -> bool:
    """A ``\\u`` escape, a non-BMP character or a 16-digit number: left to ``from_record``."""
    classes = canonical.translate(_CLASSES)
    return (
        b"!" in classes or _SIXTEEN_DIGITS in classes or (b"\\" in classes and b"\\u" in canonical)
    )


def _envelope(raw: dict[str, Any]) -> Envelope | None:
    """The envelope, if ``raw`` passes checks at least as strict as ``check_envelope_shape``'s.

    That function's reject_floats walk and strptime call cost more than the signature check
    is worth sharing out; here floats were refused by the decoder, integers of 16 digits or
    more by a scan of the bytes, and times are read by ``datetime.fromisoformat`` (stricter:
    it refuses leap seconds, which then go to ``from_record`` for its verdict).
    """
    if raw.keys() != _FIELDS:
        return None
    stream, version, type_, time = raw["stream"], raw["version"], raw["type"], raw["time"]
    payload, signer = raw["payload"], raw["signer"]
    if not (
        isinstance(stream, str)
        and _UUID.fullmatch(stream)
        and type(version) is int
        and version >= 1
        and isinstance(type_, str)
        and _TYPE.fullmatch(type_)
        and isinstance(time, str)
        and _TIME.fullmatch(time)
        and isinstance(payload, dict)
        and isinstance(signer, str)
        and _KEY_ID.fullmatch(signer)
    ):
        return None
    try:
        datetime.fromisoformat(time[:-1])
    except ValueError:
        return None
    return Envelope(
        stream=stream, version=version, type=type_, time=time, payload=payload, signer=signer
    )


def cores() -> int:
    """The cores this process may run on: its CPU affinity where the platform tells it (a
    container's cpuset), else every core of the machine."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def trusted_record(record: bytes) -> SignedEvent:
    """A record a precheck already parsed strictly, sliced and decoded without re-checking."""
    mid = record.rfind(_MID)
    canonical = record[len(_HEAD) : mid]
    signature = base64.b64decode(record[mid + len(_MID) : -len(_TAIL)])
    return SignedEvent(_ENVELOPE.decode(canonical), canonical, signature)


def keys_in(record: bytes) -> Iterator[tuple[str, bytes]]:
    """Every public key the record carries, with its key id (a hash, so unforgeable)."""
    for text in _PUBLIC_KEY.findall(record):
        public_key = base64.b64decode(text)
        if len(public_key) == 32:
            yield hashlib.sha256(public_key).digest()[:16].hex(), public_key


class Checker:
    """Parses and verifies records with the keys it was told of; one per process."""

    def __init__(self) -> None:
        self.known: dict[str, bytes] = {}
        self.verifiers: dict[str, Ed25519PublicKey] = {}

    def check(self, records: list[bytes], learned: Keys) -> bytes:
        """The verdict for each record, one byte each; ``learned`` are the keys found in the
        log since this checker's previous call, up to and including these records."""
        self.known.update(learned)
        return bytes(self._verdict(record) for record in records)

    def _verdict(self, record: bytes) -> int:
        signed = _parse_fast(record)
        if signed is None:
            try:
                signed = from_record(record)
            except RegistryError:
                return UNCHECKED
        signer = signed.envelope.signer
        verifier = self.verifiers.get(signer)
        if verifier is None:
            public_key = self.known.get(signer)
            if public_key is None:
                return UNCHECKED
            verifier = self.verifiers[signer] = Ed25519PublicKey.from_public_bytes(public_key)
        try:
            verifier.verify(signed.signature, _CONTEXT + signed.canonical)
        except InvalidSignature:
            return BAD_SIGNATURE
        return OK


_worker = Checker()


def _check_in_worker(records: list[bytes], learned: Keys) -> bytes:
    return _worker.check(records, learned)


class Prechecker:
    """Feeds records through :class:`Checker` on ``jobs`` processes, a few chunks ahead.

    The main process finds the keys each record carries as it cuts the chunks (a substring
    test passes over the many records that carry none); chunks go round-robin to one process
    each, with the keys found since that process's previous chunk.
    """

    def __init__(self, jobs: int, *, threads: bool = False) -> None:
        self.jobs = jobs
        self.keys: dict[str, bytes] = {}  # every key found so far, by key id
        self._found: Keys = []  # the same, in the order found
        self._threads = threads

    def vouches(self, signed: SignedEvent, chain: Chain) -> bool:
        """Whether an OK verdict on ``signed`` holds for the signer ``chain`` knows now: the
        key its signature was checked with is byte for byte the key enrolled for that id."""
        key = chain.keys.get(signed.envelope.signer)
        return key is not None and key.public_key == self.keys.get(key.id)

    def __call__(self, records: Iterable[bytes]) -> Generator[tuple[bytes, int], None, None]:
        if self.jobs <= 1:
            checker, told = Checker(), 0
            for chunk in self._chunks(records):
                learned, told = self._found[told:], len(self._found)
                yield from zip(chunk, checker.check(chunk, learned), strict=True)
            return
        pools, checks = self._workers()
        sent = [0] * self.jobs
        pending: deque[tuple[list[bytes], Future[bytes]]] = deque()
        try:
            for n, chunk in enumerate(self._chunks(records)):
                worker = n % self.jobs
                learned, sent[worker] = self._found[sent[worker] :], len(self._found)
                pending.append((chunk, pools[worker].submit(checks[worker], chunk, learned)))
                if len(pending) > 2 * self.jobs:
                    done, future = pending.popleft()
                    yield from zip(done, future.result(), strict=True)
            while pending:
                done, future = pending.popleft()
                yield from zip(done, future.result(), strict=True)
        finally:
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)

    def _workers(self) -> tuple[list[Executor], list[Callable[[list[bytes], Keys], bytes]]]:
        """One single-worker pool per job, and the check each runs. Threads run the Ed25519
        verification in parallel too (cryptography releases the GIL for it) and suit a server,
        whose other threads a fork would copy mid-work; processes also parse in parallel."""
        if self._threads:
            threads: list[Executor] = [ThreadPoolExecutor(1) for _ in range(self.jobs)]
            return threads, [Checker().check for _ in range(self.jobs)]
        context = multiprocessing.get_context(_START_METHOD)
        processes: list[Executor] = [
            ProcessPoolExecutor(1, mp_context=context) for _ in range(self.jobs)
        ]
        return processes, [_check_in_worker] * self.jobs

    def _chunks(self, records: Iterable[bytes]) -> Iterator[list[bytes]]:
        """Chunks of records, the keys they carry learned before each is handed out."""
        chunk: list[bytes] = []
        for record in records:
            chunk.append(record)
            if b"public_key" in record:  # most records carry none: no regex for those
                self._learn(record)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _learn(self, record: bytes) -> None:
        for key_id, public_key in keys_in(record):
            if key_id not in self.keys:
                self.keys[key_id] = public_key
                self._found.append((key_id, public_key))


# fork starts workers in milliseconds, and they only compute, never touching the parent's
# connections or threads; elsewhere the platform's default start method is used.
_START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
