#include <backorder.h>
#include <stdio.h>

static int print_event(void *user_data, const bo_event *ev)
{
	(void)user_data;
	printf("event %llu: %s %s qty=%lld\n", (unsigned long long)ev->seq,
	       bo_event_kind_name(ev->kind), ev->order_id ? ev->order_id : "-",
	       (long long)ev->qty);
	return 0; /* accepted: the event leaves the outbox */
}

int main(void)
{
	bo_inventory *inv = NULL;
	bo_notifier notifier = BO_NOTIFIER_INIT;
	bo_line_spec line = { "LAMP", 3, 4999 }; /* 3 lamps at 49.99 */
	bo_order *order = NULL;
	bo_line_status st;
	int rc;

	if (bo_inventory_open_store(&inv, "memory", NULL) != BO_OK)
		return 1;
	notifier.deliver = print_event;
	if ((rc = bo_inventory_set_notifier(inv, &notifier, NULL)) != BO_OK
	    || (rc = bo_item_set(inv, "LAMP", NULL)) != BO_OK         /* backorders allowed */
	    || (rc = bo_item_receive(inv, "LAMP", 2, NULL)) != BO_OK  /* 2 on the shelf */
	    || (rc = bo_order_place(inv, "A-1", NULL, &line, 1)) != BO_OK
	    || (rc = bo_order_get(&order, inv, "A-1")) != BO_OK
	    || (rc = bo_order_line(&st, order, 0)) != BO_OK)
		goto fail;
	printf("A-1: %lld allocated, %lld backordered\n",
	       (long long)st.allocated, (long long)st.backordered);
	bo_order_free(order);
	order = NULL;

	/* One more lamp arrives: the waiting unit is filled automatically. */
	if ((rc = bo_item_receive(inv, "LAMP", 1, NULL)) != BO_OK
	    || (rc = bo_order_ship(inv, "A-1", NULL, BO_ALL)) != BO_OK)
		goto fail;
	bo_inventory_free(inv);
	return 0;
fail:
	fprintf(stderr, "error: %s: %s\n", bo_strerror(rc), bo_last_error());
	bo_order_free(order);
	bo_inventory_free(inv);
	return 1;
}
