/* The conformance workload (workload.h). */
#include "workload.h"

#include "helpers.h"



/* Item settings, by index (W_ITEM's q). */
static bo_item_settings item_settings(int64_t i)
{
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	switch (i) {
	case 1:
		s.fields = BO_ITEM_POLICY | BO_ITEM_LEAD_TIME;
		s.policy = "priority";
		s.lead_time = 5 * DAY;
		break;
	case 2:
		s.fields = BO_ITEM_BACKORDER;
		s.backorder = BO_BACKORDER_DENY;
		break;
	case 3:
		s.fields = BO_ITEM_POLICY | BO_ITEM_MAX_BACKORDER;
		s.policy = "fair";
		s.max_backorder = 20;
		break;
	case 4:
		s.fields = BO_ITEM_POLICY | BO_ITEM_RELEASE_AT | BO_ITEM_PREORDER_MAX;
		s.policy = "due";
		s.release_at = T0 + 3 * DAY;
		s.preorder_max = 10;
		break;
	case 5:
		s.fields = BO_ITEM_POLICY;
		s.policy = "smallest";
		break;
	case 6:
		s.fields = BO_ITEM_POLICY;
		s.policy = "priority";
		break;
	case 7:
		s.fields = BO_ITEM_LEAD_TIME;
		s.lead_time = 10 * DAY;
		break;
	default:
		break;
	}
	return s;
}

typedef struct ospec {
	int64_t priority, due;
	int mode;
	size_t n;
	bo_line_spec l[3];
} ospec;

static const ospec orders[] = {
	/* 0 */ { 1, BO_NO_TIME, BO_SHIP_PARTIAL, 2, { { "bolt", 4, BO_NO_PRICE }, { "gear", 3, 150 } } },
	/* 1 */ { 3, T0 + DAY, BO_SHIP_COMPLETE, 1, { { "gear", 5, 200 } } },
	/* 2 */ { 0, BO_NO_TIME, BO_SHIP_PARTIAL, 2, { { "bolt", 8, 10 }, { "disk", 6, BO_NO_PRICE } } },
	/* 3 */ { 0, T0 + 9 * DAY, BO_SHIP_PARTIAL, 2, { { "disk", 4, 99 }, { "tiny", 5, BO_NO_PRICE } } },
	/* 4 */ { 0, BO_NO_TIME, BO_SHIP_PARTIAL, 1, { { "cog", 4, BO_NO_PRICE } } },
	/* 5 */ { 0, BO_NO_TIME, BO_SHIP_PARTIAL, 1, { { "cog", 2, BO_NO_PRICE } } },
	/* 6 */ { 0, T0 + 5 * DAY, BO_SHIP_PARTIAL, 1, { { "game", 4, 6000 } } },
	/* 7 */ { 0, T0 + 4 * DAY, BO_SHIP_PARTIAL, 1, { { "game", 7, 6000 } } },
	/* 8 */ { 2, BO_NO_TIME, BO_SHIP_PARTIAL, 2, { { "tiny", 2, BO_NO_PRICE }, { "bolt", 1, BO_NO_PRICE } } },
	/* 9 */ { 1, BO_NO_TIME, BO_SHIP_PARTIAL, 1, { { "bolt", 4, BO_NO_PRICE } } },
	/* 10 */ { 0, BO_NO_TIME, BO_SHIP_PARTIAL, 1, { { "gear", 1, BO_NO_PRICE } } },
};

const wop workload[] = {
	{ W_DEFAULT_POLICY, 0, "fifo", NULL, 0, 0, BO_OK },
	{ W_CUSTOM_POLICY, 0, NULL, NULL, 0, 0, BO_OK },
	{ W_ITEM, 1, "bolt", NULL, 0, 0, BO_OK },
	{ W_ITEM, 1, "gear", NULL, 1, 0, BO_OK },
	{ W_ITEM, 1, "cog", NULL, 2, 0, BO_OK },
	{ W_ITEM, 1, "disk", NULL, 3, 0, BO_OK },
	{ W_ITEM, 1, "game", NULL, 4, 0, BO_OK },
	{ W_ITEM, 1, "tiny", NULL, 5, 0, BO_OK },
	{ W_RECEIVE, 60, "bolt", NULL, 10, 0, BO_OK },
	{ W_SUPPLY_SET, 60, "gear", "po-1", 6, T0 + 2 * DAY, BO_OK },
	{ W_SUPPLY_SET, 60, "gear", "po-2", 4, T0 + 4 * DAY, BO_OK },
	{ W_RECEIVE, 60, "cog", NULL, 3, 0, BO_OK },
	{ W_SUBSCRIBE, 60, "bolt", "alice", 0, 0, BO_OK },
	{ W_PLACE, 60, "A", NULL, 0, 0, BO_OK },
	{ W_PLACE, 60, "B", NULL, 1, 0, BO_OK },
	{ W_PLACE, 60, "C", NULL, 2, 0, BO_OK },
	{ W_PLACE, 60, "D", NULL, 3, 0, BO_OK },
	{ W_PLACE, 60, "E", NULL, 4, 0, BO_EOUTOFSTOCK },
	{ W_PLACE, 60, "E2", NULL, 5, 0, BO_OK },
	{ W_PLACE, 60, "F", NULL, 6, 0, BO_OK },
	{ W_PLACE, 60, "G", NULL, 7, 0, BO_EOUTOFSTOCK },
	{ W_PLACE, 60, "H", NULL, 8, 0, BO_OK },
	{ W_PLACE, 60, "A", NULL, 0, 0, BO_OK },
	{ W_PLACE, 60, "A", NULL, 9, 0, BO_EEXISTS },
	{ W_SUBSCRIBE, 60, "gear", "bob", 0, 0, BO_OK },
	{ W_RECEIVE, HOUR, "gear", "po-1", 5, 0, BO_OK },
	{ W_RECEIVE, HOUR, "disk", NULL, 7, 0, BO_OK },
	{ W_ADJUST, HOUR, "disk", NULL, -3, 0, BO_OK },
	{ W_ADJUST, HOUR, "bolt", NULL, 3, 0, BO_OK },
	{ W_SHIP, HOUR, "B", NULL, BO_ALL, 0, BO_OK },
	{ W_SHIP, HOUR, "A", "bolt", 2, 0, BO_OK },
	{ W_CANCEL, HOUR, "C", "bolt", 2, 0, BO_OK },
	{ W_MODIFY, HOUR, "D", "disk", 2, 0, BO_OK },
	{ W_MODIFY, HOUR, "H", "tiny", 4, 0, BO_OK },
	{ W_RECEIVE, HOUR, "tiny", NULL, 6, 0, BO_OK },
	{ W_RECEIVE, HOUR, "game", NULL, 5, 0, BO_OK },
	{ W_SHIP, HOUR, "F", NULL, BO_ALL, 0, BO_ESTATE },
	{ W_ADVANCE, 3 * DAY, NULL, NULL, 0, 0, BO_OK },
	{ W_SHIP, HOUR, "F", NULL, BO_ALL, 0, BO_OK },
	{ W_SUPPLY_REMOVE, HOUR, "gear", "po-2", 0, 0, BO_OK },
	{ W_ITEM, HOUR, "bolt", NULL, 6, 0, BO_OK },
	{ W_CANCEL, HOUR, "A", NULL, BO_ALL, 0, BO_OK },
	{ W_BATCH_COMMIT, HOUR, NULL, NULL, 0, 0, BO_OK },
	{ W_BATCH_ROLLBACK, HOUR, NULL, NULL, 0, 0, BO_OK },
	{ W_ITEM, HOUR, "gear", NULL, 7, 0, BO_OK },
	{ W_ADJUST, HOUR, "gear", NULL, -1, 0, BO_OK },
	{ W_MODIFY, HOUR, "E2", "cog", 1, 0, BO_OK },
	{ W_CANCEL, HOUR, "H", "tiny", 1, 0, BO_OK },
	{ W_SUBSCRIBE, HOUR, "tiny", "carol", 0, 0, BO_OK },
	{ W_SHIP, HOUR, "H", NULL, BO_ALL, 0, BO_OK },
	{ W_CANCEL, HOUR, "E2", NULL, BO_ALL, 0, BO_OK },
	{ W_CANCEL, HOUR, "E2", NULL, BO_ALL, 0, BO_ESTATE },
};
const size_t NWORK_ = sizeof(workload) / sizeof(workload[0]);
_Static_assert(sizeof(workload) / sizeof(workload[0]) <= WL_MAX, "WL_MAX too small");

/* VIP-less custom policy: the smallest line first. */
static int smallest_key(void *ud, const bo_line_view *line, int64_t key[BO_KEY_WORDS])
{
	(void)ud;
	key[0] = line->ordered;
	key[1] = 0;
	key[2] = 0;
	return 0;
}

/* batch support is optional for an adapter */
int wl_batch_unsupported;

static int place(bo_inventory *inv, const char *id, const ospec *o)
{
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;

	oo.priority = o->priority;
	oo.due = o->due;
	oo.ship_mode = o->mode;
	return bo_order_place(inv, id, &oo, o->l, o->n);
}

int run_op(bo_inventory *inv, const wop *w)
{
	int rc;

	switch (w->kind) {
	case W_DEFAULT_POLICY:
		return bo_inventory_set_default_policy(inv, w->a);
	case W_CUSTOM_POLICY: {
		bo_policy_methods m = BO_POLICY_METHODS_INIT;
		bo_policy *p = NULL;
		m.sort_key = smallest_key;
		rc = bo_policy_custom(&p, "smallest", &m, NULL);
		if (rc != BO_OK)
			return rc;
		rc = bo_inventory_add_policy(inv, p);
		bo_policy_free(p);
		return rc;
	}
	case W_ITEM: {
		bo_item_settings s = item_settings(w->q);
		return bo_item_set(inv, w->a, &s);
	}
	case W_RECEIVE:
		return bo_item_receive(inv, w->a, w->q, w->b);
	case W_ADJUST:
		return bo_item_adjust(inv, w->a, w->q);
	case W_SUPPLY_SET:
		return bo_supply_set(inv, w->a, w->b, w->q, w->r);
	case W_SUPPLY_REMOVE:
		return bo_supply_remove(inv, w->a, w->b);
	case W_SUBSCRIBE:
		return bo_item_subscribe(inv, w->a, w->b);
	case W_PLACE:
		return place(inv, w->a, &orders[w->q]);
	case W_CANCEL:
		return bo_order_cancel(inv, w->a, w->b, w->q);
	case W_MODIFY:
		return bo_order_modify(inv, w->a, w->b, w->q);
	case W_SHIP:
		return bo_order_ship(inv, w->a, w->b, w->q);
	case W_ADVANCE:
		return bo_inventory_advance(inv);
	case W_BATCH_COMMIT:
	case W_BATCH_ROLLBACK: {
		int r2;
		if (wl_batch_unsupported)
			return BO_OK;
		rc = bo_inventory_batch_begin(inv);
		if (rc != BO_OK)
			return rc;
		if (w->kind == W_BATCH_COMMIT) {
			rc = bo_item_receive(inv, "gear", 2, NULL);
			if (rc == BO_OK)
				rc = place(inv, "I", &orders[10]);
			if (rc == BO_OK)
				rc = bo_order_cancel(inv, "D", NULL, BO_ALL);
		} else {
			rc = bo_item_receive(inv, "bolt", 100, NULL);
			if (rc == BO_OK)
				rc = place(inv, "J", &orders[10]);
		}
		if (rc != BO_OK) {
			(void)bo_inventory_batch_end(inv, 0);
			return rc;
		}
		r2 = bo_inventory_batch_end(inv, w->kind == W_BATCH_COMMIT);
		return r2;
	}
	default:
		return BO_EINVALID;
	}
}

