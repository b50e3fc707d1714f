"""Command-line interface: a thin layer that parses arguments and calls library functions.

    aggregator [--config PATH] [--log-level LEVEL] COMMAND

The config path defaults to $AGGREGATOR_CONFIG. Exit codes: 0 success, 1 runtime failure
(e.g. the digest could not be delivered), 2 bad config or bad usage.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import click

from aggregator import __version__
from aggregator.config import Config, load_config
from aggregator.errors import AggregatorError, ConfigError

if TYPE_CHECKING:  # imported where used: `aggregator --help` stays fast
    from aggregator.pipeline import PollSummary
    from aggregator.store import Store

EXIT_RUNTIME = 1
EXIT_CONFIG = 2


def setup_logging(level: str) -> None:
    """Log lines with stable key=value pairs; no timestamps under systemd (journal adds them)."""
    under_journal = bool(os.environ.get("JOURNAL_STREAM"))
    fmt = (
        "%(levelname)s %(name)s %(message)s"
        if under_journal
        else ("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    logging.basicConfig(
        level=getattr(logging, level.upper()), format=fmt, stream=sys.stderr, force=True
    )
    chosen = getattr(logging, level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, chosen))
    # The page parsers log a hostile page's trouble as ERROR ("empty HTML tree"); we report
    # the page's failure ourselves (extract: "no main text found in page", status: per feed),
    # so theirs is heard only at debug level.
    for page_parser in ("trafilatura", "htmldate", "courlan", "readability", "justext"):
        logging.getLogger(page_parser).setLevel(
            logging.DEBUG if chosen <= logging.DEBUG else logging.CRITICAL
        )


def _fail(message: str, code: int = EXIT_RUNTIME) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


class Ctx:
    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path

    def config(self) -> Config:
        if not self.config_path:
            _fail(
                "no config given: pass --config PATH or set AGGREGATOR_CONFIG "
                "(see config/aggregator.example.yaml)",
                EXIT_CONFIG,
            )
        try:
            return load_config(self.config_path)
        except ConfigError as e:
            for issue in e.issues:
                click.echo(str(issue), err=True)
            sys.exit(EXIT_CONFIG)

    def store(self, config: Config) -> Store:
        from aggregator.store.postgres import open_store

        try:
            return open_store(config.database)
        except AggregatorError as e:
            _fail(str(e))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    envvar="AGGREGATOR_CONFIG",
    type=click.Path(dir_okay=False),
    help="Config file (default: $AGGREGATOR_CONFIG).",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
)
@click.version_option(__version__, prog_name="aggregator")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """aggregator: many news feeds in, one clean daily digest out."""
    setup_logging(log_level)
    ctx.obj = Ctx(config_path)


@main.command()
@click.pass_obj
def check(obj: Ctx) -> None:
    """Validate the config; exit 0, or exit 2 printing PATH:LINE:COL: message lines."""
    from aggregator.digest.render import check_templates

    config = obj.config()
    d = config.digest
    problems = check_templates(d.template_dir, sender=d.sender, timezone=d.timezone)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        sys.exit(EXIT_CONFIG)
    click.echo(
        f"{config.path}: ok ({len(config.feeds)} feeds, {len(config.topics()) - 1 or 0} topics"
        f" + General, database {config.database})"
    )


@main.command()
@click.option(
    "--feed", "feed_names", multiple=True, help="Only this feed (name or URL); repeatable."
)
@click.pass_obj
def fetch(obj: Ctx, feed_names: tuple[str, ...]) -> None:
    """Poll now, ignoring the schedule; one summary line per feed."""
    from aggregator.pipeline import run_poll

    config = obj.config()
    feeds = list(config.feeds)
    store = obj.store(config)
    if feed_names:
        wanted = set(feed_names)
        titles = {s.url: s.title for s in store.feed_states(f.url for f in feeds)}
        feeds = [f for f in feeds if wanted & {f.url, f.name, titles.get(f.url)}]
        if not feeds:
            store.close()
            _fail(f"no feed named {', '.join(feed_names)} in {config.path}", EXIT_CONFIG)
    lines: list[PollSummary] = []
    try:
        if sys.stderr.isatty():
            from rich.progress import Progress, TaskID

            with Progress(transient=True) as progress:
                task = progress.add_task("polling", total=len(feeds))
                cleaning: list[TaskID] = []  # the progress task, once cleaning starts

                def advance(s: PollSummary) -> None:
                    progress.advance(task)

                def enriched(done: int, total: int) -> None:
                    if not cleaning:
                        cleaning.append(progress.add_task("cleaning + dedup", total=total))
                    progress.update(cleaning[0], completed=done, total=total)

                lines, outcome = run_poll(
                    config, store, feeds, on_done=advance, on_enriched=enriched
                )
        else:
            lines, outcome = run_poll(config, store, feeds)
    finally:
        store.close()
    order = {f.url: i for i, f in enumerate(feeds)}
    for s in sorted(lines, key=lambda s: order.get(s.url, 0)):
        click.echo(_summary_line(s))
    failed = sum(1 for s in lines if not s.ok)
    click.echo(
        f"{len(lines)} feeds, {sum(s.new for s in lines)} new articles, {failed} failed", err=True
    )
    # failing feeds are the feeds' problem (exit 0, see status); articles our own cleaning or
    # dedup could not finish are ours: say so, and exit non-zero
    for line in outcome.lines():
        click.echo(f"error: {line}", err=True)
    if outcome.failed:
        sys.exit(EXIT_RUNTIME)


def _summary_line(s: PollSummary) -> str:
    status = s.status if s.status is not None else "-"
    base = (
        f"{s.name}\t{s.outcome}\tstatus={status}\tnew={s.new}\tupdated={s.updated}\tms={s.ms:.0f}"
    )
    return base + (f"\terror={s.error}" if s.error else "")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Ctx, as_json: bool) -> None:
    """Per-feed health and the digest's state."""
    from aggregator.status import collect_status, render_status_table

    config = obj.config()
    store = obj.store(config)
    try:
        report = collect_status(config, store, now=datetime.now(UTC))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        render_status_table(report)


@main.command("export")
@click.pass_obj
def export_cmd(obj: Ctx) -> None:
    """Every stored article as JSON lines."""
    from aggregator.export import iter_export

    config = obj.config()
    store = obj.store(config)
    try:
        out = sys.stdout
        for record in iter_export(store, config):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        waiting = store.enrichment_backlog()
        if waiting:
            aside = sum(1 for a in store.set_aside_articles() if a.retry_at is not None)
            why = f" ({aside} set aside after an error, retried later: see status)" if aside else ""
            click.echo(
                f"{waiting} articles waiting for cleaning and dedup were left out{why};"
                " `aggregator fetch` finishes them",
                err=True,
            )
    finally:
        store.close()


@main.command()
@click.option("--to", "to_url", required=True, help="postgresql://user@host/db (no password).")
@click.option("--password-env", default=None, help="Environment variable holding the password.")
@click.pass_obj
def migrate(obj: Ctx, to_url: str, password_env: str | None) -> None:
    """Copy the SQLite state (feeds, articles, stories, delivery state) into an empty
    PostgreSQL database; then point `database:` at it."""
    from pathlib import Path

    from aggregator.store import Store
    from aggregator.store.copy import copy_state
    from aggregator.store.postgres import PostgresStore
    from aggregator.store.target import PgTarget

    config = obj.config()
    if not isinstance(config.database, Path):
        _fail(f"database: is already {config.database}; migrate copies an SQLite state")
    if not config.database.exists():
        _fail(f"no state to copy: {config.database} does not exist")
    target_at = PgTarget(to_url, password_env or config.database_password_env)
    try:
        with Store(config.database) as source, PostgresStore(target_at) as target:
            copied = copy_state(source, target)
    except AggregatorError as e:
        _fail(str(e))
    what = " ".join(f"{table}={n}" for table, n in copied.items())
    click.echo(f"copied {config.database} -> {target_at}: {what} (row counts checked)")


@main.command("import-opml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def import_opml(obj: Ctx, file: str) -> None:
    """Add the subscriptions of an OPML file to the feed list."""
    from aggregator.opml import add_feeds_to_yaml, parse_opml

    config = obj.config()
    try:
        feeds = parse_opml(Path(file).read_bytes(), file)
        target = config.path  # feeds go after the last existing feed, inline or in feeds_file
        added = add_feeds_to_yaml(target, feeds)
    except ConfigError as e:
        for issue in e.issues:
            click.echo(str(issue), err=True)
        sys.exit(EXIT_CONFIG)
    except AggregatorError as e:
        _fail(str(e), EXIT_CONFIG)
    click.echo(f"{added} feeds added to {target} ({len(feeds) - added} already present)")


@main.command("export-opml")
@click.pass_obj
def export_opml(obj: Ctx) -> None:
    """Print the subscriptions as OPML."""
    from aggregator.opml import to_opml

    config = obj.config()
    click.echo(to_opml(config.feeds, title="aggregator subscriptions"), nl=False)


@main.command()
@click.option("--url", default=None, help="The page's original URL (for links and metadata).")
@click.option("--jsonl", is_flag=True, help="One JSON line per file: {file, title, text}.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def extract(url: str | None, jsonl: bool, files: tuple[str, ...]) -> None:
    """Extract and clean article text from saved pages (.html or .html.gz).

    With several files, a block that recurs across the pages of one site (an appeal, an
    author box, also as a near-copy with another name or link in it) is removed from all of
    them, as the daemon learns it per site. A page's site is the host of --url, else of its
    canonical link or og:url, else its directory."""
    from aggregator.enrich.extract_many import extract_files

    failed = 0
    for file, got in zip(files, extract_files([Path(f) for f in files], url), strict=True):
        if isinstance(got, AggregatorError):
            failed += 1
            click.echo(f"{file}: {got}", err=True)
            title, text = None, ""
        else:
            title, text = got.title, got.text
        if jsonl:
            click.echo(json.dumps({"file": file, "title": title, "text": text}, ensure_ascii=False))
        else:
            click.echo(text)
    if failed == len(files):
        sys.exit(EXIT_RUNTIME)


@main.command()
@click.argument("file", required=False, type=click.File("r", encoding="utf-8"))
def cluster(file: TextIO | None) -> None:
    """Read JSON lines {id, text, ...}; write {id, duplicate_of, story} per line."""
    from aggregator.dedup import cluster as run_cluster

    stream = file or sys.stdin

    def records() -> Iterator[dict[str, object]]:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                _fail(f"line {n}: not JSON: {e}", EXIT_CONFIG)
            if not isinstance(rec, dict) or "id" not in rec or "text" not in rec:
                _fail(f"line {n}: need an object with 'id' and 'text'", EXIT_CONFIG)
            yield rec

    out = sys.stdout
    for result in run_cluster(records()):
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


@main.command()
@click.option("--profile", "profile", default=None, help="Only this profile's digest.")
@click.option("--dry-run", is_flag=True, help="Write digest.html/.txt/.eml to --out; mark nothing.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None)
@click.option("--to", "to_addr", default=None, help="Only this recipient (overrides digest.to).")
@click.option("--retries", default=3, show_default=True, help="SMTP retries on temporary failures.")
@click.option(
    "--backoff", default=5.0, show_default=True, help="First retry delay in seconds (doubles)."
)
@click.pass_obj
def digest(
    obj: Ctx,
    profile: str | None,
    dry_run: bool,
    out_dir: str | None,
    to_addr: str | None,
    retries: int,
    backoff: float,
) -> None:
    """Build the digest of everything not yet delivered, and deliver it (one per profile)."""
    from aggregator.digest.deliver import Delivery, run_digests

    config = obj.config()
    if profile is not None and config.reader(profile) is None:
        known = ", ".join(p.name for p in config.readers())
        _fail(
            f"no profile named {profile!r} in {config.path}; known profiles: {known}", EXIT_CONFIG
        )
    if dry_run and not out_dir:
        out_dir = "."
    store = obj.store(config)
    try:
        results = run_digests(
            config,
            store,
            now=datetime.now(UTC),
            how=Delivery(
                dry_run_dir=Path(out_dir) if dry_run and out_dir else None,
                out_dir=Path(out_dir) if out_dir and not dry_run else None,
                retries=retries,
                backoff=backoff,
            ),
            recipients=[to_addr] if to_addr else None,
            profiles=[profile] if profile else None,
        )
    finally:
        store.close()
    failed = False
    for r in results:
        click.echo(r.line())
        failed = failed or r.failed
    if failed:
        sys.exit(EXIT_RUNTIME)


@main.command()
@click.pass_obj
def run(obj: Ctx) -> None:
    """The daemon: scheduler, hot reload, graceful stop on SIGTERM/SIGINT, sd_notify."""
    from aggregator.scheduler import run_daemon

    config = obj.config()
    sys.exit(run_daemon(config))


if __name__ == "__main__":  # pragma: no cover
    main()
