"""Every model's SQL uses only what both engines implement the same way.

sqlglot passes a function it does not know (``exp.Anonymous``) to the other engine
untranslated, and engine string-distance functions disagree on Chinese text; the
catalogue may therefore use only the constructs listed here.
"""

import pytest
import sqlglot
from sqlglot import exp

from xietong.analytics.engine import CATALOGUE
from xietong.analytics.engine.runner import model_sql, standalone_sql

PORTABLE_FUNCTIONS = {
    "And",
    "Or",
    "Case",
    "If",
    "Cast",
    "Coalesce",
    "Count",
    "Sum",
    "Min",
    "Max",
    "DateDiff",
    "Extract",
    "Length",
    "Substring",
    "Trim",
}


@pytest.mark.parametrize("key", list(CATALOGUE))
def test_model_sql_uses_portable_functions_only(key):
    model = CATALOGUE[key]
    sql = standalone_sql(model, model.defaults())
    tree = sqlglot.parse_one(sql, read="duckdb")
    used = {type(f).__name__ for f in tree.find_all(exp.Func)}
    assert not any(isinstance(f, exp.Anonymous) for f in tree.find_all(exp.Func))
    assert used <= PORTABLE_FUNCTIONS, used - PORTABLE_FUNCTIONS
    for name in ("levenshtein", "jaro", "damerau", "editdist", "similarity"):
        assert name not in sql.lower()


@pytest.mark.parametrize("key", list(CATALOGUE))
@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_model_sql_transpiles_without_loss(key, engine):
    sql = model_sql(key, engine=engine)
    assert sql.startswith("WITH")


@pytest.mark.parametrize("key", list(CATALOGUE))
def test_models_read_only_standard_datasets_they_declare(key):
    model = CATALOGUE[key]
    tree = sqlglot.parse_one(standalone_sql(model, model.defaults()), read="duckdb")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    tables = {t.name for t in tree.find_all(exp.Table)} - ctes
    assert tables <= set(model.reads) | {"calendar", "name_positions"}
    assert set(model.evidence) <= set(model.reads)
    assert model.primary in model.evidence
