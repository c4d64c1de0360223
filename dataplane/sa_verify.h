#ifndef SW_SA_VERIFY_H
#define SW_SA_VERIFY_H

/**
 * @file
 * What a polling lcore (or the control plane, for the requests it is handed)
 * does with a security association (PROTOCOL.md §3, §4; STYLE.md 10):
 *
 *  - check a request's credentials against the SA (scheme, realm,
 *    targetname, version, expiry, signature parameters present);
 *  - build its signed buffer into a batch slot and prepare the MAC job
 *    (sw_sa_req_prep(), then sw_mac_verify_burst());
 *  - replay: (opaque, cnum, crand) accepted once, with a 32-entry window on
 *    cnum updated by CAS so any lcore may serve any SA: read-only pre-check
 *    before the MAC, commit (with re-check) only after the tag matched; a
 *    byte-identical retransmission within 64*T1 is accepted again, recognised
 *    by a keyed digest of the whole datagram (crypto/digest.h);
 *  - identity binding: the From AOR is one the SA may use (the digests of
 *    its mapped AORs, sw_sa_aors()), or else its user part is the SA's user;
 *  - sign a response to the client: snum (atomic fetch-add), srand from a
 *    per-lcore generator, the [Proxy-]Authentication-Info value;
 *  - our Via: a stateless proxy's Via carrying the SA's opaque and the
 *    client's transport address, so a response from upstream finds both
 *    without state.
 *
 * DPDK-free (links swcrypto and swsip).  Unless a function says otherwise:
 * any thread, does not allocate, lock or log, so it is safe on a polling
 * lcore.  Times are now_ms of the engine's monotonic millisecond clock (see
 * sa_rt.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/digest.h"
#include "crypto/mac.h"
#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "crypto/wbuf.h"
#include "dataplane/sa_rt.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"
#include "dataplane/sip_write.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Schemes a policy can offer (NTLM, Kerberos). */
#define SW_SA_SCHEMES_MAX 2u
/** Bytes of text a policy keeps (challenge parameters, names). */
#define SW_SA_POLICY_TEXT 2048u

/**
 * What every lcore and the control plane share about authentication: made
 * once by sw_cp_create() (sw_cp_policy()), read-only afterwards.  The spans
 * point into text[]: never copy the struct.
 */
struct sw_sa_policy {
	uint16_t challenge; /**< 401 or 407 */
	uint8_t cred_hdr;   /**< SW_HDR_PROXY_AUTHORIZATION (407) or SW_HDR_AUTHORIZATION */
	uint8_t info_hdr;   /**< SW_HDR_PROXY_AUTHENTICATION_INFO or SW_HDR_AUTHENTICATION_INFO */
	uint8_t version;    /**< offered in challenges */
	uint8_t n_ch;	    /**< challenges in ch[], in configured order */
	uint8_t n_targets;  /**< entries in targets[] */
	/** The first, stateless challenge: sw_sip_write_challenge(w, req, buf,
	 *  challenge, ch, n_ch, extra) with these needs no state and no allocation. */
	struct sw_sip_challenge ch[SW_SA_SCHEMES_MAX];
	struct sw_span realm;
	struct sw_span target[3];		   /**< indexed by enum sw_scheme (NONE: empty) */
	struct sw_span targets[SW_SA_SCHEMES_MAX]; /**< for sw_auth_select() */
	struct sw_span via_host;		   /**< our sent-by host for the Via we push */
	uint16_t via_port;
	const struct sw_digest *digest; /**< datagram digest key (never revealed) */
	char text[SW_SA_POLICY_TEXT];
	/** Flow-token key (sw_sa_flow_key_init()): the MAC of the Path tokens. */
	struct sw_sig_ckey flow_key;
	uint8_t flow_ready; /**< flow_key initialised */
};

/*
 * Outcomes of one signed request, in the order they are checked.  The
 * answer each gets (PROTOCOL.md §4): RETRANS and OK are forwarded; IDENTITY is
 * 403; CSEQ is 400; the rest get a fresh challenge (ACK/CANCEL are dropped).
 */
#define SW_SA_RESULTS(X)                                                                           \
	X(OK, "ok", "verified, first acceptance")                                                  \
	X(RETX, "retx", "byte-identical retransmission within 64*T1, forwarded again")             \
	X(NO_SA, "no_sa", "unknown opaque")                                                        \
	X(EXPIRED, "expired", "SA lifetime over, or being retired")                                \
	X(SCHEME, "scheme", "scheme of the credentials is not the SA's")                           \
	X(TARGET, "target", "realm or targetname is not the SA's")                                 \
	X(VERSION, "version", "version parameter differs from the SA's")                           \
	X(NO_SIG, "no_sig", "crand, cnum or response missing or malformed")                        \
	X(TOO_BIG, "too_big", "signed buffer over SW_SIGBUF_MAX or bad token framing")             \
	X(REPLAY, "replay", "(cnum, crand) accepted before and not a retransmission")              \
	X(BAD_SIG, "bad_sig", "signature does not verify")                                         \
	X(CSEQ, "cseq", "CSeq method differs from the request method")                             \
	X(IDENTITY, "identity", "From user is not the SA's user (403)")

enum sw_sa_rc {
#define X(id, name, help) SW_SA_##id,
	SW_SA_RESULTS(X)
#undef X
		SW_SA_RC_MAX
};

/** Stable name of an outcome ("replay"); "?" out of range. */
const char *sw_sa_rc_name(enum sw_sa_rc rc);

/*
 * Opaque on the wire: exactly 16 hex digits (case-insensitive on input).
 */

/** Parse an opaque value.  @return false unless exactly 16 hex digits. */
bool sw_sa_opaque_parse(struct sw_span v, uint64_t *opaque);

/** Write 16 upper-case hex digits (not NUL-terminated). */
void sw_sa_opaque_fmt(uint64_t opaque, char out[SW_SA_OPAQUE_HEX]);

/*
 * Credentials.
 */

/**
 * Check credentials @p cred (already selected for this server by
 * sw_auth_select(): realm and one of our targetnames) against @p sa at
 * @p now_ms: not dead or expired, scheme and version equal, targetname the
 * scheme's, crand 8 hex digits, cnum decimal < 2^32, response present.
 * On SW_SA_OK *cnum and *crand are set.  Reads only.
 */
enum sw_sa_rc sw_sa_check_cred(const struct sw_sa_policy *pol, const struct sw_sa_rt *sa,
			       const struct sw_auth *cred, uint64_t now_ms, uint32_t *cnum,
			       uint32_t *crand);

/** Slot size sw_sa_req_prep() needs: headroom + SW_SIGBUF_MAX + tailroom. */
#define SW_SA_SLOT_MAX (SW_SIG_HEADROOM + SW_SIGBUF_MAX + SW_SIG_TAILROOM)

/**
 * Build the signed buffer of request @p msg with the values of @p cred into
 * @p slot (SW_SA_SLOT_MAX bytes, per-packet scratch) and prepare the MAC job
 * (sw_sig_job_prep(); the expected tag is copied to @p tag_scratch).  Call
 * after sw_sa_check_cred() returned SW_SA_OK.
 * @return SW_SA_OK, SW_SA_NO_SIG (response not hex), SW_SA_TOO_BIG (buffer
 *   over SW_SIGBUF_MAX: the slow path may verify it with sw_sa_verify_scalar()),
 *   SW_SA_BAD_SIG (token length or framing wrong, no HMAC spent).
 */
enum sw_sa_rc sw_sa_req_prep(const struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
			     const struct sw_auth *cred, uint8_t *slot,
			     uint8_t tag_scratch[SW_MAC_TAG_MAX], struct sw_mac_job *job);

/**
 * Scalar verification of a request's signature (control plane, tests, large
 * messages).  Allocates in OpenSSL: not on a polling lcore.
 * @return SW_SA_OK, SW_SA_NO_SIG, SW_SA_BAD_SIG.
 */
enum sw_sa_rc sw_sa_verify_scalar(const struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
				  const struct sw_auth *cred);

/*
 * Replay window and retransmissions (PROTOCOL.md §4, STYLE.md 10).
 */

enum sw_sa_cnum {
	SW_SA_CNUM_NEW = 0, /**< not seen: verify, then commit */
	SW_SA_CNUM_SEEN,    /**< accepted before: only a retransmission passes */
	SW_SA_CNUM_OLD,	    /**< below the window: only a retransmission passes */
};

/** Pre-check (before the MAC): reads only. */
enum sw_sa_cnum sw_sa_cnum_check(const struct sw_sa_rt *sa, uint32_t cnum);

/**
 * Commit @p cnum after its tag matched: CAS loop, re-checking, so two lcores
 * (or two packets of one burst) cannot both accept the same cnum.
 * @return true if this call accepted it, false if it was no longer new.
 */
bool sw_sa_cnum_commit(struct sw_sa_rt *sa, uint32_t cnum);

/** Remember an accepted datagram's digest (after a successful commit). */
void sw_sa_retx_record(struct sw_sa_rt *sa, uint64_t digest, uint64_t now_ms);

/** Was a datagram with @p digest accepted within SW_SA_RETX_MS? */
bool sw_sa_retx_match(const struct sw_sa_rt *sa, uint64_t digest, uint64_t now_ms);

/**
 * The replay decision for a request whose cnum pre-check said SEEN or OLD,
 * in one call: SW_SA_RETX if @p datagram is a recent byte-identical
 * retransmission, else SW_SA_REPLAY.
 */
enum sw_sa_rc sw_sa_replay_verdict(const struct sw_sa_policy *pol, const struct sw_sa_rt *sa,
				   const void *datagram, size_t len, uint64_t now_ms);

/**
 * Stage 3 for one request whose tag matched: commit cnum (re-check), record
 * the datagram's digest, check the identity binding and the CSeq method.
 * @return SW_SA_OK (forward), SW_SA_RETX (lost the commit race to a
 *   byte-identical copy: forward), SW_SA_REPLAY, SW_SA_CSEQ, SW_SA_IDENTITY.
 *   The window is committed before the identity check: a signed request with
 *   a wrong From is still a use of that cnum.
 */
enum sw_sa_rc sw_sa_req_commit(const struct sw_sa_policy *pol, struct sw_sa_rt *sa,
			       const struct sw_sip_msg *msg, const void *datagram, size_t len,
			       uint32_t cnum, uint64_t now_ms);

/**
 * Identity binding (PROTOCOL.md §4).  An SA with allowed AORs (sa->aor_n >
 * 0: a mapped principal, or the [identity] domains) accepts a From whose
 * canonical AOR (sw_sa_aor_canon()) has one of their digests under
 * pol->digest; otherwise the user part of the From URI (after
 * "sip:"/"sips:", before '@') must equal the SA's user, case-insensitively.
 * The From URI is msg->from_uri, as sw_sip_parse() recorded it (what
 * sw_sip_uri_of() of the From value gives); the same holds for
 * sw_sa_from_match() and sw_sa_from_user_is().
 * Lcore: does not allocate, lock or log; at most SW_SA_AOR_MAX compares.
 */
bool sw_sa_from_ok(const struct sw_sa_policy *pol, const struct sw_sa_rt *sa,
		   const struct sw_sip_msg *msg);

/**
 * sw_sa_from_ok() against given data: the AOR digests @p aor[0..n) when n >
 * 0, else the user rule with @p user (@p user_len bytes).  Any thread.
 */
bool sw_sa_from_match(const struct sw_sa_policy *pol, const struct sw_sip_msg *msg,
		      const char *user, size_t user_len, const uint64_t *aor, unsigned int n);

/**
 * Canonical form of a SIP AOR, the identity the binding compares: from
 * "sip:" or "sips:" (any case) up to the host part's end (';', '?', '>' or
 * the end of @p uri), as "user@host[:port]" in lower case; URI parameters
 * and headers are dropped, sip and sips are the same AOR.  A URI without a
 * user part, with another scheme, or longer than SW_SA_AOR_LEN_MAX is not
 * an AOR.  Writes @p out (NUL-terminated, @p cap >= SW_SA_AOR_LEN_MAX + 1
 * is always enough).  Any thread; does not allocate.
 * @return the length, or -EINVAL (not an AOR), -ENAMETOOLONG.
 */
int sw_sa_aor_canon(const char *uri, size_t len, char *out, size_t cap);

/** sw_sa_from_ok() against a given user name (@p user_len bytes; 0 never matches). */
bool sw_sa_from_user_is(const struct sw_sip_msg *msg, const char *user, size_t user_len);

/*
 * Hot/cold split (sa_rt.h): the compact copies a record needs.
 */

/** Bytes of ext the record of @p k needs (0: everything fits in kb[]).
 *  Control plane. */
size_t sw_sa_rt_ext_size(const struct sw_sa_keys *k);

/**
 * Fill @p rt's compact keys, user name and krb_seq_s2c0 from the cold record
 * @p k (c2s, s2c, user filled) and point rt->keys at it; @p ext has
 * sw_sa_rt_ext_size(k) bytes (NULL when that is 0) and must live as long as
 * the record.  Control plane, before the record is used or installed.
 * @return 0, or -EINVAL (keys not initialised, ext missing).
 */
int sw_sa_rt_bind(struct sw_sa_rt *rt, struct sw_sa_keys *k, uint8_t *ext);

/** Bytes of @p rt's ext block in use (0 without one). */
size_t sw_sa_rt_ext_bytes(const struct sw_sa_rt *rt);

/*
 * Server signatures.
 */

/** Per-lcore srand generator (xoshiro256**), seeded from the CSPRNG. */
struct sw_sa_rng {
	uint64_t s[4];
};

/** Seed from getrandom().  Before launch only.  @return 0 or -EIO. */
int sw_sa_rng_seed(struct sw_sa_rng *r);

/** Next 32 random bits. */
uint32_t sw_sa_rng_next(struct sw_sa_rng *r);

/** Room for a [Proxy-]Authentication-Info value (with an AP-REP). */
#define SW_SA_INFO_MAX (1024u + SW_SA_AP_REP_B64_MAX)

/**
 * Sign response @p rsp (as received from upstream; the signed fields do not
 * change when our Via is popped) for the client of @p sa and write the value
 * of the info header to @p out (policy->info_hdr names it):
 *   <Scheme> qop="auth", opaque="..", realm="..", targetname="..",
 *   srand="<8 hex>", snum="<n>", rspauth="<hex>"[, gssapi-data="<AP-REP>"]
 * The AP-REP is added when @p with_ap_rep and the SA has one.  snum is taken
 * by atomic fetch-add; the Kerberos sequence number is
 * krb_seq_s2c0 + snum - 1 (PROTOCOL.md §3).  Reads only the record (compact s2c
 * key), except the AP-REP, which is in the cold record (control plane only).  @p scratch holds the
 * signed buffer (SW_SIGBUF_MAX bytes, per-lcore).
 * Scalar (one HMAC resumed from the compact key's pad states); does not
 * allocate, lock or log, except for Kerberos rc4-hmac keys (RC4 of SND_SEQ
 * through OpenSSL).
 * @return 0, -ENOSPC (@p out or the buffer too small), -EINVAL, -EIO.
 */
int sw_sa_sign_response(const struct sw_sa_policy *pol, struct sw_sa_rt *sa,
			const struct sw_sip_msg *rsp, struct sw_sa_rng *rng, bool with_ap_rep,
			uint8_t *scratch, struct sw_wbuf *out);

/** A server signature being made in an lcore's burst (sw_sa_sign_prep()). */
struct sw_sa_sign_pend {
	struct sw_sa_rt *sa;
	uint64_t snum;
	char srand[8];
	uint8_t token_len;
	uint8_t token[SW_SIG_TOKEN_MAX];
};

/**
 * sw_sa_sign_response() or sw_sa_sign_request() (by msg->status) for a
 * burst: takes snum and srand, builds the signed buffer in @p slot (SW_SA_SLOT_MAX bytes, at SW_SIG_HEADROOM) and prepares
 * @p job for sw_mac_compute_burst(); sw_sa_sign_finish() with the job's digest
 * then writes the same header value sw_sa_sign_response() would (no AP-REP:
 * that is the control plane's).  @p slot and @p sp must outlive the burst.
 * Does not allocate, lock or log (rc4-hmac keys: as sw_sa_sign_response()).
 * @return 0 (job prepared), 1 (an rc4-hmac key: signed here, no job; call
 *   sw_sa_sign_finish() with a NULL digest), -ENOSPC, -EINVAL, -EIO.
 */
int sw_sa_sign_prep(const struct sw_sa_policy *pol, struct sw_sa_rt *sa, const struct sw_sip_msg *msg,
		    struct sw_sa_rng *rng, uint8_t *slot, struct sw_sa_sign_pend *sp,
		    struct sw_mac_job *job);

/** Second half of sw_sa_sign_prep(): @p digest is the job's tag from the
 *  burst (NULL when prep returned 1).  @return 0, -ENOSPC, -EINVAL. */
int sw_sa_sign_finish(const struct sw_sa_policy *pol, struct sw_sa_sign_pend *sp,
		      const uint8_t *digest, struct sw_wbuf *out);

/**
 * Does a response for a client with @p sa need the control plane?  Yes when
 * it must carry the AP-REP, and for a 2xx to REGISTER (registration expiry,
 * Expires: 0 removal).  Everything else is signed on the lcore.
 */
bool sw_sa_rsp_needs_cp(const struct sw_sa_rt *sa, const struct sw_sip_msg *rsp);

/**
 * Is @p req an unregistration (REGISTER with "Expires: 0", or "Contact: *",
 * or every Contact with expires=0)?
 */
bool sw_sa_is_unregister(const struct sw_sip_msg *req);

/**
 * Note what the control plane must know about a request forwarded for
 * @p sa: sets SW_SA_F_UNREG for an unregistration, so the 2xx that answers
 * it removes the SA (PROTOCOL.md §4).  Call after verification, before
 * forwarding.
 */
void sw_sa_note_request(struct sw_sa_rt *sa, const struct sw_sip_msg *req);

/*
 * Our Via (RFC 3261 §16.6 step 8, §16.11 stateless branch).
 *
 *   SIP/2.0/UDP <host>:<port>;branch=z9hG4bK-sw<16 hex>;sw-sa=<opaque>;sw-src=<ip>:<port>
 *
 * branch: sw_digest_public2() of the request's top Via and Request-URI (the same for every
 * retransmission, different per client transaction); sw-sa: the SA the
 * response must be signed for (0: none); sw-src: the client's transport
 * address (IPv6 in brackets), where the response goes.
 */

/** Client transport address as carried in sw-src. */
struct sw_sa_src {
	uint8_t af;	  /**< AF_INET or AF_INET6; 0 when absent */
	uint8_t addr[16]; /**< network byte order (4 bytes used for IPv4) */
	uint16_t port;	  /**< host byte order */
};

/** Longest Via value sw_sa_via_write() produces. */
#define SW_SA_VIA_MAX 200u

/**
 * Write our Via value for request @p req (from @p src) carrying @p opaque
 * into @p w.  @return 0, -ENOSPC, -EINVAL.
 */
int sw_sa_via_write(const struct sw_sa_policy *pol, const struct sw_sip_msg *req, uint64_t opaque,
		    const struct sw_sa_src *src, struct sw_wbuf *w);

/**
 * The top Via value of @p req that our branch hashes: the first value
 * sw_sip_next_value() yields for Via, into *out.  @return false if there
 * is none (*out may still have been written: pass it on as it is, as
 * sw_sa_via_write() does).  Any thread.
 */
bool sw_sa_top_via(const struct sw_sip_msg *req, struct sw_span *out);

/**
 * sw_sa_via_write() with the top Via value already found: @p top is what
 * sw_sa_top_via() gave, or {NULL, 0} when it returned false.  For a caller
 * that needs that value itself (the lcore's loop check), so that the Via
 * line is not scanned twice.  Same bytes and return values.
 */
int sw_sa_via_write_top(const struct sw_sa_policy *pol, const struct sw_sip_msg *req,
			struct sw_span top, uint64_t opaque, const struct sw_sa_src *src,
			struct sw_wbuf *w);

/**
 * If the top Via of response @p rsp is ours (branch prefix z9hG4bK-sw),
 * return true with *opaque (0 if none) and *src filled.
 */
bool sw_sa_via_parse(const struct sw_sip_msg *rsp, uint64_t *opaque, struct sw_sa_src *src);

/*
 * Requests from upstream toward a client (RFC 3327 Path, RFC 5626 §5.2-5.3
 * style stateless flow token; PROTOCOL.md §1.4: the server signs every
 * message it sends to a client with an SA).
 *
 * When a verified REGISTER goes upstream we add
 *
 *   Path: <sip:<token>@<via_host>:<via_port>;lr>
 *
 * The token is lower-case hex of
 *   version/af byte (0x14 IPv4, 0x16 IPv6) | opaque (8, big-endian) |
 *   client address (4 or 16) | client port (2, big-endian) | tag (12)
 * where tag is the RFC 4121 HMAC-SHA1-96 checksum (Kerberos aes256 MIC
 * machinery of crypto/sig.h, sequence number 0) over the bytes before it,
 * under a random per-process key: the token cannot be forged or altered
 * without the key, and a restart (which loses every SA anyway) voids all
 * tokens.  The registrar stores the Path and puts it back as a Route on
 * requests for the client; the token then gives the SA and the client's
 * transport address without any state in the proxy.
 */

/** Bytes of the token's tag. */
#define SW_SA_FLOW_TAG 12u
/** Longest token (IPv6), hex digits. */
#define SW_SA_FLOW_HEX_MAX (2u * (1u + 8u + 16u + 2u + SW_SA_FLOW_TAG))
/** Longest Path value sw_sa_path_write() produces. */
#define SW_SA_PATH_MAX (SW_SA_FLOW_HEX_MAX + 96u)

/**
 * Give @p pol a fresh random flow-token key.  Control plane, when the
 * policy is built (before any lcore reads it).  The key lives in the policy
 * and is wiped with it (sw_sa_flow_key_wipe()).
 * @return 0, -EIO (no randomness), -EINVAL.
 */
int sw_sa_flow_key_init(struct sw_sa_policy *pol);

/** Wipe the flow-token key of @p pol.  NULL is a no-op. */
void sw_sa_flow_key_wipe(struct sw_sa_policy *pol);

/**
 * Append the flow token for (@p opaque, @p src) to @p w.  Does not allocate,
 * lock or log.  @return 0, -ENOSPC, -EINVAL (no key, bad address family).
 */
int sw_sa_flow_write(const struct sw_sa_policy *pol, uint64_t opaque, const struct sw_sa_src *src,
		     struct sw_wbuf *w);

/**
 * Append our Path value "<sip:<token>@<via_host>:<via_port>;lr>" to @p w.
 * @return as sw_sa_flow_write().
 */
int sw_sa_path_write(const struct sw_sa_policy *pol, uint64_t opaque, const struct sw_sa_src *src,
		     struct sw_wbuf *w);

/** What the top Route of a request from upstream says about us. */
enum sw_sa_route {
	SW_SA_ROUTE_NOT_OURS = 0, /**< no Route, or its URI is not our host:port */
	SW_SA_ROUTE_OK,		  /**< ours, token authentic: *opaque and *src set */
	SW_SA_ROUTE_BAD_TOKEN,	  /**< ours, but no token, bad syntax or bad tag */
};

/**
 * Look at the top Route value of request @p req: is it our Path URI (host
 * equal to pol->via_host, case-insensitive, port pol->via_port, 5060 when
 * absent), and does its user part carry an authentic flow token?  The tag is
 * compared in constant time.  Does not allocate, lock or log.
 */
enum sw_sa_route sw_sa_route_check(const struct sw_sa_policy *pol, const struct sw_sip_msg *req,
				   uint64_t *opaque, struct sw_sa_src *src);

/**
 * Sign request @p req (from upstream, relayed to the client of @p sa) in the
 * server direction: as sw_sa_sign_response(), with the request's signed
 * buffer (15 fields for version 3/4, no status code: MS-SIPAE §3.2.5.2
 * builds the same buffer for every message from the server).  Same returns.
 */
int sw_sa_sign_request(const struct sw_sa_policy *pol, struct sw_sa_rt *sa,
		       const struct sw_sip_msg *req, struct sw_sa_rng *rng, uint8_t *scratch,
		       struct sw_wbuf *out);

/**
 * Our Via on a request relayed from upstream to a client:
 *
 *   SIP/2.0/UDP <self>;branch=z9hG4bK-si<16 hex>;sw-sa=<opaque>;sw-src=<upstream>
 *
 * @p self: our address and port on the client side (where the client's
 * response must come); @p from: where the request came from upstream (the
 * fallback destination of the response).  @return 0, -ENOSPC, -EINVAL.
 */
int sw_sa_via_write_in(const struct sw_sa_policy *pol, const struct sw_sip_msg *req,
		       uint64_t opaque, const struct sw_sa_src *self, const struct sw_sa_src *from,
		       struct sw_wbuf *w);

/** sw_sa_via_parse() for the Via of sw_sa_via_write_in() (branch z9hG4bK-si). */
bool sw_sa_via_parse_in(const struct sw_sip_msg *rsp, uint64_t *opaque, struct sw_sa_src *src);

/**
 * Commit for a client's signed response whose tag matched: the cnum window
 * (clients number requests and responses in one sequence) and the
 * retransmission digest.  @return SW_SA_OK, SW_SA_RETX (a byte-identical
 * copy was accepted before), SW_SA_REPLAY.
 */
enum sw_sa_rc sw_sa_rsp_commit(const struct sw_sa_policy *pol, struct sw_sa_rt *sa,
			       const void *datagram, size_t len, uint32_t cnum, uint64_t now_ms);

#ifdef __cplusplus
}
#endif

#endif /* SW_SA_VERIFY_H */
