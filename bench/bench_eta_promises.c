/*
 * bench_eta_promises.c - what ETA promises (DESIGN §6) cost a shop whose
 * items have a lead time.
 *
 * The program generates four traces of the same shop, with the same random
 * draws: N single-line orders (100,000 by default) over M items (200),
 * arriving while the clock moves on (an `at` line every 20 orders, 1 to 10
 * minutes later), and restocks (one every 10 orders, 1 to 3 units) that
 * keep the queues moving; the restocks bring about 10% of the units
 * ordered, so every item's queue grows to about 450 lines (500 orders an
 * item, 1 to 3 units each). The traces differ only in
 * what the promises rest on:
 *
 *   nolead    no lead time, no purchase orders: every ETA is unknown;
 *   lead      every item has a lead time (14 days): every waiting line is
 *             promised now + lead time when it joins, and keeps it;
 *   po10      lead, plus purchase orders (`incoming`, due in 7 days) that
 *             cover about 10% of each queue's waiting units; restocks are
 *             received against the open one, and when it is used up a new
 *             one is raised on the queue as it is then;
 *   po50      the same with purchase orders covering about 50%.
 *
 * It times `backorder replay --store memory --events FILE` (events to a
 * file, as a shop would hand them on) on each, --runs times (5 by default),
 * the four one after the other in each round so they see the same machine
 * load, and prints for each the median wall time (fork to exit), its ratio
 * to nolead (ratio of medians and median of the per-round ratios), the
 * events and the `eta_changed` events.
 *
 * The goal for `lead`: no eta_changed event at all (a restock fills the
 * head of the queue and moves no one else's date, an order placed later
 * moves no earlier line's date), and a time within 1.3x of `nolead` (no
 * line that no supply covers is walked). The po variants show that the
 * cost follows the lines covered by supply.
 *
 * usage: bench_eta_promises [--orders N] [--items M] [--runs R] [--lead DAYS]
 *                           [--seed S] [--backorder PATH] [--keep DIR]
 *   --keep DIR   write the traces to DIR (nolead.trace, ...) and keep them
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#define T0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define NVAR 4
#define MAX_RUNS 99

static const char *const var_name[NVAR] = { "nolead", "lead", "po10", "po50" };
static const int var_cover[NVAR] = { 0, 0, 10, 50 }; /* % of waiting units a purchase order covers */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static long rnd_in(long lo, long hi)
{
	return lo + (long)(rnd() % (uint64_t)(hi - lo + 1));
}

static void fmt_time(char *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The generator's own fifo book of one item, enough to know how deep its
 * queue is and how many units wait (to size purchase orders). */
typedef struct gitem {
	int *q;                 /* waiting units of each waiting line, fifo */
	long head, tail, cap;
	long units;             /* waiting units */
	long free_units;        /* stock no line waits for */
	long po_open[NVAR];     /* units left on the open purchase order */
	long po_seq[NVAR];
} gitem;

static int gq_push(gitem *g, int units)
{
	if (g->tail == g->cap) {
		long n = g->tail - g->head, nc = g->cap ? g->cap * 2 : 64;
		int *nq;

		if (n < g->cap / 2)
			nc = g->cap; /* enough room once the front is dropped */
		nq = malloc((size_t)nc * sizeof(*nq));
		if (nq == NULL)
			return -1;
		if (n)
			memcpy(nq, g->q + g->head, (size_t)n * sizeof(*nq));
		free(g->q);
		g->q = nq;
		g->cap = nc;
		g->head = 0;
		g->tail = n;
	}
	g->q[g->tail++] = units;
	g->units += units;
	return 0;
}

static void gq_receive(gitem *g, long units)
{
	g->free_units += units;
	while (g->head < g->tail && g->free_units > 0) {
		long take = g->q[g->head] < g->free_units ? g->q[g->head] : g->free_units;

		g->q[g->head] -= (int)take;
		g->units -= take;
		g->free_units -= take;
		if (g->q[g->head] == 0)
			g->head++;
	}
}

typedef struct gstats {
	double mean_depth;      /* waiting lines of the item, seen by each placement */
	long final_min, final_max, final_total;
	long pos[NVAR];         /* purchase orders raised */
} gstats;

static int generate(char paths[NVAR][4096], long norders, int nitems, int lead_days, uint64_t seed, gstats *st)
{
	FILE *f[NVAR];
	gitem *g = calloc((size_t)nitems, sizeof(*g));
	int64_t now = T0;
	double depth_sum = 0;
	char tb[24], tb2[24];
	long i;
	int v, k, rc = -1;

	memset(st, 0, sizeof(*st));
	for (v = 0; v < NVAR; v++)
		f[v] = NULL;
	if (g == NULL)
		return -1;
	for (v = 0; v < NVAR; v++) {
		f[v] = fopen(paths[v], "w");
		if (f[v] == NULL) {
			fprintf(stderr, "bench: cannot write %s: %s\n", paths[v], strerror(errno));
			goto out;
		}
		fprintf(f[v], "# generated by bench_eta_promises: %s, %ld orders, %d items, seed %" PRIu64 "\n",
			var_name[v], norders, nitems, seed);
		for (k = 0; k < nitems; k++) {
			if (v == 0)
				fprintf(f[v], "item E-%04d\n", k);
			else
				fprintf(f[v], "item E-%04d lead_time=%d\n", k, lead_days);
		}
	}
	rng_state = seed ? seed : 1;
	for (i = 0; i < norders; i++) {
		int sku = (int)rnd_in(0, nitems - 1), qty = (int)rnd_in(1, 3);

		if (i % 20 == 0 && i > 0) {
			now += rnd_in(60, 600);
			fmt_time(tb, now);
			for (v = 0; v < NVAR; v++)
				fprintf(f[v], "at %s\n", tb);
		}
		depth_sum += (double)(g[sku].tail - g[sku].head);
		for (v = 0; v < NVAR; v++)
			fprintf(f[v], "place O%07ld E-%04d:%d\n", i, sku, qty);
		if (g[sku].free_units >= qty) {
			g[sku].free_units -= qty; /* allocated at once (no line waits) */
		} else {
			long wait = qty - g[sku].free_units;

			g[sku].free_units = 0;
			if (gq_push(&g[sku], (int)wait) != 0)
				goto out;
		}
		if (i % 10 == 9) {
			int r = (int)rnd_in(0, nitems - 1);
			long q = rnd_in(1, 3);
			gitem *it = &g[r];

			for (v = 0; v < NVAR; v++) {
				if (var_cover[v] == 0) {
					fprintf(f[v], "receive E-%04d %ld\n", r, q);
					continue;
				}
				/* raise a purchase order on the queue as it is now */
				if (it->po_open[v] == 0 && it->units >= 20) {
					long pq = it->units * var_cover[v] / 100;

					it->po_open[v] = pq > 0 ? pq : 1;
					it->po_seq[v]++;
					st->pos[v]++;
					fmt_time(tb2, now + 7 * 86400);
					fprintf(f[v], "incoming E-%04d PO%ld %ld %s\n", r, it->po_seq[v], it->po_open[v], tb2);
				}
				if (it->po_open[v] > 0) {
					fprintf(f[v], "receive E-%04d %ld supply=PO%ld\n", r, q, it->po_seq[v]);
					it->po_open[v] = q >= it->po_open[v] ? 0 : it->po_open[v] - q;
				} else {
					fprintf(f[v], "receive E-%04d %ld\n", r, q);
				}
			}
			gq_receive(it, q);
		}
	}
	st->mean_depth = norders ? depth_sum / (double)norders : 0;
	st->final_min = -1;
	for (k = 0; k < nitems; k++) {
		long d = g[k].tail - g[k].head;

		st->final_total += d;
		if (st->final_min < 0 || d < st->final_min)
			st->final_min = d;
		if (d > st->final_max)
			st->final_max = d;
	}
	rc = 0;
out:
	for (v = 0; v < NVAR; v++)
		if (f[v] && fclose(f[v]) != 0)
			rc = -1;
	for (k = 0; k < nitems; k++)
		free(g[k].q);
	free(g);
	return rc;
}

/* Run `backorder replay --store memory --events path` with its output to
 * out_path; returns seconds from fork to exit, or < 0 on failure (a line
 * of the trace that failed is a failure too: the traces are all valid).
 * *cpu receives the child's user + system time. */
static double run_program(const char *exe, const char *path, const char *out_path, double *cpu)
{
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_WRONLY);

		if (fd < 0 || nul < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(nul, 2); /* no progress bar */
		execl(exe, exe, "replay", "--store", "memory", "--events", path, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: %s replay %s exited with %d\n", exe, path,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

typedef struct counts {
	uint64_t events, eta_changed, errors;
} counts;

static int count_events(const char *path, counts *c)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) >= 0) {
		if (strncmp(line, "event ", 6) == 0) {
			c->events++;
			c->eta_changed += strstr(line, " eta_changed ") != NULL;
		} else if (strncmp(line, "error ", 6) == 0) {
			c->errors++;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	long norders = 100000;
	int nitems = 200, runs = 5, lead_days = 14, i, v, rc = 1;
	uint64_t seed = 1;
	const char *exe = getenv("BACKORDER"), *keep = NULL;
	char exe_buf[4096], paths[NVAR][4096], out_path[] = "/tmp/bench_eta_out_XXXXXX";
	static double t[NVAR][MAX_RUNS], ratio[NVAR][MAX_RUNS], cpu[NVAR][MAX_RUNS];
	double med[NVAR], ratio_med[NVAR], lo[NVAR], hi[NVAR], cmed[NVAR];
	counts c[NVAR];
	gstats st;
	int fd;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
			norders = atol(argv[++i]);
		else if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
			nitems = atoi(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--lead") == 0 && i + 1 < argc)
			lead_days = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--backorder") == 0 && i + 1 < argc)
			exe = argv[++i];
		else if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc)
			keep = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--orders N] [--items M] [--runs R] [--lead DAYS] [--seed S]"
				" [--backorder PATH] [--keep DIR]\n", argv[0]);
			return 2;
		}
	}
	if (norders < 1 || nitems < 1 || nitems > 9999 || runs < 1 || runs > MAX_RUNS || lead_days < 1) {
		fprintf(stderr, "bench: --orders >= 1, --items 1..9999, --runs 1..%d, --lead >= 1\n", MAX_RUNS);
		return 2;
	}
	if (exe == NULL) {
		const char *slash = strrchr(argv[0], '/');
		int len = slash ? (int)(slash - argv[0]) : 1;

		snprintf(exe_buf, sizeof(exe_buf), "%.*s/../tools/backorder", len, slash ? argv[0] : ".");
		exe = exe_buf;
	}
	if (access(exe, X_OK) != 0) {
		fprintf(stderr, "bench: cannot run %s (use --backorder PATH)\n", exe);
		return 2;
	}
	for (v = 0; v < NVAR; v++) {
		if (keep) {
			snprintf(paths[v], sizeof(paths[v]), "%s/%s.trace", keep, var_name[v]);
		} else {
			snprintf(paths[v], sizeof(paths[v]), "/tmp/bench_eta_%s_XXXXXX", var_name[v]);
			fd = mkstemp(paths[v]);
			if (fd < 0)
				return 2;
			close(fd);
		}
	}
	fd = mkstemp(out_path);
	if (fd < 0)
		return 2;
	close(fd);
	if (generate(paths, norders, nitems, lead_days, seed, &st) != 0)
		goto out;
	printf("shop: %ld single-line orders over %d items, lead time %d days, seed %" PRIu64 "\n", norders, nitems,
	       lead_days, seed);
	printf("queues: %.0f lines deep on average when an order is placed; at the end %ld..%ld (mean %.0f)\n",
	       st.mean_depth, st.final_min, st.final_max, (double)st.final_total / nitems);
	printf("purchase orders raised: po10 %ld, po50 %ld\n", st.pos[2], st.pos[3]);
	for (i = 0; i < runs; i++) {
		for (v = 0; v < NVAR; v++) {
			counts cv;

			t[v][i] = run_program(exe, paths[v], out_path, &cpu[v][i]);
			if (t[v][i] < 0 || count_events(out_path, &cv) != 0)
				goto out;
			if (i == 0) {
				c[v] = cv;
			} else if (cv.events != c[v].events || cv.eta_changed != c[v].eta_changed) {
				fprintf(stderr, "bench: %s: run %d printed other events than run 1\n", var_name[v], i + 1);
				goto out;
			}
		}
		for (v = 0; v < NVAR; v++)
			ratio[v][i] = t[v][i] / t[0][i];
	}
	for (v = 0; v < NVAR; v++) {
		double s[MAX_RUNS];

		memcpy(s, t[v], (size_t)runs * sizeof(double));
		med[v] = median(s, runs);
		lo[v] = s[0];
		hi[v] = s[runs - 1];
		ratio_med[v] = median(ratio[v], runs);
		cmed[v] = median(cpu[v], runs);
	}
	printf("\n%-8s %9s %17s %8s %8s %9s %8s %9s %12s\n", "trace", "median s", "range s", "/nolead", "paired",
	       "cpu s", "/nolead", "events", "eta_changed");
	for (v = 0; v < NVAR; v++)
		printf("%-8s %9.3f %8.3f..%-7.3f %7.2fx %7.2fx %9.3f %7.2fx %9" PRIu64 " %12" PRIu64 "\n", var_name[v],
		       med[v], lo[v], hi[v], med[v] / med[0], ratio_med[v], cmed[v], cmed[v] / cmed[0], c[v].events,
		       c[v].eta_changed);
	printf("\n(%d runs each; wall time from fork to exit, range min..max; \"paired\": median of the\n"
	       " per-round ratios; cpu: median user+system time of the program)\n", runs);
	printf("goal for lead: 0 eta_changed events (%s), time within 1.30x of nolead (%.2fx, paired %.2fx: %s)\n",
	       c[1].eta_changed == 0 ? "met" : "NOT met", med[1] / med[0], ratio_med[1],
	       ratio_med[1] <= 1.30 ? "met" : "NOT met");
	rc = 0;
out:
	unlink(out_path);
	if (!keep)
		for (v = 0; v < NVAR; v++)
			unlink(paths[v]);
	return rc;
}
