/* The memory store's arenas and big tables (src/storage/memory/arena.c),
 * driven directly with random operations against a list of what was handed
 * out: every piece keeps the bytes it was filled with (no two overlap), is
 * aligned, and what is given back is handed out again. */
#include "arena.h"
#include "rooms.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

typedef struct piece {
	unsigned char *p;
	size_t n;
	unsigned char fill;
} piece;

typedef struct model {
	piece *a;
	size_t n, cap;
} model;

static void push(model *m, piece pc)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->a = realloc(m->a, m->cap * sizeof(*m->a));
		assert_non_null(m->a);
	}
	m->a[m->n++] = pc;
}

static void check_piece(const piece *pc)
{
	static unsigned char same[4096];
	for (size_t i = 0; i < pc->n; i += sizeof(same)) {
		size_t k = pc->n - i < sizeof(same) ? pc->n - i : sizeof(same);
		memset(same, pc->fill, k);
		if (memcmp(pc->p + i, same, k) != 0)
			fail_msg("a piece of %zu bytes lost its bytes near %zu", pc->n, i);
	}
}

static void test_arena(void **state)
{
	bo__arena a;
	model m = { NULL, 0, 0 };
	(void)state;
	memset(&a, 0, sizeof(a));
	for (long op = 0; op < room_ops(20000); op++) {
		uint64_t r = room_below(100);
		if (r < 85 || m.n == 0) {
			/* mostly small pieces (order nodes), sometimes large ones */
			size_t n = r < 84 ? 1 + (size_t)room_below(300) : 1 + (size_t)room_below(300 << 10);
			piece pc = { bo__arena_alloc(&a, n), n, (unsigned char)(1 + room_below(255)) };
			assert_non_null(pc.p);
			assert_int_equal((uintptr_t)pc.p % BO__ARENA_ALIGN, 0);
			memset(pc.p, pc.fill, n);
			push(&m, pc);
		} else {
			/* give back the last piece (an undone creation): it is handed out again */
			piece pc = m.a[--m.n];
			check_piece(&pc);
			bo__arena_unalloc(&a, pc.p, pc.n);
			if (room_below(2)) {
				unsigned char *again = bo__arena_alloc(&a, pc.n);
				/* the same bytes, unless the piece had opened a new block */
				if (again != pc.p) {
					bo__arena_unalloc(&a, again, pc.n);
				} else {
					memset(again, pc.fill, pc.n);
					push(&m, pc);
				}
			}
		}
		if (op % 4999 == 0)
			for (size_t i = 0; i < m.n; i++)
				check_piece(&m.a[i]);
	}
	for (size_t i = 0; i < m.n; i++)
		check_piece(&m.a[i]);
	assert_true(bo__arena_size(&a) > 0);
	bo__arena_free(&a);
	assert_int_equal(bo__arena_size(&a), 0);
	/* empty again, and usable */
	assert_non_null(bo__arena_alloc(&a, 10));
	bo__arena_free(&a);
	free(m.a);
}

static void test_big(void **state)
{
	(void)state;
	for (int i = 0; i < 40; i++) {
		size_t n = i % 2 ? 1 + (size_t)room_below(100000) : 1 + (size_t)room_below(5 << 20);
		unsigned char *p = bo__big_calloc(n);
		assert_non_null(p);
		for (size_t j = 0; j < n; j += 1 + (size_t)room_below(4096))
			assert_int_equal(p[j], 0);
		assert_int_equal(p[n - 1], 0);
		memset(p, 0xab, n);
		bo__big_free(p, n);
	}
	bo__big_free(NULL, 0);
}

static void test_grow(void **state)
{
	int *a = NULL;
	size_t cap = 0;
	(void)state;
	for (size_t n = 0; n < 10000; n++) {
		assert_true(bo__grow(&a, n, &cap, 4, sizeof(*a)));
		assert_true(cap > n);
		a[n] = (int)n;
	}
	for (size_t n = 0; n < 10000; n++)
		assert_int_equal(a[n], (int)n);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_grow),
	};
	room_seed("arena", 15);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
