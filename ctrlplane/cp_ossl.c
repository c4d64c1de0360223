/*
 * OpenSSL 3 primitives for ctrlplane/ (see cp_ossl.h): a private library
 * context with the default and legacy providers, set up once.
 */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "ctrlplane/cp_common.h"
#include "ctrlplane/cp_ossl.h"

/* Set once under pthread_once, read-only afterwards, kept for the process. */
static struct {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *prov_default;
	OSSL_PROVIDER *prov_legacy;
	EVP_MAC *hmac;
	EVP_MD *md4;
	EVP_MD *md5;
	EVP_MD *sha256;
	EVP_CIPHER *rc4;
	int ready;
} g;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void
setup(void)
{
	g.libctx = OSSL_LIB_CTX_new();
	if (g.libctx == NULL)
		return;
	g.prov_default = OSSL_PROVIDER_load(g.libctx, "default");
	g.prov_legacy = OSSL_PROVIDER_load(g.libctx, "legacy");
	g.hmac = EVP_MAC_fetch(g.libctx, OSSL_MAC_NAME_HMAC, NULL);
	g.md4 = EVP_MD_fetch(g.libctx, OSSL_DIGEST_NAME_MD4, NULL);
	g.md5 = EVP_MD_fetch(g.libctx, OSSL_DIGEST_NAME_MD5, NULL);
	g.sha256 = EVP_MD_fetch(g.libctx, OSSL_DIGEST_NAME_SHA2_256, NULL);
	g.rc4 = EVP_CIPHER_fetch(g.libctx, "RC4", NULL);
	g.ready = g.prov_default != NULL && g.prov_legacy != NULL && g.hmac != NULL &&
		  g.md4 != NULL && g.md5 != NULL && g.sha256 != NULL && g.rc4 != NULL;
}

int
sw_cp_ossl_init(void)
{
	if (pthread_once(&g_once, setup) != 0)
		return -EIO;
	return g.ready ? 0 : -EIO;
}

static int
digest(EVP_MD *md, const void *in, size_t len, uint8_t *out)
{
	EVP_MD_CTX *ctx = NULL;
	int ret = -EIO;

	if (sw_cp_ossl_init() != 0)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex2(ctx, md, NULL) != 1)
		goto cleanup;
	if (len != 0 && EVP_DigestUpdate(ctx, in, len) != 1)
		goto cleanup;
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		goto cleanup;
	ret = 0;

cleanup:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int
sw_cp_md4(const void *in, size_t len, uint8_t out[16])
{
	if (sw_cp_ossl_init() != 0)
		return -EIO;
	return digest(g.md4, in, len, out);
}

int
sw_cp_sha256(const void *in, size_t len, uint8_t out[32])
{
	if (sw_cp_ossl_init() != 0)
		return -EIO;
	return digest(g.sha256, in, len, out);
}

int
sw_cp_leg_digest(const void *msg, size_t len, uint8_t out[SW_CP_DIGEST_LEN])
{
	if (msg == NULL && len != 0)
		return -EINVAL;
	return sw_cp_sha256(msg, len, out);
}

int
sw_cp_hmac_md5(const uint8_t *key, size_t key_len, const struct sw_cp_iov *iov, unsigned int n,
	       uint8_t out[16])
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	size_t out_len = 0;
	unsigned int i;
	int ret = -EIO;

	/* EVP_MAC_init() reads an empty key as "keep the previous one". */
	if (key == NULL || key_len == 0)
		return -EINVAL;
	if (sw_cp_ossl_init() != 0)
		return -EIO;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)(uintptr_t)OSSL_DIGEST_NAME_MD5, 0);
	params[1] = OSSL_PARAM_construct_end();
	ctx = EVP_MAC_CTX_new(g.hmac);
	if (ctx == NULL || EVP_MAC_init(ctx, key, key_len, params) != 1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (iov[i].len != 0 && EVP_MAC_update(ctx, iov[i].p, iov[i].len) != 1)
			goto cleanup;
	}
	if (EVP_MAC_final(ctx, out, &out_len, 16) != 1 || out_len != 16)
		goto cleanup;
	ret = 0;

cleanup:
	EVP_MAC_CTX_free(ctx); /* cleanses the copied key schedule */
	return ret;
}

int
sw_cp_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	int out_len = 0;
	int ret = -EIO;

	if (len > INT_MAX)
		return -EINVAL;
	if (sw_cp_ossl_init() != 0)
		return -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || EVP_EncryptInit_ex2(ctx, g.rc4, key, NULL, NULL) != 1 ||
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

int
sw_cp_random(void *out, size_t len)
{
	if (len > INT_MAX)
		return -EINVAL;
	if (sw_cp_ossl_init() != 0)
		return -EIO;
	return RAND_bytes_ex(g.libctx, out, len, 0) == 1 ? 0 : -EIO;
}

int
sw_cp_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
sw_cp_wipe(void *p, size_t n)
{
	if (p != NULL && n != 0)
		OPENSSL_cleanse(p, n);
}
