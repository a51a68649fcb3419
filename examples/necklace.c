/*
 * necklace: why backorders matter, told as a shop owner would see it.
 *
 * Silver Fern, an online reseller of handmade jewellery, launches the
 * limited-edition "Aurora" necklace. It sells out by lunchtime. Instead of
 * turning customers away, the shop accepts backorders: each customer is
 * promised a date, the maker's delivery fills the waiting orders first
 * come first served, customers hear about every step, and when one
 * customer cancels, the next in line gets her necklace. A promised date
 * stands until the supply it rests on changes: time passing and later
 * orders do not move it.
 *
 * Everything below is ordinary calls to libbackorder; the program only
 * prints. The stock counts, the queue, the dates and every customer
 * message come from the library. A fixed clock makes every run the same.
 *
 *   necklace [STORE]      STORE: "memory" (default) or "sqlite:PATH"
 */
#include <backorder.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SKU "AURORA-NECKLACE"
#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)

/* The shop's clock: the story sets the time; the library reads it. */
struct story_clock {
	int64_t now;
};

static int64_t read_clock(void *user_data)
{
	return ((struct story_clock *)user_data)->now;
}

/* Who placed which order (the shop's own customer records). */
static const struct {
	const char *order_id;
	const char *name;
} customers[] = {
	{ "SF-1001", "Alice" }, { "SF-1002", "Ben" },   { "SF-1003", "Chloe" },
	{ "SF-1004", "Dan" },   { "SF-1005", "Emma" },  { "SF-1006", "Farid" },
	{ "SF-1007", "Gina" },
};

static const char *customer_of(const char *order_id)
{
	size_t i;

	if (order_id == NULL)
		return "?";
	for (i = 0; i < sizeof customers / sizeof customers[0]; i++)
		if (strcmp(customers[i].order_id, order_id) == 0)
			return customers[i].name;
	return order_id;
}

static const char *date_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char weekday[16], month[16];

	if (t == BO_NO_TIME) {
		snprintf(buf, len, "a date we do not know yet");
		return buf;
	}
	gmtime_r(&tt, &tm);
	strftime(weekday, sizeof weekday, "%A", &tm);
	strftime(month, sizeof month, "%B", &tm);
	snprintf(buf, len, "%s %d %s", weekday, tm.tm_mday, month);
	return buf;
}

static const char *clock_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%a %d %b %H:%M", &tm);
	return buf;
}

/* The notifier: the library hands it every event, in order; it turns each
 * into the message the customer receives. Returning 0 accepts the event. */
static int tell_customer(void *user_data, const bo_event *ev)
{
	char date[64];
	const char *who = customer_of(ev->order_id);
	(void)user_data;

	switch (ev->kind) {
	case BO_EVENT_ACCEPTED:
		printf("      to %s: \"Thank you! We have your order %s.\"\n", who, ev->order_id);
		break;
	case BO_EVENT_ALLOCATED:
		printf("      to %s: \"Good news: %lld necklace%s set aside for you.\"\n", who,
		       (long long)ev->qty, ev->qty == 1 ? " is" : "s are");
		break;
	case BO_EVENT_BACKORDERED:
		printf("      to %s: \"The Aurora is sold out for now. We have reserved your place in line;"
		       " expected %s.\"\n", who, date_text(ev->eta, date, sizeof date));
		break;
	case BO_EVENT_ETA_CHANGED:
		printf("      to %s: \"Update: your necklace is now expected %s.\"\n", who,
		       date_text(ev->eta, date, sizeof date));
		break;
	case BO_EVENT_READY:
		printf("      to %s: \"Your order is complete and will be posted shortly.\"\n", who);
		break;
	case BO_EVENT_SHIPPED:
		printf("      to %s: \"Your necklace is on its way!\"\n", who);
		break;
	case BO_EVENT_CANCELLED:
		printf("      to %s: \"Your order %s is cancelled; you have not been charged.\"\n", who,
		       ev->order_id);
		break;
	case BO_EVENT_BACK_IN_STOCK:
		printf("      to %s: \"The Aurora necklace is back in stock.\"\n", ev->customer);
		break;
	default:
		break;
	}
	return 0;
}

/* --- what the shop owner sees on the dashboard --------------------- */

static int print_place(void *user_data, const bo_waiting_line *line)
{
	char date[64];
	(void)user_data;

	printf("        %lld. %-6s %lld waiting, expected %s%s\n", (long long)line->position,
	       customer_of(line->order_id), (long long)line->backordered,
	       date_text(line->eta, date, sizeof date), line->late ? " (late: that date has passed)" : "");
	return 0;
}

static int show_stock(bo_inventory *inv)
{
	bo_item_status st;
	int rc = bo_item_status_get(&st, inv, SKU);

	if (rc != BO_OK)
		return rc;
	printf("    Shelf: %lld in the stockroom, %lld set aside for customers, %lld free to sell;"
	       " %lld on backorder, %lld on the way from the maker.\n",
	       (long long)st.on_hand, (long long)st.allocated, (long long)st.available,
	       (long long)st.backordered, (long long)st.incoming);
	if (st.waiting_lines > 0) {
		printf("    Waiting list (first come, first served):\n");
		rc = bo_item_waiting_foreach(inv, SKU, print_place, NULL);
	}
	return rc;
}

static void scene(struct story_clock *clk, int64_t at, const char *what)
{
	char when[64];

	clk->now = at;
	printf("\n[%s] %s\n", clock_text(at, when, sizeof when), what);
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "necklace: %s failed: %s (%s)\n", what, bo_strerror(rc), bo_last_error());
	return 1;
}

#define TRY(what, call) do { int rc_ = (call); if (rc_ != BO_OK) { status = fail(what, rc_); goto out; } } while (0)

static int buy(bo_inventory *inv, const char *order_id, int64_t qty)
{
	bo_line_spec line = { SKU, qty, 14500 }; /* 145.00 each */

	printf("    %s orders %lld (order %s).\n", customer_of(order_id), (long long)qty, order_id);
	return bo_order_place(inv, order_id, NULL, &line, 1);
}

int main(int argc, char **argv)
{
	const char *store = argc > 1 ? argv[1] : "memory";
	struct story_clock clk = { 0 };
	bo_options opts = BO_OPTIONS_INIT;
	bo_notifier notifier = BO_NOTIFIER_INIT;
	bo_item_settings settings = BO_ITEM_SETTINGS_INIT;
	bo_item_status st;
	bo_inventory *inv = NULL;
	int64_t launch = INT64_C(1772442000); /* Mon 2 March 2026, 09:00 UTC */
	int status = 0;

	if (argc > 2 || (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))) {
		fprintf(stderr, "usage: necklace [memory|sqlite:PATH]\n");
		return 2;
	}
	if (strncmp(store, "sqlite:", 7) == 0 && !bo_store_available("sqlite")) {
		printf("(This build of libbackorder has no SQLite store; the story runs in memory.)\n");
		store = "memory";
	}

	clk.now = launch;
	opts.clock = read_clock;
	opts.clock_data = &clk;
	if (bo_inventory_open_store(&inv, store, &opts) != BO_OK) {
		fprintf(stderr, "necklace: cannot open store \"%s\": %s\n", store, bo_last_error());
		return 2;
	}
	if (bo_item_status_get(&st, inv, SKU) == BO_OK) {
		fprintf(stderr, "necklace: store \"%s\" already holds this story; give a new one\n", store);
		bo_inventory_free(inv);
		return 2;
	}
	notifier.deliver = tell_customer;
	TRY("set notifier", bo_inventory_set_notifier(inv, &notifier, NULL));

	printf("Silver Fern Jewellery launches the limited-edition Aurora necklace (store: %s).\n", store);

	scene(&clk, launch, "Launch morning. The maker delivers the first 4 necklaces.");
	/* Allow backorders; the maker needs about three weeks for a new batch. */
	settings.fields = BO_ITEM_BACKORDER | BO_ITEM_LEAD_TIME;
	settings.backorder = BO_BACKORDER_ALLOW;
	settings.lead_time = 21 * DAY;
	TRY("create item", bo_item_set(inv, SKU, &settings));
	TRY("receive", bo_item_receive(inv, SKU, 4, NULL));
	TRY("show", show_stock(inv));

	scene(&clk, launch + 1 * HOUR, "The newsletter goes out. Orders arrive.");
	TRY("order", buy(inv, "SF-1001", 1));
	TRY("order", buy(inv, "SF-1002", 1));
	clk.now += 1800;
	TRY("order", buy(inv, "SF-1003", 2));
	TRY("show", show_stock(inv));
	printf("    Sold out before lunch. Rather than turn people away, the shop keeps taking orders.\n");

	scene(&clk, launch + 4 * HOUR, "The shop orders 3 more from the maker, promised for Monday 16 March.");
	TRY("incoming", bo_supply_set(inv, SKU, "PO-7", 3, launch + 14 * DAY));
	TRY("show", show_stock(inv));

	scene(&clk, launch + 6 * HOUR, "More orders, now backorders.");
	TRY("order", buy(inv, "SF-1004", 1));
	clk.now += 600;
	TRY("order", buy(inv, "SF-1005", 1));
	clk.now += 600;
	TRY("order", buy(inv, "SF-1006", 1));
	clk.now += 600;
	TRY("order", buy(inv, "SF-1007", 1));
	TRY("show", show_stock(inv));
	printf("    Gina is fourth in line and the delivery brings three, so her date comes from the"
	       " maker's lead time.\n");

	scene(&clk, launch + 1 * DAY, "The first customers' necklaces are posted.");
	TRY("ship", bo_order_ship(inv, "SF-1001", NULL, BO_ALL));
	TRY("ship", bo_order_ship(inv, "SF-1002", NULL, BO_ALL));
	TRY("ship", bo_order_ship(inv, "SF-1003", NULL, BO_ALL));
	TRY("show", show_stock(inv));

	scene(&clk, launch + 14 * DAY, "The maker's delivery arrives: 3 necklaces against PO-7.");
	TRY("receive", bo_item_receive(inv, SKU, 3, "PO-7"));
	printf("    Dan, Emma and Farid, first in line, are served. Gina keeps the date she was\n"
	       "    promised: it came from the maker's lead time, which has not changed, so she\n"
	       "    gets no new date.\n");
	TRY("show", show_stock(inv));

	scene(&clk, launch + 14 * DAY + 2 * HOUR, "Emma writes: she found another gift and cancels.");
	TRY("cancel", bo_order_cancel(inv, "SF-1005", NULL, BO_ALL));
	printf("    Her necklace goes to the next in line, Gina, at once.\n");
	TRY("show", show_stock(inv));

	scene(&clk, launch + 15 * DAY, "The backorders are posted.");
	TRY("ship", bo_order_ship(inv, "SF-1004", NULL, BO_ALL));
	TRY("ship", bo_order_ship(inv, "SF-1006", NULL, BO_ALL));
	TRY("ship", bo_order_ship(inv, "SF-1007", NULL, BO_ALL));
	TRY("show", show_stock(inv));

	TRY("status", bo_item_status_get(&st, inv, SKU));
	TRY("check", bo_inventory_check(inv));
	printf("\nThe launch in numbers: %lld necklaces ordered, %lld posted, %lld cancelled;"
	       " %lld of %lld sold from the shelf at once, the other %lld only because the shop took backorders.\n",
	       (long long)st.demand, (long long)st.shipped, (long long)st.cancelled,
	       (long long)st.filled_at_once, (long long)st.shipped,
	       (long long)(st.shipped - st.filled_at_once));
out:
	bo_inventory_free(inv);
	return status;
}
