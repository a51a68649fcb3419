/* qvec: one ordered queue of the memory store (qvec.h). */
#include "qvec.h"

#include <stdlib.h>
#include <string.h>

void bo__qvec_init(bo__qvec *qv) { memset(qv, 0, sizeof(*qv)); }

/* The capacity after `cap` when a chunk grows: a quarter more, in 8s (by
 * half, queues were 67% full on the 1,000,000-order trace; by a quarter,
 * 85%, 7 MB less). */
static uint32_t grown(uint32_t cap)
{
	uint32_t c = (cap + cap / 4 + 7) & ~7u;
	return c > BO__QCHUNK ? BO__QCHUNK : c < 8 ? 8 : c;
}

/* The array index of chunk `c`'s slot i (counted from its first). */
static inline size_t phys(const bo__qdir *c, size_t i)
{
	size_t j = c->h + i;
	return j >= c->cap ? j - c->cap : j;
}

static inline bo__qslot *slot(const bo__qdir *c, size_t i) { return &c->s[phys(c, i)]; }

/* Copy chunk `c`'s slots [from, from + count) to `out`, in order. */
static void copy_out(const bo__qdir *c, bo__qslot *out, size_t from, size_t count)
{
	size_t j = phys(c, from), first = c->cap - j < count ? c->cap - j : count;
	memcpy(out, &c->s[j], first * sizeof(bo__qslot));
	memcpy(out + first, c->s, (count - first) * sizeof(bo__qslot));
}

/* Move chunk `c`'s slots [src, src + count) to [dst, dst + count), where
 * the two differ by one: one memmove where neither range wraps, else slot
 * by slot in the direction that reads each slot before it is written. */
static void ring_move(bo__qdir *c, size_t dst, size_t src, size_t count)
{
	size_t pd = phys(c, dst), ps = phys(c, src);
	if (count == 0)
		return;
	if (pd + count <= c->cap && ps + count <= c->cap) {
		memmove(&c->s[pd], &c->s[ps], count * sizeof(bo__qslot));
	} else if (dst < src) {
		for (size_t i = 0; i < count; i++)
			*slot(c, dst + i) = *slot(c, src + i);
	} else {
		for (size_t i = count; i-- > 0;)
			*slot(c, dst + i) = *slot(c, src + i);
	}
}

/* Copy chunk k's last key into the directory, after a change that may
 * have moved it. */
static void dir_sync(bo__qvec *qv, size_t k)
{
	bo__qdir *c = &qv->d[k];
	if (c->n > 0)
		c->last = slot(c, c->n - 1)->key;
}

static bool same_words(const bo_queue_key *a, const bo_queue_key *b)
{
	for (int i = 0; i < BO_KEY_WORDS; i++)
		if (a->k[i] != b->k[i])
			return false;
	return true;
}

/* First slot of chunk `c` (not empty) whose key is >= `key`, where the
 * chunk's last key is >= `key`. Under fifo, and wherever a run of keys
 * shares its policy words, the slots are ordered by sequence numbers that
 * were handed out in order: a guess by interpolation, then a gallop from
 * it, finds the slot in two or three probes instead of eight. */
static size_t chunk_lower(const bo__qdir *c, const bo_queue_key *key)
{
	size_t a = 0, b = c->n;
	const bo_queue_key *first = &slot(c, a)->key, *last = &slot(c, b - 1)->key;
	if (b - a > 8 && same_words(first, last) && same_words(first, key) && key->seq > first->seq &&
	    key->seq <= last->seq) {
		size_t g = a + (size_t)((double)(key->seq - first->seq) / (double)(last->seq - first->seq) *
					(double)(b - 1 - a));
		size_t step = 1;
		if (g >= b)
			g = b - 1;
		if (slot(c, g)->key.seq < key->seq) { /* the answer is right of g */
			size_t lo = g + 1;
			while (lo + step < b && slot(c, lo + step - 1)->key.seq < key->seq)
				step *= 2;
			a = lo;
			b = lo + step < b ? lo + step : b;
		} else { /* at g or left of it */
			size_t hi = g;
			while (hi >= a + step && slot(c, hi - step)->key.seq >= key->seq)
				step *= 2;
			b = hi + 1;
			a = hi >= a + step ? hi - step : a;
		}
	}
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (bo__keycmp(&slot(c, mid)->key, key) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Position of the first slot whose key is >= `key`; when there is none,
 * the end of the last chunk ({0, 0} for an empty queue). */
static bo__qpos lower(const bo__qvec *qv, const bo_queue_key *key)
{
	bo__qpos p = { 0, 0 };
	size_t lo = 0, hi;
	if (qv->nc == 0)
		return p;
	/* Keys mostly arrive in order: check the end first. (Only a lone
	 * chunk can be empty.) */
	if (qv->n == 0 || bo__keycmp(&qv->d[qv->nc - 1].last, key) < 0) {
		p.k = qv->nc - 1;
		p.i = qv->d[p.k].n;
		return p;
	}
	hi = qv->nc - 1;
	while (lo < hi) { /* first chunk whose last key is >= key */
		size_t mid = lo + (hi - lo) / 2;
		if (bo__keycmp(&qv->d[mid].last, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	p.k = lo;
	p.i = chunk_lower(&qv->d[lo], key);
	return p;
}

static bool valid(const bo__qvec *qv, bo__qpos p)
{
	return p.k < qv->nc && p.i < qv->d[p.k].n;
}

bool bo__qvec_find(const bo__qvec *qv, const bo_queue_key *key, bo__qpos *out)
{
	bo__qpos p = lower(qv, key);
	if (!valid(qv, p) || bo__keycmp(&bo__qvec_at(qv, p)->key, key) != 0)
		return false;
	*out = p;
	return true;
}

/* A new empty chunk of `cap` slots. */
static bool chunk_alloc(bo__qdir *c, uint32_t cap)
{
	memset(c, 0, sizeof(*c));
	if (!(c->s = bo_malloc(cap * sizeof(bo__qslot))))
		return false;
	c->cap = cap;
	return true;
}

/* Put chunk `c` into the directory at index k (this moves the descriptors
 * from k on: pointers to them go stale). */
static bool chunks_insert(bo__qvec *qv, size_t k, const bo__qdir *c)
{
	if (qv->capc == 0) {
		qv->d = &qv->d0;
		qv->capc = 1;
	} else if (qv->dk + qv->nc == qv->capc && qv->dk > 0 && qv->dk >= qv->capc / 4) {
		/* room dropped at the front: slide down to it (a quarter of the
		 * directory or more, so each descriptor moves O(1) times) */
		memmove(qv->d - qv->dk, qv->d, qv->nc * sizeof(*qv->d));
		qv->d -= qv->dk;
		qv->dk = 0;
	} else if (qv->dk + qv->nc == qv->capc) {
		size_t cap = qv->capc * 2;
		bo__qdir *d = qv->d == &qv->d0 ? bo_malloc(cap * sizeof(*d))
						: bo_realloc(qv->d - qv->dk, cap * sizeof(*d));
		if (!d)
			return false;
		if (qv->d == &qv->d0)
			d[0] = qv->d0;
		qv->d = d + qv->dk;
		qv->capc = cap;
	}
	memmove(&qv->d[k + 1], &qv->d[k], (qv->nc - k) * sizeof(*qv->d));
	qv->d[k] = *c;
	qv->nc++;
	return true;
}

/* Put new chunk `b` into the directory at k, or give its slots back. */
static bool chunk_place(bo__qvec *qv, size_t k, bo__qdir *b)
{
	if (chunks_insert(qv, k, b))
		return true;
	bo_free(b->s);
	return false;
}

/* Open a free slot in chunk `c` (not full) before its slot i (0 <= i <=
 * n), moving the shorter side: nothing at either end. */
static void chunk_open(bo__qdir *c, size_t i)
{
	if (i < c->n - i) {
		c->h = c->h == 0 ? c->cap - 1 : c->h - 1;
		ring_move(c, 0, 1, i);
	} else {
		ring_move(c, i + 1, i, c->n - i);
	}
	c->n++;
}

/* Open a free slot at position p (from lower()); false when out of memory,
 * with nothing changed. */
static bool open_at(bo__qvec *qv, bo__qpos *p)
{
	bo__qdir *c, b;
	uint32_t n;
	if (qv->nc == 0) {
		if (!chunk_alloc(&b, 8) || !chunk_place(qv, 0, &b))
			return false;
		p->k = 0;
		p->i = 0;
	}
	c = &qv->d[p->k];
	n = c->n;
	if (n == c->cap && c->cap < BO__QCHUNK) {
		/* Full: grow it, its slots from the array's start. */
		uint32_t cap = grown(c->cap);
		bo__qslot *g = bo_malloc(cap * sizeof(bo__qslot));
		if (!g)
			return false;
		copy_out(c, g, 0, n);
		bo_free(c->s);
		c->s = g;
		c->cap = cap;
		c->h = 0;
	} else if (n == c->cap) {
		/* Full at BO__QCHUNK: past either end, start a chunk there;
		 * elsewhere, move the upper half to a chunk of its own. */
		if (p->i == n) {
			if (!chunk_alloc(&b, BO__QCHUNK) || !chunk_place(qv, p->k + 1, &b))
				return false;
			p->k++;
			p->i = 0;
		} else if (p->i == 0) {
			if (!chunk_alloc(&b, BO__QCHUNK) || !chunk_place(qv, p->k, &b))
				return false;
		} else {
			uint32_t half = n / 2;
			if (!chunk_alloc(&b, BO__QCHUNK))
				return false;
			copy_out(c, b.s, half, n - half);
			b.n = n - half;
			b.last = c->last; /* the upper half ends where c did */
			if (!chunk_place(qv, p->k + 1, &b))
				return false;
			c = &qv->d[p->k]; /* the insert moved the descriptors */
			c->n = half;
			dir_sync(qv, p->k);
			if (p->i >= half) {
				p->i -= half;
				p->k++;
			}
		}
	}
	chunk_open(&qv->d[p->k], p->i);
	return true;
}

int bo__qvec_insert(bo__qvec *qv, const bo_queue_key *key, void *ref)
{
	bo__qpos p = lower(qv, key);
	bo__qslot *s;
	if (valid(qv, p) && bo__keycmp(&bo__qvec_at(qv, p)->key, key) == 0)
		return 1;
	if (!open_at(qv, &p))
		return -1;
	s = bo__qvec_at(qv, p);
	s->key = *key;
	s->ref = ref;
	qv->n++;
	if (p.i == qv->d[p.k].n - 1)
		dir_sync(qv, p.k);
	return 0;
}

/* A lone chunk three quarters empty gives room back, down to what keeps
 * it at least a quarter used (a queue that a big fill emptied does not
 * keep the room it once needed). */
static void shrink(bo__qdir *c)
{
	uint32_t n = c->n, cap = c->cap;
	bo__qslot *g;
	if (c->cap <= 8 || n * 4 >= c->cap)
		return;
	/* halve until a quarter is used: a chunk that became the lone one
	 * holding few slots gives back all it does not need at once */
	while (cap > 8 && n * 4 < cap)
		cap /= 2;
	cap = cap < 8 ? 8 : cap & ~7u;
	if (!(g = bo_malloc(cap * sizeof(bo__qslot))))
		return; /* it keeps its room */
	copy_out(c, g, 0, n);
	bo_free(c->s);
	c->s = g;
	c->cap = cap;
	c->h = 0;
}

void bo__qvec_remove(bo__qvec *qv, bo__qpos p)
{
	bo__qdir *c = &qv->d[p.k];
	bool was_last = p.i == c->n - 1;
	qv->n--;
	/* Close the slot, moving the shorter side (nothing at either end);
	 * an emptied chunk goes. */
	if (p.i < c->n - 1 - p.i) {
		ring_move(c, 1, 0, p.i);
		c->h = c->h + 1 == c->cap ? 0 : c->h + 1;
	} else {
		ring_move(c, p.i, p.i + 1, c->n - 1 - p.i);
	}
	c->n--;
	if (c->n == 0) {
		c->h = 0;
		if (qv->nc == 1) {
			shrink(c); /* keep the last one */
			return;
		}
		bo_free(c->s);
		if (p.k == 0 && qv->d != &qv->d0) {
			qv->d++; /* (the head chunk, emptied by fills) */
			qv->dk++;
		} else {
			memmove(&qv->d[p.k], &qv->d[p.k + 1], (qv->nc - p.k - 1) * sizeof(*qv->d));
		}
		qv->nc--;
		return;
	}
	if (was_last)
		dir_sync(qv, p.k);
	if (qv->nc == 1)
		shrink(c);
}

bool bo__qvec_step(const bo__qvec *qv, bo__qpos *p)
{
	if (p->i + 1 < qv->d[p->k].n) {
		p->i++;
		return true;
	}
	if (p->k + 1 >= qv->nc)
		return false;
	p->k++;
	p->i = 0;
	return true;
}

bool bo__qvec_next(bo__qvec *qv, const bo_queue_key *after, bo__qpos *out)
{
	bo__qpos p;
	if (qv->nc == 0)
		return false;
	if (!after) {
		p.k = 0;
		p.i = 0;
		if (!valid(qv, p))
			return false;
	} else if (valid(qv, qv->cur) && bo__keycmp(&bo__qvec_at(qv, qv->cur)->key, after) == 0) {
		p = qv->cur;
		if (!bo__qvec_step(qv, &p))
			return false;
	} else {
		p = lower(qv, after);
		if (!valid(qv, p))
			return false;
		if (bo__keycmp(&bo__qvec_at(qv, p)->key, after) == 0 && !bo__qvec_step(qv, &p))
			return false;
	}
	qv->cur = p;
	*out = p;
	return true;
}

bool bo__qvec_prev(const bo__qvec *qv, const bo_queue_key *before, bo__qpos *out)
{
	bo__qpos p;
	if (qv->nc == 0)
		return false;
	if (before) {
		p = lower(qv, before);
	} else {
		p.k = qv->nc - 1;
		p.i = qv->d[p.k].n;
	}
	/* the slot before p */
	if (p.i > 0) {
		p.i--;
	} else {
		if (p.k == 0)
			return false;
		p.k--;
		p.i = qv->d[p.k].n - 1;
	}
	if (!valid(qv, p))
		return false;
	*out = p;
	return true;
}

size_t bo__qvec_capacity(const bo__qvec *qv)
{
	size_t n = 0;
	for (size_t k = 0; k < qv->nc; k++)
		n += qv->d[k].cap;
	return n;
}

void bo__qvec_free(bo__qvec *qv)
{
	for (size_t k = 0; k < qv->nc; k++)
		bo_free(qv->d[k].s);
	if (qv->d && qv->d != &qv->d0) /* (none yet: NULL, and NULL - 0 is undefined) */
		bo_free(qv->d - qv->dk);
	bo__qvec_init(qv);
}

void bo__qvec_prefetch_tail(const bo__qvec *qv)
{
#if defined(__GNUC__)
	if (qv->nc == 0)
		return;
	if (qv->d == &qv->d0) { /* (in the queue itself: read without a miss) */
		if (qv->d0.s && qv->d0.n < qv->d0.cap)
			__builtin_prefetch(&qv->d0.s[phys(&qv->d0, qv->d0.n)], 1);
	} else {
		__builtin_prefetch(&qv->d[qv->nc - 1]);
	}
#else
	(void)qv;
#endif
}
