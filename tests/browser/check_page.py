#!/usr/bin/env python3
"""The report's HTML page in a real browser (headless Chromium).

usage: check_page.py BACKORDER TRACE REFERENCE.png [--update] [--out DIR]

Makes the page with `BACKORDER replay --report html TRACE` (fixed data, the
trace's own clock), opens it in headless Chromium driven through the
DevTools protocol over a pipe (--remote-debugging-pipe: no port, no
network, the standard library only), and checks:

- the page loads with no console message of level error or warning, no
  uncaught exception, no script, and no request for anything but the page;
- every chart is an <svg> with a non-zero size, at desktop width and at a
  phone's, and at a phone's width nothing is wider than the screen;
- a screenshot at 1000 x (page height) matches REFERENCE.png within a
  tolerance: the same size, and at most 0.2% of the pixels differing by
  more than 48 in some channel (anti-aliasing may move a little; a changed
  figure does not pass: one item's stock changed moves 0.5%). Fonts are
  pinned: the page names DejaVu Sans, which tools/install-deps.sh installs.

--update writes the screenshot to REFERENCE.png and docs/report.png (the
README's picture) instead of comparing. --out DIR keeps the page and the
screenshots there (default: a temporary directory, removed).

Exit status: 0 pass, 1 fail, 77 skipped (no chromium; but with
BO_REQUIRE_BROWSER=1 in the environment, as tools/run-tests.sh sets, a
missing browser fails).
"""
import base64
import fcntl
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

DESKTOP = (1000, 800)
PHONE = (390, 844)
TOLERANCE = 0.002     # share of pixels that may differ (0.2%)
CHANNEL_DIFF = 48     # a pixel differs when a channel differs by more


def find_browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """Chromium with the DevTools protocol on fds 3 (to it) and 4 (from it)."""

    def __init__(self, exe, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # above 4, so that the shell below can put them on 3 and 4
        to_r, from_w = self._high(to_r), self._high(from_w)
        # Chromium reads commands on fd 3 and writes on fd 4: a shell puts
        # the pipes there (subprocess closes every other descriptor).
        args = ["/bin/bash", "-c", 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (to_r, from_w, to_r, from_w), "sh",
                exe, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--disable-component-update",
                "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
                "--force-device-scale-factor=1", "--font-render-hinting=none",
                "--disable-font-subpixel-positioning", "--disable-lcd-text",
                "--force-color-profile=srgb", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--user-data-dir=" + profile, "about:blank"]
        self.proc = subprocess.Popen(args, pass_fds=(to_r, from_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    @staticmethod
    def _high(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return high

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _read(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from the browser")
            chunk = os.read(self.from_r, 1 << 16)
            if not chunk:
                raise RuntimeError("the browser closed the pipe: " + self.stderr_text())
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=30):
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method, session, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["method"] == method and ev.get("sessionId") == session:
                    return self.events.pop(i)
            msg = self._read(deadline)
            if "method" in msg:
                self.events.append(msg)

    def stderr_text(self):
        try:
            self.proc.wait(timeout=5)
            return self.proc.stderr.read().decode(errors="replace")[-2000:]
        except Exception:
            return ""

    def close(self):
        try:
            self.send("Browser.close")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_w)
        os.close(self.from_r)


# ---------------------------------------------------------------- PNG

def png_decode(data):
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("unsupported PNG (depth %d, colour type %d)" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif f == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 255
        elif f == 3:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((a + prev[x]) >> 1)) & 255
        elif f == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        rows.append(bytes(line) if bpp == 3 else bytes(b for k, b in enumerate(line) if k % 4 != 3))
        prev = line
    return width, height, rows


def png_diff(a, b):
    """Share of pixels of two decoded images differing by more than CHANNEL_DIFF."""
    wa, ha, ra = a
    wb, hb, rb = b
    if (wa, ha) != (wb, hb):
        return None
    bad = 0
    for la, lb in zip(ra, rb):
        if la == lb:
            continue
        for x in range(0, len(la), 3):
            if (abs(la[x] - lb[x]) > CHANNEL_DIFF or abs(la[x + 1] - lb[x + 1]) > CHANNEL_DIFF
                    or abs(la[x + 2] - lb[x + 2]) > CHANNEL_DIFF):
                bad += 1
    return bad / float(wa * ha)


# ---------------------------------------------------------------- checks

PROBE = """JSON.stringify({
  svgs: Array.from(document.querySelectorAll('svg')).map(function (s) {
    var r = s.getBoundingClientRect(); return [s.id, r.width, r.height]; }),
  scripts: document.scripts.length,
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  height: Math.ceil(document.documentElement.getBoundingClientRect().height),
  font: getComputedStyle(document.body).fontFamily,
  advice: Array.from(document.querySelectorAll('td.order')).map(function (t) { return t.textContent; })
})"""


def load(browser, session, url, size, problems, label):
    w, h = size
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600}, session)
    browser.call("Page.navigate", {"url": url}, session)
    browser.wait_event("Page.loadEventFired", session)
    res = browser.call("Runtime.evaluate", {"expression": PROBE, "returnByValue": True}, session)
    info = json.loads(res["result"]["value"])
    if len(info["svgs"]) != 3:
        problems.append("%s: %d charts, expected 3" % (label, len(info["svgs"])))
    for sid, sw, sh in info["svgs"]:
        if not (sw > 0 and sh > 0):
            problems.append("%s: chart %s has size %gx%g" % (label, sid, sw, sh))
    if info["scripts"]:
        problems.append("%s: the page has %d scripts" % (label, info["scripts"]))
    if info["scrollWidth"] > info["innerWidth"]:
        problems.append("%s: the page is %dpx wide on a %dpx screen"
                        % (label, info["scrollWidth"], info["innerWidth"]))
    if "DejaVu Sans" not in info["font"]:
        problems.append("%s: font %s" % (label, info["font"]))
    return info


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    update = "--update" in argv
    out_dir = None
    if "--out" in argv:
        out_dir = argv[argv.index("--out") + 1]
        args.remove(out_dir)
    if len(args) != 3:
        print(__doc__)
        return 2
    backorder, trace, reference = args
    exe = find_browser()
    if exe is None:
        print("chromium not found: install it (tools/install-deps.sh)")
        return 1 if os.environ.get("BO_REQUIRE_BROWSER") == "1" else 77

    tmp = tempfile.mkdtemp(prefix="bo-browser-")
    work = out_dir or tmp
    os.makedirs(work, exist_ok=True)
    problems = []
    browser = None
    try:
        page = os.path.join(work, "report.html")
        with open(page, "wb") as f:
            r = subprocess.run([backorder, "replay", "--report", "html", trace], stdout=f,
                               stderr=subprocess.PIPE)
        if r.returncode != 0:
            print("backorder replay failed (%d): %s" % (r.returncode, r.stderr.decode(errors="replace")))
            return 1
        url = "file://" + os.path.abspath(page)

        browser = Browser(exe, os.path.join(tmp, "profile"))
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(domain + ".enable", {}, session)

        desk = load(browser, session, url, DESKTOP, problems, "desktop")
        print("desktop: charts %s, page height %d, advice %s"
              % (desk["svgs"], desk["height"], desk["advice"][:3]))
        if not desk["advice"] or not desk["advice"][0].startswith("order "):
            problems.append("no restock advice on the page")
        # the whole page, at desktop width
        height = max(desk["height"], 1)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": DESKTOP[0], "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        shot = browser.call("Page.captureScreenshot",
                            {"format": "png", "captureBeyondViewport": True,
                             "clip": {"x": 0, "y": 0, "width": DESKTOP[0], "height": height, "scale": 1}},
                            session)
        png = base64.b64decode(shot["data"])
        with open(os.path.join(work, "report.png"), "wb") as f:
            f.write(png)

        phone = load(browser, session, url, PHONE, problems, "phone")
        print("phone: charts %s, page %dpx wide" % (phone["svgs"], phone["scrollWidth"]))
        pshot = browser.call("Page.captureScreenshot", {"format": "png"}, session)
        with open(os.path.join(work, "report-phone.png"), "wb") as f:
            f.write(base64.b64decode(pshot["data"]))

        # console errors, exceptions, requests for anything but the page
        for ev in browser.events:
            m, p = ev["method"], ev.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                problems.append("console %s: %s" % (p["type"], p.get("args")))
            elif m == "Runtime.exceptionThrown":
                problems.append("exception: %s" % p.get("exceptionDetails", {}).get("text"))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                problems.append("log %s: %s" % (p["entry"]["level"], p["entry"].get("text")))
            elif m == "Network.requestWillBeSent" and p.get("request", {}).get("url") != url:
                problems.append("request for %s" % p["request"]["url"])
            elif m == "Network.loadingFailed":
                problems.append("loading failed: %s" % p.get("errorText"))

        if update:
            shutil.copyfile(os.path.join(work, "report.png"), reference)
            docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "report.png")
            shutil.copyfile(os.path.join(work, "report.png"), docs)
            print("wrote %s and %s" % (reference, os.path.normpath(docs)))
        else:
            with open(reference, "rb") as f:
                want = png_decode(f.read())
            got = png_decode(png)
            share = png_diff(want, got)
            if share is None:
                problems.append("screenshot is %dx%d, reference %dx%d" % (got[0], got[1], want[0], want[1]))
            else:
                print("screenshot: %.3f%% of the pixels differ from the reference (at most %.1f%%)"
                      % (share * 100, TOLERANCE * 100))
                if share > TOLERANCE:
                    problems.append("screenshot differs from the reference in %.2f%% of the pixels"
                                    % (share * 100))
    finally:
        if browser is not None:
            browser.close()
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("FAIL: " + p)
    if problems and out_dir is None:
        print("(run with --out DIR to keep the page and the screenshots)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
