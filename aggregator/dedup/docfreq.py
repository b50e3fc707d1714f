"""Time-decayed document frequencies (IDF for story vectors) in a fixed count-min table."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aggregator.dedup.features import F32, U32
from aggregator.dedup.thresholds import DF_TABLE_BITS, IDF_PRIOR_DOCS


class DocFreq:
    """Time-decayed document frequencies in a fixed count-min table (two cells per term in
    one shared table; a term's count is the smaller of its two cells).

    An article at time ``t`` counts with weight ``exp((t - T) / tau)`` as seen from time
    ``T``; instead of decaying every cell, cells hold ``exp((t - base) / tau)`` and a query
    divides by ``exp((T - base) / tau)``.  Nothing is subtracted on eviction: an old
    article's weight fades with the half-life ``tau * ln 2``.

    Invariants, for any finite times in any order (1970, 2100, equal, reversed, far apart):

    - ``latest`` is the latest time seen by ``add`` or a query; it only moves forward.
    - ``0 <= latest - base <= RESCALE_SPAN * tau``: when a later time would break it, the
      table is rescaled (multiplied by ``exp(-(latest - base) / tau)``, which may underflow
      to 0 for far jumps: the old counts are then forgotten, as their weights say) and
      ``base`` moves to ``latest``.  So every stored weight is ``<= exp(RESCALE_SPAN)``
      (float32 cells stay finite and precise) and every exponent is bounded above.
    - A query at ``t`` is answered as of ``T = max(t, latest)``: an article dated before the
      latest one sees the counts of now, never counts "un-decayed" into the past.  The
      divisor ``exp((T - base) / tau)`` is then ``>= 1``: no division by zero, no overflow.
    - An article much older than ``base`` adds ``exp(very negative) == 0.0``: it simply
      does not count (math.exp underflows to 0 without an error).
    - Non-finite times never get here: ``Deduper.add`` refuses a non-finite clock and
      counts a non-finite publication time at the clock (``article_time``).
    """

    RESCALE_SPAN = 13.8  # weights up to e^13.8 ~ 1e6 relative to the base: float32 precise

    def __init__(self, tau: float) -> None:
        self.tau = max(float(tau), 1.0)
        self.base: float | None = None
        self.latest = -math.inf
        self.table = np.zeros(1 << DF_TABLE_BITS, dtype=np.float32)
        self.total = 0.0
        self.mask = np.uint32((1 << DF_TABLE_BITS) - 1)

    def _cells(self, terms: U32) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        a = (terms & self.mask).astype(np.intp)
        b = (((terms * np.uint32(0x9E3779B1)) >> np.uint32(32 - DF_TABLE_BITS)) & self.mask).astype(
            np.intp
        )
        return a, b

    def _advance(self, t: float) -> float:
        """Move ``latest`` to ``t`` if later (rescaling when needed); return the base."""
        if self.base is None:
            self.base = self.latest = t
        elif t > self.latest:
            self.latest = t
            span = (t - self.base) / self.tau
            if span > self.RESCALE_SPAN:
                f = math.exp(-span)  # in [0, e^-13.8): 0.0 for a jump of centuries
                self.table *= np.float32(f)
                self.total *= f
                self.base = t
        return self.base

    def _scale(self, t: float) -> float:
        """``exp((max(t, latest) - base) / tau)``: in [1, e^RESCALE_SPAN]."""
        base = self._advance(t)
        return math.exp((max(t, self.latest) - base) / self.tau)

    def add(self, terms: U32, t: float) -> None:
        base = self._advance(t)
        w = math.exp(min((t - base) / self.tau, self.RESCALE_SPAN))  # 0.0 for ancient times
        if w == 0.0:
            return
        a, b = self._cells(terms)
        # plain fancy-index adds: two terms of one article sharing a cell (p ~ 1% per
        # article at 2^20 cells) count once there, which the min over two cells absorbs
        self.table[a] += np.float32(w)
        self.table[b] += np.float32(w)
        self.total += w

    def df(self, terms: U32, t: float) -> F32:
        """Estimated (time-weighted) number of documents holding each term."""
        s = np.float32(self._scale(t))
        a, b = self._cells(terms)
        out: F32 = (np.minimum(self.table[a], self.table[b]) / s).astype(np.float32)
        return out

    def ndocs(self, t: float) -> float:
        """Time-weighted number of documents counted."""
        return self.total / self._scale(t)

    def idf(self, terms: U32, t: float) -> F32:
        df = self.df(terms, t)
        n = self.ndocs(t) + 1 + IDF_PRIOR_DOCS
        out: F32 = np.maximum(np.log(np.float32(n) / (df + np.float32(1.0))), 0.0).astype(
            np.float32
        )
        return out
