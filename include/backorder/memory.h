/**
 * @file backorder/memory.h
 * @brief The in-memory storage adapter: fast, for tests and embedding.
 */
#ifndef BACKORDER_MEMORY_H
#define BACKORDER_MEMORY_H

#include "storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Create an in-memory store.
 *
 * Records live in balanced trees; transactions keep an undo log, so a
 * rollback restores the state exactly. Nothing survives bo_inventory_free().
 *
 * @param vtable receives the adapter's (static) vtable
 * @param user_data receives the store; pass both to bo_inventory_open(),
 *        which then owns it (freed through the vtable's `close`)
 * @return #BO_OK; #BO_EINVALID for NULL; #BO_ESTORAGE when out of memory.
 */
BO_EXPORT int bo_memory_storage(const bo_storage **vtable, void **user_data);

#ifdef __cplusplus
}
#endif

#endif
