/**
 * @file backorder.h
 * @brief libbackorder: accept, queue, fill and report backorders.
 *
 * The public API. Conventions, in the manner of libgit2:
 *
 * - Every fallible function returns an `int` status: #BO_OK (0) or a
 *   negative ::bo_status. Out-parameters come first.
 * - After a failure, bo_last_error() returns a message that explains it.
 *   The message is kept per thread, so it is the message of the last
 *   failing call made on the calling thread.
 * - A failing call changes nothing: no record, no event, no counter, and
 *   none of its callbacks into caller code has fired except those that the
 *   function's documentation names (clock, policy key and storage callbacks
 *   may have run; the notifier never runs for a failing call).
 * - Strings passed in are copied if kept. Borrowed strings handed out are
 *   valid as long as the object that holds them.
 * - `*_free(NULL)` is a no-op.
 *
 * Thread-safety: an ::bo_inventory may be shared by threads; every call on
 * it is serialised by a (recursive) lock inside. A ::bo_policy may be shared
 * once created. A ::bo_order snapshot belongs to one thread at a time.
 */
#ifndef BACKORDER_H
#define BACKORDER_H

#include "backorder/common.h"
#include "backorder/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/** @name Version and errors */
/** @{ */

/**
 * @brief The library's version at run time.
 * @return a static string such as "0.3.0"
 */
BO_EXPORT const char *bo_version(void);

/**
 * @brief Static text describing a status code. Never NULL.
 * @param code a ::bo_status value (unknown values get a generic text)
 * @return a static string
 */
BO_EXPORT const char *bo_strerror(int code);

/**
 * @brief The trace-format name of a status: "parse", "invalid",
 *        "not_found", "exists", "out_of_stock", "state", "storage"; "ok"
 *        for #BO_OK and "unknown" for anything else.
 * @param code a ::bo_status value
 * @return a static string
 */
BO_EXPORT const char *bo_status_name(int code);

/**
 * @brief The detailed message of the last failure on the calling thread.
 *
 * Never NULL: "no error" when no call on this thread has failed since the
 * last bo_clear_error(). Valid until the next library call on this thread.
 * @return the message (never NULL)
 */
BO_EXPORT const char *bo_last_error(void);

/** @brief Forget the calling thread's last error message. */
BO_EXPORT void bo_clear_error(void);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Handles */
/** @{ */

/**
 * @brief An inventory: items, orders, queues, supply, events.
 *
 * Thread-safety: safe to share between threads; calls are serialised.
 * The notifier, clock and policy callbacks run on the calling thread with
 * the inventory's lock held; they may call back into the same inventory
 * (the lock is recursive), but nested calls never dispatch events.
 */
typedef struct bo_inventory bo_inventory;

/**
 * @brief An allocation policy: decides which waiting line gets stock first.
 *
 * Thread-safety: immutable once created; share freely. Reference counted:
 * an inventory that uses a policy keeps it alive after bo_policy_free().
 */
typedef struct bo_policy bo_policy;

/**
 * @brief A snapshot of an order and its lines, taken by bo_order_get().
 *
 * Thread-safety: a plain value; use from one thread at a time.
 */
typedef struct bo_order bo_order;

/** @} */

/* ------------------------------------------------------------------ */
/** @name Opening an inventory */
/** @{ */

/**
 * @brief Clock callback: the current time in seconds since the Unix epoch, UTC.
 * @param user_data the `clock_data` of ::bo_options
 */
typedef int64_t (*bo_clock_cb)(void *user_data);

/** @brief Current version of ::bo_options (2 added `exclusive`). */
#define BO_OPTIONS_VERSION 2

/** @brief Options for bo_inventory_open(). Initialise with #BO_OPTIONS_INIT. */
typedef struct bo_options {
	unsigned int version;       /**< #BO_OPTIONS_VERSION. */
	bo_clock_cb clock;          /**< Clock, or NULL for the system clock. */
	void *clock_data;           /**< Passed to `clock`. */
	const char *default_policy; /**< Policy name for new items; NULL = "fifo". */
	int auto_dispatch;          /**< Non-zero: dispatch events after every committed call (default 1). */
	/** Version 2. Non-zero: the caller promises that this inventory is the
	 * store's only user (no other handle, thread-independent copy or
	 * process reads or writes it). The library then keeps the store's
	 * metadata (clock, sequence counters) cached from call to call,
	 * writing changes through, and trusts that no one else appends
	 * events. Default 0; bo_inventory_open_store() sets it for `memory`,
	 * whose store no one else can reach. A store shared while this is set
	 * can hand out a sequence number twice. */
	int exclusive;
} bo_options;

/** @brief Static initialiser for ::bo_options with the defaults. */
#define BO_OPTIONS_INIT { BO_OPTIONS_VERSION, NULL, NULL, NULL, 1, 0 }

/**
 * @brief Initialise `opts` with the defaults.
 * @param opts options to fill (not NULL)
 * @param version #BO_OPTIONS_VERSION
 * @return #BO_OK, or #BO_EINVALID for NULL or an unknown version.
 */
BO_EXPORT int bo_options_init(bo_options *opts, unsigned int version);

/**
 * @brief Open an inventory over a storage adapter.
 *
 * The storage table is copied (min(its size for its version, ours)).
 * On success the inventory owns `storage_data` and calls the table's
 * `close` on it in bo_inventory_free(); on failure the caller still owns it.
 *
 * @param out receives the new inventory (set to NULL on failure)
 * @param storage the adapter's vtable (see backorder/storage.h)
 * @param storage_data the adapter's user data, passed to every callback
 * @param opts options, or NULL for the defaults
 * @return #BO_OK; #BO_EINVALID for NULL arguments, an unknown version or a
 *         missing required callback; #BO_ESTORAGE if the store fails.
 */
BO_EXPORT int bo_inventory_open(bo_inventory **out, const bo_storage *storage,
				void *storage_data, const bo_options *opts);

/**
 * @brief Open an inventory from a store string.
 *
 * `store` is "memory", "sqlite:PATH" or "postgres:CONNINFO" (the adapters
 * compiled into this build; see bo_store_available()). This is the
 * convenience front door used by the `backorder` program and the Python
 * bindings. A `memory` store made here belongs to the new inventory alone,
 * so the inventory opens it as `exclusive` (see ::bo_options).
 *
 * @param out receives the new inventory
 * @param store the store string
 * @param opts options, or NULL for the defaults
 * @return #BO_OK; #BO_EINVALID for an unknown store kind;
 *         #BO_ESTORAGE if the store cannot be opened.
 */
BO_EXPORT int bo_inventory_open_store(bo_inventory **out, const char *store,
				      const bo_options *opts);

/**
 * @brief Whether this build has the adapter named `kind` ("memory", "sqlite", "postgres").
 * @param kind adapter name
 * @return 1 if available, 0 if not.
 */
BO_EXPORT int bo_store_available(const char *kind);

/**
 * @brief Close an inventory: frees it, its notifier user data (via the
 *        notifier's `free`) and its storage (via the table's `close`).
 *        Pending events stay in a durable store. NULL is a no-op.
 * @param inv the inventory, or NULL
 */
BO_EXPORT void bo_inventory_free(bo_inventory *inv);

/**
 * @brief The inventory's current time: the latest clock reading any call
 *        has used (the clock never goes backwards), as kept by the store.
 * @param out receives the time
 * @param inv the inventory
 * @return #BO_OK; #BO_EINVALID for NULL; #BO_ESTORAGE.
 */
BO_EXPORT int bo_inventory_now(int64_t *out, bo_inventory *inv);

/**
 * @brief Advance to the clock's time and run time-driven work: releases the
 *        preorders that are due (a `released` event each).
 *
 * Every mutating call does this implicitly; this call also fails when the
 * clock reads earlier than the inventory's current time.
 *
 * @param inv the inventory
 * @return #BO_OK; #BO_EINVALID for NULL or a clock that went backwards;
 *         #BO_ESTORAGE.
 */
BO_EXPORT int bo_inventory_advance(bo_inventory *inv);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Allocation policies */
/** @{ */

/**
 * @brief A read-only view of a line, given to custom policies.
 *
 * Pointers are borrowed for the duration of the callback.
 */
typedef struct bo_line_view {
	const char *order_id;   /**< The line's order. */
	const char *sku;        /**< The line's item. */
	int64_t priority;       /**< The order's priority. */
	int64_t due;            /**< The order's due time, or #BO_NO_TIME. */
	int64_t created;        /**< The order's placement time. */
	int64_t queue_time;     /**< When the line joined the queue. */
	int64_t ordered;        /**< The line's ordered quantity. */
	int64_t unit_price;     /**< The line's unit price, or #BO_NO_PRICE. */
} bo_line_view;

/** @brief Current version of ::bo_policy_methods. */
#define BO_POLICY_METHODS_VERSION 1

/**
 * @brief A custom policy's callbacks. Initialise with #BO_POLICY_METHODS_INIT.
 *
 * A custom policy orders waiting lines by a sort key of #BO_KEY_WORDS signed
 * 64-bit words (smaller first; ties go to the line that joined its queue
 * first). The key is computed when a line joins its queue and kept there, so
 * it must depend only on the line view.
 */
typedef struct bo_policy_methods {
	unsigned int version; /**< #BO_POLICY_METHODS_VERSION. */
	/**
	 * Required: fill `key` for `line`. Return 0, or non-zero to fail the
	 * library call that asked (it then changes nothing, #BO_ESTATE).
	 * Runs on the calling thread with the inventory lock held.
	 */
	int (*sort_key)(void *user_data, const bo_line_view *line, int64_t key[BO_KEY_WORDS]);
	/** Optional: called once with `user_data` when the policy is destroyed. */
	void (*free)(void *user_data);
} bo_policy_methods;

/** @brief Static initialiser for ::bo_policy_methods. */
#define BO_POLICY_METHODS_INIT { BO_POLICY_METHODS_VERSION, NULL, NULL }

/**
 * @brief Get a built-in policy: "fifo", "priority", "due" or "fair".
 * @param out receives the policy (free with bo_policy_free())
 * @param name policy name
 * @return #BO_OK; #BO_EINVALID for NULL or an unknown name.
 */
BO_EXPORT int bo_policy_builtin(bo_policy **out, const char *name);

/**
 * @brief Create a custom policy.
 * @param out receives the policy
 * @param name its name (1..31 bytes of `[a-z0-9_-]`, not a built-in's name)
 * @param methods callbacks (copied)
 * @param user_data passed to the callbacks; released by `methods->free`
 *        when the last reference goes (not on failure)
 * @return #BO_OK; #BO_EINVALID for bad arguments.
 */
BO_EXPORT int bo_policy_custom(bo_policy **out, const char *name,
			       const bo_policy_methods *methods, void *user_data);

/**
 * @brief The policy's name (borrowed, lives as long as the policy).
 * @param policy the policy
 * @return its name, or NULL for a NULL policy
 */
BO_EXPORT const char *bo_policy_name(const bo_policy *policy);

/**
 * @brief Drop the caller's reference to a policy. NULL is a no-op.
 * @param policy the policy or NULL
 */
BO_EXPORT void bo_policy_free(bo_policy *policy);

/**
 * @brief Make a custom policy usable by name in this inventory (items name
 *        their policy). The inventory takes its own reference.
 *
 * A durable store remembers only the name: register custom policies again
 * after reopening, before calls that touch their items.
 * @param inv the inventory
 * @param policy the policy
 * @return #BO_OK; #BO_EINVALID for NULL; #BO_EEXISTS if another policy with
 *         that name is registered.
 */
BO_EXPORT int bo_inventory_add_policy(bo_inventory *inv, bo_policy *policy);

/**
 * @brief Set the policy that items created from now on get by default.
 * @param inv the inventory
 * @param name a built-in or registered policy name
 * @return #BO_OK; #BO_EINVALID for NULL or an unknown policy.
 */
BO_EXPORT int bo_inventory_set_default_policy(bo_inventory *inv, const char *name);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Items, stock and supply */
/** @{ */

/** @brief ::bo_item_settings field: backorder mode. */
#define BO_ITEM_BACKORDER     (1u << 0)
/** @brief ::bo_item_settings field: max_backorder. */
#define BO_ITEM_MAX_BACKORDER (1u << 1)
/** @brief ::bo_item_settings field: lead_time. */
#define BO_ITEM_LEAD_TIME     (1u << 2)
/** @brief ::bo_item_settings field: policy. */
#define BO_ITEM_POLICY        (1u << 3)
/** @brief ::bo_item_settings field: release_at. */
#define BO_ITEM_RELEASE_AT    (1u << 4)
/** @brief ::bo_item_settings field: preorder_max. */
#define BO_ITEM_PREORDER_MAX  (1u << 5)

/** @brief Current version of ::bo_item_settings. */
#define BO_ITEM_SETTINGS_VERSION 1

/**
 * @brief Item settings for bo_item_set(). Only the fields named in `fields`
 *        are applied; the others keep their value (or default, for a new item).
 */
typedef struct bo_item_settings {
	unsigned int version;   /**< #BO_ITEM_SETTINGS_VERSION. */
	unsigned int fields;    /**< Bitwise OR of BO_ITEM_* flags naming the fields to set. */
	int backorder;          /**< ::bo_backorder_mode. */
	int64_t max_backorder;  /**< Cap on waiting units (>= 0), or #BO_UNLIMITED. */
	int64_t lead_time;      /**< Lead time in seconds (>= 0), or #BO_NO_TIME. */
	const char *policy;     /**< Policy name (built-in or registered). */
	int64_t release_at;     /**< Preorder release time, or #BO_NO_TIME for none. */
	int64_t preorder_max;   /**< Preorder cap (>= 0), or #BO_UNLIMITED. */
} bo_item_settings;

/** @brief Static initialiser for ::bo_item_settings (no fields set). */
#define BO_ITEM_SETTINGS_INIT { BO_ITEM_SETTINGS_VERSION, 0, BO_BACKORDER_ALLOW, BO_UNLIMITED, BO_NO_TIME, NULL, BO_NO_TIME, BO_UNLIMITED }

/**
 * @brief Create item `sku`, or update the settings named in `settings->fields`.
 *
 * New items start with on_hand 0, backorder allow, no caps, no lead time,
 * the inventory's default policy. Changing the policy re-orders the item's
 * queues; a new lead time or release time refreshes its ETAs.
 *
 * @param inv the inventory
 * @param sku the SKU: 1..64 bytes, no control characters or white space.
 *        That is: no byte up to 0x20 and no 0x7f, and no UTF-8 sequence for a
 *        C1 control character (U+0080..U+009F) or for a code point with the
 *        Unicode White_Space property (U+00A0, U+1680, U+2000..U+200A,
 *        U+2028, U+2029, U+202F, U+205F, U+3000). Other UTF-8 is accepted,
 *        and so are bytes that are not UTF-8, which JSON output writes as
 *        U+FFFD. Every other id (order, customer, location, supply) follows
 *        the same rules.
 * @param settings the settings, or NULL to only create the item
 * @return #BO_OK; #BO_EINVALID for a bad SKU or a value out of its set.
 */
BO_EXPORT int bo_item_set(bo_inventory *inv, const char *sku, const bo_item_settings *settings);

/**
 * @brief Receive stock: on_hand grows by `qty`; waiting lines are filled.
 * @param inv the inventory
 * @param sku the item
 * @param qty units received (>= 1)
 * @param supply_id NULL, or a supply record of the item to reduce by `qty` (to 0 at least; at 0 it is removed)
 * @return #BO_OK; #BO_EINVALID; #BO_ENOTFOUND for an unknown item or supply id.
 */
BO_EXPORT int bo_item_receive(bo_inventory *inv, const char *sku, int64_t qty, const char *supply_id);

/**
 * @brief Correct on_hand by a signed delta (counts, damage).
 *
 * Up: waiting lines are filled. Down below allocated: allocations are taken
 * back from the lines last in policy order, which wait again.
 * @param inv the inventory
 * @param sku the item
 * @param delta non-zero change
 * @return #BO_OK; #BO_EINVALID for 0, a result below 0 or an overflow; #BO_ENOTFOUND.
 */
BO_EXPORT int bo_item_adjust(bo_inventory *inv, const char *sku, int64_t delta);

/**
 * @brief Record (or replace) expected supply `supply_id` of `qty` units at `expected`.
 * @param inv the inventory
 * @param sku the item
 * @param supply_id id, unique per item
 * @param qty units (>= 1)
 * @param expected expected arrival time
 * @return #BO_OK; #BO_EINVALID; #BO_ENOTFOUND for an unknown item.
 */
BO_EXPORT int bo_supply_set(bo_inventory *inv, const char *sku, const char *supply_id,
			    int64_t qty, int64_t expected);

/**
 * @brief Remove an expected supply record.
 * @param inv the inventory
 * @param sku the item
 * @param supply_id the record
 * @return #BO_OK; #BO_EINVALID; #BO_ENOTFOUND for an unknown item or record.
 */
BO_EXPORT int bo_supply_remove(bo_inventory *inv, const char *sku, const char *supply_id);

/**
 * @brief Subscribe `customer` to one back-in-stock alert for `sku`.
 *
 * The alert (a `back_in_stock` event) fires at once if the item has
 * unallocated stock, else after the first call that leaves it some.
 * @param inv the inventory
 * @param sku the item
 * @param customer customer id (id rules as for SKUs)
 * @return #BO_OK; #BO_EINVALID; #BO_ENOTFOUND.
 */
BO_EXPORT int bo_item_subscribe(bo_inventory *inv, const char *sku, const char *customer);

/**
 * @brief An item's state, settings and insight figures. Fields are only
 *        ever appended; bo_item_status_size() gives the size.
 */
typedef struct bo_item_status {
	char sku[BO_ID_MAX + 1];        /**< SKU. */
	char policy[BO_NAME_MAX + 1];   /**< Policy name. */
	int64_t on_hand;                /**< Physical units not shipped. */
	int64_t allocated;              /**< Units reserved for lines. */
	int64_t available;              /**< on_hand - allocated. */
	int64_t backordered;            /**< Units waiting. */
	int64_t incoming;               /**< Units in open supply records. */
	int backorder;                  /**< ::bo_backorder_mode. */
	int in_preorder;                /**< 1 while the clock is before release_at. */
	int64_t max_backorder;          /**< Cap or #BO_UNLIMITED. */
	int64_t lead_time;              /**< Seconds or #BO_NO_TIME. */
	int64_t release_at;             /**< Time or #BO_NO_TIME. */
	int64_t preorder_max;           /**< Cap or #BO_UNLIMITED. */
	int64_t waiting_lines;          /**< Number of waiting lines (bo_item_status_get() only; 0 in bo_item_foreach()). */
	int64_t demand;                 /**< Units ever ordered. */
	int64_t filled_at_once;         /**< Units allocated the moment they were ordered. */
	int64_t shipped;                /**< Units ever shipped. */
	int64_t cancelled;              /**< Units ever cancelled. */
	int64_t revenue_held;           /**< Waiting units x unit price (lines with a price), minor units. */
	int64_t oldest_wait;            /**< Queue time of the longest-waiting line, or #BO_NO_TIME (bo_item_status_get() only). */
	int64_t subscribers;            /**< Pending back-in-stock subscriptions. */
	int64_t late_lines;             /**< Waiting lines whose promised ETA has passed (bo_item_status_get() only; 0 in bo_item_foreach()). */
} bo_item_status;

/** @brief sizeof(::bo_item_status) as built, for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_item_status_size(void);

/**
 * @brief Read an item's status, including the figures that need a walk of
 *        its waiting queue (waiting_lines, oldest_wait).
 * @param out receives the status
 * @param inv the inventory
 * @param sku the item
 * @return #BO_OK; #BO_EINVALID; #BO_ENOTFOUND; #BO_ESTORAGE.
 */
BO_EXPORT int bo_item_status_get(bo_item_status *out, bo_inventory *inv, const char *sku);

/**
 * @brief Callback of bo_item_foreach(): return 0 to go on, non-zero to stop
 *        (bo_item_foreach() then returns that value).
 */
typedef int (*bo_item_cb)(void *user_data, const bo_item_status *item);

/**
 * @brief Call `cb` for every item in bytewise SKU order.
 * @param inv the inventory
 * @param cb callback; runs with the lock held, may not mutate the inventory
 * @param user_data passed to `cb`
 * @return #BO_OK, the callback's non-zero value, or an error.
 */
BO_EXPORT int bo_item_foreach(bo_inventory *inv, bo_item_cb cb, void *user_data);

/** @brief A waiting line as seen from its item's queue. */
typedef struct bo_waiting_line {
	const char *order_id;   /**< The line's order (borrowed for the callback). */
	const char *sku;        /**< The item (borrowed for the callback). */
	int64_t position;       /**< 1 for the head of the queue. */
	int64_t units_ahead;    /**< Waiting units of the lines ahead in ETA order. */
	int64_t backordered;    /**< This line's waiting units. */
	int64_t eta;            /**< The promised ETA or #BO_NO_TIME. */
	int64_t queue_time;     /**< When it joined the queue. */
	int late;               /**< 1 when the promised ETA has passed (the clock, or the inventory's time if later). */
} bo_waiting_line;

/** @brief Callback of bo_item_waiting_foreach(): 0 to go on, non-zero to stop. */
typedef int (*bo_waiting_cb)(void *user_data, const bo_waiting_line *line);

/**
 * @brief Call `cb` for each waiting line of `sku` in queue (policy) order.
 * @param inv the inventory
 * @param sku the item
 * @param cb callback; may not mutate the inventory
 * @param user_data passed to `cb`
 * @return #BO_OK, the callback's non-zero value, or an error.
 */
BO_EXPORT int bo_item_waiting_foreach(bo_inventory *inv, const char *sku,
				      bo_waiting_cb cb, void *user_data);

/** @brief A supply record as reported to bo_supply_foreach() callbacks. */
typedef struct bo_supply_info {
	const char *sku;        /**< The item (borrowed). */
	const char *id;         /**< Supply id (borrowed). */
	int64_t qty;            /**< Units expected. */
	int64_t expected;       /**< Expected time. */
	const char *location;   /**< Location the units will arrive at (borrowed; "main" unless named). */
} bo_supply_info;

/** @brief Callback of bo_supply_foreach(): 0 to go on, non-zero to stop. */
typedef int (*bo_supply_cb)(void *user_data, const bo_supply_info *supply);

/**
 * @brief Call `cb` for each open supply record of `sku` in expected-time order.
 * @param inv the inventory
 * @param sku the item
 * @param cb callback
 * @param user_data passed to `cb`
 * @return #BO_OK, the callback's non-zero value, or an error.
 */
BO_EXPORT int bo_supply_foreach(bo_inventory *inv, const char *sku, bo_supply_cb cb, void *user_data);

/** @} */

/* ------------------------------------------------------------------ */
/**
 * @name Locations
 *
 * Stock lives at locations: warehouses, shops, a supplier who ships
 * directly (DESIGN §11). Location "main" always exists; an inventory that
 * never names another behaves exactly as one without locations. The queue
 * stays one per item over all its locations: a location is chosen only
 * when units are allocated, from the locations with free units in location
 * order (lower rank first, ties by id bytewise), as many as each has, so a
 * line may hold units at several locations. Units go back (cancel, modify
 * down) from the line's last location in location order first. Functions
 * without `_at` act at "main" (receive, adjust, supply) or, for shipping,
 * at the line's locations in location order. A `location` of NULL means
 * "main" throughout.
 */
/** @{ */

/**
 * @brief Create location `id`, or set its rank.
 * @param inv the inventory
 * @param id location id (the id rules of SKUs)
 * @param rank lower ranks give stock first (ties by id); "main" starts at 0
 * @return #BO_OK; #BO_EINVALID for a bad id; #BO_ESTATE when the store
 *         keeps no locations (an adapter without the location callbacks),
 *         for "main" too (there is nowhere to keep its rank); #BO_ESTORAGE.
 */
BO_EXPORT int bo_location_set(bo_inventory *inv, const char *id, int64_t rank);

/** @brief A location, as bo_location_foreach() reports it. */
typedef struct bo_location {
	const char *id;         /**< Location id (borrowed). */
	int64_t rank;           /**< Its rank. */
} bo_location;

/** @brief Callback of bo_location_foreach(): 0 to go on, non-zero to stop. */
typedef int (*bo_location_cb)(void *user_data, const bo_location *location);

/**
 * @brief Call `cb` for every location, "main" included, in location order.
 * @param inv the inventory
 * @param cb callback
 * @param user_data passed to `cb`
 * @return #BO_OK, the callback's non-zero value, or an error.
 */
BO_EXPORT int bo_location_foreach(bo_inventory *inv, bo_location_cb cb, void *user_data);

/**
 * @brief bo_item_receive() at a location. With `supply_id`, the units
 *        arrive at the supply record's location; a `location` that differs
 *        from it is #BO_EINVALID.
 * @param inv the inventory
 * @param sku the item
 * @param qty units (>= 1)
 * @param supply_id supply record the units arrive against, or NULL
 * @param location the location, or NULL ("main", or the record's)
 * @return as bo_item_receive(); #BO_ENOTFOUND for an unknown location.
 */
BO_EXPORT int bo_item_receive_at(bo_inventory *inv, const char *sku, int64_t qty, const char *supply_id,
				 const char *location);

/**
 * @brief bo_item_adjust() at a location: on_hand there may not go below 0
 *        (#BO_EINVALID). When the location is left holding fewer units
 *        than it allocates, the difference is taken back from the lines
 *        holding units there, last in policy order first; they wait again
 *        and are filled at once from free units elsewhere, if any.
 * @param inv the inventory
 * @param sku the item
 * @param delta units to add (negative: remove; not 0)
 * @param location the location, or NULL for "main"
 * @return as bo_item_adjust(); #BO_ENOTFOUND for an unknown location.
 */
BO_EXPORT int bo_item_adjust_at(bo_inventory *inv, const char *sku, int64_t delta, const char *location);

/**
 * @brief bo_supply_set() with the location the units will arrive at.
 *        ETAs use all supply of the item, wherever it arrives.
 * @param inv the inventory
 * @param sku the item
 * @param supply_id supply id
 * @param qty units expected (>= 1)
 * @param expected expected arrival time
 * @param location the location, or NULL for "main"
 * @return as bo_supply_set(); #BO_ENOTFOUND for an unknown location.
 */
BO_EXPORT int bo_supply_set_at(bo_inventory *inv, const char *sku, const char *supply_id, int64_t qty,
			       int64_t expected, const char *location);

/** @brief An item's stock at one location (bo_item_stock_foreach()). */
typedef struct bo_stock {
	const char *location;   /**< Location id (borrowed). */
	int64_t on_hand;        /**< Units there, not shipped. */
	int64_t allocated;      /**< Of those, units reserved for lines. */
} bo_stock;

/** @brief Callback of bo_item_stock_foreach(): 0 to go on, non-zero to stop. */
typedef int (*bo_stock_cb)(void *user_data, const bo_stock *stock);

/**
 * @brief Call `cb` for each location holding or allocating units of
 *        `sku`, in location order.
 * @param inv the inventory
 * @param sku the item
 * @param cb callback
 * @param user_data passed to `cb`
 * @return #BO_OK, the callback's non-zero value, or an error
 *         (#BO_ENOTFOUND for an unknown item).
 */
BO_EXPORT int bo_item_stock_foreach(bo_inventory *inv, const char *sku, bo_stock_cb cb, void *user_data);

/** @brief A line's allocated units at one location (bo_line_alloc_foreach()). */
typedef struct bo_line_alloc {
	const char *location;   /**< Location id (borrowed). */
	int64_t qty;            /**< Units of the line allocated there. */
} bo_line_alloc;

/** @brief Callback of bo_line_alloc_foreach(): 0 to go on, non-zero to stop. */
typedef int (*bo_line_alloc_cb)(void *user_data, const bo_line_alloc *alloc);

/**
 * @brief Call `cb` for each location holding allocated units of the line
 *        of `order_id` for `sku`, in location order (the pick list).
 * @param inv the inventory
 * @param order_id the order
 * @param sku the line's SKU
 * @param cb callback
 * @param user_data passed to `cb`
 * @return #BO_OK, the callback's non-zero value, or an error
 *         (#BO_ENOTFOUND for an unknown order or line).
 */
BO_EXPORT int bo_line_alloc_foreach(bo_inventory *inv, const char *order_id, const char *sku, bo_line_alloc_cb cb,
				    void *user_data);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Orders */
/** @{ */

/** @brief One line of an order to place. */
typedef struct bo_line_spec {
	const char *sku;        /**< The item. */
	int64_t qty;            /**< Units (>= 1). */
	int64_t unit_price;     /**< Minor currency units (>= 0), or #BO_NO_PRICE. */
} bo_line_spec;

/** @brief Current version of ::bo_order_options. */
#define BO_ORDER_OPTIONS_VERSION 1

/** @brief Order-level options for bo_order_place(). */
typedef struct bo_order_options {
	unsigned int version;   /**< #BO_ORDER_OPTIONS_VERSION. */
	int64_t priority;       /**< Higher first (policy "priority"). Default 0. */
	int64_t due;            /**< Due time or #BO_NO_TIME (policy "due"). */
	int ship_mode;          /**< ::bo_ship_mode. */
} bo_order_options;

/** @brief Static initialiser for ::bo_order_options with the defaults. */
#define BO_ORDER_OPTIONS_INIT { BO_ORDER_OPTIONS_VERSION, 0, BO_NO_TIME, BO_SHIP_PARTIAL }

/**
 * @brief Place an order.
 *
 * Validated whole: on any error nothing happens. Each line takes free stock
 * of its item (never stock a waiting line is owed) and the rest waits.
 * A line of a `deny` item that cannot be filled at once, or one that takes
 * the item's waiting units above max_backorder (or, in preorder, its
 * allocated + waiting units above preorder_max) fails the order with
 * #BO_EOUTOFSTOCK. Placing an existing id with identical content succeeds
 * without change; with other content it fails with #BO_EEXISTS.
 *
 * @param inv the inventory
 * @param order_id the caller's order id
 * @param opts order options, or NULL for the defaults
 * @param lines the lines (one per SKU)
 * @param nlines number of lines (>= 1)
 * @return #BO_OK or an error status.
 */
BO_EXPORT int bo_order_place(bo_inventory *inv, const char *order_id, const bo_order_options *opts,
			     const bo_line_spec *lines, size_t nlines);

/**
 * @brief Cancel units: the whole order (`sku` NULL), a line (`qty` #BO_ALL) or `qty` units of a line.
 *
 * Waiting units are cancelled first, then allocated ones; freed stock goes
 * to the next in line at once.
 * @param inv the inventory
 * @param order_id the order
 * @param sku the line's SKU, or NULL for every line
 * @param qty units (>= 1) or #BO_ALL; must be #BO_ALL when `sku` is NULL
 * @return #BO_OK; #BO_EINVALID (more than the line has left);
 *         #BO_ENOTFOUND; #BO_ESTATE when nothing is left to cancel.
 */
BO_EXPORT int bo_order_cancel(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty);

/**
 * @brief Set a line's ordered quantity.
 *
 * Down: units come off the waiting ones first, then the allocated ones
 * (freed stock goes to the next in line; not counted as cancelled). Up:
 * the added units wait, under the same deny and cap rules as placing, and
 * the line moves to the back of its queue (queue time = now).
 * @param inv the inventory
 * @param order_id the order
 * @param sku the line's SKU
 * @param qty new ordered quantity (>= 1, >= shipped + cancelled)
 * @return #BO_OK or an error status.
 */
BO_EXPORT int bo_order_modify(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty);

/**
 * @brief Ship allocated units: every line (`sku` NULL), a line (`qty` #BO_ALL) or `qty` units of a line.
 *
 * A complete order ships only when every line is fully allocated. Nothing
 * of an item ships before its release time: shipping a whole partial
 * order skips lines of unreleased items.
 * @param inv the inventory
 * @param order_id the order
 * @param sku the line's SKU, or NULL
 * @param qty units (>= 1) or #BO_ALL; must be #BO_ALL when `sku` is NULL
 * @return #BO_OK; #BO_ESTATE when nothing (or less than `qty`) is allocated,
 *         a complete order is not fully allocated, or the item is unreleased.
 */
BO_EXPORT int bo_order_ship(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty);

/**
 * @brief bo_order_ship() from one location: ships only units allocated at
 *        `location` (#BO_ESTATE when there are none to ship there). NULL
 *        ships from the lines' locations in location order, as
 *        bo_order_ship() does.
 * @param inv the inventory
 * @param order_id the order
 * @param sku a line's SKU, or NULL for every line
 * @param qty units (with `sku`), or #BO_ALL
 * @param location the location, or NULL
 * @return as bo_order_ship(); #BO_ENOTFOUND for an unknown location.
 */
BO_EXPORT int bo_order_ship_at(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty,
			       const char *location);

/** @brief A line's state. Fields are only ever appended. */
typedef struct bo_line_status {
	char sku[BO_ID_MAX + 1];    /**< The item. */
	int64_t ordered;            /**< = allocated + backordered + shipped + cancelled. */
	int64_t allocated;          /**< Reserved, ready to ship. */
	int64_t backordered;        /**< Waiting. */
	int64_t shipped;            /**< Shipped. */
	int64_t cancelled;          /**< Cancelled. */
	int64_t unit_price;         /**< Or #BO_NO_PRICE. */
	int64_t eta;                /**< ETA promised for the waiting units, or #BO_NO_TIME (none waiting, or unknown). */
	int64_t queue_time;         /**< When it joined its queue. */
	int late;                   /**< 1 when units wait and their promised ETA is before the time the snapshot was taken (the clock, or the inventory's time if later). */
} bo_line_status;

/** @brief sizeof(::bo_line_status) as built, for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_line_status_size(void);

/**
 * @brief Take a snapshot of an order.
 * @param out receives the snapshot (free with bo_order_free())
 * @param inv the inventory
 * @param order_id the order
 * @return #BO_OK; #BO_EINVALID; #BO_ENOTFOUND; #BO_ESTORAGE.
 */
BO_EXPORT int bo_order_get(bo_order **out, bo_inventory *inv, const char *order_id);

/** @brief Free a snapshot. NULL is a no-op. @param order the snapshot */
BO_EXPORT void bo_order_free(bo_order *order);

/** @brief The order id. @param order the snapshot @return the id (borrowed from the snapshot), or NULL for NULL */
BO_EXPORT const char *bo_order_id(const bo_order *order);
/** @brief The order's priority. @param order the snapshot @return the priority (0 for NULL) */
BO_EXPORT int64_t bo_order_priority(const bo_order *order);
/** @brief The order's due time. @param order the snapshot @return the due time or #BO_NO_TIME */
BO_EXPORT int64_t bo_order_due(const bo_order *order);
/** @brief The order's placement time. @param order the snapshot @return the time it was placed */
BO_EXPORT int64_t bo_order_created(const bo_order *order);
/** @brief The order's ship mode. @param order the snapshot @return a ::bo_ship_mode */
BO_EXPORT int bo_order_ship_mode(const bo_order *order);
/** @brief Number of lines. @param order the snapshot @return the count (0 for NULL) */
BO_EXPORT size_t bo_order_line_count(const bo_order *order);

/**
 * @brief Read line `index` of a snapshot.
 * @param out receives the line
 * @param order the snapshot
 * @param index 0 .. bo_order_line_count() - 1
 * @return #BO_OK; #BO_EINVALID for NULL or an index out of range.
 */
BO_EXPORT int bo_order_line(bo_line_status *out, const bo_order *order, size_t index);

/** @brief Callback of bo_order_foreach(): 0 to go on, non-zero to stop. */
typedef int (*bo_order_cb)(void *user_data, const bo_order *order);

/**
 * @brief Call `cb` with a snapshot of every order in bytewise id order.
 * @param inv the inventory
 * @param cb callback; the snapshot is borrowed for the call
 * @param user_data passed to `cb`
 * @return #BO_OK, the callback's non-zero value, or an error.
 */
BO_EXPORT int bo_order_foreach(bo_inventory *inv, bo_order_cb cb, void *user_data);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Events and notification */
/** @{ */

/** @brief An event, as handed to a notifier. Strings are borrowed for the call. */
typedef struct bo_event {
	uint64_t seq;           /**< Sequence number: unique per inventory, increasing; the idempotency key. */
	int kind;               /**< ::bo_event_kind. */
	const char *order_id;   /**< The order, or NULL for item-level events. */
	const char *sku;        /**< The SKU, or NULL for order-level events. */
	int64_t qty;            /**< Units the event is about (0 for order-level events). */
	int64_t eta;            /**< ETA (backordered, eta_changed) or #BO_NO_TIME. */
	const char *customer;   /**< Customer for back_in_stock, else NULL. */
	int64_t time;           /**< Clock time of the change. */
	/** The location of the units (`allocated` and `shipped` events: one
	 * event per location), else NULL. "main" in an inventory that never
	 * named another location. */
	const char *location;
} bo_event;

/**
 * @brief The event kind's name as in the trace format ("accepted",
 *        "backordered", ...), or "unknown".
 * @param kind a ::bo_event_kind
 * @return a static string
 */
BO_EXPORT const char *bo_event_kind_name(int kind);

/** @brief Current version of ::bo_notifier. */
#define BO_NOTIFIER_VERSION 1

/** @brief A notifier: receives events. Initialise with #BO_NOTIFIER_INIT. */
typedef struct bo_notifier {
	unsigned int version;   /**< #BO_NOTIFIER_VERSION. */
	/**
	 * Required: deliver one event. Return 0 when accepted (the event is then
	 * removed from the outbox), non-zero to refuse it (it stays pending and
	 * is delivered again, in order, by the next dispatch). May see an event
	 * twice (after a crash), never out of order, never one that did not
	 * commit. Runs on the thread that dispatches, with the inventory lock held.
	 */
	int (*deliver)(void *user_data, const bo_event *event);
	/** Optional: called with `user_data` when the notifier is replaced or the inventory freed. */
	void (*free)(void *user_data);
} bo_notifier;

/** @brief Static initialiser for ::bo_notifier. */
#define BO_NOTIFIER_INIT { BO_NOTIFIER_VERSION, NULL, NULL }

/**
 * @brief Set (or with NULL, remove) the inventory's notifier. The table is
 *        copied. The previous notifier's `free` runs.
 * @param inv the inventory
 * @param notifier the notifier, or NULL
 * @param user_data passed to its callbacks; owned by the inventory on success
 * @return #BO_OK; #BO_EINVALID for a bad table (then the caller keeps `user_data`).
 */
BO_EXPORT int bo_inventory_set_notifier(bo_inventory *inv, const bo_notifier *notifier, void *user_data);

/**
 * @brief Hand pending events to the notifier, in order, until the outbox is
 *        empty or the notifier refuses one.
 * @param inv the inventory
 * @param delivered if not NULL, receives the number of events accepted
 * @return #BO_OK when the outbox was emptied (or there is no notifier);
 *         #BO_ESTATE when the notifier refused an event (it stays pending);
 *         #BO_ESTORAGE.
 */
BO_EXPORT int bo_inventory_dispatch(bo_inventory *inv, size_t *delivered);

/**
 * @brief Count the events waiting in the outbox.
 * @param out receives the count
 * @param inv the inventory
 * @return #BO_OK; #BO_EINVALID; #BO_ESTORAGE.
 */
BO_EXPORT int bo_inventory_pending(size_t *out, bo_inventory *inv);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Batches */
/** @{ */

/**
 * @brief Start a batch: the calls that follow share one storage transaction
 *        until bo_inventory_batch_end(). Each call stays all-or-nothing (a
 *        failing one is rolled back to a savepoint and leaves the others).
 *        Events are dispatched after the batch commits.
 *
 * Thread-safety: the batch belongs to the thread that began it, which
 * holds the inventory's lock until it calls bo_inventory_batch_end() (or
 * bo_inventory_free()). Calls of other threads on the inventory wait
 * until then; they never join the batch.
 * @param inv the inventory
 * @return #BO_OK; #BO_ESTATE if a batch is open already or the adapter has
 *         no savepoints; #BO_ESTORAGE.
 */
BO_EXPORT int bo_inventory_batch_begin(bo_inventory *inv);

/**
 * @brief End a batch: commit (`commit` non-zero) or roll back everything in it.
 *        Call it on the thread that began the batch (it releases the
 *        inventory's lock that the batch holds).
 * @param inv the inventory
 * @param commit non-zero to commit, 0 to roll back
 * @return #BO_OK; #BO_ESTATE if no batch is open; #BO_ESTORAGE (then nothing of the batch took effect).
 */
BO_EXPORT int bo_inventory_batch_end(bo_inventory *inv, int commit);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Reports: demand insight and restock advice */
/** @{ */

/**
 * @brief A report: every item's figures and daily history, taken at once
 *        by bo_report_make(), read with bo_report_item_get() and
 *        bo_report_day_get(), written out by bo_report_write().
 *
 * Thread-safety: a plain value once made; read it from one thread at a
 * time (or from several, since nothing reads it but the getters).
 */
typedef struct bo_report bo_report;

/** @brief Current version of ::bo_report_options. */
#define BO_REPORT_OPTIONS_VERSION 1

/** @brief Options for bo_report_make(). Initialise with #BO_REPORT_OPTIONS_INIT. */
typedef struct bo_report_options {
	unsigned int version;   /**< #BO_REPORT_OPTIONS_VERSION. */
	/** Start of the period of the period figures and the daily series: the
	 * UTC day holding this time and the days after it; #BO_NO_TIME for all
	 * the history the store keeps (default). */
	int64_t since;
} bo_report_options;

/** @brief Static initialiser for ::bo_report_options with the defaults. */
#define BO_REPORT_OPTIONS_INIT { BO_REPORT_OPTIONS_VERSION, BO_NO_TIME }

/** @brief Number of ageing buckets in ::bo_report_item.ageing. */
#define BO_REPORT_AGE_BUCKETS 6

/** @brief Current version of ::bo_report_item. */
#define BO_REPORT_ITEM_VERSION 1

/**
 * @brief One item's figures in a report, or the totals over all items.
 *
 * The caller sets `version` (#BO_REPORT_ITEM_VERSION, or the version it
 * was built against; #BO_REPORT_ITEM_INIT does it) and the library fills
 * the fields of that version only. Fields are only ever appended.
 *
 * Figures as of the report's time (the clock, or the inventory's time if
 * a call already ran later):
 * - `shortfall` = max(0, backordered - available - incoming): the units
 *   to order now ("order N now");
 * - `oldest_wait_days`: whole days since the queue time of the
 *   longest-waiting line (its placement, or its last increase by modify);
 * - `fill_rate`: of the units ordered when orders were placed, the share
 *   allocated at once (modifications do not count), from the store's
 *   history; without history (see ::bo_storage.hist_add) from the item's
 *   counters `demand` and `filled_at_once`, which count modify too;
 * - `late_lines`: waiting lines whose promised ETA has passed (DESIGN §6).
 *
 * Period figures (from the report's `since` on; all zero and `wait_avg`,
 * `wait_p90` #BO_NO_TIME when the store keeps no history): units ordered
 * at placement, of them backordered at placement, waiting units cancelled
 * (lost demand), waiting lines filled and their waits. `wait_avg` is
 * exact (rounded down to a second). `wait_p90` is the nearest-rank 90th
 * percentile: the wait of the line at rank ceil(0.9 n) of the n filled
 * lines in wait order. It is exact when that line is the longest-waiting
 * one (always when n < 10); otherwise it is read from the wait buckets of
 * ::bo_hist_rec by linear interpolation inside the bucket that holds it,
 * so it lies in the same bucket as the true value: within a factor of 1.5
 * of it from one hour on (buckets grow by 1.5), within an hour below.
 */
typedef struct bo_report_item {
	unsigned int version;           /**< Set by the caller: #BO_REPORT_ITEM_VERSION. */
	char sku[BO_ID_MAX + 1];        /**< The item ("" for the totals). */
	int64_t on_hand;                /**< Physical units not shipped. */
	int64_t allocated;              /**< Units reserved for lines. */
	int64_t available;              /**< on_hand - allocated. */
	int64_t backordered;            /**< Units waiting. */
	int64_t waiting_lines;          /**< Lines waiting. */
	int64_t incoming;               /**< Units of open supply records. */
	int64_t shortfall;              /**< max(0, backordered - available - incoming): units to order now. */
	int64_t revenue_held;           /**< Waiting units x unit price over lines with a price, minor units. */
	int64_t oldest_wait;            /**< Queue time of the longest-waiting line, or #BO_NO_TIME. */
	int64_t oldest_wait_days;       /**< Whole days since `oldest_wait`, or -1 when nothing waits. */
	int64_t fill_ordered;           /**< Units ordered at placement (the fill rate's denominator). */
	int64_t fill_at_once;           /**< Of those, units allocated at once. */
	double fill_rate;               /**< fill_at_once / fill_ordered, or -1 when nothing was ordered. */
	int64_t late_lines;             /**< Waiting lines whose promised ETA has passed. */
	int64_t ageing[BO_REPORT_AGE_BUCKETS]; /**< Waiting lines by age of their queue time: under 1 day, 1-3, 3-7, 7-14, 14-30, 30 days and more. */
	int64_t ordered;                /**< Period: units ordered at placement. */
	int64_t period_backordered;     /**< Period: of those, units backordered at placement. */
	int64_t cancelled;              /**< Period: waiting units cancelled (lost demand). */
	int64_t filled_lines;           /**< Period: waiting lines filled. */
	int64_t wait_avg;               /**< Period: average wait of the filled lines in seconds, or #BO_NO_TIME. */
	int64_t wait_p90;               /**< Period: 90th percentile of their waits in seconds, or #BO_NO_TIME. */
	int64_t need_rank;              /**< 1 for the item most in need (shortfall, then revenue held, then late lines, then waiting units, then SKU); 0 for the totals. */
} bo_report_item;

/** @brief Static initialiser for ::bo_report_item (only the version set). */
#define BO_REPORT_ITEM_INIT { BO_REPORT_ITEM_VERSION, { 0 }, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0, { 0 }, 0, 0, 0, 0, 0, 0, 0 }

/** @brief One day of an item's history (or of the totals) in a report. */
typedef struct bo_report_day {
	int64_t day;            /**< Start of the UTC day (a multiple of 86400). */
	int64_t ordered;        /**< Units ordered at placement that day. */
	int64_t backordered;    /**< Of those, units backordered at placement. */
	int64_t cancelled;      /**< Waiting units cancelled that day. */
	int64_t filled_lines;   /**< Waiting lines filled that day. */
} bo_report_day;

/** @brief Item index of the totals over all items (bo_report_day_get(), bo_report_day_count()). */
#define BO_REPORT_TOTAL ((size_t)-1)

/** @brief Output formats of bo_report_write(). Values are only ever appended. */
typedef enum bo_report_format {
	BO_REPORT_TEXT = 0,     /**< Aligned text for people, items most in need first. */
	BO_REPORT_CSV = 1,      /**< CSV, one row per item by SKU (header in bo_report_write()). */
	BO_REPORT_JSON = 2,     /**< One JSON document: every figure, the period figures and the daily series. */
	BO_REPORT_HTML = 3      /**< A self-contained HTML page with inline SVG charts (no script). */
} bo_report_format;

/**
 * @brief Writer callback of bo_report_write(): take `len` bytes of
 *        `data`. Return 0, or non-zero to stop (the write then fails).
 */
typedef int (*bo_write_cb)(void *user_data, const char *data, size_t len);

/**
 * @brief Make a report of every item: stock, waiting demand, restock
 *        advice, fill rate, late lines, ageing, and from the store's
 *        history the period figures and the daily series.
 *
 * Reads each item's record, its waiting lines (to count them, age them
 * and find the late ones) and its history records from the period on;
 * never other order lines and no replay of old orders. Runs with the
 * inventory's lock held, outside a transaction.
 *
 * @param out receives the report (free with bo_report_free()); NULL on failure
 * @param inv the inventory
 * @param opts options, or NULL for the defaults
 * @return #BO_OK; #BO_EINVALID for NULL or an unknown options version;
 *         #BO_ESTORAGE.
 */
BO_EXPORT int bo_report_make(bo_report **out, bo_inventory *inv, const bo_report_options *opts);

/** @brief Free a report. NULL is a no-op. @param report the report */
BO_EXPORT void bo_report_free(bo_report *report);

/** @brief The report's time. @param report the report @return the time it was taken at (#BO_NO_TIME for NULL) */
BO_EXPORT int64_t bo_report_now(const bo_report *report);

/** @brief Start of the report's period. @param report the report @return the start of the first UTC day of the period, or #BO_NO_TIME for all history */
BO_EXPORT int64_t bo_report_since(const bo_report *report);

/** @brief Whether the store keeps history. @param report the report @return 1 if it does, 0 if not (no daily series, no period figures) */
BO_EXPORT int bo_report_has_history(const bo_report *report);

/** @brief Number of items. @param report the report @return the count (0 for NULL) */
BO_EXPORT size_t bo_report_item_count(const bo_report *report);

/**
 * @brief Read item `index` (items are in bytewise SKU order).
 * @param out receives the figures; its `version` must be set by the caller
 * @param report the report
 * @param index 0 .. bo_report_item_count() - 1, or #BO_REPORT_TOTAL for the totals
 * @return #BO_OK; #BO_EINVALID for NULL, an index out of range or an unknown version.
 */
BO_EXPORT int bo_report_item_get(bo_report_item *out, const bo_report *report, size_t index);

/**
 * @brief Number of days of an item's daily series (days with any figure, in the period).
 * @param report the report
 * @param item item index, or #BO_REPORT_TOTAL for the totals
 * @return the count (0 for NULL or an index out of range)
 */
BO_EXPORT size_t bo_report_day_count(const bo_report *report, size_t item);

/**
 * @brief Read day `index` of an item's daily series (in day order).
 * @param out receives the day
 * @param report the report
 * @param item item index, or #BO_REPORT_TOTAL for the totals
 * @param index 0 .. bo_report_day_count() - 1
 * @return #BO_OK; #BO_EINVALID for NULL or an index out of range.
 */
BO_EXPORT int bo_report_day_get(bo_report_day *out, const bo_report *report, size_t item, size_t index);

/**
 * @brief Write the report in a format, in pieces, to `write`.
 *
 * CSV has exactly this header, then one row per item in bytewise SKU
 * order; the fill rate has three decimals and is empty where nothing was
 * ordered, the oldest wait is empty where nothing waits:
 * `sku,on_hand,allocated,available,backordered,waiting_lines,incoming,shortfall,revenue_held,oldest_wait_days,fill_rate,late_lines`.
 * Text and HTML list the items most in need first (see `need_rank`); the
 * HTML page is self-contained (inline CSS and SVG, no script, no font or
 * anything else from elsewhere) and shows money as minor units / 100.
 *
 * Locations: when the inventory names a location other than "main", JSON
 * gains the list of locations (`"locations"`: id and rank, in location
 * order) and, in the totals and in every item, `"stock_by_location"`: on_hand,
 * allocated and available at each location holding or allocating units,
 * in location order; HTML gains a section "Stock per location" (the
 * totals per location, then the items most in need first, one row per item
 * and location); text gains one line of the totals per location. The CSV
 * stays one row per item, unchanged. An inventory that never named
 * another location gets exactly the output it got before locations.
 * Stock per location in C: bo_report_item_location_get().
 *
 * @param report the report
 * @param format a ::bo_report_format
 * @param write the writer; runs on the calling thread
 * @param user_data passed to `write`
 * @return #BO_OK; #BO_EINVALID for NULL or an unknown format; #BO_ESTATE
 *         when `write` returned non-zero (what it took stays written);
 *         #BO_ESTORAGE when out of memory.
 */
BO_EXPORT int bo_report_write(const bo_report *report, int format, bo_write_cb write, void *user_data);

/**
 * @brief The format named `name`: "text", "csv", "json" or "html".
 * @param out receives the ::bo_report_format
 * @param name the name
 * @return #BO_OK; #BO_EINVALID for NULL or an unknown name.
 */
BO_EXPORT int bo_report_format_parse(int *out, const char *name);

/**
 * @brief An item's stock at one location in a report (or the totals'
 *        over all items), as bo_report_item_location_get() reads it.
 *
 * Only locations holding or allocating units are listed, in location
 * order (rank, then id). An inventory that never named a location other
 * than "main" lists "main" alone, with the item's figures.
 */
typedef struct bo_report_location {
	const char *location;   /**< Location id (borrowed from the report: valid until bo_report_free()). */
	int64_t rank;           /**< The location's rank when the report was made. */
	int64_t on_hand;        /**< Units there, not shipped. */
	int64_t allocated;      /**< Of those, units reserved for lines. */
	int64_t available;      /**< on_hand - allocated there. */
} bo_report_location;

/**
 * @brief Number of locations holding or allocating units of an item in a
 *        report (0 for an item with no stock anywhere).
 * @param report the report
 * @param item item index, or #BO_REPORT_TOTAL for the totals per location
 * @return the count (0 for NULL or an index out of range)
 */
BO_EXPORT size_t bo_report_item_location_count(const bo_report *report, size_t item);

/**
 * @brief Read an item's stock at its location `index` (in location order).
 * @param out receives the figures
 * @param report the report
 * @param item item index, or #BO_REPORT_TOTAL for the totals per location
 * @param index 0 .. bo_report_item_location_count() - 1
 * @return #BO_OK; #BO_EINVALID for NULL or an index out of range.
 */
BO_EXPORT int bo_report_item_location_get(bo_report_location *out, const bo_report *report, size_t item,
					  size_t index);

/** @brief sizeof(::bo_report_location) as built, for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_report_location_size(void);

/** @brief sizeof(::bo_report_item) as built, for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_report_item_size(void);

/** @brief sizeof(::bo_report_day) as built, for FFI users. @return the size in bytes */
BO_EXPORT size_t bo_report_day_size(void);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Checking */
/** @{ */

/**
 * @brief Check the invariants of DESIGN §3 over the whole store (slow: reads
 *        everything). For tests and operators.
 *
 * Also checks the ETA promises of DESIGN §6: every waiting line holds the
 * basis its cover by supply gives today (recomputed from scratch), and an
 * ETA that basis can give; lines that wait for nothing hold no promise
 * (not checked with a version 1 storage adapter, which keeps no basis).
 * @param inv the inventory
 * @return #BO_OK; #BO_ESTATE with a message naming the first broken
 *         invariant; #BO_ESTORAGE.
 */
BO_EXPORT int bo_inventory_check(bo_inventory *inv);

/** @} */

#ifdef __cplusplus
}
#endif

#endif
