"""Every way a certificate document (证书文件) is refused, each with a stable code and a
bilingual message that a union clerk or an employer can read."""

from __future__ import annotations

from craftreg.domain.errors import RegistryError


class CredentialError(RegistryError):
    """Base of the refusals of verifiable credentials."""

    code = "credential-error"


class MalformedCredential(CredentialError):
    """The document is not JSON of the documented shape."""

    code = "malformed-credential"


class MalformedKey(CredentialError):
    """A did:key, Multikey or multibase value is not an Ed25519 public key of the one form."""

    code = "malformed-key"


class UnsupportedProof(CredentialError):
    """The proof is not a ``DataIntegrityProof`` with the ``eddsa-jcs-2022`` cryptosuite."""

    code = "unsupported-proof"


class MalformedProofValue(CredentialError):
    """``proofValue`` is not a base58btc multibase Ed25519 signature of 64 bytes."""

    code = "malformed-proof-value"


class WrongProofPurpose(CredentialError):
    code = "wrong-proof-purpose"


class ProofContextMismatch(CredentialError):
    """The proof's ``@context`` is not where the document's ``@context`` begins."""

    code = "proof-context-mismatch"


class InvalidProof(CredentialError):
    """The signature does not match the document, the proof options or the key."""

    code = "invalid-proof"


class StatusListError(CredentialError):
    """A status list or status entry is malformed, too short, or the index is outside it."""

    code = "status-list-error"


class StatusListFull(StatusListError):
    code = "status-list-full"


class LedgerEvidenceError(CredentialError):
    """An inclusion proof, its checkpoint or the event it proves does not check out."""

    code = "ledger-evidence-invalid"
