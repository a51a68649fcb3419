/* A long soak: several threads share one inventory and run a mixed
 * workload of every kind of call, with the invariants checked as it goes.
 * Issue 17; the figures are in docs/RELIABILITY.md ("Soak").
 *
 *   bench_soak [-t THREADS] [-n CALLS] [-s STORE] [-S SEED] [-k SKUS]
 *              [-o ORDER_IDS] [-c CHECK_EVERY] [-r REFUSE_EVERY]
 *
 *   -t  threads sharing the inventory (default 8)
 *   -n  calls in total, over all threads (default 5000000)
 *   -s  a store string as bo_inventory_open_store() takes (default
 *       "memory"; e.g. sqlite:/tmp/soak.db, which should not exist yet)
 *   -S  seed; thread i draws from its own generator seeded from SEED and i
 *       (default 1)
 *   -k  SKUs (default 300)
 *   -o  order ids: orders are named O0 .. O(N-1), so ids are reused and
 *       placements rejected (default CALLS / 8, at least 1000)
 *   -c  run bo_inventory_check() every this many calls (default 100000)
 *   -r  the notifier refuses every R-th event handed to it (0: never, else
 *       at least 2; default 5003), which must come back first in the next
 *       delivery
 *
 * The calls (see `kinds` below): place (1 to 3 lines, random priority, due
 * time, ship mode and prices; the content follows from the id and a
 * variant 0..2, so placing an id again is an identical retry or a
 * conflict), receive (with and without a supply id), adjust (up and down,
 * below 0 being refused), cancel (an order, a line, units of a line),
 * modify, ship (an order, a line, units of a line), supply set and
 * remove, subscribe, item settings (policy, lead time, backorder mode and
 * cap, preorder release), advance, queries (item status, order get,
 * waiting lines, supply, pending) and dispatch. A simulated clock moves one
 * second per call, so due times, lead times and preorder releases come and
 * go during the run. Every event goes to a notifier that counts it and
 * checks that the sequence numbers it accepts strictly increase, across
 * delivery runs and threads, and that a refused event is the next one
 * handed out.
 *
 * A finding, printed with the thread, the call and bo_last_error(), makes
 * the program exit 1: a status a call may not legitimately return (each
 * kind lists its own), a failed bo_inventory_check(), a snapshot breaking
 * ordered = allocated + backordered + shipped + cancelled, an item status
 * with allocated outside 0..on_hand, waiting positions out of step, a
 * notifier seeing a sequence number out of order, or events left pending
 * after the final dispatch. Otherwise it prints the calls, calls/s, the
 * count of every status per kind, the invariant checks passed, the events
 * delivered, the wall time and the peak RSS, and exits 0.
 */
#include <backorder.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define T0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z: the simulated clock's start */
#define DAY INT64_C(86400)
#define NSTATUS 8              /* BO_OK .. BO_ESTORAGE, by -status */
#define RING 256               /* ids a thread placed lately, to aim its other calls at */
#define WAIT_PEEK 40           /* waiting lines read per waiting query */
#define MAX_THREADS 256

enum kind {
	K_PLACE, K_RECEIVE, K_ADJUST, K_CANCEL_ORDER, K_CANCEL_LINE, K_CANCEL_QTY,
	K_MODIFY, K_SHIP_ORDER, K_SHIP_LINE, K_SHIP_QTY, K_SUPPLY_SET, K_SUPPLY_REMOVE,
	K_SUBSCRIBE, K_ITEM_SET, K_ADVANCE, K_STATUS, K_ORDER_GET, K_WAITING, K_SUPPLY_LIST,
	K_PENDING, K_DISPATCH, NKINDS
};

#define S(x) (1u << (unsigned)-(x))

/* Name, weight (per 1000 calls) and the statuses the call may return. */
static const struct {
	const char *name;
	unsigned weight;
	unsigned ok;
} kinds[NKINDS] = {
	[K_PLACE] = { "place", 200, S(BO_OK) | S(BO_EEXISTS) | S(BO_EOUTOFSTOCK) },
	[K_RECEIVE] = { "receive", 75, S(BO_OK) | S(BO_ENOTFOUND) /* unknown supply id */ },
	[K_ADJUST] = { "adjust", 40, S(BO_OK) | S(BO_EINVALID) /* below 0 */ },
	[K_CANCEL_ORDER] = { "cancel-order", 30, S(BO_OK) | S(BO_ENOTFOUND) | S(BO_ESTATE) },
	[K_CANCEL_LINE] = { "cancel-line", 30, S(BO_OK) | S(BO_ENOTFOUND) | S(BO_ESTATE) },
	[K_CANCEL_QTY] = { "cancel-qty", 30,
			   S(BO_OK) | S(BO_ENOTFOUND) | S(BO_ESTATE) | S(BO_EINVALID) /* more than left */ },
	[K_MODIFY] = { "modify", 60,
		       S(BO_OK) | S(BO_ENOTFOUND) | S(BO_EINVALID) /* below shipped + cancelled */
			       | S(BO_EOUTOFSTOCK) /* deny, caps */ },
	[K_SHIP_ORDER] = { "ship-order", 70, S(BO_OK) | S(BO_ENOTFOUND) | S(BO_ESTATE) },
	[K_SHIP_LINE] = { "ship-line", 30, S(BO_OK) | S(BO_ENOTFOUND) | S(BO_ESTATE) },
	[K_SHIP_QTY] = { "ship-qty", 30, S(BO_OK) | S(BO_ENOTFOUND) | S(BO_ESTATE) },
	[K_SUPPLY_SET] = { "supply-set", 40, S(BO_OK) },
	[K_SUPPLY_REMOVE] = { "supply-remove", 15, S(BO_OK) | S(BO_ENOTFOUND) },
	[K_SUBSCRIBE] = { "subscribe", 25, S(BO_OK) },
	[K_ITEM_SET] = { "item-set", 15, S(BO_OK) },
	[K_ADVANCE] = { "advance", 5, S(BO_OK) },
	[K_STATUS] = { "item-status", 70, S(BO_OK) },
	[K_ORDER_GET] = { "order-get", 90, S(BO_OK) | S(BO_ENOTFOUND) },
	[K_WAITING] = { "waiting", 25, S(BO_OK) },
	[K_SUPPLY_LIST] = { "supply-list", 10, S(BO_OK) },
	[K_PENDING] = { "pending", 5, S(BO_OK) },
	[K_DISPATCH] = { "dispatch", 5, S(BO_OK) | S(BO_ESTATE) /* the notifier refused one */ },
};

static const char *const policies[] = { "fifo", "priority", "due", "fair", "soak_price" };
#define NPOLICIES (sizeof(policies) / sizeof(policies[0]))

/* ---------------------------------------------------------------- */

static long opt_threads = 8, opt_calls = 5000000, opt_skus = 300, opt_ids = 0;
static long opt_check_every = 100000, opt_refuse = 5003;
static uint64_t opt_seed = 1;
static const char *opt_store = "memory";

static bo_inventory *inv;
static atomic_long calls_started;      /* the global call count */
static atomic_long checks_passed;
static atomic_int failed;              /* a finding: every thread stops */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static double t_start;
static double check_seconds, check_max; /* under out_lock */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The simulated clock: one second per call started. The count only grows,
 * and the library reads the clock with the inventory's lock held, so
 * readings never go back. */
static int64_t sim_clock(void *ud)
{
	(void)ud;
	return T0 + (int64_t)atomic_load(&calls_started);
}

static void finding(int thread, long call, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void finding(int thread, long call, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&out_lock);
	fprintf(stderr, "FINDING (thread %d, call %ld): ", thread, call);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&out_lock);
	atomic_store(&failed, 1);
}

/* ---------------------------------------------------------------- */
/* Random numbers: splitmix64, one state per thread. */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s)
{
	*s += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(*s);
}

/* 0 .. n-1 */
static long below(uint64_t *s, long n)
{
	return (long)(rnd(s) % (uint64_t)n);
}

/* lo .. hi */
static long range(uint64_t *s, long lo, long hi)
{
	return lo + below(s, hi - lo + 1);
}

/* ---------------------------------------------------------------- */
/* The notifier. It runs with the inventory's lock held, so its state is
 * only touched by one thread at a time; it is read after the threads end. */

typedef struct notif_state {
	uint64_t last;          /* last sequence number accepted */
	uint64_t refused;       /* refused and not yet seen again, or 0 */
	uint64_t handed;        /* deliveries attempted */
	uint64_t accepted;
	uint64_t refusals;
	uint64_t redelivered;   /* refused events accepted later */
	uint64_t by_kind[16];
	int bad;                /* a sequence number out of order */
	char why[200];
} notif_state;

static notif_state notif;

static int deliver(void *ud, const bo_event *ev)
{
	notif_state *n = ud;
	n->handed++;
	if (n->refused && ev->seq != n->refused && !n->bad) {
		n->bad = 1;
		snprintf(n->why, sizeof(n->why), "event %" PRIu64 " handed out after refused event %" PRIu64,
			 ev->seq, n->refused);
	}
	if (ev->seq <= n->last && !n->bad) {
		n->bad = 1;
		snprintf(n->why, sizeof(n->why), "event %" PRIu64 " handed out after event %" PRIu64 " was accepted",
			 ev->seq, n->last);
	}
	if (opt_refuse > 0 && n->handed % (uint64_t)opt_refuse == 0) {
		n->refusals++;
		n->refused = ev->seq;
		return 1;
	}
	if (n->refused) {
		n->redelivered++;
		n->refused = 0;
	}
	n->last = ev->seq;
	n->accepted++;
	n->by_kind[ev->kind >= 0 && ev->kind < 16 ? ev->kind : 0]++;
	return 0;
}

/* A custom policy: dearest lines first, then higher priority. */
static int price_key(void *ud, const bo_line_view *l, int64_t key[BO_KEY_WORDS])
{
	(void)ud;
	key[0] = l->unit_price == BO_NO_PRICE ? 0 : -l->unit_price;
	key[1] = -l->priority;
	key[2] = 0;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Orders: the content of order `id` placed as `variant` follows from both,
 * so placing it again is an identical retry (same variant, unchanged
 * order) or a conflict. */

typedef struct order_content {
	bo_order_options o;
	size_t n;
	bo_line_spec lines[3];
	char skus[3][32];
} order_content;

static void sku_name(char *buf, size_t size, long i)
{
	snprintf(buf, size, "SKU%03ld", i);
}

static void order_make(order_content *c, long id, int variant)
{
	uint64_t s = mix64((uint64_t)id * 4 + (uint64_t)variant + opt_seed * UINT64_C(0x100000001b3));
	long first = below(&s, opt_skus);
	c->o = (bo_order_options)BO_ORDER_OPTIONS_INIT;
	c->o.priority = range(&s, -2, 5);
	c->o.due = below(&s, 2) ? T0 + below(&s, (long)(opt_calls + 60 * DAY)) : BO_NO_TIME;
	c->o.ship_mode = below(&s, 8) == 0 ? BO_SHIP_COMPLETE : BO_SHIP_PARTIAL;
	c->n = (size_t)range(&s, 1, 3);
	for (size_t i = 0; i < c->n; i++) {
		/* distinct SKUs: first, first + 1, first + 2 (mod SKUs), mostly nearby */
		sku_name(c->skus[i], sizeof(c->skus[i]), (first + (long)i * range(&s, 1, 7)) % opt_skus);
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->skus[i], c->skus[j]) == 0) {
				c->n = i;
				return;
			}
		c->lines[i].sku = c->skus[i];
		c->lines[i].qty = range(&s, 1, 4);
		c->lines[i].unit_price = below(&s, 4) ? range(&s, 100, 20000) : BO_NO_PRICE;
	}
}

/* ---------------------------------------------------------------- */
/* Queries with checks of their own. */

typedef struct waiting_walk {
	int64_t next_pos;
	char why[200];
} waiting_walk;

static int waiting_cb(void *ud, const bo_waiting_line *l)
{
	waiting_walk *w = ud;
	if (l->position != w->next_pos || l->backordered <= 0 || l->units_ahead < 0) {
		snprintf(w->why, sizeof(w->why), "waiting line %s/%s at position %lld (expected %lld), %lld units, %lld ahead",
			 l->order_id, l->sku, (long long)l->position, (long long)w->next_pos, (long long)l->backordered,
			 (long long)l->units_ahead);
		return 2;
	}
	w->next_pos++;
	return w->next_pos > WAIT_PEEK ? 1 : 0; /* 1: enough read */
}

static int supply_cb(void *ud, const bo_supply_info *s)
{
	(void)s;
	++*(long *)ud;
	return 0;
}

static const char *order_breaks(const bo_order *o, char *why, size_t size)
{
	size_t n = bo_order_line_count(o);
	for (size_t i = 0; i < n; i++) {
		bo_line_status l;
		if (bo_order_line(&l, o, i) != BO_OK) {
			snprintf(why, size, "bo_order_line(%zu) failed: %s", i, bo_last_error());
			return why;
		}
		if (l.allocated < 0 || l.backordered < 0 || l.shipped < 0 || l.cancelled < 0 ||
		    l.ordered != l.allocated + l.backordered + l.shipped + l.cancelled) {
			snprintf(why, size, "order %s line %s: ordered %lld != allocated %lld + backordered %lld + shipped %lld + cancelled %lld",
				 bo_order_id(o), l.sku, (long long)l.ordered, (long long)l.allocated,
				 (long long)l.backordered, (long long)l.shipped, (long long)l.cancelled);
			return why;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- */

typedef struct worker {
	pthread_t th;
	int index;
	uint64_t rng;
	long ring[RING];        /* ids this thread placed (id * 4 + variant), newest at ring_pos - 1 */
	long ring_n, ring_pos;
	uint64_t count[NKINDS][NSTATUS];
	double max_latency[NKINDS];
	long calls;
} worker;

/* An order id to aim a call at: mostly one this thread placed lately,
 * else any id (which may not exist, or be an old order). `*variant` gets the
 * variant placed, or 0 when unknown. */
static long pick_order(worker *w, int *variant)
{
	if (w->ring_n > 0 && below(&w->rng, 10) < 6) {
		long e = w->ring[below(&w->rng, w->ring_n)];
		*variant = (int)(e & 3);
		return e >> 2;
	}
	*variant = 0;
	return below(&w->rng, opt_ids);
}

static void run_check(worker *w, long call)
{
	double t = now_s(), d;
	int rc = bo_inventory_check(inv);
	d = now_s() - t;
	if (rc != BO_OK) {
		finding(w->index, call, "bo_inventory_check: %s: %s", bo_status_name(rc), bo_last_error());
		return;
	}
	atomic_fetch_add(&checks_passed, 1);
	pthread_mutex_lock(&out_lock);
	check_seconds += d;
	if (d > check_max)
		check_max = d;
	pthread_mutex_unlock(&out_lock);
}

static unsigned weight_total; /* set before the threads start */

static int pick_kind(worker *w)
{
	unsigned r = (unsigned)below(&w->rng, (long)weight_total);
	for (int k = 0; k < NKINDS; k++) {
		if (r < kinds[k].weight)
			return k;
		r -= kinds[k].weight;
	}
	return K_STATUS;
}

/* Stock arrives in gluts and shortages of GLUT_PERIOD / 2 calls each. */
#define GLUT_PERIOD 200000
static bool glut(long call)
{
	return call % GLUT_PERIOD >= GLUT_PERIOD / 2;
}

/* One call of kind `k`; returns its status. Sets `why` for a finding that
 * is not about the status. */
static int one_call(worker *w, long call, int k, char *why, size_t whysize)
{
	char sku[32], oid[32], sid[32], cust[32];
	int variant;
	long id;
	order_content c;
	int rc = BO_OK;

	sku_name(sku, sizeof(sku), below(&w->rng, opt_skus));
	switch (k) {
	case K_PLACE:
		variant = (int)below(&w->rng, 3);
		id = below(&w->rng, opt_ids);
		snprintf(oid, sizeof(oid), "O%ld", id);
		order_make(&c, id, variant);
		rc = bo_order_place(inv, oid, &c.o, c.lines, c.n);
		if (rc == BO_OK) {
			w->ring[w->ring_pos] = id * 4 + variant;
			w->ring_pos = (w->ring_pos + 1) % RING;
			if (w->ring_n < RING)
				w->ring_n++;
		}
		break;
	case K_RECEIVE: {
		/* Shortage and glut take turns, so that queues build up and drain. */
		int64_t q = range(&w->rng, 1, glut(call) ? 12 : 3);
		if (below(&w->rng, 10) < 3) {
			snprintf(sid, sizeof(sid), "PO%ld", below(&w->rng, 4));
			rc = bo_item_receive(inv, sku, q, sid);
		} else {
			rc = bo_item_receive(inv, sku, q, NULL);
		}
		break;
	}
	case K_ADJUST: {
		/* mostly down (damage, lost units) in a shortage, up in a glut */
		long d = glut(call) ? range(&w->rng, -3, 7) : range(&w->rng, -10, 2);
		rc = bo_item_adjust(inv, sku, d >= 0 ? d + 1 : d);
		break;
	}
	case K_CANCEL_ORDER:
	case K_CANCEL_LINE:
	case K_CANCEL_QTY:
	case K_MODIFY:
	case K_SHIP_ORDER:
	case K_SHIP_LINE:
	case K_SHIP_QTY: {
		const char *line;
		id = pick_order(w, &variant);
		snprintf(oid, sizeof(oid), "O%ld", id);
		order_make(&c, id, variant);
		line = c.skus[below(&w->rng, (long)c.n)];
		if (k == K_CANCEL_ORDER)
			rc = bo_order_cancel(inv, oid, NULL, BO_ALL);
		else if (k == K_CANCEL_LINE)
			rc = bo_order_cancel(inv, oid, line, BO_ALL);
		else if (k == K_CANCEL_QTY)
			rc = bo_order_cancel(inv, oid, line, range(&w->rng, 1, 3));
		else if (k == K_MODIFY)
			rc = bo_order_modify(inv, oid, line, range(&w->rng, 1, 6));
		else if (k == K_SHIP_ORDER)
			rc = bo_order_ship(inv, oid, NULL, BO_ALL);
		else if (k == K_SHIP_LINE)
			rc = bo_order_ship(inv, oid, line, BO_ALL);
		else
			rc = bo_order_ship(inv, oid, line, range(&w->rng, 1, 3));
		break;
	}
	case K_SUPPLY_SET:
		snprintf(sid, sizeof(sid), "PO%ld", below(&w->rng, 4));
		rc = bo_supply_set(inv, sku, sid, range(&w->rng, 1, 30),
				   sim_clock(NULL) + range(&w->rng, -2 * DAY, 40 * DAY));
		break;
	case K_SUPPLY_REMOVE:
		snprintf(sid, sizeof(sid), "PO%ld", below(&w->rng, 4));
		rc = bo_supply_remove(inv, sku, sid);
		break;
	case K_SUBSCRIBE:
		snprintf(cust, sizeof(cust), "C%ld", below(&w->rng, 1000));
		rc = bo_item_subscribe(inv, sku, cust);
		break;
	case K_ITEM_SET: {
		bo_item_settings s = BO_ITEM_SETTINGS_INIT;
		switch (below(&w->rng, 10)) {
		case 0: case 1: case 2: case 3:
			s.fields = BO_ITEM_POLICY;
			s.policy = policies[below(&w->rng, (long)NPOLICIES)];
			break;
		case 4: case 5: case 6:
			s.fields = BO_ITEM_LEAD_TIME;
			s.lead_time = below(&w->rng, 4) ? range(&w->rng, 0, 30) * DAY : BO_NO_TIME;
			break;
		case 7:
			s.fields = BO_ITEM_BACKORDER;
			s.backorder = below(&w->rng, 10) == 0 ? BO_BACKORDER_DENY : BO_BACKORDER_ALLOW;
			break;
		case 8:
			s.fields = BO_ITEM_MAX_BACKORDER;
			s.max_backorder = below(&w->rng, 2) ? range(&w->rng, 0, 200) : BO_UNLIMITED;
			break;
		default:
			/* a preorder window: released within a few simulated hours, or none */
			s.fields = BO_ITEM_RELEASE_AT | BO_ITEM_PREORDER_MAX;
			s.release_at = below(&w->rng, 2) ? sim_clock(NULL) + range(&w->rng, 60, 20000) : BO_NO_TIME;
			s.preorder_max = below(&w->rng, 2) ? range(&w->rng, 10, 400) : BO_UNLIMITED;
			break;
		}
		rc = bo_item_set(inv, sku, &s);
		break;
	}
	case K_ADVANCE:
		rc = bo_inventory_advance(inv);
		break;
	case K_STATUS: {
		bo_item_status st;
		rc = bo_item_status_get(&st, inv, sku);
		if (rc == BO_OK && (st.allocated < 0 || st.allocated > st.on_hand || st.backordered < 0 ||
				    st.available != st.on_hand - st.allocated || st.waiting_lines < 0 ||
				    (st.waiting_lines == 0) != (st.backordered == 0)))
			snprintf(why, whysize, "item %s: on_hand %lld allocated %lld available %lld backordered %lld in %lld lines",
				 sku, (long long)st.on_hand, (long long)st.allocated, (long long)st.available,
				 (long long)st.backordered, (long long)st.waiting_lines);
		break;
	}
	case K_ORDER_GET: {
		bo_order *o = NULL;
		id = pick_order(w, &variant);
		snprintf(oid, sizeof(oid), "O%ld", id);
		rc = bo_order_get(&o, inv, oid);
		if (rc == BO_OK)
			order_breaks(o, why, whysize);
		bo_order_free(o);
		break;
	}
	case K_WAITING: {
		waiting_walk ww = { 1, "" };
		rc = bo_item_waiting_foreach(inv, sku, waiting_cb, &ww);
		if (rc == 2)
			snprintf(why, whysize, "%s", ww.why);
		if (rc > 0)
			rc = BO_OK;
		break;
	}
	case K_SUPPLY_LIST: {
		long n = 0;
		rc = bo_supply_foreach(inv, sku, supply_cb, &n);
		if (rc == BO_OK && n > 4)
			snprintf(why, whysize, "item %s has %ld supply records; only 4 ids are used", sku, n);
		break;
	}
	case K_PENDING: {
		size_t n;
		rc = bo_inventory_pending(&n, inv);
		break;
	}
	case K_DISPATCH:
		rc = bo_inventory_dispatch(inv, NULL);
		break;
	}
	return rc;
}

typedef struct stock_sum {
	int64_t on_hand, allocated, backordered, incoming, subscribers;
} stock_sum;

static int sum_cb(void *ud, const bo_item_status *it)
{
	stock_sum *s = ud;
	s->on_hand += it->on_hand;
	s->allocated += it->allocated;
	s->backordered += it->backordered;
	s->incoming += it->incoming;
	s->subscribers += it->subscribers;
	return 0;
}

static void *work(void *arg)
{
	worker *w = arg;
	char why[300];
	for (;;) {
		long call = atomic_fetch_add(&calls_started, 1) + 1;
		int k, rc;
		double t;
		if (call > opt_calls || atomic_load(&failed))
			break;
		k = pick_kind(w);
		why[0] = '\0';
		t = now_s();
		rc = one_call(w, call, k, why, sizeof(why));
		t = now_s() - t;
		w->calls++;
		if (t > w->max_latency[k])
			w->max_latency[k] = t;
		if (rc > 0 || rc < BO_ESTORAGE) {
			finding(w->index, call, "%s returned %d", kinds[k].name, rc);
			break;
		}
		w->count[k][-rc]++;
		if (!(kinds[k].ok & S(rc))) {
			finding(w->index, call, "%s returned %s: %s", kinds[k].name, bo_status_name(rc), bo_last_error());
			break;
		}
		if (why[0]) {
			finding(w->index, call, "%s: %s", kinds[k].name, why);
			break;
		}
		if (opt_check_every > 0 && call % opt_check_every == 0) {
			stock_sum ss = { 0, 0, 0, 0, 0 };
			double el;
			run_check(w, call);
			bo_item_foreach(inv, sum_cb, &ss);
			el = now_s() - t_start;
			pthread_mutex_lock(&out_lock);
			printf("  %8ld calls %7.1f s %7.0f calls/s  checks passed %3ld  on_hand %7lld allocated %7lld waiting %7lld (%s)\n",
			       call, el, (double)call / el, (long)atomic_load(&checks_passed), (long long)ss.on_hand,
			       (long long)ss.allocated, (long long)ss.backordered, glut(call - 1) ? "glut" : "shortage");
			fflush(stdout);
			pthread_mutex_unlock(&out_lock);
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- */

static void setup_items(uint64_t *s)
{
	bo_policy *pol = NULL;
	bo_policy_methods m = BO_POLICY_METHODS_INIT;
	char sku[32];
	m.sort_key = price_key;
	if (bo_policy_custom(&pol, "soak_price", &m, NULL) != BO_OK || bo_inventory_add_policy(inv, pol) != BO_OK) {
		fprintf(stderr, "custom policy: %s\n", bo_last_error());
		exit(1);
	}
	bo_policy_free(pol);
	for (long i = 0; i < opt_skus; i++) {
		bo_item_settings st = BO_ITEM_SETTINGS_INIT;
		st.fields = BO_ITEM_POLICY | BO_ITEM_LEAD_TIME;
		st.policy = policies[i % (long)NPOLICIES];
		st.lead_time = below(s, 3) ? range(s, 1, 30) * DAY : BO_NO_TIME;
		if (below(s, 20) == 0) {
			st.fields |= BO_ITEM_BACKORDER;
			st.backorder = BO_BACKORDER_DENY;
		} else if (below(s, 10) == 0) {
			st.fields |= BO_ITEM_MAX_BACKORDER;
			st.max_backorder = range(s, 5, 100);
		}
		if (below(s, 20) == 0) {
			st.fields |= BO_ITEM_RELEASE_AT | BO_ITEM_PREORDER_MAX;
			st.release_at = T0 + below(s, opt_calls);
			st.preorder_max = below(s, 2) ? range(s, 20, 300) : BO_UNLIMITED;
		}
		sku_name(sku, sizeof(sku), i);
		if (bo_item_set(inv, sku, &st) != BO_OK || bo_item_receive(inv, sku, range(s, 1, 20), NULL) != BO_OK) {
			fprintf(stderr, "setting up %s: %s\n", sku, bo_last_error());
			exit(1);
		}
	}
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-t THREADS] [-n CALLS] [-s STORE] [-S SEED] [-k SKUS] [-o ORDER_IDS] "
			"[-c CHECK_EVERY] [-r REFUSE_EVERY]\n", argv0);
	exit(64);
}

static long num_arg(const char *s, long min, const char *argv0)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min)
		usage(argv0);
	return v;
}

int main(int argc, char **argv)
{
	static worker workers[MAX_THREADS];
	static const char *const status_names[NSTATUS] = { "ok", "parse", "invalid", "not_found",
							    "exists", "out_of_stock", "state", "storage" };
	bo_options o = BO_OPTIONS_INIT;
	bo_notifier nt = BO_NOTIFIER_INIT;
	uint64_t setup_rng;
	uint64_t total[NSTATUS] = { 0 };
	size_t pending = 0, drained = 0;
	stock_sum sum = { 0, 0, 0, 0, 0 };
	struct rusage ru;
	long calls = 0;
	double wall;
	int opt, rc, bad = 0;

	while ((opt = getopt(argc, argv, "t:n:s:S:k:o:c:r:h")) != -1) {
		switch (opt) {
		case 't': opt_threads = num_arg(optarg, 1, argv[0]); break;
		case 'n': opt_calls = num_arg(optarg, 1, argv[0]); break;
		case 's': opt_store = optarg; break;
		case 'S': opt_seed = (uint64_t)num_arg(optarg, 0, argv[0]); break;
		case 'k': opt_skus = num_arg(optarg, 1, argv[0]); break;
		case 'o': opt_ids = num_arg(optarg, 1, argv[0]); break;
		case 'c': opt_check_every = num_arg(optarg, 0, argv[0]); break;
		case 'r': opt_refuse = num_arg(optarg, 0, argv[0]); break; /* 1 would refuse everything */
		default: usage(argv[0]);
		}
	}
	if (optind != argc || opt_threads > MAX_THREADS || opt_skus > 999 || opt_refuse == 1)
		usage(argv[0]);
	if (!opt_ids)
		opt_ids = opt_calls / 8 > 1000 ? opt_calls / 8 : 1000;

	o.clock = sim_clock;
	if ((rc = bo_inventory_open_store(&inv, opt_store, &o)) != BO_OK) {
		fprintf(stderr, "open %s: %s: %s\n", opt_store, bo_status_name(rc), bo_last_error());
		return 1;
	}
	nt.deliver = deliver;
	if (bo_inventory_set_notifier(inv, &nt, &notif) != BO_OK) {
		fprintf(stderr, "notifier: %s\n", bo_last_error());
		return 1;
	}
	for (int k = 0; k < NKINDS; k++)
		weight_total += kinds[k].weight;
	setup_rng = mix64(opt_seed);
	setup_items(&setup_rng);

	printf("soak: %ld threads, %ld calls, store %s, seed %" PRIu64 ", %ld SKUs, %ld order ids, "
	       "check every %ld, notifier refuses every %ld\n",
	       opt_threads, opt_calls, opt_store, opt_seed, opt_skus, opt_ids, opt_check_every, opt_refuse);
	fflush(stdout);
	t_start = now_s();
	for (long i = 0; i < opt_threads; i++) {
		workers[i].index = (int)i;
		workers[i].rng = mix64(opt_seed * 1000003 + (uint64_t)i + 1);
		if (pthread_create(&workers[i].th, NULL, work, &workers[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	for (long i = 0; i < opt_threads; i++)
		pthread_join(workers[i].th, NULL);
	wall = now_s() - t_start;

	/* The end: one more check, every pending event delivered. */
	if (!atomic_load(&failed)) {
		worker last = { .index = -1 };
		run_check(&last, opt_calls);
		for (int stuck = 0;;) {
			size_t d = 0;
			rc = bo_inventory_dispatch(inv, &d);
			drained += d;
			if (rc != BO_ESTATE || (d == 0 && ++stuck > 2))
				break; /* BO_ESTATE: a refusal; dispatch again */
		}
		if (rc != BO_OK)
			finding(-1, opt_calls, "final dispatch: %s: %s", bo_status_name(rc), bo_last_error());
		else if ((rc = bo_inventory_pending(&pending, inv)) != BO_OK || pending != 0)
			finding(-1, opt_calls, "%zu events still pending after the final dispatch (%s)", pending,
				bo_status_name(rc));
		if (bo_item_foreach(inv, sum_cb, &sum) != BO_OK)
			finding(-1, opt_calls, "bo_item_foreach: %s", bo_last_error());
	}
	if (notif.bad) {
		finding(-1, opt_calls, "notifier: %s", notif.why);
		bad = 1;
	}
	bad |= atomic_load(&failed);
	getrusage(RUSAGE_SELF, &ru);

	for (long i = 0; i < opt_threads; i++)
		calls += workers[i].calls;
	printf("\n%-14s", "kind");
	for (int s = 0; s < NSTATUS; s++)
		if (s != 1) /* parse: no call here can return it */
			printf(" %12s", status_names[s]);
	printf(" %12s %10s\n", "calls", "max ms");
	for (int k = 0; k < NKINDS; k++) {
		uint64_t n = 0;
		double mx = 0;
		printf("%-14s", kinds[k].name);
		for (int s = 0; s < NSTATUS; s++) {
			uint64_t v = 0;
			for (long i = 0; i < opt_threads; i++)
				v += workers[i].count[k][s];
			n += v;
			total[s] += v;
			if (s != 1)
				printf(" %12" PRIu64, v);
		}
		for (long i = 0; i < opt_threads; i++)
			if (workers[i].max_latency[k] > mx)
				mx = workers[i].max_latency[k];
		printf(" %12" PRIu64 " %10.2f\n", n, mx * 1e3);
	}
	printf("%-14s", "total");
	for (int s = 0; s < NSTATUS; s++)
		if (s != 1)
			printf(" %12" PRIu64, total[s]);
	printf(" %12ld\n\n", calls);

	printf("calls:             %ld in %.1f s wall, %.0f calls/s (%ld threads, store %s)\n", calls, wall,
	       (double)calls / wall, opt_threads, opt_store);
	printf("invariant checks:  %ld passed (every %ld calls, and at the end), %.2f s in all, longest %.3f s\n",
	       (long)atomic_load(&checks_passed), opt_check_every, check_seconds, check_max);
	printf("events delivered:  %" PRIu64 " (%zu in the final dispatch); %" PRIu64 " refused and handed out again first\n",
	       notif.accepted, drained, notif.refusals);
	printf("events by kind:   ");
	for (int e = 1; e <= BO_EVENT_RELEASED; e++)
		printf(" %s %" PRIu64, bo_event_kind_name(e), notif.by_kind[e]);
	printf("\n");
	printf("end state:         on_hand %lld, allocated %lld, waiting %lld, incoming %lld, subscribers %lld\n",
	       (long long)sum.on_hand, (long long)sum.allocated, (long long)sum.backordered, (long long)sum.incoming,
	       (long long)sum.subscribers);
	printf("peak RSS:          %ld MiB\n", ru.ru_maxrss / 1024);
	printf("simulated time:    %lld days\n", (long long)(opt_calls / DAY));
	printf("result:            %s\n", bad ? "FINDING (see above)" : "no finding");
	bo_inventory_free(inv);
	return bad ? 1 : 0;
}
