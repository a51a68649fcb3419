/* The in-memory storage adapter: the storage vtable (backorder/storage.h)
 * on top of the data structures in this directory, each in a room of its
 * own with a unit test that drives it directly (tests/memory/):
 *
 *   arena.c   arenas, slabs and big tables: where the memory comes from
 *   kset.c    nodes found by id: items, orders, interned SKUs
 *   qvec.c    an ordered queue of (key, line) slots in chunks
 *   ulog.c    the undo log: transactions and savepoints
 *
 * This file holds the records themselves: an item node (its record, its
 * two queues, its supply and subscriptions in red-black trees from libbsd's
 * <bsd/sys/tree.h>, header-only), an order node (its record and its lines
 * in compact form, from an arena), the outbox, the metadata, and what each
 * callback logs so that a rollback restores the state exactly.
 * docs/ARCHITECTURE.md ("The memory store") has the whole picture.
 *
 * Sees only <backorder/storage.h>. */
#include "backorder/memory.h"

#include "arena.h"
#include "kset.h"
#include "qvec.h"
#include "ulog.h"

#ifndef __unused
#define __unused __attribute__((unused)) /* tree.h expects BSD cdefs */
#endif
#include <bsd/sys/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct snode {
	RB_ENTRY(snode) rb;
	bo_supply_rec r;
} snode;
RB_HEAD(stree, snode);

typedef struct subnode {
	RB_ENTRY(subnode) rb;
	bo_sub_rec r;
} subnode;
RB_HEAD(subtree, subnode);

typedef struct inode {
	bo_item_rec r;
	bo__qvec q[2];
	struct stree sup;
	struct subtree subs;
} inode;

typedef struct onode {
	bo_order_rec r;
	unsigned char *lines; /* LTAIL bytes a line (see LSKU) */
	uint32_t nl, cap;
	uint32_t incap;       /* lines `in` has room for */
	unsigned char in[];   /* the lines the order was created with, in the same allocation */
} onode;

/* A stored line is a pointer to its SKU, interned once per store (see
 * sku_intern()), then the rest of its record without the order id (the
 * node's), padding or the reserved words (read back as zero):
 *
 *   LSKU  const char *   the interned SKU
 *   LIDX  uint32_t       index
 *   LBAS  int32_t        eta_basis (storage version 2)
 *   LMID  placed .. key  as in the record, 104 bytes
 *   LV2   eta_base, eta_release (storage version 2)
 *
 * 136 bytes a line (on LP64) instead of the record's 272; the ETA basis
 * added 12 to the 124 of before. */
#define LSKU 0
#define LIDX (LSKU + sizeof(const char *))
#define LBAS (LIDX + sizeof(uint32_t))
#define LMID (LBAS + sizeof(int32_t))
#define MID_OFF offsetof(bo_line_rec, placed)
#define MID_LEN (offsetof(bo_line_rec, eta_basis) - MID_OFF)
#define LV2 (LMID + MID_LEN)
#define V2_OFF offsetof(bo_line_rec, eta_base)
#define V2_LEN (sizeof(bo_line_rec) - V2_OFF)
#define LTAIL (LV2 + V2_LEN)
#define LPAD_OFF (offsetof(bo_line_rec, sku) + sizeof(((bo_line_rec *)0)->sku))
_Static_assert(offsetof(bo_line_rec, eta_release) == V2_OFF + sizeof(int64_t) &&
		       V2_LEN == 2 * sizeof(int64_t),
	       "eta_base and eta_release end the line record, side by side");
_Static_assert(offsetof(bo_line_rec, key) + sizeof(bo_queue_key) == offsetof(bo_line_rec, eta_basis),
	       "placed .. key run up to eta_basis");

static void line_out(const onode *n, uint32_t i, bo_line_rec *out)
{
	const unsigned char *p = n->lines + (size_t)i * LTAIL;
	const char *sku;
	memcpy(&sku, p + LSKU, sizeof(sku));
	/* fixed sizes: an interned SKU is a whole BO_ID_MAX + 1 array */
	memcpy(out->order_id, n->r.id, sizeof(out->order_id));
	memcpy(out->sku, sku, sizeof(out->sku));
	/* padding, reserved words: zero, so a record read is the same bytes
	 * whatever the caller's buffer held */
	memset((unsigned char *)out + LPAD_OFF, 0, offsetof(bo_line_rec, index) - LPAD_OFF);
	memcpy(&out->index, p + LIDX, sizeof(out->index));
	memset(&out->reserved, 0, MID_OFF - offsetof(bo_line_rec, reserved));
	memcpy((unsigned char *)out + MID_OFF, p + LMID, MID_LEN);
	memcpy(&out->eta_basis, p + LBAS, sizeof(out->eta_basis));
	out->reserved2 = 0;
	memcpy((unsigned char *)out + V2_OFF, p + LV2, V2_LEN);
}

static const char *line_sku(const onode *n, uint32_t i)
{
	const char *sku;
	memcpy(&sku, n->lines + (size_t)i * LTAIL + LSKU, sizeof(sku));
	return sku;
}

/* Write line i of n: `sku` is rec->sku interned. */
static void line_in(onode *n, uint32_t i, const char *sku, const bo_line_rec *rec)
{
	unsigned char *p = n->lines + (size_t)i * LTAIL;
	memcpy(p + LSKU, &sku, sizeof(sku));
	memcpy(p + LIDX, &rec->index, sizeof(rec->index));
	memcpy(p + LBAS, &rec->eta_basis, sizeof(rec->eta_basis));
	memcpy(p + LMID, (const unsigned char *)rec + MID_OFF, MID_LEN);
	memcpy(p + LV2, (const unsigned char *)rec + V2_OFF, V2_LEN);
}

static int scmp(const snode *a, const snode *b)
{
	if (a->r.expected != b->r.expected)
		return a->r.expected < b->r.expected ? -1 : 1;
	return strcmp(a->r.id, b->r.id);
}
static int subcmp(const subnode *a, const subnode *b) { return a->r.seq < b->r.seq ? -1 : a->r.seq > b->r.seq; }

RB_GENERATE_STATIC(stree, snode, rb, scmp)
RB_GENERATE_STATIC(subtree, subnode, rb, subcmp)

enum { U_ITEM, U_ORDER, U_LINE, U_QINS, U_QDEL, U_SUP, U_SUB_ADD, U_SUB_DEL, U_OUT_APPEND, U_OUT_ACK, U_META };

typedef struct meta_kv {
	char key[32];
	int64_t v;
} meta_kv;

typedef struct undo {
	int kind;
	int existed;
	int q;
	union {
		bo_item_rec item;
		bo_order_rec order;
		bo_line_rec line;
		bo_queue_entry qe;
		struct {
			bo_supply_rec old;
			char sku[BO_ID_MAX + 1];
			char id[BO_ID_MAX + 1];
		} sup;
		bo_sub_rec sub;
		meta_kv meta;
		size_t head;
	} u;
} undo;

typedef struct mem {
	bo__kset items, orders;
	bo__kset skus;    /* every SKU a line has named: BO_ID_MAX + 1 byte arrays, kept until close */
	bo__arena onodes; /* the order nodes */
	bo__slab qslots;  /* the queues' slot arrays */
	inode *li;  /* last item found: consecutive calls mostly name the same one */
	onode *lo;  /* last order found */
	bo_event_rec *ev;
	size_t head, len, cap;
	size_t ocur;  /* index outbox_next returned last: O(1) walks */
	meta_kv *meta;
	size_t nmeta;
	bo__ulog ul;  /* the undo log (written only inside a transaction) */
	bool in_txn;
} mem;

#define OOM() (bo_storage_error("memory store: out of memory"), BO_ESTORAGE)

/* The payload an undo entry of its kind holds: a whole record when one was
 * replaced, the key when one was created. */
static size_t undo_payload(const undo *u)
{
	switch (u->kind) {
	case U_ITEM: return u->existed ? sizeof(bo_item_rec) : sizeof(u->u.item.sku);
	case U_ORDER: return u->existed ? sizeof(bo_order_rec) : sizeof(u->u.order.id);
	case U_LINE: return u->existed ? sizeof(bo_line_rec) : sizeof(u->u.line.order_id);
	case U_QINS: case U_QDEL: return sizeof(bo_queue_entry);
	case U_SUP: return sizeof(u->u.sup);
	case U_SUB_ADD: case U_SUB_DEL: return sizeof(bo_sub_rec);
	case U_OUT_ACK: return sizeof(size_t);
	case U_META: return sizeof(meta_kv);
	default: return 0;
	}
}

/* Log an undo entry: `n` bytes of `payload` (what undo_payload() says an
 * entry of `kind` holds). Callers pass the old record in place, so nothing
 * is copied twice. Outside a transaction nothing is logged. */
static int log_add(mem *m, int kind, int existed, int q, const void *payload, size_t n)
{
	if (!m->in_txn)
		return BO_OK;
	return bo__ulog_add(&m->ul, kind, existed, q, payload, n) ? BO_OK : OOM();
}

static int log_push(mem *m, const undo *u)
{
	return log_add(m, u->kind, u->existed, u->q, &u->u, undo_payload(u));
}

/* Forget the last entry (its change did not happen). */
static void log_pop(mem *m)
{
	if (m->in_txn)
		bo__ulog_pop(&m->ul);
}

static inode *ifind(mem *m, const char *sku)
{
	inode *n;
	if (m->li && strcmp(m->li->r.sku, sku) == 0)
		return m->li;
	n = bo__kset_find(&m->items, sku);
	if (n)
		m->li = n;
	return n;
}

static onode *ofind(mem *m, const char *id)
{
	onode *n;
	if (m->lo && strcmp(m->lo->r.id, id) == 0)
		return m->lo;
	n = bo__kset_find(&m->orders, id);
	if (n)
		m->lo = n;
	return n;
}

/* The store's copy of `sku`, made on first use when `add`; NULL when out
 * of memory or (not `add`) unknown. Lines point at it: a line costs a
 * pointer instead of 65 bytes, and a copy never dangles (an interned SKU
 * lives until the store closes, whatever happens to its item). */
static const char *sku_intern(mem *m, const char *sku, bool add)
{
	char *s = bo__kset_find(&m->skus, sku);
	if (s || !add)
		return s;
	if (!bo__kset_reserve(&m->skus) || !(s = calloc(1, BO_ID_MAX + 1)))
		return NULL;
	memcpy(s, sku, strnlen(sku, BO_ID_MAX));
	bo__kset_add(&m->skus, s);
	return s;
}

/* The interned SKU for writing `rec` as line i of n: the line's own when
 * it keeps its SKU. */
static const char *line_sku_for(mem *m, const onode *n, uint32_t i, const bo_line_rec *rec, bool add)
{
	if (i < n->nl) {
		const char *cur = line_sku(n, i);
		if (strcmp(cur, rec->sku) == 0)
			return cur;
	}
	return sku_intern(m, rec->sku, add);
}

/* ---------------------------------------------------------------- */
/* Raw operations (no logging), used by both the API and undo. */

/* Write item `r`; `n` is its node, found by the caller, or NULL if new. */
static int raw_item_put(mem *m, inode *n, const bo_item_rec *r)
{
	if (n) {
		n->r = *r;
		return BO_OK;
	}
	if (!bo__kset_reserve(&m->items) || !(n = calloc(1, sizeof(*n))))
		return OOM();
	n->r = *r;
	bo__qvec_init(&n->q[0], &m->qslots);
	bo__qvec_init(&n->q[1], &m->qslots);
	RB_INIT(&n->sup);
	RB_INIT(&n->subs);
	bo__kset_add(&m->items, n);
	m->li = n;
	return BO_OK;
}

/* A queue slot's ref is its order's node, or (tag 1) a malloc'd copy of
 * the order id when the order is not stored, which the core never does. */
static void slot_free(bo__qslot *sl)
{
	if (sl->tag)
		free(sl->ref);
}

static void free_item(inode *n)
{
	for (int q = 0; q < 2; q++) {
		bo__qpos p;
		bool more = bo__qvec_next(&n->q[q], NULL, &p);
		for (; more; more = bo__qvec_step(&n->q[q], &p))
			slot_free(bo__qvec_at(&n->q[q], p));
		bo__qvec_free(&n->q[q]);
	}
	snode *s, *s2;
	RB_FOREACH_SAFE(s, stree, &n->sup, s2) {
		RB_REMOVE(stree, &n->sup, s);
		free(s);
	}
	subnode *b, *b2;
	RB_FOREACH_SAFE(b, subtree, &n->subs, b2) {
		RB_REMOVE(subtree, &n->subs, b);
		free(b);
	}
	free(n);
}

/* Write order `r`; `n` is its node, found by the caller, or NULL if new. */
static int raw_order_put(mem *m, onode *n, const bo_order_rec *r)
{
	uint32_t cap;
	if (n) {
		n->r = *r;
		return BO_OK;
	}
	/* The record says how many lines will follow: room for them in the
	 * node's own allocation, not a realloc per line. */
	cap = r->nlines <= 64 ? r->nlines : 0;
	if (!bo__kset_reserve(&m->orders) || !(n = bo__arena_alloc(&m->onodes, sizeof(*n) + cap * LTAIL)))
		return OOM();
	n->lines = cap ? n->in : NULL;
	n->nl = 0;
	n->cap = n->incap = cap;
	n->r = *r;
	bo__kset_add(&m->orders, n);
	m->lo = n; /* its lines come next */
	return BO_OK;
}

/* Write the entry of slot `sl` in item `it`'s queue to `out`. A slot keeps
 * no copy of the SKU (its item's) and, when the order is stored, none of
 * the order id either: a queue change allocates nothing. */
static void slot_entry(const inode *it, const bo__qslot *sl, bo_queue_entry *out)
{
	/* Whole arrays where the source is one (a fixed-size copy is a few
	 * moves; strnlen() first was a call and a loop). */
	memcpy(out->sku, it->r.sku, sizeof(out->sku));
	if (sl->tag) {
		const char *id = sl->ref;
		memcpy(out->order_id, id, strnlen(id, BO_ID_MAX) + 1);
	} else {
		memcpy(out->order_id, ((const onode *)sl->ref)->r.id, sizeof(out->order_id));
	}
	out->index = sl->index;
	out->reserved = 0;
	out->key = sl->key;
}

/* The core reads the line of an entry it has just been handed: make its
 * order the one ofind() tries first, which saves a hash probe (a cache
 * miss on a large book). */
static void remember_order(mem *m, const bo__qslot *sl)
{
	if (!sl->tag)
		m->lo = sl->ref;
}

static int raw_qins(mem *m, int q, const bo_queue_entry *e)
{
	inode *it = ifind(m, e->sku);
	onode *o;
	void *ref;
	int rc;
	if (!it || q < 0 || q > 1) {
		bo_storage_error("memory store: queue insert for unknown item '%s'", e->sku);
		return BO_ESTORAGE;
	}
	/* Orders are never deleted except by undoing their creation, which
	 * undoes every later change first: a slot may point at its node. */
	if ((o = ofind(m, e->order_id))) {
		ref = o;
	} else {
		size_t n = strnlen(e->order_id, BO_ID_MAX);
		if (!(ref = malloc(n + 1)))
			return OOM();
		memcpy(ref, e->order_id, n);
		((char *)ref)[n] = '\0';
	}
	rc = bo__qvec_insert(&it->q[q], &e->key, ref, e->index, o == NULL);
	if (rc != 0 && !o)
		free(ref);
	if (rc > 0) {
		bo_storage_error("memory store: duplicate queue key");
		return BO_ESTORAGE;
	}
	return rc < 0 ? OOM() : BO_OK;
}

/* Remove the entry with `key` from queue `q` of `it` (unlogged). */
static bool raw_qdel(inode *it, int q, const bo_queue_key *key)
{
	bo__qvec *qv = &it->q[q];
	bo__qpos p;
	if (!bo__qvec_find(qv, key, &p))
		return false;
	slot_free(bo__qvec_at(qv, p));
	bo__qvec_remove(qv, p);
	return true;
}

static bo__qvec *qv_of(mem *m, int q, const char *sku, inode **itp)
{
	inode *it = ifind(m, sku);
	if (!it || q < 0 || q > 1)
		return NULL;
	if (itp)
		*itp = it;
	return &it->q[q];
}

static snode *sfind(inode *it, const char *id)
{
	snode *s;
	RB_FOREACH(s, stree, &it->sup)
		if (strcmp(s->r.id, id) == 0)
			return s;
	return NULL;
}

static int raw_sup_put(mem *m, const bo_supply_rec *r)
{
	inode *it = ifind(m, r->sku);
	snode *s;
	if (!it) {
		bo_storage_error("memory store: supply for unknown item '%s'", r->sku);
		return BO_ESTORAGE;
	}
	s = sfind(it, r->id);
	if (s) {
		RB_REMOVE(stree, &it->sup, s);
	} else {
		s = malloc(sizeof(*s));
		if (!s)
			return OOM();
	}
	s->r = *r;
	RB_INSERT(stree, &it->sup, s);
	return BO_OK;
}

static void raw_sup_del(mem *m, const char *sku, const char *id)
{
	inode *it = ifind(m, sku);
	snode *s = it ? sfind(it, id) : NULL;
	if (s) {
		RB_REMOVE(stree, &it->sup, s);
		free(s);
	}
}

static int meta_idx(mem *m, const char *key)
{
	for (size_t i = 0; i < m->nmeta; i++) /* a handful of keys: first byte, then the rest */
		if (m->meta[i].key[0] == key[0] && strcmp(m->meta[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int raw_meta_put(mem *m, const char *key, int64_t v)
{
	int i = meta_idx(m, key);
	if (i >= 0) {
		m->meta[i].v = v;
		return BO_OK;
	}
	meta_kv *n = realloc(m->meta, (m->nmeta + 1) * sizeof(*n));
	if (!n)
		return OOM();
	m->meta = n;
	memset(&m->meta[m->nmeta], 0, sizeof(meta_kv));
	strncpy(m->meta[m->nmeta].key, key, sizeof(m->meta[0].key) - 1);
	m->meta[m->nmeta].v = v;
	m->nmeta++;
	return BO_OK;
}

static void raw_meta_del(mem *m, const char *key)
{
	int i = meta_idx(m, key);
	if (i >= 0)
		m->meta[i] = m->meta[--m->nmeta];
}

/* ---------------------------------------------------------------- */
/* Undo */

static void undo_one(mem *m, const undo *u)
{
	switch (u->kind) {
	case U_ITEM:
		if (u->existed) {
			raw_item_put(m, ifind(m, u->u.item.sku), &u->u.item);
		} else {
			inode *n = ifind(m, u->u.item.sku);
			if (n) {
				bo__kset_del(&m->items, n);
				if (m->li == n)
					m->li = NULL;
				free_item(n);
			}
		}
		break;
	case U_ORDER:
		if (u->existed) {
			raw_order_put(m, ofind(m, u->u.order.id), &u->u.order);
		} else {
			onode *n = ofind(m, u->u.order.id);
			if (n) {
				bo__kset_del(&m->orders, n);
				if (m->lo == n)
					m->lo = NULL;
				if (n->lines != n->in)
					free(n->lines);
				bo__arena_unalloc(&m->onodes, n, sizeof(*n) + n->incap * LTAIL);
			}
		}
		break;
	case U_LINE: {
		onode *n = ofind(m, u->u.line.order_id);
		if (!n)
			break;
		if (u->existed) {
			/* the old SKU was interned when the line was first written */
			const char *sku = line_sku_for(m, n, u->u.line.index, &u->u.line, false);
			if (sku)
				line_in(n, u->u.line.index, sku, &u->u.line);
		} else if (n->nl > 0)
			n->nl--;
		break;
	}
	case U_QINS: {
		inode *it = NULL;
		if (qv_of(m, u->q, u->u.qe.sku, &it))
			raw_qdel(it, u->q, &u->u.qe.key);
		break;
	}
	case U_QDEL:
		raw_qins(m, u->q, &u->u.qe);
		break;
	case U_SUP:
		raw_sup_del(m, u->u.sup.sku, u->u.sup.id);
		if (u->existed)
			raw_sup_put(m, &u->u.sup.old);
		break;
	case U_SUB_ADD: {
		inode *it = ifind(m, u->u.sub.sku);
		subnode k, *n;
		k.r.seq = u->u.sub.seq;
		if (it && (n = RB_FIND(subtree, &it->subs, &k))) {
			RB_REMOVE(subtree, &it->subs, n);
			free(n);
		}
		break;
	}
	case U_SUB_DEL: {
		inode *it = ifind(m, u->u.sub.sku);
		subnode *n = malloc(sizeof(*n));
		if (it && n) {
			n->r = u->u.sub;
			RB_INSERT(subtree, &it->subs, n);
		} else {
			free(n);
		}
		break;
	}
	case U_OUT_APPEND:
		if (m->len > m->head)
			m->len--;
		break;
	case U_OUT_ACK:
		m->head = u->u.head;
		break;
	case U_META:
		if (u->existed)
			raw_meta_put(m, u->u.meta.key, u->u.meta.v);
		else
			raw_meta_del(m, u->u.meta.key);
		break;
	}
}

static void undo_to(mem *m, size_t mark)
{
	bo__uentry e;
	undo u;
	while (bo__ulog_take(&m->ul, mark, &e)) {
		memset(&u, 0, sizeof(u));
		u.kind = e.kind;
		u.existed = e.a;
		u.q = e.b;
		memcpy(&u.u, e.payload, undo_payload(&u));
		undo_one(m, &u);
	}
}

/* ---------------------------------------------------------------- */
/* The vtable */

static int mem_begin(void *ud)
{
	mem *m = ud;
	if (m->in_txn) {
		bo_storage_error("memory store: a transaction is open already");
		return BO_ESTORAGE;
	}
	m->in_txn = true;
	bo__ulog_clear(&m->ul);
	return BO_OK;
}

static void compact_outbox(mem *m)
{
	if (m->head > 0 && m->head * 2 >= m->len) {
		memmove(m->ev, m->ev + m->head, (m->len - m->head) * sizeof(*m->ev));
		m->len -= m->head;
		m->head = 0;
		m->ocur = 0;
	}
}

static int mem_commit(void *ud)
{
	mem *m = ud;
	m->in_txn = false;
	bo__ulog_clear(&m->ul);
	compact_outbox(m); /* the undo log keeps its capacity for the next call */
	return BO_OK;
}

static int mem_rollback(void *ud)
{
	mem *m = ud;
	undo_to(m, 0);
	m->in_txn = false;
	bo__ulog_clear(&m->ul);
	return BO_OK;
}

static int mem_savepoint(void *ud)
{
	mem *m = ud;
	return bo__ulog_mark(&m->ul) ? BO_OK : OOM();
}

static int mem_release(void *ud)
{
	mem *m = ud;
	size_t pos;
	if (!bo__ulog_unmark(&m->ul, &pos)) {
		bo_storage_error("memory store: no savepoint to release");
		return BO_ESTORAGE;
	}
	return BO_OK;
}

static int mem_rollback_to(void *ud)
{
	mem *m = ud;
	size_t pos;
	if (!bo__ulog_unmark(&m->ul, &pos)) {
		bo_storage_error("memory store: no savepoint to roll back to");
		return BO_ESTORAGE;
	}
	undo_to(m, pos);
	return BO_OK;
}

static int mem_item_get(void *ud, const char *sku, bo_item_rec *out, int for_update)
{
	inode *n = ifind(ud, sku);
	(void)for_update;
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_item_put(void *ud, const bo_item_rec *rec)
{
	mem *m = ud;
	inode *n = ifind(m, rec->sku);
	int rc;
	/* the old record, or for a new one its key (sku is the first field) */
	if (n)
		rc = log_add(m, U_ITEM, 1, 0, &n->r, sizeof(n->r));
	else
		rc = log_add(m, U_ITEM, 0, 0, rec->sku, sizeof(rec->sku));
	if (rc < 0)
		return rc;
	if ((rc = raw_item_put(m, n, rec)) < 0)
		log_pop(m);
	return rc;
}

static int mem_item_next(void *ud, const char *after, bo_item_rec *out)
{
	mem *m = ud;
	inode *n = bo__kset_next(&m->items, after);
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_order_get(void *ud, const char *id, bo_order_rec *out, int for_update)
{
	onode *n = ofind(ud, id);
	(void)for_update;
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_order_put(void *ud, const bo_order_rec *rec)
{
	mem *m = ud;
	onode *n = ofind(m, rec->id);
	int rc;
	if (n)
		rc = log_add(m, U_ORDER, 1, 0, &n->r, sizeof(n->r));
	else
		rc = log_add(m, U_ORDER, 0, 0, rec->id, sizeof(rec->id));
	if (rc < 0)
		return rc;
	if ((rc = raw_order_put(m, n, rec)) < 0)
		log_pop(m);
	return rc;
}

static int mem_order_next(void *ud, const char *after, bo_order_rec *out)
{
	mem *m = ud;
	onode *n = bo__kset_next(&m->orders, after);
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_line_get(void *ud, const char *order_id, uint32_t index, bo_line_rec *out)
{
	onode *n = ofind(ud, order_id);
	if (!n || index >= n->nl)
		return BO_ENOTFOUND;
	line_out(n, index, out);
	return BO_OK;
}

static int mem_line_put(void *ud, const bo_line_rec *rec)
{
	mem *m = ud;
	onode *n = ofind(m, rec->order_id);
	const char *sku;
	int rc, existed;
	if (!n || rec->index > n->nl) {
		bo_storage_error("memory store: line %u of unknown order '%s' or out of sequence", rec->index, rec->order_id);
		return BO_ESTORAGE;
	}
	if (rec->index == n->nl && n->nl == n->cap) {
		uint32_t cap = n->cap ? n->cap * 2 : 1;
		unsigned char *nl;
		if (n->lines == n->in) { /* outgrows the node: move to an array of its own */
			if ((nl = malloc(cap * LTAIL)) != NULL)
				memcpy(nl, n->in, (size_t)n->nl * LTAIL);
		} else {
			nl = realloc(n->lines, cap * LTAIL);
		}
		if (!nl)
			return OOM();
		n->lines = nl;
		n->cap = cap;
	}
	if (!(sku = line_sku_for(m, n, rec->index, rec, true)))
		return OOM();
	existed = rec->index < n->nl;
	if (existed) {
		bo_line_rec old;
		line_out(n, rec->index, &old);
		rc = log_add(m, U_LINE, 1, 0, &old, sizeof(old));
	} else
		rc = log_add(m, U_LINE, 0, 0, rec->order_id, sizeof(rec->order_id));
	if (rc < 0)
		return rc;
	line_in(n, rec->index, sku, rec);
	if (!existed)
		n->nl++;
	return BO_OK;
}

static int mem_queue_insert(void *ud, int queue, const bo_queue_entry *entry)
{
	mem *m = ud;
	int rc = raw_qins(m, queue, entry);
	if (rc < 0)
		return rc;
	if ((rc = log_add(m, U_QINS, 0, queue, entry, sizeof(*entry))) < 0) {
		inode *it = NULL;
		if (qv_of(m, queue, entry->sku, &it))
			raw_qdel(it, queue, &entry->key);
	}
	return rc;
}

static int mem_queue_remove(void *ud, int queue, const char *sku, const bo_queue_key *key)
{
	mem *m = ud;
	inode *it = NULL;
	bo__qvec *qv = qv_of(m, queue, sku, &it);
	bo_queue_entry old;
	bo__qpos p;
	int rc;
	if (!qv || !bo__qvec_find(qv, key, &p))
		return BO_ENOTFOUND;
	slot_entry(it, bo__qvec_at(qv, p), &old);
	if ((rc = log_add(m, U_QDEL, 0, queue, &old, sizeof(old))) < 0)
		return rc;
	slot_free(bo__qvec_at(qv, p));
	bo__qvec_remove(qv, p);
	return BO_OK;
}

static int mem_queue_next(void *ud, int queue, const char *sku, const bo_queue_key *after, bo_queue_entry *out)
{
	inode *it = NULL;
	bo__qvec *qv = qv_of(ud, queue, sku, &it);
	bo__qpos p;
	if (!qv || !bo__qvec_next(qv, after, &p))
		return BO_ENOTFOUND;
	slot_entry(it, bo__qvec_at(qv, p), out);
	remember_order(ud, bo__qvec_at(qv, p));
	return BO_OK;
}

static int mem_queue_prev(void *ud, int queue, const char *sku, const bo_queue_key *before, bo_queue_entry *out)
{
	inode *it = NULL;
	bo__qvec *qv = qv_of(ud, queue, sku, &it);
	bo__qpos p;
	if (!qv || !bo__qvec_prev(qv, before, &p))
		return BO_ENOTFOUND;
	slot_entry(it, bo__qvec_at(qv, p), out);
	remember_order(ud, bo__qvec_at(qv, p));
	return BO_OK;
}

static int mem_supply_get(void *ud, const char *sku, const char *id, bo_supply_rec *out)
{
	inode *it = ifind(ud, sku);
	snode *s = it ? sfind(it, id) : NULL;
	if (!s)
		return BO_ENOTFOUND;
	*out = s->r;
	return BO_OK;
}

static int sup_log(mem *m, const char *sku, const char *id)
{
	inode *it = ifind(m, sku);
	snode *s = it ? sfind(it, id) : NULL;
	undo u = { .kind = U_SUP, .existed = s != NULL };
	if (s)
		u.u.sup.old = s->r;
	strncpy(u.u.sup.sku, sku, BO_ID_MAX);
	strncpy(u.u.sup.id, id, BO_ID_MAX);
	return log_push(m, &u);
}

static int mem_supply_put(void *ud, const bo_supply_rec *rec)
{
	mem *m = ud;
	int rc = sup_log(m, rec->sku, rec->id);
	if (rc < 0)
		return rc;
	if ((rc = raw_sup_put(m, rec)) < 0)
		log_pop(m);
	return rc;
}

static int mem_supply_del(void *ud, const char *sku, const char *id)
{
	mem *m = ud;
	inode *it = ifind(m, sku);
	int rc;
	if (!it || !sfind(it, id))
		return BO_ENOTFOUND;
	if ((rc = sup_log(m, sku, id)) < 0)
		return rc;
	raw_sup_del(m, sku, id);
	return BO_OK;
}

static int mem_supply_next(void *ud, const char *sku, const bo_supply_rec *after, bo_supply_rec *out)
{
	inode *it = ifind(ud, sku);
	snode *n;
	if (!it)
		return BO_ENOTFOUND;
	if (!after) {
		n = RB_MIN(stree, &it->sup);
	} else {
		snode k;
		k.r = *after;
		n = RB_NFIND(stree, &it->sup, &k);
		if (n && scmp(n, &k) == 0)
			n = RB_NEXT(stree, &it->sup, n);
	}
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_sub_add(void *ud, const bo_sub_rec *rec)
{
	mem *m = ud;
	inode *it = ifind(m, rec->sku);
	subnode *n;
	undo u = { .kind = U_SUB_ADD };
	int rc;
	if (!it) {
		bo_storage_error("memory store: subscription for unknown item '%s'", rec->sku);
		return BO_ESTORAGE;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return OOM();
	n->r = *rec;
	u.u.sub = *rec;
	if ((rc = log_push(m, &u)) < 0) {
		free(n);
		return rc;
	}
	if (RB_INSERT(subtree, &it->subs, n)) {
		free(n);
		log_pop(m);
		bo_storage_error("memory store: duplicate subscription sequence");
		return BO_ESTORAGE;
	}
	return BO_OK;
}

static int mem_sub_next(void *ud, const char *sku, uint64_t after, bo_sub_rec *out)
{
	inode *it = ifind(ud, sku);
	subnode k, *n;
	if (!it)
		return BO_ENOTFOUND;
	k.r.seq = after;
	n = RB_NFIND(subtree, &it->subs, &k);
	if (n && n->r.seq == after)
		n = RB_NEXT(subtree, &it->subs, n);
	if (!n)
		return BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

static int mem_sub_del(void *ud, const char *sku, uint64_t seq)
{
	mem *m = ud;
	inode *it = ifind(m, sku);
	subnode k, *n;
	undo u = { .kind = U_SUB_DEL };
	int rc;
	k.r.seq = seq;
	if (!it || !(n = RB_FIND(subtree, &it->subs, &k)))
		return BO_ENOTFOUND;
	u.u.sub = n->r;
	if ((rc = log_push(m, &u)) < 0)
		return rc;
	RB_REMOVE(subtree, &it->subs, n);
	free(n);
	return BO_OK;
}

static int mem_outbox_append(void *ud, const bo_event_rec *ev)
{
	mem *m = ud;
	int rc;
	if (!bo__grow(&m->ev, m->len, &m->cap, 256, sizeof(*m->ev)))
		return OOM();
	if ((rc = log_add(m, U_OUT_APPEND, 0, 0, NULL, 0)) < 0)
		return rc;
	m->ev[m->len++] = *ev;
	return BO_OK;
}

static int mem_outbox_next(void *ud, uint64_t after, bo_event_rec *out)
{
	mem *m = ud;
	size_t lo = m->head, hi = m->len;
	if (m->ocur >= m->head && m->ocur < m->len && m->ev[m->ocur].seq == after) {
		lo = m->ocur + 1;
		hi = lo;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->ev[mid].seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= m->len)
		return BO_ENOTFOUND;
	m->ocur = lo;
	*out = m->ev[lo];
	return BO_OK;
}

static int mem_outbox_ack(void *ud, uint64_t upto)
{
	mem *m = ud;
	int rc;
	if ((rc = log_add(m, U_OUT_ACK, 0, 0, &m->head, sizeof(m->head))) < 0)
		return rc;
	while (m->head < m->len && m->ev[m->head].seq <= upto)
		m->head++;
	return BO_OK;
}

static int mem_meta_get(void *ud, const char *key, int64_t *value)
{
	mem *m = ud;
	int i = meta_idx(m, key);
	if (i < 0)
		return BO_ENOTFOUND;
	*value = m->meta[i].v;
	return BO_OK;
}

static int mem_meta_put(void *ud, const char *key, int64_t value)
{
	mem *m = ud;
	int i = meta_idx(m, key);
	meta_kv old;
	size_t len = strlen(key);
	int rc;
	if (len >= sizeof(old.key)) {
		bo_storage_error("memory store: metadata key too long");
		return BO_ESTORAGE;
	}
	memcpy(old.key, key, len + 1);
	old.v = i >= 0 ? m->meta[i].v : 0;
	if ((rc = log_add(m, U_META, i >= 0, 0, &old, sizeof(old))) < 0)
		return rc;
	if (i >= 0) { /* the common case: an existing key, found once */
		m->meta[i].v = value;
		return BO_OK;
	}
	if ((rc = raw_meta_put(m, key, value)) < 0)
		log_pop(m);
	return rc;
}

static void mem_close(void *ud)
{
	mem *m = ud;
	size_t pos = 0;
	void *node;
	if (!m)
		return;
	while ((node = bo__kset_iter(&m->items, &pos)))
		free_item(node);
	pos = 0;
	while ((node = bo__kset_iter(&m->orders, &pos))) {
		onode *o = node;
		if (o->lines != o->in)
			free(o->lines);
	}
	pos = 0;
	while ((node = bo__kset_iter(&m->skus, &pos)))
		free(node);
	bo__arena_free(&m->onodes);
	bo__slab_destroy(&m->qslots);
	bo__kset_free(&m->items);
	bo__kset_free(&m->orders);
	bo__kset_free(&m->skus);
	free(m->ev);
	free(m->meta);
	bo__ulog_free(&m->ul);
	free(m);
}

static const bo_storage memory_vtable = {
	.version = BO_STORAGE_VERSION,
	.size = sizeof(bo_storage),
	.begin = mem_begin,
	.commit = mem_commit,
	.rollback = mem_rollback,
	.item_get = mem_item_get,
	.item_put = mem_item_put,
	.item_next = mem_item_next,
	.order_get = mem_order_get,
	.order_put = mem_order_put,
	.order_next = mem_order_next,
	.line_get = mem_line_get,
	.line_put = mem_line_put,
	.queue_insert = mem_queue_insert,
	.queue_remove = mem_queue_remove,
	.queue_next = mem_queue_next,
	.queue_prev = mem_queue_prev,
	.supply_get = mem_supply_get,
	.supply_put = mem_supply_put,
	.supply_del = mem_supply_del,
	.supply_next = mem_supply_next,
	.sub_add = mem_sub_add,
	.sub_next = mem_sub_next,
	.sub_del = mem_sub_del,
	.outbox_append = mem_outbox_append,
	.outbox_next = mem_outbox_next,
	.outbox_ack = mem_outbox_ack,
	.meta_get = mem_meta_get,
	.meta_put = mem_meta_put,
	.savepoint = mem_savepoint,
	.release = mem_release,
	.rollback_to = mem_rollback_to,
	.close = mem_close,
};

int bo_memory_storage(const bo_storage **vtable, void **user_data)
{
	mem *m;
	if (!vtable || !user_data) {
		bo_storage_error("memory store: NULL argument");
		return BO_EINVALID;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return OOM();
	bo__kset_init(&m->items, offsetof(inode, r.sku));
	bo__kset_init(&m->skus, 0);
	bo__kset_init(&m->orders, offsetof(onode, r.id));
	*vtable = &memory_vtable;
	*user_data = m;
	return BO_OK;
}
