/**
 * @file backorder/postgres.h
 * @brief The PostgreSQL storage adapter: one inventory shared by several
 *        application servers.
 *
 * The inventory lives in tables of the connection's current schema (the
 * first schema of `search_path` that exists), created on first use. Every
 * transaction takes a transaction-scoped advisory lock on that schema, so
 * library calls made by different processes or machines on the same
 * inventory run one after another. See docs/POSTGRES.md.
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

#ifdef __cplusplus
}
#endif

#endif
