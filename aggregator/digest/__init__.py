"""The digest stage: select -> group and rank (``build``, pure) -> render (jinja2, HTML +
plain text) -> deliver (SMTP or files) -> mark delivered (``deliver``)."""

from aggregator.digest.build import (
    DEFAULT_TOPIC_CAP,
    GENERAL_TOPIC,
    HEADING_MAX_CHARS,
    SUMMARY_LIMIT,
    build_digest,
    digest_id_for,
    order_topics,
    plain_text,
    safe_url,
    split_stale_copies,
    summarize,
)
from aggregator.sentences import cut

__all__ = [
    "DEFAULT_TOPIC_CAP",
    "GENERAL_TOPIC",
    "HEADING_MAX_CHARS",
    "SUMMARY_LIMIT",
    "build_digest",
    "cut",
    "digest_id_for",
    "order_topics",
    "plain_text",
    "safe_url",
    "split_stale_copies",
    "summarize",
]
