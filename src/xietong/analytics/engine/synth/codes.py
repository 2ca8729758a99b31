"""Vectorised building blocks: stateless hashing, digit strings and check characters.

Every random choice of the generator is a pure function of ``(seed, salt, index)``
(splitmix64), so a value never depends on chunk sizes or on the order in which the
datasets are written, and a person's attributes can be recomputed anywhere from the
person's index alone.
"""

from __future__ import annotations

import zlib
from datetime import date

import numpy as np
import pyarrow as pa

EPOCH = date(1970, 1, 1)
_U64 = np.uint64
_GOLDEN = _U64(0x9E3779B97F4A7C15)

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", np.uint8)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], np.int64
)
_USCC_BYTES = np.frombuffer(USCC_ALPHABET.encode(), np.uint8)
# GB 11714 organisation code: weights of the 8 body characters.
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], np.int64)


def salt_of(name: str) -> int:
    """A stable integer for a salt name (crc32, not Python's randomised hash)."""
    return zlib.crc32(name.encode())


def mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on a uint64 array (wraps around on purpose)."""
    z = x.astype(_U64, copy=True)
    z ^= z >> _U64(30)
    z *= _U64(0xBF58476D1CE4E5B9)
    z ^= z >> _U64(27)
    z *= _U64(0x94D049BB133111EB)
    z ^= z >> _U64(31)
    return z


class Hasher:
    """Stateless pseudo-random values keyed by (seed, salt, index)."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def bits(self, idx, salt: str) -> np.ndarray:
        key = mix64(np.array([self.seed * 1_000_003 + salt_of(salt)], np.int64))[0]
        x = np.asarray(idx, dtype=np.int64).astype(_U64) * _GOLDEN
        return mix64(x ^ key)

    def uniform(self, idx, salt: str) -> np.ndarray:
        """Floats in [0, 1)."""
        return (self.bits(idx, salt) >> _U64(11)).astype(np.float64) * (2.0**-53)

    def integers(self, idx, salt: str, low: int, high: int) -> np.ndarray:
        """Integers in [low, high)."""
        span = _U64(max(1, high - low))
        return (self.bits(idx, salt) % span).astype(np.int64) + low

    def weighted(self, idx, salt: str, cum_weights: np.ndarray) -> np.ndarray:
        """Indices drawn by cumulative weights (the last entry is the total)."""
        u = self.uniform(idx, salt) * float(cum_weights[-1])
        return np.searchsorted(cum_weights, u, side="right").astype(np.int64)


def affine_params(cap: int, seed: int, salt: str) -> tuple[int, int]:
    """Multiplier and offset of a bijection ``i -> (a*i + b) mod cap``."""
    h = int(mix64(np.array([seed * 7919 + salt_of(salt)], np.int64))[0])
    a = int(cap * 0.6180339887) + 1 + h % 997
    while np.gcd(a, cap) != 1:
        a += 1
    return a, h % cap


def affine(idx: np.ndarray, cap: int, a: int, b: int) -> np.ndarray:
    """Apply the bijection; exact in int64 while a*idx stays below 2**63."""
    idx = np.asarray(idx, dtype=np.int64)
    if cap * a < 2**62:
        return (idx * a + b) % cap
    # Split the multiplier so that no product overflows.
    lo, hi = a % 1_000_000, a // 1_000_000
    part = (idx % cap) * hi % cap * 1_000_000 % cap
    return (part + (idx % cap) * lo % cap + b) % cap


# ---------------------------------------------------------------------------
# Digit matrices and ASCII string arrays
# ---------------------------------------------------------------------------


def digits(values, width: int) -> np.ndarray:
    """A (n, width) uint8 matrix of the ASCII decimal digits, zero-padded."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10).astype(np.uint8) + 48


def ascii_strings(mat: np.ndarray) -> pa.Array:
    """A pyarrow string array from an (n, w) matrix of ASCII bytes."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(mat.tobytes())
    )


def prefixed(prefix: str, values, width: int) -> pa.Array:
    """Strings ``prefix + zero-padded number`` (prefix must be ASCII)."""
    values = np.asarray(values, dtype=np.int64)
    head = np.frombuffer(prefix.encode("ascii"), np.uint8)
    mat = np.empty((len(values), len(head) + width), np.uint8)
    mat[:, : len(head)] = head
    mat[:, len(head) :] = digits(values, width)
    return ascii_strings(mat)


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day arrays of day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def month_number(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return d.astype("datetime64[M]").astype(np.int64)


def month_start(month_no: int) -> int:
    """The day number of the first day of a month number."""
    return int(np.datetime64(month_no, "M").astype("datetime64[D]").astype(np.int64))


def date32(days) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.int32()).cast(pa.date32())


def decimal_cents(cents, precision: int = 18, scale: int = 2) -> pa.Array:
    """decimal128 values from integer cents (unscaled values, no float rounding)."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale),
        len(cents),
        [None, pa.py_buffer(words.tobytes())],
    )


# ---------------------------------------------------------------------------
# Identifiers with check characters
# ---------------------------------------------------------------------------


def id_numbers(region: np.ndarray, birth_days: np.ndarray, seq: np.ndarray) -> pa.Array:
    """18-character resident ID numbers (GB 11643) from their parts."""
    y, m, d = ymd(birth_days)
    mat = np.empty((len(region), 18), np.uint8)
    mat[:, 0:6] = digits(region, 6)
    mat[:, 6:14] = digits(y * 10000 + m * 100 + d, 8)
    mat[:, 14:17] = digits(seq, 3)
    total = ((mat[:, :17].astype(np.int64) - 48) * ID_WEIGHTS).sum(axis=1)
    mat[:, 17] = ID_CHECK[total % 11]
    return ascii_strings(mat)


def bank_accounts(numbers: np.ndarray, prefix: str = "622848") -> pa.Array:
    """19-digit card numbers: 6-digit BIN, 12 digits, a Luhn check digit."""
    mat = np.empty((len(numbers), 19), np.uint8)
    mat[:, :6] = np.frombuffer(prefix.encode(), np.uint8)
    mat[:, 6:18] = digits(numbers, 12)
    body = mat[:, :18].astype(np.int64) - 48
    # Luhn: double every second digit, starting with the one left of the check.
    doubled = body[:, 17::-2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + body[:, 16::-2].sum(axis=1)
    mat[:, 18] = ((10 - total % 10) % 10).astype(np.uint8) + 48
    return ascii_strings(mat)


def _org_check(body: np.ndarray) -> np.ndarray:
    """GB 11714 check characters for an (n, 8) matrix of ASCII body characters."""
    vals = body.astype(np.int64)
    vals = np.where(vals >= 65, vals - 55, vals - 48)  # A=10 … Z=35
    c = 11 - (vals * ORG_WEIGHTS).sum(axis=1) % 11
    out = (c % 10).astype(np.uint8) + 48
    out = np.where(c == 10, ord("X"), out)
    out = np.where(c == 11, ord("0"), out)
    return out.astype(np.uint8)


def usccs(kind: str, region: np.ndarray, serial: np.ndarray, letters: np.ndarray):
    """Unified social credit codes (GB 32100) with valid organisation-code checks.

    ``kind`` is the two-character registration prefix (91 enterprise, 11 organ, 12
    public institution); ``serial`` must be unique below 10**8 and yields the
    8-character organisation body: digits, or "MA" plus six alphabet characters
    where ``letters`` is true (newer codes).
    """
    n = len(region)
    serial = np.asarray(serial, dtype=np.int64)
    mat = np.empty((n, 18), np.uint8)
    mat[:, 0:2] = np.frombuffer(kind.encode(), np.uint8)
    mat[:, 2:8] = digits(region, 6)
    body = digits(serial, 8)
    # Newer codes: "MA" + base-31 digits of the serial (unique, disjoint from digits).
    rem = serial.copy()
    alpha = np.empty((n, 6), np.uint8)
    for pos in range(5, -1, -1):
        alpha[:, pos] = _USCC_BYTES[rem % 31]
        rem //= 31
    letters = np.asarray(letters, dtype=bool)
    body[letters, 0] = ord("M")
    body[letters, 1] = ord("A")
    body[letters, 2:] = alpha[letters]
    mat[:, 8:16] = body
    mat[:, 16] = _org_check(body)
    lookup = np.zeros(128, np.int64)
    lookup[_USCC_BYTES] = np.arange(31)
    total = (lookup[mat[:, :17]] * USCC_WEIGHTS).sum(axis=1)
    mat[:, 17] = _USCC_BYTES[(31 - total % 31) % 31]
    return ascii_strings(mat)


def luhn_ok(number: str) -> bool:
    """True if a card number passes the Luhn check (for tests)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
