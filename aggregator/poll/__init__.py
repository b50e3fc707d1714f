"""Polling: fetch a feed (guarded HTTP), parse its bytes.

``fetch``  the pure fetch decisions (classification, next check, address policy) and the
           ``Fetcher`` shell; ``http``  the address guard and our HTTP/1.1 keep-alive client;
           ``parse``  feed bytes -> ``ParsedFeed``; ``decide``  the pure per-feed decision
           (which entries are new or changed, the feed's next state) as a ``PollIntent``
           that the store applies in one transaction.
"""
