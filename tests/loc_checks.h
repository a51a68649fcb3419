/*
 * Checks of an adapter's location callbacks (storage version 3, DESIGN
 * section 11) through its vtable, shared by tests/sqlite/test_sqlite_loc.c
 * and tests/postgres/test_postgres_loc.c: round trips of the records and of
 * the version 3 fields, delete on zero, bytewise order (of loc_next's walk
 * and of stock_list's and lalloc_list's lists), the lists' bound `max`, and
 * rollback and rollback_to leaving no trace. Each check wants an empty store.
 * Include after cmocka.h and backorder/storage.h.
 */
#ifndef BO_TEST_LOC_CHECKS_H
#define BO_TEST_LOC_CHECKS_H

#include <stdio.h>
#include <string.h>

static bo_stock_rec lc_stock(const char *sku, const char *loc, int64_t on_hand, int64_t allocated)
{
	bo_stock_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.sku, sizeof(r.sku), "%s", sku);
	snprintf(r.location, sizeof(r.location), "%s", loc);
	r.on_hand = on_hand;
	r.allocated = allocated;
	return r;
}

static bo_lalloc_rec lc_lalloc(const char *order, uint32_t index, const char *loc, int64_t qty)
{
	bo_lalloc_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.order_id, sizeof(r.order_id), "%s", order);
	r.index = index;
	snprintf(r.location, sizeof(r.location), "%s", loc);
	r.qty = qty;
	return r;
}

static bo_location_rec lc_loc(const char *id, int64_t rank)
{
	bo_location_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.rank = rank;
	return r;
}

/* More than any check stores for one item or line. */
#define LC_MAX 16

/* A byte pattern for the records a list must not write. */
#define LC_GUARD 0xa5

static int lc_untouched(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != LC_GUARD)
			return 0;
	return 1;
}

/* The locations of `sku`'s stock records, as stock_list gives them (in
 * strictly increasing bytewise order, checked), joined by ','. The list is
 * read twice: with room to spare and with `max` just the number of records
 * (enough: the same list); nothing past out[*n) is written either time. */
static void lc_stock_walk(const bo_storage *vt, void *ud, const char *sku, char *buf, size_t cap)
{
	bo_stock_rec r[LC_MAX + 1], again[LC_MAX + 1];
	size_t n = 99, m = 99, i;
	buf[0] = '\0';
	memset(r, LC_GUARD, sizeof(r));
	assert_int_equal(vt->stock_list(ud, sku, r, LC_MAX, &n), BO_OK);
	assert_true(n <= LC_MAX);
	assert_true(lc_untouched(&r[n], sizeof(r) - n * sizeof(r[0])));
	for (i = 0; i < n; i++) {
		assert_string_equal(r[i].sku, sku);
		assert_string_not_equal(r[i].location, "");
		assert_string_not_equal(r[i].location, "main");
		assert_false(r[i].on_hand == 0 && r[i].allocated == 0);
		if (i > 0)
			assert_true(strcmp(r[i - 1].location, r[i].location) < 0);
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s=%lld/%lld", i ? "," : "", r[i].location,
			 (long long)r[i].on_hand, (long long)r[i].allocated);
	}
	memset(again, LC_GUARD, sizeof(again));
	assert_int_equal(vt->stock_list(ud, sku, n ? again : NULL, n, &m), BO_OK);
	assert_true(m == n);
	assert_memory_equal(again, r, n * sizeof(r[0]));
	assert_true(lc_untouched(&again[n], sizeof(again) - n * sizeof(again[0])));
}

/* The same for a line's allocations (lalloc_list). */
static void lc_lalloc_walk(const bo_storage *vt, void *ud, const char *order, uint32_t index, char *buf, size_t cap)
{
	bo_lalloc_rec r[LC_MAX + 1], again[LC_MAX + 1];
	size_t n = 99, m = 99, i;
	buf[0] = '\0';
	memset(r, LC_GUARD, sizeof(r));
	assert_int_equal(vt->lalloc_list(ud, order, index, r, LC_MAX, &n), BO_OK);
	assert_true(n <= LC_MAX);
	assert_true(lc_untouched(&r[n], sizeof(r) - n * sizeof(r[0])));
	for (i = 0; i < n; i++) {
		assert_string_equal(r[i].order_id, order);
		assert_int_equal(r[i].index, index);
		assert_int_equal(r[i].reserved, 0);
		assert_string_not_equal(r[i].location, "");
		assert_string_not_equal(r[i].location, "main");
		assert_true(r[i].qty != 0);
		if (i > 0)
			assert_true(strcmp(r[i - 1].location, r[i].location) < 0);
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s=%lld", i ? "," : "", r[i].location,
			 (long long)r[i].qty);
	}
	memset(again, LC_GUARD, sizeof(again));
	assert_int_equal(vt->lalloc_list(ud, order, index, n ? again : NULL, n, &m), BO_OK);
	assert_true(m == n);
	assert_memory_equal(again, r, n * sizeof(r[0]));
	assert_true(lc_untouched(&again[n], sizeof(again) - n * sizeof(again[0])));
}

static void lc_loc_walk(const bo_storage *vt, void *ud, char *buf, size_t cap)
{
	bo_location_rec r;
	char after[BO_ID_MAX + 1];
	int first = 1, rc;
	buf[0] = '\0';
	while ((rc = vt->loc_next(ud, first ? NULL : after, &r)) == BO_OK) {
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s:%lld", first ? "" : ",", r.id, (long long)r.rank);
		memcpy(after, r.id, sizeof(after));
		first = 0;
	}
	assert_int_equal(rc, BO_ENOTFOUND);
}

/* Writes of generation `g` (1, 2, ...): locations, stock, line allocations. */
static void lc_write(const bo_storage *vt, void *ud, int g)
{
	char sku[16], order[16], loc[16];
	bo_location_rec l;
	bo_stock_rec s;
	bo_lalloc_rec a;
	snprintf(sku, sizeof(sku), "sku-%d", g);
	snprintf(order, sizeof(order), "ord-%d", g);
	snprintf(loc, sizeof(loc), "wh-%d", g);
	l = lc_loc(loc, g);
	s = lc_stock(sku, loc, 10 * g, g);
	a = lc_lalloc(order, (uint32_t)g, loc, g);
	assert_int_equal(vt->loc_put(ud, &l), BO_OK);
	assert_int_equal(vt->stock_put(ud, &s), BO_OK);
	assert_int_equal(vt->lalloc_put(ud, &a), BO_OK);
}

/* Whether generation `g`'s records are there (all) or not (none). */
static void lc_expect(const bo_storage *vt, void *ud, int g, int present)
{
	char sku[16], order[16], loc[16], want[64], buf[256];
	bo_location_rec l;
	snprintf(sku, sizeof(sku), "sku-%d", g);
	snprintf(order, sizeof(order), "ord-%d", g);
	snprintf(loc, sizeof(loc), "wh-%d", g);
	lc_stock_walk(vt, ud, sku, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s=%d/%d", loc, 10 * g, g);
	assert_string_equal(buf, present ? want : "");
	lc_lalloc_walk(vt, ud, order, (uint32_t)g, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s=%d", loc, g);
	assert_string_equal(buf, present ? want : "");
	/* the location: found after the id just before it */
	{
		char before[16];
		int rc;
		snprintf(before, sizeof(before), "wh-%d", g - 1);
		rc = vt->loc_next(ud, before, &l);
		if (present) {
			assert_int_equal(rc, BO_OK);
			assert_string_equal(l.id, loc);
			assert_int_equal(l.rank, g);
		} else {
			assert_true(rc == BO_ENOTFOUND || strcmp(l.id, loc) != 0);
		}
	}
}

/* Every location callback is there (all six), with the version 3 size. */
static void loc_check_vtable(const bo_storage *vt)
{
	assert_int_equal(vt->version, BO_STORAGE_VERSION);
	assert_true(vt->size == sizeof(bo_storage));
	assert_non_null(vt->loc_put);
	assert_non_null(vt->loc_next);
	assert_non_null(vt->stock_put);
	assert_non_null(vt->stock_list);
	assert_non_null(vt->lalloc_put);
	assert_non_null(vt->lalloc_list);
}

/* Locations: insert or replace, walked bytewise by id. */
static void loc_check_locations(const bo_storage *vt, void *ud)
{
	static const char *const ids[] = { "main", "beta-2", "beta", "Zeta", "alpha", "~x" };
	char buf[256];
	bo_location_rec l, out;
	size_t i;
	lc_loc_walk(vt, ud, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(vt->begin(ud), BO_OK);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		l = lc_loc(ids[i], (int64_t)i - 2);
		assert_int_equal(vt->loc_put(ud, &l), BO_OK);
	}
	/* re-rank: replaced, not added */
	l = lc_loc("beta", INT64_MIN);
	assert_int_equal(vt->loc_put(ud, &l), BO_OK);
	l = lc_loc("alpha", INT64_MAX);
	assert_int_equal(vt->loc_put(ud, &l), BO_OK);
	/* read inside the transaction: its own writes */
	lc_loc_walk(vt, ud, buf, sizeof(buf));
	assert_string_equal(buf, "Zeta:1,alpha:9223372036854775807,beta:-9223372036854775808,"
				 "beta-2:-1,main:-2,~x:3");
	assert_int_equal(vt->commit(ud), BO_OK);
	lc_loc_walk(vt, ud, buf, sizeof(buf));
	assert_string_equal(buf, "Zeta:1,alpha:9223372036854775807,beta:-9223372036854775808,"
				 "beta-2:-1,main:-2,~x:3");
	assert_int_equal(vt->loc_next(ud, "beta", &out), BO_OK);
	assert_string_equal(out.id, "beta-2");
	assert_int_equal(vt->loc_next(ud, "b", &out), BO_OK);
	assert_string_equal(out.id, "beta");
	assert_int_equal(vt->loc_next(ud, "~x", &out), BO_ENOTFOUND);
	/* an over-long id is refused, not truncated */
	{
		char longid[BO_ID_MAX + 2];
		memset(longid, 'x', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		assert_int_equal(vt->loc_next(ud, longid, &out), BO_ESTORAGE);
	}
}

/* Stock: insert or replace; deleted when on_hand and allocated are 0; the
 * list is per item, bytewise by location. */
static void loc_check_stock(const bo_storage *vt, void *ud)
{
	char buf[512];
	bo_stock_rec r;
	assert_int_equal(vt->begin(ud), BO_OK);
	r = lc_stock("bolt", "west", 5, 2);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bolt", "East", 7, 0);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bolt", "east", 0, 0); /* absent and zero: nothing */
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bolt", "shop", 0, 3); /* allocated without units: kept as given */
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bolt-2", "aaa", 1, 1);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bol", "zzz", INT64_MAX, INT64_MAX);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	lc_stock_walk(vt, ud, "bolt", buf, sizeof(buf));
	assert_string_equal(buf, "East=7/0,shop=0/3,west=5/2");
	assert_int_equal(vt->commit(ud), BO_OK);

	lc_stock_walk(vt, ud, "bolt", buf, sizeof(buf));
	assert_string_equal(buf, "East=7/0,shop=0/3,west=5/2");
	lc_stock_walk(vt, ud, "bol", buf, sizeof(buf));
	assert_string_equal(buf, "zzz=9223372036854775807/9223372036854775807");
	lc_stock_walk(vt, ud, "nothing", buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* an item whose SKU is a prefix of others ("bol"), one that has
	 * another as a prefix ("bolt-2"): only their own records */
	lc_stock_walk(vt, ud, "bolt-2", buf, sizeof(buf));
	assert_string_equal(buf, "aaa=1/1");
	lc_stock_walk(vt, ud, "bo", buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* replaced; one figure 0 keeps the row; both 0 delete it */
	assert_int_equal(vt->begin(ud), BO_OK);
	r = lc_stock("bolt", "west", 0, 0);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bolt", "East", 0, 4);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bolt", "shop", 9, 0);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	lc_stock_walk(vt, ud, "bolt", buf, sizeof(buf));
	assert_string_equal(buf, "East=0/4,shop=9/0");
	r = lc_stock("bolt", "west", 0, 0); /* deleted twice: nothing to do */
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("bolt", "west", 1, 0); /* and back */
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);
	lc_stock_walk(vt, ud, "bolt", buf, sizeof(buf));
	assert_string_equal(buf, "East=0/4,shop=9/0,west=1/0");
	lc_stock_walk(vt, ud, "bolt-2", buf, sizeof(buf));
	assert_string_equal(buf, "aaa=1/1");
}

/* Line allocations: keyed by (order, index, location), deleted at qty 0. */
static void loc_check_lalloc(const bo_storage *vt, void *ud)
{
	char buf[512];
	bo_lalloc_rec r;
	assert_int_equal(vt->begin(ud), BO_OK);
	r = lc_lalloc("A", 0, "west", 2);
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	r = lc_lalloc("A", 0, "East", 1);
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	r = lc_lalloc("A", 1, "west", 5);
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	r = lc_lalloc("A", UINT32_MAX, "west", INT64_MAX);
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	r = lc_lalloc("AB", 0, "aaa", 3);
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	r = lc_lalloc("A", 0, "zzz", 0); /* absent and zero: nothing */
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);
	lc_lalloc_walk(vt, ud, "A", 0, buf, sizeof(buf));
	assert_string_equal(buf, "East=1,west=2");
	lc_lalloc_walk(vt, ud, "A", 1, buf, sizeof(buf));
	assert_string_equal(buf, "west=5");
	lc_lalloc_walk(vt, ud, "A", UINT32_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "west=9223372036854775807");
	lc_lalloc_walk(vt, ud, "A", 2, buf, sizeof(buf));
	assert_string_equal(buf, "");
	lc_lalloc_walk(vt, ud, "AB", 0, buf, sizeof(buf));
	assert_string_equal(buf, "aaa=3");
	lc_lalloc_walk(vt, ud, "AB", 1, buf, sizeof(buf));
	assert_string_equal(buf, "");
	lc_lalloc_walk(vt, ud, "", 0, buf, sizeof(buf));
	assert_string_equal(buf, "");

	assert_int_equal(vt->begin(ud), BO_OK);
	r = lc_lalloc("A", 0, "East", 0);
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	r = lc_lalloc("A", 0, "west", 7);
	assert_int_equal(vt->lalloc_put(ud, &r), BO_OK);
	lc_lalloc_walk(vt, ud, "A", 0, buf, sizeof(buf));
	assert_string_equal(buf, "west=7");
	assert_int_equal(vt->commit(ud), BO_OK);
	lc_lalloc_walk(vt, ud, "A", 0, buf, sizeof(buf));
	assert_string_equal(buf, "west=7");
	lc_lalloc_walk(vt, ud, "A", 1, buf, sizeof(buf));
	assert_string_equal(buf, "west=5");
}

/* The version 3 fields of items, supply and events go in and come back. */
static void loc_check_fields(const bo_storage *vt, void *ud)
{
	bo_item_rec it, out;
	bo_supply_rec sp, sout;
	bo_event_rec ev, eout;
	memset(&it, 0, sizeof(it));
	strcpy(it.sku, "bolt");
	strcpy(it.policy, "fifo");
	it.on_hand = 9;
	it.located = 3;
	memset(&sp, 0, sizeof(sp));
	strcpy(sp.sku, "bolt");
	strcpy(sp.id, "po-1");
	sp.qty = 4;
	sp.expected = 1000;
	strcpy(sp.location, "west");
	memset(&ev, 0, sizeof(ev));
	ev.seq = 1;
	ev.kind = BO_EVENT_ALLOCATED;
	strcpy(ev.order_id, "A");
	strcpy(ev.sku, "bolt");
	ev.qty = 2;
	ev.eta = BO_NO_TIME;
	ev.time = 5;
	strcpy(ev.location, "west");

	assert_int_equal(vt->begin(ud), BO_OK);
	/* event numbers as the core takes them (an adapter with seq_take
	 * delivers only numbers it gave out) */
	if (vt->seq_take) {
		uint64_t seqs[2];
		assert_int_equal(vt->seq_take(ud, BO_SEQ_EVENT, 2, seqs), BO_OK);
		assert_true(seqs[0] == 1 && seqs[1] == 2);
	}
	assert_int_equal(vt->item_put(ud, &it), BO_OK);
	assert_int_equal(vt->supply_put(ud, &sp), BO_OK);
	strcpy(sp.id, "po-2");
	memset(sp.location, 0, sizeof(sp.location));
	sp.expected = 2000;
	assert_int_equal(vt->supply_put(ud, &sp), BO_OK);
	assert_int_equal(vt->outbox_append(ud, &ev), BO_OK);
	ev.seq = 2;
	memset(ev.location, 0, sizeof(ev.location));
	assert_int_equal(vt->outbox_append(ud, &ev), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);

	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(vt->item_get(ud, "bolt", &out, 0), BO_OK);
	assert_memory_equal(&it, &out, sizeof(it));
	/* an update keeps the count too (the path that rewrites a known row) */
	assert_int_equal(vt->begin(ud), BO_OK);
	assert_int_equal(vt->item_get(ud, "bolt", &out, 1), BO_OK);
	assert_int_equal(out.located, 3);
	it.located = 0;
	assert_int_equal(vt->item_put(ud, &it), BO_OK);
	assert_int_equal(vt->item_get(ud, "bolt", &out, 1), BO_OK);
	assert_int_equal(out.located, 0);
	it.located = 7;
	assert_int_equal(vt->item_put(ud, &it), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);
	assert_int_equal(vt->item_get(ud, "bolt", &out, 0), BO_OK);
	assert_memory_equal(&it, &out, sizeof(it));
	assert_int_equal(vt->item_next(ud, NULL, &out), BO_OK);
	assert_int_equal(out.located, 7);

	memset(&sout, 0x5a, sizeof(sout));
	assert_int_equal(vt->supply_get(ud, "bolt", "po-1", &sout), BO_OK);
	assert_string_equal(sout.location, "west");
	assert_int_equal(vt->supply_next(ud, "bolt", NULL, &sout), BO_OK);
	assert_string_equal(sout.id, "po-1");
	assert_string_equal(sout.location, "west");
	assert_int_equal(vt->supply_next(ud, "bolt", &sout, &sout), BO_OK);
	assert_string_equal(sout.id, "po-2");
	assert_string_equal(sout.location, "");
	assert_memory_equal(&sp, &sout, sizeof(sp));

	memset(&eout, 0x5a, sizeof(eout));
	assert_int_equal(vt->outbox_next(ud, 0, &eout), BO_OK);
	assert_true(eout.seq == 1);
	assert_string_equal(eout.location, "west");
	assert_int_equal(vt->outbox_next(ud, 1, &eout), BO_OK);
	assert_memory_equal(&ev, &eout, sizeof(ev));
}

/* A rollback, and a savepoint's rollback_to, leave no trace; a released
 * savepoint keeps its writes; deletes are undone too. */
static void loc_check_rollback(const bo_storage *vt, void *ud)
{
	bo_stock_rec r;
	bo_lalloc_rec a;
	assert_int_equal(vt->begin(ud), BO_OK);
	lc_write(vt, ud, 1);
	assert_int_equal(vt->commit(ud), BO_OK);
	lc_expect(vt, ud, 1, 1);

	/* rollback: new records and the deletes of old ones undone */
	assert_int_equal(vt->begin(ud), BO_OK);
	lc_write(vt, ud, 2);
	r = lc_stock("sku-1", "wh-1", 0, 0);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	a = lc_lalloc("ord-1", 1, "wh-1", 0);
	assert_int_equal(vt->lalloc_put(ud, &a), BO_OK);
	lc_expect(vt, ud, 2, 1);
	assert_int_equal(vt->rollback(ud), BO_OK);
	lc_expect(vt, ud, 2, 0);
	lc_expect(vt, ud, 1, 1);

	/* a savepoint rolled back; one released; the transaction commits */
	assert_int_equal(vt->begin(ud), BO_OK);
	lc_write(vt, ud, 3);
	assert_int_equal(vt->savepoint(ud), BO_OK);
	lc_write(vt, ud, 4);
	r = lc_stock("sku-3", "wh-3", 0, 0);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	r = lc_stock("sku-1", "wh-1", 99, 98);
	assert_int_equal(vt->stock_put(ud, &r), BO_OK);
	a = lc_lalloc("ord-1", 1, "wh-1", 0);
	assert_int_equal(vt->lalloc_put(ud, &a), BO_OK);
	assert_int_equal(vt->rollback_to(ud), BO_OK);
	lc_expect(vt, ud, 4, 0);
	lc_expect(vt, ud, 3, 1);
	lc_expect(vt, ud, 1, 1);
	assert_int_equal(vt->savepoint(ud), BO_OK);
	lc_write(vt, ud, 5);
	assert_int_equal(vt->release(ud), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);
	lc_expect(vt, ud, 1, 1);
	lc_expect(vt, ud, 2, 0);
	lc_expect(vt, ud, 3, 1);
	lc_expect(vt, ud, 4, 0);
	lc_expect(vt, ud, 5, 1);
}

/* The lists' bound: `max` fewer than the records is an error (with a
 * message), never a short list; exactly as many is enough; none is *n = 0
 * and BO_OK, for any `max` (0 too, with no array). Outside transactions. */
static void loc_check_list_max(const bo_storage *vt, void *ud)
{
	bo_stock_rec sr[4];
	bo_lalloc_rec lr[4];
	bo_stock_rec s;
	bo_lalloc_rec a;
	size_t n;
	const char *locs[] = { "c", "a", "b" };
	char buf[256];

	/* none */
	n = 99;
	assert_int_equal(vt->stock_list(ud, "bolt", sr, 4, &n), BO_OK);
	assert_true(n == 0);
	n = 99;
	assert_int_equal(vt->stock_list(ud, "bolt", NULL, 0, &n), BO_OK);
	assert_true(n == 0);
	n = 99;
	assert_int_equal(vt->lalloc_list(ud, "A", 0, lr, 4, &n), BO_OK);
	assert_true(n == 0);
	n = 99;
	assert_int_equal(vt->lalloc_list(ud, "A", 0, NULL, 0, &n), BO_OK);
	assert_true(n == 0);

	assert_int_equal(vt->begin(ud), BO_OK);
	for (size_t i = 0; i < 3; i++) {
		s = lc_stock("bolt", locs[i], (int64_t)i + 1, 0);
		assert_int_equal(vt->stock_put(ud, &s), BO_OK);
		a = lc_lalloc("A", 0, locs[i], (int64_t)i + 1);
		assert_int_equal(vt->lalloc_put(ud, &a), BO_OK);
	}
	s = lc_stock("bolt-2", "z", 1, 0);
	assert_int_equal(vt->stock_put(ud, &s), BO_OK);
	a = lc_lalloc("A1", 0, "z", 1);
	assert_int_equal(vt->lalloc_put(ud, &a), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);

	/* too small: BO_ESTORAGE and a message, however short of room */
	for (size_t max = 0; max < 3; max++) {
		bo_stock_rec sg[4];
		bo_lalloc_rec lg[4];
		memset(sg, LC_GUARD, sizeof(sg));
		n = 99;
		assert_int_equal(vt->stock_list(ud, "bolt", sg, max, &n), BO_ESTORAGE);
		assert_non_null(strstr(bo_last_error(), "stock_list"));
		assert_true(lc_untouched(&sg[max], sizeof(sg) - max * sizeof(sg[0])));
		memset(lg, LC_GUARD, sizeof(lg));
		n = 99;
		assert_int_equal(vt->lalloc_list(ud, "A", 0, lg, max, &n), BO_ESTORAGE);
		assert_non_null(strstr(bo_last_error(), "lalloc_list"));
		assert_true(lc_untouched(&lg[max], sizeof(lg) - max * sizeof(lg[0])));
	}
	/* the store still answers, and exactly enough room is enough */
	n = 0;
	assert_int_equal(vt->stock_list(ud, "bolt", sr, 3, &n), BO_OK);
	assert_true(n == 3);
	assert_string_equal(sr[0].location, "a");
	assert_string_equal(sr[2].location, "c");
	assert_int_equal(sr[2].on_hand, 1);
	n = 0;
	assert_int_equal(vt->lalloc_list(ud, "A", 0, lr, 3, &n), BO_OK);
	assert_true(n == 3);
	assert_string_equal(lr[1].location, "b");
	assert_int_equal(lr[1].qty, 3);
	/* other items and lines are not counted in */
	n = 0;
	assert_int_equal(vt->stock_list(ud, "bolt-2", sr, 1, &n), BO_OK);
	assert_true(n == 1);
	n = 99;
	assert_int_equal(vt->lalloc_list(ud, "A", 1, NULL, 0, &n), BO_OK);
	assert_true(n == 0);
	lc_lalloc_walk(vt, ud, "A1", 0, buf, sizeof(buf));
	assert_string_equal(buf, "z=1");
	/* a write after a refused list goes through */
	assert_int_equal(vt->stock_list(ud, "bolt", sr, 1, &n), BO_ESTORAGE);
	assert_int_equal(vt->begin(ud), BO_OK);
	s = lc_stock("bolt", "b", 0, 0);
	assert_int_equal(vt->stock_put(ud, &s), BO_OK);
	a = lc_lalloc("A", 0, "b", 0);
	assert_int_equal(vt->lalloc_put(ud, &a), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);
	lc_stock_walk(vt, ud, "bolt", buf, sizeof(buf));
	assert_string_equal(buf, "a=2/0,c=1/0");
	lc_lalloc_walk(vt, ud, "A", 0, buf, sizeof(buf));
	assert_string_equal(buf, "a=2,c=1");
}

#endif
