/*
 * trace.c - the trace line parser (see trace.h and docs/TRACE.md).
 *
 * A line is parsed in two passes over its tokens, in one walk: syntax
 * errors (`parse`) end the parse at once; rule violations that the parser
 * can see (`invalid`: bad ids, quantities below 1, values out of range or
 * out of their set) are remembered, the first one wins, and are reported
 * only when the whole line parsed, so a `parse` error always takes
 * precedence over an `invalid` one on the same line.
 */
#include "trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state for one line. */
typedef struct parser {
	trace_cmd *cmd;
	char *pos;              /* next byte to read */
	char *end;              /* one past the last byte; *end == '\0' */
	int invalid;            /* an `invalid` finding is recorded in cmd->msg */
} parser;

/* A token: NUL-terminated in place. `idrun`: how many of its first bytes
 * an id may hold (the tokenizer counts them as it goes, so that checking
 * an id that starts the token, "SKU" of "SKU:QTY" too, reads no byte
 * again). */
typedef struct token {
	char *s;
	size_t len;
	size_t idrun;
} token;

/* Byte classes, one table look-up a byte: white space (' ', \t \n \v
 * \f \r) and the bytes an id may hold (printable ASCII but ' ', ':'
 * and '='). */
enum { C_SPACE = 1, C_ID = 2 };

#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
static const unsigned char byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, C_SPACE, C_SPACE, C_SPACE, C_SPACE, C_SPACE, 0, 0, /* 0x00 */
	R16(0),                                                                      /* 0x10 */
	C_SPACE, R4(C_ID), R4(C_ID), R4(C_ID), C_ID, C_ID, C_ID,                     /* 0x20 */
	R4(C_ID), R4(C_ID), C_ID, C_ID, 0 /* : */, C_ID, C_ID, 0 /* = */, C_ID, C_ID, /* 0x30 */
	R16(C_ID), R16(C_ID), R16(C_ID),                                             /* 0x40 */
	R4(C_ID), R4(C_ID), R4(C_ID), C_ID, C_ID, C_ID, 0 /* 0x7f */,                /* 0x70 */
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),              /* 0x80 */
};
#undef R16
#undef R4

static int is_space(char c) { return byte_class[(unsigned char)c] & C_SPACE; }

/* Next token, or 0 at the end of the line (or at a comment). */
static int next_token(token *out, parser *p)
{
	char *s = p->pos;
	char *e;

	while (is_space(*s)) /* (*p->end is '\0', which is neither space nor an id byte) */
		s++;
	if (s >= p->end || *s == '#') {
		p->pos = p->end;
		out->s = p->end; /* an empty token, never read: it keeps the compiler sure of that */
		out->len = 0;
		return 0;
	}
	e = s;
	while (byte_class[(unsigned char)*e] & C_ID)
		e++;
	out->idrun = (size_t)(e - s);
	while (e < p->end && !is_space(*e))
		e++;
	out->s = s;
	out->len = (size_t)(e - s);
	p->pos = e < p->end ? e + 1 : e;
	*e = '\0';
	return 1;
}

static int fail_parse(parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->cmd->msg, sizeof(p->cmd->msg), fmt, ap);
	va_end(ap);
	return BO_EPARSE;
}

static int oom(parser *p)
{
	snprintf(p->cmd->msg, sizeof(p->cmd->msg), "out of memory");
	return BO_ESTORAGE;
}

static void note_invalid(parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->invalid)
		return;
	p->invalid = 1;
	va_start(ap, fmt);
	vsnprintf(p->cmd->msg, sizeof(p->cmd->msg), fmt, ap);
	va_end(ap);
}

int trace_id_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > BO_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!(byte_class[(unsigned char)s[i]] & C_ID))
			return 0;
	return 1;
}

/* An id token: `invalid` unless it follows the id rules. */
static void check_id(parser *p, const char *what, const char *s, size_t len)
{
	if (!trace_id_valid(s, len))
		note_invalid(p, "bad %s '%.64s%s': ids are 1..%d printable ASCII characters without spaces, ':' or '='",
			     what, s, len > 64 ? "..." : "", BO_ID_MAX);
}

/* check_id() of the first `len` bytes of token `t`, from what the
 * tokenizer saw. */
static void check_id_tok(parser *p, const char *what, const token *t, size_t len)
{
	if (len < 1 || len > BO_ID_MAX || t->idrun < len)
		check_id(p, what, t->s, len);
}

enum { NUM_OK = 0, NUM_NOT = 1, NUM_RANGE = 2 };

/* Decimal integer, optional sign. */
static int scan_int(int64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	uint64_t limit;
	size_t i = 0;
	int neg = 0;
	int range = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i >= len)
		return NUM_NOT;
	limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';

		if (d > 9)
			return NUM_NOT;
		if (range)
			continue;
		if (v > (limit - d) / 10)
			range = 1;
		else
			v = v * 10 + d;
	}
	if (range)
		return NUM_RANGE;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return NUM_OK;
}

/* A number where one is expected: `parse` if it is none, `invalid` if out of range. */
static int get_int(int64_t *out, parser *p, const char *what, const char *s, size_t len)
{
	int r = scan_int(out, s, len);

	if (r == NUM_NOT)
		return fail_parse(p, "%s: '%.64s' is not a number", what, s);
	if (r == NUM_RANGE) {
		note_invalid(p, "%s: %.64s is out of range (at most 2^63-1)", what, s);
		*out = 1;
	}
	return BO_OK;
}

/* A quantity that moves units: below 1 is `invalid`. */
static int get_qty(int64_t *out, parser *p, const char *what, const char *s, size_t len)
{
	int rc = get_int(out, p, what, s, len);

	if (rc != BO_OK)
		return rc;
	if (*out < 1) {
		note_invalid(p, "%s: quantity %" PRId64 " is below 1", what, *out);
		*out = 1;
	}
	return BO_OK;
}

/* A cap or count that may be 0. */
static int get_nonneg(int64_t *out, parser *p, const char *what, const char *s, size_t len)
{
	int rc = get_int(out, p, what, s, len);

	if (rc != BO_OK)
		return rc;
	if (*out < 0) {
		note_invalid(p, "%s: %" PRId64 " is below 0", what, *out);
		*out = 0;
	}
	return BO_OK;
}

/* Days from 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t *y, int64_t *m, int64_t *d, int64_t z)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int digits(int64_t *out, const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int trace_parse_time(int64_t *out, const char *s, size_t len)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y, mo, d, h, mi, se;
	int dim;

	if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -1;
	if (digits(&y, s, 4) || digits(&mo, s + 5, 2) || digits(&d, s + 8, 2) ||
	    digits(&h, s + 11, 2) || digits(&mi, s + 14, 2) || digits(&se, s + 17, 2))
		return -1;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	if (d < 1 || d > dim)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

/* n decimal digits of v (0 <= v < 10^n), zero-padded */
static void put_digits(char *out, int64_t v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void trace_format_time(char out[TRACE_TIME_LEN], int64_t t)
{
	int64_t days, secs, y, m, d;

	if (t == BO_NO_TIME) {
		out[0] = '-';
		out[1] = '\0';
		return;
	}
	/* 0000-01-01 .. 9999-12-31 */
	if (t < INT64_C(-62167219200) || t > INT64_C(253402300799)) {
		snprintf(out, TRACE_TIME_LEN, "%" PRId64, t);
		return;
	}
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(&y, &m, &d, days);
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	out[19] = 'Z';
	out[20] = '\0';
}

static int get_time(int64_t *out, parser *p, const char *what, const char *s, size_t len)
{
	if (trace_parse_time(out, s, len) != 0)
		return fail_parse(p, "%s: '%.64s' is not a TIME (YYYY-MM-DDTHH:MM:SSZ)", what, s);
	return BO_OK;
}

/* Split `name=value`; returns 0 if the token has no '='. */
static int split_option(token *name, token *value, const token *t)
{
	char *eq = memchr(t->s, '=', t->len);

	if (eq == NULL)
		return 0;
	*eq = '\0';
	name->s = t->s;
	name->len = (size_t)(eq - t->s);
	value->s = eq + 1;
	value->len = t->len - name->len - 1;
	return 1;
}

static int token_is(const token *t, const char *word)
{
	size_t n = strlen(word);

	return t->len == n && memcmp(t->s, word, n) == 0;
}

static int expect_end(parser *p, const char *usage)
{
	token t;

	if (next_token(&t, p))
		return fail_parse(p, "extra token '%.64s'; usage: %s", t.s, usage);
	return BO_OK;
}

static int need(token *t, parser *p, const char *usage)
{
	if (!next_token(t, p))
		return fail_parse(p, "missing tokens; usage: %s", usage);
	return BO_OK;
}

#define TRY(expr) do { int rc_ = (expr); if (rc_ != BO_OK) return rc_; } while (0)

static int parse_at(parser *p)
{
	static const char usage[] = "at TIME";
	token t;

	TRY(need(&t, p, usage));
	TRY(get_time(&p->cmd->time, p, "at", t.s, t.len));
	return expect_end(p, usage);
}

static int parse_item(parser *p)
{
	static const char usage[] = "item SKU [backorder=deny|allow] [max_backorder=QTY] [lead_time=DAYS] "
				    "[policy=fifo|priority|due|fair] [release_at=TIME] [preorder_max=QTY]";
	trace_cmd *cmd = p->cmd;
	bo_item_settings *st = &cmd->item;
	token t, name, value;

	TRY(need(&t, p, usage));
	cmd->sku = t.s;
	check_id(p, "SKU", t.s, t.len);
	while (next_token(&t, p)) {
		unsigned int flag;

		if (!split_option(&name, &value, &t))
			return fail_parse(p, "item: unexpected token '%.64s'; usage: %s", t.s, usage);
		if (token_is(&name, "backorder"))
			flag = BO_ITEM_BACKORDER;
		else if (token_is(&name, "max_backorder"))
			flag = BO_ITEM_MAX_BACKORDER;
		else if (token_is(&name, "lead_time"))
			flag = BO_ITEM_LEAD_TIME;
		else if (token_is(&name, "policy"))
			flag = BO_ITEM_POLICY;
		else if (token_is(&name, "release_at"))
			flag = BO_ITEM_RELEASE_AT;
		else if (token_is(&name, "preorder_max"))
			flag = BO_ITEM_PREORDER_MAX;
		else
			return fail_parse(p, "item: unknown option '%.64s'", name.s);
		if (st->fields & flag)
			return fail_parse(p, "item: option '%s' given twice", name.s);
		st->fields |= flag;
		switch (flag) {
		case BO_ITEM_BACKORDER:
			if (token_is(&value, "deny"))
				st->backorder = BO_BACKORDER_DENY;
			else if (token_is(&value, "allow"))
				st->backorder = BO_BACKORDER_ALLOW;
			else
				note_invalid(p, "item: backorder=%.64s is not deny or allow", value.s);
			break;
		case BO_ITEM_MAX_BACKORDER:
			TRY(get_nonneg(&st->max_backorder, p, "max_backorder", value.s, value.len));
			break;
		case BO_ITEM_LEAD_TIME: {
			int64_t days;

			TRY(get_nonneg(&days, p, "lead_time", value.s, value.len));
			if (days > INT64_MAX / 86400) {
				note_invalid(p, "lead_time: %" PRId64 " days is out of range", days);
				days = 0;
			}
			st->lead_time = days * 86400;
			break;
		}
		case BO_ITEM_POLICY:
			if (token_is(&value, "fifo") || token_is(&value, "priority") ||
			    token_is(&value, "due") || token_is(&value, "fair"))
				st->policy = value.s;
			else
				note_invalid(p, "item: policy=%.64s is not fifo, priority, due or fair", value.s);
			break;
		case BO_ITEM_RELEASE_AT:
			TRY(get_time(&st->release_at, p, "release_at", value.s, value.len));
			break;
		default:
			TRY(get_nonneg(&st->preorder_max, p, "preorder_max", value.s, value.len));
			break;
		}
	}
	return BO_OK;
}

/* A `location=LOC` option: the id is checked against the id rules. */
static int set_location(parser *p, const char *what, const token *value)
{
	if (p->cmd->location != NULL)
		return fail_parse(p, "%s: option 'location' given twice", what);
	p->cmd->location = value->s;
	check_id(p, "location", value->s, value->len);
	return BO_OK;
}

static int parse_receive(parser *p)
{
	static const char usage[] = "receive SKU QTY [supply=ID] [location=LOC]";
	trace_cmd *cmd = p->cmd;
	token sku, qty, t, name, value;

	TRY(need(&sku, p, usage));
	TRY(need(&qty, p, usage));
	cmd->sku = sku.s;
	check_id(p, "SKU", sku.s, sku.len);
	TRY(get_qty(&cmd->qty, p, "receive", qty.s, qty.len));
	while (next_token(&t, p)) {
		if (!split_option(&name, &value, &t))
			return fail_parse(p, "receive: unexpected token '%.64s'; usage: %s", t.s, usage);
		if (token_is(&name, "supply")) {
			if (cmd->id != NULL)
				return fail_parse(p, "receive: option 'supply' given twice");
			cmd->id = value.s;
			check_id(p, "supply id", value.s, value.len);
		} else if (token_is(&name, "location")) {
			TRY(set_location(p, "receive", &value));
		} else {
			return fail_parse(p, "receive: unknown option '%.64s'", name.s);
		}
	}
	return BO_OK;
}

/* Options after the positional tokens: only `location=LOC`. */
static int parse_location_opt(parser *p, const char *what, const char *usage)
{
	token t, name, value;

	while (next_token(&t, p)) {
		if (!split_option(&name, &value, &t))
			return fail_parse(p, "extra token '%.64s'; usage: %s", t.s, usage);
		if (!token_is(&name, "location"))
			return fail_parse(p, "%s: unknown option '%.64s'", what, name.s);
		TRY(set_location(p, what, &value));
	}
	return BO_OK;
}

static int parse_adjust(parser *p)
{
	static const char usage[] = "adjust SKU DELTA [location=LOC]";
	trace_cmd *cmd = p->cmd;
	token sku, delta;

	TRY(need(&sku, p, usage));
	TRY(need(&delta, p, usage));
	cmd->sku = sku.s;
	check_id(p, "SKU", sku.s, sku.len);
	TRY(get_int(&cmd->qty, p, "adjust", delta.s, delta.len));
	return parse_location_opt(p, "adjust", usage);
}

static int parse_incoming(parser *p)
{
	static const char usage[] = "incoming SKU ID QTY TIME [location=LOC]";
	trace_cmd *cmd = p->cmd;
	token sku, id, qty, tm;

	TRY(need(&sku, p, usage));
	TRY(need(&id, p, usage));
	TRY(need(&qty, p, usage));
	TRY(need(&tm, p, usage));
	cmd->sku = sku.s;
	cmd->id = id.s;
	check_id(p, "SKU", sku.s, sku.len);
	check_id(p, "supply id", id.s, id.len);
	TRY(get_qty(&cmd->qty, p, "incoming", qty.s, qty.len));
	TRY(get_time(&cmd->time, p, "incoming", tm.s, tm.len));
	return parse_location_opt(p, "incoming", usage);
}

static int parse_location(parser *p)
{
	static const char usage[] = "location LOC [rank=N]";
	trace_cmd *cmd = p->cmd;
	int have_rank = 0;
	token t, name, value;

	TRY(need(&t, p, usage));
	cmd->location = t.s;
	check_id(p, "location", t.s, t.len);
	while (next_token(&t, p)) {
		if (!split_option(&name, &value, &t))
			return fail_parse(p, "location: unexpected token '%.64s'; usage: %s", t.s, usage);
		if (!token_is(&name, "rank"))
			return fail_parse(p, "location: unknown option '%.64s'", name.s);
		if (have_rank++)
			return fail_parse(p, "location: option 'rank' given twice");
		TRY(get_int(&cmd->rank, p, "rank", value.s, value.len));
	}
	return BO_OK;
}

static int grow(void **arr, size_t *cap, size_t need_n, size_t size)
{
	size_t n;
	void *a;

	if (need_n <= *cap)
		return BO_OK;
	n = *cap ? *cap * 2 : 16;
	while (n < need_n)
		n *= 2;
	a = realloc(*arr, n * size);
	if (a == NULL)
		return BO_ESTORAGE;
	*arr = a;
	*cap = n;
	return BO_OK;
}

static int parse_place(parser *p)
{
	static const char usage[] = "place ORDER [priority=N] [due=TIME] [complete] [price:SKU=MINOR ...] SKU:QTY [SKU:QTY ...]";
	trace_cmd *cmd = p->cmd;
	bo_order_options *o = &cmd->order_opts;
	int have_priority = 0, have_due = 0, have_complete = 0;
	token t, name, value;
	size_t i, j;

	TRY(need(&t, p, usage));
	cmd->order = t.s;
	check_id_tok(p, "order id", &t, t.len);
	while (next_token(&t, p)) {
		if (split_option(&name, &value, &t)) {
			if (name.len > 6 && memcmp(name.s, "price:", 6) == 0) {
				trace_price *pr;

				if (grow((void **)&cmd->prices, &cmd->prices_cap, cmd->nprices + 1,
					 sizeof(*cmd->prices)) != BO_OK)
					return oom(p);
				pr = &cmd->prices[cmd->nprices++];
				pr->sku = name.s + 6;
				check_id(p, "SKU", name.s + 6, name.len - 6);
				TRY(get_nonneg(&pr->price, p, "price", value.s, value.len));
			} else if (token_is(&name, "priority")) {
				if (have_priority++)
					return fail_parse(p, "place: option 'priority' given twice");
				TRY(get_int(&o->priority, p, "priority", value.s, value.len));
			} else if (token_is(&name, "due")) {
				if (have_due++)
					return fail_parse(p, "place: option 'due' given twice");
				TRY(get_time(&o->due, p, "due", value.s, value.len));
			} else {
				return fail_parse(p, "place: unknown option '%.64s'", name.s);
			}
		} else if (token_is(&t, "complete")) {
			if (have_complete++)
				return fail_parse(p, "place: option 'complete' given twice");
			o->ship_mode = BO_SHIP_COMPLETE;
		} else {
			/* (an id's bytes, then ':' mostly) */
			char *colon = t.s[t.idrun] == ':' ? t.s + t.idrun : memchr(t.s, ':', t.len);
			bo_line_spec *l;
			size_t sl;

			if (colon == NULL)
				return fail_parse(p, "place: unexpected token '%.64s'; usage: %s", t.s, usage);
			*colon = '\0';
			sl = (size_t)(colon - t.s);
			if (grow((void **)&cmd->lines, &cmd->lines_cap, cmd->nlines + 1,
				 sizeof(*cmd->lines)) != BO_OK)
				return oom(p);
			l = &cmd->lines[cmd->nlines++];
			l->sku = t.s;
			l->unit_price = BO_NO_PRICE;
			check_id_tok(p, "SKU", &t, sl);
			TRY(get_qty(&l->qty, p, "place", colon + 1, t.len - sl - 1));
		}
	}
	if (cmd->nlines == 0)
		return fail_parse(p, "place: no SKU:QTY line; usage: %s", usage);
	for (i = 0; i < cmd->nprices; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(cmd->prices[j].sku, cmd->prices[i].sku) == 0) {
				note_invalid(p, "place: two prices for SKU '%s'", cmd->prices[i].sku);
				break;
			}
		}
		for (j = 0; j < cmd->nlines; j++) {
			if (strcmp(cmd->lines[j].sku, cmd->prices[i].sku) == 0) {
				cmd->lines[j].unit_price = cmd->prices[i].price;
				break;
			}
		}
		if (j == cmd->nlines)
			note_invalid(p, "place: price for SKU '%s', which is not a line of the order",
				     cmd->prices[i].sku);
	}
	return BO_OK;
}

/* cancel ORDER [SKU [QTY]] and ship ORDER [SKU [QTY]] [location=LOC]:
 * an option (a token with '=', which no id holds) only where `with_location`. */
static int parse_order_line_qty(parser *p, const char *what, const char *usage, int with_location)
{
	trace_cmd *cmd = p->cmd;
	token t, name, value;
	int pos = 0;

	TRY(need(&t, p, usage));
	cmd->order = t.s;
	check_id_tok(p, "order id", &t, t.len);
	while (next_token(&t, p)) {
		if (with_location && memchr(t.s, '=', t.len) != NULL) {
			split_option(&name, &value, &t);
			if (!token_is(&name, "location"))
				return fail_parse(p, "%s: unknown option '%.64s'", what, name.s);
			TRY(set_location(p, what, &value));
			continue;
		}
		if (cmd->location != NULL || pos == 2)
			return fail_parse(p, "extra token '%.64s'; usage: %s", t.s, usage);
		if (pos++ == 0) {
			cmd->sku = t.s;
			check_id_tok(p, "SKU", &t, t.len);
		} else {
			TRY(get_qty(&cmd->qty, p, what, t.s, t.len));
		}
	}
	return BO_OK;
}

static int parse_modify(parser *p)
{
	static const char usage[] = "modify ORDER SKU QTY";
	trace_cmd *cmd = p->cmd;
	token order, sku, qty;

	TRY(need(&order, p, usage));
	TRY(need(&sku, p, usage));
	TRY(need(&qty, p, usage));
	cmd->order = order.s;
	cmd->sku = sku.s;
	check_id(p, "order id", order.s, order.len);
	check_id(p, "SKU", sku.s, sku.len);
	TRY(get_qty(&cmd->qty, p, "modify", qty.s, qty.len));
	return expect_end(p, usage);
}

static int parse_subscribe(parser *p)
{
	static const char usage[] = "subscribe SKU CUSTOMER";
	trace_cmd *cmd = p->cmd;
	token sku, cust;

	TRY(need(&sku, p, usage));
	TRY(need(&cust, p, usage));
	cmd->sku = sku.s;
	cmd->id = cust.s;
	check_id(p, "SKU", sku.s, sku.len);
	check_id(p, "customer id", cust.s, cust.len);
	return expect_end(p, usage);
}

void trace_cmd_init(trace_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
}

void trace_cmd_free(trace_cmd *cmd)
{
	free(cmd->lines);
	free(cmd->prices);
	trace_cmd_init(cmd);
}

static void cmd_reset(trace_cmd *cmd)
{
	static const bo_item_settings item_init = BO_ITEM_SETTINGS_INIT;
	static const bo_order_options order_init = BO_ORDER_OPTIONS_INIT;

	cmd->op = TRACE_NOP;
	cmd->sku = NULL;
	cmd->order = NULL;
	cmd->id = NULL;
	cmd->qty = BO_ALL;
	cmd->time = BO_NO_TIME;
	cmd->location = NULL;
	cmd->rank = 0;
	cmd->item = item_init;
	cmd->order_opts = order_init;
	cmd->nlines = 0;
	cmd->nprices = 0;
	cmd->msg[0] = '\0';
}

int trace_parse_line(trace_cmd *cmd, char *line, size_t len)
{
	parser p;
	token op;
	int rc;

	cmd_reset(cmd);
	line[len] = '\0';
	p.cmd = cmd;
	p.pos = line;
	p.end = line + len;
	p.invalid = 0;
	if (!next_token(&op, &p))
		return BO_OK;
	switch (op.s[0]) {
	case 'a':
		if (token_is(&op, "at")) {
			cmd->op = TRACE_AT;
			rc = parse_at(&p);
		} else if (token_is(&op, "adjust")) {
			cmd->op = TRACE_ADJUST;
			rc = parse_adjust(&p);
		} else {
			goto unknown;
		}
		break;
	case 'c':
		if (!token_is(&op, "cancel"))
			goto unknown;
		cmd->op = TRACE_CANCEL;
		rc = parse_order_line_qty(&p, "cancel", "cancel ORDER [SKU [QTY]]", 0);
		break;
	case 'd':
		if (!token_is(&op, "dump"))
			goto unknown;
		cmd->op = TRACE_DUMP;
		rc = expect_end(&p, "dump");
		break;
	case 'i':
		if (token_is(&op, "item")) {
			cmd->op = TRACE_ITEM;
			rc = parse_item(&p);
		} else if (token_is(&op, "incoming")) {
			cmd->op = TRACE_INCOMING;
			rc = parse_incoming(&p);
		} else {
			goto unknown;
		}
		break;
	case 'l':
		if (!token_is(&op, "location"))
			goto unknown;
		cmd->op = TRACE_LOCATION;
		rc = parse_location(&p);
		break;
	case 'm':
		if (!token_is(&op, "modify"))
			goto unknown;
		cmd->op = TRACE_MODIFY;
		rc = parse_modify(&p);
		break;
	case 'p':
		if (!token_is(&op, "place"))
			goto unknown;
		cmd->op = TRACE_PLACE;
		rc = parse_place(&p);
		break;
	case 'r':
		if (!token_is(&op, "receive"))
			goto unknown;
		cmd->op = TRACE_RECEIVE;
		rc = parse_receive(&p);
		break;
	case 's':
		if (token_is(&op, "ship")) {
			cmd->op = TRACE_SHIP;
			rc = parse_order_line_qty(&p, "ship", "ship ORDER [SKU [QTY]] [location=LOC]", 1);
		} else if (token_is(&op, "subscribe")) {
			cmd->op = TRACE_SUBSCRIBE;
			rc = parse_subscribe(&p);
		} else {
			goto unknown;
		}
		break;
	default:
		goto unknown;
	}
	if (rc != BO_OK)
		return rc;
	return p.invalid ? BO_EINVALID : BO_OK;
unknown:
	return fail_parse(&p, "unknown operation '%.64s'", op.s);
}
