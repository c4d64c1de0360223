#ifndef SW_PRIM_H
#define SW_PRIM_H

/**
 * @file
 * The scalar primitives the control plane and the client need beyond
 * signatures (the NTLM handshake: MD4 NT hash, HMAC-MD5, RC4; digests of
 * handshake legs; a CSPRNG), from crypto/'s private OpenSSL 3 library
 * context (default + legacy providers), so no other part of the tree
 * includes OpenSSL headers (STYLE.md rule 1).
 *
 * Allocating and scalar: control thread, client and tests only, never a
 * polling lcore.  Every function that can fail returns 0 or a negative
 * errno: -EINVAL for bad arguments, -EIO when the library fails (for MD4
 * and RC4: the legacy provider is missing).
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One piece of a message made of several. */
struct sw_iov {
	const void *p;
	size_t len;
};

#define SW_PRIM_IOV_MAX 8u /**< pieces accepted by the iov functions */

/** Load the library context now (it is otherwise loaded on first use). */
int sw_prim_init(void);

int sw_prim_md4(const void *in, size_t len, uint8_t out[16]);
int sw_prim_sha256(const void *in, size_t len, uint8_t out[32]);

/** HMAC-MD5 (RFC 2104) over the concatenation of n <= SW_PRIM_IOV_MAX pieces. */
int sw_prim_hmac_md5(const uint8_t *key, size_t key_len, const struct sw_iov *iov,
		     unsigned int n, uint8_t out[16]);

/** RC4 with a fresh 128-bit key: out = in XOR keystream (out may equal in). */
int sw_prim_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len);

/**
 * Strict base64 (RFC 4648 §4, with padding, no whitespace) of gssapi-data.
 * @return bytes written to @p out, -EINVAL (not canonical base64) or
 *   -EMSGSIZE (more than @p cap bytes).  Writes nothing past @p cap.
 */
int sw_prim_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/** Base64 of @p len bytes plus a NUL.  @return characters (without the
 *  NUL), or -ENOSPC if @p cap is too small. */
int sw_prim_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/** Cryptographically secure random bytes. */
int sw_prim_random(void *out, size_t len);

/** Constant-time equality of two n-byte strings: 1 equal, 0 not. */
int sw_prim_ct_equal(const void *a, const void *b, size_t n);

/** Wipe memory in a way the compiler cannot elide.  NULL is a no-op. */
void sw_prim_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* SW_PRIM_H */
