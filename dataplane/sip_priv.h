#ifndef SW_SIP_PRIV_H
#define SW_SIP_PRIV_H

/*
 * Private to dataplane/sip_parse.c and sip_auth.c: scanners and name
 * compares both use.  The
 * SIMD ones are SSE2 (the x86-64 baseline, no -march needed) and compile to
 * nothing with SW_SIP_SCALAR_ONLY, which the unit tests build too.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
#include <emmintrin.h>
#endif

/*
 * Skip letters, digits, '-' and '.' (what names, tokens, hosts and most
 * parameter values are made of) from p[i]: SSE2 sixteen bytes at a time
 * while sixteen remain in [p, p+n).  Returns the first other byte's index;
 * every caller's class contains these bytes and goes on bytewise from
 * there, so the result is the same as its bytewise loop alone.  The
 * SW_SIP_SCALAR_ONLY build skips nothing here; the unit tests run both.
 */
static inline size_t
sw_sip_skip_alnum(const char *p, size_t i, size_t n)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	const __m128i fold = _mm_set1_epi8(0x20), bias = _mm_set1_epi8((char)0x80);
	const __m128i a = _mm_set1_epi8('a'), zero = _mm_set1_epi8('0');
	const __m128i lim26 = _mm_set1_epi8((char)(0x80 + 26));
	const __m128i lim10 = _mm_set1_epi8((char)(0x80 + 10));
	const __m128i dash = _mm_set1_epi8('-'), dot = _mm_set1_epi8('.');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* (x - lo) ^ 0x80 < 0x80 + span (signed): x in [lo, lo + span). */
		__m128i alpha = _mm_cmplt_epi8(
			_mm_xor_si128(_mm_sub_epi8(_mm_or_si128(v, fold), a), bias), lim26);
		__m128i digit = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, zero), bias), lim10);
		__m128i ok =
			_mm_or_si128(_mm_or_si128(alpha, digit),
				     _mm_or_si128(_mm_cmpeq_epi8(v, dash), _mm_cmpeq_epi8(v, dot)));
		unsigned int stop = ~(unsigned int)_mm_movemask_epi8(ok) & 0xffffu;

		if (stop != 0)
			return i + (size_t)__builtin_ctz(stop);
	}
#else
	(void)p;
	(void)n;
#endif
	return i;
}

/* Unaligned loads of 2, 8 and 4 bytes (memcpy: no type punning). */
static inline uint16_t
load16(const char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Case-insensitive compare of n token bytes with a lowercase literal.  OR-ing
 * 0x20 folds ASCII letters; no other token character maps onto a lowercase
 * letter or '-', so this is exact for token input.  Eight (or four) bytes at
 * a time; the last load overlaps the one before it, so nothing outside
 * [p, p+n) or [lit, lit+n) is read. */
static inline bool
name_is(const char *p, const char *lit, size_t n)
{
	const uint64_t fold = UINT64_C(0x2020202020202020);
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			if ((load64(p + i) | fold) != load64(lit + i))
				return false;
		}
		return (load64(p + n - 8) | fold) == load64(lit + n - 8);
	}
	if (n >= 4)
		return ((load32(p) | (uint32_t)fold) == load32(lit)) &&
		       ((load32(p + n - 4) | (uint32_t)fold) == load32(lit + n - 4));
	for (i = 0; i < n; i++) {
		if ((char)(p[i] | 0x20) != lit[i])
			return false;
	}
	return true;
}

#endif /* SW_SIP_PRIV_H */
