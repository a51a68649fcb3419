/* qvec: one ordered queue of the memory store (qvec.c).
 *
 * A sorted sequence of slots (a queue key and the caller's reference, 40
 * bytes), held in chunks of at most BO__QCHUNK slots. Each chunk is a
 * ring: its slots start anywhere in its array and wrap around the end.
 * The keys sit together, so a search reads a few cache lines instead of
 * one scattered node per tree level; appends in key order (fifo
 * allocation) and pops from the front (fills) move nothing, however they
 * interleave; any other insert or removal moves at most half a chunk. A
 * chunk grows by a quarter (from 8 slots) up to BO__QCHUNK slots and then
 * splits, and a lone chunk shrinks by half when three quarters of it are
 * empty, so a queue of a few lines costs a few slots, and one of a million
 * lines costs no more per change than one of a thousand. */
#ifndef BO_MEM_QVEC_H
#define BO_MEM_QVEC_H

#include "backorder/storage.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bo__qslot {
	bo_queue_key key;
	void *ref; /* the caller's */
} bo__qslot;

#define BO__QCHUNK 256

typedef struct bo__qpos {
	size_t k; /* chunk */
	size_t i; /* slot in the chunk, counted from its first (0..n-1) */
} bo__qpos;

/* A chunk's descriptor: its slots, its bounds and a copy of its last key,
 * kept in the queue's directory so that a search picks its chunk without
 * touching any chunk's memory but the slots it reads. */
typedef struct bo__qdir {
	bo__qslot *s;
	uint32_t h, n, cap; /* n live slots from s[h], wrapping at s[cap] to s[0] */
	bo_queue_key last;  /* the last live slot's key; meaningless while the chunk is empty */
} bo__qdir;

typedef struct bo__qvec {
	bo__qdir *d;     /* &d0 while the queue has room for one chunk */
	size_t nc, capc;
	size_t dk;       /* descriptors dropped from the front of the directory
			  * (its allocation starts at d - dk, capc long), so that
			  * emptying the head chunk (fills) moves no descriptor */
	size_t n;        /* live slots */
	bo__qpos cur;    /* the slot bo__qvec_next() returned last: O(1) walks */
	bo__qdir d0;     /* the first chunk's descriptor, in the queue itself */
} bo__qvec;

/* Compare queue keys: words as signed, then seq unsigned. */
static inline int bo__keycmp(const bo_queue_key *a, const bo_queue_key *b)
{
	for (int i = 0; i < BO_KEY_WORDS; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* An empty queue. */
void bo__qvec_init(bo__qvec *qv);
/* Insert a slot; 0 done, 1 a slot with `key` is there already (nothing
 * changed), -1 out of memory (nothing changed). */
int bo__qvec_insert(bo__qvec *qv, const bo_queue_key *key, void *ref);
/* A hint to the processor that a slot is about to be appended: the tail
 * of a one-chunk queue, else the last chunk's descriptor. No effect on
 * the queue. */
void bo__qvec_prefetch_tail(const bo__qvec *qv);
/* The slot with exactly `key`: its position to *out; false if none. */
bool bo__qvec_find(const bo__qvec *qv, const bo_queue_key *key, bo__qpos *out);
/* The slot at a position from find/next/prev/first (valid until the
 * queue changes). */
static inline bo__qslot *bo__qvec_at(const bo__qvec *qv, bo__qpos p)
{
	const bo__qdir *c = &qv->d[p.k];
	size_t j = c->h + p.i;
	return &c->s[j >= c->cap ? j - c->cap : j];
}
/* The slot `ahead` places after `p` if it is in the same chunk, else NULL
 * (for a look ahead that may stop short). */
static inline const bo__qslot *bo__qvec_peek(const bo__qvec *qv, bo__qpos p, size_t ahead)
{
	if (p.i + ahead >= qv->d[p.k].n)
		return NULL;
	p.i += ahead;
	return bo__qvec_at(qv, p);
}
/* Remove the slot at `p` (its ref is the caller's to free first). Cannot
 * fail (a lone chunk that shrinks keeps its slots if memory runs out). */
void bo__qvec_remove(bo__qvec *qv, bo__qpos p);
/* The first slot with key greater than `after` (NULL: the head); false at
 * the end. Remembers it, so a walk that passes the key it was given last
 * steps in O(1). */
bool bo__qvec_next(bo__qvec *qv, const bo_queue_key *after, bo__qpos *out);
/* The last slot with key less than `before` (NULL: the tail); false at the
 * start. */
bool bo__qvec_prev(const bo__qvec *qv, const bo_queue_key *before, bo__qpos *out);
/* The position after *p, if any (false at the end). */
bool bo__qvec_step(const bo__qvec *qv, bo__qpos *p);
static inline size_t bo__qvec_count(const bo__qvec *qv) { return qv->n; }
/* Slots there is room for in all chunks (for tests and statistics). */
size_t bo__qvec_capacity(const bo__qvec *qv);
/* Free the chunks. The refs are the caller's. */
void bo__qvec_free(bo__qvec *qv);

#endif
