/* The in-memory storage adapter.
 *
 * Records live in red-black trees (libbsd's <bsd/sys/tree.h>, the BSD
 * header-only implementation used across the BSDs: well kept, no runtime
 * dependency) for ordered walks, with a uthash index (header-only, the
 * widely used C hash table) on items and orders for O(1) look-ups by id. Queues, supply and subscriptions hang off their item's node.
 * Transactions keep an undo log; savepoints are marks in it.
 *
 * Sees only <backorder/storage.h>. */
#include "backorder/memory.h"

#ifndef __unused
#define __unused __attribute__((unused)) /* tree.h expects BSD cdefs */
#endif
#include <bsd/sys/tree.h>
#define HASH_FUNCTION HASH_FNV /* short ids: FNV-1a beats the default Jenkins hash */
#include <uthash.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct qnode {
	RB_ENTRY(qnode) rb;
	bo_queue_entry e;
} qnode;
RB_HEAD(qtree, qnode);

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
	RB_ENTRY(inode) rb;
	bo_item_rec r;
	struct qtree q[2];
	struct stree sup;
	struct subtree subs;
	qnode *cur[2];  /* last node queue_next returned: O(1) walks */
	UT_hash_handle hh;
} inode;
RB_HEAD(itree, inode);

typedef struct onode {
	RB_ENTRY(onode) rb;
	bo_order_rec r;
	bo_line_rec *lines;
	uint32_t nl, cap;
	UT_hash_handle hh;
} onode;
RB_HEAD(otree, onode);

static inline int keycmp(const bo_queue_key *a, const bo_queue_key *b)
{
	for (int i = 0; i < BO_KEY_WORDS; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}
static int qcmp(const qnode *a, const qnode *b) { return keycmp(&a->e.key, &b->e.key); }
static int scmp(const snode *a, const snode *b)
{
	if (a->r.expected != b->r.expected)
		return a->r.expected < b->r.expected ? -1 : 1;
	return strcmp(a->r.id, b->r.id);
}
static int subcmp(const subnode *a, const subnode *b) { return a->r.seq < b->r.seq ? -1 : a->r.seq > b->r.seq; }
static int icmp(const inode *a, const inode *b) { return strcmp(a->r.sku, b->r.sku); }
static int ocmp(const onode *a, const onode *b) { return strcmp(a->r.id, b->r.id); }

RB_GENERATE_STATIC(qtree, qnode, rb, qcmp)
RB_GENERATE_STATIC(stree, snode, rb, scmp)
RB_GENERATE_STATIC(subtree, subnode, rb, subcmp)
RB_GENERATE_STATIC(itree, inode, rb, icmp)
RB_GENERATE_STATIC(otree, onode, rb, ocmp)

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
	struct itree items;
	struct otree orders;
	inode *ihash;
	onode *ohash;
	inode *li;  /* last item found: consecutive calls mostly name the same one */
	onode *lo;  /* last order found */
	bo_event_rec *ev;
	size_t head, len, cap;
	size_t ocur;  /* index outbox_next returned last: O(1) walks */
	meta_kv *meta;
	size_t nmeta;
	unsigned char *log;  /* undo log: payload + footer per entry, in bytes */
	size_t nlog, logcap; /* bytes used, bytes allocated */
	size_t *marks;
	size_t nmarks, markcap;
	bool in_txn;
} mem;

#define OOM() (bo_storage_error("memory store: out of memory"), BO_ESTORAGE)

/* Each undo entry is stored compactly: only the bytes its kind needs
 * (a whole record when one was replaced, the key when one was created),
 * then a footer. The log is walked backwards by footers. */
typedef struct undo_footer {
	uint32_t size;
	uint8_t kind, existed, q, pad;
} undo_footer;

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

/* Append an undo entry: `n` bytes of `payload` (what undo_payload() says
 * an entry of `kind` holds) and its footer. Callers pass the old record in
 * place, so nothing is copied twice. */
static int log_add(mem *m, int kind, int existed, int q, const void *payload, size_t n)
{
	size_t pay, need;
	undo_footer f;
	if (!m->in_txn)
		return BO_OK;
	pay = (n + 7) & ~(size_t)7;
	need = pay + sizeof(f);
	if (m->nlog + need > m->logcap) {
		size_t cap = m->logcap ? m->logcap * 2 : 16384;
		while (cap < m->nlog + need)
			cap *= 2;
		unsigned char *n = realloc(m->log, cap);
		if (!n)
			return OOM();
		m->log = n;
		m->logcap = cap;
	}
	if (n)
		memcpy(m->log + m->nlog, payload, n);
	f.size = (uint32_t)pay;
	f.kind = (uint8_t)kind;
	f.existed = (uint8_t)existed;
	f.q = (uint8_t)q;
	f.pad = 0;
	memcpy(m->log + m->nlog + pay, &f, sizeof(f));
	m->nlog += need;
	return BO_OK;
}

static int log_push(mem *m, const undo *u)
{
	return log_add(m, u->kind, u->existed, u->q, &u->u, undo_payload(u));
}

/* Forget the last entry (its change did not happen). */
static void log_pop(mem *m)
{
	undo_footer f;
	if (!m->in_txn || m->nlog < sizeof(f))
		return;
	memcpy(&f, m->log + m->nlog - sizeof(f), sizeof(f));
	m->nlog -= f.size + sizeof(f);
}

static inode *ifind(mem *m, const char *sku)
{
	inode *n;
	if (m->li && strcmp(m->li->r.sku, sku) == 0)
		return m->li;
	HASH_FIND(hh, m->ihash, sku, strnlen(sku, BO_ID_MAX), n);
	if (n)
		m->li = n;
	return n;
}

static onode *ofind(mem *m, const char *id)
{
	onode *n;
	if (m->lo && strcmp(m->lo->r.id, id) == 0)
		return m->lo;
	HASH_FIND(hh, m->ohash, id, strnlen(id, BO_ID_MAX), n);
	if (n)
		m->lo = n;
	return n;
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
	n = calloc(1, sizeof(*n));
	if (!n)
		return OOM();
	n->r = *r;
	RB_INIT(&n->q[0]);
	RB_INIT(&n->q[1]);
	RB_INIT(&n->sup);
	RB_INIT(&n->subs);
	RB_INSERT(itree, &m->items, n);
	HASH_ADD(hh, m->ihash, r.sku, strlen(n->r.sku), n);
	return BO_OK;
}

static void free_item(inode *n)
{
	for (int q = 0; q < 2; q++) {
		qnode *x, *y;
		RB_FOREACH_SAFE(x, qtree, &n->q[q], y) {
			RB_REMOVE(qtree, &n->q[q], x);
			free(x);
		}
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
	if (n) {
		n->r = *r;
		return BO_OK;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return OOM();
	n->r = *r;
	RB_INSERT(otree, &m->orders, n);
	HASH_ADD(hh, m->ohash, r.id, strlen(n->r.id), n);
	return BO_OK;
}

static int raw_qins(mem *m, int q, const bo_queue_entry *e)
{
	inode *it = ifind(m, e->sku);
	qnode *n;
	if (!it || q < 0 || q > 1) {
		bo_storage_error("memory store: queue insert for unknown item '%s'", e->sku);
		return BO_ESTORAGE;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return OOM();
	n->e = *e;
	if (RB_INSERT(qtree, &it->q[q], n)) {
		free(n);
		bo_storage_error("memory store: duplicate queue key");
		return BO_ESTORAGE;
	}
	return BO_OK;
}

static qnode *qfind(mem *m, int q, const char *sku, const bo_queue_key *key, inode **itp)
{
	inode *it = ifind(m, sku);
	qnode k;
	if (!it || q < 0 || q > 1)
		return NULL;
	*itp = it;
	k.e.key = *key;
	return RB_FIND(qtree, &it->q[q], &k);
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
	for (size_t i = 0; i < m->nmeta; i++)
		if (strcmp(m->meta[i].key, key) == 0)
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
				RB_REMOVE(itree, &m->items, n);
				HASH_DELETE(hh, m->ihash, n);
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
				RB_REMOVE(otree, &m->orders, n);
				HASH_DELETE(hh, m->ohash, n);
				if (m->lo == n)
					m->lo = NULL;
				free(n->lines);
				free(n);
			}
		}
		break;
	case U_LINE: {
		onode *n = ofind(m, u->u.line.order_id);
		if (!n)
			break;
		if (u->existed)
			n->lines[u->u.line.index] = u->u.line;
		else if (n->nl > 0)
			n->nl--;
		break;
	}
	case U_QINS: {
		inode *it;
		qnode *n = qfind(m, u->q, u->u.qe.sku, &u->u.qe.key, &it);
		if (n) {
			if (it->cur[u->q] == n)
				it->cur[u->q] = NULL;
			RB_REMOVE(qtree, &it->q[u->q], n);
			free(n);
		}
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
	undo u;
	undo_footer f;
	while (m->nlog > mark) {
		memcpy(&f, m->log + m->nlog - sizeof(f), sizeof(f));
		m->nlog -= f.size + sizeof(f);
		memset(&u, 0, sizeof(u));
		u.kind = f.kind;
		u.existed = f.existed;
		u.q = f.q;
		memcpy(&u.u, m->log + m->nlog, undo_payload(&u));
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
	m->nlog = 0;
	m->nmarks = 0;
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
	m->nlog = 0;
	m->nmarks = 0;
	compact_outbox(m); /* the undo log keeps its capacity for the next call */
	return BO_OK;
}

static int mem_rollback(void *ud)
{
	mem *m = ud;
	undo_to(m, 0);
	m->in_txn = false;
	m->nmarks = 0;
	return BO_OK;
}

static int mem_savepoint(void *ud)
{
	mem *m = ud;
	if (m->nmarks == m->markcap) {
		size_t cap = m->markcap ? m->markcap * 2 : 8;
		size_t *n = realloc(m->marks, cap * sizeof(*n));
		if (!n)
			return OOM();
		m->marks = n;
		m->markcap = cap;
	}
	m->marks[m->nmarks++] = m->nlog;
	return BO_OK;
}

static int mem_release(void *ud)
{
	mem *m = ud;
	if (m->nmarks == 0) {
		bo_storage_error("memory store: no savepoint to release");
		return BO_ESTORAGE;
	}
	m->nmarks--;
	return BO_OK;
}

static int mem_rollback_to(void *ud)
{
	mem *m = ud;
	if (m->nmarks == 0) {
		bo_storage_error("memory store: no savepoint to roll back to");
		return BO_ESTORAGE;
	}
	undo_to(m, m->marks[--m->nmarks]);
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
	inode *n;
	if (!after) {
		n = RB_MIN(itree, &m->items);
	} else {
		inode k;
		memcpy(k.r.sku, after, strnlen(after, BO_ID_MAX) + 1);
		k.r.sku[BO_ID_MAX] = '\0';
		n = RB_NFIND(itree, &m->items, &k);
		if (n && strcmp(n->r.sku, k.r.sku) == 0)
			n = RB_NEXT(itree, &m->items, n);
	}
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
	onode *n;
	if (!after) {
		n = RB_MIN(otree, &m->orders);
	} else {
		onode k;
		memcpy(k.r.id, after, strnlen(after, BO_ID_MAX) + 1);
		k.r.id[BO_ID_MAX] = '\0';
		n = RB_NFIND(otree, &m->orders, &k);
		if (n && strcmp(n->r.id, k.r.id) == 0)
			n = RB_NEXT(otree, &m->orders, n);
	}
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
	*out = n->lines[index];
	return BO_OK;
}

static int mem_line_put(void *ud, const bo_line_rec *rec)
{
	mem *m = ud;
	onode *n = ofind(m, rec->order_id);
	int rc, existed;
	if (!n || rec->index > n->nl) {
		bo_storage_error("memory store: line %u of unknown order '%s' or out of sequence", rec->index, rec->order_id);
		return BO_ESTORAGE;
	}
	if (rec->index == n->nl && n->nl == n->cap) {
		uint32_t cap = n->cap ? n->cap * 2 : 1;
		bo_line_rec *nl = realloc(n->lines, cap * sizeof(*nl));
		if (!nl)
			return OOM();
		n->lines = nl;
		n->cap = cap;
	}
	existed = rec->index < n->nl;
	if (existed)
		rc = log_add(m, U_LINE, 1, 0, &n->lines[rec->index], sizeof(*rec));
	else
		rc = log_add(m, U_LINE, 0, 0, rec->order_id, sizeof(rec->order_id));
	if (rc < 0)
		return rc;
	n->lines[rec->index] = *rec;
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
		qnode *n = qfind(m, queue, entry->sku, &entry->key, &it);
		if (n && it) {
			if (it->cur[queue] == n)
				it->cur[queue] = NULL;
			RB_REMOVE(qtree, &it->q[queue], n);
			free(n);
		}
	}
	return rc;
}

static int mem_queue_remove(void *ud, int queue, const char *sku, const bo_queue_key *key)
{
	mem *m = ud;
	inode *it;
	qnode *n = qfind(m, queue, sku, key, &it);
	int rc;
	if (!n)
		return BO_ENOTFOUND;
	if ((rc = log_add(m, U_QDEL, 0, queue, &n->e, sizeof(n->e))) < 0)
		return rc;
	if (it->cur[queue] == n)
		it->cur[queue] = NULL;
	RB_REMOVE(qtree, &it->q[queue], n);
	free(n);
	return BO_OK;
}

static int mem_queue_next(void *ud, int queue, const char *sku, const bo_queue_key *after, bo_queue_entry *out)
{
	inode *it = ifind(ud, sku);
	qnode *n;
	if (!it || queue < 0 || queue > 1)
		return BO_ENOTFOUND;
	if (!after) {
		n = RB_MIN(qtree, &it->q[queue]);
	} else if (it->cur[queue] && keycmp(&it->cur[queue]->e.key, after) == 0) {
		n = RB_NEXT(qtree, &it->q[queue], it->cur[queue]);
	} else {
		qnode k;
		k.e.key = *after;
		n = RB_NFIND(qtree, &it->q[queue], &k);
		if (n && keycmp(&n->e.key, after) == 0)
			n = RB_NEXT(qtree, &it->q[queue], n);
	}
	it->cur[queue] = n;
	if (!n)
		return BO_ENOTFOUND;
	*out = n->e;
	return BO_OK;
}

static int mem_queue_prev(void *ud, int queue, const char *sku, const bo_queue_key *before, bo_queue_entry *out)
{
	inode *it = ifind(ud, sku);
	qnode *n;
	if (!it || queue < 0 || queue > 1)
		return BO_ENOTFOUND;
	if (!before) {
		n = RB_MAX(qtree, &it->q[queue]);
	} else {
		qnode k;
		k.e.key = *before;
		n = RB_NFIND(qtree, &it->q[queue], &k);
		n = n ? RB_PREV(qtree, &it->q[queue], n) : RB_MAX(qtree, &it->q[queue]);
	}
	if (!n)
		return BO_ENOTFOUND;
	*out = n->e;
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
	if (m->len == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		bo_event_rec *n = realloc(m->ev, cap * sizeof(*n));
		if (!n)
			return OOM();
		m->ev = n;
		m->cap = cap;
	}
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
	if ((rc = raw_meta_put(m, key, value)) < 0)
		log_pop(m);
	return rc;
}

static void mem_close(void *ud)
{
	mem *m = ud;
	inode *i, *i2;
	onode *o, *o2;
	if (!m)
		return;
	HASH_CLEAR(hh, m->ihash);
	HASH_CLEAR(hh, m->ohash);
	RB_FOREACH_SAFE(i, itree, &m->items, i2) {
		RB_REMOVE(itree, &m->items, i);
		free_item(i);
	}
	RB_FOREACH_SAFE(o, otree, &m->orders, o2) {
		RB_REMOVE(otree, &m->orders, o);
		free(o->lines);
		free(o);
	}
	free(m->ev);
	free(m->meta);
	free(m->log);
	free(m->marks);
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
	RB_INIT(&m->items);
	RB_INIT(&m->orders);
	*vtable = &memory_vtable;
	*user_data = m;
	return BO_OK;
}
