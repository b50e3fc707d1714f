"""Config keys of issue 15 (metrics and systemd): ``metrics.listen`` parses or fails at its
line with a hint, and under systemd ($STATE_DIRECTORY) relative state paths go to the state
directory while read-only inputs stay next to the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.config import Listen, load_config, parse_listen
from aggregator.config.loader import state_directory
from aggregator.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "host", "port", "loopback"),
    [
        ("127.0.0.1:9464", "127.0.0.1", 9464, True),
        ("localhost:9464", "127.0.0.1", 9464, True),
        ("9464", "127.0.0.1", 9464, True),  # a bare port is loopback, never every interface
        (":9464", "127.0.0.1", 9464, True),
        ("[::1]:9464", "::1", 9464, True),
        ("0.0.0.0:9464", "0.0.0.0", 9464, False),  # every interface: written out on purpose
        ("[::]:9100", "::", 9100, False),
        ("192.0.2.7:80", "192.0.2.7", 80, False),
    ],
)
def test_listen_addresses(text: str, host: str, port: int, loopback: bool) -> None:
    got = parse_listen(text)
    assert (got.host, got.port, got.loopback) == (host, port, loopback)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("127.0.0.1", "has no port"),
        ("127.0.0.1:99999", "port must be a number from 1 to 65535"),
        ("127.0.0.1:0", "port must be a number"),
        ("metrics.example.org:9464", "is not an IP address"),
        ("http://127.0.0.1:9464/metrics", "without a scheme or path"),
        ("::1:9464", "IPv6 address in brackets"),
        ("[::1]", "has no port"),
    ],
)
def test_bad_listen_addresses_say_what_to_write(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match="e.g. 127.0.0.1:9464") as e:
        parse_listen(text)
    assert fragment in str(e.value)


def test_metrics_listen_loads_and_is_off_by_default(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "metrics:\n  listen: 127.0.0.1:9464\n"), environ={})
    assert config.metrics.listen == Listen("127.0.0.1", 9464)
    assert load_config(_write(tmp_path, "feeds: []\n"), environ={}).metrics.listen is None
    assert load_config(_write(tmp_path, "metrics:\n"), environ={}).metrics.listen is None
    off = load_config(_write(tmp_path, "metrics:\n  listen: null\n"), environ={})
    assert off.metrics.listen is None


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ("feeds: []\nmetrics:\n  listen: example.org:9464\n", 3, 11, "is not an IP address"),
        ("metrics:\n  listen: 127.0.0.1\n", 2, 11, "has no port"),
        ("metrics:\n  lisen: 127.0.0.1:9464\n", 2, 3, "did you mean 'listen'?"),
        ("metrics:\n  listen: [1, 2]\n", 2, 11, "expected text"),
        ("metrics: 9464\n", 1, 10, "expected a mapping"),
    ],
)
def test_bad_metrics_config_is_an_error_at_its_line(
    tmp_path: Path, text: str, line: int, col: int, fragment: str
) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path, text), environ={})
    issues = [str(i) for i in e.value.issues]
    assert len(issues) == 1, issues
    assert issues[0].startswith(f"{tmp_path / 'agg.yaml'}:{line}:{col}: "), issues
    assert fragment in issues[0], issues


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agg.yaml"
    path.write_text(text)
    return path


def test_state_directory_is_the_first_absolute_entry() -> None:
    assert state_directory({"STATE_DIRECTORY": "/var/lib/aggregator"}) == Path(
        "/var/lib/aggregator"
    )
    assert state_directory({"STATE_DIRECTORY": "/var/lib/a:/var/lib/b"}) == Path("/var/lib/a")
    assert state_directory({"STATE_DIRECTORY": ""}) is None
    assert state_directory({"STATE_DIRECTORY": "relative/dir"}) is None
    assert state_directory({}) is None


CONFIG = """\
database: {database}
feeds_file: feeds.yaml
digest:
  out_dir: {out_dir}
  archive_dir: past
  template_dir: tpl
"""


def test_state_paths_resolve_under_state_directory(tmp_path: Path) -> None:
    """Under systemd the config dir (/etc/aggregator) is read-only: database, out_dir and
    archive_dir go to $STATE_DIRECTORY; feeds_file and template_dir stay by the config."""
    etc, state = tmp_path / "etc", tmp_path / "state"
    (etc / "tpl").mkdir(parents=True)
    (etc / "feeds.yaml").write_text("- https://a.example.org/feed\n")
    (etc / "agg.yaml").write_text(CONFIG.format(database="agg.db", out_dir="digests"))
    env = {"STATE_DIRECTORY": f"{state}:{tmp_path / 'other'}"}
    c = load_config(etc / "agg.yaml", environ=env)
    assert c.database == state / "agg.db"
    assert c.digest.out_dir == state / "digests"
    assert c.digest.archive_dir == state / "past"
    assert c.feeds_file == etc / "feeds.yaml"
    assert c.digest.template_dir == etc / "tpl"
    assert [f.url for f in c.feeds] == ["https://a.example.org/feed"]
    # defaults (keys absent) too
    (etc / "bare.yaml").write_text("feeds: []\n")
    bare = load_config(etc / "bare.yaml", environ=env)
    assert (bare.database, bare.digest.out_dir) == (state / "aggregator.db", state / "digests")
    # absolute paths are kept as written
    (etc / "abs.yaml").write_text(
        CONFIG.format(database=tmp_path / "x.db", out_dir=tmp_path / "out")
    )
    a = load_config(etc / "abs.yaml", environ=env)
    assert (a.database, a.digest.out_dir) == (tmp_path / "x.db", tmp_path / "out")
    # outside systemd: everything next to the config, as before
    plain = load_config(etc / "agg.yaml", environ={})
    assert (plain.database, plain.digest.out_dir) == (etc / "agg.db", etc / "digests")
    assert plain.digest.archive_dir == etc / "past"
