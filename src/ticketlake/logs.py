"""Logging: readable lines on the console, JSON lines in ``<project>/logs/ticketlake.log``."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

from ticketlake.errors import StorageError

LOG_FILE = "ticketlake.log"
_OURS = "ticketlake"


class JsonLines(logging.Formatter):
    """One JSON object per record, with any ``extra`` fields kept."""

    _standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in self._standard})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def console_level(verbose: int, quiet: bool) -> int:
    """Console threshold: warnings by default, info with -v, debug with -vv, errors with -q."""
    if quiet:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


def setup(verbose: int = 0, quiet: bool = False, log_dir: Path | None = None) -> None:
    """Configure the ``ticketlake`` logger; idempotent so tests can call it repeatedly."""
    logger = logging.getLogger(_OURS)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    console = RichHandler(console=Console(stderr=True), show_path=False, show_time=False)
    console.setLevel(console_level(verbose, quiet))
    logger.addHandler(console)
    if log_dir is not None:
        add_file(log_dir)


def add_file(log_dir: Path) -> None:
    """Also write JSON lines to ``log_dir/ticketlake.log`` (created when missing). Raises
    :class:`StorageError` when the system will not let us; the caller decides whether a
    command can go on without its log file."""
    logger = logging.getLogger(_OURS)
    target = (log_dir / LOG_FILE).resolve()
    if any(getattr(h, "baseFilename", None) == str(target) for h in logger.handlers):
        return
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(target, encoding="utf-8")
    except OSError as exc:
        raise StorageError.of(f"cannot write the log file {target}", exc) from None
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(JsonLines())
    logger.addHandler(handler)


def get(name: str) -> logging.Logger:
    """A child of the package logger."""
    return logging.getLogger(f"{_OURS}.{name}")
