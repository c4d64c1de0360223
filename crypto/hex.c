/*
 * Hex for the response= / rspauth= parameters (PROTOCOL.md §1: any length,
 * case-insensitive).
 */

#include <errno.h>

#include "crypto/sig.h"

/* 0..15, or -1 for a byte that is not a hex digit. */
static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20; /* ASCII upper to lower case; other bytes stay non-digits */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Case-insensitive; the input is checked completely before anything is written. */
int
sw_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap)
{
	size_t i;

	if ((hex == NULL && len != 0) || (len & 1) != 0)
		return -EINVAL;
	if (len / 2 > cap || len / 2 > INT32_MAX)
		return -ENOSPC;
	if (len != 0 && out == NULL)
		return -EINVAL;
	/* Check every digit first so that a rejected input writes nothing. */
	for (i = 0; i < len; i++) {
		if (hex_val((unsigned char)hex[i]) < 0)
			return -EINVAL;
	}
	for (i = 0; i < len; i += 2)
		out[i / 2] = (uint8_t)(hex_val((unsigned char)hex[i]) << 4 |
				       hex_val((unsigned char)hex[i + 1]));
	return (int)(len / 2);
}

/* Upper case, NUL-terminated, as pidgin-sipe writes response= (PROTOCOL.md §1). */
int
sw_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	if ((in == NULL && len != 0) || out == NULL)
		return -EINVAL;
	if (len > (size_t)INT32_MAX / 2 || cap < 2 * len + 1)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return (int)(2 * len);
}
