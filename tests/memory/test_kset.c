/* The memory store's id index (src/storage/memory/kset.c), driven
 * directly with random operations against a sorted array of ids. */
#include "kset.h"
#include "rooms.h"

#include "backorder/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

typedef struct node {
	uint64_t tag;
	char id[BO_ID_MAX + 1];
} node;

typedef struct model {
	node **a; /* live nodes, sorted by id */
	size_t n, cap;
	node *last; /* the node added last, if it is still there */
} model;

/* Index of the first node whose id is >= id. */
static size_t m_lower(const model *m, const char *id)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(m->a[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static node *m_find(const model *m, const char *id, size_t *at)
{
	size_t i = m_lower(m, id);
	*at = i;
	return i < m->n && strcmp(m->a[i]->id, id) == 0 ? m->a[i] : NULL;
}

/* An id from a space of `space` ids: numbered ones as a shop writes them
 * (often in order), some long, some with bytes above 127. */
static void gen_id(char *out, uint64_t space)
{
	uint64_t v = room_below(space);
	switch (v % 4) {
	case 0:
		snprintf(out, BO_ID_MAX + 1, "O%07" PRIu64, v);
		break;
	case 1:
		snprintf(out, BO_ID_MAX + 1, "%" PRIu64, v * 7919);
		break;
	case 2: { /* 40 to 64 bytes */
		size_t len = 40 + (size_t)(v % 25);
		memset(out, 'x', len);
		snprintf(out + len - 12, 13, "%012" PRIu64, v % 1000000000000u); /* (12 digits) */
		break;
	}
	default:
		snprintf(out, BO_ID_MAX + 1, "\xc3\xa9-%" PRIu64, v);
		break;
	}
}

static void check_walk(bo__kset *ks, const model *m)
{
	size_t pos = 0, seen = 0;
	node *n;
	const char *after = NULL;
	for (size_t i = 0; i < m->n; i++) {
		n = bo__kset_next(ks, after, NULL);
		assert_ptr_equal(n, m->a[i]);
		after = n->id;
	}
	assert_null(bo__kset_next(ks, after, NULL));
	assert_int_equal(bo__kset_count(ks), m->n);
	while ((n = bo__kset_iter(ks, &pos)) != NULL) {
		size_t at;
		assert_ptr_equal(m_find(m, n->id, &at), n);
		seen++;
	}
	assert_int_equal(seen, m->n);
}

static void run(uint64_t space, long ops, bool in_order)
{
	bo__kset ks;
	model m = { NULL, 0, 0, NULL };
	uint64_t next = 0, gen;
	bo__kset_init(&ks, offsetof(node, id));
	for (long op = 0; op < ops; op++) {
		uint64_t r = room_below(100);
		char id[BO_ID_MAX + 1];
		size_t at;
		if (in_order && r < 50)
			snprintf(id, sizeof(id), "O%07" PRIu64, next++);
		else
			gen_id(id, space);
		if (r < 55) { /* add */
			node *n = m_find(&m, id, &at);
			assert_ptr_equal(bo__kset_find(&ks, id), n);
			if (n)
				continue;
			n = calloc(1, sizeof(*n));
			assert_non_null(n);
			memcpy(n->id, id, strlen(id) + 1);
			n->tag = room_rand();
			gen = bo__kset_gen(&ks);
			assert_true(bo__kset_reserve(&ks));
			assert_true(bo__kset_gen(&ks) == gen); /* growing is no change */
			if (room_below(2))
				bo__kset_add(&ks, n);
			else /* the hash a look-up computed, then the add */
				bo__kset_add_h(&ks, n, bo__kset_hash(n->id));
			assert_true(bo__kset_gen(&ks) != gen);
			if (m.n == m.cap) {
				m.cap = m.cap ? m.cap * 2 : 64;
				m.a = realloc(m.a, m.cap * sizeof(*m.a));
				assert_non_null(m.a);
			}
			memmove(&m.a[at + 1], &m.a[at], (m.n - at) * sizeof(*m.a));
			m.a[at] = n;
			m.n++;
			m.last = n;
		} else if (r < 70 && m.n > 0) { /* delete: the last added (an undo) or any */
			node *n = m.last && room_below(2) ? m.last : m.a[room_below(m.n)];
			assert_ptr_equal(m_find(&m, n->id, &at), n);
			gen = bo__kset_gen(&ks);
			bo__kset_del(&ks, n);
			assert_true(bo__kset_gen(&ks) != gen);
			assert_null(bo__kset_find(&ks, n->id));
			assert_null(bo__kset_find_h(&ks, n->id, bo__kset_hash(n->id)));
			memmove(&m.a[at], &m.a[at + 1], (m.n - at - 1) * sizeof(*m.a));
			m.n--;
			if (m.last == n)
				m.last = NULL;
			free(n);
		} else if (r < 95) { /* find */
			node *n = m_find(&m, id, &at);
			gen = bo__kset_gen(&ks);
			assert_ptr_equal(bo__kset_find(&ks, id), n);
			assert_ptr_equal(bo__kset_find_h(&ks, id, bo__kset_hash(id)), n);
			assert_true(bo__kset_gen(&ks) == gen);
			assert_true(bo__kset_hash(id) != 0);
			{ /* the hint's node: this one if stored, else one with the same hash or none */
				node *h = bo__kset_prefetch_node(&ks, id);
				if (n)
					assert_ptr_equal(h, n);
				else if (h)
					assert_true(bo__kset_hash(h->id) == bo__kset_hash(id) && strcmp(h->id, id) != 0);
			}
			if (m.n > 0) {
				n = m.a[room_below(m.n)];
				assert_ptr_equal(bo__kset_find(&ks, n->id), n);
				assert_ptr_equal(bo__kset_prefetch_node(&ks, n->id), n);
			}
		} else { /* ordered step from an id that may be absent */
			node *n = m_find(&m, id, &at);
			size_t i = n ? at + 1 : at;
			assert_ptr_equal(bo__kset_next(&ks, id, NULL), i < m.n ? m.a[i] : NULL);
		}
		/* the first ordered walk comes late: until then the set keeps
		 * no ordered list, and deletions move nodes in its array */
		if (op % 4999 == 4000)
			check_walk(&ks, &m);
	}
	check_walk(&ks, &m);
	for (size_t i = 0; i < m.n; i++)
		free(m.a[i]);
	free(m.a);
	bo__kset_free(&ks);
}

static void test_small_space(void **state)
{
	(void)state;
	run(300, room_ops(30000), false);
}

static void test_large_space(void **state)
{
	(void)state;
	run(1000000, room_ops(30000), false); /* grows the table past its first sizes */
}

static void test_ids_in_order(void **state)
{
	(void)state;
	run(5000, room_ops(30000), true);
}

static void test_empty(void **state)
{
	bo__kset ks;
	size_t pos = 0;
	(void)state;
	bo__kset_init(&ks, 0);
	assert_null(bo__kset_find(&ks, "x"));
	assert_null(bo__kset_prefetch_node(&ks, "x")); /* an empty set */
	assert_null(bo__kset_next(&ks, NULL, NULL));
	assert_null(bo__kset_next(&ks, "x", NULL));
	assert_null(bo__kset_iter(&ks, &pos));
	bo__kset_free(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_small_space),
		cmocka_unit_test(test_large_space),
		cmocka_unit_test(test_ids_in_order),
	};
	room_seed("kset", 15);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
