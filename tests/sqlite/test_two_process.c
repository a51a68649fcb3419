/*
 * Two processes interleaving operations on one SQLite file stay correct.
 *
 * The parent creates a few items in a fresh file, then forks two children.
 * Each opens the file through bo_inventory_open_store("sqlite:PATH") with
 * the default options (5 s busy timeout) and runs a seeded random mix of
 * calls on the shared items: it places its own orders, receives stock,
 * ships and cancels units of its orders, subscribes customers, and now and
 * then groups a few calls in a batch. Between calls it sleeps a little or
 * yields, so the two interleave. Every call must return BO_OK or one of
 * the business errors it can meet (BO_ESTATE, BO_EINVALID); anything else,
 * BO_ESTORAGE above all ("database is locked"), fails the child. Each child
 * sends the parent what it did (units received and shipped per item, every
 * order it placed with the units shipped and cancelled per line) through a
 * pipe.
 *
 * The parent then opens the file and checks: the invariants
 * (bo_inventory_check); per item, on_hand = received - shipped and the
 * shipped counter; every order of either child with its lines' identity and
 * figures; and the outbox, read through a notifier: sequence numbers 1..N
 * with no gap or repeat, clock times never going back, one `accepted` per
 * order, `shipped`/`cancelled` quantities per line equal to what the child
 * saw succeed, and the two children's events interleaved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <backorder.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define NSKU 4          /* shared items */
#ifndef NOPS
#define NOPS 300        /* operations per child (-DNOPS=... for a longer run) */
#endif
#ifndef NCHILD
#define NCHILD 2        /* processes (-DNCHILD=... up to 26) */
#endif
#define MAXLINES 2

static const char *const skus[NSKU] = { "bolt", "nut", "screw", "washer" };

/* ------------------------------------------------------------ reports */

typedef struct line_done {
	int32_t sku;            /* index into skus */
	int32_t reserved;
	int64_t qty;            /* placed */
	int64_t shipped;        /* units the child shipped with BO_OK */
	int64_t cancelled;      /* units the child cancelled with BO_OK */
} line_done;

typedef struct order_done {
	int32_t nlines;
	int32_t reserved;
	line_done l[MAXLINES];
} order_done;

/* What a child did; sent whole through its pipe when it is done. */
typedef struct child_report {
	int32_t done;           /* 1 once the child finished every call */
	int32_t nplaced;
	int64_t received[NSKU];
	int64_t shipped[NSKU];
	int64_t calls_ok;
	int64_t calls_refused;  /* expected business errors */
	int64_t batches;
	order_done orders[NOPS];
} child_report;

static void order_name(char *buf, size_t cap, int child, int n)
{
	snprintf(buf, cap, "%c-%d", 'a' + child, n);
}

/* ------------------------------------------------------------ the child */

typedef struct child_ctx {
	int child;
	unsigned int seed;
	bo_inventory *inv;
	child_report *rep;
} child_ctx;

static unsigned int rnd(child_ctx *c, unsigned int n)
{
	return (unsigned int)rand_r(&c->seed) % n;
}

/* A call's status: 0 if acceptable, else report it and say so. */
static int judge(child_ctx *c, const char *what, int rc, int allowed1, int allowed2)
{
	if (rc == BO_OK) {
		c->rep->calls_ok++;
		return 0;
	}
	if (rc == allowed1 || rc == allowed2) {
		c->rep->calls_refused++;
		return 0;
	}
	fprintf(stderr, "child %c: %s: %s (%s)\n", 'a' + c->child, what,
		bo_status_name(rc), bo_last_error());
	return -1;
}

/* A batch call's status (not one of the NOPS operations). */
static int batch_call(child_ctx *c, const char *what, int rc)
{
	if (rc == BO_OK)
		return 0;
	fprintf(stderr, "child %c: %s: %s (%s)\n", 'a' + c->child, what,
		bo_status_name(rc), bo_last_error());
	return -1;
}

static int op_place(child_ctx *c)
{
	child_report *r = c->rep;
	order_done *o = &r->orders[r->nplaced];
	bo_line_spec spec[MAXLINES];
	char id[32];
	int first = (int)rnd(c, NSKU), i, rc;

	memset(o, 0, sizeof(*o));
	o->nlines = 1 + (int32_t)rnd(c, MAXLINES);
	for (i = 0; i < o->nlines; i++) {
		o->l[i].sku = (first + i) % NSKU;
		o->l[i].qty = 1 + (int64_t)rnd(c, 4);
		spec[i].sku = skus[o->l[i].sku];
		spec[i].qty = o->l[i].qty;
		spec[i].unit_price = rnd(c, 2) ? 100 * (1 + (int64_t)rnd(c, 5)) : BO_NO_PRICE;
	}
	order_name(id, sizeof(id), c->child, r->nplaced);
	rc = bo_order_place(c->inv, id, NULL, spec, (size_t)o->nlines);
	if (judge(c, "place", rc, BO_OK, BO_OK) != 0)
		return -1;
	r->nplaced++;
	return 0;
}

static int op_receive(child_ctx *c)
{
	int s = (int)rnd(c, NSKU);
	int64_t qty = 1 + (int64_t)rnd(c, 6);
	int rc = bo_item_receive(c->inv, skus[s], qty, NULL);
	if (judge(c, "receive", rc, BO_OK, BO_OK) != 0)
		return -1;
	c->rep->received[s] += qty;
	return 0;
}

/* Ship or cancel a few units of a line of one of this child's orders. */
static int op_ship_or_cancel(child_ctx *c, int ship)
{
	child_report *r = c->rep;
	order_done *o;
	line_done *l;
	char id[32];
	int n, rc;
	int64_t qty;

	if (r->nplaced == 0)
		return op_receive(c);
	n = (int)rnd(c, (unsigned int)r->nplaced);
	o = &r->orders[n];
	l = &o->l[rnd(c, (unsigned int)o->nlines)];
	qty = 1 + (int64_t)rnd(c, 2);
	order_name(id, sizeof(id), c->child, n);
	if (ship) {
		/* BO_ESTATE: fewer than qty units allocated right now. */
		rc = bo_order_ship(c->inv, id, skus[l->sku], qty);
		if (judge(c, "ship", rc, BO_ESTATE, BO_ESTATE) != 0)
			return -1;
		if (rc == BO_OK) {
			l->shipped += qty;
			r->shipped[l->sku] += qty;
		}
	} else {
		/* BO_EINVALID: more than the line has left; BO_ESTATE: nothing left. */
		rc = bo_order_cancel(c->inv, id, skus[l->sku], qty);
		if (judge(c, "cancel", rc, BO_ESTATE, BO_EINVALID) != 0)
			return -1;
		if (rc == BO_OK)
			l->cancelled += qty;
	}
	return 0;
}

static int op_subscribe(child_ctx *c, int i)
{
	char customer[32];
	snprintf(customer, sizeof(customer), "cust-%c%d", 'a' + c->child, i);
	return judge(c, "subscribe", bo_item_subscribe(c->inv, skus[rnd(c, NSKU)], customer),
		     BO_OK, BO_OK);
}

/* A read outside any transaction, while the other process writes. */
static int op_read(child_ctx *c)
{
	bo_item_status st;
	int rc = bo_item_status_get(&st, c->inv, skus[rnd(c, NSKU)]);
	if (judge(c, "status", rc, BO_OK, BO_OK) != 0)
		return -1;
	if (st.on_hand < st.allocated || st.allocated < 0 || st.backordered < 0) {
		fprintf(stderr, "child %c: inconsistent read of %s: on_hand %lld allocated %lld\n",
			'a' + c->child, st.sku, (long long)st.on_hand, (long long)st.allocated);
		return -1;
	}
	return 0;
}

static int one_op(child_ctx *c, int i)
{
	unsigned int r = rnd(c, 100);
	if (r < 35)
		return op_place(c);
	if (r < 55)
		return op_receive(c);
	if (r < 78)
		return op_ship_or_cancel(c, 1);
	if (r < 92)
		return op_ship_or_cancel(c, 0);
	if (r < 96)
		return op_subscribe(c, i);
	return op_read(c);
}

static int child_run(int child, const char *store, int go_fd, int report_fd)
{
	child_report *rep = calloc(1, sizeof(*rep));
	child_ctx c;
	char go;
	int i = 0, rc = 0;
	ssize_t n;

	if (!rep)
		return 3;
	memset(&c, 0, sizeof(c));
	c.child = child;
	c.seed = 0x5eed0000u + (unsigned int)child * 7919u;
	c.rep = rep;
	if (bo_inventory_open_store(&c.inv, store, NULL) != BO_OK) {
		fprintf(stderr, "child %c: open: %s\n", 'a' + child, bo_last_error());
		free(rep);
		return 2;
	}
	/* Both children start together, once both have opened the file. */
	do
		n = read(go_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	while (i < NOPS && rc == 0) {
		if (rnd(&c, 10) == 0) {
			/* A batch of 2..4 calls: one transaction, the write lock held throughout. */
			int k, len = 2 + (int)rnd(&c, 3), brc = bo_inventory_batch_begin(c.inv);
			if (batch_call(&c, "batch_begin", brc) != 0) {
				rc = -1;
				break;
			}
			for (k = 0; k < len && i < NOPS && rc == 0; k++, i++)
				rc = one_op(&c, i);
			brc = bo_inventory_batch_end(c.inv, 1);
			if (rc == 0 && batch_call(&c, "batch_end", brc) != 0)
				rc = -1;
			rep->batches++;
		} else {
			rc = one_op(&c, i);
			i++;
		}
		if (rnd(&c, 3) == 0)
			usleep(rnd(&c, 400));
		else
			sched_yield();
	}
	bo_inventory_free(c.inv);
	rep->done = rc == 0;
	{
		const char *p = (const char *)rep;
		size_t left = sizeof(*rep);
		while (left > 0) {
			n = write(report_fd, p, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			p += n;
			left -= (size_t)n;
		}
		if (left > 0)
			rc = -1;
	}
	free(rep);
	return rc == 0 ? 0 : 1;
}

/* ------------------------------------------------------------ the parent */

typedef struct fixture {
	char dir[64];
	char path[128];
	char store[160];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/bo_2proc_XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/shared.db", f->dir);
	snprintf(f->store, sizeof(f->store), "sqlite:%s", f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[200];
	size_t i;
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Events as the notifier saw them (strings copied). */
typedef struct seen_event {
	uint64_t seq;
	int kind;
	int64_t qty;
	int64_t time;
	char order_id[BO_ID_MAX + 1];
	char sku[BO_ID_MAX + 1];
} seen_event;

typedef struct seen {
	seen_event *ev;
	size_t n, cap;
} seen;

static int record_event(void *ud, const bo_event *e)
{
	seen *s = ud;
	seen_event *x;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		seen_event *grown = realloc(s->ev, cap * sizeof(*grown));
		if (!grown)
			return 1; /* refuse: the dispatch then reports BO_ESTATE */
		s->ev = grown;
		s->cap = cap;
	}
	x = &s->ev[s->n++];
	memset(x, 0, sizeof(*x));
	x->seq = e->seq;
	x->kind = e->kind;
	x->qty = e->qty;
	x->time = e->time;
	snprintf(x->order_id, sizeof(x->order_id), "%s", e->order_id ? e->order_id : "");
	snprintf(x->sku, sizeof(x->sku), "%s", e->sku ? e->sku : "");
	return 0;
}

static int sku_index(const char *sku)
{
	int i;
	for (i = 0; i < NSKU; i++)
		if (strcmp(skus[i], sku) == 0)
			return i;
	return -1;
}

static void read_report(int fd, child_report *rep)
{
	char *p = (char *)rep;
	size_t got = 0;
	ssize_t n;
	memset(rep, 0, sizeof(*rep));
	while (got < sizeof(*rep)) {
		n = read(fd, p + got, sizeof(*rep) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* A short report means the child died before it finished. */
	if (got != sizeof(*rep))
		rep->done = 0;
}

static void test_two_processes_interleave(void **state)
{
	fixture *f = *state;
	child_report *rep = calloc(NCHILD, sizeof(*rep));
	bo_item_settings set = BO_ITEM_SETTINGS_INIT;
	bo_notifier nt = BO_NOTIFIER_INIT;
	seen *ev = calloc(1, sizeof(*ev));
	bo_inventory *inv = NULL;
	int go[2], out[NCHILD][2];
	pid_t pid[NCHILD];
	size_t pending = 0, delivered = 0, i, norders = 0;
	int c, s, status, switches = 0, last_child = -1;
	int64_t total_shipped_ev = 0, all_shipped = 0;

	assert_non_null(rep);
	assert_non_null(ev);

	/* The shared items, in a fresh file. Two have a lead time (ETAs). */
	assert_int_equal(bo_inventory_open_store(&inv, f->store, NULL), BO_OK);
	for (s = 0; s < NSKU; s++) {
		set.fields = s < 2 ? BO_ITEM_LEAD_TIME : 0;
		set.lead_time = 3600 * (s + 1);
		assert_int_equal(bo_item_set(inv, skus[s], &set), BO_OK);
	}
	bo_inventory_free(inv);
	inv = NULL;

	/* No SQLite connection is open across fork. */
	assert_int_equal(pipe(go), 0);
	for (c = 0; c < NCHILD; c++) {
		assert_int_equal(pipe(out[c]), 0);
		fflush(NULL);
		pid[c] = fork();
		assert_true(pid[c] >= 0);
		if (pid[c] == 0) {
			int k;
			close(go[1]);
			close(out[c][0]);
			for (k = 0; k < c; k++)
				close(out[k][0]);
			_exit(child_run(c, f->store, go[0], out[c][1]));
		}
		close(out[c][1]);
	}
	close(go[0]);
	{
		char start[NCHILD];
		memset(start, 'g', sizeof(start));
		assert_int_equal(write(go[1], start, NCHILD), NCHILD);
	}
	close(go[1]);
	/* Read in turn: a child blocked on a full pipe waits only for its own turn. */
	for (c = 0; c < NCHILD; c++) {
		read_report(out[c][0], &rep[c]);
		close(out[c][0]);
	}
	for (c = 0; c < NCHILD; c++) {
		assert_int_equal(waitpid(pid[c], &status, 0), pid[c]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_int_equal(rep[c].done, 1);
		assert_int_equal(rep[c].calls_ok + rep[c].calls_refused, NOPS);
		assert_true(rep[c].nplaced > 0);
		print_message("child %c: %lld ok, %lld refused, %d orders, %lld batches\n", 'a' + c,
			      (long long)rep[c].calls_ok, (long long)rep[c].calls_refused,
			      rep[c].nplaced, (long long)rep[c].batches);
	}

	assert_int_equal(bo_inventory_open_store(&inv, f->store, NULL), BO_OK);
	assert_int_equal(bo_inventory_check(inv), BO_OK);

	/* Stock: on_hand = received - shipped, summed over both children. */
	for (s = 0; s < NSKU; s++) {
		bo_item_status st;
		int64_t received = 0, shipped = 0;
		for (c = 0; c < NCHILD; c++) {
			received += rep[c].received[s];
			shipped += rep[c].shipped[s];
		}
		assert_int_equal(bo_item_status_get(&st, inv, skus[s]), BO_OK);
		assert_int_equal(st.on_hand, received - shipped);
		assert_int_equal(st.shipped, shipped);
		all_shipped += shipped;
	}
	/* Not vacuous: units did ship, so stock moved both ways. */
	assert_true(all_shipped > 0);

	/* Every order of either child, line by line. */
	for (c = 0; c < NCHILD; c++) {
		int n;
		for (n = 0; n < rep[c].nplaced; n++) {
			const order_done *o = &rep[c].orders[n];
			bo_order *ord = NULL;
			char id[32];
			int k;
			order_name(id, sizeof(id), c, n);
			assert_int_equal(bo_order_get(&ord, inv, id), BO_OK);
			assert_string_equal(bo_order_id(ord), id);
			assert_int_equal(bo_order_line_count(ord), (size_t)o->nlines);
			for (k = 0; k < o->nlines; k++) {
				bo_line_status ls;
				assert_int_equal(bo_order_line(&ls, ord, (size_t)k), BO_OK);
				assert_string_equal(ls.sku, skus[o->l[k].sku]);
				assert_int_equal(ls.ordered, o->l[k].qty);
				assert_int_equal(ls.shipped, o->l[k].shipped);
				assert_int_equal(ls.cancelled, o->l[k].cancelled);
				assert_int_equal(ls.ordered, ls.allocated + ls.backordered +
						 ls.shipped + ls.cancelled);
			}
			bo_order_free(ord);
			norders++;
		}
	}

	/* The outbox: every event of both processes, numbered without gaps. */
	assert_int_equal(bo_inventory_pending(&pending, inv), BO_OK);
	assert_true(pending > norders);
	nt.deliver = record_event;
	assert_int_equal(bo_inventory_set_notifier(inv, &nt, ev), BO_OK);
	assert_int_equal(bo_inventory_dispatch(inv, &delivered), BO_OK);
	assert_int_equal(delivered, pending);
	assert_int_equal(ev->n, pending);
	for (i = 0; i < ev->n; i++) {
		const seen_event *e = &ev->ev[i];
		assert_int_equal(e->seq, (uint64_t)i + 1);
		if (i > 0)
			assert_true(e->time >= ev->ev[i - 1].time);
		if (e->order_id[0] >= 'a' && e->order_id[0] < 'a' + NCHILD) {
			int who = e->order_id[0] - 'a';
			if (last_child >= 0 && who != last_child)
				switches++;
			last_child = who;
		}
		if (e->kind == BO_EVENT_SHIPPED)
			total_shipped_ev += e->qty;
	}
	print_message("%zu events, %d switches between the children's orders\n", ev->n, switches);
	/* Both children's work is interleaved, not one after the other. */
	assert_true(switches >= 10);

	/* Per order: one `accepted`; per line: shipped and cancelled units as the child saw. */
	for (c = 0; c < NCHILD; c++) {
		int n;
		for (n = 0; n < rep[c].nplaced; n++) {
			const order_done *o = &rep[c].orders[n];
			int64_t shipped[MAXLINES] = { 0 }, cancelled[MAXLINES] = { 0 };
			int accepted = 0, k;
			char id[32];
			order_name(id, sizeof(id), c, n);
			for (i = 0; i < ev->n; i++) {
				const seen_event *e = &ev->ev[i];
				if (strcmp(e->order_id, id) != 0)
					continue;
				if (e->kind == BO_EVENT_ACCEPTED)
					accepted++;
				for (k = 0; k < o->nlines; k++) {
					if (sku_index(e->sku) != o->l[k].sku)
						continue;
					if (e->kind == BO_EVENT_SHIPPED)
						shipped[k] += e->qty;
					else if (e->kind == BO_EVENT_CANCELLED)
						cancelled[k] += e->qty;
				}
			}
			assert_int_equal(accepted, 1);
			for (k = 0; k < o->nlines; k++) {
				assert_int_equal(shipped[k], o->l[k].shipped);
				assert_int_equal(cancelled[k], o->l[k].cancelled);
			}
		}
	}
	assert_int_equal(total_shipped_ev, all_shipped);
	assert_int_equal(bo_inventory_pending(&pending, inv), BO_OK);
	assert_int_equal(pending, 0);
	bo_inventory_free(inv);
	free(ev->ev);
	free(ev);
	free(rep);
}

/* Child of the test below: open the (maybe not yet existing) file and write. */
static int opener_run(int child, const char *store, int go_fd)
{
	bo_inventory *inv = NULL;
	char sku[16], go;
	int rc;
	ssize_t n;

	do
		n = read(go_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	snprintf(sku, sizeof(sku), "item-%d", child);
	rc = bo_inventory_open_store(&inv, store, NULL);
	if (rc == BO_OK)
		rc = bo_item_set(inv, sku, NULL);
	if (rc == BO_OK)
		rc = bo_item_receive(inv, sku, child + 1, NULL);
	if (rc != BO_OK)
		fprintf(stderr, "opener %d: %s (%s)\n", child, bo_status_name(rc), bo_last_error());
	bo_inventory_free(inv);
	return rc == BO_OK ? 0 : 1;
}

/*
 * Several processes opening a file that does not exist yet, at the same
 * moment: one creates the schema, the others wait for its lock and find it
 * made; all of them write. Repeated on fresh files to give the race chances.
 */
static void test_new_file_opened_at_once(void **state)
{
	fixture *f = *state;
	enum { OPENERS = 4, ROUNDS = 5 };
	const char *const suffix[] = { "", "-wal", "-shm" };
	int round;

	for (round = 0; round < ROUNDS; round++) {
		pid_t pid[OPENERS];
		int go[2], c, status;
		char start[OPENERS], p[200];
		bo_inventory *inv = NULL;
		size_t k;

		for (k = 0; k < sizeof(suffix) / sizeof(suffix[0]); k++) {
			snprintf(p, sizeof(p), "%s%s", f->path, suffix[k]);
			unlink(p);
		}
		assert_int_equal(pipe(go), 0);
		for (c = 0; c < OPENERS; c++) {
			fflush(NULL);
			pid[c] = fork();
			assert_true(pid[c] >= 0);
			if (pid[c] == 0) {
				close(go[1]);
				_exit(opener_run(c, f->store, go[0]));
			}
		}
		close(go[0]);
		memset(start, 'g', sizeof(start));
		assert_int_equal(write(go[1], start, OPENERS), OPENERS);
		close(go[1]);
		for (c = 0; c < OPENERS; c++) {
			assert_int_equal(waitpid(pid[c], &status, 0), pid[c]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		assert_int_equal(bo_inventory_open_store(&inv, f->store, NULL), BO_OK);
		assert_int_equal(bo_inventory_check(inv), BO_OK);
		for (c = 0; c < OPENERS; c++) {
			bo_item_status st;
			char sku[16];
			snprintf(sku, sizeof(sku), "item-%d", c);
			assert_int_equal(bo_item_status_get(&st, inv, sku), BO_OK);
			assert_int_equal(st.on_hand, c + 1);
		}
		bo_inventory_free(inv);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_processes_interleave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_file_opened_at_once, setup, teardown),
	};
	return cmocka_run_group_tests_name("sqlite_two_process", tests, NULL, NULL);
}
