"""What every source format declares: the canonical fields it reads and how rows become events.

A format is data plus one SQL statement per file kind; the ingest core does the rest
(decoding, validation, quarantine, lineage, deduplication, commit). Adding a format means
adding one module that builds a :class:`Format` and one line in ``sources/__init__.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ticketlake.sources.readers import Chunk

Kind = Literal["text", "time", "int", "real", "bool"]
Container = Literal["csv", "json"]

# Every canonical input field and its type; a format maps the ones its files carry.
FIELDS: dict[str, Kind] = {
    "ticket_id": "text", "external_id": "text", "event_type": "text", "status": "text",
    "sub_status": "text", "priority": "text", "impact": "text", "urgency": "text",
    "category": "text", "subcategory": "text", "group_name": "text", "assignee": "text",
    "support_level": "text", "requester": "text", "customer": "text", "location": "text",
    "country": "text", "channel": "text", "title": "text", "description": "text",
    "changed_by": "text", "problem_id": "text", "linked_id": "text", "linked_table": "text",
    "event_time": "time", "created_at": "time", "first_response_at": "time",
    "resolved_at": "time", "closed_at": "time", "updated_at": "time", "observed_at": "time",
    "event_seq": "int", "reopen_count": "int", "reassignment_count": "int", "made_sla": "bool",
    # What vendor documents carry (sources/documents.py): an event's own key, the ticket's
    # labels as a JSON array of strings, the category the vendor gives a status, the
    # vendor's own reply and resolution minutes, kept beside ticketlake's figures, and the
    # text of a comment the event adds.
    "event_key": "text", "labels": "text", "vendor_status_category": "text",
    "vendor_reply_minutes": "real", "vendor_reply_business_minutes": "real",
    "vendor_resolution_minutes": "real", "vendor_resolution_business_minutes": "real",
    "comment": "text",
}  # fmt: skip
ID_FIELDS = ("ticket_id", "external_id", "linked_id")
# Multi-valued fields, held as a JSON array of strings. A file kind may gather one from every
# repeat of a column (``FileKind.lists``: Jira's ``Labels``, ``Labels``, ...); a single mapped
# column holds a JSON array or values separated by ``;`` or ``,``.
LIST_FIELDS = ("labels",)
# Times that must not precede the ticket's creation (``created_at``) in the same row.
LATER_FIELDS = ("first_response_at", "resolved_at", "closed_at", "updated_at", "event_time")


def normalise_name(name: str) -> str:
    """Compare column names loosely: ``lastModifiedTimeUtc`` and ``last modified time utc``
    both become ``last_modified_time_utc``; leading underscores are dropped."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^0-9a-z]+", "_", snake.lower()).strip("_")


@dataclass(frozen=True)
class FileKind:
    """One kind of file a format reads, such as interaction records or their incident links.

    ``synonyms`` lists, per canonical field, the column names recognised without a mapping,
    best first. ``events_sql``, ``links_sql`` and ``sightings_sql`` read the validated relation
    ``valid`` (one column per canonical field, plus ``_line``, the row's line) and return
    canonical events, links or snapshot sightings (``ticket_id``, ``seen_on``), each with the
    ``_line`` it came from; see docs/sources.md. ``reader``, when set, reads the file itself
    (a vendor document whose records nest their history, or XML): given the UTF-8 path, it
    yields chunks of flat rows with ``_line`` and ``_raw`` (sources/documents.py).
    """

    name: str
    container: Container
    synonyms: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    events_sql: str | None = None
    links_sql: str | None = None
    sightings_sql: str | None = None
    # Extra typed columns a file carries besides the canonical ones (e.g. a snapshot date).
    derived: Callable[[PurePath], Mapping[str, str]] | None = None
    reader: Callable[[Path], Iterator[Chunk]] | None = None
    # List field -> column names each of whose repeats (``Labels``, ``Labels_2``, ...) holds
    # one value; see LIST_FIELDS.
    lists: Mapping[str, tuple[str, ...]] | None = None
    # Whether the file exports a ticket's history (one row per change), not one row per
    # ticket: only such files' statuses count for process flow (models/flow/).
    history: bool = False


@dataclass(frozen=True)
class Format:
    """A source format: the kinds of file it reads and how to recognise them."""

    name: str
    summary: str
    kinds: tuple[tuple[str, FileKind], ...]  # (file name glob, kind), first match wins
    signature: tuple[str, ...] = ()  # normalised header names that identify the format
    date_format: str | None = None
    null_markers: tuple[str, ...] | None = None
    # For a format whose files are documents rather than tables: whether ``path`` is one of
    # them (a look at its first bytes), asked by auto detection instead of the header.
    sniff: Callable[[Path], bool] | None = None

    def kind_for(self, path: PurePath) -> FileKind | None:
        """The kind of ``path``, or None when the format does not read such files."""
        name = path.name.lower()
        return next((kind for pattern, kind in self.kinds if PurePath(name).match(pattern)), None)

    def matches_header(self, header: list[str]) -> bool:
        """Whether ``header`` (a file's column names) carries this format's signature."""
        names = {normalise_name(h) for h in header}
        return bool(self.signature) and all(s in names for s in self.signature)
