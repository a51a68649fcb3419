/*
 * The SQLite storage adapter: one inventory in one SQLite file.
 *
 * It sees only the storage vtable (backorder/storage.h) and its own public
 * header, never the core. Design, in short (docs/SQLITE.md has the rest):
 *
 * - The schema is versioned with PRAGMA user_version and built by a list of
 *   forward migrations, applied in order inside one BEGIN IMMEDIATE
 *   transaction at open. PRAGMA application_id marks the file as ours, so a
 *   foreign database is refused instead of being written into.
 * - WAL journal; synchronous FULL by default, NORMAL on request.
 * - Every callback runs one statement prepared at open (savepoint statements
 *   are prepared the first time their depth is reached) and reset after use.
 * - begin is BEGIN IMMEDIATE: the write lock is taken at once, so the
 *   transaction is serialisable against other processes and `for_update`
 *   needs nothing more.
 * - uint64 sequence numbers are stored as int64 through an order-preserving
 *   map (the top bit flipped), so "greater than" in SQL is "greater than" on
 *   the unsigned values over the whole 64-bit range.
 * - Locations (storage version 3, schema 5): tables locations, stock and
 *   line_locs, read only by the location callbacks, which the core calls
 *   only for items that hold stock away from "main"; ids compare BINARY.
 */
#include <backorder/storage.h>
#include <backorder/sqlite.h>

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "bord": PRAGMA application_id of a libbackorder file. */
#define BO_SQLITE_APP_ID 0x626f7264
/* Longest metadata key, as the storage contract says. */
#define BO_META_KEY_MAX 31

/* ---------------------------------------------------------------- schema */

/*
 * Forward migrations: step i brings a file from user_version i to i + 1.
 * Append new steps, never edit a step that shipped.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the initial schema. */
	"CREATE TABLE items ("
	" sku TEXT NOT NULL PRIMARY KEY,"
	" policy TEXT NOT NULL,"
	" on_hand INTEGER NOT NULL, allocated INTEGER NOT NULL,"
	" backordered INTEGER NOT NULL, incoming INTEGER NOT NULL,"
	" backorder INTEGER NOT NULL, released INTEGER NOT NULL,"
	" max_backorder INTEGER NOT NULL, lead_time INTEGER NOT NULL,"
	" release_at INTEGER NOT NULL, preorder_max INTEGER NOT NULL,"
	" subscribers INTEGER NOT NULL, demand INTEGER NOT NULL,"
	" filled_at_once INTEGER NOT NULL, shipped INTEGER NOT NULL,"
	" cancelled INTEGER NOT NULL, revenue_held INTEGER NOT NULL,"
	" created INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE orders ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" created INTEGER NOT NULL, priority INTEGER NOT NULL,"
	" due INTEGER NOT NULL, ship_mode INTEGER NOT NULL,"
	" ready INTEGER NOT NULL, nlines INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE lines ("
	" order_id TEXT NOT NULL, idx INTEGER NOT NULL,"
	" sku TEXT NOT NULL,"
	" placed INTEGER NOT NULL, ordered INTEGER NOT NULL,"
	" allocated INTEGER NOT NULL, backordered INTEGER NOT NULL,"
	" shipped INTEGER NOT NULL, cancelled INTEGER NOT NULL,"
	" unit_price INTEGER NOT NULL, queue_time INTEGER NOT NULL,"
	" eta INTEGER NOT NULL,"
	" k0 INTEGER NOT NULL, k1 INTEGER NOT NULL, k2 INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" PRIMARY KEY (order_id, idx)"
	") WITHOUT ROWID;"
	"CREATE TABLE queues ("
	" queue INTEGER NOT NULL, sku TEXT NOT NULL,"
	" k0 INTEGER NOT NULL, k1 INTEGER NOT NULL, k2 INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" order_id TEXT NOT NULL, idx INTEGER NOT NULL,"
	" PRIMARY KEY (queue, sku, k0, k1, k2, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE supply ("
	" sku TEXT NOT NULL, id TEXT NOT NULL,"
	" qty INTEGER NOT NULL, expected INTEGER NOT NULL,"
	" PRIMARY KEY (sku, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX supply_by_time ON supply (sku, expected, id);"
	"CREATE TABLE subs ("
	" sku TEXT NOT NULL, seq INTEGER NOT NULL,"
	" customer TEXT NOT NULL,"
	" PRIMARY KEY (sku, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE outbox ("
	" seq INTEGER NOT NULL PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" order_id TEXT NOT NULL, sku TEXT NOT NULL, customer TEXT NOT NULL,"
	" qty INTEGER NOT NULL, eta INTEGER NOT NULL, time INTEGER NOT NULL"
	");"
	"CREATE TABLE meta ("
	" key TEXT NOT NULL PRIMARY KEY,"
	" value INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/*
	 * 1 -> 2: bo_item_rec.eta_time (the clock time of the item's last full
	 * ETA refresh). Existing items get BO_NO_TIME (INT64_MIN): "never
	 * refreshed", so the core refreshes them the first time it needs to.
	 * ADD COLUMN allows no parenthesised default; SQLite reads this literal
	 * as the integer INT64_MIN (a test checks typeof and value).
	 */
	"ALTER TABLE items ADD COLUMN eta_time INTEGER NOT NULL"
	" DEFAULT -9223372036854775808;",
	/*
	 * 2 -> 3: the basis each waiting line's ETA was promised on
	 * (bo_line_rec.eta_basis, eta_base, eta_release; storage version 2).
	 * Existing lines get BO_BASIS_NONE (0), base 0 and release BO_NO_TIME:
	 * "no promise stored", as storage.h defines it; their ETA stays as it
	 * was. (Computing a basis would take the core's cover walk.)
	 */
	"ALTER TABLE lines ADD COLUMN eta_basis INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE lines ADD COLUMN eta_base INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE lines ADD COLUMN eta_release INTEGER NOT NULL"
	" DEFAULT -9223372036854775808;",
	/*
	 * 3 -> 4: history, one row per item per UTC day (bo_hist_rec; the
	 * storage callbacks hist_get, hist_put, hist_next). wait_hist holds
	 * BO_HIST_WAIT_BUCKETS unsigned 32-bit counts, little-endian. A store
	 * migrated from an earlier schema has history from here on: orders
	 * placed before are in no row (a report's fill rate and period
	 * figures count what happened since; docs/SQLITE.md).
	 */
	"CREATE TABLE history ("
	" sku TEXT NOT NULL, day INTEGER NOT NULL,"
	" ordered INTEGER NOT NULL, backordered INTEGER NOT NULL,"
	" cancelled INTEGER NOT NULL, filled_lines INTEGER NOT NULL,"
	" wait_sum INTEGER NOT NULL, wait_max INTEGER NOT NULL,"
	" wait_hist BLOB NOT NULL,"
	" PRIMARY KEY (sku, day)"
	") WITHOUT ROWID;",
	/*
	 * 4 -> 5: stock per location (DESIGN section 11; storage version 3).
	 * items.located counts an item's stock rows; supply and outbox rows
	 * name a location, "" meaning "main". Existing rows get 0 and "":
	 * everything at "main", which is what a store that never named a
	 * location holds. New tables: locations; stock (an item's units at a
	 * location other than "main"); line_locs (a line's units there). Text
	 * keys compare with BINARY (bytewise), the order storage.h asks for.
	 */
	"ALTER TABLE items ADD COLUMN located INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE supply ADD COLUMN location TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE outbox ADD COLUMN location TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE locations ("
	" id TEXT NOT NULL PRIMARY KEY,"
	" rank INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE stock ("
	" sku TEXT NOT NULL, location TEXT NOT NULL,"
	" on_hand INTEGER NOT NULL, allocated INTEGER NOT NULL,"
	" PRIMARY KEY (sku, location)"
	") WITHOUT ROWID;"
	"CREATE TABLE line_locs ("
	" order_id TEXT NOT NULL, idx INTEGER NOT NULL, location TEXT NOT NULL,"
	" qty INTEGER NOT NULL,"
	" PRIMARY KEY (order_id, idx, location)"
	") WITHOUT ROWID;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ------------------------------------------------------------ statements */

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_ITEM_GET,
	ST_ITEM_PUT,
	ST_ITEM_UPDATE,
	ST_ITEM_FIRST,
	ST_ITEM_NEXT,
	ST_ORDER_GET,
	ST_ORDER_PUT,
	ST_ORDER_UPDATE,
	ST_ORDER_FIRST,
	ST_ORDER_NEXT,
	ST_LINE_GET,
	ST_LINE_PUT,
	ST_LINE_UPDATE,
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
	ST_COUNT
};

#define ITEM_COLS "sku, policy, on_hand, allocated, backordered, incoming," \
	" backorder, released, max_backorder, lead_time, release_at," \
	" preorder_max, subscribers, demand, filled_at_once, shipped," \
	" cancelled, revenue_held, created, eta_time, located"
#define ORDER_COLS "id, created, priority, due, ship_mode, ready, nlines"
#define LINE_COLS "order_id, idx, sku, placed, ordered, allocated," \
	" backordered, shipped, cancelled, unit_price, queue_time, eta," \
	" k0, k1, k2, seq, eta_basis, eta_base, eta_release"
#define QUEUE_COLS "sku, order_id, idx, k0, k1, k2, seq"
#define SUPPLY_COLS "sku, id, qty, expected, location"
#define SUB_COLS "sku, customer, seq"
#define EVENT_COLS "seq, kind, order_id, sku, customer, qty, eta, time, location"
#define STOCK_COLS "sku, location, on_hand, allocated"
#define LALLOC_COLS "order_id, idx, location, qty"
#define HIST_COLS "sku, day, ordered, backordered, cancelled, filled_lines," \
	" wait_sum, wait_max, wait_hist"
#define QUEUE_ORDER " ORDER BY k0, k1, k2, seq"
#define QUEUE_ORDER_DESC " ORDER BY k0 DESC, k1 DESC, k2 DESC, seq DESC"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_ITEM_GET] = "SELECT " ITEM_COLS " FROM items WHERE sku = ?1",
	[ST_ITEM_PUT] = "INSERT INTO items (" ITEM_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
		" ?15, ?16, ?17, ?18, ?19, ?20, ?21) ON CONFLICT (sku) DO UPDATE SET"
		" policy = excluded.policy, on_hand = excluded.on_hand, allocated ="
		" excluded.allocated, backordered = excluded.backordered, incoming ="
		" excluded.incoming, backorder = excluded.backorder, released ="
		" excluded.released, max_backorder = excluded.max_backorder,"
		" lead_time = excluded.lead_time, release_at = excluded.release_at,"
		" preorder_max = excluded.preorder_max, subscribers ="
		" excluded.subscribers, demand = excluded.demand, filled_at_once ="
		" excluded.filled_at_once, shipped = excluded.shipped, cancelled ="
		" excluded.cancelled, revenue_held = excluded.revenue_held, created"
		" = excluded.created, eta_time = excluded.eta_time, located ="
		" excluded.located",
	[ST_ITEM_UPDATE] = "UPDATE items SET"
		" policy = ?2, on_hand = ?3, allocated = ?4, backordered = ?5,"
		" incoming = ?6, backorder = ?7, released = ?8, max_backorder = ?9,"
		" lead_time = ?10, release_at = ?11, preorder_max = ?12, subscribers"
		" = ?13, demand = ?14, filled_at_once = ?15, shipped = ?16,"
		" cancelled = ?17, revenue_held = ?18, created = ?19, eta_time = ?20,"
		" located = ?21 WHERE sku = ?1",
	[ST_ITEM_FIRST] = "SELECT " ITEM_COLS " FROM items ORDER BY sku LIMIT 1",
	[ST_ITEM_NEXT] = "SELECT " ITEM_COLS " FROM items WHERE sku > ?1"
		" ORDER BY sku LIMIT 1",
	[ST_ORDER_GET] = "SELECT " ORDER_COLS " FROM orders WHERE id = ?1",
	[ST_ORDER_PUT] = "INSERT INTO orders (" ORDER_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET"
		" created = excluded.created, priority = excluded.priority, due ="
		" excluded.due, ship_mode = excluded.ship_mode, ready ="
		" excluded.ready, nlines = excluded.nlines",
	[ST_ORDER_UPDATE] = "UPDATE orders SET created = ?2, priority = ?3,"
		" due = ?4, ship_mode = ?5, ready = ?6, nlines = ?7 WHERE id = ?1",
	[ST_ORDER_FIRST] = "SELECT " ORDER_COLS " FROM orders ORDER BY id LIMIT 1",
	[ST_ORDER_NEXT] = "SELECT " ORDER_COLS " FROM orders WHERE id > ?1"
		" ORDER BY id LIMIT 1",
	[ST_LINE_GET] = "SELECT " LINE_COLS " FROM lines"
		" WHERE order_id = ?1 AND idx = ?2",
	[ST_LINE_PUT] = "INSERT INTO lines (" LINE_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
		" ?15, ?16, ?17, ?18, ?19) ON CONFLICT (order_id, idx) DO UPDATE SET"
		" sku = excluded.sku, placed = excluded.placed, ordered ="
		" excluded.ordered, allocated = excluded.allocated, backordered ="
		" excluded.backordered, shipped = excluded.shipped, cancelled ="
		" excluded.cancelled, unit_price = excluded.unit_price, queue_time ="
		" excluded.queue_time, eta = excluded.eta, k0 = excluded.k0, k1 ="
		" excluded.k1, k2 = excluded.k2, seq = excluded.seq, eta_basis ="
		" excluded.eta_basis, eta_base = excluded.eta_base, eta_release ="
		" excluded.eta_release",
	[ST_LINE_UPDATE] = "UPDATE lines SET sku = ?3, placed = ?4,"
		" ordered = ?5, allocated = ?6, backordered = ?7, shipped = ?8,"
		" cancelled = ?9, unit_price = ?10, queue_time = ?11, eta = ?12,"
		" k0 = ?13, k1 = ?14, k2 = ?15, seq = ?16, eta_basis = ?17,"
		" eta_base = ?18, eta_release = ?19"
		" WHERE order_id = ?1 AND idx = ?2",
	[ST_QUEUE_INSERT] = "INSERT INTO queues (queue, " QUEUE_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_QUEUE_REMOVE] = "DELETE FROM queues WHERE queue = ?1 AND sku = ?2"
		" AND k0 = ?3 AND k1 = ?4 AND k2 = ?5 AND seq = ?6",
	[ST_QUEUE_HEAD] = "SELECT " QUEUE_COLS " FROM queues"
		" WHERE queue = ?1 AND sku = ?2" QUEUE_ORDER " LIMIT 1",
	[ST_QUEUE_NEXT] = "SELECT " QUEUE_COLS " FROM queues"
		" WHERE queue = ?1 AND sku = ?2"
		" AND (k0, k1, k2, seq) > (?3, ?4, ?5, ?6)" QUEUE_ORDER " LIMIT 1",
	[ST_QUEUE_TAIL] = "SELECT " QUEUE_COLS " FROM queues"
		" WHERE queue = ?1 AND sku = ?2" QUEUE_ORDER_DESC " LIMIT 1",
	[ST_QUEUE_PREV] = "SELECT " QUEUE_COLS " FROM queues"
		" WHERE queue = ?1 AND sku = ?2"
		" AND (k0, k1, k2, seq) < (?3, ?4, ?5, ?6)" QUEUE_ORDER_DESC " LIMIT 1",
	[ST_SUPPLY_GET] = "SELECT " SUPPLY_COLS " FROM supply"
		" WHERE sku = ?1 AND id = ?2",
	[ST_SUPPLY_PUT] = "INSERT OR REPLACE INTO supply (" SUPPLY_COLS ")"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_SUPPLY_DEL] = "DELETE FROM supply WHERE sku = ?1 AND id = ?2",
	[ST_SUPPLY_FIRST] = "SELECT " SUPPLY_COLS " FROM supply WHERE sku = ?1"
		" ORDER BY expected, id LIMIT 1",
	[ST_SUPPLY_NEXT] = "SELECT " SUPPLY_COLS " FROM supply WHERE sku = ?1"
		" AND (expected, id) > (?2, ?3) ORDER BY expected, id LIMIT 1",
	[ST_SUB_ADD] = "INSERT INTO subs (" SUB_COLS ") VALUES (?1, ?2, ?3)",
	[ST_SUB_NEXT] = "SELECT " SUB_COLS " FROM subs WHERE sku = ?1"
		" AND seq > ?2 ORDER BY seq LIMIT 1",
	[ST_SUB_DEL] = "DELETE FROM subs WHERE sku = ?1 AND seq = ?2",
	[ST_OUTBOX_APPEND] = "INSERT INTO outbox (" EVENT_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_OUTBOX_NEXT] = "SELECT " EVENT_COLS " FROM outbox WHERE seq > ?1"
		" ORDER BY seq LIMIT 1",
	[ST_OUTBOX_ACK] = "DELETE FROM outbox WHERE seq <= ?1",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_PUT] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	/* One statement: the day's row added to, or made (bo_sat_add and
	 * bo_hist_blob_add, registered at open, add as bo_hist_rec_add() does). */
	[ST_HIST_ADD] = "INSERT INTO history (" HIST_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (sku, day) DO UPDATE SET"
		" ordered = bo_sat_add(ordered, excluded.ordered),"
		" backordered = bo_sat_add(backordered, excluded.backordered),"
		" cancelled = bo_sat_add(cancelled, excluded.cancelled),"
		" filled_lines = bo_sat_add(filled_lines, excluded.filled_lines),"
		" wait_sum = bo_sat_add(wait_sum, excluded.wait_sum),"
		" wait_max = max(wait_max, excluded.wait_max),"
		" wait_hist = bo_hist_blob_add(wait_hist, excluded.wait_hist)",
	[ST_HIST_NEXT] = "SELECT " HIST_COLS " FROM history WHERE sku = ?1 AND day > ?2"
		" ORDER BY day LIMIT 1",
	/* Locations (storage version 3). Text compares bytewise (BINARY). */
	[ST_LOC_PUT] = "INSERT INTO locations (id, rank) VALUES (?1, ?2)"
		" ON CONFLICT (id) DO UPDATE SET rank = excluded.rank",
	[ST_LOC_FIRST] = "SELECT id, rank FROM locations ORDER BY id LIMIT 1",
	[ST_LOC_NEXT] = "SELECT id, rank FROM locations WHERE id > ?1 ORDER BY id LIMIT 1",
	[ST_STOCK_PUT] = "INSERT INTO stock (" STOCK_COLS ") VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (sku, location) DO UPDATE SET on_hand = excluded.on_hand,"
		" allocated = excluded.allocated",
	[ST_STOCK_DEL] = "DELETE FROM stock WHERE sku = ?1 AND location = ?2",
	/* All of an item's (a line's) records, one statement: at most ?2 (?3)
	 * rows, the limit being one more than the caller takes, so that a
	 * list too long for it shows without reading the rest. */
	[ST_STOCK_LIST] = "SELECT " STOCK_COLS " FROM stock WHERE sku = ?1"
		" ORDER BY location LIMIT ?2",
	[ST_LALLOC_PUT] = "INSERT INTO line_locs (" LALLOC_COLS ") VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (order_id, idx, location) DO UPDATE SET qty = excluded.qty",
	[ST_LALLOC_DEL] = "DELETE FROM line_locs WHERE order_id = ?1 AND idx = ?2"
		" AND location = ?3",
	[ST_LALLOC_LIST] = "SELECT " LALLOC_COLS " FROM line_locs WHERE order_id = ?1"
		" AND idx = ?2 ORDER BY location LIMIT ?3",
};

/* What a callback is doing, for error messages. */
static const char *const stmt_what[ST_COUNT] = {
	[ST_BEGIN] = "begin", [ST_COMMIT] = "commit", [ST_ROLLBACK] = "rollback",
	[ST_ITEM_GET] = "item_get", [ST_ITEM_PUT] = "item_put", [ST_ITEM_UPDATE] = "item_put",
	[ST_ITEM_FIRST] = "item_next", [ST_ITEM_NEXT] = "item_next",
	[ST_ORDER_GET] = "order_get", [ST_ORDER_PUT] = "order_put", [ST_ORDER_UPDATE] = "order_put",
	[ST_ORDER_FIRST] = "order_next", [ST_ORDER_NEXT] = "order_next",
	[ST_LINE_GET] = "line_get", [ST_LINE_PUT] = "line_put", [ST_LINE_UPDATE] = "line_put",
	[ST_QUEUE_INSERT] = "queue_insert", [ST_QUEUE_REMOVE] = "queue_remove",
	[ST_QUEUE_HEAD] = "queue_next", [ST_QUEUE_NEXT] = "queue_next",
	[ST_QUEUE_TAIL] = "queue_prev", [ST_QUEUE_PREV] = "queue_prev",
	[ST_SUPPLY_GET] = "supply_get", [ST_SUPPLY_PUT] = "supply_put",
	[ST_SUPPLY_DEL] = "supply_del", [ST_SUPPLY_FIRST] = "supply_next",
	[ST_SUPPLY_NEXT] = "supply_next", [ST_SUB_ADD] = "sub_add",
	[ST_SUB_NEXT] = "sub_next", [ST_SUB_DEL] = "sub_del",
	[ST_OUTBOX_APPEND] = "outbox_append", [ST_OUTBOX_NEXT] = "outbox_next",
	[ST_OUTBOX_ACK] = "outbox_ack", [ST_META_GET] = "meta_get",
	[ST_META_PUT] = "meta_put", [ST_HIST_ADD] = "hist_add", [ST_HIST_NEXT] = "hist_next",
	[ST_LOC_PUT] = "loc_put", [ST_LOC_FIRST] = "loc_next", [ST_LOC_NEXT] = "loc_next",
	[ST_STOCK_PUT] = "stock_put", [ST_STOCK_DEL] = "stock_put",
	[ST_STOCK_LIST] = "stock_list",
	[ST_LALLOC_PUT] = "lalloc_put", [ST_LALLOC_DEL] = "lalloc_put",
	[ST_LALLOC_LIST] = "lalloc_list",
};

/* Savepoint statements of one nesting depth (spN). */
typedef struct sp_stmts {
	sqlite3_stmt *open;     /* SAVEPOINT spN */
	sqlite3_stmt *release;  /* RELEASE spN */
	sqlite3_stmt *undo;     /* ROLLBACK TO spN (then RELEASE spN) */
} sp_stmts;

typedef struct bo_sqlite {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	sp_stmts *sp;           /* sp[i] names sp(i + 1) */
	size_t sp_cap;          /* statements prepared for this many depths */
	size_t sp_depth;        /* savepoints open now */
	/* The order and the line the last order_get / line_get found. The core
	 * reads a row before it rewrites it, so a put of the same key tries an
	 * UPDATE first (cheaper than an upsert's failed insert); a put of any
	 * other key, nearly always a new row, goes straight to the upsert. Only
	 * a hint: an UPDATE that changes nothing falls back to the upsert. */
	char seen_order[BO_ID_MAX + 1];
	char seen_line[BO_ID_MAX + 1];
	uint32_t seen_line_idx;
} bo_sqlite;

/* ---------------------------------------------------------------- helpers */

static int fail_db(sqlite3 *db, const char *what)
{
	bo_storage_error("sqlite: %s: %s (%d)", what,
			 db ? sqlite3_errmsg(db) : "out of memory",
			 db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM);
	return BO_ESTORAGE;
}

static int fail_msg(const char *what, const char *msg)
{
	bo_storage_error("sqlite: %s: %s", what, msg);
	return BO_ESTORAGE;
}

/* Order-preserving map of uint64 onto int64 (and back). */
static sqlite3_int64 seq_to_db(uint64_t seq)
{
	uint64_t flipped = seq ^ (UINT64_C(1) << 63);
	int64_t v;
	memcpy(&v, &flipped, sizeof(v));
	return (sqlite3_int64)v;
}

static uint64_t seq_from_db(sqlite3_int64 v)
{
	int64_t s = (int64_t)v;
	uint64_t u;
	memcpy(&u, &s, sizeof(u));
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

/* Bind a NUL-terminated id of at most `max` bytes. */
static int bind_id(sqlite3_stmt *st, int col, const char *s, size_t max)
{
	int n = bounded_len(s, max);
	if (n < 0)
		return SQLITE_TOOBIG;
	return sqlite3_bind_text(st, col, s, n, SQLITE_STATIC);
}

/* Copy text column `col` into `dst` of `cap` bytes; -1 if it does not fit. */
static int col_text(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	if (!t || n < 0 || (size_t)n >= cap)
		return -1;
	memcpy(dst, t, (size_t)n);
	dst[n] = '\0';
	return 0;
}

static int64_t col_i64(sqlite3_stmt *st, int col)
{
	return (int64_t)sqlite3_column_int64(st, col);
}

static int bind_i64(sqlite3_stmt *st, int col, int64_t v)
{
	return sqlite3_bind_int64(st, col, (sqlite3_int64)v);
}

/* A bind of statement `id` failed (an over-long or unterminated id, or
 * worse): drop its other bindings (they may point at the caller's
 * buffers) and report. */
static int fail_bind(bo_sqlite *s, int id, int rc)
{
	sqlite3_clear_bindings(s->st[id]);
	if (rc == SQLITE_TOOBIG)
		return fail_msg(stmt_what[id], "id missing, too long or not terminated");
	return fail_db(s->db, stmt_what[id]);
}

/*
 * Run statement `id` whose parameters are bound, expecting no row.
 * Resets it in every case.
 */
static int run_done(bo_sqlite *s, int id)
{
	sqlite3_stmt *st = s->st[id];
	int rc = sqlite3_step(st);
	int ret = BO_OK;
	if (rc != SQLITE_DONE)
		ret = fail_db(s->db, stmt_what[id]);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/*
 * Step statement `id` once, expecting at most one row. Returns BO_OK with
 * the row ready to read (the caller reads it, then calls row_end), or
 * BO_ENOTFOUND / BO_ESTORAGE with the statement already reset.
 */
static int row_begin(bo_sqlite *s, int id)
{
	sqlite3_stmt *st = s->st[id];
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return BO_OK;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return BO_ENOTFOUND;
	}
	rc = fail_db(s->db, stmt_what[id]);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Finish reading a row: reset, and turn a decoding failure into an error. */
static int row_end(bo_sqlite *s, int id, int decode_ok)
{
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	if (!decode_ok)
		return fail_msg(stmt_what[id], "stored record is corrupt (text too long)");
	return BO_OK;
}

/* ------------------------------------------------------------ transactions */

static int cb_begin(void *ud)
{
	bo_sqlite *s = ud;
	int rc = run_done(s, ST_BEGIN);
	if (rc == BO_OK)
		s->sp_depth = 0;
	return rc;
}

static int cb_commit(void *ud)
{
	bo_sqlite *s = ud;
	int rc;
	if (sqlite3_get_autocommit(s->db))
		return fail_msg("commit", "no transaction is open");
	rc = run_done(s, ST_COMMIT);
	if (rc == BO_OK)
		s->sp_depth = 0;
	return rc;
}

static int cb_rollback(void *ud)
{
	bo_sqlite *s = ud;
	s->sp_depth = 0;
	/* SQLite may have rolled back already (I/O error, out of memory). */
	if (sqlite3_get_autocommit(s->db))
		return BO_OK;
	return run_done(s, ST_ROLLBACK);
}

/* Prepare the savepoint statements of depth index `i` (name sp(i+1)). */
static int sp_prepare(bo_sqlite *s, size_t i)
{
	char sql[64];
	sp_stmts *sp = &s->sp[i];
	unsigned long n = (unsigned long)i + 1;

	snprintf(sql, sizeof(sql), "SAVEPOINT sp%lu", n);
	if (sqlite3_prepare_v2(s->db, sql, -1, &sp->open, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof(sql), "RELEASE sp%lu", n);
	if (sqlite3_prepare_v2(s->db, sql, -1, &sp->release, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof(sql), "ROLLBACK TO sp%lu", n);
	if (sqlite3_prepare_v2(s->db, sql, -1, &sp->undo, NULL) != SQLITE_OK)
		goto fail;
	return BO_OK;
fail:
	fail_db(s->db, "savepoint");
	sqlite3_finalize(sp->open);
	sqlite3_finalize(sp->release);
	sqlite3_finalize(sp->undo);
	memset(sp, 0, sizeof(*sp));
	return BO_ESTORAGE;
}

static int step_stmt(bo_sqlite *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int ret = BO_OK;
	if (rc != SQLITE_DONE)
		ret = fail_db(s->db, what);
	sqlite3_reset(st);
	return ret;
}

static int cb_savepoint(void *ud)
{
	bo_sqlite *s = ud;
	size_t i = s->sp_depth;
	int rc;

	if (sqlite3_get_autocommit(s->db))
		return fail_msg("savepoint", "no transaction is open");
	if (i == s->sp_cap) {
		size_t cap = s->sp_cap ? s->sp_cap * 2 : 4;
		sp_stmts *grown;
		if (cap > SIZE_MAX / sizeof(*grown))
			return fail_msg("savepoint", "too many nested savepoints");
		grown = bo_realloc(s->sp, cap * sizeof(*grown));
		if (!grown)
			return fail_msg("savepoint", "out of memory");
		memset(grown + s->sp_cap, 0, (cap - s->sp_cap) * sizeof(*grown));
		s->sp = grown;
		s->sp_cap = cap;
	}
	if (!s->sp[i].open) {
		rc = sp_prepare(s, i);
		if (rc != BO_OK)
			return rc;
	}
	rc = step_stmt(s, s->sp[i].open, "savepoint");
	if (rc == BO_OK)
		s->sp_depth++;
	return rc;
}

static int cb_release(void *ud)
{
	bo_sqlite *s = ud;
	int rc;
	if (s->sp_depth == 0)
		return fail_msg("release", "no savepoint is open");
	if (sqlite3_get_autocommit(s->db)) {
		s->sp_depth = 0;
		return fail_msg("release", "the transaction was rolled back");
	}
	rc = step_stmt(s, s->sp[s->sp_depth - 1].release, "release");
	if (rc == BO_OK)
		s->sp_depth--;
	return rc;
}

static int cb_rollback_to(void *ud)
{
	bo_sqlite *s = ud;
	int rc;
	if (s->sp_depth == 0)
		return fail_msg("rollback_to", "no savepoint is open");
	if (sqlite3_get_autocommit(s->db)) {
		s->sp_depth = 0;
		return fail_msg("rollback_to", "the transaction was rolled back");
	}
	/* ROLLBACK TO keeps the savepoint open; RELEASE then forgets it. */
	rc = step_stmt(s, s->sp[s->sp_depth - 1].undo, "rollback_to");
	if (rc != BO_OK)
		return rc;
	rc = step_stmt(s, s->sp[s->sp_depth - 1].release, "rollback_to");
	if (rc == BO_OK)
		s->sp_depth--;
	return rc;
}

/* ------------------------------------------------------------------ items */

static int item_read(sqlite3_stmt *st, bo_item_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (col_text(st, 0, out->sku, sizeof(out->sku)) != 0 ||
	    col_text(st, 1, out->policy, sizeof(out->policy)) != 0)
		return 0;
	out->on_hand = col_i64(st, 2);
	out->allocated = col_i64(st, 3);
	out->backordered = col_i64(st, 4);
	out->incoming = col_i64(st, 5);
	out->backorder = (int32_t)col_i64(st, 6);
	out->released = (int32_t)col_i64(st, 7);
	out->max_backorder = col_i64(st, 8);
	out->lead_time = col_i64(st, 9);
	out->release_at = col_i64(st, 10);
	out->preorder_max = col_i64(st, 11);
	out->subscribers = col_i64(st, 12);
	out->demand = col_i64(st, 13);
	out->filled_at_once = col_i64(st, 14);
	out->shipped = col_i64(st, 15);
	out->cancelled = col_i64(st, 16);
	out->revenue_held = col_i64(st, 17);
	out->created = col_i64(st, 18);
	out->eta_time = col_i64(st, 19);
	out->located = col_i64(st, 20);
	return 1;
}

/* Run a one-row item query whose parameters are bound. */
static int item_query(bo_sqlite *s, int id, bo_item_rec *out)
{
	int rc = row_begin(s, id);
	if (rc != BO_OK)
		return rc;
	return row_end(s, id, item_read(s->st[id], out));
}

static int cb_item_get(void *ud, const char *sku, bo_item_rec *out, int for_update)
{
	bo_sqlite *s = ud;
	int rc;
	(void)for_update; /* BEGIN IMMEDIATE holds the write lock already. */
	if (!out)
		return fail_msg("item_get", "no output record");
	rc = bind_id(s->st[ST_ITEM_GET], 1, sku, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_ITEM_GET, rc);
	return item_query(s, ST_ITEM_GET, out);
}

/* Bind an item record as ?1..?20 (the column order of ITEM_COLS). */
static int bind_item(sqlite3_stmt *st, const void *rec)
{
	const bo_item_rec *r = rec;
	int rc = bind_id(st, 1, r->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, r->policy, BO_NAME_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 3, r->on_hand);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 4, r->allocated);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 5, r->backordered);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 6, r->incoming);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 7, r->backorder);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 8, r->released);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 9, r->max_backorder);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 10, r->lead_time);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 11, r->release_at);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 12, r->preorder_max);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 13, r->subscribers);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 14, r->demand);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 15, r->filled_at_once);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 16, r->shipped);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 17, r->cancelled);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 18, r->revenue_held);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 19, r->created);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 20, r->eta_time);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 21, r->located);
	return rc;
}

/*
 * Write a row: when `exists` says it is there, an UPDATE first (one index
 * probe); when that changed nothing, or without the hint, the upsert `put`.
 * `bind` binds the record's columns to either statement.
 */
static int put_row(bo_sqlite *s, int update, int put, int (*bind)(sqlite3_stmt *, const void *), const void *r,
		   int exists)
{
	int rc;
	if (exists) {
		if ((rc = bind(s->st[update], r)) != SQLITE_OK)
			return fail_bind(s, update, rc);
		if ((rc = run_done(s, update)) != BO_OK)
			return rc;
		if (sqlite3_changes(s->db) > 0)
			return BO_OK;
	}
	if ((rc = bind(s->st[put], r)) != SQLITE_OK)
		return fail_bind(s, put, rc);
	return run_done(s, put);
}

/* Items nearly always exist when they are written: update in place first,
 * insert only a new one. */
static int cb_item_put(void *ud, const bo_item_rec *r)
{
	bo_sqlite *s = ud;
	if (!r)
		return fail_msg("item_put", "no record");
	return put_row(s, ST_ITEM_UPDATE, ST_ITEM_PUT, bind_item, r, 1);
}

static int cb_item_next(void *ud, const char *after, bo_item_rec *out)
{
	bo_sqlite *s = ud;
	int rc;
	if (!out)
		return fail_msg("item_next", "no output record");
	if (!after)
		return item_query(s, ST_ITEM_FIRST, out);
	rc = bind_id(s->st[ST_ITEM_NEXT], 1, after, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_ITEM_NEXT, rc);
	return item_query(s, ST_ITEM_NEXT, out);
}

/* ----------------------------------------------------------------- orders */

static int order_read(sqlite3_stmt *st, bo_order_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (col_text(st, 0, out->id, sizeof(out->id)) != 0)
		return 0;
	out->created = col_i64(st, 1);
	out->priority = col_i64(st, 2);
	out->due = col_i64(st, 3);
	out->ship_mode = (int32_t)col_i64(st, 4);
	out->ready = (int32_t)col_i64(st, 5);
	out->nlines = (uint32_t)col_i64(st, 6);
	return 1;
}

static int order_query(bo_sqlite *s, int id, bo_order_rec *out)
{
	int rc = row_begin(s, id);
	if (rc != BO_OK)
		return rc;
	return row_end(s, id, order_read(s->st[id], out));
}

static int cb_order_get(void *ud, const char *id, bo_order_rec *out, int for_update)
{
	bo_sqlite *s = ud;
	int rc;
	(void)for_update;
	if (!out)
		return fail_msg("order_get", "no output record");
	rc = bind_id(s->st[ST_ORDER_GET], 1, id, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_ORDER_GET, rc);
	rc = order_query(s, ST_ORDER_GET, out);
	if (rc == BO_OK)
		memcpy(s->seen_order, out->id, sizeof(s->seen_order));
	return rc;
}

static int bind_order(sqlite3_stmt *st, const void *rec)
{
	const bo_order_rec *r = rec;
	int rc = bind_id(st, 1, r->id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, r->created);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 3, r->priority);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 4, r->due);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 5, r->ship_mode);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 6, r->ready);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 7, r->nlines);
	return rc;
}

static int cb_order_put(void *ud, const bo_order_rec *r)
{
	bo_sqlite *s = ud;
	if (!r)
		return fail_msg("order_put", "no record");
	return put_row(s, ST_ORDER_UPDATE, ST_ORDER_PUT, bind_order, r, !strcmp(s->seen_order, r->id));
}

static int cb_order_next(void *ud, const char *after, bo_order_rec *out)
{
	bo_sqlite *s = ud;
	int rc;
	if (!out)
		return fail_msg("order_next", "no output record");
	if (!after)
		return order_query(s, ST_ORDER_FIRST, out);
	rc = bind_id(s->st[ST_ORDER_NEXT], 1, after, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_ORDER_NEXT, rc);
	return order_query(s, ST_ORDER_NEXT, out);
}

/* ------------------------------------------------------------------ lines */

static int line_read(sqlite3_stmt *st, bo_line_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (col_text(st, 0, out->order_id, sizeof(out->order_id)) != 0 ||
	    col_text(st, 2, out->sku, sizeof(out->sku)) != 0)
		return 0;
	out->index = (uint32_t)col_i64(st, 1);
	out->placed = col_i64(st, 3);
	out->ordered = col_i64(st, 4);
	out->allocated = col_i64(st, 5);
	out->backordered = col_i64(st, 6);
	out->shipped = col_i64(st, 7);
	out->cancelled = col_i64(st, 8);
	out->unit_price = col_i64(st, 9);
	out->queue_time = col_i64(st, 10);
	out->eta = col_i64(st, 11);
	out->key.k[0] = col_i64(st, 12);
	out->key.k[1] = col_i64(st, 13);
	out->key.k[2] = col_i64(st, 14);
	out->key.seq = seq_from_db(sqlite3_column_int64(st, 15));
	out->eta_basis = (int32_t)col_i64(st, 16);
	out->eta_base = col_i64(st, 17);
	out->eta_release = col_i64(st, 18);
	return 1;
}

static int cb_line_get(void *ud, const char *order_id, uint32_t index, bo_line_rec *out)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_LINE_GET];
	int rc;
	if (!out)
		return fail_msg("line_get", "no output record");
	rc = bind_id(st, 1, order_id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, index);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_LINE_GET, rc);
	rc = row_begin(s, ST_LINE_GET);
	if (rc != BO_OK)
		return rc;
	rc = row_end(s, ST_LINE_GET, line_read(st, out));
	if (rc == BO_OK) {
		memcpy(s->seen_line, out->order_id, sizeof(s->seen_line));
		s->seen_line_idx = out->index;
	}
	return rc;
}

static int bind_line(sqlite3_stmt *st, const void *rec)
{
	const bo_line_rec *r = rec;
	int rc;
	rc = bind_id(st, 1, r->order_id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, r->index);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 3, r->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 4, r->placed);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 5, r->ordered);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 6, r->allocated);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 7, r->backordered);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 8, r->shipped);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 9, r->cancelled);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 10, r->unit_price);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 11, r->queue_time);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 12, r->eta);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 13, r->key.k[0]);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 14, r->key.k[1]);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 15, r->key.k[2]);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 16, seq_to_db(r->key.seq));
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 17, r->eta_basis);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 18, r->eta_base);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 19, r->eta_release);
	return rc;
}

static int cb_line_put(void *ud, const bo_line_rec *r)
{
	bo_sqlite *s = ud;
	if (!r)
		return fail_msg("line_put", "no record");
	return put_row(s, ST_LINE_UPDATE, ST_LINE_PUT, bind_line, r,
		       s->seen_line_idx == r->index && !strcmp(s->seen_line, r->order_id));
}

/* ----------------------------------------------------------------- queues */

static int check_queue(int queue, const char *what)
{
	if (queue != BO_QUEUE_WAITING && queue != BO_QUEUE_ALLOCATED)
		return fail_msg(what, "unknown queue");
	return BO_OK;
}

/* Bind (queue, sku) to ?1, ?2 and, if `key`, its words and seq to ?3..?6. */
static int bind_qkey(sqlite3_stmt *st, int queue, const char *sku, const bo_queue_key *key)
{
	int rc = sqlite3_bind_int(st, 1, queue);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, sku, BO_ID_MAX);
	if (key) {
		if (rc == SQLITE_OK)
			rc = bind_i64(st, 3, key->k[0]);
		if (rc == SQLITE_OK)
			rc = bind_i64(st, 4, key->k[1]);
		if (rc == SQLITE_OK)
			rc = bind_i64(st, 5, key->k[2]);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 6, seq_to_db(key->seq));
	}
	return rc;
}

static int cb_queue_insert(void *ud, int queue, const bo_queue_entry *e)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_QUEUE_INSERT];
	int rc = check_queue(queue, "queue_insert");
	if (rc != BO_OK)
		return rc;
	if (!e)
		return fail_msg("queue_insert", "no entry");
	rc = sqlite3_bind_int(st, 1, queue);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, e->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 3, e->order_id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 4, e->index);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 5, e->key.k[0]);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 6, e->key.k[1]);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 7, e->key.k[2]);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 8, seq_to_db(e->key.seq));
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_QUEUE_INSERT, rc);
	return run_done(s, ST_QUEUE_INSERT);
}

static int cb_queue_remove(void *ud, int queue, const char *sku, const bo_queue_key *key)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_QUEUE_REMOVE];
	int rc = check_queue(queue, "queue_remove");
	if (rc != BO_OK)
		return rc;
	if (!key)
		return fail_msg("queue_remove", "no key");
	rc = bind_qkey(st, queue, sku, key);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_QUEUE_REMOVE, rc);
	rc = run_done(s, ST_QUEUE_REMOVE);
	if (rc == BO_OK && sqlite3_changes(s->db) == 0)
		return BO_ENOTFOUND;
	return rc;
}

static int queue_read(sqlite3_stmt *st, bo_queue_entry *out)
{
	memset(out, 0, sizeof(*out));
	if (col_text(st, 0, out->sku, sizeof(out->sku)) != 0 ||
	    col_text(st, 1, out->order_id, sizeof(out->order_id)) != 0)
		return 0;
	out->index = (uint32_t)col_i64(st, 2);
	out->key.k[0] = col_i64(st, 3);
	out->key.k[1] = col_i64(st, 4);
	out->key.k[2] = col_i64(st, 5);
	out->key.seq = seq_from_db(sqlite3_column_int64(st, 6));
	return 1;
}

/* queue_next (forward) and queue_prev (backward) share this. */
static int queue_step(bo_sqlite *s, int queue, const char *sku, const bo_queue_key *from,
		      bo_queue_entry *out, int forward)
{
	const char *what = forward ? "queue_next" : "queue_prev";
	int id = forward ? (from ? ST_QUEUE_NEXT : ST_QUEUE_HEAD)
			 : (from ? ST_QUEUE_PREV : ST_QUEUE_TAIL);
	sqlite3_stmt *st = s->st[id];
	int rc = check_queue(queue, what);
	if (rc != BO_OK)
		return rc;
	if (!out)
		return fail_msg(what, "no output entry");
	rc = bind_qkey(st, queue, sku, from);
	if (rc != SQLITE_OK)
		return fail_bind(s, id, rc);
	rc = row_begin(s, id);
	if (rc != BO_OK)
		return rc;
	return row_end(s, id, queue_read(st, out));
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

static int supply_read(sqlite3_stmt *st, bo_supply_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (col_text(st, 0, out->sku, sizeof(out->sku)) != 0 ||
	    col_text(st, 1, out->id, sizeof(out->id)) != 0)
		return 0;
	out->qty = col_i64(st, 2);
	out->expected = col_i64(st, 3);
	return col_text(st, 4, out->location, sizeof(out->location)) == 0;
}

static int cb_supply_get(void *ud, const char *sku, const char *id, bo_supply_rec *out)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_SUPPLY_GET];
	int rc;
	if (!out)
		return fail_msg("supply_get", "no output record");
	rc = bind_id(st, 1, sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, id, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_SUPPLY_GET, rc);
	rc = row_begin(s, ST_SUPPLY_GET);
	if (rc != BO_OK)
		return rc;
	return row_end(s, ST_SUPPLY_GET, supply_read(st, out));
}

static int cb_supply_put(void *ud, const bo_supply_rec *r)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_SUPPLY_PUT];
	int rc;
	if (!r)
		return fail_msg("supply_put", "no record");
	rc = bind_id(st, 1, r->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, r->id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 3, r->qty);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 4, r->expected);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 5, r->location, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_SUPPLY_PUT, rc);
	return run_done(s, ST_SUPPLY_PUT);
}

static int cb_supply_del(void *ud, const char *sku, const char *id)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_SUPPLY_DEL];
	int rc = bind_id(st, 1, sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, id, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_SUPPLY_DEL, rc);
	rc = run_done(s, ST_SUPPLY_DEL);
	if (rc == BO_OK && sqlite3_changes(s->db) == 0)
		return BO_ENOTFOUND;
	return rc;
}

static int cb_supply_next(void *ud, const char *sku, const bo_supply_rec *after, bo_supply_rec *out)
{
	bo_sqlite *s = ud;
	int id = after ? ST_SUPPLY_NEXT : ST_SUPPLY_FIRST;
	sqlite3_stmt *st = s->st[id];
	int rc;
	if (!out)
		return fail_msg("supply_next", "no output record");
	rc = bind_id(st, 1, sku, BO_ID_MAX);
	if (after) {
		if (rc == SQLITE_OK)
			rc = bind_i64(st, 2, after->expected);
		if (rc == SQLITE_OK)
			rc = bind_id(st, 3, after->id, BO_ID_MAX);
	}
	if (rc != SQLITE_OK)
		return fail_bind(s, id, rc);
	rc = row_begin(s, id);
	if (rc != BO_OK)
		return rc;
	return row_end(s, id, supply_read(st, out));
}

/* ---------------------------------------------------------- subscriptions */

static int cb_sub_add(void *ud, const bo_sub_rec *r)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_SUB_ADD];
	int rc;
	if (!r)
		return fail_msg("sub_add", "no record");
	rc = bind_id(st, 1, r->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, r->customer, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, seq_to_db(r->seq));
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_SUB_ADD, rc);
	return run_done(s, ST_SUB_ADD);
}

static int cb_sub_next(void *ud, const char *sku, uint64_t after, bo_sub_rec *out)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_SUB_NEXT];
	int rc, ok;
	if (!out)
		return fail_msg("sub_next", "no output record");
	rc = bind_id(st, 1, sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, seq_to_db(after));
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_SUB_NEXT, rc);
	rc = row_begin(s, ST_SUB_NEXT);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	ok = col_text(st, 0, out->sku, sizeof(out->sku)) == 0 &&
	     col_text(st, 1, out->customer, sizeof(out->customer)) == 0;
	out->seq = seq_from_db(sqlite3_column_int64(st, 2));
	return row_end(s, ST_SUB_NEXT, ok);
}

static int cb_sub_del(void *ud, const char *sku, uint64_t seq)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_SUB_DEL];
	int rc = bind_id(st, 1, sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, seq_to_db(seq));
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_SUB_DEL, rc);
	rc = run_done(s, ST_SUB_DEL);
	if (rc == BO_OK && sqlite3_changes(s->db) == 0)
		return BO_ENOTFOUND;
	return rc;
}

/* ----------------------------------------------------------------- outbox */

static int cb_outbox_append(void *ud, const bo_event_rec *ev)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_OUTBOX_APPEND];
	int rc;
	if (!ev)
		return fail_msg("outbox_append", "no event");
	rc = sqlite3_bind_int64(st, 1, seq_to_db(ev->seq));
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, ev->kind);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 3, ev->order_id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 4, ev->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 5, ev->customer, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 6, ev->qty);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 7, ev->eta);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 8, ev->time);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 9, ev->location, BO_ID_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_OUTBOX_APPEND, rc);
	return run_done(s, ST_OUTBOX_APPEND);
}

static int cb_outbox_next(void *ud, uint64_t after, bo_event_rec *out)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_OUTBOX_NEXT];
	int rc, ok;
	if (!out)
		return fail_msg("outbox_next", "no output event");
	rc = sqlite3_bind_int64(st, 1, seq_to_db(after));
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_OUTBOX_NEXT, rc);
	rc = row_begin(s, ST_OUTBOX_NEXT);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->seq = seq_from_db(sqlite3_column_int64(st, 0));
	out->kind = (int32_t)col_i64(st, 1);
	ok = col_text(st, 2, out->order_id, sizeof(out->order_id)) == 0 &&
	     col_text(st, 3, out->sku, sizeof(out->sku)) == 0 &&
	     col_text(st, 4, out->customer, sizeof(out->customer)) == 0 &&
	     col_text(st, 8, out->location, sizeof(out->location)) == 0;
	out->qty = col_i64(st, 5);
	out->eta = col_i64(st, 6);
	out->time = col_i64(st, 7);
	return row_end(s, ST_OUTBOX_NEXT, ok);
}

static int cb_outbox_ack(void *ud, uint64_t upto)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_OUTBOX_ACK];
	int rc = sqlite3_bind_int64(st, 1, seq_to_db(upto));
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_OUTBOX_ACK, rc);
	return run_done(s, ST_OUTBOX_ACK);
}

/* ------------------------------------------------------------------- meta */

static int cb_meta_get(void *ud, const char *key, int64_t *value)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_META_GET];
	int rc;
	if (!value)
		return fail_msg("meta_get", "no output value");
	rc = bind_id(st, 1, key, BO_META_KEY_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_META_GET, rc);
	rc = row_begin(s, ST_META_GET);
	if (rc != BO_OK)
		return rc;
	*value = col_i64(st, 0);
	return row_end(s, ST_META_GET, 1);
}

static int cb_meta_put(void *ud, const char *key, int64_t value)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_META_PUT];
	int rc = bind_id(st, 1, key, BO_META_KEY_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, value);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_META_PUT, rc);
	return run_done(s, ST_META_PUT);
}

/* ---------------------------------------------------------------- history */

#define HIST_BLOB (BO_HIST_WAIT_BUCKETS * 4)

static int hist_read(sqlite3_stmt *st, bo_hist_rec *out)
{
	const unsigned char *b;
	memset(out, 0, sizeof(*out));
	if (col_text(st, 0, out->sku, sizeof(out->sku)) != 0)
		return 0;
	out->day = col_i64(st, 1);
	out->ordered = col_i64(st, 2);
	out->backordered = col_i64(st, 3);
	out->cancelled = col_i64(st, 4);
	out->filled_lines = col_i64(st, 5);
	out->wait_sum = col_i64(st, 6);
	out->wait_max = col_i64(st, 7);
	b = sqlite3_column_blob(st, 8);
	if (sqlite3_column_bytes(st, 8) != HIST_BLOB || !b)
		return 0;
	for (int i = 0; i < BO_HIST_WAIT_BUCKETS; i++)
		out->wait_hist[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
				    (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
	return 1;
}

static int hist_query(bo_sqlite *s, int id, const char *sku, int64_t day, bo_hist_rec *out)
{
	int rc;
	if (!out)
		return fail_msg(stmt_what[id], "no output record");
	rc = bind_id(s->st[id], 1, sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(s->st[id], 2, day);
	if (rc != SQLITE_OK)
		return fail_bind(s, id, rc);
	rc = row_begin(s, id);
	if (rc != BO_OK)
		return rc;
	return row_end(s, id, hist_read(s->st[id], out));
}

static int cb_hist_next(void *ud, const char *sku, int64_t after, bo_hist_rec *out)
{
	return hist_query(ud, ST_HIST_NEXT, sku, after, out);
}

/* The day's row added to (or made) in one statement, in the call's
 * transaction: `delta` goes in as a row; on a conflict the functions below
 * add it to the stored one, as bo_hist_rec_add() would. (A read, an add in
 * C and an INSERT OR REPLACE took twice the time, and a batch of calls pays
 * it once per call.) */
static int cb_hist_add(void *ud, const bo_hist_rec *r)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_HIST_ADD];
	unsigned char b[HIST_BLOB];
	int rc;
	if (!r)
		return fail_msg("hist_add", "no record");
	for (int i = 0; i < BO_HIST_WAIT_BUCKETS; i++) {
		b[4 * i] = (unsigned char)(r->wait_hist[i] & 0xff);
		b[4 * i + 1] = (unsigned char)(r->wait_hist[i] >> 8 & 0xff);
		b[4 * i + 2] = (unsigned char)(r->wait_hist[i] >> 16 & 0xff);
		b[4 * i + 3] = (unsigned char)(r->wait_hist[i] >> 24 & 0xff);
	}
	rc = bind_id(st, 1, r->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, r->day);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 3, r->ordered);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 4, r->backordered);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 5, r->cancelled);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 6, r->filled_lines);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 7, r->wait_sum);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 8, r->wait_max);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(st, 9, b, HIST_BLOB, SQLITE_TRANSIENT);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_HIST_ADD, rc);
	return run_done(s, ST_HIST_ADD);
}

/* bo_sat_add(a, b): a + b, or INT64_MAX where that does not fit (as the
 * core adds history figures). */
static void fn_sat_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]);
	int ok = !(b > 0 && a > INT64_MAX - b) && !(b < 0 && a < INT64_MIN - b);
	(void)argc;
	sqlite3_result_int64(ctx, ok ? a + b : INT64_MAX);
}

/* bo_hist_blob_add(a, b): the wait buckets of two rows added, each a
 * saturating unsigned 32-bit count, little-endian. */
static void fn_hist_blob_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *a = sqlite3_value_blob(argv[0]), *b;
	unsigned char out[HIST_BLOB];
	(void)argc;
	if (!a || sqlite3_value_bytes(argv[0]) != HIST_BLOB) {
		sqlite3_result_error(ctx, "history: a wait_hist that is not 96 bytes", -1);
		return;
	}
	b = sqlite3_value_blob(argv[1]);
	if (!b || sqlite3_value_bytes(argv[1]) != HIST_BLOB) {
		sqlite3_result_error(ctx, "history: a wait_hist that is not 96 bytes", -1);
		return;
	}
	for (int i = 0; i < BO_HIST_WAIT_BUCKETS; i++) {
		uint32_t x = (uint32_t)a[4 * i] | (uint32_t)a[4 * i + 1] << 8 | (uint32_t)a[4 * i + 2] << 16 |
			     (uint32_t)a[4 * i + 3] << 24;
		uint32_t y = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
			     (uint32_t)b[4 * i + 3] << 24;
		uint32_t z = y > UINT32_MAX - x ? UINT32_MAX : x + y;
		out[4 * i] = (unsigned char)(z & 0xff);
		out[4 * i + 1] = (unsigned char)(z >> 8 & 0xff);
		out[4 * i + 2] = (unsigned char)(z >> 16 & 0xff);
		out[4 * i + 3] = (unsigned char)(z >> 24 & 0xff);
	}
	sqlite3_result_blob(ctx, out, HIST_BLOB, SQLITE_TRANSIENT);
}

/* -------------------------------------------------------------- locations */

static int cb_loc_put(void *ud, const bo_location_rec *r)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_LOC_PUT];
	int rc;
	if (!r)
		return fail_msg("loc_put", "no record");
	rc = bind_id(st, 1, r->id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, r->rank);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_LOC_PUT, rc);
	return run_done(s, ST_LOC_PUT);
}

static int cb_loc_next(void *ud, const char *after, bo_location_rec *out)
{
	bo_sqlite *s = ud;
	int id = after ? ST_LOC_NEXT : ST_LOC_FIRST, rc;
	sqlite3_stmt *st = s->st[id];
	if (!out)
		return fail_msg("loc_next", "no output record");
	if (after && (rc = bind_id(st, 1, after, BO_ID_MAX)) != SQLITE_OK)
		return fail_bind(s, id, rc);
	rc = row_begin(s, id);
	if (rc != BO_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->rank = col_i64(st, 1);
	return row_end(s, id, col_text(st, 0, out->id, sizeof(out->id)) == 0);
}

/* A put that deletes the row when `del` says the record is all zero (as
 * storage.h has it: such records are not kept; absent, nothing to do). */
static int put_or_del(bo_sqlite *s, int put, int del, int (*bind)(sqlite3_stmt *, const void *, int),
		      const void *r, int is_zero)
{
	int id = is_zero ? del : put, rc;
	if ((rc = bind(s->st[id], r, !is_zero)) != SQLITE_OK)
		return fail_bind(s, id, rc);
	return run_done(s, id);
}

/* Bind a stock record: the key as ?1, ?2 and, if `all`, the figures as ?3, ?4. */
static int bind_stock(sqlite3_stmt *st, const void *rec, int all)
{
	const bo_stock_rec *r = rec;
	int rc = bind_id(st, 1, r->sku, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 2, r->location, BO_ID_MAX);
	if (all && rc == SQLITE_OK)
		rc = bind_i64(st, 3, r->on_hand);
	if (all && rc == SQLITE_OK)
		rc = bind_i64(st, 4, r->allocated);
	return rc;
}

static int cb_stock_put(void *ud, const bo_stock_rec *r)
{
	if (!r)
		return fail_msg("stock_put", "no record");
	return put_or_del(ud, ST_STOCK_PUT, ST_STOCK_DEL, bind_stock, r, r->on_hand == 0 && r->allocated == 0);
}

/*
 * The start of stock_list and lalloc_list: check the arguments, set *n to
 * 0, and bind the row limit (one more than `max`, saturated) as parameter
 * `col` of statement `id`.
 */
static int list_begin(bo_sqlite *s, int id, int col, const void *out, size_t max, size_t *n)
{
	int rc;
	if (!n)
		return fail_msg(stmt_what[id], "no count");
	*n = 0;
	if (!out && max)
		return fail_msg(stmt_what[id], "no output array");
	rc = bind_i64(s->st[id], col, max < (size_t)INT64_MAX ? (int64_t)max + 1 : INT64_MAX);
	if (rc != SQLITE_OK)
		return fail_bind(s, id, rc);
	return BO_OK;
}

/*
 * Step the list statement `id` for its row number `i` (from 0): BO_OK with
 * the row ready to read into out[i]; BO_ENOTFOUND after the last row;
 * BO_ESTORAGE on an error or for a row beyond `max` (too many records for
 * the caller). The statement is reset unless BO_OK.
 */
static int list_step(bo_sqlite *s, int id, size_t i, size_t max, const char *key)
{
	int rc = row_begin(s, id);
	if (rc != BO_OK || i < max)
		return rc;
	row_end(s, id, 1);
	bo_storage_error("sqlite: %s: '%s' has more than %zu records", stmt_what[id], key, max);
	return BO_ESTORAGE;
}

static int cb_stock_list(void *ud, const char *sku, bo_stock_rec *out, size_t max, size_t *n)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_STOCK_LIST];
	size_t i;
	int rc = list_begin(s, ST_STOCK_LIST, 2, out, max, n);
	if (rc != BO_OK)
		return rc;
	if ((rc = bind_id(st, 1, sku, BO_ID_MAX)) != SQLITE_OK)
		return fail_bind(s, ST_STOCK_LIST, rc);
	for (i = 0; (rc = list_step(s, ST_STOCK_LIST, i, max, sku)) == BO_OK; i++) {
		bo_stock_rec *r = &out[i];
		memset(r, 0, sizeof(*r));
		if (col_text(st, 0, r->sku, sizeof(r->sku)) != 0 ||
		    col_text(st, 1, r->location, sizeof(r->location)) != 0)
			return row_end(s, ST_STOCK_LIST, 0);
		r->on_hand = col_i64(st, 2);
		r->allocated = col_i64(st, 3);
	}
	if (rc != BO_ENOTFOUND)
		return rc;
	*n = i;
	return BO_OK;
}

/* Bind a line's allocation: the key as ?1..?3 and, if `all`, qty as ?4. */
static int bind_lalloc(sqlite3_stmt *st, const void *rec, int all)
{
	const bo_lalloc_rec *r = rec;
	int rc = bind_id(st, 1, r->order_id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, r->index);
	if (rc == SQLITE_OK)
		rc = bind_id(st, 3, r->location, BO_ID_MAX);
	if (all && rc == SQLITE_OK)
		rc = bind_i64(st, 4, r->qty);
	return rc;
}

static int cb_lalloc_put(void *ud, const bo_lalloc_rec *r)
{
	if (!r)
		return fail_msg("lalloc_put", "no record");
	return put_or_del(ud, ST_LALLOC_PUT, ST_LALLOC_DEL, bind_lalloc, r, r->qty == 0);
}

static int cb_lalloc_list(void *ud, const char *order_id, uint32_t index, bo_lalloc_rec *out, size_t max,
			  size_t *n)
{
	bo_sqlite *s = ud;
	sqlite3_stmt *st = s->st[ST_LALLOC_LIST];
	size_t i;
	int rc = list_begin(s, ST_LALLOC_LIST, 3, out, max, n);
	if (rc != BO_OK)
		return rc;
	rc = bind_id(st, 1, order_id, BO_ID_MAX);
	if (rc == SQLITE_OK)
		rc = bind_i64(st, 2, index);
	if (rc != SQLITE_OK)
		return fail_bind(s, ST_LALLOC_LIST, rc);
	for (i = 0; (rc = list_step(s, ST_LALLOC_LIST, i, max, order_id)) == BO_OK; i++) {
		bo_lalloc_rec *r = &out[i];
		memset(r, 0, sizeof(*r));
		if (col_text(st, 0, r->order_id, sizeof(r->order_id)) != 0 ||
		    col_text(st, 2, r->location, sizeof(r->location)) != 0)
			return row_end(s, ST_LALLOC_LIST, 0);
		r->index = (uint32_t)col_i64(st, 1);
		r->qty = col_i64(st, 3);
	}
	if (rc != BO_ENOTFOUND)
		return rc;
	*n = i;
	return BO_OK;
}

/* ------------------------------------------------------------ open, close */

static void store_free(bo_sqlite *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (i = 0; i < s->sp_cap; i++) {
		sqlite3_finalize(s->sp[i].open);
		sqlite3_finalize(s->sp[i].release);
		sqlite3_finalize(s->sp[i].undo);
	}
	bo_free(s->sp);
	/* Every statement is finalized, so this closes (rolling back any open transaction). */
	sqlite3_close(s->db);
	bo_free(s);
}

static void cb_close(void *ud)
{
	store_free(ud);
}

static const bo_storage sqlite_vtable = {
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
	.hist_add = cb_hist_add,
	.hist_next = cb_hist_next,
	.loc_put = cb_loc_put,
	.loc_next = cb_loc_next,
	.stock_put = cb_stock_put,
	.stock_list = cb_stock_list,
	.lalloc_put = cb_lalloc_put,
	.lalloc_list = cb_lalloc_list,
};

/* Run one SQL text without results; report failures as `what`. */
static int exec_sql(sqlite3 *db, const char *sql, const char *what)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		bo_storage_error("sqlite: %s: %s (%d)", what,
				 err ? err : sqlite3_errstr(rc), sqlite3_extended_errcode(db));
		sqlite3_free(err);
		return BO_ESTORAGE;
	}
	return BO_OK;
}

/* Read a one-integer PRAGMA or query. */
static int pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail_db(db, sql);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		fail_db(db, sql);
		sqlite3_finalize(st);
		return BO_ESTORAGE;
	}
	*out = (int64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return BO_OK;
}

/* Switch to WAL; an in-memory database keeps its "memory" journal.
 * Several processes opening a new file at once race for the switch, which
 * needs the file to themselves: SQLite answers SQLITE_BUSY there without
 * always calling the busy handler (and, while another process is creating
 * the WAL index, an I/O error on it), so retry within the busy timeout. */
static int try_wal(sqlite3 *db, int *retry)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int ok, rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	*retry = 0;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int primary = sqlite3_extended_errcode(db) & 0xff;
		*retry = primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR;
		fail_db(db, "journal_mode");
		sqlite3_finalize(st);
		return BO_ESTORAGE;
	}
	mode = sqlite3_column_text(st, 0);
	ok = mode && (sqlite3_stricmp((const char *)mode, "wal") == 0 ||
		      sqlite3_stricmp((const char *)mode, "memory") == 0);
	if (!ok)
		bo_storage_error("sqlite: journal_mode: cannot use WAL (mode is %s)",
				 mode ? (const char *)mode : "unknown");
	sqlite3_finalize(st);
	return ok ? BO_OK : BO_ESTORAGE;
}

static int set_wal(sqlite3 *db, int busy_timeout_ms)
{
	int waited = 0, retry, rc;
	while ((rc = try_wal(db, &retry)) != BO_OK && retry && waited < busy_timeout_ms) {
		sqlite3_sleep(10);
		waited += 10;
	}
	return rc;
}

/*
 * Bring the schema up to date. The version is read inside the write
 * transaction, so two processes opening a new file at once migrate it once.
 */
static int migrate(sqlite3 *db)
{
	int64_t version, app_id;
	char sql[64];
	int i, rc;

	rc = exec_sql(db, "BEGIN IMMEDIATE", "migrate: begin");
	if (rc != BO_OK)
		return rc;
	rc = pragma_int(db, "PRAGMA application_id", &app_id);
	if (rc == BO_OK)
		rc = pragma_int(db, "PRAGMA user_version", &version);
	if (rc != BO_OK)
		goto undo;
	if (app_id != 0 && app_id != BO_SQLITE_APP_ID) {
		rc = fail_msg("open", "the file is an SQLite database of another application");
		goto undo;
	}
	if (app_id == 0 && version != 0) {
		rc = fail_msg("open", "the file is an SQLite database of another application");
		goto undo;
	}
	if (version > NMIGRATIONS) {
		bo_storage_error("sqlite: open: schema version %lld is newer than this library's (%d)",
				 (long long)version, NMIGRATIONS);
		rc = BO_ESTORAGE;
		goto undo;
	}
	if (version == NMIGRATIONS)
		return exec_sql(db, "COMMIT", "migrate: commit");
	if (version == 0) {
		int64_t objects;
		/* A new file is empty; a version-0 file with tables is someone else's. */
		rc = pragma_int(db, "SELECT count(*) FROM sqlite_schema", &objects);
		if (rc != BO_OK)
			goto undo;
		if (objects != 0) {
			rc = fail_msg("open", "the file is an SQLite database of another application");
			goto undo;
		}
		snprintf(sql, sizeof(sql), "PRAGMA application_id=%d", BO_SQLITE_APP_ID);
		rc = exec_sql(db, sql, "migrate: application_id");
		if (rc != BO_OK)
			goto undo;
	}
	for (i = (int)version; i < NMIGRATIONS; i++) {
		rc = exec_sql(db, migrations[i], "migrate");
		if (rc != BO_OK)
			goto undo;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", NMIGRATIONS);
	rc = exec_sql(db, sql, "migrate: user_version");
	if (rc == BO_OK)
		rc = exec_sql(db, "COMMIT", "migrate: commit");
	if (rc == BO_OK)
		return BO_OK;
undo:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int bo_sqlite_storage(const bo_storage **vtable, void **user_data, const char *path,
		      const bo_sqlite_options *opts)
{
	bo_sqlite_options o = BO_SQLITE_OPTIONS_INIT;
	bo_sqlite *s;
	int i, rc;

	if (!vtable || !user_data || !path) {
		bo_storage_error("sqlite: open: NULL argument");
		return BO_EINVALID;
	}
	*vtable = NULL;
	*user_data = NULL;
	if (opts) {
		if (opts->version < 1 || opts->version > BO_SQLITE_OPTIONS_VERSION) {
			bo_storage_error("sqlite: open: unknown options version %u", opts->version);
			return BO_EINVALID;
		}
		if (opts->busy_timeout_ms < 0) {
			bo_storage_error("sqlite: open: negative busy timeout");
			return BO_EINVALID;
		}
		o.sync_full = opts->sync_full != 0;
		o.busy_timeout_ms = opts->busy_timeout_ms;
	}

	s = bo_malloc(sizeof(*s));
	if (!s)
		return fail_msg("open", "out of memory");
	memset(s, 0, sizeof(*s));
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		bo_storage_error("sqlite: open %s: %s (%d)", path,
				 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), rc);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		bo_storage_error("sqlite: open %s: the file is read-only", path);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, o.busy_timeout_ms);
	if (set_wal(s->db, o.busy_timeout_ms) != BO_OK)
		goto fail;
	if (exec_sql(s->db, o.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
		     "synchronous") != BO_OK)
		goto fail;
	if (sqlite3_create_function_v2(s->db, "bo_sat_add", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
				       NULL, fn_sat_add, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(s->db, "bo_hist_blob_add", 2,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL, fn_hist_blob_add,
				       NULL, NULL, NULL) != SQLITE_OK) {
		fail_db(s->db, "history functions");
		goto fail;
	}
	if (migrate(s->db) != BO_OK)
		goto fail;
	for (i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&s->st[i], NULL);
		if (rc != SQLITE_OK) {
			fail_db(s->db, stmt_what[i]);
			goto fail;
		}
	}
	*vtable = &sqlite_vtable;
	*user_data = s;
	return BO_OK;
fail:
	store_free(s);
	return BO_ESTORAGE;
}
