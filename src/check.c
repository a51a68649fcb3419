/* bo_inventory_check(): the invariants of DESIGN §3 over the whole store. */
#include "internal.h"

#include <stdlib.h>

typedef struct sums {
	char sku[BO_ID_MAX + 1];
	int64_t allocated, backordered;
	int64_t nwait, nalloc;
	bo_i128 held;   /* waiting units x unit price, lines with a price */
} sums;

static int cmp_sku(const void *a, const void *b)
{
	return strcmp(((const sums *)a)->sku, ((const sums *)b)->sku);
}

/* DESIGN §6 from scratch: walk the item's waiting lines and its supply,
 * and check that each line holds the basis its cover gives today (no stale
 * basis) and an ETA that basis can give. Written apart from eta.c, which
 * works incrementally, so that each checks the other. */
static int check_promises(bo_inventory *inv, const bo_item_rec *it, bool adopted)
{
	bo_supply_rec *sp = NULL, cur;
	size_t ns = 0, cap = 0, j = 0;
	int64_t run = it->on_hand - it->allocated, demand = 0;
	const bo_queue_key *ap = NULL;
	bo_queue_key k;
	bo_queue_entry e;
	bo_line_rec l;
	int rc;

	if (run < 0)
		run = 0;
	while ((rc = inv->st.supply_next(inv->sd, it->sku, ns ? &sp[ns - 1] : NULL, &cur)) == BO_OK) {
		if (ns == cap) {
			size_t nc = cap ? cap * 2 : 8;
			bo_supply_rec *n = bo_realloc(sp, nc * sizeof(*n));
			if (!n) {
				rc = bo__fail(BO_ESTORAGE, "out of memory");
				goto out;
			}
			sp = n;
			cap = nc;
		}
		sp[ns++] = cur;
	}
	if (rc != BO_ENOTFOUND) {
		rc = bo__storage_fail(rc, "supply_next");
		goto out;
	}
	while ((rc = inv->st.queue_next(inv->sd, BO_QUEUE_WAITING, it->sku, ap, &e)) == BO_OK) {
		int32_t kind;
		int64_t base = 0, cum = run;
		bool ok;
		k = e.key;
		ap = &k;
		if ((rc = bo__line_get(inv, e.order_id, e.index, &l)) < 0) {
			rc = bo__storage_fail(rc, "line_get");
			goto out;
		}
		demand = bo__add_ok(demand, l.backordered) ? demand + l.backordered : INT64_MAX;
		for (j = 0; j < ns; j++) {
			cum = bo__add_ok(cum, sp[j].qty) ? cum + sp[j].qty : INT64_MAX;
			if (cum >= demand)
				break;
		}
		if (j < ns) {
			kind = BO_BASIS_SUPPLY;
			base = sp[j].expected;
		} else if (it->lead_time != BO_NO_TIME) {
			kind = BO_BASIS_LEAD;
			base = it->lead_time;
		} else {
			kind = BO_BASIS_UNKNOWN;
		}
		if (!adopted && l.eta_basis == BO_BASIS_NONE)
			continue; /* written before promises; the next mutating call gives it a basis */
		if (l.eta_basis != kind || l.eta_base != base || l.eta_release != it->release_at) {
			rc = bo__fail(BO_ESTATE, "line '%s' of order '%s' holds ETA basis %d/%lld/%lld; its cover gives %d/%lld/%lld",
				      l.sku, l.order_id, (int)l.eta_basis, (long long)l.eta_base,
				      (long long)l.eta_release, (int)kind, (long long)base, (long long)it->release_at);
			goto out;
		}
		if (kind == BO_BASIS_UNKNOWN)
			ok = l.eta == BO_NO_TIME;
		else
			ok = l.eta != BO_NO_TIME && (kind != BO_BASIS_SUPPLY || l.eta >= base) &&
			     (it->release_at == BO_NO_TIME || l.eta >= it->release_at);
		if (!ok) {
			rc = bo__fail(BO_ESTATE, "line '%s' of order '%s' holds ETA %lld, which basis %d/%lld cannot give",
				      l.sku, l.order_id, (long long)l.eta, (int)kind, (long long)base);
			goto out;
		}
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "queue_next");
out:
	bo_free(sp);
	return rc;
}

/* Locations (DESIGN §11): every location holds no fewer units than it
 * allocates and none below 0; the item counts its stock records; the
 * lines' units per location add up to what each location allocates, and
 * no line holds a negative number anywhere. */
static int check_locations(bo_inventory *inv, const bo_item_rec *it)
{
	bo_locview *sv = NULL, *lv = NULL;
	int64_t held[BO_LOCATIONS_MAX];
	bo_stock_rec *sr = NULL;
	size_t rows = 0;
	bo_queue_entry e;
	bo_queue_key k;
	const bo_queue_key *ap = NULL;
	int rc;

	if (!(sr = bo_malloc(BO_LOCATIONS_MAX * sizeof(*sr))))
		return bo__fail(BO_ESTORAGE, "out of memory");
	rc = inv->st.stock_list(inv->sd, it->sku, sr, BO_LOCATIONS_MAX, &rows);
	bo_free(sr);
	if (rc < 0)
		return bo__storage_fail(rc, "stock_list");
	if ((int64_t)rows != it->located)
		return bo__fail(BO_ESTATE, "item '%s': %zu stock records, the item counts %lld", it->sku, rows,
				(long long)it->located);
	if (it->located == 0) /* (the cache must not hold records for it either) */
		return bo__sc_check(inv, it, NULL);
	if (!(sv = bo_malloc(sizeof(*sv))) || !(lv = bo_malloc(sizeof(*lv)))) {
		rc = bo__fail(BO_ESTORAGE, "out of memory");
		goto out;
	}
	if ((rc = bo__locs_load(inv)) < 0 || (rc = bo__stock_view(inv, it, sv)) < 0 ||
	    (rc = bo__sc_check(inv, it, sv)) < 0)
		goto out;
	memset(held, 0, sizeof(held));
	for (size_t i = 0; i < sv->n; i++) {
		const bo_locent *x = &sv->e[i];
		if (x->on_hand < 0 || x->allocated < 0 || x->allocated > x->on_hand) {
			rc = bo__fail(BO_ESTATE, "item '%s' at '%s': on_hand %lld, allocated %lld", it->sku,
				      bo__loc_id(inv, x), (long long)x->on_hand, (long long)x->allocated);
			goto out;
		}
	}
	while ((rc = inv->st.queue_next(inv->sd, BO_QUEUE_ALLOCATED, it->sku, ap, &e)) == BO_OK) {
		bo_line_rec l;
		k = e.key;
		ap = &k;
		if ((rc = bo__line_get(inv, e.order_id, e.index, &l)) < 0) {
			rc = bo__storage_fail(rc, "line_get");
			goto out;
		}
		if ((rc = bo__line_view(inv, it, &l, lv)) < 0)
			goto out;
		for (size_t i = 0; i < lv->n; i++) {
			if (lv->e[i].allocated < 0) {
				rc = bo__fail(BO_ESTATE, "line '%s' of order '%s' holds %lld units at '%s'", l.sku, l.order_id,
					      (long long)lv->e[i].allocated, bo__loc_id(inv, &lv->e[i]));
				goto out;
			}
			held[lv->e[i].pos] += lv->e[i].allocated;
		}
	}
	if (rc != BO_ENOTFOUND) {
		rc = bo__storage_fail(rc, "queue_next");
		goto out;
	}
	rc = BO_OK;
	for (size_t i = 0; i < sv->n; i++) {
		const bo_locent *x = &sv->e[i];
		if (held[x->pos] != x->allocated) {
			rc = bo__fail(BO_ESTATE, "item '%s' at '%s': allocated %lld, lines hold %lld there", it->sku,
				      bo__loc_id(inv, x), (long long)x->allocated, (long long)held[x->pos]);
			goto out;
		}
	}
out:
	bo_free(sv);
	bo_free(lv);
	return rc;
}

static int check_locked(bo_inventory *inv)
{
	bo_order_rec o;
	bo_line_rec l;
	bo_item_rec it;
	sums *s = NULL;
	size_t n = 0, cap = 0;
	char after[BO_ID_MAX + 1] = "";
	int64_t promises = 0;
	bool adopted;
	int rc;

	/* Lines of a store written before promises hold no basis until the
	 * first mutating call gives them one (bo__eta_adopt). */
	rc = inv->st.meta_get(inv->sd, "promises", &promises);
	if (rc < 0 && rc != BO_ENOTFOUND)
		return bo__storage_fail(rc, "meta_get");
	adopted = promises != 0;

	/* Every line: the identity, and its contribution to its item. */
	while ((rc = inv->st.order_next(inv->sd, after[0] ? after : NULL, &o)) == BO_OK) {
		memcpy(after, o.id, sizeof(after));
		for (uint32_t i = 0; i < o.nlines; i++) {
			if ((rc = bo__line_get(inv, o.id, i, &l)) < 0) {
				rc = bo__storage_fail(rc, "line_get");
				goto out;
			}
			if (inv->st.version >= 2 && l.backordered == 0 &&
			    (l.eta != BO_NO_TIME || l.eta_basis != BO_BASIS_NONE)) {
				rc = bo__fail(BO_ESTATE, "line '%s' of order '%s' waits for nothing but holds a promise",
					      l.sku, o.id);
				goto out;
			}
			if (l.allocated < 0 || l.backordered < 0 || l.shipped < 0 || l.cancelled < 0 ||
			    l.ordered != l.allocated + l.backordered + l.shipped + l.cancelled) {
				rc = bo__fail(BO_ESTATE, "line '%s' of order '%s' breaks ordered = allocated + backordered + shipped + cancelled",
					      l.sku, o.id);
				goto out;
			}
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				sums *ns = bo_realloc(s, nc * sizeof(*ns));
				if (!ns) {
					rc = bo__fail(BO_ESTORAGE, "out of memory");
					goto out;
				}
				s = ns;
				cap = nc;
			}
			memcpy(s[n].sku, l.sku, sizeof(l.sku));
			s[n].allocated = l.allocated;
			s[n].backordered = l.backordered;
			s[n].nwait = l.backordered > 0;
			s[n].nalloc = l.allocated > 0;
			s[n].held = l.unit_price == BO_NO_PRICE ? 0 : (bo_i128)l.backordered * l.unit_price;
			n++;
		}
	}
	if (rc != BO_ENOTFOUND) {
		rc = bo__storage_fail(rc, "order_next");
		goto out;
	}
	if (n > 1)
		qsort(s, n, sizeof(*s), cmp_sku);

	size_t j = 0;
	after[0] = '\0';
	while ((rc = inv->st.item_next(inv->sd, after[0] ? after : NULL, &it)) == BO_OK) {
		sums tot = { "", 0, 0, 0, 0, 0 };
		bo_queue_entry e;
		bo_queue_key k;
		bo_supply_rec sp, prev;
		int64_t qn[2] = { 0, 0 }, incoming = 0;
		bool first = true;
		memcpy(after, it.sku, sizeof(after));
		while (j < n && strcmp(s[j].sku, it.sku) < 0)
			j++;
		for (; j < n && strcmp(s[j].sku, it.sku) == 0; j++) {
			tot.allocated += s[j].allocated;
			tot.backordered += s[j].backordered;
			tot.nwait += s[j].nwait;
			tot.nalloc += s[j].nalloc;
			tot.held += s[j].held;
		}
		if (it.allocated != tot.allocated || it.allocated < 0 || it.allocated > it.on_hand) {
			rc = bo__fail(BO_ESTATE, "item '%s': allocated %lld, lines hold %lld, on_hand %lld", it.sku,
				      (long long)it.allocated, (long long)tot.allocated, (long long)it.on_hand);
			goto out;
		}
		if (it.backordered != tot.backordered) {
			rc = bo__fail(BO_ESTATE, "item '%s': backordered %lld, lines wait for %lld", it.sku,
				      (long long)it.backordered, (long long)tot.backordered);
			goto out;
		}
		/* Quantities are never negative (DESIGN §3), the figures derived
		 * from the lines included. */
		if (it.revenue_held < 0 || (bo_i128)it.revenue_held != tot.held) {
			if (tot.held > INT64_MAX)
				rc = bo__fail(BO_ESTATE, "item '%s': revenue held %lld, waiting lines hold more than 2^63-1",
					      it.sku, (long long)it.revenue_held);
			else
				rc = bo__fail(BO_ESTATE, "item '%s': revenue held %lld, waiting lines hold %lld", it.sku,
					      (long long)it.revenue_held, (long long)tot.held);
			goto out;
		}
		if (it.backordered > 0 && it.on_hand > it.allocated) {
			rc = bo__fail(BO_ESTATE, "item '%s': %lld units idle while %lld wait", it.sku,
				      (long long)(it.on_hand - it.allocated), (long long)it.backordered);
			goto out;
		}
		for (int q = 0; q < 2; q++) {
			const bo_queue_key *ap = NULL;
			while ((rc = inv->st.queue_next(inv->sd, q, it.sku, ap, &e)) == BO_OK) {
				if (ap && bo_queue_key_cmp(&e.key, ap) <= 0) {
					rc = bo__fail(BO_ESTATE, "queue %d of '%s' is out of order", q, it.sku);
					goto out;
				}
				k = e.key;
				ap = &k;
				qn[q]++;
			}
			if (rc != BO_ENOTFOUND) {
				rc = bo__storage_fail(rc, "queue_next");
				goto out;
			}
		}
		if (qn[0] != tot.nwait || qn[1] != tot.nalloc) {
			rc = bo__fail(BO_ESTATE, "item '%s': queues hold %lld/%lld lines, lines say %lld/%lld", it.sku,
				      (long long)qn[0], (long long)qn[1], (long long)tot.nwait, (long long)tot.nalloc);
			goto out;
		}
		while ((rc = inv->st.supply_next(inv->sd, it.sku, first ? NULL : &prev, &sp)) == BO_OK) {
			first = false;
			prev = sp;
			incoming += sp.qty;
		}
		if (rc != BO_ENOTFOUND) {
			rc = bo__storage_fail(rc, "supply_next");
			goto out;
		}
		if (incoming != it.incoming) {
			rc = bo__fail(BO_ESTATE, "item '%s': incoming %lld, supply records sum to %lld", it.sku,
				      (long long)it.incoming, (long long)incoming);
			goto out;
		}
		if (inv->st.version >= 2 && it.backordered > 0 && (rc = check_promises(inv, &it, adopted)) < 0)
			goto out;
		if (inv->st.version < 3)
			it.located = 0;
		if (bo__has_locations(inv) && (rc = check_locations(inv, &it)) < 0)
			goto out;
	}
	rc = rc == BO_ENOTFOUND ? BO_OK : bo__storage_fail(rc, "item_next");
out:
	bo_free(s);
	return rc;
}

int bo_inventory_check(bo_inventory *inv)
{
	int rc;
	if (!inv)
		return bo__fail(BO_EINVALID, "inventory is NULL");
	BO_LOCK(inv);
	bo__error_reset_storage();
	rc = check_locked(inv);
	BO_UNLOCK(inv);
	return rc;
}
