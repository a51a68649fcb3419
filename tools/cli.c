/*
 * cli.c - the operator commands of the `backorder` program.
 *
 * One command per operation of the trace format (`backorder place A-1
 * NECKLACE:1` runs the trace line `place A-1 NECKLACE:1`, parsed by the
 * same parser as `replay`), queries that print aligned text or a JSON
 * document, and `events`, which hands the outbox to standard output.
 *
 * Everything goes through the public API. The inventory is opened without
 * a notifier and without automatic dispatch, so the events a command raises
 * stay in the store's outbox until `backorder events` writes them out.
 *
 * Exit statuses (cli.h): 0; 10 + |status| for a failed operation or query
 * (11 parse .. 17 storage); 64 for a command line the program cannot use;
 * 74 when the output cannot be written. A missing or unknown command exits
 * 2, as before these commands existed.
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "trace.h"

/* ---------------------------------------------------------------- */
/* Options and commands */

enum {
	O_STORE = 1u << 0,
	O_AT = 1u << 1,
	O_JSON = 1u << 2,
	O_QUIET = 1u << 3,
	O_FOLLOW = 1u << 4,
	O_INTERVAL = 1u << 5,
	O_WAITING = 1u << 6,
	O_HELP = 1u << 7,
	O_FORMAT = 1u << 8,
	O_SINCE = 1u << 9,
	O_LOCATION = 1u << 10
};
#define O_ANY (O_STORE | O_AT | O_HELP)

typedef struct cli cli;
typedef int (*cmd_fn)(cli *c);

typedef struct command {
	const char *name;
	cmd_fn fn;
	unsigned opts;          /* options it takes besides O_ANY */
	int writes;             /* changes the store (and may create it) */
	const char *args;       /* its arguments, for usage lines */
	const char *summary;
} command;

struct cli {
	const command *cmd;
	const char *store;
	int64_t at;             /* --at, or BO_NO_TIME for the system clock */
	int64_t clock;          /* what the clock reads when clock_set (command `at`) */
	int clock_set;
	unsigned given;         /* O_* options given */
	double interval;        /* events --follow: seconds between polls */
	const char *format;     /* report --format */
	const char *location;   /* --location of receive, adjust, incoming, ship */
	int64_t since;          /* report --since, or BO_NO_TIME */
	char **args;            /* the command's arguments */
	int nargs;
	bo_inventory *inv;
	size_t nloc;            /* locations of the inventory, "main" included (opened stores) */
};

static int cmd_op(cli *c);
static int cmd_show(cli *c);
static int cmd_waiting(cli *c);
static int cmd_items(cli *c);
static int cmd_orders(cli *c);
static int cmd_supply(cli *c);
static int cmd_events(cli *c);
static int cmd_report(cli *c);
static int cmd_locations(cli *c);

#define O_OP (O_JSON | O_QUIET)

static const command commands[] = {
	{ "item", cmd_op, O_OP, 1,
	  "SKU [backorder=deny|allow] [max_backorder=QTY] [lead_time=DAYS] [policy=fifo|priority|due|fair] "
	  "[release_at=TIME] [preorder_max=QTY]",
	  "create an item or change the settings named" },
	{ "receive", cmd_op, O_OP | O_LOCATION, 1, "SKU QTY [supply=ID] [--location LOC]",
	  "receive stock (against a supply record)" },
	{ "adjust", cmd_op, O_OP | O_LOCATION, 1, "SKU DELTA [--location LOC]", "correct on_hand by a signed delta" },
	{ "incoming", cmd_op, O_OP | O_LOCATION, 1, "SKU ID QTY TIME [--location LOC]",
	  "record (or replace) expected supply" },
	{ "place", cmd_op, O_OP, 1,
	  "ORDER [priority=N] [due=TIME] [complete] [price:SKU=MINOR ...] SKU:QTY [SKU:QTY ...]",
	  "place an order" },
	{ "cancel", cmd_op, O_OP, 1, "ORDER [SKU [QTY]]", "cancel an order, a line or units of a line" },
	{ "modify", cmd_op, O_OP, 1, "ORDER SKU QTY", "set a line's ordered quantity" },
	{ "ship", cmd_op, O_OP | O_LOCATION, 1, "ORDER [SKU [QTY]] [--location LOC]",
	  "ship allocated units" },
	{ "subscribe", cmd_op, O_OP, 1, "SKU CUSTOMER", "one back-in-stock alert for a customer" },
	{ "at", cmd_op, O_OP, 1, "TIME", "advance the store's clock (releases due preorders)" },
	{ "location", cmd_op, O_OP, 1, "LOC [rank=N]", "create a stock location or set its rank" },
	{ "show", cmd_show, O_JSON, 0, "item SKU | order ORDER", "an item or an order in full" },
	{ "waiting", cmd_waiting, O_JSON, 0, "SKU", "the queue of an item: position, units ahead, ETA, late" },
	{ "items", cmd_items, O_JSON, 0, "", "every item: stock, waiting demand, supply" },
	{ "orders", cmd_orders, O_JSON | O_WAITING, 0, "[--waiting]", "every order, or those with units waiting" },
	{ "supply", cmd_supply, O_JSON, 0, "[SKU]", "open supply records, per item by expected time" },
	{ "locations", cmd_locations, O_JSON, 0, "", "the stock locations in location order, with their ranks" },
	{ "report", cmd_report, O_JSON | O_FORMAT | O_SINCE, 0, "[--format text|csv|json|html] [--since TIME]",
	  "demand insight and restock advice, as text, CSV, JSON or an HTML page" },
	{ "events", cmd_events, O_JSON | O_FOLLOW | O_INTERVAL, 0, "[--follow] [--interval SECONDS]",
	  "write pending events, one a line; each is removed once written" },
	{ "dump", cmd_op, 0, 0, "", "the state in the trace dump format" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *const option_names[] = {
	"--store", "--at", "--json", "--quiet", "--follow", "--interval", "--waiting", "--help", "--format", "--since",
	"--location"
};

/* ---------------------------------------------------------------- */
/* Messages */

static void say(const cli *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* "backorder: COMMAND: ..." on standard error, on one line. */
static void say(const cli *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fflush(stdout);
	if (c != NULL && c->cmd != NULL)
		fprintf(stderr, "backorder: %s: %s\n", c->cmd->name, buf);
	else
		fprintf(stderr, "backorder: %s\n", buf);
}

static int status_exit(int rc)
{
	if (rc >= BO_ESTORAGE && rc < 0)
		return EXIT_STATUS_BASE - rc;
	return EXIT_STATUS_BASE - BO_ESTORAGE;
}

/* A failed library call: "backorder: CMD: CODE: message", exit 10 + |rc|. */
static int fail(const cli *c, int rc, const char *what)
{
	if (what != NULL)
		say(c, "%s: %s: %s", what, bo_status_name(rc), bo_last_error());
	else
		say(c, "%s: %s", bo_status_name(rc), bo_last_error());
	return status_exit(rc);
}

static void print_usage_line(FILE *out, const command *cmd, const char *lead)
{
	fprintf(out, "%sbackorder [--store STORE] [--at TIME]%s %s%s%s\n", lead,
		cmd->opts & O_JSON ? " [--json]" : "", cmd->name, cmd->args[0] ? " " : "", cmd->args);
}

static int usage(const cli *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static int usage(const cli *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say(c, "%s", buf);
	if (c != NULL && c->cmd != NULL)
		print_usage_line(stderr, c->cmd, "usage: ");
	else
		fputs("Run `backorder --help` for the commands.\n", stderr);
	return EXIT_CLI_USAGE;
}

void cli_print_commands(FILE *out)
{
	size_t i;

	fputs("Operations (the trace format's, one a command; they print what they changed):\n", out);
	for (i = 0; i < NCOMMANDS; i++) {
		const command *cmd = &commands[i];

		if (strcmp(cmd->name, "show") == 0)
			fputs("\nQueries (aligned text, or one JSON document with --json):\n", out);
		if (strcmp(cmd->name, "events") == 0)
			fputs("\nEvents and the rest:\n", out);
		fprintf(out, "  %-10s %s\n", cmd->name, cmd->summary);
	}
	fputs("  replay     apply the operations of a trace file, one a line, in order\n", out);
}

/* An operation on an order (its first argument is ORDER) rather than an item. */
static int changes_order(const command *cmd)
{
	return strncmp(cmd->args, "ORDER", 5) == 0;
}

static void print_command_help(const command *cmd)
{
	print_usage_line(stdout, cmd, "usage: ");
	printf("\n%c%s.\n", cmd->summary[0] - 'a' + 'A', cmd->summary + 1);
	if (strcmp(cmd->name, "at") == 0)
		printf("Prints the store's time (nothing with --quiet).\n");
	else if (strcmp(cmd->name, "location") == 0)
		printf("Prints the locations, as `locations` does (nothing with --quiet).\n");
	else if (cmd->fn == cmd_op && cmd->writes)
		printf("Prints the %s it changed, as `show %s` does (nothing with --quiet).\n",
		       changes_order(cmd) ? "order" : "item", changes_order(cmd) ? "order" : "item");
	printf("\nOptions:\n"
	       "  --store STORE   memory, sqlite:PATH or postgres:CONNINFO (default: $BACKORDER_STORE)\n"
	       "  --at TIME       run at TIME (YYYY-MM-DDTHH:MM:SSZ) instead of the system clock\n");
	if (cmd->opts & O_JSON)
		printf("  --json          print JSON instead of text\n");
	if (cmd->opts & O_QUIET)
		printf("  --quiet         print nothing on success\n");
	if (cmd->opts & O_WAITING)
		printf("  --waiting       only orders with units waiting\n");
	if (cmd->opts & O_FOLLOW)
		printf("  --follow        keep polling for new events until interrupted\n");
	if (cmd->opts & O_INTERVAL)
		printf("  --interval S    seconds between polls with --follow (default 1)\n");
	if (cmd->opts & O_FORMAT)
		printf("  --format F      text (default), csv, json (as --json) or html\n");
	if (cmd->opts & O_SINCE)
		printf("  --since TIME    period figures and daily series from TIME's day on (default: all history)\n");
	if (cmd->opts & O_LOCATION)
		printf("  --location LOC  %s (default: %s)\n",
		       strcmp(cmd->name, "ship") == 0 ? "ship only the units allocated at LOC" : "the stock location",
		       strcmp(cmd->name, "ship") == 0 ? "the lines' locations in location order"
		       : strcmp(cmd->name, "receive") == 0 ? "main, or the supply record's" : "main");
	printf("\nSee backorder(1) for the output formats and exit statuses.\n");
}

/* ---------------------------------------------------------------- */
/* Time */

static int64_t cli_clock(void *user_data)
{
	const cli *c = user_data;

	if (c->clock_set)
		return c->clock;
	if (c->at != BO_NO_TIME)
		return c->at;
	return (int64_t)time(NULL);
}

/* The time late lines and overdue supply are judged at: the clock, or the
 * store's time if that is later (as the library judges `late`). */
static int64_t query_now(cli *c)
{
	int64_t now = cli_clock(c), stored;

	if (bo_inventory_now(&stored, c->inv) == BO_OK && stored > now)
		now = stored;
	return now;
}

static const char *fmt_time(char buf[TRACE_TIME_LEN], int64_t t)
{
	trace_format_time(buf, t);
	return buf;
}

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

/* ---------------------------------------------------------------- */
/* Collected lists */

typedef struct supply_row {
	char sku[BO_ID_MAX + 1];
	char id[BO_ID_MAX + 1];
	int64_t qty;
	int64_t expected;
	char location[BO_ID_MAX + 1];
} supply_row;

typedef struct supply_list {
	supply_row *rows;
	size_t n, cap;
} supply_list;

static int collect_supply(void *user_data, const bo_supply_info *s)
{
	supply_list *l = user_data;
	supply_row *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		supply_row *rows = realloc(l->rows, cap * sizeof(*rows));

		if (rows == NULL)
			return BO_ESTORAGE;
		l->rows = rows;
		l->cap = cap;
	}
	r = &l->rows[l->n++];
	snprintf(r->sku, sizeof(r->sku), "%s", s->sku);
	snprintf(r->id, sizeof(r->id), "%s", s->id);
	r->qty = s->qty;
	r->expected = s->expected;
	snprintf(r->location, sizeof(r->location), "%s", s->location ? s->location : "main");
	return 0;
}

/* ---------------------------------------------------------------- */
/* Locations: the per-location figures appear only in an inventory with
 * more than one location, so one that never names another prints as
 * before locations existed. */

static int count_location(void *user_data, const bo_location *loc)
{
	(void)loc;
	(*(size_t *)user_data)++;
	return 0;
}

/* (cli.h) */
size_t location_count(bo_inventory *inv)
{
	size_t n = 0;

	if (bo_location_foreach(inv, count_location, &n) != BO_OK || n == 0)
		return 1;
	return n;
}

typedef struct loc_row {
	char id[BO_ID_MAX + 1];
	int64_t a, b;           /* stock: on_hand, allocated; location: rank; line: qty */
} loc_row;

typedef struct loc_list {
	loc_row *rows;
	size_t n, cap;
} loc_list;

static loc_row *loc_push(loc_list *l, const char *id)
{
	loc_row *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		loc_row *rows = realloc(l->rows, cap * sizeof(*rows));

		if (rows == NULL)
			return NULL;
		l->rows = rows;
		l->cap = cap;
	}
	r = &l->rows[l->n++];
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->a = r->b = 0;
	return r;
}

static int collect_location(void *user_data, const bo_location *loc)
{
	loc_row *r = loc_push(user_data, loc->id);

	if (r == NULL)
		return BO_ESTORAGE;
	r->a = loc->rank;
	return 0;
}

static int collect_stock(void *user_data, const bo_stock *st)
{
	loc_row *r = loc_push(user_data, st->location);

	if (r == NULL)
		return BO_ESTORAGE;
	r->a = st->on_hand;
	r->b = st->allocated;
	return 0;
}

static int collect_line_alloc(void *user_data, const bo_line_alloc *al)
{
	loc_row *r = loc_push(user_data, al->location);

	if (r == NULL)
		return BO_ESTORAGE;
	r->a = al->qty;
	return 0;
}

typedef struct sku_list {
	char (*sku)[BO_ID_MAX + 1];
	size_t n, cap;
} sku_list;

static int collect_sku(void *user_data, const bo_item_status *it)
{
	sku_list *l = user_data;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = realloc(l->sku, cap * sizeof(*l->sku));

		if (p == NULL)
			return BO_ESTORAGE;
		l->sku = p;
		l->cap = cap;
	}
	snprintf(l->sku[l->n++], BO_ID_MAX + 1, "%s", it->sku);
	return 0;
}

/* A callback's BO_ESTORAGE (out of memory) needs a message of its own. */
static int oom_or(int rc)
{
	if (rc == BO_ESTORAGE && strcmp(bo_last_error(), "no error") == 0)
		fprintf(stderr, "backorder: out of memory\n");
	return rc;
}

/* ---------------------------------------------------------------- */
/* Items */

#define KV 16 /* width of the keys of key/value output */

static void item_json_fields(json *j, const bo_item_status *st)
{
	json_str(j, "sku", st->sku);
	json_str(j, "policy", st->policy);
	json_str(j, "backorder", st->backorder == BO_BACKORDER_DENY ? "deny" : "allow");
	json_opt(j, "max_backorder", st->max_backorder, BO_UNLIMITED);
	json_opt(j, "lead_time_seconds", st->lead_time, BO_NO_TIME);
	json_time(j, "release_at", st->release_at);
	json_opt(j, "preorder_max", st->preorder_max, BO_UNLIMITED);
	json_bool(j, "in_preorder", st->in_preorder);
	json_int(j, "on_hand", st->on_hand);
	json_int(j, "allocated", st->allocated);
	json_int(j, "available", st->available);
	json_int(j, "backordered", st->backordered);
	json_int(j, "waiting_lines", st->waiting_lines);
	json_int(j, "late_lines", st->late_lines);
	json_time(j, "oldest_wait", st->oldest_wait);
	json_int(j, "incoming", st->incoming);
	json_int(j, "demand", st->demand);
	json_int(j, "filled_at_once", st->filled_at_once);
	json_int(j, "shipped", st->shipped);
	json_int(j, "cancelled", st->cancelled);
	json_int(j, "revenue_held", st->revenue_held);
	json_int(j, "subscribers", st->subscribers);
}

static void supply_json(json *j, const supply_row *r, int64_t now, int with_sku, int with_location)
{
	json_begin_object(j, NULL);
	if (with_sku)
		json_str(j, "sku", r->sku);
	json_str(j, "id", r->id);
	json_int(j, "qty", r->qty);
	json_time(j, "expected", r->expected);
	json_bool(j, "overdue", r->expected < now);
	if (with_location)
		json_str(j, "location", r->location);
	json_end_object(j);
}

static void lead_time_text(char *buf, size_t size, int64_t s)
{
	if (s == BO_NO_TIME)
		snprintf(buf, size, "-");
	else if (s % 86400 == 0)
		snprintf(buf, size, "%" PRId64 " day%s", s / 86400, s == 86400 ? "" : "s");
	else
		snprintf(buf, size, "%" PRId64 " s", s);
}

static void cap_text(char *buf, size_t size, int64_t v)
{
	if (v == BO_UNLIMITED)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%" PRId64, v);
}

static void item_text(const bo_item_status *st, const supply_list *sl, const loc_list *stock, int64_t now)
{
	char t[TRACE_TIME_LEN], buf[64];
	size_t i;

	kv_line(stdout, KV, "sku", "%s", st->sku);
	kv_line(stdout, KV, "policy", "%s", st->policy);
	kv_line(stdout, KV, "backorder", "%s", st->backorder == BO_BACKORDER_DENY ? "deny" : "allow");
	cap_text(buf, sizeof(buf), st->max_backorder);
	kv_line(stdout, KV, "max_backorder", "%s", buf);
	lead_time_text(buf, sizeof(buf), st->lead_time);
	kv_line(stdout, KV, "lead_time", "%s", buf);
	kv_line(stdout, KV, "release_at", "%s", fmt_time(t, st->release_at));
	cap_text(buf, sizeof(buf), st->preorder_max);
	kv_line(stdout, KV, "preorder_max", "%s", buf);
	kv_line(stdout, KV, "in_preorder", "%s", yes_no(st->in_preorder));
	kv_line(stdout, KV, "on_hand", "%" PRId64, st->on_hand);
	kv_line(stdout, KV, "allocated", "%" PRId64, st->allocated);
	kv_line(stdout, KV, "available", "%" PRId64, st->available);
	kv_line(stdout, KV, "backordered", "%" PRId64, st->backordered);
	kv_line(stdout, KV, "waiting_lines", "%" PRId64, st->waiting_lines);
	kv_line(stdout, KV, "late_lines", "%" PRId64, st->late_lines);
	kv_line(stdout, KV, "oldest_wait", "%s", fmt_time(t, st->oldest_wait));
	kv_line(stdout, KV, "incoming", "%" PRId64, st->incoming);
	kv_line(stdout, KV, "demand", "%" PRId64, st->demand);
	if (st->demand > 0)
		kv_line(stdout, KV, "filled_at_once", "%" PRId64 " (%" PRId64 "%%)", st->filled_at_once,
			st->filled_at_once * 100 / st->demand);
	else
		kv_line(stdout, KV, "filled_at_once", "%" PRId64, st->filled_at_once);
	kv_line(stdout, KV, "shipped", "%" PRId64, st->shipped);
	kv_line(stdout, KV, "cancelled", "%" PRId64, st->cancelled);
	kv_line(stdout, KV, "revenue_held", "%" PRId64, st->revenue_held);
	kv_line(stdout, KV, "subscribers", "%" PRId64, st->subscribers);
	if (stock != NULL && stock->n > 0) {
		static const char *const head[] = { "LOCATION", ">ON_HAND", ">ALLOCATED", ">AVAILABLE" };
		table tb;

		table_init(&tb, 4, head);
		for (i = 0; i < stock->n; i++) {
			table_cell(&tb, stock->rows[i].id);
			table_int(&tb, stock->rows[i].a);
			table_int(&tb, stock->rows[i].b);
			table_int(&tb, stock->rows[i].a - stock->rows[i].b);
		}
		fputc('\n', stdout);
		table_print(&tb, stdout);
		table_free(&tb);
	}
	if (sl != NULL && sl->n > 0) {
		static const char *const head[] = { "SUPPLY", ">QTY", "EXPECTED", "OVERDUE", "LOCATION" };
		table tb;

		table_init(&tb, stock != NULL ? 5 : 4, head);
		for (i = 0; i < sl->n; i++) {
			table_cell(&tb, sl->rows[i].id);
			table_int(&tb, sl->rows[i].qty);
			table_cell(&tb, fmt_time(t, sl->rows[i].expected));
			table_cell(&tb, yes_no(sl->rows[i].expected < now));
			if (stock != NULL)
				table_cell(&tb, sl->rows[i].location);
		}
		fputc('\n', stdout);
		table_print(&tb, stdout);
		table_free(&tb);
	}
}

/* show item SKU (and what item, receive, adjust, incoming, subscribe print) */
static int print_item(cli *c, const char *sku)
{
	bo_item_status st;
	supply_list sl = { NULL, 0, 0 };
	loc_list stock = { NULL, 0, 0 };
	int64_t now = query_now(c);
	int multi = c->nloc > 1;
	int rc;

	rc = bo_item_status_get(&st, c->inv, sku);
	if (rc == BO_OK)
		rc = oom_or(bo_supply_foreach(c->inv, sku, collect_supply, &sl));
	if (rc == BO_OK && multi)
		rc = oom_or(bo_item_stock_foreach(c->inv, sku, collect_stock, &stock));
	if (rc != BO_OK) {
		free(sl.rows);
		free(stock.rows);
		return rc;
	}
	if (c->given & O_JSON) {
		json j;
		size_t i;

		json_init(&j, stdout, 1);
		json_begin_object(&j, NULL);
		json_time(&j, "now", now);
		item_json_fields(&j, &st);
		json_begin_array(&j, "supply");
		for (i = 0; i < sl.n; i++)
			supply_json(&j, &sl.rows[i], now, 0, multi);
		json_end_array(&j);
		if (multi) {
			json_begin_array(&j, "stock");
			for (i = 0; i < stock.n; i++) {
				json_begin_object(&j, NULL);
				json_str(&j, "location", stock.rows[i].id);
				json_int(&j, "on_hand", stock.rows[i].a);
				json_int(&j, "allocated", stock.rows[i].b);
				json_int(&j, "available", stock.rows[i].a - stock.rows[i].b);
				json_end_object(&j);
			}
			json_end_array(&j);
		}
		json_end_object(&j);
		json_finish(&j);
	} else {
		item_text(&st, &sl, multi ? &stock : NULL, now);
	}
	free(sl.rows);
	free(stock.rows);
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Orders */

typedef struct order_sum {
	int64_t ordered, allocated, backordered, shipped, cancelled;
	int64_t late_lines;
	int64_t eta;            /* the latest promise of its waiting lines; BO_NO_TIME if one is unknown */
	const char *state;
} order_sum;

static int order_summary(order_sum *s, const bo_order *o)
{
	size_t i, n = bo_order_line_count(o);
	int unknown = 0;

	memset(s, 0, sizeof(*s));
	s->eta = BO_NO_TIME;
	for (i = 0; i < n; i++) {
		bo_line_status l;
		int rc = bo_order_line(&l, o, i);

		if (rc != BO_OK)
			return rc;
		s->ordered += l.ordered;
		s->allocated += l.allocated;
		s->backordered += l.backordered;
		s->shipped += l.shipped;
		s->cancelled += l.cancelled;
		s->late_lines += l.late != 0;
		if (l.backordered > 0) {
			if (l.eta == BO_NO_TIME)
				unknown = 1;
			else if (s->eta == BO_NO_TIME || l.eta > s->eta)
				s->eta = l.eta;
		}
	}
	if (unknown)
		s->eta = BO_NO_TIME;
	s->state = s->backordered > 0 ? "waiting" : s->allocated > 0 ? "ready" : "closed";
	return BO_OK;
}

/* allocs: per line, its allocated units per location (NULL: one location) */
static void order_json(json *j, const bo_order *o, const order_sum *s, const loc_list *allocs, int64_t now,
		       int with_now)
{
	size_t i, n = bo_order_line_count(o);

	json_begin_object(j, NULL);
	if (with_now)
		json_time(j, "now", now);
	json_str(j, "order", bo_order_id(o));
	json_str(j, "state", s->state);
	json_time(j, "created", bo_order_created(o));
	json_int(j, "priority", bo_order_priority(o));
	json_time(j, "due", bo_order_due(o));
	json_str(j, "ship_mode", bo_order_ship_mode(o) == BO_SHIP_COMPLETE ? "complete" : "partial");
	json_int(j, "ordered", s->ordered);
	json_int(j, "allocated", s->allocated);
	json_int(j, "backordered", s->backordered);
	json_int(j, "shipped", s->shipped);
	json_int(j, "cancelled", s->cancelled);
	json_int(j, "late_lines", s->late_lines);
	json_time(j, "eta", s->eta);
	json_begin_array(j, "lines");
	for (i = 0; i < n; i++) {
		bo_line_status l;

		if (bo_order_line(&l, o, i) != BO_OK)
			continue;
		json_begin_object(j, NULL);
		json_str(j, "sku", l.sku);
		json_int(j, "ordered", l.ordered);
		json_int(j, "allocated", l.allocated);
		json_int(j, "backordered", l.backordered);
		json_int(j, "shipped", l.shipped);
		json_int(j, "cancelled", l.cancelled);
		json_opt(j, "unit_price", l.unit_price, BO_NO_PRICE);
		json_time(j, "eta", l.backordered > 0 ? l.eta : BO_NO_TIME);
		json_bool(j, "late", l.late);
		json_time(j, "queue_time", l.queue_time);
		if (allocs != NULL) {
			size_t k;

			json_begin_array(j, "locations");
			for (k = 0; k < allocs[i].n; k++) {
				json_begin_object(j, NULL);
				json_str(j, "location", allocs[i].rows[k].id);
				json_int(j, "allocated", allocs[i].rows[k].a);
				json_end_object(j);
			}
			json_end_array(j);
		}
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void order_text(const bo_order *o, const order_sum *s, const loc_list *allocs)
{
	static const char *const head[] = { "SKU", ">ORDERED", ">ALLOCATED", ">BACKORDERED", ">SHIPPED",
					    ">CANCELLED", ">PRICE", "ETA", "LATE" };
	char t[TRACE_TIME_LEN];
	size_t i, n = bo_order_line_count(o);
	table tb;

	kv_line(stdout, KV, "order", "%s", bo_order_id(o));
	kv_line(stdout, KV, "state", "%s", s->state);
	kv_line(stdout, KV, "created", "%s", fmt_time(t, bo_order_created(o)));
	kv_line(stdout, KV, "priority", "%" PRId64, bo_order_priority(o));
	kv_line(stdout, KV, "due", "%s", fmt_time(t, bo_order_due(o)));
	kv_line(stdout, KV, "ship_mode", "%s", bo_order_ship_mode(o) == BO_SHIP_COMPLETE ? "complete" : "partial");
	kv_line(stdout, KV, "late_lines", "%" PRId64, s->late_lines);
	kv_line(stdout, KV, "eta", "%s", fmt_time(t, s->eta));
	fputc('\n', stdout);
	table_init(&tb, 9, head);
	for (i = 0; i < n; i++) {
		bo_line_status l;

		if (bo_order_line(&l, o, i) != BO_OK)
			continue;
		table_cell(&tb, l.sku);
		table_int(&tb, l.ordered);
		table_int(&tb, l.allocated);
		table_int(&tb, l.backordered);
		table_int(&tb, l.shipped);
		table_int(&tb, l.cancelled);
		if (l.unit_price == BO_NO_PRICE)
			table_cell(&tb, "-");
		else
			table_int(&tb, l.unit_price);
		table_cell(&tb, fmt_time(t, l.backordered > 0 ? l.eta : BO_NO_TIME));
		table_cell(&tb, l.backordered > 0 ? yes_no(l.late) : "-");
	}
	table_print(&tb, stdout);
	table_free(&tb);
	if (allocs != NULL) {
		/* the pick list: where each line's allocated units are */
		static const char *const phead[] = { "SKU", "LOCATION", ">ALLOCATED" };
		int any = 0;

		table_init(&tb, 3, phead);
		for (i = 0; i < n; i++) {
			bo_line_status l;
			size_t k;

			if (bo_order_line(&l, o, i) != BO_OK)
				continue;
			for (k = 0; k < allocs[i].n; k++) {
				table_cell(&tb, l.sku);
				table_cell(&tb, allocs[i].rows[k].id);
				table_int(&tb, allocs[i].rows[k].a);
				any = 1;
			}
		}
		if (any) {
			fputc('\n', stdout);
			table_print(&tb, stdout);
		}
		table_free(&tb);
	}
}

static void free_allocs(loc_list *allocs, size_t n)
{
	size_t i;

	if (allocs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(allocs[i].rows);
	free(allocs);
}

/* Each line's allocated units per location; *out stays NULL with one location. */
static int order_allocs(cli *c, const bo_order *o, loc_list **out)
{
	size_t i, n = bo_order_line_count(o);
	loc_list *allocs;
	int rc = BO_OK;

	*out = NULL;
	if (c->nloc <= 1)
		return BO_OK;
	allocs = calloc(n ? n : 1, sizeof(*allocs));
	if (allocs == NULL)
		return oom_or(BO_ESTORAGE);
	for (i = 0; i < n && rc == BO_OK; i++) {
		bo_line_status l;

		rc = bo_order_line(&l, o, i);
		if (rc == BO_OK && l.allocated > 0)
			rc = oom_or(bo_line_alloc_foreach(c->inv, bo_order_id(o), l.sku, collect_line_alloc, &allocs[i]));
	}
	if (rc != BO_OK) {
		free_allocs(allocs, n);
		return rc;
	}
	*out = allocs;
	return BO_OK;
}

/* show order ORDER (and what place, cancel, modify, ship print) */
static int print_order(cli *c, const char *id)
{
	bo_order *o = NULL;
	loc_list *allocs = NULL;
	order_sum s;
	int rc = bo_order_get(&o, c->inv, id);

	if (rc == BO_OK)
		rc = order_summary(&s, o);
	if (rc == BO_OK)
		rc = order_allocs(c, o, &allocs);
	if (rc != BO_OK) {
		bo_order_free(o);
		return rc;
	}
	if (c->given & O_JSON) {
		json j;

		json_init(&j, stdout, 1);
		order_json(&j, o, &s, allocs, query_now(c), 1);
		json_finish(&j);
	} else {
		order_text(o, &s, allocs);
	}
	free_allocs(allocs, bo_order_line_count(o));
	bo_order_free(o);
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Locations */

/* `locations` (and what `location` prints) */
static int print_locations(cli *c)
{
	loc_list l = { NULL, 0, 0 };
	size_t i;
	int rc = oom_or(bo_location_foreach(c->inv, collect_location, &l));

	if (rc != BO_OK) {
		free(l.rows);
		return rc;
	}
	if (c->given & O_JSON) {
		json j;

		json_init(&j, stdout, 1);
		json_begin_object(&j, NULL);
		json_time(&j, "now", query_now(c));
		json_begin_array(&j, "locations");
		for (i = 0; i < l.n; i++) {
			json_begin_object(&j, NULL);
			json_str(&j, "location", l.rows[i].id);
			json_int(&j, "rank", l.rows[i].a);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		static const char *const head[] = { "LOCATION", ">RANK" };
		table tb;

		table_init(&tb, 2, head);
		for (i = 0; i < l.n; i++) {
			table_cell(&tb, l.rows[i].id);
			table_int(&tb, l.rows[i].a);
		}
		table_print(&tb, stdout);
		table_free(&tb);
	}
	free(l.rows);
	return BO_OK;
}

static int cmd_locations(cli *c)
{
	int rc;

	if (c->nargs != 0)
		return usage(c, "takes no arguments");
	rc = print_locations(c);
	return rc == BO_OK ? 0 : fail(c, rc, NULL);
}

/* ---------------------------------------------------------------- */
/* The operations */

/* A store string's SQLite file, if it names one that must exist. */
static const char *sqlite_path(const char *store)
{
	const char *p;

	if (strncmp(store, "sqlite:", 7) != 0)
		return NULL;
	p = store + 7;
	if (p[0] == '\0' || strcmp(p, ":memory:") == 0 || strncmp(p, "file:", 5) == 0)
		return NULL;
	return p;
}

static int check_args_tokens(cli *c)
{
	int i;

	for (i = 0; i < c->nargs; i++) {
		const char *a = c->args[i];

		if (a[0] == '\0') {
			say(c, "invalid: argument %d is empty", i + 1);
			return status_exit(BO_EINVALID);
		}
		if (a[strcspn(a, " \t\n\v\f\r")] != '\0') {
			say(c, "invalid: argument '%.64s' holds white space; ids, numbers and options never do", a);
			return status_exit(BO_EINVALID);
		}
		if (a[0] == '#') {
			say(c, "invalid: argument '%.64s' starts with '#', which starts a comment in the trace format", a);
			return status_exit(BO_EINVALID);
		}
	}
	return 0;
}

static int cmd_op(cli *c)
{
	trace_cmd tc;
	char *line;
	size_t len = strlen(c->cmd->name) + 1;
	int i, rc, status = 0;

	if ((status = check_args_tokens(c)) != 0)
		return status;
	for (i = 0; i < c->nargs; i++)
		len += strlen(c->args[i]) + 1;
	if (c->location != NULL) {
		/* --location LOC is the trace line's location=LOC */
		if (c->location[strcspn(c->location, " \t\n\v\f\r")] != '\0') {
			say(c, "invalid: --location '%.64s' holds white space", c->location);
			return status_exit(BO_EINVALID);
		}
		len += strlen(" location=") + strlen(c->location);
	}
	line = malloc(len + 1);
	if (line == NULL) {
		say(c, "out of memory");
		return status_exit(BO_ESTORAGE);
	}
	strcpy(line, c->cmd->name);
	for (i = 0; i < c->nargs; i++) {
		strcat(line, " ");
		strcat(line, c->args[i]);
	}
	if (c->location != NULL) {
		strcat(line, " location=");
		strcat(line, c->location);
	}
	trace_cmd_init(&tc);
	rc = trace_parse_line(&tc, line, strlen(line));
	if (rc != BO_OK) {
		const char *msg = tc.msg;
		size_t n = strlen(c->cmd->name);

		/* the parser names the operation; so does our prefix */
		if (strncmp(msg, c->cmd->name, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
			msg += n + 2;
		say(c, "%s: %s", bo_status_name(rc), msg);
		status = status_exit(rc);
		goto out;
	}
	switch (tc.op) {
	case TRACE_AT:
		c->clock = tc.time;
		c->clock_set = 1;
		rc = bo_inventory_advance(c->inv);
		break;
	case TRACE_ITEM:
		rc = bo_item_set(c->inv, tc.sku, &tc.item);
		break;
	case TRACE_LOCATION:
		rc = bo_location_set(c->inv, tc.location, tc.rank);
		if (rc == BO_OK)
			c->nloc = location_count(c->inv);
		break;
	case TRACE_RECEIVE:
		if (tc.location != NULL)
			rc = bo_item_receive_at(c->inv, tc.sku, tc.qty, tc.id, tc.location);
		else
			rc = bo_item_receive(c->inv, tc.sku, tc.qty, tc.id);
		break;
	case TRACE_ADJUST:
		if (tc.location != NULL)
			rc = bo_item_adjust_at(c->inv, tc.sku, tc.qty, tc.location);
		else
			rc = bo_item_adjust(c->inv, tc.sku, tc.qty);
		break;
	case TRACE_INCOMING:
		if (tc.location != NULL)
			rc = bo_supply_set_at(c->inv, tc.sku, tc.id, tc.qty, tc.time, tc.location);
		else
			rc = bo_supply_set(c->inv, tc.sku, tc.id, tc.qty, tc.time);
		break;
	case TRACE_PLACE:
		rc = bo_order_place(c->inv, tc.order, &tc.order_opts, tc.lines, tc.nlines);
		break;
	case TRACE_CANCEL:
		rc = bo_order_cancel(c->inv, tc.order, tc.sku, tc.qty);
		break;
	case TRACE_MODIFY:
		rc = bo_order_modify(c->inv, tc.order, tc.sku, tc.qty);
		break;
	case TRACE_SHIP:
		if (tc.location != NULL)
			rc = bo_order_ship_at(c->inv, tc.order, tc.sku, tc.qty, tc.location);
		else
			rc = bo_order_ship(c->inv, tc.order, tc.sku, tc.qty);
		break;
	case TRACE_SUBSCRIBE:
		rc = bo_item_subscribe(c->inv, tc.sku, tc.id);
		break;
	case TRACE_DUMP:
		rc = backorder_dump(c->inv, stdout);
		break;
	default:
		rc = BO_OK;
		break;
	}
	if (rc != BO_OK) {
		status = fail(c, rc, NULL);
		goto out;
	}
	if (c->given & O_QUIET)
		goto out;
	switch (tc.op) {
	case TRACE_AT: {
		char t[TRACE_TIME_LEN];
		int64_t now = query_now(c);

		if (c->given & O_JSON)
			printf("{\n  \"now\": \"%s\"\n}\n", fmt_time(t, now));
		else
			kv_line(stdout, KV, "now", "%s", fmt_time(t, now));
		break;
	}
	case TRACE_ITEM:
	case TRACE_RECEIVE:
	case TRACE_ADJUST:
	case TRACE_INCOMING:
	case TRACE_SUBSCRIBE:
		rc = print_item(c, tc.sku);
		break;
	case TRACE_PLACE:
	case TRACE_CANCEL:
	case TRACE_MODIFY:
	case TRACE_SHIP:
		rc = print_order(c, tc.order);
		break;
	case TRACE_LOCATION:
		rc = print_locations(c);
		break;
	default:
		break;
	}
	if (rc != BO_OK)
		status = fail(c, rc, "done, but reading the result back failed");
out:
	trace_cmd_free(&tc);
	free(line);
	return status;
}

/* ---------------------------------------------------------------- */
/* Queries */

static int cmd_show(cli *c)
{
	int rc;

	if (c->nargs != 2 || (strcmp(c->args[0], "item") != 0 && strcmp(c->args[0], "order") != 0))
		return usage(c, "wants `item SKU` or `order ORDER`");
	if (strcmp(c->args[0], "item") == 0)
		rc = print_item(c, c->args[1]);
	else
		rc = print_order(c, c->args[1]);
	return rc == BO_OK ? 0 : fail(c, rc, c->args[0]);
}

typedef struct waiting_ctx {
	json *j;
	table *tb;
} waiting_ctx;

static int waiting_row(void *user_data, const bo_waiting_line *w)
{
	waiting_ctx *x = user_data;
	char t[TRACE_TIME_LEN];

	if (x->j != NULL) {
		json *j = x->j;

		json_begin_object(j, NULL);
		json_int(j, "position", w->position);
		json_str(j, "order", w->order_id);
		json_int(j, "backordered", w->backordered);
		json_int(j, "units_ahead", w->units_ahead);
		json_time(j, "eta", w->eta);
		json_bool(j, "late", w->late);
		json_time(j, "queue_time", w->queue_time);
		json_end_object(j);
	} else {
		table_int(x->tb, w->position);
		table_cell(x->tb, w->order_id);
		table_int(x->tb, w->backordered);
		table_int(x->tb, w->units_ahead);
		table_cell(x->tb, fmt_time(t, w->eta));
		table_cell(x->tb, yes_no(w->late));
		table_cell(x->tb, fmt_time(t, w->queue_time));
	}
	return 0;
}

static int cmd_waiting(cli *c)
{
	static const char *const head[] = { ">POS", "ORDER", ">UNITS", ">AHEAD", "ETA", "LATE", "QUEUED" };
	bo_item_status st;
	waiting_ctx x = { NULL, NULL };
	table tb;
	json j;
	int rc;

	if (c->nargs != 1)
		return usage(c, "wants one SKU");
	/* The item must exist before anything is printed. */
	rc = bo_item_status_get(&st, c->inv, c->args[0]);
	if (rc != BO_OK)
		return fail(c, rc, NULL);
	if (c->given & O_JSON) {
		json_init(&j, stdout, 1);
		json_begin_object(&j, NULL);
		json_time(&j, "now", query_now(c));
		json_str(&j, "sku", st.sku);
		json_begin_array(&j, "lines");
		x.j = &j;
	} else {
		table_init(&tb, 7, head);
		x.tb = &tb;
	}
	rc = bo_item_waiting_foreach(c->inv, c->args[0], waiting_row, &x);
	if (x.j != NULL) {
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		if (rc == BO_OK)
			table_print(&tb, stdout);
		table_free(&tb);
	}
	return rc == BO_OK ? 0 : fail(c, rc, NULL);
}

static int cmd_items(cli *c)
{
	static const char *const head[] = { "SKU", ">ON_HAND", ">ALLOCATED", ">AVAILABLE", ">BACKORDERED", ">LINES",
					    ">LATE", ">INCOMING", "POLICY", "BACKORDER" };
	sku_list l = { NULL, 0, 0 };
	table tb;
	json j;
	size_t i;
	int rc;

	if (c->nargs != 0)
		return usage(c, "takes no arguments");
	rc = oom_or(bo_item_foreach(c->inv, collect_sku, &l));
	if (rc != BO_OK) {
		free(l.sku);
		return fail(c, rc, NULL);
	}
	if (c->given & O_JSON) {
		json_init(&j, stdout, 1);
		json_begin_object(&j, NULL);
		json_time(&j, "now", query_now(c));
		json_begin_array(&j, "items");
	} else {
		table_init(&tb, 10, head);
	}
	for (i = 0; i < l.n && rc == BO_OK; i++) {
		bo_item_status st;

		rc = bo_item_status_get(&st, c->inv, l.sku[i]);
		if (rc != BO_OK)
			break;
		if (c->given & O_JSON) {
			json_begin_object(&j, NULL);
			item_json_fields(&j, &st);
			json_end_object(&j);
		} else {
			table_cell(&tb, st.sku);
			table_int(&tb, st.on_hand);
			table_int(&tb, st.allocated);
			table_int(&tb, st.available);
			table_int(&tb, st.backordered);
			table_int(&tb, st.waiting_lines);
			table_int(&tb, st.late_lines);
			table_int(&tb, st.incoming);
			table_cell(&tb, st.policy);
			table_cell(&tb, st.backorder == BO_BACKORDER_DENY ? "deny" : "allow");
		}
	}
	free(l.sku);
	if (c->given & O_JSON) {
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		if (rc == BO_OK)
			table_print(&tb, stdout);
		table_free(&tb);
	}
	return rc == BO_OK ? 0 : fail(c, rc, NULL);
}

typedef struct orders_ctx {
	cli *c;
	json *j;
	table *tb;
	int64_t now;
} orders_ctx;

static int orders_row(void *user_data, const bo_order *o)
{
	orders_ctx *x = user_data;
	char t[TRACE_TIME_LEN];
	order_sum s;
	int rc = order_summary(&s, o);

	if (rc != BO_OK)
		return rc;
	if ((x->c->given & O_WAITING) && s.backordered == 0)
		return 0;
	if (x->j != NULL) {
		order_json(x->j, o, &s, NULL, x->now, 0);
	} else {
		table_cell(x->tb, bo_order_id(o));
		table_cell(x->tb, s.state);
		table_int(x->tb, bo_order_priority(o));
		table_int(x->tb, (int64_t)bo_order_line_count(o));
		table_int(x->tb, s.ordered);
		table_int(x->tb, s.allocated);
		table_int(x->tb, s.backordered);
		table_int(x->tb, s.shipped);
		table_int(x->tb, s.cancelled);
		table_int(x->tb, s.late_lines);
		table_cell(x->tb, s.backordered > 0 ? fmt_time(t, s.eta) : "-");
		table_cell(x->tb, fmt_time(t, bo_order_created(o)));
	}
	return 0;
}

static int cmd_orders(cli *c)
{
	static const char *const head[] = { "ORDER", "STATE", ">PRIORITY", ">LINES", ">ORDERED", ">ALLOCATED",
					    ">BACKORDERED", ">SHIPPED", ">CANCELLED", ">LATE", "ETA", "CREATED" };
	orders_ctx x = { c, NULL, NULL, 0 };
	table tb;
	json j;
	int rc;

	if (c->nargs != 0)
		return usage(c, "takes no arguments (but --waiting)");
	x.now = query_now(c);
	if (c->given & O_JSON) {
		json_init(&j, stdout, 1);
		json_begin_object(&j, NULL);
		json_time(&j, "now", x.now);
		json_begin_array(&j, "orders");
		x.j = &j;
	} else {
		table_init(&tb, 12, head);
		x.tb = &tb;
	}
	rc = bo_order_foreach(c->inv, orders_row, &x);
	if (x.j != NULL) {
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		if (rc == BO_OK)
			table_print(&tb, stdout);
		table_free(&tb);
	}
	return rc == BO_OK ? 0 : fail(c, rc, NULL);
}

static int cmd_supply(cli *c)
{
	static const char *const head[] = { "SKU", "SUPPLY", ">QTY", "EXPECTED", "OVERDUE", "LOCATION" };
	supply_list sl = { NULL, 0, 0 };
	sku_list l = { NULL, 0, 0 };
	int64_t now;
	size_t i;
	int rc = BO_OK;

	if (c->nargs > 1)
		return usage(c, "takes at most one SKU");
	if (c->nargs == 1)
		rc = oom_or(bo_supply_foreach(c->inv, c->args[0], collect_supply, &sl));
	else
		rc = oom_or(bo_item_foreach(c->inv, collect_sku, &l));
	for (i = 0; i < l.n && rc == BO_OK; i++)
		rc = oom_or(bo_supply_foreach(c->inv, l.sku[i], collect_supply, &sl));
	free(l.sku);
	if (rc != BO_OK) {
		free(sl.rows);
		return fail(c, rc, NULL);
	}
	now = query_now(c);
	if (c->given & O_JSON) {
		json j;

		json_init(&j, stdout, 1);
		json_begin_object(&j, NULL);
		json_time(&j, "now", now);
		json_begin_array(&j, "supply");
		for (i = 0; i < sl.n; i++)
			supply_json(&j, &sl.rows[i], now, 1, c->nloc > 1);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		char t[TRACE_TIME_LEN];
		table tb;

		table_init(&tb, c->nloc > 1 ? 6 : 5, head);
		for (i = 0; i < sl.n; i++) {
			table_cell(&tb, sl.rows[i].sku);
			table_cell(&tb, sl.rows[i].id);
			table_int(&tb, sl.rows[i].qty);
			table_cell(&tb, fmt_time(t, sl.rows[i].expected));
			table_cell(&tb, yes_no(sl.rows[i].expected < now));
			if (c->nloc > 1)
				table_cell(&tb, sl.rows[i].location);
		}
		table_print(&tb, stdout);
		table_free(&tb);
	}
	free(sl.rows);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Report */

static int write_stdout(void *user_data, const char *data, size_t len)
{
	return fwrite(data, 1, len, user_data) == len ? 0 : 1;
}

int backorder_report(bo_inventory *inv, const char *format, int64_t since, FILE *out)
{
	bo_report_options ro = BO_REPORT_OPTIONS_INIT;
	bo_report *r = NULL;
	int fmt, rc = bo_report_format_parse(&fmt, format);

	ro.since = since;
	if (rc == BO_OK)
		rc = bo_report_make(&r, inv, &ro);
	if (rc == BO_OK)
		rc = bo_report_write(r, fmt, write_stdout, out);
	bo_report_free(r);
	return rc;
}

static int cmd_report(cli *c)
{
	const char *format = c->format;
	int fmt, rc;

	if (c->nargs != 0)
		return usage(c, "takes no arguments (but --format and --since)");
	if (format != NULL && (c->given & O_JSON) && strcmp(format, "json") != 0)
		return usage(c, "--json and --format %s disagree", format);
	if (format == NULL)
		format = (c->given & O_JSON) ? "json" : "text";
	if (bo_report_format_parse(&fmt, format) != BO_OK)
		return usage(c, "--format wants text, csv, json or html, not '%s'", format);
	rc = backorder_report(c->inv, format, c->since, stdout);
	if (rc == BO_ESTATE)
		return EXIT_IOERR;
	return rc == BO_OK ? 0 : fail(c, rc, NULL);
}

/* ---------------------------------------------------------------- */
/* Events */

enum { OUT_OTHER = 0, OUT_PIPE, OUT_FILE };

typedef struct evout {
	int fd;
	int json;
	int kind;               /* OUT_* */
	int err;                /* errno of a failed write; EPIPE when the reader went away */
	uint64_t count;
	int multi;              /* the inventory has more than one location */
} evout;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* An id of BO_ID_MAX bytes as a JSON string: each byte quotes to at most
 * six (\ufffd, for one that is not part of a well-formed UTF-8 sequence),
 * plus the quotes and the NUL. */
#define JSON_ID_LEN (6 * BO_ID_MAX + 3)

/* With more than one location (`multi`), allocated and shipped events
 * name their location (text: ` location=LOC`; JSON: a "location" key on
 * every line, null for other kinds, so every line has the same keys). */
static size_t format_event(char *buf, size_t size, const bo_event *ev, int as_json, int multi)
{
	char eta[TRACE_TIME_LEN], tm[TRACE_TIME_LEN];
	char order[JSON_ID_LEN], sku[JSON_ID_LEN], cust[JSON_ID_LEN], loc[JSON_ID_LEN];
	const char *where = NULL;
	int n;

	if (multi && (ev->kind == BO_EVENT_ALLOCATED || ev->kind == BO_EVENT_SHIPPED))
		where = ev->location ? ev->location : "main";

	trace_format_time(eta, ev->eta);
	if (!as_json) {
		n = snprintf(buf, size, "event %" PRIu64 " %s %s %s qty=%" PRId64 " eta=%s", ev->seq,
			     bo_event_kind_name(ev->kind), ev->order_id ? ev->order_id : "-",
			     ev->sku ? ev->sku : "-", ev->qty, eta);
		if (n >= 0 && (ev->kind == BO_EVENT_BACK_IN_STOCK || ev->customer != NULL))
			n += snprintf(buf + n, size - (size_t)n, " customer=%s", ev->customer ? ev->customer : "-");
		if (n >= 0 && (size_t)n < size && where != NULL)
			n += snprintf(buf + n, size - (size_t)n, " location=%s", where);
	} else {
		if (ev->order_id)
			json_quote(order, sizeof(order), ev->order_id);
		if (ev->sku)
			json_quote(sku, sizeof(sku), ev->sku);
		if (ev->customer)
			json_quote(cust, sizeof(cust), ev->customer);
		trace_format_time(tm, ev->time);
		n = snprintf(buf, size,
			     "{\"seq\": %" PRIu64 ", \"kind\": \"%s\", \"order\": %s, \"sku\": %s, \"qty\": %" PRId64
			     ", \"eta\": %s%s%s, \"customer\": %s, \"time\": \"%s\"}",
			     ev->seq, bo_event_kind_name(ev->kind), ev->order_id ? order : "null",
			     ev->sku ? sku : "null", ev->qty, ev->eta == BO_NO_TIME ? "" : "\"",
			     ev->eta == BO_NO_TIME ? "null" : eta, ev->eta == BO_NO_TIME ? "" : "\"",
			     ev->customer ? cust : "null", tm);
		if (n >= 0 && (size_t)n < size - 1 && multi) {
			if (where != NULL)
				json_quote(loc, sizeof(loc), where);
			/* replace the closing brace */
			n--;
			n += snprintf(buf + n, size - (size_t)n, ", \"location\": %s}", where != NULL ? loc : "null");
		}
	}
	if (n < 0 || (size_t)n >= size - 1)
		n = (int)size - 2;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (size_t)n;
}

/* The reader of a pipe has closed its end. */
static int reader_gone(int fd)
{
	struct pollfd p = { fd, POLLOUT, 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
}

static void nap(long usec)
{
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * A pipe holds what was written until the reader takes it: a reader killed
 * with lines still in the pipe would lose them though write() succeeded.
 * So an event written to a pipe counts as delivered only once the pipe is
 * empty again, i.e. the reader has read it. Returns 0 then, -1 when the
 * reader went away first (or a stop was asked for).
 */
static int wait_read(evout *o)
{
	long delay = 20;

	for (;;) {
		int n = 0;

		/* Empty: the reader has the line, even if it is gone by now. */
		if (ioctl(o->fd, FIONREAD, &n) != 0 || n <= 0)
			return 0;
		if (reader_gone(o->fd)) {
			o->err = EPIPE;
			return -1;
		}
		if (stop_requested)
			return -1;
		nap(delay);
		if (delay < 10000)
			delay *= 2;
	}
}

static int write_line(evout *o, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(o->fd, buf, len);

		if (w < 0 && errno == EINTR) {
			if (stop_requested)
				return -1;
			continue;
		}
		if (w <= 0) {
			o->err = w < 0 ? errno : EIO;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The notifier: accept an event only once its line is out of our hands. */
static int deliver_event(void *user_data, const bo_event *ev)
{
	evout *o = user_data;
	char line[4 * JSON_ID_LEN + 512]; /* four ids, and room to spare for the rest */
	size_t len;

	if (stop_requested || o->err)
		return 1;
	len = format_event(line, sizeof(line), ev, o->json, o->multi);
	if (write_line(o, line, len) != 0)
		return 1;
	if (o->kind == OUT_PIPE && wait_read(o) != 0)
		return 1;
	o->count++;
	return 0;
}

static int cmd_events(cli *c)
{
	static const bo_notifier notifier = { BO_NOTIFIER_VERSION, deliver_event, NULL };
	struct sigaction sa;
	struct stat st;
	evout o;
	int rc;

	if (c->nargs != 0)
		return usage(c, "takes no arguments");
	memset(&o, 0, sizeof(o));
	o.fd = STDOUT_FILENO;
	o.json = (c->given & O_JSON) != 0;
	if (fstat(o.fd, &st) == 0)
		o.kind = S_ISFIFO(st.st_mode) ? OUT_PIPE : S_ISREG(st.st_mode) ? OUT_FILE : OUT_OTHER;

	/* A closed pipe is a write error, not a signal: the event stays pending. */
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fflush(stdout);
	rc = bo_inventory_set_notifier(c->inv, &notifier, &o);
	if (rc != BO_OK)
		return fail(c, rc, NULL);
	for (;;) {
		/* once a poll: a location made meanwhile shows from here on */
		o.multi = location_count(c->inv) > 1;
		rc = bo_inventory_dispatch(c->inv, NULL);
		if (o.err) {
			say(c, "cannot write the output (%s): %" PRIu64 " event%s written, the rest stay pending",
			    o.err == EPIPE ? "the reader went away" : strerror(o.err), o.count,
			    o.count == 1 ? "" : "s");
			return EXIT_IOERR;
		}
		if (stop_requested)
			break;
		if (rc != BO_OK)
			return fail(c, rc, NULL);
		if (!(c->given & O_FOLLOW))
			break;
		/* Sleep until the next poll, watching for the reader to go. */
		{
			long left = (long)(c->interval * 1e6);

			while (left > 0 && !stop_requested) {
				long step = left < 100000 ? left : 100000;

				if (o.kind == OUT_PIPE && reader_gone(o.fd)) {
					say(c, "the reader of the output went away: %" PRIu64 " event%s written",
					    o.count, o.count == 1 ? "" : "s");
					return EXIT_IOERR;
				}
				nap(step);
				left -= step;
			}
		}
		if (stop_requested)
			break;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* The command line */

static const command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int parse_interval(cli *c, const char *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(d > 0.0) || d > 86400.0)
		return usage(c, "--interval wants seconds above 0 (at most 86400), not '%s'", v);
	c->interval = d;
	return 0;
}

/* Options anywhere on the line (long ones only, so that `adjust SKU -3`
 * keeps its delta); `--` ends them. The first other word is the command. */
static int parse_args(cli *c, int argc, char **argv, const char **unknown_cmd)
{
	int i, only_words = 0;

	c->args = calloc((size_t)argc + 1, sizeof(*c->args));
	if (c->args == NULL) {
		fprintf(stderr, "backorder: out of memory\n");
		return EXIT_CLI_USAGE;
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *eq, *val = NULL;
		size_t nlen;
		unsigned flag = 0;
		size_t k;

		/* `-3` is a word (a delta), `-x` an option */
		if (only_words || a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9') || a[1] == '+') {
			if (c->cmd == NULL && *unknown_cmd == NULL) {
				c->cmd = find_command(a);
				if (c->cmd == NULL)
					*unknown_cmd = a;
			} else {
				c->args[c->nargs++] = argv[i];
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_words = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0) {
			c->given |= O_HELP;
			continue;
		}
		if (a[1] != '-')
			return usage(c, "unknown option '%s' (options are long ones, such as --json; "
					"write `--` before a word that starts with '-')", a);
		eq = strchr(a, '=');
		nlen = eq ? (size_t)(eq - a) : strlen(a);
		for (k = 0; k < sizeof(option_names) / sizeof(option_names[0]); k++)
			if (strlen(option_names[k]) == nlen && strncmp(a, option_names[k], nlen) == 0)
				flag = 1u << k;
		if (flag == 0)
			return usage(c, "unknown option '%.*s'", (int)nlen, a);
		if (flag == O_STORE || flag == O_AT || flag == O_INTERVAL || flag == O_FORMAT || flag == O_SINCE ||
		    flag == O_LOCATION) {
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage(c, "%s needs a value", a);
		} else if (eq != NULL) {
			return usage(c, "%.*s takes no value", (int)nlen, a);
		}
		if (c->given & flag)
			return usage(c, "%.*s given twice", (int)nlen, a);
		c->given |= flag;
		if (flag == O_STORE) {
			c->store = val;
		} else if (flag == O_AT) {
			if (trace_parse_time(&c->at, val, strlen(val)) != 0)
				return usage(c, "--at wants a TIME (YYYY-MM-DDTHH:MM:SSZ, UTC), not '%s'", val);
		} else if (flag == O_INTERVAL) {
			int rc = parse_interval(c, val);

			if (rc != 0)
				return rc;
		} else if (flag == O_FORMAT) {
			c->format = val;
		} else if (flag == O_LOCATION) {
			c->location = val;
		} else if (flag == O_SINCE) {
			if (trace_parse_time(&c->since, val, strlen(val)) != 0)
				return usage(c, "--since wants a TIME (YYYY-MM-DDTHH:MM:SSZ, UTC), not '%s'", val);
		}
	}
	return 0;
}

static int open_store(cli *c)
{
	bo_options opts = BO_OPTIONS_INIT;
	const char *path;
	int rc;

	if (c->store == NULL) {
		const char *env = getenv("BACKORDER_STORE");

		if (env == NULL || env[0] == '\0')
			return usage(c, "no store: give --store STORE or set BACKORDER_STORE "
					"(sqlite:PATH or postgres:CONNINFO; a memory store would be gone when the command ends)");
		c->store = env;
	}
	/* A query never creates a store: a mistyped path is an error, not an empty shop. */
	path = sqlite_path(c->store);
	if (!c->cmd->writes && path != NULL && access(path, F_OK) != 0) {
		say(c, "storage: cannot open store '%s': %s (only operations create a store)", c->store,
		    strerror(errno));
		return status_exit(BO_ESTORAGE);
	}
	opts.clock = cli_clock;
	opts.clock_data = c;
	opts.auto_dispatch = 0;
	rc = bo_inventory_open_store(&c->inv, c->store, &opts);
	if (rc == BO_EINVALID)
		return usage(c, "--store '%s': %s", c->store, bo_last_error());
	if (rc != BO_OK) {
		say(c, "%s: cannot open store '%s': %s", bo_status_name(rc), c->store, bo_last_error());
		return status_exit(rc);
	}
	if (c->cmd->writes && strcmp(c->store, "memory") == 0)
		say(c, "note: a memory store is gone when the command ends; nothing is kept");
	c->nloc = location_count(c->inv);
	return 0;
}

int cli_main(int argc, char **argv)
{
	const char *unknown = NULL;
	cli c;
	int status;

	memset(&c, 0, sizeof(c));
	c.at = BO_NO_TIME;
	c.since = BO_NO_TIME;
	c.interval = 1.0;
	status = parse_args(&c, argc, argv, &unknown);
	if (status != 0)
		goto out;
	if (c.cmd == NULL) {
		if (unknown != NULL && strcmp(unknown, "replay") == 0)
			fprintf(stderr, "backorder: replay takes its options after the command: "
					"backorder replay [--store STORE] [OPTIONS] [FILE|-]\n");
		else if (unknown != NULL)
			fprintf(stderr, "backorder: unknown command '%s'\nRun `backorder --help` for the commands.\n",
				unknown);
		else if (c.given & O_HELP)
			fprintf(stderr, "backorder: --help: run `backorder --help` or `backorder COMMAND --help`\n");
		else
			fprintf(stderr, "backorder: no command\nRun `backorder --help` for the commands.\n");
		/* as before there were other commands than replay */
		status = EXIT_USAGE;
		goto out;
	}
	if (c.given & O_HELP) {
		print_command_help(c.cmd);
		goto out;
	}
	if (c.given & ~(c.cmd->opts | O_ANY)) {
		size_t k;

		for (k = 0; k < sizeof(option_names) / sizeof(option_names[0]); k++)
			if (c.given & ~(c.cmd->opts | O_ANY) & (1u << k))
				break;
		status = usage(&c, "%s is not an option of this command", option_names[k]);
		goto out;
	}
	status = open_store(&c);
	if (status != 0)
		goto out;
	status = c.cmd->fn(&c);
	bo_inventory_free(c.inv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "backorder: %s: cannot write the output: %s\n", c.cmd->name, strerror(errno));
		if (status == 0)
			status = EXIT_IOERR;
	}
out:
	free(c.args);
	return status;
}
