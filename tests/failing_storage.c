/* Storage wrapper that fails the N-th call; see failing_storage.h. */
#include "failing_storage.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Count an injectable call; non-zero when this is the one to fail. */
static int hit(failing_storage *fs)
{
	fs->calls++;
	if (fs->fail_at != 0 && fs->calls == fs->fail_at) {
		fs->failed = 1;
		bo_storage_error("injected storage failure at call %lu", fs->calls);
		return 1;
	}
	return 0;
}

static int w_begin(void *u)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->begin(fs->inner_data);
}

static int w_commit(void *u)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->commit(fs->inner_data);
}

static int w_rollback(void *u)
{
	failing_storage *fs = u;

	return fs->inner->rollback(fs->inner_data);
}

static int w_item_get(void *u, const char *sku, bo_item_rec *out, int for_update)
{
	failing_storage *fs = u;

	if (fs->ngets < FS_GETS_MAX)
		snprintf(fs->gets[fs->ngets++], sizeof(fs->gets[0]), "%s", sku);
	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->item_get(fs->inner_data, sku, out, for_update);
}

static int w_item_put(void *u, const bo_item_rec *rec)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->item_put(fs->inner_data, rec);
}

static int w_item_next(void *u, const char *after, bo_item_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->item_next(fs->inner_data, after, out);
}

static int w_order_get(void *u, const char *id, bo_order_rec *out, int for_update)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->order_get(fs->inner_data, id, out, for_update);
}

static int w_order_put(void *u, const bo_order_rec *rec)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->order_put(fs->inner_data, rec);
}

static int w_order_next(void *u, const char *after, bo_order_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->order_next(fs->inner_data, after, out);
}

static int w_line_get(void *u, const char *order_id, uint32_t index, bo_line_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->line_get(fs->inner_data, order_id, index, out);
}

static int w_line_put(void *u, const bo_line_rec *rec)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->line_put(fs->inner_data, rec);
}

static int w_queue_insert(void *u, int queue, const bo_queue_entry *entry)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->queue_insert(fs->inner_data, queue, entry);
}

static int w_queue_remove(void *u, int queue, const char *sku, const bo_queue_key *key)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->queue_remove(fs->inner_data, queue, sku, key);
}

static int w_queue_next(void *u, int queue, const char *sku, const bo_queue_key *after, bo_queue_entry *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->queue_next(fs->inner_data, queue, sku, after, out);
}

static int w_queue_prev(void *u, int queue, const char *sku, const bo_queue_key *before, bo_queue_entry *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->queue_prev(fs->inner_data, queue, sku, before, out);
}

static int w_supply_get(void *u, const char *sku, const char *id, bo_supply_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->supply_get(fs->inner_data, sku, id, out);
}

static int w_supply_put(void *u, const bo_supply_rec *rec)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->supply_put(fs->inner_data, rec);
}

static int w_supply_del(void *u, const char *sku, const char *id)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->supply_del(fs->inner_data, sku, id);
}

static int w_supply_next(void *u, const char *sku, const bo_supply_rec *after, bo_supply_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->supply_next(fs->inner_data, sku, after, out);
}

static int w_sub_add(void *u, const bo_sub_rec *rec)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->sub_add(fs->inner_data, rec);
}

static int w_sub_next(void *u, const char *sku, uint64_t after, bo_sub_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->sub_next(fs->inner_data, sku, after, out);
}

static int w_sub_del(void *u, const char *sku, uint64_t seq)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->sub_del(fs->inner_data, sku, seq);
}

static int w_outbox_append(void *u, const bo_event_rec *ev)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->outbox_append(fs->inner_data, ev);
}

static int w_outbox_next(void *u, uint64_t after, bo_event_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->outbox_next(fs->inner_data, after, out);
}

static int w_outbox_ack(void *u, uint64_t upto)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->outbox_ack(fs->inner_data, upto);
}

static int w_meta_get(void *u, const char *key, int64_t *value)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->meta_get(fs->inner_data, key, value);
}

static int w_meta_put(void *u, const char *key, int64_t value)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->meta_put(fs->inner_data, key, value);
}

static int w_savepoint(void *u)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->savepoint(fs->inner_data);
}

static int w_release(void *u)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->release(fs->inner_data);
}

static int w_rollback_to(void *u)
{
	failing_storage *fs = u;

	return fs->inner->rollback_to(fs->inner_data);
}

static int w_seq_take(void *u, int kind, size_t n, uint64_t *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->seq_take(fs->inner_data, kind, n, out);
}

/* A hint: it cannot fail and changes nothing, so no injected failure. */
static void w_prefetch(void *u, int kind, const char *id)
{
	failing_storage *fs = u;

	fs->prefetches++;
	fs->inner->prefetch(fs->inner_data, kind, id);
}

static int w_outbox_add(void *u, const bo_event_rec *ev)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->outbox_add(fs->inner_data, ev);
}

static int w_hist_add(void *u, const bo_hist_rec *delta)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->hist_add(fs->inner_data, delta);
}

static int w_hist_next(void *u, const char *sku, int64_t after, bo_hist_rec *out)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->hist_next(fs->inner_data, sku, after, out);
}

static int w_queue_fill(void *u, const char *sku, int64_t avail, size_t max, bo_fill_rec *out, size_t *n)
{
	failing_storage *fs = u;

	if (hit(fs))
		return BO_ESTORAGE;
	return fs->inner->queue_fill(fs->inner_data, sku, avail, max, out, n);
}

#define W_LOC(name, params, args)                                  \
	static int w_##name params                                 \
	{                                                          \
		failing_storage *fs = u;                           \
		if (hit(fs))                                       \
			return BO_ESTORAGE;                        \
		return fs->inner->name args;                       \
	}
W_LOC(loc_put, (void *u, const bo_location_rec *r), (fs->inner_data, r))
W_LOC(loc_next, (void *u, const char *after, bo_location_rec *out), (fs->inner_data, after, out))
W_LOC(stock_put, (void *u, const bo_stock_rec *r), (fs->inner_data, r))
W_LOC(stock_list, (void *u, const char *sku, bo_stock_rec *out, size_t max, size_t *n),
      (fs->inner_data, sku, out, max, n))
W_LOC(lalloc_put, (void *u, const bo_lalloc_rec *r), (fs->inner_data, r))
W_LOC(lalloc_list, (void *u, const char *order_id, uint32_t index, bo_lalloc_rec *out, size_t max, size_t *n),
      (fs->inner_data, order_id, index, out, max, n))
#undef W_LOC

static void w_close(void *u)
{
	failing_storage *fs = u;

	if (fs->inner->close != NULL)
		fs->inner->close(fs->inner_data);
	free(fs);
}

int failing_storage_new(failing_storage **out, const bo_storage *inner, void *inner_data)
{
	failing_storage *fs;

	*out = NULL;
	fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return BO_ESTORAGE;
	fs->inner = inner;
	fs->inner_data = inner_data;
	fs->vt.version = BO_STORAGE_VERSION;
	fs->vt.size = sizeof(bo_storage);
	fs->vt.begin = w_begin;
	fs->vt.commit = w_commit;
	fs->vt.rollback = w_rollback;
	fs->vt.item_get = w_item_get;
	fs->vt.item_put = w_item_put;
	fs->vt.item_next = w_item_next;
	fs->vt.order_get = w_order_get;
	fs->vt.order_put = w_order_put;
	fs->vt.order_next = w_order_next;
	fs->vt.line_get = w_line_get;
	fs->vt.line_put = w_line_put;
	fs->vt.queue_insert = w_queue_insert;
	fs->vt.queue_remove = w_queue_remove;
	fs->vt.queue_next = w_queue_next;
	fs->vt.queue_prev = w_queue_prev;
	fs->vt.supply_get = w_supply_get;
	fs->vt.supply_put = w_supply_put;
	fs->vt.supply_del = w_supply_del;
	fs->vt.supply_next = w_supply_next;
	fs->vt.sub_add = w_sub_add;
	fs->vt.sub_next = w_sub_next;
	fs->vt.sub_del = w_sub_del;
	fs->vt.outbox_append = w_outbox_append;
	fs->vt.outbox_next = w_outbox_next;
	fs->vt.outbox_ack = w_outbox_ack;
	/* Optional: only where the adapter has it (and its table is that long),
	 * so the core takes the same path with and without the wrapper. */
	if (inner->version >= 2 && inner->size >= offsetof(bo_storage, seq_take) + sizeof(inner->seq_take) &&
	    inner->seq_take != NULL)
		fs->vt.seq_take = w_seq_take;
	if (inner->version >= 2 && inner->size >= offsetof(bo_storage, hist_next) + sizeof(inner->hist_next) &&
	    inner->hist_add != NULL) {
		fs->vt.hist_add = w_hist_add;
		fs->vt.hist_next = w_hist_next;
	}
	if (inner->version >= 2 && inner->size >= offsetof(bo_storage, queue_fill) + sizeof(inner->queue_fill) &&
	    inner->queue_fill != NULL)
		fs->vt.queue_fill = w_queue_fill;
	if (inner->version >= 3 && inner->size >= offsetof(bo_storage, lalloc_list) + sizeof(inner->lalloc_list) &&
	    inner->loc_put != NULL) {
		fs->vt.loc_put = w_loc_put;
		fs->vt.loc_next = w_loc_next;
		fs->vt.stock_put = w_stock_put;
		fs->vt.stock_list = w_stock_list;
		fs->vt.lalloc_put = w_lalloc_put;
		fs->vt.lalloc_list = w_lalloc_list;
	}
	if (inner->version >= 3 && inner->size >= offsetof(bo_storage, outbox_add) + sizeof(inner->outbox_add) &&
	    inner->outbox_add != NULL)
		fs->vt.outbox_add = w_outbox_add;
	if (inner->version >= 4 && inner->size >= offsetof(bo_storage, prefetch) + sizeof(inner->prefetch) &&
	    inner->prefetch != NULL)
		fs->vt.prefetch = w_prefetch;
	fs->vt.meta_get = w_meta_get;
	fs->vt.meta_put = w_meta_put;
	fs->vt.savepoint = inner->savepoint != NULL ? w_savepoint : NULL;
	fs->vt.release = inner->release != NULL ? w_release : NULL;
	fs->vt.rollback_to = inner->rollback_to != NULL ? w_rollback_to : NULL;
	fs->vt.close = w_close;
	*out = fs;
	return BO_OK;
}

void failing_storage_arm(failing_storage *fs, unsigned long n)
{
	fs->calls = 0;
	fs->fail_at = n;
	fs->failed = 0;
}
