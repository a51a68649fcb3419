/*
 * Bulk fills (bo_storage.queue_fill, storage version 2): the memory store
 * fills a batch of waiting lines per call; without the callback the core
 * fills line by line through the record-level callbacks. Both must end in
 * the same state with the same events. Random workloads over every policy
 * (fair fills line by line either way) run on two inventories, one whose
 * store has queue_fill and one whose vtable hides it; after every call the
 * status, the events delivered and a full snapshot must be equal. Batches
 * (savepoints) and a bulk fill larger than one batch of the core's are in
 * the mix. BO_BULK_SEEDS=N runs N seeds (default 3).
 */
#include "helpers.h"
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int64_t rnd_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

/* A custom policy: larger orders first, then fifo. */
static int big_first(void *ud, const bo_line_view *l, int64_t key[BO_KEY_WORDS])
{
	(void)ud;
	key[0] = -l->ordered;
	key[1] = l->queue_time;
	key[2] = 0;
	return 0;
}

typedef struct side {
	th_clock clk;
	bo_inventory *inv;
	th_recorder rec;
	bo_storage vt; /* the memory store's table, perhaps without queue_fill */
	void *ud;      /* its store */
} side;

static void open_side(side *s, int bulk)
{
	const bo_storage *vt;
	void *ud;
	bo_options o = BO_OPTIONS_INIT;
	bo_policy *p;
	bo_policy_methods pm = BO_POLICY_METHODS_INIT;

	memset(s, 0, sizeof(*s));
	s->clk.now = T0;
	assert_ok(bo_memory_storage(&vt, &ud));
	s->vt = *vt;
	assert_non_null(s->vt.queue_fill);
	if (!bulk)
		s->vt.queue_fill = NULL;
	o.clock = th_clock_read;
	o.clock_data = &s->clk;
	o.exclusive = 1;
	s->ud = ud;
	assert_ok(bo_inventory_open(&s->inv, &s->vt, ud, &o));
	th_recorder_attach(s->inv, &s->rec);
	pm.sort_key = big_first;
	assert_ok(bo_policy_custom(&p, "big-first", &pm, NULL));
	assert_ok(bo_inventory_add_policy(s->inv, p));
	bo_policy_free(p);
}

static void close_side(side *s)
{
	bo_inventory_free(s->inv);
	th_recorder_fini(&s->rec);
}

static const char *const policies[] = { "fifo", "priority", "due", "fair", "big-first" };
#define NSKU 6

/* One random call on inventory `inv`, drawn from the same numbers on both sides. */
static int one_call(bo_inventory *inv, th_clock *clk, uint64_t seed, int norders)
{
	char sku[16], oid[16];
	uint64_t save = rng;
	int rc;

	rng = seed;
	snprintf(sku, sizeof(sku), "S%d", (int)rnd_in(0, NSKU - 1));
	snprintf(oid, sizeof(oid), "O%d", (int)rnd_in(0, norders > 0 ? norders - 1 : 0));
	switch (rnd_in(0, 19)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5: { /* place: 1 to 3 lines */
		bo_order_options oo = BO_ORDER_OPTIONS_INIT;
		bo_line_spec l[3];
		char skus[3][16];
		int n = (int)rnd_in(1, 3), first = (int)rnd_in(0, NSKU - 1);
		snprintf(oid, sizeof(oid), "O%d", norders);
		for (int i = 0; i < n; i++) {
			snprintf(skus[i], sizeof(skus[i]), "S%d", (first + i) % NSKU);
			l[i].sku = skus[i];
			l[i].qty = rnd_in(1, 4);
			l[i].unit_price = rnd_in(0, 1) ? BO_NO_PRICE : rnd_in(100, 900);
		}
		oo.priority = rnd_in(-2, 2);
		oo.due = rnd_in(0, 2) ? BO_NO_TIME : clk->now + rnd_in(1, 30) * DAY;
		oo.ship_mode = rnd_in(0, 3) ? BO_SHIP_PARTIAL : BO_SHIP_COMPLETE;
		rc = bo_order_place(inv, oid, &oo, l, (size_t)n);
		break;
	}
	case 6:
	case 7:
	case 8: /* receive: sometimes far more than waits */
		rc = bo_item_receive(inv, sku, rnd_in(0, 5) ? rnd_in(1, 6) : rnd_in(20, 120), NULL);
		break;
	case 9:
		if (rnd_in(0, 1))
			rc = bo_order_cancel(inv, oid, NULL, BO_ALL);
		else
			rc = bo_order_cancel(inv, oid, sku, rnd_in(0, 1) ? BO_ALL : 1);
		break;
	case 10:
		rc = bo_order_modify(inv, oid, sku, rnd_in(1, 6));
		break;
	case 11:
	case 12:
		rc = bo_order_ship(inv, oid, NULL, BO_ALL);
		break;
	case 13:
		rc = bo_item_adjust(inv, sku, rnd_in(0, 1) ? rnd_in(1, 5) : -rnd_in(1, 4));
		break;
	case 14: { /* another policy re-orders the queues */
		bo_item_settings st = BO_ITEM_SETTINGS_INIT;
		st.fields = BO_ITEM_POLICY;
		st.policy = policies[rnd_in(0, 4)];
		rc = bo_item_set(inv, sku, &st);
		break;
	}
	case 15:
		rc = bo_supply_set(inv, sku, "PO", rnd_in(1, 20), clk->now + rnd_in(1, 20) * DAY);
		break;
	case 16:
		rc = bo_item_subscribe(inv, sku, "C1");
		break;
	case 17:
		clk->now += rnd_in(1, 3) * HOUR;
		rc = bo_inventory_advance(inv);
		break;
	default: { /* a lead time, or a preorder release */
		bo_item_settings st = BO_ITEM_SETTINGS_INIT;
		if (rnd_in(0, 1)) {
			st.fields = BO_ITEM_LEAD_TIME;
			st.lead_time = rnd_in(0, 1) ? BO_NO_TIME : rnd_in(1, 9) * DAY;
		} else {
			st.fields = BO_ITEM_RELEASE_AT;
			st.release_at = clk->now + rnd_in(1, 5) * HOUR;
		}
		rc = bo_item_set(inv, sku, &st);
		break;
	}
	}
	rng = save;
	return rc;
}

static void same(side *a, side *b, int seed, int step)
{
	char *sa = NULL, *sb = NULL;
	assert_ok(snapshot_take(&sa, a->inv));
	assert_ok(snapshot_take(&sb, b->inv));
	if (strcmp(sa, sb) != 0) {
		print_error("seed %d step %d: bulk fill and line-by-line fill differ\n--- bulk\n%s--- line by line\n%s", seed,
			    step, sa, sb);
		fail();
	}
	free(sa);
	free(sb);
	assert_int_equal(a->rec.n, b->rec.n);
	for (size_t i = 0; i < a->rec.n; i++)
		assert_memory_equal(&a->rec.ev[i], &b->rec.ev[i], sizeof(th_event));
}

static void test_random_workloads(void **state)
{
	const char *env = getenv("BO_BULK_SEEDS");
	int seeds = env && atoi(env) > 0 ? atoi(env) : 3, steps = getenv("BO_TEST_VALGRIND") ? 150 : 600;
	(void)state;
	for (int seed = 1; seed <= seeds; seed++) {
		side a, b;
		int norders = 0, batch = 0;
		open_side(&a, 1);
		open_side(&b, 0);
		for (int i = 0; i < NSKU; i++) {
			char sku[16];
			bo_item_settings st = BO_ITEM_SETTINGS_INIT;
			snprintf(sku, sizeof(sku), "S%d", i);
			st.fields = BO_ITEM_POLICY;
			st.policy = policies[i % 5];
			assert_ok(bo_item_set(a.inv, sku, &st));
			assert_ok(bo_item_set(b.inv, sku, &st));
		}
		rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL;
		for (int step = 0; step < steps; step++) {
			uint64_t draw = rnd();
			int ra, rb;
			/* now and then a batch of calls in one transaction (savepoints) */
			if (!batch && rnd_in(0, 40) == 0) {
				assert_ok(bo_inventory_batch_begin(a.inv));
				assert_ok(bo_inventory_batch_begin(b.inv));
				batch = (int)rnd_in(2, 8);
			}
			ra = one_call(a.inv, &a.clk, draw, norders);
			rb = one_call(b.inv, &b.clk, draw, norders);
			if (ra != rb) {
				print_error("seed %d step %d: bulk %d, line by line %d (%s)\n", seed, step, ra, rb, bo_last_error());
				fail();
			}
			if (ra == BO_OK) {
				/* a placement made the next order id */
				char oid[16];
				bo_order *o = NULL;
				snprintf(oid, sizeof(oid), "O%d", norders);
				if (bo_order_get(&o, a.inv, oid) == BO_OK)
					norders++;
				bo_order_free(o);
			}
			if (batch && --batch == 0) {
				int commit = (int)rnd_in(0, 3) > 0;
				assert_ok(bo_inventory_batch_end(a.inv, commit));
				assert_ok(bo_inventory_batch_end(b.inv, commit));
			}
			if (!batch)
				same(&a, &b, seed, step);
		}
		if (batch) {
			assert_ok(bo_inventory_batch_end(a.inv, 1));
			assert_ok(bo_inventory_batch_end(b.inv, 1));
		}
		same(&a, &b, seed, steps);
		assert_ok(bo_inventory_check(a.inv));
		close_side(&a);
		close_side(&b);
	}
}

/* One receive fills more lines than one batch of the core's (16): a long
 * queue, filled in one call, partly (the last line gets what is left). */
static void test_long_fill(void **state)
{
	side a, b;
	bo_line_spec l = { "LONG", 3, 250 };
	char oid[16];
	(void)state;
	open_side(&a, 1);
	open_side(&b, 0);
	for (int i = 0; i < 500; i++) {
		snprintf(oid, sizeof(oid), "L%03d", i);
		if (i == 0) {
			assert_ok(bo_item_set(a.inv, "LONG", NULL));
			assert_ok(bo_item_set(b.inv, "LONG", NULL));
		}
		assert_ok(bo_order_place(a.inv, oid, NULL, &l, 1));
		assert_ok(bo_order_place(b.inv, oid, NULL, &l, 1));
	}
	same(&a, &b, 0, 0);
	assert_ok(bo_item_receive(a.inv, "LONG", 3 * 407 + 2, NULL));
	assert_ok(bo_item_receive(b.inv, "LONG", 3 * 407 + 2, NULL));
	same(&a, &b, 0, 1);
	assert_i64(th_count(&a.rec, BO_EVENT_READY, NULL, NULL), 407);
	assert_ok(bo_item_receive(a.inv, "LONG", 10000, NULL));
	assert_ok(bo_item_receive(b.inv, "LONG", 10000, NULL));
	same(&a, &b, 0, 2);
	assert_i64(th_count(&a.rec, BO_EVENT_READY, NULL, NULL), 500);
	close_side(&a);
	close_side(&b);
}

/* Lines that the memory store's bulk fill must log the general way (it
 * has a compact undo entry only for packed lines among an order's first
 * 7): lines 7 to 9 of an order of 10, and a wide line (a quantity past
 * 32 bits). Each is filled until its order is ready, first in a batch
 * that is rolled back, then for good. */
static void test_general_lines(void **state)
{
	side a, b;
	side *sides[2] = { &a, &b };
	bo_line_spec big[10], wide = { "G9", 3000000000LL, BO_NO_PRICE };
	char skus[10][8];
	(void)state;
	open_side(&a, 1);
	open_side(&b, 0);
	for (int i = 0; i < 10; i++) {
		snprintf(skus[i], sizeof(skus[i]), "G%d", i);
		big[i].sku = skus[i];
		big[i].qty = 2;
		big[i].unit_price = BO_NO_PRICE;
	}
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 10; i++)
			assert_ok(bo_item_set(sides[k]->inv, skus[i], NULL));
		assert_ok(bo_order_place(sides[k]->inv, "BIG", NULL, big, 10));
		assert_ok(bo_order_place(sides[k]->inv, "WIDE", NULL, &wide, 1));
		for (int i = 0; i < 9; i++) /* every line of BIG but its last */
			assert_ok(bo_item_receive(sides[k]->inv, skus[i], 2, NULL));
	}
	same(&a, &b, 0, 0);
	assert_i64(th_count(&a.rec, BO_EVENT_READY, NULL, NULL), 0);
	for (int k = 0; k < 2; k++) {
		assert_ok(bo_inventory_batch_begin(sides[k]->inv));
		assert_ok(bo_item_receive(sides[k]->inv, "G9", 3000000002LL, NULL));
		assert_ok(bo_inventory_batch_end(sides[k]->inv, 0));
	}
	same(&a, &b, 0, 1);
	assert_i64(th_count(&a.rec, BO_EVENT_READY, NULL, NULL), 0);
	for (int k = 0; k < 2; k++)
		assert_ok(bo_item_receive(sides[k]->inv, "G9", 3000000002LL, NULL));
	same(&a, &b, 0, 2);
	assert_i64(th_count(&a.rec, BO_EVENT_READY, "BIG", NULL), 1);
	assert_i64(th_count(&a.rec, BO_EVENT_READY, "WIDE", NULL), 1);
	for (int k = 0; k < 2; k++) { /* the stored flag, which later calls read */
		bo_order_rec r;
		assert_ok(sides[k]->vt.order_get(sides[k]->ud, "BIG", &r, 0));
		assert_int_equal(r.ready, 1);
		assert_ok(sides[k]->vt.order_get(sides[k]->ud, "WIDE", &r, 0));
		assert_int_equal(r.ready, 1);
	}
	assert_ok(bo_inventory_check(a.inv));
	close_side(&a);
	close_side(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_fill),
		cmocka_unit_test(test_general_lines),
		cmocka_unit_test(test_random_workloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
