/**
 * @file backorder/common.h
 * @brief Definitions shared by the public API and the storage API:
 *        export macro, status codes, sentinels and limits.
 *
 * Included by backorder.h and backorder/storage.h; there is no need to
 * include it directly.
 */
#ifndef BACKORDER_COMMON_H
#define BACKORDER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Marks a declaration as part of the exported ABI. */
#if defined(_WIN32)
#define BO_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define BO_EXPORT __attribute__((visibility("default")))
#else
#define BO_EXPORT
#endif

/** @brief Major version: changes on an incompatible API or ABI change. */
#define BO_VERSION_MAJOR 0
/** @brief Minor version: changes when features are added compatibly. */
#define BO_VERSION_MINOR 3
/** @brief Patch version: changes on compatible bug fixes. */
#define BO_VERSION_PATCH 0
/** @brief The version as a string, "MAJOR.MINOR.PATCH". */
#define BO_VERSION_STRING "0.3.0"

/**
 * @brief Status codes returned by every fallible function.
 *
 * 0 is success, every error is negative. The codes map one to one onto the
 * error codes of the `backorder` trace format (TRACE.md) and are append-only:
 * a value is never renumbered or reused.
 */
typedef enum bo_status {
	BO_OK = 0,              /**< Success. */
	BO_EPARSE = -1,         /**< Text could not be parsed (trace `parse`). */
	BO_EINVALID = -2,       /**< An argument breaks the rules (trace `invalid`). */
	BO_ENOTFOUND = -3,      /**< Unknown SKU, order, line or supply id (trace `not_found`). */
	BO_EEXISTS = -4,        /**< Order id exists with other content (trace `exists`). */
	BO_EOUTOFSTOCK = -5,    /**< Deny item short, or a cap exceeded (trace `out_of_stock`). */
	BO_ESTATE = -6,         /**< Operation not possible in the current state (trace `state`). */
	BO_ESTORAGE = -7        /**< The storage adapter failed, or memory ran out (trace `storage`). */
} bo_status;

/** @brief Longest SKU, order id, supply id or customer id, in bytes. */
#define BO_ID_MAX 64
/** @brief Longest policy name, in bytes. */
#define BO_NAME_MAX 31
/** @brief Number of 64-bit words in a policy sort key. */
#define BO_KEY_WORDS 3

/** @brief "No time": an unset optional time (due, release, ETA unknown). */
#define BO_NO_TIME INT64_MIN
/** @brief "No limit": an unset optional cap (max_backorder, preorder_max). */
#define BO_UNLIMITED INT64_C(-1)
/** @brief "No price": a line without a unit price. */
#define BO_NO_PRICE INT64_C(-1)
/** @brief "Everything": a quantity meaning all units that qualify. */
#define BO_ALL INT64_C(-1)

/** @brief Backorder setting of an item. */
typedef enum bo_backorder_mode {
	BO_BACKORDER_ALLOW = 0, /**< Lines that cannot be filled wait (default). */
	BO_BACKORDER_DENY = 1   /**< Lines must be filled at once or the order fails. */
} bo_backorder_mode;

/** @brief Ship mode of an order. */
typedef enum bo_ship_mode {
	BO_SHIP_PARTIAL = 0,    /**< Ship what is allocated; the rest waits (default). */
	BO_SHIP_COMPLETE = 1    /**< Ship only when every line is fully allocated. */
} bo_ship_mode;

/** @brief Kinds of events, as written to the outbox. Append-only. */
typedef enum bo_event_kind {
	BO_EVENT_ACCEPTED = 1,      /**< An order was accepted (qty 0). */
	BO_EVENT_BACKORDERED = 2,   /**< Units of a line wait; eta set when known. */
	BO_EVENT_ALLOCATED = 3,     /**< Units were allocated (reserved) to a line. */
	BO_EVENT_READY = 4,         /**< Every line of the order is fully allocated (qty 0). */
	BO_EVENT_SHIPPED = 5,       /**< Units of a line shipped. */
	BO_EVENT_CANCELLED = 6,     /**< Units of a line were cancelled. */
	BO_EVENT_ETA_CHANGED = 7,   /**< A waiting line's ETA changed (qty = its waiting units). */
	BO_EVENT_BACK_IN_STOCK = 8, /**< A subscribed customer's item has free stock. */
	BO_EVENT_RELEASED = 9       /**< A preorder item reached its release time. */
} bo_event_kind;


/* ------------------------------------------------------------------ */
/** @name Memory
 *
 * Every allocation the library makes (the core's, the built-in storage
 * adapters' own, the memory store's arenas and tables) goes through
 * bo_malloc(), bo_realloc() and bo_free(), which call the allocator set with
 * bo_set_allocator(), or the C library's malloc(), realloc() and free().
 *
 * Not covered: SQLite's and libpq's own allocations (they are libraries
 * with allocators of their own, shared with the host process, so routing
 * them from here would change them for every other user of SQLite or libpq
 * in the process; set SQLite's with `sqlite3_config(SQLITE_CONFIG_MALLOC)`
 * if needed), and the C library's (stdio buffers, thread-local storage).
 * The `backorder` program uses the C library's allocator for its own
 * buffers.
 */
/** @{ */

/** @brief Current version of ::bo_allocator. */
#define BO_ALLOCATOR_VERSION 1

/**
 * @brief A caller-supplied allocator (see bo_set_allocator()).
 *
 * The functions must be safe to call from any thread that uses the
 * library. They are never called with size 0 nor with a NULL pointer to
 * free; `realloc` is never called with a NULL pointer (`malloc` is called
 * instead). A failing `malloc` or `realloc` returns NULL (and `realloc`
 * leaves the block as it was); the library then fails the call it was
 * making with #BO_ESTORAGE and the message "out of memory", and changes
 * nothing.
 */
typedef struct bo_allocator {
	unsigned int version;                                     /**< #BO_ALLOCATOR_VERSION. */
	void *(*malloc)(void *user_data, size_t size);            /**< Allocate `size` bytes, aligned for any type. */
	void *(*realloc)(void *user_data, void *ptr, size_t size); /**< Resize a block to `size` bytes. */
	void (*free)(void *user_data, void *ptr);                 /**< Give back a block. */
	void *user_data;                                          /**< Passed to each function. */
} bo_allocator;

/**
 * @brief Route every allocation the library makes through `allocator`.
 *
 * Call it once, before the library allocates anything: before the first
 * inventory, store, policy, order snapshot or report is made (a block must
 * go back to the allocator it came from). The structure is copied.
 *
 * @param allocator the allocator (not NULL; version #BO_ALLOCATOR_VERSION;
 *        all three functions set)
 * @return #BO_OK; #BO_EINVALID for a NULL or incomplete allocator or an
 *         unknown version; #BO_ESTATE if the library has already allocated
 *         memory or an allocator is already set (nothing changes).
 */
BO_EXPORT int bo_set_allocator(const bo_allocator *allocator);

/**
 * @brief The allocator set with bo_set_allocator(), or NULL while the C
 *        library's is in use. For adapters that would otherwise map memory
 *        of their own (the memory store does for big tables): they use
 *        bo_malloc() instead when this is not NULL.
 * @return the allocator (a copy the library keeps), or NULL
 */
BO_EXPORT const bo_allocator *bo_get_allocator(void);

/**
 * @brief Allocate `size` bytes with the library's allocator.
 * @param size bytes (0 is taken as 1)
 * @return the block, or NULL when memory ran out
 */
BO_EXPORT void *bo_malloc(size_t size);

/**
 * @brief Resize a block from bo_malloc() or bo_realloc().
 * @param ptr the block, or NULL (then as bo_malloc())
 * @param size the new size (0 is taken as 1)
 * @return the block, or NULL when memory ran out (`ptr` is then untouched)
 */
BO_EXPORT void *bo_realloc(void *ptr, size_t size);

/**
 * @brief Give back a block from bo_malloc() or bo_realloc().
 * @param ptr the block, or NULL (nothing happens)
 */
BO_EXPORT void bo_free(void *ptr);

/** @} */

#ifdef __cplusplus
}
#endif

#endif
