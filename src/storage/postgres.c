/*
 * The PostgreSQL storage adapter: one inventory in the tables of one schema,
 * shared by any number of connections, processes and machines, which write
 * concurrently. It sees only the storage vtable (backorder/storage.h) and
 * its own public header, never the core. Design, in short
 * (docs/POSTGRES.md has the rest):
 *
 * - The tables live in the connection's current schema. A one-row table
 *   schema_version holds the schema version; forward migrations bring older
 *   schemas up to date at open, inside one transaction that holds an
 *   advisory lock of the schema (so two processes opening a new schema at
 *   once create it once). Only migrations take that lock.
 * - Ids are bytea (any byte above 0x20 but 0x7f, compared bytewise); policy
 *   names and metadata keys are text COLLATE "C". uint64 sequence numbers
 *   are stored as bigint through an order-preserving map (top bit flipped).
 * - Locks follow the data: begin is BEGIN ISOLATION LEVEL READ COMMITTED;
 *   item_get and order_get with for_update are SELECT ... FOR UPDATE (the
 *   core takes items in SKU order). No row is written by every call: the
 *   clock ("now") is one row per connection in `sessions`, read as the
 *   maximum; the event, queue and subscription numbers come from sequences
 *   (seq_take). A lost conflict (deadlock, serialisation failure, a key a
 *   concurrent transaction inserted first) returns BO_STORAGE_RETRY and the
 *   core runs the call again.
 * - Round trips: libpq's pipeline mode. Writes are sent without waiting;
 *   the next read or the commit sends them with itself and reads their
 *   results, so a failed write fails the call at that point at the latest.
 *   Reads a transaction can answer itself come from a per-transaction
 *   cache: records it locked or wrote, the metadata it read (all three keys
 *   a call reads come in one statement with BEGIN).
 * - The outbox is ordered without a lock every writer takes: a writer
 *   locks its own `sessions` row (so it has a transaction id, visible to
 *   others as that row's xmax) before it draws event numbers, in the same
 *   round trip. A reader of the outbox delivers events only up to a
 *   horizon: it notes L, the event sequence's last value, then which
 *   transactions holding a sessions row were in progress; once all of them
 *   have finished, every event numbered <= L has committed or never will.
 *   With no other writer in flight the horizon is L at once.
 * - Every statement is prepared once per connection and runs with binary
 *   parameters and results.
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
 * libpq itself gets the same copy back from dlopen(). Pipeline mode needs
 * libpq 14 or later. */
#define PQ_FUNCS(X)                                                                          \
	X(PQbinaryTuples) X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdb)             \
	X(PQerrorMessage) X(PQexec) X(PQfinish) X(PQgetisnull)                                 \
	X(PQgetlength) X(PQgetvalue) X(PQnfields) X(PQntuples) X(PQprepare) X(PQreset)        \
	X(PQresultErrorMessage) X(PQresultStatus) X(PQsetNoticeProcessor) X(PQstatus)         \
	X(PQtransactionStatus) X(PQresultErrorField) X(PQsendQueryPrepared)                   \
	X(PQsendQueryParams) X(PQgetResult) X(PQenterPipelineMode) X(PQexitPipelineMode)      \
	X(PQpipelineSync) X(PQpipelineStatus)

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
		snprintf(pq_error, sizeof(pq_error), "libpq has no %s (libpq 14 or later is needed)", #f); \
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
#define PQresultErrorField (pq.PQresultErrorField)
#define PQsendQueryPrepared (pq.PQsendQueryPrepared)
#define PQsendQueryParams (pq.PQsendQueryParams)
#define PQgetResult (pq.PQgetResult)
#define PQenterPipelineMode (pq.PQenterPipelineMode)
#define PQexitPipelineMode (pq.PQexitPipelineMode)
#define PQpipelineSync (pq.PQpipelineSync)
#define PQpipelineStatus (pq.PQpipelineStatus)

/* "bord" (as the SQLite adapter's application_id): the high half of the
 * migration lock's key. */
#define BO_PG_LOCK_CLASS 0x626f7264
/* Longest metadata key, as the storage contract says. */
#define BO_META_KEY_MAX 31
/* Most parameters of one statement (four events appended at once). */
#define BO_PG_MAX_PARAMS 36
/* Events appended by one statement at most. */
#define BO_PG_EVENTS_AT_ONCE 4
/* Statements sent and not yet read before the adapter reads them anyway
 * (bounds what the socket buffers must hold). */
#define BO_PG_MAX_PENDING 256
/* Events read from the outbox in one round trip. */
#define BO_PG_OUTBOX_CHUNK 256

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
	/*
	 * 2 -> 3: several writers without a row every call writes
	 * (docs/POSTGRES.md, "Transactions and locking").
	 * - sessions: one row per open connection (claimed with a session-level
	 *   advisory lock), holding that connection's clock; "now" is the
	 *   maximum over the rows and the old meta row, which stays as a floor.
	 * - Sequences for the event, queue and subscription numbers, started
	 *   after the larger of the old counter in meta and the largest number
	 *   in use (stored numbers have their top bit flipped: + 2^63 undoes
	 *   it); the meta counters go.
	 * - outbox.xid: the transaction that wrote each event (NULL for events
	 *   written before).
	 */
	"CREATE TABLE sessions (id bigint NOT NULL PRIMARY KEY, now bigint NOT NULL);"
	"CREATE SEQUENCE event_seq;"
	"CREATE SEQUENCE line_seq;"
	"CREATE SEQUENCE sub_seq;"
	"SELECT setval(name::regclass, greatest(v, 1)::bigint, v >= 1) FROM (VALUES"
	" ('event_seq', greatest(coalesce((SELECT value FROM meta WHERE key = 'event_seq'), 0)::numeric,"
	"  coalesce((SELECT max(seq)::numeric + 9223372036854775808 FROM outbox), 0))),"
	" ('line_seq', greatest(coalesce((SELECT value FROM meta WHERE key = 'line_seq'), 0)::numeric,"
	"  coalesce((SELECT max(seq)::numeric + 9223372036854775808 FROM lines), 0),"
	"  coalesce((SELECT max(seq)::numeric + 9223372036854775808 FROM queues), 0))),"
	" ('sub_seq', greatest(coalesce((SELECT value FROM meta WHERE key = 'sub_seq'), 0)::numeric,"
	"  coalesce((SELECT max(seq)::numeric + 9223372036854775808 FROM subs), 0)))) AS s (name, v);"
	"DELETE FROM meta WHERE key IN ('event_seq', 'line_seq', 'sub_seq');"
	"ALTER TABLE outbox ADD COLUMN xid xid8;"
	"ALTER TABLE outbox ALTER COLUMN xid SET DEFAULT pg_current_xact_id();",
	/*
	 * 3 -> 4: history, one row per item per UTC day (bo_hist_rec; the
	 * storage callbacks hist_add, hist_next). hist_add adds a call's
	 * figures in the statement itself (an upsert), so it needs no read
	 * and goes down the pipeline with the call's other writes; the item's
	 * row lock, which the call holds, orders writers of one item. A schema
	 * migrated from an earlier version has history from here on.
	 */
	"CREATE TABLE history ("
	" sku bytea NOT NULL, day bigint NOT NULL,"
	" ordered bigint NOT NULL, backordered bigint NOT NULL,"
	" cancelled bigint NOT NULL, filled_lines bigint NOT NULL,"
	" wait_sum bigint NOT NULL, wait_max bigint NOT NULL,"
	" wait_hist bigint[] NOT NULL,"
	" PRIMARY KEY (sku, day));",
	/*
	 * 4 -> 5: stock per location (DESIGN section 11; storage version 3).
	 * items.located counts an item's stock rows; supply and outbox rows
	 * name a location, empty meaning "main". Existing rows get 0 and
	 * empty: everything at "main". New tables: locations; stock (an item's
	 * units at a location other than "main"); line_locs (a line's units
	 * there). Ids are bytea, compared bytewise, as storage.h orders the
	 * walks. Constant defaults: no table rewrite (PostgreSQL 11 and later).
	 */
	"ALTER TABLE items ADD COLUMN located bigint NOT NULL DEFAULT 0;"
	"ALTER TABLE supply ADD COLUMN location bytea NOT NULL DEFAULT ''::bytea;"
	"ALTER TABLE outbox ADD COLUMN location bytea NOT NULL DEFAULT ''::bytea;"
	"CREATE TABLE locations (id bytea NOT NULL PRIMARY KEY, rank bigint NOT NULL);"
	"CREATE TABLE stock ("
	" sku bytea NOT NULL, location bytea NOT NULL,"
	" on_hand bigint NOT NULL, allocated bigint NOT NULL,"
	" PRIMARY KEY (sku, location));"
	"CREATE TABLE line_locs ("
	" order_id bytea NOT NULL, idx bigint NOT NULL, location bytea NOT NULL,"
	" qty bigint NOT NULL,"
	" PRIMARY KEY (order_id, idx, location));",
	/*
	 * 5 -> 6: a day's wait buckets are NULL while they are all zero (most
	 * rows: a placement fills no waiting line). The row is then about a
	 * third of its size with the 24-element array, so an update of it
	 * writes less WAL and finds room on its page more often. Existing
	 * rows keep their arrays (zeros or not): readers take NULL as zeros.
	 */
	"ALTER TABLE history ALTER COLUMN wait_hist DROP NOT NULL;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ------------------------------------------------------------ statements */

enum {
	ST_ITEM_GET,
	ST_ITEM_PUT,
	ST_ITEM_INSERT,
	ST_ITEM_UPDATE,
	ST_ITEM_FIRST,
	ST_ITEM_NEXT,
	ST_ORDER_GET,
	ST_ORDER_GET_LOCK,
	ST_ORDER_PUT,
	ST_ORDER_INSERT,
	ST_ORDER_UPDATE,
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
	ST_OUTBOX_READ,
	ST_OUTBOX_ACK,
	ST_META_GET,
	ST_META_PUT,
	ST_META_CALL,
	ST_NOW_GET,
	ST_NOW_PUT,
	ST_SESS_LOCK,
	ST_SEQ_EVENT,
	ST_SEQ_EVENT_LOCK,
	ST_SEQ_LINE,
	ST_OUTBOX_APPEND2,
	ST_OUTBOX_APPEND3,
	ST_OUTBOX_APPEND4,
	ST_SEQ_SUB,
	ST_HZ_CHECK,
	ST_HZ_LAST,
	ST_HZ_WRITERS,
	ST_COUNTER_GET,
	ST_COUNTER_FOLLOW,
	ST_ITEM_LOCK_LSEQ,
	ST_BEGIN,
	ST_COMMIT,
	ST_HIST_ADD,
	ST_HIST_NEXT,
	ST_LOC_PUT,
	ST_LOC_FIRST,
	ST_LOC_NEXT,
	ST_STOCK_PUT,
	ST_STOCK_DEL,
	ST_STOCK_LIST,
	ST_LALLOC_PUT,
	ST_LALLOC_DEL,
	ST_LALLOC_LIST,
	ST_LINE_INSERT,
	ST_HIST_ADD0,
	ST_OUTBOX_NUM1,
	ST_OUTBOX_NUM2,
	ST_OUTBOX_NUM3,
	ST_OUTBOX_NUM4,
	ST_COUNT
};

#define ITEM_COLS "sku, policy, on_hand, allocated, backordered, incoming," \
	" backorder, released, max_backorder, lead_time, release_at," \
	" preorder_max, subscribers, demand, filled_at_once, shipped," \
	" cancelled, revenue_held, created, eta_time, located"
#define ITEM_NCOLS 21
#define ITEM_VALUES " VALUES ($1, $2, $3, $4, $5, $6, $7," \
	" $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
#define ITEM_SET "policy = EXCLUDED.policy, on_hand = EXCLUDED.on_hand," \
	" allocated = EXCLUDED.allocated, backordered = EXCLUDED.backordered," \
	" incoming = EXCLUDED.incoming, backorder = EXCLUDED.backorder," \
	" released = EXCLUDED.released, max_backorder = EXCLUDED.max_backorder," \
	" lead_time = EXCLUDED.lead_time, release_at = EXCLUDED.release_at," \
	" preorder_max = EXCLUDED.preorder_max, subscribers = EXCLUDED.subscribers," \
	" demand = EXCLUDED.demand, filled_at_once = EXCLUDED.filled_at_once," \
	" shipped = EXCLUDED.shipped, cancelled = EXCLUDED.cancelled," \
	" revenue_held = EXCLUDED.revenue_held, created = EXCLUDED.created," \
	" eta_time = EXCLUDED.eta_time, located = EXCLUDED.located"
#define ITEM_UPDATE_SET "policy = $2, on_hand = $3, allocated = $4, backordered = $5," \
	" incoming = $6, backorder = $7, released = $8, max_backorder = $9," \
	" lead_time = $10, release_at = $11, preorder_max = $12, subscribers = $13," \
	" demand = $14, filled_at_once = $15, shipped = $16, cancelled = $17," \
	" revenue_held = $18, created = $19, eta_time = $20, located = $21"
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
#define SUPPLY_COLS "sku, id, qty, expected, location"
#define SUB_COLS "sku, customer, seq"
#define EVENT_COLS "seq, kind, order_id, sku, customer, qty, eta, ev_time, location"
#define EVENT_NCOLS 9
#define STOCK_COLS "sku, location, on_hand, allocated"
#define LALLOC_COLS "order_id, idx, location, qty"
#define QUEUE_ORDER " ORDER BY k0, k1, k2, seq"
#define QUEUE_ORDER_DESC " ORDER BY k0 DESC, k1 DESC, k2 DESC, seq DESC"
/* The clock: the largest value any connection wrote (a new row holds
 * INT64_MIN: none), the old meta row a floor; NULL when there is none. */
#define NOW_EXPR "greatest((SELECT max(now) FROM sessions WHERE now > -9223372036854775807 - 1)," \
	" (SELECT value FROM meta WHERE key = 'now'))"

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
	[ST_ITEM_PUT] = { "item_put", "btiiiiiiiiiiiiiiiiiii",
		"INSERT INTO items (" ITEM_COLS ")" ITEM_VALUES
		" ON CONFLICT (sku) DO UPDATE SET " ITEM_SET },
	[ST_ITEM_INSERT] = { "item_put", "btiiiiiiiiiiiiiiiiiii",
		"INSERT INTO items (" ITEM_COLS ")" ITEM_VALUES },
	[ST_ITEM_UPDATE] = { "item_put", "btiiiiiiiiiiiiiiiiiii",
		"UPDATE items SET " ITEM_UPDATE_SET " WHERE sku = $1" },
	[ST_ITEM_FIRST] = { "item_next", "",
		"SELECT " ITEM_COLS " FROM items ORDER BY sku LIMIT 1" },
	[ST_ITEM_NEXT] = { "item_next", "b",
		"SELECT " ITEM_COLS " FROM items WHERE sku > $1 ORDER BY sku LIMIT 1" },
	[ST_ORDER_GET] = { "order_get", "b",
		"SELECT " ORDER_COLS " FROM orders WHERE id = $1" },
	[ST_ORDER_GET_LOCK] = { "order_get", "b",
		"SELECT " ORDER_COLS " FROM orders WHERE id = $1 FOR UPDATE" },
	[ST_ORDER_PUT] = { "order_put", "biiiiii",
		"INSERT INTO orders (" ORDER_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
		" ON CONFLICT (id) DO UPDATE SET " ORDER_SET },
	[ST_ORDER_INSERT] = { "order_put", "biiiiii",
		"INSERT INTO orders (" ORDER_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)" },
	[ST_ORDER_UPDATE] = { "order_put", "biiiiii",
		"UPDATE orders SET created = $2, priority = $3, due = $4, ship_mode = $5,"
		" ready = $6, nlines = $7 WHERE id = $1" },
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
	/* The first write of a line of an order this transaction inserted:
	 * there can be no row yet, so no ON CONFLICT (a speculative insertion
	 * costs an extra index probe and WAL record). */
	[ST_LINE_INSERT] = { "line_put", "bibiiiiiiiiiiiiiiii",
		"INSERT INTO lines (" LINE_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7,"
		" $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)" },
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
	[ST_SUPPLY_PUT] = { "supply_put", "bbiib",
		"INSERT INTO supply (" SUPPLY_COLS ") VALUES ($1, $2, $3, $4, $5)"
		" ON CONFLICT (sku, id) DO UPDATE SET qty = EXCLUDED.qty,"
		" expected = EXCLUDED.expected, location = EXCLUDED.location" },
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
	[ST_OUTBOX_APPEND] = { "outbox_append", "iibbbiiib",
		"INSERT INTO outbox (" EVENT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)" },
	[ST_OUTBOX_READ] = { "outbox_next", "ii",
		"SELECT " EVENT_COLS " FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2" },
	[ST_OUTBOX_ACK] = { "outbox_ack", "i",
		"DELETE FROM outbox WHERE seq <= $1" },
	[ST_META_GET] = { "meta_get", "t",
		"SELECT value FROM meta WHERE key = $1" },
	[ST_META_PUT] = { "meta_put", "ti",
		"INSERT INTO meta (key, value) VALUES ($1, $2)"
		" ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value" },
	/* The three keys a call reads, in one statement (NULL: absent). */
	[ST_META_CALL] = { "meta_get", "",
		"SELECT " NOW_EXPR ", (SELECT value FROM meta WHERE key = 'next_release'),"
		" (SELECT value FROM meta WHERE key = 'promises')" },
	[ST_NOW_GET] = { "meta_get", "",
		"SELECT " NOW_EXPR },
	[ST_NOW_PUT] = { "meta_put", "ii",
		"UPDATE sessions SET now = greatest(now, $2) WHERE id = $1" },
	/* Before a transaction draws event numbers: its xid, visible to
	 * others as the xmax of this connection's row (see outbox_next). */
	[ST_SESS_LOCK] = { "seq_take", "i",
		"SELECT pg_current_xact_id()::text FROM sessions WHERE id = $1 FOR UPDATE" },
	[ST_SEQ_EVENT] = { "seq_take", "i",
		"SELECT nextval('event_seq') AS v FROM generate_series(1, $1) ORDER BY v" },
	/* The same, taking the sessions row first (ST_SESS_LOCK), in one
	 * statement: the lock is taken before any number is drawn (a joined row
	 * needs the locked one). */
	[ST_SEQ_EVENT_LOCK] = { "seq_take", "ii",
		"SELECT nextval('event_seq') AS v FROM"
		" (SELECT 1 FROM sessions WHERE id = $2 FOR UPDATE) l, generate_series(1, $1) ORDER BY v" },
	/* An item's lock, then (the outer query, after the locked row) the
	 * queue number a line placed on it will most likely take. A sub-SELECT
	 * with FOR UPDATE is never flattened into its parent. */
	[ST_ITEM_LOCK_LSEQ] = { "item_get", "b",
		"SELECT i.*, nextval('line_seq') FROM"
		" (SELECT " ITEM_COLS " FROM items WHERE sku = $1 FOR UPDATE) i" },
	/* A core that does not call seq_take (a wrapper built against storage
	 * version 1 hides it) keeps the counters in meta: they go on from the
	 * sequences, and the sequences follow them (see cb_meta_put). */
	[ST_COUNTER_GET] = { "meta_get", "t",
		"SELECT greatest((SELECT value FROM meta WHERE key = $1),"
		" coalesce(pg_sequence_last_value($1::regclass), 0))" },
	[ST_COUNTER_FOLLOW] = { "meta_put", "ti",
		"SELECT setval($1::regclass, $2)"
		" WHERE $2 > coalesce(pg_sequence_last_value($1::regclass), 0)" },
	[ST_BEGIN] = { "begin", "", "BEGIN ISOLATION LEVEL READ COMMITTED" },
	[ST_COMMIT] = { "commit", "", "COMMIT" },
	/* Events appended together, in one statement. */
	[ST_OUTBOX_APPEND2] = { "outbox_append", "iibbbiiibiibbbiiib",
		"INSERT INTO outbox (" EVENT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9),"
		" ($10, $11, $12, $13, $14, $15, $16, $17, $18)" },
	[ST_OUTBOX_APPEND3] = { "outbox_append", "iibbbiiibiibbbiiibiibbbiiib",
		"INSERT INTO outbox (" EVENT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9),"
		" ($10, $11, $12, $13, $14, $15, $16, $17, $18),"
		" ($19, $20, $21, $22, $23, $24, $25, $26, $27)" },
	[ST_OUTBOX_APPEND4] = { "outbox_append", "iibbbiiibiibbbiiibiibbbiiibiibbbiiib",
		"INSERT INTO outbox (" EVENT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9),"
		" ($10, $11, $12, $13, $14, $15, $16, $17, $18),"
		" ($19, $20, $21, $22, $23, $24, $25, $26, $27),"
		" ($28, $29, $30, $31, $32, $33, $34, $35, $36)" },
	/* Events the store numbers as it stores them (cb_outbox_add). The
	 * CTE takes this connection's sessions row (ST_SESS_LOCK's lock; taken
	 * again at no cost when the transaction holds it) when the first VALUES
	 * row is joined to it; each row's number is drawn after that, in the
	 * order of the VALUES rows (a nested loop: ON true joins by neither
	 * hash nor merge). The statement comes after every other statement of
	 * the call, so the numbers come after every lock the call holds,
	 * without a round trip of their own. Stored numbers have their top bit
	 * flipped (seq_to_db). Without the sessions row the number is NULL and
	 * the INSERT fails (not-null violation, reported as such: pl_drain),
	 * so COMMIT, sent after it, does not run. */
#define NUM_HEAD "WITH l AS (SELECT 1 AS one FROM sessions WHERE id = $1 FOR UPDATE)" \
	" INSERT INTO outbox (" EVENT_COLS ") SELECT CASE WHEN l.one = 1 THEN" \
	" nextval('event_seq') - 9223372036854775807 - 1 END, v.* FROM (VALUES "
#define NUM_TAIL ") v LEFT JOIN l ON true"
	[ST_OUTBOX_NUM1] = { "outbox_add", "iibbbiiib",
		NUM_HEAD "($2::bigint, $3::bytea, $4::bytea, $5::bytea, $6::bigint, $7::bigint, $8::bigint, $9::bytea)" NUM_TAIL },
	[ST_OUTBOX_NUM2] = { "outbox_add", "iibbbiiibibbbiiib",
		NUM_HEAD "($2::bigint, $3::bytea, $4::bytea, $5::bytea, $6::bigint, $7::bigint, $8::bigint, $9::bytea),"
		" ($10, $11, $12, $13, $14, $15, $16, $17)" NUM_TAIL },
	[ST_OUTBOX_NUM3] = { "outbox_add", "iibbbiiibibbbiiibibbbiiib",
		NUM_HEAD "($2::bigint, $3::bytea, $4::bytea, $5::bytea, $6::bigint, $7::bigint, $8::bigint, $9::bytea),"
		" ($10, $11, $12, $13, $14, $15, $16, $17), ($18, $19, $20, $21, $22, $23, $24, $25)" NUM_TAIL },
	[ST_OUTBOX_NUM4] = { "outbox_add", "iibbbiiibibbbiiibibbbiiibibbbiiib",
		NUM_HEAD "($2::bigint, $3::bytea, $4::bytea, $5::bytea, $6::bigint, $7::bigint, $8::bigint, $9::bytea),"
		" ($10, $11, $12, $13, $14, $15, $16, $17), ($18, $19, $20, $21, $22, $23, $24, $25),"
		" ($26, $27, $28, $29, $30, $31, $32, $33)" NUM_TAIL },
	[ST_SEQ_LINE] = { "seq_take", "i",
		"SELECT nextval('line_seq') AS v FROM generate_series(1, $1) ORDER BY v" },
	[ST_SEQ_SUB] = { "seq_take", "i",
		"SELECT nextval('sub_seq') AS v FROM generate_series(1, $1) ORDER BY v" },
	/* The dispatch horizon (see outbox_next). */
	[ST_HZ_CHECK] = { "outbox_next", "t",
		"SELECT NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(pg_current_snapshot()) x"
		" WHERE x = ANY ($1::xid8[]))" },
	[ST_HZ_LAST] = { "outbox_next", "",
		"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM event_seq" },
	[ST_HZ_WRITERS] = { "outbox_next", "",
		"SELECT coalesce(array_agg(x)::text, '{}') FROM pg_snapshot_xip(pg_current_snapshot()) x"
		" WHERE x IS DISTINCT FROM pg_current_xact_id_if_assigned()"
		" AND x::text::bigint % 4294967296 IN (SELECT xmax::text::bigint FROM sessions)" },
	/* History: the call's figures added in one upsert (no read). */
	[ST_HIST_ADD] = { "hist_add", "biiiiiiit",
		"INSERT INTO history AS h (sku, day, ordered, backordered, cancelled, filled_lines,"
		" wait_sum, wait_max, wait_hist) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint[])"
		" ON CONFLICT (sku, day) DO UPDATE SET ordered = h.ordered + EXCLUDED.ordered,"
		" backordered = h.backordered + EXCLUDED.backordered,"
		" cancelled = h.cancelled + EXCLUDED.cancelled,"
		" filled_lines = h.filled_lines + EXCLUDED.filled_lines,"
		" wait_sum = h.wait_sum + EXCLUDED.wait_sum,"
		" wait_max = greatest(h.wait_max, EXCLUDED.wait_max),"
		" wait_hist = CASE WHEN h.wait_hist IS NULL THEN EXCLUDED.wait_hist"
		" ELSE ARRAY(SELECT a + b FROM unnest(h.wait_hist, EXCLUDED.wait_hist)"
		" WITH ORDINALITY AS t (a, b, i) ORDER BY i) END" },
	/* The same for a delta whose wait buckets are all zero (most calls):
	 * a new row's buckets are NULL (all zero, schema 6), a stored row's
	 * stay as they are, without the array arithmetic. */
	[ST_HIST_ADD0] = { "hist_add", "biiiiiii",
		"INSERT INTO history AS h (sku, day, ordered, backordered, cancelled, filled_lines,"
		" wait_sum, wait_max, wait_hist) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)"
		" ON CONFLICT (sku, day) DO UPDATE SET ordered = h.ordered + EXCLUDED.ordered,"
		" backordered = h.backordered + EXCLUDED.backordered,"
		" cancelled = h.cancelled + EXCLUDED.cancelled,"
		" filled_lines = h.filled_lines + EXCLUDED.filled_lines,"
		" wait_sum = h.wait_sum + EXCLUDED.wait_sum,"
		" wait_max = greatest(h.wait_max, EXCLUDED.wait_max)" },
	[ST_HIST_NEXT] = { "hist_next", "bi",
		"SELECT sku, day, ordered, backordered, cancelled, filled_lines, wait_sum, wait_max,"
		" array_to_string(wait_hist, ',') FROM history WHERE sku = $1 AND day > $2"
		" ORDER BY day LIMIT 1" },
	/* Locations (storage version 3): writes go down the pipeline; the
	 * lists are read only for items with stock away from "main". */
	[ST_LOC_PUT] = { "loc_put", "bi",
		"INSERT INTO locations (id, rank) VALUES ($1, $2)"
		" ON CONFLICT (id) DO UPDATE SET rank = EXCLUDED.rank" },
	[ST_LOC_FIRST] = { "loc_next", "",
		"SELECT id, rank FROM locations ORDER BY id LIMIT 1" },
	[ST_LOC_NEXT] = { "loc_next", "b",
		"SELECT id, rank FROM locations WHERE id > $1 ORDER BY id LIMIT 1" },
	[ST_STOCK_PUT] = { "stock_put", "bbii",
		"INSERT INTO stock (" STOCK_COLS ") VALUES ($1, $2, $3, $4)"
		" ON CONFLICT (sku, location) DO UPDATE SET on_hand = EXCLUDED.on_hand,"
		" allocated = EXCLUDED.allocated" },
	[ST_STOCK_DEL] = { "stock_put", "bb",
		"DELETE FROM stock WHERE sku = $1 AND location = $2" },
	/* All of an item's (a line's) records in one statement, one round
	 * trip; the limit is one more than the caller takes, so that a list
	 * too long for it shows without the rest coming over the wire. */
	[ST_STOCK_LIST] = { "stock_list", "bi",
		"SELECT " STOCK_COLS " FROM stock WHERE sku = $1 ORDER BY location LIMIT $2" },
	[ST_LALLOC_PUT] = { "lalloc_put", "bibi",
		"INSERT INTO line_locs (" LALLOC_COLS ") VALUES ($1, $2, $3, $4)"
		" ON CONFLICT (order_id, idx, location) DO UPDATE SET qty = EXCLUDED.qty" },
	[ST_LALLOC_DEL] = { "lalloc_put", "bib",
		"DELETE FROM line_locs WHERE order_id = $1 AND idx = $2 AND location = $3" },
	[ST_LALLOC_LIST] = { "lalloc_list", "bii",
		"SELECT " LALLOC_COLS " FROM line_locs WHERE order_id = $1 AND idx = $2"
		" ORDER BY location LIMIT $3" },
};

/* ------------------------------------------------------------ the store */

/* What to do with the result of a statement sent in the pipeline. */
enum {
	PK_WRITE,       /* a write: check it, discard it */
	PK_CMD,         /* BEGIN, SAVEPOINT, RELEASE ...: check it */
	PK_KEEP,        /* the result the caller waits for */
	PK_SYNC,        /* a sync point */
	PK_META,        /* ST_META_CALL: into the metadata cache */
	PK_SESS,        /* ST_SESS_LOCK: this connection's row must be there */
	PK_COMMIT,      /* COMMIT: must answer COMMIT */
	PK_ROLLBACK     /* ROLLBACK (TO): check it */
};

typedef struct pending {
	int kind;
	int id;                 /* the statement, or -1 */
	const char *what;       /* for messages */
} pending;

/* The per-transaction cache of records the transaction locked or wrote
 * (nobody else can change them before it ends), or found absent under a
 * lock request. */
enum { C_ITEM = 1, C_ORDER, C_LINE };
enum { C_PRESENT = 1, C_ABSENT };

typedef struct centry {
	int kind, state;
	int fresh;              /* an order this transaction inserted */
	uint32_t index;
	int next;               /* hash chain */
	char key[BO_ID_MAX + 1];
	union {
		bo_item_rec item;
		bo_order_rec order;
		bo_line_rec line;
	} u;
} centry;

/* A transaction caches at most this many records (a batch may touch more). */
#define BO_PG_CACHE_MAX 65536

typedef struct bo_pg {
	PGconn *conn;
	uint32_t nsp;           /* OID of the inventory's schema */
	int64_t sid;            /* this connection's row in `sessions` */
	uint64_t round_trips;

	/* transaction state */
	int in_txn;             /* BEGIN sent, not ended */
	size_t sp_depth;        /* savepoints open now */
	int sess_locked;        /* the transaction holds its sessions row */
	int err;                /* 0, or the first failure of the transaction */
	char errmsg[480];
	int conn_lost;          /* the connection broke in the current round trip */
	int committing;         /* COMMIT is on its way: a lost connection leaves the outcome unknown */
	int flushing;           /* pl_send is reading results to make room in pend */

	/* the pipeline: statements sent, results not read yet */
	pending pend[BO_PG_MAX_PENDING + 8];
	size_t npend;
	PGresult *kept[4];      /* results of PK_KEEP statements, in order */
	int nkept;

	/* metadata the transaction read or wrote */
	int meta_loaded;
	int has_now, has_next_release, has_promises;
	int64_t now, next_release, promises;
	int now_dirty;          /* written at commit, at the top level */

	/* events appended and not sent yet: they go with the next statement */
	bo_event_rec evq[BO_PG_EVENTS_AT_ONCE];
	size_t nevq;
	int evq_by_store;       /* they came from cb_outbox_add */

	/* queue numbers taken after the last item lock */
	uint64_t lseq[4];
	size_t nlseq;

	/* record cache */
	centry *ce;
	size_t nce, cap_ce;
	int *bucket;
	size_t nbucket;

	/* the outbox: events known final, and the events read ahead */
	uint64_t safe;          /* every event <= safe has committed or never will */
	int hz_pending;         /* a look waits for writers to finish */
	uint64_t hz_last;       /* ... the sequence's last value at that look */
	char hz_xids[2048];     /* ... the writers then in flight, as xid8[] text */
	bo_event_rec *ob;       /* events read ahead, all <= safe */
	size_t nob, obpos;
	uint64_t ob_after;      /* they are every final event after this one... */
	int ob_complete;        /* ... up to the last (1) or more may follow (0) */
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

/* `msg` (a libpq message: multi-line, newline-terminated) on one line. */
static void one_line(char *buf, size_t cap, const char *msg)
{
	size_t i, n = 0;
	if (!msg || !*msg)
		msg = "unknown error";
	for (i = 0; msg[i] && n + 1 < cap; i++) {
		char c = msg[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		buf[n++] = c;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

static int fail_msg(const char *what, const char *msg)
{
	char buf[512];
	one_line(buf, sizeof(buf), msg);
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

/* Read a bigint column of row `row`; clears *ok on a malformed value. */
static int64_t col_i64_at(const PGresult *r, int row, int col, int *ok)
{
	const unsigned char *b;
	uint64_t u = 0;
	int64_t v;
	int i;
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8) {
		*ok = 0;
		return 0;
	}
	b = (const unsigned char *)PQgetvalue(r, row, col);
	for (i = 0; i < 8; i++)
		u = (u << 8) | b[i];
	memcpy(&v, &u, sizeof(v));
	return v;
}

static int64_t col_i64(const PGresult *r, int col, int *ok)
{
	return col_i64_at(r, 0, col, ok);
}

/* Copy a bytea/text column of row `row` into `dst` of `cap` bytes. */
static void col_str_at(const PGresult *r, int row, int col, char *dst, size_t cap, int *ok)
{
	int n = PQgetlength(r, row, col);
	if (PQgetisnull(r, row, col) || n < 0 || (size_t)n >= cap) {
		*ok = 0;
		dst[0] = '\0';
		return;
	}
	memcpy(dst, PQgetvalue(r, row, col), (size_t)n);
	dst[n] = '\0';
	if (strlen(dst) != (size_t)n)
		*ok = 0;        /* a NUL inside: not an id we wrote */
}

static void col_str(const PGresult *r, int col, char *dst, size_t cap, int *ok)
{
	col_str_at(r, 0, col, dst, cap, ok);
}

/* Run a utility command without parameters, outside pipeline mode (open). */
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

/* ---------------------------------------------------------------- caches */

static void meta_forget(bo_pg *s)
{
	s->meta_loaded = s->has_now = s->has_next_release = s->has_promises = 0;
	s->now_dirty = 0;
}

static void cache_clear(bo_pg *s)
{
	if (s->nce > 0 && s->bucket)
		memset(s->bucket, -1, s->nbucket * sizeof(*s->bucket));
	s->nce = 0;
	s->nlseq = 0;
}

static uint32_t cache_hash(int kind, const char *key, uint32_t index)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return (h ^ index) * 16777619u;
}

static centry *cache_find(bo_pg *s, int kind, const char *key, uint32_t index)
{
	int i;
	if (s->nce == 0 || bounded_len(key, BO_ID_MAX) < 0)
		return NULL;
	i = s->bucket[cache_hash(kind, key, index) & (s->nbucket - 1)];
	for (; i >= 0; i = s->ce[i].next)
		if (s->ce[i].kind == kind && s->ce[i].index == index && strcmp(s->ce[i].key, key) == 0)
			return &s->ce[i];
	return NULL;
}

/* The entry of (kind, key, index), made if needed; NULL when the cache is
 * full or out of memory (the caller then simply does not cache). */
static centry *cache_slot(bo_pg *s, int kind, const char *key, uint32_t index)
{
	centry *e = cache_find(s, kind, key, index);
	size_t i;
	if (e)
		return e;
	if (bounded_len(key, BO_ID_MAX) < 0 || s->nce >= BO_PG_CACHE_MAX)
		return NULL;
	if (s->nce == s->cap_ce) {
		size_t cap = s->cap_ce ? s->cap_ce * 2 : 16;
		centry *n = bo_realloc(s->ce, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->ce = n;
		s->cap_ce = cap;
	}
	if (s->nce + 1 > s->nbucket / 2 || !s->bucket) {
		size_t nb = s->nbucket ? s->nbucket * 2 : 64;
		int *b;
		while (nb < 2 * (s->nce + 1))
			nb *= 2;
		b = bo_malloc(nb * sizeof(*b));
		if (!b)
			return NULL;
		memset(b, -1, nb * sizeof(*b));
		bo_free(s->bucket);
		s->bucket = b;
		s->nbucket = nb;
		for (i = 0; i < s->nce; i++) {
			uint32_t h = cache_hash(s->ce[i].kind, s->ce[i].key, s->ce[i].index) & (uint32_t)(nb - 1);
			s->ce[i].next = b[h];
			b[h] = (int)i;
		}
	}
	e = &s->ce[s->nce];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->index = index;
	strcpy(e->key, key);
	{
		uint32_t h = cache_hash(kind, key, index) & (uint32_t)(s->nbucket - 1);
		e->next = s->bucket[h];
		s->bucket[h] = (int)s->nce;
	}
	s->nce++;
	return e;
}

/* Everything the transaction knew: at its end, or when a savepoint is
 * rolled back (the rows it locked there are free again). */
static void txn_forget(bo_pg *s)
{
	cache_clear(s);
	meta_forget(s);
	s->nevq = 0; /* (sent before every statement: only those of the undone part are left) */
}

/* The events read ahead: not to be served after the transaction. */
static void outbox_forget(bo_pg *s)
{
	s->nob = s->obpos = 0;
	s->ob_complete = 0;
}

/* --------------------------------------------------------------- errors */

/*
 * A conflict with another connection, worth running the call again for: a
 * deadlock, a serialisation failure, or a key taken by a concurrent insert
 * of the same new item or order (the call found it absent, so its INSERT
 * was plain). A duplicate key anywhere else is a plain failure.
 */
static int is_conflict(const char *state, int id)
{
	if (!state)
		return 0;
	if (strcmp(state, "23505") == 0)
		return id == ST_ITEM_INSERT || id == ST_ORDER_INSERT;
	return strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0;
}

/* The server ended the session (shutdown, restart, a killed backend) or
 * the connection failed: SQLSTATE class 57P, or 08. */
static int conn_gone(const char *state)
{
	return state && (strncmp(state, "57P", 3) == 0 || strncmp(state, "08", 2) == 0);
}

/* Note the first failure of the transaction (or of this round trip, outside one). */
static void set_err(bo_pg *s, int rc, const char *what, const char *msg)
{
	char buf[400];
	if (s->err)
		return;
	one_line(buf, sizeof(buf), msg);
	s->err = rc;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, buf);
}

/* Report the noted failure through bo_storage_error(); `caller` is the
 * callback that found it, named when the failed statement was another. */
static int report(bo_pg *s, const char *caller)
{
	size_t n = strlen(caller);
	int rc = s->err ? s->err : BO_ESTORAGE;
	if (!s->err)
		snprintf(s->errmsg, sizeof(s->errmsg), "%s: unknown error", caller);
	if (strncmp(s->errmsg, caller, n) == 0 && s->errmsg[n] == ':')
		bo_storage_error("postgres: %s", s->errmsg);
	else
		bo_storage_error("postgres: %s (reported at %s)", s->errmsg, caller);
	if (!s->in_txn)
		s->err = 0; /* nothing to roll back: the next statement starts afresh */
	return rc;
}

/* ------------------------------------------------------------ the pipeline */

static int pl_push(bo_pg *s, int kind, int id, const char *what)
{
	if (s->npend >= sizeof(s->pend) / sizeof(s->pend[0])) {
		/* (cannot happen: pl_send makes room) A result would go
		 * unread: drop the connection rather than lose track. */
		set_err(s, BO_ESTORAGE, what, "too many statements in flight");
		s->conn_lost = 1;
		return BO_ESTORAGE;
	}
	s->pend[s->npend].kind = kind;
	s->pend[s->npend].id = id;
	s->pend[s->npend].what = what;
	s->npend++;
	return BO_OK;
}

/* The connection broke while sending or reading. */
static void lost(bo_pg *s, const char *what)
{
	/* Inside a transaction, before COMMIT was sent, nothing was committed:
	 * the call may run again, on a new connection (begin reconnects). */
	int rc = s->in_txn && !s->committing ? BO_STORAGE_RETRY : BO_ESTORAGE;
	set_err(s, rc, what, PQerrorMessage(s->conn));
	s->conn_lost = 1;
}

static int pl_send(bo_pg *s, int id, const params *p, int kind);
static void p_event(params *p, const bo_event_rec *ev, int with_seq);
static int pl_flush(bo_pg *s);

/* Send the events appended and not sent yet, as one INSERT: numbered by
 * the core, or (cb_outbox_add) by the INSERT (see ST_OUTBOX_NUM1). */
static void events_send(bo_pg *s)
{
	static const int ids[] = { ST_OUTBOX_APPEND, ST_OUTBOX_APPEND2, ST_OUTBOX_APPEND3, ST_OUTBOX_APPEND4 };
	static const int num[] = { ST_OUTBOX_NUM1, ST_OUTBOX_NUM2, ST_OUTBOX_NUM3, ST_OUTBOX_NUM4 };
	params p;
	size_t i, n = s->nevq;
	int numbered = s->evq_by_store;
	if (n == 0)
		return;
	s->nevq = 0;
	p_init(&p);
	if (numbered)
		p_i64(&p, s->sid);
	for (i = 0; i < n; i++)
		p_event(&p, &s->evq[i], !numbered);
	if (!numbered) {
		pl_send(s, ids[n - 1], &p, PK_WRITE);
		return;
	}
	pl_send(s, num[n - 1], &p, PK_WRITE);
	if (s->sp_depth == 0)
		s->sess_locked = 1;
}

/* Send prepared statement `id`; its result is handled as `kind`. */
static int pl_send(bo_pg *s, int id, const params *p, int kind)
{
	char name[16];
	/* Every statement sent leaves an entry in s->pend until its result is
	 * read: a long call (a fill of a thousand lines sends thousands of
	 * writes and events) reads them every BO_PG_MAX_PENDING. */
	if (s->npend >= BO_PG_MAX_PENDING && !s->flushing) {
		s->flushing = 1;
		(void)pl_flush(s); /* a failure stays in s->err for the next read or the commit */
		s->flushing = 0;
	}
	if (s->nevq > 0 && id != ST_OUTBOX_APPEND && id != ST_OUTBOX_APPEND2 && id != ST_OUTBOX_APPEND3 &&
	    id != ST_OUTBOX_APPEND4)
		events_send(s); /* first: the statements stay in the order of the calls */
	if (p->bad) {
		/* Refused before it reaches the server: the transaction goes on. */
		return fail_msg(stmts[id].what, "id missing, too long or not terminated");
	}
	if (s->conn_lost)
		return BO_OK; /* reported by the round trip */
	snprintf(name, sizeof(name), "bo_%d", id);
	if (!PQsendQueryPrepared(s->conn, name, p->n, p->val, p->len, p->fmt, 1)) {
		lost(s, stmts[id].what);
		return BO_OK;
	}
	return pl_push(s, kind, id, stmts[id].what);
}

/* Send SQL without parameters (BEGIN, COMMIT, SAVEPOINT spN ...). */
static void pl_send_sql(bo_pg *s, const char *sql, const char *what, int kind)
{
	events_send(s);
	if (s->conn_lost)
		return;
	if (!PQsendQueryParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 1)) {
		lost(s, what);
		return;
	}
	pl_push(s, kind, -1, what);
}

static void pl_sync(bo_pg *s)
{
	events_send(s);
	if (s->conn_lost)
		return;
	if (!PQpipelineSync(s->conn)) {
		lost(s, "sync");
		return;
	}
	pl_push(s, PK_SYNC, -1, "sync");
}

static void meta_take_result(bo_pg *s, PGresult *r)
{
	int ok = 1;
	if (PQntuples(r) != 1 || PQnfields(r) != 3) {
		set_err(s, BO_ESTORAGE, "meta_get", "unexpected result shape");
		return;
	}
	s->meta_loaded = 1;
	if ((s->has_now = !PQgetisnull(r, 0, 0)) != 0)
		s->now = col_i64(r, 0, &ok);
	if ((s->has_next_release = !PQgetisnull(r, 0, 1)) != 0)
		s->next_release = col_i64(r, 1, &ok);
	if ((s->has_promises = !PQgetisnull(r, 0, 2)) != 0)
		s->promises = col_i64(r, 2, &ok);
	if (!ok)
		set_err(s, BO_ESTORAGE, "meta_get", "stored record is corrupt");
}

/* Handle the (non-error) result of pending entry `p`. */
static void pl_result(bo_pg *s, const pending *p, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		set_err(s, BO_ESTORAGE, p->what, "unexpected result");
		PQclear(r);
		return;
	}
	switch (p->kind) {
	case PK_KEEP:
		if (s->nkept < 4) {
			s->kept[s->nkept++] = r;
			return;
		}
		break;
	case PK_META:
		meta_take_result(s, r);
		break;
	case PK_SESS:
		if (PQntuples(r) != 1)
			set_err(s, BO_ESTORAGE, p->what, "this connection's row in sessions is missing");
		break;
	case PK_COMMIT:
		if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
			set_err(s, BO_ESTORAGE, p->what, "the server rolled the transaction back");
		break;
	default:
		break;
	}
	PQclear(r);
}

/*
 * Read the results of everything sent, up to and including the last sync
 * (the caller has sent one): one round trip. Failures are noted in s->err
 * (the first one); BO_OK or that failure is returned, not yet reported.
 */
static int pl_drain(bo_pg *s)
{
	size_t i;
	s->round_trips++;
	for (i = 0; i < s->npend && !s->conn_lost; i++) {
		const pending *p = &s->pend[i];
		const char *state;
		PGresult *r = PQgetResult(s->conn);
		if (!r) {
			lost(s, p->what);
			break;
		}
		if (p->kind == PK_SYNC) {
			if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
				set_err(s, BO_ESTORAGE, "sync", "unexpected result");
			PQclear(r);
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_ABORTED:
			PQclear(r); /* skipped after an earlier failure, noted already */
			break;
		case PGRES_FATAL_ERROR:
		case PGRES_NONFATAL_ERROR:
		case PGRES_BAD_RESPONSE:
			if (PQstatus(s->conn) == CONNECTION_BAD || conn_gone(PQresultErrorField(r, PG_DIAG_SQLSTATE))) {
				/* (the server's last words arrive before libpq sees the socket close) */
				if (!s->err)
					set_err(s, s->in_txn && !s->committing ? BO_STORAGE_RETRY : BO_ESTORAGE,
						p->what, PQresultErrorMessage(r));
				PQclear(r);
				lost(s, p->what);
				continue;
			}
			state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			/* (the events' INSERT: a number is NULL without the sessions row) */
			if (p->id >= ST_OUTBOX_NUM1 && p->id <= ST_OUTBOX_NUM4 && state && strcmp(state, "23502") == 0)
				set_err(s, BO_ESTORAGE, p->what, "this connection's row in sessions is missing");
			else
				set_err(s, is_conflict(state, p->id) ? BO_STORAGE_RETRY : BO_ESTORAGE, p->what,
					PQresultErrorMessage(r));
			PQclear(r);
			break;
		default:
			pl_result(s, p, r);
			break;
		}
		/* Each statement's results end with NULL. */
		while ((r = PQgetResult(s->conn)) != NULL) {
			if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
				/* should not happen: keep the count straight */
				PQclear(r);
				break;
			}
			PQclear(r);
		}
	}
	s->npend = 0;
	if (s->conn_lost)
		s->in_txn = 0; /* the server rolled it back */
	return s->err;
}

/* Drop the kept results. */
static void kept_clear(bo_pg *s)
{
	while (s->nkept > 0)
		PQclear(s->kept[--s->nkept]);
}

/* Sync and drain: one round trip for everything sent. */
static int pl_flush(bo_pg *s)
{
	if (s->npend == 0 && !s->conn_lost)
		return s->err;
	pl_sync(s);
	return pl_drain(s);
}

/* ------------------------------------------------------------ statements */

/* Reconnect when the connection is known broken (outside transactions). */
static int ensure_conn(bo_pg *s, const char *what);

/*
 * A read: send statement `id` with everything pending, one round trip.
 * BO_OK with s->kept holding the result, or the failure reported.
 */
static int q_read(bo_pg *s, int id, const params *p, const char *what)
{
	int rc;
	if (!s->in_txn && (rc = ensure_conn(s, what)) != BO_OK)
		return rc;
	if (s->in_txn && s->err)
		return report(s, what);
	kept_clear(s);
	if ((rc = pl_send(s, id, p, PK_KEEP)) != BO_OK)
		return rc;
	if (pl_flush(s) != BO_OK || s->nkept != 1) {
		kept_clear(s);
		if (!s->err)
			set_err(s, BO_ESTORAGE, what, "no result");
		return report(s, what);
	}
	return BO_OK;
}

/* The kept result, handed over (the caller PQclear()s it). */
static PGresult *take_kept(bo_pg *s)
{
	PGresult *r = s->nkept > 0 ? s->kept[0] : NULL;
	s->kept[0] = NULL;
	s->nkept = 0;
	return r;
}

/*
 * A query returning at most one row. BO_OK with *out set (the caller reads
 * row 0 and PQclear()s it), or BO_ENOTFOUND / a failure.
 */
static int q_row(bo_pg *s, int id, const params *p, int ncols, PGresult **out)
{
	PGresult *r;
	int rc = q_read(s, id, p, stmts[id].what);
	*out = NULL;
	if (rc != BO_OK)
		return rc;
	r = take_kept(s);
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

/*
 * A write. Inside a transaction it is sent and not waited for: the next
 * read or the commit reads its result (and fails if it failed). Outside
 * one it runs at once.
 */
static int q_write(bo_pg *s, int id, const params *p)
{
	int rc;
	if (!s->in_txn) {
		if ((rc = q_read(s, id, p, stmts[id].what)) == BO_OK)
			PQclear(take_kept(s));
		return rc;
	}
	if (s->err)
		return report(s, stmts[id].what);
	if ((rc = pl_send(s, id, p, PK_WRITE)) != BO_OK)
		return rc;
	if (s->npend >= BO_PG_MAX_PENDING && pl_flush(s) != BO_OK)
		return report(s, stmts[id].what);
	return BO_OK;
}

/* A DELETE, at once; #BO_ENOTFOUND when it deleted nothing. */
static int q_delete(bo_pg *s, int id, const params *p)
{
	PGresult *r;
	int rc = q_read(s, id, p, stmts[id].what);
	if (rc != BO_OK)
		return rc;
	r = take_kept(s);
	rc = strcmp(PQcmdTuples(r), "0") == 0 ? BO_ENOTFOUND : BO_OK;
	PQclear(r);
	return rc;
}

/* Finish reading a row: free it, and turn a decoding failure into an error. */
static int row_end(PGresult *r, int id, int ok)
{
	PQclear(r);
	if (!ok)
		return fail_msg(stmts[id].what, "stored record is corrupt");
	return BO_OK;
}

/* ------------------------------------------------------------ transactions */

static int setup_conn(bo_pg *s);

static int ensure_conn(bo_pg *s, const char *what)
{
	char buf[48];
	if (!s->conn_lost && PQstatus(s->conn) == CONNECTION_OK)
		return BO_OK;
	/* The server went away (restart, failover): reconnect, prepare again,
	 * claim a sessions row again. */
	s->npend = 0;
	s->conn_lost = 0;
	s->err = 0;
	s->in_txn = 0;
	s->sp_depth = 0;
	kept_clear(s);
	PQreset(s->conn);
	snprintf(buf, sizeof(buf), "%s: reconnect", what);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		s->conn_lost = 1;
		return fail_conn(s, buf);
	}
	if (setup_conn(s) != BO_OK) {
		s->conn_lost = 1;
		return BO_ESTORAGE;
	}
	return BO_OK;
}

/* Take this connection's sessions row at the top level of the transaction
 * (once), before it draws event numbers. */
static int lock_session(bo_pg *s)
{
	params p;
	if (s->sess_locked || !s->in_txn)
		return BO_OK;
	p_init(&p);
	p_i64(&p, s->sid);
	s->sess_locked = 1;
	return pl_send(s, ST_SESS_LOCK, &p, PK_SESS);
}

static int cb_begin(void *ud)
{
	bo_pg *s = ud;
	int rc;

	if (s->in_txn)
		return fail_msg("begin", "a transaction is already open");
	s->sp_depth = 0;
	s->sess_locked = 0;
	s->err = 0;
	s->committing = 0;
	txn_forget(s);
	outbox_forget(s);
	if ((rc = ensure_conn(s, "begin")) != BO_OK)
		return rc;
	/* Sent with the first read: no round trip of its own. */
	{
		params p;
		p_init(&p);
		pl_send(s, ST_BEGIN, &p, PK_CMD);
	}
	s->in_txn = 1;
	return BO_OK;
}

/* The end of a transaction, whatever it was. */
static void txn_end(bo_pg *s)
{
	s->in_txn = 0;
	s->sp_depth = 0;
	s->sess_locked = 0;
	s->committing = 0;
	txn_forget(s);
	outbox_forget(s);
}

static int cb_commit(void *ud)
{
	bo_pg *s = ud;
	int rc;

	if (!s->in_txn)
		return fail_msg("commit", "no transaction is open");
	if (s->err)
		return fail_msg("commit", "the transaction failed earlier and must be rolled back");
	if (s->now_dirty) {
		/* The clock, written at the top level (see lock_session). */
		params p;
		p_init(&p);
		p_i64(&p, s->sid);
		p_i64(&p, s->now);
		pl_send(s, ST_NOW_PUT, &p, PK_WRITE);
	}
	s->committing = 1;
	{
		params p;
		p_init(&p);
		pl_send(s, ST_COMMIT, &p, PK_COMMIT);
	}
	rc = pl_flush(s);
	s->committing = 0;
	if (rc != BO_OK) {
		rc = report(s, "commit");
		/* Still open (a statement before COMMIT failed, so COMMIT was
		 * skipped): the core rolls back. Else it is over. */
		if (s->in_txn && !s->conn_lost && PQtransactionStatus(s->conn) == PQTRANS_IDLE)
			txn_end(s);
		return rc;
	}
	txn_end(s);
	return BO_OK;
}

static int cb_rollback(void *ud)
{
	bo_pg *s = ud;
	int rc;
	if (!s->in_txn && s->npend == 0) {
		txn_end(s);
		s->err = 0;
		return BO_OK;
	}
	s->nevq = 0;
	if (s->conn_lost || PQstatus(s->conn) == CONNECTION_BAD) {
		/* The server rolled back when it saw the connection go. */
		txn_end(s);
		s->err = 0;
		return BO_OK;
	}
	/* Statements after a failure are skipped up to the next sync, so a
	 * sync first: one round trip all the same. */
	s->nevq = 0;
	if (s->npend > 0)
		pl_sync(s);
	s->err = 0;
	pl_send_sql(s, "ROLLBACK", "rollback", PK_ROLLBACK);
	pl_sync(s);
	/* Failures before the ROLLBACK do not matter any more. */
	pl_drain(s);
	rc = BO_OK;
	if (s->conn_lost || PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		rc = report(s, "rollback");
	txn_end(s);
	s->err = 0;
	return rc;
}

static int in_txn_check(bo_pg *s, const char *what)
{
	if (s->in_txn)
		return BO_OK;
	s->sp_depth = 0;
	return fail_msg(what, "no transaction is open");
}

static int cb_savepoint(void *ud)
{
	bo_pg *s = ud;
	char sql[64];
	int rc = in_txn_check(s, "savepoint");
	if (rc != BO_OK)
		return rc;
	if (s->err)
		return report(s, "savepoint");
	/* Events drawn inside a savepoint: the sessions row must be held by the
	 * top-level transaction, whose xid others can see. */
	if (s->sp_depth == 0 && (rc = lock_session(s)) != BO_OK)
		return rc;
	snprintf(sql, sizeof(sql), "SAVEPOINT sp%lu", (unsigned long)s->sp_depth + 1);
	pl_send_sql(s, sql, "savepoint", PK_CMD);
	s->sp_depth++;
	return BO_OK;
}

static int cb_release(void *ud)
{
	bo_pg *s = ud;
	char sql[64];
	int rc;
	if (s->sp_depth == 0)
		return fail_msg("release", "no savepoint is open");
	if ((rc = in_txn_check(s, "release")) != BO_OK)
		return rc;
	if (s->err)
		return report(s, "release");
	snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT sp%lu", (unsigned long)s->sp_depth);
	pl_send_sql(s, sql, "release", PK_CMD);
	/* The end of a call in a batch: its writes must have worked. */
	if (pl_flush(s) != BO_OK)
		return report(s, "release");
	s->sp_depth--;
	return BO_OK;
}

static int cb_rollback_to(void *ud)
{
	bo_pg *s = ud;
	char sql[96];
	int rc;
	if (s->sp_depth == 0)
		return fail_msg("rollback_to", "no savepoint is open");
	if ((rc = in_txn_check(s, "rollback_to")) != BO_OK)
		return rc;
	if (s->conn_lost)
		return report(s, "rollback_to");
	/* Events appended since the savepoint: undone anyway. */
	s->nevq = 0;
	/* A sync first: statements after a failure are skipped up to one. */
	if (s->npend > 0)
		pl_sync(s);
	/* ROLLBACK TO keeps the savepoint open; RELEASE then forgets it. */
	snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT sp%lu", (unsigned long)s->sp_depth);
	pl_send_sql(s, sql, "rollback_to", PK_ROLLBACK);
	snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT sp%lu", (unsigned long)s->sp_depth);
	pl_send_sql(s, sql, "rollback_to", PK_CMD);
	pl_sync(s);
	s->err = 0;
	pl_drain(s);
	/* What the transaction knew since the savepoint may be undone, and the
	 * rows it locked there are free again. */
	txn_forget(s);
	outbox_forget(s);
	if (s->conn_lost || PQtransactionStatus(s->conn) != PQTRANS_INTRANS) {
		if (!s->err)
			set_err(s, BO_ESTORAGE, "rollback_to", "the transaction cannot go on");
		return report(s, "rollback_to");
	}
	s->err = 0;
	s->sp_depth--;
	return BO_OK;
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
	out->located = col_i64(r, 20, &ok);
	return ok;
}

static int item_query(bo_pg *s, int id, const params *p, bo_item_rec *out)
{
	PGresult *r;
	int rc = q_row(s, id, p, ITEM_NCOLS, &r);
	if (rc != BO_OK)
		return rc;
	return row_end(r, id, item_read(r, out));
}

/*
 * A row lock (SELECT ... FOR UPDATE of item or order `sku_or_id`) and,
 * after an item's lock in the same round trip, one queue number: the
 * number a line placed on that item will most likely take, drawn after the
 * lock so that lines on one item are numbered in the order their
 * transactions held it.
 */
static int lock_read(bo_pg *s, int id, const char *key)
{
	params p;
	int rc;
	if (s->err)
		return report(s, stmts[id].what);
	kept_clear(s);
	p_init(&p);
	p_str(&p, key, BO_ID_MAX);
	if (id == ST_ITEM_LOCK_LSEQ)
		s->nlseq = 0;
	if ((rc = pl_send(s, id, &p, PK_KEEP)) != BO_OK)
		return rc;
	if (pl_flush(s) != BO_OK || s->nkept != 1) {
		kept_clear(s);
		if (!s->err)
			set_err(s, BO_ESTORAGE, stmts[id].what, "no result");
		return report(s, stmts[id].what);
	}
	return BO_OK;
}

static int cb_item_get(void *ud, const char *sku, bo_item_rec *out, int for_update)
{
	bo_pg *s = ud;
	params p;
	PGresult *r;
	centry *e;
	int rc, ok;
	if (!out)
		return fail_msg("item_get", "no output record");
	if (s->in_txn && (e = cache_find(s, C_ITEM, sku, 0)) != NULL) {
		if (e->state == C_ABSENT)
			return BO_ENOTFOUND;
		*out = e->u.item;
		return BO_OK;
	}
	if (!for_update || !s->in_txn) {
		p_init(&p);
		p_str(&p, sku, BO_ID_MAX);
		return item_query(s, ST_ITEM_GET, &p, out);
	}
	if ((rc = lock_read(s, ST_ITEM_LOCK_LSEQ, sku)) != BO_OK)
		return rc;
	r = take_kept(s);
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((e = cache_slot(s, C_ITEM, sku, 0)) != NULL)
			e->state = C_ABSENT;
		return BO_ENOTFOUND;
	}
	if (PQnfields(r) != ITEM_NCOLS + 1 || PQbinaryTuples(r) != 1) {
		PQclear(r);
		return fail_msg("item_get", "unexpected result shape");
	}
	ok = item_read(r, out);
	{
		int lok = 1;
		int64_t v = col_i64(r, ITEM_NCOLS, &lok);
		if (lok && v > 0) {
			s->lseq[0] = (uint64_t)v;
			s->nlseq = 1;
		}
	}
	if ((rc = row_end(r, ST_ITEM_LOCK_LSEQ, ok)) != BO_OK)
		return rc;
	if ((e = cache_slot(s, C_ITEM, sku, 0)) != NULL) {
		e->state = C_PRESENT;
		e->u.item = *out;
	}
	return BO_OK;
}

static int cb_item_put(void *ud, const bo_item_rec *r)
{
	bo_pg *s = ud;
	params p;
	centry *e;
	int id = ST_ITEM_PUT, rc;
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
	p_i64(&p, r->located);
	if (p.bad)
		return fail_msg("item_put", "id missing, too long or not terminated");
	/* Known present (locked or written here): UPDATE. Known absent: a plain
	 * INSERT, so that two transactions creating the item at once conflict
	 * (the loser runs again) instead of one overwriting the other. */
	e = s->in_txn ? cache_find(s, C_ITEM, r->sku, 0) : NULL;
	if (e)
		id = e->state == C_PRESENT ? ST_ITEM_UPDATE : ST_ITEM_INSERT;
	if ((rc = q_write(s, id, &p)) != BO_OK)
		return rc;
	if (s->in_txn && (e = cache_slot(s, C_ITEM, r->sku, 0)) != NULL) {
		e->state = C_PRESENT;
		e->u.item = *r;
	}
	return BO_OK;
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

static int order_read(PGresult *r, bo_order_rec *out)
{
	int ok = 1;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->id, sizeof(out->id), &ok);
	out->created = col_i64(r, 1, &ok);
	out->priority = col_i64(r, 2, &ok);
	out->due = col_i64(r, 3, &ok);
	out->ship_mode = (int32_t)col_i64(r, 4, &ok);
	out->ready = (int32_t)col_i64(r, 5, &ok);
	out->nlines = (uint32_t)col_i64(r, 6, &ok);
	return ok;
}

static int order_query(bo_pg *s, int id, const params *p, bo_order_rec *out)
{
	PGresult *r;
	int rc = q_row(s, id, p, 7, &r);
	if (rc != BO_OK)
		return rc;
	return row_end(r, id, order_read(r, out));
}

static int cb_order_get(void *ud, const char *id, bo_order_rec *out, int for_update)
{
	bo_pg *s = ud;
	params p;
	PGresult *r;
	centry *e;
	int rc, ok;
	if (!out)
		return fail_msg("order_get", "no output record");
	if (s->in_txn && (e = cache_find(s, C_ORDER, id, 0)) != NULL) {
		if (e->state == C_ABSENT)
			return BO_ENOTFOUND;
		*out = e->u.order;
		return BO_OK;
	}
	if (!for_update || !s->in_txn) {
		p_init(&p);
		p_str(&p, id, BO_ID_MAX);
		return order_query(s, ST_ORDER_GET, &p, out);
	}
	if ((rc = lock_read(s, ST_ORDER_GET_LOCK, id)) != BO_OK)
		return rc;
	r = take_kept(s);
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((e = cache_slot(s, C_ORDER, id, 0)) != NULL)
			e->state = C_ABSENT;
		return BO_ENOTFOUND;
	}
	if (PQnfields(r) != 7 || PQbinaryTuples(r) != 1) {
		PQclear(r);
		return fail_msg("order_get", "unexpected result shape");
	}
	ok = order_read(r, out);
	if ((rc = row_end(r, ST_ORDER_GET_LOCK, ok)) != BO_OK)
		return rc;
	if ((e = cache_slot(s, C_ORDER, id, 0)) != NULL) {
		e->state = C_PRESENT;
		e->u.order = *out;
	}
	return BO_OK;
}

static int cb_order_put(void *ud, const bo_order_rec *r)
{
	bo_pg *s = ud;
	params p;
	centry *e;
	int id = ST_ORDER_PUT, rc, fresh;
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
	if (p.bad)
		return fail_msg("order_put", "id missing, too long or not terminated");
	/* As item_put: two processes placing the same new order id conflict. */
	e = s->in_txn ? cache_find(s, C_ORDER, r->id, 0) : NULL;
	if (e)
		id = e->state == C_PRESENT ? ST_ORDER_UPDATE : ST_ORDER_INSERT;
	fresh = id == ST_ORDER_INSERT || (id == ST_ORDER_UPDATE && e->fresh);
	if ((rc = q_write(s, id, &p)) != BO_OK)
		return rc;
	if (s->in_txn && (e = cache_slot(s, C_ORDER, r->id, 0)) != NULL) {
		e->state = C_PRESENT;
		e->fresh = fresh;
		e->u.order = *r;
	}
	return BO_OK;
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
	bo_pg *s = ud;
	params p;
	PGresult *r;
	centry *e;
	int ok = 1, rc;
	if (!out)
		return fail_msg("line_get", "no output record");
	/* A line this transaction wrote: its row is locked until the end. */
	if (s->in_txn && (e = cache_find(s, C_LINE, order_id, index)) != NULL) {
		*out = e->u.line;
		return BO_OK;
	}
	p_init(&p);
	p_str(&p, order_id, BO_ID_MAX);
	p_i64(&p, index);
	rc = q_row(s, ST_LINE_GET, &p, 19, &r);
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
	bo_pg *s = ud;
	params p;
	centry *e;
	int id = ST_LINE_PUT, rc;
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
	/* The first write of a line of an order this transaction inserted. */
	if (s->in_txn && !cache_find(s, C_LINE, r->order_id, r->index) &&
	    (e = cache_find(s, C_ORDER, r->order_id, 0)) != NULL && e->fresh)
		id = ST_LINE_INSERT;
	if ((rc = q_write(s, id, &p)) != BO_OK)
		return rc;
	if (s->in_txn && (e = cache_slot(s, C_LINE, r->order_id, r->index)) != NULL) {
		e->state = C_PRESENT;
		e->u.line = *r;
	} else if (s->in_txn && (e = cache_find(s, C_ORDER, r->order_id, 0)) != NULL) {
		e->fresh = 0; /* the line's next write could not tell it was written */
	}
	return BO_OK;
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
	return q_write(ud, ST_QUEUE_INSERT, &p);
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
	return q_delete(ud, ST_QUEUE_REMOVE, &p);
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
	rc = q_row(s, id, &p, 7, &r);
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
	int ok = 1, rc = q_row(s, id, p, 5, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->sku, sizeof(out->sku), &ok);
	col_str(r, 1, out->id, sizeof(out->id), &ok);
	out->qty = col_i64(r, 2, &ok);
	out->expected = col_i64(r, 3, &ok);
	col_str(r, 4, out->location, sizeof(out->location), &ok);
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
	p_str(&p, r->location, BO_ID_MAX);
	return q_write(ud, ST_SUPPLY_PUT, &p);
}

static int cb_supply_del(void *ud, const char *sku, const char *id)
{
	params p;
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	p_str(&p, id, BO_ID_MAX);
	return q_delete(ud, ST_SUPPLY_DEL, &p);
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
	return q_write(ud, ST_SUB_ADD, &p);
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
	rc = q_row(ud, ST_SUB_NEXT, &p, 3, &r);
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
	return q_delete(ud, ST_SUB_DEL, &p);
}

/* ----------------------------------------------------------------- outbox */

/* An event's nine parameters. */
static void p_event(params *p, const bo_event_rec *ev, int with_seq)
{
	if (with_seq)
		p_seq(p, ev->seq);
	p_i64(p, ev->kind);
	p_str(p, ev->order_id, BO_ID_MAX);
	p_str(p, ev->sku, BO_ID_MAX);
	p_str(p, ev->customer, BO_ID_MAX);
	p_i64(p, ev->qty);
	p_i64(p, ev->eta);
	p_i64(p, ev->time);
	p_str(p, ev->location, BO_ID_MAX);
}

/* Append `ev`, numbered by the core (seq) or by the store (by_store). */
static int event_append(bo_pg *s, const bo_event_rec *ev, int by_store)
{
	const char *what = by_store ? "outbox_add" : "outbox_append";
	params p;
	if (!ev)
		return fail_msg(what, "no event");
	outbox_forget(s);
	p_init(&p);
	p_event(&p, ev, 1);
	if (p.bad)
		return fail_msg(what, "id missing, too long or not terminated");
	if (s->in_txn) {
		/* A call appends its events one after another: they go together,
		 * with the next statement (up to four in one INSERT, numbered
		 * all by the core or all by the store). */
		if (s->err)
			return report(s, what);
		if (s->nevq == BO_PG_EVENTS_AT_ONCE || (s->nevq > 0 && s->evq_by_store != by_store))
			events_send(s);
		s->evq_by_store = by_store;
		s->evq[s->nevq++] = *ev;
		return BO_OK;
	}
	if (by_store)
		return fail_msg(what, "no transaction is open");
	return q_write(s, ST_OUTBOX_APPEND, &p);
}

static int cb_outbox_append(void *ud, const bo_event_rec *ev)
{
	return event_append(ud, ev, 0);
}

/* An event the store numbers: sent by events_send as ST_OUTBOX_NUM1..4. */
static int cb_outbox_add(void *ud, const bo_event_rec *ev)
{
	return event_append(ud, ev, 1);
}

/* One row of an outbox read. */
static int event_read(const PGresult *r, int row, bo_event_rec *out)
{
	int ok = 1;
	memset(out, 0, sizeof(*out));
	out->seq = seq_from_db(col_i64_at(r, row, 0, &ok));
	out->kind = (int32_t)col_i64_at(r, row, 1, &ok);
	col_str_at(r, row, 2, out->order_id, sizeof(out->order_id), &ok);
	col_str_at(r, row, 3, out->sku, sizeof(out->sku), &ok);
	col_str_at(r, row, 4, out->customer, sizeof(out->customer), &ok);
	out->qty = col_i64_at(r, row, 5, &ok);
	out->eta = col_i64_at(r, row, 6, &ok);
	out->time = col_i64_at(r, row, 7, &ok);
	col_str_at(r, row, 8, out->location, sizeof(out->location), &ok);
	return ok;
}

/*
 * Read the outbox after `after`, and move the horizon, in one round trip:
 *
 *   1. if an earlier look waits for writers: are they all finished now
 *      (none of them in the current snapshot's in-progress list)? Then
 *      every event up to that look's L is final;
 *   2. a new look: L = the event sequence's last value, then (a later
 *      statement, so a later snapshot) the in-progress transactions that
 *      hold a sessions row: the writers that may have drawn a number <= L
 *      and not committed yet (a writer locks its row before it draws). None
 *      (the usual case with one process): events <= L are final at once.
 *      Some: the look waits for them (1. on a later read);
 *   3. the committed events after `after`, up to BO_PG_OUTBOX_CHUNK; those
 *      above the horizon are held back.
 *
 * Each statement of the round trip runs after the one before, with its own
 * snapshot (READ COMMITTED), which is what makes 2. and 3. sound.
 */
static int outbox_fill(bo_pg *s, uint64_t after)
{
	params p0, p1, p2;
	PGresult *r;
	int ok = 1, rc, check = s->hz_pending, i = 0, rows;
	uint64_t last = 0;

	if (!s->in_txn && (rc = ensure_conn(s, "outbox_next")) != BO_OK)
		return rc;
	if (s->in_txn && s->err)
		return report(s, "outbox_next");
	kept_clear(s);
	if (check) {
		p_init(&p0);
		p_str(&p0, s->hz_xids, sizeof(s->hz_xids) - 1);
		pl_send(s, ST_HZ_CHECK, &p0, PK_KEEP);
	}
	p_init(&p1);
	pl_send(s, ST_HZ_LAST, &p1, PK_KEEP);
	pl_send(s, ST_HZ_WRITERS, &p1, PK_KEEP);
	p_init(&p2);
	p_seq(&p2, after);
	p_i64(&p2, BO_PG_OUTBOX_CHUNK);
	pl_send(s, ST_OUTBOX_READ, &p2, PK_KEEP);
	if (pl_flush(s) != BO_OK || s->nkept != (check ? 4 : 3)) {
		kept_clear(s);
		if (!s->err)
			set_err(s, BO_ESTORAGE, "outbox_next", "unexpected result");
		return report(s, "outbox_next");
	}
	if (check) {
		/* bool, binary: one byte */
		r = s->kept[0];
		if (PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 1 && PQgetvalue(r, 0, 0)[0]) {
			if (s->hz_last > s->safe)
				s->safe = s->hz_last;
			s->hz_pending = 0;
		}
		i = 1;
	}
	r = s->kept[i];
	if (PQntuples(r) == 1 && PQnfields(r) == 1) {
		int64_t v = col_i64(r, 0, &ok);
		last = ok && v > 0 ? (uint64_t)v : 0;
		ok = 1;
	}
	r = s->kept[i + 1];
	if (!s->hz_pending && PQntuples(r) == 1 && PQnfields(r) == 1 && last > s->safe) {
		int len = PQgetlength(r, 0, 0);
		const char *xids = PQgetvalue(r, 0, 0);
		if (len == 2 && memcmp(xids, "{}", 2) == 0) {
			s->safe = last;
		} else if (len > 0 && (size_t)len < sizeof(s->hz_xids)) {
			memcpy(s->hz_xids, xids, (size_t)len);
			s->hz_xids[len] = '\0';
			s->hz_last = last;
			s->hz_pending = 1;
		}
		/* (a list too long to keep: look again next time) */
	}
	r = s->kept[i + 2];
	rows = PQntuples(r);
	if (rows > 0 && (PQnfields(r) != EVENT_NCOLS || PQbinaryTuples(r) != 1))
		ok = 0;
	if (!s->ob && !(s->ob = bo_malloc(BO_PG_OUTBOX_CHUNK * sizeof(*s->ob))))
		ok = 0;
	s->nob = s->obpos = 0;
	s->ob_after = after;
	s->ob_complete = rows < BO_PG_OUTBOX_CHUNK;
	for (int k = 0; ok && k < rows && k < BO_PG_OUTBOX_CHUNK; k++) {
		bo_event_rec ev;
		if (!event_read(r, k, &ev)) {
			ok = 0;
			break;
		}
		if (ev.seq > s->safe) {
			s->ob_complete = 1; /* held back, and everything after it */
			break;
		}
		s->ob[s->nob++] = ev;
	}
	kept_clear(s);
	if (!ok) {
		outbox_forget(s);
		return fail_msg("outbox_next", "stored record is corrupt");
	}
	return BO_OK;
}

static int cb_outbox_next(void *ud, uint64_t after, bo_event_rec *out)
{
	bo_pg *s = ud;
	int rc;
	if (!out)
		return fail_msg("outbox_next", "no output event");
	/* Served from the events read ahead while `after` walks through them:
	 * in a transaction from anywhere after the first read, outside one only
	 * as the continuation of the same walk. */
	if ((s->nob > 0 || s->ob_complete) &&
	    (s->in_txn ? after >= s->ob_after : s->obpos > 0 && s->obpos <= s->nob &&
	     after == s->ob[s->obpos - 1].seq)) {
		size_t k = s->in_txn ? 0 : s->obpos;
		while (k < s->nob && s->ob[k].seq <= after)
			k++;
		if (k < s->nob) {
			*out = s->ob[k];
			s->obpos = k + 1;
			return BO_OK;
		}
		if (s->ob_complete && s->in_txn)
			return BO_ENOTFOUND;
	}
	outbox_forget(s);
	if ((rc = outbox_fill(s, after)) != BO_OK)
		return rc;
	if (s->nob == 0)
		return BO_ENOTFOUND;
	*out = s->ob[0];
	s->obpos = 1;
	return BO_OK;
}

static int cb_outbox_ack(void *ud, uint64_t upto)
{
	bo_pg *s = ud;
	params p;
	outbox_forget(s);
	p_init(&p);
	p_seq(&p, upto);
	return q_write(s, ST_OUTBOX_ACK, &p);
}

/* ------------------------------------------------------------------- meta */

/* The counters the core keeps in meta when it does not call seq_take. */
static int is_counter(const char *key)
{
	return strcmp(key, "event_seq") == 0 || strcmp(key, "line_seq") == 0 || strcmp(key, "sub_seq") == 0;
}

static int cb_meta_get(void *ud, const char *key, int64_t *value)
{
	bo_pg *s = ud;
	params p;
	PGresult *r;
	int ok = 1, rc, is_now;
	if (!value)
		return fail_msg("meta_get", "no output value");
	if (bounded_len(key, BO_META_KEY_MAX) < 0)
		return fail_msg("meta_get", "key missing, too long or not terminated");
	is_now = strcmp(key, "now") == 0;
	if (s->in_txn && (is_now || strcmp(key, "next_release") == 0 || strcmp(key, "promises") == 0)) {
		/* The three keys every call reads, in one statement, once. */
		if (!s->meta_loaded) {
			if (s->err)
				return report(s, "meta_get");
			p_init(&p);
			pl_send(s, ST_META_CALL, &p, PK_META);
			if (pl_flush(s) != BO_OK)
				return report(s, "meta_get");
		}
		if (is_now) {
			*value = s->now;
			return s->has_now ? BO_OK : BO_ENOTFOUND;
		}
		if (key[0] == 'n') {
			*value = s->next_release;
			return s->has_next_release ? BO_OK : BO_ENOTFOUND;
		}
		*value = s->promises;
		return s->has_promises ? BO_OK : BO_ENOTFOUND;
	}
	p_init(&p);
	if (is_counter(key)) {
		p_str(&p, key, BO_META_KEY_MAX);
		rc = q_row(s, ST_COUNTER_GET, &p, 1, &r);
		if (rc != BO_OK)
			return rc;
		*value = col_i64(r, 0, &ok);
		if (ok && *value == 0) {
			PQclear(r);
			return BO_ENOTFOUND;
		}
		return row_end(r, ST_COUNTER_GET, ok);
	}
	if (is_now) {
		rc = q_row(s, ST_NOW_GET, &p, 1, &r);
		if (rc == BO_OK && PQgetisnull(r, 0, 0)) {
			PQclear(r);
			return BO_ENOTFOUND;
		}
	} else {
		p_str(&p, key, BO_META_KEY_MAX);
		rc = q_row(s, ST_META_GET, &p, 1, &r);
	}
	if (rc != BO_OK)
		return rc;
	*value = col_i64(r, 0, &ok);
	return row_end(r, is_now ? ST_NOW_GET : ST_META_GET, ok);
}

static int cb_meta_put(void *ud, const char *key, int64_t value)
{
	bo_pg *s = ud;
	params p;
	int rc;
	if (bounded_len(key, BO_META_KEY_MAX) < 0)
		return fail_msg("meta_put", "key missing, too long or not terminated");
	p_init(&p);
	if (strcmp(key, "now") == 0) {
		/* This connection's row; the maximum over all rows is the clock. */
		if (s->in_txn) {
			if (s->err)
				return report(s, "meta_put");
			/* Written at commit, by the top-level transaction. */
			if (!s->has_now || value > s->now)
				s->now = value;
			s->has_now = 1;
			s->now_dirty = 1;
			return BO_OK;
		}
		p_i64(&p, s->sid);
		p_i64(&p, value);
		return q_write(s, ST_NOW_PUT, &p);
	}
	p_str(&p, key, BO_META_KEY_MAX);
	p_i64(&p, value);
	if (is_counter(key)) {
		/* Numbers from a counter: the sequence follows it, so that the
		 * dispatch horizon covers them and seq_take never hands them out;
		 * a writer of event numbers takes its sessions row first, as with
		 * seq_take. */
		if (strcmp(key, "event_seq") == 0 && (rc = lock_session(s)) != BO_OK)
			return rc;
		if ((rc = q_write(s, ST_COUNTER_FOLLOW, &p)) != BO_OK)
			return rc;
	}
	if ((rc = q_write(s, ST_META_PUT, &p)) != BO_OK)
		return rc;
	if (s->in_txn && s->meta_loaded) {
		if (strcmp(key, "next_release") == 0) {
			s->next_release = value;
			s->has_next_release = 1;
		} else if (strcmp(key, "promises") == 0) {
			s->promises = value;
			s->has_promises = 1;
		}
	}
	return BO_OK;
}

/* -------------------------------------------------------------- sequences */

static int cb_seq_take(void *ud, int kind, size_t n, uint64_t *out)
{
	bo_pg *s = ud;
	params p;
	PGresult *r;
	int id, rc, ok = 1;
	size_t i;
	if (!out || n == 0 || n > (size_t)INT32_MAX)
		return fail_msg("seq_take", "bad arguments");
	switch (kind) {
	case BO_SEQ_EVENT:
		id = ST_SEQ_EVENT;
		break;
	case BO_SEQ_LINE:
		id = ST_SEQ_LINE;
		/* The number drawn right after the last item lock. */
		if (n == 1 && s->in_txn && s->nlseq > 0) {
			out[0] = s->lseq[--s->nlseq];
			return BO_OK;
		}
		break;
	case BO_SEQ_SUB:
		id = ST_SEQ_SUB;
		break;
	default:
		return fail_msg("seq_take", "unknown sequence");
	}
	if (s->in_txn && s->err)
		return report(s, "seq_take");
	/* Event numbers: the transaction first takes its sessions row (and so
	 * an xid others can see), in the same statement. */
	p_init(&p);
	p_i64(&p, (int64_t)n);
	if (kind == BO_SEQ_EVENT && s->in_txn && !s->sess_locked) {
		p_i64(&p, s->sid);
		id = ST_SEQ_EVENT_LOCK;
		s->sess_locked = 1;
	}
	if ((rc = q_read(s, id, &p, "seq_take")) != BO_OK)
		return rc;
	r = take_kept(s);
	if ((size_t)PQntuples(r) != n || PQnfields(r) != 1) {
		PQclear(r);
		return fail_msg("seq_take", "unexpected result shape");
	}
	for (i = 0; i < n; i++) {
		int64_t v = col_i64_at(r, (int)i, 0, &ok);
		out[i] = (uint64_t)v;
		if (v <= 0)
			ok = 0;
	}
	PQclear(r);
	if (!ok)
		return fail_msg("seq_take", "unexpected value");
	return BO_OK;
}

/* ------------------------------------------------------------ open, close */

static void store_free(bo_pg *s)
{
	if (!s)
		return;
	/* Closing the connection rolls back any open transaction and frees its
	 * locks, the sessions row's advisory lock included. */
	kept_clear(s);
	PQfinish(s->conn);
	bo_free(s->ce);
	bo_free(s->bucket);
	bo_free(s->ob);
	bo_free(s);
}

static void cb_close(void *ud)
{
	store_free(ud);
}

/* ---------------------------------------------------------------- history */

static int cb_hist_add(void *ud, const bo_hist_rec *d)
{
	char buckets[BO_HIST_WAIT_BUCKETS * 11 + 3];
	size_t n = 0;
	int zero = 1;
	params p;
	if (!d)
		return fail_msg("hist_add", "no record");
	for (int i = 0; i < BO_HIST_WAIT_BUCKETS; i++)
		zero &= d->wait_hist[i] == 0;
	p_init(&p);
	p_str(&p, d->sku, BO_ID_MAX);
	p_i64(&p, d->day);
	p_i64(&p, d->ordered);
	p_i64(&p, d->backordered);
	p_i64(&p, d->cancelled);
	p_i64(&p, d->filled_lines);
	p_i64(&p, d->wait_sum);
	p_i64(&p, d->wait_max);
	if (zero)
		return q_write(ud, ST_HIST_ADD0, &p);
	buckets[n++] = '{';
	for (int i = 0; i < BO_HIST_WAIT_BUCKETS; i++)
		n += (size_t)snprintf(buckets + n, sizeof(buckets) - n, "%s%lu", i ? "," : "",
				      (unsigned long)d->wait_hist[i]);
	snprintf(buckets + n, sizeof(buckets) - n, "}");
	p_str(&p, buckets, sizeof(buckets) - 1);
	return q_write(ud, ST_HIST_ADD, &p);
}

/* "n,n,...": the buckets as array_to_string() wrote them. */
static void col_buckets(const PGresult *r, int col, uint32_t *out, int *ok)
{
	char buf[BO_HIST_WAIT_BUCKETS * 21 + 1], *q;
	int i;
	if (PQgetisnull(r, 0, col)) {
		/* all zero (schema 6: ST_HIST_ADD0) */
		memset(out, 0, BO_HIST_WAIT_BUCKETS * sizeof(*out));
		return;
	}
	col_str(r, col, buf, sizeof(buf), ok);
	q = buf;
	for (i = 0; i < BO_HIST_WAIT_BUCKETS && *ok; i++) {
		char *end;
		unsigned long long v = strtoull(q, &end, 10);
		if (end == q || (*end != ',' && *end != '\0')) {
			*ok = 0;
			break;
		}
		out[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		q = *end ? end + 1 : end;
	}
	if (*ok && (i != BO_HIST_WAIT_BUCKETS || *q))
		*ok = 0;
}

static int cb_hist_next(void *ud, const char *sku, int64_t after, bo_hist_rec *out)
{
	params p;
	PGresult *r;
	int ok = 1, rc;
	if (!out)
		return fail_msg("hist_next", "no output record");
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	p_i64(&p, after);
	rc = q_row(ud, ST_HIST_NEXT, &p, 9, &r);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->sku, sizeof(out->sku), &ok);
	out->day = col_i64(r, 1, &ok);
	out->ordered = col_i64(r, 2, &ok);
	out->backordered = col_i64(r, 3, &ok);
	out->cancelled = col_i64(r, 4, &ok);
	out->filled_lines = col_i64(r, 5, &ok);
	out->wait_sum = col_i64(r, 6, &ok);
	out->wait_max = col_i64(r, 7, &ok);
	col_buckets(r, 8, out->wait_hist, &ok);
	return row_end(r, ST_HIST_NEXT, ok);
}

/* -------------------------------------------------------------- locations */

static int cb_loc_put(void *ud, const bo_location_rec *r)
{
	params p;
	if (!r)
		return fail_msg("loc_put", "no record");
	p_init(&p);
	p_str(&p, r->id, BO_ID_MAX);
	p_i64(&p, r->rank);
	return q_write(ud, ST_LOC_PUT, &p);
}

static int cb_loc_next(void *ud, const char *after, bo_location_rec *out)
{
	params p;
	PGresult *r;
	int ok = 1, id = after ? ST_LOC_NEXT : ST_LOC_FIRST, rc;
	if (!out)
		return fail_msg("loc_next", "no output record");
	p_init(&p);
	if (after)
		p_str(&p, after, BO_ID_MAX);
	if ((rc = q_row(ud, id, &p, 2, &r)) != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	col_str(r, 0, out->id, sizeof(out->id), &ok);
	out->rank = col_i64(r, 1, &ok);
	return row_end(r, id, ok);
}

/* Stock and line allocations: an all-zero record is deleted (storage.h);
 * either way a write down the pipeline, not waited for. */
static int cb_stock_put(void *ud, const bo_stock_rec *r)
{
	params p;
	int del;
	if (!r)
		return fail_msg("stock_put", "no record");
	del = r->on_hand == 0 && r->allocated == 0;
	p_init(&p);
	p_str(&p, r->sku, BO_ID_MAX);
	p_str(&p, r->location, BO_ID_MAX);
	if (!del) {
		p_i64(&p, r->on_hand);
		p_i64(&p, r->allocated);
	}
	return q_write(ud, del ? ST_STOCK_DEL : ST_STOCK_PUT, &p);
}

/* The row limit of a list statement: one more than `max` (saturated). */
static int64_t list_limit(size_t max)
{
	return (uint64_t)max < (uint64_t)INT64_MAX ? (int64_t)max + 1 : INT64_MAX;
}

/*
 * Run list statement `id` (a read: it flushes the pipeline, one round
 * trip) and check its result: BO_OK with *out holding at most `max` rows
 * of `ncols` columns (the caller reads them and PQclear()s it), or a
 * failure (#BO_ESTORAGE when there are more than `max` records).
 */
static int q_list(bo_pg *s, int id, const params *p, int ncols, size_t max, const char *key, PGresult **out)
{
	PGresult *r;
	int rc = q_read(s, id, p, stmts[id].what);
	*out = NULL;
	if (rc != BO_OK)
		return rc;
	r = take_kept(s);
	if (PQntuples(r) > 0 && (PQnfields(r) != ncols || PQbinaryTuples(r) != 1)) {
		PQclear(r);
		return fail_msg(stmts[id].what, "unexpected result shape");
	}
	if ((size_t)PQntuples(r) > max) {
		PQclear(r);
		bo_storage_error("postgres: %s: '%s' has more than %zu records", stmts[id].what, key, max);
		return BO_ESTORAGE;
	}
	*out = r;
	return BO_OK;
}

static int cb_stock_list(void *ud, const char *sku, bo_stock_rec *out, size_t max, size_t *n)
{
	params p;
	PGresult *r;
	int ok = 1, rows, i, rc;
	if (!n)
		return fail_msg("stock_list", "no count");
	*n = 0;
	if (!out && max)
		return fail_msg("stock_list", "no output array");
	p_init(&p);
	p_str(&p, sku, BO_ID_MAX);
	p_i64(&p, list_limit(max));
	if ((rc = q_list(ud, ST_STOCK_LIST, &p, 4, max, sku, &r)) != BO_OK)
		return rc;
	rows = PQntuples(r);
	for (i = 0; i < rows && ok; i++) {
		bo_stock_rec *o = &out[i];
		memset(o, 0, sizeof(*o));
		col_str_at(r, i, 0, o->sku, sizeof(o->sku), &ok);
		col_str_at(r, i, 1, o->location, sizeof(o->location), &ok);
		o->on_hand = col_i64_at(r, i, 2, &ok);
		o->allocated = col_i64_at(r, i, 3, &ok);
	}
	if ((rc = row_end(r, ST_STOCK_LIST, ok)) == BO_OK)
		*n = (size_t)rows;
	return rc;
}

static int cb_lalloc_put(void *ud, const bo_lalloc_rec *r)
{
	params p;
	if (!r)
		return fail_msg("lalloc_put", "no record");
	p_init(&p);
	p_str(&p, r->order_id, BO_ID_MAX);
	p_i64(&p, r->index);
	p_str(&p, r->location, BO_ID_MAX);
	if (r->qty != 0)
		p_i64(&p, r->qty);
	return q_write(ud, r->qty != 0 ? ST_LALLOC_PUT : ST_LALLOC_DEL, &p);
}

static int cb_lalloc_list(void *ud, const char *order_id, uint32_t index, bo_lalloc_rec *out, size_t max,
			  size_t *n)
{
	params p;
	PGresult *r;
	int ok = 1, rows, i, rc;
	if (!n)
		return fail_msg("lalloc_list", "no count");
	*n = 0;
	if (!out && max)
		return fail_msg("lalloc_list", "no output array");
	p_init(&p);
	p_str(&p, order_id, BO_ID_MAX);
	p_i64(&p, index);
	p_i64(&p, list_limit(max));
	if ((rc = q_list(ud, ST_LALLOC_LIST, &p, 4, max, order_id, &r)) != BO_OK)
		return rc;
	rows = PQntuples(r);
	for (i = 0; i < rows && ok; i++) {
		bo_lalloc_rec *o = &out[i];
		memset(o, 0, sizeof(*o));
		col_str_at(r, i, 0, o->order_id, sizeof(o->order_id), &ok);
		o->index = (uint32_t)col_i64_at(r, i, 1, &ok);
		col_str_at(r, i, 2, o->location, sizeof(o->location), &ok);
		o->qty = col_i64_at(r, i, 3, &ok);
	}
	if ((rc = row_end(r, ST_LALLOC_LIST, ok)) == BO_OK)
		*n = (size_t)rows;
	return rc;
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
	.seq_take = cb_seq_take,
	.hist_add = cb_hist_add,
	.hist_next = cb_hist_next,
	.loc_put = cb_loc_put,
	.loc_next = cb_loc_next,
	.stock_put = cb_stock_put,
	.stock_list = cb_stock_list,
	.lalloc_put = cb_lalloc_put,
	.lalloc_list = cb_lalloc_list,
	.outbox_add = cb_outbox_add,
};

uint64_t bo_postgres_round_trips(const void *user_data)
{
	const bo_pg *s = user_data;
	return s ? s->round_trips : 0;
}

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

/*
 * Claim a row of `sessions` for this connection: a free one (its advisory
 * lock, session-level, can be taken: nobody holds it) or a new one. The
 * lock is held as long as the connection lives, so a row is never used by
 * two connections, and the table has as many rows as connections were ever
 * open at once. The row keeps its clock value: "now" is the maximum.
 */
static int claim_session(bo_pg *s)
{
	char sql[256], buf[32];
	int32_t k1 = (int32_t)s->nsp;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		PGresult *r = PQexec(s->conn, "SELECT id FROM sessions ORDER BY id");
		int i, n;
		if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
			int rc = r && PQresultErrorMessage(r)[0] ? fail_msg("open: sessions", PQresultErrorMessage(r))
							     : fail_conn(s, "open: sessions");
			PQclear(r);
			return rc;
		}
		n = PQntuples(r);
		for (i = 0; i < n; i++) {
			long long id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
			snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%ld, %lld::int4)::text",
				 (long)k1, id);
			if (query_text(s, sql, "open: sessions", buf, sizeof(buf)) != BO_OK) {
				PQclear(r);
				return BO_ESTORAGE;
			}
			if (strcmp(buf, "true") == 0) {
				s->sid = id;
				PQclear(r);
				return BO_OK;
			}
		}
		PQclear(r);
		/* All taken: a new row (two openers may pick the same id: the
		 * loser tries again). */
		r = PQexec(s->conn, "INSERT INTO sessions (id, now) SELECT coalesce(max(id), 0) + 1,"
			   " -9223372036854775807 - 1 FROM sessions ON CONFLICT DO NOTHING RETURNING id");
		if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
			int rc = r && PQresultErrorMessage(r)[0] ? fail_msg("open: sessions", PQresultErrorMessage(r))
							     : fail_conn(s, "open: sessions");
			PQclear(r);
			return rc;
		}
		if (PQntuples(r) == 1) {
			long long id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
			snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%ld, %lld::int4)::text",
				 (long)k1, id);
			PQclear(r);
			if (query_text(s, sql, "open: sessions", buf, sizeof(buf)) != BO_OK)
				return BO_ESTORAGE;
			if (strcmp(buf, "true") == 0) {
				s->sid = id;
				return BO_OK;
			}
			continue;
		}
		PQclear(r);
	}
	return fail_msg("open: sessions", "could not claim a row of the sessions table");
}

/*
 * Make a (new or reset) connection ready: READ COMMITTED for every
 * transaction (the outbox's horizon relies on a snapshot per statement),
 * the statements prepared, a sessions row claimed, pipeline mode on.
 */
static int setup_conn(bo_pg *s)
{
	int rc;
	if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF)
		PQexitPipelineMode(s->conn);
	rc = exec_cmd(s, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
		      "open: isolation");
	if (rc == BO_OK)
		rc = prepare_all(s);
	if (rc == BO_OK)
		rc = claim_session(s);
	if (rc == BO_OK && !PQenterPipelineMode(s->conn))
		rc = fail_conn(s, "open: pipeline mode");
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
 * Bring the schema up to date. The version is read holding an advisory lock
 * of the schema (transaction-level), so two processes opening a new schema
 * at once migrate it once.
 */
static int migrate(bo_pg *s)
{
	char buf[64], sql[128];
	long long version = 0;
	int i, rc;

	snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%lld)",
		 (long long)(((uint64_t)BO_PG_LOCK_CLASS << 32) | s->nsp));
	rc = exec_cmd(s, sql, "open: begin");
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
				" 'outbox', 'meta', 'sessions')",
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

	if (!vtable || !user_data || !conninfo) {
		bo_storage_error("postgres: open: NULL argument");
		return BO_EINVALID;
	}
	*vtable = NULL;
	*user_data = NULL;
	if (!pq_ready())
		return fail_msg("open", pq_error);
	s = bo_malloc(sizeof(*s));
	if (!s)
		return fail_msg("open", "out of memory");
	memset(s, 0, sizeof(*s));
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
	/* The schema's OID names the inventory in advisory lock keys (they
	 * are per database). */
	if (query_text(s, "SELECT coalesce((SELECT oid::text FROM pg_catalog.pg_namespace"
		       " WHERE nspname = current_schema()), 'none')",
		       "open: current schema", buf, sizeof(buf)) != BO_OK)
		goto fail;
	if (strcmp(buf, "none") == 0) {
		fail_msg("open", "no current schema (search_path names no existing schema)");
		goto fail;
	}
	s->nsp = (uint32_t)strtoull(buf, NULL, 10);
	if (migrate(s) != BO_OK)
		goto fail;
	if (setup_conn(s) != BO_OK)
		goto fail;
	*vtable = &postgres_vtable;
	*user_data = s;
	return BO_OK;
fail:
	store_free(s);
	return BO_ESTORAGE;
}
