/* Locations (DESIGN §11): the public calls. Work in progress on the
 * feature/locations branch. */
#include "internal.h"

size_t bo_supply_rec_size(void) { return sizeof(bo_supply_rec); }
size_t bo_stock_rec_size(void) { return sizeof(bo_stock_rec); }
size_t bo_lalloc_rec_size(void) { return sizeof(bo_lalloc_rec); }

int bo_location_set(bo_inventory *inv, const char *id, int64_t rank)
{
	(void)inv; (void)id; (void)rank;
	return bo__fail(BO_ESTATE, "locations: not built yet");
}

int bo_location_foreach(bo_inventory *inv, bo_location_cb cb, void *user_data)
{
	(void)inv; (void)cb; (void)user_data;
	return bo__fail(BO_ESTATE, "locations: not built yet");
}

int bo_item_receive_at(bo_inventory *inv, const char *sku, int64_t qty, const char *supply_id, const char *location)
{
	(void)location;
	return bo_item_receive(inv, sku, qty, supply_id);
}

int bo_item_adjust_at(bo_inventory *inv, const char *sku, int64_t delta, const char *location)
{
	(void)location;
	return bo_item_adjust(inv, sku, delta);
}

int bo_supply_set_at(bo_inventory *inv, const char *sku, const char *supply_id, int64_t qty, int64_t expected,
		     const char *location)
{
	(void)location;
	return bo_supply_set(inv, sku, supply_id, qty, expected);
}

int bo_order_ship_at(bo_inventory *inv, const char *order_id, const char *sku, int64_t qty, const char *location)
{
	(void)location;
	return bo_order_ship(inv, order_id, sku, qty);
}

int bo_item_stock_foreach(bo_inventory *inv, const char *sku, bo_stock_cb cb, void *user_data)
{
	(void)inv; (void)sku; (void)cb; (void)user_data;
	return bo__fail(BO_ESTATE, "locations: not built yet");
}

int bo_line_alloc_foreach(bo_inventory *inv, const char *order_id, const char *sku, bo_line_alloc_cb cb,
			  void *user_data)
{
	(void)inv; (void)order_id; (void)sku; (void)cb; (void)user_data;
	return bo__fail(BO_ESTATE, "locations: not built yet");
}
