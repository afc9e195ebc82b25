"""An upload kept between the import page's steps (mapping, preview, confirm), sealed at rest.

A register is personal data: the staged copy is encrypted with the data key and deleted once the
import ran or was abandoned (files older than a day are removed on the next upload).
"""

from __future__ import annotations

import base64
import secrets
import time
from pathlib import Path

from django.conf import settings

from hongyixing.core.crypto import seal, unseal

MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path:
    if not token.isalnum():
        raise FileNotFoundError(token)
    return _folder() / f"{token}.sealed"


def stage(data: bytes) -> str:
    for old in _folder().glob("*.sealed"):
        if old.stat().st_mtime < time.time() - MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    _path(token).write_text(seal(base64.b64encode(data).decode("ascii")), encoding="ascii")
    return token


def load(token: str) -> bytes:
    return base64.b64decode(unseal(_path(token).read_text(encoding="ascii")))


def discard(token: str) -> None:
    _path(token).unlink(missing_ok=True)
