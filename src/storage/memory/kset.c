/* kset: nodes found by an id string (kset.h). */
#define _GNU_SOURCE /* qsort_r: glibc, musl, and POSIX.1-2024 all take (cmp, arg) in this order */
#include "kset.h"

#include "arena.h"
#include "backorder/common.h"

#include <stdlib.h>
#include <string.h>

#define KEY(ks, node) ((const char *)(node) + (ks)->koff)

/* The hash: its low bits pick the slot, and all of it tells most ids
 * apart before their bytes are compared. Never 0. */
static uint64_t khash(const char *s)
{
	size_t n = strnlen(s, BO_ID_MAX), i = 0;
	uint64_t h = 1469598103934665603ULL ^ n, w;
	/* Eight bytes a step (FNV-style), then the tail. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 1099511628211ULL;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	/* The low bits pick the slot, and ids differ in their last digits:
	 * mix every bit into them (murmur3's 64-bit finaliser). */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

void bo__kset_init(bo__kset *ks, size_t koff)
{
	memset(ks, 0, sizeof(*ks));
	ks->koff = koff;
}

/* The slot holding `key` (hash h), or the empty slot where it would go. */
static size_t probe(const bo__kset *ks, const char *key, uint64_t h)
{
	size_t mask = ks->tcap - 1, i;
	for (i = h & mask; ks->t[i].h; i = (i + 1) & mask) {
		if (ks->t[i].h != h)
			continue;
#if defined(__GNUC__)
		/* Almost surely the node: ask for all of it at once, before the
		 * compare waits for its first line. */
		for (size_t o = 64; o < ks->pf; o += 64)
			__builtin_prefetch((const char *)ks->t[i].node + o);
#endif
		if (strncmp(KEY(ks, ks->t[i].node), key, BO_ID_MAX) == 0)
			break;
	}
	return i;
}

uint64_t bo__kset_hash(const char *key) { return khash(key); }

void *bo__kset_find_h(const bo__kset *ks, const char *key, uint64_t h)
{
	if (!ks->tcap)
		return NULL;
	return ks->t[probe(ks, key, h)].node;
}

void *bo__kset_find(const bo__kset *ks, const char *key) { return bo__kset_find_h(ks, key, khash(key)); }

void *bo__kset_prefetch_node(const bo__kset *ks, const char *key)
{
	uint64_t h;
	size_t mask, i;
	if (!ks->tcap)
		return NULL;
	h = khash(key);
	mask = ks->tcap - 1;
	/* the node of the first slot with the hash, without comparing ids */
	for (i = h & mask; ks->t[i].h; i = (i + 1) & mask)
		if (ks->t[i].h == h) {
#if defined(__GNUC__)
			for (size_t o = 0; o < (ks->pf ? ks->pf : 64); o += 64)
				__builtin_prefetch((const char *)ks->t[i].node + o);
#endif
			return ks->t[i].node;
		}
	return NULL;
}

void bo__kset_prefetch(const bo__kset *ks, const char *key)
{
#if defined(__GNUC__)
	if (ks->tcap)
		__builtin_prefetch(&ks->t[khash(key) & (ks->tcap - 1)]);
#else
	(void)ks;
	(void)key;
#endif
}

static void place(bo__kslot *t, size_t mask, uint64_t h, void *node)
{
	size_t i = h & mask;
	while (t[i].h)
		i = (i + 1) & mask;
	t[i].h = h;
	t[i].node = node;
}

bool bo__kset_reserve(bo__kset *ks)
{
	if ((ks->n + 1) * 4 > ks->tcap * 3) { /* keep the load under 3/4 */
		size_t cap = ks->tcap ? ks->tcap * 2 : 64;
		bo__kslot *t = bo__big_calloc(cap * sizeof(*t));
		if (!t)
			return false;
		for (size_t i = 0; i < ks->tcap; i++)
			if (ks->t[i].h)
				place(t, cap - 1, ks->t[i].h, ks->t[i].node);
		bo__big_free(ks->t, ks->tcap * sizeof(*t));
		ks->t = t;
		ks->tcap = cap;
	}
	return !ks->walked || bo__grow(&ks->list, ks->nlist, &ks->listcap, 64, sizeof(*ks->list));
}

void bo__kset_add(bo__kset *ks, void *node)
{
	bo__kset_add_h(ks, node, khash(KEY(ks, node)));
}

void bo__kset_add_h(bo__kset *ks, void *node, uint64_t h)
{
	place(ks->t, ks->tcap - 1, h, node);
	ks->n++;
	ks->gen++;
	if (!ks->walked)
		return;
	ks->list[ks->nlist++] = node;
	/* Ids often arrive in order: keep the sorted prefix growing. */
	if (ks->nsorted == ks->nlist - 1 &&
	    (ks->nsorted == 0 || strcmp(KEY(ks, ks->list[ks->nsorted - 1]), KEY(ks, node)) < 0))
		ks->nsorted++;
}

/* Index in list[0..nsorted) of the first node whose id is >= key. */
static size_t lower(const bo__kset *ks, const char *key)
{
	size_t lo = 0, hi = ks->nsorted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(KEY(ks, ks->list[mid]), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Empty slot i, keeping every probe chain unbroken (backward shift). */
static void unslot(bo__kset *ks, size_t i)
{
	size_t mask = ks->tcap - 1, j;
	for (j = (i + 1) & mask; ks->t[j].h; j = (j + 1) & mask) {
		size_t home = ks->t[j].h & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			ks->t[i] = ks->t[j];
			i = j;
		}
	}
	ks->t[i].h = 0;
	ks->t[i].node = NULL;
}

void bo__kset_del(bo__kset *ks, void *node)
{
	size_t i, j;
	if (!ks->tcap)
		return;
	i = probe(ks, KEY(ks, node), khash(KEY(ks, node)));
	if (ks->t[i].node != node)
		return; /* not in the set */
	unslot(ks, i);
	ks->n--;
	ks->gen++;
	if (!ks->walked)
		return;
	for (j = ks->nlist; j > ks->nsorted; j--)
		if (ks->list[j - 1] == node) {
			memmove(&ks->list[j - 1], &ks->list[j], (ks->nlist - j) * sizeof(void *));
			ks->nlist--;
			return;
		}
	j = lower(ks, KEY(ks, node));
	if (j < ks->nsorted && ks->list[j] == node) {
		memmove(&ks->list[j], &ks->list[j + 1], (ks->nlist - j - 1) * sizeof(void *));
		ks->nlist--;
		ks->nsorted--;
	}
}

static int cmp(const void *a, const void *b, void *koff)
{
	size_t k = *(const size_t *)koff;
	return strcmp((const char *)*(void *const *)a + k, (const char *)*(void *const *)b + k);
}

/* Sort the tail into the list before an ordered walk. */
static void sort(bo__kset *ks)
{
	size_t n = ks->nlist, k = ks->nsorted, a = 0, b = k, o = 0;
	void **m;
	if (k == n)
		return;
	qsort_r(ks->list + k, n - k, sizeof(void *), cmp, &ks->koff);
	if (k == 0 || strcmp(KEY(ks, ks->list[k - 1]), KEY(ks, ks->list[k])) < 0) {
		ks->nsorted = n;
		return;
	}
	if (!(m = bo_malloc(n * sizeof(*m)))) { /* no room to merge: sort in place */
		qsort_r(ks->list, n, sizeof(void *), cmp, &ks->koff);
		ks->nsorted = n;
		return;
	}
	while (a < k && b < n)
		m[o++] = strcmp(KEY(ks, ks->list[a]), KEY(ks, ks->list[b])) < 0 ? ks->list[a++] : ks->list[b++];
	while (a < k)
		m[o++] = ks->list[a++];
	while (b < n)
		m[o++] = ks->list[b++];
	memcpy(ks->list, m, n * sizeof(*m));
	bo_free(m);
	ks->nsorted = n;
}

void *bo__kset_next(bo__kset *ks, const char *after, bool *oom)
{
	size_t i;
	if (!ks->walked) {
		/* the first ordered walk: from now on the list is kept */
		size_t cap = ks->n > 64 ? ks->n : 64;
		void **l = bo_malloc(cap * sizeof(*l));
		if (!l) {
			if (oom)
				*oom = true;
			return NULL;
		}
		size_t pos = 0, k = 0;
		void *node;
		while ((node = bo__kset_iter(ks, &pos)) != NULL)
			l[k++] = node;
		ks->list = l;
		ks->listcap = cap;
		ks->nlist = k;
		ks->nsorted = 0;
		ks->walked = true;
	}
	sort(ks);
	if (!after)
		return ks->nlist ? ks->list[0] : NULL;
	i = lower(ks, after);
	if (i < ks->nlist && strncmp(KEY(ks, ks->list[i]), after, BO_ID_MAX) == 0)
		i++;
	return i < ks->nlist ? ks->list[i] : NULL;
}

void *bo__kset_iter(const bo__kset *ks, size_t *pos)
{
	while (*pos < ks->tcap)
		if (ks->t[(*pos)++].h)
			return ks->t[*pos - 1].node;
	return NULL;
}

size_t bo__kset_bytes(const bo__kset *ks) { return ks->tcap * sizeof(*ks->t) + ks->listcap * sizeof(*ks->list); }

void bo__kset_free(bo__kset *ks)
{
	bo__big_free(ks->t, ks->tcap * sizeof(*ks->t));
	bo_free(ks->list);
	bo__kset_init(ks, ks->koff);
}
