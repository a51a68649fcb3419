/*
 * Allocation policies: fifo, priority, due, fair and a custom one.
 * Scenario tests (restock, cancel, modify, take-back) per policy, and
 * property tests over random operation sequences.
 */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

/* ---- scenarios ---------------------------------------------------- */

/*
 * Four orders of item "x", placed one second apart with nothing in stock:
 *   o1: 4 units, priority 0, due T0+5d
 *   o2: 2 units, priority 5, due T0+2d
 *   o3: 6 units, priority 1, no due time
 *   o4: 4 units, priority 5, due T0+1d
 * Policy orders:  fifo o1 o2 o3 o4; priority o2 o4 o3 o1; due o4 o2 o1 o3.
 */
static bo_inventory *scenario(th_clock *clk, const char *policy)
{
	bo_inventory *inv;

	clk->now = T0;
	inv = th_open(clk, NULL, 1);
	th_item(inv, "x", policy, BO_BACKORDER_ALLOW);
	assert_ok(th_place(inv, "o1", "x", 4, 0, T0 + 5 * DAY));
	clk->now++;
	assert_ok(th_place(inv, "o2", "x", 2, 5, T0 + 2 * DAY));
	clk->now++;
	assert_ok(th_place(inv, "o3", "x", 6, 1, BO_NO_TIME));
	clk->now++;
	assert_ok(th_place(inv, "o4", "x", 4, 5, T0 + 1 * DAY));
	clk->now++;
	assert_invariants(inv);
	return inv;
}

/* Expect allocated units of o1..o4. */
static void expect_alloc(bo_inventory *inv, int64_t a1, int64_t a2, int64_t a3, int64_t a4)
{
	const char *ids[4] = { "o1", "o2", "o3", "o4" };
	int64_t want[4] = { a1, a2, a3, a4 };
	int i;

	for (i = 0; i < 4; i++) {
		bo_line_status l = th_line(inv, ids[i], "x");
		if (l.allocated != want[i]) {
			print_error("%s allocated %lld, expected %lld\n", ids[i],
				    (long long)l.allocated, (long long)want[i]);
			fail();
		}
	}
	assert_invariants(inv);
}

static void check_queue(bo_inventory *inv, const char *expected)
{
	char *q = th_queue(inv, "x");

	assert_string_equal(q, expected);
	free(q);
}

static void test_queue_orders(void **state)
{
	th_clock clk;
	bo_inventory *inv;

	(void)state;
	inv = scenario(&clk, "fifo");
	check_queue(inv, "o1 o2 o3 o4");
	th_close(inv);
	inv = scenario(&clk, "priority");
	check_queue(inv, "o2 o4 o3 o1");
	th_close(inv);
	inv = scenario(&clk, "due");
	check_queue(inv, "o4 o2 o1 o3");
	th_close(inv);
	inv = scenario(&clk, "fair"); /* fair lists its lines in fifo order */
	check_queue(inv, "o1 o2 o3 o4");
	th_close(inv);
}

/* The ends of the key ranges: priority INT64_MIN (whose negation does
 * not fit) still queues behind INT64_MIN + 1, and a due time of
 * INT64_MAX still queues ahead of no due time ("no due time last"). */
static void test_queue_key_extremes(void **state)
{
	th_clock clk;
	bo_inventory *inv;

	(void)state;
	clk.now = T0;
	inv = th_open(&clk, NULL, 1);
	th_item(inv, "x", "priority", BO_BACKORDER_ALLOW);
	assert_ok(th_place(inv, "o1", "x", 1, INT64_MIN, BO_NO_TIME));
	assert_ok(th_place(inv, "o2", "x", 1, INT64_MIN + 1, BO_NO_TIME));
	assert_ok(th_place(inv, "o3", "x", 1, INT64_MIN, BO_NO_TIME));
	assert_ok(th_place(inv, "o4", "x", 1, INT64_MAX, BO_NO_TIME));
	assert_ok(th_place(inv, "o5", "x", 1, INT64_MIN + 1, BO_NO_TIME));
	check_queue(inv, "o4 o2 o5 o1 o3");
	assert_ok(bo_item_receive(inv, "x", 3, NULL));
	check_queue(inv, "o1 o3");
	assert_invariants(inv);
	th_close(inv);

	clk.now = T0;
	inv = th_open(&clk, NULL, 1);
	th_item(inv, "x", "due", BO_BACKORDER_ALLOW);
	assert_ok(th_place(inv, "o1", "x", 1, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "o2", "x", 1, 0, INT64_MAX));
	assert_ok(th_place(inv, "o3", "x", 1, 0, INT64_MAX - 1));
	assert_ok(th_place(inv, "o4", "x", 1, 0, INT64_MAX));
	assert_ok(th_place(inv, "o5", "x", 1, 0, BO_NO_TIME));
	check_queue(inv, "o3 o2 o4 o1 o5");
	assert_ok(bo_item_receive(inv, "x", 2, NULL));
	check_queue(inv, "o4 o1 o5");
	assert_invariants(inv);
	th_close(inv);
}

static void test_restock(void **state)
{
	th_clock clk;
	bo_inventory *inv;

	(void)state;
	inv = scenario(&clk, "fifo");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	expect_alloc(inv, 4, 1, 0, 0);
	th_close(inv);

	inv = scenario(&clk, "priority");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	expect_alloc(inv, 0, 2, 0, 3);
	th_close(inv);

	inv = scenario(&clk, "due");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	expect_alloc(inv, 0, 1, 0, 4);
	th_close(inv);

	/* fair: 5 x (4,2,6,4)/16 = 1.25 .625 1.875 1.25 -> 1 0 1 1, the two
	 * left over by largest remainder to o3 (.875) and o2 (.625) */
	inv = scenario(&clk, "fair");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	expect_alloc(inv, 1, 1, 2, 1);
	/* ties go fifo: 4 more over waiting (3,1,4,3)/11 = 1.09 .36 1.45 1.09
	 * -> 1 0 1 1, one left: o3 (.45) */
	assert_ok(bo_item_receive(inv, "x", 4, NULL));
	expect_alloc(inv, 2, 1, 4, 2);
	/* everything when there is enough */
	assert_ok(bo_item_receive(inv, "x", 100, NULL));
	expect_alloc(inv, 4, 2, 6, 4);
	assert_i64(th_status(inv, "x").available, 93);
	th_close(inv);
}

static void test_cancel_frees_to_next(void **state)
{
	th_clock clk;
	bo_inventory *inv;

	(void)state;
	inv = scenario(&clk, "fifo");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_cancel(inv, "o1", NULL, BO_ALL));
	expect_alloc(inv, 0, 2, 3, 0);
	th_close(inv);

	inv = scenario(&clk, "priority");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_cancel(inv, "o2", NULL, BO_ALL));
	expect_alloc(inv, 0, 0, 1, 4);
	th_close(inv);

	inv = scenario(&clk, "due");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_cancel(inv, "o4", NULL, BO_ALL));
	expect_alloc(inv, 3, 2, 0, 0);
	th_close(inv);

	/* fair: after 5 units (1,1,2,1); cancel o3 frees 2 over waiting
	 * (3,1,-,3)/7: .857 .286 .857 -> 0 0 0, two left by remainder, the tie
	 * of o1 and o4 broken fifo: o1 then o4 */
	inv = scenario(&clk, "fair");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_cancel(inv, "o3", NULL, BO_ALL));
	expect_alloc(inv, 2, 1, 0, 2);
	th_close(inv);
}

static void test_modify_frees_to_next(void **state)
{
	th_clock clk;
	bo_inventory *inv;

	(void)state;
	inv = scenario(&clk, "fifo");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_modify(inv, "o1", "x", 1)); /* frees 3 */
	expect_alloc(inv, 1, 2, 2, 0);
	/* up: o1 goes to the back of the queue */
	assert_ok(bo_order_modify(inv, "o1", "x", 3));
	check_queue(inv, "o3 o4 o1");
	th_close(inv);

	inv = scenario(&clk, "priority");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_modify(inv, "o4", "x", 1)); /* 1 waiting, then 2 allocated off */
	expect_alloc(inv, 0, 2, 2, 1);
	/* up: behind every line of its priority queued before, ahead of lower */
	assert_ok(bo_order_modify(inv, "o2", "x", 3));
	check_queue(inv, "o2 o3 o1");
	th_close(inv);

	inv = scenario(&clk, "due");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_modify(inv, "o4", "x", 2)); /* frees 2 */
	expect_alloc(inv, 1, 2, 0, 2);
	th_close(inv);

	/* fair: (1,1,2,1) after 5; o3 to 1: 4 waiting off, 1 allocated off;
	 * the unit freed goes by the tie o1/o4 (3/7 each) fifo to o1 */
	inv = scenario(&clk, "fair");
	assert_ok(bo_item_receive(inv, "x", 5, NULL));
	assert_ok(bo_order_modify(inv, "o3", "x", 1));
	expect_alloc(inv, 2, 1, 1, 1);
	th_close(inv);
}

static void test_take_back(void **state)
{
	th_clock clk;
	bo_inventory *inv;

	(void)state;
	inv = scenario(&clk, "fifo");
	assert_ok(bo_item_receive(inv, "x", 5, NULL)); /* 4 1 0 0 */
	assert_ok(bo_item_adjust(inv, "x", -2));
	expect_alloc(inv, 3, 0, 0, 0);
	check_queue(inv, "o1 o2 o3 o4");
	assert_ok(bo_item_adjust(inv, "x", 2)); /* given back in policy order */
	expect_alloc(inv, 4, 1, 0, 0);
	th_close(inv);

	inv = scenario(&clk, "priority");
	assert_ok(bo_item_receive(inv, "x", 5, NULL)); /* 0 2 0 3 */
	assert_ok(bo_item_adjust(inv, "x", -2));
	expect_alloc(inv, 0, 2, 0, 1);
	assert_ok(bo_item_adjust(inv, "x", -2));
	expect_alloc(inv, 0, 1, 0, 0);
	th_close(inv);

	inv = scenario(&clk, "due");
	assert_ok(bo_item_receive(inv, "x", 5, NULL)); /* 0 1 0 4 */
	assert_ok(bo_item_adjust(inv, "x", -2));
	expect_alloc(inv, 0, 0, 0, 3);
	th_close(inv);

	/* fair takes back in fifo order, from the last: o4 then o3 */
	inv = scenario(&clk, "fair");
	assert_ok(bo_item_receive(inv, "x", 5, NULL)); /* 1 1 2 1 */
	assert_ok(bo_item_adjust(inv, "x", -2));
	expect_alloc(inv, 1, 1, 1, 0);
	th_close(inv);
}

static void test_change_policy_reorders(void **state)
{
	th_clock clk;
	bo_inventory *inv;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	(void)state;
	inv = scenario(&clk, "fifo");
	s.fields = BO_ITEM_POLICY;
	s.policy = "priority";
	assert_ok(bo_item_set(inv, "x", &s));
	assert_string_equal(th_status(inv, "x").policy, "priority");
	check_queue(inv, "o2 o4 o3 o1");
	assert_ok(bo_item_receive(inv, "x", 3, NULL));
	expect_alloc(inv, 0, 2, 0, 1);
	s.policy = "due";
	assert_ok(bo_item_set(inv, "x", &s));
	check_queue(inv, "o4 o1 o3");
	assert_ok(bo_item_receive(inv, "x", 4, NULL));
	expect_alloc(inv, 1, 2, 0, 4);
	th_close(inv);
}

/* ---- custom policy ------------------------------------------------ */

typedef struct vip_data {
	int calls;
	int freed;
	int fail;
} vip_data;

/* VIP customers first (order ids "vip-..."), then the smallest order. */
static int vip_key(void *ud, const bo_line_view *line, int64_t key[BO_KEY_WORDS])
{
	vip_data *d = ud;

	d->calls++;
	if (d->fail)
		return 1;
	key[0] = strncmp(line->order_id, "vip-", 4) == 0 ? 0 : 1;
	key[1] = line->ordered;
	key[2] = 0;
	return 0;
}

static void vip_free(void *ud)
{
	((vip_data *)ud)->freed++;
}

static void test_custom_policy(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	bo_policy_methods m = BO_POLICY_METHODS_INIT;
	bo_policy *p = NULL, *p2 = NULL;
	vip_data d = { 0, 0, 0 };
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	char *q;

	(void)state;
	m.sort_key = vip_key;
	m.free = vip_free;
	assert_ok(bo_policy_custom(&p, "vip-first", &m, &d));
	assert_string_equal(bo_policy_name(p), "vip-first");
	assert_ok(bo_inventory_add_policy(inv, p));
	bo_policy_free(p); /* the inventory keeps its own reference */
	assert_int_equal(d.freed, 0);

	s.fields = BO_ITEM_POLICY;
	s.policy = "vip-first";
	assert_ok(bo_item_set(inv, "x", &s));
	assert_string_equal(th_status(inv, "x").policy, "vip-first");
	assert_ok(th_place(inv, "a1", "x", 5, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "vip-b", "x", 3, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "c", "x", 1, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "vip-d", "x", 10, 0, BO_NO_TIME));
	assert_ok(th_place(inv, "e", "x", 2, 0, BO_NO_TIME));
	assert_true(d.calls >= 5);
	q = th_queue(inv, "x");
	assert_string_equal(q, "vip-b vip-d c e a1");
	free(q);
	assert_ok(bo_item_receive(inv, "x", 14, NULL));
	assert_i64(th_line(inv, "vip-b", "x").allocated, 3);
	assert_i64(th_line(inv, "vip-d", "x").allocated, 10);
	assert_i64(th_line(inv, "c", "x").allocated, 1);
	assert_i64(th_line(inv, "e", "x").allocated, 0);
	assert_invariants(inv);

	/* a failing key callback fails the call with state and changes nothing */
	d.fail = 1;
	assert_rc(th_place(inv, "f", "x", 1, 0, BO_NO_TIME), BO_ESTATE);
	assert_has_error();
	{
		bo_order *o = NULL;
		assert_rc(bo_order_get(&o, inv, "f"), BO_ENOTFOUND);
	}
	d.fail = 0;
	assert_invariants(inv);

	/* another policy of the same name cannot be registered */
	{
		vip_data d2 = { 0, 0, 0 };
		assert_ok(bo_policy_custom(&p2, "vip-first", &m, &d2));
		assert_rc(bo_inventory_add_policy(inv, p2), BO_EEXISTS);
		bo_policy_free(p2);
		assert_int_equal(d2.freed, 1);
	}

	th_close(inv);
	assert_int_equal(d.freed, 1);
}

static void test_custom_policy_rules(void **state)
{
	bo_policy_methods m = BO_POLICY_METHODS_INIT;
	bo_policy *p = NULL;
	vip_data d = { 0, 0, 0 };
	char longname[BO_NAME_MAX + 2];

	(void)state;
	m.sort_key = vip_key;
	m.free = vip_free;
	assert_rc(bo_policy_custom(&p, "fifo", &m, &d), BO_EINVALID);
	assert_rc(bo_policy_custom(&p, "fair", &m, &d), BO_EINVALID);
	assert_rc(bo_policy_custom(&p, "Has Space", &m, &d), BO_EINVALID);
	assert_rc(bo_policy_custom(&p, "UPPER", &m, &d), BO_EINVALID);
	assert_rc(bo_policy_custom(&p, "", &m, &d), BO_EINVALID);
	assert_rc(bo_policy_custom(&p, NULL, &m, &d), BO_EINVALID);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_rc(bo_policy_custom(&p, longname, &m, &d), BO_EINVALID);
	longname[BO_NAME_MAX] = '\0';
	assert_ok(bo_policy_custom(&p, longname, &m, &d));
	bo_policy_free(p);
	assert_int_equal(d.freed, 1);
	p = NULL;
	m.sort_key = NULL;
	assert_rc(bo_policy_custom(&p, "ok_name", &m, &d), BO_EINVALID);
	m.sort_key = vip_key;
	m.version = 0;
	assert_rc(bo_policy_custom(&p, "ok_name", &m, &d), BO_EINVALID);
	assert_rc(bo_policy_custom(&p, "ok_name", NULL, &d), BO_EINVALID);
	assert_int_equal(d.freed, 1); /* not on failure */
	assert_null(p);

	assert_ok(bo_policy_builtin(&p, "due"));
	assert_string_equal(bo_policy_name(p), "due");
	bo_policy_free(p);
	assert_rc(bo_policy_builtin(&p, "lifo"), BO_EINVALID);
	assert_null(bo_policy_name(NULL));
	bo_policy_free(NULL);
}

/* ---- properties over random sequences ----------------------------- */

typedef struct lstate {
	char order_id[BO_ID_MAX + 1];
	char sku[BO_ID_MAX + 1];
	int64_t priority, due, allocated, backordered, ordered, queue_time;
} lstate;

typedef struct lset {
	lstate v[512];
	size_t n;
} lset;

static int lset_cb(void *ud, const bo_order *o)
{
	lset *s = ud;
	size_t i;

	for (i = 0; i < bo_order_line_count(o) && s->n < 512; i++) {
		bo_line_status l;
		lstate *x = &s->v[s->n++];
		memset(x, 0, sizeof(*x)); /* compared with memcmp */
		if (bo_order_line(&l, o, i) != BO_OK)
			return 1;
		snprintf(x->order_id, sizeof(x->order_id), "%s", bo_order_id(o));
		snprintf(x->sku, sizeof(x->sku), "%s", l.sku);
		x->priority = bo_order_priority(o);
		x->due = bo_order_due(o);
		x->allocated = l.allocated;
		x->backordered = l.backordered;
		x->ordered = l.ordered;
		x->queue_time = l.queue_time;
	}
	return 0;
}

static void capture(lset *s, bo_inventory *inv)
{
	s->n = 0;
	assert_ok(bo_order_foreach(inv, lset_cb, s));
}

static const lstate *find(const lset *s, const lstate *x)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].order_id, x->order_id) == 0 && strcmp(s->v[i].sku, x->sku) == 0)
			return &s->v[i];
	return NULL;
}

/*
 * Does y come strictly before x under the policy? Ties of the policy's own
 * key go fifo: an earlier queue time first (same-second ties are left out:
 * the placement sequence is not visible).
 */
static int ranks_before(const char *policy, const lstate *y, const lstate *x)
{
	int earlier = y->queue_time < x->queue_time;

	if (strcmp(policy, "fifo") == 0)
		return earlier;
	if (strcmp(policy, "priority") == 0)
		return y->priority > x->priority || (y->priority == x->priority && earlier);
	if (strcmp(policy, "due") == 0) {
		if (y->due == x->due)
			return earlier;
		return y->due != BO_NO_TIME && (x->due == BO_NO_TIME || y->due < x->due);
	}
	return 0;
}

enum op_kind { OP_PLACE, OP_RECEIVE, OP_CANCEL, OP_MODIFY, OP_SHIP, OP_ADJUST, OP_NKINDS };

static void check_step(const char *policy, enum op_kind op, int64_t qty, const char *sku,
		       const lset *before, const lset *after, int rc, int seqno, int step)
{
	size_t i, j;

	if (rc != BO_OK) {
		/* a failed call changes nothing */
		assert_int_equal(before->n, after->n);
		for (i = 0; i < after->n; i++)
			assert_memory_equal(&before->v[i], &after->v[i], sizeof(lstate));
		return;
	}
	for (i = 0; i < after->n; i++) {
		const lstate *x = &after->v[i];
		const lstate *bx = find(before, x);
		int64_t gained = x->allocated - (bx ? bx->allocated : 0);

		if (gained <= 0)
			continue;
		/* a new line never takes stock while another line waits */
		if (bx == NULL) {
			for (j = 0; j < before->n; j++) {
				if (strcmp(before->v[j].sku, x->sku) == 0 && before->v[j].backordered > 0) {
					print_error("seq %d step %d: new line %s/%s took %lld units while %s waited\n",
						    seqno, step, x->order_id, x->sku, (long long)gained,
						    before->v[j].order_id);
					fail();
				}
			}
			continue;
		}
		/* nobody ranked before x is left waiting while x was given stock */
		for (j = 0; j < after->n; j++) {
			const lstate *y = &after->v[j];
			if (y == x || strcmp(y->sku, x->sku) != 0 || y->backordered == 0)
				continue;
			if (find(before, y) == NULL)
				continue;
			if (ranks_before(policy, y, x)) {
				print_error("seq %d step %d (%s): %s/%s got %lld units while %s "
					    "(priority %lld due %lld vs %lld %lld) still waits %lld\n",
					    seqno, step, policy, x->order_id, x->sku, (long long)gained,
					    y->order_id, (long long)y->priority, (long long)y->due,
					    (long long)x->priority, (long long)x->due,
					    (long long)y->backordered);
				fail();
			}
		}
	}
	/* fair: shares of a restock within one unit of exact, total exact */
	if (strcmp(policy, "fair") == 0 && (op == OP_RECEIVE || (op == OP_ADJUST && qty > 0))) {
		int64_t wsum = 0, given = 0, share;
		for (i = 0; i < before->n; i++)
			if (strcmp(before->v[i].sku, sku) == 0)
				wsum += before->v[i].backordered;
		share = qty < wsum ? qty : wsum;
		for (i = 0; i < before->n; i++) {
			const lstate *bx = &before->v[i];
			const lstate *x = find(after, bx);
			int64_t g, lhs;
			if (strcmp(bx->sku, sku) != 0 || bx->backordered == 0)
				continue;
			assert_non_null(x);
			g = x->allocated - bx->allocated;
			given += g;
			/* |g - share * w / wsum| < 1  <=>  |g * wsum - share * w| < wsum */
			lhs = g * wsum - share * bx->backordered;
			if (lhs < 0)
				lhs = -lhs;
			if (lhs >= wsum) {
				print_error("seq %d step %d: fair share of %s is %lld, exact %lld*%lld/%lld\n",
					    seqno, step, bx->order_id, (long long)g, (long long)share,
					    (long long)bx->backordered, (long long)wsum);
				fail();
			}
		}
		assert_i64(given, share);
	}
}

static const char *const skus[2] = { "x", "y" };

static void run_property(const char *policy, int sequences, int ops)
{
	lset *before = malloc(sizeof(lset)), *after = malloc(sizeof(lset));
	int seqno, step;
	int autocheck = th_autocheck(0); /* checked explicitly after each step */

	assert_non_null(before);
	assert_non_null(after);
	for (seqno = 0; seqno < sequences; seqno++) {
		th_rng rng = { UINT64_C(0x5eed0000) + (uint64_t)seqno };
		th_clock clk = { T0 };
		bo_inventory *inv = th_open(&clk, policy, 0);
		int norders = 0;

		assert_ok(bo_item_set(inv, "x", NULL));
		assert_ok(bo_item_set(inv, "y", NULL));
		for (step = 0; step < ops; step++) {
			enum op_kind op = (enum op_kind)th_range(&rng, 0, 99);
			char id[32];
			const char *sku = skus[th_range(&rng, 0, 1)];
			int64_t qty = 0;
			int rc;

			op = op < 35 ? OP_PLACE : op < 55 ? OP_RECEIVE : op < 65 ? OP_CANCEL :
			     op < 77 ? OP_MODIFY : op < 89 ? OP_SHIP : OP_ADJUST;
			if (norders == 0 && op != OP_RECEIVE && op != OP_ADJUST)
				op = OP_PLACE;
			clk.now += th_range(&rng, 0, 2 * HOUR);
			capture(before, inv);
			if (op == OP_PLACE) {
				bo_order_options oo = BO_ORDER_OPTIONS_INIT;
				bo_line_spec l[2];
				size_t n = (size_t)th_range(&rng, 1, 2);
				oo.priority = th_range(&rng, 0, 3);
				oo.due = th_range(&rng, 0, 3) == 0 ? BO_NO_TIME
								   : T0 + th_range(&rng, 1, 20) * DAY;
				l[0].sku = sku;
				l[1].sku = sku == skus[0] ? skus[1] : skus[0];
				l[0].qty = th_range(&rng, 1, 6);
				l[1].qty = th_range(&rng, 1, 6);
				l[0].unit_price = l[1].unit_price = BO_NO_PRICE;
				snprintf(id, sizeof(id), "o%03d", norders++);
				rc = bo_order_place(inv, id, &oo, l, n);
				assert_ok(rc);
			} else {
				snprintf(id, sizeof(id), "o%03d",
					 norders > 0 ? (int)th_range(&rng, 0, norders - 1) : 0);
				switch (op) {
				case OP_RECEIVE:
					qty = th_range(&rng, 1, 12);
					rc = bo_item_receive(inv, sku, qty, NULL);
					assert_ok(rc);
					break;
				case OP_CANCEL:
					rc = bo_order_cancel(inv, id, sku, th_range(&rng, 0, 1) ? BO_ALL
										      : th_range(&rng, 1, 3));
					break;
				case OP_MODIFY:
					rc = bo_order_modify(inv, id, sku, th_range(&rng, 1, 8));
					break;
				case OP_SHIP:
					rc = th_range(&rng, 0, 1)
						     ? bo_order_ship(inv, id, NULL, BO_ALL)
						     : bo_order_ship(inv, id, sku, th_range(&rng, 1, 3));
					break;
				default:
					qty = th_range(&rng, -6, 8);
					if (qty == 0)
						qty = 1;
					rc = bo_item_adjust(inv, sku, qty);
					break;
				}
				if (rc != BO_OK && rc != BO_EINVALID && rc != BO_ESTATE &&
				    rc != BO_ENOTFOUND && rc != BO_EOUTOFSTOCK) {
					print_error("seq %d step %d: unexpected %s: %s\n", seqno, step,
						    bo_status_name(rc), bo_last_error());
					fail();
				}
			}
			capture(after, inv);
			check_step(policy, op, qty, sku, before, after, rc, seqno, step);
			assert_invariants(inv);
		}
		th_close(inv);
	}
	free(before);
	free(after);
	th_autocheck(autocheck);
}

static void test_property_fifo(void **state)
{
	(void)state;
	run_property("fifo", 200, 100);
}

static void test_property_priority(void **state)
{
	(void)state;
	run_property("priority", 200, 100);
}

static void test_property_due(void **state)
{
	(void)state;
	run_property("due", 200, 100);
}

static void test_property_fair(void **state)
{
	(void)state;
	run_property("fair", 200, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_orders),
		cmocka_unit_test(test_queue_key_extremes),
		cmocka_unit_test(test_restock),
		cmocka_unit_test(test_cancel_frees_to_next),
		cmocka_unit_test(test_modify_frees_to_next),
		cmocka_unit_test(test_take_back),
		cmocka_unit_test(test_change_policy_reorders),
		cmocka_unit_test(test_custom_policy),
		cmocka_unit_test(test_custom_policy_rules),
		cmocka_unit_test(test_property_fifo),
		cmocka_unit_test(test_property_priority),
		cmocka_unit_test(test_property_due),
		cmocka_unit_test(test_property_fair),
	};
	return cmocka_run_group_tests_name("policies", tests, NULL, NULL);
}
