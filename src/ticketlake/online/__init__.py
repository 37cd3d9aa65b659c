"""The online slice: each source's most recently updated open tickets in Redis, for apps that
need a ticket's state and SLA clocks in a millisecond (docs/online.md).

``slice`` says what a row holds, ``writer`` pushes rows as a new generation and swaps it in,
``reader`` reads one generation whole; ``connect`` opens the server named by the settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ticketlake.config.model import Online
from ticketlake.online.connect import Client, connect
from ticketlake.online.reader import get, top, whole
from ticketlake.online.slice import COLUMNS, rows
from ticketlake.online.writer import Pushed, push

__all__ = [
    "COLUMNS",
    "Client",
    "Pushed",
    "connect",
    "get",
    "opened",
    "push",
    "rows",
    "top",
    "whole",
]


@contextmanager
def opened(online: Online) -> Iterator[Client]:
    """A client of the slice's server for the block, closed after it."""
    client = connect(online)
    try:
        yield client
    finally:
        client.close()
