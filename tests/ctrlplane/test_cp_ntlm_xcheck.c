/*
 * The native NTLM acceptor (ctrlplane/cp_ntlm.c) against gss-ntlmssp's
 * initiator (suite 'xcheck').
 *
 * gss-ntlmssp is dlopen()ed RTLD_LOCAL and driven through its own gss_*
 * entry points (PROTOCOL.md §5), in datagram mode with sequence number 100.
 * Our CHALLENGE_MESSAGE goes into its gss_init_sec_context, its
 * AUTHENTICATE_MESSAGE into sw_cp_ntlm_authenticate(); accounts come from
 * the realm's gss-ntlmssp user file and from an smbpasswd file of NT hashes.
 * For every established SA its gss_get_mic tokens must verify with our C2S
 * key and our S2C signatures must pass its gss_verify_mic.  This binary also
 * links MIT's GSS-API (through swcp) and runs Kerberos accepts before and
 * after the NTLM rows: the control plane hosts both mechanisms in one
 * process (PROTOCOL.md §6).
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

#include "crypto/sig.h"
#include "ctrlplane/cp_krb.h"
#include "ctrlplane/cp_ntlm.h"
#include "ctrlplane/ntlm_users.h"
#include "tests/common/guard.h"
#include "tests/common/ntlmssp.h"
#include "tests/ctrlplane/krb_util.h"
#include "tests/realm/realm.h"

static struct sw_ntlmssp nt;

static struct sw_test_realm realm;
static struct sw_ntlm_users *users;
static struct sw_cp_ntlm *acc;
static struct sw_cp_krb *krb;
static char last_log[512];

#define HASHY_PW "Hashy-Passw0rd-9"
#define DIS_PW	 "Disabled-Passw0rd-7"

static const char msg_req[] =
	"<NTLM><0a1b2c3d><5><SIP Communications Service><proxy.domainb.test><7f2a9c41@bob-pc><7>"
	"<REGISTER><sip:bob@domainb.test><8a1c2e><sip:bob@domainb.test><><><><3600>";
static const char msg_resp[] =
	"<NTLM><5e2f9a01><1><SIP Communications Service><proxy.domainb.test><7f2a9c41@bob-pc><7>"
	"<REGISTER><sip:bob@domainb.test><8a1c2e><sip:bob@domainb.test><b7d03e11><><><3600><200>";

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		fail_msg("realm env %s missing", name);
	return v;
}

static void
test_log(void *arg, enum sw_cp_log_level lvl, const char *msg)
{
	(void)arg;
	(void)lvl;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	if (getenv("SW_TEST_VERBOSE") != NULL)
		print_message("    log: %s\n", msg);
}

static void
buf_free(gss_buffer_desc *b)
{
	free(b->value); /* the plugin allocates with malloc */
	b->value = NULL;
	b->length = 0;
}

static void
set_seq_100(gss_ctx_id_t *ctx)
{
	OM_uint32 min;

	assert_int_equal(sw_ntlmssp_set_seq(&nt, ctx, SW_NTLM_SEQ, &min), GSS_S_COMPLETE);
}

static gss_name_t
import(const char *s, gss_OID type)
{
	OM_uint32 min;
	gss_buffer_desc nb = {strlen(s), (void *)(uintptr_t)s};
	gss_name_t name = GSS_C_NO_NAME;

	assert_int_equal(nt.import_name(&min, &nb, type, &name), GSS_S_COMPLETE);
	return name;
}

enum src { PW, USER_FILE };

struct row {
	const char *name;
	const char *domain; /* literal, or "$VAR" for an env var */
	const char *user;
	const char *pw;
	enum src src;
	enum sw_cp_ntlm_rc want;
	const char *want_user, *want_domain; /* "$VAR" allowed */
};

static const struct row rows[] = {
	{"bob@DOMAINB, password", "$SW_NTLM_DOMAIN", "$SW_USER", "$SW_USER_PASSWORD", PW,
	 SW_CP_NTLM_OK, "$SW_USER", "$SW_NTLM_DOMAIN"},
	{"carol@DOMAINB, NTLM_USER_FILE cred", "$SW_NTLM_DOMAIN", "$SW_USER2", NULL, USER_FILE,
	 SW_CP_NTLM_OK, "$SW_USER2", "$SW_NTLM_DOMAIN"},
	{"ann@DOMAINA (other domain), password", "$SW_NTLM_DOMAIN2", "$SW_XUSER",
	 "$SW_XUSER_PASSWORD", PW, SW_CP_NTLM_OK, "$SW_XUSER", "$SW_NTLM_DOMAIN2"},
	{"BOB@domainb: case-insensitive", "domainb", "BOB", "$SW_USER_PASSWORD", PW, SW_CP_NTLM_OK,
	 "$SW_USER", "$SW_NTLM_DOMAIN"},
	{"hashy: smbpasswd NT-hash account", "$SW_NTLM_DOMAIN", "hashy", HASHY_PW, PW,
	 SW_CP_NTLM_OK, "hashy", "$SW_NTLM_DOMAIN"},
	{"bob, wrong password", "$SW_NTLM_DOMAIN", "$SW_USER", "not-the-password", PW,
	 SW_CP_NTLM_BAD_PASSWORD},
	{"nobody, unknown user", "$SW_NTLM_DOMAIN", "nobody", "whatever", PW,
	 SW_CP_NTLM_UNKNOWN_USER},
	{"dis: disabled smbpasswd account", "$SW_NTLM_DOMAIN", "dis", DIS_PW, PW,
	 SW_CP_NTLM_DISABLED},
	{"hashy, wrong password", "$SW_NTLM_DOMAIN", "hashy", "Hashy-wrong", PW,
	 SW_CP_NTLM_BAD_PASSWORD},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char *
val(const char *s)
{
	return s != NULL && s[0] == '$' ? env(s + 1) : s;
}

static void
check_signatures(const struct row *r, gss_ctx_id_t *ictx, const struct sw_cp_ntlm_sa *sa)
{
	OM_uint32 maj, min;
	gss_buffer_desc m = {sizeof(msg_req) - 1, (void *)(uintptr_t)msg_req};
	gss_buffer_desc mic = GSS_C_EMPTY_BUFFER, ours_b;
	struct sw_sig_key c2s, s2c;
	uint8_t ours[SW_SIG_TOKEN_MAX];
	int n;

	assert_int_equal(sw_cp_ntlm_sa_sig_keys(sa, &c2s, &s2c), 0);
	/* C2S: the client's MIC (seq 100) verifies with our key. */
	set_seq_100(ictx);
	maj = nt.get_mic(&min, *ictx, GSS_C_QOP_DEFAULT, &m, &mic);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_int_equal(mic.length, 16);
	if (sw_sig_verify(&c2s, m.value, m.length, mic.value, mic.length) != 0)
		fail_msg("%s: gss-ntlmssp's MIC does not verify with the SA key", r->name);
	assert_int_not_equal(sw_sig_verify(&s2c, m.value, m.length, mic.value, mic.length), 0);
	((uint8_t *)mic.value)[6] ^= 1;
	assert_int_not_equal(sw_sig_verify(&c2s, m.value, m.length, mic.value, mic.length), 0);
	buf_free(&mic);

	/* S2C: ours passes its gss_verify_mic (16-byte tokens only: PROTOCOL.md §6). */
	m.value = (void *)(uintptr_t)msg_resp;
	m.length = sizeof(msg_resp) - 1;
	n = sw_sig_sign(&s2c, m.value, m.length, 0, ours, sizeof(ours));
	assert_int_equal(n, 16);
	ours_b.value = ours;
	ours_b.length = 16;
	set_seq_100(ictx);
	maj = nt.verify_mic(&min, *ictx, &m, &ours_b, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: gss-ntlmssp rejects our S2C signature: %#x/%#x", r->name, maj, min);
	ours[8] ^= 0x02;
	set_seq_100(ictx);
	assert_int_not_equal(nt.verify_mic(&min, *ictx, &m, &ours_b, NULL), GSS_S_COMPLETE);
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);
}

static void
test_cp_ntlm_xcheck_row(void **state)
{
	const struct row *r = *state;
	OM_uint32 maj, min;
	gss_OID_set_desc mechs = {1, &sw_ntlmssp_oid_mech};
	gss_name_t uname, target;
	gss_cred_id_t icred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT;
	gss_buffer_desc t0 = GSS_C_EMPTY_BUFFER, auth = GSS_C_EMPTY_BUFFER, chal;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	struct sw_cp_ntlm_pending p;
	struct sw_cp_ntlm_sa sa;
	struct guard_buf g = {0};
	const uint8_t *ga;
	enum sw_cp_ntlm_rc rc;
	char un[256];

	snprintf(un, sizeof(un), "%s\\%s", val(r->domain), val(r->user));
	uname = import(un, &sw_ntlmssp_oid_nt_user);
	if (r->src == PW) {
		gss_buffer_desc pwb = {strlen(val(r->pw)), (void *)(uintptr_t)val(r->pw)};

		maj = nt.acquire_cred_with_password(&min, uname, &pwb, GSS_C_INDEFINITE, &mechs,
						    GSS_C_INITIATE, &icred, NULL, NULL);
	} else {
		maj = nt.acquire_cred(&min, uname, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &icred,
				      NULL, NULL);
	}
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: initiator cred: %#x/%#x", r->name, maj, min);
	target = import(env("SW_GSS_SERVICE"), &sw_ntlmssp_oid_nt_hostbased);

	/* Leg 1: the client sends nothing (connectionless); we answer with a CHALLENGE. */
	maj = nt.init_sec_context(&min, icred, &ictx, target, &sw_ntlmssp_oid_mech,
				  GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				  GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t0, NULL,
				  NULL);
	assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	assert_int_equal(t0.length, 0);
	assert_int_equal(sw_cp_ntlm_challenge(acc, &p), 0);

	/* Leg 2: its AUTHENTICATE, verified natively. */
	chal.value = p.msg;
	chal.length = p.len;
	maj = nt.init_sec_context(&min, icred, &ictx, target, &sw_ntlmssp_oid_mech,
				  GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG, 0,
				  GSS_C_NO_CHANNEL_BINDINGS, &chal, NULL, &auth, NULL, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s: gss-ntlmssp refuses our CHALLENGE: %#x/%#x", r->name, maj, min);
	ga = guard_buf_put(&g, auth.value, auth.length);
	rc = sw_cp_ntlm_authenticate(acc, &p, ga, auth.length, &sa);
	guard_buf_free(&g);
	if (rc != r->want)
		fail_msg("%s: got %s, want %s (%s)", r->name, sw_cp_ntlm_rc_name(rc),
			 sw_cp_ntlm_rc_name(r->want), last_log);
	if (getenv("SW_NTLM_CORPUS_DIR") != NULL && r == &rows[0]) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/challenge_sipward.bin",
			 getenv("SW_NTLM_CORPUS_DIR"));
		f = fopen(path, "wb");
		fwrite(p.msg, 1, p.len, f);
		fclose(f);
		snprintf(path, sizeof(path), "%s/authenticate_gssntlmssp_to_sipward.bin",
			 getenv("SW_NTLM_CORPUS_DIR"));
		f = fopen(path, "wb");
		fwrite(auth.value, 1, auth.length, f);
		fclose(f);
	}
	if (rc == SW_CP_NTLM_OK) {
		assert_string_equal(sa.user, val(r->want_user));
		assert_string_equal(sa.domain, val(r->want_domain));
		assert_true(sa.flags & SW_NTLM_NEGOTIATE_DATAGRAM);
		assert_true(sa.flags & SW_NTLM_NEGOTIATE_KEY_EXCH);
		/* Same ExportedSessionKey as the initiator's. */
		maj = nt.inquire_sec_context_by_oid(&min, ictx, &sw_ntlmssp_oid_sspi_session_key,
						    &set);
		assert_int_equal(maj, GSS_S_COMPLETE);
		assert_int_equal(set->elements[0].length, 16);
		assert_memory_equal(set->elements[0].value, sa.session_key, 16);
		for (size_t i = 0; i < set->count; i++)
			free(set->elements[i].value);
		free(set->elements);
		free(set);
		check_signatures(r, &ictx, &sa);
		print_message("    %s: %s\\%s, flags %#010x\n", r->name, sa.domain, sa.user,
			      sa.flags);
	} else {
		print_message("    %s: %s -- %s\n", r->name, sw_cp_ntlm_rc_name(rc), last_log);
	}

	sw_cp_ntlm_sa_wipe(&sa);
	buf_free(&auth);
	nt.delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	nt.release_cred(&min, &icred);
	nt.release_name(&min, &uname);
	nt.release_name(&min, &target);
}

/* A Kerberos accept through cp_krb with MIT, in this same process. */
static void
test_cp_ntlm_xcheck_krb(void **state)
{
	gss_cred_id_t icred;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT;
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, m, mic = GSS_C_EMPTY_BUFFER;
	struct sw_cp_krb_sa sa;
	struct sw_sig_key c2s, s2c;
	enum sw_cp_krb_rc rc;
	OM_uint32 min;

	(void)state;
	icred = ku_icred(env("SW_USER_PRINC"), getenv("KRB5CCNAME"));
	ku_init(icred, env("SW_GSS_SERVICE"), GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG, &ictx, &tok);
	rc = sw_cp_krb_accept(krb, tok.value, tok.length, &sa);
	if (rc != SW_CP_KRB_OK)
		fail_msg("krb accept next to gss-ntlmssp: %s (%s)", sw_cp_krb_rc_name(rc),
			 last_log);
	assert_int_equal(sw_cp_krb_sa_sig_keys(&sa, &c2s, &s2c), 0);
	m.value = (void *)(uintptr_t)msg_req;
	m.length = sizeof(msg_req) - 1;
	assert_int_equal(gss_get_mic(&min, ictx, GSS_C_QOP_DEFAULT, &m, &mic), GSS_S_COMPLETE);
	assert_int_equal(sw_sig_verify(&c2s, m.value, m.length, mic.value, mic.length), 0);
	gss_release_buffer(&min, &mic);
	gss_release_buffer(&min, &tok);
	gss_delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &icred);
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);
	sw_cp_krb_sa_wipe(&sa);
}

static int
load_plugin(void)
{
	char err[256];

	if (sw_ntlmssp_load(&nt, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
group_setup(void **state)
{
	struct sw_cp_ntlm_cfg cfg = {
		.nb_domain = "DOMAINB",
		.nb_computer = "PROXY",
		.dns_domain = "domainb.test",
		.dns_computer = "proxy.domainb.test",
		.log = test_log,
	};
	char path[512], line[512], ccname[600];
	uint8_t h[16];
	unsigned int bad = 0;
	FILE *f;
	int i;

	(void)state;
	if (sw_test_realm_start(&realm) != 0)
		return -1;
	if (load_plugin() != 0)
		goto fail;
	if (sw_cp_krb_create(getenv("SW_KEYTAB"), getenv("SW_SERVICE"), &krb) != 0)
		goto fail;
	sw_cp_krb_set_log(krb, test_log, NULL);
	snprintf(ccname, sizeof(ccname), "FILE:%s/cc-main", getenv("SW_REALM_DIR"));
	ku_kinit(getenv("SW_USER_PRINC"), getenv("SW_USER_PASSWORD"), ccname, 0);
	setenv("KRB5CCNAME", ccname, 1);

	/* Accounts: the realm's gss-ntlmssp file, plus an smbpasswd file of NT hashes. */
	if (sw_ntlm_users_create(&users) != 0 ||
	    sw_ntlm_users_load(users, getenv("NTLM_USER_FILE"), NULL, &bad) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/smbpasswd", getenv("SW_REALM_DIR"));
	f = fopen(path, "w");
	if (f == NULL)
		goto fail;
	sw_ntlm_nt_hash(HASHY_PW, strlen(HASHY_PW), h);
	fputs("hashy:1001:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:", f);
	for (i = 0; i < 16; i++)
		fprintf(f, "%02X", h[i]);
	fputs(":[U          ]:LCT-5F3C1234:\n", f);
	sw_ntlm_nt_hash(DIS_PW, strlen(DIS_PW), h);
	snprintf(line, sizeof(line), "dis:1002:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:");
	fputs(line, f);
	for (i = 0; i < 16; i++)
		fprintf(f, "%02x", h[i]);
	fputs(":[DU         ]:LCT-5F3C1234:\n", f);
	fclose(f);
	if (sw_ntlm_users_load(users, path, "DOMAINB", &bad) != 0)
		goto fail;
	if (sw_cp_ntlm_create(&cfg, users, &acc) != 0)
		goto fail;
	return 0;

fail:
	fprintf(stderr, "group setup failed (line %u)\n", bad);
	sw_test_realm_stop(&realm);
	return -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_cp_ntlm_free(acc);
	sw_ntlm_users_free(users);
	sw_cp_krb_free(krb);
	sw_test_realm_stop(&realm);
	return 0;
}

int
main(void)
{
	struct CMUnitTest tests[NROWS + 2];
	size_t i, n = 0;

	tests[n++] = (struct CMUnitTest){.name = "krb accept before NTLM",
					 .test_func = test_cp_ntlm_xcheck_krb};
	for (i = 0; i < NROWS; i++)
		tests[n++] = (struct CMUnitTest){.name = rows[i].name,
						 .test_func = test_cp_ntlm_xcheck_row,
						 .initial_state = (void *)(uintptr_t)&rows[i]};
	tests[n++] = (struct CMUnitTest){.name = "krb accept after NTLM",
					 .test_func = test_cp_ntlm_xcheck_krb};
	return _cmocka_run_group_tests("cp_ntlm_xcheck", tests, n, group_setup, group_teardown);
}
