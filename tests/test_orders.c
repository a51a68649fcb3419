/* Orders: place (partial, deny, idempotent), cancel, modify, ship, queries. */
#include "failing_storage.h"
#include "helpers.h"
#include "snapshot.h"

#include <backorder/memory.h>

#include <stdlib.h>
#include <string.h>

typedef th_fixture fixture;

static char *snap(bo_inventory *inv)
{
	char *s = NULL;

	assert_ok(snapshot_take(&s, inv));
	return s;
}

#define assert_unchanged(inv, before) do { \
	char *after_ = snap(inv); \
	assert_string_equal(after_, before); \
	free(after_); \
} while (0)

static void line_ids(bo_inventory *inv, const char *order, const char *sku,
		     int64_t ordered, int64_t allocated, int64_t backordered,
		     int64_t shipped, int64_t cancelled)
{
	bo_line_status l = th_line(inv, order, sku);

	assert_i64(l.ordered, ordered);
	assert_i64(l.allocated, allocated);
	assert_i64(l.backordered, backordered);
	assert_i64(l.shipped, shipped);
	assert_i64(l.cancelled, cancelled);
	assert_i64(l.ordered, l.allocated + l.backordered + l.shipped + l.cancelled);
}

static void test_place_partial_backorder(void **state)
{
	fixture *f = *state;
	bo_item_status st;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 3, NULL));
	assert_ok(th_place(f->inv, "o1", "a", 5, 0, BO_NO_TIME));
	line_ids(f->inv, "o1", "a", 5, 3, 2, 0, 0);
	st = th_status(f->inv, "a");
	assert_i64(st.on_hand, 3);
	assert_i64(st.allocated, 3);
	assert_i64(st.available, 0);
	assert_i64(st.backordered, 2);
	/* a later order waits behind, even for stock arriving after it */
	f->clk.now += 10;
	assert_ok(th_place(f->inv, "o2", "a", 2, 0, BO_NO_TIME));
	assert_ok(bo_item_receive(f->inv, "a", 3, NULL));
	line_ids(f->inv, "o1", "a", 5, 5, 0, 0, 0);
	line_ids(f->inv, "o2", "a", 2, 1, 1, 0, 0);
	assert_invariants(f->inv);
}

static void test_place_multi_line_all_or_nothing(void **state)
{
	fixture *f = *state;
	bo_line_spec l[3] = {
		{ "a", 2, BO_NO_PRICE }, { "d", 2, 100 }, { "b", 1, BO_NO_PRICE },
	};
	bo_order *o = NULL;
	char *before;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_set(f->inv, "b", NULL));
	th_item(f->inv, "d", NULL, BO_BACKORDER_DENY);
	assert_ok(bo_item_receive(f->inv, "a", 10, NULL));
	assert_ok(bo_item_receive(f->inv, "d", 1, NULL));
	before = snap(f->inv);
	th_recorder_clear(&f->rec);
	assert_rc(bo_order_place(f->inv, "o", NULL, l, 3), BO_EOUTOFSTOCK);
	assert_has_error();
	assert_unchanged(f->inv, before);
	assert_int_equal(f->rec.n, 0);
	assert_rc(bo_order_get(&o, f->inv, "o"), BO_ENOTFOUND);
	assert_null(o);
	/* the same SKU twice in one order */
	l[1].sku = "a";
	assert_rc(bo_order_place(f->inv, "o", NULL, l, 3), BO_EINVALID);
	assert_unchanged(f->inv, before);
	/* an unknown SKU */
	l[1].sku = "zz";
	assert_rc(bo_order_place(f->inv, "o", NULL, l, 3), BO_ENOTFOUND);
	assert_unchanged(f->inv, before);
	free(before);
	l[1].sku = "d";
	l[1].qty = 1;
	assert_ok(bo_order_place(f->inv, "o", NULL, l, 3));
	line_ids(f->inv, "o", "a", 2, 2, 0, 0, 0);
	line_ids(f->inv, "o", "d", 1, 1, 0, 0, 0);
	line_ids(f->inv, "o", "b", 1, 0, 1, 0, 0);
	assert_invariants(f->inv);
}

static void test_place_idempotent(void **state)
{
	fixture *f = *state;
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	bo_line_spec l[2] = { { "a", 2, 500 }, { "b", 3, BO_NO_PRICE } };
	char *before;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_set(f->inv, "b", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 1, NULL));
	oo.priority = 3;
	oo.due = T0 + DAY;
	oo.ship_mode = BO_SHIP_COMPLETE;
	assert_ok(bo_order_place(f->inv, "o", &oo, l, 2));
	before = snap(f->inv);
	f->clk.now += 60;
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_place(f->inv, "o", &oo, l, 2)); /* a retry */
	assert_int_equal(f->rec.n, 0);
	{
		/* only the clock may have moved */
		char *after = snap(f->inv);
		assert_string_equal(strchr(after, '\n'), strchr(before, '\n'));
		free(after);
	}
	l[1].qty = 4;
	assert_rc(bo_order_place(f->inv, "o", &oo, l, 2), BO_EEXISTS);
	assert_has_error();
	l[1].qty = 3;
	l[0].unit_price = 499;
	assert_rc(bo_order_place(f->inv, "o", &oo, l, 2), BO_EEXISTS);
	l[0].unit_price = 500;
	oo.priority = 4;
	assert_rc(bo_order_place(f->inv, "o", &oo, l, 2), BO_EEXISTS);
	oo.priority = 3;
	oo.due = BO_NO_TIME;
	assert_rc(bo_order_place(f->inv, "o", &oo, l, 2), BO_EEXISTS);
	oo.due = T0 + DAY;
	oo.ship_mode = BO_SHIP_PARTIAL;
	assert_rc(bo_order_place(f->inv, "o", &oo, l, 2), BO_EEXISTS);
	oo.ship_mode = BO_SHIP_COMPLETE;
	assert_rc(bo_order_place(f->inv, "o", &oo, l, 1), BO_EEXISTS);
	{
		bo_line_spec r[2] = { l[1], l[0] }; /* other line order */
		assert_rc(bo_order_place(f->inv, "o", &oo, r, 2), BO_EEXISTS);
	}
	/* after a modify, the original request is still a retry */
	assert_ok(bo_order_modify(f->inv, "o", "b", 1));
	assert_ok(bo_order_place(f->inv, "o", &oo, l, 2));
	line_ids(f->inv, "o", "b", 1, 0, 1, 0, 0);
	free(before);
	assert_invariants(f->inv);
}

static void test_cancel(void **state)
{
	fixture *f = *state;
	char *before;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_set(f->inv, "b", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 3, NULL));
	assert_ok(th_place(f->inv, "o1", "a", 5, 0, BO_NO_TIME)); /* 3 alloc, 2 wait */
	f->clk.now += 1;
	assert_ok(th_place(f->inv, "o2", "a", 2, 0, BO_NO_TIME)); /* 2 wait */
	/* waiting units first, then allocated; the freed unit goes to o2 */
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_cancel(f->inv, "o1", "a", 3));
	line_ids(f->inv, "o1", "a", 5, 2, 0, 0, 3);
	line_ids(f->inv, "o2", "a", 2, 1, 1, 0, 0);
	assert_i64(th_sum_qty(&f->rec, BO_EVENT_CANCELLED, "o1", "a"), 3);
	assert_i64(th_sum_qty(&f->rec, BO_EVENT_ALLOCATED, "o2", "a"), 1);
	assert_invariants(f->inv);

	before = snap(f->inv);
	assert_rc(bo_order_cancel(f->inv, "o1", "a", 3), BO_EINVALID); /* 2 left */
	assert_rc(bo_order_cancel(f->inv, "o1", "b", 1), BO_ENOTFOUND); /* no such line */
	assert_rc(bo_order_cancel(f->inv, "nosuch", NULL, BO_ALL), BO_ENOTFOUND);
	assert_rc(bo_order_cancel(f->inv, "o1", NULL, 1), BO_EINVALID);
	assert_rc(bo_order_cancel(f->inv, "o1", "a", 0), BO_EINVALID);
	assert_unchanged(f->inv, before);
	free(before);

	/* the whole order; then there is nothing left */
	assert_ok(bo_order_cancel(f->inv, "o1", NULL, BO_ALL));
	line_ids(f->inv, "o1", "a", 5, 0, 0, 0, 5);
	line_ids(f->inv, "o2", "a", 2, 2, 0, 0, 0);
	assert_rc(bo_order_cancel(f->inv, "o1", NULL, BO_ALL), BO_ESTATE);
	assert_rc(bo_order_cancel(f->inv, "o1", "a", BO_ALL), BO_ESTATE);
	assert_has_error();
	/* shipped units cannot be cancelled */
	assert_ok(bo_order_ship(f->inv, "o2", NULL, BO_ALL));
	assert_rc(bo_order_cancel(f->inv, "o2", NULL, BO_ALL), BO_ESTATE);
	assert_invariants(f->inv);
}

static void test_modify(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	char *before, *q;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 3, NULL));
	assert_ok(th_place(f->inv, "o1", "a", 5, 0, BO_NO_TIME)); /* 3 alloc, 2 wait */
	f->clk.now += 10;
	assert_ok(th_place(f->inv, "o2", "a", 2, 0, BO_NO_TIME));
	f->clk.now += 10;
	assert_ok(th_place(f->inv, "o3", "a", 1, 0, BO_NO_TIME));

	/* down: waiting first, then allocated; freed stock to the next in line */
	assert_ok(bo_order_modify(f->inv, "o1", "a", 2));
	line_ids(f->inv, "o1", "a", 2, 2, 0, 0, 0);
	line_ids(f->inv, "o2", "a", 2, 1, 1, 0, 0);
	assert_i64(th_status(f->inv, "a").cancelled, 0);
	assert_invariants(f->inv);

	/* to the same quantity: nothing changes */
	before = snap(f->inv);
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_modify(f->inv, "o1", "a", 2));
	assert_unchanged(f->inv, before);
	assert_int_equal(f->rec.n, 0);
	free(before);

	/* up: the added units wait at the back of the queue */
	f->clk.now += 10;
	assert_ok(bo_order_modify(f->inv, "o1", "a", 4));
	line_ids(f->inv, "o1", "a", 4, 2, 2, 0, 0);
	assert_i64(th_line(f->inv, "o1", "a").queue_time, f->clk.now);
	q = th_queue(f->inv, "a");
	assert_string_equal(q, "o2 o3 o1");
	free(q);
	assert_ok(bo_item_receive(f->inv, "a", 2, NULL));
	line_ids(f->inv, "o2", "a", 2, 2, 0, 0, 0);
	line_ids(f->inv, "o3", "a", 1, 1, 0, 0, 0);
	line_ids(f->inv, "o1", "a", 4, 2, 2, 0, 0);
	assert_invariants(f->inv);

	/* not below shipped + cancelled */
	assert_ok(bo_order_ship(f->inv, "o1", "a", 1));
	assert_ok(bo_order_cancel(f->inv, "o1", "a", 1));
	before = snap(f->inv);
	assert_rc(bo_order_modify(f->inv, "o1", "a", 1), BO_EINVALID);
	assert_rc(bo_order_modify(f->inv, "o1", "a", 0), BO_EINVALID);
	assert_rc(bo_order_modify(f->inv, "o1", "zz", 3), BO_ENOTFOUND);
	assert_rc(bo_order_modify(f->inv, "nosuch", "a", 3), BO_ENOTFOUND);
	assert_unchanged(f->inv, before);
	free(before);
	assert_ok(bo_order_modify(f->inv, "o1", "a", 2));
	line_ids(f->inv, "o1", "a", 2, 0, 0, 1, 1);
	assert_invariants(f->inv);

	/* up under deny and max_backorder */
	th_item(f->inv, "d", NULL, BO_BACKORDER_DENY);
	assert_ok(bo_item_receive(f->inv, "d", 2, NULL));
	assert_ok(th_place(f->inv, "od", "d", 1, 0, BO_NO_TIME));
	assert_ok(bo_order_modify(f->inv, "od", "d", 2)); /* free stock takes it */
	line_ids(f->inv, "od", "d", 2, 2, 0, 0, 0);
	assert_rc(bo_order_modify(f->inv, "od", "d", 3), BO_EOUTOFSTOCK);
	line_ids(f->inv, "od", "d", 2, 2, 0, 0, 0);
	s.fields = BO_ITEM_MAX_BACKORDER;
	s.max_backorder = 3;
	assert_ok(bo_item_set(f->inv, "m", &s));
	assert_ok(th_place(f->inv, "om", "m", 2, 0, BO_NO_TIME));
	assert_rc(bo_order_modify(f->inv, "om", "m", 4), BO_EOUTOFSTOCK);
	assert_ok(bo_order_modify(f->inv, "om", "m", 3));
	assert_invariants(f->inv);
}

static void test_ship(void **state)
{
	fixture *f = *state;
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	bo_line_spec l[2] = { { "a", 2, BO_NO_PRICE }, { "b", 2, BO_NO_PRICE } };
	char *before;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_set(f->inv, "b", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 10, NULL));
	assert_ok(bo_item_receive(f->inv, "b", 1, NULL));

	/* partial: ship what is allocated */
	assert_ok(bo_order_place(f->inv, "p", &oo, l, 2));
	assert_ok(bo_order_ship(f->inv, "p", "a", 1));
	line_ids(f->inv, "p", "a", 2, 1, 0, 1, 0);
	assert_i64(th_status(f->inv, "a").on_hand, 9);
	before = snap(f->inv);
	assert_rc(bo_order_ship(f->inv, "p", "a", 2), BO_ESTATE); /* only 1 allocated */
	assert_has_error();
	assert_rc(bo_order_ship(f->inv, "p", NULL, 1), BO_EINVALID);
	assert_rc(bo_order_ship(f->inv, "p", "zz", BO_ALL), BO_ENOTFOUND);
	assert_unchanged(f->inv, before);
	free(before);
	assert_ok(bo_order_ship(f->inv, "p", NULL, BO_ALL));
	line_ids(f->inv, "p", "a", 2, 0, 0, 2, 0);
	line_ids(f->inv, "p", "b", 2, 0, 1, 1, 0);
	assert_rc(bo_order_ship(f->inv, "p", NULL, BO_ALL), BO_ESTATE); /* nothing allocated */
	assert_rc(bo_order_ship(f->inv, "p", "b", BO_ALL), BO_ESTATE);

	/* complete: only when every line is fully allocated */
	oo.ship_mode = BO_SHIP_COMPLETE;
	assert_ok(bo_order_place(f->inv, "c", &oo, l, 2));
	line_ids(f->inv, "c", "a", 2, 2, 0, 0, 0);
	line_ids(f->inv, "c", "b", 2, 0, 2, 0, 0);
	assert_rc(bo_order_ship(f->inv, "c", NULL, BO_ALL), BO_ESTATE);
	assert_rc(bo_order_ship(f->inv, "c", "a", BO_ALL), BO_ESTATE);
	assert_rc(bo_order_ship(f->inv, "c", "a", 1), BO_ESTATE);
	line_ids(f->inv, "c", "a", 2, 2, 0, 0, 0);
	assert_ok(bo_item_receive(f->inv, "b", 3, NULL)); /* p's b first, then c */
	line_ids(f->inv, "p", "b", 2, 1, 0, 1, 0);
	line_ids(f->inv, "c", "b", 2, 2, 0, 0, 0);
	assert_ok(bo_order_ship(f->inv, "c", NULL, BO_ALL));
	line_ids(f->inv, "c", "a", 2, 0, 0, 2, 0);
	line_ids(f->inv, "c", "b", 2, 0, 0, 2, 0);
	assert_i64(th_status(f->inv, "b").on_hand, 1);
	assert_i64(th_status(f->inv, "b").shipped, 3);
	assert_invariants(f->inv);
}

static void test_ship_skips_unreleased(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	bo_line_spec l[2] = { { "a", 2, BO_NO_PRICE }, { "pre", 1, BO_NO_PRICE } };

	assert_ok(bo_item_set(f->inv, "a", NULL));
	s.fields = BO_ITEM_RELEASE_AT | BO_ITEM_PREORDER_MAX;
	s.release_at = T0 + DAY;
	s.preorder_max = 3;
	assert_ok(bo_item_set(f->inv, "pre", &s));
	assert_ok(bo_item_receive(f->inv, "a", 10, NULL));
	assert_ok(bo_item_receive(f->inv, "pre", 10, NULL));
	/* partial: a whole-order ship skips the unreleased line */
	assert_ok(bo_order_place(f->inv, "p", &oo, l, 2));
	line_ids(f->inv, "p", "pre", 1, 1, 0, 0, 0);
	assert_ok(bo_order_ship(f->inv, "p", NULL, BO_ALL));
	line_ids(f->inv, "p", "a", 2, 0, 0, 2, 0);
	line_ids(f->inv, "p", "pre", 1, 1, 0, 0, 0);
	assert_rc(bo_order_ship(f->inv, "p", NULL, BO_ALL), BO_ESTATE); /* only unreleased left */
	/* complete: a line of an unreleased item blocks the order */
	oo.ship_mode = BO_SHIP_COMPLETE;
	assert_ok(bo_order_place(f->inv, "c", &oo, l, 2));
	assert_rc(bo_order_ship(f->inv, "c", NULL, BO_ALL), BO_ESTATE);
	assert_rc(bo_order_ship(f->inv, "c", "a", BO_ALL), BO_ESTATE);
	/* the preorder cap also holds for modify up */
	assert_rc(bo_order_modify(f->inv, "c", "pre", 3), BO_EOUTOFSTOCK); /* 1 + 3 > 3 */
	assert_ok(bo_order_modify(f->inv, "c", "pre", 2));
	f->clk.now = T0 + DAY;
	assert_ok(bo_order_ship(f->inv, "c", NULL, BO_ALL));
	line_ids(f->inv, "c", "a", 2, 0, 0, 2, 0);
	line_ids(f->inv, "c", "pre", 2, 0, 0, 2, 0);
	assert_ok(bo_order_ship(f->inv, "p", NULL, BO_ALL));
	line_ids(f->inv, "p", "pre", 1, 0, 0, 1, 0);
	assert_i64(th_status(f->inv, "pre").on_hand, 7);
}

static void test_cancelled_order_retry_and_state(void **state)
{
	fixture *f = *state;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(th_place(f->inv, "o", "a", 3, 0, BO_NO_TIME));
	assert_ok(bo_order_cancel(f->inv, "o", NULL, BO_ALL));
	line_ids(f->inv, "o", "a", 3, 0, 0, 0, 3);
	/* a retry of the original request is still recognised */
	assert_ok(th_place(f->inv, "o", "a", 3, 0, BO_NO_TIME));
	line_ids(f->inv, "o", "a", 3, 0, 0, 0, 3);
	assert_i64(th_status(f->inv, "a").backordered, 0);
	assert_i64(th_status(f->inv, "a").waiting_lines, 0);
	/* a cancelled line can be modified back up: it waits again */
	assert_ok(bo_order_modify(f->inv, "o", "a", 5));
	line_ids(f->inv, "o", "a", 5, 0, 2, 0, 3);
	assert_ok(bo_item_receive(f->inv, "a", 2, NULL));
	line_ids(f->inv, "o", "a", 5, 2, 0, 0, 3);
}

static void test_order_get(void **state)
{
	fixture *f = *state;
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	bo_line_spec l[2] = { { "b", 2, 1999 }, { "a", 1, BO_NO_PRICE } };
	bo_order *o = NULL;
	bo_line_status ls;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_set(f->inv, "b", NULL));
	oo.priority = -7;
	oo.due = T0 + 3 * DAY;
	oo.ship_mode = BO_SHIP_COMPLETE;
	f->clk.now = T0 + 123;
	assert_ok(bo_order_place(f->inv, "order-1", &oo, l, 2));
	assert_ok(bo_order_get(&o, f->inv, "order-1"));
	assert_string_equal(bo_order_id(o), "order-1");
	assert_i64(bo_order_priority(o), -7);
	assert_i64(bo_order_due(o), T0 + 3 * DAY);
	assert_i64(bo_order_created(o), T0 + 123);
	assert_int_equal(bo_order_ship_mode(o), BO_SHIP_COMPLETE);
	assert_int_equal(bo_order_line_count(o), 2);
	assert_ok(bo_order_line(&ls, o, 0));
	assert_string_equal(ls.sku, "b");
	assert_i64(ls.unit_price, 1999);
	assert_i64(ls.queue_time, T0 + 123);
	assert_ok(bo_order_line(&ls, o, 1));
	assert_string_equal(ls.sku, "a");
	assert_i64(ls.unit_price, BO_NO_PRICE);
	assert_rc(bo_order_line(&ls, o, 2), BO_EINVALID);
	assert_rc(bo_order_line(NULL, o, 0), BO_EINVALID);
	assert_rc(bo_order_line(&ls, NULL, 0), BO_EINVALID);
	bo_order_free(o);
	/* defaults */
	assert_ok(th_place(f->inv, "order-2", "a", 1, 0, BO_NO_TIME));
	assert_ok(bo_order_get(&o, f->inv, "order-2"));
	assert_i64(bo_order_priority(o), 0);
	assert_i64(bo_order_due(o), BO_NO_TIME);
	assert_int_equal(bo_order_ship_mode(o), BO_SHIP_PARTIAL);
	bo_order_free(o);
	/* NULL accessors */
	assert_int_equal(bo_order_line_count(NULL), 0);
	assert_i64(bo_order_priority(NULL), 0);
	bo_order_free(NULL);
}

static int order_collect(void *ud, const bo_order *o)
{
	char *buf = ud;

	strcat(buf, bo_order_id(o));
	strcat(buf, ",");
	return strcmp(bo_order_id(o), "stop") == 0 ? 7 : 0;
}

/* The first n item look-ups of the last call were of n SKUs, in SKU
 * order (the lock order that keeps writers on one store out of a cycle). */
static void assert_locked_in_order(const failing_storage *fs, size_t n)
{
	assert_true(fs->ngets >= n);
	for (size_t i = 1; i < n; i++)
		if (strcmp(fs->gets[i - 1], fs->gets[i]) >= 0) {
			print_error("look-up %zu '%s' before look-up %zu '%s'\n", i - 1, fs->gets[i - 1], i, fs->gets[i]);
			fail();
		}
}

/* A call on an order of several lines loads (and so locks) their items in
 * SKU order, whatever the order of the lines: the placement, and a cancel
 * or ship of the whole order. A few lines (sorted without qsort, read
 * without an allocation) and many. */
static void test_items_locked_in_sku_order(void **state)
{
	static const size_t sizes[] = { 2, 3, 4, 7, 9, 12 }; /* (prime to the stride 5) */
	const bo_storage *vt;
	void *ud;
	failing_storage *fs;
	th_clock clk = { 1767225600 };
	bo_inventory *inv;
	char skus[12][8], order[16];

	(void)state;
	assert_ok(bo_memory_storage(&vt, &ud));
	assert_ok(failing_storage_new(&fs, vt, ud));
	inv = th_open_with(&fs->vt, fs, &clk, NULL, 0);
	for (size_t i = 0; i < 12; i++) {
		snprintf(skus[i], sizeof(skus[i]), "L%02zu", i);
		th_item(inv, skus[i], NULL, BO_BACKORDER_ALLOW);
		assert_ok(bo_item_receive(inv, skus[i], 5, NULL));
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		bo_line_spec lines[12];
		for (size_t i = 0; i < n; i++) { /* descending, then a stride: never sorted */
			lines[i].sku = skus[(n - 1 - i) * 5 % n];
			lines[i].qty = 1;
			lines[i].unit_price = BO_NO_PRICE;
		}
		snprintf(order, sizeof(order), "lock-%zu", n);
		fs->ngets = 0;
		assert_ok(bo_order_place(inv, order, NULL, lines, n));
		assert_locked_in_order(fs, n);
		fs->ngets = 0;
		assert_ok(s % 2 ? bo_order_ship(inv, order, NULL, BO_ALL) : bo_order_cancel(inv, order, NULL, BO_ALL));
		assert_locked_in_order(fs, n);
	}
	th_close(inv);
}

static void test_order_foreach(void **state)
{
	fixture *f = *state;
	char buf[256] = "";

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(th_place(f->inv, "b", "a", 1, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "B", "a", 1, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "a2", "a", 1, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "a10", "a", 1, 0, BO_NO_TIME));
	assert_ok(bo_order_foreach(f->inv, order_collect, buf));
	assert_string_equal(buf, "B,a10,a2,b,");
	assert_ok(th_place(f->inv, "stop", "a", 1, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "zzz", "a", 1, 0, BO_NO_TIME));
	buf[0] = '\0';
	assert_int_equal(bo_order_foreach(f->inv, order_collect, buf), 7);
	assert_string_equal(buf, "B,a10,a2,b,stop,");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_place_partial_backorder, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_place_multi_line_all_or_nothing, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_place_idempotent, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cancel, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_modify, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ship, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ship_skips_unreleased, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cancelled_order_retry_and_state, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_order_get, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_order_foreach, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test(test_items_locked_in_sku_order),
	};
	return cmocka_run_group_tests_name("orders", tests, NULL, NULL);
}
