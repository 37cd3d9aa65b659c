"""The demo project, made once for the command-line tests that read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketlake import demo


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ticketlake demo`` made small (600 tickets over the demo's 60 days): every shape and
    the dirty tickets, ingested and built; the report, which no test here reads, left out."""
    root = tmp_path_factory.mktemp("screen") / "demo"
    demo.run(root, tickets=600, charts=False)
    return root
