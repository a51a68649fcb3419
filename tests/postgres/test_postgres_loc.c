/*
 * The PostgreSQL adapter's locations (storage version 3, schema 5): the
 * records and fields through the vtable (tests/loc_checks.h), what they
 * cost in round trips, and the 4 -> 5 migration of a schema the library
 * wrote. Needs BO_TEST_PG (skipped without it).
 */
#include <backorder.h>
#include <backorder/postgres.h>

#include "pgtest.h"

#include <libpq-fe.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snapshot.h"
#include "loc_checks.h"

#define NEED_SERVER() do { \
		if (!pgtest_base()) { \
			print_message("BO_TEST_PG (a libpq conninfo) is not set: skipped\n"); \
			skip(); \
		} \
	} while (0)

typedef struct store {
	char ci[1024];
	const bo_storage *vt;
	void *ud;
} store;

static void reopen(store *s)
{
	int rc = bo_postgres_storage(&s->vt, &s->ud, s->ci);
	if (rc != BO_OK)
		fail_msg("open: %s", bo_last_error());
}

static void open_new(store *s)
{
	assert_int_equal(pgtest_store(s->ci, sizeof(s->ci), NULL), 0);
	reopen(s);
}

static void close_store(store *s)
{
	if (s->ud)
		s->vt->close(s->ud);
	s->ud = NULL;
}

static long long pg_int(const char *ci, const char *sql)
{
	PGconn *c = PQconnectdb(ci);
	PGresult *r;
	long long v;
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect: %s", PQerrorMessage(c));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}

static void pg_exec(const char *ci, const char *sql)
{
	PGconn *c = PQconnectdb(ci);
	PGresult *r;
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect: %s", PQerrorMessage(c));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static void test_vtable(void **state)
{
	store s;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	loc_check_vtable(s.vt);
	assert_int_equal(pg_int(s.ci, "SELECT max(version) FROM schema_version"), 6);
	close_store(&s);
}

static void test_locations(void **state)
{
	store s;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	loc_check_locations(s.vt, s.ud);
	close_store(&s);
}

static void test_stock(void **state)
{
	store s;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	loc_check_stock(s.vt, s.ud);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM stock WHERE on_hand = 0 AND allocated = 0"), 0);
	close_store(&s);
}

static void test_lalloc(void **state)
{
	store s;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	loc_check_lalloc(s.vt, s.ud);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM line_locs WHERE qty = 0"), 0);
	close_store(&s);
}

static void test_fields(void **state)
{
	store s;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	loc_check_fields(s.vt, s.ud);
	close_store(&s);
}

static void test_list_max(void **state)
{
	store s;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	loc_check_list_max(s.vt, s.ud);
	close_store(&s);
}

static void test_rollback(void **state)
{
	store s;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	loc_check_rollback(s.vt, s.ud);
	/* and a new connection sees what was committed, nothing more */
	close_store(&s);
	reopen(&s);
	lc_expect(s.vt, s.ud, 1, 1);
	lc_expect(s.vt, s.ud, 2, 0);
	lc_expect(s.vt, s.ud, 3, 1);
	lc_expect(s.vt, s.ud, 4, 0);
	lc_expect(s.vt, s.ud, 5, 1);
	close_store(&s);
}

/* Several events appended at once (one INSERT of up to four) keep each
 * one's location. */
static void test_events_batched(void **state)
{
	store s;
	bo_event_rec ev, out;
	uint64_t i, after = 0;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	assert_int_equal(s.vt->begin(s.ud), BO_OK);
	{
		uint64_t seqs[11];
		assert_int_equal(s.vt->seq_take(s.ud, BO_SEQ_EVENT, 11, seqs), BO_OK);
		assert_true(seqs[0] == 1 && seqs[10] == 11);
	}
	for (i = 1; i <= 11; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = i;
		ev.kind = BO_EVENT_SHIPPED;
		snprintf(ev.order_id, sizeof(ev.order_id), "o%llu", (unsigned long long)i);
		strcpy(ev.sku, "bolt");
		ev.qty = (int64_t)i;
		ev.eta = BO_NO_TIME;
		if (i % 3)
			snprintf(ev.location, sizeof(ev.location), "loc-%llu", (unsigned long long)i);
		assert_int_equal(s.vt->outbox_append(s.ud, &ev), BO_OK);
	}
	assert_int_equal(s.vt->commit(s.ud), BO_OK);
	for (i = 1; i <= 11; i++) {
		char want[32] = "";
		assert_int_equal(s.vt->outbox_next(s.ud, after, &out), BO_OK);
		assert_true(out.seq == i);
		if (i % 3)
			snprintf(want, sizeof(want), "loc-%llu", (unsigned long long)i);
		assert_string_equal(out.location, want);
		after = out.seq;
	}
	assert_int_equal(s.vt->outbox_next(s.ud, after, &out), BO_ENOTFOUND);
	close_store(&s);
}

/* The writes go down the pipeline: a transaction of location writes costs
 * the round trip of its commit. A list (all of an item's stock, all of a
 * line's allocations) is one round trip however many locations it holds,
 * and inside a transaction it takes the pending writes with it (and sees
 * them). */
static void test_round_trips(void **state)
{
	store s;
	uint64_t before;
	bo_stock_rec r, list[8];
	bo_lalloc_rec a, alist[8];
	size_t n = 99;
	int g;
	(void)state;
	NEED_SERVER();
	open_new(&s);
	before = bo_postgres_round_trips(s.ud);
	assert_int_equal(s.vt->begin(s.ud), BO_OK);
	for (g = 1; g <= 20; g++)
		lc_write(s.vt, s.ud, g);
	r = lc_stock("sku-1", "wh-1", 0, 0);
	assert_int_equal(s.vt->stock_put(s.ud, &r), BO_OK);
	assert_int_equal(s.vt->commit(s.ud), BO_OK);
	print_message("61 location writes and the commit: %llu round trips\n",
		      (unsigned long long)(bo_postgres_round_trips(s.ud) - before));
	assert_true(bo_postgres_round_trips(s.ud) - before == 1);
	before = bo_postgres_round_trips(s.ud);
	assert_int_equal(s.vt->stock_list(s.ud, "sku-2", list, 8, &n), BO_OK);
	assert_true(n == 1);
	assert_string_equal(list[0].location, "wh-2");
	assert_true(bo_postgres_round_trips(s.ud) - before == 1);
	before = bo_postgres_round_trips(s.ud);
	assert_int_equal(s.vt->stock_list(s.ud, "sku-1", list, 8, &n), BO_OK);
	assert_true(n == 0);
	assert_true(bo_postgres_round_trips(s.ud) - before == 1);

	/* an item and a line at six locations: pipelined writes, then each
	 * list in one round trip that also carries the writes */
	assert_int_equal(s.vt->begin(s.ud), BO_OK);
	before = bo_postgres_round_trips(s.ud);
	for (g = 0; g < 6; g++) {
		char loc[16];
		snprintf(loc, sizeof(loc), "st-%d", 5 - g);
		r = lc_stock("sku-3", loc, g + 1, g);
		assert_int_equal(s.vt->stock_put(s.ud, &r), BO_OK);
		a = lc_lalloc("ord-3", 3, loc, g + 1);
		assert_int_equal(s.vt->lalloc_put(s.ud, &a), BO_OK);
	}
	assert_true(bo_postgres_round_trips(s.ud) - before <= 1); /* BEGIN goes with the first read */
	before = bo_postgres_round_trips(s.ud);
	assert_int_equal(s.vt->stock_list(s.ud, "sku-3", list, 8, &n), BO_OK);
	assert_true(bo_postgres_round_trips(s.ud) - before == 1);
	assert_true(n == 7); /* wh-3 and the six */
	for (g = 0; g < 6; g++) {
		char loc[16];
		snprintf(loc, sizeof(loc), "st-%d", g);
		assert_string_equal(list[g].location, loc);
		assert_int_equal(list[g].on_hand, 6 - g);
		assert_int_equal(list[g].allocated, 5 - g);
	}
	assert_string_equal(list[6].location, "wh-3");
	before = bo_postgres_round_trips(s.ud);
	assert_int_equal(s.vt->lalloc_list(s.ud, "ord-3", 3, alist, 8, &n), BO_OK);
	assert_true(bo_postgres_round_trips(s.ud) - before == 1);
	assert_true(n == 7);
	assert_string_equal(alist[0].location, "st-0");
	assert_int_equal(alist[0].qty, 6);
	assert_string_equal(alist[6].location, "wh-3");
	assert_int_equal(s.vt->commit(s.ud), BO_OK);
	before = bo_postgres_round_trips(s.ud);
	assert_int_equal(s.vt->stock_list(s.ud, "sku-3", list, 7, &n), BO_OK);
	assert_true(n == 7);
	assert_true(bo_postgres_round_trips(s.ud) - before == 1);
	close_store(&s);
}

static void check_ok(bo_inventory *inv)
{
	int rc = bo_inventory_check(inv);
	if (rc != BO_OK)
		fail_msg("bo_inventory_check: %d: %s", rc, bo_last_error());
}

/*
 * Schema 4 -> 5: an inventory the library wrote, turned back into schema 4
 * (the version 5 columns and tables dropped, the version lowered), opens
 * with the columns at their defaults (located 0, location empty), the same
 * observable state, and goes on.
 */
static void test_migration_4_to_5(void **state)
{
	bo_line_spec l1[] = { { "bolt", 5, 120 }, { "nut", 2, BO_NO_PRICE } };
	bo_line_spec l2[] = { { "bolt", 4, 100 } };
	char store_ci[1100], schema_sql[2048];
	char *before = NULL, *after = NULL;
	bo_inventory *inv = NULL;
	bo_item_rec it;
	bo_supply_rec sp;
	bo_event_rec ev;
	uint64_t seq = 0;
	size_t pending = 0;
	int n = 0;
	store s;
	(void)state;
	NEED_SERVER();

	assert_int_equal(pgtest_store(s.ci, sizeof(s.ci), NULL), 0);
	snprintf(store_ci, sizeof(store_ci), "postgres:%s", s.ci);
	assert_int_equal(bo_inventory_open_store(&inv, store_ci, NULL), BO_OK);
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

	snprintf(schema_sql, sizeof(schema_sql),
		 "ALTER TABLE items DROP COLUMN located;"
		 "ALTER TABLE supply DROP COLUMN location;"
		 "ALTER TABLE outbox DROP COLUMN location;"
		 "DROP TABLE locations; DROP TABLE stock; DROP TABLE line_locs;"
		 "UPDATE schema_version SET version = 4;");
	pg_exec(s.ci, schema_sql);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM information_schema.columns WHERE"
				  " table_schema = current_schema() AND column_name IN ('located', 'location')"), 0);

	reopen(&s);
	assert_int_equal(pg_int(s.ci, "SELECT max(version) FROM schema_version"), 6);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM schema_version"), 1);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM items WHERE located = 0"), 2);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM supply WHERE location = ''::bytea"), 2);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM outbox WHERE location = ''::bytea"), (long long)pending);
	assert_int_equal(pg_int(s.ci, "SELECT count(*) FROM information_schema.columns WHERE"
				  " table_schema = current_schema() AND table_name IN ('items', 'supply', 'outbox')"
				  " AND column_name IN ('located', 'location') AND is_nullable = 'NO'"), 3);
	memset(&it, 0x5a, sizeof(it));
	assert_int_equal(s.vt->item_get(s.ud, "bolt", &it, 0), BO_OK);
	assert_int_equal(it.located, 0);
	assert_int_equal(it.on_hand, 3);
	memset(&sp, 0x5a, sizeof(sp));
	assert_int_equal(s.vt->supply_get(s.ud, "bolt", "po-1", &sp), BO_OK);
	assert_string_equal(sp.location, "");
	assert_int_equal(sp.qty, 4);
	while (s.vt->outbox_next(s.ud, seq, &ev) == BO_OK) {
		assert_string_equal(ev.location, "");
		seq = ev.seq;
		n++;
	}
	assert_int_equal(n, (int)pending);
	close_store(&s);

	/* the migrated store holds what it held (before the location
	 * records below, which the snapshot would show) */
	assert_int_equal(bo_inventory_open_store(&inv, store_ci, NULL), BO_OK);
	check_ok(inv);
	assert_int_equal(snapshot_take(&after, inv), BO_OK);
	assert_string_equal(before, after);
	bo_inventory_free(inv);

	reopen(&s);
	assert_int_equal(s.vt->begin(s.ud), BO_OK);
	lc_write(s.vt, s.ud, 1);
	assert_int_equal(s.vt->commit(s.ud), BO_OK);
	lc_expect(s.vt, s.ud, 1, 1);
	close_store(&s);

	assert_int_equal(bo_inventory_open_store(&inv, store_ci, NULL), BO_OK);
	check_ok(inv);
	assert_int_equal(bo_item_receive(inv, "bolt", 6, "po-1"), BO_OK);
	assert_int_equal(bo_order_ship(inv, "B", NULL, BO_ALL), BO_OK);
	check_ok(inv);
	bo_inventory_free(inv);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtable),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_stock),
		cmocka_unit_test(test_lalloc),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_list_max),
		cmocka_unit_test(test_events_batched),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_migration_4_to_5),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pgtest_cleanup();
	return rc;
}
