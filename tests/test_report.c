/*
 * Reports (issue 14): figures computed by hand for a small shop, compared
 * field by field and in every format (text, CSV, JSON, HTML) on every
 * adapter (memory, SQLite; PostgreSQL when BO_TEST_PG names a server),
 * which must also agree byte for byte; the period and the daily series;
 * the 90th percentile against the true one; a store without history (the
 * documented fallback); what a report reads (no order but the waiting
 * lines'); bad arguments.
 */
#include "helpers.h"
#include "adapters.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- output into a string ------------------------------------------ */

typedef struct strbuf {
	char *s;
	size_t n, cap;
	int refuse;     /* refuse every write */
	int writes;
} strbuf;

static int sb_write(void *ud, const char *data, size_t len)
{
	strbuf *b = ud;
	if (b->refuse)
		return 1;
	b->writes++;
	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->n + len + 1) * 2;
		char *p = realloc(b->s, cap);
		assert_non_null(p);
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, data, len);
	b->n += len;
	b->s[b->n] = '\0';
	return 0;
}

static char *render(const bo_report *r, int format)
{
	strbuf b = { NULL, 0, 0, 0, 0 };
	assert_ok(bo_report_write(r, format, sb_write, &b));
	assert_non_null(b.s);
	assert_int_equal(strlen(b.s), b.n);
	return b.s;
}

static void assert_contains(const char *hay, const char *needle)
{
	assert_non_null(hay);
	if (!strstr(hay, needle)) {
		print_error("expected to find\n%s\nin\n%s\n", needle, hay);
		fail();
	}
}

/* ---- the shop ------------------------------------------------------ */

#define D0 (T0 / DAY)
#define NOW (T0 + 5 * DAY)

/*
 * Day 0, 09:00: bolt has 5; A takes 3 of bolt (price 100); B 4 of bolt
 *   (2 at once, 2 wait) and 2 of gear (lead time 2 days; both wait).
 * Day 1, 10:00: C: 3 of gear (no price), 1 of nut (price 250): all wait;
 *   1 of C's gear cancelled (lost demand).
 * Day 2, 12:00: 2 bolt and 2 gear arrive: B's lines are filled, each after
 *   2 days 3 hours (183600 s). gear gets supply po-9 of 1 for day 20.
 * Report at day 5, 00:00.
 */
static void build_shop(bo_inventory *inv, th_clock *clk)
{
	bo_item_settings lead = BO_ITEM_SETTINGS_INIT;
	bo_line_spec a[] = { { "bolt", 3, 100 } };
	bo_line_spec b[] = { { "bolt", 4, 100 }, { "gear", 2, 500 } };
	bo_line_spec c[] = { { "gear", 3, BO_NO_PRICE }, { "nut", 1, 250 } };

	clk->now = T0 + 9 * HOUR;
	lead.fields = BO_ITEM_LEAD_TIME;
	lead.lead_time = 2 * DAY;
	assert_ok(bo_item_set(inv, "bolt", NULL));
	assert_ok(bo_item_set(inv, "gear", &lead));
	assert_ok(bo_item_set(inv, "nut", NULL));
	assert_ok(bo_item_receive(inv, "bolt", 5, NULL));
	assert_ok(bo_order_place(inv, "A", NULL, a, 1));
	assert_ok(bo_order_place(inv, "B", NULL, b, 2));
	clk->now = T0 + DAY + 10 * HOUR;
	assert_ok(bo_order_place(inv, "C", NULL, c, 2));
	assert_ok(bo_order_cancel(inv, "C", "gear", 1));
	clk->now = T0 + 2 * DAY + 12 * HOUR;
	assert_ok(bo_item_receive(inv, "bolt", 2, NULL));
	assert_ok(bo_item_receive(inv, "gear", 2, NULL));
	assert_ok(bo_supply_set(inv, "gear", "po-9", 1, T0 + 20 * DAY));
	clk->now = NOW;
}

static const char csv_all[] =
	"sku,on_hand,allocated,available,backordered,waiting_lines,incoming,shortfall,revenue_held,"
	"oldest_wait_days,fill_rate,late_lines\n"
	"bolt,7,7,0,0,0,0,0,0,,0.714,0\n"
	"gear,2,2,0,2,1,1,1,0,3,0.000,1\n"
	"nut,0,0,0,1,1,0,1,250,3,0.000,0\n";

typedef struct want_item {
	const char *sku;
	int64_t on_hand, allocated, available, backordered, lines, incoming, shortfall, revenue;
	int64_t oldest_days, fill_ordered, fill_at_once, late;
	int64_t ordered, backordered_p, cancelled, filled, wait_avg, wait_p90, rank;
} want_item;

static const want_item want_all[] = {
	{ "bolt", 7, 7, 0, 0, 0, 0, 0, 0, -1, 7, 5, 0, 7, 2, 0, 1, 183600, 183600, 3 },
	{ "gear", 2, 2, 0, 2, 1, 1, 1, 0, 3, 5, 0, 1, 5, 5, 1, 1, 183600, 183600, 2 },
	{ "nut", 0, 0, 0, 1, 1, 0, 1, 250, 3, 1, 0, 0, 1, 1, 0, 0, BO_NO_TIME, BO_NO_TIME, 1 },
};

static void check_item(const bo_report_item *it, const want_item *w)
{
	assert_string_equal(it->sku, w->sku);
	assert_i64(it->on_hand, w->on_hand);
	assert_i64(it->allocated, w->allocated);
	assert_i64(it->available, w->available);
	assert_i64(it->backordered, w->backordered);
	assert_i64(it->waiting_lines, w->lines);
	assert_i64(it->incoming, w->incoming);
	assert_i64(it->shortfall, w->shortfall);
	assert_i64(it->revenue_held, w->revenue);
	assert_i64(it->oldest_wait_days, w->oldest_days);
	assert_i64(it->fill_ordered, w->fill_ordered);
	assert_i64(it->fill_at_once, w->fill_at_once);
	if (w->fill_ordered > 0)
		assert_true(it->fill_rate * (double)w->fill_ordered == (double)w->fill_at_once ||
			    (it->fill_rate - (double)w->fill_at_once / (double)w->fill_ordered) *
					    (it->fill_rate - (double)w->fill_at_once / (double)w->fill_ordered) < 1e-24);
	else
		assert_true(it->fill_rate == -1.0);
	assert_i64(it->late_lines, w->late);
	assert_i64(it->ordered, w->ordered);
	assert_i64(it->period_backordered, w->backordered_p);
	assert_i64(it->cancelled, w->cancelled);
	assert_i64(it->filled_lines, w->filled);
	assert_i64(it->wait_avg, w->wait_avg);
	assert_i64(it->wait_p90, w->wait_p90);
	assert_i64(it->need_rank, w->rank);
}

static bo_inventory *open_on(const ta_adapter *ad, th_clock *clk)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;
	assert_ok(ad->make(&vt, &ud));
	return th_open_with(vt, ud, clk, NULL, 0);
}

/* Every format of every adapter, for the comparison across adapters. */
static char *outputs[TA_MAX_ADAPTERS][4];

static void test_figures(void **state)
{
	const ta_adapter *ad = *state;
	size_t ai = (size_t)(ad - ta_adapters);
	th_clock clk = { T0 };
	bo_inventory *inv = open_on(ad, &clk);
	bo_report *r = NULL;
	bo_report_item it = BO_REPORT_ITEM_INIT;
	bo_report_day d;
	char *s;

	build_shop(inv, &clk);
	assert_ok(bo_report_make(&r, inv, NULL));
	assert_i64(bo_report_now(r), NOW);
	assert_i64(bo_report_since(r), BO_NO_TIME);
	assert_int_equal(bo_report_has_history(r), 1);
	assert_int_equal(bo_report_item_count(r), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_ok(bo_report_item_get(&it, r, i));
		check_item(&it, &want_all[i]);
	}
	/* ageing: C's two lines waited 3 days 14 hours */
	assert_ok(bo_report_item_get(&it, r, 1));
	assert_i64(it.ageing[2], 1);
	assert_i64(it.ageing[0] + it.ageing[1] + it.ageing[3] + it.ageing[4] + it.ageing[5], 0);
	assert_i64(it.oldest_wait, T0 + DAY + 10 * HOUR);
	/* totals */
	assert_ok(bo_report_item_get(&it, r, BO_REPORT_TOTAL));
	assert_string_equal(it.sku, "");
	assert_i64(it.on_hand, 9);
	assert_i64(it.backordered, 3);
	assert_i64(it.waiting_lines, 2);
	assert_i64(it.shortfall, 2);
	assert_i64(it.revenue_held, 250);
	assert_i64(it.late_lines, 1);
	assert_i64(it.fill_ordered, 13);
	assert_i64(it.fill_at_once, 5);
	assert_i64(it.ordered, 13);
	assert_i64(it.period_backordered, 8);
	assert_i64(it.cancelled, 1);
	assert_i64(it.filled_lines, 2);
	assert_i64(it.wait_avg, 183600);
	assert_i64(it.wait_p90, 183600);
	assert_i64(it.ageing[2], 2);
	assert_i64(it.need_rank, 0);
	/* daily series */
	assert_int_equal(bo_report_day_count(r, 0), 2); /* bolt: day 0, day 2 */
	assert_ok(bo_report_day_get(&d, r, 0, 0));
	assert_i64(d.day, T0);
	assert_i64(d.ordered, 7);
	assert_i64(d.backordered, 2);
	assert_ok(bo_report_day_get(&d, r, 0, 1));
	assert_i64(d.day, T0 + 2 * DAY);
	assert_i64(d.ordered, 0);
	assert_i64(d.filled_lines, 1);
	assert_int_equal(bo_report_day_count(r, 1), 3); /* gear: days 0, 1, 2 */
	assert_ok(bo_report_day_get(&d, r, 1, 1));
	assert_i64(d.day, T0 + DAY);
	assert_i64(d.ordered, 3);
	assert_i64(d.backordered, 3);
	assert_i64(d.cancelled, 1);
	assert_int_equal(bo_report_day_count(r, 2), 1); /* nut: day 1 */
	assert_int_equal(bo_report_day_count(r, BO_REPORT_TOTAL), 3);
	assert_ok(bo_report_day_get(&d, r, BO_REPORT_TOTAL, 0));
	assert_i64(d.ordered, 9);
	assert_i64(d.backordered, 4);
	assert_ok(bo_report_day_get(&d, r, BO_REPORT_TOTAL, 1));
	assert_i64(d.ordered, 4);
	assert_i64(d.backordered, 4);
	assert_i64(d.cancelled, 1);
	assert_ok(bo_report_day_get(&d, r, BO_REPORT_TOTAL, 2));
	assert_i64(d.filled_lines, 2);
	assert_rc(bo_report_day_get(&d, r, BO_REPORT_TOTAL, 3), BO_EINVALID);

	/* CSV: exactly */
	s = render(r, BO_REPORT_CSV);
	assert_string_equal(s, csv_all);
	outputs[ai][BO_REPORT_CSV] = s;
	/* text: most in need first, the advice */
	s = render(r, BO_REPORT_TEXT);
	assert_contains(s, "Backorder report at 2026-01-06T00:00:00Z; period: all history\n");
	assert_contains(s, "3 items; 3 units wait in 2 lines (1 late); 2 units short; revenue held 250; fill rate 0.385\n");
	assert_true(strstr(s, "\nnut ") < strstr(s, "\ngear ") && strstr(s, "\ngear ") < strstr(s, "\nbolt "));
	assert_contains(s, "  nut: order 1 now\n  gear: order 1 now\n");
	assert_contains(s, "\ngear         5            5          1             1            2.1            2.1\n"
			   "nut          1            1          0             0              -              -\n"
			   "(all)       13            8          1             2            2.1            2.1\n");
	outputs[ai][BO_REPORT_TEXT] = s;
	/* JSON: the figures, the period, the series */
	s = render(r, BO_REPORT_JSON);
	assert_contains(s, "\"now\": \"2026-01-06T00:00:00Z\",\n  \"since\": null,\n  \"history\": true,");
	assert_contains(s, "\"sku\": \"gear\",\n      \"need_rank\": 2,\n      \"on_hand\": 2,");
	assert_contains(s, "\"fill_rate\": 0.714,");
	assert_contains(s, "\"period\": {\"ordered\": 5, \"backordered\": 5, \"cancelled\": 1, \"filled_lines\": 1, "
			   "\"wait_avg_seconds\": 183600, \"wait_avg_days\": 2.1, \"wait_p90_seconds\": 183600, "
			   "\"wait_p90_days\": 2.1}");
	assert_contains(s, "{\"day\": \"2026-01-02\", \"ordered\": 3, \"backordered\": 3, \"cancelled\": 1, "
			   "\"filled_lines\": 0}");
	outputs[ai][BO_REPORT_JSON] = s;
	/* HTML: one page, no script, the advice, three charts */
	s = render(r, BO_REPORT_HTML);
	assert_true(strncmp(s, "<!DOCTYPE html>\n", 16) == 0);
	assert_contains(s, "</html>\n");
	assert_null(strstr(s, "<script"));
	/* nothing from elsewhere (the SVG namespace is a name, not a load) */
	assert_null(strstr(s, "src="));
	assert_null(strstr(s, "href"));
	assert_null(strstr(s, "url("));
	assert_null(strstr(s, "@import"));
	assert_contains(s, "order 1 now");
	assert_contains(s, "<svg id=\"chart-waiting\"");
	assert_contains(s, "<svg id=\"chart-ageing\"");
	assert_contains(s, "<svg id=\"chart-daily\"");
	assert_contains(s, "<td class=\"sku\">nut</td>");
	outputs[ai][BO_REPORT_HTML] = s;
	bo_report_free(r);

	/* The period from day 1 on. */
	{
		bo_report_options o = BO_REPORT_OPTIONS_INIT;
		o.since = T0 + DAY + 5 * HOUR; /* its day */
		assert_ok(bo_report_make(&r, inv, &o));
		assert_i64(bo_report_since(r), T0 + DAY);
		assert_ok(bo_report_item_get(&it, r, 0)); /* bolt */
		assert_i64(it.ordered, 0);
		assert_i64(it.filled_lines, 1);
		assert_i64(it.fill_ordered, 7); /* the fill rate is of all history */
		assert_int_equal(bo_report_day_count(r, 0), 1);
		assert_ok(bo_report_item_get(&it, r, 1)); /* gear */
		assert_i64(it.ordered, 3);
		assert_i64(it.period_backordered, 3);
		assert_i64(it.cancelled, 1);
		assert_int_equal(bo_report_day_count(r, BO_REPORT_TOTAL), 2);
		s = render(r, BO_REPORT_CSV);
		assert_string_equal(s, csv_all); /* the CSV has no period figures */
		free(s);
		s = render(r, BO_REPORT_TEXT);
		assert_contains(s, "period: from 2026-01-02\n");
		free(s);
		bo_report_free(r);
	}
	th_close(inv);
}

/* ---- locations ----------------------------------------------------- */

/*
 * Locations main (rank 0), wh (10), floor (20). A orders 6 bolts (they
 * wait); 5 arrive at wh, then 2 at floor: A gets 5 at wh, then 1 at floor.
 * gear: 3 at main; B orders 1 (from main). nut: no stock; C orders 1 (it
 * waits). Stock per location: main 3/1, wh 5/5, floor 2/1.
 */
static const char json_locations[] =
	"  \"items_count\": 3,\n"
	"  \"locations\": [\n"
	"    {\"id\": \"main\", \"rank\": 0},\n"
	"    {\"id\": \"wh\", \"rank\": 10},\n"
	"    {\"id\": \"floor\", \"rank\": 20}\n"
	"  ],\n"
	"  \"totals\": {\n";
static const char json_total_stock[] =
	"    \"stock_by_location\": [\n"
	"      {\"location\": \"main\", \"on_hand\": 3, \"allocated\": 1, \"available\": 2},\n"
	"      {\"location\": \"wh\", \"on_hand\": 5, \"allocated\": 5, \"available\": 0},\n"
	"      {\"location\": \"floor\", \"on_hand\": 2, \"allocated\": 1, \"available\": 1}\n"
	"    ],\n"
	"    \"days\": [";
static const char json_bolt_stock[] =
	"      \"stock_by_location\": [\n"
	"        {\"location\": \"wh\", \"on_hand\": 5, \"allocated\": 5, \"available\": 0},\n"
	"        {\"location\": \"floor\", \"on_hand\": 2, \"allocated\": 1, \"available\": 1}\n"
	"      ],\n"
	"      \"days\": [";
static const char json_gear_stock[] =
	"      \"stock_by_location\": [\n"
	"        {\"location\": \"main\", \"on_hand\": 3, \"allocated\": 1, \"available\": 2}\n"
	"      ],\n"
	"      \"days\": [";
static const char json_nut_stock[] =
	"      \"stock_by_location\": [],\n"
	"      \"days\": [";

static void check_loc(const bo_report *r, size_t item, size_t index, const char *id, int64_t rank, int64_t on_hand,
		      int64_t allocated)
{
	bo_report_location l;
	memset(&l, 0xab, sizeof(l));
	assert_ok(bo_report_item_location_get(&l, r, item, index));
	assert_string_equal(l.location, id);
	assert_i64(l.rank, rank);
	assert_i64(l.on_hand, on_hand);
	assert_i64(l.allocated, allocated);
	assert_i64(l.available, on_hand - allocated);
}

static void test_locations(void **state)
{
	const ta_adapter *ad = *state;
	th_clock clk = { T0 };
	bo_inventory *inv = open_on(ad, &clk);
	bo_line_spec a[] = { { "bolt", 6, 100 } };
	bo_line_spec b[] = { { "gear", 1, 500 } };
	bo_line_spec c[] = { { "nut", 1, 250 } };
	bo_report *r = NULL;
	bo_report_location l;
	char *s, *before[4];
	int rc;

	assert_ok(bo_item_set(inv, "bolt", NULL));
	assert_ok(bo_item_set(inv, "gear", NULL));
	assert_ok(bo_item_set(inv, "nut", NULL));
	assert_ok(bo_item_receive(inv, "gear", 3, NULL));
	/* "main" alone: "main" listed in C, nothing added to the outputs */
	assert_ok(bo_report_make(&r, inv, NULL));
	assert_int_equal(bo_report_item_location_count(r, 0), 0); /* bolt: nothing anywhere */
	assert_int_equal(bo_report_item_location_count(r, 1), 1);
	check_loc(r, 1, 0, "main", 0, 3, 0);
	assert_int_equal(bo_report_item_location_count(r, BO_REPORT_TOTAL), 1);
	check_loc(r, BO_REPORT_TOTAL, 0, "main", 0, 3, 0);
	for (int f = 0; f < 4; f++)
		before[f] = render(r, f);
	assert_null(strstr(before[BO_REPORT_JSON], "location"));
	assert_null(strstr(before[BO_REPORT_HTML], "location"));
	assert_null(strstr(before[BO_REPORT_HTML], "table.loc"));
	assert_null(strstr(before[BO_REPORT_TEXT], "location"));
	bo_report_free(r);

	rc = bo_location_set(inv, "wh", 10);
	if (rc == BO_ESTATE && strcmp(ad->name, "memory") != 0) {
		for (int f = 0; f < 4; f++)
			free(before[f]);
		th_close(inv);
		skip(); /* this adapter keeps no locations yet */
	}
	assert_ok(rc);
	assert_ok(bo_location_set(inv, "floor", 20));
	assert_ok(bo_order_place(inv, "A", NULL, a, 1)); /* waits; filled as the bolts arrive */
	assert_ok(bo_item_receive_at(inv, "bolt", 5, NULL, "wh"));
	assert_ok(bo_item_receive_at(inv, "bolt", 2, NULL, "floor"));
	assert_ok(bo_order_place(inv, "B", NULL, b, 1));
	assert_ok(bo_order_place(inv, "C", NULL, c, 1));
	assert_ok(bo_inventory_check(inv));
	assert_ok(bo_report_make(&r, inv, NULL));

	/* C: in location order, only where units are held or allocated */
	assert_int_equal(bo_report_item_location_count(r, 0), 2);
	check_loc(r, 0, 0, "wh", 10, 5, 5);
	check_loc(r, 0, 1, "floor", 20, 2, 1);
	assert_int_equal(bo_report_item_location_count(r, 1), 1);
	check_loc(r, 1, 0, "main", 0, 3, 1);
	assert_int_equal(bo_report_item_location_count(r, 2), 0);
	assert_int_equal(bo_report_item_location_count(r, BO_REPORT_TOTAL), 3);
	check_loc(r, BO_REPORT_TOTAL, 0, "main", 0, 3, 1);
	check_loc(r, BO_REPORT_TOTAL, 1, "wh", 10, 5, 5);
	check_loc(r, BO_REPORT_TOTAL, 2, "floor", 20, 2, 1);
	assert_rc(bo_report_item_location_get(&l, r, 0, 2), BO_EINVALID);
	assert_rc(bo_report_item_location_get(&l, r, 2, 0), BO_EINVALID);
	assert_rc(bo_report_item_location_get(&l, r, 3, 0), BO_EINVALID);
	assert_rc(bo_report_item_location_get(NULL, r, 0, 0), BO_EINVALID);
	assert_rc(bo_report_item_location_get(&l, NULL, 0, 0), BO_EINVALID);
	assert_int_equal(bo_report_item_location_count(NULL, 0), 0);
	assert_int_equal(bo_report_item_location_count(r, 3), 0);
	assert_int_equal(bo_report_location_size(), sizeof(bo_report_location));

	/* CSV: one row per item, exactly as specified */
	s = render(r, BO_REPORT_CSV);
	assert_string_equal(s, "sku,on_hand,allocated,available,backordered,waiting_lines,incoming,shortfall,"
			       "revenue_held,oldest_wait_days,fill_rate,late_lines\n"
			       "bolt,7,6,1,0,0,0,0,0,,0.000,0\n"
			       "gear,3,1,2,0,0,0,0,0,,1.000,0\n"
			       "nut,0,0,0,1,1,0,1,250,0,0.000,0\n");
	free(s);
	/* JSON: the locations, the totals' and every item's stock per location */
	s = render(r, BO_REPORT_JSON);
	assert_contains(s, json_locations);
	assert_contains(s, json_total_stock);
	assert_contains(s, json_bolt_stock);
	assert_contains(s, json_gear_stock);
	assert_contains(s, json_nut_stock);
	assert_contains(s, "\"sku\": \"bolt\",\n      \"need_rank\": 2,\n      \"on_hand\": 7,\n      \"allocated\": 6,");
	free(s);
	/* HTML: a per-location table, the totals at every location, then the items */
	s = render(r, BO_REPORT_HTML);
	assert_contains(s, "}\ntd.loc{text-align:left;white-space:normal;word-break:break-all}\n"); /* after the usual style */
	assert_contains(s, "table.loc thead{display:none}\n");
	assert_contains(s, "table.loc td:first-child::before{content:none}\n}\n</style>\n");
	assert_contains(s, "<section id=\"locations\">\n<h2>Stock per location</h2>\n<table class=\"loc\" id=\"loc-totals\">");
	assert_contains(s, "<tr><td class=\"loc\">main</td><td data-label=\"Rank\">0</td><td data-label=\"On hand\">3</td>"
			   "<td data-label=\"Allocated\">1</td><td data-label=\"Available\">2</td></tr>\n"
			   "<tr><td class=\"loc\">wh</td><td data-label=\"Rank\">10</td><td data-label=\"On hand\">5</td>"
			   "<td data-label=\"Allocated\">5</td><td data-label=\"Available\">0</td></tr>\n"
			   "<tr><td class=\"loc\">floor</td><td data-label=\"Rank\">20</td><td data-label=\"On hand\">2</td>"
			   "<td data-label=\"Allocated\">1</td><td data-label=\"Available\">1</td></tr>\n</tbody>");
	assert_contains(s, "<table class=\"loc\" id=\"loc-items\">");
	/* items most in need first (nut has no stock; bolt before gear by SKU) */
	assert_contains(s, "<tr><td class=\"sku\">bolt</td><td data-label=\"Location\" class=\"loc\">wh</td>"
			   "<td data-label=\"On hand\">5</td><td data-label=\"Allocated\">5</td>"
			   "<td data-label=\"Available\">0</td></tr>\n"
			   "<tr><td class=\"sku\">bolt</td><td data-label=\"Location\" class=\"loc\">floor</td>"
			   "<td data-label=\"On hand\">2</td><td data-label=\"Allocated\">1</td>"
			   "<td data-label=\"Available\">1</td></tr>\n"
			   "<tr><td class=\"sku\">gear</td><td data-label=\"Location\" class=\"loc\">main</td>"
			   "<td data-label=\"On hand\">3</td><td data-label=\"Allocated\">1</td>"
			   "<td data-label=\"Available\">2</td></tr>\n</tbody>");
	assert_null(strstr(s, "<script"));
	free(s);
	/* text: one line of stock per location */
	s = render(r, BO_REPORT_TEXT);
	assert_contains(s, "fill rate 0.125\nStock per location (on hand/allocated): main 3/1, wh 5/5, floor 2/1\n\n");
	free(s);
	bo_report_free(r);
	for (int f = 0; f < 4; f++)
		free(before[f]);
	th_close(inv);
}

/* Every adapter wrote the same report, in every format. */
static void test_adapters_agree(void **state)
{
	(void)state;
	for (size_t a = 1; a < ta_nadapters; a++) {
		for (int f = 0; f < 4; f++) {
			if (!outputs[a][f] || !outputs[0][f])
				continue;
			if (strcmp(outputs[a][f], outputs[0][f]) != 0) {
				print_error("format %d: %s differs from %s\n--- %s\n%s--- %s\n%s", f, ta_adapters[a].name,
					    ta_adapters[0].name, ta_adapters[0].name, outputs[0][f], ta_adapters[a].name,
					    outputs[a][f]);
				fail();
			}
		}
	}
}

/* ---- memory-only tests -------------------------------------------- */

/* The 90th percentile of many waits, against the true one; the average exact. */
/* Item "mug" and `n` single-unit orders o00, o01, ... of it, order i
 * placed at T0 + i * 97 minutes; nothing in stock, so each waits. */
static void place_mugs(bo_inventory *inv, th_clock *clk, int n)
{
	assert_ok(bo_item_set(inv, "mug", NULL));
	for (int i = 0; i < n; i++) {
		char id[16];
		clk->now = T0 + (int64_t)i * 97 * 60;
		snprintf(id, sizeof(id), "o%02d", i);
		assert_ok(th_place(inv, id, "mug", 1, 0, BO_NO_TIME));
	}
}

static void test_p90(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv;
	bo_report *r = NULL;
	bo_report_item it = BO_REPORT_ITEM_INIT;
	int64_t waits[40], sum = 0;
	const int n = 40;
	(void)state;

	inv = th_open(&clk, NULL, 0);
	place_mugs(inv, &clk, n); /* line i is placed at T0 + i * 97 minutes... */
	/* ... and all are filled at once, 9 days after the first */
	clk.now = T0 + 9 * DAY;
	assert_ok(bo_item_receive(inv, "mug", n, NULL));
	for (int i = 0; i < n; i++) {
		waits[i] = 9 * DAY - (int64_t)i * 97 * 60;
		sum += waits[i];
	}
	assert_ok(bo_report_make(&r, inv, NULL));
	assert_ok(bo_report_item_get(&it, r, 0));
	assert_i64(it.filled_lines, n);
	assert_i64(it.wait_avg, sum / n);
	{
		/* nearest rank: the 36th smallest of 40 = the 5th largest = line 4's */
		int64_t truth = waits[4];
		int b = bo_hist_bucket(truth);
		assert_true(it.wait_p90 >= bo_hist_bucket_floor(b));
		assert_true(b == BO_HIST_WAIT_BUCKETS - 1 || it.wait_p90 < bo_hist_bucket_floor(b + 1));
		assert_true(it.wait_p90 * 2 <= truth * 3 && truth * 2 <= it.wait_p90 * 3); /* within 1.5x */
		assert_true(it.wait_p90 <= waits[0]);
	}
	bo_report_free(r);
	th_close(inv);
}

/* The same fills, one call each, with and without a batch (whose calls
 * keep their item slots from call to call): the same period figures. A
 * slot whose wait buckets were not cleared after a call counted that
 * call's fills again in the next one. */
static void p90_run(bool batch, bo_report_item *out)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 0);
	bo_report *r = NULL;
	const int n = 40;

	place_mugs(inv, &clk, n);
	if (batch)
		assert_ok(bo_inventory_batch_begin(inv));
	for (int i = 0; i < n; i++) { /* line i waits (i + 1)^2 hours: many buckets */
		clk.now = T0 + (int64_t)i * 97 * 60 + (int64_t)(i + 1) * (i + 1) * 3600;
		assert_ok(bo_item_receive(inv, "mug", 1, NULL));
	}
	if (batch)
		assert_ok(bo_inventory_batch_end(inv, 1));
	assert_ok(bo_report_make(&r, inv, NULL));
	assert_ok(bo_report_item_get(out, r, 0));
	bo_report_free(r);
	th_close(inv);
}

static void test_p90_batch(void **state)
{
	bo_report_item plain = BO_REPORT_ITEM_INIT, batched = BO_REPORT_ITEM_INIT;
	(void)state;
	p90_run(false, &plain);
	p90_run(true, &batched);
	assert_i64(plain.filled_lines, 40);
	assert_i64(batched.filled_lines, plain.filled_lines);
	assert_i64(batched.wait_avg, plain.wait_avg);
	assert_i64(batched.wait_p90, plain.wait_p90);
	/* nearest rank 36 of 40: line 35's wait, 36^2 hours, in its bucket */
	assert_true(plain.wait_p90 >= bo_hist_bucket_floor(bo_hist_bucket(36 * 36 * 3600)));
}

static void test_buckets(void **state)
{
	(void)state;
	assert_int_equal(bo_hist_bucket(-5), 0);
	assert_int_equal(bo_hist_bucket(0), 0);
	assert_int_equal(bo_hist_bucket(3599), 0);
	assert_int_equal(bo_hist_bucket(3600), 1);
	assert_int_equal(bo_hist_bucket(5399), 1);
	assert_int_equal(bo_hist_bucket(5400), 2);
	assert_int_equal(bo_hist_bucket(INT64_MAX), BO_HIST_WAIT_BUCKETS - 1);
	for (int b = 1; b < BO_HIST_WAIT_BUCKETS; b++) {
		int64_t lo = bo_hist_bucket_floor(b), prev = bo_hist_bucket_floor(b - 1);
		assert_int_equal(bo_hist_bucket(lo), b);
		assert_int_equal(bo_hist_bucket(lo - 1), b - 1);
		if (b >= 2) /* each bucket 1.5 times the one before, to the second */
			assert_true(llabs(lo * 2 - prev * 3) <= 3);
	}
	assert_true(bo_hist_bucket_floor(-1) == -1);
	assert_true(bo_hist_bucket_floor(BO_HIST_WAIT_BUCKETS) == -1);
}

/* A store without the history callbacks: no series, no period, the fill
 * rate from the item's counters; it keeps working. */
static bo_storage nohist;

static void test_no_history(void **state)
{
	th_clock clk = { T0 };
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_inventory *inv;
	bo_report *r = NULL;
	bo_report_item it = BO_REPORT_ITEM_INIT;
	char *s;
	(void)state;

	assert_ok(bo_memory_storage(&vt, &ud));
	nohist = *vt;
	nohist.hist_add = NULL;
	nohist.hist_next = NULL;
	inv = th_open_with(&nohist, ud, &clk, NULL, 0);
	build_shop(inv, &clk);
	/* modify counts in the item's counters, not in history */
	assert_ok(bo_order_modify(inv, "A", "bolt", 4));
	assert_ok(bo_report_make(&r, inv, NULL));
	assert_int_equal(bo_report_has_history(r), 0);
	assert_ok(bo_report_item_get(&it, r, 0));
	assert_i64(it.fill_ordered, 8);   /* demand: 3 + 4 + 1 added by modify */
	assert_i64(it.fill_at_once, 5);
	assert_i64(it.ordered, 0);
	assert_i64(it.wait_avg, BO_NO_TIME);
	assert_i64(it.wait_p90, BO_NO_TIME);
	assert_int_equal(bo_report_day_count(r, 0), 0);
	assert_int_equal(bo_report_day_count(r, BO_REPORT_TOTAL), 0);
	s = render(r, BO_REPORT_TEXT);
	assert_contains(s, "This store keeps no history: no period figures.");
	free(s);
	s = render(r, BO_REPORT_JSON);
	assert_contains(s, "\"history\": false,");
	assert_contains(s, "\"period\": null,");
	free(s);
	s = render(r, BO_REPORT_HTML);
	assert_contains(s, "This store keeps no history.");
	free(s);
	bo_report_free(r);
	th_close(inv);

	/* one of the two callbacks alone is refused */
	assert_ok(bo_memory_storage(&vt, &ud));
	nohist = *vt;
	nohist.hist_next = NULL;
	inv = NULL;
	assert_rc(bo_inventory_open(&inv, &nohist, ud, NULL), BO_EINVALID);
	vt->close(ud);
}

/* What a report reads: items, waiting queues and the lines in them, and
 * history; never an order, never a line that does not wait. */
static bo_storage counting;
static const bo_storage *inner;
static int n_order_calls, n_line_get;

static int c_order_get(void *ud, const char *id, bo_order_rec *out, int fu)
{
	n_order_calls++;
	return inner->order_get(ud, id, out, fu);
}

static int c_order_next(void *ud, const char *after, bo_order_rec *out)
{
	n_order_calls++;
	return inner->order_next(ud, after, out);
}

static int c_line_get(void *ud, const char *id, uint32_t index, bo_line_rec *out)
{
	n_line_get++;
	return inner->line_get(ud, id, index, out);
}

static void test_reads(void **state)
{
	th_clock clk = { T0 };
	void *ud = NULL;
	bo_inventory *inv;
	bo_report *r = NULL;
	(void)state;

	assert_ok(bo_memory_storage(&inner, &ud));
	counting = *inner;
	counting.order_get = c_order_get;
	counting.order_next = c_order_next;
	counting.line_get = c_line_get;
	inv = th_open_with(&counting, ud, &clk, NULL, 0);
	build_shop(inv, &clk);
	th_autocheck(0);
	n_order_calls = n_line_get = 0;
	assert_ok(bo_report_make(&r, inv, NULL));
	assert_int_equal(n_order_calls, 0);
	assert_int_equal(n_line_get, 2); /* the two waiting lines */
	bo_report_free(r);
	th_autocheck(1);
	th_close(inv);
}

/* Ids are bytes, JSON is UTF-8: a byte that is not part of a well-formed
 * UTF-8 sequence is written as \ufffd, a well-formed sequence as it is. */
static void test_json_not_utf8(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 0);
	bo_report *r = NULL;
	char *s;
	(void)state;

	assert_ok(bo_item_set(inv, "S\xff" "1", NULL));
	assert_ok(bo_item_set(inv, "Caf\xc3\xa9", NULL));
	assert_ok(bo_item_set(inv, "\xf0\x9f\x98\x80-\xe5\x95\x86", NULL));
	assert_ok(bo_item_set(inv, "T\xe3\x80", NULL));     /* a sequence cut short */
	assert_ok(bo_item_set(inv, "U\xc0\xaf\xed\xa0\x80", NULL)); /* overlong '/', a surrogate */
	assert_ok(bo_location_set(inv, "L\xfe", 1));
	assert_ok(bo_report_make(&r, inv, NULL));
	s = render(r, BO_REPORT_JSON);
	assert_contains(s, "\"S\\ufffd1\"");
	assert_contains(s, "\"Caf\xc3\xa9\"");
	assert_contains(s, "\"\xf0\x9f\x98\x80-\xe5\x95\x86\"");
	assert_contains(s, "\"T\\ufffd\\ufffd\"");
	assert_contains(s, "\"U\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_contains(s, "\"L\\ufffd\"");
	/* none of the bytes that are not UTF-8 is left */
	if (strpbrk(s, "\xff\xfe\xc0\xe3\xed") != NULL) {
		print_error("a byte that is not UTF-8 at offset %td:\n%s\n", strpbrk(s, "\xff\xfe\xc0\xe3\xed") - s, s);
		fail();
	}
	free(s);
	bo_report_free(r);
	th_close(inv);
}

static void test_bad_arguments(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 0);
	bo_report *r = NULL;
	bo_report_options o = BO_REPORT_OPTIONS_INIT;
	bo_report_item it = BO_REPORT_ITEM_INIT;
	strbuf b = { NULL, 0, 0, 1, 0 };
	int fmt = -1;
	(void)state;

	assert_rc(bo_report_make(NULL, inv, NULL), BO_EINVALID);
	assert_rc(bo_report_make(&r, NULL, NULL), BO_EINVALID);
	assert_null(r);
	o.version = 99;
	assert_rc(bo_report_make(&r, inv, &o), BO_EINVALID);
	assert_rc(bo_report_format_parse(&fmt, "pdf"), BO_EINVALID);
	assert_ok(bo_report_format_parse(&fmt, "html"));
	assert_int_equal(fmt, BO_REPORT_HTML);
	/* an empty inventory */
	assert_ok(bo_report_make(&r, inv, NULL));
	assert_int_equal(bo_report_item_count(r), 0);
	assert_rc(bo_report_item_get(&it, r, 0), BO_EINVALID);
	it.version = 0;
	assert_rc(bo_report_item_get(&it, r, BO_REPORT_TOTAL), BO_EINVALID);
	it.version = BO_REPORT_ITEM_VERSION;
	assert_ok(bo_report_item_get(&it, r, BO_REPORT_TOTAL));
	assert_rc(bo_report_write(r, 7, sb_write, &b), BO_EINVALID);
	assert_rc(bo_report_write(r, BO_REPORT_CSV, NULL, &b), BO_EINVALID);
	for (int f = 0; f < 4; f++) {
		char *s = render(r, f);
		free(s);
	}
	/* a writer that refuses: BO_ESTATE */
	assert_rc(bo_report_write(r, BO_REPORT_HTML, sb_write, &b), BO_ESTATE);
	assert_has_error();
	free(b.s);
	bo_report_free(r);
	bo_report_free(NULL);
	assert_int_equal(bo_report_item_count(NULL), 0);
	assert_int_equal(bo_report_day_count(NULL, 0), 0);
	assert_true(bo_report_item_size() == sizeof(bo_report_item));
	assert_true(bo_report_day_size() == sizeof(bo_report_day));
	assert_true(bo_hist_rec_size() == sizeof(bo_hist_rec));
	th_close(inv);
}

/* Any int64 `since` and clock readings at the ends of the int64 range:
 * no arithmetic overflows (UBSan halts the test), the period starts at the
 * UTC day holding `since` (the first day of the range is all history),
 * and every format is written. */
static void test_extreme_times(void **state)
{
	static const int64_t since[] = { INT64_MIN + 1, -1, 0, T0, INT64_MAX };
	static const int64_t want[] = { BO_NO_TIME, -DAY, 0, T0, INT64_MAX - INT64_MAX % DAY };
	static const int64_t clocks[] = { INT64_MIN + 1, -DAY - 1, T0, INT64_MAX - 1000 };
	(void)state;
	for (size_t c = 0; c < sizeof(clocks) / sizeof(clocks[0]); c++) {
		th_clock clk = { clocks[c] };
		bo_inventory *inv = th_open(&clk, NULL, 0);

		th_item(inv, "A", NULL, BO_BACKORDER_ALLOW);
		assert_ok(th_place(inv, "O1", "A", 2, 0, BO_NO_TIME));
		if (c + 1 < sizeof(clocks) / sizeof(clocks[0])) {
			clk.now = clocks[c + 1];   /* a jump across most of the range */
			assert_ok(th_place(inv, "O2", "A", 1, 0, BO_NO_TIME));
		}
		for (size_t i = 0; i < sizeof(since) / sizeof(since[0]); i++) {
			bo_report_options o = BO_REPORT_OPTIONS_INIT;
			bo_report_item it = BO_REPORT_ITEM_INIT;
			bo_report *r = NULL;

			o.since = since[i];
			assert_ok(bo_report_make(&r, inv, &o));
			assert_i64(bo_report_since(r), want[i]);
			assert_ok(bo_report_item_get(&it, r, 0));
			assert_true(it.oldest_wait_days >= 0);
			for (int f = 0; f < 4; f++)
				free(render(r, f));
			bo_report_free(r);
		}
		th_close(inv);
	}
}

/* Adapters' hist_add and hist_next, directly: sums, order, rollback. */
static void test_adapter_history(void **state)
{
	const ta_adapter *ad = *state;
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_hist_rec a, got;

	assert_ok(ad->make(&vt, &ud));
	assert_non_null(vt->hist_add);
	memset(&a, 0, sizeof(a));
	strcpy(a.sku, "cup");
	a.day = D0 + 3;
	a.ordered = 5;
	a.backordered = 2;
	a.filled_lines = 1;
	a.wait_sum = 7200;
	a.wait_max = 7200;
	a.wait_hist[bo_hist_bucket(7200)] = 1;
	a.wait_hist[BO_HIST_WAIT_BUCKETS - 1] = 4000000000u;
	assert_ok(vt->begin(ud));
	assert_ok(vt->hist_add(ud, &a));
	a.day = D0 + 1;
	assert_ok(vt->hist_add(ud, &a));
	a.day = D0 + 3;
	a.wait_max = 100;
	a.cancelled = 9;
	assert_ok(vt->hist_add(ud, &a));
	assert_ok(vt->commit(ud));
	/* a rolled-back add leaves nothing */
	assert_ok(vt->begin(ud));
	a.day = D0 + 2;
	assert_ok(vt->hist_add(ud, &a));
	assert_ok(vt->rollback(ud));

	assert_ok(vt->hist_next(ud, "cup", INT64_MIN, &got));
	assert_i64(got.day, D0 + 1);
	assert_i64(got.ordered, 5);
	assert_i64(got.cancelled, 0);
	assert_ok(vt->hist_next(ud, "cup", got.day, &got));
	assert_string_equal(got.sku, "cup");
	assert_i64(got.day, D0 + 3);
	assert_i64(got.ordered, 10);
	assert_i64(got.backordered, 4);
	assert_i64(got.cancelled, 9);
	assert_i64(got.filled_lines, 2);
	assert_i64(got.wait_sum, 14400);
	assert_i64(got.wait_max, 7200);
	assert_int_equal(got.wait_hist[bo_hist_bucket(7200)], 2);
	assert_true(got.wait_hist[BO_HIST_WAIT_BUCKETS - 1] == UINT32_MAX); /* saturated */
	assert_rc(vt->hist_next(ud, "cup", got.day, &got), BO_ENOTFOUND);
	assert_rc(vt->hist_next(ud, "saucer", INT64_MIN, &got), BO_ENOTFOUND);
	vt->close(ud);
}

int main(int argc, char **argv)
{
	int failures = 0, ran = 0;
	for (size_t a = 0; a < ta_nadapters; a++) {
		void *ad = (void *)&ta_adapters[a];
		const struct CMUnitTest tests[] = {
			cmocka_unit_test_prestate(test_figures, ad),
			cmocka_unit_test_prestate(test_adapter_history, ad),
			cmocka_unit_test_prestate(test_locations, ad),
		};
		failures += ta_run_group("report", &ta_adapters[a], argc, argv, 0, tests,
					 sizeof(tests) / sizeof(tests[0]), &ran);
	}
	if (ta_wanted(argc, argv, "memory")) {
		const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_adapters_agree),
			cmocka_unit_test(test_p90),
			cmocka_unit_test(test_p90_batch),
			cmocka_unit_test(test_buckets),
			cmocka_unit_test(test_no_history),
			cmocka_unit_test(test_reads),
			cmocka_unit_test(test_bad_arguments),
			cmocka_unit_test(test_json_not_utf8),
			cmocka_unit_test(test_extreme_times),
		};
		failures += _cmocka_run_group_tests("report", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
	}
	for (size_t a = 0; a < ta_nadapters; a++)
		for (int f = 0; f < 4; f++)
			free(outputs[a][f]);
	ta_cleanup();
	if (ran == 0)
		return 77;
	return failures ? 1 : 0;
}
