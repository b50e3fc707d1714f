"""One digest per recipient and scheduled moment across several workers sharing one database.

Every worker's cron fires at ``send_at``; each recipient's digest of that moment is claimed in
the store (``Store.claim``, a row in ``claims``) and only the worker holding the claim builds
and sends it. The exactly-once rules inside a send are unchanged (the in-flight journal, marks
after the server's acceptance). A sent digest finishes the claim for good; a failed one releases
it, so the owner's retry (or any worker's after a restart) may claim it again; a worker killed
while sending holds it until ``DIGEST_CLAIM`` has passed. On an SQLite store (one daemon) the
digest runs as before, without claims.
"""

from __future__ import annotations

from datetime import datetime

from aggregator.config import Config
from aggregator.digest.deliver import LOCAL_RECIPIENT, DigestOutcome, run_digests
from aggregator.digest.schedule import last_scheduled
from aggregator.store import Store

DIGEST_CLAIM = 1800.0  # seconds a worker may take to send one digest before another may try


def claim_name(recipient: str, scheduled: datetime) -> str:
    return f"digest:{recipient}:{scheduled.isoformat()}"


def run_claimed_digests(config: Config, store: Store, *, now: datetime) -> list[DigestOutcome]:
    """``run_digests`` for the recipients whose digest of the latest scheduled moment this
    worker claimed (all of them on an unshared store)."""
    if not store.shared:
        return run_digests(config, store, now=now)
    d = config.digest
    scheduled = last_scheduled(now, d.send_at, d.timezone)
    mine = [
        r
        for r in (d.to or [LOCAL_RECIPIENT])
        if store.claim(claim_name(r, scheduled), store.owner, now, DIGEST_CLAIM)
    ]
    if not mine:
        return []
    outcomes = run_digests(config, store, now=now, recipients=mine)
    failed = {o.recipient for o in outcomes if o.failed}
    for r in mine:
        store.finish_claim(claim_name(r, scheduled), store.owner, done=r not in failed, now=now)
    return outcomes
