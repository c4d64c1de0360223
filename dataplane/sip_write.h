#ifndef SW_SIP_WRITE_H
#define SW_SIP_WRITE_H

/**
 * @file
 * Bounded SIP message writer: what the engine emits.
 *
 *  - challenges (401 / 407) and plain error responses (400, 403, 483, 503...)
 *    built from a parsed request (RFC 3261 §8.2.6: Via, From, To, Call-ID and
 *    CSeq copied; a To tag added when the request has none);
 *  - forwarding edits: a new copy of a message with our Via pushed, the top
 *    Via popped, Max-Forwards decremented, an [Proxy-]Authentication-Info
 *    header appended (RFC 3261 §16.6, §16.7, MS-SIPAE signatures).
 *
 * All output goes through a struct sw_wbuf (crypto/wbuf.h: caller-owned
 * memory, sticky overflow), is CRLF-terminated and keeps Content-Length
 * consistent with the body written.  DPDK-free, no allocation, no locks, no
 * logging: callable on a polling lcore.  Thread: any (no shared state).
 *
 * Every function takes the struct sw_sip_msg that sw_sip_parse() returned
 * SW_SIP_OK for, plus the buffer it parsed; spans of the message are copied
 * byte for byte (compact header names are written in their full form).
 * Return values: 0, -ENOSPC (the wbuf overflowed; its content is then
 * undefined but never written past cap), -EINVAL (bad arguments, see each).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/wbuf.h"
#include "dataplane/sip_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One offered scheme: written as "<scheme> <params>". */
struct sw_sip_challenge {
	struct sw_span scheme; /**< "Kerberos", "NTLM" */
	struct sw_span params; /**< pre-formatted, e.g. realm="...", targetname="..." */
};

/** Largest number of challenges in one response. */
#define SW_SIP_CHALLENGE_MAX 8u

/** Length of the To tag sw_sip_write_to_tag() derives. */
#define SW_SIP_TO_TAG_LEN 16u

/**
 * The To tag a response to @p req carries when the request has none: 16 hex
 * digits of a hash over Call-ID, From tag and CSeq number, so that every
 * retransmission of the request gets the same tag (RFC 3261 §8.2.6.2).
 * @p out receives SW_SIP_TO_TAG_LEN bytes (not NUL-terminated).
 */
void sw_sip_write_to_tag(const struct sw_sip_msg *req, char out[SW_SIP_TO_TAG_LEN]);

/**
 * Challenge response to @p req: 407 with one Proxy-Authenticate header per
 * entry of @p ch, or 401 with WWW-Authenticate, then Content-Length: 0.
 * @p extra: pre-formatted header lines, each ending in CRLF (may be empty),
 * written before Content-Length (e.g. a signed Proxy-Authentication-Info).
 *
 * @return 0, -ENOSPC, -EINVAL (status not 401/407, req is a response,
 *   n_ch 0 or > SW_SIP_CHALLENGE_MAX).
 */
int sw_sip_write_challenge(struct sw_wbuf *w, const struct sw_sip_msg *req, const char *buf,
			   uint16_t status, const struct sw_sip_challenge *ch, unsigned int n_ch,
			   struct sw_span extra);

/**
 * Plain error response (400 Bad Request, 403 Forbidden, 483 Too Many Hops,
 * 503 Service Unavailable; any 4xx-6xx accepted) to @p req.
 * @p retry_after: for 503, seconds written as Retry-After (0 omits it);
 * ignored for other codes.  @p extra as for sw_sip_write_challenge().
 *
 * @return 0, -ENOSPC, -EINVAL (status outside 400..699, req is a response).
 */
int sw_sip_write_error(struct sw_wbuf *w, const struct sw_sip_msg *req, const char *buf,
		       uint16_t status, uint32_t retry_after, struct sw_span extra);

/** Reason phrase used for @p status ("Unknown" if none is known). */
const char *sw_sip_reason_phrase(uint16_t status);

/** Edits applied by sw_sip_write_forward(). */
struct sw_sip_fwd {
	struct sw_span push_via; /**< Via value to insert on top; empty: none */
	bool pop_via;		 /**< remove the topmost Via value (responses) */
	bool pop_route;		 /**< remove the topmost Route value (RFC 3261 §16.4) */
	struct sw_span push_path; /**< Path value to insert first (RFC 3327 §5.2); empty: none */
	struct sw_span push_rr;	  /**< Record-Route value to insert first (RFC 3261 §16.6
				   *   step 4); empty: none */
	bool dec_max_forwards;	 /**< requests: decrement, or add "Max-Forwards: 70" */
	uint8_t info_hdr;	 /**< SW_HDR_[PROXY_]AUTHENTICATION_INFO, or SW_HDR_OTHER */
	bool mf_known;		 /**< @p mf holds sw_sip_max_forwards(msg), which the
				  *   caller already had to check; false: parsed here */
	int16_t mf;		 /**< with @p mf_known: sw_sip_max_forwards(msg) */
	struct sw_span info;	 /**< its value, e.g. Kerberos qop="auth", ..., rspauth="..." */
};

/**
 * Write a copy of @p msg (parsed from @p buf, @p len) with the edits of
 * @p fwd: our Via first after the start line, our Path and Record-Route
 * lines next (so each value is the first of its header), then the original
 * header lines in order
 * (minus the popped Via and Route values; Max-Forwards rewritten; a
 * Content-Length added when absent), the info header last, the empty line and
 * exactly msg->body (bytes past Content-Length in the datagram are dropped).
 * Checking Max-Forwards 0 (483) is the caller's job: with dec_max_forwards a
 * message whose Max-Forwards is 0 gives -EINVAL.
 *
 * @return 0, -ENOSPC, -EINVAL (Max-Forwards 0, pop_via without a Via,
 *   pop_route without a Route, info_hdr not one of the two info headers).
 */
int sw_sip_write_forward(struct sw_wbuf *w, const struct sw_sip_msg *msg, const char *buf,
			 size_t len, const struct sw_sip_fwd *fwd);

#ifdef __cplusplus
}
#endif

#endif /* SW_SIP_WRITE_H */
