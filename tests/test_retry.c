/*
 * What the core does for stores with several writers (DESIGN §7, §8):
 * a callback's BO_STORAGE_RETRY runs the call again from the start, a
 * bounded number of times; sequences come from the store's seq_take when
 * it has one (no metadata counter written); items are locked in SKU order.
 * The memory store, wrapped so that each of these can be provoked.
 */
#include "helpers.h"
#include "failing_storage.h"

#include <stdlib.h>
#include <string.h>

static const bo_storage *inner_vt;
static failing_storage *fs;

static int retry_commits;       /* the next this-many commits lose a conflict */
static int commits_seen;
static uint64_t seq_next[3];    /* per bo_seq_kind */
static int seq_calls;
static int seq_calls_kind[3];   /* per bo_seq_kind */
static int add_calls;           /* outbox_add */
static char item_order[256];    /* SKUs in the order item_get saw them (for update) */

static int w_commit(void *ud)
{
	commits_seen++;
	if (retry_commits > 0) {
		retry_commits--;
		bo_storage_error("test: could not serialize access (provoked)");
		return BO_STORAGE_RETRY;
	}
	return fs->vt.commit(ud);
}

static int w_seq_take(void *ud, int kind, size_t n, uint64_t *out)
{
	(void)ud;
	seq_calls++;
	seq_calls_kind[kind]++;
	for (size_t i = 0; i < n; i++) {
		seq_next[kind] += 10; /* gaps, as a server's sequence may leave */
		out[i] = seq_next[kind];
	}
	return BO_OK;
}

/* A store that numbers events itself (outbox_add): the memory store's
 * outbox under numbers ending in 7. */
static int w_outbox_add(void *ud, const bo_event_rec *ev)
{
	bo_event_rec e = *ev;
	add_calls++;
	seq_next[BO_SEQ_EVENT] += 10;
	e.seq = seq_next[BO_SEQ_EVENT] + 7;
	return fs->vt.outbox_append(ud, &e);
}

static int w_item_get(void *ud, const char *sku, bo_item_rec *out, int for_update)
{
	if (for_update && strlen(item_order) + strlen(sku) + 2 < sizeof(item_order)) {
		strcat(item_order, sku);
		strcat(item_order, " ");
	}
	return fs->vt.item_get(ud, sku, out, for_update);
}

typedef struct fx {
	th_clock clk;
	bo_inventory *inv;
	th_recorder rec;
	bo_storage vt;
} fx;

static int setup_with(void **state, int store_numbers)
{
	fx *f = calloc(1, sizeof(*f));
	void *ud = NULL;
	assert_non_null(f);
	assert_ok(bo_memory_storage(&inner_vt, &ud));
	assert_ok(failing_storage_new(&fs, inner_vt, ud));
	f->vt = fs->vt;
	f->vt.commit = w_commit;
	f->vt.seq_take = w_seq_take;
	f->vt.item_get = w_item_get;
	if (store_numbers)
		f->vt.outbox_add = w_outbox_add;
	f->clk.now = T0;
	retry_commits = commits_seen = seq_calls = add_calls = 0;
	memset(seq_calls_kind, 0, sizeof(seq_calls_kind));
	memset(seq_next, 0, sizeof(seq_next));
	item_order[0] = '\0';
	f->inv = th_open_with(&f->vt, fs, &f->clk, NULL, 1);
	th_recorder_attach(f->inv, &f->rec);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, 0);
}

static int setup_add(void **state)
{
	return setup_with(state, 1);
}

static int teardown(void **state)
{
	fx *f = *state;
	th_close(f->inv);
	th_recorder_fini(&f->rec);
	free(f);
	return 0;
}

static void test_retry_runs_the_call_again(void **state)
{
	fx *f = *state;
	bo_order *o = NULL;
	assert_ok(bo_item_set(f->inv, "x", NULL));
	th_recorder_clear(&f->rec);
	retry_commits = 3;
	commits_seen = 0;
	assert_ok(th_place(f->inv, "o1", "x", 2, 0, BO_NO_TIME));
	assert_int_equal(retry_commits, 0); /* three lost, then one won */
	assert_true(commits_seen >= 4);
	assert_ok(bo_order_get(&o, f->inv, "o1"));
	bo_order_free(o);
	/* one order, one set of events: the lost runs left nothing */
	assert_int_equal(th_count(&f->rec, BO_EVENT_ACCEPTED, "o1", NULL), 1);
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACKORDERED, "o1", NULL), 1);
	assert_i64(th_status(f->inv, "x").backordered, 2);
}

static void test_retry_gives_up(void **state)
{
	fx *f = *state;
	bo_order *o = NULL;
	assert_ok(bo_item_set(f->inv, "x", NULL));
	th_recorder_clear(&f->rec);
	retry_commits = 1000;
	commits_seen = 0;
	assert_rc(th_place(f->inv, "o1", "x", 2, 0, BO_NO_TIME), BO_ESTORAGE);
	assert_non_null(strstr(bo_last_error(), "conflict"));
	assert_non_null(strstr(bo_last_error(), "provoked"));
	assert_true(commits_seen >= 2 && commits_seen <= 20); /* bounded */
	retry_commits = 0;
	assert_rc(bo_order_get(&o, f->inv, "o1"), BO_ENOTFOUND);
	assert_int_equal(f->rec.n, 0);
	assert_i64(th_status(f->inv, "x").backordered, 0);
	/* and the next call goes through */
	assert_ok(th_place(f->inv, "o1", "x", 2, 0, BO_NO_TIME));
}

static void test_no_retry_inside_a_batch(void **state)
{
	fx *f = *state;
	assert_ok(bo_item_set(f->inv, "x", NULL));
	assert_ok(bo_inventory_batch_begin(f->inv));
	assert_ok(th_place(f->inv, "o1", "x", 1, 0, BO_NO_TIME));
	retry_commits = 1;
	/* the batch commits once, at its end: the conflict fails the batch */
	assert_rc(bo_inventory_batch_end(f->inv, 1), BO_ESTORAGE);
	retry_commits = 0;
	{
		bo_order *o = NULL;
		assert_rc(bo_order_get(&o, f->inv, "o1"), BO_ENOTFOUND);
	}
}

static void test_sequences_from_the_store(void **state)
{
	fx *f = *state;
	int64_t v;
	assert_ok(bo_item_set(f->inv, "x", NULL));
	th_recorder_clear(&f->rec);
	assert_ok(th_place(f->inv, "o1", "x", 1, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "o2", "x", 1, 0, BO_NO_TIME));
	assert_ok(bo_item_subscribe(f->inv, "x", "ann"));
	/* event numbers are the store's (gaps and all), delivered in order */
	assert_true(f->rec.n >= 4);
	for (size_t i = 0; i < f->rec.n; i++) {
		assert_int_equal(f->rec.ev[i].seq % 10, 0);
		if (i > 0)
			assert_true(f->rec.ev[i].seq > f->rec.ev[i - 1].seq);
	}
	assert_true(seq_next[BO_SEQ_LINE] == 20);
	assert_true(seq_next[BO_SEQ_SUB] == 10);
	/* no metadata counter row was written */
	assert_rc(inner_vt->meta_get(fs->inner_data, "event_seq", &v), BO_ENOTFOUND);
	assert_rc(inner_vt->meta_get(fs->inner_data, "line_seq", &v), BO_ENOTFOUND);
	assert_rc(inner_vt->meta_get(fs->inner_data, "sub_seq", &v), BO_ENOTFOUND);
	/* fifo still holds: o1 before o2 */
	{
		char *q = th_queue(f->inv, "x");
		assert_string_equal(q, "o1 o2");
		free(q);
	}
}

/*
 * A store with outbox_add numbers the events itself: the core hands every
 * event to it, in order, and takes no event numbers from
 * seq_take; dispatch delivers the store's numbers in order; a call run
 * again after a lost conflict leaves one set of events.
 */
static void test_store_numbers_events(void **state)
{
	fx *f = *state;
	size_t i;
	assert_ok(bo_item_set(f->inv, "x", NULL));
	assert_ok(bo_item_receive(f->inv, "x", 1, NULL));
	th_recorder_clear(&f->rec);
	add_calls = 0;
	assert_ok(th_place(f->inv, "o1", "x", 1, 0, BO_NO_TIME)); /* accepted, allocated, ready */
	assert_int_equal(add_calls, 3);
	assert_ok(th_place(f->inv, "o2", "x", 2, 0, BO_NO_TIME)); /* accepted, backordered */
	assert_int_equal(add_calls, 5);
	retry_commits = 2;
	assert_ok(th_place(f->inv, "o3", "x", 1, 0, BO_NO_TIME));
	assert_int_equal(retry_commits, 0);
	assert_int_equal(seq_calls_kind[BO_SEQ_EVENT], 0);
	assert_true(seq_calls_kind[BO_SEQ_LINE] > 0); /* the other sequences as before */
	assert_int_equal(f->rec.n, 7);
	for (i = 0; i < f->rec.n; i++) {
		assert_int_equal(f->rec.ev[i].seq % 10, 7);
		if (i > 0)
			assert_true(f->rec.ev[i].seq > f->rec.ev[i - 1].seq);
	}
	assert_int_equal(f->rec.ev[0].kind, BO_EVENT_ACCEPTED);
	assert_int_equal(f->rec.ev[1].kind, BO_EVENT_ALLOCATED);
	assert_int_equal(f->rec.ev[2].kind, BO_EVENT_READY);
	assert_int_equal(th_count(&f->rec, BO_EVENT_ACCEPTED, "o3", NULL), 1);
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACKORDERED, "o3", NULL), 1);
	assert_ok(bo_inventory_check(f->inv));
}

static void test_items_locked_in_sku_order(void **state)
{
	fx *f = *state;
	bo_line_spec ls[3] = { { "c", 1, BO_NO_PRICE }, { "a", 1, BO_NO_PRICE }, { "b", 1, BO_NO_PRICE } };
	assert_ok(bo_item_set(f->inv, "a", NULL));
	assert_ok(bo_item_set(f->inv, "b", NULL));
	assert_ok(bo_item_set(f->inv, "c", NULL));
	item_order[0] = '\0';
	assert_ok(bo_order_place(f->inv, "o1", NULL, ls, 3));
	assert_string_equal(item_order, "a b c ");
	item_order[0] = '\0';
	assert_ok(bo_order_cancel(f->inv, "o1", NULL, BO_ALL));
	assert_string_equal(item_order, "a b c ");
	/* an unknown SKU is still reported by its line, after the lock pass */
	{
		bo_line_spec bad[2] = { { "zz", 1, BO_NO_PRICE }, { "yy", 1, BO_NO_PRICE } };
		assert_rc(bo_order_place(f->inv, "o2", NULL, bad, 2), BO_ENOTFOUND);
		assert_non_null(strstr(bo_last_error(), "zz"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_retry_runs_the_call_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_retry_inside_a_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequences_from_the_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items_locked_in_sku_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_numbers_events, setup_add, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
