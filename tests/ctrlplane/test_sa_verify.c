/*
 * dataplane/sa_verify.c (suite 'unit', no EAL): replay window table,
 * retransmission cache, credentials checks, batch-job round trip, identity
 * binding, response signatures, our Via.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "crypto/digest.h"
#include "crypto/mac.h"
#include "crypto/sig.h"
#include "dataplane/sa_verify.h"
#include "tests/ctrlplane/cp_tc.h"

#define N_STEPS 8

struct window_case {
	const char *name;
	unsigned int n;
	uint32_t cnum[N_STEPS];
	bool want[N_STEPS];
};

static const struct window_case window_cases[] = {
	{"in order", 3, {1, 2, 3}, {true, true, true}},
	{"exact replay", 3, {7, 7, 6}, {true, false, true}},
	{"cnum 0 first", 2, {0, 0}, {true, false}},
	{"out of order inside window", 4, {10, 8, 9, 8}, {true, true, true, false}},
	{"edge of window", 3, {100, 69, 68}, {true, true, false}},
	{"jump beyond window clears map", 3, {5, 500, 5}, {true, true, false}},
	{"top replay after jump", 3, {5, 37, 37}, {true, true, false}},
	{"max cnum", 3, {UINT32_MAX - 1, UINT32_MAX, UINT32_MAX}, {true, true, false}},
};

static void
test_sa_verify_window_table(void **state)
{
	size_t c;
	unsigned int i;

	(void)state;
	for (c = 0; c < sizeof(window_cases) / sizeof(window_cases[0]); c++) {
		const struct window_case *wc = &window_cases[c];
		struct sw_sa_rt sa;

		memset(&sa, 0, sizeof(sa));
		for (i = 0; i < wc->n; i++) {
			bool pre = sw_sa_cnum_check(&sa, wc->cnum[i]) == SW_SA_CNUM_NEW;
			bool got = pre && sw_sa_cnum_commit(&sa, wc->cnum[i]);

			if (got != wc->want[i])
				fail_msg("%s: step %u (cnum %u): got %d want %d", wc->name, i,
					 wc->cnum[i], got, wc->want[i]);
			/* The commit re-checks: a second commit of the same cnum fails. */
			if (got)
				assert_false(sw_sa_cnum_commit(&sa, wc->cnum[i]));
		}
	}
}

static struct sw_digest *dig;

static void
test_sa_verify_retx(void **state)
{
	struct sw_sa_rt sa;
	uint64_t d[6];
	unsigned int i;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	for (i = 0; i < 6; i++)
		d[i] = sw_digest(dig, &i, sizeof(i));
	sw_sa_retx_record(&sa, d[0], 1000);
	assert_true(sw_sa_retx_match(&sa, d[0], 1000));
	assert_true(sw_sa_retx_match(&sa, d[0], 1000 + SW_SA_RETX_MS));
	assert_false(sw_sa_retx_match(&sa, d[0], 1001 + SW_SA_RETX_MS)); /* 64*T1 over */
	assert_false(sw_sa_retx_match(&sa, d[1], 1000));		 /* another message */
	/* Only the last SW_SA_RETX_SLOTS acceptances are remembered. */
	for (i = 1; i <= SW_SA_RETX_SLOTS; i++)
		sw_sa_retx_record(&sa, d[i], 2000);
	assert_false(sw_sa_retx_match(&sa, d[0], 2000));
	for (i = 1; i <= SW_SA_RETX_SLOTS; i++)
		assert_true(sw_sa_retx_match(&sa, d[i], 2000));

	/* Packed slots (sa_rt.h): a reader whose now_ms lags the recording
	 * lcore's by up to SW_SA_RETX_AHEAD_MS still matches, one more does not;
	 * a slot as old as the longest SA lifetime the packing allows is stale,
	 * not recent (the time has not wrapped yet). */
	memset(&sa, 0, sizeof(sa));
	sw_sa_retx_record(&sa, d[5], 50000);
	assert_true(sw_sa_retx_match(&sa, d[5], 50000 - SW_SA_RETX_AHEAD_MS));
	assert_false(sw_sa_retx_match(&sa, d[5], 50000 - SW_SA_RETX_AHEAD_MS - 1));
	assert_false(sw_sa_retx_match(&sa, d[5], 50000 + SW_SA_RETX_LIFETIME_MAX_MS));
	assert_true(sw_sa_retx_match(&sa, d[5], 50000 + SW_SA_RETX_MS));
	assert_false(sw_sa_retx_match(&sa, d[4], 50000));
	/* An empty record matches nothing, not even a digest of zeros. */
	memset(&sa, 0, sizeof(sa));
	assert_false(sw_sa_retx_match(&sa, 0, 0));
}

static void
test_sa_verify_opaque(void **state)
{
	char out[SW_SA_OPAQUE_HEX + 1] = {0};
	struct sw_span s;
	uint64_t v = 0;

	(void)state;
	sw_sa_opaque_fmt(UINT64_C(0x0123456789abcdef), out);
	assert_string_equal(out, "0123456789ABCDEF");
	s.p = "0123456789abcdef";
	s.len = 16;
	assert_true(sw_sa_opaque_parse(s, &v));
	assert_true(v == UINT64_C(0x0123456789abcdef));
	s.len = 15;
	assert_false(sw_sa_opaque_parse(s, &v));
	s.p = "0123456789abcdeg";
	s.len = 16;
	assert_false(sw_sa_opaque_parse(s, &v));
	s.p = "1C0FFEE1";
	s.len = 8;
	assert_false(sw_sa_opaque_parse(s, &v));
	/* Every byte value through the digit-pair table and back, and every
	 * non-digit byte at every position. */
	{
		static const char digits[] = "0123456789ABCDEF";
		char bad[SW_SA_OPAQUE_HEX];
		unsigned int b, k;
		uint64_t x;

		for (b = 0; b < 256; b++) {
			x = (uint64_t)b * UINT64_C(0x0101010101010101) ^
			    UINT64_C(0x0123456789abcdef);
			sw_sa_opaque_fmt(x, out);
			for (k = 0; k < SW_SA_OPAQUE_HEX; k++)
				assert_int_equal(out[k], digits[(x >> (60 - 4 * k)) & 0xf]);
			s.p = out;
			s.len = SW_SA_OPAQUE_HEX;
			assert_true(sw_sa_opaque_parse(s, &v));
			assert_true(v == x);
			if (strchr("0123456789abcdefABCDEF", (int)b) != NULL && b != 0)
				continue;
			for (k = 0; k < SW_SA_OPAQUE_HEX; k++) {
				memcpy(bad, out, sizeof(bad));
				bad[k] = (char)b;
				s.p = bad;
				assert_false(sw_sa_opaque_parse(s, &v));
			}
		}
	}
}

/* xorshift64*: deterministic across runs and platforms. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(0x2545f4914f6cdd1d);
}

/*
 * sw_sa_opaque_fmt() / sw_sa_opaque_parse() (SSE2 step, or the table loop
 * with SW_SA_SCALAR_ONLY) against references that share nothing with them:
 * snprintf("%016X") and a digit-by-digit parse, on random values and on
 * random 16-byte strings drawn mostly from hex digits of both cases and the
 * bytes around their ranges ('/', ':', '@', 'G', '`', 'g', 0x80, 0xff...).
 */
static void
test_sa_verify_opaque_random(void **state)
{
	static const char near[] = "0123456789abcdefABCDEF/:@G`g \x80\xb0\xc6\xe6\xff";
	char out[SW_SA_OPAQUE_HEX + 1], ref[SW_SA_OPAQUE_HEX + 1], in[SW_SA_OPAQUE_HEX];
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15), x, v, want;
	unsigned int i, k;
	bool ok;

	(void)state;
	for (i = 0; i < 200000; i++) {
		x = rnd(&seed);
		if (i % 4 == 1)
			x >>= rnd(&seed) % 64; /* leading zero digits */
		sw_sa_opaque_fmt(x, out);
		snprintf(ref, sizeof(ref), "%016llX", (unsigned long long)x);
		assert_memory_equal(out, ref, SW_SA_OPAQUE_HEX);

		/* A random string: all hex (half the time) or with bad bytes. */
		for (k = 0; k < SW_SA_OPAQUE_HEX; k++) {
			uint64_t r = rnd(&seed);

			in[k] = (i & 1) != 0 ? near[r % 22]
					     : near[r % (sizeof(near) - 1)];
		}
		ok = true;
		want = 0;
		for (k = 0; k < SW_SA_OPAQUE_HEX; k++) {
			unsigned char c = (unsigned char)in[k];
			int d = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
						       : -1;

			if (d < 0)
				ok = false;
			want = want << 4 | (uint64_t)(d & 0xf);
		}
		v = ~want;
		if (sw_sa_opaque_parse((struct sw_span){in, SW_SA_OPAQUE_HEX}, &v) != ok)
			fail_msg("parse %.16s: want %d", in, ok);
		if (ok)
			assert_true(v == want);
	}
}

/* A policy like sw_cp_create() builds (proxy family, v3). */
static void
policy_fill(struct sw_sa_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->challenge = 407;
	pol->cred_hdr = SW_HDR_PROXY_AUTHORIZATION;
	pol->info_hdr = SW_HDR_PROXY_AUTHENTICATION_INFO;
	pol->realm.p = "SIP Communications Service";
	pol->realm.len = (uint16_t)strlen(pol->realm.p);
	pol->target[SW_SCHEME_NTLM].p = "proxy.domainb.test";
	pol->target[SW_SCHEME_NTLM].len = 18;
	pol->target[SW_SCHEME_KERBEROS].p = "sip/proxy.domainb.test";
	pol->target[SW_SCHEME_KERBEROS].len = 22;
	pol->targets[0] = pol->target[SW_SCHEME_KERBEROS];
	pol->targets[1] = pol->target[SW_SCHEME_NTLM];
	pol->n_targets = 2;
	pol->via_host.p = "198.51.100.1";
	pol->via_host.len = 12;
	pol->via_port = 5060;
	pol->digest = dig;
}

struct ntlm_sa {
	struct sw_sa_keys keys;
	struct sw_sa_rt rt;
	struct sw_sig_key client_c2s; /* what the client signs with */
	struct sw_sig_key client_s2c; /* what it verifies with */
};

static void
ntlm_sa_init(struct ntlm_sa *s, unsigned int version)
{
	static const uint8_t skey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

	memset(s, 0, sizeof(*s));
	assert_int_equal(sw_sig_key_init_ntlm(&s->keys.c2s, skey, SW_DIR_C2S), 0);
	assert_int_equal(sw_sig_key_init_ntlm(&s->keys.s2c, skey, SW_DIR_S2C), 0);
	s->client_c2s = s->keys.c2s;
	s->client_s2c = s->keys.s2c;
	memcpy(s->keys.user, "bob", 3);
	s->keys.user_len = 3;
	s->rt.opaque = UINT64_C(0x1122334455667788);
	s->rt.scheme = SW_SCHEME_NTLM;
	s->rt.version = (uint8_t)version;
	s->rt.expires_ms = 1000000;
	/* NTLM keys and "bob" fit the record: no ext block. */
	assert_int_equal(sw_sa_rt_ext_size(&s->keys), 0);
	assert_int_equal(sw_sa_rt_bind(&s->rt, &s->keys, NULL), 0);
}

static int
mic_sig(void *arg, const uint8_t *buf, size_t len, uint8_t *tok, size_t cap)
{
	return sw_sig_sign(arg, buf, len, 0, tok, cap);
}

static size_t
signed_req(struct ntlm_sa *s, const char *from_user, uint32_t cnum, const char *realm,
	   const char *target, int version, char *out, size_t cap)
{
	struct tc_req r = {
		.method = "INVITE",
		.user = from_user,
		.domain = "domainb.test",
		.cseq = cnum,
		.hdr = "Proxy-Authorization",
		.scheme = "NTLM",
		.realm = realm,
		.targetname = target,
		.version = version,
		.opaque = "1122334455667788",
		.crand = "0a1b2c3d",
		.cnum = cnum,
	};

	return tc_write_signed(r, mic_sig, &s->client_c2s, out, cap);
}

static enum sw_sa_rc
verify_one(const struct sw_sa_policy *pol, struct sw_sa_rt *sa, const char *buf, size_t len,
	   uint64_t now, struct sw_mac_engine *eng)
{
	static struct sw_sip_msg msg;
	static uint8_t slot[SW_SA_SLOT_MAX];
	uint8_t tag[SW_MAC_TAG_MAX], ok = 0;
	struct sw_mac_job job;
	struct sw_auth cred;
	uint32_t off, cnum, crand;
	enum sw_sa_rc rc;

	assert_int_equal(sw_sip_parse(buf, len, &msg), SW_SIP_OK);
	if (sw_auth_select(&msg, SW_HDR_PROXY_AUTHORIZATION, pol->realm, pol->targets,
			   pol->n_targets, &cred, &off) != SW_AUTH_OK)
		return SW_SA_TARGET;
	rc = sw_sa_check_cred(pol, sa, &cred, now, &cnum, &crand);
	if (rc != SW_SA_OK)
		return rc;
	if (sw_sa_cnum_check(sa, cnum) != SW_SA_CNUM_NEW)
		return sw_sa_replay_verdict(pol, sa, buf, len, now);
	rc = sw_sa_req_prep(sa, &msg, &cred, slot, tag, &job);
	if (rc != SW_SA_OK)
		return rc;
	assert_true(sw_mac_verify_burst(eng, &job, 1, &ok) >= 0);
	/* The scalar path must agree with the batch path. */
	assert_int_equal(sw_sa_verify_scalar(sa, &msg, &cred) == SW_SA_OK, ok == 1);
	if (ok != 1)
		return SW_SA_BAD_SIG;
	return sw_sa_req_commit(pol, sa, &msg, buf, len, cnum, now);
}

static void
test_sa_verify_requests(void **state)
{
	struct sw_sa_policy pol;
	struct ntlm_sa s;
	struct sw_mac_engine *eng = NULL;
	char a[4096], b[4096];
	size_t la, lb;
	const char *realm = "SIP Communications Service", *tgt = "proxy.domainb.test";

	(void)state;
	policy_fill(&pol);
	ntlm_sa_init(&s, 3);
	assert_int_equal(sw_mac_engine_create(SW_MAC_IMPL_MB, &eng), 0);

	la = signed_req(&s, "bob", 1, realm, tgt, 3, a, sizeof(a));
	assert_true(la > 0);
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 100, eng), SW_SA_OK);
	/* The same datagram again within 32 s: a retransmission, forwarded. */
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 200, eng), SW_SA_RETX);
	/* ... after 32 s: a replay. */
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 100 + SW_SA_RETX_MS + 1, eng),
			 SW_SA_REPLAY);
	/* Same (cnum, crand), an unsigned field changed: a replay. */
	memcpy(b, a, la);
	lb = la;
	{
		char *c = strstr(b, "192.0.2.7:5060>");

		assert_non_null(c);
		c[8] = '9';
	}
	assert_int_equal(verify_one(&pol, &s.rt, b, lb, 300, eng), SW_SA_REPLAY);
	/* Next cnum verifies. */
	la = signed_req(&s, "bob", 2, realm, tgt, 3, a, sizeof(a));
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 400, eng), SW_SA_OK);
	/* A flipped signature byte: bad signature, window untouched. */
	la = signed_req(&s, "bob", 3, realm, tgt, 3, a, sizeof(a));
	{
		char *r = strstr(a, "response=\"");

		assert_non_null(r);
		r[12] = r[12] == '0' ? '1' : '0';
	}
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 500, eng), SW_SA_BAD_SIG);
	assert_int_equal(sw_sa_cnum_check(&s.rt, 3), SW_SA_CNUM_NEW);
	/* Identity: alice signing with bob's SA is a 403 (window committed). */
	la = signed_req(&s, "alice", 4, realm, tgt, 3, a, sizeof(a));
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 600, eng), SW_SA_IDENTITY);
	/* Case-insensitive user part. */
	la = signed_req(&s, "BoB", 5, realm, tgt, 3, a, sizeof(a));
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 700, eng), SW_SA_OK);
	/* Version downgrade, wrong target, expired, dead. */
	la = signed_req(&s, "bob", 6, realm, tgt, 2, a, sizeof(a));
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 800, eng), SW_SA_VERSION);
	la = signed_req(&s, "bob", 6, realm, "sip/proxy.domainb.test", 3, a, sizeof(a));
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 800, eng), SW_SA_TARGET);
	la = signed_req(&s, "bob", 6, realm, tgt, 3, a, sizeof(a));
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 1000000, eng), SW_SA_EXPIRED);
	s.rt.flags |= SW_SA_F_DEAD;
	assert_int_equal(verify_one(&pol, &s.rt, a, la, 800, eng), SW_SA_EXPIRED);
	sw_mac_engine_free(eng);
}

/*
 * The crand of every signed request is parsed in one SSE2 step when it has
 * 8 digits: sw_sa_check_cred() against a digit-by-digit reference for random
 * 8-byte crand values (hex of both cases, and bytes next to the digit
 * ranges), written into a signed request in place of "0a1b2c3d".
 */
static void
test_sa_verify_crand_random(void **state)
{
	static const char near[] = "0123456789abcdefABCDEF/:@G`gz.-";
	static struct sw_sip_msg msg;
	struct sw_sa_policy pol;
	struct ntlm_sa s;
	struct sw_auth cred;
	char a[4096], *c;
	uint64_t seed = 7, want;
	uint32_t off, cnum, crand;
	unsigned int i, k, n_ok = 0;
	enum sw_sa_rc rc;
	size_t la;
	bool ok;

	(void)state;
	policy_fill(&pol);
	ntlm_sa_init(&s, 3);
	la = signed_req(&s, "bob", 1, "SIP Communications Service", "proxy.domainb.test", 3, a,
			sizeof(a));
	c = strstr(a, "crand=\"0a1b2c3d\"");
	assert_non_null(c);
	c += 7;
	for (i = 0; i < 20000; i++) {
		ok = true;
		want = 0;
		for (k = 0; k < 8; k++) {
			uint64_t r = rnd(&seed);
			unsigned char ch = (unsigned char)((i & 1) != 0 ? near[r % 22]
							      : near[r % (sizeof(near) - 1)]);
			int d = ch >= '0' && ch <= '9'   ? ch - '0'
				: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
				: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
							 : -1;

			c[k] = (char)ch;
			ok &= d >= 0;
			want = want << 4 | (uint64_t)(d & 0xf);
		}
		assert_int_equal(sw_sip_parse(a, la, &msg), SW_SIP_OK);
		assert_int_equal(sw_auth_select(&msg, SW_HDR_PROXY_AUTHORIZATION, pol.realm,
						pol.targets, pol.n_targets, &cred, &off),
				 SW_AUTH_OK);
		crand = ~(uint32_t)want;
		rc = sw_sa_check_cred(&pol, &s.rt, &cred, 100, &cnum, &crand);
		if (rc != (ok ? SW_SA_OK : SW_SA_NO_SIG))
			fail_msg("crand %.8s: got %s", c, sw_sa_rc_name(rc));
		if (ok) {
			assert_true(crand == (uint32_t)want);
			n_ok++;
		}
	}
	assert_true(n_ok > 5000 && n_ok < 15000);
}

static void
test_sa_verify_sign_response(void **state)
{
	static const char rsp_txt[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-sw0011223344556677;"
		"sw-sa=1122334455667788;sw-src=[2001:db8::7]:5062\r\n"
		"Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-tc1;rport\r\n"
		"From: <sip:bob@domainb.test>;tag=tc1\r\n"
		"To: <sip:bob@domainb.test>;tag=up1\r\n"
		"Call-ID: c1\r\nCSeq: 1 REGISTER\r\n"
		"Contact: <sip:bob@192.0.2.7:5060>;expires=600\r\n"
		"Content-Length: 0\r\n\r\n";
	static struct sw_sip_msg rsp, out;
	struct sw_sa_policy pol;
	struct sw_sa_rng rng;
	struct ntlm_sa s;
	struct sw_sa_src src;
	struct sw_sip_fwd f;
	struct sw_wbuf w, fw;
	uint8_t scratch[SW_SIGBUF_MAX], sb[4096], tok[64];
	char info[SW_SA_INFO_MAX], fwd[4096], snum[32];
	size_t sl, tl;
	uint64_t opaque;
	char ip[64];

	(void)state;
	policy_fill(&pol);
	ntlm_sa_init(&s, 4);
	assert_int_equal(sw_sa_rng_seed(&rng), 0);
	assert_int_equal(sw_sip_parse(rsp_txt, sizeof(rsp_txt) - 1, &rsp), SW_SIP_OK);
	assert_true(sw_sa_via_parse(&rsp, &opaque, &src));
	assert_true(opaque == s.rt.opaque);
	assert_int_equal(src.af, AF_INET6);
	assert_int_equal(src.port, 5062);
	inet_ntop(AF_INET6, src.addr, ip, sizeof(ip));
	assert_string_equal(ip, "2001:db8::7");
	assert_true(sw_sa_rsp_needs_cp(&s.rt, &rsp)); /* 2xx to REGISTER */

	for (unsigned int i = 1; i <= 3; i++) {
		sw_wbuf_init(&w, info, sizeof(info));
		assert_int_equal(sw_sa_sign_response(&pol, &s.rt, &rsp, &rng, false, scratch, &w),
				 0);
		memset(&f, 0, sizeof(f));
		f.pop_via = true;
		f.info_hdr = SW_HDR_PROXY_AUTHENTICATION_INFO;
		f.info.p = info;
		f.info.len = (uint16_t)w.len;
		sw_wbuf_init(&fw, fwd, sizeof(fwd));
		assert_int_equal(sw_sip_write_forward(&fw, &rsp, rsp_txt, sizeof(rsp_txt) - 1, &f),
				 0);
		assert_int_equal(sw_sip_parse(fwd, fw.len, &out), SW_SIP_OK);
		/* What the client does: rebuild the buffer, verify with its key. */
		assert_int_equal(tc_rsp_sigbuf(&out, SW_HDR_PROXY_AUTHENTICATION_INFO, 4, sb,
					       sizeof(sb), &sl, tok, sizeof(tok), &tl),
				 0);
		assert_int_equal(sw_sig_verify(&s.client_s2c, sb, sl, tok, tl), 0);
		tc_auth_param(&out, SW_HDR_PROXY_AUTHENTICATION_INFO, "snum", snum, sizeof(snum));
		assert_int_equal(atoi(snum), (int)i);
		tc_auth_param(&out, SW_HDR_PROXY_AUTHENTICATION_INFO, "opaque", snum, sizeof(snum));
		assert_string_equal(snum, "1122334455667788");
		/* Our Via is gone, the client's is on top. */
		assert_non_null(strstr(fwd, "Via: SIP/2.0/UDP 192.0.2.7"));
		assert_null(strstr(fwd, "sw-sa="));
	}
}

static void
test_sa_verify_via_roundtrip(void **state)
{
	static const char req_txt[] = "INVITE sip:carol@domainb.test SIP/2.0\r\n"
				      "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-a\r\n"
				      "From: <sip:bob@domainb.test>;tag=1\r\n"
				      "To: <sip:carol@domainb.test>\r\n"
				      "Call-ID: c2\r\nCSeq: 1 INVITE\r\n"
				      "Content-Length: 0\r\n\r\n";
	static struct sw_sip_msg req, rsp;
	struct sw_sa_policy pol;
	struct sw_sa_src src = {.af = AF_INET, .port = 40000}, back;
	char via[SW_SA_VIA_MAX], rsp_txt[1024];
	struct sw_wbuf w;
	uint64_t opaque;
	int n;

	(void)state;
	policy_fill(&pol);
	inet_pton(AF_INET, "203.0.113.9", src.addr);
	assert_int_equal(sw_sip_parse(req_txt, sizeof(req_txt) - 1, &req), SW_SIP_OK);
	sw_wbuf_init(&w, via, sizeof(via));
	assert_int_equal(sw_sa_via_write(&pol, &req, UINT64_C(0xfedcba9876543210), &src, &w), 0);
	n = snprintf(rsp_txt, sizeof(rsp_txt),
		     "SIP/2.0 180 Ringing\r\nVia: %.*s\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-a\r\n"
		     "From: <sip:bob@domainb.test>;tag=1\r\nTo: <sip:carol@domainb.test>;tag=2\r\n"
		     "Call-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		     (int)w.len, via);
	assert_int_equal(sw_sip_parse(rsp_txt, (size_t)n, &rsp), SW_SIP_OK);
	assert_true(sw_sa_via_parse(&rsp, &opaque, &back));
	assert_true(opaque == UINT64_C(0xfedcba9876543210));
	assert_int_equal(back.af, AF_INET);
	assert_int_equal(back.port, 40000);
	assert_memory_equal(back.addr, src.addr, 4);
	/* Deterministic branch: the same request gives the same Via. */
	{
		char via2[SW_SA_VIA_MAX];
		struct sw_wbuf w2;

		sw_wbuf_init(&w2, via2, sizeof(via2));
		assert_int_equal(
			sw_sa_via_write(&pol, &req, UINT64_C(0xfedcba9876543210), &src, &w2), 0);
		assert_memory_equal(via, via2, w.len);
	}
	/* Not ours: a response whose top Via is someone else's. */
	assert_int_equal(sw_sip_parse(req_txt, sizeof(req_txt) - 1, &req), SW_SIP_OK);
	assert_false(sw_sa_via_parse(&req, &opaque, &back));
}

/*
 * What sw_sa_via_parse() reads of a top Via it did not necessarily write:
 * each parameter is the first ";name=" up to the next ';' (names are
 * case-sensitive: ours are written lower-case), in any order.
 */
static void
test_sa_verify_via_params(void **state)
{
	static const struct {
		const char *via;
		bool ours;
		uint64_t opaque;
		int af;
		uint16_t port;
	} cases[] = {
		{"SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-sw1;sw-sa=00000000000000AB;"
		 "sw-src=192.0.2.1:5070", true, 0xab, AF_INET, 5070},
		/* any order; the first of a repeated name */
		{"SIP/2.0/UDP h;sw-src=192.0.2.1:5070;sw-sa=00000000000000AB;sw-sa=0000000000000001;"
		 "branch=z9hG4bK-sw1;branch=x", true, 0xab, AF_INET, 5070},
		{"SIP/2.0/UDP h;sw-src=[2001:db8::1]:5080;branch=z9hG4bK-swq", true, 0, AF_INET6, 5080},
		/* no sw-sa / sw-src: ours, with no SA and no address */
		{"SIP/2.0/UDP h;branch=z9hG4bK-sw", true, 0, 0, 0},
		{"SIP/2.0/UDP h;branch=z9hG4bK-sw;sw-src=192.0.2.1", true, 0, 0, 0},
		{"SIP/2.0/UDP h;branch=z9hG4bK-sw;sw-src=192.0.2.1:99999", true, 0, 0, 0},
		/* a name that only starts like ours, or a value-less one */
		{"SIP/2.0/UDP h;sw-srcx=192.0.2.1:1;branch=z9hG4bK-sw;sw-sax=1", true, 0, 0, 0},
		{"SIP/2.0/UDP h;sw-sa;branch=z9hG4bK-sw", true, 0, 0, 0},
		/* not ours: another branch, none, BRANCH in capitals, a bad opaque */
		{"SIP/2.0/UDP h;branch=z9hG4bK-si1;sw-sa=00000000000000AB", false, 0, 0, 0},
		{"SIP/2.0/UDP h;sw-sa=00000000000000AB", false, 0, 0, 0},
		{"SIP/2.0/UDP h;BRANCH=z9hG4bK-sw", false, 0, 0, 0},
		{"SIP/2.0/UDP h;branch=z9hG4bK-s", false, 0, 0, 0},
		{"SIP/2.0/UDP h;branch=z9hG4bK-sw;sw-sa=00AB", false, 0, 0, 0},
		{"SIP/2.0/UDP h;branch=x;branch=z9hG4bK-sw", false, 0, 0, 0},
	};
	static struct sw_sip_msg rsp;
	char txt[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_sa_src src;
		uint64_t opaque = 7;
		int n = snprintf(txt, sizeof(txt),
				 "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: <sip:a@b>;tag=1\r\n"
				 "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
				 "Content-Length: 0\r\n\r\n",
				 cases[i].via);

		if (sw_sip_parse(txt, (size_t)n, &rsp) != SW_SIP_OK)
			fail_msg("case %zu does not parse: %s", i, cases[i].via);
		if (sw_sa_via_parse(&rsp, &opaque, &src) != cases[i].ours)
			fail_msg("case %zu: %s", i, cases[i].via);
		if (!cases[i].ours)
			continue;
		assert_true(opaque == cases[i].opaque);
		assert_int_equal(src.af, cases[i].af);
		if (cases[i].af != 0)
			assert_int_equal(src.port, cases[i].port);
	}
}

/* Our Via as the pre-optimisation code wrote it: the top Via value by
 * sw_sip_next_value(), inet_ntop()-free address text, snprintf(). */
static int
via_ref(const struct sw_sa_policy *pol, const struct sw_sip_msg *req, uint64_t opaque,
	const struct sw_sa_src *src, char *out, size_t cap)
{
	struct sw_span via = {NULL, 0};
	uint8_t idx = req->first[SW_HDR_VIA];
	uint16_t pos = 0;
	char addr[48];
	size_t n = 0;
	unsigned int i;

	if (idx != SW_HDR_NONE)
		(void)sw_sip_next_value(req, &idx, &pos, &via);
	if (src->af == AF_INET) {
		snprintf(addr, sizeof(addr), "%u.%u.%u.%u", src->addr[0], src->addr[1],
			 src->addr[2], src->addr[3]);
	} else {
		n += (size_t)snprintf(addr + n, sizeof(addr) - n, "[");
		for (i = 0; i < 8; i++)
			n += (size_t)snprintf(addr + n, sizeof(addr) - n, "%s%x", i ? ":" : "",
					      (unsigned int)src->addr[2 * i] << 8 |
						      src->addr[2 * i + 1]);
		snprintf(addr + n, sizeof(addr) - n, "]");
	}
	return snprintf(out, cap, "SIP/2.0/UDP %.*s:%u;branch=z9hG4bK-sw%016llX;sw-sa=%016llX;"
			"sw-src=%s:%u",
			(int)pol->via_host.len, pol->via_host.p, pol->via_port,
			(unsigned long long)sw_digest_public2(pol->digest, via.p, via.len,
							     req->ruri.p, req->ruri.len),
			(unsigned long long)opaque, addr, src->port);
}

/*
 * sw_sa_via_write() takes the top Via straight from the first Via line when
 * that line has no comma: the same bytes as the general element walk for
 * every shape of Via header (LWS around it, folds, commas inside and
 * outside quotes, an empty first element, several lines), and for random
 * client addresses and ports of both families.
 */
static void
test_sa_verify_via_equiv(void **state)
{
	static const char *const vias[] = {
		"Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-a\r\n",
		"Via:SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK-a;rport\r\n",
		"Via:   SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK-a \t \r\n",
		"Via: SIP/2.0/UDP 192.0.2.7\r\n ;branch=z9hG4bK-a\r\n",
		"Via: SIP/2.0/UDP a.ex;branch=z9hG4bK-1, SIP/2.0/UDP b.ex;branch=z9hG4bK-2\r\n",
		"Via: SIP/2.0/UDP a.example;branch=z9hG4bK-1 ,SIP/2.0/UDP b.example\r\n",
		"Via: , SIP/2.0/UDP a.example;branch=z9hG4bK-1\r\n",
		"Via: SIP/2.0/UDP a.example;branch=z9hG4bK-1;x=\"q,q\"\r\n",
		"Via: SIP/2.0/UDP a.example;branch=z9hG4bK-1\r\nVia: SIP/2.0/UDP b.example\r\n",
		"v: SIP/2.0/UDP [2001:db8::7]:5070;branch=z9hG4bK-6;received=192.0.2.1\r\n",
		"Via: SIP/2.0/UDP a.example;branch=z9hG4bK-1,\r\nVia: SIP/2.0/UDP b.example\r\n",
	};
	static struct sw_sip_msg req;
	struct sw_sa_policy pol;
	struct sw_sa_src src;
	char txt[1024], via[SW_SA_VIA_MAX], ref[SW_SA_VIA_MAX + 1];
	uint64_t seed = 42, opaque;
	struct sw_wbuf w;
	unsigned int i, r, k;
	int n, rn, parsed = 0;

	(void)state;
	policy_fill(&pol);
	for (i = 0; i < sizeof(vias) / sizeof(vias[0]); i++) {
		n = snprintf(txt, sizeof(txt),
			     "INVITE sip:carol@domainb.test SIP/2.0\r\n%s"
			     "From: <sip:bob@domainb.test>;tag=1\r\n"
			     "To: <sip:carol@domainb.test>\r\n"
			     "Call-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
			     vias[i]);
		if (sw_sip_parse(txt, (size_t)n, &req) != SW_SIP_OK)
			continue; /* the parser's business; nothing to forward */
		parsed++;
		for (r = 0; r < 64; r++) {
			memset(&src, 0, sizeof(src));
			src.af = r % 2 == 0 ? AF_INET : AF_INET6;
			for (k = 0; k < 16; k++)
				src.addr[k] = (uint8_t)(r < 4 ? (r < 2 ? 0 : 0xff) : rnd(&seed));
			src.port = (uint16_t)(r < 4 ? (r < 2 ? 0 : 65535) : rnd(&seed));
			opaque = r == 0 ? 0 : rnd(&seed);
			sw_wbuf_init(&w, via, sizeof(via));
			assert_int_equal(sw_sa_via_write(&pol, &req, opaque, &src, &w), 0);
			rn = via_ref(&pol, &req, opaque, &src, ref, sizeof(ref));
			if (rn != (int)w.len || memcmp(via, ref, w.len) != 0)
				fail_msg("%s: got %.*s want %s", vias[i], (int)w.len, via, ref);
			/* The lcore's split form: the top Via found first. */
			{
				struct sw_span top = {NULL, 0};

				(void)sw_sa_top_via(&req, &top);
				sw_wbuf_init(&w, via, sizeof(via));
				assert_int_equal(
					sw_sa_via_write_top(&pol, &req, top, opaque, &src, &w), 0);
				if (rn != (int)w.len || memcmp(via, ref, w.len) != 0)
					fail_msg("%s: top form %.*s want %s", vias[i], (int)w.len,
						 via, ref);
			}
		}
		/* Every port, and every octet value in every position. */
		for (r = 0; r < 65536 && i == 0; r++) {
			memset(&src, 0, sizeof(src));
			src.af = AF_INET;
			for (k = 0; k < 4; k++)
				src.addr[k] = (uint8_t)(r + 67 * k);
			src.port = (uint16_t)r;
			sw_wbuf_init(&w, via, sizeof(via));
			assert_int_equal(sw_sa_via_write(&pol, &req, r, &src, &w), 0);
			rn = via_ref(&pol, &req, r, &src, ref, sizeof(ref));
			if (rn != (int)w.len || memcmp(via, ref, w.len) != 0)
				fail_msg("got %.*s want %s", (int)w.len, via, ref);
		}
		/* No room: -ENOSPC, as before. */
		sw_wbuf_init(&w, via, 40);
		assert_int_equal(sw_sa_via_write(&pol, &req, 1, &src, &w), -ENOSPC);
	}
	assert_true(parsed >= 9);
}

/*
 * Flow tokens are hex-encoded eight bytes a step: the same text as
 * sw_wbuf_put_hex() of the same bytes (what the code wrote before), for
 * random clients of both families, and still an authentic token for
 * sw_sa_route_check(); a buffer one byte short is -ENOSPC.
 */
static void
test_sa_verify_flow_equiv(void **state)
{
	static struct sw_sip_msg req;
	struct sw_sa_policy pol;
	struct sw_sa_src src, back;
	char tok[SW_SA_FLOW_HEX_MAX], ref[SW_SA_FLOW_HEX_MAX], txt[1024];
	uint8_t bin[SW_SA_FLOW_HEX_MAX / 2];
	uint64_t seed = 99, opaque, got;
	struct sw_wbuf w, rw;
	unsigned int r, k;
	int n, d;

	(void)state;
	policy_fill(&pol);
	assert_int_equal(sw_sa_flow_key_init(&pol), 0);
	for (r = 0; r < 2000; r++) {
		memset(&src, 0, sizeof(src));
		src.af = r % 2 == 0 ? AF_INET : AF_INET6;
		for (k = 0; k < 16; k++)
			src.addr[k] = (uint8_t)(r < 4 ? (r < 2 ? 0 : 0xff) : rnd(&seed));
		src.port = (uint16_t)(r < 4 ? (r < 2 ? 0 : 65535) : rnd(&seed));
		opaque = r < 2 ? 0 : rnd(&seed);
		sw_wbuf_init(&w, tok, sizeof(tok));
		assert_int_equal(sw_sa_flow_write(&pol, opaque, &src, &w), 0);
		assert_int_equal(w.len, src.af == AF_INET ? 54 : 78);
		d = sw_hex_decode(tok, w.len, bin, sizeof(bin));
		assert_int_equal(d, (int)w.len / 2);
		sw_wbuf_init(&rw, ref, sizeof(ref));
		sw_wbuf_put_hex(&rw, bin, (size_t)d);
		assert_int_equal(rw.len, w.len);
		assert_memory_equal(tok, ref, w.len);
		/* The payload is what it says, and the tag verifies. */
		for (got = 0, k = 1; k < 9; k++)
			got = got << 8 | bin[k];
		assert_true(got == opaque);
		n = snprintf(txt, sizeof(txt),
			     "BYE sip:bob@192.0.2.7 SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.99;branch=z9hG4bK-u\r\n"
			     "Route: <sip:%.*s@198.51.100.1:5060;lr>\r\n"
			     "From: <sip:carol@domainb.test>;tag=9\r\n"
			     "To: <sip:bob@domainb.test>;tag=1\r\n"
			     "Call-ID: f1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
			     (int)w.len, tok);
		assert_int_equal(sw_sip_parse(txt, (size_t)n, &req), SW_SIP_OK);
		assert_int_equal(sw_sa_route_check(&pol, &req, &got, &back), SW_SA_ROUTE_OK);
		assert_true(got == opaque);
		assert_int_equal(back.af, src.af);
		assert_int_equal(back.port, src.port);
		assert_memory_equal(back.addr, src.addr, src.af == AF_INET ? 4 : 16);
		/* One byte short: no room, as with sw_wbuf_put_hex(). */
		sw_wbuf_init(&w, tok, src.af == AF_INET ? 53 : 77);
		assert_int_equal(sw_sa_flow_write(&pol, opaque, &src, &w), -ENOSPC);
	}
	sw_sa_flow_key_wipe(&pol);
}

/* sw_sa_from_user_is() as it was: the From URI by sw_sip_uri_of(). */
static bool
from_user_ref(const struct sw_sip_msg *msg, const char *user, size_t user_len)
{
	struct sw_span uri = sw_sip_uri_of(sw_sip_value(msg, SW_HDR_FROM));
	size_t skip, at, i;

	if (uri.p == NULL || user_len == 0)
		return false;
	if (uri.len >= 4 && strncasecmp(uri.p, "sip:", 4) == 0)
		skip = 4;
	else if (uri.len >= 5 && strncasecmp(uri.p, "sips:", 5) == 0)
		skip = 5;
	else
		return false;
	for (at = skip; at < uri.len && uri.p[at] != '@'; at++)
		;
	if (at == uri.len || at - skip != user_len)
		return false;
	for (i = 0; i < user_len; i++)
		if (tolower((unsigned char)uri.p[skip + i]) != tolower((unsigned char)user[i]))
			return false;
	return true;
}

/*
 * The identity binding reads the From URI the parser recorded: the same
 * verdict as scanning the From value again, for From shapes the parser
 * accepts (name-addr, addr-spec, display names with '<' ',' ';' in quotes,
 * parameters, LWS, sips:, other schemes) and several user names.
 */
static void
test_sa_verify_from_equiv(void **state)
{
	static const char *const froms[] = {
		"<sip:bob@domainb.test>;tag=1",
		"sip:bob@domainb.test;tag=1",
		"sip:bob@domainb.test",
		"  sip:Bob@domainb.test ;tag=1",
		"\"Bob, <the> ;builder\" <sip:bob@domainb.test>;tag=2",
		"Bob <sips:BOB@domainb.test;transport=tls>;tag=3",
		"<sip:bob;x=y@domainb.test>",
		"<tel:+15551234>;tag=4",
		"<sip:domainb.test>;tag=5",
		"<sip:bobby@domainb.test>",
		"<sip:bo@domainb.test>",
		"<SIP:bob@domainb.test>",
		"sips:bob@domainb.test;tag=6",
		"<sip:@domainb.test>",
	};
	static const char *const users[] = {"bob", "BOB", "bobby", "bo", "bob;x=y", ""};
	static struct sw_sip_msg m;
	char txt[1024];
	unsigned int i, u, checked = 0;
	int n;

	(void)state;
	for (i = 0; i < sizeof(froms) / sizeof(froms[0]); i++) {
		n = snprintf(txt, sizeof(txt),
			     "INVITE sip:carol@domainb.test SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK-a\r\n"
			     "From: %s\r\nTo: <sip:carol@domainb.test>\r\n"
			     "Call-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
			     froms[i]);
		if (sw_sip_parse(txt, (size_t)n, &m) != SW_SIP_OK)
			continue;
		for (u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
			size_t ul = strlen(users[u]);

			if (sw_sa_from_user_is(&m, users[u], ul) != from_user_ref(&m, users[u], ul))
				fail_msg("From: %s, user %s", froms[i], users[u]);
			checked++;
		}
	}
	assert_true(checked >= 10 * 6);
}

static void
test_sa_verify_unregister(void **state)
{
	static const struct {
		const char *name, *extra;
		bool unreg;
	} rows[] = {
		{"Expires: 0", "Expires: 0\r\n", true},
		{"Expires: 3600", "Expires: 3600\r\n", false},
		{"contact expires=0", "Contact: <sip:bob@192.0.2.7>;expires=0\r\n", true},
		{"contact *", "Contact: *\r\n", true},
	};
	static struct sw_sip_msg m;
	char txt[1024];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = snprintf(txt, sizeof(txt),
			     "REGISTER sip:domainb.test SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-a\r\n"
			     "From: <sip:bob@domainb.test>;tag=1\r\nTo: <sip:bob@domainb.test>\r\n"
			     "Call-ID: c3\r\nCSeq: 2 REGISTER\r\n%sContent-Length: 0\r\n\r\n",
			     rows[i].extra);
		assert_int_equal(sw_sip_parse(txt, (size_t)n, &m), SW_SIP_OK);
		if (sw_sa_is_unregister(&m) != rows[i].unreg)
			fail_msg("%s: want %d", rows[i].name, rows[i].unreg);
	}
}

static int
setup(void **state)
{
	(void)state;
	return sw_digest_init(NULL, &dig);
}

static int
teardown(void **state)
{
	(void)state;
	sw_digest_free(dig);
	return 0;
}

/* Parse a request From @p user@@p domain into @p msg (buf must outlive it). */
static void
from_msg(const char *user, const char *domain, char *buf, size_t cap, struct sw_sip_msg *msg)
{
	struct tc_req r = {.method = "INVITE", .user = user, .domain = domain, .cseq = 1};
	size_t len = tc_write(&r, buf, cap);

	assert_true(len > 0);
	assert_int_equal(sw_sip_parse(buf, len, msg), SW_SIP_OK);
}

static uint64_t
aor_digest(const char *canon)
{
	return sw_digest(dig, canon, strlen(canon));
}

/*
 * Identity binding with an allowed-AOR set (a mapped principal or the
 * [identity] domains): the digests live in ext after everything else, the
 * record stays 224 bytes, the compact keys and the user name are where they
 * were, and the From check matches the canonical AOR only.
 */
static void
test_sa_verify_aor_binding(void **state)
{
	static const uint8_t k32[32] = {7};
	static struct sw_sip_msg m;
	struct sw_sa_policy pol;
	struct sw_sa_keys keys, plain;
	struct sw_sa_rt rt, ref;
	uint8_t *ext, *ext_ref;
	char buf[2048];
	size_t need, i, lay;

	(void)state;
	policy_fill(&pol);
	/* Three layouts: all inline (NTLM, short user), keys in ext (enctype 20),
	 * keys and a long user name in ext. */
	for (lay = 0; lay < 3; lay++) {
		memset(&keys, 0, sizeof(keys));
		if (lay == 0) {
			assert_int_equal(sw_sig_key_init_ntlm(&keys.c2s, k32, SW_DIR_C2S), 0);
			assert_int_equal(sw_sig_key_init_ntlm(&keys.s2c, k32, SW_DIR_S2C), 0);
		} else {
			assert_int_equal(sw_sig_key_init_krb(&keys.c2s, 20, k32, 32, SW_DIR_C2S),
					 0);
			assert_int_equal(sw_sig_key_init_krb(&keys.s2c, 20, k32, 32, SW_DIR_S2C),
					 0);
		}
		keys.user_len = lay == 2 ? 120 : 3;
		memset(keys.user, 'u', keys.user_len);
		memcpy(keys.user, "bob", 3);
		plain = keys;
		keys.aor_n = SW_SA_AOR_MAX;
		for (i = 0; i < SW_SA_AOR_MAX; i++) {
			char a[64];

			snprintf(a, sizeof(a), "alias%zu@domainb.test", i);
			keys.aor[i] = aor_digest(a);
		}
		keys.aor[3] = aor_digest("robert@domainb.test");

		need = sw_sa_rt_ext_size(&plain);
		ext_ref = need != 0 ? malloc(need) : NULL;
		memset(&ref, 0, sizeof(ref));
		assert_int_equal(sw_sa_rt_bind(&ref, &plain, ext_ref), 0);
		need = sw_sa_rt_ext_size(&keys);
		assert_int_equal(need % 8, 0);
		assert_true(need >= 8u * SW_SA_AOR_MAX);
		ext = malloc(need);
		assert_non_null(ext);
		memset(&rt, 0, sizeof(rt));
		assert_int_equal(sw_sa_rt_bind(&rt, &keys, NULL), -EINVAL); /* ext missing */
		assert_int_equal(sw_sa_rt_bind(&rt, &keys, ext), 0);
		assert_int_equal(sw_sa_rt_ext_bytes(&rt), need);
		assert_int_equal(rt.aor_n, SW_SA_AOR_MAX);
		assert_memory_equal(sw_sa_aors(&rt), keys.aor, 8u * SW_SA_AOR_MAX);
		assert_int_equal((uintptr_t)sw_sa_aors(&rt) % 8, 0);
		/* Keys and user as without the AORs. */
		assert_int_equal(rt.kb_flags, ref.kb_flags);
		assert_memory_equal(sw_sa_c2s(&rt), sw_sa_c2s(&ref),
				    sw_sig_ckey_size(sw_sa_c2s(&ref)));
		assert_memory_equal(sw_sa_s2c(&rt), sw_sa_s2c(&ref),
				    sw_sig_ckey_size(sw_sa_s2c(&ref)));
		assert_int_equal(rt.user_len, ref.user_len);
		assert_memory_equal(sw_sa_user(&rt), sw_sa_user(&ref), ref.user_len);

		from_msg("Robert", "DomainB.TEST", buf, sizeof(buf), &m);
		assert_true(sw_sa_from_ok(&pol, &rt, &m));
		from_msg("alias15", "domainb.test", buf, sizeof(buf), &m);
		assert_true(sw_sa_from_ok(&pol, &rt, &m));
		/* The user rule no longer applies: bob is not in the set. */
		from_msg("bob", "domainb.test", buf, sizeof(buf), &m);
		assert_false(sw_sa_from_ok(&pol, &rt, &m));
		assert_int_equal(sw_sa_from_ok(&pol, &ref, &m), lay != 2); /* 2: "bobuuu..." */
		from_msg("robert", "domaina.test", buf, sizeof(buf), &m);
		assert_false(sw_sa_from_ok(&pol, &rt, &m));
		from_msg("alias16", "domainb.test", buf, sizeof(buf), &m);
		assert_false(sw_sa_from_ok(&pol, &rt, &m));

		keys.aor_n = SW_SA_AOR_MAX + 1;
		memset(&rt, 0, sizeof(rt));
		assert_int_equal(sw_sa_rt_bind(&rt, &keys, ext), -EINVAL);
		free(ext);
		free(ext_ref);
		sw_sig_key_wipe(&keys.c2s);
		sw_sig_key_wipe(&keys.s2c);
	}
	/* One AOR, nothing else in ext: the digest alone at offset 0. */
	{
		struct ntlm_sa s;
		uint64_t one;

		ntlm_sa_init(&s, 3);
		s.keys.aor_n = 1;
		s.keys.aor[0] = aor_digest("bob@example.test");
		assert_int_equal(sw_sa_rt_ext_size(&s.keys), 8);
		memset(&s.rt, 0, sizeof(s.rt));
		assert_int_equal(sw_sa_rt_bind(&s.rt, &s.keys, (uint8_t *)&one), 0);
		assert_int_equal(s.rt.aor_off8, 0);
		assert_int_equal(sw_sa_rt_ext_bytes(&s.rt), 8);
		from_msg("bob", "Example.Test", buf, sizeof(buf), &m);
		assert_true(sw_sa_from_ok(&pol, &s.rt, &m));
		from_msg("bob", "domainb.test", buf, sizeof(buf), &m);
		assert_false(sw_sa_from_ok(&pol, &s.rt, &m));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_verify_window_table),
		cmocka_unit_test(test_sa_verify_retx),
		cmocka_unit_test(test_sa_verify_opaque),
		cmocka_unit_test(test_sa_verify_opaque_random),
		cmocka_unit_test(test_sa_verify_requests),
		cmocka_unit_test(test_sa_verify_crand_random),
		cmocka_unit_test(test_sa_verify_sign_response),
		cmocka_unit_test(test_sa_verify_via_roundtrip),
		cmocka_unit_test(test_sa_verify_via_params),
		cmocka_unit_test(test_sa_verify_via_equiv),
		cmocka_unit_test(test_sa_verify_from_equiv),
		cmocka_unit_test(test_sa_verify_flow_equiv),
		cmocka_unit_test(test_sa_verify_unregister),
		cmocka_unit_test(test_sa_verify_aor_binding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
