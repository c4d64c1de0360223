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
		cmocka_unit_test(test_sa_verify_requests),
		cmocka_unit_test(test_sa_verify_sign_response),
		cmocka_unit_test(test_sa_verify_via_roundtrip),
		cmocka_unit_test(test_sa_verify_unregister),
		cmocka_unit_test(test_sa_verify_aor_binding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
