/*
 * libswclient unit tests (suite 'unit', no services): the FIG. 4 state
 * machine, the RFC 3261 timers on an injected clock, request building
 * parsed back by sw_sip_parse() from a guard page, the NTLM initiator against
 * the control plane's acceptor (real NTLMv2, MIC, key exchange), and signed
 * credentials headers verified with crypto/sig.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/client_priv.h"
#include "crypto/sigbuf.h"
#include "ctrlplane/cp_ntlm.h"
#include "ctrlplane/ntlm_msg.h"
#include "ctrlplane/ntlm_users.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"
#include "tests/common/guard.h"

/* ---- FIG. 4 ---- */

struct tr_row {
	enum sw_sa_state from;
	enum sw_sa_event ev;
	bool fresh;
	enum sw_sa_state want;
};

static const struct tr_row tr_rows[] = {
	{SW_SA_NONE, SW_SA_EV_CHALLENGE, false, SW_SA_ACQUIRING},
	{SW_SA_NONE, SW_SA_EV_PREAUTH, false, SW_SA_ACQUIRING},
	{SW_SA_NONE, SW_SA_EV_CONFIRMED, false, SW_SA_NONE},
	{SW_SA_NONE, SW_SA_EV_TIMER, false, SW_SA_NONE},
	{SW_SA_ACQUIRING, SW_SA_EV_CONTINUE, false, SW_SA_ACQUIRING},
	{SW_SA_ACQUIRING, SW_SA_EV_CONFIRMED, false, SW_SA_ESTABLISHED},
	{SW_SA_ACQUIRING, SW_SA_EV_CHALLENGE, false, SW_SA_BACKOFF},
	{SW_SA_ACQUIRING, SW_SA_EV_FAILED, false, SW_SA_NONE},
	{SW_SA_ACQUIRING, SW_SA_EV_SIGNED_OK, false, SW_SA_ACQUIRING},
	{SW_SA_ESTABLISHED, SW_SA_EV_CHALLENGE, true, SW_SA_BACKOFF},
	{SW_SA_ESTABLISHED, SW_SA_EV_CHALLENGE, false, SW_SA_DROPPED},
	{SW_SA_ESTABLISHED, SW_SA_EV_SIGNED_OK, true, SW_SA_ESTABLISHED},
	{SW_SA_ESTABLISHED, SW_SA_EV_EXPIRED, false, SW_SA_DROPPED},
	{SW_SA_ESTABLISHED, SW_SA_EV_REMOVED, false, SW_SA_NONE},
	{SW_SA_ESTABLISHED, SW_SA_EV_CONTINUE, false, SW_SA_ESTABLISHED},
	{SW_SA_DROPPED, SW_SA_EV_REACQUIRE, false, SW_SA_ACQUIRING},
	{SW_SA_DROPPED, SW_SA_EV_CHALLENGE, false, SW_SA_ACQUIRING},
	{SW_SA_DROPPED, SW_SA_EV_REMOVED, false, SW_SA_NONE},
	{SW_SA_BACKOFF, SW_SA_EV_CHALLENGE, false, SW_SA_BACKOFF},
	{SW_SA_BACKOFF, SW_SA_EV_PREAUTH, false, SW_SA_BACKOFF},
	{SW_SA_BACKOFF, SW_SA_EV_TIMER, false, SW_SA_NONE},
	{SW_SA_BACKOFF, SW_SA_EV_REMOVED, false, SW_SA_NONE},
};

static void
test_client_sa_transitions(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tr_rows) / sizeof(tr_rows[0]); i++) {
		const struct tr_row *r = &tr_rows[i];
		enum sw_sa_state got = sw_sa_next(r->from, r->ev, r->fresh);

		if (got != r->want)
			fail_msg("%s --%s%s--> %s, want %s", sw_sa_state_name(r->from),
				 sw_sa_event_name(r->ev), r->fresh ? " (fresh)" : "",
				 sw_sa_state_name(got), sw_sa_state_name(r->want));
	}
	assert_string_equal(sw_sa_state_name(SW_SA_ACQUIRING), "ACQUIRING_SA");
	assert_string_equal(sw_sa_state_name(SW_SA_DROPPED), "SA_DROPPED");
	assert_string_equal(sw_sa_state_name((enum sw_sa_state)99), "?");
}

/* ---- RFC 3261 timers on an injected clock ---- */

struct timer_row {
	const char *name;
	bool invite;
	uint64_t provisional_at; /* 0: never */
	uint64_t want_retrans[12];
	uint64_t want_timeout; /* 0: none within the horizon */
};

static const struct timer_row timer_rows[] = {
	/* Timer E: 500, 1000, 2000, 4000, 4000... (T2 cap); Timer F 64*T1 = 32000. */
	{"non-INVITE",
	 false,
	 0,
	 {500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500},
	 32000},
	/* Timer A doubles without cap; Timer B 32000. */
	{"INVITE", true, 0, {500, 1500, 3500, 7500, 15500, 31500}, 32000},
	/* INVITE: a 1xx stops retransmission and Timer B. */
	{"INVITE with 100 at 2000", true, 2000, {500, 1500}, 0},
	/* non-INVITE Proceeding: every T2 until Timer F. */
	{"non-INVITE with 100 at 2000",
	 false,
	 2000,
	 {500, 1500, 6000, 10000, 14000, 18000, 22000, 26000, 30000},
	 32000},
};

static void
test_client_timers(void **state)
{
	size_t r;

	(void)state;
	for (r = 0; r < sizeof(timer_rows) / sizeof(timer_rows[0]); r++) {
		const struct timer_row *row = &timer_rows[r];
		struct sw_cl_timer t;
		uint64_t now, timeout_at = 0;
		unsigned int n = 0;

		sw_cl_timer_start(&t, row->invite, 500, 4000, 0);
		for (now = 1; now <= 40000; now++) {
			enum sw_cl_timer_ev ev;

			if (row->provisional_at != 0 && now == row->provisional_at)
				sw_cl_timer_provisional(&t, now);
			ev = sw_cl_timer_poll(&t, now);
			if (ev == SW_CL_TIMER_RETRANSMIT) {
				if (n >= 12 || row->want_retrans[n] != now)
					fail_msg("%s: retransmission %u at %llu, want %llu",
						 row->name, n, (unsigned long long)now,
						 (unsigned long long)(n < 12 ? row->want_retrans[n]
									     : 0));
				n++;
			} else if (ev == SW_CL_TIMER_TIMEOUT) {
				timeout_at = now;
				break;
			}
			/* sw_cl_timer_wake() never lies: nothing fires before it. */
			if (sw_cl_timer_wake(&t) < now + 1 && ev == SW_CL_TIMER_NONE)
				fail_msg("%s: wake %llu in the past at %llu", row->name,
					 (unsigned long long)sw_cl_timer_wake(&t),
					 (unsigned long long)now);
		}
		if (n < 12 && row->want_retrans[n] != 0)
			fail_msg("%s: only %u retransmissions", row->name, n);
		assert_int_equal(timeout_at, row->want_timeout);
	}
}

/* ---- request building ---- */

struct req_row {
	const char *method;
	const char *to;
	const char *want_ruri;
	bool expires;
	const char *body;
};

static const struct req_row req_rows[] = {
	{"REGISTER", NULL, "sip:domainb.test", true, NULL},
	{"OPTIONS", "carol@domainb.test", "sip:carol@domainb.test", false, NULL},
	{"MESSAGE", "sip:carol@domainb.test;transport=udp", "sip:carol@domainb.test;transport=udp",
	 false, "hello"},
	{"INVITE", "carol", "sip:carol@domainb.test", false, "v=0\r\n"},
};

static void
test_client_request_build(void **state)
{
	struct sw_cl_ua ua;
	size_t i;

	(void)state;
	assert_int_equal(sw_cl_ua_init(&ua, "bob@DOMAINB.TEST", NULL, "127.0.0.1", 5070), 0);
	assert_string_equal(ua.aor, "sip:bob@domainb.test");
	assert_int_equal(sw_cl_ua_init(&ua, "nobody", NULL, "127.0.0.1", 5070), -EINVAL);
	assert_int_equal(sw_cl_ua_init(&ua, "bob@DOMAINB.TEST", NULL, "127.0.0.1", 5070), 0);
	for (i = 0; i < sizeof(req_rows) / sizeof(req_rows[0]); i++) {
		const struct req_row *rr = &req_rows[i];
		struct sw_cl_req r;
		struct sw_sip_msg msg;
		struct sw_sip_via via;
		struct guard_buf g = {0};
		char buf[4096], cseq[32];
		const char *p;
		int n;

		assert_int_equal(sw_cl_ua_new_req(&ua, &r, rr->method, rr->to), 0);
		r.has_expires = rr->expires;
		r.expires = 600;
		r.body = rr->body;
		r.content_type = rr->body != NULL ? "text/plain" : NULL;
		n = sw_cl_ua_head(&ua, &r, buf, sizeof(buf));
		assert_true(n > 0);
		n = sw_cl_ua_finish(&r, buf, (size_t)n, sizeof(buf));
		assert_true(n > 0);
		p = guard_buf_put(&g, buf, (size_t)n);
		if (sw_sip_parse(p, (size_t)n, &msg) != SW_SIP_OK)
			fail_msg("%s does not parse:\n%.*s", rr->method, n, buf);
		assert_true(sw_span_ieq(msg.method, rr->method));
		assert_true(sw_span_ieq(msg.ruri, rr->want_ruri));
		assert_true(sw_span_ieq(sw_sip_value(&msg, SW_HDR_CALL_ID), r.call_id));
		assert_true(
			sw_span_ieq(sw_sip_tag_of(sw_sip_value(&msg, SW_HDR_FROM)), r.from_tag));
		assert_true(sw_span_ieq(sw_sip_uri_of(sw_sip_value(&msg, SW_HDR_FROM)), ua.aor));
		assert_null(sw_sip_tag_of(sw_sip_value(&msg, SW_HDR_TO)).p);
		snprintf(cseq, sizeof(cseq), "%u", r.cseq);
		assert_true(sw_span_ieq(msg.cseq_num_s, cseq));
		assert_true(sw_span_ieq(msg.cseq_method, rr->method));
		assert_true(sw_sip_top_via(&msg, &via));
		assert_int_equal(via.port, 5070);
		assert_true(via.has_rport);
		assert_int_equal(via.branch.len, 27);
		assert_memory_equal(via.branch.p, "z9hG4bK", 7);
		assert_int_equal(sw_sip_max_forwards(&msg), 70);
		assert_int_equal(sw_sip_expires(&msg).len != 0, rr->expires);
		assert_int_equal(msg.body.len, rr->body != NULL ? strlen(rr->body) : 0);
		guard_buf_free(&g);
	}
	/* REGISTERs share Call-ID and From tag, CSeq counts up. */
	{
		struct sw_cl_req a, b;

		sw_cl_ua_new_req(&ua, &a, "REGISTER", NULL);
		sw_cl_ua_new_req(&ua, &b, "REGISTER", NULL);
		assert_string_equal(a.call_id, b.call_id);
		assert_string_equal(a.from_tag, b.from_tag);
		assert_int_equal(b.cseq, a.cseq + 1);
		assert_string_not_equal(a.branch, b.branch);
	}
}

/* ---- responses to received requests (listen) ---- */

struct rsp_row {
	const char *name;
	const char *req;
	uint16_t status;
	const char *want_to_tag; /* NULL: the one we pass */
	bool contact, record_route;
	unsigned int vias;
};

static const struct rsp_row rsp_rows[] = {
	{"INVITE from upstream: 200, Contact, Record-Route, both Via lines",
	 "INVITE sip:bob@10.0.0.3:5070 SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-si0011223344556677;sw-sa=AB\r\n"
	 "v: SIP/2.0/UDP 10.0.1.2;branch=z9hG4bKk1, SIP/2.0/UDP 10.0.2.2:5062;branch=z9hG4bKa\r\n"
	 "Record-Route: <sip:10.0.1.2;lr>\r\n"
	 "From: \"Ann\" <sip:ann@domaina.test>;tag=a1\r\n"
	 "To: <sip:bob@domainb.test>\r\n"
	 "Call-ID: c1@ann\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n",
	 200, NULL, true, true, 3},
	{"MESSAGE with a To tag: kept, no Contact",
	 "MESSAGE sip:bob@10.0.0.3:5070 SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-si1\r\n"
	 "From: <sip:carol@domainb.test>;tag=c1\r\n"
	 "t: <sip:bob@domainb.test>;tag=b0\r\n"
	 "i: c2@carol\r\nCSeq: 2 MESSAGE\r\nl: 2\r\n\r\nhi",
	 200, "b0", false, false, 1},
	{"SUBSCRIBE: 405 with Allow",
	 "SUBSCRIBE sip:bob@10.0.0.3:5070 SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-si2\r\n"
	 "Record-Route: <sip:10.0.1.2;lr>\r\n"
	 "From: <sip:carol@domainb.test>;tag=c1\r\nTo: <sip:bob@domainb.test>\r\n"
	 "Call-ID: c3@carol\r\nCSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n",
	 405, NULL, false, false, 1},
};

static void
test_client_response_build(void **state)
{
	struct sw_cl_ua ua;
	struct sw_sip_msg req, rsp;
	char buf[4096], small[4096];
	size_t i;

	(void)state;
	assert_int_equal(sw_cl_ua_init(&ua, "bob@DOMAINB.TEST", NULL, "10.0.0.3", 5070), 0);
	for (i = 0; i < sizeof(rsp_rows) / sizeof(rsp_rows[0]); i++) {
		const struct rsp_row *rr = &rsp_rows[i];
		struct guard_buf gq = {0}, gr = {0};
		uint8_t ia, ib;
		uint16_t pa = 0, pb = 0;
		struct sw_span va, vb;
		unsigned int vias = 0;
		const char *q, *p;
		int n, m;

		q = guard_buf_put(&gq, rr->req, strlen(rr->req));
		assert_int_equal(sw_sip_parse(q, strlen(rr->req), &req), SW_SIP_OK);
		n = sw_cl_ua_response(&ua, &req, rr->status, "t0", buf, sizeof(buf));
		assert_true(n > 0);
		/* The head fits in exactly n + 1 bytes (the NUL), not in n. */
		assert_int_equal(
			sw_cl_ua_response(&ua, &req, rr->status, "t0", small, (size_t)n + 1), n);
		assert_int_equal(sw_cl_ua_response(&ua, &req, rr->status, "t0", small, (size_t)n),
				 -ENOSPC);
		m = snprintf(buf + n, sizeof(buf) - (size_t)n, "Content-Length: 0\r\n\r\n");
		p = guard_buf_put(&gr, buf, (size_t)(n + m));
		if (sw_sip_parse(p, (size_t)(n + m), &rsp) != SW_SIP_OK)
			fail_msg("%s: response does not parse:\n%s", rr->name, buf);
		assert_int_equal(rsp.status, rr->status);
		/* Every Via value, in order (RFC 3261 §8.2.6.2). */
		ia = req.first[SW_HDR_VIA];
		ib = rsp.first[SW_HDR_VIA];
		while (sw_sip_next_value(&req, &ia, &pa, &va)) {
			assert_true(sw_sip_next_value(&rsp, &ib, &pb, &vb));
			assert_int_equal(va.len, vb.len);
			assert_memory_equal(va.p, vb.p, va.len);
			vias++;
		}
		assert_false(sw_sip_next_value(&rsp, &ib, &pb, &vb));
		assert_int_equal(vias, rr->vias);
		assert_true(sw_span_ieq(rsp.from_tag, "a1") || sw_span_ieq(rsp.from_tag, "c1"));
		assert_true(
			sw_span_ieq(rsp.to_tag, rr->want_to_tag != NULL ? rr->want_to_tag : "t0"));
		assert_int_equal(rsp.to_uri.len, req.to_uri.len);
		assert_int_equal(rsp.cseq_num, req.cseq_num);
		assert_true(rsp.cseq_method.len == req.cseq_method.len &&
			    memcmp(rsp.cseq_method.p, req.cseq_method.p, req.cseq_method.len) == 0);
		assert_int_equal(rsp.first[SW_HDR_CONTACT] != SW_HDR_NONE, rr->contact);
		assert_int_equal(rsp.first[SW_HDR_RECORD_ROUTE] != SW_HDR_NONE, rr->record_route);
		assert_int_equal(strstr(buf, "\r\nAllow: ") != NULL, rr->status == 405);
		/* Status codes: 100 and 699 are the edges, 99 and 700 one past; a
		 * response is not something to answer. */
		assert_true(sw_cl_ua_response(&ua, &req, 100, "t0", small, sizeof(small)) > 0);
		assert_true(sw_cl_ua_response(&ua, &req, 699, "t0", small, sizeof(small)) > 0);
		assert_int_equal(sw_cl_ua_response(&ua, &req, 99, "t0", small, sizeof(small)),
				 -EINVAL);
		assert_int_equal(sw_cl_ua_response(&ua, &req, 700, "t0", small, sizeof(small)),
				 -EINVAL);
		assert_int_equal(sw_cl_ua_response(&ua, &rsp, 200, "t0", small, sizeof(small)),
				 -EINVAL);
		guard_buf_free(&gq);
		guard_buf_free(&gr);
	}
}

/*
 * RFC 3261 §12.1.2: the UAC's route set is the 2xx's Record-Route values in
 * reverse order, across lines and comma-separated values; it must fit whole
 * (cap at the edge and one short), and SW_CL_ROUTE_VALUES values at most.
 */
static void
test_client_route_set(void **state)
{
	static const char rsp[] = "SIP/2.0 200 OK\r\n"
				  "Via: SIP/2.0/UDP 10.0.0.3:5070;branch=z9hG4bK1\r\n"
				  "Record-Route: <sip:tok@10.1.2.1:5060;lr>\r\n"
				  "Record-Route: <sip:kam.test;lr>, <sip:tok2@10.1.2.1:5060;lr>\r\n"
				  "From: <sip:bob@domainb.test>;tag=b1\r\nTo: <sip:carol@domainb.test>;tag=c1\r\n"
				  "Call-ID: rs1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char want[] =
		"<sip:tok2@10.1.2.1:5060;lr>, <sip:kam.test;lr>, <sip:tok@10.1.2.1:5060;lr>";
	static const char none[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.3\r\n"
				   "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
				   "Call-ID: rs2\r\nCSeq: 1 INVITE\r\n\r\n";
	char many[4096], out[SW_CL_ROUTE_MAX];
	struct sw_sip_msg msg;
	int i, n;

	(void)state;
	assert_int_equal(sw_sip_parse(rsp, sizeof(rsp) - 1, &msg), SW_SIP_OK);
	assert_int_equal(sw_cl_ua_route_set(&msg, out, sizeof(out)), 0);
	assert_string_equal(out, want);
	assert_int_equal(sw_cl_ua_route_set(&msg, out, sizeof(want)), 0);
	assert_string_equal(out, want);
	assert_int_equal(sw_cl_ua_route_set(&msg, out, sizeof(want) - 1), -ENOSPC);
	assert_string_equal(out, "");
	assert_int_equal(sw_sip_parse(none, sizeof(none) - 1, &msg), SW_SIP_OK);
	assert_int_equal(sw_cl_ua_route_set(&msg, out, sizeof(out)), 0);
	assert_string_equal(out, "");

	/* SW_CL_ROUTE_VALUES values fit, one more does not. */
	for (i = SW_CL_ROUTE_VALUES; i <= (int)SW_CL_ROUTE_VALUES + 1; i++) {
		int k;

		n = snprintf(many, sizeof(many), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.3\r\n"
						 "Record-Route: <sip:p0;lr>");
		for (k = 1; k < i; k++)
			n += snprintf(many + n, sizeof(many) - (size_t)n, ", <sip:p%d;lr>", k);
		n += snprintf(many + n, sizeof(many) - (size_t)n,
			      "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
			      "Call-ID: rs3\r\nCSeq: 1 INVITE\r\n\r\n");
		assert_int_equal(sw_sip_parse(many, (size_t)n, &msg), SW_SIP_OK);
		assert_int_equal(sw_cl_ua_route_set(&msg, out, sizeof(out)),
				 i == SW_CL_ROUTE_VALUES ? 0 : -ENOSPC);
		if (i == SW_CL_ROUTE_VALUES)
			assert_int_equal(strncmp(out, "<sip:p31;lr>, <sip:p30;lr>", 26), 0);
	}
}

/* ---- NTLM initiator against the control plane's acceptor ---- */

struct ntlm_row {
	const char *name;
	const char *user, *domain, *password;
	bool no_mic;
	bool require_mic;
	enum sw_cp_ntlm_rc want;
};

static const struct ntlm_row ntlm_rows[] = {
	{"bob with MIC", "bob", "DOMAINB", "Passw0rd!", false, true, SW_CP_NTLM_OK},
	{"bob without MIC (pidgin-sipe)", "bob", "DOMAINB", "Passw0rd!", true, false,
	 SW_CP_NTLM_OK},
	{"BOB upper case", "BOB", "domainb", "Passw0rd!", false, false, SW_CP_NTLM_OK},
	{"non-ASCII password", "zoë", "DOMAINB", "pässwörd€", false, true, SW_CP_NTLM_OK},
	{"wrong password", "bob", "DOMAINB", "passw0rd!", false, false, SW_CP_NTLM_BAD_PASSWORD},
	{"no MIC where one is required", "bob", "DOMAINB", "Passw0rd!", true, true,
	 SW_CP_NTLM_BAD_MIC},
	{"unknown user", "mallory", "DOMAINB", "Passw0rd!", false, false, SW_CP_NTLM_UNKNOWN_USER},
};

static void
test_client_ntlm_initiator(void **state)
{
	struct sw_ntlm_users *users = NULL;
	uint8_t h[16];
	size_t i;

	(void)state;
	assert_int_equal(sw_ntlm_users_create(&users), 0);
	assert_int_equal(sw_ntlm_nt_hash("Passw0rd!", 9, h), 0);
	assert_int_equal(sw_ntlm_users_add(users, "DOMAINB", "bob", h, false), 0);
	assert_int_equal(sw_ntlm_nt_hash("pässwörd€", strlen("pässwörd€"), h), 0);
	assert_int_equal(sw_ntlm_users_add(users, "DOMAINB", "zoë", h, false), 0);

	for (i = 0; i < sizeof(ntlm_rows) / sizeof(ntlm_rows[0]); i++) {
		const struct ntlm_row *r = &ntlm_rows[i];
		struct sw_cp_ntlm_cfg nc = {.nb_domain = "DOMAINB",
					    .nb_computer = "PROXY",
					    .dns_domain = "domainb.test",
					    .dns_computer = "proxy.domainb.test",
					    .require_mic = r->require_mic};
		struct sw_cp_ntlm *acc = NULL;
		struct sw_cp_ntlm_pending pend;
		struct sw_cp_ntlm_sa sa;
		struct sw_cl_ntlm_cred cred;
		struct sw_ntlm_authenticate am;
		struct sw_ntlm_v2_response v2;
		struct guard_buf g = {0};
		uint8_t out[SW_NTLM_MSG_MAX], skey[16], tok[32];
		const uint8_t *gm;
		struct sw_sig_key cc2s, cs2c, sc2s, ss2c;
		uint32_t flags = 0, off = 0;
		char err[256] = "";
		enum sw_cp_ntlm_rc rc;
		int n;

		assert_int_equal(sw_cp_ntlm_create(&nc, users, &acc), 0);
		assert_int_equal(sw_cp_ntlm_challenge(acc, &pend), 0);
		assert_int_equal(sw_cl_ntlm_cred_init(&cred, r->user, r->domain, "WS1", r->password,
						      r->no_mic),
				 0);
		n = sw_cl_ntlm_authenticate(&cred, pend.msg, pend.len, NULL, out, sizeof(out), skey,
					    &flags, err, sizeof(err));
		if (n <= 0)
			fail_msg("%s: %d %s", r->name, n, err);
		/* The message as the acceptor's parser sees it. */
		gm = guard_buf_put(&g, out, (size_t)n);
		assert_int_equal(sw_ntlm_parse_authenticate(gm, (size_t)n, &am, &off),
				 SW_NTLM_MSG_OK);
		assert_int_equal(am.flags, flags);
		assert_int_equal(flags & SW_CL_NTLM_FLAGS_REQUIRED, SW_CL_NTLM_FLAGS_REQUIRED);
		assert_int_equal(flags & SW_NTLM_NEGOTIATE_56, 0); /* 128 wins */
		assert_int_equal(flags & ~(uint32_t)SW_CL_NTLM_FLAGS_CONNLESS, 0);
		assert_int_equal(am.enc_session_key.len, 16);
		assert_true(am.has_version);
		assert_int_equal(am.lm_response.len, 24);
		assert_int_equal(
			sw_ntlm_parse_v2_response(am.nt_response.p, am.nt_response.len, &v2, &off),
			SW_NTLM_MSG_OK);
		assert_int_equal(am.has_mic_field, !r->no_mic);
		assert_int_equal((sw_ntlm_av_flags(&v2.av) & SW_NTLM_AVFLAG_MIC) != 0, !r->no_mic);
		if (!r->no_mic) {
			static const uint8_t zero[24];

			assert_memory_equal(am.lm_response.p, zero, 24);
		}
		rc = sw_cp_ntlm_authenticate(acc, &pend, gm, (size_t)n, &sa);
		if (rc != r->want)
			fail_msg("%s: acceptor says %s, want %s", r->name, sw_cp_ntlm_rc_name(rc),
				 sw_cp_ntlm_rc_name(r->want));
		if (rc == SW_CP_NTLM_OK) {
			/* KEY_EXCH: the acceptor decrypted our random ExportedSessionKey. */
			assert_memory_equal(sa.session_key, skey, 16);
			assert_int_equal(sa.mic_verified, !r->no_mic);
			struct sw_cl_keys k = {.scheme = SW_SCHEME_NTLM, .key_len = 16};

			memcpy(k.key, skey, 16);
			assert_int_equal(sw_cl_keys_derive(&k, &cc2s, &cs2c), 0);
			assert_int_equal(sw_cp_ntlm_sa_sig_keys(&sa, &sc2s, &ss2c), 0);
			assert_int_equal(sw_sig_sign(&cc2s, (const uint8_t *)"<x>", 3, 0, tok, 32),
					 16);
			assert_int_equal(sw_sig_verify(&sc2s, (const uint8_t *)"<x>", 3, tok, 16),
					 0);
			assert_int_equal(sw_sig_sign(&ss2c, (const uint8_t *)"<y>", 3, 0, tok, 32),
					 16);
			assert_int_equal(sw_sig_verify(&cs2c, (const uint8_t *)"<y>", 3, tok, 16),
					 0);
			assert_int_not_equal(
				sw_sig_verify(&cc2s, (const uint8_t *)"<y>", 3, tok, 16), 0);
		}
		sw_cp_ntlm_sa_wipe(&sa);
		guard_buf_free(&g);
		sw_cp_ntlm_free(acc);
	}
	sw_ntlm_users_free(users);
}

/* Fixed inputs give the same message; a challenge without KEY_EXCH is refused. */
static void
test_client_ntlm_fixed_and_refusals(void **state)
{
	struct sw_cp_ntlm_cfg nc = {.nb_domain = "DOMAINB", .nb_computer = "PROXY"};
	struct sw_ntlm_users *users = NULL;
	struct sw_cp_ntlm *acc = NULL;
	struct sw_cp_ntlm_pending pend;
	struct sw_cl_ntlm_cred cred;
	struct sw_cl_ntlm_fixed fx = {
		.use = true,
		.client_challenge = {1, 2, 3, 4, 5, 6, 7, 8},
		.session_key = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9},
		.filetime = 0};
	uint8_t a[SW_NTLM_MSG_MAX], b[SW_NTLM_MSG_MAX], k1[16], k2[16];
	char err[256];
	int n1, n2;

	(void)state;
	assert_int_equal(sw_ntlm_users_create(&users), 0);
	assert_int_equal(sw_cp_ntlm_create(&nc, users, &acc), 0);
	assert_int_equal(sw_cp_ntlm_challenge(acc, &pend), 0);
	assert_int_equal(sw_cl_ntlm_cred_init(&cred, "bob", "DOMAINB", NULL, "x", false), 0);
	n1 = sw_cl_ntlm_authenticate(&cred, pend.msg, pend.len, &fx, a, sizeof(a), k1, NULL, err,
				     sizeof(err));
	n2 = sw_cl_ntlm_authenticate(&cred, pend.msg, pend.len, &fx, b, sizeof(b), k2, NULL, err,
				     sizeof(err));
	assert_true(n1 > 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, (size_t)n1);
	assert_memory_equal(k1, fx.session_key, 16);
	/* Without fixed inputs: a fresh client challenge and session key each time. */
	n2 = sw_cl_ntlm_authenticate(&cred, pend.msg, pend.len, NULL, b, sizeof(b), k2, NULL, err,
				     sizeof(err));
	assert_true(n2 > 0);
	assert_memory_not_equal(k1, k2, 16);
	/* KEY_EXCH cleared in the challenge's flags (offset 20). */
	pend.msg[23] &= (uint8_t) ~(SW_NTLM_NEGOTIATE_KEY_EXCH >> 24);
	assert_int_equal(sw_cl_ntlm_authenticate(&cred, pend.msg, pend.len, NULL, b, sizeof(b), k2,
						 NULL, err, sizeof(err)),
			 -EPROTO);
	/* Not a CHALLENGE_MESSAGE at all. */
	assert_int_equal(sw_cl_ntlm_authenticate(&cred, (const uint8_t *)"NTLMSSP", 8, NULL, b,
						 sizeof(b), k2, NULL, err, sizeof(err)),
			 -EPROTO);
	sw_cp_ntlm_free(acc);
	sw_ntlm_users_free(users);
}

/* ---- a signed credentials header, verified from the parsed request ---- */

static void
test_client_sign_value(void **state)
{
	struct sw_cl_ua ua;
	struct sw_cl_req r;
	struct sw_cl_keys k = {.scheme = SW_SCHEME_NTLM, .key_len = 16};
	struct sw_sig_key c2s, s2c;
	char head[4096], val[2048], full[6144], prev_crand[16] = "";
	uint64_t cnum = 0, seq = 0;
	unsigned int v, round;

	(void)state;
	memset(k.key, 0x42, 16);
	assert_int_equal(sw_cl_keys_derive(&k, &c2s, &s2c), 0);
	assert_int_equal(sw_cl_ua_init(&ua, "bob@DOMAINB.TEST", NULL, "10.0.0.1", 5060), 0);
	for (v = 2; v <= 4; v++) {
		for (round = 0; round < 3; round++) {
			struct sw_sip_msg msg;
			struct sw_auth a;
			struct sw_sigbuf_auth sb;
			struct sw_wbuf w;
			uint8_t buf[SW_SIGBUF_MAX], tok[32];
			uint32_t off;
			char want_cnum[24];
			int n, hl, tl;

			sw_cl_ua_new_req(&ua, &r, "REGISTER", NULL);
			r.has_expires = true;
			r.expires = 3600;
			hl = sw_cl_ua_head(&ua, &r, head, sizeof(head));
			memcpy(full, head, (size_t)hl);
			n = sw_cl_ua_finish(&r, head, (size_t)hl, sizeof(head));
			n = sw_cl_sign_value(SW_SCHEME_NTLM, v, "SIP Communications Service",
					     "proxy.domainb.test", "ABCD1234", &c2s, &seq, &cnum,
					     head, (size_t)n, val, sizeof(val));
			assert_true(n > 0);
			tl = hl + snprintf(full + hl, sizeof(full) - (size_t)hl,
					   "Proxy-Authorization: %s\r\n", val);
			tl = sw_cl_ua_finish(&r, full, (size_t)tl, sizeof(full));
			assert_int_equal(sw_sip_parse(full, (size_t)tl, &msg), SW_SIP_OK);
			assert_int_equal(
				sw_auth_parse(sw_sip_value(&msg, SW_HDR_PROXY_AUTHORIZATION), &a,
					      &off),
				SW_AUTH_OK);
			snprintf(want_cnum, sizeof(want_cnum), "%llu", (unsigned long long)cnum);
			assert_true(sw_span_ieq(sw_auth_get(&a, SW_AUTH_P_CNUM), want_cnum));
			assert_true(sw_span_ieq(sw_auth_get(&a, SW_AUTH_P_OPAQUE), "ABCD1234"));
			assert_int_equal(sw_auth_get(&a, SW_AUTH_P_CRAND).len, 8);
			assert_false(sw_span_ieq(sw_auth_get(&a, SW_AUTH_P_CRAND), prev_crand));
			memcpy(prev_crand, sw_auth_get(&a, SW_AUTH_P_CRAND).p, 8);
			prev_crand[8] = '\0';
			sb.scheme = a.scheme;
			sb.rand = sw_auth_get(&a, SW_AUTH_P_CRAND);
			sb.num = sw_auth_get(&a, SW_AUTH_P_CNUM);
			sb.realm = sw_auth_get(&a, SW_AUTH_P_REALM);
			sb.targetname = sw_auth_get(&a, SW_AUTH_P_TARGETNAME);
			sb.version = v;
			sw_wbuf_init(&w, buf, sizeof(buf));
			assert_int_equal(sw_sigbuf_build(&msg, &sb, &w), 0);
			n = sw_hex_decode(sw_auth_get(&a, SW_AUTH_P_RESPONSE).p,
					  sw_auth_get(&a, SW_AUTH_P_RESPONSE).len, tok,
					  sizeof(tok));
			assert_int_equal(n, 16);
			assert_int_equal(sw_sig_verify(&c2s, buf, w.len, tok, 16), 0);
			/* The same signature under another version's buffer must fail. */
			sb.version = v == 2 ? 3 : 2;
			sw_wbuf_init(&w, buf, sizeof(buf));
			assert_int_equal(sw_sigbuf_build(&msg, &sb, &w), 0);
			assert_int_not_equal(sw_sig_verify(&c2s, buf, w.len, tok, 16), 0);
		}
	}
	assert_int_equal(cnum, 9);
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_sa_transitions),
		cmocka_unit_test(test_client_timers),
		cmocka_unit_test(test_client_request_build),
		cmocka_unit_test(test_client_response_build),
		cmocka_unit_test(test_client_route_set),
		cmocka_unit_test(test_client_ntlm_initiator),
		cmocka_unit_test(test_client_ntlm_fixed_and_refusals),
		cmocka_unit_test(test_client_sign_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
