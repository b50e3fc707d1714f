"""Where a PostgreSQL state lives, as the config names it (no driver needed to hold one)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class PgTarget:
    """A ``postgresql://`` URL without a password, and the name of the environment variable
    holding the password (None: libpq's own PGPASSWORD, ~/.pgpass)."""

    url: str
    password_env: str | None = None

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The URL as shown in logs and errors: user, host, database; never a password."""
        u = urlsplit(self.url)
        host = u.hostname or "local socket"
        port = f":{u.port}" if u.port else ""
        user = f"{u.username}@" if u.username else ""
        return f"postgresql://{user}{host}{port}{u.path}"
