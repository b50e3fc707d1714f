"""A small learned classifier: is this paragraph of an article boilerplate?

The phrase tables of :mod:`aggregator.enrich.patterns` catch the boilerplate whose wording they
know. Real feeds put appeals, bios, prompts and teasers inside the article in wording that
changes from site to site ("you could simply close this tab ... less than a coffee a month").
This model scores every block from features that carry across sites rather than from phrases:

* the block's shape: length, link density, kind (heading, list item, quote, caption), whether
  it ends like a sentence, its share of digits, capitals and title-case words;
* where it sits: relative position, distance from the head and the tail of the article;
* how it talks: second-person and first-person-plural pronouns, calls to action at its start,
  money and time offers ("$5 a month", "a coffee"), subscription, share and comment words,
  third-person bio openings ("Jane Doe is a ... who covers"), copyright lines;
* what it points at: word overlap with the page title (teasers of other headlines are short,
  title-cased and not the title), a lowercase hyphenated slug;
* a hashed bag of its lower-cased words (multilingual: the vocabulary is learned, not listed).

The model is a logistic regression trained with scikit-learn by ``bench/paragraphs.py`` on
paragraphs labelled from the extraction sets in ``../shared/data`` (a block of trafilatura's
output that is not part of the page's ground-truth main text is boilerplate), evaluated split
by site. It ships as data (``paragraph_model.json``: named weights, hashed-word weights, bias,
thresholds); scoring here is a sparse dot product in plain Python, so the daemon does not
import scikit-learn.
"""

from __future__ import annotations

import functools
import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

HASH_BITS = 12  # 4096 word buckets
MODEL_FILE = "paragraph_model.json"

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

_SECOND = frozenset(
    ["you", "your", "yours", "you're", "youre", "you'll", "you've", "yourself", "yourselves"]
)
_FIRST_PLURAL = frozenset(["we", "our", "ours", "us", "we're", "we've", "we'll", "ourselves"])
_CTA_START = frozenset(
    [
        "subscribe",
        "sign",
        "join",
        "support",
        "donate",
        "follow",
        "share",
        "click",
        "tap",
        "become",
        "help",
        "get",
        "download",
        "leave",
        "read",
        "watch",
        "listen",
        "register",
        "log",
        "login",
        "contribute",
        "give",
        "consider",
        "please",
        "like",
        "check",
        "visit",
        "see",
        "find",
        "discover",
        "explore",
        "learn",
        "buy",
        "shop",
        "try",
        "enter",
        "reply",
        "comment",
        "email",
        "send",
        "tell",
        "don't",
        "never",
        "want",
        "interested",
        "enjoyed",
        "love",
    ]
)
_CTA = frozenset(
    [
        "subscribe",
        "subscription",
        "subscribers",
        "subscriber",
        "newsletter",
        "newsletters",
        "inbox",
        "sign",
        "signup",
        "join",
        "support",
        "donate",
        "donation",
        "donations",
        "patron",
        "patreon",
        "membership",
        "member",
        "members",
        "contribute",
        "contribution",
        "contributions",
        "gift",
        "independent",
        "journalism",
        "readers",
        "reader",
        "community",
        "premium",
        "unlimited",
        "access",
        "free",
        "trial",
        "app",
        "download",
        "register",
        "login",
        "account",
        "follow",
        "followers",
        "share",
        "facebook",
        "twitter",
        "linkedin",
        "whatsapp",
        "pinterest",
        "reddit",
        "telegram",
        "instagram",
        "youtube",
        "tiktok",
        "email",
        "e-mail",
        "comment",
        "comments",
        "reply",
        "replies",
        "discussion",
        "advertisement",
        "advertising",
        "sponsored",
        "ad",
        "ads",
        "cookie",
        "cookies",
        "privacy",
        "policy",
        "terms",
    ]
)
_BIO = frozenset(
    [
        "journalist",
        "reporter",
        "correspondent",
        "editor",
        "writer",
        "columnist",
        "contributor",
        "author",
        "freelance",
        "freelancer",
        "covers",
        "covering",
        "graduate",
        "graduated",
        "degree",
        "experience",
        "based",
        "lives",
        "award-winning",
        "award",
        "previously",
        "formerly",
        "bestselling",
        "novelist",
        "photographer",
        "producer",
    ]
)
_MONEY = re.compile(
    r"[$€£¥₹]\s?\d|\d\s?(?:[$€£¥₹]|usd|eur|dollars?|euros?|pounds?|cents?)\b"
    r"|\b(?:a|per|each|every)\s+(?:month|week|year|day)\b|\bcoffee\b|\bmonthly\b",
    re.I,
)
_TIME_OFFER = re.compile(
    r"\b(?:just|only|less than|as little as|from)\s+(?:[$€£]?\d|a |one |an )", re.I
)
_BIO_START = re.compile(
    r"^(?:[A-Z][\w.'’-]+\s+){1,3}(?:is|was|has|writes|covers|joined|reports|lives)\b"
)
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|\ball rights reserved\b|\bcopyright\b", re.I)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+){2,}/?$")
_URLISH = re.compile(r"https?://|www\.|\.com\b|\.org\b|@\w")
_SENTENCE_END = frozenset(".!?…。！？\"'”’»)")


def _ends_sentence(text: str) -> bool:
    """The text's last non-space character closes a sentence (one of ``_SENTENCE_END``)."""
    return text.rstrip()[-1:] in _SENTENCE_END if text else False


@functools.lru_cache(maxsize=65536)
def _bucket(word: str) -> int:
    return zlib.crc32(word.encode("utf-8")) & ((1 << HASH_BITS) - 1)


class ParaLike(Protocol):
    """What the classifier reads of a block (:class:`aggregator.enrich.clean.Block` is one)."""

    @property
    def text(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def link_chars(self) -> int: ...


@dataclass(frozen=True)
class Para:
    """A block as the training script builds it."""

    text: str
    kind: str = "p"
    link_chars: int = 0


# Substrings (of the case-folded text) without which a pattern cannot match: the costly
# case-insensitive searches run only on blocks that hold one of them.
_MONEY_GATE = ("$", "€", "£", "¥", "₹", "usd", "eur", "dollar", "pound", "cent", "month", "week",
               "year", "day", "coffee")  # fmt: skip
_OFFER_GATE = ("just", "only", "less than", "as little as", "from")
_COPYRIGHT_GATE = ("©", "(c)", "rights reserved", "copyright")


def _gated(pattern: re.Pattern[str], gate: tuple[str, ...], text: str, lowered: str) -> bool:
    return any(g in lowered for g in gate) and bool(pattern.search(text))


def _is_prose(text: str) -> bool:
    return len(text) >= 200 and _ends_sentence(text)


def _own_features(b: ParaLike, title_words: set[str]) -> dict[str, float]:
    """The features of a block that do not depend on its neighbours."""
    text = b.text.strip()
    words = _WORD.findall(text)
    lowered = text.casefold()
    low = [w.casefold() for w in words]
    nw = max(len(words), 1)
    chars = max(len(text), 1)
    first = low[0] if low else ""
    union = title_words | set(low)
    overlap = len(title_words & set(low)) / len(union) if title_words else 0.0
    return {
        "len": math.log1p(len(text)) / 8,
        "words": math.log1p(len(words)) / 6,
        "short": float(len(words) <= 4),
        "link_density": min(b.link_chars / chars, 1.0),
        "all_link": float(b.link_chars >= 0.9 * chars),
        "head": float(b.kind == "head"),
        "item": float(b.kind == "item"),
        "quote": float(b.kind == "quote"),
        "table": float(b.kind == "table"),
        "caption": float(b.kind == "caption"),
        "sentence_end": float(_ends_sentence(text)),
        "question": float(text.endswith("?")),
        "prose": float(_is_prose(text)),
        "second_person": min(sum(map(_SECOND.__contains__, low)) / nw * 5, 1.0),
        "first_plural": min(sum(map(_FIRST_PLURAL.__contains__, low)) / nw * 5, 1.0),
        "cta_start": float(first in _CTA_START),
        "cta_words": min(sum(map(_CTA.__contains__, low)) / nw * 4, 1.0),
        "bio_words": min(sum(map(_BIO.__contains__, low)) / nw * 4, 1.0),
        "bio_start": float(bool(_BIO_START.match(text))),
        "money": float(_gated(_MONEY, _MONEY_GATE, text, lowered)),
        "offer": float(_gated(_TIME_OFFER, _OFFER_GATE, text, lowered)),
        "copyright": float(_gated(_COPYRIGHT, _COPYRIGHT_GATE, text, lowered)),
        "urlish": float(bool(_URLISH.search(text))),
        "slug": float(bool(_SLUG.match(text))),
        "separators": min(sum(text.count(c) for c in "|•·»›") / 3, 1.0),
        "digits": sum(map(str.isdigit, text)) / chars,
        "upper": sum(map(str.isupper, text)) / chars,
        "titlecase": sum(w[:1].isupper() for w in words) / nw,
        "title_overlap": overlap,
        "is_title": float(overlap >= 0.8),
    }


_NEIGHBOUR = ("len", "link_density", "item", "head", "prose")


def article_features(blocks: Sequence[ParaLike], title: str | None) -> list[dict[str, float]]:
    """The named features of every block of an article, in order."""
    title_words = {w.casefold() for w in _WORD.findall(title or "")}
    own = [_own_features(b, title_words) for b in blocks]
    n = len(blocks)
    prose_before = 0
    prose_total = sum(f["prose"] for f in own)
    prose_at = [i for i, f in enumerate(own) if f["prose"]]
    lengths = sorted(f["len"] for f in own)
    median = lengths[n // 2] if n else 0.0
    out = []
    for i, f in enumerate(own):
        g = dict(f)
        g["page_blocks"] = math.log1p(n) / 6
        g["rel_len"] = max(min(f["len"] - median, 1.0), -1.0)
        g["gap_prose"] = min(min((abs(i - j) for j in prose_at), default=6), 6) / 6
        g["between_prose"] = float(bool(prose_at) and prose_at[0] < i < prose_at[-1])
        run = 0
        for j in range(i + 1, min(n, i + 6)):
            if blocks[j].kind != blocks[i].kind:
                break
            run += 1
        for j in range(i - 1, max(-1, i - 6), -1):
            if blocks[j].kind != blocks[i].kind:
                break
            run += 1
        g["kind_run"] = run / 10
        g["pos"] = i / (n - 1) if n > 1 else 0.0
        g["first"] = float(i == 0)
        g["last"] = float(i == n - 1)
        g["near_end"] = 1.0 - min(n - 1 - i, 4) / 4
        g["near_start"] = 1.0 - min(i, 4) / 4
        g["tail_fifth"] = float(n > 4 and i >= 0.8 * n)
        for side, j in (("prev", i - 1), ("next", i + 1)):
            nb = own[j] if 0 <= j < n else None
            g[f"{side}_none"] = float(nb is None)
            for name in _NEIGHBOUR:
                g[f"{side}_{name}"] = nb[name] if nb is not None else 0.0
        # prose blocks before and after: clutter sits outside the run of real paragraphs
        g["prose_before"] = min(prose_before / 3, 1.0)
        g["prose_after"] = min((prose_total - prose_before - f["prose"]) / 3, 1.0)
        prose_before += int(f["prose"])
        out.append(g)
    return out


def word_buckets(text: str) -> set[int]:
    """Hashed lower-cased words of a block (its bag of words, without counts)."""
    return {_bucket(w.casefold()) for w in _WORD.findall(text)}


@dataclass(frozen=True)
class ParagraphModel:
    """A trained model: ``P(boilerplate) = sigmoid(bias + w·dense + Σ hashed word weights)``."""

    weights: dict[str, float]
    words: dict[int, float]
    bias: float
    scale: float  # applied to the summed word weights: 1 / sqrt(words) normalisation is below
    strong: float  # probability above which a block is boilerplate anywhere
    edge: float  # probability above which a block is boilerplate at the article's edges

    def score(self, blocks: Sequence[ParaLike], title: str | None = None) -> list[float]:
        out = []
        for b, feats in zip(blocks, article_features(blocks, title), strict=True):
            z = self.bias
            for name, v in feats.items():
                if v:
                    z += self.weights.get(name, 0.0) * v
            buckets = word_buckets(b.text)
            if buckets:
                norm = self.scale / math.sqrt(len(buckets))
                z += norm * sum(self.words.get(k, 0.0) for k in buckets)
            out.append(1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))))
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ParagraphModel:
        weights = data["weights"]
        words = data["words"]
        if not isinstance(weights, dict) or not isinstance(words, dict):
            raise ValueError("paragraph model: weights and words must be objects")
        return cls(
            weights={str(k): float(v) for k, v in weights.items()},
            words={int(k): float(v) for k, v in words.items()},
            bias=float(str(data["bias"])),
            scale=float(str(data.get("scale", 1.0))),
            strong=float(str(data["strong"])),
            edge=float(str(data["edge"])),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "weights": {k: round(v, 5) for k, v in sorted(self.weights.items())},
            "words": {str(k): round(v, 5) for k, v in sorted(self.words.items()) if v},
            "bias": round(self.bias, 5),
            "scale": self.scale,
            "strong": self.strong,
            "edge": self.edge,
        }


def word_vector(text: str, scale: float = 1.0) -> dict[int, float]:
    """The hashed-word part of the feature vector (as the model sums it)."""
    buckets = word_buckets(text)
    if not buckets:
        return {}
    v = scale / math.sqrt(len(buckets))
    return dict.fromkeys(buckets, v)


@functools.cache
def shipped_model() -> ParagraphModel | None:
    """The model that ships with the package; ``None`` when the data file is absent."""
    try:
        raw = resources.files("aggregator.enrich").joinpath(MODEL_FILE).read_text("utf-8")
    except FileNotFoundError:
        return None
    return ParagraphModel.from_json(json.loads(raw))
