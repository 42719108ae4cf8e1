"""The witness side: fetch the log's checkpoint, check it extends what was cosigned, cosign it.

A witness (an auditor, a provincial federation) keeps, per log, the last checkpoint it
cosigned. Following C2SP tlog-witness (§add-checkpoint, with the witness pulling instead of
the log pushing), it cosigns a new checkpoint only if

* it is signed by the log key the witness was given (signed-note verification),
* its origin is the log's, its size is not smaller than the last cosigned one, and at equal
  size its root hash is the same,
* a consistency proof from the last cosigned size verifies (RFC 9162 §2.1.4.2),

and it records the new checkpoint before handing out the cosignature, so that it can never
be made to cosign two views of the log that do not extend one another (a split view).
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from craftreg.keys import Signer
from craftreg.ledger.checkpoints import Checkpoint, CheckpointFormatError
from craftreg.ledger.cosignature import cosign, witness_name
from craftreg.ledger.merkle import ProofError, verify_consistency
from craftreg.ledger.note import NoteError, verify_note


class WitnessError(Exception):
    """The witness will not cosign: the reason is in the message."""


class SplitView(WitnessError):
    """The log shows a checkpoint that does not extend the one this witness cosigned."""


class Transport(Protocol):
    def get(self, path: str) -> tuple[int, str]: ...

    def post(self, path: str, body: str) -> tuple[int, str]: ...


class HttpTransport:
    """Plain HTTP(S) to the registry's server, with the standard library."""

    def __init__(self, server: str, timeout: float = 10.0) -> None:
        self.server = server.rstrip("/")
        self.timeout = timeout

    def get(self, path: str) -> tuple[int, str]:
        return self._send(urllib.request.Request(self.server + path))

    def post(self, path: str, body: str) -> tuple[int, str]:
        request = urllib.request.Request(
            self.server + path,
            data=body.encode(),
            method="POST",
            headers={"content-type": "text/plain; charset=utf-8"},
        )
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            raise WitnessError(f"cannot reach {self.server}: {exc}") from None


@dataclass(frozen=True)
class WitnessState:
    """What the witness remembers of one log: its key, and the last checkpoint cosigned."""

    origin: str
    log_key: str
    size: int
    root: str  # base64
    checkpoint: str

    @classmethod
    def load(cls, path: Path) -> WitnessState | None:
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise WitnessError(f"the witness state {path} is unreadable: {exc}") from None

    def save(self, path: Path) -> None:
        """Atomically: a crash leaves the old state or the new one, never a torn file."""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1))
        with temporary.open("rb") as file:
            os.fsync(file.fileno())
        temporary.replace(path)


@dataclass(frozen=True)
class Cosigned:
    checkpoint: Checkpoint
    previous_size: int
    line: str


def cosign_latest(
    key: Signer, transport: Transport, state_path: Path, log_key: str | None = None
) -> Cosigned:
    """Fetch, check, remember and cosign the log's latest checkpoint; post the cosignature."""
    state = WitnessState.load(state_path)
    if state is not None and log_key is not None and log_key != state.log_key:
        raise WitnessError(
            f"{state_path} pins the log key {state.log_key}; a witness does not switch keys "
            "silently — use another state file for another log"
        )
    trusted_key = log_key or (state.log_key if state else None)
    if trusted_key is None:
        raise WitnessError("the first cosignature needs the log's verifier key (--log-key)")
    status, note = transport.get("/v1/ledger/checkpoint")
    if status != 200:
        raise WitnessError(f"the registry has no checkpoint to cosign (HTTP {status}): {note}")
    try:
        verified = verify_note(note, [trusted_key])
        checkpoint = Checkpoint.parse(verified.text)
    except (NoteError, CheckpointFormatError) as exc:
        raise WitnessError(f"the checkpoint is not signed by the log key: {exc}") from None
    if state is not None:
        _check_extends(state, checkpoint, transport)
    line = cosign(verified.text, witness_name(checkpoint.origin, key.key_id), key)
    WitnessState(
        checkpoint.origin,
        trusted_key,
        checkpoint.size,
        base64.b64encode(checkpoint.root).decode(),
        note,
    ).save(state_path)
    log_lines = "".join(_line(s.name, s.raw) for s in verified.verified)
    status, answer = transport.post(
        "/v1/ledger/cosignatures", f"{verified.text}\n{log_lines}{line}\n"
    )
    if status != 200:
        raise WitnessError(f"the registry refused the cosignature (HTTP {status}): {_said(answer)}")
    return Cosigned(checkpoint, state.size if state else 0, line)


def _check_extends(state: WitnessState, checkpoint: Checkpoint, transport: Transport) -> None:
    old_root = base64.b64decode(state.root)
    if checkpoint.origin != state.origin:
        raise WitnessError(f"the checkpoint is of {checkpoint.origin}, not of {state.origin}")
    if checkpoint.size < state.size:
        raise SplitView(
            f"the log shows {checkpoint.size} leaves, fewer than the {state.size} already "
            "cosigned: it was rolled back"
        )
    if checkpoint.size == state.size:
        if checkpoint.root != old_root:
            raise SplitView(f"two different root hashes for the same size {state.size}")
        return
    status, body = transport.get(
        f"/v1/ledger/proofs/consistency?first={state.size}&second={checkpoint.size}"
    )
    if status != 200:
        raise SplitView(
            f"the log gives no consistency proof from {state.size} to {checkpoint.size} "
            f"(HTTP {status}): {body}"
        )
    try:
        proof = [base64.b64decode(h, validate=True) for h in json.loads(body)["proof"]]
        verify_consistency(state.size, checkpoint.size, proof, old_root, checkpoint.root)
    except (ProofError, ValueError, KeyError, TypeError) as exc:
        raise SplitView(
            f"the checkpoint of size {checkpoint.size} does not extend the one of size "
            f"{state.size} this witness cosigned: {exc}"
        ) from None


def _line(name: str, raw: bytes) -> str:
    return f"\u2014 {name} {base64.b64encode(raw).decode()}\n"


def _said(answer: str) -> str:
    """A problem-details answer as ``[code] English / 中文``; any other answer as it came."""
    try:
        problem = json.loads(answer)
    except ValueError:
        return answer
    if isinstance(problem, dict) and {"code", "en", "zh"} <= problem.keys():
        return f"[{problem['code']}] {problem['en']} / {problem['zh']}"
    return answer
