"""The snapshot format: one article's dedup state as bytes, stored beside the article.

``Deduper.snapshot`` encodes a row and ``Deduper.restore`` decodes it, so a restarted daemon
rebuilds its index without the texts.  Layout (little-endian): a ``HEADER`` (version, flags,
time, URL and text hashes, sizes, the lengths of every part), the root and story ids and
an unused third string (UTF-8), then the arrays: shingle sketch (uint32) and positions
(uint8), skeleton sketch (uint32), LSH band keys (uint32), story vector terms (uint32) and
weights (float16), the article's terms for document frequencies (uint32), and the
consolidation vector's terms (uint32) and weights (float16), and (version 4) the opening
shingles (uint32), with the simhash fingerprint and the opening's length at the end of the
header.  ~2.2 KB per article.  Versions 2 (no consolidation vector) and 3 (no simhash, no
opening: such a row is simply not found by the simhash stage or the truncation rule) are
still read; version 1 (whole shingle sets) is not.  The snapshot is the article's
``dedup_state`` column: the fingerprint is stored with the article without a schema change.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

import numpy as np

from aggregator.dedup.columns import F16, Row
from aggregator.dedup.features import U32, BlobReader

HEADER_V2 = struct.Struct("<BBdQQIIIHHHHHHHH")
# version, flags, time, urlh, thash, ntokens, nshingles, nskel,
# len sketch, len skel, len bands, len vector, len terms(df), 3 string lengths
HEADER_V3 = struct.Struct("<BBdQQIIIHHHHHHHHH")  # version 3: + len consolidation vector
HEADER = struct.Struct("<BBdQQIIIHHHHHHHHHQH")  # version 4: + simhash, len opening
VERSION = 4
_HEADERS = {2: HEADER_V2, 3: HEADER_V3, VERSION: HEADER}


class Stored(NamedTuple):
    """One article's snapshot, decoded: its row and what the columns do not keep."""

    row: Row
    root: str | None  # the family root when the article is a copy
    story: str
    bands: U32  # LSH band keys (copy index)
    dfterms: U32  # all content terms (document frequencies); empty for a copy
    cterms: U32  # consolidation vector (empty for a copy or a version 2 snapshot)
    cvals: F16


def encode(s: Stored) -> bytes:
    r = s.row
    strs = [x.encode() for x in (s.root or "", s.story, "")]
    head = HEADER.pack(
        VERSION,
        int(s.root is not None),
        r.time,
        r.urlh,
        r.thash,
        r.ntokens,
        r.nshingles,
        r.nskel,
        len(r.sketch),
        len(r.skel),
        len(s.bands),
        len(r.vterms),
        len(s.dfterms),
        *(len(x) for x in strs),
        len(s.cterms),
        r.simhash,
        len(r.opening),
    )
    arrays = (
        r.sketch, r.pos, r.skel, s.bands, r.vterms, r.vvals, s.dfterms, s.cterms, s.cvals,
        r.opening,
    )  # fmt: skip
    return head + b"".join(strs) + b"".join(a.tobytes() for a in arrays)


def decode(blob: bytes) -> Stored | None:
    """The snapshot in ``blob`` (arrays are read-only views into it); None for a blob of an
    unknown or older format (version 1: whole shingle sets)."""
    header = _HEADERS.get(blob[0]) if blob else None
    if header is None:
        return None
    (ver, isdup, t, urlh, thash, ntok, nsh, nsk, ks, kk, nb, kv, nt, *lens) = header.unpack_from(
        blob
    )
    fp, nopen = (lens.pop(-2), lens.pop()) if ver >= 4 else (0, 0)
    ncons = lens.pop() if ver >= 3 else 0
    pos = header.size
    strs = []
    for n in lens:
        strs.append(blob[pos : pos + n].decode())
        pos += n
    rd = BlobReader(blob, pos)
    sketch, spos, skel = rd.take(np.uint32, ks), rd.take(np.uint8, ks), rd.take(np.uint32, kk)
    bands = rd.take(np.uint32, nb)
    vterms, vvals = rd.take(np.uint32, kv), rd.take(np.float16, kv)
    dfterms = rd.take(np.uint32, nt)
    cterms, cvals = rd.take(np.uint32, ncons), rd.take(np.float16, ncons)
    row = Row(
        time=t, is_root=not isdup, urlh=urlh, thash=thash, nshingles=nsh, nskel=nsk,
        ntokens=ntok, sketch=sketch, pos=spos, skel=skel, vterms=vterms, vvals=vvals,
        opening=rd.take(np.uint32, nopen), simhash=fp,
    )  # fmt: skip
    return Stored(
        row=row, root=strs[0] if isdup else None, story=strs[1], bands=bands,
        dfterms=dfterms, cterms=cterms, cvals=cvals,
    )  # fmt: skip
