/*
 * Threads: four threads drive one inventory at once with a mix of place,
 * receive, modify, cancel and ship; afterwards the invariants hold and every
 * total reconciles with what the threads did and what the notifier saw.
 */
#include "helpers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NTHREADS 4
#define NOPS 1500
#define NSKUS 4

static const char *const skus[NSKUS] = { "s0", "s1", "s2", "s3" };

typedef struct worker {
	bo_inventory *inv;
	int id;
	int64_t received[NSKUS];
	int placed;
	int unexpected;         /* statuses other than the expected kinds */
	int last_unexpected;
} worker;

static void *work(void *p)
{
	worker *w = p;
	th_rng rng = { UINT64_C(1000) + (uint64_t)w->id };
	int i;

	for (i = 0; i < NOPS; i++) {
		int k = (int)th_range(&rng, 0, 99);
		int s = (int)th_range(&rng, 0, NSKUS - 1);
		char id[32];
		int rc;

		if (k < 35 || w->placed == 0) {
			bo_line_spec l[2];
			bo_order_options oo = BO_ORDER_OPTIONS_INIT;
			size_t n = (size_t)th_range(&rng, 1, 2);
			l[0].sku = skus[s];
			l[1].sku = skus[(s + 1) % NSKUS];
			l[0].qty = th_range(&rng, 1, 5);
			l[1].qty = th_range(&rng, 1, 5);
			l[0].unit_price = 100;
			l[1].unit_price = BO_NO_PRICE;
			oo.priority = th_range(&rng, 0, 3);
			snprintf(id, sizeof(id), "t%d-%05d", w->id, w->placed);
			rc = bo_order_place(w->inv, id, &oo, l, n);
			if (rc == BO_OK)
				w->placed++;
		} else if (k < 60) {
			int64_t q = th_range(&rng, 1, 6);
			rc = bo_item_receive(w->inv, skus[s], q, NULL);
			if (rc == BO_OK)
				w->received[s] += q;
		} else {
			/* any thread's order: they share the stock and the queues */
			int owner = (int)th_range(&rng, 0, NTHREADS - 1);
			snprintf(id, sizeof(id), "t%d-%05d", owner,
				 (int)th_range(&rng, 0, w->placed > 0 ? w->placed - 1 : 0));
			if (k < 72)
				rc = bo_order_cancel(w->inv, id, th_range(&rng, 0, 1) ? NULL : skus[s],
						     BO_ALL);
			else if (k < 82)
				rc = bo_order_modify(w->inv, id, skus[s], th_range(&rng, 1, 6));
			else if (k < 97)
				rc = bo_order_ship(w->inv, id, NULL, BO_ALL);
			else {
				bo_item_status st;
				rc = bo_item_status_get(&st, w->inv, skus[s]);
				if (rc == BO_OK && (st.allocated > st.on_hand || st.allocated < 0))
					rc = -100;
			}
			if (rc == BO_ENOTFOUND || rc == BO_ESTATE || rc == BO_EINVALID)
				rc = BO_OK;
		}
		if (rc != BO_OK) {
			w->unexpected++;
			w->last_unexpected = rc;
		}
	}
	return NULL;
}

typedef struct totals {
	int64_t allocated[NSKUS], backordered[NSKUS], shipped[NSKUS], cancelled[NSKUS];
	int64_t ordered[NSKUS];
	int orders;
	int broken;
} totals;

static int sku_index(const char *sku)
{
	int i;

	for (i = 0; i < NSKUS; i++)
		if (strcmp(sku, skus[i]) == 0)
			return i;
	return -1;
}

static int sum_cb(void *ud, const bo_order *o)
{
	totals *t = ud;
	size_t i;

	t->orders++;
	for (i = 0; i < bo_order_line_count(o); i++) {
		bo_line_status l;
		int s;
		if (bo_order_line(&l, o, i) != BO_OK || (s = sku_index(l.sku)) < 0) {
			t->broken++;
			continue;
		}
		if (l.ordered != l.allocated + l.backordered + l.shipped + l.cancelled)
			t->broken++;
		t->allocated[s] += l.allocated;
		t->backordered[s] += l.backordered;
		t->shipped[s] += l.shipped;
		t->cancelled[s] += l.cancelled;
		t->ordered[s] += l.ordered;
	}
	return 0;
}

static void test_four_threads(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	th_recorder rec;
	pthread_t th[NTHREADS];
	worker w[NTHREADS];
	totals t;
	int i, s, placed = 0;
	size_t e;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	memset(&t, 0, sizeof(t));
	th_recorder_attach(inv, &rec);
	th_item(inv, "s0", "fifo", BO_BACKORDER_ALLOW);
	th_item(inv, "s1", "priority", BO_BACKORDER_ALLOW);
	th_item(inv, "s2", "fair", BO_BACKORDER_ALLOW);
	th_item(inv, "s3", "due", BO_BACKORDER_ALLOW);
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].inv = inv;
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);

	for (i = 0; i < NTHREADS; i++) {
		if (w[i].unexpected) {
			print_error("thread %d: %d unexpected statuses, last %s\n", i,
				    w[i].unexpected, bo_status_name(w[i].last_unexpected));
			fail();
		}
		placed += w[i].placed;
	}
	assert_invariants(inv);
	assert_ok(bo_order_foreach(inv, sum_cb, &t));
	assert_int_equal(t.broken, 0);
	assert_int_equal(t.orders, placed);
	for (s = 0; s < NSKUS; s++) {
		bo_item_status st = th_status(inv, skus[s]);
		int64_t received = 0;
		for (i = 0; i < NTHREADS; i++)
			received += w[i].received[s];
		assert_i64(st.on_hand, received - t.shipped[s]);
		assert_i64(st.allocated, t.allocated[s]);
		assert_i64(st.backordered, t.backordered[s]);
		assert_i64(st.shipped, t.shipped[s]);
		assert_i64(st.cancelled, t.cancelled[s]);
		/* the notifier saw every shipment and cancellation exactly once */
		assert_i64(th_sum_qty(&rec, BO_EVENT_SHIPPED, NULL, skus[s]), t.shipped[s]);
		assert_i64(th_sum_qty(&rec, BO_EVENT_CANCELLED, NULL, skus[s]), t.cancelled[s]);
		/* no idle stock while lines wait */
		assert_true(st.backordered == 0 || st.available == 0);
	}
	assert_int_equal(th_count(&rec, BO_EVENT_ACCEPTED, NULL, NULL), (size_t)placed);
	for (e = 1; e < rec.n; e++)
		assert_true(rec.ev[e].seq > rec.ev[e - 1].seq);
	{
		size_t pending = 1;
		assert_ok(bo_inventory_pending(&pending, inv));
		assert_int_equal(pending, 0);
	}
	th_close(inv);
	th_recorder_fini(&rec);
}

/* A batch belongs to its thread: another thread's call waits for the
 * batch to end instead of joining it (a rollback would otherwise undo a
 * call that had returned BO_OK to that thread). */
typedef struct outsider {
	bo_inventory *inv;
	volatile int done;
	int rc;
} outsider;

static void *outsider_place(void *p)
{
	outsider *o = p;
	bo_line_spec l = { "s0", 1, BO_NO_PRICE };

	o->rc = bo_order_place(o->inv, "outsider", NULL, &l, 1);
	__atomic_store_n(&o->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_batch_is_the_threads(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	outsider o = { inv, 0, 99 };
	pthread_t th;
	bo_order *ord = NULL;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	(void)state;
	th_item(inv, "s0", "fifo", BO_BACKORDER_ALLOW);
	assert_ok(bo_inventory_batch_begin(inv));
	assert_ok(th_place(inv, "insider", "s0", 1, 0, BO_NO_TIME));
	assert_int_equal(pthread_create(&th, NULL, outsider_place, &o), 0);
	nanosleep(&ts, NULL);
	/* the outsider's call has not run inside the batch */
	assert_int_equal(__atomic_load_n(&o.done, __ATOMIC_SEQ_CST), 0);
	assert_ok(bo_inventory_batch_end(inv, 0));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_ok(o.rc);
	/* the rollback undid the batch's call, not the outsider's */
	assert_rc(bo_order_get(&ord, inv, "insider"), BO_ENOTFOUND);
	assert_ok(bo_order_get(&ord, inv, "outsider"));
	bo_order_free(ord);
	/* a batch left open is rolled back by bo_inventory_free() */
	assert_ok(bo_inventory_batch_begin(inv));
	assert_ok(th_place(inv, "insider", "s0", 1, 0, BO_NO_TIME));
	th_close(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_threads),
		cmocka_unit_test(test_batch_is_the_threads),
	};
	return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
