"""The digest archive (``digest.archive_dir``): every sent digest kept as one self-contained
HTML file (the mail's own HTML: CSS inlined, sanitized, no remote resources), and an
``index.html`` of past digests, newest first, so a reader can look back in a browser.

File names sort by time: ``YYYY-MM-DD-HHMM-<recipient>-<digest id>.html`` (UTC). The index is
rebuilt from the folder's file names after each write, so it never disagrees with the folder.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from aggregator.types import DEFAULT_PROFILE, Digest

_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})-(.+)-([0-9a-f]{8,})\.html$")


def archive_name(digest: Digest) -> str:
    when = digest.generated_at.astimezone(UTC)
    reader = digest.recipient
    if digest.profile != DEFAULT_PROFILE:
        reader = f"{digest.profile}-{reader}"
    who = re.sub(r"[^A-Za-z0-9._@-]+", "_", reader)[:64] or "reader"
    return f"{when:%Y-%m-%d-%H%M}-{who}-{digest.digest_id[:16]}.html"


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(folder: Path, digest: Digest, html: str, subject: str) -> Path:
    """Keep one sent digest and rebuild the index; returns the digest's file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / archive_name(digest)
    _write_atomic(path, html)
    titles = _titles(folder)
    titles[path.name] = subject
    _write_atomic(folder / "index.html", index_html(folder, titles))
    _write_atomic(folder / ".titles", "".join(f"{n}\t{t}\n" for n, t in sorted(titles.items())))
    return path


def _titles(folder: Path) -> dict[str, str]:
    """Subjects of the archived digests (kept beside them; a file without one shows its name)."""
    out: dict[str, str] = {}
    try:
        for line in (folder / ".titles").read_text(encoding="utf-8").splitlines():
            name, _, title = line.partition("\t")
            out[name] = title
    except OSError:
        pass
    return out


def index_html(folder: Path, titles: dict[str, str]) -> str:
    """The index page: every archived digest, newest first."""
    rows = []
    for p in sorted(folder.glob("*.html"), key=lambda p: p.name, reverse=True):
        m = _NAME.match(p.name)
        if m is None:
            continue
        y, mo, d, h, mi, who, _ = m.groups()
        label = escape(titles.get(p.name) or p.name)
        rows.append(
            f'<li><a href="{escape(p.name)}">{label}</a>'
            f' <span class="meta">{y}-{mo}-{d} {h}:{mi} UTC &middot; {escape(who)}</span></li>'
        )
    body = "\n".join(rows) or "<li>No digest has been sent yet.</li>"
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Past digests</title>
<style>
body {{ font: 16px/1.5 -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 640px; padding: 16px; color: #1d232b; background: #f4f5f7; }}
li {{ margin: 0 0 10px; }} a {{ color: #1a5fb4; }} .meta {{ color: #6b7583; font-size: 13px; }}
@media (prefers-color-scheme: dark) {{ body {{ background: #15191e; color: #e6e9ee; }}
  a {{ color: #8cb8ff; }} .meta {{ color: #9ba6b4; }} }}
</style></head>
<body><h1>Past digests</h1><ul>
{body}
</ul><p class="meta">Updated {now}.</p></body></html>
"""
