"""The key ring: SM4 field keys, the look-up (keyed hash) key and the audit checkpoint key.

Keys live in ``$XIETONG_HOME/keys/keyring.json`` (mode 0600), outside the database and outside
git, created on first use. ``XIETONG_SM4_KEY`` (32 hex digits) overrides the current field key,
for deployments that keep keys in the environment or a secrets manager.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

_lock = threading.Lock()


@dataclass
class KeyRing:
    """Versioned SM4 keys plus the keys for look-up hashes and audit checkpoints."""

    path: Path
    current: str
    sm4: dict[str, bytes] = field(default_factory=dict)
    index: bytes = b""
    checkpoint: bytes = b""

    def current_key(self) -> tuple[str, bytes]:
        """The key id and key new ciphertexts are written with."""
        return self.current, self.sm4[self.current]

    def key(self, kid: str) -> bytes:
        """The SM4 key with this id; a missing id means the key file is not the one used."""
        try:
            return self.sm4[kid]
        except KeyError as exc:
            raise KeyError(f"密钥文件中没有编号为 {kid} 的 SM4 密钥") from exc

    def add_key(self) -> str:
        """Create a new SM4 key, make it current and save the ring; returns its id."""
        kid = str(max(int(k) for k in self.sm4 if k.isdigit()) + 1 if self.sm4 else 1)
        self.sm4[kid] = secrets.token_bytes(16)
        self.current = kid
        self.save()
        return kid

    def save(self) -> None:
        """Write the ring atomically with owner-only permissions."""
        data = {
            "current": self.current,
            "sm4": {k: v.hex() for k, v in self.sm4.items() if k != "env"},
            "index": self.index.hex(),
            "checkpoint": self.checkpoint.hex(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)


def load_keyring(home: Path) -> KeyRing:
    """Load the ring from ``home/keys``, creating it with fresh random keys on first use."""
    path = Path(home) / "keys" / "keyring.json"
    with _lock:
        if path.exists():
            data = json.loads(path.read_text())
            ring = KeyRing(
                path=path,
                current=data["current"],
                sm4={k: bytes.fromhex(v) for k, v in data["sm4"].items()},
                index=bytes.fromhex(data["index"]),
                checkpoint=bytes.fromhex(data["checkpoint"]),
            )
        else:
            ring = KeyRing(
                path=path,
                current="1",
                sm4={"1": secrets.token_bytes(16)},
                index=secrets.token_bytes(32),
                checkpoint=secrets.token_bytes(32),
            )
            ring.save()
    env_key = os.environ.get("XIETONG_SM4_KEY")
    if env_key:
        ring.sm4["env"] = bytes.fromhex(env_key)
        ring.current = "env"
    return ring


def load_or_create_secret(home: Path) -> str:
    """Django's SECRET_KEY for the embedded setup, kept beside the key ring."""
    path = Path(home) / "keys" / "django-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
