/* Reports (report.c, report_html.c): the report's internal form and the
 * buffered writer both writers use. Core-internal. */
#ifndef BO_REPORT_INTERNAL_H
#define BO_REPORT_INTERNAL_H

#include "internal.h"

typedef struct bo_ritem {
	bo_report_item f;       /* version BO_REPORT_ITEM_VERSION */
	size_t day0, ndays;     /* its daily series: report->days[day0 .. day0 + ndays) */
	size_t loc0, nloc;      /* its stock per location: report->lstock[loc0 .. loc0 + nloc) */
} bo_ritem;

/* A location of the inventory, as the report was made. */
typedef struct bo_rloc {
	char id[BO_ID_MAX + 1];
	int64_t rank;
} bo_rloc;

/* Stock at one location: locs[loc]; only locations holding or allocating
 * units, in location order. */
typedef struct bo_rstock {
	size_t loc;
	int64_t on_hand, allocated;
} bo_rstock;

struct bo_report {
	int64_t now;
	int64_t since;          /* start of the first day of the period, or BO_NO_TIME */
	int history;            /* the store keeps history */
	bo_ritem *items;
	size_t n;
	bo_report_day *days;    /* the items' series, one after the other */
	size_t ndays;
	bo_ritem total;
	bo_report_day *tdays;   /* the totals' series */
	size_t ntdays;
	size_t *by_need;        /* item indices, most in need first */
	bo_rloc *locs;          /* the inventory's locations in location order, "main" included */
	size_t nlocs;
	int located;            /* the inventory names locations other than "main": the JSON,
				 * HTML and text outputs show stock per location (else they
				 * stay exactly as before locations) */
	bo_rstock *lstock;      /* the items' stock per location, one after the other */
	size_t nlstock;
	bo_rstock *tlstock;     /* the totals' per location */
	size_t ntlstock;
};

/* Output in pieces through a bo_write_cb, buffered. */
typedef struct bo_out {
	bo_write_cb cb;
	void *ud;
	char buf[8192];
	size_t len;
	int err;                /* BO_ESTATE once the callback refused */
} bo_out;

BO_INTERNAL void bo__out_write(bo_out *o, const char *s, size_t n);
BO_INTERNAL void bo__out_puts(bo_out *o, const char *s);
BO_INTERNAL void bo__out_printf(bo_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
BO_INTERNAL int bo__out_flush(bo_out *o);
/* A time as YYYY-MM-DDTHH:MM:SSZ / a day as YYYY-MM-DD. */
BO_INTERNAL void bo__fmt_time(char buf[32], int64_t t);
BO_INTERNAL void bo__fmt_day(char buf[16], int64_t t);
/* v / 10^digits as a decimal with `digits` digits, rounded half away from zero. */
BO_INTERNAL void bo__fmt_fixed(char *buf, size_t size, int64_t num, int64_t den, int digits);

/* Location id of a stock entry. */
static inline const char *bo__rstock_loc(const bo_report *r, const bo_rstock *s) { return r->locs[s->loc].id; }

BO_INTERNAL int bo__report_html(const bo_report *r, bo_out *o);

#endif
