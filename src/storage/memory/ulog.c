/* ulog: the memory store's undo log (ulog.h). */
#include "ulog.h"

#include "arena.h"

#include <stdlib.h>
#include <string.h>

typedef bo__ufooter footer;

void *bo__ulog_push_grow(bo__ulog *ul, int kind, int a, int b, size_t n)
{
	size_t need = ((n + 7) & ~(size_t)7) + sizeof(footer), cap = ul->cap ? ul->cap * 2 : 16384;
	unsigned char *nb;
	if (ul->n + need > ul->cap) {
		while (cap < ul->n + need)
			cap *= 2;
		if (!(nb = bo_realloc(ul->b, cap)))
			return NULL;
		ul->b = nb;
		ul->cap = cap;
	}
	/* A long call (a restock filling a million lines) writes hundreds of
	 * megabytes of log: fault its pages in a megabyte at a time. */
	do
		ul->lim = bo__prefault(ul->b, ul->cap, ul->n, &ul->ready);
	while (ul->n + need > ul->lim);
	return bo__ulog_push(ul, kind, a, b, n);
}

void bo__ulog_pop(bo__ulog *ul)
{
	footer f;
	if (ul->n < sizeof(f))
		return;
	memcpy(&f, ul->b + ul->n - sizeof(f), sizeof(f));
	ul->n -= f.size + sizeof(f);
}

bool bo__ulog_take(bo__ulog *ul, size_t mark, bo__uentry *e)
{
	footer f;
	if (ul->n <= mark || ul->n < sizeof(f))
		return false;
	memcpy(&f, ul->b + ul->n - sizeof(f), sizeof(f));
	ul->n -= f.size + sizeof(f);
	e->kind = f.kind;
	e->a = f.a;
	e->b = f.b;
	e->payload = ul->b + ul->n;
	e->size = f.size;
	return true;
}

bool bo__ulog_mark(bo__ulog *ul)
{
	if (!bo__grow(&ul->marks, ul->nmarks, &ul->markcap, 8, sizeof(*ul->marks)))
		return false;
	ul->marks[ul->nmarks++] = ul->n;
	return true;
}

bool bo__ulog_unmark(bo__ulog *ul, size_t *pos)
{
	if (ul->nmarks == 0)
		return false;
	*pos = ul->marks[--ul->nmarks];
	return true;
}

void bo__ulog_free(bo__ulog *ul)
{
	bo_free(ul->b);
	bo_free(ul->marks);
	memset(ul, 0, sizeof(*ul));
}
