"""Optional extras: heavy dependencies imported where used, behind one helper.

A capability with heavy dependencies (Spark, S3, the report, ...) is an extra of the package.
Its modules call :func:`load` for the third-party module they need; when it is missing, the
user gets one line naming the extra to install instead of an ``ImportError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ticketlake.errors import UsageError


def load(module: str, extra: str, needed_for: str, hint: str = "") -> ModuleType:
    """Import ``module``; if it is not installed, raise a :class:`UsageError` saying that
    ``needed_for`` needs it and how to install the ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        more = f" ({hint})" if hint else ""
        raise UsageError(
            f"{needed_for} needs {module.split('.', maxsplit=1)[0]}: pip install 'ticketlake[{extra}]'{more}"
        ) from None


def missing(*modules: str) -> list[str]:
    """Those of ``modules`` that cannot be imported."""
    absent = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            absent.append(name)
    return absent
