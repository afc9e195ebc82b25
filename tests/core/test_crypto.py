"""Sealing personal values (AES-256-GCM) and their blind indexes (keyed HMAC)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from hongyixing.core import crypto
from hongyixing.core.crypto import DataKeyError, Sealed, blind_index, decode_data_key, seal, unseal


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


KEY = new_key()
OTHER_KEY = new_key()


@pytest.fixture(scope="module", autouse=True)
def data_key() -> Iterator[str]:
    # Module scope: hypothesis runs many examples per test, all under this one key.
    with override_settings(DATA_KEY=KEY):
        yield KEY


def _blob(sealed: str) -> bytes:
    fmt, _, body = sealed.partition(":")
    assert fmt == "v1"
    return base64.urlsafe_b64decode(body)


def _reseal(blob: bytes) -> str:
    return "v1:" + base64.urlsafe_b64encode(blob).decode()


# ---------------------------------------------------------------- seal / unseal


@given(plain=st.text())
def test_seal_round_trip(plain: str) -> None:
    sealed = seal(plain)
    assert sealed.startswith("v1:")
    assert unseal(sealed) == plain


@pytest.mark.parametrize("plain", ["", "32081319900101123X", "13812345678", "张三丰", "🙂\x00\n"])
def test_seal_round_trip_examples(plain: str) -> None:
    assert unseal(seal(plain)) == plain


def test_sealed_value_does_not_contain_the_plain_text() -> None:
    plain = "32081319900101123X"
    sealed = seal(plain)
    assert plain not in sealed
    assert plain.encode() not in _blob(sealed)
    # 12-byte nonce + ciphertext (same length as the plain text) + 16-byte GCM tag.
    assert len(_blob(sealed)) == 12 + len(plain.encode()) + 16


@given(plain=st.text(max_size=40))
def test_two_seals_differ_but_index_is_equal(plain: str) -> None:
    first, second = seal(plain), seal(plain)
    assert first != second
    assert _blob(first)[:12] != _blob(second)[:12]  # fresh nonce each time
    assert unseal(first) == unseal(second) == plain
    assert blind_index("id", plain) == blind_index("id", plain)


# ---------------------------------------------------------------- tampering


@given(plain=st.text(min_size=1, max_size=40), data=st.data())
def test_any_flipped_bit_is_detected(plain: str, data: st.DataObject) -> None:
    blob = bytearray(_blob(seal(plain)))
    position = data.draw(st.integers(0, len(blob) - 1))
    bit = data.draw(st.integers(0, 7))
    blob[position] ^= 1 << bit
    with pytest.raises(InvalidTag):
        unseal(_reseal(bytes(blob)))


def test_truncated_ciphertext_is_rejected() -> None:
    blob = _blob(seal("13812345678"))
    with pytest.raises(InvalidTag):
        unseal(_reseal(blob[:-1]))
    with pytest.raises(InvalidTag):
        unseal(_reseal(blob[:12]))
    with pytest.raises(ValueError):
        unseal(_reseal(blob[:5]))  # not even a whole nonce


def test_swapped_ciphertexts_keep_their_own_values() -> None:
    a, b = seal("a"), seal("b")
    assert unseal(a) == "a"
    assert unseal(b) == "b"
    # Splicing b's nonce onto a's ciphertext is detected.
    with pytest.raises(InvalidTag):
        unseal(_reseal(_blob(b)[:12] + _blob(a)[12:]))


@pytest.mark.parametrize("sealed", ["v2:AAAA", "AAAA", "", "V1:AAAA"])
def test_unknown_format_is_rejected(sealed: str) -> None:
    with pytest.raises(ValueError, match="unknown sealed format"):
        unseal(sealed)


def test_a_value_sealed_under_another_key_does_not_open() -> None:
    with override_settings(DATA_KEY=OTHER_KEY):
        foreign = seal("32081319900101123X")
        assert unseal(foreign) == "32081319900101123X"
    with pytest.raises(InvalidTag):
        unseal(foreign)


# ---------------------------------------------------------------- blind index


def test_blind_index_shape() -> None:
    index = blind_index("id", "32081319900101123X")
    assert re.fullmatch(r"[0-9a-f]{32}", index)
    assert "32081319900101123X" not in index


@given(value=st.text(max_size=30))
def test_blind_index_differs_by_kind(value: str) -> None:
    assert blind_index("id", value) != blind_index("phone", value)


@given(a=st.text(max_size=30), b=st.text(max_size=30))
def test_blind_index_differs_by_value(a: str, b: str) -> None:
    if a != b:
        assert blind_index("phone", a) != blind_index("phone", b)
    else:
        assert blind_index("phone", a) == blind_index("phone", b)


def test_blind_index_depends_on_the_key() -> None:
    mine = blind_index("phone", "13812345678")
    with override_settings(DATA_KEY=OTHER_KEY):
        theirs = blind_index("phone", "13812345678")
    assert mine != theirs
    assert blind_index("phone", "13812345678") == mine


def test_blind_index_is_not_a_plain_hash() -> None:
    value = "13812345678"
    plain_hashes = {
        hashlib.sha256(value.encode()).hexdigest()[:32],
        hashlib.sha256(f"phone\x00{value}".encode()).hexdigest()[:32],
    }
    assert blind_index("phone", value) not in plain_hashes


def test_padding_is_optional_in_the_key_text() -> None:
    padded = blind_index("id", "x")
    with override_settings(DATA_KEY=KEY.rstrip("=")):
        assert blind_index("id", "x") == padded


def test_seal_and_index_derive_different_keys() -> None:
    _, index_key = crypto._keys(KEY)
    assert len(index_key) == 32
    assert index_key != decode_data_key(KEY)


# ---------------------------------------------------------------- data key


def test_decode_data_key_returns_32_bytes() -> None:
    raw = os.urandom(32)
    assert decode_data_key(base64.urlsafe_b64encode(raw).decode()) == raw


def test_longer_keys_are_cut_to_32_bytes() -> None:
    raw = os.urandom(48)
    assert decode_data_key(base64.urlsafe_b64encode(raw).decode()) == raw[:32]


@pytest.mark.parametrize(
    "text",
    [
        "",
        base64.urlsafe_b64encode(os.urandom(16)).decode(),  # too short
        base64.urlsafe_b64encode(os.urandom(31)).decode(),  # one byte short
        "abcde",  # impossible base64 length
        "%%%%%%%%",  # nothing decodable
        "not a key",
    ],
)
def test_malformed_or_short_keys_raise(text: str) -> None:
    with pytest.raises(DataKeyError):
        decode_data_key(text)


@pytest.mark.parametrize(
    "key",
    [base64.urlsafe_b64encode(os.urandom(16)).decode(), "abcde", "short"],
    ids=["16-bytes", "bad-padding", "short-text"],
)
def test_seal_and_index_refuse_a_bad_configured_key(key: str) -> None:
    with override_settings(DATA_KEY=key):
        with pytest.raises(DataKeyError):
            seal("13812345678")
        with pytest.raises(DataKeyError):
            blind_index("phone", "13812345678")
        with pytest.raises(DataKeyError):
            unseal("v1:AAAA")


def test_data_key_error_is_a_value_error_with_a_message() -> None:
    with pytest.raises(ValueError, match="32 are required"):
        decode_data_key(base64.urlsafe_b64encode(b"x" * 10).decode())


def test_key_file_is_used_when_no_key_is_configured(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "data.key"
    with override_settings(DATA_KEY="", DATA_KEY_FILE=key_file):
        sealed = seal("13812345678")
        index = blind_index("phone", "13812345678")
        assert key_file.exists()
        assert key_file.stat().st_mode & 0o777 == 0o600
        # The file key is stable: the same index and the seal still opens.
        assert blind_index("phone", "13812345678") == index
        assert unseal(sealed) == "13812345678"
    assert blind_index("phone", "13812345678") != index


# ---------------------------------------------------------------- Sealed


def test_sealed_is_immutable() -> None:
    value = Sealed(ciphertext=seal("x"), index=blind_index("id", "x"), masked="*")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.masked = "x"  # type: ignore[misc]
