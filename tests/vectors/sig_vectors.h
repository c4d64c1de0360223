#ifndef SW_TEST_SIG_VECTORS_H
#define SW_TEST_SIG_VECTORS_H

/*
 * Published test vectors for the signature code (crypto/sig*.c), one .c per
 * source: ms_nlmp.c, rfc3961.c, rfc3962.c, rfc8009.c, mit_krb5.c.
 */

#include <stddef.h>
#include <stdint.h>

/* MS-NLMP §4.2.1 and §4.2.4 (NTLMv2 with extended session security). */
extern const uint8_t ms_nlmp_random_session_key[16];
extern const uint8_t ms_nlmp_v2_session_base_key[16];
extern const uint8_t ms_nlmp_v2_encrypted_session_key[16];
extern const uint8_t ms_nlmp_v2_client_seal_key[16];
extern const uint8_t ms_nlmp_v2_client_sign_key[16];
extern const uint8_t ms_nlmp_v2_wrap_seq[4];
extern const uint8_t ms_nlmp_v2_wrap_plaintext[18];
extern const uint8_t ms_nlmp_v2_wrap_ciphertext[18];
extern const uint8_t ms_nlmp_v2_wrap_checksum[8];
extern const uint8_t ms_nlmp_v2_wrap_signature[16];

/* RFC 3961 appendix A.1: n-fold. */
struct nfold_vec {
	const char *in;
	unsigned int nbits;
	uint8_t out[24];
};
extern const struct nfold_vec rfc3961_nfold[];
extern const size_t rfc3961_nfold_n;

/* RFC 3962 appendix B: PBKDF2 output (tkey) and DK(tkey, "kerberos"). */
struct s2k_vec {
	unsigned int iterations;
	uint8_t tkey128[16];
	uint8_t key128[16];
	uint8_t tkey256[32];
	uint8_t key256[32];
};
extern const struct s2k_vec rfc3962_s2k[];
extern const size_t rfc3962_s2k_n;

/* A derived key: base key, 5-byte constant, expected output. */
struct derive_vec {
	const char *name;
	int enctype;
	uint8_t key[32];
	size_t key_len;
	uint8_t constant[5];
	uint8_t out[32];
	size_t out_len;
};

/* A checksum: key, usage, message, expected checksum. */
struct cksum_vec {
	const char *name;
	int enctype;
	uint8_t key[32];
	size_t key_len;
	uint32_t usage;
	const uint8_t *msg;
	size_t msg_len;
	uint8_t cksum[24];
	size_t cksum_len;
};

/* RFC 8009 appendix A: key derivation and checksums. */
extern const struct derive_vec rfc8009_derive[];
extern const size_t rfc8009_derive_n;
extern const struct cksum_vec rfc8009_cksum[];
extern const size_t rfc8009_cksum_n;

/* MIT krb5 crypto_tests t_derive.c and t_cksums.c (RFC 3961/3962/4757). */
extern const struct derive_vec mit_derive[];
extern const size_t mit_derive_n;
extern const struct cksum_vec mit_cksum[];
extern const size_t mit_cksum_n;

#endif /* SW_TEST_SIG_VECTORS_H */
