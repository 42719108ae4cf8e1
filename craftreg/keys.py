"""Ed25519 keys of the people who sign: key files, key ids, and signing a decision."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from craftreg.domain.envelope import Envelope, SignedEvent, b64encode, format_time, key_id, sign


class KeyFileError(ValueError):
    """A key file cannot be read: missing, not a PEM Ed25519 key, or the wrong passphrase."""


@dataclass(frozen=True)
class Signer:
    """A person's signing key; ``sign`` turns a decision into a signed event."""

    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_key_b64(self) -> str:
        return b64encode(self.public_key).decode()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(
        self,
        stream: str,
        version: int,
        type: str,
        payload: dict[str, Any],
        time: datetime | None = None,
    ) -> SignedEvent:
        envelope = Envelope(
            stream=stream,
            version=version,
            type=type,
            time=format_time(time or datetime.now(UTC)),
            payload=payload,
            signer=self.key_id,
        )
        return sign(envelope, self.private_key)


def write_key(path: Path, signer: Signer, passphrase: str | None = None) -> None:
    """PKCS#8 PEM, encrypted when a passphrase is given; readable by its owner only."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    with secret_file(path, binary=True) as out:
        out.write(pem)


@contextlib.contextmanager
def secret_file(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A new file only its owner can read; an existing one is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as out:
        yield out


def read_key(path: Path, passphrase: str | None = None) -> Signer:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(
            data, password=passphrase.encode() if passphrase else None
        )
    except TypeError:
        raise KeyFileError(
            f"key file {path} is encrypted: give its passphrase"
            if not passphrase
            else f"key file {path} is not encrypted: give no passphrase"
        ) from None
    except ValueError:
        raise KeyFileError(
            f"key file {path} is not a PEM private key, or the passphrase is wrong"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"key file {path} holds a {type(key).__name__}, not an Ed25519 key")
    return Signer(key)
