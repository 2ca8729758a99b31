"""National cryptography: SM3 digests and HMAC, SM4-GCM field encryption.

Ciphertexts are text ``sm4gcm:<key id>:<base64(nonce | ciphertext | tag)>`` so a row tells
which key wrote it and key rotation can run row by row.
"""

from __future__ import annotations

import base64
import hmac as _hmac
import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .keys import KeyRing, load_keyring

PREFIX = "sm4gcm"


def sm3_hex(data: bytes) -> str:
    """SM3 digest (GB/T 32905) of ``data`` as 64 hex digits."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    """HMAC-SM3 of ``data`` under ``key`` as hex."""
    h = c_hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def constant_time_equal(a: str, b: str) -> bool:
    """Compare two MACs without leaking where they differ."""
    return _hmac.compare_digest(a.encode(), b.encode())


def sm4_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """SM4-GCM with a fresh 96-bit nonce; returns nonce | ciphertext | tag."""
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if aad:
        enc.authenticate_additional_data(aad)
    ct = enc.update(plaintext) + enc.finalize()
    return nonce + ct + enc.tag


def sm4_decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Inverse of :func:`sm4_encrypt`; raises ``InvalidTag`` on any tampering."""
    nonce, ct, tag = blob[:12], blob[12:-16], blob[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if aad:
        dec.authenticate_additional_data(aad)
    return dec.update(ct) + dec.finalize()


class FieldCipher:
    """Encrypts and decrypts sensitive text fields with the key ring's SM4 keys."""

    def __init__(self, ring: KeyRing):
        self.ring = ring

    def encrypt(self, value: str) -> str:
        """Ciphertext token for ``value`` under the current key."""
        kid, key = self.ring.current_key()
        blob = sm4_encrypt(key, value.encode("utf-8"))
        return f"{PREFIX}:{kid}:{base64.b64encode(blob).decode()}"

    def decrypt(self, token: str) -> str:
        """Plaintext of a token written by :meth:`encrypt` under any key in the ring."""
        prefix, kid, b64 = token.split(":", 2)
        if prefix != PREFIX:
            raise ValueError("不是 SM4 密文")
        return sm4_decrypt(self.ring.key(kid), base64.b64decode(b64)).decode("utf-8")

    def key_id(self, token: str) -> str:
        """The id of the key that wrote ``token``."""
        return token.split(":", 2)[1]

    def lookup_hash(self, kind: str, value: str) -> str:
        """Keyed hash for exact look-up of an encrypted value (same value → same hash)."""
        return hmac_sm3_hex(self.ring.index, f"{kind}:{value}".encode())


def _home() -> Path:
    from django.conf import settings

    return Path(settings.XIETONG_HOME)


@lru_cache(maxsize=1)
def field_cipher() -> FieldCipher:
    """The process-wide cipher for the configured ``XIETONG_HOME``."""
    return FieldCipher(load_keyring(_home()))


def reset_cipher_cache() -> None:
    """Forget the cached key ring (after rotation, or in tests)."""
    field_cipher.cache_clear()
