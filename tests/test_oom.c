/*
 * Out of memory, tested the way SQLite tests it (issue 17).
 *
 * The test process routes the library's memory through a test allocator
 * (bo_set_allocator(), the first thing main() does) that counts every
 * allocation and can fail the N-th one. Over the conformance workload
 * (tests/workload.c: every mutating call of the public API), and over
 * opening a store and an inventory, the queries, the report in every
 * format, the invariant check and dispatching, on the memory store and on
 * SQLite, each call is made again and again with N = 1, 2, 3 ... until it
 * completes without reaching N. After each injected failure:
 *
 *  - the call returned BO_ESTORAGE and bo_last_error() says "out of memory"
 *    (a query or the report may return BO_ESTORAGE the same way);
 *  - the state (tests/snapshot.c: every item, order, line, queue, supply
 *    record, pending event and the history) equals the snapshot taken
 *    before the call, and the invariants hold (bo_inventory_check());
 *  - the next attempt (the call made again) succeeds in the end with the
 *    status the workload expects: later calls succeed.
 *
 * A second pass fails only reallocations that grow a block (tables and
 * arrays growing: the queue vectors, hash tables, the undo log, the event
 * buffer), the N-th of those, for every N.
 *
 * At the end every block the library took has been given back: the test
 * allocator keeps a count of live blocks and bytes (and ASan or valgrind
 * look for leaks as in every suite). SQLite's own allocations do not go
 * through bo_set_allocator() (see include/backorder/common.h), so on SQLite
 * the failures reach the core and the adapter's own memory.
 */
#include "helpers.h"
#include "adapters.h"
#include "snapshot.h"
#include "workload.h"

#include <execinfo.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- the test allocator ------------------------------------------- */

/* Every block carries its size in a header, so that live bytes can be
 * counted (and realloc knows whether it grows). */
typedef union hdr {
	size_t size;
	max_align_t align;
} hdr;

enum { COUNT_ALL, COUNT_GROWS };

static struct {
	int mode;               /* COUNT_ALL: every malloc/realloc; COUNT_GROWS: reallocs that grow */
	unsigned long calls;    /* counted calls since arming */
	unsigned long fail_at;  /* fail this counted call (1-based); 0: never */
	bool failed;            /* the armed failure fired */
	unsigned long injected; /* failures injected in all */
	unsigned long injected_grows; /* of which reallocs that grow */
	long live_blocks;
	long long live_bytes;
	unsigned long mallocs, reallocs, frees;
} A;

static bool fail_now(bool grows)
{
	if (A.mode == COUNT_GROWS && !grows)
		return false;
	A.calls++;
	if (A.fail_at && A.calls == A.fail_at) {
		if (getenv("OOM_TRACE")) { void *bt[12]; int k = backtrace(bt, 12); backtrace_symbols_fd(bt, k, 2); fprintf(stderr, "----\n"); }
		A.failed = true;
		A.injected++;
		if (grows)
			A.injected_grows++;
		return true;
	}
	return false;
}

static void *t_malloc(void *ud, size_t size)
{
	hdr *h;
	(void)ud;
	assert_true(size > 0); /* documented: never 0 */
	if (fail_now(false))
		return NULL;
	if (!(h = malloc(sizeof(hdr) + size)))
		return NULL;
	h->size = size;
	A.mallocs++;
	A.live_blocks++;
	A.live_bytes += (long long)size;
	return h + 1;
}

static void *t_realloc(void *ud, void *p, size_t size)
{
	hdr *h, *n;
	size_t old;
	(void)ud;
	assert_non_null(p);  /* documented: never NULL */
	assert_true(size > 0);
	h = (hdr *)p - 1;
	old = h->size;
	if (fail_now(size > old))
		return NULL;
	if (!(n = realloc(h, sizeof(hdr) + size)))
		return NULL;
	n->size = size;
	A.reallocs++;
	A.live_bytes += (long long)size - (long long)old;
	return n + 1;
}

static void t_free(void *ud, void *p)
{
	hdr *h;
	(void)ud;
	assert_non_null(p);  /* documented: never NULL */
	h = (hdr *)p - 1;
	A.frees++;
	A.live_blocks--;
	A.live_bytes -= (long long)h->size;
	free(h);
}

static void arm(unsigned long n)
{
	A.calls = 0;
	A.fail_at = n;
	A.failed = false;
}

static bool disarm(void)
{
	bool f = A.failed;
	A.fail_at = 0;
	A.failed = false;
	return f;
}

/* ---- checks ------------------------------------------------------- */

static char *snap(bo_inventory *inv)
{
	char *s = NULL;
	assert_int_equal(A.fail_at, 0);
	assert_ok(snapshot_take(&s, inv));
	return s;
}

/* After an injected failure: the status and message say out of memory. */
static void expect_oom(const ta_adapter *ad, const char *what, unsigned long n, int rc)
{
	if (rc != BO_ESTORAGE || !strstr(bo_last_error(), "out of memory")) {
		print_error("[%s] %s, allocation %lu failed: status %s, message '%s'; "
			    "expected storage and 'out of memory'\n",
			    ad->name, what, n, bo_status_name(rc), bo_last_error());
		fail();
	}
}

/* The state equals `before` and the invariants hold. */
static void expect_unchanged(const ta_adapter *ad, const char *what, unsigned long n, bo_inventory *inv,
			     const char *before)
{
	char *after = snap(inv);
	if (strcmp(before, after) != 0) {
		print_error("[%s] %s, allocation %lu failed, and the state changed\n--- before\n%s--- after\n%s",
			    ad->name, what, n, before, after);
		free(after);
		fail();
	}
	free(after);
	assert_invariants(inv);
}

#define LOOP_MAX 200000UL

/* ---- opening -------------------------------------------------------- */

static bo_inventory *open_under_oom(const ta_adapter *ad, th_clock *clk, unsigned long *failures)
{
	bo_options o = BO_OPTIONS_INIT;
	o.clock = th_clock_read;
	o.clock_data = clk;
	o.auto_dispatch = 0;
	for (unsigned long n = 1;; n++) {
		const bo_storage *vt = NULL;
		void *ud = NULL;
		bo_inventory *inv = NULL;
		long blocks = A.live_blocks;
		int rc;
		bool failed;

		bo_clear_error();
		arm(n);
		rc = ad->make(&vt, &ud);
		if (rc == BO_OK) {
			rc = bo_inventory_open(&inv, vt, ud, &o);
			if (rc != BO_OK)
				vt->close(ud);
		}
		failed = disarm();
		if (!failed) {
			assert_ok(rc);
			return inv;
		}
		(*failures)++;
		expect_oom(ad, "opening", n, rc);
		assert_null(inv);
		/* a failed open leaves nothing behind */
		assert_int_equal(A.live_blocks, blocks);
		assert_true(n < LOOP_MAX);
	}
}

/* ---- the calls ------------------------------------------------------ */

/* One call of the loop: a workload step, or a step of the growth phase. */
typedef struct call {
	const wop *w;           /* a workload step, or NULL */
	int g;                  /* else a growth step (G_*) */
	int k;                  /* its number */
	int expect;
} call;

enum { G_ITEM, G_PLACE_HOT, G_PLACE_MULTI, G_RECEIVE_HOT, G_BATCH, G_RECEIVE_G, G_CANCEL_MULTI, G_LOC };

#define G_ITEMS 40

static int growth(bo_inventory *inv, int g, int k)
{
	char id[32], sku[3][32];
	bo_line_spec l[3];
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	int rc, r2;

	switch (g) {
	case G_ITEM: {
		bo_item_settings s = BO_ITEM_SETTINGS_INIT;
		snprintf(id, sizeof(id), k == G_ITEMS ? "hot" : "g%03d", k);
		if (k % 3 == 1) {
			s.fields = BO_ITEM_POLICY | BO_ITEM_LEAD_TIME;
			s.policy = k % 2 ? "priority" : "fair";
			s.lead_time = 2 * DAY;
		}
		return bo_item_set(inv, id, &s);
	}
	case G_PLACE_HOT:
		snprintf(id, sizeof(id), "h%04d", k);
		oo.priority = k % 5;
		l[0] = (bo_line_spec){ "hot", 1 + k % 3, 100 + k };
		return bo_order_place(inv, id, &oo, l, 1);
	case G_PLACE_MULTI:
		snprintf(id, sizeof(id), "m%04d", k);
		for (int j = 0; j < 3; j++) {
			snprintf(sku[j], sizeof(sku[j]), "g%03d", (k * 7 + j * 13) % G_ITEMS);
			l[j] = (bo_line_spec){ sku[j], 2 + (k + j) % 4, BO_NO_PRICE };
		}
		return bo_order_place(inv, id, &oo, l, 3);
	case G_RECEIVE_HOT: /* fills the whole hot queue in one call */
		return bo_item_receive(inv, "hot", 100000, NULL);
	case G_BATCH: /* one transaction of many calls */
		if (wl_batch_unsupported)
			return BO_OK;
		if ((rc = bo_inventory_batch_begin(inv)) != BO_OK)
			return rc;
		for (int j = 0; j < 60 && rc == BO_OK; j++) {
			snprintf(id, sizeof(id), "b%02d-%03d", k, j);
			l[0] = (bo_line_spec){ j % 2 ? "hot" : "g001", 1, BO_NO_PRICE };
			rc = bo_order_place(inv, id, &oo, l, 1);
		}
		if (rc == BO_OK)
			rc = bo_item_receive(inv, "g001", 30, NULL);
		r2 = bo_inventory_batch_end(inv, rc == BO_OK);
		return rc != BO_OK ? rc : r2;
	case G_RECEIVE_G:
		snprintf(id, sizeof(id), "g%03d", k);
		return bo_item_receive(inv, id, 7, NULL);
	case G_CANCEL_MULTI:
		snprintf(id, sizeof(id), "m%04d", k);
		return bo_order_cancel(inv, id, NULL, BO_ALL);
	case G_LOC: /* locations: stock at three, allocated across them, moved */
		switch (k) {
		case 0: return bo_location_set(inv, "wh", 1);
		case 1: return bo_location_set(inv, "shop", -1);
		case 2: return bo_item_receive_at(inv, "g002", 3, NULL, "shop");
		case 3: return bo_item_receive_at(inv, "g002", 4, NULL, "wh");
		case 4:
			l[0] = (bo_line_spec){ "g002", 9, BO_NO_PRICE };
			return bo_order_place(inv, "loc-1", &oo, l, 1);
		case 5: return bo_order_cancel(inv, "loc-1", "g002", 2);
		case 6: return bo_item_adjust_at(inv, "g002", -2, "shop");
		case 7: return bo_supply_set_at(inv, "g002", "po-loc", 5, T0 + 9 * DAY, "wh");
		case 8: return bo_item_receive_at(inv, "g002", 5, "po-loc", NULL);
		case 9: return bo_order_ship_at(inv, "loc-1", "g002", BO_ALL, "wh");
		case 10: return bo_location_set(inv, "wh", -5);
		case 11: return bo_item_receive_at(inv, "g002", 20, NULL, "main");
		default: return BO_OK;
		}
	default:
		return BO_EINVALID;
	}
}

static int call_run(bo_inventory *inv, const call *c)
{
	return c->w ? run_op(inv, c->w) : growth(inv, c->g, c->k);
}

/* The inventory under test, a reference that is never failed, and the
 * calls made so far (to rebuild both, see below). */
typedef struct run {
	const ta_adapter *ad;
	th_clock clk, rclk;
	bo_inventory *inv, *ref;
	call *hist;
	int64_t *when;
	size_t n, cap;
	unsigned long failures, absorbed;
} run;

static bo_inventory *open_plain(const ta_adapter *ad, th_clock *clk)
{
	bo_options o = BO_OPTIONS_INIT;
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_inventory *inv = NULL;
	o.clock = th_clock_read;
	o.clock_data = clk;
	o.auto_dispatch = 0;
	assert_ok(ad->make(&vt, &ud));
	assert_ok(bo_inventory_open(&inv, vt, ud, &o));
	return inv;
}

/* A new inventory in the state the calls so far made (replayed). */
static bo_inventory *rebuild(run *r, th_clock *clk)
{
	bo_inventory *inv;
	clk->now = T0;
	inv = open_plain(r->ad, clk);
	for (size_t i = 0; i < r->n; i++) {
		clk->now = r->when[i];
		assert_int_equal(call_run(inv, &r->hist[i]), r->hist[i].expect);
	}
	return inv;
}

/* Make `c` on the inventory under test with the N-th allocation failing,
 * for N = 1, 2, ... until it completes; then on the reference. After each
 * failure the two must be the same.
 *
 * A few allocations are optional: when giving room back fails (a queue
 * chunk shrinking), the library keeps the room and the call succeeds. Then
 * the call's result must equal the reference's, and both inventories are
 * rebuilt in the state before the call (replaying the calls so far), so
 * that the allocations after the absorbed one are failed in turn too. */
static void call_under_oom(run *r, const call *c)
{
	const ta_adapter *ad = r->ad;
	char what[64];

	if (c->w)
		snprintf(what, sizeof(what), "step (kind %d %s)", c->w->kind, c->w->a ? c->w->a : "-");
	else
		snprintf(what, sizeof(what), "growth step %d/%d", c->g, c->k);
	for (unsigned long n = 1;; n++) {
		int rc;
		bool failed;

		bo_clear_error();
		arm(n);
		rc = call_run(r->inv, c);
		failed = disarm();
		if (failed && rc == c->expect) {
			/* absorbed: the same result as without the failure */
			char *got = snap(r->inv), *want;
			assert_int_equal(call_run(r->ref, c), c->expect);
			want = snap(r->ref);
			if (strcmp(got, want) != 0) {
				print_error("[%s] %s, allocation %lu failed, the call succeeded, "
					    "but not as without the failure\n--- without\n%s--- with\n%s",
					    ad->name, what, n, want, got);
				fail();
			}
			free(got);
			free(want);
			r->absorbed++;
			bo_inventory_free(r->inv);
			bo_inventory_free(r->ref);
			r->inv = rebuild(r, &r->clk);
			r->ref = rebuild(r, &r->rclk);
			continue;
		}
		if (!failed) {
			if (rc != c->expect) {
				print_error("[%s] %s: status %s, expected %s: %s\n", ad->name, what,
					    bo_status_name(rc), bo_status_name(c->expect), bo_last_error());
				fail();
			}
			break;
		}
		r->failures++;
		expect_oom(ad, what, n, rc);
		{
			char *before = snap(r->ref);
			expect_unchanged(ad, what, n, r->inv, before);
			free(before);
		}
		assert_true(n < LOOP_MAX);
	}
	assert_int_equal(call_run(r->ref, c), c->expect);
	assert_invariants(r->inv);
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->hist = realloc(r->hist, r->cap * sizeof(*r->hist));
		r->when = realloc(r->when, r->cap * sizeof(*r->when));
		assert_non_null(r->hist);
		assert_non_null(r->when);
	}
	r->hist[r->n] = *c;
	r->when[r->n] = r->clk.now;
	r->n++;
}

/* Move both clocks on. */
static void tick(run *r, int64_t dt)
{
	r->clk.now += dt;
	r->rclk.now = r->clk.now;
}

/* Queries: every one the snapshot makes (item status and walks, waiting
 * lines, supply, orders, pending events, the report's figures). */
static void queries_under_oom(const ta_adapter *ad, bo_inventory *inv, unsigned long *failures)
{
	char *want = snap(inv);
	for (unsigned long n = 1;; n++) {
		char *got = NULL;
		int rc;

		bo_clear_error();
		arm(n);
		rc = snapshot_take(&got, inv);
		if (!disarm()) {
			assert_ok(rc);
			assert_string_equal(got, want);
			free(got);
			break;
		}
		(*failures)++;
		free(got);
		expect_oom(ad, "queries", n, rc);
		expect_unchanged(ad, "queries", n, inv, want);
		assert_true(n < LOOP_MAX);
	}
	free(want);
}

typedef struct sink {
	char *buf;
	size_t len, cap;
} sink;

static int sink_write(void *ud, const char *data, size_t len)
{
	sink *s = ud;
	if (s->len + len + 1 > s->cap) {
		size_t cap = (s->len + len + 1) * 2;
		char *b = realloc(s->buf, cap);
		if (!b)
			return -1;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

static int report_text(bo_inventory *inv, int format, sink *out)
{
	bo_report *r = NULL;
	bo_report_options ro = BO_REPORT_OPTIONS_INIT;
	int rc = bo_report_make(&r, inv, &ro);
	if (rc == BO_OK)
		rc = bo_report_write(r, format, sink_write, out);
	bo_report_free(r);
	return rc;
}

/* The report, made and written in every format. */
static void report_under_oom(const ta_adapter *ad, bo_inventory *inv, unsigned long *failures)
{
	static const int formats[] = { BO_REPORT_TEXT, BO_REPORT_CSV, BO_REPORT_JSON, BO_REPORT_HTML };
	char *before = snap(inv);
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		sink want = { 0 };
		assert_ok(report_text(inv, formats[f], &want));
		assert_non_null(want.buf);
		for (unsigned long n = 1;; n++) {
			sink got = { 0 };
			int rc;

			bo_clear_error();
			arm(n);
			rc = report_text(inv, formats[f], &got);
			if (!disarm()) {
				assert_ok(rc);
				assert_string_equal(got.buf, want.buf);
				free(got.buf);
				break;
			}
			(*failures)++;
			free(got.buf);
			expect_oom(ad, "report", n, rc);
			expect_unchanged(ad, "report", n, inv, before);
			assert_true(n < LOOP_MAX);
		}
		free(want.buf);
	}
	free(before);
}

static void check_under_oom(const ta_adapter *ad, bo_inventory *inv, unsigned long *failures)
{
	for (unsigned long n = 1;; n++) {
		int rc;

		bo_clear_error();
		arm(n);
		rc = bo_inventory_check(inv);
		if (!disarm()) {
			assert_ok(rc);
			break;
		}
		(*failures)++;
		expect_oom(ad, "check", n, rc);
		assert_true(n < LOOP_MAX);
	}
}

/* Dispatch: a failure may come after some events were delivered (and
 * acknowledged); at least once and in order must hold over the retries. */
static void dispatch_under_oom(const ta_adapter *ad, bo_inventory *inv, unsigned long *failures)
{
	th_recorder got;
	size_t pending = 0, want;
	uint64_t last = 0;
	size_t distinct = 0;

	memset(&got, 0, sizeof(got));
	assert_ok(bo_inventory_pending(&want, inv));
	assert_true(want > 20);
	th_recorder_attach(inv, &got);
	for (unsigned long n = 1;; n++) {
		int rc;

		bo_clear_error();
		arm(n);
		rc = bo_inventory_dispatch(inv, NULL);
		if (!disarm()) {
			assert_ok(rc);
			break;
		}
		(*failures)++;
		expect_oom(ad, "dispatch", n, rc);
		assert_invariants(inv);
		assert_true(n < LOOP_MAX);
	}
	assert_ok(bo_inventory_pending(&pending, inv));
	assert_int_equal(pending, 0);
	for (size_t i = 0; i < got.n; i++) {
		if (got.ev[i].seq <= last)
			continue; /* delivered again after a failure: allowed */
		assert_true(got.ev[i].seq > last);
		last = got.ev[i].seq;
		distinct++;
	}
	assert_int_equal(distinct, want);
	/* the recorder is freed by the inventory (the notifier's free) */
	th_recorder_fini(&got);
}

/* ---- the loop ------------------------------------------------------- */

static void run_loop(const ta_adapter *ad, int mode)
{
	run r;
	unsigned long grows0 = A.injected_grows;
	long blocks0 = A.live_blocks;
	long long bytes0 = A.live_bytes;
	int hot = getenv("BO_TEST_VALGRIND") ? 60 : 400; /* valgrind: memory errors and leaks, shorter */
	char *a, *b;

	memset(&r, 0, sizeof(r));
	r.ad = ad;
	r.clk.now = r.rclk.now = T0;
	A.mode = mode;
	r.inv = open_under_oom(ad, &r.clk, &r.failures);
	r.ref = open_plain(ad, &r.rclk);
	{
		int rc = bo_inventory_batch_begin(r.inv);
		wl_batch_unsupported = rc == BO_ESTATE;
		if (rc == BO_OK)
			assert_ok(bo_inventory_batch_end(r.inv, 0));
	}
	/* the workload: every mutating call */
	for (size_t i = 0; i < NWORK; i++) {
		tick(&r, workload[i].dt);
		call_under_oom(&r, &(call){ &workload[i], 0, 0, workload[i].expect });
		if (i % 10 == 9)
			queries_under_oom(ad, r.inv, &r.failures);
	}
	/* growth: tables, queues, arenas, logs and buffers outgrow their first size */
	for (int k = 0; k <= G_ITEMS; k++) /* (the last is "hot") */
		call_under_oom(&r, &(call){ NULL, G_ITEM, k, BO_OK });
	for (int k = 0; k < G_ITEMS; k++)
		call_under_oom(&r, &(call){ NULL, G_PLACE_MULTI, k, BO_OK });
	for (int k = 0; k < hot; k++)
		call_under_oom(&r, &(call){ NULL, G_PLACE_HOT, k, BO_OK });
	tick(&r, HOUR);
	call_under_oom(&r, &(call){ NULL, G_BATCH, 0, BO_OK });
	call_under_oom(&r, &(call){ NULL, G_RECEIVE_HOT, 0, BO_OK });
	for (int k = 0; k < G_ITEMS; k += 3)
		call_under_oom(&r, &(call){ NULL, G_RECEIVE_G, k, BO_OK });
	for (int k = 0; k < G_ITEMS; k += 2)
		call_under_oom(&r, &(call){ NULL, G_CANCEL_MULTI, k, BO_OK });
	for (int k = 0; k < 12; k++)
		call_under_oom(&r, &(call){ NULL, G_LOC, k, BO_OK });
	queries_under_oom(ad, r.inv, &r.failures);
	report_under_oom(ad, r.inv, &r.failures);
	check_under_oom(ad, r.inv, &r.failures);
	a = snap(r.inv);
	b = snap(r.ref);
	assert_string_equal(a, b);
	free(a);
	free(b);
	dispatch_under_oom(ad, r.inv, &r.failures);
	bo_inventory_free(r.inv);
	bo_inventory_free(r.ref);
	free(r.hist);
	free(r.when);
	A.mode = COUNT_ALL;

	/* every block came back */
	assert_int_equal(A.live_blocks, blocks0);
	assert_true(A.live_bytes == bytes0);
	print_message("[%s] %s: %lu allocation failures injected (%lu reallocs that grow), "
		      "%lu absorbed\n", ad->name, mode == COUNT_ALL ? "every allocation" : "growing reallocs",
		      r.failures, A.injected_grows - grows0, r.absorbed);
	/* the calls did allocate, and tables did grow (and their growth failed) */
	assert_true(r.failures > (mode == COUNT_ALL ? 300u : 5u));
	assert_true(A.injected_grows - grows0 > 5);
}

static void test_every_allocation(void **state)
{
	run_loop(*state, COUNT_ALL);
}

static void test_growing_reallocs(void **state)
{
	run_loop(*state, COUNT_GROWS);
}

/* Opening a store by its string and closing it, under failures. */
static void test_open_store(void **state)
{
	(void)state;
	for (unsigned long n = 1;; n++) {
		bo_inventory *inv = NULL;
		long blocks = A.live_blocks;
		int rc;

		bo_clear_error();
		arm(n);
		rc = bo_inventory_open_store(&inv, "memory", NULL);
		if (!disarm()) {
			assert_ok(rc);
			bo_inventory_free(inv);
			assert_int_equal(A.live_blocks, blocks);
			break;
		}
		assert_int_equal(rc, BO_ESTORAGE);
		assert_non_null(strstr(bo_last_error(), "out of memory"));
		assert_null(inv);
		assert_int_equal(A.live_blocks, blocks);
		assert_true(n < LOOP_MAX);
	}
}

/* Policies are allocated too. */
static void test_policies(void **state)
{
	(void)state;
	for (unsigned long n = 1;; n++) {
		bo_policy *p = NULL;
		long blocks = A.live_blocks;
		int rc;

		bo_clear_error();
		arm(n);
		rc = bo_policy_builtin(&p, "fair");
		if (!disarm()) {
			assert_ok(rc);
			assert_true(A.live_blocks > blocks); /* it came from the test allocator */
			bo_policy_free(p);
			assert_int_equal(A.live_blocks, blocks);
			break;
		}
		assert_int_equal(rc, BO_ESTORAGE);
		assert_null(p);
		assert_int_equal(A.live_blocks, blocks);
	}
}

/* The allocator is set once, and only before the library allocates. */
static void test_set_rules(void **state)
{
	bo_allocator a = { BO_ALLOCATOR_VERSION, t_malloc, t_realloc, t_free, NULL };
	bo_allocator bad = a;

	(void)state;
	/* set in main(): a second time is refused, and nothing changes */
	assert_int_equal(bo_set_allocator(&a), BO_ESTATE);
	assert_non_null(strstr(bo_last_error(), "only once"));
	assert_non_null(bo_get_allocator());
	assert_ptr_equal(bo_get_allocator()->malloc, t_malloc);
	assert_int_equal(bo_set_allocator(NULL), BO_EINVALID);
	bad.version = 99;
	assert_int_equal(bo_set_allocator(&bad), BO_EINVALID);
	bad = a;
	bad.realloc = NULL;
	assert_int_equal(bo_set_allocator(&bad), BO_EINVALID);

	/* (a process whose library allocated first is refused: the test
	 * "oom-late" runs this program with the argument "late") */
}

int main(int argc, char **argv)
{
	bo_allocator a = { BO_ALLOCATOR_VERSION, t_malloc, t_realloc, t_free, NULL };
	struct CMUnitTest tests[16];
	size_t n = 0;

	/* "late": a process whose library allocated first must be refused */
	if (argc > 1 && strcmp(argv[1], "late") == 0) {
		bo_inventory *inv = NULL;
		int rc;
		if (bo_get_allocator() != NULL)
			return 1;
		if (bo_inventory_open_store(&inv, "memory", NULL) != BO_OK)
			return 2;
		rc = bo_set_allocator(&a);
		bo_inventory_free(inv);
		if (rc != BO_ESTATE || !strstr(bo_last_error(), "before the library allocates")) {
			fprintf(stderr, "late bo_set_allocator: %s: %s\n", bo_status_name(rc), bo_last_error());
			return 3;
		}
		if (bo_get_allocator() != NULL)
			return 4;
		printf("late bo_set_allocator refused: %s\n", bo_last_error());
		return 0;
	}
	if (bo_set_allocator(&a) != BO_OK) {
		fprintf(stderr, "bo_set_allocator: %s\n", bo_last_error());
		return 1;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_set_rules);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_policies);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_open_store);
	for (size_t i = 0; i < ta_nadapters; i++) {
		tests[n++] = (struct CMUnitTest)cmocka_unit_test_prestate(test_every_allocation, (void *)&ta_adapters[i]);
		/* (under valgrind, whose job here is memory errors and leaks,
		 * the first pass only: the sanitizer build runs both) */
		if (!getenv("BO_TEST_VALGRIND"))
			tests[n++] = (struct CMUnitTest)cmocka_unit_test_prestate(test_growing_reallocs,
										  (void *)&ta_adapters[i]);
	}
	return _cmocka_run_group_tests("oom", tests, n, NULL, NULL);
}
