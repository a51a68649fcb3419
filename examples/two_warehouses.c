/*
 * A shop with two locations: a warehouse and the shop floor.
 *
 * Web orders take stock from the warehouse first (it has the lower rank),
 * then from the shop floor. An order that finds no stock anywhere waits in
 * one queue per item, not at a location: the units it waits for come from
 * whichever location restocks first. When units are set aside, the
 * `allocated` events name the location that holds them; the pick list of
 * each location is read per order line with bo_line_alloc_foreach(), and
 * each location ships what it holds with bo_order_ship_at().
 *
 * Build: cc two_warehouses.c $(pkg-config --cflags --libs libbackorder)
 * Run:   ./two_warehouses
 */
#include <stdio.h>
#include <string.h>

#include <backorder.h>

static const char *const locations[] = { "warehouse", "floor" };
#define NLOC 2

static const char *const orders[] = { "W-1", "W-2", "W-3", "W-4" };
#define NORDERS 4
static const char *const skus[] = { "MUG", "TEAPOT" };
#define NSKUS 2

static int on_event(void *user_data, const bo_event *ev)
{
	(void)user_data;
	switch (ev->kind) {
	case BO_EVENT_ALLOCATED:
		printf("  set aside: %s %s x%lld at %s\n", ev->order_id, ev->sku, (long long)ev->qty, ev->location);
		break;
	case BO_EVENT_BACKORDERED:
		printf("  waiting:   %s %s x%lld (no stock anywhere)\n", ev->order_id, ev->sku, (long long)ev->qty);
		break;
	case BO_EVENT_SHIPPED:
		printf("  shipped:   %s %s x%lld from %s\n", ev->order_id, ev->sku, (long long)ev->qty, ev->location);
		break;
	default:
		break;
	}
	return 0;
}

static int print_stock(void *user_data, const bo_stock *s)
{
	printf("  %-7s at %-9s %lld on hand, %lld set aside\n", (const char *)user_data, s->location,
	       (long long)s->on_hand, (long long)s->allocated);
	return 0;
}

static int stock(bo_inventory *inv)
{
	int rc = BO_OK;
	printf("Stock:\n");
	for (int i = 0; i < NSKUS && rc == BO_OK; i++)
		rc = bo_item_stock_foreach(inv, skus[i], print_stock, (void *)skus[i]);
	return rc;
}

/* The pick list of one location: the units each order line holds there. */
typedef struct pick {
	const char *location;
	const char *order_id;
	const char *sku;
	int64_t units;  /* units of this line at the location */
} pick;

static int add_pick(void *user_data, const bo_line_alloc *a)
{
	pick *p = user_data;
	if (strcmp(a->location, p->location) == 0)
		p->units += a->qty;
	return 0;
}

/* Units of order `o`'s line for `sku` allocated at `loc` (0 if none or no line). */
static int units_at(bo_inventory *inv, const char *o, const char *sku, const char *loc, int64_t *units)
{
	pick p = { loc, o, sku, 0 };
	int rc = bo_line_alloc_foreach(inv, o, sku, add_pick, &p);
	*units = p.units;
	return rc == BO_ENOTFOUND ? BO_OK : rc; /* the order has no line for this item */
}

static int pick_lists(bo_inventory *inv)
{
	for (int l = 0; l < NLOC; l++) {
		int lines = 0, rc;
		printf("Pick list, %s:\n", locations[l]);
		for (int o = 0; o < NORDERS; o++) {
			for (int s = 0; s < NSKUS; s++) {
				int64_t n;
				if ((rc = units_at(inv, orders[o], skus[s], locations[l], &n)) != BO_OK)
					return rc;
				if (n > 0) {
					printf("  %s: %s x%lld\n", orders[o], skus[s], (long long)n);
					lines++;
				}
			}
		}
		if (!lines)
			printf("  (nothing)\n");
	}
	return BO_OK;
}

/* Each location ships the units it holds for each order. */
static int ship_all(bo_inventory *inv)
{
	for (int l = 0; l < NLOC; l++) {
		int rc;
		printf("The %s ships:\n", locations[l]);
		for (int o = 0; o < NORDERS; o++) {
			int64_t held = 0;
			for (int s = 0; s < NSKUS; s++) {
				int64_t n;
				if ((rc = units_at(inv, orders[o], skus[s], locations[l], &n)) != BO_OK)
					return rc;
				held += n;
			}
			if (held > 0 && (rc = bo_order_ship_at(inv, orders[o], NULL, BO_ALL, locations[l])) != BO_OK)
				return rc;
		}
	}
	return BO_OK;
}

int main(void)
{
	bo_inventory *inv = NULL;
	bo_notifier notifier = BO_NOTIFIER_INIT;
	bo_line_spec w1[] = { { "MUG", 2, 1200 } };
	bo_line_spec w2[] = { { "MUG", 2, 1200 } };
	bo_line_spec w3[] = { { "TEAPOT", 1, 4500 } };
	bo_line_spec w4[] = { { "MUG", 1, 1200 }, { "TEAPOT", 1, 4500 } };
	int rc;

	if ((rc = bo_inventory_open_store(&inv, "memory", NULL)) != BO_OK)
		goto fail;
	notifier.deliver = on_event;
	if ((rc = bo_inventory_set_notifier(inv, &notifier, NULL)) != BO_OK)
		goto fail;

	printf("Two locations: the warehouse gives stock first (rank 10), then the shop floor (rank 20).\n");
	if ((rc = bo_location_set(inv, "warehouse", 10)) != BO_OK || (rc = bo_location_set(inv, "floor", 20)) != BO_OK ||
	    (rc = bo_item_set(inv, "MUG", NULL)) != BO_OK || (rc = bo_item_set(inv, "TEAPOT", NULL)) != BO_OK)
		goto fail;
	printf("2 mugs in the warehouse, 1 on the shop floor, no teapots.\n");
	if ((rc = bo_item_receive_at(inv, "MUG", 2, NULL, "warehouse")) != BO_OK ||
	    (rc = bo_item_receive_at(inv, "MUG", 1, NULL, "floor")) != BO_OK)
		goto fail;

	printf("\nOrders come in:\n");
	if ((rc = bo_order_place(inv, "W-1", NULL, w1, 1)) != BO_OK ||
	    (rc = bo_order_place(inv, "W-2", NULL, w2, 1)) != BO_OK ||
	    (rc = bo_order_place(inv, "W-3", NULL, w3, 1)) != BO_OK ||
	    (rc = bo_order_place(inv, "W-4", NULL, w4, 2)) != BO_OK)
		goto fail;

	printf("\nThe shop floor restocks first: 2 mugs arrive there.\n");
	if ((rc = bo_item_receive_at(inv, "MUG", 2, NULL, "floor")) != BO_OK)
		goto fail;
	printf("\nThen the warehouse: 3 teapots and 4 mugs.\n");
	if ((rc = bo_item_receive_at(inv, "TEAPOT", 3, NULL, "warehouse")) != BO_OK ||
	    (rc = bo_item_receive_at(inv, "MUG", 4, NULL, "warehouse")) != BO_OK)
		goto fail;
	printf("(nothing waits for the mugs any more: they stay on the shelf)\n\n");

	if ((rc = stock(inv)) != BO_OK || (rc = pick_lists(inv)) != BO_OK || (rc = ship_all(inv)) != BO_OK)
		goto fail;
	printf("\nAfter shipping:\n");
	if ((rc = stock(inv)) != BO_OK || (rc = bo_inventory_check(inv)) != BO_OK)
		goto fail;
	printf("All orders shipped; the invariants hold at every location.\n");
	bo_inventory_free(inv);
	return 0;
fail:
	fprintf(stderr, "error: %s: %s\n", bo_strerror(rc), bo_last_error());
	bo_inventory_free(inv);
	return 1;
}
