"""``python3 -m backorder``: the versions of these bindings and of the C library.

``python3 -m backorder --version`` prints the bindings' version and the
version and path of the libbackorder they load (exit status 1, with the
reason, when the library cannot be loaded). The shop's operations are the
``backorder`` program's (see backorder(1)); this module only reports.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import __version__, library_path, library_version


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m backorder",
        description="The backorder Python package: ctypes bindings of libbackorder.")
    parser.add_argument("--version", action="store_true",
                        help="print the versions of the bindings and of the library they load")
    args = parser.parse_args(argv)
    if not args.version:
        parser.print_help()
        return 0
    print("backorder %s (Python bindings)" % __version__)
    try:
        version = library_version()
    except ImportError as exc:
        print("python3 -m backorder: libbackorder: %s" % exc, file=sys.stderr)
        return 1
    print("libbackorder %s (%s)" % (version, library_path()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
