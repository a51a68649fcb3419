/*
 * SQLite's own errors injected under the adapter: a VFS shim, registered as
 * the default VFS, fails the N-th file operation with SQLITE_IOERR (once, or
 * from then on) or the N-th lock with SQLITE_BUSY, for every N until a
 * transaction runs through without reaching N. After each failure:
 *
 * - the callback that met it returns BO_ESTORAGE with a message;
 * - rollback restores a usable connection: once the fault is gone, the same
 *   store commits a new transaction;
 * - reopened through the real VFS, the file holds the earlier commit and
 *   the failed transaction either whole or not at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <backorder.h>
#include <backorder/storage.h>
#include <backorder/sqlite.h>

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ fault VFS */

enum fault_mode { FAULT_IOERR_ONCE, FAULT_IOERR_STICKY, FAULT_BUSY_STICKY };

static struct {
	int armed;
	enum fault_mode mode;
	long countdown;         /* fail when this reaches 0 */
	int failing;            /* sticky mode: failing from now on */
	long hits;              /* faults injected */
} fault;

static sqlite3_vfs *real_vfs;

typedef struct fault_file {
	sqlite3_file base;
	sqlite3_file *real;
} fault_file;

/* Should this operation of `busy` (lock) or I/O kind fail now? */
static int fault_now(int is_lock)
{
	if (!fault.armed)
		return 0;
	if ((fault.mode == FAULT_BUSY_STICKY) != is_lock)
		return 0;
	if (fault.failing) {
		fault.hits++;
		return 1;
	}
	if (--fault.countdown == 0) {
		fault.hits++;
		if (fault.mode != FAULT_IOERR_ONCE)
			fault.failing = 1;
		return 1;
	}
	return 0;
}

#define REAL(f) (((fault_file *)(f))->real)

static int ff_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int ff_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	if (fault_now(0))
		return SQLITE_IOERR_READ;
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int ff_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (fault_now(0))
		return SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (fault_now(0))
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
	if (fault_now(0))
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int ff_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int ff_lock(sqlite3_file *f, int level)
{
	if (fault_now(1))
		return SQLITE_BUSY;
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int ff_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int ff_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int ff_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int ff_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int ff_device_chars(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int ff_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	/* Only taking an exclusive lock (the WAL write lock and friends) fails. */
	if ((flags & SQLITE_SHM_LOCK) && (flags & SQLITE_SHM_EXCLUSIVE) && fault_now(1))
		return SQLITE_BUSY;
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int ff_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static const sqlite3_io_methods fault_io = {
	2, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_file_size,
	ff_lock, ff_unlock, ff_check_reserved, ff_file_control, ff_sector_size,
	ff_device_chars, ff_shm_map, ff_shm_lock, ff_shm_barrier, ff_shm_unmap,
	NULL, NULL,
};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	fault_file *ff = (fault_file *)f;
	int rc;
	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
	ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
	return rc;
}

static int fv_delete(sqlite3_vfs *v, const char *name, int sync)
{
	(void)v;
	return real_vfs->xDelete(real_vfs, name, sync);
}

static int fv_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *fv_dlopen(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void fv_dlerror(sqlite3_vfs *v, int n, char *msg)
{
	(void)v;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*fv_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void fv_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	real_vfs->xDlClose(real_vfs, h);
}

static int fv_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int fv_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return real_vfs->xSleep(real_vfs, us);
}

static int fv_current_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int fv_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int fv_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs fault_vfs = {
	2, 0, 0, NULL, "bo_fault", NULL,
	fv_open, fv_delete, fv_access, fv_full_pathname,
	fv_dlopen, fv_dlerror, fv_dlsym, fv_dlclose,
	fv_randomness, fv_sleep, fv_current_time, fv_last_error,
	fv_current_time64, NULL, NULL, NULL,
};

static int group_setup(void **state)
{
	(void)state;
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs)
		return -1;
	fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
	fault_vfs.mxPathname = real_vfs->mxPathname;
	return 0;
}

/* -------------------------------------------------------------- records */

/* Nine records of every kind, tagged; written through the vtable. */
static int write_tagged(const bo_storage *vt, void *ud, int tag)
{
	bo_item_rec it;
	bo_order_rec o;
	bo_line_rec l;
	bo_queue_entry q;
	bo_supply_rec s;
	bo_sub_rec sub;
	bo_event_rec ev;
	char id[32];
	int rc;

	snprintf(id, sizeof(id), "rec%d", tag);
	memset(&it, 0, sizeof(it));
	memcpy(it.sku, id, strlen(id) + 1);
	it.on_hand = tag;
	memset(&o, 0, sizeof(o));
	memcpy(o.id, id, strlen(id) + 1);
	o.nlines = 1;
	memset(&l, 0, sizeof(l));
	memcpy(l.order_id, id, strlen(id) + 1);
	memcpy(l.sku, id, strlen(id) + 1);
	l.ordered = tag;
	l.key.seq = (uint64_t)tag;
	memset(&q, 0, sizeof(q));
	memcpy(q.sku, id, strlen(id) + 1);
	memcpy(q.order_id, id, strlen(id) + 1);
	q.key = l.key;
	memset(&s, 0, sizeof(s));
	memcpy(s.sku, id, strlen(id) + 1);
	memcpy(s.id, id, strlen(id) + 1);
	s.qty = tag;
	memset(&sub, 0, sizeof(sub));
	memcpy(sub.sku, id, strlen(id) + 1);
	sub.seq = (uint64_t)tag;
	memset(&ev, 0, sizeof(ev));
	ev.seq = (uint64_t)tag;
	ev.kind = BO_EVENT_ACCEPTED;

	if ((rc = vt->item_put(ud, &it)) != BO_OK ||
	    (rc = vt->order_put(ud, &o)) != BO_OK ||
	    (rc = vt->line_put(ud, &l)) != BO_OK ||
	    (rc = vt->queue_insert(ud, BO_QUEUE_WAITING, &q)) != BO_OK ||
	    (rc = vt->supply_put(ud, &s)) != BO_OK ||
	    (rc = vt->sub_add(ud, &sub)) != BO_OK ||
	    (rc = vt->outbox_append(ud, &ev)) != BO_OK ||
	    (rc = vt->meta_put(ud, id, tag)) != BO_OK)
		return rc;
	/* A read in the middle of the transaction, too. */
	return vt->item_get(ud, id, &it, 1);
}

/* How many of the tagged records exist: 0 or 8 when the file is sound. */
static int count_tagged(const bo_storage *vt, void *ud, int tag)
{
	char id[32];
	bo_item_rec it;
	bo_order_rec o;
	bo_line_rec l;
	bo_queue_entry q;
	bo_supply_rec s;
	bo_sub_rec sub;
	bo_event_rec ev;
	int64_t v;
	int n = 0;

	snprintf(id, sizeof(id), "rec%d", tag);
	n += vt->item_get(ud, id, &it, 0) == BO_OK;
	n += vt->order_get(ud, id, &o, 0) == BO_OK;
	n += vt->line_get(ud, id, 0, &l) == BO_OK;
	n += vt->queue_next(ud, BO_QUEUE_WAITING, id, NULL, &q) == BO_OK;
	n += vt->supply_get(ud, id, id, &s) == BO_OK;
	n += vt->sub_next(ud, id, 0, &sub) == BO_OK;
	n += vt->outbox_next(ud, (uint64_t)tag - 1, &ev) == BO_OK && ev.seq == (uint64_t)tag;
	n += vt->meta_get(ud, id, &v) == BO_OK;
	return n;
}

/* ------------------------------------------------------------------ test */

static void remove_store(const char *path)
{
	char p[200];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* One run: fault at operation n. Returns 1 if the fault was reached. */
static int run_once(const char *path, enum fault_mode mode, long n)
{
	bo_sqlite_options opts = BO_SQLITE_OPTIONS_INIT;
	const bo_storage *vt = NULL;
	void *ud = NULL;
	int rc, committed = 0, found;

	remove_store(path);
	opts.busy_timeout_ms = 0;
	assert_int_equal(sqlite3_vfs_register(&fault_vfs, 1), SQLITE_OK);
	memset(&fault, 0, sizeof(fault));
	assert_int_equal(bo_sqlite_storage(&vt, &ud, path, &opts), BO_OK);
	assert_int_equal(vt->begin(ud), BO_OK);
	assert_int_equal(write_tagged(vt, ud, 1), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);

	fault.mode = mode;
	fault.countdown = n;
	fault.armed = 1;
	bo_clear_error();
	rc = vt->begin(ud);
	if (rc == BO_OK)
		rc = write_tagged(vt, ud, 2);
	if (rc == BO_OK) {
		rc = vt->commit(ud);
		committed = rc == BO_OK;
	}
	if (rc != BO_OK) {
		assert_int_equal(rc, BO_ESTORAGE);
		assert_true(fault.hits > 0);
		assert_non_null(strstr(bo_last_error(), "sqlite"));
		vt->rollback(ud); /* may fail too while the fault lasts */
	} else {
		assert_true(fault.hits == 0);
	}

	/* The fault goes away; the same store carries on. */
	fault.armed = 0;
	vt->rollback(ud);
	assert_int_equal(vt->begin(ud), BO_OK);
	assert_int_equal(write_tagged(vt, ud, 3), BO_OK);
	assert_int_equal(vt->commit(ud), BO_OK);
	vt->close(ud);
	assert_int_equal(sqlite3_vfs_unregister(&fault_vfs), SQLITE_OK);

	/* Reopen through the real VFS. */
	assert_int_equal(bo_sqlite_storage(&vt, &ud, path, NULL), BO_OK);
	assert_int_equal(count_tagged(vt, ud, 1), 8);
	assert_int_equal(count_tagged(vt, ud, 3), 8);
	found = count_tagged(vt, ud, 2);
	if (committed)
		assert_int_equal(found, 8);
	else
		assert_true(found == 0 || found == 8);
	vt->close(ud);
	return fault.hits > 0;
}

static void run_mode(enum fault_mode mode)
{
	char dir[] = "/tmp/bo_sqlite_fault_XXXXXX";
	char path[64];
	long n;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.db", dir);
	for (n = 1; n < 1000; n++)
		if (!run_once(path, mode, n))
			break;
	print_message("%ld fault points\n", n - 1);
	/* Faults were injected at least once, and the loop ended. */
	assert_true(n > 1);
	assert_true(n < 1000);
	remove_store(path);
	rmdir(dir);
}

static void test_ioerr_once(void **state)
{
	(void)state;
	run_mode(FAULT_IOERR_ONCE);
}

static void test_ioerr_sticky(void **state)
{
	(void)state;
	run_mode(FAULT_IOERR_STICKY);
}

static void test_busy(void **state)
{
	(void)state;
	run_mode(FAULT_BUSY_STICKY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ioerr_once),
		cmocka_unit_test(test_ioerr_sticky),
		cmocka_unit_test(test_busy),
	};
	return cmocka_run_group_tests_name("sqlite_faults", tests, group_setup, NULL);
}
