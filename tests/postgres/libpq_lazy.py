#!/usr/bin/env python3
"""libpq is loaded only when a PostgreSQL store is opened, and a missing
libpq is a clear storage error, not a failure to start.

usage: libpq_lazy.py BACKORDER
"""
import os
import subprocess
import sys
import tempfile

exe = sys.argv[1]
failures = 0


def check(what, ok, detail=""):
    global failures
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok else "\n" + detail))
    if not ok:
        failures += 1


with tempfile.NamedTemporaryFile("w", suffix=".trace", delete=False) as f:
    f.write("item A\nreceive A 1\n")
    trace = f.name

try:
    # 1. A memory replay never loads libpq (the loader lists what it opens).
    env = dict(os.environ, LD_DEBUG="files")
    r = subprocess.run([exe, "replay", "--store", "memory", "--dump", trace],
                       env=env, capture_output=True, text=True)
    check("memory replay succeeds", r.returncode == 0, r.stderr[-2000:])
    check("memory replay does not load libpq", "libpq" not in r.stderr,
          "\n".join(l for l in r.stderr.splitlines() if "libpq" in l)[:2000])

    # 2. With libpq unloadable, opening a PostgreSQL store is exit 2 with
    #    a message that says why; nothing else breaks.
    env = dict(os.environ, BO_LIBPQ="/nonexistent/libpq.so.5")
    r = subprocess.run([exe, "replay", "--store", "postgres:host=/nonexistent", trace],
                       env=env, capture_output=True, text=True)
    check("missing libpq: exit status 2", r.returncode == 2, f"exit {r.returncode}: {r.stderr}")
    check("missing libpq: the message names it",
          "cannot load libpq (/nonexistent/libpq.so.5)" in r.stderr, r.stderr)
    r = subprocess.run([exe, "replay", "--store", "memory", trace],
                       env=env, capture_output=True, text=True)
    check("missing libpq: memory replay still works", r.returncode == 0, r.stderr)
finally:
    os.unlink(trace)

sys.exit(1 if failures else 0)
