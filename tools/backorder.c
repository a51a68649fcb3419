/*
 * backorder.c - the `backorder` command-line program.
 *
 * `backorder replay` applies a trace (docs/TRACE.md) to an inventory through
 * the public API only: it opens the store with bo_inventory_open_store(),
 * drives the library's clock from the trace's `at` lines, prints failed lines
 * as `error LINENO CODE: message`, and optionally the events as they are
 * dispatched and a dump of the state.
 *
 * Every other command (one per operation, the queries, `events`) is in
 * cli.c; main() below sends each command line to the one or the other.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <backorder.h>

#include "cli.h"
#include "lines.h"
#include "trace.h"

/* 2026-01-01T00:00:00Z: the clock of a new store before the first `at`. */
#define TRACE_EPOCH INT64_C(1767225600)

/* What replay's usage errors print (as before there were other commands). */
static const char replay_usage[] =
	"usage: backorder replay [--store memory|sqlite:PATH|postgres:CONNINFO] [--dump] [--events]\n"
	"                        [--stop-on-error] [--batch N] [--report FORMAT [--since TIME]] [FILE|-]\n"
	"       backorder --help | --version\n";

static const char main_usage[] =
	"usage: backorder replay [--store memory|sqlite:PATH|postgres:CONNINFO] [--dump] [--events]\n"
	"                        [--stop-on-error] [--batch N] [--report FORMAT [--since TIME]] [FILE|-]\n"
	"       backorder [--store STORE] [--at TIME] [--json] COMMAND [ARGS...]\n"
	"       backorder COMMAND --help\n"
	"       backorder --help | --version\n";

static const char main_help[] =
	"backorder - replay a trace of shop operations against a libbackorder inventory\n"
	"\n"
	"Or run the operations one at a time, query stock, queues and orders, and hand\n"
	"the events to a pipeline: backorder events --follow --json | ./mailer\n"
	"\n";

static const char main_help_tail[] =
	"\n"
	"Options of the commands other than replay (anywhere on the line):\n"
	"  --store STORE  sqlite:PATH, postgres:CONNINFO or memory; default $BACKORDER_STORE\n"
	"  --at TIME      run at TIME (YYYY-MM-DDTHH:MM:SSZ, UTC) instead of the system clock\n"
	"  --json         print JSON instead of aligned text\n"
	"  --quiet        operations: print nothing on success\n"
	"Options of the program:\n"
	"  --help     show this help\n"
	"  --version  show the program's and the library's versions\n"
	"\n"
	"Exit status: 0 success; replay: 1 when a line failed, 2 for a usage error;\n"
	"other commands: 11 parse, 12 invalid, 13 not_found, 14 exists, 15 out_of_stock,\n"
	"16 state, 17 storage, 64 usage error, 74 output not written; 2 for a missing\n"
	"or unknown command. See backorder(1).\n"
	"\n";

static const char replay_help[] =
	"usage: backorder replay [OPTIONS] [FILE|-]\n"
	"\n"
	"Apply the operations of FILE (standard input when FILE is `-` or absent),\n"
	"one a line, to an inventory. A failed line prints\n"
	"    error LINENO CODE: message\n"
	"on standard output and changes nothing; replay goes on with the next line.\n"
	"\n"
	"Options:\n"
	"  --store STORE     memory (default), sqlite:PATH or postgres:CONNINFO\n"
	"  --dump            print the state after the last line\n"
	"  --events          print each event as it is dispatched\n"
	"  --stop-on-error   stop at the first failed line\n"
	"  --batch N         run N lines per storage transaction (each line stays\n"
	"                    all-or-nothing; events are printed when a batch commits)\n"
	"  --report FORMAT   print the report (text, csv, json or html; see\n"
	"                    `backorder report --help`) after the last line\n"
	"  --since TIME      with --report: period figures from TIME's day on\n"
	"  --help            show this help\n"
	"\n"
	"Lines (TIME is YYYY-MM-DDTHH:MM:SSZ, UTC; `#` starts a comment):\n"
	"  at TIME\n"
	"  location LOC [rank=N]\n"
	"  item SKU [backorder=deny|allow] [max_backorder=QTY] [lead_time=DAYS]\n"
	"           [policy=fifo|priority|due|fair] [release_at=TIME] [preorder_max=QTY]\n"
	"  receive SKU QTY [supply=ID] [location=LOC]\n"
	"  adjust SKU DELTA [location=LOC]\n"
	"  incoming SKU ID QTY TIME [location=LOC]\n"
	"  place ORDER [priority=N] [due=TIME] [complete] [price:SKU=MINOR ...] SKU:QTY [SKU:QTY ...]\n"
	"  cancel ORDER [SKU [QTY]]\n"
	"  modify ORDER SKU QTY\n"
	"  ship ORDER [SKU [QTY]] [location=LOC]\n"
	"  subscribe SKU CUSTOMER\n"
	"  dump\n"
	"\n"
	"Error codes: parse, invalid, not_found, exists, out_of_stock, state, storage.\n"
	"\n"
	"Output formats:\n"
	"  item SKU on_hand=N allocated=N available=N backordered=N incoming=N\n"
	"  line ORDER SKU ordered=N allocated=N backordered=N shipped=N cancelled=N eta=TIME|-\n"
	"  event SEQ KIND ORDER|- SKU|- qty=N eta=TIME|- [customer=ID]\n"
	"With more than one location, an item line is followed by its stock per\n"
	"location, a line line by its allocated units per location, and allocated\n"
	"and shipped events name their location:\n"
	"  stock SKU LOC on_hand=N allocated=N\n"
	"  alloc ORDER SKU LOC qty=N\n"
	"  event SEQ allocated|shipped ORDER SKU qty=N eta=- location=LOC\n"
	"\n"
	"Exit status: 0 when every line succeeded, 1 when a line failed, 2 for a\n"
	"usage error or an input or store that cannot be read.\n"
	"\n"
	"When standard error is a terminal and the input is a file, a progress bar\n"
	"(lines done, lines per second, time left) is shown on standard error.\n";

typedef struct replay_opts {
	const char *store;
	const char *file;
	int dump;
	int events;
	int stop_on_error;
	long batch;
	const char *report;     /* --report FORMAT, or NULL */
	int64_t since;          /* --since, or BO_NO_TIME */
} replay_opts;

static void bar_erase(void);

/* ---------------------------------------------------------------- */
/* Output */

/* What the printers need: where to print, and how many locations the
 * inventory has (the location lines and the `stock`, `alloc` and event
 * ` location=` fields appear only with more than one). */
typedef struct printer {
	FILE *out;
	bo_inventory *inv;
	size_t nloc;
} printer;

static int print_event(void *user_data, const bo_event *ev)
{
	const printer *pr = user_data;
	FILE *out = pr->out;
	char eta[TRACE_TIME_LEN];

	bar_erase();
	trace_format_time(eta, ev->eta);
	fprintf(out, "event %" PRIu64 " %s %s %s qty=%" PRId64 " eta=%s", ev->seq,
		bo_event_kind_name(ev->kind), ev->order_id ? ev->order_id : "-",
		ev->sku ? ev->sku : "-", ev->qty, eta);
	if (ev->kind == BO_EVENT_BACK_IN_STOCK || ev->customer != NULL)
		fprintf(out, " customer=%s", ev->customer ? ev->customer : "-");
	if (pr->nloc > 1 && (ev->kind == BO_EVENT_ALLOCATED || ev->kind == BO_EVENT_SHIPPED))
		fprintf(out, " location=%s", ev->location ? ev->location : "main");
	fputc('\n', out);
	return 0;
}

static int discard_event(void *user_data, const bo_event *ev)
{
	(void)user_data;
	(void)ev;
	return 0;
}

/* The item or line a `stock` or `alloc` line belongs to. */
typedef struct dump_ctx {
	const printer *pr;
	const char *order;
	const char *sku;
} dump_ctx;

static int dump_stock(void *user_data, const bo_stock *s)
{
	const dump_ctx *d = user_data;

	fprintf(d->pr->out, "stock %s %s on_hand=%" PRId64 " allocated=%" PRId64 "\n", d->sku, s->location,
		s->on_hand, s->allocated);
	return 0;
}

static int dump_alloc(void *user_data, const bo_line_alloc *a)
{
	const dump_ctx *d = user_data;

	fprintf(d->pr->out, "alloc %s %s %s qty=%" PRId64 "\n", d->order, d->sku, a->location, a->qty);
	return 0;
}

static int dump_item(void *user_data, const bo_item_status *it)
{
	const printer *pr = user_data;
	dump_ctx d = { pr, NULL, it->sku };

	fprintf(pr->out, "item %s on_hand=%" PRId64 " allocated=%" PRId64 " available=%" PRId64
		" backordered=%" PRId64 " incoming=%" PRId64 "\n",
		it->sku, it->on_hand, it->allocated, it->available, it->backordered, it->incoming);
	if (pr->nloc > 1)
		return bo_item_stock_foreach(pr->inv, it->sku, dump_stock, &d);
	return 0;
}

static int dump_order(void *user_data, const bo_order *order)
{
	const printer *pr = user_data;
	FILE *out = pr->out;
	size_t i, n = bo_order_line_count(order);
	bo_line_status l;
	char eta[TRACE_TIME_LEN];
	int rc;

	for (i = 0; i < n; i++) {
		rc = bo_order_line(&l, order, i);
		if (rc != BO_OK)
			return rc;
		trace_format_time(eta, l.backordered > 0 ? l.eta : BO_NO_TIME);
		fprintf(out, "line %s %s ordered=%" PRId64 " allocated=%" PRId64 " backordered=%" PRId64
			" shipped=%" PRId64 " cancelled=%" PRId64 " eta=%s\n",
			bo_order_id(order), l.sku, l.ordered, l.allocated, l.backordered,
			l.shipped, l.cancelled, eta);
		if (pr->nloc > 1 && l.allocated > 0) {
			dump_ctx d = { pr, bo_order_id(order), l.sku };

			rc = bo_line_alloc_foreach(pr->inv, bo_order_id(order), l.sku, dump_alloc, &d);
			if (rc != BO_OK)
				return rc;
		}
	}
	return 0;
}

static int dump_state(const printer *pr)
{
	int rc;

	bar_erase();
	rc = bo_item_foreach(pr->inv, dump_item, (void *)pr);
	if (rc != BO_OK)
		return rc;
	return bo_order_foreach(pr->inv, dump_order, (void *)pr);
}

int backorder_dump(bo_inventory *inv, FILE *out)
{
	printer pr = { out, inv, 0 };

	pr.nloc = location_count(inv);
	return dump_state(&pr);
}

/* ---------------------------------------------------------------- */
/* Progress bar on standard error */

typedef struct progress {
	int on;
	double total;           /* bytes of the input */
	double done;            /* bytes read */
	uint64_t lines;
	double start;
	double last;
	int shown;              /* the bar is on the terminal now */
} progress;

/* The bar, when standard output is the same terminal: it is erased before
 * anything is printed there, so output lines never run into it. */
static progress *shared_bar;

static void bar_erase(void)
{
	if (shared_bar != NULL && shared_bar->shown) {
		fputs("\r\033[K", stderr);
		shared_bar->shown = 0;
	}
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_draw(progress *pg, double now)
{
	double el = now - pg->start;
	double frac = pg->total > 0 ? pg->done / pg->total : 1.0;
	double rate = el > 0 ? (double)pg->lines / el : 0.0;
	double left = frac > 0 && el > 0 ? el / frac - el : 0.0;
	char bar[31];
	int i, fill;

	if (frac > 1.0)
		frac = 1.0;
	fill = (int)(frac * 30.0);
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (left < 0)
		left = 0;
	fprintf(stderr, "\r[%s] %3d%%  %" PRIu64 " lines  %.0f lines/s  %d:%02d left ", bar,
		(int)(frac * 100.0), pg->lines, rate, (int)left / 60, (int)left % 60);
	fflush(stderr);
	pg->last = now;
	pg->shown = 1;
}

static void progress_tick(progress *pg, size_t bytes)
{
	double now;

	pg->lines++;
	pg->done += (double)bytes;
	if ((pg->lines & 1023) != 0)
		return;
	now = mono_now();
	if (now - pg->last >= 0.1)
		progress_draw(pg, now);
}

static void progress_end(progress *pg)
{
	if (!pg->on)
		return;
	progress_draw(pg, mono_now());
	fputc('\n', stderr);
	pg->shown = 0;
	shared_bar = NULL;
}

/* ---------------------------------------------------------------- */
/* Replay */

typedef struct replay {
	bo_inventory *inv;
	int64_t clock;
	FILE *out;
	printer pr;             /* events and dumps: output and location count */
	const replay_opts *opts;
	int failed;
	long in_batch;          /* lines run in the open batch */
	size_t batch_last;      /* line number of the last line of the open batch */
} replay;

static int64_t trace_clock(void *user_data)
{
	return *(const int64_t *)user_data;
}

/* An error line; the message is kept on one line whatever it holds. */
static void report(replay *r, size_t lineno, int code, const char *msg)
{
	bar_erase();
	fprintf(r->out, "error %zu %s: ", lineno, bo_status_name(code));
	/* one line per error: line breaks inside the message become spaces */
	while (*msg) {
		size_t n = strcspn(msg, "\r\n");
		fwrite(msg, 1, n, r->out);
		msg += n;
		if (*msg) {
			fputc(' ', r->out);
			msg++;
		}
	}
	fputc('\n', r->out);
	r->failed = 1;
}

static int run_cmd(replay *r, const trace_cmd *c)
{
	switch (c->op) {
	case TRACE_AT: {
		int64_t prev = r->clock;
		int rc;

		r->clock = c->time;
		rc = bo_inventory_advance(r->inv);
		if (rc != BO_OK)
			r->clock = prev;
		return rc;
	}
	case TRACE_ITEM:
		return bo_item_set(r->inv, c->sku, &c->item);
	case TRACE_LOCATION: {
		int rc = bo_location_set(r->inv, c->location, c->rank);

		/* A location line is rare: count again rather than track ids. */
		if (rc == BO_OK)
			r->pr.nloc = location_count(r->inv);
		return rc;
	}
	case TRACE_RECEIVE:
		if (c->location != NULL)
			return bo_item_receive_at(r->inv, c->sku, c->qty, c->id, c->location);
		return bo_item_receive(r->inv, c->sku, c->qty, c->id);
	case TRACE_ADJUST:
		if (c->location != NULL)
			return bo_item_adjust_at(r->inv, c->sku, c->qty, c->location);
		return bo_item_adjust(r->inv, c->sku, c->qty);
	case TRACE_INCOMING:
		if (c->location != NULL)
			return bo_supply_set_at(r->inv, c->sku, c->id, c->qty, c->time, c->location);
		return bo_supply_set(r->inv, c->sku, c->id, c->qty, c->time);
	case TRACE_PLACE:
		return bo_order_place(r->inv, c->order, &c->order_opts, c->lines, c->nlines);
	case TRACE_CANCEL:
		return bo_order_cancel(r->inv, c->order, c->sku, c->qty);
	case TRACE_MODIFY:
		return bo_order_modify(r->inv, c->order, c->sku, c->qty);
	case TRACE_SHIP:
		if (c->location != NULL)
			return bo_order_ship_at(r->inv, c->order, c->sku, c->qty, c->location);
		return bo_order_ship(r->inv, c->order, c->sku, c->qty);
	case TRACE_SUBSCRIBE:
		return bo_item_subscribe(r->inv, c->sku, c->id);
	case TRACE_DUMP:
		return dump_state(&r->pr);
	default:
		return BO_OK;
	}
}

/* Commit the open batch, if any. Returns 0, or -1 if the commit failed. */
static int batch_close(replay *r)
{
	int rc;

	if (r->in_batch == 0)
		return 0;
	r->in_batch = 0;
	rc = bo_inventory_batch_end(r->inv, 1);
	if (rc != BO_OK) {
		char msg[TRACE_MSG_MAX + 64];

		snprintf(msg, sizeof(msg), "the batch ending here failed to commit: %s", bo_last_error());
		report(r, r->batch_last, rc, msg);
		return -1;
	}
	return 0;
}

/* Apply one line. Returns 0 to go on, 1 to stop, -1 on a fatal error. */
static int replay_line(replay *r, trace_cmd *cmd, char *line, size_t len, size_t lineno)
{
	int rc = trace_parse_line(cmd, line, len);

	if (rc == BO_OK && cmd->op == TRACE_NOP)
		return 0;
	if (rc == BO_OK && r->opts->batch > 0) {
		if (r->in_batch == 0) {
			int brc = bo_inventory_batch_begin(r->inv);

			if (brc != BO_OK) {
				fprintf(stderr, "backorder: --batch: %s\n", bo_last_error());
				return -1;
			}
		}
		r->in_batch++;
		r->batch_last = lineno;
	}
	if (rc == BO_OK && cmd->op == TRACE_AT && cmd->time < r->clock) {
		/* The library checks `at` against the time its store has seen;
		 * a new store has seen none, and its clock still starts at
		 * 2026-01-01T00:00:00Z (TRACE.md), so the program checks too. */
		char a[TRACE_TIME_LEN], b[TRACE_TIME_LEN], msg[160];

		trace_format_time(a, cmd->time);
		trace_format_time(b, r->clock);
		snprintf(msg, sizeof(msg), "the clock (%s) is earlier than the inventory's time (%s); time never goes back",
			 a, b);
		rc = BO_EINVALID;
		report(r, lineno, rc, msg);
	} else if (rc == BO_OK) {
		rc = run_cmd(r, cmd);
		if (rc != BO_OK)
			report(r, lineno, rc, bo_last_error());
	} else {
		report(r, lineno, rc, cmd->msg);
	}
	if (r->in_batch >= r->opts->batch && batch_close(r) != 0 && r->opts->stop_on_error)
		return 1;
	return rc != BO_OK && r->opts->stop_on_error ? 1 : 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("backorder: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	fputs(replay_usage, stderr);
	return EXIT_USAGE;
}

static int parse_replay_args(replay_opts *o, int argc, char **argv)
{
	int i, only_files = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->file != NULL)
				return usage_error("replay: more than one input: '%s'", a);
			o->file = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_files = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(replay_help, stdout);
			return -1;
		} else if (strcmp(a, "--dump") == 0) {
			o->dump = 1;
		} else if (strcmp(a, "--events") == 0) {
			o->events = 1;
		} else if (strcmp(a, "--stop-on-error") == 0) {
			o->stop_on_error = 1;
		} else if (strncmp(a, "--store", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
			if (a[7] == '=')
				val = a + 8;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("replay: %s needs a value", a);
			o->store = val;
		} else if (strncmp(a, "--report", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
			int fmt;

			if (a[8] == '=')
				val = a + 9;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("replay: %s needs a value", a);
			if (bo_report_format_parse(&fmt, val) != BO_OK)
				return usage_error("replay: --report wants text, csv, json or html, not '%s'", val);
			o->report = val;
		} else if (strncmp(a, "--since", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
			if (a[7] == '=')
				val = a + 8;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("replay: %s needs a value", a);
			if (trace_parse_time(&o->since, val, strlen(val)) != 0)
				return usage_error("replay: --since wants a TIME (YYYY-MM-DDTHH:MM:SSZ, UTC), not '%s'", val);
		} else if (strncmp(a, "--batch", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
			char *end;

			if (a[7] == '=')
				val = a + 8;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("replay: %s needs a value", a);
			errno = 0;
			o->batch = strtol(val, &end, 10);
			if (errno != 0 || end == val || *end != '\0' || o->batch < 1)
				return usage_error("replay: --batch wants a number of lines >= 1, not '%s'", val);
		} else {
			return usage_error("replay: unknown option '%s'", a);
		}
	}
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	static const bo_notifier event_printer = { BO_NOTIFIER_VERSION, print_event, NULL };
	static const bo_notifier discarder = { BO_NOTIFIER_VERSION, discard_event, NULL };
	replay_opts o = { "memory", NULL, 0, 0, 0, 0, NULL, BO_NO_TIME };
	bo_options bopts = BO_OPTIONS_INIT;
	replay r;
	trace_cmd cmd;
	progress pg;
	FILE *in;
	line_reader lr;
	char *line;
	size_t len, raw, lineno = 0;
	int rc, status, stop = 0, more;

	rc = parse_replay_args(&o, argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (o.since != BO_NO_TIME && o.report == NULL)
		return usage_error("replay: %s goes with --report", "--since");

	memset(&r, 0, sizeof(r));
	memset(&pg, 0, sizeof(pg));
	r.opts = &o;
	r.out = stdout;
	r.clock = TRACE_EPOCH;

	if (o.file == NULL || strcmp(o.file, "-") == 0) {
		in = stdin;
	} else {
		struct stat st;

		in = fopen(o.file, "r");
		if (in == NULL) {
			fprintf(stderr, "backorder: cannot open '%s': %s\n", o.file, strerror(errno));
			return EXIT_USAGE;
		}
		if (isatty(STDERR_FILENO) && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode)) {
			pg.on = 1;
			pg.total = (double)st.st_size;
			pg.start = pg.last = mono_now();
			if (isatty(STDOUT_FILENO))
				shared_bar = &pg;
		}
	}

	line_reader_init(&lr, fileno(in));
	bopts.clock = trace_clock;
	bopts.clock_data = &r.clock;
	rc = bo_inventory_open_store(&r.inv, o.store, &bopts);
	if (rc != BO_OK) {
		fprintf(stderr, "backorder: cannot open store '%s': %s\n", o.store, bo_last_error());
		if (in != stdin)
			fclose(in);
		return EXIT_USAGE;
	}
	{
		int64_t now;

		rc = bo_inventory_now(&now, r.inv);
		if (rc != BO_OK) {
			fprintf(stderr, "backorder: cannot read the store's clock: %s\n", bo_last_error());
			goto fatal;
		}
		r.clock = now > TRACE_EPOCH ? now : TRACE_EPOCH;
	}
	/* One count at start (a durable store may hold locations already);
	 * then the location lines keep it. */
	r.pr.out = stdout;
	r.pr.inv = r.inv;
	r.pr.nloc = location_count(r.inv);
	rc = bo_inventory_set_notifier(r.inv, o.events ? &event_printer : &discarder, &r.pr);
	if (rc != BO_OK) {
		fprintf(stderr, "backorder: cannot set the notifier: %s\n", bo_last_error());
		goto fatal;
	}

	trace_cmd_init(&cmd);
	while (!stop && (more = line_reader_next(&lr, &line, &len, &raw)) > 0) {
		lineno++;
		rc = replay_line(&r, &cmd, line, len, lineno);
		if (rc < 0) {
			trace_cmd_free(&cmd);
			goto fatal;
		}
		stop = rc > 0;
		if (pg.on)
			progress_tick(&pg, raw);
	}
	trace_cmd_free(&cmd);
	if (!stop && more < 0) {
		fprintf(stderr, "backorder: cannot read '%s': %s\n", o.file ? o.file : "-", strerror(lr.err));
		goto fatal;
	}
	batch_close(&r);
	progress_end(&pg);
	if (o.dump) {
		rc = dump_state(&r.pr);
		if (rc != BO_OK)
			fprintf(stderr, "backorder: dump failed: %s\n", bo_last_error());
	}
	status = r.failed ? EXIT_LINES_FAILED : EXIT_SUCCESS;
	if (o.dump && rc != BO_OK)
		status = EXIT_USAGE;
	if (o.report != NULL) {
		fflush(stdout);
		rc = backorder_report(r.inv, o.report, o.since, stdout);
		if (rc != BO_OK) {
			fprintf(stderr, "backorder: report failed: %s\n", bo_last_error());
			status = EXIT_USAGE;
		}
	}
	bo_inventory_free(r.inv);
	line_reader_free(&lr);
	if (in != stdin)
		fclose(in);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "backorder: cannot write the output\n");
		return EXIT_USAGE;
	}
	return status;

fatal:
	if (r.in_batch)
		bo_inventory_batch_end(r.inv, 1);
	progress_end(&pg);
	fflush(stdout);
	bo_inventory_free(r.inv);
	line_reader_free(&lr);
	if (in != stdin)
		fclose(in);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(main_usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(main_help, stdout);
		cli_print_commands(stdout);
		fputs(main_help_tail, stdout);
		fputs(main_usage, stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("backorder %s (libbackorder %s)\n", BO_VERSION_STRING, bo_version());
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 2, argv + 2);
	return cli_main(argc - 1, argv + 1);
}
