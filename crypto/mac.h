#ifndef SW_MAC_H
#define SW_MAC_H

/**
 * @file
 * Batch computation and verification of HMAC tags: the primitive under every
 * MS-SIPAE signature (NTLM: HMAC-MD5; Kerberos: HMAC-SHA1-96, HMAC-SHA256-128,
 * HMAC-SHA384-192, and RFC 4757's HMAC-MD5 over MD5).
 *
 * Two interchangeable engines: the multi-buffer one (intel-ipsec-mb; the
 * architecture is chosen per algorithm by measuring at create time) used on
 * polling lcores, and a scalar OpenSSL reference engine used by tests, the
 * client and as a fallback.  Callers never see either library's types.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest batch accepted by the burst functions. */
#define SW_MAC_BURST_MAX 64u

/** Largest tag (full digest), in bytes, any supported algorithm produces. */
#define SW_MAC_TAG_MAX 48u

/** Largest message accepted by a job (a SIP datagram plus token framing). */
#define SW_MAC_MSG_MAX 65600u

enum sw_mac_alg {
	SW_MAC_HMAC_MD5 = 1,    /**< NTLM (MS-NLMP §3.4.4.2) */
	SW_MAC_HMAC_SHA1,       /**< Kerberos 17/18 (RFC 3962) */
	SW_MAC_HMAC_SHA256,     /**< Kerberos 19 (RFC 8009) */
	SW_MAC_HMAC_SHA384,     /**< Kerberos 20 (RFC 8009) */
	SW_MAC_HMAC_MD5_OF_MD5, /**< Kerberos 23: HMAC-MD5(K, MD5(msg)) (RFC 4757 §3) */
	SW_MAC_ALG_MAX
};

enum sw_mac_impl {
	SW_MAC_IMPL_MB,  /**< intel-ipsec-mb, fastest arch per algorithm */
	SW_MAC_IMPL_REF, /**< OpenSSL, one message at a time */
};

/**
 * Per-key state.  Filled by sw_mac_key_init() on the control plane, then
 * read-only; fields are private to crypto/.
 */
struct sw_mac_key {
	uint8_t alg; /* enum sw_mac_alg */
	uint8_t raw_len;
	uint8_t pad_[6];
	uint8_t ipad_state[64]; /* compression state after K ^ ipad (MB engine) */
	uint8_t opad_state[64]; /* compression state after K ^ opad */
	uint8_t raw[128];       /* the key, or H(key) if longer than a block (REF
				 * engine); 128 = the SHA-384 block */
};

/** Largest HMAC pad state: SHA-384 runs on SHA-512's 64-byte chaining value. */
#define SW_MAC_STATE_MAX 64u

/**
 * One request.  All pointers are borrowed; nothing is copied or kept.
 *
 * The key is either a full struct sw_mac_key (@p key; tests, client, the
 * reference engine from the raw key) or a compact one: @p key NULL and
 * @p alg, @p ipad, @p opad giving the two pad states
 * (sw_mac_state_len(alg) bytes each, e.g. from a struct sw_sig_ckey), which
 * is all the polling lcores keep per SA.  Both engines accept both forms; for
 * a compact key the scalar path hashes on from the pad states.
 */
struct sw_mac_job {
	const struct sw_mac_key *key; /**< full key, or NULL for a compact key */
	const uint8_t *ipad;          /**< compact key: state after K ^ ipad */
	const uint8_t *opad;          /**< compact key: state after K ^ opad */
	const uint8_t *msg;
	const uint8_t *tag; /**< verify: expected tag; compute: ignored */
	uint32_t msg_len;   /**< <= SW_MAC_MSG_MAX */
	uint8_t tag_len;    /**< bytes compared / produced, 1..digest size */
	uint8_t alg;        /**< compact key: enum sw_mac_alg (ignored with @p key) */
};

struct sw_mac_engine;

/** Digest size of @p alg in bytes (16, 20, 32, 48), or 0 if unknown. */
unsigned int sw_mac_digest_len(enum sw_mac_alg alg);

/** Bytes of one pad state of @p alg (MD5 16, SHA-1 20, SHA-256 32, SHA-384 64:
 *  the hash's chaining value, not its output), or 0 if unknown. */
unsigned int sw_mac_state_len(enum sw_mac_alg alg);

/**
 * Precompute key state (ipad/opad compression states and the raw key).
 * A key longer than the hash block (64 bytes; 128 for SHA-384) is replaced
 * by its digest first, as RFC 2104 §2 specifies; any length is accepted.
 * Control plane only (any thread; the first call sets up a shared
 * intel-ipsec-mb manager for the pad helpers); wipes its stack copies.
 * @return 0, -EINVAL (NULL @p key, unknown algorithm, NULL @p raw with a
 *   non-zero length), or -ENOMEM (the shared key-setup manager could not be
 *   created; @p key is then zeroed).
 */
int sw_mac_key_init(struct sw_mac_key *key, enum sw_mac_alg alg, const uint8_t *raw,
		    size_t raw_len);

/** Zero a key before its memory is reused or freed.  NULL is a no-op. */
void sw_mac_key_wipe(struct sw_mac_key *key);

/**
 * Create an engine for the calling thread.  For SW_MAC_IMPL_MB this
 * self-tests every architecture the CPU supports (SSE, AVX2, AVX-512)
 * against OpenSSL, then times them (about 2 ms in all) and keeps the fastest
 * per algorithm and per group size; see sw_mac_engine_arch_n().  Never call
 * from a polling loop.
 * @param[out] eng_out  the new engine, or NULL on failure.
 * @return 0, -EINVAL (unknown @p impl, NULL @p eng_out), -ENOMEM, or
 *   -ENOTSUP if the library is unusable on this CPU.
 */
int sw_mac_engine_create(enum sw_mac_impl impl, struct sw_mac_engine **eng_out);

/**
 * Create a multi-buffer engine pinned to one intel-ipsec-mb architecture
 * ("sse", "avx2" or "avx512") for every algorithm, with no timing.  For tests
 * and benchmarks that compare architectures; production code calls
 * sw_mac_engine_create().  Never call from a polling loop.
 * @param[out] eng_out  the new engine, or NULL on failure.
 * @return 0, -EINVAL (unknown name), -ENOMEM, or -ENOTSUP (the CPU lacks it,
 *   or the architecture failed the create-time self-test).
 */
int sw_mac_engine_create_arch(const char *arch, struct sw_mac_engine **eng_out);

/** Free an engine and wipe its scratch.  NULL is a no-op. */
void sw_mac_engine_free(struct sw_mac_engine *eng);

/**
 * Implementation that runs @p n jobs of @p alg (1 .. SW_MAC_BURST_MAX) in
 * one burst: "sse", "avx2", "avx512" or "openssl".  The multi-buffer engine
 * picks per algorithm and per group size, because a wide architecture pays
 * for all its lanes even when few are filled: small groups may run on a
 * narrower one or on OpenSSL.  Always "openssl" for the reference engine,
 * and for SW_MAC_HMAC_MD5_OF_MD5 (its inner MD5 runs there; the outer
 * HMAC-MD5 over the 16-byte digest joins the HMAC-MD5 group).  Jobs with
 * an empty message or one over 65534 bytes always run on OpenSSL.  "none"
 * for an unknown @p alg or @p n out of range.  Any thread.
 */
const char *sw_mac_engine_arch_n(const struct sw_mac_engine *eng, enum sw_mac_alg alg,
				 uint16_t n);

/** sw_mac_engine_arch_n() for a group of 32 jobs. */
const char *sw_mac_engine_arch(const struct sw_mac_engine *eng, enum sw_mac_alg alg);

/**
 * What sw_mac_engine_create() measured, in nanoseconds per 700-byte message
 * (best of three runs): @p alg on @p arch ("sse", "avx2", "avx512") in a
 * group of 32, or on "openssl" (one message at a time).  0 if not measured
 * (reference or pinned engine, unsupported architecture,
 * SW_MAC_HMAC_MD5_OF_MD5).  For logs and benchmarks.  Any thread.
 */
unsigned int sw_mac_engine_probe_ns(const struct sw_mac_engine *eng, enum sw_mac_alg alg,
				    const char *arch);

/**
 * Verify @p n jobs (n <= SW_MAC_BURST_MAX); jobs may mix keys, algorithms and
 * lengths (0 .. SW_MAC_MSG_MAX).  ok[i] = 1 when job i's tag matches, else 0;
 * compared in constant time.  Jobs are grouped by algorithm internally; the
 * caller's array is neither reordered nor written.  An engine is used by one
 * thread at a time.  Does not allocate, lock or log: safe inside a polling
 * loop.
 * @return number of matching tags, or -EINVAL (n too large, bad job: NULL or
 *   uninitialised key, NULL msg with a non-zero length, msg_len over
 *   SW_MAC_MSG_MAX, tag_len 0 or over the digest size, NULL tag) or -EIO
 *   (intel-ipsec-mb rejected a job; not expected) with ok[] all zero.
 */
int sw_mac_verify_burst(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n,
			uint8_t *ok);

/**
 * Compute the tags of @p n jobs into tags[i][0 .. jobs[i].tag_len) (the
 * rest of each row is left untouched); jobs[i].tag is ignored.
 * Does not allocate, lock or log.
 * @return n, or -EINVAL / -EIO as for sw_mac_verify_burst() (nothing written).
 */
int sw_mac_compute_burst(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n,
			 uint8_t (*tags)[SW_MAC_TAG_MAX]);

/** Constant-time equality of two byte strings of length @p n: 1 or 0. */
int sw_mac_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* SW_MAC_H */
