/* Events: buffered per call, written to the outbox in the call's
 * transaction, dispatched to the notifier after commit. */
#include "internal.h"

#include <stdlib.h>

int bo__emit(bo_txn *t, int kind, const char *order_id, const char *sku, int64_t qty, int64_t eta,
	     const char *customer)
{
	return bo__emit_at(t, kind, order_id, sku, qty, eta, customer, NULL);
}

/*
 * A call with many events (a restock filling a long queue) hands them to
 * the store EV_SPILL at a time as it goes, instead of holding them all
 * (a bo_event_rec is about 300 bytes: a million-line fill held 600 MB).
 * Only while no event of the call can still change (a `backordered`
 * event takes its date at the end of the call, see
 * bo__emitted_backordered), and only when the core numbers the events:
 * a store that numbers them (seq_take, outbox_add) draws the numbers
 * after every lock the call takes, so it gets them at the end. The events
 * stay in the call's transaction: a failed call rolls them back with the
 * rest. The dispatch after the call reads them back from the store
 * (bo__dispatch_plan sees that the call's first buffered event is not the
 * first pending one).
 */
#define EV_SPILL 1024

static int spill(bo_txn *t)
{
	int rc = bo__events_flush(t);
	if (rc == BO_OK)
		t->nev = 0;
	return rc;
}

/* `src` (NULL: "") into an id field, zero-padded. */
static inline void put_id(char *dst, const char *src)
{
	memset(dst, 0, BO_ID_MAX + 1);
	if (src)
		memcpy(dst, src, strnlen(src, BO_ID_MAX));
}

int bo__emit_at(bo_txn *t, int kind, const char *order_id, const char *sku, int64_t qty, int64_t eta,
		const char *customer, const char *location)
{
	bo_event_rec *e;
	int rc;
	if (t->nev >= EV_SPILL && t->nbackordered == 0 && !t->inv->st.seq_take && !t->inv->st.outbox_add &&
	    (rc = spill(t)) < 0)
		return rc;
	if (t->nev == t->evcap) {
		size_t cap = t->evcap ? t->evcap * 2 : 32;
		bo_event_rec *n = bo_realloc(t->ev, cap * sizeof(*n));
		if (!n)
			return bo__fail(BO_ESTORAGE, "out of memory");
		t->ev = n;
		t->evcap = cap;
	}
	e = &t->ev[t->nev++];
	/* Every byte written, padding too (a store may keep the record as it
	 * is), field by field: one memset of the whole record compiles to a
	 * `rep stos` that cost a tenth of a long fill. */
	e->seq = 0;
	e->kind = kind;
	e->reserved = 0;
	put_id(e->order_id, order_id);
	put_id(e->sku, sku);
	put_id(e->customer, customer);
	memset(e->customer + sizeof(e->customer), 0,
	       offsetof(bo_event_rec, qty) - offsetof(bo_event_rec, customer) - sizeof(e->customer));
	e->qty = qty;
	e->eta = eta;
	e->time = t->now;
	if (location && location[0] == BO_LOCATION_MAIN[0] && strcmp(location, BO_LOCATION_MAIN) == 0)
		location = NULL; /* units at "main" are stored without one */
	put_id(e->location, location);
	memset(e->location + sizeof(e->location), 0,
	       sizeof(*e) - offsetof(bo_event_rec, location) - sizeof(e->location));
	if (kind == BO_EVENT_BACKORDERED)
		t->nbackordered++;
	return BO_OK;
}

bo_event_rec *bo__emitted_backordered(bo_txn *t, const char *order_id, const char *sku)
{
	if (t->nbackordered == 0)
		return NULL;
	for (size_t i = t->nev; i-- > 0;) {
		bo_event_rec *e = &t->ev[i];
		if (e->kind == BO_EVENT_BACKORDERED && strcmp(e->sku, sku) == 0 && strcmp(e->order_id, order_id) == 0)
			return e;
	}
	return NULL;
}

int bo__events_flush(bo_txn *t)
{
	bo_inventory *inv = t->inv;
	int64_t seq;
	int rc;
	if (t->nev == 0)
		return BO_OK;
	if (inv->st.outbox_add) {
		/* Numbered by the store as it stores them (after every lock, as
		 * below; seq is 0 from bo__emit_at); the core does not use the
		 * numbers of a store with seq_take (dispatch reads them back:
		 * bo__dispatch_plan). */
		for (size_t i = 0; i < t->nev; i++) {
			if ((rc = inv->st.outbox_add(inv->sd, &t->ev[i])) < 0)
				return bo__storage_fail(rc, "outbox_add");
		}
		return BO_OK;
	}
	if (inv->st.seq_take) {
		/* Numbers from the store's sequence, taken last (after every lock
		 * the call holds), so that calls that touch the same records
		 * number their events in the order they commit. */
		uint64_t *seqs = bo_malloc(t->nev * sizeof(*seqs));
		if (!seqs)
			return bo__fail(BO_ESTORAGE, "out of memory");
		rc = inv->st.seq_take(inv->sd, BO_SEQ_EVENT, t->nev, seqs);
		for (size_t i = 0; rc >= 0 && i < t->nev; i++) {
			t->ev[i].seq = seqs[i];
			rc = inv->st.outbox_append(inv->sd, &t->ev[i]);
		}
		bo_free(seqs);
		return rc < 0 ? bo__storage_fail(rc, "outbox") : BO_OK;
	}
	if ((rc = bo__meta_get(t, BO_MK_EVENT_SEQ, &seq, 0)) < 0)
		return rc;
	for (size_t i = 0; i < t->nev; i++) {
		t->ev[i].seq = (uint64_t)++seq;
		if ((rc = inv->st.outbox_append(inv->sd, &t->ev[i])) < 0)
			return bo__storage_fail(rc, "outbox_append");
	}
	return bo__meta_put(t, BO_MK_EVENT_SEQ, seq);
}

const char *bo_event_kind_name(int kind)
{
	static const char *const names[] = { "unknown", "accepted", "backordered", "allocated", "ready",
					     "shipped", "cancelled", "eta_changed", "back_in_stock", "released" };
	if (kind < 1 || kind > 9)
		return "unknown";
	return names[kind];
}

int bo__ack(bo_inventory *inv, uint64_t upto)
{
	int rc = inv->st.begin(inv->sd);
	if (rc < 0)
		return bo__storage_fail(rc, "begin");
	rc = inv->st.outbox_ack(inv->sd, upto);
	if (rc >= 0)
		rc = inv->st.commit(inv->sd);
	if (rc < 0) {
		inv->st.rollback(inv->sd);
		return bo__storage_fail(rc, "outbox_ack");
	}
	return BO_OK;
}

/* Events are read in chunks, each chunk in one short transaction that also
 * removes the events delivered before it: with a file or a server store
 * that is one lock round-trip per chunk rather than per event. The
 * notifier runs outside any transaction, so it may call the inventory. */
#define DISPATCH_CHUNK 256

static int fetch(bo_inventory *inv, uint64_t ack_upto, uint64_t after, size_t *n)
{
	int rc = inv->st.begin(inv->sd);
	*n = 0;
	if (rc < 0)
		return bo__storage_fail(rc, "begin");
	if (ack_upto > 0 && (rc = inv->st.outbox_ack(inv->sd, ack_upto)) < 0) {
		rc = bo__storage_fail(rc, "outbox_ack");
		goto fail;
	}
	while (*n < DISPATCH_CHUNK) {
		rc = inv->st.outbox_next(inv->sd, after, &inv->dbuf[*n]);
		if (rc == BO_ENOTFOUND)
			break;
		if (rc < 0) {
			rc = bo__storage_fail(rc, "outbox_next");
			goto fail;
		}
		after = inv->dbuf[(*n)++].seq;
	}
	if ((rc = inv->st.commit(inv->sd)) < 0) {
		rc = bo__storage_fail(rc, "commit");
		goto fail;
	}
	return BO_OK;
fail:
	inv->st.rollback(inv->sd);
	*n = 0;
	return rc;
}

/* Hand inv->dbuf[0..n) to the notifier in order; `*last` becomes the
 * sequence number of the last one it accepted. */
static int deliver(bo_inventory *inv, size_t n, uint64_t *last, size_t *count)
{
	for (size_t i = 0; i < n; i++) {
		const bo_event_rec *rec = &inv->dbuf[i];
		bo_event ev;
		ev.seq = rec->seq;
		ev.kind = rec->kind;
		ev.order_id = rec->order_id[0] ? rec->order_id : NULL;
		ev.sku = rec->sku[0] ? rec->sku : NULL;
		ev.qty = rec->qty;
		ev.eta = rec->eta;
		ev.customer = rec->customer[0] ? rec->customer : NULL;
		ev.time = rec->time;
		/* Units at "main" are stored without a location (an inventory
		 * that never names another writes nothing more). */
		ev.location = rec->location[0] && inv->st.version >= 3 ? rec->location
			      : rec->kind == BO_EVENT_ALLOCATED || rec->kind == BO_EVENT_SHIPPED ? BO_LOCATION_MAIN
												   : NULL;
		if (inv->notifier.deliver(inv->notifier_data, &ev) != 0)
			return bo__fail(BO_ESTATE, "the notifier refused event %llu; it stays pending",
					(unsigned long long)rec->seq);
		*last = rec->seq;
		++*count;
	}
	return BO_OK;
}

/* The buffer dispatch reads pending events into, room for a chunk (it
 * may be a call's buffer, swapped in by bo__dispatch_after). */
static bool dbuf_ready(bo_inventory *inv)
{
	bo_event_rec *b;
	if (inv->dbuf && inv->dbufcap >= DISPATCH_CHUNK)
		return true;
	if (!(b = bo_realloc(inv->dbuf, DISPATCH_CHUNK * sizeof(*b))))
		return false;
	inv->dbuf = b;
	inv->dbufcap = DISPATCH_CHUNK;
	return true;
}

/*
 * Deliver pending events. `eager`: remove the delivered events from the
 * outbox before returning (bo_inventory_dispatch()). Otherwise (the
 * dispatch after every call) the removal is left to the next call's own
 * transaction, which saves a durable write per call; events delivered but
 * not yet removed are remembered in inv->ack_pending and never handed out
 * twice by this inventory (after a crash they are: at least once).
 */
int bo__dispatch_locked(bo_inventory *inv, size_t *delivered, bool eager)
{
	uint64_t last = inv->ack_pending, acked = 0;
	size_t count = 0, n;
	int rc = BO_OK;

	if (!inv->has_notifier)
		return BO_OK;
	if (!dbuf_ready(inv))
		return bo__fail(BO_ESTORAGE, "out of memory");
	inv->dispatching = true;
	for (;;) {
		uint64_t to_ack = eager && last > acked ? last : 0;
		if ((rc = fetch(inv, to_ack, last, &n)) < 0)
			break;
		if (to_ack)
			acked = to_ack;
		if (n == 0)
			break;
		if ((rc = deliver(inv, n, &last, &count)) < 0)
			break;
	}
	if (eager && last > acked) {
		int arc = bo__ack(inv, last);
		if (arc == BO_OK)
			acked = last;
		else if (rc == BO_OK)
			rc = arc;
	}
	if (eager && acked >= inv->ack_pending)
		inv->ack_pending = 0;
	if (!eager || acked < last)
		inv->ack_pending = last > acked ? last : 0;
	inv->dispatching = false;
	if (delivered)
		*delivered = count;
	return rc;
}

/*
 * The dispatch that follows a call, planned inside the call's transaction
 * once its events are written: one look at the first pending event tells
 *   - none pending: nothing to dispatch, no transaction after commit;
 *   - the first pending is the call's own first event: the pending events
 *     are exactly the call's (the transaction holds the write lock, so
 *     nobody appends after them), and they are handed to the notifier from
 *     memory after commit, without reading them back;
 *   - older events are pending (a notifier refused one, or another process
 *     wrote them): the full dispatch, oldest first.
 * Order and at-least-once are as with the full dispatch.
 */
int bo__dispatch_plan(bo_txn *t, int *plan)
{
	bo_inventory *inv = t->inv;
	bo_event_rec first;
	int rc;
	/* Several writers number their events from the store's sequence, and
	 * commit in another order: only the store's outbox_next knows which
	 * events are final (it holds later ones back), after commit. */
	if (inv->st.seq_take) {
		*plan = BO_DISPATCH_FULL;
		return BO_OK;
	}
	/* A store the inventory owns holds no events but its own: if every
	 * earlier one was delivered (and is removed by now), the call's are
	 * all that is pending, without looking. */
	if (inv->exclusive && t->nev > 0 && t->nev <= DISPATCH_CHUNK && t->ev[0].seq == inv->ack_pending + 1) {
		*plan = BO_DISPATCH_CALL;
		return BO_OK;
	}
	rc = inv->st.outbox_next(inv->sd, inv->ack_pending, &first);
	*plan = BO_DISPATCH_FULL;
	if (rc == BO_ENOTFOUND) {
		*plan = BO_DISPATCH_NONE;
		return BO_OK;
	}
	if (rc < 0)
		return bo__storage_fail(rc, "outbox_next");
	if (t->nev > 0 && t->nev <= DISPATCH_CHUNK && first.seq == t->ev[0].seq)
		*plan = BO_DISPATCH_CALL;
	return BO_OK;
}

/* After commit, with the lock held. Refusals leave events pending, as with
 * bo__dispatch_locked(). */
void bo__dispatch_after(bo_inventory *inv, int plan)
{
	bo_txn *t = &inv->txn;
	uint64_t last = inv->ack_pending, commits;
	size_t count = 0, n = t->nev;

	if (plan == BO_DISPATCH_NONE)
		return;
	if (plan == BO_DISPATCH_FULL) {
		bo__dispatch_locked(inv, NULL, false);
		return;
	}
	/* The call's buffer becomes the dispatch's, and the other way round:
	 * a notifier that calls the inventory reuses the call's buffer (and
	 * a dispatch it runs grows its own to a chunk first). */
	{
		bo_event_rec *b = inv->dbuf;
		size_t cap = inv->dbufcap;
		inv->dbuf = t->ev;
		inv->dbufcap = t->evcap;
		t->ev = b;
		t->evcap = b ? cap : 0;
		t->nev = 0;
	}
	commits = inv->commits;
	inv->dispatching = true;
	int rc = deliver(inv, n, &last, &count);
	inv->ack_pending = last;
	inv->dispatching = false;
	/* Calls the notifier made wrote events of their own: deliver them too. */
	if (rc == BO_OK && inv->commits != commits)
		bo__dispatch_locked(inv, NULL, false);
}

int bo_inventory_pending(size_t *out, bo_inventory *inv)
{
	bo_event_rec rec;
	uint64_t last;
	size_t n = 0;
	int rc;
	if (!out || !inv)
		return bo__fail(BO_EINVALID, "NULL argument");
	*out = 0;
	BO_LOCK(inv);
	last = inv->ack_pending; /* delivered, removed by the next call */
	bo__error_reset_storage();
	while ((rc = inv->st.outbox_next(inv->sd, last, &rec)) == BO_OK) {
		last = rec.seq;
		n++;
	}
	BO_UNLOCK(inv);
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "outbox_next");
	*out = n;
	return BO_OK;
}
