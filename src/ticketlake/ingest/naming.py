"""The name of a source ingested without ``--source``: its folder's, or its file's.

A folder given on the command line names the source of every file in it (a folder of monthly
exports is one source). A file given by itself is named by its stem, without compression and
format suffixes or a trailing date or number (``incidents_2024-01.csv.gz`` is ``incidents``);
when nothing is left (``20240105.csv``), its folder names it, and failing that its format.
Names are made valid source names: lower case, ``a-z``, ``0-9`` and ``_``, starting with a
letter.
"""

from __future__ import annotations

import re
from pathlib import Path

from ticketlake.config.defaults import IDENTIFIER

_SUFFIXES = re.compile(r"(\.(csv|tsv|txt|json|jsonl|ndjson|xes|gz|zip))+$", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"[\W_]*\d[\d\W_]*$")


def source_name(path: Path, folder: Path | None, fallback: str) -> str:
    """The source name for ``path``, found in ``folder`` when a folder was given."""
    if folder is not None:
        return slug(folder.resolve().name) or slug(fallback) or fallback
    stem = _TRAILING_NUMBER.sub("", _SUFFIXES.sub("", path.name))
    return slug(stem) or slug(path.resolve().parent.name) or slug(fallback) or fallback


def slug(text: str) -> str:
    """``text`` as a valid source name, or ``""`` when no letter is left."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    name = re.sub(r"^[^a-z]+", "", name)
    return name if IDENTIFIER.match(name) else ""
