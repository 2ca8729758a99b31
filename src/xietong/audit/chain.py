"""SM3 hash chain over audit entries, signed checkpoints outside the database, and verify.

Each entry stores ``entry_hash = SM3(prev_hash || canonical(entry))`` where the canonical form
includes the entry's sequence number. After every commit the new head (seq, hash) is appended
to ``$XIETONG_HOME/audit/checkpoints.log`` with an HMAC-SM3 under a key the database never
sees, so deleting the newest entries — which leaves a valid but shorter chain — is caught.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from xietong.core.crypto import constant_time_equal, hmac_sm3_hex, sm3_hex

GENESIS = "0" * 64
CANONICAL_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_name",
    "unit_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "summary",
    "client_ip",
)


def canonical(values: dict) -> bytes:
    """The bytes that are hashed for one entry: its fields as sorted, compact JSON."""
    data = {}
    for name in CANONICAL_FIELDS:
        value = values[name]
        if name == "created_at":
            value = value.isoformat(timespec="microseconds")
        data[name] = value
    return json.dumps(
        data, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def entry_hash(prev_hash: str, values: dict) -> str:
    """SM3 of the previous entry's hash followed by this entry's canonical content."""
    return sm3_hex(prev_hash.encode() + canonical(values))


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str


class CheckpointFile:
    """Append-only file of HMAC-signed chain heads."""

    def __init__(self, path: Path, key: bytes):
        self.path = Path(path)
        self.key = key

    def _mac(self, seq: int, digest: str) -> str:
        return hmac_sm3_hex(self.key, f"{seq}:{digest}".encode())

    def append(self, seq: int, digest: str) -> None:
        """Record a new head; O_APPEND keeps concurrent writers' lines whole."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{seq}\t{digest}\t{self._mac(seq, digest)}\n".encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def read(self) -> tuple[list[Checkpoint], list[int]]:
        """Valid checkpoints, and the line numbers whose signature does not verify."""
        if not self.path.exists():
            return [], []
        good, bad = [], []
        with open(self.path, encoding="ascii", errors="replace") as fh:
            for lineno, line in enumerate(fh, start=1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or not parts[0].isdigit():
                    bad.append(lineno)
                    continue
                seq, digest, mac = int(parts[0]), parts[1], parts[2]
                if constant_time_equal(mac, self._mac(seq, digest)):
                    good.append(Checkpoint(seq, digest))
                else:
                    bad.append(lineno)
        return good, bad


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"审计日志完整：共校验 {self.checked} 条，哈希链与签名检查点一致。"
        return f"审计日志被篡改：第 {self.first_bad_seq} 条 — {self.reason}"


def verify_entries(
    entries: Iterable[dict], checkpoints: list[Checkpoint]
) -> VerifyResult:
    """Walk entries in seq order and name the first one altered, removed or reordered."""
    prev = GENESIS
    expected = 1
    hashes: dict[int, str] = {}
    count = 0
    for values in entries:
        seq = values["seq"]
        if seq != expected:
            if seq > expected:
                return VerifyResult(
                    False,
                    count,
                    expected,
                    f"第 {expected} 条记录已被删除（序号不连续）。",
                )
            return VerifyResult(False, count, seq, "记录顺序被调换（序号重复或倒序）。")
        if values["prev_hash"] != prev:
            return VerifyResult(
                False,
                count,
                seq,
                "前序哈希与上一条不符：其前面的记录被删除、调换或改动。",
            )
        if entry_hash(prev, values) != values["entry_hash"]:
            return VerifyResult(
                False, count, seq, "记录内容与其 SM3 哈希不符：内容被改动。"
            )
        prev = values["entry_hash"]
        # Keep only what checkpoints need: memory stays flat on long logs.
        hashes[seq] = prev
        count += 1
        expected += 1
    last = expected - 1
    for cp in sorted(checkpoints, key=lambda c: c.seq):
        if cp.seq > last:
            return VerifyResult(
                False,
                count,
                last + 1,
                f"签名检查点记录日志已到第 {cp.seq} 条，数据库中只有 {last} 条："
                f"第 {last + 1} 条起的记录被删除。",
            )
        if hashes.get(cp.seq) != cp.entry_hash:
            return VerifyResult(
                False,
                count,
                cp.seq,
                "与签名检查点的哈希不符：该记录或其之前的记录被改写。",
            )
    return VerifyResult(True, count)


def iter_values(rows: Iterator) -> Iterator[dict]:
    """Adapt ORM ``values()`` rows (already dicts) for :func:`verify_entries`."""
    yield from rows
