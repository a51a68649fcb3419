/* The in-memory storage adapter: the storage vtable (backorder/storage.h)
 * on top of the data structures in this directory, each in a room of its
 * own with a unit test that drives it directly (tests/memory/):
 *
 *   arena.c   arenas and big tables: where the memory comes from
 *   kset.c    nodes found by id: items, orders, interned strings
 *   qvec.c    an ordered queue of (key, line) slots in chunks
 *   line.c    a line record packed in 64 bytes
 *   ulog.c    the undo log: transactions and savepoints
 *
 * This file holds the records and what a rollback needs to restore them:
 *
 * - an item node: its record, its two queues, its supply records and
 *   subscriptions (red-black trees from libbsd's header-only
 *   <bsd/sys/tree.h>);
 * - an order node, from an arena: the order's fields, its id (as long as
 *   it is) and its lines packed (line.c), in one piece; a line that does
 *   not pack is kept whole in a block of its own (a "wide" line);
 * - interned strings: each SKU a line names, once, by number; events
 *   past the first 256 pending point at them and at order nodes instead
 *   of holding 65-byte copies;
 * - the outbox: the first 256 pending events as the records they came as
 *   (a call's few events, acknowledged by the next call), the rest 64
 *   bytes an event (see oev); the metadata;
 * - locations (storage version 3): the location records, a small sorted
 *   array; an item's stock records at locations other than "main", a
 *   small sorted array hung off its node (NULL while it has none); a
 *   line's allocations at such locations, in a node per order that has
 *   any, found by the order's id (an order without any has none). Each
 *   array entry names its location by an interned string.
 *
 * Undo. A transaction, and each savepoint in it, is a segment. The first
 * change of a segment to an item or an order logs a snapshot of it (the
 * whole record; for an order its lines too), stamped with the segment's
 * epoch, and later changes in the segment log nothing more: a rollback
 * puts the snapshot back. Queue changes log the slot. A line that a bulk
 * fill gives units to logs one entry instead (U_FILL: the line, its
 * order's ready flag, its queue moves), not its order's snapshot. The
 * outbox logs nothing: a segment remembers its length and head. A block (a wide line,
 * an order's lines once they outgrow the node, an order id a queue slot
 * owns) that a change lets go of is freed at commit, so a snapshot that
 * still points at it stays good until then.
 *
 * docs/ARCHITECTURE.md ("The memory store") has the whole picture.
 * Sees only <backorder/storage.h>. */
#include "backorder/memory.h"

#include "arena.h"
#include "hist.h"
#include "kset.h"
#include "line.h"
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

#define OOM() (bo_storage_error("memory store: out of memory"), BO_ESTORAGE)

typedef struct istr istr;

/* A supply record as stored: ::bo_supply_rec up to its location (the
 * version 2 record), and the location interned (NULL for ""). */
typedef struct srec {
	char sku[BO_ID_MAX + 1];
	char id[BO_ID_MAX + 1];
	int64_t qty;
	int64_t expected;
} srec;
_Static_assert(offsetof(srec, qty) == offsetof(bo_supply_rec, qty) &&
		       offsetof(srec, expected) == offsetof(bo_supply_rec, expected) &&
		       sizeof(srec) <= offsetof(bo_supply_rec, location),
	       "srec is the head of bo_supply_rec");

typedef struct snode {
	RB_ENTRY(snode) rb;
	const istr *loc;
	srec r;
} snode;
RB_HEAD(stree, snode);

typedef struct subnode {
	RB_ENTRY(subnode) rb;
	bo_sub_rec r;
} subnode;
RB_HEAD(subtree, subnode);

/* Location records of the memory store (storage version 3): an entry of
 * a small array sorted by (index, location bytewise). Stock records of an
 * item: index 0, a = on_hand, b = allocated. Allocations of an order's
 * lines: index the line's, a = qty, b = 0. */
typedef struct lent {
	uint32_t index;
	uint32_t reserved;
	const istr *loc; /* never NULL */
	int64_t a, b;
} lent;

/* The array, in one block: grown by doubling (a new block; the old one is
 * let go of at commit), freed when its last entry goes. */
typedef struct lvec {
	uint32_t n, cap;
	lent e[];
} lvec;

/* The line allocations of one order, found by its id (mem.las). From
 * an arena (mem.lanodes), with room for LA_INL entries in the node itself
 * (after the id, 8-byte aligned): most orders never need a block of their
 * own. A node that goes is kept on a free list (by size) for the next one,
 * from the commit on; the arena is freed wholesale at close. */
typedef struct lanode {
	union {
		lvec *v;              /* the node's own array while it fits there, else a
				       * block; NULL: empty (the node goes; or stays when
				       * memory ran out removing it) */
		struct lanode *next; /* on the free list */
	};
	uint8_t idlen;
	char id[];
} lanode;

/* Entries in the node itself. The node of an order with a slot (`lap`)
 * is found through the slot, not by id: it keeps no copy of the id
 * (idlen 0); and such an order needs one only for its second record (its
 * first is packed in the slot). */
#define LA_INL 2
#define LA_OFF(idlen) ((offsetof(lanode, id) + (size_t)(idlen) + 1 + 7) & ~(size_t)7)
/* A node's bytes (a multiple of the arena's alignment). */
#define LA_BYTES(idlen)                                                                                    \
	((LA_OFF(idlen) + sizeof(lvec) + LA_INL * sizeof(lent) + BO__ARENA_ALIGN - 1) &             \
	 ~(size_t)(BO__ARENA_ALIGN - 1))
#define LA_CLASSES (LA_BYTES(BO_ID_MAX) / BO__ARENA_ALIGN + 1)
/* The array in the node itself. */
static inline lvec *la_inl(const lanode *la) { return (lvec *)((unsigned char *)la + LA_OFF(la->idlen)); }

typedef struct inode {
	/* first: in the cache line of the SKU, which finding the node reads */
	struct hseries *hs; /* its history series (hist.c), once it has one: no look-up */
	const void *hday;   /* where its latest history record was when last written: a
			     * hint to prefetch, never read (it may be stale) */
	bo_item_rec r;
	const istr *str; /* its SKU interned */
	bo__qvec q[2];
	struct stree sup;
	struct subtree subs;
	lvec *stock;     /* stock records at locations other than "main", or NULL */
	uint64_t stamp; /* the epoch of the segment that logged its snapshot */
} inode;

/* An order node: the record's fields, the id, then the lines, packed
 * (BO__LINE_SIZE bytes each) at lines_off(); with `out`, that place holds
 * a pointer to a block with the lines instead. With `lap` (an order made
 * once the store has a location other than "main"), a pointer to its
 * lanode (or NULL) sits between the id and the lines, so its line
 * allocations need no look-up in mem.las; a store that never names a
 * location has no such slot. */
typedef struct onode {
	int64_t created, priority, due;
	uint64_t stamp;     /* the epoch of the segment that logged its snapshot */
	uint32_t nlines;    /* the record's */
	int32_t ship_mode, ready;
	uint32_t nl, cap;   /* lines stored, lines there is room for */
	uint8_t out : 1;    /* the lines are in a block of their own */
	uint8_t las : 1;    /* it may have a node in mem.las (none while clear) */
	uint8_t lap : 1;    /* its lanode's pointer is at slot_off() (set at creation) */
	uint8_t idlen;
	char id[];          /* idlen bytes and a NUL */
} onode;

#define LSZ BO__LINE_SIZE
#define LI_N 2 /* items a look-up tries before the index (mem.li) */
#define HN_N 2 /* item hints a look-up tries (mem.hn) */

static inline size_t slot_off(const onode *n) { return (offsetof(onode, id) + n->idlen + 1 + 7) & ~(size_t)7; }
static inline size_t lines_off(const onode *n) { return slot_off(n) + (n->lap ? sizeof(void *) : 0); }

/* The slot of an order with `lap`: 0 (no line-allocation record), a
 * pointer to its lanode, or (low bit set) its one record packed: most
 * orders of a shop with locations have one line allocated at one
 * location, and then need no lanode at all (no allocation, no new memory
 * per order beyond the slot). */
static inline uintptr_t slot_raw(const onode *n)
{
	uintptr_t v;
	memcpy(&v, (const unsigned char *)n + slot_off(n), sizeof(v));
	return v;
}
static inline void slot_raw_set(onode *n, uintptr_t v)
{
	memcpy((unsigned char *)n + slot_off(n), &v, sizeof(v));
}
/* The lanode in the slot (NULL for none or a packed record). */
static inline struct lanode *slot_get(const onode *n)
{
	uintptr_t v = slot_raw(n);
	return v & 1 ? NULL : (struct lanode *)v;
}
static inline void slot_set(onode *n, struct lanode *la)
{
	slot_raw_set(n, (uintptr_t)la);
}

/* A record packed in a slot: bit 0 set, the location's interned number
 * (24 bits), the line's index (16 bits), the units (23 bits, >= 1). One
 * that does not fit (or a 32-bit machine) takes an lanode. */
static inline bool pk_make(uint32_t no, uint32_t index, int64_t qty, uintptr_t *out)
{
#if UINTPTR_MAX >= 0xffffffffffffffffu
	if (no >= (1u << 24) || index >= (1u << 16) || qty < 1 || qty >= ((int64_t)1 << 23))
		return false;
	*out = (uintptr_t)1 | (uintptr_t)no << 1 | (uintptr_t)index << 25 | (uintptr_t)qty << 41;
	return true;
#else
	(void)no;
	(void)index;
	(void)qty;
	(void)out;
	return false;
#endif
}
static inline void pk_get(uintptr_t v, uint32_t *no, uint32_t *index, int64_t *qty)
{
	uint64_t w = (uint64_t)v;
	*no = (uint32_t)(w >> 1) & 0xffffffu;
	*index = (uint32_t)(w >> 25) & 0xffffu;
	*qty = (int64_t)(w >> 41);
}

static inline unsigned char *lines_of(const onode *n)
{
	unsigned char *a = (unsigned char *)n + lines_off(n), *p;
	if (!n->out)
		return a;
	memcpy(&p, a, sizeof(p));
	return p;
}

/* A queue slot's ref: the line's order node with the line's index + 1 in
 * its low 3 bits, for an index below REF_DIRECT_MAX (nodes are 16-byte
 * aligned); otherwise (a later line of a long order, or an entry whose
 * order is not stored, which the core never writes) a block, whose
 * address has none of those bits set (malloc aligns to 8 at least). A slot
 * is 40 bytes. */
#define REF_DIRECT_MAX 7
typedef struct qref {
	const onode *order; /* NULL: the order is not stored; its id follows */
	uint32_t index;
	char id[];
} qref;
_Static_assert(BO__ARENA_ALIGN >= 16, "order nodes leave the low 4 bits of their address free");

static inline bool ref_direct(const void *ref) { return ((uintptr_t)ref & 7) != 0; }

static inline void ref_decode(const void *ref, const onode **o, const char **id, uint32_t *index)
{
	uintptr_t r = (uintptr_t)ref;
	if (r & 7) {
		*o = (const onode *)(r & ~(uintptr_t)15);
		*index = (uint32_t)(r & 7) - 1;
		*id = NULL;
	} else {
		const qref *b = ref;
		*o = b->order;
		*index = b->index;
		*id = b->id;
	}
}

/* An interned string (a SKU a line or an event names, a customer, an
 * order id an event names without its order): a whole zero-padded array,
 * so it is copied out in one fixed-size move, and a number that lines
 * keep instead of a pointer. Kept until the store closes. */
struct istr {
	uint32_t no;
	char s[BO_ID_MAX + 1];
};

/* An outbox event: the record's numbers, and its strings as pointers to an
 * order node's id or to interned strings (NULL for ""), the location as
 * an interned string's number. 64 bytes. An event at a position below
 * rawcap (at most RAWN) is kept instead as the record it came as, in
 * raw[] at the same position (loc RAW_LOC; the other fields but seq
 * unused): most events are acknowledged by the next call, and interning
 * their ids (a look-up of the order and of each string) cost more than
 * copying the record. raw[] grows with the outbox, so a store whose calls
 * make a few events each keeps room for a few records; a long call's
 * events go on past RAWN in the compact form. */
#define RAWN 256
#define RAW_LOC UINT32_MAX

typedef struct oev {
	uint64_t seq;
	int32_t kind;
	uint32_t loc;            /* the location's interned number + 1; 0 for ""; RAW_LOC: in raw[] */
	uintptr_t order;         /* an onode with bit 0 set (nodes are 16-byte aligned), an istr, or 0 */
	const istr *sku, *cust;
	int64_t qty, eta, time;
} oev;
_Static_assert(sizeof(oev) == 64, "an event is 64 bytes");

typedef struct meta_kv {
	char key[32];
	int64_t v;
	uint64_t stamp;
} meta_kv;

/* What a transaction or savepoint remembers of the outbox. */
typedef struct seg {
	size_t len, head;
} seg;

typedef struct mem {
	bo__kset items, orders;
	bo__kset strs;        /* interned strings */
	istr **strv;          /* by number */
	size_t nstr, strcap;
	const istr *last_str; /* the one interned or found last */
	const istr *last_loc; /* the location interned, found or written last */
	bo__arena onodes;     /* the order nodes */
	inode *li[LI_N];      /* the items found last, most recent first: a call's storage calls
			       * name its item (or its order's items) again and again */
	inode *hn[HN_N];      /* nodes the last item hints pointed at (maybe another id's: compared
			       * before use); a call's first look-up of each of its items */
	size_t nhn;           /* hints given (hn[nhn % HN_N] is the next slot) */
	onode *lo;            /* last order found */
	struct {              /* the id an order look-up missed last, while the set is unchanged */
		uint64_t h, gen; /* its hash (0: none), bo__kset_gen() of the orders then */
		char id[BO_ID_MAX + 1];
	} miss;
	onode **fring;        /* the orders queue_fill gave units to, in turn */
	size_t fput, fget;    /* (fring: RING of them; fget: outbox_append's cursor) */
	const onode *onew;    /* the order made last, and the epoch of the segment that made it: */
	uint64_t onew_epoch;  /* an lanode made for it in that segment needs no undo entry */
	oev *ev;
	bo_event_rec *raw;    /* the records of the events at positions below rawcap (see oev) */
	size_t rawcap;        /* doubling from 8 as the outbox holds more, up to RAWN */
	size_t head, len, cap;
	size_t ocur;          /* index outbox_next returned last: O(1) walks */
	size_t evlim, evready; /* records, bytes of ev[] faulted in ahead (bo__prefault) */
	meta_kv *meta;
	size_t nmeta;
	bo__ulog ul;          /* the undo log (written only inside a transaction) */
	seg *segs;            /* [0]: the transaction; one more per savepoint */
	size_t nseg, segcap;
	uint64_t epoch;       /* the current segment's; a new one for every segment */
	bool in_txn;
	bool gone;            /* this transaction let go of a block: free at commit */
	bool line_blocks;     /* some line was ever wide, or some order's lines moved out:
			       * closing must look for blocks in the order nodes */
	bo__hist hist;        /* history records (hist.c), undone by a journal of their own */
	bo_location_rec *locs; /* location records, sorted by id */
	size_t nloc, loccap;
	bo__kset las;         /* lanode: line allocations at locations, per order */
	bo__arena lanodes;    /* where the lanodes come from */
	lanode *lafree[LA_CLASSES]; /* nodes that went, by la_bytes() / BO__ARENA_ALIGN */
	const onode *lao;     /* the order looked up last in `las` (NULL: none) */
	bool named;           /* a location other than "main" was made: new orders get a slot */
	bool la_blocks;       /* an lanode in an order's slot had a block: closing looks */
	lanode *la;           /* its node (NULL: it has none); cleared by any undo */
} mem;

enum {
	U_ITEM,      /* item snapshot: inode *, bo_item_rec */
	U_ITEM_NEW,  /* inode * */
	U_ORDER,     /* order snapshot: onode *, then its header and lines */
	U_ORDER_NEW, /* onode *, size_t bytes */
	U_QINS,      /* inode *, bo_queue_key (queue in `b`) */
	U_QDEL,      /* inode *, bo__qslot (queue in `b`) */
	U_SUP,       /* undo_sup: a supply node's old record (b = 1), a new node (b = 0) */
	U_SUP_DEL,   /* inode *, snode *: put it back (it is let go of at commit) */
	U_SUB_ADD,   /* bo_sub_rec */
	U_SUB_DEL,   /* inode *, subnode *: put it back (it is let go of at commit) */
	U_META,      /* b 1: (size_t index, int64_t value) of a key that existed; b 0: the new key's meta_kv */
	U_BLOCK_NEW, /* void *: free it */
	U_BLOCK_GONE, /* void *: free it at commit */
	U_LOC,       /* bo_location_rec (existed in `b`) */
	U_LV,        /* undo_lv (the entry existed in `b`) */
	U_LVPTR,     /* undo_lvptr */
	U_LA_NEW,    /* undo_la: remove it (to the free list) */
	U_LA_DEL,    /* undo_la: put it back (to the free list at commit) */
	U_SLOT,      /* undo_slot: an order's slot as it was (0 or a packed record) */
	U_FILL       /* undo_fill: a packed line queue_fill gave units to (a: FILL_*) */
};

/* A line queue_fill gave units to (fill_line()): the line's packed bytes
 * and its order's ready flag as they were, and which queue moves to undo
 * (`a` of the entry: FILL_INS, the slot it took in the allocated queue;
 * FILL_DEL, the slot it left at the head of the waiting queue, both under
 * the line's key, with a direct ref). One entry of 96 bytes instead of
 * the order's snapshot and an entry per queue move (256 bytes for an
 * order of one line): a restock into a long queue logs this per line. */
typedef struct undo_fill {
	struct inode *it;
	struct onode *o;
	uint32_t index;
	int32_t ready;
	unsigned char line[BO__LINE_SIZE];
} undo_fill;
#define FILL_INS 1
#define FILL_DEL 2

/* An order's slot before a packed record went in, changed, went, or gave
 * way to an lanode (which undoing it lets go of). */
typedef struct undo_slot {
	struct onode *o;
	uintptr_t old;
} undo_slot;

/* A supply node changed or made: undone in place, with no allocation (an
 * undo cannot fail). */
typedef struct undo_sup {
	inode *it;
	snode *s;
	srec old;
	const istr *oldloc;
} undo_sup;

/* A node taken out of one of an item's trees. */
typedef struct undo_node {
	inode *it;
	void *node;
} undo_node;

/* An array entry as it was (b = 1), or the key of one that was not there. */
typedef struct undo_lv {
	lvec **slot; /* where the array hangs: an item's or an lanode's field */
	lent old;
} undo_lv;
_Static_assert(sizeof(undo_lv) == sizeof(lvec **) + sizeof(lent), "undo_lv has no padding (lv_put writes it in place)");

/* An lanode made or gone, and its order. */
typedef struct undo_la {
	struct lanode *la;
	onode *o;
} undo_la;

/* Where an array hung before it moved or went. */
typedef struct undo_lvptr {
	lvec **slot;
	lvec *old;
} undo_lvptr;

static int scmp(const snode *a, const snode *b)
{
	if (a->r.expected != b->r.expected)
		return a->r.expected < b->r.expected ? -1 : 1;
	return strcmp(a->r.id, b->r.id);
}
static int subcmp(const subnode *a, const subnode *b) { return a->r.seq < b->r.seq ? -1 : a->r.seq > b->r.seq; }

RB_GENERATE_STATIC(stree, snode, rb, scmp)
RB_GENERATE_STATIC(subtree, subnode, rb, subcmp)

/* ---------------------------------------------------------------- */
/* The undo log */

/* Log an entry of `kind` with `n` bytes of `payload`; nothing outside a
 * transaction. */
static int log_add(mem *m, int kind, int b, const void *payload, size_t n)
{
	if (!m->in_txn)
		return BO_OK;
	return bo__ulog_add(&m->ul, kind, 0, b, payload, n) ? BO_OK : OOM();
}

/* Forget the last entry (its change did not happen). */
static void log_pop(mem *m)
{
	if (m->in_txn)
		bo__ulog_pop(&m->ul);
}

/* A block of `n` bytes that a rollback frees. NULL when out of memory. */
static void *block_new(mem *m, size_t n)
{
	void *p = bo_malloc(n);
	if (p && log_add(m, U_BLOCK_NEW, 0, &p, sizeof(p)) < 0) {
		bo_free(p);
		p = NULL;
	}
	return p;
}

/* Undo block_new() of `p` at once (nothing was logged after it). */
static void block_drop(mem *m, void *p)
{
	log_pop(m);
	bo_free(p);
}

/* Let go of block `p`: freed now outside a transaction, at commit inside
 * one (a snapshot may point at it until then). */
static int block_gone(mem *m, void *p)
{
	if (!m->in_txn) {
		bo_free(p);
		return BO_OK;
	}
	if (log_add(m, U_BLOCK_GONE, 0, &p, sizeof(p)) < 0)
		return BO_ESTORAGE;
	m->gone = true;
	return BO_OK;
}

/* Room in the log for an entry of `n` bytes, written by the caller; NULL
 * (with the error set) when out of memory. Inside a transaction only. */
static unsigned char *log_push(mem *m, int kind, int b, size_t n)
{
	unsigned char *p = bo__ulog_push(&m->ul, kind, 0, b, n);
	if (!p)
		bo_storage_error("memory store: out of memory");
	return p;
}

/* The first change to `n` in this segment logs its snapshot. */
static int item_touch(mem *m, inode *n)
{
	unsigned char *p;
	if (!m->in_txn || n->stamp == m->epoch)
		return BO_OK;
	if (!(p = log_push(m, U_ITEM, 0, sizeof(n) + sizeof(n->r))))
		return BO_ESTORAGE;
	memcpy(p, &n, sizeof(n));
	memcpy(p + sizeof(n), &n->r, sizeof(n->r));
	n->stamp = m->epoch;
	return BO_OK;
}

/* The bytes of an order's snapshot: its header and id (and the pointer
 * to its lines' block), then its lines. */
static size_t order_head_bytes(const onode *n) { return lines_off(n) + (n->out ? sizeof(void *) : 0); }

static int order_touch(mem *m, onode *n)
{
	size_t hb, lb;
	if (!m->in_txn || n->stamp == m->epoch)
		return BO_OK;
	hb = order_head_bytes(n);
	lb = (size_t)n->nl * LSZ;
	{
		/* one entry: the node pointer, the header, the lines */
		unsigned char *p = log_push(m, U_ORDER, 0, sizeof(n) + hb + lb);
		if (!p)
			return BO_ESTORAGE;
		memcpy(p, &n, sizeof(n));
		memcpy(p + sizeof(n), n, hb);
		memcpy(p + sizeof(n) + hb, lines_of(n), lb);
	}
	n->stamp = m->epoch;
	return BO_OK;
}

static void free_item(inode *n);
static void li_forget(mem *m, const inode *n);
static void fring_forget(mem *m);

/* Hang lanode `la` on order `o` (its slot, or mem.las after
 * bo__kset_reserve()), or take it off. */
static void la_attach(mem *m, onode *o, lanode *la)
{
	if (o->lap)
		slot_set(o, la);
	else
		bo__kset_add(&m->las, la);
}
static void la_detach(mem *m, onode *o, lanode *la)
{
	if (o->lap)
		slot_set(o, NULL);
	else
		bo__kset_del(&m->las, la);
}

/* An lanode that went: kept for the next one of its size. */
static void la_push(mem *m, lanode *la)
{
	size_t c = LA_BYTES(la->idlen) / BO__ARENA_ALIGN;
	la->next = m->lafree[c];
	m->lafree[c] = la;
}

/* ---------------------------------------------------------------- */
/* Location arrays (lvec) */

/* (`loc` is at most BO_ID_MAX bytes and a NUL, as an istr's string: a
 * plain strcmp) */
static int lent_cmp(uint32_t index, const char *loc, const lent *e)
{
	const unsigned char *a = (const unsigned char *)loc, *b = (const unsigned char *)e->loc->s;
	if (index != e->index)
		return index < e->index ? -1 : 1;
	/* strcmp, inline: location ids are short */
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (int)*a - (int)*b;
}

/* The position of the first entry not before (index, loc); *found when it
 * is that entry. A few entries: a binary search all the same (the keys
 * are unique: an equal one is the place). */
static uint32_t lv_lower(const lvec *v, uint32_t index, const char *loc, bool *found)
{
	uint32_t lo = 0, hi = v ? v->n : 0;
	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = lent_cmp(index, loc, &v->e[mid]);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entries of `index`: v->e[*first .. *first + return value). */
static uint32_t lv_range(const lvec *v, uint32_t index, uint32_t *first)
{
	bool found;
	uint32_t pos, end;
	*first = 0;
	if (!v)
		return 0;
	/* no location is "": the lower bound of (index, "") is its first */
	pos = lv_lower(v, index, "", &found);
	for (end = pos; end < v->n && v->e[end].index == index; end++)
		;
	*first = pos;
	return end - pos;
}

/* The checks of stock_list and lalloc_list: *n = 0, and whether `cnt`
 * records fit. */
static int list_fits(const char *what, const char *key, const void *out, size_t max, size_t *n, uint32_t cnt)
{
	if (!n) {
		bo_storage_error("memory store: %s: no count", what);
		return BO_ESTORAGE;
	}
	*n = 0;
	if (cnt > max) {
		bo_storage_error("memory store: %s: '%s' has %u records, more than %zu", what, key, cnt, max);
		return BO_ESTORAGE;
	}
	if (cnt && !out) {
		bo_storage_error("memory store: %s: no output array", what);
		return BO_ESTORAGE;
	}
	return BO_OK;
}

/* Put entry `e` in at its place (the array has room). */
static void lv_insert_at(lvec *v, uint32_t pos, const lent *e)
{
	memmove(&v->e[pos + 1], &v->e[pos], (size_t)(v->n - pos) * sizeof(lent));
	v->e[pos] = *e;
	v->n++;
}

static void lv_remove_at(lvec *v, uint32_t pos)
{
	memmove(&v->e[pos], &v->e[pos + 1], (size_t)(v->n - pos - 1) * sizeof(lent));
	v->n--;
}

static void undo_entry(mem *m, const bo__uentry *e)
{
	const unsigned char *p = e->payload;
	switch (e->kind) {
	case U_ITEM: {
		inode *n;
		memcpy(&n, p, sizeof(n));
		memcpy(&n->r, p + sizeof(n), sizeof(n->r));
		break;
	}
	case U_ITEM_NEW: {
		inode *n;
		memcpy(&n, p, sizeof(n));
		bo__kset_del(&m->items, n);
		li_forget(m, n);
		free_item(n);
		break;
	}
	case U_ORDER: {
		onode *n;
		size_t hb;
		memcpy(&n, p, sizeof(n));
		p += sizeof(n);
		/* the header first: it says where the lines go, and how many */
		hb = lines_off(n); /* the id (and so this offset) never changes */
		memcpy(n, p, offsetof(onode, id));
		if (n->out)
			memcpy((unsigned char *)n + hb, p + hb, sizeof(void *));
		hb += n->out ? sizeof(void *) : 0;
		memcpy(lines_of(n), p + hb, (size_t)n->nl * LSZ);
		break;
	}
	case U_ORDER_NEW: {
		onode *n;
		size_t bytes;
		memcpy(&n, p, sizeof(n));
		memcpy(&bytes, p + sizeof(n), sizeof(bytes));
		bo__kset_del(&m->orders, n);
		if (m->lo == n)
			m->lo = NULL;
		fring_forget(m);
		/* a node of its line allocations made with it went unlogged
		 * (mem_lalloc_put): it goes with the order */
		if (n->lap && slot_get(n))
			la_push(m, slot_get(n));
		bo__arena_unalloc(&m->onodes, n, bytes);
		break;
	}
	case U_QINS: {
		inode *it;
		bo_queue_key k;
		bo__qpos pos;
		memcpy(&it, p, sizeof(it));
		memcpy(&k, p + sizeof(it), sizeof(k));
		/* an owned ref is a block: its own entry frees it */
		if (bo__qvec_find(&it->q[e->b], &k, &pos))
			bo__qvec_remove(&it->q[e->b], pos);
		break;
	}
	case U_FILL: {
		undo_fill u;
		bo_line_rec l;
		bo__qpos pos;
		memcpy(&u, p, sizeof(u));
		bo__line_unpack(u.line, &l); /* (for its key) */
		if ((e->a & FILL_INS) && bo__qvec_find(&u.it->q[BO_QUEUE_ALLOCATED], &l.key, &pos))
			bo__qvec_remove(&u.it->q[BO_QUEUE_ALLOCATED], pos);
		if (e->a & FILL_DEL)
			(void)bo__qvec_insert(&u.it->q[BO_QUEUE_WAITING], &l.key, (char *)u.o + u.index + 1);
		memcpy(lines_of(u.o) + (size_t)u.index * LSZ, u.line, LSZ);
		u.o->ready = u.ready;
		break;
	}
	case U_QDEL: {
		inode *it;
		bo__qslot s;
		memcpy(&it, p, sizeof(it));
		memcpy(&s, p + sizeof(it), sizeof(s));
		(void)bo__qvec_insert(&it->q[e->b], &s.key, s.ref);
		break;
	}
	case U_SUP: {
		undo_sup u;
		memcpy(&u, p, sizeof(u));
		RB_REMOVE(stree, &u.it->sup, u.s);
		if (e->b) {
			u.s->r = u.old;
			u.s->loc = u.oldloc;
			RB_INSERT(stree, &u.it->sup, u.s);
		} else {
			bo_free(u.s);
		}
		break;
	}
	case U_SUP_DEL: {
		undo_node u;
		memcpy(&u, p, sizeof(u));
		RB_INSERT(stree, &u.it->sup, (snode *)u.node);
		break;
	}
	case U_SUB_ADD: {
		bo_sub_rec r;
		inode *it;
		subnode k, *n;
		memcpy(&r, p, sizeof(r));
		it = bo__kset_find(&m->items, r.sku);
		k.r.seq = r.seq;
		if (it && (n = RB_FIND(subtree, &it->subs, &k))) {
			RB_REMOVE(subtree, &it->subs, n);
			bo_free(n);
		}
		break;
	}
	case U_SUB_DEL: {
		undo_node u;
		memcpy(&u, p, sizeof(u));
		RB_INSERT(subtree, &u.it->subs, (subnode *)u.node);
		break;
	}
	case U_META: {
		meta_kv old;
		size_t i;
		if (e->b) { /* (keys are only appended, and undone last first: the index holds) */
			int64_t v;
			memcpy(&i, p, sizeof(i));
			memcpy(&v, p + sizeof(i), sizeof(v));
			if (i < m->nmeta)
				m->meta[i].v = v;
			break;
		}
		memcpy(&old, p, sizeof(old));
		for (i = 0; i < m->nmeta && strcmp(m->meta[i].key, old.key) != 0; i++)
			;
		if (i < m->nmeta)
			m->meta[i] = m->meta[--m->nmeta];
		break;
	}
	case U_BLOCK_NEW: {
		void *b;
		memcpy(&b, p, sizeof(b));
		bo_free(b);
		break;
	}
	case U_LOC: {
		bo_location_rec old;
		size_t i;
		memcpy(&old, p, sizeof(old));
		for (i = 0; i < m->nloc && strcmp(m->locs[i].id, old.id) != 0; i++)
			;
		if (i == m->nloc)
			break;
		if (e->b) {
			m->locs[i].rank = old.rank;
		} else {
			memmove(&m->locs[i], &m->locs[i + 1], (m->nloc - i - 1) * sizeof(*m->locs));
			m->nloc--;
		}
		break;
	}
	case U_LV: {
		/* The array is the one that held the entry's old state (any move
		 * since was undone first), so it has room for it. */
		undo_lv u;
		lvec *v;
		bool found;
		uint32_t pos;
		memcpy(&u, p, sizeof(u));
		v = *u.slot;
		pos = lv_lower(v, u.old.index, u.old.loc->s, &found);
		if (e->b && found)
			v->e[pos] = u.old;
		else if (e->b && v && v->n < v->cap)
			lv_insert_at(v, pos, &u.old);
		else if (!e->b && found)
			lv_remove_at(v, pos);
		break;
	}
	case U_LVPTR: {
		undo_lvptr u;
		memcpy(&u, p, sizeof(u));
		*u.slot = u.old;
		break;
	}
	case U_LA_NEW: {
		undo_la u;
		memcpy(&u, p, sizeof(u));
		la_detach(m, u.o, u.la);
		la_push(m, u.la); /* its array went with the undoing of its changes */
		break;
	}
	case U_LA_DEL: {
		/* the set held it and has not shrunk since: no room to make */
		undo_la u;
		memcpy(&u, p, sizeof(u));
		la_attach(m, u.o, u.la);
		break;
	}
	case U_SLOT: {
		/* (an lanode there now was made after: its changes are undone) */
		undo_slot u;
		uintptr_t cur;
		memcpy(&u, p, sizeof(u));
		cur = slot_raw(u.o);
		if (cur != u.old && cur && !(cur & 1))
			la_push(m, (lanode *)cur);
		slot_raw_set(u.o, u.old);
		break;
	}
	default: /* U_BLOCK_GONE: a snapshot points at it again */
		break;
	}
}

static void undo_to(mem *m, size_t pos)
{
	bo__uentry e;
	m->lao = NULL; /* an undone order's node may be another's now */
	m->la = NULL;
	while (bo__ulog_take(&m->ul, pos, &e))
		undo_entry(m, &e);
}

/* Put the outbox back as segment `s` found it. */
static void outbox_restore(mem *m, const seg *s)
{
	m->len = s->len;
	m->head = s->head;
	if (m->ocur >= m->len)
		m->ocur = 0;
}

/* ---------------------------------------------------------------- */
/* Look-ups */

/* Make `n` the item found last. */
static inline void li_push(mem *m, inode *n)
{
	memmove(&m->li[1], &m->li[0], (LI_N - 1) * sizeof(m->li[0]));
	m->li[0] = n;
}

static void li_forget(mem *m, const inode *n)
{
	for (size_t i = 0; i < LI_N; i++)
		if (m->li[i] == n)
			m->li[i] = NULL;
	for (size_t i = 0; i < HN_N; i++)
		if (m->hn[i] == n)
			m->hn[i] = NULL;
}

static inode *ifind(mem *m, const char *sku)
{
	inode *n;
	if (m->li[0] && strcmp(m->li[0]->r.sku, sku) == 0)
		return m->li[0];
	/* The call's first look-up of an item it hinted: the hint found the
	 * node (and asked the processor for it) already, without hashing and
	 * probing again. */
	for (size_t i = 0; i < HN_N && i < m->nhn; i++) {
		inode *h = m->hn[(m->nhn - 1 - i) % HN_N];
		if (h && h != m->li[0] && strcmp(h->r.sku, sku) == 0) {
			li_push(m, h);
			return h;
		}
	}
	/* An order of two lines: its other item, without hashing the id
	 * again (the node is in cache: a compare is cheaper). More entries
	 * cost more compares than the look-ups they save. */
	for (size_t i = 1; i < LI_N && m->li[i]; i++) {
		if (strcmp(m->li[i]->r.sku, sku) == 0) {
			n = m->li[i];
			memmove(&m->li[1], &m->li[0], i * sizeof(m->li[0]));
			m->li[0] = n;
			return n;
		}
	}
	n = bo__kset_find(&m->items, sku);
	if (n)
		li_push(m, n);
	return n;
}

/* The order `id`, or NULL; *h (if not NULL) gets the id's hash when the
 * index was probed (not when the last order found was it). */
static onode *ofind_h(mem *m, const char *id, uint64_t *h)
{
	onode *n;
	uint64_t hh;
	if (m->lo && strcmp(m->lo->id, id) == 0)
		return m->lo;
	hh = bo__kset_hash(id);
	if (h)
		*h = hh;
	n = bo__kset_find_h(&m->orders, id, hh);
	if (n)
		m->lo = n;
	return n;
}

static onode *ofind(mem *m, const char *id) { return ofind_h(m, id, NULL); }

/* The orders a fill gave units to, in turn: the events of a fill name
 * them in the same turn, and the core hands those events over 1,024 at a
 * time (a long fill), long after ofind()'s last order moved on. Finding
 * each in this ring saves a probe of the order index, a cache miss on a
 * large book. Holds RING nodes; emptied when an order node is freed. */
#define RING 2048 /* a power of two, more than the core's EV_SPILL */

static void fring_put(mem *m, onode *o)
{
	if (!m->fring && !(m->fring = bo__zalloc(RING, sizeof(*m->fring))))
		return; /* (only a cache: without it, outbox_append probes) */
	m->fring[m->fput++ & (RING - 1)] = o;
}

/* (at the start and rollback of a transaction or savepoint, and when an
 * order node is freed: the ring then holds nothing) */
static void fring_forget(mem *m)
{
	m->fput = m->fget = 0;
}

/* The order `id` among the ring's next ones, moving the ring's cursor to
 * it; NULL if it is not there. */
static onode *fring_take(mem *m, const char *id)
{
	for (size_t i = m->fget; m->fring && i < m->fput && i < m->fget + 2; i++) {
		onode *o = m->fring[i & (RING - 1)];
		if (i + RING >= m->fput && strcmp(o->id, id) == 0) {
			m->fget = i;
			return o;
		}
	}
	return NULL;
}

/* ofind() for an event: the ring's next orders first. */
static onode *ofind_event(mem *m, const char *id)
{
	onode *o = fring_take(m, id);
	return o ? o : ofind(m, id);
}

/* The interned copy of `s` (at most BO_ID_MAX bytes), made on first use;
 * NULL when out of memory. */
static const istr *intern(mem *m, const char *s)
{
	istr *n;
	/* mostly the SKU of the item the call works on */
	if (m->li[0] && strcmp(m->li[0]->r.sku, s) == 0)
		return m->li[0]->str;
	if (m->last_str && strcmp(m->last_str->s, s) == 0)
		return m->last_str;
	n = bo__kset_find(&m->strs, s);
	if (!n) {
		if (m->nstr >= UINT32_MAX || !bo__grow(&m->strv, m->nstr, &m->strcap, 64, sizeof(*m->strv)) ||
		    !bo__kset_reserve(&m->strs) || !(n = bo__zalloc(1, sizeof(*n))))
			return NULL;
		memcpy(n->s, s, strnlen(s, BO_ID_MAX));
		n->no = (uint32_t)m->nstr;
		m->strv[m->nstr++] = n;
		bo__kset_add(&m->strs, n);
	}
	return m->last_str = n;
}

/* intern() for a location id: mostly the one the call wrote last (a
 * stock record, then the line's allocation and the event there). */
static const istr *intern_loc(mem *m, const char *s)
{
	if (m->last_loc && strcmp(m->last_loc->s, s) == 0)
		return m->last_loc;
	return m->last_loc = intern(m, s);
}

/* ---------------------------------------------------------------- */
/* Records in and out */

static void copy_id(char *dst, const char *src, size_t len)
{
	memset(dst, 0, BO_ID_MAX + 1);
	memcpy(dst, src, len);
}

static void order_out(const onode *n, bo_order_rec *out)
{
	copy_id(out->id, n->id, n->idlen);
	memset(out->id + sizeof(out->id), 0, offsetof(bo_order_rec, created) - sizeof(out->id));
	out->created = n->created;
	out->priority = n->priority;
	out->due = n->due;
	out->ship_mode = n->ship_mode;
	out->ready = n->ready;
	out->nlines = n->nlines;
	out->reserved = 0;
}

static void order_in(onode *n, const bo_order_rec *r)
{
	n->created = r->created;
	n->priority = r->priority;
	n->due = r->due;
	n->ship_mode = r->ship_mode;
	n->ready = r->ready;
	n->nlines = r->nlines;
}

static inline bool line_wide(const unsigned char *l) { return l[BO__LINE_WIDE_BYTE] != 0; }

static inline const bo_line_rec *line_ext(const unsigned char *l)
{
	const bo_line_rec *x;
	memcpy(&x, l + 8, sizeof(x));
	return x;
}

static inline uint32_t line_skuno(const unsigned char *l)
{
	uint32_t no;
	memcpy(&no, l, sizeof(no));
	return no;
}

static void line_out(const mem *m, const onode *n, uint32_t i, bo_line_rec *out)
{
	const unsigned char *l = lines_of(n) + (size_t)i * LSZ;
	if (line_wide(l)) {
		memcpy(out, line_ext(l), sizeof(*out)); /* normalised when written; padding too */
		return;
	}
	copy_id(out->order_id, n->id, n->idlen);
	/* an interned SKU is a whole zero-padded array */
	memcpy(out->sku, m->strv[line_skuno(l)]->s, sizeof(out->sku));
	memset((unsigned char *)out + offsetof(bo_line_rec, sku) + sizeof(out->sku), 0,
	       offsetof(bo_line_rec, index) - offsetof(bo_line_rec, sku) - sizeof(out->sku));
	out->index = i;
	bo__line_unpack(l, out);
}

/* ---------------------------------------------------------------- */
/* Items */

static void free_item(inode *n)
{
	for (int q = 0; q < 2; q++) {
		bo__qpos p;
		bool more = bo__qvec_next(&n->q[q], NULL, &p);
		for (; more; more = bo__qvec_step(&n->q[q], &p))
			if (!ref_direct(bo__qvec_at(&n->q[q], p)->ref))
				bo_free(bo__qvec_at(&n->q[q], p)->ref);
		bo__qvec_free(&n->q[q]);
	}
	snode *s, *s2;
	RB_FOREACH_SAFE(s, stree, &n->sup, s2) {
		RB_REMOVE(stree, &n->sup, s);
		bo_free(s);
	}
	subnode *b, *b2;
	RB_FOREACH_SAFE(b, subtree, &n->subs, b2) {
		RB_REMOVE(subtree, &n->subs, b);
		bo_free(b);
	}
	bo_free(n->stock);
	bo_free(n);
}

static bo__qvec *qv_of(mem *m, int q, const char *sku, inode **itp)
{
	inode *it = ifind(m, sku);
	if (!it || q < 0 || q > 1)
		return NULL;
	*itp = it;
	return &it->q[q];
}

/* Write the entry of slot `sl` in item `it`'s queue to `out`. A slot keeps
 * no copy of the SKU (its item's) and, when the order is stored, none of
 * the order id either: a queue change allocates nothing. */
static void slot_entry(const inode *it, const bo__qslot *sl, bo_queue_entry *out)
{
	memcpy(out->sku, it->r.sku, sizeof(out->sku));
	const onode *o;
	const char *id;
	ref_decode(sl->ref, &o, &id, &out->index);
	if (o)
		copy_id(out->order_id, o->id, o->idlen);
	else
		copy_id(out->order_id, id, strnlen(id, BO_ID_MAX));
	out->reserved = 0;
	out->key = sl->key;
}

/* The core reads the line of an entry it has just been handed: make its
 * order the one ofind() tries first, which saves a hash probe (a cache
 * miss on a large book). */
static void remember_order(mem *m, const bo__qslot *sl)
{
	const onode *o;
	const char *id;
	uint32_t index;
	ref_decode(sl->ref, &o, &id, &index);
	if (o)
		m->lo = (onode *)o;
}

static snode *sfind(inode *it, const char *id)
{
	snode *s;
	RB_FOREACH(s, stree, &it->sup)
		if (strcmp(s->r.id, id) == 0)
			return s;
	return NULL;
}

static int meta_idx(mem *m, const char *key)
{
	/* a handful of keys: the first two bytes, then the rest (keys such
	 * as "line_seq" and "loc_gen" share their first) */
	for (size_t i = 0; i < m->nmeta; i++)
		if (m->meta[i].key[0] == key[0] && (!key[0] || m->meta[i].key[1] == key[1]) &&
		    strcmp(m->meta[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------------- */
/* The vtable: transactions */

static int mem_begin(void *ud)
{
	mem *m = ud;
	if (m->in_txn) {
		bo_storage_error("memory store: a transaction is open already");
		return BO_ESTORAGE;
	}
	if (!bo__grow(&m->segs, 0, &m->segcap, 8, sizeof(*m->segs)))
		return OOM();
	m->in_txn = true;
	m->gone = false;
	bo__hist_begin(&m->hist);
	bo__ulog_clear(&m->ul);
	m->segs[0].len = m->len;
	m->segs[0].head = m->head;
	m->nseg = 1;
	m->epoch++;
	fring_forget(m);
	return BO_OK;
}

static void compact_outbox(mem *m)
{
	if (m->head > 0 && m->head * 2 >= m->len) {
		memmove(m->ev, m->ev + m->head, (m->len - m->head) * sizeof(*m->ev));
		if (m->head < m->rawcap) /* (their records move with them) */
			memmove(m->raw, m->raw + m->head,
				((m->len < m->rawcap ? m->len : m->rawcap) - m->head) * sizeof(*m->raw));
		m->len -= m->head;
		m->head = 0;
		m->ocur = 0;
	}
}

/* The blocks this transaction let go of: free them. */
static void free_gone(mem *m)
{
	bo__uentry e;
	if (!m->gone)
		return;
	while (bo__ulog_take(&m->ul, 0, &e))
		if (e.kind == U_BLOCK_GONE) {
			void *b;
			memcpy(&b, e.payload, sizeof(b));
			bo_free(b);
		} else if (e.kind == U_LA_DEL) {
			undo_la u;
			memcpy(&u, e.payload, sizeof(u));
			la_push(m, u.la);
		}
	m->gone = false;
}

static int mem_commit(void *ud)
{
	mem *m = ud;
	free_gone(m);
	bo__hist_commit(&m->hist);
	m->in_txn = false;
	bo__ulog_clear(&m->ul); /* it keeps its capacity for the next call */
	m->nseg = 0;
	m->epoch++;
	compact_outbox(m);
	return BO_OK;
}

static int mem_rollback(void *ud)
{
	mem *m = ud;
	if (m->nseg > 0)
		outbox_restore(m, &m->segs[0]);
	undo_to(m, 0);
	bo__hist_rollback(&m->hist);
	m->in_txn = false;
	m->gone = false;
	bo__ulog_clear(&m->ul);
	m->nseg = 0;
	m->epoch++;
	fring_forget(m);
	return BO_OK;
}

static int mem_savepoint(void *ud)
{
	mem *m = ud;
	if (!bo__hist_savepoint(&m->hist))
		return OOM();
	if (!bo__grow(&m->segs, m->nseg, &m->segcap, 8, sizeof(*m->segs)) || !bo__ulog_mark(&m->ul)) {
		bo__hist_release(&m->hist);
		return OOM();
	}
	m->segs[m->nseg].len = m->len;
	m->segs[m->nseg].head = m->head;
	m->nseg++;
	m->epoch++;
	return BO_OK;
}

static int mem_release(void *ud)
{
	mem *m = ud;
	size_t pos;
	if (!bo__ulog_unmark(&m->ul, &pos)) {
		bo_storage_error("memory store: no savepoint to release");
		return BO_ESTORAGE;
	}
	bo__hist_release(&m->hist);
	m->nseg--;
	m->epoch++;
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
	outbox_restore(m, &m->segs[--m->nseg]);
	undo_to(m, pos);
	bo__hist_rollback_to(&m->hist);
	m->epoch++;
	fring_forget(m);
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Items */

static int mem_item_get(void *ud, const char *sku, bo_item_rec *out, int for_update)
{
	inode *n = ifind(ud, sku);
	(void)for_update;
	if (!n)
		return BO_ENOTFOUND;
	if (n->hs) /* the call will write its history at the end */
		bo__hist_prefetch(n->hs);
	if (n->hday) /* (mostly today's record, which it will add to) */
		bo__hist_prefetch_at(n->hday);
	bo__qvec_prefetch_tail(&n->q[BO_QUEUE_WAITING]); /* a placement appends to one */
	bo__qvec_prefetch_tail(&n->q[BO_QUEUE_ALLOCATED]);
	*out = n->r;
	return BO_OK;
}

static int mem_item_put(void *ud, const bo_item_rec *rec)
{
	mem *m = ud;
	inode *n = ifind(m, rec->sku);
	if (n) {
		if (item_touch(m, n) < 0)
			return BO_ESTORAGE;
		n->r = *rec;
		if (n->hs)
			bo__hist_prefetch_day(n->hs);
		return BO_OK;
	}
	if (!bo__kset_reserve(&m->items) || !(n = bo__zalloc(1, sizeof(*n))) || !(n->str = intern(m, rec->sku))) {
		bo_free(n);
		return OOM();
	}
	if (log_add(m, U_ITEM_NEW, 0, &n, sizeof(n)) < 0) {
		bo_free(n);
		return BO_ESTORAGE;
	}
	n->r = *rec;
	bo__qvec_init(&n->q[0]);
	bo__qvec_init(&n->q[1]);
	RB_INIT(&n->sup);
	RB_INIT(&n->subs);
	n->stamp = m->epoch; /* undoing its creation undoes every change */
	bo__kset_add(&m->items, n);
	li_push(m, n);
	return BO_OK;
}

static int mem_item_next(void *ud, const char *after, bo_item_rec *out)
{
	mem *m = ud;
	bool oom = false;
	inode *n = bo__kset_next(&m->items, after, &oom);
	if (!n)
		return oom ? OOM() : BO_ENOTFOUND;
	*out = n->r;
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Orders and lines */

static int mem_order_get(void *ud, const char *id, bo_order_rec *out, int for_update)
{
	mem *m = ud;
	uint64_t h = 0;
	onode *n = ofind_h(m, id, &h);
	(void)for_update;
	if (!n) {
		/* A placement looks its new id up, then writes it: remember
		 * the miss, so that the write neither hashes nor probes again. */
		size_t len = strnlen(id, BO_ID_MAX);
		memcpy(m->miss.id, id, len);
		m->miss.id[len] = '\0';
		m->miss.h = h;
		m->miss.gen = bo__kset_gen(&m->orders);
		return BO_ENOTFOUND;
	}
	order_out(n, out);
	return BO_OK;
}

static int mem_order_put(void *ud, const bo_order_rec *rec)
{
	mem *m = ud;
	onode *n = NULL;
	size_t len, off, bytes;
	uint32_t cap;
	uint64_t h = 0;
	unsigned char undo[sizeof(onode *) + sizeof(size_t)];
	if (m->miss.h && m->miss.gen == bo__kset_gen(&m->orders) && strcmp(m->miss.id, rec->id) == 0)
		h = m->miss.h; /* not in the set: the look-up just missed */
	else
		n = ofind_h(m, rec->id, &h);
	if (n) {
		if (order_touch(m, n) < 0)
			return BO_ESTORAGE;
		order_in(n, rec);
		return BO_OK;
	}
	/* The record says how many lines will follow: room for them in the
	 * node itself, not an allocation per line. */
	len = strnlen(rec->id, BO_ID_MAX);
	cap = rec->nlines <= 64 ? rec->nlines : 0;
	off = (offsetof(onode, id) + len + 1 + 7) & ~(size_t)7;
	if (m->named)
		off += sizeof(void *); /* the lanode's slot */
	bytes = off + (cap * LSZ > sizeof(void *) ? cap * LSZ : sizeof(void *));
	if (!bo__kset_reserve(&m->orders) || !(n = bo__arena_alloc(&m->onodes, bytes)))
		return OOM();
	memcpy(undo, &n, sizeof(n));
	memcpy(undo + sizeof(n), &bytes, sizeof(bytes));
	if (log_add(m, U_ORDER_NEW, 0, undo, sizeof(undo)) < 0) {
		bo__arena_unalloc(&m->onodes, n, bytes);
		return BO_ESTORAGE;
	}
	memset(n, 0, offsetof(onode, id));
	order_in(n, rec);
	n->cap = cap;
	n->idlen = (uint8_t)len;
	memcpy(n->id, rec->id, len);
	n->id[len] = '\0';
	if (m->named) {
		n->lap = 1;
		memset((unsigned char *)n + slot_off(n), 0, sizeof(void *));
	}
	n->stamp = m->epoch; /* undoing its creation undoes every change */
	bo__kset_add_h(&m->orders, n, h);
	m->lo = n; /* its lines come next */
	m->onew = n;
	m->onew_epoch = m->epoch;
	return BO_OK;
}

static int mem_order_next(void *ud, const char *after, bo_order_rec *out)
{
	mem *m = ud;
	bool oom = false;
	onode *n = bo__kset_next(&m->orders, after, &oom);
	if (!n)
		return oom ? OOM() : BO_ENOTFOUND;
	order_out(n, out);
	return BO_OK;
}

static int mem_line_get(void *ud, const char *order_id, uint32_t index, bo_line_rec *out)
{
	mem *m = ud;
	onode *n = ofind(m, order_id);
	if (!n || index >= n->nl)
		return BO_ENOTFOUND;
	line_out(m, n, index, out);
	return BO_OK;
}

/* Room for line n->nl: the lines move to a block twice as large. */
static int lines_grow(mem *m, onode *n)
{
	uint32_t cap = n->cap ? n->cap * 2 : 1;
	unsigned char *b, *old = n->out ? lines_of(n) : NULL;
	if (n->cap >= UINT32_MAX / 2 || !(b = block_new(m, (size_t)cap * LSZ)))
		return OOM();
	m->line_blocks = true;
	if (old && block_gone(m, old) < 0) {
		block_drop(m, b);
		return BO_ESTORAGE;
	}
	memcpy(b, lines_of(n), (size_t)n->nl * LSZ);
	n->out = 1;
	memcpy((unsigned char *)n + lines_off(n), &b, sizeof(b));
	n->cap = cap;
	return BO_OK;
}

/* Write `rec` as line rec->index of order `n` (an existing line, or the
 * next one). */
static int line_write(mem *m, onode *n, const bo_line_rec *rec)
{
	const istr *sku = NULL;
	unsigned char packed[LSZ], *l;
	bo_line_rec *ext = NULL;
	int rc;
	/* the SKU's number: the line's own when it keeps its SKU */
	if (rec->index < n->nl) {
		l = lines_of(n) + (size_t)rec->index * LSZ;
		const istr *cur = m->strv[line_skuno(l)];
		if (strcmp(cur->s, rec->sku) == 0)
			sku = cur;
	}
	if (!sku && !(sku = intern(m, rec->sku)))
		return OOM();
	memcpy(packed, &sku->no, sizeof(sku->no));
	if (!bo__line_pack(packed, rec)) {
		/* a wide line: the whole record in a block of its own, normalised
		 * (ids zero-padded, reserved words zero) as line_out() hands it out */
		memset(packed + 4, 0, LSZ - 4);
		packed[BO__LINE_WIDE_BYTE] = 1;
	}
	if ((rc = order_touch(m, n)) < 0)
		return rc;
	if (rec->index == n->nl && n->nl == n->cap && (rc = lines_grow(m, n)) < 0)
		return rc;
	l = lines_of(n) + (size_t)rec->index * LSZ;
	if (packed[BO__LINE_WIDE_BYTE]) {
		if (!(ext = block_new(m, sizeof(*ext))))
			return OOM();
		m->line_blocks = true;
		memset(ext, 0, sizeof(*ext));
		copy_id(ext->order_id, n->id, n->idlen);
		memcpy(ext->sku, sku->s, sizeof(ext->sku));
		ext->index = rec->index;
		memcpy(&ext->placed, &rec->placed, offsetof(bo_line_rec, eta_basis) - offsetof(bo_line_rec, placed));
		ext->eta_basis = rec->eta_basis;
		ext->eta_base = rec->eta_base;
		ext->eta_release = rec->eta_release;
		memcpy(packed + 8, &ext, sizeof(ext));
	}
	if (rec->index < n->nl && line_wide(l) && (rc = block_gone(m, (void *)line_ext(l))) < 0) {
		if (ext)
			block_drop(m, ext);
		return rc;
	}
	memcpy(l, packed, LSZ);
	if (rec->index == n->nl)
		n->nl++;
	return BO_OK;
}

static int mem_line_put(void *ud, const bo_line_rec *rec)
{
	mem *m = ud;
	onode *n = ofind(m, rec->order_id);
	if (!n || rec->index > n->nl) {
		bo_storage_error("memory store: line %u of unknown order '%s' or out of sequence", rec->index, rec->order_id);
		return BO_ESTORAGE;
	}
	return line_write(m, n, rec);
}

/* ---------------------------------------------------------------- */
/* Queues */

/* Insert the slot of line `index` of order `o` (NULL: an order that is
 * not stored, named `order_id`) into queue `queue` of `it`, logged. */
static int qins(mem *m, inode *it, int queue, const bo_queue_key *key, const onode *o, const char *order_id,
		uint32_t index)
{
	void *ref;
	unsigned char *u;
	int rc;
	/* Orders are never deleted except by undoing their creation, which
	 * undoes every later change first: a slot may point at its node. */
	if (o && index < REF_DIRECT_MAX) {
		ref = (char *)o + index + 1;
	} else {
		size_t n = o ? 0 : strnlen(order_id, BO_ID_MAX) + 1;
		qref *b = block_new(m, sizeof(qref) + n);
		if (!b)
			return OOM();
		b->order = o;
		b->index = index;
		if (!o) {
			memcpy(b->id, order_id, n - 1);
			b->id[n - 1] = '\0';
		}
		ref = b;
	}
	rc = bo__qvec_insert(&it->q[queue], key, ref);
	if (rc == 0) {
		if (!m->in_txn)
			return BO_OK;
		if ((u = log_push(m, U_QINS, queue, sizeof(it) + sizeof(*key)))) {
			memcpy(u, &it, sizeof(it));
			memcpy(u + sizeof(it), key, sizeof(*key));
			return BO_OK;
		}
		{
			bo__qpos p;
			if (bo__qvec_find(&it->q[queue], key, &p))
				bo__qvec_remove(&it->q[queue], p);
		}
	}
	if (!ref_direct(ref))
		block_drop(m, ref);
	if (rc > 0) {
		bo_storage_error("memory store: duplicate queue key");
		return BO_ESTORAGE;
	}
	return OOM();
}

static int mem_queue_insert(void *ud, int queue, const bo_queue_entry *entry)
{
	mem *m = ud;
	inode *it = ifind(m, entry->sku);
	if (!it || queue < 0 || queue > 1) {
		bo_storage_error("memory store: queue insert for unknown item '%s'", entry->sku);
		return BO_ESTORAGE;
	}
	return qins(m, it, queue, &entry->key, ofind(m, entry->order_id), entry->order_id, entry->index);
}

/* Remove the slot at `p` of queue `queue` of `it`, logged. */
static int qdel(mem *m, inode *it, int queue, bo__qpos p)
{
	bo__qslot *s = bo__qvec_at(&it->q[queue], p);
	if (m->in_txn) {
		unsigned char *u = log_push(m, U_QDEL, queue, sizeof(it) + sizeof(*s));
		if (!u)
			return BO_ESTORAGE;
		memcpy(u, &it, sizeof(it));
		memcpy(u + sizeof(it), s, sizeof(*s));
	}
	if (!ref_direct(s->ref) && block_gone(m, s->ref) < 0) {
		log_pop(m);
		return BO_ESTORAGE;
	}
	bo__qvec_remove(&it->q[queue], p);
	return BO_OK;
}

static int mem_queue_remove(void *ud, int queue, const char *sku, const bo_queue_key *key)
{
	mem *m = ud;
	inode *it = NULL;
	bo__qvec *qv = qv_of(m, queue, sku, &it);
	bo__qpos p;
	if (!qv || !bo__qvec_find(qv, key, &p))
		return BO_ENOTFOUND;
	return qdel(m, it, queue, p);
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

/* The units line i of `n` waits for and holds. */
static void line_counts(const onode *n, uint32_t i, int64_t *waiting, int64_t *held)
{
	const unsigned char *l = lines_of(n) + (size_t)i * LSZ;
	if (line_wide(l)) {
		*waiting = line_ext(l)->backordered;
		*held = line_ext(l)->allocated;
	} else {
		int32_t w, a;
		memcpy(&w, l + 20, sizeof(w)); /* line.c: backordered at 20, allocated at 16 */
		memcpy(&a, l + 16, sizeof(a));
		*waiting = w;
		*held = a;
	}
}

/* The order's ready flag after line `index` of `o` was written, as the
 * core's bo__order_ready() has it: every line has all it asked for, and
 * some line holds units. */
static int order_ready_now(const onode *o, bool *ready)
{
	bool all = true, any = false;
	for (uint32_t i = 0; i < o->nlines && all; i++) {
		int64_t w, a;
		if (i >= o->nl) {
			bo_storage_error("memory store: line %u of order '%s' is missing", i, o->id);
			return BO_ESTORAGE;
		}
		line_counts(o, i, &w, &a);
		all = w == 0;
		any = any || a > 0;
	}
	*ready = all && any;
	return BO_OK;
}

/* `take` units to line `l`, as the core's give() has it: a line that
 * waits for nothing more has no ETA. */
static void line_take(bo_line_rec *l, int64_t take)
{
	l->allocated += take;
	l->backordered -= take;
	if (l->backordered == 0) {
		l->eta = BO_NO_TIME;
		l->eta_basis = BO_BASIS_NONE;
		l->eta_base = 0;
		l->eta_release = BO_NO_TIME;
	}
}

/* The order's ready flag after a line of it stopped waiting, set as the
 * core's bo__order_ready() has it: 1 if it turned true, 0 if not, < 0 on
 * a broken store. */
static int ready_update(onode *o)
{
	bool ready;
	int rc;
	if ((rc = order_ready_now(o, &ready)) < 0)
		return rc;
	if (ready == (o->ready != 0))
		return 0;
	o->ready = ready;
	return ready ? 1 : 0;
}

/* queue_fill's step for a line in a transaction whose packed form stays
 * packed, at the head of the waiting queue under its own key with a
 * direct ref (every line of an order's first REF_DIRECT_MAX that the core
 * queued): `take` units to line `l` (as line_out() gave it; updated here
 * as the core's give() would) in one undo entry (U_FILL). 1 or 0: done,
 * the order's ready flag changed to true (1) or not; FILL_SLOW: not such
 * a line, nothing done (*l as it was); < 0: an error, nothing done to the
 * store (the call fails). */
#define FILL_SLOW 2
static int fill_line(mem *m, inode *it, bo__qpos p, onode *o, uint32_t index, bo_line_rec *l, int64_t take)
{
	unsigned char *cur = lines_of(o) + (size_t)index * LSZ, packed[LSZ];
	const bo__qslot *sl = bo__qvec_at(&it->q[BO_QUEUE_WAITING], p);
	void *ref = (char *)o + index + 1;
	bool ins = l->allocated == 0, del;
	undo_fill *u;
	int rc;
	if (!m->in_txn || line_wide(cur) || index >= REF_DIRECT_MAX || sl->ref != ref ||
	    memcmp(&sl->key, &l->key, sizeof(l->key)) != 0)
		return FILL_SLOW;
	memcpy(packed, cur, LSZ);
	if (!bo__line_take(packed, take)) /* (the new allocated count does not fit) */
		return FILL_SLOW;
	line_take(l, take);
	del = l->backordered == 0;
	if (!(u = bo__ulog_push(&m->ul, U_FILL, (ins ? FILL_INS : 0) | (del ? FILL_DEL : 0), 0, sizeof(*u))))
		return OOM(); /* (the call fails: *l is not used) */
	u->it = it;
	u->o = o;
	u->index = index;
	u->ready = o->ready;
	memcpy(u->line, cur, LSZ);
	if (ins && (rc = bo__qvec_insert(&it->q[BO_QUEUE_ALLOCATED], &l->key, ref)) != 0) {
		bo__ulog_pop(&m->ul);
		if (rc > 0) {
			bo_storage_error("memory store: duplicate queue key");
			return BO_ESTORAGE;
		}
		return OOM();
	}
	if (del) /* (the head is still p: the insert changed the other queue) */
		bo__qvec_remove(&it->q[BO_QUEUE_WAITING], p);
	memcpy(cur, packed, LSZ);
	return del ? ready_update(o) : 0; /* (an error: a broken store; the call fails and rolls back) */
}

/* fill_line() for any line, through the general undo (the order's
 * snapshot, an entry per queue move); the same results. */
static int fill_line_slow(mem *m, inode *it, bo__qpos p, onode *o, uint32_t index, bo_line_rec *l, int64_t take)
{
	bool was_alloc = l->allocated > 0;
	int rc;
	line_take(l, take);
	if (!was_alloc && (rc = qins(m, it, BO_QUEUE_ALLOCATED, &l->key, o, NULL, index)) < 0)
		return rc;
	/* (the queue's head is still p: qins() changed the other queue) */
	if (l->backordered == 0 && (rc = qdel(m, it, BO_QUEUE_WAITING, p)) < 0)
		return rc;
	if ((rc = line_write(m, o, l)) < 0) /* (it logged the order's snapshot) */
		return rc;
	return l->backordered > 0 ? 0 : ready_update(o);
}

/* Bulk fill (storage version 2): the head of the waiting queue, a batch of
 * lines at a time, each as the core's give() would have it. */
static int mem_queue_fill(void *ud, const char *sku, int64_t avail, size_t max, bo_fill_rec *out, size_t *nout)
{
	mem *m = ud;
	inode *it = ifind(m, sku);
	int rc;
	*nout = 0;
	if (!it)
		return BO_OK; /* no item, nothing waits */
	while (*nout < max && avail > 0) {
		bo_fill_rec *f = &out[*nout];
		bo_line_rec *l = &f->line;
		bo__qpos p;
		const onode *co;
		onode *o;
		const char *oid;
		uint32_t index;
		int64_t take;
		if (!bo__qvec_next(&it->q[BO_QUEUE_WAITING], NULL, &p))
			break;
#if defined(__GNUC__)
		/* The orders of the next two lines: a cache miss each on a large
		 * book (the lines of one item were placed among everyone
		 * else's), asked for while this one is filled. */
		for (size_t a = *nout ? 2 : 1; a <= 2 && *nout + a < max; a++) {
			const bo__qslot *ahead = bo__qvec_peek(&it->q[BO_QUEUE_WAITING], p, a);
			const onode *ao;
			const char *aid;
			uint32_t ai;
			if (!ahead)
				break;
			ref_decode(ahead->ref, &ao, &aid, &ai);
			if (ao) {
				__builtin_prefetch(ao);
				__builtin_prefetch((const char *)ao + 64);
				__builtin_prefetch((const char *)ao + 128);
			}
		}
#endif
		ref_decode(bo__qvec_at(&it->q[BO_QUEUE_WAITING], p)->ref, &co, &oid, &index);
		o = (onode *)co;
		if (!o || index >= o->nl) {
			bo_storage_error("memory store: the waiting queue of '%s' names a missing line", sku);
			return BO_ESTORAGE;
		}
		line_out(m, o, index, l);
		take = l->backordered < avail ? l->backordered : avail;
		if (take < 1) {
			bo_storage_error("memory store: line %u of '%s' waits in the queue of '%s' for nothing", index, o->id, sku);
			return BO_ESTORAGE;
		}
		if ((rc = fill_line(m, it, p, o, index, l, take)) == FILL_SLOW)
			rc = fill_line_slow(m, it, p, o, index, l, take);
		if (rc < 0)
			return rc;
		f->ready = rc == 1;
		f->reserved = 0;
		f->take = take;
		avail -= take;
		++*nout;
		fring_put(m, o);
	}
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Supply and subscriptions */

static void sup_out(const snode *s, bo_supply_rec *out)
{
	memcpy(out, &s->r, sizeof(s->r));
	memset((unsigned char *)out + sizeof(s->r), 0, offsetof(bo_supply_rec, location) - sizeof(s->r));
	if (s->loc)
		memcpy(out->location, s->loc->s, sizeof(out->location));
	else
		memset(out->location, 0, sizeof(out->location));
	memset((unsigned char *)out + offsetof(bo_supply_rec, location) + sizeof(out->location), 0,
	       sizeof(*out) - offsetof(bo_supply_rec, location) - sizeof(out->location));
}

static int mem_supply_get(void *ud, const char *sku, const char *id, bo_supply_rec *out)
{
	inode *it = ifind(ud, sku);
	snode *s = it ? sfind(it, id) : NULL;
	if (!s)
		return BO_ENOTFOUND;
	sup_out(s, out);
	return BO_OK;
}

/* Take node `node` out of tree `tree` of `it` (remove(), put back by
 * insert() if that fails), logged as `kind`; it is freed at commit (at
 * once outside a transaction). */
static int node_gone(mem *m, int kind, inode *it, void *node)
{
	undo_node u;
	memset(&u, 0, sizeof(u));
	u.it = it;
	u.node = node;
	return log_add(m, kind, 0, &u, sizeof(u));
}

static int mem_supply_put(void *ud, const bo_supply_rec *rec)
{
	mem *m = ud;
	inode *it = ifind(m, rec->sku);
	snode *s;
	const istr *loc = NULL;
	undo_sup u;
	if (!it) {
		bo_storage_error("memory store: supply for unknown item '%s'", rec->sku);
		return BO_ESTORAGE;
	}
	if (rec->location[0] && !(loc = intern_loc(m, rec->location)))
		return OOM();
	memset(&u, 0, sizeof(u));
	u.it = it;
	if ((s = sfind(it, rec->id)) != NULL) {
		u.s = s;
		u.old = s->r;
		u.oldloc = s->loc;
		if (log_add(m, U_SUP, 1, &u, sizeof(u)) < 0)
			return BO_ESTORAGE;
		RB_REMOVE(stree, &it->sup, s);
	} else {
		if (!(s = bo_malloc(sizeof(*s))))
			return OOM();
		u.s = s;
		if (log_add(m, U_SUP, 0, &u, sizeof(u)) < 0) {
			bo_free(s);
			return BO_ESTORAGE;
		}
	}
	memcpy(&s->r, rec, sizeof(s->r));
	s->loc = loc;
	RB_INSERT(stree, &it->sup, s);
	return BO_OK;
}

static int mem_supply_del(void *ud, const char *sku, const char *id)
{
	mem *m = ud;
	inode *it = ifind(m, sku);
	snode *s = it ? sfind(it, id) : NULL;
	if (!s)
		return BO_ENOTFOUND;
	if (node_gone(m, U_SUP_DEL, it, s) < 0)
		return BO_ESTORAGE;
	RB_REMOVE(stree, &it->sup, s);
	if (block_gone(m, s) < 0) {
		RB_INSERT(stree, &it->sup, s);
		log_pop(m);
		return BO_ESTORAGE;
	}
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
		memcpy(&k.r, after, sizeof(k.r));
		n = RB_NFIND(stree, &it->sup, &k);
		if (n && scmp(n, &k) == 0)
			n = RB_NEXT(stree, &it->sup, n);
	}
	if (!n)
		return BO_ENOTFOUND;
	sup_out(n, out);
	return BO_OK;
}

static int mem_sub_add(void *ud, const bo_sub_rec *rec)
{
	mem *m = ud;
	inode *it = ifind(m, rec->sku);
	subnode *n;
	if (!it) {
		bo_storage_error("memory store: subscription for unknown item '%s'", rec->sku);
		return BO_ESTORAGE;
	}
	n = bo_malloc(sizeof(*n));
	if (!n)
		return OOM();
	n->r = *rec;
	if (RB_FIND(subtree, &it->subs, n)) {
		bo_free(n);
		bo_storage_error("memory store: duplicate subscription sequence");
		return BO_ESTORAGE;
	}
	if (log_add(m, U_SUB_ADD, 0, rec, sizeof(*rec)) < 0) {
		bo_free(n);
		return BO_ESTORAGE;
	}
	RB_INSERT(subtree, &it->subs, n);
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
	k.r.seq = seq;
	if (!it || !(n = RB_FIND(subtree, &it->subs, &k)))
		return BO_ENOTFOUND;
	if (node_gone(m, U_SUB_DEL, it, n) < 0)
		return BO_ESTORAGE;
	RB_REMOVE(subtree, &it->subs, n);
	if (block_gone(m, n) < 0) {
		RB_INSERT(subtree, &it->subs, n);
		log_pop(m);
		return BO_ESTORAGE;
	}
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* The outbox */

static int mem_outbox_append(void *ud, const bo_event_rec *ev)
{
	mem *m = ud;
	oev *o;
	const onode *ord = NULL;
	const istr *sku = NULL, *cust = NULL, *oname = NULL, *loc = NULL;
	if (m->len >= m->evlim) {
		if (m->len == m->cap && !bo__grow(&m->ev, m->len, &m->cap, 256, sizeof(*m->ev)))
			return OOM();
		/* (a long call's events: their pages faulted in ahead) */
		m->evlim = bo__prefault(m->ev, m->cap * sizeof(*m->ev), m->len * sizeof(*m->ev), &m->evready) /
			   sizeof(*m->ev);
		if (m->evlim <= m->len)
			m->evlim = m->len + 1; /* (less than one record ahead: the next fits) */
	}
	if (m->len == m->rawcap && m->rawcap < RAWN) {
		/* (no room: the compact form below, which the records' room is
		 * only a shortcut for) */
		size_t cap = m->rawcap ? m->rawcap * 2 : 8;
		bo_event_rec *r = bo_realloc(m->raw, cap * sizeof(*r));
		if (r) {
			m->raw = r;
			m->rawcap = cap;
		}
	}
	if (m->len < m->rawcap) {
		/* kept as it came (see oev); the fill ring's cursor still follows
		 * the events (or the events past RAWN would miss it, and each
		 * probe the order index) */
		if (ev->order_id[0] && m->fget < m->fput)
			(void)fring_take(m, ev->order_id);
		memcpy(&m->raw[m->len], ev, sizeof(*ev));
		o = &m->ev[m->len++];
		o->seq = ev->seq;
		o->kind = ev->kind;
		o->loc = RAW_LOC;
		o->order = 0;
		return BO_OK;
	}
	/* the order's node if it is stored (undoing its creation undoes this
	 * append first), else an interned copy */
	if (ev->order_id[0] && !(ord = ofind_event(m, ev->order_id)) && !(oname = intern(m, ev->order_id)))
		return OOM();
	if ((ev->sku[0] && !(sku = intern(m, ev->sku))) || (ev->customer[0] && !(cust = intern(m, ev->customer))))
		return OOM();
	if (ev->location[0] && !(loc = intern_loc(m, ev->location)))
		return OOM();
	o = &m->ev[m->len++];
	o->seq = ev->seq;
	o->kind = ev->kind;
	o->loc = loc ? loc->no + 1 : 0;
	o->order = ord ? (uintptr_t)ord | 1 : (uintptr_t)oname;
	o->sku = sku;
	o->cust = cust;
	o->qty = ev->qty;
	o->eta = ev->eta;
	o->time = ev->time;
	return BO_OK;
}

static void event_out(const mem *m, const oev *o, bo_event_rec *out)
{
	if (o->loc == RAW_LOC) {
		*out = m->raw[o - m->ev];
		return;
	}
	out->seq = o->seq;
	out->kind = o->kind;
	out->reserved = 0;
	if (o->order & 1) {
		const onode *n = (const onode *)(o->order & ~(uintptr_t)1);
		copy_id(out->order_id, n->id, n->idlen);
	} else if (o->order) {
		memcpy(out->order_id, ((const istr *)o->order)->s, sizeof(out->order_id));
	} else {
		memset(out->order_id, 0, sizeof(out->order_id));
	}
	if (o->sku)
		memcpy(out->sku, o->sku->s, sizeof(out->sku));
	else
		memset(out->sku, 0, sizeof(out->sku));
	if (o->cust)
		memcpy(out->customer, o->cust->s, sizeof(out->customer));
	else
		memset(out->customer, 0, sizeof(out->customer));
	out->qty = o->qty;
	out->eta = o->eta;
	out->time = o->time;
	if (o->loc)
		memcpy(out->location, m->strv[o->loc - 1]->s, sizeof(out->location));
	else
		memset(out->location, 0, sizeof(out->location));
	memset((unsigned char *)out + offsetof(bo_event_rec, location) + sizeof(out->location), 0,
	       sizeof(*out) - offsetof(bo_event_rec, location) - sizeof(out->location));
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
#if defined(__GNUC__)
	/* dispatch reads the outbox in turn: ask for the order node of an
	 * event a few ahead (a cache miss each after a long fill) */
	if (lo + 8 < m->len && (m->ev[lo + 8].order & 1)) {
		const onode *o = (const onode *)(m->ev[lo + 8].order & ~(uintptr_t)1);
		__builtin_prefetch(o);
		__builtin_prefetch((const void *)((uintptr_t)o + 64)); /* (its id may cross a line) */
	}
#endif
	event_out(m, &m->ev[lo], out);
	return BO_OK;
}

static int mem_outbox_ack(void *ud, uint64_t upto)
{
	mem *m = ud;
	while (m->head < m->len && m->ev[m->head].seq <= upto)
		m->head++;
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Metadata */

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
	size_t len;
	meta_kv *kv;
	if (i >= 0) { /* the common case: an existing key, logged once a segment */
		kv = &m->meta[i];
		if (m->in_txn && kv->stamp != m->epoch) {
			size_t at = (size_t)i;
			unsigned char *u = log_push(m, U_META, 1, sizeof(at) + sizeof(kv->v));
			if (!u)
				return BO_ESTORAGE;
			memcpy(u, &at, sizeof(at));
			memcpy(u + sizeof(at), &kv->v, sizeof(kv->v));
			kv->stamp = m->epoch;
		}
		kv->v = value;
		return BO_OK;
	}
	if ((len = strlen(key)) >= sizeof(kv->key)) {
		bo_storage_error("memory store: metadata key too long");
		return BO_ESTORAGE;
	}
	if (!(kv = bo_realloc(m->meta, (m->nmeta + 1) * sizeof(*kv))))
		return OOM();
	m->meta = kv;
	kv = &m->meta[m->nmeta];
	memset(kv, 0, sizeof(*kv));
	memcpy(kv->key, key, len + 1);
	if (log_add(m, U_META, 0, kv, sizeof(*kv)) < 0)
		return BO_ESTORAGE;
	kv->v = value;
	kv->stamp = m->epoch;
	m->nmeta++;
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* History (hist.c keeps the records and undoes them itself) */

static int mem_hist_add(void *ud, const bo_hist_rec *delta)
{
	mem *m = ud;
	inode *it = ifind(m, delta->sku); /* mostly the item the call just wrote */
	if (!bo__hist_add_hint(&m->hist, delta, it ? &it->hs : NULL))
		return OOM();
	if (it)
		it->hday = bo__hist_latest(it->hs);
	return BO_OK;
}

static int mem_hist_next(void *ud, const char *sku, int64_t after, bo_hist_rec *out)
{
	mem *m = ud;
	return bo__hist_next(&m->hist, sku, after, out) ? BO_OK : BO_ENOTFOUND;
}

/* ---------------------------------------------------------------- */
/* Look-up hints (storage version 4) */

/* An item's slot is mostly cached (a shop has far fewer items than
 * orders): start on its node. An order's slot is a cache miss of its own
 * on a large book: ask for it alone (waiting for it here would only move
 * the wait). */
static void mem_prefetch(void *ud, int kind, const char *id)
{
	mem *m = ud;
	if (kind == BO_HINT_ITEM)
		m->hn[m->nhn++ % HN_N] = bo__kset_prefetch_node(&m->items, id);
	else if (kind == BO_HINT_ORDER)
		bo__kset_prefetch(&m->orders, id);
}

/* ---------------------------------------------------------------- */
/* Locations (storage version 3) */

static int mem_loc_put(void *ud, const bo_location_rec *rec)
{
	mem *m = ud;
	size_t i, len = strnlen(rec->id, sizeof(rec->id));
	int c = 1;
	bo_location_rec *l;
	if (len == 0 || len > BO_ID_MAX) {
		bo_storage_error("memory store: a location needs an id of 1 to %d bytes", BO_ID_MAX);
		return BO_ESTORAGE;
	}
	for (i = 0; i < m->nloc && (c = strcmp(m->locs[i].id, rec->id)) < 0; i++) /* a few */
		;
	if (i < m->nloc && c == 0) {
		if (log_add(m, U_LOC, 1, &m->locs[i], sizeof(m->locs[i])) < 0)
			return BO_ESTORAGE;
		m->locs[i].rank = rec->rank;
		return BO_OK;
	}
	if (!bo__grow(&m->locs, m->nloc, &m->loccap, 4, sizeof(*m->locs)))
		return OOM();
	l = &m->locs[i];
	memmove(l + 1, l, (m->nloc - i) * sizeof(*l));
	memset(l, 0, sizeof(*l));
	memcpy(l->id, rec->id, len);
	l->rank = rec->rank;
	if (log_add(m, U_LOC, 0, l, sizeof(*l)) < 0) {
		memmove(l, l + 1, (m->nloc - i) * sizeof(*l));
		return BO_ESTORAGE;
	}
	m->nloc++;
	if (strcmp(l->id, BO_LOCATION_MAIN) != 0)
		m->named = true; /* (a hint for new orders: a rollback leaves it) */
	return BO_OK;
}

static int mem_loc_next(void *ud, const char *after, bo_location_rec *out)
{
	mem *m = ud;
	size_t i = 0;
	if (after)
		while (i < m->nloc && strncmp(m->locs[i].id, after, BO_ID_MAX + 1) <= 0)
			i++;
	if (i >= m->nloc)
		return BO_ENOTFOUND;
	*out = m->locs[i];
	return BO_OK;
}

/* Stock and line-allocation records name a location other than "main". */
static int loc_check(const char *loc, const char *what)
{
	/* (a record's array is BO_ID_MAX + 1 bytes: a NUL at its end, or
	 * before, and the id fits) */
	bool fits = loc[BO_ID_MAX] == '\0' || memchr(loc, '\0', BO_ID_MAX + 1) != NULL;
	if (!fits || loc[0] == '\0' || memcmp(loc, BO_LOCATION_MAIN, sizeof(BO_LOCATION_MAIN)) == 0) {
		bo_storage_error("memory store: %s record at location '%.*s' (\"main\" keeps none)", what,
				 BO_ID_MAX, loc);
		return BO_ESTORAGE;
	}
	return BO_OK;
}

/* Room for one more entry in the array at *slot: a block twice as large
 * (the old one is let go of at commit, so the undo log's entries that
 * point into it stay good; `inl`, an lanode's own array, is kept: it is
 * no block). */
static int lv_grow(mem *m, lvec **slot, const lvec *inl)
{
	lvec *old = *slot, *v;
	uint32_t cap = old ? old->cap * 2 : 2;
	undo_lvptr u;
	if (old && old->cap >= UINT32_MAX / 4) {
		bo_storage_error("memory store: too many location records");
		return BO_ESTORAGE;
	}
	if (!(v = block_new(m, sizeof(lvec) + (size_t)cap * sizeof(lent))))
		return OOM();
	v->cap = cap;
	v->n = old ? old->n : 0;
	if (old)
		memcpy(v->e, old->e, (size_t)old->n * sizeof(lent));
	memset(&u, 0, sizeof(u));
	u.slot = slot;
	u.old = old;
	if (log_add(m, U_LVPTR, 0, &u, sizeof(u)) < 0) {
		block_drop(m, v);
		return BO_ESTORAGE;
	}
	if (old && old != inl && block_gone(m, old) < 0) {
		log_pop(m);
		block_drop(m, v);
		return BO_ESTORAGE;
	}
	*slot = v;
	return BO_OK;
}

/* An array left empty goes (if memory runs out for the log entries, it
 * stays, empty: no record is lost or made). */
static void lv_release(mem *m, lvec **slot, const lvec *inl)
{
	undo_lvptr u;
	memset(&u, 0, sizeof(u));
	u.slot = slot;
	u.old = *slot;
	if (log_add(m, U_LVPTR, 0, &u, sizeof(u)) < 0)
		return;
	if (u.old != inl && block_gone(m, u.old) < 0) {
		log_pop(m);
		return;
	}
	*slot = NULL;
}

/* Insert, replace (a, b) or (del) delete the entry (index, loc) of the
 * array at *slot, logged (`inl`: an lanode's own array, or NULL). `fresh`:
 * the array's node was made by this transaction, and a rollback drops it
 * whole: an insert needs no log entry of its own. */
static int lv_put(mem *m, lvec **slot, const lvec *inl, uint32_t index, const char *loc, int64_t a, int64_t b,
		  bool del, bool fresh)
{
	lvec *v = *slot;
	bool found;
	uint32_t pos = lv_lower(v, index, loc, &found);
	lent e;
	if (del && !found)
		return BO_OK;
	memset(&e, 0, sizeof(e));
	e.index = index;
	e.a = a;
	e.b = b;
	if (found) {
		e.loc = m->last_loc = v->e[pos].loc;
	} else if (!(e.loc = intern_loc(m, loc))) {
		return OOM();
	}
	fresh = fresh && !found;
	if (!fresh && m->in_txn) {
		/* (written in place: undo_lv has no padding) */
		unsigned char *p = log_push(m, U_LV, found, sizeof(undo_lv));
		if (!p)
			return BO_ESTORAGE;
		memcpy(p + offsetof(undo_lv, slot), &slot, sizeof(slot));
		memcpy(p + offsetof(undo_lv, old), found ? &v->e[pos] : &e, sizeof(lent));
	}
	if (found && !del) {
		v->e[pos] = e;
	} else if (found) {
		lv_remove_at(v, pos);
		if (v->n == 0)
			lv_release(m, slot, inl);
	} else {
		if (!v || v->n == v->cap) {
			if (lv_grow(m, slot, inl) < 0) {
				if (!fresh)
					log_pop(m);
				return BO_ESTORAGE;
			}
			v = *slot;
		}
		lv_insert_at(v, pos, &e);
	}
	return BO_OK;
}

static int mem_stock_put(void *ud, const bo_stock_rec *rec)
{
	mem *m = ud;
	inode *it = ifind(m, rec->sku);
	if (!it) {
		bo_storage_error("memory store: stock for unknown item '%s'", rec->sku);
		return BO_ESTORAGE;
	}
	if (loc_check(rec->location, "stock") < 0)
		return BO_ESTORAGE;
	return lv_put(m, &it->stock, NULL, 0, rec->location, rec->on_hand, rec->allocated,
		      rec->on_hand == 0 && rec->allocated == 0, false);
}

static int mem_stock_list(void *ud, const char *sku, bo_stock_rec *out, size_t max, size_t *n)
{
	inode *it = ifind(ud, sku);
	uint32_t first = 0, cnt = it ? lv_range(it->stock, 0, &first) : 0;
	int rc = list_fits("stock_list", sku, out, max, n, cnt);
	if (rc != BO_OK)
		return rc;
	if (cnt > 0) {
		bo_stock_rec base; /* what every record of the item shares */
		memset(&base, 0, sizeof(base));
		memcpy(base.sku, it->r.sku, strnlen(it->r.sku, BO_ID_MAX));
		for (uint32_t i = 0; i < cnt; i++) {
			const lent *e = &it->stock->e[first + i];
			bo_stock_rec *r = &out[i];
			*r = base;
			memcpy(r->location, e->loc->s, sizeof(r->location));
			r->on_hand = e->a;
			r->allocated = e->b;
		}
	}
	*n = cnt;
	return BO_OK;
}

/* The line allocations of order `o`, or NULL: the last order's from the
 * cache; none without a look-up for an order that never had any. */
static lanode *la_find(mem *m, const onode *o)
{
	lanode *la;
	if (m->lao == o)
		return m->la;
	if (o->lap)
		la = slot_get(o);
	else
		la = o->las ? bo__kset_find(&m->las, o->id) : NULL;
	m->lao = o;
	m->la = la;
	return la;
}

/* A node for order `o`, empty, its own array in use (from the free list
 * or the arena); NULL when out of memory. */
static lanode *la_new(mem *m, const onode *o)
{
	uint8_t idlen = o->lap ? 0 : o->idlen;
	size_t bytes = LA_BYTES(idlen), c = bytes / BO__ARENA_ALIGN;
	lanode *la = m->lafree[c];
	lvec *v;
	if (la)
		m->lafree[c] = la->next;
	else if (!(la = bo__arena_alloc(&m->lanodes, bytes)))
		return NULL;
	la->idlen = idlen;
	memcpy(la->id, o->id, idlen);
	la->id[idlen] = '\0';
	v = la_inl(la);
	v->n = 0;
	v->cap = LA_INL;
	la->v = v;
	return la;
}

/* Put `rec` into the slot of order `o` while it holds no lanode (`raw`:
 * 0, or one packed record), with an undo entry if `logged`. BO_OK when
 * done; 1 when the order needs a node instead (a second record, or one
 * that does not pack); < 0 on error, nothing changed. */
static int slot_put(mem *m, onode *o, const bo_lalloc_rec *rec, uintptr_t raw, bool del, bool logged)
{
	uint32_t no = 0, ix = 0;
	int64_t q = 0;
	bool same = false;
	uintptr_t nv = 0;
	if (raw) {
		pk_get(raw, &no, &ix, &q);
		same = ix == rec->index && strcmp(m->strv[no]->s, rec->location) == 0;
	}
	if (del) {
		if (!same)
			return BO_OK; /* no such record */
	} else {
		const istr *loc;
		if (raw && !same)
			return 1;
		if (!(loc = intern_loc(m, rec->location)))
			return OOM();
		if (!pk_make(loc->no, rec->index, rec->qty, &nv))
			return 1;
	}
	if (logged) {
		undo_slot u;
		memset(&u, 0, sizeof(u));
		u.o = o;
		u.old = raw;
		if (log_add(m, U_SLOT, 0, &u, sizeof(u)) < 0)
			return BO_ESTORAGE;
	}
	slot_raw_set(o, nv);
	return BO_OK;
}

static int mem_lalloc_put(void *ud, const bo_lalloc_rec *rec)
{
	mem *m = ud;
	onode *o = ofind(m, rec->order_id);
	lanode *la;
	undo_la u;
	uintptr_t raw = 0;
	bool del = rec->qty == 0, made = false, made_with_order = false;
	int rc;
	if (!o || rec->index >= o->nl) {
		bo_storage_error("memory store: location allocation of unknown line %u of order '%s'", rec->index,
				 rec->order_id);
		return BO_ESTORAGE;
	}
	if (loc_check(rec->location, "line allocation") < 0)
		return BO_ESTORAGE;
	/* (an order made in this segment: undoing its creation undoes its
	 * slot, and lets go of a node there) */
	made_with_order = o->lap && o == m->onew && m->onew_epoch == m->epoch && m->in_txn;
	if (o->lap && !((raw = slot_raw(o)) && !(raw & 1))) {
		if ((rc = slot_put(m, o, rec, raw, del, !made_with_order)) <= 0)
			return rc;
		/* a second record, or one that does not pack: a node */
	}
	la = la_find(m, o);
	if (!la && del)
		return BO_OK;
	if (!la) {
		/* the first record of the order (or the second, after the packed
		 * one): its node */
		if ((!o->lap && !bo__kset_reserve(&m->las)) || !(la = la_new(m, o)))
			return OOM();
		if (o->lap) {
			undo_slot us;
			memset(&us, 0, sizeof(us));
			us.o = o;
			us.old = raw;
			if (!made_with_order && log_add(m, U_SLOT, 0, &us, sizeof(us)) < 0) {
				la_push(m, la);
				return BO_ESTORAGE;
			}
			if (raw & 1) { /* the packed record, its first entry */
				uint32_t no, ix;
				int64_t q;
				lent *e = &la->v->e[0];
				pk_get(raw, &no, &ix, &q);
				memset(e, 0, sizeof(*e));
				e->index = ix;
				e->loc = m->strv[no];
				e->a = q;
				la->v->n = 1;
			}
		} else {
			memset(&u, 0, sizeof(u));
			u.la = la;
			u.o = o;
			if (log_add(m, U_LA_NEW, 0, &u, sizeof(u)) < 0) {
				la_push(m, la);
				return BO_ESTORAGE;
			}
		}
		la_attach(m, o, la);
		o->las = 1; /* a hint, not logged: an undo leaves it, and it costs a look-up */
		m->lao = o;
		m->la = la;
		made = true;
	}
	if (made && m->in_txn && !del && la->v->n == 0) {
		/* a node made here, empty, its own array in use: the first
		 * entry goes in without a search (and without an undo entry of
		 * its own: the node's drops it) */
		lvec *v = la->v;
		lent *e = &v->e[0];
		if (!(e->loc = intern_loc(m, rec->location))) {
			la_detach(m, o, la);
			if (o->lap)
				slot_raw_set(o, raw);
			la_push(m, la);
			m->la = NULL;
			if (!made_with_order || !o->lap)
				log_pop(m);
			return OOM();
		}
		e->index = rec->index;
		e->reserved = 0;
		e->a = rec->qty;
		e->b = 0;
		v->n = 1;
		return BO_OK;
	}
	rc = lv_put(m, &la->v, la_inl(la), rec->index, rec->location, rec->qty, 0, del, made && m->in_txn);
	if (rc < 0) {
		if (made) { /* nothing was logged after it */
			if (!made_with_order || !o->lap)
				log_pop(m);
			la_detach(m, o, la);
			if (o->lap)
				slot_raw_set(o, raw);
			la_push(m, la);
			m->la = NULL;
		}
		return rc;
	}
	if (o->lap && la->v && la->v != la_inl(la))
		m->la_blocks = true;
	if (!la->v) {
		/* the order's last record went: so does its node (kept, empty,
		 * if memory runs out for the log entry); to the free list now,
		 * or at commit (a rollback puts it back) */
		memset(&u, 0, sizeof(u));
		u.la = la;
		u.o = o;
		if (log_add(m, U_LA_DEL, 0, &u, sizeof(u)) < 0)
			return BO_OK;
		la_detach(m, o, la);
		m->la = NULL;
		if (m->in_txn)
			m->gone = true;
		else
			la_push(m, la);
	}
	return BO_OK;
}

static int mem_lalloc_list(void *ud, const char *order_id, uint32_t index, bo_lalloc_rec *out, size_t max,
			   size_t *n)
{
	mem *m = ud;
	lanode *la = NULL;
	uint32_t first = 0, cnt, pno = 0, pix = 0;
	int64_t pq = 0;
	bool packed = false;
	int rc;
	if (m->las.n || m->named) {
		const onode *o;
		uintptr_t raw;
		if (m->lao && strcmp(m->lao->id, order_id) == 0)
			o = m->lao;
		else
			o = ofind(m, order_id);
		if (o && o->lap && ((raw = slot_raw(o)) & 1)) {
			pk_get(raw, &pno, &pix, &pq);
			packed = true;
		} else if (o) {
			la = la_find(m, o);
		}
	}
	cnt = packed ? pix == index : la ? lv_range(la->v, index, &first) : 0;
	rc = list_fits("lalloc_list", order_id, out, max, n, cnt);
	if (rc != BO_OK)
		return rc;
	if (packed && cnt) {
		memset(&out[0], 0, sizeof(out[0]));
		memcpy(out[0].order_id, order_id, strnlen(order_id, BO_ID_MAX));
		out[0].index = index;
		memcpy(out[0].location, m->strv[pno]->s, sizeof(out[0].location));
		out[0].qty = pq;
	} else if (cnt > 0) {
		bo_lalloc_rec base; /* what every record of the line shares */
		memset(&base, 0, sizeof(base));
		memcpy(base.order_id, order_id, strnlen(order_id, BO_ID_MAX)); /* (a node in a slot keeps no id) */
		base.index = index;
		for (uint32_t i = 0; i < cnt; i++) {
			const lent *e = &la->v->e[first + i];
			bo_lalloc_rec *r = &out[i];
			*r = base;
			memcpy(r->location, e->loc->s, sizeof(r->location));
			r->qty = e->a;
		}
	}
	*n = cnt;
	return BO_OK;
}

/* ---------------------------------------------------------------- */

static void mem_close(void *ud)
{
	mem *m = ud;
	size_t pos = 0;
	void *node;
	if (!m)
		return;
	if (m->in_txn)
		mem_rollback(m);
	while ((node = bo__kset_iter(&m->items, &pos)))
		free_item(node);
	pos = 0;
	/* (a walk of a million order nodes is a million cache misses: only
	 * when there may be something to free in them) */
	while (m->line_blocks && (node = bo__kset_iter(&m->orders, &pos))) {
		onode *o = node;
		unsigned char *l = lines_of(o);
		for (uint32_t i = 0; i < o->nl; i++)
			if (line_wide(l + (size_t)i * LSZ))
				bo_free((void *)line_ext(l + (size_t)i * LSZ));
		if (o->out)
			bo_free(l);
	}
	pos = 0;
	while ((node = bo__kset_iter(&m->las, &pos))) {
		lanode *la = node;
		if (la->v != la_inl(la))
			bo_free(la->v);
	}
	pos = 0;
	/* the lanodes in orders' slots, if one of them ever had a block */
	while (m->la_blocks && (node = bo__kset_iter(&m->orders, &pos))) {
		onode *o = node;
		lanode *la = o->lap ? slot_get(o) : NULL;
		if (la && la->v != la_inl(la))
			bo_free(la->v);
	}
	bo__arena_free(&m->lanodes);
	for (size_t i = 0; i < m->nstr; i++)
		bo_free(m->strv[i]);
	bo_free(m->strv);
	bo__arena_free(&m->onodes);
	bo_free(m->fring);
	bo__kset_free(&m->items);
	bo__kset_free(&m->orders);
	bo__kset_free(&m->strs);
	bo__kset_free(&m->las);
	bo_free(m->locs);
	bo_free(m->ev);
	bo_free(m->raw);
	bo_free(m->meta);
	bo_free(m->segs);
	bo__ulog_free(&m->ul);
	bo__hist_free(&m->hist);
	bo_free(m);
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
	.hist_add = mem_hist_add,
	.hist_next = mem_hist_next,
	.queue_fill = mem_queue_fill,
	.loc_put = mem_loc_put,
	.loc_next = mem_loc_next,
	.stock_put = mem_stock_put,
	.stock_list = mem_stock_list,
	.lalloc_put = mem_lalloc_put,
	.lalloc_list = mem_lalloc_list,
	.prefetch = mem_prefetch,
};

int bo_memory_storage(const bo_storage **vtable, void **user_data)
{
	mem *m;
	if (!vtable || !user_data) {
		bo_storage_error("memory store: NULL argument");
		return BO_EINVALID;
	}
	m = bo__zalloc(1, sizeof(*m));
	if (!m)
		return OOM();
	bo__kset_init(&m->items, offsetof(inode, r.sku));
	m->items.pf = sizeof(inode); /* a call reads most of it: the record, the queues' tails */
	bo__kset_init(&m->orders, offsetof(onode, id));
	m->orders.pf = 192; /* the header, the id and a line or two */
	bo__kset_init(&m->strs, offsetof(istr, s));
	bo__kset_init(&m->las, offsetof(lanode, id));
	bo__hist_init(&m->hist);
	m->epoch = 1;
	*vtable = &memory_vtable;
	*user_data = m;
	return BO_OK;
}
