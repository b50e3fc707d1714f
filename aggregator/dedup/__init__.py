"""Duplicate collapse and story grouping, online, in arrival order, in bounded memory.

Three layers, each a pure decision over stored sketches (no raw text is kept):

1. **Exact identity**: canonical URL (scheme/host case, ``www.``, default ports, fragments and
   tracking parameters removed, query sorted) and a hash of the normalised text, both kept as
   64-bit hashes and looked up through the candidate index.
2. **Syndicated copies**: candidates come from one exact-key ``KeyIndex`` over MinHash-LSH
   band keys (``LSH_BANDS`` x ``LSH_ROWS``, one-permutation hashing of word 3-shingles +
   function-word skeleton 6-grams), which catches spun, truncated and re-ordered copies.
   The index is a sorted uint32 key array + a directory on the top key bits + a small
   pending dict, so lookup cost does not grow with the window.  Candidates are verified
   (``is_copy``) from bottom-k sketches: word 3-shingle Jaccard, or for synonym-spun copies
   skeleton Jaccard (spinners swap content words one for one and leave function words
   alone), or for truncated copies containment *within the opening* of the longer text (an
   article that quotes a passage from the middle of another is not a copy).
3. **Stories**: a non-duplicate article joins the story whose TF-IDF centroid (IDF from
   time-decayed online document counts; names and numbers boosted; title words included) is
   most similar, if the cosine reaches ``STORY_MIN_COSINE`` and the story was active within
   ``story_window``; else it starts a story named after itself.
   Candidate stories come from a second ``KeyIndex`` over each article's top terms.  Copies
   join their canonical's story and do not move centroids.

Memory (the daemon keeps 7 days, 100k+ articles): everything per article lives in columns
(numpy arrays grown by 1.25x): time, sizes, the shingle sketch with first-occurrence
ranks, the skeleton sketch, the top story terms with float16 weights,
the URL and text hashes; index keys are uint32.  Python objects per article are only its id
string and list/dict slots.  Document frequencies live in a fixed count-min table with
exponential time decay (no per-article term lists to subtract on eviction).  ``evict`` is a
vectorised scan over the time column; when dead rows outnumber live ones the columns and
indexes are compacted (slots renumbered), so memory follows the window, not the uptime.

Canonical rule: ``duplicate_of`` is the *family root*, the first article of the copy family
seen inside the window.  It is never re-pointed and never a chain (a copy of a copy points to
the root, even after the root itself left the window), so a ``duplicate_of`` already returned
and stored never changes.  Which member is *displayed* (a ``prefer`` feed's original, then
any original, then the most complete text, then the earliest) is the digest's choice
(``aggregator.digest``), not made here.  ``DedupItem.prefer`` and ``source`` do not
influence any decision here.

Persistence: ``snapshot(id)`` is ~1.6 KB per article (sketches, band keys, story vector and
the article's term hashes for document frequencies); ``restore`` appends rows and stages
index keys, which the next ``add``/``evict`` indexes in bulk, so a restart with 100k
articles takes seconds.
"""

from __future__ import annotations

from aggregator.dedup.batch import cluster, cluster_lines
from aggregator.dedup.copies import text_hash
from aggregator.dedup.deduper import (
    Deduper,
    DedupItem,
    DedupResult,
    article_time,
)
from aggregator.dedup.features import Features

__all__ = [
    "DedupItem",
    "DedupResult",
    "Deduper",
    "Features",
    "article_time",
    "cluster",
    "cluster_lines",
    "text_hash",
]
