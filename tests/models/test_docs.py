"""docs/metrics.md and docs/schema.md describe every KPI, model and column the SQL produces.

No build is needed: KPI names come from the catalog, models from the packaged SQL and columns
from each model's final SELECT, parsed with sqlglot. The lifecycle and flow layers are held to
both documents: their tables are described in docs/schema.md like the mart, and their columns
are named in the metrics.md section of the catalog KPI they belong to, like the KPI tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from ticketlake import kpis
from ticketlake.config import Settings
from ticketlake.engine import inputs, models

DOCS = Path(__file__).resolve().parents[2] / "docs"
METRICS = (DOCS / "metrics.md").read_text(encoding="utf-8")
SCHEMA = (DOCS / "schema.md").read_text(encoding="utf-8")
MODELS = models.load()
MART = sorted(name for name, m in MODELS.items() if m.layer == "mart")
KPI_MODELS = sorted(name for name, m in MODELS.items() if m.layer == "kpi")
ANALYTICS = sorted(name for name, m in MODELS.items() if m.layer in ("lifecycle", "flow"))
SLA = sorted(name for name, m in MODELS.items() if m.layer == "sla")


def columns(sql: str) -> list[str]:
    """Output column names of a model; a ``*`` is expanded from the CTE it selects from."""
    tree = sqlglot.parse_one(sql, read=models.DIALECT)
    assert isinstance(tree, exp.Query)
    names: list[str] = []
    for name in tree.named_selects:
        if name != "*":
            names.append(name)
            continue
        source = next(f for f in tree.find_all(exp.From) if f.parent is tree).this
        cte = next(c for c in tree.find_all(exp.CTE) if c.alias_or_name == source.name)
        assert isinstance(cte.this, exp.Query)
        names += cte.this.named_selects
    return names


def section(doc: str, name: str) -> str:
    """The text under the heading that names ``name`` in backticks, up to the next heading
    of the same or a higher level."""
    match = re.search(rf"^(#+) .*`{re.escape(name)}`.*$", doc, re.MULTILINE)
    assert match, f"no heading for `{name}`"
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(doc, match.end())
    return doc[match.end() : end.start() if end else len(doc)]


def documented_columns(text: str) -> set[str]:
    """Names in backticks in the first cell of each table row of ``text``."""
    cells = re.findall(r"^\| *([^|]*?) *\|", text, re.MULTILINE)
    return {name for cell in cells for name in re.findall(r"`([^`]+)`", cell)}


def mentioned(doc: str, name: str) -> bool:
    """Whether ``name`` is in backticks in ``doc`` or is a heading of it."""
    return f"`{name}`" in doc or re.search(rf"^#+ .*\b{re.escape(name)}\b", doc, re.M) is not None


def kpi_of(table: str) -> str:
    """The catalog KPI whose section in docs/metrics.md documents ``table``."""
    return next(k.name for k in kpis.CATALOG.values() if table in (k.table, *k.extra_tables))


@pytest.mark.parametrize("name", sorted(kpis.CATALOG))
def test_every_kpi_is_in_metrics(name: str) -> None:
    assert mentioned(METRICS, name), f"KPI {name} is missing from docs/metrics.md"


@pytest.mark.parametrize("name", sorted(kpis.CATALOG))
def test_every_kpi_has_a_section_naming_its_tables(name: str) -> None:
    # A heading such as "## Process flow" would satisfy mentioned() for `flow`; a KPI needs
    # a heading of its own.
    kpi = kpis.CATALOG[name]
    text = section(METRICS, name)
    missing = [t for t in (kpi.table, *kpi.extra_tables) if f"`{t}`" not in text]
    assert not missing, f"the section of KPI {name} in docs/metrics.md does not name {missing}"


@pytest.mark.parametrize("name", KPI_MODELS + ANALYTICS)
def test_every_kpi_table_is_in_metrics(name: str) -> None:
    assert mentioned(METRICS, name), f"KPI table {name} is missing from docs/metrics.md"


@pytest.mark.parametrize("name", MART + KPI_MODELS + ANALYTICS + SLA)
def test_every_model_is_documented(name: str) -> None:
    assert mentioned(SCHEMA, name) or mentioned(METRICS, name), f"{name} is undocumented"


@pytest.mark.parametrize("name", MART + ANALYTICS + SLA)
def test_warehouse_columns_match_schema(name: str) -> None:
    expected = columns(MODELS[name].sql)
    listed = documented_columns(section(SCHEMA, name))
    missing = [c for c in expected if c not in listed]
    assert not missing, f"docs/schema.md does not describe {name}.{missing}"
    stale = sorted(listed - set(expected))
    assert not stale, f"docs/schema.md lists columns {name} does not have: {stale}"


@pytest.mark.parametrize("name", KPI_MODELS + ANALYTICS)
def test_kpi_columns_are_in_metrics(name: str) -> None:
    text = section(METRICS, kpi_of(name))
    missing = [c for c in columns(MODELS[name].sql) if f"`{c}`" not in text]
    assert not missing, f"docs/metrics.md does not describe {name}.{missing}"


def test_every_kpi_table_belongs_to_a_catalog_kpi() -> None:
    tables = {t for k in kpis.CATALOG.values() for t in (k.table, *k.extra_tables)}
    assert sorted(set(KPI_MODELS + ANALYTICS) - tables) == []


def test_analytics_layers_are_found() -> None:
    # Guards the parametrized tests above against a renamed layer leaving them empty.
    assert "lifecycle_ticket" in ANALYTICS and "flow_ticket" in ANALYTICS
    assert "sla_status_business" in SLA


@pytest.mark.parametrize("name", sorted(inputs.NAMES))
def test_settings_tables_are_in_schema(name: str) -> None:
    row = next(line for line in SCHEMA.splitlines() if line.startswith(f"| `{name}` |"))
    missing = [c for c in inputs.tables(Settings())[name].column_names if f"`{c}`" not in row]
    assert not missing, f"docs/schema.md does not describe {name}.{missing}"
