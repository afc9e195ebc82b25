"""Encryption at rest and blind indexes for personal data (ID numbers, phones).

Values are sealed with AES-256-GCM under a key derived from the installation's data key; exact
lookup uses a keyed HMAC (the blind index) so the database never holds a searchable plain value.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.functional import empty

from hongyixing.config import file_secret

_FORMAT = "v1"


class DataKeyError(ValueError):
    """The configured data key is missing or malformed."""


def decode_data_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise DataKeyError("the data key is not urlsafe base64") from error
    if len(raw) < 32:
        raise DataKeyError(f"the data key has {len(raw)} bytes; 32 are required")
    return raw[:32]


@lru_cache(maxsize=4)
def _keys(master_text: str) -> tuple[AESGCM, bytes]:
    master = decode_data_key(master_text)

    def derive(label: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master)

    return AESGCM(derive(b"hongyixing seal")), derive(b"hongyixing blind index")


@lru_cache(maxsize=4)
def _key_file_text(path: str) -> str:
    """Read once per process: sealing reads the key for every value."""
    return file_secret(Path(path), 32)


def _master_text() -> str:
    # Read from the settings object itself: every attribute of the lazy ``settings`` proxy costs a few
    # microseconds, and a bulk load seals and indexes hundreds of thousands of values.
    current: Any = getattr(settings, "_wrapped", empty)
    if current is empty:
        return settings.DATA_KEY or _key_file_text(str(settings.DATA_KEY_FILE))
    return current.DATA_KEY or _key_file_text(str(current.DATA_KEY_FILE))


def seal(plain: str) -> str:
    aead, _ = _keys(_master_text())
    nonce = os.urandom(12)
    ciphertext = aead.encrypt(nonce, plain.encode(), None)
    return f"{_FORMAT}:" + base64.urlsafe_b64encode(nonce + ciphertext).decode()


def unseal(sealed: str) -> str:
    aead, _ = _keys(_master_text())
    fmt, _, body = sealed.partition(":")
    if fmt != _FORMAT:
        raise ValueError(f"unknown sealed format {fmt!r}")
    blob = base64.urlsafe_b64decode(body)
    return aead.decrypt(blob[:12], blob[12:], None).decode()


def blind_index(kind: str, normalised: str) -> str:
    """Keyed hash of a normalised value; ``kind`` keeps ID and phone indexes apart."""
    _, index_key = _keys(_master_text())
    # One-shot HMAC (the same value as ``hmac.new(…).hexdigest()``, without an HMAC object per value).
    return hmac.digest(index_key, f"{kind}\x00{normalised}".encode(), "sha256").hex()[:32]


@dataclass(frozen=True)
class Sealed:
    """What a model stores for one personal value: ciphertext, lookup hash and display mask."""

    ciphertext: str
    index: str
    masked: str
