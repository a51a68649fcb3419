/*
 * A storage wrapper for fault injection: forwards every callback to a real
 * adapter, counting the calls, and fails the N-th one with BO_ESTORAGE
 * (without forwarding it). Cleanup callbacks (rollback, rollback_to, close)
 * are forwarded and never failed: they are how the core undoes a failure.
 */
#ifndef BO_TEST_FAILING_STORAGE_H
#define BO_TEST_FAILING_STORAGE_H

#include "backorder/storage.h"

#define FS_GETS_MAX 32

typedef struct failing_storage {
	bo_storage vt;                  /* the wrapper's table; pass &fs->vt and fs */
	const bo_storage *inner;
	void *inner_data;
	unsigned long calls;            /* injectable calls since the last reset */
	unsigned long fail_at;          /* fail this call (1-based); 0 = never */
	int failed;                     /* 1 once the injected failure fired */
	unsigned long prefetches;       /* look-up hints passed on (never failed) */
	/* The SKUs item_get was called with, the first FS_GETS_MAX since the
	 * test last set ngets to 0 (the order calls lock items in). */
	char gets[FS_GETS_MAX][BO_ID_MAX + 1];
	size_t ngets;
	int closed;
} failing_storage;

/**
 * Wrap (inner, inner_data). On success *out owns inner_data: it is closed
 * through the wrapper's close. Returns BO_OK or BO_ESTORAGE (out of memory;
 * then the caller still owns inner_data).
 */
int failing_storage_new(failing_storage **out, const bo_storage *inner, void *inner_data);

/** Arm: count from zero and fail the n-th injectable call (0 disarms). Resets `failed`. */
void failing_storage_arm(failing_storage *fs, unsigned long n);

#endif
