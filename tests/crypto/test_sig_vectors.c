/*
 * Published vectors for crypto/sig*.c: MS-NLMP §4.2.4 (NTLMv2 keys, key
 * exchange, signature), RFC 3961 A.1 (n-fold, checked in a local DK that
 * then cross-checks OpenSSL's KRB5KDF), RFC 3962 B (DK with "kerberos"),
 * RFC 8009 A (KDF-HMAC-SHA2, checksums), MIT krb5's t_derive / t_cksums,
 * RFC 2202 / RFC 4231 truncated HMAC, and token layouts built from those
 * checked pieces.  Cross-checks against live MIT / gss-ntlmssp contexts
 * are in tests/xcheck.
 */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/sig.h"
#include "crypto/sig_priv.h"
#include "tests/crypto/test_sig_ref.h"
#include "tests/vectors/sig_vectors.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void
assert_bytes(const char *what, const uint8_t *got, const uint8_t *want, size_t len)
{
	if (memcmp(got, want, len) != 0) {
		size_t i;

		print_error("%s: mismatch\n  got  ", what);
		for (i = 0; i < len; i++)
			print_error("%02x", got[i]);
		print_error("\n  want ");
		for (i = 0; i < len; i++)
			print_error("%02x", want[i]);
		print_error("\n");
		fail_msg("%s", what);
	}
}

/*
 * MS-NLMP §4.2.4.2.3: EncryptedRandomSessionKey = RC4(KeyExchangeKey,
 * RandomSessionKey) with KeyExchangeKey = SessionBaseKey (§3.4.5.1, NTLMv2).
 * Proves the legacy-provider RC4 inside crypto/.
 */
static void
test_sig_vectors_nlmp_key_exchange(void **state)
{
	uint8_t out[16];

	(void)state;
	assert_int_equal(sw_sig_rc4(ms_nlmp_v2_session_base_key, ms_nlmp_random_session_key, out,
				    sizeof(out)),
			 0);
	assert_bytes("EncryptedRandomSessionKey", out, ms_nlmp_v2_encrypted_session_key, 16);
}

/*
 * MS-NLMP §4.2.4.4: SIGNKEY/SEALKEY of the client from the 0x55 session key.
 * SignKey is the MAC key; SealKey is checked through the keystream we keep,
 * RC4(MD5(SealKey | LE32(100)))[0..7], recomputed here from the published
 * SealKey.  The server direction is recomputed from the §3.4.5.2/3 formula.
 */
static void
test_sig_vectors_nlmp_keys(void **state)
{
	static const char s2c_sign[] = "session key to server-to-client signing key magic constant";
	static const char s2c_seal[] = "session key to server-to-client sealing key magic constant";
	static const uint8_t zero[8];
	struct sw_sig_key k;
	uint8_t seq[4], sealkey_seq[16], ks[8], sign[16], seal[16];

	(void)state;
	ref_le32(seq, SW_NTLM_SEQ);

	assert_int_equal(sw_sig_key_init_ntlm(&k, ms_nlmp_random_session_key, SW_DIR_C2S), 0);
	assert_int_equal(k.scheme, SW_SCHEME_NTLM);
	assert_int_equal(k.mac.alg, SW_MAC_HMAC_MD5);
	assert_int_equal(k.mac.raw_len, 16);
	assert_int_equal(k.cksum_len, 8);
	assert_int_equal(sw_sig_token_len(&k), 16);
	assert_bytes("client SignKey", k.mac.raw, ms_nlmp_v2_client_sign_key, 16);
	ref_md5(ms_nlmp_v2_client_seal_key, 16, seq, 4, NULL, 0, sealkey_seq);
	ref_rc4(sealkey_seq, zero, ks, 8);
	assert_bytes("client SealKey' keystream", k.ntlm_ks, ks, 8);

	assert_int_equal(sw_sig_key_init_ntlm(&k, ms_nlmp_random_session_key, SW_DIR_S2C), 0);
	ref_md5(ms_nlmp_random_session_key, 16, s2c_sign, sizeof(s2c_sign), NULL, 0, sign);
	ref_md5(ms_nlmp_random_session_key, 16, s2c_seal, sizeof(s2c_seal), NULL, 0, seal);
	assert_bytes("server SignKey", k.mac.raw, sign, 16);
	ref_md5(seal, 16, seq, 4, NULL, 0, sealkey_seq);
	ref_rc4(sealkey_seq, zero, ks, 8);
	assert_bytes("server SealKey' keystream", k.ntlm_ks, ks, 8);
	sw_sig_key_wipe(&k);
}

/*
 * MS-NLMP §4.2.4.4 GSS_WrapEx: sequence 0, connection-oriented sealing, so
 * the RC4 stream that encrypts the checksum continues after the 18 data
 * bytes.  Our datagram MAC never does that, but its two pieces are checked:
 * the HMAC checksum through crypto/'s HMAC, the RC4 through crypto/'s RC4.
 */
static void
test_sig_vectors_nlmp_wrapex(void **state)
{
	struct sw_sig_iov iov[2] = {
		{ms_nlmp_v2_wrap_seq, 4},
		{ms_nlmp_v2_wrap_plaintext, sizeof(ms_nlmp_v2_wrap_plaintext)},
	};
	uint8_t d[SW_SIG_DIGEST_MAX], in[26], out[26], sig[16];

	(void)state;
	assert_int_equal(sw_sig_hmac(SW_MAC_HMAC_MD5, ms_nlmp_v2_client_sign_key, 16, iov, 2, d),
			 16);
	assert_bytes("§4.2.4.4 checksum", d, ms_nlmp_v2_wrap_checksum, 8);

	memcpy(in, ms_nlmp_v2_wrap_plaintext, 18);
	memcpy(in + 18, d, 8);
	assert_int_equal(sw_sig_rc4(ms_nlmp_v2_client_seal_key, in, out, sizeof(in)), 0);
	assert_bytes("§4.2.4.4 sealed data", out, ms_nlmp_v2_wrap_ciphertext, 18);

	ref_le32(sig, 1);
	memcpy(sig + 4, out + 18, 8);
	memcpy(sig + 12, ms_nlmp_v2_wrap_seq, 4);
	assert_bytes("§4.2.4.4 signature", sig, ms_nlmp_v2_wrap_signature, 16);
}

/*
 * Our datagram token (MS-NLMP §3.4.4.2, seq 100) against a reconstruction
 * from the published SignKey/SealKey alone: Version | HMAC_MD5(SignKey,
 * LE32(100) | msg)[0..7] XOR RC4(MD5(SealKey | LE32(100))) | LE32(100).
 */
static void
test_sig_vectors_nlmp_datagram_token(void **state)
{
	static const char example[] =
		"<NTLM><0a1b2c3d><5><SIP Communications Service><proxy.example.test>"
		"<7f2a9c41@ann-pc><7><REGISTER><sip:ann@example.test><8a1c2e>"
		"<sip:ann@example.test><><><><3600>";
	static const uint8_t zero[8];
	const struct {
		const uint8_t *p;
		size_t len;
	} msgs[] = {
		{(const uint8_t *)"", 0},
		{ms_nlmp_v2_wrap_plaintext, sizeof(ms_nlmp_v2_wrap_plaintext)},
		{(const uint8_t *)example, sizeof(example) - 1},
	};
	struct sw_sig_key k;
	uint8_t seq[4], sealkey_seq[16], ks[8], d[64], want[16], got[16];
	size_t i, j;

	(void)state;
	ref_le32(seq, SW_NTLM_SEQ);
	ref_md5(ms_nlmp_v2_client_seal_key, 16, seq, 4, NULL, 0, sealkey_seq);
	ref_rc4(sealkey_seq, zero, ks, 8);
	assert_int_equal(sw_sig_key_init_ntlm(&k, ms_nlmp_random_session_key, SW_DIR_C2S), 0);

	for (i = 0; i < ARRAY_LEN(msgs); i++) {
		ref_hmac("MD5", ms_nlmp_v2_client_sign_key, 16, seq, 4, msgs[i].p, msgs[i].len, d);
		ref_le32(want, 1);
		for (j = 0; j < 8; j++)
			want[4 + j] = d[j] ^ ks[j];
		memcpy(want + 12, seq, 4);
		assert_int_equal(sw_sig_sign(&k, msgs[i].p, msgs[i].len, 0, got, sizeof(got)), 16);
		assert_bytes("NTLM datagram token", got, want, 16);
		assert_int_equal(sw_sig_verify(&k, msgs[i].p, msgs[i].len, want, 16), 0);
	}
	sw_sig_key_wipe(&k);
}

/*
 * RFC 3961 §5.1 n-fold, written here from the RFC's prose (replicate to
 * lcm(n, len) bits, each copy rotated right 13 bits more than the last, add
 * the n-bit chunks with end-around carry) and held to appendix A.1.
 */
static void
nfold(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
	size_t a = in_len, b = out_len, l, nbits = in_len * 8, c, j, i;
	uint8_t *buf;

	while (b != 0) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	l = in_len / a * out_len;
	buf = calloc(l, 1);
	assert_non_null(buf);
	for (c = 0; c < l / in_len; c++) {
		for (j = 0; j < nbits; j++) {
			size_t src = (j + nbits - (13 * c) % nbits) % nbits;
			unsigned int bit = (in[src / 8] >> (7 - src % 8)) & 1u;
			size_t dst = c * nbits + j;

			buf[dst / 8] |= (uint8_t)(bit << (7 - dst % 8));
		}
	}
	memset(out, 0, out_len);
	for (c = 0; c < l / out_len; c++) {
		unsigned int carry = 0;

		for (i = out_len; i-- > 0;) {
			unsigned int s = out[i] + buf[c * out_len + i] + carry;

			out[i] = (uint8_t)s;
			carry = s >> 8;
		}
		while (carry != 0) {
			for (i = out_len; i-- > 0 && carry != 0;) {
				unsigned int s = out[i] + carry;

				out[i] = (uint8_t)s;
				carry = s >> 8;
			}
		}
	}
	free(buf);
}

/* RFC 3961 §5.1 DK for AES (RFC 3962 §4): K1 = E(n-fold(c)), K2 = E(K1). */
static void
local_dk(const uint8_t *key, size_t key_len, const uint8_t *constant, size_t constant_len,
	 uint8_t *out)
{
	uint8_t block[16];

	if (constant_len == 16)
		memcpy(block, constant, 16);
	else
		nfold(constant, constant_len, block, 16);
	ref_aes_block(key, key_len, block, out);
	if (key_len == 32)
		ref_aes_block(key, key_len, out, out + 16);
}

static void
test_sig_vectors_nfold_rfc3961(void **state)
{
	uint8_t out[24];
	size_t i;

	(void)state;
	for (i = 0; i < rfc3961_nfold_n; i++) {
		const struct nfold_vec *v = &rfc3961_nfold[i];

		nfold((const uint8_t *)v->in, strlen(v->in), out, v->nbits / 8);
		assert_bytes(v->in, out, v->out, v->nbits / 8);
	}
}

static void
check_derive_table(const struct derive_vec *t, size_t n)
{
	uint8_t out[32];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct derive_vec *v = &t[i];

		memset(out, 0, sizeof(out));
		assert_int_equal(sw_sig_krb_derive(v->enctype, v->key, v->key_len, v->constant, 5,
						   out, v->out_len),
				 0);
		assert_bytes(v->name, out, v->out, v->out_len);
		if (v->enctype == SW_ENCTYPE_AES128_SHA1 || v->enctype == SW_ENCTYPE_AES256_SHA1) {
			local_dk(v->key, v->key_len, v->constant, 5, out);
			assert_bytes("local DK", out, v->out, v->out_len);
		}
	}
}

/*
 * DK through OpenSSL's KRB5KDF: MIT t_derive's AES Kc/Ke/Ki, then random
 * keys with our two MIC constants (usage 23 and 25 | 0x99) against the
 * local n-fold + AES DK above.
 */
static void
test_sig_vectors_dk(void **state)
{
	static const uint32_t usages[] = {23, 25};
	uint64_t rnd = 0x5eed0001;
	uint8_t key[32], constant[5], got[32], want[32];
	size_t i, u;

	(void)state;
	check_derive_table(mit_derive, mit_derive_n);

	for (i = 0; i < 64; i++) {
		size_t key_len = (i & 1) ? 32 : 16;
		int enctype = key_len == 16 ? SW_ENCTYPE_AES128_SHA1 : SW_ENCTYPE_AES256_SHA1;

		ref_fill(&rnd, key, key_len);
		for (u = 0; u < ARRAY_LEN(usages); u++) {
			ref_be32(constant, usages[u]);
			constant[4] = 0x99;
			assert_int_equal(
				sw_sig_krb_derive(enctype, key, key_len, constant, 5, got, key_len),
				0);
			local_dk(key, key_len, constant, 5, want);
			assert_bytes("KRB5KDF vs local DK", got, want, key_len);
		}
	}
}

/*
 * RFC 3962 appendix B: AES key = DK(tkey, "kerberos").  The published
 * PBKDF2 outputs are first recomputed with OpenSSL to guard the
 * transcription.
 */
static void
test_sig_vectors_rfc3962_dk(void **state)
{
	static const char pass[] = "password";
	static const char salt[] = "ATHENA.MIT.EDUraeburn";
	static const uint8_t kerberos[] = {'k', 'e', 'r', 'b', 'e', 'r', 'o', 's'};
	uint8_t tkey[32], out[32];
	size_t i;

	(void)state;
	for (i = 0; i < rfc3962_s2k_n; i++) {
		const struct s2k_vec *v = &rfc3962_s2k[i];

		assert_int_equal(PKCS5_PBKDF2_HMAC(pass, sizeof(pass) - 1,
						   (const unsigned char *)salt, sizeof(salt) - 1,
						   (int)v->iterations, EVP_sha1(), 32, tkey),
				 1);
		assert_bytes("PBKDF2 256", tkey, v->tkey256, 32);
		assert_bytes("PBKDF2 128", tkey, v->tkey128, 16);

		assert_int_equal(sw_sig_krb_derive(SW_ENCTYPE_AES128_SHA1, v->tkey128, 16, kerberos,
						   sizeof(kerberos), out, 16),
				 0);
		assert_bytes("RFC 3962 AES-128 key", out, v->key128, 16);
		assert_int_equal(sw_sig_krb_derive(SW_ENCTYPE_AES256_SHA1, v->tkey256, 32, kerberos,
						   sizeof(kerberos), out, 32),
				 0);
		assert_bytes("RFC 3962 AES-256 key", out, v->key256, 32);
		local_dk(v->tkey256, 32, kerberos, sizeof(kerberos), out);
		assert_bytes("local DK, RFC 3962 AES-256 key", out, v->key256, 32);
	}
}

/* RFC 8009 appendix A "Key derivation": OpenSSL KBKDF as KDF-HMAC-SHA2. */
static void
test_sig_vectors_rfc8009_derive(void **state)
{
	(void)state;
	check_derive_table(rfc8009_derive, rfc8009_derive_n);
}

/*
 * crypto/sig_ossl.c keeps its KRB5KDF contexts per thread, re-keyed on every
 * call: several threads deriving at once, each cycling through every enctype,
 * keys and three constants, must each get what one thread computed alone --
 * the local DK for 17/18.
 */
#define DK_THREADS 4
#define DK_KEYS	   8

struct dk_case {
	int enctype;
	size_t key_len, out_len;
	uint8_t key[32];
	uint8_t constant[8];
	size_t constant_len;
	uint8_t want[32];
};

static struct dk_case dk_cases[DK_KEYS * 4 * 3];

static void *
dk_thread(void *arg)
{
	size_t start = (size_t)(uintptr_t)arg, k;
	uint8_t got[32];

	for (k = 0; k < 50 * ARRAY_LEN(dk_cases); k++) {
		const struct dk_case *c = &dk_cases[(start + k * 7) % ARRAY_LEN(dk_cases)];

		if (sw_sig_krb_derive(c->enctype, c->key, c->key_len, c->constant, c->constant_len,
				      got, c->out_len) != 0 ||
		    memcmp(got, c->want, c->out_len) != 0)
			return (void *)(uintptr_t)1;
	}
	return NULL;
}

static void
test_sig_vectors_dk_threads(void **state)
{
	static const int enctypes[] = {SW_ENCTYPE_AES128_SHA1, SW_ENCTYPE_AES256_SHA1,
				       SW_ENCTYPE_AES128_SHA256, SW_ENCTYPE_AES256_SHA384};
	static const uint8_t kerberos[] = {'k', 'e', 'r', 'b', 'e', 'r', 'o', 's'};
	pthread_t th[DK_THREADS];
	uint64_t rnd = 0x5eed0002;
	size_t n = 0, i, e, u;
	void *rc;

	(void)state;
	for (i = 0; i < DK_KEYS; i++) {
		for (e = 0; e < ARRAY_LEN(enctypes); e++) {
			for (u = 0; u < 3; u++) {
				struct dk_case *c = &dk_cases[n++];

				c->enctype = enctypes[e];
				c->key_len = e == 0 || e == 2 ? 16 : 32;
				c->out_len = e < 2 ? c->key_len : 16 + 8 * u;
				ref_fill(&rnd, c->key, c->key_len);
				if (u == 2) {
					memcpy(c->constant, kerberos, sizeof(kerberos));
					c->constant_len = sizeof(kerberos);
				} else {
					ref_be32(c->constant, u == 0 ? 23 : 25);
					c->constant[4] = 0x99;
					c->constant_len = 5;
				}
				if (e < 2)
					local_dk(c->key, c->key_len, c->constant, c->constant_len,
						 c->want);
				else
					assert_int_equal(sw_sig_krb_derive(c->enctype, c->key,
									   c->key_len, c->constant,
									   c->constant_len, c->want,
									   c->out_len),
							 0);
			}
		}
	}
	for (i = 0; i < DK_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, dk_thread, (void *)(uintptr_t)i), 0);
	for (i = 0; i < DK_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &rc), 0);
		if (rc != NULL)
			fail_msg("thread %zu derived a wrong key", i);
	}
}

static void
check_cksum_table(const struct cksum_vec *t, size_t n)
{
	uint8_t out[SW_SIG_DIGEST_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct cksum_vec *v = &t[i];

		assert_int_equal(sw_sig_krb_checksum(v->enctype, v->key, v->key_len, v->usage,
						     v->msg, v->msg_len, out),
				 (int)v->cksum_len);
		assert_bytes(v->name, out, v->cksum, v->cksum_len);
	}
}

/*
 * RFC 8009 appendix A "Checksum of the message with HMAC-SHA256-128 /
 * HMAC-SHA384-192", and MIT t_cksums' hmac-sha1-96-aes128/256 and hmac-md5
 * (RFC 4757 §4, the rc4-hmac MIC checksum with another usage).
 */
static void
test_sig_vectors_checksums(void **state)
{
	(void)state;
	check_cksum_table(rfc8009_cksum, rfc8009_cksum_n);
	check_cksum_table(mit_cksum, mit_cksum_n);
}

/*
 * Truncated HMAC known answers: RFC 2202 §2 and §3 test case 5 ("digest-96"
 * of HMAC-MD5 and HMAC-SHA-1), RFC 4231 §4.6 test case 5 (HMAC-SHA-256 and
 * -384 truncated to 128 bits), through crypto/'s HMAC.
 */
static void
test_sig_vectors_hmac_truncation(void **state)
{
	static const char data[] = "Test With Truncation";
	static const struct {
		const char *name;
		enum sw_mac_alg alg;
		size_t key_len;
		size_t trunc;
		uint8_t want[16];
	} cases[] = {
		{"RFC 2202 HMAC-MD5 case 5",
		 SW_MAC_HMAC_MD5,
		 16,
		 12,
		 {0x56, 0x46, 0x1e, 0xf2, 0x34, 0x2e, 0xdc, 0x00, 0xf9, 0xba, 0xb9, 0x95}},
		{"RFC 2202 HMAC-SHA-1 case 5",
		 SW_MAC_HMAC_SHA1,
		 20,
		 12,
		 {0x4c, 0x1a, 0x03, 0x42, 0x4b, 0x55, 0xe0, 0x7f, 0xe7, 0xf2, 0x7b, 0xe1}},
		{"RFC 4231 HMAC-SHA-256 case 5",
		 SW_MAC_HMAC_SHA256,
		 20,
		 16,
		 {0xa3, 0xb6, 0x16, 0x74, 0x73, 0x10, 0x0e, 0xe0, 0x6e, 0x0c, 0x79, 0x6c, 0x29,
		  0x55, 0x55, 0x2b}},
		{"RFC 4231 HMAC-SHA-384 case 5",
		 SW_MAC_HMAC_SHA384,
		 20,
		 16,
		 {0x3a, 0xbf, 0x34, 0xc3, 0x50, 0x3b, 0x2a, 0x23, 0xa4, 0x6e, 0xfc, 0x61, 0x9b,
		  0xae, 0xf8, 0x97}},
	};
	struct sw_sig_iov iov = {(const uint8_t *)data, sizeof(data) - 1};
	uint8_t key[20], out[SW_SIG_DIGEST_MAX];
	size_t i;

	(void)state;
	memset(key, 0x0c, sizeof(key));
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		assert_true(sw_sig_hmac(cases[i].alg, key, cases[i].key_len, &iov, 1, out) >=
			    (int)cases[i].trunc);
		assert_bytes(cases[i].name, out, cases[i].want, cases[i].trunc);
	}
}

struct krb_case {
	int enctype;
	const uint8_t *key;
	size_t key_len;
	size_t kc_len;
	size_t cksum_len;
	enum sw_mac_alg alg;
};

static const struct krb_case krb_cases[] = {
	{SW_ENCTYPE_AES128_SHA1, mit_derive[0].key, 16, 16, 12, SW_MAC_HMAC_SHA1},
	{SW_ENCTYPE_AES256_SHA1, mit_derive[3].key, 32, 32, 12, SW_MAC_HMAC_SHA1},
	{SW_ENCTYPE_AES128_SHA256, rfc8009_derive[0].key, 16, 16, 16, SW_MAC_HMAC_SHA256},
	{SW_ENCTYPE_AES256_SHA384, rfc8009_derive[3].key, 32, 24, 24, SW_MAC_HMAC_SHA384},
};

/*
 * RFC 4121 §2 / RFC 3961 §5.3: the MIC key of each direction is the
 * vector-checked derivation with usage 25 (initiator) or 23 (acceptor).
 */
static void
test_sig_vectors_krb_mic_keys(void **state)
{
	struct sw_sig_key k;
	uint8_t constant[5], want[32];
	size_t i;
	int dir;

	(void)state;
	for (i = 0; i < ARRAY_LEN(krb_cases); i++) {
		const struct krb_case *c = &krb_cases[i];

		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			assert_int_equal(sw_sig_key_init_krb(&k, c->enctype, c->key, c->key_len,
							     (enum sw_dir)dir),
					 0);
			ref_be32(constant, dir == SW_DIR_C2S ? 25 : 23);
			constant[4] = 0x99;
			assert_int_equal(sw_sig_krb_derive(c->enctype, c->key, c->key_len, constant,
							   5, want, c->kc_len),
					 0);
			assert_int_equal(k.mac.alg, c->alg);
			assert_int_equal(k.mac.raw_len, c->kc_len);
			assert_bytes("Kc", k.mac.raw, want, c->kc_len);
			assert_int_equal(k.cksum_len, c->cksum_len);
			assert_int_equal(sw_sig_token_len(&k), 16 + c->cksum_len);
			sw_sig_key_wipe(&k);
		}
	}
}

/*
 * RFC 4121 §4.2.6.1 MIC token = 04 04 | flags | FF*5 | BE64(seq) | checksum
 * over (message | header), the checksum being the enctype's RFC 3961
 * checksum with usage 25/23, whose values the vectors above pin down.
 */
static void
test_sig_vectors_cfx_token_layout(void **state)
{
	static const uint64_t seqs[] = {0, 1, UINT64_C(0x0102030405060708), UINT64_MAX};
	uint64_t rnd = 0x5eed0002;
	uint8_t msg[300], input[316], token[SW_SIG_TOKEN_MAX], cks[SW_SIG_DIGEST_MAX];
	struct sw_sig_key k;
	size_t i, s, j;
	int dir;

	(void)state;
	ref_fill(&rnd, msg, sizeof(msg));
	for (i = 0; i < ARRAY_LEN(krb_cases); i++) {
		const struct krb_case *c = &krb_cases[i];

		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			assert_int_equal(sw_sig_key_init_krb(&k, c->enctype, c->key, c->key_len,
							     (enum sw_dir)dir),
					 0);
			for (s = 0; s < ARRAY_LEN(seqs); s++) {
				size_t len = (s * 97) % sizeof(msg);

				assert_int_equal(
					sw_sig_sign(&k, msg, len, seqs[s], token, sizeof(token)),
					(int)(16 + c->cksum_len));
				assert_int_equal(token[0], 0x04);
				assert_int_equal(token[1], 0x04);
				assert_int_equal(token[2], dir == SW_DIR_S2C ? 0x01 : 0x00);
				for (j = 3; j < 8; j++)
					assert_int_equal(token[j], 0xff);
				for (j = 0; j < 8; j++)
					assert_int_equal(token[8 + j],
							 (uint8_t)(seqs[s] >> (56 - 8 * j)));
				memcpy(input, msg, len);
				memcpy(input + len, token, 16);
				assert_int_equal(sw_sig_krb_checksum(c->enctype, c->key, c->key_len,
								     dir == SW_DIR_C2S ? 25 : 23,
								     input, len + 16, cks),
						 (int)c->cksum_len);
				assert_bytes("CFX checksum", token + 16, cks, c->cksum_len);
			}
			sw_sig_key_wipe(&k);
		}
	}
}

/*
 * RFC 4757 §7.2 MIC token as MIT emits it (k5seal.c, util_seqnum.c):
 * 60 23 06 09 <krb5 OID> 01 01 11 00 FF FF FF FF | SND_SEQ | SGN_CKSUM with
 * SGN_CKSUM = hmac-md5 checksum, usage 15, of (hdr8 | msg) truncated to 8,
 * SND_SEQ = RC4(HMAC-MD5(HMAC-MD5(K, LE32(0)), SGN_CKSUM), BE32(seq) |
 * 00000000 from the initiator, FFFFFFFF from the acceptor).  Key: MIT
 * t_cksums' rc4-hmac key.
 */
static void
test_sig_vectors_rc4_token_layout(void **state)
{
	static const uint8_t frame[21] = {
		0x60, 0x23, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01,
		0x02, 0x02, 0x01, 0x01, 0x11, 0x00, 0xff, 0xff, 0xff, 0xff,
	};
	static const uint32_t seqs[] = {0, 1, 0x01020304, 0xffffffff};
	const struct cksum_vec *v = &mit_cksum[2];
	uint64_t rnd = 0x5eed0003;
	uint8_t msg[200], input[208], token[64], cks[SW_SIG_DIGEST_MAX];
	uint8_t zero4[4] = {0}, k0[64], kseq[64], plain[8], want_seq[8];
	struct sw_sig_key k;
	size_t s;
	int dir;

	(void)state;
	assert_int_equal(v->enctype, SW_ENCTYPE_RC4_HMAC);
	ref_fill(&rnd, msg, sizeof(msg));
	ref_hmac("MD5", v->key, 16, zero4, 4, NULL, 0, k0);

	for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
		assert_int_equal(
			sw_sig_key_init_krb(&k, SW_ENCTYPE_RC4_HMAC, v->key, 16, (enum sw_dir)dir),
			0);
		assert_int_equal(k.mac.alg, SW_MAC_HMAC_MD5_OF_MD5);
		assert_int_equal(k.cksum_len, 8);
		assert_bytes("HMAC-MD5(Kss, LE32(0))", k.rc4_kseq, k0, 16);
		assert_int_equal(sw_sig_token_len(&k), 37);
		for (s = 0; s < ARRAY_LEN(seqs); s++) {
			size_t len = (s * 61) % sizeof(msg);

			assert_int_equal(sw_sig_sign(&k, msg, len, seqs[s], token, sizeof(token)),
					 37);
			assert_bytes("RFC 1964 framing + RC4 MIC header", token, frame, 21);

			memcpy(input, frame + 13, 8);
			memcpy(input + 8, msg, len);
			assert_int_equal(sw_sig_krb_checksum(SW_ENCTYPE_RC4_HMAC, v->key, 16, 15,
							     input, len + 8, cks),
					 16);
			assert_bytes("SGN_CKSUM", token + 29, cks, 8);

			ref_hmac("MD5", k0, 16, token + 29, 8, NULL, 0, kseq);
			ref_be32(plain, seqs[s]);
			memset(plain + 4, dir == SW_DIR_C2S ? 0x00 : 0xff, 4);
			ref_rc4(kseq, plain, want_seq, 8);
			assert_bytes("SND_SEQ", token + 21, want_seq, 8);
			assert_int_equal(sw_sig_verify(&k, msg, len, token, 37), 0);
		}
		sw_sig_key_wipe(&k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_vectors_nlmp_key_exchange),
		cmocka_unit_test(test_sig_vectors_nlmp_keys),
		cmocka_unit_test(test_sig_vectors_nlmp_wrapex),
		cmocka_unit_test(test_sig_vectors_nlmp_datagram_token),
		cmocka_unit_test(test_sig_vectors_nfold_rfc3961),
		cmocka_unit_test(test_sig_vectors_dk),
		cmocka_unit_test(test_sig_vectors_rfc3962_dk),
		cmocka_unit_test(test_sig_vectors_rfc8009_derive),
		cmocka_unit_test(test_sig_vectors_dk_threads),
		cmocka_unit_test(test_sig_vectors_checksums),
		cmocka_unit_test(test_sig_vectors_hmac_truncation),
		cmocka_unit_test(test_sig_vectors_krb_mic_keys),
		cmocka_unit_test(test_sig_vectors_cfx_token_layout),
		cmocka_unit_test(test_sig_vectors_rc4_token_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
