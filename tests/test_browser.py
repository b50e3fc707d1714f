"""The HTML digest in a real browser: headless Chromium at 375 px and 640 px, light and dark.

One Chromium process is driven over the DevTools protocol through ``--remote-debugging-pipe``
(JSON messages separated by NUL bytes on file descriptors 3 and 4), so no websocket library
and no network port are needed. For each width and colour scheme the page is laid out with
``Emulation.setDeviceMetricsOverride`` (exact widths: a headless window cannot be narrower
than 500 px) and ``Emulation.setEmulatedMedia`` (prefers-color-scheme; checked in the page
with ``matchMedia``), measured by a small script, and photographed into tests/out/browser/.

Checks: no horizontal overflow (document scrollWidth <= viewport width), no element's right
edge beyond the viewport, every link an absolute http(s) URL, no resource loaded at all
(no images, fonts or CSS from anywhere), dark mode actually changes the colours.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aggregator.digest import build_digest
from aggregator.digest.render import render
from aggregator.types import Digest, FailingFeed
from tests.support.httpd import FixtureHTTPServer, Reply
from tests.test_render import hostile_candidates, rich_candidates

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent / "out" / "browser"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]
TIMEOUT = 30.0  # seconds for any one DevTools command

MEASURE_JS = r"""
(() => {
  const doc = document.documentElement, vw = doc.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5) wide.push(`${el.tagName.toLowerCase()}.${el.className} right=${r.right}`);
  }
  const card = document.querySelector('.card');
  return {
    viewport: vw,
    scrollWidth: Math.max(doc.scrollWidth, document.body.scrollWidth),
    height: Math.ceil(Math.max(doc.scrollHeight, document.body.scrollHeight)),
    tooWide: wide.slice(0, 20),
    hrefs: Array.from(document.querySelectorAll('[href]'), a => a.getAttribute('href')),
    links: document.querySelectorAll('a').length,
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    bodyBg: getComputedStyle(document.body).backgroundColor,
    cardBg: card ? getComputedStyle(card).backgroundColor : null,
    cardWidth: card ? card.getBoundingClientRect().width : null,
    resources: performance.getEntriesByType('resource').map(e => e.name),
    scripts: document.scripts.length,
  };
})()
"""


class DevTools:
    """Minimal DevTools-protocol client over Chromium's --remote-debugging-pipe."""

    def __init__(self, user_data_dir: str) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # park the child's ends on high numbers so dup2 onto 3 and 4 cannot clobber them
        high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 100)
        high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 100)

        def child_fds() -> None:
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=child_fds,  # safe here: the test process does not fork from threads
            pass_fds=(3, 4),
            start_new_session=True,  # its helpers (zygote, GPU, network) share its group
        )
        for fd in (to_chrome_r, from_chrome_w, high_r, high_w):
            os.close(fd)
        self._w = to_chrome_w
        self._r = from_chrome_r
        self._buf = b""
        self._next_id = 0
        self.session: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session is not None:
            message["sessionId"] = self.session
        os.write(self._w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._r], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def attach_page(self) -> None:
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        attached = self.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )
        self.session = attached["sessionId"]

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._w)
        with contextlib.suppress(OSError):
            os.close(self._r)
        # the whole group: a helper still writing into the profile after the browser exits
        # made removing the profile fail ("Directory not empty: 'Default'")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[DevTools]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed: apt-get install chromium")
    profile = tempfile.mkdtemp(prefix="chromium-")
    tools = DevTools(profile)
    try:
        tools.attach_page()
        yield tools
    finally:
        tools.close()
        _remove_profile(profile)


def _remove_profile(path: str) -> None:
    """Remove the browser profile; a helper process of the killed group may still be
    finishing a write for a moment, so a failed removal is retried for up to 2 s."""
    for _ in range(20):
        try:
            shutil.rmtree(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    shutil.rmtree(path, ignore_errors=True)


def _digest(kind: str) -> Digest:
    now = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    cands = rich_candidates() if kind == "rich" else hostile_candidates()
    failing = [
        FailingFeed("Flaky Feed", "https://flaky.example/" + "very-long-path/" * 12 + "rss",
                    "HTTP 503 Service Unavailable", 4, now - timedelta(days=2)),
    ]  # fmt: skip
    return build_digest(
        cands,
        recipient="reader@example.org",
        topics_order=["World", "Tech"],
        timezone="Europe/Kyiv",
        now=now,
        failing=failing,
    )


def load(browser: DevTools, html_path: Path, width: int, scheme: str) -> dict[str, Any]:
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.send(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    browser.send("Page.navigate", {"url": html_path.as_uri()})
    deadline = time.monotonic() + TIMEOUT
    while browser.evaluate("document.readyState") != "complete":
        assert time.monotonic() < deadline, "page did not load"
        time.sleep(0.05)
    measured: dict[str, Any] = browser.evaluate(MEASURE_JS)
    return measured


def screenshot(browser: DevTools, width: int, height: int, path: Path) -> None:
    height = min(height, 8000)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    shot = browser.send("Page.captureScreenshot", {"format": "png"})
    path.write_bytes(base64.b64decode(shot["data"]))


def _png(width: int, height: int) -> bytes:
    """A plain PNG of one colour (a lead image for the media digest)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x2a\x6f\xb4" * width
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")
    )  # fmt: skip


def _media_digest(image_url: str) -> Digest:
    """A podcast episode with a lead image and an unbreakable 150-character headline, beside
    the rich digest's stories (issue 14: enclosures, images, headline overflow)."""
    from aggregator.types import Enclosure, LeadImage, Media
    from tests.test_render import cand

    media = Media(
        (Enclosure("https://pod.example/ep42.mp3", "audio/mpeg", 34_500_000, "42:10"),),
        LeadImage(image_url, "The host at the microphone"),
    )
    now = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    cands = [
        cand(900, "pod", title="Episode 42: " + "Supercalifragilistic" * 7, media=media),
        *rich_candidates(),
    ]
    return build_digest(
        cands, recipient="reader@example.org", topics_order=["World", "Tech"],
        timezone="Europe/Kyiv", now=now,
    )  # fmt: skip


@pytest.mark.parametrize("width", [375, 640])
def test_enclosure_image_and_long_headline_in_chromium(
    browser: DevTools, httpd: FixtureHTTPServer, tmp_path: Path, width: int
) -> None:
    httpd.add("/lead.png", Reply(body=_png(1200, 600), headers={"Content-Type": "image/png"}))
    image = httpd.url("/lead.png")
    html = render(_media_digest(image), sender="Aggregator <digest@example.org>", images=True).html
    page = tmp_path / "digest-media.html"
    page.write_text(html, encoding="utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        m = load(browser, page, width, scheme)
        where = f"media {width}px {scheme}"
        assert m["scrollWidth"] <= width, f"{where}: horizontal overflow {m['scrollWidth']}"
        assert m["tooWide"] == [], f"{where}: elements wider than the viewport: {m['tooWide']}"
        assert m["resources"] == [image], f"{where}: loaded {m['resources']}"  # the image only
        assert "https://pod.example/ep42.mp3" in m["hrefs"]
        screenshot(browser, width, m["height"], OUT / f"digest-media-{width}-{scheme}.png")
    assert "Audio (MP3, 34.5 MB, 42:10)" in html and 'alt="The host at the microphone"' in html


@pytest.mark.parametrize("kind", ["rich", "hostile"])
@pytest.mark.parametrize("width", [375, 640])
def test_digest_in_chromium(browser: DevTools, tmp_path: Path, kind: str, width: int) -> None:
    html = render(_digest(kind), sender="Aggregator <digest@example.org>").html
    page = tmp_path / f"digest-{kind}.html"
    page.write_text(html, encoding="utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    seen: dict[str, dict[str, Any]] = {}
    for scheme in ("light", "dark"):
        m = load(browser, page, width, scheme)
        seen[scheme] = m
        where = f"{kind} {width}px {scheme}"
        assert m["viewport"] == width, where
        assert m["dark"] is (scheme == "dark"), f"{where}: emulated colour scheme not applied"
        assert m["scrollWidth"] <= width, f"{where}: horizontal overflow {m['scrollWidth']}"
        assert m["tooWide"] == [], f"{where}: elements wider than the viewport: {m['tooWide']}"
        assert m["links"] > 0 and all(h.startswith(("http://", "https://")) for h in m["hrefs"])
        assert m["resources"] == [], f"{where}: loaded {m['resources']}"
        assert m["scripts"] == 0
        assert m["cardWidth"] <= 640
        screenshot(browser, width, m["height"], OUT / f"digest-{kind}-{width}-{scheme}.png")
    assert seen["light"]["bodyBg"] != seen["dark"]["bodyBg"]
    assert seen["light"]["cardBg"] != seen["dark"]["cardBg"]
