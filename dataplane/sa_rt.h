#ifndef SW_SA_RT_H
#define SW_SA_RT_H

/*
 * CHANGES (issue 3, control plane; the lead's first version had the same
 * fields unless listed here):
 *  - expires_tsc -> expires_ms, and every time in this header is in
 *    milliseconds of the engine's monotonic clock: the same now_ms the engine
 *    gives sw_cp_handle_*() and sw_cp_tick() (compute it once per burst from
 *    the TSC).  Keeps the record DPDK-free and the tests clock-driven.
 *  - struct sw_sa_retx is {digest, ms}: the digest is keyed over the whole
 *    datagram (crypto/digest.h), which already covers cnum and crand, and
 *    the pair is read with a per-slot sequence check (sa_verify.h).
 *  - struct sw_sa_keys gains the base64 AP-REP (mutual authentication) and
 *    the user name grows to 127 bytes; SW_SA_F_UNREG added.
 *  - SW_SA_RETX (slot count) renamed SW_SA_RETX_SLOTS: SW_SA_RETX is now the
 *    "retransmission" outcome of enum sw_sa_rc (sa_verify.h).
 *  - reg_expires_ms (control-plane-written: registration end, 0 = none).
 *  - The helpers that read and write the lcore-written fields are in
 *    dataplane/sa_verify.h; use them rather than the fields directly.
 *  - (issue 4, performance) Hot/cold split: struct sw_sa_rt is one 256-byte
 *    record holding everything a polling lcore reads, the keys as compact
 *    struct sw_sig_ckey copies (pad states only, no raw key); struct
 *    sw_sa_keys is the control plane's cold record (full keys, AP-REP, user,
 *    registration end), never read by lcores.  sw_sa_rt_bind()
 *    (sa_verify.h) makes the compact copies.
 *  - (identity map, issue 3) struct sw_sa_keys gains aor_n/aor[], struct
 *    sw_sa_rt aor_n/aor_off8 (from pad_): the From AORs the SA may use, as
 *    digests in ext (sw_sa_aors()); aor_n 0 keeps the user-part rule.
 *  - (issue 4, memory per SA) The retransmission slots are one 64-bit word
 *    each (digest and time packed, SW_SA_RETX_*), no longer a {digest, ms}
 *    pair: the record is 224 bytes (3.5 cache lines, 32-byte aligned)
 *    instead of 256, so the whole lcore-visible table stays under 256 bytes
 *    per SA with rte_hash's own ~29.
 */

/**
 * @file
 * A security association as the polling lcores see it (DESIGN.md "Security
 * associations"; STYLE.md 10-11).  Records are created, installed and
 * retired only by the control plane (ctrlplane/sa_table.h); lcores find them
 * by opaque with a lock-free rte_hash lookup and may touch only the fields
 * marked "lcore-written", with atomics, so any lcore may serve any SA.
 *
 * A retired record (and its keys) is freed only after an RCU grace period
 * (rte_rcu_qsbr): an lcore that looked it up may keep using it until its
 * next quiescent-state report.
 */

#include <stdbool.h>
#include <stdint.h>

#include "crypto/sig.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The opaque is 16 hex digits on the wire: the record's 64-bit key. */
#define SW_SA_OPAQUE_HEX 16u

/** Recent accepted requests remembered per SA to let byte-identical UDP
 *  retransmissions through (PROTOCOL.md §4). */
#define SW_SA_RETX_SLOTS 4u

/** How long a byte-identical retransmission is accepted again: 64*T1. */
#define SW_SA_RETX_MS 32000u

/** cnum values below the highest accepted one that are still tracked. */
#define SW_SA_WINDOW 32u

/** Largest AP-REP kept, base64 (MIT's AP-REPs are ~150 bytes raw). */
#define SW_SA_AP_REP_B64_MAX 344u

#define SW_SA_F_AP_REP_PENDING 0x01u /**< next response to the client carries the AP-REP */
#define SW_SA_F_DEAD	       0x02u /**< being retired: treat as unknown */
#define SW_SA_F_UNREG	       0x04u /**< a REGISTER Expires: 0 was forwarded */

/**
 * Most SIP AORs one SA may use in From (PROTOCOL.md §4 identity binding):
 * the principal's entries in the [identity] map, or user@domain for each of
 * the [identity] domains.  Kept as keyed digests (sw_digest() under the
 * policy's key) in the record's ext block, so the lcore check is at most
 * this many 64-bit compares.
 */
#define SW_SA_AOR_MAX 16u

/** Longest canonical AOR ("user@host[:port]", sw_sa_aor_canon()), bytes. */
#define SW_SA_AOR_LEN_MAX 255u

/** Bytes of a record's inline key area (compact keys, then the user name). */
#define SW_SA_KB_INLINE 112u

#define SW_SA_KB_BOUND	  0x01u /**< kb[]/ext filled from keys (sw_sa_rt_bind()) */
#define SW_SA_KB_EXT_KEYS 0x02u /**< the compact keys are in ext, not kb[] */
#define SW_SA_KB_EXT_USER 0x04u /**< the user name is in ext, not kb[] */

/**
 * The cold record: key material in full (raw keys, for the reference
 * engine, scalar checks and tests), identity and the AP-REP.  Written by the
 * control plane before install, then read by the control plane only; the
 * polling lcores never touch it (they use the compact copies in struct
 * sw_sa_rt).  Freed with the record, after the grace period.
 */
struct sw_sa_keys {
	struct sw_sig_key c2s;	 /**< verifies the client's signatures */
	struct sw_sig_key s2c;	 /**< makes ours */
	uint64_t krb_seq_s2c0;	 /**< Kerberos: sequence number of our snum 1 */
	uint64_t reg_expires_ms; /**< control-plane-written: registration end, 0 = none */
	uint16_t ap_rep_len;	 /**< bytes of ap_rep_b64; 0 without mutual auth */
	/** From AORs this SA may use: 0 = the user rule (From user part equals
	 *  user, any host); else aor[0..aor_n) are the only ones allowed. */
	uint8_t aor_n;
	uint64_t aor[SW_SA_AOR_MAX]; /**< sw_digest() of each canonical AOR */
	/** sw_digest() of the principal in the map's lookup form (idmap.h), to
	 *  resolve the binding again when the map is reloaded */
	uint64_t id_key;
	uint8_t user_len;
	char user[127];			       /**< authenticated user part (From AOR binding) */
	char ap_rep_b64[SW_SA_AP_REP_B64_MAX]; /**< gssapi-data of the first response */
};

/*
 * One remembered acceptance in one 64-bit word, written and read with single
 * atomic accesses (no sequence check needed): the top SW_SA_RETX_DIGEST_BITS
 * of the datagram's keyed digest (sw_digest()) over the low
 * SW_SA_RETX_TIME_BITS of now_ms; 0 = empty.  38 bits of a keyed digest: a
 * different datagram reusing an accepted (cnum, crand) within 64*T1 passes
 * with probability 2^-38 per try, and every failed try is a counted replay.
 * The time wraps after 2^26 ms (18.6 h), more than twice the longest SA
 * lifetime (8 h, asserted by the control plane), so an old slot can never
 * pass for a recent one.
 */
#define SW_SA_RETX_TIME_BITS   26u
#define SW_SA_RETX_DIGEST_BITS (64u - SW_SA_RETX_TIME_BITS)
#define SW_SA_RETX_TIME_MASK   ((UINT64_C(1) << SW_SA_RETX_TIME_BITS) - 1u)
/** How far a slot's time may be ahead of the reader's now_ms and still
 *  count as recent: every lcore takes now_ms once per burst, and another
 *  lcore may have recorded with a later one. */
#define SW_SA_RETX_AHEAD_MS 1000u
/** Longest SA lifetime the packed time allows (half its wrap), ms. */
#define SW_SA_RETX_LIFETIME_MAX_MS (UINT64_C(1) << (SW_SA_RETX_TIME_BITS - 1u))

/**
 * The lcore-visible record: 224 bytes, 32-byte aligned, so in the table's
 * array every other record starts on a cache line and each one spans four
 * lines, as a 256-byte record did (lcore.c prefetches them).  Bytes 0-63
 * are what every request reads first (lifetime, scheme, version, replay
 * window); bytes 64-191 hold the compact c2s key, then the s2c key, then the
 * user name (kb[], sw_sa_c2s() / sw_sa_s2c() / sw_sa_user()): 48 + 48 bytes
 * of keys for NTLM and the HMAC-SHA1 enctypes leave 16 bytes of user name
 * inline.  Keys or a user name that do not fit (HMAC-SHA2 enctypes, long
 * names) live in ext, a block the control plane allocates at install and
 * frees with the record; so do the allowed From AOR digests of a mapped
 * principal or of the [identity] domains, after everything else, 8-byte
 * aligned.  Bytes 192-223: the retransmission slots, touched at commit.
 */
struct __attribute__((aligned(32))) sw_sa_rt {
	/* Bytes 0-63.  Read-only after install unless marked. */
	uint64_t opaque;
	uint64_t expires_ms;   /**< SA lifetime end (now_ms clock) */
	uint64_t window;       /**< lcore-written: highest cnum (63..32) | seen bitmap (31..0) */
	uint64_t snum;	       /**< lcore-written: last server snum handed out (fetch-add) */
	uint64_t krb_seq_s2c0; /**< Kerberos: sequence number of our snum 1 */
	uint32_t flags;	       /**< SW_SA_F_* (lcore- and control-plane-written) */
	uint32_t retx_next;    /**< lcore-written */
	uint32_t sa_id;
	uint16_t gen;
	uint8_t scheme;	 /**< enum sw_scheme */
	uint8_t version; /**< 2, 3 or 4 */
	uint8_t user_len;
	uint8_t user_off; /**< user name at kb[] or ext + user_off */
	uint8_t s2c_off;  /**< s2c key at kb[] or ext + s2c_off (c2s at offset 0) */
	uint8_t kb_flags; /**< SW_SA_KB_* */
	uint8_t key_off;  /**< keys in ext: at ext + key_off (after a user name there) */
	uint8_t aor_n;	  /**< allowed From AOR digests (0: the user rule), sw_sa_aors() */
	uint8_t aor_off8; /**< they are at ext + 8 * aor_off8 */
	uint8_t pad_;

	/* Bytes 64-191. */
	uint8_t kb[SW_SA_KB_INLINE] __attribute__((aligned(8)));
	uint8_t *ext;		/**< overflow of kb[] (control-plane allocated), or NULL */
	struct sw_sa_keys *keys; /**< the cold record: control plane only */

	/* Bytes 192-223. */
	uint64_t retx[SW_SA_RETX_SLOTS]; /**< lcore-written: packed, see SW_SA_RETX_* */
};

_Static_assert(sizeof(struct sw_sa_rt) == 224, "an SA record is 224 bytes");
_Static_assert(__builtin_offsetof(struct sw_sa_rt, kb) == 64, "bytes 0-63 are the hot fields");
_Static_assert(__builtin_offsetof(struct sw_sa_rt, retx) == 192, "then keys, then retx slots");

/** The record's compact c2s key (what verifies the client's signatures). */
static inline const struct sw_sig_ckey *
sw_sa_c2s(const struct sw_sa_rt *sa)
{
	const uint8_t *b = (sa->kb_flags & SW_SA_KB_EXT_KEYS) != 0 ? sa->ext + sa->key_off : sa->kb;

	return (const struct sw_sig_ckey *)(const void *)b;
}

/** The record's compact s2c key (what signs our responses). */
static inline const struct sw_sig_ckey *
sw_sa_s2c(const struct sw_sa_rt *sa)
{
	const uint8_t *b = (sa->kb_flags & SW_SA_KB_EXT_KEYS) != 0 ? sa->ext + sa->key_off : sa->kb;

	return (const struct sw_sig_ckey *)(const void *)(b + sa->s2c_off);
}

/** The allowed From AOR digests (sa->aor_n of them; none when 0). */
static inline const uint64_t *
sw_sa_aors(const struct sw_sa_rt *sa)
{
	return (const uint64_t *)(const void *)(sa->ext + 8u * sa->aor_off8);
}

/** The authenticated user name (sa->user_len bytes, not NUL-terminated). */
static inline const char *
sw_sa_user(const struct sw_sa_rt *sa)
{
	const uint8_t *b = (sa->kb_flags & SW_SA_KB_EXT_USER) != 0 ? sa->ext : sa->kb;

	return (const char *)(b + sa->user_off);
}

#ifdef __cplusplus
}
#endif

#endif /* SW_SA_RT_H */
