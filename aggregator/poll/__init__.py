"""Polling: fetch a feed (guarded HTTP), parse its bytes.

``fetch``  the pure fetch decisions (classification, next check, address policy) and the
           ``Fetcher`` shell; ``parse``  feed bytes -> ``ParsedFeed``.
"""
