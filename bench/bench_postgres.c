/*
 * bench_postgres: single-line placements on a PostgreSQL inventory from 1,
 * 2 and 8 processes, spread over 1,000 items and on one hot item, each
 * placement one transaction, through the library ("lib") and as
 * hand-written SQL doing the same work per order ("sql": lock the item row,
 * insert the order and its line, update the item, append an outbox row,
 * commit; one statement per round trip, as pgbench runs a script). Prints
 * orders/s and p50/p99 latency per case, the whole machine's busy CPU time
 * per order and cores busy (from /proc/stat), and with --runs N the median
 * of N runs and of the per-run ratios of library and SQL. bench/bench_postgres.sh starts a server with default durability
 * (synchronous_commit on) and runs it; docs/PERFORMANCE.md has figures.
 *
 *   bench_postgres CONNINFO [--seconds S] [--runs N] [--procs 1,2,8]
 *                  [--only lib|sql] [--cases spread,hot]
 *
 * CONNINFO names a database; the program creates the schemas
 * bench_pg_lib and bench_pg_sql in it (dropped first) and leaves them.
 */
#include <backorder.h>
#include <backorder/postgres.h>

#include <libpq-fe.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NITEMS 1000
#define MAXPROCS 16
#define MAXLAT 200000

static const char *conninfo;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_postgres: %s: %s\n", what, msg);
	exit(1);
}

/* conninfo with search_path = schema */
static void ci_schema(char *out, size_t cap, const char *schema)
{
	snprintf(out, cap, "%s options='-c search_path=%s'", conninfo, schema);
}

static void exec_or_die(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die(sql, PQerrorMessage(c));
	PQclear(r);
}

static PGconn *connect_or_die(const char *ci)
{
	PGconn *c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK)
		die("connect", PQerrorMessage(c));
	return c;
}

/* ---- set-up ---------------------------------------------------------------- */

static void setup_lib(void)
{
	char ci[1200], store[1300], sku[16];
	bo_inventory *inv = NULL;
	PGconn *c = connect_or_die(conninfo);
	int i;
	exec_or_die(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench_pg_lib CASCADE; CREATE SCHEMA bench_pg_lib");
	PQfinish(c);
	ci_schema(ci, sizeof(ci), "bench_pg_lib");
	snprintf(store, sizeof(store), "postgres:%s", ci);
	if (bo_inventory_open_store(&inv, store, NULL) != BO_OK)
		die("open", bo_last_error());
	if (bo_inventory_batch_begin(inv) != BO_OK)
		die("batch", bo_last_error());
	for (i = 0; i <= NITEMS; i++) {
		if (i < NITEMS)
			snprintf(sku, sizeof(sku), "sku-%04d", i);
		else
			strcpy(sku, "HOT");
		if (bo_item_set(inv, sku, NULL) != BO_OK || bo_item_receive(inv, sku, INT64_C(1000000000), NULL) != BO_OK)
			die("item", bo_last_error());
	}
	if (bo_inventory_batch_end(inv, 1) != BO_OK)
		die("batch", bo_last_error());
	bo_inventory_free(inv);
}

static void setup_sql(void)
{
	PGconn *c = connect_or_die(conninfo);
	exec_or_die(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench_pg_sql CASCADE; CREATE SCHEMA bench_pg_sql;"
		    "SET search_path = bench_pg_sql;"
		    "CREATE TABLE items (sku text PRIMARY KEY, on_hand bigint NOT NULL,"
		    " allocated bigint NOT NULL, demand bigint NOT NULL);"
		    "CREATE TABLE orders (id text PRIMARY KEY, created bigint NOT NULL, nlines bigint NOT NULL);"
		    "CREATE TABLE lines (order_id text NOT NULL, idx bigint NOT NULL, sku text NOT NULL,"
		    " qty bigint NOT NULL, allocated bigint NOT NULL, PRIMARY KEY (order_id, idx));"
		    "CREATE TABLE outbox (seq bigserial PRIMARY KEY, kind bigint NOT NULL,"
		    " order_id text NOT NULL, sku text NOT NULL, qty bigint NOT NULL);"
		    "INSERT INTO items SELECT 'sku-' || lpad(g::text, 4, '0'), 1000000000, 0, 0"
		    " FROM generate_series(0, 999) g;"
		    "INSERT INTO items VALUES ('HOT', 1000000000, 0, 0)");
	PQfinish(c);
}

/* ---- one process ------------------------------------------------------------- */

typedef struct result {
	long n;
	long errors;
	float lat_us[MAXLAT];
} result;

static const char *pick(uint32_t *x, int hot, char *buf)
{
	if (hot)
		return "HOT";
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	snprintf(buf, 16, "sku-%04u", *x % NITEMS);
	return buf;
}

static PGresult *sql_step(PGconn *c, const char *name, int n, const char *const *vals)
{
	PGresult *r = PQexecPrepared(c, name, n, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return NULL;
	}
	return r;
}

/* The hand-written placement: one statement per round trip. */
static int sql_place(PGconn *c, const char *id, const char *sku)
{
	const char *v[3];
	PGresult *r;
	int ok = 1;
	char created[24];
	snprintf(created, sizeof(created), "%ld", (long)time(NULL));
	if (!(r = sql_step(c, "b", 0, NULL)))
		ok = 0;
	PQclear(r);
	v[0] = sku;
	if (ok && !(r = sql_step(c, "lock", 1, v)))
		ok = 0;
	PQclear(r);
	v[0] = id;
	v[1] = created;
	if (ok && !(r = sql_step(c, "order", 2, v)))
		ok = 0;
	PQclear(r);
	v[1] = sku;
	if (ok && !(r = sql_step(c, "line", 2, v)))
		ok = 0;
	PQclear(r);
	v[0] = sku;
	if (ok && !(r = sql_step(c, "item", 1, v)))
		ok = 0;
	PQclear(r);
	v[0] = id;
	v[1] = sku;
	if (ok && !(r = sql_step(c, "event", 2, v)))
		ok = 0;
	PQclear(r);
	r = PQexec(c, ok ? "COMMIT" : "ROLLBACK");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		ok = 0;
	PQclear(r);
	return ok;
}

static void sql_prepare(PGconn *c)
{
	static const char *const st[][2] = {
		{ "b", "BEGIN" },
		{ "lock", "SELECT on_hand, allocated FROM items WHERE sku = $1 FOR UPDATE" },
		{ "order", "INSERT INTO orders (id, created, nlines) VALUES ($1, $2, 1)" },
		{ "line", "INSERT INTO lines (order_id, idx, sku, qty, allocated) VALUES ($1, 0, $2, 1, 1)" },
		{ "item", "UPDATE items SET allocated = allocated + 1, demand = demand + 1 WHERE sku = $1" },
		{ "event", "INSERT INTO outbox (kind, order_id, sku, qty) VALUES (3, $1, $2, 1)" },
	};
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		PGresult *r = PQprepare(c, st[i][0], st[i][1], 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			die(st[i][1], PQerrorMessage(c));
		PQclear(r);
	}
}

static int child(int sql, int hot, int nproc, int proc, int run, double seconds, int go_fd, int out_fd)
{
	static result res;
	char ci[1200], store[1300], id[48], buf[16];
	uint32_t x = 2463534242u ^ (uint32_t)(proc * 7919 + run * 104729 + getpid());
	bo_inventory *inv = NULL;
	PGconn *c = NULL;
	double t_end, t0;
	char go;

	ci_schema(ci, sizeof(ci), sql ? "bench_pg_sql" : "bench_pg_lib");
	if (sql) {
		c = connect_or_die(ci);
		sql_prepare(c);
	} else {
		snprintf(store, sizeof(store), "postgres:%s", ci);
		if (bo_inventory_open_store(&inv, store, NULL) != BO_OK)
			die("open", bo_last_error());
	}
	memset(&res, 0, sizeof(res));
	if (read(go_fd, &go, 1) != 1)
		return 1;
	t_end = now_s() + seconds;
	while ((t0 = now_s()) < t_end) {
		const char *sku = pick(&x, hot, buf);
		int ok;
		snprintf(id, sizeof(id), "%s%d-%c%d-%d-%ld", sql ? "s" : "l", run, hot ? 'h' : 's', nproc, proc,
			 res.n + res.errors);
		if (sql) {
			ok = sql_place(c, id, sku);
		} else {
			bo_line_spec l = { sku, 1, 1000 };
			ok = bo_order_place(inv, id, NULL, &l, 1) == BO_OK;
			if (!ok && res.errors < 3)
				fprintf(stderr, "place: %s\n", bo_last_error());
		}
		if (!ok) {
			res.errors++;
			continue;
		}
		if (res.n < MAXLAT)
			res.lat_us[res.n] = (float)((now_s() - t0) * 1e6);
		res.n++;
	}
	if (sql)
		PQfinish(c);
	else
		bo_inventory_free(inv);
	{
		size_t len = offsetof(result, lat_us) + (size_t)(res.n < MAXLAT ? res.n : MAXLAT) * sizeof(float);
		const char *p = (const char *)&res;
		while (len > 0) {
			ssize_t w = write(out_fd, p, len);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return 1;
			p += w;
			len -= (size_t)w;
		}
	}
	return 0;
}

/* ---- the parent -------------------------------------------------------------- */

typedef struct figures {
	double ops;     /* orders/s */
	double p50, p99; /* ms */
	double cpu_us;  /* the whole machine's busy CPU time per order, microseconds */
	double busy;    /* cores busy on average (all processes: clients, server) */
	long errors;
} figures;

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Busy CPU ticks of the whole machine so far (/proc/stat's first line;
 * 0 where there is none). */
static double cpu_ticks(void)
{
	unsigned long long v[8] = { 0 };
	double busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	/* user nice system idle iowait irq softirq steal: busy is the time
	 * this machine's processes ran (not the hypervisor's steal) */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7]) == 8)
		busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6]);
	fclose(f);
	return busy;
}

static figures run_case(int sql, int hot, int procs, int run, double seconds)
{
	double busy0 = 0, t0 = 0;
	static result parts[MAXPROCS];
	static float all[MAXPROCS * (size_t)MAXLAT];
	pid_t pid[MAXPROCS];
	int go[2], out[MAXPROCS][2], p, status;
	size_t nall = 0;
	long n = 0;
	figures f = { 0, 0, 0, 0, 0, 0 };

	if (pipe(go) != 0)
		die("pipe", strerror(errno));
	for (p = 0; p < procs; p++) {
		if (pipe(out[p]) != 0)
			die("pipe", strerror(errno));
		fflush(NULL);
		pid[p] = fork();
		if (pid[p] < 0)
			die("fork", strerror(errno));
		if (pid[p] == 0) {
			close(go[1]);
			close(out[p][0]);
			_exit(child(sql, hot, procs, p, run, seconds, go[0], out[p][1]));
		}
		close(out[p][1]);
	}
	close(go[0]);
	{
		struct timespec ts = { 0, 300 * 1000000L }; /* every child connected */
		char start[MAXPROCS];
		nanosleep(&ts, NULL);
		memset(start, 'g', sizeof(start));
		busy0 = cpu_ticks();
		t0 = now_s();
		if (write(go[1], start, (size_t)procs) != procs)
			die("write", strerror(errno));
	}
	close(go[1]);
	for (p = 0; p < procs; p++) {
		char *q = (char *)&parts[p];
		size_t got = 0, want = offsetof(result, lat_us);
		ssize_t r;
		while ((r = read(out[p][0], q + got, sizeof(result) - got)) > 0)
			got += (size_t)r;
		close(out[p][0]);
		if (got < want)
			die("child", "no result");
		n += parts[p].n;
		f.errors += parts[p].errors;
		for (long i = 0; i < parts[p].n && i < MAXLAT; i++)
			all[nall++] = parts[p].lat_us[i];
	}
	for (p = 0; p < procs; p++) {
		if (waitpid(pid[p], &status, 0) != pid[p] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("child", "failed");
	}
	{
		/* from the start signal to the last result: the run, and the
		 * children closing their connections */
		double hz = (double)sysconf(_SC_CLK_TCK), wall = now_s() - t0, busy = cpu_ticks() - busy0;
		if (n > 0 && hz > 0 && wall > 0) {
			f.cpu_us = busy / hz / (double)n * 1e6;
			f.busy = busy / hz / wall;
		}
	}
	qsort(all, nall, sizeof(all[0]), cmp_float);
	f.ops = (double)n / seconds;
	if (nall > 0) {
		f.p50 = all[nall / 2] / 1000.0;
		f.p99 = all[(size_t)((double)nall * 0.99)] / 1000.0;
	}
	return f;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	double scale[2][2] = { { 0 } };
	int scale_procs[2] = { 0, 0 };
	double seconds = 3;
	int runs = 3, nprocs = 3, procs[8] = { 1, 2, 8 }, only = -1, cases = 3;
	int i;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s CONNINFO [--seconds S] [--runs N] [--procs 1,2,8]"
			" [--only lib|sql] [--cases spread,hot]\n", argv[0]);
		return 2;
	}
	conninfo = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--procs") && i + 1 < argc) {
			char *s = argv[++i], *e;
			nprocs = 0;
			while (*s && nprocs < 8) {
				procs[nprocs] = (int)strtol(s, &e, 10);
				if (procs[nprocs] < 1 || procs[nprocs] > MAXPROCS)
					die("--procs", "1..16");
				nprocs++;
				s = *e == ',' ? e + 1 : e;
				if (e == s && *s)
					break;
			}
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			i++;
			only = !strcmp(argv[i], "sql");
		} else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
			i++;
			cases = (strstr(argv[i], "spread") ? 1 : 0) | (strstr(argv[i], "hot") ? 2 : 0);
		} else {
			fprintf(stderr, "unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (runs < 1 || runs > 15 || seconds <= 0)
		die("arguments", "--runs 1..15, --seconds > 0");
	signal(SIGPIPE, SIG_IGN);
	setup_lib();
	setup_sql();
	{
		PGconn *c = connect_or_die(conninfo);
		PGresult *r = PQexec(c, "SELECT version(), current_setting('synchronous_commit'), current_setting('fsync')");
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			printf("# %s\n# synchronous_commit=%s fsync=%s; %d run(s) of %.1f s per case, medians\n",
			       PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), runs, seconds);
		PQclear(r);
		PQfinish(c);
	}
	printf("%-7s %5s %-4s %10s %9s %9s %10s %9s %9s %7s %8s %8s %8s\n", "case", "procs", "", "lib ord/s",
	       "p50 ms", "p99 ms", "sql ord/s", "p50 ms", "p99 ms", "time x", "paired x", "lib cpu", "sql cpu");
	for (int hot = 0; hot < 2; hot++) {
		double one[2][2] = { { 0 } };
		if (!(cases & (hot ? 2 : 1)))
			continue;
		for (int k = 0; k < nprocs; k++) {
			double v[2][5][15], ratio[15];
			long errors = 0;
			double m[2][5] = { { 0 } };
			for (int r = 0; r < runs; r++) {
				/* lib first in even runs, SQL first in odd ones: a
				 * machine that drifts (the fsync time here does) does
				 * not favour one side */
				for (int i = 0; i < 2; i++) {
					int sql = (i + r) % 2;
					figures f = { 0, 0, 0, 0, 0, 0 };
					if (only < 0 || only == sql)
						f = run_case(sql, hot, procs[k], r, seconds);
					v[sql][0][r] = f.ops;
					v[sql][1][r] = f.p50;
					v[sql][2][r] = f.p99;
					v[sql][3][r] = f.cpu_us;
					v[sql][4][r] = f.busy;
					errors += f.errors;
				}
				ratio[r] = v[0][0][r] > 0 ? v[1][0][r] / v[0][0][r] : 0.0;
			}
			for (int sql = 0; sql < 2; sql++)
				for (int j = 0; j < 5; j++)
					m[sql][j] = median(v[sql][j], runs);
			printf("%-7s %5d %-4s %10.0f %9.2f %9.2f %10.0f %9.2f %9.2f %7.2f %8.2f %4.0f/%.1f %4.0f/%.1f%s\n",
			       hot ? "hot" : "spread", procs[k], "", m[0][0], m[0][1], m[0][2], m[1][0], m[1][1],
			       m[1][2], m[0][0] > 0 ? m[1][0] / m[0][0] : 0.0, median(ratio, runs), m[0][3], m[0][4],
			       m[1][3], m[1][4], errors ? "  (errors!)" : "");
			if (k < nprocs && procs[k] == 1) {
				one[hot][0] = m[0][0];
				one[hot][1] = m[1][0];
			} else if (one[hot][0] > 0 && one[hot][1] > 0) {
				scale[hot][0] = m[0][0] / one[hot][0];
				scale[hot][1] = m[1][0] / one[hot][1];
				scale_procs[hot] = procs[k];
			}
			fflush(stdout);
		}
	}
	printf("# time x: the library's time per order over the hand-written SQL's (orders/s of sql / lib),\n"
	       "# from the medians; paired x: the median of that ratio in each run (lib and SQL back to back);\n"
	       "# cpu: the whole machine's busy CPU time per order in us / the cores busy on average\n");
	for (int hot = 0; hot < 2; hot++)
		if (scale_procs[hot] > 0)
			printf("# %s, %d processes over 1: lib %.2fx, sql %.2fx\n", hot ? "hot" : "spread",
			       scale_procs[hot], scale[hot][0], scale[hot][1]);
	return 0;
}
