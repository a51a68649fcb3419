/*
 * cli.h - the operator commands of the `backorder` program (everything but
 * `replay`, which lives in backorder.c): one command per operation, the
 * queries, and `events`. See docs/man/backorder.1.in.
 */
#ifndef BO_TOOLS_CLI_H
#define BO_TOOLS_CLI_H

#include <stdio.h>

#include <backorder.h>

/* Exit statuses. 1 and 2 are replay's (docs/TRACE.md); a missing or
 * unknown command also exits 2, as it did before there were other commands. */
enum {
	EXIT_LINES_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_STATUS_BASE = 10,  /* a failed operation: 10 + |status|, 11 (parse) .. 17 (storage) */
	EXIT_CLI_USAGE = 64,    /* EX_USAGE: a command line the program cannot use */
	EXIT_IOERR = 74         /* EX_IOERR: the output could not be written */
};

/**
 * Run an operator command. `argv[0]` is the first argument after the
 * program name (an option or the command name). Returns the exit status.
 */
int cli_main(int argc, char **argv);

/** The list of operator commands for the program's --help. */
void cli_print_commands(FILE *out);

/** Write the report (bo_report_make()) in `format` ("text", "csv", "json",
 * "html") from `since` (BO_NO_TIME: all history) to `out`. Returns a
 * bo_status; BO_ESTATE when `out` could not be written. */
int backorder_report(bo_inventory *inv, const char *format, int64_t since, FILE *out);

/** The number of locations, "main" included; 1 when the inventory cannot
 * list them (a store without locations). */
size_t location_count(bo_inventory *inv);

/** The dump format of docs/TRACE.md (defined in backorder.c). */
int backorder_dump(bo_inventory *inv, FILE *out);

#endif
