/*
 * Strict, bounded base64 for gssapi-data (RFC 4648 §4).
 *
 * Decoding is table-driven here rather than EVP_DecodeBlock(): that one
 * trims whitespace, decodes the padding as zero bytes and ignores the bits
 * padding leaves over, so it needed a checking pass of its own first, and
 * the two passes cost about 9 instructions per character -- a Kerberos
 * AP-REQ is ~2,000 characters, decoded once per handshake on the control
 * thread.  One lookup per character both validates and decodes.
 */

#include <errno.h>
#include <stdbool.h>

#include <openssl/evp.h>

#include "crypto/prim.h"

/* Value of byte @p c as a base64 digit, or 0xff if it is none ('=' is none).
 * The cast is for clang, which range-checks the branches not taken too. */
#define B64_VAL(c)                                                                                 \
	((uint8_t)((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                          \
		   : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                     \
		   : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                     \
		   : (c) == '+'		      ? 62                                                 \
		   : (c) == '/'		      ? 63                                                 \
					      : 0xff))
#define B64_ROW(r)                                                                                 \
	B64_VAL((r) + 0), B64_VAL((r) + 1), B64_VAL((r) + 2), B64_VAL((r) + 3), B64_VAL((r) + 4),  \
		B64_VAL((r) + 5), B64_VAL((r) + 6), B64_VAL((r) + 7), B64_VAL((r) + 8),            \
		B64_VAL((r) + 9), B64_VAL((r) + 10), B64_VAL((r) + 11), B64_VAL((r) + 12),         \
		B64_VAL((r) + 13), B64_VAL((r) + 14), B64_VAL((r) + 15)

/* clang-format off */
static const uint8_t b64_dec[256] = {
	B64_ROW(0x00), B64_ROW(0x10), B64_ROW(0x20), B64_ROW(0x30),
	B64_ROW(0x40), B64_ROW(0x50), B64_ROW(0x60), B64_ROW(0x70),
	B64_ROW(0x80), B64_ROW(0x90), B64_ROW(0xa0), B64_ROW(0xb0),
	B64_ROW(0xc0), B64_ROW(0xd0), B64_ROW(0xe0), B64_ROW(0xf0),
};
/* clang-format on */

/* The 24 bits of one quantum of four digits; false if one is not a digit. */
static inline bool
quantum(const unsigned char *s, uint32_t *x)
{
	uint32_t a = b64_dec[s[0]], b = b64_dec[s[1]], c = b64_dec[s[2]], d = b64_dec[s[3]];

	*x = a << 18 | b << 12 | c << 6 | d;
	return (a | b | c | d) <= 63;
}

int
sw_prim_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char last[4];
	size_t i, pad = 0, n;
	uint32_t x;

	if (len == 0)
		return 0;
	if (len % 4 != 0 || len > (size_t)INT32_MAX)
		return -EINVAL;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	n = len / 4 * 3 - pad;

	/* Every quantum but the last, which may carry the padding.  Over the
	 * cap they are still checked, unwritten: what is not base64 at all is
	 * -EINVAL whatever its length. */
	for (i = 0; i + 4 < len; i += 4) {
		if (!quantum(s + i, &x))
			return -EINVAL;
		if (n <= cap) {
			out[0] = (uint8_t)(x >> 16);
			out[1] = (uint8_t)(x >> 8);
			out[2] = (uint8_t)x;
			out += 3;
		}
	}

	/* The padding reads as 'A' (zero bits); '=' anywhere else is not a digit. */
	last[0] = s[len - 4];
	last[1] = s[len - 3];
	last[2] = pad == 2 ? 'A' : s[len - 2];
	last[3] = pad != 0 ? 'A' : s[len - 1];
	if (!quantum(last, &x))
		return -EINVAL;
	/* Canonical (RFC 4648 §3.5): the bits the padding leaves over are zero,
	 * so one token has exactly one encoding. */
	if ((pad == 1 && (x & 0xff) != 0) || (pad == 2 && (x & 0xffff) != 0))
		return -EINVAL;
	if (n > cap)
		return -EMSGSIZE;
	out[0] = (uint8_t)(x >> 16);
	if (pad < 2)
		out[1] = (uint8_t)(x >> 8);
	if (pad < 1)
		out[2] = (uint8_t)x;
	return (int)n;
}

int
sw_prim_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need = (len + 2) / 3 * 4 + 1;

	if (need > cap || len > (size_t)INT32_MAX / 2)
		return -ENOSPC;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}
