#ifndef SW_CP_KRB_H
#define SW_CP_KRB_H

/**
 * @file
 * Kerberos acceptor: the AP-REQ in gssapi-data (PROTOCOL.md §1), accepted
 * with MIT krb5's GSS-API and the keytab of `sip/<fqdn>`, turned into the
 * material an SA needs (PROTOCOL.md §3, §4): context key and enctype,
 * whether it is the acceptor subkey, initial sequence numbers both ways,
 * ticket end time, client principal and realm, and the AP-REP when the
 * client asked for mutual authentication (the patent's variant; it goes back
 * in the gssapi-data of the next response's Proxy-Authentication-Info).
 * Without mutual authentication (MS-SIPAE's variant) the first signed
 * response is the server's proof.
 *
 * Key material comes from gss_krb5_export_lucid_sec_context(), which also
 * consumes the context: measured with MIT 1.20 it costs 1.8 us including
 * the context's deletion, less than the alternative PROTOCOL.md §5 names
 * (GSS_C_INQ_SSPI_SESSION_KEY + one gss_get_mic() for the initial sequence
 * number + deletion: 4.9 us).  That alternative runs as a cross-check in
 * sw_cp_krb_set_xcheck() mode.  What dominates an accept besides MIT's own
 * work is the client name: asking gss_accept_sec_context() for it, then
 * gss_display_name() and gss_release_name() each create a krb5 context
 * inside MIT (~6 us each); there is no cheaper GSS route to the principal.
 * Nothing GSS-owned outlives sw_cp_krb_accept().
 *
 * Replay cache: MIT's, in the directory named by KRB5RCACHEDIR (give each
 * process its own).  A byte-identical retransmission of the handshake leg
 * must be recognised by the caller *before* calling accept (PROTOCOL.md §6;
 * sw_cp_leg_digest() in cp_common.h), otherwise it is counted as REPLAY.
 *
 * Thread: control thread only (one context per thread); counters may be read
 * from any thread.  GSS major/minor codes are translated once, here, into an
 * outcome and one log line through the caller's callback; they are never
 * returned to a peer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"
#include "ctrlplane/cp_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest gssapi-data token accepted (AP-REQs with a PAC reach ~10 KiB). */
#define SW_CP_KRB_TOKEN_MAX 65535u
/** Largest AP-REP token returned (MIT's are ~150 bytes). */
#define SW_CP_KRB_APREP_MAX 512u
/** Longest client principal / realm kept (bytes, with the NUL). */
#define SW_CP_KRB_NAME_MAX 256u
/** Largest context key (aes256: 32 bytes). */
#define SW_CP_KRB_KEY_MAX 32u
/** SA lifetime cap (PROTOCOL.md §4): min(ticket end, now + 8 h). */
#define SW_CP_KRB_SA_LIFETIME_MAX (8 * 3600)

#define SW_CP_KRB_RESULTS(X)                                                                       \
	X(OK, "ok", "context established")                                                         \
	X(BAD_TOKEN, "bad_token", "not a GSS Kerberos AP-REQ (framing, OID, ASN.1, empty)")        \
	X(SKEW, "skew", "authenticator outside the clock skew (KRB5KRB_AP_ERR_SKEW, TKT_NYV)")     \
	X(REPLAY, "replay", "AP-REQ already in the replay cache (KRB5KRB_AP_ERR_REPEAT)")          \
	X(KVNO, "kvno",                                                                            \
	  "no keytab key for the ticket's kvno/enctype (BADKEYVER, KT_NOTFOUND, "                  \
	  "NOKEY)")                                                                                \
	X(EXPIRED, "expired", "ticket expired (KRB5KRB_AP_ERR_TKT_EXPIRED)")                       \
	X(WRONG_PRINC, "wrong_princ", "ticket for another service (WRONG_PRINC, NOT_US)")          \
	X(MODIFIED, "modified", "integrity check failed (BAD_INTEGRITY, MODIFIED)")                \
	X(OTHER, "other", "anything else, incl. out of memory")

enum sw_cp_krb_rc {
#define X(id, name, help) SW_CP_KRB_##id,
	SW_CP_KRB_RESULTS(X)
#undef X
		SW_CP_KRB_RC_MAX
};

/** Name of an outcome ("skew"), "?" when out of range. */
const char *sw_cp_krb_rc_name(enum sw_cp_krb_rc rc);

/** What an accepted AP-REQ establishes.  Plain data; wipe with sw_cp_krb_sa_wipe(). */
struct sw_cp_krb_sa {
	int enctype; /**< RFC 3961 number: 17, 18, 19, 20 or 23 */
	uint8_t key_len;
	uint8_t key[SW_CP_KRB_KEY_MAX]; /**< the key MIT uses for MICs */
	/** key is the acceptor subkey (mutual auth, CFX): tokens carry flag 0x04;
	 *  call sw_sig_key_set_acceptor_subkey() (sw_cp_krb_sa_sig_keys() does). */
	bool acceptor_subkey;
	bool mutual;		/**< the client asked for mutual authentication */
	uint32_t gss_flags;	/**< ret_flags of gss_accept_sec_context */
	uint64_t initiator_seq; /**< first sequence number the client signs with (C2S) */
	uint64_t acceptor_seq;	/**< first sequence number we sign with (S2C) */
	int64_t ticket_end;	/**< Unix seconds */
	int64_t expires;	/**< min(ticket_end, now + 8 h) */
	/** Authenticated identity (PROTOCOL.md §4): "bob@DOMAINB.TEST" split at the realm. */
	char principal[SW_CP_KRB_NAME_MAX]; /**< full display form */
	char user[SW_CP_KRB_NAME_MAX];	    /**< without the realm ("bob", "host/x") */
	char realm[SW_CP_KRB_NAME_MAX];
	uint16_t ap_rep_len;		     /**< 0 without mutual authentication */
	uint8_t ap_rep[SW_CP_KRB_APREP_MAX]; /**< GSS token for Proxy-Authentication-Info */
};

struct sw_cp_krb;

/**
 * Create an acceptor for @p service from keytab @p keytab.
 * @param keytab  path ("FILE:" prefix optional), or NULL for KRB5_KTNAME /
 *                the default keytab.
 * @param service "sip/proxy.domainb.test" (Kerberos principal, default realm
 *                appended) or "sip@proxy.domainb.test" (GSS host-based
 *                service), or NULL to accept any principal in the keytab.
 * @return 0, -EINVAL (bad name), -ENOENT (no usable key for @p service in
 *   the keytab; logged), -ENOMEM, -EIO.
 */
int sw_cp_krb_create(const char *keytab, const char *service, struct sw_cp_krb **out);

/** Log sink for the one-line failure reports (default: none). */
void sw_cp_krb_set_log(struct sw_cp_krb *kc, sw_cp_log_fn fn, void *arg);

/** Free.  NULL is a no-op. */
void sw_cp_krb_free(struct sw_cp_krb *kc);

/**
 * Re-acquire the acceptor credential (SIGHUP after a keytab change).  While
 * the keytab keeps the old kvno's keys, tickets issued before the re-key
 * keep working; new-kvno tickets work once the keytab has them.  On failure
 * the old credential stays in force.
 * @return 0, or as sw_cp_krb_create().
 */
int sw_cp_krb_reload(struct sw_cp_krb *kc);

/**
 * Accept the GSS token @p token (the decoded gssapi-data).  On SW_CP_KRB_OK
 * *out is filled; otherwise it is zeroed.  Counts every outcome; logs each
 * failure once.
 */
enum sw_cp_krb_rc sw_cp_krb_accept(struct sw_cp_krb *kc, const uint8_t *token, size_t len,
				   struct sw_cp_krb_sa *out);

/**
 * Signature keys of an SA: @p c2s verifies the client's signatures, @p s2c
 * signs ours (sign with sequence numbers from sa->acceptor_seq on).  Sets
 * the AcceptorSubkey flag when needed.  @return 0, -EINVAL, -ENOTSUP, -EIO.
 */
int sw_cp_krb_sa_sig_keys(const struct sw_cp_krb_sa *sa, struct sw_sig_key *c2s,
			  struct sw_sig_key *s2c);

/** Zero an SA record.  NULL is a no-op. */
void sw_cp_krb_sa_wipe(struct sw_cp_krb_sa *sa);

/**
 * Cross-check mode (tests, and operators chasing a key mismatch): before the
 * lucid export every accept also takes the key from
 * GSS_C_INQ_SSPI_SESSION_KEY and our initial sequence number and the
 * acceptor-subkey flag from a gss_get_mic() token, and requires both routes
 * to agree on enctype, key, flag, sequence numbers and ticket end (for
 * rc4-hmac, whose MIC hides the sequence number, on enctype, key and ticket
 * end); a disagreement is SW_CP_KRB_OTHER with one log line.  Slower (both
 * routes).  Control thread.
 */
void sw_cp_krb_set_xcheck(struct sw_cp_krb *kc, bool on);

/** Accepts whose keys came from the lucid export (@p lucid: all successful
 *  ones) and accepts cross-checked with both routes agreeing (@p xcheck).
 *  Any thread. */
void sw_cp_krb_path_stats(const struct sw_cp_krb *kc, uint64_t *lucid, uint64_t *xcheck);

/** Copy the outcome counters (indexed by enum sw_cp_krb_rc).  Any thread. */
void sw_cp_krb_stats(const struct sw_cp_krb *kc, uint64_t out[SW_CP_KRB_RC_MAX]);

/**
 * The translation used by sw_cp_krb_accept(), exposed for tests: GSS major
 * status and krb5 minor code (a krb5_error_code) to an outcome.
 */
enum sw_cp_krb_rc sw_cp_krb_classify(uint32_t major, int32_t minor);

#ifdef __cplusplus
}
#endif

#endif /* SW_CP_KRB_H */
