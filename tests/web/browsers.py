"""Debian's headless Chromium for the browser journeys (Playwright never downloads one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeshare.entrypoints.web.app import STATIC

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

BROWSER_JOURNEY = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium: make chromium"),
    pytest.mark.skipif(
        not (STATIC / "app.css").exists(), reason="needs the built styles: make assets"
    ),
]
