/*
 * The client's native NTLM initiator against gss-ntlmssp's acceptor (suite
 * 'xcheck').
 *
 * gss-ntlmssp is dlopen()ed and driven through its own gss_* entry points
 * (as tests/xcheck does; MIT's mechglue would route the empty first datagram
 * leg to SPNEGO).  Per row: the acceptor answers the empty leg with a
 * CHALLENGE_MESSAGE, the client library builds the AUTHENTICATE_MESSAGE
 * (NTLMv2, ESS, KEY_EXCH, with or without MIC), the acceptor must accept it
 * (or refuse a wrong password), both sides must hold the same
 * ExportedSessionKey, a SIP request signed by the client must pass
 * gss-ntlmssp's gss_verify_mic (sequence number 100) and fail with a flipped
 * bit, and gss-ntlmssp's signature of a response must pass the client's key.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_ntlmssp.h>

#include "client/client_priv.h"
#include "tests/client/xc_sip.h"
#include "tests/common/ntlmssp.h"
#include "tests/realm/realm.h"

static struct sw_ntlmssp nt;

struct nrow {
	const char *name;
	const char *user_env, *pw_env, *domain_env;
	const char *pw; /* literal when pw_env is NULL */
	bool no_mic;
	unsigned int version;
	bool establishes;
	bool corrupt_mic; /* flip a bit of the MIC field: the acceptor must refuse */
};

static const struct nrow nrows[] = {
	{"bob@DOMAINB with MIC v3", "SW_USER", "SW_USER_PASSWORD", "SW_NTLM_DOMAIN", NULL, false, 3,
	 true},
	{"bob@DOMAINB without MIC v2", "SW_USER", "SW_USER_PASSWORD", "SW_NTLM_DOMAIN", NULL, true,
	 2, true},
	{"carol@DOMAINB with MIC v4", "SW_USER2", "SW_USER2_PASSWORD", "SW_NTLM_DOMAIN", NULL,
	 false, 4, true},
	{"ann@DOMAINA with MIC v3", "SW_XUSER", "SW_XUSER_PASSWORD", "SW_NTLM_DOMAIN2", NULL, false,
	 3, true},
	{"bob@DOMAINB wrong password", "SW_USER", NULL, "SW_NTLM_DOMAIN", "wrong", false, 3, false},
	{"bob@DOMAINB corrupted MIC", "SW_USER", "SW_USER_PASSWORD", "SW_NTLM_DOMAIN", NULL, false,
	 3, false, true},
};

#define NROWS (sizeof(nrows) / sizeof(nrows[0]))

static struct sw_test_realm realm;

static const char *
env(const char *n)
{
	const char *v = getenv(n);

	if (v == NULL)
		fail_msg("realm env %s missing", n);
	return v;
}

static void
set_seq_100(gss_ctx_id_t *ctx)
{
	OM_uint32 min;

	assert_int_equal(sw_ntlmssp_set_seq(&nt, ctx, SW_NTLM_SEQ, &min), GSS_S_COMPLETE);
}

static void
test_xcheck_ntlm(void **state)
{
	const struct nrow *row = *state;
	OM_uint32 maj, min;
	gss_OID_set_desc mechs = {1, &sw_ntlmssp_oid_mech};
	gss_name_t sname = GSS_C_NO_NAME;
	gss_cred_id_t acred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t actx = GSS_C_NO_CONTEXT;
	gss_buffer_desc nb, empty = GSS_C_EMPTY_BUFFER, chal = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc auth, back = GSS_C_EMPTY_BUFFER, m, t, mic = GSS_C_EMPTY_BUFFER;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	struct sw_cl_ntlm_cred cred;
	struct sw_cl_keys keys = {.scheme = SW_SCHEME_NTLM, .key_len = 16};
	struct sw_sig_key c2s, s2c;
	struct xc_signed sg;
	uint8_t am[SW_NTLM_MSG_MAX], rbuf[SW_SIGBUF_MAX];
	uint64_t seq = 0, cnum = 0;
	uint32_t flags = 0;
	char err[256] = "";
	size_t rlen, i;
	int n;

	assert_int_equal(
		sw_cl_ntlm_cred_init(&cred, env(row->user_env), env(row->domain_env), "SIPWARD",
				     row->pw_env != NULL ? env(row->pw_env) : row->pw, row->no_mic),
		0);
	nb.value = (void *)(uintptr_t)env("SW_GSS_SERVICE");
	nb.length = strlen(nb.value);
	assert_int_equal(nt.import_name(&min, &nb, &sw_ntlmssp_oid_nt_hostbased, &sname),
			 GSS_S_COMPLETE);
	maj = nt.acquire_cred(&min, sname, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &acred, NULL,
			      NULL);
	assert_int_equal(maj, GSS_S_COMPLETE);
	/* Leg 1: the SIP client's empty gssapi-data. */
	maj = nt.accept_sec_context(&min, &actx, acred, &empty, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				    NULL, &chal, NULL, NULL, NULL);
	assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	/* Leg 2: our AUTHENTICATE_MESSAGE. */
	n = sw_cl_ntlm_authenticate(&cred, chal.value, chal.length, NULL, am, sizeof(am), keys.key,
				    &flags, err, sizeof(err));
	if (n <= 0)
		fail_msg("%s: client: %s", row->name, err);
	if (row->corrupt_mic)
		am[SW_NTLM_MIC_OFF + 3] ^= 0x08;
	auth.value = am;
	auth.length = (size_t)n;
	maj = nt.accept_sec_context(&min, &actx, acred, &auth, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				    NULL, &back, NULL, NULL, NULL);
	free(back.value);
	if (!row->establishes) {
		assert_true(GSS_ERROR(maj));
		goto cleanup;
	}
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: gss-ntlmssp rejects the client's AUTHENTICATE: %#x/%u (flags %#x)",
			 row->name, maj, min, flags);
	maj = nt.inquire_sec_context_by_oid(&min, actx, &sw_ntlmssp_oid_sspi_session_key, &set);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_int_equal(set->elements[0].length, 16);
	assert_memory_equal(set->elements[0].value, keys.key, 16);
	for (i = 0; i < set->count; i++)
		free(set->elements[i].value);
	free(set->elements);
	free(set);

	assert_int_equal(sw_cl_keys_derive(&keys, &c2s, &s2c), 0);
	/* The client's signature of a request passes gss-ntlmssp. */
	assert_int_equal(xc_client_signed(SW_SCHEME_NTLM, row->version, "proxy.domainb.test", &c2s,
					  &seq, &cnum, &sg),
			 0);
	assert_int_equal(sg.tok_len, 16);
	m.value = sg.buf;
	m.length = sg.buf_len;
	t.value = sg.tok;
	t.length = sg.tok_len;
	set_seq_100(&actx);
	maj = nt.verify_mic(&min, actx, &m, &t, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: gss-ntlmssp gss_verify_mic rejects the client's signature: %#x",
			 row->name, maj);
	sg.tok[7] ^= 0x02;
	set_seq_100(&actx);
	assert_int_not_equal(nt.verify_mic(&min, actx, &m, &t, NULL), GSS_S_COMPLETE);

	/* gss-ntlmssp's signature of a response passes the client's S2C key. */
	rlen = xc_response_buf("NTLM", "proxy.domainb.test", row->version, rbuf, sizeof(rbuf));
	assert_true(rlen > 0);
	m.value = rbuf;
	m.length = rlen;
	set_seq_100(&actx);
	maj = nt.get_mic(&min, actx, GSS_C_QOP_DEFAULT, &m, &mic);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_int_equal(sw_sig_verify(&s2c, rbuf, rlen, mic.value, mic.length), 0);
	assert_int_not_equal(sw_sig_verify(&c2s, rbuf, rlen, mic.value, mic.length), 0);
	((uint8_t *)mic.value)[9] ^= 0x01;
	assert_int_not_equal(sw_sig_verify(&s2c, rbuf, rlen, mic.value, mic.length), 0);
	free(mic.value);
	print_message("    %-32s flags %#010x%s\n", row->name, flags,
		      row->no_mic ? "" : ", with MIC");
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);

cleanup:
	free(chal.value);
	if (actx != GSS_C_NO_CONTEXT)
		nt.delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	nt.release_cred(&min, &acred);
	nt.release_name(&min, &sname);
	sw_cl_wipe(&cred, sizeof(cred));
}

static int
group_setup(void **state)
{
	char err[256];

	(void)state;
	if (sw_ntlmssp_load(&nt, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return sw_test_realm_start(&realm) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_test_realm_stop(&realm);
	return 0;
}

int
main(void)
{
	struct CMUnitTest tests[NROWS];
	size_t i;

	for (i = 0; i < NROWS; i++)
		tests[i] = (struct CMUnitTest){.name = nrows[i].name,
					       .test_func = test_xcheck_ntlm,
					       .initial_state = (void *)(uintptr_t)&nrows[i]};
	return _cmocka_run_group_tests("client_xcheck_ntlm", tests, NROWS, group_setup,
				       group_teardown);
}
