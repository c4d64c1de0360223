#ifndef SW_HEX_SSE2_H
#define SW_HEX_SSE2_H

/*
 * One SSE2 step of hex decoding, for crypto/hex.c's sw_hex_decode() and the
 * lcore's fixed-size opaque / crand parse (dataplane/sa_verify.c), which
 * skips sw_hex_decode()'s call, checks and copy.  Include only where
 * __SSE2__ is defined.
 */

#include <emmintrin.h>

/*
 * The eight bytes that the sixteen hex digits in @p v stand for, packed in
 * order into the low half of *bytes; returns the mask of the lanes of @p v
 * that are hex digits (either case), 0xffff when all are.  Signed compares
 * make every byte >= 0x80 fail both ranges; OR 0x20 maps a byte into
 * 'a'..'f' only from that letter's two cases.
 */
static inline unsigned int
sw_hex_lanes(__m128i v, __m128i *bytes)
{
	const __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
	const __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
					  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
	const __m128i alp = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
					  _mm_cmplt_epi8(l, _mm_set1_epi8('f' + 1)));
	const __m128i n =
		_mm_or_si128(_mm_and_si128(dig, _mm_sub_epi8(v, _mm_set1_epi8('0'))),
			     _mm_and_si128(alp, _mm_sub_epi8(l, _mm_set1_epi8('a' - 10))));
	/* Each 16-bit lane holds a pair, high digit in its low byte. */
	const __m128i w = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(n, 4), _mm_set1_epi16(0x00f0)),
				       _mm_srli_epi16(n, 8));

	*bytes = _mm_packus_epi16(w, w);
	return (unsigned int)_mm_movemask_epi8(_mm_or_si128(dig, alp));
}

#endif /* SW_HEX_SSE2_H */
