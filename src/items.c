/* Item operations: settings, receive, adjust, supply, subscriptions,
 * releases; and the end-of-call work on every touched item. */
#include "internal.h"

/* ---------------------------------------------------------------- */
/* End of call: fill, ETAs, back-in-stock alerts, write back. */

static int fire_subscriptions(bo_txn *t, bo_item_slot *it)
{
	bo_inventory *inv = t->inv;
	bo_sub_rec s;
	int64_t avail = it->rec.on_hand - it->rec.allocated;
	int rc;
	while ((rc = inv->st.sub_next(inv->sd, it->rec.sku, 0, &s)) == BO_OK) {
		if ((rc = bo__emit(t, BO_EVENT_BACK_IN_STOCK, NULL, it->rec.sku, avail, BO_NO_TIME, s.customer)) < 0)
			return rc;
		if ((rc = inv->st.sub_del(inv->sd, it->rec.sku, s.seq)) < 0)
			return bo__storage_fail(rc, "sub_del");
	}
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "sub_next");
	it->rec.subscribers = 0;
	it->dirty = true;
	return BO_OK;
}

int bo__item_finish(bo_txn *t, bo_item_slot *it)
{
	int rc;
	if (it->need_fill) {
		it->need_fill = false;
		if (it->rec.backordered > 0 && it->rec.on_hand > it->rec.allocated) {
			if ((rc = bo__fill(t, it)) < 0)
				return rc;
			bo__eta_touch(it);
		}
	}
	if (it->eta_dirty && (rc = bo__eta_refresh(t, it)) < 0)
		return rc;
	if (it->rec.subscribers > 0 && it->rec.on_hand > it->rec.allocated && (rc = fire_subscriptions(t, it)) < 0)
		return rc;
	if (it->dirty) {
		rc = t->inv->st.item_put(t->inv->sd, &it->rec);
		if (rc < 0)
			return bo__storage_fail(rc, "item_put");
		it->dirty = false;
	}
	return BO_OK;
}

/* Releases: every item whose release time has come gets a `released`
 * event; the next pending release time is kept in metadata. */
int bo__release_due(bo_txn *t)
{
	bo_inventory *inv = t->inv;
	bo_item_rec r;
	int64_t next = INT64_MAX;
	char after[BO_ID_MAX + 1];
	int rc;

	after[0] = '\0';
	while ((rc = inv->st.item_next(inv->sd, after[0] ? after : NULL, &r)) == BO_OK) {
		memcpy(after, r.sku, sizeof(after));
		if (r.released || r.release_at == BO_NO_TIME)
			continue;
		if (r.release_at > t->now) {
			if (r.release_at < next)
				next = r.release_at;
			continue;
		}
		bo_item_slot *it;
		if ((rc = bo__item(t, r.sku, &it)) < 0)
			return rc;
		it->rec.released = 1; /* the release time is part of every basis; passing it changes none */
		it->dirty = true;
		if ((rc = bo__emit(t, BO_EVENT_RELEASED, NULL, r.sku, it->rec.allocated + it->rec.backordered,
				   BO_NO_TIME, NULL)) < 0)
			return rc;
	}
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "item_next");
	return bo__meta_put(t, BO_MK_NEXT_RELEASE, next);
}

/* ---------------------------------------------------------------- */

typedef struct item_args {
	const char *sku;
	const char *id;
	const bo_item_settings *settings;
	int64_t qty;
	int64_t time;
	const char *loc;        /* receive, adjust, supply: the location (NULL: "main") */
} item_args;

/* A supply record's location as the core sees it (adapters before
 * storage version 3 keep none: "main"). */
static const char *supply_loc(const bo_inventory *inv, bo_supply_rec *s)
{
	if (inv->st.version < 3)
		s->location[0] = '\0';
	return s->location[0] ? s->location : BO_LOCATION_MAIN;
}

static int op_item_set(bo_txn *t, void *p)
{
	item_args *a = p;
	const bo_item_settings *s = a->settings;
	bo_item_slot *it;
	int rc = bo__item(t, a->sku, &it);
	if (rc == BO_ENOTFOUND) {
		bo_clear_error();
		rc = bo__item_new(t, a->sku, &it);
	}
	if (rc < 0)
		return rc;
	it->dirty = true;
	if (!s)
		return BO_OK;
	if (s->fields & BO_ITEM_BACKORDER)
		it->rec.backorder = s->backorder;
	if (s->fields & BO_ITEM_MAX_BACKORDER)
		it->rec.max_backorder = s->max_backorder;
	if (s->fields & BO_ITEM_PREORDER_MAX)
		it->rec.preorder_max = s->preorder_max;
	if ((s->fields & BO_ITEM_LEAD_TIME) && s->lead_time != BO_NO_TIME && !bo__add_ok(t->now, s->lead_time))
		return bo__fail(BO_EINVALID, "lead_time: now + %lld seconds would exceed 2^63-1", (long long)s->lead_time);
	if ((s->fields & BO_ITEM_LEAD_TIME) && it->rec.lead_time != s->lead_time) {
		it->rec.lead_time = s->lead_time;
		it->supply_changed = true;
		bo__eta_all(it); /* the basis of every uncovered line */
	}
	if ((s->fields & BO_ITEM_POLICY) && strcmp(it->rec.policy, s->policy) != 0) {
		if (!bo__policy_find(t->inv, s->policy))
			return bo__fail(BO_EINVALID, "unknown policy '%.40s'", s->policy);
		strcpy(it->rec.policy, s->policy);
		if ((rc = bo__rekey(t, it)) < 0)
			return rc;
	}
	if ((s->fields & BO_ITEM_RELEASE_AT) && it->rec.release_at != s->release_at) {
		int64_t next;
		bool was_preorder = !it->rec.released;
		it->rec.release_at = s->release_at;
		it->rec.released = s->release_at == BO_NO_TIME || s->release_at <= t->now;
		it->supply_changed = true;
		bo__eta_all(it); /* part of every line's basis */
		/* An item in preorder whose release time moves to now or before
		 * (or goes) is released by this call, as by the clock: its
		 * customers are told (DESIGN §7). */
		if (was_preorder && it->rec.released &&
		    (rc = bo__emit(t, BO_EVENT_RELEASED, NULL, it->rec.sku, it->rec.allocated + it->rec.backordered,
				   BO_NO_TIME, NULL)) < 0)
			return rc;
		if (!it->rec.released) {
			if ((rc = bo__meta_get(t, BO_MK_NEXT_RELEASE, &next, INT64_MAX)) < 0)
				return rc;
			if (s->release_at < next && (rc = bo__meta_put(t, BO_MK_NEXT_RELEASE, s->release_at)) < 0)
				return rc;
		}
	}
	return BO_OK;
}

int bo_item_set(bo_inventory *inv, const char *sku, const bo_item_settings *settings)
{
	item_args a = { sku, NULL, settings, 0, 0, NULL };
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	if (settings) {
		const bo_item_settings *s = settings;
		if (s->version < 1 || s->version > BO_ITEM_SETTINGS_VERSION)
			return bo__fail(BO_EINVALID, "item settings version %u is not supported", s->version);
		if (s->fields & ~0x3fu)
			return bo__fail(BO_EINVALID, "unknown item settings field flags 0x%x", s->fields);
		if ((s->fields & BO_ITEM_BACKORDER) && s->backorder != BO_BACKORDER_ALLOW && s->backorder != BO_BACKORDER_DENY)
			return bo__fail(BO_EINVALID, "backorder must be allow or deny");
		if ((s->fields & BO_ITEM_MAX_BACKORDER) && s->max_backorder < 0 && s->max_backorder != BO_UNLIMITED)
			return bo__fail(BO_EINVALID, "max_backorder must be >= 0 (or unlimited)");
		if ((s->fields & BO_ITEM_PREORDER_MAX) && s->preorder_max < 0 && s->preorder_max != BO_UNLIMITED)
			return bo__fail(BO_EINVALID, "preorder_max must be >= 0 (or unlimited)");
		if ((s->fields & BO_ITEM_LEAD_TIME) && s->lead_time < 0 && s->lead_time != BO_NO_TIME)
			return bo__fail(BO_EINVALID, "lead_time must be >= 0 seconds");
		if ((s->fields & BO_ITEM_POLICY) && !s->policy)
			return bo__fail(BO_EINVALID, "policy name is NULL");
		if (s->fields & BO_ITEM_POLICY) {
			BO_LOCK(inv);
			bool known = bo__policy_find(inv, s->policy) != NULL;
			BO_UNLOCK(inv);
			if (!known)
				return bo__fail(BO_EINVALID, "unknown policy '%.40s'", s->policy);
		}
	}
	return bo__run(inv, op_item_set, &a);
}

/* The item whose on_hand moves by `a->qty`, if the sum fits. */
static int stock_item(bo_txn *t, const item_args *a, bo_item_slot **it)
{
	int rc;
	if ((rc = bo__item(t, a->sku, it)) < 0)
		return rc;
	if (!bo__add_ok((*it)->rec.on_hand, a->qty))
		return bo__fail(BO_EINVALID, "on_hand of '%s' would exceed 2^63-1", a->sku);
	return BO_OK;
}

static int op_receive(bo_txn *t, void *p)
{
	item_args *a = p;
	bo_item_slot *it;
	const char *loc = a->loc;
	int64_t on_hand_there, allocated_there;
	char sloc[BO_ID_MAX + 1];
	int rc;
	if ((rc = stock_item(t, a, &it)) < 0)
		return rc;
	if (loc && (rc = bo__loc_check(t, loc)) < 0)
		return rc;
	if (a->id) {
		bo_supply_rec s;
		rc = t->inv->st.supply_get(t->inv->sd, a->sku, a->id, &s);
		if (rc == BO_ENOTFOUND)
			return bo__fail(BO_ENOTFOUND, "item '%s' has no supply '%s'", a->sku, a->id);
		if (rc < 0)
			return bo__storage_fail(rc, "supply_get");
		/* the units arrive where the record said they would */
		bo__copy_id(sloc, supply_loc(t->inv, &s));
		if (loc && strcmp(loc, sloc) != 0)
			return bo__fail(BO_EINVALID, "supply '%s' of '%s' arrives at '%s', not at '%s'", a->id, a->sku, sloc,
					loc);
		loc = sloc;
		int64_t reduce = a->qty < s.qty ? a->qty : s.qty;
		it->supply_changed = true;
		s.qty -= reduce;
		it->rec.incoming -= reduce;
		rc = s.qty == 0 ? t->inv->st.supply_del(t->inv->sd, a->sku, a->id) : t->inv->st.supply_put(t->inv->sd, &s);
		if (rc < 0)
			return bo__storage_fail(rc, "supply");
	}
	if ((rc = bo__loc_stock(t, it, loc, a->qty, &on_hand_there, &allocated_there)) < 0)
		return rc;
	it->rec.on_hand += a->qty;
	it->dirty = true;
	it->need_fill = true;
	bo__eta_touch(it);
	return BO_OK;
}

int bo_item_receive(bo_inventory *inv, const char *sku, int64_t qty, const char *supply_id)
{
	return bo_item_receive_at(inv, sku, qty, supply_id, NULL);
}

int bo_item_receive_at(bo_inventory *inv, const char *sku, int64_t qty, const char *supply_id, const char *location)
{
	item_args a = { sku, supply_id, NULL, qty, 0, location };
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	if (supply_id && (rc = bo__check_id(supply_id, "supply id")) < 0)
		return rc;
	if (location && (rc = bo__check_id(location, "location id")) < 0)
		return rc;
	if (qty < 1)
		return bo__fail(BO_EINVALID, "quantity received must be at least 1");
	return bo__run_hinted(inv, op_receive, &a, NULL, &a.sku, 1, 0);
}

static int op_adjust(bo_txn *t, void *p)
{
	item_args *a = p;
	bo_item_slot *it;
	int rc;
	int64_t on_hand_there, allocated_there;
	if ((rc = stock_item(t, a, &it)) < 0)
		return rc;
	if (a->loc && (rc = bo__loc_check(t, a->loc)) < 0)
		return rc;
	if (it->rec.on_hand + a->qty < 0)
		return bo__fail(BO_EINVALID, "adjusting '%s' by %lld would take on_hand (%lld) below 0", a->sku,
				(long long)a->qty, (long long)it->rec.on_hand);
	if ((rc = bo__loc_stock(t, it, a->loc, a->qty, &on_hand_there, &allocated_there)) < 0)
		return rc;
	it->rec.on_hand += a->qty;
	it->dirty = true;
	bo__eta_touch(it);
	if (a->qty > 0)
		it->need_fill = true;
	else if (on_hand_there < allocated_there)
		return bo__take_back_at(t, it, a->loc);
	return BO_OK;
}

int bo_item_adjust(bo_inventory *inv, const char *sku, int64_t delta)
{
	return bo_item_adjust_at(inv, sku, delta, NULL);
}

int bo_item_adjust_at(bo_inventory *inv, const char *sku, int64_t delta, const char *location)
{
	item_args a = { sku, NULL, NULL, delta, 0, location };
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	if (location && (rc = bo__check_id(location, "location id")) < 0)
		return rc;
	if (delta == 0)
		return bo__fail(BO_EINVALID, "an adjustment of 0 changes nothing");
	return bo__run_hinted(inv, op_adjust, &a, NULL, &a.sku, 1, 0);
}

static int op_supply_set(bo_txn *t, void *p)
{
	item_args *a = p;
	bo_item_slot *it;
	bo_supply_rec s;
	int64_t incoming;
	int rc;
	if ((rc = bo__item(t, a->sku, &it)) < 0)
		return rc;
	if (a->loc && (rc = bo__loc_check(t, a->loc)) < 0)
		return rc;
	incoming = it->rec.incoming;
	rc = t->inv->st.supply_get(t->inv->sd, a->sku, a->id, &s);
	if (rc == BO_OK)
		incoming -= s.qty;
	else if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "supply_get");
	if ((rc = bo__add(&incoming, incoming, a->qty, "incoming supply")) < 0)
		return rc;
	memset(&s, 0, sizeof(s));
	bo__copy_id(s.sku, a->sku);
	bo__copy_id(s.id, a->id);
	s.qty = a->qty;
	s.expected = a->time;
	if (a->loc && strcmp(a->loc, BO_LOCATION_MAIN) != 0)
		bo__copy_id(s.location, a->loc);
	if ((rc = t->inv->st.supply_put(t->inv->sd, &s)) < 0)
		return bo__storage_fail(rc, "supply_put");
	it->rec.incoming = incoming;
	it->dirty = true;
	it->supply_changed = true;
	bo__eta_touch(it);
	return BO_OK;
}

int bo_supply_set(bo_inventory *inv, const char *sku, const char *supply_id, int64_t qty, int64_t expected)
{
	return bo_supply_set_at(inv, sku, supply_id, qty, expected, NULL);
}

int bo_supply_set_at(bo_inventory *inv, const char *sku, const char *supply_id, int64_t qty, int64_t expected,
		     const char *location)
{
	item_args a = { sku, supply_id, NULL, qty, expected, location };
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(sku, "SKU")) < 0 || (rc = bo__check_id(supply_id, "supply id")) < 0)
		return rc;
	if (location && (rc = bo__check_id(location, "location id")) < 0)
		return rc;
	if (qty < 1)
		return bo__fail(BO_EINVALID, "supply quantity must be at least 1");
	if (expected == BO_NO_TIME)
		return bo__fail(BO_EINVALID, "supply needs an expected time");
	return bo__run(inv, op_supply_set, &a);
}

static int op_supply_remove(bo_txn *t, void *p)
{
	item_args *a = p;
	bo_item_slot *it;
	bo_supply_rec s;
	int rc;
	if ((rc = bo__item(t, a->sku, &it)) < 0)
		return rc;
	rc = t->inv->st.supply_get(t->inv->sd, a->sku, a->id, &s);
	if (rc == BO_ENOTFOUND)
		return bo__fail(BO_ENOTFOUND, "item '%s' has no supply '%s'", a->sku, a->id);
	if (rc < 0)
		return bo__storage_fail(rc, "supply_get");
	if ((rc = t->inv->st.supply_del(t->inv->sd, a->sku, a->id)) < 0)
		return bo__storage_fail(rc, "supply_del");
	it->rec.incoming -= s.qty;
	it->dirty = true;
	it->supply_changed = true;
	bo__eta_touch(it);
	return BO_OK;
}

int bo_supply_remove(bo_inventory *inv, const char *sku, const char *supply_id)
{
	item_args a = { sku, supply_id, NULL, 0, 0, NULL };
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(sku, "SKU")) < 0 || (rc = bo__check_id(supply_id, "supply id")) < 0)
		return rc;
	return bo__run(inv, op_supply_remove, &a);
}

static int op_subscribe(bo_txn *t, void *p)
{
	item_args *a = p;
	bo_item_slot *it;
	bo_sub_rec s;
	int rc;
	if ((rc = bo__item(t, a->sku, &it)) < 0)
		return rc;
	if (it->rec.on_hand > it->rec.allocated)
		return bo__emit(t, BO_EVENT_BACK_IN_STOCK, NULL, a->sku, it->rec.on_hand - it->rec.allocated,
				BO_NO_TIME, a->id);
	memset(&s, 0, sizeof(s));
	bo__copy_id(s.sku, a->sku);
	bo__copy_id(s.customer, a->id);
	if ((rc = bo__next_sub_seq(t, &s.seq)) < 0)
		return rc;
	if ((rc = t->inv->st.sub_add(t->inv->sd, &s)) < 0)
		return bo__storage_fail(rc, "sub_add");
	it->rec.subscribers++;
	it->dirty = true;
	return BO_OK;
}

int bo_item_subscribe(bo_inventory *inv, const char *sku, const char *customer)
{
	item_args a = { sku, customer, NULL, 0, 0, NULL };
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(sku, "SKU")) < 0 || (rc = bo__check_id(customer, "customer id")) < 0)
		return rc;
	return bo__run(inv, op_subscribe, &a);
}
