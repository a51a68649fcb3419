/* The storage adapters of the cmocka suites: see adapters.h. */
#include "adapters.h"

#include <stdio.h>
#include <string.h>

#include "backorder.h"
#include "backorder/memory.h"
#ifdef BO_TEST_HAVE_SQLITE
#include "backorder/sqlite.h"
#endif
#ifdef BO_TEST_HAVE_POSTGRES
#include "backorder/postgres.h"
#include "postgres/pgtest.h"
#endif

static int make_memory(const bo_storage **vt, void **ud)
{
	return bo_memory_storage(vt, ud);
}

#ifdef BO_TEST_HAVE_SQLITE
static int make_sqlite(const bo_storage **vt, void **ud)
{
	return bo_sqlite_storage(vt, ud, ":memory:", NULL);
}

static int make_sqlite_at(const bo_storage **vt, void **ud, const char *path)
{
	return bo_sqlite_storage(vt, ud, path, NULL);
}
#endif

#ifdef BO_TEST_HAVE_POSTGRES
/* Every store a schema of its own; the path of a durable store names its schema. */
static int make_postgres_at(const bo_storage **vt, void **ud, const char *path)
{
	char ci[1024];

	if (pgtest_store(ci, sizeof(ci), path) != 0)
		return BO_ESTORAGE;
	return bo_postgres_storage(vt, ud, ci);
}

static int make_postgres(const bo_storage **vt, void **ud)
{
	return make_postgres_at(vt, ud, NULL);
}
#endif

const ta_adapter ta_adapters[] = {
	{ "memory", make_memory, NULL },
#ifdef BO_TEST_HAVE_SQLITE
	{ "sqlite", make_sqlite, make_sqlite_at },
#endif
#ifdef BO_TEST_HAVE_POSTGRES
	{ "postgres", make_postgres, make_postgres_at },
#endif
};

const size_t ta_nadapters = sizeof(ta_adapters) / sizeof(ta_adapters[0]);
_Static_assert(sizeof(ta_adapters) / sizeof(ta_adapters[0]) <= TA_MAX_ADAPTERS, "TA_MAX_ADAPTERS");

int ta_wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int ta_run_group(const char *suite, const ta_adapter *ad, int argc, char **argv, int check_available,
		 const struct CMUnitTest *tests, size_t ntests, int *ran)
{
	char name[64];

	if (!ta_wanted(argc, argv, ad->name))
		return 0;
	if (check_available && !bo_store_available(ad->name)) {
		printf("# adapter %s not available in this build: skipped\n", ad->name);
		return 0;
	}
#ifdef BO_TEST_HAVE_POSTGRES
	if (strcmp(ad->name, "postgres") == 0 && !pgtest_base()) {
		printf("# adapter postgres: BO_TEST_PG (a conninfo) is not set: skipped\n");
		return 0;
	}
#endif
	(*ran)++;
	snprintf(name, sizeof(name), "%s/%s", suite, ad->name);
	return _cmocka_run_group_tests(name, tests, ntests, NULL, NULL);
}

void ta_cleanup(void)
{
#ifdef BO_TEST_HAVE_POSTGRES
	pgtest_cleanup();
#endif
}
