/* Locations (DESIGN §11): stock per item and location, a line's allocated
 * units per location, and the public calls.
 *
 * "main" has no records of its own: its figures are the item's (or the
 * line's) totals minus those of the other locations. An item whose stock is
 * all at "main" (bo_item_rec.located == 0) is handled exactly as before
 * locations: nothing more is read or written for it. Only an item with
 * records elsewhere has a view built: the inventory's locations in location
 * order (read once per call), then the item's stock records, or the line's
 * allocation records. The functions here run before the caller changes the
 * item's and the line's totals, and write only the records of locations
 * other than "main" (and the item's `located` count). */
#include "internal.h"

#include <stdlib.h>

size_t bo_supply_rec_size(void) { return sizeof(bo_supply_rec); }
size_t bo_stock_rec_size(void) { return sizeof(bo_stock_rec); }
size_t bo_lalloc_rec_size(void) { return sizeof(bo_lalloc_rec); }

bool bo__has_locations(const bo_inventory *inv)
{
	return inv->st.version >= 3 && inv->st.loc_put != NULL;
}

static bool is_main(const char *id)
{
	return !id || !id[0] || strcmp(id, BO_LOCATION_MAIN) == 0;
}

static int cmp_loc(const void *a, const void *b)
{
	const bo_location_rec *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->id, y->id);
}

int bo__locs_load(bo_inventory *inv)
{
	bo_location_rec r;
	const char *after = NULL;
	bool have_main = false;
	int rc;

	inv->nlocs = 0;
	inv->locs_gen = -1;
	if (bo__has_locations(inv)) {
		while ((rc = inv->st.loc_next(inv->sd, after, &r)) == BO_OK) {
			if (inv->nlocs == inv->loccap) {
				size_t cap = inv->loccap ? inv->loccap * 2 : 8;
				bo_location_rec *n = bo_realloc(inv->locs, cap * sizeof(*n));
				if (!n)
					return bo__fail(BO_ESTORAGE, "out of memory");
				inv->locs = n;
				inv->loccap = cap;
			}
			inv->locs[inv->nlocs++] = r;
			after = inv->locs[inv->nlocs - 1].id;
			if (strcmp(r.id, BO_LOCATION_MAIN) == 0)
				have_main = true;
		}
		if (rc != BO_ENOTFOUND)
			return bo__storage_fail(rc, "loc_next");
	}
	if (!have_main) {
		if (inv->nlocs == inv->loccap) {
			size_t cap = inv->loccap ? inv->loccap * 2 : 8;
			bo_location_rec *n = bo_realloc(inv->locs, cap * sizeof(*n));
			if (!n)
				return bo__fail(BO_ESTORAGE, "out of memory");
			inv->locs = n;
			inv->loccap = cap;
		}
		memset(&inv->locs[inv->nlocs], 0, sizeof(inv->locs[0]));
		strcpy(inv->locs[inv->nlocs].id, BO_LOCATION_MAIN);
		inv->nlocs++;
	}
	qsort(inv->locs, inv->nlocs, sizeof(*inv->locs), cmp_loc);
	for (size_t i = 0; i < inv->nlocs; i++)
		if (strcmp(inv->locs[i].id, BO_LOCATION_MAIN) == 0)
			inv->loc_main = (int)i;
	/* positions in id order, to match the records of a list (which come
	 * in id order) in one pass */
	for (size_t i = 0; i < inv->nlocs; i++)
		inv->loc_byid[i] = (uint8_t)i;
	for (size_t i = 1; i < inv->nlocs; i++) {
		uint8_t x = inv->loc_byid[i];
		size_t j = i;
		while (j > 0 && strcmp(inv->locs[inv->loc_byid[j - 1]].id, inv->locs[x].id) > 0) {
			inv->loc_byid[j] = inv->loc_byid[j - 1];
			j--;
		}
		inv->loc_byid[j] = x;
	}
	return BO_OK;
}

/* Positions of the records' locations (in id order, as lists return
 * them), matched against the locations in id order in one pass: -1 for
 * one that is unknown or out of order. */
static void match_ids(const bo_inventory *inv, const char *first, size_t stride, size_t n, int *pos)
{
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		const char *id = first + i * stride;
		int c = 1;
		while (j < inv->nlocs && (c = strcmp(inv->locs[inv->loc_byid[j]].id, id)) < 0)
			j++;
		pos[i] = j < inv->nlocs && c == 0 ? inv->loc_byid[j] : -1;
	}
}

/* The locations of the running call: read once per call, and kept from
 * call to call while the store's "loc_gen" stays the same (a metadata read
 * that costs nothing while metadata is cached: batches, exclusive stores). */
static int call_locs(bo_txn *t)
{
	bo_inventory *inv = t->inv;
	int64_t gen;
	int rc;
	if (t->locs_loaded)
		return BO_OK;
	/* an exclusive store's locations change only through this inventory,
	 * and bo_location_set() has them read again */
	if (inv->exclusive && inv->locs_gen >= 0 && inv->nlocs) {
		t->locs_loaded = true;
		return BO_OK;
	}
	if ((rc = bo__meta_get(t, BO_MK_LOC_GEN, &gen, 0)) < 0)
		return rc;
	if (gen != inv->locs_gen || !inv->nlocs) {
		inv->locs_gen = -1;
		if ((rc = bo__locs_load(inv)) < 0)
			return rc;
		inv->locs_gen = gen;
	}
	t->locs_loaded = true;
	return BO_OK;
}

/* Position of location `id` in location order; -1 if unknown. */
static int loc_pos(const bo_inventory *inv, const char *id)
{
	if (is_main(id))
		return inv->loc_main;
	for (size_t i = 0; i < inv->nlocs; i++)
		if (strcmp(inv->locs[i].id, id) == 0)
			return (int)i;
	return -1;
}

int bo__loc_check(bo_txn *t, const char *id)
{
	int rc;
	if (is_main(id))
		return BO_OK;
	if ((rc = bo__check_id(id, "location id")) < 0)
		return rc;
	if ((rc = call_locs(t)) < 0)
		return rc;
	if (loc_pos(t->inv, id) < 0)
		return bo__fail(BO_ENOTFOUND, "no location '%s'", id);
	return BO_OK;
}

/* Sort a view by location order (few entries: insertion). */
static void view_sort(bo_locview *v)
{
	for (size_t i = 1; i < v->n; i++) {
		bo_locent x = v->e[i];
		size_t j = i;
		while (j > 0 && v->e[j - 1].pos > x.pos) {
			v->e[j] = v->e[j - 1];
			j--;
		}
		v->e[j] = x;
	}
}

/* Add the entry of location position `pos`. */
static bo_locent *view_add(bo_locview *v, int pos)
{
	bo_locent *e = &v->e[v->n++];
	memset(e, 0, sizeof(*e));
	e->pos = pos;
	return e;
}

/* Room for the records a list callback returns (one per location). */
static bool recbuf(bo_inventory *inv)
{
	size_t one = sizeof(bo_stock_rec) > sizeof(bo_lalloc_rec) ? sizeof(bo_stock_rec) : sizeof(bo_lalloc_rec);
	return inv->locrecs || (inv->locrecs = bo_malloc(BO_LOCATIONS_MAX * one)) != NULL;
}

/* Entries of `v` (empty) for the `n` records a list callback returned, in
 * the same order (their location ids at `first`, `stride` bytes apart):
 * the figures are the caller's to fill in. `what` and `owner` name the
 * list in messages. */
static int view_of_records(const bo_inventory *inv, bo_locview *v, const char *first, size_t stride, size_t n,
			   const char *what, const char *owner)
{
	int ps[BO_LOCATIONS_MAX];
	if (n > BO_LOCATIONS_MAX - 1)
		return bo__fail(BO_ESTORAGE, "%s of '%s' reported %zu records", what, owner, n);
	match_ids(inv, first, stride, n, ps);
	for (size_t i = 0; i < n; i++) {
		if (ps[i] < 0 || ps[i] == inv->loc_main)
			return bo__fail(BO_ESTORAGE, "%s of '%s': unknown location '%.64s'", what, owner,
					first + i * stride);
		view_add(v, ps[i])->stored = true;
	}
	return BO_OK;
}

int bo__stock_view(bo_inventory *inv, const bo_item_rec *item, bo_locview *v)
{
	int64_t on_hand = item->on_hand, allocated = item->allocated;
	bo_locent *m;

	v->n = 0;
	if (item->located > 0) {
		bo_stock_rec *r;
		size_t n = 0;
		int rc;
		if (!recbuf(inv))
			return bo__fail(BO_ESTORAGE, "out of memory");
		r = inv->locrecs;
		if ((rc = inv->st.stock_list(inv->sd, item->sku, r, BO_LOCATIONS_MAX, &n)) < 0)
			return bo__storage_fail(rc, "stock_list");
		if ((rc = view_of_records(inv, v, r[0].location, sizeof(*r), n, "stock_list", item->sku)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			v->e[i].on_hand = r[i].on_hand;
			v->e[i].allocated = r[i].allocated;
			on_hand -= r[i].on_hand;
			allocated -= r[i].allocated;
		}
	}
	m = view_add(v, inv->loc_main);
	m->on_hand = on_hand;
	m->allocated = allocated;
	view_sort(v);
	return BO_OK;
}

int bo__line_view(bo_inventory *inv, const bo_item_rec *item, const bo_line_rec *l, bo_locview *v)
{
	int64_t rest = l->allocated;

	v->n = 0;
	/* (a line with no allocated units has no records anywhere) */
	if (item->located > 0 && l->allocated > 0) {
		bo_lalloc_rec *r;
		size_t n = 0;
		int rc;
		if (!recbuf(inv))
			return bo__fail(BO_ESTORAGE, "out of memory");
		r = inv->locrecs;
		if ((rc = inv->st.lalloc_list(inv->sd, l->order_id, l->index, r, BO_LOCATIONS_MAX, &n)) < 0)
			return bo__storage_fail(rc, "lalloc_list");
		if ((rc = view_of_records(inv, v, r[0].location, sizeof(*r), n, "lalloc_list", l->order_id)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			v->e[i].allocated = r[i].qty;
			rest -= r[i].qty;
		}
	}
	if (rest != 0)
		view_add(v, inv->loc_main)->allocated = rest;
	view_sort(v);
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* The stock cache. An exclusive store (bo_options.exclusive) is written by
 * this inventory alone, so an item's stock records elsewhere than "main"
 * can be kept from call to call instead of read again (a placement at an
 * item with stock in several locations would otherwise read all its
 * records to write one). Two-way set-associative by the SKU's hash, a
 * fixed number of slots; an item with more records than a slot holds is
 * not cached.
 * Every write of a stock record goes through stock_write(), which writes
 * the slot through; a call or a batch rolled back forgets every slot
 * (bo__sc_forget: the epoch moves on). A slot is good only for the
 * location list it was made with ("loc_gen") and while it holds as many
 * records as the item counts (`located`). bo_inventory_check() compares
 * the cache with the store. */
#define SC_SETS 2048 /* of two slots */
#define SC_ENTS 15

typedef struct bo_sc_slot {
	uint64_t h;        /* hash of the SKU */
	int64_t gen;       /* the "loc_gen" of the positions */
	uint32_t epoch;    /* good while it is inv->sc_epoch (0: never) */
	uint32_t tag;      /* moves on when the slot takes another item */
	uint8_t n;         /* records */
	uint8_t mru;       /* (the set's first slot) the slot of the set used last */
	int64_t on_sum, al_sum; /* the records' on_hand and allocated, summed ("main" has the rest) */
	bo_locent e[SC_ENTS]; /* the records, in location order (all `stored`) */
	char sku[BO_ID_MAX + 1];
} bo_sc_slot;

struct bo_scache {
	bo_sc_slot s[SC_SETS * 2];
};

void bo__sc_forget(bo_inventory *inv)
{
	if (inv->sc && ++inv->sc_epoch == 0) { /* wrapped: slots of epoch 0 are never good */
		for (size_t i = 0; i < SC_SETS * 2; i++)
			inv->sc->s[i].epoch = 0;
		inv->sc_epoch = 1;
	}
}

/* Is `s` good for the locations of generation `gen`? */
static bool sc_good(const bo_inventory *inv, const bo_sc_slot *s, int64_t gen)
{
	return s->epoch == inv->sc_epoch && s->gen == gen;
}

/* The set of `sku` (hash h), and in *hit its slot that holds it for the
 * locations of generation `gen`, or NULL. */
static bo_sc_slot *sc_set(const bo_inventory *inv, const char *sku, uint64_t h, int64_t gen, bo_sc_slot **hit)
{
	bo_sc_slot *set = &inv->sc->s[(h & (SC_SETS - 1)) * 2];
	*hit = NULL;
	for (int k = 0; k < 2 && !*hit; k++)
		if (set[k].h == h && sc_good(inv, &set[k], gen) && strcmp(set[k].sku, sku) == 0)
			*hit = &set[k];
	return set;
}

/* The cache slot of item slot `it` in the running call (the locations
 * read): it->sc, looked up once (NULL without a cache: not an exclusive
 * store, or no memory for it). *good: it holds the item. */
static bo_sc_slot *sc_slot(bo_inventory *inv, bo_item_slot *it, bool *good)
{
	bo_sc_slot *s = it->sc, *set;
	*good = false;
	if (s && s->tag == it->sctag) {
		*good = sc_good(inv, s, inv->locs_gen);
		return s;
	}
	if (!inv->exclusive)
		return NULL;
	if (!inv->sc) {
		if (!(inv->sc = bo__calloc(1, sizeof(*inv->sc))))
			return NULL; /* no cache: read the store */
		inv->sc_epoch = 1;
	}
	set = sc_set(inv, it->rec.sku, bo__sku_hash(it->rec.sku), inv->locs_gen, &s);
	if (s) {
		set[0].mru = (uint8_t)(s - set);
		it->sc = s;
		it->sctag = s->tag;
		*good = true;
		return s;
	}
	/* the one to fill: a slot not in use, else the one used less lately */
	if (!sc_good(inv, &set[0], inv->locs_gen))
		s = &set[0];
	else if (!sc_good(inv, &set[1], inv->locs_gen))
		s = &set[1];
	else
		s = &set[1 - set[0].mru];
	set[0].mru = (uint8_t)(s - set);
	return s;
}

/* Keep the records of stock view `v` (just read from the store) in `s`,
 * for item slot `it`. */
static void sc_fill(bo_inventory *inv, bo_sc_slot *s, bo_item_slot *it, const bo_locview *v)
{
	size_t n = 0;
	s->epoch = 0;
	s->tag++;
	s->on_sum = s->al_sum = 0;
	it->sc = NULL;
	for (size_t i = 0; i < v->n; i++) {
		if (!v->e[i].stored)
			continue;
		if (n == SC_ENTS)
			return;
		s->e[n++] = v->e[i];
		s->on_sum += v->e[i].on_hand;
		s->al_sum += v->e[i].allocated;
	}
	s->n = (uint8_t)n;
	s->h = bo__sku_hash(it->rec.sku);
	s->gen = inv->locs_gen;
	strcpy(s->sku, it->rec.sku);
	s->epoch = inv->sc_epoch;
	it->sc = s;
	it->sctag = s->tag;
}

/* The stock record of `it` at entry `e` of its view was written, or it
 * went (`e->stored` false). */
static void sc_write(bo_inventory *inv, bo_item_slot *it, const bo_locent *e)
{
	bo_sc_slot *s = it->sc;
	size_t i = 0;
	if (!s || s->tag != it->sctag || !sc_good(inv, s, inv->locs_gen))
		return;
	while (i < s->n && s->e[i].pos < e->pos)
		i++;
	if (i < s->n && s->e[i].pos == e->pos) {
		s->on_sum -= s->e[i].on_hand;
		s->al_sum -= s->e[i].allocated;
		if (e->stored) {
			s->e[i] = *e;
			s->on_sum += e->on_hand;
			s->al_sum += e->allocated;
			return;
		}
		s->n--;
		memmove(&s->e[i], &s->e[i + 1], (s->n - i) * sizeof(s->e[0]));
		return;
	}
	if (!e->stored)
		return;
	if (s->n == SC_ENTS) {
		s->epoch = 0; /* too many to keep */
		return;
	}
	memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof(s->e[0]));
	s->e[i] = *e;
	s->n++;
	s->on_sum += e->on_hand;
	s->al_sum += e->allocated;
}

int bo__sc_check(bo_inventory *inv, const bo_item_rec *item, const bo_locview *v)
{
	bo_sc_slot *s;
	int64_t gen;
	size_t n = 0;
	int rc;
	if (!inv->sc)
		return BO_OK;
	if ((rc = bo__meta_get_inv(inv, BO_MK_LOC_GEN, &gen, 0)) < 0)
		return rc;
	(void)sc_set(inv, item->sku, bo__sku_hash(item->sku), gen, &s);
	if (!s)
		return BO_OK;
	for (size_t i = 0; v && i < v->n; i++) {
		const bo_locent *e = &v->e[i];
		if (!e->stored)
			continue;
		if (n >= s->n || s->e[n].pos != e->pos || s->e[n].on_hand != e->on_hand ||
		    s->e[n].allocated != e->allocated)
			break;
		n++;
	}
	if (n != s->n || n != (size_t)item->located)
		return bo__fail(BO_ESTATE, "item '%s': the stock cache holds %u records that differ from the store's %lld",
				item->sku, (unsigned)s->n, (long long)item->located);
	{
		int64_t on = 0, al = 0;
		for (size_t i = 0; i < s->n; i++) {
			on += s->e[i].on_hand;
			al += s->e[i].allocated;
		}
		if (on != s->on_sum || al != s->al_sum)
			return bo__fail(BO_ESTATE, "item '%s': the stock cache sums its records to %lld/%lld, not %lld/%lld",
					item->sku, (long long)s->on_sum, (long long)s->al_sum, (long long)on,
					(long long)al);
	}
	return BO_OK;
}

/* The item's stock view in a call: from the cache when it holds the item
 * (as many records as the item counts), else read (and kept). */
static int call_stock_view(bo_txn *t, bo_item_slot *it, bo_locview *v)
{
	bo_inventory *inv = t->inv;
	bool good;
	bo_sc_slot *s = sc_slot(inv, it, &good);
	int rc;
	if (good && s->n == it->rec.located) {
		/* the records, and "main" (the rest of the totals) in its place */
		bo_locent *m = NULL, *e = v->e;
		for (size_t i = 0; i < s->n; i++) {
			const bo_locent *c = &s->e[i];
			if (!m && (int)c->pos > inv->loc_main)
				m = e++;
			*e++ = *c;
		}
		if (!m)
			m = e++;
		m->pos = (uint32_t)inv->loc_main;
		m->stored = false;
		m->on_hand = it->rec.on_hand - s->on_sum;
		m->allocated = it->rec.allocated - s->al_sum;
		v->n = (size_t)(e - v->e);
		return BO_OK;
	}
	if ((rc = bo__stock_view(inv, &it->rec, v)) < 0)
		return rc;
	if (s)
		sc_fill(inv, s, it, v);
	return BO_OK;
}

/* The entry of `pos` in `v`, or NULL. */
static bo_locent *view_find(bo_locview *v, int pos)
{
	for (size_t i = 0; i < v->n; i++)
		if ((int)v->e[i].pos == pos)
			return &v->e[i];
	return NULL;
}

const char *bo__loc_id(const bo_inventory *inv, const bo_locent *e)
{
	return inv->locs[e->pos].id;
}

/* Write the item's stock at entry `e`: on_hand and allocated there. */
static int stock_write(bo_txn *t, bo_item_slot *it, bo_locent *e, int64_t on_hand, int64_t allocated)
{
	bo_inventory *inv = t->inv;
	const char *id = bo__loc_id(inv, e);
	bo_stock_rec r;
	int rc;
	if ((int)e->pos != inv->loc_main) {
		bool keep = on_hand != 0 || allocated != 0;
		memset(&r, 0, sizeof(r));
		memcpy(r.sku, it->rec.sku, sizeof(r.sku));
		memcpy(r.location, id, sizeof(r.location));
		r.on_hand = on_hand;
		r.allocated = allocated;
		if ((rc = inv->st.stock_put(inv->sd, &r)) < 0)
			return bo__storage_fail(rc, "stock_put");
		if (keep && !e->stored)
			it->rec.located++;
		else if (!keep && e->stored)
			it->rec.located--;
		e->stored = keep;
		it->dirty = true;
	}
	e->on_hand = on_hand;
	e->allocated = allocated;
	if ((int)e->pos != inv->loc_main && it->sc)
		sc_write(inv, it, e);
	return BO_OK;
}

/* Write the line's units at entry `e` of its view. */
static int lalloc_write(bo_txn *t, const bo_line_rec *l, bo_locent *e, int64_t qty)
{
	bo_inventory *inv = t->inv;
	const char *id = bo__loc_id(inv, e);
	bo_lalloc_rec r;
	int rc;
	if ((int)e->pos != inv->loc_main) {
		memset(&r, 0, sizeof(r));
		memcpy(r.order_id, l->order_id, sizeof(r.order_id));
		r.index = l->index;
		memcpy(r.location, id, sizeof(r.location));
		r.qty = qty;
		if ((rc = inv->st.lalloc_put(inv->sd, &r)) < 0)
			return bo__storage_fail(rc, "lalloc_put");
		e->stored = qty != 0;
	}
	e->allocated = qty;
	return BO_OK;
}

/* The line's entry for `pos` in its view (added, empty, if absent). */
static bo_locent *line_ent(bo_locview *lv, int pos)
{
	bo_locent *e = view_find(lv, pos);
	if (!e) {
		e = view_add(lv, pos);
		view_sort(lv);
		e = view_find(lv, pos);
	}
	return e;
}

/* The locations, the item's stock view and the line's. */
static int views(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, bo_locview *sv, bo_locview *lv)
{
	int rc;
	if ((rc = call_locs(t)) < 0 || (rc = call_stock_view(t, it, sv)) < 0)
		return rc;
	return bo__line_view(t->inv, &it->rec, l, lv);
}

/* Allocate `part` units of line `l` at stock entry `e` (free there): the
 * stock record, the line's record (or its pending one, `unstored`), the
 * event. */
static int give_part(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, bo_locent *e, int64_t part, bool unstored,
		     bo_locview *lv)
{
	bo_inventory *inv = t->inv;
	bool at_main = (int)e->pos == inv->loc_main;
	int rc;
	if ((rc = stock_write(t, it, e, e->on_hand, e->allocated + part)) < 0)
		return rc;
	if (unstored) {
		/* records of a line's units elsewhere belong to a stored line:
		 * written by bo__loc_give_end() once it is */
		if (!at_main) {
			t->lapend_pos[t->nlapend] = (int)e->pos;
			t->lapend_qty[t->nlapend++] = part;
		}
	} else {
		bo_locent *le = line_ent(lv, (int)e->pos);
		if ((rc = lalloc_write(t, l, le, le->allocated + part)) < 0)
			return rc;
	}
	return bo__emit_at(t, BO_EVENT_ALLOCATED, l->order_id, l->sku, part, BO_NO_TIME, NULL,
			   at_main ? NULL : bo__loc_id(inv, e));
}

int bo__loc_give(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, int64_t take, bool unstored)
{
	bo_inventory *inv = t->inv;
	bo_locview sv, lv;
	bo_sc_slot *s;
	bool good;
	int rc;

	if (it->rec.located == 0)
		return bo__emit(t, BO_EVENT_ALLOCATED, l->order_id, l->sku, take, BO_NO_TIME, NULL);
	/* a line not stored yet holds no units anywhere: no view of its own */
	if ((rc = call_locs(t)) < 0 || (!unstored && (rc = bo__line_view(inv, &it->rec, l, &lv)) < 0))
		return rc;
	t->nlapend = 0;
	s = sc_slot(inv, it, &good);
	if (good && s->n == it->rec.located) {
		/* The cache holds every record: walk it, "main" (the rest of
		 * the totals) in its place, and copy only the entries written
		 * (stock_write() writes them through to the slot). */
		bo_locent m, c, *e;
		size_t i = 0;
		bool main_done = false;
		memset(&m, 0, sizeof(m));
		m.pos = (uint32_t)inv->loc_main;
		m.on_hand = it->rec.on_hand - s->on_sum;
		m.allocated = it->rec.allocated - s->al_sum;
		while (take > 0) {
			int64_t part;
			if (!main_done && (i == s->n || (int)s->e[i].pos > inv->loc_main)) {
				e = &m;
				main_done = true;
			} else if (i < s->n) {
				e = &s->e[i++];
			} else {
				break;
			}
			if (e->on_hand - e->allocated <= 0)
				continue;
			part = e->on_hand - e->allocated < take ? e->on_hand - e->allocated : take;
			c = *e;
			if ((rc = give_part(t, it, l, &c, part, unstored, &lv)) < 0)
				return rc;
			take -= part;
		}
	} else {
		if ((rc = call_stock_view(t, it, &sv)) < 0)
			return rc;
		for (size_t i = 0; i < sv.n && take > 0; i++) {
			bo_locent *e = &sv.e[i];
			int64_t free = e->on_hand - e->allocated, part;
			if (free <= 0)
				continue;
			part = free < take ? free : take;
			if ((rc = give_part(t, it, l, e, part, unstored, &lv)) < 0)
				return rc;
			take -= part;
		}
	}
	if (take > 0)
		return bo__fail(BO_ESTORAGE, "item '%s': no free units at any location for %lld allocated", it->rec.sku,
				(long long)take);
	return BO_OK;
}

int bo__loc_give_end(bo_txn *t, const bo_line_rec *l)
{
	for (size_t i = 0; i < t->nlapend; i++) {
		bo_locent e;
		int rc;
		memset(&e, 0, sizeof(e));
		e.pos = (uint32_t)t->lapend_pos[i];
		if ((rc = lalloc_write(t, l, &e, t->lapend_qty[i])) < 0)
			return rc;
	}
	t->nlapend = 0;
	return BO_OK;
}

int bo__loc_release(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, int64_t qty)
{
	bo_locview sv, lv;
	int rc;

	if (it->rec.located == 0 || qty <= 0)
		return BO_OK;
	if ((rc = views(t, it, l, &sv, &lv)) < 0)
		return rc;
	/* from the line's last location in location order first */
	for (size_t i = lv.n; i-- > 0 && qty > 0;) {
		bo_locent *le = &lv.e[i], *e = view_find(&sv, (int)le->pos);
		int64_t part = le->allocated < qty ? le->allocated : qty;
		if (part <= 0)
			continue;
		if (!e)
			return bo__fail(BO_ESTORAGE, "line of '%s' holds units where '%s' has no stock", l->order_id,
					l->sku);
		if ((rc = lalloc_write(t, l, le, le->allocated - part)) < 0)
			return rc;
		if ((rc = stock_write(t, it, e, e->on_hand, e->allocated - part)) < 0)
			return rc;
		qty -= part;
	}
	return BO_OK;
}

int bo__loc_units(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, const char *loc, int64_t *out)
{
	bo_locview lv;
	bo_locent *e;
	int rc;

	if (is_main(loc) && it->rec.located == 0) {
		*out = l->allocated;
		return BO_OK;
	}
	if (it->rec.located == 0) {
		*out = 0;
		return BO_OK;
	}
	if ((rc = call_locs(t)) < 0 || (rc = bo__line_view(t->inv, &it->rec, l, &lv)) < 0)
		return rc;
	e = view_find(&lv, loc_pos(t->inv, loc));
	*out = e ? e->allocated : 0;
	return BO_OK;
}

int bo__loc_ship(bo_txn *t, bo_item_slot *it, const bo_line_rec *l, int64_t q, const char *loc)
{
	bo_inventory *inv = t->inv;
	bo_locview sv, lv;
	int rc;

	if (it->rec.located == 0)
		return bo__emit(t, BO_EVENT_SHIPPED, l->order_id, l->sku, q, BO_NO_TIME, NULL);
	if ((rc = views(t, it, l, &sv, &lv)) < 0)
		return rc;
	for (size_t i = 0; i < lv.n && q > 0; i++) {
		bo_locent *le = &lv.e[i], *e = view_find(&sv, (int)le->pos);
		int64_t part = le->allocated < q ? le->allocated : q;
		if (loc && (int)le->pos != loc_pos(inv, loc))
			continue;
		if (part <= 0)
			continue;
		if (!e)
			return bo__fail(BO_ESTORAGE, "line of '%s' holds units where '%s' has no stock", l->order_id,
					l->sku);
		if ((rc = lalloc_write(t, l, le, le->allocated - part)) < 0)
			return rc;
		if ((rc = stock_write(t, it, e, e->on_hand - part, e->allocated - part)) < 0)
			return rc;
		if ((rc = bo__emit_at(t, BO_EVENT_SHIPPED, l->order_id, l->sku, part, BO_NO_TIME, NULL,
				      bo__loc_id(inv, e))) < 0)
			return rc;
		q -= part;
	}
	if (q > 0)
		return bo__fail(BO_ESTORAGE, "line '%s' of order '%s': allocated units missing from its locations", l->sku,
				l->order_id);
	return BO_OK;
}

int bo__loc_stock(bo_txn *t, bo_item_slot *it, const char *loc, int64_t delta, int64_t *on_hand_after,
		  int64_t *allocated_there)
{
	bo_inventory *inv = t->inv;
	bo_locview sv;
	bo_locent *e;
	int rc, pos;

	if (is_main(loc) && it->rec.located == 0) {
		*on_hand_after = it->rec.on_hand + delta;
		*allocated_there = it->rec.allocated;
		return BO_OK;
	}
	if ((rc = call_locs(t)) < 0 || (rc = call_stock_view(t, it, &sv)) < 0)
		return rc;
	pos = loc_pos(inv, loc);
	if (pos < 0)
		return bo__fail(BO_ENOTFOUND, "no location '%s'", loc);
	if (!(e = view_find(&sv, pos)))
		e = view_add(&sv, pos);
	if (e->on_hand + delta < 0)
		return bo__fail(BO_EINVALID, "adjusting '%s' by %lld would take on_hand at '%s' (%lld) below 0",
				it->rec.sku, (long long)delta, bo__loc_id(inv, e), (long long)e->on_hand);
	*on_hand_after = e->on_hand + delta;
	*allocated_there = e->allocated;
	return stock_write(t, it, e, e->on_hand + delta, e->allocated);
}

int bo__take_back_at(bo_txn *t, bo_item_slot *it, const char *loc)
{
	bo_inventory *inv = t->inv;
	bo_locview sv, lv;
	bo_locent *e, *le;
	bo_queue_entry qe;
	bo_queue_key kbuf;
	const bo_queue_key *before = NULL;
	bo_line_rec l;
	int64_t need;
	int rc, pos;

	if (it->rec.located == 0 && is_main(loc))
		return bo__take_back(t, it);
	if ((rc = call_locs(t)) < 0 || (rc = call_stock_view(t, it, &sv)) < 0)
		return rc;
	pos = loc_pos(inv, loc);
	e = view_find(&sv, pos);
	need = e ? e->allocated - e->on_hand : 0;
	/* One walk from the tail of the allocated queue: the lines last in
	 * policy order holding units there give them back first. */
	while (need > 0) {
		int64_t take;
		rc = inv->st.queue_prev(inv->sd, BO_QUEUE_ALLOCATED, it->rec.sku, before, &qe);
		if (rc == BO_ENOTFOUND)
			return bo__fail(BO_ESTORAGE, "item '%s' allocates units at '%s' but no line holds them", it->rec.sku,
					bo__loc_id(inv, e));
		if (rc < 0)
			return bo__storage_fail(rc, "queue_prev");
		kbuf = qe.key;
		before = &kbuf;
		if ((rc = bo__line_get(inv, qe.order_id, qe.index, &l)) < 0)
			return rc == BO_ENOTFOUND ? bo__fail(BO_ESTORAGE, "queue of '%s' names a missing line", it->rec.sku)
						  : bo__storage_fail(rc, "line_get");
		if ((rc = bo__line_view(inv, &it->rec, &l, &lv)) < 0)
			return rc;
		if (!(le = view_find(&lv, pos)) || le->allocated <= 0)
			continue;
		take = le->allocated < need ? le->allocated : need;
		if ((rc = lalloc_write(t, &l, le, le->allocated - take)) < 0)
			return rc;
		if ((rc = stock_write(t, it, e, e->on_hand, e->allocated - take)) < 0)
			return rc;
		if ((rc = bo__unallocate(t, it, &l, take)) < 0)
			return rc;
		need -= take;
	}
	it->need_fill = true; /* the lines wait again: free units elsewhere fill them */
	bo__eta_touch(it);
	return BO_OK;
}

/* ---------------------------------------------------------------- */
/* Public calls */

typedef struct loc_args {
	const char *id;
	int64_t rank;
} loc_args;

static int op_location_set(bo_txn *t, void *p)
{
	loc_args *a = p;
	bo_location_rec r;
	int64_t gen;
	int rc;
	if ((rc = call_locs(t)) < 0)
		return rc;
	if (loc_pos(t->inv, a->id) < 0 && t->inv->nlocs >= BO_LOCATIONS_MAX)
		return bo__fail(BO_ESTATE, "an inventory has at most %d locations", BO_LOCATIONS_MAX);
	memset(&r, 0, sizeof(r));
	bo__copy_id(r.id, a->id);
	r.rank = a->rank;
	if ((rc = t->inv->st.loc_put(t->inv->sd, &r)) < 0)
		return bo__storage_fail(rc, "loc_put");
	if ((rc = bo__meta_get(t, BO_MK_LOC_GEN, &gen, 0)) < 0 || (rc = bo__meta_put(t, BO_MK_LOC_GEN, gen + 1)) < 0)
		return rc;
	t->inv->locs_gen = -1; /* read again (a rollback must not leave them changed) */
	t->locs_loaded = false;
	return BO_OK;
}

int bo_location_set(bo_inventory *inv, const char *id, int64_t rank)
{
	loc_args a = { id, rank };
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	if ((rc = bo__check_id(id, "location id")) < 0)
		return rc;
	if (!bo__has_locations(inv))
		return bo__fail(BO_ESTATE, "this store keeps no locations (its adapter has no location callbacks)");
	return bo__run(inv, op_location_set, &a);
}

int bo_location_foreach(bo_inventory *inv, bo_location_cb cb, void *user_data)
{
	int rc;
	if (!inv || !cb)
		return bo__fail(BO_EINVALID, "inventory or callback is NULL");
	BO_LOCK(inv);
	if (inv->in_txn) {
		BO_UNLOCK(inv);
		return bo__fail(BO_ESTATE, "a callback called into the inventory during a transaction");
	}
	rc = bo__locs_load(inv);
	for (size_t i = 0; rc == BO_OK && i < inv->nlocs; i++) {
		bo_location l = { inv->locs[i].id, inv->locs[i].rank };
		rc = cb(user_data, &l);
	}
	BO_UNLOCK(inv);
	return rc;
}

int bo_item_stock_foreach(bo_inventory *inv, const char *sku, bo_stock_cb cb, void *user_data)
{
	bo_item_rec r;
	bo_locview *v;
	int rc;
	if (!inv || !cb)
		return bo__fail(BO_EINVALID, "inventory or callback is NULL");
	if ((rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	if (!(v = bo_malloc(sizeof(*v))))
		return bo__fail(BO_ESTORAGE, "out of memory");
	BO_LOCK(inv);
	if (inv->in_txn) {
		rc = bo__fail(BO_ESTATE, "a callback called into the inventory during a transaction");
		goto out;
	}
	memset(&r, 0, sizeof(r));
	rc = inv->st.item_get(inv->sd, sku, &r, 0);
	if (rc == BO_ENOTFOUND) {
		rc = bo__fail(BO_ENOTFOUND, "no item '%s'", sku);
		goto out;
	}
	if (rc < 0) {
		rc = bo__storage_fail(rc, "item_get");
		goto out;
	}
	if (inv->st.version < 3)
		r.located = 0;
	if ((rc = bo__locs_load(inv)) < 0 || (rc = bo__stock_view(inv, &r, v)) < 0)
		goto out;
	for (size_t i = 0; rc == BO_OK && i < v->n; i++) {
		bo_stock s = { bo__loc_id(inv, &v->e[i]), v->e[i].on_hand, v->e[i].allocated };
		if (s.on_hand == 0 && s.allocated == 0)
			continue;
		rc = cb(user_data, &s);
	}
out:
	BO_UNLOCK(inv);
	bo_free(v);
	return rc;
}

int bo_line_alloc_foreach(bo_inventory *inv, const char *order_id, const char *sku, bo_line_alloc_cb cb,
			  void *user_data)
{
	bo_order_rec o;
	bo_item_rec r;
	bo_line_rec l;
	bo_locview *v;
	int rc;
	if (!inv || !cb)
		return bo__fail(BO_EINVALID, "inventory or callback is NULL");
	if ((rc = bo__check_id(order_id, "order id")) < 0 || (rc = bo__check_id(sku, "SKU")) < 0)
		return rc;
	if (!(v = bo_malloc(sizeof(*v))))
		return bo__fail(BO_ESTORAGE, "out of memory");
	BO_LOCK(inv);
	if (inv->in_txn) {
		rc = bo__fail(BO_ESTATE, "a callback called into the inventory during a transaction");
		goto out;
	}
	rc = inv->st.order_get(inv->sd, order_id, &o, 0);
	if (rc == BO_ENOTFOUND) {
		rc = bo__fail(BO_ENOTFOUND, "no order '%s'", order_id);
		goto out;
	}
	if (rc < 0) {
		rc = bo__storage_fail(rc, "order_get");
		goto out;
	}
	rc = BO_ENOTFOUND;
	for (uint32_t i = 0; i < o.nlines; i++) {
		if ((rc = bo__line_get(inv, order_id, i, &l)) < 0) {
			rc = rc == BO_ENOTFOUND ? bo__fail(BO_ESTORAGE, "line %u of order '%s' is missing", i, order_id)
						: bo__storage_fail(rc, "line_get");
			goto out;
		}
		if (strcmp(l.sku, sku) == 0)
			break;
		rc = BO_ENOTFOUND;
	}
	if (rc == BO_ENOTFOUND) {
		rc = bo__fail(BO_ENOTFOUND, "order '%s' has no line for '%s'", order_id, sku);
		goto out;
	}
	memset(&r, 0, sizeof(r));
	rc = inv->st.item_get(inv->sd, sku, &r, 0);
	if (rc < 0) {
		rc = bo__storage_fail(rc == BO_ENOTFOUND ? BO_ESTORAGE : rc, "item_get");
		goto out;
	}
	if (inv->st.version < 3)
		r.located = 0;
	if ((rc = bo__locs_load(inv)) < 0 || (rc = bo__line_view(inv, &r, &l, v)) < 0)
		goto out;
	for (size_t i = 0; rc == BO_OK && i < v->n; i++) {
		bo_line_alloc a = { bo__loc_id(inv, &v->e[i]), v->e[i].allocated };
		if (a.qty == 0)
			continue;
		rc = cb(user_data, &a);
	}
out:
	BO_UNLOCK(inv);
	bo_free(v);
	return rc;
}
