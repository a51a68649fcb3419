/* Argument validation shared by every public function. */
#include "internal.h"

size_t bo__utf8_seq(const unsigned char *s, uint32_t *cp)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf; /* the second byte's range (Unicode table 3-7) */
	uint32_t v;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4) /* a continuation byte, an overlong pair's lead, beyond U+10FFFF */
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* beyond U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	v = c & (0x7fu >> n);
	for (i = 1; i < n; i++) { /* a NUL ends the sequence before the byte after it is read */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

/* A C1 control character (U+0080..U+009F) or a code point above ASCII
 * with the Unicode White_Space property (U+0085 is both). */
static bool c1_or_white_space(uint32_t c)
{
	return c <= 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The rest of an id whose byte p[n] (n < BO_ID_MAX) is 0x80 or above: a
 * well-formed UTF-8 sequence must not be a C1 control or white space; a
 * byte that starts none is accepted as a byte. Not inlined, so that the
 * ASCII scan of bo__check_id() stays as it was. */
static __attribute__((noinline)) int check_id_utf8(const unsigned char *p, size_t n, const char *what)
{
	while (n < BO_ID_MAX) {
		uint32_t c;
		size_t k;

		if (p[n] < 0x80) {
			if (p[n] <= 0x20 || p[n] == 0x7f)
				break;
			n++;
			continue;
		}
		k = bo__utf8_seq(p + n, &c);
		if (k == 0)
			k = 1;
		else if (c1_or_white_space(c))
			break;
		n += k;
	}
	/* a sequence may end past BO_ID_MAX: p[n] is then the NUL or a byte before it */
	if (n <= BO_ID_MAX && p[n] == '\0')
		return BO_OK;
	if (n >= BO_ID_MAX)
		return bo__fail(BO_EINVALID, "%s is longer than %d bytes", what, BO_ID_MAX);
	return bo__fail(BO_EINVALID, "%s contains white space or a control character", what);
}

int bo__check_id(const char *id, const char *what)
{
	const unsigned char *p = (const unsigned char *)id;
	size_t n = 0;
	if (!id)
		return bo__fail(BO_EINVALID, "%s is NULL", what);
	/* One range compare a byte (printable ASCII but ' '), four bytes a
	 * step; the reason is sorted out only when the scan stops on
	 * something other than the end. A byte from 0x80 up stops it too:
	 * the rest of the id goes the UTF-8 way. A byte is read only after
	 * the one before it passed (so never past the NUL). */
#define ID_BYTE(c) ((unsigned char)((c) - 0x21) < 0x7f - 0x21)
	while (n + 4 <= BO_ID_MAX && ID_BYTE(p[n]) && ID_BYTE(p[n + 1]) && ID_BYTE(p[n + 2]) && ID_BYTE(p[n + 3]))
		n += 4;
	while (n < BO_ID_MAX && ID_BYTE(p[n]))
		n++;
#undef ID_BYTE
	if (p[n] == '\0')
		return n ? BO_OK : bo__fail(BO_EINVALID, "%s is empty", what);
	if (n == BO_ID_MAX)
		return bo__fail(BO_EINVALID, "%s is longer than %d bytes", what, BO_ID_MAX);
	if (p[n] >= 0x80)
		return check_id_utf8(p, n, what);
	return bo__fail(BO_EINVALID, "%s contains white space or a control character", what);
}

int bo__check_name(const char *name, const char *what)
{
	size_t n = 0;
	if (!name)
		return bo__fail(BO_EINVALID, "%s is NULL", what);
	for (const char *p = name; *p; p++, n++) {
		char c = *p;
		if (n >= BO_NAME_MAX)
			return bo__fail(BO_EINVALID, "%s is longer than %d bytes", what, BO_NAME_MAX);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return bo__fail(BO_EINVALID, "%s may use only a-z, 0-9, '_' and '-'", what);
	}
	if (n == 0)
		return bo__fail(BO_EINVALID, "%s is empty", what);
	return BO_OK;
}

int bo__add(int64_t *out, int64_t a, int64_t b, const char *what)
{
	if (!bo__add_ok(a, b))
		return bo__fail(BO_EINVALID, "%s would exceed 2^63-1", what);
	*out = a + b;
	return BO_OK;
}

void bo__copy_id(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n > BO_ID_MAX)
		n = BO_ID_MAX;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int bo_queue_key_cmp(const bo_queue_key *a, const bo_queue_key *b)
{
	for (int i = 0; i < BO_KEY_WORDS; i++) {
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	}
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

size_t bo_storage_size(void) { return sizeof(bo_storage); }
size_t bo_item_rec_size(void) { return sizeof(bo_item_rec); }
size_t bo_line_rec_size(void) { return sizeof(bo_line_rec); }
size_t bo_event_rec_size(void) { return sizeof(bo_event_rec); }
size_t bo_item_status_size(void) { return sizeof(bo_item_status); }
size_t bo_line_status_size(void) { return sizeof(bo_line_status); }
