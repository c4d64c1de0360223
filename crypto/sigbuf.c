/*
 * The MS-SIPAE signed buffer ([MS-SIPAE] §3.2.5.1.2; PROTOCOL.md §2).
 *
 * Every field is taken byte for byte from the message.  The only rewriting is
 * of header folding (RFC 3261 §7.3.1): a CRLF followed by whitespace inside a
 * value is the same header to every SIP stack, so it must sign the same as
 * the unfolded form, or a proxy behind us could read a From that differs
 * from the one we verified.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(SW_SIGBUF_SCALAR_ONLY)
#include <emmintrin.h>
#endif

#include "crypto/sigbuf.h"

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Append @p v with every run of CR/LF plus following whitespace replaced by
 * a single space. */
static void
put_unfolded(struct sw_wbuf *w, struct sw_span v)
{
	const char *p = v.p, *end = v.p + v.len;

	while (p < end) {
		const char *cr = p;

		while (cr < end && *cr != '\r' && *cr != '\n')
			cr++;
		sw_wbuf_put(w, p, (size_t)(cr - p));
		if (cr == end)
			break;
		/* Drop trailing whitespace before the fold and the whitespace
		 * after it: "a \r\n\t b" is "a b". */
		while (w->len > 0 && !w->overflow && is_wsp((char)w->p[w->len - 1]))
			w->len--;
		p = cr;
		while (p < end && (*p == '\r' || *p == '\n' || is_wsp(*p)))
			p++;
		sw_wbuf_put(w, " ", 1);
	}
}

static void
put_field(struct sw_wbuf *w, struct sw_span v)
{
	sw_wbuf_put(w, "<", 1);
	if (v.len != 0 && (memchr(v.p, '\n', v.len) != NULL || memchr(v.p, '\r', v.len) != NULL))
		put_unfolded(w, v);
	else
		sw_wbuf_put(w, v.p, v.len);
	sw_wbuf_put(w, ">", 1);
}

unsigned int
sw_sigbuf_version(struct sw_span v)
{
	if (v.p == NULL)
		return 2; /* no version parameter: version 2 */
	if (v.len == 1 && v.p[0] >= '2' && v.p[0] <= '4')
		return (unsigned int)(v.p[0] - '0');
	return 0;
}


#if defined(__SSE2__) && !defined(SW_SIGBUF_SCALAR_ONLY)
/*
 * True if any of the n bytes at p is CR or LF.  One pass over the finished
 * buffer instead of one per field, keeping only the smallest byte seen
 * (one PMINUB per sixteen bytes, against two compares and two ORs for an
 * exact test): CR (0x0d) and LF (0x0a) are below 0x0e, and so is nothing
 * a signed value normally holds.  Only a buffer with such a byte (a TAB
 * kept inside a value, or a fold) is looked at again exactly.  A partial
 * last step is the sixteen bytes that end at p + n, so nothing outside
 * [p, p + n) is read.  SW_SIGBUF_SCALAR_ONLY builds the eight-byte twin
 * below; the sigbuf tests run both.
 */
static bool
has_crlf(const uint8_t *p, size_t n)
{
	const __m128i ctl = _mm_set1_epi8(0x0e);
	__m128i lo = _mm_set1_epi8((char)0xff);
	size_t i;

	if (n < 16)
		return memchr(p, '\r', n) != NULL || memchr(p, '\n', n) != NULL;
	for (i = 0; i + 32 <= n; i += 32) {
		lo = _mm_min_epu8(lo, _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
		lo = _mm_min_epu8(lo, _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16)));
	}
	if (i + 16 <= n) {
		lo = _mm_min_epu8(lo, _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
		i += 16;
	}
	if (i < n)
		lo = _mm_min_epu8(lo, _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16)));
	/* Every lane at least 0x0e: min(lane, 0x0e) is 0x0e everywhere. */
	if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(lo, ctl), ctl)) == 0xffff)
		return false;
	return memchr(p, '\r', n) != NULL || memchr(p, '\n', n) != NULL;
}
#else
/*
 * True if any of the n bytes at p is CR or LF.  One pass over the finished
 * buffer instead of one per field: eight bytes at a time, the classic
 * "has a byte below 0x0e" test (exact about existence, which is all that is
 * asked; HTAB and the other low controls are also below 0x0e, so a hit is
 * confirmed bytewise, and values with a TAB are rare).
 */
static bool
has_crlf(const uint8_t *p, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	uint64_t v, acc = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, sizeof(v));
		acc |= (v - ones * 0x0e) & ~v;
	}
	if (i < n && n >= 8) {
		memcpy(&v, p + n - 8, sizeof(v));
		acc |= (v - ones * 0x0e) & ~v;
	} else {
		for (; i < n; i++)
			acc |= (uint64_t)(p[i] < 0x0e) << 7;
	}
	if ((acc & (ones << 7)) == 0)
		return false;
	return memchr(p, '\r', n) != NULL || memchr(p, '\n', n) != NULL;
}
#endif

#define SIGBUF_FIELDS_MAX 15u

/*
 * The common case in one pass: the length of the whole buffer is known up
 * front, so room is checked once and the fields are copied unchecked; one
 * scan of the result then looks for CR/LF.  A field with a fold returns
 * false with w->len unchanged (the bytes after it are scratch), as does a
 * buffer that does not fit: the careful path then does it again.
 */
static bool
build_fast(struct sw_wbuf *w, const struct sw_span *f, unsigned int nf, const char *st,
	   size_t st_len)
{
	size_t total = st_len != 0 ? st_len + 2 : 0;
	unsigned int k;
	uint8_t *d;

	if (w->overflow)
		return false;
	for (k = 0; k < nf; k++)
		total += (size_t)f[k].len + 2;
	if (total > (size_t)(w->cap - w->len))
		return false;
	/* Each '>' and the next field's '<' in one two-byte store; the last
	 * '>' alone (the slot may end right after it).  nf is 12 or 15. */
	d = w->p + w->len;
	*d++ = '<';
	for (k = 0; k + 1 < nf; k++) {
		sw_copy_short(d, f[k].p, f[k].len);
		d += f[k].len;
		memcpy(d, "><", 2);
		d += 2;
	}
	sw_copy_short(d, f[k].p, f[k].len);
	d += f[k].len;
	*d = '>';
	if (st_len != 0) {
		memcpy(d, "><", 2);
		memcpy(d + 2, st, st_len);
		d[2 + st_len] = '>';
	}
	/* '<' and '>' are neither CR nor LF: a hit is in a field, a fold. */
	if (has_crlf(w->p + w->len, total))
		return false;
	w->len += (uint32_t)total;
	return true;
}

int
sw_sigbuf_build(const struct sw_sip_msg *msg, const struct sw_sigbuf_auth *auth,
		struct sw_wbuf *w)
{
	struct sw_span f[SIGBUF_FIELDS_MAX];
	char st[8];
	size_t st_len = 0;
	unsigned int nf = 0, k;
	uint32_t v;

	if (auth->version < 2 || auth->version > 4)
		return -EINVAL;

	f[nf++] = auth->scheme;
	f[nf++] = auth->rand;
	f[nf++] = auth->num;
	f[nf++] = auth->realm;
	f[nf++] = auth->targetname;
	f[nf++] = sw_sip_value(msg, SW_HDR_CALL_ID);
	f[nf++] = msg->cseq_num_s;
	f[nf++] = msg->cseq_method;
	/* URI and tag of From and To: the parser recorded what
	 * sw_sip_addr_of() would find while it validated them. */
	f[nf++] = msg->from_uri;
	f[nf++] = msg->from_tag;
	if (auth->version >= 3) {
		f[nf++] = msg->to_uri;
		f[nf++] = msg->to_tag;
		sw_sip_identity_uris(msg, &f[nf], &f[nf + 1]);
		nf += 2;
	} else {
		f[nf++] = msg->to_tag;
	}
	f[nf++] = sw_sip_expires(msg);
	if (msg->status != 0) {
		/* Responses only; a request omits the field entirely. */
		for (v = msg->status; v != 0; v /= 10)
			st_len++;
		for (v = msg->status, k = (unsigned int)st_len; k > 0; v /= 10)
			st[--k] = (char)('0' + v % 10);
	}
	if (build_fast(w, f, nf, st, st_len))
		return 0;

	for (k = 0; k < nf; k++)
		put_field(w, f[k]);
	if (msg->status != 0) {
		sw_wbuf_put(w, "<", 1);
		sw_wbuf_put_u64(w, msg->status);
		sw_wbuf_put(w, ">", 1);
	}
	return sw_wbuf_ok(w) ? 0 : -ENOSPC;
}
