/*
 * The storage adapters the cmocka suites run over, one table for them all:
 * memory always; sqlite when built (BO_TEST_HAVE_SQLITE); postgres when
 * built (BO_TEST_HAVE_POSTGRES, with tests/postgres/pgtest.c linked in) and
 * BO_TEST_PG names a server. tests/adapters.c is compiled into each suite
 * that uses the table, with that suite's flags (see tests/meson.build).
 */
#ifndef BO_TEST_ADAPTERS_H
#define BO_TEST_ADAPTERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backorder/storage.h"

typedef int (*ta_factory)(const bo_storage **vt, void **ud);

/* Open a durable store at a path (NULL for adapters that keep nothing). */
typedef int (*ta_factory_at)(const bo_storage **vt, void **ud, const char *path);

typedef struct ta_adapter {
	const char *name;
	ta_factory make;        /* a new empty store */
	ta_factory_at make_at;  /* NULL: not durable */
} ta_adapter;

/* memory, sqlite, postgres (those built), in that order. */
extern const ta_adapter ta_adapters[];
extern const size_t ta_nadapters;

/* At least ta_nadapters, for arrays indexed by adapter. */
#define TA_MAX_ADAPTERS 3

/* Arguments, if any, name the adapters to test (default: all in the table). */
int ta_wanted(int argc, char **argv, const char *name);

/*
 * Run `tests` as the group "<suite>/<adapter>" when the arguments want the
 * adapter (ta_wanted()) and it can run: with `check_available`, not when
 * bo_store_available() says the build lacks it; postgres not without
 * BO_TEST_PG (each skip says so in a "# ..." line). Adds 1 to *ran when
 * the group ran; returns its failures.
 */
int ta_run_group(const char *suite, const ta_adapter *ad, int argc, char **argv, int check_available,
		 const struct CMUnitTest *tests, size_t ntests, int *ran);

/* At the end of main(): drop the PostgreSQL schemas the suite created. */
void ta_cleanup(void);

#endif
