/* ETA: supply coverage in policy order, lead time, overdue supply, preorders, events. */
#include "helpers.h"
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

typedef th_fixture fixture;

static int64_t eta_of(bo_inventory *inv, const char *order, const char *sku)
{
	return th_line(inv, order, sku).eta;
}

static void test_unknown_and_lead_time(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	assert_ok(bo_item_set(f->inv, "x", NULL));
	assert_ok(th_place(f->inv, "o1", "x", 2, 0, BO_NO_TIME));
	assert_i64(eta_of(f->inv, "o1", "x"), BO_NO_TIME);
	f->clk.now = T0 + HOUR;
	th_recorder_clear(&f->rec);
	s.fields = BO_ITEM_LEAD_TIME;
	s.lead_time = 3 * DAY;
	assert_ok(bo_item_set(f->inv, "x", &s)); /* refreshes the ETA */
	assert_i64(eta_of(f->inv, "o1", "x"), T0 + HOUR + 3 * DAY);
	assert_int_equal(th_count(&f->rec, BO_EVENT_ETA_CHANGED, "o1", "x"), 1);
	assert_i64(th_sum_qty(&f->rec, BO_EVENT_ETA_CHANGED, "o1", "x"), 2);
	/* a new line gets it in its backordered event */
	th_recorder_clear(&f->rec);
	f->clk.now = T0 + 2 * HOUR;
	assert_ok(th_place(f->inv, "o2", "x", 1, 0, BO_NO_TIME));
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 2 * HOUR + 3 * DAY);
	{
		size_t i, seen = 0;
		for (i = 0; i < f->rec.n; i++) {
			if (f->rec.ev[i].kind == BO_EVENT_BACKORDERED) {
				assert_string_equal(f->rec.ev[i].order_id, "o2");
				assert_i64(f->rec.ev[i].eta, T0 + 2 * HOUR + 3 * DAY);
				seen++;
			}
		}
		assert_int_equal(seen, 1);
	}
	assert_int_equal(th_count(&f->rec, BO_EVENT_ETA_CHANGED, "o2", NULL), 0);
	/* fully allocated lines have no ETA */
	assert_ok(bo_item_receive(f->inv, "x", 3, NULL));
	assert_i64(eta_of(f->inv, "o1", "x"), BO_NO_TIME);
	assert_i64(eta_of(f->inv, "o2", "x"), BO_NO_TIME);
	assert_invariants(f->inv);
}

typedef struct wl {
	char id[BO_ID_MAX + 1];
	int64_t position, ahead, backordered, eta;
} wl;

typedef struct wls {
	wl v[16];
	int n;
} wls;

static int wl_cb(void *ud, const bo_waiting_line *w)
{
	wls *s = ud;
	wl *x;

	if (s->n == 16)
		return 1;
	x = &s->v[s->n++];
	snprintf(x->id, sizeof(x->id), "%s", w->order_id);
	x->position = w->position;
	x->ahead = w->units_ahead;
	x->backordered = w->backordered;
	x->eta = w->eta;
	return 0;
}

static void test_supply_coverage(void **state)
{
	fixture *f = *state;
	wls s;
	bo_item_settings st = BO_ITEM_SETTINGS_INIT;

	assert_ok(bo_item_set(f->inv, "x", NULL));
	assert_ok(th_place(f->inv, "o1", "x", 5, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "o2", "x", 2, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "o3", "x", 2, 0, BO_NO_TIME));
	assert_ok(bo_supply_set(f->inv, "x", "s2", 5, T0 + 4 * DAY));
	assert_ok(bo_supply_set(f->inv, "x", "s1", 3, T0 + 2 * DAY));
	/* cumulative supply 3 @2d, 8 @4d; demand 5, 7, 9 */
	assert_i64(eta_of(f->inv, "o1", "x"), T0 + 4 * DAY);
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 4 * DAY);
	assert_i64(eta_of(f->inv, "o3", "x"), BO_NO_TIME);

	memset(&s, 0, sizeof(s));
	assert_ok(bo_item_waiting_foreach(f->inv, "x", wl_cb, &s));
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].id, "o1");
	assert_i64(s.v[0].position, 1);
	assert_i64(s.v[0].ahead, 0);
	assert_i64(s.v[0].eta, T0 + 4 * DAY);
	assert_string_equal(s.v[1].id, "o2");
	assert_i64(s.v[1].position, 2);
	assert_i64(s.v[1].ahead, 5);
	assert_string_equal(s.v[2].id, "o3");
	assert_i64(s.v[2].position, 3);
	assert_i64(s.v[2].ahead, 7);
	assert_i64(s.v[2].backordered, 2);
	assert_i64(s.v[2].eta, BO_NO_TIME);

	/* more supply covers o3: one eta_changed, for o3 only */
	th_recorder_clear(&f->rec);
	assert_ok(bo_supply_set(f->inv, "x", "s3", 1, T0 + 6 * DAY));
	assert_i64(eta_of(f->inv, "o3", "x"), T0 + 6 * DAY);
	assert_int_equal(th_count(&f->rec, BO_EVENT_ETA_CHANGED, NULL, NULL), 1);
	assert_int_equal(th_count(&f->rec, BO_EVENT_ETA_CHANGED, "o3", "x"), 1);
	assert_i64(f->rec.ev[0].eta, T0 + 6 * DAY);
	assert_i64(f->rec.ev[0].qty, 2);

	/* an earlier record moves o1 and o2 forward */
	th_recorder_clear(&f->rec);
	assert_ok(bo_supply_set(f->inv, "x", "s1", 7, T0 + 2 * DAY));
	assert_i64(eta_of(f->inv, "o1", "x"), T0 + 2 * DAY);
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 2 * DAY);
	assert_i64(eta_of(f->inv, "o3", "x"), T0 + 4 * DAY);
	assert_int_equal(th_count(&f->rec, BO_EVENT_ETA_CHANGED, NULL, NULL), 3);

	/* removing supply: back to unknown, or the lead time */
	st.fields = BO_ITEM_LEAD_TIME;
	st.lead_time = 30 * DAY;
	assert_ok(bo_item_set(f->inv, "x", &st));
	th_recorder_clear(&f->rec);
	assert_ok(bo_supply_remove(f->inv, "x", "s1"));
	assert_i64(eta_of(f->inv, "o1", "x"), T0 + 4 * DAY);
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 30 * DAY); /* 7 > 5 + 1 */
	assert_i64(eta_of(f->inv, "o3", "x"), T0 + 30 * DAY);

	/* receiving against a record: the rest still covers */
	assert_ok(bo_item_receive(f->inv, "x", 3, "s2"));
	assert_i64(th_line(f->inv, "o1", "x").allocated, 3);
	assert_i64(eta_of(f->inv, "o1", "x"), T0 + 4 * DAY); /* 2 of s2 left */
	assert_invariants(f->inv);
}

static void test_overdue_supply_is_now(void **state)
{
	fixture *f = *state;

	assert_ok(bo_item_set(f->inv, "x", NULL));
	assert_ok(bo_supply_set(f->inv, "x", "late", 4, T0 + DAY));
	f->clk.now = T0 + 2 * DAY;
	assert_ok(th_place(f->inv, "o1", "x", 3, 0, BO_NO_TIME));
	assert_i64(eta_of(f->inv, "o1", "x"), T0 + 2 * DAY);
	assert_ok(bo_supply_set(f->inv, "x", "later", 4, T0 + 5 * DAY));
	assert_ok(th_place(f->inv, "o2", "x", 3, 0, BO_NO_TIME));
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 5 * DAY);
}

static void test_eta_follows_policy_order(void **state)
{
	fixture *f = *state;

	th_item(f->inv, "p", "priority", BO_BACKORDER_ALLOW);
	th_item(f->inv, "q", "fair", BO_BACKORDER_ALLOW);
	th_item(f->inv, "d", "due", BO_BACKORDER_ALLOW);
	assert_ok(th_place(f->inv, "lo", "p", 3, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "hi", "p", 3, 5, BO_NO_TIME));
	assert_ok(bo_supply_set(f->inv, "p", "a", 3, T0 + 1 * DAY));
	assert_ok(bo_supply_set(f->inv, "p", "b", 3, T0 + 2 * DAY));
	assert_i64(eta_of(f->inv, "hi", "p"), T0 + 1 * DAY);
	assert_i64(eta_of(f->inv, "lo", "p"), T0 + 2 * DAY);

	/* fair: fifo order for ETAs */
	assert_ok(th_place(f->inv, "first", "q", 3, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "second", "q", 3, 9, BO_NO_TIME));
	assert_ok(bo_supply_set(f->inv, "q", "a", 3, T0 + 1 * DAY));
	assert_ok(bo_supply_set(f->inv, "q", "b", 3, T0 + 2 * DAY));
	assert_i64(eta_of(f->inv, "first", "q"), T0 + 1 * DAY);
	assert_i64(eta_of(f->inv, "second", "q"), T0 + 2 * DAY);

	assert_ok(th_place(f->inv, "later", "d", 3, 0, T0 + 9 * DAY));
	assert_ok(th_place(f->inv, "sooner", "d", 3, 0, T0 + 3 * DAY));
	assert_ok(th_place(f->inv, "never", "d", 3, 0, BO_NO_TIME));
	assert_ok(bo_supply_set(f->inv, "d", "a", 3, T0 + 1 * DAY));
	assert_ok(bo_supply_set(f->inv, "d", "b", 3, T0 + 2 * DAY));
	assert_i64(eta_of(f->inv, "sooner", "d"), T0 + 1 * DAY);
	assert_i64(eta_of(f->inv, "later", "d"), T0 + 2 * DAY);
	assert_i64(eta_of(f->inv, "never", "d"), BO_NO_TIME);
	assert_invariants(f->inv);
}

static void test_preorder_eta_not_before_release(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	s.fields = BO_ITEM_RELEASE_AT | BO_ITEM_LEAD_TIME;
	s.release_at = T0 + 10 * DAY;
	s.lead_time = DAY;
	assert_ok(bo_item_set(f->inv, "g", &s));
	assert_ok(th_place(f->inv, "o1", "g", 2, 0, BO_NO_TIME));
	assert_i64(eta_of(f->inv, "o1", "g"), T0 + 10 * DAY); /* now + 1d < release */
	assert_ok(bo_supply_set(f->inv, "g", "s", 5, T0 + 2 * DAY));
	assert_i64(eta_of(f->inv, "o1", "g"), T0 + 10 * DAY);
	assert_ok(bo_supply_set(f->inv, "g", "s", 5, T0 + 12 * DAY));
	assert_i64(eta_of(f->inv, "o1", "g"), T0 + 12 * DAY);
}

static void test_modify_and_cancel_move_etas(void **state)
{
	fixture *f = *state;

	assert_ok(bo_item_set(f->inv, "x", NULL));
	assert_ok(th_place(f->inv, "o1", "x", 4, 0, BO_NO_TIME));
	assert_ok(th_place(f->inv, "o2", "x", 2, 0, BO_NO_TIME));
	assert_ok(bo_supply_set(f->inv, "x", "a", 4, T0 + 1 * DAY));
	assert_ok(bo_supply_set(f->inv, "x", "b", 4, T0 + 3 * DAY));
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 3 * DAY);
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_cancel(f->inv, "o1", "x", 2));
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 1 * DAY);
	assert_int_equal(th_count(&f->rec, BO_EVENT_ETA_CHANGED, "o2", "x"), 1);
	th_recorder_clear(&f->rec);
	assert_ok(bo_order_modify(f->inv, "o1", "x", 5)); /* o1 to the back */
	assert_i64(eta_of(f->inv, "o2", "x"), T0 + 1 * DAY);
	assert_i64(eta_of(f->inv, "o1", "x"), T0 + 3 * DAY);
	assert_invariants(f->inv);
}

/* now + lead time beyond 2^63-1 is bad input (DESIGN §10): refused when
 * the lead time is set, and by a call that would make such a promise
 * after the clock moved on; either changes nothing. */
static void test_lead_time_overflow(void **state)
{
	fixture *f = *state;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	char *before, *after;

	assert_ok(bo_item_set(f->inv, "x", NULL));
	assert_ok(th_place(f->inv, "o1", "x", 1, 0, BO_NO_TIME));
	s.fields = BO_ITEM_LEAD_TIME;
	s.lead_time = INT64_MAX - T0 + 1; /* one second too long */
	assert_ok(snapshot_take(&before, f->inv));
	assert_int_equal(bo_item_set(f->inv, "x", &s), BO_EINVALID);
	assert_non_null(strstr(bo_last_error(), "lead_time"));
	assert_ok(snapshot_take(&after, f->inv));
	assert_string_equal(after, before);
	free(after);
	free(before);
	/* the longest that fits: the waiting line is promised 2^63-1 */
	s.lead_time = INT64_MAX - T0;
	assert_ok(bo_item_set(f->inv, "x", &s));
	assert_i64(eta_of(f->inv, "o1", "x"), INT64_MAX);
	/* a second later the same lead time no longer fits: a placement
	 * that needs a promise fails and leaves nothing behind */
	f->clk.now = T0 + 1;
	assert_ok(snapshot_take(&before, f->inv));
	assert_int_equal(th_place(f->inv, "o2", "x", 1, 0, BO_NO_TIME), BO_EINVALID);
	assert_non_null(strstr(bo_last_error(), "2^63-1"));
	assert_ok(snapshot_take(&after, f->inv));
	assert_string_equal(after, before);
	free(after);
	free(before);
	/* a line that needs no promise still goes through */
	assert_ok(bo_item_receive(f->inv, "x", 1, NULL));
	assert_invariants(f->inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unknown_and_lead_time, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_supply_coverage, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_overdue_supply_is_now, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_eta_follows_policy_order, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_preorder_eta_not_before_release, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_modify_and_cancel_move_etas, th_fixture_setup, th_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_lead_time_overflow, th_fixture_setup, th_fixture_teardown),
	};
	return cmocka_run_group_tests_name("eta", tests, NULL, NULL);
}
