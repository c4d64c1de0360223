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
static inline bool
has_crlf(const uint8_t *p, size_t n)
{
	const __m128i ctl = _mm_set1_epi8(0x0e);
	__m128i lo = _mm_set1_epi8((char)0xff), lo2 = lo;
	size_t i;

	if (n < 16)
		return memchr(p, '\r', n) != NULL || memchr(p, '\n', n) != NULL;
	/* Sixty-four bytes a step into two minima, so that the PMINUBs of a
	 * step do not wait for one another. */
	for (i = 0; i + 64 <= n; i += 64) {
		lo = _mm_min_epu8(lo, _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
		lo2 = _mm_min_epu8(lo2, _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16)));
		lo = _mm_min_epu8(lo, _mm_loadu_si128((const __m128i *)(const void *)(p + i + 32)));
		lo2 = _mm_min_epu8(lo2, _mm_loadu_si128((const __m128i *)(const void *)(p + i + 48)));
	}
	for (; i + 16 <= n; i += 16)
		lo = _mm_min_epu8(lo, _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
	if (i < n)
		lo2 = _mm_min_epu8(lo2, _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16)));
	lo = _mm_min_epu8(lo, lo2);
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
static inline bool
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
 * Where put_slack() may read a field as 32 bytes whatever its length: a
 * field that starts at base + [0, room) has 32 bytes of the header section
 * from its start, all inside the buffer the message was parsed from (an
 * object the caller owns and sw_sip_parse() read, unlike a page-boundary
 * trick).  The auth fields usually lie there too; those built elsewhere
 * (the server's own srand, a realm from the policy) are copied exactly.
 */
struct src_window {
	uintptr_t base;
	size_t room;
};

/*
 * A field and the "><" after it at d, with at least 34 bytes of room at d:
 * the usual field (up to 32 bytes, inside the header section) in two fixed
 * 16-byte moves instead of sw_copy_short()'s length tests, one or two per
 * field.  The bytes written past the "><" are scratch that the next field
 * writes over, or, after the last, bytes past the buffer's end.
 */
static inline __attribute__((always_inline)) uint8_t *
put_slack(uint8_t *d, struct sw_span f, struct src_window sw)
{
	if ((uintptr_t)f.p - sw.base < sw.room && f.len <= 32) {
		memcpy(d, f.p, 16);
		memcpy(d + 16, f.p + 16, 16);
	} else {
		sw_copy_short(d, f.p, f.len);
	}
	d += f.len;
	memcpy(d, "><", 2);
	return d + 2;
}

/* The fields that are not read straight from msg or auth. */
struct derived {
	struct sw_span call_id, id_sip, id_tel, expires;
};

/*
 * The common case in one pass: the length of the whole buffer is known up
 * front, so room is checked once and the fields are copied unchecked, each
 * "><" in one two-byte store; one scan of the result then looks for CR/LF.
 * The fields are written out one by one rather than through an array,
 * which would be stored and read again; build_careful() lists the same
 * fields in the same order.  A field with a fold returns false
 * with w->len unchanged (the bytes written are scratch), as does a buffer
 * without 32 bytes to spare after it (put_slack() writes that far): the
 * careful path then does it again.
 */
static bool
build_fast(struct sw_wbuf *w, const struct sw_sip_msg *msg, const struct sw_sigbuf_auth *a,
	   const struct derived *x)
{
	const bool v3 = a->version >= 3;
	struct src_window sw;
	size_t total, st_len = 0;
	uint8_t *d, *start;
	uint32_t v;

	if (w->overflow)
		return false;
	total = (size_t)a->scheme.len + a->rand.len + a->num.len + a->realm.len +
		a->targetname.len + x->call_id.len + msg->cseq_num_s.len + msg->cseq_method.len +
		msg->from_uri.len + msg->from_tag.len + msg->to_tag.len + x->expires.len + 2 * 12;
	if (v3)
		total += (size_t)msg->to_uri.len + x->id_sip.len + x->id_tel.len + 2 * 3;
	if (msg->status != 0) {
		/* Responses only; a request omits the field entirely. */
		for (v = msg->status; v != 0; v /= 10)
			st_len++;
		total += st_len + 2;
	}
	if (total + 32 > (size_t)(w->cap - w->len))
		return false;

	sw.base = (uintptr_t)msg->base;
	sw.room = msg->hdr_len >= 32 ? msg->hdr_len - 31 : 0;
	start = d = w->p + w->len;
	*d++ = '<';
	d = put_slack(d, a->scheme, sw);
	d = put_slack(d, a->rand, sw);
	d = put_slack(d, a->num, sw);
	d = put_slack(d, a->realm, sw);
	d = put_slack(d, a->targetname, sw);
	d = put_slack(d, x->call_id, sw);
	d = put_slack(d, msg->cseq_num_s, sw);
	d = put_slack(d, msg->cseq_method, sw);
	/* URI and tag of From and To: the parser recorded what
	 * sw_sip_addr_of() would find while it validated them. */
	d = put_slack(d, msg->from_uri, sw);
	d = put_slack(d, msg->from_tag, sw);
	if (v3) {
		d = put_slack(d, msg->to_uri, sw);
		d = put_slack(d, msg->to_tag, sw);
		d = put_slack(d, x->id_sip, sw);
		d = put_slack(d, x->id_tel, sw);
	} else {
		d = put_slack(d, msg->to_tag, sw);
	}
	/* The '<' after the last field opens the status code of a response;
	 * after a request's it is past the end. */
	d = put_slack(d, x->expires, sw);
	if (st_len != 0) {
		for (v = msg->status, d += st_len; v != 0; v /= 10)
			*--d = (uint8_t)('0' + v % 10);
		d[st_len] = '>';
	}
	/* '<' and '>' are neither CR nor LF: a hit is in a field, a fold. */
	if (has_crlf(start, total))
		return false;
	w->len += (uint32_t)total;
	return true;
}

/* Every field through the checked writer, unfolding where needed.  The
 * fields and their order are build_fast()'s (PROTOCOL.md §2);
 * test_sigbuf_field_lengths builds through both (slots with and without
 * 32 spare bytes) and compares the bytes. */
static __attribute__((noinline)) int
build_careful(struct sw_wbuf *w, const struct sw_sip_msg *msg, const struct sw_sigbuf_auth *a,
	      const struct derived *x)
{
	struct sw_span f[SIGBUF_FIELDS_MAX];
	unsigned int nf = 0, k;

	f[nf++] = a->scheme;
	f[nf++] = a->rand;
	f[nf++] = a->num;
	f[nf++] = a->realm;
	f[nf++] = a->targetname;
	f[nf++] = x->call_id;
	f[nf++] = msg->cseq_num_s;
	f[nf++] = msg->cseq_method;
	f[nf++] = msg->from_uri;
	f[nf++] = msg->from_tag;
	if (a->version >= 3) {
		f[nf++] = msg->to_uri;
		f[nf++] = msg->to_tag;
		f[nf++] = x->id_sip;
		f[nf++] = x->id_tel;
	} else {
		f[nf++] = msg->to_tag;
	}
	f[nf++] = x->expires;
	for (k = 0; k < nf; k++)
		put_field(w, f[k]);
	if (msg->status != 0) {
		sw_wbuf_put(w, "<", 1);
		sw_wbuf_put_u64(w, msg->status);
		sw_wbuf_put(w, ">", 1);
	}
	return sw_wbuf_ok(w) ? 0 : -ENOSPC;
}

int
sw_sigbuf_build(const struct sw_sip_msg *msg, const struct sw_sigbuf_auth *auth,
		struct sw_wbuf *w)
{
	struct derived x = {{NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}};

	if (auth->version < 2 || auth->version > 4)
		return -EINVAL;
	x.call_id = sw_sip_value(msg, SW_HDR_CALL_ID);
	x.expires = sw_sip_expires(msg);
	/* Without either identity header both URIs are empty: no call. */
	if (auth->version >= 3 && (msg->first[SW_HDR_P_ASSERTED_IDENTITY] != SW_HDR_NONE ||
				   msg->first[SW_HDR_P_PREFERRED_IDENTITY] != SW_HDR_NONE))
		sw_sip_identity_uris(msg, &x.id_sip, &x.id_tel);
	if (build_fast(w, msg, auth, &x))
		return 0;
	return build_careful(w, msg, auth, &x);
}
