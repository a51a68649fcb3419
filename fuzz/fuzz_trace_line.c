/*
 * fuzz_trace_line.c - libFuzzer harness for the trace line parser of the
 * `backorder` program (tools/trace.c).
 *
 * The input is split into lines as the program does; each line is parsed
 * into a reused command (as in a replay) and what the parser promises is
 * checked: a status among OK/parse/invalid/storage, a message on failure,
 * ids that follow the id rules, quantities >= 1 where units move, times that
 * format and parse back to themselves. A broken promise aborts.
 *
 * Build with clang -fsanitize=fuzzer (fuzz/meson.build), or with
 * -DFUZZ_STANDALONE for a main() that runs the files named on the command
 * line through the same checks (to replay a crash without libFuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); abort(); } } while (0)

static void check_id(const char *s)
{
	if (s != NULL)
		CHECK(trace_id_valid(s, strlen(s)));
}

static void check_time(int64_t t)
{
	char buf[TRACE_TIME_LEN];
	int64_t back;

	trace_format_time(buf, t);
	CHECK(trace_parse_time(&back, buf, strlen(buf)) == 0);
	CHECK(back == t);
}

static void check_cmd(const trace_cmd *c)
{
	size_t i;

	CHECK(c->op >= TRACE_NOP && c->op <= TRACE_DUMP);
	check_id(c->sku);
	check_id(c->order);
	check_id(c->id);
	check_id(c->location);
	switch (c->op) {
	case TRACE_LOCATION:
		CHECK(c->location != NULL);
		break;
	case TRACE_AT:
		check_time(c->time);
		break;
	case TRACE_INCOMING:
		CHECK(c->sku && c->id && c->qty >= 1);
		check_time(c->time);
		break;
	case TRACE_RECEIVE:
		CHECK(c->sku && c->qty >= 1);
		break;
	case TRACE_MODIFY:
		CHECK(c->order && c->sku && c->qty >= 1);
		break;
	case TRACE_CANCEL:
	case TRACE_SHIP:
		CHECK(c->order != NULL);
		CHECK(c->qty == BO_ALL || (c->sku != NULL && c->qty >= 1));
		break;
	case TRACE_PLACE:
		CHECK(c->order && c->nlines >= 1);
		for (i = 0; i < c->nlines; i++) {
			CHECK(trace_id_valid(c->lines[i].sku, strlen(c->lines[i].sku)));
			CHECK(c->lines[i].qty >= 1);
			CHECK(c->lines[i].unit_price >= 0 || c->lines[i].unit_price == BO_NO_PRICE);
		}
		break;
	case TRACE_ITEM:
		CHECK(c->sku != NULL);
		if (c->item.fields & BO_ITEM_LEAD_TIME)
			CHECK(c->item.lead_time >= 0 && c->item.lead_time % 86400 == 0);
		if (c->item.fields & BO_ITEM_MAX_BACKORDER)
			CHECK(c->item.max_backorder >= 0);
		if (c->item.fields & BO_ITEM_PREORDER_MAX)
			CHECK(c->item.preorder_max >= 0);
		if (c->item.fields & BO_ITEM_RELEASE_AT)
			check_time(c->item.release_at);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static trace_cmd cmd; /* reused across lines and inputs, as in a replay */
	char *buf = malloc(size + 1);
	size_t start = 0;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	while (start < size) {
		char *nl = memchr(buf + start, '\n', size - start);
		size_t len = nl ? (size_t)(nl - (buf + start)) + 1 : size - start;
		int rc = trace_parse_line(&cmd, buf + start, len);

		CHECK(rc == BO_OK || rc == BO_EPARSE || rc == BO_EINVALID || rc == BO_ESTORAGE);
		if (rc == BO_OK)
			check_cmd(&cmd);
		else
			CHECK(cmd.msg[0] != '\0' && memchr(cmd.msg, '\n', strlen(cmd.msg)) == NULL);
		start += len;
	}
	free(buf);
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *data;
		long n;

		if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
			perror(argv[i]);
			return 2;
		}
		rewind(f);
		data = malloc((size_t)n + 1);
		if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) {
			perror(argv[i]);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(data, (size_t)n);
		free(data);
		printf("%s: ok\n", argv[i]);
	}
	return 0;
}
#endif
