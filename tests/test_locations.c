/*
 * Locations (DESIGN §11, issue #18), on every storage adapter: one test per
 * rule of the section, each asserting exact figures per location (item
 * stock through bo_item_stock_foreach(), a line's units through
 * bo_line_alloc_foreach()) and the `allocated` / `shipped` events with the
 * location they name; failure atomicity at every location, with failing
 * calls and with a store that fails the N-th call; and a property test over
 * random operations on 3 locations and 3 items that checks the per-location
 * invariants after every call. Every asserted call is also followed by
 * bo_inventory_check().
 *
 * Arguments name the adapters to run (default: all built; postgres needs
 * BO_TEST_PG).
 */
#include "helpers.h"
#include "adapters.h"
#include "failing_storage.h"
#include "snapshot.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- adapters (tests/adapters.h) --------------------------------- */

/* Steps of the property test per seed. */
static int random_steps(const ta_adapter *ad)
{
	/* (under valgrind, whose job here is memory errors and leaks, a
	 * tenth: the sanitizer build runs them whole) */
	int scale = getenv("BO_TEST_VALGRIND") ? 10 : 1;
	if (strcmp(ad->name, "memory") == 0)
		return 600 / scale;
	if (strcmp(ad->name, "sqlite") == 0)
		return 300 / scale;
	return 100 / scale;
}

/* ---- fixture ------------------------------------------------------- */

typedef struct fx {
	const ta_adapter *ad;
	th_clock clk;
	bo_inventory *inv;
	th_recorder rec;
	failing_storage *fs;    /* never armed unless a test says so */
} fx;

static fx *fx_open_ad(const ta_adapter *ad, const char *policy, int auto_dispatch)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;
	fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ad = ad;
	f->clk.now = T0;
	assert_ok(ad->make(&vt, &ud));
	assert_ok(failing_storage_new(&f->fs, vt, ud));
	f->inv = th_open_with(&f->fs->vt, f->fs, &f->clk, policy, auto_dispatch);
	f->rec.record_location = 1;
	th_recorder_attach(f->inv, &f->rec);
	return f;
}

static fx *fx_open(void **state)
{
	return fx_open_ad(*state, NULL, 1);
}

static void fx_close(fx *f)
{
	th_close(f->inv);
	th_recorder_fini(&f->rec);
	free(f);
}

/* ---- shortcuts ----------------------------------------------------- */

static void loc(fx *f, const char *id, int64_t rank)
{
	assert_ok(bo_location_set(f->inv, id, rank));
}

static void item(fx *f, const char *sku, const char *policy, int backorder)
{
	th_item(f->inv, sku, policy, backorder);
}

static void recv_at(fx *f, const char *sku, int64_t qty, const char *where)
{
	assert_ok(bo_item_receive_at(f->inv, sku, qty, NULL, where));
}

static void place(fx *f, const char *order, const char *sku, int64_t qty)
{
	assert_ok(th_place(f->inv, order, sku, qty, 0, BO_NO_TIME));
}

static void item_set(fx *f, const char *sku, unsigned fields, int64_t v)
{
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	s.fields = fields;
	if (fields == BO_ITEM_MAX_BACKORDER)
		s.max_backorder = v;
	else if (fields == BO_ITEM_PREORDER_MAX)
		s.preorder_max = v;
	else if (fields == BO_ITEM_RELEASE_AT)
		s.release_at = v;
	else if (fields == BO_ITEM_LEAD_TIME)
		s.lead_time = v;
	assert_ok(bo_item_set(f->inv, sku, &s));
}

/* A growing string, for rendering figures to compare. */
typedef struct str {
	char b[4096];
	size_t n;
} str;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void str_add(str *s, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (s->n >= sizeof(s->b) - 1)
		return;
	if (s->n > 0)
		s->b[s->n++] = ' ';
	va_start(ap, fmt);
	k = vsnprintf(s->b + s->n, sizeof(s->b) - s->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		s->n += (size_t)k;
	if (s->n >= sizeof(s->b))
		s->n = sizeof(s->b) - 1;
	s->b[s->n] = '\0';
}

static int locations_cb(void *ud, const bo_location *l)
{
	str_add(ud, "%s:%" PRId64, l->id, l->rank);
	return 0;
}

static int stock_cb(void *ud, const bo_stock *st)
{
	str_add(ud, "%s=%" PRId64 "/%" PRId64, st->location, st->on_hand, st->allocated);
	return 0;
}

static int lalloc_cb(void *ud, const bo_line_alloc *a)
{
	str_add(ud, "%s=%" PRId64, a->location, a->qty);
	return 0;
}

/* How many space-separated tokens `s` holds. */
static int count_tokens(const char *s)
{
	int n = 0;
	for (const char *p = s; *p; p++)
		if (*p != ' ' && (p == s || p[-1] == ' '))
			n++;
	return n;
}

/* "main:0 W:1": every location in location order, "id:rank". */
static void locations_of(str *s, bo_inventory *inv)
{
	memset(s, 0, sizeof(*s));
	assert_ok(bo_location_foreach(inv, locations_cb, s));
}

/* "main=5/3 W=2/0": the item's locations holding or allocating units, in
 * location order, "loc=on_hand/allocated". */
static void stock_of(str *s, bo_inventory *inv, const char *sku)
{
	memset(s, 0, sizeof(*s));
	assert_ok(bo_item_stock_foreach(inv, sku, stock_cb, s));
}

/* "main=2 W=1": the line's allocated units per location, in location order. */
static void lalloc_of(str *s, bo_inventory *inv, const char *order, const char *sku)
{
	memset(s, 0, sizeof(*s));
	assert_ok(bo_line_alloc_foreach(inv, order, sku, lalloc_cb, s));
}

static void expect_str(const char *file, int line, const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		print_error("%s:%d: %s is \"%s\", expected \"%s\"\n", file, line, what, got, want);
		fail();
	}
}

#define assert_locations(f, want) do { str s_; locations_of(&s_, (f)->inv); \
	expect_str(__FILE__, __LINE__, "locations", s_.b, (want)); } while (0)
#define assert_stock(f, sku, want) do { str s_; stock_of(&s_, (f)->inv, (sku)); \
	expect_str(__FILE__, __LINE__, "stock of " sku, s_.b, (want)); } while (0)
#define assert_lalloc(f, order, sku, want) do { str s_; lalloc_of(&s_, (f)->inv, (order), (sku)); \
	expect_str(__FILE__, __LINE__, "units of line " order "/" sku, s_.b, (want)); } while (0)

static int cmp_tok(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the space-separated tokens of `in` into `out`. */
static void sort_tokens(char *out, size_t cap, const char *in)
{
	char buf[4096];
	char *tok[256];
	size_t n = 0, len = 0;

	snprintf(buf, sizeof(buf), "%s", in);
	for (char *p = strtok(buf, " "); p != NULL && n < 256; p = strtok(NULL, " "))
		tok[n++] = p;
	qsort(tok, n, sizeof(tok[0]), cmp_tok);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s", i ? " " : "", tok[i]);
}

/* The recorded events of `kind` as "ORDER@LOC=QTY" tokens (order does not
 * matter: compared sorted); LOC is empty when the event names none. */
static void events_of(str *s, const th_recorder *rec, int kind)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < rec->n; i++)
		if (rec->ev[i].kind == kind)
			str_add(s, "%s@%s=%" PRId64, rec->ev[i].order_id, rec->ev[i].location, rec->ev[i].qty);
}

static void expect_events(const char *file, int line, const th_recorder *rec, int kind, const char *want)
{
	str s;
	char got[4096], exp[4096];

	events_of(&s, rec, kind);
	sort_tokens(got, sizeof(got), s.b);
	sort_tokens(exp, sizeof(exp), want);
	if (strcmp(got, exp) != 0) {
		print_error("%s:%d: %s events are \"%s\", expected \"%s\"\n", file, line,
			    bo_event_kind_name(kind), got, exp);
		fail();
	}
}

#define assert_allocated_events(f, want) expect_events(__FILE__, __LINE__, &(f)->rec, BO_EVENT_ALLOCATED, (want))
#define assert_shipped_events(f, want) expect_events(__FILE__, __LINE__, &(f)->rec, BO_EVENT_SHIPPED, (want))

/* The figures of a line: "allocated/backordered/shipped/cancelled". */
static void line_figs(char *out, size_t cap, bo_inventory *inv, const char *order, const char *sku)
{
	bo_line_status l = th_line(inv, order, sku);
	snprintf(out, cap, "%" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64, l.allocated, l.backordered,
		 l.shipped, l.cancelled);
}

#define assert_line(f, order, sku, want) do { char b_[128]; line_figs(b_, sizeof(b_), (f)->inv, (order), (sku)); \
	expect_str(__FILE__, __LINE__, "line " order "/" sku " alloc/back/shipped/cancelled", b_, (want)); } while (0)

/* ---- the full state, per location included ------------------------- */

typedef struct line_ref {
	char order[BO_ID_MAX + 1];
	char sku[BO_ID_MAX + 1];
	bo_line_status st;
} line_ref;

typedef struct lines {
	line_ref *v;
	size_t n, cap;
} lines;

static int collect_lines(void *ud, const bo_order *o)
{
	lines *ls = ud;
	size_t n = bo_order_line_count(o);

	for (size_t i = 0; i < n; i++) {
		if (ls->n == ls->cap) {
			size_t cap = ls->cap ? ls->cap * 2 : 32;
			line_ref *p = realloc(ls->v, cap * sizeof(*p));
			if (p == NULL)
				return 1;
			ls->v = p;
			ls->cap = cap;
		}
		memset(&ls->v[ls->n], 0, sizeof(ls->v[ls->n]));
		if (bo_order_line(&ls->v[ls->n].st, o, i) != BO_OK)
			return 1;
		snprintf(ls->v[ls->n].order, sizeof(ls->v[ls->n].order), "%s", bo_order_id(o));
		snprintf(ls->v[ls->n].sku, sizeof(ls->v[ls->n].sku), "%s", ls->v[ls->n].st.sku);
		ls->n++;
	}
	return 0;
}

static int collect_skus(void *ud, const bo_item_status *it)
{
	str *s = ud;
	str_add(s, "%s", it->sku);
	return 0;
}

static void append(char **buf, size_t *len, const char *text)
{
	size_t k = strlen(text);
	char *p = realloc(*buf, *len + k + 1);
	assert_non_null(p);
	memcpy(p + *len, text, k + 1);
	*buf = p;
	*len += k;
}

/* snapshot_take() plus, on our own, every location, every item's stock per
 * location and every line's units per location (whatever snapshot.c
 * shows). Caller frees. */
static char *full_state(bo_inventory *inv)
{
	char *snap = NULL, *out = NULL;
	size_t len = 0;
	str s, skus;
	lines ls = { NULL, 0, 0 };
	char tmp[4400];

	assert_ok(snapshot_take(&snap, inv));
	append(&out, &len, snap);
	free(snap);
	locations_of(&s, inv);
	snprintf(tmp, sizeof(tmp), "#locations %s\n", s.b);
	append(&out, &len, tmp);
	memset(&skus, 0, sizeof(skus));
	assert_ok(bo_item_foreach(inv, collect_skus, &skus));
	{
		char buf[4096];
		snprintf(buf, sizeof(buf), "%s", skus.b);
		for (char *save = NULL, *p = strtok_r(buf, " ", &save); p != NULL; p = strtok_r(NULL, " ", &save)) {
			stock_of(&s, inv, p);
			snprintf(tmp, sizeof(tmp), "#stock %s %s\n", p, s.b);
			append(&out, &len, tmp);
		}
	}
	assert_ok(bo_order_foreach(inv, collect_lines, &ls));
	for (size_t i = 0; i < ls.n; i++) {
		lalloc_of(&s, inv, ls.v[i].order, ls.v[i].sku);
		snprintf(tmp, sizeof(tmp), "#alloc %s %s %s\n", ls.v[i].order, ls.v[i].sku, s.b);
		append(&out, &len, tmp);
	}
	free(ls.v);
	return out;
}

static void expect_same_state(const char *file, int line, const char *what, const char *before, const char *after)
{
	if (strcmp(before, after) != 0) {
		print_error("%s:%d: %s changed the state\n--- before\n%s--- after\n%s", file, line, what, before, after);
		fail();
	}
}

/* ---- §11: locations themselves -------------------------------------- */

/* "main" always exists (rank 0); bo_location_set creates and re-ranks;
 * bo_location_foreach lists all, "main" included, by rank then id bytewise. */
static void test_locations_and_order(void **state)
{
	fx *f = fx_open(state);
	char long_id[BO_ID_MAX + 2];

	assert_locations(f, "main:0");
	loc(f, "W", 5);
	assert_locations(f, "main:0 W:5");
	loc(f, "A", 5);                 /* tie: by id bytewise */
	assert_locations(f, "main:0 A:5 W:5");
	loc(f, "main", 7);              /* re-rank main */
	assert_locations(f, "A:5 W:5 main:7");
	loc(f, "B", -1);                /* a signed rank */
	assert_locations(f, "B:-1 A:5 W:5 main:7");
	loc(f, "W", -1);                /* re-rank: moves, not a second W */
	assert_locations(f, "B:-1 W:-1 A:5 main:7");
	loc(f, "a", 5);                 /* bytewise: 'A' < 'a' */
	loc(f, "Z", 5);
	assert_locations(f, "B:-1 W:-1 A:5 Z:5 a:5 main:7");
	loc(f, "W", -1);                /* setting the same rank again changes nothing */
	assert_locations(f, "B:-1 W:-1 A:5 Z:5 a:5 main:7");

	/* a bad id is invalid and changes nothing */
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_rc(bo_location_set(f->inv, NULL, 0), BO_EINVALID);
	assert_rc(bo_location_set(f->inv, "", 0), BO_EINVALID);
	assert_rc(bo_location_set(f->inv, "a b", 0), BO_EINVALID);
	assert_rc(bo_location_set(f->inv, "tab\there", 0), BO_EINVALID);
	assert_rc(bo_location_set(f->inv, long_id, 0), BO_EINVALID);
	assert_rc(bo_location_set(NULL, "X", 0), BO_EINVALID);
	assert_has_error();
	long_id[BO_ID_MAX] = '\0';      /* 64 bytes is fine */
	loc(f, long_id, 9);
	assert_locations(f, "B:-1 W:-1 A:5 Z:5 a:5 main:7 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:9");
	assert_int_equal(f->rec.n, 0); /* locations raise no events */
	fx_close(f);
}

/* An unknown location is not_found wherever a location is named; NULL and
 * "main" name main. */
static void test_unknown_location_not_found(void **state)
{
	fx *f = fx_open(state);
	char *before, *after;

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	assert_ok(bo_item_receive_at(f->inv, "N", 2, NULL, NULL));
	assert_ok(bo_item_receive_at(f->inv, "N", 1, NULL, "main"));
	assert_ok(bo_item_adjust_at(f->inv, "N", 1, NULL));
	assert_stock(f, "N", "main=4/0");
	place(f, "A", "N", 2);
	assert_lalloc(f, "A", "N", "main=2");
	th_recorder_clear(&f->rec);
	before = full_state(f->inv);
	assert_rc(bo_item_receive_at(f->inv, "N", 1, NULL, "X"), BO_ENOTFOUND);
	assert_has_error();
	assert_rc(bo_item_adjust_at(f->inv, "N", 1, "X"), BO_ENOTFOUND);
	assert_rc(bo_item_adjust_at(f->inv, "N", -1, "X"), BO_ENOTFOUND);
	assert_rc(bo_supply_set_at(f->inv, "N", "po", 1, T0 + DAY, "X"), BO_ENOTFOUND);
	assert_rc(bo_order_ship_at(f->inv, "A", "N", BO_ALL, "X"), BO_ENOTFOUND);
	assert_rc(bo_order_ship_at(f->inv, "A", NULL, BO_ALL, "X"), BO_ENOTFOUND);
	/* "w" is not "W": ids are bytes */
	assert_rc(bo_item_receive_at(f->inv, "N", 1, NULL, "w"), BO_ENOTFOUND);
	after = full_state(f->inv);
	expect_same_state(__FILE__, __LINE__, "calls naming an unknown location", before, after);
	assert_int_equal(f->rec.n, 0);
	free(before);
	free(after);
	fx_close(f);
}

/* ---- §11: allocation ---------------------------------------------- */

/* Units come from the locations with free units in location order, as many
 * as each has; a line may hold units at several; one `allocated` event per
 * location, naming it. */
static void test_allocation_in_location_order(void **state)
{
	fx *f = fx_open(state);
	bo_item_status st;

	loc(f, "W", 1);
	loc(f, "S", 2);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 4, "S");
	recv_at(f, "N", 3, "W");
	recv_at(f, "N", 2, "main");
	assert_stock(f, "N", "main=2/0 W=3/0 S=4/0");
	th_recorder_clear(&f->rec);

	place(f, "A", "N", 4);
	assert_lalloc(f, "A", "N", "main=2 W=2");
	assert_line(f, "A", "N", "4/0/0/0");
	assert_stock(f, "N", "main=2/2 W=3/2 S=4/0");
	assert_allocated_events(f, "A@main=2 A@W=2");
	th_recorder_clear(&f->rec);

	place(f, "B", "N", 3);
	assert_lalloc(f, "B", "N", "W=1 S=2");
	assert_stock(f, "N", "main=2/2 W=3/3 S=4/2");
	assert_allocated_events(f, "B@W=1 B@S=2");
	th_recorder_clear(&f->rec);

	/* the rest of S, then the line waits */
	place(f, "C", "N", 5);
	assert_lalloc(f, "C", "N", "S=2");
	assert_line(f, "C", "N", "2/3/0/0");
	assert_stock(f, "N", "main=2/2 W=3/3 S=4/4");
	assert_allocated_events(f, "C@S=2");
	assert_int_equal(th_count(&f->rec, BO_EVENT_BACKORDERED, "C", "N"), 1);

	st = th_status(f->inv, "N");
	assert_i64(st.on_hand, 9);
	assert_i64(st.allocated, 9);
	assert_i64(st.available, 0);
	assert_i64(st.backordered, 3);
	/* a line with nothing allocated lists no location */
	place(f, "D", "N", 1);
	assert_lalloc(f, "D", "N", "");
	fx_close(f);
}

/* Re-ranking changes later allocations, not the ones made. */
static void test_rerank_changes_later_allocations(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 2, "main");
	recv_at(f, "N", 2, "W");
	place(f, "A", "N", 1);
	assert_lalloc(f, "A", "N", "main=1");
	loc(f, "W", -1);
	assert_locations(f, "W:-1 main:0");
	assert_lalloc(f, "A", "N", "main=1");
	assert_stock(f, "N", "W=2/0 main=2/1");
	th_recorder_clear(&f->rec);
	place(f, "B", "N", 2);
	assert_lalloc(f, "B", "N", "W=2");
	assert_allocated_events(f, "B@W=2");
	place(f, "C", "N", 2);
	assert_lalloc(f, "C", "N", "main=1");
	assert_line(f, "C", "N", "1/1/0/0");
	assert_stock(f, "N", "W=2/2 main=2/2");
	/* and back: main first again */
	loc(f, "main", -5);
	th_recorder_clear(&f->rec);
	recv_at(f, "N", 1, "W");
	recv_at(f, "N", 1, "main");
	/* the W unit arrived first and filled C; the main one is free */
	assert_lalloc(f, "C", "N", "main=1 W=1");
	assert_stock(f, "N", "main=3/2 W=3/3");
	place(f, "D", "N", 1);
	assert_lalloc(f, "D", "N", "main=1");
	fx_close(f);
}

/* Stock arriving at any location fills the one queue at once, in the
 * policy's order: fifo. */
static void test_arrival_anywhere_fills_queue_fifo(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	loc(f, "S", 2);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	place(f, "A", "N", 2);
	f->clk.now += HOUR;
	place(f, "B", "N", 2);
	f->clk.now += HOUR;
	place(f, "C", "N", 2);
	th_recorder_clear(&f->rec);

	recv_at(f, "N", 3, "W");
	assert_lalloc(f, "A", "N", "W=2");
	assert_lalloc(f, "B", "N", "W=1");
	assert_lalloc(f, "C", "N", "");
	assert_allocated_events(f, "A@W=2 B@W=1");
	th_recorder_clear(&f->rec);

	recv_at(f, "N", 2, "main");
	assert_lalloc(f, "B", "N", "main=1 W=1");
	assert_lalloc(f, "C", "N", "main=1");
	assert_allocated_events(f, "B@main=1 C@main=1");
	assert_stock(f, "N", "main=2/2 W=3/3");
	th_recorder_clear(&f->rec);

	recv_at(f, "N", 5, "S");
	assert_lalloc(f, "C", "N", "main=1 S=1");
	assert_line(f, "C", "N", "2/0/0/0");
	assert_allocated_events(f, "C@S=1");
	assert_stock(f, "N", "main=2/2 W=3/3 S=5/1");
	/* an adjustment up at a location fills too */
	place(f, "D", "N", 6);
	assert_lalloc(f, "D", "N", "S=4");
	th_recorder_clear(&f->rec);
	assert_ok(bo_item_adjust_at(f->inv, "N", 3, "W"));
	assert_lalloc(f, "D", "N", "W=2 S=4");
	assert_allocated_events(f, "D@W=2");
	assert_stock(f, "N", "main=2/2 W=6/5 S=5/5");
	fx_close(f);
}

/* ... and priority: the higher priority takes the units wherever they land. */
static void test_arrival_anywhere_fills_queue_priority(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "P", "priority", BO_BACKORDER_ALLOW);
	assert_ok(th_place(f->inv, "lo", "P", 2, 0, BO_NO_TIME));
	f->clk.now += HOUR;
	assert_ok(th_place(f->inv, "hi", "P", 2, 5, BO_NO_TIME));
	th_recorder_clear(&f->rec);
	recv_at(f, "P", 3, "W");
	assert_lalloc(f, "hi", "P", "W=2");
	assert_lalloc(f, "lo", "P", "W=1");
	assert_allocated_events(f, "hi@W=2 lo@W=1");
	th_recorder_clear(&f->rec);
	recv_at(f, "P", 1, "main");
	assert_lalloc(f, "lo", "P", "main=1 W=1");
	assert_allocated_events(f, "lo@main=1");
	assert_stock(f, "P", "main=1/1 W=3/3");
	fx_close(f);
}

/* ---- §11: units going back ---------------------------------------- */

/* Cancel gives units back from the line's last location in location order
 * first; the freed units fill other waiting lines at once. */
static void test_cancel_gives_back_last_location_first(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	loc(f, "S", 2);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 1, "main");
	recv_at(f, "N", 1, "W");
	recv_at(f, "N", 1, "S");
	place(f, "A", "N", 3);
	assert_lalloc(f, "A", "N", "main=1 W=1 S=1");
	place(f, "B", "N", 2);
	assert_line(f, "B", "N", "0/2/0/0");
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_cancel(f->inv, "A", "N", 1));
	assert_lalloc(f, "A", "N", "main=1 W=1");
	assert_line(f, "A", "N", "2/0/0/1");
	assert_lalloc(f, "B", "N", "S=1");
	assert_allocated_events(f, "B@S=1");
	assert_stock(f, "N", "main=1/1 W=1/1 S=1/1");
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_cancel(f->inv, "A", "N", 1));
	assert_lalloc(f, "A", "N", "main=1");
	assert_lalloc(f, "B", "N", "W=1 S=1");
	assert_allocated_events(f, "B@W=1");
	assert_line(f, "B", "N", "2/0/0/0");
	th_recorder_clear(&f->rec);

	/* nobody waits: the unit stays free at main */
	assert_ok(bo_order_cancel(f->inv, "A", NULL, BO_ALL));
	assert_lalloc(f, "A", "N", "");
	assert_line(f, "A", "N", "0/0/0/3");
	assert_stock(f, "N", "main=1/0 W=1/1 S=1/1");
	assert_allocated_events(f, "");

	/* "last in location order" is the order now: after a re-rank, main is last */
	loc(f, "main", 9);
	assert_ok(bo_order_cancel(f->inv, "B", "N", 1));
	assert_lalloc(f, "B", "N", "W=1");      /* main holds none of B: S is B's last */
	assert_stock(f, "N", "W=1/1 S=1/0 main=1/0");
	fx_close(f);
}

/* The same after a re-rank: the line's last location under the current order. */
static void test_cancel_after_rerank(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 1, "main");
	recv_at(f, "N", 1, "W");
	place(f, "A", "N", 2);
	assert_lalloc(f, "A", "N", "main=1 W=1");
	loc(f, "W", -1);                        /* now W first, main last */
	assert_lalloc(f, "A", "N", "W=1 main=1");
	assert_ok(bo_order_cancel(f->inv, "A", "N", 1));
	assert_lalloc(f, "A", "N", "W=1");
	assert_stock(f, "N", "W=1/1 main=1/0");
	fx_close(f);
}

/* Modify down: waiting units first, then allocated ones from the last
 * location first (not counted as cancelled); freed units fill at once. */
static void test_modify_down_gives_back_last_location_first(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 2, "main");
	recv_at(f, "N", 2, "W");
	place(f, "A", "N", 5);
	assert_lalloc(f, "A", "N", "main=2 W=2");
	assert_line(f, "A", "N", "4/1/0/0");
	place(f, "B", "N", 1);
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_modify(f->inv, "A", "N", 4));       /* the waiting unit */
	assert_lalloc(f, "A", "N", "main=2 W=2");
	assert_line(f, "A", "N", "4/0/0/0");
	assert_allocated_events(f, "");

	assert_ok(bo_order_modify(f->inv, "A", "N", 3));       /* one from W, to B */
	assert_lalloc(f, "A", "N", "main=2 W=1");
	assert_line(f, "A", "N", "3/0/0/0");
	assert_lalloc(f, "B", "N", "W=1");
	assert_allocated_events(f, "B@W=1");
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_modify(f->inv, "A", "N", 1));       /* W's last, then main */
	assert_lalloc(f, "A", "N", "main=1");
	assert_line(f, "A", "N", "1/0/0/0");
	assert_stock(f, "N", "main=2/1 W=2/1");
	assert_allocated_events(f, "");
	assert_int_equal(th_count(&f->rec, BO_EVENT_CANCELLED, NULL, NULL), 0);
	fx_close(f);
}

/* ---- §11: adjust at a location ------------------------------------ */

/* Below 0 at the location is invalid, whatever the other locations hold. */
static void test_adjust_below_zero_at_location(void **state)
{
	fx *f = fx_open(state);
	char *before, *after;

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 5, "main");
	recv_at(f, "N", 2, "W");
	before = full_state(f->inv);
	assert_rc(bo_item_adjust_at(f->inv, "N", -3, "W"), BO_EINVALID);
	assert_has_error();
	assert_rc(bo_item_adjust_at(f->inv, "N", -6, "main"), BO_EINVALID);
	assert_rc(bo_item_adjust(f->inv, "N", -6), BO_EINVALID);       /* main has 5 */
	assert_rc(bo_item_adjust_at(f->inv, "N", 0, "W"), BO_EINVALID);
	after = full_state(f->inv);
	expect_same_state(__FILE__, __LINE__, "adjusting below 0 at a location", before, after);
	free(before);
	free(after);
	assert_ok(bo_item_adjust_at(f->inv, "N", -2, "W"));
	assert_stock(f, "N", "main=5/0");
	assert_i64(th_status(f->inv, "N").on_hand, 5);
	assert_ok(bo_item_adjust(f->inv, "N", -5));
	assert_stock(f, "N", "");
	fx_close(f);
}

/* Down below what the location allocates: the difference comes back from
 * the lines holding units there, last in policy order first; they wait. */
static void test_adjust_takes_back_at_location(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 1, "main");
	recv_at(f, "N", 5, "W");
	place(f, "A", "N", 3);                  /* main 1, W 2 */
	f->clk.now += HOUR;
	place(f, "B", "N", 2);                  /* W 2 */
	f->clk.now += HOUR;
	place(f, "C", "N", 1);                  /* W 1 */
	assert_lalloc(f, "A", "N", "main=1 W=2");
	assert_lalloc(f, "B", "N", "W=2");
	assert_lalloc(f, "C", "N", "W=1");
	assert_stock(f, "N", "main=1/1 W=5/5");

	/* no take-back while the location still covers what it allocates */
	assert_ok(bo_item_adjust_at(f->inv, "N", 2, "W"));
	assert_ok(bo_item_adjust_at(f->inv, "N", -2, "W"));
	assert_stock(f, "N", "main=1/1 W=5/5");

	/* W down to 1: 4 come back: C 1, B 2, A 1 (A keeps its main unit) */
	assert_ok(bo_item_adjust_at(f->inv, "N", -4, "W"));
	assert_lalloc(f, "A", "N", "main=1 W=1");
	assert_lalloc(f, "B", "N", "");
	assert_lalloc(f, "C", "N", "");
	assert_line(f, "A", "N", "2/1/0/0");
	assert_line(f, "B", "N", "0/2/0/0");
	assert_line(f, "C", "N", "0/1/0/0");
	assert_stock(f, "N", "main=1/1 W=1/1");
	{
		char *q = th_queue(f->inv, "N");
		assert_string_equal(q, "A B C");   /* policy order kept */
		free(q);
	}
	/* the next arrival goes by policy order */
	th_recorder_clear(&f->rec);
	recv_at(f, "N", 2, "main");
	assert_lalloc(f, "A", "N", "main=2 W=1");
	assert_lalloc(f, "B", "N", "main=1");
	assert_allocated_events(f, "A@main=1 B@main=1");
	fx_close(f);
}

/* ... and they are filled at once from free units elsewhere. */
static void test_adjust_take_back_refills_elsewhere(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	loc(f, "S", 2);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 5, "W");
	place(f, "A", "N", 3);
	f->clk.now += HOUR;
	place(f, "B", "N", 2);
	assert_lalloc(f, "A", "N", "W=3");
	assert_lalloc(f, "B", "N", "W=2");
	recv_at(f, "N", 2, "main");             /* nobody waits: free at main */
	recv_at(f, "N", 4, "S");                /* and at S */
	assert_stock(f, "N", "main=2/0 W=5/5 S=4/0");
	th_recorder_clear(&f->rec);

	/* W down to 1: B loses 2, A loses 2; refilled in policy order from
	 * main (2) then S */
	assert_ok(bo_item_adjust_at(f->inv, "N", -4, "W"));
	assert_lalloc(f, "A", "N", "main=2 W=1");
	assert_lalloc(f, "B", "N", "S=2");
	assert_line(f, "A", "N", "3/0/0/0");
	assert_line(f, "B", "N", "2/0/0/0");
	assert_stock(f, "N", "main=2/2 W=1/1 S=4/2");
	assert_allocated_events(f, "A@main=2 B@S=2");
	assert_i64(th_status(f->inv, "N").on_hand, 7);
	assert_i64(th_status(f->inv, "N").allocated, 5);
	fx_close(f);
}

/* "Last in policy order" is the policy's: priority. */
static void test_adjust_take_back_priority(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "P", "priority", BO_BACKORDER_ALLOW);
	recv_at(f, "P", 4, "W");
	assert_ok(th_place(f->inv, "lo", "P", 2, 0, BO_NO_TIME));
	f->clk.now += HOUR;
	assert_ok(th_place(f->inv, "hi", "P", 2, 9, BO_NO_TIME));
	assert_lalloc(f, "lo", "P", "W=2");
	assert_lalloc(f, "hi", "P", "W=2");
	assert_ok(bo_item_adjust_at(f->inv, "P", -3, "W"));
	assert_lalloc(f, "hi", "P", "W=1");
	assert_lalloc(f, "lo", "P", "");
	assert_line(f, "lo", "P", "0/2/0/0");
	assert_line(f, "hi", "P", "1/1/0/0");
	assert_stock(f, "P", "W=1/1");
	fx_close(f);
}

/* ---- §11: supply records ------------------------------------------ */

/* Receiving against a supply record stocks the record's location; naming
 * another location is invalid; bo_supply_foreach reports the location. */
static int supply_cb(void *ud, const bo_supply_info *si)
{
	str_add(ud, "%s:%" PRId64 "@%s", si->id, si->qty, si->location ? si->location : "(null)");
	return 0;
}

static void test_supply_location(void **state)
{
	fx *f = fx_open(state);
	str s;
	char *before, *after;

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	assert_ok(bo_supply_set_at(f->inv, "N", "po", 5, T0 + 5 * DAY, "W"));
	assert_ok(bo_supply_set(f->inv, "N", "po2", 2, T0 + 6 * DAY));
	assert_ok(bo_supply_set_at(f->inv, "N", "po3", 1, T0 + 7 * DAY, NULL));
	memset(&s, 0, sizeof(s));
	assert_ok(bo_supply_foreach(f->inv, "N", supply_cb, &s));
	assert_string_equal(s.b, "po:5@W po2:2@main po3:1@main");

	assert_ok(bo_item_receive_at(f->inv, "N", 2, "po", NULL));
	assert_stock(f, "N", "W=2/0");
	assert_ok(bo_item_receive(f->inv, "N", 1, "po"));
	assert_stock(f, "N", "W=3/0");
	assert_ok(bo_item_receive_at(f->inv, "N", 1, "po", "W"));
	assert_stock(f, "N", "W=4/0");
	memset(&s, 0, sizeof(s));
	assert_ok(bo_supply_foreach(f->inv, "N", supply_cb, &s));
	assert_string_equal(s.b, "po:1@W po2:2@main po3:1@main");

	before = full_state(f->inv);
	assert_rc(bo_item_receive_at(f->inv, "N", 1, "po", "main"), BO_EINVALID);
	assert_has_error();
	assert_rc(bo_item_receive_at(f->inv, "N", 1, "po2", "W"), BO_EINVALID);
	after = full_state(f->inv);
	expect_same_state(__FILE__, __LINE__, "receiving at another location than the record's", before, after);
	free(before);
	free(after);

	assert_ok(bo_item_receive_at(f->inv, "N", 1, "po2", "main"));
	assert_stock(f, "N", "main=1/0 W=4/0");
	/* a delivery against the record fills the queue from its location */
	place(f, "A", "N", 7);
	assert_lalloc(f, "A", "N", "main=1 W=4");
	th_recorder_clear(&f->rec);
	assert_ok(bo_item_receive(f->inv, "N", 1, "po"));
	assert_lalloc(f, "A", "N", "main=1 W=5");
	assert_allocated_events(f, "A@W=1");
	memset(&s, 0, sizeof(s));
	assert_ok(bo_supply_foreach(f->inv, "N", supply_cb, &s));
	assert_string_equal(s.b, "po2:1@main po3:1@main");
	/* replacing a record may move it */
	assert_ok(bo_supply_set_at(f->inv, "N", "po3", 1, T0 + 7 * DAY, "W"));
	memset(&s, 0, sizeof(s));
	assert_ok(bo_supply_foreach(f->inv, "N", supply_cb, &s));
	assert_string_equal(s.b, "po2:1@main po3:1@W");
	assert_ok(bo_item_receive(f->inv, "N", 1, "po3"));
	assert_lalloc(f, "A", "N", "main=1 W=6");
	fx_close(f);
}

/* ---- §11: shipping ------------------------------------------------ */

/* ship_at ships only units allocated at the location; state if none (or
 * fewer than asked) there. `shipped` events name the location. */
static void test_ship_at_location(void **state)
{
	fx *f = fx_open(state);
	char *before, *after;

	loc(f, "W", 1);
	loc(f, "S", 2);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 2, "main");
	recv_at(f, "N", 3, "W");
	place(f, "A", "N", 4);
	place(f, "B", "N", 1);
	assert_lalloc(f, "A", "N", "main=2 W=2");
	assert_lalloc(f, "B", "N", "W=1");

	before = full_state(f->inv);
	th_recorder_clear(&f->rec);
	assert_rc(bo_order_ship_at(f->inv, "A", "N", BO_ALL, "S"), BO_ESTATE);
	assert_has_error();
	assert_rc(bo_order_ship_at(f->inv, "A", NULL, BO_ALL, "S"), BO_ESTATE);
	assert_rc(bo_order_ship_at(f->inv, "A", "N", 3, "W"), BO_ESTATE);
	assert_rc(bo_order_ship_at(f->inv, "A", "N", 3, "main"), BO_ESTATE);
	after = full_state(f->inv);
	expect_same_state(__FILE__, __LINE__, "shipping what a location does not hold", before, after);
	assert_int_equal(f->rec.n, 0);
	free(before);
	free(after);

	assert_ok(bo_order_ship_at(f->inv, "A", "N", BO_ALL, "W"));
	assert_line(f, "A", "N", "2/0/2/0");
	assert_lalloc(f, "A", "N", "main=2");
	assert_lalloc(f, "B", "N", "W=1");
	assert_stock(f, "N", "main=2/2 W=1/1");
	assert_shipped_events(f, "A@W=2");
	assert_rc(bo_order_ship_at(f->inv, "A", "N", BO_ALL, "W"), BO_ESTATE);
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_ship_at(f->inv, "A", "N", 1, "main"));
	assert_lalloc(f, "A", "N", "main=1");
	assert_shipped_events(f, "A@main=1");
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_ship_at(f->inv, "A", NULL, BO_ALL, "main"));
	assert_line(f, "A", "N", "0/0/4/0");
	assert_stock(f, "N", "W=1/1");
	assert_shipped_events(f, "A@main=1");
	assert_i64(th_status(f->inv, "N").on_hand, 1);
	assert_i64(th_status(f->inv, "N").shipped, 4);
	fx_close(f);
}

/* With no location named, ship from the line's locations in location order,
 * one `shipped` event per location. */
static void test_ship_in_location_order(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	loc(f, "S", 2);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	item(f, "M", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 1, "main");
	recv_at(f, "N", 2, "W");
	recv_at(f, "N", 2, "S");
	recv_at(f, "M", 3, "S");
	{
		bo_line_spec l[2] = { { "N", 5, BO_NO_PRICE }, { "M", 2, BO_NO_PRICE } };
		assert_ok(bo_order_place(f->inv, "A", NULL, l, 2));
	}
	assert_lalloc(f, "A", "N", "main=1 W=2 S=2");
	assert_lalloc(f, "A", "M", "S=2");
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_ship(f->inv, "A", "N", 2));          /* main 1, W 1 */
	assert_lalloc(f, "A", "N", "W=1 S=2");
	assert_shipped_events(f, "A@main=1 A@W=1");
	assert_stock(f, "N", "W=1/1 S=2/2");
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_ship_at(f->inv, "A", "N", 2, NULL));  /* W 1, S 1 */
	assert_lalloc(f, "A", "N", "S=1");
	assert_shipped_events(f, "A@W=1 A@S=1");
	th_recorder_clear(&f->rec);

	assert_ok(bo_order_ship(f->inv, "A", NULL, BO_ALL));     /* every line */
	assert_line(f, "A", "N", "0/0/5/0");
	assert_line(f, "A", "M", "0/0/2/0");
	assert_shipped_events(f, "A@S=1 A@S=2");
	assert_stock(f, "N", "");
	assert_stock(f, "M", "S=1/0");
	fx_close(f);
}

/* A complete order ships only when every line is fully allocated, named
 * location or not; ship_at ships the order's lines' units at the location. */
static void test_ship_at_complete_order(void **state)
{
	fx *f = fx_open(state);
	bo_order_options o = BO_ORDER_OPTIONS_INIT;
	bo_line_spec l[2] = { { "N", 2, BO_NO_PRICE }, { "M", 1, BO_NO_PRICE } };

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	item(f, "M", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 1, "main");
	recv_at(f, "N", 1, "W");
	o.ship_mode = BO_SHIP_COMPLETE;
	assert_ok(bo_order_place(f->inv, "A", &o, l, 2));
	assert_rc(bo_order_ship_at(f->inv, "A", NULL, BO_ALL, "W"), BO_ESTATE);
	assert_rc(bo_order_ship_at(f->inv, "A", "N", BO_ALL, "main"), BO_ESTATE);
	recv_at(f, "M", 1, "W");
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_ship_at(f->inv, "A", NULL, BO_ALL, "W"));
	assert_line(f, "A", "N", "1/0/1/0");
	assert_line(f, "A", "M", "0/0/1/0");
	assert_shipped_events(f, "A@W=1 A@W=1");
	assert_stock(f, "N", "main=1/1");
	fx_close(f);
}

/* ---- §11: caps and the backorder setting stay per item ------------- */

static void test_deny_fills_from_any_location(void **state)
{
	fx *f = fx_open(state);
	char *before, *after;

	loc(f, "W", 1);
	item(f, "D", NULL, BO_BACKORDER_DENY);
	recv_at(f, "D", 1, "main");
	recv_at(f, "D", 2, "W");
	place(f, "A", "D", 3);
	assert_lalloc(f, "A", "D", "main=1 W=2");
	assert_line(f, "A", "D", "3/0/0/0");
	before = full_state(f->inv);
	assert_rc(th_place(f->inv, "B", "D", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	after = full_state(f->inv);
	expect_same_state(__FILE__, __LINE__, "a denied order", before, after);
	free(before);
	free(after);
	recv_at(f, "D", 1, "W");
	place(f, "B", "D", 1);
	assert_lalloc(f, "B", "D", "W=1");
	fx_close(f);
}

static void test_max_backorder_per_item(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "X", NULL, BO_BACKORDER_ALLOW);
	item_set(f, "X", BO_ITEM_MAX_BACKORDER, 2);
	recv_at(f, "X", 1, "main");
	recv_at(f, "X", 1, "W");
	place(f, "A", "X", 3);                  /* 2 allocated, 1 waits */
	assert_lalloc(f, "A", "X", "main=1 W=1");
	place(f, "B", "X", 1);                  /* 2 wait */
	assert_rc(th_place(f->inv, "C", "X", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	assert_rc(bo_order_modify(f->inv, "A", "X", 4), BO_EOUTOFSTOCK);
	assert_i64(th_status(f->inv, "X").backordered, 2);
	recv_at(f, "X", 1, "W");
	assert_lalloc(f, "A", "X", "main=1 W=2");
	place(f, "C", "X", 1);
	fx_close(f);
}

static void test_preorder_max_per_item(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "G", NULL, BO_BACKORDER_DENY);
	item_set(f, "G", BO_ITEM_RELEASE_AT, T0 + 10 * DAY);
	item_set(f, "G", BO_ITEM_PREORDER_MAX, 3);
	recv_at(f, "G", 1, "main");
	recv_at(f, "G", 1, "W");
	place(f, "A", "G", 2);                  /* allocated in preorder: main 1, W 1 */
	assert_lalloc(f, "A", "G", "main=1 W=1");
	place(f, "B", "G", 1);                  /* waits (deny does not apply) */
	assert_line(f, "B", "G", "0/1/0/0");
	assert_rc(th_place(f->inv, "C", "G", 1, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	/* nothing ships before the release, wherever it is */
	assert_rc(bo_order_ship_at(f->inv, "A", "G", BO_ALL, "W"), BO_ESTATE);
	assert_rc(bo_order_ship(f->inv, "A", "G", BO_ALL), BO_ESTATE);
	f->clk.now = T0 + 10 * DAY;
	assert_ok(bo_inventory_advance(f->inv));
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_ship_at(f->inv, "A", "G", BO_ALL, "W"));
	assert_shipped_events(f, "A@W=1");
	assert_lalloc(f, "A", "G", "main=1");
	fx_close(f);
}

/* ---- §11: ETAs walk all supply ------------------------------------ */

static void test_etas_use_all_supply(void **state)
{
	fx *f = fx_open(state);

	loc(f, "W", 1);
	item(f, "E", NULL, BO_BACKORDER_ALLOW);
	assert_ok(bo_supply_set(f->inv, "E", "m1", 1, T0 + 3 * DAY));
	assert_ok(bo_supply_set_at(f->inv, "E", "w1", 2, T0 + 5 * DAY, "W"));
	place(f, "A", "E", 1);
	place(f, "B", "E", 2);
	place(f, "C", "E", 1);
	assert_i64(th_line(f->inv, "A", "E").eta, T0 + 3 * DAY);
	assert_i64(th_line(f->inv, "B", "E").eta, T0 + 5 * DAY);
	assert_i64(th_line(f->inv, "C", "E").eta, BO_NO_TIME);
	/* free stock at another location counts before the supply */
	f->clk.now += HOUR;
	th_recorder_clear(&f->rec);
	assert_ok(bo_item_receive_at(f->inv, "E", 2, "w1", NULL));
	assert_lalloc(f, "A", "E", "W=1");
	assert_lalloc(f, "B", "E", "W=1");
	/* B's last unit is now covered by m1 (main), C by nothing */
	assert_i64(th_line(f->inv, "B", "E").eta, T0 + 3 * DAY);
	assert_i64(th_line(f->inv, "C", "E").eta, BO_NO_TIME);
	assert_ok(bo_supply_set_at(f->inv, "E", "w2", 1, T0 + 4 * DAY, "W"));
	assert_i64(th_line(f->inv, "B", "E").eta, T0 + 3 * DAY);
	assert_i64(th_line(f->inv, "C", "E").eta, T0 + 4 * DAY);
	fx_close(f);
}

/* ---- an inventory that never names a location --------------------- */

typedef struct op1 {
	int kind;       /* 0 receive, 1 adjust, 2 supply, 3 place, 4 cancel, 5 modify, 6 ship */
	const char *a, *b;
	int64_t q, t;
} op1;

static const op1 single_ops[] = {
	{ 2, "N", "po", 3, T0 + 4 * DAY },
	{ 0, "N", NULL, 2, 0 },
	{ 3, "A", "N", 3, 0 },
	{ 3, "B", "N", 2, 0 },
	{ 0, "N", "po", 2, 0 },
	{ 4, "A", "N", 1, 0 },
	{ 1, "N", NULL, -1, 0 },
	{ 5, "B", "N", 1, 0 },
	{ 6, "A", "N", BO_ALL, 0 },
	{ 1, "N", NULL, 4, 0 },
	{ 6, "B", NULL, BO_ALL, 0 },
};

static int run_single(bo_inventory *inv, const op1 *o, int with_at, const char *where)
{
	switch (o->kind) {
	case 0: return with_at ? bo_item_receive_at(inv, o->a, o->q, o->b, where) : bo_item_receive(inv, o->a, o->q, o->b);
	case 1: return with_at ? bo_item_adjust_at(inv, o->a, o->q, where) : bo_item_adjust(inv, o->a, o->q);
	case 2: return with_at ? bo_supply_set_at(inv, o->a, o->b, o->q, o->t, where) : bo_supply_set(inv, o->a, o->b, o->q, o->t);
	case 3: return th_place(inv, o->a, o->b, o->q, 0, BO_NO_TIME);
	case 4: return bo_order_cancel(inv, o->a, o->b, o->q);
	case 5: return bo_order_modify(inv, o->a, o->b, o->q);
	default: return with_at ? bo_order_ship_at(inv, o->a, o->b, o->q, where) : bo_order_ship(inv, o->a, o->b, o->q);
	}
}

/* Same calls, plain and through the _at calls with NULL and "main": the
 * same state, byte for byte, and the same events; `allocated` and
 * `shipped` events name "main", the others no location; the snapshot
 * shows nothing of locations. */
static void test_never_named_location(void **state)
{
	const ta_adapter *ad = *state;
	fx *f[3];
	char *snap[3];

	for (int k = 0; k < 3; k++) {
		f[k] = fx_open_ad(ad, NULL, 1);
		item(f[k], "N", NULL, BO_BACKORDER_ALLOW);
		for (size_t i = 0; i < sizeof(single_ops) / sizeof(single_ops[0]); i++) {
			f[k]->clk.now += HOUR;
			assert_ok(run_single(f[k]->inv, &single_ops[i], k > 0, k == 2 ? "main" : NULL));
		}
		snap[k] = full_state(f[k]->inv);
	}
	assert_string_equal(snap[0], snap[1]);
	assert_string_equal(snap[0], snap[2]);
	for (int k = 1; k < 3; k++) {
		assert_int_equal(f[k]->rec.n, f[0]->rec.n);
		for (size_t i = 0; i < f[0]->rec.n; i++) {
			const th_event *x = &f[0]->rec.ev[i], *y = &f[k]->rec.ev[i];
			assert_int_equal(x->seq, y->seq);
			assert_int_equal(x->kind, y->kind);
			assert_string_equal(x->order_id, y->order_id);
			assert_string_equal(x->sku, y->sku);
			assert_i64(x->qty, y->qty);
			assert_i64(x->eta, y->eta);
			assert_string_equal(x->location, y->location);
		}
	}
	for (size_t i = 0; i < f[0]->rec.n; i++) {
		const th_event *e = &f[0]->rec.ev[i];
		const char *want = (e->kind == BO_EVENT_ALLOCATED || e->kind == BO_EVENT_SHIPPED) ? "main" : "";
		if (strcmp(e->location, want) != 0) {
			print_error("event %zu (%s) names location \"%s\", expected \"%s\"\n", i,
				    bo_event_kind_name(e->kind), e->location, want);
			fail();
		}
	}
	/* one event per line and call, as before: the allocations and shipments */
	assert_allocated_events(f[0], "A@main=2 A@main=1 B@main=1 B@main=1");
	assert_shipped_events(f[0], "A@main=2 B@main=1");
	{
		str s;
		char *plain = NULL;
		assert_ok(snapshot_take(&plain, f[0]->inv));
		assert_null(strstr(plain, "location"));
		assert_null(strstr(plain, "stock"));
		assert_null(strstr(plain, "alloc "));
		free(plain);
		locations_of(&s, f[0]->inv);
		assert_string_equal(s.b, "main:0");
	}
	assert_stock(f[0], "N", "main=4/0");
	for (int k = 0; k < 3; k++) {
		free(snap[k]);
		fx_close(f[k]);
	}
}

/* At most 64 locations, "main" included (docs/DECISIONS.md): the 64th
 * is made, the 65th is BO_ESTATE and changes nothing; re-ranking one of
 * the 64 and stocking the last still work. */
static void test_location_cap(void **state)
{
	const ta_adapter *ad = *state;
	fx *f = fx_open_ad(ad, NULL, 1);
	char id[16];
	str before, after, st;

	item(f, "A", NULL, BO_BACKORDER_ALLOW);
	for (int i = 1; i < 64; i++) {
		snprintf(id, sizeof(id), "L%02d", i);
		assert_ok(bo_location_set(f->inv, id, i));
	}
	locations_of(&before, f->inv);
	assert_int_equal(count_tokens(before.b), 64);
	bo_clear_error();
	assert_rc(bo_location_set(f->inv, "L64", 64), BO_ESTATE);
	assert_has_error();
	assert_rc(bo_item_receive_at(f->inv, "A", 1, NULL, "L64"), BO_ENOTFOUND);
	locations_of(&after, f->inv);
	assert_string_equal(before.b, after.b);
	assert_ok(bo_location_set(f->inv, "L63", -1)); /* an existing one: no new location */
	assert_ok(bo_item_receive_at(f->inv, "A", 2, NULL, "L63"));
	stock_of(&st, f->inv, "A");
	assert_string_equal(st.b, "L63=2/0");
	locations_of(&after, f->inv);
	assert_int_equal(count_tokens(after.b), 64);
	assert_non_null(strstr(after.b, "L63:-1"));
	fx_close(f);
}

/* A batch rolled back, and a call failing inside a batch, leave the stock
 * of every location as the store had it before: and the calls after them
 * see those figures (on an exclusive inventory the core keeps an item's
 * stock records from call to call, and must forget what a rollback
 * undid). */
static void test_batch_rolled_back(void **state)
{
	fx *f = fx_open(state);
	bo_line_spec bad = { "N", 0, BO_NO_PRICE };

	loc(f, "W", 1);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	recv_at(f, "N", 3, "W");
	place(f, "o1", "N", 1);
	assert_stock(f, "N", "W=3/1");

	/* the whole batch rolled back */
	assert_ok(bo_inventory_batch_begin(f->inv));
	place(f, "o2", "N", 2);
	recv_at(f, "N", 4, "W");
	assert_stock(f, "N", "W=7/3");
	assert_ok(bo_inventory_batch_end(f->inv, 0));
	assert_stock(f, "N", "W=3/1");
	assert_ok(bo_inventory_check(f->inv));
	place(f, "o3", "N", 3);
	assert_stock(f, "N", "W=3/3");
	assert_lalloc(f, "o3", "N", "W=2");
	assert_ok(bo_inventory_check(f->inv));

	/* one call failing inside a batch that commits */
	assert_ok(bo_inventory_batch_begin(f->inv));
	recv_at(f, "N", 2, "W");
	assert_int_equal(bo_item_adjust_at(f->inv, "N", -9, "W"), BO_EINVALID);
	assert_int_equal(bo_order_place(f->inv, "o4", NULL, &bad, 1), BO_EINVALID);
	place(f, "o5", "N", 1);
	assert_ok(bo_inventory_batch_end(f->inv, 1));
	assert_stock(f, "N", "W=5/5");
	assert_lalloc(f, "o3", "N", "W=3");
	assert_lalloc(f, "o5", "N", "W=1");
	assert_ok(bo_inventory_check(f->inv));
	fx_close(f);
}

/* ---- failure atomicity at every location -------------------------- */

static void test_failing_calls_change_nothing(void **state)
{
	fx *f = fx_open(state);
	bo_order_options co = BO_ORDER_OPTIONS_INIT;
	bo_line_spec cl[2] = { { "N", 1, BO_NO_PRICE }, { "M", 5, BO_NO_PRICE } };
	char *before, *after;
	size_t events;
	struct { const char *what; int rc; int expect; } r[16];
	size_t n = 0;

	loc(f, "W", 1);
	loc(f, "S", 2);
	item(f, "N", NULL, BO_BACKORDER_ALLOW);
	item(f, "M", NULL, BO_BACKORDER_ALLOW);
	item(f, "D", NULL, BO_BACKORDER_DENY);
	recv_at(f, "N", 2, "main");
	recv_at(f, "N", 3, "W");
	recv_at(f, "N", 1, "S");
	recv_at(f, "D", 1, "W");
	assert_ok(bo_supply_set_at(f->inv, "N", "po", 4, T0 + DAY, "W"));
	place(f, "A", "N", 4);
	place(f, "B", "N", 3);
	co.ship_mode = BO_SHIP_COMPLETE;
	assert_ok(bo_order_place(f->inv, "C", &co, cl, 2));
	assert_lalloc(f, "A", "N", "main=2 W=2");
	assert_lalloc(f, "B", "N", "W=1 S=1");
	assert_stock(f, "N", "main=2/2 W=3/3 S=1/1");
	f->clk.now += HOUR;
	before = full_state(f->inv);
	events = f->rec.n;

#define TRY(call, ex) do { r[n].what = #call; r[n].rc = (call); r[n].expect = (ex); n++; } while (0)
	TRY(bo_item_adjust_at(f->inv, "N", -4, "W"), BO_EINVALID);
	TRY(bo_item_adjust_at(f->inv, "N", -2, "S"), BO_EINVALID);
	TRY(bo_order_ship_at(f->inv, "A", "N", BO_ALL, "S"), BO_ESTATE);
	TRY(bo_order_ship_at(f->inv, "B", "N", 2, "W"), BO_ESTATE);
	TRY(bo_order_ship(f->inv, "A", "N", 5), BO_ESTATE);
	TRY(bo_order_ship_at(f->inv, "C", NULL, BO_ALL, "main"), BO_ESTATE);
	TRY(bo_item_receive_at(f->inv, "N", 1, "po", "main"), BO_EINVALID);
	TRY(bo_item_receive_at(f->inv, "N", 1, NULL, "nowhere"), BO_ENOTFOUND);
	TRY(bo_item_adjust_at(f->inv, "N", 1, "nowhere"), BO_ENOTFOUND);
	TRY(bo_supply_set_at(f->inv, "N", "po", 1, T0 + DAY, "nowhere"), BO_ENOTFOUND);
	TRY(bo_location_set(f->inv, "bad id", 1), BO_EINVALID);
	TRY(th_place(f->inv, "E", "D", 2, 0, BO_NO_TIME), BO_EOUTOFSTOCK);
	TRY(bo_order_cancel(f->inv, "A", "N", 9), BO_EINVALID);
	TRY(bo_order_modify(f->inv, "A", "N", 0), BO_EINVALID);
#undef TRY
	after = full_state(f->inv);
	for (size_t i = 0; i < n; i++)
		if (r[i].rc != r[i].expect) {
			print_error("%s returned %s, expected %s\n", r[i].what, bo_status_name(r[i].rc),
				    bo_status_name(r[i].expect));
			fail();
		}
	expect_same_state(__FILE__, __LINE__, "failing calls", before, after);
	assert_int_equal(f->rec.n, events);
	free(before);
	free(after);
	fx_close(f);
}

/* ---- failing storage ---------------------------------------------- */

typedef struct wop {
	int kind;       /* 0 location_set, 1 item, 2 receive_at, 3 adjust_at, 4 supply_set_at,
			   5 place, 6 cancel, 7 modify, 8 ship_at, 9 ship */
	const char *a, *b;
	int64_t q;
	const char *where;
} wop;

static const wop fs_work[] = {
	{ 0, "W", NULL, 1, NULL },
	{ 0, "S", NULL, 2, NULL },
	{ 1, "N", NULL, 0, NULL },
	{ 1, "M", NULL, 0, NULL },
	{ 2, "N", NULL, 2, "main" },
	{ 2, "N", NULL, 3, "W" },
	{ 2, "M", NULL, 1, "S" },
	{ 4, "N", "po", 4, "S" },
	{ 5, "A", "N", 4, NULL },               /* main 2, W 2 */
	{ 5, "B", "N", 3, NULL },               /* W 1, waits 2 */
	{ 5, "C", "M", 2, NULL },               /* S 1, waits 1 */
	{ 2, "N", "po", 2, NULL },              /* at S: B gets 2 */
	{ 6, "A", "N", 1, NULL },               /* A gives back W 1 */
	{ 8, "A", "N", BO_ALL, "W" },           /* ships A's W unit */
	{ 3, "N", NULL, -2, "W" },              /* W 0: takes back B's W unit, B waits */
	{ 2, "N", NULL, 1, "main" },            /* B gets main 1 */
	{ 0, "S", NULL, -1, NULL },             /* re-rank */
	{ 7, "B", "N", 2, NULL },               /* B gives back from its last: main */
	{ 9, "B", "N", BO_ALL, NULL },          /* S first now */
	{ 3, "N", NULL, -2, "main" },           /* main 1 < A's 2: A loses 1 */
	{ 2, "M", NULL, 2, "W" },               /* C gets W 1 */
	{ 8, "C", NULL, BO_ALL, "W" },
	{ 9, "A", NULL, BO_ALL, NULL },
	{ 6, "C", NULL, BO_ALL, NULL },
};
#define NFS (sizeof(fs_work) / sizeof(fs_work[0]))

static int run_wop(bo_inventory *inv, const wop *w)
{
	switch (w->kind) {
	case 0: return bo_location_set(inv, w->a, w->q);
	case 1: return bo_item_set(inv, w->a, NULL);
	case 2: return bo_item_receive_at(inv, w->a, w->q, w->b, w->where);
	case 3: return bo_item_adjust_at(inv, w->a, w->q, w->where);
	case 4: return bo_supply_set_at(inv, w->a, w->b, w->q, T0 + 9 * DAY, w->where);
	case 5: return th_place(inv, w->a, w->b, w->q, 0, BO_NO_TIME);
	case 6: return bo_order_cancel(inv, w->a, w->b, w->q);
	case 7: return bo_order_modify(inv, w->a, w->b, w->q);
	case 8: return bo_order_ship_at(inv, w->a, w->b, w->q, w->where);
	default: return bo_order_ship(inv, w->a, w->b, w->q);
	}
}

/* Every storage call of every step failed in turn: BO_ESTORAGE, nothing
 * changed at any location; then the step succeeds, with the state of a
 * run that never failed. */
static void test_storage_failures(void **state)
{
	const ta_adapter *ad = *state;
	fx *ref = fx_open_ad(ad, NULL, 0);
	fx *f = fx_open_ad(ad, NULL, 0);
	unsigned long injected = 0;

	for (size_t i = 0; i < NFS; i++) {
		const wop *w = &fs_work[i];
		char *before = full_state(f->inv), *want, *got;

		ref->clk.now += HOUR;
		f->clk.now += HOUR;
		assert_ok(run_wop(ref->inv, w));
		want = full_state(ref->inv);
		for (unsigned long n = 1;; n++) {
			int rc, failed;
			char *after;

			bo_clear_error();
			failing_storage_arm(f->fs, n);
			rc = run_wop(f->inv, w);
			failed = f->fs->failed;
			failing_storage_arm(f->fs, 0);
			if (!failed) {
				if (rc != BO_OK) {
					print_error("[%s] step %zu: %s: %s\n", ad->name, i, bo_status_name(rc), bo_last_error());
					fail();
				}
				break;
			}
			injected++;
			if (rc != BO_ESTORAGE) {
				print_error("[%s] step %zu, storage call %lu failed: status %s, expected storage: %s\n",
					    ad->name, i, n, bo_status_name(rc), bo_last_error());
				fail();
			}
			assert_has_error();
			after = full_state(f->inv);
			if (strcmp(before, after) != 0) {
				print_error("[%s] step %zu (kind %d %s), storage call %lu failed, state changed\n"
					    "--- before\n%s--- after\n%s", ad->name, i, w->kind, w->a, n, before, after);
				fail();
			}
			free(after);
			assert_invariants(f->inv);
			if (n > 100000) {
				print_error("[%s] step %zu never completes\n", ad->name, i);
				fail();
			}
		}
		got = full_state(f->inv);
		if (strcmp(got, want) != 0) {
			print_error("[%s] step %zu: state differs from a run that never failed\n--- want\n%s--- got\n%s",
				    ad->name, i, want, got);
			fail();
		}
		assert_invariants(f->inv);
		free(before);
		free(want);
		free(got);
	}
	assert_true(injected > NFS);
	/* the end state, exactly */
	assert_locations(f, "S:-1 main:0 W:1");
	assert_stock(f, "N", "");
	assert_line(f, "A", "N", "0/1/2/1");
	assert_stock(f, "M", "S=1/0 W=1/0");
	print_message("[%s] %lu storage failures injected over %zu calls\n", ad->name, injected, NFS);
	fx_close(f);
	fx_close(ref);
}

/* ---- the property test -------------------------------------------- */

static const char *const plocs[3] = { "main", "W", "S" };
static const char *const pskus[3] = { "p-fifo", "p-prio", "p-fair" };
static const char *const ppolicies[3] = { "fifo", "priority", "fair" };

typedef struct pstock {
	char loc[BO_ID_MAX + 1];
	int64_t on_hand, allocated;
} pstock;

typedef struct pstocks {
	pstock v[8];
	size_t n;
	int bad;
} pstocks;

static int pstock_cb(void *ud, const bo_stock *st)
{
	pstocks *p = ud;
	if (p->n == 8) {
		p->bad = 1;
		return 0;
	}
	snprintf(p->v[p->n].loc, sizeof(p->v[p->n].loc), "%s", st->location);
	p->v[p->n].on_hand = st->on_hand;
	p->v[p->n].allocated = st->allocated;
	p->n++;
	return 0;
}

typedef struct palloc {
	char loc[8][BO_ID_MAX + 1];
	int64_t qty[8];
	size_t n;
	int bad;
} palloc;

static int palloc_cb(void *ud, const bo_line_alloc *a)
{
	palloc *p = ud;
	if (p->n == 8) {
		p->bad = 1;
		return 0;
	}
	snprintf(p->loc[p->n], sizeof(p->loc[p->n]), "%s", a->location);
	p->qty[p->n] = a->qty;
	p->n++;
	return 0;
}

static int loc_index(const char *id)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(plocs[i], id) == 0)
			return i;
	return -1;
}

/* The per-location invariants of §11, from the public queries alone. */
static void check_locations(bo_inventory *inv, const int64_t rank[3], const char *ctx)
{
	lines ls = { NULL, 0, 0 };
	int order[3] = { 0, 1, 2 };

	/* the location order the ranks give */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++) {
			int a = order[i], b = order[j];
			if (rank[b] < rank[a] || (rank[b] == rank[a] && strcmp(plocs[b], plocs[a]) < 0)) {
				order[i] = b;
				order[j] = a;
			}
		}
	{
		str s, want;
		locations_of(&s, inv);
		memset(&want, 0, sizeof(want));
		for (int i = 0; i < 3; i++)
			str_add(&want, "%s:%" PRId64, plocs[order[i]], rank[order[i]]);
		if (strcmp(s.b, want.b) != 0) {
			print_error("%s: locations \"%s\", expected \"%s\"\n", ctx, s.b, want.b);
			fail();
		}
	}
	assert_ok(bo_order_foreach(inv, collect_lines, &ls));
	for (int k = 0; k < 3; k++) {
		const char *sku = pskus[k];
		bo_item_status st = th_status(inv, sku);
		pstocks ps;
		int64_t on_hand = 0, allocated = 0, by_lines[3] = { 0, 0, 0 };
		int last = -1;

		memset(&ps, 0, sizeof(ps));
		assert_ok(bo_item_stock_foreach(inv, sku, pstock_cb, &ps));
		assert_false(ps.bad);
		for (size_t i = 0; i < ps.n; i++) {
			int li = loc_index(ps.v[i].loc);
			int pos = -1;
			if (li < 0) {
				print_error("%s: %s: unknown location %s\n", ctx, sku, ps.v[i].loc);
				fail();
			}
			for (int j = 0; j < 3; j++)
				if (order[j] == li)
					pos = j;
			if (pos <= last) {
				print_error("%s: %s: stock not in location order at %s\n", ctx, sku, ps.v[i].loc);
				fail();
			}
			last = pos;
			if (ps.v[i].on_hand < 0 || ps.v[i].allocated < 0 || ps.v[i].allocated > ps.v[i].on_hand ||
			    (ps.v[i].on_hand == 0 && ps.v[i].allocated == 0)) {
				print_error("%s: %s at %s: on_hand %" PRId64 " allocated %" PRId64 "\n", ctx, sku,
					    ps.v[i].loc, ps.v[i].on_hand, ps.v[i].allocated);
				fail();
			}
			/* no free unit anywhere while a line waits */
			if (st.backordered > 0 && ps.v[i].allocated < ps.v[i].on_hand) {
				print_error("%s: %s: %" PRId64 " free at %s while %" PRId64 " wait\n", ctx, sku,
					    ps.v[i].on_hand - ps.v[i].allocated, ps.v[i].loc, st.backordered);
				fail();
			}
			on_hand += ps.v[i].on_hand;
			allocated += ps.v[i].allocated;
		}
		if (on_hand != st.on_hand || allocated != st.allocated) {
			print_error("%s: %s: per location sums %" PRId64 "/%" PRId64 ", item %" PRId64 "/%" PRId64 "\n",
				    ctx, sku, on_hand, allocated, st.on_hand, st.allocated);
			fail();
		}
		for (size_t i = 0; i < ls.n; i++) {
			palloc pa;
			int64_t sum = 0;
			int lastl = -1;

			if (strcmp(ls.v[i].sku, sku) != 0)
				continue;
			memset(&pa, 0, sizeof(pa));
			assert_ok(bo_line_alloc_foreach(inv, ls.v[i].order, sku, palloc_cb, &pa));
			assert_false(pa.bad);
			for (size_t j = 0; j < pa.n; j++) {
				int li = loc_index(pa.loc[j]), pos = -1;
				if (li < 0 || pa.qty[j] <= 0) {
					print_error("%s: line %s/%s: %" PRId64 " at %s\n", ctx, ls.v[i].order, sku,
						    pa.qty[j], pa.loc[j]);
					fail();
				}
				for (int q = 0; q < 3; q++)
					if (order[q] == li)
						pos = q;
				if (pos <= lastl) {
					print_error("%s: line %s/%s: units not in location order\n", ctx, ls.v[i].order, sku);
					fail();
				}
				lastl = pos;
				sum += pa.qty[j];
				by_lines[li] += pa.qty[j];
			}
			if (sum != ls.v[i].st.allocated) {
				print_error("%s: line %s/%s: per location %" PRId64 ", allocated %" PRId64 "\n", ctx,
					    ls.v[i].order, sku, sum, ls.v[i].st.allocated);
				fail();
			}
		}
		for (int li = 0; li < 3; li++) {
			int64_t at = 0;
			for (size_t i = 0; i < ps.n; i++)
				if (strcmp(ps.v[i].loc, plocs[li]) == 0)
					at = ps.v[i].allocated;
			if (at != by_lines[li]) {
				print_error("%s: %s at %s: allocated %" PRId64 ", lines hold %" PRId64 "\n", ctx, sku,
					    plocs[li], at, by_lines[li]);
				fail();
			}
		}
	}
	free(ls.v);
}

/* An item's stock at one location (0/0 when it lists none there). */
static void stock_at(bo_inventory *inv, const char *sku, const char *where, int64_t *on_hand, int64_t *allocated)
{
	pstocks ps;
	memset(&ps, 0, sizeof(ps));
	assert_ok(bo_item_stock_foreach(inv, sku, pstock_cb, &ps));
	*on_hand = *allocated = 0;
	for (size_t i = 0; i < ps.n; i++)
		if (strcmp(ps.v[i].loc, where) == 0) {
			*on_hand = ps.v[i].on_hand;
			*allocated = ps.v[i].allocated;
		}
}

static void test_random_property(void **state)
{
	const ta_adapter *ad = *state;
	int old = th_autocheck(1);
	int steps = getenv("BO_TEST_LOC_STEPS") ? atoi(getenv("BO_TEST_LOC_STEPS")) : random_steps(ad);
	long ok_calls[10] = { 0 }, calls = 0;

	for (uint64_t seed = 1; seed <= 3; seed++) {
		fx *f = fx_open_ad(ad, NULL, 1);
		th_rng rng = { seed * 7919 };
		int64_t rank[3] = { 0, 0, 0 };
		int norders = 0;
		int osku[4096];
		char ctx[160];

		loc(f, "W", 0);
		loc(f, "S", 0);
		for (int k = 0; k < 3; k++)
			item(f, pskus[k], ppolicies[k], BO_BACKORDER_ALLOW);
		for (int step = 0; step < steps; step++) {
			int kind = (int)th_range(&rng, 0, 9);
			int ki = (int)th_range(&rng, 0, 2);
			const char *sku;
			int li = (int)th_range(&rng, 0, 2);
			const char *where = plocs[li];
			char oid[32];
			int oi = norders > 0 ? (int)th_range(&rng, 0, norders - 1) : 0;
			int rc = BO_OK;
			int64_t q = th_range(&rng, 1, 4);
			int64_t oh0 = 0, al0 = 0, oh1 = 0, al1 = 0;
			bo_item_status s0;

			/* calls on an order act on its line; mostly a recent order */
			if (norders > 0 && th_range(&rng, 0, 1) == 0)
				oi = (int)th_range(&rng, norders > 8 ? norders - 8 : 0, norders - 1);
			if (kind >= 5 && kind <= 8 && norders > 0 && th_range(&rng, 0, 7) != 0)
				ki = osku[oi];
			sku = pskus[ki];
			snprintf(oid, sizeof(oid), "o%d", oi);
			if (kind == 7 && norders > 0 && th_range(&rng, 0, 2) != 0) {
				/* mostly where the line holds units */
				palloc pa;
				memset(&pa, 0, sizeof(pa));
				if (bo_line_alloc_foreach(f->inv, oid, sku, palloc_cb, &pa) == BO_OK && pa.n > 0) {
					li = loc_index(pa.loc[th_range(&rng, 0, (int64_t)pa.n - 1)]);
					assert_true(li >= 0);
					where = plocs[li];
				}
			}
			s0 = th_status(f->inv, sku);
			stock_at(f->inv, sku, where, &oh0, &al0);
			f->clk.now += th_range(&rng, 0, 2) * HOUR;
			switch (kind) {
			case 0: case 1:
				rc = bo_item_receive_at(f->inv, sku, q, NULL, where);
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: receive %s %lld at %s",
					 (unsigned long long)seed, step, sku, (long long)q, where);
				break;
			case 2:
				q = oh0 > 0 ? -th_range(&rng, 1, oh0) : q;
				if (th_range(&rng, 0, 4) == 0)
					q = -(oh0 + 1);         /* below 0 there: invalid */
				rc = bo_item_adjust_at(f->inv, sku, q, where);
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: adjust %s %lld at %s",
					 (unsigned long long)seed, step, sku, (long long)q, where);
				break;
			case 3: case 4:
				if (norders == (int)(sizeof(osku) / sizeof(osku[0])))
					break;
				osku[norders] = ki;
				snprintf(oid, sizeof(oid), "o%d", norders++);
				rc = th_place(f->inv, oid, sku, q, th_range(&rng, 0, 3), BO_NO_TIME);
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: place %s %s %lld",
					 (unsigned long long)seed, step, oid, sku, (long long)q);
				break;
			case 5:
				rc = bo_order_cancel(f->inv, oid, sku, th_range(&rng, 0, 1) ? BO_ALL : 1);
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: cancel %s %s", (unsigned long long)seed,
					 step, oid, sku);
				break;
			case 6:
				rc = bo_order_modify(f->inv, oid, sku, q);
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: modify %s %s %lld",
					 (unsigned long long)seed, step, oid, sku, (long long)q);
				break;
			case 7:
				rc = bo_order_ship_at(f->inv, oid, sku, th_range(&rng, 0, 1) ? BO_ALL : 1, where);
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: ship %s %s at %s", (unsigned long long)seed,
					 step, oid, sku, where);
				break;
			case 8:
				rc = bo_order_ship(f->inv, oid, NULL, BO_ALL);
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: ship %s", (unsigned long long)seed, step, oid);
				break;
			default:
				q = th_range(&rng, -2, 2);
				rc = bo_location_set(f->inv, where, q);
				if (rc == BO_OK)
					rank[li] = q;
				snprintf(ctx, sizeof(ctx), "seed %llu step %d: location %s rank %lld",
					 (unsigned long long)seed, step, where, (long long)q);
				break;
			}
			th_check_live(__FILE__, __LINE__);
			if (rc != BO_OK && rc != BO_ENOTFOUND && rc != BO_ESTATE && rc != BO_EINVALID &&
			    rc != BO_EOUTOFSTOCK) {
				print_error("%s: %s: %s\n", ctx, bo_status_name(rc), bo_last_error());
				fail();
			}
			if (kind <= 2 && rc == BO_OK) {
				/* the location moved by exactly the delta, the others not at all */
				bo_item_status s1 = th_status(f->inv, sku);
				stock_at(f->inv, sku, where, &oh1, &al1);
				assert_i64(oh1 - oh0, q);
				assert_i64(s1.on_hand - s0.on_hand, q);
			}
			if (kind == 2 && rc == BO_EINVALID && q == -(oh0 + 1) && q != 0) {
				/* fine: below 0 there */
			} else if (kind == 2 && rc != BO_OK) {
				print_error("%s: %s: %s\n", ctx, bo_status_name(rc), bo_last_error());
				fail();
			}
			if ((kind == 0 || kind == 1 || kind == 9) && rc != BO_OK) {
				print_error("%s: %s: %s\n", ctx, bo_status_name(rc), bo_last_error());
				fail();
			}
			if (kind == 7 && rc == BO_OK) {
				/* only the named location's units left */
				bo_item_status s1 = th_status(f->inv, sku);
				stock_at(f->inv, sku, where, &oh1, &al1);
				assert_i64(s0.on_hand - s1.on_hand, oh0 - oh1);
				assert_true(oh0 > oh1);
			}
			check_locations(f->inv, rank, ctx);
			calls++;
			ok_calls[kind] += rc == BO_OK;
		}
		fx_close(f);
	}
	print_message("[%s] %ld calls; succeeded: receive %ld adjust %ld place %ld cancel %ld modify %ld "
		      "ship_at %ld ship %ld location %ld\n", ad->name, calls, ok_calls[0] + ok_calls[1], ok_calls[2],
		      ok_calls[3] + ok_calls[4], ok_calls[5], ok_calls[6], ok_calls[7], ok_calls[8], ok_calls[9]);
	th_autocheck(old);
}

/* ---- main ---------------------------------------------------------- */

int main(int argc, char **argv)
{
	int failures = 0, ran = 0;
	for (size_t a = 0; a < ta_nadapters; a++) {
		void *ad = (void *)&ta_adapters[a];
		const struct CMUnitTest tests[] = {
			cmocka_unit_test_prestate(test_locations_and_order, ad),
			cmocka_unit_test_prestate(test_unknown_location_not_found, ad),
			cmocka_unit_test_prestate(test_allocation_in_location_order, ad),
			cmocka_unit_test_prestate(test_rerank_changes_later_allocations, ad),
			cmocka_unit_test_prestate(test_arrival_anywhere_fills_queue_fifo, ad),
			cmocka_unit_test_prestate(test_arrival_anywhere_fills_queue_priority, ad),
			cmocka_unit_test_prestate(test_cancel_gives_back_last_location_first, ad),
			cmocka_unit_test_prestate(test_cancel_after_rerank, ad),
			cmocka_unit_test_prestate(test_modify_down_gives_back_last_location_first, ad),
			cmocka_unit_test_prestate(test_adjust_below_zero_at_location, ad),
			cmocka_unit_test_prestate(test_adjust_takes_back_at_location, ad),
			cmocka_unit_test_prestate(test_adjust_take_back_refills_elsewhere, ad),
			cmocka_unit_test_prestate(test_adjust_take_back_priority, ad),
			cmocka_unit_test_prestate(test_supply_location, ad),
			cmocka_unit_test_prestate(test_ship_at_location, ad),
			cmocka_unit_test_prestate(test_ship_in_location_order, ad),
			cmocka_unit_test_prestate(test_ship_at_complete_order, ad),
			cmocka_unit_test_prestate(test_deny_fills_from_any_location, ad),
			cmocka_unit_test_prestate(test_max_backorder_per_item, ad),
			cmocka_unit_test_prestate(test_preorder_max_per_item, ad),
			cmocka_unit_test_prestate(test_etas_use_all_supply, ad),
			cmocka_unit_test_prestate(test_never_named_location, ad),
			cmocka_unit_test_prestate(test_location_cap, ad),
			cmocka_unit_test_prestate(test_batch_rolled_back, ad),
			cmocka_unit_test_prestate(test_failing_calls_change_nothing, ad),
			cmocka_unit_test_prestate(test_storage_failures, ad),
			cmocka_unit_test_prestate(test_random_property, ad),
		};
		failures += ta_run_group("locations", &ta_adapters[a], argc, argv, 0, tests,
					 sizeof(tests) / sizeof(tests[0]), &ran);
	}
	ta_cleanup();
	if (ran == 0 && failures == 0)
		return 77;
	return failures;
}
