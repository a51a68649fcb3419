/*
 * Storage version 3 (locations, DESIGN §11) at the level of the storage
 * vtable, driven directly for every adapter of the table (memory always;
 * sqlite when built; postgres when built and BO_TEST_PG names a server):
 *
 *  - location, stock and line-allocation records: put, and read back in
 *    bytewise order (the walk of locations; the lists of an item's stock
 *    and of a line's allocations), replace, delete on zero, walk
 *    boundaries (the record after the last), lists of nothing (*n = 0),
 *    other items' and other lines' records never mixed in (not even of
 *    prefix ids: A/AB, O1/O10);
 *  - the lists' bound: `max` short of the records is BO_ESTORAGE with a
 *    message, exactly enough is enough, nothing is written past out[*n);
 *  - transactions: a rollback leaves no trace, rollback_to a savepoint
 *    undoes only the inner part, commit keeps; orders made in the
 *    transaction that allocates their lines, rolled back whole or in part;
 *    and a random run of puts and transaction steps against a reference
 *    model;
 *  - the version 3 fields of item, supply and event records round trip;
 *  - the outbox: every pending record read back field by field after
 *    calls of a few events and of hundreds, acknowledged in part,
 *    committed, rolled back, with savepoints (test_outbox);
 *  - out of memory: every allocation of a script of such puts failed in
 *    turn leaves the transaction as it was before the failed call.
 *
 * The memory store must have the location callbacks (all six). An adapter
 * that has none yet (SQLite, PostgreSQL until theirs land) is reported and
 * skipped case by case; once it has them every case covers it.
 */
#include "helpers.h"
#include "adapters.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- adapters (tests/adapters.h) --------------------------------- */

/* Fail, not skip, without the location callbacks: memory only. */
static bool must_have_locations(const ta_adapter *ad)
{
	return strcmp(ad->name, "memory") == 0;
}

/* ---- fixtures ------------------------------------------------------ */

/* Location ids in bytewise order (not the order of any locale). */
#define LONG_ID "L234567890123456789012345678901234567890123456789012345678901234"
static const char *const locs_sorted[] = {
	"1", "L", LONG_ID, "W1", "W10", "W2", "Z", "a", "shop", "\xc3\xa9t\xc3\xa9",
};
#define NLOC (sizeof(locs_sorted) / sizeof(locs_sorted[0]))
_Static_assert(sizeof(LONG_ID) == BO_ID_MAX + 1, "LONG_ID is an id of the longest length");

static const char *const skus[] = { "A", "AB", "B" };
#define NSKU 3
/* The first NORD_OPEN made by st_open(), before any location; the rest by
 * lap_orders(), after one (the memory store keeps the records of such an
 * order in a slot of its node: one record packed, more in a node). */
static const char *const orders[] = { "O1", "O10", "O2", "P1", "P10", "P2" };
#define NORD 6
#define NORD_OPEN 3
#define NIDX 3 /* lines per order */

typedef struct store {
	const ta_adapter *ad;
	const bo_storage *vt;
	void *ud;
} store;

/* Order orders[i] with NIDX lines, one of each item (in a transaction). */
static void make_order(store *s, size_t i)
{
	bo_order_rec o;
	bo_line_rec l;
	memset(&o, 0, sizeof(o));
	strcpy(o.id, orders[i]);
	o.created = T0;
	o.due = BO_NO_TIME;
	o.nlines = NIDX;
	assert_ok(s->vt->order_put(s->ud, &o));
	for (size_t j = 0; j < NIDX; j++) {
		memset(&l, 0, sizeof(l));
		strcpy(l.order_id, orders[i]);
		strcpy(l.sku, skus[j]);
		l.index = (uint32_t)j;
		l.placed = l.ordered = l.allocated = 5;
		l.unit_price = BO_NO_PRICE;
		l.queue_time = T0;
		l.eta = BO_NO_TIME;
		l.eta_release = BO_NO_TIME;
		l.key.seq = i * NIDX + j + 1;
		assert_ok(s->vt->line_put(s->ud, &l));
	}
}

/* Open a store of `ad` with the items and orders the cases use; skip (or,
 * for memory, fail) when it has no location callbacks. */
static void st_open(store *s, const ta_adapter *ad)
{
	const bo_storage *vt;
	bo_item_rec it;
	size_t i;

	s->ad = ad;
	assert_ok(ad->make(&s->vt, &s->ud));
	vt = s->vt;
	assert_int_equal(vt->version, BO_STORAGE_VERSION);
	assert_true(vt->version >= 3);
	if (!vt->loc_put || !vt->loc_next || !vt->stock_put || !vt->stock_list || !vt->lalloc_put ||
	    !vt->lalloc_list) {
		/* all six or none */
		assert_true(!vt->loc_put && !vt->loc_next && !vt->stock_put && !vt->stock_list && !vt->lalloc_put &&
			    !vt->lalloc_list);
		vt->close(s->ud);
		if (must_have_locations(ad)) {
			print_error("[%s] has no location callbacks\n", ad->name);
			fail();
		}
		print_message("[%s] no location callbacks yet (storage version 3): case skipped\n", ad->name);
		skip();
	}
	assert_ok(vt->begin(s->ud));
	for (i = 0; i < NSKU; i++) {
		memset(&it, 0, sizeof(it));
		strcpy(it.sku, skus[i]);
		strcpy(it.policy, "fifo");
		it.max_backorder = BO_UNLIMITED;
		it.lead_time = BO_NO_TIME;
		it.release_at = BO_NO_TIME;
		it.preorder_max = BO_UNLIMITED;
		it.eta_time = BO_NO_TIME;
		assert_ok(vt->item_put(s->ud, &it));
	}
	for (i = 0; i < NORD_OPEN; i++)
		make_order(s, i);
	assert_ok(vt->commit(s->ud));
}

static void st_close(store *s)
{
	s->vt->close(s->ud);
}

static void put_loc(store *s, const char *id, int64_t rank)
{
	bo_location_rec r;
	memset(&r, 0, sizeof(r));
	strcpy(r.id, id);
	r.rank = rank;
	assert_ok(s->vt->loc_put(s->ud, &r));
}

static void put_stock(store *s, const char *sku, const char *loc, int64_t on_hand, int64_t allocated)
{
	bo_stock_rec r;
	memset(&r, 0, sizeof(r));
	strcpy(r.sku, sku);
	strcpy(r.location, loc);
	r.on_hand = on_hand;
	r.allocated = allocated;
	assert_ok(s->vt->stock_put(s->ud, &r));
}

static void put_lalloc(store *s, const char *order, uint32_t index, const char *loc, int64_t qty)
{
	bo_lalloc_rec r;
	memset(&r, 0, sizeof(r));
	strcpy(r.order_id, order);
	r.index = index;
	strcpy(r.location, loc);
	r.qty = qty;
	assert_ok(s->vt->lalloc_put(s->ud, &r));
}

/* Location "W1" (rank 0), then the orders made after a location is
 * (orders[NORD_OPEN..]). */
static void lap_orders(store *s)
{
	assert_ok(s->vt->begin(s->ud));
	put_loc(s, "W1", 0);
	for (size_t i = NORD_OPEN; i < NORD; i++)
		make_order(s, i);
	assert_ok(s->vt->commit(s->ud));
}

/* Append to a dump. */
static void dcat(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
	assert_true(strlen(buf) < cap - 1);
}

#define DUMP_CAP 65536

/* Room for a list: more than the store's locations. */
#define LIST_MAX (NLOC + 2)
/* The byte pattern of records a list must not write. */
#define GUARD 0xa5

static bool untouched(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != GUARD)
			return false;
	return true;
}

/* The stock records of `sku` (stock_list, with room to spare) in out[0 ..
 * return value), checked: the item's, well formed, in strictly increasing
 * bytewise location order, nothing written past them. Read again with
 * `max` just their number: enough, and the same list. */
static size_t list_stock(store *s, const char *sku, bo_stock_rec out[LIST_MAX + 1])
{
	bo_stock_rec again[LIST_MAX + 1];
	size_t n = 99, m = 99;
	memset(out, GUARD, sizeof(again));
	assert_ok(s->vt->stock_list(s->ud, sku, out, LIST_MAX, &n));
	assert_true(n <= LIST_MAX);
	assert_true(untouched(&out[n], (LIST_MAX + 1 - n) * sizeof(out[0])));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i].sku, sku);
		assert_string_not_equal(out[i].location, "");
		assert_string_not_equal(out[i].location, BO_LOCATION_MAIN);
		assert_false(out[i].on_hand == 0 && out[i].allocated == 0);
		if (i > 0)
			assert_true(strcmp(out[i - 1].location, out[i].location) < 0);
	}
	if (n > 0) {
		memset(again, GUARD, sizeof(again));
		assert_ok(s->vt->stock_list(s->ud, sku, again, n, &m));
		assert_true(m == n);
		assert_memory_equal(again, out, n * sizeof(out[0]));
		assert_true(untouched(&again[n], (LIST_MAX + 1 - n) * sizeof(again[0])));
	}
	return n;
}

/* The same for the allocations of line (`order`, `index`). */
static size_t list_lalloc(store *s, const char *order, uint32_t index, bo_lalloc_rec out[LIST_MAX + 1])
{
	bo_lalloc_rec again[LIST_MAX + 1];
	size_t n = 99, m = 99;
	memset(out, GUARD, sizeof(again));
	assert_ok(s->vt->lalloc_list(s->ud, order, index, out, LIST_MAX, &n));
	assert_true(n <= LIST_MAX);
	assert_true(untouched(&out[n], (LIST_MAX + 1 - n) * sizeof(out[0])));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i].order_id, order);
		assert_int_equal(out[i].index, index);
		assert_int_equal(out[i].reserved, 0);
		assert_string_not_equal(out[i].location, "");
		assert_string_not_equal(out[i].location, BO_LOCATION_MAIN);
		assert_true(out[i].qty != 0);
		if (i > 0)
			assert_true(strcmp(out[i - 1].location, out[i].location) < 0);
	}
	if (n > 0) {
		memset(again, GUARD, sizeof(again));
		assert_ok(s->vt->lalloc_list(s->ud, order, index, again, n, &m));
		assert_true(m == n);
		assert_memory_equal(again, out, n * sizeof(out[0]));
		assert_true(untouched(&again[n], (LIST_MAX + 1 - n) * sizeof(again[0])));
	}
	return n;
}

/* An item's stock as "loc on/allocated;..." (its list, checked). */
static const char *stock_str(store *s, const char *sku, char *buf, size_t cap)
{
	bo_stock_rec r[LIST_MAX + 1];
	size_t n = list_stock(s, sku, r);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		dcat(buf, cap, "%s %lld/%lld;", r[i].location, (long long)r[i].on_hand, (long long)r[i].allocated);
	return buf;
}

/* A line's allocations as "loc qty;..." (its list, checked). */
static const char *lalloc_str(store *s, const char *order, uint32_t index, char *buf, size_t cap)
{
	bo_lalloc_rec r[LIST_MAX + 1];
	size_t n = list_lalloc(s, order, index, r);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		dcat(buf, cap, "%s %lld;", r[i].location, (long long)r[i].qty);
	return buf;
}

/* Everything the location callbacks keep, in their order: the walk of
 * locations (every record checked to be in strictly increasing order), and
 * the lists of each item's stock and each line's allocations. */
static void dump_store(store *s, char *buf)
{
	const bo_storage *vt = s->vt;
	bo_location_rec l;
	bo_stock_rec st[LIST_MAX + 1];
	bo_lalloc_rec la[LIST_MAX + 1];
	char prev[BO_ID_MAX + 1];
	const char *after;
	int rc;

	buf[0] = '\0';
	for (after = NULL; (rc = vt->loc_next(s->ud, after, &l)) == BO_OK; after = prev) {
		if (after)
			assert_true(strcmp(l.id, after) > 0);
		dcat(buf, DUMP_CAP, "loc %s %lld\n", l.id, (long long)l.rank);
		memcpy(prev, l.id, sizeof(prev));
	}
	assert_rc(rc, BO_ENOTFOUND);
	for (size_t i = 0; i < NSKU; i++) {
		size_t n = list_stock(s, skus[i], st);
		for (size_t k = 0; k < n; k++)
			dcat(buf, DUMP_CAP, "stock %s %s %lld %lld\n", st[k].sku, st[k].location,
			     (long long)st[k].on_hand, (long long)st[k].allocated);
	}
	for (size_t i = 0; i < NORD; i++)
		for (uint32_t j = 0; j < NIDX; j++) {
			size_t n = list_lalloc(s, orders[i], j, la);
			for (size_t k = 0; k < n; k++)
				dcat(buf, DUMP_CAP, "lalloc %s %u %s %lld\n", la[k].order_id, j, la[k].location,
				     (long long)la[k].qty);
		}
}

static void expect_dump(store *s, const char *want)
{
	char *got = malloc(DUMP_CAP);
	assert_non_null(got);
	dump_store(s, got);
	if (strcmp(got, want) != 0)
		print_error("[%s] store holds:\n%s--- expected:\n%s---\n", s->ad->name, got, want);
	assert_string_equal(got, want);
	free(got);
}

/* ---- cases --------------------------------------------------------- */

static void test_locations(void **state)
{
	store s;
	bo_location_rec l;
	size_t i;
	char want[2048] = "";

	st_open(&s, *state);
	assert_rc(s.vt->loc_next(s.ud, NULL, &l), BO_ENOTFOUND);
	/* in an order of their own: walked bytewise */
	assert_ok(s.vt->begin(s.ud));
	for (i = 0; i < NLOC; i++)
		put_loc(&s, locs_sorted[(i * 7) % NLOC], (int64_t)((i * 7) % NLOC) - 3);
	put_loc(&s, BO_LOCATION_MAIN, 5); /* "main" may have a record (its rank) */
	assert_ok(s.vt->commit(s.ud));
	for (i = 0; i < NLOC; i++) {
		if (strcmp(BO_LOCATION_MAIN, locs_sorted[i]) < 0 &&
		    (i == 0 || strcmp(BO_LOCATION_MAIN, locs_sorted[i - 1]) > 0))
			dcat(want, sizeof(want), "loc main 5\n");
		dcat(want, sizeof(want), "loc %s %lld\n", locs_sorted[i], (long long)i - 3);
	}
	expect_dump(&s, want);

	/* walk boundaries: after the last, after an id that is not there */
	assert_rc(s.vt->loc_next(s.ud, locs_sorted[NLOC - 1], &l), BO_ENOTFOUND);
	assert_ok(s.vt->loc_next(s.ud, "W", &l));
	assert_string_equal(l.id, "W1");
	assert_ok(s.vt->loc_next(s.ud, "W1", &l));
	assert_string_equal(l.id, "W10");
	assert_ok(s.vt->loc_next(s.ud, "", &l));
	assert_string_equal(l.id, "1");

	/* replaced: the new rank, nothing added */
	assert_ok(s.vt->begin(s.ud));
	put_loc(&s, "W2", -100);
	assert_ok(s.vt->commit(s.ud));
	assert_ok(s.vt->loc_next(s.ud, "W10", &l));
	assert_string_equal(l.id, "W2");
	assert_int_equal(l.rank, -100);
	assert_ok(s.vt->loc_next(s.ud, "W2", &l));
	assert_string_equal(l.id, "Z");
	st_close(&s);
}

static void test_stock(void **state)
{
	store s;
	bo_stock_rec r[LIST_MAX + 1];
	char buf[1024];
	size_t n;

	st_open(&s, *state);
	n = 99;
	assert_ok(s.vt->stock_list(s.ud, "A", r, LIST_MAX, &n));
	assert_true(n == 0);
	assert_ok(s.vt->begin(s.ud));
	put_stock(&s, "A", "W2", 5, 1);
	put_stock(&s, "A", "\xc3\xa9t\xc3\xa9", 7, 0);
	put_stock(&s, "A", "W1", 3, 3);
	put_stock(&s, "A", LONG_ID, 1, 0);
	put_stock(&s, "AB", "W1", 9, 2); /* an SKU the first is a prefix of */
	put_stock(&s, "B", "Z", 4, 4);
	assert_ok(s.vt->commit(s.ud));
	expect_dump(&s, "stock A " LONG_ID " 1 0\n"
			"stock A W1 3 3\n"
			"stock A W2 5 1\n"
			"stock A \xc3\xa9t\xc3\xa9 7 0\n"
			"stock AB W1 9 2\n"
			"stock B Z 4 4\n");

	/* list boundaries: an item's own records only (A is a prefix of AB);
	 * none of an unknown SKU or of a prefix of known ones */
	assert_string_equal(stock_str(&s, "A", buf, sizeof(buf)),
			    LONG_ID " 1/0;W1 3/3;W2 5/1;\xc3\xa9t\xc3\xa9 7/0;");
	assert_string_equal(stock_str(&s, "AB", buf, sizeof(buf)), "W1 9/2;");
	assert_string_equal(stock_str(&s, "B", buf, sizeof(buf)), "Z 4/4;");
	assert_string_equal(stock_str(&s, "NOSUCH", buf, sizeof(buf)), "");
	assert_string_equal(stock_str(&s, "", buf, sizeof(buf)), "");
	n = list_stock(&s, "A", r);
	assert_true(n == 4);
	assert_string_equal(r[2].sku, "A");
	assert_string_equal(r[2].location, "W2");
	assert_int_equal(r[2].on_hand, 5);
	assert_int_equal(r[2].allocated, 1);
	assert_string_equal(r[0].location, LONG_ID);

	/* replace; delete when both are 0 (only then); put 0 of nothing */
	assert_ok(s.vt->begin(s.ud));
	put_stock(&s, "A", "W2", 6, 0);
	put_stock(&s, "A", "W1", 0, 0);
	put_stock(&s, "A", LONG_ID, 0, 2);
	put_stock(&s, "B", "Z", 0, 0);
	put_stock(&s, "B", "W1", 0, 0);
	put_stock(&s, "AB", "W9", 0, 0);
	assert_ok(s.vt->commit(s.ud));
	expect_dump(&s, "stock A " LONG_ID " 0 2\n"
			"stock A W2 6 0\n"
			"stock A \xc3\xa9t\xc3\xa9 7 0\n"
			"stock AB W1 9 2\n");
	assert_string_equal(stock_str(&s, "B", buf, sizeof(buf)), "");

	/* every record of an item deleted, then one again */
	assert_ok(s.vt->begin(s.ud));
	put_stock(&s, "A", "W2", 0, 0);
	put_stock(&s, "A", LONG_ID, 0, 0);
	put_stock(&s, "A", "\xc3\xa9t\xc3\xa9", 0, 0);
	n = 99;
	assert_ok(s.vt->stock_list(s.ud, "A", NULL, 0, &n));
	assert_true(n == 0);
	assert_string_equal(stock_str(&s, "AB", buf, sizeof(buf)), "W1 9/2;");
	put_stock(&s, "A", "a", 1, 1);
	assert_string_equal(stock_str(&s, "A", buf, sizeof(buf)), "a 1/1;");
	assert_ok(s.vt->commit(s.ud));
	expect_dump(&s, "stock A a 1 1\n"
			"stock AB W1 9 2\n");
	st_close(&s);
}

static void test_lalloc(void **state)
{
	store s;
	bo_lalloc_rec r[LIST_MAX + 1];
	char buf[1024];
	size_t n;

	st_open(&s, *state);
	n = 99;
	assert_ok(s.vt->lalloc_list(s.ud, "O1", 0, r, LIST_MAX, &n));
	assert_true(n == 0);
	assert_ok(s.vt->begin(s.ud));
	put_lalloc(&s, "O1", 0, "W2", 2);
	put_lalloc(&s, "O1", 0, "W1", 1);
	put_lalloc(&s, "O1", 0, LONG_ID, 3);
	put_lalloc(&s, "O1", 2, "a", 4);
	put_lalloc(&s, "O10", 0, "W1", 5); /* an order id the first is a prefix of */
	put_lalloc(&s, "O2", 1, "Z", 6);
	assert_ok(s.vt->commit(s.ud));
	expect_dump(&s, "lalloc O1 0 " LONG_ID " 3\n"
			"lalloc O1 0 W1 1\n"
			"lalloc O1 0 W2 2\n"
			"lalloc O1 2 a 4\n"
			"lalloc O10 0 W1 5\n"
			"lalloc O2 1 Z 6\n");

	/* list boundaries: a line's own records only (not its order's other
	 * lines', not those of O10, which O1 is a prefix of); lines without
	 * records; unknown orders and lines */
	assert_string_equal(lalloc_str(&s, "O1", 0, buf, sizeof(buf)), LONG_ID " 3;W1 1;W2 2;");
	assert_string_equal(lalloc_str(&s, "O1", 1, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "O1", 2, buf, sizeof(buf)), "a 4;");
	assert_string_equal(lalloc_str(&s, "O10", 0, buf, sizeof(buf)), "W1 5;");
	assert_string_equal(lalloc_str(&s, "O10", 2, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "O2", 0, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "O2", 1, buf, sizeof(buf)), "Z 6;");
	assert_string_equal(lalloc_str(&s, "O2", 2, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "O1", NIDX, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "O", 0, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "NOSUCH", 0, buf, sizeof(buf)), "");
	n = list_lalloc(&s, "O1", 0, r);
	assert_true(n == 3);
	assert_string_equal(r[2].order_id, "O1");
	assert_int_equal(r[2].index, 0);
	assert_string_equal(r[2].location, "W2");
	assert_int_equal(r[2].qty, 2);

	/* replace; delete on 0; put 0 of nothing */
	assert_ok(s.vt->begin(s.ud));
	put_lalloc(&s, "O1", 0, "W1", 7);
	put_lalloc(&s, "O1", 0, "W2", 0);
	put_lalloc(&s, "O1", 2, "a", 0);
	put_lalloc(&s, "O1", 1, "a", 0);
	put_lalloc(&s, "O2", 1, "Z", 0);
	assert_ok(s.vt->commit(s.ud));
	expect_dump(&s, "lalloc O1 0 " LONG_ID " 3\n"
			"lalloc O1 0 W1 7\n"
			"lalloc O10 0 W1 5\n");
	n = 99;
	assert_ok(s.vt->lalloc_list(s.ud, "O2", 1, NULL, 0, &n));
	assert_true(n == 0);

	/* an order's every record deleted, then one again */
	assert_ok(s.vt->begin(s.ud));
	put_lalloc(&s, "O10", 0, "W1", 0);
	assert_string_equal(lalloc_str(&s, "O10", 0, buf, sizeof(buf)), "");
	put_lalloc(&s, "O10", 2, "W1", 8);
	assert_string_equal(lalloc_str(&s, "O10", 2, buf, sizeof(buf)), "W1 8;");
	assert_ok(s.vt->commit(s.ud));
	expect_dump(&s, "lalloc O1 0 " LONG_ID " 3\n"
			"lalloc O1 0 W1 7\n"
			"lalloc O10 2 W1 8\n");
	st_close(&s);
}

/* The lists' bound `max`: short of the records, BO_ESTORAGE with a message
 * (never a short list) and nothing written past out[max); exactly enough is
 * enough; other items' and lines' records do not count; a list of nothing
 * is *n = 0 for any `max` (0 too, with no array). Outside transactions,
 * and inside one (its own writes counted). */
static void test_list_max(void **state)
{
	store s;
	bo_stock_rec sr[LIST_MAX + 1];
	bo_lalloc_rec lr[LIST_MAX + 1];
	char buf[2048];
	size_t n, max;

	st_open(&s, *state);
	n = 99;
	assert_ok(s.vt->stock_list(s.ud, "A", NULL, 0, &n));
	assert_true(n == 0);
	n = 99;
	assert_ok(s.vt->lalloc_list(s.ud, "O1", 0, NULL, 0, &n));
	assert_true(n == 0);

	/* A and line O1/0 at every location; AB, O10/0 and O1/1 at one */
	assert_ok(s.vt->begin(s.ud));
	for (size_t k = 0; k < NLOC; k++) {
		put_stock(&s, "A", locs_sorted[(k * 3) % NLOC], (int64_t)k + 1, 0);
		put_lalloc(&s, "O1", 0, locs_sorted[(k * 3) % NLOC], (int64_t)k + 1);
	}
	put_stock(&s, "AB", "W1", 1, 1);
	put_lalloc(&s, "O10", 0, "W1", 1);
	put_lalloc(&s, "O1", 1, "W1", 1);
	assert_ok(s.vt->commit(s.ud));

	for (max = 0; max < NLOC; max++) {
		memset(sr, GUARD, sizeof(sr));
		n = 99;
		assert_rc(s.vt->stock_list(s.ud, "A", sr, max, &n), BO_ESTORAGE);
		assert_non_null(strstr(bo_last_error(), "stock_list"));
		assert_true(untouched(&sr[max], (LIST_MAX + 1 - max) * sizeof(sr[0])));
		memset(lr, GUARD, sizeof(lr));
		n = 99;
		assert_rc(s.vt->lalloc_list(s.ud, "O1", 0, lr, max, &n), BO_ESTORAGE);
		assert_non_null(strstr(bo_last_error(), "lalloc_list"));
		assert_true(untouched(&lr[max], (LIST_MAX + 1 - max) * sizeof(lr[0])));
	}
	/* exactly enough (list_stock reads again with max = n) */
	assert_true(list_stock(&s, "A", sr) == NLOC);
	assert_true(list_lalloc(&s, "O1", 0, lr) == NLOC);
	for (size_t k = 0; k < NLOC; k++) {
		assert_string_equal(sr[k].location, locs_sorted[k]);
		assert_string_equal(lr[k].location, locs_sorted[k]);
	}
	/* the others: one record each, whatever A and O1/0 hold */
	n = 0;
	assert_ok(s.vt->stock_list(s.ud, "AB", sr, 1, &n));
	assert_true(n == 1);
	assert_string_equal(sr[0].sku, "AB");
	n = 0;
	assert_ok(s.vt->lalloc_list(s.ud, "O10", 0, lr, 1, &n));
	assert_true(n == 1);
	assert_string_equal(lr[0].order_id, "O10");
	n = 0;
	assert_ok(s.vt->lalloc_list(s.ud, "O1", 1, lr, 1, &n));
	assert_true(n == 1);
	assert_int_equal(lr[0].index, 1);
	n = 99;
	assert_ok(s.vt->stock_list(s.ud, "B", NULL, 0, &n));
	assert_true(n == 0);
	n = 99;
	assert_ok(s.vt->lalloc_list(s.ud, "O1", 2, lr, LIST_MAX, &n));
	assert_true(n == 0);

	/* inside a transaction: its writes counted */
	assert_ok(s.vt->begin(s.ud));
	put_stock(&s, "A", locs_sorted[0], 0, 0);
	put_lalloc(&s, "O1", 0, locs_sorted[NLOC - 1], 0);
	put_stock(&s, "B", "W1", 2, 0);
	n = 0;
	assert_ok(s.vt->stock_list(s.ud, "A", sr, NLOC - 1, &n));
	assert_true(n == NLOC - 1);
	assert_string_equal(sr[0].location, locs_sorted[1]);
	n = 0;
	assert_ok(s.vt->lalloc_list(s.ud, "O1", 0, lr, NLOC - 1, &n));
	assert_true(n == NLOC - 1);
	assert_string_equal(lr[NLOC - 2].location, locs_sorted[NLOC - 2]);
	assert_string_equal(stock_str(&s, "B", buf, sizeof(buf)), "W1 2/0;");
	assert_ok(s.vt->rollback(s.ud));
	assert_true(list_stock(&s, "A", sr) == NLOC);
	assert_string_equal(stock_str(&s, "B", buf, sizeof(buf)), "");
	st_close(&s);
}

/* A few records of each kind, changed by `round`. */
static void put_round(store *s, int round)
{
	put_loc(s, "W1", round);
	put_loc(s, round % 2 ? "shop" : "Z", 10 + round);
	put_stock(s, "A", "W1", round, 0);             /* round 0: deleted */
	put_stock(s, "A", round % 2 ? "shop" : "Z", 3, round);
	put_stock(s, "B", "W1", 10 + round, 1);
	put_lalloc(s, "O1", 0, "W1", round);            /* round 0: deleted */
	put_lalloc(s, "O2", (uint32_t)round % NIDX, "Z", 1 + round);
	put_lalloc(s, "O10", 1, "shop", round % 2);
}

static void test_transactions(void **state)
{
	store s;
	char *base, *one, *two;

	st_open(&s, *state); /* first: it may skip */
	base = malloc(DUMP_CAP);
	one = malloc(DUMP_CAP);
	two = malloc(DUMP_CAP);
	assert_non_null(base);
	assert_non_null(one);
	assert_non_null(two);

	/* committed: kept */
	assert_ok(s.vt->begin(s.ud));
	put_round(&s, 1);
	assert_ok(s.vt->commit(s.ud));
	dump_store(&s, base);
	assert_true(strlen(base) > 0);

	/* rolled back: no trace, even of a record made and deleted again */
	assert_ok(s.vt->begin(s.ud));
	put_round(&s, 2);
	put_round(&s, 0);
	put_loc(&s, "new", 1);
	put_stock(&s, "AB", "new", 1, 0);
	put_lalloc(&s, "O2", 2, "new", 1);
	put_stock(&s, "AB", "new", 0, 0);
	put_lalloc(&s, "O2", 2, "new", 0);
	put_lalloc(&s, "O1", 2, "new", 2);
	assert_ok(s.vt->rollback(s.ud));
	expect_dump(&s, base);

	/* a savepoint: rollback_to undoes only the inner part */
	if (s.vt->savepoint) {
		assert_ok(s.vt->begin(s.ud));
		put_round(&s, 2);
		dump_store(&s, one);
		assert_ok(s.vt->savepoint(s.ud));
		put_round(&s, 3);
		put_round(&s, 0);
		put_lalloc(&s, "O1", 1, "inner", 1);
		assert_ok(s.vt->savepoint(s.ud));
		put_round(&s, 5);
		assert_ok(s.vt->rollback_to(s.ud));
		put_round(&s, 4);
		dump_store(&s, two);
		assert_ok(s.vt->savepoint(s.ud));
		put_round(&s, 5);
		assert_ok(s.vt->release(s.ud));
		assert_ok(s.vt->rollback_to(s.ud));
		expect_dump(&s, one);
		/* the savepoint's changes again, kept by a release */
		assert_ok(s.vt->savepoint(s.ud));
		put_round(&s, 3);
		put_round(&s, 0);
		put_lalloc(&s, "O1", 1, "inner", 1);
		put_round(&s, 4);
		assert_ok(s.vt->release(s.ud));
		expect_dump(&s, two);
		assert_ok(s.vt->commit(s.ud));
		expect_dump(&s, two);
		/* and all of it rolled back */
		assert_ok(s.vt->begin(s.ud));
		assert_ok(s.vt->savepoint(s.ud));
		put_round(&s, 6);
		assert_ok(s.vt->release(s.ud));
		put_round(&s, 7);
		assert_ok(s.vt->rollback(s.ud));
		expect_dump(&s, two);
	} else {
		print_message("[%s] no savepoints: that part skipped\n", s.ad->name);
	}
	st_close(&s);
	free(base);
	free(one);
	free(two);
}

/* ---- orders made in the transaction that allocates their lines ------ */

/* Order `id` with `nlines` lines of item A (in a transaction). */
static void new_order(store *s, const char *id, uint32_t nlines)
{
	bo_order_rec o;
	bo_line_rec l;
	memset(&o, 0, sizeof(o));
	strcpy(o.id, id);
	o.created = T0;
	o.due = BO_NO_TIME;
	o.nlines = nlines;
	assert_ok(s->vt->order_put(s->ud, &o));
	for (uint32_t j = 0; j < nlines; j++) {
		memset(&l, 0, sizeof(l));
		strcpy(l.order_id, id);
		strcpy(l.sku, "A");
		l.index = j;
		l.placed = l.ordered = l.allocated = 9;
		l.unit_price = BO_NO_PRICE;
		l.queue_time = T0;
		l.eta = BO_NO_TIME;
		l.eta_release = BO_NO_TIME;
		l.key.seq = 1000 + j;
		assert_ok(s->vt->line_put(s->ud, &l));
	}
}

/* A placement writes an order and, in the same transaction, where its
 * lines' units are (the memory store keeps no undo entry of its own for
 * the first records of such an order: undoing the order's creation lets
 * go of them). Rolled back, whole or to a savepoint, made and emptied
 * again, grown past the records a node holds: what commits is exactly
 * what was put, and every order lists only its own records (a node let go
 * of twice would be handed to two orders). */
static void test_new_orders(void **state)
{
	store s;
	bo_order_rec o;
	char id[16], buf[256], want[64];
	st_open(&s, *state); /* first: it may skip */
	assert_ok(s.vt->begin(s.ud));
	put_loc(&s, "W1", 1);
	put_loc(&s, "W2", 2);
	put_loc(&s, "Z", 3);
	assert_ok(s.vt->commit(s.ud));

	/* rolled back: neither the order nor its records are there */
	assert_ok(s.vt->begin(s.ud));
	new_order(&s, "N1", 2);
	put_lalloc(&s, "N1", 0, "W1", 3);
	put_lalloc(&s, "N1", 1, "W2", 2);
	put_lalloc(&s, "N1", 1, "Z", 1);
	put_lalloc(&s, "N1", 0, "Z", 4); /* past what the node holds */
	assert_string_equal(lalloc_str(&s, "N1", 0, buf, sizeof(buf)), "W1 3;Z 4;");
	assert_ok(s.vt->rollback(s.ud));
	assert_int_equal(s.vt->order_get(s.ud, "N1", &o, 0), BO_ENOTFOUND);
	assert_string_equal(lalloc_str(&s, "N1", 0, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "N1", 1, buf, sizeof(buf)), "");

	/* made and emptied in the transaction, then rolled back */
	assert_ok(s.vt->begin(s.ud));
	new_order(&s, "N2", 1);
	put_lalloc(&s, "N2", 0, "W1", 1);
	put_lalloc(&s, "N2", 0, "W1", 0);
	assert_string_equal(lalloc_str(&s, "N2", 0, buf, sizeof(buf)), "");
	assert_ok(s.vt->rollback(s.ud));
	assert_int_equal(s.vt->order_get(s.ud, "N2", &o, 0), BO_ENOTFOUND);

	/* a savepoint after the order: only the records go */
	if (s.vt->savepoint) {
		assert_ok(s.vt->begin(s.ud));
		new_order(&s, "N3", 1);
		assert_ok(s.vt->savepoint(s.ud));
		put_lalloc(&s, "N3", 0, "W2", 7);
		assert_ok(s.vt->rollback_to(s.ud));
		assert_string_equal(lalloc_str(&s, "N3", 0, buf, sizeof(buf)), "");
		put_lalloc(&s, "N3", 0, "Z", 6);
		assert_ok(s.vt->commit(s.ud));
		assert_string_equal(lalloc_str(&s, "N3", 0, buf, sizeof(buf)), "Z 6;");
		/* and one before it: the order and its records go */
		assert_ok(s.vt->begin(s.ud));
		assert_ok(s.vt->savepoint(s.ud));
		new_order(&s, "N4", 1);
		put_lalloc(&s, "N4", 0, "W1", 5);
		assert_ok(s.vt->rollback_to(s.ud));
		assert_ok(s.vt->commit(s.ud));
		assert_int_equal(s.vt->order_get(s.ud, "N4", &o, 0), BO_ENOTFOUND);
		assert_string_equal(lalloc_str(&s, "N4", 0, buf, sizeof(buf)), "");
	}

	/* units that do not pack (2^23 and more), first and second record */
	assert_ok(s.vt->begin(s.ud));
	new_order(&s, "N5", 2);
	put_lalloc(&s, "N5", 0, "W2", 8388608);
	put_lalloc(&s, "N5", 1, "W1", 8388607);
	assert_ok(s.vt->commit(s.ud));
	assert_string_equal(lalloc_str(&s, "N5", 0, buf, sizeof(buf)), "W2 8388608;");
	assert_string_equal(lalloc_str(&s, "N5", 1, buf, sizeof(buf)), "W1 8388607;");
	assert_ok(s.vt->begin(s.ud));
	put_lalloc(&s, "N5", 0, "W2", 0);
	put_lalloc(&s, "N5", 1, "W1", 0);
	put_lalloc(&s, "N5", 1, "Z", 3);
	assert_string_equal(lalloc_str(&s, "N5", 0, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "N5", 1, buf, sizeof(buf)), "Z 3;");
	assert_ok(s.vt->rollback(s.ud));
	assert_string_equal(lalloc_str(&s, "N5", 0, buf, sizeof(buf)), "W2 8388608;");
	assert_string_equal(lalloc_str(&s, "N5", 1, buf, sizeof(buf)), "W1 8388607;");
	/* a record changed, gone and back in later transactions */
	assert_ok(s.vt->begin(s.ud));
	new_order(&s, "N6", 2);
	put_lalloc(&s, "N6", 1, "W1", 2);
	assert_ok(s.vt->commit(s.ud));
	assert_ok(s.vt->begin(s.ud));
	put_lalloc(&s, "N6", 1, "W1", 5);
	put_lalloc(&s, "N6", 0, "W1", 1); /* another line: a second record */
	assert_string_equal(lalloc_str(&s, "N6", 0, buf, sizeof(buf)), "W1 1;");
	assert_string_equal(lalloc_str(&s, "N6", 1, buf, sizeof(buf)), "W1 5;");
	assert_ok(s.vt->rollback(s.ud));
	assert_string_equal(lalloc_str(&s, "N6", 0, buf, sizeof(buf)), "");
	assert_string_equal(lalloc_str(&s, "N6", 1, buf, sizeof(buf)), "W1 2;");
	assert_ok(s.vt->begin(s.ud));
	put_lalloc(&s, "N6", 1, "W1", 0);
	put_lalloc(&s, "N6", 1, "W2", 4);
	assert_ok(s.vt->commit(s.ud));
	assert_string_equal(lalloc_str(&s, "N6", 1, buf, sizeof(buf)), "W2 4;");
	assert_ok(s.vt->begin(s.ud));
	put_lalloc(&s, "N6", 1, "W2", 0);
	assert_ok(s.vt->commit(s.ud));
	assert_string_equal(lalloc_str(&s, "N6", 1, buf, sizeof(buf)), "");

	/* many, every third rolled back: each committed one holds its own */
	for (int i = 0; i < 60; i++) {
		snprintf(id, sizeof(id), "M%d", i);
		assert_ok(s.vt->begin(s.ud));
		new_order(&s, id, 1);
		put_lalloc(&s, id, 0, i % 2 ? "W1" : "W2", 1 + i);
		if (i % 5 == 0)
			put_lalloc(&s, id, 0, "Z", 100 + i);
		if (i % 3 == 0)
			assert_ok(s.vt->rollback(s.ud));
		else
			assert_ok(s.vt->commit(s.ud));
	}
	for (int i = 0; i < 60; i++) {
		snprintf(id, sizeof(id), "M%d", i);
		if (i % 3 == 0) {
			assert_int_equal(s.vt->order_get(s.ud, id, &o, 0), BO_ENOTFOUND);
			want[0] = '\0';
		} else if (i % 5 == 0) {
			snprintf(want, sizeof(want), "%s %d;Z %d;", i % 2 ? "W1" : "W2", 1 + i, 100 + i);
		} else {
			snprintf(want, sizeof(want), "%s %d;", i % 2 ? "W1" : "W2", 1 + i);
		}
		assert_string_equal(lalloc_str(&s, id, 0, buf, sizeof(buf)), want);
	}
	st_close(&s);
}

/* ---- a random run against a model ---------------------------------- */

typedef struct model {
	bool loc[NLOC];
	int64_t rank[NLOC];
	int64_t on[NSKU][NLOC], al[NSKU][NLOC];
	int64_t qty[NORD][NIDX][NLOC];
} model;

static void dump_model(const model *md, char *buf)
{
	buf[0] = '\0';
	for (size_t k = 0; k < NLOC; k++)
		if (md->loc[k])
			dcat(buf, DUMP_CAP, "loc %s %lld\n", locs_sorted[k], (long long)md->rank[k]);
	for (size_t i = 0; i < NSKU; i++)
		for (size_t k = 0; k < NLOC; k++)
			if (md->on[i][k] || md->al[i][k])
				dcat(buf, DUMP_CAP, "stock %s %s %lld %lld\n", skus[i], locs_sorted[k],
				     (long long)md->on[i][k], (long long)md->al[i][k]);
	for (size_t i = 0; i < NORD; i++)
		for (uint32_t j = 0; j < NIDX; j++)
			for (size_t k = 0; k < NLOC; k++)
				if (md->qty[i][j][k])
					dcat(buf, DUMP_CAP, "lalloc %s %u %s %lld\n", orders[i], j, locs_sorted[k],
					     (long long)md->qty[i][j][k]);
}

static void test_random(void **state)
{
	enum { STEPS = 4000, MAXSP = 4 };
	store s;
	th_rng rng = { 18 };
	model cur, stack[MAXSP + 1]; /* stack[0]: as the transaction found it */
	int depth = -1;              /* -1: no transaction; else savepoints open */
	char *a, *b;

	st_open(&s, *state); /* first: it may skip */
	lap_orders(&s);
	a = malloc(DUMP_CAP);
	b = malloc(DUMP_CAP);
	assert_non_null(a);
	assert_non_null(b);
	memset(&cur, 0, sizeof(cur));
	for (size_t k = 0; k < NLOC; k++)
		if (strcmp(locs_sorted[k], "W1") == 0)
			cur.loc[k] = true; /* rank 0 */
	for (int step = 0; step < STEPS; step++) {
		int64_t op = th_range(&rng, 0, 99);
		size_t k = (size_t)th_range(&rng, 0, NLOC - 1);
		if (depth < 0) {
			assert_ok(s.vt->begin(s.ud));
			stack[0] = cur;
			depth = 0;
		}
		if (op < 10) {
			int64_t r = th_range(&rng, -5, 5);
			put_loc(&s, locs_sorted[k], r);
			cur.loc[k] = true;
			cur.rank[k] = r;
		} else if (op < 45) {
			size_t i = (size_t)th_range(&rng, 0, NSKU - 1);
			int64_t on = th_range(&rng, 0, 2) ? th_range(&rng, 0, 9) : 0;
			int64_t al = th_range(&rng, 0, 2) ? th_range(&rng, 0, on) : 0;
			put_stock(&s, skus[i], locs_sorted[k], on, al);
			cur.on[i][k] = on;
			cur.al[i][k] = al;
		} else if (op < 80) {
			size_t i = (size_t)th_range(&rng, 0, NORD - 1);
			uint32_t j = (uint32_t)th_range(&rng, 0, NIDX - 1);
			/* now and then about 2^23 units: more than a packed
			 * record of the memory store holds */
			int64_t q = th_range(&rng, 0, 1) ? (th_range(&rng, 0, 19) ? th_range(&rng, 1, 9)
										: th_range(&rng, 8388600, 8388620))
							 : 0;
			put_lalloc(&s, orders[i], j, locs_sorted[k], q);
			cur.qty[i][j][k] = q;
		} else if (op < 85 && s.vt->savepoint && depth < MAXSP) {
			assert_ok(s.vt->savepoint(s.ud));
			stack[++depth] = cur;
		} else if (op < 89 && depth > 0) {
			assert_ok(s.vt->rollback_to(s.ud));
			cur = stack[depth--];
		} else if (op < 92 && depth > 0) {
			assert_ok(s.vt->release(s.ud));
			depth--;
		} else if (op < 96) {
			assert_ok(s.vt->commit(s.ud));
			depth = -1;
		} else {
			assert_ok(s.vt->rollback(s.ud));
			cur = stack[0];
			depth = -1;
		}
		if (step % 7 == 0 || depth < 0) {
			dump_store(&s, a);
			dump_model(&cur, b);
			if (strcmp(a, b) != 0)
				print_error("[%s] step %d: the store differs from the model\n", s.ad->name, step);
			assert_string_equal(a, b);
		}
	}
	if (depth >= 0)
		assert_ok(s.vt->commit(s.ud));
	st_close(&s);
	free(a);
	free(b);
}

/* ---- the version 3 fields of the older records ---------------------- */

static void test_v3_fields(void **state)
{
	store s;
	bo_item_rec it;
	bo_supply_rec sr, got;
	bo_event_rec ev, eg;
	uint64_t seq = 0, evseq[5];
	int rc;

	st_open(&s, *state);
	/* item.located */
	assert_ok(s.vt->begin(s.ud));
	assert_ok(s.vt->item_get(s.ud, "A", &it, 1));
	assert_int_equal(it.located, 0);
	it.located = 3;
	assert_ok(s.vt->item_put(s.ud, &it));
	assert_ok(s.vt->commit(s.ud));
	assert_ok(s.vt->item_get(s.ud, "A", &it, 0));
	assert_int_equal(it.located, 3);
	assert_ok(s.vt->item_next(s.ud, NULL, &it));
	assert_string_equal(it.sku, "A");
	assert_int_equal(it.located, 3);
	assert_ok(s.vt->item_next(s.ud, "A", &it));
	assert_string_equal(it.sku, "AB");
	assert_int_equal(it.located, 0);
	assert_ok(s.vt->begin(s.ud));
	assert_ok(s.vt->item_get(s.ud, "A", &it, 1));
	it.located = 9;
	assert_ok(s.vt->item_put(s.ud, &it));
	assert_ok(s.vt->rollback(s.ud));
	assert_ok(s.vt->item_get(s.ud, "A", &it, 0));
	assert_int_equal(it.located, 3);

	/* supply.location: "", a location, the longest id; replaced; rolled back */
	assert_ok(s.vt->begin(s.ud));
	memset(&sr, 0, sizeof(sr));
	strcpy(sr.sku, "A");
	strcpy(sr.id, "S1");
	sr.qty = 5;
	sr.expected = T0 + DAY;
	assert_ok(s.vt->supply_put(s.ud, &sr));
	strcpy(sr.id, "S2");
	sr.expected = T0 + 2 * DAY;
	strcpy(sr.location, "W1");
	assert_ok(s.vt->supply_put(s.ud, &sr));
	strcpy(sr.id, "S3");
	sr.expected = T0 + 3 * DAY;
	strcpy(sr.location, LONG_ID);
	assert_ok(s.vt->supply_put(s.ud, &sr));
	assert_ok(s.vt->commit(s.ud));
	assert_ok(s.vt->supply_get(s.ud, "A", "S1", &got));
	assert_string_equal(got.location, "");
	assert_ok(s.vt->supply_get(s.ud, "A", "S2", &got));
	assert_string_equal(got.location, "W1");
	assert_int_equal(got.qty, 5);
	assert_int_equal(got.expected, T0 + 2 * DAY);
	assert_ok(s.vt->supply_next(s.ud, "A", NULL, &got));
	assert_string_equal(got.id, "S1");
	assert_string_equal(got.location, "");
	assert_ok(s.vt->supply_next(s.ud, "A", &got, &got));
	assert_string_equal(got.id, "S2");
	assert_string_equal(got.location, "W1");
	assert_ok(s.vt->supply_next(s.ud, "A", &got, &got));
	assert_string_equal(got.id, "S3");
	assert_string_equal(got.location, LONG_ID);
	assert_rc(s.vt->supply_next(s.ud, "A", &got, &got), BO_ENOTFOUND);
	assert_ok(s.vt->begin(s.ud));
	strcpy(sr.id, "S2");
	sr.expected = T0 + 2 * DAY;
	strcpy(sr.location, "shop");
	assert_ok(s.vt->supply_put(s.ud, &sr));
	assert_ok(s.vt->supply_get(s.ud, "A", "S2", &got));
	assert_string_equal(got.location, "shop");
	assert_ok(s.vt->supply_del(s.ud, "A", "S3"));
	assert_ok(s.vt->rollback(s.ud));
	assert_ok(s.vt->supply_get(s.ud, "A", "S2", &got));
	assert_string_equal(got.location, "W1");
	assert_ok(s.vt->supply_get(s.ud, "A", "S3", &got));
	assert_string_equal(got.location, LONG_ID);
	assert_ok(s.vt->begin(s.ud));
	strcpy(sr.location, "");
	assert_ok(s.vt->supply_put(s.ud, &sr)); /* S2 back at "main" */
	assert_ok(s.vt->commit(s.ud));
	assert_ok(s.vt->supply_get(s.ud, "A", "S2", &got));
	assert_string_equal(got.location, "");

	/* event.location; the event numbers as the core takes them (an
	 * adapter with seq_take, PostgreSQL, delivers only numbers it gave
	 * out, in the order given) */
	while ((rc = s.vt->outbox_next(s.ud, seq, &eg)) == BO_OK)
		seq = eg.seq;
	assert_rc(rc, BO_ENOTFOUND);
	assert_ok(s.vt->begin(s.ud));
	for (int i = 0; i < 4; i++)
		evseq[i] = seq + 1 + (uint64_t)i;
	if (s.vt->seq_take)
		assert_ok(s.vt->seq_take(s.ud, BO_SEQ_EVENT, 4, evseq));
	for (int i = 0; i < 4; i++) {
		assert_true(evseq[i] > (i ? evseq[i - 1] : seq));
		memset(&ev, 0, sizeof(ev));
		ev.seq = evseq[i];
		ev.kind = i % 2 ? BO_EVENT_SHIPPED : BO_EVENT_ALLOCATED;
		strcpy(ev.order_id, i == 3 ? "NOT-STORED" : "O1");
		strcpy(ev.sku, "A");
		ev.qty = i + 1;
		ev.eta = BO_NO_TIME;
		ev.time = T0 + i;
		strcpy(ev.location, i == 0 ? "" : i == 1 ? "W1" : i == 2 ? LONG_ID : "\xc3\xa9t\xc3\xa9");
		assert_ok(s.vt->outbox_append(s.ud, &ev));
	}
	assert_ok(s.vt->commit(s.ud));
	for (int i = 0; i < 4; i++) {
		assert_ok(s.vt->outbox_next(s.ud, i ? evseq[i - 1] : seq, &eg));
		assert_int_equal(eg.seq, evseq[i]);
		assert_int_equal(eg.kind, i % 2 ? BO_EVENT_SHIPPED : BO_EVENT_ALLOCATED);
		assert_string_equal(eg.order_id, i == 3 ? "NOT-STORED" : "O1");
		assert_string_equal(eg.sku, "A");
		assert_int_equal(eg.qty, i + 1);
		assert_string_equal(eg.location, i == 0 ? "" : i == 1 ? "W1" : i == 2 ? LONG_ID : "\xc3\xa9t\xc3\xa9");
	}
	assert_rc(s.vt->outbox_next(s.ud, evseq[3], &eg), BO_ENOTFOUND);
	/* rolled back: gone */
	assert_ok(s.vt->begin(s.ud));
	evseq[4] = evseq[3] + 1;
	if (s.vt->seq_take)
		assert_ok(s.vt->seq_take(s.ud, BO_SEQ_EVENT, 1, &evseq[4]));
	memset(&ev, 0, sizeof(ev));
	ev.seq = evseq[4];
	ev.kind = BO_EVENT_ALLOCATED;
	strcpy(ev.location, "W2");
	assert_ok(s.vt->outbox_append(s.ud, &ev));
	assert_ok(s.vt->rollback(s.ud));
	assert_rc(s.vt->outbox_next(s.ud, evseq[3], &eg), BO_ENOTFOUND);
	st_close(&s);
}

/* ---- the outbox ---------------------------------------------------- */

#define OB_MAX 2048 /* events the case appends in all */

/* Event `i` of the case: every field set, ids short, long and empty. */
static void ob_event(bo_event_rec *ev, uint64_t seq, unsigned i)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = seq;
	ev->kind = (int32_t)(BO_EVENT_ACCEPTED + i % (BO_EVENT_RELEASED - BO_EVENT_ACCEPTED + 1));
	switch (i % 4) {
	case 0: strcpy(ev->order_id, "O1"); break; /* a stored order */
	case 1: snprintf(ev->order_id, sizeof(ev->order_id), "NOT-STORED-%u", i); break;
	case 2: strcpy(ev->order_id, LONG_ID); break;
	default: break; /* none (an item-level event) */
	}
	if (i % 5 != 4)
		strcpy(ev->sku, skus[i % NSKU]);
	if (i % 7 == 0)
		snprintf(ev->customer, sizeof(ev->customer), "cust-%u", i);
	if (i % 3 == 1)
		strcpy(ev->location, i % 2 ? "W1" : LONG_ID);
	ev->qty = (int64_t)i * 3 - 7;
	ev->eta = i % 2 ? BO_NO_TIME : T0 + (int64_t)i * DAY;
	ev->time = T0 + (int64_t)i;
}

/* Every pending event (after `acked`) read back against the model. */
static void ob_check(store *s, const bo_event_rec *m, size_t n, uint64_t acked)
{
	bo_event_rec got;
	uint64_t after = acked;
	size_t k = 0;
	int rc;
	while (k < n && m[k].seq <= acked)
		k++;
	while ((rc = s->vt->outbox_next(s->ud, after, &got)) == BO_OK) {
		if (k >= n) {
			print_error("[%s] event %llu read back, none pending\n", s->ad->name,
				    (unsigned long long)got.seq);
			fail();
		}
		assert_int_equal(got.seq, m[k].seq);
		assert_int_equal(got.kind, m[k].kind);
		assert_string_equal(got.order_id, m[k].order_id);
		assert_string_equal(got.sku, m[k].sku);
		assert_string_equal(got.customer, m[k].customer);
		assert_string_equal(got.location, m[k].location);
		assert_i64(got.qty, m[k].qty);
		assert_i64(got.eta, m[k].eta);
		assert_i64(got.time, m[k].time);
		after = got.seq;
		k++;
	}
	assert_rc(rc, BO_ENOTFOUND);
	assert_int_equal(k, n);
}

/* The outbox at the vtable level: records come back field for field
 * after commits, rollbacks and savepoints, acknowledged in part as the
 * core does (the next call acknowledges what the dispatch after the last
 * delivered), a call of a few events at a time and calls of many (the
 * memory store keeps an event at a position below 256 as the record
 * itself and the rest in a compact form, and moves the pending ones to
 * the front at commit: a call of 300, then one that acknowledges all
 * but the last 100 of them). */
static void test_outbox(void **state)
{
	store s;
	th_rng rng = { 27 };
	bo_event_rec *m = calloc(OB_MAX, sizeof(*m)); /* committed events, in seq order */
	bo_event_rec tx[610];                         /* the open transaction's */
	size_t n = 0, ntx, ntx_sp;
	uint64_t last = 0, acked = 0, acked_tx;
	unsigned made = 0;
	bo_event_rec got;
	int rc;

	assert_non_null(m);
	st_open(&s, *state); /* first: it may skip */
	while ((rc = s.vt->outbox_next(s.ud, last, &got)) == BO_OK) /* (none expected) */
		last = acked = got.seq;
	assert_rc(rc, BO_ENOTFOUND);
	for (int round = 0; round < 160; round++) {
		int64_t op = th_range(&rng, 0, 99);
		size_t want = round == 80 ? 300 : round == 120 ? 600 : (size_t)th_range(&rng, 0, 5);
		bool sp = s.vt->savepoint && th_range(&rng, 0, 5) == 0;
		assert_ok(s.vt->begin(s.ud));
		/* the acknowledgement the call starts with: all, or all but a few */
		acked_tx = acked;
		if (n > 0 && (round == 81 || th_range(&rng, 0, 3) > 0)) {
			/* (after the call of 300, all but its last 100: the pending
			 * records, some kept as records, some compact, move to the
			 * front at commit) */
			size_t keep = round == 81 ? 100 : (size_t)th_range(&rng, 0, 3);
			size_t k = n > keep ? n - keep : 0;
			if (k > 0 && m[k - 1].seq > acked) {
				acked_tx = m[k - 1].seq;
				assert_ok(s.vt->outbox_ack(s.ud, acked_tx));
			}
		}
		ntx = ntx_sp = 0;
		for (size_t i = 0; i < want + (sp ? 2 : 0); i++) {
			uint64_t seq = last + 1;
			if (sp && i == want) { /* two more in a savepoint, rolled back */
				assert_ok(s.vt->savepoint(s.ud));
				ntx_sp = ntx;
			}
			if (s.vt->seq_take)
				assert_ok(s.vt->seq_take(s.ud, BO_SEQ_EVENT, 1, &seq));
			assert_true(seq > last);
			last = seq;
			ob_event(&tx[ntx], seq, made++);
			assert_ok(s.vt->outbox_append(s.ud, &tx[ntx]));
			ntx++;
		}
		if (sp) {
			assert_ok(s.vt->rollback_to(s.ud));
			ntx = ntx_sp;
		}
		if (op < 15) {
			assert_ok(s.vt->rollback(s.ud));
		} else {
			assert_ok(s.vt->commit(s.ud));
			assert_true(n + ntx <= OB_MAX);
			memcpy(&m[n], tx, ntx * sizeof(*tx));
			n += ntx;
			acked = acked_tx;
		}
		ob_check(&s, m, n, acked);
	}
	assert_true(made > 900);
	st_close(&s);
	free(m);
}

/* ---- out of memory ------------------------------------------------- */

/* The library's allocator (set first thing in main): counts its calls and
 * fails the one `fail_at` names. */
static struct {
	unsigned long calls, fail_at, failed;
} A;

static bool a_fail(void)
{
	A.calls++;
	if (A.fail_at && A.calls == A.fail_at) {
		A.failed++;
		return true;
	}
	return false;
}
static void *a_malloc(void *ud, size_t n) { (void)ud; return a_fail() ? NULL : malloc(n); }
static void *a_realloc(void *ud, void *p, size_t n) { (void)ud; return a_fail() ? NULL : realloc(p, n); }
static void a_free(void *ud, void *p) { (void)ud; free(p); }

/* A step of the script below. */
typedef struct lop {
	char kind;        /* L loc, S stock, A lalloc, I item.located, U supply, V event, P savepoint, R rollback_to, E release */
	const char *key;  /* location id, SKU, order id */
	uint32_t index;
	const char *loc;
	int64_t x, y;
} lop;

static const lop script[] = {
	{ 'L', "W1", 0, NULL, 1, 0 }, { 'L', "W2", 0, NULL, 2, 0 }, { 'L', "a", 0, NULL, 3, 0 },
	{ 'L', "b", 0, NULL, 4, 0 }, { 'L', "c", 0, NULL, 5, 0 }, { 'L', "W1", 0, NULL, -1, 0 },
	{ 'S', "A", 0, "W2", 5, 0 }, { 'S', "A", 0, "W1", 5, 1 }, { 'S', "A", 0, "a", 1, 0 },
	{ 'S', "A", 0, "b", 1, 0 }, { 'S', "A", 0, "c", 1, 0 }, { 'S', "B", 0, "W1", 2, 2 },
	{ 'A', "O1", 0, "W2", 1, 0 }, { 'A', "O1", 1, "W1", 1, 0 }, { 'A', "O1", 0, "a", 2, 0 },
	{ 'A', "O2", 2, "new1", 1, 0 }, { 'I', "A", 0, NULL, 3, 0 }, { 'U', "A", 0, "W2", 4, 0 },
	{ 'V', "O1", 0, "new2", 1, 0 }, { 'V', "X-not-an-order", 0, "", 1, 0 },
	{ 'P', NULL, 0, NULL, 0, 0 },
	{ 'S', "A", 0, "W2", 0, 0 }, { 'S', "B", 0, "W1", 0, 0 }, { 'S', "AB", 0, "new3", 1, 0 },
	{ 'A', "O2", 2, "new1", 0, 0 }, { 'A', "O10", 1, "b", 3, 0 }, { 'L', "new4", 0, NULL, 0, 0 },
	{ 'P', NULL, 0, NULL, 0, 0 },
	{ 'A', "O1", 0, "W2", 0, 0 }, { 'A', "O1", 0, "a", 0, 0 }, { 'A', "O1", 1, "W1", 0, 0 },
	{ 'S', "A", 0, "b", 9, 9 }, { 'U', "A", 0, "", 5, 0 },
	{ 'R', NULL, 0, NULL, 0, 0 },
	{ 'A', "O1", 2, "c", 1, 0 }, { 'S', "B", 0, "c", 1, 0 },
	{ 'E', NULL, 0, NULL, 0, 0 },
	{ 'V', "O2", 0, "W1", 2, 0 },
};
#define NSCRIPT (sizeof(script) / sizeof(script[0]))

static int run_lop(store *s, const lop *o, uint64_t *seq)
{
	const bo_storage *vt = s->vt;
	switch (o->kind) {
	case 'L': {
		bo_location_rec r;
		memset(&r, 0, sizeof(r));
		strcpy(r.id, o->key);
		r.rank = o->x;
		return vt->loc_put(s->ud, &r);
	}
	case 'S': {
		bo_stock_rec r;
		memset(&r, 0, sizeof(r));
		strcpy(r.sku, o->key);
		strcpy(r.location, o->loc);
		r.on_hand = o->x;
		r.allocated = o->y;
		return vt->stock_put(s->ud, &r);
	}
	case 'A': {
		bo_lalloc_rec r;
		memset(&r, 0, sizeof(r));
		strcpy(r.order_id, o->key);
		r.index = o->index;
		strcpy(r.location, o->loc);
		r.qty = o->x;
		return vt->lalloc_put(s->ud, &r);
	}
	case 'I': {
		bo_item_rec r;
		int rc = vt->item_get(s->ud, o->key, &r, 1);
		if (rc < 0)
			return rc;
		r.located = o->x;
		return vt->item_put(s->ud, &r);
	}
	case 'U': {
		bo_supply_rec r;
		memset(&r, 0, sizeof(r));
		strcpy(r.sku, o->key);
		strcpy(r.id, "S1");
		strcpy(r.location, o->loc);
		r.qty = o->x;
		r.expected = T0 + DAY;
		return vt->supply_put(s->ud, &r);
	}
	case 'V': {
		bo_event_rec e;
		int rc;
		memset(&e, 0, sizeof(e));
		e.seq = *seq + 1;
		e.kind = BO_EVENT_ALLOCATED;
		strcpy(e.order_id, o->key);
		strcpy(e.sku, "A");
		strcpy(e.location, o->loc);
		e.qty = o->x;
		e.eta = BO_NO_TIME;
		if ((rc = vt->outbox_append(s->ud, &e)) == BO_OK)
			++*seq;
		return rc;
	}
	case 'P':
		return vt->savepoint(s->ud);
	case 'R':
		return vt->rollback_to(s->ud);
	default:
		return vt->release(s->ud);
	}
}

/* Everything the script touches, as a string: the location records, the
 * item's `located`, the supply record, the outbox. */
static void dump_all(store *s, char *buf)
{
	bo_item_rec it;
	bo_supply_rec sr;
	bo_event_rec ev;
	uint64_t seq = 0;

	dump_store(s, buf);
	assert_ok(s->vt->item_get(s->ud, "A", &it, 0));
	dcat(buf, DUMP_CAP, "item A located %lld\n", (long long)it.located);
	if (s->vt->supply_get(s->ud, "A", "S1", &sr) == BO_OK)
		dcat(buf, DUMP_CAP, "supply A S1 %lld '%s'\n", (long long)sr.qty, sr.location);
	while (s->vt->outbox_next(s->ud, seq, &ev) == BO_OK) {
		dcat(buf, DUMP_CAP, "event %llu %s '%s'\n", (unsigned long long)ev.seq, ev.order_id, ev.location);
		seq = ev.seq;
	}
}

/* Every allocation of every step of the script failed in turn: the step
 * fails with BO_ESTORAGE ("out of memory") and changes nothing, then runs;
 * a rollback of the whole leaves the store as it was, a commit keeps what
 * a run without failures makes. Leaks are ASan's / valgrind's to find. */
static void test_oom(void **state)
{
	store s;
	char *base, *before, *after, *clean;
	uint64_t seq = 0;
	unsigned long injected = 0;

	st_open(&s, *state);
	base = malloc(DUMP_CAP);
	before = malloc(DUMP_CAP);
	after = malloc(DUMP_CAP);
	clean = malloc(DUMP_CAP);
	assert_true(base && before && after && clean);
	dump_all(&s, base);

	/* a run without failures, rolled back: the reference */
	assert_ok(s.vt->begin(s.ud));
	for (size_t i = 0; i < NSCRIPT; i++)
		if (s.vt->savepoint || !strchr("PRE", script[i].kind))
			assert_ok(run_lop(&s, &script[i], &seq));
	dump_all(&s, clean);
	assert_ok(s.vt->rollback(s.ud));
	dump_all(&s, after);
	assert_string_equal(after, base);

	for (int pass = 0; pass < 2; pass++) {
		seq = 0;
		assert_ok(s.vt->begin(s.ud));
		for (size_t i = 0; i < NSCRIPT; i++) {
			if (!s.vt->savepoint && strchr("PRE", script[i].kind))
				continue;
			dump_all(&s, before);
			for (unsigned long n = 1;; n++) {
				int rc;
				A.failed = 0;
				A.fail_at = A.calls + n;
				rc = run_lop(&s, &script[i], &seq);
				A.fail_at = 0;
				if (rc == BO_OK)
					break;
				assert_int_equal(rc, BO_ESTORAGE);
				assert_int_equal(A.failed, 1);
				assert_non_null(strstr(bo_last_error(), "out of memory"));
				dump_all(&s, after);
				if (strcmp(before, after) != 0)
					print_error("[%s] step %zu, allocation %lu failed: changed\n", s.ad->name, i, n);
				assert_string_equal(after, before);
				injected++;
				assert_true(n < 1000);
			}
		}
		dump_all(&s, after);
		assert_string_equal(after, clean);
		if (pass == 0) {
			assert_ok(s.vt->rollback(s.ud));
			dump_all(&s, after);
			assert_string_equal(after, base);
		} else {
			assert_ok(s.vt->commit(s.ud));
			dump_all(&s, after);
			assert_string_equal(after, clean);
		}
	}
	if (must_have_locations(s.ad))
		assert_true(injected > 10);
	print_message("[%s] %lu allocation failures injected\n", s.ad->name, injected);
	st_close(&s);
	free(base);
	free(before);
	free(after);
	free(clean);
}

/* ---- main ---------------------------------------------------------- */

int main(int argc, char **argv)
{
	int failures = 0, ran = 0;
	bo_allocator al = { BO_ALLOCATOR_VERSION, a_malloc, a_realloc, a_free, NULL };

	/* before the library allocates anything */
	if (bo_set_allocator(&al) != BO_OK) {
		fprintf(stderr, "bo_set_allocator: %s\n", bo_last_error());
		return 1;
	}
	for (size_t a = 0; a < ta_nadapters; a++) {
		void *ad = (void *)&ta_adapters[a];
		const struct CMUnitTest tests[] = {
			cmocka_unit_test_prestate(test_locations, ad),
			cmocka_unit_test_prestate(test_stock, ad),
			cmocka_unit_test_prestate(test_lalloc, ad),
			cmocka_unit_test_prestate(test_list_max, ad),
			cmocka_unit_test_prestate(test_transactions, ad),
			cmocka_unit_test_prestate(test_new_orders, ad),
			cmocka_unit_test_prestate(test_random, ad),
			cmocka_unit_test_prestate(test_v3_fields, ad),
			cmocka_unit_test_prestate(test_outbox, ad),
			cmocka_unit_test_prestate(test_oom, ad),
		};
		failures += ta_run_group("loc_storage", &ta_adapters[a], argc, argv, 1, tests,
					 sizeof(tests) / sizeof(tests[0]), &ran);
	}
	ta_cleanup();
	if (ran == 0 && failures == 0)
		return 77;
	return failures;
}
