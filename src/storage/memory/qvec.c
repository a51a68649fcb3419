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

/* Copy chunk k's last key into the directory, after a change that may
 * have moved it. */
static void dir_sync(bo__qvec *qv, size_t k)
{
	bo__qdir *c = &qv->d[k];
	if (c->lo < c->hi)
		c->last = c->s[c->hi - 1].key;
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
	size_t a = c->lo, b = c->hi;
	const bo_queue_key *first = &c->s[a].key, *last = &c->s[b - 1].key;
	if (b - a > 8 && same_words(first, last) && same_words(first, key) && key->seq > first->seq &&
	    key->seq <= last->seq) {
		size_t g = a + (size_t)((double)(key->seq - first->seq) / (double)(last->seq - first->seq) *
					(double)(b - 1 - a));
		size_t step = 1;
		if (g >= b)
			g = b - 1;
		if (c->s[g].key.seq < key->seq) { /* the answer is right of g */
			size_t lo = g + 1;
			while (lo + step < b && c->s[lo + step - 1].key.seq < key->seq)
				step *= 2;
			a = lo;
			b = lo + step < b ? lo + step : b;
		} else { /* at g or left of it */
			size_t hi = g;
			while (hi >= a + step && c->s[hi - step].key.seq >= key->seq)
				step *= 2;
			b = hi + 1;
			a = hi >= a + step ? hi - step : a;
		}
	}
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (bo__keycmp(&c->s[mid].key, key) < 0)
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
		p.i = qv->d[p.k].hi;
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
	return p.k < qv->nc && p.i >= qv->d[p.k].lo && p.i < qv->d[p.k].hi;
}

bool bo__qvec_find(const bo__qvec *qv, const bo_queue_key *key, bo__qpos *out)
{
	bo__qpos p = lower(qv, key);
	if (!valid(qv, p) || bo__keycmp(&bo__qvec_at(qv, p)->key, key) != 0)
		return false;
	*out = p;
	return true;
}

/* A new empty chunk of `cap` slots whose first slot will go at `at`. */
static bool chunk_alloc(bo__qdir *c, uint32_t cap, uint32_t at)
{
	memset(c, 0, sizeof(*c));
	if (!(c->s = bo_malloc(cap * sizeof(bo__qslot))))
		return false;
	c->cap = cap;
	c->lo = c->hi = at;
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

/* Open a free slot in chunk `c` at index i (lo <= i <= hi, c not full);
 * returns its index. */
static size_t chunk_open(bo__qdir *c, size_t i)
{
	/* An append with no room behind but room in front (the fifo steady
	 * state: fills pop the front, placements push the back) would move
	 * the whole chunk one slot per append: move it to the front once.
	 * Likewise a prepend with no room in front. */
	if (i == c->hi && c->hi == c->cap && c->lo > 0) {
		size_t n = c->hi - c->lo;
		memmove(&c->s[0], &c->s[c->lo], n * sizeof(bo__qslot));
		c->lo = 0;
		c->hi = (uint32_t)n + 1;
		return n;
	}
	if (i == c->lo && c->lo == 0 && c->hi < c->cap) {
		size_t n = c->hi;
		memmove(&c->s[c->cap - n], &c->s[0], n * sizeof(bo__qslot));
		c->hi = c->cap;
		c->lo = c->cap - (uint32_t)n - 1;
		return c->lo;
	}
	if (c->lo > 0 && (i - c->lo <= c->hi - i || c->hi == c->cap)) {
		memmove(&c->s[c->lo - 1], &c->s[c->lo], (i - c->lo) * sizeof(bo__qslot));
		c->lo--;
		return i - 1;
	}
	memmove(&c->s[i + 1], &c->s[i], (c->hi - i) * sizeof(bo__qslot));
	c->hi++;
	return i;
}

/* Open a free slot at position p (from lower()); false when out of memory,
 * with nothing changed. */
static bool open_at(bo__qvec *qv, bo__qpos *p)
{
	bo__qdir *c, b;
	uint32_t n;
	if (qv->nc == 0) {
		if (!chunk_alloc(&b, 8, 1) || !chunk_place(qv, 0, &b))
			return false;
		p->k = 0;
		p->i = 1;
	}
	c = &qv->d[p->k];
	n = c->hi - c->lo;
	if (n == c->cap && c->cap < BO__QCHUNK) {
		/* Full: grow it, with an eighth of the new room in front. */
		uint32_t cap = grown(c->cap), front = (cap - n) / 8;
		bo__qslot *g = bo_malloc(cap * sizeof(bo__qslot));
		if (!g)
			return false;
		memcpy(g + front, c->s + c->lo, n * sizeof(bo__qslot));
		bo_free(c->s);
		p->i = p->i - c->lo + front;
		c->s = g;
		c->cap = cap;
		c->lo = front;
		c->hi = front + n;
	} else if (n == c->cap) {
		/* Full at BO__QCHUNK: past either end, start a chunk there;
		 * elsewhere, move the upper half to a chunk of its own. */
		if (p->i == c->hi) {
			if (!chunk_alloc(&b, BO__QCHUNK, 0) || !chunk_place(qv, p->k + 1, &b))
				return false;
			p->k++;
			p->i = 0;
		} else if (p->i == c->lo) {
			if (!chunk_alloc(&b, BO__QCHUNK, BO__QCHUNK) || !chunk_place(qv, p->k, &b))
				return false;
			p->i = BO__QCHUNK;
		} else {
			uint32_t half = n / 2;
			if (!chunk_alloc(&b, BO__QCHUNK, 0))
				return false;
			memcpy(b.s, c->s + c->lo + half, (n - half) * sizeof(bo__qslot));
			b.hi = n - half;
			b.last = c->last; /* the upper half ends where c did */
			if (!chunk_place(qv, p->k + 1, &b))
				return false;
			c = &qv->d[p->k]; /* the insert moved the descriptors */
			c->hi = c->lo + half;
			dir_sync(qv, p->k);
			if (p->i >= c->hi) {
				p->i -= c->hi;
				p->k++;
			}
		}
	}
	p->i = chunk_open(&qv->d[p->k], p->i);
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
	if (p.i == qv->d[p.k].hi - 1)
		dir_sync(qv, p.k);
	return 0;
}

/* A lone chunk three quarters empty gives room back, down to what keeps
 * it at least a quarter used (a queue that a big fill emptied does not
 * keep the room it once needed). */
static void shrink(bo__qdir *c)
{
	uint32_t n = c->hi - c->lo, cap = c->cap, front;
	bo__qslot *g;
	if (c->cap <= 8 || n * 4 >= c->cap)
		return;
	/* halve until a quarter is used: a chunk that became the lone one
	 * holding few slots gives back all it does not need at once */
	while (cap > 8 && n * 4 < cap)
		cap /= 2;
	cap = cap < 8 ? 8 : cap & ~7u;
	front = (cap - n) / 8;
	if (!(g = bo_malloc(cap * sizeof(bo__qslot))))
		return; /* it keeps its room */
	memcpy(g + front, c->s + c->lo, n * sizeof(bo__qslot));
	bo_free(c->s);
	c->s = g;
	c->cap = cap;
	c->lo = front;
	c->hi = front + n;
}

void bo__qvec_remove(bo__qvec *qv, bo__qpos p)
{
	bo__qdir *c = &qv->d[p.k];
	bool was_last = p.i == c->hi - 1;
	qv->n--;
	/* Close the slot, moving the shorter side; an emptied chunk goes. */
	if (p.i - c->lo < c->hi - 1 - p.i) {
		memmove(&c->s[c->lo + 1], &c->s[c->lo], (p.i - c->lo) * sizeof(bo__qslot));
		c->lo++;
	} else {
		memmove(&c->s[p.i], &c->s[p.i + 1], (c->hi - 1 - p.i) * sizeof(bo__qslot));
		c->hi--;
	}
	if (c->lo == c->hi) {
		if (qv->nc == 1) {
			c->lo = c->hi = c->cap / 8 ? c->cap / 8 : 1; /* keep the last one */
			shrink(c);
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
	if (p->i + 1 < qv->d[p->k].hi) {
		p->i++;
		return true;
	}
	if (p->k + 1 >= qv->nc)
		return false;
	p->k++;
	p->i = qv->d[p->k].lo;
	return true;
}

bool bo__qvec_next(bo__qvec *qv, const bo_queue_key *after, bo__qpos *out)
{
	bo__qpos p;
	if (qv->nc == 0)
		return false;
	if (!after) {
		p.k = 0;
		p.i = qv->d[0].lo;
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
		p.i = qv->d[p.k].hi;
	}
	/* the slot before p */
	if (p.i > qv->d[p.k].lo) {
		p.i--;
	} else {
		if (p.k == 0)
			return false;
		p.k--;
		p.i = qv->d[p.k].hi - 1;
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
		if (qv->d0.s && qv->d0.hi < qv->d0.cap)
			__builtin_prefetch(&qv->d0.s[qv->d0.hi], 1);
	} else {
		__builtin_prefetch(&qv->d[qv->nc - 1]);
	}
#else
	(void)qv;
#endif
}
