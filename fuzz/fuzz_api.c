/*
 * fuzz_api.c - drive the public API with arbitrary operation sequences.
 *
 * The input is read as a stream of operations on a small memory inventory
 * (4 SKUs, 8 order ids, 2 supply ids, each policy): every byte string is a
 * valid program. After every call the harness checks what DESIGN.md
 * promises for any sequence at all:
 *
 *   - bo_inventory_check() passes (the invariants of DESIGN §3);
 *   - a call that fails returned a known status, left a message, and
 *     changed nothing: the state fingerprint and the event count are
 *     exactly as before;
 *   - event sequence numbers delivered to the notifier increase by one.
 *
 * A broken promise aborts. Built three ways:
 *   - libFuzzer (clang, -Dfuzz=true): fuzz/fuzz_api;
 *   - -DFUZZ_STANDALONE: runs the files named on the command line;
 *   - -DFUZZ_RANDOM (the meson test `fuzz_api_random`): runs seeded random
 *     inputs, so the same checks run in every test run without clang.
 */
#include <backorder.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_api: check failed: %s (line %d): %s\n", #cond,  \
				__LINE__, bo_last_error());                                    \
			abort();                                                               \
		}                                                                              \
	} while (0)

typedef struct input {
	const uint8_t *p;
	size_t n;
} input;

static unsigned next(input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t calls_ok, calls_failed, events_seen;

static const char *const skus[] = { "A", "B", "C", "D" };
static const char *const orders[] = { "o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7" };
static const char *const policies[] = { "fifo", "priority", "due", "fair" };

typedef struct state {
	int64_t clock;
	uint64_t last_seq;
	uint64_t events;
} state;

static int64_t clock_cb(void *ud)
{
	return ((state *)ud)->clock;
}

static int deliver(void *ud, const bo_event *ev)
{
	state *s = ud;
	CHECK(ev->seq == s->last_seq + 1);
	s->last_seq = ev->seq;
	s->events++;
	return 0;
}

/* A fingerprint of the whole state, through the public API. */
typedef struct fp {
	uint64_t h;
} fp;

static void mix(fp *f, int64_t v)
{
	f->h ^= (uint64_t)v;
	f->h *= 1099511628211u;
}

static int fp_item(void *ud, const bo_item_status *it)
{
	fp *f = ud;
	mix(f, it->on_hand);
	mix(f, it->allocated);
	mix(f, it->backordered);
	mix(f, it->incoming);
	mix(f, it->backorder);
	mix(f, it->max_backorder);
	mix(f, it->lead_time);
	mix(f, it->release_at);
	mix(f, it->preorder_max);
	mix(f, it->subscribers);
	mix(f, (int64_t)it->policy[0]);
	return 0;
}

static int fp_order(void *ud, const bo_order *o)
{
	fp *f = ud;
	bo_line_status l;
	mix(f, bo_order_priority(o));
	for (size_t i = 0; i < bo_order_line_count(o); i++) {
		CHECK(bo_order_line(&l, o, i) == BO_OK);
		mix(f, l.ordered);
		mix(f, l.allocated);
		mix(f, l.backordered);
		mix(f, l.shipped);
		mix(f, l.cancelled);
		mix(f, l.eta);
	}
	return 0;
}

static uint64_t fingerprint(bo_inventory *inv, const state *s)
{
	fp f = { 1469598103934665603u };
	int64_t now;
	CHECK(bo_item_foreach(inv, fp_item, &f) == BO_OK);
	CHECK(bo_order_foreach(inv, fp_order, &f) == BO_OK);
	CHECK(bo_inventory_now(&now, inv) == BO_OK);
	mix(&f, now);
	mix(&f, (int64_t)s->events);
	return f.h;
}

static int64_t qty(input *in)
{
	unsigned b = next(in);
	if (b == 255)
		return INT64_MAX;   /* overflow probes */
	if (b == 254)
		return 0;
	return (int64_t)(b % 12) + 1;
}

static void run(input *in)
{
	state s = { 1767225600, 0, 0 }; /* 2026-01-01 */
	bo_options o = BO_OPTIONS_INIT;
	bo_notifier n = BO_NOTIFIER_INIT;
	bo_inventory *inv;

	o.clock = clock_cb;
	o.clock_data = &s;
	CHECK(bo_inventory_open_store(&inv, "memory", &o) == BO_OK);
	n.deliver = deliver;
	CHECK(bo_inventory_set_notifier(inv, &n, &s) == BO_OK);
	for (int i = 0; i < 4; i++)
		CHECK(bo_item_set(inv, skus[i], NULL) == BO_OK);

	for (int steps = 0; in->n > 0 && steps < 400; steps++) {
		unsigned op = next(in) % 12;
		const char *sku = skus[next(in) % 4];
		const char *oid = orders[next(in) % 8];
		uint64_t before = fingerprint(inv, &s);
		int rc = BO_OK;

		switch (op) {
		case 0:
			rc = bo_item_receive(inv, sku, qty(in), next(in) % 3 == 0 ? "po1" : NULL);
			break;
		case 1: {
			int64_t d = qty(in);
			rc = bo_item_adjust(inv, sku, next(in) % 2 ? d : -d);
			break;
		}
		case 2:
			rc = bo_supply_set(inv, sku, next(in) % 2 ? "po1" : "po2", qty(in),
					   s.clock + (int64_t)(next(in) % 10) * 86400);
			break;
		case 3: {
			bo_line_spec l[2];
			bo_order_options oo = BO_ORDER_OPTIONS_INIT;
			size_t nl = 1 + next(in) % 2;
			oo.priority = next(in) % 4;
			oo.due = next(in) % 2 ? s.clock + (int64_t)(next(in) % 5) * 86400 : BO_NO_TIME;
			oo.ship_mode = next(in) % 3 == 0 ? BO_SHIP_COMPLETE : BO_SHIP_PARTIAL;
			l[0].sku = sku;
			l[0].qty = qty(in);
			l[0].unit_price = next(in) % 2 ? 100 : BO_NO_PRICE;
			l[1].sku = skus[next(in) % 4];
			l[1].qty = qty(in);
			l[1].unit_price = BO_NO_PRICE;
			rc = bo_order_place(inv, oid, &oo, l, nl);
			break;
		}
		case 4: {
			unsigned m = next(in) % 3;
			rc = bo_order_cancel(inv, oid, m == 0 ? NULL : sku, m == 2 ? qty(in) : BO_ALL);
			break;
		}
		case 5:
			rc = bo_order_modify(inv, oid, sku, qty(in));
			break;
		case 6: {
			unsigned m = next(in) % 3;
			rc = bo_order_ship(inv, oid, m == 0 ? NULL : sku, m == 2 ? qty(in) : BO_ALL);
			break;
		}
		case 7:
			rc = bo_item_subscribe(inv, sku, "cust");
			break;
		case 8: {
			bo_item_settings st = BO_ITEM_SETTINGS_INIT;
			unsigned f = next(in);
			st.fields = f & 0x3f;
			st.backorder = next(in) % 2 ? BO_BACKORDER_DENY : BO_BACKORDER_ALLOW;
			st.max_backorder = next(in) % 3 == 0 ? BO_UNLIMITED : (int64_t)(next(in) % 10);
			st.lead_time = next(in) % 2 ? BO_NO_TIME : (int64_t)(next(in) % 5) * 86400;
			st.policy = policies[next(in) % 4];
			st.release_at = next(in) % 2 ? BO_NO_TIME : s.clock + (int64_t)(next(in) % 4) * 86400;
			st.preorder_max = next(in) % 2 ? BO_UNLIMITED : (int64_t)(next(in) % 10);
			rc = bo_item_set(inv, sku, &st);
			break;
		}
		case 9:
			s.clock += (int64_t)(next(in) % 3) * 43200;
			rc = bo_inventory_advance(inv);
			break;
		case 10:
			rc = bo_supply_remove(inv, sku, next(in) % 2 ? "po1" : "po2");
			break;
		default: {
			/* a short batch: two calls, committed or rolled back */
			unsigned commit = next(in) % 2;
			CHECK(bo_inventory_batch_begin(inv) == BO_OK);
			(void)bo_item_receive(inv, sku, qty(in), NULL);
			(void)bo_order_cancel(inv, oid, NULL, BO_ALL);
			rc = bo_inventory_batch_end(inv, (int)commit);
			if (!commit)
				CHECK(fingerprint(inv, &s) == before);
			break;
		}
		}
		if (rc == BO_OK)
			calls_ok++;
		else
			calls_failed++;
		CHECK(rc <= 0 && rc >= BO_ESTORAGE);
		CHECK(rc != BO_ESTORAGE); /* the memory store does not fail here */
		if (rc < 0) {
			CHECK(strcmp(bo_last_error(), "no error") != 0);
			CHECK(fingerprint(inv, &s) == before);
		}
		CHECK(bo_inventory_check(inv) == BO_OK);
	}
	events_seen += s.events;
	bo_inventory_free(inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input in = { data, size };
	run(&in);
	return 0;
}

#if defined(FUZZ_STANDALONE)
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		static uint8_t buf[1 << 16];
		size_t n;
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
#elif defined(FUZZ_RANDOM)
int main(int argc, char **argv)
{
	uint64_t x = argc > 1 ? strtoull(argv[1], NULL, 10) : 20261129;
	int runs = argc > 2 ? atoi(argv[2]) : 300;
	static uint8_t buf[2048];
	for (int r = 0; r < runs; r++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		LLVMFuzzerTestOneInput(buf, sizeof(buf));
	}
	printf("fuzz_api: %d random programs passed every check (%llu calls succeeded, %llu failed, %llu events)\n",
	       runs, (unsigned long long)calls_ok, (unsigned long long)calls_failed, (unsigned long long)events_seen);
	/* A generator that only ever fails would test nothing. */
	if (calls_ok < calls_failed / 4 || events_seen == 0)
		return 1;
	return 0;
}
#endif
