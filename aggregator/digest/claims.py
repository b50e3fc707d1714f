"""One digest per profile, recipient and scheduled moment across several workers sharing one
database.

Every worker's cron fires at a profile's ``send_at``; each (profile, recipient) digest of that
moment is claimed in the store (``Store.claim``, a row in ``claims``) and only the worker
holding the claim builds and sends it. The exactly-once rules inside a send are unchanged (the
in-flight journal, marks after the server's acceptance). A sent digest finishes the claim for
good; a failed one releases it, so the owner's retry (or any worker's after a restart) may
claim it again; a worker killed while sending holds it until ``DIGEST_CLAIM`` has passed. On
an SQLite store (one daemon) the digest runs as before, without claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aggregator.config import Config
from aggregator.digest.deliver import LOCAL_RECIPIENT, DigestOutcome, run_digests
from aggregator.digest.schedule import last_scheduled
from aggregator.store import Store

DIGEST_CLAIM = 1800.0  # seconds a worker may take to send one digest before another may try


def claim_name(profile: str, recipient: str, scheduled: datetime) -> str:
    return f"digest:{profile}:{recipient}:{scheduled.isoformat()}"


def run_claimed_digests(
    config: Config, store: Store, *, now: datetime, profiles: Sequence[str] | None = None
) -> list[DigestOutcome]:
    """``run_digests`` for the (profile, recipient) digests of each profile's latest scheduled
    moment that this worker claimed (all of them on an unshared store)."""
    if not store.shared:
        return run_digests(config, store, now=now, profiles=profiles)
    outcomes: list[DigestOutcome] = []
    for p in config.readers():
        if profiles is not None and p.name not in profiles:
            continue
        scheduled = last_scheduled(now, p.send_at, p.timezone, days=p.days)
        names = {r: claim_name(p.name, r, scheduled) for r in (p.to or [LOCAL_RECIPIENT])}
        mine = [r for r, n in names.items() if store.claim(n, store.owner, now, DIGEST_CLAIM)]
        if not mine:
            continue
        got = run_digests(config, store, now=now, recipients=mine, profiles=[p.name])
        failed = {o.recipient for o in got if o.failed}
        for r in mine:
            store.finish_claim(names[r], store.owner, done=r not in failed, now=now)
        outcomes += got
    return outcomes
