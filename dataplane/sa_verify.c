/*
 * Lcore-side SA helpers: credentials check, signed-buffer job preparation,
 * replay window and retransmission cache, identity binding, response
 * signatures, our Via.  See sa_verify.h.  DPDK-free; no allocation, no locks.
 */

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#if defined(__SSE2__) && !defined(SW_SA_SCALAR_ONLY)
#include "crypto/hex_sse2.h"
#endif

#include "dataplane/sa_verify.h"

static const char *const rc_names[SW_SA_RC_MAX] = {
#define X(id, name, help) [SW_SA_##id] = name,
	SW_SA_RESULTS(X)
#undef X
};

const char *
sw_sa_rc_name(enum sw_sa_rc rc)
{
	if ((unsigned int)rc >= SW_SA_RC_MAX)
		return "?";
	return rc_names[rc];
}

/* One more than the value of a hex digit, 0 for anything else: a table so
 * that parse_hex() runs without a branch per digit (an opaque and a crand on
 * every signed request). */
static const uint8_t hex_nib1[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* 1..max_digits hex digits into *v. */
static bool
parse_hex(struct sw_span s, unsigned int max_digits, uint64_t *v)
{
	uint64_t acc = 0;
	int bad = 0;
	uint16_t i;

	if (s.p == NULL || s.len == 0 || s.len > max_digits)
		return false;
	for (i = 0; i < s.len; i++) {
		int d = (int)hex_nib1[(uint8_t)s.p[i]] - 1;

		bad |= d;
		acc = acc << 4 | (uint64_t)(d & 0xf);
	}
	if (bad < 0)
		return false;
	*v = acc;
	return true;
}

/*
 * Fixed-size hex for the opaques and crand of every forwarded request (an
 * opaque and a crand parsed, three opaques written: branch, sw-sa,
 * sw-loop): inline, without sw_hex_decode()'s or sw_hex_put()'s calls,
 * checks and copies.  SSE2 where built; SW_SA_SCALAR_ONLY builds the
 * scalar twins (eight digits per 64-bit word), which the sa_verify_scalar
 * tests run.
 */
#define SWAR_01 UINT64_C(0x0101010101010101)

#if defined(__SSE2__) && !defined(SW_SA_SCALAR_ONLY)
/* The 16 hex digits at @p p as a number; false if one is not a digit. */
static inline bool
hex16_parse(const char *p, uint64_t *out)
{
	__m128i b;
	uint64_t x;

	if (sw_hex_lanes(_mm_loadu_si128((const __m128i *)(const void *)p), &b) != 0xffffu)
		return false;
	_mm_storel_epi64((__m128i *)(void *)&x, b);
	*out = __builtin_bswap64(x); /* the first byte is the most significant */
	return true;
}

/* The 8 hex digits at @p p as a number; false if one is not a digit. */
static inline bool
hex8_parse(const char *p, uint32_t *out)
{
	__m128i b;
	uint32_t x;

	if ((sw_hex_lanes(_mm_loadl_epi64((const __m128i *)(const void *)p), &b) & 0xffu) != 0xffu)
		return false;
	x = (uint32_t)_mm_cvtsi128_si32(b);
	*out = __builtin_bswap32(x);
	return true;
}

/* Upper-case hex of @p v, most significant digit first: each byte split
 * into its nibbles, high first, then '0' + n, plus 7 where n > 9. */
static inline void
hex16_upper(uint64_t v, char out[SW_SA_OPAQUE_HEX])
{
	const uint64_t be = __builtin_bswap64(v);
	const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)&be);
	const __m128i lo = _mm_and_si128(b, _mm_set1_epi8(0x0f));
	const __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0x0f));
	const __m128i n = _mm_unpacklo_epi8(hi, lo);
	const __m128i a = _mm_and_si128(_mm_cmpgt_epi8(n, _mm_set1_epi8(9)),
					_mm_set1_epi8('A' - '0' - 10));

	_mm_storeu_si128((__m128i *)(void *)out,
			 _mm_add_epi8(_mm_add_epi8(n, _mm_set1_epi8('0')), a));
}
#else
/* A word loaded from memory with its first byte in the low lane. */
static inline uint64_t
le64(uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(x);
#else
	return x;
#endif
}

/*
 * The 8 hex digits at @p p (either case) as a number, in one 64-bit word:
 * false if one is not a hex digit.  Every lane is below 0x80 once the
 * first test passed, so no add below carries into the next lane.
 */
static inline bool
hex8_parse(const char *p, uint32_t *out)
{
	uint64_t x, l, dig, alp, nib;

	memcpy(&x, p, 8);
	x = le64(x); /* first digit in the low lane */
	if ((x & 0x80 * SWAR_01) != 0)
		return false;
	l = x | 0x20 * SWAR_01;
	/* Bit 7 of a lane: x >= '0' and not x >= '9' + 1; l >= 'a' and not l >= 'f' + 1. */
	dig = (x + (0x80 - '0') * SWAR_01) & ~(x + (0x80 - '9' - 1) * SWAR_01);
	alp = (l + (0x80 - 'a') * SWAR_01) & ~(l + (0x80 - 'f' - 1) * SWAR_01);
	if (((dig | alp) & 0x80 * SWAR_01) != 0x80 * SWAR_01)
		return false;
	/* '0'..'9' & 0xf is the value; 'a'..'f' & 0xf is 1..6, plus 9. */
	nib = (x & 0x0f * SWAR_01) + ((alp >> 7) & SWAR_01) * 9;
	/* Pairs, high digit first, into the low byte of each 16-bit lane;
	 * then the four bytes together, the first one lowest. */
	nib = ((nib << 4) | (nib >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	nib = (nib | (nib >> 8)) & UINT64_C(0x0000ffff0000ffff);
	nib = (nib | (nib >> 16)) & UINT64_C(0x00000000ffffffff);
	*out = __builtin_bswap32((uint32_t)nib);
	return true;
}

static inline bool
hex16_parse(const char *p, uint64_t *out)
{
	uint32_t hi, lo;

	if (!hex8_parse(p, &hi) || !hex8_parse(p + 8, &lo))
		return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}

/* The 8 upper-case hex digits of @p v, most significant first, as the
 * bytes of a word in memory order: nibble i of v to lane i, then the
 * lanes reversed. */
static inline uint64_t
hex8_word(uint32_t v)
{
	uint64_t x = v, gt9;

	x = (x | x << 16) & UINT64_C(0x0000ffff0000ffff);
	x = (x | x << 8) & UINT64_C(0x00ff00ff00ff00ff);
	x = (x | x << 4) & 0x0f * SWAR_01;
	/* 1 in the lanes above 9 (a lane + 6 reaches 16 only then). */
	gt9 = ((x + 6 * SWAR_01) >> 4) & SWAR_01;
	x += '0' * SWAR_01 + gt9 * (uint64_t)('A' - '0' - 10);
	return le64(__builtin_bswap64(x));
}

static inline void
hex16_upper(uint64_t v, char out[SW_SA_OPAQUE_HEX])
{
	uint64_t hi = hex8_word((uint32_t)(v >> 32)), lo = hex8_word((uint32_t)v);

	memcpy(out, &hi, 8);
	memcpy(out + 8, &lo, 8);
}
#endif

/*
 * parse_hex() for the lengths every signed request has (a 16-digit opaque,
 * an 8-digit crand); the tests compare the two.
 */
static inline bool
parse_hex_fast(struct sw_span s, unsigned int max_digits, uint64_t *v)
{
	uint32_t x;

	if (s.p != NULL && s.len == 16 && max_digits >= 16)
		return hex16_parse(s.p, v);
	if (s.p != NULL && s.len == 8 && max_digits >= 8) {
		if (!hex8_parse(s.p, &x))
			return false;
		*v = x;
		return true;
	}
	return parse_hex(s, max_digits, v);
}

bool
sw_sa_opaque_parse(struct sw_span v, uint64_t *opaque)
{
	if (v.len != SW_SA_OPAQUE_HEX)
		return false;
	return parse_hex_fast(v, SW_SA_OPAQUE_HEX, opaque);
}

void
sw_sa_opaque_fmt(uint64_t opaque, char out[SW_SA_OPAQUE_HEX])
{
	hex16_upper(opaque, out);
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * sw_span_eq() without its call and memcmp()'s: the spans compared per
 * request (targetname, realm, method and CSeq method) are a few words.
 * Loads overlap rather than loop over a tail: 4..8 bytes are two 4-byte
 * loads, 8..16 two 8-byte ones, longer ones 8 at a time and then the
 * last 8.
 */
static inline bool
span_eq(struct sw_span a, struct sw_span b)
{
	uint64_t x, y, u, v, d = 0;
	uint32_t x4, y4, u4, v4;
	size_t i, n = a.len;

	if (a.len != b.len)
		return false;
	if (n >= 8) {
		for (i = 0; i + 16 < n; i += 8) {
			memcpy(&x, a.p + i, 8);
			memcpy(&y, b.p + i, 8);
			d |= x ^ y;
		}
		memcpy(&x, a.p + i, 8);
		memcpy(&y, b.p + i, 8);
		memcpy(&u, a.p + n - 8, 8);
		memcpy(&v, b.p + n - 8, 8);
		return (d | (x ^ y) | (u ^ v)) == 0;
	}
	if (n >= 4) {
		memcpy(&x4, a.p, 4);
		memcpy(&y4, b.p, 4);
		memcpy(&u4, a.p + n - 4, 4);
		memcpy(&v4, b.p + n - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	for (i = 0; i < n; i++)
		d |= (uint8_t)(a.p[i] ^ b.p[i]);
	return d == 0;
}

/*
 * sw_scheme_from(scheme) == s, without its strlen() and strncasecmp() per
 * known scheme: the credentials' scheme against the SA's name.  The names
 * differ, so matching s's is matching no other; they are letters only, so
 * OR 0x20 folds exactly a letter's two cases (and maps no other byte onto
 * a letter).
 */
static bool
scheme_is(struct sw_span scheme, enum sw_scheme s)
{
	const char *name = sw_scheme_name(s);
	uint16_t i;

	if (name == NULL || scheme.p == NULL)
		return sw_scheme_from(scheme.p, scheme.len) == s;
	for (i = 0; i < scheme.len; i++)
		if (name[i] == '\0' || (scheme.p[i] | 0x20) != (name[i] | 0x20))
			return false;
	return name[i] == '\0';
}

/* cnum: 1..10 decimal digits, value < 2^32. */
static bool
parse_cnum(struct sw_span s, uint32_t *out)
{
	uint64_t v = 0;
	uint16_t i;

	if (s.p == NULL || s.len == 0 || s.len > 10)
		return false;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

enum sw_sa_rc
sw_sa_check_cred(const struct sw_sa_policy *pol, const struct sw_sa_rt *sa,
		 const struct sw_auth *cred, uint64_t now_ms, uint32_t *cnum, uint32_t *crand)
{
	struct sw_span target = sw_auth_get(cred, SW_AUTH_P_TARGETNAME);
	uint64_t r;
	uint32_t n;

	if ((__atomic_load_n(&sa->flags, __ATOMIC_RELAXED) & SW_SA_F_DEAD) != 0 ||
	    now_ms >= sa->expires_ms)
		return SW_SA_EXPIRED;
	if (!scheme_is(cred->scheme, (enum sw_scheme)sa->scheme))
		return SW_SA_SCHEME;
	if (!span_eq(target, pol->target[sa->scheme]) ||
	    !span_eq(sw_auth_get(cred, SW_AUTH_P_REALM), pol->realm))
		return SW_SA_TARGET;
	/*
	 * The version was settled by the handshake and the signed buffer is
	 * built with the SA's.  Deployed clients (pidgin-sipe's
	 * msg_signature_to_auth) leave version= out of signed requests, so an
	 * absent parameter means "the SA's version"; a present one must agree.
	 */
	if (sw_auth_has(cred, SW_AUTH_P_VERSION) &&
	    sw_sigbuf_version(sw_auth_get(cred, SW_AUTH_P_VERSION)) != sa->version)
		return SW_SA_VERSION;
	if (!parse_hex_fast(sw_auth_get(cred, SW_AUTH_P_CRAND), 8, &r) ||
	    !parse_cnum(sw_auth_get(cred, SW_AUTH_P_CNUM), &n) ||
	    sw_auth_get(cred, SW_AUTH_P_RESPONSE).len == 0)
		return SW_SA_NO_SIG;
	*cnum = n;
	*crand = (uint32_t)r;
	return SW_SA_OK;
}

static void
sigbuf_auth_of(const struct sw_sa_rt *sa, const struct sw_auth *cred, struct sw_sigbuf_auth *a)
{
	a->scheme = cred->scheme;
	a->rand = sw_auth_get(cred, SW_AUTH_P_CRAND);
	a->num = sw_auth_get(cred, SW_AUTH_P_CNUM);
	a->realm = sw_auth_get(cred, SW_AUTH_P_REALM);
	a->targetname = sw_auth_get(cred, SW_AUTH_P_TARGETNAME);
	a->version = sa->version;
}

/* Decode the response parameter; false if it is not hex or too long. */
static bool
response_token(const struct sw_auth *cred, uint8_t *tok, size_t cap, size_t *len)
{
	struct sw_span r = sw_auth_get(cred, SW_AUTH_P_RESPONSE);
	int n = sw_hex_decode(r.p, r.len, tok, cap);

	if (n <= 0)
		return false;
	*len = (size_t)n;
	return true;
}

enum sw_sa_rc
sw_sa_req_prep(const struct sw_sa_rt *sa, const struct sw_sip_msg *msg, const struct sw_auth *cred,
	       uint8_t *slot, uint8_t tag_scratch[SW_MAC_TAG_MAX], struct sw_mac_job *job)
{
	struct sw_sigbuf_auth a;
	struct sw_wbuf w;
	uint8_t tok[SW_SIG_TOKEN_MAX];
	size_t tlen;
	int rc;

	if (!response_token(cred, tok, sizeof(tok), &tlen))
		return SW_SA_NO_SIG;
	sigbuf_auth_of(sa, cred, &a);
	sw_wbuf_init(&w, slot + SW_SIG_HEADROOM, SW_SIGBUF_MAX);
	if (sw_sigbuf_build(msg, &a, &w) != 0 || !sw_wbuf_ok(&w))
		return SW_SA_TOO_BIG;
	rc = sw_sig_ckey_job_prep(sw_sa_c2s(sa), slot, w.len, tok, tlen, tag_scratch, job);
	if (rc == -EBADMSG)
		return SW_SA_BAD_SIG;
	if (rc != 0)
		return SW_SA_TOO_BIG;
	return SW_SA_OK;
}

enum sw_sa_rc
sw_sa_verify_scalar(const struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
		    const struct sw_auth *cred)
{
	static __thread uint8_t buf[SW_MAC_MSG_MAX];
	struct sw_sigbuf_auth a;
	struct sw_wbuf w;
	uint8_t tok[SW_SIG_TOKEN_MAX];
	size_t tlen;

	if (!response_token(cred, tok, sizeof(tok), &tlen))
		return SW_SA_NO_SIG;
	sigbuf_auth_of(sa, cred, &a);
	sw_wbuf_init(&w, buf, sizeof(buf));
	if (sw_sigbuf_build(msg, &a, &w) != 0 || !sw_wbuf_ok(&w))
		return SW_SA_BAD_SIG;
	return sw_sig_ckey_verify(sw_sa_c2s(sa), buf, w.len, tok, tlen) == 0 ? SW_SA_OK
									  : SW_SA_BAD_SIG;
}

/*
 * Replay window: bits 63..32 the highest accepted cnum, bit d of 31..0 set
 * when top - d was accepted.  Bit 0 is set as soon as anything was accepted,
 * so a zero word means "nothing yet".  No shift reaches 32.
 */
enum sw_sa_cnum
sw_sa_cnum_check(const struct sw_sa_rt *sa, uint32_t cnum)
{
	uint64_t w = __atomic_load_n(&sa->window, __ATOMIC_RELAXED);
	uint32_t top = (uint32_t)(w >> 32), map = (uint32_t)w, d;

	if (map == 0 || cnum > top)
		return SW_SA_CNUM_NEW;
	d = top - cnum;
	if (d >= SW_SA_WINDOW)
		return SW_SA_CNUM_OLD;
	return (map >> d) & 1u ? SW_SA_CNUM_SEEN : SW_SA_CNUM_NEW;
}

bool
sw_sa_cnum_commit(struct sw_sa_rt *sa, uint32_t cnum)
{
	uint64_t w = __atomic_load_n(&sa->window, __ATOMIC_RELAXED), nw;
	uint32_t top, map, d;

	do {
		top = (uint32_t)(w >> 32);
		map = (uint32_t)w;
		if (map == 0) {
			nw = (uint64_t)cnum << 32 | 1u;
		} else if (cnum > top) {
			d = cnum - top;
			map = d < SW_SA_WINDOW ? map << d | 1u : 1u;
			nw = (uint64_t)cnum << 32 | map;
		} else {
			d = top - cnum;
			if (d >= SW_SA_WINDOW || ((map >> d) & 1u) != 0)
				return false;
			nw = w | (uint64_t)1u << d;
		}
	} while (!__atomic_compare_exchange_n(&sa->window, &w, nw, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

/*
 * Retransmission slots (sa_rt.h SW_SA_RETX_*): digest and time packed in one
 * word, so one atomic store publishes both and a reader can never pair one
 * acceptance's digest with another's time.
 */

void
sw_sa_retx_record(struct sw_sa_rt *sa, uint64_t digest, uint64_t now_ms)
{
	uint32_t i = __atomic_fetch_add(&sa->retx_next, 1, __ATOMIC_RELAXED) % SW_SA_RETX_SLOTS;

	__atomic_store_n(&sa->retx[i],
			 (digest & ~SW_SA_RETX_TIME_MASK) | (now_ms & SW_SA_RETX_TIME_MASK),
			 __ATOMIC_RELAXED);
}

bool
sw_sa_retx_match(const struct sw_sa_rt *sa, uint64_t digest, uint64_t now_ms)
{
	unsigned int i;
	uint64_t v, age;

	for (i = 0; i < SW_SA_RETX_SLOTS; i++) {
		v = __atomic_load_n(&sa->retx[i], __ATOMIC_RELAXED);
		if (v == 0 || ((v ^ digest) & ~SW_SA_RETX_TIME_MASK) != 0)
			continue;
		age = (now_ms - v) & SW_SA_RETX_TIME_MASK;
		if (age <= SW_SA_RETX_MS || age > SW_SA_RETX_TIME_MASK - SW_SA_RETX_AHEAD_MS)
			return true;
	}
	return false;
}

enum sw_sa_rc
sw_sa_replay_verdict(const struct sw_sa_policy *pol, const struct sw_sa_rt *sa,
		     const void *datagram, size_t len, uint64_t now_ms)
{
	uint64_t d = sw_digest(pol->digest, datagram, len);

	return sw_sa_retx_match(sa, d, now_ms) ? SW_SA_RETX : SW_SA_REPLAY;
}

enum sw_sa_rc
sw_sa_req_commit(const struct sw_sa_policy *pol, struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
		 const void *datagram, size_t len, uint32_t cnum, uint64_t now_ms)
{
	uint64_t d = sw_digest(pol->digest, datagram, len);

	if (!sw_sa_cnum_commit(sa, cnum))
		return sw_sa_retx_match(sa, d, now_ms) ? SW_SA_RETX : SW_SA_REPLAY;
	sw_sa_retx_record(sa, d, now_ms);
	/* The signature does not cover the request line (PROTOCOL.md §4). */
	if (!span_eq(msg->method, msg->cseq_method))
		return SW_SA_CSEQ;
	if (!sw_sa_from_ok(pol, sa, msg))
		return SW_SA_IDENTITY;
	return SW_SA_OK;
}

/*
 * The From URI: what sw_sip_uri_of() of the From value gives, which
 * sw_sip_parse() recorded while it validated the header (msg->from_uri;
 * tests/sip check the two agree, pointer and length, for every parsed
 * message), so it is not scanned again per request.  It is also the URI the
 * signature covers.
 */
static struct sw_span
from_uri(const struct sw_sip_msg *msg)
{
	return msg->from_uri;
}

/*
 * The user part is what lies between the scheme and the first '@'.  It
 * equals @p user exactly when the byte user_len on is '@' and the bytes
 * before it match user and are no '@' themselves, so the match is made
 * in one pass without searching for the '@' first.  "sip:" / "sips:" are
 * tested as words: OR 0x20 folds exactly the two cases of a letter.
 */
bool
sw_sa_from_user_is(const struct sw_sip_msg *msg, const char *user, size_t user_len)
{
	struct sw_span uri = from_uri(msg);
	uint32_t w4, sip, sips, fold3, fold4;
	size_t i, skip;

	if (uri.p == NULL || user_len == 0 || uri.len < 4)
		return false;
	/* Constants in memory order, whatever the byte order. */
	memcpy(&sip, "sip:", 4);
	memcpy(&sips, "sips", 4);
	memcpy(&fold3, "\x20\x20\x20\x00", 4);
	memcpy(&fold4, "\x20\x20\x20\x20", 4);
	memcpy(&w4, uri.p, 4);
	if ((w4 | fold3) == sip)
		skip = 4;
	else if (uri.len >= 5 && (w4 | fold4) == sips && uri.p[4] == ':')
		skip = 5;
	else
		return false;
	if (uri.len - skip <= user_len || uri.p[skip + user_len] != '@')
		return false;
	for (i = 0; i < user_len; i++) {
		char c = uri.p[skip + i];

		if (c == '@' || lower(c) != lower(user[i]))
			return false;
	}
	return true;
}

int
sw_sa_aor_canon(const char *uri, size_t len, char *out, size_t cap)
{
	size_t skip, at, end, n, i;

	if (uri == NULL || out == NULL || cap == 0)
		return -EINVAL;
	if (len >= 4 && lower(uri[0]) == 's' && lower(uri[1]) == 'i' && lower(uri[2]) == 'p' &&
	    uri[3] == ':')
		skip = 4;
	else if (len >= 5 && lower(uri[0]) == 's' && lower(uri[1]) == 'i' && lower(uri[2]) == 'p' &&
		 lower(uri[3]) == 's' && uri[4] == ':')
		skip = 5;
	else
		return -EINVAL;
	/* The user part ends at the first '@' (RFC 3261 §25.1: '@' is not
	 * allowed unescaped in userinfo; ';' and '?' are). */
	for (at = skip; at < len && uri[at] != '@'; at++)
		;
	if (at == len || at == skip)
		return -EINVAL;
	for (end = at + 1; end < len && uri[end] != ';' && uri[end] != '?' && uri[end] != '>';
	     end++)
		;
	if (end == at + 1)
		return -EINVAL;
	n = end - skip;
	if (n > SW_SA_AOR_LEN_MAX)
		return -ENAMETOOLONG;
	if (n + 1 > cap)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++) {
		char c = uri[skip + i];

		/* Control bytes and blanks are never part of an AOR. */
		if ((unsigned char)c <= ' ' || c == 0x7f)
			return -EINVAL;
		out[i] = lower(c);
	}
	out[n] = '\0';
	return (int)n;
}

bool
sw_sa_from_match(const struct sw_sa_policy *pol, const struct sw_sip_msg *msg, const char *user,
		 size_t user_len, const uint64_t *aor, unsigned int n)
{
	struct sw_span uri;
	char canon[SW_SA_AOR_LEN_MAX + 1];
	uint64_t d;
	unsigned int i;
	int len;

	if (n == 0)
		return sw_sa_from_user_is(msg, user, user_len);
	uri = from_uri(msg);
	if (uri.p == NULL)
		return false;
	len = sw_sa_aor_canon(uri.p, uri.len, canon, sizeof(canon));
	if (len < 0)
		return false;
	d = sw_digest(pol->digest, canon, (size_t)len);
	for (i = 0; i < n; i++)
		if (aor[i] == d)
			return true;
	return false;
}

bool
sw_sa_from_ok(const struct sw_sa_policy *pol, const struct sw_sa_rt *sa,
	      const struct sw_sip_msg *msg)
{
	/* The user rule, as sw_sa_from_match() with no AORs, one call fewer
	 * for the usual SA. */
	if (sa->aor_n == 0)
		return sw_sa_from_user_is(msg, sw_sa_user(sa), sa->user_len);
	return sw_sa_from_match(pol, msg, sw_sa_user(sa), sa->user_len, sw_sa_aors(sa),
				sa->aor_n);
}

/*
 * Hot/cold split: compact keys then the user name into kb[] when they fit,
 * else the keys (and, if need be, the user name) into ext.  The same layout
 * decides the ext size and fills the record.
 */
static size_t
bind_layout(const struct sw_sa_keys *k, size_t *c, size_t *s, bool *keys_ext, bool *user_ext,
	    size_t *key_off)
{
	size_t u = k->user_len;

	*c = sw_sig_ckey_size_of(&k->c2s);
	*s = sw_sig_ckey_size_of(&k->s2c);
	*keys_ext = *c + *s > SW_SA_KB_INLINE;
	*user_ext = (*keys_ext ? u : *c + *s + u) > SW_SA_KB_INLINE;
	/* Both in ext: the user name first, the keys 8-byte aligned after it
	 * (offsets stay below 256). */
	*key_off = *keys_ext && *user_ext ? (u + 7u) & ~(size_t)7u : 0;
	if (*keys_ext)
		return *key_off + *c + *s;
	return *user_ext ? u : 0;
}

/* Where the AOR digests go in ext: after the rest, 8-byte aligned. */
static size_t
aor_off_of(size_t base)
{
	return (base + 7u) & ~(size_t)7u;
}

size_t
sw_sa_rt_ext_size(const struct sw_sa_keys *k)
{
	size_t c, s, ko, base;
	bool ke, ue;

	base = bind_layout(k, &c, &s, &ke, &ue, &ko);
	if (k->aor_n == 0)
		return base;
	return aor_off_of(base) + 8u * k->aor_n;
}

size_t
sw_sa_rt_ext_bytes(const struct sw_sa_rt *rt)
{
	if (rt->aor_n != 0)
		return 8u * ((size_t)rt->aor_off8 + rt->aor_n);
	if ((rt->kb_flags & SW_SA_KB_EXT_KEYS) != 0)
		return (size_t)rt->key_off + rt->s2c_off + sw_sig_ckey_size(sw_sa_s2c(rt));
	if ((rt->kb_flags & SW_SA_KB_EXT_USER) != 0)
		return rt->user_len;
	return 0;
}

int
sw_sa_rt_bind(struct sw_sa_rt *rt, struct sw_sa_keys *k, uint8_t *ext)
{
	size_t c, s, need, key_off, uoff, aor_off;
	bool keys_ext, user_ext;
	uint8_t *kb, *ub;

	if (rt == NULL || k == NULL)
		return -EINVAL;
	need = bind_layout(k, &c, &s, &keys_ext, &user_ext, &key_off);
	if (k->aor_n > SW_SA_AOR_MAX || aor_off_of(need) / 8u > UINT8_MAX)
		return -EINVAL;
	aor_off = aor_off_of(need);
	if (k->aor_n != 0)
		need = aor_off + 8u * k->aor_n;
	if (c == 0 || s == 0 || (need != 0 && ext == NULL))
		return -EINVAL;
	kb = keys_ext ? ext + key_off : rt->kb;
	if (sw_sig_ckey_init((struct sw_sig_ckey *)(void *)kb, c, &k->c2s) < 0 ||
	    sw_sig_ckey_init((struct sw_sig_ckey *)(void *)(kb + c), s, &k->s2c) < 0)
		return -EINVAL;
	ub = user_ext ? ext : rt->kb;
	uoff = user_ext || keys_ext ? 0 : c + s;
	memcpy(ub + uoff, k->user, k->user_len);
	if (k->aor_n != 0)
		memcpy(ext + aor_off, k->aor, 8u * k->aor_n);
	rt->aor_n = k->aor_n;
	rt->aor_off8 = (uint8_t)(aor_off / 8u);
	rt->keys = k;
	rt->ext = need != 0 ? ext : NULL;
	rt->key_off = (uint8_t)key_off;
	rt->s2c_off = (uint8_t)c;
	rt->user_off = (uint8_t)uoff;
	rt->user_len = k->user_len;
	rt->krb_seq_s2c0 = k->krb_seq_s2c0;
	rt->kb_flags = (uint8_t)(SW_SA_KB_BOUND | (keys_ext ? SW_SA_KB_EXT_KEYS : 0) |
				 (user_ext ? SW_SA_KB_EXT_USER : 0));
	return 0;
}

/* xoshiro256** (Blackman, Vigna), seeded from the kernel CSPRNG. */
int
sw_sa_rng_seed(struct sw_sa_rng *r)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(r->s)) {
		n = getrandom((uint8_t *)r->s + got, sizeof(r->s) - got, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -EIO;
		}
		got += (size_t)n;
	}
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
	return 0;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return x << k | x >> (64 - k);
}

uint32_t
sw_sa_rng_next(struct sw_sa_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return (uint32_t)(res >> 32);
}

static void
put_quoted(struct sw_wbuf *w, const char *name, const void *v, size_t len)
{
	sw_wbuf_puts(w, name);
	sw_wbuf_put(w, "=\"", 2);
	sw_wbuf_put(w, v, len);
	sw_wbuf_put(w, "\"", 1);
}

/*
 * The server signature of any message to the client of @p sa, in three
 * steps: sign_begin() takes snum and srand and builds the signed buffer (a
 * request's or a response's by msg->status, sigbuf.h) at @p sbuf; the token
 * is made from it, by one scalar HMAC (sign_msg()) or in an lcore's burst
 * (sw_sa_sign_prep()); sign_put() writes the header value.
 */
static int
sign_begin(const struct sw_sa_policy *pol, struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
	   struct sw_sa_rng *rng, struct sw_sa_sign_pend *sp, uint8_t *sbuf, size_t *sb_len)
{
	static const char digits[] = "0123456789abcdef";
	const char *scheme = sw_scheme_name((enum sw_scheme)sa->scheme);
	char snum_s[20];
	struct sw_sigbuf_auth a;
	struct sw_wbuf sb, ns;
	uint32_t r;
	int i;

	if (scheme == NULL)
		return -EINVAL;
	sp->sa = sa;
	sp->snum = __atomic_fetch_add(&sa->snum, 1, __ATOMIC_RELAXED) + 1;
	r = sw_sa_rng_next(rng);
	for (i = 0; i < 8; i++)
		sp->srand[i] = digits[(r >> (28 - 4 * i)) & 0xf];
	sw_wbuf_init(&ns, snum_s, sizeof(snum_s));
	sw_wbuf_put_u64(&ns, sp->snum);

	a.scheme.p = scheme;
	a.scheme.len = (uint16_t)strlen(scheme);
	a.rand.p = sp->srand;
	a.rand.len = 8;
	a.num.p = snum_s;
	a.num.len = (uint16_t)ns.len;
	a.realm = pol->realm;
	a.targetname = pol->target[sa->scheme];
	a.version = sa->version;
	sw_wbuf_init(&sb, sbuf, SW_SIGBUF_MAX);
	if (sw_sigbuf_build(msg, &a, &sb) != 0 || !sw_wbuf_ok(&sb))
		return -ENOSPC;
	*sb_len = sb.len;
	return 0;
}

/* The Kerberos sequence number of the server's signature number snum
 * (PROTOCOL.md §3); unused for NTLM. */
static inline uint64_t
sign_seq(const struct sw_sa_sign_pend *sp)
{
	return sp->sa->krb_seq_s2c0 + sp->snum - 1;
}

static int
sign_put(const struct sw_sa_policy *pol, const struct sw_sa_sign_pend *sp, bool with_ap_rep,
	 struct sw_wbuf *out)
{
	const struct sw_sa_rt *sa = sp->sa;
	const char *scheme = sw_scheme_name((enum sw_scheme)sa->scheme);
	char opq[SW_SA_OPAQUE_HEX];
	struct sw_span target = pol->target[sa->scheme];

	sw_sa_opaque_fmt(sa->opaque, opq);
	sw_wbuf_puts(out, scheme);
	sw_wbuf_puts(out, " qop=\"auth\", ");
	put_quoted(out, "opaque", opq, sizeof(opq));
	sw_wbuf_put(out, ", ", 2);
	put_quoted(out, "realm", pol->realm.p, pol->realm.len);
	sw_wbuf_put(out, ", ", 2);
	put_quoted(out, "targetname", target.p, target.len);
	sw_wbuf_put(out, ", ", 2);
	put_quoted(out, "srand", sp->srand, 8);
	sw_wbuf_puts(out, ", snum=\"");
	sw_wbuf_put_u64(out, sp->snum);
	sw_wbuf_puts(out, "\", rspauth=\"");
	sw_wbuf_put_hex(out, sp->token, sp->token_len);
	sw_wbuf_put(out, "\"", 1);
	/* Only the control plane asks for the AP-REP: only it reads the cold record. */
	if (with_ap_rep && sa->keys != NULL && sa->keys->ap_rep_len != 0) {
		sw_wbuf_put(out, ", ", 2);
		put_quoted(out, "gssapi-data", sa->keys->ap_rep_b64, sa->keys->ap_rep_len);
	}
	return sw_wbuf_ok(out) ? 0 : -ENOSPC;
}

static int
sign_msg(const struct sw_sa_policy *pol, struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
	 struct sw_sa_rng *rng, bool with_ap_rep, uint8_t *scratch, struct sw_wbuf *out)
{
	struct sw_sa_sign_pend sp;
	size_t len;
	int n;

	n = sign_begin(pol, sa, msg, rng, &sp, scratch, &len);
	if (n != 0)
		return n;
	n = sw_sig_ckey_sign(sw_sa_s2c(sa), scratch, len, sign_seq(&sp), sp.token,
			     sizeof(sp.token));
	if (n < 0)
		return n;
	sp.token_len = (uint8_t)n;
	return sign_put(pol, &sp, with_ap_rep, out);
}

int
sw_sa_sign_prep(const struct sw_sa_policy *pol, struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
		struct sw_sa_rng *rng, uint8_t *slot, struct sw_sa_sign_pend *sp,
		struct sw_mac_job *job)
{
	size_t len;
	int n;

	n = sign_begin(pol, sa, msg, rng, sp, slot + SW_SIG_HEADROOM, &len);
	if (n != 0)
		return n;
	n = sw_sig_ckey_sign_prep(sw_sa_s2c(sa), slot, (uint32_t)len, sign_seq(sp), sp->token,
				  job);
	if (n != -ENOTSUP)
		return n;
	/* rc4-hmac: scalar now, with the snum already taken. */
	n = sw_sig_ckey_sign(sw_sa_s2c(sa), slot + SW_SIG_HEADROOM, len, sign_seq(sp), sp->token,
			     sizeof(sp->token));
	if (n < 0)
		return n;
	sp->token_len = (uint8_t)n;
	return 1;
}

int
sw_sa_sign_finish(const struct sw_sa_policy *pol, struct sw_sa_sign_pend *sp,
		  const uint8_t *digest, struct sw_wbuf *out)
{
	if (digest != NULL) {
		int n = sw_sig_ckey_sign_finish(sw_sa_s2c(sp->sa), digest, sp->token);

		if (n < 0)
			return n;
		sp->token_len = (uint8_t)n;
	}
	return sign_put(pol, sp, false, out);
}

int
sw_sa_sign_response(const struct sw_sa_policy *pol, struct sw_sa_rt *sa,
		    const struct sw_sip_msg *rsp, struct sw_sa_rng *rng, bool with_ap_rep,
		    uint8_t *scratch, struct sw_wbuf *out)
{
	if (rsp->status == 0)
		return -EINVAL;
	return sign_msg(pol, sa, rsp, rng, with_ap_rep, scratch, out);
}

int
sw_sa_sign_request(const struct sw_sa_policy *pol, struct sw_sa_rt *sa,
		   const struct sw_sip_msg *req, struct sw_sa_rng *rng, uint8_t *scratch,
		   struct sw_wbuf *out)
{
	if (req->status != 0)
		return -EINVAL;
	return sign_msg(pol, sa, req, rng, false, scratch, out);
}

bool
sw_sa_rsp_needs_cp(const struct sw_sa_rt *sa, const struct sw_sip_msg *rsp)
{
	if ((__atomic_load_n(&sa->flags, __ATOMIC_RELAXED) & SW_SA_F_AP_REP_PENDING) != 0)
		return true;
	return rsp->status >= 200 && rsp->status < 300 && sw_span_ieq(rsp->cseq_method, "REGISTER");
}

/* Decimal value of a span; -1 if not 1..10 digits. */
static int64_t
span_num(struct sw_span s)
{
	int64_t v = 0;
	uint16_t i;

	if (s.p == NULL || s.len == 0 || s.len > 10)
		return -1;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	return v;
}

bool
sw_sa_is_unregister(const struct sw_sip_msg *req)
{
	struct sw_span v, e;
	uint8_t idx;
	uint16_t pos = 0;
	bool any = false;

	/* The length first: every forwarded request asks. */
	if (req->method.len != 8 || !sw_span_ieq(req->method, "REGISTER"))
		return false;
	if (span_num(sw_sip_expires(req)) == 0)
		return true;
	idx = req->first[SW_HDR_CONTACT];
	if (idx == SW_HDR_NONE)
		return false;
	while (sw_sip_next_value(req, &idx, &pos, &v)) {
		if (v.len == 1 && v.p[0] == '*')
			return true;
		if (!sw_sip_param_of(v, "expires", &e) || span_num(e) != 0)
			return false;
		any = true;
	}
	return any;
}

void
sw_sa_note_request(struct sw_sa_rt *sa, const struct sw_sip_msg *req)
{
	if (sw_sa_is_unregister(req))
		__atomic_fetch_or(&sa->flags, SW_SA_F_UNREG, __ATOMIC_RELAXED);
}

/* LWS inside a header value: SP, HTAB and the CR LF of a fold (as the
 * parser's is_lws()). */
static bool
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Top Via value (first comma-separated element of the first Via line), as
 * sw_sip_next_value() yields it.  When the first line has no comma, that
 * element is the whole line minus surrounding LWS (a quoted string or <>
 * only matters around a comma), found without the element scan; anything
 * else (a comma, a line of LWS only) takes the general walk.  Every
 * forwarded request's branch hashes this value.
 */
bool
sw_sa_top_via(const struct sw_sip_msg *msg, struct sw_span *out)
{
	uint8_t idx = msg->first[SW_HDR_VIA];
	uint16_t pos = 0;
	struct sw_span v;

	if (idx == SW_HDR_NONE)
		return false;
	if (idx < msg->n_hdr) {
		v = msg->hdr[idx].value;
		if (v.len != 0 && memchr(v.p, ',', v.len) == NULL) {
			while (v.len != 0 && is_lws(v.p[0])) {
				v.p++;
				v.len--;
			}
			while (v.len != 0 && is_lws(v.p[v.len - 1]))
				v.len--;
			if (v.len != 0) {
				*out = v;
				return true;
			}
		}
	}
	return sw_sip_next_value(msg, &idx, &pos, out);
}

#define OUR_BRANCH "z9hG4bK-sw"    /* client -> upstream */
#define OUR_BRANCH_IN "z9hG4bK-si" /* upstream -> client */

/* "00" .. "99": two decimal digits per look-up for the client's address and
 * port in every Via we push. */
static const char dec_pairs[201] = "00010203040506070809101112131415161718192021222324"
				   "25262728293031323334353637383940414243444546474849"
				   "50515253545556575859606162636465666768697071727374"
				   "75767778798081828384858687888990919293949596979899";

/* Decimal of an octet, no leading zeros, at @p t.  @return its length. */
static unsigned int
dec8(char *t, unsigned int v)
{
	if (v >= 100) {
		unsigned int h = v >= 200 ? 2 : 1;

		t[0] = (char)('0' + h);
		memcpy(t + 1, dec_pairs + 2 * (v - 100 * h), 2);
		return 3;
	}
	if (v >= 10) {
		memcpy(t, dec_pairs + 2 * v, 2);
		return 2;
	}
	t[0] = (char)('0' + v);
	return 1;
}

/* Longest addr_text(): "[" 8 * "xxxx" 7 * ":" "]". */
#define ADDR_TEXT_MAX 41u

/*
 * The client's address as text, written straight into the Via: inet_ntop()
 * goes through sprintf() per octet or group, which was a visible share of
 * the per-request cost.  IPv6 is written as eight groups without "::"
 * compression (valid RFC 4291 §2.2 text; only sw_sa_via_parse() reads it).
 * @return the length written at @p t (ADDR_TEXT_MAX bytes of room).
 */
static unsigned int
addr_text(char *t, const struct sw_sa_src *src)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i, g, n = 0;

	if (src->af == AF_INET) {
		for (i = 0; i < 4; i++) {
			if (i != 0)
				t[n++] = '.';
			n += dec8(t + n, src->addr[i]);
		}
		return n;
	}
	t[n++] = '[';
	for (i = 0; i < 8; i++) {
		g = (unsigned int)src->addr[2 * i] << 8 | src->addr[2 * i + 1];
		if (i != 0)
			t[n++] = ':';
		if (g >= 0x1000)
			t[n++] = hex[g >> 12];
		if (g >= 0x100)
			t[n++] = hex[(g >> 8) & 0xf];
		if (g >= 0x10)
			t[n++] = hex[(g >> 4) & 0xf];
		t[n++] = hex[g & 0xf];
	}
	t[n++] = ']';
	return n;
}

/* The address as text (addr_text()), one put. */
static void
put_addr(struct sw_wbuf *w, const struct sw_sa_src *src)
{
	char t[ADDR_TEXT_MAX];

	sw_wbuf_put(w, t, addr_text(t, src));
}

/* Decimal of a port (< 65536), no leading zeros, at @p t.  @return its
 * length. */
static inline unsigned int
dec16(char *t, unsigned int v)
{
	unsigned int n = 0;

	if (v < 100)
		return dec8(t, v);
	if (v >= 10000) {
		t[n++] = (char)('0' + v / 10000);
		v %= 10000;
	}
	/* Four digits left after a fifth, else three or four. */
	if (n != 0 || v >= 1000) {
		memcpy(t + n, dec_pairs + 2 * (v / 100), 2);
		n += 2;
	} else {
		t[n++] = (char)('0' + v / 100);
	}
	memcpy(t + n, dec_pairs + 2 * (v % 100), 2);
	return n + 2;
}

#define BRANCH_PREFIX_LEN 10u /* OUR_BRANCH, OUR_BRANCH_IN */
_Static_assert(sizeof(OUR_BRANCH) - 1 == BRANCH_PREFIX_LEN &&
		       sizeof(OUR_BRANCH_IN) - 1 == BRANCH_PREFIX_LEN,
	       "branch prefixes are BRANCH_PREFIX_LEN bytes");

/* Longest via_tail_fmt(): ";branch=" prefix <16> ";sw-sa=" <16> ";sw-src="
 * addr ":" port. */
#define VIA_TAIL_MAX                                                                          \
	(8u + BRANCH_PREFIX_LEN + SW_SA_OPAQUE_HEX + 7u + SW_SA_OPAQUE_HEX + 8u + ADDR_TEXT_MAX + \
	 1u + 5u)

/* Our Via after the sent-by: branch, sw-sa, sw-src, at @p t (VIA_TAIL_MAX
 * bytes of room), for the top Via value @p via (sw_sa_top_via(), or empty).
 * @return the length written. */
static unsigned int
via_tail_fmt(const struct sw_sa_policy *pol, const struct sw_sip_msg *req, struct sw_span via,
	     uint64_t opaque, const char *prefix, const struct sw_sa_src *src, char *t)
{
	unsigned int n = 0;
	uint64_t b;

	/* RFC 3261 §16.11: the same for every retransmission of the request;
	 * one GHASH chain over the top Via and the Request-URI. */
	b = sw_digest_public2(pol->digest, via.p, via.len, req->ruri.p, req->ruri.len);
	memcpy(t + n, ";branch=", 8);
	n += 8;
	memcpy(t + n, prefix, BRANCH_PREFIX_LEN);
	n += BRANCH_PREFIX_LEN;
	hex16_upper(b, t + n);
	n += SW_SA_OPAQUE_HEX;
	memcpy(t + n, ";sw-sa=", 7);
	n += 7;
	hex16_upper(opaque, t + n);
	n += SW_SA_OPAQUE_HEX;
	memcpy(t + n, ";sw-src=", 8);
	n += 8;
	n += addr_text(t + n, src);
	t[n++] = ':';
	n += dec16(t + n, src->port);
	return n;
}

/* via_tail_fmt() on the stack, appended with one put (one room check). */
static int
via_tail(const struct sw_sa_policy *pol, const struct sw_sip_msg *req, struct sw_span via,
	 uint64_t opaque, const char *prefix, const struct sw_sa_src *src, struct sw_wbuf *w)
{
	char t[VIA_TAIL_MAX];

	sw_wbuf_put(w, t, via_tail_fmt(pol, req, via, opaque, prefix, src, t));
	return sw_wbuf_ok(w) ? 0 : -ENOSPC;
}

static bool
src_ok(const struct sw_sa_src *src)
{
	return src != NULL && (src->af == AF_INET || src->af == AF_INET6);
}

int
sw_sa_via_write_in(const struct sw_sa_policy *pol, const struct sw_sip_msg *req,
		   uint64_t opaque, const struct sw_sa_src *self, const struct sw_sa_src *from,
		   struct sw_wbuf *w)
{
	struct sw_span via = {NULL, 0};

	if (req->status != 0 || !src_ok(self) || !src_ok(from))
		return -EINVAL;
	sw_wbuf_puts(w, "SIP/2.0/UDP ");
	put_addr(w, self);
	sw_wbuf_put(w, ":", 1);
	sw_wbuf_put_u64(w, self->port);
	(void)sw_sa_top_via(req, &via);
	return via_tail(pol, req, via, opaque, OUR_BRANCH_IN, from, w);
}

/*
 * Our Via for a request to upstream (every forwarded request): when the
 * longest it can be fits, written in place after one room check, else
 * piece by piece (the same bytes; what fits is what the pieces decide).
 */
int
sw_sa_via_write_top(const struct sw_sa_policy *pol, const struct sw_sip_msg *req,
		    struct sw_span top, uint64_t opaque, const struct sw_sa_src *src,
		    struct sw_wbuf *w)
{
	char *t;
	size_t n;

	if (req->status != 0 || !src_ok(src))
		return -EINVAL;
	t = (char *)sw_wbuf_room(w, 12u + pol->via_host.len + 1u + 5u + VIA_TAIL_MAX);
	if (t != NULL) {
		memcpy(t, "SIP/2.0/UDP ", 12);
		n = 12;
		sw_copy_short(t + n, pol->via_host.p, pol->via_host.len); /* no libc call */
		n += pol->via_host.len;
		t[n++] = ':';
		n += dec16(t + n, pol->via_port);
		n += via_tail_fmt(pol, req, top, opaque, OUR_BRANCH, src, t + n);
		sw_wbuf_commit(w, n);
		return 0;
	}
	sw_wbuf_puts(w, "SIP/2.0/UDP ");
	sw_wbuf_put(w, pol->via_host.p, pol->via_host.len);
	sw_wbuf_put(w, ":", 1);
	sw_wbuf_put_u64(w, pol->via_port);
	return via_tail(pol, req, top, opaque, OUR_BRANCH, src, w);
}

int
sw_sa_via_write(const struct sw_sa_policy *pol, const struct sw_sip_msg *req, uint64_t opaque,
		const struct sw_sa_src *src, struct sw_wbuf *w)
{
	struct sw_span top = {NULL, 0};

	(void)sw_sa_top_via(req, &top);
	return sw_sa_via_write_top(pol, req, top, opaque, src, w);
}

/*
 * The parameters of our Via that via_parse() reads, each the value of the
 * first ";name=" in the Via value up to the next ';' or the end (empty
 * span: absent).  One pass from ';' to ';' (memchr): looking for each name
 * from the start, byte by byte, took three scans of the ~120-byte value,
 * 1,850 instructions of the ~13,000 a relayed response costs.
 */
struct via_params {
	struct sw_span branch, sa, src;
	bool has_branch, has_sa, has_src;
};

static bool
via_param_is(const char *p, size_t n, const char *name, size_t nl, struct sw_span *out,
	     bool *have)
{
	if (*have || n <= nl || memcmp(p, name, nl) != 0 || p[nl] != '=')
		return false;
	out->p = p + nl + 1;
	out->len = (uint16_t)(n - nl - 1);
	*have = true;
	return true;
}

static void
via_params(struct sw_span v, struct via_params *vp)
{
	const char *end = v.p + v.len, *p, *next;

	memset(vp, 0, sizeof(*vp));
	p = v.len != 0 ? memchr(v.p, ';', v.len) : NULL;
	for (; p != NULL; p = next) {
		size_t n;

		p++;
		next = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((next != NULL ? next : end) - p);
		if (via_param_is(p, n, "branch", 6, &vp->branch, &vp->has_branch) ||
		    via_param_is(p, n, "sw-sa", 5, &vp->sa, &vp->has_sa))
			continue;
		(void)via_param_is(p, n, "sw-src", 6, &vp->src, &vp->has_src);
	}
}

static bool
via_parse(const struct sw_sip_msg *rsp, const char *prefix, uint64_t *opaque,
	  struct sw_sa_src *src)
{
	size_t pl = strlen(prefix);
	char ip[INET6_ADDRSTRLEN + 1];
	struct via_params vp;
	uint16_t i, colon, hl;
	uint32_t port = 0;
	struct sw_span v, s;

	memset(src, 0, sizeof(*src));
	*opaque = 0;
	if (!sw_sa_top_via(rsp, &v))
		return false;
	via_params(v, &vp);
	if (!vp.has_branch || vp.branch.len < pl || memcmp(vp.branch.p, prefix, pl) != 0)
		return false;
	if (vp.has_sa && !sw_sa_opaque_parse(vp.sa, opaque))
		return false;
	s = vp.src;
	if (!vp.has_src || s.len < 3)
		return true;
	for (colon = s.len; colon > 0 && s.p[colon - 1] != ':'; colon--)
		;
	if (colon == 0 || colon == s.len)
		return true;
	for (i = colon; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9' || port > 65535)
			return true;
		port = port * 10 + (uint32_t)(s.p[i] - '0');
	}
	hl = (uint16_t)(colon - 1);
	if (hl >= 2 && s.p[0] == '[' && s.p[hl - 1] == ']') {
		if ((size_t)(hl - 2) >= sizeof(ip))
			return true;
		memcpy(ip, s.p + 1, hl - 2u);
		ip[hl - 2] = '\0';
		if (inet_pton(AF_INET6, ip, src->addr) == 1)
			src->af = AF_INET6;
	} else if (hl < sizeof(ip)) {
		memcpy(ip, s.p, hl);
		ip[hl] = '\0';
		if (inet_pton(AF_INET, ip, src->addr) == 1)
			src->af = AF_INET;
	}
	if (port > 65535)
		src->af = 0;
	src->port = (uint16_t)port;
	return true;
}

bool
sw_sa_via_parse(const struct sw_sip_msg *rsp, uint64_t *opaque, struct sw_sa_src *src)
{
	return via_parse(rsp, OUR_BRANCH, opaque, src);
}

bool
sw_sa_via_parse_in(const struct sw_sip_msg *rsp, uint64_t *opaque, struct sw_sa_src *src)
{
	return via_parse(rsp, OUR_BRANCH_IN, opaque, src);
}

enum sw_sa_rc
sw_sa_rsp_commit(const struct sw_sa_policy *pol, struct sw_sa_rt *sa, const void *datagram,
		 size_t len, uint32_t cnum, uint64_t now_ms)
{
	uint64_t d = sw_digest(pol->digest, datagram, len);

	if (!sw_sa_cnum_commit(sa, cnum))
		return sw_sa_retx_match(sa, d, now_ms) ? SW_SA_RETX : SW_SA_REPLAY;
	sw_sa_retx_record(sa, d, now_ms);
	return SW_SA_OK;
}

/*
 * Flow tokens (sa_verify.h).  The tag is an RFC 4121 MIC under a random
 * aes256-cts-hmac-sha1-96 key: HMAC-SHA1-96 with a DK-derived key, by
 * crypto/sig.h, so no MAC of our own.  Sequence number 0 and the fixed
 * token header make it a deterministic function of the payload, which is
 * what lets a retransmitted REGISTER carry the same Path.
 */
#define FLOW_V4 0x14u
#define FLOW_V6 0x16u
#define FLOW_BIN_MAX (1u + 8u + 16u + 2u + SW_SA_FLOW_TAG)

int
sw_sa_flow_key_init(struct sw_sa_policy *pol)
{
	uint8_t raw[32];
	struct sw_sig_key k;
	size_t got = 0;
	ssize_t n;
	int ret;

	if (pol == NULL)
		return -EINVAL;
	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			explicit_bzero(raw, sizeof(raw));
			return -EIO;
		}
		got += (size_t)n;
	}
	ret = sw_sig_key_init_krb(&k, SW_ENCTYPE_AES256_SHA1, raw, sizeof(raw), SW_DIR_S2C);
	explicit_bzero(raw, sizeof(raw));
	if (ret == 0)
		ret = sw_sig_ckey_init(&pol->flow_key, sizeof(pol->flow_key), &k);
	sw_sig_key_wipe(&k);
	if (ret < 0)
		return ret;
	pol->flow_ready = 1;
	return 0;
}

void
sw_sa_flow_key_wipe(struct sw_sa_policy *pol)
{
	if (pol == NULL)
		return;
	explicit_bzero(&pol->flow_key, sizeof(pol->flow_key));
	pol->flow_ready = 0;
}

/* The token's binary payload (without the tag): type, opaque (big-endian),
 * address, port (big-endian).  @return its length.  The opaque goes in one
 * byte-swapped store and the address in one fixed-size copy per family:
 * the byte loop and the copy of variable length cost about 40 instructions
 * more on every Path and Record-Route. */
static size_t
flow_payload(uint64_t opaque, const struct sw_sa_src *src, uint8_t *b)
{
	uint64_t be = htobe64(opaque);
	size_t n;

	memcpy(b + 1, &be, 8);
	if (src->af == AF_INET) {
		b[0] = FLOW_V4;
		memcpy(b + 9, src->addr, 4);
		n = 13;
	} else {
		b[0] = FLOW_V6;
		memcpy(b + 9, src->addr, 16);
		n = 25;
	}
	b[n] = (uint8_t)(src->port >> 8);
	b[n + 1] = (uint8_t)src->port;
	return n + 2;
}

/*
 * The 12-byte tag of payload b[0, n).  The token's header is fixed and its
 * checksum is the tag, so when we write a token (@p secret false) it holds
 * nothing we do not publish and is not wiped; when we check one, the tag
 * we computed is what a forger lacks until it matched.
 */
static int
flow_tag(const struct sw_sa_policy *pol, const uint8_t *b, size_t n, uint8_t tag[SW_SA_FLOW_TAG],
	 bool secret)
{
	uint8_t tok[SW_SIG_TOKEN_MAX];
	int tl;

	if (!pol->flow_ready)
		return -EINVAL;
	tl = sw_sig_ckey_sign(&pol->flow_key, b, n, 0, tok, sizeof(tok));
	if (tl < (int)SW_SA_FLOW_TAG)
		return tl < 0 ? tl : -EINVAL;
	/* The checksum is the token's tail; the header before it is fixed. */
	memcpy(tag, tok + tl - SW_SA_FLOW_TAG, SW_SA_FLOW_TAG);
	if (secret)
		explicit_bzero(tok, sizeof(tok));
	return 0;
}

/* The token in binary (payload and tag) into b.  @return its length, or a
 * negative errno as sw_sa_flow_write(). */
static int
flow_bin(const struct sw_sa_policy *pol, uint64_t opaque, const struct sw_sa_src *src,
	 uint8_t b[FLOW_BIN_MAX])
{
	size_t n;
	int ret;

	if (!src_ok(src))
		return -EINVAL;
	n = flow_payload(opaque, src, b);
	ret = flow_tag(pol, b, n, b + n, false);
	if (ret != 0)
		return ret;
	return (int)(n + SW_SA_FLOW_TAG);
}

int
sw_sa_flow_write(const struct sw_sa_policy *pol, uint64_t opaque, const struct sw_sa_src *src,
		 struct sw_wbuf *w)
{
	uint8_t b[FLOW_BIN_MAX];
	char hex[SW_SA_FLOW_HEX_MAX];
	int n = flow_bin(pol, opaque, src, b);

	if (n < 0)
		return n;
	sw_hex_put(b, (size_t)n, hex, false);
	sw_wbuf_put(w, hex, 2 * (size_t)n);
	return sw_wbuf_ok(w) ? 0 : -ENOSPC;
}

/*
 * Our Path / Record-Route value.  When the longest it can be fits, the
 * token's hex and the rest are written in place after one room check
 * (no hex copy through the stack, no check per piece); else piece by
 * piece, the same bytes and the same outcome ("<sip:" is appended even
 * when the token fails, as the pieces do).
 */
int
sw_sa_path_write(const struct sw_sa_policy *pol, uint64_t opaque, const struct sw_sa_src *src,
		 struct sw_wbuf *w)
{
	uint8_t b[FLOW_BIN_MAX];
	size_t n;
	char *t;
	int ret;

	t = (char *)sw_wbuf_room(w, 5u + SW_SA_FLOW_HEX_MAX + 1u + pol->via_host.len + 1u + 5u +
					    4u);
	if (t != NULL) {
		memcpy(t, "<sip:", 5);
		ret = flow_bin(pol, opaque, src, b);
		if (ret < 0) {
			sw_wbuf_commit(w, 5);
			return ret;
		}
		sw_hex_put(b, (size_t)ret, t + 5, false);
		n = 5 + 2 * (size_t)ret;
		t[n++] = '@';
		sw_copy_short(t + n, pol->via_host.p, pol->via_host.len);
		n += pol->via_host.len;
		t[n++] = ':';
		n += dec16(t + n, pol->via_port);
		memcpy(t + n, ";lr>", 4);
		sw_wbuf_commit(w, n + 4);
		return 0;
	}
	sw_wbuf_puts(w, "<sip:");
	ret = sw_sa_flow_write(pol, opaque, src, w);
	if (ret != 0)
		return ret;
	sw_wbuf_put(w, "@", 1);
	sw_wbuf_put(w, pol->via_host.p, pol->via_host.len);
	sw_wbuf_put(w, ":", 1);
	sw_wbuf_put_u64(w, pol->via_port);
	sw_wbuf_puts(w, ";lr>");
	return sw_wbuf_ok(w) ? 0 : -ENOSPC;
}

static bool
span_ieq_span(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i;

	if (al != bl)
		return false;
	for (i = 0; i < al; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

enum sw_sa_route
sw_sa_route_check(const struct sw_sa_policy *pol, const struct sw_sip_msg *req, uint64_t *opaque,
		  struct sw_sa_src *src)
{
	uint8_t idx = req->first[SW_HDR_ROUTE], b[FLOW_BIN_MAX], tag[SW_SA_FLOW_TAG];
	uint16_t pos = 0, i, at, he, port_e;
	struct sw_span v, uri;
	uint32_t port = 0;
	size_t n, al;
	int d;

	memset(src, 0, sizeof(*src));
	*opaque = 0;
	if (idx == SW_HDR_NONE || !sw_sip_next_value(req, &idx, &pos, &v))
		return SW_SA_ROUTE_NOT_OURS;
	uri = sw_sip_uri_of(v);
	if (uri.len < 5 || !span_ieq_span(uri.p, 4, "sip:", 4))
		return SW_SA_ROUTE_NOT_OURS;
	/* host[:port] after the user part (if any), up to ';' or the end */
	for (at = 4; at < uri.len && uri.p[at] != '@' && uri.p[at] != ';'; at++)
		;
	i = at < uri.len && uri.p[at] == '@' ? (uint16_t)(at + 1) : 4;
	for (he = i; he < uri.len && uri.p[he] != ';'; he++)
		;
	port_e = he;
	/* split host and port at the last ':' outside IPv6 brackets */
	for (he = i; he < port_e && uri.p[he] != ':'; he++)
		if (uri.p[he] == '[')
			while (he < port_e && uri.p[he] != ']')
				he++;
	if (he < port_e) {
		uint16_t k;

		if (he + 1 == port_e || port_e - he > 6)
			return SW_SA_ROUTE_NOT_OURS;
		for (k = (uint16_t)(he + 1); k < port_e; k++) {
			if (uri.p[k] < '0' || uri.p[k] > '9')
				return SW_SA_ROUTE_NOT_OURS;
			port = port * 10 + (uint32_t)(uri.p[k] - '0');
		}
	} else {
		port = 5060;
	}
	if (port != pol->via_port ||
	    !span_ieq_span(uri.p + i, (size_t)(he - i), pol->via_host.p, pol->via_host.len))
		return SW_SA_ROUTE_NOT_OURS;

	/* Ours: from here on anything but an authentic token is a bad token. */
	if (i == 4 || (at - 4) % 2 != 0 || (size_t)(at - 4) / 2 > sizeof(b) || at - 4 < 2)
		return SW_SA_ROUTE_BAD_TOKEN;
	d = sw_hex_decode(uri.p + 4, (size_t)(at - 4), b, sizeof(b));
	if (d < 0)
		return SW_SA_ROUTE_BAD_TOKEN;
	n = (size_t)d;
	if (b[0] == FLOW_V4)
		al = 4;
	else if (b[0] == FLOW_V6)
		al = 16;
	else
		return SW_SA_ROUTE_BAD_TOKEN;
	if (n != 1u + 8u + al + 2u + SW_SA_FLOW_TAG)
		return SW_SA_ROUTE_BAD_TOKEN;
	n -= SW_SA_FLOW_TAG;
	if (flow_tag(pol, b, n, tag, true) != 0 ||
	    sw_mac_ct_equal(tag, b + n, SW_SA_FLOW_TAG) != 1) {
		explicit_bzero(tag, sizeof(tag));
		return SW_SA_ROUTE_BAD_TOKEN;
	}
	for (i = 1; i < 9; i++)
		*opaque = *opaque << 8 | b[i];
	src->af = al == 4 ? AF_INET : AF_INET6;
	memcpy(src->addr, b + 9, al);
	src->port = (uint16_t)(b[9 + al] << 8 | b[10 + al]);
	return SW_SA_ROUTE_OK;
}
