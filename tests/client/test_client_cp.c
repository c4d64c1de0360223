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
 * unregistration.
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
	const char *ops; /* R register, U unregister, O options, M message, I invite */
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
		if (ok != 1 || (sa->keys->c2s.enctype == SW_ENCTYPE_RC4_HMAC &&
				sw_sig_post_check(&sa->keys->c2s, job.tag, 0) != 0)) {
			rc = SW_SA_BAD_SIG;
			goto refuse;
		}
		rc = sw_sa_req_commit(pol, sa, &m->msg, buf, len, cnum, now);
		if (rc != SW_SA_OK && rc != SW_SA_RETX)
			goto refuse;
	}
	m->verified++;
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

/* ---- the client, in a thread ---- */

struct client_job {
	const struct cp_row *row;
	uint16_t port;
	int rc;
	int step;
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
