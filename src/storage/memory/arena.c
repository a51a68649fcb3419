/* Arenas and big tables for the memory store (arena.h).
 *
 * Order nodes are allocated from an arena and live until the store closes
 * (or until the creation that made them is undone, which undoes every later
 * change first, so a bump pointer can step back). The first block is
 * 64 KiB from bo_malloc(), so a small store stays small and cheap (a mapping
 * for a store of one order made opening and closing it cost 230 us on a
 * VM, where every mmap and munmap is dear). The next blocks are 2 MiB,
 * doubling to 32 MiB, mappings of their own, given back to the system when
 * the store closes; their pages are touched, and so faulted in, only as
 * the book grows into them.
 *
 * They were marked for transparent huge pages until issue 15: on the
 * 1,000,000-order fifo trace that cost 0.45-0.5 s more system time (the
 * kernel compacting and zeroing 2 MiB pages) for no user time saved, and
 * 7 MB more peak memory (docs/PERFORMANCE.md).
 *
 * With an allocator set by bo_set_allocator() (issue 17) every block and
 * table comes from it instead (bo_malloc()): the embedder asked to see all
 * of the library's memory. Which way a block was made never changes while
 * the process runs (the allocator is fixed before the first allocation), so
 * freeing asks the same question. */
#include "arena.h"

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
#define ARENA_BIG ((size_t)2 << 20) /* from here on, mappings */
#define ARENA_MAX ((size_t)32 << 20)

bool bo__grow(void *pp, size_t n, size_t *cap, size_t first, size_t elem)
{
	void *p, *q;
	size_t c;
	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : first;
	memcpy(&p, pp, sizeof(p));
	if (!(q = bo_realloc(p, c * elem)))
		return false;
	memcpy(pp, &q, sizeof(q));
	*cap = c;
	return true;
}

/* A block of `size` bytes: malloc'd below ARENA_BIG, else a mapping of its
 * own (size a multiple of the page size). */
static void *block_new(size_t size, void **base)
{
	void *p;
	if (size < ARENA_BIG || bo_get_allocator())
		return *base = bo_malloc(size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return *base = p == MAP_FAILED ? NULL : p;
}

static void block_free(bo__ablock *b)
{
	UNPOISON(b->base, b->size); /* the next owner of these addresses starts clean */
	if (b->size >= ARENA_BIG && !bo_get_allocator())
		munmap(b->base, b->size);
	else
		bo_free(b->base);
}

/* From BIG_MIN bytes on, a table gets a mapping of its own (fresh mappings
 * read as zeros, and go back to the system when freed); below, bo__zalloc(). */
#define BIG_MIN ((size_t)128 << 10)
static size_t pages(size_t n) { return (n + 4095) & ~(size_t)4095; }

size_t bo__prefault(void *p, size_t cap, size_t used, size_t *ready)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t a, e;
	size_t to;
	if (cap < BO__PREFAULT_MIN || bo_get_allocator())
		return cap;
	if (*ready < used)
		*ready = used; /* (written already: in) */
	to = *ready + BO__PREFAULT_STEP < cap ? *ready + BO__PREFAULT_STEP : cap;
	/* the whole pages of [p + ready, p + to) */
	a = ((uintptr_t)p + *ready + 4095) & ~(uintptr_t)4095;
	e = ((uintptr_t)p + to) & ~(uintptr_t)4095;
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
	*ready = to;
	return to;
#else
	(void)p;
	(void)used;
	(void)ready;
	return cap;
#endif
}

void *bo__big_calloc(size_t n)
{
	void *p;
	if (n < BIG_MIN || bo_get_allocator())
		return bo__zalloc(1, n);
	p = mmap(NULL, pages(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_POPULATE_WRITE
	/* A table is written all over as soon as it is made (the rehash):
	 * fault it in with one call instead of a fault per page. */
	(void)madvise(p, pages(n), MADV_POPULATE_WRITE);
#endif
	return p;
}

void bo__big_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < BIG_MIN || bo_get_allocator())
		bo_free(p);
	else
		munmap(p, pages(n));
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
		/* after the small first block, mappings of 2 MiB and more */
		a->next = size < ARENA_BIG ? ARENA_BIG : size < ARENA_MAX ? size * 2 : size;
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
	bo_free(a->b);
	memset(a, 0, sizeof(*a));
}

size_t bo__arena_size(const bo__arena *a)
{
	size_t n = 0;
	for (size_t i = 0; i < a->nb; i++)
		n += a->b[i].size;
	return n;
}
