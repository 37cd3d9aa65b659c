"""ticketlake: trustworthy operational analytics from support and IT ticket exports."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ticketlake")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from ticketlake.config import Settings, load_settings  # noqa: E402 - after __version__
from ticketlake.errors import ConfigError, TicketlakeError, UsageError  # noqa: E402
from ticketlake.project import Project  # noqa: E402

__all__ = [
    "ConfigError",
    "Project",
    "Settings",
    "TicketlakeError",
    "UsageError",
    "__version__",
    "load_settings",
]
