"""The ledger over HTTP: what a witness and an auditor need, and nothing else.

* ``GET /v1/ledger/checkpoint`` — the latest checkpoint (C2SP tlog-checkpoint), a signed note
  with every cosignature kept, as ``text/plain``;
* ``GET /v1/ledger/proofs/inclusion?index=I&size=N`` and
  ``GET /v1/ledger/proofs/consistency?first=M&second=N`` — RFC 9162 §2.1.3 and §2.1.4 proofs,
  hashes in standard base64;
* ``POST /v1/ledger/cosignatures`` — a checkpoint with a witness's cosignature lines
  (C2SP tlog-cosignature); kept only if every line verifies, refused whole otherwise.

A :class:`Publisher` thread signs a checkpoint every second while the tree grows, so every
event is under a signed checkpoint within about a second even when no further append comes.
"""

from __future__ import annotations

import base64
import logging
import threading
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from craftreg.application import Registry
from craftreg.http.abuse import PUBLIC
from craftreg.ledger.errors import UnknownCheckpoint
from craftreg.ledger.ledger import PUBLISH_INTERVAL

_log = logging.getLogger(__name__)
_Size = Annotated[int, Parameter(ge=0, le=2**62)]


class InclusionProof(msgspec.Struct, frozen=True):
    index: int
    size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyProof(msgspec.Struct, frozen=True):
    first: int
    second: int
    proof: list[str]


class CosignaturesKept(msgspec.Struct, frozen=True):
    size: int
    witnesses: list[str]  # key ids of the witnesses whose cosignatures were kept


@get("/v1/ledger/checkpoint", sync_to_thread=True, opt=PUBLIC, media_type=MediaType.TEXT)
def latest_checkpoint(registry: NamedDependency[Registry]) -> str:
    """检查点 The latest signed checkpoint of the audit ledger, with its cosignatures."""
    note = registry.store.ledger.latest_note()
    if note is None:
        raise UnknownCheckpoint("尚未发布检查点。", "no checkpoint has been published yet.")
    return note


@get("/v1/ledger/proofs/inclusion", sync_to_thread=True, opt=PUBLIC)
def inclusion_proof(
    registry: NamedDependency[Registry], index: _Size, size: _Size
) -> InclusionProof:
    """包含证明 The proof that leaf ``index`` is in the tree of ``size`` leaves."""
    leaf, proof = registry.store.ledger.inclusion_proof(index, size)
    return InclusionProof(index, size, _b64(leaf), [_b64(h) for h in proof])


@get("/v1/ledger/proofs/consistency", sync_to_thread=True, opt=PUBLIC)
def consistency_proof(
    registry: NamedDependency[Registry], first: _Size, second: _Size
) -> ConsistencyProof:
    """一致性证明 The proof that the tree of ``second`` leaves extends that of ``first``."""
    proof = registry.store.ledger.consistency_proof(first, second)
    return ConsistencyProof(first, second, [_b64(h) for h in proof])


@post("/v1/ledger/cosignatures", opt=PUBLIC, status_code=200)
async def add_cosignatures(
    request: Request[Any, Any, Any], registry: NamedDependency[Registry]
) -> Response[CosignaturesKept]:
    """见证副署 A checkpoint with witness cosignature lines; all verify, or none is kept."""
    body = (await request.body()).decode("utf-8", "replace")

    def accept() -> CosignaturesKept:
        store = registry.store
        size, witnesses = store.ledger.accept_cosignatures(body, store.refresh())
        return CosignaturesKept(size, witnesses)

    return Response(await anyio.to_thread.run_sync(accept))


ROUTES: tuple[HTTPRouteHandler, ...] = (
    latest_checkpoint,
    inclusion_proof,
    consistency_proof,
    add_cosignatures,
)


class Publisher:
    """Signs a checkpoint each second in which the tree grew (needs the log key)."""

    def __init__(self, registry: Registry, interval: float = PUBLISH_INTERVAL) -> None:
        self._registry = registry
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._registry.store.ledger.log_key is None:
            return
        self._thread = threading.Thread(target=self._run, name="checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        store = self._registry.store
        while not self._stop.wait(self._interval):
            try:
                latest = store.ledger.checkpoints.latest()
                if store.ledger.tree.stored_size() > (latest.checkpoint.size if latest else 0):
                    store.publish_checkpoint()
            except Exception:
                # The next tick tries again; a failing database must not end the thread.
                _log.exception("publishing a checkpoint failed")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
