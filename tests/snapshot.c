#include "snapshot.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = (b->cap + (size_t)n + 1) * 2;
			char *p = realloc(b->s, cap);
			if (p == NULL) {
				b->oom = 1;
				return;
			}
			b->s = p;
			b->cap = cap;
		}
	}
}

/* SKUs collected first so that queries are not nested inside an iteration. */
typedef struct skus {
	char (*v)[BO_ID_MAX + 1];
	size_t n, cap;
} skus;

static int collect_sku(void *ud, const bo_item_status *it)
{
	skus *s = ud;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *p = realloc(s->v, cap * sizeof(*s->v));
		if (p == NULL)
			return 1;
		s->v = p;
		s->cap = cap;
	}
	memcpy(s->v[s->n], it->sku, BO_ID_MAX + 1);
	s->v[s->n][BO_ID_MAX] = '\0';
	s->n++;
	return 0;
}

/* Locations (DESIGN section 11): with more than one location the snapshot
 * also shows the locations, each supply record's location, each item's
 * stock per location and each line's units per location; an inventory
 * that never named another location renders exactly as before. */
typedef struct lkey {
	char order[BO_ID_MAX + 1];
	char sku[BO_ID_MAX + 1];
} lkey;

/* What the callbacks share: the output, whether there is more than "main",
 * and the lines (order, sku) collected while walking orders, for their
 * per-location units afterwards (queries are not nested inside an
 * iteration). */
typedef struct snapctx {
	sbuf *b;
	int multi;
	lkey *keys;
	size_t nkeys, capkeys;
} snapctx;

static int supply_cb(void *ud, const bo_supply_info *si)
{
	snapctx *c = ud;
	sbuf *b = c->b;

	sb_printf(b, "  supply %s %s qty=%" PRId64 " expected=%" PRId64,
		  si->sku, si->id, si->qty, si->expected);
	if (c->multi)
		sb_printf(b, " location=%s", si->location ? si->location : "(null)");
	sb_printf(b, "\n");
	return 0;
}

typedef struct locs {
	sbuf *b;
	size_t n;
} locs;

static int location_cb(void *ud, const bo_location *l)
{
	locs *c = ud;

	c->n++;
	sb_printf(c->b, "location %s rank=%" PRId64 "\n", l->id, l->rank);
	return 0;
}

static int stock_cb(void *ud, const bo_stock *st)
{
	sbuf *b = ud;

	sb_printf(b, "  stock %s on_hand=%" PRId64 " allocated=%" PRId64 "\n",
		  st->location, st->on_hand, st->allocated);
	return 0;
}

static int lalloc_cb(void *ud, const bo_line_alloc *a)
{
	sbuf *b = ud;

	sb_printf(b, " %s=%" PRId64, a->location, a->qty);
	return 0;
}


static int waiting_cb(void *ud, const bo_waiting_line *w)
{
	sbuf *b = ud;

	sb_printf(b, "  waiting %" PRId64 " %s %s ahead=%" PRId64 " backordered=%" PRId64
		  " eta=%" PRId64 " queued=%" PRId64 "\n",
		  w->position, w->order_id, w->sku, w->units_ahead, w->backordered,
		  w->eta, w->queue_time);
	return 0;
}

static int order_cb(void *ud, const bo_order *o)
{
	snapctx *c = ud;
	sbuf *b = c->b;
	size_t i, n = bo_order_line_count(o);

	sb_printf(b, "order %s created=%" PRId64 " priority=%" PRId64 " due=%" PRId64
		  " mode=%d lines=%zu\n",
		  bo_order_id(o), bo_order_created(o), bo_order_priority(o),
		  bo_order_due(o), bo_order_ship_mode(o), n);
	for (i = 0; i < n; i++) {
		bo_line_status l;
		int rc = bo_order_line(&l, o, i);
		if (rc != BO_OK) {
			sb_printf(b, "  line %zu error %d\n", i, rc);
			continue;
		}
		sb_printf(b, "  line %zu %s ordered=%" PRId64 " allocated=%" PRId64
			  " backordered=%" PRId64 " shipped=%" PRId64 " cancelled=%" PRId64
			  " price=%" PRId64 " eta=%" PRId64 " queued=%" PRId64 "\n",
			  i, l.sku, l.ordered, l.allocated, l.backordered, l.shipped,
			  l.cancelled, l.unit_price, l.eta, l.queue_time);
		if (c->multi) {
			if (c->nkeys == c->capkeys) {
				size_t cap = c->capkeys ? c->capkeys * 2 : 16;
				void *p = realloc(c->keys, cap * sizeof(*c->keys));
				if (p == NULL) {
					b->oom = 1;
					return 1;
				}
				c->keys = p;
				c->capkeys = cap;
			}
			snprintf(c->keys[c->nkeys].order, BO_ID_MAX + 1, "%s", bo_order_id(o));
			snprintf(c->keys[c->nkeys].sku, BO_ID_MAX + 1, "%s", l.sku);
			c->nkeys++;
		}
	}
	return 0;
}

/* The report's history figures: every item's daily series and period
 * figures (the store's history records, as far as a report shows them). */
static int history(sbuf *b, bo_inventory *inv)
{
	bo_report *r = NULL;
	int rc = bo_report_make(&r, inv, NULL);

	if (rc != BO_OK)
		return rc;
	for (size_t i = 0; i < bo_report_item_count(r); i++) {
		bo_report_item it = BO_REPORT_ITEM_INIT;
		size_t nd = bo_report_day_count(r, i);

		if ((rc = bo_report_item_get(&it, r, i)) != BO_OK)
			break;
		sb_printf(b, "history %s fill=%" PRId64 "/%" PRId64 " ordered=%" PRId64 " backordered=%" PRId64
			  " cancelled=%" PRId64 " filled=%" PRId64 " wait_avg=%" PRId64 " wait_p90=%" PRId64 "\n",
			  it.sku, it.fill_at_once, it.fill_ordered, it.ordered, it.period_backordered,
			  it.cancelled, it.filled_lines, it.wait_avg, it.wait_p90);
		for (size_t d = 0; d < nd; d++) {
			bo_report_day day;

			if ((rc = bo_report_day_get(&day, r, i, d)) != BO_OK)
				break;
			sb_printf(b, "  day %" PRId64 " ordered=%" PRId64 " backordered=%" PRId64 " cancelled=%" PRId64
				  " filled=%" PRId64 "\n",
				  day.day, day.ordered, day.backordered, day.cancelled, day.filled_lines);
		}
	}
	bo_report_free(r);
	return rc;
}

int snapshot_take(char **out, bo_inventory *inv)
{
	sbuf b = { NULL, 0, 0, 0 };
	skus s = { NULL, 0, 0 };
	snapctx ctx = { NULL, 0, NULL, 0, 0 };
	int64_t now = 0;
	size_t pending = 0, i;
	int rc;

	*out = NULL;
	b.cap = 4096;
	b.s = malloc(b.cap);
	if (b.s == NULL)
		return BO_ESTORAGE;
	b.s[0] = '\0';

	rc = bo_inventory_now(&now, inv);
	if (rc != BO_OK)
		goto fail;
	rc = bo_inventory_pending(&pending, inv);
	if (rc != BO_OK)
		goto fail;
	sb_printf(&b, "now=%" PRId64 " pending=%zu\n", now, pending);

	{
		/* Rendered aside and kept only when there is more than "main". A
		 * store that keeps no locations (or a core without them) has
		 * only "main": BO_ESTATE here means that. */
		sbuf lb = { NULL, 0, 0, 0 };
		locs c = { &lb, 0 };

		lb.cap = 256;
		lb.s = malloc(lb.cap);
		if (lb.s == NULL) {
			rc = BO_ESTORAGE;
			goto fail;
		}
		lb.s[0] = '\0';
		rc = bo_location_foreach(inv, location_cb, &c);
		if (rc == BO_ESTATE) {
			bo_clear_error();
			rc = BO_OK;
			c.n = 1;
		}
		ctx.multi = rc == BO_OK && c.n > 1;
		if (ctx.multi)
			sb_printf(&b, "%s", lb.s);
		if (lb.oom)
			b.oom = 1;
		free(lb.s);
		if (rc != BO_OK)
			goto fail;
	}
	ctx.b = &b;

	rc = bo_item_foreach(inv, collect_sku, &s);
	if (rc != BO_OK)
		goto fail;
	for (i = 0; i < s.n; i++) {
		bo_item_status st;
		rc = bo_item_status_get(&st, inv, s.v[i]);
		if (rc != BO_OK)
			goto fail;
		sb_printf(&b, "item %s policy=%s on_hand=%" PRId64 " allocated=%" PRId64
			  " available=%" PRId64 " backordered=%" PRId64 " incoming=%" PRId64
			  " backorder=%d in_preorder=%d max_backorder=%" PRId64
			  " lead_time=%" PRId64 " release_at=%" PRId64 " preorder_max=%" PRId64
			  " waiting_lines=%" PRId64 " demand=%" PRId64 " filled_at_once=%" PRId64
			  " shipped=%" PRId64 " cancelled=%" PRId64 " revenue_held=%" PRId64
			  " oldest_wait=%" PRId64 " subscribers=%" PRId64 "\n",
			  st.sku, st.policy, st.on_hand, st.allocated, st.available,
			  st.backordered, st.incoming, st.backorder, st.in_preorder,
			  st.max_backorder, st.lead_time, st.release_at, st.preorder_max,
			  st.waiting_lines, st.demand, st.filled_at_once, st.shipped,
			  st.cancelled, st.revenue_held, st.oldest_wait, st.subscribers);
		if (ctx.multi) {
			rc = bo_item_stock_foreach(inv, s.v[i], stock_cb, &b);
			if (rc != BO_OK)
				goto fail;
		}
		rc = bo_supply_foreach(inv, s.v[i], supply_cb, &ctx);
		if (rc != BO_OK)
			goto fail;
		rc = bo_item_waiting_foreach(inv, s.v[i], waiting_cb, &b);
		if (rc != BO_OK)
			goto fail;
	}
	rc = bo_order_foreach(inv, order_cb, &ctx);
	if (rc != BO_OK)
		goto fail;
	for (i = 0; i < ctx.nkeys; i++) {
		sb_printf(&b, "alloc %s %s", ctx.keys[i].order, ctx.keys[i].sku);
		rc = bo_line_alloc_foreach(inv, ctx.keys[i].order, ctx.keys[i].sku, lalloc_cb, &b);
		if (rc != BO_OK)
			goto fail;
		sb_printf(&b, "\n");
	}
	rc = history(&b, inv);
	if (rc != BO_OK)
		goto fail;
	if (b.oom) {
		rc = BO_ESTORAGE;
		goto fail;
	}
	free(s.v);
	free(ctx.keys);
	*out = b.s;
	return BO_OK;
fail:
	free(s.v);
	free(ctx.keys);
	free(b.s);
	return rc == BO_OK ? BO_ESTORAGE : rc;
}
