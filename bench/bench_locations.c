/* Benchmark of locations (issue 18): placements per second on the memory
 * store, one trace on three inventories. Prints its figures; asserts
 * nothing about time.
 *
 *   bench_locations [-n PLACEMENTS] [-s SKUS] [-r ROUNDS] [-b] [-c none|one|eight]
 *
 * The trace: SKUS items (default 1,000), each stocked with the units the
 * trace will take, then PLACEMENTS (default 200,000) single-line orders of
 * 1 to 3 units spread over the items; every line is allocated at once.
 * The inventories:
 *   none   no location call at all (bo_item_receive, as before locations);
 *   one    the same through the location calls, at "main" only
 *          (bo_item_receive_at(..., "main")): one location;
 *   eight  eight locations ("main" and l1..l7, ranks 0..7), each item's
 *          stock spread evenly over them, so that allocation walks the
 *          locations in order (each line reads the item's 7 stock records
 *          and its own, and writes one or two of each).
 * Only the placements are timed (wall and process CPU time; the ratios are
 * of CPU time, steadier on a shared machine). Each round runs the three
 * inventories (fresh ones, in turn); the figures are medians of ROUNDS
 * (default 5).
 * The goal of issue 18: eight at most 1.2x the time of one, and one the
 * same as none.
 *
 * -b: "none" only (builds and runs against a library without locations:
 * cc -DBENCH_NO_LOCATIONS), to compare the library before locations.
 * -c: that inventory only (for a profiler).
 */
#include <backorder.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { CFG_NONE, CFG_ONE, CFG_EIGHT, NCFG };
static const char *const cfg_name[NCFG] = { "none", "one", "eight" };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t fixed_clock(void *ud)
{
	(void)ud;
	return 1767225600; /* 2026-01-01T00:00:00Z */
}

static int discard(void *ud, const bo_event *ev)
{
	(void)ev;
	(*(size_t *)ud)++;
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, bo_last_error());
	exit(1);
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmpd);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Units of placement i (1..3) and its item. */
static int64_t qty_of(long i) { return 1 + (i * 7 + i / 3) % 3; }
static long sku_of(long i, long skus) { return (i * 31 + i / 7) % skus; }

/* Wall time of the placements; their CPU time in *cpu. */
static double run(int cfg, long n, long skus, double *cpu)
{
	bo_inventory *inv;
	bo_options o = BO_OPTIONS_INIT;
	bo_notifier nt = BO_NOTIFIER_INIT;
	size_t events = 0;
	int64_t *need = calloc((size_t)skus, sizeof(*need));
	char sku[32], loc[16];
	char (*ids)[24], (*skuv)[24];
	double t0, t1, c0;

	if (!need)
		exit(1);
	o.clock = fixed_clock;
	if (bo_inventory_open_store(&inv, "memory", &o) < 0)
		die("open");
	nt.deliver = discard;
	if (bo_inventory_set_notifier(inv, &nt, &events) < 0)
		die("notifier");
#ifndef BENCH_NO_LOCATIONS
	if (cfg == CFG_EIGHT) {
		for (int l = 1; l < 8; l++) {
			snprintf(loc, sizeof(loc), "l%d", l);
			if (bo_location_set(inv, loc, l) < 0)
				die("bo_location_set");
		}
	}
#endif
	for (long i = 0; i < n; i++)
		need[sku_of(i, skus)] += qty_of(i);
	for (long s = 0; s < skus; s++) {
		snprintf(sku, sizeof(sku), "SKU-%05ld", s);
		if (bo_item_set(inv, sku, NULL) < 0)
			die("bo_item_set");
		if (cfg == CFG_NONE) {
			if (need[s] > 0 && bo_item_receive(inv, sku, need[s], NULL) < 0)
				die("bo_item_receive");
			continue;
		}
#ifndef BENCH_NO_LOCATIONS
		if (cfg == CFG_ONE) {
			if (need[s] > 0 && bo_item_receive_at(inv, sku, need[s], NULL, "main") < 0)
				die("bo_item_receive_at");
			continue;
		}
		/* eight: an eighth at each location (the rest at the last) */
		for (int l = 0; l < 8; l++) {
			int64_t part = need[s] / 8 + (l == 7 ? need[s] % 8 : 0);
			if (l == 0)
				snprintf(loc, sizeof(loc), "main");
			else
				snprintf(loc, sizeof(loc), "l%d", l);
			if (part > 0 && bo_item_receive_at(inv, sku, part, NULL, loc) < 0)
				die("bo_item_receive_at");
		}
#endif
	}
	/* the ids, made before the clock starts: only the library is timed */
	ids = malloc((size_t)n * sizeof(*ids));
	skuv = malloc((size_t)skus * sizeof(*skuv));
	if (!ids || !skuv)
		exit(1);
	for (long i = 0; i < n; i++)
		snprintf(ids[i], sizeof(ids[i]), "O-%ld", i);
	for (long s = 0; s < skus; s++)
		snprintf(skuv[s], sizeof(skuv[s]), "SKU-%05ld", s);
	c0 = cpu_s();
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		bo_line_spec l = { skuv[sku_of(i, skus)], qty_of(i), BO_NO_PRICE };
		if (bo_order_place(inv, ids[i], NULL, &l, 1) < 0)
			die("bo_order_place");
	}
	t1 = now_s();
	*cpu = cpu_s() - c0;
	free(ids);
	free(skuv);
	{
		/* every unit allocated: nothing waits (checked, not timed) */
		bo_item_status info;
		snprintf(sku, sizeof(sku), "SKU-%05ld", 0L);
		if (bo_item_status_get(&info, inv, sku) < 0)
			die("bo_item_status_get");
		if (info.backordered != 0 || info.allocated != need[0]) {
			fprintf(stderr, "%s: SKU-00000 allocated %lld of %lld, %lld wait\n", cfg_name[cfg],
				(long long)info.allocated, (long long)need[0], (long long)info.backordered);
			exit(1);
		}
	}
	bo_inventory_free(inv);
	free(need);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	long n = 200000, skus = 1000;
	int rounds = 5, only_none = 0, only = -1, c;
	double t[NCFG][64], ct[NCFG][64], med[NCFG], cmed[NCFG], ratio[64], rmed, bratio[64], bmed;

	while ((c = getopt(argc, argv, "n:s:r:bc:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 's': skus = atol(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'b': only_none = 1; break;
		case 'c':
			for (int k = 0; k < NCFG; k++)
				if (strcmp(optarg, cfg_name[k]) == 0)
					only = k;
			if (only >= 0)
				break;
			/* fall through */
		default:
			fprintf(stderr, "usage: bench_locations [-n PLACEMENTS] [-s SKUS] [-r ROUNDS] [-b] "
					"[-c none|one|eight]\n");
			return 2;
		}
	}
#ifdef BENCH_NO_LOCATIONS
	only_none = 1;
#endif
	if (only_none)
		only = CFG_NONE;
	if (n < 1 || skus < 1 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "bench_locations: bad arguments\n");
		return 2;
	}
	printf("memory store, %ld placements over %ld items (every line allocated at once), median of %d rounds\n", n,
	       skus, rounds);
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NCFG; k++) {
			if (only >= 0 && k != only)
				continue;
			t[k][r] = run(k, n, skus, &ct[k][r]);
		}
		if (only < 0) {
			ratio[r] = ct[CFG_EIGHT][r] / ct[CFG_ONE][r];
			bratio[r] = ct[CFG_ONE][r] / ct[CFG_NONE][r];
		}
	}
	for (int k = 0; k < NCFG; k++) {
		double v[64];
		if (only >= 0 && k != only)
			continue;
		memcpy(v, t[k], sizeof(double) * (size_t)rounds);
		med[k] = median(v, rounds);
		memcpy(v, ct[k], sizeof(double) * (size_t)rounds);
		cmed[k] = median(v, rounds);
		printf("  %-5s  wall %7.3f s %9.0f placements/s   cpu %7.3f s %9.0f placements/s  (cpu rounds:",
		       cfg_name[k], med[k], (double)n / med[k], cmed[k], (double)n / cmed[k]);
		for (int r = 0; r < rounds; r++)
			printf(" %.3f", ct[k][r]);
		printf(")\n");
	}
	if (only >= 0)
		return 0;
	rmed = median(ratio, rounds);
	bmed = median(bratio, rounds);
	printf("eight / one: %.3fx the CPU time (median of the rounds' ratios; ratio of the medians: cpu %.3fx, wall "
	       "%.3fx; goal: at most 1.2x)\n",
	       rmed, cmed[CFG_EIGHT] / cmed[CFG_ONE], med[CFG_EIGHT] / med[CFG_ONE]);
	printf("one / none:  %.3fx the CPU time (median of the rounds' ratios; ratio of the medians: cpu %.3fx, wall "
	       "%.3fx; goal: 1.0x)\n",
	       bmed, cmed[CFG_ONE] / cmed[CFG_NONE], med[CFG_ONE] / med[CFG_NONE]);
	return 0;
}
