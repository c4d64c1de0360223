/*
 * OpenSSL 3 primitives for the signature code: a private library context
 * with the default and legacy providers (RC4 is legacy-only), HMAC, MD5,
 * RC4 and the two Kerberos KDFs.  Scalar, allocating: control plane, client
 * and tests only.
 */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
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
 * RFC 3961 DK through KRB5KDF, with the cipher already chosen: one context
 * per AES key size and thread.
 *
 * Naming the cipher in every call makes OpenSSL fetch it by name each time,
 * a fifth of a derivation, and the control plane derives two keys per
 * Kerberos handshake.  A context prepared once cannot be shared either, as
 * a read-only template to duplicate per call: OpenSSL 3.0's KDFs have no
 * dupctx (EVP_KDF_CTX_dup() returns NULL; it works from 3.1), and a shared
 * context that every call re-keys would need a lock.  So each thread
 * prepares its own on first use and the thread-specific key's destructor
 * frees them when it exits.  Only the control plane, the client and tests
 * derive keys, never a polling lcore.
 *
 * A context outlives the call that keyed it, so dk_derive() replaces the key
 * with a dummy before it returns (OpenSSL clears the old copy as it frees it):
 * no key material stays behind between calls.  (The same for RFC 8009's
 * KBKDF does not pay on 3.0: its dummy re-key is an HMAC key set-up, as
 * dear as the fetches it would save.)
 */
struct dk_thread {
	EVP_KDF_CTX *ctx[2]; /* KRB5KDF with AES-128-CBC, AES-256-CBC */
};

static void
dk_thread_free(void *arg)
{
	struct dk_thread *t = arg;

	EVP_KDF_CTX_free(t->ctx[0]);
	EVP_KDF_CTX_free(t->ctx[1]);
	free(t);
}

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
	pthread_key_t dk_key; /* struct dk_thread of each thread that derived */
	int ready;
} g_ossl;

static pthread_once_t g_ossl_once = PTHREAD_ONCE_INIT;

static void
ossl_setup(void)
{
	if (pthread_key_create(&g_ossl.dk_key, dk_thread_free) != 0)
		return;
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

/* KRB5KDF with AES-128-CBC (@p i 0) or AES-256-CBC (1), every parameter
 * set but the key and the constant. */
static EVP_KDF_CTX *
dk_new(unsigned int i)
{
	OSSL_PARAM params[2];
	EVP_KDF_CTX *kctx;

	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_KDF_PARAM_CIPHER,
		(char *)(uintptr_t)(i == 0 ? SN_aes_128_cbc : SN_aes_256_cbc), 0);
	params[1] = OSSL_PARAM_construct_end();
	kctx = EVP_KDF_CTX_new(g_ossl.krb5kdf);
	if (kctx != NULL && EVP_KDF_CTX_set_params(kctx, params) != 1) {
		EVP_KDF_CTX_free(kctx);
		kctx = NULL;
	}
	return kctx;
}

/* This thread's contexts (made on the thread's first call). */
static struct dk_thread *
dk_thread(void)
{
	struct dk_thread *t = pthread_getspecific(g_ossl.dk_key);

	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		if (t == NULL)
			return NULL;
		if (pthread_setspecific(g_ossl.dk_key, t) != 0) {
			free(t);
			return NULL;
		}
	}
	return t;
}

/* One KRB5KDF derivation with this thread's context @p i (see dk_new()). */
static int
dk_derive(struct dk_thread *t, unsigned int i, const uint8_t *key, size_t key_len,
	  const uint8_t *constant, size_t constant_len, uint8_t *out, size_t out_len)
{
	static const uint8_t dummy = 0;
	EVP_KDF_CTX **slot = &t->ctx[i];
	OSSL_PARAM params[3];
	int ret = -EIO;

	if (*slot == NULL) {
		*slot = dk_new(i);
		if (*slot == NULL)
			return -EIO;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)key,
						      key_len);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_CONSTANT,
						      (void *)(uintptr_t)constant, constant_len);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(*slot, out, out_len, params) == 1)
		ret = 0;

	/* Take the key out of the context.  If that fails, or the derivation
	 * failed half-way, free the whole context, which clears it; the next
	 * call makes a new one. */
	params[0] =
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)&dummy, 1);
	params[1] = OSSL_PARAM_construct_end();
	if (ret != 0 || EVP_KDF_CTX_set_params(*slot, params) != 1) {
		EVP_KDF_CTX_free(*slot);
		*slot = NULL;
	}
	return ret;
}

/* RFC 3961 §5.1 DK() for the AES enctypes (RFC 3962 §4), through KRB5KDF;
 * @p i 0 for AES-128, 1 for AES-256. */
static int
krb_dk(unsigned int i, const uint8_t *key, size_t key_len, const uint8_t *constant,
       size_t constant_len, uint8_t *out, size_t out_len)
{
	struct dk_thread *t = dk_thread();

	if (t == NULL)
		return -EIO;
	return dk_derive(t, i, key, key_len, constant, constant_len, out, out_len);
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
		return krb_dk(0, key, key_len, constant, constant_len, out, out_len);
	case SW_ENCTYPE_AES256_SHA1:
		if (key_len != 32 || out_len != 32)
			return -EINVAL;
		return krb_dk(1, key, key_len, constant, constant_len, out, out_len);
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
