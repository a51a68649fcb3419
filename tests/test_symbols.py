#!/usr/bin/env python3
"""The shared library exports only bo_ symbols, and exactly the functions
declared with BO_EXPORT in include/ (every one of them, nothing else).

usage: test_symbols.py LIBRARY INCLUDE_DIR [SKIP_HEADER ...]
  (NM in the environment, or nm). SKIP_HEADER names a header file (e.g.
  sqlite.h) of an adapter this build leaves out.
"""
import os
import re
import subprocess
import sys


def exported(lib):
    nm = os.environ.get("NM", "nm")
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        kind, name = parts[-2], parts[-1]
        name = name.split("@")[0]
        if kind == "A":  # version node names (LIBBACKORDER_0)
            continue
        syms[name] = kind
    return syms


def declared(include_dir, skip):
    names = set()
    decl = re.compile(r"\bBO_EXPORT\b[^;{]*?\b(bo_[A-Za-z0-9_]+)\s*\(", re.S)
    for root, _, files in os.walk(include_dir):
        for f in files:
            if not f.endswith(".h") or f in skip:
                continue
            with open(os.path.join(root, f), encoding="utf-8") as fh:
                text = fh.read()
            text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
            text = re.sub(r"//[^\n]*", " ", text)
            text = re.sub(r"#\s*define[^\n]*(\\\n[^\n]*)*", " ", text)
            names.update(decl.findall(text))
    return names


def main():
    lib, include_dir = sys.argv[1], sys.argv[2]
    syms = exported(lib)
    decls = declared(include_dir, set(sys.argv[3:]))
    bad = 0
    foreign = sorted(n for n in syms if not n.startswith("bo_"))
    if foreign:
        print("exported symbols without the bo_ prefix:", " ".join(foreign))
        bad = 1
    missing = sorted(decls - set(syms))
    if missing:
        print("declared BO_EXPORT but not exported:", " ".join(missing))
        bad = 1
    extra = sorted(set(n for n in syms if n.startswith("bo_")) - decls)
    if extra:
        print("exported but not declared with BO_EXPORT:", " ".join(extra))
        bad = 1
    if not decls:
        print("no BO_EXPORT declarations found in", include_dir)
        bad = 1
    print("%d exported symbols, %d declarations" % (len(syms), len(decls)))
    return bad


if __name__ == "__main__":
    sys.exit(main())
