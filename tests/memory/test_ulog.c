/* The memory store's undo log (src/storage/memory/ulog.c), driven directly
 * with random operations against a plain stack of entries. */
#include "ulog.h"
#include "rooms.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

typedef struct entry {
	int kind, a, b;
	size_t n;
	unsigned char bytes[600];
} entry;

typedef struct model {
	entry *e;
	size_t n, cap;
	size_t marks[64]; /* entries below each mark */
	size_t nmarks;
} model;

static void gen(entry *e)
{
	e->kind = (int)room_below(256);
	e->a = (int)room_below(256);
	e->b = (int)room_below(256);
	e->n = room_below(10) == 0 ? 0 : (size_t)room_below(sizeof(e->bytes) + 1);
	for (size_t i = 0; i < e->n; i++)
		e->bytes[i] = (unsigned char)room_rand();
}

static void same(const bo__uentry *u, const entry *e)
{
	assert_int_equal(u->kind, e->kind);
	assert_int_equal(u->a, e->a);
	assert_int_equal(u->b, e->b);
	assert_int_equal(u->size, (e->n + 7) & ~(size_t)7);
	assert_int_equal(u->size % 8, 0);
	if (e->n)
		assert_memory_equal(u->payload, e->bytes, e->n);
}

/* Take entries back to `mark` (a position of the log), checking each
 * against the model down to `to` entries. */
static void take_to(bo__ulog *ul, model *m, size_t pos, size_t to)
{
	bo__uentry u;
	while (m->n > to) {
		assert_true(bo__ulog_take(ul, pos, &u));
		same(&u, &m->e[--m->n]);
	}
	assert_false(bo__ulog_take(ul, pos, &u));
	assert_int_equal(bo__ulog_pos(ul), pos);
}

static void test_random(void **state)
{
	bo__ulog ul;
	model m;
	size_t pos_of[64];
	(void)state;
	memset(&ul, 0, sizeof(ul));
	memset(&m, 0, sizeof(m));
	for (long op = 0; op < room_ops(40000); op++) {
		uint64_t r = room_below(100);
		if (r < 60) { /* add */
			entry e;
			gen(&e);
			assert_true(bo__ulog_add(&ul, e.kind, e.a, e.b, e.n ? e.bytes : NULL, e.n));
			if (m.n == m.cap) {
				m.cap = m.cap ? m.cap * 2 : 64;
				m.e = realloc(m.e, m.cap * sizeof(*m.e));
				assert_non_null(m.e);
			}
			m.e[m.n++] = e;
		} else if (r < 68 && m.n > (m.nmarks ? m.marks[m.nmarks - 1] : 0)) { /* pop: the change did not happen */
			bo__ulog_pop(&ul);
			m.n--;
		} else if (r < 78 && m.nmarks < 64) { /* savepoint */
			assert_true(bo__ulog_mark(&ul));
			pos_of[m.nmarks] = bo__ulog_pos(&ul);
			m.marks[m.nmarks++] = m.n;
		} else if (r < 86 && m.nmarks > 0) { /* release */
			size_t pos;
			assert_true(bo__ulog_unmark(&ul, &pos));
			assert_int_equal(pos, pos_of[--m.nmarks]);
		} else if (r < 94 && m.nmarks > 0) { /* rollback to */
			size_t pos;
			assert_true(bo__ulog_unmark(&ul, &pos));
			m.nmarks--;
			assert_int_equal(pos, pos_of[m.nmarks]);
			take_to(&ul, &m, pos, m.marks[m.nmarks]);
		} else if (r < 97) { /* rollback */
			take_to(&ul, &m, 0, 0);
			bo__ulog_clear(&ul);
			m.nmarks = 0;
		} else { /* commit */
			bo__ulog_clear(&ul);
			m.n = 0;
			m.nmarks = 0;
			assert_int_equal(bo__ulog_pos(&ul), 0);
			assert_int_equal(bo__ulog_marks(&ul), 0);
		}
		assert_int_equal(bo__ulog_marks(&ul), m.nmarks);
	}
	take_to(&ul, &m, 0, 0);
	{
		size_t pos;
		while (bo__ulog_unmark(&ul, &pos))
			;
	}
	bo__ulog_free(&ul);
	free(m.e);
}

static void test_empty(void **state)
{
	bo__ulog ul;
	bo__uentry u;
	size_t pos;
	(void)state;
	memset(&ul, 0, sizeof(ul));
	assert_false(bo__ulog_take(&ul, 0, &u));
	assert_false(bo__ulog_unmark(&ul, &pos));
	bo__ulog_pop(&ul); /* nothing to pop: nothing happens */
	assert_int_equal(bo__ulog_pos(&ul), 0);
	bo__ulog_free(&ul);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_random),
	};
	room_seed("ulog", 15);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
