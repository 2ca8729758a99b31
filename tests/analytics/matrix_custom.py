"""Need-to-know matrix rows of the analytics custom pages and endpoints, with their
targets, bodies and checks (merged into ``tests/access/test_policy_matrix.py``)."""

from __future__ import annotations

TARGETS: frozenset[str] = frozenset()


def rows(m) -> dict:
    """Matrix rows: ``m`` is the matrix module (Endpoint, scoped, only, _url…)."""
    return {}


def target(name: str, ctx, scope):
    """The record a row with ``target=name`` is called on, in or out of reach."""
    raise KeyError(name)
