/*
 * MS-SIPAE authentication header parser: RFC 3261 §25.1 challenge /
 * credentials grammar (auth-scheme LWS auth-param *(COMMA auth-param)).
 * Values are spans into the message; quoted values keep their escapes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
#include <emmintrin.h>
#endif

#include "dataplane/sip_auth.h"
#include "dataplane/sip_priv.h"

static const char *const rc_names[SW_AUTH_RC_MAX] = {
#define X(id, name) [SW_AUTH_##id] = name,
	SW_AUTH_RESULTS(X)
#undef X
};

static const char *const param_names[SW_AUTH_P_MAX] = {
#define X(id, name) [SW_AUTH_P_##id] = name,
	SW_AUTH_PARAMS(X)
#undef X
};

const char *
sw_auth_rc_name(enum sw_auth_rc rc)
{
	if ((unsigned int)rc >= SW_AUTH_RC_MAX)
		return "unknown";
	return rc_names[rc];
}

const char *
sw_auth_param_name(enum sw_auth_param p)
{
	if ((unsigned int)p >= SW_AUTH_P_MAX)
		return NULL;
	return param_names[p];
}

/* RFC 3261 §25.1 token characters (A_TOKEN), and the unquoted value
 * characters of is_vchar() (A_VCHAR), one table lookup per byte. */
#define A_TOKEN 0x01u
#define A_VCHAR 0x02u
#define A_LWS	0x04u /* SP HTAB CR LF */
/* clang-format off */
static const uint8_t aclass[256] = {
	['0' ... '9'] = A_TOKEN | A_VCHAR, ['A' ... 'Z'] = A_TOKEN | A_VCHAR,
	['a' ... 'z'] = A_TOKEN | A_VCHAR,
	['-'] = A_TOKEN | A_VCHAR, ['.'] = A_TOKEN | A_VCHAR, ['!'] = A_TOKEN | A_VCHAR,
	['%'] = A_TOKEN | A_VCHAR, ['*'] = A_TOKEN | A_VCHAR, ['_'] = A_TOKEN | A_VCHAR,
	['+'] = A_TOKEN | A_VCHAR, ['`'] = A_TOKEN | A_VCHAR, ['\''] = A_TOKEN | A_VCHAR,
	['~'] = A_TOKEN | A_VCHAR,
	['/'] = A_VCHAR, ['='] = A_VCHAR, [':'] = A_VCHAR, ['@'] = A_VCHAR,
	['['] = A_VCHAR, [']'] = A_VCHAR,
	[' '] = A_LWS, ['\t'] = A_LWS, ['\r'] = A_LWS, ['\n'] = A_LWS,
};
/* clang-format on */

static inline bool
is_tchar(char c)
{
	return (aclass[(uint8_t)c] & A_TOKEN) != 0;
}

/*
 * Index of the first '"' or '\\' in p[i, n), or n.  SSE2 (x86-64 baseline)
 * sixteen bytes at a time, then bytewise; SW_SIP_SCALAR_ONLY builds the
 * bytewise loop alone, and the unit tests run both.
 */
static inline size_t
scan_quote(const char *p, size_t i, size_t n)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	const __m128i dq = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned int mask = (unsigned int)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs)));

		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
	}
	if (i < n && n >= 16) {
		/* The last sixteen bytes of the span, the ones before i masked
		 * off (0 < i - (n - 16) < 16 here). */
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
		unsigned int mask = (unsigned int)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs)));

		mask &= ~0u << (i - (n - 16));
		return mask != 0 ? n - 16 + (size_t)__builtin_ctz(mask) : n;
	}
#endif
	for (; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			return i;
	}
	return n;
}

/* Unquoted values: token, plus the characters base64 and host values use
 * (gssapi-data is quoted by every known client; this is leniency only). */
static inline bool
is_vchar(char c)
{
	return (aclass[(uint8_t)c] & A_VCHAR) != 0;
}

/* LWS inside a header value: SP, HTAB and the CRLF of a fold. */
static inline bool
is_lws(char c)
{
	return (aclass[(uint8_t)c] & A_LWS) != 0;
}

static size_t
skip_lws(const char *p, size_t i, size_t n)
{
	while (i < n && is_lws(p[i]))
		i++;
	return i;
}

static bool
span_ieq_span(struct sw_span a, struct sw_span b)
{
	size_t i;

	if (a.len != b.len)
		return false;
	for (i = 0; i < a.len; i++) {
		char x = a.p[i], y = b.p[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (char)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/* Parameter name -> id: switch on length, then compare. */
static uint8_t
param_lookup(struct sw_span name)
{
	const char *p = name.p;

	switch (name.len) {
	case 3:
		if (name_is(p, "qop", 3))
			return SW_AUTH_P_QOP;
		break;
	case 4:
		if (name_is(p, "cnum", 4))
			return SW_AUTH_P_CNUM;
		if (name_is(p, "snum", 4))
			return SW_AUTH_P_SNUM;
		break;
	case 5:
		if (name_is(p, "realm", 5))
			return SW_AUTH_P_REALM;
		if (name_is(p, "crand", 5))
			return SW_AUTH_P_CRAND;
		if (name_is(p, "srand", 5))
			return SW_AUTH_P_SRAND;
		break;
	case 6:
		if (name_is(p, "opaque", 6))
			return SW_AUTH_P_OPAQUE;
		break;
	case 7:
		if (name_is(p, "version", 7))
			return SW_AUTH_P_VERSION;
		if (name_is(p, "rspauth", 7))
			return SW_AUTH_P_RSPAUTH;
		break;
	case 8:
		if (name_is(p, "response", 8))
			return SW_AUTH_P_RESPONSE;
		break;
	case 9:
		if (name_is(p, "algorithm", 9))
			return SW_AUTH_P_ALGORITHM;
		break;
	case 10:
		if (name_is(p, "targetname", 10))
			return SW_AUTH_P_TARGETNAME;
		break;
	case 11:
		if (name_is(p, "gssapi-data", 11))
			return SW_AUTH_P_GSSAPI_DATA;
		break;
	default:
		break;
	}
	return SW_AUTH_P_OTHER;
}

static inline enum sw_auth_rc
afail(uint32_t *err_off, enum sw_auth_rc rc, size_t off)
{
	*err_off = (uint32_t)off;
	return rc;
}

/*
 * The usual parameter is a known name, '=' and a short quoted string, all
 * inside sixteen bytes: window_masks() finds '=' and the quoted-string
 * stops ('"' and '\\', one mask: the first of them after the opening quote
 * decides) in one step, so that such a parameter costs one load and a word
 * compare instead of a walk over its bytes.
 */
struct wmask {
	uint32_t eq; /* bit j: p[j] == '=' */
	uint32_t qs; /* bit j: p[j] == '"' or p[j] == '\\' */
};

/* Mask of the quoted-string stops in p[0, 16), all inside the value. */
static inline uint32_t
stop_mask(const char *p)
{
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

	return (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
							_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
#else
	uint32_t m = 0;
	unsigned int j;

	for (j = 0; j < 16; j++)
		m |= (uint32_t)(p[j] == '"' || p[j] == '\\') << j;
	return m;
#endif
}

/* Masks of p[0, 16), all inside the value.  SSE2, or bytewise with
 * SW_SIP_SCALAR_ONLY; the unit tests run both. */
static inline struct wmask
window_masks(const char *p)
{
	struct wmask m;
#if defined(__SSE2__) && !defined(SW_SIP_SCALAR_ONLY)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

	m.eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
#else
	unsigned int j;

	m.eq = 0;
	for (j = 0; j < 16; j++)
		m.eq |= (uint32_t)(p[j] == '=') << j;
#endif
	m.qs = stop_mask(p);
	return m;
}

/* The first eight bytes of a name literal, zero-padded, as the word load64()
 * reads (a constant once the compiler folds the load). */
#define NAME8(s) load64(s "\0\0\0\0\0\0\0")

/* Low @p k bytes of a word (0 < k < 8), in the high bytes: one shift. */
#define LOW(w, k) ((w) << (64 - 8 * (k)))

/*
 * The known parameter whose name is p[0, k) in any case, k being the index
 * of the first '=' in a sixteen-byte window at p; SW_AUTH_P_OTHER if none.
 * OR 0x20 maps a byte onto a lowercase letter only from that letter's two
 * cases, so a match is letters only (gssapi-data's '-' is compared
 * exactly): the token that the general scan would find, ending at '='.
 */
static inline unsigned int
name_in_window(const char *p, unsigned int k)
{
	const uint64_t w = load64(p) | UINT64_C(0x2020202020202020);

	switch (k) {
	case 3:
		return LOW(w, 3) == LOW(NAME8("qop"), 3) ? SW_AUTH_P_QOP : SW_AUTH_P_OTHER;
	case 4:
		if (LOW(w, 4) == LOW(NAME8("cnum"), 4))
			return SW_AUTH_P_CNUM;
		return LOW(w, 4) == LOW(NAME8("snum"), 4) ? SW_AUTH_P_SNUM : SW_AUTH_P_OTHER;
	case 5:
		if (LOW(w, 5) == LOW(NAME8("realm"), 5))
			return SW_AUTH_P_REALM;
		if (LOW(w, 5) == LOW(NAME8("crand"), 5))
			return SW_AUTH_P_CRAND;
		return LOW(w, 5) == LOW(NAME8("srand"), 5) ? SW_AUTH_P_SRAND : SW_AUTH_P_OTHER;
	case 6:
		return LOW(w, 6) == LOW(NAME8("opaque"), 6) ? SW_AUTH_P_OPAQUE : SW_AUTH_P_OTHER;
	case 7:
		if (LOW(w, 7) == LOW(NAME8("version"), 7))
			return SW_AUTH_P_VERSION;
		return LOW(w, 7) == LOW(NAME8("rspauth"), 7) ? SW_AUTH_P_RSPAUTH : SW_AUTH_P_OTHER;
	case 8:
		return w == NAME8("response") ? SW_AUTH_P_RESPONSE : SW_AUTH_P_OTHER;
	case 9:
		return w == NAME8("algorith") && (p[8] | 0x20) == 'm' ? SW_AUTH_P_ALGORITHM
								      : SW_AUTH_P_OTHER;
	case 10:
		return w == NAME8("targetna") && (load16(p + 8) | 0x2020) == load16("me")
			       ? SW_AUTH_P_TARGETNAME
			       : SW_AUTH_P_OTHER;
	case 11:
		/* CR | 0x20 is '-' too, hence the exact compare of p[6]. */
		return w == NAME8("gssapi-d") && p[6] == '-' &&
				       (load32(p + 7) | 0x20202020u) == load32("data")
			       ? SW_AUTH_P_GSSAPI_DATA
			       : SW_AUTH_P_OTHER;
	default:
		return SW_AUTH_P_OTHER;
	}
}

/* Index of the '"' that closes a quoted string whose contents continue at
 * p[i] (i not inside a quoted-pair), or >= n if it is unterminated. */
static inline size_t
quote_end(const char *p, size_t i, size_t n)
{
	for (;;) {
		i = scan_quote(p, i, n);
		if (i >= n || p[i] == '"')
			return i;
		i += 2; /* quoted-pair: '\\' and the byte it escapes */
	}
}

/* kv[nkv], idx[] and the count for one parameter of parse_general(). */
static inline void
put_kv(struct sw_auth *out, unsigned int nkv, const char *p, size_t s, size_t e, size_t vs,
       size_t ve, unsigned int id, bool quoted)
{
	struct sw_auth_kv *kv = &out->kv[nkv];

	kv->name.p = p + s;
	kv->name.len = (uint16_t)(e - s);
	kv->id = (uint8_t)id;
	kv->value.p = p + vs;
	kv->value.len = (uint16_t)(ve - vs);
	kv->quoted = quoted;
	if (id != SW_AUTH_P_OTHER)
		out->idx[id] = (uint8_t)nkv;
	out->n = (uint8_t)(nkv + 1);
}

/*
 * The parameters from p[i] on, kv[0, nkv) being filled already: the RFC
 * 3261 grammar in full (LWS around '=' and ',', unknown names, tokens and
 * quoted strings of any length), one byte class at a time.  parse() hands
 * over to it at the first parameter its fast loop does not take.
 */
static __attribute__((noinline)) enum sw_auth_rc
parse_general(const char *p, size_t i, size_t n, struct sw_auth *out, unsigned int nkv,
	      uint32_t *err_off)
{
	size_t s, e, vs, ve;
	unsigned int k;
	uint8_t id;
	bool quoted;

	/* The fast loop may stop after ", " with more LWS to come. */
	i = skip_lws(p, i, n);
	for (;;) {
		/* auth-param = token EQUAL ( token / quoted-string ) */
		s = i;
		for (i = sw_sip_skip_alnum(p, i, n); i < n && is_tchar(p[i]); i++)
			;
		e = i;
		if (e == s)
			return afail(err_off, SW_AUTH_ESYNTAX, s);
		if (e - s > SW_AUTH_NAME_MAX)
			return afail(err_off, SW_AUTH_ESYNTAX, s + SW_AUTH_NAME_MAX);
		/* EQUAL = SWS "=" SWS */
		i = skip_lws(p, i, n);
		if (i >= n || p[i] != '=')
			return afail(err_off, SW_AUTH_ESYNTAX, i);
		i = skip_lws(p, i + 1, n);
		if (i < n && p[i] == '"') {
			quoted = true;
			vs = ++i;
			i = quote_end(p, i, n);
			if (i >= n)
				return afail(err_off, SW_AUTH_EQUOTE, vs - 1);
			ve = i++;
		} else {
			quoted = false;
			for (vs = i; i < n && is_vchar(p[i]); i++)
				;
			ve = i;
			if (ve == vs)
				return afail(err_off, SW_AUTH_ESYNTAX, vs);
		}
		if (ve - vs > SW_AUTH_VALUE_MAX)
			return afail(err_off, SW_AUTH_ETOOLONG, vs + SW_AUTH_VALUE_MAX);
		if (nkv >= SW_AUTH_PARAM_MAX)
			return afail(err_off, SW_AUTH_ETOOMANY, s);

		id = param_lookup((struct sw_span){p + s, (uint16_t)(e - s)});
		out->kv[nkv].id = id;
		if (id != SW_AUTH_P_OTHER) {
			if (out->idx[id] != SW_HDR_NONE)
				return afail(err_off, SW_AUTH_EDUP, s);
		} else {
			const struct sw_span name = {p + s, (uint16_t)(e - s)};

			for (k = 0; k < nkv; k++) {
				if (out->kv[k].id == SW_AUTH_P_OTHER &&
				    span_ieq_span(out->kv[k].name, name))
					return afail(err_off, SW_AUTH_EDUP, s);
			}
		}
		put_kv(out, nkv++, p, s, e, vs, ve, id, quoted);

		/* COMMA = SWS "," SWS */
		i = skip_lws(p, i, n);
		if (i == n)
			return SW_AUTH_OK;
		if (p[i] != ',')
			return afail(err_off, SW_AUTH_ESYNTAX, i);
		i = skip_lws(p, i + 1, n);
	}
}

/*
 * sw_auth_parse(), inlined into sw_auth_select() as well.  The fast loop
 * takes the usual parameter from one sixteen-byte window at its start (at
 * least sixteen bytes before the end of the value): a known name, '=' and a
 * quoted string or a token, no LWS.  At the first parameter of any other
 * shape, and at any error in one, it hands over to parse_general() at that
 * parameter's start, so what is accepted, and every error and its offset,
 * is the general grammar's.
 */
static inline __attribute__((always_inline)) enum sw_auth_rc
parse(struct sw_span value, struct sw_auth *out, uint32_t *err_off)
{
	const char *p = value.p, *e, *e16, *c, *vs, *ve;
	size_t n = value.len, i, s, k;
	unsigned int id, nkv = 0;
	struct sw_auth_kv *kv;
	struct wmask m;
	uint32_t q;

	out->scheme.p = NULL;
	out->scheme.len = 0;
	out->n = 0;
	out->hdr_idx = SW_HDR_NONE;
	memset(out->idx, SW_HDR_NONE, sizeof(out->idx));
	*err_off = 0;

	/* "Kerberos " and "NTLM ", the schemes MS-SIPAE clients send, are what
	 * the general token scan below would find; any other token takes it. */
	if (n > 9 && (load64(p) | UINT64_C(0x2020202020202020)) == NAME8("kerberos") && p[8] == ' ')
		i = 8;
	else if (n > 5 && (load32(p) | 0x20202020u) == load32("ntlm") && p[4] == ' ')
		i = 4;
	else
		i = 0;
	if (i != 0) {
		out->scheme.p = p;
		out->scheme.len = (uint16_t)i;
		i = skip_lws(p, i + 1, n);
	} else {
		i = skip_lws(p, 0, n);
		for (s = i, i = sw_sip_skip_alnum(p, i, n); i < n && is_tchar(p[i]); i++)
			;
		if (i == s)
			return afail(err_off, SW_AUTH_ESCHEME, s);
		out->scheme.p = p + s;
		out->scheme.len = (uint16_t)(i - s);
		if (i == n)
			return SW_AUTH_OK;
		if (!is_lws(p[i]))
			return afail(err_off, SW_AUTH_ESCHEME, i);
		i = skip_lws(p, i, n);
	}
	if (i == n)
		return SW_AUTH_OK;

	/* A cursor rather than an index: the spans stored are pointers.  e16
	 * is the last window's start (a value shorter than one window goes
	 * to parse_general() at once). */
	c = p + i;
	e = p + n;
	e16 = n >= 16 ? e - 16 : p;
	for (;;) {
		if (c > e16 || n < 16 || nkv == SW_AUTH_PARAM_MAX)
			break;
		m = window_masks(c);
		k = (unsigned int)__builtin_ctz(m.eq | 0x10000u);
		id = name_in_window(c, (unsigned int)k);
		if (id == SW_AUTH_P_OTHER || out->idx[id] != SW_HDR_NONE)
			break;
		/* Written before the value is known to be good: beyond out->n
		 * until then, and parse_general() rewrites it if not. */
		kv = &out->kv[nkv];
		kv->name.p = c;
		kv->name.len = (uint16_t)k;
		/* k <= 11: the two bytes after '=' are in the window too. */
		if (c[k + 1] == '"') {
			vs = c + k + 2;
			q = m.qs >> (k + 2);
			if (q != 0) {
				ve = vs + (unsigned int)__builtin_ctz(q);
			} else {
				/* The value runs past the window: sixteen bytes
				 * at a time, the last step the sixteen that end
				 * the header value with the bytes already seen
				 * masked off (none left: unterminated). */
				for (ve = c + 16; ve <= e16; ve += 16) {
					q = stop_mask(ve);
					if (q != 0)
						break;
				}
				if (q == 0) {
					q = stop_mask(e16) >> (ve - e16);
					if (q == 0)
						break;
				}
				ve += (unsigned int)__builtin_ctz(q);
				if (ve - vs > SW_AUTH_VALUE_MAX)
					break;
			}
			/* The first '"' or '\\' after the opening quote: the
			 * end, or a quoted-pair, left to parse_general(). */
			if (*ve != '"')
				break;
			kv->id = (uint8_t)id;
			kv->quoted = true;
			c = ve + 1;
		} else {
			vs = c + k + 1;
			for (ve = vs; ve < e && is_vchar(*ve); ve++)
				;
			if (ve == vs || ve - vs > SW_AUTH_VALUE_MAX)
				break;
			kv->id = (uint8_t)id;
			kv->quoted = false;
			c = ve;
		}
		kv->value.p = vs;
		kv->value.len = (uint16_t)(ve - vs);
		out->idx[id] = (uint8_t)nkv;
		nkv++;

		/* COMMA = SWS "," SWS: usually ", " and no more LWS.  (With
		 * 18 bytes left the next window fits too, which the compiler
		 * then need not test again; c < e16 first keeps c + 2 inside
		 * the value.) */
		if (c < e16 && c + 2 <= e16 && load16(c) == load16(", ")) {
			c += 2;
			continue;
		}
		/* out->n is written on the way out only (the byte stores
		 * above may alias it as far as the compiler knows). */
		out->n = (uint8_t)nkv;
		i = (size_t)(c - p);
		if (i < n && p[i] != ',')
			i = skip_lws(p, i, n);
		if (i == n)
			return SW_AUTH_OK;
		if (p[i] != ',')
			return afail(err_off, SW_AUTH_ESYNTAX, i);
		c = p + skip_lws(p, i + 1, n);
	}
	i = (size_t)(c - p);
	/* i is the start of the parameter the fast loop did not take. */
	out->n = (uint8_t)nkv;
	return parse_general(p, i, n, out, nkv, err_off);
}

enum sw_auth_rc
sw_auth_parse(struct sw_span value, struct sw_auth *out, uint32_t *err_off)
{
	return parse(value, out, err_off);
}

/* Exact (byte-for-byte) compare: these values are signed as written.  Eight
 * bytes at a time, the last loads overlapping the ones before, as in
 * name_is(): realms and targetnames are 10-30 bytes, too short to pay for a
 * call to memcmp(), and one to four loads each decide them. */
static inline bool
span_eq(struct sw_span a, struct sw_span b)
{
	size_t n = a.len, i;

	if (n != b.len)
		return false;
	if (n >= 16 && n <= 32)
		return ((load64(a.p) ^ load64(b.p)) | (load64(a.p + 8) ^ load64(b.p + 8)) |
			(load64(a.p + n - 16) ^ load64(b.p + n - 16)) |
			(load64(a.p + n - 8) ^ load64(b.p + n - 8))) == 0;
	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			if (load64(a.p + i) != load64(b.p + i))
				return false;
		}
		return load64(a.p + n - 8) == load64(b.p + n - 8);
	}
	for (i = 0; i < n; i++) {
		if (a.p[i] != b.p[i])
			return false;
	}
	return true;
}

/* Parsed credentials in @p a are for us: our realm and one of our targets. */
static inline bool
is_ours(const struct sw_auth *a, struct sw_span realm, const struct sw_span *targets,
	unsigned int n_targets)
{
	struct sw_span tn;
	unsigned int t;

	if (!sw_auth_has(a, SW_AUTH_P_REALM) || !span_eq(sw_auth_get(a, SW_AUTH_P_REALM), realm) ||
	    !sw_auth_has(a, SW_AUTH_P_TARGETNAME))
		return false;
	tn = sw_auth_get(a, SW_AUTH_P_TARGETNAME);
	for (t = 0; t < n_targets; t++) {
		if (span_eq(tn, targets[t]))
			return true;
	}
	return false;
}

/*
 * The headers after ours, from index @p i: each must parse, and none may be
 * ours too.  Out of line, so that the usual single header costs neither
 * this frame nor its struct sw_auth.
 */
static __attribute__((noinline)) enum sw_auth_rc
select_rest(const struct sw_sip_msg *msg, uint8_t i, struct sw_span realm,
	    const struct sw_span *targets, unsigned int n_targets, uint32_t *err_off)
{
	struct sw_auth cur;
	enum sw_auth_rc rc;
	uint32_t off;

	for (; i != SW_HDR_NONE && i < msg->n_hdr; i = msg->hdr[i].next) {
		const struct sw_span v = msg->hdr[i].value;
		size_t base = (size_t)(v.p - msg->base);

		rc = sw_auth_parse(v, &cur, &off);
		if (rc != SW_AUTH_OK) {
			*err_off = (uint32_t)(base + off);
			return rc;
		}
		if (is_ours(&cur, realm, targets, n_targets)) {
			*err_off = (uint32_t)base;
			return SW_AUTH_EDUP;
		}
	}
	return SW_AUTH_OK;
}

enum sw_auth_rc
sw_auth_select(const struct sw_sip_msg *msg, enum sw_hdr h, struct sw_span realm,
	       const struct sw_span *targets, unsigned int n_targets, struct sw_auth *out,
	       uint32_t *err_off)
{
	enum sw_auth_rc rc;
	uint8_t i;

	/* Headers are parsed straight into *out until ours is found; the
	 * rest only have to parse and not be ours (select_rest()).  A parse
	 * that succeeds leaves *err_off 0, as this function must. */
	*err_off = 0;
	for (i = msg->first[h]; i != SW_HDR_NONE && i < msg->n_hdr; i = msg->hdr[i].next) {
		const struct sw_span v = msg->hdr[i].value;

		rc = parse(v, out, err_off);
		if (rc != SW_AUTH_OK) {
			*err_off += (uint32_t)(v.p - msg->base);
			return rc;
		}
		if (is_ours(out, realm, targets, n_targets)) {
			out->hdr_idx = i;
			if (msg->hdr[i].next == SW_HDR_NONE)
				return SW_AUTH_OK;
			return select_rest(msg, msg->hdr[i].next, realm, targets, n_targets,
					   err_off);
		}
	}
	return SW_AUTH_EABSENT;
}
