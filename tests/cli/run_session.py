#!/usr/bin/env python3
"""Run a shell session test of the `backorder` program (a small cram).

usage: run_session.py [--update] [--at TIME] BACKORDER SESSION.t|FILE.md ...

A session file reads like a terminal transcript. Lines indented by two
spaces are the test; all other lines are commentary:

      $ backorder place A-1 NECKLACE:1     a command (run by bash)
      > more of the same command           a continuation line
      order             A-1                its expected output (stdout and
      ...                                  stderr together); `...` alone
      [13]                                 matches any lines; a line ending in
                                           ` (re)` is a regular expression;
                                           `[N]` is the exit status when not 0

All commands of a file run in one bash, in order, in a fresh temporary
directory (also $TMPDIR and $HOME), so variables and functions carry over.
The environment: `backorder` first on PATH, BACKORDER_STORE=sqlite:$PWD/shop.db,
SRCDIR (the source tree), BUILDDIR (the build tree), LC_ALL=C.

--update rewrites the expected output of failing commands with what they
printed (check the diff before committing it).

A Markdown file (README.md) is a session too: each ```console block holds
`$ command` lines, each followed by its output. With --at TIME, the
commands of a Markdown session run as `backorder --at TIME`, so that the
times they print are those written down.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile

SALT = "BO-SESSION-SALT-7f3a"


def parse(path):
    """-> list of (lineno, command, expected lines, status), plus the file's lines."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cmds = []
    cur = None
    for i, line in enumerate(lines):
        if line.startswith("  $ "):
            cur = {"line": i, "cmd": line[4:], "exp": [], "status": 0, "end": i + 1}
            cmds.append(cur)
        elif line.startswith("  > ") and cur is not None and not cur["exp"]:
            cur["cmd"] += "\n" + line[4:]
            cur["end"] = i + 1
        elif line.startswith("  ") and cur is not None:
            m = re.fullmatch(r"  \[(\d+)\]", line)
            if m:
                cur["status"] = int(m.group(1))
            else:
                cur["exp"].append(line[2:])
            cur["end"] = i + 1
        else:
            cur = None
    return cmds, lines


def parse_markdown(path):
    """The ```console blocks of a Markdown file, as parse() returns a session."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    cmds = []
    inside = False
    for i, line in enumerate(lines):
        if line.strip() == "```console":
            inside = True
        elif inside and line.strip() == "```":
            inside = False
        elif inside and line.startswith("$ "):
            cmds.append({"line": i, "cmd": line[2:], "exp": [], "status": 0, "end": i + 1})
        elif inside and cmds:
            cmds[-1]["exp"].append(line)
    return cmds, lines


def matches(exp, got):
    parts = []
    for e in exp:
        if e == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        elif e.endswith(" (re)"):
            parts.append("(?:" + e[:-5] + r")\n")
        else:
            parts.append(re.escape(e) + r"\n")
    text = "".join(g + "\n" for g in got)
    return re.fullmatch("".join(parts), text) is not None


def run(exe, path, update, at=None):
    markdown = path.endswith(".md")
    cmds, lines = parse_markdown(path) if markdown else parse(path)
    if markdown:
        update = False
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.TemporaryDirectory(prefix="bo-session-")
    script = ["exec 2>&1", "cd \"$TMPDIR\""]
    if markdown and at:
        script.append('backorder() { command backorder --at "%s" "$@"; }' % at)
    for n, c in enumerate(cmds):
        script.append(c["cmd"])
        script.append("printf '\\n%s %d %d\\n' " + SALT + " " + str(n) + " $?")
    env = dict(os.environ)
    env.update({
        "PATH": os.path.dirname(exe) + os.pathsep + env.get("PATH", ""),
        "BACKORDER_STORE": "sqlite:" + os.path.join(tmp.name, "shop.db"),
        "TMPDIR": tmp.name,
        "HOME": tmp.name,
        "LC_ALL": "C",
        "SRCDIR": src,
        "BUILDDIR": os.path.dirname(os.path.dirname(exe)),
    })
    script_path = os.path.join(tmp.name, ".session.sh")
    with open(script_path, "w", encoding="utf-8") as f:
        f.write("\n".join(script) + "\n")
    # A session of its own, so that a timeout ends every process it started.
    proc = subprocess.Popen(["bash", "--norc", "--noprofile", script_path], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, env=env, start_new_session=True)
    try:
        raw, _ = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raw, _ = proc.communicate()
        raw += b"\n(the session timed out)\n"
    out = raw.decode("utf-8", errors="replace")
    results = {}
    pos = 0
    for m in re.finditer(r"\n" + SALT + r" (\d+) (\d+)\n", out):
        chunk = out[pos:m.start()]
        pos = m.end()
        got = chunk.split("\n")
        if got and got[-1] == "":
            got.pop()
        elif got:
            got[-1] += " (no-eol)"
        results[int(m.group(1))] = (got, int(m.group(2)))
    ok = True
    new_lines = list(lines)
    offset = 0
    for n, c in enumerate(cmds):
        if n not in results:
            print(f"{path}:{c['line'] + 1}: no result (the session stopped early)")
            print(out[pos:])
            return False
        got, status = results[n]
        if status == c["status"] and matches(c["exp"], got):
            continue
        ok = False
        print(f"{path}:{c['line'] + 1}: $ {c['cmd']}")
        if status != c["status"]:
            print(f"  exit status {status}, expected {c['status']}")
        print("  expected:")
        for e in c["exp"]:
            print("    " + e)
        print("  got:")
        for g in got:
            print("    " + g)
        if update:
            first = c["line"] + 1 + offset
            while first < len(new_lines) and new_lines[first].startswith("  > "):
                first += 1
            last = c["end"] + offset
            repl = ["  " + g for g in got]
            if status:
                repl.append(f"  [{status}]")
            new_lines[first:last] = repl
            offset += len(repl) - (last - first)
    if update and not ok:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(new_lines) + "\n")
    tmp.cleanup()
    return ok


def main(argv):
    update = False
    at = None
    while argv and argv[0].startswith("--"):
        if argv[0] == "--update":
            update = True
            argv = argv[1:]
        elif argv[0] == "--at" and len(argv) > 1:
            at = argv[1]
            argv = argv[2:]
        else:
            print(__doc__)
            return 2
    if len(argv) < 2:
        print(__doc__)
        return 2
    exe = os.path.abspath(argv[0])
    ok = True
    for path in argv[1:]:
        ok = run(exe, path, update, at) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
