/*
 * Tests of the SQLite storage adapter, calling its vtable directly (no
 * inventory): round trips of every record, iteration orders, savepoints,
 * rollback, persistence across reopening, migrations and failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <backorder.h>
#include <backorder/storage.h>
#include <backorder/sqlite.h>

#include "snapshot.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The schema version this adapter writes. */
#define SCHEMA_VERSION 5

/* tests/sqlite/fixtures (meson passes the source directory's). */
#ifndef BO_SQLITE_FIXTURES
#define BO_SQLITE_FIXTURES "tests/sqlite/fixtures"
#endif

/* ------------------------------------------------------------- fixtures */

typedef struct fixture {
	char dir[64];
	char path[128];
	const bo_storage *vt;
	void *ud;
} fixture;

static int fx_open(fixture *f, const bo_sqlite_options *opts)
{
	return bo_sqlite_storage(&f->vt, &f->ud, f->path, opts);
}

static void fx_close(fixture *f)
{
	if (f->ud)
		f->vt->close(f->ud);
	f->ud = NULL;
}

static void remove_files(const fixture *f)
{
	char p[160];
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", f->path);
	unlink(p);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/bo_sqlite_XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (fx_open(f, NULL) != BO_OK) {
		rmdir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fx_close(f);
	remove_files(f);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A raw connection to the fixture's file, for checks behind the adapter. */
static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ------------------------------------------------------------- records */

static bo_item_rec make_item(const char *sku, int64_t base)
{
	bo_item_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.sku, sizeof(r.sku), "%s", sku);
	snprintf(r.policy, sizeof(r.policy), "fifo");
	r.on_hand = base + 1;
	r.allocated = base + 2;
	r.backordered = base + 3;
	r.incoming = base + 4;
	r.backorder = BO_BACKORDER_DENY;
	r.released = 1;
	r.max_backorder = BO_UNLIMITED;
	r.lead_time = INT64_MAX;
	r.release_at = BO_NO_TIME;
	r.preorder_max = base + 5;
	r.subscribers = base + 6;
	r.demand = base + 7;
	r.filled_at_once = base + 8;
	r.shipped = base + 9;
	r.cancelled = base + 10;
	r.revenue_held = base + 11;
	r.created = -base - 12;
	r.eta_time = base * 1000 + 13;
	return r;
}

static bo_order_rec make_order(const char *id, int64_t base)
{
	bo_order_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.created = base;
	r.priority = -base;
	r.due = BO_NO_TIME;
	r.ship_mode = BO_SHIP_COMPLETE;
	r.ready = 1;
	r.nlines = (uint32_t)(base % 7) + 1;
	return r;
}

static bo_line_rec make_line(const char *order_id, uint32_t index, int64_t base)
{
	bo_line_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.order_id, sizeof(r.order_id), "%s", order_id);
	snprintf(r.sku, sizeof(r.sku), "sku-%u", index);
	r.index = index;
	r.placed = base + 1;
	r.ordered = base + 2;
	r.allocated = base + 3;
	r.backordered = base + 4;
	r.shipped = base + 5;
	r.cancelled = base + 6;
	r.unit_price = BO_NO_PRICE;
	r.queue_time = base + 7;
	r.eta = BO_NO_TIME;
	r.key.k[0] = INT64_MIN;
	r.key.k[1] = -base;
	r.key.k[2] = INT64_MAX;
	r.key.seq = UINT64_MAX - (uint64_t)base;
	r.eta_basis = BO_BASIS_SUPPLY;
	r.eta_base = base * 1000 + 17;
	r.eta_release = BO_NO_TIME;
	return r;
}

static bo_event_rec make_event(uint64_t seq)
{
	bo_event_rec e;
	memset(&e, 0, sizeof(e));
	e.seq = seq;
	e.kind = BO_EVENT_BACKORDERED;
	snprintf(e.order_id, sizeof(e.order_id), "o%llu", (unsigned long long)seq);
	snprintf(e.sku, sizeof(e.sku), "s%llu", (unsigned long long)seq);
	snprintf(e.customer, sizeof(e.customer), "c%llu", (unsigned long long)seq);
	e.qty = (int64_t)seq * 3;
	e.eta = BO_NO_TIME;
	e.time = (int64_t)seq + 1000;
	return e;
}

/* ---------------------------------------------------------- open, schema */

static void test_open_arguments(void **state)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_sqlite_options bad = BO_SQLITE_OPTIONS_INIT;
	(void)state;
	assert_int_equal(bo_sqlite_storage(NULL, &ud, ":memory:", NULL), BO_EINVALID);
	assert_int_equal(bo_sqlite_storage(&vt, NULL, ":memory:", NULL), BO_EINVALID);
	assert_int_equal(bo_sqlite_storage(&vt, &ud, NULL, NULL), BO_EINVALID);
	bad.version = 0;
	assert_int_equal(bo_sqlite_storage(&vt, &ud, ":memory:", &bad), BO_EINVALID);
	bad.version = BO_SQLITE_OPTIONS_VERSION + 1;
	assert_int_equal(bo_sqlite_storage(&vt, &ud, ":memory:", &bad), BO_EINVALID);
	bad.version = BO_SQLITE_OPTIONS_VERSION;
	bad.busy_timeout_ms = -1;
	assert_int_equal(bo_sqlite_storage(&vt, &ud, ":memory:", &bad), BO_EINVALID);
	assert_null(ud);

	/* An in-memory store works and has every callback. */
	assert_int_equal(bo_sqlite_storage(&vt, &ud, ":memory:", NULL), BO_OK);
	assert_non_null(vt);
	assert_non_null(ud);
	assert_int_equal(vt->version, BO_STORAGE_VERSION);
	assert_non_null(vt->savepoint);
	assert_non_null(vt->release);
	assert_non_null(vt->rollback_to);
	assert_non_null(vt->close);
	vt->close(ud);
}

static void test_migration_sets_version(void **state)
{
	fixture *f = *state;
	sqlite3 *db = raw_open(f->path);
	char mode[16];
	sqlite3_stmt *st = NULL;

	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x626f7264);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
				     " AND name IN ('items', 'orders', 'lines', 'queues',"
				     " 'supply', 'subs', 'outbox', 'meta')"), 8);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_string_equal(mode, "wal");
	sqlite3_close(db);

	/* Reopening an up-to-date file migrates nothing and succeeds. */
	fx_close(f);
	assert_int_equal(fx_open(f, NULL), BO_OK);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
	sqlite3_close(db);
}

/*
 * Schema version 1 exactly as the 0 -> 1 step shipped. A frozen copy on
 * purpose: migrations[] is private to the adapter, and a step that shipped
 * never changes, so files made with this text are what version-1 libraries
 * left behind.
 */
static const char v1_schema[] =
	"CREATE TABLE items ("
	" sku TEXT NOT NULL PRIMARY KEY,"
	" policy TEXT NOT NULL,"
	" on_hand INTEGER NOT NULL, allocated INTEGER NOT NULL,"
	" backordered INTEGER NOT NULL, incoming INTEGER NOT NULL,"
	" backorder INTEGER NOT NULL, released INTEGER NOT NULL,"
	" max_backorder INTEGER NOT NULL, lead_time INTEGER NOT NULL,"
	" release_at INTEGER NOT NULL, preorder_max INTEGER NOT NULL,"
	" subscribers INTEGER NOT NULL, demand INTEGER NOT NULL,"
	" filled_at_once INTEGER NOT NULL, shipped INTEGER NOT NULL,"
	" cancelled INTEGER NOT NULL, revenue_held INTEGER NOT NULL,"
	" created INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE orders ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" created INTEGER NOT NULL, priority INTEGER NOT NULL,"
	" due INTEGER NOT NULL, ship_mode INTEGER NOT NULL,"
	" ready INTEGER NOT NULL, nlines INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE lines ("
	" order_id TEXT NOT NULL, idx INTEGER NOT NULL,"
	" sku TEXT NOT NULL,"
	" placed INTEGER NOT NULL, ordered INTEGER NOT NULL,"
	" allocated INTEGER NOT NULL, backordered INTEGER NOT NULL,"
	" shipped INTEGER NOT NULL, cancelled INTEGER NOT NULL,"
	" unit_price INTEGER NOT NULL, queue_time INTEGER NOT NULL,"
	" eta INTEGER NOT NULL,"
	" k0 INTEGER NOT NULL, k1 INTEGER NOT NULL, k2 INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" PRIMARY KEY (order_id, idx)"
	") WITHOUT ROWID;"
	"CREATE TABLE queues ("
	" queue INTEGER NOT NULL, sku TEXT NOT NULL,"
	" k0 INTEGER NOT NULL, k1 INTEGER NOT NULL, k2 INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" order_id TEXT NOT NULL, idx INTEGER NOT NULL,"
	" PRIMARY KEY (queue, sku, k0, k1, k2, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE supply ("
	" sku TEXT NOT NULL, id TEXT NOT NULL,"
	" qty INTEGER NOT NULL, expected INTEGER NOT NULL,"
	" PRIMARY KEY (sku, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX supply_by_time ON supply (sku, expected, id);"
	"CREATE TABLE subs ("
	" sku TEXT NOT NULL, seq INTEGER NOT NULL,"
	" customer TEXT NOT NULL,"
	" PRIMARY KEY (sku, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE outbox ("
	" seq INTEGER NOT NULL PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" order_id TEXT NOT NULL, sku TEXT NOT NULL, customer TEXT NOT NULL,"
	" qty INTEGER NOT NULL, eta INTEGER NOT NULL, time INTEGER NOT NULL"
	");"
	"CREATE TABLE meta ("
	" key TEXT NOT NULL PRIMARY KEY,"
	" value INTEGER NOT NULL"
	") WITHOUT ROWID;";

/* Write `r` into a version-1 items table (no eta_time column). */
static void raw_put_v1_item(sqlite3 *db, const bo_item_rec *r)
{
	sqlite3_stmt *st = NULL;
	const int64_t v[] = {
		r->on_hand, r->allocated, r->backordered, r->incoming, r->backorder,
		r->released, r->max_backorder, r->lead_time, r->release_at,
		r->preorder_max, r->subscribers, r->demand, r->filled_at_once,
		r->shipped, r->cancelled, r->revenue_held, r->created,
	};
	int i;
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO items (sku, policy, on_hand,"
			 " allocated, backordered, incoming, backorder, released, max_backorder,"
			 " lead_time, release_at, preorder_max, subscribers, demand,"
			 " filled_at_once, shipped, cancelled, revenue_held, created) VALUES"
			 " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
			 " ?16, ?17, ?18, ?19)", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(st, 1, r->sku, -1, SQLITE_STATIC), SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(st, 2, r->policy, -1, SQLITE_STATIC), SQLITE_OK);
	for (i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
		assert_int_equal(sqlite3_bind_int64(st, i + 3, v[i]), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : sqlite3_errstr(rc));
	sqlite3_free(err);
}

/* A version-1 file written with the raw v1 SQL opens migrated to the current version. */
static void test_migration_from_v1(void **state)
{
	fixture *f = *state;
	bo_item_rec a = make_item("alpha", 10), b = make_item("beta", 20), out;
	bo_order_rec o = make_order("o-1", 3), oout;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int64_t v;

	fx_close(f);
	remove_files(f);
	db = raw_open(f->path);
	raw_exec(db, "PRAGMA journal_mode=WAL");
	raw_exec(db, "BEGIN");
	raw_exec(db, v1_schema);
	raw_exec(db, "PRAGMA application_id=1651470948"); /* 0x626f7264 */
	raw_exec(db, "PRAGMA user_version=1");
	raw_put_v1_item(db, &a);
	raw_put_v1_item(db, &b);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO orders VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, o.id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, o.created);
	sqlite3_bind_int64(st, 3, o.priority);
	sqlite3_bind_int64(st, 4, o.due);
	sqlite3_bind_int64(st, 5, o.ship_mode);
	sqlite3_bind_int64(st, 6, o.ready);
	sqlite3_bind_int64(st, 7, o.nlines);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	raw_exec(db, "INSERT INTO meta VALUES ('now', 4242)");
	raw_exec(db, "COMMIT");
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
	sqlite3_close(db);

	/* The adapter migrates it on open. */
	assert_int_equal(fx_open(f, NULL), BO_OK);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x626f7264);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM items"), 2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM items WHERE typeof(eta_time) = 'integer'"
				     " AND eta_time = -9223372036854775807 - 1"), 2);
	assert_int_equal(raw_int(db, "SELECT \"notnull\" FROM pragma_table_info('items')"
				     " WHERE name = 'eta_time'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_table_info('lines')"
				     " WHERE name IN ('eta_basis', 'eta_base', 'eta_release')"
				     " AND \"notnull\" = 1"), 3);
	sqlite3_close(db);

	/* Every field of the old items is kept; eta_time is BO_NO_TIME. */
	a.eta_time = BO_NO_TIME;
	b.eta_time = BO_NO_TIME;
	assert_int_equal(f->vt->item_get(f->ud, "alpha", &out, 0), BO_OK);
	assert_memory_equal(&a, &out, sizeof(a));
	assert_int_equal(f->vt->item_next(f->ud, "alpha", &out), BO_OK);
	assert_memory_equal(&b, &out, sizeof(b));
	assert_int_equal(f->vt->item_next(f->ud, "beta", &out), BO_ENOTFOUND);
	assert_int_equal(f->vt->order_get(f->ud, "o-1", &oout, 0), BO_OK);
	assert_memory_equal(&o, &oout, sizeof(o));
	assert_int_equal(f->vt->meta_get(f->ud, "now", &v), BO_OK);
	assert_int_equal(v, 4242);

	/* The new column takes writes, and a reopen migrates nothing more. */
	a.eta_time = 777;
	assert_int_equal(f->vt->begin(f->ud), BO_OK);
	assert_int_equal(f->vt->item_put(f->ud, &a), BO_OK);
	assert_int_equal(f->vt->commit(f->ud), BO_OK);
	fx_close(f);
	assert_int_equal(fx_open(f, NULL), BO_OK);
	assert_int_equal(f->vt->item_get(f->ud, "alpha", &out, 0), BO_OK);
	assert_memory_equal(&a, &out, sizeof(a));
	assert_int_equal(f->vt->item_get(f->ud, "beta", &out, 0), BO_OK);
	assert_memory_equal(&b, &out, sizeof(b));
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
	sqlite3_close(db);
}

static bo_inventory *inv_open(const fixture *f)
{
	char store[160];
	bo_inventory *inv = NULL;
	snprintf(store, sizeof(store), "sqlite:%s", f->path);
	assert_int_equal(bo_inventory_open_store(&inv, store, NULL), BO_OK);
	return inv;
}

/* bo_inventory_check() passes; if not, say why. */
static void check_ok(bo_inventory *inv)
{
	int rc = bo_inventory_check(inv);
	if (rc != BO_OK)
		fail_msg("bo_inventory_check: %d: %s", rc, bo_last_error());
}

/*
 * A whole inventory written by the library, turned back into a version-1
 * file (the later columns dropped, the version lowered), opens through the
 * library with the same observable state and invariants, and goes on.
 */
/* Drop the history part of a snapshot (its "history" lines and their days). */
static void strip_history(char *snap)
{
	char *in = snap, *out = snap;
	int skip = 0;
	while (*in) {
		size_t n = strcspn(in, "\n") + (in[strcspn(in, "\n")] == '\n');
		if (strncmp(in, "history ", 8) == 0)
			skip = 1;
		else if (strncmp(in, "  day ", 6) != 0)
			skip = 0;
		if (!skip)
			memmove(out, in, n), out += n;
		in += n;
	}
	*out = '\0';
}

static void test_migration_keeps_inventory(void **state)
{
	fixture *f = *state;
	bo_item_settings set = BO_ITEM_SETTINGS_INIT;
	bo_line_spec l1[] = { { "bolt", 5, 120 }, { "nut", 2, BO_NO_PRICE } };
	bo_line_spec l2[] = { { "bolt", 4, 100 } };
	bo_inventory *inv;
	char *before = NULL, *after = NULL;
	sqlite3 *db;

	fx_close(f);
	inv = inv_open(f);
	set.fields = BO_ITEM_LEAD_TIME;
	set.lead_time = 86400;
	assert_int_equal(bo_item_set(inv, "bolt", &set), BO_OK);
	assert_int_equal(bo_item_set(inv, "nut", NULL), BO_OK);
	assert_int_equal(bo_item_receive(inv, "bolt", 3, NULL), BO_OK);
	assert_int_equal(bo_supply_set(inv, "bolt", "po-1", 4, 4102444800LL), BO_OK);
	assert_int_equal(bo_order_place(inv, "A", NULL, l1, 2), BO_OK);
	assert_int_equal(bo_order_place(inv, "B", NULL, l2, 1), BO_OK);
	assert_int_equal(bo_item_subscribe(inv, "nut", "cust"), BO_OK);
	check_ok(inv);
	assert_int_equal(snapshot_take(&before, inv), BO_OK);
	bo_inventory_free(inv);

	db = raw_open(f->path);
	raw_exec(db, "ALTER TABLE items DROP COLUMN eta_time");
	raw_exec(db, "ALTER TABLE lines DROP COLUMN eta_basis");
	raw_exec(db, "ALTER TABLE lines DROP COLUMN eta_base");
	raw_exec(db, "ALTER TABLE lines DROP COLUMN eta_release");
	raw_exec(db, "DROP TABLE history");
	raw_exec(db, "ALTER TABLE items DROP COLUMN located");
	raw_exec(db, "ALTER TABLE supply DROP COLUMN location");
	raw_exec(db, "ALTER TABLE outbox DROP COLUMN location");
	raw_exec(db, "DROP TABLE locations");
	raw_exec(db, "DROP TABLE stock");
	raw_exec(db, "DROP TABLE line_locs");
	/* a version 1 file was never written by a library that keeps promises */
	raw_exec(db, "DELETE FROM meta WHERE key = 'promises'");
	raw_exec(db, "PRAGMA user_version=1");
	sqlite3_close(db);

	inv = inv_open(f);
	check_ok(inv);
	assert_int_equal(snapshot_take(&after, inv), BO_OK);
	/* the same state; the history starts empty with the migration */
	strip_history(before);
	assert_true(strstr(after, "\nhistory bolt fill=0/0 ordered=0 ") != NULL);
	strip_history(after);
	assert_string_equal(before, after);
	/* Work goes on over the migrated file. */
	assert_int_equal(bo_item_receive(inv, "bolt", 6, "po-1"), BO_OK);
	assert_int_equal(bo_order_ship(inv, "B", NULL, BO_ALL), BO_OK);
	check_ok(inv);
	bo_inventory_free(inv);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
	sqlite3_close(db);
	free(before);
	free(after);
}

/* ------------------------------------------- a file of the last release */

/*
 * fixtures/v0.3.0.db: a real file written by libbackorder 0.3.0 (schema
 * version 2), made as fixtures/README says: items with and without lead
 * times, a preorder, waiting lines with ETAs from the lead time and from
 * supply, allocated, shipped and cancelled lines, supply records, a
 * subscription and seven pending events.
 */
#define V030_LINES 17
#define V030_EVENTS 7
/* 2026-02-04T00:00:00Z: the day after the fixture's clock stopped. */
#define V030_NOW INT64_C(1770163200)

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[8192];
	size_t n;

	if (!in)
		fail_msg("cannot open the fixture %s", from);
	out = fopen(to, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(ferror(in), 0);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/*
 * The lines of a file, read with plain SQL from its `lines` table (the
 * columns every schema version has), in (order_id, idx) order, as the
 * adapter should return them with no ETA basis stored.
 */
static size_t raw_lines(sqlite3 *db, bo_line_rec *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT order_id, idx, sku, placed, ordered,"
			 " allocated, backordered, shipped, cancelled, unit_price, queue_time, eta,"
			 " k0, k1, k2, seq FROM lines ORDER BY order_id, idx", -1, &st, NULL),
			 SQLITE_OK);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bo_line_rec *l = &out[n];
		int64_t seq;
		assert_true(n < cap);
		memset(l, 0, sizeof(*l));
		snprintf(l->order_id, sizeof(l->order_id), "%s", (const char *)sqlite3_column_text(st, 0));
		l->index = (uint32_t)sqlite3_column_int64(st, 1);
		snprintf(l->sku, sizeof(l->sku), "%s", (const char *)sqlite3_column_text(st, 2));
		l->placed = sqlite3_column_int64(st, 3);
		l->ordered = sqlite3_column_int64(st, 4);
		l->allocated = sqlite3_column_int64(st, 5);
		l->backordered = sqlite3_column_int64(st, 6);
		l->shipped = sqlite3_column_int64(st, 7);
		l->cancelled = sqlite3_column_int64(st, 8);
		l->unit_price = sqlite3_column_int64(st, 9);
		l->queue_time = sqlite3_column_int64(st, 10);
		l->eta = sqlite3_column_int64(st, 11);
		l->key.k[0] = sqlite3_column_int64(st, 12);
		l->key.k[1] = sqlite3_column_int64(st, 13);
		l->key.k[2] = sqlite3_column_int64(st, 14);
		seq = sqlite3_column_int64(st, 15);
		/* the adapter's order-preserving map: the top bit flipped */
		memcpy(&l->key.seq, &seq, sizeof(seq));
		l->key.seq ^= UINT64_C(1) << 63;
		/* no promise stored: what the 2 -> 3 migration gives old lines */
		l->eta_basis = BO_BASIS_NONE;
		l->eta_base = 0;
		l->eta_release = BO_NO_TIME;
		n++;
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	return n;
}

static int64_t fixed_clock(void *user_data)
{
	return *(const int64_t *)user_data;
}

typedef struct ev_log {
	size_t n;
	uint64_t seq[64];
	int kind[64];
} ev_log;

static int log_event(void *user_data, const bo_event *ev)
{
	ev_log *log = user_data;
	if (log->n < 64) {
		log->seq[log->n] = ev->seq;
		log->kind[log->n] = ev->kind;
	}
	log->n++;
	return 0;
}

static void expect_item(bo_inventory *inv, const char *sku, int64_t on_hand, int64_t allocated,
			int64_t backordered, int64_t incoming)
{
	bo_item_status st;
	assert_int_equal(bo_item_status_get(&st, inv, sku), BO_OK);
	assert_int_equal(st.on_hand, on_hand);
	assert_int_equal(st.allocated, allocated);
	assert_int_equal(st.backordered, backordered);
	assert_int_equal(st.incoming, incoming);
}

static void test_migration_from_v030_file(void **state)
{
	fixture *f = *state;
	static bo_line_rec want[V030_LINES + 1];
	bo_line_rec got;
	bo_item_rec it;
	bo_supply_rec sup;
	bo_event_rec ev;
	const bo_line_rec *a4_bolt = NULL, *a1_gear = NULL, *a3_nut = NULL;
	bo_options opts = BO_OPTIONS_INIT;
	const bo_notifier notifier = { BO_NOTIFIER_VERSION, log_event, NULL };
	bo_line_spec place[] = { { "bolt", 1, BO_NO_PRICE }, { "nut", 1, 300 } };
	char store[160];
	int64_t now = V030_NOW;
	bo_inventory *inv = NULL;
	ev_log log;
	size_t n, i, pending = 0, delivered = 0;
	uint64_t after;
	sqlite3 *db;

	fx_close(f);
	remove_files(f);
	copy_file(BO_SQLITE_FIXTURES "/v0.3.0.db", f->path);

	/* The file as 0.3.0 left it: schema 2, no basis columns. */
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 2);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x626f7264);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_table_info('lines')"
				     " WHERE name LIKE 'eta_%'"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM outbox"), V030_EVENTS);
	n = raw_lines(db, want, V030_LINES + 1);
	assert_int_equal(n, V030_LINES);
	sqlite3_close(db);
	/* What the fixture is known to hold (fixtures/v0.3.0.trace and pending.c),
	 * so a wrong raw read cannot pass unnoticed. */
	for (i = 0; i < n; i++) {
		if (!strcmp(want[i].order_id, "A4") && !strcmp(want[i].sku, "bolt"))
			a4_bolt = &want[i];
		if (!strcmp(want[i].order_id, "A1") && !strcmp(want[i].sku, "gear"))
			a1_gear = &want[i];
		if (!strcmp(want[i].order_id, "A3") && !strcmp(want[i].sku, "nut"))
			a3_nut = &want[i];
	}
	assert_non_null(a4_bolt);
	assert_non_null(a1_gear);
	assert_non_null(a3_nut);
	assert_int_equal(a4_bolt->index, 1);
	assert_int_equal(a4_bolt->backordered, 1);
	assert_true(a4_bolt->eta == INT64_C(1770544800));  /* 2026-02-08T10:00Z: now + lead time */
	assert_int_equal(a1_gear->backordered, 2);
	assert_true(a1_gear->eta == INT64_C(1771545600));  /* 2026-02-20: po-2 */
	assert_int_equal(a3_nut->backordered, 3);
	assert_true(a3_nut->eta == BO_NO_TIME);            /* no lead time, no supply */

	/* Opened by this library: migrated to the current schema. */
	assert_int_equal(fx_open(f, NULL), BO_OK);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM lines WHERE typeof(eta_basis) = 'integer'"
				     " AND eta_basis = 0 AND typeof(eta_base) = 'integer' AND eta_base = 0"
				     " AND typeof(eta_release) = 'integer'"
				     " AND eta_release = -9223372036854775807 - 1"), V030_LINES);
	/* schema 4: a history table, empty (history starts with the migration) */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM history"), 0);
	/* schema 5: everything at "main" */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM items WHERE typeof(located) = 'integer'"
				     " AND located = 0"), 5);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM supply WHERE location = ''"), 3);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM outbox WHERE location = ''"), V030_EVENTS);
	assert_int_equal(raw_int(db, "SELECT (SELECT count(*) FROM locations) + (SELECT count(*) FROM stock)"
				     " + (SELECT count(*) FROM line_locs)"), 0);
	sqlite3_close(db);

	/* Every line reads back with its old fields and no basis. */
	for (i = 0; i < n; i++) {
		memset(&got, 0x5a, sizeof(got));
		assert_int_equal(f->vt->line_get(f->ud, want[i].order_id, want[i].index, &got), BO_OK);
		assert_memory_equal(&want[i], &got, sizeof(got));
	}
	/* The other records are there as written. */
	assert_int_equal(f->vt->item_get(f->ud, "bolt", &it, 0), BO_OK);
	assert_int_equal(it.on_hand, 5);
	assert_int_equal(it.allocated, 5);
	assert_int_equal(it.backordered, 3);
	assert_true(it.lead_time == 5 * 86400);
	assert_int_equal(f->vt->item_get(f->ud, "game", &it, 0), BO_OK);
	assert_true(it.release_at == INT64_C(1772323200)); /* 2026-03-01 */
	assert_int_equal(it.preorder_max, 10);
	assert_int_equal(f->vt->supply_next(f->ud, "gear", NULL, &sup), BO_OK);
	assert_string_equal(sup.id, "po-1");
	assert_int_equal(sup.qty, 2);
	assert_int_equal(f->vt->supply_next(f->ud, "gear", &sup, &sup), BO_OK);
	assert_string_equal(sup.id, "po-2");
	assert_int_equal(f->vt->supply_next(f->ud, "gear", &sup, &sup), BO_OK);
	assert_string_equal(sup.id, "po-3");
	assert_int_equal(f->vt->supply_next(f->ud, "gear", &sup, &sup), BO_ENOTFOUND);
	for (i = 0, after = 0; f->vt->outbox_next(f->ud, after, &ev) == BO_OK; i++)
		after = ev.seq;
	assert_int_equal(i, V030_EVENTS);
	fx_close(f);

	/* The inventory over the migrated file: consistent, and it goes on. */
	snprintf(store, sizeof(store), "sqlite:%s", f->path);
	opts.clock = fixed_clock;
	opts.clock_data = &now;
	assert_int_equal(bo_inventory_open_store(&inv, store, &opts), BO_OK);
	check_ok(inv);
	assert_int_equal(bo_inventory_pending(&pending, inv), BO_OK);
	assert_int_equal(pending, V030_EVENTS);
	expect_item(inv, "bolt", 5, 5, 3, 0);
	expect_item(inv, "gear", 2, 2, 11, 13);
	expect_item(inv, "nut", 0, 0, 6, 0);
	expect_item(inv, "game", 0, 0, 7, 0);
	expect_item(inv, "pin", 17, 2, 0, 0);
	/* 0.3.0's pending events are delivered, in order, once. */
	memset(&log, 0, sizeof(log));
	assert_int_equal(bo_inventory_set_notifier(inv, &notifier, &log), BO_OK);
	assert_int_equal(bo_inventory_dispatch(inv, &delivered), BO_OK);
	assert_int_equal(delivered, V030_EVENTS);
	assert_int_equal(log.n, V030_EVENTS);
	{
		static const int kinds[V030_EVENTS] = {
			BO_EVENT_ACCEPTED, BO_EVENT_BACKORDERED, BO_EVENT_BACKORDERED,
			BO_EVENT_ALLOCATED, BO_EVENT_ETA_CHANGED, BO_EVENT_ETA_CHANGED,
			BO_EVENT_ETA_CHANGED,
		};
		for (i = 0; i < V030_EVENTS; i++) {
			assert_int_equal(log.kind[i], kinds[i]);
			if (i)
				assert_true(log.seq[i] == log.seq[i - 1] + 1);
		}
	}
	/* A placement and a receive. */
	log.n = 0;
	assert_int_equal(bo_order_place(inv, "C1", NULL, place, 2), BO_OK);
	expect_item(inv, "bolt", 5, 5, 4, 0);
	expect_item(inv, "nut", 0, 0, 7, 0);
	/* The first call gave every old waiting line the basis of its cover and
	 * kept the ETA 0.3.0 promised: nobody was told a new date. */
	for (i = 0; i < log.n; i++)
		assert_int_not_equal(log.kind[i], BO_EVENT_ETA_CHANGED);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM lines WHERE backordered > 0 AND eta_basis = 0"), 0);
	assert_true(raw_int(db, "SELECT count(*) FROM lines WHERE order_id = 'A4' AND sku = 'bolt'"
				" AND eta = 1770544800 AND eta_basis = 2") == 1); /* the lead time */
	assert_true(raw_int(db, "SELECT count(*) FROM lines WHERE order_id = 'A3' AND sku = 'nut'"
				" AND eta_basis = 1") == 1); /* unknown */
	assert_true(raw_int(db, "SELECT count(*) FROM meta WHERE key = 'promises' AND value = 1") == 1);
	/* C1's placement is the first history: a row each for bolt and nut, of today */
	assert_true(raw_int(db, "SELECT count(*) FROM history WHERE day = 1770163200 / 86400"
				" AND ((sku = 'bolt' AND ordered = 1 AND backordered = 1)"
				" OR (sku = 'nut' AND ordered = 1 AND backordered = 1))") == 2);
	sqlite3_close(db);
	assert_int_equal(bo_item_receive(inv, "gear", 4, "po-1"), BO_OK);
	/* priority policy: A2 (priority 3) 1 unit, then A1 2 and A8 1 (fifo) */
	expect_item(inv, "gear", 6, 6, 7, 11);
	check_ok(inv);
	assert_true(log.n > 0);
	assert_true(log.seq[0] > 41); /* after 0.3.0's last event */
	bo_inventory_free(inv);

	/* Reopened: nothing more to migrate, still consistent. */
	assert_int_equal(bo_inventory_open_store(&inv, store, &opts), BO_OK);
	check_ok(inv);
	bo_inventory_free(inv);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
	sqlite3_close(db);
	assert_int_equal(fx_open(f, NULL), BO_OK);
}

static void test_newer_schema_refused(void **state)
{
	fixture *f = *state;
	sqlite3 *db;
	fx_close(f);
	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	bo_clear_error();
	assert_int_equal(fx_open(f, NULL), BO_ESTORAGE);
	assert_null(f->ud);
	assert_non_null(strstr(bo_last_error(), "newer"));
}

static void test_foreign_database_refused(void **state)
{
	fixture *f = *state;
	sqlite3 *db;
	char path[160];

	fx_close(f);
	/* A version-0 database with someone else's tables. */
	snprintf(path, sizeof(path), "%s/other.db", f->dir);
	db = raw_open(path);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	bo_clear_error();
	assert_int_equal(bo_sqlite_storage(&f->vt, &f->ud, path, NULL), BO_ESTORAGE);
	assert_null(f->ud);
	assert_non_null(strstr(bo_last_error(), "another application"));
	/* Refused means untouched: still no tables of ours. */
	db = raw_open(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema"), 1);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 0);
	sqlite3_close(db);
	unlink(path);

	/* Another application's id. */
	db = raw_open(path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id=7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(bo_sqlite_storage(&f->vt, &f->ud, path, NULL), BO_ESTORAGE);
	assert_null(f->ud);
	unlink(path);
}

static void test_not_a_database(void **state)
{
	fixture *f = *state;
	char path[160];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	for (i = 0; i < 4096; i++)
		fputc((int)(i * 7 % 251), fp);
	fclose(fp);
	bo_clear_error();
	{
		const bo_storage *vt = NULL;
		void *ud = NULL;
		assert_int_equal(bo_sqlite_storage(&vt, &ud, path, NULL), BO_ESTORAGE);
		assert_null(ud);
		assert_null(vt);
	}
	assert_non_null(strstr(bo_last_error(), "sqlite"));
	unlink(path);
}

static void test_unopenable_path(void **state)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;
	(void)state;
	bo_clear_error();
	assert_int_equal(bo_sqlite_storage(&vt, &ud, "/nonexistent-bo-dir/x/store.db", NULL),
			 BO_ESTORAGE);
	assert_null(ud);
	assert_non_null(strstr(bo_last_error(), "unable to open"));
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void test_locked_file_is_busy(void **state)
{
	fixture *f = *state;
	bo_sqlite_options opts = BO_SQLITE_OPTIONS_INIT;
	sqlite3 *other;
	double t0, waited;

	fx_close(f);
	opts.busy_timeout_ms = 0;
	assert_int_equal(fx_open(f, &opts), BO_OK);

	/* Another connection holds the write lock. */
	other = raw_open(f->path);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	bo_clear_error();
	assert_int_equal(f->vt->begin(f->ud), BO_ESTORAGE);
	assert_non_null(strstr(bo_last_error(), "locked"));
	/* Reads outside a transaction still work (WAL readers do not block). */
	{
		int64_t v;
		assert_int_equal(f->vt->meta_get(f->ud, "absent", &v), BO_ENOTFOUND);
	}

	/* With a timeout, begin waits about that long before giving up. */
	fx_close(f);
	opts.busy_timeout_ms = 150;
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(fx_open(f, &opts), BO_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	t0 = now_ms();
	assert_int_equal(f->vt->begin(f->ud), BO_ESTORAGE);
	waited = now_ms() - t0;
	assert_true(waited >= 100.0);

	/* Once the other side commits, begin succeeds. */
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(f->vt->begin(f->ud), BO_OK);
	assert_int_equal(f->vt->meta_put(f->ud, "k", 1), BO_OK);
	assert_int_equal(f->vt->commit(f->ud), BO_OK);
	sqlite3_close(other);
}

/* --------------------------------------------------------- round trips */

static void test_item_roundtrip(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	bo_item_rec in = make_item("widget", 100), out;
	char longsku[BO_ID_MAX + 1];

	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->item_get(f->ud, "widget", &out, 0), BO_ENOTFOUND);
	assert_int_equal(vt->item_put(f->ud, &in), BO_OK);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(vt->item_get(f->ud, "widget", &out, 1), BO_OK);
	assert_memory_equal(&in, &out, sizeof(in));

	/* Put replaces. */
	in.on_hand = 0;
	in.backorder = BO_BACKORDER_ALLOW;
	snprintf(in.policy, sizeof(in.policy), "%s", "priority");
	assert_int_equal(vt->item_put(f->ud, &in), BO_OK);
	assert_int_equal(vt->item_get(f->ud, "widget", &out, 0), BO_OK);
	assert_memory_equal(&in, &out, sizeof(in));

	/* The longest SKU and policy name fit. */
	memset(longsku, 'x', BO_ID_MAX);
	longsku[BO_ID_MAX] = '\0';
	in = make_item(longsku, -5);
	memset(in.policy, 'p', BO_NAME_MAX);
	in.policy[BO_NAME_MAX] = '\0';
	assert_int_equal(vt->item_put(f->ud, &in), BO_OK);
	assert_int_equal(vt->item_get(f->ud, longsku, &out, 0), BO_OK);
	assert_memory_equal(&in, &out, sizeof(in));

	/* An unterminated SKU is refused with a message, not read past. */
	memset(in.sku, 'y', sizeof(in.sku));
	bo_clear_error();
	assert_int_equal(vt->item_put(f->ud, &in), BO_ESTORAGE);
	assert_non_null(strstr(bo_last_error(), "item_put"));
	assert_int_equal(vt->item_get(f->ud, NULL, &out, 0), BO_ESTORAGE);
	assert_int_equal(vt->commit(f->ud), BO_OK);
}

static void test_order_line_roundtrip(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	bo_order_rec o = make_order("A-1", 42), oo;
	bo_line_rec l0 = make_line("A-1", 0, 10), l1 = make_line("A-1", 1, 20), lo;

	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->order_get(f->ud, "A-1", &oo, 0), BO_ENOTFOUND);
	assert_int_equal(vt->order_put(f->ud, &o), BO_OK);
	assert_int_equal(vt->order_get(f->ud, "A-1", &oo, 1), BO_OK);
	assert_memory_equal(&o, &oo, sizeof(o));
	o.ready = 0;
	o.nlines = 2;
	assert_int_equal(vt->order_put(f->ud, &o), BO_OK);
	assert_int_equal(vt->order_get(f->ud, "A-1", &oo, 0), BO_OK);
	assert_memory_equal(&o, &oo, sizeof(o));

	assert_int_equal(vt->line_get(f->ud, "A-1", 0, &lo), BO_ENOTFOUND);
	assert_int_equal(vt->line_put(f->ud, &l0), BO_OK);
	assert_int_equal(vt->line_put(f->ud, &l1), BO_OK);
	assert_int_equal(vt->line_get(f->ud, "A-1", 0, &lo), BO_OK);
	assert_memory_equal(&l0, &lo, sizeof(l0));
	assert_int_equal(vt->line_get(f->ud, "A-1", 1, &lo), BO_OK);
	assert_memory_equal(&l1, &lo, sizeof(l1));
	assert_int_equal(vt->line_get(f->ud, "A-1", 2, &lo), BO_ENOTFOUND);
	assert_int_equal(vt->line_get(f->ud, "A-2", 0, &lo), BO_ENOTFOUND);
	/* Replace a line. */
	l1.shipped = 99;
	l1.key.seq = 0;
	l1.eta = 12345;
	assert_int_equal(vt->line_put(f->ud, &l1), BO_OK);
	assert_int_equal(vt->line_get(f->ud, "A-1", 1, &lo), BO_OK);
	assert_memory_equal(&l1, &lo, sizeof(l1));
	assert_int_equal(vt->commit(f->ud), BO_OK);
}

static void test_supply(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	/* (expected, id) order: t=50 "b", t=50 "c", t=100 "a", t=200 "A". */
	static const struct { const char *id; int64_t expected; } recs[] = {
		{ "a", 100 }, { "c", 50 }, { "A", 200 }, { "b", 50 },
	};
	static const char *const order[] = { "b", "c", "a", "A" };
	bo_supply_rec r, out, other;
	size_t i;

	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->supply_next(f->ud, "s", NULL, &out), BO_ENOTFOUND);
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.sku, sizeof(r.sku), "s");
		snprintf(r.id, sizeof(r.id), "%s", recs[i].id);
		r.qty = (int64_t)i + 1;
		r.expected = recs[i].expected;
		assert_int_equal(vt->supply_put(f->ud, &r), BO_OK);
	}
	/* Another item's supply never shows up in "s"'s walk. */
	memset(&other, 0, sizeof(other));
	snprintf(other.sku, sizeof(other.sku), "t");
	snprintf(other.id, sizeof(other.id), "b");
	other.qty = 9;
	other.expected = 0;
	assert_int_equal(vt->supply_put(f->ud, &other), BO_OK);

	assert_int_equal(vt->supply_next(f->ud, "s", NULL, &out), BO_OK);
	for (i = 0; i < 4; i++) {
		assert_string_equal(out.id, order[i]);
		assert_string_equal(out.sku, "s");
		r = out;
		if (i < 3)
			assert_int_equal(vt->supply_next(f->ud, "s", &r, &out), BO_OK);
	}
	assert_int_equal(vt->supply_next(f->ud, "s", &r, &out), BO_ENOTFOUND);

	assert_int_equal(vt->supply_get(f->ud, "s", "c", &out), BO_OK);
	assert_int_equal(out.qty, 2);
	assert_int_equal(out.expected, 50);
	/* Replace moves it in the walk. */
	out.expected = 500;
	assert_int_equal(vt->supply_put(f->ud, &out), BO_OK);
	assert_int_equal(vt->supply_get(f->ud, "s", "c", &r), BO_OK);
	assert_memory_equal(&out, &r, sizeof(r));
	r.expected = 200;
	snprintf(r.id, sizeof(r.id), "A");
	assert_int_equal(vt->supply_next(f->ud, "s", &r, &out), BO_OK);
	assert_string_equal(out.id, "c");

	assert_int_equal(vt->supply_del(f->ud, "s", "c"), BO_OK);
	assert_int_equal(vt->supply_del(f->ud, "s", "c"), BO_ENOTFOUND);
	assert_int_equal(vt->supply_get(f->ud, "s", "c", &out), BO_ENOTFOUND);
	assert_int_equal(vt->supply_get(f->ud, "t", "b", &out), BO_OK);
	assert_memory_equal(&other, &out, sizeof(out));
	assert_int_equal(vt->commit(f->ud), BO_OK);
}

static void test_subs(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	static const uint64_t seqs[] = { 7, 3, UINT64_MAX, (UINT64_C(1) << 63) + 1, 1 };
	static const uint64_t sorted[] = { 1, 3, 7, (UINT64_C(1) << 63) + 1, UINT64_MAX };
	bo_sub_rec r, out;
	uint64_t after = 0;
	size_t i;

	assert_int_equal(vt->begin(f->ud), BO_OK);
	for (i = 0; i < 5; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.sku, sizeof(r.sku), "s");
		snprintf(r.customer, sizeof(r.customer), "cust-%llu", (unsigned long long)seqs[i]);
		r.seq = seqs[i];
		assert_int_equal(vt->sub_add(f->ud, &r), BO_OK);
	}
	snprintf(r.sku, sizeof(r.sku), "other");
	r.seq = 2;
	assert_int_equal(vt->sub_add(f->ud, &r), BO_OK);
	/* A duplicate key is a storage failure. */
	assert_int_equal(vt->sub_add(f->ud, &r), BO_ESTORAGE);

	for (i = 0; i < 5; i++) {
		char want[BO_ID_MAX + 1];
		assert_int_equal(vt->sub_next(f->ud, "s", after, &out), BO_OK);
		assert_true(out.seq == sorted[i]);
		assert_string_equal(out.sku, "s");
		snprintf(want, sizeof(want), "cust-%llu", (unsigned long long)sorted[i]);
		assert_string_equal(out.customer, want);
		after = out.seq;
	}
	assert_int_equal(vt->sub_next(f->ud, "s", after, &out), BO_ENOTFOUND);

	assert_int_equal(vt->sub_del(f->ud, "s", 3), BO_OK);
	assert_int_equal(vt->sub_next(f->ud, "s", 1, &out), BO_OK);
	assert_true(out.seq == 7);
	assert_int_equal(vt->sub_del(f->ud, "s", 3), BO_ENOTFOUND);
	assert_int_equal(vt->sub_next(f->ud, "other", 0, &out), BO_OK);
	assert_true(out.seq == 2);
	assert_int_equal(vt->commit(f->ud), BO_OK);
}

static void test_outbox(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	bo_event_rec e, out;
	uint64_t seq;

	assert_int_equal(vt->outbox_next(f->ud, 0, &out), BO_ENOTFOUND);
	assert_int_equal(vt->begin(f->ud), BO_OK);
	for (seq = 1; seq <= 5; seq++) {
		e = make_event(seq);
		assert_int_equal(vt->outbox_append(f->ud, &e), BO_OK);
	}
	/* A duplicate seq is refused. */
	assert_int_equal(vt->outbox_append(f->ud, &e), BO_ESTORAGE);
	assert_int_equal(vt->commit(f->ud), BO_OK);

	/* Dispatch reads outside a transaction. */
	for (seq = 0; seq < 5; seq++) {
		assert_int_equal(vt->outbox_next(f->ud, seq, &out), BO_OK);
		e = make_event(seq + 1);
		assert_memory_equal(&e, &out, sizeof(e));
	}
	assert_int_equal(vt->outbox_next(f->ud, 5, &out), BO_ENOTFOUND);

	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->outbox_ack(f->ud, 3), BO_OK);
	assert_int_equal(vt->commit(f->ud), BO_OK);
	assert_int_equal(vt->outbox_next(f->ud, 0, &out), BO_OK);
	assert_true(out.seq == 4);
	/* Acking what is gone already is fine. */
	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->outbox_ack(f->ud, 2), BO_OK);
	assert_int_equal(vt->outbox_ack(f->ud, UINT64_MAX), BO_OK);
	assert_int_equal(vt->commit(f->ud), BO_OK);
	assert_int_equal(vt->outbox_next(f->ud, 0, &out), BO_ENOTFOUND);
}

static void test_meta(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	char key[40];
	int64_t v = 0;

	assert_int_equal(vt->meta_get(f->ud, "now", &v), BO_ENOTFOUND);
	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->meta_put(f->ud, "now", INT64_MIN), BO_OK);
	assert_int_equal(vt->meta_get(f->ud, "now", &v), BO_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(vt->meta_put(f->ud, "now", 1700000000), BO_OK);
	assert_int_equal(vt->meta_get(f->ud, "now", &v), BO_OK);
	assert_int_equal(v, 1700000000);
	/* 31 bytes is the longest key. */
	memset(key, 'k', 31);
	key[31] = '\0';
	assert_int_equal(vt->meta_put(f->ud, key, 5), BO_OK);
	assert_int_equal(vt->meta_get(f->ud, key, &v), BO_OK);
	assert_int_equal(v, 5);
	key[31] = 'k';
	key[32] = '\0';
	bo_clear_error();
	assert_int_equal(vt->meta_put(f->ud, key, 5), BO_ESTORAGE);
	assert_non_null(strstr(bo_last_error(), "meta_put"));
	assert_int_equal(vt->commit(f->ud), BO_OK);
}

/* ------------------------------------------------------------ iteration */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_item_order_iteration(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	/* Bytewise: "B" < "a" < "a0" < "b" < "\xc3\xa9" ("é"). */
	const char *skus[] = { "b", "\xc3\xa9", "a0", "B", "a", "Z-9", "~", "0" };
	const size_t n = sizeof(skus) / sizeof(skus[0]);
	const char *sorted[sizeof(skus) / sizeof(skus[0])];
	bo_item_rec it;
	bo_order_rec o;
	char last[BO_ID_MAX + 1];
	size_t i;

	assert_int_equal(vt->item_next(f->ud, NULL, &it), BO_ENOTFOUND);
	assert_int_equal(vt->order_next(f->ud, NULL, &o), BO_ENOTFOUND);
	assert_int_equal(vt->begin(f->ud), BO_OK);
	for (i = 0; i < n; i++) {
		it = make_item(skus[i], (int64_t)i);
		o = make_order(skus[i], (int64_t)i);
		assert_int_equal(vt->item_put(f->ud, &it), BO_OK);
		assert_int_equal(vt->order_put(f->ud, &o), BO_OK);
	}
	assert_int_equal(vt->commit(f->ud), BO_OK);

	memcpy(sorted, skus, sizeof(skus));
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);

	assert_int_equal(vt->item_next(f->ud, NULL, &it), BO_OK);
	for (i = 0; i < n; i++) {
		assert_string_equal(it.sku, sorted[i]);
		snprintf(last, sizeof(last), "%s", it.sku);
		assert_int_equal(vt->item_next(f->ud, last, &it), i + 1 < n ? BO_OK : BO_ENOTFOUND);
	}
	assert_int_equal(vt->order_next(f->ud, NULL, &o), BO_OK);
	for (i = 0; i < n; i++) {
		assert_string_equal(o.id, sorted[i]);
		snprintf(last, sizeof(last), "%s", o.id);
		assert_int_equal(vt->order_next(f->ud, last, &o), i + 1 < n ? BO_OK : BO_ENOTFOUND);
	}
	/* From a key that is not stored. */
	assert_int_equal(vt->item_next(f->ud, "a00", &it), BO_OK);
	assert_string_equal(it.sku, "b");
	assert_int_equal(vt->order_next(f->ud, "A", &o), BO_OK);
	assert_string_equal(o.id, "B");
}

/* Reference order of queue keys: words signed, then seq unsigned. */
static int ref_key_cmp(const bo_queue_key *a, const bo_queue_key *b)
{
	int i;
	for (i = 0; i < BO_KEY_WORDS; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return ref_key_cmp(&((const bo_queue_entry *)a)->key, &((const bo_queue_entry *)b)->key);
}

#define NQ 40

static void fill_queue(bo_queue_entry *e, size_t n)
{
	static const int64_t words[] = { INT64_MIN, -1000, -1, 0, 1, 7, INT64_MAX };
	static const uint64_t seqs[] = { 0, 1, 2, UINT64_C(1) << 62, (UINT64_C(1) << 63) - 1,
					 UINT64_C(1) << 63, UINT64_MAX - 1, UINT64_MAX };
	size_t i;
	unsigned r = 12345;
	for (i = 0; i < n; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		snprintf(e[i].sku, sizeof(e[i].sku), "q");
		snprintf(e[i].order_id, sizeof(e[i].order_id), "ord%zu", i);
		e[i].index = (uint32_t)i;
		r = r * 1103515245u + 12345u;
		e[i].key.k[0] = words[(r >> 8) % 3 + 1];  /* few values: ties */
		r = r * 1103515245u + 12345u;
		e[i].key.k[1] = words[(r >> 8) % 7];
		r = r * 1103515245u + 12345u;
		e[i].key.k[2] = words[(r >> 8) % 7];
		/* seq unique per entry, spread over the whole unsigned range. */
		e[i].key.seq = seqs[i % 8] - (seqs[i % 8] > 100 ? (uint64_t)(i / 8) : 0) +
			       (seqs[i % 8] <= 100 ? (uint64_t)(i / 8) * 8 : 0);
	}
}

static void test_queue_order(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	bo_queue_entry e[NQ], sorted[NQ], out, decoy;
	bo_queue_key mid;
	size_t i;

	fill_queue(e, NQ);
	/* Keys must be unique for the test to mean something. */
	memcpy(sorted, e, sizeof(e));
	qsort(sorted, NQ, sizeof(sorted[0]), cmp_entry);
	for (i = 1; i < NQ; i++)
		assert_true(ref_key_cmp(&sorted[i - 1].key, &sorted[i].key) < 0);

	assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_WAITING, "q", NULL, &out), BO_ENOTFOUND);
	assert_int_equal(vt->queue_prev(f->ud, BO_QUEUE_WAITING, "q", NULL, &out), BO_ENOTFOUND);
	assert_int_equal(vt->begin(f->ud), BO_OK);
	for (i = 0; i < NQ; i++)
		assert_int_equal(vt->queue_insert(f->ud, BO_QUEUE_WAITING, &e[i]), BO_OK);
	/* Decoys: the same keys in the other queue and another item's queue. */
	decoy = sorted[0];
	decoy.key.k[0] = INT64_MIN;
	assert_int_equal(vt->queue_insert(f->ud, BO_QUEUE_ALLOCATED, &decoy), BO_OK);
	snprintf(decoy.sku, sizeof(decoy.sku), "p");
	assert_int_equal(vt->queue_insert(f->ud, BO_QUEUE_WAITING, &decoy), BO_OK);
	snprintf(decoy.sku, sizeof(decoy.sku), "qq");
	decoy.key.k[0] = INT64_MAX;
	assert_int_equal(vt->queue_insert(f->ud, BO_QUEUE_WAITING, &decoy), BO_OK);
	/* A duplicate key is refused. */
	assert_int_equal(vt->queue_insert(f->ud, BO_QUEUE_WAITING, &e[3]), BO_ESTORAGE);
	/* Unknown queue. */
	assert_int_equal(vt->queue_insert(f->ud, 2, &e[3]), BO_ESTORAGE);
	assert_int_equal(vt->commit(f->ud), BO_OK);

	/* Forward from the head. */
	assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_WAITING, "q", NULL, &out), BO_OK);
	for (i = 0; i < NQ; i++) {
		bo_queue_key k;
		assert_memory_equal(&out, &sorted[i], sizeof(out));
		k = out.key;
		assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_WAITING, "q", &k, &out),
				 i + 1 < NQ ? BO_OK : BO_ENOTFOUND);
	}
	/* Backward from the tail. */
	assert_int_equal(vt->queue_prev(f->ud, BO_QUEUE_WAITING, "q", NULL, &out), BO_OK);
	for (i = NQ; i-- > 0;) {
		bo_queue_key k;
		assert_memory_equal(&out, &sorted[i], sizeof(out));
		k = out.key;
		assert_int_equal(vt->queue_prev(f->ud, BO_QUEUE_WAITING, "q", &k, &out),
				 i > 0 ? BO_OK : BO_ENOTFOUND);
	}
	/* From a key that is not in the queue: just after sorted[10]. */
	mid = sorted[10].key;
	mid.seq++;
	if (ref_key_cmp(&mid, &sorted[11].key) < 0) {
		assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_WAITING, "q", &mid, &out), BO_OK);
		assert_memory_equal(&out, &sorted[11], sizeof(out));
		assert_int_equal(vt->queue_prev(f->ud, BO_QUEUE_WAITING, "q", &mid, &out), BO_OK);
		assert_memory_equal(&out, &sorted[10], sizeof(out));
	}
	/* The other queue holds only its decoy. */
	assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_ALLOCATED, "q", NULL, &out), BO_OK);
	assert_true(out.key.k[0] == INT64_MIN);
	assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_ALLOCATED, "q", &out.key, &out), BO_ENOTFOUND);

	/* Remove head, tail and a middle entry. */
	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->queue_remove(f->ud, BO_QUEUE_WAITING, "q", &sorted[0].key), BO_OK);
	assert_int_equal(vt->queue_remove(f->ud, BO_QUEUE_WAITING, "q", &sorted[NQ - 1].key), BO_OK);
	assert_int_equal(vt->queue_remove(f->ud, BO_QUEUE_WAITING, "q", &sorted[7].key), BO_OK);
	assert_int_equal(vt->queue_remove(f->ud, BO_QUEUE_WAITING, "q", &sorted[7].key), BO_ENOTFOUND);
	assert_int_equal(vt->queue_remove(f->ud, BO_QUEUE_ALLOCATED, "q", &sorted[8].key), BO_ENOTFOUND);
	assert_int_equal(vt->queue_remove(f->ud, 5, "q", &sorted[8].key), BO_ESTORAGE);
	assert_int_equal(vt->commit(f->ud), BO_OK);
	assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_WAITING, "q", NULL, &out), BO_OK);
	assert_memory_equal(&out, &sorted[1], sizeof(out));
	assert_int_equal(vt->queue_prev(f->ud, BO_QUEUE_WAITING, "q", NULL, &out), BO_OK);
	assert_memory_equal(&out, &sorted[NQ - 2], sizeof(out));
	assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_WAITING, "q", &sorted[6].key, &out), BO_OK);
	assert_memory_equal(&out, &sorted[8], sizeof(out));
}

static void test_queue_uses_index(void **state)
{
	fixture *f = *state;
	sqlite3 *db = raw_open(f->path);
	sqlite3_stmt *st = NULL;
	int scans = 0, searches = 0;

	assert_int_equal(sqlite3_prepare_v2(db,
		"EXPLAIN QUERY PLAN SELECT sku FROM queues WHERE queue = 0 AND sku = 'q'"
		" AND (k0, k1, k2, seq) > (1, 2, 3, 4) ORDER BY k0, k1, k2, seq LIMIT 1",
		-1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		if (strstr(d, "SCAN"))
			scans++;
		if (strstr(d, "SEARCH") && strstr(d, "PRIMARY KEY"))
			searches++;
		assert_null(strstr(d, "TEMP B-TREE"));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(scans, 0);
	assert_int_equal(searches, 1);
}

/* ------------------------------------------------- transactions, savepoints */

static int item_exists(fixture *f, const char *sku)
{
	bo_item_rec it;
	int rc = f->vt->item_get(f->ud, sku, &it, 0);
	assert_true(rc == BO_OK || rc == BO_ENOTFOUND);
	return rc == BO_OK;
}

static void put_item(fixture *f, const char *sku)
{
	bo_item_rec it = make_item(sku, 1);
	assert_int_equal(f->vt->item_put(f->ud, &it), BO_OK);
}

static void test_savepoints_nest(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	char sku[16];
	int i;

	bo_clear_error();
	assert_int_equal(vt->release(f->ud), BO_ESTORAGE);
	assert_int_equal(vt->rollback_to(f->ud), BO_ESTORAGE);
	assert_int_equal(vt->savepoint(f->ud), BO_ESTORAGE); /* no transaction */

	assert_int_equal(vt->begin(f->ud), BO_OK);
	put_item(f, "A");
	assert_int_equal(vt->savepoint(f->ud), BO_OK);          /* sp1 */
	put_item(f, "B");
	assert_int_equal(vt->savepoint(f->ud), BO_OK);          /* sp2 */
	put_item(f, "C");
	assert_int_equal(vt->rollback_to(f->ud), BO_OK);        /* undo C, forget sp2 */
	assert_false(item_exists(f, "C"));
	assert_true(item_exists(f, "B"));
	assert_int_equal(vt->savepoint(f->ud), BO_OK);          /* sp2 again */
	put_item(f, "D");
	assert_int_equal(vt->release(f->ud), BO_OK);            /* keep D in sp1 */
	assert_int_equal(vt->savepoint(f->ud), BO_OK);          /* sp2 */
	put_item(f, "E");
	assert_int_equal(vt->release(f->ud), BO_OK);
	assert_int_equal(vt->rollback_to(f->ud), BO_OK);        /* undo B, D, E */
	assert_true(item_exists(f, "A"));
	assert_false(item_exists(f, "B"));
	assert_false(item_exists(f, "D"));
	assert_false(item_exists(f, "E"));
	assert_int_equal(vt->release(f->ud), BO_ESTORAGE);      /* none left */

	/* Deep nesting (grows the statement cache), alternating keep and undo. */
	for (i = 1; i <= 12; i++) {
		assert_int_equal(vt->savepoint(f->ud), BO_OK);
		snprintf(sku, sizeof(sku), "deep%02d", i);
		put_item(f, sku);
	}
	for (i = 12; i >= 1; i--)
		assert_int_equal(i % 2 ? vt->rollback_to(f->ud) : vt->release(f->ud), BO_OK);
	/* Level 1 rolled back last: everything from deep01 on is gone. */
	for (i = 1; i <= 12; i++) {
		snprintf(sku, sizeof(sku), "deep%02d", i);
		assert_false(item_exists(f, sku));
	}
	for (i = 1; i <= 12; i++) {
		assert_int_equal(vt->savepoint(f->ud), BO_OK);
		snprintf(sku, sizeof(sku), "deep%02d", i);
		put_item(f, sku);
	}
	for (i = 12; i >= 1; i--)
		assert_int_equal(i == 7 ? vt->rollback_to(f->ud) : vt->release(f->ud), BO_OK);
	for (i = 1; i <= 12; i++) {
		snprintf(sku, sizeof(sku), "deep%02d", i);
		assert_int_equal(item_exists(f, sku), i < 7);
	}
	/* A savepoint left open is closed by commit. */
	assert_int_equal(vt->savepoint(f->ud), BO_OK);
	put_item(f, "F");
	assert_int_equal(vt->commit(f->ud), BO_OK);
	assert_true(item_exists(f, "A"));
	assert_true(item_exists(f, "F"));
	assert_true(item_exists(f, "deep06"));
	assert_false(item_exists(f, "deep07"));
	assert_false(item_exists(f, "C"));

	/* And the next transaction starts at depth 0 again. */
	assert_int_equal(vt->begin(f->ud), BO_OK);
	assert_int_equal(vt->release(f->ud), BO_ESTORAGE);
	assert_int_equal(vt->savepoint(f->ud), BO_OK);
	put_item(f, "G");
	assert_int_equal(vt->rollback(f->ud), BO_OK);
	assert_false(item_exists(f, "G"));
}

/* Write one record of every kind, tagged by `tag`. */
static void write_everything(fixture *f, int tag)
{
	const bo_storage *vt = f->vt;
	char id[32];
	bo_item_rec it;
	bo_order_rec o;
	bo_line_rec l;
	bo_queue_entry q;
	bo_supply_rec s;
	bo_sub_rec sub;
	bo_event_rec ev;

	snprintf(id, sizeof(id), "rec%d", tag);
	it = make_item(id, tag);
	o = make_order(id, tag);
	l = make_line(id, 0, tag);
	memset(&q, 0, sizeof(q));
	snprintf(q.sku, sizeof(q.sku), "%s", id);
	snprintf(q.order_id, sizeof(q.order_id), "%s", id);
	q.key = l.key;
	memset(&s, 0, sizeof(s));
	snprintf(s.sku, sizeof(s.sku), "%s", id);
	snprintf(s.id, sizeof(s.id), "po-%d", tag);
	s.qty = tag + 1;
	s.expected = tag * 100;
	memset(&sub, 0, sizeof(sub));
	snprintf(sub.sku, sizeof(sub.sku), "%s", id);
	snprintf(sub.customer, sizeof(sub.customer), "cust%d", tag);
	sub.seq = (uint64_t)tag;
	ev = make_event((uint64_t)tag);

	assert_int_equal(vt->item_put(f->ud, &it), BO_OK);
	assert_int_equal(vt->order_put(f->ud, &o), BO_OK);
	assert_int_equal(vt->line_put(f->ud, &l), BO_OK);
	assert_int_equal(vt->queue_insert(f->ud, BO_QUEUE_WAITING, &q), BO_OK);
	assert_int_equal(vt->queue_insert(f->ud, BO_QUEUE_ALLOCATED, &q), BO_OK);
	assert_int_equal(vt->supply_put(f->ud, &s), BO_OK);
	assert_int_equal(vt->sub_add(f->ud, &sub), BO_OK);
	assert_int_equal(vt->outbox_append(f->ud, &ev), BO_OK);
	assert_int_equal(vt->meta_put(f->ud, id, tag * 7), BO_OK);
}

/* Check that every record of write_everything(tag) is there (or none is). */
static void check_everything(fixture *f, int tag, int present)
{
	const bo_storage *vt = f->vt;
	char id[32], po[32];
	int want = present ? BO_OK : BO_ENOTFOUND;
	bo_item_rec it, it2;
	bo_order_rec o, o2;
	bo_line_rec l, l2;
	bo_queue_entry q;
	bo_supply_rec s;
	bo_sub_rec sub;
	bo_event_rec ev, ev2;
	int64_t v;

	snprintf(id, sizeof(id), "rec%d", tag);
	snprintf(po, sizeof(po), "po-%d", tag);
	it = make_item(id, tag);
	o = make_order(id, tag);
	l = make_line(id, 0, tag);
	ev = make_event((uint64_t)tag);

	assert_int_equal(vt->item_get(f->ud, id, &it2, 0), want);
	assert_int_equal(vt->order_get(f->ud, id, &o2, 0), want);
	assert_int_equal(vt->line_get(f->ud, id, 0, &l2), want);
	assert_int_equal(vt->queue_next(f->ud, BO_QUEUE_WAITING, id, NULL, &q), want);
	assert_int_equal(vt->queue_prev(f->ud, BO_QUEUE_ALLOCATED, id, NULL, &q), want);
	assert_int_equal(vt->supply_get(f->ud, id, po, &s), want);
	assert_int_equal(vt->sub_next(f->ud, id, 0, &sub), want);
	assert_int_equal(vt->meta_get(f->ud, id, &v), want);
	if (present) {
		assert_memory_equal(&it, &it2, sizeof(it));
		assert_memory_equal(&o, &o2, sizeof(o));
		assert_memory_equal(&l, &l2, sizeof(l));
		assert_true(q.key.seq == l.key.seq);
		assert_string_equal(sub.customer + 4, id + 3);
		assert_int_equal(s.qty, tag + 1);
		assert_int_equal(v, tag * 7);
		assert_int_equal(vt->outbox_next(f->ud, (uint64_t)tag - 1, &ev2), BO_OK);
		assert_memory_equal(&ev, &ev2, sizeof(ev));
	} else {
		int rc = vt->outbox_next(f->ud, (uint64_t)tag - 1, &ev2);
		assert_true(rc == BO_ENOTFOUND || ev2.seq != (uint64_t)tag);
	}
}

static void test_rollback_leaves_no_trace(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;

	assert_int_equal(vt->begin(f->ud), BO_OK);
	write_everything(f, 1);
	assert_int_equal(vt->commit(f->ud), BO_OK);

	assert_int_equal(vt->begin(f->ud), BO_OK);
	write_everything(f, 2);
	check_everything(f, 2, 1);
	/* Changes to committed records are undone too. */
	assert_int_equal(vt->outbox_ack(f->ud, 1), BO_OK);
	assert_int_equal(vt->supply_del(f->ud, "rec1", "po-1"), BO_OK);
	assert_int_equal(vt->rollback(f->ud), BO_OK);
	check_everything(f, 2, 0);
	check_everything(f, 1, 1);
	/* Rollback without a transaction is harmless. */
	assert_int_equal(vt->rollback(f->ud), BO_OK);
	/* And the next transaction works. */
	assert_int_equal(vt->begin(f->ud), BO_OK);
	write_everything(f, 3);
	assert_int_equal(vt->commit(f->ud), BO_OK);
	check_everything(f, 3, 1);
	/* Commit with nothing open fails with a message. */
	bo_clear_error();
	assert_int_equal(vt->commit(f->ud), BO_ESTORAGE);
	assert_non_null(strstr(bo_last_error(), "commit"));
}

static void test_reopen_keeps_everything(void **state)
{
	fixture *f = *state;
	bo_sqlite_options opts = BO_SQLITE_OPTIONS_INIT;
	int tag;

	for (tag = 1; tag <= 3; tag++) {
		assert_int_equal(f->vt->begin(f->ud), BO_OK);
		write_everything(f, tag);
		assert_int_equal(f->vt->commit(f->ud), BO_OK);
	}
	/* An uncommitted transaction at close is lost. */
	assert_int_equal(f->vt->begin(f->ud), BO_OK);
	write_everything(f, 4);
	fx_close(f);

	opts.sync_full = 0;
	assert_int_equal(fx_open(f, &opts), BO_OK);
	for (tag = 1; tag <= 3; tag++)
		check_everything(f, tag, 1);
	check_everything(f, 4, 0);
	/* And the file still takes writes after reopening with NORMAL sync. */
	assert_int_equal(f->vt->begin(f->ud), BO_OK);
	write_everything(f, 5);
	assert_int_equal(f->vt->commit(f->ud), BO_OK);
	fx_close(f);
	assert_int_equal(fx_open(f, NULL), BO_OK);
	check_everything(f, 5, 1);
}

static void test_two_connections(void **state)
{
	fixture *f = *state;
	fixture g = *f;
	int64_t v;

	/* A second store on the same file sees what the first committed. */
	g.ud = NULL;
	assert_int_equal(fx_open(&g, NULL), BO_OK);
	assert_int_equal(f->vt->begin(f->ud), BO_OK);
	assert_int_equal(f->vt->meta_put(f->ud, "shared", 11), BO_OK);
	/* Not before commit. */
	assert_int_equal(g.vt->meta_get(g.ud, "shared", &v), BO_ENOTFOUND);
	assert_int_equal(f->vt->commit(f->ud), BO_OK);
	assert_int_equal(g.vt->meta_get(g.ud, "shared", &v), BO_OK);
	assert_int_equal(v, 11);
	assert_int_equal(g.vt->begin(g.ud), BO_OK);
	assert_int_equal(g.vt->meta_put(g.ud, "shared", 12), BO_OK);
	assert_int_equal(g.vt->commit(g.ud), BO_OK);
	assert_int_equal(f->vt->meta_get(f->ud, "shared", &v), BO_OK);
	assert_int_equal(v, 12);
	fx_close(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_arguments),
		cmocka_unit_test(test_unopenable_path),
		cmocka_unit_test_setup_teardown(test_migration_sets_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_keeps_inventory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v030_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_file_is_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_line_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_supply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_order_iteration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_uses_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savepoints_nest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_no_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
	};
	return cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);
}
