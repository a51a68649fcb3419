/* Order operations: place, cancel, modify, ship. */
#include "internal.h"

#include <stdlib.h>

static int64_t mul_or_fail(int64_t a, int64_t b, bool *ok)
{
	bo_i128 r = (bo_i128)a * b;
	if (r > INT64_MAX) {
		*ok = false;
		return 0;
	}
	return (int64_t)r;
}

/* Would `wait` more waiting units and `qty` more ordered units fit the
 * item's rules? (deny, max_backorder; in preorder, preorder_max) */
static int admit(bo_txn *t, const bo_item_rec *it, int64_t qty, int64_t wait)
{
	if (bo__in_preorder(t, it)) {
		int64_t onorder;
		if (it->preorder_max == BO_UNLIMITED)
			return BO_OK;
		if (!bo__add_ok(it->allocated, it->backordered) || !bo__add_ok(it->allocated + it->backordered, qty) ||
		    it->allocated + it->backordered + qty > it->preorder_max) {
			onorder = it->allocated + it->backordered;
			return bo__fail(BO_EOUTOFSTOCK, "preorder cap of '%s' is %lld units; %lld are on order, %lld more asked",
					it->sku, (long long)it->preorder_max, (long long)onorder, (long long)qty);
		}
		return BO_OK;
	}
	if (wait > 0 && it->backorder == BO_BACKORDER_DENY)
		return bo__fail(BO_EOUTOFSTOCK, "'%s' does not allow backorders and has only %lld units free",
				it->sku, (long long)(it->on_hand - it->allocated));
	if (wait > 0 && it->max_backorder != BO_UNLIMITED &&
	    (!bo__add_ok(it->backordered, wait) || it->backordered + wait > it->max_backorder))
		return bo__fail(BO_EOUTOFSTOCK, "'%s' may have at most %lld units waiting; %lld wait, %lld more asked",
				it->sku, (long long)it->max_backorder, (long long)it->backordered, (long long)wait);
	return BO_OK;
}

/* Overflow checks of the counters a line's units are added to. */
static int counters_fit(const bo_item_rec *it, int64_t qty, int64_t wait, int64_t price)
{
	bool ok = true;
	int64_t held = price == BO_NO_PRICE ? 0 : mul_or_fail(wait, price, &ok);
	if (price != BO_NO_PRICE)
		(void)mul_or_fail(qty, price, &ok);
	if (!ok || !bo__add_ok(it->revenue_held, held) || !bo__add_ok(it->demand, qty) ||
	    !bo__add_ok(it->backordered, wait) || !bo__add_ok(it->allocated, qty))
		return bo__fail(BO_EINVALID, "quantities of '%s' would exceed 2^63-1", it->sku);
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Lock order. With several writers on one store (PostgreSQL) each call
 * locks the item records it will change in SKU order, so that two calls
 * over the same items never wait for each other in a cycle. */

static int cmp_sku_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Load (and so lock) the items of `skus[0..n)` in SKU order. Unknown SKUs
 * are left for the caller to report, in its own order. */
static int lock_items(bo_txn *t, const char **skus, size_t n)
{
	bo_item_slot *it;
	int rc = BO_OK;
	if (n == 0)
		return BO_OK;
	if (n > 8) {
		qsort(skus, n, sizeof(*skus), cmp_sku_ptr);
	} else { /* an order's few lines: insertion, without qsort's calls */
		for (size_t i = 1; i < n; i++) {
			const char *k = skus[i];
			size_t j = i;
			for (; j > 0 && strcmp(skus[j - 1], k) > 0; j--)
				skus[j] = skus[j - 1];
			skus[j] = k;
		}
	}
	for (size_t i = 0; i < n && rc != BO_ESTORAGE; i++) {
		rc = bo__item(t, skus[i], &it);
		if (rc == BO_ENOTFOUND)
			bo_clear_error();
	}
	return rc == BO_ESTORAGE ? rc : BO_OK;
}

/* The same for every item an existing order has a line of. */
static int lock_order_items(bo_txn *t, const char *order_id, uint32_t nlines)
{
	bo_line_rec lsbuf[4], *ls = lsbuf;
	const char *skubuf[4], **skus = skubuf;
	int rc = BO_OK;
	/* One line too: its line must not be read before its item is locked
	 * (another call may change the line holding only the item, e.g. a
	 * partial fill, and commit before this one locks it). */
	if (nlines == 0)
		return BO_OK;
	if (nlines > 4) { /* (most orders have a few lines: no allocation) */
		ls = bo_malloc(nlines * sizeof(*ls));
		skus = bo_malloc(nlines * sizeof(*skus));
	}
	if (!ls || !skus) {
		rc = bo__fail(BO_ESTORAGE, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < nlines && rc == BO_OK; i++) {
		if ((rc = bo__line_get(t->inv, order_id, i, &ls[i])) < 0)
			rc = bo__storage_fail(rc, "line_get");
		skus[i] = ls[i].sku;
	}
	if (rc == BO_OK)
		rc = lock_items(t, skus, nlines);
out:
	if (skus != skubuf)
		bo_free(skus);
	if (ls != lsbuf)
		bo_free(ls);
	return rc;
}

/* The item of the line an operation names, locked before the line is read. */
static int lock_sku(bo_txn *t, const char *sku)
{
	const char *one[1] = { sku };
	return lock_items(t, one, 1);
}

/* ---------------------------------------------------------------- */

typedef struct place_args {
	const char *id;
	bo_order_options o;
	const bo_line_spec *lines;
	size_t n;
} place_args;

static int same_request(bo_txn *t, const place_args *a, const bo_order_rec *o)
{
	bo_line_rec l;
	if (o->nlines != a->n || o->priority != a->o.priority || o->due != a->o.due || o->ship_mode != a->o.ship_mode)
		return 0;
	for (uint32_t i = 0; i < o->nlines; i++) {
		int rc = bo__line_get(t->inv, o->id, i, &l);
		if (rc < 0)
			return bo__storage_fail(rc, "line_get");
		if (strcmp(l.sku, a->lines[i].sku) != 0 || l.placed != a->lines[i].qty ||
		    l.unit_price != a->lines[i].unit_price)
			return 0;
	}
	return 1;
}

/* Lines whose item slot op_place remembers between its two passes. */
#define PLACE_SLOTS 16

static int op_place(bo_txn *t, void *p)
{
	place_args *a = p;
	bo_inventory *inv = t->inv;
	bo_order_rec o;
	bo_item_slot *it;
	size_t slot_ix[PLACE_SLOTS];
	bool all_alloc = true;
	int rc = inv->st.order_get(inv->sd, a->id, &o, 1);

	if (rc == BO_OK) {
		rc = same_request(t, a, &o);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return BO_OK;
		return bo__fail(BO_EEXISTS, "order '%s' exists with different content", a->id);
	}
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "order_get");
	if (a->n > 1) {
		const char *skus[16], **sp = a->n <= 16 ? skus : bo_malloc(a->n * sizeof(*sp));
		if (!sp)
			return bo__fail(BO_ESTORAGE, "out of memory");
		for (size_t i = 0; i < a->n; i++)
			sp[i] = a->lines[i].sku;
		rc = lock_items(t, sp, a->n);
		if (sp != skus)
			bo_free(sp);
		if (rc < 0)
			return rc;
	}

	/* Check every line before changing anything. Each line's item slot
	 * is remembered by its index (slots are only appended during a call,
	 * so the index holds while the array may move). */
	for (size_t i = 0; i < a->n; i++) {
		const bo_line_spec *ls = &a->lines[i];
		if ((rc = bo__item(t, ls->sku, &it)) < 0)
			return rc;
		if (i < PLACE_SLOTS)
			slot_ix[i] = (size_t)(it - t->items);
		int64_t avail = it->rec.on_hand - it->rec.allocated;
		int64_t take = avail > 0 ? (ls->qty < avail ? ls->qty : avail) : 0;
		if ((rc = admit(t, &it->rec, ls->qty, ls->qty - take)) < 0)
			return rc;
		if ((rc = counters_fit(&it->rec, ls->qty, ls->qty - take, ls->unit_price)) < 0)
			return rc;
		if (take < ls->qty)
			all_alloc = false;
	}

	memset(&o, 0, sizeof(o));
	bo__copy_id(o.id, a->id);
	o.created = t->now;
	o.priority = a->o.priority;
	o.due = a->o.due;
	o.ship_mode = a->o.ship_mode;
	o.nlines = (uint32_t)a->n;
	o.ready = all_alloc; /* each line is checked above, so this holds */
	if ((rc = inv->st.order_put(inv->sd, &o)) < 0)
		return bo__storage_fail(rc, "order_put");
	if ((rc = bo__emit(t, BO_EVENT_ACCEPTED, a->id, NULL, 0, BO_NO_TIME, NULL)) < 0)
		return rc;
	for (size_t i = 0; i < a->n; i++) {
		const bo_line_spec *ls = &a->lines[i];
		bo_line_rec l;
		if (i < PLACE_SLOTS)
			it = &t->items[slot_ix[i]];
		else if ((rc = bo__item(t, ls->sku, &it)) < 0)
			return rc;
		int64_t avail = it->rec.on_hand - it->rec.allocated;
		int64_t take = avail > 0 ? (ls->qty < avail ? ls->qty : avail) : 0;
		int64_t wait = ls->qty - take;

		memset(&l, 0, sizeof(l));
		memcpy(l.order_id, o.id, sizeof(l.order_id));
		bo__copy_id(l.sku, ls->sku);
		l.index = (uint32_t)i;
		l.placed = l.ordered = ls->qty;
		l.allocated = take;
		l.backordered = wait;
		l.unit_price = ls->unit_price;
		l.queue_time = t->now;
		bo__eta_clear(&l);
		if ((rc = bo__next_line_seq(t, &l.key.seq)) < 0)
			return rc;
		if ((rc = bo__line_key(t, &it->rec, &o, &l, &l.key)) < 0)
			return rc;
		if (take > 0) { /* the units' locations, and their `allocated` events */
			l.allocated = 0;
			if ((rc = bo__loc_give(t, it, &l, take, true)) < 0)
				return rc;
			l.allocated = take;
		}
		it->rec.allocated += take;
		it->rec.backordered += wait;
		it->rec.demand += ls->qty;
		it->rec.filled_at_once += take;
		if (ls->unit_price != BO_NO_PRICE)
			it->rec.revenue_held += wait * ls->unit_price;
		it->dirty = true;
		bo__hist_placed(it, ls->qty, wait);
		if (take > 0 && (rc = bo__queue_add(t, BO_QUEUE_ALLOCATED, &l)) < 0)
			return rc;
		if (wait > 0) {
			bool eta_done;
			if ((rc = bo__eta_promise_new(t, it, &l, &eta_done)) < 0)
				return rc;
			if ((rc = bo__queue_add(t, BO_QUEUE_WAITING, &l)) < 0)
				return rc;
			if ((rc = bo__emit(t, BO_EVENT_BACKORDERED, o.id, l.sku, wait, l.eta, NULL)) < 0)
				return rc;
			if (!eta_done && (rc = bo__eta_pending(t, it, &l)) < 0)
				return rc;
		}
		if ((rc = inv->st.line_put(inv->sd, &l)) < 0)
			return bo__storage_fail(rc, "line_put");
		if (take > 0 && (rc = bo__loc_give_end(t, &l)) < 0) /* its units elsewhere, now that it is stored */
			return rc;
	}
	return all_alloc ? bo__emit(t, BO_EVENT_READY, o.id, NULL, 0, BO_NO_TIME, NULL) : BO_OK;
}

int bo_order_place(bo_inventory *inv, const char *order_id, const bo_order_options *opts,
		   const bo_line_spec *lines, size_t nlines)
{
	place_args a;
	bo_order_options def = BO_ORDER_OPTIONS_INIT;
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(order_id, "order id")) < 0)
		return rc;
	if (opts) {
		if (opts->version < 1 || opts->version > BO_ORDER_OPTIONS_VERSION)
			return bo__fail(BO_EINVALID, "order options version %u is not supported", opts->version);
		if (opts->ship_mode != BO_SHIP_PARTIAL && opts->ship_mode != BO_SHIP_COMPLETE)
			return bo__fail(BO_EINVALID, "ship mode must be partial or complete");
		def = *opts;
	}
	if (!lines || nlines == 0)
		return bo__fail(BO_EINVALID, "an order needs at least one line");
	if (nlines > UINT32_MAX)
		return bo__fail(BO_EINVALID, "too many lines");
	for (size_t i = 0; i < nlines; i++) {
		if ((rc = bo__check_id(lines[i].sku, "SKU")) < 0)
			return rc;
		if (lines[i].qty < 1)
			return bo__fail(BO_EINVALID, "line %zu (%s): quantity must be at least 1", i + 1, lines[i].sku);
		if (lines[i].unit_price < 0 && lines[i].unit_price != BO_NO_PRICE)
			return bo__fail(BO_EINVALID, "line %zu (%s): unit price must be >= 0", i + 1, lines[i].sku);
		for (size_t j = 0; j < i; j++)
			if (strcmp(lines[i].sku, lines[j].sku) == 0)
				return bo__fail(BO_EINVALID, "SKU '%s' appears twice in order '%s'", lines[i].sku, order_id);
	}
	a.id = order_id;
	a.o = def;
	a.lines = lines;
	a.n = nlines;
	return bo__run_hinted(inv, op_place, &a, order_id, &lines[0].sku, nlines, sizeof(*lines));
}

/* ---------------------------------------------------------------- */

typedef struct line_args {
	const char *id;
	const char *sku;
	int64_t qty;
	const char *loc;        /* ship: only units there (NULL: every location) */
} line_args;

static int load_order(bo_txn *t, const char *id, bo_order_rec *o)
{
	int rc = t->inv->st.order_get(t->inv->sd, id, o, 1);
	if (rc == BO_ENOTFOUND)
		return bo__fail(BO_ENOTFOUND, "no order '%s'", id);
	return rc < 0 ? bo__storage_fail(rc, "order_get") : BO_OK;
}

static int put_line(bo_txn *t, const bo_line_rec *l)
{
	int rc = t->inv->st.line_put(t->inv->sd, l);
	return rc < 0 ? bo__storage_fail(rc, "line_put") : BO_OK;
}

/* Take `q` units off a line: waiting ones first, then allocated ones. */
static int take_units(bo_txn *t, bo_line_rec *l, int64_t q, bool cancel)
{
	bo_item_slot *it;
	int rc;
	if ((rc = bo__item(t, l->sku, &it)) < 0)
		return rc;
	int64_t from_wait = q < l->backordered ? q : l->backordered;
	int64_t from_alloc = q - from_wait;
	if (from_wait > 0) {
		l->backordered -= from_wait;
		it->rec.backordered -= from_wait;
		if (l->unit_price != BO_NO_PRICE)
			it->rec.revenue_held -= from_wait * l->unit_price;
		if (l->backordered == 0) {
			if ((rc = bo__queue_del(t, BO_QUEUE_WAITING, l)) < 0)
				return rc;
			bo__eta_clear(l);
		}
	}
	if (from_alloc > 0) {
		if ((rc = bo__loc_release(t, it, l, from_alloc)) < 0)
			return rc;
		l->allocated -= from_alloc;
		it->rec.allocated -= from_alloc;
		if (l->allocated == 0 && (rc = bo__queue_del(t, BO_QUEUE_ALLOCATED, l)) < 0)
			return rc;
		it->need_fill = true;
	}
	if (cancel) {
		l->cancelled += q;
		it->rec.cancelled += q;
		bo__hist_cancelled(it, from_wait);
	} else {
		l->ordered -= q;
	}
	it->dirty = true;
	bo__eta_touch(it);
	if ((rc = put_line(t, l)) < 0)
		return rc;
	if (cancel)
		return bo__emit(t, BO_EVENT_CANCELLED, l->order_id, l->sku, q, BO_NO_TIME, NULL);
	return BO_OK;
}

static int op_cancel(bo_txn *t, void *p)
{
	line_args *a = p;
	bo_order_rec o;
	bo_line_rec l;
	int rc;
	if ((rc = load_order(t, a->id, &o)) < 0)
		return rc;
	if (!a->sku && (rc = lock_order_items(t, a->id, o.nlines)) < 0)
		return rc;
	if (a->sku) {
		if ((rc = lock_sku(t, a->sku)) < 0)
			return rc;
		if ((rc = bo__line_find(t, a->id, o.nlines, a->sku, &l)) < 0)
			return rc;
		int64_t left = l.allocated + l.backordered;
		if (left == 0)
			return bo__fail(BO_ESTATE, "line '%s' of order '%s' has nothing left to cancel", a->sku, a->id);
		if (a->qty != BO_ALL && a->qty > left)
			return bo__fail(BO_EINVALID, "line '%s' of order '%s' has only %lld units left to cancel",
					a->sku, a->id, (long long)left);
		if ((rc = take_units(t, &l, a->qty == BO_ALL ? left : a->qty, true)) < 0)
			return rc;
	} else {
		bool any = false;
		for (uint32_t i = 0; i < o.nlines; i++) {
			rc = bo__line_get(t->inv, a->id, i, &l);
			if (rc < 0)
				return bo__storage_fail(rc, "line_get");
			int64_t left = l.allocated + l.backordered;
			if (left == 0)
				continue;
			any = true;
			if ((rc = take_units(t, &l, left, true)) < 0)
				return rc;
		}
		if (!any)
			return bo__fail(BO_ESTATE, "order '%s' has nothing left to cancel", a->id);
	}
	return bo__order_ready(t, a->id, NULL);
}

static int check_line_args(bo_inventory *inv, const char *id, const char *sku, int64_t qty, bool need_sku)
{
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(id, "order id")) < 0)
		return rc;
	if (need_sku && !sku)
		return bo__fail(BO_EINVALID, "SKU is NULL");
	if (sku && (rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	if (!sku && qty != BO_ALL)
		return bo__fail(BO_EINVALID, "a quantity needs a SKU");
	if (qty != BO_ALL && qty < 1)
		return bo__fail(BO_EINVALID, "quantity must be at least 1");
	return BO_OK;
}

int bo_order_cancel(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty)
{
	line_args a = { order_id, sku, qty, NULL };
	int rc = check_line_args(inv, order_id, sku, qty, false);
	return rc < 0 ? rc : bo__run_hinted(inv, op_cancel, &a, order_id, NULL, 0, 0);
}

static int op_modify(bo_txn *t, void *p)
{
	line_args *a = p;
	bo_order_rec o;
	bo_line_rec l;
	bo_item_slot *it;
	int rc;
	if ((rc = load_order(t, a->id, &o)) < 0)
		return rc;
	if ((rc = lock_sku(t, a->sku)) < 0)
		return rc;
	if ((rc = bo__line_find(t, a->id, o.nlines, a->sku, &l)) < 0)
		return rc;
	if (a->qty < l.shipped + l.cancelled)
		return bo__fail(BO_EINVALID, "line '%s' of order '%s' has %lld units shipped or cancelled; cannot go below",
				a->sku, a->id, (long long)(l.shipped + l.cancelled));
	if (a->qty == l.ordered)
		return BO_OK;
	if (a->qty < l.ordered) {
		if ((rc = take_units(t, &l, l.ordered - a->qty, false)) < 0)
			return rc;
		return bo__order_ready(t, a->id, NULL);
	}

	/* Up: the added units join the back of the queue. */
	int64_t add = a->qty - l.ordered;
	if ((rc = bo__item(t, a->sku, &it)) < 0)
		return rc;
	int64_t avail = it->rec.on_hand - it->rec.allocated;
	int64_t take = avail > 0 ? (add < avail ? add : avail) : 0;
	int64_t wait = add - take;
	if ((rc = admit(t, &it->rec, add, wait)) < 0)
		return rc;
	if ((rc = counters_fit(&it->rec, add, wait, l.unit_price)) < 0)
		return rc;
	if (l.backordered > 0 && (rc = bo__queue_del(t, BO_QUEUE_WAITING, &l)) < 0)
		return rc;
	if (l.allocated > 0 && (rc = bo__queue_del(t, BO_QUEUE_ALLOCATED, &l)) < 0)
		return rc;
	l.queue_time = t->now;
	if ((rc = bo__next_line_seq(t, &l.key.seq)) < 0)
		return rc;
	if ((rc = bo__line_key(t, &it->rec, &o, &l, &l.key)) < 0)
		return rc;
	if (take > 0 && (rc = bo__loc_give(t, it, &l, take, false)) < 0) /* and the `allocated` events */
		return rc;
	l.ordered += add;
	l.allocated += take;
	l.backordered += wait;
	it->rec.allocated += take;
	it->rec.backordered += wait;
	it->rec.demand += add;
	it->rec.filled_at_once += take;
	if (l.unit_price != BO_NO_PRICE)
		it->rec.revenue_held += wait * l.unit_price;
	it->dirty = true;
	bo__eta_touch(it);
	if (l.backordered > 0 && (rc = bo__queue_add(t, BO_QUEUE_WAITING, &l)) < 0)
		return rc;
	/* It moved to the back: settled at the end of the call (it keeps its
	 * promise if its basis is the same there). */
	if (l.backordered > 0 && (rc = bo__eta_pending(t, it, &l)) < 0)
		return rc;
	if (l.allocated > 0 && (rc = bo__queue_add(t, BO_QUEUE_ALLOCATED, &l)) < 0)
		return rc;
	if ((rc = put_line(t, &l)) < 0)
		return rc;
	if (wait > 0 && (rc = bo__emit(t, BO_EVENT_BACKORDERED, a->id, a->sku, wait, BO_NO_TIME, NULL)) < 0)
		return rc;
	return bo__order_ready(t, a->id, NULL);
}

int bo_order_modify(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty)
{
	line_args a = { order_id, sku, qty, NULL };
	int rc = check_line_args(inv, order_id, sku, qty, true);
	if (rc < 0)
		return rc;
	if (qty == BO_ALL)
		return bo__fail(BO_EINVALID, "quantity must be at least 1");
	return bo__run_hinted(inv, op_modify, &a, order_id, NULL, 0, 0);
}

static int ship_units(bo_txn *t, bo_item_slot *it, bo_line_rec *l, int64_t q, const char *loc)
{
	int rc;
	/* from `loc` or the line's locations in order; `shipped` events */
	if ((rc = bo__loc_ship(t, it, l, q, loc)) < 0)
		return rc;
	l->allocated -= q;
	l->shipped += q;
	it->rec.on_hand -= q;
	it->rec.allocated -= q;
	it->rec.shipped += q;
	it->dirty = true;
	if (l->allocated == 0 && (rc = bo__queue_del(t, BO_QUEUE_ALLOCATED, l)) < 0)
		return rc;
	return put_line(t, l);
}

static int op_ship(bo_txn *t, void *p)
{
	line_args *a = p;
	bo_order_rec o;
	bo_line_rec l;
	bo_item_slot *it;
	int rc;
	if ((rc = load_order(t, a->id, &o)) < 0)
		return rc;
	if (a->loc && (rc = bo__loc_check(t, a->loc)) < 0)
		return rc;
	if ((o.ship_mode == BO_SHIP_COMPLETE || !a->sku) && (rc = lock_order_items(t, a->id, o.nlines)) < 0)
		return rc;
	if (o.ship_mode == BO_SHIP_COMPLETE) {
		bool any = false;
		for (uint32_t i = 0; i < o.nlines; i++) {
			rc = bo__line_get(t->inv, a->id, i, &l);
			if (rc < 0)
				return bo__storage_fail(rc, "line_get");
			if (l.backordered > 0)
				return bo__fail(BO_ESTATE, "order '%s' ships complete and line '%s' still waits for %lld units",
						a->id, l.sku, (long long)l.backordered);
			if (l.allocated > 0) {
				any = true;
				if ((rc = bo__item(t, l.sku, &it)) < 0)
					return rc;
				if (bo__in_preorder(t, &it->rec))
					return bo__fail(BO_ESTATE, "order '%s' ships complete and '%s' is not released yet",
							a->id, l.sku);
			}
		}
		if (!any)
			return bo__fail(BO_ESTATE, "order '%s' has nothing allocated to ship", a->id);
	}
	if (a->sku) {
		int64_t have;
		if ((rc = lock_sku(t, a->sku)) < 0)
			return rc;
		if ((rc = bo__line_find(t, a->id, o.nlines, a->sku, &l)) < 0)
			return rc;
		if ((rc = bo__item(t, l.sku, &it)) < 0)
			return rc;
		if (bo__in_preorder(t, &it->rec))
			return bo__fail(BO_ESTATE, "'%s' is not released yet", l.sku);
		if (l.allocated == 0)
			return bo__fail(BO_ESTATE, "line '%s' of order '%s' has nothing allocated to ship", a->sku, a->id);
		have = l.allocated;
		if (a->loc && (rc = bo__loc_units(t, it, &l, a->loc, &have)) < 0)
			return rc;
		if (have == 0)
			return bo__fail(BO_ESTATE, "line '%s' of order '%s' has nothing allocated at '%s'", a->sku, a->id,
					a->loc);
		if (a->qty != BO_ALL && a->qty > have)
			return bo__fail(BO_ESTATE, "line '%s' of order '%s' has only %lld units allocated%s%s", a->sku,
					a->id, (long long)have, a->loc ? " at " : "", a->loc ? a->loc : "");
		if ((rc = ship_units(t, it, &l, a->qty == BO_ALL ? have : a->qty, a->loc)) < 0)
			return rc;
	} else {
		bool any = false;
		for (uint32_t i = 0; i < o.nlines; i++) {
			int64_t have;
			rc = bo__line_get(t->inv, a->id, i, &l);
			if (rc < 0)
				return bo__storage_fail(rc, "line_get");
			if (l.allocated == 0)
				continue;
			if ((rc = bo__item(t, l.sku, &it)) < 0)
				return rc;
			if (bo__in_preorder(t, &it->rec))
				continue;
			have = l.allocated;
			if (a->loc && (rc = bo__loc_units(t, it, &l, a->loc, &have)) < 0)
				return rc;
			if (have == 0)
				continue;
			any = true;
			if ((rc = ship_units(t, it, &l, have, a->loc)) < 0)
				return rc;
		}
		if (!any)
			return a->loc ? bo__fail(BO_ESTATE, "order '%s' has nothing allocated (and released) at '%s' to ship",
						 a->id, a->loc)
				      : bo__fail(BO_ESTATE, "order '%s' has nothing allocated (and released) to ship", a->id);
	}
	return bo__order_ready(t, a->id, NULL);
}

int bo_order_ship(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty)
{
	return bo_order_ship_at(inv, order_id, sku, qty, NULL);
}

int bo_order_ship_at(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty, const char *location)
{
	line_args a = { order_id, sku, qty, location };
	int rc = check_line_args(inv, order_id, sku, qty, false);
	if (rc == BO_OK && location && (rc = bo__check_id(location, "location id")) < 0)
		return rc;
	return rc < 0 ? rc : bo__run_hinted(inv, op_ship, &a, order_id, NULL, 0, 0);
}
