/*
 * out.h - output helpers of the `backorder` program: aligned text tables
 * for people and a small JSON writer for scripts.
 *
 * Both write to a FILE and allocate only what a table holds; a failed
 * allocation is remembered and reported by table_print().
 */
#ifndef BO_TOOLS_OUT_H
#define BO_TOOLS_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- */
/* Text tables */

enum { ALIGN_LEFT = 0, ALIGN_RIGHT = 1 };

#define TABLE_MAX_COLS 16

/** A table: a header row and rows of cells, printed with aligned columns. */
typedef struct table {
	size_t ncols;
	const char *head[TABLE_MAX_COLS];
	int align[TABLE_MAX_COLS];
	char **cells;           /* nrows * ncols, row-major, owned */
	size_t nrows;
	size_t cap;             /* rows allocated */
	size_t col;             /* next cell of the open row */
	int oom;
} table;

/** Start a table with `ncols` columns named by the NULL-free array `head`;
 * a name beginning with '>' is right-aligned (the '>' is not printed). */
void table_init(table *t, size_t ncols, const char *const *head);

/** Append a cell to the current row (a new row starts after the last column). */
void table_cell(table *t, const char *s);

/** printf-style cell. */
void table_cellf(table *t, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/** A number cell. */
void table_int(table *t, int64_t v);

/** Print the header and rows, columns separated by two spaces, no
 * trailing blanks. Returns 0, or -1 when a cell could not be stored. */
int table_print(const table *t, FILE *out);

void table_free(table *t);

/** Key/value lines: "key" padded to `width`, then the value. */
void kv_line(FILE *out, int width, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/* ---------------------------------------------------------------- */
/* JSON */

#define JSON_MAX_DEPTH 8

/** A JSON writer: values are separated and indented as they come. With
 * `pretty` 0 everything is on one line (JSON Lines). */
typedef struct json {
	FILE *out;
	int pretty;
	int depth;
	int count[JSON_MAX_DEPTH]; /* values written at each depth */
} json;

void json_init(json *j, FILE *out, int pretty);
/* `key` is NULL inside arrays and for the top-level value. */
void json_begin_object(json *j, const char *key);
void json_end_object(json *j);
void json_begin_array(json *j, const char *key);
void json_end_array(json *j);
/** A string, or null when `s` is NULL. */
void json_str(json *j, const char *key, const char *s);
void json_int(json *j, const char *key, int64_t v);
void json_bool(json *j, const char *key, int v);
void json_null(json *j, const char *key);
/** A time as "YYYY-MM-DDTHH:MM:SSZ", or null for BO_NO_TIME. */
void json_time(json *j, const char *key, int64_t t);
/** A cap or optional number: null when v == `none`. */
void json_opt(json *j, const char *key, int64_t v, int64_t none);
/** Finish the document with a newline. */
void json_finish(json *j);

/** Write `s` as a JSON string (quotes included) into buf (size >= 2 + 6 * strlen + 1). */
size_t json_quote(char *buf, size_t size, const char *s);

#endif
