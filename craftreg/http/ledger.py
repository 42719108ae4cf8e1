"""The ledger over HTTP: what a witness and an auditor need, and nothing else.

* ``GET /v1/ledger/checkpoint`` — the latest checkpoint (C2SP tlog-checkpoint), a signed note
  with every cosignature kept, as ``text/plain``;
* ``GET /v1/ledger/checkpoints/{size}`` — the published checkpoint of exactly that tree size,
  the same way. The latest is seldom cosigned yet (a new one is signed every second while
  events arrive), so a client that wants a cosigned checkpoint asks for it by size;
* ``GET /v1/ledger/checkpoints?cosigned=true`` — the published checkpoints, largest first,
  each with how many witnesses cosigned it: the first item is the latest cosigned one;
* ``GET /v1/ledger/proofs/inclusion?index=I&size=N`` and
  ``GET /v1/ledger/proofs/consistency?first=M&second=N`` — RFC 9162 §2.1.3 and §2.1.4 proofs,
  hashes in standard base64, in the tree of any size the log has reached (that of a checkpoint
  the client holds, typically);
* ``POST /v1/ledger/cosignatures`` — a checkpoint with a witness's cosignature lines
  (C2SP tlog-cosignature); kept only if every line verifies, refused whole otherwise.

A :class:`Publisher` thread signs a checkpoint every second while the tree grows, so every
event is under a signed checkpoint within about a second even when no further append comes.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from craftreg.application import Registry
from craftreg.http.abuse import PUBLIC
from craftreg.http.problems import error_responses, problem_spec
from craftreg.http.views import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, encode_cursor
from craftreg.ledger.checkpoints import ListedCheckpoint
from craftreg.ledger.errors import BadCheckpointSize, UnknownCheckpoint
from craftreg.ledger.ledger import PUBLISH_INTERVAL

_log = logging.getLogger(__name__)
_Size = Annotated[int, Parameter(ge=0, le=2**62)]
# At most 18 digits: any such number fits the BIGINT the sizes are kept in.
_POSITIVE = re.compile(r"[1-9][0-9]{0,17}")


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


class CheckpointPage(msgspec.Struct, frozen=True):
    items: list[ListedCheckpoint]  # largest size first
    next: str | None


def checkpoint_size(text: str) -> int:
    """A checkpoint size as a client writes it in a path or a query: a positive integer."""
    if not _POSITIVE.fullmatch(text):
        raise BadCheckpointSize(
            f"检查点大小须为不带前导零的正整数，而不是 {text[:40]!r}。",
            f"a checkpoint size is a positive decimal integer without leading zeros, "
            f"not {text[:40]!r}.",
        )
    return int(text)


# A real note: a checkpoint of an example log, signed by its log key and cosigned by a witness.
_EXAMPLE_NOTE = (
    "craftreg.example/registry\n18\ntWfAy7LoXCleat6TDluzSaS5vulInKp9a2ed1G6CpxE=\n\n"
    "\u2014 craftreg.example/registry Ujg61y1uem2KShL16SGWIwuDszacJxtHaRwOQKqTP7cirTMn8WFmlIvlr"
    "lx5UxsnIXK0mLUjWn0V0qPlLMrRKptW+Qs=\n"
    "\u2014 craftreg.example/registry/witness/03ad9bf3bc18685b27c872c95db60b7b V2W7kgAAAABrlh1A"
    "RHUEKhpIQiQnWhp/x3Ag5dRDytgN2Lh15JLtx3krtkOkD85x18W/yqV++iClEXJTQNXFQP9sxLruIHi+7M7oCg==\n"
)
_NOTE = ResponseSpec(
    data_container=str,
    media_type=MediaType.TEXT,
    description="The signed note: the log's signature line, then one line per cosignature.",
    examples=[Example(summary="a checkpoint cosigned by one witness", value=_EXAMPLE_NOTE)],
    generate_examples=False,
)
_NONE_PUBLISHED = problem_spec(
    "No checkpoint of that size was published.",
    UnknownCheckpoint("没有发布过大小为 17 的检查点。", "no checkpoint of size 17 was published."),
)


@get(
    "/v1/ledger/checkpoint",
    sync_to_thread=True,
    opt=PUBLIC,
    media_type=MediaType.TEXT,
    summary="检查点 The latest checkpoint, with its cosignatures",
    tags=["ledger"],
    responses={200: _NOTE, 404: _NONE_PUBLISHED, **error_responses(429)},
)
def latest_checkpoint(registry: NamedDependency[Registry]) -> str:
    """What a witness cosigns. Seldom cosigned yet while events arrive: a client that wants
    a cosigned checkpoint finds one with ``GET /v1/ledger/checkpoints?cosigned=true``."""
    return registry.store.ledger.served()


@get(
    "/v1/ledger/checkpoints/{size:str}",
    sync_to_thread=True,
    opt=PUBLIC,
    media_type=MediaType.TEXT,
    summary="某一大小的检查点 The checkpoint of one tree size, with its cosignatures",
    tags=["ledger"],
    responses={
        200: _NOTE,
        400: problem_spec(
            "The size is not a positive integer, or the log has not reached it.",
            BadCheckpointSize(
                "检查点大小须为不带前导零的正整数，而不是 'x'。",
                "a checkpoint size is a positive decimal integer without leading zeros, not 'x'.",
            ),
            BadCheckpointSize(
                "日志只有 18 个事件，不可能有大小为 99 的检查点。",
                "the log holds 18 events: there can be no checkpoint of size 99.",
            ),
        ),
        404: _NONE_PUBLISHED,
        **error_responses(429),
    },
)
def checkpoint_of_size(
    registry: NamedDependency[Registry],
    size: Annotated[str, Parameter(description="the tree size, a positive decimal integer")],
) -> str:
    """The same size can come back with more lines later: witnesses cosign after publication."""
    return registry.store.ledger.served(checkpoint_size(size))


@get(
    "/v1/ledger/checkpoints",
    sync_to_thread=True,
    opt=PUBLIC,
    summary="检查点列表 Published checkpoints, largest first, with cosignature counts",
    tags=["ledger"],
    responses={
        200: ResponseSpec(
            data_container=CheckpointPage,
            description="A page of published checkpoints, largest first, and the next cursor.",
            examples=[
                Example(
                    summary="the latest cosigned checkpoint (?cosigned=true&limit=1)",
                    value=msgspec.to_builtins(
                        CheckpointPage(
                            [ListedCheckpoint(18, "2027-03-02T09:15:01.000000Z", 1)], "WzE4XQ"
                        )
                    ),
                )
            ],
        ),
        **error_responses(400, 429),
    },
)
def checkpoints(
    registry: NamedDependency[Registry],
    cosigned: Annotated[
        bool, Parameter(description="only checkpoints at least one witness cosigned")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CheckpointPage:
    """``?cosigned=true&limit=1`` names the latest cosigned checkpoint; fetch it by size."""
    below = None
    if cursor is not None:
        # A forged cursor out of any size's range must not overflow the BIGINT it meets.
        below = min(max(decode_cursor(cursor, 1, (int,))[0], 0), 2**62)
    found = registry.store.ledger.checkpoints.listed(below, limit + 1, cosigned)
    items = found[:limit]
    return CheckpointPage(items, encode_cursor([items[-1].size]) if len(found) > limit else None)


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
    checkpoint_of_size,
    checkpoints,
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
