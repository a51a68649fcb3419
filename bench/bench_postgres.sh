#!/usr/bin/env bash
# Run bench_postgres (the library against hand-written SQL, 1, 2 and 8
# processes, spread and hot) on a throwaway PostgreSQL server with default
# durability (fsync, synchronous_commit and full_page_writes on), then stop
# the server. Figures: docs/PERFORMANCE.md.
#
#   bench/bench_postgres.sh [BUILD_DIR] [bench_postgres options...]
#
# BUILD_DIR defaults to build-bench (configured with -Dbuildtype=release
# when it does not exist). Options go to bench_postgres (default: 3 runs of
# 3 s per case, medians).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
[ $# -gt 0 ] && shift
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release -Dbench=true -Dtests=false -Dexamples=false >/dev/null
fi
ninja -C "$build" bench/bench_postgres >/dev/null
conninfo=$(bash tools/pg-test-server.sh start --durable)
trap 'bash tools/pg-test-server.sh stop "$conninfo"' EXIT
"$build/bench/bench_postgres" "$conninfo" "$@"
