"""Progress on standard error while a command works: the stage it is in, file i of N and the
rows read so far, not just a spinner. Shown only on a terminal, and gone when done; like
everything the CLI prints, file names and stages are printed literally, never as markup."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from ticketlake.cli.output import err


class Stages:
    """One progress line: ``stage: file`` ``file i/N`` ``rows`` and the time taken; its
    methods fit the library's callbacks (``on_file``, ``progress``, ``on_model``)."""

    def __init__(self, bar: Progress, task: TaskID, stage: str) -> None:
        self.bar, self.task, self.label = bar, task, stage
        self.rows_read = 0

    def stage(self, text: str) -> None:
        """Enter a new stage; the file count starts again."""
        self.label = text
        self.bar.update(self.task, description=text, files="", refresh=True)

    def file(self, number: int, total: int, name: str) -> None:
        """Now on file ``number`` of ``total``, called ``name``."""
        self.bar.update(self.task, description=f"{self.label}: {name}",
                        files=f"file {number}/{total}", refresh=True)  # fmt: skip

    def rows(self, _name: str, rows: int, _size: int) -> None:
        """``rows`` more rows were read (from the current file)."""
        self.rows_read += rows
        self.bar.update(self.task, rows=f"{self.rows_read:,} rows", refresh=True)


@contextmanager
def stages(first: str, console: Console | None = None) -> Iterator[Stages]:
    """A progress line on ``console`` (standard error by default), starting at stage ``first``."""
    out = console or err
    line = Column(ratio=1, no_wrap=True, overflow="ellipsis")
    columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False, table_column=line),
               TextColumn("{task.fields[files]}", markup=False),
               TextColumn("{task.fields[rows]}", markup=False), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=out, transient=True, disable=not out.is_terminal) as bar:
        yield Stages(bar, bar.add_task(first, total=None, files="", rows=""), first)
