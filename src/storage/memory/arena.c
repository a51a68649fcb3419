/* Arenas, slabs and big tables for the memory store (arena.h).
 *
 * Order nodes are allocated from an arena and live until the store closes
 * (or until the creation that made them is undone, which undoes every later
 * change first, so a bump pointer can step back). The first block is
 * 64 KiB from malloc(), so a small store stays small and cheap (mapping a
 * huge page for a store of one order made opening and closing it cost
 * 230 us on a VM, where every mmap and munmap is dear). The next blocks are
 * 2 MiB, doubling to 32 MiB, mapped on 2 MiB boundaries and marked for
 * transparent huge pages. A large book is then read through one TLB entry
 * per 2 MiB instead of one per 4 KiB. Without huge pages (or where madvise
 * refuses) the blocks are ordinary memory. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ARENA_FIRST ((size_t)64 << 10)
#define ARENA_HUGE ((size_t)2 << 20)
#define ARENA_MAX ((size_t)32 << 20)

bool bo__grow(void *pp, size_t n, size_t *cap, size_t first, size_t elem)
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

static void block_free(bo__ablock *b)
{
	UNPOISON(b->base, b->size); /* the next owner of these addresses starts clean */
	if (b->size >= ARENA_HUGE)
		munmap(b->base, b->size);
	else
		free(b->base);
}

/* From BIG_MIN bytes on, a table gets a huge-page mapping of its own
 * (fresh mappings read as zeros); below, calloc(). */
#define BIG_MIN ((size_t)128 << 10)
static size_t big_size(size_t n) { return (n + ARENA_HUGE - 1) & ~(ARENA_HUGE - 1); }

void *bo__big_calloc(size_t n)
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

void bo__big_free(void *p, size_t n)
{
	bo__ablock b = { p, n < BIG_MIN ? n : big_size(n) };
	if (p)
		block_free(&b);
}

void *bo__arena_alloc(bo__arena *a, size_t n)
{
	unsigned char *p;
	n = (n + BO__ARENA_ALIGN - 1) & ~(size_t)(BO__ARENA_ALIGN - 1);
	if (n > a->left) {
		size_t size = a->next ? a->next : ARENA_FIRST;
		void *base;
		while (size < n)
			size *= 2;
		if (!bo__grow(&a->b, a->nb, &a->capb, 8, sizeof(*a->b)) || !(p = block_new(size, &base)))
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

void bo__arena_unalloc(bo__arena *a, void *p, size_t n)
{
	n = (n + BO__ARENA_ALIGN - 1) & ~(size_t)(BO__ARENA_ALIGN - 1);
	if ((unsigned char *)p + n == a->cur) {
		a->cur = p;
		a->left += n;
		POISON(p, n);
	}
}

void bo__arena_free(bo__arena *a)
{
	for (size_t i = 0; i < a->nb; i++)
		block_free(&a->b[i]);
	free(a->b);
	memset(a, 0, sizeof(*a));
}

size_t bo__arena_size(const bo__arena *a)
{
	size_t n = 0;
	for (size_t i = 0; i < a->nb; i++)
		n += a->b[i].size;
	return n;
}

/* Slab: pieces in sizes 8 << c elements, carved from the arena and kept on
 * a free list per class when given back. */
static int slab_class(unsigned cap)
{
	int c = 0;
	while ((8u << c) < cap)
		c++;
	return c;
}

void *bo__slab_alloc(bo__slab *sl, unsigned cap, size_t elem)
{
	int c = slab_class(cap);
	void *p = sl->free[c];
	if (p) {
		UNPOISON(p, (size_t)cap * elem);
		memcpy(&sl->free[c], p, sizeof(void *));
		return p;
	}
	return bo__arena_alloc(&sl->a, (size_t)cap * elem);
}

void bo__slab_free(bo__slab *sl, void *p, unsigned cap, size_t elem)
{
	int c = slab_class(cap);
	if (!p)
		return;
	memcpy(p, &sl->free[c], sizeof(void *));
	sl->free[c] = p;
	POISON((unsigned char *)p + sizeof(void *), (size_t)cap * elem - sizeof(void *));
}

void bo__slab_destroy(bo__slab *sl)
{
	bo__arena_free(&sl->a);
	memset(sl, 0, sizeof(*sl));
}
