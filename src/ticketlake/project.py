"""A ticketlake project: a folder with ``ticketlake.yml``, its lake, warehouse and logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cached_property
from pathlib import Path

from ticketlake import config, logs, synth
from ticketlake.synth.shapes import Layout

log = logs.get("project")


class Project:
    """Entry point of the library; the CLI builds one and calls its methods."""

    def __init__(self, root: Path | str = ".", overrides: Sequence[str] = ()) -> None:
        self.root = Path(root).resolve()
        self.overrides = tuple(overrides)

    @cached_property
    def settings(self) -> config.Settings:
        """The validated configuration, with ``--set`` overrides applied."""
        return config.load_settings(self.root, self.overrides)

    @property
    def is_initialised(self) -> bool:
        """Whether the folder holds a ``ticketlake.yml``."""
        return (self.root / config.CONFIG_FILE).is_file()

    @property
    def logs_dir(self) -> Path:
        """Where the JSON log file lives."""
        return self.settings.logs_path(self.root)

    def init(self, force: bool = False) -> Path:
        """Write a commented default ``ticketlake.yml`` into the project folder."""
        path = config.write_default_config(self.root, force=force)
        log.info("wrote default configuration", extra={"path": str(path)})
        return path

    def generate(
        self,
        shape: str,
        out: Path,
        tickets: int = 10_000,
        days: int = 90,
        start: date = date(2024, 1, 1),
        seed: int = 42,
        layout: Layout | None = None,
        dirty: float = 0.0,
    ) -> synth.Generated:
        """Write synthetic exports of ``shape`` into ``out``."""
        options = synth.Options(tickets=tickets, days=days, start=start, seed=seed)
        result = synth.write_shape(shape, out, options, layout, dirty)
        log.info("generated %s rows in %d files", result.rows, len(result.files),
                 extra={"shape": shape, "out": str(out), "tickets": tickets, "seed": seed})  # fmt: skip
        return result
