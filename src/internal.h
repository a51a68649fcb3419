/* Core internals: shared by the core sources, never by adapters or users. */
#ifndef BO_INTERNAL_H
#define BO_INTERNAL_H

#include "backorder.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define BO_INTERNAL __attribute__((visibility("hidden")))

/* 128-bit products for overflow-free share and price arithmetic. */
__extension__ typedef __int128 bo_i128;

/* ---- errors (error.c) ---- */
BO_INTERNAL int bo__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
BO_INTERNAL void *bo__calloc(size_t n, size_t size); /* bo_malloc() and zeroed; NULL on overflow (mem.c) */
/* Storage failure: keep the adapter's message if it set one. */
BO_INTERNAL int bo__storage_fail(int rc, const char *what);
BO_INTERNAL void bo__error_reset_storage(void);
/* Did a storage callback since the last reset ask for the call to be run again? */
BO_INTERNAL bool bo__storage_retryable(void);

/* ---- validation (validate.c) ---- */
BO_INTERNAL int bo__check_id(const char *id, const char *what);
BO_INTERNAL int bo__check_name(const char *name, const char *what);
/* The well-formed UTF-8 sequence at s: its length (1..4) and code point,
 * or 0 when s[0] starts none (overlong forms, surrogates and code points
 * above U+10FFFF are not well-formed). Reads no byte past a NUL. */
BO_INTERNAL size_t bo__utf8_seq(const unsigned char *s, uint32_t *cp);
/* a + b fits in int64 (inline: the history adds with it on every call) */
static inline bool bo__add_ok(int64_t a, int64_t b)
{
	return !(b > 0 && a > INT64_MAX - b) && !(b < 0 && a < INT64_MIN - b);
}
BO_INTERNAL int bo__add(int64_t *out, int64_t a, int64_t b, const char *what);

/* ---- policies (policy.c) ---- */
enum { BO_POL_FIFO, BO_POL_PRIORITY, BO_POL_DUE, BO_POL_FAIR, BO_POL_CUSTOM };

struct bo_policy {
	int refs;
	int kind;
	char name[BO_NAME_MAX + 1];
	bo_policy_methods m;
	void *user_data;
};

BO_INTERNAL bo_policy *bo__policy_ref(bo_policy *p);

/* ---- the inventory (inventory.c) ---- */
typedef struct bo_txn bo_txn;

/* History: what the running call adds to an item's record of the day
 * (history.c), written at the end of the call. */
typedef struct bo_hist_delta {
	bool on;             /* something to write */
	int64_t ordered, backordered, cancelled, filled, wait_sum, wait_max;
	uint32_t hist[BO_HIST_WAIT_BUCKETS];
} bo_hist_delta;

typedef struct bo_item_slot {
	bo_item_rec rec;
	uint64_t h;          /* batches: hash of rec.sku, for look-ups among many slots */
	bool touched;        /* used by the running call (listed in bo_txn.touch) */
	bool dirty;          /* write back at finish */
	bool need_fill;      /* stock may be free: fill waiting lines at finish */
	bool eta_dirty;      /* demand or supply changed: settle ETAs at finish */
	bool eta_all;        /* every line's basis changed (lead time, release time, policy) */
	bool supply_changed; /* this call changed supply, lead time or release time */
	int64_t supply0;     /* bo__eta_supply() when the call first touched the item */
	bo_hist_delta hist;  /* history of this call (history.c) */
	void *sc;            /* its slot in the stock cache (location.c), good while the slot's tag is */
	uint32_t sctag;
} bo_item_slot;

/* A line this call added to its queue or moved in it: its promise is
 * settled at the end of the call (eta.c). */
typedef struct bo_eta_pend {
	char order_id[BO_ID_MAX + 1];
	uint32_t index;
	uint32_t slot;       /* index into bo_txn.items; UINT32_MAX once settled */
} bo_eta_pend;

struct bo_txn {
	bo_inventory *inv;
	int64_t now;   /* the call's time: max(clock, stored time) */
	int64_t clock; /* the clock's raw reading */
	int64_t event_seq, line_seq, sub_seq;
	bool event_seq_loaded, line_seq_loaded, sub_seq_loaded;
	bool line_seq_dirty, sub_seq_dirty;
	bo_event_rec *ev;
	size_t nev, evcap;
	bo_item_slot *items;
	size_t nitems, itemcap;
	/* The slots the running call touched, in the order it touched them: the
	 * ones it finishes. Outside a batch that is every slot; a batch keeps
	 * items from call to call. Indices into items; capacity itemcap. */
	uint32_t *touch;
	size_t ntouch;
	size_t nbackordered; /* backordered events in ev */
	uint64_t acked;      /* this call removes delivered events up to here */
	bool adopted;        /* this call gave the store's old lines their basis */
	bo_eta_pend *pend;   /* lines whose promise is settled at the end of the call */
	size_t npend, pendcap;
	bool locs_loaded;    /* inv->locs read by this call (location.c) */
	/* bo__loc_give() for a line not stored yet: its units elsewhere, to
	 * record once it is (bo__loc_give_end()) */
	int lapend_pos[64];
	int64_t lapend_qty[64];
	size_t nlapend;
};

/* The metadata the core keeps in the store's metadata area. */
typedef enum bo_meta_key {
	BO_MK_NOW,          /* "now": the latest clock time a call ran at */
	BO_MK_NEXT_RELEASE, /* "next_release": earliest pending preorder release */
	BO_MK_LINE_SEQ,     /* "line_seq": last queue sequence handed out */
	BO_MK_SUB_SEQ,      /* "sub_seq": last subscription sequence */
	BO_MK_EVENT_SEQ,    /* "event_seq": last event sequence */
	BO_MK_PROMISES,     /* "promises": 1 once every waiting line holds an ETA basis */
	BO_MK_LOC_GEN,      /* "loc_gen": bumped by every change of the locations (location.c) */
	BO_MK_COUNT
} bo_meta_key;

/* Metadata cached while a batch holds the store's write lock (within one
 * transaction nobody else can change it, so reads and writes stay in
 * memory and dirty values are written once, when the batch commits), and
 * from call to call when the inventory owns its store (written through). */
/* Items kept from call to call inside a batch (beyond this, start afresh). */
#define BO_BATCH_ITEM_CACHE 64
typedef struct bo_meta_entry {
	int64_t v;
	bool cached;   /* v and present hold the store's value */
	bool present;  /* false: the store has no value (readers get their default) */
	bool dirty;
} bo_meta_entry;

struct bo_inventory {
	bo_storage st;
	void *sd;
	pthread_mutex_t lock;
	bo_clock_cb clock;
	void *clock_data;
	char default_policy[BO_NAME_MAX + 1];
	bo_policy **policies;
	size_t npolicies;
	bo_notifier notifier;
	void *notifier_data;
	bool has_notifier;
	bool auto_dispatch;
	bool dispatching;
	bool in_txn;
	bool batch;
	bool batch_failed;
	bool exclusive;      /* bo_options.exclusive: no one else reads or writes the store,
			      * so metadata stays cached from call to call (written through) */
	bo_event_rec *dbuf;  /* dispatch: a chunk of pending events (or a call's, swapped in) */
	size_t dbufcap;      /* its records */
	bo_supply_rec *sw_s;  /* ETA: an item's supply, kept from call to call */
	int64_t *sw_cum;
	size_t sw_cap;
	uint64_t ack_pending; /* events up to here were delivered; the next call removes them */
	uint64_t batch_acked; /* the open batch removes delivered events up to here */
	uint64_t commits;     /* calls committed, to notice calls made by the notifier */
	bo_meta_entry mc[BO_MK_COUNT], mc_saved[BO_MK_COUNT];
	bool promises_ready; /* the store's waiting lines all hold a basis (see bo__eta_adopt) */
	bo_location_rec *locs; /* locations in location order, "main" included (location.c) */
	size_t nlocs, loccap;
	int64_t locs_gen;      /* the "loc_gen" they were read at; -1: not read */
	void *locrecs;         /* room for BO_LOCATIONS_MAX stock or lalloc records (location.c) */
	uint8_t loc_byid[64];  /* positions in locs, in id order (BO_LOCATIONS_MAX) */
	int loc_main;          /* position of "main" in locs */
	struct bo_scache *sc;  /* exclusive stores: items' stock records elsewhere than "main",
				* kept from call to call (location.c); NULL until needed */
	uint32_t sc_epoch;     /* a cached item is good while its epoch is this one */
	bo_txn txn;
};

#define BO_LOCK(inv) pthread_mutex_lock(&(inv)->lock)
#define BO_UNLOCK(inv) pthread_mutex_unlock(&(inv)->lock)

/* Run `fn` as one all-or-nothing call (transaction or, in a batch, a
 * savepoint). Locks, begins, runs, finishes touched items, writes events,
 * commits or rolls back, unlocks, dispatches. */
typedef int (*bo_op_fn)(bo_txn *t, void *args);
BO_INTERNAL int bo__run(bo_inventory *inv, bo_op_fn fn, void *args);
/* bo__run() with look-up hints: `order` (or NULL) and `nskus` SKUs (the
 * `const char *` at `skus`, then every `stride` bytes), handed to the
 * store's `prefetch` once the lock is held. */
BO_INTERNAL int bo__run_hinted(bo_inventory *inv, bo_op_fn fn, void *args, const char *order, const void *skus,
			       size_t nskus, size_t stride);
BO_INTERNAL int64_t bo__clock_now(bo_inventory *inv);
BO_INTERNAL const bo_policy *bo__policy_find(const bo_inventory *inv, const char *name);

/* ---- transaction helpers (txn.c) ---- */
/* FNV-1a of a SKU (the batch item cache, the stock cache). */
BO_INTERNAL uint64_t bo__sku_hash(const char *s);
/* The cached item (loaded on first use); BO_ENOTFOUND if absent. */
BO_INTERNAL int bo__item(bo_txn *t, const char *sku, bo_item_slot **out);
BO_INTERNAL int bo__item_new(bo_txn *t, const char *sku, bo_item_slot **out);
BO_INTERNAL int bo__next_line_seq(bo_txn *t, uint64_t *out);
BO_INTERNAL int bo__next_sub_seq(bo_txn *t, uint64_t *out);
BO_INTERNAL int bo__meta_get(bo_txn *t, bo_meta_key key, int64_t *v, int64_t dflt);
BO_INTERNAL int bo__meta_put(bo_txn *t, bo_meta_key key, int64_t v);
BO_INTERNAL int bo__meta_flush(bo_inventory *inv);
BO_INTERNAL int bo__meta_get_inv(bo_inventory *inv, bo_meta_key key, int64_t *v, int64_t dflt);
BO_INTERNAL void bo__meta_uncache(bo_inventory *inv);
/* line_get through the vtable; with a version 1 adapter the fields it does
 * not know are cleared (no stored ETA basis). */
BO_INTERNAL int bo__line_get(bo_inventory *inv, const char *order_id, uint32_t index, bo_line_rec *out);
BO_INTERNAL int bo__line_find(bo_txn *t, const char *order_id, uint32_t nlines, const char *sku, bo_line_rec *out);

/* ---- events (events.c) ---- */
BO_INTERNAL int bo__emit(bo_txn *t, int kind, const char *order_id, const char *sku,
			 int64_t qty, int64_t eta, const char *customer);
/* The same, for units at `location` (NULL or "main": stored as ""). */
BO_INTERNAL int bo__emit_at(bo_txn *t, int kind, const char *order_id, const char *sku, int64_t qty, int64_t eta,
			    const char *customer, const char *location);
/* The pending backordered event of (order, sku) in this call, or NULL. */
BO_INTERNAL bo_event_rec *bo__emitted_backordered(bo_txn *t, const char *order_id, const char *sku);
BO_INTERNAL int bo__events_flush(bo_txn *t);
BO_INTERNAL int bo__dispatch_locked(bo_inventory *inv, size_t *delivered, bool eager);

/* How the dispatch after a call runs, decided inside its transaction. */
enum { BO_DISPATCH_NONE, BO_DISPATCH_CALL, BO_DISPATCH_FULL };
BO_INTERNAL int bo__dispatch_plan(bo_txn *t, int *plan);
BO_INTERNAL void bo__dispatch_after(bo_inventory *inv, int plan);
BO_INTERNAL int bo__ack(bo_inventory *inv, uint64_t upto);

/* ---- allocation (alloc.c) ---- */
BO_INTERNAL int bo__line_key(bo_txn *t, const bo_item_rec *item, const bo_order_rec *order,
			     const bo_line_rec *line, bo_queue_key *key);
BO_INTERNAL int bo__queue_add(bo_txn *t, int queue, const bo_line_rec *line);
BO_INTERNAL int bo__queue_del(bo_txn *t, int queue, const bo_line_rec *line);
/* Give free stock of the item to its waiting lines per its policy. */
BO_INTERNAL int bo__fill(bo_txn *t, bo_item_slot *it);
/* Take allocations back from the lines last in policy order until allocated <= on_hand. */
BO_INTERNAL int bo__take_back(bo_txn *t, bo_item_slot *it);
/* `take` allocated units of line `l` wait again (totals, queues, promise,
 * the line written, a `backordered` event, the order's ready flag). */
BO_INTERNAL int bo__unallocate(bo_txn *t, bo_item_slot *it, bo_line_rec *l, int64_t take);
/* Re-key all queue entries of the item after a policy change. */
BO_INTERNAL int bo__rekey(bo_txn *t, bo_item_slot *it);
/* Recompute the order's ready flag; emit `ready` on a rise. */
BO_INTERNAL int bo__order_ready(bo_txn *t, const char *order_id, const bo_line_rec *known);
/* Line changed allocation: maintain the allocated queue membership. */
BO_INTERNAL bool bo__in_preorder(const bo_txn *t, const bo_item_rec *item);

/* ---- ETA (eta.c) ---- */
/* Settle the promises of the item's waiting lines at the end of a call. */
BO_INTERNAL int bo__eta_refresh(bo_txn *t, bo_item_slot *it);
/* The item's demand or supply changed in this call. */
BO_INTERNAL void bo__eta_touch(bo_item_slot *it);
/* Every line's basis changed (lead time, release time, policy). */
BO_INTERNAL void bo__eta_all(bo_item_slot *it);
/* Line `l` joined the item's waiting queue or moved in it in this call. */
BO_INTERNAL int bo__eta_pending(bo_txn *t, bo_item_slot *it, const bo_line_rec *l);
/* Promise a new waiting line at once when that is safe (see eta.c). */
BO_INTERNAL int bo__eta_promise_new(bo_txn *t, bo_item_slot *it, bo_line_rec *l, bool *done);
/* Once per store: lines written before promises (storage version 1, or a
 * store migrated from it) get the basis of their cover today and keep the
 * ETA they hold as their promise. */
BO_INTERNAL int bo__eta_adopt(bo_txn *t);
/* A line that stops waiting drops its promise. */
BO_INTERNAL void bo__eta_clear(bo_line_rec *l);
/* Free stock plus incoming supply: what can cover waiting lines. */
BO_INTERNAL int64_t bo__eta_supply(const bo_item_rec *r);

/* ---- history (history.c) ---- */
/* An order placed `qty` units of the item, `wait` of which wait. */
BO_INTERNAL void bo__hist_placed(bo_item_slot *it, int64_t qty, int64_t wait);
/* `qty` waiting units of the item were cancelled. */
BO_INTERNAL void bo__hist_cancelled(bo_item_slot *it, int64_t qty);
/* Waiting line `l` of the item was filled (its last waiting unit allocated). */
BO_INTERNAL void bo__hist_filled(bo_txn *t, bo_item_slot *it, const bo_line_rec *l);
/* Add the history of every item the call touched (storage with history only). */
BO_INTERNAL int bo__hist_flush(bo_txn *t);
/* floor(time / 86400) */
BO_INTERNAL int64_t bo__day_of(int64_t time);
/* The start of UTC day `day` (day * 86400), or INT64_MIN for the first
 * day of the int64 range, which starts before it. */
static inline int64_t bo__day_start(int64_t day)
{
	return day < INT64_MIN / 86400 ? INT64_MIN : day * 86400;
}
/* a - b for a >= b (0 otherwise), 2^63-1 when it does not fit. */
static inline int64_t bo__span(int64_t a, int64_t b)
{
	bo_i128 d = (bo_i128)a - b;
	return d <= 0 ? 0 : d > INT64_MAX ? INT64_MAX : (int64_t)d;
}

/* ---- locations (location.c) ---- */
/* Most locations an inventory may have ("main" included). */
#define BO_LOCATIONS_MAX 64
/* An item's stock, or a line's allocated units (in `allocated`), at one
 * location: `pos` indexes inv->locs (location order). */
typedef struct bo_locent {
	uint32_t pos;
	bool stored;         /* a record of it exists (never for "main") */
	int64_t on_hand, allocated;
} bo_locent;
typedef struct bo_locview {
	size_t n;
	bo_locent e[BO_LOCATIONS_MAX]; /* in location order */
} bo_locview;
/* The adapter keeps locations (version 3, with the callbacks). */
BO_INTERNAL bool bo__has_locations(const bo_inventory *inv);
/* Forget every item's cached stock records (a call or a batch was rolled
 * back: the store may no longer hold what the cache says). */
BO_INTERNAL void bo__sc_forget(bo_inventory *inv);
/* BO_ESTATE if the cache holds item `item` with other records than its
 * stock view `v`, read from the store (NULL: the item has none). */
BO_INTERNAL int bo__sc_check(bo_inventory *inv, const bo_item_rec *item, const struct bo_locview *v);
/* Read the locations into inv->locs, in location order, "main" included. */
BO_INTERNAL int bo__locs_load(bo_inventory *inv);
/* BO_OK for "main"/NULL or a known location; BO_EINVALID, BO_ENOTFOUND. */
BO_INTERNAL int bo__loc_check(bo_txn *t, const char *id);
BO_INTERNAL const char *bo__loc_id(const bo_inventory *inv, const bo_locent *e);
/* Views (inv->locs loaded): the item's stock per location (main last
 * computed), the line's allocated units per location. */
BO_INTERNAL int bo__stock_view(bo_inventory *inv, const bo_item_rec *item, bo_locview *v);
BO_INTERNAL int bo__line_view(bo_inventory *inv, const bo_item_rec *item, const bo_line_rec *l, bo_locview *v);
/* Before the totals change: `take` units allocated to line `l` from the
 * locations with free units in location order (`allocated` events, one
 * per location). `unstored`: the line is not stored yet: its records
 * elsewhere than "main" wait for bo__loc_give_end(), called once it is. */
BO_INTERNAL int bo__loc_give_end(bo_txn *t, const bo_line_rec *l);
BO_INTERNAL int bo__loc_give(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, int64_t take, bool unstored);
/* Before the totals change: `qty` allocated units of `l` go back, from its
 * last location first. */
BO_INTERNAL int bo__loc_release(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, int64_t qty);
/* Before the totals change: ship `q` units of `l` from `loc` (NULL: its
 * locations in order); `shipped` events, one per location. */
BO_INTERNAL int bo__loc_ship(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, int64_t q, const char *loc);
/* Units of `l` allocated at `loc`. */
BO_INTERNAL int bo__loc_units(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, const char *loc, int64_t *out);
/* on_hand at `loc` moves by `delta` (not below 0 there: BO_EINVALID); the
 * caller moves the item's total. Reports on_hand after and allocated there. */
BO_INTERNAL int bo__loc_stock(bo_txn *t, bo_item_slot *it, const char *loc, int64_t delta, int64_t *on_hand_after,
			      int64_t *allocated_there);
/* After `loc` lost stock: take allocations there back from the lines last
 * in policy order until it allocates no more than it holds. */
BO_INTERNAL int bo__take_back_at(bo_txn *t, bo_item_slot *it, const char *loc);

/* ---- items (items.c) ---- */
BO_INTERNAL int bo__item_finish(bo_txn *t, bo_item_slot *it);
BO_INTERNAL int bo__release_due(bo_txn *t);

/* ---- time helpers ---- */
BO_INTERNAL void bo__copy_id(char *dst, const char *src);

#endif
