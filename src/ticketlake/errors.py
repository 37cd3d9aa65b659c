"""Errors a user can cause. The CLI prints them on one line and exits with ``exit_code``."""

from __future__ import annotations


class TicketlakeError(Exception):
    """Base class for problems the user can fix; the message is shown as is."""

    exit_code = 1


class ConfigError(TicketlakeError):
    """The project configuration or a ``--set`` override is invalid."""

    exit_code = 2


class UsageError(TicketlakeError):
    """A command was called with arguments that cannot work together."""

    exit_code = 2
