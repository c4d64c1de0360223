/*
 * Cross-check of crypto/sig.c's Kerberos MIC against MIT krb5 (suite 'xcheck').
 *
 * For every row (enctype x client x mutual or not) a real GSS context pair is
 * established in this process against a throwaway KDC (tests/realm): the
 * initiator from a password kinit, the acceptor from sip/proxy.domainb.test's
 * keytab.  The context key and enctype come from GSS_C_INQ_SSPI_SESSION_KEY on
 * both sides (PROTOCOL.md §5) and from the lucid context of a copy of each
 * side (which also gives the sequence numbers).  Then, for each signed buffer
 * and direction: MIT's gss_get_mic token must equal sw_sig_sign()'s byte for
 * byte, ours must pass MIT's gss_verify_mic, MIT's must pass sw_sig_verify()
 * and the batch path (sw_sig_job_prep + HMAC), and a flipped bit must fail on
 * both sides.
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
#include <krb5/krb5.h>

#include "crypto/mac.h"
#include "crypto/sig.h"
#include "tests/common/guard.h"
#include "tests/realm/kinit.h"
#include "tests/realm/realm.h"
#include "tests/xcheck/xcheck_util.h"

/* MS-SIPAE clients ask for integrity and identify only: one round, no AP-REP. */
#define LYNC_FLAGS (GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG)

enum client {
	CLIENT_BOB, /* bob@DOMAINB.TEST, the proxy's own realm */
	CLIENT_ANN, /* ann@DOMAINA.TEST, cross-realm (the patent's example) */
};

struct krb_row {
	const char *name;
	int enctype;
	enum client client;
	OM_uint32 extra_flags; /* GSS_C_MUTUAL_FLAG for the AP-REP variant */
};

static const struct krb_row krb_rows[] = {
	{"aes128-cts-hmac-sha1-96/bob", SW_ENCTYPE_AES128_SHA1, CLIENT_BOB, 0},
	{"aes128-cts-hmac-sha1-96/bob/mutual", SW_ENCTYPE_AES128_SHA1, CLIENT_BOB,
	 GSS_C_MUTUAL_FLAG},
	{"aes128-cts-hmac-sha1-96/ann@DOMAINA", SW_ENCTYPE_AES128_SHA1, CLIENT_ANN, 0},
	{"aes256-cts-hmac-sha1-96/bob", SW_ENCTYPE_AES256_SHA1, CLIENT_BOB, 0},
	{"aes256-cts-hmac-sha1-96/bob/mutual", SW_ENCTYPE_AES256_SHA1, CLIENT_BOB,
	 GSS_C_MUTUAL_FLAG},
	{"aes256-cts-hmac-sha1-96/ann@DOMAINA", SW_ENCTYPE_AES256_SHA1, CLIENT_ANN, 0},
	{"aes128-cts-hmac-sha256-128/bob", SW_ENCTYPE_AES128_SHA256, CLIENT_BOB, 0},
	{"aes128-cts-hmac-sha256-128/bob/mutual", SW_ENCTYPE_AES128_SHA256, CLIENT_BOB,
	 GSS_C_MUTUAL_FLAG},
	{"aes128-cts-hmac-sha256-128/ann@DOMAINA", SW_ENCTYPE_AES128_SHA256, CLIENT_ANN, 0},
	{"aes256-cts-hmac-sha384-192/bob", SW_ENCTYPE_AES256_SHA384, CLIENT_BOB, 0},
	{"aes256-cts-hmac-sha384-192/bob/mutual", SW_ENCTYPE_AES256_SHA384, CLIENT_BOB,
	 GSS_C_MUTUAL_FLAG},
	{"aes256-cts-hmac-sha384-192/ann@DOMAINA", SW_ENCTYPE_AES256_SHA384, CLIENT_ANN, 0},
	{"arcfour-hmac/bob", SW_ENCTYPE_RC4_HMAC, CLIENT_BOB, 0},
	{"arcfour-hmac/bob/mutual", SW_ENCTYPE_RC4_HMAC, CLIENT_BOB, GSS_C_MUTUAL_FLAG},
	{"arcfour-hmac/ann@DOMAINA", SW_ENCTYPE_RC4_HMAC, CLIENT_ANN, 0},
};

#define NROWS (sizeof(krb_rows) / sizeof(krb_rows[0]))

/* Process-wide fixtures, created by the group setup. */
static struct sw_test_realm realm;
static struct sw_mac_engine *ref_engine;
static struct sw_mac_engine *mb_engine; /* NULL when intel-ipsec-mb is unusable */
static struct xc_buf bufs[XC_NBUFS];

/* One side of a context as MIT reports it. */
struct side {
	gss_ctx_id_t ctx;
	uint8_t key[64];
	size_t key_len;
	int enctype;
	uint64_t send_seq; /* lucid: the next sequence number this side sends */
	uint64_t recv_seq;
	int have_acceptor_subkey;
	unsigned int mics; /* gss_get_mic calls so far: the token's seq is send_seq + mics */
};

static const char *
gss_err(OM_uint32 maj, OM_uint32 min)
{
	static char msg[512];
	OM_uint32 lmin, ctx = 0;
	gss_buffer_desc a = GSS_C_EMPTY_BUFFER, b = GSS_C_EMPTY_BUFFER;

	gss_display_status(&lmin, maj, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &a);
	ctx = 0;
	gss_display_status(&lmin, min, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &b);
	snprintf(msg, sizeof(msg), "%.*s / %.*s", (int)a.length, (const char *)a.value,
		 (int)b.length, (const char *)b.value);
	gss_release_buffer(&lmin, &a);
	gss_release_buffer(&lmin, &b);
	return msg;
}

#define assert_gss_ok(maj, min, what)                                                              \
	do {                                                                                       \
		if (GSS_ERROR(maj))                                                                \
			fail_msg("%s: %s", (what), gss_err((maj), (min)));                         \
	} while (0)

static const char *
env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		fail_msg("realm env %s missing", name);
	return v;
}

/* The last arc of an OID (base-128, DER), i.e. the enctype of MIT's session-key OID. */
static int
oid_last_arc(const gss_buffer_desc *oid)
{
	const uint8_t *p = oid->value;
	size_t i = oid->length;
	unsigned int v = 0, shift = 0;

	if (i == 0 || (p[i - 1] & 0x80) != 0)
		return -1;
	v = p[--i];
	while (i > 0 && (p[i - 1] & 0x80) != 0 && shift < 21) {
		shift += 7;
		v |= (unsigned int)(p[--i] & 0x7f) << shift;
	}
	return (int)v;
}

/* Password kinit in this process into a FILE ccache, with the current KRB5_CONFIG. */
static void
kinit_password(const char *princ_str, const char *password, const char *ccname)
{
	char err[256];

	if (sw_test_kinit(princ_str, password, ccname, 0, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static gss_cred_id_t
acquire(const char *name_str, gss_OID name_type, gss_cred_usage_t usage, const char *store_key,
	const char *store_val)
{
	OM_uint32 maj, min;
	gss_buffer_desc nb = {strlen(name_str), (void *)(uintptr_t)name_str};
	gss_name_t name = GSS_C_NO_NAME;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	gss_OID_set_desc mechs = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	gss_key_value_element_desc el = {store_key, store_val};
	gss_key_value_set_desc store = {1, &el};

	maj = gss_import_name(&min, &nb, name_type, &name);
	assert_gss_ok(maj, min, "gss_import_name");
	maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, usage, &store, &cred,
				    NULL, NULL);
	gss_release_name(&min, &name);
	assert_gss_ok(maj, min, "gss_acquire_cred_from");
	return cred;
}

/* Key + enctype through GSS_C_INQ_SSPI_SESSION_KEY (does not consume the context). */
static void
inquire_key(struct side *s)
{
	OM_uint32 maj, min;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;

	maj = gss_inquire_sec_context_by_oid(&min, s->ctx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
	assert_gss_ok(maj, min, "inquire GSS_C_INQ_SSPI_SESSION_KEY");
	assert_non_null(set);
	assert_true(set->count >= 2);
	assert_true(set->elements[0].length <= sizeof(s->key));
	memcpy(s->key, set->elements[0].value, set->elements[0].length);
	s->key_len = set->elements[0].length;
	s->enctype = oid_last_arc(&set->elements[1]);
	gss_release_buffer_set(&min, &set);
}

/*
 * Lucid view of a copy of the context: export (which consumes s->ctx), import
 * it twice, turn one copy into a lucid context and keep the other as s->ctx.
 * Gives the sequence numbers (the rc4 token encrypts its own) and a second
 * source for the key.
 */
static void
lucid_copy(struct side *s)
{
	OM_uint32 maj, min;
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t copy = GSS_C_NO_CONTEXT;
	gss_krb5_lucid_context_v1_t *lucid = NULL;
	const gss_krb5_lucid_key_t *lk;

	maj = gss_export_sec_context(&min, &s->ctx, &tok);
	assert_gss_ok(maj, min, "gss_export_sec_context");
	maj = gss_import_sec_context(&min, &tok, &s->ctx);
	assert_gss_ok(maj, min, "gss_import_sec_context");
	maj = gss_import_sec_context(&min, &tok, &copy);
	assert_gss_ok(maj, min, "gss_import_sec_context (copy)");
	gss_release_buffer(&min, &tok);
	maj = gss_krb5_export_lucid_sec_context(&min, &copy, 1, (void **)&lucid);
	assert_gss_ok(maj, min, "gss_krb5_export_lucid_sec_context");
	assert_int_equal(lucid->version, 1);

	s->send_seq = lucid->send_seq;
	s->recv_seq = lucid->recv_seq;
	if (lucid->protocol == 1) {
		s->have_acceptor_subkey = lucid->cfx_kd.have_acceptor_subkey != 0;
		lk = s->have_acceptor_subkey ? &lucid->cfx_kd.acceptor_subkey
					     : &lucid->cfx_kd.ctx_key;
	} else {
		s->have_acceptor_subkey = 0;
		lk = &lucid->rfc1964_kd.ctx_key;
	}
	/* The lucid key must be the one GSS_C_INQ_SSPI_SESSION_KEY reported. */
	assert_int_equal(lk->type, s->enctype);
	assert_int_equal(lk->length, s->key_len);
	assert_memory_equal(lk->data, s->key, s->key_len);
	gss_krb5_free_lucid_sec_context(&min, lucid);
}

static const char *
dir_name(enum sw_dir d)
{
	return d == SW_DIR_C2S ? "C2S" : "S2C";
}

/*
 * One buffer, one direction: @p signer makes MIT's token, @p verifier checks ours.
 * @p k is our key for that direction.
 */
static void
check_direction(const struct krb_row *row, const struct xc_buf *b, enum sw_dir dir,
		struct side *signer, struct side *verifier, const struct sw_sig_key *k,
		const struct sw_sig_key *k_other)
{
	OM_uint32 maj, min;
	gss_buffer_desc msg = {b->len, (void *)(uintptr_t)b->data};
	gss_buffer_desc mit = GSS_C_EMPTY_BUFFER, ours_b;
	uint8_t ours[SW_SIG_TOKEN_MAX + 8], bad[SW_SIG_TOKEN_MAX + 8];
	char h1[2 * 64 + 1], h2[2 * 64 + 1];
	struct guard_buf g = {0};
	const uint8_t *gbuf;
	uint8_t *flipped = NULL;
	uint64_t seq = signer->send_seq + signer->mics;
	int n, rc;

	/* Our side reads the buffer from right before a PROT_NONE page. */
	gbuf = guard_buf_put(&g, b->data, b->len);
	assert_non_null(gbuf);

	maj = gss_get_mic(&min, signer->ctx, GSS_C_QOP_DEFAULT, &msg, &mit);
	assert_gss_ok(maj, min, "gss_get_mic");
	signer->mics++;

	if (row->enctype != SW_ENCTYPE_RC4_HMAC) {
		/* RFC 4121 §4.2.6.1: the 8-byte big-endian SND_SEQ at offset 8. */
		uint64_t tseq = 0;
		size_t i;

		assert_true(mit.length >= 16);
		for (i = 8; i < 16; i++)
			tseq = tseq << 8 | ((const uint8_t *)mit.value)[i];
		assert_int_equal(tseq, seq);
	}

	/* (1) byte-exact token. */
	n = sw_sig_sign(k, gbuf, b->len, seq, ours, sizeof(ours));
	if (n < 0)
		fail_msg("%s %s %s: sw_sig_sign failed: %d", row->name, b->name, dir_name(dir), n);
	if ((size_t)n != mit.length || memcmp(ours, mit.value, mit.length) != 0) {
		xc_finding("krb %s buf=%s dir=%s seq=%llu len=%zu key=%s\n  MIT  %s\n  ours %s",
			   row->name, b->name, dir_name(dir), (unsigned long long)seq, b->len,
			   xc_hex(signer->key, signer->key_len, (char[2 * 64 + 1]){0}),
			   xc_hex(mit.value, mit.length, h1), xc_hex(ours, (size_t)n, h2));
		fail_msg("%s %s %s: token differs from MIT's", row->name, b->name, dir_name(dir));
	}
	assert_int_equal(sw_sig_token_len(k), mit.length);

	/* (2) ours verifies with MIT (the peer's gss_verify_mic). */
	ours_b.length = (size_t)n;
	ours_b.value = ours;
	maj = gss_verify_mic(&min, verifier->ctx, &msg, &ours_b, NULL);
	if (maj != GSS_S_COMPLETE)
		fail_msg("%s %s %s: MIT rejects our token: %s", row->name, b->name, dir_name(dir),
			 gss_err(maj, min));

	/* (3) MIT's verifies with ours, scalar and batch. */
	rc = sw_sig_verify(k, gbuf, b->len, mit.value, mit.length);
	if (rc != 0)
		fail_msg("%s %s %s: sw_sig_verify rejects MIT's token: %d", row->name, b->name,
			 dir_name(dir), rc);
	rc = xc_job_check(k, gbuf, b->len, mit.value, mit.length, ref_engine, mb_engine);
	if (rc != 1)
		fail_msg("%s %s %s: batch path on MIT's token: %d", row->name, b->name,
			 dir_name(dir), rc);

	/* The other direction's key must not accept it (usage / SentByAcceptor / rc4 filler). */
	assert_int_not_equal(sw_sig_verify(k_other, gbuf, b->len, mit.value, mit.length), 0);
	assert_int_equal(
		xc_job_check(k_other, gbuf, b->len, mit.value, mit.length, ref_engine, mb_engine),
		0);

	/* (5) a flipped bit fails on both sides: in the token ... */
	memcpy(bad, mit.value, mit.length);
	bad[mit.length - 1] ^= 0x01;
	assert_int_not_equal(sw_sig_verify(k, gbuf, b->len, bad, mit.length), 0);
	assert_int_equal(xc_job_check(k, gbuf, b->len, bad, mit.length, ref_engine, mb_engine), 0);
	memcpy(bad, ours, (size_t)n);
	bad[n - 1] ^= 0x80;
	ours_b.value = bad;
	maj = gss_verify_mic(&min, verifier->ctx, &msg, &ours_b, NULL);
	assert_int_not_equal(maj, GSS_S_COMPLETE);
	/* ... and in a token that is one byte short. */
	assert_int_not_equal(sw_sig_verify(k, gbuf, b->len, mit.value, mit.length - 1), 0);
	/* ... and in the message. */
	if (b->len > 0) {
		gss_buffer_desc fmsg;

		flipped = malloc(b->len);
		assert_non_null(flipped);
		memcpy(flipped, b->data, b->len);
		flipped[b->len / 2] ^= 0x04;
		fmsg.length = b->len;
		fmsg.value = flipped;
		assert_int_not_equal(sw_sig_verify(k, flipped, b->len, mit.value, mit.length), 0);
		assert_int_equal(xc_job_check(k, flipped, b->len, mit.value, mit.length, ref_engine,
					      mb_engine),
				 0);
		ours_b.value = ours;
		maj = gss_verify_mic(&min, verifier->ctx, &fmsg, &ours_b, NULL);
		assert_int_not_equal(maj, GSS_S_COMPLETE);
		free(flipped);
	}

	gss_release_buffer(&min, &mit);
	guard_buf_free(&g);
}

static void
test_xcheck_krb_row(void **state)
{
	const struct krb_row *row = *state;
	OM_uint32 maj, min, iflags = 0, aflags = 0;
	const char *princ, *pw;
	char conf[512], ccname[600], ccpath[512], fname[64];
	gss_cred_id_t icred, acred;
	gss_name_t target = GSS_C_NO_NAME;
	gss_buffer_desc tb, in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc back = GSS_C_EMPTY_BUFFER;
	struct side ini, acc;
	struct sw_sig_key kc2s, ks2c;
	const char *saved_conf;
	char saved[512];
	size_t i;
	int rc;

	memset(&ini, 0, sizeof(ini));
	memset(&acc, 0, sizeof(acc));
	ini.ctx = acc.ctx = GSS_C_NO_CONTEXT;

	/* The per-enctype profile restricts tkt and tgs enctypes (PROTOCOL.md §6). */
	snprintf(fname, sizeof(fname), "krb5-e%d.conf", row->enctype);
	assert_non_null(sw_test_realm_path(&realm, fname, conf, sizeof(conf)));
	saved_conf = getenv("KRB5_CONFIG");
	assert_non_null(saved_conf);
	snprintf(saved, sizeof(saved), "%s", saved_conf);
	setenv("KRB5_CONFIG", conf, 1);

	if (row->client == CLIENT_ANN) {
		princ = env_or_fail("SW_XUSER_PRINC");
		pw = env_or_fail("SW_XUSER_PASSWORD");
	} else {
		princ = env_or_fail("SW_USER_PRINC");
		pw = env_or_fail("SW_USER_PASSWORD");
	}
	snprintf(fname, sizeof(fname), "cc-%d-%d-%u", row->enctype, (int)row->client,
		 (unsigned int)row->extra_flags);
	assert_non_null(sw_test_realm_path(&realm, fname, ccpath, sizeof(ccpath)));
	snprintf(ccname, sizeof(ccname), "FILE:%s", ccpath);
	kinit_password(princ, pw, ccname);

	icred = acquire(princ, (gss_OID)(uintptr_t)GSS_KRB5_NT_PRINCIPAL_NAME, GSS_C_INITIATE,
			"ccache", ccname);
	acred = acquire(env_or_fail("SW_GSS_SERVICE"), GSS_C_NT_HOSTBASED_SERVICE, GSS_C_ACCEPT,
			"keytab", env_or_fail("SW_KEYTAB"));
	tb.value = (void *)(uintptr_t)env_or_fail("SW_GSS_SERVICE");
	tb.length = strlen(tb.value);
	maj = gss_import_name(&min, &tb, GSS_C_NT_HOSTBASED_SERVICE, &target);
	assert_gss_ok(maj, min, "gss_import_name target");

	/* Handshake: one leg (Lync), or two with the AP-REP when mutual is asked for. */
	maj = gss_init_sec_context(&min, icred, &ini.ctx, target, (gss_OID)gss_mech_krb5,
				   LYNC_FLAGS | row->extra_flags, 0, GSS_C_NO_CHANNEL_BINDINGS,
				   GSS_C_NO_BUFFER, NULL, &out, &iflags, NULL);
	assert_gss_ok(maj, min, "gss_init_sec_context");
	if (row->extra_flags & GSS_C_MUTUAL_FLAG)
		assert_int_equal(maj, GSS_S_CONTINUE_NEEDED);
	else
		assert_int_equal(maj, GSS_S_COMPLETE);
	maj = gss_accept_sec_context(&min, &acc.ctx, acred, &out, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				     NULL, &back, &aflags, NULL, NULL);
	assert_gss_ok(maj, min, "gss_accept_sec_context");
	assert_int_equal(maj, GSS_S_COMPLETE);
	gss_release_buffer(&min, &out);
	if (row->extra_flags & GSS_C_MUTUAL_FLAG) {
		assert_true(back.length > 0);
		in = back;
		maj = gss_init_sec_context(&min, icred, &ini.ctx, target, (gss_OID)gss_mech_krb5,
					   LYNC_FLAGS | row->extra_flags, 0,
					   GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, &iflags,
					   NULL);
		assert_gss_ok(maj, min, "gss_init_sec_context (AP-REP)");
		assert_int_equal(maj, GSS_S_COMPLETE);
		gss_release_buffer(&min, &out);
	} else {
		assert_int_equal(back.length, 0); /* no AP-REP */
	}
	gss_release_buffer(&min, &back);
	/* No GSS-level replay/sequence checking: out-of-order MICs are fine. */
	assert_int_equal(iflags & (GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG), 0);
	assert_int_equal(aflags & (GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG), 0);
	assert_true(aflags & GSS_C_INTEG_FLAG);

	/* Context keys: same key and enctype on both sides, the one the row asked for. */
	inquire_key(&ini);
	inquire_key(&acc);
	assert_int_equal(ini.enctype, row->enctype);
	assert_int_equal(acc.enctype, row->enctype);
	assert_int_equal(ini.key_len, acc.key_len);
	assert_memory_equal(ini.key, acc.key, ini.key_len);
	lucid_copy(&ini);
	lucid_copy(&acc);
	assert_int_equal(ini.have_acceptor_subkey, acc.have_acceptor_subkey);
	/* Each side receives what the other sends. */
	assert_int_equal(ini.send_seq, acc.recv_seq);
	assert_int_equal(acc.send_seq, ini.recv_seq);
	if (!(row->extra_flags & GSS_C_MUTUAL_FLAG)) {
		/* PROTOCOL.md §3: without AP-REP the server starts at the client's number. */
		assert_int_equal(acc.send_seq, ini.send_seq);
	}
	print_message("    %s: enctype %d, %zu-byte key, seq C2S %llu S2C %llu%s\n", row->name,
		      ini.enctype, ini.key_len, (unsigned long long)ini.send_seq,
		      (unsigned long long)acc.send_seq,
		      ini.have_acceptor_subkey ? ", acceptor subkey" : "");

	rc = sw_sig_key_init_krb(&kc2s, ini.enctype, ini.key, ini.key_len, SW_DIR_C2S);
	assert_int_equal(rc, 0);
	rc = sw_sig_key_init_krb(&ks2c, acc.enctype, acc.key, acc.key_len, SW_DIR_S2C);
	assert_int_equal(rc, 0);
	if (ini.have_acceptor_subkey) {
		/* AP-REP asserted a subkey: MIT flags every token AcceptorSubkey (RFC 4121 §4.2.2).
		 */
		assert_int_equal(sw_sig_key_set_acceptor_subkey(&kc2s, 1), 0);
		assert_int_equal(sw_sig_key_set_acceptor_subkey(&ks2c, 1), 0);
	}

	for (i = 0; i < XC_NBUFS; i++) {
		check_direction(row, &bufs[i], SW_DIR_C2S, &ini, &acc, &kc2s, &ks2c);
		check_direction(row, &bufs[i], SW_DIR_S2C, &acc, &ini, &ks2c, &kc2s);
	}

	sw_sig_key_wipe(&kc2s);
	sw_sig_key_wipe(&ks2c);
	gss_delete_sec_context(&min, &ini.ctx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&min, &acc.ctx, GSS_C_NO_BUFFER);
	gss_release_name(&min, &target);
	gss_release_cred(&min, &icred);
	gss_release_cred(&min, &acred);
	setenv("KRB5_CONFIG", saved, 1);
}

/* Key-setup edge cases that need no KDC: wrong key lengths, unknown enctypes. */
static void
test_xcheck_krb_key_init_rejects(void **state)
{
	static const struct {
		const char *name;
		int enctype;
		size_t key_len;
		int want;
	} rows[] = {
		{"aes128 with 32-byte key", SW_ENCTYPE_AES128_SHA1, 32, -EINVAL},
		{"aes256 with 16-byte key", SW_ENCTYPE_AES256_SHA1, 16, -EINVAL},
		{"aes128-sha256 with 32-byte key", SW_ENCTYPE_AES128_SHA256, 32, -EINVAL},
		{"aes256-sha384 with 16-byte key", SW_ENCTYPE_AES256_SHA384, 16, -EINVAL},
		{"rc4 with 32-byte key", SW_ENCTYPE_RC4_HMAC, 32, -EINVAL},
		{"des3 (16) unsupported", 16, 24, -ENOTSUP},
		{"camellia (26) unsupported", 26, 16, -ENOTSUP},
	};
	uint8_t key[32] = {0};
	struct sw_sig_key k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = sw_sig_key_init_krb(&k, rows[i].enctype, key, rows[i].key_len, SW_DIR_C2S);

		if (rc != rows[i].want)
			fail_msg("%s: got %d, want %d", rows[i].name, rc, rows[i].want);
	}
}

static int
group_setup(void **state)
{
	int rc;

	(void)state;
	xc_bufs_init(bufs);
	rc = sw_test_realm_start(&realm);
	if (rc != 0) {
		fprintf(stderr, "realm start failed: %d\n", rc);
		return -1;
	}
	if (sw_mac_engine_create(SW_MAC_IMPL_REF, &ref_engine) != 0) {
		sw_test_realm_stop(&realm);
		return -1;
	}
	if (sw_mac_engine_create(SW_MAC_IMPL_MB, &mb_engine) != 0)
		mb_engine = NULL;
	print_message("batch path: reference engine%s%s\n",
		      mb_engine != NULL ? " + multi-buffer " : " only",
		      mb_engine != NULL ? sw_mac_engine_arch(mb_engine, SW_MAC_HMAC_SHA1) : "");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_mac_engine_free(mb_engine);
	sw_mac_engine_free(ref_engine);
	mb_engine = ref_engine = NULL;
	sw_test_realm_stop(&realm);
	return 0;
}

int
main(void)
{
	struct CMUnitTest tests[NROWS + 1];
	size_t i;

	for (i = 0; i < NROWS; i++) {
		tests[i] = (struct CMUnitTest){
			.name = krb_rows[i].name,
			.test_func = test_xcheck_krb_row,
			.initial_state = (void *)(uintptr_t)&krb_rows[i],
		};
	}
	tests[NROWS] = (struct CMUnitTest){
		.name = "key_init_rejects",
		.test_func = test_xcheck_krb_key_init_rejects,
	};
	return _cmocka_run_group_tests("xcheck_krb", tests, NROWS + 1, group_setup, group_teardown);
}
