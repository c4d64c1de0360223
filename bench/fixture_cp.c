/*
 * Control-plane handshake benchmarks (see fixture_cp.h).  The same token
 * kinds go through sw_cp_handle_request() and through the raw acceptor, so
 * the ratio is the control plane's overhead: base64, parsing, the leg cache,
 * lucid export and key derivation, SA install, the forwarded request.
 */

#define _GNU_SOURCE /* RTLD_DEFAULT */

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <krb5/krb5.h>
#include <openssl/evp.h>
#include <rte_eal.h>

#include "bench/fixture_cp.h"
#include "crypto/digest.h"
#include "ctrlplane/cp.h"
#include "ctrlplane/cp_krb.h"
#include "ctrlplane/sa_table.h"
#include "tests/common/ntlmssp.h"
#include "tests/ctrlplane/cp_eal.h"
#include "tests/realm/kinit.h"
#include "tests/realm/realm.h"

#define REALM "SIP Communications Service"

static struct sw_test_realm realm;
static int realm_ours;
static struct sw_cp *cp;
static struct sw_cp_krb *kacc; /* the acceptor alone, for the breakdown */
static gss_name_t ktarget = GSS_C_NO_NAME;
static gss_cred_id_t kacred = GSS_C_NO_CREDENTIAL;
static struct sw_cp_out outs[SW_CP_OUTS_MAX];
static struct sw_sip_msg msg;
static char reqbuf[32768];
static unsigned int iter;

/* Timed sections use the thread's CPU clock: the machines this runs on are
 * shared, and wall time there measures the neighbours. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}


static int
kinit(void)
{
	char err[256];

	return sw_test_kinit(getenv("SW_USER_PRINC"), getenv("SW_USER_PASSWORD"), NULL, 0, err,
			     sizeof(err)) == 0
		       ? 0
		       : -1;
}

/* gss-ntlmssp as the NTLM client (tests/common/ntlmssp.h: MIT is linked here too). */
static struct sw_ntlmssp nt;
static gss_cred_id_t nicred = GSS_C_NO_CREDENTIAL, nacred = GSS_C_NO_CREDENTIAL;
static gss_name_t ntarget = GSS_C_NO_NAME;

static int
ntlm_setup(void)
{
	OM_uint32 min;
	gss_OID_set_desc mechs = {1, &sw_ntlmssp_oid_mech};
	char user[256];
	const char *pw = getenv("SW_USER_PASSWORD");
	gss_buffer_desc ub, sb, pwb;
	gss_name_t un = GSS_C_NO_NAME;
	char err[256];

	if (pw == NULL || sw_ntlmssp_load(&nt, NULL, err, sizeof(err)) != 0)
		return -1;
	snprintf(user, sizeof(user), "%s\\%s", getenv("SW_NTLM_DOMAIN"), getenv("SW_USER"));
	ub.value = user;
	ub.length = strlen(user);
	sb.value = getenv("SW_GSS_SERVICE");
	sb.length = strlen(sb.value);
	pwb.value = (void *)(uintptr_t)pw;
	pwb.length = strlen(pw);
	if (nt.import_name(&min, &ub, &sw_ntlmssp_oid_nt_user, &un) != GSS_S_COMPLETE ||
	    nt.import_name(&min, &sb, &sw_ntlmssp_oid_nt_hostbased, &ntarget) != GSS_S_COMPLETE ||
	    nt.acquire_cred_with_password(&min, un, &pwb, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
					  &nicred, NULL, NULL) != GSS_S_COMPLETE ||
	    nt.acquire_cred(&min, ntarget, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &nacred, NULL,
			    NULL) != GSS_S_COMPLETE)
		return -1;
	return 0;
}

int
sw_bcp_setup(const char **why)
{
	struct sw_config c;
	OM_uint32 maj, min;
	gss_buffer_desc nb;
	gss_OID_set_desc krb_only = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	const char *d = getenv("SW_REALM_DIR");

	*why = NULL;
	if (tc_eal_init("sw_bench_cp", "0") < 0) {
		*why = "rte_eal_init failed";
		return -EIO;
	}
	if (d == NULL || d[0] == '\0') {
		if (sw_test_realm_start(&realm) != 0) {
			*why = "no realm (krb5-kdc missing?)";
			return -ENOENT;
		}
		realm_ours = 1;
	}
	if (kinit() != 0) {
		*why = "kinit failed";
		return -EIO;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.realm, sizeof(c.realm), "%s", REALM);
	snprintf(c.targetname, sizeof(c.targetname), "%s", getenv("SW_FQDN"));
	c.schemes[0] = SW_SCHEME_KERBEROS;
	c.schemes[1] = SW_SCHEME_NTLM;
	c.n_schemes = 2;
	c.challenge = 407;
	c.version = 3;
	c.require_all = true;
	snprintf(c.keytab, sizeof(c.keytab), "%s", getenv("SW_KEYTAB"));
	snprintf(c.service, sizeof(c.service), "%s", getenv("SW_SERVICE"));
	snprintf(c.ntlm_users, sizeof(c.ntlm_users), "%s", getenv("NTLM_USER_FILE"));
	snprintf(c.ntlm_domain, sizeof(c.ntlm_domain), "%s", getenv("SW_NTLM_DOMAIN"));
	c.upstream.af = AF_INET;
	c.upstream_port = 5070;
	c.sa_max = 1024;
	c.handshakes_max = 1024;
	c.handshake_timeout_ms = 30000;
	if (sw_cp_create(&c, &cp) != 0) {
		*why = "sw_cp_create failed";
		return -EIO;
	}
	nb.value = getenv("SW_GSS_SERVICE");
	nb.length = strlen(nb.value);
	maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &ktarget);
	if (maj == GSS_S_COMPLETE)
		maj = gss_acquire_cred(&min, ktarget, GSS_C_INDEFINITE, &krb_only, GSS_C_ACCEPT,
				       &kacred, NULL, NULL);
	if (maj != GSS_S_COMPLETE) {
		*why = "acceptor credential";
		return -EIO;
	}
	if (sw_cp_krb_create(c.keytab, c.service, &kacc) != 0) {
		*why = "sw_cp_krb_create failed";
		return -EIO;
	}
	if (ntlm_setup() != 0) {
		*why = "gss-ntlmssp not usable";
		return -EIO;
	}
	return 0;
}

void
sw_bcp_teardown(void)
{
	OM_uint32 min;

	sw_cp_free(cp);
	cp = NULL;
	sw_cp_krb_free(kacc);
	kacc = NULL;
	gss_release_cred(&min, &kacred);
	gss_release_name(&min, &ktarget);
	if (realm_ours)
		sw_test_realm_stop(&realm);
	realm_ours = 0;
	tc_eal_cleanup();
}

/* Retire everything the handshake installed (untimed), keep the table small. */
static void
drop_sas(void)
{
	struct sw_sa_table *t = sw_cp_sa_table(cp);
	struct sw_sa_rt *sa;
	uint32_t it = 0;

	while ((sa = sw_sa_table_next(t, &it)) != NULL)
		sw_sa_table_retire(t, sa->opaque);
	sw_sa_table_reclaim(t);
}

static size_t
write_register(const char *scheme, const char *target, const char *opaque, const char *gssapi)
{
	int n;

	n = snprintf(reqbuf, sizeof(reqbuf),
		     "REGISTER sip:domainb.test SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-b%u;rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:bob@domainb.test>;tag=b%u;epid=1\r\n"
		     "To: <sip:bob@domainb.test>\r\n"
		     "Call-ID: bench-%u\r\n"
		     "CSeq: 1 REGISTER\r\n"
		     "Contact: <sip:bob@192.0.2.7:5060>\r\n"
		     "Expires: 3600\r\n"
		     "Proxy-Authorization: %s qop=\"auth\", realm=\"" REALM "\", "
		     "targetname=\"%s\", version=3%s%s%s, gssapi-data=\"%s\"\r\n"
		     "Content-Length: 0\r\n\r\n",
		     iter, iter, iter, scheme, target, opaque != NULL ? ", opaque=\"" : "",
		     opaque != NULL ? opaque : "", opaque != NULL ? "\"" : "", gssapi);
	return n > 0 && (size_t)n < sizeof(reqbuf) ? (size_t)n : 0;
}

/* The lcore hands the control plane the parse view with the datagram, so
 * parsing is outside the timed part (done by the caller, see cp_parse()). */
static int
cp_parse(size_t len)
{
	return len == 0 || sw_sip_parse(reqbuf, len, &msg) != SW_SIP_OK ? -1 : 0;
}

/* The client's transport address, as the engine passes it (192.0.2.10:5062). */
static const struct sw_peer bench_client = {
	.addr = {.af = AF_INET, .prefix = 32, .u.v4.s_addr = 0x0a0200c0},
	.port = 5062,
};

static int
cp_req(size_t len)
{
	return sw_cp_handle_request(cp, reqbuf, len, &msg, &bench_client, now_ms(), outs);
}

double
sw_bcp_krb_once(int raw)
{
	OM_uint32 maj, min;
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, back = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	static char b64[16384];
	double t0, t = -1;
	size_t len;
	int n;

	iter++;
	maj = gss_init_sec_context(
		&min, GSS_C_NO_CREDENTIAL, &ictx, ktarget, (gss_OID)(uintptr_t)gss_mech_krb5,
		GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
		GSS_C_NO_BUFFER, NULL, &tok, NULL, NULL);
	if (maj != GSS_S_COMPLETE || tok.length > sizeof(b64) / 4 * 3 - 3)
		goto out;
	if (raw == 1) {
		/* The context's deletion is part of every handshake's cost (the
		 * control plane's lucid export includes it), so it is timed. */
		t0 = now_s();
		maj = gss_accept_sec_context(&min, &actx, kacred, &tok, GSS_C_NO_CHANNEL_BINDINGS,
					     NULL, NULL, &back, NULL, NULL, NULL);
		gss_delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
		t = now_s() - t0;
		if (maj != GSS_S_COMPLETE)
			t = -1;
	} else if (raw == 3 || raw == 4) {
		void *lucid = NULL;
		gss_name_t peer = GSS_C_NO_NAME;
		gss_buffer_desc pn = GSS_C_EMPTY_BUFFER;
		OM_uint32 tmp;

		/* 4: what any acceptor that needs the client's name must do with
		 * MIT's GSS-API (name out of accept, display, release, delete);
		 * 3: the same with the lucid export in place of the deletion. */
		t0 = now_s();
		maj = gss_accept_sec_context(&min, &actx, kacred, &tok, GSS_C_NO_CHANNEL_BINDINGS,
					     &peer, NULL, &back, NULL, NULL, NULL);
		if (maj == GSS_S_COMPLETE)
			maj = gss_display_name(&min, peer, &pn, NULL);
		if (maj == GSS_S_COMPLETE && raw == 3)
			maj = gss_krb5_export_lucid_sec_context(&min, &actx, 1, &lucid);
		if (lucid != NULL)
			gss_krb5_free_lucid_sec_context(&tmp, lucid);
		gss_release_buffer(&tmp, &pn);
		gss_release_name(&tmp, &peer);
		gss_delete_sec_context(&tmp, &actx, GSS_C_NO_BUFFER);
		t = now_s() - t0;
		if (maj != GSS_S_COMPLETE)
			t = -1;
	} else if (raw == 2) {
		struct sw_cp_krb_sa ksa;

		t0 = now_s();
		t = sw_cp_krb_accept(kacc, tok.value, tok.length, &ksa) == SW_CP_KRB_OK
			    ? now_s() - t0
			    : -1;
		sw_cp_krb_sa_wipe(&ksa);
	} else {
		EVP_EncodeBlock((unsigned char *)b64, tok.value, (int)tok.length);
		len = write_register("Kerberos", getenv("SW_SERVICE"), NULL, b64);
		if (cp_parse(len) != 0)
			goto out;
		t0 = now_s();
		n = cp_req(len);
		t = now_s() - t0;
		if (n != 1 || outs[0].dst != SW_CP_DST_UPSTREAM)
			t = -1;
		drop_sas();
	}
out:
	gss_release_buffer(&min, &tok);
	gss_release_buffer(&min, &back);
	gss_delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	return t;
}

/* Parameter @p name of the Proxy-Authenticate in outs[0] (a 407). */
static int
challenge_param(const char *name, char *out, size_t cap)
{
	static struct sw_sip_msg r;
	struct sw_auth a;
	uint32_t off;
	uint8_t i;

	if (sw_sip_parse((const char *)outs[0].buf, outs[0].len, &r) != SW_SIP_OK ||
	    sw_auth_parse(sw_sip_value(&r, SW_HDR_PROXY_AUTHENTICATE), &a, &off) != SW_AUTH_OK)
		return -1;
	for (i = 0; i < a.n; i++)
		if (a.kv[i].name.len == strlen(name) &&
		    memcmp(a.kv[i].name.p, name, a.kv[i].name.len) == 0 &&
		    a.kv[i].value.len < cap) {
			memcpy(out, a.kv[i].value.p, a.kv[i].value.len);
			out[a.kv[i].value.len] = '\0';
			return 0;
		}
	return -1;
}

double
sw_bcp_ntlm_once(int raw)
{
	OM_uint32 maj, min;
	gss_buffer_desc t0b = GSS_C_EMPTY_BUFFER, empty = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc chal = GSS_C_EMPTY_BUFFER, auth = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc back = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	static uint8_t raw_chal[2048];
	static char g[4096], opq[64], b64[8192];
	double t0, t = -1, t1;
	int n;

	iter++;
	maj = nt.init_sec_context(
		&min, nicred, &ictx, ntarget, &sw_ntlmssp_oid_mech, GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG,
		0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t0b, NULL, NULL);
	if (maj != GSS_S_CONTINUE_NEEDED)
		goto out;
	if (raw) {
		t0 = now_s();
		maj = nt.accept_sec_context(&min, &actx, nacred, &empty, GSS_C_NO_CHANNEL_BINDINGS,
					    NULL, NULL, &chal, NULL, NULL, NULL);
		t1 = now_s() - t0;
		if (maj != GSS_S_CONTINUE_NEEDED)
			goto out;
	} else {
		size_t len = write_register("NTLM", getenv("SW_FQDN"), NULL, "");

		if (cp_parse(len) != 0)
			goto out;
		t0 = now_s();
		n = cp_req(len);
		t1 = now_s() - t0;
		if (n != 1 || challenge_param("opaque", opq, sizeof(opq)) != 0 ||
		    challenge_param("gssapi-data", g, sizeof(g)) != 0)
			goto out;
		n = EVP_DecodeBlock(raw_chal, (const unsigned char *)g, (int)strlen(g));
		if (n < 0)
			goto out;
		while (strlen(g) > 0 && g[strlen(g) - 1] == '=') {
			g[strlen(g) - 1] = '\0';
			n--;
		}
		chal.value = raw_chal;
		chal.length = (size_t)n;
	}
	maj = nt.init_sec_context(&min, nicred, &ictx, ntarget, &sw_ntlmssp_oid_mech,
				  GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				  GSS_C_NO_CHANNEL_BINDINGS, &chal, NULL, &auth, NULL, NULL);
	if (!raw)
		chal.value = NULL; /* static storage, not the plugin's */
	if (maj != GSS_S_COMPLETE)
		goto out;
	if (raw) {
		t0 = now_s();
		maj = nt.accept_sec_context(&min, &actx, nacred, &auth, GSS_C_NO_CHANNEL_BINDINGS,
					    NULL, NULL, &back, NULL, NULL, NULL);
		t = t1 + now_s() - t0;
		if (maj != GSS_S_COMPLETE)
			t = -1;
	} else {
		size_t len;

		EVP_EncodeBlock((unsigned char *)b64, auth.value, (int)auth.length);
		len = write_register("NTLM", getenv("SW_FQDN"), opq, b64);
		if (cp_parse(len) != 0)
			goto out;
		t0 = now_s();
		n = cp_req(len);
		t = t1 + now_s() - t0;
		if (n != 1 || outs[0].dst != SW_CP_DST_UPSTREAM)
			t = -1;
		drop_sas();
	}
out:
	free(t0b.value);
	free(chal.value);
	free(auth.value);
	free(back.value);
	if (ictx != GSS_C_NO_CONTEXT)
		nt.delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	if (actx != GSS_C_NO_CONTEXT)
		nt.delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	return t;
}

double
sw_bcp_digest(unsigned int len, unsigned int n)
{
	static struct sw_digest *d;
	static uint8_t buf[65536];
	volatile uint64_t sink = 0;
	double t0;
	unsigned int i;

	if (d == NULL && sw_digest_init(NULL, &d) != 0)
		return -1;
	if (len > sizeof(buf))
		len = sizeof(buf);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		buf[0] = (uint8_t)i;
		sink += sw_digest(d, buf, len);
	}
	(void)sink;
	return now_s() - t0;
}
