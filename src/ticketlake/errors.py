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


class TransientError(TicketlakeError):
    """A failure that trying again later can fix (another writer held the lake, or committed
    first); the daily job retries the steps that raise it (ticketlake/jobs.py)."""

    exit_code = 75  # EX_TEMPFAIL: try again later


class ServiceError(TicketlakeError):
    """A server ticketlake writes to or reads from (Redis, for the online slice) cannot be
    reached, refuses the credentials or fails a command."""

    exit_code = 69  # EX_UNAVAILABLE


class ServiceUnreachableError(ServiceError, TransientError):
    """The server could not be reached or did not answer in time; a later try may reach it.
    Its exit code stays ServiceError's."""

    exit_code = ServiceError.exit_code


class StorageError(TicketlakeError):
    """A file or folder ticketlake uses cannot be created, read or written (a read-only
    file system, missing permissions, a place the system refuses such as ``/proc``)."""

    exit_code = 74  # EX_IOERR, as for an object store that refuses (LakeStorageError)

    @classmethod
    def of(cls, what: str, exc: OSError) -> StorageError:
        """``what`` went wrong (e.g. ``cannot write to the lake folder /x``) and why, with
        the path the system named when it is not already in ``what``."""
        reason = exc.strerror or str(exc)
        named = str(exc.filename) if exc.filename is not None else ""
        where = f" ({named})" if named and named not in what else ""
        return cls(f"{what}: {reason}{where}")


class OutOfMemoryError(TicketlakeError):
    """A step needed more memory than ``engine.memory_limit`` allows; nothing was kept."""

    exit_code = 71  # EX_OSERR

    @classmethod
    def during(cls, step: str, limit: str, undone: str, share: float) -> OutOfMemoryError:
        """The error for ``step`` (e.g. ``building fact_ticket``) under ``limit``, of which
        DuckDB had ``share``."""
        return cls(f"out of memory while {step} (engine.memory_limit is {limit}, {share:.0%} of it "
                   f"for DuckDB): raise engine.memory_limit or lower engine.threads; {undone}")  # fmt: skip
