"""Enrichment: full text for teasers, in-article boilerplate removal, HTML sanitizing.

* :mod:`aggregator.enrich.extract`: teaser decision, trafilatura on fetched pages, feed HTML
  split into blocks, rendering of the kept blocks.
* :mod:`aggregator.enrich.clean`: the cleaning decision over blocks (pure).
* :mod:`aggregator.enrich.sanitize`: the allowlist sanitizer for anything that reaches a mail.
* :mod:`aggregator.enrich.enricher`: the stage itself: takes stored articles, runs the above
  in worker processes, deduplicates them (it owns the dedup index) and stores the results.
"""
