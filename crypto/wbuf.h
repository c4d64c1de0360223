#ifndef SW_WBUF_H
#define SW_WBUF_H

/**
 * @file
 * Bounded writer over caller-owned memory with a sticky error (krb5's
 * k5buf with K5BUF_FIXED): append freely, test sw_wbuf_ok() once at the end.
 * A write that does not fit writes nothing and poisons the buffer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sw_wbuf {
	uint8_t *p;
	uint32_t len;
	uint32_t cap;
	bool overflow;
};

static inline void
sw_wbuf_init(struct sw_wbuf *w, void *mem, size_t cap)
{
	w->p = (uint8_t *)mem;
	w->len = 0;
	w->cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	w->overflow = false;
}

static inline void
sw_wbuf_put(struct sw_wbuf *w, const void *src, size_t n)
{
	if (w->overflow || n > (size_t)(w->cap - w->len)) {
		w->overflow = true;
		return;
	}
	if (n == 0)
		return; /* src may be NULL for an empty span */
	memcpy(w->p + w->len, src, n);
	w->len += (uint32_t)n;
}

static inline void
sw_wbuf_puts(struct sw_wbuf *w, const char *s)
{
	sw_wbuf_put(w, s, strlen(s));
}

/** Append an unsigned decimal number. */
static inline void
sw_wbuf_put_u64(struct sw_wbuf *w, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sw_wbuf_put(w, tmp + i, sizeof(tmp) - i);
}

/** Append @p n bytes as lowercase hex. */
/*
 * Copy n bytes to d without a libc call, which costs more than a short
 * field's copy: whole 16-, 8- and 4-byte moves, the last one overlapping the
 * one before, so nothing outside [s, s+n) is read or outside [d, d+n)
 * written.  Plain memcpy() of a fixed size: one load and one store each.
 */
static inline void
sw_copy_short(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	size_t i;

	if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16)
			memcpy(d + i, s + i, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else {
		for (i = 0; i < n; i++)
			d[i] = s[i];
	}
}

static inline void
sw_wbuf_put_hex(struct sw_wbuf *w, const uint8_t *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t *o;
	size_t i;

	if (w->overflow || n > (size_t)(w->cap - w->len) / 2) {
		w->overflow = true;
		return;
	}
	/* Through a local pointer: a byte store may alias *w, so w->p[w->len++]
	 * reloads both fields for every digit. */
	o = w->p + w->len;
	for (i = 0; i < n; i++) {
		o[2 * i] = (uint8_t)digits[src[i] >> 4];
		o[2 * i + 1] = (uint8_t)digits[src[i] & 0xf];
	}
	w->len += (uint32_t)(2 * n);
}

/**
 * Where @p n bytes can be written in place, or NULL if they do not fit
 * (the buffer is not poisoned: the caller may still write less another
 * way).  A formatter that knows its longest output writes it there, then
 * publishes what it wrote with sw_wbuf_commit(): one room check and no
 * copy through the stack.
 */
static inline uint8_t *
sw_wbuf_room(const struct sw_wbuf *w, size_t n)
{
	if (w->overflow || n > (size_t)(w->cap - w->len))
		return NULL;
	return w->p + w->len;
}

/** Publish @p n bytes written at sw_wbuf_room() (n no more than asked for). */
static inline void
sw_wbuf_commit(struct sw_wbuf *w, size_t n)
{
	w->len += (uint32_t)n;
}

static inline bool
sw_wbuf_ok(const struct sw_wbuf *w)
{
	return !w->overflow;
}

#ifdef __cplusplus
}
#endif

#endif /* SW_WBUF_H */
