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
