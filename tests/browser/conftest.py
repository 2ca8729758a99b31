"""Headless Chromium for browser tests (the system chromium; never a downloaded browser)."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("XIETONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api

    # `make test` installs Debian's chromium (never a downloaded build); without it the
    # browser tests fail rather than silently skip.
    assert os.path.exists(CHROMIUM), (
        f"未找到 Chromium：{CHROMIUM}（apt-get install chromium）"
    )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are ordinary synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as pw:
            b = pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield b
            finally:
                b.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def isolated_home(settings, tmp_path):
    """Keys and audit checkpoints of this test only.

    A live-server test commits for real, so its audit checkpoints would otherwise land in the
    session's shared ``XIETONG_HOME`` and disagree with the next test's (flushed) chain.
    """
    from xietong.audit.services import checkpoint_file
    from xietong.core.crypto import reset_cipher_cache

    settings.XIETONG_HOME = tmp_path
    checkpoint_file.cache_clear()
    reset_cipher_cache()
    yield tmp_path
    checkpoint_file.cache_clear()
    reset_cipher_cache()


@pytest.fixture
def shot():
    """``shot(page, name)`` saves a screenshot when XIETONG_SCREENSHOTS=1."""
    enabled = os.environ.get("XIETONG_SCREENSHOTS") == "1"

    def take(page, name: str) -> None:
        if enabled:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=True)

    return take
