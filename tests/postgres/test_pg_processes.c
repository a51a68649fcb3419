/*
 * Several processes on one PostgreSQL inventory, through the library, and
 * the faults a shop's servers meet (the server named by BO_TEST_PG):
 *
 * - 8 processes run a seeded random mix of calls on a few shared items
 *   (one- and two-line placements, receipts, cancellations, shipments,
 *   modifications); every call ends in BO_OK or a business error, never
 *   BO_ESTORAGE (lost conflicts are run again inside the library). Then
 *   the invariants hold, each item's on_hand is what the children received
 *   minus what it shipped, every order a child placed is there, and a
 *   notifier gets the outbox in strictly increasing order with one
 *   `accepted` per order.
 * - 8 processes race for the one unit of a deny item, 20 times: exactly one
 *   allocation each time, the others out of stock.
 * - A process killed (SIGKILL) while it holds an item's row lock (inside a
 *   batch): another process waiting for the row goes on, nothing the killed
 *   one did not commit is visible, what it committed before is there.
 * - The server restarted (tools/pg-test-server.sh restart, when the server
 *   is one it started): a call on the old connection reconnects and
 *   succeeds; while the server is down calls fail with BO_ESTORAGE; after
 *   it is back the next call reconnects and succeeds; nothing committed
 *   is lost.
 */
#include <backorder.h>
#include <backorder/postgres.h>

#include "pgtest.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define NEED_SERVER() do { \
		if (!pgtest_base()) { \
			print_message("BO_TEST_PG (a libpq conninfo) is not set: skipped\n"); \
			skip(); \
		} \
	} while (0)

#define NCHILD 8
#define NSKU 5
#ifndef NOPS
#define NOPS 60         /* calls per child */
#endif

static const char *const skus[NSKU] = { "bolt", "gear", "nut", "pin", "axle" };

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static bo_inventory *open_inv(const char *ci)
{
	char store[1200];
	bo_inventory *inv = NULL;
	snprintf(store, sizeof(store), "postgres:%s", ci);
	if (bo_inventory_open_store(&inv, store, NULL) != BO_OK) {
		fprintf(stderr, "open: %s\n", bo_last_error());
		return NULL;
	}
	return inv;
}

static void wait_go(int fd)
{
	char c;
	ssize_t n;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
}

/* What one child of the 8-process run did, sent to the parent. */
typedef struct report {
	int64_t received[NSKU];
	int placed;
	int failed;     /* calls that ended in an unexpected status */
} report;

static int expected_status(int rc)
{
	return rc == BO_OK || rc == BO_ESTATE || rc == BO_EOUTOFSTOCK || rc == BO_EINVALID ||
	       rc == BO_ENOTFOUND;
}

static int child_run(int c, const char *ci, int go_fd, int out_fd)
{
	const int nops = getenv("BO_TEST_VALGRIND") ? NOPS / 4 : NOPS;
	bo_inventory *inv;
	report rep;
	uint32_t x = 2463534242u + (uint32_t)c * 7919u;
	char id[32];
	int i, placed = 0;

	memset(&rep, 0, sizeof(rep));
	wait_go(go_fd);
	if (!(inv = open_inv(ci)))
		return 1;
	for (i = 0; i < nops; i++) {
		uint32_t r = rnd(&x) % 100;
		int rc;
		const char *a = skus[rnd(&x) % NSKU], *b = skus[rnd(&x) % NSKU];
		if (r < 45) { /* place one or two lines (two: locks in SKU order) */
			bo_line_spec ls[2] = { { a, (int64_t)(rnd(&x) % 3 + 1), 250 },
					       { b, (int64_t)(rnd(&x) % 2 + 1), BO_NO_PRICE } };
			snprintf(id, sizeof(id), "c%d-%d", c, placed);
			rc = bo_order_place(inv, id, NULL, ls, strcmp(a, b) != 0 && r % 2 ? 2 : 1);
			if (rc == BO_OK)
				placed++;
		} else if (r < 65) {
			int64_t q = (int64_t)(rnd(&x) % 4 + 1);
			rc = bo_item_receive(inv, a, q, NULL);
			if (rc == BO_OK) {
				for (int k = 0; k < NSKU; k++)
					if (skus[k] == a)
						rep.received[k] += q;
			}
		} else if (r < 77 && placed > 0) {
			snprintf(id, sizeof(id), "c%d-%d", c, (int)(rnd(&x) % (uint32_t)placed));
			rc = bo_order_cancel(inv, id, NULL, BO_ALL); /* the whole order */
		} else if (r < 89 && placed > 0) {
			snprintf(id, sizeof(id), "c%d-%d", c, (int)(rnd(&x) % (uint32_t)placed));
			rc = bo_order_ship(inv, id, NULL, BO_ALL);
		} else if (placed > 0) {
			snprintf(id, sizeof(id), "c%d-%d", c, (int)(rnd(&x) % (uint32_t)placed));
			rc = bo_order_modify(inv, id, a, (int64_t)(rnd(&x) % 4 + 1));
		} else {
			rc = BO_OK;
		}
		if (!expected_status(rc)) {
			fprintf(stderr, "child %d op %d: %s: %s\n", c, i, bo_status_name(rc), bo_last_error());
			rep.failed++;
		}
	}
	rep.placed = placed;
	bo_inventory_free(inv);
	return write(out_fd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep) ? 0 : 1;
}

typedef struct seen {
	uint64_t last;
	int ordered;    /* sequence numbers strictly increasing */
	size_t n, accepted;
} seen;

static int watch(void *ud, const bo_event *ev)
{
	seen *s = ud;
	if (ev->seq <= s->last)
		s->ordered = 0;
	s->last = ev->seq;
	s->n++;
	if (ev->kind == BO_EVENT_ACCEPTED)
		s->accepted++;
	return 0;
}

static void test_eight_processes_invariants(void **state)
{
	char ci[1024];
	bo_inventory *inv;
	pid_t pid[NCHILD];
	int go[2], res[2], c, status, placed = 0;
	int64_t received[NSKU] = { 0 };
	report rep;
	seen sn = { 0, 1, 0, 0 };
	const bo_notifier nt = { BO_NOTIFIER_VERSION, watch, NULL };
	size_t delivered = 0;
	(void)state;
	NEED_SERVER();

	assert_int_equal(pgtest_store(ci, sizeof(ci), NULL), 0);
	assert_non_null(inv = open_inv(ci));
	for (c = 0; c < NSKU; c++) {
		assert_int_equal(bo_item_set(inv, skus[c], NULL), BO_OK);
		assert_int_equal(bo_item_receive(inv, skus[c], 3, NULL), BO_OK);
	}
	bo_inventory_free(inv);

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	for (c = 0; c < NCHILD; c++) {
		fflush(NULL);
		pid[c] = fork();
		assert_true(pid[c] >= 0);
		if (pid[c] == 0) {
			close(go[1]);
			close(res[0]);
			_exit(child_run(c, ci, go[0], res[1]));
		}
	}
	close(go[0]);
	close(res[1]);
	{
		char start[NCHILD];
		memset(start, 'g', sizeof(start));
		assert_int_equal(write(go[1], start, NCHILD), NCHILD);
	}
	close(go[1]);
	for (c = 0; c < NCHILD; c++) {
		assert_int_equal(read(res[0], &rep, sizeof(rep)), (ssize_t)sizeof(rep));
		assert_int_equal(rep.failed, 0);
		placed += rep.placed;
		for (int k = 0; k < NSKU; k++)
			received[k] += rep.received[k];
	}
	for (c = 0; c < NCHILD; c++) {
		assert_int_equal(waitpid(pid[c], &status, 0), pid[c]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	close(res[0]);

	assert_non_null(inv = open_inv(ci));
	assert_int_equal(bo_inventory_check(inv), BO_OK);
	for (c = 0; c < NSKU; c++) {
		bo_item_status st;
		assert_int_equal(bo_item_status_get(&st, inv, skus[c]), BO_OK);
		assert_int_equal(st.on_hand, 3 + received[c] - st.shipped);
	}
	for (c = 0; c < NCHILD; c++) {
		char id[32];
		bo_order *o = NULL;
		snprintf(id, sizeof(id), "c%d-0", c);
		/* (a child may have placed none: the first placements can all fail) */
		if (bo_order_get(&o, inv, id) == BO_OK)
			bo_order_free(o);
	}
	{
		/* every order every child placed is there */
		int n = 0;
		for (c = 0; c < NCHILD; c++)
			for (int k = 0;; k++) {
				char id[32];
				bo_order *o = NULL;
				snprintf(id, sizeof(id), "c%d-%d", c, k);
				if (bo_order_get(&o, inv, id) != BO_OK)
					break;
				bo_order_free(o);
				n++;
			}
		assert_int_equal(n, placed);
	}
	assert_int_equal(bo_inventory_set_notifier(inv, &nt, &sn), BO_OK);
	assert_int_equal(bo_inventory_dispatch(inv, &delivered), BO_OK);
	assert_true(sn.ordered);
	assert_int_equal(sn.accepted, (size_t)placed);
	print_message("%d orders placed by %d processes, %zu events in order\n", placed, NCHILD, sn.n);
	bo_inventory_free(inv);
}

/* ---- the race for one unit ------------------------------------------------ */

static int racer_run(int c, const char *ci, int go_fd)
{
	bo_inventory *inv = open_inv(ci);
	bo_line_spec l = { "LAST", 1, BO_NO_PRICE };
	char id[16];
	int rc;
	if (!inv)
		return 9;
	wait_go(go_fd);
	snprintf(id, sizeof(id), "r%d", c);
	rc = bo_order_place(inv, id, NULL, &l, 1);
	if (rc != BO_OK && rc != BO_EOUTOFSTOCK)
		fprintf(stderr, "racer %d: %s: %s\n", c, bo_status_name(rc), bo_last_error());
	bo_inventory_free(inv);
	return rc == BO_OK ? 0 : rc == BO_EOUTOFSTOCK ? 1 : 2;
}

static void test_race_for_one_unit(void **state)
{
	/* 20 trials; 4 under valgrind (tools/run-tests.sh sets BO_TEST_VALGRIND),
	 * where every child runs some thirty times slower */
	const int TRIALS = getenv("BO_TEST_VALGRIND") ? 4 : 20;
	int trial;
	(void)state;
	NEED_SERVER();

	for (trial = 0; trial < TRIALS; trial++) {
		char ci[1024];
		bo_inventory *inv;
		bo_item_settings st = BO_ITEM_SETTINGS_INIT;
		bo_item_status is;
		pid_t pid[NCHILD];
		int go[2], c, status, won = 0, lost = 0;

		assert_int_equal(pgtest_store(ci, sizeof(ci), NULL), 0);
		assert_non_null(inv = open_inv(ci));
		st.fields = BO_ITEM_BACKORDER;
		st.backorder = BO_BACKORDER_DENY;
		assert_int_equal(bo_item_set(inv, "LAST", &st), BO_OK);
		assert_int_equal(bo_item_receive(inv, "LAST", 1, NULL), BO_OK);
		assert_int_equal(pipe(go), 0);
		for (c = 0; c < NCHILD; c++) {
			fflush(NULL);
			pid[c] = fork();
			assert_true(pid[c] >= 0);
			if (pid[c] == 0) {
				close(go[1]);
				_exit(racer_run(c, ci, go[0]));
			}
		}
		close(go[0]);
		sleep_ms(150); /* all connected, waiting at the line */
		{
			char start[NCHILD];
			memset(start, 'g', sizeof(start));
			assert_int_equal(write(go[1], start, NCHILD), NCHILD);
		}
		close(go[1]);
		for (c = 0; c < NCHILD; c++) {
			assert_int_equal(waitpid(pid[c], &status, 0), pid[c]);
			assert_true(WIFEXITED(status));
			if (WEXITSTATUS(status) == 0)
				won++;
			else if (WEXITSTATUS(status) == 1)
				lost++;
		}
		assert_int_equal(won, 1);
		assert_int_equal(lost, NCHILD - 1);
		assert_int_equal(bo_item_status_get(&is, inv, "LAST"), BO_OK);
		assert_int_equal(is.allocated, 1);
		assert_int_equal(is.backordered, 0);
		assert_int_equal(bo_inventory_check(inv), BO_OK);
		bo_inventory_free(inv);
	}
	print_message("%d trials of %d processes for one unit: one allocation each\n", TRIALS, NCHILD);
}

/* ---- a process killed holding row locks ------------------------------------ */

static void test_killed_holding_locks(void **state)
{
	char ci[1024];
	bo_inventory *inv;
	bo_line_spec l = { "HOT", 1, BO_NO_PRICE };
	int locked[2], done[2], status;
	pid_t holder, waiter;
	bo_order *o = NULL;
	bo_item_status is;
	char c;
	(void)state;
	NEED_SERVER();

	assert_int_equal(pgtest_store(ci, sizeof(ci), NULL), 0);
	assert_non_null(inv = open_inv(ci));
	assert_int_equal(bo_item_set(inv, "HOT", NULL), BO_OK);
	assert_int_equal(bo_item_receive(inv, "HOT", 10, NULL), BO_OK);
	assert_int_equal(pipe(locked), 0);
	assert_int_equal(pipe(done), 0);

	fflush(NULL);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		bo_inventory *h = open_inv(ci);
		int ok = h && bo_order_place(h, "committed", NULL, &l, 1) == BO_OK &&
			 bo_inventory_batch_begin(h) == BO_OK &&
			 bo_order_place(h, "uncommitted", NULL, &l, 1) == BO_OK;
		/* the batch holds HOT's row until it ends: it never does */
		if (write(locked[1], ok ? "y" : "n", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_int_equal(read(locked[0], &c, 1), 1);
	assert_int_equal(c, 'y');

	fflush(NULL);
	waiter = fork();
	assert_true(waiter >= 0);
	if (waiter == 0) {
		bo_inventory *w = open_inv(ci);
		int rc = w ? bo_order_place(w, "after", NULL, &l, 1) : BO_ESTORAGE;
		if (rc != BO_OK)
			fprintf(stderr, "waiter: %s\n", bo_last_error());
		bo_inventory_free(w);
		_exit(write(done[1], rc == BO_OK ? "y" : "n", 1) == 1 ? 0 : 1);
	}
	/* the waiter waits for HOT's row */
	sleep_ms(500);
	assert_int_equal(waitpid(waiter, &status, WNOHANG), 0);
	assert_int_equal(kill(holder, SIGKILL), 0);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_true(WIFSIGNALED(status));
	/* the server rolls the killed one back when its connection goes */
	assert_int_equal(read(done[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(waitpid(waiter, &status, 0), waiter);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	assert_int_equal(bo_order_get(&o, inv, "committed"), BO_OK);
	bo_order_free(o);
	assert_int_equal(bo_order_get(&o, inv, "uncommitted"), BO_ENOTFOUND);
	assert_int_equal(bo_order_get(&o, inv, "after"), BO_OK);
	bo_order_free(o);
	assert_int_equal(bo_item_status_get(&is, inv, "HOT"), BO_OK);
	assert_int_equal(is.allocated, 2);
	assert_int_equal(bo_inventory_check(inv), BO_OK);
	close(locked[0]);
	close(locked[1]);
	close(done[0]);
	close(done[1]);
	bo_inventory_free(inv);
}

/* ---- the server restarted ---------------------------------------------------- */

/* tools/pg-test-server.sh ACTION "$BO_TEST_PG" (meson passes its path). */
static int server(const char *action)
{
	char cmd[1600];
	const char *script = getenv("BO_PG_SERVER_SCRIPT");
	snprintf(cmd, sizeof(cmd), "bash '%s' %s '%s' >/dev/null", script, action, pgtest_base());
	return system(cmd);
}

static void test_server_restart(void **state)
{
	char ci[1024];
	bo_inventory *inv;
	bo_line_spec l = { "MUG", 1, BO_NO_PRICE };
	bo_order *o = NULL;
	const char *script = getenv("BO_PG_SERVER_SCRIPT");
	(void)state;
	NEED_SERVER();
	if (!script || !strstr(pgtest_base(), "/bo-pg.")) {
		print_message("not a server tools/pg-test-server.sh started: restart test skipped\n");
		skip();
	}

	assert_int_equal(pgtest_store(ci, sizeof(ci), NULL), 0);
	assert_non_null(inv = open_inv(ci));
	assert_int_equal(bo_item_set(inv, "MUG", NULL), BO_OK);
	assert_int_equal(bo_order_place(inv, "before", NULL, &l, 1), BO_OK);

	/* restarted between two calls: the next call reconnects and succeeds */
	assert_int_equal(server("restart"), 0);
	if (bo_order_place(inv, "after-restart", NULL, &l, 1) != BO_OK)
		fail_msg("after restart: %s", bo_last_error());

	/* down: calls fail with BO_ESTORAGE, having changed nothing */
	assert_int_equal(server("halt"), 0);
	assert_int_equal(bo_order_place(inv, "while-down", NULL, &l, 1), BO_ESTORAGE);
	print_message("while down: %s\n", bo_last_error());
	assert_int_equal(bo_item_receive(inv, "MUG", 1, NULL), BO_ESTORAGE);
	/* back: the next call reconnects and succeeds */
	assert_int_equal(server("resume"), 0);
	if (bo_order_place(inv, "back", NULL, &l, 1) != BO_OK)
		fail_msg("after resume: %s", bo_last_error());
	assert_int_equal(bo_order_get(&o, inv, "before"), BO_OK);
	bo_order_free(o);
	assert_int_equal(bo_order_get(&o, inv, "after-restart"), BO_OK);
	bo_order_free(o);
	assert_int_equal(bo_order_get(&o, inv, "while-down"), BO_ENOTFOUND);
	assert_int_equal(bo_inventory_check(inv), BO_OK);
	bo_inventory_free(inv);
}

static int teardown_all(void **state)
{
	(void)state;
	pgtest_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eight_processes_invariants),
		cmocka_unit_test(test_race_for_one_unit),
		cmocka_unit_test(test_killed_holding_locks),
		cmocka_unit_test(test_server_restart),
	};
	int failures = cmocka_run_group_tests_name("postgres_processes", tests, NULL, teardown_all);

	if (failures == 0 && !pgtest_base())
		return 77;
	return failures;
}
