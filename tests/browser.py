"""Debian's chromium driven by Playwright, as the browser tests launch it (never
``playwright install``: the browser is the system's, ``make test`` installs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> str:
    """The path of Debian's chromium; fails the test when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is not installed: run `make test` (apt-get install chromium)"
        )
    return str(CHROMIUM)
