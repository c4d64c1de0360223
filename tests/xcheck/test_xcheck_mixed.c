/*
 * Both mechanisms in one process, the control plane's layout (suite 'xcheck').
 *
 * PROTOCOL.md §6 warns that loading gss-ntlmssp directly next to MIT's GSS-API
 * has been seen to break later Kerberos accepts (GSS_S_NO_CRED).  This binary
 * links MIT's libgssapi_krb5 (and Debian's /etc/gss/mech.d registers
 * gss-ntlmssp with MIT's mechglue too), dlopen()s gss-ntlmssp RTLD_LOCAL and
 * interleaves Kerberos accepts with NTLM datagram exchanges, in table order.
 * Every step also checks one signature each way against sw_sig_*, so a step
 * passes only when the context is really usable.
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
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <krb5/krb5.h>

#include "crypto/sig.h"
#include "tests/common/ntlmssp.h"
#include "tests/realm/kinit.h"
#include "tests/realm/realm.h"

enum step_kind {
	STEP_KRB,	  /* acceptor cred for sip@proxy, krb5 mech only */
	STEP_KRB_DEFAULT, /* acceptor cred GSS_C_NO_NAME, GSS_C_NO_OID_SET: all mechs */
	STEP_NTLM,	  /* gss-ntlmssp datagram exchange through its own entry points */
};

struct step {
	const char *name;
	enum step_kind kind;
};

static const struct step steps[] = {
	{"krb accept before the plugin is loaded", STEP_KRB},
	{"ntlm datagram exchange", STEP_NTLM},
	{"krb accept after ntlm", STEP_KRB},
	{"krb accept with the default (all-mech) acceptor cred", STEP_KRB_DEFAULT},
	{"ntlm again", STEP_NTLM},
	{"krb accept again", STEP_KRB},
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static struct sw_ntlmssp nt;

static struct sw_test_realm realm;
static const char msg_text[] =
	"<NTLM><0a1b2c3d><5><SIP Communications Service><proxy.domainb.test><7f2a9c41@bob-pc><7>"
	"<REGISTER><sip:bob@domainb.test><8a1c2e><sip:bob@domainb.test><><><><3600>";

static const char *
env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		fail_msg("realm env %s missing", name);
	return v;
}

static void
load_plugin(void)
{
	char err[256];

	if (sw_ntlmssp_load(&nt, NULL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* Kerberos: one-leg Lync handshake, then one MIC each way against sw_sig. */
static void
krb_step(int default_cred)
{
	OM_uint32 maj, min;
	gss_buffer_desc tb = {0}, tok = GSS_C_EMPTY_BUFFER, back = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc msg = {sizeof(msg_text) - 1, (void *)(uintptr_t)msg_text};
	gss_buffer_desc mic = GSS_C_EMPTY_BUFFER, ours_b;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	gss_name_t target = GSS_C_NO_NAME;
	gss_cred_id_t acred = GSS_C_NO_CREDENTIAL;
	gss_OID_set_desc krb_only = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	struct sw_sig_key k;
	uint8_t ours[SW_SIG_TOKEN_MAX];
	uint64_t seq = 0;
	int enctype, n;
	size_t i;

	tb.value = (void *)(uintptr_t)env_or_fail("SW_GSS_SERVICE");
	tb.length = strlen(tb.value);
	maj = gss_import_name(&min, &tb, GSS_C_NT_HOSTBASED_SERVICE, &target);
	assert_int_equal(maj, GSS_S_COMPLETE);
	if (default_cred)
		maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
				       GSS_C_ACCEPT, &acred, NULL, NULL);
	else
		maj = gss_acquire_cred(&min, target, GSS_C_INDEFINITE, &krb_only, GSS_C_ACCEPT,
				       &acred, NULL, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("acceptor gss_acquire_cred: major %#x minor %u", maj, min);
	/* Initiator: default cred from KRB5CCNAME, filled by the group setup. */
	maj = gss_init_sec_context(
		&min, GSS_C_NO_CREDENTIAL, &ictx, target, (gss_OID)(uintptr_t)gss_mech_krb5,
		GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
		GSS_C_NO_BUFFER, NULL, &tok, NULL, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("gss_init_sec_context: major %#x minor %u", maj, min);
	maj = gss_accept_sec_context(&min, &actx, acred, &tok, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				     NULL, &back, NULL, NULL, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("gss_accept_sec_context: major %#x minor %u", maj, min);

	maj = gss_inquire_sec_context_by_oid(&min, actx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_true(set->count >= 2 && set->elements[1].length > 0);
	enctype = ((const uint8_t *)set->elements[1].value)[set->elements[1].length - 1];
	assert_int_equal(sw_sig_key_init_krb(&k, enctype, set->elements[0].value,
					     set->elements[0].length, SW_DIR_C2S),
			 0);
	gss_release_buffer_set(&min, &set);

	maj = gss_get_mic(&min, ictx, GSS_C_QOP_DEFAULT, &msg, &mic);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_int_equal(sw_sig_verify(&k, msg.value, msg.length, mic.value, mic.length), 0);
	if (enctype != SW_ENCTYPE_RC4_HMAC) {
		for (i = 8; i < 16; i++)
			seq = seq << 8 | ((const uint8_t *)mic.value)[i];
		n = sw_sig_sign(&k, msg.value, msg.length, seq + 1, ours, sizeof(ours));
		assert_int_equal(n, (int)mic.length);
		ours_b.length = (size_t)n;
		ours_b.value = ours;
		maj = gss_verify_mic(&min, actx, &msg, &ours_b, NULL);
		assert_int_equal(maj, GSS_S_COMPLETE);
	}

	sw_sig_key_wipe(&k);
	gss_release_buffer(&min, &mic);
	gss_release_buffer(&min, &tok);
	gss_release_buffer(&min, &back);
	gss_delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &acred);
	gss_release_name(&min, &target);
}

static void
ntlm_set_seq(gss_ctx_id_t *ctx)
{
	OM_uint32 min;

	assert_int_equal(sw_ntlmssp_set_seq(&nt, ctx, SW_NTLM_SEQ, &min), GSS_S_COMPLETE);
}

/* NTLM datagram exchange through the plugin, then one MAC each way against sw_sig. */
static void
ntlm_step(void)
{
	OM_uint32 maj, min;
	gss_OID_set_desc mechs = {1, &sw_ntlmssp_oid_mech};
	char user[256];
	const char *pw = env_or_fail("SW_USER_PASSWORD");
	gss_buffer_desc ub = {0}, sb = {0}, pwb = {strlen(pw), (void *)(uintptr_t)pw};
	gss_buffer_desc empty = GSS_C_EMPTY_BUFFER, t0 = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc chal = GSS_C_EMPTY_BUFFER, auth = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc back = GSS_C_EMPTY_BUFFER, mic = GSS_C_EMPTY_BUFFER, ours_b;
	gss_buffer_desc msg = {sizeof(msg_text) - 1, (void *)(uintptr_t)msg_text};
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	gss_name_t uname = GSS_C_NO_NAME, sname = GSS_C_NO_NAME;
	gss_cred_id_t icred = GSS_C_NO_CREDENTIAL, acred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	struct sw_sig_key kc, ks;
	uint8_t ours[SW_SIG_TOKEN_MAX];
	size_t i;

	load_plugin();
	snprintf(user, sizeof(user), "%s\\%s", env_or_fail("SW_NTLM_DOMAIN"),
		 env_or_fail("SW_USER"));
	ub.value = user;
	ub.length = strlen(user);
	sb.value = (void *)(uintptr_t)env_or_fail("SW_GSS_SERVICE");
	sb.length = strlen(sb.value);
	assert_int_equal(nt.import_name(&min, &ub, &sw_ntlmssp_oid_nt_user, &uname),
			 GSS_S_COMPLETE);
	assert_int_equal(nt.import_name(&min, &sb, &sw_ntlmssp_oid_nt_hostbased, &sname),
			 GSS_S_COMPLETE);
	assert_int_equal(nt.acquire_cred_with_password(&min, uname, &pwb, GSS_C_INDEFINITE, &mechs,
						       GSS_C_INITIATE, &icred, NULL, NULL),
			 GSS_S_COMPLETE);
	assert_int_equal(nt.acquire_cred(&min, sname, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
					 &acred, NULL, NULL),
			 GSS_S_COMPLETE);
	maj = nt.init_sec_context(&min, icred, &ictx, sname, &sw_ntlmssp_oid_mech,
				  GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				  GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t0, NULL,
				  NULL);
	assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	maj = nt.accept_sec_context(&min, &actx, acred, &empty, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				    NULL, &chal, NULL, NULL, NULL);
	assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	maj = nt.init_sec_context(&min, icred, &ictx, sname, &sw_ntlmssp_oid_mech,
				  GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				  GSS_C_NO_CHANNEL_BINDINGS, &chal, NULL, &auth, NULL, NULL);
	assert_int_equal(maj, GSS_S_COMPLETE);
	maj = nt.accept_sec_context(&min, &actx, acred, &auth, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				    NULL, &back, NULL, NULL, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("gss-ntlmssp accept: major %#x minor %u", maj, min);

	maj = nt.inquire_sec_context_by_oid(&min, actx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_int_equal(set->elements[0].length, 16);
	assert_int_equal(sw_sig_key_init_ntlm(&kc, set->elements[0].value, SW_DIR_C2S), 0);
	assert_int_equal(sw_sig_key_init_ntlm(&ks, set->elements[0].value, SW_DIR_S2C), 0);
	for (i = 0; i < set->count; i++)
		free(set->elements[i].value);
	free(set->elements);
	free(set);

	ntlm_set_seq(&ictx);
	assert_int_equal(nt.get_mic(&min, ictx, GSS_C_QOP_DEFAULT, &msg, &mic), GSS_S_COMPLETE);
	assert_int_equal(mic.length, 16);
	assert_int_equal(sw_sig_sign(&kc, msg.value, msg.length, 0, ours, sizeof(ours)), 16);
	assert_memory_equal(ours, mic.value, 16);
	free(mic.value);
	assert_int_equal(sw_sig_sign(&ks, msg.value, msg.length, 0, ours, sizeof(ours)), 16);
	ours_b.length = 16;
	ours_b.value = ours;
	ntlm_set_seq(&ictx);
	assert_int_equal(nt.verify_mic(&min, ictx, &msg, &ours_b, NULL), GSS_S_COMPLETE);

	sw_sig_key_wipe(&kc);
	sw_sig_key_wipe(&ks);
	free(chal.value);
	free(auth.value);
	free(back.value);
	nt.delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	nt.delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	nt.release_cred(&min, &icred);
	nt.release_cred(&min, &acred);
	nt.release_name(&min, &uname);
	nt.release_name(&min, &sname);
}

static void
test_xcheck_mixed_step(void **state)
{
	const struct step *s = *state;

	switch (s->kind) {
	case STEP_KRB:
		krb_step(0);
		break;
	case STEP_KRB_DEFAULT:
		krb_step(1);
		break;
	case STEP_NTLM:
		ntlm_step();
		break;
	}
}

/* Password kinit into the realm's KRB5CCNAME (the initiator's default cred). */
static int
kinit_default(void)
{
	char err[256];

	if (sw_test_kinit(getenv("SW_USER_PRINC"), getenv("SW_USER_PASSWORD"), NULL, 0, err,
			  sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	if (sw_test_realm_start(&realm) != 0)
		return -1;
	if (kinit_default() != 0) {
		sw_test_realm_stop(&realm);
		return -1;
	}
	return 0;
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
	struct CMUnitTest tests[NSTEPS];
	size_t i;

	for (i = 0; i < NSTEPS; i++) {
		tests[i] = (struct CMUnitTest){
			.name = steps[i].name,
			.test_func = test_xcheck_mixed_step,
			.initial_state = (void *)(uintptr_t)&steps[i],
		};
	}
	return _cmocka_run_group_tests("xcheck_mixed", tests, NSTEPS, group_setup, group_teardown);
}
