/* The library's allocator: every allocation the library makes goes through
 * bo_malloc(), bo_realloc() and bo_free(), which call the allocator set by
 * bo_set_allocator() or else the C library's (in the manner of SQLite's
 * SQLITE_CONFIG_MALLOC and libuv's uv_replace_allocator()).
 *
 * The allocator can be chosen only while nothing is allocated with the
 * previous one: a pointer must go back to the allocator it came from. So
 * `state` moves once, from UNSET to DEFAULT (the first allocation came
 * first) or to CUSTOM (bo_set_allocator() came first), and never back. */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>

enum { UNSET, DEFAULT, CUSTOM, SETTING };

static _Atomic int state = UNSET;
static bo_allocator custom; /* written once, before state becomes CUSTOM */

static inline int settled(void)
{
	int s = atomic_load_explicit(&state, memory_order_acquire);
	if (s == UNSET) {
		int expect = UNSET;
		if (atomic_compare_exchange_strong_explicit(&state, &expect, DEFAULT, memory_order_acq_rel,
							    memory_order_acquire))
			return DEFAULT;
		s = expect;
	}
	while (s == SETTING) /* another thread is copying its allocator in */
		s = atomic_load_explicit(&state, memory_order_acquire);
	return s;
}

int bo_set_allocator(const bo_allocator *allocator)
{
	int expect = UNSET;
	if (!allocator)
		return bo__fail(BO_EINVALID, "allocator is NULL");
	if (allocator->version != BO_ALLOCATOR_VERSION)
		return bo__fail(BO_EINVALID, "allocator version %u is not %u", allocator->version,
				(unsigned)BO_ALLOCATOR_VERSION);
	if (!allocator->malloc || !allocator->realloc || !allocator->free)
		return bo__fail(BO_EINVALID, "allocator needs malloc, realloc and free");
	if (!atomic_compare_exchange_strong_explicit(&state, &expect, SETTING, memory_order_acq_rel,
						     memory_order_acquire))
		return bo__fail(BO_ESTATE, expect == DEFAULT
					   ? "the allocator must be set before the library allocates anything "
					     "(before the first inventory, store, policy or report)"
					   : "the allocator is already set; it can be set only once");
	custom = *allocator;
	atomic_store_explicit(&state, CUSTOM, memory_order_release);
	return BO_OK;
}

const bo_allocator *bo_get_allocator(void)
{
	return settled() == CUSTOM ? &custom : NULL;
}

void *bo_malloc(size_t size)
{
	if (size == 0)
		size = 1;
	if (settled() == CUSTOM)
		return custom.malloc(custom.user_data, size);
	return malloc(size);
}

void *bo_realloc(void *ptr, size_t size)
{
	if (size == 0)
		size = 1;
	if (settled() == CUSTOM)
		return ptr ? custom.realloc(custom.user_data, ptr, size) : custom.malloc(custom.user_data, size);
	return realloc(ptr, size);
}

void bo_free(void *ptr)
{
	if (!ptr)
		return;
	if (settled() == CUSTOM)
		custom.free(custom.user_data, ptr);
	else
		free(ptr);
}

void *bo__calloc(size_t n, size_t size)
{
	void *p;
	size_t bytes;
	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if ((p = bo_malloc(bytes)))
		memset(p, 0, bytes);
	return p;
}
