"""Shared parts of the polling benchmarks: a seeded feed generator, an nginx runner, RSS probes.

Feeds
-----
``plan_feeds(n)`` decides, from the seed alone, what each feed is (RSS 2.0 or Atom, how many
entries, how it encodes its HTML). ``FeedSet`` writes them as static files and can *mutate* a
fraction of them (new entries pushed on top, the oldest falling off), which is what a live feed
does between two polls. Every entry is a pure function of ``(seed, feed index, entry number)``,
so a run is reproducible byte for byte and a mutated feed repeats its older entries exactly (as
a real feed does: only the new entries are new).

Text is "English-like": sentences drawn from a Zipf-weighted vocabulary of common English words
plus seeded made-up proper nouns, grouped into HTML paragraphs with the odd link, emphasis and
list, ~2 KB of HTML per entry. That gives feedparser's sanitizer and our cleaner realistic work
(tags, entities, links) without copying any real site's content.

File modification times are set explicitly (a fixed epoch plus the newest entry number), so
nginx's ``ETag`` (mtime-size) and ``Last-Modified`` are deterministic and a mutated file always
gets a new validator even when it is rewritten within the same second.

nginx
-----
``Nginx`` starts Debian's nginx binary in the foreground (``daemon off``) with a generated
config in a temp dir (``-p`` prefix, pid, temp paths and error log there; ``access_log off``;
``etag on``; keepalive), on 127.0.0.1 and a free port, as the current user. It is stopped with
SIGQUIT (graceful) and killed only if that does not work.

Memory probes
-------------
``maxrss_mb`` is the exact peak of this process (``ru_maxrss``). ``tree_mem`` reads, once,
the peak (VmHWM) and PSS of the process and all its descendants: the pipeline's forkserver and
worker processes are grandchildren, which ``RUSAGE_CHILDREN`` would not see until reaped. A
first version sampled /proc from a thread every 0.1 s; py-spy showed that thread taking ~20%
of the measured process's samples, so the kernel's own high-water marks are read instead.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Literal

SEED = 20261121
# A fixed epoch for file mtimes and entry dates (deterministic ETag / Last-Modified / pubDate).
EPOCH = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
# Target HTML per entry body (before XML escaping, which adds ~20%): 1,000 feeds x ~20 entries
# then come to ~45 MB, the size of the peers' set.
BODY_BYTES = 1550

NGINX_HINT = "install it with: apt-get install -y nginx-light   (Debian; or: apt-get install nginx)"
READER_HINT = "install it with: .venv/bin/pip install 'reader>=3.12'   (the `bench` extra)"

_COMMON_TEXT = (
    "the of and to a in that is was he for it with as his on be at by i this had not are but "
    "from or have an they which one you were her all she there would their we him been has when "
    "who will more no if out so said what up its about into than them can only other new some "
    "could time these two may then do first any my now such like our over man me even most made "
    "after also did many before must through back years where much your way well down should "
    "because each just those people how too little state good very make world still own see men "
    "work long get here between both life being under never day same another know while last "
    "might us great old year off come since against go came right used take three states "
    "himself few house use during without again place american around however home small found "
    "thought went say part once general high upon school every does got united left number "
    "course war until always away something fact though water less public put think almost hand "
    "enough far took head yet government system better set told nothing night end why called "
    "didn't eyes find going look asked later knew point next city business give group toward "
    "young days let room president side social given present several order national possible "
    "rather second face per among form important often things looked early white case john "
    "become large big need four within felt along children saw best church ever least power "
    "development light thing seemed family interest want members mind country area others done "
    "turned although open god service problem certain kind different thus began door help "
    "sense means whole matter perhaps itself york times law human line above name example "
    "action company hands local show whether five history gave today either act feet across "
    "taken past quite anything seen having death experience body word half really week field "
    "economy market minister council report officials police election court health climate "
    "energy prices budget talks agreement investigation crisis support plan policy vote deal "
    "billion million percent spokesperson according statement region border security trade"
)
_COMMON = _COMMON_TEXT.split()
_SYLLABLES_TEXT = "ka lo ri mo ta ve sen dor mar lin bel tor gan vis pra hel cor dan wel fir nor"
_SYLLABLES = _SYLLABLES_TEXT.split()


def _made_up_names(rng: random.Random, n: int) -> list[str]:
    return [
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(n)
    ]


@dataclass(frozen=True)
class _Vocabulary:
    words: tuple[str, ...]
    cum_weights: tuple[float, ...]
    names: tuple[str, ...]

    @classmethod
    def build(cls, seed: int) -> _Vocabulary:
        rng = random.Random(f"{seed}:vocab")
        words = list(dict.fromkeys(_COMMON))
        rng.shuffle(words)
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(words))]  # Zipf-like
        return cls(
            tuple(words), tuple(itertools.accumulate(weights)), tuple(_made_up_names(rng, 400))
        )

    def sentence(self, rng: random.Random) -> str:
        n = rng.randint(7, 24)
        total = self.cum_weights[-1]
        words = [
            self.words[bisect.bisect(self.cum_weights, rng.random() * total)] for _ in range(n)
        ]
        for _ in range(rng.randint(0, 2)):
            words[rng.randrange(n)] = rng.choice(self.names)
        if n > 10 and rng.random() < 0.3:
            words[rng.randrange(3, n - 3)] += ","
        return " ".join(words).capitalize() + rng.choice("....!?")


@dataclass(frozen=True)
class Entry:
    number: int
    title: str
    link: str
    guid: str
    published: datetime
    author: str
    category: str
    html: str


@dataclass(frozen=True)
class FeedSpec:
    index: int
    kind: Literal["rss", "atom"]
    entries: int  # entries shown per document
    cdata: bool  # RSS: HTML in CDATA instead of escaped
    permalink_guid: bool  # RSS: <guid> is the link itself

    @property
    def path(self) -> str:
        return f"/f/{self.index:05d}.{self.kind}"

    @property
    def site(self) -> str:
        return f"news{self.index % 397:03d}.example.com"


def plan_feeds(n: int, *, entries: int = 20, seed: int = SEED) -> list[FeedSpec]:
    """Decide every feed's shape from the seed: ~60% RSS 2.0, ~40% Atom, entries +-20%."""
    rng = random.Random(f"{seed}:plan")
    out = []
    for i in range(n):
        kind: Literal["rss", "atom"] = "rss" if rng.random() < 0.6 else "atom"
        count = max(1, round(entries * rng.uniform(0.8, 1.2)))
        out.append(FeedSpec(i, kind, count, rng.random() < 0.4, rng.random() < 0.5))
    return out


class Generator:
    """Renders entries and feed documents; one per seed (the vocabulary is built once)."""

    def __init__(self, seed: int = SEED, body_bytes: int = BODY_BYTES) -> None:
        self.seed = seed
        self.body_bytes = body_bytes
        self.vocab = _Vocabulary.build(seed)

    def entry(self, spec: FeedSpec, number: int) -> Entry:
        rng = random.Random(f"{self.seed}:{spec.index}:{number}")
        v = self.vocab
        title = v.sentence(rng).rstrip(".!?,")[:90]
        slug = "-".join(title.lower().split()[:6]).strip(",")
        published = EPOCH + timedelta(minutes=spec.index % 600 + number * 47)
        link = f"https://{spec.site}/{published:%Y/%m}/{slug}-{spec.index}-{number}.html"
        paragraphs: list[str] = []
        size = 0
        target = int(self.body_bytes * rng.uniform(0.75, 1.25))
        while size < target:
            sentences = [v.sentence(rng) for _ in range(rng.randint(2, 6))]
            r = rng.random()
            if r < 0.15:
                k = rng.randrange(len(sentences))
                words = sentences[k].split()
                a = rng.randrange(len(words))
                words[a] = (
                    f'<a href="https://{spec.site}/topic/{words[a].lower().strip(",.!?")}">{words[a]}</a>'
                )
                sentences[k] = " ".join(words)
            elif r < 0.25:
                sentences[0] = f"<strong>{sentences[0]}</strong>"
            elif r < 0.3:
                items = "".join(f"<li>{v.sentence(rng)}</li>" for _ in range(3))
                paragraphs.append(f"<ul>{items}</ul>")
            p = f"<p>{' '.join(sentences)}</p>"
            paragraphs.append(p)
            size += len(p)
        author = f"{rng.choice(v.names)} {rng.choice(v.names)}"
        category = rng.choice(("World", "Politics", "Business", "Science", "Health", "Sport"))
        guid = link if spec.permalink_guid else f"urn:bench:{spec.index}:{number}"
        return Entry(number, title, link, guid, published, author, category, "\n".join(paragraphs))

    def document(self, spec: FeedSpec, top: int) -> bytes:
        """The feed document whose newest entry is number ``top`` (newest first)."""
        numbers = range(top, max(-1, top - spec.entries), -1)
        entries = [self.entry(spec, n) for n in numbers]
        updated = entries[0].published if entries else EPOCH
        if spec.kind == "rss":
            return _rss(spec, entries, updated)
        return _atom(spec, entries, updated)


def _rss(spec: FeedSpec, entries: list[Entry], updated: datetime) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>Bench News {spec.index}</title>\n<link>https://{spec.site}/</link>\n"
        f"<description>Generated feed {spec.index}</description>\n<language>en</language>\n"
        f"<lastBuildDate>{format_datetime(updated)}</lastBuildDate>\n"
    ]
    for e in entries:
        body = f"<![CDATA[{e.html}]]>" if spec.cdata else escape(e.html, quote=False)
        perma = "true" if spec.permalink_guid else "false"
        out.append(
            f"<item>\n<title>{escape(e.title, quote=False)}</title>\n<link>{escape(e.link)}</link>\n"
            f'<guid isPermaLink="{perma}">{escape(e.guid)}</guid>\n'
            f"<pubDate>{format_datetime(e.published)}</pubDate>\n"
            f"<dc:creator>{e.author}</dc:creator>\n<category>{e.category}</category>\n"
            f"<description>{body}</description>\n</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode()


def _atom(spec: FeedSpec, entries: list[Entry], updated: datetime) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<title>Bench News {spec.index}</title>\n"
        f'<link rel="alternate" href="https://{spec.site}/"/>\n'
        f"<id>urn:bench:feed:{spec.index}</id>\n<updated>{updated.isoformat()}</updated>\n"
    ]
    for e in entries:
        out.append(
            f"<entry>\n<title>{escape(e.title, quote=False)}</title>\n"
            f'<link rel="alternate" type="text/html" href="{escape(e.link)}"/>\n'
            f"<id>{escape(e.guid)}</id>\n<published>{e.published.isoformat()}</published>\n"
            f"<updated>{e.published.isoformat()}</updated>\n"
            f"<author><name>{e.author}</name></author>\n"
            f'<category term="{e.category}"/>\n'
            f'<content type="html">{escape(e.html, quote=False)}</content>\n</entry>\n'
        )
    out.append("</feed>\n")
    return "".join(out).encode()


@dataclass
class FeedSet:
    """Feed files under ``root`` (served at ``/f/...``) and the newest entry of each."""

    root: Path
    specs: list[FeedSpec]
    gen: Generator
    tops: list[int] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        root: Path,
        n: int,
        *,
        entries: int = 20,
        seed: int = SEED,
        body_bytes: int = BODY_BYTES,
    ) -> FeedSet:
        specs = plan_feeds(n, entries=entries, seed=seed)
        fs = cls(root, specs, Generator(seed, body_bytes), [s.entries - 1 for s in specs])
        (root / "f").mkdir(parents=True, exist_ok=True)
        for spec in specs:
            fs._write(spec)
        return fs

    def path_of(self, spec: FeedSpec) -> Path:
        return self.root / spec.path.lstrip("/")

    def _write(self, spec: FeedSpec) -> None:
        dest = self.path_of(spec)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.write_bytes(self.gen.document(spec, self.tops[spec.index]))
        mtime = EPOCH.timestamp() + self.tops[spec.index] * 60
        os.utime(tmp, (mtime, mtime))
        os.replace(tmp, dest)

    def mutate(self, fraction: float, rng: random.Random) -> list[int]:
        """Push 1-3 new entries onto ``fraction`` of the feeds; return their indexes."""
        k = max(1, round(len(self.specs) * fraction)) if fraction > 0 else 0
        chosen = sorted(rng.sample(range(len(self.specs)), k))
        for i in chosen:
            self.tops[i] += rng.randint(1, 3)
            self._write(self.specs[i])
        return chosen

    def total_bytes(self) -> int:
        return sum(self.path_of(s).stat().st_size for s in self.specs)

    def urls(self, base_url: str) -> list[str]:
        return [base_url + s.path for s in self.specs]


def write_config(
    work: Path, urls: list[str], *, concurrency: int, per_host: int, timeout: str = "60s"
) -> Path:
    """An aggregator config for the bench feeds: loopback allowed, no article pages fetched."""
    (work / "feeds.yaml").write_text("".join(f"- url: {u}\n  full_text: never\n" for u in urls))
    cfg = work / "config.yaml"
    cfg.write_text(
        "database: state.db\n"
        "feeds_file: feeds.yaml\n"
        "fetch:\n"
        "  allow_private: true\n"
        f"  concurrency: {concurrency}\n"
        f"  per_host: {per_host}\n"
        f"  timeout: {timeout}\n"
    )
    return cfg


# ---- nginx -----------------------------------------------------------------------------------


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Nginx:
    """A foreground nginx serving ``root`` on 127.0.0.1; ``with Nginx(...) as n: n.base_url``."""

    def __init__(self, root: Path, workdir: Path, *, workers: int = 2) -> None:
        self.root = root
        self.workdir = workdir
        self.workers = workers
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> str:
        w = self.workdir
        user = ""
        if os.geteuid() == 0:  # as root nginx would drop to `nobody`: keep the current user
            import pwd

            pw = pwd.getpwuid(os.getuid())
            import grp

            user = f"user {pw.pw_name} {grp.getgrgid(pw.pw_gid).gr_name};\n"
        mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
        return f"""{user}worker_processes {self.workers};
daemon off;
master_process on;
pid {w}/nginx.pid;
error_log {w}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    {mime}
    types {{ application/rss+xml rss; application/atom+xml atom; }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    etag on;
    gzip off;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 1s;
    client_body_temp_path {w}/client_body;
    proxy_temp_path {w}/proxy;
    fastcgi_temp_path {w}/fastcgi;
    uwsgi_temp_path {w}/uwsgi;
    scgi_temp_path {w}/scgi;
    server {{
        listen 127.0.0.1:{self.port} backlog=4096;
        root {self.root};
        location / {{ }}
    }}
}}
"""

    def start(self) -> None:
        binary = find_nginx()
        if binary is None:
            raise RuntimeError(f"nginx not found; {NGINX_HINT}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        for attempt in range(5):
            self.port = free_port()
            conf = self.workdir / "nginx.conf"
            conf.write_text(self._config())
            self.proc = subprocess.Popen(
                [
                    binary,
                    "-p",
                    str(self.workdir),
                    "-c",
                    str(conf),
                    "-e",
                    str(self.workdir / "error.log"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        return
                except OSError:
                    time.sleep(0.05)
            err = (
                self.proc.stderr.read().decode(errors="replace")
                if self.proc.poll() is not None and self.proc.stderr
                else ""
            )
            self.stop()
            if "Address already in use" not in err:
                raise RuntimeError(f"nginx did not start (attempt {attempt + 1}): {err.strip()}")
        raise RuntimeError("nginx could not find a free port")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def missing_reader() -> str | None:
    """Why lemon24/reader cannot run here (None if it can)."""
    import importlib.util

    if importlib.util.find_spec("reader") is None:
        return f"the `reader` package is missing; {READER_HINT}"
    if importlib.util.find_spec("sgmllib") is None:  # reader's vendored feedparser imports it
        return "reader needs `sgmllib`; install it with: .venv/bin/pip install 'sgmllib3k>=1.0'"
    return None


def require_nginx() -> None:
    if find_nginx() is None:
        print(f"error: the nginx binary is missing; {NGINX_HINT}", file=sys.stderr)
        raise SystemExit(3)


# ---- RSS -------------------------------------------------------------------------------------


def _status_kb(pid: int, *fields: str) -> dict[str, int]:
    out = dict.fromkeys(fields, 0)
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in out:
                    out[key] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def descendants(pid: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    """All descendants of ``pid``; a pid in ``exclude`` is skipped with its whole subtree."""
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            if c not in exclude:
                out.append(c)
                todo.append(c)
    return out


@dataclass(frozen=True)
class TreeMem:
    """Memory of this process and its descendants, in MB, read once from /proc (no sampling
    thread, so measuring costs the measured process nothing while it runs).

    ``self_hwm`` is the kernel's peak RSS of this process (VmHWM, = ``ru_maxrss``);
    ``tree_hwm`` sums every process's own peak: an upper bound of the tree's peak, which also
    counts shared pages (interpreter, libraries) once per process; ``tree_pss`` is the tree's
    proportional set size now (shared pages split): the fair "memory used" at this moment."""

    self_rss: float
    self_hwm: float
    tree_hwm: float
    tree_pss: float
    processes: int


def tree_mem(pid: int | None = None, exclude: frozenset[int] = frozenset()) -> TreeMem:
    """Memory of ``pid`` and its descendants; ``exclude`` drops whole subtrees (nginx)."""
    pid = pid or os.getpid()
    pids = [pid, *descendants(pid, exclude)]
    stats = [_status_kb(p, "VmRSS", "VmHWM") for p in pids]
    return TreeMem(
        self_rss=stats[0]["VmRSS"] / 1024,
        self_hwm=stats[0]["VmHWM"] / 1024,
        tree_hwm=sum(s["VmHWM"] for s in stats) / 1024,
        tree_pss=sum(_pss_kb(p) for p in pids) / 1024,
        processes=len(pids),
    )


def tree_cpu_seconds(pid: int | None = None, exclude: frozenset[int] = frozenset()) -> float:
    """User+system CPU seconds used so far by ``pid`` and its live descendants (/proc stat)."""
    pid = pid or os.getpid()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in [pid, *descendants(pid, exclude)]:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return total / tick


def maxrss_mb() -> float:
    """Peak RSS of this process so far (getrusage; Linux reports KB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
