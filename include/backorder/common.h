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

#ifdef __cplusplus
}
#endif

#endif
