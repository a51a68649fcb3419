/**
 * @file backorder/sqlite.h
 * @brief The SQLite storage adapter: the durable embedded default.
 */
#ifndef BACKORDER_SQLITE_H
#define BACKORDER_SQLITE_H

#include "storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Current version of ::bo_sqlite_options. */
#define BO_SQLITE_OPTIONS_VERSION 1

/** @brief Options of the SQLite adapter. */
typedef struct bo_sqlite_options {
	unsigned int version;   /**< #BO_SQLITE_OPTIONS_VERSION. */
	/**
	 * 1 (default): `synchronous=FULL`, a call that returned success survives
	 * power loss. 0: `synchronous=NORMAL`, faster; in WAL mode a power loss
	 * may lose the last transactions but never corrupts the file.
	 */
	int sync_full;
	int busy_timeout_ms;    /**< Wait this long for another process's lock (default 5000). */
} bo_sqlite_options;

/** @brief Static initialiser for ::bo_sqlite_options with the defaults. */
#define BO_SQLITE_OPTIONS_INIT { BO_SQLITE_OPTIONS_VERSION, 1, 5000 }

/**
 * @brief Open (creating if needed) an SQLite store at `path`.
 * @param vtable receives the adapter's vtable
 * @param user_data receives the store; owned by bo_inventory_open() on success
 * @param path file path (":memory:" works for tests)
 * @param opts options or NULL for the defaults
 * @return #BO_OK; #BO_EINVALID for NULL; #BO_ESTORAGE when the file cannot
 *         be opened or migrated (message via bo_last_error()).
 */
BO_EXPORT int bo_sqlite_storage(const bo_storage **vtable, void **user_data,
				const char *path, const bo_sqlite_options *opts);

#ifdef __cplusplus
}
#endif

#endif
