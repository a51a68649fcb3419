/* ulog: the memory store's undo log (ulog.h). */
#include "ulog.h"

#include "arena.h"

#include <stdlib.h>
#include <string.h>

typedef struct footer {
	uint32_t size;
	uint8_t kind, a, b, pad;
} footer;

void *bo__ulog_push(bo__ulog *ul, int kind, int a, int b, size_t n)
{
	size_t pay = (n + 7) & ~(size_t)7, need = pay + sizeof(footer);
	unsigned char *p;
	footer f;
	if (ul->n + need > ul->cap) {
		size_t cap = ul->cap ? ul->cap * 2 : 16384;
		unsigned char *nb;
		while (cap < ul->n + need)
			cap *= 2;
		if (!(nb = bo_realloc(ul->b, cap)))
			return NULL;
		ul->b = nb;
		ul->cap = cap;
	}
	p = ul->b + ul->n;
	if (pay > n) /* the padding: zero, so a log's bytes do not depend on the past */
		memset(p + n, 0, pay - n);
	f.size = (uint32_t)pay;
	f.kind = (uint8_t)kind;
	f.a = (uint8_t)a;
	f.b = (uint8_t)b;
	f.pad = 0;
	memcpy(p + pay, &f, sizeof(f));
	ul->n += need;
	return p;
}

bool bo__ulog_add(bo__ulog *ul, int kind, int a, int b, const void *payload, size_t n)
{
	void *p = bo__ulog_push(ul, kind, a, b, n);
	if (p && n)
		memcpy(p, payload, n);
	return p != NULL;
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
