/*
 * bare.c - the bare book-keeper of bench_replay_baseline --bare (issue 15).
 *
 * What a shop needs at the least to keep fifo backorders, written plainly
 * in C for the comparison: items and orders in open-addressing hash maps,
 * one fifo queue of waiting lines per item (a doubly linked list, so that a
 * cancel in the middle is O(1)), on_hand and allocated per item, and per
 * line the units ordered, allocated, waiting, shipped and cancelled. No
 * ETAs, no events, no undo, no storage abstraction: what the library does
 * beyond this is the cost of its contract (DESIGN §4, §6, §7, §8).
 *
 * It replays the trace lines the fifo shape of the generator writes (`at`,
 * `item SKU`, `receive SKU QTY`, `place ORDER SKU:QTY ...`, `ship ORDER
 * [SKU]`, `cancel ORDER [SKU [QTY]]`) with DESIGN §4's semantics, so that
 * `--bare --check` can compare its final state with the library's dump
 * line for line (every ETA is "-": the trace has no supply and no lead
 * times). Any other line, or an option it does not know, stops it
 * (bare_replay() returns -2): it never compares itself on book-keeping it
 * does not do.
 */
#include "bare.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define B_ID_MAX 64
#define B_MAX_LINES 16

typedef struct bb_item {
	char sku[B_ID_MAX + 1];
	int64_t on_hand, allocated;
	long head, tail; /* waiting lines, fifo; -1 = none */
} bb_item;

typedef struct bb_line {
	int32_t item;
	int32_t queued;
	int64_t ordered, allocated, waiting, shipped, cancelled;
	long prev, next; /* the item's waiting queue */
} bb_line;

typedef struct bb_order {
	char id[B_ID_MAX + 1];
	int32_t nlines;
	long first; /* its lines are lines[first .. first + nlines) */
} bb_order;

typedef struct bb_book {
	bb_item *items;
	long nitems, capitems;
	bb_order *orders;
	long norders, caporders;
	bb_line *lines;
	long nlines, caplines;
	long *ihash, *ohash; /* index + 1; 0 = empty */
	size_t ihcap, ohcap;
	int64_t now;
} bb_book;

static uint64_t bb_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	while (*s)
		h = (h ^ (unsigned char)*s++) * UINT64_C(1099511628211);
	return h ^ (h >> 29);
}

static int bb_grow(void **p, long *cap, long need, size_t size)
{
	long n = *cap ? *cap : 1024;
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

/* The probe position of `key` in `tab` (index + 1 entries), and the entry's
 * index, or -1. */
static long bb_find(long *tab, size_t cap, const char *key, const char *(*name)(const bb_book *, long),
		    const bb_book *b, size_t *slot)
{
	size_t m = cap - 1, i = bb_hash(key) & m;

	while (tab[i]) {
		long k = tab[i] - 1;

		if (strcmp(name(b, k), key) == 0) {
			*slot = i;
			return k;
		}
		i = (i + 1) & m;
	}
	*slot = i;
	return -1;
}

static const char *item_name(const bb_book *b, long k) { return b->items[k].sku; }
static const char *order_name(const bb_book *b, long k) { return b->orders[k].id; }

static int bb_rehash(long **tab, size_t *cap, long n, const char *(*name)(const bb_book *, long), const bb_book *b)
{
	size_t nc = *cap * 2, m = nc - 1;
	long *t = calloc(nc, sizeof(*t)), k;

	if (t == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		size_t i = bb_hash(name(b, k)) & m;

		while (t[i])
			i = (i + 1) & m;
		t[i] = k + 1;
	}
	free(*tab);
	*tab = t;
	*cap = nc;
	return 0;
}

static long item_get(const bb_book *b, const char *sku)
{
	size_t slot;

	return bb_find(b->ihash, b->ihcap, sku, item_name, b, &slot);
}

static void q_append(bb_book *b, bb_item *it, long h)
{
	bb_line *l = &b->lines[h];

	l->prev = it->tail;
	l->next = -1;
	if (it->tail >= 0)
		b->lines[it->tail].next = h;
	else
		it->head = h;
	it->tail = h;
	l->queued = 1;
}

static void q_remove(bb_book *b, bb_item *it, long h)
{
	bb_line *l = &b->lines[h];

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

/* Free stock to the waiting lines, head first. */
static void fill(bb_book *b, bb_item *it)
{
	while (it->head >= 0 && it->on_hand > it->allocated) {
		long h = it->head;
		bb_line *l = &b->lines[h];
		int64_t take = it->on_hand - it->allocated;

		if (take > l->waiting)
			take = l->waiting;
		l->waiting -= take;
		l->allocated += take;
		it->allocated += take;
		if (l->waiting == 0)
			q_remove(b, it, h);
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
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10) {
			*ok = 0;
			return 0;
		}
		v = v * 10 + (*s - '0');
	}
	return neg ? -v : v;
}

static int valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > B_ID_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ':' || *s == '=' || (unsigned char)*s >= 127)
			return 0;
	return 1;
}

static int op_item(bb_book *b, char **tok, int n)
{
	size_t slot;
	bb_item *it;

	if (n != 2)
		return -2; /* settings: not bare book-keeping */
	if (!valid_id(tok[1]))
		return 1;
	if (bb_find(b->ihash, b->ihcap, tok[1], item_name, b, &slot) >= 0)
		return 0;
	if (bb_grow((void **)&b->items, &b->capitems, b->nitems + 1, sizeof(bb_item)))
		return -1;
	it = &b->items[b->nitems];
	memset(it, 0, sizeof(*it));
	memcpy(it->sku, tok[1], strlen(tok[1]) + 1);
	it->head = it->tail = -1;
	b->ihash[slot] = ++b->nitems;
	if ((size_t)b->nitems * 2 > b->ihcap && bb_rehash(&b->ihash, &b->ihcap, b->nitems, item_name, b))
		return -1;
	return 0;
}

static int op_receive(bb_book *b, char **tok, int n)
{
	int ok = 1;
	long k;
	int64_t q;
	bb_item *it;

	if (n != 3)
		return n == 4 ? -2 : 1; /* supply=: not bare book-keeping */
	k = item_get(b, tok[1]);
	q = num(tok[2], &ok);
	if (k < 0 || !ok || q < 1)
		return 1;
	it = &b->items[k];
	if (it->on_hand > INT64_MAX - q)
		return 1;
	it->on_hand += q;
	fill(b, it);
	return 0;
}

static int op_place(bb_book *b, char **tok, int n)
{
	size_t slot;
	long k[B_MAX_LINES];
	int64_t q[B_MAX_LINES];
	int i, j, nl = 0, ok = 1;
	bb_order *o;

	if (!valid_id(tok[1]))
		return 1;
	if (bb_find(b->ohash, b->ohcap, tok[1], order_name, b, &slot) >= 0)
		return -2; /* a repeat: the generator never writes one */
	for (i = 2; i < n; i++) {
		char *c = strchr(tok[i], ':');

		if (strchr(tok[i], '=') != NULL || c == NULL)
			return -2; /* priority=, due=, price:, complete */
		if (nl == B_MAX_LINES)
			return 1;
		*c = '\0';
		k[nl] = item_get(b, tok[i]);
		q[nl] = num(c + 1, &ok);
		if (k[nl] < 0 || !ok || q[nl] < 1)
			return 1;
		for (j = 0; j < nl; j++)
			if (k[j] == k[nl])
				return 1;
		nl++;
	}
	if (nl == 0)
		return 1;
	if (bb_grow((void **)&b->orders, &b->caporders, b->norders + 1, sizeof(bb_order)) ||
	    bb_grow((void **)&b->lines, &b->caplines, b->nlines + nl, sizeof(bb_line)))
		return -1;
	o = &b->orders[b->norders];
	memcpy(o->id, tok[1], strlen(tok[1]) + 1);
	o->nlines = nl;
	o->first = b->nlines;
	b->ohash[slot] = ++b->norders;
	if ((size_t)b->norders * 2 > b->ohcap && bb_rehash(&b->ohash, &b->ohcap, b->norders, order_name, b))
		return -1;
	for (i = 0; i < nl; i++) {
		long h = b->nlines++;
		bb_line *l = &b->lines[h];
		bb_item *it = &b->items[k[i]];
		int64_t take = 0;

		memset(l, 0, sizeof(*l));
		l->item = (int32_t)k[i];
		l->ordered = q[i];
		l->prev = l->next = -1;
		if (it->head < 0 && it->on_hand > it->allocated) /* nothing waits: free stock is its */
			take = it->on_hand - it->allocated < q[i] ? it->on_hand - it->allocated : q[i];
		l->allocated = take;
		l->waiting = q[i] - take;
		it->allocated += take;
		if (l->waiting > 0)
			q_append(b, it, h);
	}
	return 0;
}

static long find_line(bb_book *b, const bb_order *o, const char *sku)
{
	long k = item_get(b, sku), i;

	for (i = 0; i < o->nlines; i++)
		if (b->lines[o->first + i].item == k)
			return o->first + i;
	return -1;
}

static int op_ship(bb_book *b, char **tok, int n)
{
	size_t slot;
	long o = bb_find(b->ohash, b->ohcap, tok[1], order_name, b, &slot), h0, h1, h;
	int64_t total = 0;

	if (n > 3)
		return -2; /* ship ORDER SKU QTY */
	if (o < 0)
		return 1;
	h0 = b->orders[o].first;
	h1 = h0 + b->orders[o].nlines;
	if (n == 3) {
		if ((h0 = find_line(b, &b->orders[o], tok[2])) < 0)
			return 1;
		h1 = h0 + 1;
	}
	for (h = h0; h < h1; h++)
		total += b->lines[h].allocated;
	if (total == 0)
		return 1;
	for (h = h0; h < h1; h++) {
		bb_line *l = &b->lines[h];
		bb_item *it = &b->items[l->item];

		it->on_hand -= l->allocated;
		it->allocated -= l->allocated;
		l->shipped += l->allocated;
		l->allocated = 0;
	}
	return 0;
}

/* Cancel q units of line h: waiting units first, then allocated ones,
 * whose stock goes to the next in line. */
static void cancel_units(bb_book *b, long h, int64_t q)
{
	bb_line *l = &b->lines[h];
	bb_item *it = &b->items[l->item];
	int64_t w = q < l->waiting ? q : l->waiting;

	l->waiting -= w;
	if (l->waiting == 0)
		q_remove(b, it, h);
	l->allocated -= q - w;
	it->allocated -= q - w;
	l->cancelled += q;
	fill(b, it);
}

static int op_cancel(bb_book *b, char **tok, int n)
{
	size_t slot;
	long o = bb_find(b->ohash, b->ohcap, tok[1], order_name, b, &slot), i;
	int64_t total = 0;
	int ok = 1;

	if (o < 0)
		return 1;
	if (n >= 3) {
		long h = find_line(b, &b->orders[o], tok[2]);
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
	for (i = 0; i < b->orders[o].nlines; i++)
		total += b->lines[b->orders[o].first + i].waiting + b->lines[b->orders[o].first + i].allocated;
	if (total == 0)
		return 1;
	for (i = 0; i < b->orders[o].nlines; i++) {
		long h = b->orders[o].first + i;
		int64_t left = b->lines[h].waiting + b->lines[h].allocated;

		if (left > 0)
			cancel_units(b, h, left);
	}
	return 0;
}

static int op_at(bb_book *b, char **tok, int n)
{
	struct tm tm;
	int64_t t;

	memset(&tm, 0, sizeof(tm));
	if (n != 2 || strlen(tok[1]) != 20 ||
	    sscanf(tok[1], "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return 1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = (int64_t)timegm(&tm);
	if (t < b->now)
		return 1;
	b->now = t;
	return 0;
}

/* 0: done, 1: the line is rejected, -1: out of memory, -2: not bare. */
static int apply(bb_book *b, char *line)
{
	char *tok[4 + B_MAX_LINES];
	int n = 0;
	char *s = line;

	while (*s) {
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (n == (int)(sizeof(tok) / sizeof(tok[0])))
			return 1;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (n == 0)
		return 0;
	if (strcmp(tok[0], "place") == 0)
		return n >= 3 ? op_place(b, tok, n) : 1;
	if (strcmp(tok[0], "receive") == 0)
		return n >= 3 ? op_receive(b, tok, n) : 1;
	if (strcmp(tok[0], "ship") == 0)
		return n >= 2 ? op_ship(b, tok, n) : 1;
	if (strcmp(tok[0], "cancel") == 0)
		return n >= 2 ? op_cancel(b, tok, n) : 1;
	if (strcmp(tok[0], "item") == 0)
		return n >= 2 ? op_item(b, tok, n) : 1;
	if (strcmp(tok[0], "at") == 0)
		return op_at(b, tok, n);
	return -2;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The state in the format of `backorder replay --dump` (TRACE.md). */
static void dump(const bb_book *b, FILE *out)
{
	long n = b->nitems > b->norders ? b->nitems : b->norders, i, j;
	const char **keys = malloc((size_t)(n + 1) * sizeof(*keys));

	if (keys == NULL)
		return;
	for (i = 0; i < b->nitems; i++)
		keys[i] = b->items[i].sku; /* the first field: the struct is found back by pointer */
	qsort(keys, (size_t)b->nitems, sizeof(*keys), cmp_str);
	for (i = 0; i < b->nitems; i++) {
		const bb_item *it = (const bb_item *)(const void *)keys[i];
		int64_t waiting = 0;

		for (j = it->head; j >= 0; j = b->lines[j].next)
			waiting += b->lines[j].waiting;
		fprintf(out, "item %s on_hand=%lld allocated=%lld available=%lld backordered=%lld incoming=0\n", it->sku,
			(long long)it->on_hand, (long long)it->allocated, (long long)(it->on_hand - it->allocated),
			(long long)waiting);
	}
	for (i = 0; i < b->norders; i++)
		keys[i] = b->orders[i].id;
	qsort(keys, (size_t)b->norders, sizeof(*keys), cmp_str);
	for (i = 0; i < b->norders; i++) {
		const bb_order *o = (const bb_order *)(const void *)keys[i];

		for (j = 0; j < o->nlines; j++) {
			const bb_line *l = &b->lines[o->first + j];

			fprintf(out, "line %s %s ordered=%lld allocated=%lld backordered=%lld shipped=%lld cancelled=%lld eta=-\n",
				o->id, b->items[l->item].sku, (long long)l->ordered, (long long)l->allocated,
				(long long)l->waiting, (long long)l->shipped, (long long)l->cancelled);
		}
	}
	free(keys);
}

int bare_replay(const char *path, uint64_t *errors, FILE *errors_out, FILE *dump_out)
{
	bb_book b;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	uint64_t lineno = 0;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	b.now = INT64_C(1767225600); /* 2026-01-01T00:00:00Z, as `backorder replay` */
	b.ihcap = b.ohcap = 1024;
	b.ihash = calloc(b.ihcap, sizeof(long));
	b.ohash = calloc(b.ohcap, sizeof(long));
	*errors = 0;
	if (f == NULL || b.ihash == NULL || b.ohash == NULL) {
		rc = -1;
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		rc = apply(&b, line);
		if (rc < 0)
			break;
		if (rc > 0) {
			++*errors;
			if (errors_out)
				fprintf(errors_out, "error %llu\n", (unsigned long long)lineno);
		}
		rc = 0;
	}
	if (rc == -2)
		fprintf(stderr, "bench: --bare: line %llu is not bare book-keeping (use a trace of --shape fifo)\n",
			(unsigned long long)lineno);
	if (rc == 0 && dump_out)
		dump(&b, dump_out);
out:
	if (f)
		fclose(f);
	free(line);
	free(b.items);
	free(b.orders);
	free(b.lines);
	free(b.ihash);
	free(b.ohash);
	return rc;
}
