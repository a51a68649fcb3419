#!/usr/bin/env python3
"""Replay traces on PostgreSQL and on the memory store; the outputs must match.

usage: replay_compare.py BACKORDER TRACE [TRACE ...]

For each trace, `backorder replay --store postgres:CONNINFO OPTIONS TRACE`
(CONNINFO: $BO_TEST_PG with a fresh schema as search_path) must print the
same standard output and exit with the same status as `--store memory`.
OPTIONS are the trace's `#! args:` or `--dump --events`; a `#! then: NAME`
trace is replayed next on the same store, and then the reference is
`--store sqlite:TMPFILE` (the memory store forgets between runs). Traces that do not replay a file
(`#! argv`, `#! file`, `#! stdin`) are left out. Exit 77 (skipped) when
BO_TEST_PG is not set; CI always sets it.
"""
import os
import shlex
import subprocess
import sys
import tempfile


def directives(path):
    d = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            if line.startswith("#! "):
                key, _, val = line[3:].rstrip("\n").partition(":")
                d[key.strip()] = val.strip()
    return d


def psql(base, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base, "-c", "SET client_min_messages = warning; " + sql],
                   check=True, stdout=subprocess.DEVNULL, timeout=60)


def replay(exe, store, trace):
    d = directives(trace)
    opts = shlex.split(d["args"]) if "args" in d else ["--dump", "--events"]
    out, code = b"", 0
    path = trace
    while True:
        p = subprocess.run([exe, "replay", "--store", store] + opts + [path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=os.path.dirname(path) or None, timeout=300)
        out += p.stdout
        code = p.returncode
        nxt = directives(path).get("then")
        if not nxt:
            return out, code, p.stderr
        path = os.path.join(os.path.dirname(path), nxt)


def main():
    base = os.environ.get("BO_TEST_PG", "")
    if not base:
        print("BO_TEST_PG (a libpq conninfo) is not set: skipped")
        return 77
    if "://" in base:
        print("BO_TEST_PG must be in keyword form (host=... dbname=...) for this test")
        return 1
    exe, traces = os.path.abspath(sys.argv[1]), sys.argv[2:]
    failed = compared = 0
    for n, trace in enumerate(traces):
        d = directives(trace)
        if any(k in d for k in ("argv", "file", "stdin")):
            continue
        schema = "bo_replay_%d_%d" % (os.getpid(), n)
        psql(base, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s" % (schema, schema))
        try:
            if "then" in d:
                with tempfile.TemporaryDirectory() as tmp:
                    want = replay(exe, "sqlite:" + os.path.join(tmp, "ref.db"), trace)
            else:
                want = replay(exe, "memory", trace)
            got = replay(exe, "postgres:%s options='-c search_path=%s'" % (base, schema), trace)
        finally:
            psql(base, "DROP SCHEMA IF EXISTS %s CASCADE" % schema)
        compared += 1
        name = os.path.basename(trace)
        if got[:2] != want[:2]:
            failed += 1
            print("FAIL %s: postgres exit %d, memory exit %d" % (name, got[1], want[1]))
            print("--- memory\n%s--- postgres\n%s--- postgres stderr\n%s" % (
                want[0].decode(errors="replace"), got[0].decode(errors="replace"),
                got[2].decode(errors="replace")))
        else:
            print("ok %s (%d bytes of output, exit %d)" % (name, len(got[0]), got[1]))
    print("%d traces compared, %d differ" % (compared, failed))
    if compared == 0:
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
