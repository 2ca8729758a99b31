"""Name comparison that DuckDB and Spark compute identically, character by character.

Engine string-distance functions cannot be used: some count bytes on Chinese text
(DuckDB's ``levenshtein('张伟', '张玮')`` was 3 before 2.0) and a SQL translator passes
them to the other engine untranslated. Instead, "within one edit" is decided by the
deletion neighbourhood, which needs only ``length``, ``substring``, ``||`` and joins:

    a and b are within one edit (one character substituted, inserted or deleted)
    iff a = b, or a equals b with one character deleted (or vice versa),
    or a and b with the character at the *same* position deleted are equal.

Each name is expanded into its variants by joining with the small table
``name_positions`` (0 = the name itself, 1..NAME_MAX_LENGTH = delete that character);
two names are close when two variants are equal and their deletion positions are
equal or one of them is 0. Different positions must not match: "张伟" and "伟张" share
the variant "张" but are two edits apart.
"""

from __future__ import annotations

from collections.abc import Sequence

NAME_MAX_LENGTH = 40
POSITIONS_TABLE = "name_positions"


def positions() -> list[int]:
    """The rows of the positions table: 0 (no deletion) and 1..NAME_MAX_LENGTH."""
    return list(range(NAME_MAX_LENGTH + 1))


def variant_expression(name: str, pos: str) -> str:
    """SQL for ``name`` with the character at 1-based ``pos`` deleted (0: unchanged)."""
    return (
        f"CASE WHEN {pos} = 0 THEN {name} "
        f"ELSE substring({name}, 1, {pos} - 1) || substring({name}, {pos} + 1) END"
    )


def variants_select(
    source: str, name: str, keep: Sequence[str], alias: str = "s"
) -> str:
    """A SELECT listing ``keep``, ``name`` and every deletion variant of the name.

    ``source`` is a table name or a parenthesised query, ``name`` a column of it. The
    result has the columns of ``keep``, ``name``, ``del_pos`` and ``variant``.
    """
    kept = "".join(f"{alias}.{column}, " for column in keep)
    return (
        f"SELECT {kept}{alias}.{name} AS name, p.i AS del_pos, "
        f"{variant_expression(f'{alias}.{name}', 'p.i')} AS variant "
        f"FROM {source} {alias} JOIN {POSITIONS_TABLE} p "
        f"ON p.i <= length({alias}.{name}) "
        f"WHERE {alias}.{name} IS NOT NULL AND length({alias}.{name}) > 0"
    )


def one_edit_condition(left: str, right: str) -> str:
    """Join condition: two variant rows (aliases) show their names within one edit."""
    return (
        f"{left}.variant = {right}.variant AND ({left}.del_pos = {right}.del_pos "
        f"OR {left}.del_pos = 0 OR {right}.del_pos = 0)"
    )


def levenshtein(a: str, b: str) -> int:
    """Character-level edit distance (the reference the SQL is tested against)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        previous = current
    return previous[-1]


def within_one_edit(a: str, b: str) -> bool:
    """The deletion-neighbourhood rule in Python, mirroring the SQL."""

    def variants(s: str) -> set[tuple[int, str]]:
        return {(0, s)} | {(i, s[: i - 1] + s[i:]) for i in range(1, len(s) + 1)}

    va, vb = variants(a), variants(b)
    for pa, sa in va:
        for pb, sb in vb:
            if sa == sb and (pa == pb or pa == 0 or pb == 0):
                return True
    return False


def close_pairs_sql(
    left: str,
    left_key: str,
    left_name: str,
    right: str,
    right_key: str,
    right_name: str,
) -> str:
    """A query of (left_key, right_key) for every pair of names within one edit."""
    lv = variants_select(left, left_name, [left_key], alias="l")
    rv = variants_select(right, right_name, [right_key], alias="r")
    return (
        f"WITH lv AS ({lv}), rv AS ({rv}) "
        f"SELECT DISTINCT lv.{left_key} AS left_key, rv.{right_key} AS right_key "
        f"FROM lv JOIN rv ON {one_edit_condition('lv', 'rv')}"
    )
