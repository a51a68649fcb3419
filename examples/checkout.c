/*
 * checkout: a minimal shop checkout.
 *
 * The customer's cart becomes one order. libbackorder allocates what is on
 * the shelf at once and queues the rest; the confirmation page then shows,
 * per line, what ships now and what is backordered with its expected date.
 * An item the shop will not backorder (a limited edition) rejects the whole
 * checkout when the cart asks for more than the shelf holds, and nothing is
 * recorded.
 *
 *   checkout [SKU:QTY ...]     (default cart: TEA:2 TEAPOT:3 INFUSER:1 MUG:2)
 */
#include <backorder.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY INT64_C(86400)
#define MAX_LINES 16

static int64_t fixed_clock(void *user_data)
{
	return *(const int64_t *)user_data;
}

static const struct product {
	const char *sku;
	const char *name;
	int64_t price;          /* cents */
} catalogue[] = {
	{ "TEA", "Earl Grey, 250 g", 950 },
	{ "TEAPOT", "Blue stoneware teapot", 4200 },
	{ "INFUSER", "Steel tea infuser", 800 },
	{ "MUG", "Limited-edition mug", 1800 },
};

static const struct product *product(const char *sku)
{
	size_t i;

	for (i = 0; i < sizeof catalogue / sizeof catalogue[0]; i++)
		if (strcmp(catalogue[i].sku, sku) == 0)
			return &catalogue[i];
	return NULL;
}

static const char *date_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == BO_NO_TIME)
		return "date to follow";
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%A %d %B", &tm);
	return buf;
}

/* Stock the shop as it stands this morning. */
static int open_shop(bo_inventory **out, int64_t *now)
{
	bo_options opts = BO_OPTIONS_INIT;
	bo_item_settings deny = BO_ITEM_SETTINGS_INIT;
	bo_item_settings lead = BO_ITEM_SETTINGS_INIT;
	bo_inventory *inv = NULL;
	int rc;

	opts.clock = fixed_clock;
	opts.clock_data = now;
	rc = bo_inventory_open_store(&inv, "memory", &opts);
	if (rc != BO_OK)
		return rc;
	deny.fields = BO_ITEM_BACKORDER;
	deny.backorder = BO_BACKORDER_DENY;     /* when it is gone, it is gone */
	lead.fields = BO_ITEM_LEAD_TIME;
	lead.lead_time = 10 * DAY;              /* the supplier's usual lead time */
	if ((rc = bo_item_set(inv, "TEA", NULL)) != BO_OK
	    || (rc = bo_item_receive(inv, "TEA", 12, NULL)) != BO_OK
	    || (rc = bo_item_set(inv, "TEAPOT", NULL)) != BO_OK
	    || (rc = bo_item_receive(inv, "TEAPOT", 2, NULL)) != BO_OK
	    || (rc = bo_supply_set(inv, "TEAPOT", "PO-88", 10, *now + 9 * DAY)) != BO_OK
	    || (rc = bo_item_set(inv, "INFUSER", &lead)) != BO_OK
	    || (rc = bo_item_set(inv, "MUG", &deny)) != BO_OK
	    || (rc = bo_item_receive(inv, "MUG", 1, NULL)) != BO_OK) {
		bo_inventory_free(inv);
		return rc;
	}
	*out = inv;
	return BO_OK;
}

/* Parse "SKU:QTY" arguments into lines (prices from the catalogue). */
static int read_cart(bo_line_spec *lines, size_t *n, int argc, char **argv)
{
	static const char *const default_cart[] = { "TEA:2", "TEAPOT:3", "INFUSER:1", "MUG:2" };
	const char *const *items = argc > 1 ? (const char *const *)argv + 1 : default_cart;
	size_t count = argc > 1 ? (size_t)(argc - 1) : sizeof default_cart / sizeof default_cart[0];
	size_t i;

	if (count > MAX_LINES)
		return -1;
	for (i = 0; i < count; i++) {
		const char *colon = strchr(items[i], ':');
		const struct product *p;
		char sku[BO_ID_MAX + 1];
		char *end;

		if (colon == NULL || (size_t)(colon - items[i]) > BO_ID_MAX)
			return -1;
		memcpy(sku, items[i], (size_t)(colon - items[i]));
		sku[colon - items[i]] = '\0';
		p = product(sku);
		if (p == NULL)
			return -1;
		lines[i].sku = p->sku;
		lines[i].qty = strtoll(colon + 1, &end, 10);
		if (*end != '\0' || end == colon + 1)
			return -1;
		lines[i].unit_price = p->price;
	}
	*n = count;
	return 0;
}

/* The confirmation page: per line, what ships now and what waits. */
static int confirm(bo_inventory *inv, const char *order_id)
{
	bo_order *order = NULL;
	bo_line_status line;
	int64_t total = 0;
	int any_waiting = 0;
	size_t i;
	int rc = bo_order_get(&order, inv, order_id);

	if (rc != BO_OK)
		return rc;
	printf("Order %s confirmed.\n", bo_order_id(order));
	for (i = 0; i < bo_order_line_count(order); i++) {
		const struct product *p;
		char date[64];

		rc = bo_order_line(&line, order, i);
		if (rc != BO_OK)
			break;
		p = product(line.sku);
		printf("  %-24s x%-3lld ", p != NULL ? p->name : line.sku, (long long)line.ordered);
		if (line.backordered == 0)
			printf("ships now\n");
		else if (line.allocated == 0)
			printf("backordered, expected %s\n", date_text(line.eta, date, sizeof date));
		else
			printf("%lld ship%s now, %lld backordered, expected %s\n", (long long)line.allocated,
			       line.allocated == 1 ? "s" : "", (long long)line.backordered,
			       date_text(line.eta, date, sizeof date));
		any_waiting |= line.backordered > 0;
		if (line.unit_price != BO_NO_PRICE)
			total += line.ordered * line.unit_price;
	}
	if (rc == BO_OK) {
		printf("  Total %lld.%02lld\n", (long long)(total / 100), (long long)(total % 100));
		if (any_waiting)
			printf("We ship what is here now; the rest follows as soon as it arrives, at no extra postage.\n");
	}
	bo_order_free(order);
	return rc;
}

int main(int argc, char **argv)
{
	int64_t now = INT64_C(1772787600); /* Fri 6 March 2026, 09:00 UTC */
	bo_line_spec cart[MAX_LINES];
	size_t n = 0, i;
	bo_inventory *inv = NULL;
	int rc;

	if (read_cart(cart, &n, argc, argv) != 0) {
		fprintf(stderr, "usage: checkout [SKU:QTY ...]   (SKU one of TEA TEAPOT INFUSER MUG)\n");
		return 2;
	}
	if ((rc = open_shop(&inv, &now)) != BO_OK) {
		fprintf(stderr, "checkout: cannot open the shop: %s\n", bo_last_error());
		return 1;
	}

	printf("Checkout of order HT-5001:");
	for (i = 0; i < n; i++)
		printf(" %s x%lld", cart[i].sku, (long long)cart[i].qty);
	printf("\n");
	rc = bo_order_place(inv, "HT-5001", NULL, cart, n);
	if (rc == BO_EOUTOFSTOCK) {
		/* Nothing was recorded; tell the customer and let them fix the cart. */
		printf("Sorry, we cannot take this order: %s\n", bo_last_error());
		for (i = 0; i < n; i++) {
			bo_item_status st;

			if (bo_item_status_get(&st, inv, cart[i].sku) == BO_OK && st.backorder == BO_BACKORDER_DENY
			    && cart[i].qty > st.available) {
				printf("Only %lld left of \"%s\"; your cart now holds %lld.\n",
				       (long long)st.available, product(cart[i].sku)->name, (long long)st.available);
				cart[i].qty = st.available;
			}
		}
		/* Drop lines that became empty, then try again. */
		for (i = 0; i < n;) {
			if (cart[i].qty == 0) {
				memmove(&cart[i], &cart[i + 1], (n - i - 1) * sizeof cart[0]);
				n--;
			} else {
				i++;
			}
		}
		rc = n > 0 ? bo_order_place(inv, "HT-5001", NULL, cart, n) : BO_EINVALID;
	}
	if (rc == BO_OK)
		rc = confirm(inv, "HT-5001");
	if (rc != BO_OK)
		fprintf(stderr, "checkout: %s (%s)\n", bo_strerror(rc), bo_last_error());
	bo_inventory_free(inv);
	return rc == BO_OK ? 0 : 1;
}
