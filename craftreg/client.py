"""The HTTP client of the registry (客户端): signed reads, and decisions submitted by route.

An officer never signs by hand: :class:`RegistryClient` asks the server where a record stands
(a signed read), signs the next version with the officer's key, and submits the event to its
resource route. Every refusal comes back as :class:`Refused`, carrying the problem's code and
its Chinese and English messages.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import yaml

from craftreg.casework import Casework
from craftreg.domain.envelope import SignedEvent
from craftreg.domain.errors import RegistryError
from craftreg.domain.state import RegistryState
from craftreg.http.decisions import route_for
from craftreg.http.signatures import RequestSigner
from craftreg.keys import Signer

NEW = "new"


class Refused(RegistryError):
    """The server refused the request; ``status`` and ``problem`` are its answer."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        zh = str(problem.get("zh") or problem.get("title") or "请求被拒绝。")
        en = str(problem.get("en") or problem.get("detail") or f"refused with HTTP {status}.")
        super().__init__(zh, en)
        self.code = str(problem.get("code") or f"http-{status}")
        self.status = status
        self.problem = problem


class Decision(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A short decision file: what is decided, about which record (or ``new``), with what."""

    type: str
    payload: dict[str, Any]
    stream: str = NEW


class _YamlLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: ``2027-05-01`` stays the string a payload expects."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_decision(path: Path) -> Decision:
    text = path.read_bytes()
    try:
        raw = (
            msgspec.json.decode(text)
            if path.suffix.lower() == ".json"
            else yaml.load(text, Loader=_YamlLoader)
        )
        return msgspec.convert(raw, Decision, strict=True)
    except (msgspec.DecodeError, msgspec.ValidationError, yaml.YAMLError) as exc:
        raise ValueError(
            f"{path} is not a decision file (type, stream or 'new', payload): {exc}"
        ) from None


class RegistryClient:
    """Talks to one registry server; ``signer`` signs reads (and the decisions it submits)."""

    def __init__(
        self,
        server: str,
        signer: Signer | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.http = httpx.Client(base_url=server, transport=transport, timeout=timeout)
        self.signer = signer

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, *, signer: Signer | None = None) -> httpx.Response:
        """GET ``path``, signed (RFC 9421) by ``signer`` or the client's key, if any."""
        request = self.http.build_request("GET", path)
        key = signer or self.signer
        if key is not None:
            RequestSigner(key).sign(request)
        return self.http.send(request)

    def read(self, path: str, *, signer: Signer | None = None) -> Any:
        """A signed read, decoded; a refusal raises :class:`Refused`."""
        return _answer(self.get(path, signer=signer))

    def stream_version(self, stream: str, *, signer: Signer | None = None) -> int:
        answer = self.read(f"/v1/streams/{stream}/version", signer=signer)
        return int(answer["version"])

    def post_wire(self, path: str, body: bytes) -> dict[str, Any]:
        answer = self.http.post(path, content=body, headers={"content-type": "application/json"})
        result: dict[str, Any] = _answer(answer)
        return result

    def submit(self, signed: SignedEvent, path: str | None = None) -> dict[str, Any]:
        """POST a signed event to its resource route (or ``path``); the 201 answer."""
        envelope = signed.envelope
        body = msgspec.json.encode(signed.to_wire())
        return self.post_wire(path or route_for(envelope.type, envelope.stream), body)

    def sign_decision(self, decision: Decision, when: datetime | None = None) -> SignedEvent:
        """The decision signed as the next version of its record (a new record: version 1)."""
        assert self.signer is not None, "a decision needs a signing key"
        if decision.stream == NEW:
            stream, version = str(uuid.uuid4()), 1
        else:
            stream, version = decision.stream, self.stream_version(decision.stream) + 1
        return self.signer.sign(stream, version, decision.type, decision.payload, when)

    def decide(self, decision: Decision) -> dict[str, Any]:
        return self.submit(self.sign_decision(decision))


def _answer(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:200]}
    if response.is_success:
        return body
    raise Refused(response.status_code, body if isinstance(body, dict) else {})


class RemoteDecisions(Casework):
    """The casework steps (craftreg/casework.py) taken against a server, over HTTP alone.

    Each decision about an existing record is signed as the version the server reports plus
    one; a record this object made with ``new_id`` starts at version 1 without asking.
    """

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self.made: set[str] = set()
        self.submitted: list[tuple[SignedEvent, dict[str, Any]]] = []

    def new_id(self) -> str:
        made = str(uuid.uuid4())
        self.made.add(made)
        return made

    def current(self) -> RegistryState:
        raise NotImplementedError("a remote registry is read through its API, not folded here")

    def sign_next(
        self, signer: Signer, stream: str, type: str, payload: dict[str, Any]
    ) -> SignedEvent:
        if stream in self.made:
            self.made.discard(stream)
            version = 1
        else:
            version = self.client.stream_version(stream, signer=signer) + 1
        return signer.sign(stream, version, type, payload, self.clock())

    def submit(self, signed: SignedEvent) -> dict[str, Any]:
        answer = self.client.submit(signed)
        self.submitted.append((signed, answer))
        return answer
