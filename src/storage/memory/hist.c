/* The memory store's history records; see hist.h. */
#include "hist.h"

#include "arena.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A record without its SKU. */
typedef struct hday {
	int64_t day;
	int64_t ordered, backordered, cancelled, filled_lines, wait_sum, wait_max;
	uint32_t wait_hist[BO_HIST_WAIT_BUCKETS];
} hday;

typedef struct hseries {
	hday *v; /* (first: a write reads these, and they share the SKU's cache line) */
	size_t n, cap;
	char sku[BO_ID_MAX + 1];
} hseries;

/* A journal entry: the record of (series, old.day) before a put, or its
 * absence. Series are never freed before bo__hist_free(). */
struct bo__hundo {
	hseries *s;
	bool existed;
	hday old;
};

void bo__hist_init(bo__hist *h)
{
	memset(h, 0, sizeof(*h));
	bo__kset_init(&h->series, offsetof(hseries, sku));
}

/* The index of the first record of `s` with day >= `day`. */
static size_t lower(const hseries *s, int64_t day)
{
	size_t lo = 0, hi = s->n;
	if (s->n > 0 && s->v[s->n - 1].day < day) /* the usual look-up: a new day */
		return s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void out_rec(const hseries *s, const hday *d, bo_hist_rec *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->sku, s->sku, sizeof(out->sku));
	out->day = d->day;
	out->ordered = d->ordered;
	out->backordered = d->backordered;
	out->cancelled = d->cancelled;
	out->filled_lines = d->filled_lines;
	out->wait_sum = d->wait_sum;
	out->wait_max = d->wait_max;
	memcpy(out->wait_hist, d->wait_hist, sizeof(out->wait_hist));
}

static void in_rec(hday *d, const bo_hist_rec *r)
{
	d->day = r->day;
	d->ordered = r->ordered;
	d->backordered = r->backordered;
	d->cancelled = r->cancelled;
	d->filled_lines = r->filled_lines;
	d->wait_sum = r->wait_sum;
	d->wait_max = r->wait_max;
	memcpy(d->wait_hist, r->wait_hist, sizeof(d->wait_hist));
}

bool bo__hist_get(const bo__hist *h, const char *sku, int64_t day, bo_hist_rec *out)
{
	const hseries *s = bo__kset_find(&h->series, sku);
	size_t i;
	if (!s)
		return false;
	i = lower(s, day);
	if (i == s->n || s->v[i].day != day)
		return false;
	out_rec(s, &s->v[i], out);
	return true;
}

static bool raw_put(bo__hist *h, const bo_hist_rec *rec);

/* Room for one more journal entry (false: out of memory). */
static bool journal_room(bo__hist *h)
{
	if (h->nj == h->jcap) {
		size_t cap = h->jcap ? h->jcap * 2 : 16;
		bo__hundo *j = bo_realloc(h->j, cap * sizeof(*j));
		if (!j)
			return false;
		h->j = j;
		h->jcap = cap;
	}
	return true;
}

bool bo__hist_put(bo__hist *h, const bo_hist_rec *rec)
{
	bo__hundo *u;
	hseries *s;
	size_t i;
	if (!h->in_txn)
		return raw_put(h, rec);
	if (!journal_room(h))
		return false;
	u = &h->j[h->nj];
	u->existed = false;
	if ((s = bo__kset_find(&h->series, rec->sku)) != NULL) {
		i = lower(s, rec->day);
		if (i < s->n && s->v[i].day == rec->day) {
			u->existed = true;
			u->old = s->v[i];
		}
	}
	if (!raw_put(h, rec))
		return false;
	u->s = s ? s : bo__kset_find(&h->series, rec->sku); /* raw_put made it */
	if (!u->existed)
		u->old.day = rec->day;
	h->nj++;
	return true;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 ? a > INT64_MAX - b : a < INT64_MIN - b)
		return INT64_MAX; /* as the core's bo_hist_rec_add() */
	return a + b;
}

/* bo_hist_rec_add() on a stored record, in place. */
static void add_in(hday *d, const bo_hist_rec *x)
{
	uint32_t any = 0;
	d->ordered = sat_add(d->ordered, x->ordered);
	d->backordered = sat_add(d->backordered, x->backordered);
	d->cancelled = sat_add(d->cancelled, x->cancelled);
	d->filled_lines = sat_add(d->filled_lines, x->filled_lines);
	d->wait_sum = sat_add(d->wait_sum, x->wait_sum);
	if (x->wait_max > d->wait_max)
		d->wait_max = x->wait_max;
	for (int b = 0; b < BO_HIST_WAIT_BUCKETS; b++)
		any |= x->wait_hist[b];
	if (!any) /* most calls fill no line */
		return;
	for (int b = 0; b < BO_HIST_WAIT_BUCKETS; b++)
		d->wait_hist[b] = x->wait_hist[b] > UINT32_MAX - d->wait_hist[b] ? UINT32_MAX
										 : d->wait_hist[b] + x->wait_hist[b];
}

/* The core adds to one record per item per call: find its series once,
 * add in place, journal the old record (a look-up, a get and a put did the
 * look-up three times and copied the record four times). */
bool bo__hist_add(bo__hist *h, const bo_hist_rec *delta)
{
	return bo__hist_add_hint(h, delta, NULL);
}

bool bo__hist_add_hint(bo__hist *h, const bo_hist_rec *delta, struct hseries **hint)
{
	hseries *s = hint && *hint ? *hint
		   : h->last && strcmp(h->last->sku, delta->sku) == 0 ? h->last
								     : bo__kset_find(&h->series, delta->sku);
	hday *d;
	size_t i;
	bool existed;
	if (!s) {
		if (!bo__kset_reserve(&h->series) || !(s = bo__zalloc(1, sizeof(*s))))
			return false;
		memcpy(s->sku, delta->sku, strnlen(delta->sku, BO_ID_MAX));
		bo__kset_add(&h->series, s); /* an empty series is harmless if what follows fails */
	}
	h->last = s; /* a shop's calls often name the item of the call before */
	if (hint)
		*hint = s; /* (a series stays until bo__hist_free) */
	i = lower(s, delta->day);
	existed = i < s->n && s->v[i].day == delta->day;
	if (h->in_txn && !journal_room(h))
		return false;
	if (!existed && s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		hday *v = bo_realloc(s->v, cap * sizeof(*v));
		if (!v)
			return false;
		s->v = v;
		s->cap = cap;
	}
	if (!existed) {
		memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
		s->n++;
		memset(&s->v[i], 0, sizeof(s->v[i]));
		s->v[i].day = delta->day;
	}
	d = &s->v[i];
	if (h->in_txn) {
		bo__hundo *u = &h->j[h->nj++];
		u->s = s;
		u->existed = existed;
		if (existed)
			u->old = *d;
		else
			u->old.day = delta->day;
	}
	add_in(d, delta);
	return true;
}

void bo__hist_prefetch(const struct hseries *s)
{
#if defined(__GNUC__)
	__builtin_prefetch(s);
#else
	(void)s;
#endif
}

const void *bo__hist_latest(const struct hseries *s)
{
	return s->n > 0 ? (const void *)&s->v[s->n - 1] : NULL;
}

void bo__hist_prefetch_at(const void *rec)
{
#if defined(__GNUC__)
	uintptr_t a = (uintptr_t)rec;
	/* a record of sizeof(hday) bytes, never dereferenced here: the
	 * address may be stale (prefetching it is harmless) */
	for (uintptr_t p = a & ~(uintptr_t)63; p < a + sizeof(hday); p += 64)
		__builtin_prefetch((const void *)p, 1);
#else
	(void)rec;
#endif
}

void bo__hist_prefetch_day(const struct hseries *s)
{
#if defined(__GNUC__)
	if (s->n > 0)
		__builtin_prefetch(&s->v[s->n - 1]);
#else
	(void)s;
#endif
}

static void undo_to(bo__hist *h, size_t n)
{
	while (h->nj > n) {
		const bo__hundo *u = &h->j[--h->nj];
		hseries *s = u->s;
		size_t i = lower(s, u->old.day);
		if (i == s->n || s->v[i].day != u->old.day)
			continue; /* (cannot happen: the put made it) */
		if (u->existed) {
			s->v[i] = u->old;
		} else {
			memmove(s->v + i, s->v + i + 1, (s->n - i - 1) * sizeof(*s->v));
			s->n--;
		}
	}
}

void bo__hist_begin(bo__hist *h)
{
	h->in_txn = true;
	h->nj = 0;
	h->nmarks = 0;
}

void bo__hist_commit(bo__hist *h)
{
	h->in_txn = false;
	h->nj = 0;
	h->nmarks = 0;
}

void bo__hist_rollback(bo__hist *h)
{
	undo_to(h, 0);
	bo__hist_commit(h);
}

bool bo__hist_savepoint(bo__hist *h)
{
	if (h->nmarks == h->markcap) {
		size_t cap = h->markcap ? h->markcap * 2 : 4;
		size_t *m = bo_realloc(h->marks, cap * sizeof(*m));
		if (!m)
			return false;
		h->marks = m;
		h->markcap = cap;
	}
	h->marks[h->nmarks++] = h->nj;
	return true;
}

void bo__hist_release(bo__hist *h)
{
	if (h->nmarks > 0)
		h->nmarks--;
}

void bo__hist_rollback_to(bo__hist *h)
{
	if (h->nmarks > 0)
		undo_to(h, h->marks[--h->nmarks]);
}

static bool raw_put(bo__hist *h, const bo_hist_rec *rec)
{
	hseries *s = bo__kset_find(&h->series, rec->sku);
	size_t i;
	if (!s) {
		if (!bo__kset_reserve(&h->series) || !(s = bo__zalloc(1, sizeof(*s))))
			return false;
		memcpy(s->sku, rec->sku, strnlen(rec->sku, BO_ID_MAX));
		bo__kset_add(&h->series, s);
	}
	i = lower(s, rec->day);
	if (i < s->n && s->v[i].day == rec->day) {
		in_rec(&s->v[i], rec);
		return true;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		hday *v = bo_realloc(s->v, cap * sizeof(*v));
		if (!v)
			return false; /* an empty new series stays: harmless */
		s->v = v;
		s->cap = cap;
	}
	memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
	in_rec(&s->v[i], rec);
	s->n++;
	return true;
}

void bo__hist_del(bo__hist *h, const char *sku, int64_t day)
{
	hseries *s = bo__kset_find(&h->series, sku);
	size_t i;
	if (!s)
		return;
	i = lower(s, day);
	if (i == s->n || s->v[i].day != day)
		return;
	memmove(s->v + i, s->v + i + 1, (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

bool bo__hist_next(const bo__hist *h, const char *sku, int64_t after, bo_hist_rec *out)
{
	const hseries *s = bo__kset_find(&h->series, sku);
	size_t i;
	if (!s)
		return false;
	i = after == INT64_MAX ? s->n : lower(s, after + 1);
	if (i == s->n)
		return false;
	out_rec(s, &s->v[i], out);
	return true;
}

size_t bo__hist_count(const bo__hist *h)
{
	size_t pos = 0, n = 0;
	const hseries *s;
	while ((s = bo__kset_iter(&h->series, &pos)))
		n += s->n;
	return n;
}

void bo__hist_free(bo__hist *h)
{
	size_t pos = 0;
	hseries *s;
	while ((s = bo__kset_iter(&h->series, &pos))) {
		bo_free(s->v);
		bo_free(s);
	}
	bo__kset_free(&h->series);
	h->last = NULL;
	bo_free(h->j);
	bo_free(h->marks);
	bo__hist_init(h);
}
