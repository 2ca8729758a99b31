import pytest

from xietong.core.crypto import reset_cipher_cache

from .factories import build_world


@pytest.fixture(autouse=True)
def _fresh_caches():
    from django.core.cache import cache

    reset_cipher_cache()
    cache.clear()
    yield


@pytest.fixture
def world(db):
    """A small province: two counties with commissions, offices, units and persons."""
    return build_world()


def pytest_terminal_summary(terminalreporter):
    """Print the models' precision and recall measured by the analytics tests.

    Tests record them with ``record_property("precision_recall", {...})``; the
    properties travel with the reports, so this works under xdist too.
    """
    for report in terminalreporter.stats.get("passed", []):
        for name, scores in getattr(report, "user_properties", []):
            if name != "precision_recall":
                continue
            terminalreporter.write_sep(
                "-", "大数据模型精准率/召回率（合成数据，真实导入）"
            )
            for model, s in scores.items():
                terminalreporter.write_line(
                    f"{model:<18} 命中 {s['tp'] + s['fp']:>4}  正确 {s['tp']:>4}  "
                    f"漏报 {s['fn']:>3}  精准率 {s['precision']:.3f}  "
                    f"召回率 {s['recall']:.3f}"
                )
