#ifndef SW_SIG_H
#define SW_SIG_H

/**
 * @file
 * MS-SIPAE signatures: the NTLM datagram MAC (MS-NLMP §3.4.4.2, sequence
 * number fixed at 100) and the Kerberos GSS MIC (RFC 4121 §4.2.6.1 for
 * enctypes 17/18/19/20, RFC 4757 §7.2 for 23) over the signed buffer of
 * PROTOCOL.md §2.  One struct sw_sig_key per SA and direction holds every
 * derived key, so a signature or a verification costs one HMAC.
 *
 * Batch verification on the fast path: the signed buffer is written into a
 * slot with SW_SIG_HEADROOM bytes before and SW_SIG_TAILROOM bytes after it;
 * sw_sig_job_prep() adds the mechanism's framing around it in place and
 * fills a struct sw_mac_job for sw_mac_verify_burst().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/mac.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sw_scheme {
	SW_SCHEME_NONE = 0,
	SW_SCHEME_NTLM,
	SW_SCHEME_KERBEROS,
};

/** Who signs with this key. */
enum sw_dir {
	SW_DIR_C2S = 0, /**< client signs, server verifies (requests) */
	SW_DIR_S2C = 1, /**< server signs, client verifies (responses) */
};

/** Kerberos enctypes supported (RFC 3961 numbering). */
#define SW_ENCTYPE_AES128_SHA1 17
#define SW_ENCTYPE_AES256_SHA1 18
#define SW_ENCTYPE_AES128_SHA256 19
#define SW_ENCTYPE_AES256_SHA384 20
#define SW_ENCTYPE_RC4_HMAC 23

#define SW_SIG_HEADROOM 16u  /**< bytes reserved before the buffer in a slot */
#define SW_SIG_TAILROOM 16u  /**< bytes reserved after it */
#define SW_SIG_TOKEN_MAX 40u /**< largest token (aes256-sha384: 16 + 24) */

#define SW_NTLM_SEQ 100u /**< every deployed peer uses 100 (PROTOCOL.md §3) */

/** Per-SA, per-direction key state.  Private fields; wipe with sw_sig_key_wipe(). */
struct sw_sig_key {
	struct sw_mac_key mac; /* NTLM SignKey; Kerberos Kc; RC4 Ksign */
	uint8_t scheme;        /* enum sw_scheme */
	uint8_t enctype;       /* Kerberos enctype, 0 for NTLM */
	uint8_t dir;           /* enum sw_dir */
	uint8_t cksum_len;     /* bytes of checksum in the token */
	uint8_t token_len;     /* whole token: 16, 28, 32, 40 or 37 */
	uint8_t tok_flags;     /* RFC 4121 token flags set on sign (AcceptorSubkey) */
	uint8_t pad_[2];
	uint8_t ntlm_ks[8];    /* NTLM: RC4(MD5(SealKey || LE32(100))) first 8 bytes */
	uint8_t rc4_kseq[16];  /* enctype 23: HMAC-MD5(Kss, LE32(0)), for SND_SEQ */
};

/**
 * Derive NTLM keys from the 16-byte ExportedSessionKey (extended session
 * security, 128-bit, key exchange).  Control plane / client only.
 * @return 0 or -EINVAL.
 */
int sw_sig_key_init_ntlm(struct sw_sig_key *k, const uint8_t session_key[16], enum sw_dir dir);

/**
 * Derive Kerberos MIC keys from the context key (the authenticator subkey,
 * or the acceptor subkey once asserted).  Usage 25 when the initiator signs
 * (SW_DIR_C2S), 23 when the acceptor signs (RFC 4121 §2).
 * @return 0, -EINVAL (key length does not match), -ENOTSUP (enctype).
 */
int sw_sig_key_init_krb(struct sw_sig_key *k, int enctype, const uint8_t *key, size_t key_len,
			enum sw_dir dir);

/** RFC 4121 §4.2.2 token flag AcceptorSubkey. */
#define SW_SIG_KRB_FLAG_ACCEPTOR_SUBKEY 0x04u

/**
 * Declare that the context key of a Kerberos CFX key (enctypes 17-20) is the
 * acceptor's subkey (asserted in an AP-REP, i.e. mutual authentication):
 * sw_sig_sign() then sets AcceptorSubkey (0x04) in the token flags, as MIT
 * does (RFC 4121 §4.2.2).  sw_sig_verify() accepts the flag either way.
 * Call after sw_sig_key_init_krb(), before the key is published.
 * @return 0, or -EINVAL (not a CFX Kerberos key).
 */
int sw_sig_key_set_acceptor_subkey(struct sw_sig_key *k, int on);

/** Zero a key.  NULL is a no-op. */
void sw_sig_key_wipe(struct sw_sig_key *k);

/** Token length for this key (what sw_sig_sign writes, what verify expects). */
static inline size_t
sw_sig_token_len(const struct sw_sig_key *k)
{
	return k->token_len;
}

/**
 * Sign @p buf (scalar; control plane, client, tests).  @p seq is the
 * Kerberos sequence number placed in the token (ignored for NTLM, which uses
 * SW_NTLM_SEQ).  Writes sw_sig_token_len(k) bytes to @p token.
 * @return token length, or -ENOSPC / -EINVAL, or -EIO if the crypto
 *   library fails.
 */
int sw_sig_sign(const struct sw_sig_key *k, const uint8_t *buf, size_t len, uint64_t seq,
		uint8_t *token, size_t token_cap);

/**
 * Verify a token over @p buf (scalar).  Constant-time checksum compare.
 * For enctype 23 this also runs sw_sig_post_check() (direction).
 * @return 0 if valid, -EBADMSG if not (wrong length, framing, checksum or
 *   direction), -EINVAL (bad arguments), -EIO (crypto library failure).
 */
int sw_sig_verify(const struct sw_sig_key *k, const uint8_t *buf, size_t len,
		  const uint8_t *token, size_t token_len);

/**
 * The part of verification that needs the checksum to have matched first:
 * for enctype 23, decrypt SND_SEQ and check its direction filler (RFC 4757
 * §7.2; MIT kg_unseal), which is what stops a server's own token being
 * reflected back as a client's -- both directions share one checksum key.
 * 0 for every other key.  sw_sig_job_prep() cannot do this without
 * allocating, and the check must not run before the tag matched (it computes
 * on the received checksum, which stays secret until then: tests/crypto/
 * test_ct.c), so a caller of the batch path must run sw_sig_job_post_check()
 * on each job whose tag matched.  Allocates (OpenSSL) for enctype 23 only,
 * as signing with such a key does.
 * @return 0, -EBADMSG (wrong length or direction), -EINVAL, -EIO.
 */
int sw_sig_post_check(const struct sw_sig_key *k, const uint8_t *token, size_t token_len);

/**
 * sw_sig_post_check() for a job from sw_sig_job_prep() whose tag matched:
 * job_prep keeps what the check needs in the tag scratch.
 * @return 0 (also for every key but enctype 23), -EBADMSG, -EINVAL, -EIO.
 */
int sw_sig_job_post_check(const struct sw_sig_key *k, const struct sw_mac_job *job);

/**
 * Prepare one batch job.  The signed buffer is at slot[SW_SIG_HEADROOM ..
 * SW_SIG_HEADROOM + len) and the slot has SW_SIG_TAILROOM bytes after it;
 * this writes the mechanism framing into the head/tail room and fills @p job
 * (pointing into slot and @p tag_scratch, which must outlive the job).
 * Does not allocate, lock or log.  The expected tag is copied into
 * @p tag_scratch, so @p token need not outlive the job.  For enctype 23 the
 * direction check is left to sw_sig_job_post_check().
 * @return 0, or -EBADMSG if the token's length or fixed framing is wrong
 *   (then the message is a bad signature without spending an HMAC),
 *   -EMSGSIZE if the framed buffer exceeds SW_MAC_MSG_MAX, -EINVAL.
 */
int sw_sig_job_prep(const struct sw_sig_key *k, uint8_t *slot, uint32_t len,
		    const uint8_t *token, size_t token_len, uint8_t tag_scratch[SW_MAC_TAG_MAX],
		    struct sw_mac_job *job);

/*
 * Compact keys: the lcore view of one direction's key.
 */

/** Largest compact key: 8 header bytes + SHA-384's two 64-byte pad states. */
#define SW_SIG_CKEY_MAX 136u

/**
 * What batch verification and response signing need of one direction's key
 * and nothing else: no raw key, pad states of the hash's actual chaining
 * size.  Variable length: sw_sig_ckey_size() bytes (48 for NTLM and the
 * HMAC-SHA1 enctypes, 56 for rc4-hmac, 72 for HMAC-SHA256, 136 for
 * HMAC-SHA384), so an SA record can hold it in a byte area of that size
 * (8-byte aligned); only those bytes are ever read or written.  Made from a
 * full struct sw_sig_key by sw_sig_ckey_init() on the control plane, then
 * read-only.  Fields are private to crypto/.
 */
struct sw_sig_ckey {
	uint8_t alg;       /* enum sw_mac_alg */
	uint8_t state_len; /* bytes per pad state: 16, 20, 32 or 64 */
	uint8_t scheme;    /* enum sw_scheme */
	uint8_t enctype;
	uint8_t dir; /* enum sw_dir */
	uint8_t cksum_len;
	uint8_t token_len;
	uint8_t tok_flags;
	/* NTLM: keystream[8]; rc4-hmac: Kseq step[16]; then ipad, opad states. */
	uint8_t b[SW_SIG_CKEY_MAX - 8];
};

/** Bytes of @p ck that are used (a multiple of 8). */
size_t sw_sig_ckey_size(const struct sw_sig_ckey *ck);

/** Bytes a compact copy of @p k takes, or 0 if @p k is not an initialised key. */
size_t sw_sig_ckey_size_of(const struct sw_sig_key *k);

/**
 * Write the compact form of @p k to @p ck, which has room for @p cap bytes
 * (the rest of the struct is never touched).  Control plane.
 * @return the size written, or -EINVAL (not a key), -ENOSPC (@p cap short).
 */
int sw_sig_ckey_init(struct sw_sig_ckey *ck, size_t cap, const struct sw_sig_key *k);

/** Zero the sw_sig_ckey_size() bytes of @p ck.  NULL is a no-op. */
void sw_sig_ckey_wipe(struct sw_sig_ckey *ck);

/** sw_sig_job_prep() with a compact key: the job carries the pad states
 *  (struct sw_mac_job, compact form).  Does not allocate, lock or log. */
int sw_sig_ckey_job_prep(const struct sw_sig_ckey *ck, uint8_t *slot, uint32_t len,
			 const uint8_t *token, size_t token_len,
			 uint8_t tag_scratch[SW_MAC_TAG_MAX], struct sw_mac_job *job);

/**
 * sw_sig_sign() with a compact key: one scalar HMAC resumed from the pad
 * states.  Does not allocate, lock or log, except for rc4-hmac keys, whose
 * encrypted SND_SEQ goes through OpenSSL (RC4).
 * @return token length, or -ENOSPC / -EINVAL / -EIO.
 */
int sw_sig_ckey_sign(const struct sw_sig_ckey *ck, const uint8_t *buf, size_t len, uint64_t seq,
		     uint8_t *token, size_t token_cap);

/**
 * sw_sig_ckey_sign() in two halves around one sw_mac_compute_burst(), so the
 * responses an lcore relays in a burst are signed by the multi-buffer engine
 * rather than by one scalar HMAC each.  The signed buffer is at
 * slot[SW_SIG_HEADROOM .. SW_SIG_HEADROOM + len) as for sw_sig_ckey_job_prep();
 * prep writes the framing into the head / tail room and the token's fixed
 * part into @p token (which must outlive the job) and fills @p job (its tag
 * is unused).  Does not allocate, lock or log.
 * @return 0, -ENOTSUP for rc4-hmac keys (their SND_SEQ is encrypted under a
 *   key derived from the checksum: sign those with sw_sig_ckey_sign()),
 *   -EMSGSIZE if the framed buffer exceeds SW_MAC_MSG_MAX, -EINVAL.
 */
int sw_sig_ckey_sign_prep(const struct sw_sig_ckey *ck, uint8_t *slot, uint32_t len, uint64_t seq,
			  uint8_t token[SW_SIG_TOKEN_MAX], struct sw_mac_job *job);

/**
 * Second half: put the burst's digest for the job of sw_sig_ckey_sign_prep()
 * into @p token, which then equals sw_sig_ckey_sign()'s for the same buffer
 * and sequence number.  @return the token length, or -EINVAL.
 */
int sw_sig_ckey_sign_finish(const struct sw_sig_ckey *ck, const uint8_t digest[SW_MAC_TAG_MAX],
			    uint8_t token[SW_SIG_TOKEN_MAX]);

/** sw_sig_verify() with a compact key (same returns; constant-time compare). */
int sw_sig_ckey_verify(const struct sw_sig_ckey *ck, const uint8_t *buf, size_t len,
		       const uint8_t *token, size_t token_len);

/** sw_sig_post_check() with a compact key.  Allocates for rc4-hmac. */
int sw_sig_ckey_post_check(const struct sw_sig_ckey *ck, const uint8_t *token, size_t token_len);

/** sw_sig_job_post_check() with a compact key: every caller of
 *  sw_sig_ckey_job_prep() runs it on each job whose tag matched. */
int sw_sig_ckey_job_post_check(const struct sw_sig_ckey *ck, const struct sw_mac_job *job);

/** Scheme from its wire token ("NTLM", "Kerberos"; case-insensitive).
 *  SW_SCHEME_NONE for anything else. */
enum sw_scheme sw_scheme_from(const char *p, size_t len);

/** Wire token of a scheme ("NTLM", "Kerberos"), or NULL for NONE/unknown. */
const char *sw_scheme_name(enum sw_scheme s);

/*
 * Hex helpers for the response/rspauth parameters (case-insensitive decode).
 */

/** Decode @p len hex digits into out[len/2]; @return bytes, or -EINVAL
 *  (odd length, not a hex digit), -ENOSPC (len/2 > cap). */
int sw_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap);

/**
 * Encode @p len bytes as 2*len upper-case hex digits plus a NUL (as
 * pidgin-sipe writes response=; decoding is case-insensitive anyway).
 * @return 2*len, or -ENOSPC if @p cap < 2*len + 1 (nothing written).
 */
int sw_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/**
 * Write the 2*@p n hex digits of in[0, n) at out[0, 2n), upper or lower
 * case; no NUL, no bounds check (the caller's).  Eight bytes a step where
 * SSE2 is built.  Used on the lcore (opaque, flow tokens) and by
 * sw_hex_encode().
 */
void sw_hex_put(const uint8_t *in, size_t n, char *out, bool upper);

#ifdef __cplusplus
}
#endif

#endif /* SW_SIG_H */
