/* Argument validation shared by every public function. */
#include "internal.h"

int bo__check_id(const char *id, const char *what)
{
	const unsigned char *p = (const unsigned char *)id;
	size_t n = 0;
	if (!id)
		return bo__fail(BO_EINVALID, "%s is NULL", what);
	/* Two compares a byte; the reason is sorted out only when the scan
	 * stops on something other than the end. */
	while (n < BO_ID_MAX && p[n] > 0x20 && p[n] != 0x7f)
		n++;
	if (p[n] == '\0')
		return n ? BO_OK : bo__fail(BO_EINVALID, "%s is empty", what);
	if (n == BO_ID_MAX)
		return bo__fail(BO_EINVALID, "%s is longer than %d bytes", what, BO_ID_MAX);
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
