/* The memory store's history records (src/storage/memory/hist.c), driven
 * directly with random operations (add, put, delete, transactions and
 * savepoints) against a plain array of records, copied whole at every
 * savepoint. The model adds with the core's bo_hist_rec_add()
 * (src/history.c, linked in), the definition the store's own in-place
 * add must agree with, saturation included. */
#include "hist.h"
#include "rooms.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAXREC 4000
typedef struct model {
	bo_hist_rec r[MAXREC];
	size_t n;
} model;

static model cur, saved[8];
static size_t nsaved;

static bo_hist_rec *m_find(model *m, const char *sku, int64_t day)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].day == day && strcmp(m->r[i].sku, sku) == 0)
			return &m->r[i];
	return NULL;
}

static void gen(bo_hist_rec *r, int64_t *clock)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->sku, sizeof(r->sku), "SKU-%d", (int)room_below(12));
	/* days mostly move on; sometimes an old one */
	if (room_below(5) == 0)
		*clock += 1;
	r->day = room_below(6) ? *clock : *clock - (int64_t)room_below(30);
	r->ordered = (int64_t)room_below(10);
	r->backordered = (int64_t)room_below(5);
	r->cancelled = (int64_t)room_below(3);
	r->filled_lines = (int64_t)room_below(4);
	r->wait_sum = room_below(50) ? (int64_t)room_below(100000) : INT64_MAX - 5;
	r->wait_max = (int64_t)room_below(90000);
	/* bucket 0 gets something most times, near the top now and then, so
	 * that its sums saturate */
	r->wait_hist[0] = room_below(40) ? (uint32_t)room_below(3) : UINT32_MAX - 1;
	r->wait_hist[room_below(BO_HIST_WAIT_BUCKETS)] += room_below(40) ? (uint32_t)room_below(3) : UINT32_MAX / 2;
}

static void same_all(const bo__hist *h, model *m)
{
	size_t total = 0;
	for (size_t i = 0; i < m->n; i++) {
		bo_hist_rec got;
		assert_true(bo__hist_get(h, m->r[i].sku, m->r[i].day, &got));
		assert_memory_equal(&got, &m->r[i], sizeof(got));
	}
	/* walks by day, SKU by SKU */
	for (int k = 0; k < 12; k++) {
		char sku[16];
		bo_hist_rec got;
		int64_t after = INT64_MIN, last = INT64_MIN;
		snprintf(sku, sizeof(sku), "SKU-%d", k);
		while (bo__hist_next(h, sku, after, &got)) {
			bo_hist_rec *want = m_find(m, sku, got.day);
			assert_non_null(want);
			assert_memory_equal(&got, want, sizeof(got));
			assert_true(got.day > last);
			last = after = got.day;
			total++;
		}
	}
	assert_int_equal(total, m->n);
	assert_int_equal(bo__hist_count(h), m->n);
}

static void test_random(void **state)
{
	bo__hist h;
	int64_t clock = 20454;
	bool in_txn = false;
	(void)state;
	struct hseries *hints[12] = { NULL };
	bo__hist_init(&h);
	cur.n = 0;
	nsaved = 0;
	for (long op = 0; op < room_ops(40000); op++) {
		uint64_t r = room_below(100);
		bo_hist_rec d, *have;
		if (r < 45 && cur.n < MAXREC) { /* add */
			struct hseries **hint = NULL;
			gen(&d, &clock);
			if (room_below(2)) { /* with the hint the memory store keeps per item */
				hint = &hints[atoi(d.sku + 4) % 12];
				assert_true(bo__hist_add_hint(&h, &d, hint));
				assert_non_null(*hint);
			} else {
				assert_true(bo__hist_add(&h, &d));
			}
			if ((have = m_find(&cur, d.sku, d.day)) != NULL) {
				bo_hist_rec_add(have, &d);
			} else {
				bo_hist_rec z;
				memset(&z, 0, sizeof(z));
				memcpy(z.sku, d.sku, sizeof(z.sku));
				z.day = d.day;
				bo_hist_rec_add(&z, &d);
				cur.r[cur.n++] = z;
			}
			if (hint) {
				/* the series' latest record (the memory store's prefetch
				 * hint) is its latest day's: a record begins with its day */
				const void *latest = bo__hist_latest(*hint);
				int64_t last = INT64_MIN, got;
				for (size_t i = 0; i < cur.n; i++)
					if (strcmp(cur.r[i].sku, d.sku) == 0 && cur.r[i].day > last)
						last = cur.r[i].day;
				assert_non_null(latest);
				memcpy(&got, latest, sizeof(got));
				assert_int_equal(got, last);
			}
		} else if (r < 55 && cur.n < MAXREC) { /* put */
			gen(&d, &clock);
			assert_true(bo__hist_put(&h, &d));
			if ((have = m_find(&cur, d.sku, d.day)) != NULL)
				*have = d;
			else
				cur.r[cur.n++] = d;
		} else if (r < 62) { /* get, maybe of nothing */
			bo_hist_rec got;
			gen(&d, &clock);
			have = m_find(&cur, d.sku, d.day);
			assert_int_equal(bo__hist_get(&h, d.sku, d.day, &got), have != NULL);
			if (have)
				assert_memory_equal(&got, have, sizeof(got));
		} else if (r < 70 && !in_txn) { /* begin */
			bo__hist_begin(&h);
			in_txn = true;
			saved[0] = cur;
			nsaved = 1;
		} else if (r < 78 && in_txn && nsaved < 8) { /* savepoint */
			assert_true(bo__hist_savepoint(&h));
			saved[nsaved++] = cur;
		} else if (r < 84 && in_txn && nsaved > 1) { /* release */
			bo__hist_release(&h);
			nsaved--;
		} else if (r < 90 && in_txn && nsaved > 1) { /* rollback to */
			bo__hist_rollback_to(&h);
			cur = saved[--nsaved];
		} else if (r < 95 && in_txn) { /* commit */
			bo__hist_commit(&h);
			in_txn = false;
		} else if (in_txn) { /* rollback */
			bo__hist_rollback(&h);
			cur = saved[0];
			in_txn = false;
		}
		if (op % 997 == 0)
			same_all(&h, &cur);
	}
	if (in_txn)
		bo__hist_commit(&h);
	same_all(&h, &cur);
	bo__hist_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};
	room_seed("hist", 15);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
