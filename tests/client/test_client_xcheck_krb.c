/*
 * The client's Kerberos initiator against MIT's acceptor (suite 'xcheck').
 *
 * Per row (enctype x client x mutual): the client library acquires
 * credentials (password kinit into a MEMORY ccache, with the realm's
 * per-enctype profile), builds the AP-REQ for targetname
 * sip/proxy.domainb.test; an independent MIT acceptor
 * (gss_accept_sec_context with the service keytab) accepts it; for mutual
 * rows the client verifies the AP-REP.  Then:
 *  - a SIP request signed by the client (crypto/sig with the keys from
 *    GSS_C_INQ_SSPI_SESSION_KEY + lucid export) passes MIT's gss_verify_mic on
 *    the acceptor context, and fails with one flipped bit;
 *  - the client's gss_get_mic token equals sw_sig_sign()'s byte for byte at the
 *    same sequence number (both signing paths of the client agree);
 *  - the acceptor's gss_get_mic over a response passes the client's S2C key.
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
#include <gssapi/gssapi_krb5.h>

#include "client/client_priv.h"
#include "tests/client/xc_sip.h"
#include "tests/realm/realm.h"

struct krow {
	const char *name;
	int enctype;
	bool ann;
	bool mutual;
	unsigned int version;
};

static const struct krow krows[] = {
	{"aes256-sha1 bob v3", 18, false, false, 3},
	{"aes256-sha1 bob mutual v4", 18, false, true, 4},
	{"aes256-sha1 ann@DOMAINA cross-realm v3", 18, true, false, 3},
	{"aes128-sha1 bob v2", 17, false, false, 2},
	{"aes128-sha1 ann@DOMAINA mutual v3", 17, true, true, 3},
	{"aes128-sha256 bob v3", 19, false, false, 3},
	{"aes128-sha256 bob mutual v3", 19, false, true, 3},
	{"aes256-sha384 bob v4", 20, false, false, 4},
	{"aes256-sha384 ann@DOMAINA mutual v3", 20, true, true, 3},
	{"arcfour-hmac bob v3", 23, false, false, 3},
	{"arcfour-hmac bob mutual v3", 23, false, true, 3},
};

#define NROWS (sizeof(krows) / sizeof(krows[0]))

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
test_xcheck_krb(void **state)
{
	const struct krow *row = *state;
	struct sw_cl_config cfg;
	struct sw_cl_krb *krb = NULL;
	struct sw_cl_krb_ctx *x = NULL;
	struct sw_cl_keys keys;
	struct sw_sig_key c2s, s2c;
	struct xc_signed sg;
	OM_uint32 maj, min;
	gss_cred_id_t acred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t actx = GSS_C_NO_CONTEXT;
	gss_name_t sname = GSS_C_NO_NAME;
	gss_OID_set_desc mechs = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	gss_key_value_element_desc el = {"keytab", NULL};
	gss_key_value_set_desc store = {1, &el};
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, nb, m, t;
	uint8_t *tok = NULL, mic[64], ours[64], rbuf[SW_SIGBUF_MAX];
	size_t tok_len = 0, rlen;
	uint64_t seq0, cnum = 0;
	char conf[512], saved[512], fname[32], err[512] = "";
	bool complete = false;
	int n;

	snprintf(fname, sizeof(fname), "krb5-e%d.conf", row->enctype);
	assert_non_null(sw_test_realm_path(&realm, fname, conf, sizeof(conf)));
	snprintf(saved, sizeof(saved), "%s", env("KRB5_CONFIG"));
	setenv("KRB5_CONFIG", conf, 1);

	memset(&cfg, 0, sizeof(cfg));
	cfg.user = env(row->ann ? "SW_XUSER_PRINC" : "SW_USER_PRINC");
	cfg.password = env(row->ann ? "SW_XUSER_PASSWORD" : "SW_USER_PASSWORD");
	cfg.krb_src = SW_CL_KRB_PASSWORD;
	if (sw_cl_krb_creds(&cfg, &krb, err, sizeof(err)) != 0)
		fail_msg("%s: creds: %s", row->name, err);
	if (sw_cl_krb_start(krb, "sip/proxy.domainb.test", row->mutual, &x, &tok, &tok_len,
			    &complete, err, sizeof(err)) != 0)
		fail_msg("%s: start: %s", row->name, err);
	assert_int_equal(complete, !row->mutual);

	/* The independent acceptor. */
	el.value = env("SW_KEYTAB");
	nb.value = (void *)(uintptr_t)env("SW_GSS_SERVICE");
	nb.length = strlen(nb.value);
	maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &sname);
	assert_int_equal(maj, GSS_S_COMPLETE);
	maj = gss_acquire_cred_from(&min, sname, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &store,
				    &acred, NULL, NULL);
	assert_int_equal(maj, GSS_S_COMPLETE);
	in.value = tok;
	in.length = tok_len;
	maj = gss_accept_sec_context(&min, &actx, acred, &in, GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL,
				     &out, NULL, NULL, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: MIT rejects the client's AP-REQ: %#x/%u", row->name, maj, min);
	if (row->mutual) {
		assert_true(out.length > 0);
		if (sw_cl_krb_finish(x, out.value, out.length, err, sizeof(err)) != 0)
			fail_msg("%s: AP-REP: %s", row->name, err);
	} else {
		assert_int_equal(out.length, 0);
	}
	gss_release_buffer(&min, &out);

	if (sw_cl_krb_keys(x, &keys, err, sizeof(err)) != 0)
		fail_msg("%s: keys: %s", row->name, err);
	assert_int_equal(keys.enctype, row->enctype);
	assert_int_equal(keys.acceptor_subkey, row->mutual && row->enctype != 23);
	assert_int_equal(sw_cl_keys_derive(&keys, &c2s, &s2c), 0);
	seq0 = keys.krb_seq;

	/* (1) the client's gss_get_mic and sw_sig_sign agree byte for byte (same seq). */
	n = sw_cl_krb_get_mic(x, (const uint8_t *)"<probe>", 7, mic, sizeof(mic));
	assert_true(n > 0);
	assert_int_equal(sw_sig_sign(&c2s, (const uint8_t *)"<probe>", 7, seq0, ours, sizeof(ours)),
			 n);
	assert_memory_equal(mic, ours, (size_t)n);
	keys.krb_seq = seq0 + 1; /* MIT's counter moved on */

	/* (2) a SIP request signed by the client passes MIT's gss_verify_mic. */
	assert_int_equal(xc_client_signed(SW_SCHEME_KERBEROS, row->version,
					  "sip/proxy.domainb.test", &c2s, &keys.krb_seq, &cnum,
					  &sg),
			 0);
	m.value = sg.buf;
	m.length = sg.buf_len;
	t.value = sg.tok;
	t.length = sg.tok_len;
	maj = gss_verify_mic(&min, actx, &m, &t, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: MIT gss_verify_mic rejects the client's signature: %#x", row->name,
			 maj);
	sg.tok[sg.tok_len - 1] ^= 0x01;
	assert_int_not_equal(gss_verify_mic(&min, actx, &m, &t, NULL), GSS_S_COMPLETE);
	sg.tok[sg.tok_len - 1] ^= 0x01;
	sg.buf[sg.buf_len / 2] ^= 0x20;
	assert_int_not_equal(gss_verify_mic(&min, actx, &m, &t, NULL), GSS_S_COMPLETE);

	/* (3) the acceptor's signature of a response passes the client's S2C key. */
	rlen = xc_response_buf("Kerberos", "sip/proxy.domainb.test", row->version, rbuf,
			       sizeof(rbuf));
	assert_true(rlen > 0);
	m.value = rbuf;
	m.length = rlen;
	maj = gss_get_mic(&min, actx, GSS_C_QOP_DEFAULT, &m, &out);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_int_equal(sw_sig_verify(&s2c, rbuf, rlen, out.value, out.length), 0);
	assert_int_not_equal(sw_sig_verify(&c2s, rbuf, rlen, out.value, out.length), 0);
	((uint8_t *)out.value)[out.length - 2] ^= 0x40;
	assert_int_not_equal(sw_sig_verify(&s2c, rbuf, rlen, out.value, out.length), 0);
	gss_release_buffer(&min, &out);

	print_message("    %-40s enctype %d, seq %llu%s\n", row->name, keys.enctype,
		      (unsigned long long)seq0, keys.acceptor_subkey ? ", acceptor subkey" : "");
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);
	free(tok);
	sw_cl_krb_ctx_free(x);
	sw_cl_krb_free(krb);
	gss_delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &acred);
	gss_release_name(&min, &sname);
	setenv("KRB5_CONFIG", saved, 1);
}

/* Credentials that cannot work are reported, not crashed on. */
static void
test_xcheck_krb_bad_creds(void **state)
{
	struct sw_cl_config cfg;
	struct sw_cl_krb *krb = NULL;
	char err[512] = "";

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.user = env("SW_USER_PRINC");
	cfg.password = "definitely-not-it";
	cfg.krb_src = SW_CL_KRB_PASSWORD;
	assert_int_equal(sw_cl_krb_creds(&cfg, &krb, err, sizeof(err)), -EACCES);
	assert_null(krb);
	assert_true(strstr(err, "kinit") != NULL);
	cfg.krb_src = SW_CL_KRB_KEYTAB;
	cfg.krb_keytab = "/nonexistent/keytab";
	assert_int_equal(sw_cl_krb_creds(&cfg, &krb, err, sizeof(err)), -EACCES);
	assert_null(krb);
}

static int
group_setup(void **state)
{
	(void)state;
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
	struct CMUnitTest tests[NROWS + 1];
	size_t i;

	for (i = 0; i < NROWS; i++)
		tests[i] = (struct CMUnitTest){.name = krows[i].name,
					       .test_func = test_xcheck_krb,
					       .initial_state = (void *)(uintptr_t)&krows[i]};
	tests[NROWS] = (struct CMUnitTest){.name = "bad credentials",
					   .test_func = test_xcheck_krb_bad_creds};
	return _cmocka_run_group_tests("client_xcheck_krb", tests, NROWS + 1, group_setup,
				       group_teardown);
}
