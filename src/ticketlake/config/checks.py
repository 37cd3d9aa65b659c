"""Value checks shared by several settings."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticketlake.config.defaults import DATE_DIRECTIVES, SCHEME


def check_location(value: str, schemes: tuple[str, ...]) -> str:
    """Accept a plain path or a URI whose scheme is in ``schemes``."""
    if not value.strip():
        raise ValueError("must not be empty")
    match = SCHEME.match(value)
    if match and not schemes:
        raise ValueError("must be a local path, not a URI")
    if match and match.group(1).lower() not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ValueError(f"unsupported scheme '{match.group(1)}://' (use a path or {allowed})")
    if match and match.group(1).lower() == "s3" and not value[5:].strip("/"):
        raise ValueError("an s3:// location needs a bucket, e.g. s3://bucket/prefix")
    return value


# What a path can be, tested in this order on its (link-followed) mode.
_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISREG, "a file"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def path_kind(path: Path) -> str | None:
    """What is at ``path`` (``a folder``, ``a file``, ``a character device``...), links
    followed; None when nothing is there or it cannot be looked at."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return mode_kind(mode)


def mode_kind(mode: int) -> str:
    """``a folder``, ``a file``, ``a named pipe``... for an ``st_mode``."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def check_folder(path: Path) -> str | None:
    """Why ``path`` can never be a folder ticketlake uses or creates, or None."""
    kind = path_kind(path)
    if kind is None:
        return _blocked(path)
    return None if kind == "a folder" else f"{path} is not a folder (it is {kind})"


def check_file(path: Path) -> str | None:
    """Why ``path`` can never be a file ticketlake writes and reads, or None."""
    kind = path_kind(path)
    if kind is None:
        return _blocked(path)
    if kind == "a folder":
        return f"{path} is a folder, not a file"
    return None if kind == "a file" else f"{path} is not a regular file (it is {kind})"


def _blocked(path: Path) -> str | None:
    """For a ``path`` that does not exist: the nearest existing ancestor, if it is not a
    folder (then nothing can ever be created there)."""
    for parent in path.parents:
        kind = path_kind(parent)
        if kind is not None:
            return None if kind == "a folder" else f"{path}: {parent} is not a folder"
    return None


def check_timezone(value: str | None) -> str | None:
    """Accept an IANA time zone name such as ``Europe/Berlin``."""
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        msg = f"unknown time zone '{value}' (use an IANA name such as Europe/Berlin)"
        raise ValueError(msg) from None
    return value


def is_offset(text: str) -> bool:
    """Whether ``text`` is a UTC offset such as ``+01:00`` or ``-0530``."""
    digits = text[1:].replace(":", "")
    return len(text) >= 3 and text[0] in "+-" and digits.isdigit() and len(digits) in (2, 4)


def check_zone_name(value: str) -> str:
    """Accept a UTC offset (``+01:00``) or an IANA time zone name (``Europe/Paris``)."""
    if is_offset(value):
        return value
    if check_timezone(value) is None:
        raise ValueError("must not be empty")
    return value


def check_date_format(value: str | None) -> str | None:
    """Accept a strftime pattern made of supported directives that contains a date part."""
    if value is None:
        return None
    for directive in re.findall(r"%(.?)", value):
        if not directive or directive not in DATE_DIRECTIVES:
            allowed = " ".join(f"%{d}" for d in DATE_DIRECTIVES)
            raise ValueError(f"unsupported directive '%{directive}' (allowed: {allowed})")
    if not re.search(r"(?<!%)(%%)*%[Yyd]", value):
        raise ValueError("must contain a date part: %Y, %y or %d")
    return value


def string_keys(value: Any) -> Any:
    """Turn YAML keys such as ``1`` into strings so ``1: P1`` means the same as ``'1': P1``."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


def casefold_lookup(mapping: Mapping[str, str], what: str) -> dict[str, str]:
    """Index ``mapping`` by stripped, case-folded key; reject such keys with different values."""
    lookup: dict[str, str] = {}
    for key, value in mapping.items():
        folded = key.strip().casefold()
        if lookup.get(folded, value) != value:
            raise ValueError(f"{what} '{key}' is listed twice with different values")
        lookup[folded] = value
    return lookup
