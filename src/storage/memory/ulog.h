/* ulog: the memory store's undo log (ulog.c).
 *
 * A stack of entries, each a kind, two small numbers and a payload of
 * bytes (what undoing the change needs), kept compactly in one byte array:
 * the payload, then a footer, so the log is walked backwards by footers.
 * Marks (savepoints) are positions in it. The log keeps its capacity from
 * transaction to transaction. */
#ifndef BO_MEM_ULOG_H
#define BO_MEM_ULOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct bo__ulog {
	unsigned char *b; /* entries: payload (8-byte aligned) + footer each */
	size_t n, cap;    /* bytes used, bytes allocated */
	size_t lim;       /* bytes usable before the slow path (<= cap): the
			   * pages faulted in ahead (bo__prefault) */
	size_t ready;     /* (bo__prefault's) */
	size_t *marks;
	size_t nmarks, markcap;
} bo__ulog;

/* An entry handed back by bo__ulog_take(). */
typedef struct bo__uentry {
	int kind;
	int a, b;            /* the caller's small numbers (0..255) */
	const void *payload; /* valid until the next bo__ulog_add() */
	size_t size;         /* the payload's bytes, rounded up to 8 */
} bo__uentry;

/* An entry's footer, after its payload. */
typedef struct bo__ufooter {
	uint32_t size;
	uint8_t kind, a, b, pad;
} bo__ufooter;

/* bo__ulog_push() when the log must grow first (or fault in its next
 * pages). */
void *bo__ulog_push_grow(bo__ulog *ul, int kind, int a, int b, size_t n);

/* Append an entry, the payload written by the caller: room for `n` bytes
 * of it (valid until the next change to the log); kind, a and b in
 * 0..255; NULL when out of memory, nothing added. Inline: a call of the
 * memory store logs a few entries, each a handful of stores. */
static inline void *bo__ulog_push(bo__ulog *ul, int kind, int a, int b, size_t n)
{
	size_t pay = (n + 7) & ~(size_t)7, need = pay + sizeof(bo__ufooter);
	unsigned char *p;
	bo__ufooter f;
	if (ul->n + need > ul->lim)
		return bo__ulog_push_grow(ul, kind, a, b, n);
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

/* Append an entry with `n` bytes of `payload` (NULL when n is 0); kind,
 * a and b in 0..255. False when out of memory, nothing added. */
static inline bool bo__ulog_add(bo__ulog *ul, int kind, int a, int b, const void *payload, size_t n)
{
	void *p = bo__ulog_push(ul, kind, a, b, n);
	if (p && n)
		memcpy(p, payload, n);
	return p != NULL;
}
/* Forget the last entry (its change did not happen). */
void bo__ulog_pop(bo__ulog *ul);
/* Take the last entry if the log holds more than `mark` bytes: true, with
 * it in *e and gone from the log; false when the log is at the mark. */
bool bo__ulog_take(bo__ulog *ul, size_t mark, bo__uentry *e);
/* The log's length now: a mark for bo__ulog_take(). */
static inline size_t bo__ulog_pos(const bo__ulog *ul) { return ul->n; }
/* Push a mark at the current length (false: out of memory). */
bool bo__ulog_mark(bo__ulog *ul);
/* Pop the innermost mark into *pos (false: there is none). */
bool bo__ulog_unmark(bo__ulog *ul, size_t *pos);
static inline size_t bo__ulog_marks(const bo__ulog *ul) { return ul->nmarks; }
/* Empty the log and drop every mark, keeping the memory. */
static inline void bo__ulog_clear(bo__ulog *ul)
{
	ul->n = 0;
	ul->nmarks = 0;
}
void bo__ulog_free(bo__ulog *ul);

#endif
