#ifndef SW_MAC_PRIV_H
#define SW_MAC_PRIV_H

/*
 * Private to crypto/mac*.c: the engine layout and the calls between the
 * dispatcher (mac.c), the reference engine (mac_ref.c) and the multi-buffer
 * engine (mac_mb.c).  No library types appear here; each library stays
 * inside the one .c file that uses it.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/mac.h"

/*
 * Wipe key-dependent scratch on the per-message paths (HMAC states, digests):
 * glibc's explicit_bzero() is its vector memset behind a compiler barrier,
 * where OPENSSL_cleanse() stores a byte or a word at a time (~480
 * instructions for one HMAC scratch, a tenth of a flow token's cost).
 */
static inline void
sw_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/* Where an algorithm runs.  The first three index intel-ipsec-mb managers. */
enum sw_mac_arch {
	SW_MAC_ARCH_SSE = 0,
	SW_MAC_ARCH_AVX2,
	SW_MAC_ARCH_AVX512,
	SW_MAC_ARCH_OPENSSL,
	SW_MAC_ARCH_NUM
};

#define SW_MAC_MB_ARCH_NUM SW_MAC_ARCH_OPENSSL /* archs backed by a manager */

struct sw_mac_ref; /* scalar HMAC scratch, mac_ref.c */
struct sw_mac_mb;  /* intel-ipsec-mb managers and jobs, mac_mb.c */

/* One per polling thread; see sw_mac_engine_create(). */
struct sw_mac_engine {
	struct sw_mac_mb *mb;	/* NULL for the reference engine */
	struct sw_mac_ref *ref; /* always: REF engine, zero-length jobs, MD5 of MD5 */
	uint8_t impl;		/* enum sw_mac_impl */
	/* enum sw_mac_arch that runs a group of n jobs of one algorithm. */
	uint8_t pick[SW_MAC_ALG_MAX][SW_MAC_BURST_MAX + 1];
	uint32_t probe_ns[SW_MAC_ALG_MAX][SW_MAC_ARCH_NUM]; /* per message, n = 32 */
	/* Full digests of the burst in progress, indexed like the caller's jobs. */
	uint8_t digest[SW_MAC_BURST_MAX][SW_MAC_TAG_MAX] __attribute__((aligned(64)));
};

/* Digest length; @p alg must already be valid. */
static inline unsigned int
sw_mac_alg_dlen(unsigned int alg)
{
	static const uint8_t dlen[SW_MAC_ALG_MAX] = {
		[SW_MAC_HMAC_MD5] = 16,	   [SW_MAC_HMAC_SHA1] = 20,	  [SW_MAC_HMAC_SHA256] = 32,
		[SW_MAC_HMAC_SHA384] = 48, [SW_MAC_HMAC_MD5_OF_MD5] = 16,
	};

	return dlen[alg];
}

/* Pad-state length (the chaining value); @p alg must already be valid. */
static inline unsigned int
sw_mac_alg_slen(unsigned int alg)
{
	static const uint8_t slen[SW_MAC_ALG_MAX] = {
		[SW_MAC_HMAC_MD5] = 16,	   [SW_MAC_HMAC_SHA1] = 20,	  [SW_MAC_HMAC_SHA256] = 32,
		[SW_MAC_HMAC_SHA384] = 64, [SW_MAC_HMAC_MD5_OF_MD5] = 16,
	};

	return slen[alg];
}

/* A job's algorithm and pad states, whichever form its key has. */
static inline unsigned int
sw_mac_job_alg(const struct sw_mac_job *j)
{
	return j->key != NULL ? j->key->alg : j->alg;
}

static inline const uint8_t *
sw_mac_job_ipad(const struct sw_mac_job *j)
{
	return j->key != NULL ? j->key->ipad_state : j->ipad;
}

static inline const uint8_t *
sw_mac_job_opad(const struct sw_mac_job *j)
{
	return j->key != NULL ? j->key->opad_state : j->opad;
}

/* HMAC block length (RFC 2104 "B"); @p alg must already be valid. */
static inline unsigned int
sw_mac_alg_blen(unsigned int alg)
{
	return alg == SW_MAC_HMAC_SHA384 ? 128u : 64u;
}

/* mac_ref.c: OpenSSL digests, one message at a time, no allocation. */
int sw_mac_ref_new(struct sw_mac_ref **ref_out);
void sw_mac_ref_free(struct sw_mac_ref *ref);
/* Full digest of one (validated) job into @p out, from the raw key. */
void sw_mac_ref_one(struct sw_mac_ref *ref, const struct sw_mac_job *job, uint8_t *out);
/* HMAC with @p key's hash over @p msg (for MD5-of-MD5: the outer HMAC only). */
void sw_mac_ref_hmac(struct sw_mac_ref *ref, const struct sw_mac_key *key, const uint8_t *msg,
		     size_t len, uint8_t *out);
/* Plain digest (MD5 for both MD5 algorithms); for keys longer than a block. */
void sw_mac_ref_hash(enum sw_mac_alg alg, const uint8_t *msg, size_t len, uint8_t *out);
/*
 * HMAC from pad states (no raw key): the hash resumes from @p ipad over the
 * @p n pieces, then from @p opad over the inner digest.  For
 * SW_MAC_HMAC_MD5_OF_MD5 the pieces are MD5-ed first (RFC 4757 §3).
 * Allocation-free (stack contexts, wiped).  Writes the full digest.
 */
void sw_mac_ref_hmac_st(unsigned int alg, const uint8_t *ipad, const uint8_t *opad,
			const uint8_t *const *p, const size_t *len, unsigned int n, uint8_t *out);
/* Plain MD5, for the inner hash of SW_MAC_HMAC_MD5_OF_MD5. */
void sw_mac_ref_md5(struct sw_mac_ref *ref, const uint8_t *msg, size_t len, uint8_t out[16]);
/* Wipe key-derived state left in the scratch. */
void sw_mac_ref_scrub(struct sw_mac_ref *ref);
/* The reference engine: eng->digest[i] for every (validated) job. */
void sw_mac_ref_run(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n);

/*
 * mac_mb.c.  sw_mac_mb_new() fills eng->mb, eng->pick[] and eng->probe_ns[]:
 * it times every supported architecture and the scalar path unless @p pinned
 * names one (SW_MAC_ARCH_SSE .. SW_MAC_ARCH_AVX512; SW_MAC_ARCH_NUM =
 * measure).
 */
int sw_mac_mb_new(struct sw_mac_engine *eng, enum sw_mac_arch pinned);
void sw_mac_mb_free(struct sw_mac_mb *mb);
/* eng->digest[i] for every (validated) job; 0 or -EIO. */
int sw_mac_mb_run(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n);
/* HMAC pad states in intel-ipsec-mb's format, from a key of at most one block. */
int sw_mac_mb_pad_states(enum sw_mac_alg alg, const uint8_t *kblock, uint8_t ipad_state[64],
			 uint8_t opad_state[64]);

#endif /* SW_MAC_PRIV_H */
