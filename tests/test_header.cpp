// The public headers compile as C++ and their declarations link.
#include "backorder.h"
#include "backorder/common.h"
#include "backorder/storage.h"
#include "backorder/memory.h"
#include "backorder/sqlite.h"
#include "backorder/postgres.h"

#include <cstdio>
#include <cstring>

int main()
{
	bo_options opts = BO_OPTIONS_INIT;
	bo_item_settings s = BO_ITEM_SETTINGS_INIT;
	bo_order_options oo = BO_ORDER_OPTIONS_INIT;
	bo_notifier n = BO_NOTIFIER_INIT;
	bo_policy_methods m = BO_POLICY_METHODS_INIT;
	bo_sqlite_options so = BO_SQLITE_OPTIONS_INIT;
	bo_inventory *inv = nullptr;
	bo_line_spec l = { "a", 1, BO_NO_PRICE };
	int64_t now = 0;

	(void)n;
	(void)m;
	(void)so;
	if (std::strcmp(bo_version(), BO_VERSION_STRING) != 0)
		return 1;
	if (bo_storage_size() != sizeof(bo_storage) || bo_item_status_size() != sizeof(bo_item_status))
		return 2;
	if (bo_inventory_open_store(&inv, "memory", &opts) != BO_OK)
		return 3;
	s.fields = BO_ITEM_BACKORDER;
	s.backorder = BO_BACKORDER_ALLOW;
	if (bo_item_set(inv, "a", &s) != BO_OK || bo_order_place(inv, "o", &oo, &l, 1) != BO_OK)
		return 4;
	if (bo_inventory_now(&now, inv) != BO_OK || bo_inventory_check(inv) != BO_OK)
		return 5;
	bo_inventory_free(inv);
	std::printf("ok %s\n", bo_status_name(BO_EOUTOFSTOCK));
	return 0;
}
