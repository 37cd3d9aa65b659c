"""API keys of ``ticketlake serve``: made once, shown once, kept only as a hash.

A key is 32 random bytes from :mod:`secrets` (256 bits, written as ``tlk_`` and URL-safe
base64). The store keeps its SHA-256, never the key: a slow password hash (bcrypt, scrypt)
exists to make guessing *low-entropy* passwords expensive, and nobody can guess 256 random
bits however fast the hash, so one SHA-256 per request is as safe and costs nothing. Whoever
reads the file learns names, roles and hashes, not a key that opens the API.

The store is ``.ticketlake/api-keys.json`` in the project (beside the lake's index), readable
by its owner only, rewritten whole through a temporary file and a rename, with an advisory
lock so two ``keys add`` never lose one another's key. A revoked key stays listed (who had
access and when) and opens nothing; its name may be given to a new key.

It needs no web framework: ``ticketlake keys`` works without the ``serve`` extra.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ticketlake.errors import StorageError, TicketlakeError, UsageError

FILE = "api-keys.json"
STATE = ".ticketlake"  # the project's state folder (the lake's index lives there too)
PREFIX = "tlk_"
ROLES = ("viewer", "admin")
Role = Literal["viewer", "admin"]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


class ApiKey(BaseModel):
    """One key as stored: who it is for, what it may read, and its hash (never the key)."""

    name: str = Field(description="Who or what the key is for, unique among active keys.")
    role: Role = Field(description="viewer reads KPIs and charts; admin also ledger, "
                       "quarantine and downloads.")  # fmt: skip
    sources: list[str] | None = Field(None, description="Sources the key may read; None for all.")
    created: datetime = Field(description="When the key was made (UTC).")
    revoked: datetime | None = Field(None, description="When it was revoked; None while active.")
    sha256: str = Field(description="SHA-256 of the key, hex.")

    @property
    def active(self) -> bool:
        """Whether the key still opens the API."""
        return self.revoked is None


def digest(key: str) -> str:
    """The hash the store keeps of ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore:
    """The API keys of the project whose state folder is ``state``."""

    def __init__(self, state: Path) -> None:
        self.path = state / FILE
        self._cache: tuple[tuple[int, int, int], list[ApiKey]] | None = None

    @classmethod
    def of(cls, project_root: Path) -> KeyStore:
        """The store of the project at ``project_root``."""
        return cls(project_root / STATE)

    def add(self, name: str, role: str, sources: Sequence[str] = ()) -> tuple[ApiKey, str]:
        """Make a key for ``name``; returns its record and the key itself (shown once)."""
        if not _NAME.fullmatch(name):
            raise UsageError(f"key name {name!r}: use letters, digits and _ . @ - (up to 64)")
        if role not in ROLES:
            raise UsageError(f"--role {role!r}: choose one of {', '.join(ROLES)}")
        key = PREFIX + secrets.token_urlsafe(32)
        record = ApiKey(name=name, role=role, sources=sorted(set(sources)) or None,
                        created=datetime.now(UTC), sha256=digest(key))  # fmt: skip
        with self._changing() as keys:
            if any(k.name == name and k.active for k in keys):
                raise UsageError(f"an active key named {name!r} exists; revoke it first")
            keys.append(record)
        return record, key

    def revoke(self, name: str) -> ApiKey:
        """Revoke the active key named ``name``; it opens nothing from the next request on."""
        with self._changing() as keys:
            for i, k in enumerate(keys):
                if k.name == name and k.active:
                    keys[i] = k.model_copy(update={"revoked": datetime.now(UTC)})
                    return keys[i]
        raise UsageError(f"no active key named {name!r}; `ticketlake keys list` shows them")

    def entries(self) -> list[ApiKey]:
        """Every key, active and revoked, oldest first."""
        return list(self._read())

    def find(self, key: str) -> ApiKey | None:
        """The active key whose hash is ``key``'s, if any (compared in constant time)."""
        wanted = digest(key)
        found = None
        for k in self._read():
            if hmac.compare_digest(k.sha256, wanted) and k.active:
                found = k
        return found

    def _read(self) -> list[ApiKey]:
        """The stored keys, read again only when the file changed (revocations apply at once)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError.of(f"cannot read the API keys {self.path}", exc) from None
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # a rewrite is a new file
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self._load())
        return self._cache[1]

    def _load(self) -> list[ApiKey]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [ApiKey.model_validate(k) for k in data["keys"]]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError.of(f"cannot read the API keys {self.path}", exc) from None
        except (ValueError, KeyError, TypeError, ValidationError):
            raise TicketlakeError(f"{self.path} is damaged; move it away and add keys again"
                                  ) from None  # fmt: skip

    @contextmanager
    def _changing(self) -> Iterator[list[ApiKey]]:
        """The keys to change in the block, written back whole when it ends normally."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path.with_name(f".{FILE}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError.of(f"cannot write the API keys {self.path}", exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            keys = self._load()
            yield keys
            self._write(keys)
        finally:
            os.close(fd)

    def _write(self, keys: list[ApiKey]) -> None:
        temp = self.path.with_name(f".{FILE}.{secrets.token_hex(8)}.tmp")
        text = json.dumps({"keys": [k.model_dump(mode="json") for k in keys]}, indent=2)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text + "\n")
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise StorageError.of(f"cannot write the API keys {self.path}", exc) from None
