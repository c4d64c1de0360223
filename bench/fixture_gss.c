/*
 * GSS-API baselines for the benchmarks: gss_verify_mic() on a real MIT krb5
 * context and on a real gss-ntlmssp datagram context, over the same signed
 * buffer the fast path verifies (PROTOCOL.md §5, §6).  Contexts are built the
 * way tests/xcheck builds them, from the realm's DIR/env.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <krb5.h>

#include "bench/fixture.h"
#include "bench/fixture_priv.h"
#include "tests/common/ntlmssp.h"
#include "tests/realm/kinit.h"

#define LYNC_FLAGS (GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG)

static struct sw_ntlmssp napi;

enum gss_kind { GSS_KIND_KRB, GSS_KIND_NTLM };

struct sw_bench_gss {
	enum gss_kind kind;
	gss_ctx_id_t ictx; /* client */
	gss_ctx_id_t actx; /* server: verifies */
	gss_buffer_desc msg;
	gss_buffer_desc mic; /* malloc'd copy */
	uint8_t *buf;	     /* the signed buffer */
	/* For sw_bench_gss_full(): message 0 of the set and per-call scratch. */
	const struct sw_bench_set *set;
	struct sw_sip_msg pm;
	struct sw_auth pa;
	uint8_t slot[SW_BENCH_SLOT];
};

static int fail(char *err, size_t err_len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t err_len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return ret;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Copy the signed buffer of message 0 and keep it for the context's lifetime. */
static int
gss_new(const struct sw_bench_set *s, enum gss_kind kind, struct sw_bench_gss **out)
{
	struct sw_bench_gss *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (g == NULL)
		return -ENOMEM;
	g->kind = kind;
	g->ictx = g->actx = GSS_C_NO_CONTEXT;
	g->buf = malloc(s->sigbuf_len[0] != 0 ? s->sigbuf_len[0] : 1);
	if (g->buf == NULL) {
		free(g);
		return -ENOMEM;
	}
	memcpy(g->buf, s->slot[0] + SW_SIG_HEADROOM, s->sigbuf_len[0]);
	g->msg.value = g->buf;
	g->msg.length = s->sigbuf_len[0];
	g->set = s;
	*out = g;
	return 0;
}

static int
kinit_password(const char *princ_s, const char *pw, const char *ccname, char *err, size_t err_len)
{
	return sw_test_kinit(princ_s, pw, ccname, 0, err, err_len) == 0 ? 0 : -EIO;
}

static int
acquire(const char *name_s, gss_OID type, gss_cred_usage_t usage, const char *store_key,
	const char *store_val, gss_cred_id_t *cred, char *err, size_t err_len)
{
	OM_uint32 maj, min;
	gss_buffer_desc nb = {strlen(name_s), (void *)(uintptr_t)name_s};
	gss_name_t name = GSS_C_NO_NAME;
	gss_OID_set_desc mechs = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	gss_key_value_element_desc el = {store_key, store_val};
	gss_key_value_set_desc store = {1, &el};

	maj = gss_import_name(&min, &nb, type, &name);
	if (maj == GSS_S_COMPLETE)
		maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, usage, &store,
					    cred, NULL, NULL);
	gss_release_name(&min, &name);
	if (maj != GSS_S_COMPLETE)
		return fail(err, err_len, -EIO, "acquire %s: major %#x minor %u", name_s, maj, min);
	return 0;
}

/* Last arc of an OID (MIT puts the enctype there for GSS_C_INQ_SSPI_SESSION_KEY). */
static int
oid_last_arc(const gss_buffer_desc *oid)
{
	const uint8_t *p = oid->value;
	size_t i = oid->length;
	unsigned int v, shift = 0;

	if (i == 0 || (p[i - 1] & 0x80) != 0)
		return -1;
	v = p[--i];
	while (i > 0 && (p[i - 1] & 0x80) != 0 && shift < 21) {
		shift += 7;
		v |= (unsigned int)(p[--i] & 0x7f) << shift;
	}
	return (int)v;
}

int
sw_bench_gss_krb_new(const struct sw_bench_set *s, int enctype, struct sw_bench_gss **out,
		     char *err, size_t err_len)
{
	OM_uint32 maj, min, tmp;
	gss_cred_id_t icred = GSS_C_NO_CREDENTIAL, acred = GSS_C_NO_CREDENTIAL;
	gss_name_t target = GSS_C_NO_NAME;
	gss_buffer_desc tb, tok = GSS_C_EMPTY_BUFFER, back = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	const char *dir = env("SW_REALM_DIR"), *princ = env("SW_USER_PRINC");
	const char *pw = env("SW_USER_PASSWORD"), *svc = env("SW_GSS_SERVICE");
	const char *keytab = env("SW_KEYTAB");
	struct sw_bench_gss *g = NULL;
	char conf[512], ccname[600];
	int ret, got;

	*out = NULL;
	if (dir == NULL || princ == NULL || pw == NULL || svc == NULL || keytab == NULL)
		return fail(err, err_len, -ENOENT,
			    "no realm: run through bench/run-bench.sh (or . DIR/env)");
	/* The per-enctype profile forces the session key type (PROTOCOL.md §6). */
	snprintf(conf, sizeof(conf), "%s/krb5-e%d.conf", dir, enctype);
	setenv("KRB5_CONFIG", conf, 1);
	snprintf(ccname, sizeof(ccname), "FILE:%s/bench-cc-e%d", dir, enctype);
	ret = kinit_password(princ, pw, ccname, err, err_len);
	if (ret == 0)
		ret = acquire(princ, (gss_OID)(uintptr_t)GSS_KRB5_NT_PRINCIPAL_NAME, GSS_C_INITIATE,
			      "ccache", ccname, &icred, err, err_len);
	if (ret == 0)
		ret = acquire(svc, GSS_C_NT_HOSTBASED_SERVICE, GSS_C_ACCEPT, "keytab", keytab,
			      &acred, err, err_len);
	if (ret == 0)
		ret = gss_new(s, GSS_KIND_KRB, &g);
	if (ret != 0)
		goto cleanup;

	tb.value = (void *)(uintptr_t)svc;
	tb.length = strlen(svc);
	maj = gss_import_name(&min, &tb, GSS_C_NT_HOSTBASED_SERVICE, &target);
	if (maj == GSS_S_COMPLETE)
		maj = gss_init_sec_context(&min, icred, &g->ictx, target,
					   (gss_OID)(uintptr_t)gss_mech_krb5, LYNC_FLAGS, 0,
					   GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &tok,
					   NULL, NULL);
	if (maj == GSS_S_COMPLETE)
		maj = gss_accept_sec_context(&min, &g->actx, acred, &tok, GSS_C_NO_CHANNEL_BINDINGS,
					     NULL, NULL, &back, NULL, NULL, NULL);
	if (maj == GSS_S_COMPLETE)
		maj = gss_get_mic(&min, g->ictx, GSS_C_QOP_DEFAULT, &g->msg, &mic);
	if (maj != GSS_S_COMPLETE) {
		ret = fail(err, err_len, -EIO, "MIT context: major %#x minor %u", maj, min);
		goto cleanup;
	}
	/* Make sure we measure the enctype we claim to. */
	maj = gss_inquire_sec_context_by_oid(&min, g->actx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
	got = maj == GSS_S_COMPLETE && set != NULL && set->count >= 2
		      ? oid_last_arc(&set->elements[1])
		      : -1;
	if (got != enctype) {
		ret = fail(err, err_len, -EIO, "session enctype %d, wanted %d", got, enctype);
		goto cleanup;
	}
	g->mic.value = malloc(mic.length);
	if (g->mic.value == NULL) {
		ret = -ENOMEM;
		goto cleanup;
	}
	memcpy(g->mic.value, mic.value, mic.length);
	g->mic.length = mic.length;
	if (sw_bench_gss_verify(g) != 0) {
		ret = fail(err, err_len, -EIO, "MIT rejects its own MIC");
		goto cleanup;
	}
	*out = g;
	g = NULL;
	ret = 0;

cleanup:
	gss_release_buffer_set(&tmp, &set);
	gss_release_buffer(&tmp, &mic);
	gss_release_buffer(&tmp, &tok);
	gss_release_buffer(&tmp, &back);
	gss_release_name(&tmp, &target);
	gss_release_cred(&tmp, &icred);
	gss_release_cred(&tmp, &acred);
	sw_bench_gss_free(g);
	return ret;
}

static int
load_ntlmssp(char *err, size_t err_len)
{
	return sw_ntlmssp_load(&napi, NULL, err, err_len) == 0 ? 0 : -ENOENT;
}

static OM_uint32
ntlm_seq_100(gss_ctx_id_t *ctx)
{
	OM_uint32 min;

	return sw_ntlmssp_set_seq(&napi, ctx, SW_NTLM_SEQ, &min);
}

int
sw_bench_gss_ntlm_new(const struct sw_bench_set *s, struct sw_bench_gss **out, char *err,
		      size_t err_len)
{
	OM_uint32 maj = GSS_S_FAILURE, min = 0, tmp;
	gss_OID_set_desc mechs = {1, &sw_ntlmssp_oid_mech};
	gss_name_t uname = GSS_C_NO_NAME, sname = GSS_C_NO_NAME;
	gss_cred_id_t icred = GSS_C_NO_CREDENTIAL, acred = GSS_C_NO_CREDENTIAL;
	gss_buffer_desc empty = GSS_C_EMPTY_BUFFER, t1 = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc chal = GSS_C_EMPTY_BUFFER, auth = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc back = GSS_C_EMPTY_BUFFER, mic = GSS_C_EMPTY_BUFFER;
	const char *user = env("SW_USER"), *dom = env("SW_NTLM_DOMAIN");
	const char *pw = env("SW_USER_PASSWORD"), *svc = env("SW_GSS_SERVICE");
	struct sw_bench_gss *g = NULL;
	const char *step = "names";
	char un[256];
	int ret;

	*out = NULL;
	if (user == NULL || dom == NULL || pw == NULL || svc == NULL ||
	    env("NTLM_USER_FILE") == NULL)
		return fail(err, err_len, -ENOENT,
			    "no realm: run through bench/run-bench.sh (or . DIR/env)");
	ret = load_ntlmssp(err, err_len);
	if (ret == 0)
		ret = gss_new(s, GSS_KIND_NTLM, &g);
	if (ret != 0)
		return ret;

	snprintf(un, sizeof(un), "%s\\%s", dom, user);
	{
		gss_buffer_desc nb = {strlen(un), un};
		gss_buffer_desc sb = {strlen(svc), (void *)(uintptr_t)svc};
		gss_buffer_desc pwb = {strlen(pw), (void *)(uintptr_t)pw};

		maj = napi.import_name(&min, &nb, &sw_ntlmssp_oid_nt_user, &uname);
		if (maj == GSS_S_COMPLETE)
			maj = napi.import_name(&min, &sb, &sw_ntlmssp_oid_nt_hostbased, &sname);
		if (maj == GSS_S_COMPLETE) {
			step = "creds";
			maj = napi.acquire_cred_with_password(&min, uname, &pwb, GSS_C_INDEFINITE,
							      &mechs, GSS_C_INITIATE, &icred, NULL,
							      NULL);
		}
	}
	if (maj == GSS_S_COMPLETE)
		maj = napi.acquire_cred(&min, sname, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &acred,
					NULL, NULL);
	/* Connectionless: the client's first leg is empty (MS-NLMP §1.3.1.3). */
	if (maj == GSS_S_COMPLETE) {
		step = "leg 0";
		maj = napi.init_sec_context(&min, icred, &g->ictx, sname, &sw_ntlmssp_oid_mech,
					    GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
					    GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t1,
					    NULL, NULL);
		if (maj == GSS_S_CONTINUE_NEEDED)
			maj = GSS_S_COMPLETE;
	}
	if (maj == GSS_S_COMPLETE) {
		step = "challenge";
		maj = napi.accept_sec_context(&min, &g->actx, acred, &empty,
					      GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &chal, NULL,
					      NULL, NULL);
		if (maj == GSS_S_CONTINUE_NEEDED)
			maj = GSS_S_COMPLETE;
	}
	if (maj == GSS_S_COMPLETE) {
		step = "authenticate";
		maj = napi.init_sec_context(&min, icred, &g->ictx, sname, &sw_ntlmssp_oid_mech,
					    GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
					    GSS_C_NO_CHANNEL_BINDINGS, &chal, NULL, &auth, NULL,
					    NULL);
	}
	if (maj == GSS_S_COMPLETE) {
		step = "accept";
		maj = napi.accept_sec_context(&min, &g->actx, acred, &auth,
					      GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &back, NULL,
					      NULL, NULL);
	}
	if (maj == GSS_S_COMPLETE) {
		step = "get_mic";
		maj = ntlm_seq_100(&g->ictx);
		if (maj == GSS_S_COMPLETE)
			maj = napi.get_mic(&min, g->ictx, GSS_C_QOP_DEFAULT, &g->msg, &mic);
	}
	if (maj != GSS_S_COMPLETE || mic.length != 16) {
		ret = fail(err, err_len, -EIO, "gss-ntlmssp %s: major %#x minor %u", step, maj,
			   min);
		goto cleanup;
	}
	g->mic.value = malloc(16);
	if (g->mic.value == NULL) {
		ret = -ENOMEM;
		goto cleanup;
	}
	memcpy(g->mic.value, mic.value, 16);
	g->mic.length = 16;
	if (sw_bench_gss_verify(g) != 0) {
		ret = fail(err, err_len, -EIO, "gss-ntlmssp rejects its own MIC");
		goto cleanup;
	}
	*out = g;
	g = NULL;
	ret = 0;

cleanup:
	/* The plugin allocates with plain malloc. */
	free(t1.value);
	free(chal.value);
	free(auth.value);
	free(back.value);
	free(mic.value);
	napi.release_name(&tmp, &uname);
	napi.release_name(&tmp, &sname);
	napi.release_cred(&tmp, &icred);
	napi.release_cred(&tmp, &acred);
	sw_bench_gss_free(g);
	return ret;
}

int
sw_bench_gss_verify(struct sw_bench_gss *g)
{
	OM_uint32 maj, min;

	if (g->kind == GSS_KIND_KRB) {
		maj = gss_verify_mic(&min, g->actx, &g->msg, &g->mic, NULL);
	} else {
		/* gss-ntlmssp 1.2.0 reads 16 bytes regardless (PROTOCOL.md §6). */
		if (g->mic.length != 16)
			return -EBADMSG;
		maj = ntlm_seq_100(&g->actx);
		if (maj == GSS_S_COMPLETE)
			maj = napi.verify_mic(&min, g->actx, &g->msg, &g->mic, NULL);
	}
	return maj == GSS_S_COMPLETE ? 0 : -EBADMSG;
}

/*
 * The per-message work a server written on GSS-API would do, one message at
 * a time: the same parse, credential selection, signed buffer and response=
 * decode as our fast path, then gss_verify_mic() over the buffer just built.
 * The token verified is the GSS client's MIC over that buffer (the message
 * itself carries the fixture key's signature, which the GSS context cannot
 * know); building the same bytes is checked.
 */
int
sw_bench_gss_full(struct sw_bench_gss *g)
{
	static const char realm[] = "SIP Communications Service";
	static const char fqdn[] = "proxy.domainb.test";
	static const char krb_target[] = "sip/proxy.domainb.test";
	const struct sw_span targets[2] = {
		{fqdn, (uint16_t)(sizeof(fqdn) - 1)},
		{krb_target, (uint16_t)(sizeof(krb_target) - 1)},
	};
	const struct sw_span r = {realm, (uint16_t)(sizeof(realm) - 1)};
	const struct sw_bench_set *s = g->set;
	uint8_t tok[SW_SIG_TOKEN_MAX];
	struct sw_sigbuf_auth sa;
	struct sw_span resp;
	gss_buffer_desc msg;
	struct sw_wbuf w;
	uint32_t eoff;

	if (sw_sip_parse(s->msg[0], s->msg_len[0], &g->pm) != SW_SIP_OK)
		return -EBADMSG;
	if (sw_auth_select(&g->pm, SW_HDR_PROXY_AUTHORIZATION, r, targets, 2, &g->pa, &eoff) !=
	    SW_AUTH_OK)
		return -EBADMSG;
	sa.scheme = g->pa.scheme;
	sa.rand = sw_auth_get(&g->pa, SW_AUTH_P_CRAND);
	sa.num = sw_auth_get(&g->pa, SW_AUTH_P_CNUM);
	sa.realm = sw_auth_get(&g->pa, SW_AUTH_P_REALM);
	sa.targetname = sw_auth_get(&g->pa, SW_AUTH_P_TARGETNAME);
	sa.version = sw_sigbuf_version(sw_auth_get(&g->pa, SW_AUTH_P_VERSION));
	sw_wbuf_init(&w, g->slot + SW_SIG_HEADROOM, SW_SIGBUF_MAX);
	if (sw_sigbuf_build(&g->pm, &sa, &w) != 0 || w.len != g->msg.length)
		return -EBADMSG;
	resp = sw_auth_get(&g->pa, SW_AUTH_P_RESPONSE);
	if (resp.len > 2 * SW_SIG_TOKEN_MAX ||
	    sw_hex_decode(resp.p, resp.len, tok, sizeof(tok)) < 0)
		return -EBADMSG;
	msg.value = g->slot + SW_SIG_HEADROOM;
	msg.length = w.len;
	if (g->kind == GSS_KIND_KRB) {
		OM_uint32 maj, min;

		maj = gss_verify_mic(&min, g->actx, &msg, &g->mic, NULL);
		return maj == GSS_S_COMPLETE ? 0 : -EBADMSG;
	}
	{
		OM_uint32 maj, min;

		if (g->mic.length != 16)
			return -EBADMSG;
		maj = ntlm_seq_100(&g->actx);
		if (maj == GSS_S_COMPLETE)
			maj = napi.verify_mic(&min, g->actx, &msg, &g->mic, NULL);
		return maj == GSS_S_COMPLETE ? 0 : -EBADMSG;
	}
}

void
sw_bench_gss_free(struct sw_bench_gss *g)
{
	OM_uint32 min;

	if (g == NULL)
		return;
	if (g->kind == GSS_KIND_KRB) {
		gss_delete_sec_context(&min, &g->ictx, GSS_C_NO_BUFFER);
		gss_delete_sec_context(&min, &g->actx, GSS_C_NO_BUFFER);
	} else {
		if (g->ictx != GSS_C_NO_CONTEXT)
			napi.delete_sec_context(&min, &g->ictx, GSS_C_NO_BUFFER);
		if (g->actx != GSS_C_NO_CONTEXT)
			napi.delete_sec_context(&min, &g->actx, GSS_C_NO_BUFFER);
	}
	free(g->mic.value);
	free(g->buf);
	free(g);
}
