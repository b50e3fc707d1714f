"""State: all SQL of the daemon lives in this package.

* ``interface``   ``StateStore``: every method the stages call, typed (a PostgreSQL store
                  implements the same protocol later, without touching the stages)
* ``migrations``  the schema as numbered migrations (append; never edit a released one)
* ``records``     the rows the store hands out and takes in; ``ENRICH_*`` flags
* ``sqlite``      ``Store``: the SQLite implementation (``sqlite_poll``: its feeds and poll
                  writes, ``connection``: opening, transactions, meta)
* ``postgres``    ``PostgresStore``: the same queries on a psycopg pool, for several workers
                  (``postgres_db``: pool, dialect, migrations; ``target``: the URL;
                  ``copy``: ``aggregator migrate --to``); ``open_store`` picks by config
"""

from aggregator.store.interface import StateStore
from aggregator.store.migrations import MIGRATIONS
from aggregator.store.records import (
    ENRICH_DONE,
    ENRICH_KIND,
    ENRICH_NEW,
    ENRICH_SUMMARY_ONLY,
    ENRICH_UPDATE,
    ArticleRow,
    DigestRecord,
    PendingArticle,
    RawArticle,
    SetAside,
)
from aggregator.store.sqlite import Store
from aggregator.types import ExistingEntry


def _conforms(store: Store) -> StateStore:
    """mypy checks here that the SQLite store implements the whole protocol."""
    return store


__all__ = [
    "ENRICH_DONE",
    "ENRICH_KIND",
    "ENRICH_NEW",
    "ENRICH_SUMMARY_ONLY",
    "ENRICH_UPDATE",
    "MIGRATIONS",
    "ArticleRow",
    "DigestRecord",
    "ExistingEntry",
    "PendingArticle",
    "RawArticle",
    "SetAside",
    "StateStore",
    "Store",
]
