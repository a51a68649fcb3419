/* History: a small record per item per UTC day (bo_hist_rec in
 * backorder/storage.h) of units ordered and backordered at placement,
 * waiting units cancelled, and the waiting lines filled with their waits.
 * Each call gathers its figures in the item's slot; the end of the call
 * adds them to the day's record, in the call's transaction. */
#include "internal.h"

#include <stddef.h>

/* Bucket k >= 1 starts at 3600 x 1.5^(k-1) seconds, rounded. */
static const int64_t bucket_floor[BO_HIST_WAIT_BUCKETS] = {
	0, 3600, 5400, 8100, 12150, 18225, 27338, 41006, 61509, 92264, 138396, 207594,
	311391, 467087, 700630, 1050945, 1576418, 2364627, 3546941, 5320411, 7980616,
	11970924, 17956386, 26934580,
};

int bo_hist_bucket(int64_t wait)
{
	int lo = 0, hi = BO_HIST_WAIT_BUCKETS - 1;
	while (lo < hi) { /* the last bucket whose floor is <= wait */
		int mid = (lo + hi + 1) / 2;
		if (bucket_floor[mid] <= wait)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int64_t bo_hist_bucket_floor(int bucket)
{
	if (bucket < 0 || bucket >= BO_HIST_WAIT_BUCKETS)
		return -1;
	return bucket_floor[bucket];
}

size_t bo_hist_rec_size(void) { return sizeof(bo_hist_rec); }

int64_t bo__day_of(int64_t time)
{
	return time / 86400 - (time % 86400 < 0);
}

static int64_t sat_add(int64_t a, int64_t b)
{
	return bo__add_ok(a, b) ? a + b : INT64_MAX;
}

void bo__hist_placed(bo_item_slot *it, int64_t qty, int64_t wait)
{
	it->hist.ordered = sat_add(it->hist.ordered, qty);
	it->hist.backordered = sat_add(it->hist.backordered, wait);
	it->hist.on = true;
}

void bo__hist_cancelled(bo_item_slot *it, int64_t qty)
{
	if (qty <= 0)
		return;
	it->hist.cancelled = sat_add(it->hist.cancelled, qty);
	it->hist.on = true;
}

void bo__hist_filled(bo_txn *t, bo_item_slot *it, const bo_line_rec *l)
{
	int64_t wait = t->now > l->queue_time ? t->now - l->queue_time : 0;
	int b = bo_hist_bucket(wait);
	it->hist.filled = sat_add(it->hist.filled, 1);
	it->hist.wait_sum = sat_add(it->hist.wait_sum, wait);
	if (wait > it->hist.wait_max)
		it->hist.wait_max = wait;
	if (it->hist.hist[b] < UINT32_MAX)
		it->hist.hist[b]++;
	it->hist.on = true;
}

void bo_hist_rec_add(bo_hist_rec *into, const bo_hist_rec *d)
{
	into->ordered = sat_add(into->ordered, d->ordered);
	into->backordered = sat_add(into->backordered, d->backordered);
	into->cancelled = sat_add(into->cancelled, d->cancelled);
	into->filled_lines = sat_add(into->filled_lines, d->filled_lines);
	into->wait_sum = sat_add(into->wait_sum, d->wait_sum);
	if (d->wait_max > into->wait_max)
		into->wait_max = d->wait_max;
	for (int b = 0; b < BO_HIST_WAIT_BUCKETS; b++)
		into->wait_hist[b] = d->wait_hist[b] > UINT32_MAX - into->wait_hist[b] ? UINT32_MAX
										    : into->wait_hist[b] + d->wait_hist[b];
}

static int flush_one(bo_txn *t, bo_item_slot *it, int64_t day)
{
	bo_inventory *inv = t->inv;
	bo_hist_rec r;
	int rc;
	/* Every byte written, field by field (a memset of the whole record
	 * compiles to a `rep stos`, slow to start for 216 bytes). */
	memcpy(r.sku, it->rec.sku, sizeof(r.sku));
	memset(r.sku + sizeof(r.sku), 0, offsetof(bo_hist_rec, day) - sizeof(r.sku));
	_Static_assert(offsetof(bo_hist_rec, wait_hist) + sizeof(r.wait_hist) == sizeof(bo_hist_rec),
		       "no padding after the wait buckets");
	r.day = day;
	r.ordered = it->hist.ordered;
	r.backordered = it->hist.backordered;
	r.cancelled = it->hist.cancelled;
	r.filled_lines = it->hist.filled;
	r.wait_sum = it->hist.wait_sum;
	r.wait_max = it->hist.wait_max;
	memcpy(r.wait_hist, it->hist.hist, sizeof(r.wait_hist));
	rc = inv->st.hist_add(inv->sd, &r);
	return rc < 0 ? bo__storage_fail(rc, "hist_add") : BO_OK;
}

int bo__hist_flush(bo_txn *t)
{
	int64_t day = bo__day_of(t->now);
	int rc;
	for (size_t i = 0; i < t->ntouch; i++) {
		bo_item_slot *it = &t->items[t->touch[i]];
		if (!it->hist.on)
			continue;
		if (t->inv->st.hist_add && (rc = flush_one(t, it, day)) < 0)
			return rc;
		/* cleared for the next call (the buckets only count filled lines:
		 * cleared only when some were) */
		if (it->hist.filled)
			memset(it->hist.hist, 0, sizeof(it->hist.hist));
		it->hist.on = false;
		it->hist.ordered = it->hist.backordered = it->hist.cancelled = 0;
		it->hist.filled = it->hist.wait_sum = it->hist.wait_max = 0;
	}
	return BO_OK;
}
