/* Shared by the unit tests of the memory store's data structures: a
 * seeded random generator (BO_ROOM_SEED=N picks another seed; the seed is
 * printed so a failure can be replayed) and the number of operations
 * (BO_ROOM_OPS=N for a longer soak; a fifth under valgrind, BO_TEST_VALGRIND). */
#ifndef BO_TEST_ROOMS_H
#define BO_TEST_ROOMS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t room_rng = 88172645463325252ULL;

static inline uint64_t room_rand(void)
{
	uint64_t x = room_rng; /* xorshift64 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return room_rng = x;
}

/* A number in [0, n). */
static inline uint64_t room_below(uint64_t n) { return n ? room_rand() % n : 0; }

static inline void room_seed(const char *what, uint64_t dflt)
{
	const char *s = getenv("BO_ROOM_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 10) : dflt;
	room_rng = seed ? seed * 0x9E3779B97F4A7C15ULL : 88172645463325252ULL;
	printf("# %s: seed %" PRIu64 " (BO_ROOM_SEED)\n", what, seed);
}

static inline long room_ops(long dflt)
{
	const char *s = getenv("BO_ROOM_OPS");
	if (s && atol(s) > 0)
		return atol(s);
	/* under valgrind (tools/run-tests.sh), a fifth: it checks memory, not logic */
	return getenv("BO_TEST_VALGRIND") ? dflt / 5 : dflt;
}

#endif
