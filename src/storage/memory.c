/* The in-memory storage adapter.
 *
 * Items and orders are found by id through an open-addressing hash index
 * (kset below) that also keeps an id-ordered list for walks, sorted lazily:
 * new ids are appended and sorted into place by the next walk. Queues are
 * sorted vectors (qvec). Supply and subscriptions live in red-black trees
 * (libbsd's <bsd/sys/tree.h>, the BSD header-only implementation used
 * across the BSDs: well kept, no runtime dependency) on their item's node.
 * uthash and a tree per table did the same job before; each look-up then
 * walked scattered nodes, and on a million-line replay those cache misses
 * were a quarter of the run (docs/PERFORMANCE.md). Order nodes and queue
 * slot arrays come from arenas on huge pages (see "Arena" below), and a
 * line points at its SKU, interned once per store.
 * Transactions keep an undo log; savepoints are marks in it.
 *
 * Sees only <backorder/storage.h>. */
#define _GNU_SOURCE /* qsort_r: glibc, musl, and POSIX.1-2024 all take (cmp, arg) in this order */
#include "backorder/memory.h"

#ifndef __unused
#define __unused __attribute__((unused)) /* tree.h expects BSD cdefs */
#endif
#include <bsd/sys/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A queue is a sorted sequence of (key, entry pointer) slots, held in
 * chunks of at most QCHUNK slots, each with room at both ends. The keys sit
 * together, so a search reads a few cache lines instead of one scattered
 * node per tree level; appends in key order (fifo allocation) and pops from
 * the front (fills) move nothing; any other insert or removal moves at most
 * half a chunk. A chunk grows by doubling up to QCHUNK and then splits, so
 * a queue of a few lines costs a few slots, and one of a million lines
 * costs no more per change than one of a thousand. */
typedef struct qslot {
	bo_queue_key key;
	void *ref;      /* the entry's order: its onode, or (owned) a copy of its id */
	uint32_t index; /* the line's index in the order */
	uint32_t owned; /* 1 when ref is a malloc'd id (the order was not stored) */
} qslot;

#define QCHUNK 256

typedef struct qpos {
	size_t k; /* chunk */
	size_t i; /* slot in the chunk */
} qpos;

/* A chunk: its slots, its bounds and a copy of its last key. The queue
 * keeps its chunks' descriptors in one array, so a search picks its chunk,
 * and an append finds its place, without touching any chunk's memory but
 * the slots it reads or writes (on a large book each chunk header was a
 * cache miss). */
typedef struct qdir {
	qslot *s;
	uint32_t lo, hi, cap; /* live slots are s[lo..hi) */
	bo_queue_key last;    /* s[hi - 1].key; meaningless while the chunk is empty */
} qdir;

struct slab;

typedef struct qvec {
	struct slab *slab; /* where its chunks' slots come from (the store's) */
	qdir *d;   /* &d0 while the queue has room for one chunk */
	size_t nc, capc;
	size_t n;  /* live slots in all chunks */
	qpos cur; /* slot queue_next returned last: O(1) walks */
	qdir d0;  /* the first chunk's descriptor, in the item's own node:
		   * most queues are one chunk, found without a miss */
} qvec;

typedef struct snode {
	RB_ENTRY(snode) rb;
	bo_supply_rec r;
} snode;
RB_HEAD(stree, snode);

typedef struct subnode {
	RB_ENTRY(subnode) rb;
	bo_sub_rec r;
} subnode;
RB_HEAD(subtree, subnode);

typedef struct inode {
	bo_item_rec r;
	qvec q[2];
	struct stree sup;
	struct subtree subs;
} inode;

typedef struct onode {
	bo_order_rec r;
	unsigned char *lines; /* LTAIL bytes a line (see LSKU) */
	uint32_t nl, cap;
	uint32_t incap;       /* lines `in` has room for */
	unsigned char in[];   /* the lines the order was created with, in the same allocation */
} onode;

/* A stored line is a pointer to its SKU, interned once per store (see
 * sku_intern()), then the rest of its record without the order id (the
 * node's), padding or the reserved words (read back as zero):
 *
 *   LSKU  const char *   the interned SKU
 *   LIDX  uint32_t       index
 *   LBAS  int32_t        eta_basis (storage version 2)
 *   LMID  placed .. key  as in the record, 104 bytes
 *   LV2   eta_base, eta_release (storage version 2)
 *
 * 136 bytes a line (on LP64) instead of the record's 272; the ETA basis
 * added 12 to the 124 of before. */
#define LSKU 0
#define LIDX (LSKU + sizeof(const char *))
#define LBAS (LIDX + sizeof(uint32_t))
#define LMID (LBAS + sizeof(int32_t))
#define MID_OFF offsetof(bo_line_rec, placed)
#define MID_LEN (offsetof(bo_line_rec, eta_basis) - MID_OFF)
#define LV2 (LMID + MID_LEN)
#define V2_OFF offsetof(bo_line_rec, eta_base)
#define V2_LEN (sizeof(bo_line_rec) - V2_OFF)
#define LTAIL (LV2 + V2_LEN)
#define LPAD_OFF (offsetof(bo_line_rec, sku) + sizeof(((bo_line_rec *)0)->sku))
_Static_assert(offsetof(bo_line_rec, eta_release) == V2_OFF + sizeof(int64_t) &&
		       V2_LEN == 2 * sizeof(int64_t),
	       "eta_base and eta_release end the line record, side by side");
_Static_assert(offsetof(bo_line_rec, key) + sizeof(bo_queue_key) == offsetof(bo_line_rec, eta_basis),
	       "placed .. key run up to eta_basis");

static void line_out(const onode *n, uint32_t i, bo_line_rec *out)
{
	const unsigned char *p = n->lines + (size_t)i * LTAIL;
	const char *sku;
	memcpy(&sku, p + LSKU, sizeof(sku));
	/* fixed sizes: an interned SKU is a whole BO_ID_MAX + 1 array */
	memcpy(out->order_id, n->r.id, sizeof(out->order_id));
	memcpy(out->sku, sku, sizeof(out->sku));
	/* padding, reserved words: zero, so a record read is the same bytes
	 * whatever the caller's buffer held */
	memset((unsigned char *)out + LPAD_OFF, 0, offsetof(bo_line_rec, index) - LPAD_OFF);
	memcpy(&out->index, p + LIDX, sizeof(out->index));
	memset(&out->reserved, 0, MID_OFF - offsetof(bo_line_rec, reserved));
	memcpy((unsigned char *)out + MID_OFF, p + LMID, MID_LEN);
	memcpy(&out->eta_basis, p + LBAS, sizeof(out->eta_basis));
	out->reserved2 = 0;
	memcpy((unsigned char *)out + V2_OFF, p + LV2, V2_LEN);
}

static const char *line_sku(const onode *n, uint32_t i)
{
	const char *sku;
	memcpy(&sku, n->lines + (size_t)i * LTAIL + LSKU, sizeof(sku));
	return sku;
}

/* Write line i of n: `sku` is rec->sku interned. */
static void line_in(onode *n, uint32_t i, const char *sku, const bo_line_rec *rec)
{
	unsigned char *p = n->lines + (size_t)i * LTAIL;
	memcpy(p + LSKU, &sku, sizeof(sku));
	memcpy(p + LIDX, &rec->index, sizeof(rec->index));
	memcpy(p + LBAS, &rec->eta_basis, sizeof(rec->eta_basis));
	memcpy(p + LMID, (const unsigned char *)rec + MID_OFF, MID_LEN);
	memcpy(p + LV2, (const unsigned char *)rec + V2_OFF, V2_LEN);
}

static inline int keycmp(const bo_queue_key *a, const bo_queue_key *b)
{
	for (int i = 0; i < BO_KEY_WORDS; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}
static int scmp(const snode *a, const snode *b)
{
	if (a->r.expected != b->r.expected)
		return a->r.expected < b->r.expected ? -1 : 1;
	return strcmp(a->r.id, b->r.id);
}
static int subcmp(const subnode *a, const subnode *b) { return a->r.seq < b->r.seq ? -1 : a->r.seq > b->r.seq; }

RB_GENERATE_STATIC(stree, snode, rb, scmp)
RB_GENERATE_STATIC(subtree, subnode, rb, subcmp)
/* Room for element n of the array *pp (of *cap elements of `elem` bytes):
 * doubled when full, `first` elements at first. False when out of memory,
 * with the array as it was. (pp is a T **, read and written through
 * memcpy so that any T will do.) */
static bool grow(void *pp, size_t n, size_t *cap, size_t first, size_t elem)
{
	void *p, *q;
	size_t c;
	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : first;
	memcpy(&p, pp, sizeof(p));
	if (!(q = realloc(p, c * elem)))
		return false;
	memcpy(pp, &q, sizeof(q));
	*cap = c;
	return true;
}

/* ---------------------------------------------------------------- */
/* Arena: order nodes are allocated from blocks and live until the store
 * closes (or until the creation that made them is undone, which undoes
 * every later change first, so a bump pointer can step back). The first
 * block is 64 KiB from malloc(), so a small store stays small and cheap
 * (mapping a huge page for a store of one order made opening and closing
 * it cost 230 us on a VM, where every mmap and munmap is dear). The next
 * blocks are 2 MiB, doubling to 32 MiB, mapped on 2 MiB boundaries and
 * marked for transparent huge pages. A large book is then read through one
 * TLB entry per 2 MiB instead of one per 4 KiB, and grows with a page
 * fault per 2 MiB: on a 1,000,000-line replay, whose look-ups land on
 * random orders, TLB misses and 4 KiB page faults were a fifth of the
 * time, and even a 50,000-line replay spent a tenth of its time in page
 * faults. Without huge pages (or where madvise refuses) the blocks are
 * ordinary memory. */
#define ARENA_FIRST ((size_t)64 << 10)
#define ARENA_HUGE ((size_t)2 << 20)
#define ARENA_MAX ((size_t)32 << 20)

typedef struct ablock {
	void *base;  /* what to free or unmap */
	size_t size; /* bytes at base; mapped when >= ARENA_HUGE */
} ablock;

typedef struct arena {
	unsigned char *cur; /* the current block's free tail */
	size_t left;
	ablock *b;
	size_t nb, capb;
	size_t next; /* size of the next block */
} arena;

/* A block of `size` bytes: malloc'd below ARENA_HUGE, else a mapping (size
 * a multiple of ARENA_HUGE) on huge pages. */
static void *block_new(size_t size, void **base)
{
	unsigned char *p, *al;
	size_t lead;
	if (size < ARENA_HUGE)
		return *base = malloc(size);
	p = mmap(NULL, size + ARENA_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return *base = NULL;
	/* Keep the 2 MiB-aligned part; give back the rest. */
	al = (unsigned char *)(((uintptr_t)p + ARENA_HUGE - 1) & ~(uintptr_t)(ARENA_HUGE - 1));
	lead = (size_t)(al - p);
	if (lead)
		munmap(p, lead);
	if (ARENA_HUGE - lead)
		munmap(al + size, ARENA_HUGE - lead);
#ifdef MADV_HUGEPAGE
	(void)madvise(al, size, MADV_HUGEPAGE); /* a hint: refusal is fine */
#endif
	return *base = al;
}

static void block_free(ablock *b)
{
	UNPOISON(b->base, b->size); /* the next owner of these addresses starts clean */
	if (b->size >= ARENA_HUGE)
		munmap(b->base, b->size);
	else
		free(b->base);
}

/* Zeroed memory for a table: from BIG_MIN bytes on, a huge-page mapping
 * of its own (fresh mappings read as zeros); below, calloc(). */
#define BIG_MIN ((size_t)128 << 10)
static size_t big_size(size_t n) { return (n + ARENA_HUGE - 1) & ~(ARENA_HUGE - 1); }

static void *big_calloc(size_t n)
{
	void *base, *p;
	if (n < BIG_MIN)
		return calloc(1, n);
	p = block_new(big_size(n), &base);
#ifdef MADV_POPULATE_WRITE
	/* A table is written all over as soon as it is made (the rehash):
	 * fault it in with one call instead of a fault per page. */
	if (p)
		(void)madvise(p, (n + 4095) & ~(size_t)4095, MADV_POPULATE_WRITE);
#endif
	return p;
}

static void big_free(void *p, size_t n)
{
	ablock b = { p, n < BIG_MIN ? n : big_size(n) };
	if (p)
		block_free(&b);
}

static void *arena_alloc(arena *a, size_t n)
{
	unsigned char *p;
	n = (n + 15) & ~(size_t)15;
	if (n > a->left) {
		size_t size = a->next ? a->next : ARENA_FIRST;
		void *base;
		while (size < n)
			size *= 2;
		if (!grow(&a->b, a->nb, &a->capb, 8, sizeof(*a->b)) || !(p = block_new(size, &base)))
			return NULL;
		a->b[a->nb].base = base;
		a->b[a->nb].size = size;
		a->nb++;
		/* after the small first block, straight to huge pages */
		a->next = size < ARENA_HUGE ? ARENA_HUGE : size < ARENA_MAX ? size * 2 : size;
		a->cur = p;
		a->left = size;
		POISON(p, size);
	}
	p = a->cur;
	a->cur += n;
	a->left -= n;
	UNPOISON(p, n);
	return p;
}

/* Give back `p` (of n bytes) if it was the last allocation. */
static void arena_unalloc(arena *a, void *p, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if ((unsigned char *)p + n == a->cur) {
		a->cur = p;
		a->left += n;
		POISON(p, n);
	}
}

static void arena_free(arena *a)
{
	for (size_t i = 0; i < a->nb; i++)
		block_free(&a->b[i]);
	free(a->b);
}

/* Slab: the slot arrays of queue chunks, in sizes 8 << c slots for c in
 * 0..SLAB_CLASSES-1 (a chunk doubles from 8 slots up to QCHUNK), carved
 * from an arena (huge pages) and kept on a free list per size when a
 * chunk grows or goes. */
#define SLAB_CLASSES 6

typedef struct slab {
	arena a;
	void *free[SLAB_CLASSES];
} slab;

static int slab_class(uint32_t cap)
{
	int c = 0;
	while ((8u << c) < cap)
		c++;
	return c;
}

static void *slab_alloc(slab *sl, uint32_t cap, size_t elem)
{
	int c = slab_class(cap);
	void *p = sl->free[c];
	if (p) {
		UNPOISON(p, (size_t)cap * elem);
		memcpy(&sl->free[c], p, sizeof(void *));
		return p;
	}
	return arena_alloc(&sl->a, (size_t)cap * elem);
}

static void slab_free(slab *sl, void *p, uint32_t cap, size_t elem)
{
	int c = slab_class(cap);
	if (!p)
		return;
	memcpy(p, &sl->free[c], sizeof(void *));
	sl->free[c] = p;
	POISON((unsigned char *)p + sizeof(void *), (size_t)cap * elem - sizeof(void *));
}

/* ---------------------------------------------------------------- */
/* kset: nodes keyed by an id string at offset `koff` in the node. A
 * linear-probing hash table of (hash, node) finds one with about one cache
 * miss; `list` holds the nodes for ordered walks, list[0..nsorted) in id
 * order and the rest in arrival order until a walk sorts them in. */
typedef struct kslot {
	uint64_t h; /* 0: empty */
	void *node;
} kslot;

typedef struct kset {
	kslot *t;
	size_t tcap; /* a power of two, or 0; nlist of its slots are used */
	void **list;
	size_t nlist, listcap, nsorted;
	size_t koff;
} kset;

#define KEY(ks, node) ((const char *)(node) + (ks)->koff)

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

static void *ks_find(const kset *ks, const char *key)
{
	uint64_t h;
	size_t mask, i;
	if (!ks->tcap)
		return NULL;
	h = khash(key);
	mask = ks->tcap - 1;
	for (i = h & mask; ks->t[i].h; i = (i + 1) & mask)
		if (ks->t[i].h == h && strncmp(KEY(ks, ks->t[i].node), key, BO_ID_MAX) == 0)
			return ks->t[i].node;
	return NULL;
}

static void ks_place(kslot *t, size_t mask, uint64_t h, void *node)
{
	size_t i = h & mask;
	while (t[i].h)
		i = (i + 1) & mask;
	t[i].h = h;
	t[i].node = node;
}

/* Make room for one more node; the only step of an add that can fail. */
static bool ks_reserve(kset *ks)
{
	if ((ks->nlist + 1) * 4 > ks->tcap * 3) { /* keep the load under 3/4 */
		size_t cap = ks->tcap ? ks->tcap * 2 : 64;
		kslot *t = big_calloc(cap * sizeof(*t));
		if (!t)
			return false;
		for (size_t i = 0; i < ks->tcap; i++)
			if (ks->t[i].h)
				ks_place(t, cap - 1, ks->t[i].h, ks->t[i].node);
		big_free(ks->t, ks->tcap * sizeof(*t));
		ks->t = t;
		ks->tcap = cap;
	}
	return grow(&ks->list, ks->nlist, &ks->listcap, 64, sizeof(*ks->list));
}

static void ks_add(kset *ks, void *node)
{
	ks_place(ks->t, ks->tcap - 1, khash(KEY(ks, node)), node);
	ks->list[ks->nlist++] = node;
	/* Ids often arrive in order: keep the sorted prefix growing. */
	if (ks->nsorted == ks->nlist - 1 &&
	    (ks->nsorted == 0 || strcmp(KEY(ks, ks->list[ks->nsorted - 1]), KEY(ks, node)) < 0))
		ks->nsorted++;
}

/* Index in list[0..nsorted) of the first node whose id is >= key. */
static size_t ks_lower(const kset *ks, const char *key)
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

static void ks_del(kset *ks, void *node)
{
	uint64_t h = khash(KEY(ks, node));
	size_t mask = ks->tcap - 1, i, j;
	for (i = h & mask; ks->t[i].node != node; i = (i + 1) & mask)
		if (!ks->t[i].h)
			return; /* not indexed */
	/* Backward-shift deletion keeps every probe chain unbroken. */
	for (j = (i + 1) & mask; ks->t[j].h; j = (j + 1) & mask) {
		size_t home = ks->t[j].h & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			ks->t[i] = ks->t[j];
			i = j;
		}
	}
	ks->t[i].h = 0;
	ks->t[i].node = NULL;
	/* Undo removes what was added last: look at the tail first. */
	for (j = ks->nlist; j > ks->nsorted; j--)
		if (ks->list[j - 1] == node) {
			memmove(&ks->list[j - 1], &ks->list[j], (ks->nlist - j) * sizeof(void *));
			ks->nlist--;
			return;
		}
	j = ks_lower(ks, KEY(ks, node));
	if (j < ks->nsorted && ks->list[j] == node) {
		memmove(&ks->list[j], &ks->list[j + 1], (ks->nlist - j - 1) * sizeof(void *));
		ks->nlist--;
		ks->nsorted--;
	}
}

static int ks_cmp(const void *a, const void *b, void *koff)
{
	size_t k = *(const size_t *)koff;
	return strcmp((const char *)*(void *const *)a + k, (const char *)*(void *const *)b + k);
}

/* Sort the tail into the list before an ordered walk. */
static void ks_sort(kset *ks)
{
	size_t n = ks->nlist, k = ks->nsorted, a = 0, b = k, o = 0;
	void **m;
	if (k == n)
		return;
	qsort_r(ks->list + k, n - k, sizeof(void *), ks_cmp, &ks->koff);
	if (k == 0 || strcmp(KEY(ks, ks->list[k - 1]), KEY(ks, ks->list[k])) < 0) {
		ks->nsorted = n;
		return;
	}
	if (!(m = malloc(n * sizeof(*m)))) { /* no room to merge: sort in place */
		qsort_r(ks->list, n, sizeof(void *), ks_cmp, &ks->koff);
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
	free(m);
	ks->nsorted = n;
}

/* The first node whose id sorts after `after` (or the first, for NULL). */
static void *ks_next(kset *ks, const char *after)
{
	size_t i;
	ks_sort(ks);
	if (!after)
		return ks->nlist ? ks->list[0] : NULL;
	i = ks_lower(ks, after);
	if (i < ks->nlist && strncmp(KEY(ks, ks->list[i]), after, BO_ID_MAX) == 0)
		i++;
	return i < ks->nlist ? ks->list[i] : NULL;
}

static void ks_free(kset *ks)
{
	big_free(ks->t, ks->tcap * sizeof(*ks->t));
	free(ks->list);
}

enum { U_ITEM, U_ORDER, U_LINE, U_QINS, U_QDEL, U_SUP, U_SUB_ADD, U_SUB_DEL, U_OUT_APPEND, U_OUT_ACK, U_META };

typedef struct meta_kv {
	char key[32];
	int64_t v;
} meta_kv;

typedef struct undo {
	int kind;
	int existed;
	int q;
	union {
		bo_item_rec item;
		bo_order_rec order;
		bo_line_rec line;
		bo_queue_entry qe;
		struct {
			bo_supply_rec old;
			char sku[BO_ID_MAX + 1];
			char id[BO_ID_MAX + 1];
		} sup;
		bo_sub_rec sub;
		meta_kv meta;
		size_t head;
	} u;
} undo;

typedef struct mem {
	kset items, orders;
	kset skus;    /* every SKU a line has named: BO_ID_MAX + 1 byte arrays, kept until close */
	arena onodes; /* the order nodes */
	slab qslots;  /* the queues' slot arrays */
	inode *li;  /* last item found: consecutive calls mostly name the same one */
	onode *lo;  /* last order found */
	bo_event_rec *ev;
	size_t head, len, cap;
	size_t ocur;  /* index outbox_next returned last: O(1) walks */
	meta_kv *meta;
	size_t nmeta;
	unsigned char *log;  /* undo log: payload + footer per entry, in bytes */
	size_t nlog, logcap; /* bytes used, bytes allocated */
	size_t *marks;
	size_t nmarks, markcap;
	bool in_txn;
} mem;

#define OOM() (bo_storage_error("memory store: out of memory"), BO_ESTORAGE)

/* Each undo entry is stored compactly: only the bytes its kind needs
 * (a whole record when one was replaced, the key when one was created),
 * then a footer. The log is walked backwards by footers. */
typedef struct undo_footer {
	uint32_t size;
	uint8_t kind, existed, q, pad;
} undo_footer;

static size_t undo_payload(const undo *u)
{
	switch (u->kind) {
	case U_ITEM: return u->existed ? sizeof(bo_item_rec) : sizeof(u->u.item.sku);
	case U_ORDER: return u->existed ? sizeof(bo_order_rec) : sizeof(u->u.order.id);
	case U_LINE: return u->existed ? sizeof(bo_line_rec) : sizeof(u->u.line.order_id);
	case U_QINS: case U_QDEL: return sizeof(bo_queue_entry);
	case U_SUP: return sizeof(u->u.sup);
	case U_SUB_ADD: case U_SUB_DEL: return sizeof(bo_sub_rec);
	case U_OUT_ACK: return sizeof(size_t);
	case U_META: return sizeof(meta_kv);
	default: return 0;
	}
}

/* Append an undo entry: `n` bytes of `payload` (what undo_payload() says
 * an entry of `kind` holds) and its footer. Callers pass the old record in
 * place, so nothing is copied twice. */
static int log_add(mem *m, int kind, int existed, int q, const void *payload, size_t n)
{
	size_t pay, need;
	undo_footer f;
	if (!m->in_txn)
		return BO_OK;
	pay = (n + 7) & ~(size_t)7;
	need = pay + sizeof(f);
	if (m->nlog + need > m->logcap) {
		size_t cap = m->logcap ? m->logcap * 2 : 16384;
		while (cap < m->nlog + need)
			cap *= 2;
		unsigned char *n = realloc(m->log, cap);
		if (!n)
			return OOM();
		m->log = n;
		m->logcap = cap;
	}
	if (n)
		memcpy(m->log + m->nlog, payload, n);
	f.size = (uint32_t)pay;
	f.kind = (uint8_t)kind;
	f.existed = (uint8_t)existed;
	f.q = (uint8_t)q;
	f.pad = 0;
	memcpy(m->log + m->nlog + pay, &f, sizeof(f));
	m->nlog += need;
	return BO_OK;
}

static int log_push(mem *m, const undo *u)
{
	return log_add(m, u->kind, u->existed, u->q, &u->u, undo_payload(u));
}

/* Forget the last entry (its change did not happen). */
static void log_pop(mem *m)
{
	undo_footer f;
	if (!m->in_txn || m->nlog < sizeof(f))
		return;
	memcpy(&f, m->log + m->nlog - sizeof(f), sizeof(f));
	m->nlog -= f.size + sizeof(f);
}

static inode *ifind(mem *m, const char *sku)
{
	inode *n;
	if (m->li && strcmp(m->li->r.sku, sku) == 0)
		return m->li;
	n = ks_find(&m->items, sku);
	if (n)
		m->li = n;
	return n;
}

static onode *ofind(mem *m, const char *id)
{
	onode *n;
	if (m->lo && strcmp(m->lo->r.id, id) == 0)
		return m->lo;
	n = ks_find(&m->orders, id);
	if (n)
		m->lo = n;
	return n;
}

/* The store's copy of `sku`, made on first use when `add`; NULL when out
 * of memory or (not `add`) unknown. Lines point at it: a line costs a
 * pointer instead of 65 bytes, and a copy never dangles (an interned SKU
 * lives until the store closes, whatever happens to its item). */
static const char *sku_intern(mem *m, const char *sku, bool add)
{
	char *s = ks_find(&m->skus, sku);
	if (s || !add)
		return s;
	if (!ks_reserve(&m->skus) || !(s = calloc(1, BO_ID_MAX + 1)))
		return NULL;
	memcpy(s, sku, strnlen(sku, BO_ID_MAX));
	ks_add(&m->skus, s);
	return s;
}

/* The interned SKU for writing `rec` as line i of n: the line's own when
 * it keeps its SKU. */
static const char *line_sku_for(mem *m, const onode *n, uint32_t i, const bo_line_rec *rec, bool add)
{
	if (i < n->nl) {
		const char *cur = line_sku(n, i);
		if (strcmp(cur, rec->sku) == 0)
			return cur;
	}
	return sku_intern(m, rec->sku, add);
}

/* ---------------------------------------------------------------- */
/* Raw operations (no logging), used by both the API and undo. */

/* Write item `r`; `n` is its node, found by the caller, or NULL if new. */
static int raw_item_put(mem *m, inode *n, const bo_item_rec *r)
{
	if (n) {
		n->r = *r;
		return BO_OK;
	}
	if (!ks_reserve(&m->items) || !(n = calloc(1, sizeof(*n))))
		return OOM();
	n->r = *r;
	n->q[0].slab = n->q[1].slab = &m->qslots;
	RB_INIT(&n->sup);
	RB_INIT(&n->subs);
	ks_add(&m->items, n);
	m->li = n;
	return BO_OK;
}

static void free_item(inode *n)
{
	for (int q = 0; q < 2; q++) {
		for (size_t k = 0; k < n->q[q].nc; k++) {
			qdir *c = &n->q[q].d[k];
			for (size_t i = c->lo; i < c->hi; i++)
				if (c->s[i].owned)
					free(c->s[i].ref);
			slab_free(n->q[q].slab, c->s, c->cap, sizeof(qslot));
		}
		if (n->q[q].d != &n->q[q].d0)
			free(n->q[q].d);
	}
	snode *s, *s2;
	RB_FOREACH_SAFE(s, stree, &n->sup, s2) {
		RB_REMOVE(stree, &n->sup, s);
		free(s);
	}
	subnode *b, *b2;
	RB_FOREACH_SAFE(b, subtree, &n->subs, b2) {
		RB_REMOVE(subtree, &n->subs, b);
		free(b);
	}
	free(n);
}

/* Write order `r`; `n` is its node, found by the caller, or NULL if new. */
static int raw_order_put(mem *m, onode *n, const bo_order_rec *r)
{
	uint32_t cap;
	if (n) {
		n->r = *r;
		return BO_OK;
	}
	/* The record says how many lines will follow: room for them in the
	 * node's own allocation, not a realloc per line. */
	cap = r->nlines <= 64 ? r->nlines : 0;
	if (!ks_reserve(&m->orders) || !(n = arena_alloc(&m->onodes, sizeof(*n) + cap * LTAIL)))
		return OOM();
	n->lines = cap ? n->in : NULL;
	n->nl = 0;
	n->cap = n->incap = cap;
	n->r = *r;
	ks_add(&m->orders, n);
	m->lo = n; /* its lines come next */
	return BO_OK;
}

/* Copy chunk k's last key into the directory, after a change that may
 * have moved it. */
static void dir_sync(qvec *qv, size_t k)
{
	qdir *c = &qv->d[k];
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
static size_t chunk_lower(const qdir *c, const bo_queue_key *key)
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
		if (keycmp(&c->s[mid].key, key) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Position of the first slot whose key is >= `key`; when there is none,
 * the end of the last chunk ({0, 0} for an empty queue). */
static qpos qv_lower(const qvec *qv, const bo_queue_key *key)
{
	qpos p = { 0, 0 };
	size_t lo = 0, hi;
	const qdir *c;
	if (qv->nc == 0)
		return p;
	/* Keys mostly arrive in order: check the end first. (Only a lone
	 * chunk can be empty.) */
	if (qv->n == 0 || keycmp(&qv->d[qv->nc - 1].last, key) < 0) {
		p.k = qv->nc - 1;
		p.i = qv->d[p.k].hi;
		return p;
	}
	hi = qv->nc - 1;
	while (lo < hi) { /* first chunk whose last key is >= key */
		size_t mid = lo + (hi - lo) / 2;
		if (keycmp(&qv->d[mid].last, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	c = &qv->d[lo];
	p.k = lo;
	p.i = chunk_lower(c, key);
	return p;
}

static bool qv_valid(const qvec *qv, qpos p)
{
	return p.k < qv->nc && p.i >= qv->d[p.k].lo && p.i < qv->d[p.k].hi;
}

static qslot *qv_at(const qvec *qv, qpos p) { return &qv->d[p.k].s[p.i]; }

/* The slot holding exactly `key`; false if there is none. */
static bool qv_find(const qvec *qv, const bo_queue_key *key, qpos *out)
{
	qpos p = qv_lower(qv, key);
	if (!qv_valid(qv, p) || keycmp(&qv_at(qv, p)->key, key) != 0)
		return false;
	*out = p;
	return true;
}

/* A new empty chunk of `cap` slots whose first slot will go at `at`. */
static bool chunk_alloc(qvec *qv, qdir *c, uint32_t cap, uint32_t at)
{
	memset(c, 0, sizeof(*c));
	if (!(c->s = slab_alloc(qv->slab, cap, sizeof(qslot))))
		return false;
	c->cap = cap;
	c->lo = c->hi = at;
	return true;
}

/* Put chunk `c` into the chunk list at index k (this moves the
 * descriptors from k on: pointers to them go stale). */
static bool chunks_insert(qvec *qv, size_t k, const qdir *c)
{
	if (qv->capc == 0) {
		qv->d = &qv->d0;
		qv->capc = 1;
	} else if (qv->nc == qv->capc) {
		size_t cap = qv->capc * 2;
		qdir *d = qv->d == &qv->d0 ? malloc(cap * sizeof(*d)) : realloc(qv->d, cap * sizeof(*d));
		if (!d)
			return false;
		if (qv->d == &qv->d0)
			d[0] = qv->d0;
		qv->d = d;
		qv->capc = cap;
	}
	memmove(&qv->d[k + 1], &qv->d[k], (qv->nc - k) * sizeof(*qv->d));
	qv->d[k] = *c;
	qv->nc++;
	return true;
}

/* Put new chunk `b` into the list at k, or give its slots back. */
static bool chunk_place(qvec *qv, size_t k, qdir *b)
{
	if (chunks_insert(qv, k, b))
		return true;
	slab_free(qv->slab, b->s, b->cap, sizeof(qslot));
	return false;
}

/* Open a free slot in chunk `c` at index i (lo <= i <= hi, c not full);
 * returns its index. */
static size_t chunk_open(qdir *c, size_t i)
{
	/* An append with no room behind but room in front (the fifo steady
	 * state: fills pop the front, placements push the back) would move
	 * the whole chunk one slot per append: move it to the front once.
	 * Likewise a prepend with no room in front. */
	if (i == c->hi && c->hi == c->cap && c->lo > 0) {
		size_t n = c->hi - c->lo;
		memmove(&c->s[0], &c->s[c->lo], n * sizeof(qslot));
		c->lo = 0;
		c->hi = (uint32_t)n + 1;
		return n;
	}
	if (i == c->lo && c->lo == 0 && c->hi < c->cap) {
		size_t n = c->hi;
		memmove(&c->s[c->cap - n], &c->s[0], n * sizeof(qslot));
		c->hi = c->cap;
		c->lo = c->cap - (uint32_t)n - 1;
		return c->lo;
	}
	if (c->lo > 0 && (i - c->lo <= c->hi - i || c->hi == c->cap)) {
		memmove(&c->s[c->lo - 1], &c->s[c->lo], (i - c->lo) * sizeof(qslot));
		c->lo--;
		return i - 1;
	}
	memmove(&c->s[i + 1], &c->s[i], (c->hi - i) * sizeof(qslot));
	c->hi++;
	return i;
}

/* Open a free slot at position p (from qv_lower); false when out of
 * memory, with nothing changed. */
static bool qv_open(qvec *qv, qpos *p)
{
	qdir *c, b;
	uint32_t n;
	if (qv->nc == 0) {
		if (!chunk_alloc(qv, &b, 8, 1) || !chunk_place(qv, 0, &b))
			return false;
		p->k = 0;
		p->i = 1;
	}
	c = &qv->d[p->k];
	n = c->hi - c->lo;
	if (n == c->cap && c->cap < QCHUNK) {
		/* Full: double it, with an eighth of the new room in front. */
		uint32_t cap = c->cap * 2, front = (cap - n) / 8;
		qslot *g = slab_alloc(qv->slab, cap, sizeof(qslot));
		if (!g)
			return false;
		memcpy(g + front, c->s + c->lo, n * sizeof(qslot));
		slab_free(qv->slab, c->s, c->cap, sizeof(qslot));
		p->i = p->i - c->lo + front;
		c->s = g;
		c->cap = cap;
		c->lo = front;
		c->hi = front + n;
	} else if (n == c->cap) {
		/* Full at QCHUNK: past either end, start a chunk there;
		 * elsewhere, move the upper half to a chunk of its own. */
		if (p->i == c->hi) {
			if (!chunk_alloc(qv, &b, QCHUNK, 0) || !chunk_place(qv, p->k + 1, &b))
				return false;
			p->k++;
			p->i = 0;
		} else if (p->i == c->lo) {
			if (!chunk_alloc(qv, &b, QCHUNK, QCHUNK) || !chunk_place(qv, p->k, &b))
				return false;
			p->i = QCHUNK;
		} else {
			uint32_t half = n / 2;
			if (!chunk_alloc(qv, &b, QCHUNK, 0))
				return false;
			memcpy(b.s, c->s + c->lo + half, (n - half) * sizeof(qslot));
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

/* Close the slot at p, moving the shorter side; an emptied chunk goes. */
static void qv_close(qvec *qv, qpos p)
{
	qdir *c = &qv->d[p.k];
	bool was_last = p.i == c->hi - 1;
	qv->n--;
	if (p.i - c->lo < c->hi - 1 - p.i) {
		memmove(&c->s[c->lo + 1], &c->s[c->lo], (p.i - c->lo) * sizeof(qslot));
		c->lo++;
	} else {
		memmove(&c->s[p.i], &c->s[p.i + 1], (c->hi - 1 - p.i) * sizeof(qslot));
		c->hi--;
	}
	if (c->lo == c->hi) {
		if (qv->nc == 1) {
			c->lo = c->hi = c->cap / 8 ? c->cap / 8 : 1; /* keep the last one */
			return;
		}
		slab_free(qv->slab, c->s, c->cap, sizeof(qslot));
		memmove(&qv->d[p.k], &qv->d[p.k + 1], (qv->nc - p.k - 1) * sizeof(*qv->d));
		qv->nc--;
	} else if (was_last) {
		dir_sync(qv, p.k);
	}
}

/* Write the entry of slot `sl` in item `it`'s queue to `out`. A slot keeps
 * no copy of the SKU (its item's) and, when the order is stored, none of
 * the order id either: a queue change allocates nothing. */
static void slot_entry(const inode *it, const qslot *sl, bo_queue_entry *out)
{
	/* Whole arrays where the source is one (a fixed-size copy is a few
	 * moves; strnlen() first was a call and a loop). */
	memcpy(out->sku, it->r.sku, sizeof(out->sku));
	if (sl->owned) {
		const char *id = sl->ref;
		memcpy(out->order_id, id, strnlen(id, BO_ID_MAX) + 1);
	} else {
		memcpy(out->order_id, ((const onode *)sl->ref)->r.id, sizeof(out->order_id));
	}
	out->index = sl->index;
	out->reserved = 0;
	out->key = sl->key;
}

/* The core reads the line of an entry it has just been handed: make its
 * order the one ofind() tries first, which saves a hash probe (a cache
 * miss on a large book). */
static void remember_order(mem *m, const qslot *sl)
{
	if (!sl->owned)
		m->lo = sl->ref;
}

static void slot_free(qslot *sl)
{
	if (sl->owned)
		free(sl->ref);
}

static int raw_qins(mem *m, int q, const bo_queue_entry *e)
{
	inode *it = ifind(m, e->sku);
	onode *o;
	qvec *qv;
	qpos p;
	void *ref;
	if (!it || q < 0 || q > 1) {
		bo_storage_error("memory store: queue insert for unknown item '%s'", e->sku);
		return BO_ESTORAGE;
	}
	qv = &it->q[q];
	p = qv_lower(qv, &e->key);
	if (qv_valid(qv, p) && keycmp(&qv_at(qv, p)->key, &e->key) == 0) {
		bo_storage_error("memory store: duplicate queue key");
		return BO_ESTORAGE;
	}
	/* Orders are never deleted except by undoing their creation, which
	 * undoes every later change first: a slot may point at its node. */
	if ((o = ofind(m, e->order_id))) {
		ref = o;
	} else {
		size_t n = strnlen(e->order_id, BO_ID_MAX);
		if (!(ref = malloc(n + 1)))
			return OOM();
		memcpy(ref, e->order_id, n);
		((char *)ref)[n] = '\0';
	}
	if (!qv_open(qv, &p)) {
		if (!o)
			free(ref);
		return OOM();
	}
	qv_at(qv, p)->key = e->key;
	qv_at(qv, p)->ref = ref;
	qv_at(qv, p)->index = e->index;
	qv_at(qv, p)->owned = o == NULL;
	qv->n++;
	if (p.i == qv->d[p.k].hi - 1)
		dir_sync(qv, p.k);
	return BO_OK;
}

/* Remove the entry at p (unlogged). */
static void qv_remove(qvec *qv, qpos p)
{
	slot_free(qv_at(qv, p));
	qv_close(qv, p);
}

/* Remove the entry with `key` from queue `q` of `it` (unlogged). */
static bool raw_qdel(inode *it, int q, const bo_queue_key *key)
{
	qvec *qv = &it->q[q];
	qpos p;
	if (!qv_find(qv, key, &p))
		return false;
	qv_remove(qv, p);
	return true;
}

static qvec *qv_of(mem *m, int q, const char *sku, inode **itp)
{
	inode *it = ifind(m, sku);
	if (!it || q < 0 || q > 1)
		return NULL;
	if (itp)
		*itp = it;
	return &it->q[q];
}

static snode *sfind(inode *it, const char *id)
{
	snode *s;
	RB_FOREACH(s, stree, &it->sup)
		if (strcmp(s->r.id, id) == 0)
			return s;
	return NULL;
}

static int raw_sup_put(mem *m, const bo_supply_rec *r)
{
	inode *it = ifind(m, r->sku);
	snode *s;
	if (!it) {
		bo_storage_error("memory store: supply for unknown item '%s'", r->sku);
		return BO_ESTORAGE;
	}
	s = sfind(it, r->id);
	if (s) {
		RB_REMOVE(stree, &it->sup, s);
	} else {
		s = malloc(sizeof(*s));
		if (!s)
			return OOM();
	}
	s->r = *r;
	RB_INSERT(stree, &it->sup, s);
	return BO_OK;
}

static void raw_sup_del(mem *m, const char *sku, const char *id)
{
	inode *it = ifind(m, sku);
	snode *s = it ? sfind(it, id) : NULL;
	if (s) {
		RB_REMOVE(stree, &it->sup, s);
		free(s);
	}
}

static int meta_idx(mem *m, const char *key)
{
	for (size_t i = 0; i < m->nmeta; i++) /* a handful of keys: first byte, then the rest */
		if (m->meta[i].key[0] == key[0] && strcmp(m->meta[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int raw_meta_put(mem *m, const char *key, int64_t v)
{
	int i = meta_idx(m, key);
	if (i >= 0) {
		m->meta[i].v = v;
		return BO_OK;
	}
	meta_kv *n = realloc(m->meta, (m->nmeta + 1) * sizeof(*n));
	if (!n)
		return OOM();
	m->meta = n;
	memset(&m->meta[m->nmeta], 0, sizeof(meta_kv));
	strncpy(m->meta[m->nmeta].key, key, sizeof(m->meta[0].key) - 1);
	m->meta[m->nmeta].v = v;
	m->nmeta++;
	return BO_OK;
}

static void raw_meta_del(mem *m, const char *key)
{
	int i = meta_idx(m, key);
	if (i >= 0)
		m->meta[i] = m->meta[--m->nmeta];
}

/* ---------------------------------------------------------------- */
/* Undo */

static void undo_one(mem *m, const undo *u)
{
	switch (u->kind) {
	case U_ITEM:
		if (u->existed) {
			raw_item_put(m, ifind(m, u->u.item.sku), &u->u.item);
		} else {
			inode *n = ifind(m, u->u.item.sku);
			if (n) {
				ks_del(&m->items, n);
				if (m->li == n)
					m->li = NULL;
				free_item(n);
			}
		}
		break;
	case U_ORDER:
		if (u->existed) {
			raw_order_put(m, ofind(m, u->u.order.id), &u->u.order);
		} else {
			onode *n = ofind(m, u->u.order.id);
			if (n) {
				ks_del(&m->orders, n);
				if (m->lo == n)
					m->lo = NULL;
				if (n->lines != n->in)
					free(n->lines);
				arena_unalloc(&m->onodes, n, sizeof(*n) + n->incap * LTAIL);
			}
		}
		break;
	case U_LINE: {
		onode *n = ofind(m, u->u.line.order_id);
		if (!n)
			break;
		if (u->existed) {
			/* the old SKU was interned when the line was first written */
			const char *sku = line_sku_for(m, n, u->u.line.index, &u->u.line, false);
			if (sku)
				line_in(n, u->u.line.index, sku, &u->u.line);
		} else if (n->nl > 0)
			n->nl--;
		break;
	}
	case U_QINS: {
		inode *it = NULL;
		if (qv_of(m, u->q, u->u.qe.sku, &it))
			raw_qdel(it, u->q, &u->u.qe.key);
		break;
	}
	case U_QDEL:
		raw_qins(m, u->q, &u->u.qe);
		break;
	case U_SUP:
		raw_sup_del(m, u->u.sup.sku, u->u.sup.id);
		if (u->existed)
			raw_sup_put(m, &u->u.sup.old);
		break;
	case U_SUB_ADD: {
		inode *it = ifind(m, u->u.sub.sku);
		subnode k, *n;
		k.r.seq = u->u.sub.seq;
		if (it && (n = RB_FIND(subtree, &it->subs, &k))) {
			RB_REMOVE(subtree, &it->subs, n);
			free(n);
		}
		break;
	}
	case U_SUB_DEL: {
		inode *it = ifind(m, u->u.sub.sku);
		subnode *n = malloc(sizeof(*n));
		if (it && n) {
			n->r = u->u.sub;
			RB_INSERT(subtree, &it->subs, n);
		} else {
			free(n);
		}
		break;
	}
	case U_OUT_APPEND:
		if (m->len > m->head)
			m->len--;
		break;
	case U_OUT_ACK:
		m->head = u->u.head;
		break;
	case U_META:
		if (u->existed)
			raw_meta_put(m, u->u.meta.key, u->u.meta.v);
		else
			raw_meta_del(m, u->u.meta.key);
		break;
	}
}

static void undo_to(mem *m, size_t mark)
{
	undo u;
	undo_footer f;
	while (m->nlog > mark) {
		memcpy(&f, m->log + m->nlog - sizeof(f), sizeof(f));
		m->nlog -= f.size + sizeof(f);
		memset(&u, 0, sizeof(u));
		u.kind = f.kind;
		u.existed = f.existed;
		u.q = f.q;
		memcpy(&u.u, m->log + m->nlog, undo_payload(&u));
		undo_one(m, &u);
	}
}

/* ---------------------------------------------------------------- */
/* The vtable */

static int mem_begin(void *ud)
{
	mem *m = ud;
	if (m->in_txn) {
		bo_storage_error("memory store: a transaction is open already");
		return BO_ESTORAGE;
	}
	m->in_txn = true;
	m->nlog = 0;
	m->nmarks = 0;
	return BO_OK;
}

static void compact_outbox(mem *m)
{
	if (m->head > 0 && m->head * 2 >= m->len) {
		memmove(m->ev, m->ev + m->head, (m->len - m->head) * sizeof(*m->ev));
		m->len -= m->head;
		m->head = 0;
		m->ocur = 0;
	}
}

static int mem_commit(void *ud)
{
	mem *m = ud;
	m->in_txn = false;
	m->nlog = 0;
	m->nmarks = 0;
	compact_outbox(m); /* the undo log keeps its capacity for the next call */
	return BO_OK;
}

static int mem_rollback(void *ud)
{
	mem *m = ud;
	undo_to(m, 0);
	m->in_txn = false;
	m->nmarks = 0;
	return BO_OK;
}

static int mem_savepoint(void *ud)
{
	mem *m = ud;
	if (!grow(&m->marks, m->nmarks, &m->markcap, 8, sizeof(*m->marks)))
		return OOM();
	m->marks[m->nmarks++] = m->nlog;
	return BO_OK;
}

static int mem_release(void *ud)
{
	mem *m = ud;
	if (m->nmarks == 0) {
		bo_storage_error("memory store: no savepoint to release");
		return BO_ESTORAGE;
	}
	m->nmarks--;
	return BO_OK;
}

static int mem_rollback_to(void *ud)
{
	mem *m = ud;
	if (m->nmarks == 0) {
		bo_storage_error("memory store: no savepoint to roll back to");
		return BO_ESTORAGE;
	}
	undo_to(m, m->marks[--m->nmarks]);
	return BO_OK;
}

static int mem_item_get(void *ud, const char *sku, bo_item_rec *out, int for_update)
{
	inode *n = ifind(ud, sku);
	(void)for_update;
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_item_put(void *ud, const bo_item_rec *rec)
{
	mem *m = ud;
	inode *n = ifind(m, rec->sku);
	int rc;
	/* the old record, or for a new one its key (sku is the first field) */
	if (n)
		rc = log_add(m, U_ITEM, 1, 0, &n->r, sizeof(n->r));
	else
		rc = log_add(m, U_ITEM, 0, 0, rec->sku, sizeof(rec->sku));
	if (rc < 0)
		return rc;
	if ((rc = raw_item_put(m, n, rec)) < 0)
		log_pop(m);
	return rc;
}

static int mem_item_next(void *ud, const char *after, bo_item_rec *out)
{
	mem *m = ud;
	inode *n = ks_next(&m->items, after);
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_order_get(void *ud, const char *id, bo_order_rec *out, int for_update)
{
	onode *n = ofind(ud, id);
	(void)for_update;
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_order_put(void *ud, const bo_order_rec *rec)
{
	mem *m = ud;
	onode *n = ofind(m, rec->id);
	int rc;
	if (n)
		rc = log_add(m, U_ORDER, 1, 0, &n->r, sizeof(n->r));
	else
		rc = log_add(m, U_ORDER, 0, 0, rec->id, sizeof(rec->id));
	if (rc < 0)
		return rc;
	if ((rc = raw_order_put(m, n, rec)) < 0)
		log_pop(m);
	return rc;
}

static int mem_order_next(void *ud, const char *after, bo_order_rec *out)
{
	mem *m = ud;
	onode *n = ks_next(&m->orders, after);
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_line_get(void *ud, const char *order_id, uint32_t index, bo_line_rec *out)
{
	onode *n = ofind(ud, order_id);
	if (!n || index >= n->nl)
		return BO_ENOTFOUND;
	line_out(n, index, out);
	return BO_OK;
}

static int mem_line_put(void *ud, const bo_line_rec *rec)
{
	mem *m = ud;
	onode *n = ofind(m, rec->order_id);
	const char *sku;
	int rc, existed;
	if (!n || rec->index > n->nl) {
		bo_storage_error("memory store: line %u of unknown order '%s' or out of sequence", rec->index, rec->order_id);
		return BO_ESTORAGE;
	}
	if (rec->index == n->nl && n->nl == n->cap) {
		uint32_t cap = n->cap ? n->cap * 2 : 1;
		unsigned char *nl;
		if (n->lines == n->in) { /* outgrows the node: move to an array of its own */
			if ((nl = malloc(cap * LTAIL)) != NULL)
				memcpy(nl, n->in, (size_t)n->nl * LTAIL);
		} else {
			nl = realloc(n->lines, cap * LTAIL);
		}
		if (!nl)
			return OOM();
		n->lines = nl;
		n->cap = cap;
	}
	if (!(sku = line_sku_for(m, n, rec->index, rec, true)))
		return OOM();
	existed = rec->index < n->nl;
	if (existed) {
		bo_line_rec old;
		line_out(n, rec->index, &old);
		rc = log_add(m, U_LINE, 1, 0, &old, sizeof(old));
	} else
		rc = log_add(m, U_LINE, 0, 0, rec->order_id, sizeof(rec->order_id));
	if (rc < 0)
		return rc;
	line_in(n, rec->index, sku, rec);
	if (!existed)
		n->nl++;
	return BO_OK;
}

static int mem_queue_insert(void *ud, int queue, const bo_queue_entry *entry)
{
	mem *m = ud;
	int rc = raw_qins(m, queue, entry);
	if (rc < 0)
		return rc;
	if ((rc = log_add(m, U_QINS, 0, queue, entry, sizeof(*entry))) < 0) {
		inode *it = NULL;
		if (qv_of(m, queue, entry->sku, &it))
			raw_qdel(it, queue, &entry->key);
	}
	return rc;
}

static int mem_queue_remove(void *ud, int queue, const char *sku, const bo_queue_key *key)
{
	mem *m = ud;
	inode *it = NULL;
	qvec *qv = qv_of(m, queue, sku, &it);
	bo_queue_entry old;
	qpos p;
	int rc;
	if (!qv || !qv_find(qv, key, &p))
		return BO_ENOTFOUND;
	slot_entry(it, qv_at(qv, p), &old);
	if ((rc = log_add(m, U_QDEL, 0, queue, &old, sizeof(old))) < 0)
		return rc;
	qv_remove(qv, p);
	return BO_OK;
}

/* The position after p, if any. */
static bool qv_step(const qvec *qv, qpos *p)
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

static int mem_queue_next(void *ud, int queue, const char *sku, const bo_queue_key *after, bo_queue_entry *out)
{
	inode *it = NULL;
	qvec *qv = qv_of(ud, queue, sku, &it);
	qpos p;
	if (!qv || qv->nc == 0)
		return BO_ENOTFOUND;
	if (!after) {
		p.k = 0;
		p.i = qv->d[0].lo;
		if (!qv_valid(qv, p))
			return BO_ENOTFOUND;
	} else if (qv_valid(qv, qv->cur) && keycmp(&qv_at(qv, qv->cur)->key, after) == 0) {
		p = qv->cur;
		if (!qv_step(qv, &p))
			return BO_ENOTFOUND;
	} else {
		p = qv_lower(qv, after);
		if (!qv_valid(qv, p))
			return BO_ENOTFOUND;
		if (keycmp(&qv_at(qv, p)->key, after) == 0 && !qv_step(qv, &p))
			return BO_ENOTFOUND;
	}
	qv->cur = p;
	slot_entry(it, qv_at(qv, p), out);
	remember_order(ud, qv_at(qv, p));
	return BO_OK;
}

static int mem_queue_prev(void *ud, int queue, const char *sku, const bo_queue_key *before, bo_queue_entry *out)
{
	inode *it = NULL;
	qvec *qv = qv_of(ud, queue, sku, &it);
	qpos p;
	if (!qv || qv->nc == 0)
		return BO_ENOTFOUND;
	if (before) {
		p = qv_lower(qv, before);
	} else {
		p.k = qv->nc - 1;
		p.i = qv->d[p.k].hi;
	}
	/* the slot before p */
	if (p.i > qv->d[p.k].lo) {
		p.i--;
	} else {
		if (p.k == 0)
			return BO_ENOTFOUND;
		p.k--;
		p.i = qv->d[p.k].hi - 1;
	}
	if (!qv_valid(qv, p))
		return BO_ENOTFOUND;
	slot_entry(it, qv_at(qv, p), out);
	remember_order(ud, qv_at(qv, p));
	return BO_OK;
}

static int mem_supply_get(void *ud, const char *sku, const char *id, bo_supply_rec *out)
{
	inode *it = ifind(ud, sku);
	snode *s = it ? sfind(it, id) : NULL;
	if (!s)
		return BO_ENOTFOUND;
	*out = s->r;
	return BO_OK;
}

static int sup_log(mem *m, const char *sku, const char *id)
{
	inode *it = ifind(m, sku);
	snode *s = it ? sfind(it, id) : NULL;
	undo u = { .kind = U_SUP, .existed = s != NULL };
	if (s)
		u.u.sup.old = s->r;
	strncpy(u.u.sup.sku, sku, BO_ID_MAX);
	strncpy(u.u.sup.id, id, BO_ID_MAX);
	return log_push(m, &u);
}

static int mem_supply_put(void *ud, const bo_supply_rec *rec)
{
	mem *m = ud;
	int rc = sup_log(m, rec->sku, rec->id);
	if (rc < 0)
		return rc;
	if ((rc = raw_sup_put(m, rec)) < 0)
		log_pop(m);
	return rc;
}

static int mem_supply_del(void *ud, const char *sku, const char *id)
{
	mem *m = ud;
	inode *it = ifind(m, sku);
	int rc;
	if (!it || !sfind(it, id))
		return BO_ENOTFOUND;
	if ((rc = sup_log(m, sku, id)) < 0)
		return rc;
	raw_sup_del(m, sku, id);
	return BO_OK;
}

static int mem_supply_next(void *ud, const char *sku, const bo_supply_rec *after, bo_supply_rec *out)
{
	inode *it = ifind(ud, sku);
	snode *n;
	if (!it)
		return BO_ENOTFOUND;
	if (!after) {
		n = RB_MIN(stree, &it->sup);
	} else {
		snode k;
		k.r = *after;
		n = RB_NFIND(stree, &it->sup, &k);
		if (n && scmp(n, &k) == 0)
			n = RB_NEXT(stree, &it->sup, n);
	}
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_sub_add(void *ud, const bo_sub_rec *rec)
{
	mem *m = ud;
	inode *it = ifind(m, rec->sku);
	subnode *n;
	undo u = { .kind = U_SUB_ADD };
	int rc;
	if (!it) {
		bo_storage_error("memory store: subscription for unknown item '%s'", rec->sku);
		return BO_ESTORAGE;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return OOM();
	n->r = *rec;
	u.u.sub = *rec;
	if ((rc = log_push(m, &u)) < 0) {
		free(n);
		return rc;
	}
	if (RB_INSERT(subtree, &it->subs, n)) {
		free(n);
		log_pop(m);
		bo_storage_error("memory store: duplicate subscription sequence");
		return BO_ESTORAGE;
	}
	return BO_OK;
}

static int mem_sub_next(void *ud, const char *sku, uint64_t after, bo_sub_rec *out)
{
	inode *it = ifind(ud, sku);
	subnode k, *n;
	if (!it)
		return BO_ENOTFOUND;
	k.r.seq = after;
	n = RB_NFIND(subtree, &it->subs, &k);
	if (n && n->r.seq == after)
		n = RB_NEXT(subtree, &it->subs, n);
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_sub_del(void *ud, const char *sku, uint64_t seq)
{
	mem *m = ud;
	inode *it = ifind(m, sku);
	subnode k, *n;
	undo u = { .kind = U_SUB_DEL };
	int rc;
	k.r.seq = seq;
	if (!it || !(n = RB_FIND(subtree, &it->subs, &k)))
		return BO_ENOTFOUND;
	u.u.sub = n->r;
	if ((rc = log_push(m, &u)) < 0)
		return rc;
	RB_REMOVE(subtree, &it->subs, n);
	free(n);
	return BO_OK;
}

static int mem_outbox_append(void *ud, const bo_event_rec *ev)
{
	mem *m = ud;
	int rc;
	if (!grow(&m->ev, m->len, &m->cap, 256, sizeof(*m->ev)))
		return OOM();
	if ((rc = log_add(m, U_OUT_APPEND, 0, 0, NULL, 0)) < 0)
		return rc;
	m->ev[m->len++] = *ev;
	return BO_OK;
}

static int mem_outbox_next(void *ud, uint64_t after, bo_event_rec *out)
{
	mem *m = ud;
	size_t lo = m->head, hi = m->len;
	if (m->ocur >= m->head && m->ocur < m->len && m->ev[m->ocur].seq == after) {
		lo = m->ocur + 1;
		hi = lo;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->ev[mid].seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= m->len)
		return BO_ENOTFOUND;
	m->ocur = lo;
	*out = m->ev[lo];
	return BO_OK;
}

static int mem_outbox_ack(void *ud, uint64_t upto)
{
	mem *m = ud;
	int rc;
	if ((rc = log_add(m, U_OUT_ACK, 0, 0, &m->head, sizeof(m->head))) < 0)
		return rc;
	while (m->head < m->len && m->ev[m->head].seq <= upto)
		m->head++;
	return BO_OK;
}

static int mem_meta_get(void *ud, const char *key, int64_t *value)
{
	mem *m = ud;
	int i = meta_idx(m, key);
	if (i < 0)
		return BO_ENOTFOUND;
	*value = m->meta[i].v;
	return BO_OK;
}

static int mem_meta_put(void *ud, const char *key, int64_t value)
{
	mem *m = ud;
	int i = meta_idx(m, key);
	meta_kv old;
	size_t len = strlen(key);
	int rc;
	if (len >= sizeof(old.key)) {
		bo_storage_error("memory store: metadata key too long");
		return BO_ESTORAGE;
	}
	memcpy(old.key, key, len + 1);
	old.v = i >= 0 ? m->meta[i].v : 0;
	if ((rc = log_add(m, U_META, i >= 0, 0, &old, sizeof(old))) < 0)
		return rc;
	if (i >= 0) { /* the common case: an existing key, found once */
		m->meta[i].v = value;
		return BO_OK;
	}
	if ((rc = raw_meta_put(m, key, value)) < 0)
		log_pop(m);
	return rc;
}

static void mem_close(void *ud)
{
	mem *m = ud;
	if (!m)
		return;
	for (size_t i = 0; i < m->items.nlist; i++)
		free_item(m->items.list[i]);
	for (size_t i = 0; i < m->orders.nlist; i++) {
		onode *o = m->orders.list[i];
		if (o->lines != o->in)
			free(o->lines);
	}
	arena_free(&m->onodes);
	arena_free(&m->qslots.a);
	ks_free(&m->items);
	ks_free(&m->orders);
	for (size_t i = 0; i < m->skus.nlist; i++)
		free(m->skus.list[i]);
	ks_free(&m->skus);
	free(m->ev);
	free(m->meta);
	free(m->log);
	free(m->marks);
	free(m);
}

static const bo_storage memory_vtable = {
	.version = BO_STORAGE_VERSION,
	.size = sizeof(bo_storage),
	.begin = mem_begin,
	.commit = mem_commit,
	.rollback = mem_rollback,
	.item_get = mem_item_get,
	.item_put = mem_item_put,
	.item_next = mem_item_next,
	.order_get = mem_order_get,
	.order_put = mem_order_put,
	.order_next = mem_order_next,
	.line_get = mem_line_get,
	.line_put = mem_line_put,
	.queue_insert = mem_queue_insert,
	.queue_remove = mem_queue_remove,
	.queue_next = mem_queue_next,
	.queue_prev = mem_queue_prev,
	.supply_get = mem_supply_get,
	.supply_put = mem_supply_put,
	.supply_del = mem_supply_del,
	.supply_next = mem_supply_next,
	.sub_add = mem_sub_add,
	.sub_next = mem_sub_next,
	.sub_del = mem_sub_del,
	.outbox_append = mem_outbox_append,
	.outbox_next = mem_outbox_next,
	.outbox_ack = mem_outbox_ack,
	.meta_get = mem_meta_get,
	.meta_put = mem_meta_put,
	.savepoint = mem_savepoint,
	.release = mem_release,
	.rollback_to = mem_rollback_to,
	.close = mem_close,
};

int bo_memory_storage(const bo_storage **vtable, void **user_data)
{
	mem *m;
	if (!vtable || !user_data) {
		bo_storage_error("memory store: NULL argument");
		return BO_EINVALID;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return OOM();
	m->items.koff = offsetof(inode, r.sku);
	m->skus.koff = 0;
	m->orders.koff = offsetof(onode, r.id);
	*vtable = &memory_vtable;
	*user_data = m;
	return BO_OK;
}
