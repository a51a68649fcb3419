/* Benchmark of the memory store's fast path. Prints its figures; asserts
 * nothing about time.
 *
 *   bench_memory [N]     (default N = 1000000)
 *
 * 1. placement: N single-line orders against an item without stock (every
 *    line waits), in chunks, reporting placements/s per chunk so that the
 *    cost per operation can be seen as the book grows;
 * 2. restock: one receive that fills all N waiting lines (fills/s), on a
 *    new inventory and again once its buffers are warm;
 * 3. placement with stock: N single-line orders that are allocated at once;
 * 4. cancels from the middle of the queue: N/100 of the N waiting lines,
 *    spread over the whole queue, cancelled one call each, before the warm
 *    fill (which then fills the rest).
 * Each phase runs 3 times on a fresh inventory; the median is quoted.
 */
#include <backorder.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
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

static bo_inventory *open_inv(size_t *events)
{
	bo_inventory *inv;
	bo_options o = BO_OPTIONS_INIT;
	bo_notifier n = BO_NOTIFIER_INIT;
	o.clock = fixed_clock;
	if (bo_inventory_open_store(&inv, "memory", &o) < 0 || bo_item_set(inv, "SKU", NULL) < 0) {
		fprintf(stderr, "open: %s\n", bo_last_error());
		exit(1);
	}
	n.deliver = discard;
	bo_inventory_set_notifier(inv, &n, events);
	return inv;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define CHUNKS 10

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	double place[3], fill[3], warm[3], alloc[3], canc[3], chunk[3][CHUNKS];
	long ncancel;
	char id[32];

	if (n < CHUNKS)
		n = CHUNKS;
	ncancel = n / 100 ? n / 100 : 1;
	for (int r = 0; r < 3; r++) {
		size_t events = 0;
		bo_inventory *inv = open_inv(&events);
		bo_line_spec l = { "SKU", 1, BO_NO_PRICE };
		double t0 = now_s(), tc = t0;
		for (long i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "o%ld", i);
			if (bo_order_place(inv, id, NULL, &l, 1) < 0) {
				fprintf(stderr, "place: %s\n", bo_last_error());
				return 1;
			}
			if ((i + 1) % (n / CHUNKS) == 0 && (i + 1) / (n / CHUNKS) <= CHUNKS) {
				double t = now_s();
				chunk[r][(i + 1) / (n / CHUNKS) - 1] = (double)(n / CHUNKS) / (t - tc);
				tc = t;
			}
		}
		place[r] = (double)n / (now_s() - t0);
		t0 = now_s();
		if (bo_item_receive(inv, "SKU", n, NULL) < 0) {
			fprintf(stderr, "receive: %s\n", bo_last_error());
			return 1;
		}
		fill[r] = (double)n / (now_s() - t0);
		/* Again on the same inventory: buffers are warm, as in a shop
		 * process that has been running for a while. */
		for (long i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "w%ld", i);
			if (bo_order_place(inv, id, NULL, &l, 1) < 0) {
				fprintf(stderr, "place: %s\n", bo_last_error());
				return 1;
			}
		}
		/* Cancels spread over the queue (7919 is prime, so the
		 * indices are distinct whenever it does not divide n). */
		t0 = now_s();
		for (long k = 0, done = 0; done < ncancel && k < n; k++) {
			long i = (long)(((unsigned long)k * 7919u + 13u) % (unsigned long)n);
			snprintf(id, sizeof(id), "w%ld", i);
			if (bo_order_cancel(inv, id, NULL, BO_ALL) == BO_OK)
				done++;
		}
		canc[r] = (double)ncancel / (now_s() - t0);
		t0 = now_s();
		if (bo_item_receive(inv, "SKU", n, NULL) < 0) {
			fprintf(stderr, "receive: %s\n", bo_last_error());
			return 1;
		}
		warm[r] = (double)(n - ncancel) / (now_s() - t0);
		if (bo_inventory_check(inv) < 0) {
			fprintf(stderr, "check: %s\n", bo_last_error());
			return 1;
		}
		bo_inventory_free(inv);

		inv = open_inv(&events);
		bo_item_receive(inv, "SKU", n, NULL);
		t0 = now_s();
		for (long i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "a%ld", i);
			if (bo_order_place(inv, id, NULL, &l, 1) < 0) {
				fprintf(stderr, "place: %s\n", bo_last_error());
				return 1;
			}
		}
		alloc[r] = (double)n / (now_s() - t0);
		bo_inventory_free(inv);
	}
	/* Run 1 meets a fresh heap: every page it touches is a page fault.
	 * Runs 2 and 3 reuse what run 1 freed, as a long-running process
	 * would. Both are shown: on a VM the difference can be 3x. */
	double cold[5] = { place[0], alloc[0], fill[0], warm[0], canc[0] };
	qsort(place, 3, sizeof(double), cmpd);
	qsort(fill, 3, sizeof(double), cmpd);
	qsort(warm, 3, sizeof(double), cmpd);
	qsort(alloc, 3, sizeof(double), cmpd);
	qsort(canc, 3, sizeof(double), cmpd);
	printf("memory store, N = %ld, median of 3 runs\n", n);
	printf("                                   median of 3   run 1 (fresh heap)\n");
	printf("  placements, every line waits : %12.0f /s %12.0f /s\n", place[1], cold[0]);
	printf("  placements, allocated at once: %12.0f /s %12.0f /s\n", alloc[1], cold[1]);
	printf("  restock fill of N waiting    : %12.0f /s %12.0f /s  lines, first fill of a new inventory\n",
	       fill[1], cold[2]);
	printf("  restock fill, warm buffers   : %12.0f /s %12.0f /s  lines, second fill, same inventory\n",
	       warm[1], cold[3]);
	printf("  cancels, middle of the queue : %12.0f /s %12.0f /s  (%ld of N waiting lines)\n", canc[1],
	       cold[4], ncancel);
	printf("  placement rate as the book grows (run 1, per %ld orders):\n", n / CHUNKS);
	for (int c = 0; c < CHUNKS; c++)
		printf("    book %8ld .. %8ld: %12.0f /s  (%.2fx of first chunk)\n", c * (n / CHUNKS),
		       (c + 1) * (n / CHUNKS), chunk[0][c], chunk[0][c] / chunk[0][0]);
	return 0;
}
