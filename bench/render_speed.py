"""Render speed: a digest of 1,000 stories through render() (issue 5, acceptance 5: < 1 s).

Prints the median of REPEATS runs for: build_digest (selection), render() (both templates,
css-inline, text wrapping), and a bare jinja2 render of the same HTML template without
css-inline, plus the ratio render() / bare. Synthetic but realistic stories: 8 topics,
1-8 sources each, 2-sentence summaries, some updates, some RTL titles.

    .venv/bin/python bench/render_speed.py [--stories 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aggregator.digest import build_digest
from aggregator.digest.render import HTML_TEMPLATE, make_environment, render, template_context
from aggregator.types import DigestCandidate

REPEATS = 5
TOPICS = ["World", "Europe", "Business", "Tech", "Science", "Sports", "Culture", "General"]
NOW = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
TEXT = (
    "The finance ministry said on Friday that the budget deficit narrowed for a third month "
    "as tax receipts rose faster than expected. Economists had forecast a wider gap. "
    "Officials warned that spending pressures would return in the spring.\nSecond paragraph."
)


def candidates(stories: int) -> list[DigestCandidate]:
    out: list[DigestCandidate] = []
    next_id = 1
    for s in range(stories):
        for k in range(1 + s % 8):
            out.append(
                DigestCandidate(
                    article_id=next_id,
                    feed_url=f"https://outlet{k}.example/rss",
                    feed_name=f"Outlet {k} News",
                    topic=TOPICS[s % len(TOPICS)],
                    url=f"https://outlet{k}.example/2026/11/20/story-{s}-about-the-budget",
                    title=("ميزانية الدولة " if s % 17 == 0 else "")
                    + f"Budget deficit narrows for a third month as receipts rise ({s})",
                    text=TEXT,
                    published=NOW - timedelta(minutes=s + k),
                    fetched_at=NOW,
                    story=f"story-{s}",
                    duplicate_of=None,
                    prefer=False,
                    story_delivered_before=s % 9 == 0,
                )
            )
            next_id += 1
    return out


def timed(fn: Callable[[], object]) -> float:
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    args = parser.parse_args()
    cands = candidates(args.stories)

    def select() -> object:
        return build_digest(
            cands, recipient="me@example.org", topics_order=TOPICS, timezone="Europe/Kyiv",
            now=NOW, per_topic_cap=args.stories,
        )  # fmt: skip

    digest = build_digest(
        cands, recipient="me@example.org", topics_order=TOPICS, timezone="Europe/Kyiv",
        now=NOW, per_topic_cap=args.stories,
    )  # fmt: skip
    shown = sum(len(t.stories) for t in digest.topics)
    assert shown == args.stories, shown
    sender = "Aggregator <digest@example.org>"
    env = make_environment()
    template = env.get_template(HTML_TEMPLATE)
    context = template_context(digest, sender=sender)

    t_select = timed(select)
    t_render = timed(lambda: render(digest, sender=sender))
    t_bare = timed(lambda: template.render(context))
    out = render(digest, sender=sender)
    print(f"stories={shown} articles={len(cands)} repeats={REPEATS} (median)")
    print(f"build_digest   {t_select:.3f} s")
    print(
        f"render()       {t_render:.3f} s   (target < 1 s)  html={len(out.html):,} B text={len(out.text):,} B"
    )
    print(f"bare jinja2    {t_bare:.3f} s   (HTML template only, no css-inline)")
    print(f"ratio          {t_render / t_bare:.1f}x render() / bare jinja2")


if __name__ == "__main__":
    main()
