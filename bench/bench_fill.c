/*
 * bench_fill N [RUNS]: one restock filling a long queue, in a fresh
 * process each run (no heap warmed by an earlier phase): N single-line
 * orders wait on one item of the memory store, then one receive of N
 * units fills them all in one call (2N events: allocated and ready).
 * Prints, per run and as medians: lines filled per second, the page
 * faults the receive took (and what they are per line), and the
 * process's peak resident memory. Each run is a child process, so that
 * every run starts on a fresh heap. Prints figures; asserts nothing.
 */
#include <backorder.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct result {
	double rate;   /* lines filled per second */
	double faults; /* minor page faults of the receive */
	double rss_mb; /* peak resident memory of the process */
} result;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t fixed_clock(void *ud)
{
	(void)ud;
	return 1767225600; /* 2026-01-01T00:00:00Z */
}

static int count(void *ud, const bo_event *ev)
{
	(void)ev;
	(*(size_t *)ud)++;
	return 0;
}

static long minflt(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_minflt;
}

/* One run, in the child: writes a result to fd. */
static int one_run(long n, int fd)
{
	bo_inventory *inv;
	bo_options o = BO_OPTIONS_INIT;
	bo_notifier nt = BO_NOTIFIER_INIT;
	bo_line_spec l = { "SKU", 1, BO_NO_PRICE };
	size_t events = 0;
	struct rusage ru;
	result r;
	char id[32];
	long f0;
	double t0;

	o.clock = fixed_clock;
	if (bo_inventory_open_store(&inv, "memory", &o) < 0 || bo_item_set(inv, "SKU", NULL) < 0)
		goto fail;
	nt.deliver = count;
	if (bo_inventory_set_notifier(inv, &nt, &events) < 0)
		goto fail;
	for (long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "o%ld", i);
		if (bo_order_place(inv, id, NULL, &l, 1) < 0)
			goto fail;
	}
	events = 0;
	f0 = minflt();
	t0 = now_s();
	if (bo_item_receive(inv, "SKU", n, NULL) < 0)
		goto fail;
	r.rate = (double)n / (now_s() - t0);
	r.faults = (double)(minflt() - f0);
	if (events != (size_t)(2 * n)) {
		fprintf(stderr, "bench_fill: %zu events delivered, expected %ld\n", events, 2 * n);
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	r.rss_mb = (double)ru.ru_maxrss / 1024.0;
	bo_inventory_free(inv);
	return write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1;
fail:
	fprintf(stderr, "bench_fill: %s\n", bo_last_error());
	return 1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	double rate[64], faults[64], rss[64];

	if (n < 1 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: bench_fill [N] [RUNS <= 64]\n");
		return 2;
	}
	printf("one receive filling %ld waiting lines (memory store), a fresh process per run\n", n);
	for (int r = 0; r < runs; r++) {
		int p[2], st;
		result res;
		pid_t pid;
		if (pipe(p) < 0)
			return 1;
		fflush(stdout);
		if ((pid = fork()) == 0) {
			close(p[0]);
			_exit(one_run(n, p[1]));
		}
		close(p[1]);
		if (pid < 0 || read(p[0], &res, sizeof(res)) != (ssize_t)sizeof(res) || waitpid(pid, &st, 0) < 0 ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench_fill: run %d failed\n", r + 1);
			return 1;
		}
		close(p[0]);
		rate[r] = res.rate;
		faults[r] = res.faults;
		rss[r] = res.rss_mb;
		printf("  run %d: %10.0f lines/s, %8.0f page faults (%.0f bytes/line), peak %.1f MiB\n", r + 1,
		       res.rate, res.faults, res.faults * 4096.0 / (double)n, res.rss_mb);
	}
	printf("median: %.0f lines/s, %.0f page faults, peak %.1f MiB\n", median(rate, runs), median(faults, runs),
	       median(rss, runs));
	return 0;
}
