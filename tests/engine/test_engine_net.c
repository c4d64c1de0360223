/*
 * Engine unit tests with EAL (suites 'unit' and 'eal'): configuration
 * loader errors (file:line:reason), packet classification, output headers
 * and IPv4 fragmentation round trip through rte_ip_frag, and the polling
 * loop itself on two net_ring ports (no control plane, local policy):
 * challenge, forward with our Via, 483, 482, response relay, exception drop.
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
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "ctrlplane/config.h"
#include "dataplane/engine.h"
#include "dataplane/net.h"
#include "dataplane/port.h"
#include "dataplane/sa_glue.h"

static struct rte_mempool *pool;

static char *
write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/sw_engnet_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

#define BASE_CONF                                                                          \
	"[engine]\nlcores = 1\nidle_sleep_us = 0\n"                                        \
	"[interface.0]\naddress = 10.1.1.1/24\nrole = clients\n"                           \
	"[interface.1]\naddress = 10.1.2.1/24\nrole = upstream\n"                          \
	"[upstream]\naddress = 10.1.2.2\nport = 5060\n"                                    \
	"[auth]\ntargetname = proxy.example.test\nschemes = NTLM\nrequire = INVITE\n"      \
	"[ntlm]\nusers = /dev/null\n"

struct cfg_case {
	const char *name;
	const char *text;
	const char *want; /* substring of the error, NULL: valid */
};

static const struct cfg_case cfg_cases[] = {
	{ "valid", BASE_CONF, NULL },
	{ "unknown key", BASE_CONF "[limits]\nsa_maxx = 3\n", ":20: unknown key 'sa_maxx' in [limits]" },
	{ "bad role", "[interface.0]\naddress = 10.0.0.1/24\nrole = client\n", ":3: role = 'client'" },
	{ "no prefix", "[interface.0]\naddress = 10.0.0.1\n", ":2: address = '10.0.0.1'" },
	{ "duplicate key", "[engine]\nlcores = 1\nlcores = 2\n", ":3: key 'lcores' repeated" },
	{ "unknown section", "[engin]\n", ":1: unknown section [engin]" },
	{ "bad port index", "[interface.9]\n", ":1: bad section [interface.9]" },
	{ "no section", "lcores = 1\n", ":1: key 'lcores' outside any section" },
	{ "challenge",
	  "[interface.0]\naddress = 10.0.0.1/24\n[upstream]\naddress = 10.0.0.2\n"
	  "[auth]\ntargetname = a.b\nschemes = NTLM\nchallenge = 403\n[ntlm]\nusers = /dev/null\n",
	  ":8: challenge: expected 401 or 407" },
	{ "ring size", BASE_CONF "[limits]\nring_size = 100\n", ":20: ring_size must be a power of two" },
	{ "missing upstream", "[interface.0]\naddress = 10.0.0.1/24\n", ":0: " },
	{ "garbage line", "[engine]\nlcores\n", ":2: expected 'key = value'" },
	{ "kerberos without keytab",
	  "[interface.0]\naddress = 10.0.0.1/24\n[upstream]\naddress = 10.0.0.2\n"
	  "[auth]\ntargetname = a.b\nschemes = Kerberos\n",
	  "Kerberos is offered but [kerberos] keytab is not set" },
};

static void
test_config_errors(void **state)
{
	struct sw_config cfg;
	char err[SW_CFG_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(cfg_cases); i++) {
		const char *p = write_tmp(cfg_cases[i].text);
		int ret = sw_config_load(p, &cfg, err, sizeof(err));

		unlink(p);
		if (cfg_cases[i].want == NULL) {
			if (ret != 0)
				fail_msg("%s: unexpected error %s", cfg_cases[i].name, err);
		} else if (ret == 0 || strstr(err, cfg_cases[i].want) == NULL ||
			   strncmp(err, p, strlen(p)) != 0) {
			fail_msg("%s: got %d '%s', want '%s'", cfg_cases[i].name, ret, err,
				 cfg_cases[i].want);
		}
	}
}

/* Build Ethernet + IPv4/IPv6 + UDP around @p payload. */
static struct rte_mbuf *
frame(int af, const char *src, const char *dst, uint16_t sport, uint16_t dport,
      const void *payload, uint16_t len, bool vlan)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct sw_net_dst d;
	char *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, len);
	memcpy(p, payload, len);
	memset(&d, 0, sizeof(d));
	d.src.af = d.dst.af = (uint8_t)af;
	inet_pton(af, src, &d.src.u);
	inet_pton(af, dst, &d.dst.u);
	d.sport = sport;
	d.dport = dport;
	d.mtu = 9000;
	d.has_vlan = vlan;
	d.vlan_tci = 42;
	d.src_mac.addr_bytes[5] = 1;
	d.dst_mac.addr_bytes[5] = 2;
	assert_int_equal(sw_net_push_headers(m, &d), 0);
	return m;
}

static void
test_classify(void **state)
{
	static const char pl[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
	struct rte_mbuf *m;
	struct sw_pkt_meta *pm;
	uint8_t arp[60] = { 0 };
	char *p;

	(void)state;
	m = frame(AF_INET, "10.0.0.2", "10.0.0.1", 5070, 5060, pl, sizeof(pl) - 1, false);
	assert_int_equal(sw_net_classify(m, 3), SW_NET_UDP);
	pm = sw_pkt_meta(m);
	assert_int_equal(pm->in_port, 3);
	assert_int_equal(pm->sport, 5070);
	assert_int_equal(pm->dport, 5060);
	assert_int_equal(pm->payload_len, sizeof(pl) - 1);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, char *, pm->payload_off), pl,
			    sizeof(pl) - 1);
	rte_pktmbuf_free(m);

	m = frame(AF_INET6, "fd00::2", "fd00::1", 5070, 5060, pl, sizeof(pl) - 1, true);
	assert_int_equal(sw_net_classify(m, 0), SW_NET_UDP);
	pm = sw_pkt_meta(m);
	assert_int_equal(pm->has_vlan, 1);
	assert_int_equal(pm->vlan_tci, 42);
	assert_int_equal(pm->l2_len, 18);
	assert_int_equal(pm->src.af, AF_INET6);
	rte_pktmbuf_free(m);

	/* ARP: valid but not ours. */
	m = rte_pktmbuf_alloc(pool);
	p = rte_pktmbuf_append(m, sizeof(arp));
	arp[12] = 0x08;
	arp[13] = 0x06;
	memcpy(p, arp, sizeof(arp));
	assert_int_equal(sw_net_classify(m, 0), SW_NET_OTHER);
	rte_pktmbuf_free(m);

	/* Truncated. */
	m = rte_pktmbuf_alloc(pool);
	rte_pktmbuf_append(m, 10);
	assert_int_equal(sw_net_classify(m, 0), SW_NET_BAD_L2);
	rte_pktmbuf_free(m);
}

/* A 3000-byte datagram: fragmented for a 1500 MTU, reassembled by rte_ip_frag. */
static void
test_fragment_roundtrip(void **state)
{
	static char pl[3000];
	struct rte_mbuf *m, *fr[8], *r = NULL;
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr = { 0 };
	struct sw_net_dst d;
	int n, i;

	(void)state;
	for (i = 0; i < (int)sizeof(pl); i++)
		pl[i] = (char)('a' + i % 26);
	m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, 1800), pl, 1800); /* fits the 2 KB mbuf */
	memset(&d, 0, sizeof(d));
	d.src.af = d.dst.af = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", &d.src.u);
	inet_pton(AF_INET, "10.0.0.2", &d.dst.u);
	d.sport = d.dport = 5060;
	d.mtu = 576;
	assert_int_equal(sw_net_push_headers(m, &d), -EMSGSIZE);
	assert_int_equal(sw_net_push_headers_nomtu(m, &d), 0);
	n = sw_net_fragment4(m, &d, pool, fr, RTE_DIM(fr));
	assert_int_equal(n, 4); /* 1808 UDP bytes in 552-byte pieces */
	tbl = rte_ip_frag_table_create(16, 4, 64, rte_get_tsc_hz(), SOCKET_ID_ANY);
	assert_non_null(tbl);
	for (i = n - 1; i >= 0; i--) { /* out of order */
		struct rte_ipv4_hdr *ih;

		assert_true(rte_pktmbuf_pkt_len(fr[i]) <= 14 + 576);
		assert_int_equal(sw_net_classify(fr[i], 0), SW_NET_V4_FRAG);
		fr[i]->l2_len = 14;
		fr[i]->l3_len = 20;
		ih = rte_pktmbuf_mtod_offset(fr[i], struct rte_ipv4_hdr *, 14);
		r = rte_ipv4_frag_reassemble_packet(tbl, &dr, fr[i], rte_rdtsc(), ih);
	}
	assert_non_null(r);
	assert_int_equal(sw_net_classify(r, 0), SW_NET_UDP);
	assert_int_equal(sw_pkt_meta(r)->payload_len, 1800);
	{
		char out[1800];
		const void *q = rte_pktmbuf_read(r, sw_pkt_meta(r)->payload_off, 1800, out);

		assert_memory_equal(q, pl, 1800);
	}
	rte_pktmbuf_free(r);
	rte_ip_frag_free_death_row(&dr, 0);
	rte_ip_frag_table_destroy(tbl);
}

/* ---- the polling loop on two net_ring ports ---- */

static struct sw_config cfg;
static struct sw_engine eng;
static struct rte_ring *rx_ring[2], *tx_ring[2];

static int
engine_setup(void **state)
{
	char err[SW_CFG_ERR_MAX];
	const char *p = write_tmp(BASE_CONF);
	struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 0x99 } };
	struct sw_addr a;
	unsigned int i;

	(void)state;
	if (sw_config_load(p, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	unlink(p);
	for (i = 0; i < 2; i++) {
		char n[32];

		snprintf(n, sizeof(n), "t_rx%u", i);
		rx_ring[i] = rte_ring_create(n, 256, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "t_tx%u", i);
		tx_ring[i] = rte_ring_create(n, 256, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "net_ring_t%u", i);
		if (rte_eth_from_rings(n, &rx_ring[i], 1, &tx_ring[i], 1, SOCKET_ID_ANY) != (int)i)
			return -1;
	}
	eng.cfg = &cfg;
	eng.n_lcores = 1;
	eng.tsc_hz = rte_get_tsc_hz();
	eng.tsc_per_ms = eng.tsc_hz / 1000;
	eng.pool = pool;
	eng.big = rte_pktmbuf_pool_create("t_big", 64, 0,
					  RTE_ALIGN(sizeof(struct sw_pkt_meta), RTE_MBUF_PRIV_ALIGN),
					  16384 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	eng.to_cp = rte_ring_create("t_to_cp", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	eng.local_pol = rte_zmalloc(NULL, sizeof(*eng.local_pol), 0);
	if (eng.big == NULL || eng.to_cp == NULL || eng.local_pol == NULL ||
	    sw_eng_policy_build(&cfg, eng.local_pol, &eng.local_digest) != 0 ||
	    sw_neigh_create(SOCKET_ID_ANY, &eng.neigh) != 0 ||
	    sw_lcore_create(&eng, 0, rte_lcore_id(), &eng.lc[0]) != 0 || sw_port_setup(&eng) != 0)
		return -1;
	eng.pol = eng.local_pol;
	if (sw_eng_route(&eng, &cfg.upstream, true, &eng.up_if, &eng.up_nh) != 0)
		return -1;
	/* The kernel's neighbour table, as netlink would fill it. */
	sw_neigh_set(eng.neigh, &cfg.upstream, 1, &mac, true);
	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	inet_pton(AF_INET, "10.1.1.2", &a.u);
	sw_neigh_set(eng.neigh, &a, 0, &mac, true);
	return 0;
}

static int
engine_teardown(void **state)
{
	(void)state;
	sw_lcore_free(eng.lc[0]);
	sw_port_stop(&eng);
	sw_neigh_free(eng.neigh);
	sw_digest_free(eng.local_digest);
	rte_free(eng.local_pol);
	rte_ring_free(eng.to_cp);
	rte_mempool_free(eng.big);
	return 0;
}

/* Send @p sip from the client (port 0) or the upstream (port 1), run one
 * poll, return what left on port @p out_port (NUL-terminated payload). */
static int
roundtrip(int in_port, const char *sip, int out_port, char *out, size_t cap)
{
	struct rte_mbuf *m, *o;
	int n = 0;

	if (in_port == 0)
		m = frame(AF_INET, "10.1.1.2", "10.1.1.1", 5070, 5060, sip,
			  (uint16_t)strlen(sip), false);
	else
		m = frame(AF_INET, "10.1.2.2", "10.1.2.1", 5060, 5060, sip,
			  (uint16_t)strlen(sip), false);
	assert_int_equal(rte_ring_enqueue(rx_ring[in_port], m), 0);
	sw_lcore_poll(eng.lc[0], rte_rdtsc());
	sw_lcore_flush(eng.lc[0]);
	out[0] = '\0';
	while (rte_ring_dequeue(tx_ring[out_port], (void **)&o) == 0) {
		assert_int_equal(sw_net_classify(o, (uint16_t)out_port), SW_NET_UDP);
		if (n == 0) {
			struct sw_pkt_meta *pm = sw_pkt_meta(o);
			size_t l = RTE_MIN((size_t)pm->payload_len, cap - 1);

			memcpy(out, rte_pktmbuf_mtod_offset(o, char *, pm->payload_off), l);
			out[l] = '\0';
		}
		n++;
		rte_pktmbuf_free(o);
	}
	assert_int_equal(rte_ring_count(tx_ring[1 - out_port]), 0);
	return n;
}

#define REQ(method, mf)                                                                    \
	method " sip:carol@example.test SIP/2.0\r\n"                                       \
	       "Via: SIP/2.0/UDP 10.1.1.2:5070;branch=z9hG4bKabc;rport\r\n"               \
	       "Max-Forwards: " mf "\r\n"                                                  \
	       "From: <sip:bob@example.test>;tag=1\r\nTo: <sip:carol@example.test>\r\n"    \
	       "Call-ID: c1@h\r\nCSeq: 1 " method "\r\nContent-Length: 0\r\n\r\n"

static void
test_loop_challenge(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(roundtrip(0, REQ("INVITE", "70"), 0, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "SIP/2.0 407 Proxy Authentication Required\r\n"));
	assert_non_null(strstr(out, "Proxy-Authenticate: NTLM realm=\"SIP Communications "
				    "Service\", targetname=\"proxy.example.test\""));
	assert_int_equal(eng.lc[0]->st.verdict[SW_V_CHALLENGE], 1);
}

static void
test_loop_forward_483_482(void **state)
{
	char out[4096], fwd[4096];

	(void)state;
	assert_int_equal(roundtrip(0, REQ("OPTIONS", "70"), 1, fwd, sizeof(fwd)), 1);
	assert_true(strncmp(fwd, "OPTIONS sip:carol@example.test SIP/2.0\r\nVia: SIP/2.0/UDP "
				 "10.1.2.1:5060;branch=z9hG4bK-sw", 80) == 0);
	assert_non_null(strstr(fwd, ";sw-sa=0000000000000000;sw-src=10.1.1.2:5070;sw-loop="));
	assert_non_null(strstr(fwd, "Max-Forwards: 69\r\n"));

	assert_int_equal(roundtrip(0, REQ("OPTIONS", "0"), 0, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "SIP/2.0 483 "));

	/* The forwarded request comes back to us: a loop. */
	assert_int_equal(roundtrip(0, fwd, 0, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "SIP/2.0 482 "));
	assert_int_equal(eng.lc[0]->st.verdict[SW_V_LOOP], 1);
}

static void
test_loop_response_relay(void **state)
{
	char fwd[4096], rsp[4096], out[4096];
	const char *via, *e;

	(void)state;
	assert_int_equal(roundtrip(0, REQ("OPTIONS", "70"), 1, fwd, sizeof(fwd)), 1);
	via = strstr(fwd, "Via: ");
	e = strstr(via, "Max-Forwards");
	snprintf(rsp, sizeof(rsp),
		 "SIP/2.0 200 OK\r\n%.*sFrom: <sip:bob@example.test>;tag=1\r\n"
		 "To: <sip:carol@example.test>;tag=up\r\nCall-ID: c1@h\r\nCSeq: 1 OPTIONS\r\n"
		 "Content-Length: 0\r\n\r\n",
		 (int)(e - via), via);
	assert_int_equal(roundtrip(1, rsp, 0, out, sizeof(out)), 1);
	assert_true(strncmp(out, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.1.1.2:5070;branch="
				 "z9hG4bKabc;rport\r\nFrom:", 70) == 0);
	assert_int_equal(eng.lc[0]->st.verdict[SW_V_RESP_PLAIN], 1);

	/* Not ours: dropped and counted. */
	assert_int_equal(roundtrip(1, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKx\r\n"
				      "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
				      "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
				   0, out, sizeof(out)),
			 0);
	assert_int_equal(eng.lc[0]->st.drop[SW_DROP_RESP_NOT_OURS], 1);
}

static void
test_loop_handshake_without_cp(void **state)
{
	char out[64];
	uint64_t before = eng.lc[0]->st.drop[SW_DROP_CP_DOWN];

	(void)state;
	assert_int_equal(roundtrip(0, "REGISTER sip:example.test SIP/2.0\r\n"
				      "Via: SIP/2.0/UDP 10.1.1.2:5070;branch=z9hG4bKr\r\n"
				      "From: <sip:bob@example.test>;tag=1\r\nTo: <sip:bob@example.test>\r\n"
				      "Call-ID: r1\r\nCSeq: 1 REGISTER\r\n"
				      "Proxy-Authorization: NTLM qop=\"auth\", realm=\"SIP Communications "
				      "Service\", targetname=\"proxy.example.test\", gssapi-data=\"\"\r\n"
				      "Content-Length: 0\r\n\r\n",
				   0, out, sizeof(out)),
			 0);
	assert_int_equal(eng.lc[0]->st.drop[SW_DROP_CP_DOWN], before + 1);
}

/*
 * Software distribution: a port with one rx queue and two polling lcores.
 * Lcore 0 reads the queue and hands each client flow to lcore hash % 2; a
 * flow always lands on the same lcore.
 */
static void
test_sw_distribution(void **state)
{
	static struct sw_config c2;
	static struct sw_engine e2;
	struct rte_ring *rx, *tx[2], *rx1, *tx1[2];
	struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 0x98 } };
	char err[SW_CFG_ERR_MAX], n[32];
	const char *p;
	unsigned int i, k, per_lc[2] = { 0, 0 }, got = 0;
	uint16_t base = rte_eth_dev_count_total();
	char conf[1024];

	(void)state;
	snprintf(conf, sizeof(conf),
		 "[engine]\nlcores = 2\nidle_sleep_us = 0\n"
		 "[interface.%u]\naddress = 10.1.1.1/24\nrole = clients\n"
		 "[interface.%u]\naddress = 10.1.2.1/24\nrole = upstream\n"
		 "[upstream]\naddress = 10.1.2.2\n"
		 "[auth]\ntargetname = proxy.example.test\nschemes = NTLM\nrequire = INVITE\n"
		 "[ntlm]\nusers = /dev/null\n", base, base + 1);
	p = write_tmp(conf);
	assert_int_equal(sw_config_load(p, &c2, err, sizeof(err)), 0);
	unlink(p);
	rx = rte_ring_create("d_rx", 256, SOCKET_ID_ANY, 0);
	rx1 = rte_ring_create("d_rx1", 256, SOCKET_ID_ANY, 0);
	for (i = 0; i < 2; i++) {
		snprintf(n, sizeof(n), "d_tx%u", i);
		tx[i] = rte_ring_create(n, 256, SOCKET_ID_ANY, 0);
		snprintf(n, sizeof(n), "d_tx1%u", i);
		tx1[i] = rte_ring_create(n, 256, SOCKET_ID_ANY, 0);
	}
	assert_int_equal(rte_eth_from_rings("d_p0", &rx, 1, tx, 2, SOCKET_ID_ANY), base);
	assert_int_equal(rte_eth_from_rings("d_p1", &rx1, 1, tx1, 2, SOCKET_ID_ANY), base + 1);
	e2.cfg = &c2;
	e2.n_lcores = 2;
	e2.tsc_hz = rte_get_tsc_hz();
	e2.tsc_per_ms = e2.tsc_hz / 1000;
	e2.pool = pool;
	e2.big = eng.big;
	e2.to_cp = eng.to_cp;
	e2.pol = eng.pol;
	e2.neigh = eng.neigh;
	for (i = 0; i < 2; i++)
		assert_int_equal(sw_lcore_create(&e2, i, rte_lcore_id(), &e2.lc[i]), 0);
	assert_int_equal(sw_port_setup(&e2), 0);
	assert_true(e2.ifs[base].sw_dist);
	assert_int_equal(sw_eng_route(&e2, &c2.upstream, true, &e2.up_if, &e2.up_nh), 0);
	sw_neigh_set(e2.neigh, &c2.upstream, base + 1, &mac, true);

	/* 32 flows (client ports), 2 packets each. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < 32; i++) {
			struct rte_mbuf *m;
			char sip[512];
			int l = snprintf(sip, sizeof(sip), REQ("INVITE", "70"));

			m = frame(AF_INET, "10.1.1.2", "10.1.1.1", (uint16_t)(6000 + i), 5060, sip,
				  (uint16_t)l, false);
			assert_int_equal(rte_ring_enqueue(rx, m), 0);
		}
	sw_lcore_poll(e2.lc[0], rte_rdtsc());
	sw_lcore_poll(e2.lc[1], rte_rdtsc());
	sw_lcore_poll(e2.lc[0], rte_rdtsc());
	sw_lcore_poll(e2.lc[1], rte_rdtsc());
	for (i = 0; i < 2; i++) {
		struct rte_mbuf *o;
		uint16_t ports[64];
		unsigned int np = 0, j;

		while (rte_ring_dequeue(tx[i], (void **)&o) == 0) {
			assert_int_equal(sw_net_classify(o, 0), SW_NET_UDP);
			/* each flow's port is seen on this lcore's queue only */
			for (j = 0; j < np; j++)
				if (ports[j] == sw_pkt_meta(o)->dport)
					break;
			if (j == np)
				ports[np++] = sw_pkt_meta(o)->dport;
			per_lc[i]++;
			got++;
			rte_pktmbuf_free(o);
		}
		for (j = 0; j < np; j++) {
			struct sw_pkt_meta pm = { 0 };

			pm.src.af = AF_INET;
			inet_pton(AF_INET, "10.1.1.2", &pm.src.u);
			pm.sport = ports[j];
			assert_int_equal(sw_net_flow_hash(&pm) % 2, i);
		}
	}
	assert_int_equal(got, 64);
	assert_true(per_lc[0] > 0 && per_lc[1] > 0);
	assert_int_equal(e2.lc[0]->st.verdict[SW_V_CHALLENGE] + e2.lc[1]->st.verdict[SW_V_CHALLENGE],
			 64);
	for (i = 0; i < 2; i++)
		sw_lcore_free(e2.lc[i]);
	sw_port_stop(&e2);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_fragment_roundtrip),
	};
	const struct CMUnitTest loop[] = {
		cmocka_unit_test(test_loop_challenge),
		cmocka_unit_test(test_loop_forward_483_482),
		cmocka_unit_test(test_loop_response_relay),
		cmocka_unit_test(test_loop_handshake_without_cp),
		cmocka_unit_test(test_sw_distribution),
	};
	int ret;

	if (rte_eal_init(argc, argv) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("t_pool", 1024, 0,
				       RTE_ALIGN(sizeof(struct sw_pkt_meta), RTE_MBUF_PRIV_ALIGN),
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	ret = cmocka_run_group_tests_name("engine_net", plain, NULL, NULL);
	ret |= cmocka_run_group_tests_name("engine_loop", loop, engine_setup, engine_teardown);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return ret;
}
