/*
 * OpenSSL 3 primitives for the signature code: a private library context
 * with the default and legacy providers (RC4 is legacy-only), HMAC, MD5,
 * RC4 and the two Kerberos KDFs.  Scalar, allocating: control plane, client
 * and tests only.
 */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "crypto/sig_priv.h"

/*
 * Set once by ossl_setup() under pthread_once, then read-only; kept for the
 * life of the process (the objects are reference-counted and thread-safe).
 */
static struct {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *prov_default;
	OSSL_PROVIDER *prov_legacy;
	EVP_MAC *hmac;
	EVP_MD *md4;
	EVP_MD *md5;
	EVP_MD *sha256;
	EVP_CIPHER *rc4;
	EVP_KDF *krb5kdf;
	EVP_KDF *kbkdf;
	int ready;
} g_ossl;

static pthread_once_t g_ossl_once = PTHREAD_ONCE_INIT;

static void
ossl_setup(void)
{
	g_ossl.libctx = OSSL_LIB_CTX_new();
	if (g_ossl.libctx == NULL)
		return;
	g_ossl.prov_default = OSSL_PROVIDER_load(g_ossl.libctx, "default");
	g_ossl.prov_legacy = OSSL_PROVIDER_load(g_ossl.libctx, "legacy");
	g_ossl.hmac = EVP_MAC_fetch(g_ossl.libctx, OSSL_MAC_NAME_HMAC, NULL);
	g_ossl.md4 = EVP_MD_fetch(g_ossl.libctx, OSSL_DIGEST_NAME_MD4, NULL);
	g_ossl.md5 = EVP_MD_fetch(g_ossl.libctx, OSSL_DIGEST_NAME_MD5, NULL);
	g_ossl.sha256 = EVP_MD_fetch(g_ossl.libctx, OSSL_DIGEST_NAME_SHA2_256, NULL);
	g_ossl.rc4 = EVP_CIPHER_fetch(g_ossl.libctx, "RC4", NULL);
	g_ossl.krb5kdf = EVP_KDF_fetch(g_ossl.libctx, OSSL_KDF_NAME_KRB5KDF, NULL);
	g_ossl.kbkdf = EVP_KDF_fetch(g_ossl.libctx, OSSL_KDF_NAME_KBKDF, NULL);
	g_ossl.ready = g_ossl.prov_default != NULL && g_ossl.prov_legacy != NULL &&
		       g_ossl.hmac != NULL && g_ossl.md4 != NULL && g_ossl.md5 != NULL &&
		       g_ossl.sha256 != NULL && g_ossl.rc4 != NULL &&
		       g_ossl.krb5kdf != NULL && g_ossl.kbkdf != NULL;
}

int
sw_sig_ossl_init(void)
{
	if (pthread_once(&g_ossl_once, ossl_setup) != 0)
		return -ENOTSUP;
	return g_ossl.ready ? 0 : -ENOTSUP;
}

static const char *
hmac_digest_name(enum sw_mac_alg alg)
{
	switch (alg) {
	case SW_MAC_HMAC_MD5:
		return OSSL_DIGEST_NAME_MD5;
	case SW_MAC_HMAC_SHA1:
		return OSSL_DIGEST_NAME_SHA1;
	case SW_MAC_HMAC_SHA256:
		return OSSL_DIGEST_NAME_SHA2_256;
	case SW_MAC_HMAC_SHA384:
		return OSSL_DIGEST_NAME_SHA2_384;
	default:
		return NULL;
	}
}

/* RFC 2104 HMAC with the digest named by @p alg. */
int
sw_sig_hmac(enum sw_mac_alg alg, const uint8_t *key, size_t key_len, const struct sw_sig_iov *iov,
	    unsigned int n, uint8_t out[SW_SIG_DIGEST_MAX])
{
	const char *md = hmac_digest_name(alg);
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	size_t out_len = 0;
	unsigned int i;
	int ret;

	/* EVP_MAC_init() reads an empty key as "keep the previous one". */
	if (md == NULL || key == NULL || key_len == 0)
		return -EINVAL;
	if (sw_sig_ossl_init() != 0)
		return -EIO;

	params[0] =
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)md, 0);
	params[1] = OSSL_PARAM_construct_end();

	ctx = EVP_MAC_CTX_new(g_ossl.hmac);
	if (ctx == NULL || EVP_MAC_init(ctx, key, key_len, params) != 1) {
		ret = -EIO;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (iov[i].len != 0 && EVP_MAC_update(ctx, iov[i].p, iov[i].len) != 1) {
			ret = -EIO;
			goto cleanup;
		}
	}
	if (EVP_MAC_final(ctx, out, &out_len, SW_SIG_DIGEST_MAX) != 1) {
		ret = -EIO;
		goto cleanup;
	}
	ret = (int)out_len;

cleanup:
	/* Frees and cleanses the key schedule OpenSSL copied from @p key. */
	EVP_MAC_CTX_free(ctx);
	return ret;
}

static int
digest_iov(EVP_MD *md, const struct sw_sig_iov *iov, unsigned int n, uint8_t *out)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned int i;
	int ret = -EIO;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex2(ctx, md, NULL) != 1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (iov[i].len != 0 && EVP_DigestUpdate(ctx, iov[i].p, iov[i].len) != 1)
			goto cleanup;
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		goto cleanup;
	ret = 0;

cleanup:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* RFC 1321 MD5. */
int
sw_sig_md5(const struct sw_sig_iov *iov, unsigned int n, uint8_t out[16])
{
	if (sw_sig_ossl_init() != 0)
		return -EIO;
	return digest_iov(g_ossl.md5, iov, n, out);
}

/* RFC 1320 MD4 (legacy provider): the NT hash of MS-NLMP §3.3.1. */
int
sw_sig_md4(const struct sw_sig_iov *iov, unsigned int n, uint8_t out[16])
{
	if (sw_sig_ossl_init() != 0)
		return -EIO;
	return digest_iov(g_ossl.md4, iov, n, out);
}

/* FIPS 180-4 SHA-256. */
int
sw_sig_sha256(const struct sw_sig_iov *iov, unsigned int n, uint8_t out[32])
{
	if (sw_sig_ossl_init() != 0)
		return -EIO;
	return digest_iov(g_ossl.sha256, iov, n, out);
}

/* The library context's DRBG (seeded from the OS). */
int
sw_sig_random(void *out, size_t len)
{
	if (len > INT_MAX)
		return -EINVAL;
	if (sw_sig_ossl_init() != 0)
		return -EIO;
	return RAND_bytes_ex(g_ossl.libctx, out, len, 0) == 1 ? 0 : -EIO;
}

/* RC4 from a fresh 128-bit key (legacy provider). */
int
sw_sig_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	int out_len = 0;
	int ret = -EIO;

	if (len > INT_MAX)
		return -EINVAL;
	if (sw_sig_ossl_init() != 0)
		return -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || EVP_EncryptInit_ex2(ctx, g_ossl.rc4, key, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_get_key_length(ctx) != 16)
		goto cleanup;
	if (len != 0 &&
	    (EVP_EncryptUpdate(ctx, out, &out_len, in, (int)len) != 1 || (size_t)out_len != len))
		goto cleanup;
	ret = 0;

cleanup:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

/* RFC 3961 §5.1 DK(): n-fold, then the enctype's block cipher (RFC 3962 §4). */
static int
krb_dk(const char *cipher, const uint8_t *key, size_t key_len, const uint8_t *constant,
       size_t constant_len, uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[4];
	EVP_KDF_CTX *kctx;
	int ret = -EIO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER,
						     (char *)(uintptr_t)cipher, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)key,
						      key_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_CONSTANT,
						      (void *)(uintptr_t)constant, constant_len);
	params[3] = OSSL_PARAM_construct_end();

	kctx = EVP_KDF_CTX_new(g_ossl.krb5kdf);
	if (kctx != NULL && EVP_KDF_derive(kctx, out, out_len, params) == 1)
		ret = 0;
	EVP_KDF_CTX_free(kctx);
	return ret;
}

/*
 * RFC 8009 §3 KDF-HMAC-SHA2(key, label, k) = k-truncate(HMAC(key,
 * BE32(1) | label | 0x00 | BE32(k))): SP 800-108 counter mode with the
 * separator and L, and no context.  OpenSSL writes L = out_len * 8.
 */
static int
krb_kdf_hmac_sha2(const char *digest, const uint8_t *key, size_t key_len, const uint8_t *label,
		  size_t label_len, uint8_t *out, size_t out_len)
{
	int use_l = 1, use_sep = 1;
	OSSL_PARAM params[8];
	EVP_KDF_CTX *kctx;
	int ret = -EIO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE,
						     (char *)(uintptr_t) "counter", 0);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC,
						     (char *)(uintptr_t)OSSL_MAC_NAME_HMAC, 0);
	params[2] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)(uintptr_t)digest, 0);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)key,
						      key_len);
	params[4] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)label,
						      label_len);
	params[5] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &use_l);
	params[6] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &use_sep);
	params[7] = OSSL_PARAM_construct_end();

	kctx = EVP_KDF_CTX_new(g_ossl.kbkdf);
	if (kctx != NULL && EVP_KDF_derive(kctx, out, out_len, params) == 1)
		ret = 0;
	EVP_KDF_CTX_free(kctx);
	return ret;
}

/* RFC 3961 §5.1 DK (17/18) or RFC 8009 §3 KDF-HMAC-SHA2 (19/20). */
int
sw_sig_krb_derive(int enctype, const uint8_t *key, size_t key_len, const uint8_t *constant,
		  size_t constant_len, uint8_t *out, size_t out_len)
{
	if (key == NULL || constant == NULL || constant_len == 0 || out == NULL)
		return -EINVAL;
	if (sw_sig_ossl_init() != 0)
		return -EIO;

	switch (enctype) {
	case SW_ENCTYPE_AES128_SHA1:
		if (key_len != 16 || out_len != 16)
			return -EINVAL;
		return krb_dk(SN_aes_128_cbc, key, key_len, constant, constant_len, out, out_len);
	case SW_ENCTYPE_AES256_SHA1:
		if (key_len != 32 || out_len != 32)
			return -EINVAL;
		return krb_dk(SN_aes_256_cbc, key, key_len, constant, constant_len, out, out_len);
	case SW_ENCTYPE_AES128_SHA256:
		if (key_len != 16 || (out_len != 16 && out_len != 24 && out_len != 32))
			return -EINVAL;
		return krb_kdf_hmac_sha2(OSSL_DIGEST_NAME_SHA2_256, key, key_len, constant,
					 constant_len, out, out_len);
	case SW_ENCTYPE_AES256_SHA384:
		if (key_len != 32 || (out_len != 16 && out_len != 24 && out_len != 32))
			return -EINVAL;
		return krb_kdf_hmac_sha2(OSSL_DIGEST_NAME_SHA2_384, key, key_len, constant,
					 constant_len, out, out_len);
	default:
		return -ENOTSUP;
	}
}
