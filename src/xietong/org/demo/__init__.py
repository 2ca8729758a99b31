"""A deterministic demo province (河南省) for ``make demo``, development and benchmarks.

``build_demo`` writes regions, units, collaboration zones, supervised persons with postings and
relatives, the shipped working-day calendar and one account per role and level. The same
``seed`` and ``scale`` always give the same names, codes and ID numbers (ciphertexts differ: every
encryption draws a fresh nonce). Bulk rows bypass the per-row services for speed but store exactly
what they would (SM4 ciphertext, keyed hash, masked number); accounts go through the real services,
and the bulk generation is recorded as one audit entry.
"""

from .accounts import (
    DEMO_PASSWORD,
    TOWNSHIP_USERNAME,
    DemoAccount,
    demo_accounts_summary,
    demo_exists,
    existing_demo_accounts,
)
from .builder import build_demo
from .persons import BATCH_SIZE, PERSONS_AT_SCALE_1
from .places import DEMO_PROVINCE_CODE

__all__ = [
    "BATCH_SIZE",
    "DEMO_PASSWORD",
    "DEMO_PROVINCE_CODE",
    "PERSONS_AT_SCALE_1",
    "TOWNSHIP_USERNAME",
    "DemoAccount",
    "build_demo",
    "demo_accounts_summary",
    "demo_exists",
    "existing_demo_accounts",
]
