/* Status codes, their texts and names, and the per-thread last error. */
#include "helpers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const int all_codes[] = {
	BO_OK, BO_EPARSE, BO_EINVALID, BO_ENOTFOUND, BO_EEXISTS,
	BO_EOUTOFSTOCK, BO_ESTATE, BO_ESTORAGE,
};
#define NCODES (sizeof(all_codes) / sizeof(all_codes[0]))

static void test_codes_are_stable(void **state)
{
	(void)state;
	/* Append-only ABI: the values are part of the contract. */
	assert_int_equal(BO_OK, 0);
	assert_int_equal(BO_EPARSE, -1);
	assert_int_equal(BO_EINVALID, -2);
	assert_int_equal(BO_ENOTFOUND, -3);
	assert_int_equal(BO_EEXISTS, -4);
	assert_int_equal(BO_EOUTOFSTOCK, -5);
	assert_int_equal(BO_ESTATE, -6);
	assert_int_equal(BO_ESTORAGE, -7);
}

static void test_strerror(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NCODES; i++) {
		const char *s = bo_strerror(all_codes[i]);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, bo_strerror(all_codes[j]));
	}
	assert_non_null(bo_strerror(1));
	assert_non_null(bo_strerror(-8));
	assert_non_null(bo_strerror(-1000000));
	assert_non_null(bo_strerror(INT32_MIN));
	/* static text: the same pointer every time */
	assert_ptr_equal(bo_strerror(BO_ESTATE), bo_strerror(BO_ESTATE));
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(bo_status_name(BO_OK), "ok");
	assert_string_equal(bo_status_name(BO_EPARSE), "parse");
	assert_string_equal(bo_status_name(BO_EINVALID), "invalid");
	assert_string_equal(bo_status_name(BO_ENOTFOUND), "not_found");
	assert_string_equal(bo_status_name(BO_EEXISTS), "exists");
	assert_string_equal(bo_status_name(BO_EOUTOFSTOCK), "out_of_stock");
	assert_string_equal(bo_status_name(BO_ESTATE), "state");
	assert_string_equal(bo_status_name(BO_ESTORAGE), "storage");
	assert_string_equal(bo_status_name(1), "unknown");
	assert_string_equal(bo_status_name(-8), "unknown");
	assert_string_equal(bo_status_name(INT32_MIN), "unknown");
}

static void test_event_kind_names(void **state)
{
	(void)state;
	assert_string_equal(bo_event_kind_name(BO_EVENT_ACCEPTED), "accepted");
	assert_string_equal(bo_event_kind_name(BO_EVENT_BACKORDERED), "backordered");
	assert_string_equal(bo_event_kind_name(BO_EVENT_ALLOCATED), "allocated");
	assert_string_equal(bo_event_kind_name(BO_EVENT_READY), "ready");
	assert_string_equal(bo_event_kind_name(BO_EVENT_SHIPPED), "shipped");
	assert_string_equal(bo_event_kind_name(BO_EVENT_CANCELLED), "cancelled");
	assert_string_equal(bo_event_kind_name(BO_EVENT_ETA_CHANGED), "eta_changed");
	assert_string_equal(bo_event_kind_name(BO_EVENT_BACK_IN_STOCK), "back_in_stock");
	assert_string_equal(bo_event_kind_name(BO_EVENT_RELEASED), "released");
	assert_string_equal(bo_event_kind_name(0), "unknown");
	assert_string_equal(bo_event_kind_name(10), "unknown");
	assert_string_equal(bo_event_kind_name(-1), "unknown");
}

static void test_version_and_sizes(void **state)
{
	(void)state;
	assert_string_equal(bo_version(), BO_VERSION_STRING);
	assert_int_equal(bo_storage_size(), sizeof(bo_storage));
	assert_int_equal(bo_item_rec_size(), sizeof(bo_item_rec));
	assert_int_equal(bo_line_rec_size(), sizeof(bo_line_rec));
	assert_int_equal(bo_event_rec_size(), sizeof(bo_event_rec));
	assert_int_equal(bo_item_status_size(), sizeof(bo_item_status));
	assert_int_equal(bo_line_status_size(), sizeof(bo_line_status));
}

static void test_options_init(void **state)
{
	bo_options o;

	(void)state;
	memset(&o, 0x5a, sizeof(o));
	assert_ok(bo_options_init(&o, BO_OPTIONS_VERSION));
	assert_int_equal(o.version, BO_OPTIONS_VERSION);
	assert_null(o.clock);
	assert_null(o.clock_data);
	assert_null(o.default_policy);
	assert_int_equal(o.auto_dispatch, 1);
	assert_int_equal(o.exclusive, 0);
	assert_rc(bo_options_init(NULL, BO_OPTIONS_VERSION), BO_EINVALID);
	assert_rc(bo_options_init(&o, 0), BO_EINVALID);
	assert_rc(bo_options_init(&o, BO_OPTIONS_VERSION + 1), BO_EINVALID);
}

/* A caller built against version 1 of bo_options has a struct that ends
 * at auto_dispatch: the library neither writes nor reads past it (ASan
 * reports either on the exact-size allocation). */
static void test_options_version_1(void **state)
{
	size_t v1 = offsetof(bo_options, exclusive);
	unsigned char *buf = malloc(v1);
	bo_options *o = (bo_options *)buf, seen;
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_inventory *inv = NULL;
	int64_t now = 0;

	(void)state;
	assert_non_null(buf);
	assert_ok(bo_options_init(o, 1));
	memset(&seen, 0, sizeof(seen));
	memcpy(&seen, buf, v1); /* read back only what a version 1 caller has */
	assert_int_equal(seen.version, 1);
	assert_int_equal(seen.auto_dispatch, 1);
	assert_ok(bo_memory_storage(&vt, &ud));
	assert_ok(bo_inventory_open(&inv, vt, ud, o));
	assert_ok(bo_item_set(inv, "a", NULL));
	assert_ok(bo_inventory_now(&now, inv));
	bo_inventory_free(inv);
	assert_ok(bo_inventory_open_store(&inv, "memory", o));
	assert_ok(bo_item_set(inv, "a", NULL));
	bo_inventory_free(inv);
	free(buf);
}

static void test_last_error_lifecycle(void **state)
{
	const char *m;

	(void)state;
	bo_clear_error();
	assert_string_equal(bo_last_error(), "no error");
	assert_rc(bo_item_set(NULL, "a", NULL), BO_EINVALID);
	m = bo_last_error();
	assert_non_null(m);
	assert_true(strlen(m) > 0);
	assert_string_not_equal(m, "no error");
	bo_clear_error();
	assert_string_equal(bo_last_error(), "no error");
}

static void test_last_error_names_cause(void **state)
{
	th_clock clk = { T0 };
	bo_inventory *inv = th_open(&clk, NULL, 1);
	char a[512];

	(void)state;
	bo_clear_error();
	assert_rc(bo_item_receive(inv, "nosuch", 1, NULL), BO_ENOTFOUND);
	assert_has_error();
	snprintf(a, sizeof(a), "%s", bo_last_error());
	/* the message of the next failure replaces it */
	assert_rc(bo_item_receive(inv, "", 1, NULL), BO_EINVALID);
	assert_has_error();
	assert_string_not_equal(a, bo_last_error());
	th_close(inv);
}

static void test_storage_error_sets_message(void **state)
{
	(void)state;
	bo_clear_error();
	bo_storage_error("disk %s at %d", "full", 42);
	assert_non_null(strstr(bo_last_error(), "disk full at 42"));
	bo_clear_error();
}

typedef struct thread_arg {
	int before_is_clear;
	char message[512];
	int rc;
} thread_arg;

static void *other_thread(void *p)
{
	thread_arg *a = p;

	a->before_is_clear = strcmp(bo_last_error(), "no error") == 0;
	a->rc = bo_policy_builtin(NULL, "fifo");
	snprintf(a->message, sizeof(a->message), "%s", bo_last_error());
	return NULL;
}

static void test_last_error_per_thread(void **state)
{
	pthread_t t;
	thread_arg a;
	char mine[512];

	(void)state;
	memset(&a, 0, sizeof(a));
	bo_clear_error();
	assert_rc(bo_item_adjust(NULL, "x", 1), BO_EINVALID);
	snprintf(mine, sizeof(mine), "%s", bo_last_error());
	assert_string_not_equal(mine, "no error");
	assert_int_equal(pthread_create(&t, NULL, other_thread, &a), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	/* the other thread started clean and its failure stayed its own */
	assert_true(a.before_is_clear);
	assert_int_equal(a.rc, BO_EINVALID);
	assert_string_not_equal(a.message, "no error");
	assert_string_equal(bo_last_error(), mine);
	bo_clear_error();
}

static void test_queue_key_cmp(void **state)
{
	bo_queue_key a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(bo_queue_key_cmp(&a, &b), 0);
	a.k[0] = -5;
	b.k[0] = 3;
	assert_true(bo_queue_key_cmp(&a, &b) < 0); /* signed words */
	assert_true(bo_queue_key_cmp(&b, &a) > 0);
	a.k[0] = b.k[0] = 1;
	a.k[2] = INT64_MAX;
	b.k[1] = 1;
	assert_true(bo_queue_key_cmp(&a, &b) < 0); /* earlier words first */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.seq = UINT64_MAX;
	b.seq = 1;
	assert_true(bo_queue_key_cmp(&a, &b) > 0); /* seq unsigned */
	a.k[0] = INT64_MIN;
	assert_true(bo_queue_key_cmp(&a, &b) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_are_stable),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_event_kind_names),
		cmocka_unit_test(test_version_and_sizes),
		cmocka_unit_test(test_options_init),
		cmocka_unit_test(test_options_version_1),
		cmocka_unit_test(test_last_error_lifecycle),
		cmocka_unit_test(test_last_error_names_cause),
		cmocka_unit_test(test_storage_error_sets_message),
		cmocka_unit_test(test_last_error_per_thread),
		cmocka_unit_test(test_queue_key_cmp),
	};
	return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
