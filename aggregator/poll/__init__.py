"""Polling: fetch a feed (guarded HTTP), parse its bytes.

``fetch``  the pure fetch decisions (classification, next check, address policy) and the
           ``Fetcher`` shell; ``http``  the address guard and our HTTP/1.1 keep-alive client;
           ``parse``  feed bytes -> ``ParsedFeed``.
"""
