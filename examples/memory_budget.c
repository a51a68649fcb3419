/*
 * A shop server that gives each tenant's inventory a memory budget.
 *
 * The library's memory goes through the allocator set with
 * bo_set_allocator() (once, before anything else). This one counts the
 * bytes in use and refuses to go over a budget, the way a multi-tenant
 * host caps what one shop may take. When the budget is spent, the call
 * that needed more fails with BO_ESTORAGE ("out of memory") and changes
 * nothing: the order that did not fit is not half placed, and the shop
 * goes on serving the orders it holds. Raise the budget and the same
 * order goes through.
 *
 * Build: cc memory_budget.c $(pkg-config --cflags --libs libbackorder)
 * Run:   ./memory_budget
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <backorder.h>

/* Each block starts with its size, so that freeing can count it. */
typedef union header {
	size_t size;
	max_align_t align;
} header;

typedef struct budget {
	size_t used;  /* bytes the library holds now */
	size_t peak;
	size_t limit; /* most it may hold */
	size_t refused;
} budget;

static void *budget_malloc(void *ud, size_t size)
{
	budget *b = ud;
	header *h;
	if (size > b->limit - b->used) {
		b->refused++;
		return NULL;
	}
	if (!(h = malloc(sizeof(*h) + size)))
		return NULL;
	h->size = size;
	b->used += size;
	if (b->used > b->peak)
		b->peak = b->used;
	return h + 1;
}

static void *budget_realloc(void *ud, void *p, size_t size)
{
	budget *b = ud;
	header *h = (header *)p - 1, *n;
	size_t old = h->size;
	if (size > old && size - old > b->limit - b->used) {
		b->refused++;
		return NULL; /* the block stays as it was */
	}
	if (!(n = realloc(h, sizeof(*n) + size)))
		return NULL;
	n->size = size;
	b->used = b->used - old + size;
	if (b->used > b->peak)
		b->peak = b->used;
	return n + 1;
}

static void budget_free(void *ud, void *p)
{
	budget *b = ud;
	header *h = (header *)p - 1;
	b->used -= h->size;
	free(h);
}

/* The shop's mailer: here it only counts what it would send. */
static int mailer(void *ud, const bo_event *ev)
{
	(void)ev;
	(*(long *)ud)++;
	return 0;
}

static int place(bo_inventory *inv, const char *id, const char *sku, int64_t qty)
{
	bo_line_spec line = { sku, qty, 1990 };
	return bo_order_place(inv, id, NULL, &line, 1);
}

int main(void)
{
	static budget b = { 0, 0, (size_t)4 << 20, 0 }; /* 4 MiB */
	bo_allocator a = { BO_ALLOCATOR_VERSION, budget_malloc, budget_realloc, budget_free, &b };
	bo_inventory *inv = NULL;
	bo_item_status st;
	bo_notifier mail = BO_NOTIFIER_INIT;
	static long sent;
	char id[32];
	int rc, placed = 0;

	if (bo_set_allocator(&a) != BO_OK) {
		fprintf(stderr, "bo_set_allocator: %s\n", bo_last_error());
		return 1;
	}
	if (bo_inventory_open_store(&inv, "memory", NULL) != BO_OK) {
		fprintf(stderr, "open: %s\n", bo_last_error());
		return 1;
	}
	printf("tenant budget: %zu KiB; the empty shop holds %zu KiB\n", b.limit >> 10, b.used >> 10);
	mail.deliver = mailer;
	if (bo_inventory_set_notifier(inv, &mail, &sent) != BO_OK || bo_item_set(inv, "mug", NULL) != BO_OK) {
		fprintf(stderr, "item: %s\n", bo_last_error());
		bo_inventory_free(inv);
		return 1;
	}

	/* A flash sale on a sold-out mug: every order waits for stock. */
	for (;;) {
		snprintf(id, sizeof(id), "web-%06d", placed + 1);
		rc = place(inv, id, "mug", 1);
		if (rc != BO_OK)
			break;
		placed++;
	}
	printf("%d orders placed, then order %s was refused: %s (%s)\n", placed, id, bo_status_name(rc),
	       bo_last_error());
	if (rc != BO_ESTORAGE || !strstr(bo_last_error(), "out of memory"))
		goto fail;

	/* Nothing of the refused order is kept, and the shop goes on. */
	{
		bo_order *o = NULL;
		rc = bo_order_get(&o, inv, id);
		printf("order %s stored: %s\n", id, rc == BO_ENOTFOUND ? "no" : "yes");
		bo_order_free(o);
		if (rc != BO_ENOTFOUND)
			goto fail;
	}
	if (bo_item_status_get(&st, inv, "mug") != BO_OK)
		goto fail;
	printf("mug: %lld units waiting in %lld lines\n", (long long)st.backordered, (long long)st.waiting_lines);
	if (st.backordered != placed)
		goto fail;

	/* Stock arrives: filling the waiting lines needs no more memory than
	 * it gives back, so it goes through within the budget. */
	if (bo_item_receive(inv, "mug", 100, NULL) != BO_OK) {
		fprintf(stderr, "receive: %s\n", bo_last_error());
		goto fail;
	}
	bo_item_status_get(&st, inv, "mug");
	printf("100 mugs arrive: %lld units still waiting\n", (long long)st.backordered);

	/* The host raises the budget, and the refused order goes through. */
	b.limit += (size_t)4 << 20; /* (the memory store grows its arena by blocks of 2 MiB and more) */
	rc = place(inv, id, "mug", 1);
	printf("budget raised to %zu KiB: order %s %s\n", b.limit >> 10, id,
	       rc == BO_OK ? "placed" : bo_last_error());
	if (rc != BO_OK)
		goto fail;

	bo_inventory_free(inv);
	printf("closed: the library holds %zu bytes (peak %zu KiB, %zu allocations refused, %ld messages sent)\n",
	       b.used, b.peak >> 10, b.refused, sent);
	return b.used == 0 ? 0 : 1;
fail:
	bo_inventory_free(inv);
	return 1;
}
