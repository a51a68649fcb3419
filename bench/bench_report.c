/*
 * bench_report: the report of issue 14 over a large shop.
 *
 *   bench_report [--store memory|sqlite:PATH] [--items N] [--orders N]
 *                [--days N] [--seed N] [--out DIR]
 *
 * Builds a shop of N items (stock for a third of them, a lead time for a
 * fifth), then places N single-line orders spread evenly over the days
 * (1 to 4 units each, on an item drawn with a skew: some items sell much
 * more than others), with a restock of 45 units of every tenth item each
 * day (about what an item sells in ten days on average), in
 * batches of 1,000 calls. Then times, each three times and the best kept:
 * bo_report_make() (reading items, waiting queues and history) and writing
 * the report as CSV, JSON and HTML (into memory; --out DIR also writes the
 * files). Prints the shop's size (waiting lines, history records), the
 * storage calls the report made (by a counting wrapper: no order is read,
 * lines only of the queues) and the times.
 */
#include <backorder.h>
#include <backorder/memory.h>
#ifdef BO_HAVE_SQLITE_BENCH
#include <backorder/sqlite.h>
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0 INT64_C(1767225600)
#define DAY INT64_C(86400)

static int64_t clock_now = T0;
static int64_t read_clock(void *ud)
{
	(void)ud;
	return clock_now;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Counting wrapper: the calls a report makes. */
static const bo_storage *inner;
static bo_storage counted;
static unsigned long n_item_next, n_queue_next, n_line_get, n_hist_next, n_order;

static int c_item_next(void *ud, const char *after, bo_item_rec *out)
{
	n_item_next++;
	return inner->item_next(ud, after, out);
}
static int c_queue_next(void *ud, int q, const char *sku, const bo_queue_key *after, bo_queue_entry *out)
{
	n_queue_next++;
	return inner->queue_next(ud, q, sku, after, out);
}
static int c_line_get(void *ud, const char *id, uint32_t i, bo_line_rec *out)
{
	n_line_get++;
	return inner->line_get(ud, id, i, out);
}
static int c_hist_next(void *ud, const char *sku, int64_t after, bo_hist_rec *out)
{
	n_hist_next++;
	return inner->hist_next(ud, sku, after, out);
}
static int c_order_get(void *ud, const char *id, bo_order_rec *out, int fu)
{
	n_order++;
	return inner->order_get(ud, id, out, fu);
}
static int c_order_next(void *ud, const char *after, bo_order_rec *out)
{
	n_order++;
	return inner->order_next(ud, after, out);
}

typedef struct sink {
	size_t bytes;
	FILE *f;
} sink;

static int to_sink(void *ud, const char *data, size_t len)
{
	sink *s = ud;
	s->bytes += len;
	if (s->f && fwrite(data, 1, len, s->f) != len)
		return 1;
	return 0;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_report: %s: %s: %s\n", what, bo_status_name(rc), bo_last_error());
	exit(1);
}

int main(int argc, char **argv)
{
	const char *store = "memory", *out_dir = NULL;
	long items = 10000, orders = 1000000, days = 60;
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_options o = BO_OPTIONS_INIT;
	bo_inventory *inv = NULL;
	bo_report *r = NULL;
	char sku[32], id[32];
	double t, best_make = 1e9, best[4] = { 1e9, 1e9, 1e9, 1e9 };
	size_t bytes[4] = { 0 };
	long placed = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--store") && i + 1 < argc)
			store = argv[++i];
		else if (!strcmp(argv[i], "--items") && i + 1 < argc)
			items = atol(argv[++i]);
		else if (!strcmp(argv[i], "--orders") && i + 1 < argc)
			orders = atol(argv[++i]);
		else if (!strcmp(argv[i], "--days") && i + 1 < argc)
			days = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng = 88172645463325252ull ^ (uint64_t)atol(argv[++i]) * 0x9e3779b97f4a7c15ull;
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_report [--store memory|sqlite:PATH] [--items N] [--orders N] "
					"[--days N] [--seed N] [--out DIR]\n");
			return 2;
		}
	}
	if (items < 1 || orders < 0 || days < 1)
		return 2;
	if (!strcmp(store, "memory")) {
		rc = bo_memory_storage(&inner, &ud);
#ifdef BO_HAVE_SQLITE_BENCH
	} else if (!strncmp(store, "sqlite:", 7)) {
		bo_sqlite_options so = BO_SQLITE_OPTIONS_INIT;
		so.sync_full = 0;
		rc = bo_sqlite_storage(&inner, &ud, store + 7, &so);
#endif
	} else {
		fprintf(stderr, "bench_report: unknown store '%s'\n", store);
		return 2;
	}
	if (rc != BO_OK)
		die("open", rc);
	counted = *inner;
	counted.item_next = c_item_next;
	counted.queue_next = c_queue_next;
	counted.line_get = c_line_get;
	counted.hist_next = inner->hist_next ? c_hist_next : NULL;
	counted.order_get = c_order_get;
	counted.order_next = c_order_next;
	vt = &counted;
	o.clock = read_clock;
	o.exclusive = 1;
	if ((rc = bo_inventory_open(&inv, vt, ud, &o)) != BO_OK)
		die("open", rc);

	t = mono();
	if ((rc = bo_inventory_batch_begin(inv)) != BO_OK)
		die("batch", rc);
	for (long i = 0; i < items; i++) {
		bo_item_settings s = BO_ITEM_SETTINGS_INIT;
		snprintf(sku, sizeof(sku), "SKU-%06ld", i);
		if (i % 5 == 0) {
			s.fields = BO_ITEM_LEAD_TIME;
			s.lead_time = (7 + i % 21) * DAY;
		}
		if ((rc = bo_item_set(inv, sku, &s)) != BO_OK)
			die("item", rc);
		if (i % 3 == 0 && (rc = bo_item_receive(inv, sku, 20, NULL)) != BO_OK)
			die("receive", rc);
	}
	for (long d = 0; d < days; d++) {
		long upto = orders * (d + 1) / days, calls = 0;
		for (; placed < upto; placed++) {
			/* skewed: the square of a uniform number favours low indices */
			uint64_t u = rnd() % 1000003;
			long it = (long)((u * u / 1000003) * (uint64_t)items / 1000003);
			bo_line_spec line = { sku, (int64_t)(1 + rnd() % 4), (int64_t)(500 + it % 50 * 100) };
			clock_now = T0 + d * DAY + (int64_t)((placed - orders * d / days) * 80000 /
							     (upto - orders * d / days + 1));
			snprintf(sku, sizeof(sku), "SKU-%06ld", it);
			snprintf(id, sizeof(id), "O-%08ld", placed);
			if ((rc = bo_order_place(inv, id, NULL, &line, 1)) != BO_OK)
				die("place", rc);
			if (++calls % 1000 == 0) {
				if ((rc = bo_inventory_batch_end(inv, 1)) != BO_OK || (rc = bo_inventory_batch_begin(inv)) != BO_OK)
					die("batch", rc);
			}
		}
		clock_now = T0 + d * DAY + 82800;
		for (long i = d % 10; i < items; i += 10) {
			snprintf(sku, sizeof(sku), "SKU-%06ld", i);
			if ((rc = bo_item_receive(inv, sku, 45, NULL)) != BO_OK)
				die("receive", rc);
		}
		if ((rc = bo_inventory_batch_end(inv, 1)) != BO_OK || (rc = bo_inventory_batch_begin(inv)) != BO_OK)
			die("batch", rc);
	}
	if ((rc = bo_inventory_batch_end(inv, 1)) != BO_OK)
		die("batch", rc);
	clock_now = T0 + days * DAY;
	printf("store %s: %ld items, %ld orders over %ld days built in %.1f s\n", store, items, orders, days,
	       mono() - t);

	for (int rep = 0; rep < 3; rep++) {
		n_item_next = n_queue_next = n_line_get = n_hist_next = n_order = 0;
		t = mono();
		if ((rc = bo_report_make(&r, inv, NULL)) != BO_OK)
			die("report", rc);
		t = mono() - t;
		if (t < best_make)
			best_make = t;
		for (int f = 1; f < 4; f++) {
			sink s = { 0, NULL };
			char path[512];
			static const char *const ext[] = { "txt", "csv", "json", "html" };
			if (out_dir && rep == 0) {
				snprintf(path, sizeof(path), "%s/report.%s", out_dir, ext[f]);
				s.f = fopen(path, "w");
			}
			t = mono();
			if ((rc = bo_report_write(r, f, to_sink, &s)) != BO_OK)
				die("write", rc);
			t = mono() - t;
			if (s.f)
				fclose(s.f);
			if (t < best[f])
				best[f] = t;
			bytes[f] = s.bytes;
		}
		if (rep < 2)
			bo_report_free(r);
	}
	{
		bo_report_item tot = BO_REPORT_ITEM_INIT;
		size_t hist = 0;
		bo_report_item_get(&tot, r, BO_REPORT_TOTAL);
		for (size_t i = 0; i < bo_report_item_count(r); i++)
			hist += bo_report_day_count(r, i);
		printf("shop: %" PRId64 " waiting lines (%" PRId64 " units, %" PRId64 " short), %zu history records, "
		       "fill rate %.3f\n",
		       tot.waiting_lines, tot.backordered, tot.shortfall, hist, tot.fill_rate);
		printf("report storage calls: item_next %lu, queue_next %lu, line_get %lu, hist_next %lu, "
		       "order_get/order_next %lu\n",
		       n_item_next, n_queue_next, n_line_get, n_hist_next, n_order);
	}
	printf("bo_report_make   %8.3f s\n", best_make);
	printf("write csv        %8.3f s  %9zu bytes\n", best[1], bytes[1]);
	printf("write json       %8.3f s  %9zu bytes\n", best[2], bytes[2]);
	printf("write html       %8.3f s  %9zu bytes\n", best[3], bytes[3]);
	bo_report_free(r);
	bo_inventory_free(inv);
	return 0;
}
