/* Status codes and the per-thread last-error message (libgit2 style). */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char errmsg[512];
static _Thread_local bool errset;
/* Set by bo_storage_error(): an adapter explained its failure. */
static _Thread_local bool storage_msg;
/* A storage callback of the running call returned BO_STORAGE_RETRY. */
static _Thread_local bool retry_flag;

const char *bo_version(void)
{
	return BO_VERSION_STRING;
}

const char *bo_strerror(int code)
{
	switch (code) {
	case BO_OK: return "success";
	case BO_EPARSE: return "text could not be parsed";
	case BO_EINVALID: return "invalid argument";
	case BO_ENOTFOUND: return "not found";
	case BO_EEXISTS: return "already exists with different content";
	case BO_EOUTOFSTOCK: return "out of stock";
	case BO_ESTATE: return "not possible in the current state";
	case BO_ESTORAGE: return "storage failure";
	default: return "unknown status";
	}
}

const char *bo_status_name(int code)
{
	switch (code) {
	case BO_OK: return "ok";
	case BO_EPARSE: return "parse";
	case BO_EINVALID: return "invalid";
	case BO_ENOTFOUND: return "not_found";
	case BO_EEXISTS: return "exists";
	case BO_EOUTOFSTOCK: return "out_of_stock";
	case BO_ESTATE: return "state";
	case BO_ESTORAGE: return "storage";
	default: return "unknown";
	}
}

const char *bo_last_error(void)
{
	return errset ? errmsg : "no error";
}

void bo_clear_error(void)
{
	errset = false;
	storage_msg = false;
	errmsg[0] = '\0';
}

static void vset(const char *fmt, va_list ap)
{
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	errset = true;
}

int bo__fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	storage_msg = false;
	return code;
}

void bo_storage_error(const char *fmt, ...)
{
	va_list ap;
	if (!fmt)
		return;
	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	storage_msg = true;
}

bool bo__storage_retryable(void)
{
	return retry_flag;
}

void bo__error_reset_storage(void)
{
	storage_msg = false;
	retry_flag = false;
}

int bo__storage_fail(int rc, const char *what)
{
	if (rc == BO_STORAGE_RETRY)
		retry_flag = true;
	if (storage_msg) {
		char tmp[400];
		memcpy(tmp, errmsg, sizeof(tmp) - 1);
		tmp[sizeof(tmp) - 1] = '\0';
		snprintf(errmsg, sizeof(errmsg), "storage failed in %.40s: %s", what, tmp);
		errset = true;
		storage_msg = false;
		return BO_ESTORAGE;
	}
	return bo__fail(BO_ESTORAGE, "storage failed in %s", what);
}
