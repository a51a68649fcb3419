/* hist: the memory store's history records (hist.c), one per item per
 * UTC day (bo_hist_rec of backorder/storage.h).
 *
 * The records of one SKU are a series: an array sorted by day, found by
 * SKU through a kset. Days mostly arrive in order (the clock never goes
 * back), so a new record is nearly always appended; a look-up by day is a
 * binary search. A record keeps everything of bo_hist_rec but the SKU (the
 * series'): 152 bytes.
 *
 * Transactions: the history keeps an undo journal of its own (the old
 * record, or its absence, for each put inside a transaction), with marks
 * for savepoints, so the adapter only forwards begin, commit, rollback and
 * the savepoint calls here; its own undo log never sees a history record. */
#ifndef BO_MEM_HIST_H
#define BO_MEM_HIST_H

#include "backorder/storage.h"
#include "kset.h"

#include <stdbool.h>

typedef struct bo__hundo bo__hundo;

typedef struct bo__hist {
	bo__kset series;
	struct hseries *last;        /* the series bo__hist_add() wrote last (series are never freed before the end) */
	bo__hundo *j;         /* the undo journal of the open transaction */
	size_t nj, jcap;
	size_t *marks;        /* journal lengths at each open savepoint */
	size_t nmarks, markcap;
	bool in_txn;
} bo__hist;

/* An empty history. */
void bo__hist_init(bo__hist *h);
/* The record of (sku, day) into *out: false when there is none. */
bool bo__hist_get(const bo__hist *h, const char *sku, int64_t day, bo_hist_rec *out);
/* Insert or replace the record (rec->sku, rec->day), journalled inside a
 * transaction. False when out of memory, nothing changed. */
bool bo__hist_put(bo__hist *h, const bo_hist_rec *rec);
/* Add `delta` to the record (delta->sku, delta->day), made from zero if
 * there is none (bo_hist_rec_add()); journalled like bo__hist_put(). */
bool bo__hist_add(bo__hist *h, const bo_hist_rec *delta);
/* bo__hist_add(), with a hint the caller keeps for delta->sku (NULL at
 * first): the series found or made is kept there, and used the next time
 * instead of a look-up. A series stays where it is until
 * bo__hist_free(), so a hint stays good until then. */
struct hseries;
bool bo__hist_add_hint(bo__hist *h, const bo_hist_rec *delta, struct hseries **hint);
/* Hints to the processor that a series is about to be written: its
 * header, then (the header read by then) its latest day. A series of a
 * large book is cold, and the history is written at the end of a call:
 * asked for earlier, it is there when it is needed. */
void bo__hist_prefetch(const struct hseries *s);
void bo__hist_prefetch_day(const struct hseries *s);
/* The address of a series' latest day record (NULL: none), valid until
 * the series next changes: a caller may keep it as a hint for
 * bo__hist_prefetch_at(), which never reads it (a stale address is
 * harmless there). */
const void *bo__hist_latest(const struct hseries *s);
void bo__hist_prefetch_at(const void *rec);
/* Remove the record of (sku, day), if there is one (not journalled;
 * cannot fail). */
void bo__hist_del(bo__hist *h, const char *sku, int64_t day);

/* Transactions and savepoints (nothing of the history fails but
 * bo__hist_savepoint(), when out of memory). */
void bo__hist_begin(bo__hist *h);
void bo__hist_commit(bo__hist *h);
void bo__hist_rollback(bo__hist *h);
bool bo__hist_savepoint(bo__hist *h);
/* Forget the innermost savepoint, keeping its changes. */
void bo__hist_release(bo__hist *h);
/* Undo the changes since the innermost savepoint and forget it. */
void bo__hist_rollback_to(bo__hist *h);
/* The first record of `sku` with a day after `after`: false at the end. */
bool bo__hist_next(const bo__hist *h, const char *sku, int64_t after, bo_hist_rec *out);
/* Records held (for tests and statistics). */
size_t bo__hist_count(const bo__hist *h);
/* Free everything. The history is then empty again. */
void bo__hist_free(bo__hist *h);

#endif
