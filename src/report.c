/* Reports: demand insight and restock advice (DESIGN §1 "insight").
 *
 * bo_report_make() reads each item's record, walks its waiting queue (to
 * count, age and judge the waiting lines) and reads its history records
 * (bo_hist_rec, kept by the store per item per UTC day): never other
 * order lines, never a replay of old orders. The writers below render the
 * result as text, CSV and JSON; report_html.c renders the HTML page. */
#include "report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* ---------------------------------------------------------------- */
/* Output helpers */

int bo__out_flush(bo_out *o)
{
	if (o->len > 0 && !o->err && o->cb(o->ud, o->buf, o->len) != 0)
		o->err = BO_ESTATE;
	o->len = 0;
	return o->err;
}

void bo__out_write(bo_out *o, const char *s, size_t n)
{
	while (n > 0 && !o->err) {
		size_t room = sizeof(o->buf) - o->len;
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			bo__out_flush(o);
	}
}

void bo__out_puts(bo_out *o, const char *s)
{
	bo__out_write(o, s, strlen(s));
}

void bo__out_printf(bo_out *o, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		bo__out_write(o, small, (size_t)n);
		return;
	}
	{
		char *big = bo_malloc((size_t)n + 1);
		if (!big) {
			o->err = BO_ESTORAGE;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		bo__out_write(o, big, (size_t)n);
		bo_free(big);
	}
}

void bo__fmt_time(char buf[32], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t == BO_NO_TIME || !gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "-");
}

void bo__fmt_day(char buf[16], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t == BO_NO_TIME || !gmtime_r(&tt, &tm) || strftime(buf, 16, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, 16, "-");
}

void bo__fmt_fixed(char *buf, size_t size, int64_t num, int64_t den, int digits)
{
	bo_i128 scale = 1, v;
	bool neg = (num < 0) != (den < 0) && num != 0;
	bo_i128 n = num < 0 ? -(bo_i128)num : num, d = den < 0 ? -(bo_i128)den : den;
	for (int i = 0; i < digits; i++)
		scale *= 10;
	if (d == 0) {
		snprintf(buf, size, "-");
		return;
	}
	v = (n * scale * 2 + d) / (2 * d); /* rounded half up */
	if (digits > 0)
		snprintf(buf, size, "%s%lld.%0*lld", neg ? "-" : "", (long long)(v / scale), digits,
			 (long long)(v % scale));
	else
		snprintf(buf, size, "%s%lld", neg ? "-" : "", (long long)v);
}

/* ---------------------------------------------------------------- */
/* Making a report */

typedef struct builder {
	bo_report *r;
	size_t icap, dcap;
	uint64_t whist[BO_HIST_WAIT_BUCKETS]; /* the item's period wait buckets */
	int64_t wmax;                          /* the item's longest period wait */
	uint64_t tw[BO_HIST_WAIT_BUCKETS];    /* the totals' */
	int64_t twmax;
	int64_t twsum;
	size_t lcap;
	bo_locview *view;                      /* an item's stock per location */
} builder;

static int64_t sat(int64_t a, int64_t b)
{
	return bo__add_ok(a, b) ? a + b : INT64_MAX;
}

/* Nearest-rank 90th percentile of `n` waits given by buckets and the
 * longest wait; see bo_report_item in backorder.h. */
static int64_t p90(const uint64_t h[BO_HIST_WAIT_BUCKETS], int64_t n, int64_t wmax)
{
	int64_t rank = (9 * n + 9) / 10, cum = 0;
	if (n <= 0)
		return BO_NO_TIME;
	if (rank >= n)
		return wmax;
	for (int b = 0; b < BO_HIST_WAIT_BUCKETS; b++) {
		int64_t c = (int64_t)h[b];
		if (c > 0 && cum + c >= rank) {
			int64_t lo = bo_hist_bucket_floor(b);
			int64_t hi = b + 1 < BO_HIST_WAIT_BUCKETS ? bo_hist_bucket_floor(b + 1) : wmax + 1;
			if (hi > wmax + 1)
				hi = wmax + 1;
			if (hi <= lo)
				return lo;
			/* the rank's place in the bucket, its lines spread evenly */
			return lo + (int64_t)((bo_i128)(hi - lo) * (2 * (rank - cum) - 1) / (2 * c));
		}
		cum += c;
	}
	return wmax;
}

/* Room for element n of the array *pp (of *cap elements of `elem` bytes). */
static int grow(void *pp, size_t n, size_t *cap, size_t elem)
{
	void **p = pp, *np;
	size_t nc;
	if (n < *cap)
		return BO_OK;
	nc = *cap ? *cap * 2 : 64;
	if (nc > SIZE_MAX / elem || !(np = bo_realloc(*p, nc * elem)))
		return bo__fail(BO_ESTORAGE, "out of memory");
	*p = np;
	*cap = nc;
	return BO_OK;
}

/* The waiting queue of item `it`: lines, oldest, late, ageing. */
static int walk_waiting(bo_inventory *inv, bo_report_item *f, int64_t now)
{
	static const int64_t age_days[BO_REPORT_AGE_BUCKETS - 1] = { 1, 3, 7, 14, 30 };
	bo_queue_entry e;
	bo_queue_key after;
	int rc;
	for (rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, f->sku, NULL, &e); rc == BO_OK;
	     rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, f->sku, &after, &e)) {
		bo_line_rec l;
		int64_t age;
		int b = 0;
		after = e.key;
		if ((rc = bo__line_get(inv, e.order_id, e.index, &l)) < 0)
			return bo__storage_fail(rc, "line_get");
		f->waiting_lines++;
		if (f->oldest_wait == BO_NO_TIME || l.queue_time < f->oldest_wait)
			f->oldest_wait = l.queue_time;
		if (l.backordered > 0 && l.eta != BO_NO_TIME && l.eta < now)
			f->late_lines++;
		age = bo__span(now, l.queue_time);
		while (b < BO_REPORT_AGE_BUCKETS - 1 && age >= age_days[b] * 86400)
			b++;
		f->ageing[b]++;
	}
	return rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "queue_next");
}

/* The history of the item: fill rate over all of it, the period figures
 * and the daily series from since_day on. */
static int read_history(builder *bd, bo_inventory *inv, bo_ritem *ri, int64_t since_day)
{
	bo_report *r = bd->r;
	bo_report_item *f = &ri->f;
	bo_hist_rec h;
	int64_t after = INT64_MIN, wsum = 0;
	int rc;
	f->fill_ordered = f->fill_at_once = 0;
	ri->day0 = r->ndays;
	while ((rc = inv->st.hist_next(inv->sd, f->sku, after, &h)) == BO_OK) {
		if (h.day <= after && after != INT64_MIN)
			return bo__fail(BO_ESTORAGE, "hist_next of '%s' went back from day %lld to %lld", f->sku,
					(long long)after, (long long)h.day);
		after = h.day;
		f->fill_ordered = sat(f->fill_ordered, h.ordered);
		f->fill_at_once = sat(f->fill_at_once, h.ordered > h.backordered ? h.ordered - h.backordered : 0);
		if (h.day < since_day)
			continue;
		f->ordered = sat(f->ordered, h.ordered);
		f->period_backordered = sat(f->period_backordered, h.backordered);
		f->cancelled = sat(f->cancelled, h.cancelled);
		f->filled_lines = sat(f->filled_lines, h.filled_lines);
		wsum = sat(wsum, h.wait_sum);
		if (h.filled_lines > 0 && h.wait_max > bd->wmax)
			bd->wmax = h.wait_max;
		for (int b = 0; b < BO_HIST_WAIT_BUCKETS; b++)
			bd->whist[b] += h.wait_hist[b];
		if ((rc = grow(&r->days, r->ndays, &bd->dcap, sizeof(*r->days))) < 0)
			return rc;
		r->days[r->ndays++] = (bo_report_day){ bo__day_start(h.day), h.ordered, h.backordered, h.cancelled,
						       h.filled_lines };
	}
	if (rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "hist_next");
	ri->ndays = r->ndays - ri->day0;
	if (f->filled_lines > 0) {
		f->wait_avg = wsum / f->filled_lines;
		f->wait_p90 = p90(bd->whist, f->filled_lines, bd->wmax);
	}
	bd->twsum = sat(bd->twsum, wsum);
	if (bd->wmax > bd->twmax)
		bd->twmax = bd->wmax;
	for (int b = 0; b < BO_HIST_WAIT_BUCKETS; b++)
		bd->tw[b] += bd->whist[b];
	return BO_OK;
}

static void item_init(bo_report_item *f)
{
	memset(f, 0, sizeof(*f));
	f->version = BO_REPORT_ITEM_VERSION;
	f->oldest_wait = BO_NO_TIME;
	f->oldest_wait_days = -1;
	f->fill_rate = -1.0;
	f->wait_avg = BO_NO_TIME;
	f->wait_p90 = BO_NO_TIME;
}

static void item_derived(bo_report_item *f, int64_t now)
{
	bo_i128 cover = (bo_i128)f->available + f->incoming;
	f->shortfall = f->backordered > cover ? (int64_t)(f->backordered - cover) : 0;
	if (f->oldest_wait != BO_NO_TIME)
		f->oldest_wait_days = bo__span(now, f->oldest_wait) / 86400;
	f->fill_rate = f->fill_ordered > 0 ? (double)f->fill_at_once / (double)f->fill_ordered : -1.0;
}

/* The item's stock per location: the locations holding or allocating its
 * units, in location order. An item whose stock is all at "main"
 * (`located` 0) reads nothing more. */
static int add_stock(builder *bd, bo_inventory *inv, const bo_item_rec *rec, bo_ritem *ri)
{
	bo_report *r = bd->r;
	int rc;
	ri->loc0 = r->nlstock;
	ri->nloc = 0;
	if (rec->located > 0) {
		if (!bd->view && !(bd->view = bo_malloc(sizeof(*bd->view))))
			return bo__fail(BO_ESTORAGE, "out of memory");
		if ((rc = bo__stock_view(inv, rec, bd->view)) < 0)
			return rc;
		for (size_t i = 0; i < bd->view->n; i++) {
			const bo_locent *e = &bd->view->e[i];
			if (e->on_hand == 0 && e->allocated == 0)
				continue;
			if ((rc = grow(&r->lstock, r->nlstock, &bd->lcap, sizeof(*r->lstock))) < 0)
				return rc;
			r->lstock[r->nlstock++] = (bo_rstock){ e->pos, e->on_hand, e->allocated };
		}
	} else if (rec->on_hand != 0 || rec->allocated != 0) {
		size_t main = 0;
		while (main + 1 < r->nlocs && strcmp(r->locs[main].id, BO_LOCATION_MAIN) != 0)
			main++;
		if ((rc = grow(&r->lstock, r->nlstock, &bd->lcap, sizeof(*r->lstock))) < 0)
			return rc;
		r->lstock[r->nlstock++] = (bo_rstock){ main, rec->on_hand, rec->allocated };
	}
	ri->nloc = r->nlstock - ri->loc0;
	return BO_OK;
}

/* The inventory's locations, copied into the report. */
static int read_locations(bo_report *r, bo_inventory *inv)
{
	int rc;
	if ((rc = bo__locs_load(inv)) < 0)
		return rc;
	if (!(r->locs = bo_malloc(inv->nlocs * sizeof(*r->locs))))
		return bo__fail(BO_ESTORAGE, "out of memory");
	for (size_t i = 0; i < inv->nlocs; i++) {
		memcpy(r->locs[i].id, inv->locs[i].id, sizeof(r->locs[i].id));
		r->locs[i].rank = inv->locs[i].rank;
	}
	r->nlocs = inv->nlocs;
	r->located = r->nlocs > 1;
	return BO_OK;
}

static int add_item(builder *bd, bo_inventory *inv, const bo_item_rec *rec, int64_t since_day)
{
	bo_report *r = bd->r;
	bo_ritem *ri;
	bo_report_item *f;
	int rc;
	if ((rc = grow(&r->items, r->n, &bd->icap, sizeof(*r->items))) < 0)
		return rc;
	ri = &r->items[r->n];
	f = &ri->f;
	item_init(f);
	memcpy(f->sku, rec->sku, sizeof(f->sku));
	f->on_hand = rec->on_hand;
	f->allocated = rec->allocated;
	f->available = rec->on_hand - rec->allocated;
	f->backordered = rec->backordered;
	f->incoming = rec->incoming;
	f->revenue_held = rec->revenue_held;
	ri->day0 = r->ndays;
	ri->ndays = 0;
	if ((rc = add_stock(bd, inv, rec, ri)) < 0)
		return rc;
	if (rec->backordered > 0 && (rc = walk_waiting(inv, f, r->now)) < 0)
		return rc;
	if (r->history) {
		memset(bd->whist, 0, sizeof(bd->whist));
		bd->wmax = 0;
		if ((rc = read_history(bd, inv, ri, since_day)) < 0)
			return rc;
	} else {
		f->fill_ordered = rec->demand;
		f->fill_at_once = rec->filled_at_once;
	}
	item_derived(f, r->now);
	r->n++;
	return BO_OK;
}

static int cmp_day(const void *a, const void *b)
{
	const bo_report_day *x = a, *y = b;
	return x->day < y->day ? -1 : x->day > y->day;
}

static int totals(builder *bd)
{
	bo_report *r = bd->r;
	bo_report_item *t = &r->total.f;
	item_init(t);
	for (size_t i = 0; i < r->n; i++) {
		const bo_report_item *f = &r->items[i].f;
		t->on_hand = sat(t->on_hand, f->on_hand);
		t->allocated = sat(t->allocated, f->allocated);
		t->available = sat(t->available, f->available);
		t->backordered = sat(t->backordered, f->backordered);
		t->waiting_lines = sat(t->waiting_lines, f->waiting_lines);
		t->incoming = sat(t->incoming, f->incoming);
		t->shortfall = sat(t->shortfall, f->shortfall);
		t->revenue_held = sat(t->revenue_held, f->revenue_held);
		if (f->oldest_wait != BO_NO_TIME && (t->oldest_wait == BO_NO_TIME || f->oldest_wait < t->oldest_wait))
			t->oldest_wait = f->oldest_wait;
		t->fill_ordered = sat(t->fill_ordered, f->fill_ordered);
		t->fill_at_once = sat(t->fill_at_once, f->fill_at_once);
		t->late_lines = sat(t->late_lines, f->late_lines);
		for (int b = 0; b < BO_REPORT_AGE_BUCKETS; b++)
			t->ageing[b] = sat(t->ageing[b], f->ageing[b]);
		t->ordered = sat(t->ordered, f->ordered);
		t->period_backordered = sat(t->period_backordered, f->period_backordered);
		t->cancelled = sat(t->cancelled, f->cancelled);
		t->filled_lines = sat(t->filled_lines, f->filled_lines);
	}
	if (t->oldest_wait != BO_NO_TIME)
		t->oldest_wait_days = bo__span(r->now, t->oldest_wait) / 86400;
	t->fill_rate = t->fill_ordered > 0 ? (double)t->fill_at_once / (double)t->fill_ordered : -1.0;
	if (t->filled_lines > 0) {
		t->wait_avg = bd->twsum / t->filled_lines;
		t->wait_p90 = p90(bd->tw, t->filled_lines, bd->twmax);
	}
	/* the totals per location: those holding or allocating units */
	if (r->nlstock > 0) {
		bo_rstock *sum = bo__calloc(r->nlocs, sizeof(*sum));
		size_t n = 0;
		if (!sum)
			return bo__fail(BO_ESTORAGE, "out of memory");
		for (size_t i = 0; i < r->nlstock; i++) {
			bo_rstock *x = &sum[r->lstock[i].loc];
			x->on_hand = sat(x->on_hand, r->lstock[i].on_hand);
			x->allocated = sat(x->allocated, r->lstock[i].allocated);
		}
		for (size_t i = 0; i < r->nlocs; i++)
			if (sum[i].on_hand != 0 || sum[i].allocated != 0)
				sum[n++] = (bo_rstock){ i, sum[i].on_hand, sum[i].allocated };
		r->tlstock = sum;
		r->ntlstock = n;
	}
	/* the totals' series: every item's days, merged by day */
	if (r->ndays > 0) {
		bo_report_day *all = bo_malloc(r->ndays * sizeof(*all));
		size_t n = 0;
		if (!all)
			return bo__fail(BO_ESTORAGE, "out of memory");
		memcpy(all, r->days, r->ndays * sizeof(*all));
		qsort(all, r->ndays, sizeof(*all), cmp_day);
		for (size_t i = 0; i < r->ndays; i++) {
			if (n > 0 && all[n - 1].day == all[i].day) {
				all[n - 1].ordered = sat(all[n - 1].ordered, all[i].ordered);
				all[n - 1].backordered = sat(all[n - 1].backordered, all[i].backordered);
				all[n - 1].cancelled = sat(all[n - 1].cancelled, all[i].cancelled);
				all[n - 1].filled_lines = sat(all[n - 1].filled_lines, all[i].filled_lines);
			} else {
				all[n++] = all[i];
			}
		}
		r->tdays = all;
		r->ntdays = n;
	}
	return BO_OK;
}

/* Most in need first: shortfall, revenue held, late lines, waiting units (all
 * descending), then SKU. */
static const bo_report *sort_report;

static int cmp_need(const void *a, const void *b)
{
	const bo_report_item *x = &sort_report->items[*(const size_t *)a].f;
	const bo_report_item *y = &sort_report->items[*(const size_t *)b].f;
	if (x->shortfall != y->shortfall)
		return x->shortfall > y->shortfall ? -1 : 1;
	if (x->revenue_held != y->revenue_held)
		return x->revenue_held > y->revenue_held ? -1 : 1;
	if (x->late_lines != y->late_lines)
		return x->late_lines > y->late_lines ? -1 : 1;
	if (x->backordered != y->backordered)
		return x->backordered > y->backordered ? -1 : 1;
	return strcmp(x->sku, y->sku);
}

static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

static int rank_items(bo_report *r)
{
	if (r->n == 0)
		return BO_OK;
	r->by_need = bo_malloc(r->n * sizeof(*r->by_need));
	if (!r->by_need)
		return bo__fail(BO_ESTORAGE, "out of memory");
	for (size_t i = 0; i < r->n; i++)
		r->by_need[i] = i;
	pthread_mutex_lock(&sort_lock); /* qsort has no context argument in C11 */
	sort_report = r;
	qsort(r->by_need, r->n, sizeof(*r->by_need), cmp_need);
	sort_report = NULL;
	pthread_mutex_unlock(&sort_lock);
	for (size_t i = 0; i < r->n; i++)
		r->items[r->by_need[i]].f.need_rank = (int64_t)i + 1;
	return BO_OK;
}

int bo_report_make(bo_report **out, bo_inventory *inv, const bo_report_options *opts)
{
	bo_report_options o = BO_REPORT_OPTIONS_INIT;
	builder bd;
	bo_report *r;
	bo_item_rec rec;
	char after[BO_ID_MAX + 1] = "";
	int64_t since_day = INT64_MIN, clock;
	int rc;

	if (!out)
		return bo__fail(BO_EINVALID, "out is NULL");
	*out = NULL;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if (opts) {
		if (opts->version < 1 || opts->version > BO_REPORT_OPTIONS_VERSION)
			return bo__fail(BO_EINVALID, "report options version %u is not supported", opts->version);
		o = *opts;
	}
	if (!(r = bo__calloc(1, sizeof(*r))))
		return bo__fail(BO_ESTORAGE, "out of memory");
	memset(&bd, 0, sizeof(bd));
	bd.r = r;
	r->since = BO_NO_TIME;
	if (o.since != BO_NO_TIME) {
		since_day = bo__day_of(o.since);
		r->since = bo__day_start(since_day);
	}
	BO_LOCK(inv);
	bo__error_reset_storage();
	r->history = inv->st.hist_next != NULL;
	clock = bo__clock_now(inv);
	if ((rc = bo__meta_get_inv(inv, BO_MK_NOW, &r->now, 0)) < 0)
		goto out;
	if (clock > r->now)
		r->now = clock;
	if ((rc = read_locations(r, inv)) < 0)
		goto out;
	memset(&rec, 0, sizeof(rec));
	while ((rc = inv->st.item_next(inv->sd, after[0] ? after : NULL, &rec)) == BO_OK) {
		memcpy(after, rec.sku, sizeof(after));
		if (inv->st.version < 3)
			rec.located = 0;
		if ((rc = add_item(&bd, inv, &rec, since_day)) < 0)
			goto out;
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "item_next");
out:
	BO_UNLOCK(inv);
	bo_free(bd.view);
	if (rc == BO_OK)
		rc = totals(&bd);
	if (rc == BO_OK)
		rc = rank_items(r);
	if (rc < 0) {
		bo_report_free(r);
		return rc;
	}
	*out = r;
	return BO_OK;
}

void bo_report_free(bo_report *report)
{
	if (!report)
		return;
	bo_free(report->items);
	bo_free(report->days);
	bo_free(report->tdays);
	bo_free(report->by_need);
	bo_free(report->locs);
	bo_free(report->lstock);
	bo_free(report->tlstock);
	bo_free(report);
}

int64_t bo_report_now(const bo_report *report) { return report ? report->now : BO_NO_TIME; }
int64_t bo_report_since(const bo_report *report) { return report ? report->since : BO_NO_TIME; }
int bo_report_has_history(const bo_report *report) { return report ? report->history : 0; }
size_t bo_report_item_count(const bo_report *report) { return report ? report->n : 0; }
size_t bo_report_item_size(void) { return sizeof(bo_report_item); }
size_t bo_report_day_size(void) { return sizeof(bo_report_day); }
size_t bo_report_location_size(void) { return sizeof(bo_report_location); }

static const bo_ritem *ritem_at(const bo_report *r, size_t index)
{
	if (index == BO_REPORT_TOTAL)
		return &r->total;
	return index < r->n ? &r->items[index] : NULL;
}

int bo_report_item_get(bo_report_item *out, const bo_report *report, size_t index)
{
	const bo_ritem *ri;
	unsigned int version;
	if (!out || !report)
		return bo__fail(BO_EINVALID, "NULL argument");
	version = out->version;
	if (version < 1 || version > BO_REPORT_ITEM_VERSION)
		return bo__fail(BO_EINVALID, "report item version %u is not supported (set it to BO_REPORT_ITEM_VERSION)",
				version);
	if (!(ri = ritem_at(report, index)))
		return bo__fail(BO_EINVALID, "item index %zu is out of range (%zu items)", index, report->n);
	*out = ri->f; /* version 1 is the whole struct */
	return BO_OK;
}

size_t bo_report_day_count(const bo_report *report, size_t item)
{
	const bo_ritem *ri;
	if (!report)
		return 0;
	if (item == BO_REPORT_TOTAL)
		return report->ntdays;
	ri = ritem_at(report, item);
	return ri ? ri->ndays : 0;
}

int bo_report_day_get(bo_report_day *out, const bo_report *report, size_t item, size_t index)
{
	if (!out || !report)
		return bo__fail(BO_EINVALID, "NULL argument");
	if (index >= bo_report_day_count(report, item))
		return bo__fail(BO_EINVALID, "day index %zu is out of range", index);
	*out = item == BO_REPORT_TOTAL ? report->tdays[index] : report->days[report->items[item].day0 + index];
	return BO_OK;
}

size_t bo_report_item_location_count(const bo_report *report, size_t item)
{
	const bo_ritem *ri;
	if (!report)
		return 0;
	if (item == BO_REPORT_TOTAL)
		return report->ntlstock;
	ri = ritem_at(report, item);
	return ri ? ri->nloc : 0;
}

int bo_report_item_location_get(bo_report_location *out, const bo_report *report, size_t item, size_t index)
{
	const bo_rstock *s;
	if (!out || !report)
		return bo__fail(BO_EINVALID, "NULL argument");
	if (index >= bo_report_item_location_count(report, item))
		return bo__fail(BO_EINVALID, "location index %zu is out of range", index);
	s = item == BO_REPORT_TOTAL ? &report->tlstock[index] : &report->lstock[report->items[item].loc0 + index];
	out->location = bo__rstock_loc(report, s);
	out->rank = report->locs[s->loc].rank;
	out->on_hand = s->on_hand;
	out->allocated = s->allocated;
	out->available = s->on_hand - s->allocated;
	return BO_OK;
}

int bo_report_format_parse(int *out, const char *name)
{
	static const char *const names[] = { "text", "csv", "json", "html" };
	if (!out || !name)
		return bo__fail(BO_EINVALID, "NULL argument");
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = i;
			return BO_OK;
		}
	}
	return bo__fail(BO_EINVALID, "unknown report format '%.40s' (text, csv, json or html)", name);
}

/* ---------------------------------------------------------------- */
/* CSV */

static void fill_rate_text(char *buf, size_t size, const bo_report_item *f)
{
	if (f->fill_ordered <= 0)
		buf[0] = '\0';
	else
		bo__fmt_fixed(buf, size, f->fill_at_once, f->fill_ordered, 3);
}

static int write_csv(const bo_report *r, bo_out *o)
{
	bo__out_puts(o, "sku,on_hand,allocated,available,backordered,waiting_lines,incoming,shortfall,"
			"revenue_held,oldest_wait_days,fill_rate,late_lines\n");
	for (size_t i = 0; i < r->n; i++) {
		const bo_report_item *f = &r->items[i].f;
		char fr[32], ow[32] = "";
		const char *q = strpbrk(f->sku, ",\"") ? "\"" : "";
		fill_rate_text(fr, sizeof(fr), f);
		if (f->oldest_wait_days >= 0)
			snprintf(ow, sizeof(ow), "%" PRId64, f->oldest_wait_days);
		bo__out_puts(o, q);
		for (const char *p = f->sku; *p; p++) { /* a quote inside a quoted field doubles */
			if (*p == '"')
				bo__out_puts(o, "\"");
			bo__out_write(o, p, 1);
		}
		bo__out_puts(o, q);
		bo__out_printf(o, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
			       ",%" PRId64 ",%s,%s,%" PRId64 "\n",
			       f->on_hand, f->allocated, f->available, f->backordered, f->waiting_lines, f->incoming,
			       f->shortfall, f->revenue_held, ow, fr, f->late_lines);
	}
	return bo__out_flush(o);
}

/* ---------------------------------------------------------------- */
/* JSON */

/* A JSON string. Ids are bytes: a byte that is not part of a well-formed
 * UTF-8 sequence becomes U+FFFD, so that the document is valid JSON. */
static void json_str(bo_out *o, const char *s)
{
	bo__out_puts(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			bo__out_write(o, e, 2);
		} else if (c < 0x20) {
			bo__out_printf(o, "\\u%04x", c);
		} else if (c < 0x80) {
			bo__out_write(o, s, 1);
		} else {
			uint32_t cp;
			size_t k = bo__utf8_seq((const unsigned char *)s, &cp);
			if (k == 0) {
				bo__out_puts(o, "\\ufffd");
			} else {
				bo__out_write(o, s, k);
				s += k - 1;
			}
		}
	}
	bo__out_puts(o, "\"");
}

static void json_time(bo_out *o, int64_t t)
{
	char b[32];
	if (t == BO_NO_TIME) {
		bo__out_puts(o, "null");
		return;
	}
	bo__fmt_time(b, t);
	bo__out_printf(o, "\"%s\"", b);
}

/* Seconds as days with one decimal, or null. */
static void json_days(bo_out *o, int64_t s)
{
	char b[48];
	if (s == BO_NO_TIME) {
		bo__out_puts(o, "null");
		return;
	}
	bo__fmt_fixed(b, sizeof(b), s, 86400, 1);
	bo__out_puts(o, b);
}

static void json_opt(bo_out *o, int64_t v, int64_t none)
{
	if (v == none)
		bo__out_puts(o, "null");
	else
		bo__out_printf(o, "%" PRId64, v);
}

static void json_series(bo_out *o, const bo_report_day *d, size_t n, const char *ind)
{
	bo__out_puts(o, "[");
	for (size_t i = 0; i < n; i++) {
		char day[16];
		bo__fmt_day(day, d[i].day);
		bo__out_printf(o,
			       "%s\n%s  {\"day\": \"%s\", \"ordered\": %" PRId64 ", \"backordered\": %" PRId64
			       ", \"cancelled\": %" PRId64 ", \"filled_lines\": %" PRId64 "}",
			       i ? "," : "", ind, day, d[i].ordered, d[i].backordered, d[i].cancelled,
			       d[i].filled_lines);
	}
	if (n)
		bo__out_printf(o, "\n%s", ind);
	bo__out_puts(o, "]");
}

static void json_figures(bo_out *o, const bo_report *r, const bo_report_item *f, const char *ind)
{
	char fr[32];
	bo__out_printf(o, "%s\"on_hand\": %" PRId64 ",\n", ind, f->on_hand);
	bo__out_printf(o, "%s\"allocated\": %" PRId64 ",\n", ind, f->allocated);
	bo__out_printf(o, "%s\"available\": %" PRId64 ",\n", ind, f->available);
	bo__out_printf(o, "%s\"backordered\": %" PRId64 ",\n", ind, f->backordered);
	bo__out_printf(o, "%s\"waiting_lines\": %" PRId64 ",\n", ind, f->waiting_lines);
	bo__out_printf(o, "%s\"incoming\": %" PRId64 ",\n", ind, f->incoming);
	bo__out_printf(o, "%s\"shortfall\": %" PRId64 ",\n", ind, f->shortfall);
	bo__out_printf(o, "%s\"order_now\": %" PRId64 ",\n", ind, f->shortfall);
	bo__out_printf(o, "%s\"revenue_held\": %" PRId64 ",\n", ind, f->revenue_held);
	bo__out_printf(o, "%s\"oldest_wait\": ", ind);
	json_time(o, f->oldest_wait);
	bo__out_printf(o, ",\n%s\"oldest_wait_days\": ", ind);
	json_opt(o, f->oldest_wait_days, -1);
	fill_rate_text(fr, sizeof(fr), f);
	bo__out_printf(o, ",\n%s\"fill_rate\": %s,\n", ind, fr[0] ? fr : "null");
	bo__out_printf(o, "%s\"fill_ordered\": %" PRId64 ",\n", ind, f->fill_ordered);
	bo__out_printf(o, "%s\"fill_at_once\": %" PRId64 ",\n", ind, f->fill_at_once);
	bo__out_printf(o, "%s\"late_lines\": %" PRId64 ",\n", ind, f->late_lines);
	bo__out_printf(o, "%s\"ageing\": {\"under_1d\": %" PRId64 ", \"1d_3d\": %" PRId64 ", \"3d_7d\": %" PRId64
			  ", \"7d_14d\": %" PRId64 ", \"14d_30d\": %" PRId64 ", \"30d_plus\": %" PRId64 "},\n",
		       ind, f->ageing[0], f->ageing[1], f->ageing[2], f->ageing[3], f->ageing[4], f->ageing[5]);
	bo__out_printf(o, "%s\"period\": ", ind);
	if (!r->history) {
		bo__out_puts(o, "null");
	} else {
		bo__out_printf(o, "{\"ordered\": %" PRId64 ", \"backordered\": %" PRId64 ", \"cancelled\": %" PRId64
				  ", \"filled_lines\": %" PRId64 ", \"wait_avg_seconds\": ",
			       f->ordered, f->period_backordered, f->cancelled, f->filled_lines);
		json_opt(o, f->wait_avg, BO_NO_TIME);
		bo__out_puts(o, ", \"wait_avg_days\": ");
		json_days(o, f->wait_avg);
		bo__out_puts(o, ", \"wait_p90_seconds\": ");
		json_opt(o, f->wait_p90, BO_NO_TIME);
		bo__out_puts(o, ", \"wait_p90_days\": ");
		json_days(o, f->wait_p90);
		bo__out_puts(o, "}");
	}
}

/* The stock per location of an item or of the totals (inventories that
 * name locations only). */
static void json_stock(bo_out *o, const bo_report *r, const bo_rstock *st, size_t n, const char *ind)
{
	if (!r->located)
		return;
	bo__out_printf(o, ",\n%s\"stock_by_location\": [", ind);
	for (size_t i = 0; i < n; i++) {
		bo__out_printf(o, "%s\n%s  {\"location\": ", i ? "," : "", ind);
		json_str(o, bo__rstock_loc(r, &st[i]));
		bo__out_printf(o, ", \"on_hand\": %" PRId64 ", \"allocated\": %" PRId64 ", \"available\": %" PRId64 "}",
			       st[i].on_hand, st[i].allocated, st[i].on_hand - st[i].allocated);
	}
	if (n)
		bo__out_printf(o, "\n%s", ind);
	bo__out_puts(o, "]");
}

static int write_json(const bo_report *r, bo_out *o)
{
	bo__out_puts(o, "{\n  \"now\": ");
	json_time(o, r->now);
	bo__out_puts(o, ",\n  \"since\": ");
	json_time(o, r->since);
	bo__out_printf(o, ",\n  \"history\": %s,\n  \"items_count\": %zu,\n", r->history ? "true" : "false", r->n);
	if (r->located) {
		bo__out_puts(o, "  \"locations\": [");
		for (size_t i = 0; i < r->nlocs; i++) {
			bo__out_printf(o, "%s\n    {\"id\": ", i ? "," : "");
			json_str(o, r->locs[i].id);
			bo__out_printf(o, ", \"rank\": %" PRId64 "}", r->locs[i].rank);
		}
		bo__out_puts(o, "\n  ],\n");
	}
	bo__out_puts(o, "  \"totals\": {\n");
	json_figures(o, r, &r->total.f, "    ");
	json_stock(o, r, r->tlstock, r->ntlstock, "    ");
	bo__out_puts(o, ",\n    \"days\": ");
	json_series(o, r->tdays, r->ntdays, "    ");
	bo__out_puts(o, "\n  },\n  \"items\": [");
	for (size_t i = 0; i < r->n; i++) {
		const bo_ritem *ri = &r->items[i];
		bo__out_printf(o, "%s\n    {\n      \"sku\": ", i ? "," : "");
		json_str(o, ri->f.sku);
		bo__out_printf(o, ",\n      \"need_rank\": %" PRId64 ",\n", ri->f.need_rank);
		json_figures(o, r, &ri->f, "      ");
		/* (an inventory without them has no arrays: NULL, and NULL + 0
		 * is undefined) */
		json_stock(o, r, ri->nloc ? r->lstock + ri->loc0 : NULL, ri->nloc, "      ");
		bo__out_puts(o, ",\n      \"days\": ");
		json_series(o, ri->ndays ? r->days + ri->day0 : NULL, ri->ndays, "      ");
		bo__out_puts(o, "\n    }");
	}
	bo__out_printf(o, "%s]\n}\n", r->n ? "\n  " : "");
	return bo__out_flush(o);
}

/* ---------------------------------------------------------------- */
/* Text */

/* A small table of text cells, printed with aligned columns. */
typedef struct ttable {
	size_t ncols;
	const char *const *head;
	char (*cells)[40];
	size_t nrows, cap;
} ttable;

static int tt_row(ttable *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *p = bo_realloc(t->cells, cap * t->ncols * sizeof(*t->cells));
		if (!p)
			return bo__fail(BO_ESTORAGE, "out of memory");
		t->cells = p;
		t->cap = cap;
	}
	memset(t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->nrows++;
	return BO_OK;
}

static char *tt_cell(ttable *t, size_t col)
{
	return t->cells[(t->nrows - 1) * t->ncols + col];
}

static void tt_print(const ttable *t, bo_out *o)
{
	size_t w[16] = { 0 };
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t n = strlen(t->cells[r * t->ncols + c]);
			if (n > w[c])
				w[c] = n;
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->head[c] : t->cells[(r - 1) * t->ncols + c];
			int left = c == 0;
			if (c > 0)
				bo__out_puts(o, "  ");
			if (left) {
				bo__out_puts(o, s);
				if (c + 1 < t->ncols)
					bo__out_printf(o, "%*s", (int)(w[c] - strlen(s)), "");
			} else {
				bo__out_printf(o, "%*s", (int)w[c], s);
			}
		}
		bo__out_puts(o, "\n");
	}
}

static void days_text(char *buf, size_t size, int64_t s)
{
	if (s == BO_NO_TIME)
		snprintf(buf, size, "-");
	else
		bo__fmt_fixed(buf, size, s, 86400, 1);
}

static int write_text(const bo_report *r, bo_out *o)
{
	static const char *const head[] = { "SKU", "SHORTFALL", "ON_HAND", "ALLOCATED", "AVAILABLE", "BACKORDERED",
					    "LINES", "INCOMING", "REVENUE_HELD", "OLDEST_DAYS", "FILL_RATE", "LATE" };
	static const char *const phead[] = { "SKU", "ORDERED", "BACKORDERED", "CANCELLED", "FILLED_LINES",
					     "AVG_WAIT_DAYS", "P90_WAIT_DAYS" };
	const bo_report_item *t = &r->total.f;
	char now[32], since[16], fr[32];
	ttable tb = { 12, head, NULL, 0, 0 };
	size_t advice = 0;
	int rc = BO_OK;

	bo__fmt_time(now, r->now);
	bo__fmt_day(since, r->since);
	bo__out_printf(o, "Backorder report at %s; period: %s%s\n", now, r->since == BO_NO_TIME ? "all history" : "from ",
		       r->since == BO_NO_TIME ? "" : since);
	fill_rate_text(fr, sizeof(fr), t);
	bo__out_printf(o, "%zu items; %" PRId64 " units wait in %" PRId64 " lines (%" PRId64 " late); %" PRId64
			  " units short; revenue held %" PRId64 "; fill rate %s\n",
		       r->n, t->backordered, t->waiting_lines, t->late_lines, t->shortfall, t->revenue_held,
		       fr[0] ? fr : "-");
	if (r->located) { /* one line: on_hand/allocated at each location holding or allocating units */
		bo__out_puts(o, "Stock per location (on hand/allocated):");
		for (size_t i = 0; i < r->ntlstock; i++)
			bo__out_printf(o, "%s %s %" PRId64 "/%" PRId64, i ? "," : "", bo__rstock_loc(r, &r->tlstock[i]),
				       r->tlstock[i].on_hand, r->tlstock[i].allocated);
		bo__out_puts(o, r->ntlstock ? "\n" : " none\n");
	}
	bo__out_puts(o, "\n");
	for (size_t k = 0; k < r->n && rc == BO_OK; k++) {
		const bo_report_item *f = &r->items[r->by_need[k]].f;
		if ((rc = tt_row(&tb)) < 0)
			break;
		snprintf(tt_cell(&tb, 0), 40, "%.39s", f->sku);
		snprintf(tt_cell(&tb, 1), 40, "%" PRId64, f->shortfall);
		snprintf(tt_cell(&tb, 2), 40, "%" PRId64, f->on_hand);
		snprintf(tt_cell(&tb, 3), 40, "%" PRId64, f->allocated);
		snprintf(tt_cell(&tb, 4), 40, "%" PRId64, f->available);
		snprintf(tt_cell(&tb, 5), 40, "%" PRId64, f->backordered);
		snprintf(tt_cell(&tb, 6), 40, "%" PRId64, f->waiting_lines);
		snprintf(tt_cell(&tb, 7), 40, "%" PRId64, f->incoming);
		snprintf(tt_cell(&tb, 8), 40, "%" PRId64, f->revenue_held);
		if (f->oldest_wait_days >= 0)
			snprintf(tt_cell(&tb, 9), 40, "%" PRId64, f->oldest_wait_days);
		else
			strcpy(tt_cell(&tb, 9), "-");
		fill_rate_text(tt_cell(&tb, 10), 40, f);
		if (!tt_cell(&tb, 10)[0])
			strcpy(tt_cell(&tb, 10), "-");
		snprintf(tt_cell(&tb, 11), 40, "%" PRId64, f->late_lines);
		advice += f->shortfall > 0;
	}
	if (rc == BO_OK)
		tt_print(&tb, o);
	if (rc == BO_OK && advice > 0) {
		bo__out_puts(o, "\nRestock advice (most in need first):\n");
		for (size_t k = 0; k < r->n; k++) {
			const bo_report_item *f = &r->items[r->by_need[k]].f;
			if (f->shortfall > 0)
				bo__out_printf(o, "  %s: order %" PRId64 " now\n", f->sku, f->shortfall);
		}
	} else if (rc == BO_OK) {
		bo__out_puts(o, "\nRestock advice: nothing to order now.\n");
	}
	if (rc == BO_OK && !r->history) {
		bo__out_puts(o, "\nThis store keeps no history: no period figures.\n");
	} else if (rc == BO_OK) {
		ttable pt = { 7, phead, NULL, 0, 0 };
		bo__out_printf(o, "\nPeriod (%s%s), items with demand or filled lines:\n",
			       r->since == BO_NO_TIME ? "all history" : "from ", r->since == BO_NO_TIME ? "" : since);
		for (size_t i = 0; i <= r->n && rc == BO_OK; i++) {
			const bo_report_item *f = i < r->n ? &r->items[i].f : t;
			if (i < r->n && f->ordered == 0 && f->filled_lines == 0 && f->cancelled == 0)
				continue;
			if ((rc = tt_row(&pt)) < 0)
				break;
			snprintf(tt_cell(&pt, 0), 40, "%.39s", i < r->n ? f->sku : "(all)");
			snprintf(tt_cell(&pt, 1), 40, "%" PRId64, f->ordered);
			snprintf(tt_cell(&pt, 2), 40, "%" PRId64, f->period_backordered);
			snprintf(tt_cell(&pt, 3), 40, "%" PRId64, f->cancelled);
			snprintf(tt_cell(&pt, 4), 40, "%" PRId64, f->filled_lines);
			days_text(tt_cell(&pt, 5), 40, f->wait_avg);
			days_text(tt_cell(&pt, 6), 40, f->wait_p90);
		}
		if (rc == BO_OK)
			tt_print(&pt, o);
		bo_free(pt.cells);
	}
	bo_free(tb.cells);
	if (rc < 0)
		return rc;
	return bo__out_flush(o);
}

/* ---------------------------------------------------------------- */

int bo_report_write(const bo_report *report, int format, bo_write_cb write, void *user_data)
{
	bo_out *o;
	int rc;
	if (!report || !write)
		return bo__fail(BO_EINVALID, "NULL argument");
	if (format < BO_REPORT_TEXT || format > BO_REPORT_HTML)
		return bo__fail(BO_EINVALID, "unknown report format %d", format);
	if (!(o = bo_malloc(sizeof(*o))))
		return bo__fail(BO_ESTORAGE, "out of memory");
	o->cb = write;
	o->ud = user_data;
	o->len = 0;
	o->err = 0;
	switch (format) {
	case BO_REPORT_TEXT: rc = write_text(report, o); break;
	case BO_REPORT_CSV: rc = write_csv(report, o); break;
	case BO_REPORT_JSON: rc = write_json(report, o); break;
	default: rc = bo__report_html(report, o); break;
	}
	if (rc == BO_OK)
		rc = bo__out_flush(o);
	bo_free(o);
	if (rc == BO_ESTATE)
		return bo__fail(BO_ESTATE, "the report's writer stopped");
	if (rc == BO_ESTORAGE)
		return bo__fail(BO_ESTORAGE, "out of memory");
	return rc;
}
