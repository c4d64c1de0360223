/*
 * Cross-check of crypto/sig.c's NTLM datagram signature against gss-ntlmssp
 * (suite 'xcheck').
 *
 * gss-ntlmssp is loaded directly with dlopen() and driven through its own
 * exported gss_* entry points: MIT's mechglue would route the empty first
 * token of a datagram (connectionless) exchange to SPNEGO (PROTOCOL.md §5).
 * This binary is deliberately not linked with libgssapi_krb5, so nothing in
 * the global symbol scope interposes on the plugin's gss_* functions.
 *
 * Per row: a datagram context pair (GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG,
 * NTLMv2 + extended session security + key exchange), accounts from the realm's
 * NTLM_USER_FILE; the ExportedSessionKey via GSS_C_INQ_SSPI_SESSION_KEY on both
 * sides; sequence number 100 on both sides (GSS_NTLMSSP_SET_SEQ_NUM_OID).  Then
 * per buffer and direction: gss-ntlmssp's gss_get_mic token == sw_sig_sign()'s,
 * ours passes its gss_verify_mic (after our own length check: PROTOCOL.md §6),
 * its token passes sw_sig_verify() and the batch path, a flipped bit fails on
 * both sides.  Wrong passwords and unknown users must not establish.
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

#include "crypto/mac.h"
#include "crypto/sig.h"
#include "tests/common/guard.h"
#include "tests/common/ntlmssp.h"
#include "tests/realm/realm.h"
#include "tests/xcheck/xcheck_util.h"

/*
 * OIDs by value: MIT's exported gss_OID variables are not available here (not
 * linked, see above); the plugin compares OIDs by content.
 */

/* MS-NLMP §2.2.2.5 NegotiateFlags the SIP datagram profile relies on. */
#define NTLMSSP_NEGOTIATE_SIGN			   0x00000010u
#define NTLMSSP_NEGOTIATE_DATAGRAM		   0x00000040u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_128			   0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH		   0x40000000u
#define SIPAE_NTLM_FLAGS                                                                           \
	(NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_DATAGRAM |                                     \
	 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_128 |                      \
	 NTLMSSP_NEGOTIATE_KEY_EXCH)

static struct sw_ntlmssp api;

static struct sw_test_realm realm;
static struct sw_mac_engine *ref_engine;
static struct sw_mac_engine *mb_engine;
static struct xc_buf bufs[XC_NBUFS];

enum cred_src {
	CRED_PASSWORD,	/* gssspi_acquire_cred_with_password */
	CRED_USER_FILE, /* gss_acquire_cred: the password from NTLM_USER_FILE */
};

struct ntlm_row {
	const char *name;
	const char *user_env;	/* env var holding the user name */
	const char *domain_env; /* env var holding the NetBIOS domain */
	const char *pw_env;	/* env var with the password, NULL: pw literal */
	const char *pw;
	enum cred_src src;
	int establishes; /* 1: must establish; 0: accept must fail */
};

static const struct ntlm_row ntlm_rows[] = {
	{"bob@DOMAINB/password", "SW_USER", "SW_NTLM_DOMAIN", "SW_USER_PASSWORD", NULL,
	 CRED_PASSWORD, 1},
	{"carol@DOMAINB/user-file", "SW_USER2", "SW_NTLM_DOMAIN", NULL, NULL, CRED_USER_FILE, 1},
	{"ann@DOMAINA/password", "SW_XUSER", "SW_NTLM_DOMAIN2", "SW_XUSER_PASSWORD", NULL,
	 CRED_PASSWORD, 1},
	{"bob@DOMAINB/wrong-password", "SW_USER", "SW_NTLM_DOMAIN", NULL, "not-the-password",
	 CRED_PASSWORD, 0},
	{"nobody@DOMAINB/unknown-user", NULL, "SW_NTLM_DOMAIN", NULL, "whatever", CRED_PASSWORD, 0},
};

#define NROWS (sizeof(ntlm_rows) / sizeof(ntlm_rows[0]))

static void
buf_free(gss_buffer_desc *b)
{
	/* The plugin allocates with malloc (gssalloc on Linux). */
	free(b->value);
	b->value = NULL;
	b->length = 0;
}

static void
buf_set_free(gss_buffer_set_t set)
{
	size_t i;

	if (set == GSS_C_NO_BUFFER_SET)
		return;
	for (i = 0; i < set->count; i++)
		free(set->elements[i].value);
	free(set->elements);
	free(set);
}

static const char *
env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		fail_msg("realm env %s missing", name);
	return v;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
set_seq_100(gss_ctx_id_t *ctx)
{
	OM_uint32 maj, min;

	maj = sw_ntlmssp_set_seq(&api, ctx, SW_NTLM_SEQ, &min);
	if (maj != GSS_S_COMPLETE)
		fail_msg("GSS_NTLMSSP_SET_SEQ_NUM_OID: major %#x minor %u", maj, min);
}

static void
session_key(gss_ctx_id_t ctx, uint8_t key[16])
{
	OM_uint32 maj, min;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;

	maj = api.inquire_sec_context_by_oid(&min, ctx, &sw_ntlmssp_oid_sspi_session_key, &set);
	if (maj != GSS_S_COMPLETE)
		fail_msg("GSS_C_INQ_SSPI_SESSION_KEY: major %#x minor %u", maj, min);
	assert_non_null(set);
	assert_true(set->count >= 1);
	assert_int_equal(set->elements[0].length, 16);
	memcpy(key, set->elements[0].value, 16);
	buf_set_free(set);
}

/*
 * gss-ntlmssp 1.2.0's gss_verify_mic compares 16 bytes without checking the
 * token's length (PROTOCOL.md §6): only ever hand it 16-byte tokens.
 */
static OM_uint32
ntlm_verify(gss_ctx_id_t *ctx, const uint8_t *buf, size_t len, const uint8_t *tok, size_t tlen)
{
	OM_uint32 min;
	gss_buffer_desc m = {len, (void *)(uintptr_t)buf};
	gss_buffer_desc t = {tlen, (void *)(uintptr_t)tok};

	if (tlen != 16)
		return GSS_S_DEFECTIVE_TOKEN;
	set_seq_100(ctx);
	return api.verify_mic(&min, *ctx, &m, &t, NULL);
}

static const char *
dir_name(enum sw_dir d)
{
	return d == SW_DIR_C2S ? "C2S" : "S2C";
}

static void
check_direction(const struct ntlm_row *row, const struct xc_buf *b, enum sw_dir dir,
		gss_ctx_id_t *signer, gss_ctx_id_t *verifier, const struct sw_sig_key *k,
		const struct sw_sig_key *k_other, const uint8_t skey[16])
{
	OM_uint32 maj, min;
	gss_buffer_desc msg = {b->len, (void *)(uintptr_t)b->data};
	gss_buffer_desc mit = GSS_C_EMPTY_BUFFER;
	uint8_t ours[SW_SIG_TOKEN_MAX + 8], bad[SW_SIG_TOKEN_MAX + 8];
	char h1[2 * 64 + 1], h2[2 * 64 + 1], h3[2 * 16 + 1];
	struct guard_buf g = {0};
	const uint8_t *gbuf;
	int n, rc;

	gbuf = guard_buf_put(&g, b->data, b->len);
	assert_non_null(gbuf);

	set_seq_100(signer);
	maj = api.get_mic(&min, *signer, GSS_C_QOP_DEFAULT, &msg, &mit);
	if (maj != GSS_S_COMPLETE && b->len == 0) {
		/*
		 * gss-ntlmssp 1.2.0 refuses an empty message (GSS_S_CALL_INACCESSIBLE_READ);
		 * MS-SIPAE buffers never are.  Check our own round trip only.
		 */
		n = sw_sig_sign(k, gbuf, 0, 0, ours, sizeof(ours));
		assert_int_equal(n, 16);
		assert_int_equal(sw_sig_verify(k, gbuf, 0, ours, 16), 0);
		assert_int_equal(xc_job_check(k, gbuf, 0, ours, 16, ref_engine, mb_engine), 1);
		assert_int_not_equal(sw_sig_verify(k_other, gbuf, 0, ours, 16), 0);
		ours[5] ^= 0x01;
		assert_int_not_equal(sw_sig_verify(k, gbuf, 0, ours, 16), 0);
		guard_buf_free(&g);
		return;
	}
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s %s %s: gss-ntlmssp gss_get_mic: major %#x minor %u", row->name,
			 b->name, dir_name(dir), maj, min);
	/* MS-NLMP §2.2.2.9.1: Version 1, 8 checksum bytes, SeqNum 100. */
	assert_int_equal(mit.length, 16);
	assert_int_equal(le32(mit.value), 1);
	assert_int_equal(le32((const uint8_t *)mit.value + 12), SW_NTLM_SEQ);

	/* (1) byte-exact. */
	n = sw_sig_sign(k, gbuf, b->len, 0, ours, sizeof(ours));
	if (n < 0)
		fail_msg("%s %s %s: sw_sig_sign failed: %d", row->name, b->name, dir_name(dir), n);
	if ((size_t)n != mit.length || memcmp(ours, mit.value, mit.length) != 0) {
		xc_finding("ntlm %s buf=%s dir=%s len=%zu session_key=%s\n  gss-ntlmssp %s\n"
			   "  ours        %s",
			   row->name, b->name, dir_name(dir), b->len, xc_hex(skey, 16, h3),
			   xc_hex(mit.value, mit.length, h1), xc_hex(ours, (size_t)n, h2));
		fail_msg("%s %s %s: token differs from gss-ntlmssp's", row->name, b->name,
			 dir_name(dir));
	}
	assert_int_equal(sw_sig_token_len(k), 16);

	/* (2) ours verifies with gss-ntlmssp. */
	maj = ntlm_verify(verifier, b->data, b->len, ours, (size_t)n);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s %s %s: gss-ntlmssp rejects our token: major %#x", row->name, b->name,
			 dir_name(dir), maj);

	/* (3) its token verifies with ours, scalar and batch. */
	rc = sw_sig_verify(k, gbuf, b->len, mit.value, mit.length);
	if (rc != 0)
		fail_msg("%s %s %s: sw_sig_verify rejects gss-ntlmssp's token: %d", row->name,
			 b->name, dir_name(dir), rc);
	rc = xc_job_check(k, gbuf, b->len, mit.value, mit.length, ref_engine, mb_engine);
	if (rc != 1)
		fail_msg("%s %s %s: batch path on gss-ntlmssp's token: %d", row->name, b->name,
			 dir_name(dir), rc);
	/* The other direction's keys must not accept it. */
	assert_int_not_equal(sw_sig_verify(k_other, gbuf, b->len, mit.value, mit.length), 0);
	assert_int_equal(
		xc_job_check(k_other, gbuf, b->len, mit.value, mit.length, ref_engine, mb_engine),
		0);

	/* (5) flipped bits fail on both sides: checksum, seq num, message; bad lengths. */
	memcpy(bad, mit.value, 16);
	bad[6] ^= 0x10; /* inside the sealed checksum */
	assert_int_not_equal(sw_sig_verify(k, gbuf, b->len, bad, 16), 0);
	assert_int_equal(xc_job_check(k, gbuf, b->len, bad, 16, ref_engine, mb_engine), 0);
	assert_int_not_equal(ntlm_verify(verifier, b->data, b->len, bad, 16), GSS_S_COMPLETE);
	memcpy(bad, mit.value, 16);
	bad[12] ^= 0x01; /* SeqNum 101: valid for nobody in this profile */
	assert_int_not_equal(sw_sig_verify(k, gbuf, b->len, bad, 16), 0);
	assert_int_not_equal(ntlm_verify(verifier, b->data, b->len, bad, 16), GSS_S_COMPLETE);
	assert_int_not_equal(sw_sig_verify(k, gbuf, b->len, mit.value, 15), 0);
	memcpy(bad, mit.value, 16);
	bad[16] = 0;
	assert_int_not_equal(sw_sig_verify(k, gbuf, b->len, bad, 17), 0);
	if (b->len > 0) {
		uint8_t *flipped = malloc(b->len);

		assert_non_null(flipped);
		memcpy(flipped, b->data, b->len);
		flipped[b->len - 1] ^= 0x20;
		assert_int_not_equal(sw_sig_verify(k, flipped, b->len, mit.value, 16), 0);
		assert_int_equal(
			xc_job_check(k, flipped, b->len, mit.value, 16, ref_engine, mb_engine), 0);
		assert_int_not_equal(ntlm_verify(verifier, flipped, b->len, ours, 16),
				     GSS_S_COMPLETE);
		free(flipped);
	}

	buf_free(&mit);
	guard_buf_free(&g);
}

static gss_name_t
import_name(const char *s, gss_OID type)
{
	OM_uint32 maj, min;
	gss_buffer_desc nb = {strlen(s), (void *)(uintptr_t)s};
	gss_name_t name = GSS_C_NO_NAME;

	maj = api.import_name(&min, &nb, type, &name);
	if (maj != GSS_S_COMPLETE)
		fail_msg("gss-ntlmssp import_name %s: major %#x minor %u", s, maj, min);
	return name;
}

static void
test_xcheck_ntlm_row(void **state)
{
	const struct ntlm_row *row = *state;
	OM_uint32 maj, min, iflags = 0, aflags = 0;
	gss_OID_set_desc mechs = {1, &sw_ntlmssp_oid_mech};
	gss_name_t uname, sname, target;
	gss_cred_id_t icred = GSS_C_NO_CREDENTIAL, acred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	gss_buffer_desc empty = GSS_C_EMPTY_BUFFER, tok1 = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc chal = GSS_C_EMPTY_BUFFER, auth = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc back = GSS_C_EMPTY_BUFFER;
	uint8_t ikey[16], akey[16];
	struct sw_sig_key kc2s, ks2c;
	char uname_s[256];
	const char *pw;
	size_t i;

	snprintf(uname_s, sizeof(uname_s), "%s\\%s", env_or_fail(row->domain_env),
		 row->user_env != NULL ? env_or_fail(row->user_env) : "nobody");
	pw = row->pw_env != NULL ? env_or_fail(row->pw_env) : row->pw;

	uname = import_name(uname_s, &sw_ntlmssp_oid_nt_user);
	if (row->src == CRED_PASSWORD) {
		gss_buffer_desc pwb = {strlen(pw), (void *)(uintptr_t)pw};

		maj = api.acquire_cred_with_password(&min, uname, &pwb, GSS_C_INDEFINITE, &mechs,
						     GSS_C_INITIATE, &icred, NULL, NULL);
	} else {
		maj = api.acquire_cred(&min, uname, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
				       &icred, NULL, NULL);
	}
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: initiator cred: major %#x minor %u", row->name, maj, min);
	sname = import_name(env_or_fail("SW_GSS_SERVICE"), &sw_ntlmssp_oid_nt_hostbased);
	maj = api.acquire_cred(&min, sname, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &acred, NULL,
			       NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: acceptor cred: major %#x minor %u", row->name, maj, min);
	target = import_name(env_or_fail("SW_GSS_SERVICE"), &sw_ntlmssp_oid_nt_hostbased);

	/* Leg 0: connectionless, the client sends nothing (MS-NLMP §1.3.1.3). */
	maj = api.init_sec_context(&min, icred, &ictx, target, &sw_ntlmssp_oid_mech,
				   GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				   GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &tok1, NULL,
				   NULL);
	assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	assert_int_equal(tok1.length, 0);
	/* Leg 1: empty token in, CHALLENGE_MESSAGE out (the 401/407's gssapi-data). */
	maj = api.accept_sec_context(&min, &actx, acred, &empty, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				     NULL, &chal, NULL, NULL, NULL);
	assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	assert_true(chal.length >= 32);
	assert_memory_equal(chal.value, "NTLMSSP\0\2\0\0\0", 12);
	assert_int_equal(le32((const uint8_t *)chal.value + 20) & SIPAE_NTLM_FLAGS,
			 SIPAE_NTLM_FLAGS);
	/* Leg 2: AUTHENTICATE_MESSAGE. */
	maj = api.init_sec_context(&min, icred, &ictx, target, &sw_ntlmssp_oid_mech,
				   GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				   GSS_C_NO_CHANNEL_BINDINGS, &chal, NULL, &auth, &iflags, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: initiator leg 2: major %#x minor %u", row->name, maj, min);
	assert_true(auth.length >= 64);
	assert_memory_equal(auth.value, "NTLMSSP\0\3\0\0\0", 12);
	assert_int_equal(le32((const uint8_t *)auth.value + 60) & SIPAE_NTLM_FLAGS,
			 SIPAE_NTLM_FLAGS);
	maj = api.accept_sec_context(&min, &actx, acred, &auth, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				     NULL, &back, &aflags, NULL, NULL);
	buf_free(&back);
	if (!row->establishes) {
		assert_int_not_equal(maj, GSS_S_COMPLETE);
		assert_true(GSS_ERROR(maj));
		goto cleanup;
	}
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: accept AUTHENTICATE: major %#x minor %u", row->name, maj, min);
	assert_true(iflags & GSS_C_DATAGRAM_FLAG);
	assert_true(aflags & GSS_C_DATAGRAM_FLAG);

	session_key(ictx, ikey);
	session_key(actx, akey);
	assert_memory_equal(ikey, akey, 16);

	assert_int_equal(sw_sig_key_init_ntlm(&kc2s, ikey, SW_DIR_C2S), 0);
	assert_int_equal(sw_sig_key_init_ntlm(&ks2c, akey, SW_DIR_S2C), 0);
	for (i = 0; i < XC_NBUFS; i++) {
		check_direction(row, &bufs[i], SW_DIR_C2S, &ictx, &actx, &kc2s, &ks2c, ikey);
		check_direction(row, &bufs[i], SW_DIR_S2C, &actx, &ictx, &ks2c, &kc2s, akey);
	}
	sw_sig_key_wipe(&kc2s);
	sw_sig_key_wipe(&ks2c);

cleanup:
	buf_free(&chal);
	buf_free(&auth);
	if (ictx != GSS_C_NO_CONTEXT)
		api.delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	if (actx != GSS_C_NO_CONTEXT)
		api.delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	api.release_name(&min, &uname);
	api.release_name(&min, &sname);
	api.release_name(&min, &target);
	api.release_cred(&min, &icred);
	api.release_cred(&min, &acred);
}

static int
load_plugin(void)
{
	char err[256];

	if (sw_ntlmssp_load(&api, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	xc_bufs_init(bufs);
	if (sw_test_realm_start(&realm) != 0)
		return -1;
	if (load_plugin() != 0 || sw_mac_engine_create(SW_MAC_IMPL_REF, &ref_engine) != 0) {
		sw_test_realm_stop(&realm);
		return -1;
	}
	if (sw_mac_engine_create(SW_MAC_IMPL_MB, &mb_engine) != 0)
		mb_engine = NULL;
	print_message("batch path: reference engine%s%s\n",
		      mb_engine != NULL ? " + multi-buffer " : " only",
		      mb_engine != NULL ? sw_mac_engine_arch(mb_engine, SW_MAC_HMAC_MD5) : "");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_mac_engine_free(mb_engine);
	sw_mac_engine_free(ref_engine);
	mb_engine = ref_engine = NULL;
	/* The plugin stays loaded: it registers OpenSSL/atexit state of its own. */
	sw_test_realm_stop(&realm);
	return 0;
}

int
main(void)
{
	struct CMUnitTest tests[NROWS];
	size_t i;

	for (i = 0; i < NROWS; i++) {
		tests[i] = (struct CMUnitTest){
			.name = ntlm_rows[i].name,
			.test_func = test_xcheck_ntlm_row,
			.initial_state = (void *)(uintptr_t)&ntlm_rows[i],
		};
	}
	return _cmocka_run_group_tests("xcheck_ntlm", tests, NROWS, group_setup, group_teardown);
}
