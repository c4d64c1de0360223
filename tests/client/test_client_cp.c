/*
 * libswclient against the real control plane (suites 'xcheck', 'eal').
 *
 * An "engine in miniature" on a UDP loopback socket, made of the pieces
 * sipwardd is made of: the stateless first challenge from the policy
 * (sw_cp_policy + sw_sip_write_challenge), handshake legs and responses owed
 * an AP-REP through sw_cp_handle_request / sw_cp_handle_response, signed
 * requests verified the way a polling lcore does it (sw_sa_check_cred,
 * sw_sa_req_prep, the batch MAC engine, sw_sa_req_commit with the replay
 * window), our Via (sw_sa_via_write) on forwarded requests, and responses
 * signed with sw_sa_sign_response; the next hop is an in-process registrar
 * that answers 200.  The client runs in a thread; the engine loop runs on
 * the main (EAL) thread, the control thread.
 *
 * Rows: Kerberos and NTLM, 401 and 407, versions 2/3/4, mutual
 * authentication, pre-auth, challenged INVITE (FIG. 7/8), refresh and
 * unregistration; incoming requests (op 'L', sw_client_listen()): the engine
 * relays requests to the client the way sw_fwd_inbound() does (our Via from
 * sw_sa_via_write_in, signed with sw_sa_sign_request) and verifies the
 * client's answers the way fwd.c's client_response() does.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_priv.h"
#include "crypto/mac.h"
#include "ctrlplane/config.h"
#include "ctrlplane/cp.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/sa_verify.h"
#include "dataplane/sip_write.h"
#include "tests/ctrlplane/cp_eal.h"
#include "tests/realm/realm.h"

#define REALM "SIP Communications Service"
#define FQDN  "proxy.domainb.test"

#define K (1u << SW_SCHEME_KERBEROS)
#define N (1u << SW_SCHEME_NTLM)

struct cp_row {
	const char *name;
	uint8_t schemes[2]; /* offered, in order (0: none) */
	uint16_t challenge;
	uint8_t version;
	bool cp_mutual;	    /* [auth] mutual = yes */
	unsigned int mechs; /* client */
	bool mutual, preauth;
	const char *ops; /* R register, U unregister, O options, M message, I invite,
			  * L listen (after a signed request: the engine knows the SA) */
	bool no_version; /* pidgin-sipe style signed requests (no version=) */
};

static const struct cp_row rows[] = {
	{"Kerberos 407 v3: register, options, refresh",
	 {SW_SCHEME_KERBEROS, 0},
	 407,
	 3,
	 false,
	 K,
	 false,
	 false,
	 "ROR"},
	{"Kerberos 401 v2: challenged invite (FIG. 7/8)",
	 {SW_SCHEME_KERBEROS, 0},
	 401,
	 2,
	 false,
	 K,
	 false,
	 false,
	 "I"},
	{"Kerberos 407 v4 mutual: register, message, unregister",
	 {SW_SCHEME_KERBEROS, SW_SCHEME_NTLM},
	 407,
	 4,
	 true,
	 K,
	 true,
	 false,
	 "RMU"},
	{"Kerberos 407 v3 pre-auth", {SW_SCHEME_KERBEROS, 0}, 407, 3, false, K, false, true, "RO"},
	{"NTLM 407 v3: register, options, unregister",
	 {SW_SCHEME_NTLM, 0},
	 407,
	 3,
	 false,
	 N,
	 false,
	 false,
	 "ROU"},
	{"NTLM 401 v4: invite",
	 {SW_SCHEME_NTLM, SW_SCHEME_KERBEROS},
	 401,
	 4,
	 false,
	 N,
	 false,
	 false,
	 "IO"},
	{"NTLM 401 v2 pre-auth", {SW_SCHEME_NTLM, 0}, 401, 2, false, N, false, true, "RM"},
	/* pidgin-sipe leaves version= out of signed requests (sip-transport.c
	 * msg_signature_to_auth); the engine must take the SA's version. */
	{"Kerberos 407 v3: incoming requests verified, answered signed",
	 {SW_SCHEME_KERBEROS, 0},
	 407,
	 3,
	 false,
	 K,
	 false,
	 false,
	 "ROL"},
	{"NTLM 401 v2: incoming requests verified, answered signed",
	 {SW_SCHEME_NTLM, 0},
	 401,
	 2,
	 false,
	 N,
	 false,
	 false,
	 "ROL"},
	{"pidgin-sipe style signed requests (no version=), NTLM v3",
	 {SW_SCHEME_NTLM, 0},
	 407,
	 3,
	 false,
	 N,
	 false,
	 false,
	 "RO",
	 true},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static struct sw_test_realm realm;
static struct sw_mac_engine *eng;

/* ---- the engine in miniature ---- */

struct mini {
	struct sw_cp *cp;
	int fd;
	uint16_t port;
	struct sw_sa_rng rng;
	unsigned int verified, forwarded, challenged, to_cp, signed_rsp;
	struct sw_peer client;	/* where the last verified request came from */
	uint64_t client_opaque; /* and its SA */
	unsigned int bad[SW_SA_RC_MAX];
	struct sw_cp_out outs[SW_CP_OUTS_MAX];
	struct sw_sip_msg msg, rmsg;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
send_to(struct mini *m, const struct sw_peer *p, const void *buf, size_t len)
{
	struct sockaddr_in to = {.sin_family = AF_INET};

	to.sin_port = htons(p->port);
	to.sin_addr = p->addr.u.v4;
	sendto(m->fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
}

static void upstream(struct mini *m, const char *buf, size_t len);

static void
dispatch(struct mini *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (m->outs[i].dst == SW_CP_DST_CLIENT)
			send_to(m, &m->outs[i].to, m->outs[i].buf, m->outs[i].len);
		else
			upstream(m, (const char *)m->outs[i].buf, m->outs[i].len);
	}
}

/* A response from the next hop: signed here, or by the control plane when it owes more. */
static void
from_upstream(struct mini *m, const char *buf, size_t len)
{
	const struct sw_sa_policy *pol = sw_cp_policy(m->cp);
	struct sw_sa_src src;
	struct sw_sa_rt *sa = NULL;
	uint64_t opaque = 0;
	static uint8_t scratch[SW_SIGBUF_MAX];
	char info[SW_SA_INFO_MAX], out[SW_CL_MSG_MAX];
	struct sw_wbuf iw, w;
	struct sw_sip_fwd fwd;
	struct sw_peer to;

	assert_int_equal(sw_sip_parse(buf, len, &m->rmsg), SW_SIP_OK);
	assert_true(sw_sa_via_parse(&m->rmsg, &opaque, &src));
	if (opaque != 0)
		sa = sw_sa_lookup(sw_cp_sa_table(m->cp), opaque);
	if (sa == NULL || sw_sa_rsp_needs_cp(sa, &m->rmsg)) {
		m->to_cp++;
		dispatch(m, sw_cp_handle_response(m->cp, buf, len, &m->rmsg, mono_ms(), m->outs));
		return;
	}
	sw_wbuf_init(&iw, info, sizeof(info));
	assert_int_equal(sw_sa_sign_response(pol, sa, &m->rmsg, &m->rng, false, scratch, &iw), 0);
	memset(&fwd, 0, sizeof(fwd));
	fwd.pop_via = true;
	fwd.info_hdr = pol->info_hdr;
	fwd.info = (struct sw_span){info, (uint16_t)iw.len};
	sw_wbuf_init(&w, out, sizeof(out));
	assert_int_equal(sw_sip_write_forward(&w, &m->rmsg, buf, len, &fwd), 0);
	memset(&to, 0, sizeof(to));
	to.addr.af = AF_INET;
	memcpy(&to.addr.u.v4, src.addr, 4);
	to.port = src.port;
	m->signed_rsp++;
	send_to(m, &to, out, w.len);
}

/* The next hop: a registrar / UA answering 200 to everything but ACK. */
static void
upstream(struct mini *m, const char *buf, size_t len)
{
	struct sw_sip_msg f;
	struct sw_span v;
	char out[SW_CL_MSG_MAX];
	uint8_t idx;
	uint16_t pos = 0;
	size_t c = 0;

	assert_int_equal(sw_sip_parse(buf, len, &f), SW_SIP_OK);
	if (sw_span_ieq(f.method, "ACK"))
		return;
	c += (size_t)snprintf(out + c, sizeof(out) - c, "SIP/2.0 200 OK\r\n");
	idx = f.first[SW_HDR_VIA];
	while (sw_sip_next_value(&f, &idx, &pos, &v))
		c += (size_t)snprintf(out + c, sizeof(out) - c, "Via: %.*s\r\n", v.len, v.p);
	v = sw_sip_value(&f, SW_HDR_FROM);
	c += (size_t)snprintf(out + c, sizeof(out) - c, "From: %.*s\r\n", v.len, v.p);
	v = sw_sip_value(&f, SW_HDR_TO);
	c += (size_t)snprintf(out + c, sizeof(out) - c, "To: %.*s%s\r\n", v.len, v.p,
			      sw_sip_tag_of(v).p == NULL ? ";tag=up1" : "");
	v = sw_sip_value(&f, SW_HDR_CALL_ID);
	c += (size_t)snprintf(out + c, sizeof(out) - c, "Call-ID: %.*s\r\n", v.len, v.p);
	v = sw_sip_value(&f, SW_HDR_CSEQ);
	c += (size_t)snprintf(out + c, sizeof(out) - c, "CSeq: %.*s\r\n", v.len, v.p);
	if (sw_span_ieq(f.method, "REGISTER")) {
		v = sw_sip_expires(&f);
		c += (size_t)snprintf(out + c, sizeof(out) - c,
				      "Contact: <sip:bob@127.0.0.1:5062>;expires=%.*s\r\n", v.len,
				      v.p);
	}
	c += (size_t)snprintf(out + c, sizeof(out) - c, "Content-Length: 0\r\n\r\n");
	from_upstream(m, out, c);
}

static void
challenge(struct mini *m, const char *buf, const struct sw_peer *from)
{
	const struct sw_sa_policy *pol = sw_cp_policy(m->cp);
	char out[SW_CL_MSG_MAX];
	struct sw_wbuf w;

	if (sw_span_ieq(m->msg.method, "ACK"))
		return;
	sw_wbuf_init(&w, out, sizeof(out));
	assert_int_equal(sw_sip_write_challenge(&w, &m->msg, buf, pol->challenge, pol->ch,
						pol->n_ch, (struct sw_span){NULL, 0}),
			 0);
	m->challenged++;
	send_to(m, from, out, w.len);
}

/* What a polling lcore does with one request from a client. */
static void
from_client(struct mini *m, const char *buf, size_t len, const struct sw_peer *from)
{
	const struct sw_sa_policy *pol = sw_cp_policy(m->cp);
	static uint8_t slot[SW_SA_SLOT_MAX];
	uint8_t tag[SW_MAC_TAG_MAX], ok = 0;
	char fwdbuf[SW_CL_MSG_MAX], via[SW_SA_VIA_MAX];
	struct sw_mac_job job;
	struct sw_auth cred;
	struct sw_sa_rt *sa;
	struct sw_sa_src src;
	struct sw_sip_fwd fwd;
	struct sw_wbuf w, vw;
	uint32_t off, cnum, crand;
	uint64_t opaque, now = mono_ms();
	enum sw_auth_rc arc;
	enum sw_sa_rc rc;

	if (sw_sip_parse(buf, len, &m->msg) != SW_SIP_OK || m->msg.status != 0)
		return;
	arc = sw_auth_select(&m->msg, (enum sw_hdr)pol->cred_hdr, pol->realm, pol->targets,
			     pol->n_targets, &cred, &off);
	if (arc == SW_AUTH_EABSENT) {
		challenge(m, buf, from);
		return;
	}
	if (arc != SW_AUTH_OK || sw_auth_has(&cred, SW_AUTH_P_GSSAPI_DATA)) {
		m->to_cp++;
		dispatch(m, sw_cp_handle_request(m->cp, buf, len, &m->msg, from, now, m->outs));
		return;
	}
	if (!sw_sa_opaque_parse(sw_auth_get(&cred, SW_AUTH_P_OPAQUE), &opaque) ||
	    (sa = sw_sa_lookup(sw_cp_sa_table(m->cp), opaque)) == NULL) {
		rc = SW_SA_NO_SA;
		goto refuse;
	}
	rc = sw_sa_check_cred(pol, sa, &cred, now, &cnum, &crand);
	if (rc != SW_SA_OK)
		goto refuse;
	if (sw_sa_cnum_check(sa, cnum) != SW_SA_CNUM_NEW) {
		rc = sw_sa_replay_verdict(pol, sa, buf, len, now);
		if (rc != SW_SA_RETX)
			goto refuse;
	} else {
		rc = sw_sa_req_prep(sa, &m->msg, &cred, slot, tag, &job);
		if (rc != SW_SA_OK)
			goto refuse;
		assert_true(sw_mac_verify_burst(eng, &job, 1, &ok) >= 0);
		if (ok != 1 || sw_sig_ckey_job_post_check(sw_sa_c2s(sa), &job) != 0) {
			rc = SW_SA_BAD_SIG;
			goto refuse;
		}
		rc = sw_sa_req_commit(pol, sa, &m->msg, buf, len, cnum, now);
		if (rc != SW_SA_OK && rc != SW_SA_RETX)
			goto refuse;
	}
	m->verified++;
	m->client = *from;
	m->client_opaque = opaque;
	sw_sa_note_request(sa, &m->msg);
	memset(&src, 0, sizeof(src));
	src.af = AF_INET;
	memcpy(src.addr, &from->addr.u.v4, 4);
	src.port = from->port;
	sw_wbuf_init(&vw, via, sizeof(via));
	assert_int_equal(sw_sa_via_write(pol, &m->msg, opaque, &src, &vw), 0);
	memset(&fwd, 0, sizeof(fwd));
	fwd.push_via = (struct sw_span){via, (uint16_t)vw.len};
	fwd.dec_max_forwards = true;
	sw_wbuf_init(&w, fwdbuf, sizeof(fwdbuf));
	assert_int_equal(sw_sip_write_forward(&w, &m->msg, buf, len, &fwd), 0);
	m->forwarded++;
	upstream(m, fwdbuf, w.len);
	return;

refuse:
	m->bad[rc]++;
	fprintf(stderr, "      | mini engine: refused (%s)\n", sw_sa_rc_name(rc));
	challenge(m, buf, from);
}

/* ---- requests toward the client (README "Incoming requests") ---- */

/* Requests listen waits for: MESSAGE, tampered, unsigned, INVITE, ACK, replay. */
#define LISTEN_COUNT   6u
#define LISTEN_KEEP_MS 400u

/*
 * A request from "upstream" for the client, as sw_fwd_inbound() relays it:
 * our Via (sw_sa_via_write_in), Max-Forwards decremented, signed in the
 * server direction for @p sa (unless @p sign is false).  @return length.
 */
static size_t
incoming(struct mini *m, struct sw_sa_rt *sa, const char *method, const char *cid, uint32_t cseq,
	 const char *branch, const char *body, bool sign, char *out, size_t cap)
{
	const struct sw_sa_policy *pol = sw_cp_policy(m->cp);
	static uint8_t scratch[SW_SIGBUF_MAX];
	char raw[2048], info[SW_SA_INFO_MAX], via[SW_SA_VIA_MAX];
	struct sw_sa_src self = {.af = AF_INET, .port = m->port};
	struct sw_sa_src up = {.af = AF_INET, .port = 5070};
	struct sw_sip_fwd fwd;
	struct sw_wbuf w, vw, iw;
	uint32_t lo = htonl(INADDR_LOOPBACK);
	int n;

	memcpy(self.addr, &lo, 4);
	memcpy(up.addr, &lo, 4);
	n = snprintf(raw, sizeof(raw),
		     "%s sip:bob@127.0.0.1:%u SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=%s\r\n"
		     "Max-Forwards: 69\r\n"
		     "From: <sip:carol@domainb.test>;tag=c1\r\n"
		     "To: <sip:bob@domainb.test>\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: %u %s\r\n"
		     "%s"
		     "Content-Length: %zu\r\n\r\n%s",
		     method, m->client.port, branch, cid, cseq, method,
		     body != NULL ? "Content-Type: text/plain\r\n" : "",
		     body != NULL ? strlen(body) : 0, body != NULL ? body : "");
	assert_true(n > 0 && (size_t)n < sizeof(raw));
	assert_int_equal(sw_sip_parse(raw, (size_t)n, &m->msg), SW_SIP_OK);
	sw_wbuf_init(&vw, via, sizeof(via));
	assert_int_equal(sw_sa_via_write_in(pol, &m->msg, sa->opaque, &self, &up, &vw), 0);
	memset(&fwd, 0, sizeof(fwd));
	fwd.push_via = (struct sw_span){via, (uint16_t)vw.len};
	fwd.dec_max_forwards = true;
	fwd.info_hdr = SW_HDR_OTHER;
	if (sign) {
		sw_wbuf_init(&iw, info, sizeof(info));
		assert_int_equal(sw_sa_sign_request(pol, sa, &m->msg, &m->rng, scratch, &iw), 0);
		fwd.info_hdr = pol->info_hdr;
		fwd.info = (struct sw_span){info, (uint16_t)iw.len};
	}
	sw_wbuf_init(&w, out, cap);
	assert_int_equal(sw_sip_write_forward(&w, &m->msg, raw, (size_t)n, &fwd), 0);
	return w.len;
}

/* The client's answer, or 0 bytes after @p ms. */
static size_t
wait_answer(struct mini *m, char *buf, size_t cap, int ms)
{
	struct pollfd pfd = {.fd = m->fd, .events = POLLIN};
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = recv(m->fd, buf, cap, 0);
	return n > 0 ? (size_t)n : 0;
}

/*
 * What a polling lcore does with a client's response to a relayed request
 * (dataplane/fwd.c client_response()): credentials for our realm and
 * targetname, the opaque equal to our Via's sw-sa, signature through the
 * batch MAC engine, the cnum window shared with requests, byte-identical
 * retransmissions recognised.
 */
static enum sw_sa_rc
verify_answer(struct mini *m, const char *buf, size_t len, uint16_t *status)
{
	const struct sw_sa_policy *pol = sw_cp_policy(m->cp);
	static uint8_t slot[SW_SA_SLOT_MAX];
	uint8_t tag[SW_MAC_TAG_MAX], ok = 0;
	struct sw_mac_job job;
	struct sw_auth cred;
	struct sw_sa_src src;
	struct sw_sa_rt *sa;
	uint64_t via_opaque, opaque, now = mono_ms();
	uint32_t off, cnum, crand;
	enum sw_auth_rc arc;
	enum sw_sa_rc rc;

	assert_int_equal(sw_sip_parse(buf, len, &m->rmsg), SW_SIP_OK);
	*status = m->rmsg.status;
	assert_true(sw_sa_via_parse_in(&m->rmsg, &via_opaque, &src));
	arc = sw_auth_select(&m->rmsg, (enum sw_hdr)pol->cred_hdr, pol->realm, pol->targets,
			     pol->n_targets, &cred, &off);
	if (arc != SW_AUTH_OK || sw_auth_has(&cred, SW_AUTH_P_GSSAPI_DATA))
		return SW_SA_NO_SIG;
	if (!sw_sa_opaque_parse(sw_auth_get(&cred, SW_AUTH_P_OPAQUE), &opaque) ||
	    opaque != via_opaque || (sa = sw_sa_lookup(sw_cp_sa_table(m->cp), opaque)) == NULL)
		return SW_SA_NO_SA;
	rc = sw_sa_check_cred(pol, sa, &cred, now, &cnum, &crand);
	if (rc != SW_SA_OK)
		return rc;
	if (sw_sa_cnum_check(sa, cnum) != SW_SA_CNUM_NEW)
		return sw_sa_replay_verdict(pol, sa, buf, len, now);
	rc = sw_sa_req_prep(sa, &m->rmsg, &cred, slot, tag, &job);
	if (rc != SW_SA_OK)
		return rc;
	assert_true(sw_mac_verify_burst(eng, &job, 1, &ok) >= 0);
	if (ok != 1 || sw_sig_ckey_job_post_check(sw_sa_c2s(sa), &job) != 0)
		return SW_SA_BAD_SIG;
	return sw_sa_rsp_commit(pol, sa, buf, len, cnum, now);
}

/* Outcome of the incoming-request sequence, checked after the client thread ended. */
struct inject_result {
	enum sw_sa_rc msg_rc, retx_rc, inv_rc;
	uint16_t msg_status, inv_status;
	bool retx_identical, inv_contact;
	size_t tampered, unsigned_, ack, replay, past_count; /* bytes answered (want 0) */
};

static void
inject(struct mini *m, const char *tag, struct inject_result *res)
{
	struct sw_sa_rt *sa = sw_sa_lookup(sw_cp_sa_table(m->cp), m->client_opaque);
	char req[SW_CL_MSG_MAX], first[SW_CL_MSG_MAX], a1[SW_CL_MSG_MAX], a2[SW_CL_MSG_MAX];
	char cid[64];
	size_t n, first_len, l1, l2;
	char *p;

	assert_non_null(sa);
	memset(res, 0, sizeof(*res));
	/* 1. A signed MESSAGE: verified, answered 200, signed. */
	snprintf(cid, sizeof(cid), "in-msg-%s", tag);
	first_len = incoming(m, sa, "MESSAGE", cid, 1, "z9hG4bKup1", "hello bob", true, first,
			     sizeof(first));
	send_to(m, &m->client, first, first_len);
	l1 = wait_answer(m, a1, sizeof(a1), 3000);
	assert_true(l1 > 0);
	res->msg_rc = verify_answer(m, a1, l1, &res->msg_status);
	/* 2. The upstream's retransmission, signed again (new snum): the same 200. */
	n = incoming(m, sa, "MESSAGE", cid, 1, "z9hG4bKup1", "hello bob", true, req, sizeof(req));
	send_to(m, &m->client, req, n);
	l2 = wait_answer(m, a2, sizeof(a2), 3000);
	res->retx_identical = l2 == l1 && memcmp(a1, a2, l1) == 0;
	if (l2 > 0)
		res->retx_rc = verify_answer(m, a2, l2, &res->msg_status);
	/* 3. Signed, then the From tag (a signed field) changed: refused. */
	snprintf(cid, sizeof(cid), "in-tamper-%s", tag);
	n = incoming(m, sa, "MESSAGE", cid, 1, "z9hG4bKup2", "pay mallory", true, req, sizeof(req));
	p = strstr(req, ";tag=c1");
	assert_non_null(p);
	p[6] = '9';
	send_to(m, &m->client, req, n);
	res->tampered = wait_answer(m, a2, sizeof(a2), 500);
	/* 4. Unsigned, while the client holds an SA with us: refused. */
	snprintf(cid, sizeof(cid), "in-unsigned-%s", tag);
	n = incoming(m, sa, "OPTIONS", cid, 1, "z9hG4bKup3", NULL, false, req, sizeof(req));
	send_to(m, &m->client, req, n);
	res->unsigned_ = wait_answer(m, a2, sizeof(a2), 500);
	/* 5. A signed INVITE: 200 with a Contact, signed. */
	snprintf(cid, sizeof(cid), "in-invite-%s", tag);
	n = incoming(m, sa, "INVITE", cid, 1, "z9hG4bKup4", NULL, true, req, sizeof(req));
	send_to(m, &m->client, req, n);
	l2 = wait_answer(m, a2, sizeof(a2), 3000);
	assert_true(l2 > 0);
	res->inv_rc = verify_answer(m, a2, l2, &res->inv_status);
	res->inv_contact = m->rmsg.first[SW_HDR_CONTACT] != SW_HDR_NONE;
	/* 6. Its ACK, signed: accepted, never answered. */
	n = incoming(m, sa, "ACK", cid, 1, "z9hG4bKup5", NULL, true, req, sizeof(req));
	send_to(m, &m->client, req, n);
	res->ack = wait_answer(m, a2, sizeof(a2), 300);
	/* 7. The first MESSAGE byte for byte once the client forgot its answer: a replay. */
	usleep((LISTEN_KEEP_MS + 200) * 1000);
	send_to(m, &m->client, first, first_len);
	res->replay = wait_answer(m, a2, sizeof(a2), 500);
	/* 8. One past --count: nobody answers. */
	snprintf(cid, sizeof(cid), "in-past-%s", tag);
	n = incoming(m, sa, "MESSAGE", cid, 1, "z9hG4bKup6", "too late", true, req, sizeof(req));
	send_to(m, &m->client, req, n);
	res->past_count = wait_answer(m, a2, sizeof(a2), 500);
}

/* ---- the client, in a thread ---- */

struct client_job {
	const struct cp_row *row;
	uint16_t port;
	int rc;
	int step;
	int listening;
	int bad_count0, bad_count_max;
	struct sw_cl_incoming rx[LISTEN_COUNT + 2];
	unsigned int n_rx;
	char err[512];
	struct sw_cl_sa_info sa;
	struct sw_cl_stats st;
	int done;
};

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	if (getenv("SW_TEST_VERBOSE") != NULL)
		fprintf(stderr, "      | %s\n", line);
}

static void *
client_main(void *arg)
{
	struct client_job *j = arg;
	struct sw_cl_config cfg;
	struct sw_client *c = NULL;
	int i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.proxy_host = "127.0.0.1";
	cfg.proxy_port = j->port;
	cfg.local = "127.0.0.1:0";
	cfg.user = getenv("SW_USER_PRINC");
	cfg.password = getenv("SW_USER_PASSWORD");
	cfg.krb_src = SW_CL_KRB_PASSWORD;
	cfg.mechs = j->row->mechs;
	cfg.mutual = j->row->mutual;
	cfg.sign_no_version = j->row->no_version;
	cfg.preauth = j->row->preauth;
	cfg.version = j->row->preauth ? j->row->version : 0;
	cfg.family = j->row->challenge;
	cfg.targetname = j->row->preauth ? (j->row->mechs == K ? "sip/" FQDN : FQDN) : NULL;
	cfg.t1_ms = 100;
	cfg.timeout_ms = 8000;
	cfg.log = log_line;
	cfg.log_messages =
		getenv("SW_TEST_VERBOSE") != NULL && strcmp(getenv("SW_TEST_VERBOSE"), "2") == 0;
	j->rc = sw_client_create(&cfg, &c);
	for (i = 0; j->rc == 0 && j->row->ops[i] != '\0'; i++) {
		j->step = i;
		switch (j->row->ops[i]) {
		case 'R':
			j->rc = sw_client_register(c);
			break;
		case 'U':
			j->rc = sw_client_unregister(c);
			break;
		case 'O':
			j->rc = sw_client_request(c, "OPTIONS", "carol@domainb.test", NULL);
			break;
		case 'M':
			j->rc = sw_client_request(c, "MESSAGE", "carol@domainb.test", "hi");
			break;
		case 'I':
			j->rc = sw_client_request(c, "INVITE", "carol@domainb.test", NULL);
			break;
		case 'L': {
			struct sw_cl_listen l;

			/* --count bounds: 0 and one past the maximum are refused. */
			memset(&l, 0, sizeof(l));
			l.count = 0;
			j->bad_count0 = sw_client_listen(c, &l);
			l.count = SW_CL_LISTEN_COUNT_MAX + 1;
			j->bad_count_max = sw_client_listen(c, &l);
			memset(&l, 0, sizeof(l));
			l.count = LISTEN_COUNT;
			l.timeout_ms = 30000;
			l.keep_ms = LISTEN_KEEP_MS;
			l.rx = j->rx;
			l.rx_cap = sizeof(j->rx) / sizeof(j->rx[0]);
			__atomic_store_n(&j->listening, 1, __ATOMIC_RELEASE);
			j->rc = sw_client_listen(c, &l);
			j->n_rx = l.n_rx;
			break;
		}
		}
	}
	if (c != NULL) {
		snprintf(j->err, sizeof(j->err), "%s", sw_client_error(c));
		sw_client_sas(c, &j->sa, 1);
		sw_client_stats(c, &j->st);
	}
	sw_client_free(c);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_client_cp(void **state)
{
	const struct cp_row *row = *state;
	struct sw_config cfg;
	struct mini m;
	struct client_job job;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	pthread_t th;
	uint64_t last_tick = 0;
	unsigned int i;
	struct inject_result ir;
	bool injected = false;
	bool listens = strchr(row->ops, 'L') != NULL;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.realm, sizeof(cfg.realm), "%s", REALM);
	snprintf(cfg.targetname, sizeof(cfg.targetname), "%s", FQDN);
	for (i = 0; i < 2 && row->schemes[i] != 0; i++)
		cfg.schemes[cfg.n_schemes++] = row->schemes[i];
	cfg.challenge = row->challenge;
	cfg.version = row->version;
	cfg.require_all = true;
	cfg.mutual = row->cp_mutual;
	snprintf(cfg.keytab, sizeof(cfg.keytab), "%s", getenv("SW_KEYTAB"));
	snprintf(cfg.service, sizeof(cfg.service), "sip/%s", FQDN);
	snprintf(cfg.ntlm_users, sizeof(cfg.ntlm_users), "%s", getenv("NTLM_USER_FILE"));
	snprintf(cfg.ntlm_domain, sizeof(cfg.ntlm_domain), "DOMAINB");
	cfg.upstream.af = AF_INET;
	cfg.upstream.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	cfg.upstream_port = 5070;
	cfg.sa_max = 64;
	cfg.handshakes_max = 16;
	cfg.handshake_timeout_ms = 10000;

	memset(&m, 0, sizeof(m));
	if (sw_cp_create(&cfg, &m.cp) != 0)
		fail_msg("%s: sw_cp_create failed", row->name);
	assert_int_equal(sw_sa_rng_seed(&m.rng), 0);
	m.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(m.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(m.fd, (struct sockaddr *)&sa, &sl), 0);
	m.port = ntohs(sa.sin_port);

	memset(&job, 0, sizeof(job));
	job.row = row;
	job.port = m.port;
	assert_int_equal(pthread_create(&th, NULL, client_main, &job), 0);
	while (!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE)) {
		struct pollfd pfd = {.fd = m.fd, .events = POLLIN};
		char buf[SW_CL_MSG_MAX];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		struct sw_peer peer;
		ssize_t n;

		if (mono_ms() - last_tick >= 100) {
			sw_cp_tick(m.cp, mono_ms());
			last_tick = mono_ms();
		}
		if (listens && !injected && __atomic_load_n(&job.listening, __ATOMIC_ACQUIRE)) {
			inject(&m, row->name[0] == 'K' ? "k" : "n", &ir);
			injected = true;
			continue;
		}
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		n = recvfrom(m.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		memset(&peer, 0, sizeof(peer));
		peer.addr.af = AF_INET;
		peer.addr.prefix = 32;
		peer.addr.u.v4 = from.sin_addr;
		peer.port = ntohs(from.sin_port);
		from_client(&m, buf, (size_t)n, &peer);
	}
	pthread_join(th, NULL);
	print_message("    %-52s rc %d | engine: challenged %u, to cp %u, verified %u, "
		      "signed %u | client: legs %u, signed %u, verified %u, dropped %u\n",
		      row->name, job.rc, m.challenged, m.to_cp, m.verified, m.signed_rsp,
		      job.st.handshakes, job.st.signed_requests, job.st.verified_responses,
		      job.st.dropped_responses);
	if (job.rc != 0)
		fail_msg("%s: step %d failed: %d (%s)", row->name, job.step, job.rc, job.err);
	for (i = 0; i < SW_SA_RC_MAX; i++)
		if (m.bad[i] != 0)
			fail_msg("%s: the engine refused %u signed requests: %s", row->name,
				 m.bad[i], sw_sa_rc_name((enum sw_sa_rc)i));
	assert_true(m.verified > 0);
	assert_true(job.st.verified_responses > 0);
	assert_int_equal(job.st.dropped_responses, 0);
	if (row->mutual)
		assert_true(job.sa.mutual_verified);
	if (listens) {
		static const enum sw_cl_in_verdict want[LISTEN_COUNT] = {
			SW_CL_IN_VERIFIED, SW_CL_IN_BAD_SIG,  SW_CL_IN_UNSIGNED,
			SW_CL_IN_VERIFIED, SW_CL_IN_VERIFIED, SW_CL_IN_REPLAY};
		static const uint16_t answered[LISTEN_COUNT] = {200, 0, 0, 200, 0, 0};

		assert_true(injected);
		assert_int_equal(job.bad_count0, -EINVAL);
		assert_int_equal(job.bad_count_max, -EINVAL);
		print_message("    %-52s engine: 200 to MESSAGE %s, retransmission %s%s, "
			      "200 to INVITE %s\n",
			      "", sw_sa_rc_name(ir.msg_rc), sw_sa_rc_name(ir.retx_rc),
			      ir.retx_identical ? " (same bytes)" : "", sw_sa_rc_name(ir.inv_rc));
		/* sipward's own checks accept the client's signed answers. */
		assert_int_equal(ir.msg_status, 200);
		assert_int_equal(ir.msg_rc, SW_SA_OK);
		assert_true(ir.retx_identical);
		assert_int_equal(ir.retx_rc, SW_SA_RETX);
		assert_int_equal(ir.inv_status, 200);
		assert_int_equal(ir.inv_rc, SW_SA_OK);
		assert_true(ir.inv_contact);
		/* Tampered, unsigned, ACK, replay and one past --count: no answer. */
		assert_int_equal(ir.tampered, 0);
		assert_int_equal(ir.unsigned_, 0);
		assert_int_equal(ir.ack, 0);
		assert_int_equal(ir.replay, 0);
		assert_int_equal(ir.past_count, 0);
		assert_int_equal(job.n_rx, LISTEN_COUNT);
		for (i = 0; i < LISTEN_COUNT; i++) {
			if (job.rx[i].verdict != want[i] || job.rx[i].answered != answered[i])
				fail_msg("request %u (%s): verdict %s answered %u, want %s %u", i,
					 job.rx[i].method, sw_cl_in_verdict_name(job.rx[i].verdict),
					 job.rx[i].answered, sw_cl_in_verdict_name(want[i]),
					 answered[i]);
		}
		assert_int_equal(job.rx[0].retransmissions, 1);
		assert_string_equal(job.rx[0].body, "hello bob");
		assert_string_equal(job.rx[0].targetname, job.sa.targetname);
		assert_int_equal(job.st.incoming, LISTEN_COUNT);
		assert_int_equal(job.st.incoming_verified, 3);
		assert_int_equal(job.st.incoming_refused, 3);
		assert_int_equal(job.st.incoming_retrans, 1);
		assert_int_equal(job.st.signed_responses, 2);
	}
	close(m.fd);
	sw_cp_free(m.cp);
}

static int
group_setup(void **state)
{
	(void)state;
	if (sw_mac_engine_create(SW_MAC_IMPL_REF, &eng) != 0)
		return -1;
	return sw_test_realm_start(&realm) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_test_realm_stop(&realm);
	sw_mac_engine_free(eng);
	return 0;
}

int
main(int argc, char **argv)
{
	struct CMUnitTest tests[NROWS];
	size_t i;

	(void)argc;
	if (tc_eal_init(argv[0], "0") < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	for (i = 0; i < NROWS; i++)
		tests[i] = (struct CMUnitTest){.name = rows[i].name,
					       .test_func = test_client_cp,
					       .initial_state = (void *)(uintptr_t)&rows[i]};
	return _cmocka_run_group_tests("client_cp", tests, NROWS, group_setup, group_teardown);
}
