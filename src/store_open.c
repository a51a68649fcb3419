/* Store strings ("memory", "sqlite:PATH", "postgres:CONNINFO"): the glue
 * between the bundled adapters and bo_inventory_open(). Not part of the
 * core: the core never includes an adapter. */
#include "backorder.h"
#include "backorder/memory.h"
#ifdef BO_HAVE_SQLITE
#include "backorder/sqlite.h"
#endif
#ifdef BO_HAVE_POSTGRES
#include "backorder/postgres.h"
#endif

#include <string.h>

int bo__fail(int code, const char *fmt, ...) __attribute__((visibility("hidden"), format(printf, 2, 3)));

int bo_store_available(const char *kind)
{
	if (!kind)
		return 0;
	if (strcmp(kind, "memory") == 0)
		return 1;
#ifdef BO_HAVE_SQLITE
	if (strcmp(kind, "sqlite") == 0)
		return 1;
#endif
#ifdef BO_HAVE_POSTGRES
	if (strcmp(kind, "postgres") == 0)
		return 1;
#endif
	return 0;
}

int bo_inventory_open_store(bo_inventory **out, const char *store, const bo_options *opts)
{
	const bo_storage *vt = NULL;
	void *ud = NULL;
	bo_options own;
	int rc;
	if (!out)
		return bo__fail(BO_EINVALID, "out is NULL");
	*out = NULL;
	if (!store)
		return bo__fail(BO_EINVALID, "store is NULL");
	if (strcmp(store, "memory") == 0) {
		rc = bo_memory_storage(&vt, &ud);
	}
#ifdef BO_HAVE_SQLITE
	else if (strncmp(store, "sqlite:", 7) == 0) {
		if (store[7] == '\0')
			return bo__fail(BO_EINVALID, "sqlite: needs a path");
		rc = bo_sqlite_storage(&vt, &ud, store + 7, NULL);
	}
#endif
#ifdef BO_HAVE_POSTGRES
	else if (strncmp(store, "postgres:", 9) == 0) {
		/* An empty conninfo is valid for libpq: PG* environment variables and defaults. */
		rc = bo_postgres_storage(&vt, &ud, store + 9);
	}
#endif
	else {
		return bo__fail(BO_EINVALID, "unknown or unavailable store '%.60s' (memory%s%s)", store,
#ifdef BO_HAVE_SQLITE
				", sqlite:PATH",
#else
				"",
#endif
#ifdef BO_HAVE_POSTGRES
				", postgres:CONNINFO"
#else
				""
#endif
		);
	}
	if (rc < 0)
		return rc;
	/* A memory store made here is this inventory's alone: open it as
	 * exclusive. The caller's options are copied field by field, since a
	 * caller built with version 1 has no room for the flag (a version this
	 * library does not know is passed on for bo_inventory_open() to
	 * refuse). */
	if (strcmp(store, "memory") == 0 && (!opts || (opts->version >= 1 && opts->version <= BO_OPTIONS_VERSION))) {
		bo_options_init(&own, BO_OPTIONS_VERSION);
		if (opts) {
			own.clock = opts->clock;
			own.clock_data = opts->clock_data;
			own.default_policy = opts->default_policy;
			own.auto_dispatch = opts->auto_dispatch;
		}
		own.exclusive = 1;
		opts = &own;
	}
	rc = bo_inventory_open(out, vt, ud, opts);
	if (rc < 0 && vt->close)
		vt->close(ud);
	return rc;
}
