/*
 * Hardening checks through sipwardd's polling loop (issue 7), on two
 * net_ring ports as in test_engine_net.c, with an SA table holding one NTLM
 * SA (suites 'unit' and 'eal'):
 *  - error responses leak nothing about why a signature failed: no
 *    credentials, an unknown opaque, a bad signature, a replayed cnum, a
 *    stripped signature and a garbled response all get byte-identical
 *    challenges (the To tag depends only on the request's Call-ID / From tag
 *    / CSeq, which are the same in every case);
 *  - the per-source answer limit ([limits] challenge_rate/burst): a source
 *    over it gets nothing and each drop is counted; other sources and
 *    signed traffic from the limited source are unaffected;
 *  - the per-source handshake-leg limit ([limits] handshake_rate/burst):
 *    exactly the burst goes on towards the control plane, the next leg is
 *    dropped and counted; other sources, the limited source's signed
 *    traffic and its challenges are unaffected (this engine has no control
 *    plane, so a leg that passes the limit ends as cp_down);
 *  - counters account for every packet: rx = verdicts + drops;
 *  - what an rx burst brings from upstream for clients with an SA
 *    (responses, and requests routed by our Record-Route) is signed
 *    together (one multi-buffer run): 40 of them in one go (a full burst
 *    and part of the next) all leave signed, in order, each with its own
 *    snum, and every signature verifies with the scalar reference path.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "crypto/wbuf.h"
#include "ctrlplane/config.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/engine.h"
#include "dataplane/net.h"
#include "dataplane/port.h"
#include "dataplane/sa_glue.h"
#include "tests/ctrlplane/cp_eal.h"
#include "tests/engine/ring_engine.h"

#define HS_BURST   6
#define HS_BURST_S "6"
#define CONF                                                                                       \
	"[engine]\nlcores = 1\nidle_sleep_us = 0\n"                                                \
	"[interface.0]\naddress = 10.1.1.1/24\nrole = clients\n"                                   \
	"[interface.1]\naddress = 10.1.2.1/24\nrole = upstream\n"                                  \
	"[upstream]\naddress = 10.1.2.2\nport = 5060\n"                                            \
	"[auth]\ntargetname = proxy.example.test\nschemes = NTLM\nversion = 3\n"                   \
	"[ntlm]\nusers = /dev/null\n"                                                              \
	"[limits]\nchallenge_rate = 10\nchallenge_burst = 8\n"                                \
	"handshake_rate = 10\nhandshake_burst = " HS_BURST_S "\n"

#define OPAQUE "00000000DEADBEEF"
#define REALM  "SIP Communications Service"
#define TARGET "proxy.example.test"

static const uint8_t skey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static struct rte_mempool *pool;
static struct sw_config cfg;
static struct sw_engine eng;
static struct rte_ring *rx_ring[2], *tx_ring[2];
static unsigned int src_host = 2; /* 10.1.1.<src_host> */

static int
setup(void **state)
{
	char err[SW_CFG_ERR_MAX];
	struct rte_ether_addr mac = SW_RING_ENGINE_MAC;
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	unsigned int i;

	(void)state;
	if (sw_ring_engine_up(&eng, &cfg, CONF, "h", 1024, 1024, 64, rx_ring, tx_ring, pool, err,
			      sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	for (i = 2; i < 40; i++) {
		struct sw_addr a = {.af = AF_INET};
		char ip[32];

		snprintf(ip, sizeof(ip), "10.1.1.%u", i);
		inet_pton(AF_INET, ip, &a.u);
		sw_neigh_set(eng.neigh, &a, 0, &mac, true);
	}
	if (sw_sa_table_create("hard", 16, SOCKET_ID_ANY, &eng.sat) != 0 ||
	    sw_sa_table_alloc(eng.sat, &rt, &k) != 0)
		return -1;
	if (sw_sig_key_init_ntlm(&k->c2s, skey, SW_DIR_C2S) != 0 ||
	    sw_sig_key_init_ntlm(&k->s2c, skey, SW_DIR_S2C) != 0)
		return -1;
	memcpy(k->user, "bob", 3);
	k->user_len = 3;
	rt->opaque = 0xdeadbeef;
	rt->scheme = SW_SCHEME_NTLM;
	rt->version = 3;
	rt->expires_ms = UINT64_MAX;
	return sw_sa_table_install(eng.sat, rt);
}

static int
teardown(void **state)
{
	(void)state;
	sw_ring_engine_down(&eng);
	sw_sa_table_free(eng.sat);
	return 0;
}

/* A request from bob; @p cseq and @p callid vary the signed fields. */
static int
req(char *out, size_t cap, const char *method, unsigned int cseq, const char *callid)
{
	return snprintf(out, cap,
			"%s sip:carol@example.test SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 10.1.1.2:5070;branch=z9hG4bK%u;rport\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:bob@example.test>;tag=1\r\nTo: <sip:carol@example.test>\r\n"
			"Call-ID: %s\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n",
			method, cseq, callid, cseq, method);
}

/* Append NTLM credentials for the SA: @p opaque, @p cnum; @p tamper flips a
 * signature bit; @p no_response strips the signature. */
static void
sign(char *msgbuf, size_t cap, const char *opaque, unsigned int cnum, bool tamper, bool no_response)
{
	static struct sw_sip_msg msg;
	static uint8_t sb[SW_SIGBUF_MAX];
	struct sw_sigbuf_auth a;
	struct sw_sig_key k;
	struct sw_wbuf w;
	uint8_t tok[SW_SIG_TOKEN_MAX];
	char hex[2 * SW_SIG_TOKEN_MAX + 1], cnum_s[16], tail[512];
	size_t len = strlen(msgbuf);
	int n;

	assert_int_equal(sw_sip_parse(msgbuf, len, &msg), SW_SIP_OK);
	snprintf(cnum_s, sizeof(cnum_s), "%u", cnum);
	a.scheme = (struct sw_span){"NTLM", 4};
	a.rand = (struct sw_span){"0a1b2c3d", 8};
	a.num = (struct sw_span){cnum_s, (uint16_t)strlen(cnum_s)};
	a.realm = (struct sw_span){REALM, sizeof(REALM) - 1};
	a.targetname = (struct sw_span){TARGET, sizeof(TARGET) - 1};
	a.version = 3;
	sw_wbuf_init(&w, sb, sizeof(sb));
	assert_int_equal(sw_sigbuf_build(&msg, &a, &w), 0);
	assert_int_equal(sw_sig_key_init_ntlm(&k, skey, SW_DIR_C2S), 0);
	n = sw_sig_sign(&k, w.p, w.len, 0, tok, sizeof(tok));
	assert_true(n > 0);
	if (tamper)
		tok[6] ^= 1;
	sw_hex_encode(tok, (size_t)n, hex, sizeof(hex));
	snprintf(tail, sizeof(tail),
		 "Proxy-Authorization: NTLM qop=\"auth\", opaque=\"%s\", realm=\"" REALM
		 "\", targetname=\"" TARGET "\", crand=\"0a1b2c3d\", cnum=\"%s\", version=3%s%s%s"
		 "\r\n\r\n",
		 opaque, cnum_s, no_response ? "" : ", response=\"", no_response ? "" : hex,
		 no_response ? "" : "\"");
	assert_true(msg.hdr_len - 2 + strlen(tail) < cap);
	strcpy(msgbuf + msg.hdr_len - 2, tail);
}

/* SIP text @p sip as a UDP/IPv4 frame from src:sport to dst:5060. */
static struct rte_mbuf *
udp_frame(const char *src, uint16_t sport, const char *dst, const char *sip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct sw_net_dst d;
	size_t len = strlen(sip);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), sip, len);
	memset(&d, 0, sizeof(d));
	d.src.af = d.dst.af = AF_INET;
	inet_pton(AF_INET, src, &d.src.u);
	inet_pton(AF_INET, dst, &d.dst.u);
	d.sport = sport;
	d.dport = 5060;
	d.mtu = 9000;
	d.src_mac.addr_bytes[5] = 1;
	d.dst_mac.addr_bytes[5] = 2;
	assert_int_equal(sw_net_push_headers(m, &d), 0);
	return m;
}

/* Send one datagram from the client side (10.1.1.<src_host>), one poll;
 * return how many frames left on each port (payload of the first on port 0). */
static void
send_one(const char *sip, unsigned int *n0, unsigned int *n1, char *out, size_t cap)
{
	struct rte_mbuf *m, *o;
	char ip[32];

	snprintf(ip, sizeof(ip), "10.1.1.%u", src_host);
	m = udp_frame(ip, 5070, "10.1.1.1", sip);
	assert_int_equal(rte_ring_enqueue(rx_ring[0], m), 0);
	sw_lcore_poll(eng.lc[0], rte_rdtsc());
	sw_lcore_flush(eng.lc[0]);
	*n0 = *n1 = 0;
	if (out != NULL)
		out[0] = '\0';
	while (rte_ring_dequeue(tx_ring[0], (void **)&o) == 0) {
		if (*n0 == 0 && out != NULL) {
			struct sw_pkt_meta *pm;
			size_t l;

			assert_int_equal(sw_net_classify(o, 0), SW_NET_UDP);
			pm = sw_pkt_meta(o);
			l = RTE_MIN((size_t)pm->payload_len, cap - 1);
			memcpy(out, rte_pktmbuf_mtod_offset(o, char *, pm->payload_off), l);
			out[l] = '\0';
		}
		(*n0)++;
		rte_pktmbuf_free(o);
	}
	while (rte_ring_dequeue(tx_ring[1], (void **)&o) == 0) {
		(*n1)++;
		rte_pktmbuf_free(o);
	}
	while (rte_ring_dequeue(eng.to_cp, (void **)&o) == 0)
		rte_pktmbuf_free(o);
}

enum fail_kind { F_NONE, F_UNKNOWN_OPAQUE, F_BAD_SIG, F_REPLAY, F_STRIPPED, F_GARBLED };

static const struct {
	const char *name;
	enum fail_kind kind;
} uniform_cases[] = {
	{"no credentials", F_NONE},	    {"unknown opaque", F_UNKNOWN_OPAQUE},
	{"bad signature", F_BAD_SIG},	    {"replayed cnum", F_REPLAY},
	{"signature stripped", F_STRIPPED}, {"response not hex", F_GARBLED},
};

static void
test_hard_uniform_challenges(void **state)
{
	char base[2048], m[2048], first[4096], out[4096];
	unsigned int n0, n1, cnum = 100;

	(void)state;
	src_host = 3; /* its own rate-limit bucket */
	for (size_t i = 0; i < RTE_DIM(uniform_cases); i++) {
		req(base, sizeof(base), "MESSAGE", 5, "uniform@h");
		strcpy(m, base);
		switch (uniform_cases[i].kind) {
		case F_NONE:
			break;
		case F_UNKNOWN_OPAQUE:
			sign(m, sizeof(m), "00000000CAFEF00D", ++cnum, false, false);
			break;
		case F_BAD_SIG:
			sign(m, sizeof(m), OPAQUE, ++cnum, true, false);
			break;
		case F_REPLAY: {
			/* cnum accepted once (another request), then reused. */
			char other[2048];

			req(other, sizeof(other), "MESSAGE", 4, "first@h");
			sign(other, sizeof(other), OPAQUE, ++cnum, false, false);
			send_one(other, &n0, &n1, NULL, 0);
			assert_int_equal(n1, 1); /* forwarded */
			sign(m, sizeof(m), OPAQUE, cnum, false, false);
			break;
		}
		case F_STRIPPED:
			sign(m, sizeof(m), OPAQUE, ++cnum, false, true);
			break;
		case F_GARBLED: {
			char *r;

			sign(m, sizeof(m), OPAQUE, ++cnum, false, false);
			r = strstr(m, "response=\"");
			assert_non_null(r);
			r[10] = 'Z';
			break;
		}
		}
		send_one(m, &n0, &n1, out, sizeof(out));
		if (n0 != 1 || n1 != 0)
			fail_msg("%s: %u answers, %u forwarded", uniform_cases[i].name, n0, n1);
		if (strncmp(out, "SIP/2.0 407 ", 12) != 0)
			fail_msg("%s: not a 407: %.40s", uniform_cases[i].name, out);
		if (i == 0)
			strcpy(first, out);
		else if (strcmp(first, out) != 0)
			fail_msg("%s: challenge differs from the plain one:\n%s\n---\n%s",
				 uniform_cases[i].name, out, first);
	}
}

/* The per-source limit through the loop. */
static void
test_hard_challenge_rate(void **state)
{
	const struct sw_dp_stats *st = &eng.lc[0]->st;
	char m[2048];
	unsigned int n0, n1, answered = 0, i;
	uint64_t dropped = st->drop[SW_DROP_CHALLENGE_RATE];

	(void)state;
	src_host = 10;
	req(m, sizeof(m), "INVITE", 1, "flood@h");
	for (i = 0; i < 40; i++) { /* well within a millisecond or two: burst only */
		send_one(m, &n0, &n1, NULL, 0);
		answered += n0;
		assert_int_equal(n1, 0);
	}
	assert_true(answered >= 8 && answered <= 9); /* burst 8 (+1 if a ms refilled 1/100) */
	assert_int_equal(st->drop[SW_DROP_CHALLENGE_RATE] - dropped, 40 - answered);
	/* Signed traffic from the limited source still passes. */
	req(m, sizeof(m), "INVITE", 2, "signed-while-limited@h");
	sign(m, sizeof(m), OPAQUE, 5000, false, false);
	send_one(m, &n0, &n1, NULL, 0);
	assert_int_equal(n1, 1);
	/* Another source is unaffected. */
	src_host = 11;
	req(m, sizeof(m), "INVITE", 1, "other@h");
	send_one(m, &n0, &n1, NULL, 0);
	assert_int_equal(n0, 1);
}

/* An NTLM first leg (empty gssapi-data) from the current source. */
static void
leg(char *out, size_t cap, unsigned int i)
{
	char cid[32];
	int n;

	snprintf(cid, sizeof(cid), "leg-%u@h", i);
	n = req(out, cap, "REGISTER", i + 1, cid);
	assert_true(n > 0 && (size_t)n + 200 < cap);
	snprintf(out + n - 2, cap - (size_t)n + 2,
		 "Proxy-Authorization: NTLM qop=\"auth\", realm=\"" REALM "\", targetname=\"" TARGET
		 "\", gssapi-data=\"\", version=3\r\n\r\n");
}

/* The per-source handshake-leg limit through the loop, at the edge and one
 * past it. */
static void
test_hard_handshake_rate(void **state)
{
	const struct sw_dp_stats *st = &eng.lc[0]->st;
	uint64_t down0 = st->drop[SW_DROP_CP_DOWN], lim0 = st->drop[SW_DROP_HANDSHAKE_RATE];
	uint64_t t0, ms;
	char m[2048];
	unsigned int n0, n1, i;

	(void)state;
	src_host = 12;
	t0 = rte_rdtsc();
	for (i = 0; i < HS_BURST; i++) { /* the edge: every one passes */
		leg(m, sizeof(m), i);
		send_one(m, &n0, &n1, NULL, 0);
		assert_int_equal(n1, 0);
	}
	assert_int_equal(st->drop[SW_DROP_CP_DOWN] - down0, HS_BURST);
	assert_int_equal(st->drop[SW_DROP_HANDSHAKE_RATE] - lim0, 0);
	leg(m, sizeof(m), i++); /* one past */
	send_one(m, &n0, &n1, NULL, 0);
	ms = (rte_rdtsc() - t0) / eng.tsc_per_ms;
	if (ms < 100) { /* 10/s: no token refilled yet */
		assert_int_equal(st->drop[SW_DROP_HANDSHAKE_RATE] - lim0, 1);
		assert_int_equal(st->drop[SW_DROP_CP_DOWN] - down0, HS_BURST);
	}
	for (; i < 40; i++) {
		leg(m, sizeof(m), i);
		send_one(m, &n0, &n1, NULL, 0);
		assert_int_equal(n0 + n1, 0);
	}
	ms = (rte_rdtsc() - t0) / eng.tsc_per_ms;
	/* Every leg is either on its way (here: cp_down) or counted. */
	assert_int_equal(st->drop[SW_DROP_CP_DOWN] - down0 +
				 st->drop[SW_DROP_HANDSHAKE_RATE] - lim0,
			 40);
	assert_true(st->drop[SW_DROP_CP_DOWN] - down0 <= HS_BURST + 10 * ms / 1000);
	/* The limited source is still challenged and its signed traffic passes. */
	req(m, sizeof(m), "INVITE", 1, "plain-while-hs-limited@h");
	send_one(m, &n0, &n1, NULL, 0);
	assert_int_equal(n0, 1);
	req(m, sizeof(m), "INVITE", 2, "signed-while-hs-limited@h");
	sign(m, sizeof(m), OPAQUE, 5500, false, false);
	send_one(m, &n0, &n1, NULL, 0);
	assert_int_equal(n1, 1);
	/* Another source's leg goes on. */
	src_host = 13;
	down0 = st->drop[SW_DROP_CP_DOWN];
	leg(m, sizeof(m), 99);
	send_one(m, &n0, &n1, NULL, 0);
	assert_int_equal(st->drop[SW_DROP_CP_DOWN] - down0, 1);
}

/* Every received frame ends as exactly one verdict or one drop. */
static void
test_hard_counters_account(void **state)
{
	const struct sw_dp_stats *st = &eng.lc[0]->st;
	static const char *const junk[] = {
		"garbage",
		"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.2\r\n\r\n",
		"INVITE sip:x SIP/2.0\r\nCSeq: 1 BYE\r\n\r\n",
		("OPTIONS sip:carol@example.test SIP/2.0\r\nVia: SIP/2.0/UDP "
		 "10.1.1.2:5070;branch=z9hG4bKa\r\n"
		 "From: <sip:bob@example.test>;tag=1\r\nTo: <sip:carol@example.test>\r\nCall-ID: "
		 "a\r\n"
		 "CSeq: 1 OPTIONS\r\nProxy-Authorization: NTLM qop=\"auth\", opaque=\r\n\r\n"),
		("ACK sip:carol@example.test SIP/2.0\r\nVia: SIP/2.0/UDP "
		 "10.1.1.2:5070;branch=z9hG4bKb\r\n"
		 "From: <sip:bob@example.test>;tag=1\r\nTo: <sip:carol@example.test>\r\nCall-ID: "
		 "b\r\n"
		 "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"),
		("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKx\r\nFrom: "
		 "<sip:a@b>;tag=1\r\n"
		 "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"),
	};
	char m[2048];
	unsigned int n0, n1, i, k;
	uint64_t sum = 0;

	(void)state;
	for (k = 0; k < 5; k++)
		for (i = 0; i < RTE_DIM(junk); i++) {
			src_host = 20 + i;
			send_one(junk[i], &n0, &n1, NULL, 0);
		}
	req(m, sizeof(m), "INVITE", 9, "acct@h");
	sign(m, sizeof(m), OPAQUE, 6000, false, false);
	send_one(m, &n0, &n1, NULL, 0);
	assert_int_equal(n1, 1);
	for (i = 0; i < SW_V_MAX; i++)
		sum += st->verdict[i];
	for (i = 0; i < SW_DROP_MAX; i++)
		sum += st->drop[i];
	if (sum != st->rx)
		fail_msg("rx %lu, verdicts + drops %lu", (unsigned long)st->rx, (unsigned long)sum);
}

/* The server signature in @p hdr of response @p msg under @p k (scalar,
 * full key: the reference path, not the lcore's batch); its snum. */
static uint64_t
server_sig_ok(const struct sw_sip_msg *msg, const char *hdr, const struct sw_sig_key *k)
{
	static uint8_t sb[SW_SIGBUF_MAX];
	struct sw_sigbuf_auth a;
	struct sw_auth info;
	struct sw_span rspauth;
	struct sw_wbuf w;
	uint8_t tok[SW_SIG_TOKEN_MAX];
	uint64_t snum = 0;
	uint32_t off;
	uint16_t i, j;
	int n;

	for (i = 0; i < msg->n_hdr; i++)
		if (sw_span_ieq(msg->hdr[i].name, hdr))
			break;
	assert_true(i < msg->n_hdr);
	assert_int_equal(sw_auth_parse(msg->hdr[i].value, &info, &off), SW_AUTH_OK);
	a.scheme = info.scheme;
	a.rand = sw_auth_get(&info, SW_AUTH_P_SRAND);
	a.num = sw_auth_get(&info, SW_AUTH_P_SNUM);
	a.realm = sw_auth_get(&info, SW_AUTH_P_REALM);
	a.targetname = sw_auth_get(&info, SW_AUTH_P_TARGETNAME);
	a.version = 3;
	rspauth = sw_auth_get(&info, SW_AUTH_P_RSPAUTH);
	assert_int_equal(a.rand.len, 8);
	n = sw_hex_decode(rspauth.p, rspauth.len, tok, sizeof(tok));
	assert_int_equal(n, 16);
	sw_wbuf_init(&w, sb, sizeof(sb));
	assert_int_equal(sw_sigbuf_build(msg, &a, &w), 0);
	assert_int_equal(sw_sig_verify(k, w.p, w.len, tok, (size_t)n), 0);
	for (j = 0; j < a.num.len; j++)
		snum = snum * 10 + (uint64_t)(a.num.p[j] - '0');
	return snum;
}

/*
 * Messages from upstream to a client with an SA, signed together per rx
 * burst: upstream's answers to a forwarded INVITE (our Via on top) mixed
 * with in-dialog requests routed by our Record-Route (the flow token), 40
 * queued before one poll (a full burst of 32 and part of the next).
 */
static void
test_hard_signed_out_burst(void **state)
{
	enum { N = 40 };
	static char fwd[2048], out[N][2048], got[2048], rr[256];
	static struct sw_sip_msg msg;
	const struct sw_dp_stats *st = &eng.lc[0]->st;
	uint64_t signed0 = st->verdict[SW_V_RESP_SIGNED], inb0 = st->verdict[SW_V_FWD_INBOUND];
	uint64_t bursts0 = st->sign_bursts, jobs0 = st->sign_jobs, last = 0;
	struct rte_mbuf *m[N], *o = NULL;
	struct sw_sig_key k;
	const char *via, *e, *r;
	unsigned int i, n = 0, n_req = 0;

	(void)state;
	src_host = 2;
	/* A signed INVITE goes upstream with our Via (sw-sa names the SA) and
	 * our Record-Route (its flow token names the SA and the client). */
	req(fwd, sizeof(fwd), "INVITE", 11, "burst@h");
	sign(fwd, sizeof(fwd), OPAQUE, 7000, false, false);
	assert_int_equal(rte_ring_enqueue(rx_ring[0], udp_frame("10.1.1.2", 5070, "10.1.1.1", fwd)),
			 0);
	sw_lcore_poll(eng.lc[0], rte_rdtsc());
	sw_lcore_flush(eng.lc[0]);
	assert_int_equal(rte_ring_dequeue(tx_ring[1], (void **)&o), 0);
	assert_int_equal(sw_net_classify(o, 1), SW_NET_UDP);
	memcpy(fwd, rte_pktmbuf_mtod_offset(o, char *, sw_pkt_meta(o)->payload_off),
	       sw_pkt_meta(o)->payload_len);
	fwd[sw_pkt_meta(o)->payload_len] = '\0';
	rte_pktmbuf_free(o);
	r = strstr(fwd, "Record-Route: ");
	assert_non_null(r);
	e = strstr(r, "\r\n");
	snprintf(rr, sizeof(rr), "%.*s", (int)(e - r - 14), r + 14);
	/* Every third: a request from upstream in the dialog (RFC 3261
	 * §12.2.1.1: the route set is the Record-Route); the rest the UAS's
	 * answers (§8.2.6: its Via values copied), 180s and a 200. */
	via = strstr(fwd, "Via: ");
	e = strstr(via, "Max-Forwards");
	assert_non_null(e);
	for (i = 0; i < N; i++) {
		if (i % 3 == 2)
			snprintf(out[i], sizeof(out[i]),
				 "INFO sip:bob@10.1.1.2:5070 SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 10.1.2.2:5060;branch=z9hG4bKup%u\r\n"
				 "Route: %s\r\nMax-Forwards: 70\r\n"
				 "From: <sip:carol@example.test>;tag=up\r\n"
				 "To: <sip:bob@example.test>;tag=1\r\nCall-ID: burst@h\r\n"
				 "CSeq: %u INFO\r\nContent-Length: 0\r\n\r\n",
				 i, rr, 100 + i);
		else
			snprintf(out[i], sizeof(out[i]),
				 "SIP/2.0 %s\r\n%.*sFrom: <sip:bob@example.test>;tag=1\r\n"
				 "To: <sip:carol@example.test>;tag=up%u\r\nCall-ID: burst@h\r\n"
				 "CSeq: 11 INVITE\r\nContent-Length: 0\r\n\r\n",
				 i + 1 == N ? "200 OK" : "180 Ringing", (int)(e - via), via, i);
		m[i] = udp_frame("10.1.2.2", 5060, "10.1.2.1", out[i]);
	}
	assert_int_equal(rte_ring_enqueue_bulk(rx_ring[1], (void **)m, N, NULL), N);
	sw_lcore_poll(eng.lc[0], rte_rdtsc()); /* 32 of them */
	sw_lcore_poll(eng.lc[0], rte_rdtsc()); /* the other 8 */
	sw_lcore_flush(eng.lc[0]);

	assert_int_equal(sw_sig_key_init_ntlm(&k, skey, SW_DIR_S2C), 0);
	while (rte_ring_dequeue(tx_ring[0], (void **)&o) == 0) {
		const struct sw_pkt_meta *pm;
		uint64_t snum;

		assert_int_equal(sw_net_classify(o, 0), SW_NET_UDP);
		pm = sw_pkt_meta(o);
		assert_int_equal(pm->dport, 5070);
		memcpy(got, rte_pktmbuf_mtod_offset(o, char *, pm->payload_off), pm->payload_len);
		got[pm->payload_len] = '\0';
		rte_pktmbuf_free(o);
		assert_true(n < N);
		/* In order: the n-th message.  A response has our Via popped and
		 * the client's on top; a request our Via on top (z9hG4bK-si), the
		 * Route popped, Max-Forwards decremented. */
		if (n % 3 == 2) {
			snprintf(fwd, sizeof(fwd), "CSeq: %u INFO\r\n", 100 + n);
			assert_true(strncmp(got, "INFO sip:bob@10.1.1.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP "
						 "10.1.1.1:5060;branch=z9hG4bK-si", 68) == 0);
			assert_null(strstr(got, "\r\nRoute:"));
			assert_non_null(strstr(got, "\r\nMax-Forwards: 69\r\n"));
			n_req++;
		} else {
			snprintf(fwd, sizeof(fwd), ";tag=up%u\r\n", n);
			assert_true(strncmp(got, n + 1 == N ? "SIP/2.0 200 OK\r\n"
							   : "SIP/2.0 180 Ringing\r\n",
					    n + 1 == N ? 16 : 21) == 0);
			assert_null(strstr(got, "z9hG4bK-sw"));
			assert_non_null(strstr(got, "\r\nVia: SIP/2.0/UDP 10.1.1.2:5070;branch=z9hG4bK11;"));
		}
		assert_non_null(strstr(got, fwd));
		assert_int_equal(sw_sip_parse(got, strlen(got), &msg), SW_SIP_OK);
		snum = server_sig_ok(&msg, "Proxy-Authentication-Info", &k);
		assert_true(snum > last);
		last = snum;
		n++;
	}
	sw_sig_key_wipe(&k);
	assert_int_equal(n, N);
	assert_int_equal(st->verdict[SW_V_RESP_SIGNED] - signed0, N - n_req);
	assert_int_equal(st->verdict[SW_V_FWD_INBOUND] - inb0, n_req);
	/* Two rx bursts (32 + 8), one multi-buffer call each. */
	assert_int_equal(st->sign_bursts - bursts0, 2);
	assert_int_equal(st->sign_jobs - jobs0, N);
	assert_int_equal(rte_ring_count(tx_ring[1]), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hard_uniform_challenges),
		cmocka_unit_test(test_hard_challenge_rate),
		cmocka_unit_test(test_hard_handshake_rate),
		cmocka_unit_test(test_hard_counters_account),
		cmocka_unit_test(test_hard_signed_out_burst),
	};
	int ret;

	if (rte_eal_init(argc, argv) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("h_pool", 2048, 0,
				       RTE_ALIGN(sizeof(struct sw_pkt_meta), RTE_MBUF_PRIV_ALIGN),
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	ret = cmocka_run_group_tests_name("engine_hard", tests, setup, teardown);
	rte_mempool_free(pool);
	tc_eal_cleanup(); /* also removes the runtime directory */
	return ret;
}
