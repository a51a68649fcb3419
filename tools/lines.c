/*
 * lines.c - reading a trace's lines in large blocks (see lines.h).
 */
#include "lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one read() asks for, at least. */
#define LR_BLOCK ((size_t)64 * 1024)

void line_reader_init(line_reader *lr, int fd)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
}

void line_reader_free(line_reader *lr)
{
	free(lr->buf);
	lr->buf = NULL;
	lr->cap = lr->start = lr->end = 0;
}

/* Room for a block of input after the bytes kept, and one byte more for
 * the NUL after a last line without '\n'. 0, or -1 out of memory. */
static int make_room(line_reader *lr)
{
	size_t kept = lr->end - lr->start;
	size_t cap;
	char *b;

	if (lr->start > 0) { /* the start of a line the last block cut: to the front */
		memmove(lr->buf, lr->buf + lr->start, kept);
		lr->start = 0;
		lr->end = kept;
	}
	if (lr->cap - lr->end > LR_BLOCK)
		return 0;
	cap = lr->cap ? lr->cap : LR_BLOCK + 1;
	while (cap - lr->end <= LR_BLOCK) {
		if (cap > ((size_t)-1) / 2)
			return -1;
		cap *= 2;
	}
	b = realloc(lr->buf, cap);
	if (b == NULL)
		return -1;
	lr->buf = b;
	lr->cap = cap;
	return 0;
}

int line_reader_next(line_reader *lr, char **line, size_t *len, size_t *raw)
{
	size_t scanned = 0; /* bytes from lr->start known to hold no '\n' */

	for (;;) {
		size_t have = lr->end - lr->start;
		char *nl = have > scanned ? memchr(lr->buf + lr->start + scanned, '\n', have - scanned) : NULL;
		ssize_t n;

		if (nl != NULL) {
			*line = lr->buf + lr->start;
			*len = (size_t)(nl - *line);
			*raw = *len + 1;
			*nl = '\0';
			lr->start += *raw;
			return 1;
		}
		scanned = have;
		if (lr->eof) {
			if (have == 0)
				return 0;
			*line = lr->buf + lr->start;
			*len = *raw = have;
			(*line)[have] = '\0'; /* (make_room kept a byte for it) */
			lr->start = lr->end;
			return 1;
		}
		if (make_room(lr) != 0) {
			lr->err = ENOMEM;
			return -1;
		}
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			lr->err = errno;
			return -1;
		}
		if (n == 0)
			lr->eof = 1;
		lr->end += (size_t)n;
	}
}
