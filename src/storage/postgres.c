/*
 * The PostgreSQL storage adapter: one inventory in the tables of one schema,
 * shared by any number of connections, processes and machines.
 *
 * It sees only the storage vtable (backorder/storage.h) and its own public
 * header, never the core. Design, in short (docs/POSTGRES.md has the rest):
 *
 * - The tables live in the connection's current schema. A one-row table
 *   schema_version holds the schema version; a list of forward migrations
 *   brings older schemas up to date at open, inside one transaction that
 *   holds the inventory's advisory lock (so two processes opening a new
 *   schema at once create it once).
 * - Ids are bytea, not text: an id may hold any byte above 0x20 (0x7f
 *   excepted), which a UTF8 database would refuse as text, and bytea
 *   compares bytewise (memcmp, then length), the order the contract asks
 *   for. Policy names and metadata keys are ASCII text COLLATE "C".
 * - Every callback runs one statement prepared with PQprepare at open,
 *   through PQexecPrepared with binary parameters and binary results
 *   (8-byte big-endian integers, raw bytea): nothing to escape or parse.
 * - begin = BEGIN ISOLATION LEVEL READ COMMITTED plus
 *   pg_advisory_xact_lock(key) in the same round trip. The key is derived
 *   from the schema's OID, so every transaction on one inventory, from any
 *   connection, runs alone: each library call is serialisable and no two
 *   calls can deadlock (there is only one lock). `for_update` needs nothing
 *   more. The lock goes with COMMIT or ROLLBACK.
 * - uint64 sequence numbers are stored as bigint through an
 *   order-preserving map (the top bit flipped), as in the SQLite adapter.
 * - Savepoints are SAVEPOINT spN / RELEASE SAVEPOINT spN / ROLLBACK TO
 *   SAVEPOINT spN, N the nesting depth.
 */
#include <backorder/storage.h>
#include <backorder/postgres.h>

#include <libpq-fe.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ libpq, lazily
 *
 * libpq is loaded with dlopen() the first time a PostgreSQL store is
 * opened, not linked. Linking it made every process that loads
 * libbackorder load libpq and its 20-odd dependencies (TLS, Kerberos,
 * LDAP, SASL...): about 12 million instructions of relocation at start-up,
 * a third of the run of a small `backorder replay` on the memory store, and
 * a hard runtime dependency for shops that never use PostgreSQL. The
 * headers still give every function its exact type. A process that links
 * libpq itself gets the same copy back from dlopen(). */
#define PQ_FUNCS(X)                                                                          \
	X(PQbinaryTuples) X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdb)             \
	X(PQerrorMessage) X(PQexec) X(PQexecPrepared) X(PQfinish) X(PQgetisnull)             \
	X(PQgetlength) X(PQgetvalue) X(PQnfields) X(PQntuples) X(PQprepare) X(PQreset)        \
	X(PQresultErrorMessage) X(PQresultStatus) X(PQsetNoticeProcessor) X(PQstatus)         \
	X(PQtransactionStatus)

static struct {
#define X(f) __typeof__(f) *f;
	PQ_FUNCS(X)
#undef X
} pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_error[256]; /* empty once libpq is loaded */

static void pq_load(void)
{
	/* BO_LIBPQ names another file (a libpq outside the loader's path);
	 * the default is the soname of libpq's stable ABI since PostgreSQL 8.2. */
	const char *name = getenv("BO_LIBPQ");
	void *h;
	if (!name || !*name)
		name = "libpq.so.5";
	if (!(h = dlopen(name, RTLD_NOW | RTLD_LOCAL))) {
		const char *e = dlerror();
		snprintf(pq_error, sizeof(pq_error), "cannot load libpq (%s): %s", name, e ? e : "dlopen failed");
		return;
	}
#define X(f)                                                                                  \
	if (!(*(void **)&pq.f = dlsym(h, #f))) {                                              \
		snprintf(pq_error, sizeof(pq_error), "libpq has no %s", #f);                     \
		return;                                                                       \
	}
	PQ_FUNCS(X)
#undef X
}

/* Whether libpq is loaded (loading it on the first call); thread-safe. */
static int pq_ready(void)
{
	if (pthread_once(&pq_once, pq_load) != 0)
		return 0;
	return pq_error[0] == '\0';
}

/* From here on, every PQ call goes through the table. */
#define PQbinaryTuples (pq.PQbinaryTuples)
#define PQclear (pq.PQclear)
#define PQcmdStatus (pq.PQcmdStatus)
#define PQcmdTuples (pq.PQcmdTuples)
#define PQconnectdb (pq.PQconnectdb)
#define PQerrorMessage (pq.PQerrorMessage)
#define PQexec (pq.PQexec)
#define PQexecPrepared (pq.PQexecPrepared)
#define PQfinish (pq.PQfinish)
#define PQgetisnull (pq.PQgetisnull)
#define PQgetlength (pq.PQgetlength)
#define PQgetvalue (pq.PQgetvalue)
#define PQnfields (pq.PQnfields)
#define PQntuples (pq.PQntuples)
#define PQprepare (pq.PQprepare)
#define PQreset (pq.PQreset)
#define PQresultErrorMessage (pq.PQresultErrorMessage)
#define PQresultStatus (pq.PQresultStatus)
#define PQsetNoticeProcessor (pq.PQsetNoticeProcessor)
#define PQstatus (pq.PQstatus)
#define PQtransactionStatus (pq.PQtransactionStatus)

/* "bord" (as the SQLite adapter's application_id): the high half of every lock key. */
#define BO_PG_LOCK_CLASS 0x626f7264
/* Longest metadata key, as the storage contract says. */
#define BO_META_KEY_MAX 31
/* Most parameters of one statement (item_put has 20). */
#define BO_PG_MAX_PARAMS 20

/* Type OIDs of the parameters (pg_type.h is a server header). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25

/* ---------------------------------------------------------------- schema */

/*
 * Forward migrations: step i brings a schema from version i to i + 1.
 * Append new steps, never edit a step that shipped.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the initial schema. */
	"CREATE TABLE schema_version (version bigint NOT NULL);"
	"INSERT INTO schema_version (version) VALUES (0);"
	"CREATE TABLE items ("
	" sku bytea NOT NULL PRIMARY KEY,"
	" policy text COLLATE \"C\" NOT NULL,"
	" on_hand bigint NOT NULL, allocated bigint NOT NULL,"
	" backordered bigint NOT NULL, incoming bigint NOT NULL,"
	" backorder bigint NOT NULL, released bigint NOT NULL,"
	" max_backorder bigint NOT NULL, lead_time bigint NOT NULL,"
	" release_at bigint NOT NULL, preorder_max bigint NOT NULL,"
	" subscribers bigint NOT NULL, demand bigint NOT NULL,"
	" filled_at_once bigint NOT NULL, shipped bigint NOT NULL,"
	" cancelled bigint NOT NULL, revenue_held bigint NOT NULL,"
	" created bigint NOT NULL, eta_time bigint NOT NULL);"
	"CREATE TABLE orders ("
	" id bytea NOT NULL PRIMARY KEY,"
	" created bigint NOT NULL, priority bigint NOT NULL,"
	" due bigint NOT NULL, ship_mode bigint NOT NULL,"
	" ready bigint NOT NULL, nlines bigint NOT NULL);"
	"CREATE TABLE lines ("
	" order_id bytea NOT NULL, idx bigint NOT NULL,"
	" sku bytea NOT NULL,"
	" placed bigint NOT NULL, ordered bigint NOT NULL,"
	" allocated bigint NOT NULL, backordered bigint NOT NULL,"
	" shipped bigint NOT NULL, cancelled bigint NOT NULL,"
	" unit_price bigint NOT NULL, queue_time bigint NOT NULL,"
	" eta bigint NOT NULL,"
	" k0 bigint NOT NULL, k1 bigint NOT NULL, k2 bigint NOT NULL,"
	" seq bigint NOT NULL,"
	" PRIMARY KEY (order_id, idx));"
	"CREATE TABLE queues ("
	" queue bigint NOT NULL, sku bytea NOT NULL,"
	" k0 bigint NOT NULL, k1 bigint NOT NULL, k2 bigint NOT NULL,"
	" seq bigint NOT NULL,"
	" order_id bytea NOT NULL, idx bigint NOT NULL,"
	" PRIMARY KEY (queue, sku, k0, k1, k2, seq));"
	"CREATE TABLE supply ("
	" sku bytea NOT NULL, id bytea NOT NULL,"
	" qty bigint NOT NULL, expected bigint NOT NULL,"
	" PRIMARY KEY (sku, id));"
	"CREATE INDEX supply_by_time ON supply (sku, expected, id);"
	"CREATE TABLE subs ("
	" sku bytea NOT NULL, seq bigint NOT NULL,"
	" customer bytea NOT NULL,"
	" PRIMARY KEY (sku, seq));"
	"CREATE TABLE outbox ("
	" seq bigint NOT NULL PRIMARY KEY,"
	" kind bigint NOT NULL,"
	" order_id bytea NOT NULL, sku bytea NOT NULL, customer bytea NOT NULL,"
	" qty bigint NOT NULL, eta bigint NOT NULL, ev_time bigint NOT NULL);"
	"CREATE TABLE meta ("
	" key text COLLATE \"C\" NOT NULL PRIMARY KEY,"
	" value bigint NOT NULL);",
	/*
	 * 1 -> 2: the basis each waiting line's ETA was promised on
	 * (bo_line_rec.eta_basis, eta_base, eta_release; storage version 2).
	 * Existing lines get BO_BASIS_NONE (0), base 0 and release BO_NO_TIME:
	 * "no promise stored", as storage.h defines it; their ETA stays as it
	 * was. (Computing a basis would take the core's cover walk.)
	 * Constant defaults: PostgreSQL 11 and later add such columns without
	 * rewriting the table.
	 */
	"ALTER TABLE lines"
	" ADD COLUMN eta_basis bigint NOT NULL DEFAULT 0,"
	" ADD COLUMN eta_base bigint NOT NULL DEFAULT 0,"
	" ADD COLUMN eta_release bigint NOT NULL DEFAULT (-9223372036854775807 - 1);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ------------------------------------------------------------ statements */

enum {
	ST_ITEM_GET,
	ST_ITEM_PUT,
	ST_ITEM_FIRST,
	ST_ITEM_NEXT,
	ST_ORDER_GET,
	ST_ORDER_PUT,
	ST_ORDER_FIRST,
	ST_ORDER_NEXT,
	ST_LINE_GET,
	ST_LINE_PUT,
	ST_QUEUE_INSERT,
	ST_QUEUE_REMOVE,
	ST_QUEUE_HEAD,
	ST_QUEUE_NEXT,
	ST_QUEUE_TAIL,
	ST_QUEUE_PREV,
	ST_SUPPLY_GET,
	ST_SUPPLY_PUT,
	ST_SUPPLY_DEL,
	ST_SUPPLY_FIRST,
	ST_SUPPLY_NEXT,
	ST_SUB_ADD,
	ST_SUB_NEXT,
	ST_SUB_DEL,
	ST_OUTBOX_APPEND,
	ST_OUTBOX_NEXT,
	ST_OUTBOX_ACK,
	ST_META_GET,
	ST_META_PUT,
	ST_COUNT
};

#define ITEM_COLS "sku, policy, on_hand, allocated, backordered, incoming," \
	" backorder, released, max_backorder, lead_time, release_at," \
	" preorder_max, subscribers, demand, filled_at_once, shipped," \
	" cancelled, revenue_held, created, eta_time"
#define ITEM_SET "policy = EXCLUDED.policy, on_hand = EXCLUDED.on_hand," \
	" allocated = EXCLUDED.allocated, backordered = EXCLUDED.backordered," \
	" incoming = EXCLUDED.incoming, backorder = EXCLUDED.backorder," \
	" released = EXCLUDED.released, max_backorder = EXCLUDED.max_backorder," \
	" lead_time = EXCLUDED.lead_time, release_at = EXCLUDED.release_at," \
	" preorder_max = EXCLUDED.preorder_max, subscribers = EXCLUDED.subscribers," \
	" demand = EXCLUDED.demand, filled_at_once = EXCLUDED.filled_at_once," \
	" shipped = EXCLUDED.shipped, cancelled = EXCLUDED.cancelled," \
	" revenue_held = EXCLUDED.revenue_held, created = EXCLUDED.created," \
	" eta_time = EXCLUDED.eta_time"
#define ORDER_COLS "id, created, priority, due, ship_mode, ready, nlines"
#define ORDER_SET "created = EXCLUDED.created, priority = EXCLUDED.priority," \
	" due = EXCLUDED.due, ship_mode = EXCLUDED.ship_mode," \
	" ready = EXCLUDED.ready, nlines = EXCLUDED.nlines"
#define LINE_COLS "order_id, idx, sku, placed, ordered, allocated," \
	" backordered, shipped, cancelled, unit_price, queue_time, eta," \
	" k0, k1, k2, seq, eta_basis, eta_base, eta_release"
#define LINE_SET "sku = EXCLUDED.sku, placed = EXCLUDED.placed," \
	" ordered = EXCLUDED.ordered, allocated = EXCLUDED.allocated," \
	" backordered = EXCLUDED.backordered, shipped = EXCLUDED.shipped," \
	" cancelled = EXCLUDED.cancelled, unit_price = EXCLUDED.unit_price," \
	" queue_time = EXCLUDED.queue_time, eta = EXCLUDED.eta," \
	" k0 = EXCLUDED.k0, k1 = EXCLUDED.k1, k2 = EXCLUDED.k2, seq = EXCLUDED.seq," \
	" eta_basis = EXCLUDED.eta_basis, eta_base = EXCLUDED.eta_base," \
	" eta_release = EXCLUDED.eta_release"
#define QUEUE_COLS "sku, order_id, idx, k0, k1, k2, seq"
#define SUPPLY_COLS "sku, id, qty, expected"
#define SUB_COLS "sku, customer, seq"
#define EVENT_COLS "seq, kind, order_id, sku, customer, qty, eta, ev_time"
#define QUEUE_ORDER " ORDER BY k0, k1, k2, seq"
#define QUEUE_ORDER_DESC " ORDER BY k0 DESC, k1 DESC, k2 DESC, seq DESC"

/*
 * One prepared statement: what it serves (for messages), the types of its
 * parameters ('b' bytea, 'i' bigint, 't' text) and its SQL.
 */
typedef struct stmt_def {
	const char *what;
	const char *types;
	const char *sql;
} stmt_def;

static const stmt_def stmts[ST_COUNT] = {
	[ST_ITEM_GET] = { "item_get", "b",
		"SELECT " ITEM_COLS " FROM items WHERE sku = $1" },
	[ST_ITEM_PUT] = { "item_put", "btiiiiiiiiiiiiiiiiii",
		"INSERT INTO items (" ITEM_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7,"
		" $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
		" ON CONFLICT (sku) DO UPDATE SET " ITEM_SET },
	[ST_ITEM_FIRST] = { "item_next", "",
		"SELECT " ITEM_COLS " FROM items ORDER BY sku LIMIT 1" },
	[ST_ITEM_NEXT] = { "item_next", "b",
		"SELECT " ITEM_COLS " FROM items WHERE sku > $1 ORDER BY sku LIMIT 1" },
	[ST_ORDER_GET] = { "order_get", "b",
		"SELECT " ORDER_COLS " FROM orders WHERE id = $1" },
	[ST_ORDER_PUT] = { "order_put", "biiiiii",
		"INSERT INTO orders (" ORDER_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
		" ON CONFLICT (id) DO UPDATE SET " ORDER_SET },
	[ST_ORDER_FIRST] = { "order_next", "",
		"SELECT " ORDER_COLS " FROM orders ORDER BY id LIMIT 1" },
	[ST_ORDER_NEXT] = { "order_next", "b",
		"SELECT " ORDER_COLS " FROM orders WHERE id > $1 ORDER BY id LIMIT 1" },
	[ST_LINE_GET] = { "line_get", "bi",
		"SELECT " LINE_COLS " FROM lines WHERE order_id = $1 AND idx = $2" },
	[ST_LINE_PUT] = { "line_put", "bibiiiiiiiiiiiiiiii",
		"INSERT INTO lines (" LINE_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7,"
		" $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
		" ON CONFLICT (order_id, idx) DO UPDATE SET " LINE_SET },
	[ST_QUEUE_INSERT] = { "queue_insert", "bbiiiiii",
		"INSERT INTO queues (queue, " QUEUE_COLS ") VALUES ($8, $1, $2, $3, $4, $5, $6, $7)" },
	[ST_QUEUE_REMOVE] = { "queue_remove", "ibiiii",
		"DELETE FROM queues WHERE queue = $1 AND sku = $2"
		" AND k0 = $3 AND k1 = $4 AND k2 = $5 AND seq = $6" },
	[ST_QUEUE_HEAD] = { "queue_next", "ib",
		"SELECT " QUEUE_COLS " FROM queues WHERE queue = $1 AND sku = $2"
		QUEUE_ORDER " LIMIT 1" },
	[ST_QUEUE_NEXT] = { "queue_next", "ibiiii",
		"SELECT " QUEUE_COLS " FROM queues WHERE queue = $1 AND sku = $2"
		" AND (k0, k1, k2, seq) > ($3, $4, $5, $6)" QUEUE_ORDER " LIMIT 1" },
	[ST_QUEUE_TAIL] = { "queue_prev", "ib",
		"SELECT " QUEUE_COLS " FROM queues WHERE queue = $1 AND sku = $2"
		QUEUE_ORDER_DESC " LIMIT 1" },
	[ST_QUEUE_PREV] = { "queue_prev", "ibiiii",
		"SELECT " QUEUE_COLS " FROM queues WHERE queue = $1 AND sku = $2"
		" AND (k0, k1, k2, seq) < ($3, $4, $5, $6)" QUEUE_ORDER_DESC " LIMIT 1" },
	[ST_SUPPLY_GET] = { "supply_get", "bb",
		"SELECT " SUPPLY_COLS " FROM supply WHERE sku = $1 AND id = $2" },
	[ST_SUPPLY_PUT] = { "supply_put", "bbii",
		"INSERT INTO supply (" SUPPLY_COLS ") VALUES ($1, $2, $3, $4)"
		" ON CONFLICT (sku, id) DO UPDATE SET qty = EXCLUDED.qty,"
		" expected = EXCLUDED.expected" },
	[ST_SUPPLY_DEL] = { "supply_del", "bb",
		"DELETE FROM supply WHERE sku = $1 AND id = $2" },
	[ST_SUPPLY_FIRST] = { "supply_next", "b",
		"SELECT " SUPPLY_COLS " FROM supply WHERE sku = $1"
		" ORDER BY expected, id LIMIT 1" },
	[ST_SUPPLY_NEXT] = { "supply_next", "bib",
		"SELECT " SUPPLY_COLS " FROM supply WHERE sku = $1"
		" AND (expected, id) > ($2, $3) ORDER BY expected, id LIMIT 1" },
	[ST_SUB_ADD] = { "sub_add", "bbi",
		"INSERT INTO subs (" SUB_COLS ") VALUES ($1, $2, $3)" },
	[ST_SUB_NEXT] = { "sub_next", "bi",
		"SELECT " SUB_COLS " FROM subs WHERE sku = $1 AND seq > $2"
		" ORDER BY seq LIMIT 1" },
	[ST_SUB_DEL] = { "sub_del", "bi",
		"DELETE FROM subs WHERE sku = $1 AND seq = $2" },
	[ST_OUTBOX_APPEND] = { "outbox_append", "iibbbiii",
		"INSERT INTO outbox (" EVENT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)" },
	[ST_OUTBOX_NEXT] = { "outbox_next", "i",
		"SELECT " EVENT_COLS " FROM outbox WHERE seq > $1 ORDER BY seq LIMIT 1" },
	[ST_OUTBOX_ACK] = { "outbox_ack", "i",
		"DELETE FROM outbox WHERE seq <= $1" },
	[ST_META_GET] = { "meta_get", "t",
		"SELECT value FROM meta WHERE key = $1" },
	[ST_META_PUT] = { "meta_put", "ti",
		"INSERT INTO meta (key, value) VALUES ($1, $2)"
		" ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value" },
};

typedef struct bo_pg {
	PGconn *conn;
	int64_t lock_key;       /* advisory lock of this inventory */
	char begin_sql[128];    /* BEGIN ...; SELECT pg_advisory_xact_lock(key) */
	size_t sp_depth;        /* savepoints open now */
} bo_pg;

/* Parameters of one statement, binary format. */
typedef struct params {
	int n;
	int bad;                                /* an id was missing or too long */
	const char *val[BO_PG_MAX_PARAMS];
	int len[BO_PG_MAX_PARAMS];
	int fmt[BO_PG_MAX_PARAMS];
	unsigned char num[BO_PG_MAX_PARAMS][8];
} params;

/* ---------------------------------------------------------------- helpers */

/* Report `msg` (a libpq message: multi-line, newline-terminated) on one line. */
static int fail_msg(const char *what, const char *msg)
{
	char buf[512];
	size_t i, n = 0;
	if (!msg || !*msg)
		msg = "unknown error";
	for (i = 0; msg[i] && n + 1 < sizeof(buf); i++) {
		char c = msg[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		buf[n++] = c;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	bo_storage_error("postgres: %s: %s", what, buf);
	return BO_ESTORAGE;
}

static int fail_conn(bo_pg *s, const char *what)
{
	return fail_msg(what, s->conn ? PQerrorMessage(s->conn) : "out of memory");
}

/* Order-preserving map of uint64 onto int64 (and back). */
static int64_t seq_to_db(uint64_t seq)
{
	uint64_t flipped = seq ^ (UINT64_C(1) << 63);
	int64_t v;
	memcpy(&v, &flipped, sizeof(v));
	return v;
}

static uint64_t seq_from_db(int64_t v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	return u ^ (UINT64_C(1) << 63);
}

/* Length of `s` if it is at most `max` bytes, else -1 (also for NULL). */
static int bounded_len(const char *s, size_t max)
{
	size_t n;
	if (!s)
		return -1;
	for (n = 0; n <= max; n++)
		if (s[n] == '\0')
			return (int)n;
	return -1;
}

static void p_init(params *p)
{
	p->n = 0;
	p->bad = 0;
}

static void p_i64(params *p, int64_t v)
{
	uint64_t u;
	int i;
	memcpy(&u, &v, sizeof(u));
	for (i = 7; i >= 0; i--) {
		p->num[p->n][i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
	p->val[p->n] = (const char *)p->num[p->n];
	p->len[p->n] = 8;
	p->fmt[p->n] = 1;
	p->n++;
}

static void p_seq(params *p, uint64_t seq)
{
	p_i64(p, seq_to_db(seq));
}

/* A NUL-terminated string of at most `max` bytes (bytea or text). */
static void p_str(params *p, const char *s, size_t max)
{
	int n = bounded_len(s, max);
	if (n < 0) {
		p->bad = 1;
		n = 0;
		s = "";
	}
	p->val[p->n] = s;
	p->len[p->n] = n;
	p->fmt[p->n] = 1;
	p->n++;
}

/*
 * Run prepared statement `id` with `p`. Returns the result (status checked:
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK) or NULL with the error reported.
 */
static PGresult *run(bo_pg *s, int id, const params *p)
{
	char name[16];
	PGresult *r;
	ExecStatusType st;

	if (p->bad) {
		fail_msg(stmts[id].what, "id missing, too long or not terminated");
		return NULL;
	}
	snprintf(name, sizeof(name), "bo_%d", id);
	r = PQexecPrepared(s->conn, name, p->n, p->val, p->len, p->fmt, 1);
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		if (r && PQresultErrorMessage(r)[0])
			fail_msg(stmts[id].what, PQresultErrorMessage(r));
		else
			fail_conn(s, stmts[id].what);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Run a statement that returns no row. */
static int run_done(bo_pg *s, int id, const params *p)
{
	PGresult *r = run(s, id, p);
	if (!r)
		return BO_ESTORAGE;
	PQclear(r);
	return BO_OK;
}

/* Run a DELETE; #BO_ENOTFOUND when it deleted nothing. */
static int run_delete(bo_pg *s, int id, const params *p)
{
	PGresult *r = run(s, id, p);
	int rc;
	if (!r)
		return BO_ESTORAGE;
	rc = strcmp(PQcmdTuples(r), "0") == 0 ? BO_ENOTFOUND : BO_OK;
	PQclear(r);
	return rc;
}

/*
 * Run a query returning at most one row. BO_OK with *out set (the caller
 * reads row 0 and PQclear()s it), or BO_ENOTFOUND / BO_ESTORAGE.
 */
static int run_row(bo_pg *s, int id, const params *p, int ncols, PGresult **out)
{
	PGresult *r = run(s, id, p);
	*out = NULL;
	if (!r)
		return BO_ESTORAGE;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return BO_ENOTFOUND;
	}
	if (PQnfields(r) != ncols || PQbinaryTuples(r) != 1) {
		PQclear(r);
		return fail_msg(stmts[id].what, "unexpected result shape");
	}
	*out = r;
	return BO_OK;
}

/* Read a bigint column of row 0; clears *ok on a malformed value. */
static int64_t col_i64(const PGresult *r, int col, int *ok)
{
	const unsigned char *b;
	uint64_t u = 0;
	int64_t v;
	int i;
	if (PQgetisnull(r, 0, col) || PQgetlength(r, 0, col) != 8) {
		*ok = 0;
		return 0;
	}
	b = (const unsigned char *)PQgetvalue(r, 0, col);
	for (i = 0; i < 8; i++)
		u = (u << 8) | b[i];
	memcpy(&v, &u, sizeof(v));
	return v;
}

/* Copy a bytea/text column of row 0 into `dst` of `cap` bytes. */
static void col_str(const PGresult *r, int col, char *dst, size_t cap, int *ok)
{
	int n = PQgetlength(r, 0, col);
	if (PQgetisnull(r, 0, col) || n < 0 || (size_t)n >= cap) {
		*ok = 0;
		dst[0] = '\0';
		return;
	}
	memcpy(dst, PQgetvalue(r, 0, col), (size_t)n);
	dst[n] = '\0';
	if (strlen(dst) != (size_t)n)
		*ok = 0;        /* a NUL inside: not an id we wrote */
}

/* Finish reading a row: free it, and turn a decoding failure into an error. */
static int row_end(PGresult *r, int id, int ok)
{
	PQclear(r);
	if (!ok)
		return fail_msg(stmts[id].what, "stored record is corrupt");
	return BO_OK;
}

/* Run a utility command without parameters (BEGIN, SAVEPOINT, ...). */
static int exec_cmd(bo_pg *s, const char *sql, const char *what)
{
	PGresult *r = PQexec(s->conn, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	int rc = BO_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		if (r && PQresultErrorMessage(r)[0])
			rc = fail_msg(what, PQresultErrorMessage(r));
		else
			rc = fail_conn(s, what);
	}
	PQclear(r);
	return rc;
}

/* ------------------------------------------------------------ transactions */

static int prepare_all(bo_pg *s);

static int cb_begin(void *ud)
{
	bo_pg *s = ud;
	int rc;

	s->sp_depth = 0;
	if (PQstatus(s->conn) == CONNECTION_BAD) {
		/* The server went away (restart, failover): reconnect, prepare again. */
		PQreset(s->conn);
		if (PQstatus(s->conn) != CONNECTION_OK)
			return fail_conn(s, "begin: reconnect");
		rc = prepare_all(s);
		if (rc != BO_OK)
			return rc;
	}
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		return fail_msg("begin", "a transaction is already open");
	rc = exec_cmd(s, s->begin_sql, "begin");
	if (rc != BO_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		/* BEGIN went through but the lock wait failed (lock_timeout, cancel). */
		PGresult *r = PQexec(s->conn, "ROLLBACK");
		PQclear(r);
	}
	return rc;
}

static int cb_commit(void *ud)
{
	bo_pg *s = ud;
	PGresult *r;
	int rc = BO_OK;

	switch (PQtransactionStatus(s->conn)) {
	case PQTRANS_INTRANS:
		break;
	case PQTRANS_INERROR:
		return fail_msg("commit", "the transaction failed earlier and must be rolled back");
	case PQTRANS_IDLE:
		return fail_msg("commit", "no transaction is open");
	default:
		return fail_conn(s, "commit");
	}
	r = PQexec(s->conn, "COMMIT");
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = r && PQresultErrorMessage(r)[0] ? fail_msg("commit", PQresultErrorMessage(r))
						     : fail_conn(s, "commit");
	} else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		rc = fail_msg("commit", "the server rolled the transaction back");
	}
	PQclear(r);
	if (rc == BO_OK)
		s->sp_depth = 0;
	return rc;
}

static int cb_rollback(void *ud)
{
	bo_pg *s = ud;
	s->sp_depth = 0;
	switch (PQtransactionStatus(s->conn)) {
	case PQTRANS_IDLE:
		return BO_OK;
	case PQTRANS_UNKNOWN:
		/* Connection lost: the server rolled back when it saw it go. */
		return fail_conn(s, "rollback");
	default:
		return exec_cmd(s, "ROLLBACK", "rollback");
	}
}

static int in_txn(bo_pg *s, const char *what)
{
	PGTransactionStatusType t = PQtransactionStatus(s->conn);
	if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
		return BO_OK;
	s->sp_depth = 0;
	return fail_msg(what, "no transaction is open");
}

static int cb_savepoint(void *ud)
{
	bo_pg *s = ud;
	char sql[64];
	int rc = in_txn(s, "savepoint");
	if (rc != BO_OK)
		return rc;
	snprintf(sql, sizeof(sql), "SAVEPOINT sp%lu", (unsigned long)s->sp_depth + 1);
	rc = exec_cmd(s, sql, "savepoint");
	if (rc == BO_OK)
		s->sp_depth++;
	return rc;
}

static int cb_release(void *ud)
{
	bo_pg *s = ud;
	char sql[64];
	int rc;
	if (s->sp_depth == 0)
		return fail_msg("release", "no savepoint is open");
	rc = in_txn(s, "release");
	if (rc != BO_OK)
		return rc;
	snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT sp%lu", (unsigned long)s->sp_depth);
	rc = exec_cmd(s, sql, "release");
	if (rc == BO_OK)
		s->sp_depth--;
	return rc;
}

static int cb_rollback_to(void *ud)
{
	bo_pg *s = ud;
	char sql[96];
	int rc;
	if (s->sp_depth == 0)
		return fail_msg("rollback_to", "no savepoint is open");
	rc = in_txn(s, "rollback_to");
	if (rc != BO_OK)
		return rc;
	/* ROLLBACK TO keeps the savepoint open; RELEASE then forgets it. One round trip. */
	snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT sp%lu; RELEASE SAVEPOINT sp%lu",
		 (unsigned long)s->sp_depth, (unsigned long)s->sp_depth);
	rc = exec_cmd(s, sql, "rollback_to");
	if (rc == BO_OK)
		s->sp_depth--;
	return rc;
}

/* ------------------------------------------------------------------ items */

static int item_read(PGresult *r, bo_item_rec *out)
{
	int ok = 1;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->sku, sizeof(out->sku), &ok);
	col_str(r, 1, out->policy, sizeof(out->policy), &ok);
	out->on_hand = col_i64(r, 2, &ok);
	out->allocated = col_i64(r, 3, &ok);
	out->backordered = col_i64(r, 4, &ok);
	out->incoming = col_i64(r, 5, &ok);
	out->backorder = (int32_t)col_i64(r, 6, &ok);
	out->released = (int32_t)col_i64(r, 7, &ok);
	out->max_backorder = col_i64(r, 8, &ok);
	out->lead_time = col_i64(r, 9, &ok);
	out->release_at = col_i64(r, 10, &ok);
	out->preorder_max = col_i64(r, 11, &ok);
	out->subscribers = col_i64(r, 12, &ok);
	out->demand = col_i64(r, 13, &ok);
	out->filled_at_once = col_i64(r, 14, &ok);
	out->shipped = col_i64(r, 15, &ok);
	out->cancelled = col_i64(r, 16, &ok);
	out->revenue_held = col_i64(r, 17, &ok);
	out->created = col_i64(r, 18, &ok);
	out->eta_time = col_i64(r, 19, &ok);
	return ok;
}

static int item_query(bo_pg *s, int id, const params *p, bo_item_rec *out)
{
	PGresult *r;
	int rc = run_row(s, id, p, 20, &r);
	if (rc != BO_OK)
		return rc;
	return row_end(r, id, item_read(r, out));
}

static int cb_item_get(void *ud, const char *sku, bo_item_rec *out, int for_update)
{
	params p;
	(void)for_update; /* the advisory lock taken at begin serialises writers */
	if (!out)
		return fail_msg("item_get", "no output record");
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	return item_query(ud, ST_ITEM_GET, &p, out);
}

static int cb_item_put(void *ud, const bo_item_rec *r)
{
	params p;
	if (!r)
		return fail_msg("item_put", "no record");
	p_init(&p);
	p_str(&p, r->sku, BO_ID_MAX);
	p_str(&p, r->policy, BO_NAME_MAX);
	p_i64(&p, r->on_hand);
	p_i64(&p, r->allocated);
	p_i64(&p, r->backordered);
	p_i64(&p, r->incoming);
	p_i64(&p, r->backorder);
	p_i64(&p, r->released);
	p_i64(&p, r->max_backorder);
	p_i64(&p, r->lead_time);
	p_i64(&p, r->release_at);
	p_i64(&p, r->preorder_max);
	p_i64(&p, r->subscribers);
	p_i64(&p, r->demand);
	p_i64(&p, r->filled_at_once);
	p_i64(&p, r->shipped);
	p_i64(&p, r->cancelled);
	p_i64(&p, r->revenue_held);
	p_i64(&p, r->created);
	p_i64(&p, r->eta_time);
	return run_done(ud, ST_ITEM_PUT, &p);
}

static int cb_item_next(void *ud, const char *after, bo_item_rec *out)
{
	params p;
	if (!out)
		return fail_msg("item_next", "no output record");
	p_init(&p);
	if (!after)
		return item_query(ud, ST_ITEM_FIRST, &p, out);
	p_str(&p, after, BO_ID_MAX);
	return item_query(ud, ST_ITEM_NEXT, &p, out);
}

/* ----------------------------------------------------------------- orders */

static int order_query(bo_pg *s, int id, const params *p, bo_order_rec *out)
{
	PGresult *r;
	int ok = 1, rc = run_row(s, id, p, 7, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->id, sizeof(out->id), &ok);
	out->created = col_i64(r, 1, &ok);
	out->priority = col_i64(r, 2, &ok);
	out->due = col_i64(r, 3, &ok);
	out->ship_mode = (int32_t)col_i64(r, 4, &ok);
	out->ready = (int32_t)col_i64(r, 5, &ok);
	out->nlines = (uint32_t)col_i64(r, 6, &ok);
	return row_end(r, id, ok);
}

static int cb_order_get(void *ud, const char *id, bo_order_rec *out, int for_update)
{
	params p;
	(void)for_update;
	if (!out)
		return fail_msg("order_get", "no output record");
	p_init(&p);
	p_str(&p, id, BO_ID_MAX);
	return order_query(ud, ST_ORDER_GET, &p, out);
}

static int cb_order_put(void *ud, const bo_order_rec *r)
{
	params p;
	if (!r)
		return fail_msg("order_put", "no record");
	p_init(&p);
	p_str(&p, r->id, BO_ID_MAX);
	p_i64(&p, r->created);
	p_i64(&p, r->priority);
	p_i64(&p, r->due);
	p_i64(&p, r->ship_mode);
	p_i64(&p, r->ready);
	p_i64(&p, r->nlines);
	return run_done(ud, ST_ORDER_PUT, &p);
}

static int cb_order_next(void *ud, const char *after, bo_order_rec *out)
{
	params p;
	if (!out)
		return fail_msg("order_next", "no output record");
	p_init(&p);
	if (!after)
		return order_query(ud, ST_ORDER_FIRST, &p, out);
	p_str(&p, after, BO_ID_MAX);
	return order_query(ud, ST_ORDER_NEXT, &p, out);
}

/* ------------------------------------------------------------------ lines */

static int cb_line_get(void *ud, const char *order_id, uint32_t index, bo_line_rec *out)
{
	params p;
	PGresult *r;
	int ok = 1, rc;
	if (!out)
		return fail_msg("line_get", "no output record");
	p_init(&p);
	p_str(&p, order_id, BO_ID_MAX);
	p_i64(&p, index);
	rc = run_row(ud, ST_LINE_GET, &p, 19, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->order_id, sizeof(out->order_id), &ok);
	out->index = (uint32_t)col_i64(r, 1, &ok);
	col_str(r, 2, out->sku, sizeof(out->sku), &ok);
	out->placed = col_i64(r, 3, &ok);
	out->ordered = col_i64(r, 4, &ok);
	out->allocated = col_i64(r, 5, &ok);
	out->backordered = col_i64(r, 6, &ok);
	out->shipped = col_i64(r, 7, &ok);
	out->cancelled = col_i64(r, 8, &ok);
	out->unit_price = col_i64(r, 9, &ok);
	out->queue_time = col_i64(r, 10, &ok);
	out->eta = col_i64(r, 11, &ok);
	out->key.k[0] = col_i64(r, 12, &ok);
	out->key.k[1] = col_i64(r, 13, &ok);
	out->key.k[2] = col_i64(r, 14, &ok);
	out->key.seq = seq_from_db(col_i64(r, 15, &ok));
	out->eta_basis = (int32_t)col_i64(r, 16, &ok);
	out->eta_base = col_i64(r, 17, &ok);
	out->eta_release = col_i64(r, 18, &ok);
	return row_end(r, ST_LINE_GET, ok);
}

static int cb_line_put(void *ud, const bo_line_rec *r)
{
	params p;
	if (!r)
		return fail_msg("line_put", "no record");
	p_init(&p);
	p_str(&p, r->order_id, BO_ID_MAX);
	p_i64(&p, r->index);
	p_str(&p, r->sku, BO_ID_MAX);
	p_i64(&p, r->placed);
	p_i64(&p, r->ordered);
	p_i64(&p, r->allocated);
	p_i64(&p, r->backordered);
	p_i64(&p, r->shipped);
	p_i64(&p, r->cancelled);
	p_i64(&p, r->unit_price);
	p_i64(&p, r->queue_time);
	p_i64(&p, r->eta);
	p_i64(&p, r->key.k[0]);
	p_i64(&p, r->key.k[1]);
	p_i64(&p, r->key.k[2]);
	p_seq(&p, r->key.seq);
	p_i64(&p, r->eta_basis);
	p_i64(&p, r->eta_base);
	p_i64(&p, r->eta_release);
	return run_done(ud, ST_LINE_PUT, &p);
}

/* ----------------------------------------------------------------- queues */

static int check_queue(int queue, const char *what)
{
	if (queue != BO_QUEUE_WAITING && queue != BO_QUEUE_ALLOCATED)
		return fail_msg(what, "unknown queue");
	return BO_OK;
}

/* (queue, sku) and, if `key`, its words and seq. */
static void p_qkey(params *p, int queue, const char *sku, const bo_queue_key *key)
{
	p_i64(p, queue);
	p_str(p, sku, BO_ID_MAX);
	if (key) {
		p_i64(p, key->k[0]);
		p_i64(p, key->k[1]);
		p_i64(p, key->k[2]);
		p_seq(p, key->seq);
	}
}

static int cb_queue_insert(void *ud, int queue, const bo_queue_entry *e)
{
	params p;
	int rc = check_queue(queue, "queue_insert");
	if (rc != BO_OK)
		return rc;
	if (!e)
		return fail_msg("queue_insert", "no entry");
	p_init(&p);
	p_str(&p, e->sku, BO_ID_MAX);
	p_str(&p, e->order_id, BO_ID_MAX);
	p_i64(&p, e->index);
	p_i64(&p, e->key.k[0]);
	p_i64(&p, e->key.k[1]);
	p_i64(&p, e->key.k[2]);
	p_seq(&p, e->key.seq);
	p_i64(&p, queue);
	return run_done(ud, ST_QUEUE_INSERT, &p);
}

static int cb_queue_remove(void *ud, int queue, const char *sku, const bo_queue_key *key)
{
	params p;
	int rc = check_queue(queue, "queue_remove");
	if (rc != BO_OK)
		return rc;
	if (!key)
		return fail_msg("queue_remove", "no key");
	p_init(&p);
	p_qkey(&p, queue, sku, key);
	return run_delete(ud, ST_QUEUE_REMOVE, &p);
}

/* queue_next (forward) and queue_prev (backward) share this. */
static int queue_step(bo_pg *s, int queue, const char *sku, const bo_queue_key *from,
		      bo_queue_entry *out, int forward)
{
	const char *what = forward ? "queue_next" : "queue_prev";
	int id = forward ? (from ? ST_QUEUE_NEXT : ST_QUEUE_HEAD)
			 : (from ? ST_QUEUE_PREV : ST_QUEUE_TAIL);
	params p;
	PGresult *r;
	int ok = 1, rc = check_queue(queue, what);
	if (rc != BO_OK)
		return rc;
	if (!out)
		return fail_msg(what, "no output entry");
	p_init(&p);
	p_qkey(&p, queue, sku, from);
	rc = run_row(s, id, &p, 7, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->sku, sizeof(out->sku), &ok);
	col_str(r, 1, out->order_id, sizeof(out->order_id), &ok);
	out->index = (uint32_t)col_i64(r, 2, &ok);
	out->key.k[0] = col_i64(r, 3, &ok);
	out->key.k[1] = col_i64(r, 4, &ok);
	out->key.k[2] = col_i64(r, 5, &ok);
	out->key.seq = seq_from_db(col_i64(r, 6, &ok));
	return row_end(r, id, ok);
}

static int cb_queue_next(void *ud, int queue, const char *sku, const bo_queue_key *after,
			 bo_queue_entry *out)
{
	return queue_step(ud, queue, sku, after, out, 1);
}

static int cb_queue_prev(void *ud, int queue, const char *sku, const bo_queue_key *before,
			 bo_queue_entry *out)
{
	return queue_step(ud, queue, sku, before, out, 0);
}

/* ----------------------------------------------------------------- supply */

static int supply_query(bo_pg *s, int id, const params *p, bo_supply_rec *out)
{
	PGresult *r;
	int ok = 1, rc = run_row(s, id, p, 4, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->sku, sizeof(out->sku), &ok);
	col_str(r, 1, out->id, sizeof(out->id), &ok);
	out->qty = col_i64(r, 2, &ok);
	out->expected = col_i64(r, 3, &ok);
	return row_end(r, id, ok);
}

static int cb_supply_get(void *ud, const char *sku, const char *id, bo_supply_rec *out)
{
	params p;
	if (!out)
		return fail_msg("supply_get", "no output record");
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	p_str(&p, id, BO_ID_MAX);
	return supply_query(ud, ST_SUPPLY_GET, &p, out);
}

static int cb_supply_put(void *ud, const bo_supply_rec *r)
{
	params p;
	if (!r)
		return fail_msg("supply_put", "no record");
	p_init(&p);
	p_str(&p, r->sku, BO_ID_MAX);
	p_str(&p, r->id, BO_ID_MAX);
	p_i64(&p, r->qty);
	p_i64(&p, r->expected);
	return run_done(ud, ST_SUPPLY_PUT, &p);
}

static int cb_supply_del(void *ud, const char *sku, const char *id)
{
	params p;
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	p_str(&p, id, BO_ID_MAX);
	return run_delete(ud, ST_SUPPLY_DEL, &p);
}

static int cb_supply_next(void *ud, const char *sku, const bo_supply_rec *after, bo_supply_rec *out)
{
	params p;
	if (!out)
		return fail_msg("supply_next", "no output record");
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	if (!after)
		return supply_query(ud, ST_SUPPLY_FIRST, &p, out);
	p_i64(&p, after->expected);
	p_str(&p, after->id, BO_ID_MAX);
	return supply_query(ud, ST_SUPPLY_NEXT, &p, out);
}

/* ---------------------------------------------------------- subscriptions */

static int cb_sub_add(void *ud, const bo_sub_rec *r)
{
	params p;
	if (!r)
		return fail_msg("sub_add", "no record");
	p_init(&p);
	p_str(&p, r->sku, BO_ID_MAX);
	p_str(&p, r->customer, BO_ID_MAX);
	p_seq(&p, r->seq);
	return run_done(ud, ST_SUB_ADD, &p);
}

static int cb_sub_next(void *ud, const char *sku, uint64_t after, bo_sub_rec *out)
{
	params p;
	PGresult *r;
	int ok = 1, rc;
	if (!out)
		return fail_msg("sub_next", "no output record");
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	p_seq(&p, after);
	rc = run_row(ud, ST_SUB_NEXT, &p, 3, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->sku, sizeof(out->sku), &ok);
	col_str(r, 1, out->customer, sizeof(out->customer), &ok);
	out->seq = seq_from_db(col_i64(r, 2, &ok));
	return row_end(r, ST_SUB_NEXT, ok);
}

static int cb_sub_del(void *ud, const char *sku, uint64_t seq)
{
	params p;
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	p_seq(&p, seq);
	return run_delete(ud, ST_SUB_DEL, &p);
}

/* ----------------------------------------------------------------- outbox */

static int cb_outbox_append(void *ud, const bo_event_rec *ev)
{
	params p;
	if (!ev)
		return fail_msg("outbox_append", "no event");
	p_init(&p);
	p_seq(&p, ev->seq);
	p_i64(&p, ev->kind);
	p_str(&p, ev->order_id, BO_ID_MAX);
	p_str(&p, ev->sku, BO_ID_MAX);
	p_str(&p, ev->customer, BO_ID_MAX);
	p_i64(&p, ev->qty);
	p_i64(&p, ev->eta);
	p_i64(&p, ev->time);
	return run_done(ud, ST_OUTBOX_APPEND, &p);
}

static int cb_outbox_next(void *ud, uint64_t after, bo_event_rec *out)
{
	params p;
	PGresult *r;
	int ok = 1, rc;
	if (!out)
		return fail_msg("outbox_next", "no output event");
	p_init(&p);
	p_seq(&p, after);
	rc = run_row(ud, ST_OUTBOX_NEXT, &p, 8, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->seq = seq_from_db(col_i64(r, 0, &ok));
	out->kind = (int32_t)col_i64(r, 1, &ok);
	col_str(r, 2, out->order_id, sizeof(out->order_id), &ok);
	col_str(r, 3, out->sku, sizeof(out->sku), &ok);
	col_str(r, 4, out->customer, sizeof(out->customer), &ok);
	out->qty = col_i64(r, 5, &ok);
	out->eta = col_i64(r, 6, &ok);
	out->time = col_i64(r, 7, &ok);
	return row_end(r, ST_OUTBOX_NEXT, ok);
}

static int cb_outbox_ack(void *ud, uint64_t upto)
{
	params p;
	p_init(&p);
	p_seq(&p, upto);
	return run_done(ud, ST_OUTBOX_ACK, &p);
}

/* ------------------------------------------------------------------- meta */

static int cb_meta_get(void *ud, const char *key, int64_t *value)
{
	params p;
	PGresult *r;
	int ok = 1, rc;
	if (!value)
		return fail_msg("meta_get", "no output value");
	p_init(&p);
	p_str(&p, key, BO_META_KEY_MAX);
	rc = run_row(ud, ST_META_GET, &p, 1, &r);
	if (rc != BO_OK)
		return rc;
	*value = col_i64(r, 0, &ok);
	return row_end(r, ST_META_GET, ok);
}

static int cb_meta_put(void *ud, const char *key, int64_t value)
{
	params p;
	p_init(&p);
	p_str(&p, key, BO_META_KEY_MAX);
	p_i64(&p, value);
	return run_done(ud, ST_META_PUT, &p);
}

/* ------------------------------------------------------------ open, close */

static void store_free(bo_pg *s)
{
	if (!s)
		return;
	/* Closing the connection rolls back any open transaction and frees its locks. */
	PQfinish(s->conn);
	free(s);
}

static void cb_close(void *ud)
{
	store_free(ud);
}

static const bo_storage postgres_vtable = {
	.version = BO_STORAGE_VERSION,
	.size = sizeof(bo_storage),
	.begin = cb_begin,
	.commit = cb_commit,
	.rollback = cb_rollback,
	.item_get = cb_item_get,
	.item_put = cb_item_put,
	.item_next = cb_item_next,
	.order_get = cb_order_get,
	.order_put = cb_order_put,
	.order_next = cb_order_next,
	.line_get = cb_line_get,
	.line_put = cb_line_put,
	.queue_insert = cb_queue_insert,
	.queue_remove = cb_queue_remove,
	.queue_next = cb_queue_next,
	.queue_prev = cb_queue_prev,
	.supply_get = cb_supply_get,
	.supply_put = cb_supply_put,
	.supply_del = cb_supply_del,
	.supply_next = cb_supply_next,
	.sub_add = cb_sub_add,
	.sub_next = cb_sub_next,
	.sub_del = cb_sub_del,
	.outbox_append = cb_outbox_append,
	.outbox_next = cb_outbox_next,
	.outbox_ack = cb_outbox_ack,
	.meta_get = cb_meta_get,
	.meta_put = cb_meta_put,
	.savepoint = cb_savepoint,
	.release = cb_release,
	.rollback_to = cb_rollback_to,
	.close = cb_close,
};

/* Prepare every statement on the (new or reset) connection. */
static int prepare_all(bo_pg *s)
{
	int i, j;
	for (i = 0; i < ST_COUNT; i++) {
		Oid types[BO_PG_MAX_PARAMS];
		char name[16];
		int n = (int)strlen(stmts[i].types);
		PGresult *r;
		for (j = 0; j < n; j++)
			types[j] = stmts[i].types[j] == 'b' ? OID_BYTEA
				 : stmts[i].types[j] == 't' ? OID_TEXT : OID_INT8;
		snprintf(name, sizeof(name), "bo_%d", i);
		r = PQprepare(s->conn, name, stmts[i].sql, n, types);
		if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
			char what[48];
			snprintf(what, sizeof(what), "prepare %s", stmts[i].what);
			if (r && PQresultErrorMessage(r)[0])
				fail_msg(what, PQresultErrorMessage(r));
			else
				fail_conn(s, what);
			PQclear(r);
			return BO_ESTORAGE;
		}
		PQclear(r);
	}
	return BO_OK;
}

/* Run a query returning one row of one column (text format) into `buf`. */
static int query_text(bo_pg *s, const char *sql, const char *what, char *buf, size_t cap)
{
	PGresult *r = PQexec(s->conn, sql);
	int rc = BO_OK;
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = r && PQresultErrorMessage(r)[0] ? fail_msg(what, PQresultErrorMessage(r))
						     : fail_conn(s, what);
	} else if (PQntuples(r) != 1 || PQnfields(r) != 1 || PQgetisnull(r, 0, 0) ||
		   strlen(PQgetvalue(r, 0, 0)) >= cap) {
		rc = fail_msg(what, "unexpected result");
	} else {
		strcpy(buf, PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	return rc;
}

static int undo_migration(bo_pg *s, int rc)
{
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(s->conn, "ROLLBACK");
		PQclear(r);
	}
	return rc;
}

/*
 * Bring the schema up to date. The version is read with the inventory's
 * lock held, so two processes opening a new schema at once migrate it once.
 */
static int migrate(bo_pg *s)
{
	char buf[64], sql[96];
	long long version = 0;
	int i, rc;

	rc = exec_cmd(s, s->begin_sql, "open: begin");
	if (rc != BO_OK)
		return undo_migration(s, rc);
	rc = query_text(s, "SELECT count(*) FROM pg_catalog.pg_tables"
			" WHERE schemaname = current_schema() AND tablename = 'schema_version'",
			"open: schema_version", buf, sizeof(buf));
	if (rc != BO_OK)
		return undo_migration(s, rc);
	if (strcmp(buf, "0") != 0) {
		rc = query_text(s, "SELECT max(version) FROM schema_version",
				"open: schema_version", buf, sizeof(buf));
		if (rc != BO_OK)
			return undo_migration(s, rc);
		version = strtoll(buf, NULL, 10);
	} else {
		/* No version table: a new schema, unless it holds someone else's tables. */
		rc = query_text(s, "SELECT count(*) FROM pg_catalog.pg_tables"
				" WHERE schemaname = current_schema() AND tablename IN"
				" ('items', 'orders', 'lines', 'queues', 'supply', 'subs',"
				" 'outbox', 'meta')",
				"open: tables", buf, sizeof(buf));
		if (rc != BO_OK)
			return undo_migration(s, rc);
		if (strcmp(buf, "0") != 0)
			return undo_migration(s, fail_msg("open", "the schema holds tables of another"
							  " application (items, orders, ...)"
							  " but no schema_version"));
	}
	if (version < 0 || version > NMIGRATIONS) {
		bo_storage_error("postgres: open: schema version %lld is newer than this library's (%d)",
				 version, NMIGRATIONS);
		return undo_migration(s, BO_ESTORAGE);
	}
	for (i = (int)version; i < NMIGRATIONS; i++) {
		rc = exec_cmd(s, migrations[i], "open: migrate");
		if (rc != BO_OK)
			return undo_migration(s, rc);
	}
	if (version < NMIGRATIONS) {
		snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d", NMIGRATIONS);
		rc = exec_cmd(s, sql, "open: schema_version");
		if (rc != BO_OK)
			return undo_migration(s, rc);
	}
	rc = exec_cmd(s, "COMMIT", "open: commit");
	return undo_migration(s, rc);
}

/* libpq prints notices on stderr by default; a library keeps quiet. */
static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int bo_postgres_storage(const bo_storage **vtable, void **user_data, const char *conninfo)
{
	char buf[32];
	bo_pg *s;
	unsigned long long nsp;

	if (!vtable || !user_data || !conninfo) {
		bo_storage_error("postgres: open: NULL argument");
		return BO_EINVALID;
	}
	*vtable = NULL;
	*user_data = NULL;
	if (!pq_ready())
		return fail_msg("open", pq_error);
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail_msg("open", "out of memory");
	s->conn = PQconnectdb(conninfo);
	if (!s->conn) {
		fail_msg("open", "out of memory");
		goto fail;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		fail_conn(s, "connect");
		goto fail;
	}
	PQsetNoticeProcessor(s->conn, quiet_notice, NULL);
	/*
	 * The lock key: "bord" in the high half, the OID of the current schema
	 * in the low half. Advisory locks are per database, so this names one
	 * inventory exactly.
	 */
	if (query_text(s, "SELECT coalesce((SELECT oid::text FROM pg_catalog.pg_namespace"
		       " WHERE nspname = current_schema()), 'none')",
		       "open: current schema", buf, sizeof(buf)) != BO_OK)
		goto fail;
	if (strcmp(buf, "none") == 0) {
		fail_msg("open", "no current schema (search_path names no existing schema)");
		goto fail;
	}
	nsp = strtoull(buf, NULL, 10);
	s->lock_key = (int64_t)(((uint64_t)BO_PG_LOCK_CLASS << 32) | (nsp & 0xffffffffu));
	snprintf(s->begin_sql, sizeof(s->begin_sql),
		 "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%lld)",
		 (long long)s->lock_key);
	if (migrate(s) != BO_OK)
		goto fail;
	if (prepare_all(s) != BO_OK)
		goto fail;
	*vtable = &postgres_vtable;
	*user_data = s;
	return BO_OK;
fail:
	store_free(s);
	return BO_ESTORAGE;
}
