/*
 * bench_sqlite: the library on its SQLite store against a hand-written
 * baseline that does the same book-keeping with prepared statements
 * directly in SQLite, on the same machine in the same run.
 *
 * Workload (identical for both): S items, start with no stock. Operation i
 * is a restock of 6 units of one item when i % 4 == 3 (it fills waiting
 * lines in FIFO order), else a single-line order of 1..3 units, which takes
 * free stock and waits for the rest. Each operation is one transaction, or
 * operations are grouped in batches of 100 or 1000 (library:
 * bo_inventory_batch_begin/end; baseline: BEGIN IMMEDIATE ... COMMIT with a
 * SAVEPOINT per operation, since each must stay all-or-nothing), in
 * synchronous FULL and NORMAL. Each figure is the median of -r runs (3 by
 * default) on a fresh file. At the end the two stores' item figures are compared.
 *
 * Book-keeping of the baseline per operation: read the item, write the
 * order, its line and its queue entry, update the item, append the events
 * (accepted, allocated, backordered, ready) to an outbox, keep the event and
 * queue sequence counters in a meta table; a restock walks the queue head
 * first. Like the library it keeps an index of each item's allocated lines
 * in queue order (a partial index on lines): DESIGN's take-back ("allocations
 * are taken back from the lines last in policy order") needs one, and without
 * it the baseline would not be doing the same book-keeping. What the library
 * does beyond that (ETA upkeep, insight counters, idempotency checks, clock)
 * is the price of its features.
 *
 * Usage: bench_sqlite [-n OPS] [-d DIR] [-s SKUS] [-r RUNS] [-B] [-p SIDE:SYNC:BATCH]
 *
 * -r RUNS: runs of each configuration (default 3, at most 15); the table
 * gives both medians, their ratio, and the median of the per-run ratios
 * ("paired": a library run and a baseline run back to back see the same
 * machine load). -B: batches of 100 and 1000 only.
 *
 * -p runs one configuration once and prints its time, for profiling, e.g.
 * `valgrind --tool=callgrind bench_sqlite -p lib:normal:1000`.
 */
#include <backorder.h>
#include <backorder/sqlite.h>

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 15
static int runs = 3;
#define MAX_SKUS 1000

static int nskus = 20;
static char skus[MAX_SKUS][16];

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_sqlite: %s: %s\n", what, msg);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void remove_db(const char *path)
{
	char p[600];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* Operation i of the workload. */
typedef struct op {
	int restock;
	const char *sku;
	int64_t qty;
} op;

static op workload(long i)
{
	op o;
	o.restock = i % 4 == 3;
	if (o.restock) {
		o.sku = skus[(i / 4) % nskus];
		o.qty = 6;
	} else {
		o.sku = skus[i % nskus];
		o.qty = 1 + i % 3;
	}
	return o;
}

/* Final per-item figures, for the cross-check. */
typedef struct figures {
	int64_t on_hand, allocated, backordered;
} figures;

/* ------------------------------------------------------------- library */

static int64_t bench_clock;

static int64_t clock_cb(void *ud)
{
	(void)ud;
	return bench_clock;
}

static void lib_check(int rc, const char *what)
{
	if (rc != BO_OK)
		die(what, bo_last_error());
}

static double run_library(const char *path, int sync_full, long n, long batch, figures *fig)
{
	bo_sqlite_options so = BO_SQLITE_OPTIONS_INIT;
	bo_options opts = BO_OPTIONS_INIT;
	const bo_storage *vt;
	void *ud;
	bo_inventory *inv;
	double t0, t;
	long i;
	int k;

	remove_db(path);
	so.sync_full = sync_full;
	opts.clock = clock_cb;
	opts.auto_dispatch = 0;
	bench_clock = 1700000000;
	lib_check(bo_sqlite_storage(&vt, &ud, path, &so), "sqlite store");
	if (bo_inventory_open(&inv, vt, ud, &opts) != BO_OK) {
		vt->close(ud);
		die("open", bo_last_error());
	}
	for (k = 0; k < nskus; k++)
		lib_check(bo_item_set(inv, skus[k], NULL), "item_set");

	t0 = now_s();
	for (i = 0; i < n; i++) {
		op o = workload(i);
		bench_clock++;
		if (batch > 1 && i % batch == 0)
			lib_check(bo_inventory_batch_begin(inv), "batch_begin");
		if (o.restock) {
			lib_check(bo_item_receive(inv, o.sku, o.qty, NULL), "receive");
		} else {
			char id[32];
			bo_line_spec line = { o.sku, o.qty, BO_NO_PRICE };
			snprintf(id, sizeof(id), "o%ld", i);
			lib_check(bo_order_place(inv, id, NULL, &line, 1), "place");
		}
		if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
			lib_check(bo_inventory_batch_end(inv, 1), "batch_end");
	}
	t = now_s() - t0;

	for (k = 0; k < nskus; k++) {
		bo_item_status st;
		lib_check(bo_item_status_get(&st, inv, skus[k]), "item_status");
		fig[k].on_hand = st.on_hand;
		fig[k].allocated = st.allocated;
		fig[k].backordered = st.backordered;
	}
	bo_inventory_free(inv);
	return t;
}

/* ------------------------------------------------------------ baseline */

enum {
	B_BEGIN, B_COMMIT, B_SAVEPOINT, B_RELEASE,
	B_META_GET, B_META_PUT,
	B_ITEM_GET, B_ITEM_PUT,
	B_ORDER_PUT, B_ORDER_READY,
	B_LINE_PUT, B_LINE_GET, B_LINE_ALLOC,
	B_QUEUE_PUT, B_QUEUE_HEAD, B_QUEUE_DEL,
	B_EVENT,
	B_COUNT
};

static const char *const base_sql[B_COUNT] = {
	[B_BEGIN] = "BEGIN IMMEDIATE",
	[B_COMMIT] = "COMMIT",
	[B_SAVEPOINT] = "SAVEPOINT op",
	[B_RELEASE] = "RELEASE op",
	[B_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[B_META_PUT] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	[B_ITEM_GET] = "SELECT on_hand, allocated, backordered FROM items WHERE sku = ?1",
	[B_ITEM_PUT] = "UPDATE items SET on_hand = ?2, allocated = ?3, backordered = ?4"
		" WHERE sku = ?1",
	[B_ORDER_PUT] = "INSERT INTO orders (id, created, ready) VALUES (?1, ?2, ?3)",
	[B_ORDER_READY] = "UPDATE orders SET ready = 1 WHERE id = ?1",
	[B_LINE_PUT] = "INSERT INTO lines (order_id, idx, sku, ordered, allocated,"
		" backordered, queue_time, seq) VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7)",
	[B_LINE_GET] = "SELECT allocated, backordered FROM lines"
		" WHERE order_id = ?1 AND idx = ?2",
	[B_LINE_ALLOC] = "UPDATE lines SET allocated = ?3, backordered = ?4"
		" WHERE order_id = ?1 AND idx = ?2",
	[B_QUEUE_PUT] = "INSERT INTO queue (sku, queue_time, seq, order_id, idx)"
		" VALUES (?1, ?2, ?3, ?4, 0)",
	[B_QUEUE_HEAD] = "SELECT queue_time, seq, order_id, idx FROM queue WHERE sku = ?1"
		" ORDER BY queue_time, seq LIMIT 1",
	[B_QUEUE_DEL] = "DELETE FROM queue WHERE sku = ?1 AND queue_time = ?2 AND seq = ?3",
	[B_EVENT] = "INSERT INTO outbox (seq, kind, order_id, sku, qty, time)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

static const char base_schema[] =
	"CREATE TABLE items (sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL,"
	" allocated INTEGER NOT NULL, backordered INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE orders (id TEXT PRIMARY KEY, created INTEGER NOT NULL,"
	" ready INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE lines (order_id TEXT NOT NULL, idx INTEGER NOT NULL,"
	" sku TEXT NOT NULL, ordered INTEGER NOT NULL, allocated INTEGER NOT NULL,"
	" backordered INTEGER NOT NULL, queue_time INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, PRIMARY KEY (order_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE queue (sku TEXT NOT NULL, queue_time INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, order_id TEXT NOT NULL, idx INTEGER NOT NULL,"
	" PRIMARY KEY (sku, queue_time, seq)) WITHOUT ROWID;"
	"CREATE TABLE outbox (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
	" order_id TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL,"
	" time INTEGER NOT NULL);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
	/* the allocated lines of an item in queue order, for take-back */
	"CREATE INDEX lines_allocated ON lines (sku, queue_time, seq) WHERE allocated > 0;";

typedef struct base {
	sqlite3 *db;
	sqlite3_stmt *st[B_COUNT];
} base;

static void bdie(base *b, const char *what)
{
	die(what, sqlite3_errmsg(b->db));
}

/* Step a statement expecting no row, then reset it. */
static void bdone(base *b, int id)
{
	if (sqlite3_step(b->st[id]) != SQLITE_DONE)
		bdie(b, base_sql[id]);
	sqlite3_reset(b->st[id]);
}

static int64_t meta_get(base *b, const char *key)
{
	sqlite3_stmt *st = b->st[B_META_GET];
	int64_t v = 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		bdie(b, "meta_get");
	sqlite3_reset(st);
	return v;
}

static void meta_put(base *b, const char *key, int64_t v)
{
	sqlite3_stmt *st = b->st[B_META_PUT];
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	bdone(b, B_META_PUT);
}

static void event(base *b, int64_t *seq, int kind, const char *order_id, const char *sku,
		  int64_t qty, int64_t t)
{
	sqlite3_stmt *st = b->st[B_EVENT];
	sqlite3_bind_int64(st, 1, ++*seq);
	sqlite3_bind_int(st, 2, kind);
	sqlite3_bind_text(st, 3, order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, qty);
	sqlite3_bind_int64(st, 6, t);
	bdone(b, B_EVENT);
}

static void item_get(base *b, const char *sku, figures *f)
{
	sqlite3_stmt *st = b->st[B_ITEM_GET];
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		bdie(b, "item_get");
	f->on_hand = sqlite3_column_int64(st, 0);
	f->allocated = sqlite3_column_int64(st, 1);
	f->backordered = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
}

static void item_put(base *b, const char *sku, const figures *f)
{
	sqlite3_stmt *st = b->st[B_ITEM_PUT];
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->on_hand);
	sqlite3_bind_int64(st, 3, f->allocated);
	sqlite3_bind_int64(st, 4, f->backordered);
	bdone(b, B_ITEM_PUT);
}

static void base_place(base *b, const char *id, const char *sku, int64_t qty, int64_t t)
{
	int64_t evseq = meta_get(b, "event_seq"), qseq = meta_get(b, "queue_seq");
	int64_t free_units, alloc, wait;
	figures f;
	sqlite3_stmt *st;

	item_get(b, sku, &f);
	/* Free stock exists only while nobody waits (it would have been given). */
	free_units = f.backordered > 0 ? 0 : f.on_hand - f.allocated;
	alloc = qty < free_units ? qty : free_units;
	wait = qty - alloc;

	st = b->st[B_ORDER_PUT];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	sqlite3_bind_int(st, 3, wait == 0);
	bdone(b, B_ORDER_PUT);

	st = b->st[B_LINE_PUT];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, qty);
	sqlite3_bind_int64(st, 4, alloc);
	sqlite3_bind_int64(st, 5, wait);
	sqlite3_bind_int64(st, 6, t);
	sqlite3_bind_int64(st, 7, ++qseq);
	bdone(b, B_LINE_PUT);

	event(b, &evseq, BO_EVENT_ACCEPTED, id, "", 0, t);
	if (alloc > 0)
		event(b, &evseq, BO_EVENT_ALLOCATED, id, sku, alloc, t);
	if (wait > 0) {
		st = b->st[B_QUEUE_PUT];
		sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, t);
		sqlite3_bind_int64(st, 3, qseq);
		sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
		bdone(b, B_QUEUE_PUT);
		event(b, &evseq, BO_EVENT_BACKORDERED, id, sku, wait, t);
	} else {
		event(b, &evseq, BO_EVENT_READY, id, "", 0, t);
	}
	f.allocated += alloc;
	f.backordered += wait;
	item_put(b, sku, &f);
	meta_put(b, "event_seq", evseq);
	meta_put(b, "queue_seq", qseq);
	meta_put(b, "now", t);
}

static void base_restock(base *b, const char *sku, int64_t qty, int64_t t)
{
	int64_t evseq = meta_get(b, "event_seq");
	figures f;

	item_get(b, sku, &f);
	f.on_hand += qty;
	while (f.on_hand > f.allocated) {
		sqlite3_stmt *st = b->st[B_QUEUE_HEAD];
		char id[BO_ID_MAX + 1];
		int64_t qt, qs, idx, la, lb, take;
		int rc;

		sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(st);
			break;
		}
		if (rc != SQLITE_ROW)
			bdie(b, "queue_head");
		qt = sqlite3_column_int64(st, 0);
		qs = sqlite3_column_int64(st, 1);
		snprintf(id, sizeof(id), "%s", (const char *)sqlite3_column_text(st, 2));
		idx = sqlite3_column_int64(st, 3);
		sqlite3_reset(st);

		st = b->st[B_LINE_GET];
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, idx);
		if (sqlite3_step(st) != SQLITE_ROW)
			bdie(b, "line_get");
		la = sqlite3_column_int64(st, 0);
		lb = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);

		take = f.on_hand - f.allocated;
		if (take > lb)
			take = lb;
		la += take;
		lb -= take;
		f.allocated += take;
		f.backordered -= take;
		st = b->st[B_LINE_ALLOC];
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, idx);
		sqlite3_bind_int64(st, 3, la);
		sqlite3_bind_int64(st, 4, lb);
		bdone(b, B_LINE_ALLOC);
		event(b, &evseq, BO_EVENT_ALLOCATED, id, sku, take, t);
		if (lb == 0) {
			st = b->st[B_QUEUE_DEL];
			sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, qt);
			sqlite3_bind_int64(st, 3, qs);
			bdone(b, B_QUEUE_DEL);
			st = b->st[B_ORDER_READY];
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			bdone(b, B_ORDER_READY);
			event(b, &evseq, BO_EVENT_READY, id, "", 0, t);
		}
	}
	item_put(b, sku, &f);
	meta_put(b, "event_seq", evseq);
	meta_put(b, "now", t);
}

static double run_baseline(const char *path, int sync_full, long n, long batch, figures *fig)
{
	base b;
	double t0, t;
	long i;
	int k;
	char *err = NULL;
	int64_t clk = 1700000000;

	remove_db(path);
	memset(&b, 0, sizeof(b));
	if (sqlite3_open(path, &b.db) != SQLITE_OK)
		bdie(&b, "open");
	sqlite3_busy_timeout(b.db, 5000);
	if (sqlite3_exec(b.db, "PRAGMA journal_mode=WAL", NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(b.db, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
			 NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(b.db, base_schema, NULL, NULL, &err) != SQLITE_OK)
		die("baseline schema", err ? err : "?");
	{
		sqlite3_stmt *ins = NULL;
		if (sqlite3_prepare_v2(b.db, "INSERT INTO items VALUES (?1, 0, 0, 0)", -1, &ins,
				       NULL) != SQLITE_OK)
			bdie(&b, "baseline items");
		for (k = 0; k < nskus; k++) {
			sqlite3_bind_text(ins, 1, skus[k], -1, SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				bdie(&b, "baseline items");
			sqlite3_reset(ins);
		}
		sqlite3_finalize(ins);
	}
	for (k = 0; k < B_COUNT; k++)
		if (sqlite3_prepare_v3(b.db, base_sql[k], -1, SQLITE_PREPARE_PERSISTENT,
				       &b.st[k], NULL) != SQLITE_OK)
			bdie(&b, base_sql[k]);

	t0 = now_s();
	for (i = 0; i < n; i++) {
		op o = workload(i);
		clk++;
		if (batch > 1 && i % batch == 0)
			bdone(&b, B_BEGIN);
		bdone(&b, batch > 1 ? B_SAVEPOINT : B_BEGIN);
		if (o.restock) {
			base_restock(&b, o.sku, o.qty, clk);
		} else {
			char id[32];
			snprintf(id, sizeof(id), "o%ld", i);
			base_place(&b, id, o.sku, o.qty, clk);
		}
		bdone(&b, batch > 1 ? B_RELEASE : B_COMMIT);
		if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
			bdone(&b, B_COMMIT);
	}
	t = now_s() - t0;

	for (k = 0; k < nskus; k++)
		item_get(&b, skus[k], &fig[k]);
	for (k = 0; k < B_COUNT; k++)
		sqlite3_finalize(b.st[k]);
	sqlite3_close(b.db);
	return t;
}

/* ---------------------------------------------------------------- main */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, (size_t)runs, sizeof(v[0]), cmp_double);
	return runs % 2 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const long batches[] = { 1, 100, 1000 };
	const char *dir = ".";
	long n = 2000;
	char lib_path[512], base_path[512];
	static figures flib[MAX_SKUS], fbase[MAX_SKUS];
	int opt, s, bi, r, k, mismatch = 0, only_batches = 0;
	const char *one = NULL;

	while ((opt = getopt(argc, argv, "n:d:s:p:r:B")) != -1) {
		switch (opt) {
		case 'n': n = atol(optarg); break;
		case 'd': dir = optarg; break;
		case 's': nskus = atoi(optarg); break;
		case 'p': one = optarg; break;
		case 'r': runs = atoi(optarg); break;
		case 'B': only_batches = 1; break;
		default:
			fprintf(stderr, "usage: %s [-n OPS] [-d DIR] [-s SKUS] [-r RUNS] [-B] [-p SIDE:SYNC:BATCH]\n",
				argv[0]);
			return 2;
		}
	}
	if (n < 1 || nskus < 1 || nskus > MAX_SKUS || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "bench_sqlite: need OPS >= 1, 1 <= SKUS <= %d and 1 <= RUNS <= %d\n", MAX_SKUS, MAX_RUNS);
		return 2;
	}
	for (k = 0; k < nskus; k++)
		snprintf(skus[k], sizeof(skus[k]), "SKU-%04d", k);
	snprintf(lib_path, sizeof(lib_path), "%s/bench_sqlite_lib.db", dir);
	snprintf(base_path, sizeof(base_path), "%s/bench_sqlite_base.db", dir);

	if (one) {
		char side[8], sync[8];
		long batch;
		double t;
		if (sscanf(one, "%7[a-z]:%7[a-zA-Z]:%ld", side, sync, &batch) != 3 || batch < 1 ||
		    (strcmp(side, "lib") && strcmp(side, "base")) ||
		    (strcasecmp(sync, "full") && strcasecmp(sync, "normal"))) {
			fprintf(stderr, "bench_sqlite: -p wants lib|base:full|normal:BATCH\n");
			return 2;
		}
		if (!strcmp(side, "lib"))
			t = run_library(lib_path, !strcasecmp(sync, "full"), n, batch, flib);
		else
			t = run_baseline(base_path, !strcasecmp(sync, "full"), n, batch, fbase);
		printf("%s %s batch %ld: %.1f ms\n", side, sync, batch, t * 1e3);
		remove_db(lib_path);
		remove_db(base_path);
		return 0;
	}
	printf("libbackorder %s, SQLite %s; %ld operations (3 of 4 single-line orders,"
	       " 1 of 4 restocks), %d items; median of %d runs, each a library run and a baseline run"
	       " back to back\n\n",
	       bo_version(), sqlite3_libversion(), n, nskus, runs);
	printf("%-6s %-6s %12s %12s %12s %12s %8s %8s\n", "sync", "batch",
	       "library ms", "library op/s", "baseline ms", "baseline op/s", "ratio", "paired");
	for (s = 0; s < 2; s++) {
		int sync_full = s == 0;
		for (bi = only_batches ? 1 : 0; bi < 3; bi++) {
			double tl[MAX_RUNS], tb[MAX_RUNS], pr[MAX_RUNS], ml, mb, mp;
			for (r = 0; r < runs; r++) {
				tl[r] = run_library(lib_path, sync_full, n, batches[bi], flib);
				tb[r] = run_baseline(base_path, sync_full, n, batches[bi], fbase);
				pr[r] = tl[r] / tb[r];
			}
			for (k = 0; k < nskus; k++)
				if (flib[k].on_hand != fbase[k].on_hand ||
				    flib[k].allocated != fbase[k].allocated ||
				    flib[k].backordered != fbase[k].backordered)
					mismatch++;
			ml = median(tl);
			mb = median(tb);
			mp = median(pr);
			printf("%-6s %-6ld %12.1f %12.0f %12.1f %12.0f %7.2fx %7.2fx\n",
			       sync_full ? "FULL" : "NORMAL", batches[bi],
			       ml * 1e3, (double)n / ml, mb * 1e3, (double)n / mb, ml / mb, mp);
			fflush(stdout);
		}
	}
	remove_db(lib_path);
	remove_db(base_path);
	if (mismatch) {
		printf("\ncross-check FAILED: %d item figures differ between library and baseline\n",
		       mismatch);
		return 1;
	}
	printf("\ncross-check: library and baseline end with the same on_hand, allocated"
	       " and backordered for every item\n");
	return 0;
}
