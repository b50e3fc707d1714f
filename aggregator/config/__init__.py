"""Configuration: YAML -> validated frozen objects.

``load_config`` is the only place that reads the YAML. Everything else gets a ``Config`` and
never sees raw dicts.

The package, from the bottom up:

* ``values``: pure parsers and checks on text (durations, sizes, times, URLs, addresses, time
  zones) and the limits they enforce.
* ``nodes``: YAML composed into node trees that keep a mark for every key and value, so every
  problem is reported as ``file:line:col`` (1-based) plus the key path (``fetch.timeout``,
  ``feeds[3].url``). Aliases report where they are used and are never expanded; nothing is
  constructed from arbitrary tags.
* ``kinds``: how one node becomes one typed value, or an issue at that node.
* ``schema``: the table of keys (dotted path, kind, default, one line of help). It drives the
  loader, the "did you mean" hints for unknown keys and the defaults of the config types.
* ``model``: the frozen config types (``Config``, ``FeedConfig``, ``FetchConfig``, ...).
* ``loader``: files -> node trees -> values of the table -> ``Config``; the rules that tie one
  key to another.

Rules a user sees:

* Validation collects every issue before raising one ``errors.ConfigError(issues)``, so a user
  fixes the whole file in one pass. Messages say what is wrong and what to do.
* Durations are ``<number><unit>`` with units ``s m h d w`` and may be chained (``1h30m``); a
  bare number is an error because ``interval: 30`` is ambiguous. Sizes use decimal units
  ``B KB MB GB`` (``5MB`` = 5,000,000 bytes) or binary ``KiB MiB GiB``; units are
  case-insensitive.
* A ``feeds_file`` holds either a plain list of feeds, or a mapping with a single ``feeds:`` key
  (so one file can be moved between the two forms). Feeds from the file come first, then the
  inline ``feeds:`` list. A feed entry is a mapping, or a bare URL string as a shorthand.
* Relative paths (``database``, ``feeds_file``, ``digest.out_dir``, ``digest.template_dir``)
  are relative to the directory of the config file, and ``~`` is expanded. Under systemd
  (``$STATE_DIRECTORY`` set) relative paths of writable state (``database``,
  ``digest.out_dir``, ``digest.archive_dir``) are relative to the state directory instead:
  the config's directory in /etc is read-only to the service.
* Secrets never live in the YAML: ``smtp.password`` is an error that points at
  ``smtp.password_env``, which only names an environment variable.
"""

from aggregator.config.loader import load_config
from aggregator.config.model import (
    Config,
    DedupConfig,
    DigestConfig,
    FeedConfig,
    FetchConfig,
    MetricsConfig,
    SmtpConfig,
)
from aggregator.config.nodes import MarkedLoader, compose_yaml
from aggregator.config.schema import (
    DEDUP_KEYS,
    DEFAULT_DATABASE,
    DEFAULT_TOPIC,
    DIGEST_KEYS,
    FEED_KEYS,
    FETCH_KEYS,
    KEYS,
    METRICS_KEYS,
    SMTP_KEYS,
    TOP_KEYS,
    FullText,
    Key,
    SmtpSecurity,
)
from aggregator.config.values import (
    MAX_CONCURRENCY,
    MAX_INTERVAL,
    MAX_MAX_BYTES,
    MAX_TIMEOUT,
    MIN_INTERVAL,
    MIN_MAX_BYTES,
    MIN_RETENTION,
    MIN_TIMEOUT,
    MIN_WINDOW,
    Listen,
    address_problem,
    did_you_mean,
    feed_url_key,
    feed_url_problem,
    parse_duration,
    parse_listen,
    parse_send_at,
    parse_size,
    timezone_problem,
)

__all__ = [
    "DEDUP_KEYS",
    "DEFAULT_DATABASE",
    "DEFAULT_TOPIC",
    "DIGEST_KEYS",
    "FEED_KEYS",
    "FETCH_KEYS",
    "KEYS",
    "MAX_CONCURRENCY",
    "MAX_INTERVAL",
    "MAX_MAX_BYTES",
    "MAX_TIMEOUT",
    "MIN_INTERVAL",
    "MIN_MAX_BYTES",
    "MIN_RETENTION",
    "MIN_TIMEOUT",
    "MIN_WINDOW",
    "METRICS_KEYS",
    "SMTP_KEYS",
    "TOP_KEYS",
    "Config",
    "DedupConfig",
    "DigestConfig",
    "FeedConfig",
    "FetchConfig",
    "FullText",
    "Key",
    "Listen",
    "MarkedLoader",
    "MetricsConfig",
    "SmtpConfig",
    "SmtpSecurity",
    "address_problem",
    "compose_yaml",
    "did_you_mean",
    "feed_url_key",
    "feed_url_problem",
    "load_config",
    "parse_duration",
    "parse_listen",
    "parse_send_at",
    "parse_size",
    "timezone_problem",
]
