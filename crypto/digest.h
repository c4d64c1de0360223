#ifndef SW_DIGEST_H
#define SW_DIGEST_H

/**
 * @file
 * Keyed digest of a whole datagram, for recognising a byte-identical UDP
 * retransmission (PROTOCOL.md §4 and §6) without storing the datagram.
 *
 * GHASH (the GF(2^128) universal hash of AES-GCM, intel-ipsec-mb's IMB_GHASH)
 * keyed with a per-process random H that never leaves the process: two
 * different messages of at most L 16-byte blocks collide with probability
 * at most about (L + 1) / 2^64 over the choice of H, after truncation to the
 * 64 bits returned.  The length is hashed too, so trailing zero bytes
 * matter.  Not a MAC: the output must never be revealed to a peer (GHASH is
 * linear in H), and it is only ever compared for equality inside the
 * process.
 *
 * Cost: one carry-less multiply per 16 bytes (about 40 ns per 1 KB datagram
 * on AVX2 hardware; bench/bench_cp.cc measures it).
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque: expanded hash key and the intel-ipsec-mb entry point. */
struct sw_digest;

/**
 * Create a digest key.  @p key is the 16-byte hash key H, or NULL for a
 * fresh one from the CSPRNG (what production code does).  Control plane
 * only, before the lcores launch.
 * @param[out] out  the new key, or NULL on failure.
 * @return 0, -EINVAL (NULL @p out), -ENOMEM, -EIO (RNG or intel-ipsec-mb
 *   unusable on this CPU).
 */
int sw_digest_init(const uint8_t key[16], struct sw_digest **out);

/** Wipe and free.  NULL is a no-op. */
void sw_digest_free(struct sw_digest *d);

/**
 * 64-bit keyed digest of @p p[0, len).  Any thread, concurrently; does not
 * allocate, lock or log: safe inside a polling loop.
 */
uint64_t sw_digest(const struct sw_digest *d, const void *p, size_t len);

/**
 * The full 128-bit GHASH of the padded message and its length block, as
 * sw_digest() truncates it (first 8 bytes, little-endian).  For tests.
 */
void sw_digest128(const struct sw_digest *d, const void *p, size_t len, uint8_t out[16]);

/**
 * A hash for values that are sent on the wire (our Via branch): the same
 * construction under a second, independent random key, so publishing its
 * outputs reveals nothing about the key of sw_digest()/sw_digest128().  Not
 * a MAC: use only where collisions are harmless (transaction ids).
 */
uint64_t sw_digest_public(const struct sw_digest *d, const void *p, size_t len);

/**
 * sw_digest_public() of two inputs at once (GCM's AAD | ciphertext | lengths
 * layout, so the split point is hashed too): one GHASH chain instead of two
 * digests to combine.  Any thread; does not allocate, lock or log.
 */
uint64_t sw_digest_public2(const struct sw_digest *d, const void *a, size_t alen, const void *b,
			   size_t blen);

#ifdef __cplusplus
}
#endif

#endif /* SW_DIGEST_H */
