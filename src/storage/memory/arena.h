/* Memory for the memory store: arenas and big tables (arena.c).
 *
 * An arena hands out memory that lives until the arena is freed, from
 * blocks that grow from a small first one (a small store stays small) to
 * large ones; the last allocation can be given back. A big table is zeroed
 * memory that is freed as a whole. Neither reports errors: they return
 * NULL or false, and the caller says why. */
#ifndef BO_MEM_ARENA_H
#define BO_MEM_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "backorder/common.h"

typedef struct bo__ablock {
	void *base;  /* what to free or unmap */
	size_t size; /* bytes at base */
} bo__ablock;

typedef struct bo__arena {
	unsigned char *cur; /* the current block's free tail */
	size_t left;
	bo__ablock *b;
	size_t nb, capb;
	size_t next; /* size of the next block; 0: the first */
} bo__arena;

/* A zeroed arena is empty and ready. */
#define BO__ARENA_ALIGN 16

/* `n` bytes (rounded up to BO__ARENA_ALIGN), aligned to BO__ARENA_ALIGN;
 * NULL when out of memory. Not zeroed. */
void *bo__arena_alloc(bo__arena *a, size_t n);
/* Give back `p` (of `n` bytes) if it was the last allocation; else nothing. */
void bo__arena_unalloc(bo__arena *a, void *p, size_t n);
/* Free every block. The arena is then empty again. */
void bo__arena_free(bo__arena *a);
/* Bytes held in blocks (for tests and statistics). */
size_t bo__arena_size(const bo__arena *a);

/* calloc() through the library's allocator (bo_malloc()). */
static inline void *bo__zalloc(size_t n, size_t size)
{
	void *p;
	if (size && n > SIZE_MAX / size)
		return NULL;
	if ((p = bo_malloc(n * size)))
		memset(p, 0, n * size);
	return p;
}

/* `n` zeroed bytes for a table; NULL when out of memory. */
void *bo__big_calloc(size_t n);
/* Free a table of `n` bytes from bo__big_calloc() (p may be NULL). */
void bo__big_free(void *p, size_t n);

/* A growing buffer's pages, faulted in ahead of use: `p` (from
 * bo_realloc(), `cap` bytes) is used up to byte `used`, and its pages are
 * known to be in up to *ready (0 at first). Faults in the next
 * BO__PREFAULT_STEP bytes (at most up to cap) with one system call
 * (MADV_POPULATE_WRITE), instead of one page fault per page as the
 * buffer is written, when the buffer is large (BO__PREFAULT_MIN) and
 * comes from the C library; returns the bytes the caller may use before
 * it asks again (cap when it need not). Never fails: without the call,
 * pages fault in as they are written. */
#define BO__PREFAULT_MIN ((size_t)1 << 20)
#define BO__PREFAULT_STEP ((size_t)1 << 20)
size_t bo__prefault(void *p, size_t cap, size_t used, size_t *ready);

/* Room for element n of the array *pp (of *cap elements of `elem` bytes):
 * doubled when full, `first` elements at first. False when out of memory,
 * with the array as it was. (pp is a T **.) */
bool bo__grow(void *pp, size_t n, size_t *cap, size_t first, size_t elem);

#endif
