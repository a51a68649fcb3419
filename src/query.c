/* Queries: item status, iteration, waiting lines, order snapshots. */
#include "internal.h"

#include <stdlib.h>

struct bo_order {
	bo_order_rec rec;
	bo_line_rec *lines;
	int64_t now;    /* the time the snapshot was taken at: lines promised before it are late */
};

/* The time a query judges lateness by: the clock, or the inventory's time
 * if a call already ran later than the clock reads. */
static int query_now(bo_inventory *inv, int64_t *now)
{
	int64_t clock = bo__clock_now(inv);
	int rc = bo__meta_get_inv(inv, BO_MK_NOW, now, 0);
	if (rc == BO_OK && clock > *now)
		*now = clock;
	return rc;
}

static bool is_late(const bo_line_rec *l, int64_t now)
{
	return l->backordered > 0 && l->eta != BO_NO_TIME && l->eta < now;
}

static void fill_status(bo_item_status *out, const bo_item_rec *r, int64_t now)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->sku, r->sku, sizeof(out->sku));
	memcpy(out->policy, r->policy, sizeof(out->policy));
	out->on_hand = r->on_hand;
	out->allocated = r->allocated;
	out->available = r->on_hand - r->allocated;
	out->backordered = r->backordered;
	out->incoming = r->incoming;
	out->backorder = r->backorder;
	out->in_preorder = r->release_at != BO_NO_TIME && now < r->release_at;
	out->max_backorder = r->max_backorder;
	out->lead_time = r->lead_time;
	out->release_at = r->release_at;
	out->preorder_max = r->preorder_max;
	out->demand = r->demand;
	out->filled_at_once = r->filled_at_once;
	out->shipped = r->shipped;
	out->cancelled = r->cancelled;
	out->revenue_held = r->revenue_held;
	out->oldest_wait = BO_NO_TIME;
	out->subscribers = r->subscribers;
}

static int item_read(bo_inventory *inv, const char *sku, bo_item_rec *r)
{
	int rc = inv->st.item_get(inv->sd, sku, r, 0);
	if (rc == BO_ENOTFOUND)
		return bo__fail(BO_ENOTFOUND, "no item '%s'", sku);
	return rc < 0 ? bo__storage_fail(rc, "item_get") : BO_OK;
}

int bo_item_status_get(bo_item_status *out, bo_inventory *inv, const char *sku)
{
	bo_item_rec r;
	bo_queue_entry e;
	bo_queue_key after;
	int64_t now;
	int rc;
	if (!out || !inv)
		return bo__fail(BO_EINVALID, "NULL argument");
	if ((rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	BO_LOCK(inv);
	bo__error_reset_storage();
	if ((rc = item_read(inv, sku, &r)) < 0 || (rc = query_now(inv, &now)) < 0)
		goto out;
	fill_status(out, &r, now);
	for (rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, sku, NULL, &e); rc == BO_OK;
	     rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, sku, &after, &e)) {
		bo_line_rec l;
		after = e.key;
		out->waiting_lines++;
		if ((rc = bo__line_get(inv, e.order_id, e.index, &l)) < 0)
			break;
		if (out->oldest_wait == BO_NO_TIME || l.queue_time < out->oldest_wait)
			out->oldest_wait = l.queue_time;
		out->late_lines += is_late(&l, now);
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "queue_next");
out:
	BO_UNLOCK(inv);
	return rc;
}

int bo_item_foreach(bo_inventory *inv, bo_item_cb cb, void *user_data)
{
	bo_item_rec r;
	bo_item_status st;
	char after[BO_ID_MAX + 1] = "";
	int64_t now;
	int rc;
	if (!inv || !cb)
		return bo__fail(BO_EINVALID, "NULL argument");
	BO_LOCK(inv);
	bo__error_reset_storage();
	if ((rc = bo__meta_get_inv(inv, BO_MK_NOW, &now, 0)) < 0)
		goto out;
	while ((rc = inv->st.item_next(inv->sd, after[0] ? after : NULL, &r)) == BO_OK) {
		memcpy(after, r.sku, sizeof(after));
		fill_status(&st, &r, now);
		if ((rc = cb(user_data, &st)) != 0)
			goto out;
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "item_next");
out:
	BO_UNLOCK(inv);
	return rc;
}

int bo_item_waiting_foreach(bo_inventory *inv, const char *sku, bo_waiting_cb cb, void *user_data)
{
	bo_item_rec r;
	bo_queue_entry e;
	bo_queue_key after;
	bo_waiting_line w;
	int64_t ahead = 0, pos = 0, now;
	int rc;
	if (!inv || !cb)
		return bo__fail(BO_EINVALID, "NULL argument");
	if ((rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	BO_LOCK(inv);
	bo__error_reset_storage();
	if ((rc = item_read(inv, sku, &r)) < 0 || (rc = query_now(inv, &now)) < 0)
		goto out;
	for (rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, sku, NULL, &e); rc == BO_OK;
	     rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, sku, &after, &e)) {
		bo_line_rec l;
		after = e.key;
		if ((rc = bo__line_get(inv, e.order_id, e.index, &l)) < 0)
			break;
		w.order_id = l.order_id;
		w.sku = l.sku;
		w.position = ++pos;
		w.units_ahead = ahead;
		w.backordered = l.backordered;
		w.eta = l.eta;
		w.queue_time = l.queue_time;
		w.late = is_late(&l, now);
		ahead += l.backordered;
		if ((rc = cb(user_data, &w)) != 0)
			goto out;
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "queue_next");
out:
	BO_UNLOCK(inv);
	return rc;
}

int bo_supply_foreach(bo_inventory *inv, const char *sku, bo_supply_cb cb, void *user_data)
{
	bo_item_rec r;
	bo_supply_rec s, prev;
	int rc;
	bool first = true;
	if (!inv || !cb)
		return bo__fail(BO_EINVALID, "NULL argument");
	if ((rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	BO_LOCK(inv);
	bo__error_reset_storage();
	if ((rc = item_read(inv, sku, &r)) < 0)
		goto out;
	while ((rc = inv->st.supply_next(inv->sd, sku, first ? NULL : &prev, &s)) == BO_OK) {
		if (inv->st.version < 3)
			s.location[0] = '\0';
		bo_supply_info info = { s.sku, s.id, s.qty, s.expected, s.location[0] ? s.location : BO_LOCATION_MAIN };
		first = false;
		prev = s;
		if ((rc = cb(user_data, &info)) != 0)
			goto out;
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "supply_next");
out:
	BO_UNLOCK(inv);
	return rc;
}

/* ---------------------------------------------------------------- */

static int snapshot(bo_inventory *inv, const bo_order_rec *o, bo_order **out)
{
	int rc;
	bo_order *s = bo__calloc(1, sizeof(*s));
	if (!s)
		return bo__fail(BO_ESTORAGE, "out of memory");
	s->rec = *o;
	if ((rc = query_now(inv, &s->now)) < 0) {
		bo_free(s);
		return rc;
	}
	if (o->nlines) {
		s->lines = bo__calloc(o->nlines, sizeof(*s->lines));
		if (!s->lines) {
			bo_free(s);
			return bo__fail(BO_ESTORAGE, "out of memory");
		}
	}
	for (uint32_t i = 0; i < o->nlines; i++) {
		rc = bo__line_get(inv, o->id, i, &s->lines[i]);
		if (rc < 0) {
			bo_order_free(s);
			return bo__storage_fail(rc, "line_get");
		}
	}
	*out = s;
	return BO_OK;
}

int bo_order_get(bo_order **out, bo_inventory *inv, const char *order_id)
{
	bo_order_rec o;
	int rc;
	if (!out)
		return bo__fail(BO_EINVALID, "out is NULL");
	*out = NULL;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(order_id, "order id")) < 0)
		return rc;
	BO_LOCK(inv);
	bo__error_reset_storage();
	rc = inv->st.order_get(inv->sd, order_id, &o, 0);
	if (rc == BO_ENOTFOUND)
		rc = bo__fail(BO_ENOTFOUND, "no order '%s'", order_id);
	else if (rc < 0)
		rc = bo__storage_fail(rc, "order_get");
	else
		rc = snapshot(inv, &o, out);
	BO_UNLOCK(inv);
	return rc;
}

void bo_order_free(bo_order *order)
{
	if (!order)
		return;
	bo_free(order->lines);
	bo_free(order);
}

const char *bo_order_id(const bo_order *order) { return order ? order->rec.id : NULL; }
int64_t bo_order_priority(const bo_order *order) { return order ? order->rec.priority : 0; }
int64_t bo_order_due(const bo_order *order) { return order ? order->rec.due : BO_NO_TIME; }
int64_t bo_order_created(const bo_order *order) { return order ? order->rec.created : BO_NO_TIME; }
int bo_order_ship_mode(const bo_order *order) { return order ? order->rec.ship_mode : BO_SHIP_PARTIAL; }
size_t bo_order_line_count(const bo_order *order) { return order ? order->rec.nlines : 0; }

int bo_order_line(bo_line_status *out, const bo_order *order, size_t index)
{
	const bo_line_rec *l;
	if (!out || !order)
		return bo__fail(BO_EINVALID, "NULL argument");
	if (index >= order->rec.nlines)
		return bo__fail(BO_EINVALID, "line index %zu is out of range (%u lines)", index, order->rec.nlines);
	l = &order->lines[index];
	memset(out, 0, sizeof(*out));
	memcpy(out->sku, l->sku, sizeof(out->sku));
	out->ordered = l->ordered;
	out->allocated = l->allocated;
	out->backordered = l->backordered;
	out->shipped = l->shipped;
	out->cancelled = l->cancelled;
	out->unit_price = l->unit_price;
	out->eta = l->backordered > 0 ? l->eta : BO_NO_TIME;
	out->queue_time = l->queue_time;
	out->late = is_late(l, order->now);
	return BO_OK;
}

int bo_order_foreach(bo_inventory *inv, bo_order_cb cb, void *user_data)
{
	bo_order_rec o;
	char after[BO_ID_MAX + 1] = "";
	int rc;
	if (!inv || !cb)
		return bo__fail(BO_EINVALID, "NULL argument");
	BO_LOCK(inv);
	bo__error_reset_storage();
	while ((rc = inv->st.order_next(inv->sd, after[0] ? after : NULL, &o)) == BO_OK) {
		bo_order *s;
		memcpy(after, o.id, sizeof(after));
		if ((rc = snapshot(inv, &o, &s)) < 0)
			goto out;
		rc = cb(user_data, s);
		bo_order_free(s);
		if (rc != 0)
			goto out;
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "order_next");
out:
	BO_UNLOCK(inv);
	return rc;
}
