/* line: a line record in 64 bytes (line.h). */
#include "line.h"

#include <stddef.h>
#include <string.h>

/* The layout (offsets in bytes; every field 4-byte aligned):
 *
 *    0  u32   the caller's (SKU number)
 *    4  u8    eta_basis
 *    5  u8    modes (below)
 *    6  u8    0 (the caller's wide mark)
 *    7  u8    0
 *    8  i32   placed, ordered, allocated, backordered, shipped, cancelled
 *   32  i32   unit_price
 *   36  i32   queue_time - T0
 *   40  i32   eta - T0 (unless M_ETA_NONE)
 *   44  u32   key.seq
 *   48  i32   key.k[0] (mode bits 0-1)
 *   52  i32   key.k[1] (mode bits 2-3)
 *   56  i32   eta_base (raw, or - T0 with M_BASE_T0)
 *   60  i32   eta_release - T0 (unless M_REL_NONE)
 */
enum {
	KM_RAW = 0,  /* the word itself */
	KM_QT = 1,   /* queue_time + the stored delta */
	KM_MAX = 2,  /* INT64_MAX */
	M_BASE_T0 = 1 << 4,
	M_ETA_NONE = 1 << 5,
	M_REL_NONE = 1 << 6,
};

static inline bool fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

static inline void put32(unsigned char *p, int64_t v)
{
	int32_t x = (int32_t)v;
	memcpy(p, &x, 4);
}

static inline int32_t get32(const unsigned char *p)
{
	int32_t x;
	memcpy(&x, p, 4);
	return x;
}

/* A time relative to T0, or none. */
static inline bool pack_time(unsigned char *p, int64_t t, unsigned *modes, unsigned none_bit)
{
	if (t == BO_NO_TIME) {
		*modes |= none_bit;
		put32(p, 0);
		return true;
	}
	if (t < BO__LINE_T0 + INT32_MIN || t > BO__LINE_T0 + INT32_MAX)
		return false;
	put32(p, t - BO__LINE_T0);
	return true;
}

/* Key word `w` of a line queued at `qt`: its mode in 2 bits. */
static inline bool pack_word(unsigned char *p, int64_t w, int64_t qt, unsigned *modes, int shift)
{
	if (w == INT64_MAX) {
		*modes |= (unsigned)KM_MAX << shift;
		put32(p, 0);
		return true;
	}
	if (w >= qt + INT32_MIN && w <= qt + INT32_MAX) {
		/* (qt is within 2^31 of T0, so qt +- 2^31 does not overflow) */
		*modes |= (unsigned)KM_QT << shift;
		put32(p, w - qt);
		return true;
	}
	if (!fits32(w))
		return false;
	put32(p, w);
	return true;
}

bool bo__line_pack(unsigned char *out, const bo_line_rec *r)
{
	unsigned modes = 0;
	const int64_t q[6] = { r->placed, r->ordered, r->allocated, r->backordered, r->shipped, r->cancelled };
	if (r->eta_basis < 0 || r->eta_basis > 255 || r->key.k[2] != 0 || r->key.seq > UINT32_MAX)
		return false;
	for (int i = 0; i < 6; i++) {
		if (!fits32(q[i]))
			return false;
		put32(out + 8 + 4 * i, q[i]);
	}
	if (!fits32(r->unit_price))
		return false;
	put32(out + 32, r->unit_price);
	/* the queue time is a real time (never none) */
	if (r->queue_time < BO__LINE_T0 + INT32_MIN || r->queue_time > BO__LINE_T0 + INT32_MAX)
		return false;
	put32(out + 36, r->queue_time - BO__LINE_T0);
	if (!pack_time(out + 40, r->eta, &modes, M_ETA_NONE))
		return false;
	{
		uint32_t s = (uint32_t)r->key.seq;
		memcpy(out + 44, &s, 4);
	}
	if (!pack_word(out + 48, r->key.k[0], r->queue_time, &modes, 0) ||
	    !pack_word(out + 52, r->key.k[1], r->queue_time, &modes, 2))
		return false;
	if (fits32(r->eta_base)) {
		put32(out + 56, r->eta_base);
	} else if (r->eta_base >= BO__LINE_T0 + INT32_MIN && r->eta_base <= BO__LINE_T0 + INT32_MAX) {
		modes |= M_BASE_T0;
		put32(out + 56, r->eta_base - BO__LINE_T0);
	} else {
		return false;
	}
	if (!pack_time(out + 60, r->eta_release, &modes, M_REL_NONE))
		return false;
	out[4] = (unsigned char)r->eta_basis;
	out[5] = (unsigned char)modes;
	out[6] = 0;
	out[7] = 0;
	return true;
}

bool bo__line_take(unsigned char *p, int64_t take)
{
	int64_t allocated = get32(p + 16), backordered = get32(p + 20);
	if (take < 1 || take > backordered || !fits32(allocated + take))
		return false;
	put32(p + 16, allocated + take);
	put32(p + 20, backordered - take);
	if (backordered == take) { /* no longer waiting: no promise */
		p[4] = BO_BASIS_NONE;
		p[5] = (unsigned char)((p[5] & ~M_BASE_T0) | M_ETA_NONE | M_REL_NONE);
		put32(p + 40, 0);
		put32(p + 56, 0);
		put32(p + 60, 0);
	}
	return true;
}

static inline int64_t unpack_word(const unsigned char *p, int64_t qt, unsigned mode)
{
	switch (mode) {
	case KM_QT: return qt + get32(p);
	case KM_MAX: return INT64_MAX;
	default: return get32(p);
	}
}

void bo__line_unpack(const unsigned char *in, bo_line_rec *out)
{
	unsigned modes = in[5];
	uint32_t s;
	/* the reserved word and the padding after it: zero */
	memset(&out->reserved, 0, offsetof(bo_line_rec, placed) - offsetof(bo_line_rec, reserved));
	out->placed = get32(in + 8);
	out->ordered = get32(in + 12);
	out->allocated = get32(in + 16);
	out->backordered = get32(in + 20);
	out->shipped = get32(in + 24);
	out->cancelled = get32(in + 28);
	out->unit_price = get32(in + 32);
	out->queue_time = BO__LINE_T0 + get32(in + 36);
	out->eta = modes & M_ETA_NONE ? BO_NO_TIME : BO__LINE_T0 + get32(in + 40);
	memcpy(&s, in + 44, 4);
	out->key.seq = s;
	out->key.k[0] = unpack_word(in + 48, out->queue_time, modes & 3);
	out->key.k[1] = unpack_word(in + 52, out->queue_time, (modes >> 2) & 3);
	out->key.k[2] = 0;
	out->eta_basis = in[4];
	out->reserved2 = 0;
	out->eta_base = modes & M_BASE_T0 ? BO__LINE_T0 + get32(in + 56) : get32(in + 56);
	out->eta_release = modes & M_REL_NONE ? BO_NO_TIME : BO__LINE_T0 + get32(in + 60);
}
