/*
 * The SQLite adapter's locations (storage version 3, schema 5): the records
 * and fields through the vtable (tests/loc_checks.h), the lists' bound,
 * persistence across a
 * reopen, and the 4 -> 5 migration of a file the library wrote.
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
#include "loc_checks.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fixture {
	char dir[64];
	char path[128];
	const bo_storage *vt;
	void *ud;
} fixture;

static void fx_close(fixture *f)
{
	if (f->ud)
		f->vt->close(f->ud);
	f->ud = NULL;
}

static void fx_open(fixture *f)
{
	int rc = bo_sqlite_storage(&f->vt, &f->ud, f->path, NULL);
	if (rc != BO_OK)
		fail_msg("open: %s", bo_last_error());
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/bo_sqloc_XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (bo_sqlite_storage(&f->vt, &f->ud, f->path, NULL) != BO_OK) {
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
	char p[160];
	fx_close(f);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(db);
}

static void test_vtable(void **state)
{
	fixture *f = *state;
	loc_check_vtable(f->vt);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 5);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
					  " AND name IN ('locations', 'stock', 'line_locs')"), 3);
}

static void test_locations(void **state)
{
	fixture *f = *state;
	loc_check_locations(f->vt, f->ud);
}

static void test_stock(void **state)
{
	fixture *f = *state;
	loc_check_stock(f->vt, f->ud);
	/* the deleted rows are gone from the table, not kept as zeros */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stock WHERE on_hand = 0 AND allocated = 0"), 0);
}

static void test_lalloc(void **state)
{
	fixture *f = *state;
	loc_check_lalloc(f->vt, f->ud);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM line_locs WHERE qty = 0"), 0);
}

static void test_fields(void **state)
{
	fixture *f = *state;
	loc_check_fields(f->vt, f->ud);
}

static void test_rollback(void **state)
{
	fixture *f = *state;
	loc_check_rollback(f->vt, f->ud);
}

static void test_list_max(void **state)
{
	fixture *f = *state;
	loc_check_list_max(f->vt, f->ud);
}

/* Everything written is there after a reopen. */
static void test_reopen(void **state)
{
	fixture *f = *state;
	char buf[256];
	assert_int_equal(f->vt->begin(f->ud), BO_OK);
	lc_write(f->vt, f->ud, 1);
	lc_write(f->vt, f->ud, 2);
	assert_int_equal(f->vt->commit(f->ud), BO_OK);
	fx_close(f);
	fx_open(f);
	lc_expect(f->vt, f->ud, 1, 1);
	lc_expect(f->vt, f->ud, 2, 1);
	lc_loc_walk(f->vt, f->ud, buf, sizeof(buf));
	assert_string_equal(buf, "wh-1:1,wh-2:2");
}

/* The lists (an item's stock, a line's allocations: the statements of
 * stock_list and lalloc_list) and the walk of locations use the primary
 * keys: no scan, no sort. */
static void test_walks_use_index(void **state)
{
	fixture *f = *state;
	static const char *const sql[] = {
		"EXPLAIN QUERY PLAN SELECT sku, location, on_hand, allocated FROM stock WHERE sku = 'a'"
		" ORDER BY location LIMIT 17",
		"EXPLAIN QUERY PLAN SELECT order_id, idx, location, qty FROM line_locs WHERE order_id = 'a'"
		" AND idx = 1 ORDER BY location LIMIT 17",
		"EXPLAIN QUERY PLAN SELECT * FROM locations WHERE id > 'b' ORDER BY id LIMIT 1",
	};
	sqlite3 *db = NULL;
	size_t i;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(db, sql[i], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			assert_null(strstr(d, "SCAN"));
			assert_null(strstr(d, "TEMP B-TREE"));
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

static void check_ok(bo_inventory *inv)
{
	int rc = bo_inventory_check(inv);
	if (rc != BO_OK)
		fail_msg("bo_inventory_check: %d: %s", rc, bo_last_error());
}

/*
 * Schema 4 -> 5: an inventory the library wrote, turned back into a schema
 * 4 file (the version 5 columns and tables dropped, the version lowered),
 * opens with the columns back at their defaults (located 0, location ""),
 * the same observable state, and goes on.
 */
static void test_migration_4_to_5(void **state)
{
	fixture *f = *state;
	bo_line_spec l1[] = { { "bolt", 5, 120 }, { "nut", 2, BO_NO_PRICE } };
	bo_line_spec l2[] = { { "bolt", 4, 100 } };
	char store[160];
	char *before = NULL, *after = NULL;
	bo_inventory *inv = NULL;
	bo_item_rec it;
	bo_supply_rec sp;
	bo_event_rec ev;
	uint64_t seq = 0;
	size_t pending = 0;
	int n = 0;

	fx_close(f);
	snprintf(store, sizeof(store), "sqlite:%s", f->path);
	assert_int_equal(bo_inventory_open_store(&inv, store, NULL), BO_OK);
	assert_int_equal(bo_item_set(inv, "bolt", NULL), BO_OK);
	assert_int_equal(bo_item_set(inv, "nut", NULL), BO_OK);
	assert_int_equal(bo_item_receive(inv, "bolt", 3, NULL), BO_OK);
	assert_int_equal(bo_supply_set(inv, "bolt", "po-1", 4, 4102444800LL), BO_OK);
	assert_int_equal(bo_supply_set(inv, "nut", "po-2", 9, 4102444800LL), BO_OK);
	assert_int_equal(bo_order_place(inv, "A", NULL, l1, 2), BO_OK);
	assert_int_equal(bo_order_place(inv, "B", NULL, l2, 1), BO_OK);
	check_ok(inv);
	assert_int_equal(bo_inventory_pending(&pending, inv), BO_OK);
	assert_true(pending > 0);
	assert_int_equal(snapshot_take(&before, inv), BO_OK);
	bo_inventory_free(inv);

	raw_exec(f->path, "ALTER TABLE items DROP COLUMN located;"
			  "ALTER TABLE supply DROP COLUMN location;"
			  "ALTER TABLE outbox DROP COLUMN location;"
			  "DROP TABLE locations; DROP TABLE stock; DROP TABLE line_locs;"
			  "PRAGMA user_version=4;");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_table_info('items')"
					  " WHERE name = 'located'"), 0);

	/* the adapter migrates it */
	fx_open(f);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 5);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM items WHERE typeof(located) = 'integer'"
					  " AND located = 0"), 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM supply WHERE typeof(location) = 'text'"
					  " AND location = ''"), 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox WHERE location = ''"), (int64_t)pending);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_table_info('items')"
					  " WHERE name = 'located' AND \"notnull\" = 1"), 1);
	memset(&it, 0x5a, sizeof(it));
	assert_int_equal(f->vt->item_get(f->ud, "bolt", &it, 0), BO_OK);
	assert_int_equal(it.located, 0);
	assert_int_equal(it.on_hand, 3);
	memset(&sp, 0x5a, sizeof(sp));
	assert_int_equal(f->vt->supply_get(f->ud, "bolt", "po-1", &sp), BO_OK);
	assert_string_equal(sp.location, "");
	assert_int_equal(sp.qty, 4);
	while (f->vt->outbox_next(f->ud, seq, &ev) == BO_OK) {
		assert_string_equal(ev.location, "");
		seq = ev.seq;
		n++;
	}
	assert_int_equal(n, (int)pending);
	/* the new tables take writes */
	assert_int_equal(f->vt->begin(f->ud), BO_OK);
	lc_write(f->vt, f->ud, 1);
	assert_int_equal(f->vt->rollback(f->ud), BO_OK);
	lc_expect(f->vt, f->ud, 1, 0);
	fx_close(f);

	/* the inventory: the same, consistent, and it goes on */
	assert_int_equal(bo_inventory_open_store(&inv, store, NULL), BO_OK);
	check_ok(inv);
	assert_int_equal(snapshot_take(&after, inv), BO_OK);
	assert_string_equal(before, after);
	assert_int_equal(bo_item_receive(inv, "bolt", 6, "po-1"), BO_OK);
	assert_int_equal(bo_order_ship(inv, "B", NULL, BO_ALL), BO_OK);
	check_ok(inv);
	bo_inventory_free(inv);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 5);
	free(before);
	free(after);
	fx_open(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vtable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lalloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walks_use_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_4_to_5, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
