/*
 * Helpers for tests against a PostgreSQL server: the server is named by the
 * environment variable BO_TEST_PG (a libpq conninfo; tools/run-tests.sh
 * starts a throwaway server with tools/pg-test-server.sh and sets it).
 * Every test store lives in a schema of its own, created here and dropped
 * by pgtest_cleanup().
 */
#ifndef BO_PGTEST_H
#define BO_PGTEST_H

#include <stddef.h>

/* BO_TEST_PG, or NULL when it is unset or empty. */
const char *pgtest_base(void);

/*
 * Create a new empty schema (a unique name, or the one derived from `tag`
 * when `tag` is not NULL: the same tag gives the same schema, created once)
 * and write into `out` (`cap` bytes) a conninfo whose search_path is that
 * schema. 0 on success, -1 with a message on stderr.
 */
int pgtest_store(char *out, size_t cap, const char *tag);

/* Run one SQL command on the server (through a new connection); 0 on success. */
int pgtest_exec(const char *sql);

/* Drop every schema pgtest_store() created. */
void pgtest_cleanup(void);

#endif
