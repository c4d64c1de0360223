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

/** What the steps of a message to a client did with it. */
enum sw_fwd_out {
	SW_FWD_DONE,     /**< relayed, answered or dropped: the caller frees m */
	SW_FWD_STAGE,    /**< names an SA: keep it for the burst (*op filled) */
	SW_FWD_CONSUMED, /**< m handed to the control plane */
	SW_FWD_SIGN,     /**< ready for the burst's signatures, then _end() */
	SW_FWD_NOT_OURS, /**< inbound: the top Route is not ours (nothing done) */
};

/*
 * Messages from upstream to a client: relayed with our signature when the
 * client has an SA.  In three steps, so that those of one rx burst share
 * one bulk SA lookup (with prefetch) and one multi-buffer run for their
 * signatures, as the requests from clients share theirs:
 *  - begin() does all that needs no SA and stages a message that names one
 *    (SW_FWD_STAGE: op->kind, dst, opaque, buf, len set; the caller keeps
 *    @p msg and @p buf alive and fills op->m, lin, msg);
 *  - sw_fwd_out_prep() with the SA looked up answers or hands on what
 *    cannot be relayed, or builds the signed buffer in @p slot
 *    (lc->sign_slot[lc->n_sign]) and appends its job to lc->sign_job;
 *  - sw_fwd_out_end() after sw_mac_compute_burst() relays it.
 */

/**
 * A response: one from upstream goes to the client named in our Via, signed
 * if the client has an SA; a client's response to a request we relayed from
 * upstream (our z9hG4bK-si Via on top) has its signature verified (MS-SIPAE
 * clients sign every message, pidgin-sipe its responses too) and goes to the
 * next Via here; unsigned or unverified: counted drop.
 * @return SW_FWD_DONE or SW_FWD_STAGE.
 */
enum sw_fwd_out sw_fwd_response_begin(struct sw_lcore *lc, const struct sw_sip_msg *msg,
				      const char *buf, uint32_t len, struct sw_out_pend *op);

/**
 * A request from upstream: if its top Route is our Path URI, check the flow
 * token and stage it for the client the token names, to be relayed with our
 * Via, Max-Forwards decremented, the Route popped and our signature.
 * Answers upstream: 483 (Max-Forwards 0), 482 (loop), 403 (token not
 * authentic, RFC 5626 §5.3), 430 Flow Failed (SA gone or expired); ACK gets
 * no answer.  @return SW_FWD_NOT_OURS (nothing done, nothing counted),
 * SW_FWD_DONE or SW_FWD_STAGE.
 */
enum sw_fwd_out sw_fwd_inbound_begin(struct sw_lcore *lc, struct rte_mbuf *m,
				     const struct sw_sip_msg *msg, const char *buf, uint32_t len,
				     struct sw_out_pend *op);

/** Second step, with the SA of op->opaque (NULL: gone).  A response to a
 *  client whose SA is gone is relayed unsigned; a 2xx to REGISTER, or one
 *  while an AP-REP is pending, goes to the control plane.
 *  @return SW_FWD_CONSUMED (op->m handed on), SW_FWD_DONE (answered or
 *  dropped, counted) or SW_FWD_SIGN. */
enum sw_fwd_out sw_fwd_out_prep(struct sw_lcore *lc, struct sw_out_pend *op,
				const struct sw_sip_msg *msg, struct sw_sa_rt *sa, uint8_t *slot);

/** Last step: the signature from @p digest (op->job's tag; NULL if none was
 *  needed or it was made in prep()), the info header, tx to the client.
 *  With @p burst_ok false a response goes unsigned (resp_plain, as when
 *  signing fails) and a request is dropped (build).  Does not free op->m. */
void sw_fwd_out_end(struct sw_lcore *lc, struct sw_out_pend *op, const struct sw_sip_msg *msg,
		    const uint8_t *digest, bool burst_ok);

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
