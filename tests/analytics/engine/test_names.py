"""Portable one-edit name comparison: Python reference, rule and DuckDB agree."""

import random

import duckdb
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from xietong.analytics.engine import names
from xietong.analytics.engine.runner import positions_table, transpile

# A small alphabet so that random names are often one edit apart.
CJK = "张伟玮王芳刘李明"
cjk_names = st.text(alphabet=CJK, min_size=0, max_size=6)


def test_levenshtein_counts_characters_not_bytes():
    assert names.levenshtein("张伟", "张玮") == 1
    assert names.levenshtein("张伟", "伟张") == 2
    assert names.levenshtein("阿依古丽·买买提", "阿依古丽买买提") == 1
    assert names.levenshtein("", "张") == 1


@given(cjk_names, cjk_names)
def test_deletion_neighbourhood_is_exactly_one_edit(a, b):
    assert names.within_one_edit(a, b) == (names.levenshtein(a, b) <= 1)


def test_transposition_is_not_one_edit():
    assert not names.within_one_edit("张伟", "伟张")
    assert names.within_one_edit("张伟", "张玮")
    assert names.within_one_edit("张伟", "张伟明")
    assert names.within_one_edit("欧阳锋", "欧锋")


def sample_names(seed: int = 4, count: int = 70) -> tuple[list[str], list[str]]:
    """A fixed random sample of CJK names, lengths 1..6, with planted near copies."""
    rng = random.Random(seed)

    def name():
        return "".join(rng.choice(CJK) for _ in range(rng.randint(1, 6)))

    left = [name() for _ in range(count)]
    right = [name() for _ in range(count // 2)]
    for base in left[: count // 2]:  # one substitution, insertion or deletion
        i = rng.randrange(len(base))
        right.append(
            rng.choice(
                [
                    base[:i] + rng.choice(CJK) + base[i + 1 :],
                    base[:i] + rng.choice(CJK) + base[i:],
                    base[:i] + base[i + 1 :] or base,
                ]
            )
        )
    return left, right


def expected_pairs(left, right):
    return {
        (i, j)
        for i, a in enumerate(left)
        for j, b in enumerate(right)
        if names.levenshtein(a, b) <= 1
    }


def name_table(values):
    return pa.table({"k": list(range(len(values))), "name": values})


def close_pairs_query(dialect: str) -> str:
    sql = names.close_pairs_sql("left_names", "k", "name", "right_names", "k", "name")
    return transpile(sql, dialect)


def test_duckdb_finds_exactly_the_pairs_within_one_edit():
    left, right = sample_names()
    con = duckdb.connect()
    for name, table in [
        ("left_names", name_table(left)),
        ("right_names", name_table(right)),
        (names.POSITIONS_TABLE, positions_table()),
    ]:
        con.register(name, table)
    found = set(con.execute(close_pairs_query("duckdb")).fetchall())
    expected = expected_pairs(left, right)
    assert len(expected) > 50  # the sample does exercise the rule
    assert found == expected
