#!/bin/sh
# Run an example program and check what it printed.
#
#   expect.sh [--files N] PROGRAM [ARG...] -- PATTERN...
#
# The program must exit 0 and its standard output must contain every
# PATTERN (a fixed string), each on the line that matched the pattern
# before it or a later one, so the story is checked in order. A PATTERN
# starting with '!' must not appear anywhere. "@TMP@" in an ARG becomes a
# fresh temporary directory; with --files N, exactly N *.msg files must be
# in it afterwards (and no *.tmp file).
set -u
files=
if [ "$1" = --files ]; then
	files=$2
	shift 2
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
out=$tmp/stdout

prog=$1
shift
n=0
for a in "$@"; do
	[ "$a" = -- ] && break
	n=$((n + 1))
done
# Rebuild the argument list: program args first (with @TMP@ replaced).
i=0
for a in "$@"; do
	shift
	if [ $i -lt "$n" ]; then
		set -- "$@" "$(printf '%s' "$a" | sed "s|@TMP@|$tmp|g")"
	elif [ $i -gt "$n" ]; then
		printf '%s\n' "$a" >>"$tmp/patterns"
	fi
	i=$((i + 1))
done

# EXPECT_WRAPPER (e.g. valgrind, set by tools/run-tests.sh) runs the program.
# shellcheck disable=SC2086
${EXPECT_WRAPPER:-} "$prog" "$@" >"$out"
status=$?
cat "$out"
if [ $status -ne 0 ]; then
	echo "expect: $prog exited with status $status" >&2
	exit 1
fi

fail=0
last=0
if [ -f "$tmp/patterns" ]; then
	while IFS= read -r pat; do
		case $pat in
		!*)
			if grep -F -q -e "${pat#!}" "$out"; then
				echo "expect: unwanted output: ${pat#!}" >&2
				fail=1
			fi
			;;
		*)
			line=$(grep -n -F -e "$pat" "$out" | awk -F: -v last="$last" '$1 + 0 >= last + 0 { print $1; exit }')
			if [ -z "$line" ]; then
				echo "expect: missing (after line $last): $pat" >&2
				fail=1
			else
				last=$line
			fi
			;;
		esac
	done <"$tmp/patterns"
fi
if [ -n "$files" ]; then
	count=$(find "$tmp" -name '*.msg' | wc -l)
	if [ "$count" -ne "$files" ]; then
		echo "expect: $count message files, expected $files" >&2
		fail=1
	fi
	if find "$tmp" -name '*.tmp' | grep -q .; then
		echo "expect: temporary files left behind" >&2
		fail=1
	fi
fi
exit $fail
