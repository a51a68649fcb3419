#!/usr/bin/env python3
"""The man pages render without a single warning, and backorder(1) covers the program.

usage: check_man.py BACKORDER PAGE [PAGE ...]

Each PAGE is formatted by groff with every warning on (`groff -ww -man -z`)
for a terminal (-Tutf8) and for print (-Tps), and by man(1) as a linter
would (`man --warnings -l`) when man is installed; any message fails.
For backorder.1, every command that `backorder --help` lists and every
exit status the program documents must appear in the page.
Exit status 77 (skipped) when groff is missing (tools/install-deps.sh
installs it).
"""
import os
import re
import shutil
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe, pages = sys.argv[1], sys.argv[2:]
    if shutil.which("groff") is None:
        print("groff not found: install groff-base (tools/install-deps.sh)")
        return 77
    ok = True
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MANROFFSEQ="")
    for page in pages:
        runs = [["groff", "-ww", "-man", "-z", "-Tutf8", page],
                ["groff", "-ww", "-man", "-z", "-Tps", page]]
        if shutil.which("man"):
            runs.append(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page])
        clean = True
        for argv in runs:
            p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            err = p.stderr.decode(errors="replace")
            if p.returncode != 0 or err.strip():
                clean = ok = False
                print(f"{' '.join(argv)}: exit {p.returncode}")
                sys.stdout.write(err)
        if clean:
            print(f"{os.path.basename(page)}: rendered without warnings ({len(runs)} ways)")

        if os.path.basename(page) == "backorder.1":
            with open(page, encoding="utf-8") as f:
                text = f.read()
            helptext = subprocess.run([exe, "--help"], stdout=subprocess.PIPE, check=True).stdout.decode()
            commands = re.findall(r"^  ([a-z]+) {2,}", helptext, re.M)
            if len(commands) < 10:
                ok = False
                print(f"only {len(commands)} commands found in `backorder --help`")
            for c in commands:
                # a .TP item or a section that names the command
                if not re.search(r'^\.(B|BI|BR|SH) "?' + c + r'\b', text, re.M):
                    ok = False
                    print(f"backorder.1: the command '{c}' is not described")
            for status in ["0", "1", "2", "11", "12", "13", "14", "15", "16", "17", "64", "74"]:
                if not re.search(r"^\.B " + status + r"$", text, re.M):
                    ok = False
                    print(f"backorder.1: the exit status {status} is not described")
            for word in helptext.split():
                m = re.fullmatch(r"\[?(--[a-z-]+)\]?,?", word)
                if m and m.group(1).replace("-", r"\-") not in text:
                    ok = False
                    print(f"backorder.1: the option {m.group(1)} is not described")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
