"""Where tests find the real ServiceNow log, and what they do without it: skip with the
reason on a developer's machine, fail under ``CI=true``; and no machine's own paths in the
code or the tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import real_data

ROOT = Path(__file__).resolve().parents[1]
# An absolute path that exists on one machine only: a home, a mount or a work folder.
MACHINE_PATH = re.compile(r"(?<![\w./~-])/(?:work|home|Users|root|mnt)/")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout in a temporary folder with nothing beside it, and neither variable set."""
    monkeypatch.delenv(real_data.ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    (tmp_path / "repo").mkdir()
    return tmp_path / "repo"


def _put_log(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x1f\x8b")
    return path


def test_the_variable_names_the_log(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _put_log(repo.parent / "elsewhere" / "incidents.csv.gz")
    _put_log(repo.parent / "shared" / "data" / real_data.SERVICENOW)
    monkeypatch.setenv(real_data.ENV, str(log))
    assert real_data.servicenow_log(repo) == log


def test_the_log_beside_the_repository_is_found(repo: Path) -> None:
    log = _put_log(repo.parent / "shared" / "data" / real_data.SERVICENOW)
    assert real_data.servicenow_log(repo) == log


def test_without_the_log_a_test_skips_and_says_why(repo: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        real_data.servicenow_log(repo)
    assert real_data.ENV in str(skipped.value) and "../shared/data" in str(skipped.value)


@pytest.mark.parametrize("ci", ["true", "TRUE"])
def test_without_the_log_under_ci_a_test_fails(
    repo: Path, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=real_data.ENV):
        real_data.servicenow_log(repo)


def test_other_ci_values_still_skip(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        real_data.servicenow_log(repo)


def test_a_variable_naming_no_file_fails(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Set on purpose, so a wrong value is an error to fix, not a silent skip.
    _put_log(repo.parent / "shared" / "data" / real_data.SERVICENOW)
    monkeypatch.setenv(real_data.ENV, str(repo / "missing.csv.gz"))
    with pytest.raises(pytest.fail.Exception, match=re.escape("missing.csv.gz")):
        real_data.servicenow_log(repo)


def test_no_machine_paths_in_code_or_tests() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for folder in ("src", "tests", "bench") for path in (ROOT / folder).rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if MACHINE_PATH.search(line)]  # fmt: skip
    assert found == []


@pytest.mark.parametrize(
    "text", [f"{lead}/{root}/data" for lead, root in (("", "work"), ("'", "home"), ("(", "Users"))]
)
def test_the_machine_path_pattern_sees_them(text: str) -> None:
    assert MACHINE_PATH.search(text)


@pytest.mark.parametrize("text", ["bench/work/data", "warehouse/work.duckdb", "~/work/x"])
def test_the_machine_path_pattern_leaves_relative_paths(text: str) -> None:
    assert not MACHINE_PATH.search(text)
