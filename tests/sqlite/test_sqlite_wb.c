/*
 * The SQLite adapter's write-back (inside a transaction, item records and
 * history deltas wait in memory until commit): random transactions,
 * savepoints and rollbacks against a plain model, every read of the
 * adapter checked (item_get, item_next walks in SKU order, hist_next walks,
 * in and out of transactions, after reopening); commits that fail while the
 * waiting rows are written (a trigger refuses some values) and must leave
 * nothing changed; and the same through the inventory: a batch whose call
 * fails half-way is rolled back to its savepoint while the earlier calls'
 * waiting item writes survive, and a batch whose commit fails changes
 * nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <backorder.h>
#include <backorder/storage.h>
#include <backorder/sqlite.h>

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NSKU 24    /* "s00".."s22", and "boom" (its history refuses to be written) */
#define NDAY 5     /* days -2 .. 2 */
#define DAY0 (-2)
#define POISON 666 /* an item with this on_hand refuses to be written */
#define MAXDEPTH 6

typedef struct model {
	int has_item[NSKU];
	bo_item_rec item[NSKU];
	int has_hist[NSKU][NDAY];
	bo_hist_rec hist[NSKU][NDAY];
} model;

typedef struct fixture {
	char dir[64];
	char path[128];
	const bo_storage *vt;
	void *ud;
	uint64_t rng;
	model committed, cur;
	model sp[MAXDEPTH]; /* the state at each open savepoint */
	int depth;
	int in_txn;
	int commits_failed, commits_ok, rollbacks_to;
} fixture;

static uint32_t rnd(fixture *f, uint32_t n)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return (uint32_t)(f->rng >> 11) % n;
}

static void sku_name(char *out, size_t cap, int i)
{
	if (i == NSKU - 1)
		snprintf(out, cap, "boom");
	else
		snprintf(out, cap, "s%02d", i);
}

/* SKU indexes in bytewise order ("boom" < "s00"). */
static int sorted_index(int k)
{
	return k == 0 ? NSKU - 1 : k - 1;
}

static void make_item(bo_item_rec *r, int i, int64_t v)
{
	memset(r, 0, sizeof(*r));
	sku_name(r->sku, sizeof(r->sku), i);
	snprintf(r->policy, sizeof(r->policy), "%s", v % 2 ? "fifo" : "priority");
	r->on_hand = v;
	r->allocated = v / 2;
	r->backordered = v * 3;
	r->incoming = -v;
	r->backorder = (int32_t)(v % 3);
	r->released = (int32_t)(v % 2);
	r->max_backorder = BO_UNLIMITED;
	r->lead_time = BO_NO_TIME;
	r->release_at = v * 1000;
	r->preorder_max = v + 7;
	r->subscribers = v % 5;
	r->demand = v * 11;
	r->filled_at_once = v * 13;
	r->shipped = v * 17;
	r->cancelled = v * 19;
	r->revenue_held = INT64_MAX - v;
	r->created = v + 5;
	r->eta_time = INT64_MIN + v;
}

static int fx_open(fixture *f)
{
	return bo_sqlite_storage(&f->vt, &f->ud, f->path, NULL);
}

static void fx_close(fixture *f)
{
	if (f->ud)
		f->vt->close(f->ud);
	f->ud = NULL;
}

static void remove_files(const fixture *f)
{
	char p[160];
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", f->path);
	unlink(p);
}

/* Triggers that refuse POISON items and the history of "boom": the write-back
 * writes them only at commit, so the commit fails. */
static void add_triggers(const fixture *f)
{
	sqlite3 *db;
	char *err = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db,
			 "CREATE TRIGGER poison_ins BEFORE INSERT ON items WHEN NEW.on_hand = 666"
			 " BEGIN SELECT RAISE(ABORT, 'poison'); END;"
			 "CREATE TRIGGER poison_upd BEFORE UPDATE ON items WHEN NEW.on_hand = 666"
			 " BEGIN SELECT RAISE(ABORT, 'poison'); END;"
			 "CREATE TRIGGER boom_hist BEFORE INSERT ON history WHEN NEW.sku = 'boom'"
			 " BEGIN SELECT RAISE(ABORT, 'boom'); END;",
			 NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "triggers: %s\n", err ? err : "?");
		fail();
	}
	sqlite3_close(db);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bo_sqlwb_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	assert_int_equal(fx_open(f), BO_OK); /* makes the schema */
	add_triggers(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fx_close(f);
	remove_files(f);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ checks */

static void check_item_get(fixture *f, int i)
{
	bo_item_rec out;
	char sku[16];
	int rc;
	sku_name(sku, sizeof(sku), i);
	memset(&out, 0x5a, sizeof(out));
	rc = f->vt->item_get(f->ud, sku, &out, rnd(f, 2));
	if (f->cur.has_item[i]) {
		assert_int_equal(rc, BO_OK);
		assert_memory_equal(&out, &f->cur.item[i], sizeof(out));
	} else {
		assert_int_equal(rc, BO_ENOTFOUND);
	}
}

/* A walk of every item with item_next, from the start or from a key. */
static void check_item_walk(fixture *f)
{
	bo_item_rec out;
	char after[BO_ID_MAX + 1];
	int rc, k = 0;
	/* from the start, or after some key (stored or not) */
	if (rnd(f, 3) == 0) {
		k = (int)rnd(f, NSKU);
		sku_name(after, sizeof(after), sorted_index(k));
		if (rnd(f, 2))
			strcat(after, "-"); /* sorts after it, before the next */
		k++;
		rc = f->vt->item_next(f->ud, after, &out);
	} else {
		rc = f->vt->item_next(f->ud, NULL, &out);
	}
	for (; k < NSKU; k++) {
		int i = sorted_index(k);
		if (!f->cur.has_item[i])
			continue;
		assert_int_equal(rc, BO_OK);
		assert_memory_equal(&out, &f->cur.item[i], sizeof(out));
		snprintf(after, sizeof(after), "%s", out.sku);
		memset(&out, 0x5a, sizeof(out));
		rc = f->vt->item_next(f->ud, after, &out);
	}
	assert_int_equal(rc, BO_ENOTFOUND);
}

static void check_hist_walk(fixture *f, int i)
{
	bo_hist_rec out;
	char sku[16];
	int64_t after = INT64_MIN;
	int rc, d = 0;
	sku_name(sku, sizeof(sku), i);
	if (rnd(f, 3) == 0) {
		d = (int)rnd(f, NDAY);
		after = DAY0 + d++;
	}
	rc = f->vt->hist_next(f->ud, sku, after, &out);
	for (; d < NDAY; d++) {
		if (!f->cur.has_hist[i][d])
			continue;
		assert_int_equal(rc, BO_OK);
		assert_memory_equal(&out, &f->cur.hist[i][d], sizeof(out));
		rc = f->vt->hist_next(f->ud, sku, out.day, &out);
	}
	assert_int_equal(rc, BO_ENOTFOUND);
}

static void check_all(fixture *f)
{
	for (int i = 0; i < NSKU; i++) {
		check_item_get(f, i);
		check_hist_walk(f, i);
	}
	check_item_walk(f);
}

/* --------------------------------------------------------------- steps */

static void do_item_put(fixture *f)
{
	int i = (int)rnd(f, NSKU);
	int64_t v = rnd(f, 40) == 0 ? POISON : (int64_t)rnd(f, 500);
	unsigned char buf[sizeof(bo_item_rec)];
	bo_item_rec r;
	make_item(&r, i, v);
	/* garbage after the strings' ends: a read gives back zeros */
	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, &r, sizeof(r));
	memset(buf + offsetof(bo_item_rec, sku) + strlen(r.sku) + 1, 0xa5, sizeof(r.sku) - strlen(r.sku) - 1);
	memset(buf + offsetof(bo_item_rec, policy) + strlen(r.policy) + 1, 0xa5,
	       sizeof(r.policy) - strlen(r.policy) - 1);
	assert_int_equal(f->vt->item_put(f->ud, (const bo_item_rec *)buf), BO_OK);
	f->cur.item[i] = r;
	f->cur.has_item[i] = 1;
}

static void do_hist_add(fixture *f)
{
	int i = (int)rnd(f, NSKU), d = (int)rnd(f, NDAY);
	bo_hist_rec r, *m = &f->cur.hist[i][d];
	memset(&r, 0, sizeof(r));
	sku_name(r.sku, sizeof(r.sku), i);
	r.day = DAY0 + d;
	r.ordered = 1 + rnd(f, 9);
	r.backordered = rnd(f, 3);
	r.cancelled = rnd(f, 2);
	r.filled_lines = rnd(f, 4);
	r.wait_sum = rnd(f, 1000);
	r.wait_max = rnd(f, 500);
	r.wait_hist[rnd(f, BO_HIST_WAIT_BUCKETS)] = 1 + rnd(f, 3);
	if (rnd(f, 50) == 0)
		r.wait_sum = INT64_MAX - 5; /* saturates */
	assert_int_equal(f->vt->hist_add(f->ud, &r), BO_OK);
	if (!f->cur.has_hist[i][d]) {
		memset(m, 0, sizeof(*m));
		memcpy(m->sku, r.sku, sizeof(m->sku));
		m->day = r.day;
		f->cur.has_hist[i][d] = 1;
	}
	bo_hist_rec_add(m, &r);
}

/* Whether commit must fail: a POISON item or a history row of "boom" would be written. */
static int commit_must_fail(const fixture *f)
{
	const int b = NSKU - 1;
	for (int i = 0; i < NSKU; i++)
		if (f->cur.has_item[i] && f->cur.item[i].on_hand == POISON)
			return 1;
	for (int d = 0; d < NDAY; d++)
		if (f->cur.has_hist[b][d] &&
		    (!f->committed.has_hist[b][d] ||
		     memcmp(&f->cur.hist[b][d], &f->committed.hist[b][d], sizeof(bo_hist_rec)) != 0))
			return 1;
	return 0;
}

static void step(fixture *f)
{
	const bo_storage *vt = f->vt;
	uint32_t c;
	if (!f->in_txn) {
		c = rnd(f, 10);
		if (c == 0) { /* reopen: everything committed is in the file */
			fx_close(f);
			assert_int_equal(fx_open(f), BO_OK);
			check_all(f);
		} else if (c == 1) {
			check_all(f);
		} else {
			assert_int_equal(vt->begin(f->ud), BO_OK);
			f->in_txn = 1;
			f->depth = 0;
		}
		return;
	}
	c = rnd(f, 100);
	if (c < 30) {
		do_item_put(f);
	} else if (c < 45) {
		do_hist_add(f);
	} else if (c < 55) {
		check_item_get(f, (int)rnd(f, NSKU));
	} else if (c < 60) {
		check_item_walk(f);
	} else if (c < 64) {
		check_hist_walk(f, (int)rnd(f, NSKU));
	} else if (c < 76) {
		if (f->depth < MAXDEPTH) {
			assert_int_equal(vt->savepoint(f->ud), BO_OK);
			f->sp[f->depth++] = f->cur;
		}
	} else if (c < 84) {
		if (f->depth > 0) {
			assert_int_equal(vt->release(f->ud), BO_OK);
			f->depth--;
		}
	} else if (c < 92) {
		if (f->depth > 0) {
			assert_int_equal(vt->rollback_to(f->ud), BO_OK);
			f->cur = f->sp[--f->depth];
			f->rollbacks_to++;
			check_all(f);
		}
	} else if (c < 97) {
		int must_fail = commit_must_fail(f);
		int rc = vt->commit(f->ud);
		if (must_fail) {
			assert_int_equal(rc, BO_ESTORAGE);
			assert_int_equal(vt->rollback(f->ud), BO_OK);
			f->cur = f->committed;
			f->commits_failed++;
		} else {
			assert_int_equal(rc, BO_OK);
			f->committed = f->cur;
			f->commits_ok++;
		}
		f->in_txn = 0;
		check_all(f); /* outside the transaction: what the tables hold */
	} else {
		assert_int_equal(vt->rollback(f->ud), BO_OK);
		f->cur = f->committed;
		f->in_txn = 0;
		check_all(f);
	}
}

static void test_random_against_model(void **state)
{
	fixture *f = *state;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		f->rng = seed * 0x9e3779b97f4a7c15u;
		for (int n = 0; n < 3000; n++)
			step(f);
		if (f->in_txn) {
			assert_int_equal(f->vt->rollback(f->ud), BO_OK);
			f->cur = f->committed;
			f->in_txn = 0;
		}
		check_all(f);
	}
	/* the run went through each path often */
	assert_true(f->commits_failed > 20);
	assert_true(f->commits_ok > 50);
	assert_true(f->rollbacks_to > 50);
}

/* Many new items in one transaction (the hash index grows, item_next walks
 * a long waiting list merged with stored rows), then savepoints undo some. */
static void test_many_items(void **state)
{
	fixture *f = *state;
	const bo_storage *vt = f->vt;
	bo_item_rec r, out;
	char sku[32], after[BO_ID_MAX + 1];
	int i, n;

	assert_int_equal(vt->begin(f->ud), BO_OK);
	for (i = 0; i < 3000; i += 2) { /* even ones stored */
		make_item(&r, 0, 100000 + i);
		snprintf(r.sku, sizeof(r.sku), "k%05d", i);
		assert_int_equal(vt->item_put(f->ud, &r), BO_OK);
	}
	assert_int_equal(vt->commit(f->ud), BO_OK);
	assert_int_equal(vt->begin(f->ud), BO_OK);
	for (i = 1; i < 3000; i += 2) { /* odd ones waiting, evens rewritten */
		make_item(&r, 0, 100000 + i);
		snprintf(r.sku, sizeof(r.sku), "k%05d", i);
		assert_int_equal(vt->item_put(f->ud, &r), BO_OK);
		if (i % 4 == 1) {
			make_item(&r, 0, 200000 + i - 1);
			snprintf(r.sku, sizeof(r.sku), "k%05d", i - 1);
			assert_int_equal(vt->item_put(f->ud, &r), BO_OK);
		}
	}
	assert_int_equal(vt->savepoint(f->ud), BO_OK);
	for (i = 3000; i < 4000; i++) {
		make_item(&r, 0, 100000 + i);
		snprintf(r.sku, sizeof(r.sku), "k%05d", i);
		assert_int_equal(vt->item_put(f->ud, &r), BO_OK);
	}
	make_item(&r, 0, 77);
	snprintf(r.sku, sizeof(r.sku), "k%05d", 0);
	assert_int_equal(vt->item_put(f->ud, &r), BO_OK);
	assert_int_equal(vt->rollback_to(f->ud), BO_OK);
	for (int pass = 0; pass < 2; pass++) {
		/* a walk in SKU order sees each of 0..2999 once, with the right value */
		n = 0;
		for (int rc = vt->item_next(f->ud, NULL, &out); rc != BO_ENOTFOUND; rc = vt->item_next(f->ud, after, &out)) {
			int64_t want = n % 4 == 0 ? 200000 + n : 100000 + n;
			assert_int_equal(rc, BO_OK);
			snprintf(sku, sizeof(sku), "k%05d", n);
			assert_string_equal(out.sku, sku);
			assert_int_equal(out.on_hand, want);
			snprintf(after, sizeof(after), "%s", out.sku);
			n++;
		}
		assert_int_equal(n, 3000);
		assert_int_equal(vt->item_get(f->ud, "k03500", &out, 0), BO_ENOTFOUND);
		assert_int_equal(vt->item_get(f->ud, "k02999", &out, 0), BO_OK);
		assert_int_equal(out.on_hand, 102999);
		if (pass == 0)
			assert_int_equal(vt->commit(f->ud), BO_OK);
	}
}

/* ------------------------------------------------------ through the inventory */

static int64_t on_hand(bo_inventory *inv, const char *sku)
{
	bo_item_status st;
	assert_int_equal(bo_item_status_get(&st, inv, sku), BO_OK);
	return st.on_hand;
}

static void test_batch_through_inventory(void **state)
{
	fixture *f = *state;
	char store[160];
	bo_inventory *inv;
	bo_line_spec l = { "a", 2, BO_NO_PRICE };

	fx_close(f);
	snprintf(store, sizeof(store), "sqlite:%s", f->path);
	assert_int_equal(bo_inventory_open_store(&inv, store, NULL), BO_OK);
	assert_int_equal(bo_item_set(inv, "a", NULL), BO_OK);
	assert_int_equal(bo_item_set(inv, "b", NULL), BO_OK);
	assert_int_equal(bo_item_receive(inv, "a", 10, NULL), BO_OK);

	/* A call that fails half-way (the second line's item does not exist,
	 * after the first line's item was written) is rolled back to its
	 * savepoint; the calls before it keep their waiting writes. */
	assert_int_equal(bo_inventory_batch_begin(inv), BO_OK);
	assert_int_equal(bo_item_receive(inv, "a", 5, NULL), BO_OK);  /* a: 15 */
	assert_int_equal(bo_item_receive(inv, "b", 3, NULL), BO_OK);  /* b: 3 */
	{
		bo_line_spec two[2] = { { "a", 1, BO_NO_PRICE }, { "nope", 1, BO_NO_PRICE } };
		assert_int_not_equal(bo_order_place(inv, "o1", NULL, two, 2), BO_OK);
	}
	assert_int_equal(bo_item_adjust(inv, "a", -20), BO_EINVALID); /* below 0 */
	assert_int_equal(on_hand(inv, "a"), 15);
	assert_int_equal(bo_order_place(inv, "o2", NULL, &l, 1), BO_OK);
	assert_int_equal(bo_item_adjust(inv, "b", 1), BO_OK);
	assert_int_equal(bo_inventory_batch_end(inv, 1), BO_OK);
	{
		bo_item_status st;
		assert_int_equal(bo_item_status_get(&st, inv, "a"), BO_OK);
		assert_int_equal(st.on_hand, 15);
		assert_int_equal(st.allocated, 2);
		assert_int_equal(on_hand(inv, "b"), 4);
	}
	bo_inventory_free(inv);

	/* Reopened: the same. */
	assert_int_equal(bo_inventory_open_store(&inv, store, NULL), BO_OK);
	assert_int_equal(on_hand(inv, "a"), 15);
	assert_int_equal(on_hand(inv, "b"), 4);

	/* A batch whose commit fails (item b's row refuses to be written at
	 * on_hand 666) changes nothing, not even the rows written before. */
	assert_int_equal(bo_inventory_batch_begin(inv), BO_OK);
	assert_int_equal(bo_item_receive(inv, "a", 1, NULL), BO_OK);
	assert_int_equal(bo_order_place(inv, "o3", NULL, &l, 1), BO_OK);
	assert_int_equal(bo_item_receive(inv, "b", POISON - 4, NULL), BO_OK); /* only at commit */
	assert_int_equal(on_hand(inv, "b"), POISON);
	assert_int_not_equal(bo_inventory_batch_end(inv, 1), BO_OK);
	assert_int_equal(on_hand(inv, "a"), 15);
	assert_int_equal(on_hand(inv, "b"), 4);
	{
		bo_order *o = NULL;
		assert_int_equal(bo_order_get(&o, inv, "o3"), BO_ENOTFOUND);
	}
	/* And a single call whose commit fails the same way. */
	assert_int_not_equal(bo_item_receive(inv, "b", POISON - 4, NULL), BO_OK);
	assert_int_equal(on_hand(inv, "b"), 4);
	assert_int_equal(bo_item_receive(inv, "b", 1, NULL), BO_OK);
	assert_int_equal(on_hand(inv, "b"), 5);
	bo_inventory_free(inv);
	assert_int_equal(bo_inventory_open_store(&inv, store, NULL), BO_OK);
	assert_int_equal(on_hand(inv, "a"), 15);
	assert_int_equal(on_hand(inv, "b"), 5);
	bo_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_through_inventory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
