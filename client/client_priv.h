#ifndef SW_CLIENT_PRIV_H
#define SW_CLIENT_PRIV_H

/*
 * Private to client/: the pieces sa_client.c, krb_init.c, ntlm_init.c,
 * transport.c, ua.c and presign.c share, exposed to tests/client through
 * this header (unit tests drive the timers, the request builder and the NTLM
 * initiator directly).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "client/sa_client.h"
#include "crypto/sig.h"
#include "ctrlplane/ntlm_msg.h"
#include "dataplane/sip_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Misc (sa_client.c).
 */

/** Base64 (RFC 4648, padded).  encode: @return length written (NUL added), -ENOSPC.
 *  decode: ignores nothing, @return bytes, -EINVAL, -ENOSPC. */

/** Random bytes from getrandom(2).  @return 0 or -EIO. */
int sw_cl_random(void *out, size_t len);

/** Wipe memory (explicit_bzero). */
void sw_cl_wipe(void *p, size_t n);

/*
 * Keys of an established SA, in the form the SA file stores.
 */
struct sw_cl_keys {
	uint8_t scheme;	 /**< enum sw_scheme */
	int enctype;	 /**< Kerberos; 0 for NTLM */
	uint8_t key_len; /**< 16 NTLM (ExportedSessionKey), 16/32 Kerberos */
	uint8_t key[32];
	bool acceptor_subkey; /**< Kerberos: tokens carry flag 0x04 (mutual) */
	uint64_t krb_seq;     /**< Kerberos: next sequence number to sign with */
};

/** Derive both directions' sw_sig_key.  @return 0 or as sw_sig_key_init_*. */
int sw_cl_keys_derive(const struct sw_cl_keys *k, struct sw_sig_key *c2s, struct sw_sig_key *s2c);

/*
 * Kerberos initiator (krb_init.c): MIT GSS-API.
 */
struct sw_cl_krb;     /* credentials */
struct sw_cl_krb_ctx; /* one security context */

/** Acquire credentials per cfg (krb_src, user, password, keytab, ccache).
 *  On failure @p err gets one line.  @return 0, -EACCES, -ENOMEM, -EINVAL. */
int sw_cl_krb_creds(const struct sw_cl_config *cfg, struct sw_cl_krb **out, char *err,
		    size_t errcap);
void sw_cl_krb_free(struct sw_cl_krb *k);

/**
 * Start a context for @p targetname ("sip/<fqdn>" -> service sip@<fqdn>):
 * integrity + identify (+ mutual).  *tok is malloc()ed (caller frees);
 * *complete says whether the context is already established (no mutual).
 * @return 0, -EACCES (GSS error, @p err says which), -ENOMEM, -EINVAL.
 */
int sw_cl_krb_start(struct sw_cl_krb *k, const char *targetname, bool mutual,
		    struct sw_cl_krb_ctx **ctx_out, uint8_t **tok, size_t *tok_len, bool *complete,
		    char *err, size_t errcap);

/** Feed the AP-REP (mutual).  @return 0, -EACCES (it did not verify). */
int sw_cl_krb_finish(struct sw_cl_krb_ctx *x, const uint8_t *tok, size_t len, char *err,
		     size_t errcap);

/** Key, enctype, acceptor-subkey flag and next send sequence number of an
 *  established context (GSS_C_INQ_SSPI_SESSION_KEY + lucid export of a copy). */
int sw_cl_krb_keys(struct sw_cl_krb_ctx *x, struct sw_cl_keys *out, char *err, size_t errcap);

/** gss_get_mic over @p buf.  @return token length, or -EIO / -ENOSPC. */
int sw_cl_krb_get_mic(struct sw_cl_krb_ctx *x, const uint8_t *buf, size_t len, uint8_t *tok,
		      size_t cap);

/** gss_verify_mic (tests).  @return 0 or -EBADMSG. */
int sw_cl_krb_verify_mic(struct sw_cl_krb_ctx *x, const uint8_t *buf, size_t len,
			 const uint8_t *tok, size_t tok_len);

/** Ticket end time (Unix seconds), 0 if unknown. */
int64_t sw_cl_krb_endtime(const struct sw_cl_krb *k);

void sw_cl_krb_ctx_free(struct sw_cl_krb_ctx *x);

/*
 * NTLM initiator (ntlm_init.c): native connectionless NTLMv2 (MS-NLMP §3.1.5,
 * datagram), flags as pidgin-sipe / Lync send them.
 */

/** Flags the client offers (intersected with the CHALLENGE_MESSAGE's). */
#define SW_CL_NTLM_FLAGS_CONNLESS                                                                  \
	(SW_NTLM_NEGOTIATE_UNICODE | SW_NTLM_NEGOTIATE_NTLM | SW_NTLM_NEGOTIATE_ALWAYS_SIGN |      \
	 SW_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY | SW_NTLM_NEGOTIATE_TARGET_INFO |              \
	 SW_NTLM_NEGOTIATE_VERSION | SW_NTLM_NEGOTIATE_128 | SW_NTLM_NEGOTIATE_56 |                \
	 SW_NTLM_REQUEST_TARGET | SW_NTLM_NEGOTIATE_SIGN | SW_NTLM_NEGOTIATE_DATAGRAM |            \
	 SW_NTLM_NEGOTIATE_IDENTIFY | SW_NTLM_NEGOTIATE_KEY_EXCH)

/** Flags the CHALLENGE_MESSAGE must offer, else the initiator refuses. */
#define SW_CL_NTLM_FLAGS_REQUIRED                                                                  \
	(SW_NTLM_NEGOTIATE_UNICODE | SW_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY |                  \
	 SW_NTLM_NEGOTIATE_TARGET_INFO | SW_NTLM_NEGOTIATE_SIGN | SW_NTLM_NEGOTIATE_DATAGRAM |     \
	 SW_NTLM_NEGOTIATE_KEY_EXCH | SW_NTLM_NEGOTIATE_128)

struct sw_cl_ntlm_cred {
	uint8_t nt_hash[16];
	uint16_t user_len, domain_len, ws_len; /* bytes of UTF-16LE */
	uint8_t user16[256];		       /* SW_NTLM_NAME_MAX */
	uint8_t domain16[256];
	uint8_t ws16[128];
	bool no_mic;
};

/** UTF-8 names, password -> NT hash.  @return 0, -EINVAL (bad UTF-8 / too long), -EIO. */
int sw_cl_ntlm_cred_init(struct sw_cl_ntlm_cred *cr, const char *user, const char *domain,
			 const char *workstation, const char *password, bool no_mic);

/** Inputs normally random / from the clock; tests may fix them. */
struct sw_cl_ntlm_fixed {
	bool use;
	uint8_t client_challenge[8];
	uint8_t session_key[16];
	uint64_t filetime; /**< 0: from the challenge / the clock */
};

/**
 * Answer a CHALLENGE_MESSAGE: AUTHENTICATE_MESSAGE with the NTLMv2 response,
 * ESS, KEY_EXCH (random ExportedSessionKey, RC4-encrypted with the
 * KeyExchangeKey), and unless cr->no_mic a MIC (MsvAvFlags 0x2 added to the
 * blob's AV list; LmChallengeResponse zero, MS-NLMP §3.1.5.1.2).
 * @return message length, -EPROTO (challenge unparsable or lacking
 *   required flags; @p err says which), -ENOSPC, -EIO.
 */
int sw_cl_ntlm_authenticate(const struct sw_cl_ntlm_cred *cr, const uint8_t *chal, size_t chal_len,
			    const struct sw_cl_ntlm_fixed *fixed, uint8_t *out, size_t cap,
			    uint8_t session_key[16], uint32_t *flags_out, char *err, size_t errcap);

/*
 * Transport (transport.c): one UDP socket, RFC 3261 §17.1 client timers.
 */
struct sw_cl_tp {
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char local_host[64]; /**< as written in Via / Contact */
	uint16_t local_port;
	char local_str[80];
	char peer_host[256];
	uint16_t peer_port;
};

int sw_cl_tp_open(struct sw_cl_tp *tp, const char *host, uint16_t port, const char *local);
void sw_cl_tp_close(struct sw_cl_tp *tp);
int sw_cl_tp_send(struct sw_cl_tp *tp, const void *buf, size_t len);
/** Wait up to @p timeout_ms for a datagram from anyone.  @return bytes, 0 on timeout, -errno. */
int sw_cl_tp_recv(struct sw_cl_tp *tp, void *buf, size_t cap, uint32_t timeout_ms);

enum sw_cl_timer_ev {
	SW_CL_TIMER_NONE = 0,
	SW_CL_TIMER_RETRANSMIT, /**< Timer A / E fired: send again */
	SW_CL_TIMER_TIMEOUT,	/**< Timer B / F fired: transaction failed */
};

/** Client transaction timers (RFC 3261 §17.1.1.2 INVITE, §17.1.2.2 non-INVITE). */
struct sw_cl_timer {
	bool invite;
	bool proceeding; /**< a provisional response arrived */
	uint32_t t1, t2;
	uint64_t start;
	uint64_t next;	   /**< next retransmission, UINT64_MAX: none */
	uint64_t interval; /**< current retransmission interval */
	uint64_t deadline; /**< Timer B / F */
};

void sw_cl_timer_start(struct sw_cl_timer *t, bool invite, uint32_t t1, uint32_t t2, uint64_t now);
/** A 1xx arrived: INVITE stops retransmitting (and Timer B no longer applies);
 *  non-INVITE keeps retransmitting at T2 (Timer E in Proceeding). */
void sw_cl_timer_provisional(struct sw_cl_timer *t, uint64_t now);
/** Advance to @p now: what fired (a retransmission re-arms the timer). */
enum sw_cl_timer_ev sw_cl_timer_poll(struct sw_cl_timer *t, uint64_t now);
/** Earliest time something can fire. */
uint64_t sw_cl_timer_wake(const struct sw_cl_timer *t);

/*
 * Request building (ua.c).
 */
struct sw_cl_ua {
	char user[128];	  /**< user part of the AOR */
	char domain[128]; /**< AOR domain */
	char aor[300];	  /**< "sip:bob@domainb.test" */
	char host[64];	  /**< Via / Contact host */
	uint16_t port;
	char reg_call_id[80];
	char reg_tag[40];
	uint32_t reg_cseq;
};

/** Longest route set kept (the Route value of an in-dialog request), and
 *  most values in it. */
#define SW_CL_ROUTE_MAX	   1024u
#define SW_CL_ROUTE_VALUES 32u

struct sw_cl_req {
	char method[16];
	char ruri[300];
	char to_uri[300];
	char to_tag[80];
	char from_tag[40];
	char call_id[80];
	uint32_t cseq;
	char cseq_method[16]; /**< empty: method (ACK of INVITE uses ACK anyway) */
	char branch[48];
	bool has_expires;
	uint32_t expires;
	const char *content_type;
	const char *body;
	/** Route header value (the dialog's route set, RFC 3261 §12.1.2), or
	 *  empty: none.  Only the ACK of a 2xx carries one here. */
	char route[SW_CL_ROUTE_MAX];
};

/** Set up from "bob@DOMAINB.TEST" (domain override may be NULL) and the local address. */
int sw_cl_ua_init(struct sw_cl_ua *ua, const char *user, const char *aor_domain, const char *host,
		  uint16_t port);

/** Fill a new request: fresh branch; call-id/tag given or fresh.  @p to: "x@y" or URI. */
int sw_cl_ua_new_req(struct sw_cl_ua *ua, struct sw_cl_req *r, const char *method, const char *to);

/** A random token of @p n hex digits + NUL. */
void sw_cl_ua_token(char *out, size_t n);

/**
 * Write the request without credentials: start line, Via, Max-Forwards,
 * [Route], From, To, Call-ID, CSeq, Contact, [Expires], User-Agent,
 * [Content-Type].
 * No Content-Length and no empty line: the caller appends the credential
 * headers, then sw_cl_ua_finish().  @return length, -ENOSPC.
 */
int sw_cl_ua_head(const struct sw_cl_ua *ua, const struct sw_cl_req *r, char *out, size_t cap);

/**
 * The UAC's route set of the dialog a 2xx response @p rsp creates (RFC 3261
 * §12.1.2): its Record-Route values in reverse order, as one Route value
 * "<a>, <b>" into @p out (empty without Record-Route).
 * @return 0, -ENOSPC (more than @p cap - 1 bytes or SW_CL_ROUTE_VALUES
 *   values: out is empty).
 */
int sw_cl_ua_route_set(const struct sw_sip_msg *rsp, char *out, size_t cap);

/**
 * Write the head of a response to request @p req (parsed from its datagram):
 * status line, every Via value in order, Record-Route lines, From, To (with
 * @p to_tag added when the request's To has none), Call-ID, CSeq, Contact
 * (ours, for INVITE), User-Agent.  No Content-Length and no empty line, as
 * sw_cl_ua_head().  @return length, -ENOSPC, -EINVAL (status not 100..699).
 */
int sw_cl_ua_response(const struct sw_cl_ua *ua, const struct sw_sip_msg *req, uint16_t status,
		      const char *to_tag, char *out, size_t cap);

/** Append "Content-Length: N\r\n\r\n" + body.  @return new length, -ENOSPC. */
int sw_cl_ua_finish(const struct sw_cl_req *r, char *out, size_t len, size_t cap);

/*
 * Internals shared with presign.c (sa_client.c).
 */

/** An established SA as the SA file stores it (keys are secrets). */
struct sw_cl_saved_sa {
	uint8_t scheme; /**< enum sw_scheme */
	unsigned int version;
	uint16_t family; /**< 401 or 407 */
	char realm[SW_CL_STR_MAX];
	char targetname[SW_CL_STR_MAX];
	char opaque[SW_CL_STR_MAX];
	char aor[300];
	struct sw_cl_keys keys;
	uint64_t cnum;	 /**< last cnum used */
	int64_t expires; /**< Unix seconds */
};

/** Forget every SA, start a new registration identity (Call-ID, From tag),
 *  REGISTER, and export the first-hop SA.  @return 0 or as sw_client_register(). */
int sw_cl_establish_one(struct sw_client *c, struct sw_cl_saved_sa *out);

/**
 * The credentials header value of a signed request (PROTOCOL.md §1.4) for
 * the message @p msg (complete, without credential headers): crand random,
 * cnum = ++*cnum, Kerberos token sequence number *krb_seq++.
 * @return value length, -EINVAL (message does not parse), -ENOSPC, -EIO.
 */
int sw_cl_sign_value(enum sw_scheme scheme, unsigned int version, const char *realm,
		     const char *targetname, const char *opaque, const struct sw_sig_key *c2s,
		     uint64_t *krb_seq, uint64_t *cnum, const char *msg, size_t len, char *out,
		     size_t cap);

/** The client's user agent state (identity, local address). */
struct sw_cl_ua *sw_cl_client_ua(struct sw_client *c);

/** Set the failure text (printf-style). */
void sw_cl_set_error(struct sw_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Log one transcript line if -v (printf-style). */
void sw_cl_log(struct sw_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* SW_CLIENT_PRIV_H */
