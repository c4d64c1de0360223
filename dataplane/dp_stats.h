#ifndef SW_DP_STATS_H
#define SW_DP_STATS_H

/**
 * @file
 * Engine counters (STYLE.md 16, E5): verdicts and drop reasons declared once
 * in X-macro lists that generate the enums, the telemetry names and the help
 * text.  Per-lcore, single-writer; read by the telemetry thread and at exit.
 */

#include <stdint.h>

#include <rte_common.h>

#include "dataplane/sa_verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What happened to a SIP message (one count per message). */
#define SW_VERDICTS(X)                                                                     \
	X(FWD_UNAUTH, "fwd_unauth", "request forwarded: method needs no authentication")  \
	X(FWD_SIGNED, "fwd_signed", "signed request verified and forwarded")               \
	X(FWD_RETX, "fwd_retx", "verified UDP retransmission forwarded again")             \
	X(CHALLENGE, "challenge", "challenge sent (no credentials)")                       \
	X(RECHALLENGE, "rechallenge", "fresh challenge (bad sig, unknown/expired SA, mismatch)") \
	X(REPLAY, "replay", "replay rejected with a challenge")                            \
	X(TO_CP, "to_cp", "handshake leg / response handed to the control plane")          \
	X(FORBIDDEN, "forbidden", "403: From is not the SA's principal")                   \
	X(TOO_MANY_HOPS, "too_many_hops", "483: Max-Forwards reached 0")                    \
	X(LOOP, "loop", "482: our Via with the same branch already present")               \
	X(BAD_REQUEST, "bad_request", "400 sent (unusable credentials)")                   \
	X(RESP_SIGNED, "resp_signed", "response relayed to a client with an SA, signed")   \
	X(RESP_PLAIN, "resp_plain", "response relayed to a client without an SA")          \
	X(FWD_INBOUND, "fwd_inbound", "request from upstream relayed to its client, signed") \
	X(RESP_UPSTREAM, "resp_upstream", "client's signed response verified, relayed up")  \
	X(FLOW_BAD, "flow_bad", "403 to upstream: flow token in our Route not authentic")    \
	X(FLOW_FAILED, "flow_failed", "430 to upstream: the flow token's SA is gone")        \
	X(EXCEPTION, "exception", "non-SIP packet passed to the kernel (tap)")

enum sw_verdict {
#define X(id, name, help) SW_V_##id,
	SW_VERDICTS(X)
#undef X
	SW_V_MAX
};

/** Why a packet was dropped. */
#define SW_DROP_REASONS(X)                                                                 \
	X(NOT_SIP, "not_sip", "not UDP to a SIP address/port and no exception path")       \
	X(L2, "bad_l2", "truncated or unsupported Ethernet/VLAN header")                   \
	X(L3, "bad_l3", "bad IPv4/IPv6 header")                                            \
	X(FRAG_TABLE, "frag_table",                                                        \
	  "IPv4 fragment that could not be reassembled, on arrival (table full, "          \
	  "overlapping, duplicate, oversized, too many, invalid)")                         \
	X(FRAG_PENDING, "frag_pending", "fragment held for reassembly on arrival (not a loss)") \
	X(FRAG_EXPIRED, "frag_expired",                                                    \
	  "held fragment discarded later: its set timed out, was evicted, overlapped or "  \
	  "had too many fragments (already counted as frag_pending)")                      \
	X(IPV6_FRAG, "ipv6_frag",                                                          \
	  "IPv6 fragment that could not be reassembled, on arrival (table full, "          \
	  "overlapping, duplicate, oversized, too many, invalid)")                         \
	X(LINEARISE, "linearise", "no scratch to linearise a multi-segment datagram")      \
	X(MALFORMED, "malformed", "SIP parse error")                                       \
	X(CSEQ_METHOD, "cseq_method", "CSeq method differs from the request method")       \
	X(AUTH_SYNTAX, "auth_syntax", "ACK/CANCEL whose credentials do not parse (others: 400)") \
	X(ACK_CANCEL, "ack_cancel", "ACK/CANCEL that failed authentication, dropped")      \
	X(SIGBUF, "sigbuf", "unused (too-big signed buffers go to the control plane: sa too_big)") \
	X(RESP_NOT_OURS, "resp_not_ours", "response whose top Via is not ours")            \
	X(RESP_NO_VIA, "resp_no_via", "response without a usable next Via")                \
	X(REQ_FROM_UPSTREAM, "req_from_upstream", "request from upstream without our Route")  \
	X(RSP_UNSIGNED, "rsp_unsigned", "client response to a relayed request, unsigned")   \
	X(RSP_UNVERIFIED, "rsp_unverified", "client response failing verification (sa_*)")  \
	X(CP_RING_FULL, "cp_ring_full", "control-plane ring full")                         \
	X(CP_DOWN, "cp_down", "no control plane (handshakes unavailable)")                 \
	X(DIST_RING_FULL, "dist_ring_full", "software-distribution ring full")             \
	X(NO_MBUF, "no_mbuf", "mbuf pool empty")                                           \
	X(BUILD, "build", "output message did not fit")                                    \
	X(NO_ROUTE, "no_route", "no interface for the destination")                        \
	X(NEIGH_MISS, "neigh_miss", "next hop MAC unresolved (resolution requested)")      \
	X(TX_FULL, "tx_full", "tx queue full")                                             \
	X(CHALLENGE_RATE, "challenge_rate",                                                \
	  "challenge/error answer suppressed: per-source rate limit ([limits] challenge_rate)") \
	X(HANDSHAKE_RATE, "handshake_rate",                                                \
	  "handshake leg not handed to the control plane: per-source rate limit "          \
	  "([limits] handshake_rate)")

enum sw_drop {
#define X(id, name, help) SW_DROP_##id,
	SW_DROP_REASONS(X)
#undef X
	SW_DROP_MAX
};

/** Written only by the owning lcore; read by telemetry. */
struct __rte_cache_aligned sw_dp_stats {
	uint64_t rx;        /**< packets received from ports */
	uint64_t tx;        /**< packets sent */
	uint64_t rx_sip;    /**< SIP datagrams parsed */
	uint64_t verify_bursts; /**< sw_mac_verify_burst() calls */
	uint64_t verify_jobs;   /**< jobs in those calls */
	uint64_t sign_bursts;   /**< sw_mac_compute_burst() calls for what goes to clients */
	uint64_t sign_jobs;     /**< signatures made in those calls */
	uint64_t verified;  /**< tags that matched */
	uint64_t bad_sig;   /**< tags that did not */
	uint64_t polls;     /**< loop iterations */
	uint64_t idle_polls;
	uint64_t sleeps;    /**< adaptive sleeps taken */
	uint64_t record_routed; /**< requests forwarded with our Record-Route */
	uint64_t verdict[SW_V_MAX];
	uint64_t drop[SW_DROP_MAX];
	uint64_t sa_rc[SW_SA_RC_MAX]; /**< outcomes of signed requests (sa_verify.h) */
};

/* Single-writer counter: relaxed load + store compiles to plain moves (no
 * lock prefix) yet gives readers untorn values without a data race. */
static inline void
sw_ctr_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t
sw_ctr_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

extern const char *const sw_verdict_name[SW_V_MAX];
extern const char *const sw_verdict_help[SW_V_MAX];
extern const char *const sw_drop_name[SW_DROP_MAX];
extern const char *const sw_drop_help[SW_DROP_MAX];

/** Sum of @p n stats blocks into @p out (zeroed first). */
void sw_dp_stats_sum(const struct sw_dp_stats *const *st, unsigned int n,
		     struct sw_dp_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* SW_DP_STATS_H */
