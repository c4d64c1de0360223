#ifndef SW_SIG_PRIV_H
#define SW_SIG_PRIV_H

/*
 * Declarations shared by crypto/sig*.c and hex.c, and used by the
 * known-answer tests in tests/crypto.  Not part of the public API: nothing
 * outside crypto/ and its tests includes this header.
 *
 * All primitives run on a private OpenSSL library context holding the
 * "default" and "legacy" providers (RC4 lives in the latter), so neither the
 * process-wide default context nor an openssl.cnf that restricts it matter.
 * The context is set up once, thread-safely, on first use.  Every function
 * here except the *_job_prep() ones may allocate: control plane, client and
 * tests only.
 */

#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One piece of a message hashed or MACed in several parts. */
struct sw_sig_iov {
	const uint8_t *p;
	size_t len;
};

/** Largest digest the helpers produce (SHA-384). */
#define SW_SIG_DIGEST_MAX 48u

/*
 * Token layouts (RFC 4121 §4.2.6.1, RFC 4757 §7.2 as MIT emits it,
 * MS-NLMP §2.2.2.9.1).
 */
#define SW_SIG_CFX_HDR_LEN    16u /* 04 04 flags FF*5 SND_SEQ[8] */
#define SW_SIG_RC4_FRAME_LEN  13u /* 60 23 06 09 <krb5 mech OID> */
#define SW_SIG_RC4_HDR_LEN    8u  /* TOK_ID SGN_ALG Filler */
#define SW_SIG_RC4_SEQ_OFF    21u /* SND_SEQ[8] */
#define SW_SIG_RC4_CKSUM_OFF  29u /* SGN_CKSUM[8] */
#define SW_SIG_RC4_TOKEN_LEN  37u
/* rc4-hmac job_prep keeps the token's SND_SEQ here in the tag scratch, after
 * the 8-byte checksum, for the direction check after the batch compare. */
#define SW_SIG_RC4_SEQ_STASH  16u
#define SW_SIG_RC4_USAGE      15u /* RFC 4757 §7.2: MIC checksum usage */
#define SW_SIG_NTLM_TOKEN_LEN 16u

#define SW_SIG_CFX_FLAG_SENT_BY_ACCEPTOR 0x01u
#define SW_SIG_CFX_FLAG_SEALED		 0x02u

/** Set up the private library context.  @return 0 or -ENOTSUP. */
int sw_sig_ossl_init(void);

/**
 * HMAC over the concatenation of @p n pieces.  @p alg is one of
 * SW_MAC_HMAC_MD5 / _SHA1 / _SHA256 / _SHA384 (plain HMAC; the RFC 4757
 * MD5-of-MD5 construction is built by the caller).  Writes the full digest.
 * @return digest length, or -EINVAL / -EIO.
 */
int sw_sig_hmac(enum sw_mac_alg alg, const uint8_t *key, size_t key_len,
		const struct sw_sig_iov *iov, unsigned int n, uint8_t out[SW_SIG_DIGEST_MAX]);

/** MD5 over the concatenation of @p n pieces.  @return 0 or -EIO. */
int sw_sig_md5(const struct sw_sig_iov *iov, unsigned int n, uint8_t out[16]);

/** MD4 / SHA-256 over the concatenation of @p n pieces.  @return 0 or -EIO. */
int sw_sig_md4(const struct sw_sig_iov *iov, unsigned int n, uint8_t out[16]);
int sw_sig_sha256(const struct sw_sig_iov *iov, unsigned int n, uint8_t out[32]);

/** Random bytes from the private context's DRBG.  @return 0, -EINVAL or -EIO. */
int sw_sig_random(void *out, size_t len);

/** RC4 with a 16-byte key, fresh state: out = in XOR keystream.  @return 0 or -EIO. */
int sw_sig_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len);

/**
 * Kerberos key derivation with a caller-given constant: RFC 3961 §5.1
 * DK(key, constant) for enctypes 17/18 (OpenSSL KRB5KDF, AES-CBC), RFC 8009
 * §3 KDF-HMAC-SHA2(key, constant, out_len * 8) for 19/20 (OpenSSL KBKDF,
 * counter mode).  @p out_len must be the key size for 17/18; 16, 24 or 32
 * for 19/20.
 * @return 0, -EINVAL (lengths), -ENOTSUP (enctype), -EIO.
 */
int sw_sig_krb_derive(int enctype, const uint8_t *key, size_t key_len, const uint8_t *constant,
		      size_t constant_len, uint8_t *out, size_t out_len);

/**
 * The enctype's RFC 3961 checksum of @p msg with key usage @p usage:
 * hmac-sha1-96-aes128/256 (RFC 3962), hmac-sha256-128-aes128 /
 * hmac-sha384-192-aes256 (RFC 8009), or hmac-md5 for rc4-hmac (RFC 4757 §4,
 * untruncated, 16 bytes).  For known-answer tests of the pieces sw_sig_sign
 * builds MIC tokens from.
 * @return checksum length, or -EINVAL / -ENOTSUP / -EIO.
 */
int sw_sig_krb_checksum(int enctype, const uint8_t *key, size_t key_len, uint32_t usage,
			const uint8_t *msg, size_t len, uint8_t out[SW_SIG_DIGEST_MAX]);

/* Token framing (sig_ntlm.c, sig_krb.c), shared with the compact keys (sig_ckey.c). */
extern const uint8_t sw_sig_rc4_frame[SW_SIG_RC4_FRAME_LEN];
extern const uint8_t sw_sig_rc4_hdr[SW_SIG_RC4_HDR_LEN];
int sw_sig_ntlm_framing_ok(const uint8_t *token);
int sw_sig_rc4_framing_ok(const uint8_t *token);
int sw_sig_cfx_framing_ok(unsigned int dir, const uint8_t *token);

/* Per-mechanism halves of the public functions in sig.c. */
int sw_sig_ntlm_sign(const struct sw_sig_key *k, const uint8_t *buf, size_t len, uint8_t *token);
int sw_sig_ntlm_verify(const struct sw_sig_key *k, const uint8_t *buf, size_t len,
		       const uint8_t *token);
int sw_sig_ntlm_job_prep(const struct sw_sig_key *k, uint8_t *slot, uint32_t len,
			 const uint8_t *token, uint8_t tag_scratch[SW_MAC_TAG_MAX],
			 struct sw_mac_job *job);

int sw_sig_krb_sign(const struct sw_sig_key *k, const uint8_t *buf, size_t len, uint64_t seq,
		    uint8_t *token);
int sw_sig_krb_verify(const struct sw_sig_key *k, const uint8_t *buf, size_t len,
		      const uint8_t *token);
int sw_sig_krb_job_prep(const struct sw_sig_key *k, uint8_t *slot, uint32_t len,
			const uint8_t *token, uint8_t tag_scratch[SW_MAC_TAG_MAX],
			struct sw_mac_job *job);
int sw_sig_rc4_post_check(const struct sw_sig_key *k, const uint8_t *token);
int sw_sig_rc4_dir_check(const struct sw_sig_key *k, const uint8_t cksum[8], const uint8_t seq[8]);

#ifdef __cplusplus
}
#endif

#endif /* SW_SIG_PRIV_H */
