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

/* A string literal and its length, for known_at(). */
#define LIT(s) s, sizeof(s) - 1

/* p[i, i+len) is the lowercase name @p lit in any case, and '=' follows it;
 * then *out_len = len. */
static inline bool
known_at(const char *p, size_t i, size_t n, const char *lit, size_t len, size_t *out_len)
{
	if (i + len < n && p[i + len] == '=' && name_is(p + i, lit, len)) {
		*out_len = len;
		return true;
	}
	return false;
}

/*
 * The known parameter whose name (letters only, any case) starts at p[i]
 * and is followed by '=' at once (*len set), else SW_AUTH_P_OTHER.  OR 0x20 maps a
 * byte onto a lowercase letter only from that letter's two cases, so a
 * match is all letters: exactly the token that the general scan would
 * find, ending at the '='.  gssapi-data (with its '-') is left to that
 * scan; it only comes in handshakes.
 */
static inline uint8_t
known_name(const char *p, size_t i, size_t n, size_t *len)
{
	switch (p[i] | 0x20) {
	case 'c':
		if (known_at(p, i, n, LIT("crand"), len))
			return SW_AUTH_P_CRAND;
		if (known_at(p, i, n, LIT("cnum"), len))
			return SW_AUTH_P_CNUM;
		break;
	case 'o':
		if (known_at(p, i, n, LIT("opaque"), len))
			return SW_AUTH_P_OPAQUE;
		break;
	case 'q':
		if (known_at(p, i, n, LIT("qop"), len))
			return SW_AUTH_P_QOP;
		break;
	case 'r':
		if (known_at(p, i, n, LIT("realm"), len))
			return SW_AUTH_P_REALM;
		if (known_at(p, i, n, LIT("response"), len))
			return SW_AUTH_P_RESPONSE;
		if (known_at(p, i, n, LIT("rspauth"), len))
			return SW_AUTH_P_RSPAUTH;
		break;
	case 's':
		if (known_at(p, i, n, LIT("srand"), len))
			return SW_AUTH_P_SRAND;
		if (known_at(p, i, n, LIT("snum"), len))
			return SW_AUTH_P_SNUM;
		break;
	case 't':
		if (known_at(p, i, n, LIT("targetname"), len))
			return SW_AUTH_P_TARGETNAME;
		break;
	case 'v':
		if (known_at(p, i, n, LIT("version"), len))
			return SW_AUTH_P_VERSION;
		break;
	case 'a':
		if (known_at(p, i, n, LIT("algorithm"), len))
			return SW_AUTH_P_ALGORITHM;
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

enum sw_auth_rc
sw_auth_parse(struct sw_span value, struct sw_auth *out, uint32_t *err_off)
{
	const char *p = value.p;
	size_t n = value.len, i, s, e, vs, ve, klen = 0;
	struct sw_auth_kv *kv;
	unsigned int k, nkv = 0;
	uint8_t id;
	bool quoted;

	out->scheme.p = NULL;
	out->scheme.len = 0;
	out->n = 0;
	out->hdr_idx = SW_HDR_NONE;
	memset(out->idx, SW_HDR_NONE, sizeof(out->idx));
	*err_off = 0;

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
	if (i == n)
		return SW_AUTH_OK;

	for (;;) {
		/* auth-param = token EQUAL ( token / quoted-string ) */
		s = i;
		id = i < n ? known_name(p, i, n, &klen) : SW_AUTH_P_OTHER;
		if (id != SW_AUTH_P_OTHER) {
			/* A known name straight before '=': what the scan below
			 * finds, without scanning. */
			i = e = s + klen;
		} else {
			for (i = sw_sip_skip_alnum(p, i, n); i < n && is_tchar(p[i]); i++)
				;
			e = i;
			if (e == s)
				return afail(err_off, SW_AUTH_ESYNTAX, s);
			if (e - s > SW_AUTH_NAME_MAX)
				return afail(err_off, SW_AUTH_ESYNTAX, s + SW_AUTH_NAME_MAX);
		}
		/* EQUAL = SWS "=" SWS; usually a bare '=' (skip_lws() is only
		 * needed where LWS is). */
		if (i >= n || p[i] != '=') {
			i = skip_lws(p, i, n);
			if (i >= n || p[i] != '=')
				return afail(err_off, SW_AUTH_ESYNTAX, i);
		}
		i++;
		if (i < n && is_lws(p[i]))
			i = skip_lws(p, i, n);
		if (i < n && p[i] == '"') {
			quoted = true;
			vs = ++i;
			for (;;) {
				i = scan_quote(p, i, n);
				if (i >= n || p[i] == '"')
					break;
				i += 2; /* quoted-pair: '\\' and the byte it escapes */
			}
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

		kv = &out->kv[nkv];
		kv->name.p = p + s;
		kv->name.len = (uint16_t)(e - s);
		kv->id = id != SW_AUTH_P_OTHER ? id : param_lookup(kv->name);
		if (kv->id != SW_AUTH_P_OTHER) {
			if (out->idx[kv->id] != SW_HDR_NONE)
				return afail(err_off, SW_AUTH_EDUP, s);
		} else {
			for (k = 0; k < nkv; k++) {
				if (out->kv[k].id == SW_AUTH_P_OTHER &&
				    span_ieq_span(out->kv[k].name, kv->name))
					return afail(err_off, SW_AUTH_EDUP, s);
			}
		}
		kv->value.p = p + vs;
		kv->value.len = (uint16_t)(ve - vs);
		kv->quoted = quoted;
		if (kv->id != SW_AUTH_P_OTHER)
			out->idx[kv->id] = (uint8_t)nkv;
		/* The count lives in a register: the byte stores above may
		 * alias *out as far as the compiler knows. */
		out->n = (uint8_t)++nkv;

		if (i < n && p[i] != ',')
			i = skip_lws(p, i, n);
		if (i == n)
			return SW_AUTH_OK;
		if (p[i] != ',')
			return afail(err_off, SW_AUTH_ESYNTAX, i);
		/* COMMA SWS: usually one SP. */
		if (i + 2 < n && p[i + 1] == ' ' && !is_lws(p[i + 2]))
			i += 2;
		else
			i = skip_lws(p, i + 1, n);
	}
}

/* Exact (byte-for-byte) compare: these values are signed as written. */
static bool
span_eq(struct sw_span a, struct sw_span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

enum sw_auth_rc
sw_auth_select(const struct sw_sip_msg *msg, enum sw_hdr h, struct sw_span realm,
	       const struct sw_span *targets, unsigned int n_targets, struct sw_auth *out,
	       uint32_t *err_off)
{
	struct sw_auth cur, *dst = out;
	uint8_t i, ours = SW_HDR_NONE;
	unsigned int t;
	enum sw_auth_rc rc;
	uint32_t off;

	/*
	 * Headers are parsed straight into *out until ours is found (the
	 * usual single header then costs no copy), and into cur after it,
	 * only to tell a second one that is ours.
	 */
	*err_off = 0;
	for (i = msg->first[h]; i != SW_HDR_NONE && i < msg->n_hdr; i = msg->hdr[i].next) {
		const struct sw_span v = msg->hdr[i].value;
		size_t base = (size_t)(v.p - msg->base);

		rc = sw_auth_parse(v, dst, &off);
		if (rc != SW_AUTH_OK) {
			*err_off = (uint32_t)(base + off);
			return rc;
		}
		if (!sw_auth_has(dst, SW_AUTH_P_REALM) ||
		    !span_eq(sw_auth_get(dst, SW_AUTH_P_REALM), realm) ||
		    !sw_auth_has(dst, SW_AUTH_P_TARGETNAME))
			continue;
		for (t = 0; t < n_targets; t++) {
			if (span_eq(sw_auth_get(dst, SW_AUTH_P_TARGETNAME), targets[t]))
				break;
		}
		if (t == n_targets)
			continue;
		if (ours != SW_HDR_NONE) {
			*err_off = (uint32_t)base;
			return SW_AUTH_EDUP;
		}
		ours = i;
		out->hdr_idx = i;
		dst = &cur;
	}
	return ours == SW_HDR_NONE ? SW_AUTH_EABSENT : SW_AUTH_OK;
}
