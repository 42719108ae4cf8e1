"""``LogKeyPublished``: the log puts the key that signs its checkpoints into the log itself.

The log key is an Ed25519 key of its own (never an actor's key), held by the server. The event
stands in the registry's own stream (the genesis stream) and is signed by a registrar of the
national federation — the root key at first — so an auditor learns from the log which key must
have signed each checkpoint: the one published last among the events the checkpoint covers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from craftreg.domain.authority import Role
from craftreg.domain.envelope import b64decode, key_id
from craftreg.domain.errors import MalformedEnvelope, RuleViolation
from craftreg.domain.state import Admission, Change, EventKind, RegistryState
from craftreg.keys import Signer
from craftreg.ledger.note import NoteError, verifier_from_public

if TYPE_CHECKING:
    from craftreg.decisions import Decisions


class LogKeyPublished(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """日志密钥公布: the checkpoint key from this position on."""

    public_key: str  # base64 of the raw 32-byte Ed25519 public key
    verifier_key: str  # its signed-note verifier key, named after the origin


def check_log_key(state: RegistryState, a: Admission) -> Change:
    p: LogKeyPublished = a.payload
    chain = state.chain
    if a.envelope.stream != chain.registry:
        raise RuleViolation(
            "日志密钥只能在登记处自身的记录（创始记录）中公布。",
            "the log key is published in the registry's own record (the genesis stream) only.",
        )
    assert a.actor is not None
    root_actor = chain.actors[chain.keys[chain.root_key].actor]
    chain.require_at(a.actor, Role.REGISTRAR, root_actor.organisation)
    try:
        public = b64decode(p.public_key, what="public_key")
    except MalformedEnvelope as exc:
        raise RuleViolation(exc.zh, exc.en) from None
    if len(public) != 32:
        raise RuleViolation(
            "公钥必须是 32 字节的 Ed25519 公钥。", "a public key is 32 Ed25519 bytes."
        )
    if key_id(public) in chain.keys:
        raise RuleViolation(
            "日志密钥不能与经办人的签名密钥相同。",
            "the log key must not be a key an actor signs events with.",
        )
    try:
        expected = verifier_from_public(chain.origin, public)
    except NoteError as exc:
        raise RuleViolation(f"无法生成日志验证密钥：{exc}", f"no verifier key: {exc}") from None
    if p.verifier_key != expected:
        raise RuleViolation(
            "verifier_key 必须是以登记处 origin 命名的该公钥的验证密钥。",
            f"verifier_key must be the verifier key of public_key named after the origin: "
            f"{expected}",
        )

    def apply() -> None:
        state.log_key = p.verifier_key

    return apply


KINDS = (EventKind("LogKeyPublished", LogKeyPublished, check_log_key, "日志密钥公布"),)


def publish_log_key(decisions: Decisions, signer: Signer, log_key: Signer) -> Any:
    """Sign and submit ``LogKeyPublished`` for ``log_key`` in the registry's own stream."""
    chain = decisions.current().chain
    payload = {
        "public_key": log_key.public_key_b64,
        "verifier_key": verifier_from_public(chain.origin, log_key.public_key),
    }
    return decisions.decide(signer, chain.registry, "LogKeyPublished", payload)
