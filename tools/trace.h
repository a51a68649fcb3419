/*
 * trace.h - the trace line parser of the `backorder` program.
 *
 * The parser turns one line of the trace format (docs/TRACE.md) into a
 * trace_cmd: the operation and its arguments, ready to be handed to the
 * public API. It never calls the library (only its header for types and
 * constants), so the libFuzzer harness in fuzz/ can drive it alone.
 *
 * The parser works in place: the tokens of the line are NUL-terminated in
 * the caller's buffer and the command points into it, so a parse allocates
 * nothing except when an order has more lines than any order before it.
 */
#ifndef BO_TOOLS_TRACE_H
#define BO_TOOLS_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include <backorder.h>

/** Operations of the trace format. */
enum trace_op {
	TRACE_NOP = 0,  /* blank line or comment */
	TRACE_AT,
	TRACE_ITEM,
	TRACE_RECEIVE,
	TRACE_ADJUST,
	TRACE_INCOMING,
	TRACE_PLACE,
	TRACE_CANCEL,
	TRACE_MODIFY,
	TRACE_SHIP,
	TRACE_SUBSCRIBE,
	TRACE_LOCATION,
	TRACE_DUMP      /* last: the fuzz harness checks op <= TRACE_DUMP */
};

/** Room for a parser message, including the NUL. */
#define TRACE_MSG_MAX 256
/** Length of a formatted TIME plus its NUL. */
#define TRACE_TIME_LEN 21

/** A `price:SKU=MINOR` option of a place line. */
typedef struct trace_price {
	const char *sku;
	int64_t price;
} trace_price;

/** One parsed line. Initialise with trace_cmd_init(), release with trace_cmd_free(). */
typedef struct trace_cmd {
	int op;                 /* enum trace_op */
	const char *sku;        /* item (at, item, receive, adjust, incoming, cancel/modify/ship line, subscribe) */
	const char *order;      /* order (place, cancel, modify, ship) */
	const char *id;         /* supply id (incoming, receive supply=) or customer (subscribe); else NULL */
	int64_t qty;            /* quantity or delta; BO_ALL when cancel/ship name none */
	int64_t time;           /* at, incoming */
	const char *location;   /* location: its id; receive, adjust, incoming, ship: location=, else NULL */
	int64_t rank;           /* location: rank= (0 when not given) */
	bo_item_settings item;  /* item */
	bo_order_options order_opts; /* place */
	bo_line_spec *lines;    /* place */
	size_t nlines;
	size_t lines_cap;
	trace_price *prices;    /* place: price options, matched to lines */
	size_t nprices;
	size_t prices_cap;
	char msg[TRACE_MSG_MAX]; /* the reason when the parse fails */
} trace_cmd;

/** Set up an empty command. */
void trace_cmd_init(trace_cmd *cmd);

/** Release the arrays a command grew. */
void trace_cmd_free(trace_cmd *cmd);

/**
 * Parse one line.
 *
 * @param cmd receives the command (its previous content is overwritten)
 * @param line the line; modified in place; must have room for line[len]
 *        (it is set to NUL). A trailing newline is white space.
 * @param len length of the line in bytes
 * @return BO_OK (cmd->op may be TRACE_NOP), BO_EPARSE or BO_EINVALID with
 *         the reason in cmd->msg, or BO_ESTORAGE when memory ran out.
 */
int trace_parse_line(trace_cmd *cmd, char *line, size_t len);

/**
 * Parse a TIME, `YYYY-MM-DDTHH:MM:SSZ` (UTC).
 * @return 0, or -1 if `s` is not a valid TIME.
 */
int trace_parse_time(int64_t *out, const char *s, size_t len);

/**
 * Format a time as `YYYY-MM-DDTHH:MM:SSZ`, or "-" for BO_NO_TIME.
 * Times outside years 0..9999 are printed as the number of seconds.
 */
void trace_format_time(char out[TRACE_TIME_LEN], int64_t t);

/** 1 if s[0..len) follows the trace id rules (1..64 printable ASCII, no space, ':' or '='). */
int trace_id_valid(const char *s, size_t len);

#endif
