#include "helpers.h"

#include <stdlib.h>
#include <string.h>

void th_assert_invariants(bo_inventory *inv, const char *file, int line)
{
	int rc = bo_inventory_check(inv);
	if (rc != BO_OK) {
		print_error("%s:%d: invariants broken (%s): %s\n", file, line,
			    bo_status_name(rc), bo_last_error());
		fail();
	}
}

#define MAX_LIVE 16
static bo_inventory *live[MAX_LIVE];
static int autocheck = 1;

int th_autocheck(int on)
{
	int old = autocheck;

	autocheck = on;
	return old;
}

void th_check_live(const char *file, int line)
{
	int i;

	if (!autocheck)
		return;
	for (i = 0; i < MAX_LIVE; i++)
		if (live[i] != NULL)
			th_assert_invariants(live[i], file, line);
}

void th_close(bo_inventory *inv)
{
	int i;

	for (i = 0; i < MAX_LIVE; i++)
		if (live[i] == inv)
			live[i] = NULL;
	bo_inventory_free(inv);
}

void th_assert_has_error(const char *file, int line)
{
	const char *msg = bo_last_error();
	if (msg == NULL || msg[0] == '\0' || strcmp(msg, "no error") == 0) {
		print_error("%s:%d: bo_last_error() has no message (\"%s\")\n", file, line,
			    msg ? msg : "(null)");
		fail();
	}
}

int64_t th_clock_read(void *user_data)
{
	return ((th_clock *)user_data)->now;
}

bo_inventory *th_open_with(const bo_storage *vt, void *ud, th_clock *clk,
			   const char *default_policy, int auto_dispatch)
{
	bo_options opts = BO_OPTIONS_INIT;
	bo_inventory *inv = NULL;

	opts.clock = th_clock_read;
	opts.clock_data = clk;
	opts.default_policy = default_policy;
	opts.auto_dispatch = auto_dispatch;
	/* BO_TEST_EXCLUSIVE=1 runs a suite with every inventory as its
	 * store's only user (metadata cached from call to call). */
	opts.exclusive = getenv("BO_TEST_EXCLUSIVE") != NULL;
	assert_ok(bo_inventory_open(&inv, vt, ud, &opts));
	assert_non_null(inv);
	{
		int i;
		for (i = 0; i < MAX_LIVE && live[i] != NULL; i++)
			;
		if (i < MAX_LIVE)
			live[i] = inv;
	}
	return inv;
}

bo_inventory *th_open(th_clock *clk, const char *default_policy, int auto_dispatch)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;

	if (clk->now == 0)
		clk->now = T0;
	assert_ok(bo_memory_storage(&vt, &ud));
	return th_open_with(vt, ud, clk, default_policy, auto_dispatch);
}

void th_item(bo_inventory *inv, const char *sku, const char *policy, int backorder)
{
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;

	s.fields = BO_ITEM_BACKORDER;
	s.backorder = backorder;
	if (policy != NULL) {
		s.fields |= BO_ITEM_POLICY;
		s.policy = policy;
	}
	assert_ok(bo_item_set(inv, sku, &s));
}

bo_item_status th_status(bo_inventory *inv, const char *sku)
{
	bo_item_status st;

	memset(&st, 0, sizeof(st));
	assert_ok(bo_item_status_get(&st, inv, sku));
	return st;
}

bo_line_status th_line(bo_inventory *inv, const char *order_id, const char *sku)
{
	bo_order *o = NULL;
	bo_line_status ls;
	size_t i, n;

	memset(&ls, 0, sizeof(ls));
	assert_ok(bo_order_get(&o, inv, order_id));
	n = bo_order_line_count(o);
	for (i = 0; i < n; i++) {
		assert_ok(bo_order_line(&ls, o, i));
		if (strcmp(ls.sku, sku) == 0) {
			bo_order_free(o);
			return ls;
		}
	}
	bo_order_free(o);
	print_error("order %s has no line for %s\n", order_id, sku);
	fail();
	return ls;
}

int th_place(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty,
	     int64_t priority, int64_t due)
{
	bo_order_options o = BO_ORDER_OPTIONS_INIT;
	bo_line_spec l;

	o.priority = priority;
	o.due = due;
	l.sku = sku;
	l.qty = qty;
	l.unit_price = BO_NO_PRICE;
	return bo_order_place(inv, order_id, &o, &l, 1);
}

typedef struct qbuf {
	char *s;
	size_t len, cap;
} qbuf;

static int queue_cb(void *ud, const bo_waiting_line *w)
{
	qbuf *b = ud;
	size_t need = strlen(w->order_id) + 2;

	if (b->len + need + 1 > b->cap) {
		size_t cap = (b->cap + need) * 2 + 16;
		char *p = realloc(b->s, cap);
		if (p == NULL)
			return 1;
		b->s = p;
		b->cap = cap;
	}
	if (b->len > 0)
		b->s[b->len++] = ' ';
	memcpy(b->s + b->len, w->order_id, strlen(w->order_id));
	b->len += strlen(w->order_id);
	b->s[b->len] = '\0';
	return 0;
}

char *th_queue(bo_inventory *inv, const char *sku)
{
	qbuf b = { NULL, 0, 0 };

	b.s = calloc(1, 16);
	assert_non_null(b.s);
	b.cap = 16;
	assert_ok(bo_item_waiting_foreach(inv, sku, queue_cb, &b));
	return b.s;
}

static void copy_id(char *dst, const char *src)
{
	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	strncpy(dst, src, BO_ID_MAX);
	dst[BO_ID_MAX] = '\0';
}

static int rec_deliver(void *ud, const bo_event *e)
{
	th_recorder *r = ud;
	th_event *t;

	r->attempts++;
	if (r->refuse_all || (r->refuse_every != 0 && r->attempts % r->refuse_every == 0)) {
		r->refused++;
		return 1;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		th_event *p = realloc(r->ev, cap * sizeof(*p));
		if (p == NULL)
			return 1;
		r->ev = p;
		r->cap = cap;
	}
	t = &r->ev[r->n++];
	memset(t, 0, sizeof(*t));
	t->seq = e->seq;
	t->kind = e->kind;
	copy_id(t->order_id, e->order_id);
	copy_id(t->sku, e->sku);
	copy_id(t->customer, e->customer);
	t->qty = e->qty;
	t->eta = e->eta;
	t->time = e->time;
	if (r->record_location)
		copy_id(t->location, e->location);
	return 0;
}

static void rec_free(void *ud)
{
	((th_recorder *)ud)->freed++;
}

void th_recorder_attach(bo_inventory *inv, th_recorder *rec)
{
	bo_notifier n = BO_NOTIFIER_INIT;

	n.deliver = rec_deliver;
	n.free = rec_free;
	assert_ok(bo_inventory_set_notifier(inv, &n, rec));
}

void th_recorder_clear(th_recorder *rec)
{
	rec->n = 0;
}

void th_recorder_fini(th_recorder *rec)
{
	free(rec->ev);
	rec->ev = NULL;
	rec->n = rec->cap = 0;
}

static int match(const th_event *e, int kind, const char *order_id, const char *sku)
{
	return (kind == 0 || e->kind == kind) &&
	       (order_id == NULL || strcmp(e->order_id, order_id) == 0) &&
	       (sku == NULL || strcmp(e->sku, sku) == 0);
}

size_t th_count(const th_recorder *rec, int kind, const char *order_id, const char *sku)
{
	size_t i, c = 0;

	for (i = 0; i < rec->n; i++)
		c += (size_t)match(&rec->ev[i], kind, order_id, sku);
	return c;
}

int64_t th_sum_qty(const th_recorder *rec, int kind, const char *order_id, const char *sku)
{
	size_t i;
	int64_t s = 0;

	for (i = 0; i < rec->n; i++)
		if (match(&rec->ev[i], kind, order_id, sku))
			s += rec->ev[i].qty;
	return s;
}

uint64_t th_rand(th_rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

int64_t th_range(th_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(th_rand(r) % (uint64_t)(hi - lo + 1));
}

int th_fixture_setup(void **state)
{
	th_fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->clk.now = T0;
	f->inv = th_open(&f->clk, NULL, 1);
	th_recorder_attach(f->inv, &f->rec);
	*state = f;
	return 0;
}

int th_fixture_teardown(void **state)
{
	th_fixture *f = *state;

	th_close(f->inv);
	th_recorder_fini(&f->rec);
	free(f);
	return 0;
}
