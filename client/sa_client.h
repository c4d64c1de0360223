#ifndef SW_SA_CLIENT_H
#define SW_SA_CLIENT_H

/**
 * @file
 * libswclient: the client side of MS-SIPAE / EP 1 267 548 (PROTOCOL.md).
 *
 * A struct sw_client owns one UDP socket towards one first-hop proxy, the
 * user's credentials (Kerberos through MIT GSS-API, NTLM natively) and one
 * security association per proxy on the path (patent FIG. 5), each driven by
 * the state machine of patent FIG. 4:
 *
 *     NONE --challenge / pre-auth--> ACQUIRING --signed 2xx--> ESTABLISHED
 *     ESTABLISHED --challenge--> DROPPED --> ACQUIRING        (SA was in use)
 *     ESTABLISHED(fresh) / ACQUIRING --challenge--> BACKOFF --timer--> NONE
 *
 * "fresh": established, but no signed request has been answered on it yet; a
 * proxy that challenges such an SA is assumed to be in a bad state, and the
 * client waits cfg.backoff_ms before sending to it again.
 *
 * Every request sent while an SA is established is signed for it (crand
 * random, cnum counting up); every response carrying a server signature is
 * verified, and a final response that lacks a valid signature of an
 * established SA is dropped (the transaction then retransmits / times out).
 *
 * Calls block (poll on the socket) and are not thread-safe: one sw_client
 * per thread.  All functions return 0 or a negative errno unless stated.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_CL_SA_MAX		 8u    /**< proxies on one path */
#define SW_CL_STR_MAX		 256u  /**< realm, targetname, opaque, names */
#define SW_CL_MSG_MAX		 8192u /**< largest request / response handled */
#define SW_CL_BACKOFF_DEFAULT_MS (5u * 60u * 1000u)
#define SW_CL_T1_DEFAULT_MS	 500u
#define SW_CL_T2_DEFAULT_MS	 4000u

/** Credential source for Kerberos. */
enum sw_cl_krb_src {
	SW_CL_KRB_DEFAULT = 0, /**< default ccache (KRB5CCNAME) */
	SW_CL_KRB_CCACHE,      /**< a named ccache */
	SW_CL_KRB_KEYTAB,      /**< a client keytab (gss_acquire_cred_from client_keytab) */
	SW_CL_KRB_PASSWORD,    /**< kinit in-process into a MEMORY ccache */
};

/** States of one SA (patent FIG. 4). */
#define SW_SA_STATES(X)                                                                            \
	X(NONE, "NONE")                                                                            \
	X(ACQUIRING, "ACQUIRING_SA")                                                               \
	X(ESTABLISHED, "ESTABLISHED")                                                              \
	X(DROPPED, "SA_DROPPED")                                                                   \
	X(BACKOFF, "BACKOFF")

enum sw_sa_state {
#define X(id, name) SW_SA_##id,
	SW_SA_STATES(X)
#undef X
	SW_SA_STATE_MAX
};

/** Inputs of the state machine. */
#define SW_SA_EVENTS(X)                                                                            \
	X(PREAUTH, "preauth")	  /* credentials sent unasked (FIG. 6/9) */                        \
	X(CHALLENGE, "challenge") /* 401/407 for this targetname, no handshake token */            \
	X(CONTINUE, "continue")	  /* 401/407 carrying the next handshake token (NTLM) */           \
	X(CONFIRMED, "confirmed") /* response with a valid server signature / AP-REP */            \
	X(SIGNED_OK, "signed_ok") /* a signed request got a verified final response */             \
	X(FAILED, "failed")	  /* handshake error, bad AP-REP, mutual check failed */           \
	X(EXPIRED, "expired")	  /* SA lifetime over */                                           \
	X(REMOVED, "removed")	  /* unregistered (Expires: 0 answered) */                         \
	X(TIMER, "timer")	  /* back-off time is over */                                      \
	X(REACQUIRE, "reacquire") /* a dropped SA starts again */

enum sw_sa_event {
#define X(id, name) SW_SA_EV_##id,
	SW_SA_EVENTS(X)
#undef X
	SW_SA_EV_MAX
};

const char *sw_sa_state_name(enum sw_sa_state s);
const char *sw_sa_event_name(enum sw_sa_event e);

/**
 * The pure transition function (table-driven tests use it directly).
 * @p fresh: the SA is established and no signed request was answered on it
 * yet.  Returns the next state; an event that does not apply in @p s
 * returns @p s unchanged.  Thread: any.
 */
enum sw_sa_state sw_sa_next(enum sw_sa_state s, enum sw_sa_event ev, bool fresh);

/** One line of the -v transcript (NUL-terminated, no newline). */
typedef void (*sw_cl_log_fn)(void *arg, const char *line);

/** Wall-clock source in ms (monotonic); tests inject one. */
typedef uint64_t (*sw_cl_clock_fn)(void *arg);

struct sw_cl_config {
	/* Where and who. */
	const char *proxy_host; /**< host name or address of the first hop */
	uint16_t proxy_port;	/**< 0: 5060 */
	const char *local;	/**< "ADDR:PORT" to bind, NULL: 0.0.0.0:0 (or [::]:0) */
	const char *user;	/**< "bob@DOMAINB.TEST": principal; AOR sip:bob@domainb.test */
	const char *aor_domain; /**< SIP domain of the AOR, NULL: lower-cased realm of user */
	/* Mechanisms: bit (1 << enum sw_scheme); 0 means both. */
	unsigned int mechs;
	/* Kerberos. */
	enum sw_cl_krb_src krb_src;
	const char *krb_ccache; /**< SW_CL_KRB_CCACHE */
	const char *krb_keytab; /**< SW_CL_KRB_KEYTAB */
	bool mutual;		/**< GSS_C_MUTUAL_FLAG: AP-REP must verify (patent [0062]) */
	bool use_gss_mic;	/**< sign with gss_get_mic instead of crypto/sig (cross-check) */
	/* Password (Kerberos SW_CL_KRB_PASSWORD and NTLM). */
	const char *password;	 /**< copied and wiped by the client */
	const char *ntlm_domain; /**< NetBIOS domain, NULL: first label of the realm */
	const char *workstation; /**< NULL: "SIPWARD" */
	bool ntlm_no_mic;	 /**< behave like pidgin-sipe: no MsvAvFlags/MIC */
	/** Signed requests without the version parameter, as pidgin-sipe sends them
	 *  (handshake legs always carry it).  Default: version= on every header of a
	 *  version 3/4 SA, which the engine requires (dataplane/sa_verify.c). */
	bool sign_no_version;
	/* Protocol. */
	bool preauth;		/**< credentials in the first REGISTER (FIG. 6/9) */
	unsigned int version;	/**< 2, 3, 4; used for pre-auth, 0: 3 */
	const char *realm;	/**< pre-auth realm, NULL: "SIP Communications Service" */
	const char *targetname; /**< pre-auth targetname, NULL: derived from proxy_host */
	uint16_t family;	/**< pre-auth header family 401 or 407 (0: 407) */
	uint32_t expires;	/**< REGISTER Expires, 0: 3600 */
	/* Timers. */
	uint32_t t1_ms, t2_ms; /**< 0: RFC 3261 defaults */
	uint32_t timeout_ms;   /**< whole operation, 0: 32 s */
	uint32_t backoff_ms;   /**< FIG. 4 back-off, 0: SW_CL_BACKOFF_DEFAULT_MS */
	/* Hooks. */
	sw_cl_log_fn log; /**< transcript, NULL: silent */
	void *log_arg;
	bool log_messages;    /**< also log every datagram in full */
	sw_cl_clock_fn clock; /**< NULL: CLOCK_MONOTONIC */
	void *clock_arg;
};

/** Public view of one SA (for --json and tests). */
struct sw_cl_sa_info {
	enum sw_sa_state state;
	bool fresh;
	enum sw_scheme scheme;
	unsigned int version;
	uint16_t family; /**< 401 or 407 */
	char realm[SW_CL_STR_MAX];
	char targetname[SW_CL_STR_MAX];
	char opaque[SW_CL_STR_MAX];
	uint64_t cnum; /**< last cnum used */
	int enctype;   /**< Kerberos enctype, 0 for NTLM */
	bool mutual_verified;
	uint32_t backoffs;
};

/** Counters of one client (for --json). */
struct sw_cl_stats {
	uint32_t requests; /**< transactions started */
	uint32_t retransmissions;
	uint32_t challenges;
	uint32_t handshakes; /**< handshake legs sent */
	uint32_t signed_requests;
	uint32_t verified_responses; /**< server signatures that verified */
	uint32_t dropped_responses;  /**< unsigned / badly signed after establishment */
	uint32_t backoffs;
	uint16_t last_status; /**< final status of the last transaction */
	/* Requests received (sw_client_listen()). */
	uint32_t incoming;	    /**< requests received, retransmissions excluded */
	uint32_t incoming_verified; /**< server signature verified (or no SA: accepted) */
	uint32_t incoming_refused;  /**< not answered: unsigned, bad signature, replay, malformed */
	uint32_t incoming_retrans;  /**< retransmissions answered with the same response */
	uint32_t signed_responses;  /**< responses we signed */
};

struct sw_client;

/**
 * Create a client: resolves the proxy, binds the socket, acquires Kerberos
 * credentials if Kerberos is allowed and available (a failure there only
 * disables Kerberos, logged), hashes the NTLM password.
 * @return 0, -EINVAL (config), -EADDRNOTAVAIL / -errno (socket), -EACCES (no usable
 *   credentials for any allowed mechanism), -ENOMEM.
 */
int sw_client_create(const struct sw_cl_config *cfg, struct sw_client **out);

/** Free (wipes keys and the password).  NULL is a no-op. */
void sw_client_free(struct sw_client *c);

/**
 * REGISTER (expires from the config; 0 here keeps it) until a final answer.
 * Handles challenges, handshakes, back-off, several proxies.
 * @return 0 when a 2xx arrived and every established SA's signature on it
 *   verified; -EACCES (authentication failed / back-off exceeds the time
 *   left), -ETIMEDOUT, -EPROTO (non-2xx final), -EBADMSG (only badly signed
 *   answers), others.
 */
int sw_client_register(struct sw_client *c);

/** REGISTER with Expires: 0; the SAs are removed once it is answered. */
int sw_client_unregister(struct sw_client *c);

/**
 * OPTIONS / MESSAGE / INVITE (+ACK) to @p to ("user@host" or a sip: URI).
 * Challenged: ACK (INVITE), establish the SA with a REGISTER (FIG. 7/8),
 * then send the request again, signed.  @p body may be NULL (MESSAGE: a
 * text/plain line, INVITE: a minimal SDP).
 */
int sw_client_request(struct sw_client *c, const char *method, const char *to, const char *body);

/*
 * Receiving requests (the UAS side): calls, messages and OPTIONS that a
 * registrar routes back to us through the proxy's Path (RFC 3327), signed by
 * the proxy in the server direction (MS-SIPAE §3.2.5.2: srand/snum/rspauth
 * over the 15-field request buffer).
 */

/** Requests one sw_client_listen() waits for at most (--count). */
#define SW_CL_LISTEN_COUNT_MAX 10000u
/** Answered requests remembered for retransmissions (64*T1 each). */
#define SW_CL_ANSWERED_MAX 16u

/** What happened to one received request. */
#define SW_CL_IN_VERDICTS(X)                                                                       \
	X(VERIFIED, "verified")	    /* the server signature of every SA on it verified */          \
	X(NO_SA, "accepted_no_sa")  /* unsigned, and we hold no SA: answered unsigned */           \
	X(UNSIGNED, "unsigned")	    /* no signature of an established SA: refused */               \
	X(BAD_SIG, "bad_signature") /* a signature claiming our SA failed: refused */              \
	X(REPLAY, "replay")	    /* snum already seen, not a retransmission: refused */         \
	X(MALFORMED, "malformed")   /* does not parse: refused */

enum sw_cl_in_verdict {
#define X(id, name) SW_CL_IN_##id,
	SW_CL_IN_VERDICTS(X)
#undef X
	SW_CL_IN_VERDICT_MAX
};

/** Stable name of a verdict ("verified", as --json prints it); "?" out of range. */
const char *sw_cl_in_verdict_name(enum sw_cl_in_verdict v);

/** One received request (for --json and tests). */
struct sw_cl_incoming {
	char method[16];
	char from[SW_CL_STR_MAX]; /**< From URI */
	char call_id[80];
	uint32_t cseq;
	enum sw_cl_in_verdict verdict;
	char targetname[SW_CL_STR_MAX]; /**< SA whose signature verified or failed, "" none */
	uint64_t snum;			/**< of that signature, 0 none */
	uint16_t answered;		/**< status we sent (signed when verified), 0: none */
	uint32_t retransmissions;	/**< copies answered again with the same response */
	char body[SW_CL_STR_MAX];	/**< start of the body (a MESSAGE's text) */
};

/** Polled by sw_client_listen() between datagrams: true ends the wait. */
typedef bool (*sw_cl_stop_fn)(void *arg);

/** Bounds and output of one sw_client_listen(); the caller owns @p rx. */
struct sw_cl_listen {
	unsigned int count;  /**< new requests to wait for, 1..SW_CL_LISTEN_COUNT_MAX */
	uint32_t timeout_ms; /**< and at most this long (0: 32 s) */
	uint32_t keep_ms;    /**< answers kept for retransmissions (0: 64*T1, RFC 3261 §17.2) */
	sw_cl_stop_fn stop;  /**< NULL: none (a signal handler's flag, for the CLI) */
	void *stop_arg;
	/* Output: the first rx_cap requests (retransmissions fold into their original). */
	struct sw_cl_incoming *rx;
	unsigned int rx_cap;
	unsigned int n_rx; /**< requests received (may exceed rx_cap; only rx_cap kept) */
};

/**
 * Receive requests on the client's socket (REGISTER first if no SA is
 * established and nothing was registered yet: pre-auth or challenged as the
 * config says) until @p l->count new requests arrived, the timeout passed
 * or @p l->stop said so.  Each request: every [Proxy-]Authentication-Info
 * for one of our established SAs (targetname, realm, scheme) must carry that
 * SA's opaque and verify with its server-to-client key, and its snum must
 * not have been seen before; then MESSAGE / INVITE / OPTIONS / BYE get a
 * 200 OK, any other method but ACK a 405, signed for every SA that signed
 * the request (crand random, next cnum: MS-SIPAE signs responses like
 * requests).  ACK gets nothing.  A request that is unsigned while we hold an
 * established SA, or whose signature fails, is refused: not answered,
 * counted (stats incoming_refused) and logged.  A retransmission (same
 * Call-ID, CSeq and top Via branch as an answered request, within 64*T1)
 * that verifies gets the same response, byte for byte; after l->keep_ms it
 * is a new request (and a replay if its snum was seen).
 * @return 0 (count reached, time over or stopped), -EINVAL (count out of
 *   range), -ENOMEM, as sw_client_register() when the registration fails,
 *   -errno of the socket.
 */
int sw_client_listen(struct sw_client *c, struct sw_cl_listen *l);

/** Number of SAs and their state.  @return count (<= SW_CL_SA_MAX). */
unsigned int sw_client_sas(const struct sw_client *c, struct sw_cl_sa_info *out, unsigned int cap);

void sw_client_stats(const struct sw_client *c, struct sw_cl_stats *out);

/** Human-readable reason of the last failure ("" if none). */
const char *sw_client_error(const struct sw_client *c);

/** The local transport address actually bound ("127.0.0.1:40123"). */
const char *sw_client_local(const struct sw_client *c);

/*
 * Presigned load (presign.c): SIPp injection files.
 */

/** What sw_client_presign() writes. */
struct sw_cl_presign_cfg {
	const char *csv_path; /**< SIPp injection file */
	const char *xml_path; /**< matching scenario, NULL: csv_path + ".xml" */
	const char *sa_file;  /**< load SAs from here if it exists, else save them here */
	unsigned int count;   /**< SAs to establish (ignored when loading) */
	unsigned int per_sa;  /**< signed requests per SA (M) */
	const char *method;   /**< "OPTIONS" (default), "MESSAGE", "REGISTER" */
	const char *to;	      /**< target of OPTIONS/MESSAGE, NULL: the AOR */
	/** Output: the SIPp options the files need ("-cid_str 'TOKEN-%u' -m N"). */
	char sipp_args[128];
};

/**
 * Establish cfg->count SAs (one REGISTER handshake each, distinct Call-IDs
 * and From tags) or load them from sa_file, then write count x per_sa
 * signed requests as a SIPp CSV (fields: Call-ID, From tag, CSeq, R-URI,
 * From URI, To URI, Expires, credentials header name and value) and the
 * scenario XML.  SIPp matches responses to calls by its own Call-ID, so the
 * presigned Call-IDs are "TOKEN-k" for the k-th line and SIPp must run with
 * -cid_str 'TOKEN-%u' (its call numbers count from 1 like the lines):
 * pc->sipp_args says so, as does the scenario's header comment.  The SA file (keys: secrets) is
 * written 0600 and updated with the next cnum, so a reused set never repeats a cnum.
 * @return 0, or a negative errno (sw_client_error() says why).
 */
int sw_client_presign(struct sw_client *c, struct sw_cl_presign_cfg *pc);

#ifdef __cplusplus
}
#endif

#endif /* SW_SA_CLIENT_H */
