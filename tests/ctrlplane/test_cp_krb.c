/*
 * ctrlplane/cp_krb.c against real MIT initiators and a throwaway KDC
 * (suite 'xcheck').
 *
 * Rows: every supported session enctype x {bob@DOMAINB, ann@DOMAINA
 * (cross-realm)} x {Lync one-leg, mutual}.  Per row the AP-REQ from
 * gss_init_sec_context goes through sw_cp_krb_accept(); the SA must name
 * the client, its AP-REP (mutual only) must complete the initiator's
 * context, the initiator's gss_get_mic tokens must verify with the SA's C2S
 * key, and our S2C signatures (from the SA's acceptor sequence number, with
 * the acceptor-subkey flag when MIT set it) must pass the initiator's
 * gss_verify_mic.  Each row runs twice: the production route (lucid export)
 * and a fresh handshake in cross-check mode, where the acceptor requires
 * GSS_C_INQ_SSPI_SESSION_KEY + a gss_get_mic() token (PROTOCOL.md §5) to
 * give the same SA as the lucid export.  Then the failure outcomes, each
 * with its exact enum: bad tokens, replay, modified, wrong service, kvno
 * change with keytab reload, clock skew and an expired ticket (raw AP-REQs
 * with a controlled clock).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "crypto/sig.h"
#include "ctrlplane/cp_krb.h"
#include "tests/common/guard.h"
#include "tests/ctrlplane/krb_util.h"
#include "tests/realm/realm.h"

#define LYNC_FLAGS (GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG)

static struct sw_test_realm realm;
static struct sw_cp_krb *acc;  /* sip/proxy.domainb.test, principal-name form */
static struct sw_cp_krb *accx; /* the same, in cross-check mode (lucid export too) */
static char main_conf[512];    /* the realm's krb5.conf */
static unsigned int log_count;
static char last_log[1024];

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
	log_count++;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	if (getenv("SW_TEST_VERBOSE") != NULL)
		print_message("    log: %s\n", msg);
}

static void
realm_file(const char *name, char *buf, size_t cap)
{
	assert_non_null(sw_test_realm_path(&realm, name, buf, cap));
}

static void
ccache_for(const char *tag, char *ccname, size_t cap)
{
	char path[512];

	realm_file(tag, path, sizeof(path));
	snprintf(ccname, cap, "FILE:%s", path);
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Initiator's lucid view of a copy of its context: its receive sequence number. */
static uint64_t
initiator_recv_seq(gss_ctx_id_t *ctx)
{
	OM_uint32 maj, min;
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t copy = GSS_C_NO_CONTEXT;
	gss_krb5_lucid_context_v1_t *lucid = NULL;
	uint64_t seq;

	maj = gss_export_sec_context(&min, ctx, &tok);
	assert_int_equal(maj, GSS_S_COMPLETE);
	assert_int_equal(gss_import_sec_context(&min, &tok, ctx), GSS_S_COMPLETE);
	assert_int_equal(gss_import_sec_context(&min, &tok, &copy), GSS_S_COMPLETE);
	gss_release_buffer(&min, &tok);
	maj = gss_krb5_export_lucid_sec_context(&min, &copy, 1, (void **)&lucid);
	assert_int_equal(maj, GSS_S_COMPLETE);
	seq = lucid->recv_seq;
	gss_krb5_free_lucid_sec_context(&min, lucid);
	return seq;
}

struct krb_row {
	const char *name;
	int enctype;
	int cross; /* ann@DOMAINA */
	OM_uint32 extra;
};

/* Every supported session enctype x {same realm, cross-realm} x {Lync one leg, mutual}. */
static const struct krb_row rows[] = {
	{"e17/bob", 17, 0, 0},	       {"e17/bob/mutual", 17, 0, GSS_C_MUTUAL_FLAG},
	{"e17/ann@DOMAINA", 17, 1, 0}, {"e17/ann@DOMAINA/mutual", 17, 1, GSS_C_MUTUAL_FLAG},
	{"e18/bob", 18, 0, 0},	       {"e18/bob/mutual", 18, 0, GSS_C_MUTUAL_FLAG},
	{"e18/ann@DOMAINA", 18, 1, 0}, {"e18/ann@DOMAINA/mutual", 18, 1, GSS_C_MUTUAL_FLAG},
	{"e19/bob", 19, 0, 0},	       {"e19/bob/mutual", 19, 0, GSS_C_MUTUAL_FLAG},
	{"e19/ann@DOMAINA", 19, 1, 0}, {"e19/ann@DOMAINA/mutual", 19, 1, GSS_C_MUTUAL_FLAG},
	{"e20/bob", 20, 0, 0},	       {"e20/bob/mutual", 20, 0, GSS_C_MUTUAL_FLAG},
	{"e20/ann@DOMAINA", 20, 1, 0}, {"e20/ann@DOMAINA/mutual", 20, 1, GSS_C_MUTUAL_FLAG},
	{"e23/bob", 23, 0, 0},	       {"e23/bob/mutual", 23, 0, GSS_C_MUTUAL_FLAG},
	{"e23/ann@DOMAINA", 23, 1, 0}, {"e23/ann@DOMAINA/mutual", 23, 1, GSS_C_MUTUAL_FLAG},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char msg_req[] =
	"<Kerberos><0a1b2c3d><5><SIP Communications Service><sip/proxy.domainb.test>"
	"<7f2a9c41@bob-pc><7><REGISTER><sip:bob@domainb.test><8a1c2e><sip:bob@domainb.test>"
	"<><><><3600>";
static const char msg_resp[] =
	"<Kerberos><5e2f9a01><1><SIP Communications Service><sip/proxy.domainb.test>"
	"<7f2a9c41@bob-pc><7><REGISTER><sip:bob@domainb.test><8a1c2e><sip:bob@domainb.test>"
	"<b7d03e11><><><3600><200>";

/* One handshake of @p row through @p kc and everything the SA must do. */
static void
row_once(const struct krb_row *row, struct sw_cp_krb *kc)
{
	OM_uint32 maj, min, iflags = 0;
	char conf[512], ccname[600], tag[64];
	const char *princ = env(row->cross ? "SW_XUSER_PRINC" : "SW_USER_PRINC");
	const char *pw = env(row->cross ? "SW_XUSER_PASSWORD" : "SW_USER_PASSWORD");
	gss_cred_id_t icred;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT;
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc msg, mic = GSS_C_EMPTY_BUFFER, ours_b;
	gss_name_t target = GSS_C_NO_NAME;
	struct sw_cp_krb_sa sa;
	struct sw_sig_key c2s, s2c;
	struct guard_buf g = {0};
	const uint8_t *gtok;
	uint8_t ours[SW_SIG_TOKEN_MAX];
	uint64_t st0[SW_CP_KRB_RC_MAX], st1[SW_CP_KRB_RC_MAX];
	enum sw_cp_krb_rc rc;
	int64_t now = (int64_t)time(NULL);
	int n;

	snprintf(tag, sizeof(tag), "krb5-e%d.conf", row->enctype);
	realm_file(tag, conf, sizeof(conf));
	setenv("KRB5_CONFIG", conf, 1);
	snprintf(tag, sizeof(tag), "cc-row-%d-%d-%u", row->enctype, row->cross, row->extra);
	ccache_for(tag, ccname, sizeof(ccname));
	ku_kinit(princ, pw, ccname, 0);
	icred = ku_icred(princ, ccname);
	ku_init(icred, env("SW_GSS_SERVICE"), LYNC_FLAGS | row->extra, &ictx, &tok);

	sw_cp_krb_stats(kc, st0);
	gtok = guard_buf_put(&g, tok.value, tok.length);
	rc = sw_cp_krb_accept(kc, gtok, tok.length, &sa);
	guard_buf_free(&g);
	if (rc != SW_CP_KRB_OK)
		fail_msg("%s: accept: %s (%s)", row->name, sw_cp_krb_rc_name(rc), last_log);
	sw_cp_krb_stats(kc, st1);
	assert_int_equal(st1[SW_CP_KRB_OK], st0[SW_CP_KRB_OK] + 1);

	/* What the SA says. */
	assert_int_equal(sa.enctype, row->enctype);
	assert_int_equal(sa.key_len,
			 row->enctype == 17 || row->enctype == 19 || row->enctype == 23 ? 16 : 32);
	assert_string_equal(sa.principal, princ);
	assert_string_equal(sa.user, row->cross ? env("SW_XUSER") : env("SW_USER"));
	assert_string_equal(sa.realm, row->cross ? env("SW_REALM2") : env("SW_REALM"));
	assert_int_equal(sa.mutual, row->extra != 0);
	assert_true(sa.gss_flags & GSS_C_INTEG_FLAG);
	assert_true(sa.ticket_end > now + 3600);
	assert_true(sa.expires <= now + SW_CP_KRB_SA_LIFETIME_MAX + 5);
	assert_true(sa.expires <= sa.ticket_end);
	assert_int_equal(sa.acceptor_subkey, row->extra != 0 && row->enctype != 23);

	if (row->extra != 0) {
		/* The patent's variant: the AP-REP completes the initiator. */
		gss_buffer_desc in = {sa.ap_rep_len, sa.ap_rep};
		gss_buffer_desc tb = {strlen(env("SW_GSS_SERVICE")),
				      (void *)(uintptr_t)env("SW_GSS_SERVICE")};

		assert_true(sa.ap_rep_len > 0);
		assert_int_equal(gss_import_name(&min, &tb, GSS_C_NT_HOSTBASED_SERVICE, &target),
				 GSS_S_COMPLETE);
		maj = gss_init_sec_context(&min, icred, &ictx, target,
					   (gss_OID)(uintptr_t)gss_mech_krb5,
					   LYNC_FLAGS | row->extra, 0, GSS_C_NO_CHANNEL_BINDINGS,
					   &in, NULL, &out, &iflags, NULL);
		if (maj != GSS_S_COMPLETE)
			fail_msg("%s: AP-REP rejected by the initiator: %s", row->name,
				 ku_gss_err(maj, min));
		assert_true(iflags & GSS_C_MUTUAL_FLAG);
		gss_release_buffer(&min, &out);
		gss_release_name(&min, &target);
	} else {
		/* MS-SIPAE: no AP-REP; the server signs from the client's number. */
		assert_int_equal(sa.ap_rep_len, 0);
		assert_int_equal(sa.acceptor_seq, sa.initiator_seq);
	}
	assert_int_equal(initiator_recv_seq(&ictx), sa.acceptor_seq);

	assert_int_equal(sw_cp_krb_sa_sig_keys(&sa, &c2s, &s2c), 0);

	/* C2S: the client's gss_get_mic verifies with the SA's key. */
	msg.value = (void *)(uintptr_t)msg_req;
	msg.length = sizeof(msg_req) - 1;
	maj = gss_get_mic(&min, ictx, GSS_C_QOP_DEFAULT, &msg, &mic);
	assert_int_equal(maj, GSS_S_COMPLETE);
	if (row->enctype != 23)
		assert_int_equal(be64((const uint8_t *)mic.value + 8), sa.initiator_seq);
	if (sw_sig_verify(&c2s, msg.value, msg.length, mic.value, mic.length) != 0)
		fail_msg("%s: client MIC does not verify with the SA key", row->name);
	assert_int_not_equal(sw_sig_verify(&s2c, msg.value, msg.length, mic.value, mic.length), 0);
	((uint8_t *)mic.value)[mic.length - 1] ^= 1;
	assert_int_not_equal(sw_sig_verify(&c2s, msg.value, msg.length, mic.value, mic.length), 0);
	gss_release_buffer(&min, &mic);

	/* S2C: our signature passes the client's gss_verify_mic, twice (seq, seq + 1). */
	msg.value = (void *)(uintptr_t)msg_resp;
	msg.length = sizeof(msg_resp) - 1;
	for (uint64_t k = 0; k < 2; k++) {
		n = sw_sig_sign(&s2c, msg.value, msg.length, sa.acceptor_seq + k, ours,
				sizeof(ours));
		assert_true(n > 0);
		ours_b.value = ours;
		ours_b.length = (size_t)n;
		maj = gss_verify_mic(&min, ictx, &msg, &ours_b, NULL);
		if (maj != GSS_S_COMPLETE)
			fail_msg("%s: initiator rejects our S2C token %llu: %s", row->name,
				 (unsigned long long)k, ku_gss_err(maj, min));
	}
	ours[n - 1] ^= 0x80;
	assert_int_not_equal(gss_verify_mic(&min, ictx, &msg, &ours_b, NULL), GSS_S_COMPLETE);

	print_message("    %s%s: %s, seq C2S %llu S2C %llu%s\n", row->name,
		      kc == accx ? " (cross-checked)" : "", sa.principal,
		      (unsigned long long)sa.initiator_seq, (unsigned long long)sa.acceptor_seq,
		      sa.acceptor_subkey ? ", acceptor subkey" : "");
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);
	sw_cp_krb_sa_wipe(&sa);
	gss_release_buffer(&min, &tok);
	gss_delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &icred);
	setenv("KRB5_CONFIG", main_conf, 1);
}

/*
 * Each row twice: the production route (lucid export), then a fresh
 * handshake in cross-check mode, where the acceptor requires the session
 * key + MIC route (PROTOCOL.md §5) to give the same SA as the lucid export.
 */
static void
test_cp_krb_row(void **state)
{
	const struct krb_row *row = *state;
	uint64_t l0, x0, l1, x1;

	sw_cp_krb_path_stats(acc, &l0, &x0);
	row_once(row, acc);
	sw_cp_krb_path_stats(acc, &l1, &x1);
	assert_int_equal(l1, l0 + 1);
	assert_int_equal(x1, x0);

	sw_cp_krb_path_stats(accx, &l0, &x0);
	row_once(row, accx);
	sw_cp_krb_path_stats(accx, &l1, &x1);
	assert_int_equal(l1, l0 + 1);
	assert_int_equal(x1, x0 + 1);
}

/* Accept @p tok and require @p want; also checks the counter and the one log line. */
static void
expect(struct sw_cp_krb *kc, const char *what, const uint8_t *tok, size_t len,
       enum sw_cp_krb_rc want)
{
	uint64_t st0[SW_CP_KRB_RC_MAX], st1[SW_CP_KRB_RC_MAX];
	static const struct sw_cp_krb_sa zero;
	struct sw_cp_krb_sa sa;
	struct guard_buf g = {0};
	const uint8_t *gt = len != 0 ? guard_buf_put(&g, tok, len) : tok;
	unsigned int logs = log_count;
	enum sw_cp_krb_rc rc;

	sw_cp_krb_stats(kc, st0);
	rc = sw_cp_krb_accept(kc, gt, len, &sa);
	guard_buf_free(&g);
	if (rc != want)
		fail_msg("%s: got %s, want %s (log: %s)", what, sw_cp_krb_rc_name(rc),
			 sw_cp_krb_rc_name(want), last_log);
	sw_cp_krb_stats(kc, st1);
	assert_int_equal(st1[want], st0[want] + 1);
	if (want != SW_CP_KRB_OK) {
		assert_memory_equal(&sa, &zero, sizeof(sa));
		assert_int_equal(log_count, logs + 1);
	}
	print_message("    %s: %s%s%s\n", what, sw_cp_krb_rc_name(rc),
		      want != SW_CP_KRB_OK ? " -- " : "", want != SW_CP_KRB_OK ? last_log : "");
}

/* A fresh Lync-style AP-REQ from bob for @p target. */
static void
fresh_token(const char *cc_tag, const char *target, gss_buffer_desc *tok)
{
	char ccname[600];
	gss_cred_id_t icred;
	gss_ctx_id_t ictx;
	OM_uint32 min;

	ccache_for(cc_tag, ccname, sizeof(ccname));
	icred = ku_icred(env("SW_USER_PRINC"), ccname);
	ku_init(icred, target, LYNC_FLAGS, &ictx, tok);
	gss_delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &icred);
}

static void
test_cp_krb_bad_tokens(void **state)
{
	static const uint8_t spnego[] = {0x60, 0x0a, 0x06, 0x06, 0x2b, 0x06,
					 0x01, 0x05, 0x05, 0x02, 0xa0, 0x00};
	static const uint8_t ntlm[] = "NTLMSSP\0\1\0\0\0\x97\x82\x08\xe2";
	static const uint8_t framed_junk[] = {0x60, 0x11, 0x06, 0x09, 0x2a, 0x86, 0x48,
					      0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01,
					      0x00, 0x6e, 0x04, 0x30, 0x02, 0x02, 0x00};
	static const uint8_t ap_rep_id[] = {0x60, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
					    0x12, 0x01, 0x02, 0x02, 0x02, 0x00, 0x6f, 0x00};
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	uint8_t junk[300], *longer;
	OM_uint32 min;

	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	expect(acc, "empty token", (const uint8_t *)"", 0, SW_CP_KRB_BAD_TOKEN);
	expect(acc, "random bytes", junk, sizeof(junk), SW_CP_KRB_BAD_TOKEN);
	expect(acc, "SPNEGO token", spnego, sizeof(spnego), SW_CP_KRB_BAD_TOKEN);
	expect(acc, "NTLM NEGOTIATE", ntlm, sizeof(ntlm) - 1, SW_CP_KRB_BAD_TOKEN);
	expect(acc, "AP-REP TOK_ID", ap_rep_id, sizeof(ap_rep_id), SW_CP_KRB_BAD_TOKEN);
	expect(acc, "framed ASN.1 junk", framed_junk, sizeof(framed_junk), SW_CP_KRB_BAD_TOKEN);

	fresh_token("cc-main", env("SW_GSS_SERVICE"), &tok);
	expect(acc, "truncated AP-REQ", tok.value, tok.length - 1, SW_CP_KRB_BAD_TOKEN);
	longer = calloc(1, tok.length + 1);
	assert_non_null(longer);
	memcpy(longer, tok.value, tok.length);
	expect(acc, "AP-REQ with a byte appended", longer, tok.length + 1, SW_CP_KRB_BAD_TOKEN);
	free(longer);
	gss_release_buffer(&min, &tok);
}

static void
test_cp_krb_replay_and_modified(void **state)
{
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	uint8_t *copy;
	OM_uint32 min;

	(void)state;
	fresh_token("cc-main", env("SW_GSS_SERVICE"), &tok);
	expect(acc, "first AP-REQ", tok.value, tok.length, SW_CP_KRB_OK);
	expect(acc, "same AP-REQ again (a UDP retransmission not caught upstream)", tok.value,
	       tok.length, SW_CP_KRB_REPLAY);
	gss_release_buffer(&min, &tok);

	/* The authenticator's ciphertext ends the token: flip its last byte. */
	fresh_token("cc-main", env("SW_GSS_SERVICE"), &tok);
	copy = malloc(tok.length);
	assert_non_null(copy);
	memcpy(copy, tok.value, tok.length);
	copy[tok.length - 1] ^= 0x01;
	expect(acc, "authenticator modified", copy, tok.length, SW_CP_KRB_MODIFIED);
	/* The genuine one is still good: the tampered copy did not poison the rcache. */
	expect(acc, "genuine token after the modified one", tok.value, tok.length, SW_CP_KRB_OK);
	free(copy);
	gss_release_buffer(&min, &tok);
}

static void
test_cp_krb_wrong_service(void **state)
{
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	struct sw_cp_krb *any = NULL, *hb = NULL;
	OM_uint32 min;

	(void)state;
	ku_kadmin(env("SW_REALM"), "addprinc -randkey sip/other.domainb.test");
	fresh_token("cc-main", "sip@other.domainb.test", &tok);
	expect(acc, "ticket for sip/other", tok.value, tok.length, SW_CP_KRB_WRONG_PRINC);

	/* An any-principal acceptor on the same keytab: not ours either. */
	assert_int_equal(sw_cp_krb_create(env("SW_KEYTAB"), NULL, &any), 0);
	sw_cp_krb_set_log(any, test_log, NULL);
	expect(any, "ticket for sip/other, any-principal acceptor", tok.value, tok.length,
	       SW_CP_KRB_WRONG_PRINC);
	gss_release_buffer(&min, &tok);

	/* The host-based name form is the same service. */
	assert_int_equal(sw_cp_krb_create(env("SW_KEYTAB"), env("SW_GSS_SERVICE"), &hb), 0);
	sw_cp_krb_set_log(hb, test_log, NULL);
	fresh_token("cc-main", env("SW_GSS_SERVICE"), &tok);
	expect(hb, "host-based acceptor name", tok.value, tok.length, SW_CP_KRB_OK);
	gss_release_buffer(&min, &tok);
	fresh_token("cc-main", env("SW_GSS_SERVICE"), &tok);
	expect(any, "any-principal acceptor, our service", tok.value, tok.length, SW_CP_KRB_OK);
	gss_release_buffer(&min, &tok);
	sw_cp_krb_free(any);
	sw_cp_krb_free(hb);
}

/*
 * Re-key: tickets for the old kvno keep working while the keytab holds both
 * kvnos, new-kvno tickets fail until the keytab has them and reload runs, and
 * old ones fail once the keytab drops the old kvno.
 */
static void
test_cp_krb_kvno_and_reload(void **state)
{
	char kt[512], q[768], cc_old[600], cc_new[600];
	const char *svc = "sip/kvno.domainb.test";
	gss_buffer_desc a1 = GSS_C_EMPTY_BUFFER, a2 = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc a3 = GSS_C_EMPTY_BUFFER, b1 = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc b2 = GSS_C_EMPTY_BUFFER;
	struct sw_cp_krb *kc = NULL;
	OM_uint32 min;

	(void)state;
	realm_file("kvno.keytab", kt, sizeof(kt));
	ku_kadmin(env("SW_REALM"), "addprinc -randkey sip/kvno.domainb.test");
	snprintf(q, sizeof(q), "ktadd -k %s -norandkey %s", kt, svc);
	ku_kadmin(env("SW_REALM"), q);
	assert_int_equal(sw_cp_krb_create(kt, svc, &kc), 0);
	sw_cp_krb_set_log(kc, test_log, NULL);

	ccache_for("cc-kvno-old", cc_old, sizeof(cc_old));
	ku_kinit(env("SW_USER_PRINC"), env("SW_USER_PASSWORD"), cc_old, 0);
	fresh_token("cc-kvno-old", "sip@kvno.domainb.test", &a1); /* kvno 1 ticket */
	fresh_token("cc-kvno-old", "sip@kvno.domainb.test", &a2);
	expect(kc, "kvno 1 ticket", a1.value, a1.length, SW_CP_KRB_OK);

	snprintf(q, sizeof(q), "cpw -randkey %s", svc); /* KDB: kvno 2, keytab: kvno 1 */
	ku_kadmin(env("SW_REALM"), q);
	ccache_for("cc-kvno-new", cc_new, sizeof(cc_new));
	ku_kinit(env("SW_USER_PRINC"), env("SW_USER_PASSWORD"), cc_new, 0);
	fresh_token("cc-kvno-new", "sip@kvno.domainb.test", &b1);
	expect(kc, "kvno 2 ticket, keytab has only kvno 1", b1.value, b1.length, SW_CP_KRB_KVNO);

	snprintf(q, sizeof(q), "ktadd -k %s -norandkey %s", kt, svc); /* keytab: kvno 1 + 2 */
	ku_kadmin(env("SW_REALM"), q);
	assert_int_equal(sw_cp_krb_reload(kc), 0);
	fresh_token("cc-kvno-new", "sip@kvno.domainb.test", &b2);
	expect(kc, "kvno 2 ticket after reload", b2.value, b2.length, SW_CP_KRB_OK);
	expect(kc, "kvno 1 ticket still in use after reload", a2.value, a2.length, SW_CP_KRB_OK);

	snprintf(q, sizeof(q), "ktremove -k %s %s old", kt, svc); /* keytab: kvno 2 only */
	ku_kadmin(env("SW_REALM"), q);
	assert_int_equal(sw_cp_krb_reload(kc), 0);
	fresh_token("cc-kvno-old", "sip@kvno.domainb.test", &a3);
	expect(kc, "kvno 1 ticket, keytab without kvno 1", a3.value, a3.length, SW_CP_KRB_KVNO);

	/* A keytab that no longer has the service: reload fails, old credential stays. */
	snprintf(q, sizeof(q), "ktremove -k %s %s all", kt, svc);
	ku_kadmin(env("SW_REALM"), q);
	assert_int_equal(sw_cp_krb_reload(kc), -ENOENT);

	gss_release_buffer(&min, &a1);
	gss_release_buffer(&min, &a2);
	gss_release_buffer(&min, &a3);
	gss_release_buffer(&min, &b1);
	gss_release_buffer(&min, &b2);
	sw_cp_krb_free(kc);
}

/* Raw AP-REQs with the initiator's clock shifted; a control at the right time. */
static void
test_cp_krb_skew(void **state)
{
	uint8_t tok[8192];
	size_t n;

	(void)state;
	n = ku_raw_token(getenv("KRB5CCNAME"), env("SW_SERVICE_PRINC"), 0, 0, tok, sizeof(tok));
	expect(acc, "raw AP-REQ, no checksum, right time (control)", tok, n, SW_CP_KRB_OK);
	/* Ahead of the acceptor: inside and outside MIT's default 300 s tolerance.  (A
	 * client clock behind the KDC cannot be made here: krb5_mk_req refuses a ticket
	 * that is not yet valid by its own clock.) */
	n = ku_raw_token(getenv("KRB5CCNAME"), env("SW_SERVICE_PRINC"), 240, 0, tok, sizeof(tok));
	expect(acc, "authenticator 4 min fast (inside the skew)", tok, n, SW_CP_KRB_OK);
	n = ku_raw_token(getenv("KRB5CCNAME"), env("SW_SERVICE_PRINC"), 360, 0, tok, sizeof(tok));
	expect(acc, "authenticator 6 min fast", tok, n, SW_CP_KRB_SKEW);
	n = ku_raw_token(getenv("KRB5CCNAME"), env("SW_SERVICE_PRINC"), 3600, 0, tok, sizeof(tok));
	expect(acc, "authenticator 1 h fast", tok, n, SW_CP_KRB_SKEW);
}

/*
 * Expired ticket: a 2 s ticket, the AP-REQ made (with a fresh authenticator)
 * 4 s later, and an acceptor profile with clockskew = 1 so the default 300 s
 * tolerance does not hide the expiry.
 */
static void
test_cp_krb_expired(void **state)
{
	char ccname[600], conf[512], text[8192];
	uint8_t tok[8192];
	FILE *in, *out;
	size_t n, r;

	(void)state;
	realm_file("krb5-skew1.conf", conf, sizeof(conf));
	in = fopen(main_conf, "r");
	assert_non_null(in);
	r = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[r] = '\0';
	out = fopen(conf, "w");
	assert_non_null(out);
	/* [libdefaults] is the first section: add the line right after its header. */
	for (char *p = text; *p != '\0'; p++) {
		if (strncmp(p, "[libdefaults]\n", 14) == 0) {
			fputs("[libdefaults]\n    clockskew = 1\n", out);
			p += 13;
		} else {
			fputc(*p, out);
		}
	}
	fclose(out);

	ccache_for("cc-short", ccname, sizeof(ccname));
	ku_kinit(env("SW_USER2_PRINC"), env("SW_USER2_PASSWORD"), ccname, 2);
	n = ku_raw_token(ccname, env("SW_SERVICE_PRINC"), 0, 4, tok, sizeof(tok));
	setenv("KRB5_CONFIG", conf, 1);
	expect(acc, "ticket expired 2 s ago (clockskew 1)", tok, n, SW_CP_KRB_EXPIRED);
	setenv("KRB5_CONFIG", main_conf, 1);
}

static void
test_cp_krb_counters(void **state)
{
	uint64_t st[SW_CP_KRB_RC_MAX];

	(void)state;
	sw_cp_krb_stats(acc, st);
	assert_true(st[SW_CP_KRB_OK] >= NROWS);
	assert_true(st[SW_CP_KRB_BAD_TOKEN] >= 8);
	assert_int_equal(st[SW_CP_KRB_REPLAY], 1);
	assert_int_equal(st[SW_CP_KRB_MODIFIED], 1);
	assert_int_equal(st[SW_CP_KRB_SKEW], 2);
	assert_int_equal(st[SW_CP_KRB_EXPIRED], 1);
	assert_int_equal(st[SW_CP_KRB_WRONG_PRINC], 1);
	assert_int_equal(st[SW_CP_KRB_OTHER], 0);
}

static int
group_setup(void **state)
{
	char ccname[600];

	(void)state;
	if (sw_test_realm_start(&realm) != 0)
		return -1;
	snprintf(main_conf, sizeof(main_conf), "%s", getenv("KRB5_CONFIG"));
	if (sw_cp_krb_create(getenv("SW_KEYTAB"), getenv("SW_SERVICE"), &acc) != 0) {
		sw_test_realm_stop(&realm);
		return -1;
	}
	sw_cp_krb_set_log(acc, test_log, NULL);
	if (sw_cp_krb_create(getenv("SW_KEYTAB"), getenv("SW_SERVICE"), &accx) != 0) {
		sw_cp_krb_free(acc);
		sw_test_realm_stop(&realm);
		return -1;
	}
	sw_cp_krb_set_log(accx, test_log, NULL);
	sw_cp_krb_set_xcheck(accx, true);
	/* One TGT for the negative tests (default profile: aes256). */
	snprintf(ccname, sizeof(ccname), "FILE:%s/cc-main", getenv("SW_REALM_DIR"));
	ku_kinit(getenv("SW_USER_PRINC"), getenv("SW_USER_PASSWORD"), ccname, 0);
	setenv("KRB5CCNAME", ccname, 1);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_cp_krb_free(acc);
	acc = NULL;
	sw_cp_krb_free(accx);
	accx = NULL;
	sw_test_realm_stop(&realm);
	return 0;
}

int
main(void)
{
	struct CMUnitTest tests[NROWS + 7];
	size_t i, n = 0;

	for (i = 0; i < NROWS; i++)
		tests[n++] = (struct CMUnitTest){.name = rows[i].name,
						 .test_func = test_cp_krb_row,
						 .initial_state = (void *)(uintptr_t)&rows[i]};
	tests[n++] = (struct CMUnitTest){.name = "bad_tokens", .test_func = test_cp_krb_bad_tokens};
	tests[n++] = (struct CMUnitTest){.name = "replay_and_modified",
					 .test_func = test_cp_krb_replay_and_modified};
	tests[n++] = (struct CMUnitTest){.name = "wrong_service",
					 .test_func = test_cp_krb_wrong_service};
	tests[n++] = (struct CMUnitTest){.name = "kvno_and_reload",
					 .test_func = test_cp_krb_kvno_and_reload};
	tests[n++] = (struct CMUnitTest){.name = "skew", .test_func = test_cp_krb_skew};
	tests[n++] = (struct CMUnitTest){.name = "expired", .test_func = test_cp_krb_expired};
	tests[n++] = (struct CMUnitTest){.name = "counters", .test_func = test_cp_krb_counters};
	return _cmocka_run_group_tests("cp_krb", tests, n, group_setup, group_teardown);
}
