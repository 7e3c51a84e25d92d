"""Fixtures shared by the browser tests (the website and JupyterLab).

Playwright's synchronous API can run only once per thread: a second `sync_playwright()` while
the first is open fails. Every browser test of a pytest process therefore shares one Chromium,
started here on first use.
"""

from __future__ import annotations

import shutil

import pytest


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("no Chromium found: install Debian's `chromium` (apt-get install chromium); .ci/run does this")


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium, driven by Playwright (its own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()
