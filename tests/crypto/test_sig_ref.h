#ifndef SW_TEST_SIG_REF_H
#define SW_TEST_SIG_REF_H

/*
 * Reference computations for the signature tests, written against OpenSSL
 * directly (not through crypto/), on a library context of the tests' own
 * with the default and legacy providers.  Any failure aborts the test
 * binary: these are preconditions, not the code under test.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

static inline void
ref_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "reference %s failed\n", what);
		abort();
	}
}

static inline OSSL_LIB_CTX *
ref_ctx(void)
{
	static OSSL_LIB_CTX *ctx;

	if (ctx == NULL) {
		ctx = OSSL_LIB_CTX_new();
		ref_check(ctx != NULL, "libctx");
		ref_check(OSSL_PROVIDER_load(ctx, "default") != NULL, "default provider");
		ref_check(OSSL_PROVIDER_load(ctx, "legacy") != NULL, "legacy provider");
	}
	return ctx;
}

/* HMAC-<md>(key, a | b); returns the digest length. */
static inline size_t
ref_hmac(const char *md, const uint8_t *key, size_t key_len, const void *a, size_t a_len,
	 const void *b, size_t b_len, uint8_t out[64])
{
	EVP_MAC *mac = EVP_MAC_fetch(ref_ctx(), "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	size_t n = 0;

	params[0] =
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	ref_check(ctx != NULL && EVP_MAC_init(ctx, key, key_len, params) == 1, "hmac init");
	ref_check(a_len == 0 || EVP_MAC_update(ctx, a, a_len) == 1, "hmac update");
	ref_check(b_len == 0 || EVP_MAC_update(ctx, b, b_len) == 1, "hmac update");
	ref_check(EVP_MAC_final(ctx, out, &n, 64) == 1, "hmac final");
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return n;
}

/* MD5(a | b | c). */
static inline void
ref_md5(const void *a, size_t a_len, const void *b, size_t b_len, const void *c, size_t c_len,
	uint8_t out[16])
{
	EVP_MD *md = EVP_MD_fetch(ref_ctx(), "MD5", NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	ref_check(md != NULL && ctx != NULL && EVP_DigestInit_ex2(ctx, md, NULL) == 1, "md5");
	ref_check(a_len == 0 || EVP_DigestUpdate(ctx, a, a_len) == 1, "md5 update");
	ref_check(b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1, "md5 update");
	ref_check(c_len == 0 || EVP_DigestUpdate(ctx, c, c_len) == 1, "md5 update");
	ref_check(EVP_DigestFinal_ex(ctx, out, NULL) == 1, "md5 final");
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
}

/* RC4 with a fresh 128-bit key. */
static inline void
ref_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(ref_ctx(), "RC4", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;

	ref_check(c != NULL && ctx != NULL && EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL) == 1,
		  "rc4 init");
	ref_check(EVP_EncryptUpdate(ctx, out, &n, in, (int)len) == 1 && (size_t)n == len, "rc4");
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
}

/* One AES block, ECB (key 16 or 32 bytes). */
static inline void
ref_aes_block(const uint8_t *key, size_t key_len, const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER *c =
		EVP_CIPHER_fetch(ref_ctx(), key_len == 16 ? "AES-128-ECB" : "AES-256-ECB", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;

	ref_check(c != NULL && ctx != NULL && EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL) == 1,
		  "aes init");
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	ref_check(EVP_EncryptUpdate(ctx, out, &n, in, 16) == 1 && n == 16, "aes");
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
}

static inline void
ref_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void
ref_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Deterministic test data (xorshift64*). */
static inline void
ref_fill(uint64_t *state, uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t x = *state;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		*state = x;
		p[i] = (uint8_t)((x * UINT64_C(0x2545F4914F6CDD1D)) >> 56);
	}
}

#endif /* SW_TEST_SIG_REF_H */
