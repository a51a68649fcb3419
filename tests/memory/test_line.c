/* The memory store's packed line (src/storage/memory/line.c), driven
 * directly with random records: a record that packs comes back exactly as
 * it went in; a record that does not pack has a field beyond its narrow
 * form (the reference below says which), and every record of the kinds
 * the core writes packs. */
#include "line.h"
#include "rooms.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define T0 BO__LINE_T0
#define DAY INT64_C(86400)

/* A value for a 64-bit field: mostly what shops write, sometimes an
 * edge of the narrow forms, sometimes anything. */
static int64_t pick(int64_t typical)
{
	static const int64_t edges[] = { 0, 1, -1, INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
					 (int64_t)INT32_MIN - 1, INT64_MAX, INT64_MIN, INT64_MIN + 1,
					 T0 + INT32_MAX, T0 + INT32_MIN, T0 + INT32_MAX + 1, T0 + INT32_MIN - 1,
					 UINT32_MAX, (int64_t)UINT32_MAX + 1 };
	switch (room_below(16)) {
	case 0: return edges[room_below(sizeof(edges) / sizeof(edges[0]))];
	case 1: return (int64_t)room_rand();
	default: return typical;
	}
}

static void gen(bo_line_rec *l)
{
	int64_t qt = T0 + (int64_t)room_below(400 * DAY) - 30 * DAY;
	memset(l, 0, sizeof(*l));
	l->placed = pick((int64_t)room_below(5));
	l->ordered = pick(l->placed);
	l->allocated = pick((int64_t)room_below(4));
	l->backordered = pick((int64_t)room_below(4));
	l->shipped = pick(0);
	l->cancelled = pick(0);
	l->unit_price = pick(room_below(2) ? BO_NO_PRICE : (int64_t)room_below(100000));
	l->queue_time = pick(qt);
	l->eta = pick(room_below(2) ? BO_NO_TIME : qt + (int64_t)room_below(60) * DAY);
	l->key.seq = (uint64_t)pick((int64_t)room_below(5000000));
	switch (room_below(4)) { /* the key words of each policy */
	case 0: /* fifo, fair */
		l->key.k[0] = l->queue_time;
		break;
	case 1: /* priority */
		l->key.k[0] = -(int64_t)room_below(10);
		l->key.k[1] = l->queue_time;
		break;
	case 2: /* due */
		l->key.k[0] = room_below(2) ? INT64_MAX : qt + (int64_t)room_below(30) * DAY;
		l->key.k[1] = l->queue_time;
		break;
	default: /* custom: anything */
		l->key.k[0] = pick(0);
		l->key.k[1] = pick(0);
		l->key.k[2] = room_below(3) ? 0 : pick(0);
		break;
	}
	l->key.k[0] = pick(l->key.k[0]);
	l->eta_basis = (int32_t)(room_below(10) ? room_below(4) : (uint64_t)pick(0));
	switch (l->eta_basis) {
	case BO_BASIS_LEAD: l->eta_base = pick((int64_t)room_below(60) * DAY); break;
	case BO_BASIS_SUPPLY: l->eta_base = pick(qt + (int64_t)room_below(60) * DAY); break;
	default: l->eta_base = pick(0); break;
	}
	l->eta_release = pick(room_below(3) ? BO_NO_TIME : qt + (int64_t)room_below(60) * DAY);
}

static bool in32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }
static bool time32(int64_t v) { return v == BO_NO_TIME || (v >= T0 + INT32_MIN && v <= T0 + INT32_MAX); }

/* The reference: does every field fit its narrow form (line.h)? */
static bool fits(const bo_line_rec *l)
{
	int64_t qt = l->queue_time;
	if (qt == BO_NO_TIME || !time32(qt))
		return false; /* (and qt +- 2^31 below cannot overflow) */
	for (int w = 0; w < 2; w++) {
		int64_t k = l->key.k[w];
		if (k != INT64_MAX && !in32(k) && !(k >= qt + INT32_MIN && k <= qt + INT32_MAX))
			return false;
	}
	return in32(l->placed) && in32(l->ordered) && in32(l->allocated) && in32(l->backordered) &&
	       in32(l->shipped) && in32(l->cancelled) && in32(l->unit_price) && l->queue_time != BO_NO_TIME &&
	       time32(l->queue_time) && time32(l->eta) && l->key.seq <= UINT32_MAX && l->key.k[2] == 0 &&
	       l->eta_basis >= 0 && l->eta_basis <= 255 &&
	       (in32(l->eta_base) || (l->eta_base >= T0 + INT32_MIN && l->eta_base <= T0 + INT32_MAX)) &&
	       time32(l->eta_release);
}

static void test_round_trip(void **state)
{
	long packed = 0, total = room_ops(300000);
	(void)state;
	for (long i = 0; i < total; i++) {
		bo_line_rec in, out;
		unsigned char buf[BO__LINE_SIZE + 8];
		bool ok;
		gen(&in);
		memset(buf, 0xa5, sizeof(buf));
		ok = bo__line_pack(buf, &in);
		assert_int_equal(ok, fits(&in));
		/* never beyond its 64 bytes */
		assert_int_equal(buf[BO__LINE_SIZE], 0xa5);
		if (!ok)
			continue;
		packed++;
		/* bytes 0..3 are the caller's; byte 6 is 0 (not wide) */
		assert_int_equal(buf[0], 0xa5);
		assert_int_equal(buf[BO__LINE_WIDE_BYTE], 0);
		memset(&out, 0x5a, sizeof(out));
		memcpy(out.order_id, in.order_id, sizeof(in.order_id) + sizeof(in.sku));
		memset(out.order_id + sizeof(in.order_id) + sizeof(in.sku), 0,
		       offsetof(bo_line_rec, index) - offsetof(bo_line_rec, sku) - sizeof(in.sku));
		out.index = in.index;
		bo__line_unpack(buf, &out);
		assert_memory_equal(&out, &in, sizeof(in));
	}
	/* most records are the kind the core writes, and pack */
	assert_true(packed > total / 20);
}

/* What the core writes in a shop of today: always packed. */
static void test_shop_records_pack(void **state)
{
	(void)state;
	for (long i = 0; i < room_ops(50000); i++) {
		bo_line_rec l;
		unsigned char buf[BO__LINE_SIZE];
		int64_t qt = T0 + (int64_t)room_below(3650 * DAY);
		memset(&l, 0, sizeof(l));
		l.placed = l.ordered = 1 + (int64_t)room_below(1000);
		l.backordered = (int64_t)room_below((uint64_t)l.ordered + 1);
		l.allocated = l.ordered - l.backordered;
		l.unit_price = room_below(2) ? BO_NO_PRICE : (int64_t)room_below(10000000);
		l.queue_time = qt;
		l.eta = room_below(2) ? BO_NO_TIME : qt + (int64_t)room_below(365) * DAY;
		l.key.k[0] = room_below(2) ? qt : -(int64_t)room_below(100);
		l.key.k[1] = l.key.k[0] == qt ? 0 : qt;
		l.key.seq = room_below(4000000000u);
		l.eta_basis = (int32_t)room_below(4);
		l.eta_base = l.eta_basis == BO_BASIS_LEAD ? 14 * DAY : l.eta_basis == BO_BASIS_SUPPLY ? qt + DAY : 0;
		l.eta_release = room_below(4) ? BO_NO_TIME : qt + DAY;
		assert_true(bo__line_pack(buf, &l));
	}
}

/* A fill's in-place take writes the bytes a full pack of the changed
 * record writes, and refuses what it cannot do, writing nothing. */
static void test_take_in_place(void **state)
{
	long taken = 0;
	(void)state;
	for (long i = 0; i < room_ops(300000); i++) {
		bo_line_rec l;
		unsigned char buf[BO__LINE_SIZE], want[BO__LINE_SIZE], before[BO__LINE_SIZE];
		int64_t take;
		gen(&l);
		if (room_below(2)) /* mostly a waiting line with small counts */
			l.backordered = 1 + (int64_t)room_below(4);
		if (!bo__line_pack(buf, &l))
			continue;
		memset(buf, 0x3c, 4); /* the caller's bytes: kept */
		memcpy(before, buf, sizeof(buf));
		switch (room_below(8)) {
		case 0: take = pick(0); break;
		case 1: take = l.backordered + 1; break;
		default: take = l.backordered > 0 ? 1 + (int64_t)room_below((uint64_t)l.backordered) : 1; break;
		}
		if (take < 1 || take > l.backordered || !in32(l.allocated + take)) {
			assert_false(bo__line_take(buf, take));
			assert_memory_equal(buf, before, sizeof(buf));
			continue;
		}
		assert_true(bo__line_take(buf, take));
		taken++;
		l.allocated += take;
		l.backordered -= take;
		if (l.backordered == 0) {
			l.eta = BO_NO_TIME;
			l.eta_basis = BO_BASIS_NONE;
			l.eta_base = 0;
			l.eta_release = BO_NO_TIME;
		}
		memcpy(want, before, 4);
		assert_true(bo__line_pack(want, &l));
		assert_memory_equal(buf, want, sizeof(buf));
	}
	assert_true(taken > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_shop_records_pack),
		cmocka_unit_test(test_take_in_place),
	};
	room_seed("line", 15);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
