"""The slice's key layout, in one place (docs/online.md draws it).

Every push writes a new generation under ``{prefix}:g:{generation}:``; ``{prefix}:current``
names the generation readers read. Sorted sets are scored by the ticket's last update (epoch
seconds), so ``ZRANGE key 0 9 REV`` is the ten most recently updated.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """The keys of one prefix: the pointer, the generation counter, and per generation."""

    prefix: str

    @property
    def current(self) -> str:
        """The pointer: the generation readers read."""
        return f"{self.prefix}:current"

    @property
    def counter(self) -> str:
        """INCR gives each push its generation number."""
        return f"{self.prefix}:generation"

    def of(self, generation: int | str) -> Generation:
        """The keys of ``generation``."""
        return Generation(f"{self.prefix}:g:{generation}:")


@dataclass(frozen=True)
class Generation:
    """The keys of one generation, all starting with ``base``."""

    base: str

    @property
    def meta(self) -> str:
        """Written last: the generation, the build, the tickets per source and the indexes."""
        return f"{self.base}meta"

    def ticket(self, source: str, ticket_id: str) -> str:
        """One ticket's JSON value."""
        return f"{self.base}ticket:{source}:{ticket_id}"

    def recent(self, source: str) -> str:
        """Every ticket of ``source`` in the slice, by last update."""
        return f"{self.base}recent:{source}"

    def group(self, source: str, group: str) -> str:
        """The tickets of ``source`` in assignment group ``group``, by last update."""
        return f"{self.base}group:{source}:{group}"

    def priority(self, source: str, priority: str) -> str:
        """The tickets of ``source`` at priority ``priority``, by last update."""
        return f"{self.base}priority:{source}:{priority}"
