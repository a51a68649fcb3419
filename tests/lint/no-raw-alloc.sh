#!/bin/sh
# Every allocation the library makes goes through bo_malloc(), bo_realloc()
# and bo_free() (src/mem.c), so that an allocator set with
# bo_set_allocator() sees all of it (issue 17). This fails if any source
# file of the library other than src/mem.c calls the C library's allocator
# directly (comments are ignored). Usage: no-raw-alloc.sh SRCDIR
src=${1:?usage: no-raw-alloc.sh SRCDIR}
found=$(grep -rnE '(^|[^A-Za-z0-9_.>])(malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign|reallocarray|valloc|memalign)\(' \
	"$src" --include='*.c' --include='*.h' |
	grep -v "^$src/mem\.c:" |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*|//)')
if [ -n "$found" ]; then
	echo "raw allocation calls in the library (use bo_malloc/bo_realloc/bo_free):"
	echo "$found"
	exit 1
fi
echo "no raw allocation calls in $src"
