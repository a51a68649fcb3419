/*
 * bench_replay_baseline.c - how fast `backorder replay` is against a
 * minimal hand-written book-keeper.
 *
 * The program generates a large, realistic trace (a shop with many SKUs:
 * orders of one to three lines, restocks, shipments, cancellations,
 * modifications, purchase orders, count corrections, subscriptions and a
 * clock that moves on), then times, --runs times each (3 by default),
 * one of each in turn:
 *
 *   baseline  a minimal C book-keeper written for this trace alone: its own
 *             parser, open-addressing hash tables, FIFO queues as linked
 *             lists, ETA promises with their basis (DESIGN §6; a call
 *             walks the lines covered by supply and the lines it moved,
 *             never the uncovered rest), counters for events; no storage
 *             abstraction, no transactions, no outbox;
 *   backorder `backorder replay --store memory FILE` (output to /dev/null),
 *             the real program over the real library.
 *
 * and prints both medians and their ratio (the goal: backorder <= 1.5x),
 * and the median of the ratios of each pair of runs (taken back to back,
 * they saw the same machine load; on a shared, noisy machine that figure
 * moves least).
 * It also counts the lines each one rejected. The baseline keeps DESIGN's
 * fifo semantics (take-back from the lines last in fifo order, which wait
 * again at their place; modify up moves a line to the back), so the counts
 * are equal: both did the same work.
 *
 * --check turns it into a differential test (a meson test of the trace
 * suite): one run of each, then the lines rejected and the final state (the
 * --dump format of TRACE.md, ETAs included) must be identical, and so must
 * the number of eta_changed events (see check()). The baseline also checks
 * itself there: after every call, the basis each waiting line of a touched
 * item holds must be the one a walk of its whole queue gives.
 *
 * --bare (issue 15) puts the bare book-keeper of bare.c in the baseline's
 * place: items and orders in hash maps, one fifo queue per item, on_hand
 * and allocated only; no ETAs, no events, no undo. It replays the traces
 * of `--shape fifo` (orders, restocks, shipments and cancellations over
 * many SKUs; see generate_fifo()), so the cost of the library's contract
 * shows. Each run also reports the peak resident memory and the user and
 * system time of both (their rusage), and the median of the paired memory
 * ratios. `--growth N` measures the per-line cost at N orders and at
 * --orders on the same SKUs, and compares how each side's cost grows.
 *
 * usage: bench_replay_baseline [--shape mixed|fifo] [--lines N] [--orders N] [--skus N]
 *                              [--seed S] [--bare] [--growth N] [--backorder PATH]
 *                              [--trace FILE] [--write FILE] [--check] [--runs N]
 *   --shape        mixed (default; --lines N trace lines over 400 SKUs) or
 *                  fifo (--orders N, default 1000000, over --skus N, default 10000)
 *   --bare         compare with the bare book-keeper (bare.c); fifo traces only
 *   --growth N     with --shape fifo: per-line cost growth from N orders to --orders
 *   --baseline-only --trace FILE
 *                  one run of the baseline (or --bare) in this process, for profilers
 *   --check        compare rejected lines and dumps; exit 1 if they differ
 *   --write FILE   only write the generated trace to FILE and exit
 *   --trace FILE   use FILE instead of generating one
 *   --backorder    the program (default: ../tools/backorder next to this
 *                  program, or $BACKORDER)
 *   --errors FILE  write the line numbers the baseline rejected (first run)
 *   --runs N       time N runs of each (1..99, default 3)
 *   --in-process   time the baseline inside this process, as releases up to
 *                  2026-11-30 did: from the second run on it reuses the heap
 *                  the first one freed, and pays fewer page faults than a
 *                  program of its own. By default each run is a child
 *                  process, timed from fork to exit like `backorder`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "bare.h"

/* ------------------------------------------------------------------ */
/* Trace generator */

#define GEN_SKUS 400
#define GEN_LAG 2000 /* orders between placing and shipping */
#define GEN_T0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static long rnd_in(long lo, long hi)
{
	return lo + (long)(rnd() % (uint64_t)(hi - lo + 1));
}

static void fmt_time(char *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int generate(const char *path, long nlines, uint64_t seed)
{
	FILE *f = fopen(path, "w");
	int *order_sku;
	long norders = 0, ship_next = 0, i, cap = nlines + 1;
	int64_t now = GEN_T0;
	char tb[24];

	if (f == NULL) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	order_sku = malloc((size_t)cap * sizeof(*order_sku));
	if (order_sku == NULL) {
		fclose(f);
		return -1;
	}
	rng_state = seed ? seed : 1;
	fprintf(f, "# generated by bench_replay_baseline: %ld lines, seed %" PRIu64 "\n", nlines, seed);
	for (i = 0; i < GEN_SKUS; i++) {
		if (i % 10 == 0)
			fprintf(f, "item SKU-%05ld lead_time=%ld\n", i, rnd_in(3, 30));
		else
			fprintf(f, "item SKU-%05ld\n", i);
		fprintf(f, "receive SKU-%05ld %ld\n", i, rnd_in(5, 40));
	}
	/* Orders ship mostly in placement order, about LAG orders after they
	 * were placed, as a warehouse works through them; so the number of
	 * open orders stays bounded, as in a real shop. */
	for (i = 2 * GEN_SKUS + 1; i < nlines; i++) {
		long r = rnd_in(0, 99);
		long sku = rnd_in(0, GEN_SKUS - 1);

		if (r < 1) {
			now += rnd_in(1, 900);
			fmt_time(tb, now);
			fprintf(f, "at %s\n", tb);
		} else if (r < 31) {
			long nl = rnd_in(1, 3), k;

			fprintf(f, "place O%07ld", norders);
			if (rnd_in(0, 9) == 0)
				fprintf(f, " price:SKU-%05ld=%ld", sku, rnd_in(500, 50000));
			for (k = 0; k < nl; k++)
				fprintf(f, " SKU-%05ld:%ld", (sku + k * 37) % GEN_SKUS, rnd_in(1, 3));
			fputc('\n', f);
			order_sku[norders++] = (int)sku;
		} else if (r < 51) {
			if (rnd_in(0, 3) == 0)
				fprintf(f, "receive SKU-%05ld %ld supply=PO%ld\n", sku, rnd_in(1, 12), rnd_in(1, 2));
			else
				fprintf(f, "receive SKU-%05ld %ld\n", sku, rnd_in(1, 12));
		} else if (r < 81 && norders > 0) {
			long o;

			if (rnd_in(0, 4) > 0 && ship_next + GEN_LAG < norders)
				o = ship_next++;
			else
				o = norders - 1 - rnd_in(0, norders < GEN_LAG ? norders - 1 : GEN_LAG - 1);
			fprintf(f, "ship O%07ld\n", o);
		} else if (r < 87 && norders > 0) {
			long o = norders - 1 - rnd_in(0, norders < GEN_LAG ? norders - 1 : GEN_LAG - 1);

			if (rnd_in(0, 1))
				fprintf(f, "cancel O%07ld\n", o);
			else
				fprintf(f, "cancel O%07ld SKU-%05d 1\n", o, order_sku[o]);
		} else if (r < 91 && norders > 0) {
			long o = norders - 1 - rnd_in(0, norders < GEN_LAG ? norders - 1 : GEN_LAG - 1);

			fprintf(f, "modify O%07ld SKU-%05d %ld\n", o, order_sku[o], rnd_in(1, 4));
		} else if (r < 96) {
			fmt_time(tb, now + rnd_in(1, 30) * 86400);
			fprintf(f, "incoming SKU-%05ld PO%ld %ld %s\n", sku, rnd_in(1, 2), rnd_in(5, 50), tb);
		} else if (r < 98) {
			fprintf(f, "adjust SKU-%05ld %ld\n", sku, rnd_in(0, 1) ? rnd_in(1, 3) : -1);
		} else {
			fprintf(f, "subscribe SKU-%05ld C%ld\n", sku, rnd_in(0, 99999));
		}
	}
	free(order_sku);
	if (fclose(f) != 0)
		return -1;
	return 0;
}

/* --shape fifo (issue 15): `norders` orders over `nskus` SKUs, fifo only,
 * with restocks, shipments and cancellations, and nothing else: no lead
 * times, no supply records, no prices, no clock. Each order has one line
 * (75%), two (20%) or three (5%) of 1 to 3 units; for every 4 orders there
 * is about one other line: restocks (of 4 to 32 units, about 70% of the
 * units ordered, so queues grow as a backordering shop's do), shipments of
 * the oldest orders first, and cancellations (whole orders or one unit of
 * a line) among the last FIFO_LAG orders. 1,000,000 orders over 10,000
 * SKUs make 1.27M trace lines. Bare book-keeping (bare.c) replays it. */
#define FIFO_LAG 2000

static int generate_fifo(const char *path, long norders, long nskus, uint64_t seed)
{
	FILE *f = fopen(path, "w");
	int32_t *order_sku;
	long placed = 0, ship_next = 0, i;

	if (f == NULL) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (nskus < 100)
		nskus = 100; /* an order's SKUs are 37 apart: distinct */
	order_sku = malloc((size_t)(norders + 1) * sizeof(*order_sku));
	if (order_sku == NULL) {
		fclose(f);
		return -1;
	}
	rng_state = seed ? seed : 1;
	fprintf(f, "# generated by bench_replay_baseline --shape fifo: %ld orders, %ld SKUs, seed %" PRIu64 "\n",
		norders, nskus, seed);
	for (i = 0; i < nskus; i++)
		fprintf(f, "item SKU-%05ld\nreceive SKU-%05ld %ld\n", i, i, rnd_in(5, 40));
	while (placed < norders) {
		long r = rnd_in(0, 99), sku = rnd_in(0, nskus - 1);

		if (r < 80) {
			long nl = r < 60 ? 1 : r < 76 ? 2 : 3, k;

			fprintf(f, "place O%07ld", placed);
			for (k = 0; k < nl; k++)
				fprintf(f, " SKU-%05ld:%ld", (sku + k * 37) % nskus, rnd_in(1, 3));
			fputc('\n', f);
			order_sku[placed++] = (int32_t)sku;
		} else if (r < 88) {
			fprintf(f, "receive SKU-%05ld %ld\n", sku, rnd_in(4, 32));
		} else if (r < 96) {
			if (ship_next + FIFO_LAG < placed)
				fprintf(f, "ship O%07ld\n", ship_next++);
			else if (placed > 0)
				fprintf(f, "ship O%07ld\n", placed - 1 - rnd_in(0, placed - 1));
		} else if (placed > 0) {
			long o = placed - 1 - rnd_in(0, placed < FIFO_LAG ? placed - 1 : FIFO_LAG - 1);

			if (rnd_in(0, 1))
				fprintf(f, "cancel O%07ld\n", o);
			else
				fprintf(f, "cancel O%07ld SKU-%05d 1\n", o, order_sku[o]);
		}
	}
	free(order_sku);
	if (fclose(f) != 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The baseline book-keeper */

#define NO_TIME INT64_MIN
#define MAX_LINES 16
#define ID_MAX 64

/* What a promise rests on (DESIGN §6): none (the line does not wait, or
 * waits since this call and is not settled yet), a supply record's
 * expected time, the item's lead time, or nothing known. */
enum { B_NONE, B_SUPPLY, B_LEAD, B_UNKNOWN };

typedef struct bline {
	int item;
	int64_t ordered, allocated, waiting, shipped, cancelled;
	int64_t eta;            /* the promise: kept while its basis stays */
	int64_t bbase, brel;    /* its basis: record time or lead time, and release time */
	int bkind;              /* B_* */
	uint32_t pend_call;     /* call in which it joined or moved in the queue */
	uint32_t done_call;     /* call that settled it */
	uint32_t bo_call;       /* call that gave it a backordered event (take-back, modify up) */
	uint64_t qpos;          /* place in fifo order: set when placed or moved back */
	long prev, next;        /* waiting queue links (line handles), -1 = none */
	long hprev, hnext;      /* links among the item's lines holding allocated units */
	int queued;
	int holding;
} bline;

typedef struct border {
	char id[ID_MAX + 1];
	int nlines;
	long first;             /* handle of its first line in the line pool */
} border;

typedef struct bsupply {
	char id[ID_MAX + 1];
	int64_t qty, when;
} bsupply;

typedef struct bitem {
	char sku[ID_MAX + 1];
	int64_t on_hand, allocated, waiting, lead;
	int64_t release;        /* release time (generated traces have no preorders) */
	long nsupplied;         /* waiting lines whose promise rests on a supply record */
	int touched;            /* listed in book.touched for this call */
	int changed;            /* demand or supply changed beyond appends at the back */
	int all;                /* every line's basis changed (lead time) */
	long head, tail;        /* waiting queue */
	long hhead, htail;      /* lines holding allocated units, in fifo order */
	bsupply *sup;
	int nsup, capsup;
	int subscribers;
} bitem;

typedef struct book {
	bitem *items;
	long nitems, capitems;
	border *orders;
	long norders, caporders;
	bline *lines;
	long nlines, caplines;
	long *ihash, *ohash;    /* open addressing: index + 1, 0 = empty */
	size_t ihcap, ohcap;
	int64_t now;
	uint64_t qseq;          /* last qpos handed out */
	uint32_t call;          /* the current call (trace line), from 1 */
	long *touched;          /* items whose ETAs are settled at the end of the call */
	long ntouched, captouched;
	long *pend;             /* lines that joined or moved in a queue in this call */
	long npend, cappend;
	uint64_t events;
	uint64_t eta_changed;   /* of which eta_changed events (DESIGN §6: every line but a new one) */
	uint64_t eta_riders;    /* of those, on lines with a backordered event in the same call */
	uint64_t errors;
} book;

static uint64_t hash_id(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	while (*s)
		h = (h ^ (unsigned char)*s++) * UINT64_C(1099511628211);
	return h;
}

static int grow_arr(void **p, long *cap, long need, size_t size)
{
	long n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, (size_t)n * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* find: returns index or -1; slot receives the probe position */
static long item_find(book *b, const char *sku, size_t *slot)
{
	size_t m = b->ihcap - 1, i = hash_id(sku) & m;

	while (b->ihash[i]) {
		long k = b->ihash[i] - 1;

		if (strcmp(b->items[k].sku, sku) == 0) {
			*slot = i;
			return k;
		}
		i = (i + 1) & m;
	}
	*slot = i;
	return -1;
}

static long order_find(book *b, const char *id, size_t *slot)
{
	size_t m = b->ohcap - 1, i = hash_id(id) & m;

	while (b->ohash[i]) {
		long k = b->ohash[i] - 1;

		if (strcmp(b->orders[k].id, id) == 0) {
			*slot = i;
			return k;
		}
		i = (i + 1) & m;
	}
	*slot = i;
	return -1;
}

static int rehash(long **tab, size_t *cap, long n, const char *(*key)(book *, long), book *b)
{
	size_t nc = *cap * 2, m = nc - 1;
	long *t = calloc(nc, sizeof(*t)), k;

	if (t == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		size_t i = hash_id(key(b, k)) & m;

		while (t[i])
			i = (i + 1) & m;
		t[i] = k + 1;
	}
	free(*tab);
	*tab = t;
	*cap = nc;
	return 0;
}

static const char *item_key(book *b, long k) { return b->items[k].sku; }
static const char *order_key(book *b, long k) { return b->orders[k].id; }

static void q_remove(book *b, bitem *it, long h)
{
	bline *l = &b->lines[h];

	if (!l->queued)
		return;
	if (l->prev >= 0)
		b->lines[l->prev].next = l->next;
	else
		it->head = l->next;
	if (l->next >= 0)
		b->lines[l->next].prev = l->prev;
	else
		it->tail = l->prev;
	l->queued = 0;
}

static void q_append(book *b, bitem *it, long h)
{
	bline *l = &b->lines[h];

	l->prev = it->tail;
	l->next = -1;
	if (it->tail >= 0)
		b->lines[it->tail].next = h;
	else
		it->head = h;
	it->tail = h;
	l->queued = 1;
}

/* Insert line h into the waiting queue at its fifo place (from the head:
 * lines taken back are old, so the walk is short). */
static void q_insert(book *b, bitem *it, long h)
{
	bline *l = &b->lines[h];
	long at = it->head;

	while (at >= 0 && b->lines[at].qpos < l->qpos)
		at = b->lines[at].next;
	if (at < 0) {
		q_append(b, it, h);
		return;
	}
	l->next = at;
	l->prev = b->lines[at].prev;
	if (l->prev >= 0)
		b->lines[l->prev].next = h;
	else
		it->head = h;
	b->lines[at].prev = h;
	l->queued = 1;
}

/* Keep the item's list of lines holding allocated units in step with
 * l->allocated, in fifo order (take-back starts from its tail: DESIGN
 * takes allocations back from the lines last in policy order). New
 * holders are mostly recent lines, so the walk starts at the tail. */
static void holders_sync(book *b, bitem *it, long h)
{
	bline *l = &b->lines[h];

	if (l->allocated > 0 && !l->holding) {
		long at = it->htail;

		while (at >= 0 && b->lines[at].qpos > l->qpos)
			at = b->lines[at].hprev;
		l->hprev = at;
		l->hnext = at >= 0 ? b->lines[at].hnext : it->hhead;
		if (at >= 0)
			b->lines[at].hnext = h;
		else
			it->hhead = h;
		if (l->hnext >= 0)
			b->lines[l->hnext].hprev = h;
		else
			it->htail = h;
		l->holding = 1;
	} else if (l->allocated == 0 && l->holding) {
		if (l->hprev >= 0)
			b->lines[l->hprev].hnext = l->hnext;
		else
			it->hhead = l->hnext;
		if (l->hnext >= 0)
			b->lines[l->hnext].hprev = l->hprev;
		else
			it->htail = l->hprev;
		l->holding = 0;
	}
}

static int sup_cmp(const void *a, const void *b)
{
	const bsupply *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return strcmp(x->id, y->id); /* ties by supply id */
}

/* ETA promises (DESIGN §6), written for this book-keeper.
 *
 * A line's basis is the expected time of the supply record that covers it,
 * or the lead time (or nothing) if none does, plus the release time. At the
 * end of each call, touched items settle their lines: a line whose basis is
 * the same keeps its ETA; one whose basis changed is promised anew at `now`.
 *
 * The walk follows the change. Lines covered now form a prefix of the
 * queue, and so did the lines covered at the end of the last call. Lines
 * that did not join or move in the queue in this call keep their order,
 * so the walk goes from the head through every line covered now, and on
 * until it has passed every such line that is still promised on a record
 * (it->nsupplied counts them); the rest are uncovered and were uncovered,
 * on the same basis. Lines that joined or moved (the pending list) are
 * settled on their own if the walk did not reach them. With no supply and
 * no line promised on a record, the walk stops at the head. */
static void touch(book *b, bitem *it, int changed)
{
	if (!it->touched) {
		if (grow_arr((void **)&b->touched, &b->captouched, b->ntouched + 1, sizeof(long)) != 0) {
			fprintf(stderr, "bench: out of memory\n");
			exit(2);
		}
		b->touched[b->ntouched++] = it - b->items;
		it->touched = 1;
	}
	it->changed |= changed;
}

/* Line h joined its queue or moved in it: it is settled at the end of the call. */
static void pend(book *b, long h, int changed)
{
	bline *l = &b->lines[h];

	touch(b, &b->items[l->item], changed);
	if (l->pend_call == b->call)
		return;
	if (grow_arr((void **)&b->pend, &b->cappend, b->npend + 1, sizeof(long)) != 0) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	b->pend[b->npend++] = h;
	l->pend_call = b->call;
}

static void set_basis(bitem *it, bline *l, int kind, int64_t base)
{
	it->nsupplied += (kind == B_SUPPLY) - (l->bkind == B_SUPPLY);
	l->bkind = kind;
	l->bbase = base;
	l->brel = it->release;
}

/* A line that stops waiting holds no promise; if it waits again, it is new. */
static void drop_promise(bitem *it, bline *l)
{
	set_basis(it, l, B_NONE, 0);
	l->brel = NO_TIME;
	l->eta = NO_TIME;
}

/* Give line l the basis (kind, base): keep its ETA if the basis is the one
 * it holds, else promise anew. A new line's ETA travels on its backordered
 * event; any other line whose date moves gets an eta_changed event. */
static void settle_line(book *b, bitem *it, bline *l, int kind, int64_t base)
{
	int64_t eta;

	l->done_call = b->call;
	if (l->bkind == kind && l->bbase == base && l->brel == it->release)
		return;
	if (kind == B_SUPPLY)
		eta = base > b->now ? base : b->now;
	else if (kind == B_LEAD)
		eta = b->now + base;
	else
		eta = NO_TIME;
	if (eta != NO_TIME && it->release != NO_TIME && eta < it->release)
		eta = it->release;
	if (l->bkind != B_NONE && eta != l->eta) {
		b->events++;
		b->eta_changed++;
		b->eta_riders += l->bo_call == b->call;
	}
	l->eta = eta;
	set_basis(it, l, kind, base);
}

/* The record covering demand d (units up to and including a line): the
 * first at which unallocated stock plus the records so far reach d, with
 * *s and *have carried from line to line along the queue. Returns its
 * index, or -1 if none does. */
static int cover(const bitem *it, int64_t d, int *s, int64_t *have)
{
	while (*s < it->nsup && (*s == 0 || *have < d))
		*have += it->sup[(*s)++].qty;
	return *s > 0 && *have >= d ? *s - 1 : -1;
}

static void settle_item(book *b, bitem *it)
{
	int64_t have = it->on_hand > it->allocated ? it->on_hand - it->allocated : 0;
	int64_t demand = 0;
	int ukind = it->lead >= 0 ? B_LEAD : B_UNKNOWN, s = 0, j;
	int64_t ubase = it->lead >= 0 ? it->lead : 0;
	long target = it->nsupplied, seen = 0, i, h;

	if (!it->changed && !it->all) {
		/* Only lines appended at the back: the demand up to each is the
		 * item's waiting units less those behind it. */
		int64_t upto = it->waiting;

		for (h = it->tail; h >= 0 && b->lines[h].pend_call == b->call; h = b->lines[h].prev) {
			bline *l = &b->lines[h];

			s = 0;
			have = it->on_hand > it->allocated ? it->on_hand - it->allocated : 0;
			j = cover(it, upto, &s, &have);
			if (j >= 0)
				settle_line(b, it, l, B_SUPPLY, it->sup[j].when);
			else
				settle_line(b, it, l, ukind, ubase);
			upto -= l->waiting;
		}
		return;
	}
	/* Lines that moved this call are not where their stored basis was
	 * made: the walk does not count them. */
	for (i = 0; i < b->npend; i++) {
		bline *l = &b->lines[b->pend[i]];

		if (&b->items[l->item] == it && l->bkind == B_SUPPLY)
			target--;
	}
	for (h = it->head; h >= 0; h = b->lines[h].next) {
		bline *l = &b->lines[h];

		demand += l->waiting;
		j = cover(it, demand, &s, &have);
		if (j < 0 && !it->all && seen == target)
			break;
		if (l->bkind == B_SUPPLY && l->pend_call != b->call)
			seen++;
		if (j >= 0)
			settle_line(b, it, l, B_SUPPLY, it->sup[j].when);
		else
			settle_line(b, it, l, ukind, ubase);
	}
	/* Pending lines the walk did not reach queue after an uncovered line. */
	for (i = 0; i < b->npend; i++) {
		bline *l = &b->lines[b->pend[i]];

		if (&b->items[l->item] == it && l->waiting > 0 && l->done_call != b->call)
			settle_line(b, it, l, ukind, ubase);
	}
}

/* --check: after each call, the stored basis of every waiting line of a
 * touched item must be the one a walk of the whole queue finds, so the
 * walk that follows the change above is checked against the plain rule. */
static int verify_bases;

static void verify_item(const book *b, const bitem *it)
{
	int64_t have = it->on_hand > it->allocated ? it->on_hand - it->allocated : 0, demand = 0;
	long nsupplied = 0, h;
	int s = 0, j;

	for (h = it->head; h >= 0; h = b->lines[h].next) {
		const bline *l = &b->lines[h];
		int kind;
		int64_t base;

		demand += l->waiting;
		j = cover(it, demand, &s, &have);
		kind = j >= 0 ? B_SUPPLY : it->lead >= 0 ? B_LEAD : B_UNKNOWN;
		base = j >= 0 ? it->sup[j].when : it->lead >= 0 ? it->lead : 0;
		nsupplied += kind == B_SUPPLY;
		if (l->bkind != kind || l->bbase != base || l->brel != it->release) {
			fprintf(stderr, "bench: call %" PRIu32 ": line %ld of %s holds basis %d/%" PRId64
				", the queue says %d/%" PRId64 "\n", b->call, h, it->sku, l->bkind, l->bbase, kind, base);
			exit(3);
		}
	}
	if (nsupplied != it->nsupplied) {
		fprintf(stderr, "bench: call %" PRIu32 ": %s counts %ld lines on supply, the queue %ld\n", b->call,
			it->sku, it->nsupplied, nsupplied);
		exit(3);
	}
}

/* The end of a call: settle the ETAs of the items it touched. */
static void settle_call(book *b)
{
	long i;

	for (i = 0; i < b->ntouched; i++) {
		bitem *it = &b->items[b->touched[i]];

		settle_item(b, it);
		if (verify_bases)
			verify_item(b, it);
		it->touched = it->changed = it->all = 0;
	}
	b->ntouched = 0;
	b->npend = 0;
	b->call++;
}

static void fill(book *b, bitem *it)
{
	while (it->head >= 0 && it->on_hand > it->allocated) {
		long h = it->head;
		bline *l = &b->lines[h];
		int64_t take = it->on_hand - it->allocated;

		if (take > l->waiting)
			take = l->waiting;
		l->waiting -= take;
		l->allocated += take;
		it->waiting -= take;
		it->allocated += take;
		b->events++;
		holders_sync(b, it, h);
		if (l->waiting == 0) {
			q_remove(b, it, h);
			drop_promise(it, l);
		}
	}
	if (it->subscribers && it->on_hand > it->allocated) {
		b->events += (uint64_t)it->subscribers;
		it->subscribers = 0;
	}
}

/* Take allocations back from the lines last in fifo order; they wait again
 * at their place in the queue. */
static void take_back(book *b, bitem *it)
{
	while (it->allocated > it->on_hand && it->htail >= 0) {
		long h = it->htail;
		bline *l = &b->lines[h];
		int64_t give = it->allocated - it->on_hand;

		if (give > l->allocated)
			give = l->allocated;
		l->allocated -= give;
		l->waiting += give;
		it->allocated -= give;
		it->waiting += give;
		holders_sync(b, it, h);
		l->bo_call = b->call;
		if (!l->queued) {
			q_insert(b, it, h);
			pend(b, h, 1);
		}
		b->events++;
	}
}

static int64_t num(const char *s, int *ok)
{
	int64_t v = 0;
	int neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0')
		*ok = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9') {
			*ok = 0;
			return 0;
		}
		v = v * 10 + (*s - '0');
	}
	return neg ? -v : v;
}

static int64_t parse_time(const char *s, int *ok)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
				      &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		*ok = 0;
		return 0;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static long get_item(book *b, const char *sku)
{
	size_t slot;

	return item_find(b, sku, &slot);
}

static int op_item(book *b, char **tok, int n)
{
	size_t slot;
	long k = item_find(b, tok[1], &slot);
	int i, ok = 1;

	if (k < 0) {
		bitem *it;

		if (grow_arr((void **)&b->items, &b->capitems, b->nitems + 1, sizeof(bitem)))
			return -1;
		k = b->nitems++;
		it = &b->items[k];
		memset(it, 0, sizeof(*it));
		snprintf(it->sku, sizeof(it->sku), "%s", tok[1]);
		it->head = it->tail = -1;
		it->hhead = it->htail = -1;
		it->lead = -1;
		it->release = NO_TIME;
		b->ihash[slot] = k + 1;
		if ((size_t)b->nitems * 2 > b->ihcap && rehash(&b->ihash, &b->ihcap, b->nitems, item_key, b))
			return -1;
	}
	for (i = 2; i < n; i++) {
		if (strncmp(tok[i], "lead_time=", 10) == 0) {
			int64_t lead = num(tok[i] + 10, &ok) * 86400;

			if (ok && lead != b->items[k].lead) {
				b->items[k].lead = lead;
				b->items[k].all = 1; /* the basis of every uncovered line */
				touch(b, &b->items[k], 1);
			}
		}
	}
	return ok ? 0 : 1;
}

static int op_place(book *b, char **tok, int n)
{
	size_t slot;
	long o = order_find(b, tok[1], &slot), k[MAX_LINES];
	int64_t q[MAX_LINES];
	int i, nl = 0, ok = 1;
	border *ord;

	if (o >= 0)
		return 1; /* a repeat (the generator never repeats) */
	for (i = 2; i < n; i++) {
		char *c;

		if (strchr(tok[i], '=') != NULL)
			continue; /* price:, priority=, due= */
		c = strchr(tok[i], ':');
		if (c == NULL || nl == MAX_LINES)
			return 1;
		*c = '\0';
		k[nl] = get_item(b, tok[i]);
		q[nl] = num(c + 1, &ok);
		if (k[nl] < 0 || !ok || q[nl] < 1)
			return 1;
		nl++;
	}
	if (nl == 0)
		return 1;
	if (grow_arr((void **)&b->orders, &b->caporders, b->norders + 1, sizeof(border)) ||
	    grow_arr((void **)&b->lines, &b->caplines, b->nlines + nl, sizeof(bline)))
		return -1;
	o = b->norders++;
	ord = &b->orders[o];
	snprintf(ord->id, sizeof(ord->id), "%s", tok[1]);
	ord->nlines = nl;
	ord->first = b->nlines;
	b->ohash[slot] = o + 1;
	if ((size_t)b->norders * 2 > b->ohcap && rehash(&b->ohash, &b->ohcap, b->norders, order_key, b))
		return -1;
	b->events++; /* accepted */
	for (i = 0; i < nl; i++) {
		long h = b->nlines++;
		bline *l = &b->lines[h];
		bitem *it = &b->items[k[i]];
		int64_t take = 0;

		memset(l, 0, sizeof(*l));
		l->item = (int)k[i];
		l->ordered = q[i];
		l->eta = NO_TIME;
		l->brel = NO_TIME;
		l->qpos = ++b->qseq;
		l->prev = l->next = -1;
		l->hprev = l->hnext = -1;
		if (it->head < 0) {
			take = it->on_hand - it->allocated;
			if (take > q[i])
				take = q[i];
		}
		l->allocated = take;
		l->waiting = q[i] - take;
		it->allocated += take;
		it->waiting += l->waiting;
		b->events += (take > 0) + (l->waiting > 0);
		holders_sync(b, it, h);
		if (l->waiting > 0) {
			q_append(b, it, h);
			pend(b, h, 0); /* at the back: nothing ahead of it moves */
		}
	}
	return 0;
}

static long find_line(book *b, long o, const char *sku)
{
	long i;
	long k = get_item(b, sku);

	for (i = 0; i < b->orders[o].nlines; i++)
		if (b->lines[b->orders[o].first + i].item == k)
			return b->orders[o].first + i;
	return -1;
}

static int op_ship(book *b, char **tok, int n)
{
	size_t slot;
	long o = order_find(b, tok[1], &slot), i, h0, h1;
	int64_t total = 0;

	if (o < 0)
		return 1;
	h0 = b->orders[o].first;
	h1 = h0 + b->orders[o].nlines;
	if (n >= 3) {
		h0 = find_line(b, o, tok[2]);
		if (h0 < 0)
			return 1;
		h1 = h0 + 1;
	}
	for (i = h0; i < h1; i++) {
		bline *l = &b->lines[i];
		bitem *it = &b->items[l->item];

		if (l->allocated == 0)
			continue;
		total += l->allocated;
		it->on_hand -= l->allocated;
		it->allocated -= l->allocated;
		l->shipped += l->allocated;
		l->allocated = 0;
		holders_sync(b, it, i);
		b->events++;
	}
	return total > 0 ? 0 : 1;
}

static void cancel_units(book *b, long h, int64_t q)
{
	bline *l = &b->lines[h];
	bitem *it = &b->items[l->item];
	int64_t w = q < l->waiting ? q : l->waiting;

	l->waiting -= w;
	it->waiting -= w;
	q -= w;
	if (l->waiting == 0) {
		q_remove(b, it, h);
		drop_promise(it, l);
	}
	l->allocated -= q;
	it->allocated -= q;
	l->cancelled += w + q;
	holders_sync(b, it, h);
	b->events++;
	fill(b, it);
	touch(b, it, 1);
}

static int op_cancel(book *b, char **tok, int n)
{
	size_t slot;
	long o = order_find(b, tok[1], &slot), i;
	int64_t total = 0;
	int ok = 1;

	if (o < 0)
		return 1;
	if (n >= 3) {
		long h = find_line(b, o, tok[2]);
		int64_t q, left;

		if (h < 0)
			return 1;
		left = b->lines[h].waiting + b->lines[h].allocated;
		q = n >= 4 ? num(tok[3], &ok) : left;
		if (!ok || q < 1 || q > left)
			return 1;
		cancel_units(b, h, q);
		return 0;
	}
	for (i = 0; i < b->orders[o].nlines; i++) {
		long h = b->orders[o].first + i;
		int64_t left = b->lines[h].waiting + b->lines[h].allocated;

		if (left > 0) {
			cancel_units(b, h, left);
			total += left;
		}
	}
	return total > 0 ? 0 : 1;
}

static int op_modify(book *b, char **tok, int n)
{
	size_t slot;
	long o, h;
	int64_t q, cur, d;
	bline *l;
	bitem *it;
	int ok = 1;

	if (n != 4)
		return 1;
	o = order_find(b, tok[1], &slot);
	if (o < 0 || (h = find_line(b, o, tok[2])) < 0)
		return 1;
	q = num(tok[3], &ok);
	l = &b->lines[h];
	it = &b->items[l->item];
	if (!ok || q < 1 || q < l->shipped + l->cancelled)
		return 1;
	cur = l->ordered;
	if (q == cur)
		return 0; /* changes nothing, so no ETA is refreshed either */
	if (q < cur) {
		d = cur - q;
		int64_t w = d < l->waiting ? d : l->waiting;

		l->waiting -= w;
		it->waiting -= w;
		l->allocated -= d - w;
		it->allocated -= d - w;
		if (l->waiting == 0) {
			q_remove(b, it, h);
			drop_promise(it, l);
		}
		holders_sync(b, it, h);
		fill(b, it);
		touch(b, it, 1);
	} else if (q > cur) {
		d = q - cur;
		l->waiting += d;
		it->waiting += d;
		q_remove(b, it, h);
		/* to the back of the queue: a new fifo place, also among holders */
		l->qpos = ++b->qseq;
		if (l->holding) {
			int64_t a = l->allocated;
			l->allocated = 0;
			holders_sync(b, it, h);
			l->allocated = a;
			holders_sync(b, it, h);
		}
		q_append(b, it, h);
		/* moved, not new: it keeps its promise if its basis is the same */
		pend(b, h, 1);
		l->bo_call = b->call;
		b->events++;
		fill(b, it);
	}
	l->ordered = q;
	return 0;
}

static int op_receive(book *b, char **tok, int n)
{
	long k = get_item(b, tok[1]);
	int ok = 1, i;
	int64_t q = num(tok[2], &ok);
	bitem *it;

	if (k < 0 || !ok || q < 1)
		return 1;
	it = &b->items[k];
	if (n >= 4) {
		const char *id = tok[3] + 7; /* supply= */

		for (i = 0; i < it->nsup && strcmp(it->sup[i].id, id) != 0; i++)
			;
		if (i == it->nsup)
			return 1;
		it->sup[i].qty -= q;
		if (it->sup[i].qty <= 0) {
			memmove(&it->sup[i], &it->sup[i + 1], (size_t)(it->nsup - i - 1) * sizeof(bsupply));
			it->nsup--;
		}
	}
	it->on_hand += q;
	fill(b, it);
	touch(b, it, 1);
	return 0;
}

static int op_incoming(book *b, char **tok)
{
	long k = get_item(b, tok[1]);
	int ok = 1, i;
	int64_t q = num(tok[3], &ok), when = parse_time(tok[4], &ok);
	bitem *it;

	if (k < 0 || !ok || q < 1)
		return 1;
	it = &b->items[k];
	for (i = 0; i < it->nsup && strcmp(it->sup[i].id, tok[2]) != 0; i++)
		;
	if (i == it->nsup) {
		if (it->nsup == it->capsup) {
			int nc = it->capsup ? it->capsup * 2 : 4;
			bsupply *ns = realloc(it->sup, (size_t)nc * sizeof(*ns));

			if (ns == NULL)
				return -1;
			it->sup = ns;
			it->capsup = nc;
		}
		snprintf(it->sup[i].id, sizeof(it->sup[i].id), "%s", tok[2]);
		it->nsup++;
	}
	it->sup[i].qty = q;
	it->sup[i].when = when;
	qsort(it->sup, (size_t)it->nsup, sizeof(bsupply), sup_cmp);
	touch(b, it, 1);
	return 0;
}

static int op_adjust(book *b, char **tok)
{
	long k = get_item(b, tok[1]);
	int ok = 1;
	int64_t d = num(tok[2], &ok);
	bitem *it;

	if (k < 0 || !ok || d == 0)
		return 1;
	it = &b->items[k];
	if (it->on_hand + d < 0)
		return 1;
	it->on_hand += d;
	if (d > 0)
		fill(b, it);
	else
		take_back(b, it);
	touch(b, it, 1);
	return 0;
}

static int apply_line(book *b, char *line)
{
	char *tok[4 + 2 * MAX_LINES];
	int n = 0;
	char *s = line;

	while (*s && n < (int)(sizeof(tok) / sizeof(tok[0]))) {
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (n == 0)
		return 0;
	switch (tok[0][0]) {
	case 'p':
		return n >= 3 ? op_place(b, tok, n) : 1;
	case 's':
		if (tok[0][1] == 'h')
			return n >= 2 ? op_ship(b, tok, n) : 1;
		if (n != 3 || get_item(b, tok[1]) < 0)
			return 1;
		{
			bitem *it = &b->items[get_item(b, tok[1])];

			if (it->on_hand > it->allocated)
				b->events++;
			else
				it->subscribers++;
		}
		return 0;
	case 'r':
		return n >= 3 ? op_receive(b, tok, n) : 1;
	case 'c':
		return n >= 2 ? op_cancel(b, tok, n) : 1;
	case 'm':
		return op_modify(b, tok, n);
	case 'i':
		if (tok[0][1] == 't')
			return n >= 2 ? op_item(b, tok, n) : 1;
		return n == 5 ? op_incoming(b, tok) : 1;
	case 'a':
		if (tok[0][1] == 't') {
			int ok = 1;
			int64_t t = n == 2 ? parse_time(tok[1], &ok) : 0;

			if (n != 2 || !ok || t < b->now)
				return 1;
			b->now = t;
			return 0;
		}
		return n == 3 ? op_adjust(b, tok) : 1;
	default:
		return 1;
	}
}

static void book_free(book *b)
{
	long i;

	for (i = 0; i < b->nitems; i++)
		free(b->items[i].sup);
	free(b->items);
	free(b->orders);
	free(b->lines);
	free(b->ihash);
	free(b->ohash);
	free(b->touched);
	free(b->pend);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void fmt_eta(char *out, const bline *l)
{
	if (l->waiting == 0 || l->eta == NO_TIME)
		strcpy(out, "-");
	else
		fmt_time(out, l->eta);
}

/* The state in the format of `backorder replay --dump` (TRACE.md): items
 * by SKU, then lines by order id and place in the order, bytewise. */
static void book_dump(const book *b, FILE *out)
{
	const char **keys = malloc((size_t)((b->nitems > b->norders ? b->nitems : b->norders) + 1) * sizeof(*keys));
	long i, j;

	if (keys == NULL)
		return;
	for (i = 0; i < b->nitems; i++)
		keys[i] = b->items[i].sku; /* sku is the first field: the struct is found back by pointer */
	qsort(keys, (size_t)b->nitems, sizeof(*keys), cmp_str);
	for (i = 0; i < b->nitems; i++) {
		const bitem *it = (const bitem *)(const void *)keys[i];
		int64_t incoming = 0;
		for (j = 0; j < it->nsup; j++)
			incoming += it->sup[j].qty;
		fprintf(out, "item %s on_hand=%" PRId64 " allocated=%" PRId64 " available=%" PRId64
			" backordered=%" PRId64 " incoming=%" PRId64 "\n", it->sku, it->on_hand, it->allocated,
			it->on_hand - it->allocated, it->waiting, incoming);
	}
	for (i = 0; i < b->norders; i++)
		keys[i] = b->orders[i].id;
	qsort(keys, (size_t)b->norders, sizeof(*keys), cmp_str);
	for (i = 0; i < b->norders; i++) {
		const border *o = (const border *)(const void *)keys[i];
		for (j = 0; j < o->nlines; j++) {
			const bline *l = &b->lines[o->first + j];
			char eta[24];
			fmt_eta(eta, l);
			fprintf(out, "line %s %s ordered=%" PRId64 " allocated=%" PRId64 " backordered=%" PRId64
				" shipped=%" PRId64 " cancelled=%" PRId64 " eta=%s\n", o->id, b->items[l->item].sku,
				l->ordered, l->allocated, l->waiting, l->shipped, l->cancelled, eta);
		}
	}
	free(keys);
}

/* Replay `path` with the baseline; returns seconds, or < 0 on failure. */
static FILE *baseline_errors; /* --errors FILE: line numbers the baseline rejected */
static uint64_t baseline_eta_changed, baseline_eta_riders; /* of the last run_baseline() */
static int baseline_errors_prefix; /* write them as "error N" */

static double run_baseline(const char *path, uint64_t *errors, uint64_t *events, FILE *dump_out)
{
	uint64_t lineno = 0;
	struct timespec t0, t1;
	book b;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&b, 0, sizeof(b));
	b.now = GEN_T0;
	b.call = 1;
	b.ihcap = 1024;
	b.ohcap = 1024;
	b.ihash = calloc(b.ihcap, sizeof(long));
	b.ohash = calloc(b.ohcap, sizeof(long));
	f = fopen(path, "r");
	if (f == NULL || b.ihash == NULL || b.ohash == NULL) {
		if (f)
			fclose(f);
		book_free(&b);
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		rc = apply_line(&b, line);
		settle_call(&b); /* ETAs are settled at the end of every call */
		if (rc < 0)
			break;
		if (rc > 0) {
			b.errors++;
			if (baseline_errors)
				fprintf(baseline_errors, "%s%" PRIu64 "\n", baseline_errors_prefix ? "error " : "",
					lineno);
		}
	}
	if (baseline_errors) {
		fclose(baseline_errors);
		baseline_errors = NULL;
	}
	fclose(f);
	free(line);
	*errors = b.errors;
	*events = b.events;
	baseline_eta_changed = b.eta_changed;
	baseline_eta_riders = b.eta_riders;
	if (dump_out && rc >= 0)
		book_dump(&b, dump_out);
	book_free(&b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0)
		return -1;
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* What a run cost: wall time from fork to exit, and the child's own
 * rusage (peak resident memory, user and system time). */
typedef struct run_cost {
	double wall, user, sys;
	long maxrss_kb;
} run_cost;

static int bare_mode; /* --bare: the baseline is the bare book-keeper (bare.c) */

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static int reap(pid_t pid, const struct timespec *t0, run_cost *c)
{
	struct timespec t1;
	struct rusage ru;
	int status;

	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (c) {
		c->wall = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
		c->user = tv_s(ru.ru_utime);
		c->sys = tv_s(ru.ru_stime);
		c->maxrss_kb = ru.ru_maxrss;
	}
	return status;
}

/* The baseline in a child process of its own, as `backorder` runs: it
 * starts on a fresh heap and pays for the memory it touches, instead of
 * reusing what earlier runs in this process freed. Timed from fork to
 * exit, like run_program(). With --bare, the bare book-keeper. */
static double run_baseline_child(const char *path, uint64_t *errors, uint64_t *events, run_cost *c)
{
	struct timespec t0;
	uint64_t r[2];
	int fd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(fd) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		uint64_t w[2] = { 0, 0 };
		close(fd[0]);
		if (bare_mode ? bare_replay(path, &w[0], baseline_errors, NULL) < 0
			      : run_baseline(path, &w[0], &w[1], NULL) < 0)
			_exit(1);
		if (baseline_errors)
			fclose(baseline_errors);
		_exit(write(fd[1], w, sizeof(w)) == (ssize_t)sizeof(w) ? 0 : 1);
	}
	close(fd[1]);
	n = read(fd[0], r, sizeof(r));
	close(fd[0]);
	status = reap(pid, &t0, c);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || n != (ssize_t)sizeof(r))
		return -1;
	*errors = r[0];
	*events = r[1];
	return c ? c->wall : 0;
}

/* Run `backorder replay --store memory path` (with --dump --events if
 * `dump`) with stdout to `out_path` (or /dev/null); returns seconds, or
 * < 0 on failure. */
static double run_program(const char *exe, const char *path, const char *out_path, int dump, run_cost *c)
{
	struct timespec t0;
	run_cost own;
	pid_t pid;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_WRONLY);

		if (fd < 0 || nul < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(nul, 2); /* no progress bar */
		if (dump)
			execl(exe, exe, "replay", "--store", "memory", "--dump", "--events", path, (char *)NULL);
		else
			execl(exe, exe, "replay", "--store", "memory", path, (char *)NULL);
		_exit(127);
	}
	if ((status = reap(pid, &t0, c ? c : &own)) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		fprintf(stderr, "bench: %s exited with %d\n", exe, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return c ? c->wall : own.wall;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t count_errors(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	uint64_t n = 0;

	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) >= 0)
		n += strncmp(line, "error ", 6) == 0;
	free(line);
	fclose(f);
	return n;
}

/* The `eta_changed` events in the --events output at `path`. */
static uint64_t count_eta_changed(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	uint64_t n = 0;

	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) >= 0)
		n += strncmp(line, "event ", 6) == 0 && strstr(line, " eta_changed ") != NULL;
	free(line);
	fclose(f);
	return n;
}

/* Lines of `path` that start with `prefix` ("error " or the dump's), with
 * "error N ..." cut to "error N": the codes and messages are the program's
 * own, the line numbers are what both must agree on. */
static char *collect(const char *path, int errors)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *buf = NULL;
	size_t cap = 0, len = 0, bcap = 0;
	ssize_t n;

	if (f == NULL)
		return NULL;
	while ((n = getline(&line, &cap, f)) >= 0) {
		int keep = errors ? strncmp(line, "error ", 6) == 0
				  : strncmp(line, "item ", 5) == 0 || strncmp(line, "line ", 5) == 0;
		if (!keep)
			continue;
		if (errors) {
			char *sp = strchr(line + 6, ' ');
			if (sp) {
				*sp = '\n';
				n = sp - line + 1;
			}
		}
		if (len + (size_t)n + 1 > bcap) {
			bcap = (len + (size_t)n + 1) * 2;
			buf = realloc(buf, bcap);
			if (buf == NULL)
				break;
		}
		memcpy(buf + len, line, (size_t)n);
		len += (size_t)n;
		buf[len] = '\0';
	}
	free(line);
	fclose(f);
	return buf ? buf : strdup("");
}

/* Print where two texts first differ, a line of each. */
static void first_difference(const char *what, const char *a, const char *b)
{
	long ln = 1;
	while (*a && *a == *b) {
		ln += *a == '\n';
		a++;
		b++;
	}
	while (ln > 1 && a[-1] != '\n') {
		a--;
		b--;
	}
	printf("%s differ at line %ld:\n  baseline:  %.*s\n  backorder: %.*s\n", what, ln,
	       (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

/*
 * --check: replay the trace once with each and compare what TRACE.md makes
 * observable: the lines rejected, and the state after the last line (the
 * dump, ETAs included). The baseline is an independent fifo book-keeper,
 * so agreement on a long random trace is a differential test of the
 * library's semantics. Returns 0 when both agree.
 */
static int check(const char *exe, const char *trace)
{
	char berr_path[] = "/tmp/bench_check_err_XXXXXX", bdump_path[] = "/tmp/bench_check_dump_XXXXXX",
	     out_path[] = "/tmp/bench_check_out_XXXXXX";
	int fds[3] = { mkstemp(berr_path), mkstemp(bdump_path), mkstemp(out_path) }, rc = 2, i;
	uint64_t berr = 0, bev = 0, bec, ber, pec;
	FILE *dump = NULL, *errs = NULL;
	char *be = NULL, *bd = NULL, *pe = NULL, *pd = NULL;

	for (i = 0; i < 3; i++)
		if (fds[i] < 0)
			goto out;
	for (i = 0; i < 3; i++)
		close(fds[i]);
	dump = fopen(bdump_path, "w");
	errs = fopen(berr_path, "w");
	if (dump == NULL || errs == NULL)
		goto out;
	/* the baseline's rejected lines, written as "error N" like the program's */
	baseline_errors = errs;
	baseline_errors_prefix = 1;
	errs = NULL; /* run_baseline closes it */
	verify_bases = 1;
	if (bare_mode) {
		int brc = bare_replay(trace, &berr, baseline_errors, dump);

		fclose(baseline_errors);
		baseline_errors = NULL;
		if (brc < 0)
			goto out;
	} else if (run_baseline(trace, &berr, &bev, dump) < 0) {
		goto out;
	}
	if (run_program(exe, trace, out_path, 1, NULL) < 0)
		goto out;
	bec = baseline_eta_changed;
	ber = baseline_eta_riders;
	fclose(dump);
	dump = NULL;
	be = collect(berr_path, 1);
	bd = collect(bdump_path, 0);
	pe = collect(out_path, 1);
	pd = collect(out_path, 0);
	if (!be || !bd || !pe || !pd)
		goto out;
	rc = 0;
	if (strcmp(be, pe) != 0) {
		first_difference("rejected lines", be, pe);
		rc = 1;
	}
	if (strcmp(bd, pd) != 0) {
		first_difference("dumps", bd, pd);
		rc = 1;
	}
	/* eta_changed events: DESIGN §6 gives one to every line whose date
	 * moved, but a new one (whose date rides on its backordered event),
	 * also to a waiting line that gets a backordered event in the same
	 * call (units taken back, a modify up): both must count the same. */
	pec = count_eta_changed(out_path);
	if (bare_mode) { /* no ETAs kept: the trace has no supply and no lead times, so none moves */
		bec = ber = 0;
	}
	if (pec != bec) {
		printf("eta_changed events differ: baseline %" PRIu64 " (%" PRIu64 " of them on lines with a"
		       " backordered event in the same call), backorder %" PRIu64 "\n", bec, ber, pec);
		rc = 1;
	}
	printf("check: %" PRIu64 " lines rejected by the baseline; rejected lines %s, dumps (%zu bytes) %s;"
	       " eta_changed events: baseline %" PRIu64 " (%" PRIu64 " on lines also backordered in the call),"
	       " backorder %" PRIu64 "%s\n", berr,
	       strcmp(be, pe) == 0 ? "identical" : "DIFFER", strlen(pd), strcmp(bd, pd) == 0 ? "identical" : "DIFFER",
	       bec, ber, pec, pec == bec ? "" : " DIFFER");
out:
	if (dump)
		fclose(dump);
	if (errs)
		fclose(errs);
	free(be);
	free(bd);
	free(pe);
	free(pd);
	unlink(berr_path);
	unlink(bdump_path);
	unlink(out_path);
	return rc;
}

/* Medians of `runs` paired runs of the baseline and the program on one
 * trace. */
typedef struct measured {
	double b_wall, p_wall, paired;      /* medians; paired: of the per-pair ratios p/b */
	double b_sys, p_sys, b_user, p_user;
	double b_cpu, p_cpu, paired_cpu;    /* user + system time: medians, and of the per-pair ratios */
	double b_rss, p_rss, paired_rss;    /* peak resident memory, KiB */
	uint64_t b_errors, p_errors, b_events;
} measured;

static long count_lines(const char *path)
{
	FILE *tf = fopen(path, "r");
	long n = 0;
	int ch;

	if (tf) {
		while ((ch = getc(tf)) != EOF)
			n += ch == '\n';
		fclose(tf);
	}
	return n;
}

static int measure(const char *exe, const char *trace, int runs, int inprocess, measured *m)
{
	double tb[99], tp[99], pr[99], bs[99], ps[99], bu[99], pu[99], br[99], pm[99], rr[99], bc[99], pc[99], cr[99];
	char out_buf[] = "/tmp/bench_replay_out_XXXXXX";
	int i, fd = mkstemp(out_buf), rc = -1;

	if (fd < 0)
		return -1;
	close(fd);
	memset(m, 0, sizeof(*m));
	/* interleave the runs so that both see the same machine load */
	for (i = 0; i < runs; i++) {
		run_cost cb = { 0, 0, 0, 0 }, cp = { 0, 0, 0, 0 };

		tb[i] = inprocess ? run_baseline(trace, &m->b_errors, &m->b_events, NULL)
				  : run_baseline_child(trace, &m->b_errors, &m->b_events, &cb);
		if (baseline_errors) { /* the first run (a child) wrote them */
			fclose(baseline_errors);
			baseline_errors = NULL;
		}
		tp[i] = run_program(exe, trace, i == 0 ? out_buf : NULL, 0, &cp);
		if (tb[i] < 0 || tp[i] < 0) {
			fprintf(stderr, "bench: a run failed\n");
			goto out;
		}
		pr[i] = tp[i] / tb[i];
		bs[i] = cb.sys;
		ps[i] = cp.sys;
		bu[i] = cb.user;
		pu[i] = cp.user;
		br[i] = (double)cb.maxrss_kb;
		pm[i] = (double)cp.maxrss_kb;
		rr[i] = cb.maxrss_kb ? (double)cp.maxrss_kb / (double)cb.maxrss_kb : 0;
		bc[i] = cb.user + cb.sys;
		pc[i] = cp.user + cp.sys;
		cr[i] = bc[i] > 0 ? pc[i] / bc[i] : 0;
	}
	m->b_wall = median(tb, runs);
	m->p_wall = median(tp, runs);
	m->paired = median(pr, runs);
	m->b_sys = median(bs, runs);
	m->p_sys = median(ps, runs);
	m->b_user = median(bu, runs);
	m->p_user = median(pu, runs);
	m->b_rss = median(br, runs);
	m->p_rss = median(pm, runs);
	m->paired_rss = median(rr, runs);
	m->b_cpu = median(bc, runs);
	m->p_cpu = median(pc, runs);
	m->paired_cpu = median(cr, runs);
	m->p_errors = count_errors(out_buf);
	rc = 0;
out:
	unlink(out_buf);
	return rc;
}

static void report(const measured *m, long nlines, int runs, int inprocess)
{
	const char *what = bare_mode ? "bare book-keeper (hand-written C, fifo, bookkeeping only)"
				     : "baseline (hand-written C, fifo, ETA promises, no storage)";

	printf("%s:\n  median %.3f s (%.0f lines/s), user %.3f s, sys %.3f s, peak %.1f MiB\n", what, m->b_wall,
	       (double)nlines / m->b_wall, m->b_user, m->b_sys, m->b_rss / 1024);
	printf("backorder replay --store memory:\n  median %.3f s (%.0f lines/s), user %.3f s, sys %.3f s, peak %.1f MiB\n",
	       m->p_wall, (double)nlines / m->p_wall, m->p_user, m->p_sys, m->p_rss / 1024);
	printf("ratio backorder/%s: %.2fx (goal <= %s); median of the %d paired ratios: %.2fx\n",
	       bare_mode ? "bare" : "baseline", m->p_wall / m->b_wall, bare_mode ? "2.00x" : "1.50x", runs, m->paired);
	if (!inprocess)
		printf("cpu (user + system) backorder/%s: %.2fx (medians %.3f s and %.3f s); median of the paired ratios: %.2fx\n",
		       bare_mode ? "bare" : "baseline", m->b_cpu > 0 ? m->p_cpu / m->b_cpu : 0, m->p_cpu, m->b_cpu,
		       m->paired_cpu);
	if (!inprocess)
		printf("peak memory backorder/%s: %.2fx (median of paired ratios%s)\n", bare_mode ? "bare" : "baseline",
		       m->paired_rss, bare_mode ? "; goal <= 1.50x" : "");
	printf("failed lines: baseline %" PRIu64 ", backorder %" PRIu64, m->b_errors, m->p_errors);
	if (!bare_mode)
		printf("; baseline events+eta changes %" PRIu64, m->b_events);
	printf("\n");
}

int main(int argc, char **argv)
{
	long nlines = 1000000, norders = 1000000, nskus = 10000, growth = 0;
	uint64_t seed = 42;
	const char *exe = getenv("BACKORDER"), *trace = NULL, *write_only = NULL;
	char exe_buf[4096], trace_buf[] = "/tmp/bench_replay_XXXXXX", small_buf[] = "/tmp/bench_replay_s_XXXXXX";
	int i, fd, generated = 0, check_only = 0, runs = 3, inprocess = 0, fifo = 0, rc = 0, baseline_only = 0;
	measured m, ms;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
			nlines = atol(argv[++i]);
		else if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
			norders = atol(argv[++i]);
		else if (strcmp(argv[i], "--skus") == 0 && i + 1 < argc)
			nskus = atol(argv[++i]);
		else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc) {
			fifo = strcmp(argv[++i], "fifo") == 0;
			if (!fifo && strcmp(argv[i], "mixed") != 0) {
				fprintf(stderr, "bench: --shape fifo|mixed\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--bare") == 0)
			bare_mode = 1;
		else if (strcmp(argv[i], "--growth") == 0 && i + 1 < argc)
			growth = atol(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--backorder") == 0 && i + 1 < argc)
			exe = argv[++i];
		else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
			trace = argv[++i];
		else if (strcmp(argv[i], "--write") == 0 && i + 1 < argc)
			write_only = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check_only = 1;
		else if (strcmp(argv[i], "--in-process") == 0)
			inprocess = 1;
		else if (strcmp(argv[i], "--baseline-only") == 0)
			baseline_only = 1;
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc && atoi(argv[i + 1]) >= 1 && atoi(argv[i + 1]) <= 99)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--errors") == 0 && i + 1 < argc) {
			baseline_errors = fopen(argv[++i], "w");
			if (baseline_errors == NULL) {
				perror(argv[i]);
				return 2;
			}
		}
		else {
			fprintf(stderr, "usage: %s [--shape mixed|fifo] [--lines N] [--orders N] [--skus N] [--seed S] [--bare] [--growth N]\n"
				"       [--backorder PATH] [--trace FILE] [--write FILE] [--errors FILE] [--check] [--runs N] [--in-process]\n"
				"       [--baseline-only --trace FILE]\n",
				argv[0]);
			return 2;
		}
	}
	if (nlines < 1000)
		nlines = 1000;
	if (norders < 1)
		norders = 1;
	if (bare_mode && inprocess) {
		fprintf(stderr, "bench: --bare runs the bare book-keeper as a child process only\n");
		return 2;
	}
	if (growth && (!fifo || trace)) {
		fprintf(stderr, "bench: --growth needs --shape fifo and a generated trace\n");
		return 2;
	}
	if (baseline_only && trace) {
		/* one run of the baseline in this process, for profilers */
		uint64_t e = 0, ev = 0;
		double t = bare_mode ? (bare_replay(trace, &e, NULL, NULL) < 0 ? -1 : 0) : run_baseline(trace, &e, &ev, NULL);

		printf("%s: %" PRIu64 " lines rejected%s\n", bare_mode ? "bare" : "baseline", e, t < 0 ? ", FAILED" : "");
		return t < 0;
	}
	if (write_only)
		return (fifo ? generate_fifo(write_only, norders, nskus, seed) : generate(write_only, nlines, seed)) == 0 ? 0 : 1;
	if (exe == NULL) {
		const char *slash = strrchr(argv[0], '/');
		int len = slash ? (int)(slash - argv[0]) : 1;

		snprintf(exe_buf, sizeof(exe_buf), "%.*s/../tools/backorder", len, slash ? argv[0] : ".");
		exe = exe_buf;
	}
	if (access(exe, X_OK) != 0) {
		fprintf(stderr, "bench: cannot run %s (use --backorder PATH)\n", exe);
		return 2;
	}
	if (trace == NULL) {
		fd = mkstemp(trace_buf);
		if (fd < 0)
			return 2;
		close(fd);
		trace = trace_buf;
		generated = 1;
		if ((fifo ? generate_fifo(trace, norders, nskus, seed) : generate(trace, nlines, seed)) != 0)
			return 2;
	}
	if (check_only) {
		int crc = check(exe, trace);
		if (generated)
			unlink(trace);
		return crc;
	}
	nlines = count_lines(trace);
	printf("trace: %s (%ld lines%s)\n", trace, nlines, generated ? ", generated" : "");
	if (growth) {
		/* Per-line cost growth from `growth` orders to `norders`, same
		 * SKUs: both traces measured in turn, paired runs each. */
		long nsmall;

		if ((fd = mkstemp(small_buf)) < 0)
			goto fail;
		close(fd);
		if (generate_fifo(small_buf, growth, nskus, seed) != 0)
			goto fail;
		nsmall = count_lines(small_buf);
		printf("small trace: %s (%ld lines, %ld orders)\n", small_buf, nsmall, growth);
		if (measure(exe, small_buf, runs, 0, &ms) < 0 || measure(exe, trace, runs, 0, &m) < 0)
			goto fail;
		printf("--- %ld orders\n", growth);
		report(&ms, nsmall, runs, 0);
		printf("--- %ld orders\n", norders);
		report(&m, nlines, runs, 0);
		{
			double gb = (m.b_wall / (double)nlines) / (ms.b_wall / (double)nsmall);
			double gp = (m.p_wall / (double)nlines) / (ms.p_wall / (double)nsmall);

			double gbc = (m.b_cpu / (double)nlines) / (ms.b_cpu / (double)nsmall);
			double gpc = (m.p_cpu / (double)nlines) / (ms.p_cpu / (double)nsmall);

			printf("per-line cost growth %ld -> %ld orders, wall time: %s %.2fx, backorder %.2fx; backorder's growth / %s's: %.2fx%s\n",
			       growth, norders, bare_mode ? "bare" : "baseline", gb, gp, bare_mode ? "bare" : "baseline", gp / gb,
			       bare_mode ? " (goal <= 1.15x)" : "");
			printf("per-line cost growth %ld -> %ld orders, cpu time:  %s %.2fx, backorder %.2fx; backorder's growth / %s's: %.2fx\n",
			       growth, norders, bare_mode ? "bare" : "baseline", gbc, gpc, bare_mode ? "bare" : "baseline", gpc / gbc);
		}
		unlink(small_buf);
	} else {
		if (measure(exe, trace, runs, inprocess, &m) < 0)
			goto fail;
		report(&m, nlines, runs, inprocess);
	}
	goto out;
fail:
	rc = 1;
	if (small_buf[sizeof(small_buf) - 2] != 'X')
		unlink(small_buf);
out:
	if (generated)
		unlink(trace);
	return rc;
}
