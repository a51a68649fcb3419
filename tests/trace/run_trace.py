#!/usr/bin/env python3
"""Run one trace test of the `backorder` program and compare with its expectation.

usage: run_trace.py [--sqlite] BACKORDER TRACE [TRACE ...]

With --sqlite every trace runs on a fresh SQLite store, as if it said
`#! store: sqlite` (the same expected output on another adapter).

For NAME.trace the expectation is NAME.expected: the expected standard
output, with a first line `# exit N` giving the expected exit status.
In expected lines, a trailing `*` matches any rest of the line (used for
error messages, which are the library's wording) and a line `...` matches
any number of lines.

Directives in the trace (comments, so the program ignores them):
  #! args: OPTIONS   replay options instead of the default `--dump --events`
  #! stdin           feed the trace on standard input and pass `-`
  #! file: PATH      pass PATH instead of the trace (unreadable-file tests)
  #! argv: ARGS      run `backorder ARGS` (no `replay`, no file)
  #! store: sqlite   add `--store sqlite:TMP/store.db` (a fresh temporary file)
  #! then: NAME      then replay NAME (next to the trace) on the same store,
                     with the same options; outputs are concatenated and the
                     last exit status counts
Several TRACE arguments run in turn and all must pass.
"""
import os
import re
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


def run_one(exe, trace_path, d, store_args):
    base = os.path.dirname(trace_path)
    if "argv" in d:
        argv = [exe] + shlex.split(d["argv"])
        stdin = subprocess.DEVNULL
    else:
        opts = shlex.split(d["args"]) if "args" in d else ["--dump", "--events"]
        argv = [exe, "replay"] + store_args + opts
        if "stdin" in d:
            argv.append("-")
            stdin = open(trace_path, "rb")
        else:
            argv.append(d.get("file", trace_path))
            stdin = subprocess.DEVNULL
    proc = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=base or None, timeout=120)
    if stdin is not subprocess.DEVNULL:
        stdin.close()
    return argv, proc


def expected_regex(lines):
    parts = []
    for line in lines:
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        elif line.endswith("*"):
            parts.append(re.escape(line[:-1]) + r"[^\n]*\n")
        else:
            parts.append(re.escape(line) + r"\n")
    return re.compile("".join(parts) + r"\Z")


def check(exe, trace_path, force_sqlite=False):
    name = trace_path[:-len(".trace")] if trace_path.endswith(".trace") else trace_path
    with open(name + ".expected", encoding="utf-8") as f:
        exp = f.read().split("\n")
    if exp and exp[-1] == "":
        exp.pop()
    m = re.fullmatch(r"# exit (\d+)", exp[0]) if exp else None
    if not m:
        print(f"{name}.expected: first line must be '# exit N'")
        return False
    want_status = int(m.group(1))
    exp = exp[1:]

    d = directives(trace_path)
    if force_sqlite:
        d["store"] = "sqlite"
    tmp = tempfile.TemporaryDirectory(prefix="bo-trace-")
    store_args = []
    if d.get("store") == "sqlite":
        store_args = ["--store", "sqlite:" + os.path.join(tmp.name, "store.db")]
    out = b""
    runs = [trace_path]
    if "then" in d:
        runs.append(os.path.join(os.path.dirname(trace_path), d["then"]))
    status = None
    for i, path in enumerate(runs):
        dd = d if i == 0 else dict(d, **{k: v for k, v in directives(path).items()})
        if i > 0:
            dd.pop("then", None)
        argv, proc = run_one(exe, path, dd, store_args)
        out += proc.stdout
        status = proc.returncode
        if proc.returncode < 0:
            print(f"{' '.join(argv)}: killed by signal {-proc.returncode}")
            sys.stdout.write(proc.stderr.decode(errors="replace"))
            return False
    tmp.cleanup()

    text = out.decode("utf-8", errors="replace")
    ok = True
    if status != want_status:
        print(f"{name}: exit status {status}, expected {want_status}")
        ok = False
    if not expected_regex(exp).match(text):
        ok = False
        print(f"{name}: output differs from {name}.expected")
        got = text.split("\n")
        if got and got[-1] == "":
            got.pop()
        # a line-by-line view helps most: show the first mismatch in context
        for i in range(max(len(got), len(exp))):
            e = exp[i] if i < len(exp) else "<none>"
            g = got[i] if i < len(got) else "<none>"
            same = e == g or (e.endswith("*") and g.startswith(e[:-1]))
            if e == "...":
                break
            print(("   " if same else "-+ ") + f"{i + 1}: expected: {e}")
            if not same:
                print(f"   {i + 1}: actual:   {g}")
        if len(got) > len(exp):
            for g in got[len(exp):]:
                print(f"   extra: {g}")
    if not ok:
        print("--- full actual output ---")
        sys.stdout.write(text)
        print(f"--- stderr ---\n{proc.stderr.decode(errors='replace')}")
    return ok


def main():
    args = sys.argv[1:]
    force_sqlite = bool(args) and args[0] == "--sqlite"
    if force_sqlite:
        args = args[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    exe = os.path.abspath(args[0])
    ok = True
    for t in args[1:]:
        ok = check(exe, os.path.abspath(t), force_sqlite) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
