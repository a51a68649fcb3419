/* The bare book-keeper of bench_replay_baseline --bare (bare.c). */
#ifndef BENCH_BARE_H
#define BENCH_BARE_H

#include <stdint.h>
#include <stdio.h>

/* Replay the trace at `path`: the number of rejected lines to *errors
 * (and "error LINENO" lines to errors_out, if not NULL), the final state in
 * the --dump format to dump_out (if not NULL). 0 when replayed; -1 when the
 * trace cannot be read or memory runs out; -2 when a line is more than bare
 * book-keeping (a setting, supply, a price...): see bare.c. */
int bare_replay(const char *path, uint64_t *errors, FILE *errors_out, FILE *dump_out);

#endif
