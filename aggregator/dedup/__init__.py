"""Duplicate collapse and story grouping: ``deduper`` (the index and its decisions) and
``features`` (pure feature extraction, run in worker processes)."""

from aggregator.dedup.deduper import *  # noqa: F403  (the module's public names, as before)
from aggregator.dedup.features import Features as Features
