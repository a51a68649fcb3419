/**
 * @file backorder/storage.h
 * @brief The storage vtable: how libbackorder keeps its records.
 *
 * This header is for adapter authors. An adapter supplies a ::bo_storage
 * table of callbacks plus a `void *user_data` that every callback receives.
 * The library ships three adapters (memory, SQLite, PostgreSQL); anyone may
 * write another, in the manner of libgit2's custom ODB backends or SQLite's
 * VFS.
 *
 * The contract, in short:
 *
 * - Record level: the core reads and writes items, orders, lines, supply
 *   records, subscriptions, queue entries, events and metadata one record at
 *   a time. Records are plain structs with fixed-size fields, copied in and
 *   out; an adapter never keeps a pointer it was given.
 * - Transactions: every mutating library call runs between `begin` and
 *   `commit` (or `rollback` on any failure). Reads outside a transaction
 *   happen only in queries and event dispatch. A rolled-back transaction
 *   must leave no trace. Savepoints (optional) nest inside a transaction.
 * - Locking: `begin` must make the transaction serialisable against other
 *   connections to the same store (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
 *   row locks or an advisory lock taken at begin; memory: the inventory's
 *   mutex already serialises callers).
 * - Return values: #BO_OK on success, #BO_ENOTFOUND when a looked-up record
 *   does not exist (or an iteration is over), #BO_ESTORAGE on any failure.
 *   Any other negative value is treated as #BO_ESTORAGE.
 * - Queues: two ordered sets of ::bo_queue_entry per item (waiting lines and
 *   lines holding allocated units), ordered by ::bo_queue_key compared
 *   word by word as signed 64-bit integers, then by `seq` unsigned. Keys
 *   are unique within an item's queue. The core only ever reads a queue from
 *   one end or from a known key onwards, so adapters can keep it in an index.
 *
 * Line records: version 2 appended the ETA basis (`eta_basis`, `eta_base`,
 * `eta_release`) to ::bo_line_rec; a version 2 adapter stores those fields
 * and returns them from `line_get`. With a version 1 adapter the core reads
 * and writes only the version 1 part of a line (it passes buffers of the
 * full size and clears the rest), so such an adapter keeps working, but its
 * lines have no stored basis: a line's ETA is then promised afresh each time
 * the core looks at it (DESIGN §6 needs the basis to keep a promise).
 *
 * History: version 2 also appended `hist_add` and `hist_next` (optional,
 * both or neither): a small record per item per UTC day
 * (::bo_hist_rec) of units ordered and backordered at placement, waiting
 * units cancelled, and the lines filled with their waits, which the core
 * writes in the same transaction as the change it counts. Reports read it
 * instead of replaying old orders. An adapter without these callbacks
 * keeps no history (see `hist_add` for what a report then lacks).
 *
 * Bulk fills: version 2 also appended `queue_fill` (optional), which gives
 * free stock to many waiting lines of an item in one call: the record-level
 * steps of a fill (read the head of the queue, the line, write the line,
 * move it between the queues, check its order's ready flag), done by the
 * store for a batch of lines at once. An adapter without it is filled
 * through the other callbacks, line by line, with the same result.
 *
 * Locations: version 3 appended stock per location (DESIGN §11): the
 * records ::bo_location_rec, ::bo_stock_rec and ::bo_lalloc_rec, the
 * callbacks `loc_put` .. `lalloc_list` (optional, all six or none), the
 * field `located` of ::bo_item_rec and `location` of ::bo_supply_rec and
 * ::bo_event_rec. Location "main" (#BO_LOCATION_MAIN) always exists and
 * has no stock or line-allocation records of its own: its figures are the
 * item's (or the line's) totals minus those of the other locations, so an
 * inventory that never names another location reads and writes nothing
 * more than before. An adapter without the location callbacks (or of an
 * earlier version) keeps everything at "main": the core refuses to create
 * another location on it (#BO_ESTATE), and clears the version 3 fields of
 * the records it reads from it.
 *
 * Look-up hints: version 4 appended `prefetch` (optional): before a call
 * runs, the core names the order and the SKUs it will look up, so that a
 * store whose records are in memory can fetch them all at once instead of
 * one cache miss after another. It changes nothing and cannot fail; an
 * adapter without it gets no hints and works the same.
 *
 * Versioning: `version` and `size` are the first fields. This is version
 * #BO_STORAGE_VERSION; fields are only ever appended. The adapter sets
 * `size` to `sizeof(bo_storage)` as it was compiled, and the library copies
 * only that many bytes of the table (the callbacks it does not know stay
 * NULL), so an adapter built against an older header keeps working; the
 * callbacks appended after the table's `version` are ignored too, whatever
 * its `size` (a wrapper that copies a newer table and declares an older
 * version gets none of the newer callbacks called). It
 * accepts every version from 1 to the current one and any `size` that covers
 * the required callbacks. Required callbacks that are NULL make
 * bo_inventory_open() fail with #BO_EINVALID; optional ones (marked so) may
 * be NULL and have a documented fallback.
 */
#ifndef BACKORDER_STORAGE_H
#define BACKORDER_STORAGE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The current version of ::bo_storage. */
#define BO_STORAGE_VERSION 4

/**
 * @brief What a waiting line's ETA was promised on (::bo_line_rec.eta_basis).
 *
 * DESIGN §6: a line keeps its ETA while the basis it was made on stays the
 * same. Values are only ever appended.
 */
typedef enum bo_eta_basis {
	BO_BASIS_NONE = 0,    /**< No promise stored: a line not waiting, a new line, or a version 1 adapter. */
	BO_BASIS_UNKNOWN = 1, /**< Uncovered by supply and the item has no lead time: the ETA is unknown. */
	BO_BASIS_LEAD = 2,    /**< Uncovered by supply; promised at now + lead time (eta_base holds the lead time). */
	BO_BASIS_SUPPLY = 3   /**< Covered by a supply record (eta_base holds its expected time). */
} bo_eta_basis;

/**
 * @brief The sequences a store may keep for the core (::bo_storage.seq_take).
 *
 * Without `seq_take` the core keeps these counters in the metadata area,
 * which makes every call that uses one write the same row: fine for a
 * single writer (memory, SQLite), a point of contention for several
 * (PostgreSQL). Values are only ever appended.
 */
typedef enum bo_seq_kind {
	BO_SEQ_EVENT = 0, /**< Event sequence numbers (the outbox's order). */
	BO_SEQ_LINE = 1,  /**< Queue sequence numbers (the last tie-break of a queue key). */
	BO_SEQ_SUB = 2    /**< Back-in-stock subscription numbers. */
} bo_seq_kind;

/**
 * @brief What a callback returns when its transaction lost a conflict with
 *        another connection and may succeed if run again: a deadlock, a
 *        serialisation failure, a key a concurrent transaction inserted
 *        first. The core rolls the call back and runs it again, a bounded
 *        number of times (then the call fails with #BO_ESTORAGE, having
 *        changed nothing). Inside a batch the call fails at once.
 */
#define BO_STORAGE_RETRY (-1000)

/** @brief An item record: an SKU's stock, settings and counters. */
typedef struct bo_item_rec {
	char sku[BO_ID_MAX + 1];        /**< SKU, NUL-terminated; the key. */
	char policy[BO_NAME_MAX + 1];   /**< Name of the item's allocation policy. */
	int64_t on_hand;                /**< Physical units not yet shipped. */
	int64_t allocated;              /**< Units reserved for lines (part of on_hand). */
	int64_t backordered;            /**< Units waiting, summed over waiting lines. */
	int64_t incoming;               /**< Units of open supply records. */
	int32_t backorder;              /**< ::bo_backorder_mode. */
	int32_t released;               /**< 1 once the release time has been processed. */
	int64_t max_backorder;          /**< Cap on waiting units, or #BO_UNLIMITED. */
	int64_t lead_time;              /**< Lead time in seconds, or #BO_NO_TIME. */
	int64_t release_at;             /**< Preorder release time, or #BO_NO_TIME. */
	int64_t preorder_max;           /**< Preorder cap on allocated + waiting units, or #BO_UNLIMITED. */
	int64_t subscribers;            /**< Number of pending back-in-stock subscriptions. */
	int64_t demand;                 /**< Insight: units ever ordered (placed or added by modify). */
	int64_t filled_at_once;         /**< Insight: units allocated at the moment they were ordered. */
	int64_t shipped;                /**< Insight: units ever shipped. */
	int64_t cancelled;              /**< Insight: units ever cancelled. */
	int64_t revenue_held;           /**< Insight: sum of waiting units x unit price, minor units. */
	int64_t created;                /**< Time the item was created. */
	int64_t eta_time;               /**< Unused since storage version 2 (ETAs are promises kept per line); adapters store it as given. */
	/* Version 3: */
	int64_t located;                /**< Number of the item's ::bo_stock_rec records (locations other than "main" holding or allocating its units); 0: everything is at "main". Kept by the core. */
} bo_item_rec;

/** @brief An order record (its lines are separate ::bo_line_rec records). */
typedef struct bo_order_rec {
	char id[BO_ID_MAX + 1];         /**< The caller's order id; the key. */
	int64_t created;                /**< Time the order was placed. */
	int64_t priority;               /**< Priority, higher first. */
	int64_t due;                    /**< Due time, or #BO_NO_TIME. */
	int32_t ship_mode;              /**< ::bo_ship_mode. */
	int32_t ready;                  /**< 1 while every open line is fully allocated. */
	uint32_t nlines;                /**< Number of lines, indexed 0..nlines-1. */
	uint32_t reserved;              /**< Zero. */
} bo_order_rec;

/** @brief A queue key: policy key words, then a unique sequence number. */
typedef struct bo_queue_key {
	int64_t k[BO_KEY_WORDS];        /**< Policy sort key, compared as signed words. */
	uint64_t seq;                   /**< Unique queue sequence; final tie-break. */
} bo_queue_key;

/** @brief An order line record, keyed by (order_id, index). */
typedef struct bo_line_rec {
	char order_id[BO_ID_MAX + 1];   /**< Order the line belongs to. */
	char sku[BO_ID_MAX + 1];        /**< The line's SKU (one line per SKU per order). */
	uint32_t index;                 /**< Position in the order, from 0. */
	uint32_t reserved;              /**< Zero. */
	int64_t placed;                 /**< Quantity as placed (for idempotent retries). */
	int64_t ordered;                /**< Ordered = allocated + backordered + shipped + cancelled. */
	int64_t allocated;              /**< Units reserved for this line. */
	int64_t backordered;            /**< Units waiting. */
	int64_t shipped;                /**< Units shipped. */
	int64_t cancelled;              /**< Units cancelled. */
	int64_t unit_price;             /**< Minor currency units, or #BO_NO_PRICE. */
	int64_t queue_time;             /**< Time the line joined its queue. */
	int64_t eta;                    /**< The promised ETA of the waiting units, or #BO_NO_TIME. */
	bo_queue_key key;               /**< The line's current key in its item's queues. */
	/* Version 2: */
	int32_t eta_basis;              /**< ::bo_eta_basis the ETA was promised on. */
	int32_t reserved2;              /**< Zero. */
	int64_t eta_base;               /**< The basis' value: the covering record's expected time (#BO_BASIS_SUPPLY), the lead time (#BO_BASIS_LEAD), else 0. */
	int64_t eta_release;            /**< The item's release time when the promise was made, or #BO_NO_TIME. */
} bo_line_rec;

/** @brief Which of an item's two queues. */
typedef enum bo_queue_kind {
	BO_QUEUE_WAITING = 0,   /**< Lines with waiting (backordered) units. */
	BO_QUEUE_ALLOCATED = 1  /**< Lines holding allocated units. */
} bo_queue_kind;

/** @brief An entry of an item's queue. */
typedef struct bo_queue_entry {
	char sku[BO_ID_MAX + 1];        /**< The item. */
	char order_id[BO_ID_MAX + 1];   /**< The line's order. */
	uint32_t index;                 /**< The line's index in its order. */
	uint32_t reserved;              /**< Zero. */
	bo_queue_key key;               /**< Position in the queue. */
} bo_queue_entry;

/** @brief An incoming supply record, keyed by (sku, id). */
typedef struct bo_supply_rec {
	char sku[BO_ID_MAX + 1];        /**< The item. */
	char id[BO_ID_MAX + 1];         /**< Supply id, unique per item. */
	int64_t qty;                    /**< Units expected (>= 1). */
	int64_t expected;               /**< Expected arrival time. */
	/* Version 3: */
	char location[BO_ID_MAX + 1];   /**< Location the units will arrive at; "" means "main". */
} bo_supply_rec;

/** @brief A back-in-stock subscription, keyed by (sku, seq). */
typedef struct bo_sub_rec {
	char sku[BO_ID_MAX + 1];        /**< The item. */
	char customer[BO_ID_MAX + 1];   /**< The customer to alert. */
	uint64_t seq;                   /**< Subscription sequence, unique per inventory. */
} bo_sub_rec;

/** @brief An outbox event record, keyed by seq. */
typedef struct bo_event_rec {
	uint64_t seq;                   /**< Sequence, unique and increasing per inventory. */
	int32_t kind;                   /**< ::bo_event_kind. */
	int32_t reserved;               /**< Zero. */
	char order_id[BO_ID_MAX + 1];   /**< Order, or "" for item-level events. */
	char sku[BO_ID_MAX + 1];        /**< SKU, or "" for order-level events. */
	char customer[BO_ID_MAX + 1];   /**< Customer (back_in_stock), or "". */
	int64_t qty;                    /**< Units the event is about. */
	int64_t eta;                    /**< ETA, or #BO_NO_TIME. */
	int64_t time;                   /**< Clock time of the change. */
	/* Version 3: */
	char location[BO_ID_MAX + 1];   /**< Location of the units (allocated, shipped), or "". */
} bo_event_rec;

/** @brief The location that always exists (DESIGN §11). */
#define BO_LOCATION_MAIN "main"

/**
 * @brief A stock location, keyed by id (version 3).
 *
 * Locations give stock in location order: lower `rank` first, ties by id
 * bytewise. "main" has rank 0 until a record for it says otherwise.
 */
typedef struct bo_location_rec {
	char id[BO_ID_MAX + 1];         /**< Location id (the id rules of SKUs); the key. */
	int64_t rank;                   /**< Rank: lower gives stock first. */
} bo_location_rec;

/**
 * @brief An item's stock at one location other than "main", keyed by
 *        (sku, location) (version 3). A record whose `on_hand` and
 *        `allocated` are both 0 is not kept: `stock_put` deletes it.
 */
typedef struct bo_stock_rec {
	char sku[BO_ID_MAX + 1];        /**< The item. */
	char location[BO_ID_MAX + 1];   /**< The location (never "main"). */
	int64_t on_hand;                /**< Units there, not yet shipped. */
	int64_t allocated;              /**< Of those, units reserved for lines. */
} bo_stock_rec;

/**
 * @brief A line's allocated units at one location other than "main", keyed
 *        by (order_id, index, location) (version 3). A record with `qty` 0
 *        is not kept: `lalloc_put` deletes it.
 */
typedef struct bo_lalloc_rec {
	char order_id[BO_ID_MAX + 1];   /**< The line's order. */
	uint32_t index;                 /**< The line's index in its order. */
	uint32_t reserved;              /**< Zero. */
	char location[BO_ID_MAX + 1];   /**< The location (never "main"). */
	int64_t qty;                    /**< Units of the line allocated there (>= 1 when kept). */
} bo_lalloc_rec;

/** @brief Number of wait buckets in ::bo_hist_rec.wait_hist. */
#define BO_HIST_WAIT_BUCKETS 24

/**
 * @brief History: what happened to one item on one UTC day
 *        (::bo_storage.hist_add, hist_next), keyed by (sku, day).
 *
 * Small and aggregate, written in the same transaction as the change it
 * counts: the core hands the adapter a call's figures for the day
 * (`hist_add`), which the adapter adds to the day's record as
 * bo_hist_rec_add() does (without reading it back first, if it can).
 *
 * Waits are those of filled lines: a waiting line is *filled* when its
 * last waiting unit is allocated; its wait runs from its queue time (its
 * placement, or its last increase by modify) to that moment. The average
 * wait over a period is exact (wait_sum / filled_lines). The 90th
 * percentile comes from the histogram `wait_hist`: bucket 0 holds waits
 * under one hour, bucket k (1 .. #BO_HIST_WAIT_BUCKETS - 2) waits from
 * 3600 x 1.5^(k-1) up to 3600 x 1.5^k seconds (rounded to whole seconds),
 * the last bucket everything from 3600 x 1.5^22 seconds (about 312 days)
 * on. See bo_report_make() for how the percentile is read from it.
 */
typedef struct bo_hist_rec {
	char sku[BO_ID_MAX + 1];        /**< The item. */
	int64_t day;                    /**< The UTC day: floor(time / 86400). */
	int64_t ordered;                /**< Units of orders placed that day (modifications do not count). */
	int64_t backordered;            /**< Of those, units that waited at placement (not allocated at once). */
	int64_t cancelled;              /**< Waiting units cancelled that day (lost demand; modify does not count). */
	int64_t filled_lines;           /**< Waiting lines filled that day. */
	int64_t wait_sum;               /**< Their waits, summed, in seconds. */
	int64_t wait_max;               /**< The longest of their waits, in seconds (0 when none). */
	uint32_t wait_hist[BO_HIST_WAIT_BUCKETS]; /**< Their number per wait bucket (see above). */
} bo_hist_rec;

/**
 * @brief A line that ::bo_storage.queue_fill gave units to.
 */
typedef struct bo_fill_rec {
	bo_line_rec line;               /**< The line as the store wrote it, after the fill. */
	int64_t take;                   /**< Units it was given (>= 1). */
	int32_t ready;                  /**< 1 when the fill set its order's `ready` flag (it was 0), else 0. */
	int32_t reserved;               /**< Zero. */
} bo_fill_rec;

/**
 * @brief The storage vtable. See the file description for the contract.
 *
 * Every callback receives the `user_data` given to bo_inventory_open().
 * Callbacks run on the thread of the library call that needs them, with the
 * inventory's lock held, so an adapter used by one inventory sees no
 * concurrent calls.
 */
typedef struct bo_storage {
	/** Version of this struct the adapter was built against: #BO_STORAGE_VERSION. */
	unsigned int version;
	/** `sizeof(bo_storage)` as the adapter was compiled: the library reads
	 * only this many bytes of the table. */
	size_t size;

	/** Start a transaction. */
	int (*begin)(void *user_data);
	/** Make the transaction's changes durable. On failure the core calls rollback. */
	int (*commit)(void *user_data);
	/** Undo everything since begin. */
	int (*rollback)(void *user_data);

	/** Read item `sku` into `out`; #BO_ENOTFOUND if absent. `for_update` asks for a write lock. */
	int (*item_get)(void *user_data, const char *sku, bo_item_rec *out, int for_update);
	/** Insert or replace the item with `rec->sku`. */
	int (*item_put)(void *user_data, const bo_item_rec *rec);
	/** The first item whose SKU sorts bytewise after `after` (NULL: the first); #BO_ENOTFOUND at the end. */
	int (*item_next)(void *user_data, const char *after, bo_item_rec *out);

	/** Read order `id`; #BO_ENOTFOUND if absent. */
	int (*order_get)(void *user_data, const char *id, bo_order_rec *out, int for_update);
	/** Insert or replace the order with `rec->id`. */
	int (*order_put)(void *user_data, const bo_order_rec *rec);
	/** The first order whose id sorts bytewise after `after` (NULL: the first); #BO_ENOTFOUND at the end. */
	int (*order_next)(void *user_data, const char *after, bo_order_rec *out);

	/** Read line `index` of order `order_id`; #BO_ENOTFOUND if absent. */
	int (*line_get)(void *user_data, const char *order_id, uint32_t index, bo_line_rec *out);
	/** Insert or replace the line (`rec->order_id`, `rec->index`). */
	int (*line_put)(void *user_data, const bo_line_rec *rec);

	/** Insert `entry` into queue `queue` of item `entry->sku`. */
	int (*queue_insert)(void *user_data, int queue, const bo_queue_entry *entry);
	/** Remove the entry of item `sku` with key `key` from queue `queue`; #BO_ENOTFOUND if absent. */
	int (*queue_remove)(void *user_data, int queue, const char *sku, const bo_queue_key *key);
	/** The first entry of `sku`'s queue with key greater than `after` (NULL: the head); #BO_ENOTFOUND at the end. */
	int (*queue_next)(void *user_data, int queue, const char *sku, const bo_queue_key *after, bo_queue_entry *out);
	/** The last entry of `sku`'s queue with key less than `before` (NULL: the tail); #BO_ENOTFOUND at the start. */
	int (*queue_prev)(void *user_data, int queue, const char *sku, const bo_queue_key *before, bo_queue_entry *out);

	/** Read supply record (`sku`, `id`); #BO_ENOTFOUND if absent. */
	int (*supply_get)(void *user_data, const char *sku, const char *id, bo_supply_rec *out);
	/** Insert or replace the supply record (`rec->sku`, `rec->id`). */
	int (*supply_put)(void *user_data, const bo_supply_rec *rec);
	/** Delete supply record (`sku`, `id`); #BO_ENOTFOUND if absent. */
	int (*supply_del)(void *user_data, const char *sku, const char *id);
	/**
	 * The first supply record of `sku` after `after` in (expected, id) order
	 * (NULL: the first); #BO_ENOTFOUND at the end.
	 */
	int (*supply_next)(void *user_data, const char *sku, const bo_supply_rec *after, bo_supply_rec *out);

	/** Add a subscription. */
	int (*sub_add)(void *user_data, const bo_sub_rec *rec);
	/** The first subscription of `sku` with seq greater than `after` (0: the first); #BO_ENOTFOUND at the end. */
	int (*sub_next)(void *user_data, const char *sku, uint64_t after, bo_sub_rec *out);
	/** Delete subscription (`sku`, `seq`). */
	int (*sub_del)(void *user_data, const char *sku, uint64_t seq);

	/** Append an event to the outbox (seq is larger than every seq before). */
	int (*outbox_append)(void *user_data, const bo_event_rec *ev);
	/** The first pending event with seq greater than `after`; #BO_ENOTFOUND if none. */
	int (*outbox_next)(void *user_data, uint64_t after, bo_event_rec *out);
	/** Remove every pending event with seq <= `upto` (they were delivered). */
	int (*outbox_ack)(void *user_data, uint64_t upto);

	/** Read integer metadata `key` (NUL-terminated, at most 31 bytes); #BO_ENOTFOUND if absent. */
	int (*meta_get)(void *user_data, const char *key, int64_t *value);
	/** Write integer metadata `key`. */
	int (*meta_put)(void *user_data, const char *key, int64_t value);

	/**
	 * Optional: set a savepoint inside the current transaction. Savepoints
	 * nest. If NULL, batches (bo_inventory_batch_begin()) are unavailable.
	 */
	int (*savepoint)(void *user_data);
	/** Optional (required with savepoint): forget the innermost savepoint, keeping its changes. */
	int (*release)(void *user_data);
	/** Optional (required with savepoint): undo changes since the innermost savepoint and forget it. */
	int (*rollback_to)(void *user_data);

	/** Optional: release everything the adapter holds, `user_data` included. Called by bo_inventory_free(). */
	void (*close)(void *user_data);

	/* Version 2: */
	/**
	 * Optional: write into `out` `n` (>= 1) fresh numbers of sequence
	 * `kind` (::bo_seq_kind), in increasing order: larger than any number
	 * of that sequence the store handed out before, never handed out
	 * again, not undone by a rollback (gaps are fine). Numbers taken by
	 * concurrent transactions may interleave, so an adapter with this
	 * callback must keep the dispatch promise in `outbox_next`: outside
	 * the transactions of mutating calls it returns an event only when no
	 * transaction that could still commit an event with a lower number is
	 * in flight (it holds later events back until they are). If NULL, the
	 * core keeps the counters in the metadata area ("event_seq",
	 * "line_seq", "sub_seq").
	 */
	int (*seq_take)(void *user_data, int kind, size_t n, uint64_t *out);

	/* Version 2, history (the two come together): */
	/**
	 * Optional: add `delta` (a call's figures for item `delta->sku` on day
	 * `delta->day`) to the history record of that item and day, creating
	 * it from zero if there is none: as bo_hist_rec_add() does. Runs
	 * inside the call's transaction (rolled back with it), after the
	 * item's record was read for update, at most once per item per call.
	 * If the history callbacks are NULL, the store keeps no history: the
	 * core writes none, and a report (bo_report_make()) has no daily
	 * series, no period figures (units ordered, backordered and cancelled
	 * over a period, waits of filled lines) and takes the fill rate from
	 * the item's counters (which count units added by modify too).
	 */
	int (*hist_add)(void *user_data, const bo_hist_rec *delta);
	/**
	 * Optional (required with hist_add): the first record of `sku` whose
	 * day is greater than `after` (INT64_MIN: the first), in day order;
	 * #BO_ENOTFOUND at the end. Used by reports, outside transactions.
	 */
	int (*hist_next)(void *user_data, const char *sku, int64_t after, bo_hist_rec *out);

	/* Version 2, bulk fills: */
	/**
	 * Optional: give up to `avail` (>= 1) units to the waiting lines of
	 * `sku` from the head of its waiting queue, in queue order, each line
	 * as many units as it waits for (the last one perhaps fewer), at most
	 * `max` (>= 1) lines, and report them in `out[0 .. *n)`, in that
	 * order. For each line the store does, as one step, what the core
	 * otherwise does through the other callbacks:
	 *
	 * - `allocated` += take, `backordered` -= take;
	 * - a line that held no allocated units joins the #BO_QUEUE_ALLOCATED
	 *   queue under its key;
	 * - a line left waiting for nothing leaves the #BO_QUEUE_WAITING queue
	 *   and drops its ETA promise (`eta` #BO_NO_TIME, `eta_basis`
	 *   #BO_BASIS_NONE, `eta_base` 0, `eta_release` #BO_NO_TIME), and its
	 *   order's `ready` flag becomes 1 if every line of the order then
	 *   waits for nothing and some line holds allocated units (else 0);
	 *   `ready` in the report is 1 when the flag rose from 0.
	 *
	 * Item records are the core's: the store does not change them. Runs
	 * inside a transaction, with the item read for update; a failure
	 * leaves the transaction to be rolled back. *n = 0 means nothing
	 * waits. If NULL, the core fills line by line through queue_next,
	 * line_get, line_put, queue_insert, queue_remove, order_get and
	 * order_put, with the same result. The fair policy, which shares
	 * stock out over the whole queue, always fills line by line.
	 */
	int (*queue_fill)(void *user_data, const char *sku, int64_t avail, size_t max, bo_fill_rec *out, size_t *n);

	/* Version 3, locations (optional: all six or none; see the file description): */
	/** Insert or replace location `rec->id`. */
	int (*loc_put)(void *user_data, const bo_location_rec *rec);
	/** The first location whose id sorts bytewise after `after` (NULL: the first); #BO_ENOTFOUND at the end. */
	int (*loc_next)(void *user_data, const char *after, bo_location_rec *out);
	/** Insert or replace the stock record (`rec->sku`, `rec->location`); delete it when `on_hand` and `allocated` are 0 (absent: nothing to do). `location` is never "" or "main" (an adapter may refuse one). */
	int (*stock_put)(void *user_data, const bo_stock_rec *rec);
	/**
	 * All stock records of `sku`, in bytewise location order, into
	 * `out[0 .. *n)` (at most `max`, which is at least the number of
	 * locations the store holds; #BO_ESTORAGE if there are more). One call
	 * per item, so that a view of an item's stock costs one look-up (one
	 * round trip to a server), not one per location.
	 */
	int (*stock_list)(void *user_data, const char *sku, bo_stock_rec *out, size_t max, size_t *n);
	/** Insert or replace the record (`rec->order_id`, `rec->index`, `rec->location`); delete it when `qty` is 0 (absent: nothing to do). The line is stored already; `location` is never "" or "main" (the core writes no record for "main", and an adapter may refuse one). */
	int (*lalloc_put)(void *user_data, const bo_lalloc_rec *rec);
	/** All records of line (`order_id`, `index`), in bytewise location order, into `out[0 .. *n)` (at most `max`, as for `stock_list`). */
	int (*lalloc_list)(void *user_data, const char *order_id, uint32_t index, bo_lalloc_rec *out, size_t max,
			   size_t *n);

	/* Version 3, events the store numbers (optional; needs seq_take): */
	/**
	 * Optional: append event `ev` to the outbox, numbered by the store:
	 * `ev->seq` is ignored (the core passes 0) and the event is stored with
	 * the next number of the store's event sequence (::BO_SEQ_EVENT of
	 * `seq_take`), drawn no earlier than the append and after every lock
	 * the call's transaction took before it, so that the events of one
	 * call are numbered in the order they are appended and calls that
	 * touch the same records number theirs in the order they commit. Runs
	 * inside the call's transaction. When set, the core calls it instead
	 * of `seq_take` and `outbox_append` for a call's events: a store that
	 * sends its writes to a server can then draw the numbers in the
	 * statement that stores them, without a round trip of their own. The
	 * dispatch promise of `seq_take` holds. If NULL, the core draws the
	 * numbers with `seq_take` (or its metadata counter) and appends with
	 * `outbox_append`.
	 */
	int (*outbox_add)(void *user_data, const bo_event_rec *ev);

	/* Version 4, look-up hints (optional): */
	/**
	 * Optional: a hint that the call about to run will look up the record
	 * of kind `kind` (::BO_HINT_ORDER or ::BO_HINT_ITEM) with id `id`.
	 * The core gives it, with the inventory's lock held, before the
	 * call's `begin` (inside a batch: before its `savepoint`, with the
	 * batch's transaction open), for the order and the SKUs a call names,
	 * so that a store can start fetching what those look-ups will read
	 * while the call's other work runs (an in-memory store: the index
	 * slot and the node, a cache miss each on a large book). `id` is a
	 * valid id, not necessarily stored; other kinds may come later and
	 * are to be ignored. It must not change anything or fail; it may do
	 * nothing. If NULL, nothing is hinted.
	 */
	void (*prefetch)(void *user_data, int kind, const char *id);
} bo_storage;

/** @brief ::bo_storage.prefetch: the record hinted is an order (`id` is its id). */
#define BO_HINT_ORDER 1
/** @brief ::bo_storage.prefetch: the record hinted is an item (`id` is its SKU). */
#define BO_HINT_ITEM 2

/**
 * @brief Compare two queue keys the way queues must be ordered.
 * @param a first key (not NULL)
 * @param b second key (not NULL)
 * @return negative, 0 or positive as `a` sorts before, with or after `b`.
 */
BO_EXPORT int bo_queue_key_cmp(const bo_queue_key *a, const bo_queue_key *b);

/**
 * @brief Set the calling thread's detailed error message (see
 *        bo_last_error() in backorder.h). For adapters: call it before
 *        returning #BO_ESTORAGE so the caller learns why.
 * @param fmt printf-style format
 * @param ... arguments
 */
BO_EXPORT void bo_storage_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/** @brief sizeof(::bo_storage) as this library was built, for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_storage_size(void);
/** @brief sizeof(::bo_item_rec), for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_item_rec_size(void);
/** @brief sizeof(::bo_line_rec), for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_line_rec_size(void);
/** @brief sizeof(::bo_event_rec), for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_event_rec_size(void);
/** @brief sizeof(::bo_hist_rec), for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_hist_rec_size(void);
/** @brief sizeof(::bo_supply_rec), for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_supply_rec_size(void);
/** @brief sizeof(::bo_stock_rec), for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_stock_rec_size(void);
/** @brief sizeof(::bo_lalloc_rec), for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_lalloc_rec_size(void);
/**
 * @brief Add the figures of `delta` to `into` (for adapters' `hist_add`):
 *        counts and sums add (saturating at the type's maximum),
 *        `wait_max` is the larger. `sku` and `day` are left alone.
 * @param into the record added to (not NULL)
 * @param delta the figures to add (not NULL)
 */
BO_EXPORT void bo_hist_rec_add(bo_hist_rec *into, const bo_hist_rec *delta);
/**
 * @brief The ::bo_hist_rec.wait_hist bucket of a wait.
 * @param wait a wait in seconds (negative counts as 0)
 * @return 0 .. #BO_HIST_WAIT_BUCKETS - 1
 */
BO_EXPORT int bo_hist_bucket(int64_t wait);
/**
 * @brief The lower bound of a wait bucket in seconds (0 for bucket 0).
 * @param bucket 0 .. #BO_HIST_WAIT_BUCKETS - 1 (others give -1)
 * @return seconds, or -1
 */
BO_EXPORT int64_t bo_hist_bucket_floor(int bucket);

#ifdef __cplusplus
}
#endif

#endif
