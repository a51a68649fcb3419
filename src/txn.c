/* Per-call helpers: the item cache, sequence counters, storage wrappers. */
#include "internal.h"

#include <stddef.h>
#include <stdlib.h>

static const char *const meta_names[BO_MK_COUNT] = { "now", "next_release", "line_seq", "sub_seq", "event_seq", "promises", "loc_gen" };

/* Is metadata cached? Inside a batch (which holds the write lock), and
 * always for a store the inventory owns. */
static bool mc_on(const bo_inventory *inv) { return inv->batch || inv->exclusive; }

void bo__meta_uncache(bo_inventory *inv)
{
	for (int k = 0; k < BO_MK_COUNT; k++)
		inv->mc[k].cached = inv->mc[k].dirty = false;
}

int bo__meta_get_inv(bo_inventory *inv, bo_meta_key key, int64_t *v, int64_t dflt)
{
	bo_meta_entry *e = &inv->mc[key];
	int rc;
	if (e->cached && mc_on(inv)) {
		*v = e->present ? e->v : dflt;
		return BO_OK;
	}
	rc = inv->st.meta_get(inv->sd, meta_names[key], v);
	if (rc < 0 && rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "meta_get");
	if (mc_on(inv)) {
		e->v = rc == BO_OK ? *v : 0;
		e->present = rc == BO_OK;
		e->cached = true;
		e->dirty = false;
	}
	if (rc == BO_ENOTFOUND)
		*v = dflt;
	return BO_OK;
}

int bo__meta_get(bo_txn *t, bo_meta_key key, int64_t *v, int64_t dflt)
{
	return bo__meta_get_inv(t->inv, key, v, dflt);
}

int bo__meta_put(bo_txn *t, bo_meta_key key, int64_t v)
{
	bo_inventory *inv = t->inv;
	bo_meta_entry *e = &inv->mc[key];
	int rc;
	if (inv->batch) { /* written when the batch commits */
		e->v = v;
		e->present = e->cached = e->dirty = true;
		return BO_OK;
	}
	rc = inv->st.meta_put(inv->sd, meta_names[key], v);
	if (rc < 0)
		return bo__storage_fail(rc, "meta_put");
	if (inv->exclusive) { /* written through: the store stays current */
		e->v = v;
		e->present = e->cached = true;
	}
	return BO_OK;
}

int bo__meta_flush(bo_inventory *inv)
{
	for (int k = 0; k < BO_MK_COUNT; k++) {
		if (!inv->mc[k].dirty)
			continue;
		int rc = inv->st.meta_put(inv->sd, meta_names[k], inv->mc[k].v);
		if (rc < 0)
			return bo__storage_fail(rc, "meta_put");
		inv->mc[k].dirty = false;
	}
	return BO_OK;
}

_Static_assert(offsetof(bo_item_slot, rec) == 0, "slot_push clears what follows the record");

static bo_item_slot *slot_push(bo_txn *t)
{
	bo_item_slot *s;
	if (t->nitems == t->itemcap) {
		size_t cap = t->itemcap ? t->itemcap * 2 : 8;
		uint32_t *tn = bo_realloc(t->touch, cap * sizeof(*tn));
		bo_item_slot *n;
		if (!tn)
			return NULL;
		t->touch = tn;
		if (!(n = bo_realloc(t->items, cap * sizeof(*n))))
			return NULL;
		t->items = n;
		t->itemcap = cap;
	}
	s = &t->items[t->nitems++];
	/* All but the record, which item_get fills (bo__item_new clears it). */
	memset((char *)s + sizeof(s->rec), 0, sizeof(*s) - sizeof(s->rec));
	return s;
}

uint64_t bo__sku_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Note that the running call uses slot `s` (once). */
static void touch(bo_txn *t, bo_item_slot *s)
{
	if (!s->touched) {
		s->touched = true;
		s->supply0 = bo__eta_supply(&s->rec);
		t->touch[t->ntouch++] = (uint32_t)(s - t->items);
	}
}

int bo__item(bo_txn *t, const char *sku, bo_item_slot **out)
{
	bo_item_slot *s = NULL;
	uint64_t h = 0;
	int rc;
	if (!t->inv->batch) { /* a call touches one item or two */
		for (size_t i = 0; i < t->nitems; i++) {
			if (strcmp(t->items[i].rec.sku, sku) == 0) {
				*out = &t->items[i];
				return BO_OK;
			}
		}
	} else { /* a batch keeps up to BO_BATCH_ITEM_CACHE */
		h = bo__sku_hash(sku);
		for (size_t i = 0; i < t->nitems; i++) {
			if (t->items[i].h == h && strcmp(t->items[i].rec.sku, sku) == 0) {
				*out = &t->items[i];
				touch(t, *out);
				return BO_OK;
			}
		}
	}
	if (!(s = slot_push(t)))
		return bo__fail(BO_ESTORAGE, "out of memory");
	rc = t->inv->st.item_get(t->inv->sd, sku, &s->rec, 1);
	if (rc < 0) {
		t->nitems--;
		if (rc == BO_ENOTFOUND)
			return bo__fail(BO_ENOTFOUND, "no item '%s'", sku);
		return bo__storage_fail(rc, "item_get");
	}
	s->h = h;
	touch(t, s);
	*out = s;
	return BO_OK;
}

int bo__item_new(bo_txn *t, const char *sku, bo_item_slot **out)
{
	bo_item_slot *s = slot_push(t);
	if (!s)
		return bo__fail(BO_ESTORAGE, "out of memory");
	memset(&s->rec, 0, sizeof(s->rec));
	bo__copy_id(s->rec.sku, sku);
	strcpy(s->rec.policy, t->inv->default_policy);
	s->rec.backorder = BO_BACKORDER_ALLOW;
	s->rec.max_backorder = BO_UNLIMITED;
	s->rec.lead_time = BO_NO_TIME;
	s->rec.release_at = BO_NO_TIME;
	s->rec.preorder_max = BO_UNLIMITED;
	s->rec.released = 1;
	s->rec.created = t->now;
	s->rec.eta_time = BO_NO_TIME;
	s->dirty = true;
	if (t->inv->batch)
		s->h = bo__sku_hash(s->rec.sku);
	touch(t, s);
	*out = s;
	return BO_OK;
}

static int next_seq(bo_txn *t, bo_meta_key key, int64_t *cur, bool *loaded, bool *dirty, uint64_t *out)
{
	int rc;
	if (!*loaded) {
		if ((rc = bo__meta_get(t, key, cur, 0)) < 0)
			return rc;
		*loaded = true;
	}
	*out = (uint64_t)++*cur;
	if (dirty)
		*dirty = true;
	return BO_OK;
}

/* A number of sequence `kind` from the store, if it keeps sequences. */
static int take_seq(bo_txn *t, int kind, uint64_t *out)
{
	int rc = t->inv->st.seq_take(t->inv->sd, kind, 1, out);
	return rc < 0 ? bo__storage_fail(rc, "seq_take") : BO_OK;
}

int bo__next_line_seq(bo_txn *t, uint64_t *out)
{
	if (t->inv->st.seq_take)
		return take_seq(t, BO_SEQ_LINE, out);
	return next_seq(t, BO_MK_LINE_SEQ, &t->line_seq, &t->line_seq_loaded, &t->line_seq_dirty, out);
}

int bo__next_sub_seq(bo_txn *t, uint64_t *out)
{
	if (t->inv->st.seq_take)
		return take_seq(t, BO_SEQ_SUB, out);
	return next_seq(t, BO_MK_SUB_SEQ, &t->sub_seq, &t->sub_seq_loaded, &t->sub_seq_dirty, out);
}

int bo__line_get(bo_inventory *inv, const char *order_id, uint32_t index, bo_line_rec *out)
{
	if (inv->st.version < 2) {
		out->eta_basis = BO_BASIS_NONE;
		out->reserved2 = 0;
		out->eta_base = 0;
		out->eta_release = BO_NO_TIME;
	}
	return inv->st.line_get(inv->sd, order_id, index, out);
}

int bo__line_find(bo_txn *t, const char *order_id, uint32_t nlines, const char *sku, bo_line_rec *out)
{
	for (uint32_t i = 0; i < nlines; i++) {
		int rc = bo__line_get(t->inv, order_id, i, out);
		if (rc < 0)
			return rc == BO_ENOTFOUND ? bo__fail(BO_ESTORAGE, "line %u of order '%s' is missing", i, order_id)
						  : bo__storage_fail(rc, "line_get");
		if (strcmp(out->sku, sku) == 0)
			return BO_OK;
	}
	return bo__fail(BO_ENOTFOUND, "order '%s' has no line for '%s'", order_id, sku);
}
