"""``xes``: an IEEE 1849 log against the desk (histories included), against a hand-written log,
auto detection, and proof that the reader streams."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import pytest

from tests.presets.desk import desk, figures
from ticketlake import Project
from ticketlake.sources import FORMATS, detect, documents, xes

FIXTURE = Path(__file__).parent / "fixtures" / "xes" / "incidents.xes"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return desk(tmp_path_factory.mktemp("xes"), "xes", "xes")


def test_desk_figures(pair: Project) -> None:
    # A trace holds the whole history: every figure equals the events shape's, time in
    # status and ping-pong included.
    assert figures(pair, "preset") == figures(pair, "events")


def test_desk_forced_difference(pair: Project) -> None:
    # Forced by the layout: an activity names the state reached, so the events shape's
    # first_response (a change to In Progress) is a status change here: no first response.
    rows = dict(pair.query("SELECT source, count(first_response_at) FROM fact_ticket "
                           "GROUP BY source")[1])  # fmt: skip
    assert rows["events"] > 0 and rows["preset"] == 0


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("fixture")
    Project(root).init()
    project = Project(root)
    outcome = project.ingest([FIXTURE])
    assert not outcome.failed
    assert [fmt for _, fmt in outcome.chosen] == ["xes"]  # auto: read as xes
    project.build()
    return project


def test_fixture_tickets(fixture: Project) -> None:
    rows = fixture.query("SELECT ticket_id, status_category, priority, resolution_hours, "
                         "reopen_count FROM fact_ticket ORDER BY 1")[1]  # fmt: skip
    assert [tuple(r) for r in rows] == [
        # New 08:00Z (09:00+01:00), Resolved 12:00Z: 4 h; priority from a trace attribute
        ("INC-1", "closed", "P2", 4.0, 0),
        # New 08:00Z, Resolved 12:00Z, Reopened 13:00Z, Resolved 14:00Z: 6 h to the final one
        ("INC-2", "resolved", "unknown", 6.0, 1),
    ]


def test_fixture_history(fixture: Project) -> None:
    stays = fixture.query("SELECT status, stays, total_hours FROM flow_time_in_status "
                          "ORDER BY status")[1]  # fmt: skip
    assert [tuple(r) for r in stays] == [
        ("Assigned", 1, 3.5),  # INC-2 08:30 -> 12:00 (three Assigned events, one stay)
        ("Closed", 0, None),  # current stays only (INC-1)
        ("In Progress", 1, 3.0),  # INC-1 start 09:00Z, complete 10:00Z, Resolved 12:00Z
        ("New", 2, 1.5),  # INC-1 08:00 -> 09:00, INC-2 08:00 -> 08:30
        ("Reopened", 1, 1.0),  # INC-2 13:00 -> 14:00
        ("Resolved", 2, 25.0),  # INC-1 12:00 -> next day 12:00 (24), INC-2 12:00 -> 13:00 (1)
    ]
    pong = dict(fixture.query("SELECT ticket_id, ping_pong FROM flow_ticket")[1])
    assert pong == {"INC-1": False, "INC-2": True}  # L1 Desk, L2 Network, L1 Desk


def test_fixture_attributes_and_quarantine(fixture: Project) -> None:
    with fixture.read() as con:
        found = con.execute("SELECT attributes FROM ticket_events WHERE ticket_id = 'INC-1' "
                            "AND event_time = TIMESTAMP '2024-03-11 10:00:00'").fetchall()  # fmt: skip
    (attributes,) = [json.loads(a) for (a,) in found]
    # the event's own attribute (its meta-attribute is not read), the global default
    # transition, and the trace's attribute
    assert attributes["cost"] == "12.5" and attributes["variant"] == "standard"
    assert attributes["lifecycle:transition"] == "complete"
    (bad,) = fixture.quarantine()  # the event with no time:timestamp
    assert bad["error_class"] == "missing_value" and "trace[1].event[6]" in bad["raw"]


def test_auto_detection(tmp_path: Path) -> None:
    assert detect(FIXTURE, []) is FORMATS["xes"]
    other = tmp_path / "notes.xes"
    other.write_text("hello\n")
    assert detect(other, ["hello"]) is None


class _Counted:
    """A stream that counts the bytes read from it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.read_bytes = stream, 0

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(size)
        self.read_bytes += len(block)
        return block

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


def test_reader_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first chunk comes out long before the file is read whole: the reader never holds
    # the file (a file 5x larger would hold memory the same way, chunk by chunk).
    event = ('<event><string key="concept:name" value="New"/>'
             '<date key="time:timestamp" value="2024-03-11T09:00:00+01:00"/></event>')  # fmt: skip
    path = tmp_path / "big.xes"
    with path.open("w") as out:
        out.write('<log xmlns="http://www.xes-standard.org/">\n')
        for i in range(4000):
            out.write(f'<trace><string key="concept:name" value="T{i}"/>{event}{event}</trace>\n')
        out.write("</log>\n")
    opened: list[_Counted] = []

    def counted(p: Path) -> _Counted:
        opened.append(_Counted(open(p, "rb")))  # noqa: SIM115
        return opened[-1]

    monkeypatch.setattr(xes, "open_binary", counted)
    monkeypatch.setattr(documents, "CHUNK_ROWS", 500)
    monkeypatch.setattr(xes, "BLOCK", 4096)
    chunks = xes.read(path)
    first = next(chunks)
    assert first.table.num_rows >= 500
    assert opened[0].read_bytes < path.stat().st_size / 10
    assert sum(c.table.num_rows for c in chunks) + first.table.num_rows == 8000
