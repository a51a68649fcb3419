/*
 * Shared helpers of the cmocka suites: a settable clock, opening an
 * inventory, status assertions that print names and the last error, the
 * invariant check, a recording notifier and small shortcuts.
 */
#ifndef BO_TEST_HELPERS_H
#define BO_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "backorder.h"
#include "backorder/memory.h"

/** 2026-01-01T00:00:00Z, the trace format's starting clock. */
#define T0 INT64_C(1767225600)
#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)

/* ---- assertions ---------------------------------------------------- */

/*
 * Every asserted call is followed by an invariant check of each inventory
 * opened through th_open()/th_open_with() and not yet closed by th_close()
 * (DESIGN section 3: the invariants hold after every call).
 */
#define assert_rc(expr, expected) do { \
	int rc_ = (expr); \
	int ex_ = (expected); \
	if (rc_ != ex_) { \
		print_error("%s:%d: %s returned %d (%s), expected %d (%s); last error: %s\n", \
			    __FILE__, __LINE__, #expr, rc_, bo_status_name(rc_), ex_, \
			    bo_status_name(ex_), bo_last_error()); \
		fail(); \
	} \
	th_check_live(__FILE__, __LINE__); \
} while (0)

#define assert_ok(expr) assert_rc((expr), BO_OK)

#define assert_i64(actual, expected) do { \
	int64_t a_ = (int64_t)(actual); \
	int64_t e_ = (int64_t)(expected); \
	if (a_ != e_) { \
		print_error("%s:%d: %s is %lld, expected %lld (%s)\n", __FILE__, __LINE__, \
			    #actual, (long long)a_, (long long)e_, #expected); \
		fail(); \
	} \
} while (0)

void th_assert_invariants(bo_inventory *inv, const char *file, int line);
/** Check the invariants of every live inventory (see assert_rc). */
void th_check_live(const char *file, int line);
/** Turn the automatic check of assert_rc off (0) or on (1); returns the old value. */
int th_autocheck(int on);
/** bo_inventory_check() must pass. */
#define assert_invariants(inv) th_assert_invariants((inv), __FILE__, __LINE__)

/** bo_last_error() must be a real message, not "no error". */
void th_assert_has_error(const char *file, int line);
#define assert_has_error() th_assert_has_error(__FILE__, __LINE__)

/* ---- clock and opening -------------------------------------------- */

typedef struct th_clock {
	int64_t now;
} th_clock;

int64_t th_clock_read(void *user_data);

/** Open an inventory over the memory store with a test clock. Fails the test on error. */
bo_inventory *th_open(th_clock *clk, const char *default_policy, int auto_dispatch);

/** Free an inventory opened by th_open()/th_open_with() (stops its automatic checks). */
void th_close(bo_inventory *inv);

/** Open over a given storage (owned by the inventory on success). */
bo_inventory *th_open_with(const bo_storage *vt, void *ud, th_clock *clk,
			   const char *default_policy, int auto_dispatch);

/* ---- shortcuts ----------------------------------------------------- */

/** Create an item with a policy (NULL: default) and backorder mode. */
void th_item(bo_inventory *inv, const char *sku, const char *policy, int backorder);
bo_item_status th_status(bo_inventory *inv, const char *sku);
/** The line of `order_id` for `sku` (fails the test if absent). */
bo_line_status th_line(bo_inventory *inv, const char *order_id, const char *sku);
/** Place a one-line order. */
int th_place(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty,
	     int64_t priority, int64_t due);
/** Ids of the waiting lines of `sku` in queue order, joined by ' '. Caller frees. */
char *th_queue(bo_inventory *inv, const char *sku);

/* ---- recording notifier ------------------------------------------- */

typedef struct th_event {
	uint64_t seq;
	int kind;
	char order_id[BO_ID_MAX + 1];
	char sku[BO_ID_MAX + 1];
	char customer[BO_ID_MAX + 1];
	int64_t qty;
	int64_t eta;
	int64_t time;
	char location[BO_ID_MAX + 1];   /* "" when the event names none */
} th_event;

typedef struct th_recorder {
	th_event *ev;           /* accepted deliveries, in order */
	size_t n, cap;
	size_t attempts;        /* every call of deliver */
	size_t refused;
	unsigned refuse_every;  /* refuse each k-th attempt (0: never) */
	int refuse_all;
	int freed;              /* times the notifier's free ran */
	int record_location;    /* copy bo_event.location (the location suites set it) */
} th_recorder;

void th_recorder_attach(bo_inventory *inv, th_recorder *rec);
void th_recorder_clear(th_recorder *rec);
void th_recorder_fini(th_recorder *rec);

/* The fixture most suites share: an inventory on the memory store with a
 * settable clock at T0 (auto-dispatch on) and a recorder of its events. */
typedef struct th_fixture {
	th_clock clk;
	bo_inventory *inv;
	th_recorder rec;
} th_fixture;

/* cmocka setup and teardown of a th_fixture in *state. */
int th_fixture_setup(void **state);
int th_fixture_teardown(void **state);
/** Events of `kind` (0: any) for order (NULL: any) and sku (NULL: any). */
size_t th_count(const th_recorder *rec, int kind, const char *order_id, const char *sku);
/** Sum of qty over the same selection. */
int64_t th_sum_qty(const th_recorder *rec, int kind, const char *order_id, const char *sku);

/* ---- deterministic PRNG ------------------------------------------- */

typedef struct th_rng {
	uint64_t s;
} th_rng;

uint64_t th_rand(th_rng *r);
/** Uniform in [lo, hi]. */
int64_t th_range(th_rng *r, int64_t lo, int64_t hi);

#endif
