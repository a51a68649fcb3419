#!/usr/bin/env bash
# The instruction-count guard (issue 15): run the fixed workload
# (guard_workload, tests/guard/workload.c) under callgrind and compare the
# instructions it executed with the count kept in tests/guard/instructions.
# Fails (exit 1) when the count grew by more than 10%; a count that fell by
# more than 10% passes with a note to lower the reference.
#
#   tests/guard/callgrind_guard.sh BUILD_DIR            check
#   tests/guard/callgrind_guard.sh BUILD_DIR --update   write the reference
#
# BUILD_DIR is a plain build (no sanitizers): the reference is taken on the
# test command's build-valgrind (-Dbuildtype=debugoptimized). Instruction
# counts do not depend on the machine's load, only on the code, the
# compiler and the C library, so one run is enough.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: callgrind_guard.sh BUILD_DIR [--update]}
ref=$here/instructions
exe=$build/tests/guard/guard_workload
limit_pct=10

[ -x "$exe" ] || { echo "callgrind guard: no $exe (build the tests first)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind guard: valgrind is not installed" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The workload's own output (its checksum) goes to stderr with valgrind's.
valgrind --tool=callgrind --callgrind-out-file=/dev/null "$exe" >"$log.out" 2>"$log" || {
	cat "$log" "$log.out" >&2; rm -f "$log.out"; echo "callgrind guard: the workload failed" >&2; exit 1; }
count=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log" | tail -n 1)
[ -n "$count" ] || count=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$log" | tr -d , | tail -n 1)
[ -n "$count" ] || { cat "$log" >&2; rm -f "$log.out"; echo "callgrind guard: no instruction count in valgrind's output" >&2; exit 1; }
summary=$(cat "$log.out")
rm -f "$log.out"

if [ "${2:-}" = --update ]; then
	{
		echo "# Instructions of tests/guard/workload.c under callgrind, on the test command's"
		echo "# plain build (build-valgrind). Written by: tests/guard/callgrind_guard.sh BUILD_DIR --update"
		echo "# $summary"
		echo "$count"
	} >"$ref"
	echo "callgrind guard: reference set to $count instructions ($summary)"
	exit 0
fi

want=$(grep -v '^#' "$ref" | head -n 1)
[ -n "$want" ] || { echo "callgrind guard: no reference in $ref" >&2; exit 1; }
pct=$(awk -v c="$count" -v w="$want" 'BEGIN { printf "%+.1f", (c - w) * 100 / w }')
echo "callgrind guard: $count instructions, reference $want ($pct%); $summary" >&2
if awk -v c="$count" -v w="$want" -v l="$limit_pct" 'BEGIN { exit !(c > w * (1 + l / 100)) }'; then
	echo "callgrind guard: the fixed workload grew by more than $limit_pct%: find the cause (callgrind_annotate)," >&2
	echo "  or, if the cost is wanted, raise the reference (--update) in the same commit and say why" >&2
	exit 1
fi
if awk -v c="$count" -v w="$want" -v l="$limit_pct" 'BEGIN { exit !(c < w * (1 - l / 100)) }'; then
	echo "callgrind guard: more than $limit_pct% fewer instructions than the reference: lower it (--update)" >&2
fi
exit 0
