/* Events: order and content, the outbox, at-least-once in-order dispatch. */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

static void expect_event(const th_event *e, int kind, const char *order, const char *sku,
			 int64_t qty)
{
	if (e->kind != kind || strcmp(e->order_id, order) != 0 || strcmp(e->sku, sku) != 0 ||
	    e->qty != qty) {
		print_error("event %llu is %s %s %s qty=%lld, expected %s %s %s qty=%lld\n",
			    (unsigned long long)e->seq, bo_event_kind_name(e->kind), e->order_id,
			    e->sku, (long long)e->qty, bo_event_kind_name(kind), order, sku,
			    (long long)qty);
		fail();
	}
}

static void test_place_events_in_order(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	th_recorder rec;
	bo_line_spec l[2] = { { "a", 3, BO_NO_PRICE }, { "b", 1, BO_NO_PRICE } };
	size_t i;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(bo_item_set(inv, "b", NULL));
	assert_ok(bo_item_receive(inv, "a", 2, NULL));
	assert_ok(bo_item_receive(inv, "b", 1, NULL));
	th_recorder_attach(inv, &rec);
	clk.now = T0 + 77;
	assert_ok(bo_order_place(inv, "o", NULL, l, 2));
	assert_int_equal(rec.n, 4);
	expect_event(&rec.ev[0], BO_EVENT_ACCEPTED, "o", "", 0);
	expect_event(&rec.ev[1], BO_EVENT_ALLOCATED, "o", "a", 2);
	expect_event(&rec.ev[2], BO_EVENT_BACKORDERED, "o", "a", 1);
	expect_event(&rec.ev[3], BO_EVENT_ALLOCATED, "o", "b", 1);
	for (i = 0; i < rec.n; i++) {
		assert_i64(rec.ev[i].time, T0 + 77);
		if (i > 0)
			assert_true(rec.ev[i].seq > rec.ev[i - 1].seq);
	}
	assert_string_equal(rec.ev[0].customer, "");

	th_recorder_clear(&rec);
	assert_ok(bo_item_receive(inv, "a", 1, NULL));
	assert_int_equal(rec.n, 2);
	expect_event(&rec.ev[0], BO_EVENT_ALLOCATED, "o", "a", 1);
	expect_event(&rec.ev[1], BO_EVENT_READY, "o", "", 0);

	th_recorder_clear(&rec);
	assert_ok(bo_order_ship(inv, "o", "a", 2));
	assert_int_equal(rec.n, 1);
	expect_event(&rec.ev[0], BO_EVENT_SHIPPED, "o", "a", 2);

	th_recorder_clear(&rec);
	assert_ok(bo_order_cancel(inv, "o", NULL, BO_ALL));
	assert_int_equal(th_count(&rec, BO_EVENT_CANCELLED, NULL, NULL), 2);
	assert_i64(th_sum_qty(&rec, BO_EVENT_CANCELLED, "o", "a"), 1);
	assert_i64(th_sum_qty(&rec, BO_EVENT_CANCELLED, "o", "b"), 1);
	/* a ready order fell back and becomes ready again after a take-back */
	assert_ok(th_place(inv, "r", "a", 1, 0, BO_NO_TIME));
	assert_int_equal(th_count(&rec, BO_EVENT_READY, "r", NULL), 1);
	th_recorder_clear(&rec);
	assert_ok(bo_item_adjust(inv, "a", -1));
	expect_event(&rec.ev[0], BO_EVENT_BACKORDERED, "r", "a", 1);
	th_recorder_clear(&rec);
	assert_ok(bo_item_adjust(inv, "a", 1));
	assert_int_equal(th_count(&rec, BO_EVENT_READY, "r", NULL), 1);
	th_close(inv);
	assert_int_equal(rec.freed, 1);
	th_recorder_fini(&rec);
}

/* A workload that produces every kind of event. */
static void workload(bo_inventory *inv, th_clock *clk)
{
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	assert_ok(bo_item_set(inv, "a", NULL));
	s.fields = BO_ITEM_RELEASE_AT;
	s.release_at = T0 + 5 * DAY;
	assert_ok(bo_item_set(inv, "pre", &s));
	assert_ok(bo_item_receive(inv, "a", 3, NULL));
	assert_ok(th_place(inv, "o1", "a", 5, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "o2", "a", 2, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "o3", "pre", 1, 0, BO_NO_TIME));
	assert_ok(bo_item_subscribe(inv, "a", "cust-1"));
	assert_ok(bo_supply_set(inv, "a", "po", 3, T0 + DAY));
	clk->now += HOUR;
	assert_ok(bo_item_receive(inv, "a", 2, "po"));
	assert_ok(bo_order_ship(inv, "o1", NULL, BO_ALL));
	assert_ok(bo_order_modify(inv, "o2", "a", 1));
	assert_ok(bo_order_cancel(inv, "o2", NULL, BO_ALL));
	assert_ok(bo_item_receive(inv, "a", 5, NULL));
	clk->now = T0 + 6 * DAY;
	assert_ok(bo_inventory_advance(inv));
	assert_ok(bo_item_adjust(inv, "a", -1));
}

static void test_every_kind(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	th_recorder rec;
	int k;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	th_recorder_attach(inv, &rec);
	workload(inv, &clk);
	for (k = BO_EVENT_ACCEPTED; k <= BO_EVENT_RELEASED; k++) {
		if (th_count(&rec, k, NULL, NULL) == 0) {
			print_error("no %s event\n", bo_event_kind_name(k));
			fail();
		}
	}
	assert_int_equal(th_count(&rec, BO_EVENT_BACK_IN_STOCK, "", "a"), 1);
	th_close(inv);
	th_recorder_fini(&rec);
}

static void test_failing_notifier_loses_nothing(void **state)
{
	th_clock c1 = { T0 }, c2 = { T0 };
	bo_inventory *ref = th_open(&c1, NULL, 1);
	bo_inventory *inv = th_open(&c2, NULL, 1);
	th_recorder good, flaky;
	size_t i, pending = 0, delivered = 0;
	int rounds = 0, rc;

	(void)state;
	memset(&good, 0, sizeof(good));
	memset(&flaky, 0, sizeof(flaky));
	flaky.refuse_every = 3;
	th_recorder_attach(ref, &good);
	th_recorder_attach(inv, &flaky);
	workload(ref, &c1);
	/* refusals do not fail the calls that committed */
	workload(inv, &c2);
	assert_true(flaky.refused > 0);
	/* the last call's events all refused: they wait in the outbox */
	flaky.refuse_all = 1;
	assert_ok(th_place(ref, "extra", "a", 1, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "extra", "a", 1, 0, BO_NO_TIME));
	flaky.refuse_all = 0;
	assert_ok(bo_inventory_pending(&pending, inv));
	assert_true(pending > 0);
	do {
		size_t d = 0;
		rc = bo_inventory_dispatch(inv, &d);
		assert_true(rc == BO_OK || rc == BO_ESTATE);
		delivered += d;
		rounds++;
	} while (rc != BO_OK && rounds < 1000);
	assert_ok(rc);
	/* every pending event delivered once: the refused ones again later */
	assert_int_equal(delivered, pending);
	assert_ok(bo_inventory_pending(&pending, inv));
	assert_int_equal(pending, 0);
	/* exactly the reference events, in order, none lost */
	assert_int_equal(flaky.n, good.n);
	for (i = 0; i < good.n; i++) {
		assert_int_equal(flaky.ev[i].seq, good.ev[i].seq);
		assert_memory_equal(&flaky.ev[i], &good.ev[i], sizeof(th_event));
	}
	assert_int_equal(flaky.attempts, flaky.n + flaky.refused);
	th_close(ref);
	th_close(inv);
	th_recorder_fini(&good);
	th_recorder_fini(&flaky);
}

static void test_refused_event_is_retried_first(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 0);
	th_recorder rec;
	size_t pending = 0, d = 99;
	uint64_t first;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	th_recorder_attach(inv, &rec);
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(th_place(inv, "o", "a", 1, 0, BO_NO_TIME));
	assert_ok(bo_item_receive(inv, "a", 1, NULL));
	assert_int_equal(rec.attempts, 0); /* auto_dispatch off */
	assert_ok(bo_inventory_pending(&pending, inv));
	assert_int_equal(pending, 4); /* accepted backordered allocated ready */
	rec.refuse_all = 1;
	assert_rc(bo_inventory_dispatch(inv, &d), BO_ESTATE);
	assert_int_equal(d, 0);
	assert_int_equal(rec.attempts, 1);
	assert_ok(bo_inventory_pending(&pending, inv));
	assert_int_equal(pending, 4);
	rec.refuse_all = 0;
	rec.refuse_every = 2; /* accept one, refuse the next */
	rec.attempts = 0;
	assert_rc(bo_inventory_dispatch(inv, &d), BO_ESTATE);
	assert_int_equal(d, 1);
	assert_int_equal(rec.n, 1);
	expect_event(&rec.ev[0], BO_EVENT_ACCEPTED, "o", "", 0);
	first = rec.ev[0].seq;
	rec.refuse_every = 0;
	assert_ok(bo_inventory_dispatch(inv, &d));
	assert_int_equal(d, 3);
	assert_int_equal(rec.n, 4);
	expect_event(&rec.ev[1], BO_EVENT_BACKORDERED, "o", "a", 1);
	expect_event(&rec.ev[2], BO_EVENT_ALLOCATED, "o", "a", 1);
	expect_event(&rec.ev[3], BO_EVENT_READY, "o", "", 0);
	assert_true(rec.ev[1].seq > first);
	assert_ok(bo_inventory_dispatch(inv, &d));
	assert_int_equal(d, 0);
	th_close(inv);
	th_recorder_fini(&rec);
}

static void test_no_event_for_failed_calls(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 0);
	th_recorder rec;
	size_t before = 0, after = 0;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	th_item(inv, "d", NULL, BO_BACKORDER_DENY);
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(th_place(inv, "o", "a", 2, 0, BO_NO_TIME));
	assert_ok(bo_inventory_pending(&before, inv));
	assert_rc(th_place(inv, "x", "d", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_rc(th_place(inv, "o", "a", 3, 0, BO_NO_TIME), BO_EEXISTS);
	assert_rc(bo_order_ship(inv, "o", NULL, BO_ALL), BO_ESTATE);
	assert_rc(bo_order_cancel(inv, "o", "a", 5), BO_EINVALID);
	assert_rc(bo_item_receive(inv, "a", 0, NULL), BO_EINVALID);
	assert_rc(bo_item_subscribe(inv, "zz", "c"), BO_ENOTFOUND);
	assert_ok(bo_inventory_pending(&after, inv));
	assert_int_equal(before, after);
	/* with auto dispatch, a failed call never reaches the notifier */
	assert_ok(bo_inventory_dispatch(inv, NULL)); /* no notifier: nothing happens */
	assert_ok(bo_inventory_pending(&after, inv));
	assert_int_equal(before, after);
	th_recorder_attach(inv, &rec);
	assert_ok(bo_inventory_dispatch(inv, NULL));
	assert_int_equal(rec.n, before);
	th_recorder_clear(&rec);
	assert_rc(th_place(inv, "y", "d", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_ok(bo_inventory_dispatch(inv, NULL));
	assert_int_equal(rec.n, 0);
	assert_int_equal(rec.attempts, before);
	th_close(inv);
	th_recorder_fini(&rec);
}

static void test_seq_unique_increasing(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	th_recorder rec;
	th_rng rng = { 42 };
	size_t i;
	int step;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	th_recorder_attach(inv, &rec);
	assert_ok(bo_item_set(inv, "a", NULL));
	for (step = 0; step < 300; step++) {
		char id[16];
		snprintf(id, sizeof(id), "o%d", (int)th_range(&rng, 0, 40));
		clk.now += th_range(&rng, 0, 100);
		switch (th_range(&rng, 0, 3)) {
		case 0:
			(void)th_place(inv, id, "a", th_range(&rng, 1, 4), 0, BO_NO_TIME);
			break;
		case 1:
			(void)bo_item_receive(inv, "a", th_range(&rng, 1, 5), NULL);
			break;
		case 2:
			(void)bo_order_ship(inv, id, NULL, BO_ALL);
			break;
		default:
			(void)bo_order_cancel(inv, id, NULL, BO_ALL);
			break;
		}
	}
	assert_true(rec.n > 100);
	for (i = 1; i < rec.n; i++) {
		assert_true(rec.ev[i].seq > rec.ev[i - 1].seq);
		assert_true(rec.ev[i].time >= rec.ev[i - 1].time);
	}
	assert_invariants(inv);
	th_close(inv);
	th_recorder_fini(&rec);
}

/* A notifier that makes a nested call into the inventory it serves. */
typedef struct nested {
	bo_inventory *inv;
	int depth, max_depth, did;
	uint64_t last_seq;
	int out_of_order;
	size_t n;
} nested;

static int nested_deliver(void *ud, const bo_event *e)
{
	nested *x = ud;

	x->depth++;
	if (x->depth > x->max_depth)
		x->max_depth = x->depth;
	if (e->seq <= x->last_seq)
		x->out_of_order = 1;
	x->last_seq = e->seq;
	x->n++;
	if (!x->did) {
		x->did = 1;
		(void)bo_item_receive(x->inv, "a", 1, NULL);
	}
	x->depth--;
	return 0;
}

static void test_notifier_may_call_back(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	bo_notifier n = BO_NOTIFIER_INIT;
	nested x;
	size_t pending = 1;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.inv = inv;
	n.deliver = nested_deliver;
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(bo_inventory_set_notifier(inv, &n, &x));
	assert_ok(th_place(inv, "o", "a", 2, 0, BO_NO_TIME));
	assert_ok(bo_inventory_dispatch(inv, NULL));
	assert_int_equal(x.max_depth, 1);
	assert_int_equal(x.out_of_order, 0);
	assert_ok(bo_inventory_pending(&pending, inv));
	assert_int_equal(pending, 0);
	assert_i64(th_line(inv, "o", "a").allocated, 1);
	assert_int_equal(x.n, 3); /* accepted, backordered, then the nested allocated */
	assert_invariants(inv);
	th_close(inv);
}

static void test_set_notifier_rules(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	bo_notifier n = BO_NOTIFIER_INIT;
	th_recorder a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_rc(bo_inventory_set_notifier(inv, &n, &a), BO_EINVALID); /* no deliver */
	assert_has_error();
	th_recorder_attach(inv, &a);
	n.deliver = NULL;
	n.version = 0;
	assert_rc(bo_inventory_set_notifier(inv, &n, &b), BO_EINVALID);
	assert_int_equal(a.freed, 0);
	th_recorder_attach(inv, &b); /* replaces a: a's free runs */
	assert_int_equal(a.freed, 1);
	assert_int_equal(b.freed, 0);
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(th_place(inv, "o", "a", 1, 0, BO_NO_TIME));
	assert_int_equal(a.n, 0);
	assert_true(b.n > 0);
	assert_ok(bo_inventory_set_notifier(inv, NULL, NULL)); /* removes b */
	assert_int_equal(b.freed, 1);
	assert_ok(th_place(inv, "o2", "a", 1, 0, BO_NO_TIME));
	{
		size_t p = 0;
		assert_ok(bo_inventory_pending(&p, inv));
		assert_true(p > 0); /* kept for a later notifier */
	}
	th_close(inv);
	assert_int_equal(a.freed, 1);
	assert_int_equal(b.freed, 1);
	th_recorder_fini(&a);
	th_recorder_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_events_in_order),
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_failing_notifier_loses_nothing),
		cmocka_unit_test(test_refused_event_is_retried_first),
		cmocka_unit_test(test_no_event_for_failed_calls),
		cmocka_unit_test(test_seq_unique_increasing),
		cmocka_unit_test(test_notifier_may_call_back),
		cmocka_unit_test(test_set_notifier_rules),
	};
	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
