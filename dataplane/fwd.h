#ifndef SW_FWD_H
#define SW_FWD_H

/**
 * @file
 * What a polling lcore sends (RFC 3261 §16.11 stateless proxy; PROTOCOL.md
 * §4 verdicts): forwarded requests with our Via, relayed responses with our
 * Via removed and our signature added, stateless challenges and error
 * responses built from the control plane's policy templates.
 *
 * Each function builds a new datagram in a fresh mbuf (the input @p m is
 * only read: the caller frees it), queues it on the lcore's tx buffer and
 * counts one verdict or one drop reason.  Polling lcores only; no malloc,
 * lock, syscall or log.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/dp_stats.h"
#include "dataplane/sa_rt.h"
#include "dataplane/sip_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sw_lcore;

/** Forward request @p msg upstream (Max-Forwards, loop check, our Via with
 *  @p sa's opaque or 0; a REGISTER with an SA also gets our Path with its
 *  flow token).  Counts @p v, or 483/482 (signed when @p sa) or a drop. */
void sw_fwd_request(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		    const char *buf, uint32_t len, struct sw_sa_rt *sa, enum sw_verdict v);

/** What sw_fwd_response_begin() / _prep() did with a response. */
enum sw_fwd_rsp {
	SW_FWD_RSP_DONE,     /**< relayed or dropped: the caller frees m */
	SW_FWD_RSP_STAGE,    /**< names an SA: keep it for the burst (*rp filled) */
	SW_FWD_RSP_CONSUMED, /**< m handed to the control plane */
	SW_FWD_RSP_SIGN,     /**< ready for the burst's signatures, then _end() */
};

/**
 * A response: one from upstream goes to the client named in our Via, signed
 * if the client has an SA; a client's response to a request we relayed from
 * upstream (our z9hG4bK-si Via on top) has its signature verified (MS-SIPAE
 * clients sign every message, pidgin-sipe its responses too) and goes to the
 * next Via; unsigned or unverified: counted drop.
 *
 * In three steps, so that the responses of one rx burst share one bulk SA
 * lookup (with prefetch) and one multi-buffer run for their signatures, as
 * requests share theirs: begin() does all but what needs the SA and stages
 * a response that names one (SW_FWD_RSP_STAGE: rp->dst, opaque, buf, len
 * set; the caller keeps @p msg and @p buf alive and fills rp->m, lin, msg);
 * prep() with the SA looked up either hands the response to the control
 * plane (a 2xx to REGISTER, or an AP-REP pending) or builds its signed
 * buffer in @p slot (lc->sign_slot[lc->n_sign]) and appends its MAC job to
 * lc->sign_job; end() after sw_mac_compute_burst() relays it.
 */
enum sw_fwd_rsp sw_fwd_response_begin(struct sw_lcore *lc, const struct sw_sip_msg *msg,
				      const char *buf, uint32_t len, struct sw_rsp_pend *rp);

/** Second step, with the SA of rp->opaque (NULL: gone, relayed unsigned).
 *  @return SW_FWD_RSP_CONSUMED (rp->m handed on) or SW_FWD_RSP_SIGN. */
enum sw_fwd_rsp sw_fwd_response_prep(struct sw_lcore *lc, struct sw_rsp_pend *rp,
				     const struct sw_sip_msg *msg, struct sw_sa_rt *sa,
				     uint8_t *slot);

/** Last step: the signature from @p digest (rp->job's tag; NULL if it was
 *  signed in prep(); with @p burst_ok false, or if signing failed, the
 *  response goes unsigned, counted resp_plain), the info header, our Via
 *  popped, tx to the client.  Does not free rp->m. */
void sw_fwd_response_end(struct sw_lcore *lc, struct sw_rsp_pend *rp, const struct sw_sip_msg *msg,
			 const uint8_t *digest, bool burst_ok);

/**
 * A request from upstream: if its top Route is our Path URI, check the flow
 * token, find the SA, and relay it to the client the token names with our
 * Via, Max-Forwards decremented, the Route popped and our signature
 * (sw_sa_sign_request()).  Answers upstream: 483 (Max-Forwards 0), 482
 * (loop), 403 (token not authentic, RFC 5626 §5.3), 430 Flow Failed (SA gone
 * or expired); ACK gets no answer.  @return false if the top Route is not
 * ours (nothing done, nothing counted), true otherwise.
 */
bool sw_fwd_inbound(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		    const char *buf, uint32_t len);

/** Stateless challenge to the sender.  Counts @p v. */
void sw_fwd_challenge(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		      const char *buf, enum sw_verdict v);

/** A fresh challenge, or a silent drop for ACK/CANCEL (PROTOCOL.md §4). */
void sw_fwd_rechallenge(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
			const char *buf, bool ack_cancel, enum sw_verdict v);

/** Error response (400, 403, 482, 483) to the sender.  Counts @p v. */
void sw_fwd_error(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		  const char *buf, uint16_t status, enum sw_verdict v);

/** sw_fwd_error() to a client whose request verified with @p sa: the
 *  response carries our signature (PROTOCOL.md §1.4).  @p sa NULL: as
 *  sw_fwd_error(). */
void sw_fwd_error_sa(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		     const char *buf, uint16_t status, enum sw_verdict v, struct sw_sa_rt *sa);

/** Hand @p m (consumed) to the control plane's ring. */
void sw_fwd_to_cp(struct sw_lcore *lc, struct rte_mbuf *m);

/** Hand the handshake leg @p m (consumed) to the control plane's ring, or
 *  drop it (counted) if its source is over `[limits] handshake_rate`. */
void sw_fwd_handshake(struct sw_lcore *lc, struct rte_mbuf *m);

/** Queue frames for transmission on @p port (consumed). */
void sw_lcore_txq(struct sw_lcore *lc, uint16_t port, struct rte_mbuf **m, uint16_t n);

#ifdef __cplusplus
}
#endif

#endif /* SW_FWD_H */
