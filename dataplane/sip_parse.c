/*
 * Zero-copy SIP message parser (RFC 3261 §7, §20, §25).  See sip_parse.h for
 * the contract.  Line endings are strict CRLF (RFC 3261 §7): a bare CR or LF
 * anywhere in the start line or header section is an error, as is a NUL.
 * The body is opaque and may hold any bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
#include <immintrin.h>
#endif

#include "dataplane/sip_parse.h"
#include "dataplane/sip_priv.h"

/*
 * Byte classes, one table lookup per byte in the hot loops.  C_TOKEN: RFC 3261
 * §25.1 token characters.  C_URI_STOP: bytes that end or spoil a URI inside
 * <...> of a From/To value: LWS, '<', '"' (not allowed in it) and '>' (its end).
 * C_PVCHAR: parameter value characters (token plus ':' '[' ']').
 */
#define C_TOKEN	   0x01u
#define C_URI_STOP 0x02u
#define C_PVCHAR   0x04u
#define C_HOST	   0x10u /* Via sent-by host: letters, digits, '-', '.', '_' */
#define C_LWS	   0x20u /* SP HTAB CR LF */
#define C_ELEM	   0x40u /* '"' '<' '>' ',': where splitting a list looks twice */
#define C_ADDR	   0x08u /* '"' '<' ';' ',': where From/To scanning stops */
#define C_WSP	   0x80u /* SP HTAB: one lookup where a fold is tested for */
/* clang-format off */
static const uint8_t cclass[256] = {
	['0' ... '9'] = C_TOKEN | C_PVCHAR | C_HOST, ['A' ... 'Z'] = C_TOKEN | C_PVCHAR | C_HOST,
	['a' ... 'z'] = C_TOKEN | C_PVCHAR | C_HOST,
	['-'] = C_TOKEN | C_PVCHAR | C_HOST, ['.'] = C_TOKEN | C_PVCHAR | C_HOST,
	['!'] = C_TOKEN | C_PVCHAR,
	['%'] = C_TOKEN | C_PVCHAR, ['*'] = C_TOKEN | C_PVCHAR, ['_'] = C_TOKEN | C_PVCHAR | C_HOST,
	['+'] = C_TOKEN | C_PVCHAR, ['`'] = C_TOKEN | C_PVCHAR, ['\''] = C_TOKEN | C_PVCHAR,
	['~'] = C_TOKEN | C_PVCHAR,
	[':'] = C_PVCHAR, ['['] = C_PVCHAR, [']'] = C_PVCHAR,
	[' '] = C_URI_STOP | C_LWS | C_WSP, ['\t'] = C_URI_STOP | C_LWS | C_WSP,
	['\r'] = C_URI_STOP | C_LWS, ['\n'] = C_URI_STOP | C_LWS,
	['<'] = C_URI_STOP | C_ADDR | C_ELEM, ['>'] = C_URI_STOP | C_ELEM,
	['"'] = C_URI_STOP | C_ADDR | C_ELEM, [';'] = C_ADDR, [','] = C_ADDR | C_ELEM,
};
/* clang-format on */

static const char *const rc_names[SW_SIP_RC_MAX] = {
#define X(id, name) [SW_SIP_##id] = name,
	SW_SIP_RESULTS(X)
#undef X
};

static const char *const hdr_names[SW_HDR_MAX] = {
#define X(id, name, compact) [SW_HDR_##id] = name,
	SW_SIP_HEADERS(X)
#undef X
};

const char *
sw_sip_rc_name(enum sw_sip_rc rc)
{
	if ((unsigned int)rc >= SW_SIP_RC_MAX)
		return "unknown";
	return rc_names[rc];
}

const char *
sw_sip_hdr_name(enum sw_hdr id)
{
	if ((unsigned int)id >= SW_HDR_MAX)
		return NULL;
	return hdr_names[id];
}

static inline bool
is_tchar(char c)
{
	return (cclass[(uint8_t)c] & C_TOKEN) != 0;
}

/*
 * Index of the first byte in p[i, n) without class bit @p cls, or n.  Four
 * bytes per loop trip with one bound check: these runs (names, parameter
 * values, hosts) are mostly under sixteen bytes, where a table lookup per
 * byte beats setting up an SSE2 compare.
 */
static inline size_t
skip_class(const char *p, size_t i, size_t n, uint8_t cls)
{
	for (; i + 4 <= n; i += 4) {
		if (!(cclass[(uint8_t)p[i]] & cls))
			return i;
		if (!(cclass[(uint8_t)p[i + 1]] & cls))
			return i + 1;
		if (!(cclass[(uint8_t)p[i + 2]] & cls))
			return i + 2;
		if (!(cclass[(uint8_t)p[i + 3]] & cls))
			return i + 3;
	}
	while (i < n && (cclass[(uint8_t)p[i]] & cls))
		i++;
	return i;
}

static inline bool
is_wsp(char c)
{
	return (cclass[(uint8_t)c] & C_WSP) != 0;
}

/* Inside a value span CR and LF only occur as part of a fold (the parser
 * guarantees it), so LWS there is simply any of SP HTAB CR LF. */
static inline bool
is_lws(char c)
{
	return (cclass[(uint8_t)c] & C_LWS) != 0;
}

static inline char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

static inline struct sw_span
mkspan(const char *p, size_t n)
{
	struct sw_span s = {p, (uint16_t)n};

	return s;
}

static inline struct sw_span
nospan(void)
{
	struct sw_span s = {NULL, 0};

	return s;
}

bool
sw_span_ieq(struct sw_span s, const char *str)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (str[i] == '\0' || lower(s.p[i]) != lower(str[i]))
			return false;
	}
	return str[i] == '\0';
}

bool
sw_span_eq(struct sw_span a, struct sw_span b)
{
	if (a.len != b.len)
		return false;
	return a.len == 0 || memcmp(a.p, b.p, a.len) == 0;
}

/* Header name -> id: switch on length, then on the first letter. */
static inline __attribute__((always_inline)) uint8_t
hdr_lookup_inl(const char *p, size_t n)
{
	char c = (char)(p[0] | 0x20);

	switch (n) {
	case 1:
		switch (c) {
		case 'i':
			return SW_HDR_CALL_ID;
		case 'f':
			return SW_HDR_FROM;
		case 't':
			return SW_HDR_TO;
		case 'v':
			return SW_HDR_VIA;
		case 'm':
			return SW_HDR_CONTACT;
		case 'l':
			return SW_HDR_CONTENT_LENGTH;
		case 'c':
			return SW_HDR_CONTENT_TYPE;
		case 'k':
			return SW_HDR_SUPPORTED;
		case 's':
			return SW_HDR_SUBJECT;
		case 'e':
			return SW_HDR_CONTENT_ENCODING;
		case 'o':
			return SW_HDR_EVENT;
		case 'u':
			return SW_HDR_ALLOW_EVENTS;
		case 'r':
			return SW_HDR_REFER_TO;
		case 'b':
			return SW_HDR_REFERRED_BY;
		case 'x':
			return SW_HDR_SESSION_EXPIRES;
		case 'y':
			return SW_HDR_IDENTITY;
		default:
			return SW_HDR_OTHER;
		}
	case 2:
		if (name_is(p, "to", 2))
			return SW_HDR_TO;
		break;
	case 3:
		if (name_is(p, "via", 3))
			return SW_HDR_VIA;
		break;
	case 4:
		if (c == 'f' && name_is(p, "from", 4))
			return SW_HDR_FROM;
		if (c == 'c' && name_is(p, "cseq", 4))
			return SW_HDR_CSEQ;
		break;
	case 5:
		if (c == 'r' && name_is(p, "route", 5))
			return SW_HDR_ROUTE;
		if (c == 'e' && name_is(p, "event", 5))
			return SW_HDR_EVENT;
		break;
	case 7:
		switch (c) {
		case 'c':
			if (name_is(p, "call-id", 7))
				return SW_HDR_CALL_ID;
			if (name_is(p, "contact", 7))
				return SW_HDR_CONTACT;
			break;
		case 'e':
			if (name_is(p, "expires", 7))
				return SW_HDR_EXPIRES;
			break;
		case 's':
			if (name_is(p, "subject", 7))
				return SW_HDR_SUBJECT;
			break;
		case 'r':
			if (name_is(p, "require", 7))
				return SW_HDR_REQUIRE;
			break;
		default:
			break;
		}
		break;
	case 8:
		if (c == 'i' && name_is(p, "identity", 8))
			return SW_HDR_IDENTITY;
		if (c == 'r' && name_is(p, "refer-to", 8))
			return SW_HDR_REFER_TO;
		break;
	case 9:
		if (name_is(p, "supported", 9))
			return SW_HDR_SUPPORTED;
		break;
	case 11:
		if (c == 'r' && name_is(p, "referred-by", 11))
			return SW_HDR_REFERRED_BY;
		if (c == 'r' && name_is(p, "retry-after", 11))
			return SW_HDR_RETRY_AFTER;
		break;
	case 12:
		switch (c) {
		case 'm':
			if (name_is(p, "max-forwards", 12))
				return SW_HDR_MAX_FORWARDS;
			break;
		case 'r':
			if (name_is(p, "record-route", 12))
				return SW_HDR_RECORD_ROUTE;
			break;
		case 'c':
			if (name_is(p, "content-type", 12))
				return SW_HDR_CONTENT_TYPE;
			break;
		case 'a':
			if (name_is(p, "allow-events", 12))
				return SW_HDR_ALLOW_EVENTS;
			break;
		default:
			break;
		}
		break;
	case 13:
		if (c == 'a' && name_is(p, "authorization", 13))
			return SW_HDR_AUTHORIZATION;
		if (c == 'p' && name_is(p, "proxy-require", 13))
			return SW_HDR_PROXY_REQUIRE;
		break;
	case 14:
		if (name_is(p, "content-length", 14))
			return SW_HDR_CONTENT_LENGTH;
		break;
	case 15:
		if (name_is(p, "session-expires", 15))
			return SW_HDR_SESSION_EXPIRES;
		break;
	case 16:
		if (c == 'w' && name_is(p, "www-authenticate", 16))
			return SW_HDR_WWW_AUTHENTICATE;
		if (c == 'c' && name_is(p, "content-encoding", 16))
			return SW_HDR_CONTENT_ENCODING;
		break;
	case 18:
		if (name_is(p, "proxy-authenticate", 18))
			return SW_HDR_PROXY_AUTHENTICATE;
		break;
	case 19:
		switch (c) {
		case 'p':
			if (name_is(p, "proxy-authorization", 19))
				return SW_HDR_PROXY_AUTHORIZATION;
			if (name_is(p, "p-asserted-identity", 19))
				return SW_HDR_P_ASSERTED_IDENTITY;
			break;
		case 'a':
			if (name_is(p, "authentication-info", 19))
				return SW_HDR_AUTHENTICATION_INFO;
			break;
		default:
			break;
		}
		break;
	case 20:
		if (name_is(p, "p-preferred-identity", 20))
			return SW_HDR_P_PREFERRED_IDENTITY;
		break;
	case 25:
		if (name_is(p, "proxy-authentication-info", 25))
			return SW_HDR_PROXY_AUTHENTICATION_INFO;
		break;
	default:
		break;
	}
	return SW_HDR_OTHER;
}

/*
 * hdr_lookup_inl() for parse_headers(): a function of its own, so that
 * headers_run()'s inline copy leaves the compiler's choices for
 * parse_headers() as they were (one call site: inlined there).  Without
 * the split gcc 12 inlines it differently there, and the SSE2 path costs
 * 2-3 % more instructions.
 */
static uint8_t
hdr_lookup(const char *p, size_t n)
{
	return hdr_lookup_inl(p, n);
}

/* p[0, len) is the lowercase name @p lit in any case, and ':' follows it
 * within avail bytes; then *out_len = len. */
#define HLIT(s) s, sizeof(s) - 1
static inline bool
hdr_at(const char *p, size_t avail, const char *lit, size_t len, size_t *out_len)
{
	if (len < avail && p[len] == ':' && name_is(p, lit, len)) {
		*out_len = len;
		return true;
	}
	return false;
}

/*
 * The header whose full name starts at p[0] and is followed by ':' at once
 * (*len set), else SW_HDR_OTHER: the usual lines, without the token scan.
 * OR 0x20 maps a byte onto a lowercase letter only from that letter's two
 * cases, and onto '-' only from '-' and CR; the caller rules out a CR (no
 * line end before the ':'), so a match is the token the scan would find.
 */
static uint8_t
known_hdr(const char *p, size_t avail, size_t *len)
{
	switch (p[0] | 0x20) {
	case 'c':
		if (hdr_at(p, avail, HLIT("cseq"), len))
			return SW_HDR_CSEQ;
		if (hdr_at(p, avail, HLIT("call-id"), len))
			return SW_HDR_CALL_ID;
		if (hdr_at(p, avail, HLIT("contact"), len))
			return SW_HDR_CONTACT;
		if (hdr_at(p, avail, HLIT("content-length"), len))
			return SW_HDR_CONTENT_LENGTH;
		if (hdr_at(p, avail, HLIT("content-type"), len))
			return SW_HDR_CONTENT_TYPE;
		break;
	case 'e':
		if (hdr_at(p, avail, HLIT("expires"), len))
			return SW_HDR_EXPIRES;
		if (hdr_at(p, avail, HLIT("event"), len))
			return SW_HDR_EVENT;
		break;
	case 'f':
		if (hdr_at(p, avail, HLIT("from"), len))
			return SW_HDR_FROM;
		break;
	case 'm':
		if (hdr_at(p, avail, HLIT("max-forwards"), len))
			return SW_HDR_MAX_FORWARDS;
		break;
	case 'p':
		if (hdr_at(p, avail, HLIT("proxy-authorization"), len))
			return SW_HDR_PROXY_AUTHORIZATION;
		if (hdr_at(p, avail, HLIT("p-asserted-identity"), len))
			return SW_HDR_P_ASSERTED_IDENTITY;
		if (hdr_at(p, avail, HLIT("p-preferred-identity"), len))
			return SW_HDR_P_PREFERRED_IDENTITY;
		break;
	case 'r':
		if (hdr_at(p, avail, HLIT("route"), len))
			return SW_HDR_ROUTE;
		if (hdr_at(p, avail, HLIT("record-route"), len))
			return SW_HDR_RECORD_ROUTE;
		break;
	case 's':
		if (hdr_at(p, avail, HLIT("supported"), len))
			return SW_HDR_SUPPORTED;
		break;
	case 't':
		if (hdr_at(p, avail, HLIT("to"), len))
			return SW_HDR_TO;
		break;
	case 'v':
		if (hdr_at(p, avail, HLIT("via"), len))
			return SW_HDR_VIA;
		break;
	default:
		break;
	}
	return SW_HDR_OTHER;
}

/*
 * Index of the first NUL, CR or LF in p[i, n), or n (n if i >= n): eight
 * bytes at a time (memcpy loads, no type punning), then bytewise.  Used by
 * ctl_next() for buffers shorter than its 64-byte window.
 */
static size_t
scan_special_scalar(const char *p, size_t i, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t highs = UINT64_C(0x8080808080808080);

	for (; i + 8 <= n; i += 8) {
		uint64_t v, cr, lf;

		memcpy(&v, p + i, sizeof(v));
		cr = v ^ (ones * '\r');
		lf = v ^ (ones * '\n');
		if ((((v - ones) & ~v) | ((cr - ones) & ~cr) | ((lf - ones) & ~lf)) & highs)
			break;
	}
	for (; i < n; i++) {
		char c = p[i];

		if (c == '\0' || c == '\r' || c == '\n')
			return i;
	}
	return n;
}

/*
 * Line ends: a mask of the bytes <= CR (NUL, CR and LF among them) in the
 * 64 bytes from where the search starts (the line's start), so that the end
 * of a usual line is one mask and one ctz away; longer lines take the next
 * 64 bytes, and the last window of the buffer is the 64 bytes that end at
 * len, the bytes before the search start masked off.  (Batches of aligned
 * block masks were tried: no faster, 10 % more instructions.)  SSE2
 * computes a mask in sixteen instructions; SW_SIP_SCALAR_ONLY (and any
 * target without SSE2) computes a superset of it eight bytes at a time (the
 * unit tests run both; every candidate's byte is checked, so a superset only
 * costs time).
 */
static inline uint64_t
ctl_mask64(const char *p)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	/* x <= CR exactly when x -sat CR is 0: unlike min(x, CR) == x this
	 * does not need x twice, so each vector is one load (no copy). */
	const __m128i cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128();
	__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	__m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	__m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	uint64_t m0 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(v0, cr), zero));
	uint64_t m1 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(v1, cr), zero));
	uint64_t m2 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(v2, cr), zero));
	uint64_t m3 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(v3, cr), zero));

	return m0 | m1 << 16 | m2 << 32 | m3 << 48;
#else
	/* Eight bytes at a time: (v - 0x0e..) & ~v flags every byte < 0x0e,
	 * and borrows can only add flags above a real one, which ctl_next()
	 * steps over like any other candidate.  The multiply gathers the eight
	 * flag bits into the top byte, in byte order. */
	const uint64_t ones = UINT64_C(0x0101010101010101);
	uint64_t m = 0, v, t;
	unsigned int k;

	for (k = 0; k < 8; k++) {
		memcpy(&v, p + 8 * k, sizeof(v));
		t = ((v - ones * 0x0e) & ~v & (ones << 7)) >> 7;
		m |= ((t * UINT64_C(0x0102040810204080)) >> 56) << (8 * k);
	}
	return m;
#endif
}

/* First NUL, CR or LF among the candidates of mask m (bit j: b[base + j]),
 * or lim if there is none before lim; SIZE_MAX if m runs out first. */
static inline size_t
ctl_first(const char *b, size_t base, uint64_t m, size_t lim)
{
	size_t k;

	for (; m != 0; m &= m - 1) {
		k = base + (size_t)__builtin_ctzll(m);
		if (k >= lim)
			return lim;
		if (b[k] == '\r' || b[k] == '\n' || b[k] == '\0')
			return k;
	}
	return SIZE_MAX;
}

/* Index of the first NUL, CR or LF in b[from, lim), or lim (lim <= len; from
 * may be past lim after a fold that ends at the line limit: then lim). */
static inline size_t
ctl_next(const char *b, size_t len, size_t from, size_t lim)
{
	size_t k, base;

	for (; from < lim && from + 64 <= len; from += 64) {
		k = ctl_first(b, from, ctl_mask64(b + from), lim);
		if (k != SIZE_MAX)
			return k;
	}
	if (from >= lim)
		return lim;
	if (len < 64)
		return scan_special_scalar(b, from, lim);
	base = len - 64;
	k = ctl_first(b, base, ctl_mask64(b + base) & (~UINT64_C(0) << (from - base)), lim);
	return k != SIZE_MAX ? k : lim;
}

/* Parse 1*DIGIT in [p, p+n); false if empty, not all digits or > max. */
static bool
parse_uint(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return false;
	if (n <= 9) {
		/* No overflow in nine digits, and the value only grows digit by
		 * digit: one test at the end decides as the loop below would. */
		for (i = 0; i < n; i++) {
			if ((uint8_t)(p[i] - '0') > 9)
				return false;
			v = v * 10 + (uint64_t)(p[i] - '0');
		}
		if (v > max)
			return false;
		*out = v;
		return true;
	}
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static size_t
skip_lws(const char *p, size_t i, size_t n)
{
	while (i < n && is_lws(p[i]))
		i++;
	return i;
}

static inline size_t
skip_token(const char *p, size_t i, size_t n)
{
	i = sw_sip_skip_alnum(p, i, n);
	return skip_class(p, i, n, C_TOKEN);
}

/* Index of the first '>' in p[i, n), or n. */
static inline size_t
find_gt(const char *p, size_t i, size_t n)
{
	const char *q;

	if (i >= n)
		return n;
	q = memchr(p + i, '>', n - i);
	return q == NULL ? n : (size_t)(q - p);
}

/*
 * Index of the first byte in p[i, n) with C_URI_STOP (LWS, '<', '>', '"'),
 * or n: SSE2 sixteen bytes at a time first (SW_SIP_SCALAR_ONLY builds the
 * bytewise loop alone; the unit tests run both).
 */
static inline size_t
scan_uri_stop(const char *p, size_t i, size_t n)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	const __m128i sp = _mm_set1_epi8(' '), ht = _mm_set1_epi8('\t');
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'), dq = _mm_set1_epi8('"');
	unsigned int mask;
	size_t at;

	/* The last (partial) block as the last sixteen bytes of the span
	 * with the ones before i masked off, as scan_elem() does: a URI's
	 * tail is then not bytewise. */
	while (i < n && n >= 16) {
		at = i + 16 <= n ? i : n - 16;
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + at));
		__m128i hit = _mm_or_si128(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, ht)),
				     _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf))),
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, gt)),
				     _mm_cmpeq_epi8(v, dq)));

		mask = (unsigned int)_mm_movemask_epi8(hit) & (0xffffu << (i - at));
		if (mask != 0)
			return at + (size_t)__builtin_ctz(mask);
		i = at + 16;
	}
#endif
	while (i < n && !(cclass[(uint8_t)p[i]] & C_URI_STOP))
		i++;
	return i;
}

/* p[i] is '"': index just past the closing quote, or 0 if unterminated
 * (quoted-pair escapes any byte, RFC 3261 §25.1). */
static size_t
quoted_end(const char *p, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\') {
			if (++i >= n)
				return 0;
		} else if (p[i] == '"') {
			return i + 1;
		}
	}
	return 0;
}

/*
 * quoted_end(p, 0, n) for a display name: when the first '"' or '\\' among
 * p[1, 17) is a '"', that is the closing quote (no quoted-pair before it),
 * found with one SSE2 compare instead of a loop; else quoted_end() reads it.
 */
static inline size_t
display_end(const char *p, size_t n)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	if (n >= 17) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		unsigned int m = (unsigned int)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

		if (m != 0 && p[1 + __builtin_ctz(m)] == '"')
			return (size_t)__builtin_ctz(m) + 2;
	}
#endif
	return quoted_end(p, 0, n);
}

/* Like quoted_end(), but an unterminated string runs to the end. */
static size_t
skip_quoted(const char *p, size_t i, size_t n)
{
	size_t e = quoted_end(p, i, n);

	return e == 0 ? n : e;
}

/* URI scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (RFC 3986). */
static bool
uri_scheme_ok(const char *p, size_t n)
{
	size_t i;
	char c;

	/* "sip:" in any case, the usual answer: OR 0x20 reaches 's', 'i' and
	 * 'p' only from their two cases, and ':' is compared exactly. */
	if (n >= 4 && (load32(p) | UINT32_C(0x00202020)) == load32("sip:"))
		return true;
	if (n < 2 || !((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z'))
		return false;
	for (i = 1; i < n; i++) {
		c = p[i];
		if (c == ':')
			return true;
		if (!(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '-' || c == '.'))
			return false;
	}
	return false;
}

/* A URI written in a header: a scheme, then no LWS, '<', '>' or '"'. */
static bool
uri_ok(const char *p, size_t n)
{
	size_t i;

	if (!uri_scheme_ok(p, n))
		return false;
	i = scan_uri_stop(p, 0, n);
	return i == n;
}

/*
 * The ;params after a From / To address (RFC 3261 §25.1 generic-param:
 * token [ "=" ( token / host / quoted-string ) ]): only those bytes, LWS and
 * quoted strings.  In particular no second '<...>', ',' or stray '"': a
 * next hop that reads the header differently (the last name-addr, a folded
 * continuation) must not see another identity than the signed one (issue 7).
 */
static bool
addr_params_ok(const char *p, size_t i, size_t n)
{
	while (i < n) {
		char c = p[i];

		if (c == '"') {
			i = quoted_end(p, i, n);
			if (i == 0)
				return false;
			continue;
		}
		if (!(is_tchar(c) || is_lws(c) || c == ';' || c == '=' || c == ':' || c == '[' ||
		      c == ']'))
			return false;
		i++;
	}
	return true;
}

/*
 * The SSE2 part of scan_elem() and scan_gt_dq(): the index of the first
 * byte in p[i, n) equal to a, b, c or d (repeat one for fewer), sixteen
 * bytes at a time, the last (partial) block as the last sixteen bytes of
 * the span with the ones before i masked off; or where the caller's
 * bytewise loop goes on (n once every byte was seen; i when n < 16, and
 * always in the SW_SIP_SCALAR_ONLY build, which the unit tests also run).
 * A hit stops that loop at once: its byte is in the caller's set too.
 */
static inline size_t
skip_to_any(const char *p, size_t i, size_t n, char a, char b, char c, char d)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	const __m128i ka = _mm_set1_epi8(a), kb = _mm_set1_epi8(b);
	const __m128i kc = _mm_set1_epi8(c), kd = _mm_set1_epi8(d);
	unsigned int mask;
	size_t at;
	__m128i v;

	while (i < n && n >= 16) {
		at = i + 16 <= n ? i : n - 16;
		v = _mm_loadu_si128((const __m128i *)(const void *)(p + at));
		mask = (unsigned int)_mm_movemask_epi8(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, ka), _mm_cmpeq_epi8(v, kb)),
				     _mm_or_si128(_mm_cmpeq_epi8(v, kc), _mm_cmpeq_epi8(v, kd))));
		mask &= 0xffffu << (i - at);
		if (mask != 0)
			return at + (size_t)__builtin_ctz(mask);
		i = at + 16;
	}
#else
	(void)p, (void)n, (void)a, (void)b, (void)c, (void)d;
#endif
	return i;
}

/* Index of the first byte in p[i, n) with C_ELEM ('"' '<' '>' ','), or n. */
static inline size_t
scan_elem(const char *p, size_t i, size_t n)
{
	i = skip_to_any(p, i, n, '"', '<', '>', ',');
	while (i < n && !(cclass[(uint8_t)p[i]] & C_ELEM))
		i++;
	return i;
}

/* Split one comma-separated element off v starting at *pos. */
static bool
next_elem(struct sw_span v, uint16_t *pos, struct sw_span *out)
{
	const char *p = v.p;
	size_t n = v.len, i = *pos, start, end;
	int angle = 0;

	while (i < n) {
		i = skip_lws(p, i, n);
		start = i;
		while (i < n) {
			char c = p[i];

			if (!(cclass[(uint8_t)c] & C_ELEM)) {
				/* The common case: not one of " < > , */
				i = scan_elem(p, i + 1, n);
				continue;
			}
			if (c == '"') {
				i = skip_quoted(p, i, n);
				continue;
			}
			if (c == '<')
				angle = 1;
			else if (c == '>')
				angle = 0;
			else if (c == ',' && angle == 0)
				break;
			i++;
		}
		end = i;
		while (end > start && is_lws(p[end - 1]))
			end--;
		if (i < n)
			i++; /* the comma */
		if (end > start) {
			*pos = (uint16_t)i;
			*out = mkspan(p + start, end - start);
			return true;
		}
	}
	*pos = (uint16_t)n;
	return false;
}

bool
sw_sip_next_value(const struct sw_sip_msg *msg, uint8_t *hdr_idx, uint16_t *pos,
		  struct sw_span *out)
{
	while (*hdr_idx != SW_HDR_NONE && *hdr_idx < msg->n_hdr) {
		if (next_elem(msg->hdr[*hdr_idx].value, pos, out))
			return true;
		*hdr_idx = msg->hdr[*hdr_idx].next;
		*pos = 0;
	}
	*hdr_idx = SW_HDR_NONE;
	return false;
}

struct sw_span
sw_sip_uri_of(struct sw_span value)
{
	const char *p = value.p;
	size_t n = value.len, i, j;

	for (i = 0; i < n; i++) {
		if (!(cclass[(uint8_t)p[i]] & C_ADDR))
			continue; /* not one of " < ; , */
		if (p[i] == '"') {
			i = skip_quoted(p, i, n) - 1;
		} else if (p[i] == '<') {
			j = find_gt(p, i + 1, n);
			if (j >= n)
				return nospan();
			return mkspan(p + i + 1, j - i - 1);
		} else if (p[i] == ';') {
			break;
		}
	}
	/* addr-spec: up to the first ';', surrounding LWS dropped. */
	j = skip_lws(p, 0, n);
	if (i > n)
		i = n;
	while (i > j && is_lws(p[i - 1]))
		i--;
	if (i == j)
		return nospan();
	return mkspan(p + j, i - j);
}

/* Offset where the header parameters of a value start (after '>' of a
 * name-addr, else at the first ';'), or n. */
static size_t
params_start(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(cclass[(uint8_t)p[i]] & C_ADDR))
			continue;
		if (p[i] == '"') {
			i = skip_quoted(p, i, n) - 1;
		} else if (p[i] == '<') {
			i = find_gt(p, i, n);
			return i < n ? i + 1 : n;
		} else if (p[i] == ';' || p[i] == ',') {
			return i;
		}
	}
	return n;
}

/* Result of next_param(). */
enum param_step {
	PARAM_END, /* no more parameters (end of value or ',') */
	PARAM_OK,  /* *name and *val set; *val has non-NULL p even when empty */
	PARAM_BAD, /* malformed parameter */
};

/* next_param() past its usual shapes: LWS, a quoted value, the end. */
static enum param_step
next_param_slow(const char *p, size_t *pi, size_t n, struct sw_span *name, struct sw_span *val)
{
	size_t i = *pi, ns, ne, vs, ve;

	i = skip_lws(p, i, n);
	if (i >= n || p[i] == ',')
		return PARAM_END;
	if (p[i] != ';')
		return PARAM_BAD;
	i = skip_lws(p, i + 1, n);
	ns = i;
	ne = skip_token(p, i, n);
	if (ne == ns)
		return PARAM_BAD;
	i = skip_lws(p, ne, n);
	vs = ve = ne;
	if (i < n && p[i] == '=') {
		i = skip_lws(p, i + 1, n);
		if (i < n && p[i] == '"') {
			ve = quoted_end(p, i, n);
			if (ve == 0)
				return PARAM_BAD;
			vs = i + 1;
			i = ve--;
		} else {
			vs = i;
			i = sw_sip_skip_alnum(p, i, n);
			i = skip_class(p, i, n, C_PVCHAR);
			ve = i;
			if (ve == vs)
				return PARAM_BAD;
		}
	} else {
		i = ne;
	}
	*name = mkspan(p + ns, ne - ns);
	*val = mkspan(p + vs, ve - vs);
	*pi = i;
	return PARAM_OK;
}

/*
 * next_param_slow() through locals of its own: the caller's position and
 * spans are not address-taken then, and stay in registers on the fast path
 * (they would otherwise live on the stack, stack protector and all).  What
 * it stores is what next_param_slow() stores: *pi always (unchanged unless
 * OK), the spans only on PARAM_OK.
 */
static inline enum param_step
next_param_slow_copy(const char *p, size_t *pi, size_t n, struct sw_span *name,
		     struct sw_span *val)
{
	size_t i = *pi;
	struct sw_span tn, tv;
	enum param_step st = next_param_slow(p, &i, n, &tn, &tv);

	*pi = i;
	if (st == PARAM_OK) {
		*name = tn;
		*val = tv;
	}
	return st;
}

/*
 * Next ";name[=value]" parameter from p[*i] (LWS allowed around ';' and '=',
 * RFC 3261 SEMI / EQUAL).  A quoted value is returned without its quotes.
 * Inline for the usual shapes, so that a caller's loop (Via's) keeps the
 * spans in registers; next_param_slow() has the rest.
 */
static inline __attribute__((always_inline)) enum param_step
next_param(const char *p, size_t *pi, size_t n, struct sw_span *name, struct sw_span *val)
{
	size_t i = *pi, ns, ne, vs, ve;

	/* The end of the value: what next_param_slow() finds there. */
	if (i >= n)
		return PARAM_END;
	/*
	 * The usual shape: ';' then the name with no LWS around it, and
	 * after '=' a value that starts with neither LWS nor a quote.  There
	 * the general path finds exactly this, so take it without its LWS
	 * skips.
	 */
	if (p[i] == ';') {
		ns = i + 1;
		ne = skip_class(p, ns, n, C_TOKEN);
		vs = ve = ne;
		if (ne != ns && ne < n && p[ne] == '=' && ne + 1 < n && !is_lws(p[ne + 1]) &&
		    p[ne + 1] != '"') {
			vs = ne + 1;
			ve = skip_class(p, sw_sip_skip_alnum(p, vs, n), n, C_PVCHAR);
			if (ve == vs)
				return PARAM_BAD;
		}
		if (ne != ns && (ne == n || (!is_lws(p[ne]) && (p[ne] != '=' || ve != vs)))) {
			*name = mkspan(p + ns, ne - ns);
			*val = mkspan(p + vs, ve - vs);
			*pi = ve;
			return PARAM_OK;
		}
	}
	return next_param_slow_copy(p, pi, n, name, val);
}

bool
sw_sip_param_of(struct sw_span value, const char *name, struct sw_span *out)
{
	size_t i = params_start(value.p, value.len);
	struct sw_span pn, pv;

	/* A malformed tail still yields the parameters seen before it. */
	while (next_param(value.p, &i, value.len, &pn, &pv) == PARAM_OK) {
		if (sw_span_ieq(pn, name)) {
			*out = pv;
			return true;
		}
	}
	return false;
}

/* ";tag=" among the parameters from p[i]; next_param() names are tokens, so
 * name_is() is exact.  Same result as sw_sip_param_of(value, "tag"). */
static struct sw_span
tag_from(const char *p, size_t i, size_t n)
{
	struct sw_span pn, pv;

	while (next_param(p, &i, n, &pn, &pv) == PARAM_OK) {
		if (pn.len == 3 && name_is(pn.p, "tag", 3))
			return pv;
	}
	return nospan();
}

/*
 * The ;params after a From / To address, read as tag_from() reads them:
 * *tag is the first ";tag=" before the first parameter next_param() does not
 * take.  True if next_param() took everything to the end: it consumes only
 * bytes addr_params_ok() allows, so that function would accept the tail
 * too; false if the caller must ask addr_params_ok().
 */
static bool
params_scan(const char *p, size_t i, size_t n, struct sw_span *tag)
{
	struct sw_span pn, pv;
	enum param_step st;

	*tag = nospan();
	while ((st = next_param(p, &i, n, &pn, &pv)) == PARAM_OK) {
		if (tag->p == NULL && pn.len == 3 && name_is(pn.p, "tag", 3))
			*tag = pv;
	}
	return st == PARAM_END && skip_lws(p, i, n) == n;
}

#if defined(__SSE2__) && defined(__x86_64__) && !defined(SW_SIP_SCALAR_ONLY) &&                 \
	!defined(SW_SIP_SSE2_ONLY)
#define SW_SIP_PARAMS_AVX2 1
#else
#define SW_SIP_PARAMS_AVX2 0
#endif

#if SW_SIP_PARAMS_AVX2
/* params_avx2()'s compare operands in memory: a broadcast costs two or
 * three instructions each, a memory operand none.  GCC folds loads from a
 * constant table back into broadcasts, so the table's address goes through
 * an empty asm, which hides its contents. */
enum {
	K_FOLD, K_A, K_BIAS, K_LIM26, K_ZERO, K_LIM10, K_DASH, K_DOT, K_SEMI, K_EQ,
	K_SP, K_TWO, K_GT, K_DQUOTE, K_BSLASH, K_N
};
#define K_ROW(c) { [0 ... 31] = (uint8_t)(c) }
static const uint8_t k_param[K_N][32] __attribute__((aligned(32))) = {
	[K_FOLD] = K_ROW(0x20), [K_A] = K_ROW('a'),	   [K_BIAS] = K_ROW(0x80),
	[K_LIM26] = K_ROW(0x80 + 26), [K_ZERO] = K_ROW('0'), [K_LIM10] = K_ROW(0x80 + 10),
	[K_DASH] = K_ROW('-'), [K_DOT] = K_ROW('.'),	   [K_SEMI] = K_ROW(';'),
	[K_EQ] = K_ROW('='), [K_SP] = K_ROW(' '), [K_TWO] = K_ROW(0x02), [K_GT] = K_ROW('>'),
	[K_DQUOTE] = K_ROW('"'), [K_BSLASH] = K_ROW('\\'),
};
#undef K_ROW

/* Row @p row of k_param, through the pointer k that the empty asm hid. */
#define kp(row) _mm256_load_si256((const __m256i *)(const void *)k[row])

/*
 * params_fast() for a tail p[s, n) of 1..32 bytes (n >= 32) from one AVX2
 * window, the last 32 bytes of the value: bit j of the masks is p[s + j].
 * It takes the tail only when every byte is a letter, digit, '-', '.', ';'
 * or '=' (sw_sip_skip_alnum()'s bytes and the two separators), the first
 * is ';', no ';' or '=' is followed by ';', '=' or the end (no empty name
 * or value) and the separator before each '=' is a ';' (one '=' a
 * parameter).  Then params_fast() reads the same names and values, and
 * *tag is its first ";tag".  Returns false, with nothing stored, for any
 * other tail: params_fast() goes on bytewise.  SSE2 windows cost as much
 * as the bytewise loop here; one 32-byte window is what makes it cheaper.
 */
__attribute__((target("avx2"))) static inline bool
params_avx2(const char *p, size_t s, size_t n, struct sw_span *tag)
{
	const uint8_t(*k)[32] = k_param;
	__asm__("" : "+r"(k));
	const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + n - 32));
	__m256i alpha = _mm256_cmpgt_epi8(
		kp(K_LIM26), _mm256_xor_si256(
				     _mm256_sub_epi8(_mm256_or_si256(v, kp(K_FOLD)), kp(K_A)),
				     kp(K_BIAS)));
	__m256i digit = _mm256_cmpgt_epi8(
		kp(K_LIM10), _mm256_xor_si256(_mm256_sub_epi8(v, kp(K_ZERO)), kp(K_BIAS)));
	__m256i word = _mm256_or_si256(_mm256_or_si256(alpha, digit),
				       _mm256_or_si256(_mm256_cmpeq_epi8(v, kp(K_DASH)),
						       _mm256_cmpeq_epi8(v, kp(K_DOT))));
	size_t len = n - s, sh = 32 - len, j, e;
	uint64_t end = UINT64_C(1) << len, all = end - 1, w, semi, eq, sep, m;
	struct sw_span t = nospan();

	w = (uint64_t)(uint32_t)_mm256_movemask_epi8(word) >> sh;
	semi = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, kp(K_SEMI))) >> sh;
	eq = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, kp(K_EQ))) >> sh;
	sep = semi | eq;
	if ((w | sep) != all || !(semi & 1) || ((sep << 1) & (sep | end)) != 0)
		return false;
	/* The separator after each '=': a carry from the bit above it runs
	 * through the bytes that are not separators and stops at the next
	 * one (each '=' is a separator, so no two runs meet).  It must not
	 * be another '=' (";a=b=c"). */
	if (((~sep + (eq << 1)) & sep & eq) != 0)
		return false;
	/* The first ";tag" followed by '=', ';' or the end: its letters
	 * folded, ';' exact; the value runs to the next ';'. */
	for (m = semi; m != 0; m &= m - 1) {
		j = (size_t)__builtin_ctzll(m);
		if (j + 4 > len || !(((sep | end) >> (j + 4)) & 1) ||
		    (load32(p + s + j) | UINT32_C(0x20202000)) != load32(";tag"))
			continue;
		if (j + 4 < len && p[s + j + 4] == '=') {
			m &= m - 1;
			e = m != 0 ? (size_t)__builtin_ctzll(m) : len;
			t = mkspan(p + s + j + 5, e - j - 5);
		} else {
			t = mkspan(p + s + j + 4, 0);
		}
		break;
	}
	*tag = t;
	return true;
}
#endif

/*
 * params_scan() for the usual shape, ";name" or ";name=value" with no LWS
 * and no quotes, in one bytewise pass.  Where that shape holds the two
 * read the same parameters (next_param() skips no LWS there, and a value
 * is the same pvchar run); anything else (LWS, a quote, ',', a bad byte)
 * makes it return false before it has stored anything, and the caller
 * asks params_scan(), which decides.
 */
static bool
params_fast(const char *p, size_t i, size_t n, struct sw_span *tag)
{
	struct sw_span t = nospan();
	size_t ns, ne, vs;

	while (i < n) {
		if (p[i] != ';')
			return false;
		ns = ++i;
		i = skip_class(p, i, n, C_TOKEN);
		ne = i;
		if (ne == ns)
			return false;
		vs = ne;
		if (i < n && p[i] == '=') {
			vs = ++i;
			i = skip_class(p, i, n, C_PVCHAR);
			if (i == vs)
				return false;
		}
		if (t.p == NULL && ne - ns == 3 && name_is(p + ns, "tag", 3))
			t = mkspan(p + vs, i - vs);
	}
	*tag = t;
	return true;
}

/*
 * From / To value (RFC 3261 §20.20, §20.39): name-addr or addr-spec followed
 * by ;params.  The display name may be a quoted string or tokens; like most
 * stacks (and RFC 4475 §3.1.1.6) no LWS is required before '<'.  On success
 * *uri and *tag are what sw_sip_addr_of() returns for @p v (the signed
 * buffer's fields), found in the same pass; tests check the two agree.
 */
static bool
name_addr_ok(struct sw_span v, struct sw_span *uri, struct sw_span *tag)
{
	const char *p = v.p;
	size_t n = v.len, i = 0, j, k;
	const char *q;

	if (n == 0)
		return false;
	if (p[0] == '"') {
		i = display_end(p, n);
		if (i == 0 || i >= n)
			return false;
		i = skip_lws(p, i, n);
		if (i >= n || p[i] != '<')
			return false;
	} else {
		for (j = 0; j < n; j++) {
			if (p[j] == '<' || !(is_tchar(p[j]) || is_lws(p[j])))
				break;
		}
		if (j < n && p[j] == '<') {
			i = j;
		} else {
			/* addr-spec: the URI runs to the first ';'. */
			q = memchr(p, ';', n);
			k = q == NULL ? n : (size_t)(q - p);
			j = k;
			while (j > 0 && is_lws(p[j - 1]))
				j--;
			if (!uri_ok(p, j))
				return false;
			*uri = mkspan(p, j);
			if (!params_fast(p, k, n, tag) && !params_scan(p, k, n, tag) &&
			    !addr_params_ok(p, k, n))
				return false;
			/* sw_sip_addr_of() takes its parameters from a ',' in the
			 * URI if there is one: there are none after it. */
			if (memchr(p, ',', k) != NULL)
				*tag = nospan();
			return true;
		}
	}
	/* p[i] == '<'.  One pass finds the '>' and checks the URI: any other
	 * stop byte before it would fail uri_ok() anyway. */
	j = scan_uri_stop(p, i + 1, n);
	if (j >= n || p[j] != '>' || !uri_scheme_ok(p + i + 1, j - i - 1))
		return false;
	*uri = mkspan(p + i + 1, j - i - 1);
	/* No parameters (most To values): what params_fast() finds. */
	if (j + 1 == n) {
		*tag = nospan();
		return true;
	}
#if SW_SIP_PARAMS_AVX2
	if (n - j - 1 <= 32 && n >= 32 && __builtin_cpu_supports("avx2") &&
	    params_avx2(p, j + 1, n, tag))
		return true;
#endif
	if (params_fast(p, j + 1, n, tag) || params_scan(p, j + 1, n, tag))
		return true;
	j = skip_lws(p, j + 1, n);
	return j == n || (p[j] == ';' && addr_params_ok(p, j, n));
}

#if SW_SIP_PARAMS_AVX2
/*
 * name_addr_ok() for its usual shapes, "<URI>" or a quoted display name,
 * LWS and "<URI>", each part within 32 bytes and followed by parameters,
 * from AVX2 windows: the header walk's AVX2 and AVX-512 instances call it
 * first, and name_addr_ok() for whatever it does not take.  @p end is the
 * end of the buffer: the 32 bytes after the first byte and after the '<'
 * must be in it.
 *
 * In a quoted display name the first '"' or '\\' after the opening quote
 * is the closing quote when it is a '"' (what display_end() finds).  The
 * candidates for scan_uri_stop()'s stop bytes are the bytes <= SP (SP HTAB
 * CR LF among them), '<', '>' ((x | 2) == '>' holds for those two alone)
 * and '"'; when the first candidate after the '<' is a '>', it is the first
 * stop byte too, so the URI is what name_addr_ok() finds.  Then the same
 * parameter steps (params_avx2() where it applies, else params_fast())
 * decide.  Anything else returns false with nothing stored, and
 * name_addr_ok() decides.  Not inlined: headers_run()'s loop keeps its
 * registers.
 */
__attribute__((target("avx2"), noinline)) static bool
name_addr_avx2(struct sw_span v, const char *end, struct sw_span *uri, struct sw_span *tag)
{
	const uint8_t(*k)[32] = k_param;
	__asm__("" : "+r"(k));
	const char *p = v.p;
	size_t n = v.len, i = 0, j;
	uint64_t m;
	__m256i w, cand;

	if (n < 2 || end - p < 33)
		return false;
	if (p[0] == '"') {
		w = _mm256_loadu_si256((const __m256i *)(const void *)(p + 1));
		m = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
			_mm256_cmpeq_epi8(w, kp(K_DQUOTE)), _mm256_cmpeq_epi8(w, kp(K_BSLASH))));
		if (n - 1 < 32)
			m &= (UINT64_C(1) << (n - 1)) - 1;
		if (m == 0)
			return false;
		i = 1 + (size_t)__builtin_ctzll(m);
		if (p[i] != '"')
			return false;
		i = skip_lws(p, i + 1, n);
		if (i >= n || p[i] != '<' || end - (p + i) < 33)
			return false;
	} else if (p[0] != '<') {
		return false;
	}
	w = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 1));
	cand = _mm256_or_si256(
		_mm256_or_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(w, kp(K_SP)), kp(K_SP)),
				_mm256_cmpeq_epi8(_mm256_or_si256(w, kp(K_TWO)), kp(K_GT))),
		_mm256_cmpeq_epi8(w, kp(K_DQUOTE)));
	/* Bit b: p[i + 1 + b], for the bytes of the value. */
	m = (uint64_t)(uint32_t)_mm256_movemask_epi8(cand);
	if (n - i - 1 < 32)
		m &= (UINT64_C(1) << (n - i - 1)) - 1;
	if (m == 0)
		return false;
	j = i + 1 + (size_t)__builtin_ctzll(m);
	if (p[j] != '>' || !uri_scheme_ok(p + i + 1, j - i - 1))
		return false;
	/* Each step stores *tag only where it returns true. */
	if (j + 1 == n)
		*tag = nospan();
	else if (!(n - j - 1 <= 32 && n >= 32 ? params_avx2(p, j + 1, n, tag)
					      : params_fast(p, j + 1, n, tag)))
		return false;
	*uri = mkspan(p + i + 1, j - i - 1);
	return true;
}
#endif

struct sw_span
sw_sip_tag_of(struct sw_span value)
{
	return tag_from(value.p, params_start(value.p, value.len), value.len);
}

void
sw_sip_addr_of(struct sw_span value, struct sw_span *uri, struct sw_span *tag)
{
	const char *p = value.p;
	size_t n = value.len, i, j, ps;

	/* One scan serves both: where the URI ends is where the parameters
	 * start (sw_sip_uri_of() and params_start() agree up to a ','). */
	for (i = 0; i < n; i++) {
		if (!(cclass[(uint8_t)p[i]] & C_ADDR))
			continue;
		if (p[i] == '"') {
			i = skip_quoted(p, i, n) - 1;
		} else if (p[i] == '<') {
			j = find_gt(p, i + 1, n);
			if (j >= n) {
				*uri = nospan();
				*tag = nospan();
				return;
			}
			*uri = mkspan(p + i + 1, j - i - 1);
			*tag = tag_from(p, j + 1, n);
			return;
		} else if (p[i] == ';') {
			break;
		} else {
			/* ',' before the URI: the two accessors part ways. */
			*uri = sw_sip_uri_of(value);
			*tag = sw_sip_tag_of(value);
			return;
		}
	}
	ps = i > n ? n : i;
	j = skip_lws(p, 0, n);
	i = ps;
	while (i > j && is_lws(p[i - 1]))
		i--;
	*uri = i == j ? nospan() : mkspan(p + j, i - j);
	*tag = tag_from(p, ps, n);
}

/*
 * One Via element (RFC 3261 §20.42): sent-protocol LWS sent-by *(SEMI param).
 * With @p to_comma the element may also end at a ',' (after LWS): then
 * [p, p+n) may be a whole header value and only its first element is read.
 */
static bool
via_parse(struct sw_span v, struct sw_sip_via *via, bool to_comma)
{
	const char *p = v.p;
	size_t n = v.len, i, s, e, at;
	uint64_t port = 0;
	struct sw_span sp, pn;
	uint8_t d;
	int part;

	memset(via, 0, sizeof(*via));
	i = 0;
	part = 0;
	/* "SIP/2.0/" without LWS, any case: the letters compare folded, the
	 * rest exactly (same as the token-by-token loop would find). */
	if (n >= 8 && (load64(p) | UINT64_C(0x0000000000202020)) == load64("sip/2.0/")) {
		/* The transport straight away: a short token ("UDP"), where a
		 * table lookup per byte is cheaper than skip_token()'s SSE2. */
		i = 8;
		if (i < n && is_lws(p[i]))
			i = skip_lws(p, i, n);
		s = i;
		e = skip_class(p, i, n, C_TOKEN);
		if (e == s)
			return false;
		via->transport = mkspan(p + s, e - s);
		i = e < n && is_lws(p[e]) ? skip_lws(p, e, n) : e;
		part = 3;
	}
	for (; part < 3; part++) {
		i = skip_lws(p, i, n);
		s = i;
		e = skip_token(p, i, n);
		if (e == s)
			return false;
		if (part == 0 && !sw_span_ieq(mkspan(p + s, e - s), "SIP"))
			return false;
		if (part == 1 && !sw_span_ieq(mkspan(p + s, e - s), "2.0"))
			return false;
		i = skip_lws(p, e, n);
		if (part < 2) {
			if (i >= n || p[i] != '/')
				return false;
			i++;
		} else {
			via->transport = mkspan(p + s, e - s);
		}
	}
	if (i == e) /* LWS required between transport and sent-by */
		return false;
	if (i < n && p[i] == '[') {
		s = ++i;
		while (i < n && (p[i] == ':' || p[i] == '.' ||
				 ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f') ||
				 (p[i] >= '0' && p[i] <= '9')))
			i++;
		if (i >= n || p[i] != ']' || i == s)
			return false;
		via->host = mkspan(p + s, i - s);
		i++;
	} else {
		s = i;
		i = sw_sip_skip_alnum(p, i, n);
		i = skip_class(p, i, n, C_HOST);
		if (i == s)
			return false;
		via->host = mkspan(p + s, i - s);
	}
	e = skip_lws(p, i, n);
	if (e < n && p[e] == ':') {
		s = skip_lws(p, e + 1, n);
		/* 1*DIGIT, 1..65535 (what parse_uint() decides): leading
		 * zeros, then at most five significant digits (six or more are
		 * >= 100000).  Value and length come from one pass: a longer
		 * run may wrap port (unsigned, defined), but its length refuses
		 * it before port is looked at. */
		for (i = s; i < n && p[i] == '0'; i++)
			;
		for (e = i; i < n && (d = (uint8_t)(p[i] - '0')) <= 9; i++)
			port = port * 10 + d;
		if (i == s || i - e > 5)
			return false;
		if (port > 65535 || port == 0)
			return false;
		via->port = (uint16_t)port;
	}
	/* One pass over the parameters: first occurrence of each wins.  The
	 * position goes through its own variable: taking i's address would
	 * keep i in memory through the host and port loops above. */
	at = i;
	for (;;) {
		enum param_step st = next_param(p, &at, n, &pn, &sp);

		if (st == PARAM_END)
			break;
		if (st == PARAM_BAD)
			return false;
		if (pn.len == 6 && via->branch.p == NULL && name_is(pn.p, "branch", 6)) {
			via->branch = sp;
		} else if (pn.len == 8 && via->received.p == NULL && name_is(pn.p, "received", 8)) {
			via->received = sp;
		} else if (pn.len == 5 && !via->has_rport && name_is(pn.p, "rport", 5)) {
			via->has_rport = true;
			if (sp.len != 0) {
				if (!parse_uint(sp.p, sp.len, 65535, &port))
					return false;
				via->rport = (uint16_t)port;
			}
		}
	}
	i = skip_lws(p, at, n);
	if (i < n && !(to_comma && p[i] == ','))
		return false; /* a ',' cannot occur inside one element; be safe */
	return true;
}

/*
 * via_parse(v, via, true) for the usual topmost Via, without its LWS skips
 * and token-by-token protocol: "SIP/2.0/" in any case, "UDP", "TCP" or
 * "TLS" and one SP, a host of letters, digits, '-', '.' or '_' (no IPv6
 * reference), an optional ":port" of one to five digits with no leading
 * zero and eight bytes of the value from it on, then parameters of next_param()'s inline shape (";name" or
 * ";name=value", no LWS, no quotes) up to the end of the value.  There
 * via_parse() reads the same bytes the same way (the port in 1..65535 is
 * what its loop accepts; the parameters are the same next_param() steps)
 * and stores the same.  ";branch=" and ";rport" are matched with word
 * compares: every request has them, and they spare a token scan.
 *
 * At the first thing of another shape (LWS, '[', ',', a quote, a leading
 * zero, anything an error) it returns false, maybe with fields stored; the
 * caller then runs via_parse(), which clears *via and decides.
 */
static bool
via_fast(const char *p, size_t n, struct sw_sip_via *via)
{
	/* Letters of ";branch=" folded, ';' and '=' exact. */
	const uint64_t branch_fold = UINT64_C(0x0020202020202000);
	const uint64_t lo4 = UINT64_C(0x0f0f0f0f0f0f0f0f), hi4 = UINT64_C(0xf0f0f0f0f0f0f0f0);
	enum { P_OTHER, P_BRANCH, P_RECEIVED, P_RPORT } kind;
	size_t i, s, ne, ve, k;
	uint64_t x, num;
	uint32_t t;

	if (n < 13 || (load64(p) | UINT64_C(0x0000000000202020)) != load64("sip/2.0/"))
		return false;
	t = load32(p + 8);
	if (t != load32("UDP ") && t != load32("TCP ") && t != load32("TLS "))
		return false;
	memset(via, 0, sizeof(*via));
	via->transport = mkspan(p + 8, 3);
	/* The host as via_parse() scans it; ':' and ';' are not C_HOST. */
	i = sw_sip_skip_alnum(p, 12, n);
	if (i < n && p[i] != ':' && p[i] != ';')
		i = skip_class(p, i, n, C_HOST);
	if (i == 12)
		return false;
	via->host = mkspan(p + 12, i - 12);
	if (i < n && p[i] == ':') {
		/* The port from one eight-byte load: the digits are the bytes
		 * before the first with a high nibble other than 3 or a low
		 * one above 9 (no carry crosses a byte); then the classic
		 * three multiply-and-add steps on the digits moved to the top
		 * (the bytes below are leading zeros).  One to five digits,
		 * the first not '0': 1..99999, and via_parse() reads the same
		 * number. */
		s = i + 1;
		if (n - s < 8)
			return false;
		x = load64(p + s);
		num = ((x & hi4) ^ UINT64_C(0x3030303030303030)) |
		      (((x & lo4) + UINT64_C(0x0606060606060606)) & hi4);
		k = num != 0 ? (size_t)__builtin_ctzll(num) / 8 : 8;
		if (k == 0 || k > 5 || p[s] == '0')
			return false;
		x = (x & lo4) << (8 * (8 - k));
		x = (x * 10 + (x >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
		x = (x * 100 + (x >> 16)) & UINT64_C(0x0000ffff0000ffff);
		x = (x * 10000 + (x >> 32)) & UINT64_C(0xffffffff);
		if (x > 65535)
			return false;
		via->port = (uint16_t)x;
		i = s + k;
	}
	while (i < n) {
		if (p[i] != ';')
			return false;
		if (n - i > 8 && (load64(p + i) | branch_fold) == load64(";branch=")) {
			ne = i + 7;
			kind = P_BRANCH;
		} else if (n - i >= 6 &&
			   (load32(p + i + 1) | UINT32_C(0x20202020)) == load32("rpor") &&
			   (p[i + 5] | 0x20) == 't' && (n - i == 6 || !is_tchar(p[i + 6]))) {
			ne = i + 6;
			kind = P_RPORT;
		} else {
			ne = skip_class(p, i + 1, n, C_TOKEN);
			if (ne == i + 1)
				return false;
			kind = ne - i == 7 && name_is(p + i + 1, "branch", 6)	  ? P_BRANCH
			       : ne - i == 9 && name_is(p + i + 1, "received", 8) ? P_RECEIVED
			       : ne - i == 6 && name_is(p + i + 1, "rport", 5)	  ? P_RPORT
										  : P_OTHER;
		}
		/* An empty value is {p + ne, 0}, as next_param() gives it. */
		s = ve = ne;
		if (ne < n && p[ne] == '=') {
			/* A value usually ends at the next ';' (not C_PVCHAR)
			 * or the end: no table scan from there. */
			s = ne + 1;
			ve = sw_sip_skip_alnum(p, s, n);
			if (ve < n && p[ve] != ';')
				ve = skip_class(p, ve, n, C_PVCHAR);
			if (ve == s)
				return false;
		}
		if (ve < n && p[ve] != ';')
			return false;
		/* What via_parse() keeps: the first of each. */
		if (kind == P_BRANCH && via->branch.p == NULL) {
			via->branch = mkspan(p + s, ve - s);
		} else if (kind == P_RECEIVED && via->received.p == NULL) {
			via->received = mkspan(p + s, ve - s);
		} else if (kind == P_RPORT && !via->has_rport) {
			via->has_rport = true;
			if (ve != s) {
				if (!parse_uint(p + s, ve - s, 65535, &num))
					return false;
				via->rport = (uint16_t)num;
			}
		}
		i = ve;
	}
	return true;
}

/* sw_sip_top_via() without the recorded result: what sw_sip_parse() runs
 * (inline there, the usual Via costs no call). */
static inline __attribute__((always_inline)) bool
top_via_parse(const struct sw_sip_msg *msg, struct sw_sip_via *via)
{
	uint8_t idx = msg->first[SW_HDR_VIA];
	uint16_t pos = 0;
	struct sw_span v;

	/*
	 * Fast path: parse the first element straight from the header value.
	 * If that succeeds, the element ended at the end or at a ',' that
	 * sw_sip_next_value() would split at too (the Via grammar admits no
	 * '<' and treats quoted strings as it does), so the result is the
	 * same.  Anything else (a leading empty element, an error) takes the
	 * general path, which decides.
	 */
	if (idx != SW_HDR_NONE && idx < msg->n_hdr &&
	    (via_fast(msg->hdr[idx].value.p, msg->hdr[idx].value.len, via) ||
	     via_parse(msg->hdr[idx].value, via, true)))
		return true;
	if (!sw_sip_next_value(msg, &idx, &pos, &v))
		return false;
	return via_parse(v, via, false);
}

bool
sw_sip_top_via(const struct sw_sip_msg *msg, struct sw_sip_via *via)
{
	if (msg->top_via_ok) {
		*via = msg->top_via;
		return true;
	}
	return top_via_parse(msg, via);
}

int
sw_sip_max_forwards(const struct sw_sip_msg *msg)
{
	struct sw_span v = sw_sip_value(msg, SW_HDR_MAX_FORWARDS);
	uint64_t mf;

	if (msg->first[SW_HDR_MAX_FORWARDS] == SW_HDR_NONE || !parse_uint(v.p, v.len, 255, &mf))
		return -1;
	return (int)mf;
}

/*
 * The scheme choice of sw_sip_identity_uris() for one URI: the first
 * sip:/sips: and the first tel: are kept.  Scheme tests fold only the
 * letters (OR 0x20 reaches 's', 'i', 'p', 't', 'e', 'l' only from their two
 * cases): the same as sw_span_ieq(), a word at a time.  True once both are
 * set, when the walk stops.
 */
static inline bool
identity_take(struct sw_span u, struct sw_span *sip_uri, struct sw_span *tel_uri)
{
	uint32_t w;

	if (u.len < 4)
		return false;
	w = load32(u.p);
	if (sip_uri->p == NULL &&
	    ((w | UINT32_C(0x00202020)) == load32("sip:") ||
	     (u.len >= 5 && (w | UINT32_C(0x20202020)) == load32("sips") && u.p[4] == ':')))
		*sip_uri = u;
	else if (tel_uri->p == NULL && (w | UINT32_C(0x00202020)) == load32("tel:"))
		*tel_uri = u;
	return sip_uri->p != NULL && tel_uri->p != NULL;
}

/* Index of the first '>' or '"' in p[i, n), or n. */
static inline size_t
scan_gt_dq(const char *p, size_t i, size_t n)
{
	i = skip_to_any(p, i, n, '"', '>', '"', '>');
	while (i < n && p[i] != '>' && p[i] != '"')
		i++;
	return i;
}

/*
 * sw_sip_identity_uris() for the usual identity line, "<uri>, <uri>": each
 * element '<' (after LWS), the URI up to the first '>' with no '"' before
 * it, then LWS and ',' or the end of the value.  There sw_sip_next_value()
 * ends the element right after the '>' (no quoted string to skip; a '<' or
 * ',' inside the brackets neither closes them nor splits) and
 * sw_sip_uri_of() returns the bytes between the brackets, so the walk
 * takes the same URIs; one scan per element finds them instead of the
 * walk's three.  True when the result is final: both URIs found, or the
 * line read to its end and no other line of the header follows.  On false
 * the caller walks from the start (identity_walk() clears both first).
 */
static bool
identity_fast(const struct sw_sip_msg *msg, uint8_t idx, struct sw_span *sip_uri,
	      struct sw_span *tel_uri)
{
	const char *p;
	size_t n, i, j;

	if (idx == SW_HDR_NONE || idx >= msg->n_hdr)
		return false;
	p = msg->hdr[idx].value.p;
	n = msg->hdr[idx].value.len;
	i = 0;
	for (;;) {
		if (i >= n || p[i] != '<')
			return false;
		j = scan_gt_dq(p, i + 1, n);
		if (j >= n || p[j] != '>')
			return false;
		if (identity_take(mkspan(p + i + 1, j - i - 1), sip_uri, tel_uri))
			return true;
		i = skip_lws(p, j + 1, n);
		if (i >= n)
			return msg->hdr[idx].next == SW_HDR_NONE;
		if (p[i] != ',')
			return false;
		i = skip_lws(p, i + 1, n);
	}
}

/* The general walk of sw_sip_identity_uris() over every value of the lines
 * from @p idx on; out of line, so that the usual case (identity_fast())
 * runs without its frame. */
static __attribute__((noinline)) void
identity_walk(const struct sw_sip_msg *msg, uint8_t idx, struct sw_span *sip_uri,
	      struct sw_span *tel_uri)
{
	uint16_t pos = 0;
	struct sw_span v;

	*sip_uri = nospan();
	*tel_uri = nospan();
	while (sw_sip_next_value(msg, &idx, &pos, &v)) {
		if (identity_take(sw_sip_uri_of(v), sip_uri, tel_uri))
			break;
	}
}

void
sw_sip_identity_uris(const struct sw_sip_msg *msg, struct sw_span *sip_uri, struct sw_span *tel_uri)
{
	enum sw_hdr h = SW_HDR_P_ASSERTED_IDENTITY;
	uint8_t idx;

	*sip_uri = nospan();
	*tel_uri = nospan();
	if (msg->first[h] == SW_HDR_NONE)
		h = SW_HDR_P_PREFERRED_IDENTITY;
	idx = msg->first[h];
	if (!identity_fast(msg, idx, sip_uri, tel_uri))
		identity_walk(msg, idx, sip_uri, tel_uri);
}

/* Parser state: kept in one struct so helpers can set the error. */
struct pstate {
	const char *buf;
	size_t len;
	struct sw_sip_msg *msg;
};

static inline enum sw_sip_rc
fail(struct pstate *st, enum sw_sip_rc rc, size_t off)
{
	st->msg->err_off = (uint32_t)off;
	return rc;
}

static inline size_t
off_of(const struct pstate *st, const char *p)
{
	return (size_t)(p - st->buf);
}

/* Version token "SIP/2.0" (case-insensitive, RFC 3261 §7.1). */
static enum sw_sip_rc
check_version(const char *p, size_t n, enum sw_sip_rc bad)
{
	size_t i;

	/* Arbitrary bytes here, so fold only the letters: OR 0x20 maps a byte
	 * onto 's', 'i' or 'p' only from that letter's two cases. */
	if (n == 7 && (load32(p) | UINT32_C(0x00202020)) == load32("sip/") &&
	    load32(p + 3) == load32("/2.0"))
		return SW_SIP_OK;
	/* Something shaped like SIP/x.y is another version; the rest is junk. */
	if (n < 7 || !sw_span_ieq(mkspan(p, 4), "SIP/"))
		return bad;
	for (i = 4; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		;
	if (i == 4 || i >= n || p[i] != '.')
		return bad;
	for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		;
	return i == n && p[n - 1] != '.' ? SW_SIP_EVERSION : bad;
}

/* End of the start line at p[i]: CR LF.  Returns the offset past LF. */
static enum sw_sip_rc
expect_crlf(struct pstate *st, size_t i, enum sw_sip_rc bad, size_t *next)
{
	if (i >= st->len)
		return fail(st, SW_SIP_ETRUNC, st->len);
	if (st->buf[i] != '\r')
		return fail(st, bad, i);
	if (i + 1 >= st->len)
		return fail(st, SW_SIP_ETRUNC, st->len);
	if (st->buf[i + 1] != '\n')
		return fail(st, bad, i);
	*next = i + 2;
	return SW_SIP_OK;
}

#define VERSION_SCAN_MAX 32u

/*
 * Request-URI bytes (visible ASCII except '<' '>' '"') from b[i] while
 * sixteen remain before lim: SSE2, then the caller's bytewise loop decides
 * (SW_SIP_SCALAR_ONLY skips nothing here; the unit tests run both).
 */
static inline size_t
scan_ruri(const char *b, size_t i, size_t lim)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	const __m128i sp1 = _mm_set1_epi8(0x21), del = _mm_set1_epi8(0x7f);
	const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'), dq = _mm_set1_epi8('"');

	for (; i + 16 <= lim; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		/* Signed: v < 0x21 is also every byte >= 0x80. */
		__m128i bad = _mm_or_si128(
			_mm_or_si128(_mm_cmpgt_epi8(sp1, v), _mm_cmpeq_epi8(v, del)),
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, gt)),
				     _mm_cmpeq_epi8(v, dq)));
		unsigned int mask = (unsigned int)_mm_movemask_epi8(bad);

		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
	}
#else
	(void)b;
	(void)lim;
#endif
	return i;
}

static enum sw_sip_rc
parse_status_line(struct pstate *st, size_t vend, size_t *next)
{
	const char *b = st->buf;
	size_t i, s, lim;
	enum sw_sip_rc rc;

	rc = check_version(b, vend, SW_SIP_ESTATUSLINE);
	if (rc != SW_SIP_OK)
		return fail(st, rc, 0);
	i = vend;
	if (b[i] != ' ')
		return fail(st, SW_SIP_ESTATUSLINE, i);
	s = ++i;
	for (; i < st->len && i < s + 3; i++) {
		if (b[i] < '0' || b[i] > '9')
			return fail(st, SW_SIP_ESTATUSLINE, i);
	}
	if (i < s + 3)
		return fail(st, SW_SIP_ETRUNC, st->len);
	st->msg->status = (uint16_t)((b[s] - '0') * 100 + (b[s + 1] - '0') * 10 + (b[s + 2] - '0'));
	if (st->msg->status < 100)
		return fail(st, SW_SIP_ESTATUSLINE, s);
	if (i >= st->len)
		return fail(st, SW_SIP_ETRUNC, st->len);
	if (b[i] == ' ') {
		/* Reason-Phrase: anything but CTLs (HTAB and UTF-8 allowed). */
		s = ++i;
		lim = st->len < s + SW_SIP_LINE_MAX ? st->len : s + SW_SIP_LINE_MAX;
		while (i < lim && b[i] != '\r' && ((uint8_t)b[i] >= 0x20 || b[i] == '\t') &&
		       b[i] != 0x7f)
			i++;
		if (i == lim && lim < st->len)
			return fail(st, SW_SIP_ESTATUSLINE, i);
		st->msg->reason = mkspan(b + s, i - s);
	}
	/* Lenient: "SIP/2.0 100\r\n" without the SP is accepted too. */
	return expect_crlf(st, i, SW_SIP_ESTATUSLINE, next);
}

/*
 * Offset of the first '?' after the first '@' of the Request-URI b[s, e)
 * (anywhere in it without an '@'), or 0 if none (s > 0: a method comes
 * first).  Up to 32 bytes with 32 in the buffer (the usual URI) the two
 * memchr() calls are one SSE2 mask each for '@' and '?', the '?' bits
 * before the first '@' dropped.
 */
static inline size_t
ruri_query_at(const char *b, size_t s, size_t e, size_t len)
{
	const char *q;
	size_t at;

#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	if (e - s <= 32 && s + 32 <= len) {
		const __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(b + s));
		const __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(b + s + 16));
		const __m128i ca = _mm_set1_epi8('@'), cq = _mm_set1_epi8('?');
		uint32_t keep = e - s == 32 ? UINT32_MAX : (UINT32_C(1) << (e - s)) - 1;
		uint32_t ma = ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, ca)) |
			       (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, ca)) << 16) &
			      keep;
		uint32_t mq = ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, cq)) |
			       (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, cq)) << 16) &
			      keep;

		if (ma != 0)
			mq &= ~((ma & (0u - ma)) - 1);
		return mq != 0 ? s + (size_t)__builtin_ctz(mq) : 0;
	}
#else
	(void)len;
#endif
	q = memchr(b + s, '@', e - s);
	at = q == NULL ? s : (size_t)(q - b);
	q = memchr(b + at, '?', e - at);
	return q == NULL ? 0 : (size_t)(q - b);
}

static enum sw_sip_rc
parse_request_line(struct pstate *st, size_t mend, size_t *next)
{
	const char *b = st->buf;
	size_t i = mend, s, e, lim;
	enum sw_sip_rc rc;

	if (mend == 0)
		return fail(st, SW_SIP_EREQLINE, 0);
	if (b[i] != ' ')
		return fail(st, SW_SIP_EREQLINE, i);
	st->msg->method = mkspan(b, mend);

	/* Request-URI: visible ASCII except '<' '>' '"' (RFC 3261 §25.1). */
	s = ++i;
	lim = st->len < s + SW_SIP_RURI_MAX + 1 ? st->len : s + SW_SIP_RURI_MAX + 1;
	i = scan_ruri(b, i, lim);
	while (i < lim && (uint8_t)b[i] > 0x20 && (uint8_t)b[i] < 0x7f && b[i] != '<' &&
	       b[i] != '>' && b[i] != '"')
		i++;
	if (i - s > SW_SIP_RURI_MAX)
		return fail(st, SW_SIP_EREQLINE, s + SW_SIP_RURI_MAX);
	if (i >= st->len)
		return fail(st, SW_SIP_ETRUNC, st->len);
	if (b[i] != ' ' || i == s || !uri_scheme_ok(b + s, i - s))
		return fail(st, SW_SIP_EREQLINE, i == s || b[i] != ' ' ? i : s);
	st->msg->ruri = mkspan(b + s, i - s);
	/* sip:/sips: Request-URIs must not carry ?headers (RFC 3261 §19.1.5,
	 * RFC 4475 §3.1.2.11); '?' may appear in the userinfo, so look after '@'. */
	if ((i - s > 4 && name_is(b + s, "sip:", 4)) || (i - s > 5 && name_is(b + s, "sips:", 5))) {
		size_t qa = ruri_query_at(b, s, i, st->len);

		if (qa != 0)
			return fail(st, SW_SIP_EREQLINE, qa);
	}

	s = ++i;
	/* The usual "SIP/2.0" CR LF: check_version() accepts these seven
	 * bytes (the same folded compares) and expect_crlf() the line end. */
	if (s + 9 <= st->len && (load64(b + s) | UINT64_C(0x202020)) == load64("sip/2.0\r") &&
	    b[s + 8] == '\n') {
		*next = s + 9;
		return SW_SIP_OK;
	}
	if (s + 8 <= st->len && (load64(b + s) | UINT64_C(0x202020)) == load64("sip/2.0\r"))
		e = s + 7; /* where the loop below stops, in one compare */
	else
		for (e = s; e < st->len && e < s + VERSION_SCAN_MAX && b[e] != '\r' &&
			    b[e] != ' ' && b[e] != '\n';
		     e++)
			;
	if (e >= st->len)
		return fail(st, SW_SIP_ETRUNC, st->len);
	rc = check_version(b + s, e - s, SW_SIP_EREQLINE);
	if (rc != SW_SIP_OK)
		return fail(st, rc, s);
	return expect_crlf(st, e, SW_SIP_EREQLINE, next);
}

/* Validate the value of a header the engine interprets.  @p avx (a constant
 * in each caller): the CPU has AVX2, so name_addr_avx2() may go first. */
static inline __attribute__((always_inline)) enum sw_sip_rc
check_value_inl(struct pstate *st, uint8_t id, struct sw_span v, uint64_t *clen, bool avx)
{
	struct sw_sip_msg *msg = st->msg;
	size_t off = off_of(st, v.p), i, s, n = v.len;
	uint64_t num;

	(void)avx; /* no AVX2 instance */
	switch (id) {
	case SW_HDR_CSEQ:
		/* CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16). */
		for (i = 0; i < n && v.p[i] >= '0' && v.p[i] <= '9'; i++)
			;
		if (!parse_uint(v.p, i, INT32_MAX, &num) || i >= n || !is_lws(v.p[i]))
			return fail(st, SW_SIP_ECSEQ, off);
		msg->cseq_num = (uint32_t)num;
		msg->cseq_num_s = mkspan(v.p, i);
		s = skip_lws(v.p, i, n);
		i = skip_token(v.p, s, n);
		if (i == s || i != n)
			return fail(st, SW_SIP_ECSEQ, off);
		msg->cseq_method = mkspan(v.p + s, i - s);
		break;
	case SW_HDR_MAX_FORWARDS:
		if (!parse_uint(v.p, n, 255, &num))
			return fail(st, SW_SIP_EMAXFWD, off);
		break;
	case SW_HDR_EXPIRES:
		if (!parse_uint(v.p, n, UINT32_MAX, &num))
			return fail(st, SW_SIP_EEXPIRES, off);
		break;
	case SW_HDR_CONTENT_LENGTH:
		if (!parse_uint(v.p, n, SW_SIP_MSG_MAX, clen))
			return fail(st, SW_SIP_ECLEN, off);
		break;
	case SW_HDR_FROM:
#if SW_SIP_PARAMS_AVX2
		if (avx && name_addr_avx2(v, st->buf + st->len, &msg->from_uri, &msg->from_tag))
			break;
#endif
		if (!name_addr_ok(v, &msg->from_uri, &msg->from_tag))
			return fail(st, SW_SIP_EADDR, off);
		break;
	case SW_HDR_TO:
#if SW_SIP_PARAMS_AVX2
		if (avx && name_addr_avx2(v, st->buf + st->len, &msg->to_uri, &msg->to_tag))
			break;
#endif
		if (!name_addr_ok(v, &msg->to_uri, &msg->to_tag))
			return fail(st, SW_SIP_EADDR, off);
		break;
	default:
		break;
	}
	return SW_SIP_OK;
}

/* check_value_inl() for parse_headers(); see hdr_lookup(). */
static enum sw_sip_rc
check_value(struct pstate *st, uint8_t id, struct sw_span v, uint64_t *clen)
{
	return check_value_inl(st, id, v, clen, false);
}

#define HDR_BIT(id) (UINT64_C(1) << SW_HDR_##id)
_Static_assert(SW_HDR_MAX <= 64, "header id bit sets are one uint64_t");

/* Signed single-instance headers: a repeat is SW_SIP_EDUP. */
static const uint64_t single_set = HDR_BIT(FROM) | HDR_BIT(TO) | HDR_BIT(CALL_ID) | HDR_BIT(CSEQ) |
				   HDR_BIT(EXPIRES) | HDR_BIT(MAX_FORWARDS) |
				   HDR_BIT(CONTENT_LENGTH);

static inline bool
single_instance(uint8_t id)
{
	return (single_set >> id) & 1u;
}

/* Line n of the header section: name b[ls, ne), value b[vs, ve), its id
 * and folded flag; not linked yet (hdr_link()).  Shared by headers_run()
 * and parse_headers(), which store exactly the same.  (Returning h for the
 * caller to set folded kept one more value live across headers_run()'s
 * loop: 60 instructions a parse.) */
static inline __attribute__((always_inline)) void
hdr_set(struct sw_sip_msg *msg, unsigned int n, const char *b, size_t ls, size_t ne, size_t vs,
	size_t ve, uint8_t id, bool folded)
{
	struct sw_sip_hdr *h = &msg->hdr[n];

	h->name = mkspan(b + ls, ne - ls);
	h->value = mkspan(b + vs, ve - vs);
	h->id = id;
	h->next = SW_HDR_NONE;
	h->folded = folded;
}

/* Line n joins its id's chain: first[] or the previous line's next, last[]
 * and the count (which cannot reach 255: see the assertion below). */
static inline __attribute__((always_inline)) void
hdr_link(struct sw_sip_msg *msg, uint8_t *last, unsigned int n, uint8_t id)
{
	if (msg->first[id] == SW_HDR_NONE)
		msg->first[id] = (uint8_t)n;
	else
		msg->hdr[last[id]].next = (uint8_t)n;
	last[id] = (uint8_t)n;
	msg->count[id]++;
}

/* Headers whose values check_value() validates. */
static const uint64_t checked_set = HDR_BIT(CSEQ) | HDR_BIT(MAX_FORWARDS) | HDR_BIT(EXPIRES) |
				    HDR_BIT(CONTENT_LENGTH) | HDR_BIT(FROM) | HDR_BIT(TO);

/* The name of the header line at b[ls] did not end in a plain ':': find the
 * error, or the ':' after SP/HTAB, exactly as the grammar says. */
static enum sw_sip_rc
name_slow(struct pstate *st, size_t ls, size_t ne, size_t *colon)
{
	const char *b = st->buf;
	size_t len = st->len, i;

	if (ne - ls > SW_SIP_NAME_MAX)
		return fail(st, SW_SIP_ENAME, ls + SW_SIP_NAME_MAX);
	if (ne >= len)
		return fail(st, SW_SIP_ETRUNC, len);
	if (ne == ls) {
		if (b[ls] == '\0' || b[ls] == '\n')
			return fail(st, SW_SIP_ELINE, ls);
		return fail(st, SW_SIP_ENAME, ls);
	}
	for (i = ne; i < len && is_wsp(b[i]); i++)
		;
	if (i >= len)
		return fail(st, SW_SIP_ETRUNC, len);
	if (b[i] != ':') {
		if (i == ne && b[i] != '\0' && b[i] != '\r' && b[i] != '\n' && !is_wsp(b[i]))
			return fail(st, SW_SIP_ENAME, i);
		return fail(st, SW_SIP_ELINE, i);
	}
	*colon = i;
	return SW_SIP_OK;
}

/*
 * Header lines in bulk: headers_run() below stores the usual lines with
 * fewer instructions than parse_headers()'s general loop spends on them
 * (per parse of the bench messages: -9 % with AVX2 windows, -17 % with
 * AVX-512BW ones, about as many as before with SSE2 ones), and leaves every
 * other line to that loop.
 *
 * One 64-byte window from the line start gives two masks: the bytes <= CR
 * (the line end, as ctl_mask64() finds it) and the ':' (the name end), so
 * the name is looked up once its length is known, with no compare chain and
 * no token scan for known names.  The window is SSE2 (sixteen-byte compares
 * folded into 64-bit masks), AVX2 or AVX-512BW (one compare into a mask
 * register per mask), picked at run time by headers_walk(); all three give
 * the same masks.  The SSE2 and AVX2 ones compute the window's first 32
 * bytes first and the rest only for a line that goes on past them.  The
 * AVX2 and AVX-512 instances also check From / To values and unknown names
 * with AVX2 windows first (name_addr_avx2(), name_alnum_avx2()): -12 % of
 * the instructions per parse of the bench REGISTER and INVITE with the
 * AVX2 walk.  For the unit tests, which run every one of them on any
 * machine: SW_SIP_NO_AVX512 leaves AVX-512 out of the choice,
 * SW_SIP_SSE2_ONLY builds the SSE2 one alone, and SW_SIP_SCALAR_ONLY none
 * (parse_headers() takes every line there).
 */
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
#define SW_SIP_WALK 1
#else
#define SW_SIP_WALK 0
#endif
#if SW_SIP_WALK && defined(__x86_64__) && !defined(SW_SIP_SSE2_ONLY)
#define SW_SIP_WALK_AVX 1
#else
#define SW_SIP_WALK_AVX 0
#endif

#if SW_SIP_WALK
enum walk_isa { WALK_SSE2, WALK_AVX2, WALK_AVX512 };

/* Masks of the nb * 16 bytes from p, bit j for p[j]: the bytes <= CR and
 * the ':'. */
static inline void
win_blocks_sse2(const char *p, unsigned int nb, uint64_t *ctl, uint64_t *colon)
{
	const __m128i cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128();
	const __m128i col = _mm_set1_epi8(':');
	uint64_t c = 0, k = 0;
	unsigned int j;

	for (j = 0; j < nb; j++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j));

		c |= (uint64_t)(uint32_t)_mm_movemask_epi8(
			     _mm_cmpeq_epi8(_mm_subs_epu8(v, cr), zero))
		     << (16 * j);
		k |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, col)) << (16 * j);
	}
	*ctl = c;
	*colon = k;
}

static inline void
win_masks_sse2(const char *p, uint64_t *ctl, uint64_t *colon)
{
	win_blocks_sse2(p, 4, ctl, colon);
}

static inline void
win_half_sse2(const char *p, uint64_t *ctl, uint64_t *colon)
{
	win_blocks_sse2(p, 2, ctl, colon);
}
#endif

#if SW_SIP_WALK_AVX
/*
 * The compare operands as 64 bytes in memory: headers_run()'s loop calls
 * functions (check_value_inl() calls name_addr_ok()), across which no vector
 * register survives, so a broadcast would be redone for every line; as a
 * memory operand the constant costs no instruction.
 */
static const uint8_t k_cr[64] __attribute__((aligned(64))) = {
	[0 ... 63] = '\r',
};
static const uint8_t k_colon[64] __attribute__((aligned(64))) = {
	[0 ... 63] = ':',
};

/* AVX2: max(x, CR) == CR exactly when x <= CR. */
__attribute__((target("avx2"))) static inline uint64_t
win_ctl_avx2(const char *p)
{
	const __m256i cr = _mm256_load_si256((const __m256i *)(const void *)k_cr);
	__m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));

	return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(lo, cr), cr)) |
	       (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(hi, cr), cr))
		       << 32;
}

__attribute__((target("avx2"))) static inline void
win_masks_avx2(const char *p, uint64_t *ctl, uint64_t *colon)
{
	const __m256i col = _mm256_load_si256((const __m256i *)(const void *)k_colon);
	__m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));

	*ctl = win_ctl_avx2(p);
	*colon = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, col)) |
		 (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, col)) << 32;
}

__attribute__((target("avx512bw"))) static inline uint64_t
win_ctl_avx512(const char *p)
{
	return _mm512_cmple_epu8_mask(_mm512_loadu_si512((const void *)p),
				      _mm512_load_si512((const void *)k_cr));
}

/* The first 32 bytes of a window (bits 32..63 are 0). */
__attribute__((target("avx2"))) static inline void
win_half_avx2(const char *p, uint64_t *ctl, uint64_t *colon)
{
	const __m256i cr = _mm256_load_si256((const __m256i *)(const void *)k_cr);
	const __m256i col = _mm256_load_si256((const __m256i *)(const void *)k_colon);
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);

	*ctl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(v, cr), cr));
	*colon = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, col));
}

__attribute__((target("avx512bw"))) static inline void
win_masks_avx512(const char *p, uint64_t *ctl, uint64_t *colon)
{
	__m512i v = _mm512_loadu_si512((const void *)p);

	*ctl = _mm512_cmple_epu8_mask(v, _mm512_load_si512((const void *)k_cr));
	*colon = _mm512_cmpeq_epi8_mask(v, _mm512_load_si512((const void *)k_colon));
}

/*
 * skip_token(p, 0, n) == n for 1 <= n <= 32, with 32 bytes from p in the
 * buffer, when the name is letters, digits, '-' and '.' alone (what
 * sw_sip_skip_alnum() skips; the other token bytes are not looked for
 * here): one AVX2 compare instead of skip_token()'s sixteen-byte steps and
 * bytewise tail, for the names hdr_lookup_inl() does not know.  False
 * decides nothing: the caller asks skip_token().
 */
__attribute__((target("avx2"))) static inline bool
name_alnum_avx2(const char *p, size_t n)
{
	const uint8_t(*k)[32] = k_param;
	__asm__("" : "+r"(k));
	const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i alpha = _mm256_cmpgt_epi8(
		kp(K_LIM26),
		_mm256_xor_si256(_mm256_sub_epi8(_mm256_or_si256(v, kp(K_FOLD)), kp(K_A)),
				 kp(K_BIAS)));
	__m256i digit = _mm256_cmpgt_epi8(
		kp(K_LIM10), _mm256_xor_si256(_mm256_sub_epi8(v, kp(K_ZERO)), kp(K_BIAS)));
	__m256i word = _mm256_or_si256(
		_mm256_or_si256(alpha, digit),
		_mm256_or_si256(_mm256_cmpeq_epi8(v, kp(K_DASH)), _mm256_cmpeq_epi8(v, kp(K_DOT))));
	uint64_t m = (uint64_t)(uint32_t)_mm256_movemask_epi8(word);

	return (~m & ((UINT64_C(1) << n) - 1)) == 0;
}

/* @p isa is a constant in each instance of headers_run(). */
#define win_masks(p, c, k, isa)                                                            \
	((isa) == WALK_AVX512 ? win_masks_avx512(p, c, k)                                  \
	 : (isa) == WALK_AVX2 ? win_masks_avx2(p, c, k)                                    \
			      : win_masks_sse2(p, c, k))
#define win_ctl(p, isa)                                                                    \
	((isa) == WALK_AVX512 ? win_ctl_avx512(p)                                          \
	 : (isa) == WALK_AVX2 ? win_ctl_avx2(p)                                            \
			      : ctl_mask64(p))
/* No AVX-512 instance of it: one 64-byte compare costs as much. */
#define win_half(p, c, k, isa)                                                             \
	((isa) == WALK_AVX2 ? win_half_avx2(p, c, k) : win_half_sse2(p, c, k))
#elif SW_SIP_WALK
#define win_masks(p, c, k, isa) win_masks_sse2(p, c, k)
#define win_half(p, c, k, isa)	win_half_sse2(p, c, k)
#define win_ctl(p, isa)		ctl_mask64(p)
#endif

#if SW_SIP_WALK
/*
 * From b[pos], store each header line of the usual shape exactly as
 * parse_headers() would (same spans, id, links, counts, checks):
 *  - the first ':' is within the line's first 64 bytes and ends a name that
 *    is a token (hdr_lookup_inl() only matches tokens: OR 0x20 reaches a
 *    lowercase letter only from its two cases and '-' only from '-' and
 *    CR, and the name holds no byte <= CR);
 *  - the first byte <= CR is the CR of a CRLF with a byte after it that is
 *    not SP/HTAB (no fold, no HTAB, NUL, bare CR or LF), within
 *    SW_SIP_LINE_MAX, and after the ':';
 *  - no repeat of a single-instance header, at most SW_SIP_HDR_MAX lines,
 *    and check_value_inl() accepts the value.
 * At the first other line (the empty line, usually) it stops: there
 * parse_headers() takes over with the lines so far and decides that line
 * as it always has (a failed check is simply done again there, with the
 * same stores and the same error), so the walk never fails by itself and
 * the result is parse_headers()'s alone.
 *
 * Returns the stop position in the low 32 bits and the number of lines
 * stored (n included) above them: no pointer to the caller's count, which
 * would keep it in memory there.
 */
static inline __attribute__((always_inline)) uint64_t
headers_run(struct pstate *st, size_t pos, uint64_t *clen, uint8_t *last, unsigned int n,
	    enum walk_isa isa)
{
	const char *b = st->buf;
	size_t len = st->len, ls, q, ne, vs, ve, w, base;
	struct sw_sip_msg *msg = st->msg;
	uint64_t ctl, colon, k2;
	uint8_t id;

	(void)isa; /* SW_SIP_SSE2_ONLY: one instance */
	for (;; pos = q + 2) {
		ls = pos;
		if (n >= SW_SIP_HDR_MAX)
			break;
		if (ls + 64 <= len) {
			if (isa == WALK_AVX512) {
				win_masks(b + ls, &ctl, &colon, isa);
			} else {
				/* The window's first half first: many lines end
				 * in it.  When one does, a ':' past it would be
				 * past the line end, which stops the walk as no
				 * ':' does; else the second half completes both
				 * masks. */
				win_half(b + ls, &ctl, &colon, isa);
				if (ctl == 0) {
					win_half(b + ls + 32, &ctl, &k2, isa);
					ctl <<= 32;
					colon |= k2 << 32;
				}
			}
		} else {
			/* The last bytes: the window that ends at len, shifted
			 * so that bit 0 is b[ls] again (bits past len are 0). */
			if (len < 64 || ls >= len)
				break;
			win_masks(b + len - 64, &ctl, &colon, isa);
			ctl >>= ls - (len - 64);
			colon >>= ls - (len - 64);
		}
		if (colon == 0)
			break;
		ne = ls + (size_t)__builtin_ctzll(colon);
		if (ctl != 0) {
			q = ls + (size_t)__builtin_ctzll(ctl);
		} else {
			/* A longer line: the next windows, the last one ending
			 * at len with the bytes already seen masked off. */
			for (w = ls + 64;; w += 64) {
				if (w - ls > SW_SIP_LINE_MAX || w >= len)
					return pos | (uint64_t)n << 32;
				if (w + 64 > len) {
					base = len - 64;
					ctl = win_ctl(b + base, isa) & (~UINT64_C(0) << (w - base));
					if (ctl == 0)
						return pos | (uint64_t)n << 32;
					q = base + (size_t)__builtin_ctzll(ctl);
					break;
				}
				ctl = win_ctl(b + w, isa);
				if (ctl != 0) {
					q = w + (size_t)__builtin_ctzll(ctl);
					break;
				}
			}
			if (q - ls > SW_SIP_LINE_MAX)
				break;
		}
		/* A name before the line end, of at most 63 bytes (its ':' is
		 * in the window; an empty one is not a known name, see below);
		 * the line ends in CR LF, and not in a fold. */
		if (ne >= q || q + 2 >= len || load16(b + q) != load16("\r\n") || is_wsp(b[q + 2]))
			break;
		id = hdr_lookup_inl(b + ls, ne - ls);
		if (id == SW_HDR_OTHER) {
			if (ne == ls)
				break;
#if SW_SIP_WALK_AVX
			/* One AVX2 compare where it tells, else the scan. */
			if (!(isa != WALK_SSE2 && ne - ls <= 32 && ls + 32 <= len &&
			      name_alnum_avx2(b + ls, ne - ls)) &&
			    skip_token(b, ls, ne) != ne)
				break;
#else
			if (skip_token(b, ls, ne) != ne)
				break;
#endif
		} else if (single_instance(id) && msg->count[id] != 0) {
			break; /* SW_SIP_EDUP: parse_headers()'s to report */
		}

		/* The value's bounds as parse_headers() finds them.  Where its
		 * one-SP shortcut does not apply because the byte after the SP
		 * is below SP without being LWS, its loop stops at that byte
		 * too; a last byte above SP is not LWS, nothing to trim. */
		vs = ne + 1;
		if (b[vs] == ' ' && (uint8_t)b[vs + 1] > ' ')
			vs++;
		else
			while (vs < q && is_lws(b[vs]))
				vs++;
		ve = q;
		if ((uint8_t)b[ve - 1] <= ' ')
			while (ve > vs && is_lws(b[ve - 1]))
				ve--;

		hdr_set(msg, n, b, ls, ne, vs, ve, id, false);
		if (((checked_set >> id) & 1u) &&
		    check_value_inl(st, id, mkspan(b + vs, ve - vs), clen, isa != WALK_SSE2) !=
			    SW_SIP_OK)
			break;
		hdr_link(msg, last, n, id);
		n++;
	}
	return pos | (uint64_t)n << 32;
}

/* Each instance a function of its own: its few live values stay in
 * registers, and parse_headers() is compiled as before. */
static __attribute__((noinline)) uint64_t
headers_run_sse2(struct pstate *st, size_t pos, uint64_t *clen, uint8_t *last)
{
	return headers_run(st, pos, clen, last, 0, WALK_SSE2);
}

#if SW_SIP_WALK_AVX
__attribute__((target("avx2"), noinline)) static uint64_t
headers_run_avx2(struct pstate *st, size_t pos, uint64_t *clen, uint8_t *last)
{
	return headers_run(st, pos, clen, last, 0, WALK_AVX2);
}

#if !defined(SW_SIP_NO_AVX512)
__attribute__((target("avx512bw"), noinline)) static uint64_t
headers_run_avx512(struct pstate *st, size_t pos, uint64_t *clen, uint8_t *last)
{
	return headers_run(st, pos, clen, last, 0, WALK_AVX512);
}
#endif
#endif

/*
 * headers_run() with the widest windows the CPU has.  __builtin_cpu_supports()
 * reads what libgcc's constructor recorded: a load and a test, no lazy
 * initialisation on the fast path.
 */
static inline uint64_t
headers_walk(struct pstate *st, size_t pos, uint64_t *clen, uint8_t *last)
{
#if SW_SIP_WALK_AVX
#if !defined(SW_SIP_NO_AVX512)
	if (__builtin_cpu_supports("avx512bw"))
		return headers_run_avx512(st, pos, clen, last);
#endif
	if (__builtin_cpu_supports("avx2"))
		return headers_run_avx2(st, pos, clen, last);
#endif
	return headers_run_sse2(st, pos, clen, last);
}
#endif /* SW_SIP_WALK */

/*
 * Header lines from st->buf[pos] up to and including the empty line; *end
 * is the offset just past it.  Each line: field-name HCOLON value, where
 * the value runs to a CRLF not followed by SP/HTAB (RFC 3261 §7.3.1).
 * n_hdr lines are stored already (by headers_run()), and last[] holds the
 * last line of each id among them.
 */
/* fail() for parse_headers(): msg->n_hdr counts the lines stored so far. */
static inline enum sw_sip_rc
hfail(struct pstate *st, unsigned int n_hdr, enum sw_sip_rc rc, size_t off)
{
	st->msg->n_hdr = (uint16_t)n_hdr;
	return fail(st, rc, off);
}

/* msg->count[] "saturates at 255" (sip_parse.h) without a test per line:
 * no message has that many header lines. */
_Static_assert(SW_SIP_HDR_MAX < UINT8_MAX, "count[] cannot reach its saturation value");

static enum sw_sip_rc
parse_headers(struct pstate *st, size_t pos, uint64_t *clen, size_t *end, unsigned int n_hdr,
	      uint8_t *last)
{
	const char *b = st->buf;
	struct sw_sip_msg *msg = st->msg;
	size_t len = st->len, ls, ne, i, lim, llim, q, vs, ve, klen = 0;
	bool folded;
	uint8_t id;
	enum sw_sip_rc rc;

	if (pos >= len)
		return hfail(st, n_hdr, SW_SIP_ETRUNC, len);
	if (is_wsp(b[pos])) /* a fold with nothing to continue */
		return hfail(st, n_hdr, SW_SIP_ELINE, pos);
	for (;; pos = q + 2) {
		/* ls < len and b[ls] is not SP/HTAB: checked above for the
		 * first line, and by the value loop's exit for the others. */
		ls = pos;
		if (b[ls] == '\r') {
			if (ls + 1 >= len)
				return hfail(st, n_hdr, SW_SIP_ETRUNC, len);
			if (b[ls + 1] != '\n')
				return hfail(st, n_hdr, SW_SIP_ELINE, ls);
			*end = ls + 2;
			break;
		}

		/*
		 * The line's end is looked for from its start, not from the
		 * value: a name that passes the checks below holds no NUL, CR
		 * or LF (token bytes, SP/HTAB, ':'), so the first one from ls
		 * is the first one from the value.  Finding line ends then
		 * depends only on the line before, not on the name scan, and
		 * the CPU overlaps the two (the walk is latency bound).
		 */
		llim = len < ls + SW_SIP_LINE_MAX + 1 ? len : ls + SW_SIP_LINE_MAX + 1;
		q = ctl_next(b, len, ls, llim);

		/* field-name HCOLON (HCOLON = *( SP / HTAB ) ":" SWS).  The usual
		 * names first: known ones right before ':' with no line end in
		 * them (then all token bytes, see known_hdr()). */
		id = known_hdr(b + ls, len - ls, &klen);
		if (id != SW_HDR_OTHER && q > ls + klen) {
			ne = i = ls + klen;
		} else {
			lim = len < ls + SW_SIP_NAME_MAX + 1 ? len : ls + SW_SIP_NAME_MAX + 1;
			ne = skip_token(b, ls, lim);
			if (ne < len && b[ne] == ':' && ne != ls && ne - ls <= SW_SIP_NAME_MAX) {
				i = ne;
			} else {
				rc = name_slow(st, ls, ne, &i);
				if (rc != SW_SIP_OK)
					return hfail(st, n_hdr, rc, msg->err_off);
			}
			id = hdr_lookup(b + ls, ne - ls);
		}
		vs = i + 1;

		/* Value: up to a CRLF not followed by SP/HTAB. */
		folded = false;
		for (;;) {
			if (q >= llim) {
				if (llim < len)
					return hfail(st, n_hdr, SW_SIP_ELINE, ls + SW_SIP_LINE_MAX);
				return hfail(st, n_hdr, SW_SIP_ETRUNC, len);
			}
			/* The usual end: CRLF and a byte after it, one compare. */
			if (q + 2 < len && memcmp(b + q, "\r\n", 2) == 0) {
				if (!is_wsp(b[q + 2]))
					break;
				folded = true;
				q = ctl_next(b, len, q + 3, llim);
				continue;
			}
			if (b[q] != '\r')
				return hfail(st, n_hdr, SW_SIP_ELINE, q); /* NUL or bare LF */
			if (q + 2 >= len) {
				if (q + 1 < len && b[q + 1] != '\n')
					return hfail(st, n_hdr, SW_SIP_ELINE, q); /* bare CR */
				return hfail(st, n_hdr, SW_SIP_ETRUNC, len);
			}
			return hfail(st, n_hdr, SW_SIP_ELINE, q); /* bare CR */
		}

		if (n_hdr >= SW_SIP_HDR_MAX)
			return hfail(st, n_hdr, SW_SIP_ETOOMANY, ls);
		if (single_instance(id) && msg->count[id] != 0)
			return hfail(st, n_hdr, SW_SIP_EDUP, ls);

		/* Usually one SP after the colon, then the value.  vs <= q (the
		 * colon is before the line end) and b[q] is CR, so b[vs + 1] is
		 * in the buffer, and a non-LWS byte there is before q. */
		if (b[vs] == ' ' && !is_lws(b[vs + 1]))
			vs++;
		else
			while (vs < q && is_lws(b[vs]))
				vs++;
		ve = q;
		while (ve > vs && is_lws(b[ve - 1]))
			ve--;

		hdr_set(msg, n_hdr, b, ls, ne, vs, ve, id,
			folded && memchr(b + vs, '\n', ve - vs) != NULL);

		if ((checked_set >> id) & 1u) {
			rc = check_value(st, id, mkspan(b + vs, ve - vs), clen);
			if (rc != SW_SIP_OK)
				return hfail(st, n_hdr, rc, msg->err_off);
		}

		hdr_link(msg, last, n_hdr, id);
		n_hdr++;
	}
	msg->n_hdr = (uint16_t)n_hdr;
	return SW_SIP_OK;
}

/*
 * sw_span_eq() for the request-line and CSeq methods, without a call into
 * libc for these few bytes: two overlapping loads from each span for 4..16
 * bytes, nothing read outside either span; memcmp() for the rest.
 */
static inline bool
method_eq(struct sw_span a, struct sw_span b)
{
	size_t n = a.len;

	if (n != b.len)
		return false;
	if (n >= 8 && n <= 16)
		return load64(a.p) == load64(b.p) && load64(a.p + n - 8) == load64(b.p + n - 8);
	if (n >= 4 && n < 8)
		return load32(a.p) == load32(b.p) && load32(a.p + n - 4) == load32(b.p + n - 4);
	return n == 0 || memcmp(a.p, b.p, n) == 0;
}

enum sw_sip_rc
sw_sip_parse(const char *buf, size_t len, struct sw_sip_msg *msg)
{
	struct pstate st = {buf, len, msg};
	static const uint8_t mandatory[] = {SW_HDR_VIA, SW_HDR_FROM, SW_HDR_TO, SW_HDR_CALL_ID,
					    SW_HDR_CSEQ};
	uint64_t clen = 0;
	size_t i, pos, tend;
	enum sw_sip_rc rc;
	uint8_t last[SW_HDR_MAX]; /* the last header line of each id */
	unsigned int n_hdr;

	msg->method = nospan();
	msg->ruri = nospan();
	msg->reason = nospan();
	msg->status = 0;
	msg->n_hdr = 0;
	msg->err_off = 0;
	msg->hdr_len = 0;
	msg->cseq_num = 0;
	msg->cseq_num_s = nospan();
	msg->cseq_method = nospan();
	memset(msg->first, SW_HDR_NONE, sizeof(msg->first));
	memset(msg->count, 0, sizeof(msg->count));
	msg->body = nospan();
	msg->base = buf;
	msg->from_uri = nospan();
	msg->from_tag = nospan();
	msg->to_uri = nospan();
	msg->to_tag = nospan();
	msg->top_via_ok = false;

	if (len > SW_SIP_MSG_MAX)
		return fail(&st, SW_SIP_ETOOBIG, SW_SIP_MSG_MAX);

	/* Start line: a token ending in '/' can only be "SIP/" of a status line. */
	tend = skip_token(buf, 0, len);
	if (tend >= len)
		return fail(&st, SW_SIP_ETRUNC, len);
	if (buf[tend] == '/' && tend == 3 && name_is(buf, "sip", 3)) {
		for (i = tend; i < len && i < VERSION_SCAN_MAX && buf[i] != ' ' && buf[i] != '\r' &&
			       buf[i] != '\n';
		     i++)
			;
		if (i >= len)
			return fail(&st, SW_SIP_ETRUNC, len);
		rc = parse_status_line(&st, i, &pos);
	} else {
		rc = parse_request_line(&st, tend, &pos);
	}
	if (rc != SW_SIP_OK)
		return rc;

	/* Header lines up to the empty line: the usual ones in bulk, then
	 * parse_headers() from the first line headers_run() did not take
	 * (usually the empty line). */
	n_hdr = 0;
#if SW_SIP_WALK
	{
		uint64_t r = headers_walk(&st, pos, &clen, last);

		pos = (uint32_t)r;
		n_hdr = (unsigned int)(r >> 32);
	}
#endif
	rc = parse_headers(&st, pos, &clen, &pos, n_hdr, last);
	if (rc != SW_SIP_OK)
		return rc;
	msg->hdr_len = (uint32_t)pos;

	for (i = 0; i < sizeof(mandatory); i++) {
		if (msg->first[mandatory[i]] == SW_HDR_NONE ||
		    msg->hdr[msg->first[mandatory[i]]].value.len == 0)
			return fail(&st, SW_SIP_EMISSING, pos - 2);
	}
	if (msg->status == 0 && !method_eq(msg->method, msg->cseq_method))
		return fail(&st, SW_SIP_ECSEQ_METHOD, off_of(&st, msg->cseq_method.p));
	if (!top_via_parse(msg, &msg->top_via))
		return fail(&st, SW_SIP_EVIA,
			    off_of(&st, msg->hdr[msg->first[SW_HDR_VIA]].value.p));
	msg->top_via_ok = true;

	/* RFC 3261 §18.3: bytes past Content-Length are ignored; too few is an error. */
	if (msg->first[SW_HDR_CONTENT_LENGTH] != SW_HDR_NONE) {
		if (clen > len - pos)
			return fail(
				&st, SW_SIP_ECLEN,
				off_of(&st, msg->hdr[msg->first[SW_HDR_CONTENT_LENGTH]].value.p));
		msg->body = mkspan(buf + pos, (size_t)clen);
	} else {
		msg->body = mkspan(buf + pos, len - pos);
	}
	if (msg->body.len == 0)
		msg->body.p = buf + pos;
	return SW_SIP_OK;
}
