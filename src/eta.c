/* ETA promises (DESIGN §6).
 *
 * Cover: walk an item's waiting lines in queue order summing their waiting
 * units (D), and its supply records in expected-time order summing their
 * quantities after the unallocated stock (S). A line is covered by the
 * first record at which S reaches D up to and including the line; a line
 * no record covers is uncovered. Its basis is the record's expected time,
 * or the lead time (or nothing), plus the item's release time; a line keeps
 * its ETA while the basis stays the same, and gets a new promise made at
 * the call's time when it changes.
 *
 * What a call reads. Covered lines form a prefix of the queue: D grows
 * along it. So at the end of a call that changed an item's demand or
 * supply, the walk goes from the head through the lines covered now, and
 * on through lines whose stored basis says they were covered before, and
 * stops at the first line that is uncovered and was uncovered before with
 * the same basis: every line after it was uncovered before (their stored
 * bases were exact at the end of the last call, and this call kept the
 * order of the lines it did not move) and is uncovered now. Lines this
 * call added or moved are listed as pending and settled one by one. When
 * the item had no supply and no free stock before the call and has none
 * after it, no line can be covered and nothing is walked at all. A change
 * of lead time, release time or policy changes the basis of every line:
 * then every line is walked. */
#include "internal.h"

#include <stdlib.h>

/* Supply plus unallocated stock: what can cover waiting lines. */
int64_t bo__eta_supply(const bo_item_rec *r)
{
	int64_t free_units = r->on_hand - r->allocated;
	int64_t s = free_units > 0 ? free_units : 0;
	return bo__add_ok(s, r->incoming) ? s + r->incoming : INT64_MAX;
}

void bo__eta_touch(bo_item_slot *it)
{
	it->eta_dirty = true;
}

void bo__eta_all(bo_item_slot *it)
{
	it->eta_dirty = true;
	it->eta_all = true;
}

int bo__eta_pending(bo_txn *t, bo_item_slot *it, const bo_line_rec *l)
{
	if (t->npend == t->pendcap) {
		size_t nc = t->pendcap ? t->pendcap * 2 : 16;
		bo_eta_pend *np = bo_realloc(t->pend, nc * sizeof(*np));
		if (!np)
			return bo__fail(BO_ESTORAGE, "out of memory");
		t->pend = np;
		t->pendcap = nc;
	}
	memcpy(t->pend[t->npend].order_id, l->order_id, sizeof(l->order_id));
	t->pend[t->npend].index = l->index;
	t->pend[t->npend].slot = (uint32_t)(it - t->items);
	t->npend++;
	it->eta_dirty = true;
	return BO_OK;
}

typedef struct supply_walk {
	bo_supply_rec *s;
	size_t n;
	int64_t *cum;   /* cum[j] = unallocated + qty of s[0..j] (saturating) */
	int64_t total;  /* bo__eta_supply(): what all of it covers */
	bool loaded;    /* s and cum are read (only when a line may be covered) */
} supply_walk;

static int load_supply(bo_txn *t, const bo_item_rec *item, supply_walk *w)
{
	bo_inventory *inv = t->inv;
	bo_supply_rec r;
	int64_t run = item->on_hand - item->allocated;
	int rc;

	w->loaded = true;
	if (run < 0)
		run = 0;
	/* The buffers belong to the inventory and outlive the call, so a
	 * call does not allocate them again. */
	w->s = inv->sw_s;
	w->cum = inv->sw_cum;
	w->n = 0;
	if (item->incoming == 0)
		return BO_OK; /* no supply records: nothing to read */
	while ((rc = inv->st.supply_next(inv->sd, item->sku, w->n ? &w->s[w->n - 1] : NULL, &r)) == BO_OK) {
		if (w->n == inv->sw_cap) {
			size_t nc = inv->sw_cap ? inv->sw_cap * 2 : 8;
			bo_supply_rec *ns = bo_realloc(inv->sw_s, nc * sizeof(*ns));
			int64_t *ncum;
			if (!ns)
				return bo__fail(BO_ESTORAGE, "out of memory");
			w->s = inv->sw_s = ns;
			ncum = bo_realloc(inv->sw_cum, nc * sizeof(*ncum));
			if (!ncum)
				return bo__fail(BO_ESTORAGE, "out of memory");
			w->cum = inv->sw_cum = ncum;
			inv->sw_cap = nc;
		}
		run = bo__add_ok(run, r.qty) ? run + r.qty : INT64_MAX;
		w->s[w->n] = r;
		w->cum[w->n] = run;
		w->n++;
	}
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "supply_next");
	return BO_OK;
}

typedef struct basis {
	int32_t kind;
	int64_t base;
} basis;

/* The basis of a line with no record under it. */
static basis uncovered(const bo_item_rec *item)
{
	basis b;
	if (item->lead_time == BO_NO_TIME) {
		b.kind = BO_BASIS_UNKNOWN;
		b.base = 0;
	} else {
		b.kind = BO_BASIS_LEAD;
		b.base = item->lead_time;
	}
	return b;
}

static basis cover_loaded(const bo_item_rec *item, const supply_walk *w, size_t *j, int64_t d);

/* A walk over the item's supply that reads the records only once a line
 * may be covered (demand within the total): lines beyond all supply, the
 * common case on a lead-time item, cost no read. */
static void supply_lazy(const bo_item_rec *item, supply_walk *w)
{
	w->s = NULL;
	w->cum = NULL;
	w->n = 0;
	w->total = bo__eta_supply(item);
	w->loaded = false;
}

/* The basis of a line whose demand up to and including it is `d`; `*j`
 * is where the search starts (lines come in queue order, so it only moves
 * forward). */
static int cover(bo_txn *t, const bo_item_rec *item, supply_walk *w, size_t *j, int64_t d, basis *out)
{
	int rc;
	if (d > w->total) {
		*out = uncovered(item);
		return BO_OK;
	}
	if (!w->loaded && (rc = load_supply(t, item, w)) < 0)
		return rc;
	*out = cover_loaded(item, w, j, d);
	return BO_OK;
}

static basis cover_loaded(const bo_item_rec *item, const supply_walk *w, size_t *j, int64_t d)
{
	basis b;
	while (*j < w->n && w->cum[*j] < d)
		(*j)++;
	if (*j < w->n) {
		b.kind = BO_BASIS_SUPPLY;
		b.base = w->s[*j].expected;
		return b;
	}
	return uncovered(item);
}

/* The promise on basis `b` made now, into *out: BO_EINVALID when now +
 * lead time exceeds 2^63-1 (DESIGN §10: an int64 sum that overflows is bad
 * input; the call changes nothing). */
static int promise(const bo_txn *t, const bo_item_rec *item, basis b, int64_t *out)
{
	int64_t eta;
	switch (b.kind) {
	case BO_BASIS_SUPPLY:
		eta = b.base > t->now ? b.base : t->now;
		break;
	case BO_BASIS_LEAD:
		if (!bo__add_ok(t->now, b.base))
			return bo__fail(BO_EINVALID, "the ETA of item '%s' (now + its lead time) would exceed 2^63-1",
					item->sku);
		eta = t->now + b.base;
		break;
	default:
		*out = BO_NO_TIME;
		return BO_OK;
	}
	if (item->release_at != BO_NO_TIME && eta < item->release_at)
		eta = item->release_at;
	*out = eta;
	return BO_OK;
}

static bool same_basis(const bo_line_rec *l, const bo_item_rec *item, basis b)
{
	return l->eta_basis == b.kind && l->eta_base == b.base && l->eta_release == item->release_at;
}

/* Give line `l` basis `b`: a new promise if the basis changed (an
 * `eta_changed` event if the date moved, or the date on the line's
 * `backordered` event of this call). *wrote tells whether `l` changed;
 * the caller stores it, or bo__eta_promise_new does. */
static int settle(bo_txn *t, const bo_item_rec *item, bo_line_rec *l, basis b, bool *wrote)
{
	bo_event_rec *ev = t->nbackordered ? bo__emitted_backordered(t, l->order_id, l->sku) : NULL;
	int64_t eta = BO_NO_TIME;
	int rc;

	*wrote = false;
	if (same_basis(l, item, b)) {
		if (ev)
			ev->eta = l->eta;
		return BO_OK;
	}
	if ((rc = promise(t, item, b, &eta)) < 0)
		return rc;
	if (ev)
		ev->eta = eta; /* the units this call added wait until then */
	/* A line that held a promise is told when it moves; a new one (no
	 * basis: it was not waiting) learns its date from its backordered
	 * event alone. */
	if (l->eta_basis != BO_BASIS_NONE && eta != l->eta &&
	    (rc = bo__emit(t, BO_EVENT_ETA_CHANGED, l->order_id, l->sku, l->backordered, eta, NULL)) < 0)
		return rc;
	l->eta = eta;
	l->eta_basis = b.kind;
	l->eta_base = b.base;
	l->eta_release = item->release_at;
	*wrote = true;
	return BO_OK;
}

static int store_line(bo_txn *t, const bo_line_rec *l)
{
	int rc = t->inv->st.line_put(t->inv->sd, l);
	return rc < 0 ? bo__storage_fail(rc, "line_put") : BO_OK;
}

/* A new waiting line whose place can be settled at once: nothing else of
 * the item changed in this call, and either no line can be covered (no
 * supply, no free stock) or it joins the back of the queue, so the demand
 * ahead of it is the item's backordered units before it. Sets the line's
 * promise and *done; else leaves *done false (the caller lists it as
 * pending). Call after the item's counters include the line and before
 * the line is stored or joins the queue. */
int bo__eta_promise_new(bo_txn *t, bo_item_slot *it, bo_line_rec *l, bool *done)
{
	bo_inventory *inv = t->inv;
	bo_queue_entry tail;
	supply_walk w;
	size_t j = 0;
	basis b;
	int rc;

	*done = false;
	if (it->eta_dirty)
		return BO_OK;
	supply_lazy(&it->rec, &w);
	if (w.total == 0) {
		b = uncovered(&it->rec);
	} else {
		rc = inv->st.queue_prev(inv->sd, BO_QUEUE_WAITING, it->rec.sku, NULL, &tail);
		if (rc == BO_OK && bo_queue_key_cmp(&tail.key, &l->key) > 0)
			return BO_OK; /* it queues ahead of others: they may move */
		if (rc < 0 && rc != BO_ENOTFOUND)
			return bo__storage_fail(rc, "queue_prev");
		if ((rc = cover(t, &it->rec, &w, &j, it->rec.backordered, &b)) < 0) /* includes the line */
			return rc;
	}
	if ((rc = promise(t, &it->rec, b, &l->eta)) < 0)
		return rc;
	l->eta_basis = b.kind;
	l->eta_base = b.base;
	l->eta_release = it->rec.release_at;
	*done = true;
	return BO_OK;
}

/* Settle the pending lines of slot `it` that the walk did not reach: all
 * of them are uncovered (they sort after an uncovered line, or no line
 * can be covered). `stop` is the key the walk stopped at (NULL: it walked
 * every line, or did not walk). */
static int settle_pending(bo_txn *t, bo_item_slot *it, const bo_queue_key *stop, bool walked_all)
{
	bo_inventory *inv = t->inv;
	uint32_t slot = (uint32_t)(it - t->items);
	basis b = uncovered(&it->rec);
	bo_line_rec l;
	bool wrote;
	int rc;

	for (size_t i = 0; i < t->npend; i++) {
		bo_eta_pend *p = &t->pend[i];
		if (p->slot != slot)
			continue;
		p->slot = UINT32_MAX; /* settled once, even if listed twice */
		if (walked_all)
			continue;
		if ((rc = bo__line_get(inv, p->order_id, p->index, &l)) < 0)
			return rc == BO_ENOTFOUND ? bo__fail(BO_ESTORAGE, "line %u of order '%s' is missing",
							      p->index, p->order_id)
						  : bo__storage_fail(rc, "line_get");
		if (l.backordered == 0 || strcmp(l.sku, it->rec.sku) != 0)
			continue;
		if (stop && bo_queue_key_cmp(&l.key, stop) <= 0)
			continue; /* the walk settled it */
		if ((rc = settle(t, &it->rec, &l, b, &wrote)) < 0)
			return rc;
		if (wrote && (rc = store_line(t, &l)) < 0)
			return rc;
	}
	return BO_OK;
}

int bo__eta_refresh(bo_txn *t, bo_item_slot *it)
{
	bo_inventory *inv = t->inv;
	supply_walk w;
	bo_queue_entry e;
	bo_line_rec l;
	bo_queue_key after;
	const bo_queue_key *ap = NULL;
	int64_t supply, demand = 0;
	size_t j = 0;
	bool all = it->eta_all, wrote;
	int rc;

	it->eta_dirty = false;
	it->eta_all = false;
	supply_lazy(&it->rec, &w);
	supply = w.total;
	if (!all && supply == 0 && it->supply0 == 0) /* nothing was or is covered */
		return settle_pending(t, it, NULL, false);
	while ((rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, it->rec.sku, ap, &e)) == BO_OK) {
		bool was_uncovered, now_covered;
		basis b;
		if ((rc = bo__line_get(inv, e.order_id, e.index, &l)) < 0)
			return rc == BO_ENOTFOUND ? bo__fail(BO_ESTORAGE, "queue of '%s' names a missing line", e.sku)
						  : bo__storage_fail(rc, "line_get");
		demand = bo__add_ok(demand, l.backordered) ? demand + l.backordered : INT64_MAX;
		if ((rc = cover(t, &it->rec, &w, &j, demand, &b)) < 0)
			return rc;
		now_covered = b.kind == BO_BASIS_SUPPLY;
		was_uncovered = l.eta_basis == BO_BASIS_UNKNOWN || l.eta_basis == BO_BASIS_LEAD;
		if (!all && !now_covered && was_uncovered && same_basis(&l, &it->rec, b)) {
			/* The first line uncovered before and after: the rest are too. */
			if ((rc = settle(t, &it->rec, &l, b, &wrote)) < 0) /* its backordered event, if any */
				return rc;
			return settle_pending(t, it, &e.key, false);
		}
		if ((rc = settle(t, &it->rec, &l, b, &wrote)) < 0)
			return rc;
		if (wrote && (rc = store_line(t, &l)) < 0)
			return rc;
		after = e.key;
		ap = &after;
	}
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "queue_next");
	return settle_pending(t, it, NULL, true);
}

/* A line that stops waiting holds no promise. */
void bo__eta_clear(bo_line_rec *l)
{
	l->eta = BO_NO_TIME;
	l->eta_basis = BO_BASIS_NONE;
	l->eta_base = 0;
	l->eta_release = BO_NO_TIME;
}

/* The store's waiting lines without a basis (written by a library before
 * promises) get the basis their cover gives today. They keep the ETA they
 * hold as their promise when that basis can give it (DESIGN §6: nothing
 * about them changed), else they are promised afresh; no event either way
 * (the customer was told that ETA). Then the store is marked, so this runs
 * once per store. */
int bo__eta_adopt(bo_txn *t)
{
	bo_inventory *inv = t->inv;
	bo_item_rec item;
	char after[BO_ID_MAX + 1] = "";
	int64_t done;
	int rc;

	if (inv->st.version < 2)
		return BO_OK; /* nowhere to keep a basis */
	if ((rc = bo__meta_get(t, BO_MK_PROMISES, &done, 0)) < 0)
		return rc;
	if (done)
		goto ready;
	while ((rc = inv->st.item_next(inv->sd, after[0] ? after : NULL, &item)) == BO_OK) {
		supply_walk w;
		bo_queue_entry e;
		bo_queue_key k;
		const bo_queue_key *ap = NULL;
		bo_line_rec l;
		int64_t demand = 0;
		size_t j = 0;
		memcpy(after, item.sku, sizeof(after));
		if (item.backordered == 0)
			continue;
		supply_lazy(&item, &w);
		while ((rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, item.sku, ap, &e)) == BO_OK) {
			basis b;
			bool keep;
			k = e.key;
			ap = &k;
			if ((rc = bo__line_get(inv, e.order_id, e.index, &l)) < 0)
				return bo__storage_fail(rc, "line_get");
			demand = bo__add_ok(demand, l.backordered) ? demand + l.backordered : INT64_MAX;
			if ((rc = cover(t, &item, &w, &j, demand, &b)) < 0)
				return rc;
			if (l.eta_basis != BO_BASIS_NONE)
				continue;
			if (b.kind == BO_BASIS_UNKNOWN)
				keep = l.eta == BO_NO_TIME;
			else
				keep = l.eta != BO_NO_TIME && (b.kind != BO_BASIS_SUPPLY || l.eta >= b.base) &&
				       (item.release_at == BO_NO_TIME || l.eta >= item.release_at);
			if (!keep && (rc = promise(t, &item, b, &l.eta)) < 0)
				return rc;
			l.eta_basis = b.kind;
			l.eta_base = b.base;
			l.eta_release = item.release_at;
			if ((rc = store_line(t, &l)) < 0)
				return rc;
		}
		if (rc != BO_ENOTFOUND)
			return bo__storage_fail(rc, "queue_next");
	}
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "item_next");
	if ((rc = bo__meta_put(t, BO_MK_PROMISES, 1)) < 0)
		return rc;
ready:
	t->adopted = true;
	return BO_OK;
}
