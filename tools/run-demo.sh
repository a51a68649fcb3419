#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the
# necklace story (examples/necklace.c) on a fresh SQLite store in a
# temporary file (on the in-memory store if this build has no SQLite).
#
#   bash tools/run-demo.sh
#
# Environment: BO_SKIP_DEPS=1 skips the apt-get step; BO_JOBS=N limits
# build parallelism (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${BO_SKIP_DEPS:-0}" != 1 ]; then
	bash tools/install-deps.sh
fi

jobs=${BO_JOBS:-$(nproc)}
if [ ! -f build-demo/build.ninja ]; then
	meson setup build-demo -Dtests=false -Dbench=false -Ddocs=false -Dexamples=true >/dev/null
fi
meson compile -C build-demo -j "$jobs" >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The program itself asks the library (bo_store_available("sqlite")) and
# falls back to the memory store, saying so, when SQLite is not built in.
build-demo/examples/necklace "sqlite:$tmp/shop.db"
