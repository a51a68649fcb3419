/*
 * Crash safety of the SQLite store: a child process runs a long
 * deterministic workload into a file (synchronous FULL, one transaction per
 * call) and is killed with SIGKILL at a random moment, 24 times. After each
 * kill the file must open, pass bo_inventory_check(), and hold exactly the
 * state after a whole prefix of the workload (compared with snapshots of the
 * same workload on the memory store): every call the child saw succeed is
 * there (nothing committed is lost), and nothing is half applied.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <backorder.h>
#include <backorder/memory.h>
#include <backorder/sqlite.h>

#include "snapshot.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOPS 4000
#define ROUNDS 24
#define T0 INT64_C(1767225600)

static int64_t clock_now;

static int64_t read_clock(void *ud)
{
	(void)ud;
	return clock_now;
}

static bo_inventory *open_inv(const bo_storage *vt, void *ud)
{
	bo_options o = BO_OPTIONS_INIT;
	bo_inventory *inv = NULL;
	o.clock = read_clock;
	o.auto_dispatch = 0;
	if (bo_inventory_open(&inv, vt, ud, &o) != BO_OK) {
		vt->close(ud);
		return NULL;
	}
	return inv;
}

/* Operation i of the workload; returns its status. */
static int run_op(bo_inventory *inv, int i)
{
	char id[32], sku[16];
	clock_now = T0 + i;
	if (i < 7) {
		snprintf(sku, sizeof(sku), "S%d", i);
		return bo_item_set(inv, sku, NULL);
	}
	switch (i % 5) {
	case 3:
		snprintf(sku, sizeof(sku), "S%d", (i / 5) % 7);
		return bo_item_receive(inv, sku, 5, NULL);
	case 4:
		snprintf(id, sizeof(id), "o%d", i - 4);
		return bo_order_cancel(inv, id, NULL, BO_ALL);
	default: {
		bo_line_spec l;
		snprintf(sku, sizeof(sku), "S%d", i % 7);
		snprintf(id, sizeof(id), "o%d", i);
		l.sku = sku;
		l.qty = 1 + i % 4;
		l.unit_price = 100 + i % 3;
		return bo_order_place(inv, id, NULL, &l, 1);
	}
	}
}

/* The snapshot after the first `n` calls of the workload on the memory store. */
static char *reference(int n)
{
	const bo_storage *vt;
	void *ud;
	bo_inventory *inv;
	char *snap = NULL;
	int i;
	assert_int_equal(bo_memory_storage(&vt, &ud), BO_OK);
	inv = open_inv(vt, ud);
	assert_non_null(inv);
	clock_now = T0;
	for (i = 0; i < n; i++)
		assert_int_not_equal(run_op(inv, i), BO_ESTORAGE);
	assert_int_equal(snapshot_take(&snap, inv), BO_OK);
	bo_inventory_free(inv);
	return snap;
}

/* The child: run the workload, report each finished call on `fd`. */
static void child(const char *path, int fd)
{
	const bo_storage *vt;
	void *ud;
	bo_inventory *inv;
	int i;
	if (bo_sqlite_storage(&vt, &ud, path, NULL) != BO_OK || !(inv = open_inv(vt, ud)))
		_exit(2);
	for (i = 0; i < NOPS; i++) {
		if (run_op(inv, i) == BO_ESTORAGE)
			_exit(3);
		if (write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
			_exit(4);
	}
	bo_inventory_free(inv);
	_exit(0);
}

static void remove_store(const char *path)
{
	char p[300];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void test_kill_at_random(void **state)
{
	char dir[] = "/tmp/bo_crash_XXXXXX";
	char path[64];
	int round, kills = 0;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/crash.db", dir);
	srand((unsigned)time(NULL));
	for (round = 0; round < ROUNDS; round++) {
		int fds[2], status, last = -1, v, k, found = -1;
		pid_t pid;
		const bo_storage *vt;
		void *ud;
		bo_inventory *inv;
		char *snap = NULL;
		struct timespec ts;
		long delay_us = 20000 + rand() % 400000;

		remove_store(path);
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(path, fds[1]);
		}
		close(fds[1]);
		ts.tv_sec = delay_us / 1000000;
		ts.tv_nsec = (delay_us % 1000000) * 1000;
		nanosleep(&ts, NULL);
		if (kill(pid, SIGKILL) == 0)
			kills++;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		/* Either killed, or it finished everything (exit 0). */
		assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
		while (read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
			last = v;
		close(fds[0]);

		/* The file opens, is consistent, and is a whole prefix. */
		if (last < 0 && access(path, F_OK) != 0)
			continue; /* killed before the file existed */
		assert_int_equal(bo_sqlite_storage(&vt, &ud, path, NULL), BO_OK);
		inv = open_inv(vt, ud);
		assert_non_null(inv);
		assert_int_equal(bo_inventory_check(inv), BO_OK);
		assert_int_equal(snapshot_take(&snap, inv), BO_OK);
		/* last + 1 calls returned; the next one may have committed unseen. */
		for (k = last + 1; k <= last + 2 && k <= NOPS && found < 0; k++) {
			char *want = reference(k);
			if (strcmp(snap, want) == 0)
				found = k;
			free(want);
		}
		if (found < 0)
			print_error("round %d: state after kill matches no prefix in [%d, %d]\n",
				    round, last + 1, last + 2);
		assert_true(found >= 0);
		print_message("round %2d: killed after %6ld us, %4d calls had returned, file holds the first %d\n",
			      round, delay_us, last + 1, found);
		free(snap);
		bo_inventory_free(inv);
	}
	assert_true(kills >= 20);
	remove_store(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_at_random),
	};
	return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}
