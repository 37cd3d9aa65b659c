"""The data endpoints: tickets, tables, downloads, lifecycle, flow, ledger and quarantine."""

from __future__ import annotations

import csv
import io
from typing import Any

import pyarrow.parquet as pq

from tests.serve.conftest import RESTRICTED_TO, Served
from ticketlake.common.cells import PREFIX, is_formula
from ticketlake.serve.pages import plain


def _all(served: Served, path: str, key: str = "admin", **params: Any) -> list[dict[str, Any]]:
    """Every row of a list, page by page, checking ``total`` and ``next`` on the way."""
    rows: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        body = served.get(path, key, **params, limit=50, offset=offset).json()
        assert body["offset"] == offset and len(body["rows"]) <= 50
        rows += body["rows"]
        offset = body["next"]
    assert len(rows) == body["total"]
    return rows


def test_a_tickets_page_holds_its_events_sla_clocks_and_links(served: Served) -> None:
    """The drill-down joins the ticket's rows of four tables of one build."""
    link = served.get("/api/tables/bridge_ticket_link", "admin", limit=1).json()["rows"][0]
    answer = served.get(f"/api/tickets/{link['source']}/{link['from_id']}")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["ticket"]["ticket_id"] == link["from_id"]
    assert link in found["links"]
    key = f"source = '{link['source']}' AND ticket_id = '{link['from_id']}'"
    events = served.project.query(f"SELECT count(*) FROM fact_ticket_event WHERE {key}")[1][0][0]
    clocks = served.project.query(f"SELECT count(*) FROM fact_sla WHERE {key}")[1][0][0]
    assert len(found["events"]) == events > 0
    assert [e["event_number"] for e in found["events"]] == sorted(
        e["event_number"] for e in found["events"]
    )
    assert len(found["sla"]) == clocks
    assert found["events_total"] == events
    path = f"/api/tickets/{link['source']}/{link['from_id']}"
    paged = [served.get(path, events_limit=1, events_offset=i).json() for i in range(events)]
    assert [p["events"][0] for p in paged] == found["events"]  # one page per event, in order
    assert all(p["events_total"] == events for p in paged)
    missing = served.get(f"/api/tickets/{link['source']}/no-such-ticket")
    assert missing.status_code == 404 and "no ticket" in missing.json()["error"]


def test_ticket_search_filters_and_pages(served: Served) -> None:
    """Search by id substring and status; a restricted key finds only its source's tickets."""
    some = _all(served, "/api/tickets", q="00001", status="Closed")
    assert some and all("00001" in t["ticket_id"] and t["status"] == "Closed" for t in some)
    mine = _all(served, "/api/tickets", "restricted", q="0000")
    assert mine and {t["source"] for t in mine} == {RESTRICTED_TO}
    titled = served.project.query(
        "SELECT source, ticket_id, title FROM fact_ticket "
        "WHERE title IS NOT NULL ORDER BY 1, 2 LIMIT 1"
    )[1][0]
    word = titled[2].split()[0]
    by_title = _all(served, "/api/tickets", q=word.upper(), source=titled[0])
    assert (titled[0], titled[1]) in {(t["source"], t["ticket_id"]) for t in by_title}
    day = served.project.query(
        "SELECT min(created_date), max(created_date), count(*) "
        "FROM fact_ticket WHERE category IS NOT NULL"
    )[1][0]
    one = served.project.query(
        "SELECT category, count(*) FROM fact_ticket WHERE "
        f"created_date = '{day[0]}' AND category IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
    )[1][0]
    on_day = served.get("/api/tickets", "admin", category=one[0], **{"from": str(day[0]),
                        "to": str(day[0])}).json()  # fmt: skip
    assert on_day["total"] == one[1]
    literal = served.get("/api/tickets", q="%").json()
    percent = served.project.query(
        "SELECT count(*) FROM fact_ticket WHERE contains(ticket_id, '%') OR "
        "contains(coalesce(external_id, ''), '%') OR contains(coalesce(title, ''), '%')"
    )[1][0][0]
    assert (
        literal["total"] == percent < len(_all(served, "/api/tickets", "admin"))
    )  # taken literally


def test_table_rows_filter_on_equal_columns_and_page_whole(served: Served) -> None:
    """Pages joined are the table's matching rows; an unknown column or table is explained."""
    rows = _all(served, "/api/tables/fact_ticket", where="priority=P1")
    expected = served.project.query("SELECT count(*) FROM fact_ticket WHERE priority = 'P1'")
    assert len(rows) == expected[1][0][0] > 50
    assert {r["priority"] for r in rows} == {"P1"}
    assert len({(r["source"], r["ticket_id"]) for r in rows}) == len(rows)  # no row twice
    bad = served.get("/api/tables/fact_ticket", where="planet=mars")
    assert bad.status_code == 400 and "no column 'planet'" in bad.json()["error"]
    assert served.get("/api/tables/nothing").status_code == 404


def test_csv_downloads_are_formula_safe_and_parquet_is_whole(served: Served) -> None:
    """CSV cells a spreadsheet would run get the apostrophe (common/cells.py); Parquet keeps
    values as they are."""
    answer = served.get("/api/tables/fact_ticket/download", "admin", format="csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.text)))
    cells = [c for row in table for c in row]
    assert not [c for c in cells if is_formula(c)]
    assert any(c.startswith(PREFIX + "-") for c in cells)  # requester_key "-" is guarded
    total = served.project.query("SELECT count(*) FROM fact_ticket")[1][0][0]
    assert len(table) == total + 1
    raw = served.get("/api/tables/fact_ticket/download", "admin", format="parquet")
    data = pq.read_table(io.BytesIO(raw.content))
    assert data.num_rows == total and "-" in data.column("requester_key").to_pylist()
    mine = served.get("/api/tables/fact_ticket/download", "restricted_admin", format="parquet")
    assert set(pq.read_table(io.BytesIO(mine.content)).column("source").to_pylist()) == {
        RESTRICTED_TO
    }


def test_lifecycle_and_flow_are_the_projects(served: Served) -> None:
    """The API's parts are Project.lifecycle and Project.flow (what the CLI prints)."""
    flow = served.project.flow()
    for part in ("summary", "time_in_status", "transitions", "variants"):
        assert _all(served, f"/api/flow/{part}") == plain(flow[part].to_pylist()), part
    life = served.project.lifecycle(by="priority")
    assert _all(served, "/api/lifecycle/summary", by="priority") == plain(
        life["summary"].to_pylist()
    )
    assert _all(served, "/api/lifecycle/distributions", by="priority") == plain(
        life["distributions"].to_pylist()
    )
    assert _all(served, "/api/sla/at-risk") == plain(served.project.sla(at_risk=True).to_pylist())


def test_ledger_and_quarantine_are_the_lakes(served: Served) -> None:
    """Admin keys read the ledger and quarantined rows; a restricted one its source's only."""
    ledger = served.get("/api/ledger", "admin", limit=1000).json()
    assert ledger["rows"] == plain(served.project.status()["batches"])
    assert ledger["totals"] == served.project.status()["totals"]
    mine = served.get("/api/ledger", "restricted_admin", limit=1000).json()
    assert mine["totals"] is None and {b["source"] for b in mine["rows"]} == {RESTRICTED_TO}
    rows = _all(served, "/api/quarantine")
    assert rows and all(r["raw"] is not None and r["reason"] for r in rows)
    assert _all(served, "/api/quarantine", "restricted_admin") == []  # the dirty source's rows
    sources = _all(served, "/api/ledger/sources")
    assert {s["source"] for s in sources} >= {RESTRICTED_TO, "helpdesk_dirty"}
    health = served.get("/api/mapping", "admin", source=RESTRICTED_TO).json()["health"]
    assert [s["source"] for s in health["sources"]] == [RESTRICTED_TO]
