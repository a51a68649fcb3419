/*
 * test_lines.c - the `backorder` program's line reader (tools/lines.c),
 * driven directly: random inputs through a file and a pipe against what
 * getline() would have split them into, lines around the block size, a
 * pipe's lines handed out as they arrive, and a read that fails.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lines.h"

static uint64_t rng = 20261203;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* An input: bytes, and where each line (without its '\n') starts and ends. */
typedef struct input {
	char *bytes;
	size_t n, cap;
	size_t *starts, *lens;
	size_t nlines, lcap;
} input;

static void add_line(input *in, size_t len, int newline)
{
	if (in->n + len + 1 > in->cap) {
		in->cap = (in->n + len + 1) * 2;
		in->bytes = realloc(in->bytes, in->cap);
		assert_non_null(in->bytes);
	}
	if (in->nlines == in->lcap) {
		in->lcap = in->lcap ? in->lcap * 2 : 64;
		in->starts = realloc(in->starts, in->lcap * sizeof(size_t));
		in->lens = realloc(in->lens, in->lcap * sizeof(size_t));
		assert_non_null(in->starts);
		assert_non_null(in->lens);
	}
	in->starts[in->nlines] = in->n;
	in->lens[in->nlines++] = len;
	for (size_t i = 0; i < len; i++) {
		/* any byte but '\n', NUL and '\r' among them */
		char c = (char)(next_rand() % 255);
		in->bytes[in->n++] = c == '\n' ? '\0' : c;
	}
	if (newline)
		in->bytes[in->n++] = '\n';
}

static size_t rand_len(void)
{
	static const size_t edges[] = { 0, 1, 65535, 65536, 65537, 131071, 131072, 200000 };
	uint64_t r = next_rand() % 100;
	if (r < 5)
		return edges[next_rand() % (sizeof(edges) / sizeof(edges[0]))];
	if (r < 10)
		return (size_t)(next_rand() % 300000); /* longer than a block */
	return (size_t)(next_rand() % 120);
}

static input make_input(size_t lines, int last_newline)
{
	input in;
	memset(&in, 0, sizeof(in));
	for (size_t i = 0; i < lines; i++)
		add_line(&in, rand_len(), i + 1 < lines || last_newline);
	return in;
}

/* Free `in` and leave it empty. */
static void free_input(input *in)
{
	free(in->bytes);
	free(in->starts);
	free(in->lens);
	memset(in, 0, sizeof(*in));
}

/* Read all of `fd` and compare with `in`. */
static void read_all(int fd, const input *in)
{
	line_reader lr;
	char *line;
	size_t len, raw, total = 0, i = 0;
	int rc;
	line_reader_init(&lr, fd);
	while ((rc = line_reader_next(&lr, &line, &len, &raw)) == 1) {
		assert_true(i < in->nlines);
		assert_int_equal(len, in->lens[i]);
		if (len > 0)
			assert_memory_equal(line, in->bytes + in->starts[i], len);
		assert_int_equal(line[len], '\0');
		line[0] = 'x'; /* the caller may write to it */
		total += raw;
		i++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, in->nlines);
	assert_int_equal(total, in->n);
	/* at the end it stays at the end */
	assert_int_equal(line_reader_next(&lr, &line, &len, &raw), 0);
	line_reader_free(&lr);
}

/* Write `in` to a temporary file, read it back with the reader against
 * it, and free it. */
static void through_file(input *in)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	if (in->n > 0) /* (an empty input has no buffer) */
		assert_int_equal(fwrite(in->bytes, 1, in->n, f), in->n);
	assert_int_equal(fflush(f), 0);
	assert_int_equal(lseek(fileno(f), 0, SEEK_SET), 0);
	read_all(fileno(f), in);
	fclose(f);
	free_input(in);
}

static void test_file(void **state)
{
	(void)state;
	for (int round = 0; round < 12; round++) {
		input in = make_input(1 + next_rand() % 400, round % 2);
		through_file(&in);
	}
}

static void test_empty_and_blank(void **state)
{
	(void)state;
	for (size_t last = 0; last <= 3; last++) {
		input in;
		memset(&in, 0, sizeof(in));
		through_file(&in); /* no line at all */
		/* "\n\n" is two empty lines; then one of `last` bytes without
		 * '\n' (none when 0: the input ends with its '\n') */
		add_line(&in, 0, 1);
		add_line(&in, 0, 1);
		if (last > 0)
			add_line(&in, last, 0);
		through_file(&in);
	}
}

/* Every length from 1 byte below to 1 byte above the block's, as the
 * last line, with and without its '\n'. */
static void test_block_edges(void **state)
{
	(void)state;
	for (size_t len = 65534; len <= 65538; len++) {
		for (int nl = 0; nl < 2; nl++) {
			input in;
			memset(&in, 0, sizeof(in));
			add_line(&in, 10, 1);
			add_line(&in, len, nl);
			through_file(&in);
		}
	}
}

/* A pipe's lines come out as they arrive: the reader does not wait for a
 * block to fill (this test would hang, and time out, if it did). */
static void test_pipe_streams(void **state)
{
	int p[2];
	line_reader lr;
	char *line;
	size_t len, raw;
	(void)state;
	assert_int_equal(pipe(p), 0);
	line_reader_init(&lr, p[0]);
	assert_int_equal(write(p[1], "place O1 A:1\npar", 16), 16);
	assert_int_equal(line_reader_next(&lr, &line, &len, &raw), 1);
	assert_string_equal(line, "place O1 A:1");
	assert_int_equal(raw, 13);
	assert_int_equal(write(p[1], "tial\nlast", 9), 9);
	assert_int_equal(line_reader_next(&lr, &line, &len, &raw), 1);
	assert_string_equal(line, "partial");
	close(p[1]);
	assert_int_equal(line_reader_next(&lr, &line, &len, &raw), 1);
	assert_string_equal(line, "last");
	assert_int_equal(raw, 4);
	assert_int_equal(line_reader_next(&lr, &line, &len, &raw), 0);
	line_reader_free(&lr);
	close(p[0]);
}

static void test_read_error(void **state)
{
	line_reader lr;
	char *line;
	size_t len, raw;
	int p[2];
	(void)state;
	/* a descriptor open for writing only */
	assert_int_equal(pipe(p), 0);
	line_reader_init(&lr, p[1]);
	assert_int_equal(line_reader_next(&lr, &line, &len, &raw), -1);
	assert_int_equal(lr.err, EBADF);
	line_reader_free(&lr);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_empty_and_blank),
		cmocka_unit_test(test_block_edges),
		cmocka_unit_test(test_pipe_streams),
		cmocka_unit_test(test_read_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
