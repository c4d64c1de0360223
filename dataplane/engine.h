#ifndef SW_ENGINE_H
#define SW_ENGINE_H

/**
 * @file
 * sipwardd's shared state: ports, pools, rings, polling lcores, and the
 * hooks to the control plane.  Private to the engine's files (dataplane/
 * main.c, port.c, lcore.c, fwd.c, ctl.c, dp_telemetry.c) and to its tests
 * and benchmark, which build an engine on net_ring / net_null ports.
 *
 * Threads: everything here is built on the main lcore before launch and
 * torn down after every polling lcore returned.  While running, a polling
 * lcore writes only its own struct sw_lcore; the control thread writes the
 * neighbour table and reads everything else.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "crypto/mac.h"
#include "ctrlplane/config.h"
#include "dataplane/dp_stats.h"
#include "dataplane/neigh.h"
#include "dataplane/net.h"
#include "dataplane/ratelimit.h"
#include "dataplane/sa_verify.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_RX_BURST 32u
#define SW_PREFETCH 4u
#define SW_PEND_MAX SW_MAC_BURST_MAX /**< verify jobs accumulated across bursts */
#define SW_LIN_SLOTS 4u              /**< 64 KiB scratch for multi-segment datagrams */
#define SW_LIN_SIZE 65536u
#define SW_LCORES_MAX 16u
#define SW_TXB_MAX 64u
#define SW_NO_PORT UINT16_MAX
/** Parsed-message slots: pending verify jobs, requests staged for the
 *  burst's SA lookup, and one for whatever is being handled. */
#define SW_MSG_SLOTS (SW_PEND_MAX + SW_RX_BURST + 1u)

struct sw_cp;
struct sw_cp_out;
struct sw_digest;
struct sw_sa_table;

/** One configured DPDK port. */
struct sw_eng_if {
	bool present;
	uint16_t port;
	const struct sw_cfg_if *cfg;
	struct rte_ether_addr mac;
	uint16_t nb_rxq;      /**< n_lcores (RSS) or 1 (software distribution) */
	uint16_t nb_txq;
	uint16_t ctl_txq;     /**< the control thread's tx queue, or SW_NO_PORT */
	bool sw_dist;         /**< lcore 0 reads queue 0 and distributes by client flow */
	uint16_t tap_port;    /**< exception=tap: the net_tap port, else SW_NO_PORT */
	int ifindex;          /**< kernel interface for the neighbour table (0: none) */
	struct sw_addr own;   /**< the interface address (no prefix) */
};

/** A packet the control thread will handle. */
struct sw_pend {
	struct rte_mbuf *m;
	const char *buf;      /**< the datagram (in the mbuf, or a lin slot) */
	uint32_t len;
	uint8_t lin;          /**< lin slot held, or UINT8_MAX */
	uint8_t ack_cancel;
	uint32_t cnum;
	uint8_t msg;          /**< index into sw_lcore.msg[] */
	struct sw_sa_rt *sa;
};

/** A signed request parsed in stage 1a, waiting for the burst's bulk SA
 *  lookup (stage 1b) before its checks and job preparation (stage 1c). */
/** What a message waiting in sw_lcore.out[] is. */
enum sw_out_kind {
	SW_OUT_RESPONSE, /**< a response from upstream, to the client in our Via */
	SW_OUT_INBOUND,  /**< a request from upstream, to the client in its flow token */
};

/** A message to a client that waits in the rx burst for our signature
 *  (fwd.c sw_fwd_response_begin() / sw_fwd_inbound_begin(), lcore.c
 *  out_flush()). */
struct sw_out_pend {
	struct rte_mbuf *m;
	const char *buf;
	uint32_t len;
	uint8_t lin;
	uint8_t msg;          /**< index into sw_lcore.msg[] */
	uint8_t job;          /**< index into sw_lcore.sign_job[], UINT8_MAX: none */
	uint8_t kind;         /**< enum sw_out_kind */
	int16_t mf;           /**< inbound: Max-Forwards as received */
	uint64_t opaque;      /**< the SA our Via or the flow token names */
	struct sw_sa_src dst; /**< the client */
	struct sw_sa_sign_pend sp;
};

struct sw_stage {
	struct rte_mbuf *m;
	const char *buf;
	uint32_t len;
	uint8_t lin;
	uint8_t ack_cancel;
	uint8_t msg;          /**< index into sw_lcore.msg[] */
	uint64_t opaque;
};

/** Everything one polling lcore touches, on its socket, cache aligned. */
struct __rte_cache_aligned sw_lcore {
	unsigned int idx;             /**< 0 .. n_lcores-1 */
	unsigned int lcore_id;
	struct sw_engine *eng;
	struct sw_mac_engine *mac;
	uint64_t loop_seed;           /**< sw_eng_loop_seed(cfg->targetname) */
	struct sw_sa_rng rng;
	struct rte_ip_frag_tbl *frag;
	struct rte_ip_frag_death_row dr;
	struct rte_ring *dist;        /**< packets distributed to this lcore (MP/SC) */
	struct rte_ring *ctl_tx;      /**< control thread's packets to send (SP/SC), lcore 0 */
	uint64_t now_ms;
	uint64_t pend_deadline;       /**< TSC at which a partial batch is verified */
	uint32_t empty_polls;
	uint16_t n_pend;
	uint16_t lin_used;            /**< bitmap of lin slots */
	struct sw_addr neigh_asked;   /**< last address sent to sw_neigh_request() */
	uint64_t neigh_asked_ms;
	struct sw_dp_stats st;

	struct rte_mbuf *rx[SW_RX_BURST];
	struct rte_mbuf *txb[SW_CFG_PORTS_MAX * 2][SW_TXB_MAX];
	uint16_t ntx[SW_CFG_PORTS_MAX * 2];
	uint16_t txq;                 /**< this lcore's tx queue on every port */

	struct sw_pend pend[SW_PEND_MAX];
	struct sw_mac_job job[SW_PEND_MAX];
	uint8_t ok[SW_PEND_MAX];
	uint8_t tag[SW_PEND_MAX][SW_MAC_TAG_MAX];
	uint16_t n_stage;
	uint8_t n_msg_free;
	uint8_t msg_free[SW_MSG_SLOTS];         /**< stack of free msg[] slots */
	struct sw_stage stage[SW_RX_BURST];
	struct sw_auth cred[SW_RX_BURST];       /**< [k]: credentials of stage[k] */
	struct sw_sip_msg msg[SW_MSG_SLOTS];
	uint8_t slot[SW_PEND_MAX][SW_SA_SLOT_MAX];
	uint8_t sign_scratch[SW_SIGBUF_MAX];
	char info[SW_SA_INFO_MAX];
	char via[SW_SA_VIA_MAX + 32]; /* + ";sw-loop=<16 hex>" */
	char path[SW_SA_PATH_MAX];    /**< our Path (REGISTER) or Record-Route value */
	/* A client's response to a request we relayed from upstream: verified
	 * on its own (one-job burst), outside the request batch's slots. */
	uint8_t rslot[SW_SA_SLOT_MAX];
	uint8_t rtag[SW_MAC_TAG_MAX];
	struct sw_mac_job rjob;
	struct sw_auth rcred;
	/* Messages from upstream to clients with an SA (responses, and
	 * requests routed by our Path), signed together at the end of each rx
	 * burst (one sw_mac_compute_burst()). */
	uint16_t n_out;
	uint16_t n_sign;
	struct sw_out_pend out[SW_RX_BURST];
	struct sw_mac_job sign_job[SW_RX_BURST];
	uint8_t sign_tag[SW_RX_BURST][SW_MAC_TAG_MAX];
	uint8_t sign_slot[SW_RX_BURST][SW_SA_SLOT_MAX];
	/** Our own error response, parsed back so that it can be signed. */
	struct sw_sip_msg own_rsp;
	uint8_t lin[SW_LIN_SLOTS][SW_LIN_SIZE];
	struct sw_rl rl;              /**< per-source answer limit (ratelimit.h) */
	struct sw_rl hs_rl;           /**< per-source handshake-leg limit (ratelimit.h) */
};

/** Control-thread counters (single writer: the control thread). */
#define SW_CP_COUNTERS(X)                                                                  \
	X(rx, "handshake legs and responses received from lcores")                        \
	X(requests, "requests handled by sw_cp_handle_request")                           \
	X(responses, "responses handled by sw_cp_handle_response")                        \
	X(out, "datagrams the control plane emitted")                                     \
	X(tx, "datagrams sent by the control thread")                                     \
	X(errors, "control-plane failures (negative errno)")                              \
	X(dropped, "silently dropped by the control plane (0 outputs)")                   \
	X(tx_drop, "control-thread output dropped (route, neighbour, tx)")                \
	X(parse_err, "datagrams that did not parse on the control thread")                \
	X(stale, "waited longer than [limits] cp_max_wait in the ring: dropped unhandled")

struct sw_cp_stats {
#define X(n, h) uint64_t n;
	SW_CP_COUNTERS(X)
#undef X
};

struct sw_engine {
	const struct sw_config *cfg;
	struct sw_cp *cp;                   /**< NULL: handshakes unavailable */
	const struct sw_sa_policy *pol;
	struct sw_sa_table *sat;            /**< NULL until the SA table exists */
	struct sw_neigh *neigh;
	struct rte_mempool *pool;           /**< packet mbufs (priv: struct sw_pkt_meta) */
	struct rte_mempool *big;            /**< large single-segment output (fragmentation) */
	struct sw_eng_if ifs[SW_CFG_PORTS_MAX];
	uint16_t up_if;                     /**< interface index towards the upstream */
	struct sw_addr up_nh;               /**< upstream next hop (upstream or gateway) */
	struct rte_ring *to_cp;             /**< lcores -> control thread, mbufs (MP/SC) */
	unsigned int n_lcores;
	struct sw_lcore *lc[SW_LCORES_MAX];
	uint64_t tsc_hz;
	uint64_t tsc_per_ms;
	uint64_t drain_tsc;
	uint64_t idle_sleep_us;
	uint32_t quit;                      /**< set by the signal handler (atomic) */
	uint32_t reload;
	struct sw_cp_stats cps;
	uint64_t cp_tick_ms;
	/* handshake rates over the last second (control thread writes, telemetry reads) */
	uint64_t rate_ms, rate_sa_prev, rate_leg_prev;
	uint64_t sa_per_s;         /**< SAs established per second */
	uint64_t legs_per_s;       /**< handshake legs / responses handled per second */
	/* control-thread scratch */
	char *ctl_buf;                      /**< SW_LIN_SIZE bytes */
	struct sw_sip_msg *ctl_msg;
	struct sw_cp_out *ctl_out;          /**< SW_CP_OUTS_MAX entries */
	struct sw_sa_policy *local_pol;     /**< policy when running without a cp */
	struct sw_digest *local_digest;
};

/** Monotonic milliseconds from the TSC (the now_ms of sa_rt.h). */
static inline uint64_t
sw_eng_now_ms(const struct sw_engine *eng, uint64_t tsc)
{
	return tsc / eng->tsc_per_ms;
}

/** Create per-lcore state for polling lcore @p idx on @p lcore_id. */
int sw_lcore_create(struct sw_engine *eng, unsigned int idx, unsigned int lcore_id,
		    struct sw_lcore **out);
void sw_lcore_free(struct sw_lcore *lc);

/** rte_eal_remote_launch() entry: polls until eng->quit. */
int sw_lcore_main(void *arg);

/** One loop iteration (rx from every port queue, verify, tx); for the bench. */
unsigned int sw_lcore_poll(struct sw_lcore *lc, uint64_t tsc);

/** Verify and commit whatever is pending, then flush tx (shutdown, bench). */
void sw_lcore_flush(struct sw_lcore *lc);

/*
 * Output (fwd.c): build a datagram in a fresh mbuf and queue it.
 */

/**
 * Start of the loop-detection key of every forwarded request (fwd.c, the
 * sw-loop Via parameter): the CRC state after our @p targetname, the same
 * for every request, so each lcore computes it once in sw_lcore_create().
 */
uint64_t sw_eng_loop_seed(const char *targetname);

/** Route to @p dst: interface index and next-hop address.  @return 0 or -ENOENT. */
int sw_eng_route(const struct sw_engine *eng, const struct sw_addr *dst, bool to_upstream,
		 uint16_t *ifidx, struct sw_addr *nh);

/**
 * Prepend headers to @p m (payload only) and fill out[] with the frames to
 * send on @p ifidx towards @p dst:@p dport via next hop @p nh.  @p m is
 * consumed.  @return frames (>= 1), or a negative sw_drop reason.
 */
int sw_eng_frame(struct sw_engine *eng, struct rte_mbuf *m, uint16_t ifidx,
		 const struct rte_ether_addr *dst_mac, const struct sw_addr *dst, uint16_t dport,
		 const struct sw_pkt_meta *reply_to, struct rte_mbuf **out, uint16_t out_max);

/** Start the control thread loop on the calling (main) lcore; returns at quit. */
void sw_ctl_loop(struct sw_engine *eng);

/** Telemetry commands under /sipward/. */
int sw_dp_telemetry_init(struct sw_engine *eng);

/** Print the summary of counters to @p out. */
void sw_eng_print_summary(const struct sw_engine *eng, FILE *out);

/*
 * SA table hooks (ctrlplane/sa_table.h lands separately; see sa_glue.c).
 */
struct sw_sa_rt *sw_eng_sa_lookup(const struct sw_engine *eng, uint64_t opaque);
/** Bulk lookup (n <= SW_RX_BURST); out[i] NULL when unknown. */
void sw_eng_sa_lookup_bulk(const struct sw_engine *eng, const uint64_t **opaques,
			   unsigned int n, struct sw_sa_rt **out);
uint32_t sw_eng_sa_count(const struct sw_engine *eng);
/** Register/report quiescence of a polling lcore with the SA table's RCU. */
void sw_eng_rcu_online(const struct sw_engine *eng, unsigned int lcore_id);
void sw_eng_rcu_offline(const struct sw_engine *eng, unsigned int lcore_id);
void sw_eng_rcu_quiescent(const struct sw_engine *eng, unsigned int lcore_id);

#ifdef __cplusplus
}
#endif

#endif /* SW_ENGINE_H */
