"""Every way the registry refuses input, each with a stable code and a bilingual message.

A rejection never changes the store: these errors are raised before anything is written.
The ``code`` is stable and documented in docs/event-format.md; clerks read ``zh`` / ``en``.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base of every refusal: ``code`` for machines, ``zh`` and ``en`` for people."""

    code = "registry-error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.zh = zh
        self.en = en


class MalformedEnvelope(RegistryError):
    """The envelope or its signature is not of the documented shape."""

    code = "malformed-envelope"


class FloatNotAllowed(MalformedEnvelope):
    """A JSON number with a fraction or exponent, or beyond ±(2**53 - 1), appeared."""

    code = "float-not-allowed"


class UnknownEventType(RegistryError):
    code = "unknown-event-type"


class InvalidPayload(RegistryError):
    """The payload does not match its event type's schema."""

    code = "invalid-payload"


class BadSignature(RegistryError):
    code = "bad-signature"


class UnknownKey(RegistryError):
    code = "unknown-key"


class RevokedKey(RegistryError):
    code = "revoked-key"


class WrongRole(RegistryError):
    code = "wrong-role"


class OutsideJurisdiction(RegistryError):
    code = "outside-jurisdiction"


class VersionConflict(RegistryError):
    """The stream is not at ``version - 1``; ``current`` is where it stands."""

    code = "version-conflict"

    def __init__(self, stream: str, attempted: int, current: int) -> None:
        super().__init__(
            f"记录 {stream} 当前版本为 {current}，不能写入版本 {attempted}；请刷新后重试。",
            f"record {stream} is at version {current}; version {attempted} cannot be "
            "written. Reload the record and try again.",
        )
        self.stream = stream
        self.attempted = attempted
        self.current = current


class RuleViolation(RegistryError):
    """A rule of the measures (or of the registry's own bookkeeping) does not hold.

    Each rule has a stable code of its own (``quota-exceeded``, ``four-eyes`` …), listed in
    docs/event-format.md; ``rule-violation`` only where none is given.
    """

    code = "rule-violation"

    def __init__(self, zh: str, en: str, code: str | None = None) -> None:
        super().__init__(zh, en)
        if code is not None:
            self.code = code


class GenesisError(RuleViolation):
    """The log must begin with exactly one genesis event."""

    code = "genesis"
