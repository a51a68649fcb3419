/* The inventory handle: opening, locking, the call/transaction frame,
 * notifier and batches. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t system_clock(void *user_data)
{
	(void)user_data;
	return (int64_t)time(NULL);
}

/* Bytes of a bo_options of `version` (1: up to auto_dispatch). A caller
 * built against an older header has a smaller struct: never read or
 * write past it. */
static size_t options_size(unsigned int version)
{
	return version >= 2 ? sizeof(bo_options) : offsetof(bo_options, exclusive);
}

int bo_options_init(bo_options *opts, unsigned int version)
{
	bo_options def = BO_OPTIONS_INIT;
	if (!opts)
		return bo__fail(BO_EINVALID, "opts is NULL");
	if (version < 1 || version > BO_OPTIONS_VERSION)
		return bo__fail(BO_EINVALID, "options version %u is not supported", version);
	def.version = version;
	memcpy(opts, &def, options_size(version));
	return BO_OK;
}

/* Offsets of the required callbacks: everything up to meta_put. */
#define REQUIRED_END offsetof(bo_storage, savepoint)

/* `in` checked and copied into `st`: only the `size` bytes the adapter
 * knows, the rest NULL. */
static int check_storage(bo_storage *st, const bo_storage *in)
{
	void (*const *fp)(void);
	if (in->version < 1 || in->version > BO_STORAGE_VERSION)
		return bo__fail(BO_EINVALID, "storage version %u is not supported (1..%d)", in->version, BO_STORAGE_VERSION);
	if (in->size < REQUIRED_END)
		return bo__fail(BO_EINVALID, "storage vtable size %zu is too small: the required callbacks need %zu bytes",
				in->size, (size_t)REQUIRED_END);
	memset(st, 0, sizeof(*st));
	/* Whole callbacks only: a size that ends inside one leaves it out. */
	memcpy(st, in, in->size < sizeof(*st)
		       ? REQUIRED_END + (in->size - REQUIRED_END) / sizeof(void (*)(void)) * sizeof(void (*)(void))
		       : sizeof(*st));
	/* A table of an older version has none of the callbacks appended
	 * after it, whatever its size: a wrapper that copied a newer table
	 * and declares its own older version must not have the newer
	 * callbacks called with its user data (the version gates them, as
	 * SQLite's iVersion does). */
	{
		static const size_t version_end[] = { 0, offsetof(bo_storage, seq_take), offsetof(bo_storage, loc_put),
						      offsetof(bo_storage, prefetch), sizeof(bo_storage) };
		_Static_assert(sizeof(version_end) / sizeof(version_end[0]) == BO_STORAGE_VERSION + 1,
			       "one end per storage version");
		size_t end = version_end[in->version];
		memset((char *)st + end, 0, sizeof(*st) - end);
	}
	/* Every pointer between `size` and `savepoint` is required. */
	for (size_t off = offsetof(bo_storage, begin); off < REQUIRED_END; off += sizeof(void (*)(void))) {
		fp = (void (*const *)(void))(const void *)((const char *)st + off);
		if (!*fp)
			return bo__fail(BO_EINVALID, "storage vtable lacks a required callback (offset %zu)", off);
	}
	if ((st->savepoint || st->release || st->rollback_to) &&
	    !(st->savepoint && st->release && st->rollback_to))
		return bo__fail(BO_EINVALID, "storage vtable: savepoint, release and rollback_to come together");
	if (st->outbox_add && !st->seq_take)
		return bo__fail(BO_EINVALID, "storage vtable: outbox_add needs seq_take (its dispatch promise)");
	if ((st->hist_add || st->hist_next) && !(st->hist_add && st->hist_next))
		return bo__fail(BO_EINVALID, "storage vtable: hist_add and hist_next come together");
	{
		int nloc = !!st->loc_put + !!st->loc_next + !!st->stock_put + !!st->stock_list + !!st->lalloc_put +
			   !!st->lalloc_list;
		if (nloc != 0 && nloc != 6)
			return bo__fail(BO_EINVALID, "storage vtable: the six location callbacks come together");
	}
	return BO_OK;
}

int bo_inventory_open(bo_inventory **out, const bo_storage *storage, void *storage_data, const bo_options *opts)
{
	bo_inventory *inv;
	bo_options o = BO_OPTIONS_INIT;
	bo_storage vt;
	pthread_mutexattr_t attr;
	int rc;

	if (!out)
		return bo__fail(BO_EINVALID, "out is NULL");
	*out = NULL;
	if (!storage)
		return bo__fail(BO_EINVALID, "storage vtable is NULL");
	if ((rc = check_storage(&vt, storage)) < 0)
		return rc;
	if (opts) {
		if (opts->version < 1 || opts->version > BO_OPTIONS_VERSION)
			return bo__fail(BO_EINVALID, "options version %u is not supported", opts->version);
		memcpy(&o, opts, options_size(opts->version));
	}
	if (o.default_policy && !bo__policy_find(&(bo_inventory){ 0 }, o.default_policy))
		return bo__fail(BO_EINVALID, "unknown default policy '%.40s'", o.default_policy);

	inv = bo__calloc(1, sizeof(*inv));
	if (!inv)
		return bo__fail(BO_ESTORAGE, "out of memory");
	inv->st = vt;
	inv->sd = storage_data;
	inv->clock = o.clock ? o.clock : system_clock;
	inv->clock_data = o.clock ? o.clock_data : NULL;
	strcpy(inv->default_policy, o.default_policy ? o.default_policy : "fifo");
	inv->auto_dispatch = o.auto_dispatch != 0;
	inv->exclusive = o.exclusive != 0;
	inv->txn.inv = inv;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	rc = pthread_mutex_init(&inv->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc != 0) {
		bo_free(inv);
		return bo__fail(BO_ESTORAGE, "cannot create the inventory lock");
	}
	*out = inv;
	return BO_OK;
}

void bo_inventory_free(bo_inventory *inv)
{
	if (!inv)
		return;
	if (inv->batch) {
		inv->st.rollback(inv->sd);
		inv->batch = false;
		BO_UNLOCK(inv); /* the batch's hold (freed by the thread that holds it) */
	}
	if (inv->ack_pending)
		bo__ack(inv, inv->ack_pending); /* best effort: else they are delivered again */
	if (inv->has_notifier && inv->notifier.free)
		inv->notifier.free(inv->notifier_data);
	for (size_t i = 0; i < inv->npolicies; i++)
		bo_policy_free(inv->policies[i]);
	bo_free(inv->policies);
	if (inv->st.close)
		inv->st.close(inv->sd);
	bo_free(inv->txn.ev);
	bo_free(inv->txn.items);
	bo_free(inv->txn.touch);
	bo_free(inv->txn.pend);
	bo_free(inv->dbuf);
	bo_free(inv->sw_s);
	bo_free(inv->locs);
	bo_free(inv->locrecs);
	bo_free(inv->sc);
	bo_free(inv->sw_cum);
	pthread_mutex_destroy(&inv->lock);
	bo_free(inv);
}

int64_t bo__clock_now(bo_inventory *inv)
{
	return inv->clock(inv->clock_data);
}

/* ---------------------------------------------------------------- */
/* The call frame */

static int tx_begin(bo_inventory *inv)
{
	int rc = inv->batch ? inv->st.savepoint(inv->sd) : inv->st.begin(inv->sd);
	return rc < 0 ? bo__storage_fail(rc, inv->batch ? "savepoint" : "begin") : BO_OK;
}

static int tx_commit(bo_inventory *inv)
{
	int rc = inv->batch ? inv->st.release(inv->sd) : inv->st.commit(inv->sd);
	return rc < 0 ? bo__storage_fail(rc, inv->batch ? "release" : "commit") : BO_OK;
}

static void tx_rollback(bo_inventory *inv)
{
	if (inv->batch) {
		if (inv->st.rollback_to(inv->sd) < 0)
			inv->batch_failed = true; /* the batch can no longer commit */
	} else {
		inv->st.rollback(inv->sd);
	}
}

static int frame(bo_txn *t, bo_op_fn fn, void *args, int64_t clock)
{
	int64_t stored, next_release;
	int rc;

	t->acked = 0;
	if (!t->inv->batch && t->inv->ack_pending) {
		/* Remove the events the last dispatch delivered, in this call's
		 * transaction (see bo__dispatch_locked). */
		if ((rc = t->inv->st.outbox_ack(t->inv->sd, t->inv->ack_pending)) < 0)
			return bo__storage_fail(rc, "outbox_ack");
		t->acked = t->inv->ack_pending;
	}
	if ((rc = bo__meta_get(t, BO_MK_NOW, &stored, INT64_MIN)) < 0)
		return rc;
	t->now = clock > stored ? clock : stored;
	if (t->now != stored && (rc = bo__meta_put(t, BO_MK_NOW, t->now)) < 0)
		return rc;
	if ((rc = bo__meta_get(t, BO_MK_NEXT_RELEASE, &next_release, INT64_MAX)) < 0)
		return rc;
	if (t->now >= next_release && (rc = bo__release_due(t)) < 0)
		return rc;
	if (!t->inv->promises_ready && (rc = bo__eta_adopt(t)) < 0)
		return rc;
	if ((rc = fn(t, args)) < 0)
		return rc;
	for (size_t i = 0; i < t->ntouch; i++) /* finishing may touch more */
		if ((rc = bo__item_finish(t, &t->items[t->touch[i]])) < 0)
			return rc;
	if ((rc = bo__hist_flush(t)) < 0)
		return rc;
	if (t->line_seq_dirty && (rc = bo__meta_put(t, BO_MK_LINE_SEQ, t->line_seq)) < 0)
		return rc;
	if (t->sub_seq_dirty && (rc = bo__meta_put(t, BO_MK_SUB_SEQ, t->sub_seq)) < 0)
		return rc;
	return bo__events_flush(t);
}

/* Runs of a call that lost a conflict with another connection. */
#define BO_RETRY_MAX 10

/* Between runs: a short random pause, growing, so that the writers that
 * collided do not collide again in step. */
static void retry_pause(int attempt)
{
	static _Thread_local uint32_t x = 2463534242u;
	struct timespec ts;
	long us;
	x ^= x << 13; /* xorshift32: no shared state between threads */
	x ^= x >> 17;
	x ^= x << 5;
	us = (long)(x % 200 + 50) << (attempt < 6 ? attempt : 6);
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

/* One run of a call: begin, the operation, finish, commit or roll back. */
static int run_once(bo_inventory *inv, bo_op_fn fn, void *args, int *plan, bool *auto_dispatch)
{
	bo_txn *t = &inv->txn;
	int64_t clock;
	int rc;

	bo__error_reset_storage();
	clock = bo__clock_now(inv);
	/* Inside a batch the write lock is held from call to call, so items
	 * read by earlier calls of the batch are still current (every change
	 * goes through them and is written back at the end of each call):
	 * keep them, and save the reads. Otherwise start afresh. */
	if (inv->batch && t->nitems <= BO_BATCH_ITEM_CACHE) {
		/* Only the slots the last call touched can hold its flags. */
		for (size_t i = 0; i < t->ntouch; i++) {
			if (t->touch[i] < t->nitems) {
				bo_item_slot *it = &t->items[t->touch[i]];
				it->dirty = it->need_fill = it->eta_dirty = it->eta_all = it->supply_changed = false;
				it->touched = false;
			}
		}
	} else {
		t->nitems = 0;
	}
	t->ntouch = 0;
	t->npend = 0;
	t->adopted = false;
	t->locs_loaded = false;
	t->nev = 0;
	t->nbackordered = 0;
	t->event_seq_loaded = t->line_seq_loaded = t->sub_seq_loaded = false;
	t->line_seq_dirty = t->sub_seq_dirty = false;
	t->clock = clock;
	inv->in_txn = true;
	if (inv->batch) {
		memcpy(inv->mc_saved, inv->mc, sizeof(inv->mc));
	}
	*auto_dispatch = !inv->batch && inv->auto_dispatch && inv->has_notifier && !inv->dispatching;
	rc = tx_begin(inv);
	if (rc == BO_OK) {
		rc = frame(t, fn, args, clock);
		if (rc == BO_OK && *auto_dispatch)
			rc = bo__dispatch_plan(t, plan);
		if (rc == BO_OK)
			rc = tx_commit(inv);
		if (rc < 0)
			tx_rollback(inv);
	}
	if (rc < 0 && inv->batch) {
		memcpy(inv->mc, inv->mc_saved, sizeof(inv->mc));
	} else if (rc < 0) {
		bo__meta_uncache(inv); /* the rollback may have undone cached writes */
	}
	if (rc < 0)
		bo__sc_forget(inv);
	if (rc < 0)
		t->nitems = 0; /* the cached items may hold the failed call's changes */
	inv->in_txn = false;
	return rc;
}

int bo__run(bo_inventory *inv, bo_op_fn fn, void *args)
{
	return bo__run_hinted(inv, fn, args, NULL, NULL, 0, 0);
}

int bo__run_hinted(bo_inventory *inv, bo_op_fn fn, void *args, const char *order, const void *skus, size_t nskus,
		   size_t stride)
{
	bo_txn *t = &inv->txn;
	int rc, plan = BO_DISPATCH_NONE;
	bool auto_dispatch;

	BO_LOCK(inv);
	if (inv->in_txn) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTATE, "a callback called into the inventory during a transaction");
	}
	if (inv->batch && inv->batch_failed) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTORAGE, "the open batch failed; end it");
	}
	if (inv->st.prefetch) {
		/* The records the call will look up: the store may fetch them
		 * all at once, while the call's other work runs, instead of
		 * one cache miss after another. */
		if (order) /* (first: on a large book, the longest wait) */
			inv->st.prefetch(inv->sd, BO_HINT_ORDER, order);
		for (size_t i = 0; i < nskus && i < 16; i++) {
			const char *sku;
			memcpy(&sku, (const char *)skus + i * stride, sizeof(sku));
			inv->st.prefetch(inv->sd, BO_HINT_ITEM, sku);
		}
	}
	for (int attempt = 1;; attempt++) {
		rc = run_once(inv, fn, args, &plan, &auto_dispatch);
		/* Lost a conflict with another connection (deadlock,
		 * serialisation failure): everything is rolled back, so run
		 * the call again. */
		if (rc < 0 && !inv->batch && bo__storage_retryable() && attempt < BO_RETRY_MAX) {
			retry_pause(attempt);
			continue;
		}
		if (rc < 0 && bo__storage_retryable()) {
			char why[400];
			snprintf(why, sizeof(why), "%s", bo_last_error());
			rc = bo__fail(BO_ESTORAGE, "%s (a conflict with another connection; tried %d times)",
				      why, attempt);
		}
		break;
	}
	if (rc == BO_OK && t->adopted)
		inv->promises_ready = true; /* committed: no need to look again */
	if (rc == BO_OK && t->acked && t->acked == inv->ack_pending)
		inv->ack_pending = 0;
	if (rc == BO_OK)
		inv->commits++;
	if (rc == BO_OK && auto_dispatch)
		bo__dispatch_after(inv, plan); /* a refusal leaves events pending */
	BO_UNLOCK(inv);
	return rc;
}

/* ---------------------------------------------------------------- */

/* A time as YYYY-MM-DDTHH:MM:SSZ, for messages. */
static const char *fmt_time(char buf[32], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%lld", (long long)t);
	return buf;
}

static int op_advance(bo_txn *t, void *args)
{
	char a[32], b[32];
	(void)args;
	if (t->clock < t->now)
		return bo__fail(BO_EINVALID, "the clock (%s) is earlier than the inventory's time (%s); time never goes back",
				fmt_time(a, t->clock), fmt_time(b, t->now));
	return BO_OK;
}

int bo_inventory_advance(bo_inventory *inv)
{
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	return bo__run(inv, op_advance, NULL);
}

int bo_inventory_now(int64_t *out, bo_inventory *inv)
{
	int rc;
	if (!out || !inv)
		return bo__fail(BO_EINVALID, "NULL argument");
	BO_LOCK(inv);
	bo__error_reset_storage();
	rc = bo__meta_get_inv(inv, BO_MK_NOW, out, 0);
	BO_UNLOCK(inv);
	return rc;
}

int bo_inventory_add_policy(bo_inventory *inv, bo_policy *policy)
{
	bo_policy **np;
	if (!inv || !policy)
		return bo__fail(BO_EINVALID, "NULL argument");
	BO_LOCK(inv);
	if (bo__policy_find(inv, policy->name)) {
		BO_UNLOCK(inv);
		return bo__fail(BO_EEXISTS, "a policy named '%s' is registered already", policy->name);
	}
	np = bo_realloc(inv->policies, (inv->npolicies + 1) * sizeof(*np));
	if (!np) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTORAGE, "out of memory");
	}
	inv->policies = np;
	inv->policies[inv->npolicies++] = bo__policy_ref(policy);
	BO_UNLOCK(inv);
	return BO_OK;
}

int bo_inventory_set_default_policy(bo_inventory *inv, const char *name)
{
	if (!inv || !name)
		return bo__fail(BO_EINVALID, "NULL argument");
	BO_LOCK(inv);
	if (!bo__policy_find(inv, name)) {
		BO_UNLOCK(inv);
		return bo__fail(BO_EINVALID, "unknown policy '%.40s'", name);
	}
	strcpy(inv->default_policy, name);
	BO_UNLOCK(inv);
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Notifier and dispatch */

int bo_inventory_set_notifier(bo_inventory *inv, const bo_notifier *notifier, void *user_data)
{
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if (notifier) {
		if (notifier->version < 1 || notifier->version > BO_NOTIFIER_VERSION)
			return bo__fail(BO_EINVALID, "notifier version %u is not supported", notifier->version);
		if (!notifier->deliver)
			return bo__fail(BO_EINVALID, "notifier lacks the required deliver callback");
	}
	BO_LOCK(inv);
	if (inv->dispatching) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTATE, "cannot replace the notifier while it is delivering");
	}
	if (inv->has_notifier && inv->notifier.free)
		inv->notifier.free(inv->notifier_data);
	inv->has_notifier = notifier != NULL;
	if (notifier) {
		memset(&inv->notifier, 0, sizeof(inv->notifier));
		inv->notifier.version = notifier->version;
		inv->notifier.deliver = notifier->deliver;
		inv->notifier.free = notifier->free;
		inv->notifier_data = user_data;
	}
	BO_UNLOCK(inv);
	return BO_OK;
}

int bo_inventory_dispatch(bo_inventory *inv, size_t *delivered)
{
	int rc;
	if (delivered)
		*delivered = 0;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	BO_LOCK(inv);
	if (inv->in_txn || inv->dispatching || inv->batch) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTATE, "cannot dispatch inside a transaction, a batch or a delivery");
	}
	bo__error_reset_storage();
	rc = bo__dispatch_locked(inv, delivered, true);
	BO_UNLOCK(inv);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Batches */

int bo_inventory_batch_begin(bo_inventory *inv)
{
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	BO_LOCK(inv);
	if (inv->batch || inv->in_txn) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTATE, "a batch is open already");
	}
	if (!inv->st.savepoint) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTATE, "this storage adapter has no savepoints, so no batches");
	}
	bo__error_reset_storage();
	rc = inv->st.begin(inv->sd);
	if (rc < 0) {
		BO_UNLOCK(inv);
		return bo__storage_fail(rc, "begin");
	}
	/* The batch's transaction also removes the events the last dispatch
	 * delivered (see bo__dispatch_locked). */
	inv->batch_acked = 0;
	if (inv->ack_pending) {
		rc = inv->st.outbox_ack(inv->sd, inv->ack_pending);
		if (rc < 0) {
			inv->st.rollback(inv->sd);
			BO_UNLOCK(inv);
			return bo__storage_fail(rc, "outbox_ack");
		}
		inv->batch_acked = inv->ack_pending;
	}
	inv->batch = true;
	inv->batch_failed = false;
	bo__meta_uncache(inv);
	inv->txn.nitems = 0;
	/* The batch keeps the lock until bo_inventory_batch_end() (or
	 * bo_inventory_free()): calls of other threads wait for it to end
	 * instead of joining it, where a rollback they never asked for
	 * would undo them after they returned BO_OK (DESIGN §9). */
	return BO_OK;
}

int bo_inventory_batch_end(bo_inventory *inv, int commit)
{
	int rc = BO_OK;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	BO_LOCK(inv);
	if (!inv->batch || inv->in_txn) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTATE, "no batch is open");
	}
	bo__error_reset_storage();
	inv->batch = false;
	if (commit && !inv->batch_failed) {
		rc = bo__meta_flush(inv);
		if (rc == BO_OK && (rc = inv->st.commit(inv->sd)) < 0)
			rc = bo__storage_fail(rc, "commit");
		if (rc < 0)
			inv->st.rollback(inv->sd);
	} else {
		inv->st.rollback(inv->sd);
		if (commit)
			rc = bo__fail(BO_ESTORAGE, "the batch failed and was rolled back");
	}
	if (rc < 0 || !commit || inv->batch_failed) {
		inv->promises_ready = false; /* the batch may have been the call that adopted the old lines */
		bo__sc_forget(inv);
	}
	inv->batch_failed = false;
	bo__meta_uncache(inv);
	inv->txn.nitems = 0;
	if (rc == BO_OK && commit && inv->batch_acked && inv->batch_acked == inv->ack_pending)
		inv->ack_pending = 0;
	if (rc == BO_OK && commit && inv->auto_dispatch && inv->has_notifier && !inv->dispatching)
		bo__dispatch_locked(inv, NULL, false);
	BO_UNLOCK(inv);
	BO_UNLOCK(inv); /* the batch's hold, taken by bo_inventory_batch_begin() */
	return rc;
}
