/**
 * @file backorder/postgres.h
 * @brief The PostgreSQL storage adapter: one inventory shared by several
 *        application servers.
 *
 * The inventory lives in tables of the connection's current schema (the
 * first schema of `search_path` that exists), created on first use. Calls
 * made by different processes or machines on the same inventory run
 * concurrently: each locks the rows it changes (items in SKU order, then
 * until commit), so calls on different items do not wait for each other.
 * Needs libpq 14 or later (pipeline mode) and a server of PostgreSQL 13 or
 * later. See docs/POSTGRES.md.
 */
#ifndef BACKORDER_POSTGRES_H
#define BACKORDER_POSTGRES_H

#include "storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Connect to PostgreSQL and open (creating or migrating the tables if
 *        needed) the inventory of the connection's current schema.
 * @param vtable receives the adapter's vtable
 * @param user_data receives the store; owned by bo_inventory_open() on success
 * @param conninfo a libpq connection string, keyword form
 *        (`host=... dbname=...`) or URI (`postgresql://...`); another schema
 *        than `public` is chosen with `options='-c search_path=NAME'`
 * @return #BO_OK; #BO_EINVALID for NULL; #BO_ESTORAGE when the server cannot
 *         be reached, refuses the login, or the schema cannot be created or
 *         migrated (message via bo_last_error()).
 */
BO_EXPORT int bo_postgres_storage(const bo_storage **vtable, void **user_data,
				  const char *conninfo);

/**
 * @brief Round trips to the server a PostgreSQL store has made so far (each
 *        wait for the server's answers counts one), for tests and
 *        monitoring.
 * @param user_data the store from bo_postgres_storage()
 * @return the count; 0 for NULL
 */
BO_EXPORT uint64_t bo_postgres_round_trips(const void *user_data);

#ifdef __cplusplus
}
#endif

#endif
