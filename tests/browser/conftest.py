"""One pcsandbox server and one Chromium for the browser tests.

The server is the binary named by PCSANDBOX_BIN (run.sh builds it), on an in-memory database and
free ports; Chromium is the system's (PCSANDBOX_CHROMIUM), driven by Playwright. Each test makes
its own sandbox on the control plane and takes screenshots into tests/browser/screenshots.
"""

import json
import os
import queue
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

READY_PREFIX = "pcsandbox ready "
HERE = Path(__file__).parent
SHOTS = HERE / "screenshots"


class Server:
    def __init__(self, binary, log_path):
        self._log = open(log_path, "w")
        self.log_path = log_path
        self.proc = subprocess.Popen(
            [binary, "serve", "--ephemeral", "--bind", "127.0.0.1:0", "--https-bind", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self._lines = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def ready(self, timeout=60):
        while True:
            line = self._lines.get(timeout=timeout)
            if line is None:
                raise RuntimeError("pcsandbox exited: " + Path(self.log_path).read_text()[-3000:])
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX):].split()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


class Pcs:
    """The running server: its plain HTTP base URL and a control-plane client."""

    def __init__(self, base):
        self.base = base

    def url(self, path):
        return self.base + path

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url("/sandbox/v1" + path), data=data, method=method,
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req) as res:
                raw = res.read()
                return res.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def create(self, name, scenario):
        status, sb = self.control("POST", "/sandboxes", {"name": name, "scenario": scenario})
        assert status == 201, sb
        return sb


def user_of(sb, upn):
    for t in sb["tenants"]:
        for u in t["users"]:
            if u["userPrincipalName"] == upn:
                return u
    raise KeyError(upn)


@pytest.fixture(scope="session")
def pcs(tmp_path_factory):
    binary = os.environ.get("PCSANDBOX_BIN")
    if not binary:
        pytest.fail("PCSANDBOX_BIN is not set; run ./run.sh")
    server = Server(binary, str(tmp_path_factory.mktemp("server") / "server.log"))
    try:
        urls = server.ready()
        yield Pcs(next(u for u in urls if u.startswith("http://")).rstrip("/"))
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    exe = os.environ.get("PCSANDBOX_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=exe,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ctx.close()


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


GLYPHS_JS = """
(sel) => {
  const el = document.querySelector(sel);
  const style = getComputedStyle(el);
  const font = `${style.fontWeight} 32px ${style.fontFamily}`;
  const draw = (ch) => {
    const c = document.createElement("canvas");
    c.width = 48; c.height = 48;
    const g = c.getContext("2d");
    g.font = font; g.fillStyle = "#000"; g.textBaseline = "top";
    g.fillText(ch, 4, 4);
    return Array.from(g.getImageData(0, 0, 48, 48).data).join(",");
  };
  // An unassigned code point: whatever the browser draws for a glyph no font has.
  const missing = draw("\\u0378");
  const blank = draw(" ");
  const cjk = Array.from(el.textContent).filter((ch) => ch.codePointAt(0) >= 0x3000);
  const bad = cjk.filter((ch) => { const d = draw(ch); return d === missing || d === blank; });
  return {checked: cjk.length, missing: bad};
}
"""


def assert_japanese_renders(page, selector):
    """Every Japanese character of the element is drawn with a real glyph: not the box (or the
    nothing) a browser draws when no installed font has it (a machine without a CJK font)."""
    got = page.evaluate(GLYPHS_JS, selector)
    assert got["checked"] > 0, f"no Japanese text in {selector}"
    assert not got["missing"], f"drawn without a font: {''.join(got['missing'])} (install fonts-noto-cjk)"


WORD_JS = """
(word) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const split = [];
  let seen = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let at = n.data.indexOf(word);
    while (at >= 0) {
      seen += 1;
      const r = document.createRange();
      r.setStart(n, at); r.setEnd(n, at + word.length);
      const tops = new Set(Array.from(r.getClientRects()).map((x) => Math.round(x.top)));
      if (tops.size > 1) split.push(n.data.trim());
      at = n.data.indexOf(word, at + 1);
    }
  }
  return {seen, split};
}
"""


def assert_words_whole(page, *words):
    """Each Japanese word is on one line wherever it appears (no パート/ナー)."""
    for word in words:
        got = page.evaluate(WORD_JS, word)
        assert got["seen"] > 0, f"{word} is not on the page"
        assert not got["split"], f"{word} breaks across lines in: {got['split']}"
