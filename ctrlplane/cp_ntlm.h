#ifndef SW_CP_NTLM_H
#define SW_CP_NTLM_H

/**
 * @file
 * Native connectionless NTLMv2 acceptor (MS-NLMP §3.2 in datagram mode, as
 * MS-SIPAE uses it; PROTOCOL.md §1, §5).
 *
 * Exchange, as the handshake layer drives it:
 *
 *  1. The client's first leg has empty gssapi-data.  sw_cp_ntlm_challenge()
 *     builds a CHALLENGE_MESSAGE with a fresh server challenge; the caller
 *     keeps the returned struct sw_cp_ntlm_pending under the opaque it puts
 *     in the 401/407 (bounded table, with a timeout) and sends the message
 *     base64 in gssapi-data.
 *  2. The client answers with an AUTHENTICATE_MESSAGE and that opaque.  The
 *     caller looks the pending state up, calls sw_cp_ntlm_authenticate() and
 *     then deletes the pending state whatever the outcome: one AUTHENTICATE
 *     per challenge, so a captured challenge cannot be used for guessing.
 *     (A byte-identical retransmission is recognised by the caller before
 *     this call, sw_cp_leg_digest(), and answered with the stored answer.)
 *  3. On SW_CP_NTLM_OK the SA's keys come from sw_cp_ntlm_sa_sig_keys().
 *
 * What is enforced: NTLMv2 only (NTLMv1 / LM-only responses and anonymous
 * are refused), UNICODE, EXTENDED_SESSIONSECURITY, KEY_EXCH, 128-bit, SIGN;
 * NTProofStr compared in constant time; the client's NTLMv2 timestamp and
 * the challenge's age within the time window; the MIC (HMAC-MD5 with the
 * ExportedSessionKey over CHALLENGE || AUTHENTICATE-with-zeroed-MIC, there
 * being no NEGOTIATE in connectionless mode) whenever the client's MsvAvFlags
 * announce one, and always when require_mic is configured.  Unknown users
 * take the same computation path as known ones (a dummy hash).
 *
 * Thread: control thread only (one acceptor per thread).  Counters may be
 * read from any thread (relaxed atomics).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"
#include "ctrlplane/cp_common.h"
#include "ctrlplane/ntlm_msg.h"
#include "ctrlplane/ntlm_users.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest CHALLENGE_MESSAGE we build (names are bounded in the config). */
#define SW_CP_NTLM_CHALLENGE_MAX 1024u
/** Longest NetBIOS name in the config (characters); DNS names: SW_CP_NTLM_DNS_MAX. */
#define SW_CP_NTLM_NB_MAX  15u
#define SW_CP_NTLM_DNS_MAX 128u
/** Default time window (seconds) for the client timestamp and the challenge age. */
#define SW_CP_NTLM_WINDOW_DEFAULT 300u
/** NTLM SA lifetime (PROTOCOL.md §4). */
#define SW_CP_NTLM_SA_LIFETIME (8 * 3600)
/** Room for a name as UTF-8 plus NUL (SW_NTLM_NAME_MAX bytes of UTF-16 -> <= 3/2 x). */
#define SW_CP_NTLM_NAME_BUF (3u * SW_NTLM_NAME_MAX / 2u + 1u)

/** CHALLENGE_MESSAGE flags (what gss-ntlmssp's acceptor and Lync front ends offer). */
#define SW_CP_NTLM_CHALLENGE_FLAGS                                                                 \
	(SW_NTLM_NEGOTIATE_UNICODE | SW_NTLM_REQUEST_TARGET | SW_NTLM_NEGOTIATE_SIGN |             \
	 SW_NTLM_NEGOTIATE_SEAL | SW_NTLM_NEGOTIATE_DATAGRAM | SW_NTLM_NEGOTIATE_NTLM |            \
	 SW_NTLM_NEGOTIATE_ALWAYS_SIGN | SW_NTLM_TARGET_TYPE_DOMAIN |                              \
	 SW_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY | SW_NTLM_NEGOTIATE_TARGET_INFO |              \
	 SW_NTLM_NEGOTIATE_VERSION | SW_NTLM_NEGOTIATE_128 | SW_NTLM_NEGOTIATE_KEY_EXCH |          \
	 SW_NTLM_NEGOTIATE_56)

/** Flags an AUTHENTICATE_MESSAGE must carry. */
#define SW_CP_NTLM_REQUIRED_FLAGS                                                                  \
	(SW_NTLM_NEGOTIATE_UNICODE | SW_NTLM_NEGOTIATE_SIGN |                                      \
	 SW_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY | SW_NTLM_NEGOTIATE_128 |                      \
	 SW_NTLM_NEGOTIATE_KEY_EXCH)

#define SW_CP_NTLM_RESULTS(X)                                                                      \
	X(OK, "ok", "authenticated")                                                               \
	X(BAD_MESSAGE, "bad_message", "AUTHENTICATE_MESSAGE or NTLMv2 blob failed to parse")       \
	X(BAD_FLAGS, "bad_flags",                                                                  \
	  "UNICODE/SIGN/ESS/128/KEY_EXCH missing or no 16-byte session key")                       \
	X(NTLMV1, "ntlmv1", "NTLMv1 or LM-only response refused")                                  \
	X(ANONYMOUS, "anonymous", "anonymous authentication refused")                              \
	X(BAD_NAME, "bad_name", "user or domain not valid UTF-16 / too long / empty user")         \
	X(UNKNOWN_USER, "unknown_user", "no such account")                                         \
	X(BAD_PASSWORD, "bad_password", "NTProofStr mismatch (wrong password or challenge)")       \
	X(DISABLED, "disabled", "account disabled (right password)")                               \
	X(STALE, "stale", "client timestamp or challenge outside the time window")                 \
	X(BAD_MIC, "bad_mic", "MIC missing or wrong")                                              \
	X(OTHER, "other", "internal error (crypto library, arguments)")

enum sw_cp_ntlm_rc {
#define X(id, name, help) SW_CP_NTLM_##id,
	SW_CP_NTLM_RESULTS(X)
#undef X
		SW_CP_NTLM_RC_MAX
};

/** Name of an outcome ("bad_password"), "?" when out of range. */
const char *sw_cp_ntlm_rc_name(enum sw_cp_ntlm_rc rc);

struct sw_cp_ntlm_cfg {
	const char *nb_domain;	  /**< "DOMAINB": MsvAvNbDomainName, TargetName, default domain */
	const char *nb_computer;  /**< "PROXY": MsvAvNbComputerName */
	const char *dns_domain;	  /**< "domainb.test": MsvAvDnsDomainName (may be NULL) */
	const char *dns_computer; /**< "proxy.domainb.test": MsvAvDnsComputerName (may be NULL) */
	uint32_t window;	  /**< seconds; 0 means SW_CP_NTLM_WINDOW_DEFAULT */
	bool require_mic;	  /**< refuse AUTHENTICATE without a MIC */
	/** Wall clock in Unix seconds; NULL means CLOCK_REALTIME.  For tests. */
	int64_t (*clock)(void *arg);
	void *clock_arg;
	sw_cp_log_fn log; /**< may be NULL */
	void *log_arg;
};

/**
 * State of a pending handshake, owned by the caller between the two legs
 * (plain data: may be copied, stored in a table, or serialised).
 */
struct sw_cp_ntlm_pending {
	int64_t created; /**< Unix seconds, from the acceptor's clock */
	uint8_t server_challenge[8];
	uint16_t len;			       /**< bytes of msg */
	uint8_t msg[SW_CP_NTLM_CHALLENGE_MAX]; /**< the CHALLENGE_MESSAGE as sent (MIC input) */
};

/** What an accepted AUTHENTICATE_MESSAGE establishes.  Wipe with sw_cp_ntlm_sa_wipe(). */
struct sw_cp_ntlm_sa {
	uint8_t session_key[16]; /**< ExportedSessionKey, for sw_sig_key_init_ntlm() */
	uint32_t flags;		 /**< NegotiateFlags of the AUTHENTICATE_MESSAGE */
	bool mic_verified;
	int64_t expires; /**< Unix seconds: now + SW_CP_NTLM_SA_LIFETIME */
	/** Authenticated identity (PROTOCOL.md §4), UTF-8, as the account source spells it;
	 *  domain is the client's domain when the account is a wildcard-domain entry. */
	char user[SW_CP_NTLM_NAME_BUF];
	char domain[SW_CP_NTLM_NAME_BUF];
	char workstation[SW_CP_NTLM_NAME_BUF]; /**< as sent by the client, may be "" */
};

struct sw_cp_ntlm;

/**
 * Create an acceptor.  @p users is borrowed and must outlive the acceptor
 * (reload it with sw_ntlm_users_reload()).  Config strings are copied.
 * @return 0, -EINVAL (missing/over-long names), -ENOMEM, -EIO (crypto library).
 */
int sw_cp_ntlm_create(const struct sw_cp_ntlm_cfg *cfg, const struct sw_ntlm_users *users,
		      struct sw_cp_ntlm **out);

/** Free.  NULL is a no-op. */
void sw_cp_ntlm_free(struct sw_cp_ntlm *acc);

/**
 * Build a CHALLENGE_MESSAGE (flags SW_CP_NTLM_CHALLENGE_FLAGS, TargetName =
 * nb_domain, TargetInfo = NbDomain, NbComputer, DnsDomain, DnsComputer,
 * Timestamp; Version) with an 8-byte challenge from the CSPRNG.
 * @return 0, -EIO (RNG / clock failure).
 */
int sw_cp_ntlm_challenge(struct sw_cp_ntlm *acc, struct sw_cp_ntlm_pending *out);

/**
 * Verify an AUTHENTICATE_MESSAGE against @p pending.  On SW_CP_NTLM_OK *out
 * is filled; otherwise it is zeroed.  Counts the outcome and logs failures
 * through the configured callback (one line).
 */
enum sw_cp_ntlm_rc sw_cp_ntlm_authenticate(struct sw_cp_ntlm *acc,
					   const struct sw_cp_ntlm_pending *pending,
					   const uint8_t *msg, size_t len,
					   struct sw_cp_ntlm_sa *out);

/** Per-direction signature keys of an SA (C2S verify, S2C sign).  @return 0, -EINVAL, -EIO. */
int sw_cp_ntlm_sa_sig_keys(const struct sw_cp_ntlm_sa *sa, struct sw_sig_key *c2s,
			   struct sw_sig_key *s2c);

/** Zero an SA record (key material).  NULL is a no-op. */
void sw_cp_ntlm_sa_wipe(struct sw_cp_ntlm_sa *sa);

/** Copy the outcome counters (indexed by enum sw_cp_ntlm_rc).  Any thread. */
void sw_cp_ntlm_stats(const struct sw_cp_ntlm *acc, uint64_t out[SW_CP_NTLM_RC_MAX]);

/*
 * The NTLMv2 computations (MS-NLMP §3.3.2), exposed for vectors and tests.
 */

/** NTOWFv2 = HMAC-MD5(NT hash, UTF-16LE(Uppercase(user) || domain)); names in UTF-16LE.
 *  @return 0, -EINVAL, -EIO. */
int sw_cp_ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user16, size_t user_len,
		       const uint8_t *domain16, size_t domain_len, uint8_t out[16]);

/** NTProofStr = HMAC-MD5(ResponseKeyNT, ServerChallenge || blob) and
 *  SessionBaseKey = HMAC-MD5(ResponseKeyNT, NTProofStr).  @return 0, -EINVAL, -EIO. */
int sw_cp_ntlm_v2_proof(const uint8_t response_key[16], const uint8_t server_challenge[8],
			const uint8_t *blob, size_t blob_len, uint8_t proof[16],
			uint8_t session_base_key[16]);

/** MIC = HMAC-MD5(ExportedSessionKey, CHALLENGE || AUTHENTICATE with the MIC field zeroed).
 *  @p auth must have a MIC field.  @return 0, -EINVAL, -EIO. */
int sw_cp_ntlm_mic(const uint8_t session_key[16], const uint8_t *chal, size_t chal_len,
		   const uint8_t *auth, size_t auth_len, uint8_t mic[16]);

/** Unix seconds <-> FILETIME (100 ns ticks since 1601-01-01). */
uint64_t sw_cp_ntlm_filetime(int64_t unix_seconds);

#ifdef __cplusplus
}
#endif

#endif /* SW_CP_NTLM_H */
