#ifndef SW_TEST_GUARD_H
#define SW_TEST_GUARD_H

/*
 * Place test input so that its last byte sits right before a PROT_NONE page
 * (picohttpparser's test trick): any read past the end faults at once, with
 * or without a sanitizer.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct guard_buf {
	uint8_t *map;
	size_t map_len;
};

/* Copy @p len bytes so they end at a guard page; returns the copy or NULL. */
static inline void *
guard_buf_put(struct guard_buf *g, const void *src, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = (len + page - 1) / page;
	uint8_t *dst;

	if (data_pages == 0)
		data_pages = 1;
	g->map_len = (data_pages + 1) * page;
	g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (g->map == MAP_FAILED) {
		g->map = NULL;
		return NULL;
	}
	if (mprotect(g->map + data_pages * page, page, PROT_NONE) != 0) {
		munmap(g->map, g->map_len);
		g->map = NULL;
		return NULL;
	}
	dst = g->map + data_pages * page - len;
	if (len != 0)
		memcpy(dst, src, len);
	return dst;
}

static inline void
guard_buf_free(struct guard_buf *g)
{
	if (g->map != NULL)
		munmap(g->map, g->map_len);
	g->map = NULL;
}

#endif /* SW_TEST_GUARD_H */
