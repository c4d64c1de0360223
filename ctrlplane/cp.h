#ifndef SW_CP_H
#define SW_CP_H

/*
 * CHANGES (issue 3, control plane; everything of the first version stays):
 *  - sw_cp_policy(): the read-only struct sw_sa_policy (dataplane/sa_verify.h)
 *    the lcores share: realm/targetnames, the stateless challenge template
 *    (sw_sip_write_challenge(w, req, buf, pol->challenge, pol->ch, pol->n_ch,
 *    extra) needs no state and no allocation), the datagram digest key.
 *  - Counters: SW_CP_STATS(X), sw_cp_stats(), sw_cp_stat_name(); outcomes of
 *    signed requests the control plane verified: sw_cp_sa_stats().
 *  - sw_cp_mech_stats(): the acceptors' outcome counters (cp_krb.h, cp_ntlm.h).
 *  - sw_cp_set_log() (log sink for both acceptors and the core).
 *  - sw_cp_out.to: for SW_CP_DST_CLIENT it is the client's address taken from
 *    the datagram's source (requests) or from our Via's sw-src (responses,
 *    see sa_verify.h); for SW_CP_DST_UPSTREAM the configured next hop.
 *  - [identity] (config.h, idmap.h): the From binding of each new SA is
 *    resolved at install (mapped AORs, or the user rule with domains) into
 *    digests in the SA record; sw_cp_reload() also re-reads the map and
 *    retires SAs whose binding changed (counter id_retired).
 *  - What goes to the control plane: handshake legs (gssapi-data present),
 *    requests the lcore cannot decide, and responses for which
 *    sw_sa_rsp_needs_cp() is true (AP-REP owed; 2xx to REGISTER, for the
 *    registration life cycle).  Lcores forwarding a signed REGISTER call
 *    sw_sa_note_request() so an Expires: 0 unregister is recognised.
 *
 * CHANGES (issue 7, per-source share of pending handshakes): a new NTLM
 * first leg from a source address that already holds
 * cfg->handshakes_per_source pending handshakes gets 503 + Retry-After,
 * counted as cap_hs_src (cap_hs stays "the whole table is full");
 * sw_cp_pending() reports the counts.
 */

/**
 * @file
 * The control plane's message interface (issue 3): SIP datagrams in, SIP
 * datagrams out.  The engine's lcores hand it what is not "verify and
 * forward" (handshake legs, the first response after a mutual-auth
 * handshake, unregistration answers); it owns the SA table and every
 * security association's life cycle.  Runs on one control thread; nothing
 * here is called from a polling lcore except where marked.
 *
 * The DPDK plumbing (rings of mbufs with their parse view, the control
 * thread's tx queue) is the engine's; this interface is plain memory so the
 * tests can drive it with real initiators and no NIC.
 */

#include <stddef.h>
#include <stdint.h>

#include "ctrlplane/config.h"
#include "ctrlplane/cp_common.h"
#include "ctrlplane/cp_krb.h"
#include "ctrlplane/cp_ntlm.h"
#include "dataplane/sa_verify.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sw_cp;
struct sw_sa_table;

/** A transport address (the client's, or the next hop's). */
struct sw_peer {
	struct sw_addr addr;
	uint16_t port; /**< host byte order */
};

enum sw_cp_dst {
	SW_CP_DST_CLIENT = 1, /**< back to the sender (per its top Via / rport) */
	SW_CP_DST_UPSTREAM,   /**< to the configured next hop */
};

#define SW_CP_OUT_MAX 8192u /**< bytes of one datagram the control plane emits */

/** One datagram to send.  buf is owned by the caller-provided array. */
struct sw_cp_out {
	uint8_t dst; /**< enum sw_cp_dst */
	struct sw_peer to;
	uint16_t len;
	uint8_t buf[SW_CP_OUT_MAX];
};

#define SW_CP_OUTS_MAX 2u /**< datagrams one input can produce */

/**
 * Create the control plane: acceptors (keytab, NTLM accounts), SA table
 * (capacity cfg->sa_max), pending-handshake table (cfg->handshakes_max, of
 * which one source address may hold cfg->handshakes_per_source; 0 = no
 * per-source cap).
 * @param[out] cp_out  new control plane or NULL.
 * @return 0 or a negative errno (-EINVAL: a cap is 0, or
 *   handshakes_per_source > handshakes_max); a log line says why.
 */
int sw_cp_create(const struct sw_config *cfg, struct sw_cp **cp_out);

void sw_cp_free(struct sw_cp *cp);

/** The SA table the lcores read (lock-free lookups; see sa_table.h). */
struct sw_sa_table *sw_cp_sa_table(struct sw_cp *cp);

/**
 * Handle one request from a client that the fast path sent to the control
 * plane (credentials with gssapi-data, or anything the lcore could not
 * decide).  @p buf/@p len is the whole datagram and @p msg its parse view.
 * Writes up to SW_CP_OUTS_MAX datagrams to @p out (a challenge, an error, or
 * the request forwarded upstream with our Via once an SA is installed).
 * @return number of datagrams written (0 = silently dropped, counted), or a
 *   negative errno for a control-plane failure (counted; the client retries).
 */
int sw_cp_handle_request(struct sw_cp *cp, const char *buf, size_t len,
			 const struct sw_sip_msg *msg, const struct sw_peer *from, uint64_t now_ms,
			 struct sw_cp_out *out);

/**
 * Handle a response from upstream that the fast path sent here (a response
 * to a handshake request, or the first response to a client whose SA still
 * owes its AP-REP).  Same output contract as sw_cp_handle_request().
 */
int sw_cp_handle_response(struct sw_cp *cp, const char *buf, size_t len,
			  const struct sw_sip_msg *msg, uint64_t now_ms, struct sw_cp_out *out);

/** Expire pending handshakes and SAs whose time is up, free retired SAs
 *  after their grace period.  Call every ~100 ms. */
void sw_cp_tick(struct sw_cp *cp, uint64_t now_ms);

/**
 * Re-read the keytab, the NTLM account source and the [identity] map
 * (SIGHUP).  SAs are kept, except those whose From binding the new map
 * changes: they are retired (counted as id_retired) and their clients are
 * challenged again.  A map file with an error is refused as a whole (one log
 * line, file:line: reason) and the old map stays in force.
 * @return 0 or a negative errno (-EINVAL: a source is invalid).
 */
int sw_cp_reload(struct sw_cp *cp);

/** The policy the lcores share (read-only, lives as long as @p cp). */
const struct sw_sa_policy *sw_cp_policy(const struct sw_cp *cp);

/** Log sink for the core and both acceptors (default: none).  Control thread. */
void sw_cp_set_log(struct sw_cp *cp, sw_cp_log_fn fn, void *arg);

/**
 * Pending NTLM handshakes (CHALLENGE sent, AUTHENTICATE awaited).
 * @p src NULL: the total and, in @p sources, how many source addresses hold
 * any; otherwise the number held by that address (port ignored: the
 * per-source cap, [limits] handshakes_per_source, counts addresses, so every
 * client behind one NAT address shares it).  @p sources may be NULL; it is 0
 * when the per-source cap is off (nothing is tracked per source then).
 * Control thread.
 * @return the number of pending handshakes.
 */
uint32_t sw_cp_pending(const struct sw_cp *cp, const struct sw_addr *src, uint32_t *sources);

/** Seconds in the Retry-After of a 503 at a cap. */
#define SW_CP_RETRY_AFTER 5u

/** Handshake answers remembered for retransmissions (PROTOCOL.md §6): 64*T1. */
#define SW_CP_LEG_KEEP_MS 32000u

/*
 * Every outcome of the control plane, counted (names are telemetry keys).
 * Answers: "challenge" rows send a fresh 401/407, "bad_request" 400,
 * "forbidden" 403, "hops" 483, "cap_*" 503 + Retry-After.
 */
#define SW_CP_STATS(X)                                                                             \
	X(REQ, "req", "requests handled")                                                          \
	X(RSP, "rsp", "responses handled")                                                         \
	X(CHALLENGE, "challenge", "first challenge (no credentials)")                              \
	X(RECHALLENGE, "rechallenge", "fresh challenge after a failed or unusable credential")     \
	X(BAD_REQUEST, "bad_request", "400: malformed credentials header or not a request")        \
	X(OVERSIZE, "oversize", "400: gssapi-data larger than the mechanism allows")               \
	X(BASE64, "base64", "400: gssapi-data is not strict base64")                               \
	X(FORBIDDEN, "forbidden", "403: From AOR not one the principal may use")                   \
	X(HOPS, "hops", "483: Max-Forwards exhausted")                                             \
	X(CAP_SA, "cap_sa", "503: SA table full")                                                  \
	X(CAP_HS, "cap_hs", "503: pending handshakes full")                                        \
	X(CAP_HS_SRC, "cap_hs_src", "503: the source's share of pending handshakes full")          \
	X(LEG_RETX, "leg_retx", "handshake leg retransmission answered from the cache")            \
	X(SCHEME, "scheme", "credentials for a scheme not offered")                                \
	X(KRB_OK, "krb_ok", "Kerberos SA established")                                             \
	X(KRB_FAIL, "krb_fail", "Kerberos AP-REQ refused (cp_krb counts why)")                     \
	X(NTLM_CHALLENGE, "ntlm_challenge", "NTLM CHALLENGE sent, handshake pending")              \
	X(NTLM_OK, "ntlm_ok", "NTLM SA established")                                               \
	X(NTLM_FAIL, "ntlm_fail", "NTLM AUTHENTICATE refused (cp_ntlm counts why)")                \
	X(NTLM_OPAQUE, "ntlm_opaque", "AUTHENTICATE with an unknown or missing opaque")            \
	X(NTLM_TIMEOUT, "ntlm_timeout", "AUTHENTICATE after the handshake timed out")              \
	X(HS_EXPIRED, "hs_expired", "pending handshakes dropped by the timer")                     \
	X(V4_UNSIGNED, "v4_unsigned", "v4 handshake request not signed (or bad signature)")        \
	X(SIGNED, "signed", "signed requests verified here (see sw_cp_sa_stats)")                  \
	X(UNAUTH_FWD, "unauth_fwd", "requests forwarded that need no authentication")              \
	X(DROP, "drop", "ACK/CANCEL failing authentication, dropped silently")                     \
	X(RSP_SIGNED, "rsp_signed", "responses signed for a client")                               \
	X(RSP_AP_REP, "rsp_ap_rep", "responses carrying the AP-REP (mutual auth)")                 \
	X(RSP_PLAIN, "rsp_plain", "responses relayed without an SA")                               \
	X(RSP_NOT_OURS, "rsp_not_ours", "responses whose top Via is not ours, dropped")            \
	X(UNREGISTERED, "unregistered", "SAs removed after an answered Expires: 0")                \
	X(REG_EXPIRED, "reg_expired", "SAs removed because the registration expired")              \
	X(SA_EXPIRED, "sa_expired", "SAs removed at the end of their lifetime")                    \
	X(ID_RETIRED, "id_retired", "SAs retired at SIGHUP: the map changed their AORs")           \
	X(ERROR, "error", "internal failures (memory, crypto library, output too large)")

enum sw_cp_stat {
#define X(id, name, help) SW_CP_STAT_##id,
	SW_CP_STATS(X)
#undef X
		SW_CP_STAT_MAX
};

/** Name of a counter ("krb_ok"); "?" out of range. */
const char *sw_cp_stat_name(enum sw_cp_stat s);

/** Copy the counters.  Any thread (relaxed reads). */
void sw_cp_stats(const struct sw_cp *cp, uint64_t out[SW_CP_STAT_MAX]);

/** Copy the acceptors' outcome counters (either pointer may be NULL; zeros
 *  for a mechanism not configured).  Any thread. */
void sw_cp_mech_stats(const struct sw_cp *cp, uint64_t krb[SW_CP_KRB_RC_MAX],
		      uint64_t ntlm[SW_CP_NTLM_RC_MAX]);

/** Copy the outcomes of signed requests verified by the control plane
 *  (indexed by enum sw_sa_rc).  Any thread. */
void sw_cp_sa_stats(const struct sw_cp *cp, uint64_t out[SW_SA_RC_MAX]);

#ifdef __cplusplus
}
#endif

#endif /* SW_CP_H */
