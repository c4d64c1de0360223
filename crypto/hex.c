/*
 * Hex for the response= / rspauth= parameters (PROTOCOL.md §1: any length,
 * case-insensitive).
 */

#include <errno.h>
#include <string.h>
#include "crypto/sig.h"
#include "crypto/wbuf.h"
#if defined(__SSE2__) && !defined(SW_HEX_SCALAR_ONLY)
#include "crypto/hex_sse2.h"
#endif

/* Digit value 0..15 of each byte, 0x80 for a byte that is not a hex digit
 * (either case). */
#define HEX_BAD 0x80u
/* clang-format off */
static const uint8_t hex_tab[256] = {
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
};
/* clang-format on */

/* Decode n pairs into out; returns the OR of every digit's table value, so
 * HEX_BAD is set if any byte was not a hex digit. */
static inline unsigned int
decode_pairs(const unsigned char *hex, size_t n, uint8_t *out)
{
	unsigned int bad = 0, hi, lo;
	size_t i;

	for (i = 0; i < n; i++) {
		hi = hex_tab[hex[2 * i]];
		lo = hex_tab[hex[2 * i + 1]];
		bad |= hi | lo;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return bad;
}

#if defined(__SSE2__) && !defined(SW_HEX_SCALAR_ONLY)
/* Sixteen digits at hex[0, 16) into eight bytes at out[0, 8); nonzero if any
 * of the sixteen is not a hex digit (out is then garbage).  SW_HEX_SCALAR_ONLY
 * builds the table loop alone; the hex tests run both. */
static inline unsigned int
decode16(const unsigned char *hex, uint8_t *out)
{
	__m128i b;
	unsigned int ok = sw_hex_lanes(_mm_loadu_si128((const __m128i *)(const void *)hex), &b);

	_mm_storel_epi64((__m128i *)(void *)out, b);
	return ok ^ 0xffffu;
}
#endif

/* Decode n pairs into out (see decode_pairs()), sixteen digits at a time
 * where SSE2 is built; nonzero if any byte was not a hex digit.  No load
 * reaches past hex[2n): a partial last step is the sixteen digits that end
 * there, overlapping the step before (the overlap decodes the same). */
static inline unsigned int
decode_span(const unsigned char *hex, size_t n, uint8_t *out)
{
#if defined(__SSE2__) && !defined(SW_HEX_SCALAR_ONLY)
	unsigned int bad = 0;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			bad |= decode16(hex + 2 * i, out + i);
		return bad | decode16(hex + 2 * (n - 8), out + n - 8);
	}
#endif
	return decode_pairs(hex, n, out) & HEX_BAD;
}

/* Largest output decoded in one pass through a stack buffer. */
#define HEX_ONE_PASS 64u

/* Case-insensitive; the input is checked completely before anything is written. */
int
sw_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap)
{
	const unsigned char *h = (const unsigned char *)hex;
	uint8_t tmp[HEX_ONE_PASS];
	unsigned int bad = 0;
	size_t i;

	if ((hex == NULL && len != 0) || (len & 1) != 0)
		return -EINVAL;
	if (len / 2 > cap || len / 2 > INT32_MAX)
		return -ENOSPC;
	if (len != 0 && out == NULL)
		return -EINVAL;
	if (len / 2 <= HEX_ONE_PASS) {
		/* Signatures: decode once into scratch, publish only if valid. */
		if (decode_span(h, len / 2, tmp) != 0)
			return -EINVAL;
		sw_copy_short(out, tmp, len / 2); /* no libc call for a signature */
		return (int)(len / 2);
	}
	/* Check every digit first so that a rejected input writes nothing. */
	for (i = 0; i < len; i++)
		bad |= hex_tab[h[i]];
	if (bad & HEX_BAD)
		return -EINVAL;
	decode_pairs(h, len / 2, out);
	return (int)(len / 2);
}

#if defined(__SSE2__) && !defined(SW_HEX_SCALAR_ONLY)
/*
 * The sixteen digits of the eight bytes at @p in: each byte split into its
 * high and low nibble, interleaved high first, then '0' + n, plus
 * @p alpha - '0' - 10 where n > 9.
 */
static inline void
encode8(const uint8_t *in, char alpha, char *out)
{
	const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)in);
	const __m128i lo = _mm_and_si128(b, _mm_set1_epi8(0x0f));
	const __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0x0f));
	const __m128i n = _mm_unpacklo_epi8(hi, lo);
	const __m128i a = _mm_and_si128(_mm_cmpgt_epi8(n, _mm_set1_epi8(9)),
					_mm_set1_epi8((char)(alpha - '0' - 10)));

	_mm_storeu_si128((__m128i *)(void *)out,
			 _mm_add_epi8(_mm_add_epi8(n, _mm_set1_epi8('0')), a));
}

/* encode8() for the sixteen bytes at @p in: 32 digits in two stores, for
 * a flow token's 27 bytes in two steps rather than four. */
static inline void
encode16(const uint8_t *in, char alpha, char *out)
{
	const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)in);
	const __m128i m = _mm_set1_epi8(0x0f), nine = _mm_set1_epi8(9);
	const __m128i zero = _mm_set1_epi8('0'), gap = _mm_set1_epi8((char)(alpha - '0' - 10));
	const __m128i lo = _mm_and_si128(b, m);
	const __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), m);
	const __m128i n0 = _mm_unpacklo_epi8(hi, lo), n1 = _mm_unpackhi_epi8(hi, lo);

	_mm_storeu_si128((__m128i *)(void *)out,
			 _mm_add_epi8(_mm_add_epi8(n0, zero),
				      _mm_and_si128(_mm_cmpgt_epi8(n0, nine), gap)));
	_mm_storeu_si128((__m128i *)(void *)(out + 16),
			 _mm_add_epi8(_mm_add_epi8(n1, zero),
				      _mm_and_si128(_mm_cmpgt_epi8(n1, nine), gap)));
}
#endif

/* A partial last SSE2 step is the sixteen (or eight) bytes that end at
 * in + n, rewriting digits already written with the same values. */
void
sw_hex_put(const uint8_t *in, size_t n, char *out, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t i;

#if defined(__SSE2__) && !defined(SW_HEX_SCALAR_ONLY)
	if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16)
			encode16(in + i, upper ? 'A' : 'a', out + 2 * i);
		encode16(in + n - 16, upper ? 'A' : 'a', out + 2 * (n - 16));
		return;
	}
	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			encode8(in + i, upper ? 'A' : 'a', out + 2 * i);
		encode8(in + n - 8, upper ? 'A' : 'a', out + 2 * (n - 8));
		return;
	}
#endif
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
}

/* Upper case, NUL-terminated, as pidgin-sipe writes response= (PROTOCOL.md §1). */
int
sw_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	if ((in == NULL && len != 0) || out == NULL)
		return -EINVAL;
	if (len > (size_t)INT32_MAX / 2 || cap < 2 * len + 1)
		return -ENOSPC;
	sw_hex_put(in, len, out, true);
	out[2 * len] = '\0';
	return (int)(2 * len);
}
