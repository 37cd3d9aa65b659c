"""ticketlake: trustworthy operational analytics from support and IT ticket exports."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ticketlake")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from ticketlake.config import Settings, load_settings
from ticketlake.errors import ConfigError, TicketlakeError, UsageError
from ticketlake.project import Project

__all__ = [
    "ConfigError",
    "Project",
    "Settings",
    "TicketlakeError",
    "UsageError",
    "__version__",
    "load_settings",
]
