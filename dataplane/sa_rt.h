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

/** Key material and identity: written once before install, then read-only. */
struct sw_sa_keys {
	struct sw_sig_key c2s; /**< verifies the client's signatures */
	struct sw_sig_key s2c; /**< makes ours */
	uint64_t krb_seq_s2c0; /**< Kerberos: sequence number of our snum 1 */
	uint16_t ap_rep_len;   /**< bytes of ap_rep_b64; 0 without mutual auth */
	uint8_t user_len;
	char user[127];			       /**< authenticated user part (From AOR binding) */
	char ap_rep_b64[SW_SA_AP_REP_B64_MAX]; /**< gssapi-data of the first response */
};

/** One remembered acceptance: digest of the whole datagram and when. */
struct sw_sa_retx {
	uint64_t digest; /**< sw_digest() of the datagram */
	uint64_t ms;	 /**< accepted at (now_ms); 0 = empty or being written */
};

struct sw_sa_rt {
	/* Read-only after install. */
	uint64_t opaque;
	uint32_t sa_id;
	uint16_t gen;
	uint8_t scheme;	     /**< enum sw_scheme */
	uint8_t version;     /**< 2, 3 or 4 */
	uint64_t expires_ms; /**< SA lifetime end (now_ms clock) */
	const struct sw_sa_keys *keys;
	uint64_t reg_expires_ms; /**< control-plane-written: registration end, 0 = none */

	/* lcore-written, atomics only (sa_verify.h). */
	uint64_t window; /**< replay: highest cnum (bits 63..32) | seen bitmap (31..0) */
	uint64_t snum;	 /**< last server snum handed out (fetch-add) */
	uint32_t flags;	 /**< SW_SA_F_* */
	uint32_t retx_next;
	struct sw_sa_retx retx[SW_SA_RETX_SLOTS];
};

#ifdef __cplusplus
}
#endif

#endif /* SW_SA_RT_H */
