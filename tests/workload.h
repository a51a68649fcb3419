/*
 * The conformance workload: a fixed list of calls that uses every mutating
 * function of the public API (policies, items, stock, supply, subscriptions,
 * orders placed, cancelled, modified and shipped, time passing, batches
 * committed and rolled back), with the status each call must return.
 * Shared by the storage conformance suite (test_conformance.c) and the
 * out-of-memory loop (test_oom.c).
 */
#ifndef BO_TEST_WORKLOAD_H
#define BO_TEST_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "backorder.h"

enum {
	W_DEFAULT_POLICY, W_CUSTOM_POLICY, W_ITEM, W_RECEIVE, W_ADJUST, W_SUPPLY_SET,
	W_SUPPLY_REMOVE, W_SUBSCRIBE, W_PLACE, W_CANCEL, W_MODIFY, W_SHIP, W_ADVANCE,
	W_BATCH_COMMIT, W_BATCH_ROLLBACK,
};

typedef struct wop {
	int kind;
	int64_t dt;             /* clock step before the call */
	const char *a, *b;      /* ids: sku / order, supply / sku / customer */
	int64_t q, r;           /* quantities, table indexes, times */
	int expect;
} wop;

/** Upper bound of the workload's length (for arrays sized at compile time). */
#define WL_MAX 64

/** The workload, and its length. */
extern const wop workload[];
extern const size_t NWORK_;
#define NWORK NWORK_

/** Non-zero: the adapter has no batches, W_BATCH_* steps do nothing. */
extern int wl_batch_unsupported;

/** Run one step on `inv` (the caller advances its clock by w->dt first). */
int run_op(bo_inventory *inv, const wop *w);

#endif
