"""Duplicate collapse and story grouping, online, in arrival order, in bounded memory.

Three layers, each a pure decision over stored sketches (no raw text is kept):

1. **Exact identity**: canonical URL (scheme/host case, ``www.``, default ports, fragments and
   tracking parameters removed, query sorted) and a hash of the normalised text, both kept as
   64-bit hashes.  The URL hash is a key of the candidate index; identical texts (of at least
   ``MIN_TEXT_TOKENS`` words) share every band key, so the text hash is checked on the band
   candidates and needs no key of its own.
2. **Syndicated copies**, in two stages.  First the *simhash* stage: every article has a
   64-bit simhash fingerprint (``features.simhash64``, the ``simhash`` package, word
   counts as features); a ``FingerprintIndex`` (permuted tables after Manku et al. 2007:
   10 tables of 25-26 bits, lookup cost flat in the window size; the URL key rides in the
   same index) returns the stored fingerprints within ``SIMHASH_K`` bits, and a candidate
   that verification accepts is the copy (reason ``simhash``) without asking the second
   stage.  What it cannot see (spun, truncated, re-ordered and edited copies further than
   ``SIMHASH_K`` bits) falls through to one exact-key ``KeyIndex`` over MinHash-LSH band
   keys (``LSH_BANDS`` x ``LSH_ROWS``, one-permutation hashing of word 3-shingles +
   function-word skeleton 6-grams; reason ``near-dup``).
   The index is a sorted uint32 key array + a directory on the top key bits + a small
   pending dict, so lookup cost does not grow with the window.  Candidates are verified
   (``is_copy``, vectorised as ``is_copy_batch``) from bottom-k sketches: word 3-shingle
   Jaccard, or for synonym-spun copies skeleton Jaccard (spinners swap content words one for
   one and leave function words alone), or for truncated copies an asymmetric rule: the
   shorter text's opening shingles found in the longer one's opening (each article keeps
   its first ``OPENING_N`` distinct shingles exactly), with a loose containment of the
   shorter in the longer and a minimum length, so a teaser cut to 30% collapses into its
   article while a short text on the same subject (another opening) does not.
3. **Stories**: a non-duplicate article joins the story whose TF-IDF centroid (IDF from
   time-decayed online document counts; names and numbers boosted; title words included) is
   most similar, if the cosine reaches ``STORY_MIN_COSINE`` and the story was active within
   ``story_window``; else it starts a story named after itself.
   Candidate stories come from a second ``KeyIndex`` over each article's top terms.  Copies
   join their root's story and do not move centroids.  ``Deduper.consolidate`` (run after
   each poll) then revises the stories around the new articles with average-link
   clustering, so the greedy online choice can be undone; it returns the changed stories.

Memory (the daemon keeps 7 days, 100k+ articles): everything per article lives in columns
(numpy arrays grown by 1.25x): time, sizes, the shingle sketch with first-occurrence
ranks, the skeleton sketch, the story vector and the consolidation vector with float16
weights, the URL and text hashes; index keys are uint32.  Python objects per article are
only its id, root and story strings and list/dict slots.  Document frequencies live in a
fixed count-min table with exponential time decay (no per-article term lists to subtract on
eviction).  ``evict`` is a vectorised scan over the time column; when dead rows outnumber
live ones the columns and indexes are compacted (slots renumbered), so memory follows the
window, not the uptime.

Canonical rule: ``duplicate_of`` is the *family root*, the first article of the copy family
seen inside the window.  It is never re-pointed and never a chain (a copy of a copy points to
the root, even after the root itself left the window), so a ``duplicate_of`` already returned
and stored never changes (a story id may: ``consolidate`` reports each change).  Which
member is *displayed* (a ``prefer`` feed's original, then any original, then the most
complete text, then the earliest) is the digest's choice (``aggregator.digest``), not made
here.  ``DedupItem.prefer`` and ``source`` do not influence any decision here.

Persistence: ``snapshot(id)`` is ~2 KB per article (``persist``: sketches, band keys,
story and consolidation vectors, and the article's term hashes for document frequencies;
mean 1.97 KB on ecbplus-stories).
Band keys and terms are not kept in the columns, so it is taken right after ``add`` (within
``SNAPSHOT_RECENT`` articles; ``add_with_snapshot`` does both).  ``restore`` appends rows
through the same path as ``add`` and stages index keys, which the next ``add``, ``evict``
or ``consolidate`` indexes in bulk, so a restart with 100k articles takes seconds.

Modules: ``features`` (pure feature extraction, run in worker processes), ``copies`` (copy
verification), ``fingerprints`` (the simhash index), ``keyindex``, ``columns``, ``docfreq``, ``stories`` (online assignment),
``linkage`` and ``consolidate`` (story revision), ``persist`` (snapshot format),
``deduper`` (the ``Deduper``), ``batch`` (the ``aggregator cluster`` command),
``thresholds`` (every tuned number, with the data it was tuned on).
"""

from __future__ import annotations

from aggregator.dedup.batch import cluster, cluster_lines
from aggregator.dedup.copies import text_hash
from aggregator.dedup.deduper import (
    SNAPSHOT_RECENT,
    Deduper,
    DedupItem,
    DedupResult,
    article_time,
)
from aggregator.dedup.features import Features

__all__ = [
    "SNAPSHOT_RECENT",
    "DedupItem",
    "DedupResult",
    "Deduper",
    "Features",
    "article_time",
    "cluster",
    "cluster_lines",
    "text_hash",
]
