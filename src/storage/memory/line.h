/* line: a line record in 64 bytes (line.c).
 *
 * The memory store keeps an order's lines in the order's node. A
 * ::bo_line_rec is 272 bytes; most of it is two 65-byte ids (the order's,
 * which the node has, and the SKU, interned by the store), and the rest
 * are 64-bit numbers that are small or near one another: quantities of a
 * few units, times near today, a queue key whose first words are the
 * line's queue time or a small priority. bo__line_pack() writes a record in
 * BO__LINE_SIZE bytes when every field fits its narrow form:
 *
 *   quantities, unit price, lead time    32-bit signed
 *   times (queue time, ETA, its basis,   32-bit seconds from BO__LINE_T0
 *     release time)                        (1958 to 2094), or "none"
 *   key words 0 and 1                    32-bit signed, or 32-bit from the
 *                                          queue time, or INT64_MAX
 *   key word 2                           0
 *   key sequence                         32-bit unsigned
 *   ETA basis                            0 to 255
 *
 * and says so; a record that does not fit is the caller's to keep whole
 * (the store keeps it in a block of its own: a "wide" line). The order id,
 * the SKU, the index and the reserved words are not packed: the caller
 * knows them (reserved words read back as zero). */
#ifndef BO_MEM_LINE_H
#define BO_MEM_LINE_H

#include "backorder/storage.h"

#include <stdbool.h>
#include <stdint.h>

#define BO__LINE_SIZE 64
/* 2026-01-01T00:00:00Z: packed times are seconds from here. */
#define BO__LINE_T0 INT64_C(1767225600)

/* Bytes 0..3 of a packed line are the caller's (the store keeps the
 * line's SKU number there), byte 6 is 0 in a packed line: a caller may
 * set it (and use bytes 8..15) to mark a wide line. */
#define BO__LINE_WIDE_BYTE 6

/* Pack `rec` into out[BO__LINE_SIZE] (bytes 0..3 left alone, bytes 6
 * and 7 written 0). False, with out[] partly written, when a field does
 * not fit. */
bool bo__line_pack(unsigned char *out, const bo_line_rec *rec);
/* Give `take` units to the packed line at p[] in place: allocated up and
 * backordered down by `take`; a line no longer waiting loses its promise
 * (ETA and release time none, basis none, base 0), as the core's give()
 * has it. The bytes are then those bo__line_pack() writes for the record
 * so changed. False, with nothing written, unless 1 <= take <=
 * backordered and the new allocated count fits. */
bool bo__line_take(unsigned char *p, int64_t take);
/* Unpack into *out every field but order_id, sku and index (reserved
 * words zero). */
void bo__line_unpack(const unsigned char *in, bo_line_rec *out);

#endif
