/*
 * The control plane through its message interface (suite 'xcheck'): SIP in,
 * SIP out, real initiators, a throwaway realm from tests/realm.
 *
 *  - Kerberos: MIT gss_init_sec_context (bob@DOMAINB.TEST, and cross-realm
 *    ann@DOMAINA.TEST), with and without mutual authentication; NTLM:
 *    gss-ntlmssp's own initiator in datagram mode (dlopen RTLD_LOCAL, as
 *    tests/xcheck/test_xcheck_mixed.c).
 *  - Each handshake: REGISTER with gssapi-data -> forwarded upstream with our
 *    Via; a 200 from "upstream" -> signed for the client (and the AP-REP with
 *    mutual auth), verified by the initiator's gss_verify_mic; then a signed
 *    request from the initiator's gss_get_mic verified by the fast-path crypto
 *    (sw_sa_lookup + sw_sa_check_cred + sw_sa_req_prep + sw_mac_verify_burst).
 *  - Negative cases with the exact answer: see the table in main().
 *  - The per-source share of pending NTLM handshakes (issue 7): at the cap
 *    and one past, other sources unaffected, the counts back to zero on every
 *    path that ends a pending handshake.
 */

#define _GNU_SOURCE /* memmem */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <krb5/krb5.h>
#include <openssl/evp.h>

#include "crypto/mac.h"
#include "ctrlplane/cp.h"
#include "ctrlplane/cp_krb.h"
#include "ctrlplane/cp_ntlm.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/sa_verify.h"
#include "tests/common/ntlmssp.h"
#include "tests/ctrlplane/cp_eal.h"
#include "tests/ctrlplane/cp_tc.h"
#include "tests/ctrlplane/krb_util.h"
#include "tests/realm/kinit.h"
#include "tests/realm/realm.h"

#define REALM "SIP Communications Service"
#define KTGT  "sip/proxy.domainb.test"
#define NTGT  "proxy.domainb.test"
#define PAUTH g_cred_hdr

/* Challenge family under test: 407 + Proxy-* (default) or 401 + WWW-* / Authorization. */
static const char *g_cred_hdr = "Proxy-Authorization";
static int g_info = SW_HDR_PROXY_AUTHENTICATION_INFO;
static int g_chal = SW_HDR_PROXY_AUTHENTICATE;
static uint16_t g_status = 407;

static struct sw_test_realm realm;
static struct sw_mac_engine *eng;
static struct sw_cp_out outs[SW_CP_OUTS_MAX];
static struct sw_sip_msg msg, rmsg;
static char ann_cc[512];
static uint64_t now = 1000000;

static int kinit(const char *princ_s, const char *pw, const char *ccname);

/* ---- helpers ---------------------------------------------------------- */

static const char *
env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		fail_msg("realm env %s missing", name);
	return v;
}

static void
cfg_fill(struct sw_config *c, uint32_t sa_max, uint32_t hs_max)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->realm, sizeof(c->realm), "%s", REALM);
	snprintf(c->targetname, sizeof(c->targetname), "%s", NTGT);
	c->schemes[0] = SW_SCHEME_KERBEROS;
	c->schemes[1] = SW_SCHEME_NTLM;
	c->n_schemes = 2;
	c->challenge = g_status;
	c->version = 3;
	c->require_all = true;
	c->mutual = true;
	snprintf(c->keytab, sizeof(c->keytab), "%s", env_or_fail("SW_KEYTAB"));
	snprintf(c->service, sizeof(c->service), "%s", KTGT);
	snprintf(c->ntlm_users, sizeof(c->ntlm_users), "%s", env_or_fail("NTLM_USER_FILE"));
	snprintf(c->ntlm_domain, sizeof(c->ntlm_domain), "DOMAINB");
	c->upstream.af = AF_INET;
	c->upstream.u.v4.s_addr = htonl(0x7f000001);
	c->upstream_port = 5070;
	c->sa_max = sa_max;
	c->handshakes_max = hs_max;
	c->handshake_timeout_ms = 10000;
}

static struct sw_cp *
cp_new(uint32_t sa_max, uint32_t hs_max)
{
	struct sw_config c;
	struct sw_cp *cp = NULL;

	cfg_fill(&c, sa_max, hs_max);
	assert_int_equal(sw_cp_create(&c, &cp), 0);
	return cp;
}

static const struct sw_peer client = {.addr = {.af = AF_INET, .prefix = 32}, .port = 5062};
static const struct sw_peer *g_from = &client; /* source of req()'s datagrams */

/* Feed one request; returns the number of datagrams out. */
static int
req(struct sw_cp *cp, const char *buf, size_t len)
{
	int n;

	assert_int_equal(sw_sip_parse(buf, len, &msg), SW_SIP_OK);
	n = sw_cp_handle_request(cp, buf, len, &msg, g_from, now, outs);
	assert_true(n >= 0);
	return n;
}

/* Status of a datagram we sent to the client (0 if it is a request). */
static uint16_t
status_of(const struct sw_cp_out *o)
{
	assert_int_equal(sw_sip_parse((const char *)o->buf, o->len, &rmsg), SW_SIP_OK);
	return rmsg.status;
}

static void
expect_status(int n, uint16_t status)
{
	assert_int_equal(n, 1);
	assert_int_equal(outs[0].dst, SW_CP_DST_CLIENT);
	if (status_of(&outs[0]) != status)
		fail_msg("expected %u, got %u:\n%.*s", status, rmsg.status, outs[0].len,
			 (const char *)outs[0].buf);
}

static void
expect_forwarded(int n)
{
	assert_int_equal(n, 1);
	if (outs[0].dst != SW_CP_DST_UPSTREAM)
		fail_msg("expected a forwarded request, got:\n%.*s", outs[0].len,
			 (const char *)outs[0].buf);
	assert_int_equal(status_of(&outs[0]), 0);
	assert_non_null(memmem(outs[0].buf, outs[0].len, ";sw-sa=", 7));
}

/* A 2xx/4xx from upstream for the forwarded request in outs[0]. */
static size_t
upstream_answer(uint16_t status, const char *contact_expires, char *out, size_t cap)
{
	static struct sw_sip_msg f;
	struct sw_span v;
	uint8_t idx;
	uint16_t pos = 0;
	size_t c = 0;
	int n;

	assert_int_equal(sw_sip_parse((const char *)outs[0].buf, outs[0].len, &f), SW_SIP_OK);
	c += (size_t)snprintf(out + c, cap - c, "SIP/2.0 %u %s\r\n", status,
			      status == 200 ? "OK" : "Whatever");
	idx = f.first[SW_HDR_VIA];
	while (sw_sip_next_value(&f, &idx, &pos, &v))
		c += (size_t)snprintf(out + c, cap - c, "Via: %.*s\r\n", v.len, v.p);
	v = sw_sip_value(&f, SW_HDR_FROM);
	c += (size_t)snprintf(out + c, cap - c, "From: %.*s\r\n", v.len, v.p);
	v = sw_sip_value(&f, SW_HDR_TO);
	c += (size_t)snprintf(out + c, cap - c, "To: %.*s;tag=up1\r\n", v.len, v.p);
	v = sw_sip_value(&f, SW_HDR_CALL_ID);
	c += (size_t)snprintf(out + c, cap - c, "Call-ID: %.*s\r\n", v.len, v.p);
	v = sw_sip_value(&f, SW_HDR_CSEQ);
	c += (size_t)snprintf(out + c, cap - c, "CSeq: %.*s\r\n", v.len, v.p);
	if (contact_expires != NULL)
		c += (size_t)snprintf(out + c, cap - c,
				      "Contact: <sip:x@192.0.2.7:5060>;expires=%s\r\n",
				      contact_expires);
	n = snprintf(out + c, cap - c, "Content-Length: 0\r\n\r\n");
	return c + (size_t)n;
}

/* Relay an upstream answer through the control plane; the result for the
 * client is in outs[0] and parsed in rmsg. */
static void
rsp(struct sw_cp *cp, uint16_t status, const char *contact_expires)
{
	static char buf[4096];
	size_t len = upstream_answer(status, contact_expires, buf, sizeof(buf));
	int n;

	assert_int_equal(sw_sip_parse(buf, len, &msg), SW_SIP_OK);
	n = sw_cp_handle_response(cp, buf, len, &msg, now, outs);
	assert_int_equal(n, 1);
	assert_int_equal(outs[0].dst, SW_CP_DST_CLIENT);
	assert_int_equal(status_of(&outs[0]), status);
	assert_null(memmem(outs[0].buf, outs[0].len, ";sw-sa=", 7)); /* our Via popped */
}

static char *
b64(const void *p, size_t len)
{
	char *o = malloc(len / 3 * 4 + 8);

	assert_non_null(o);
	EVP_EncodeBlock((unsigned char *)o, p, (int)len);
	return o;
}

static size_t
unb64(const char *s, uint8_t *out, size_t cap)
{
	size_t l = strlen(s);
	int n;

	assert_true(l / 4 * 3 <= cap);
	n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)l);
	assert_true(n >= 0);
	while (l > 0 && s[l - 1] == '=') {
		l--;
		n--;
	}
	return (size_t)n;
}

/* Fast-path verification of a signed request (what an lcore does). */
static enum sw_sa_rc
fast_verify(struct sw_cp *cp, const char *buf, size_t len)
{
	static uint8_t slot[SW_SA_SLOT_MAX];
	const struct sw_sa_policy *pol = sw_cp_policy(cp);
	uint8_t tag[SW_MAC_TAG_MAX], ok = 0;
	struct sw_mac_job job;
	struct sw_auth cred;
	struct sw_sa_rt *sa;
	uint32_t off, cnum, crand;
	uint64_t opaque;
	enum sw_sa_rc rc;

	assert_int_equal(sw_sip_parse(buf, len, &msg), SW_SIP_OK);
	assert_int_equal(sw_auth_select(&msg, (enum sw_hdr)pol->cred_hdr, pol->realm, pol->targets,
					pol->n_targets, &cred, &off),
			 SW_AUTH_OK);
	if (!sw_sa_opaque_parse(sw_auth_get(&cred, SW_AUTH_P_OPAQUE), &opaque) ||
	    (sa = sw_sa_lookup(sw_cp_sa_table(cp), opaque)) == NULL)
		return SW_SA_NO_SA;
	rc = sw_sa_check_cred(pol, sa, &cred, now, &cnum, &crand);
	if (rc != SW_SA_OK)
		return rc;
	if (sw_sa_cnum_check(sa, cnum) != SW_SA_CNUM_NEW)
		return sw_sa_replay_verdict(pol, sa, buf, len, now);
	rc = sw_sa_req_prep(sa, &msg, &cred, slot, tag, &job);
	if (rc != SW_SA_OK)
		return rc;
	assert_true(sw_mac_verify_burst(eng, &job, 1, &ok) >= 0);
	if (ok != 1) {
		fprintf(stderr, "# batch verify failed, enctype %d\n", sa->keys->c2s.enctype);
		return SW_SA_BAD_SIG;
	}
	if (sa->keys->c2s.enctype == SW_ENCTYPE_RC4_HMAC) {
		/* rc4-hmac: the direction check needs the token (sig.h). */
		struct sw_span r = sw_auth_get(&cred, SW_AUTH_P_RESPONSE);
		uint8_t t[SW_SIG_TOKEN_MAX];
		int tl = sw_hex_decode(r.p, r.len, t, sizeof(t));

		if (tl <= 0 || sw_sig_post_check(&sa->keys->c2s, t, (size_t)tl) != 0)
			return SW_SA_BAD_SIG;
	}
	return sw_sa_req_commit(pol, sa, &msg, buf, len, cnum, now);
}

/* ---- Kerberos initiator ----------------------------------------------- */

struct kclient {
	gss_ctx_id_t ctx;
	gss_name_t target;
	char *token_b64;
	bool mutual;
	int version;
	const char *user, *domain;
	char opaque[32];
	uint32_t cnum;
};

static void
krb_init(struct kclient *k, const char *ccache, bool mutual)
{
	OM_uint32 maj, min;
	gss_buffer_desc nb, tok = GSS_C_EMPTY_BUFFER;
	gss_name_t target = GSS_C_NO_NAME;

	memset(k, 0, sizeof(*k));
	k->ctx = GSS_C_NO_CONTEXT;
	k->mutual = mutual;
	assert_int_equal(gss_krb5_ccache_name(&min, ccache, NULL), GSS_S_COMPLETE);
	nb.value = (void *)(uintptr_t)env_or_fail("SW_GSS_SERVICE");
	nb.length = strlen(nb.value);
	assert_int_equal(gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target),
			 GSS_S_COMPLETE);
	maj = gss_init_sec_context(
		&min, GSS_C_NO_CREDENTIAL, &k->ctx, target, (gss_OID)(uintptr_t)gss_mech_krb5,
		GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG | (mutual ? GSS_C_MUTUAL_FLAG : 0), 0,
		GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &tok, NULL, NULL);
	if (GSS_ERROR(maj))
		fail_msg("gss_init_sec_context: %#x/%u", maj, min);
	assert_int_equal(maj, mutual ? GSS_S_CONTINUE_NEEDED : GSS_S_COMPLETE);
	k->token_b64 = b64(tok.value, tok.length);
	gss_release_buffer(&min, &tok);
	k->target = target;
	gss_krb5_ccache_name(&min, NULL, NULL);
}

static void
krb_free(struct kclient *k)
{
	OM_uint32 min;

	free(k->token_b64);
	gss_release_name(&min, &k->target);
	if (k->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &k->ctx, GSS_C_NO_BUFFER);
}

static int
krb_mic(void *arg, const uint8_t *buf, size_t len, uint8_t *tok, size_t cap)
{
	struct kclient *k = arg;
	OM_uint32 min;
	gss_buffer_desc m = {len, (void *)(uintptr_t)buf}, t = GSS_C_EMPTY_BUFFER;
	int n;

	if (gss_get_mic(&min, k->ctx, GSS_C_QOP_DEFAULT, &m, &t) != GSS_S_COMPLETE ||
	    t.length > cap)
		return -1;
	memcpy(tok, t.value, t.length);
	n = (int)t.length;
	gss_release_buffer(&min, &t);
	return n;
}

/* The client checks a signed response with gss_verify_mic. */
static void
krb_check_rsp(struct kclient *k, unsigned int version)
{
	uint8_t sb[8192], tok[128];
	size_t sl, tl;
	OM_uint32 maj, min;
	gss_buffer_desc m, t;

	assert_int_equal(
		tc_rsp_sigbuf(&rmsg, g_info, version, sb, sizeof(sb), &sl, tok, sizeof(tok), &tl),
		0);
	m.length = sl;
	m.value = sb;
	t.length = tl;
	t.value = tok;
	maj = gss_verify_mic(&min, k->ctx, &m, &t, NULL);
	if (GSS_ERROR(maj))
		fail_msg("gss_verify_mic of our rspauth: %#x/%u", maj, min);
}

/* ---- scenarios ---------------------------------------------------------- */

static size_t
krb_register(struct kclient *k, const char *user, const char *domain, uint32_t cseq, int version,
	     char *buf, size_t cap)
{
	struct tc_req r = {
		.method = "REGISTER",
		.user = user,
		.domain = domain,
		.cseq = cseq,
		.expires = "3600",
		.hdr = PAUTH,
		.scheme = "Kerberos",
		.realm = REALM,
		.targetname = KTGT,
		.version = version,
		.gssapi = k->token_b64,
	};

	k->user = user;
	k->domain = domain;
	k->version = version;
	if (version == 4 && !k->mutual) {
		r.crand = "11223344";
		r.cnum = ++k->cnum;
		return tc_write_signed(r, krb_mic, k, buf, cap);
	}
	return tc_write(&r, buf, cap);
}

static size_t
krb_signed(struct kclient *k, const char *method, uint32_t cseq, const char *expires, char *buf,
	   size_t cap)
{
	struct tc_req r = {
		.method = method,
		.user = k->user,
		.domain = k->domain,
		.cseq = cseq,
		.expires = expires,
		.hdr = PAUTH,
		.scheme = "Kerberos",
		.realm = REALM,
		.targetname = KTGT,
		.version = k->version,
		.opaque = k->opaque,
		.crand = "0badf00d",
		.cnum = ++k->cnum,
	};

	return tc_write_signed(r, krb_mic, k, buf, cap);
}

/* Full Kerberos handshake + signed 200 + one signed request. */
static void
krb_full(struct sw_cp *cp, const char *ccache, const char *user, const char *domain, bool mutual,
	 int version, struct kclient *k)
{
	static char buf[16384];
	char ap[1024];
	size_t len;
	OM_uint32 maj, min;

	krb_init(k, ccache, mutual);
	len = krb_register(k, user, domain, 1, version, buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));
	rsp(cp, 200, "600");
	tc_auth_param(&rmsg, g_info, "opaque", k->opaque, sizeof(k->opaque));
	assert_int_equal(strlen(k->opaque), 16);
	tc_auth_param(&rmsg, g_info, "gssapi-data", ap, sizeof(ap));
	if (mutual) {
		/* The AP-REP completes the initiator's context. */
		uint8_t raw[768];
		gss_buffer_desc in, outb = GSS_C_EMPTY_BUFFER;

		assert_true(ap[0] != '\0');
		in.value = raw;
		in.length = unb64(ap, raw, sizeof(raw));
		maj = gss_init_sec_context(
			&min, GSS_C_NO_CREDENTIAL, &k->ctx, k->target,
			(gss_OID)(uintptr_t)gss_mech_krb5,
			GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG | GSS_C_MUTUAL_FLAG, 0,
			GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &outb, NULL, NULL);
		if (maj != GSS_S_COMPLETE)
			fail_msg("AP-REP not accepted by the initiator: %#x/%u", maj, min);
		gss_release_buffer(&min, &outb);
	} else {
		assert_string_equal(ap, "");
	}
	krb_check_rsp(k, (unsigned int)version);
	/* A signed request through the fast path. */
	len = krb_signed(k, "INVITE", 2, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_OK);
	/* A second response is signed again (snum 2) and carries no AP-REP. */
	/* Handed to the control plane as well (already accepted): a retransmission,
	 * forwarded again. */
	expect_forwarded(req(cp, buf, len));
	rsp(cp, 180, NULL);
	tc_auth_param(&rmsg, g_info, "gssapi-data", ap, sizeof(ap));
	assert_string_equal(ap, "");
	krb_check_rsp(k, (unsigned int)version);
}

static void
test_cp_krb_same_realm(void **state)
{
	struct sw_cp *cp = cp_new(8, 4);
	struct kclient k;

	(void)state;
	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", false, 3, &k);
	krb_free(&k);
	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", false, 4, &k);
	krb_free(&k);
	sw_cp_free(cp);
}

/* Every session enctype the realm offers (17, 18, 19, 20, 23), end to end:
 * the client's MIC through the batch path, our rspauth through gss_verify_mic. */
static void
test_cp_krb_enctypes(void **state)
{
	static const int enctypes[] = {17, 18, 19, 20, 23};
	char conf[600], prof[600], cc[600];
	struct sw_cp *cp = cp_new(32, 4);
	struct kclient k;
	size_t i;

	(void)state;
	snprintf(conf, sizeof(conf), "%s", env_or_fail("KRB5_CONFIG"));
	for (i = 0; i < sizeof(enctypes) / sizeof(enctypes[0]); i++) {
		snprintf(prof, sizeof(prof), "%s/krb5-e%d.conf", realm.dir, enctypes[i]);
		snprintf(cc, sizeof(cc), "FILE:%s/cp-e%d.ccache", realm.dir, enctypes[i]);
		setenv("KRB5_CONFIG", prof, 1);
		assert_int_equal(kinit(getenv("SW_USER_PRINC"), getenv("SW_USER_PASSWORD"), cc), 0);
		krb_full(cp, cc, "bob", "domainb.test", false, 3, &k);
		{
			const struct sw_sa_rt *sa;
			uint64_t op = strtoull(k.opaque, NULL, 16);

			sa = sw_sa_lookup(sw_cp_sa_table(cp), op);
			assert_non_null(sa);
			if (sa->keys->c2s.enctype != enctypes[i])
				fail_msg("profile e%d gave enctype %d", enctypes[i],
					 sa->keys->c2s.enctype);
		}
		krb_free(&k);
		krb_full(cp, cc, "bob", "domainb.test", true, 4, &k);
		krb_free(&k);
		setenv("KRB5_CONFIG", conf, 1);
	}
	sw_cp_free(cp);
}

static void
test_cp_krb_mutual_v4(void **state)
{
	struct sw_cp *cp = cp_new(8, 4);
	struct kclient k;
	uint64_t st[SW_CP_STAT_MAX];

	(void)state;
	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", true, 4, &k);
	krb_free(&k);
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_RSP_AP_REP], 1);
	assert_int_equal(st[SW_CP_STAT_KRB_OK], 1);
	sw_cp_free(cp);
}

static void
test_cp_krb_cross_realm(void **state)
{
	struct sw_cp *cp = cp_new(8, 4);
	struct kclient k;

	(void)state;
	krb_full(cp, ann_cc, "ann", "domaina.test", false, 3, &k);
	krb_free(&k);
	sw_cp_free(cp);
}

/* Retransmission of the handshake leg, replayed AP-REQ, identity, garbage. */
static void
test_cp_krb_negative(void **state)
{
	struct sw_cp *cp = cp_new(8, 4);
	static char buf[100000], first[SW_CP_OUT_MAX], big[70000];
	struct kclient k;
	size_t len, flen;
	uint64_t st[SW_CP_STAT_MAX];
	struct tc_req r = {
		.method = "REGISTER",
		.user = "bob",
		.domain = "domainb.test",
		.cseq = 1,
		.hdr = PAUTH,
		.scheme = "Kerberos",
		.realm = REALM,
		.targetname = KTGT,
		.version = 3,
	};

	(void)state;
	krb_init(&k, getenv("KRB5CCNAME"), false);
	len = krb_register(&k, "bob", "domainb.test", 1, 3, buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));
	flen = outs[0].len;
	memcpy(first, outs[0].buf, flen);
	/* Byte-identical retransmission: the same answer, no second accept. */
	expect_forwarded(req(cp, buf, len));
	assert_int_equal(outs[0].len, flen);
	assert_memory_equal(outs[0].buf, first, flen);
	/* The same AP-REQ in another request (CSeq 2): MIT's replay cache -> 407. */
	len = krb_register(&k, "bob", "domainb.test", 2, 3, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	assert_int_equal(rmsg.count[g_chal], 2);
	krb_free(&k);

	/* A valid ticket for bob in a request From alice: 403, no SA. */
	krb_init(&k, getenv("KRB5CCNAME"), false);
	len = krb_register(&k, "alice", "domainb.test", 3, 3, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 403);
	krb_free(&k);

	/* Version 4 without mutual authentication: the handshake request must be
	 * signed (PROTOCOL.md §6 exempts only mutual auth): unsigned -> 407. */
	krb_init(&k, getenv("KRB5CCNAME"), false);
	{
		struct tc_req u = r;

		u.version = 4;
		u.gssapi = k.token_b64;
		u.cseq = 30;
		len = tc_write(&u, buf, sizeof(buf));
	}
	expect_status(req(cp, buf, len), 407);
	krb_free(&k);

	/* base64 garbage -> 400; a decodable non-token -> 407. */
	r.gssapi = "YII*garbage==";
	len = tc_write(&r, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 400);
	r.gssapi = "AAAA";
	r.cseq = 4;
	len = tc_write(&r, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	/* Oversized gssapi-data (over SW_AUTH_VALUE_MAX, under the parser line limit) -> 400. */
	memset(big, 'A', 13000);
	big[13000] = '\0';
	r.gssapi = big;
	r.cseq = 5;
	len = tc_write(&r, buf, sizeof(buf));
	assert_true(len > 0);
	expect_status(req(cp, buf, len), 400);

	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_LEG_RETX], 1);
	assert_int_equal(st[SW_CP_STAT_KRB_FAIL], 2);
	assert_int_equal(st[SW_CP_STAT_FORBIDDEN], 1);
	assert_int_equal(st[SW_CP_STAT_BASE64], 1);
	assert_int_equal(st[SW_CP_STAT_OVERSIZE], 1);
	assert_int_equal(st[SW_CP_STAT_V4_UNSIGNED], 1);
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 1);
	sw_cp_free(cp);
}

/* A REGISTER carrying @p tok (raw GSS token) as gssapi-data. */
static size_t
krb_raw_register(const uint8_t *tok, size_t n, uint32_t cseq, char *buf, size_t cap)
{
	char *g = b64(tok, n);
	struct tc_req r = {
		.method = "REGISTER",
		.user = "bob",
		.domain = "domainb.test",
		.cseq = cseq,
		.hdr = PAUTH,
		.scheme = "Kerberos",
		.realm = REALM,
		.targetname = KTGT,
		.version = 3,
		.gssapi = g,
	};
	size_t len = tc_write(&r, buf, cap);

	free(g);
	return len;
}

/*
 * A keytab for sip/proxy.domainb.test whose keys are wrong: random contents
 * at the real kvno (wrong service key), or at kvno + 1 (wrong kvno).
 */
static void
write_bad_keytab(const char *path, int kvno_delta)
{
	krb5_context kctx = NULL;
	krb5_keytab in = NULL, out = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	char name[700];
	unsigned int i;

	assert_int_equal(krb5_init_context(&kctx), 0);
	snprintf(name, sizeof(name), "FILE:%s", env_or_fail("SW_KEYTAB"));
	assert_int_equal(krb5_kt_resolve(kctx, name, &in), 0);
	snprintf(name, sizeof(name), "FILE:%s", path);
	assert_int_equal(krb5_kt_resolve(kctx, name, &out), 0);
	assert_int_equal(krb5_kt_start_seq_get(kctx, in, &cur), 0);
	while (krb5_kt_next_entry(kctx, in, &e, &cur) == 0) {
		for (i = 0; i < e.key.length; i++)
			e.key.contents[i] ^= (uint8_t)(0x5a + i);
		e.vno = (krb5_kvno)((int)e.vno + kvno_delta);
		assert_int_equal(krb5_kt_add_entry(kctx, out, &e), 0);
		krb5_free_keytab_entry_contents(kctx, &e);
	}
	krb5_kt_end_seq_get(kctx, in, &cur);
	krb5_kt_close(kctx, in);
	krb5_kt_close(kctx, out);
	krb5_free_context(kctx);
}

/* Kerberos failures an acceptor reports, each answered with a fresh 407. */
static void
test_cp_krb_refused(void **state)
{
	static char buf[100000];
	uint8_t tok[8192];
	char conf[600], conf1[600], kt[600], text[16384];
	struct sw_config c;
	struct sw_cp *cp = cp_new(8, 4), *bad = NULL;
	struct kclient k;
	uint64_t st[SW_CP_STAT_MAX], krc[SW_CP_KRB_RC_MAX];
	size_t n, len, r;
	FILE *in, *out;
	int delta;

	(void)state;
	/* Clock skew: an authenticator 6 min fast. */
	n = ku_raw_token(getenv("KRB5CCNAME"), env_or_fail("SW_SERVICE_PRINC"), 360, 0, tok,
			 sizeof(tok));
	len = krb_raw_register(tok, n, 1, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	assert_int_equal(rmsg.count[g_chal], 2);
	sw_cp_mech_stats(cp, krc, NULL);
	assert_int_equal(krc[SW_CP_KRB_SKEW], 1);
	/* Control: the same construction at the right time establishes. */
	n = ku_raw_token(getenv("KRB5CCNAME"), env_or_fail("SW_SERVICE_PRINC"), 0, 0, tok,
			 sizeof(tok));
	len = krb_raw_register(tok, n, 2, buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));

	/* Expired ticket: 2 s ticket, AP-REQ 4 s later, acceptor clockskew 1 s. */
	snprintf(conf, sizeof(conf), "%s", env_or_fail("KRB5_CONFIG"));
	snprintf(conf1, sizeof(conf1), "%s/krb5-cp-skew1.conf", realm.dir);
	in = fopen(conf, "r");
	assert_non_null(in);
	r = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[r] = '\0';
	out = fopen(conf1, "w");
	assert_non_null(out);
	for (char *p = text; *p != '\0'; p++) {
		if (strncmp(p, "[libdefaults]\n", 14) == 0) {
			fputs("[libdefaults]\n    clockskew = 1\n", out);
			p += 13;
		} else {
			fputc(*p, out);
		}
	}
	fclose(out);
	{
		char cc[600];

		snprintf(cc, sizeof(cc), "FILE:%s/cp-short.ccache", realm.dir);
		ku_kinit(env_or_fail("SW_USER_PRINC"), env_or_fail("SW_USER_PASSWORD"), cc, 2);
		n = ku_raw_token(cc, env_or_fail("SW_SERVICE_PRINC"), 0, 4, tok, sizeof(tok));
	}
	setenv("KRB5_CONFIG", conf1, 1);
	len = krb_raw_register(tok, n, 3, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	setenv("KRB5_CONFIG", conf, 1);
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_KRB_FAIL], 2);
	sw_cp_mech_stats(cp, krc, NULL);
	assert_int_equal(krc[SW_CP_KRB_EXPIRED], 1);
	sw_cp_free(cp);

	/* Wrong service key (same kvno), wrong kvno: a control plane whose keytab
	 * does not match the KDC's. */
	for (delta = 0; delta <= 1; delta++) {
		snprintf(kt, sizeof(kt), "%s/bad%d.keytab", realm.dir, delta);
		write_bad_keytab(kt, delta);
		cfg_fill(&c, 8, 4);
		assert_true(strlen(kt) < sizeof(c.keytab));
		memcpy(c.keytab, kt, strlen(kt) + 1);
		assert_int_equal(sw_cp_create(&c, &bad), 0);
		krb_init(&k, getenv("KRB5CCNAME"), false);
		len = krb_register(&k, "bob", "domainb.test", 1, 3, buf, sizeof(buf));
		expect_status(req(bad, buf, len), 407);
		assert_int_equal(rmsg.count[g_chal], 2);
		krb_free(&k);
		sw_cp_stats(bad, st);
		assert_int_equal(st[SW_CP_STAT_KRB_FAIL], 1);
		sw_cp_mech_stats(bad, krc, NULL);
		if (krc[delta == 0 ? SW_CP_KRB_MODIFIED : SW_CP_KRB_KVNO] != 1)
			fail_msg("wrong %s: modified %llu kvno %llu other %llu",
				 delta == 0 ? "key" : "kvno",
				 (unsigned long long)krc[SW_CP_KRB_MODIFIED],
				 (unsigned long long)krc[SW_CP_KRB_KVNO],
				 (unsigned long long)krc[SW_CP_KRB_OTHER]);
		assert_int_equal(sw_sa_table_count(sw_cp_sa_table(bad)), 0);
		sw_cp_free(bad);
		bad = NULL;
	}
}

/* First challenge, unknown opaque, SA expiry, unregister, cap. */
static void
test_cp_life_cycle(void **state)
{
	struct sw_cp *cp = cp_new(2, 4);
	static char buf[16384];
	struct kclient k1, k2, k3;
	size_t len;
	struct tc_req r = {.method = "INVITE", .user = "bob", .domain = "domainb.test", .cseq = 1};

	(void)state;
	/* No credentials: 407 with one Proxy-Authenticate per scheme, in order. */
	len = tc_write(&r, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	assert_int_equal(rmsg.count[g_chal], 2);
	assert_non_null(memmem(outs[0].buf, outs[0].len,
			       "Proxy-Authenticate: Kerberos realm=\"" REALM
			       "\", targetname=\"" KTGT "\", version=3, qop=\"auth\"\r\n"
			       "Proxy-Authenticate: NTLM realm=\"" REALM "\", targetname=\"" NTGT
			       "\", version=3, qop=\"auth\"\r\n",
			       strlen("Proxy-Authenticate: Kerberos realm=\"" REALM
				      "\", targetname=\"" KTGT "\", version=3, qop=\"auth\"\r\n"
				      "Proxy-Authenticate: NTLM realm=\"" REALM
				      "\", targetname=\"" NTGT "\", version=3, qop=\"auth\"\r\n")));

	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", false, 3, &k1);
	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", false, 3, &k2);
	/* Cap (sa_max 2): the next handshake gets 503 + Retry-After ... */
	krb_init(&k3, getenv("KRB5CCNAME"), false);
	len = krb_register(&k3, "bob", "domainb.test", 1, 3, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 503);
	assert_non_null(memmem(outs[0].buf, outs[0].len, "Retry-After: 5\r\n", 16));
	/* ... and the established SAs still verify. */
	len = krb_signed(&k1, "MESSAGE", 10, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_OK);
	len = krb_signed(&k2, "MESSAGE", 10, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_OK);

	/* Unregister k1: forwarded; the SA goes when the 200 passes back. */
	len = krb_signed(&k1, "REGISTER", 11, "0", buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 2);
	rsp(cp, 200, NULL);
	krb_check_rsp(&k1, 3);
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 1);
	/* Its opaque is now unknown: a fresh challenge. */
	len = krb_signed(&k1, "MESSAGE", 12, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_NO_SA);
	expect_status(req(cp, buf, len), 407);

	/* Registration expiry (600 s from the 200), then SA lifetime. */
	now += 601 * 1000;
	sw_cp_tick(cp, now);
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 0);
	len = krb_signed(&k2, "MESSAGE", 13, NULL, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	krb_free(&k1);
	krb_free(&k2);
	krb_free(&k3);

	/* SA lifetime: 8 h at most. */
	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", false, 3, &k1);
	/* A long registration: only the SA lifetime ends it. */
	len = krb_signed(&k1, "REGISTER", 19, "86400", buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));
	rsp(cp, 200, "86400");
	now += 8ull * 3600 * 1000 + 1000;
	len = krb_signed(&k1, "MESSAGE", 20, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_EXPIRED);
	sw_cp_tick(cp, now);
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_NO_SA);
	expect_status(req(cp, buf, len), 407);
	krb_free(&k1);
	sw_cp_free(cp);
}

/* ---- NTLM (gss-ntlmssp initiator) -------------------------------------- */

static struct sw_ntlmssp nt;

static void
load_plugin(void)
{
	char err[256];

	if (sw_ntlmssp_load(&nt, NULL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

struct nclient {
	gss_ctx_id_t ctx;
	gss_cred_id_t cred;
	gss_name_t target;
	const char *user;
	char opaque[32];
	uint32_t cnum;
	int version;
};

static void
nt_seq(struct nclient *c)
{
	OM_uint32 min;

	assert_int_equal(sw_ntlmssp_set_seq(&nt, &c->ctx, SW_NTLM_SEQ, &min), GSS_S_COMPLETE);
}

static int
nt_mic(void *arg, const uint8_t *buf, size_t len, uint8_t *tok, size_t cap)
{
	struct nclient *c = arg;
	OM_uint32 min;
	gss_buffer_desc m = {len, (void *)(uintptr_t)buf}, t = GSS_C_EMPTY_BUFFER;
	int n;

	nt_seq(c);
	if (nt.get_mic(&min, c->ctx, GSS_C_QOP_DEFAULT, &m, &t) != GSS_S_COMPLETE || t.length > cap)
		return -1;
	memcpy(tok, t.value, t.length);
	n = (int)t.length;
	free(t.value);
	return n;
}

static void
nt_init(struct nclient *c, const char *domain, const char *user, const char *pw)
{
	OM_uint32 min;
	gss_OID_set_desc mechs = {1, &sw_ntlmssp_oid_mech};
	char uname[256];
	gss_buffer_desc ub, sb, pwb = {strlen(pw), (void *)(uintptr_t)pw};
	gss_name_t un = GSS_C_NO_NAME;

	load_plugin();
	memset(c, 0, sizeof(*c));
	c->ctx = GSS_C_NO_CONTEXT;
	c->user = user;
	snprintf(uname, sizeof(uname), "%s\\%s", domain, user);
	ub.value = uname;
	ub.length = strlen(uname);
	sb.value = (void *)(uintptr_t)env_or_fail("SW_GSS_SERVICE");
	sb.length = strlen(sb.value);
	assert_int_equal(nt.import_name(&min, &ub, &sw_ntlmssp_oid_nt_user, &un), GSS_S_COMPLETE);
	assert_int_equal(nt.import_name(&min, &sb, &sw_ntlmssp_oid_nt_hostbased, &c->target),
			 GSS_S_COMPLETE);
	assert_int_equal(nt.acquire_cred_with_password(&min, un, &pwb, GSS_C_INDEFINITE, &mechs,
						       GSS_C_INITIATE, &c->cred, NULL, NULL),
			 GSS_S_COMPLETE);
	nt.release_name(&min, &un);
}

static void
nt_free(struct nclient *c)
{
	OM_uint32 min;

	if (c->ctx != GSS_C_NO_CONTEXT)
		nt.delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
	nt.release_cred(&min, &c->cred);
	nt.release_name(&min, &c->target);
}

/* Leg 1 (empty gssapi-data) -> 407 with opaque + CHALLENGE; then the
 * AUTHENTICATE request (signed at v4).  Returns the request length in buf. */
static size_t
nt_handshake(struct sw_cp *cp, struct nclient *c, int version, char *buf, size_t cap)
{
	OM_uint32 maj, min;
	gss_buffer_desc t0 = GSS_C_EMPTY_BUFFER, chal, auth = GSS_C_EMPTY_BUFFER;
	uint8_t raw[2048];
	char g[4096];
	static unsigned int attempt;
	char *ab, call_id[32];
	size_t len;
	struct tc_req r = {
		.method = "REGISTER",
		.user = c->user,
		.domain = "domainb.test",
		.cseq = 1,
		.call_id = call_id,
		.expires = "3600",
		.hdr = PAUTH,
		.scheme = "NTLM",
		.realm = REALM,
		.targetname = NTGT,
		.version = version,
		.gssapi = "",
	};

	c->version = version;
	/* Each attempt is a new registration: a byte-identical first leg would
	 * be a retransmission and get the first answer back (§6). */
	snprintf(call_id, sizeof(call_id), "nt-%u", ++attempt);
	maj = nt.init_sec_context(&min, c->cred, &c->ctx, c->target, &sw_ntlmssp_oid_mech,
				  GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				  GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t0, NULL,
				  NULL);
	assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	free(t0.value);
	len = tc_write(&r, buf, cap);
	expect_status(req(cp, buf, len), g_status);
	assert_int_equal(rmsg.count[g_chal], 1);
	tc_auth_param(&rmsg, g_chal, "opaque", c->opaque, sizeof(c->opaque));
	tc_auth_param(&rmsg, g_chal, "gssapi-data", g, sizeof(g));
	assert_int_equal(strlen(c->opaque), 16);
	chal.value = raw;
	chal.length = unb64(g, raw, sizeof(raw));
	maj = nt.init_sec_context(&min, c->cred, &c->ctx, c->target, &sw_ntlmssp_oid_mech,
				  GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				  GSS_C_NO_CHANNEL_BINDINGS, &chal, NULL, &auth, NULL, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("gss-ntlmssp init (AUTHENTICATE): %#x/%u", maj, min);
	ab = b64(auth.value, auth.length);
	free(auth.value);
	r.cseq = 2;
	r.gssapi = ab;
	r.opaque = c->opaque;
	if (version == 4) {
		r.crand = "00c0ffee";
		r.cnum = ++c->cnum;
		len = tc_write_signed(r, nt_mic, c, buf, cap);
	} else {
		len = tc_write(&r, buf, cap);
	}
	free(ab);
	return len;
}

static void
nt_check_rsp(struct nclient *c)
{
	uint8_t sb[8192], tok[128];
	size_t sl, tl;
	OM_uint32 maj, min;
	gss_buffer_desc m, t;

	assert_int_equal(tc_rsp_sigbuf(&rmsg, g_info, (unsigned int)c->version, sb, sizeof(sb), &sl,
				       tok, sizeof(tok), &tl),
			 0);
	assert_int_equal(tl, 16); /* gss-ntlmssp 1.2.0 does not check (§6) */
	m.length = sl;
	m.value = sb;
	t.length = tl;
	t.value = tok;
	nt_seq(c);
	maj = nt.verify_mic(&min, c->ctx, &m, &t, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("gss-ntlmssp verify_mic of our rspauth: %#x/%u", maj, min);
}

static void
test_cp_ntlm_full(void **state)
{
	struct sw_cp *cp = cp_new(8, 4);
	static char buf[16384], again[16384];
	struct nclient c;
	size_t len;
	int version;

	(void)state;
	for (version = 3; version <= 4; version++) {
		nt_init(&c, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
		len = nt_handshake(cp, &c, version, buf, sizeof(buf));
		memcpy(again, buf, len);
		expect_forwarded(req(cp, buf, len));
		/* A retransmitted AUTHENTICATE gets the same answer (§6). */
		expect_forwarded(req(cp, again, len));
		rsp(cp, 200, "600");
		nt_check_rsp(&c);
		{
			struct tc_req r = {
				.method = "INVITE",
				.user = "bob",
				.domain = "domainb.test",
				.cseq = 3,
				.hdr = PAUTH,
				.scheme = "NTLM",
				.realm = REALM,
				.targetname = NTGT,
				.version = version,
				.opaque = c.opaque,
				.crand = "12345678",
				.cnum = ++c.cnum,
			};

			len = tc_write_signed(r, nt_mic, &c, buf, sizeof(buf));
			assert_int_equal(fast_verify(cp, buf, len), SW_SA_OK);
			/* The same INVITE again within 32 s: a retransmission. */
			assert_int_equal(fast_verify(cp, buf, len), SW_SA_RETX);
			now += 33000;
			assert_int_equal(fast_verify(cp, buf, len), SW_SA_REPLAY);
			/* Through the control plane too: a replay is challenged. */
			expect_status(req(cp, buf, len), 407);
		}
		nt_free(&c);
	}
	sw_cp_free(cp);
}

/* An NTLM first leg (empty gssapi-data, as a client sends it) into buf. */
static size_t
first_leg_write(const char *user, uint32_t cseq, const char *call_id, char *buf, size_t cap)
{
	struct tc_req r = {
		.method = "REGISTER",
		.user = user,
		.domain = "domainb.test",
		.call_id = call_id,
		.cseq = cseq,
		.hdr = PAUTH,
		.scheme = "NTLM",
		.realm = REALM,
		.targetname = NTGT,
		.version = 3,
		.gssapi = "",
	};

	return tc_write(&r, buf, cap);
}

/* The same from g_from, through the control plane. */
static int
first_leg(struct sw_cp *cp, const char *user, uint32_t cseq)
{
	static char buf[4096];
	static unsigned int k;
	char call_id[32];

	snprintf(call_id, sizeof(call_id), "leg1-%u", ++k); /* not a retransmission */
	return req(cp, buf, first_leg_write(user, cseq, call_id, buf, sizeof(buf)));
}

static void
expect_503(int n)
{
	expect_status(n, 503);
	assert_non_null(memmem(outs[0].buf, outs[0].len, "Retry-After: 5\r\n", 16));
}

static void
test_cp_ntlm_negative(void **state)
{
	struct sw_cp *cp = cp_new(8, 2);
	static char buf[16384];
	struct nclient c, c2, c3;
	size_t len;
	uint64_t st[SW_CP_STAT_MAX];
	char *o;

	(void)state;
	/* Wrong password -> 407. */
	nt_init(&c, "DOMAINB", "bob", "not-the-password");
	len = nt_handshake(cp, &c, 3, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	nt_free(&c);
	/* Unknown user -> 407. */
	nt_init(&c, "DOMAINB", "nobody", "whatever");
	len = nt_handshake(cp, &c, 3, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 407);
	nt_free(&c);
	/* AUTHENTICATE with a wrong opaque -> 407, counted. */
	nt_init(&c, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
	len = nt_handshake(cp, &c, 3, buf, sizeof(buf));
	o = strstr(buf, c.opaque);
	assert_non_null(o);
	o[0] = o[0] == 'A' ? 'B' : 'A';
	expect_status(req(cp, buf, len), 407);
	nt_free(&c);
	/* Pending handshakes capped (2): the third first leg gets 503. */
	nt_init(&c, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
	nt_init(&c2, "DOMAINB", "carol", env_or_fail("SW_USER2_PASSWORD"));
	nt_init(&c3, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
	len = nt_handshake(cp, &c, 3, buf, sizeof(buf));
	{
		static char keep[16384];
		size_t klen = len;

		memcpy(keep, buf, len);
		/* The wrong-opaque handshake and bob's fill the table: carol's
		 * first leg is refused. */
		expect_503(first_leg(cp, "carol", 9));
		/* The handshake timeout (10 s) frees them; bob's AUTHENTICATE is late. */
		now += 11000;
		sw_cp_tick(cp, now);
		expect_status(req(cp, keep, klen), 407);
	}
	nt_free(&c);
	nt_free(&c2);
	nt_free(&c3);
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_NTLM_FAIL], 2);
	assert_int_equal(st[SW_CP_STAT_NTLM_OPAQUE], 2);
	assert_int_equal(st[SW_CP_STAT_CAP_HS], 1);
	assert_true(st[SW_CP_STAT_HS_EXPIRED] >= 1);
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 0);
	sw_cp_free(cp);
}

static void
peer4(struct sw_peer *p, uint32_t ip, uint16_t port)
{
	memset(p, 0, sizeof(*p));
	p->addr.af = AF_INET;
	p->addr.prefix = 32;
	p->addr.u.v4.s_addr = htonl(ip);
	p->port = port;
}

/* Pending handshakes of @p p's address (@p p NULL: all), and the sources holding any. */
static uint32_t
pending(struct sw_cp *cp, const struct sw_peer *p, uint32_t *sources)
{
	return sw_cp_pending(cp, p != NULL ? &p->addr : NULL, sources);
}

/*
 * [limits] handshakes_per_source (issue 7): one address holds at most its
 * share of the pending table (503 + Retry-After, cap_hs_src), whatever its
 * ports; other sources still get their CHALLENGE and complete; pending
 * handshakes and SAs already there are untouched; every way a pending
 * handshake ends (SA installed, AUTHENTICATE refused, AUTHENTICATE too late,
 * timer) gives the unit back.  Table of 4, share of 2.
 */
static void
test_cp_ntlm_per_source(void **state)
{
	static char a1[16384], a2[16384], a3[16384], bb[16384], cc[16384], buf[16384];
	struct sw_peer a, a_port2, b, c6;
	struct nclient ca1, ca2, ca3, cb, cc6;
	size_t la1, la2, la3, lb, lc;
	uint64_t st[SW_CP_STAT_MAX];
	struct sw_config cfg;
	struct sw_cp *cp = NULL;
	uint32_t nsrc, round;
	int n;

	(void)state;
	peer4(&a, 0xc0000201, 5062);
	peer4(&a_port2, 0xc0000201, 6000); /* same address, another port: same source */
	peer4(&b, 0xc0000202, 5062);
	memset(&c6, 0, sizeof(c6));
	c6.addr.af = AF_INET6;
	c6.addr.prefix = 128;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::c", &c6.addr.u.v6), 1);
	c6.port = 5062;

	/* A share above the table is refused; equal to it is fine. */
	cfg_fill(&cfg, 8, 4);
	cfg.handshakes_per_source = 5;
	assert_int_equal(sw_cp_create(&cfg, &cp), -EINVAL);
	assert_null(cp);
	cfg.handshakes_per_source = 4;
	assert_int_equal(sw_cp_create(&cfg, &cp), 0);
	sw_cp_free(cp);
	cp = NULL;
	cfg.handshakes_per_source = 2;
	assert_int_equal(sw_cp_create(&cfg, &cp), 0);

	/* A: two pending handshakes from two ports of one address = at the cap. */
	g_from = &a;
	nt_init(&ca1, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
	la1 = nt_handshake(cp, &ca1, 3, a1, sizeof(a1));
	g_from = &a_port2;
	nt_init(&ca2, "DOMAINB", "bob", "not-the-password");
	la2 = nt_handshake(cp, &ca2, 3, a2, sizeof(a2));
	assert_int_equal(pending(cp, &a, &nsrc), 2);
	assert_int_equal(nsrc, 1);
	/* One past, from either port: 503, counted as the source's, not the table's. */
	expect_503(first_leg(cp, "bob", 10));
	g_from = &a;
	expect_503(first_leg(cp, "bob", 11));
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_CAP_HS_SRC], 2);
	assert_int_equal(st[SW_CP_STAT_CAP_HS], 0);
	assert_int_equal(pending(cp, &a, NULL), 2);
	assert_int_equal(pending(cp, NULL, NULL), 2);

	/* B meanwhile gets its CHALLENGE and an SA. */
	g_from = &b;
	nt_init(&cb, "DOMAINB", "carol", env_or_fail("SW_USER2_PASSWORD"));
	lb = nt_handshake(cp, &cb, 3, bb, sizeof(bb));
	assert_int_equal(pending(cp, &b, &nsrc), 1);
	assert_int_equal(nsrc, 2);
	expect_forwarded(req(cp, bb, lb));
	rsp(cp, 200, "600");
	nt_check_rsp(&cb);
	assert_int_equal(pending(cp, &b, &nsrc), 0); /* completed: SA installed */
	assert_int_equal(nsrc, 1);

	/* A's pending handshakes were untouched by the refusals: the first
	 * completes, the second fails (wrong password); both give the unit back. */
	g_from = &a;
	expect_forwarded(req(cp, a1, la1));
	rsp(cp, 200, "600");
	nt_check_rsp(&ca1);
	assert_int_equal(pending(cp, &a, NULL), 1);
	g_from = &a_port2;
	expect_status(req(cp, a2, la2), 407);
	assert_int_equal(pending(cp, &a, &nsrc), 0);
	assert_int_equal(nsrc, 0);
	assert_int_equal(pending(cp, NULL, NULL), 0);

	/* The whole table: A and B at their shares fill it (4); then a third
	 * source gets cap_hs, A one past its share still cap_hs_src. */
	g_from = &a;
	nt_init(&ca3, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
	la3 = nt_handshake(cp, &ca3, 3, a3, sizeof(a3));
	expect_status(first_leg(cp, "bob", 12), 407);
	g_from = &b;
	expect_status(first_leg(cp, "carol", 13), 407);
	expect_status(first_leg(cp, "carol", 14), 407);
	expect_503(first_leg(cp, "carol", 15)); /* B at its share too */
	assert_int_equal(pending(cp, NULL, &nsrc), 4);
	assert_int_equal(nsrc, 2);
	g_from = &c6;
	expect_503(first_leg(cp, "ann", 16));
	g_from = &a;
	expect_503(first_leg(cp, "bob", 17));
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_CAP_HS_SRC], 4);
	assert_int_equal(st[SW_CP_STAT_CAP_HS], 1);

	/* SAs established before are untouched: B's and A's sign and verify. */
	{
		struct tc_req r = {
			.method = "INVITE",
			.domain = "domainb.test",
			.cseq = 3,
			.hdr = PAUTH,
			.scheme = "NTLM",
			.realm = REALM,
			.targetname = NTGT,
			.version = 3,
			.crand = "12345678",
		};

		r.user = "carol";
		r.opaque = cb.opaque;
		r.cnum = ++cb.cnum;
		n = (int)tc_write_signed(r, nt_mic, &cb, buf, sizeof(buf));
		assert_int_equal(fast_verify(cp, buf, (size_t)n), SW_SA_OK);
		r.user = "bob";
		r.opaque = ca1.opaque;
		r.cnum = ++ca1.cnum;
		n = (int)tc_write_signed(r, nt_mic, &ca1, buf, sizeof(buf));
		assert_int_equal(fast_verify(cp, buf, (size_t)n), SW_SA_OK);
	}

	/* Too late: A's AUTHENTICATE after the timeout (no tick in between)
	 * is challenged again and frees its unit; the timer frees the rest. */
	now += 10001;
	g_from = &a;
	expect_status(req(cp, a3, la3), 407);
	assert_int_equal(pending(cp, &a, NULL), 1);
	assert_int_equal(pending(cp, &b, NULL), 2);
	sw_cp_tick(cp, now);
	assert_int_equal(pending(cp, NULL, &nsrc), 0);
	assert_int_equal(nsrc, 0);

	/* Rounds of filling A's share and letting the timer empty it: a unit
	 * leaked by any path above or by the timer would refuse earlier. */
	for (round = 0; round < 3; round++) {
		g_from = &a;
		expect_status(first_leg(cp, "bob", 20 + round), 407);
		g_from = &a_port2;
		expect_status(first_leg(cp, "bob", 30 + round), 407);
		expect_503(first_leg(cp, "bob", 40 + round));
		assert_int_equal(pending(cp, &a, &nsrc), 2);
		assert_int_equal(nsrc, 1);
		now += 10001;
		sw_cp_tick(cp, now);
		assert_int_equal(pending(cp, NULL, &nsrc), 0);
		assert_int_equal(nsrc, 0);
	}

	/* An IPv6 source completes a handshake with the table otherwise empty. */
	g_from = &c6;
	nt_init(&cc6, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
	lc = nt_handshake(cp, &cc6, 3, cc, sizeof(cc));
	assert_int_equal(pending(cp, &c6, NULL), 1);
	assert_int_equal(pending(cp, &a, NULL), 0);
	expect_forwarded(req(cp, cc, lc));
	assert_int_equal(pending(cp, NULL, &nsrc), 0);
	assert_int_equal(nsrc, 0);

	/* No source address to count a first leg under: a control-plane error,
	 * nothing pending. */
	{
		size_t l = first_leg_write("bob", 1, "no-src", buf, sizeof(buf));

		assert_int_equal(sw_sip_parse(buf, l, &msg), SW_SIP_OK);
		assert_int_equal(sw_cp_handle_request(cp, buf, l, &msg, NULL, now, outs), -EINVAL);
		assert_int_equal(pending(cp, NULL, NULL), 0);
	}

	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_CAP_HS_SRC], 7);
	assert_int_equal(st[SW_CP_STAT_CAP_HS], 1);
	assert_int_equal(st[SW_CP_STAT_NTLM_OK], 3);
	assert_int_equal(st[SW_CP_STAT_NTLM_FAIL], 1);
	assert_int_equal(st[SW_CP_STAT_NTLM_TIMEOUT], 1);
	assert_int_equal(st[SW_CP_STAT_HS_EXPIRED], 3 + 6);
	assert_int_equal(st[SW_CP_STAT_ERROR], 1);
	nt_free(&ca1);
	nt_free(&ca2);
	nt_free(&ca3);
	nt_free(&cb);
	nt_free(&cc6);
	g_from = &client;
	sw_cp_free(cp);
}

static uint64_t
ns_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint64_t)(t1.tv_sec - t0->tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
	       (uint64_t)t0->tv_nsec;
}

/*
 * The operator's case, per-source share off (0) and at its default for the
 * default table (4096 / 64): (1) 4096 first legs from 4096 addresses fill the
 * table either way (the per-source table holds as many sources as there are
 * slots, and the timer empties both); (2) three sources sending 50 first
 * legs a second each (one lcore's default handshake_rate) for 30 s, within
 * the 32 s timeout: without a share they fill the table and a fourth source
 * gets 503; with it they hold 64 each and the fourth completes a handshake.
 * Prints the time per first leg and per timer sweep, both settings.
 */
static void
test_cp_ntlm_per_source_flood(void **state)
{
	static const uint32_t shares[2] = {0, 64};
	static char buf[16384];
	struct sw_peer p, fl[3], d;
	struct nclient cd;
	struct sw_config cfg;
	struct timespec t0;
	uint64_t st[SW_CP_STAT_MAX], fill_ns[2], sweep_ns[2], flood_ns[2];
	uint32_t i, t, k, ok, refused, nsrc, src;
	size_t len;

	(void)state;
	for (i = 0; i < 3; i++)
		peer4(&fl[i], 0xc6336401 + i, 5062); /* 198.51.100.1-3 */
	peer4(&d, 0xcb007101, 5062);		     /* 203.0.113.1 */
	for (k = 0; k < 2; k++) {
		struct sw_cp *cp = NULL;

		cfg_fill(&cfg, 8, 4096);
		cfg.handshake_timeout_ms = 32000;
		cfg.handshakes_per_source = shares[k];
		assert_int_equal(sw_cp_create(&cfg, &cp), 0);

		/* (1) One leg each from 4096 addresses (10.0.0.0/20). */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < 4096; i++) {
			peer4(&p, 0x0a000000 + i, 5062);
			g_from = &p;
			expect_status(first_leg(cp, "bob", 1), 407);
		}
		fill_ns[k] = ns_since(&t0) / 4096;
		assert_int_equal(pending(cp, NULL, &nsrc), 4096);
		assert_int_equal(nsrc, shares[k] != 0 ? 4096 : 0);
		peer4(&p, 0x0a001000, 5062);
		expect_503(first_leg(cp, "bob", 1));
		now += 32001;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		sw_cp_tick(cp, now);
		sweep_ns[k] = ns_since(&t0);
		assert_int_equal(pending(cp, NULL, &nsrc), 0);
		assert_int_equal(nsrc, 0);

		/* (2) Three sources, 50 first legs a second each, for 30 s. */
		ok = refused = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (t = 0; t < 30000; t += 20) {
			for (src = 0; src < 3; src++) {
				g_from = &fl[src];
				assert_int_equal(first_leg(cp, "bob", 2), 1);
				if (status_of(&outs[0]) == 407)
					ok++;
				else if (rmsg.status == 503)
					refused++;
				else
					fail_msg("flood leg answered %u", rmsg.status);
			}
			now += 20;
			if (t % 100 == 0)
				sw_cp_tick(cp, now);
		}
		flood_ns[k] = ns_since(&t0) / 4500;
		g_from = &d;
		if (shares[k] == 0) {
			assert_int_equal(ok, 4096);
			assert_int_equal(refused, 4500 - 4096);
			expect_503(first_leg(cp, "bob", 3));
		} else {
			assert_int_equal(ok, 3 * 64);
			assert_int_equal(refused, 4500 - 3 * 64);
			assert_int_equal(pending(cp, &fl[0], NULL), 64);
			nt_init(&cd, "DOMAINB", "bob", env_or_fail("SW_USER_PASSWORD"));
			len = nt_handshake(cp, &cd, 3, buf, sizeof(buf));
			expect_forwarded(req(cp, buf, len));
			nt_free(&cd);
		}
		sw_cp_stats(cp, st);
		fprintf(stderr,
			"# handshakes_per_source %u: first leg %" PRIu64 " ns (table filling), "
			"sweep of 4096 expired %" PRIu64 " us; flood of 3 sources: %u CHALLENGEs, "
			"%u x 503 (cap_hs %" PRIu64 ", cap_hs_src %" PRIu64 "), %" PRIu64
			" ns per leg; 4th source %s\n",
			shares[k], fill_ns[k], sweep_ns[k] / 1000, ok, refused,
			st[SW_CP_STAT_CAP_HS], st[SW_CP_STAT_CAP_HS_SRC], flood_ns[k],
			shares[k] == 0 ? "503" : "completed");
		assert_int_equal(st[SW_CP_STAT_CAP_HS], shares[k] == 0 ? 1 + 404 + 1 : 1);
		assert_int_equal(st[SW_CP_STAT_CAP_HS_SRC], shares[k] == 0 ? 0 : 4500 - 3 * 64);
		now += 32001;
		sw_cp_tick(cp, now);
		assert_int_equal(pending(cp, NULL, &nsrc), 0);
		assert_int_equal(nsrc, 0);
		g_from = &client;
		sw_cp_free(cp);
	}
}

static int
restore_from(void **state)
{
	(void)state;
	g_from = &client;
	return 0;
}

static int
family_407(void **state)
{
	(void)state;
	g_cred_hdr = "Proxy-Authorization";
	g_info = SW_HDR_PROXY_AUTHENTICATION_INFO;
	g_chal = SW_HDR_PROXY_AUTHENTICATE;
	g_status = 407;
	return 0;
}

/*
 * The registrar family (401, WWW-Authenticate / Authorization /
 * Authentication-Info), both mechanisms; and the stateless challenge an lcore
 * writes from the policy template is byte for byte the control plane's.
 */
static void
test_cp_family_401(void **state)
{
	static char buf[16384], tpl[SW_CP_OUT_MAX];
	const struct sw_sa_policy *pol;
	struct sw_span none = {NULL, 0};
	struct kclient k;
	struct nclient c;
	struct sw_cp *cp;
	struct sw_wbuf w;
	size_t len;
	struct tc_req r = {.method = "INVITE", .user = "bob", .domain = "domainb.test", .cseq = 1};

	(void)state;
	g_cred_hdr = "Authorization";
	g_info = SW_HDR_AUTHENTICATION_INFO;
	g_chal = SW_HDR_WWW_AUTHENTICATE;
	g_status = 401;
	cp = cp_new(8, 4);
	pol = sw_cp_policy(cp);
	assert_int_equal(pol->challenge, 401);
	len = tc_write(&r, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 401);
	assert_int_equal(rmsg.count[SW_HDR_WWW_AUTHENTICATE], 2);
	assert_int_equal(rmsg.count[SW_HDR_PROXY_AUTHENTICATE], 0);
	/* What a dataplane lcore sends from the template, without the control plane. */
	assert_int_equal(sw_sip_parse(buf, len, &msg), SW_SIP_OK);
	sw_wbuf_init(&w, tpl, sizeof(tpl));
	assert_int_equal(
		sw_sip_write_challenge(&w, &msg, buf, pol->challenge, pol->ch, pol->n_ch, none), 0);
	assert_int_equal(w.len, outs[0].len);
	assert_memory_equal(tpl, outs[0].buf, w.len);

	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", false, 3, &k);
	assert_non_null(memmem(outs[0].buf, outs[0].len, "\r\nAuthentication-Info: Kerberos ", 32));
	krb_free(&k);
	nt_init(&c, "DOMAINB", "carol", env_or_fail("SW_USER2_PASSWORD"));
	len = nt_handshake(cp, &c, 4, buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));
	rsp(cp, 200, "600");
	nt_check_rsp(&c);
	nt_free(&c);
	sw_cp_free(cp);
}

/* Both mechanisms in one control plane, interleaved (PROTOCOL.md §6). */
static void
test_cp_mixed(void **state)
{
	struct sw_cp *cp = cp_new(8, 4);
	static char buf[16384];
	struct kclient k;
	struct nclient c;
	size_t len;

	(void)state;
	krb_full(cp, getenv("KRB5CCNAME"), "bob", "domainb.test", false, 3, &k);
	krb_free(&k);
	nt_init(&c, "DOMAINA", "ann", env_or_fail("SW_XUSER_PASSWORD"));
	len = nt_handshake(cp, &c, 3, buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));
	rsp(cp, 200, "600");
	nt_check_rsp(&c);
	nt_free(&c);
	krb_full(cp, ann_cc, "ann", "domaina.test", false, 3, &k);
	krb_free(&k);
	sw_cp_free(cp);
}

/* ---- identity binding ([identity], PROTOCOL.md §4) --------------------- */

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct sw_cp *
cp_identity(uint8_t mode, const char *map, const char *domain)
{
	struct sw_config c;
	struct sw_cp *cp = NULL;

	cfg_fill(&c, 16, 4);
	c.id_mode = mode;
	if (map != NULL)
		memcpy(c.id_map, map, strnlen(map, sizeof(c.id_map) - 1));
	if (domain != NULL) {
		snprintf(c.id_domains[0], sizeof(c.id_domains[0]), "%s", domain);
		c.n_id_domains = 1;
	}
	assert_int_equal(sw_cp_create(&c, &cp), 0);
	return cp;
}

/* A Kerberos REGISTER for bob's ticket, From @p user@@p domain. */
static int
krb_handshake_from(struct sw_cp *cp, const char *ccache, const char *user, const char *domain,
		   uint32_t cseq)
{
	static char buf[16384];
	struct kclient k;
	size_t len;
	int n;

	krb_init(&k, ccache, false);
	len = krb_register(&k, user, domain, cseq, 3, buf, sizeof(buf));
	n = req(cp, buf, len);
	krb_free(&k);
	return n;
}

/*
 * A mapped principal's SA accepts exactly the AORs of its entry (any case,
 * URI parameters ignored, sip = sips) and gets 403 for any other, at the
 * handshake and on every signed request (fast path and control plane);
 * unmapped principals follow the user rule in map-or-user and are refused
 * in map mode; domains restrict the user rule; SIGHUP reloads the map all
 * or nothing and retires the SAs whose binding it changes.
 */
static void
test_cp_identity_map(void **state)
{
	static char buf[16384];
	char map[SW_CFG_STR_MAX];
	const char *cc = getenv("KRB5CCNAME");
	struct sw_cp *cp;
	struct kclient k;
	struct nclient c;
	const struct sw_sa_rt *sa;
	uint64_t st[SW_CP_STAT_MAX], bob_opaque;
	size_t len;

	(void)state;
	assert_true((size_t)snprintf(map, sizeof(map), "%s/idmap", realm.dir) < sizeof(map));
	write_file(
		map,
		"# principal            SIP URIs\n"
		"\n"
		"bob@DOMAINB.TEST   sip:bob@domainb.test  sips:Robert@DomainB.test;transport=tls\n"
		"DOMAINB\\Carol\tsip:cc@domainb.test   # NTLM: any case\r\n");

	/* map-or-user: bob is mapped. */
	cp = cp_identity(SW_ID_MAP_OR_USER, map, NULL);
	krb_full(cp, cc, "bob", "domainb.test", false, 3, &k);
	sa = sw_sa_lookup(sw_cp_sa_table(cp), strtoull(k.opaque, NULL, 16));
	assert_non_null(sa);
	assert_int_equal(sa->aor_n, 2);
	k.user = "ROBERT"; /* the second AOR, other case, sip: for sips: */
	len = krb_signed(&k, "INVITE", 10, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_OK);
	k.user = "carol"; /* a valid signature on someone else's AOR */
	len = krb_signed(&k, "INVITE", 11, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_IDENTITY);
	len = krb_signed(&k, "INVITE", 12, NULL, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 403);
	k.user = "bob";
	k.domain = "other.test"; /* right user part, host not in the entry */
	len = krb_signed(&k, "INVITE", 13, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_IDENTITY);
	bob_opaque = strtoull(k.opaque, NULL, 16);
	krb_free(&k);
	/* The handshake itself: a mapped AOR is fine, another is 403. */
	expect_forwarded(krb_handshake_from(cp, cc, "robert", "domainb.test", 20));
	expect_status(krb_handshake_from(cp, cc, "carol", "domainb.test", 21), 403);
	/* ann@DOMAINA is not mapped: the user rule. */
	expect_forwarded(krb_handshake_from(cp, ann_cc, "ann", "domaina.test", 22));
	/* NTLM DOMAINB\carol maps (case-insensitively) to cc only. */
	nt_init(&c, "DOMAINB", "carol", env_or_fail("SW_USER2_PASSWORD"));
	len = nt_handshake(cp, &c, 3, buf, sizeof(buf));
	expect_status(req(cp, buf, len), 403);
	nt_free(&c);
	nt_init(&c, "DOMAINB", "carol", env_or_fail("SW_USER2_PASSWORD"));
	c.user = "cc";
	len = nt_handshake(cp, &c, 3, buf, sizeof(buf));
	expect_forwarded(req(cp, buf, len));
	nt_free(&c);
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_FORBIDDEN], 3);

	/* SIGHUP: robert and carol's entry removed.  The SAs whose binding
	 * changes (bob's two, carol's) are retired at once; ann's is kept. */
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 4);
	write_file(map, "bob@DOMAINB.TEST sip:bob@domainb.test\n");
	assert_int_equal(sw_cp_reload(cp), 0);
	assert_null(sw_sa_lookup(sw_cp_sa_table(cp), bob_opaque));
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 1);
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_ID_RETIRED], 3);
	expect_status(krb_handshake_from(cp, cc, "robert", "domainb.test", 30), 403);
	/* A broken file afterwards: refused whole, that map stays, nothing retired. */
	write_file(map, "bob@DOMAINB.TEST sip:bob@domainb.test\nbob@DOMAINB.TEST sip:x@y\n");
	assert_int_equal(sw_cp_reload(cp), -EINVAL);
	expect_status(krb_handshake_from(cp, cc, "robert", "domainb.test", 31), 403);
	expect_forwarded(krb_handshake_from(cp, cc, "bob", "domainb.test", 32));
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 2);
	sw_cp_stats(cp, st);
	assert_int_equal(st[SW_CP_STAT_ID_RETIRED], 3);
	sw_cp_free(cp);

	/* map: a principal not in the map gets no SA at all. */
	write_file(map, "bob@DOMAINB.TEST sip:bob@domainb.test\n");
	cp = cp_identity(SW_ID_MAP, map, NULL);
	expect_status(krb_handshake_from(cp, ann_cc, "ann", "domaina.test", 40), 403);
	expect_forwarded(krb_handshake_from(cp, cc, "bob", "domainb.test", 41));
	assert_int_equal(sw_sa_table_count(sw_cp_sa_table(cp)), 1);
	sw_cp_free(cp);

	/* user + domains: the user part and one of the domains. */
	cp = cp_identity(SW_ID_USER, NULL, "example.test");
	expect_status(krb_handshake_from(cp, cc, "bob", "domainb.test", 50), 403);
	krb_full(cp, cc, "bob", "EXAMPLE.test", false, 3, &k);
	k.domain = "domainb.test";
	len = krb_signed(&k, "MESSAGE", 51, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_IDENTITY);
	k.domain = "example.test";
	len = krb_signed(&k, "MESSAGE", 52, NULL, buf, sizeof(buf));
	assert_int_equal(fast_verify(cp, buf, len), SW_SA_OK);
	krb_free(&k);
	sw_cp_free(cp);
	unlink(map);
}

/* ---- setup -------------------------------------------------------------- */

static int
kinit(const char *princ_s, const char *pw, const char *ccname)
{
	char err[256];

	if (sw_test_kinit(princ_s, pw, ccname, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static char main_conf[600];

/* A failed test must not leave another krb5 profile in force. */
static int
restore_conf(void **state)
{
	(void)state;
	setenv("KRB5_CONFIG", main_conf, 1);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	if (sw_test_realm_start(&realm) != 0)
		return -1;
	snprintf(ann_cc, sizeof(ann_cc), "FILE:%s/ann.ccache", realm.dir);
	snprintf(main_conf, sizeof(main_conf), "%s", getenv("KRB5_CONFIG"));
	if (kinit(getenv("SW_USER_PRINC"), getenv("SW_USER_PASSWORD"), NULL) != 0 ||
	    kinit(getenv("SW_XUSER_PRINC"), getenv("SW_XUSER_PASSWORD"), ann_cc) != 0 ||
	    sw_mac_engine_create(SW_MAC_IMPL_MB, &eng) != 0) {
		sw_test_realm_stop(&realm);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_mac_engine_free(eng);
	sw_test_realm_stop(&realm);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		/* clang-format off */
		cmocka_unit_test(test_cp_krb_same_realm),
		cmocka_unit_test(test_cp_krb_mutual_v4),
		cmocka_unit_test_teardown(test_cp_krb_enctypes, restore_conf),
		cmocka_unit_test(test_cp_krb_cross_realm),
		cmocka_unit_test(test_cp_krb_negative),
		cmocka_unit_test_teardown(test_cp_krb_refused, restore_conf),
		cmocka_unit_test(test_cp_life_cycle),
		cmocka_unit_test(test_cp_ntlm_full),
		cmocka_unit_test(test_cp_ntlm_negative),
		cmocka_unit_test_teardown(test_cp_ntlm_per_source, restore_from),
		cmocka_unit_test_teardown(test_cp_ntlm_per_source_flood, restore_from),
		cmocka_unit_test_teardown(test_cp_family_401, family_407),
		cmocka_unit_test(test_cp_mixed),
		cmocka_unit_test(test_cp_identity_map),
		/* clang-format on */
	};
	int rc;

	(void)argc;
	if (tc_eal_init(argv[0], "0") < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	tc_eal_cleanup();
	return rc;
}
