/* Allocation: queue keys per policy, filling waiting lines, taking
 * allocations back, re-keying after a policy change, the ready flag. */
#include "internal.h"

#include <stdlib.h>

bool bo__in_preorder(const bo_txn *t, const bo_item_rec *item)
{
	return item->release_at != BO_NO_TIME && t->now < item->release_at;
}

int bo__line_key(bo_txn *t, const bo_item_rec *item, const bo_order_rec *order, const bo_line_rec *line,
		 bo_queue_key *key)
{
	const bo_policy *p = bo__policy_find(t->inv, item->policy);
	uint64_t seq = key->seq;
	if (!p)
		return bo__fail(BO_ESTATE, "item '%s' uses policy '%s', which is not registered in this inventory",
				item->sku, item->policy);
	memset(key, 0, sizeof(*key));
	key->seq = seq;
	switch (p->kind) {
	case BO_POL_PRIORITY:
		/* -priority, except that INT64_MIN (whose negation does not fit)
		 * and INT64_MIN + 1 would both give INT64_MAX: the lowest
		 * priority gets a second word past every queue time, so it
		 * still queues behind INT64_MIN + 1, and fifo among itself. */
		if (order->priority == INT64_MIN) {
			key->k[0] = INT64_MAX;
			key->k[1] = INT64_MAX;
			key->k[2] = line->queue_time;
		} else {
			key->k[0] = -order->priority;
			key->k[1] = line->queue_time;
		}
		break;
	case BO_POL_DUE:
		/* No due time goes last: INT64_MAX. A due time of INT64_MAX
		 * itself (which would tie with it) queues as INT64_MAX - 1 with
		 * a second word past every queue time: behind INT64_MAX - 1,
		 * ahead of no due time. */
		if (order->due == BO_NO_TIME) {
			key->k[0] = INT64_MAX;
			key->k[1] = line->queue_time;
		} else if (order->due == INT64_MAX) {
			key->k[0] = INT64_MAX - 1;
			key->k[1] = INT64_MAX;
			key->k[2] = line->queue_time;
		} else {
			key->k[0] = order->due;
			key->k[1] = line->queue_time;
		}
		break;
	case BO_POL_CUSTOM: {
		bo_line_view v = { order->id, line->sku, order->priority, order->due, order->created,
				   line->queue_time, line->ordered, line->unit_price };
		if (p->m.sort_key(p->user_data, &v, key->k) != 0)
			return bo__fail(BO_ESTATE, "policy '%s' failed to compute a sort key", p->name);
		break;
	}
	default: /* fifo, fair */
		key->k[0] = line->queue_time;
		break;
	}
	return BO_OK;
}

int bo__queue_add(bo_txn *t, int queue, const bo_line_rec *line)
{
	bo_queue_entry e;
	int rc;
	memset(&e, 0, sizeof(e));
	memcpy(e.sku, line->sku, sizeof(e.sku));
	memcpy(e.order_id, line->order_id, sizeof(e.order_id));
	e.index = line->index;
	e.key = line->key;
	rc = t->inv->st.queue_insert(t->inv->sd, queue, &e);
	return rc < 0 ? bo__storage_fail(rc, "queue_insert") : BO_OK;
}

int bo__queue_del(bo_txn *t, int queue, const bo_line_rec *line)
{
	int rc = t->inv->st.queue_remove(t->inv->sd, queue, line->sku, &line->key);
	return rc < 0 ? bo__storage_fail(rc, "queue_remove") : BO_OK;
}

static int line_load(bo_txn *t, const bo_queue_entry *e, bo_line_rec *l)
{
	int rc = bo__line_get(t->inv, e->order_id, e->index, l);
	if (rc == BO_ENOTFOUND)
		return bo__fail(BO_ESTORAGE, "queue of '%s' names a missing line", e->sku);
	return rc < 0 ? bo__storage_fail(rc, "line_get") : BO_OK;
}

static int line_store(bo_txn *t, const bo_line_rec *l)
{
	int rc = t->inv->st.line_put(t->inv->sd, l);
	return rc < 0 ? bo__storage_fail(rc, "line_put") : BO_OK;
}

static int64_t mul_sat(int64_t a, int64_t b)
{
	bo_i128 r = (bo_i128)a * b;
	return r > INT64_MAX ? INT64_MAX : (int64_t)r;
}

/* Give `take` waiting units of line `l` stock. */
static int give(bo_txn *t, bo_item_slot *it, bo_line_rec *l, int64_t take)
{
	bool was_alloc = l->allocated > 0;
	int rc;
	/* the units' locations, and their `allocated` events */
	if ((rc = bo__loc_give(t, it, l, take, false)) < 0)
		return rc;
	l->allocated += take;
	l->backordered -= take;
	it->rec.allocated += take;
	it->rec.backordered -= take;
	if (l->unit_price != BO_NO_PRICE)
		it->rec.revenue_held -= mul_sat(take, l->unit_price);
	it->dirty = true;
	if (!was_alloc && (rc = bo__queue_add(t, BO_QUEUE_ALLOCATED, l)) < 0)
		return rc;
	if (l->backordered == 0) {
		if ((rc = bo__queue_del(t, BO_QUEUE_WAITING, l)) < 0)
			return rc;
		bo__eta_clear(l);
		bo__hist_filled(t, it, l);
	}
	if ((rc = line_store(t, l)) < 0)
		return rc;
	if (l->backordered == 0)
		return bo__order_ready(t, l->order_id, l);
	return BO_OK;
}

typedef struct waiter {
	bo_queue_entry e;
	int64_t w;      /* waiting units */
	int64_t share;
	int64_t rem;    /* remainder numerator for largest-remainder */
	size_t pos;     /* fifo position */
} waiter;

static int cmp_rem(const void *a, const void *b)
{
	const waiter *x = *(waiter *const *)a, *y = *(waiter *const *)b;
	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static int fill_fair(bo_txn *t, bo_item_slot *it, int64_t avail)
{
	bo_inventory *inv = t->inv;
	waiter *ws = NULL, **order = NULL;
	size_t n = 0, cap = 0;
	bo_queue_entry e;
	bo_line_rec l;
	int64_t total = 0, given = 0;
	int rc;
	const bo_queue_key *after = NULL;

	while ((rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, it->rec.sku, after, &e)) == BO_OK) {
		if ((rc = line_load(t, &e, &l)) < 0)
			goto out;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			waiter *nw = bo_realloc(ws, nc * sizeof(*nw));
			if (!nw) {
				rc = bo__fail(BO_ESTORAGE, "out of memory");
				goto out;
			}
			ws = nw;
			cap = nc;
		}
		ws[n].e = e;
		ws[n].w = l.backordered;
		ws[n].pos = n;
		total += l.backordered;
		n++;
		after = &ws[n - 1].e.key;
	}
	if (rc != BO_ENOTFOUND) {
		rc = bo__storage_fail(rc, "queue_next");
		goto out;
	}
	rc = BO_OK;
	if (n == 0)
		goto out;
	if (avail >= total) {
		for (size_t i = 0; i < n; i++)
			ws[i].share = ws[i].w;
	} else {
		int64_t left;
		for (size_t i = 0; i < n; i++) {
			bo_i128 num = (bo_i128)avail * ws[i].w;
			ws[i].share = (int64_t)(num / total);
			ws[i].rem = (int64_t)(num % total);
			given += ws[i].share;
		}
		left = avail - given;
		order = bo_malloc(n * sizeof(*order));
		if (!order) {
			rc = bo__fail(BO_ESTORAGE, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			order[i] = &ws[i];
		qsort(order, n, sizeof(*order), cmp_rem);
		for (size_t i = 0; i < n && left > 0; i++, left--)
			order[i]->share++;
	}
	for (size_t i = 0; i < n; i++) {
		if (ws[i].share == 0)
			continue;
		if ((rc = line_load(t, &ws[i].e, &l)) < 0)
			goto out;
		if ((rc = give(t, it, &l, ws[i].share)) < 0)
			goto out;
	}
out:
	bo_free(order);
	bo_free(ws);
	return rc;
}

/* The store fills a batch of lines from the head of the queue in one
 * call (bo_storage.queue_fill); the core does the rest of give() for each:
 * the item's counters, the events, the history. */
#define FILL_BATCH 16 /* 4.6 KB of stack */

static int fill_bulk(bo_txn *t, bo_item_slot *it, int64_t avail)
{
	bo_inventory *inv = t->inv;
	bo_fill_rec recs[FILL_BATCH];
	size_t n, i;
	int rc;

	while (avail > 0) {
		n = 0;
		rc = inv->st.queue_fill(inv->sd, it->rec.sku, avail, FILL_BATCH, recs, &n);
		if (rc < 0)
			return bo__storage_fail(rc, "queue_fill");
		if (n > FILL_BATCH)
			return bo__fail(BO_ESTORAGE, "queue_fill of '%s' reported more lines than asked", it->rec.sku);
		for (i = 0; i < n; i++) {
			const bo_line_rec *l = &recs[i].line;
			int64_t take = recs[i].take;
			if (take < 1 || take > avail || take > it->rec.backordered)
				return bo__fail(BO_ESTORAGE, "queue_fill of '%s' gave a line %lld units of %lld", it->rec.sku,
						(long long)take, (long long)avail);
			it->rec.allocated += take;
			it->rec.backordered -= take;
			if (l->unit_price != BO_NO_PRICE)
				it->rec.revenue_held -= mul_sat(take, l->unit_price);
			it->dirty = true;
			if (l->backordered == 0)
				bo__hist_filled(t, it, l);
			if ((rc = bo__emit(t, BO_EVENT_ALLOCATED, l->order_id, l->sku, take, BO_NO_TIME, NULL)) < 0)
				return rc;
			if (recs[i].ready && (rc = bo__emit(t, BO_EVENT_READY, l->order_id, NULL, 0, BO_NO_TIME, NULL)) < 0)
				return rc;
			avail -= take;
		}
		if (n < FILL_BATCH)
			break; /* the queue is empty, or the stock given out */
	}
	return BO_OK;
}

int bo__fill(bo_txn *t, bo_item_slot *it)
{
	bo_inventory *inv = t->inv;
	const bo_policy *p;
	int64_t avail = it->rec.on_hand - it->rec.allocated;
	bo_queue_entry e;
	bo_line_rec l;
	int rc;

	if (avail <= 0 || it->rec.backordered == 0)
		return BO_OK;
	p = bo__policy_find(inv, it->rec.policy);
	if (!p)
		return bo__fail(BO_ESTATE, "item '%s' uses policy '%s', which is not registered in this inventory",
				it->rec.sku, it->rec.policy);
	if (p->kind == BO_POL_FAIR)
		return fill_fair(t, it, avail);
	if (inv->st.queue_fill && it->rec.located == 0) /* (the store knows no locations) */
		return fill_bulk(t, it, avail);
	while (avail > 0) {
		rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, it->rec.sku, NULL, &e);
		if (rc == BO_ENOTFOUND)
			break;
		if (rc < 0)
			return bo__storage_fail(rc, "queue_next");
		if ((rc = line_load(t, &e, &l)) < 0)
			return rc;
		int64_t take = l.backordered < avail ? l.backordered : avail;
		if ((rc = give(t, it, &l, take)) < 0)
			return rc;
		avail -= take;
	}
	return BO_OK;
}

int bo__unallocate(bo_txn *t, bo_item_slot *it, bo_line_rec *l, int64_t take)
{
	bool was_waiting = l->backordered > 0;
	int rc;
	/* The units wait again, so their price counts in revenue held again:
	 * a sum beyond 2^63-1 fails the call (it would have been stored
	 * saturated, and gone negative as the lines were filled). */
	if (l->unit_price != BO_NO_PRICE) {
		bo_i128 add = (bo_i128)take * l->unit_price;
		if (add > INT64_MAX || !bo__add_ok(it->rec.revenue_held, (int64_t)add))
			return bo__fail(BO_EINVALID, "revenue held of '%s' would exceed 2^63-1", it->rec.sku);
	}
	l->allocated -= take;
	l->backordered += take;
	it->rec.allocated -= take;
	it->rec.backordered += take;
	if (l->unit_price != BO_NO_PRICE)
		it->rec.revenue_held += take * l->unit_price;
	it->dirty = true;
	if (l->allocated == 0 && (rc = bo__queue_del(t, BO_QUEUE_ALLOCATED, l)) < 0)
		return rc;
	if (!was_waiting && (rc = bo__queue_add(t, BO_QUEUE_WAITING, l)) < 0)
		return rc;
	/* A line that waits again is settled at the end of the call; one
	 * that waited already keeps its place, and its promise unless
	 * the walk finds its basis changed. */
	if (!was_waiting && (rc = bo__eta_pending(t, it, l)) < 0)
		return rc;
	if ((rc = line_store(t, l)) < 0)
		return rc;
	if ((rc = bo__emit(t, BO_EVENT_BACKORDERED, l->order_id, l->sku, take, was_waiting ? l->eta : BO_NO_TIME,
			   NULL)) < 0)
		return rc;
	return bo__order_ready(t, l->order_id, l);
}

int bo__take_back(bo_txn *t, bo_item_slot *it)
{
	bo_inventory *inv = t->inv;
	bo_queue_entry e;
	bo_line_rec l;
	int rc;

	while (it->rec.allocated > it->rec.on_hand) {
		int64_t need = it->rec.allocated - it->rec.on_hand;
		rc = inv->st.queue_prev(inv->sd, BO_QUEUE_ALLOCATED, it->rec.sku, NULL, &e);
		if (rc == BO_ENOTFOUND)
			return bo__fail(BO_ESTORAGE, "item '%s' has allocated units but no allocated lines", it->rec.sku);
		if (rc < 0)
			return bo__storage_fail(rc, "queue_prev");
		if ((rc = line_load(t, &e, &l)) < 0)
			return rc;
		if ((rc = bo__unallocate(t, it, &l, l.allocated < need ? l.allocated : need)) < 0)
			return rc;
	}
	bo__eta_touch(it);
	return BO_OK;
}

static int rekey_queue(bo_txn *t, bo_item_slot *it, int queue)
{
	bo_inventory *inv = t->inv;
	bo_queue_entry *es = NULL, e;
	size_t n = 0, cap = 0;
	const bo_queue_key *after = NULL;
	int rc;

	while ((rc = inv->st.queue_next(inv->sd, queue, it->rec.sku, after, &e)) == BO_OK) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			bo_queue_entry *ne = bo_realloc(es, nc * sizeof(*ne));
			if (!ne) {
				bo_free(es);
				return bo__fail(BO_ESTORAGE, "out of memory");
			}
			es = ne;
			cap = nc;
		}
		es[n++] = e;
		after = &es[n - 1].key;
	}
	if (rc != BO_ENOTFOUND) {
		bo_free(es);
		return bo__storage_fail(rc, "queue_next");
	}
	rc = BO_OK;
	for (size_t i = 0; i < n && rc == BO_OK; i++) {
		bo_line_rec l;
		bo_order_rec o;
		if ((rc = line_load(t, &es[i], &l)) < 0)
			break;
		rc = inv->st.order_get(inv->sd, l.order_id, &o, 1);
		if (rc < 0) {
			rc = bo__storage_fail(rc, "order_get");
			break;
		}
		rc = inv->st.queue_remove(inv->sd, queue, l.sku, &es[i].key);
		if (rc < 0) {
			rc = bo__storage_fail(rc, "queue_remove");
			break;
		}
		/* Both queues share the line's key: compute it once, from the
		 * waiting pass if the line waits, else here. */
		if (queue == BO_QUEUE_WAITING || l.backordered == 0) {
			if ((rc = bo__line_key(t, &it->rec, &o, &l, &l.key)) < 0)
				break;
			if ((rc = line_store(t, &l)) < 0)
				break;
		}
		rc = bo__queue_add(t, queue, &l);
	}
	bo_free(es);
	return rc;
}

int bo__rekey(bo_txn *t, bo_item_slot *it)
{
	int rc = rekey_queue(t, it, BO_QUEUE_WAITING);
	if (rc == BO_OK)
		rc = rekey_queue(t, it, BO_QUEUE_ALLOCATED);
	bo__eta_all(it);
	return rc;
}

int bo__order_ready(bo_txn *t, const char *order_id, const bo_line_rec *known)
{
	bo_inventory *inv = t->inv;
	bo_order_rec o;
	bo_line_rec l;
	bool ready = true, any = false;
	int rc = inv->st.order_get(inv->sd, order_id, &o, 1);
	if (rc < 0)
		return rc == BO_ENOTFOUND ? bo__fail(BO_ESTORAGE, "order '%s' is missing", order_id)
					  : bo__storage_fail(rc, "order_get");
	for (uint32_t i = 0; i < o.nlines && ready; i++) {
		if (known && known->index == i) {
			l = *known; /* the caller holds the current version */
		} else if ((rc = bo__line_get(inv, order_id, i, &l)) < 0) {
			return bo__storage_fail(rc, "line_get");
		}
		if (l.backordered > 0)
			ready = false;
		if (l.allocated > 0)
			any = true;
	}
	ready = ready && any;
	if (ready == (o.ready != 0))
		return BO_OK;
	if (ready && (rc = bo__emit(t, BO_EVENT_READY, order_id, NULL, 0, BO_NO_TIME, NULL)) < 0)
		return rc;
	o.ready = ready;
	rc = inv->st.order_put(inv->sd, &o);
	return rc < 0 ? bo__storage_fail(rc, "order_put") : BO_OK;
}
