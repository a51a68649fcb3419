/*
 * lines.h - reading a trace's lines in large blocks (lines.c).
 *
 * `backorder replay` read its input with getline(), which copies every
 * line out of stdio's buffer and measures it byte by byte. This reader
 * read()s 64 KiB at a time into a buffer of its own and hands each line
 * out in place. It reads what the descriptor has (a pipe's lines are
 * replayed as they arrive, as with getline()), and a line may be of any
 * length.
 */
#ifndef BACKORDER_TOOLS_LINES_H
#define BACKORDER_TOOLS_LINES_H

#include <stddef.h>

typedef struct line_reader {
	int fd;
	char *buf;
	size_t cap;   /* bytes allocated */
	size_t start; /* the first byte not handed out yet */
	size_t end;   /* one past the last byte read */
	int eof;      /* read() returned 0 */
	int err;      /* the errno of a failed read (ENOMEM: out of memory), or 0 */
} line_reader;

/* A reader of descriptor `fd` (not owned: the caller closes it). */
void line_reader_init(line_reader *lr, int fd);

/* Free the buffer. */
void line_reader_free(line_reader *lr);

/*
 * The next line: *line points at it, in the reader's buffer, without its
 * '\n' and NUL-terminated there (a line may hold NUL bytes: *len counts
 * every byte); *raw is the number of input bytes it took, the '\n'
 * included. The last line may lack its '\n'. Returns 1 for a line, 0 at
 * the end of the input, -1 when reading failed (lr->err says why). The
 * line stays valid, and may be written to, until the next call.
 */
int line_reader_next(line_reader *lr, char **line, size_t *len, size_t *raw);

#endif
