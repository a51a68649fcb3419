/*
 * The fixed workload of the instruction-count guard (tests/guard/README):
 * a shop on the memory store driven through the public API, the same every
 * run (its own random numbers, a fixed clock). Orders of one to three lines
 * over 300 SKUs, restocks, shipments, cancellations, modifications, an
 * hour passing now and then, a batch, and one restock that fills a queue
 * of 4,000 lines at once. It prints a checksum of the final state, so a
 * change of behaviour shows as well as a change of cost.
 *
 *   guard_workload [ORDERS]   (default 20000)
 */
#include <backorder.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 88172645463325252ULL;

static int64_t rnd_in(int64_t lo, int64_t hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (int64_t)(rng % (uint64_t)(hi - lo + 1));
}

static int64_t now = INT64_C(1767225600);

static int64_t clock_cb(void *ud)
{
	(void)ud;
	return now;
}

static int deliver(void *ud, const bo_event *ev)
{
	(void)ev;
	(*(uint64_t *)ud)++;
	return 0;
}

static uint64_t sum;

static int add_item(void *ud, const bo_item_status *st)
{
	(void)ud;
	sum = sum * 31 + (uint64_t)(st->on_hand * 7 + st->allocated * 5 + st->backordered * 3);
	return 0;
}

#define NSKU 300

int main(int argc, char **argv)
{
	long norders = argc > 1 ? atol(argv[1]) : 20000, placed = 0, shipped = 0;
	bo_inventory *inv;
	bo_options o = BO_OPTIONS_INIT;
	bo_notifier n = BO_NOTIFIER_INIT;
	uint64_t events = 0;
	char id[32], sku[3][16];

	o.clock = clock_cb;
	if (bo_inventory_open_store(&inv, "memory", &o) != BO_OK) {
		fprintf(stderr, "open: %s\n", bo_last_error());
		return 1;
	}
	n.deliver = deliver;
	bo_inventory_set_notifier(inv, &n, &events);
	for (int i = 0; i < NSKU; i++) {
		snprintf(sku[0], sizeof(sku[0]), "SKU-%04d", i);
		bo_item_set(inv, sku[0], NULL);
		bo_item_receive(inv, sku[0], rnd_in(5, 40), NULL);
	}
	while (placed < norders) {
		int64_t r = rnd_in(0, 99), s = rnd_in(0, NSKU - 1);
		if (r < 70 || placed == 0) {
			bo_line_spec l[3];
			int nl = r < 50 ? 1 : r < 65 ? 2 : 3;
			for (int k = 0; k < nl; k++) {
				snprintf(sku[k], sizeof(sku[k]), "SKU-%04d", (int)((s + k * 37) % NSKU));
				l[k].sku = sku[k];
				l[k].qty = rnd_in(1, 3);
				l[k].unit_price = rnd_in(0, 3) ? BO_NO_PRICE : rnd_in(100, 9000);
			}
			snprintf(id, sizeof(id), "O%07ld", placed++);
			bo_order_place(inv, id, NULL, l, (size_t)nl);
		} else if (r < 80) {
			snprintf(sku[0], sizeof(sku[0]), "SKU-%04d", (int)s);
			bo_item_receive(inv, sku[0], rnd_in(4, 30), NULL);
		} else if (r < 88) {
			snprintf(id, sizeof(id), "O%07ld", shipped < placed - 500 ? shipped++ : (long)rnd_in(0, placed - 1));
			bo_order_ship(inv, id, NULL, BO_ALL);
		} else if (r < 93) {
			snprintf(id, sizeof(id), "O%07ld", (long)rnd_in(placed > 2000 ? placed - 2000 : 0, placed - 1));
			bo_order_cancel(inv, id, NULL, BO_ALL);
		} else if (r < 97) {
			snprintf(id, sizeof(id), "O%07ld", (long)rnd_in(placed > 2000 ? placed - 2000 : 0, placed - 1));
			snprintf(sku[0], sizeof(sku[0]), "SKU-%04d", (int)s);
			bo_order_modify(inv, id, sku[0], rnd_in(1, 4));
		} else if (r < 98) {
			now += rnd_in(60, 3600);
			bo_inventory_advance(inv);
		} else {
			snprintf(sku[0], sizeof(sku[0]), "SKU-%04d", (int)s);
			bo_item_adjust(inv, sku[0], rnd_in(0, 1) ? rnd_in(1, 5) : -1);
		}
	}
	/* a batch of calls in one transaction */
	bo_inventory_batch_begin(inv);
	for (int i = 0; i < 200; i++) {
		snprintf(sku[0], sizeof(sku[0]), "SKU-%04d", (int)rnd_in(0, NSKU - 1));
		bo_item_receive(inv, sku[0], rnd_in(1, 5), NULL);
	}
	bo_inventory_batch_end(inv, 1);
	/* a long queue filled by one restock (the bulk fill) */
	bo_item_set(inv, "LONG", NULL);
	for (int i = 0; i < 4000; i++) {
		bo_line_spec l = { "LONG", rnd_in(1, 2), BO_NO_PRICE };
		snprintf(id, sizeof(id), "L%05d", i);
		bo_order_place(inv, id, NULL, &l, 1);
	}
	bo_item_receive(inv, "LONG", 100000, NULL);
	if (bo_inventory_check(inv) != BO_OK) {
		fprintf(stderr, "check: %s\n", bo_last_error());
		return 1;
	}
	bo_item_foreach(inv, add_item, NULL);
	printf("guard workload: %ld orders, %" PRIu64 " events, checksum %016" PRIx64 "\n", placed, events, sum);
	bo_inventory_free(inv);
	return 0;
}
