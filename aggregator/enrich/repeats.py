"""Repetition within a feed or a site: near-copies of one block are that source's boilerplate.

An outlet that ends every item with the same appeal, or every article page with the same
author box, repeats one block under unrelated articles. Real reporting does not. This module
finds such blocks (``learn``) in the articles of one site, and removes them again
(``removals``, ``apply_rules``, ``drop_from_stored``), together with a feed's own
``keep_blocks`` / ``drop_blocks`` patterns. Pure: no I/O; the enricher and the ``extract``
command feed it.

Near-copies
-----------
Blocks are compared by their sets of word 3-shingles, after :func:`clean.normalise` (case,
punctuation, digits folded) and after links, e-mail addresses and @handles are replaced by one
token: so an appeal whose name, link, handle or date changes from item to item is still the
same block. Two blocks match (:func:`near`) when the Jaccard overlap of their shingles is at
least ``NEAR_JACCARD``, or when one block's shingles lie almost all (``NEAR_CONTAINED``) inside
a learned block (a page that splits the appeal into two paragraphs).

Learning (``learn``)
--------------------
The blocks of a group of articles of one site (the new ones of an enrichment chunk, with the
site's recent stored ones; or the files of one site given to ``extract``) are clustered by
near-copy. Then:

* **Independent articles**: two articles whose *cores* (the blocks left after peeling the
  repeated edges) share more than half of their blocks are copies of one story (a syndicated
  or revised copy) and count once, so a story and its copy never teach each other their last
  paragraph.
* **Edge** (head or tail run of repeated blocks, peeled from the end and from the start):
  a block is learned when it is at the edge in ``EDGE_MIN_ARTICLES`` (2) independent articles
  and is at least ``PAIR_MIN_CHARS`` long, or in 3 articles when shorter; it is then removed
  only by peeling, from the edges of later articles.
* **Anywhere**: a block in the middle needs ``ANY_MIN_ARTICLES`` (3) independent articles and
  at least ``ANY_MIN_SHARE`` of the group: a quotation repeated in two stories is kept.

The thresholds and their reasons are with the constants; ``docs/decisions.md`` has the case.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from aggregator.enrich.clean import LEARN_MIN_CHARS, Block, CleanResult, block_hash, normalise
from aggregator.types import LearnedBlock

# ---- thresholds ------------------------------------------------------------------------------

# Word shingle size. 3 words: long enough that two unrelated sentences share few shingles,
# short enough that one changed word (a name) changes only 3 shingles of an appeal's ~60.
SHINGLE_WORDS = 3
# Jaccard overlap of shingle sets at which two blocks are one block. A four-sentence appeal
# (~60 shingles) with a different name, link and date in it keeps ~0.8; two different
# sentences on one topic share well under 0.2. 0.6 leaves room for a changed clause.
NEAR_JACCARD = 0.6
# A block whose shingles lie this much inside a learned block (a part of it: the page split
# the appeal into paragraphs) is that block, when it has at least NEAR_CONTAINED_MIN shingles
# (a short line contained in an appeal is not evidence enough).
NEAR_CONTAINED = 0.8
NEAR_CONTAINED_MIN = 6
# At the edge, two independent articles are enough for a block this long: a bio box or an
# appeal runs to a sentence or more (the fixture bios are 120-200 chars), while a short
# closing line ("The trial continues on Monday.") can legitimately end two stories of a
# series; shorter blocks (LEARN_MIN_CHARS and up) need ANY_MIN_ARTICLES even at the edge.
EDGE_MIN_ARTICLES = 2
PAIR_MIN_CHARS = 80
# In the middle of articles a block needs this many independent articles, and this share of
# the group: two stories may quote the same statement, a follow-up a third time, but a block
# in half of a site's recent articles is its template.
ANY_MIN_ARTICLES = 3
ANY_MIN_SHARE = 0.5
# Two articles are copies of one story when their cores share more than this share of the
# smaller core's blocks.
COPY_SHARE = 0.5
# Learned blocks kept per site (the most seen win), and the characters of one that are kept.
MAX_LEARNED_PER_SITE = 40
MAX_LEARNED_CHARS = 2000

# ---- near-copy matching ----------------------------------------------------------------------

_VARYING = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|@\w+", re.IGNORECASE)


Shingle = tuple[str, ...]


@functools.lru_cache(maxsize=16384)
def shingles(text: str) -> frozenset[Shingle]:
    """The word 3-shingles of a block (links, addresses, @handles as one token ``_l``)."""
    if "@" in text or "http" in text or "www." in text:
        text = _VARYING.sub(" _l ", text)
    words = normalise(text).split()
    if len(words) <= SHINGLE_WORDS:
        return frozenset((tuple(words),)) if words else frozenset()
    return frozenset(zip(words, words[1:], words[2:], strict=False))


# Clustering finds candidates through an index of a sample of each block's shingles (about
# one in INDEX_SAMPLE, all of them for short blocks), then checks the real overlap: two blocks
# with a Jaccard of 0.6 share far more shingles than the sample needs to meet.
INDEX_SAMPLE = 4
INDEX_ALL_BELOW = 16


def _sample(s: frozenset[Shingle]) -> Iterable[Shingle]:
    if len(s) < INDEX_ALL_BELOW:
        return s
    return [sh for sh in s if hash(sh) % INDEX_SAMPLE == 0] or s


def learnable(text: str) -> bool:
    """Long enough to be learned or matched (short lines: headings, "Photo", "Share")."""
    return len(text.strip()) >= LEARN_MIN_CHARS and bool(shingles(text))


def near(text: str, learned: str) -> bool:
    """``text`` is ``learned`` or a near-copy or a large part of it (see the module doc)."""
    if not learnable(text) or not learnable(learned):
        return False
    a, b = shingles(text), shingles(learned)
    shared = len(a & b)
    if not shared:
        return False
    if shared / (len(a) + len(b) - shared) >= NEAR_JACCARD:
        return True
    return len(a) >= NEAR_CONTAINED_MIN and shared / len(a) >= NEAR_CONTAINED


# ---- rules: what a feed's articles lose ------------------------------------------------------

# A teaser line is short; a headline of fewer words than this may be a section heading too
# ("Weather", "Sports results") and is not used.
HEADLINE_MAX_CHARS = 200
HEADLINE_MIN_WORDS = 4


def headline_keys(titles: Iterable[str | None]) -> frozenset[str]:
    """The normalised headlines of ``titles`` that are long enough to identify a story."""
    keys = (normalise(t) for t in titles if t)
    return frozenset(k for k in keys if len(k.split()) >= HEADLINE_MIN_WORDS)


@dataclass(frozen=True)
class BlockRules:
    """A site's learned blocks and a feed's ``keep_blocks`` / ``drop_blocks`` patterns.

    Keep wins over everything (learned, detectors, drop); drop removes a block anywhere."""

    learned: tuple[LearnedBlock, ...] = ()
    keep: tuple[re.Pattern[str], ...] = ()
    drop: tuple[re.Pattern[str], ...] = ()
    # normalised headlines of the site's other articles (``headline_keys``): a block that is
    # only one of them (or its URL slug) is a teaser of another story
    headlines: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.learned or self.keep or self.drop or self.headlines)

    def teaser(self, text: str) -> bool:
        """``text`` is nothing but another article's headline (case, punctuation, hyphens of a
        slug and digits aside)."""
        return len(text) <= HEADLINE_MAX_CHARS and normalise(text) in self.headlines

    def keeps(self, text: str) -> bool:
        return any(p.search(text) for p in self.keep)

    def drops(self, text: str) -> bool:
        return any(p.search(text) for p in self.drop)

    def learned_hit(self, text: str, *, edge: bool) -> bool:
        """A learned block matches ``text``; edge-learned ones only count with ``edge``."""
        return any((edge or not lb.edge) and near(text, lb.text) for lb in self.learned)


def removals(texts: Sequence[str], rules: BlockRules) -> list[str | None]:
    """Per block, why ``rules`` remove it (``drop_blocks``, ``learned``) or None.

    ``drop_blocks`` and blocks learned "anywhere" go wherever they are; edge-learned blocks
    are peeled from the end and from the start (short blocks are stepped over, not removed).
    Learned blocks never take the whole article; a ``keep_blocks`` match is never removed."""
    n = len(texts)
    reason: list[str | None] = [None] * n
    keep = [rules.keeps(t) for t in texts] if rules.keep else [False] * n
    for i, t in enumerate(texts):
        if keep[i]:
            continue
        if rules.drop and rules.drops(t):
            reason[i] = "drop_blocks"
        elif rules.learned and rules.learned_hit(t, edge=False):
            reason[i] = "learned"
        elif rules.headlines and rules.teaser(t):
            reason[i] = "headline"
    if rules.learned:
        for order in (range(n - 1, -1, -1), range(n)):
            _peel(texts, order, reason, keep, rules)
    if all(r is not None for r in reason):
        reason = [None if r in ("learned", "headline") else r for r in reason]
    return reason


def _peel(
    texts: Sequence[str],
    order: Iterable[int],
    reason: list[str | None],
    keep: Sequence[bool],
    rules: BlockRules,
) -> None:
    """Walk in from one edge removing learned blocks; a short block (too short to be learned)
    is stepped over, and removed when a learned block further in is removed: it sat inside
    the site's template (a one-line sentence of a four-line appeal, a "Thanks!")."""
    short: list[int] = []
    for k in order:
        if keep[k]:
            break
        if reason[k] is None and not learnable(texts[k]):
            short.append(k)
            continue
        if reason[k] is None and not rules.learned_hit(texts[k], edge=True):
            break
        if reason[k] in (None, "learned"):
            reason[k] = "learned"
            for s in short:
                reason[s] = "learned"
            short.clear()


# Detector reasons a keep pattern does not undo (the title is kept apart, not dropped).
_NOT_RESTORED = frozenset({"title", "empty"})


def apply_rules(blocks: Sequence[Block], result: CleanResult, rules: BlockRules) -> CleanResult:
    """``result`` (of ``clean_structured(blocks)``) with ``rules`` applied: blocks a keep
    pattern matches come back, then ``removals`` decides over the kept ones."""
    if not rules:
        return result
    why: dict[int, str] = {}
    kept_set = set(result.kept_indices)
    removed = iter(result.removed)
    for i in range(len(blocks)):
        if i not in kept_set:
            why[i] = next(removed)[0]
    candidates = [
        i
        for i in range(len(blocks))
        if i in kept_set
        or (rules.keep and why[i] not in _NOT_RESTORED and rules.keeps(blocks[i].text))
    ]
    for i in candidates:
        why.pop(i, None)
    for i, r in zip(candidates, removals([blocks[i].text for i in candidates], rules), strict=True):
        if r is not None:
            why[i] = r
    idx = tuple(i for i in range(len(blocks)) if i not in why)
    return CleanResult(
        kept=tuple(blocks[i] for i in idx),
        removed=tuple((why[i], blocks[i].text) for i in sorted(why)),
        kept_indices=idx,
    )


def drop_from_stored(
    text: str, html: str, rules: BlockRules, exact: frozenset[str] = frozenset()
) -> tuple[str, str]:
    """Apply ``rules`` (and exactly learned block hashes ``exact``) to a stored article:
    ``text`` one block per line, ``html`` its top-level elements one block each."""
    lines = text.split("\n")
    texts = [ln.removeprefix("- ") for ln in lines]
    reason: list[str | None] = removals(texts, rules) if rules else [None] * len(lines)
    for i, t in enumerate(texts):
        if (
            reason[i] is None
            and exact
            and len(t) >= LEARN_MIN_CHARS
            and block_hash(t) in exact
            and not rules.keeps(t)
        ):
            reason[i] = "learned"
    gone = {normalise(t) for t, r in zip(texts, reason, strict=True) if r is not None and t.strip()}
    kept_lines = [ln for ln, r in zip(lines, reason, strict=True) if r is None]
    if not gone or not any(ln.strip() for ln in kept_lines):
        return text, html  # nothing to remove, or it would leave no article at all
    return "\n".join(kept_lines), _drop_html_blocks(html, gone)


def _drop_html_blocks(html: str, gone: set[str]) -> str:
    """``html`` without the top-level elements whose normalised text is in ``gone``."""
    from lxml import html as lxml_html

    try:
        parts = lxml_html.fragments_fromstring(html) if html.strip() else []
    except Exception:  # lxml on odd markup: keep the stored HTML rather than lose the article
        return html
    kept = []
    for part in parts:
        if isinstance(part, str):
            kept.append(escape(part))
            continue
        if normalise(part.text_content()) in gone:
            continue
        if part.tag in ("ul", "ol"):  # list items are blocks (text lines "- item") of their own
            for li in [c for c in part if normalise(c.text_content()) in gone]:
                part.remove(li)
            if not len(part):
                continue
        kept.append(lxml_html.tostring(part, encoding="unicode"))
    return "".join(kept) if parts else html


# ---- learning --------------------------------------------------------------------------------


@dataclass
class _Cluster:
    text: str  # the first block seen (its representative)
    shingles: frozenset[Shingle]
    docs: set[int]


def _cluster(docs: Sequence[Sequence[str | None]]) -> tuple[list[list[int | None]], list[_Cluster]]:
    """Assign every learnable block a cluster id (near-copies share one; None: not learnable)."""
    clusters: list[_Cluster] = []
    index: dict[Shingle, list[int]] = {}
    out: list[list[int | None]] = []
    for d, blocks in enumerate(docs):
        ids: list[int | None] = []
        for b in blocks:
            if b is None or not learnable(b):
                ids.append(None)
                continue
            s = shingles(b)
            keys = _sample(s)
            counts = Counter(c for sh in keys for c in index.get(sh, ()))
            best = None
            for c, _ in counts.most_common(8):
                other = clusters[c].shingles
                shared = len(s & other)
                if shared / (len(s) + len(other) - shared) >= NEAR_JACCARD:
                    best = c
                    break
            if best is None:
                best = len(clusters)
                clusters.append(_Cluster(b, s, set()))
                for sh in keys:
                    index.setdefault(sh, []).append(best)
            clusters[best].docs.add(d)
            ids.append(best)
        out.append(ids)
    return out, clusters


def _edges(ids: Sequence[int | None], repeated: set[int]) -> set[int]:
    """Positions of the head and tail runs of repeated clusters (stepping over unlearnable
    blocks); empty when the runs would cover every learnable block (a copy of another
    article, not a template around one)."""
    pos: set[int] = set()
    for order in (range(len(ids) - 1, -1, -1), range(len(ids))):
        for k in order:
            c = ids[k]
            if c is None:
                continue
            if c not in repeated:
                break
            pos.add(k)
    if len(pos) >= sum(1 for c in ids if c is not None):
        return set()
    return pos


def _independent(cores: Sequence[set[int]]) -> list[int]:
    """A representative per article: articles whose cores share more than ``COPY_SHARE`` of
    the smaller core are copies of one story and get the same one (union-find)."""
    root = list(range(len(cores)))

    def find(d: int) -> int:
        while root[d] != d:
            root[d] = root[root[d]]
            d = root[d]
        return d

    holders: dict[int, list[int]] = {}
    for d, core in enumerate(cores):
        for c in core:
            holders.setdefault(c, []).append(d)
    for d, core in enumerate(cores):
        shared = Counter(o for c in core for o in holders[c] if o > d)
        for o, n in shared.items():
            if n > COPY_SHARE * min(len(core), len(cores[o])):
                root[find(o)] = find(d)
    return [find(d) for d in range(len(cores))]


def learn(
    docs: Sequence[Sequence[str | None]], known: Sequence[LearnedBlock] = ()
) -> list[LearnedBlock]:
    """The blocks that recur across ``docs`` (the articles of one site, each its blocks in
    order; None for a block that must not be learned, e.g. a ``keep_blocks`` match) and are
    not ``known`` yet; see the module docstring for the rule."""
    ids, clusters = _cluster(docs)
    repeated = {c for c, cl in enumerate(clusters) if len(cl.docs) >= 2}
    if not repeated:
        return []
    edges = [_edges(row, repeated) for row in ids]
    cores = [
        {c for k, c in enumerate(row) if c is not None and k not in edge}
        for row, edge in zip(ids, edges, strict=True)
    ]
    rep = _independent(cores)
    groups = len(set(rep))
    # the edges again, now that copies of one story count once: what they share is not
    # repeated any more, so their own repeated tail (a bio under both) is at their edge
    repeated = {c for c in repeated if len({rep[d] for d in clusters[c].docs}) >= 2}
    at_edge: dict[int, set[int]] = {}
    for d, row in enumerate(ids):
        for k in _edges(row, repeated):
            at_edge.setdefault(row[k], set()).add(rep[d])  # type: ignore[arg-type]
    out = []
    for c in sorted(repeated):
        cl = clusters[c]
        n_all = len({rep[d] for d in cl.docs})
        n_edge = len(at_edge.get(c, ()))
        anywhere = n_all >= ANY_MIN_ARTICLES and n_all >= ANY_MIN_SHARE * groups
        edge_ok = 2 * n_edge >= n_all and (
            n_edge >= ANY_MIN_ARTICLES
            or (n_edge >= EDGE_MIN_ARTICLES and len(cl.text) >= PAIR_MIN_CHARS)
        )
        if not (anywhere or edge_ok) or any(near(cl.text, k.text) for k in known):
            continue
        text = cl.text[:MAX_LEARNED_CHARS]
        out.append(LearnedBlock(text=text, articles=n_all, edge=not anywhere))
    return out


def preview(text: str, limit: int = 80) -> str:
    """A learned block's first words, for ``status``."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
