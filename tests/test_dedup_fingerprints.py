"""Properties of the simhash first stage: fingerprints and the Hamming-distance index.

``FingerprintIndex.near`` must return every stored fingerprint within ``k`` bits of the
query (permuted tables: pigeonhole over blocks) and never one farther away (the stored
column is checked by XOR-popcount, so a colliding 32-bit table key never slips through).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.dedup import Deduper, DedupItem
from aggregator.dedup import features as tf
from aggregator.dedup.fingerprints import FingerprintIndex, hamming, table_keys, table_masks

U64S = st.integers(min_value=0, max_value=2**64 - 1)


@settings(max_examples=300)
@given(blocks_k=st.sampled_from([(4, 1), (5, 3), (8, 4)]), fps=st.lists(U64S, max_size=20))
def test_one_fingerprints_keys_equal_the_vectorised_table_keys(
    blocks_k: tuple[int, int], fps: list[int]
) -> None:
    """``key_list`` (Python ints, one fingerprint, what ``add`` uses) gives ``table_keys``."""
    ix = FingerprintIndex(k=blocks_k[1], blocks=blocks_k[0])
    want = table_keys(np.array(fps, dtype=np.uint64), ix.masks).tolist() if fps else []
    assert [ix.key_list(fp) for fp in fps] == want


def flip(fp: int, bits: list[int]) -> int:
    for b in bits:
        fp ^= 1 << b
    return fp


@settings(max_examples=200)
@given(
    blocks_k=st.sampled_from([(4, 1), (5, 2), (6, 3), (7, 3), (8, 4)]),
    a=U64S,
    bits=st.lists(st.integers(min_value=0, max_value=63), max_size=8, unique=True),
)
def test_some_table_agrees_on_any_pair_within_k(
    blocks_k: tuple[int, int], a: int, bits: list[int]
) -> None:
    blocks, k = blocks_k
    masks = table_masks(blocks, k)
    b = flip(a, bits)
    agree = [((a ^ b) & int(m)) == 0 for m in masks]
    if len(bits) <= k:
        assert any(agree)  # the pigeonhole the index relies on


@settings(max_examples=100, deadline=None)
@given(
    stored=st.lists(U64S, min_size=1, max_size=60),
    near=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=59),
            st.lists(st.integers(min_value=0, max_value=63), max_size=6, unique=True),
        ),
        max_size=30,
    ),
    query=U64S,
    k=st.integers(min_value=0, max_value=5),
)
def test_near_finds_every_fingerprint_within_k_and_nothing_farther(
    stored: list[int], near: list[tuple[int, list[int]]], query: int, k: int
) -> None:
    # plant fingerprints at known distances from the query, among random ones
    fps = list(stored) + [flip(query, bits) for _, bits in near]
    col = np.array(fps, dtype=np.uint64)
    ix = FingerprintIndex(k=k, blocks=k + 3, cap=len(fps) + 1)
    half = len(fps) // 2
    for slot, fp in enumerate(fps[:half]):  # one by one (pending dict) ...
        ix.add(slot, fp)
    ix.extend(col[half:], np.arange(half, len(fps), dtype=np.int32))  # ... and in bulk
    got, dist = ix.near(query, col)
    want = {i for i, fp in enumerate(fps) if bin(fp ^ query).count("1") <= k}
    assert set(got.tolist()) == want
    assert (dist == hamming(col[got], query)).all() and (dist <= k).all()


@settings(max_examples=50, deadline=None)
@given(word=st.text(alphabet="abcxyz", min_size=1, max_size=6), n=st.integers(1, 2000))
def test_simhash_of_heavily_repeated_words_does_not_overflow(word: str, n: int) -> None:
    # the simhash package multiplies uint8 bit arrays by the weight: > 255 raised
    # OverflowError with numpy 2; weights are capped
    f = tf.extract(" ".join([word] * n + ["other", "words", "here"] * (n // 3)))
    assert 0 <= f.simhash < 2**64


@settings(max_examples=200, deadline=None)
@given(
    hashes=st.lists(st.integers(0, 2**32 - 1), max_size=400),
    repeat=st.lists(st.integers(1, 400), max_size=5),
)
def test_numpy_simhash_equals_the_simhash_package(hashes: list[int], repeat: list[int]) -> None:
    # the daemon's fingerprint is the package's value, bit for bit (weights over the cap,
    # ties at exactly half, a single feature, none at all)
    heavy = [h for h, n in zip(hashes, repeat, strict=False) for _ in range(n)]
    th = np.array(hashes + heavy, dtype=np.uint32)
    assert tf.simhash64(th) == tf.simhash64_package(th)


def test_fingerprint_stage_survives_snapshot_restore_and_compaction() -> None:
    text = " ".join(f"word{i} joins sentence {i % 7} of the wire report" for i in range(40))
    a = Deduper(window=100.0, story_window=100.0)
    a.add(DedupItem(id="orig", text=text), 0.0)
    blob = a.snapshot("orig")
    b = Deduper(window=100.0, story_window=100.0)
    assert b.restore("orig", blob, 0.0)
    r = b.add(DedupItem(id="copy", text="Wire service - " + text), 1.0)
    assert (r.duplicate_of, r.reason) == ("orig", "simhash")
    for i in range(1200):  # compaction renumbers slots; the fingerprint index follows
        b.add(DedupItem(id=f"f{i}", text=f"filler {i} about thing {i * 31} and more"), 150.0 + i)
        b.evict(150.0 + i)
    b.add(DedupItem(id="orig2", text=text), 2000.0)
    r = b.add(DedupItem(id="copy2", text=text + " Share this story."), 2001.0)
    assert (r.duplicate_of, r.reason) == ("orig2", "simhash")
