/*
 * libFuzzer target: whole datagrams through sipwardd's polling loop in
 * process.  LLVMFuzzerInitialize starts EAL without hugepages or PCI, builds
 * the engine exactly as tests/engine/test_engine_net.c does (two net_ring
 * ports: 0 = clients 10.1.1.1/24, 1 = upstream 10.1.2.1/24; no control
 * plane, the local policy; every method requires authentication) plus an SA
 * table holding one NTLM and one Kerberos SA under fixed opaques, so signed
 * requests reach the batch verify and commit stages.  Each input is one
 * frame, put on a port's rx ring; one sw_lcore_poll() + flush; then every
 * output frame is checked and freed, and the to-control-plane ring drained.
 *
 * Input: byte 0 = mode:
 *   bit 0  arrive on the upstream port (else the client port)
 *   bit 1  the rest is a raw Ethernet frame (else a UDP payload to our SIP
 *          port, wrapped here in Ethernet/IP/UDP headers)
 *   bit 2  wrapped: IPv6 (else IPv4)
 *   bit 3  wrapped IPv4: fragmented at MTU 576, fragments sent last first
 *   bit 4  wrapped: one 802.1Q tag
 * Properties:
 *  - no crash, no out-of-bounds access (ASan), no mbuf leak: after draining,
 *    the pool's in-use count is back to baseline, apart from fragments the
 *    reassembly table may legitimately hold (bounded by its size);
 *  - every output frame classifies as UDP (or an IPv4 fragment of one) and
 *    its payload parses as SIP;
 *  - counters account for every frame: rx = verdicts + drops;
 *  - nothing unauthenticated reaches the upstream: no fuzz input can carry a
 *    valid signature for the SAs' keys, so a request leaving on port 1 is a
 *    bypass and aborts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "ctrlplane/config.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/engine.h"
#include "dataplane/net.h"
#include "dataplane/port.h"
#include "dataplane/sa_glue.h"
#include "tests/ctrlplane/cp_eal.h"
#include "tests/engine/ring_engine.h"

/* A violated property: say which, then crash so libFuzzer keeps the input. */
#define FAIL()                                                                                     \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: property violated\n", __FILE__, __LINE__);                 \
		abort();                                                                           \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONF                                                                                       \
	"[engine]\nlcores = 1\nidle_sleep_us = 0\n"                                                \
	"[interface.0]\naddress = 10.1.1.1/24\nrole = clients\n"                                   \
	"[interface.1]\naddress = 10.1.2.1/24\nrole = upstream\n"                                  \
	"[upstream]\naddress = 10.1.2.2\nport = 5060\n"                                            \
	"[auth]\ntargetname = proxy.example.test\nschemes = Kerberos, NTLM\nversion = 3\n"         \
	"[kerberos]\nkeytab = /dev/null\n"                                                         \
	"[ntlm]\nusers = /dev/null\n"                                                              \
	"[limits]\nreassembly = 64\n"

/* The seeds' opaques: 00000000DEADBEEF (NTLM), 000000000BADF00D (Kerberos). */
#define OPAQUE_NTLM 0xdeadbeefull
#define OPAQUE_KRB  0x0badf00dull
#define POOL_N	    4096u
#define HELD_MAX    (64u * RTE_LIBRTE_IP_FRAG_MAX_FRAG) /* reassembly flows x fragments */

static struct rte_mempool *pool;
static struct sw_config cfg;
static struct sw_engine eng;
static struct rte_ring *rx_ring[2], *tx_ring[2];
static unsigned int baseline;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_dataplane: setup: %s\n", what);
	abort();
}

static void
add_sa(struct sw_sa_table *t, uint64_t opaque, bool krb)
{
	static const uint8_t key[32] = {1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11,
					12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
					23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;

	if (sw_sa_table_alloc(t, &rt, &k) != 0)
		die("sa alloc");
	if (krb) {
		if (sw_sig_key_init_krb(&k->c2s, SW_ENCTYPE_AES256_SHA1, key, 32, SW_DIR_C2S) !=
			    0 ||
		    sw_sig_key_init_krb(&k->s2c, SW_ENCTYPE_AES256_SHA1, key, 32, SW_DIR_S2C) != 0)
			die("krb keys");
		rt->scheme = SW_SCHEME_KERBEROS;
	} else {
		if (sw_sig_key_init_ntlm(&k->c2s, key, SW_DIR_C2S) != 0 ||
		    sw_sig_key_init_ntlm(&k->s2c, key, SW_DIR_S2C) != 0)
			die("ntlm keys");
		rt->scheme = SW_SCHEME_NTLM;
	}
	memcpy(k->user, "bob", 3);
	k->user_len = 3;
	rt->opaque = opaque;
	rt->version = 3;
	rt->expires_ms = UINT64_MAX;
	if (sw_sa_table_install(t, rt) != 0)
		die("sa install");
}

/* At exit (before LeakSanitizer's check, which was registered earlier). */
static void
teardown(void)
{
	struct rte_mbuf *m;
	unsigned int i;

	/* SW_FUZZ_VERBOSE=1: where the inputs went (to check seeds reach the verifier). */
	if (getenv("SW_FUZZ_VERBOSE") != NULL) {
		const struct sw_dp_stats *st = &eng.lc[0]->st;

		for (i = 0; i < SW_V_MAX; i++)
			if (st->verdict[i] != 0)
				fprintf(stderr, "verdict %s %lu\n", sw_verdict_name[i],
					(unsigned long)st->verdict[i]);
		for (i = 0; i < SW_DROP_MAX; i++)
			if (st->drop[i] != 0)
				fprintf(stderr, "drop %s %lu\n", sw_drop_name[i],
					(unsigned long)st->drop[i]);
	}
	for (i = 0; i < 2; i++)
		while (rte_ring_dequeue(tx_ring[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	sw_ring_engine_down(&eng);
	sw_sa_table_free(eng.sat);
	tc_eal_cleanup();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const args[] = {
		"fuzz_dataplane", "--no-huge", "--no-pci",    "-m",	 "512",
		"--file-prefix",  NULL,	       "--log-level", "*:error", "--no-telemetry"};
	static char store[10][64];
	char *eal_argv[11];
	char err[SW_CFG_ERR_MAX];
	struct rte_ether_addr mac = SW_RING_ENGINE_MAC;
	struct sw_sa_table *sat;
	struct sw_addr a;
	unsigned int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < 10; i++) {
		if (args[i] == NULL)
			snprintf(store[i], sizeof(store[i]), "sw_fuzzdp_%d", (int)getpid());
		else
			snprintf(store[i], sizeof(store[i]), "%s", args[i]);
		eal_argv[i] = store[i];
	}
	eal_argv[10] = NULL;
	if (rte_eal_init(10, eal_argv) < 0)
		die("rte_eal_init");
	pool = rte_pktmbuf_pool_create("fz_pool", POOL_N, 0,
				       RTE_ALIGN(sizeof(struct sw_pkt_meta), RTE_MBUF_PRIV_ALIGN),
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		die("pool");
	if (sw_ring_engine_up(&eng, &cfg, CONF, "fz", 256, 1024, 1024, rx_ring, tx_ring, pool, err,
			      sizeof(err)) != 0)
		die(err);
	if (sw_sa_table_create("fz_sa", 16, SOCKET_ID_ANY, &sat) != 0)
		die("sa table");
	add_sa(sat, OPAQUE_NTLM, false);
	add_sa(sat, OPAQUE_KRB, true);
	eng.sat = sat;
	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	inet_pton(AF_INET, "10.1.1.2", &a.u);
	sw_neigh_set(eng.neigh, &a, 0, &mac, true);
	a.af = AF_INET6;
	inet_pton(AF_INET6, "fd00::2", &a.u);
	sw_neigh_set(eng.neigh, &a, 0, &mac, true);
	baseline = rte_mempool_in_use_count(pool);
	atexit(teardown);
	return 0;
}

/* Wrap @p payload in Ethernet [+ 802.1Q] + IPv4/IPv6 + UDP headers. */
static unsigned int
wrap(uint8_t mode, const uint8_t *payload, size_t len, struct rte_mbuf **out, unsigned int max)
{
	bool up = mode & 1, v6 = mode & 4, frag = (mode & 8) && !v6;
	struct rte_mbuf *m;
	struct sw_net_dst d;
	int n;

	if (len > RTE_MBUF_DEFAULT_DATAROOM - 64)
		return 0;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		FAIL();
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), payload, len);
	memset(&d, 0, sizeof(d));
	d.src.af = d.dst.af = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		/* Not our interface's address: the exception path (dropped, counted). */
		inet_pton(AF_INET6, "fd00::2", &d.src.u);
		inet_pton(AF_INET6, "fd00::1", &d.dst.u);
	} else {
		inet_pton(AF_INET, up ? "10.1.2.2" : "10.1.1.2", &d.src.u);
		inet_pton(AF_INET, up ? "10.1.2.1" : "10.1.1.1", &d.dst.u);
	}
	d.sport = up ? 5060 : 5070;
	d.dport = 5060;
	d.mtu = frag ? 576 : 9000;
	d.has_vlan = (mode & 16) != 0;
	d.vlan_tci = 42;
	d.src_mac.addr_bytes[5] = 1;
	d.dst_mac.addr_bytes[5] = 2;
	if (!frag) {
		if (sw_net_push_headers(m, &d) != 0) {
			rte_pktmbuf_free(m);
			return 0;
		}
		out[0] = m;
		return 1;
	}
	if (sw_net_push_headers_nomtu(m, &d) != 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	n = sw_net_fragment4(m, &d, pool, out, max);
	return n > 0 ? (unsigned int)n : 0;
}

/*
 * Oracle for a request that left on the upstream port: its credentials
 * (forwarded unchanged; Via and Max-Forwards are not signed) must name one of
 * our SAs and verify with the scalar path, independently of the lcore.
 */
static bool
signed_ok(const struct sw_sip_msg *msg)
{
	static struct sw_auth cred;
	const struct sw_sa_policy *pol = eng.pol;
	struct sw_sa_rt *sa;
	uint64_t opaque;
	uint32_t off;

	if (sw_auth_select(msg, (enum sw_hdr)pol->cred_hdr, pol->realm, pol->targets,
			   pol->n_targets, &cred, &off) != SW_AUTH_OK)
		return false;
	if (!sw_auth_has(&cred, SW_AUTH_P_OPAQUE) ||
	    !sw_sa_opaque_parse(sw_auth_get(&cred, SW_AUTH_P_OPAQUE), &opaque))
		return false;
	sa = sw_eng_sa_lookup(&eng, opaque);
	return sa != NULL && sw_sa_verify_scalar(sa, msg, &cred) == SW_SA_OK;
}

static void
check_output(unsigned int port)
{
	static struct sw_sip_msg msg;
	static char lin[65536];
	struct rte_mbuf *o;

	while (rte_ring_dequeue(tx_ring[port], (void **)&o) == 0) {
		enum sw_net_class c = sw_net_classify(o, (uint16_t)port);
		const struct sw_pkt_meta *pm = sw_pkt_meta(o);

		if (c == SW_NET_UDP) {
			const char *p = rte_pktmbuf_read(o, pm->payload_off, pm->payload_len, lin);

			enum sw_sip_rc rc =
				p == NULL ? SW_SIP_ETRUNC : sw_sip_parse(p, pm->payload_len, &msg);

			/* A relayed response keeps the Via below ours as its sender
			 * wrote it; the parser checks only the top one, so that one
			 * may now be malformed or empty.  We relay by our Via's
			 * sw-src.  Our own answers copy the request's Vias, whose top
			 * one was checked, so everything else must parse. */
			if (rc != SW_SIP_OK && !(p != NULL && pm->payload_len > 8 &&
						 strncasecmp(p, "SIP/2.0 ", 8) == 0 &&
						 (rc == SW_SIP_EVIA || rc == SW_SIP_EMISSING))) {
				if (getenv("SW_FUZZ_VERBOSE") != NULL)
					fprintf(stderr,
						"output on port %u does not parse (%s at "
						"%u):\n%.*s\n",
						port, sw_sip_rc_name(rc), msg.err_off,
						(int)pm->payload_len, p != NULL ? p : "");
				FAIL();
			}
			if (rc != SW_SIP_OK) {
				rte_pktmbuf_free(o);
				continue;
			}
			/* Nothing unauthenticated goes upstream. */
			if (port == 1 && msg.status == 0 && !signed_ok(&msg))
				FAIL();
		} else if (c != SW_NET_V4_FRAG) {
			FAIL();
		}
		rte_pktmbuf_free(o);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m[16];
	unsigned int n = 0, i, port;
	uint8_t mode;

	if (size < 1 || size > 9000)
		return 0;
	mode = data[0];
	port = mode & 1;
	if (mode & 2) {
		if (size - 1 > RTE_MBUF_DEFAULT_DATAROOM)
			return 0;
		m[0] = rte_pktmbuf_alloc(pool);
		if (m[0] == NULL)
			FAIL();
		memcpy(rte_pktmbuf_append(m[0], (uint16_t)(size - 1)), data + 1, size - 1);
		n = 1;
	} else {
		n = wrap(mode, data + 1, size - 1, m, RTE_DIM(m));
	}
	for (i = n; i-- > 0;)
		if (rte_ring_enqueue(rx_ring[port], m[i]) != 0)
			rte_pktmbuf_free(m[i]);
	sw_lcore_poll(eng.lc[0], rte_rdtsc());
	sw_lcore_flush(eng.lc[0]);
	check_output(0);
	check_output(1);
	while (rte_ring_dequeue(eng.to_cp, (void **)&m[0]) == 0)
		rte_pktmbuf_free(m[0]);
	if (rte_mempool_in_use_count(pool) > baseline + HELD_MAX)
		FAIL();
	/* Counters account for every frame: exactly one verdict or drop each. */
	{
		const struct sw_dp_stats *st = &eng.lc[0]->st;
		uint64_t sum = 0;

		for (i = 0; i < SW_V_MAX; i++)
			sum += st->verdict[i];
		for (i = 0; i < SW_DROP_MAX; i++)
			sum += st->drop[i];
		if (sum != st->rx)
			FAIL();
	}
	return 0;
}
