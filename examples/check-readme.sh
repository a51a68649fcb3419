#!/bin/sh
# check-readme.sh README.md examples/readme_example.c
# The README's C example (the ```c block after the line
# "<!-- example: examples/readme_example.c -->") must be the file, exactly.
set -u
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
awk '
	/^<!-- example: examples\/readme_example.c -->/ { found = 1; next }
	found == 1 && /^```c$/ { found = 2; next }
	found == 2 && /^```$/ { exit }
	found == 2 { print }
' "$1" >"$tmp"
if [ ! -s "$tmp" ]; then
	echo "check-readme: no example block in $1" >&2
	exit 1
fi
if ! diff -u "$2" "$tmp"; then
	echo "check-readme: the README's example differs from $2" >&2
	exit 1
fi
