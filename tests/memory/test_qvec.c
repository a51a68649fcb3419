/* The memory store's queue (src/storage/memory/qvec.c), driven directly
 * with random operations against a plain sorted array. */
#include "qvec.h"
#include "rooms.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

typedef struct ref_slot {
	bo_queue_key key;
	uintptr_t ref;
} ref_slot;

/* The reference: a sorted array; a[0 .. n) starts at base + off, so that
 * taking the head (a fill) is O(1) as in the queue. */
typedef struct model {
	ref_slot *base, *a;
	size_t n, cap;
} model;

static size_t m_lower(const model *m, const bo_queue_key *k)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bo__keycmp(&m->a[mid].key, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int m_insert(model *m, const ref_slot *s)
{
	size_t i = m_lower(m, &s->key);
	if (i < m->n && bo__keycmp(&m->a[i].key, &s->key) == 0)
		return 1;
	if ((size_t)(m->a - m->base) + m->n == m->cap) {
		if (m->n * 2 >= m->cap) {
			size_t off = (size_t)(m->a - m->base);
			m->cap = m->cap ? m->cap * 2 : 64;
			m->base = realloc(m->base, m->cap * sizeof(*m->base));
			assert_non_null(m->base);
			m->a = m->base + off;
		}
		memmove(m->base, m->a, m->n * sizeof(*m->a));
		m->a = m->base;
	}
	memmove(&m->a[i + 1], &m->a[i], (m->n - i) * sizeof(*m->a));
	m->a[i] = *s;
	m->n++;
	return 0;
}

static void m_remove(model *m, size_t i)
{
	if (i == 0) {
		m->a++;
	} else {
		memmove(&m->a[i], &m->a[i + 1], (m->n - i - 1) * sizeof(*m->a));
	}
	m->n--;
}

static void same_slot(const bo__qslot *s, const ref_slot *r)
{
	assert_int_equal(bo__keycmp(&s->key, &r->key), 0);
	assert_true((uintptr_t)s->ref == r->ref);
}

/* The whole queue, both ways, against the model. */
static void check_all(bo__qvec *qv, const model *m)
{
	bo__qpos p;
	size_t i = 0;
	bool more;
	assert_int_equal(bo__qvec_count(qv), m->n);
	for (more = bo__qvec_next(qv, NULL, &p); more; more = bo__qvec_step(qv, &p)) {
		assert_true(i < m->n);
		same_slot(bo__qvec_at(qv, p), &m->a[i++]);
	}
	assert_int_equal(i, m->n);
	/* walks by key, as the core does: next(after the last one returned) */
	i = 0;
	for (more = bo__qvec_next(qv, NULL, &p); more; i++) {
		bo_queue_key k = bo__qvec_at(qv, p)->key;
		same_slot(bo__qvec_at(qv, p), &m->a[i]);
		more = bo__qvec_next(qv, &k, &p);
	}
	assert_int_equal(i, m->n);
	i = m->n;
	for (more = bo__qvec_prev(qv, NULL, &p); more; i--) {
		bo_queue_key k = bo__qvec_at(qv, p)->key;
		assert_true(i > 0);
		same_slot(bo__qvec_at(qv, p), &m->a[i - 1]);
		more = bo__qvec_prev(qv, &k, &p);
	}
	assert_int_equal(i, 0);
}

enum { SHAPE_FIFO, SHAPE_RANDOM, SHAPE_WORDS };

/* A key for `shape`: fifo (one word, growing sequence numbers), random
 * (every word and the sequence from small ranges, so that keys collide
 * and land anywhere) or words (a few policy words, growing sequences). */
static bo_queue_key gen_key(int shape, uint64_t *seq)
{
	bo_queue_key k;
	memset(&k, 0, sizeof(k));
	switch (shape) {
	case SHAPE_FIFO:
		k.k[0] = 1767225600;
		k.seq = ++*seq;
		break;
	case SHAPE_RANDOM:
		for (int w = 0; w < BO_KEY_WORDS; w++)
			k.k[w] = (int64_t)room_below(5) - 2 + (room_below(50) == 0 ? INT64_MIN / 2 : 0);
		k.seq = room_below(1000);
		break;
	default:
		k.k[0] = -(int64_t)room_below(4);
		k.k[1] = 1767225600 + (int64_t)room_below(3);
		k.seq = ++*seq;
		break;
	}
	return k;
}

static void run(int shape, long ops, long target)
{
	bo__qvec qv;
	model m = { NULL, NULL, 0, 0 };
	uint64_t seq = 0;
	bo__qvec_init(&qv);
	for (long op = 0; op < ops; op++) {
		uint64_t r = room_below(100);
		/* grow towards `target` slots, then hover around it */
		bool grow = m.n < (size_t)target ? r < 65 : r < 45;
		if (grow) {
			ref_slot s;
			int rc;
			s.key = gen_key(shape, &seq);
			s.ref = (uintptr_t)room_rand();
			rc = m_insert(&m, &s);
			assert_int_equal(bo__qvec_insert(&qv, &s.key, (void *)s.ref), rc);
		} else if (m.n > 0 && r < 80) {
			/* remove: mostly the head (fills), else anywhere (cancels), or the tail (take-back) */
			size_t i = r < 60 ? 0 : r < 75 ? (size_t)room_below(m.n) : m.n - 1;
			bo__qpos p;
			assert_true(bo__qvec_find(&qv, &m.a[i].key, &p));
			same_slot(bo__qvec_at(&qv, p), &m.a[i]);
			bo__qvec_remove(&qv, p);
			m_remove(&m, i);
		} else if (m.n > 0 && r < 90) {
			/* next / prev from a key that may or may not be there */
			bo_queue_key k = room_below(2) ? m.a[room_below(m.n)].key : gen_key(SHAPE_RANDOM, &seq);
			size_t i = m_lower(&m, &k);
			bo__qpos p;
			bool in = i < m.n && bo__keycmp(&m.a[i].key, &k) == 0;
			size_t nx = in ? i + 1 : i;
			if (nx < m.n) {
				assert_true(bo__qvec_next(&qv, &k, &p));
				same_slot(bo__qvec_at(&qv, p), &m.a[nx]);
			} else {
				assert_false(bo__qvec_next(&qv, &k, &p));
			}
			if (i > 0) {
				assert_true(bo__qvec_prev(&qv, &k, &p));
				same_slot(bo__qvec_at(&qv, p), &m.a[i - 1]);
			} else {
				assert_false(bo__qvec_prev(&qv, &k, &p));
			}
			/* a key that is not there is not found */
			assert_int_equal(bo__qvec_find(&qv, &k, &p), in);
		} else {
			/* head and tail */
			bo__qpos p;
			if (m.n == 0) {
				assert_false(bo__qvec_next(&qv, NULL, &p));
				assert_false(bo__qvec_prev(&qv, NULL, &p));
			} else {
				assert_true(bo__qvec_next(&qv, NULL, &p));
				same_slot(bo__qvec_at(&qv, p), &m.a[0]);
				assert_true(bo__qvec_prev(&qv, NULL, &p));
				same_slot(bo__qvec_at(&qv, p), &m.a[m.n - 1]);
			}
		}
		if (op % 4999 == 0)
			check_all(&qv, &m);
	}
	check_all(&qv, &m);
	/* empty it from the front, as one big fill does */
	while (m.n > 0) {
		bo__qpos p;
		assert_true(bo__qvec_next(&qv, NULL, &p));
		same_slot(bo__qvec_at(&qv, p), &m.a[0]);
		bo__qvec_remove(&qv, p);
		m_remove(&m, 0);
	}
	check_all(&qv, &m);
	/* an empty queue keeps one small chunk */
	assert_true(bo__qvec_capacity(&qv) <= 8);
	bo__qvec_free(&qv);
	free(m.base);
}

static void test_fifo_short(void **state)
{
	(void)state;
	run(SHAPE_FIFO, room_ops(20000), 40);
}

static void test_fifo_long(void **state)
{
	(void)state;
	run(SHAPE_FIFO, room_ops(60000), 5000); /* many chunks */
}

static void test_random_keys(void **state)
{
	(void)state;
	run(SHAPE_RANDOM, room_ops(40000), 1200);
}

static void test_policy_words(void **state)
{
	(void)state;
	run(SHAPE_WORDS, room_ops(40000), 1200);
}

/* Appends in order and pops from the front, for long: the fifo steady
 * state, which must neither lose slots nor grow without bound. */
static void test_steady_state(void **state)
{
	bo__qvec qv;
	uint64_t head = 1, tail = 0;
	(void)state;
	bo__qvec_init(&qv);
	for (long i = 0; i < room_ops(200000); i++) {
		bo_queue_key k;
		bo__qpos p;
		memset(&k, 0, sizeof(k));
		if (tail - head + 1 < 700 || room_below(2)) {
			k.seq = ++tail;
			assert_int_equal(bo__qvec_insert(&qv, &k, NULL), 0);
		} else {
			assert_true(bo__qvec_next(&qv, NULL, &p));
			assert_int_equal(bo__qvec_at(&qv, p)->key.seq, head);
			bo__qvec_remove(&qv, p);
			head++;
		}
		if (tail - head + 1 > 1500) { /* drain */
			while (tail - head + 1 > 700) {
				assert_true(bo__qvec_next(&qv, NULL, &p));
				assert_int_equal(bo__qvec_at(&qv, p)->key.seq, head++);
				bo__qvec_remove(&qv, p);
			}
		}
	}
	assert_int_equal(bo__qvec_count(&qv), tail - head + 1);
	/* the chunks hold what the live slots need, not what ever passed */
	assert_true(bo__qvec_capacity(&qv) <= 2 * bo__qvec_count(&qv) + 2 * BO__QCHUNK);
	/* nor does the directory: head chunks emptied by pops are dropped
	 * from its front and their room taken back */
	assert_true(qv.capc <= 64);
	bo__qvec_free(&qv);
}

/* A lone chunk of a queue whose length stays within bounds (fills pop
 * the front, placements append at the back, in any mix; 50 to 100 slots,
 * so that the chunk neither grows nor shrinks): no slot moves. Each slot
 * is still where the append put it when the pop takes it. */
static void test_fifo_moves_nothing(void **state)
{
	enum { LEN = 100, STEPS = 20000 };
	bo__qvec qv;
	const bo__qslot **at = calloc(LEN + STEPS + 1, sizeof(*at));
	uint64_t head = 1, tail = 0;
	size_t cap = 0;
	(void)state;
	assert_non_null(at);
	bo__qvec_init(&qv);
	for (int i = 0; i < STEPS + LEN; i++) {
		bo_queue_key k;
		bo__qpos p;
		memset(&k, 0, sizeof(k));
		size_t len = (size_t)(tail + 1 - head);
		if (len < LEN / 2 || (tail < LEN) || (len < LEN && room_below(2))) {
			k.seq = ++tail;
			assert_int_equal(bo__qvec_insert(&qv, &k, NULL), 0);
			assert_true(bo__qvec_find(&qv, &k, &p));
			at[tail] = bo__qvec_at(&qv, p);
		} else {
			assert_true(bo__qvec_next(&qv, NULL, &p));
			assert_int_equal(bo__qvec_at(&qv, p)->key.seq, head);
			if (head > LEN) /* (not the ones the chunk's growth moved) */
				assert_ptr_equal(bo__qvec_at(&qv, p), at[head]);
			bo__qvec_remove(&qv, p);
			head++;
		}
		if (tail == LEN)
			cap = bo__qvec_capacity(&qv);
	}
	assert_true(head > 2 * LEN);
	assert_int_equal(bo__qvec_capacity(&qv), cap); /* and it never grew */
	bo__qvec_free(&qv);
	free(at);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_short),
		cmocka_unit_test(test_fifo_long),
		cmocka_unit_test(test_random_keys),
		cmocka_unit_test(test_policy_words),
		cmocka_unit_test(test_steady_state),
		cmocka_unit_test(test_fifo_moves_nothing),
	};
	room_seed("qvec", 15);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
