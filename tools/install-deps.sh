#!/usr/bin/env bash
# Install everything libbackorder needs to build, test and document itself
# on Debian (12 "bookworm" or later). Idempotent: apt-get only installs what
# is missing, so running it on a prepared machine is quick.
#
# Used by tools/run-demo.sh and tools/run-tests.sh; run it alone with
#   bash tools/install-deps.sh
set -euo pipefail

packages=(
	meson ninja-build gcc g++ pkg-config
	libcmocka-dev libsqlite3-dev libbsd-dev
	doxygen valgrind python3 clang
	libpq-dev postgresql
	groff-base cmake bash-completion python3-venv
	chromium fonts-dejavu-core
)

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: not root and no sudo; install these by hand: ${packages[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update" >&2
"${as_root[@]}" apt-get update -qq
echo "install-deps: apt-get install ${packages[*]}" >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps: done" >&2
