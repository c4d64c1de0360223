/*
 * The client's SA state machine (patent FIG. 4) and the flows that drive it:
 * pre-authentication (FIG. 6/9), challenged authentication (FIG. 7/8),
 * several proxies (FIG. 5), refresh and unregistration; signing of every
 * request and verification of every server signature (PROTOCOL.md §1-§4).
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "crypto/prim.h"
#include "client/client_priv.h"
#include "crypto/sigbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

#define ATTEMPTS_MAX 12u /* challenges answered in one operation before giving up */

struct sw_cl_sa {
	enum sw_sa_state state;
	bool fresh;
	enum sw_scheme scheme;
	unsigned int version;
	uint16_t family;
	char fqdn[SW_CL_STR_MAX]; /* the proxy: targetname without "sip/" */
	char realm[SW_CL_STR_MAX];
	char targetname[SW_CL_STR_MAX];
	char opaque[SW_CL_STR_MAX];
	struct sw_cl_keys keys;
	bool have_keys;
	struct sw_sig_key c2s, s2c;
	uint64_t cnum;
	struct sw_cl_krb_ctx *kctx;
	bool send_token; /* the next request carries gssapi-data */
	uint8_t *token;
	size_t token_len;
	bool awaiting;	     /* handshake leg sent: the answer must confirm it */
	bool mutual_pending; /* AP-REP still to come */
	bool mutual_verified;
	bool signed_now; /* this SA signed the request in flight */
	/* Server snums of the requests we accepted: the highest and a window of 64
	 * below it (bit k: top - k seen), so a captured request cannot be replayed
	 * to us once its answer has left the retransmission cache. */
	uint64_t snum_top, snum_seen;
	uint64_t backoff_until;
	uint32_t backoffs;
	const char *backoff_why; /* static text for the error message */
	int64_t expires;	 /* Unix seconds, 0: none */
};

struct sw_client {
	struct sw_cl_config cfg;
	char *s_proxy, *s_local, *s_user, *s_aor_domain, *s_ccache, *s_keytab, *s_realm, *s_target,
		*s_ntlm_domain, *s_ws;
	char *password;
	struct sw_cl_tp tp;
	struct sw_cl_ua ua;
	struct sw_cl_krb *krb;
	bool ntlm_ok;
	struct sw_cl_ntlm_cred ntlm;
	struct sw_cl_sa sa[SW_CL_SA_MAX];
	unsigned int n_sa;
	struct sw_cl_stats st;
	uint64_t deadline;
	unsigned int depth;
	bool registered; /* a REGISTER got its 2xx and no unregister since */
	char err[512];
	char tx[SW_CL_MSG_MAX];
	size_t tx_len;
	char rx[SW_CL_MSG_MAX + 1];
	size_t rx_len;	 /* the last accepted response */
	char to_tag[80]; /* To tag of the last final response */
	/* Route set of the dialog the last 2xx to an INVITE created (its
	 * Record-Route reversed): what the ACK for that 2xx carries. */
	char route[SW_CL_ROUTE_MAX];
	char target[300]; /* and its remote target (the 2xx's Contact URI) */
};

static const char *const state_names[SW_SA_STATE_MAX] = {
#define X(id, name) [SW_SA_##id] = name,
	SW_SA_STATES(X)
#undef X
};

static const char *const event_names[SW_SA_EV_MAX] = {
#define X(id, name) [SW_SA_EV_##id] = name,
	SW_SA_EVENTS(X)
#undef X
};

const char *
sw_sa_state_name(enum sw_sa_state s)
{
	return (unsigned int)s < SW_SA_STATE_MAX ? state_names[s] : "?";
}

const char *
sw_sa_event_name(enum sw_sa_event e)
{
	return (unsigned int)e < SW_SA_EV_MAX ? event_names[e] : "?";
}

/* Patent FIG. 4, plus the back-off of a proxy that challenges a fresh SA. */
enum sw_sa_state
sw_sa_next(enum sw_sa_state s, enum sw_sa_event ev, bool fresh)
{
	switch (s) {
	case SW_SA_NONE:
		if (ev == SW_SA_EV_PREAUTH || ev == SW_SA_EV_CHALLENGE)
			return SW_SA_ACQUIRING;
		break;
	case SW_SA_ACQUIRING:
		switch (ev) {
		case SW_SA_EV_CONTINUE:
			return SW_SA_ACQUIRING;
		case SW_SA_EV_CONFIRMED:
			return SW_SA_ESTABLISHED;
		case SW_SA_EV_CHALLENGE:
			return SW_SA_BACKOFF; /* the proxy refused the SA it just got */
		case SW_SA_EV_FAILED:
		case SW_SA_EV_REMOVED:
			return SW_SA_NONE;
		default:
			break;
		}
		break;
	case SW_SA_ESTABLISHED:
		switch (ev) {
		case SW_SA_EV_CHALLENGE:
			return fresh ? SW_SA_BACKOFF : SW_SA_DROPPED;
		case SW_SA_EV_EXPIRED:
		case SW_SA_EV_FAILED:
			return SW_SA_DROPPED;
		case SW_SA_EV_REMOVED:
			return SW_SA_NONE;
		default:
			break;
		}
		break;
	case SW_SA_DROPPED:
		if (ev == SW_SA_EV_REACQUIRE || ev == SW_SA_EV_CHALLENGE)
			return SW_SA_ACQUIRING;
		if (ev == SW_SA_EV_REMOVED)
			return SW_SA_NONE;
		break;
	case SW_SA_BACKOFF:
		if (ev == SW_SA_EV_TIMER || ev == SW_SA_EV_REMOVED)
			return SW_SA_NONE;
		break;
	default:
		break;
	}
	return s;
}

/*
 * Small helpers.
 */

int
sw_cl_random(void *out, size_t len)
{
	uint8_t *p = out;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
sw_cl_wipe(void *p, size_t n)
{
	if (p != NULL)
		explicit_bzero(p, n);
}

int
sw_cl_keys_derive(const struct sw_cl_keys *k, struct sw_sig_key *c2s, struct sw_sig_key *s2c)
{
	int rc;

	if (k->scheme == SW_SCHEME_NTLM) {
		if (k->key_len != 16)
			return -EINVAL;
		rc = sw_sig_key_init_ntlm(c2s, k->key, SW_DIR_C2S);
		if (rc == 0)
			rc = sw_sig_key_init_ntlm(s2c, k->key, SW_DIR_S2C);
		return rc;
	}
	rc = sw_sig_key_init_krb(c2s, k->enctype, k->key, k->key_len, SW_DIR_C2S);
	if (rc == 0)
		rc = sw_sig_key_init_krb(s2c, k->enctype, k->key, k->key_len, SW_DIR_S2C);
	if (rc == 0 && k->acceptor_subkey && k->enctype != SW_ENCTYPE_RC4_HMAC) {
		rc = sw_sig_key_set_acceptor_subkey(c2s, 1);
		if (rc == 0)
			rc = sw_sig_key_set_acceptor_subkey(s2c, 1);
	}
	return rc;
}

static uint64_t
now_ms(const struct sw_client *c)
{
	struct timespec ts;

	if (c->cfg.clock != NULL)
		return c->cfg.clock(c->cfg.clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
sw_cl_log(struct sw_client *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (c->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->cfg.log(c->cfg.log_arg, line);
}

void
sw_cl_set_error(struct sw_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	sw_cl_log(c, "error: %s", c->err);
}

/* Log a whole datagram, one transcript line per SIP line. */
static void
log_msg(struct sw_client *c, const char *dir, const char *buf, size_t len)
{
	size_t i = 0;

	if (c->cfg.log == NULL)
		return;
	if (!c->cfg.log_messages) {
		size_t e = 0;

		while (e < len && buf[e] != '\r' && buf[e] != '\n')
			e++;
		sw_cl_log(c, "%s %.*s (%zu bytes)", dir, (int)e, buf, len);
		return;
	}
	while (i < len) {
		size_t e = i;

		while (e < len && buf[e] != '\n')
			e++;
		sw_cl_log(c, "%s %.*s", dir, (int)(e > i && buf[e - 1] == '\r' ? e - i - 1 : e - i),
			  buf + i);
		i = e + 1;
	}
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/*
 * SA table.
 */

static const char *
fqdn_of(const char *targetname)
{
	const char *slash = strchr(targetname, '/');

	return slash != NULL ? slash + 1 : targetname;
}

static void
sa_reset_keys(struct sw_cl_sa *sa)
{
	sw_cl_krb_ctx_free(sa->kctx);
	sa->kctx = NULL;
	if (sa->token != NULL) {
		sw_cl_wipe(sa->token, sa->token_len);
		free(sa->token);
	}
	sa->token = NULL;
	sa->token_len = 0;
	sa->send_token = false;
	sa->awaiting = false;
	sa->mutual_pending = false;
	sa->have_keys = false;
	sw_sig_key_wipe(&sa->c2s);
	sw_sig_key_wipe(&sa->s2c);
	sw_cl_wipe(&sa->keys, sizeof(sa->keys));
	sa->opaque[0] = '\0';
	sa->cnum = 0;
	sa->snum_top = 0;
	sa->snum_seen = 0;
	sa->expires = 0;
	sa->signed_now = false;
}

static struct sw_cl_sa *
sa_find(struct sw_client *c, const char *fqdn, size_t len)
{
	unsigned int i;

	for (i = 0; i < c->n_sa; i++)
		if (strlen(c->sa[i].fqdn) == len && strncmp(c->sa[i].fqdn, fqdn, len) == 0)
			return &c->sa[i];
	return NULL;
}

static struct sw_cl_sa *
sa_get(struct sw_client *c, const char *fqdn, size_t len)
{
	struct sw_cl_sa *sa = sa_find(c, fqdn, len);

	if (sa != NULL)
		return sa;
	if (c->n_sa >= SW_CL_SA_MAX || len >= SW_CL_STR_MAX)
		return NULL;
	sa = &c->sa[c->n_sa++];
	memset(sa, 0, sizeof(*sa));
	memcpy(sa->fqdn, fqdn, len);
	sa->fqdn[len] = '\0';
	sa->state = SW_SA_NONE;
	return sa;
}

/* Apply an event, with its side effects, and put it in the transcript. */
static void
sa_event(struct sw_client *c, struct sw_cl_sa *sa, enum sw_sa_event ev, const char *why)
{
	enum sw_sa_state old = sa->state, nw = sw_sa_next(old, ev, sa->fresh);

	sa->state = nw;
	if (old == SW_SA_ACQUIRING && nw == SW_SA_ESTABLISHED)
		sa->fresh = true;
	if (ev == SW_SA_EV_SIGNED_OK)
		sa->fresh = false;
	if (nw == SW_SA_BACKOFF && old != SW_SA_BACKOFF) {
		uint32_t b = c->cfg.backoff_ms != 0 ? c->cfg.backoff_ms : SW_CL_BACKOFF_DEFAULT_MS;

		sa->backoff_until = now_ms(c) + b;
		sa->backoff_why =
			old == SW_SA_ACQUIRING
				? "the proxy answered the handshake with another challenge "
				  "(credentials refused?)"
				: "the proxy challenged a fresh SA";
		sa->backoffs++;
		c->st.backoffs++;
		sa_reset_keys(sa);
		sa->fresh = false;
	}
	if ((nw == SW_SA_NONE || nw == SW_SA_DROPPED) && old != nw) {
		sa_reset_keys(sa);
		sa->fresh = false;
	}
	if (old != nw || ev == SW_SA_EV_CONTINUE)
		sw_cl_log(c, "SA %s [%s]: %s --%s--> %s%s%s%s", sa->targetname,
			  sw_scheme_name(sa->scheme) != NULL ? sw_scheme_name(sa->scheme) : "-",
			  sw_sa_state_name(old), sw_sa_event_name(ev), sw_sa_state_name(nw),
			  why != NULL ? " (" : "", why != NULL ? why : "", why != NULL ? ")" : "");
	if (nw == SW_SA_BACKOFF && old != SW_SA_BACKOFF)
		sw_cl_log(c, "SA %s: backing off %u ms before sending again", sa->targetname,
			  c->cfg.backoff_ms != 0 ? c->cfg.backoff_ms : SW_CL_BACKOFF_DEFAULT_MS);
}

static int
sa_install_keys(struct sw_client *c, struct sw_cl_sa *sa)
{
	int rc = sw_cl_keys_derive(&sa->keys, &sa->c2s, &sa->s2c);

	if (rc != 0) {
		sw_cl_set_error(c, "SA %s: cannot derive signature keys (%d, enctype %d)",
				sa->targetname, rc, sa->keys.enctype);
		return rc;
	}
	sa->have_keys = true;
	return 0;
}

/* Begin the handshake of an SA now in ACQUIRING (first leg). */
static int
sa_start_handshake(struct sw_client *c, struct sw_cl_sa *sa)
{
	char err[512] = "";
	bool complete = false;
	int rc;

	sa_reset_keys(sa);
	if (sa->scheme == SW_SCHEME_NTLM) {
		/* Connectionless NTLM: the first leg is empty, the CHALLENGE comes back. */
		sa->send_token = true;
		return 0;
	}
	rc = sw_cl_krb_start(c->krb, sa->targetname, c->cfg.mutual, &sa->kctx, &sa->token,
			     &sa->token_len, &complete, err, sizeof(err));
	if (rc != 0) {
		sw_cl_set_error(c, "SA %s: %s", sa->targetname, err);
		return rc;
	}
	sa->send_token = true;
	sa->mutual_pending = !complete;
	if (complete) {
		rc = sw_cl_krb_keys(sa->kctx, &sa->keys, err, sizeof(err));
		if (rc == 0)
			rc = sa_install_keys(c, sa);
		else
			sw_cl_set_error(c, "SA %s: %s", sa->targetname, err);
		if (rc != 0)
			return rc;
		sw_cl_log(c, "SA %s: Kerberos context ready: enctype %d, %u-byte key, seq %llu",
			  sa->targetname, sa->keys.enctype, sa->keys.key_len,
			  (unsigned long long)sa->keys.krb_seq);
	} else {
		sw_cl_log(c, "SA %s: Kerberos AP-REQ with mutual authentication: AP-REP awaited",
			  sa->targetname);
	}
	return 0;
}

/*
 * Signing.
 */

static int
sign_buf(const struct sw_sig_key *k, struct sw_cl_krb_ctx *kctx, bool use_gss, uint64_t *seq,
	 const uint8_t *buf, size_t len, uint8_t *tok, size_t cap)
{
	int n;

	if (use_gss && kctx != NULL)
		n = sw_cl_krb_get_mic(kctx, buf, len, tok, cap);
	else
		n = sw_sig_sign(k, buf, len, seq != NULL ? *seq : 0, tok, cap);
	if (n > 0 && seq != NULL && k->scheme == SW_SCHEME_KERBEROS)
		(*seq)++;
	return n;
}

static int
sign_value_ex(enum sw_scheme scheme, unsigned int version, const char *realm,
	      const char *targetname, const char *opaque, const struct sw_sig_key *c2s,
	      struct sw_cl_krb_ctx *kctx, bool use_gss, uint64_t *krb_seq, uint64_t *cnum,
	      const struct sw_sip_msg *msg, const char *extra, bool with_version, char *out,
	      size_t cap)
{
	uint8_t buf[SW_SIGBUF_MAX], tok[SW_SIG_TOKEN_MAX + 8], rnd[4];
	char crand[9], cnum_s[24], hex[2 * SW_SIG_TOKEN_MAX + 1], ver[24] = "";
	struct sw_sigbuf_auth a;
	struct sw_wbuf w;
	int n, rc;

	if (sw_cl_random(rnd, sizeof(rnd)) != 0)
		return -EIO;
	snprintf(crand, sizeof(crand), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	snprintf(cnum_s, sizeof(cnum_s), "%llu", (unsigned long long)++*cnum);
	a.scheme =
		(struct sw_span){sw_scheme_name(scheme), (uint16_t)strlen(sw_scheme_name(scheme))};
	a.rand = (struct sw_span){crand, 8};
	a.num = (struct sw_span){cnum_s, (uint16_t)strlen(cnum_s)};
	a.realm = (struct sw_span){realm, (uint16_t)strlen(realm)};
	a.targetname = (struct sw_span){targetname, (uint16_t)strlen(targetname)};
	a.version = version;
	sw_wbuf_init(&w, buf, sizeof(buf));
	rc = sw_sigbuf_build(msg, &a, &w);
	if (rc != 0)
		return rc;
	n = sign_buf(c2s, kctx, use_gss, krb_seq, buf, w.len, tok, sizeof(tok));
	sw_cl_wipe(buf, w.len);
	if (n < 0)
		return n;
	if (sw_hex_encode(tok, (size_t)n, hex, sizeof(hex)) < 0)
		return -ENOSPC;
	/* version= on every header of a version 3/4 SA, as pidgin-sipe and Lync send it
	 * (the engine compares it with the SA's; absent means 2). */
	if (version >= 3 && with_version)
		snprintf(ver, sizeof(ver), ", version=%u", version);
	n = snprintf(out, cap,
		     "%s qop=\"auth\", %s%s%s realm=\"%s\", targetname=\"%s\",%s crand=\"%s\", "
		     "cnum=\"%s\", response=\"%s\"%s",
		     sw_scheme_name(scheme), opaque[0] != '\0' ? "opaque=\"" : "", opaque,
		     opaque[0] != '\0' ? "\"," : "", realm, targetname, extra != NULL ? extra : "",
		     crand, cnum_s, hex, ver);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int
sw_cl_sign_value(enum sw_scheme scheme, unsigned int version, const char *realm,
		 const char *targetname, const char *opaque, const struct sw_sig_key *c2s,
		 uint64_t *krb_seq, uint64_t *cnum, const char *m, size_t len, char *out,
		 size_t cap)
{
	struct sw_sip_msg msg;

	if (sw_sip_parse(m, len, &msg) != SW_SIP_OK)
		return -EINVAL;
	return sign_value_ex(scheme, version, realm, targetname, opaque, c2s, NULL, false, krb_seq,
			     cnum, &msg, NULL, true, out, cap);
}

/*
 * Building and sending a request.
 */

static const char *
cred_hdr(uint16_t family)
{
	return family == 401 ? "Authorization" : "Proxy-Authorization";
}

/* Write the request with one credentials header per SA that has something to send. */
static int
build_request(struct sw_client *c, struct sw_cl_req *r)
{
	char plain[SW_CL_MSG_MAX], val[SW_CL_MSG_MAX / 2];
	struct sw_sip_msg msg;
	size_t len;
	int n, head, plen;
	unsigned int i;

	head = sw_cl_ua_head(&c->ua, r, c->tx, sizeof(c->tx));
	if (head < 0)
		return head;
	/* The signed fields come from the request without credential headers. */
	memcpy(plain, c->tx, (size_t)head);
	plen = sw_cl_ua_finish(r, plain, (size_t)head, sizeof(plain));
	if (plen < 0)
		return plen;
	if (sw_sip_parse(plain, (size_t)plen, &msg) != SW_SIP_OK) {
		sw_cl_set_error(c, "internal: request does not parse");
		return -EINVAL;
	}
	len = (size_t)head;
	for (i = 0; i < c->n_sa; i++) {
		struct sw_cl_sa *sa = &c->sa[i];
		const char *scheme = sw_scheme_name(sa->scheme);

		sa->signed_now = false;
		if (sa->state == SW_SA_ACQUIRING && sa->send_token) {
			char b64[SW_CL_MSG_MAX / 2], extra[SW_CL_MSG_MAX / 2 + 64], ver[24] = "";

			if (sw_prim_b64_encode(sa->token, sa->token_len, b64, sizeof(b64)) < 0)
				return -ENOSPC;
			if (sa->version >= 3)
				snprintf(ver, sizeof(ver), ", version=%u", sa->version);
			if (sa->version >= 4 && sa->have_keys) {
				/* Version 4: the leg with the final token is already signed. */
				snprintf(extra, sizeof(extra), " gssapi-data=\"%s\",", b64);
				n = sign_value_ex(sa->scheme, sa->version, sa->realm,
						  sa->targetname, sa->opaque, &sa->c2s, sa->kctx,
						  c->cfg.use_gss_mic, &sa->keys.krb_seq, &sa->cnum,
						  &msg, extra, true, val, sizeof(val));
				if (n < 0)
					return n;
				sa->signed_now = true;
				c->st.signed_requests++;
			} else {
				n = snprintf(
					val, sizeof(val),
					"%s qop=\"auth\", %s%s%srealm=\"%s\", targetname=\"%s\", "
					"gssapi-data=\"%s\"%s",
					scheme, sa->opaque[0] != '\0' ? "opaque=\"" : "",
					sa->opaque, sa->opaque[0] != '\0' ? "\", " : "", sa->realm,
					sa->targetname, b64, ver);
				if (n < 0 || (size_t)n >= sizeof(val))
					return -ENOSPC;
			}
			sa->send_token = false;
			sa->awaiting = true;
			c->st.handshakes++;
		} else if (sa->state == SW_SA_ESTABLISHED) {
			n = sign_value_ex(sa->scheme, sa->version, sa->realm, sa->targetname,
					  sa->opaque, &sa->c2s, sa->kctx, c->cfg.use_gss_mic,
					  &sa->keys.krb_seq, &sa->cnum, &msg, NULL,
					  !c->cfg.sign_no_version, val, sizeof(val));
			if (n < 0)
				return n;
			sa->signed_now = true;
			c->st.signed_requests++;
		} else {
			continue;
		}
		n = snprintf(c->tx + len, sizeof(c->tx) - len, "%s: %s\r\n", cred_hdr(sa->family),
			     val);
		if (n < 0 || (size_t)n >= sizeof(c->tx) - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	n = sw_cl_ua_finish(r, c->tx, len, sizeof(c->tx));
	if (n < 0)
		return n;
	c->tx_len = (size_t)n;
	return 0;
}

static int
send_tx(struct sw_client *c, bool retrans)
{
	int rc;

	log_msg(c, retrans ? ">> (retransmission)" : ">>", c->tx, c->tx_len);
	rc = sw_cl_tp_send(&c->tp, c->tx, c->tx_len);
	if (rc != 0)
		sw_cl_set_error(c, "send to %s:%u: %s", c->tp.peer_host, c->tp.peer_port,
				strerror(-rc));
	return rc;
}

/*
 * Verifying a response.
 */

enum verdict {
	V_IGNORE = 0, /* not ours (stray / other transaction) */
	V_DROP,	      /* ours, but its signatures are not acceptable */
	V_ACCEPT,
	V_FAIL, /* handshake failed: the operation ends */
};

static bool
span_is(struct sw_span s, const char *str)
{
	size_t n = strlen(str);

	return s.len == n && (n == 0 || memcmp(s.p, str, n) == 0);
}

static void
span_copy(char *dst, size_t cap, struct sw_span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	if (n != 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* Verify one server signature (rspauth) of @p sa in info header @p a of @p msg. */
static int
verify_info(struct sw_cl_sa *sa, const struct sw_sip_msg *msg, const struct sw_auth *a)
{
	uint8_t buf[SW_SIGBUF_MAX], tok[SW_SIG_TOKEN_MAX + 8];
	struct sw_sigbuf_auth sb;
	struct sw_span rsp = sw_auth_get(a, SW_AUTH_P_RSPAUTH);
	struct sw_wbuf w;
	int n, rc;

	if (!sa->have_keys || rsp.len == 0)
		return -ENOENT;
	n = sw_hex_decode(rsp.p, rsp.len, tok, sizeof(tok));
	if (n < 0)
		return -EBADMSG;
	sb.scheme = a->scheme;
	sb.rand = sw_auth_get(a, SW_AUTH_P_SRAND);
	sb.num = sw_auth_get(a, SW_AUTH_P_SNUM);
	sb.realm = sw_auth_get(a, SW_AUTH_P_REALM);
	sb.targetname = sw_auth_get(a, SW_AUTH_P_TARGETNAME);
	sb.version = sa->version;
	sw_wbuf_init(&w, buf, sizeof(buf));
	rc = sw_sigbuf_build(msg, &sb, &w);
	if (rc != 0)
		return -EBADMSG;
	rc = sw_sig_verify(&sa->s2c, buf, w.len, tok, (size_t)n);
	return rc == 0 ? 0 : -EBADMSG;
}

/* Per SA outcome of one response. */
struct sa_check {
	bool seen;    /* an info header for this SA */
	bool ok;      /* its signature verified */
	bool bad;     /* present but wrong */
	bool confirm; /* completes a pending handshake */
	char opaque[SW_CL_STR_MAX];
};

static enum verdict
check_response(struct sw_client *c, const struct sw_cl_req *r, const char *buf, size_t len,
	       struct sw_sip_msg *msg, struct sa_check *chk)
{
	static const uint8_t info_ids[2] = {SW_HDR_PROXY_AUTHENTICATION_INFO,
					    SW_HDR_AUTHENTICATION_INFO};
	struct sw_sip_via via;
	struct sw_span cid;
	bool final;
	unsigned int i, h;
	enum sw_sip_rc prc;

	prc = sw_sip_parse(buf, len, msg);
	if (prc != SW_SIP_OK || msg->status == 0) {
		sw_cl_log(c, "<< ignored: %s",
			  prc != SW_SIP_OK ? sw_sip_rc_name(prc) : "a request");
		return V_IGNORE;
	}
	cid = sw_sip_value(msg, SW_HDR_CALL_ID);
	if (!sw_sip_top_via(msg, &via) || !span_is(via.branch, r->branch) ||
	    !span_is(cid, r->call_id) || msg->cseq_num != r->cseq) {
		sw_cl_log(c, "<< ignored: response to another transaction");
		return V_IGNORE;
	}
	log_msg(c, "<<", buf, len);
	final = msg->status >= 200;
	memset(chk, 0, sizeof(*chk) * SW_CL_SA_MAX);

	for (h = 0; h < 2; h++) {
		uint8_t idx;

		for (idx = msg->first[info_ids[h]]; idx != SW_HDR_NONE; idx = msg->hdr[idx].next) {
			struct sw_auth a;
			struct sw_span tn, gd, op;
			struct sw_cl_sa *sa = NULL;
			uint32_t off;

			if (sw_auth_parse(msg->hdr[idx].value, &a, &off) != SW_AUTH_OK) {
				sw_cl_log(c, "   info header does not parse (offset %u): dropped",
					  off);
				c->st.dropped_responses++;
				return V_DROP;
			}
			tn = sw_auth_get(&a, SW_AUTH_P_TARGETNAME);
			for (i = 0; i < c->n_sa; i++)
				if (span_is(tn, c->sa[i].targetname) &&
				    span_is(sw_auth_get(&a, SW_AUTH_P_REALM), c->sa[i].realm) &&
				    sw_scheme_from(a.scheme.p, a.scheme.len) == c->sa[i].scheme)
					sa = &c->sa[i];
			if (sa == NULL ||
			    (sa->state != SW_SA_ESTABLISHED && sa->state != SW_SA_ACQUIRING))
				continue;
			i = (unsigned int)(sa - c->sa);
			chk[i].seen = true;
			op = sw_auth_get(&a, SW_AUTH_P_OPAQUE);
			span_copy(chk[i].opaque, sizeof(chk[i].opaque), op);
			gd = sw_auth_get(&a, SW_AUTH_P_GSSAPI_DATA);
			if (sa->state == SW_SA_ACQUIRING && sa->awaiting && sa->mutual_pending) {
				/* Patent [0062]: the proxy authenticates itself with the AP-REP. */
				uint8_t aprep[4096];
				char err[512] = "";
				int n = gd.len != 0 ? sw_prim_b64_decode(gd.p, gd.len, aprep,
									 sizeof(aprep))
						    : -ENOENT;

				if (n <= 0 || sw_cl_krb_finish(sa->kctx, aprep, (size_t)n, err,
							       sizeof(err)) != 0) {
					sw_cl_set_error(c,
							"SA %s: mutual authentication failed: %s",
							sa->targetname,
							n <= 0 ? "no AP-REP in the response" : err);
					return V_FAIL;
				}
				if (sw_cl_krb_keys(sa->kctx, &sa->keys, err, sizeof(err)) != 0 ||
				    sa_install_keys(c, sa) != 0) {
					sw_cl_set_error(c, "SA %s: %s", sa->targetname, err);
					return V_FAIL;
				}
				sa->mutual_pending = false;
				sa->mutual_verified = true;
				sw_cl_log(c,
					  "SA %s: AP-REP verified (mutual authentication), "
					  "enctype %d%s",
					  sa->targetname, sa->keys.enctype,
					  sa->keys.acceptor_subkey ? ", acceptor subkey" : "");
			}
			if (verify_info(sa, msg, &a) == 0) {
				chk[i].ok = true;
				c->st.verified_responses++;
				sw_cl_log(c, "   server signature of %s verified (snum %.*s)",
					  sa->targetname, sw_auth_get(&a, SW_AUTH_P_SNUM).len,
					  sw_auth_get(&a, SW_AUTH_P_SNUM).p);
			} else if (sw_auth_get(&a, SW_AUTH_P_RSPAUTH).len != 0) {
				chk[i].bad = true;
			}
			if (sa->state == SW_SA_ACQUIRING && sa->awaiting && chk[i].ok)
				chk[i].confirm = true;
		}
	}

	for (i = 0; i < c->n_sa; i++) {
		struct sw_cl_sa *sa = &c->sa[i];

		if (chk[i].bad) {
			c->st.dropped_responses++;
			if (sa->state == SW_SA_ACQUIRING && sa->awaiting) {
				sw_cl_set_error(c,
						"SA %s: the proxy's first signature does not "
						"verify",
						sa->targetname);
				return V_FAIL;
			}
			sw_cl_log(c, "   DROPPED: bad server signature from %s", sa->targetname);
			return V_DROP;
		}
		if (!final)
			continue;
		if (sa->state == SW_SA_ESTABLISHED && sa->signed_now && !chk[i].ok &&
		    msg->status != 401 && msg->status != 407) {
			c->st.dropped_responses++;
			sw_cl_log(c, "   DROPPED: final response without the signature of %s",
				  sa->targetname);
			return V_DROP;
		}
		if (sa->state == SW_SA_ACQUIRING && sa->awaiting && !chk[i].ok &&
		    msg->status / 100 == 2) {
			sw_cl_set_error(c,
					"SA %s: %u without a valid server signature for the new SA",
					sa->targetname, msg->status);
			return V_FAIL;
		}
	}
	return V_ACCEPT;
}

/* Commit what an accepted response established. */
static void
apply_checks(struct sw_client *c, const struct sw_sip_msg *msg, const struct sa_check *chk)
{
	unsigned int i;

	for (i = 0; i < c->n_sa; i++) {
		struct sw_cl_sa *sa = &c->sa[i];

		if (!chk[i].confirm)
			continue;
		if (chk[i].opaque[0] != '\0')
			snprintf(sa->opaque, sizeof(sa->opaque), "%s", chk[i].opaque);
		sa->awaiting = false;
		if (sa->scheme == SW_SCHEME_KERBEROS && sw_cl_krb_endtime(c->krb) != 0)
			sa->expires = sw_cl_krb_endtime(c->krb);
		else
			sa->expires = (int64_t)time(NULL) + 8 * 3600;
		if ((int64_t)time(NULL) + 8 * 3600 < sa->expires)
			sa->expires = (int64_t)time(NULL) + 8 * 3600;
		sa_event(c, sa, SW_SA_EV_CONFIRMED,
			 msg->status / 100 == 2 ? "signed answer" : "signed challenge");
	}
}

/*
 * One client transaction: send, retransmit, match, verify.
 * @return 0 with *status set, -ETIMEDOUT, -EACCES (handshake failed), -EBADMSG.
 */
static int
transact(struct sw_client *c, struct sw_cl_req *r, uint16_t *status, struct sa_check *chk)
{
	struct sw_cl_timer t;
	struct sw_sip_msg *msg;
	bool invite = strcmp(r->method, "INVITE") == 0;
	uint32_t dropped = c->st.dropped_responses;
	int rc;

	msg = malloc(sizeof(*msg));
	if (msg == NULL)
		return -ENOMEM;
	rc = build_request(c, r);
	if (rc != 0) {
		if (c->err[0] == '\0')
			sw_cl_set_error(c, "cannot build %s: %d", r->method, rc);
		goto out;
	}
	c->st.requests++;
	rc = send_tx(c, false);
	if (rc != 0)
		goto out;
	sw_cl_timer_start(&t, invite, c->cfg.t1_ms, c->cfg.t2_ms, now_ms(c));
	for (;;) {
		uint64_t now = now_ms(c), wake = sw_cl_timer_wake(&t);
		enum sw_cl_timer_ev ev;
		enum verdict v;
		int n;

		if (now >= c->deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		ev = sw_cl_timer_poll(&t, now);
		if (ev == SW_CL_TIMER_TIMEOUT) {
			rc = -ETIMEDOUT;
			break;
		}
		if (ev == SW_CL_TIMER_RETRANSMIT) {
			c->st.retransmissions++;
			rc = send_tx(c, true);
			if (rc != 0)
				goto out;
			continue;
		}
		if (wake > c->deadline)
			wake = c->deadline;
		n = sw_cl_tp_recv(&c->tp, c->rx, sizeof(c->rx) - 1, (uint32_t)(wake - now));
		if (n < 0) {
			sw_cl_set_error(c, "receive: %s", strerror(-n));
			rc = n;
			goto out;
		}
		if (n == 0)
			continue;
		v = check_response(c, r, c->rx, (size_t)n, msg, chk);
		if (v == V_IGNORE || v == V_DROP)
			continue;
		if (v == V_FAIL) {
			rc = -EACCES;
			goto out;
		}
		if (msg->status < 200) {
			sw_cl_timer_provisional(&t, now_ms(c));
			continue;
		}
		c->rx_len = (size_t)n;
		span_copy(c->to_tag, sizeof(c->to_tag),
			  sw_sip_tag_of(sw_sip_value(msg, SW_HDR_TO)));
		/* A route set too long to keep leaves it empty: the ACK then goes
		 * to our proxy without one, as without Record-Route. */
		c->route[0] = '\0';
		c->target[0] = '\0';
		if (invite && msg->status / 100 == 2) {
			struct sw_span ct = sw_sip_uri_of(sw_sip_value(msg, SW_HDR_CONTACT));

			(void)sw_cl_ua_route_set(msg, c->route, sizeof(c->route));
			if (ct.len < sizeof(c->target)) /* else: the INVITE's R-URI */
				span_copy(c->target, sizeof(c->target), ct);
		}
		apply_checks(c, msg, chk);
		*status = msg->status;
		c->st.last_status = msg->status;
		if (invite && msg->status >= 300) {
			/* §17.1.1.3: ACK a non-2xx final response in the same transaction. */
			struct sw_cl_req ack = *r;

			strcpy(ack.method, "ACK");
			snprintf(ack.to_tag, sizeof(ack.to_tag), "%s", c->to_tag);
			ack.body = NULL;
			ack.content_type = NULL;
			if (build_request(c, &ack) == 0)
				send_tx(c, false);
		}
		rc = 0;
		goto out;
	}
	if (c->st.dropped_responses != dropped) {
		sw_cl_set_error(c, "%s: only unsigned or badly signed answers arrived", r->method);
		rc = -EBADMSG;
	} else {
		sw_cl_set_error(c, "%s: no answer from %s:%u", r->method, c->tp.peer_host,
				c->tp.peer_port);
	}
out:
	free(msg);
	return rc;
}

/*
 * Challenges.
 */

static bool
mech_allowed(const struct sw_client *c, enum sw_scheme s)
{
	unsigned int m = c->cfg.mechs != 0 ? c->cfg.mechs
					   : (1u << SW_SCHEME_KERBEROS) | (1u << SW_SCHEME_NTLM);

	if ((m & (1u << s)) == 0)
		return false;
	return s == SW_SCHEME_KERBEROS ? c->krb != NULL : s == SW_SCHEME_NTLM && c->ntlm_ok;
}

static unsigned int
pick_version(const struct sw_client *c, struct sw_span v)
{
	unsigned int sv = v.len != 0 ? sw_sigbuf_version(v) : 2;

	if (sv == 0)
		sv = 2;
	if (c->cfg.version != 0 && c->cfg.version < sv)
		sv = c->cfg.version;
	return sv;
}

/* React to a 401/407.  @return number of SAs that now have a leg to send, or -errno. */
static int
handle_challenge(struct sw_client *c, const struct sw_sip_msg *msg)
{
	uint8_t hid = msg->status == 401 ? SW_HDR_WWW_AUTHENTICATE : SW_HDR_PROXY_AUTHENTICATE;
	struct sw_auth offers[SW_CL_SA_MAX * 2];
	unsigned int n_off = 0, i, j, legs = 0;
	uint8_t idx;
	bool done[SW_CL_SA_MAX * 2] = {false};

	c->st.challenges++;
	for (idx = msg->first[hid]; idx != SW_HDR_NONE && n_off < SW_CL_SA_MAX * 2;
	     idx = msg->hdr[idx].next) {
		uint32_t off;

		if (sw_auth_parse(msg->hdr[idx].value, &offers[n_off], &off) == SW_AUTH_OK &&
		    sw_auth_has(&offers[n_off], SW_AUTH_P_TARGETNAME))
			n_off++;
	}
	for (i = 0; i < n_off; i++) {
		struct sw_auth *best = NULL, *cont = NULL;
		struct sw_span tn = sw_auth_get(&offers[i], SW_AUTH_P_TARGETNAME);
		char tbuf[SW_CL_STR_MAX];
		const char *fq;
		struct sw_cl_sa *sa;

		if (done[i])
			continue;
		span_copy(tbuf, sizeof(tbuf), tn);
		fq = fqdn_of(tbuf);
		/* All offers for the same proxy (one per scheme). */
		for (j = i; j < n_off; j++) {
			char t2[SW_CL_STR_MAX];
			enum sw_scheme s = sw_scheme_from(offers[j].scheme.p, offers[j].scheme.len);

			span_copy(t2, sizeof(t2), sw_auth_get(&offers[j], SW_AUTH_P_TARGETNAME));
			if (strcmp(fqdn_of(t2), fq) != 0)
				continue;
			done[j] = true;
			if (!mech_allowed(c, s))
				continue;
			if (sw_auth_get(&offers[j], SW_AUTH_P_GSSAPI_DATA).len != 0)
				cont = &offers[j];
			if (best == NULL || s == SW_SCHEME_KERBEROS)
				best = &offers[j];
		}
		sa = sa_get(c, fq, strlen(fq));
		if (sa == NULL) {
			sw_cl_set_error(c, "too many proxies on the path");
			return -ENOSPC;
		}
		if (best == NULL) {
			sw_cl_log(c, "challenge from %s: no offered scheme is usable", fq);
			continue;
		}
		if (cont != NULL && sa->state == SW_SA_ACQUIRING && sa->scheme == SW_SCHEME_NTLM &&
		    sw_scheme_from(cont->scheme.p, cont->scheme.len) == SW_SCHEME_NTLM) {
			/* Second NTLM leg: answer the CHALLENGE_MESSAGE. */
			struct sw_span gd = sw_auth_get(cont, SW_AUTH_P_GSSAPI_DATA);
			uint8_t chal[SW_NTLM_MSG_MAX], auth[SW_NTLM_MSG_MAX];
			char err[256] = "";
			uint32_t flags = 0;
			int n = sw_prim_b64_decode(gd.p, gd.len, chal, sizeof(chal));

			if (n <= 0) {
				sw_cl_set_error(c, "SA %s: NTLM challenge is not base64",
						sa->targetname);
				sa_event(c, sa, SW_SA_EV_FAILED, "bad challenge");
				return -EPROTO;
			}
			n = sw_cl_ntlm_authenticate(&c->ntlm, chal, (size_t)n, NULL, auth,
						    sizeof(auth), sa->keys.key, &flags, err,
						    sizeof(err));
			if (n < 0) {
				sw_cl_set_error(c, "SA %s: %s", sa->targetname, err);
				sa_event(c, sa, SW_SA_EV_FAILED, "NTLM");
				return -EPROTO;
			}
			span_copy(sa->opaque, sizeof(sa->opaque),
				  sw_auth_get(cont, SW_AUTH_P_OPAQUE));
			sa->keys.scheme = SW_SCHEME_NTLM;
			sa->keys.key_len = 16;
			if (sa_install_keys(c, sa) != 0)
				return -EIO;
			free(sa->token);
			sa->token = malloc((size_t)n);
			if (sa->token == NULL)
				return -ENOMEM;
			memcpy(sa->token, auth, (size_t)n);
			sa->token_len = (size_t)n;
			sa->send_token = true;
			sa->awaiting = false;
			sa_event(c, sa, SW_SA_EV_CONTINUE, "NTLM CHALLENGE_MESSAGE");
			sw_cl_log(c, "SA %s: NTLM AUTHENTICATE_MESSAGE (%d bytes, flags %#x%s)",
				  sa->targetname, n, flags, c->ntlm.no_mic ? "" : ", MIC");
			legs++;
			continue;
		}
		/* A plain challenge for this proxy: FIG. 4. */
		if (sa->state == SW_SA_BACKOFF)
			continue;
		if (sa->state == SW_SA_NONE || sa->state == SW_SA_DROPPED) {
			sa->scheme = sw_scheme_from(best->scheme.p, best->scheme.len);
			span_copy(sa->targetname, sizeof(sa->targetname),
				  sw_auth_get(best, SW_AUTH_P_TARGETNAME));
		}
		sa_event(c, sa, SW_SA_EV_CHALLENGE,
			 sa->state == SW_SA_ESTABLISHED ? (sa->fresh ? "challenge on a fresh SA"
								     : "challenge on an SA in use")
							: NULL);
		if (sa->state == SW_SA_DROPPED)
			sa_event(c, sa, SW_SA_EV_REACQUIRE, NULL);
		if (sa->state != SW_SA_ACQUIRING)
			continue;
		sa->scheme = sw_scheme_from(best->scheme.p, best->scheme.len);
		sa->family = msg->status;
		sa->version = pick_version(c, sw_auth_get(best, SW_AUTH_P_VERSION));
		span_copy(sa->realm, sizeof(sa->realm), sw_auth_get(best, SW_AUTH_P_REALM));
		span_copy(sa->targetname, sizeof(sa->targetname),
			  sw_auth_get(best, SW_AUTH_P_TARGETNAME));
		if (sa_start_handshake(c, sa) != 0) {
			sa_event(c, sa, SW_SA_EV_FAILED, "cannot start the handshake");
			return -EACCES;
		}
		span_copy(sa->opaque, sizeof(sa->opaque), sw_auth_get(best, SW_AUTH_P_OPAQUE));
		sw_cl_log(c, "SA %s: %s, version %u, %u family, realm \"%s\"", sa->targetname,
			  sw_scheme_name(sa->scheme), sa->version, sa->family, sa->realm);
		legs++;
	}
	return (int)legs;
}

/*
 * Operations.
 */

static bool
any_leg_pending(const struct sw_client *c)
{
	unsigned int i;

	for (i = 0; i < c->n_sa; i++)
		if (c->sa[i].state == SW_SA_ACQUIRING && c->sa[i].send_token)
			return true;
	return false;
}

/* Wait out back-offs and expire SAs before sending.  @return 0, -EACCES. */
static int
before_send(struct sw_client *c)
{
	unsigned int i;

	for (i = 0; i < c->n_sa; i++) {
		struct sw_cl_sa *sa = &c->sa[i];

		if (sa->state == SW_SA_ESTABLISHED && sa->expires != 0 &&
		    (int64_t)time(NULL) >= sa->expires) {
			sa_event(c, sa, SW_SA_EV_EXPIRED, "lifetime over");
			sa_event(c, sa, SW_SA_EV_REACQUIRE, NULL);
			if (sa_start_handshake(c, sa) != 0)
				return -EACCES;
		}
		if (sa->state == SW_SA_BACKOFF) {
			uint64_t now = now_ms(c);

			if (sa->backoff_until > c->deadline) {
				sw_cl_set_error(
					c, "SA %s: %s; back-off of %u ms exceeds the time left",
					sa->targetname, sa->backoff_why,
					c->cfg.backoff_ms != 0 ? c->cfg.backoff_ms
							       : SW_CL_BACKOFF_DEFAULT_MS);
				return -EACCES;
			}
			if (now < sa->backoff_until) {
				struct timespec ts;
				uint64_t d = sa->backoff_until - now;

				sw_cl_log(c, "SA %s: waiting %llu ms (back-off)", sa->targetname,
					  (unsigned long long)d);
				ts.tv_sec = (time_t)(d / 1000);
				ts.tv_nsec = (long)(d % 1000) * 1000000L;
				while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
					;
			}
			sa_event(c, sa, SW_SA_EV_TIMER, "back-off over");
		}
	}
	return 0;
}

static int run_op(struct sw_client *c, const char *method, const char *to, const char *body,
		  bool unregister);

static int
send_ack_2xx(struct sw_client *c, const struct sw_cl_req *inv)
{
	struct sw_cl_req ack = *inv;

	strcpy(ack.method, "ACK");
	strcpy(ack.branch, "z9hG4bK");
	sw_cl_ua_token(ack.branch + 7, 20);
	snprintf(ack.to_tag, sizeof(ack.to_tag), "%s", c->to_tag);
	/* RFC 3261 §13.2.2.4: the ACK of a 2xx is in the new dialog: to its
	 * remote target (§12.1.2, the 2xx's Contact), along its route set
	 * (through every proxy that Record-Routed, sipward too). */
	snprintf(ack.route, sizeof(ack.route), "%s", c->route);
	if (c->target[0] != '\0')
		snprintf(ack.ruri, sizeof(ack.ruri), "%s", c->target);
	ack.body = NULL;
	ack.content_type = NULL;
	if (build_request(c, &ack) != 0)
		return -ENOSPC;
	return send_tx(c, false);
}

static int
run_op(struct sw_client *c, const char *method, const char *to, const char *body, bool unregister)
{
	struct sa_check chk[SW_CL_SA_MAX];
	struct sw_cl_req r;
	bool reg = strcmp(method, "REGISTER") == 0;
	unsigned int attempts = 0, i;
	uint16_t status = 0;
	int rc;

	rc = sw_cl_ua_new_req(&c->ua, &r, method, to);
	if (rc != 0) {
		sw_cl_set_error(c, "bad target \"%s\"", to != NULL ? to : "");
		return rc;
	}
	if (reg) {
		r.has_expires = true;
		r.expires = unregister ? 0 : (c->cfg.expires != 0 ? c->cfg.expires : 3600);
	} else if (strcmp(method, "MESSAGE") == 0) {
		r.content_type = "text/plain";
		r.body = body != NULL ? body : "hello from sipward-client";
	} else if (strcmp(method, "INVITE") == 0) {
		r.content_type = "application/sdp";
		r.body = body != NULL ? body
				      : "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
					"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
					"m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
	}
	for (;;) {
		rc = before_send(c);
		if (rc != 0)
			return rc;
		if (!reg && any_leg_pending(c)) {
			/* FIG. 7/8: the SA is established with a REGISTER, then the request goes
			 * again, signed. */
			if (c->depth > 0)
				return -ELOOP;
			sw_cl_log(c, "establishing the SA with a REGISTER before %s", method);
			c->depth++;
			rc = run_op(c, "REGISTER", NULL, NULL, false);
			c->depth--;
			if (rc != 0)
				return rc;
			r.cseq++;
			strcpy(r.branch, "z9hG4bK");
			sw_cl_ua_token(r.branch + 7, 20);
			continue;
		}
		rc = transact(c, &r, &status, chk);
		if (rc != 0)
			return rc;
		if (status / 100 == 2) {
			for (i = 0; i < c->n_sa; i++) {
				struct sw_cl_sa *sa = &c->sa[i];

				/* A version-4 handshake leg is signed too, but the answer that
				 * confirms the SA (chk.confirm) is its establishment, not its
				 * use: the SA stays fresh (FIG. 4 back-off) until a request
				 * signed on the established SA is answered. */
				if (sa->state == SW_SA_ESTABLISHED && sa->signed_now && chk[i].ok &&
				    !chk[i].confirm)
					sa_event(c, sa, SW_SA_EV_SIGNED_OK, NULL);
			}
			if (strcmp(method, "INVITE") == 0)
				send_ack_2xx(c, &r);
			if (reg)
				c->registered = !unregister;
			if (reg && unregister)
				for (i = 0; i < c->n_sa; i++)
					sa_event(c, &c->sa[i], SW_SA_EV_REMOVED, "unregistered");
			c->err[0] = '\0';
			return 0;
		}
		if (status == 401 || status == 407) {
			struct sw_sip_msg *msg = malloc(sizeof(*msg));

			if (msg == NULL)
				return -ENOMEM;
			/* c->rx still holds the accepted response. */
			if (sw_sip_parse(c->rx, c->rx_len, msg) != SW_SIP_OK) {
				free(msg);
				return -EPROTO;
			}
			rc = handle_challenge(c, msg);
			free(msg);
			if (rc < 0)
				return rc;
			if (++attempts > ATTEMPTS_MAX) {
				sw_cl_set_error(c, "%s: still challenged after %u attempts", method,
						attempts);
				return -EACCES;
			}
			if (rc == 0 && !any_leg_pending(c)) {
				bool backoff = false;

				for (i = 0; i < c->n_sa; i++)
					backoff |= c->sa[i].state == SW_SA_BACKOFF;
				if (!backoff) {
					sw_cl_set_error(c, "%s: %u challenge with no usable scheme",
							method, status);
					return -EACCES;
				}
			}
			r.cseq = reg ? ++c->ua.reg_cseq : r.cseq + 1;
			strcpy(r.branch, "z9hG4bK");
			sw_cl_ua_token(r.branch + 7, 20);
			r.to_tag[0] = '\0';
			continue;
		}
		sw_cl_set_error(c, "%s: final response %u", method, status);
		return -EPROTO;
	}
}

static int
start_op(struct sw_client *c, const char *method, const char *to, const char *body, bool unreg)
{
	int rc;

	c->err[0] = '\0';
	c->deadline = now_ms(c) + (c->cfg.timeout_ms != 0 ? c->cfg.timeout_ms : 32000u);
	rc = run_op(c, method, to, body, unreg);
	if (rc != 0 && c->err[0] == '\0')
		sw_cl_set_error(c, "%s failed: %s", method, strerror(-rc));
	return rc;
}

int
sw_client_register(struct sw_client *c)
{
	return start_op(c, "REGISTER", NULL, NULL, false);
}

int
sw_client_unregister(struct sw_client *c)
{
	return start_op(c, "REGISTER", NULL, NULL, true);
}

int
sw_client_request(struct sw_client *c, const char *method, const char *to, const char *body)
{
	if (strcmp(method, "REGISTER") == 0)
		return sw_client_register(c);
	return start_op(c, method, to, body, false);
}

/*
 * Receiving requests (UAS side): what a registrar routes back to us through
 * the proxy's Path, signed by the proxy in the server direction.
 */

static const char *const in_verdict_names[SW_CL_IN_VERDICT_MAX] = {
#define X(id, name) [SW_CL_IN_##id] = name,
	SW_CL_IN_VERDICTS(X)
#undef X
};

const char *
sw_cl_in_verdict_name(enum sw_cl_in_verdict v)
{
	return (unsigned int)v < SW_CL_IN_VERDICT_MAX ? in_verdict_names[v] : "?";
}

/* One request we saw, kept 64*T1 so that its retransmissions get the same answer. */
struct answered {
	bool used;
	char call_id[80];
	char branch[80];
	char cseq_method[16];
	uint32_t cseq;
	uint64_t at;	  /* ms, when first seen */
	unsigned int rec; /* index of its record in l->rx, UINT32_MAX: not kept */
	size_t len;	  /* of the response, 0: refused (not answered) */
	char rsp[SW_CL_MSG_MAX];
};

/* Was @p snum not accepted before (above the window, or in it and unseen)? */
static bool
snum_fresh(const struct sw_cl_sa *sa, uint64_t snum)
{
	if (snum > sa->snum_top)
		return true;
	if (sa->snum_top - snum >= 64)
		return false;
	return (sa->snum_seen & (UINT64_C(1) << (sa->snum_top - snum))) == 0;
}

static void
snum_commit(struct sw_cl_sa *sa, uint64_t snum)
{
	uint64_t shift;

	if (snum > sa->snum_top) {
		shift = snum - sa->snum_top;
		sa->snum_seen = shift >= 64 ? 0 : sa->snum_seen << shift;
		sa->snum_seen |= 1;
		sa->snum_top = snum;
	} else if (sa->snum_top - snum < 64) {
		sa->snum_seen |= UINT64_C(1) << (sa->snum_top - snum);
	}
}

static bool
parse_u64(struct sw_span s, uint64_t *out)
{
	uint64_t v = 0;
	uint16_t i;

	if (s.len == 0 || s.len > 19)
		return false;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return true;
}

/* Per SA outcome of one received request. */
struct in_check {
	bool ok, bad;
	uint64_t snum;
};

/*
 * Check the server signatures on request @p msg.  @return the verdict before
 * the replay check; *who gets the SA the verdict is about (NULL: none).
 */
static enum sw_cl_in_verdict
check_request(struct sw_client *c, const struct sw_sip_msg *msg, struct in_check *chk,
	      struct sw_cl_sa **who)
{
	static const uint8_t info_ids[2] = {SW_HDR_PROXY_AUTHENTICATION_INFO,
					    SW_HDR_AUTHENTICATION_INFO};
	bool any_ok = false, any_est = false;
	unsigned int i, h;

	*who = NULL;
	memset(chk, 0, sizeof(*chk) * SW_CL_SA_MAX);
	for (h = 0; h < 2; h++) {
		uint8_t idx;

		for (idx = msg->first[info_ids[h]]; idx != SW_HDR_NONE; idx = msg->hdr[idx].next) {
			struct sw_cl_sa *sa = NULL;
			struct sw_span tn;
			struct sw_auth a;
			uint32_t off;

			if (sw_auth_parse(msg->hdr[idx].value, &a, &off) != SW_AUTH_OK) {
				sw_cl_log(c, "   REFUSED: info header does not parse (offset %u)",
					  off);
				return SW_CL_IN_BAD_SIG;
			}
			tn = sw_auth_get(&a, SW_AUTH_P_TARGETNAME);
			for (i = 0; i < c->n_sa; i++)
				if (c->sa[i].state == SW_SA_ESTABLISHED &&
				    span_is(tn, c->sa[i].targetname) &&
				    span_is(sw_auth_get(&a, SW_AUTH_P_REALM), c->sa[i].realm) &&
				    sw_scheme_from(a.scheme.p, a.scheme.len) == c->sa[i].scheme)
					sa = &c->sa[i];
			if (sa == NULL)
				continue; /* another proxy's: not ours to judge */
			i = (unsigned int)(sa - c->sa);
			*who = sa;
			if (!span_is(sw_auth_get(&a, SW_AUTH_P_OPAQUE), sa->opaque)) {
				sw_cl_log(c,
					  "   REFUSED: signature for %s names opaque \"%.*s\", "
					  "our SA is \"%s\"",
					  sa->targetname, sw_auth_get(&a, SW_AUTH_P_OPAQUE).len,
					  sw_auth_get(&a, SW_AUTH_P_OPAQUE).p, sa->opaque);
				return SW_CL_IN_BAD_SIG;
			}
			if (verify_info(sa, msg, &a) != 0 ||
			    !parse_u64(sw_auth_get(&a, SW_AUTH_P_SNUM), &chk[i].snum)) {
				sw_cl_log(c, "   REFUSED: bad server signature from %s",
					  sa->targetname);
				return SW_CL_IN_BAD_SIG;
			}
			chk[i].ok = true;
			any_ok = true;
			sw_cl_log(c, "   server signature of %s verified (snum %llu)",
				  sa->targetname, (unsigned long long)chk[i].snum);
		}
	}
	for (i = 0; i < c->n_sa; i++) {
		if (c->sa[i].state != SW_SA_ESTABLISHED)
			continue;
		any_est = true;
		if (!chk[i].ok && !any_ok && *who == NULL)
			*who = &c->sa[i];
	}
	if (any_ok)
		return SW_CL_IN_VERIFIED;
	if (any_est) {
		sw_cl_log(c, "   REFUSED: unsigned request while an SA with %s is established",
			  (*who)->targetname);
		return SW_CL_IN_UNSIGNED;
	}
	return SW_CL_IN_NO_SA;
}

/*
 * Our response to @p req, signed for every SA in @p chk that signed the
 * request (MS-SIPAE: every message of an SA; the proxy verifies it like a
 * request, status code included in the buffer).  @return length or -errno.
 */
static int
build_answer(struct sw_client *c, const struct sw_sip_msg *req, const struct in_check *chk,
	     uint16_t status, char *out, size_t cap)
{
	char plain[SW_CL_MSG_MAX], val[SW_CL_MSG_MAX / 2], tag[16];
	struct sw_sip_msg *pm;
	unsigned int i;
	size_t len;
	int head, n, rc = 0;

	sw_cl_ua_token(tag, 12);
	head = sw_cl_ua_response(&c->ua, req, status, tag, out, cap);
	if (head < 0)
		return head;
	n = snprintf(plain, sizeof(plain), "%.*sContent-Length: 0\r\n\r\n", head, out);
	if (n < 0 || (size_t)n >= sizeof(plain))
		return -ENOSPC;
	pm = malloc(sizeof(*pm));
	if (pm == NULL)
		return -ENOMEM;
	if (sw_sip_parse(plain, (size_t)n, pm) != SW_SIP_OK) {
		rc = -EINVAL;
		goto out;
	}
	len = (size_t)head;
	for (i = 0; i < c->n_sa; i++) {
		struct sw_cl_sa *sa = &c->sa[i];

		if (!chk[i].ok)
			continue;
		n = sign_value_ex(sa->scheme, sa->version, sa->realm, sa->targetname, sa->opaque,
				  &sa->c2s, sa->kctx, c->cfg.use_gss_mic, &sa->keys.krb_seq,
				  &sa->cnum, pm, NULL, !c->cfg.sign_no_version, val, sizeof(val));
		if (n < 0) {
			rc = n;
			goto out;
		}
		n = snprintf(out + len, cap - len, "%s: %s\r\n", cred_hdr(sa->family), val);
		if (n < 0 || (size_t)n >= cap - len) {
			rc = -ENOSPC;
			goto out;
		}
		len += (size_t)n;
		c->st.signed_responses++;
		sw_cl_log(c, "   response signed for %s (cnum %llu)", sa->targetname,
			  (unsigned long long)sa->cnum);
	}
	n = snprintf(out + len, cap - len, "Content-Length: 0\r\n\r\n");
	if (n < 0 || (size_t)n >= cap - len) {
		rc = -ENOSPC;
		goto out;
	}
	rc = (int)(len + (size_t)n);
out:
	free(pm);
	return rc;
}

static struct answered *
cache_find(struct answered *cache, const struct sw_sip_msg *msg, uint64_t now, uint64_t keep)
{
	struct sw_span cid = sw_sip_value(msg, SW_HDR_CALL_ID);
	unsigned int i;

	for (i = 0; i < SW_CL_ANSWERED_MAX; i++) {
		struct answered *e = &cache[i];

		if (!e->used || now - e->at > keep)
			continue;
		if (e->cseq == msg->cseq_num && span_is(cid, e->call_id) &&
		    span_is(msg->top_via.branch, e->branch) &&
		    span_is(msg->cseq_method, e->cseq_method))
			return e;
	}
	return NULL;
}

/* A slot for a new request: a free or expired one, else the oldest. */
static struct answered *
cache_slot(struct answered *cache, const struct sw_sip_msg *msg, uint64_t now)
{
	struct sw_span cid = sw_sip_value(msg, SW_HDR_CALL_ID);
	struct answered *e = &cache[0];
	unsigned int i;

	if (cid.len >= sizeof(e->call_id) || msg->top_via.branch.len >= sizeof(e->branch) ||
	    msg->cseq_method.len >= sizeof(e->cseq_method))
		return NULL; /* not cacheable: a retransmission counts as new */
	for (i = 0; i < SW_CL_ANSWERED_MAX; i++) {
		if (!cache[i].used) {
			e = &cache[i];
			break;
		}
		if (cache[i].at < e->at)
			e = &cache[i];
	}
	memset(e, 0, offsetof(struct answered, rsp));
	e->used = true;
	span_copy(e->call_id, sizeof(e->call_id), cid);
	span_copy(e->branch, sizeof(e->branch), msg->top_via.branch);
	span_copy(e->cseq_method, sizeof(e->cseq_method), msg->cseq_method);
	e->cseq = msg->cseq_num;
	e->at = now;
	e->rec = UINT32_MAX;
	return e;
}

static struct sw_cl_incoming *
new_record(struct sw_cl_listen *l, unsigned int *idx)
{
	struct sw_cl_incoming *r;

	*idx = l->n_rx++;
	if (l->rx == NULL || *idx >= l->rx_cap)
		return NULL;
	r = &l->rx[*idx];
	memset(r, 0, sizeof(*r));
	return r;
}

static void
record_fill(struct sw_cl_incoming *r, const struct sw_sip_msg *msg, enum sw_cl_in_verdict v,
	    const struct sw_cl_sa *who, const struct in_check *chk, const struct sw_cl_sa *base)
{
	size_t i, n;

	span_copy(r->method, sizeof(r->method), msg->method);
	span_copy(r->from, sizeof(r->from), msg->from_uri);
	span_copy(r->call_id, sizeof(r->call_id), sw_sip_value(msg, SW_HDR_CALL_ID));
	r->cseq = msg->cseq_num;
	r->verdict = v;
	if (who != NULL) {
		snprintf(r->targetname, sizeof(r->targetname), "%s", who->targetname);
		r->snum = chk[who - base].snum;
	}
	n = msg->body.len < sizeof(r->body) - 1 ? msg->body.len : sizeof(r->body) - 1;
	for (i = 0; i < n; i++) {
		char ch = msg->body.p[i];

		r->body[i] = ch == '\r' || ch == '\n' || ch == '\t' ? ' ' : ch;
	}
	r->body[n] = '\0';
}

/* Status we answer @p method with: 200, 405, or 0 (ACK: no response). */
static uint16_t
answer_status(struct sw_span method)
{
	if (sw_span_ieq(method, "ACK"))
		return 0;
	if (sw_span_ieq(method, "MESSAGE") || sw_span_ieq(method, "INVITE") ||
	    sw_span_ieq(method, "OPTIONS") || sw_span_ieq(method, "BYE"))
		return 200;
	return 405;
}

static int
send_answer(struct sw_client *c, const char *buf, size_t len, bool again)
{
	int rc;

	log_msg(c, again ? ">> (same response again)" : ">>", buf, len);
	rc = sw_cl_tp_send(&c->tp, buf, len);
	if (rc != 0)
		sw_cl_set_error(c, "send to %s:%u: %s", c->tp.peer_host, c->tp.peer_port,
				strerror(-rc));
	return rc;
}

/* One datagram while listening.  @return 0 or a negative errno (send failed). */
static int
on_request(struct sw_client *c, struct sw_cl_listen *l, struct answered *cache,
	   struct sw_sip_msg *msg, const char *buf, size_t len)
{
	struct in_check chk[SW_CL_SA_MAX];
	struct sw_cl_incoming *r;
	struct sw_cl_sa *who;
	struct answered *e;
	enum sw_cl_in_verdict v;
	enum sw_sip_rc prc;
	uint64_t now = now_ms(c);
	uint64_t keep = l->keep_ms != 0 ? l->keep_ms
					: 64u * (uint64_t)(c->cfg.t1_ms != 0 ? c->cfg.t1_ms
									     : SW_CL_T1_DEFAULT_MS);
	uint16_t status;
	unsigned int i, idx = UINT32_MAX;
	int n;

	prc = sw_sip_parse(buf, len, msg);
	if (prc != SW_SIP_OK) {
		sw_cl_log(c, "<< REFUSED: malformed datagram (%s, %zu bytes), not answered",
			  sw_sip_rc_name(prc), len);
		c->st.incoming++;
		c->st.incoming_refused++;
		r = new_record(l, &idx);
		if (r != NULL)
			r->verdict = SW_CL_IN_MALFORMED;
		return 0;
	}
	if (msg->status != 0) {
		sw_cl_log(c, "<< ignored: a %u response outside any transaction", msg->status);
		return 0;
	}
	log_msg(c, "<<", buf, len);
	v = check_request(c, msg, chk, &who);
	e = cache_find(cache, msg, now, keep);
	if (v != SW_CL_IN_VERIFIED && v != SW_CL_IN_NO_SA) {
		c->st.incoming_refused++;
		if (e != NULL) {
			/* A copy of one we saw: not a new request for --count. */
			if (e->rec != UINT32_MAX && e->rec < l->rx_cap)
				l->rx[e->rec].retransmissions++;
			sw_cl_log(c, "   copy of an earlier request, refused: not answered");
			return 0;
		}
		c->st.incoming++;
		r = new_record(l, &idx);
		if (r != NULL)
			record_fill(r, msg, v, who, chk, c->sa);
		e = cache_slot(cache, msg, now);
		if (e != NULL)
			e->rec = idx;
		sw_cl_log(c, "   not answered (%s)", sw_cl_in_verdict_name(v));
		return 0;
	}
	if (e != NULL && e->len != 0) {
		/* §17.2: a server transaction answers a retransmission with its last response. */
		for (i = 0; i < c->n_sa; i++)
			if (chk[i].ok && snum_fresh(&c->sa[i], chk[i].snum))
				snum_commit(&c->sa[i], chk[i].snum);
		c->st.incoming_retrans++;
		if (e->rec != UINT32_MAX && e->rec < l->rx_cap)
			l->rx[e->rec].retransmissions++;
		return send_answer(c, e->rsp, e->len, true);
	}
	for (i = 0; i < c->n_sa; i++) {
		if (chk[i].ok && !snum_fresh(&c->sa[i], chk[i].snum)) {
			sw_cl_log(c, "   REFUSED: snum %llu of %s was accepted before (replay)",
				  (unsigned long long)chk[i].snum, c->sa[i].targetname);
			c->st.incoming++;
			c->st.incoming_refused++;
			r = new_record(l, &idx);
			if (r != NULL)
				record_fill(r, msg, SW_CL_IN_REPLAY, &c->sa[i], chk, c->sa);
			return 0;
		}
	}
	for (i = 0; i < c->n_sa; i++)
		if (chk[i].ok)
			snum_commit(&c->sa[i], chk[i].snum);
	if (e == NULL) {
		c->st.incoming++;
		r = new_record(l, &idx);
		if (r != NULL)
			record_fill(r, msg, v, who, chk, c->sa);
		e = cache_slot(cache, msg, now);
		if (e != NULL)
			e->rec = idx;
	} else {
		/* An earlier copy was refused; this one verifies: answer it now. */
		c->st.incoming_retrans++;
		if (e->rec != UINT32_MAX && e->rec < l->rx_cap) {
			record_fill(&l->rx[e->rec], msg, v, who, chk, c->sa);
			l->rx[e->rec].retransmissions++;
		}
	}
	c->st.incoming_verified++;
	status = answer_status(msg->method);
	if (status == 0) {
		sw_cl_log(c, "   ACK: accepted, never answered");
		return 0;
	}
	n = build_answer(c, msg, chk, status, e != NULL ? e->rsp : c->tx,
			 e != NULL ? sizeof(e->rsp) : sizeof(c->tx));
	if (n < 0) {
		sw_cl_log(c, "   cannot build the %u: %s", status, strerror(-n));
		return 0;
	}
	if (e != NULL) {
		e->len = (size_t)n;
		if (e->rec != UINT32_MAX && e->rec < l->rx_cap)
			l->rx[e->rec].answered = status;
		return send_answer(c, e->rsp, e->len, false);
	}
	if (idx < l->rx_cap && l->rx != NULL)
		l->rx[idx].answered = status;
	return send_answer(c, c->tx, (size_t)n, false);
}

int
sw_client_listen(struct sw_client *c, struct sw_cl_listen *l)
{
	struct answered *cache = NULL;
	struct sw_sip_msg *msg = NULL;
	uint64_t end;
	int rc = 0;

	if (l->count == 0 || l->count > SW_CL_LISTEN_COUNT_MAX)
		return -EINVAL;
	l->n_rx = 0;
	if (!c->registered) {
		rc = sw_client_register(c);
		if (rc != 0)
			return rc;
	}
	cache = calloc(SW_CL_ANSWERED_MAX, sizeof(*cache));
	msg = malloc(sizeof(*msg));
	if (cache == NULL || msg == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	c->err[0] = '\0';
	end = now_ms(c) + (l->timeout_ms != 0 ? l->timeout_ms : 32000u);
	sw_cl_log(c, "listening on %s for %u request(s), at most %u ms", c->tp.local_str, l->count,
		  l->timeout_ms != 0 ? l->timeout_ms : 32000u);
	while (l->n_rx < l->count) {
		uint64_t now = now_ms(c);
		uint32_t slice;
		int n;

		if (now >= end) {
			sw_cl_log(c, "listen: time over (%u request(s) received)", l->n_rx);
			break;
		}
		if (l->stop != NULL && l->stop(l->stop_arg)) {
			sw_cl_log(c, "listen: stopped (%u request(s) received)", l->n_rx);
			break;
		}
		/* Short slices: a stop request is seen within 200 ms. */
		slice = end - now < 200 ? (uint32_t)(end - now) : 200u;
		n = sw_cl_tp_recv(&c->tp, c->rx, sizeof(c->rx) - 1, slice);
		if (n < 0) {
			sw_cl_set_error(c, "receive: %s", strerror(-n));
			rc = n;
			break;
		}
		if (n == 0)
			continue;
		c->rx[n] = '\0';
		rc = on_request(c, l, cache, msg, c->rx, (size_t)n);
		if (rc != 0)
			break;
	}
	if (rc == 0 && l->n_rx >= l->count)
		sw_cl_log(c, "listen: %u request(s) received", l->n_rx);
out:
	if (cache != NULL) {
		sw_cl_wipe(cache, SW_CL_ANSWERED_MAX * sizeof(*cache));
		free(cache);
	}
	free(msg);
	return rc;
}

/*
 * Life cycle.
 */

static int
setup_preauth(struct sw_client *c)
{
	char tbuf[SW_CL_STR_MAX];
	enum sw_scheme s;
	struct sw_cl_sa *sa;

	s = mech_allowed(c, SW_SCHEME_KERBEROS) ? SW_SCHEME_KERBEROS : SW_SCHEME_NTLM;
	if (!mech_allowed(c, s))
		return -EACCES;
	if (c->cfg.targetname != NULL)
		snprintf(tbuf, sizeof(tbuf), "%s", c->cfg.targetname);
	else if (s == SW_SCHEME_KERBEROS)
		snprintf(tbuf, sizeof(tbuf), "sip/%s", c->cfg.proxy_host);
	else
		snprintf(tbuf, sizeof(tbuf), "%s", c->cfg.proxy_host);
	sa = sa_get(c, fqdn_of(tbuf), strlen(fqdn_of(tbuf)));
	if (sa == NULL)
		return -ENOSPC;
	sa->scheme = s;
	sa->version = c->cfg.version != 0 ? c->cfg.version : 3;
	sa->family = c->cfg.family != 0 ? c->cfg.family : 407;
	snprintf(sa->targetname, sizeof(sa->targetname), "%s", tbuf);
	snprintf(sa->realm, sizeof(sa->realm), "%s",
		 c->cfg.realm != NULL ? c->cfg.realm : "SIP Communications Service");
	sa_event(c, sa, SW_SA_EV_PREAUTH, "credentials in the first REGISTER");
	return sa_start_handshake(c, sa);
}

int
sw_client_create(const struct sw_cl_config *cfg, struct sw_client **out)
{
	struct sw_client *c;
	char err[512] = "", dom[128];
	const char *at;
	int rc;

	*out = NULL;
	if (cfg->proxy_host == NULL || cfg->user == NULL || strchr(cfg->user, '@') == NULL ||
	    (cfg->version != 0 && (cfg->version < 2 || cfg->version > 4)))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->tp.fd = -1;
	c->cfg = *cfg;
	c->cfg.proxy_host = c->s_proxy = dup_or_null(cfg->proxy_host);
	c->cfg.local = c->s_local = dup_or_null(cfg->local);
	c->cfg.user = c->s_user = dup_or_null(cfg->user);
	c->cfg.aor_domain = c->s_aor_domain = dup_or_null(cfg->aor_domain);
	c->cfg.krb_ccache = c->s_ccache = dup_or_null(cfg->krb_ccache);
	c->cfg.krb_keytab = c->s_keytab = dup_or_null(cfg->krb_keytab);
	c->cfg.realm = c->s_realm = dup_or_null(cfg->realm);
	c->cfg.targetname = c->s_target = dup_or_null(cfg->targetname);
	c->cfg.ntlm_domain = c->s_ntlm_domain = dup_or_null(cfg->ntlm_domain);
	c->cfg.workstation = c->s_ws = dup_or_null(cfg->workstation);
	c->cfg.password = c->password = dup_or_null(cfg->password);

	rc = sw_cl_tp_open(&c->tp, c->cfg.proxy_host, c->cfg.proxy_port, c->cfg.local);
	if (rc != 0) {
		sw_cl_set_error(c, "socket to %s: %s", c->cfg.proxy_host, strerror(-rc));
		goto fail;
	}
	rc = sw_cl_ua_init(&c->ua, c->cfg.user, c->cfg.aor_domain, c->tp.local_host,
			   c->tp.local_port);
	if (rc != 0)
		goto fail;
	sw_cl_log(c, "local %s, proxy %s:%u, AOR %s", c->tp.local_str, c->tp.peer_host,
		  c->tp.peer_port, c->ua.aor);

	if (c->cfg.mechs == 0 || (c->cfg.mechs & (1u << SW_SCHEME_KERBEROS))) {
		if (c->cfg.krb_src != SW_CL_KRB_PASSWORD || c->password != NULL) {
			rc = sw_cl_krb_creds(&c->cfg, &c->krb, err, sizeof(err));
			if (rc != 0)
				sw_cl_log(c, "kerberos unavailable: %s", err);
			else
				sw_cl_log(c, "kerberos credentials for %s ready", c->cfg.user);
		}
	}
	if ((c->cfg.mechs == 0 || (c->cfg.mechs & (1u << SW_SCHEME_NTLM))) && c->password != NULL) {
		at = strchr(c->cfg.user, '@');
		if (c->cfg.ntlm_domain != NULL) {
			snprintf(dom, sizeof(dom), "%s", c->cfg.ntlm_domain);
		} else {
			/* NetBIOS domain = first label of the realm (DOMAINB.TEST -> DOMAINB). */
			size_t n = strcspn(at + 1, ".");

			snprintf(dom, sizeof(dom), "%.*s", (int)n, at + 1);
		}
		{
			char user[128];

			snprintf(user, sizeof(user), "%.*s", (int)(at - c->cfg.user), c->cfg.user);
			rc = sw_cl_ntlm_cred_init(&c->ntlm, user, dom, c->cfg.workstation,
						  c->password, c->cfg.ntlm_no_mic);
		}
		c->ntlm_ok = rc == 0;
		if (c->ntlm_ok)
			sw_cl_log(c, "NTLM credentials for %s\\%.*s ready", dom,
				  (int)(at - c->cfg.user), c->cfg.user);
	}
	if (c->krb == NULL && !c->ntlm_ok) {
		sw_cl_set_error(c, "no usable credentials%s%s", err[0] != '\0' ? ": " : "", err);
		rc = -EACCES;
		goto fail;
	}
	if (c->cfg.preauth) {
		rc = setup_preauth(c);
		if (rc != 0)
			goto fail;
	}
	*out = c;
	return 0;

fail:
	sw_client_free(c);
	return rc;
}

void
sw_client_free(struct sw_client *c)
{
	unsigned int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_sa; i++)
		sa_reset_keys(&c->sa[i]);
	sw_cl_krb_free(c->krb);
	sw_cl_tp_close(&c->tp);
	if (c->password != NULL) {
		sw_cl_wipe(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->s_proxy);
	free(c->s_local);
	free(c->s_user);
	free(c->s_aor_domain);
	free(c->s_ccache);
	free(c->s_keytab);
	free(c->s_realm);
	free(c->s_target);
	free(c->s_ntlm_domain);
	free(c->s_ws);
	sw_cl_wipe(c, sizeof(*c));
	free(c);
}

unsigned int
sw_client_sas(const struct sw_client *c, struct sw_cl_sa_info *out, unsigned int cap)
{
	unsigned int i;

	for (i = 0; i < c->n_sa && i < cap; i++) {
		const struct sw_cl_sa *sa = &c->sa[i];

		memset(&out[i], 0, sizeof(out[i]));
		out[i].state = sa->state;
		out[i].fresh = sa->fresh;
		out[i].scheme = sa->scheme;
		out[i].version = sa->version;
		out[i].family = sa->family;
		snprintf(out[i].realm, sizeof(out[i].realm), "%s", sa->realm);
		snprintf(out[i].targetname, sizeof(out[i].targetname), "%s", sa->targetname);
		snprintf(out[i].opaque, sizeof(out[i].opaque), "%s", sa->opaque);
		out[i].cnum = sa->cnum;
		out[i].enctype = sa->keys.enctype;
		out[i].mutual_verified = sa->mutual_verified;
		out[i].backoffs = sa->backoffs;
	}
	return i;
}

void
sw_client_stats(const struct sw_client *c, struct sw_cl_stats *out)
{
	*out = c->st;
}

const char *
sw_client_error(const struct sw_client *c)
{
	return c->err;
}

const char *
sw_client_local(const struct sw_client *c)
{
	return c->tp.local_str;
}

struct sw_cl_ua *
sw_cl_client_ua(struct sw_client *c)
{
	return &c->ua;
}

int
sw_cl_establish_one(struct sw_client *c, struct sw_cl_saved_sa *out)
{
	struct sw_cl_sa *sa;
	unsigned int i;
	int rc;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < c->n_sa; i++)
		sa_reset_keys(&c->sa[i]);
	c->n_sa = 0;
	sw_cl_ua_token(c->ua.reg_call_id, 24);
	sw_cl_ua_token(c->ua.reg_tag, 12);
	c->ua.reg_cseq = 0;
	if (c->cfg.preauth) {
		rc = setup_preauth(c);
		if (rc != 0)
			return rc;
	}
	rc = sw_client_register(c);
	if (rc != 0)
		return rc;
	sa = &c->sa[0];
	if (c->n_sa == 0 || sa->state != SW_SA_ESTABLISHED) {
		sw_cl_set_error(c, "REGISTER succeeded without an SA (proxy did not challenge)");
		return -EACCES;
	}
	out->scheme = (uint8_t)sa->scheme;
	out->version = sa->version;
	out->family = sa->family;
	snprintf(out->realm, sizeof(out->realm), "%s", sa->realm);
	snprintf(out->targetname, sizeof(out->targetname), "%s", sa->targetname);
	snprintf(out->opaque, sizeof(out->opaque), "%s", sa->opaque);
	snprintf(out->aor, sizeof(out->aor), "%s", c->ua.aor);
	out->keys = sa->keys;
	out->cnum = sa->cnum;
	out->expires = sa->expires;
	return 0;
}
