#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of the PostgreSQL adapter.
#
#   tools/pg-test-server.sh start        -> prints a libpq conninfo, e.g.
#       host=/tmp/bo-pg.XXXXXX/sock port=54321 user=bo dbname=bo_test
#   tools/pg-test-server.sh start --durable   the same with PostgreSQL's
#       default durability (fsync, synchronous_commit, full_page_writes on):
#       for benchmarks (bench/bench_postgres.sh)
#   tools/pg-test-server.sh stop CONNINFO   stops that server, removes its files
#   tools/pg-test-server.sh restart CONNINFO   restarts it (fast shutdown)
#   tools/pg-test-server.sh halt CONNINFO      stops it, keeping its files
#   tools/pg-test-server.sh resume CONNINFO    starts it again after halt
#       (restart, halt and resume: for the fault tests)
#
# start: initdb (trust authentication, superuser "bo", UTF8) into a new
# mktemp directory, then pg_ctl -w start with the server listening only on
# 127.0.0.1 at a free port and on a unix socket inside the same directory;
# creates the database bo_test. The conninfo uses the unix socket (the
# fastest loopback); host=127.0.0.1 with the same port works too.
# Durability is switched off (fsync, synchronous_commit, full_page_writes):
# the cluster lives for one test run. The server's options are kept in the
# directory (opts) for restart and resume.
#
# When run as root, the directory is handed to the "postgres" system user
# and the server runs as that user (PostgreSQL refuses to run as root).
#
# Environment: PG_BIN overrides the directory of initdb and pg_ctl
# (default: /usr/lib/postgresql/15/bin, else the newest
# /usr/lib/postgresql/*/bin, else $PATH).
set -euo pipefail

pg_bin() {
	if [ -n "${PG_BIN:-}" ]; then
		echo "$PG_BIN"
		return
	fi
	if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
		echo /usr/lib/postgresql/15/bin
		return
	fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
		return
	fi
	dirname "$(command -v initdb || echo /nonexistent/initdb)"
}

# Run a command as the server's user (postgres when we are root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

start() {
	local bin dir port tries=0 durable=${1:-} opts
	bin=$(pg_bin)
	[ -x "$bin/initdb" ] || { echo "pg-test-server: no initdb in $bin (install postgresql)" >&2; exit 1; }
	dir=$(mktemp -d /tmp/bo-pg.XXXXXX)
	chmod 700 "$dir"
	mkdir "$dir/sock"
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || { echo "pg-test-server: running as root needs a postgres user" >&2; rm -rf "$dir"; exit 1; }
		chown -R postgres: "$dir"
	fi
	if ! as_pg "$bin/initdb" -D "$dir/data" -U bo --auth=trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		exit 1
	fi
	while :; do
		port=$(free_port)
		opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c max_connections=50"
		if [ "$durable" != --durable ]; then
			opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
		fi
		if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "$opts" start >/dev/null 2>&1; then
			echo "$opts" >"$dir/opts"
			break
		fi
		tries=$((tries + 1))
		if [ $tries -ge 3 ]; then
			echo "pg-test-server: the server did not start:" >&2
			cat "$dir/server.log" >&2 || true
			rm -rf "$dir"
			exit 1
		fi
	done
	if ! as_pg "$bin/psql" -X -q -h "$dir/sock" -p "$port" -U bo -d postgres \
		-c 'CREATE DATABASE bo_test' >/dev/null 2>"$dir/createdb.log"; then
		cat "$dir/createdb.log" >&2
		as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$dir"
		exit 1
	fi
	echo "host=$dir/sock port=$port user=bo dbname=bo_test"
}

# The directory of the cluster a conninfo printed by start names.
cluster_dir() {
	local conninfo=${1:-} host dir
	host=$(printf '%s\n' "$conninfo" | tr ' ' '\n' | sed -n 's/^host=//p' | head -n 1)
	dir=$(dirname "$host")
	case $dir in
	/tmp/bo-pg.*) ;;
	*) echo "pg-test-server: '$conninfo' is not a conninfo printed by start" >&2; exit 1 ;;
	esac
	[ -f "$dir/data/PG_VERSION" ] || { echo "pg-test-server: no cluster in $dir" >&2; exit 1; }
	echo "$dir"
}

restart() {
	local dir bin
	dir=$(cluster_dir "${1:-}")
	bin=$(pg_bin)
	# (pg_ctl restart starts the server with the options it had)
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
}

halt() {
	local dir bin
	dir=$(cluster_dir "${1:-}")
	bin=$(pg_bin)
	as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

resume() {
	local dir bin
	dir=$(cluster_dir "${1:-}")
	bin=$(pg_bin)
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "$(cat "$dir/opts")" start >/dev/null
}

stop() {
	local conninfo=${1:-} dir bin
	dir=$(cluster_dir "$conninfo")
	bin=$(pg_bin)
	as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
		as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

case ${1:-} in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
restart) shift; restart "$@" ;;
halt) shift; halt "$@" ;;
resume) shift; resume "$@" ;;
*) echo "usage: $0 start [--durable] | stop|restart|halt|resume CONNINFO" >&2; exit 2 ;;
esac
