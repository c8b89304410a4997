"""What the browser tests share: Debian's Chromium through playwright, with no network, and the
JavaScript programs they run in pages (the .js files next to this module)."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
JS = Path(__file__).parent / "js"


def js(name):
    """The text of ``js/<name>.js``: a function that playwright's ``evaluate`` calls."""
    return (JS / f"{name}.js").read_text()


def chromium_or_skip():
    """Playwright's sync API, or skip (fail in CI) when it or Chromium is missing."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed (pip install -r requirements-dev.txt)"
    if not missing and not os.access(CHROMIUM, os.X_OK):
        missing = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: CI must run the browser tests")
        pytest.skip(missing)
    return sync_playwright
