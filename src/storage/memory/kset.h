/* kset: nodes found by an id string (kset.c).
 *
 * The nodes are the caller's; each holds its id, NUL-terminated and at most
 * BO_ID_MAX bytes, at offset `koff`. A linear-probing hash table of
 * (hash, node) slots finds a node with one cache miss for the slot and one
 * for the node. Walks in bytewise id order use a list made by the first
 * walk and kept from then on, sorted lazily (new ids are appended and
 * sorted in by the next walk): a set that is never walked in order pays
 * nothing for it (16 bytes a slot, at most 3/4 of the slots used). */
#ifndef BO_MEM_KSET_H
#define BO_MEM_KSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bo__kslot {
	uint64_t h; /* 0: empty */
	void *node;
} bo__kslot;

typedef struct bo__kset {
	bo__kslot *t;
	size_t tcap;     /* a power of two, or 0 */
	size_t n;
	void **list;     /* for ordered walks, once one happened: list[0..nsorted) sorted */
	size_t nlist, listcap, nsorted;
	bool walked;     /* `list` is kept */
	size_t koff;
	size_t pf;       /* bytes of a node a look-up asks the processor for (0: none) */
	uint64_t gen;    /* counts adds and removals: a caller's memo of a miss holds while it is unchanged */
} bo__kset;

/* An empty set of nodes whose id is at offset `koff`. */
void bo__kset_init(bo__kset *ks, size_t koff);
/* The node with id `key`, or NULL. */
void *bo__kset_find(const bo__kset *ks, const char *key);
/* The hash of `key` (never 0): a caller that looks an id up and then adds
 * it hashes it once, with bo__kset_find_h() and bo__kset_add_h(). */
uint64_t bo__kset_hash(const char *key);
/* bo__kset_find() of `key`, whose bo__kset_hash() is `h`. */
void *bo__kset_find_h(const bo__kset *ks, const char *key, uint64_t h);
/* A hint that `key` will be looked up: ask the processor for the slot the
 * look-up starts at (for a key that is likely new: nothing waits for the
 * slot). Changes nothing. */
void bo__kset_prefetch(const bo__kset *ks, const char *key);
/* A hint for a key that is likely stored, when the slots are likely
 * cached: find the first slot with the key's hash and ask the processor
 * for its node, without comparing ids (the node is not read). Returns that
 * node: the node of `key` if it is in the set, or another node whose id
 * has the same hash, or NULL. Changes nothing. */
void *bo__kset_prefetch_node(const bo__kset *ks, const char *key);
/* Make room for one more node: the only step of an add that can fail
 * (false: out of memory, nothing changed). */
bool bo__kset_reserve(bo__kset *ks);
/* Add `node` (its id not in the set) after bo__kset_reserve(). */
void bo__kset_add(bo__kset *ks, void *node);
/* bo__kset_add() of `node`, whose id's bo__kset_hash() is `h`. */
void bo__kset_add_h(bo__kset *ks, void *node, uint64_t h);
/* The set's count of adds and removals so far: unchanged, a key that
 * was not in the set is still not in it. */
static inline uint64_t bo__kset_gen(const bo__kset *ks) { return ks->gen; }
/* Remove `node` (nothing if it is not in the set). Cheapest for the node
 * added last. */
void bo__kset_del(bo__kset *ks, void *node);
/* The first node whose id sorts bytewise after `after` (NULL: the first
 * node); NULL at the end. The first call makes the ordered list: NULL
 * with *oom set when memory runs out for it (oom may be NULL). */
void *bo__kset_next(bo__kset *ks, const char *after, bool *oom);
/* The number of nodes. */
static inline size_t bo__kset_count(const bo__kset *ks) { return ks->n; }
/* Every node, in no order: *pos starts at 0; NULL at the end. The set
 * must not change during the walk. */
void *bo__kset_iter(const bo__kset *ks, size_t *pos);
/* Bytes the set holds (for tests and statistics). */
size_t bo__kset_bytes(const bo__kset *ks);
/* Free the set's own memory (not the nodes). */
void bo__kset_free(bo__kset *ks);

#endif
