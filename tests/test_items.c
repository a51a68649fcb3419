/* Items: settings, stock, supply, preorders, subscriptions, insight. */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef th_fixture fixture;

static void test_defaults(void **state)
{
	fixture *f = *state;
	bo_item_status st;

	assert_ok(bo_item_set(f->inv, "sku-1", NULL));
	st = th_status(f->inv, "sku-1");
	assert_string_equal(st.sku, "sku-1");
	assert_string_equal(st.policy, "fifo");
	assert_i64(st.on_hand, 0);
	assert_i64(st.allocated, 0);
	assert_i64(st.available, 0);
	assert_i64(st.backordered, 0);
	assert_i64(st.incoming, 0);
	assert_int_equal(st.backorder, BO_BACKORDER_ALLOW);
	assert_int_equal(st.in_preorder, 0);
	assert_i64(st.max_backorder, BO_UNLIMITED);
	assert_i64(st.lead_time, BO_NO_TIME);
	assert_i64(st.release_at, BO_NO_TIME);
	assert_i64(st.preorder_max, BO_UNLIMITED);
	assert_i64(st.waiting_lines, 0);
	assert_i64(st.demand, 0);
	assert_i64(st.oldest_wait, BO_NO_TIME);
	assert_i64(st.subscribers, 0);
	/* creating again without settings changes nothing */
	assert_ok(bo_item_receive(f->inv, "sku-1", 3, NULL));
	assert_ok(bo_item_set(f->inv, "sku-1", NULL));
	assert_i64(th_status(f->inv, "sku-1").on_hand, 3);
	assert_invariants(f->inv);
}

static void test_settings_only_named_fields(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	bo_item_status st;

	s.fields = BO_ITEM_MAX_BACKORDER | BO_ITEM_LEAD_TIME;
	s.max_backorder = 5;
	s.lead_time = 3 * DAY;
	s.backorder = BO_BACKORDER_DENY; /* not named: ignored */
	assert_ok(bo_item_set(f->inv, "a", &s));
	st = th_status(f->inv, "a");
	assert_i64(st.max_backorder, 5);
	assert_i64(st.lead_time, 3 * DAY);
	assert_int_equal(st.backorder, BO_BACKORDER_ALLOW);

	s = (bo_item_settings)BO_ITEM_SETTINGS_INIT;
	s.fields = BO_ITEM_BACKORDER | BO_ITEM_POLICY;
	s.backorder = BO_BACKORDER_DENY;
	s.policy = "priority";
	s.max_backorder = 99; /* not named */
	assert_ok(bo_item_set(f->inv, "a", &s));
	st = th_status(f->inv, "a");
	assert_int_equal(st.backorder, BO_BACKORDER_DENY);
	assert_string_equal(st.policy, "priority");
	assert_i64(st.max_backorder, 5);
	assert_i64(st.lead_time, 3 * DAY);

	/* unset back to unlimited / no time */
	s = (bo_item_settings)BO_ITEM_SETTINGS_INIT;
	s.fields = BO_ITEM_MAX_BACKORDER | BO_ITEM_LEAD_TIME;
	assert_ok(bo_item_set(f->inv, "a", &s));
	st = th_status(f->inv, "a");
	assert_i64(st.max_backorder, BO_UNLIMITED);
	assert_i64(st.lead_time, BO_NO_TIME);
	assert_invariants(f->inv);
}

static int collect_cb(void *ud, const bo_item_status *st)
{
	char *buf = ud;

	strcat(buf, st->sku);
	strcat(buf, ",");
	return 0;
}

static int stop_cb(void *ud, const bo_item_status *st)
{
	int *n = ud;

	(void)st;
	return ++*n == 2 ? 42 : 0;
}

static void test_foreach_bytewise(void **state)
{
	fixture *f = *state;
	char buf[256] = "";
	int n = 0;

	assert_ok(bo_item_set(f->inv, "b", NULL));
	assert_ok(bo_item_set(f->inv, "aa", NULL));
	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_set(f->inv, "B", NULL));
	assert_ok(bo_item_set(f->inv, "a-", NULL));
	assert_ok(bo_item_foreach(f->inv, collect_cb, buf));
	assert_string_equal(buf, "B,a,a-,aa,b,");
	assert_int_equal(bo_item_foreach(f->inv, stop_cb, &n), 42);
	assert_int_equal(n, 2);
}

static void test_receive_and_adjust(void **state)
{
	fixture *f = *state;
	bo_item_status st;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 10, NULL));
	assert_ok(bo_item_receive(f->inv, "a", 5, NULL));
	st = th_status(f->inv, "a");
	assert_i64(st.on_hand, 15);
	assert_i64(st.available, 15);
	assert_ok(bo_item_adjust(f->inv, "a", -4));
	assert_i64(th_status(f->inv, "a").on_hand, 11);
	assert_ok(bo_item_adjust(f->inv, "a", 2));
	assert_i64(th_status(f->inv, "a").on_hand, 13);
	assert_rc(bo_item_adjust(f->inv, "a", -14), BO_EINVALID);
	assert_has_error();
	assert_rc(bo_item_adjust(f->inv, "a", 0), BO_EINVALID);
	assert_ok(bo_item_adjust(f->inv, "a", -13));
	assert_i64(th_status(f->inv, "a").on_hand, 0);
	assert_rc(bo_item_adjust(f->inv, "a", INT64_MIN), BO_EINVALID);
	assert_ok(bo_item_adjust(f->inv, "a", INT64_MAX));
	assert_rc(bo_item_receive(f->inv, "a", 1, NULL), BO_EINVALID); /* overflow */
	assert_rc(bo_item_adjust(f->inv, "a", 1), BO_EINVALID);
	assert_i64(th_status(f->inv, "a").on_hand, INT64_MAX);
	assert_invariants(f->inv);
}

static void test_adjust_down_takes_back_from_last(void **state)
{
	fixture *f = *state;
	bo_line_status l;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 6, NULL));
	assert_ok(th_place(f->inv, "o1", "a", 3, 0, BO_NO_TIME));
	f->clk.now += 60;
	assert_ok(th_place(f->inv, "o2", "a", 3, 0, BO_NO_TIME));
	assert_i64(th_status(f->inv, "a").allocated, 6);
	th_recorder_clear(&f->rec);
	assert_ok(bo_item_adjust(f->inv, "a", -2));
	l = th_line(f->inv, "o1", "a");
	assert_i64(l.allocated, 3);
	l = th_line(f->inv, "o2", "a");
	assert_i64(l.allocated, 1);
	assert_i64(l.backordered, 2);
	assert_i64(th_status(f->inv, "a").on_hand, 4);
	assert_i64(th_sum_qty(&f->rec, BO_EVENT_BACKORDERED, "o2", "a"), 2);
	assert_int_equal(th_count(&f->rec, 0, "o1", NULL), 0);
	assert_invariants(f->inv);
	/* adjust up fills the waiting line */
	assert_ok(bo_item_adjust(f->inv, "a", 5));
	l = th_line(f->inv, "o2", "a");
	assert_i64(l.allocated, 3);
	assert_i64(l.backordered, 0);
	assert_i64(th_status(f->inv, "a").available, 3);
	assert_invariants(f->inv);
}

static int supply_collect(void *ud, const bo_supply_info *si)
{
	char *buf = ud;
	char tmp[128];

	snprintf(tmp, sizeof(tmp), "%s:%lld,", si->id, (long long)si->qty);
	strcat(buf, tmp);
	return 0;
}

static void test_supply_records(void **state)
{
	fixture *f = *state;
	char buf[256];

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_supply_set(f->inv, "a", "po-2", 5, T0 + 2 * DAY));
	assert_ok(bo_supply_set(f->inv, "a", "po-1", 7, T0 + 5 * DAY));
	assert_ok(bo_supply_set(f->inv, "a", "po-3", 1, T0 + 1 * DAY));
	assert_i64(th_status(f->inv, "a").incoming, 13);
	buf[0] = '\0';
	assert_ok(bo_supply_foreach(f->inv, "a", supply_collect, buf));
	assert_string_equal(buf, "po-3:1,po-2:5,po-1:7,");

	/* replace: new qty and time, still one record */
	assert_ok(bo_supply_set(f->inv, "a", "po-1", 2, T0 + DAY / 2));
	assert_i64(th_status(f->inv, "a").incoming, 8);
	buf[0] = '\0';
	assert_ok(bo_supply_foreach(f->inv, "a", supply_collect, buf));
	assert_string_equal(buf, "po-1:2,po-3:1,po-2:5,");

	/* receive against a record reduces it; at 0 it is gone */
	assert_ok(bo_item_receive(f->inv, "a", 3, "po-2"));
	assert_i64(th_status(f->inv, "a").incoming, 5);
	assert_i64(th_status(f->inv, "a").on_hand, 3);
	assert_ok(bo_item_receive(f->inv, "a", 4, "po-1")); /* more than expected */
	buf[0] = '\0';
	assert_ok(bo_supply_foreach(f->inv, "a", supply_collect, buf));
	assert_string_equal(buf, "po-3:1,po-2:2,");
	assert_i64(th_status(f->inv, "a").incoming, 3);
	assert_i64(th_status(f->inv, "a").on_hand, 7);
	assert_rc(bo_item_receive(f->inv, "a", 1, "po-1"), BO_ENOTFOUND);
	assert_i64(th_status(f->inv, "a").on_hand, 7);

	assert_ok(bo_supply_remove(f->inv, "a", "po-3"));
	assert_rc(bo_supply_remove(f->inv, "a", "po-3"), BO_ENOTFOUND);
	assert_i64(th_status(f->inv, "a").incoming, 2);
	/* supply ids belong to their item */
	assert_ok(bo_item_set(f->inv, "b", NULL));
	assert_rc(bo_supply_remove(f->inv, "b", "po-2"), BO_ENOTFOUND);
	assert_ok(bo_supply_set(f->inv, "b", "po-2", 9, T0 + DAY));
	assert_i64(th_status(f->inv, "a").incoming, 2);
	assert_i64(th_status(f->inv, "b").incoming, 9);
	assert_invariants(f->inv);
}

static void test_deny_and_max_backorder(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	th_item(f->inv, "d", NULL, BO_BACKORDER_DENY);
	assert_ok(bo_item_receive(f->inv, "d", 3, NULL));
	assert_rc(th_place(f->inv, "o1", "d", 4, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_has_error();
	assert_ok(th_place(f->inv, "o1", "d", 3, 0, BO_NO_TIME));
	assert_rc(th_place(f->inv, "o2", "d", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);

	s.fields = BO_ITEM_MAX_BACKORDER;
	s.max_backorder = 4;
	assert_ok(bo_item_set(f->inv, "m", &s));
	assert_ok(th_place(f->inv, "m1", "m", 3, 0, BO_NO_TIME));
	assert_rc(th_place(f->inv, "m2", "m", 2, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_ok(th_place(f->inv, "m2", "m", 1, 0, BO_NO_TIME));
	assert_i64(th_status(f->inv, "m").backordered, 4);
	/* stock in hand does not count against the cap */
	assert_ok(bo_item_receive(f->inv, "m", 10, NULL));
	assert_ok(th_place(f->inv, "m3", "m", 10, 0, BO_NO_TIME));
	assert_i64(th_line(f->inv, "m3", "m").allocated, 6);
	assert_i64(th_line(f->inv, "m3", "m").backordered, 4);
	assert_rc(th_place(f->inv, "m4", "m", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_invariants(f->inv);
}

static void test_preorder(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	bo_item_status st;
	int64_t now = 0;

	s.fields = BO_ITEM_RELEASE_AT | BO_ITEM_PREORDER_MAX | BO_ITEM_BACKORDER;
	s.release_at = T0 + 10 * DAY;
	s.preorder_max = 5;
	s.backorder = BO_BACKORDER_DENY;
	assert_ok(bo_item_set(f->inv, "game", &s));
	st = th_status(f->inv, "game");
	assert_int_equal(st.in_preorder, 1);
	assert_i64(st.release_at, T0 + 10 * DAY);
	/* deny does not apply in preorder, the preorder cap does */
	assert_ok(th_place(f->inv, "p1", "game", 3, 0, BO_NO_TIME));
	assert_rc(th_place(f->inv, "p2", "game", 3, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_ok(th_place(f->inv, "p2", "game", 2, 0, BO_NO_TIME));
	/* a preorder line's ETA is never before the release */
	assert_true(th_line(f->inv, "p1", "game").eta == BO_NO_TIME ||
		    th_line(f->inv, "p1", "game").eta >= T0 + 10 * DAY);
	/* stock received during preorder is allocated, but nothing ships */
	assert_ok(bo_item_receive(f->inv, "game", 4, NULL));
	assert_i64(th_line(f->inv, "p1", "game").allocated, 3);
	assert_i64(th_line(f->inv, "p2", "game").allocated, 1);
	assert_rc(bo_order_ship(f->inv, "p1", NULL, BO_ALL), BO_ESTATE);
	assert_rc(bo_order_ship(f->inv, "p1", "game", BO_ALL), BO_ESTATE);
	assert_i64(th_line(f->inv, "p1", "game").shipped, 0);
	/* the cap counts allocated + waiting units */
	assert_rc(th_place(f->inv, "p3", "game", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_invariants(f->inv);

	th_recorder_clear(&f->rec);
	f->clk.now = T0 + 10 * DAY;
	assert_ok(bo_inventory_advance(f->inv));
	assert_ok(bo_inventory_now(&now, f->inv));
	assert_i64(now, T0 + 10 * DAY);
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, "game"), 1);
	assert_i64(th_sum_qty(&f->rec, BO_EVENT_RELEASED, NULL, "game"), 5);
	{
		size_t i;
		for (i = 0; i < f->rec.n; i++)
			if (f->rec.ev[i].kind == BO_EVENT_RELEASED)
				assert_string_equal(f->rec.ev[i].order_id, "");
	}
	assert_int_equal(th_status(f->inv, "game").in_preorder, 0);
	/* released: ships now, and deny applies again */
	assert_ok(bo_order_ship(f->inv, "p1", NULL, BO_ALL));
	assert_i64(th_line(f->inv, "p1", "game").shipped, 3);
	assert_i64(th_status(f->inv, "game").on_hand, 1);
	assert_rc(th_place(f->inv, "p4", "game", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	/* advancing again does not release twice */
	f->clk.now += DAY;
	assert_ok(bo_inventory_advance(f->inv));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, NULL), 1);
	assert_invariants(f->inv);
}

static void test_release_in_past_is_not_preorder(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	f->clk.now = T0 + DAY;
	s.fields = BO_ITEM_RELEASE_AT;
	s.release_at = T0;
	assert_ok(bo_item_set(f->inv, "old", &s));
	assert_int_equal(th_status(f->inv, "old").in_preorder, 0);
	assert_ok(bo_inventory_advance(f->inv));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, NULL), 0);
}

/* An item in preorder whose release time is moved to the past, or
 * cleared, is released by that call with its `released` event (once);
 * moving it later again puts it back in preorder. */
static void test_release_by_setting(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	s.fields = BO_ITEM_RELEASE_AT;
	s.release_at = T0 + 10 * DAY;
	assert_ok(bo_item_set(f->inv, "g", &s));
	assert_ok(bo_item_set(f->inv, "h", &s));
	assert_ok(th_place(f->inv, "o", "g", 2, 0, BO_NO_TIME));
	assert_ok(bo_item_receive(f->inv, "g", 1, NULL));
	th_recorder_clear(&f->rec);
	/* a later release time: still preorder, no event */
	s.release_at = T0 + 20 * DAY;
	assert_ok(bo_item_set(f->inv, "g", &s));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, NULL), 0);
	/* moved to the past: released now, qty = allocated + waiting */
	s.release_at = T0 - DAY;
	assert_ok(bo_item_set(f->inv, "g", &s));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, "g"), 1);
	assert_i64(th_sum_qty(&f->rec, BO_EVENT_RELEASED, NULL, "g"), 2);
	assert_int_equal(th_status(f->inv, "g").in_preorder, 0);
	assert_ok(bo_order_ship(f->inv, "o", NULL, BO_ALL)); /* ships now */
	/* cleared: released too; an item never in preorder gets no event */
	s.release_at = BO_NO_TIME;
	assert_ok(bo_item_set(f->inv, "h", &s));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, "h"), 1);
	s.release_at = T0 - 2 * DAY;
	assert_ok(bo_item_set(f->inv, "g", &s));
	assert_ok(bo_item_set(f->inv, "new", &s));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, NULL), 2);
	/* the clock passing the old time releases nothing again */
	f->clk.now = T0 + 30 * DAY;
	assert_ok(bo_inventory_advance(f->inv));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, NULL), 2);
	assert_invariants(f->inv);
}

static void test_release_by_any_mutating_call(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	s.fields = BO_ITEM_RELEASE_AT;
	s.release_at = T0 + DAY;
	assert_ok(bo_item_set(f->inv, "g", &s));
	assert_ok(bo_item_receive(f->inv, "g", 2, NULL));
	assert_ok(th_place(f->inv, "o", "g", 2, 0, BO_NO_TIME));
	assert_rc(bo_order_ship(f->inv, "o", NULL, BO_ALL), BO_ESTATE);
	f->clk.now = T0 + DAY + 1;
	/* no explicit advance: the ship itself runs the release first */
	assert_ok(bo_order_ship(f->inv, "o", NULL, BO_ALL));
	assert_int_equal(th_count(&f->rec, BO_EVENT_RELEASED, NULL, "g"), 1);
	assert_invariants(f->inv);
}

static void test_clock_never_goes_back(void **state)
{
	fixture *f = *state;
	int64_t now = 0;

	f->clk.now = T0 + 100;
	assert_ok(bo_inventory_advance(f->inv));
	f->clk.now = T0 + 50;
	assert_rc(bo_inventory_advance(f->inv), BO_EINVALID);
	assert_has_error();
	assert_ok(bo_inventory_now(&now, f->inv));
	assert_i64(now, T0 + 100);
	/* a mutating call with a clock behind ignores it */
	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(th_place(f->inv, "o", "a", 1, 0, BO_NO_TIME));
	assert_ok(bo_inventory_now(&now, f->inv));
	assert_i64(now, T0 + 100);
	{
		bo_order *o = NULL;
		assert_ok(bo_order_get(&o, f->inv, "o"));
		assert_i64(bo_order_created(o), T0 + 100);
		bo_order_free(o);
	}
	f->clk.now = T0 + 200;
	assert_ok(bo_item_receive(f->inv, "a", 1, NULL));
	assert_ok(bo_inventory_now(&now, f->inv));
	assert_i64(now, T0 + 200);
}

static void test_subscribe(void **state)
{
	fixture *f = *state;
	size_t i;

	/* free stock: alert at once */
	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 2, NULL));
	th_recorder_clear(&f->rec);
	assert_ok(bo_item_subscribe(f->inv, "a", "alice"));
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "a"), 1);
	assert_string_equal(f->rec.ev[0].customer, "alice");
	assert_i64(f->rec.ev[0].qty, 2);
	assert_i64(th_status(f->inv, "a").subscribers, 0);

	/* no free stock: alert later, once, in subscription order */
	assert_ok(bo_item_set(f->inv, "b", NULL));
	assert_ok(th_place(f->inv, "o1", "b", 5, 0, BO_NO_TIME));
	th_recorder_clear(&f->rec);
	assert_ok(bo_item_subscribe(f->inv, "b", "bob"));
	assert_ok(bo_item_subscribe(f->inv, "b", "carol"));
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, NULL), 0);
	assert_i64(th_status(f->inv, "b").subscribers, 2);
	assert_ok(bo_item_receive(f->inv, "b", 3, NULL)); /* all to the waiting line */
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, NULL), 0);
	assert_ok(bo_item_receive(f->inv, "b", 4, NULL)); /* 2 fill the line, 2 free */
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "b"), 2);
	{
		const char *order[2] = { "bob", "carol" };
		size_t k = 0;
		for (i = 0; i < f->rec.n; i++) {
			if (f->rec.ev[i].kind != BO_EVENT_BACK_IN_STOCK)
				continue;
			assert_string_equal(f->rec.ev[i].customer, order[k]);
			assert_i64(f->rec.ev[i].qty, 2);
			assert_string_equal(f->rec.ev[i].order_id, "");
			k++;
		}
		/* the alert comes at the end of the call */
		assert_int_equal(f->rec.ev[f->rec.n - 1].kind, BO_EVENT_BACK_IN_STOCK);
	}
	assert_i64(th_status(f->inv, "b").subscribers, 0);
	assert_ok(bo_item_receive(f->inv, "b", 1, NULL));
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "b"), 2);

	/* freed by a cancel */
	assert_ok(bo_item_set(f->inv, "c", NULL));
	assert_ok(bo_item_receive(f->inv, "c", 1, NULL));
	assert_ok(th_place(f->inv, "o2", "c", 1, 0, BO_NO_TIME));
	assert_ok(bo_item_subscribe(f->inv, "c", "dave"));
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_cancel(f->inv, "o2", NULL, BO_ALL));
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "c"), 1);

	/* freed by a modify down, and by an adjust up */
	assert_ok(th_place(f->inv, "o3", "c", 1, 0, BO_NO_TIME)); /* takes the free unit */
	assert_ok(bo_order_modify(f->inv, "o3", "c", 2));        /* 1 waits */
	assert_ok(bo_item_subscribe(f->inv, "c", "erin"));
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_modify(f->inv, "o3", "c", 1));        /* nothing freed */
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, NULL), 0);
	assert_ok(bo_item_adjust(f->inv, "c", 1));
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "c"), 1);
	assert_i64(th_sum_qty(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "c"), 1);
	assert_ok(bo_item_subscribe(f->inv, "c", "finn"));       /* free stock: at once */
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "c"), 2);
	assert_ok(th_place(f->inv, "o4", "c", 1, 0, BO_NO_TIME));
	assert_ok(bo_item_subscribe(f->inv, "c", "gus"));
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_modify(f->inv, "o4", "c", 1));       /* same: nothing */
	assert_ok(bo_order_cancel(f->inv, "o3", NULL, BO_ALL)); /* frees 1 */
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACK_IN_STOCK, NULL, "c"), 1);
	assert_invariants(f->inv);
}

static void test_insight(void **state)
{
	fixture *f = *state;
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	bo_line_spec l[1];
	bo_item_status st;

	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_receive(f->inv, "a", 4, NULL));
	l[0].sku = "a";
	l[0].qty = 6;
	l[0].unit_price = 250;
	assert_ok(bo_order_place(f->inv, "o1", &oo, l, 1)); /* 4 at once, 2 wait */
	f->clk.now += HOUR;
	l[0].qty = 3;
	l[0].unit_price = BO_NO_PRICE;
	assert_ok(bo_order_place(f->inv, "o2", &oo, l, 1)); /* 3 wait, no price */
	st = th_status(f->inv, "a");
	assert_i64(st.demand, 9);
	assert_i64(st.filled_at_once, 4);
	assert_i64(st.revenue_held, 2 * 250);
	assert_i64(st.waiting_lines, 2);
	assert_i64(st.oldest_wait, T0);
	assert_i64(st.backordered, 5);

	assert_ok(bo_order_ship(f->inv, "o1", NULL, BO_ALL));
	assert_ok(bo_order_cancel(f->inv, "o1", "a", 1));
	st = th_status(f->inv, "a");
	assert_i64(st.shipped, 4);
	assert_i64(st.cancelled, 1);
	assert_i64(st.revenue_held, 250);
	assert_ok(bo_order_modify(f->inv, "o2", "a", 5)); /* demand grows by 2 */
	st = th_status(f->inv, "a");
	assert_i64(st.demand, 11);
	assert_i64(st.backordered, 6);
	assert_ok(bo_order_cancel(f->inv, "o1", NULL, BO_ALL));
	st = th_status(f->inv, "a");
	assert_i64(st.revenue_held, 0);
	assert_i64(st.waiting_lines, 1);
	assert_i64(st.oldest_wait, T0 + HOUR);
	assert_invariants(f->inv);
}

static void test_default_policy(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, "priority", 1);

	(void)state;
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_string_equal(th_status(inv, "a").policy, "priority");
	assert_ok(bo_inventory_set_default_policy(inv, "due"));
	assert_ok(bo_item_set(inv, "b", NULL));
	assert_string_equal(th_status(inv, "b").policy, "due");
	assert_string_equal(th_status(inv, "a").policy, "priority");
	assert_rc(bo_inventory_set_default_policy(inv, "nosuch"), BO_EINVALID);
	assert_ok(bo_item_set(inv, "c", NULL));
	assert_string_equal(th_status(inv, "c").policy, "due");
	th_close(inv);
}

static void test_system_clock_by_default(void **state)
{
	bo_inventory *inv = NULL;
	int64_t now = 0, t0, t1;
	bo_order *o = NULL;

	(void)state;
	t0 = (int64_t)time(NULL);
	assert_ok(bo_inventory_open_store(&inv, "memory", NULL));
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(th_place(inv, "o", "a", 1, 0, BO_NO_TIME));
	t1 = (int64_t)time(NULL);
	assert_ok(bo_inventory_now(&now, inv));
	assert_true(now >= t0 && now <= t1);
	assert_ok(bo_order_get(&o, inv, "o"));
	assert_true(bo_order_created(o) >= t0 && bo_order_created(o) <= t1);
	bo_order_free(o);
	bo_inventory_free(inv);
}

static int64_t read_clock(void *user_data) { return *(const int64_t *)user_data; }

/* An inventory that owns its store caches the metadata ("now", sequence
 * counters) from call to call. A failed call is rolled back, cache and
 * all: the time it ran at is not kept. */
static void test_owned_store_failed_call_keeps_clock(void **state)
{
	bo_inventory *inv = NULL;
	bo_options opts = BO_OPTIONS_INIT;
	int64_t clock = T0, now = 0;
	bo_order *o = NULL;

	(void)state;
	opts.clock = read_clock;
	opts.clock_data = &clock;
	assert_ok(bo_inventory_open_store(&inv, "memory", &opts));
	assert_ok(bo_item_set(inv, "a", NULL));
	clock = T0 + 2 * DAY;
	assert_rc(bo_order_cancel(inv, "nosuch", NULL, BO_ALL), BO_ENOTFOUND);
	assert_ok(bo_inventory_now(&now, inv));
	assert_int_equal(now, T0);
	clock = T0 + DAY;
	assert_ok(th_place(inv, "o", "a", 1, 0, BO_NO_TIME));
	assert_ok(bo_order_get(&o, inv, "o"));
	assert_int_equal(bo_order_created(o), T0 + DAY);
	bo_order_free(o);
	assert_ok(bo_inventory_now(&now, inv));
	assert_int_equal(now, T0 + DAY);
	bo_inventory_free(inv);
}

static void test_bad_settings(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	s.fields = BO_ITEM_BACKORDER;
	s.backorder = 7;
	assert_rc(bo_item_set(f->inv, "a", &s), BO_EINVALID);
	s = (bo_item_settings)BO_ITEM_SETTINGS_INIT;
	s.fields = BO_ITEM_MAX_BACKORDER;
	s.max_backorder = -5;
	assert_rc(bo_item_set(f->inv, "a", &s), BO_EINVALID);
	s = (bo_item_settings)BO_ITEM_SETTINGS_INIT;
	s.fields = BO_ITEM_POLICY;
	s.policy = "nosuch";
	assert_rc(bo_item_set(f->inv, "a", &s), BO_EINVALID);
	s.policy = NULL;
	assert_rc(bo_item_set(f->inv, "a", &s), BO_EINVALID);
	s = (bo_item_settings)BO_ITEM_SETTINGS_INIT;
	s.fields = BO_ITEM_LEAD_TIME;
	s.lead_time = -1;
	assert_rc(bo_item_set(f->inv, "a", &s), BO_EINVALID);
	s = (bo_item_settings)BO_ITEM_SETTINGS_INIT;
	s.fields = BO_ITEM_PREORDER_MAX;
	s.preorder_max = -2;
	assert_rc(bo_item_set(f->inv, "a", &s), BO_EINVALID);
	s = (bo_item_settings)BO_ITEM_SETTINGS_INIT;
	s.version = 0;
	assert_rc(bo_item_set(f->inv, "a", &s), BO_EINVALID);
	/* none of these created the item */
	assert_rc(bo_item_receive(f->inv, "a", 1, NULL), BO_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_settings_only_named_fields, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_foreach_bytewise, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_receive_and_adjust, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_adjust_down_takes_back_from_last, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_supply_records, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_deny_and_max_backorder, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_preorder, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_release_in_past_is_not_preorder, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_release_by_setting, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_release_by_any_mutating_call, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_clock_never_goes_back, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_subscribe, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_insight, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_system_clock_by_default),
		cmocka_unit_test(test_owned_store_failed_call_keeps_clock),
		cmocka_unit_test_setup_teardown(test_bad_settings, th_fixture_setup, th_fixture_teardown),
	};
	return cmocka_run_group_tests_name("items", tests, NULL, NULL);
}
