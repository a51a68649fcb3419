/* The report as one self-contained HTML page: inline CSS, inline SVG
 * charts, no script, nothing loaded from elsewhere; readable on a phone
 * (the tables fold into one card per item on a narrow screen, the charts
 * scale with the page). Names DejaVu Sans first, so that a page rendered
 * on the test machine looks the same every time (tests/browser/). */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define BAR_ITEMS 12      /* items in the bar chart */
#define NEED_ROWS 50      /* rows of the table of items in need */
#define SERIES_DAYS 120   /* days of the line chart at most (the last ones) */

static void esc(bo_out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': bo__out_puts(o, "&amp;"); break;
		case '<': bo__out_puts(o, "&lt;"); break;
		case '>': bo__out_puts(o, "&gt;"); break;
		case '"': bo__out_puts(o, "&quot;"); break;
		case '\'': bo__out_puts(o, "&#39;"); break;
		default: bo__out_write(o, s, 1); break;
		}
	}
}

/* A whole number with thousands separators. */
static const char *num(char *buf, size_t size, int64_t v)
{
	char raw[32];
	size_t n, j = 0, lead;
	int neg = v < 0;
	snprintf(raw, sizeof(raw), "%" PRIu64, neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	n = strlen(raw);
	lead = n % 3 ? n % 3 : 3;
	if (neg && j + 1 < size)
		buf[j++] = '-';
	for (size_t i = 0; i < n && j + 2 < size; i++) {
		if (i >= lead && (i - lead) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = raw[i];
	}
	buf[j] = '\0';
	return buf;
}

/* Minor units as major units with two decimals (minor / 100). */
static const char *money(char *buf, size_t size, int64_t minor)
{
	char whole[40];
	int64_t w = minor / 100, c = minor % 100;
	if (c < 0)
		c = -c;
	num(whole, sizeof(whole), w);
	snprintf(buf, size, "%s%s.%02d", minor < 0 && w == 0 ? "-" : "", whole, (int)c);
	return buf;
}

static const char *days1(char *buf, size_t size, int64_t s)
{
	if (s == BO_NO_TIME)
		snprintf(buf, size, "&#8211;");
	else {
		bo__fmt_fixed(buf, size, s, 86400, 1);
		strncat(buf, " d", size - strlen(buf) - 1);
	}
	return buf;
}

static const char *percent(char *buf, size_t size, const bo_report_item *f)
{
	if (f->fill_ordered <= 0)
		snprintf(buf, size, "&#8211;");
	else {
		bo__fmt_fixed(buf, size, f->fill_at_once * 100, f->fill_ordered, 1);
		strncat(buf, "%", size - strlen(buf) - 1);
	}
	return buf;
}

static const char style[] =
	"<style>\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-text-size-adjust:100%}\n"
	"body{margin:0;font-family:\"DejaVu Sans\",\"Bitstream Vera Sans\",Verdana,sans-serif;font-size:15px;"
	"line-height:1.45;color:#1f2933;background:#f3f5f8}\n"
	"main{max-width:980px;margin:0 auto;padding:16px}\n"
	"h1{font-size:24px;margin:0 0 2px}\n"
	"h2{font-size:18px;margin:0 0 10px}\n"
	".sub{color:#52606d;margin:0 0 16px}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin:0 0 16px}\n"
	".card{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:10px 12px}\n"
	".card b{display:block;font-size:22px;line-height:1.2}\n"
	".card span{color:#52606d;font-size:13px}\n"
	".card.alert b{color:#b42318}\n"
	"section{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:14px;margin:0 0 16px}\n"
	".note{color:#52606d;font-size:13px;margin:8px 0 0}\n"
	"table{border-collapse:collapse;width:100%;font-size:14px}\n"
	"th,td{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}\n"
	"th{color:#52606d;font-weight:normal;font-size:13px}\n"
	"th:first-child,td:first-child{text-align:left}\n"
	"td.sku{font-weight:bold;white-space:normal;word-break:break-all}\n"
	".order{color:#b42318;font-weight:bold}\n"
	".ok{color:#2f6f4f}\n"
	"svg{display:block;width:100%;height:auto;max-width:760px}\n"
	".legend{font-size:13px;color:#52606d;margin:0 0 6px}\n"
	".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 5px 0 12px;"
	"vertical-align:-1px}\n"
	".sw:first-child{margin-left:0}\n"
	"dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:6px 16px;margin:0}\n"
	"dt{color:#52606d;font-size:13px}\n"
	"dd{margin:0 0 4px;font-size:17px;font-weight:bold}\n"
	"footer{color:#7b8794;font-size:12px;text-align:center;padding:4px 0 12px}\n"
	"@media (max-width:640px){\n"
	"main{padding:10px}\n"
	"table.need thead{display:none}\n"
	"table.need tr{display:block;border:1px solid #e4e7eb;border-radius:6px;margin:0 0 8px;padding:4px 8px}\n"
	"table.need td{display:flex;justify-content:space-between;border:0;padding:3px 0;text-align:right}\n"
	"table.need td::before{content:attr(data-label);color:#52606d;font-weight:normal;padding-right:12px}\n"
	"table.need td.sku{font-size:16px}\n"
	"table.need td.sku::before{content:none}\n"
	"}\n"
	"</style>\n";

/* Added to the style of inventories that name locations only (the page of
 * an inventory with "main" alone stays as it was). */
static const char style_locations[] =
	"td.loc{text-align:left;white-space:normal;word-break:break-all}\n"
	"#loc-items th:nth-child(2){text-align:left}\n"
	"table.loc+table.loc{margin-top:14px}\n"
	"@media (max-width:640px){\n"
	"table.loc thead{display:none}\n"
	"table.loc tr{display:block;border:1px solid #e4e7eb;border-radius:6px;margin:0 0 8px;padding:4px 8px}\n"
	"table.loc td{display:flex;justify-content:space-between;border:0;padding:3px 0;text-align:right}\n"
	"table.loc td::before{content:attr(data-label);color:#52606d;font-weight:normal;padding-right:12px}\n"
	"table.loc td:first-child{font-size:16px;font-weight:bold;justify-content:flex-start}\n"
	"table.loc td:first-child::before{content:none}\n"
	"}\n";

static void card(bo_out *o, const char *value, const char *label, int alert)
{
	bo__out_printf(o, "<div class=\"card%s\"><b>%s</b><span>%s</span></div>\n", alert ? " alert" : "", value,
		       label);
}

static void cards(const bo_report *r, bo_out *o)
{
	const bo_report_item *t = &r->total.f;
	char b[64];
	int64_t restock = 0;
	for (size_t i = 0; i < r->n; i++)
		restock += r->items[i].f.shortfall > 0;
	bo__out_puts(o, "<div class=\"cards\">\n");
	card(o, num(b, sizeof(b), restock), "items to restock now", restock > 0);
	card(o, num(b, sizeof(b), t->shortfall), "units to order", t->shortfall > 0);
	card(o, num(b, sizeof(b), t->backordered), "units waiting", 0);
	card(o, money(b, sizeof(b), t->revenue_held), "revenue held", 0);
	card(o, num(b, sizeof(b), t->late_lines), "late lines", t->late_lines > 0);
	card(o, percent(b, sizeof(b), t), "filled at once", 0);
	bo__out_puts(o, "</div>\n");
}

static int needs(const bo_report_item *f)
{
	return f->shortfall > 0 || f->backordered > 0 || f->late_lines > 0;
}

static void need_table(const bo_report *r, bo_out *o)
{
	size_t shown = 0, total = 0;
	char b1[64], b2[64], b3[64];
	bo__out_puts(o, "<section id=\"need\">\n<h2>Most in need</h2>\n");
	for (size_t k = 0; k < r->n; k++)
		total += needs(&r->items[r->by_need[k]].f);
	if (total == 0) {
		bo__out_puts(o, "<p class=\"ok\">Nothing waits: no stock to order.</p>\n</section>\n");
		return;
	}
	bo__out_puts(o, "<table class=\"need\">\n<thead><tr><th>Item</th><th>Restock</th><th>Short</th>"
			"<th>Waiting</th><th>Incoming</th><th>Revenue held</th><th>Late lines</th>"
			"<th>Oldest wait</th></tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < r->n && shown < NEED_ROWS; k++) {
		const bo_report_item *f = &r->items[r->by_need[k]].f;
		if (!needs(f))
			continue;
		shown++;
		bo__out_puts(o, "<tr><td class=\"sku\">");
		esc(o, f->sku);
		if (f->shortfall > 0)
			bo__out_printf(o, "</td><td data-label=\"Restock\" class=\"order\">order %s now</td>",
				       num(b1, sizeof(b1), f->shortfall));
		else
			bo__out_puts(o, "</td><td data-label=\"Restock\" class=\"ok\">covered</td>");
		bo__out_printf(o, "<td data-label=\"Short\">%s</td>", num(b1, sizeof(b1), f->shortfall));
		bo__out_printf(o, "<td data-label=\"Waiting\">%s in %s line%s</td>", num(b1, sizeof(b1), f->backordered),
			       num(b2, sizeof(b2), f->waiting_lines), f->waiting_lines == 1 ? "" : "s");
		bo__out_printf(o, "<td data-label=\"Incoming\">%s</td>", num(b1, sizeof(b1), f->incoming));
		bo__out_printf(o, "<td data-label=\"Revenue held\">%s</td>", money(b3, sizeof(b3), f->revenue_held));
		bo__out_printf(o, "<td data-label=\"Late lines\">%s</td>", num(b1, sizeof(b1), f->late_lines));
		if (f->oldest_wait_days >= 0)
			bo__out_printf(o, "<td data-label=\"Oldest wait\">%s d</td></tr>\n",
				       num(b1, sizeof(b1), f->oldest_wait_days));
		else
			bo__out_puts(o, "<td data-label=\"Oldest wait\">&#8211;</td></tr>\n");
	}
	bo__out_puts(o, "</tbody>\n</table>\n");
	if (total > shown)
		bo__out_printf(o, "<p class=\"note\">And %zu more items with units waiting: see the CSV or JSON "
				  "report.</p>\n",
			       total - shown);
	bo__out_puts(o, "</section>\n");
}

static void stock_cells(bo_out *o, int64_t on_hand, int64_t allocated)
{
	char b[64];
	bo__out_printf(o, "<td data-label=\"On hand\">%s</td>", num(b, sizeof(b), on_hand));
	bo__out_printf(o, "<td data-label=\"Allocated\">%s</td>", num(b, sizeof(b), allocated));
	bo__out_printf(o, "<td data-label=\"Available\">%s</td></tr>\n", num(b, sizeof(b), on_hand - allocated));
}

/* Stock per location (inventories that name locations): the totals at
 * every location, then the items most in need first, one row per item and
 * location holding or allocating its units. */
static void location_tables(const bo_report *r, bo_out *o)
{
	size_t shown = 0, total = 0;
	char b[64];
	bo__out_puts(o, "<section id=\"locations\">\n<h2>Stock per location</h2>\n");
	bo__out_puts(o, "<table class=\"loc\" id=\"loc-totals\">\n<thead><tr><th>Location</th><th>Rank</th>"
			"<th>On hand</th><th>Allocated</th><th>Available</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->nlocs; i++) {
		int64_t on_hand = 0, allocated = 0;
		for (size_t k = 0; k < r->ntlstock; k++) {
			if (r->tlstock[k].loc == i) {
				on_hand = r->tlstock[k].on_hand;
				allocated = r->tlstock[k].allocated;
			}
		}
		bo__out_puts(o, "<tr><td class=\"loc\">");
		esc(o, r->locs[i].id);
		bo__out_printf(o, "</td><td data-label=\"Rank\">%s</td>", num(b, sizeof(b), r->locs[i].rank));
		stock_cells(o, on_hand, allocated);
	}
	bo__out_puts(o, "</tbody>\n</table>\n");
	for (size_t k = 0; k < r->n; k++)
		total += r->items[k].nloc > 0;
	if (total > 0) {
		bo__out_puts(o, "<table class=\"loc\" id=\"loc-items\">\n<thead><tr><th>Item</th><th>Location</th>"
				"<th>On hand</th><th>Allocated</th><th>Available</th></tr></thead>\n<tbody>\n");
		for (size_t k = 0; k < r->n && shown < NEED_ROWS; k++) {
			const bo_ritem *ri = &r->items[r->by_need[k]];
			if (ri->nloc == 0)
				continue;
			shown++;
			for (size_t i = 0; i < ri->nloc; i++) {
				const bo_rstock *st = &r->lstock[ri->loc0 + i];
				bo__out_puts(o, "<tr><td class=\"sku\">");
				esc(o, ri->f.sku);
				bo__out_puts(o, "</td><td data-label=\"Location\" class=\"loc\">");
				esc(o, bo__rstock_loc(r, st));
				bo__out_puts(o, "</td>");
				stock_cells(o, st->on_hand, st->allocated);
			}
		}
		bo__out_puts(o, "</tbody>\n</table>\n");
		if (total > shown)
			bo__out_printf(o, "<p class=\"note\">And %zu more items with stock: see the JSON report.</p>\n",
				       total - shown);
	} else {
		bo__out_puts(o, "<p class=\"note\">No stock at any location.</p>\n");
	}
	bo__out_puts(o, "</section>\n");
}

/* A round upper bound for an axis of four steps: 4 x (1, 2 or 5 times a
 * power of ten), at least 4, so that every gridline has a whole label. */
static int64_t nice_max(int64_t v)
{
	int64_t p = 1;
	for (;;) {
		static const int64_t m[3] = { 1, 2, 5 };
		for (int i = 0; i < 3; i++)
			if (4 * m[i] * p >= v)
				return 4 * m[i] * p;
		if (p > INT64_MAX / 100)
			return INT64_MAX;
		p *= 10;
	}
}

static void svg_open(bo_out *o, int w, int h, const char *id, const char *label)
{
	bo__out_printf(o,
		       "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		       "height=\"%d\" role=\"img\" aria-label=\"%s\" font-family=\"DejaVu Sans, Bitstream Vera Sans, "
		       "Verdana, sans-serif\" font-size=\"14\">\n<title>%s</title>\n",
		       id, w, h, w, h, label, label);
}

static void svg_message(bo_out *o, int w, int h, const char *msg)
{
	bo__out_printf(o, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f8fafc\" rx=\"6\"/>\n", w, h);
	bo__out_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#52606d\">%s</text>\n", w / 2,
		       h / 2 + 5, msg);
}

static int cmp_waiting(const void *a, const void *b)
{
	const bo_report_item *x = *(const bo_report_item *const *)a, *y = *(const bo_report_item *const *)b;
	if (x->backordered != y->backordered)
		return x->backordered > y->backordered ? -1 : 1;
	if (x->shortfall != y->shortfall)
		return x->shortfall > y->shortfall ? -1 : 1;
	return strcmp(x->sku, y->sku);
}

/* Horizontal bars: waiting units per item, the part no stock or supply
 * covers (the shortfall) in red. */
static int bar_chart(const bo_report *r, bo_out *o)
{
	const bo_report_item **v = NULL;
	size_t n = 0, total = 0;
	int64_t max;
	char b[64], sku[BO_ID_MAX + 1];
	int w = 640, h, x0 = 150, bw = 400;
	for (size_t i = 0; i < r->n; i++)
		total += r->items[i].f.backordered > 0;
	bo__out_puts(o, "<section id=\"waiting\">\n<h2>Waiting units per item</h2>\n");
	if (total > 0 && !(v = bo_malloc(total * sizeof(*v))))
		return BO_ESTORAGE;
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].f.backordered > 0)
			v[n++] = &r->items[i].f;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_waiting);
	if (n > BAR_ITEMS)
		n = BAR_ITEMS;
	bo__out_puts(o, "<p class=\"legend\"><span class=\"sw\" style=\"background:#2563eb\"></span>covered by stock "
			"or incoming supply<span class=\"sw\" style=\"background:#dc2626\"></span>short: to order</p>\n");
	h = n ? 16 + 30 * (int)n : 80;
	svg_open(o, w, h, "chart-waiting", "Waiting units per item");
	if (n == 0)
		svg_message(o, w, h, "Nothing waits.");
	max = n ? nice_max(v[0]->backordered) : 1;
	for (size_t i = 0; i < n; i++) {
		const bo_report_item *f = v[i];
		int y = 8 + 30 * (int)i;
		double full = (double)bw * (double)f->backordered / (double)max;
		double shortw = (double)bw * (double)f->shortfall / (double)max;
		double cov = full - shortw;
		snprintf(sku, sizeof(sku), "%s", f->sku);
		if (strlen(sku) > 16)
			strcpy(sku + 14, "..");
		bo__out_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1f2933\">", x0 - 8, y + 17);
		esc(o, sku);
		bo__out_puts(o, "</text>\n");
		if (cov > 0)
			bo__out_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"22\" fill=\"#2563eb\"/>\n", x0, y,
				       cov);
		if (shortw > 0)
			bo__out_printf(o, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"22\" fill=\"#dc2626\"/>\n",
				       x0 + cov, y, shortw);
		bo__out_printf(o, "<text x=\"%.1f\" y=\"%d\" fill=\"#1f2933\">%s</text>\n", x0 + full + 6, y + 17,
			       num(b, sizeof(b), f->backordered));
	}
	bo__out_puts(o, "</svg>\n");
	if (total > n)
		bo__out_printf(o, "<p class=\"note\">The %zu items with the most units waiting, of %zu.</p>\n", n, total);
	bo__out_puts(o, "</section>\n");
	bo_free(v);
	return BO_OK;
}

/* Vertical bars: waiting lines by how long they have waited. */
static void ageing_chart(const bo_report *r, bo_out *o)
{
	static const char *const label[BO_REPORT_AGE_BUCKETS] = { "under 1 d", "1-3 d", "3-7 d", "7-14 d",
								   "14-30 d", "30 d +" };
	static const char *const fill[BO_REPORT_AGE_BUCKETS] = { "#fcd34d", "#fbbf24", "#f59e0b", "#d97706",
								  "#b45309", "#92400e" };
	const bo_report_item *t = &r->total.f;
	int w = 640, h = 250, x0 = 50, y0 = 20, ph = 180;
	int64_t max = 0;
	char b[64];
	bo__out_puts(o, "<section id=\"ageing\">\n<h2>How long waiting lines have waited</h2>\n");
	svg_open(o, w, h, "chart-ageing", "Waiting lines by age");
	for (int i = 0; i < BO_REPORT_AGE_BUCKETS; i++)
		if (t->ageing[i] > max)
			max = t->ageing[i];
	if (max == 0) {
		svg_message(o, w, h, "No line waits.");
	} else {
		double slot = (double)(w - x0 - 10) / BO_REPORT_AGE_BUCKETS;
		max = nice_max(max);
		for (int g = 0; g <= 4; g++) {
			double y = y0 + ph - (double)ph * g / 4;
			bo__out_printf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e7eb\"/>\n", x0, y,
				       w - 10, y);
			bo__out_printf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#52606d\" font-size=\"12\">"
					  "%s</text>\n",
				       x0 - 6, y + 4, num(b, sizeof(b), max * g / 4));
		}
		for (int i = 0; i < BO_REPORT_AGE_BUCKETS; i++) {
			double bh = (double)ph * (double)t->ageing[i] / (double)max;
			double x = x0 + slot * i + slot * 0.15;
			bo__out_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", x,
				       y0 + ph - bh, slot * 0.7, bh, fill[i]);
			bo__out_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#1f2933\">%s</text>\n",
				       x + slot * 0.35, y0 + ph - bh - 5, num(b, sizeof(b), t->ageing[i]));
			bo__out_printf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#52606d\" "
					  "font-size=\"13\">%s</text>\n",
				       x + slot * 0.35, y0 + ph + 20, label[i]);
		}
		bo__out_printf(o, "<text x=\"%d\" y=\"%d\" fill=\"#52606d\" font-size=\"12\">lines</text>\n", 4, 12);
	}
	bo__out_puts(o, "</svg>\n</section>\n");
}

/* Lines: units ordered and units backordered at placement, per day. */
static int series_chart(const bo_report *r, bo_out *o)
{
	int w = 640, h = 280, x0 = 56, x1 = 620, y0 = 20, ph = 200;
	int64_t first, last, ndays, max = 0; /* first, last: day numbers (bo__day_of) */
	int64_t *ord = NULL, *bo = NULL;
	char b[64], d1[16];
	bo__out_puts(o, "<section id=\"daily\">\n<h2>Daily demand and backorders</h2>\n");
	bo__out_puts(o, "<p class=\"legend\"><span class=\"sw\" style=\"background:#2563eb\"></span>units ordered"
			"<span class=\"sw\" style=\"background:#ea580c\"></span>units backordered at placement</p>\n");
	svg_open(o, w, h, "chart-daily", "Units ordered and backordered per day");
	if (!r->history || r->ntdays == 0) {
		svg_message(o, w, h, r->history ? "No orders in this period." : "This store keeps no history.");
		bo__out_puts(o, "</svg>\n</section>\n");
		return BO_OK;
	}
	/* In day numbers, which cannot overflow (the first day of the int64
	 * range starts before INT64_MIN: see bo__day_start()). */
	last = bo__day_of(r->tdays[r->ntdays - 1].day);
	if (bo__day_of(r->now) > last)
		last = bo__day_of(r->now);
	first = bo__day_of(r->since != BO_NO_TIME ? r->since : r->tdays[0].day);
	if (first > last)
		first = last;
	if (last - first + 1 > SERIES_DAYS)
		first = last - (SERIES_DAYS - 1);
	ndays = last - first + 1;
	ord = bo__calloc((size_t)ndays, sizeof(*ord));
	bo = bo__calloc((size_t)ndays, sizeof(*bo));
	if (!ord || !bo) {
		bo_free(ord);
		bo_free(bo);
		return BO_ESTORAGE;
	}
	for (size_t i = 0; i < r->ntdays; i++) {
		int64_t k = bo__day_of(r->tdays[i].day) - first;
		if (k < 0 || k >= ndays)
			continue;
		ord[k] = r->tdays[i].ordered;
		bo[k] = r->tdays[i].backordered;
		if (ord[k] > max)
			max = ord[k];
		if (bo[k] > max)
			max = bo[k];
	}
	max = nice_max(max);
	for (int g = 0; g <= 4; g++) {
		double y = y0 + ph - (double)ph * g / 4;
		bo__out_printf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e7eb\"/>\n", x0, y, x1, y);
		bo__out_printf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#52606d\" font-size=\"12\">%s</text>\n",
			       x0 - 6, y + 4, num(b, sizeof(b), max * g / 4));
	}
	for (int s = 0; s < 2; s++) {
		const int64_t *v = s ? bo : ord;
		const char *color = s ? "#ea580c" : "#2563eb";
		bo__out_printf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" stroke-linejoin=\"round\" "
				  "points=\"",
			       color);
		for (int64_t k = 0; k < ndays; k++) {
			double x = ndays > 1 ? x0 + (double)(x1 - x0) * (double)k / (double)(ndays - 1) : (x0 + x1) / 2.0;
			double y = y0 + ph - (double)ph * (double)v[k] / (double)max;
			bo__out_printf(o, "%s%.1f,%.1f", k ? " " : "", x, y);
		}
		bo__out_puts(o, "\"/>\n");
		if (ndays <= 45) {
			for (int64_t k = 0; k < ndays; k++) {
				double x = ndays > 1 ? x0 + (double)(x1 - x0) * (double)k / (double)(ndays - 1)
						     : (x0 + x1) / 2.0;
				double y = y0 + ph - (double)ph * (double)v[k] / (double)max;
				bo__out_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x, y, color);
			}
		}
	}
	/* dates: first, middle, last */
	for (int i = 0; i < 3; i++) {
		int64_t k = i == 0 ? 0 : i == 1 ? (ndays - 1) / 2 : ndays - 1;
		double x = ndays > 1 ? x0 + (double)(x1 - x0) * (double)k / (double)(ndays - 1) : (x0 + x1) / 2.0;
		if (ndays < 3 && i == 1)
			continue;
		if (ndays == 1 && i == 2)
			continue;
		bo__fmt_day(d1, bo__day_start(first + k));
		bo__out_printf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" fill=\"#52606d\" font-size=\"13\">%s</text>\n",
			       x, y0 + ph + 22, ndays == 1 ? "middle" : i == 0 ? "start" : i == 2 ? "end" : "middle", d1);
	}
	bo__out_puts(o, "</svg>\n");
	if (r->ntdays > 0 && r->tdays[0].day < first)
		bo__out_printf(o, "<p class=\"note\">The last %d days.</p>\n", SERIES_DAYS);
	bo__out_puts(o, "</section>\n");
	bo_free(ord);
	bo_free(bo);
	return BO_OK;
}

static void period(const bo_report *r, bo_out *o)
{
	const bo_report_item *t = &r->total.f;
	char b[64], since[16];
	bo__out_puts(o, "<section id=\"period\">\n<h2>Over the period</h2>\n");
	if (!r->history) {
		bo__out_puts(o, "<p class=\"note\">This store keeps no history: no period figures.</p>\n</section>\n");
		return;
	}
	bo__out_puts(o, "<dl>\n");
	bo__out_printf(o, "<div><dt>units ordered</dt><dd>%s</dd></div>\n", num(b, sizeof(b), t->ordered));
	bo__out_printf(o, "<div><dt>backordered at placement</dt><dd>%s</dd></div>\n",
		       num(b, sizeof(b), t->period_backordered));
	bo__out_printf(o, "<div><dt>cancelled while waiting</dt><dd>%s</dd></div>\n", num(b, sizeof(b), t->cancelled));
	bo__out_printf(o, "<div><dt>waiting lines filled</dt><dd>%s</dd></div>\n", num(b, sizeof(b), t->filled_lines));
	bo__out_printf(o, "<div><dt>average wait</dt><dd>%s</dd></div>\n", days1(b, sizeof(b), t->wait_avg));
	bo__out_printf(o, "<div><dt>90%% waited at most</dt><dd>%s</dd></div>\n", days1(b, sizeof(b), t->wait_p90));
	bo__out_puts(o, "</dl>\n");
	bo__fmt_day(since, r->since);
	bo__out_printf(o, "<p class=\"note\">Period: %s%s. Waits of the lines filled in the period, from the time "
			  "they joined the queue.</p>\n",
		       r->since == BO_NO_TIME ? "all history" : "from ", r->since == BO_NO_TIME ? "" : since);
	bo__out_puts(o, "</section>\n");
}

int bo__report_html(const bo_report *r, bo_out *o)
{
	char now[32], day[16];
	int rc;
	bo__fmt_time(now, r->now);
	bo__fmt_day(day, r->now);
	bo__out_printf(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			  "<title>Backorder report %s</title>\n",
		       day);
	if (r->located) {
		size_t close = strlen("</style>\n");
		bo__out_write(o, style, sizeof(style) - 1 - close);
		bo__out_puts(o, style_locations);
		bo__out_puts(o, "</style>\n");
	} else {
		bo__out_puts(o, style);
	}
	bo__out_puts(o, "</head>\n<body>\n<main>\n<h1>Backorder report</h1>\n");
	now[10] = ' ';
	now[16] = '\0';
	bo__out_printf(o, "<p class=\"sub\">At %s UTC &#183; %zu item%s</p>\n", now, r->n, r->n == 1 ? "" : "s");
	cards(r, o);
	need_table(r, o);
	if (r->located)
		location_tables(r, o);
	if ((rc = bar_chart(r, o)) < 0)
		return rc;
	ageing_chart(r, o);
	if ((rc = series_chart(r, o)) < 0)
		return rc;
	period(r, o);
	bo__out_printf(o, "<footer>libbackorder %s &#183; money in minor units / 100</footer>\n</main>\n</body>\n"
			  "</html>\n",
		       BO_VERSION_STRING);
	return bo__out_flush(o);
}
