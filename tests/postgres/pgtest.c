#include "pgtest.h"

#include <libpq-fe.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PGTEST_MAX_SCHEMAS 512

static char schemas[PGTEST_MAX_SCHEMAS][40];
static size_t nschemas;
static unsigned long counter;

const char *pgtest_base(void)
{
	const char *s = getenv("BO_TEST_PG");
	return s && *s ? s : NULL;
}

/* BO_TEST_PG (keyword form or URI) rewritten as keywords plus `extra`. */
static int build_conninfo(char *out, size_t cap, const char *extra)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(pgtest_base(), &err), *o;
	size_t n = 0;

	if (!opts) {
		fprintf(stderr, "pgtest: BO_TEST_PG: %s", err ? err : "out of memory\n");
		PQfreemem(err);
		return -1;
	}
	out[0] = '\0';
	for (o = opts; o->keyword; o++) {
		const char *v;
		if (!o->val || strcmp(o->keyword, "options") == 0)
			continue;
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s='", o->keyword);
		for (v = o->val; *v; v++) {
			if (*v == '\'' || *v == '\\')
				n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "\\");
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%c", *v);
		}
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "' ");
	}
	PQconninfoFree(opts);
	n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s", extra);
	if (n >= cap) {
		fprintf(stderr, "pgtest: conninfo too long\n");
		return -1;
	}
	return 0;
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int pgtest_exec(const char *sql)
{
	char ci[1024];
	PGconn *c;
	PGresult *r;
	int rc = 0;

	if (!pgtest_base()) {
		fprintf(stderr, "pgtest: BO_TEST_PG is not set\n");
		return -1;
	}
	if (build_conninfo(ci, sizeof(ci), "") != 0)
		return -1;
	c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgtest: connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PQsetNoticeProcessor(c, quiet_notice, NULL);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
		rc = -1;
	}
	PQclear(r);
	PQfinish(c);
	return rc;
}

int pgtest_store(char *out, size_t cap, const char *tag)
{
	char name[40], sql[128], extra[96];
	size_t i;
	int known = 0;

	if (tag) {
		uint64_t h = UINT64_C(0xcbf29ce484222325);
		for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
			h = (h ^ *p) * UINT64_C(0x100000001b3);
		snprintf(name, sizeof(name), "bo_t_%016llx", (unsigned long long)h);
	} else {
		snprintf(name, sizeof(name), "bo_t_%ld_%lu", (long)getpid(), ++counter);
	}
	for (i = 0; i < nschemas; i++)
		if (strcmp(schemas[i], name) == 0)
			known = 1;
	if (!known) {
		if (nschemas == PGTEST_MAX_SCHEMAS) {
			fprintf(stderr, "pgtest: too many schemas\n");
			return -1;
		}
		snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
			 name, name);
		if (pgtest_exec(sql) != 0)
			return -1;
		strcpy(schemas[nschemas++], name);
	}
	snprintf(extra, sizeof(extra), "options='-c search_path=%s'", name);
	return build_conninfo(out, cap, extra);
}

void pgtest_cleanup(void)
{
	char sql[128];
	size_t i;

	for (i = 0; i < nschemas; i++) {
		snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %.39s CASCADE", schemas[i]);
		(void)pgtest_exec(sql);
	}
	nschemas = 0;
}
