/* ETA (DESIGN §6): walk the waiting lines in queue order summing their
 * units, and the supply in expected-time order summing quantities plus
 * unallocated stock; a line's ETA is the time of the first supply record
 * that covers the demand up to and including it. */
#include "internal.h"

#include <stdlib.h>

void bo__eta_mark(bo_item_slot *it, const bo_queue_key *from)
{
	if (!from) {
		it->eta_dirty = true;
		it->eta_partial = false;
		return;
	}
	if (!it->eta_dirty) {
		it->eta_dirty = true;
		it->eta_partial = true;
		it->eta_from = *from;
	} else if (it->eta_partial && bo_queue_key_cmp(from, &it->eta_from) < 0) {
		it->eta_from = *from;
	}
}

typedef struct supply_walk {
	bo_supply_rec *s;
	size_t n;
	int64_t *cum;   /* cum[j] = unallocated + qty of s[0..j] (saturating) */
} supply_walk;

static int load_supply(bo_txn *t, const bo_item_rec *item, supply_walk *w)
{
	bo_inventory *inv = t->inv;
	bo_supply_rec r;
	int64_t run = item->on_hand - item->allocated;
	int rc;

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
			bo_supply_rec *ns = realloc(inv->sw_s, nc * sizeof(*ns));
			int64_t *ncum;
			if (!ns)
				return bo__fail(BO_ESTORAGE, "out of memory");
			w->s = inv->sw_s = ns;
			ncum = realloc(inv->sw_cum, nc * sizeof(*ncum));
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

typedef struct eta_state {
	bo_txn *t;
	const bo_item_rec *item;
	supply_walk w;
	size_t j;
	int64_t cum;        /* demand so far, including the current line */
	int64_t unalloc;
	int64_t beyond;     /* ETA when no supply covers the line */
} eta_state;

static int64_t eta_next(eta_state *st, int64_t units)
{
	int64_t eta;
	st->cum = bo__add_ok(st->cum, units) ? st->cum + units : INT64_MAX;
	if (st->unalloc >= st->cum) {
		eta = st->t->now;
	} else {
		while (st->j < st->w.n && st->w.cum[st->j] < st->cum)
			st->j++;
		if (st->j < st->w.n)
			eta = st->w.s[st->j].expected > st->t->now ? st->w.s[st->j].expected : st->t->now;
		else
			eta = st->beyond;
	}
	if (eta != BO_NO_TIME && st->item->release_at != BO_NO_TIME && eta < st->item->release_at)
		eta = st->item->release_at;
	return eta;
}

static int apply(eta_state *st, bo_line_rec *l)
{
	bo_txn *t = st->t;
	int64_t eta = eta_next(st, l->backordered);
	bo_event_rec *ev = bo__emitted_backordered(t, l->order_id, l->sku);
	int rc;
	if (ev)
		ev->eta = eta;
	if (eta == l->eta)
		return BO_OK;
	if (!ev && (rc = bo__emit(t, BO_EVENT_ETA_CHANGED, l->order_id, l->sku, l->backordered, eta, NULL)) < 0)
		return rc;
	l->eta = eta;
	rc = t->inv->st.line_put(t->inv->sd, l);
	return rc < 0 ? bo__storage_fail(rc, "line_put") : BO_OK;
}

int bo__eta_refresh(bo_txn *t, bo_item_slot *it)
{
	bo_inventory *inv = t->inv;
	eta_state st;
	bo_queue_entry e;
	bo_line_rec l, *tail = NULL;
	size_t ntail = 0, tcap = 0;
	bo_queue_key after;
	const bo_queue_key *ap = NULL;
	int rc;

	it->eta_dirty = false;
	/* Without supply and lead time every ETA is unknown; if this call did
	 * not just take supply or lead time away, they are stored as unknown
	 * already (the call that did refreshed them all). */
	if (!it->supply_changed && it->rec.incoming == 0 && it->rec.lead_time == BO_NO_TIME)
		return BO_OK;
	memset(&st, 0, sizeof(st));
	st.t = t;
	st.item = &it->rec;
	st.unalloc = it->rec.on_hand - it->rec.allocated;
	st.beyond = it->rec.lead_time == BO_NO_TIME ? BO_NO_TIME
		  : (bo__add_ok(t->now, it->rec.lead_time) ? t->now + it->rec.lead_time : INT64_MAX);
	if (it->rec.backordered == 0) {
		it->rec.eta_time = t->now;
		it->dirty = true;
		return BO_OK;
	}
	if ((rc = load_supply(t, &it->rec, &st.w)) < 0)
		goto out;

	/* Lines ahead of eta_from keep their ETA if they were computed at
	 * this very time (eta_time), or if no ETA depends on the clock: no
	 * lead time and no overdue supply (both count from now). */
	if (it->eta_partial && it->rec.eta_time != t->now &&
	    (it->rec.lead_time != BO_NO_TIME || (st.w.n > 0 && st.w.s[0].expected < t->now)))
		it->eta_partial = false;
	if (!it->eta_partial) {
		it->rec.eta_time = t->now;
		it->dirty = true;
	}
	if (it->eta_partial) {
		/* Lines ahead of eta_from are unchanged; collect the tail to
		 * learn the demand ahead of it. */
		int64_t tail_units = 0;
		after = it->eta_from;
		if (after.seq > 0) {
			after.seq--;
			ap = &after;
		} /* seq 0 never occurs: sequences start at 1 */
		while ((rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, it->rec.sku, ap, &e)) == BO_OK) {
			if (ntail == tcap) {
				size_t nc = tcap ? tcap * 2 : 16;
				bo_line_rec *nt = realloc(tail, nc * sizeof(*nt));
				if (!nt) {
					rc = bo__fail(BO_ESTORAGE, "out of memory");
					goto out;
				}
				tail = nt;
				tcap = nc;
			}
			rc = inv->st.line_get(inv->sd, e.order_id, e.index, &tail[ntail]);
			if (rc < 0) {
				rc = bo__storage_fail(rc, "line_get");
				goto out;
			}
			tail_units += tail[ntail].backordered;
			ntail++;
			after = e.key;
			ap = &after;
		}
		if (rc != BO_ENOTFOUND) {
			rc = bo__storage_fail(rc, "queue_next");
			goto out;
		}
		st.cum = it->rec.backordered - tail_units;
		rc = BO_OK;
		for (size_t i = 0; i < ntail && rc == BO_OK; i++)
			rc = apply(&st, &tail[i]);
		goto out;
	}

	while ((rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, it->rec.sku, ap, &e)) == BO_OK) {
		rc = inv->st.line_get(inv->sd, e.order_id, e.index, &l);
		if (rc < 0) {
			rc = bo__storage_fail(rc, "line_get");
			goto out;
		}
		if ((rc = apply(&st, &l)) < 0)
			goto out;
		after = e.key;
		ap = &after;
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "queue_next");
out:
	free(tail);
	return rc;
}

/* A new waiting line that joins the back of its queue needs only its own
 * ETA: nothing ahead of it moves. Computes it into l->eta and sets *done,
 * or leaves *done false when the general refresh must run (the line is
 * not at the back, the item's ETAs are already due for a refresh, or they
 * depend on a clock reading other than this call's). Call after the
 * item's counters include the line and before the line joins the queue. */
int bo__eta_append(bo_txn *t, bo_item_slot *it, bo_line_rec *l, bool *done)
{
	bo_inventory *inv = t->inv;
	bo_queue_entry tail;
	eta_state st;
	int rc;

	*done = false;
	if (it->eta_dirty)
		return BO_OK;
	if (!it->supply_changed && it->rec.incoming == 0 && it->rec.lead_time == BO_NO_TIME) {
		l->eta = BO_NO_TIME; /* no supply, no lead time: unknown, wherever it queues */
		*done = true;
		return BO_OK;
	}
	rc = inv->st.queue_prev(inv->sd, BO_QUEUE_WAITING, it->rec.sku, NULL, &tail);
	if (rc == BO_OK && bo_queue_key_cmp(&tail.key, &l->key) > 0)
		return BO_OK;
	if (rc < 0 && rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "queue_prev");
	memset(&st, 0, sizeof(st));
	st.t = t;
	st.item = &it->rec;
	st.unalloc = it->rec.on_hand - it->rec.allocated;
	st.beyond = it->rec.lead_time == BO_NO_TIME ? BO_NO_TIME
		  : (bo__add_ok(t->now, it->rec.lead_time) ? t->now + it->rec.lead_time : INT64_MAX);
	if ((rc = load_supply(t, &it->rec, &st.w)) < 0)
		goto out;
	if (it->rec.eta_time != t->now &&
	    (it->rec.lead_time != BO_NO_TIME || (st.w.n > 0 && st.w.s[0].expected < t->now)))
		goto out; /* lines ahead hold ETAs of another time: refresh them all */
	st.cum = it->rec.backordered - l->backordered;
	l->eta = eta_next(&st, l->backordered);
	*done = true;
out:
	return rc;
}
