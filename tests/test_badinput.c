/*
 * Bad input: every public function with NULLs, bad ids, bad quantities,
 * overflowing sums, unknown ids and operations out of state. Each call
 * returns its status, leaves a message in bo_last_error() and changes
 * nothing (a full snapshot compares equal before and after).
 */
#include "helpers.h"
#include "snapshot.h"

#include <stdlib.h>
#include <stddef.h>
#include <string.h>

typedef struct fixture {
	th_clock clk;
	bo_inventory *inv;
	th_recorder rec;
	char *before;
	char long_id[BO_ID_MAX + 2];   /* 65 bytes */
	char max_id[BO_ID_MAX + 1];    /* 64 bytes: valid */
} fixture;

static const char *const bad_ids[] = {
	"", "a b", " a", "a ", "a\tb", "a\nb", "a\rb", "\x01", "a\x1f", "a\x7f",
	/* UTF-8 C1 controls and white space (DESIGN section 3; docs/DECISIONS.md, "Ids and Unicode") */
	"a\xc2\xa0" "b",       /* U+00A0 no-break space, in the middle */
	"a\xc2\xa0",           /* ... at the end */
	"\xc2\xa0" "a",        /* ... at the start */
	"a\xc2\x85" "b",       /* U+0085 next line (C1) */
	"\xc2\x80", "a\xc2\x9f", /* the first and last C1 control */
	"a\xe2\x80\xa8" "b",   /* U+2028 line separator */
	"a\xe2\x80\xa9",       /* U+2029 paragraph separator */
	"\xe3\x80\x80" "a",    /* U+3000 ideographic space */
	"a\xe1\x9a\x80",       /* U+1680 ogham space mark */
	"a\xe2\x80\x80", "a\xe2\x80\x8a", /* U+2000, U+200A: the run of spaces */
	"a\xe2\x80\xaf", "a\xe2\x81\x9f", /* U+202F, U+205F */
	"Caf\xc3\xa9\xc2\xa0",  /* after a well-formed sequence */
	"\xff\xc2\xa0",         /* after a byte that is not UTF-8 */
};
#define NBAD (sizeof(bad_ids) / sizeof(bad_ids[0]))

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	if (f == NULL)
		return -1;
	memset(f->long_id, 'k', BO_ID_MAX + 1);
	memset(f->max_id, 'm', BO_ID_MAX);
	f->clk.now = T0;
	f->inv = th_open(&f->clk, NULL, 1);
	th_recorder_attach(f->inv, &f->rec);
	assert_ok(bo_item_set(f->inv, "a", NULL));
	th_item(f->inv, "d", NULL, BO_BACKORDER_DENY);
	s.fields = BO_ITEM_MAX_BACKORDER;
	s.max_backorder = 10;
	assert_ok(bo_item_set(f->inv, "cap", &s));
	assert_ok(bo_item_set(f->inv, f->max_id, NULL));
	assert_ok(bo_item_receive(f->inv, "a", 3, NULL));
	assert_ok(bo_item_receive(f->inv, "d", 2, NULL));
	assert_ok(bo_supply_set(f->inv, "a", "po-1", 5, T0 + DAY));
	assert_ok(th_place(f->inv, "o1", "a", 5, 0, BO_NO_TIME)); /* 3 alloc, 2 wait */
	assert_ok(th_place(f->inv, "o2", "d", 1, 0, BO_NO_TIME));
	assert_ok(bo_order_ship(f->inv, "o2", NULL, BO_ALL));      /* nothing left */
	assert_ok(th_place(f->inv, "o3", "cap", 8, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, f->max_id, "a", 1, 0, BO_NO_TIME));
	assert_ok(bo_item_subscribe(f->inv, "a", "cust"));
	assert_invariants(f->inv);
	assert_ok(snapshot_take(&f->before, f->inv));
	th_recorder_clear(&f->rec);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	th_close(f->inv);
	th_recorder_fini(&f->rec);
	free(f->before);
	free(f);
	return 0;
}

static void check_unchanged(fixture *f, const char *what, int line)
{
	char *after = NULL;

	assert_ok(snapshot_take(&after, f->inv));
	if (strcmp(after, f->before) != 0) {
		print_error("line %d: %s changed the inventory\n--- before\n%s--- after\n%s",
			    line, what, f->before, after);
		free(after);
		fail();
	}
	free(after);
	if (f->rec.n != 0) {
		print_error("line %d: %s delivered %zu event(s)\n", line, what, f->rec.n);
		fail();
	}
	assert_invariants(f->inv);
}

#define BAD(expected, call) do { \
	bo_clear_error(); \
	assert_rc((call), (expected)); \
	assert_has_error(); \
	check_unchanged(f, #call, __LINE__); \
} while (0)

static int item_cb(void *ud, const bo_item_status *s) { (void)ud; (void)s; return 0; }
static int order_cb(void *ud, const bo_order *o) { (void)ud; (void)o; return 0; }
static int waiting_cb(void *ud, const bo_waiting_line *w) { (void)ud; (void)w; return 0; }
static int supply_cb(void *ud, const bo_supply_info *s) { (void)ud; (void)s; return 0; }
static int location_cb(void *ud, const bo_location *l) { (void)ud; (void)l; return 0; }
static int stock_cb(void *ud, const bo_stock *s) { (void)ud; (void)s; return 0; }
static int alloc_cb(void *ud, const bo_line_alloc *a) { (void)ud; (void)a; return 0; }

static void test_null_handles(void **state)
{
	fixture *f = *state;
	bo_item_status st;
	bo_order *o = NULL;
	bo_policy *p = NULL;
	bo_line_spec l = { "a", 1, BO_NO_PRICE };
	int64_t now;
	size_t n;
	bo_notifier nt = BO_NOTIFIER_INIT;

	BAD(BO_EINVALID, bo_inventory_now(NULL, f->inv));
	BAD(BO_EINVALID, bo_inventory_now(&now, NULL));
	BAD(BO_EINVALID, bo_inventory_advance(NULL));
	BAD(BO_EINVALID, bo_policy_builtin(NULL, "fifo"));
	BAD(BO_EINVALID, bo_policy_builtin(&p, NULL));
	BAD(BO_EINVALID, bo_inventory_add_policy(NULL, NULL));
	BAD(BO_EINVALID, bo_inventory_add_policy(f->inv, NULL));
	BAD(BO_EINVALID, bo_inventory_set_default_policy(NULL, "fifo"));
	BAD(BO_EINVALID, bo_inventory_set_default_policy(f->inv, NULL));
	BAD(BO_EINVALID, bo_item_set(NULL, "a", NULL));
	BAD(BO_EINVALID, bo_item_set(f->inv, NULL, NULL));
	BAD(BO_EINVALID, bo_item_receive(NULL, "a", 1, NULL));
	BAD(BO_EINVALID, bo_item_receive(f->inv, NULL, 1, NULL));
	BAD(BO_EINVALID, bo_item_adjust(NULL, "a", 1));
	BAD(BO_EINVALID, bo_item_adjust(f->inv, NULL, 1));
	BAD(BO_EINVALID, bo_supply_set(NULL, "a", "s", 1, T0));
	BAD(BO_EINVALID, bo_supply_set(f->inv, NULL, "s", 1, T0));
	BAD(BO_EINVALID, bo_supply_set(f->inv, "a", NULL, 1, T0));
	BAD(BO_EINVALID, bo_supply_remove(NULL, "a", "po-1"));
	BAD(BO_EINVALID, bo_supply_remove(f->inv, NULL, "po-1"));
	BAD(BO_EINVALID, bo_supply_remove(f->inv, "a", NULL));
	BAD(BO_EINVALID, bo_item_subscribe(NULL, "a", "c"));
	BAD(BO_EINVALID, bo_item_subscribe(f->inv, NULL, "c"));
	BAD(BO_EINVALID, bo_item_subscribe(f->inv, "a", NULL));
	BAD(BO_EINVALID, bo_item_status_get(NULL, f->inv, "a"));
	BAD(BO_EINVALID, bo_item_status_get(&st, NULL, "a"));
	BAD(BO_EINVALID, bo_item_status_get(&st, f->inv, NULL));
	BAD(BO_EINVALID, bo_item_foreach(NULL, item_cb, NULL));
	BAD(BO_EINVALID, bo_item_foreach(f->inv, NULL, NULL));
	BAD(BO_EINVALID, bo_item_waiting_foreach(NULL, "a", waiting_cb, NULL));
	BAD(BO_EINVALID, bo_item_waiting_foreach(f->inv, NULL, waiting_cb, NULL));
	BAD(BO_EINVALID, bo_item_waiting_foreach(f->inv, "a", NULL, NULL));
	BAD(BO_EINVALID, bo_supply_foreach(NULL, "a", supply_cb, NULL));
	BAD(BO_EINVALID, bo_supply_foreach(f->inv, NULL, supply_cb, NULL));
	BAD(BO_EINVALID, bo_supply_foreach(f->inv, "a", NULL, NULL));
	BAD(BO_EINVALID, bo_order_place(NULL, "x", NULL, &l, 1));
	BAD(BO_EINVALID, bo_order_place(f->inv, NULL, NULL, &l, 1));
	BAD(BO_EINVALID, bo_order_place(f->inv, "x", NULL, NULL, 1));
	BAD(BO_EINVALID, bo_order_cancel(NULL, "o1", NULL, BO_ALL));
	BAD(BO_EINVALID, bo_order_cancel(f->inv, NULL, NULL, BO_ALL));
	BAD(BO_EINVALID, bo_order_modify(NULL, "o1", "a", 2));
	BAD(BO_EINVALID, bo_order_modify(f->inv, NULL, "a", 2));
	BAD(BO_EINVALID, bo_order_modify(f->inv, "o1", NULL, 2));
	BAD(BO_EINVALID, bo_order_ship(NULL, "o1", NULL, BO_ALL));
	BAD(BO_EINVALID, bo_order_ship(f->inv, NULL, NULL, BO_ALL));
	BAD(BO_EINVALID, bo_order_get(NULL, f->inv, "o1"));
	BAD(BO_EINVALID, bo_order_get(&o, NULL, "o1"));
	BAD(BO_EINVALID, bo_order_get(&o, f->inv, NULL));
	BAD(BO_EINVALID, bo_order_foreach(NULL, order_cb, NULL));
	BAD(BO_EINVALID, bo_order_foreach(f->inv, NULL, NULL));
	BAD(BO_EINVALID, bo_inventory_set_notifier(NULL, &nt, NULL));
	BAD(BO_EINVALID, bo_inventory_dispatch(NULL, &n));
	BAD(BO_EINVALID, bo_inventory_pending(NULL, f->inv));
	BAD(BO_EINVALID, bo_inventory_pending(&n, NULL));
	BAD(BO_EINVALID, bo_inventory_batch_begin(NULL));
	BAD(BO_EINVALID, bo_inventory_batch_end(NULL, 1));
	BAD(BO_EINVALID, bo_inventory_check(NULL));
	assert_null(o);
	assert_null(p);
	/* frees of NULL are no-ops */
	bo_inventory_free(NULL);
	bo_policy_free(NULL);
	bo_order_free(NULL);
	check_unchanged(f, "free(NULL)", __LINE__);
}

static void test_bad_ids(void **state)
{
	fixture *f = *state;
	bo_line_spec l = { "a", 1, BO_NO_PRICE };
	bo_order *o = NULL;
	bo_item_status st;
	size_t i;

	for (i = 0; i <= NBAD; i++) {
		const char *id = i < NBAD ? bad_ids[i] : f->long_id;
		BAD(BO_EINVALID, bo_item_set(f->inv, id, NULL));
		BAD(BO_EINVALID, bo_item_receive(f->inv, id, 1, NULL));
		BAD(BO_EINVALID, bo_item_receive(f->inv, "a", 1, id));
		BAD(BO_EINVALID, bo_item_adjust(f->inv, id, 1));
		BAD(BO_EINVALID, bo_supply_set(f->inv, id, "s", 1, T0));
		BAD(BO_EINVALID, bo_supply_set(f->inv, "a", id, 1, T0));
		BAD(BO_EINVALID, bo_supply_remove(f->inv, id, "po-1"));
		BAD(BO_EINVALID, bo_supply_remove(f->inv, "a", id));
		BAD(BO_EINVALID, bo_item_subscribe(f->inv, id, "c"));
		BAD(BO_EINVALID, bo_item_subscribe(f->inv, "a", id));
		BAD(BO_EINVALID, bo_item_status_get(&st, f->inv, id));
		BAD(BO_EINVALID, bo_order_place(f->inv, id, NULL, &l, 1));
		l.sku = id;
		BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, &l, 1));
		l.sku = "a";
		BAD(BO_EINVALID, bo_order_cancel(f->inv, id, NULL, BO_ALL));
		BAD(BO_EINVALID, bo_order_cancel(f->inv, "o1", id, BO_ALL));
		BAD(BO_EINVALID, bo_order_modify(f->inv, id, "a", 2));
		BAD(BO_EINVALID, bo_order_modify(f->inv, "o1", id, 2));
		BAD(BO_EINVALID, bo_order_ship(f->inv, id, NULL, BO_ALL));
		BAD(BO_EINVALID, bo_order_ship(f->inv, "o1", id, BO_ALL));
		BAD(BO_EINVALID, bo_order_get(&o, f->inv, id));
	}
	assert_null(o);
	BAD(BO_EINVALID, bo_policy_builtin(NULL, "nosuch"));
	BAD(BO_EINVALID, bo_inventory_set_default_policy(f->inv, "nosuch"));
	/* a 64-byte id is fine: it exists and is usable */
	assert_ok(bo_item_status_get(&st, f->inv, f->max_id));
	assert_ok(bo_order_get(&o, f->inv, f->max_id));
	bo_order_free(o);
}

/* An id is bytes: a well-formed UTF-8 sequence that is a C1 control or
 * white space is refused like ASCII white space; other code points and
 * bytes that are not UTF-8 are accepted; the limit stays 64 bytes. */
/* The id scan goes four bytes a step: a bad byte at every position of a
 * 64-byte id is found, and every length from 1 to 64 passes (65 does not). */
static void test_id_every_position(void **state)
{
	fixture *f = *state;
	static const char bad[] = { ' ', '\t', '\x7f', '\x01' };
	char id[BO_ID_MAX + 2];

	for (size_t pos = 0; pos < BO_ID_MAX; pos++) {
		for (size_t b = 0; b < sizeof(bad); b++) {
			memset(id, 'x', BO_ID_MAX);
			id[BO_ID_MAX] = '\0';
			id[pos] = bad[b];
			assert_rc(bo_item_set(f->inv, id, NULL), BO_EINVALID);
		}
	}
	for (size_t len = 1; len <= BO_ID_MAX + 1; len++) {
		memset(id, 'a' + (char)(len % 26), len);
		id[len] = '\0';
		assert_rc(bo_item_set(f->inv, id, NULL), len <= BO_ID_MAX ? BO_OK : BO_EINVALID);
	}
}

static void test_unicode_ids(void **state)
{
	fixture *f = *state;
	static const char *const good[] = {
		"Caf\xc3\xa9", "\xe5\x95\x86\xe5\x93\x81-1", "\xf0\x9f\x98\x80", "\xff\xfe", "S\xff" "1",
		"\xc2\xa1",            /* U+00A1, just past the no-break space */
		"a\xe2\x80\x8b" "b",   /* U+200B zero width space: not White_Space */
		"\x80", "a\xc2",       /* a lone continuation byte, a truncated sequence */
		"\xc0\xa0", "\xe0\x80\xa0", /* overlong U+0020: not well-formed, so bytes */
		"\xc1\x85",            /* overlong U+0045 */
		"\xed\xa0\x80",        /* a surrogate */
		"\xf4\x90\x80\x80",    /* beyond U+10FFFF */
		"\xe3\x80" "a",        /* U+3000 cut short */
	};
	bo_line_spec l = { NULL, 1, BO_NO_PRICE };
	bo_item_status st;
	char id[BO_ID_MAX + 8];
	size_t i;

	for (i = 0; i < NBAD; i++) {
		bo_clear_error();
		assert_rc(bo_item_set(f->inv, bad_ids[i], NULL), BO_EINVALID);
		if (i > 0 && strstr(bo_last_error(), "white space or a control character") == NULL) {
			print_error("bad id %zu: %s\n", i, bo_last_error());
			fail();
		}
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char order[BO_ID_MAX + 1];

		assert_ok(bo_item_set(f->inv, good[i], NULL));
		assert_ok(bo_item_status_get(&st, f->inv, good[i]));
		assert_string_equal(st.sku, good[i]);
		l.sku = good[i];
		snprintf(order, sizeof(order), "u%zu", i);
		assert_ok(bo_order_place(f->inv, order, NULL, &l, 1));
		l.sku = "a";
		assert_ok(bo_order_place(f->inv, good[i], NULL, &l, 1));
		assert_ok(bo_item_subscribe(f->inv, "a", good[i]));
	}
	assert_invariants(f->inv);

	/* a 4-byte sequence at the limit: 64 bytes pass, 65 do not */
	memset(id, 'e', sizeof(id));
	memcpy(id + BO_ID_MAX - 4, "\xf0\x9f\x98\x80", 5);
	assert_ok(bo_item_set(f->inv, id, NULL));
	assert_ok(bo_item_status_get(&st, f->inv, id));
	assert_string_equal(st.sku, id);
	for (size_t at = BO_ID_MAX - 3; at <= BO_ID_MAX; at++) {
		memset(id, 'e', sizeof(id));
		memcpy(id + at, "\xf0\x9f\x98\x80", 5);
		bo_clear_error();
		assert_rc(bo_item_set(f->inv, id, NULL), BO_EINVALID);
		assert_non_null(strstr(bo_last_error(), "longer than 64 bytes"));
	}
	/* a no-break space as the last two of 64 bytes is white space */
	memset(id, 'e', sizeof(id));
	memcpy(id + BO_ID_MAX - 2, "\xc2\xa0", 3);
	bo_clear_error();
	assert_rc(bo_item_set(f->inv, id, NULL), BO_EINVALID);
	assert_non_null(strstr(bo_last_error(), "white space or a control character"));
	/* 64 bytes that are not UTF-8 */
	memset(id, 0xff, BO_ID_MAX);
	id[BO_ID_MAX] = '\0';
	assert_ok(bo_item_set(f->inv, id, NULL));
	id[BO_ID_MAX] = '\xff';
	id[BO_ID_MAX + 1] = '\0';
	assert_rc(bo_item_set(f->inv, id, NULL), BO_EINVALID);
	assert_invariants(f->inv);
}

static void test_bad_quantities(void **state)
{
	fixture *f = *state;
	bo_line_spec l[2] = { { "a", 1, BO_NO_PRICE }, { "d", 1, BO_NO_PRICE } };
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	static const int64_t bad_qty[] = { 0, -1, -2, INT64_MIN };
	size_t i;

	for (i = 0; i < sizeof(bad_qty) / sizeof(bad_qty[0]); i++) {
		int64_t q = bad_qty[i];
		BAD(BO_EINVALID, bo_item_receive(f->inv, "a", q, NULL));
		BAD(BO_EINVALID, bo_supply_set(f->inv, "a", "s", q, T0));
		l[0].qty = q;
		BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 1));
		BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 2));
		l[0].qty = 1;
		BAD(BO_EINVALID, bo_order_modify(f->inv, "o1", "a", q));
		if (q != BO_ALL) {
			BAD(BO_EINVALID, bo_order_cancel(f->inv, "o1", "a", q));
			BAD(BO_EINVALID, bo_order_ship(f->inv, "o1", "a", q));
		}
	}
	BAD(BO_EINVALID, bo_item_adjust(f->inv, "a", 0));
	BAD(BO_EINVALID, bo_item_adjust(f->inv, "a", -4));       /* below 0 */
	BAD(BO_EINVALID, bo_item_adjust(f->inv, "a", INT64_MIN));
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 0));
	l[0].unit_price = -5;
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 1));
	l[0].unit_price = BO_NO_PRICE;
	l[1].sku = "a";
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 2)); /* same SKU twice */
	l[1].sku = NULL;
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 2));
	l[1].sku = "d";
	oo.ship_mode = 7;
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", &oo, l, 1));
	oo = (bo_order_options)BO_ORDER_OPTIONS_INIT;
	oo.version = 0;
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", &oo, l, 1));
	/* BO_ALL only where documented */
	BAD(BO_EINVALID, bo_order_cancel(f->inv, "o1", NULL, 1));
	BAD(BO_EINVALID, bo_order_ship(f->inv, "o1", NULL, 1));
	BAD(BO_EINVALID, bo_order_modify(f->inv, "o1", "a", BO_ALL));
	BAD(BO_EINVALID, bo_item_receive(f->inv, "a", BO_ALL, NULL));
	/* more than the line has left */
	BAD(BO_EINVALID, bo_order_cancel(f->inv, "o1", "a", 6));
}

static void test_overflow(void **state)
{
	fixture *f = *state;
	bo_line_spec l[2] = { { "a", INT64_MAX, BO_NO_PRICE }, { "d", 1, BO_NO_PRICE } };

	/* on_hand + qty */
	BAD(BO_EINVALID, bo_item_receive(f->inv, "a", INT64_MAX, NULL));
	BAD(BO_EINVALID, bo_item_adjust(f->inv, "a", INT64_MAX));
	/* incoming sum: 5 + INT64_MAX */
	BAD(BO_EINVALID, bo_supply_set(f->inv, "a", "po-2", INT64_MAX, T0));
	/* waiting units of the item: 3 + INT64_MAX */
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 1));
	BAD(BO_EINVALID, bo_order_modify(f->inv, f->max_id, "a", INT64_MAX)); /* 2 + (MAX - 1) + 1 */
	/* prices: waiting units x price overflows revenue held */
	l[0].qty = 2;
	l[0].unit_price = INT64_MAX;
	BAD(BO_EINVALID, bo_order_place(f->inv, "new", NULL, l, 1));
}

/* Take-back: units that wait again count in revenue held again. Two lines
 * priced 2^62 each, allocated at once (nothing held), taken back together
 * would hold 2^63: the adjustment is invalid (it was stored saturated at
 * 2^63-1, and went negative as the lines were filled and cancelled). */
static void retake(fixture *f)
{
	free(f->before);
	f->before = NULL;
	assert_ok(snapshot_take(&f->before, f->inv));
	th_recorder_clear(&f->rec);
}

static void test_overflow_take_back(void **state)
{
	fixture *f = *state;
	const int64_t p = INT64_C(1) << 62;
	bo_line_spec l = { "rev", 1, p };

	assert_ok(bo_item_set(f->inv, "rev", NULL));
	assert_ok(bo_item_receive(f->inv, "rev", 2, NULL));
	assert_ok(bo_order_place(f->inv, "r1", NULL, &l, 1));
	assert_ok(bo_order_place(f->inv, "r2", NULL, &l, 1));
	/* at a location: the lines hold their units at "w", none free elsewhere */
	assert_ok(bo_location_set(f->inv, "w", 0));
	assert_ok(bo_item_set(f->inv, "revw", NULL));
	assert_ok(bo_item_receive_at(f->inv, "revw", 2, NULL, "w"));
	l.sku = "revw";
	assert_ok(bo_order_place(f->inv, "w1", NULL, &l, 1));
	assert_ok(bo_order_place(f->inv, "w2", NULL, &l, 1));
	retake(f);
	BAD(BO_EINVALID, bo_item_adjust(f->inv, "rev", -2));
	BAD(BO_EINVALID, bo_item_adjust_at(f->inv, "revw", -2, "w"));
	/* one line taken back holds 2^62; filled again, it holds nothing */
	assert_ok(bo_item_adjust(f->inv, "rev", -1));
	assert_i64(th_status(f->inv, "rev").revenue_held, p);
	assert_ok(bo_item_receive(f->inv, "rev", 1, NULL));
	assert_i64(th_status(f->inv, "rev").revenue_held, 0);
}

static void test_unknown_ids(void **state)
{
	fixture *f = *state;
	bo_line_spec l[2] = { { "a", 1, BO_NO_PRICE }, { "zz", 1, BO_NO_PRICE } };
	bo_order *o = NULL;
	bo_item_status st;

	BAD(BO_ENOTFOUND, bo_item_receive(f->inv, "zz", 1, NULL));
	BAD(BO_ENOTFOUND, bo_item_receive(f->inv, "a", 1, "po-9"));
	BAD(BO_ENOTFOUND, bo_item_receive(f->inv, "d", 1, "po-1")); /* another item's */
	BAD(BO_ENOTFOUND, bo_item_adjust(f->inv, "zz", 1));
	BAD(BO_ENOTFOUND, bo_supply_set(f->inv, "zz", "s", 1, T0));
	BAD(BO_ENOTFOUND, bo_supply_remove(f->inv, "zz", "po-1"));
	BAD(BO_ENOTFOUND, bo_supply_remove(f->inv, "a", "po-9"));
	BAD(BO_ENOTFOUND, bo_item_subscribe(f->inv, "zz", "c"));
	BAD(BO_ENOTFOUND, bo_item_status_get(&st, f->inv, "zz"));
	BAD(BO_ENOTFOUND, bo_item_waiting_foreach(f->inv, "zz", waiting_cb, NULL));
	BAD(BO_ENOTFOUND, bo_supply_foreach(f->inv, "zz", supply_cb, NULL));
	BAD(BO_ENOTFOUND, bo_order_place(f->inv, "new", NULL, l, 2));
	BAD(BO_ENOTFOUND, bo_order_cancel(f->inv, "zz", NULL, BO_ALL));
	BAD(BO_ENOTFOUND, bo_order_cancel(f->inv, "o1", "d", BO_ALL)); /* no such line */
	BAD(BO_ENOTFOUND, bo_order_modify(f->inv, "zz", "a", 1));
	BAD(BO_ENOTFOUND, bo_order_modify(f->inv, "o1", "zz", 1));
	BAD(BO_ENOTFOUND, bo_order_ship(f->inv, "zz", NULL, BO_ALL));
	BAD(BO_ENOTFOUND, bo_order_ship(f->inv, "o1", "d", BO_ALL));
	BAD(BO_ENOTFOUND, bo_order_get(&o, f->inv, "zz"));
	assert_null(o);
}

/* The walks over locations, an item's stock per location and a line's
 * units per location (DESIGN sections 10 and 11): NULL handles and
 * callbacks, malformed ids, unknown items, orders and lines. */
static void test_location_walks(void **state)
{
	fixture *f = *state;
	char long_id[BO_ID_MAX + 2];

	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	BAD(BO_EINVALID, bo_location_foreach(NULL, location_cb, NULL));
	BAD(BO_EINVALID, bo_location_foreach(f->inv, NULL, NULL));
	BAD(BO_EINVALID, bo_item_stock_foreach(NULL, "a", stock_cb, NULL));
	BAD(BO_EINVALID, bo_item_stock_foreach(f->inv, NULL, stock_cb, NULL));
	BAD(BO_EINVALID, bo_item_stock_foreach(f->inv, "a", NULL, NULL));
	BAD(BO_EINVALID, bo_item_stock_foreach(f->inv, "", stock_cb, NULL));
	BAD(BO_EINVALID, bo_item_stock_foreach(f->inv, long_id, stock_cb, NULL));
	BAD(BO_EINVALID, bo_item_stock_foreach(f->inv, "a b", stock_cb, NULL));
	BAD(BO_ENOTFOUND, bo_item_stock_foreach(f->inv, "zz", stock_cb, NULL));
	BAD(BO_EINVALID, bo_line_alloc_foreach(NULL, "o1", "a", alloc_cb, NULL));
	BAD(BO_EINVALID, bo_line_alloc_foreach(f->inv, NULL, "a", alloc_cb, NULL));
	BAD(BO_EINVALID, bo_line_alloc_foreach(f->inv, "o1", NULL, alloc_cb, NULL));
	BAD(BO_EINVALID, bo_line_alloc_foreach(f->inv, "o1", "a", NULL, NULL));
	BAD(BO_EINVALID, bo_line_alloc_foreach(f->inv, "", "a", alloc_cb, NULL));
	BAD(BO_EINVALID, bo_line_alloc_foreach(f->inv, long_id, "a", alloc_cb, NULL));
	BAD(BO_EINVALID, bo_line_alloc_foreach(f->inv, "o1", "a\tb", alloc_cb, NULL));
	BAD(BO_ENOTFOUND, bo_line_alloc_foreach(f->inv, "zz", "a", alloc_cb, NULL));
	BAD(BO_ENOTFOUND, bo_line_alloc_foreach(f->inv, "o1", "d", alloc_cb, NULL)); /* no such line */
	BAD(BO_ENOTFOUND, bo_line_alloc_foreach(f->inv, "o1", "zz", alloc_cb, NULL));
	/* and the good calls still work after them */
	assert_ok(bo_location_foreach(f->inv, location_cb, NULL));
	assert_ok(bo_item_stock_foreach(f->inv, "a", stock_cb, NULL));
	assert_ok(bo_line_alloc_foreach(f->inv, "o1", "a", alloc_cb, NULL));
}

static void test_out_of_state(void **state)
{
	fixture *f = *state;
	bo_line_spec l[2] = { { "a", 1, BO_NO_PRICE }, { "d", 5, BO_NO_PRICE } };
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;

	BAD(BO_EOUTOFSTOCK, bo_order_place(f->inv, "new", NULL, l, 2));   /* deny: 1 left */
	BAD(BO_EOUTOFSTOCK, th_place(f->inv, "new", "cap", 3, 0, BO_NO_TIME)); /* 8 + 3 > 10 */
	BAD(BO_EOUTOFSTOCK, bo_order_modify(f->inv, "o3", "cap", 11));
	BAD(BO_EEXISTS, th_place(f->inv, "o1", "a", 4, 0, BO_NO_TIME));
	oo.priority = 1;
	l[0].qty = 5;
	BAD(BO_EEXISTS, bo_order_place(f->inv, "o1", &oo, l, 1));
	BAD(BO_ESTATE, bo_order_ship(f->inv, "o1", "a", 4));      /* 3 allocated */
	BAD(BO_ESTATE, bo_order_ship(f->inv, "o2", NULL, BO_ALL)); /* all shipped */
	BAD(BO_ESTATE, bo_order_ship(f->inv, "o3", NULL, BO_ALL)); /* nothing allocated */
	BAD(BO_ESTATE, bo_order_cancel(f->inv, "o2", NULL, BO_ALL));
	BAD(BO_ESTATE, bo_order_cancel(f->inv, "o2", "d", BO_ALL));
	BAD(BO_EINVALID, bo_order_modify(f->inv, "o2", "d", 0));
	BAD(BO_ESTATE, bo_inventory_batch_end(f->inv, 1));         /* no batch open */
	BAD(BO_ESTATE, bo_inventory_batch_end(f->inv, 0));
	f->clk.now = T0 - 1;
	BAD(BO_EINVALID, bo_inventory_advance(f->inv));           /* clock went back */
	f->clk.now = T0;
	/* the order placed identically is a retry, not an error */
	assert_ok(th_place(f->inv, "o1", "a", 5, 0, BO_NO_TIME));
	check_unchanged(f, "identical retry", __LINE__);
}


/* An adapter without the location callbacks (storage version 2) keeps
 * everything at "main": bo_location_set() is BO_ESTATE, for "main" too
 * (nowhere to keep its rank), and another location named in a call is
 * BO_ENOTFOUND; "main" itself works (docs/DECISIONS.md, Locations). */
static void test_no_location_callbacks(void **state)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_storage v2;
	th_clock clk = { T0 };
	bo_inventory *inv;
	bo_line_spec l = { "a", 1, BO_NO_PRICE };
	char *before = NULL, *after = NULL;

	(void)state;
	assert_ok(bo_memory_storage(&vt, &ud));
	memcpy(&v2, vt, sizeof(v2));
	v2.version = 2;
	v2.size = offsetof(bo_storage, loc_put);
	inv = th_open_with(&v2, ud, &clk, NULL, 1);
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(bo_item_receive_at(inv, "a", 2, NULL, "main"));
	assert_ok(snapshot_take(&before, inv));
	bo_clear_error();
	assert_rc(bo_location_set(inv, "main", 3), BO_ESTATE);
	assert_has_error();
	assert_rc(bo_location_set(inv, "w", 0), BO_ESTATE);
	assert_rc(bo_item_receive_at(inv, "a", 1, NULL, "w"), BO_ENOTFOUND);
	assert_rc(bo_item_adjust_at(inv, "a", 1, "w"), BO_ENOTFOUND);
	assert_rc(bo_supply_set_at(inv, "a", "po", 1, T0 + DAY, "w"), BO_ENOTFOUND);
	assert_ok(snapshot_take(&after, inv));
	assert_string_equal(before, after);
	assert_ok(bo_order_place(inv, "o", NULL, &l, 1));
	assert_rc(bo_order_ship_at(inv, "o", NULL, BO_ALL, "w"), BO_ENOTFOUND);
	assert_ok(bo_order_ship_at(inv, "o", NULL, BO_ALL, "main"));
	free(before);
	free(after);
	th_close(inv);
}

static int hints_seen;
static void must_not_hint(void *ud, int kind, const char *id)
{
	(void)ud;
	(void)kind;
	(void)id;
	hints_seen++;
}

static void test_bad_open(void **state)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_storage broken;
	bo_inventory *inv = (bo_inventory *)&broken; /* must be reset to NULL */
	bo_options o = BO_OPTIONS_INIT;

	(void)state;
	assert_ok(bo_memory_storage(&vt, &ud));
	bo_clear_error();
	assert_rc(bo_inventory_open(NULL, vt, ud, NULL), BO_EINVALID);
	assert_has_error();
	assert_rc(bo_inventory_open(&inv, NULL, ud, NULL), BO_EINVALID);
	assert_null(inv);
	memcpy(&broken, vt, sizeof(broken));
	broken.version = 0;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	memcpy(&broken, vt, sizeof(broken));
	broken.version = BO_STORAGE_VERSION + 1000;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	memcpy(&broken, vt, sizeof(broken));
	broken.item_get = NULL;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	assert_has_error();
	memcpy(&broken, vt, sizeof(broken));
	broken.outbox_append = NULL;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	/* size: too small for the required callbacks */
	memcpy(&broken, vt, sizeof(broken));
	broken.size = 0;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	assert_non_null(strstr(bo_last_error(), "size"));
	broken.size = offsetof(bo_storage, savepoint) - 1;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	/* the whole table: a lone savepoint callback is refused */
	memcpy(&broken, vt, sizeof(broken));
	broken.release = NULL;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	/* outbox_add (the store numbers events) without seq_take: refused */
	memcpy(&broken, vt, sizeof(broken));
	broken.outbox_add = broken.outbox_append;
	broken.seq_take = NULL;
	assert_rc(bo_inventory_open(&inv, &broken, ud, NULL), BO_EINVALID);
	assert_non_null(strstr(bo_last_error(), "outbox_add"));
	o.version = 0;
	assert_rc(bo_inventory_open(&inv, vt, ud, &o), BO_EINVALID);
	o = (bo_options)BO_OPTIONS_INIT;
	o.default_policy = "nosuch";
	assert_rc(bo_inventory_open(&inv, vt, ud, &o), BO_EINVALID);
	assert_null(inv);
	/* the caller still owns the store after failures: it works and closes */
	assert_ok(bo_inventory_open(&inv, vt, ud, NULL));
	bo_inventory_free(inv);

	/* An adapter built against a header whose table ended before the
	 * optional callbacks: the library reads only `size` bytes, so what lies
	 * beyond (here a lone, invalid savepoint set) is never seen. */
	assert_ok(bo_memory_storage(&vt, &ud));
	memcpy(&broken, vt, sizeof(broken));
	broken.size = offsetof(bo_storage, savepoint);
	broken.release = NULL;
	broken.close = NULL;
	assert_ok(bo_inventory_open(&inv, &broken, ud, NULL));
	assert_ok(bo_item_set(inv, "A", NULL));
	assert_ok(bo_item_receive(inv, "A", 2, NULL));
	{
		bo_item_status st;
		assert_ok(bo_item_status_get(&st, inv, "A"));
		assert_int_equal(st.on_hand, 2);
	}
	bo_inventory_free(inv); /* close was not copied: the store is still ours */
	vt->close(ud);

	/* A version 3 adapter (its table ends before `prefetch`): a hint
	 * left past its size is never called, and placements work. */
	assert_ok(bo_memory_storage(&vt, &ud));
	memcpy(&broken, vt, sizeof(broken));
	broken.version = 3;
	broken.size = offsetof(bo_storage, prefetch);
	broken.prefetch = must_not_hint;
	assert_ok(bo_inventory_open(&inv, &broken, ud, NULL));
	assert_ok(bo_item_set(inv, "A", NULL));
	assert_ok(bo_item_receive(inv, "A", 1, NULL));
	{
		bo_line_spec line = { "A", 2, BO_NO_PRICE };
		assert_ok(bo_order_place(inv, "O1", NULL, &line, 1));
		assert_ok(bo_order_ship(inv, "O1", NULL, BO_ALL));
	}
	assert_int_equal(hints_seen, 0);
	bo_inventory_free(inv); /* (close was copied: it closed the store) */

	/* The same with the whole table's size: the version gates `prefetch`
	 * (a wrapper that copied a newer table but declares version 3), and
	 * a version 2 table's location callbacks are not used either. */
	assert_ok(bo_memory_storage(&vt, &ud));
	memcpy(&broken, vt, sizeof(broken));
	broken.version = 3;
	broken.prefetch = must_not_hint;
	assert_ok(bo_inventory_open(&inv, &broken, ud, NULL));
	assert_ok(bo_item_set(inv, "A", NULL));
	assert_ok(bo_item_receive(inv, "A", 1, NULL));
	assert_int_equal(hints_seen, 0);
	bo_inventory_free(inv);
	assert_ok(bo_memory_storage(&vt, &ud));
	memcpy(&broken, vt, sizeof(broken));
	broken.version = 2;
	assert_ok(bo_inventory_open(&inv, &broken, ud, NULL));
	assert_rc(bo_location_set(inv, "w", 1), BO_ESTATE);
	bo_inventory_free(inv);

	inv = NULL;
	assert_rc(bo_inventory_open_store(NULL, "memory", NULL), BO_EINVALID);
	assert_rc(bo_inventory_open_store(&inv, NULL, NULL), BO_EINVALID);
	assert_rc(bo_inventory_open_store(&inv, "bogus:x", NULL), BO_EINVALID);
	assert_rc(bo_inventory_open_store(&inv, "", NULL), BO_EINVALID);
	assert_null(inv);
	assert_ok(bo_inventory_open_store(&inv, "memory", NULL));
	bo_inventory_free(inv);
	assert_int_equal(bo_store_available("memory"), 1);
	assert_int_equal(bo_store_available("nosuch"), 0);
	assert_int_equal(bo_store_available(NULL), 0);
	assert_rc(bo_memory_storage(NULL, &ud), BO_EINVALID);
	assert_rc(bo_memory_storage(&vt, NULL), BO_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_null_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_every_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unicode_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_quantities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_take_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_location_walks, setup, teardown),
		cmocka_unit_test(test_bad_open),
		cmocka_unit_test(test_no_location_callbacks),
	};
	return cmocka_run_group_tests_name("badinput", tests, NULL, NULL);
}
