/*
 * out.c - aligned text tables and a small JSON writer (see out.h).
 */
#include "out.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* ---------------------------------------------------------------- */
/* Text tables */

void table_init(table *t, size_t ncols, const char *const *head)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	for (i = 0; i < t->ncols; i++) {
		t->align[i] = head[i][0] == '>' ? ALIGN_RIGHT : ALIGN_LEFT;
		t->head[i] = head[i] + (head[i][0] == '>');
	}
}

void table_cell(table *t, const char *s)
{
	char *copy;

	if (t->oom)
		return;
	if (t->col == 0) {
		if (t->nrows == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 16;
			char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

			if (cells == NULL) {
				t->oom = 1;
				return;
			}
			t->cells = cells;
			t->cap = cap;
		}
		memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
		t->nrows++;
	}
	copy = strdup(s);
	if (copy == NULL)
		t->oom = 1;
	t->cells[(t->nrows - 1) * t->ncols + t->col] = copy;
	t->col = (t->col + 1) % t->ncols;
}

void table_cellf(table *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	table_cell(t, buf);
}

void table_int(table *t, int64_t v)
{
	table_cellf(t, "%" PRId64, v);
}

static void print_row(const table *t, FILE *out, const size_t *width, const char *const *row)
{
	size_t i, last = t->ncols;

	/* no trailing blanks: the last non-empty cell ends the line */
	while (last > 0 && (row[last - 1] == NULL || row[last - 1][0] == '\0'))
		last--;
	for (i = 0; i < last; i++) {
		const char *s = row[i] ? row[i] : "";
		int pad = (int)(width[i] - strlen(s));

		if (i > 0)
			fputs("  ", out);
		if (t->align[i] == ALIGN_RIGHT)
			fprintf(out, "%*s%s", pad, "", s);
		else if (i + 1 < last)
			fprintf(out, "%s%*s", s, pad, "");
		else
			fputs(s, out);
	}
	fputc('\n', out);
}

int table_print(const table *t, FILE *out)
{
	size_t width[TABLE_MAX_COLS];
	size_t i, r;

	if (t->oom)
		return -1;
	for (i = 0; i < t->ncols; i++)
		width[i] = strlen(t->head[i]);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			size_t n = s ? strlen(s) : 0;

			if (n > width[i])
				width[i] = n;
		}
	}
	print_row(t, out, width, t->head);
	for (r = 0; r < t->nrows; r++)
		print_row(t, out, width, (const char *const *)&t->cells[r * t->ncols]);
	return 0;
}

void table_free(table *t)
{
	size_t i;

	if (t->cells != NULL)
		for (i = 0; i < t->nrows * t->ncols; i++)
			free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void kv_line(FILE *out, int width, const char *key, const char *fmt, ...)
{
	char value[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	fprintf(out, "%-*s  %s\n", width, key, value);
}

/* ---------------------------------------------------------------- */
/* JSON */

/* The length of the well-formed UTF-8 sequence at s (2..4), or 0 when
 * s[0] >= 0x80 starts none: overlong forms, surrogates and code points
 * above U+10FFFF are not well-formed (Unicode table 3-7). Reads no byte
 * past a NUL. (The library has its own in src/validate.c: the program
 * sees only the public API.) */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Ids are bytes: one that is not part of a well-formed UTF-8 sequence
 * becomes \ufffd (U+FFFD), so that the output is valid JSON. */
size_t json_quote(char *buf, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

#define PUT(c) do { if (n + 1 < size) buf[n] = (c); n++; } while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c == '\n') {
			PUT('\\');
			PUT('n');
		} else if (c == '\t') {
			PUT('\\');
			PUT('t');
		} else if (c < 0x20 || c == 0x7f) {
			PUT('\\');
			PUT('u');
			PUT('0');
			PUT('0');
			PUT(hex[c >> 4]);
			PUT(hex[c & 15]);
		} else if (c < 0x80) {
			PUT((char)c);
		} else {
			size_t i, k = utf8_seq((const unsigned char *)s);

			if (k == 0) {
				PUT('\\');
				PUT('u');
				PUT('f');
				PUT('f');
				PUT('f');
				PUT('d');
			} else {
				for (i = 0; i < k; i++)
					PUT(s[i]);
				s += k - 1;
			}
		}
	}
	PUT('"');
#undef PUT
	if (size > 0)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

static void put_quoted(FILE *out, const char *s)
{
	char small[512];
	size_t need = json_quote(small, sizeof(small), s);

	if (need < sizeof(small)) {
		fputs(small, out);
	} else {
		char *big = malloc(need + 1);

		if (big == NULL) {
			fputs("null", out);
			return;
		}
		json_quote(big, need + 1, s);
		fputs(big, out);
		free(big);
	}
}

void json_init(json *j, FILE *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
}

/* Separator, indentation and key before a value. */
static void value_start(json *j, const char *key)
{
	if (j->count[j->depth]++ > 0)
		fputc(',', j->out);
	if (j->depth > 0) {
		if (j->pretty)
			fprintf(j->out, "\n%*s", 2 * j->depth, "");
		else if (j->count[j->depth] > 1)
			fputc(' ', j->out);
	}
	if (key != NULL) {
		put_quoted(j->out, key);
		fputs(": ", j->out);
	}
}

static void open_(json *j, const char *key, char c)
{
	value_start(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_(json *j, char c)
{
	int had = j->count[j->depth] > 0;

	if (j->depth > 0)
		j->depth--;
	if (had && j->pretty)
		fprintf(j->out, "\n%*s", 2 * j->depth, "");
	fputc(c, j->out);
}

void json_begin_object(json *j, const char *key) { open_(j, key, '{'); }
void json_end_object(json *j) { close_(j, '}'); }
void json_begin_array(json *j, const char *key) { open_(j, key, '['); }
void json_end_array(json *j) { close_(j, ']'); }

void json_str(json *j, const char *key, const char *s)
{
	value_start(j, key);
	if (s == NULL)
		fputs("null", j->out);
	else
		put_quoted(j->out, s);
}

void json_int(json *j, const char *key, int64_t v)
{
	value_start(j, key);
	fprintf(j->out, "%" PRId64, v);
}

void json_bool(json *j, const char *key, int v)
{
	value_start(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json_null(json *j, const char *key)
{
	value_start(j, key);
	fputs("null", j->out);
}

void json_time(json *j, const char *key, int64_t t)
{
	char buf[TRACE_TIME_LEN];

	if (t == BO_NO_TIME) {
		json_null(j, key);
		return;
	}
	trace_format_time(buf, t);
	json_str(j, key, buf);
}

void json_opt(json *j, const char *key, int64_t v, int64_t none)
{
	if (v == none)
		json_null(j, key);
	else
		json_int(j, key, v);
}

void json_finish(json *j)
{
	fputc('\n', j->out);
}
