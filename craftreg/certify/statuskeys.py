"""The registry's status list key (状态列表密钥): ``<key_dir>/status.pem``.

It signs the revocation status list and nothing else: a key of its own rather than the log key,
so that no signature made for one format can be offered as the other (certificate-format §5).
Created on first use; several workers starting at once agree on one key, because the file is
written aside and linked into place, which fails if another worker got there first.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from craftreg.keys import Signer, read_key, write_key

STATUS_KEY_FILE = "status.pem"


def read_or_create_status_key(key_dir: Path) -> Signer:
    path = key_dir / STATUS_KEY_FILE
    if path.exists():
        return read_key(path)
    aside = key_dir / f".{STATUS_KEY_FILE}.{uuid.uuid4().hex}"
    write_key(aside, Signer.generate())
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        aside.unlink()
    return read_key(path)
