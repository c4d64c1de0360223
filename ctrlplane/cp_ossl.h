#ifndef SW_CP_OSSL_H
#define SW_CP_OSSL_H

/*
 * Private to ctrlplane/: the OpenSSL 3 primitives the NTLM acceptor needs
 * (MD4, MD5, HMAC-MD5, RC4, SHA-256, a CSPRNG), fetched from a private
 * OSSL_LIB_CTX with the default and legacy providers loaded (MD4 and RC4 are
 * legacy-only), so the process-wide default context is left alone.
 *
 * This is the only ctrlplane file that includes OpenSSL headers.  It
 * duplicates what crypto/sig_ossl.c does internally because that API is
 * private to crypto/; if crypto/ grows a public helper, this goes away.
 * Scalar and allocating: control thread only.  Every function returns 0 or
 * -EIO (library failure / provider missing), -EINVAL for bad arguments.
 */

#include <stddef.h>
#include <stdint.h>

struct sw_cp_iov {
	const void *p;
	size_t len;
};

int sw_cp_ossl_init(void);
int sw_cp_md4(const void *in, size_t len, uint8_t out[16]);
int sw_cp_hmac_md5(const uint8_t *key, size_t key_len, const struct sw_cp_iov *iov, unsigned int n,
		   uint8_t out[16]);
int sw_cp_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len);
int sw_cp_sha256(const void *in, size_t len, uint8_t out[32]);
int sw_cp_random(void *out, size_t len);
/* Constant-time equality of two n-byte strings: 1 equal, 0 not. */
int sw_cp_ct_equal(const void *a, const void *b, size_t n);
/* Wipe memory in a way the compiler cannot elide. */
void sw_cp_wipe(void *p, size_t n);

#endif /* SW_CP_OSSL_H */
