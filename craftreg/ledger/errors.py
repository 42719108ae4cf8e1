"""Every way the ledger refuses input: a stable code, an HTTP status, Chinese and English.

Like the domain's refusals (craftreg/domain/errors.py), each is raised before anything is
written: a refused cosignature, checkpoint or proof request leaves the database unchanged.
"""

from __future__ import annotations

from craftreg.domain.errors import RegistryError


class LedgerError(RegistryError):
    """A refusal of the ledger; ``status`` is the HTTP status it is served with."""

    code = "ledger-error"
    status = 400


class BadCosignature(LedgerError):
    """The cosignature line is malformed, or does not verify with the witness's key."""

    code = "bad-cosignature"
    status = 422


class UnknownWitness(LedgerError):
    """The cosigner's name or key is not an enrolled key of this registry."""

    code = "unknown-witness"
    status = 403


class NotAWitness(LedgerError):
    """The cosigner is enrolled but does not hold the witness role (见证人)."""

    code = "not-a-witness"
    status = 403


class WitnessKeyRevoked(LedgerError):
    """The cosigning key was revoked or replaced: it vouches for nothing any more."""

    code = "witness-key-revoked"
    status = 403


class CheckpointInconsistent(LedgerError):
    """A checkpoint that this log did not sign at that size: a split view, or a forgery."""

    code = "checkpoint-inconsistent"
    status = 409


class UnknownCheckpoint(LedgerError):
    """No checkpoint of that size was published (yet)."""

    code = "unknown-checkpoint"
    status = 404


class BadCheckpointSize(LedgerError):
    """A checkpoint size that is not a positive decimal integer, or beyond the log."""

    code = "bad-checkpoint-size"
    status = 400


class BadProofRequest(LedgerError):
    """A proof was asked for sizes or an index the published tree does not have."""

    code = "bad-proof-request"
    status = 400


class LedgerCorrupt(LedgerError):
    """The stored tree does not extend the last signed checkpoint: the log refuses to sign."""

    code = "ledger-corrupt"
    status = 500
