/*
 * Whole-pipeline benchmark fixture (see fixture_engine.h).  Deterministic:
 * keys and messages come from a fixed seed.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bench/fixture_engine.h"
#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "crypto/wbuf.h"
#include "ctrlplane/config.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/dp_stats.h"
#include "dataplane/engine.h"
#include "dataplane/net.h"
#include "dataplane/port.h"
#include "dataplane/sa_glue.h"

#define N_TPL 65536u
#define STRIDE 1024u
#define MAX_LC 2u

struct sw_bench_eng {
	struct sw_config cfg;
	struct sw_engine eng;
	struct rte_ring *rx[2][MAX_LC], *tx[2][MAX_LC];
	uint16_t port[2];
	uint8_t *frames;
	uint16_t *flen;
	struct sw_sa_rt **tpl_sa;
	uint32_t n_sa;
	unsigned int n_lcores;
	double bytes_per_sa;
	double cold_per_sa;
	double batch;
	double cpu;
	unsigned int avg_len;
	struct sw_sa_rt **sas;
	/* Upstream's traffic, built from one capture pass of the requests the
	 * engine forwards (capture()): per request template, in the same slot
	 * (so lcore q gets its own SAs' messages), a 200 OK (responses,
	 * sw_bench_eng_rsp_prepare) and an in-dialog BYE from the callee
	 * (incoming requests, sw_bench_eng_inb_prepare). */
	uint8_t *rframes, *iframes;
	uint16_t *rflen, *iflen;
	unsigned int rsp_avg_len, inb_avg_len;
	uint32_t inb_missing; /* forwarded requests with nothing to route a BYE by */
	/* Outcomes, 0 ready, 1 not built yet, < 0 failed (the why says how). */
	int cap_rc, rsp_rc, inb_rc;
	char cap_why[512], rsp_why[512], inb_why[512];
};

struct lc_arg;

/* Setup passes only: sees each counted output frame before it is freed. */
typedef int (*lc_hook)(struct lc_arg *a, struct rte_mbuf *m);

struct lc_arg {
	struct sw_bench_eng *b;
	unsigned int q;
	uint32_t first, count;
	const uint8_t *frames; /* what is fed in: requests or responses */
	const uint16_t *flen;
	unsigned int in, out; /* port index fed (rx) and port index counted (tx) */
	lc_hook hook;	      /* NULL in timed passes */
	uint32_t hooked;      /* frames given to hook */
	int hook_rc;	      /* first error hook returned */
	uint64_t sent, fwd;
	uint64_t t0, t1;
	double cpu; /* thread CPU seconds: what the lcore really got on a shared host */
};

/* Directions of a pass: requests feed the client port and count the
 * upstream one; responses and incoming requests the reverse. */
enum { DIR_REQ, DIR_RSP, DIR_INB };

static double
thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static const char conf_text[] =
	"[engine]\nlcores = 1\nidle_sleep_us = 0\n"
	"[interface.%u]\naddress = 10.1.1.1/24\nrole = clients\n"
	"[interface.%u]\naddress = 10.1.2.1/24\nrole = upstream\n"
	"[upstream]\naddress = 10.1.2.2\nport = 5060\n"
	"[auth]\ntargetname = proxy.example.test\nschemes = NTLM, Kerberos\nrequire = all\n"
	"version = 3\n[kerberos]\nkeytab = /dev/null\n[ntlm]\nusers = /dev/null\n";

static int
build_frame(struct sw_bench_eng *b, uint32_t k, const struct sw_sa_rt *sa,
	    const struct sw_sig_key *c2s, uint32_t cnum)
{
	static struct sw_sip_msg msg;
	static uint8_t sb[SW_SIGBUF_MAX];
	const struct sw_sa_policy *pol = b->eng.pol;
	char text[STRIDE], opq[SW_SA_OPAQUE_HEX + 1], crand[9], cnum_s[16], hex[SW_SIG_TOKEN_MAX * 2 + 1];
	uint8_t tok[SW_SIG_TOKEN_MAX];
	struct sw_sigbuf_auth a;
	struct sw_wbuf w;
	struct sw_net_dst d;
	struct rte_mbuf *m;
	const char *scheme = sw_scheme_name((enum sw_scheme)sa->scheme);
	int n, len;

	sw_sa_opaque_fmt(sa->opaque, opq);
	opq[SW_SA_OPAQUE_HEX] = '\0';
	snprintf(crand, sizeof(crand), "%08x", k * 2654435761u);
	snprintf(cnum_s, sizeof(cnum_s), "%u", cnum);
	len = snprintf(text, sizeof(text),
		       "INVITE sip:carol@example.test SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP 10.1.1.2:5070;branch=z9hG4bK%08x;rport\r\n"
		       "Max-Forwards: 70\r\n"
		       "From: \"Bob\" <sip:bob@example.test>;tag=%06x;epid=01\r\n"
		       "To: <sip:carol@example.test>\r\n"
		       "Call-ID: %08x-bench@10.1.1.2\r\n"
		       "CSeq: %u INVITE\r\n"
		       "Contact: <sip:bob@10.1.1.2:5070;transport=udp>\r\n"
		       "User-Agent: sipward-bench\r\n"
		       "Content-Type: application/sdp\r\n"
		       "Content-Length: 0\r\n\r\n",
		       k, k & 0xffffff, k, cnum);
	if (sw_sip_parse(text, (size_t)len, &msg) != SW_SIP_OK)
		return -EINVAL;
	a.scheme.p = scheme;
	a.scheme.len = (uint16_t)strlen(scheme);
	a.rand.p = crand;
	a.rand.len = 8;
	a.num.p = cnum_s;
	a.num.len = (uint16_t)strlen(cnum_s);
	a.realm = pol->realm;
	a.targetname = pol->target[sa->scheme];
	a.version = 3;
	sw_wbuf_init(&w, sb, sizeof(sb));
	if (sw_sigbuf_build(&msg, &a, &w) != 0)
		return -ENOSPC;
	n = sw_sig_sign(c2s, w.p, w.len, k, tok, sizeof(tok));
	if (n < 0)
		return n;
	sw_hex_encode(tok, (size_t)n, hex, sizeof(hex));
	len -= 2; /* before the empty line */
	len += snprintf(text + len, sizeof(text) - (size_t)len,
			"Proxy-Authorization: %s qop=\"auth\", opaque=\"%s\", realm=\"%.*s\", "
			"targetname=\"%.*s\", crand=\"%s\", cnum=\"%s\", version=3, "
			"response=\"%s\"\r\n\r\n",
			scheme, opq, (int)pol->realm.len, pol->realm.p,
			(int)pol->target[sa->scheme].len, pol->target[sa->scheme].p, crand, cnum_s,
			hex);
	m = rte_pktmbuf_alloc(b->eng.pool);
	if (m == NULL)
		return -ENOMEM;
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), text, (size_t)len);
	memset(&d, 0, sizeof(d));
	d.src.af = d.dst.af = AF_INET;
	inet_pton(AF_INET, "10.1.1.2", &d.src.u);
	inet_pton(AF_INET, "10.1.1.1", &d.dst.u);
	d.sport = 5070;
	d.dport = 5060;
	d.mtu = 1500;
	if (sw_net_push_headers(m, &d) != 0 || rte_pktmbuf_pkt_len(m) > STRIDE) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	memcpy(b->frames + (size_t)k * STRIDE, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_pkt_len(m));
	b->flen[k] = (uint16_t)rte_pktmbuf_pkt_len(m);
	rte_pktmbuf_free(m);
	return 0;
}

static unsigned int gen;

struct sw_bench_eng *
sw_bench_eng_new(int scheme, uint32_t n_sa, unsigned int n_lcores)
{
	struct sw_bench_eng *b = calloc(1, sizeof(*b));
	struct rte_malloc_socket_stats s0, s1;
	double total_heap;
	size_t hot, cold;
	struct sw_sig_key c2s, s2c;
	char path[] = "/tmp/sw_bench_eng_XXXXXX", err[SW_CFG_ERR_MAX], name[64];
	uint8_t key[32];
	uint64_t seed = 42 + (uint64_t)scheme;
	unsigned int p, q, lcore_id, i;
	FILE *f;
	int fd;

	if (b == NULL || n_lcores == 0 || n_lcores > MAX_LC || n_sa == 0)
		goto fail;
	gen++;
	if (n_sa < n_lcores)
		n_sa = n_lcores; /* a single SA is never shared between lcores */
	b->n_sa = n_sa;
	b->n_lcores = n_lcores;
	b->cap_rc = b->rsp_rc = b->inb_rc = 1;
	/* Ports: interface N is DPDK port N; ours come after any existing ones. */
	b->port[0] = rte_eth_dev_count_total();
	b->port[1] = (uint16_t)(b->port[0] + 1);
	if (b->port[1] >= SW_CFG_PORTS_MAX)
		goto fail;
	fd = mkstemp(path);
	if (fd < 0)
		goto fail;
	f = fdopen(fd, "w");
	fprintf(f, conf_text, b->port[0], b->port[1]);
	fclose(f);
	if (sw_config_load(path, &b->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench: %s\n", err);
		unlink(path);
		goto fail;
	}
	unlink(path);
	b->cfg.n_lcores = n_lcores;

	for (p = 0; p < 2; p++) {
		for (q = 0; q < n_lcores; q++) {
			snprintf(name, sizeof(name), "b%u_rx%u%u", gen, p, q);
			b->rx[p][q] = rte_ring_create(name, 4096, SOCKET_ID_ANY,
						      RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(name, sizeof(name), "b%u_tx%u%u", gen, p, q);
			b->tx[p][q] = rte_ring_create(name, 4096, SOCKET_ID_ANY,
						      RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (b->rx[p][q] == NULL || b->tx[p][q] == NULL)
				goto fail;
		}
		snprintf(name, sizeof(name), "b%u_p%u", gen, p);
		if (rte_eth_from_rings(name, b->rx[p], n_lcores, b->tx[p], n_lcores,
				       SOCKET_ID_ANY) != b->port[p])
			goto fail;
	}

	b->eng.cfg = &b->cfg;
	b->eng.n_lcores = n_lcores;
	b->eng.tsc_hz = rte_get_tsc_hz();
	b->eng.tsc_per_ms = b->eng.tsc_hz / 1000;
	b->eng.drain_tsc = b->eng.tsc_hz / 20000; /* 50 us */
	snprintf(name, sizeof(name), "b%u_pool", gen);
	b->eng.pool = rte_pktmbuf_pool_create(name, 32768, 256,
					      RTE_ALIGN(sizeof(struct sw_pkt_meta),
							RTE_MBUF_PRIV_ALIGN),
					      RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "b%u_big", gen);
	b->eng.big = rte_pktmbuf_pool_create(name, 64, 0,
					     RTE_ALIGN(sizeof(struct sw_pkt_meta),
						       RTE_MBUF_PRIV_ALIGN),
					     16384 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "b%u_tocp", gen);
	b->eng.to_cp = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	b->eng.local_pol = rte_zmalloc(NULL, sizeof(*b->eng.local_pol), 0);
	if (b->eng.pool == NULL || b->eng.big == NULL || b->eng.to_cp == NULL ||
	    b->eng.local_pol == NULL ||
	    sw_eng_policy_build(&b->cfg, b->eng.local_pol, &b->eng.local_digest) != 0)
		goto fail;
	b->eng.pol = b->eng.local_pol;
	if (sw_neigh_create(SOCKET_ID_ANY, &b->eng.neigh) != 0)
		goto fail;
	i = 0;
	RTE_LCORE_FOREACH(lcore_id) {
		if (i == n_lcores)
			break;
		if (sw_lcore_create(&b->eng, i, lcore_id, &b->eng.lc[i]) != 0)
			goto fail;
		i++;
	}
	if (i != n_lcores)
		goto fail;
	{
		/* sw_port_setup() walks cfg->ifs[] by port id. */
		if (sw_port_setup(&b->eng) != 0)
			goto fail;
		if (sw_eng_route(&b->eng, &b->cfg.upstream, true, &b->eng.up_if, &b->eng.up_nh) != 0)
			goto fail;
		struct rte_ether_addr mac = { { 2, 0, 0, 0, 0, 9 } };
		struct rte_ether_addr cmac = { { 2, 0, 0, 0, 0, 2 } };
		struct sw_addr client = { .af = AF_INET };

		sw_neigh_set(b->eng.neigh, &b->cfg.upstream, b->port[1], &mac, true);
		/* The client's MAC, as the kernel's table holds it once the client
		 * has sent anything: responses are routed to it (emit_routed()). */
		inet_pton(AF_INET, "10.1.1.2", &client.u);
		sw_neigh_set(b->eng.neigh, &client, b->port[0], &cmac, true);
	}

	/* The SA table: one key per scheme, copied into every SA (key setup is
	 * not what is measured). */
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)splitmix(&seed);
	if (scheme == SW_SCHEME_NTLM) {
		if (sw_sig_key_init_ntlm(&c2s, key, SW_DIR_C2S) != 0 ||
		    sw_sig_key_init_ntlm(&s2c, key, SW_DIR_S2C) != 0)
			goto fail;
	} else {
		if (sw_sig_key_init_krb(&c2s, SW_ENCTYPE_AES128_SHA1, key, 16, SW_DIR_C2S) != 0 ||
		    sw_sig_key_init_krb(&s2c, SW_ENCTYPE_AES128_SHA1, key, 16, SW_DIR_S2C) != 0)
			goto fail;
	}
	rte_malloc_get_socket_stats(rte_socket_id(), &s0);
	snprintf(name, sizeof(name), "bsa%u", gen);
	if (sw_sa_table_create(name, n_sa, SOCKET_ID_ANY, &b->eng.sat) != 0)
		goto fail;
	rte_malloc_get_socket_stats(rte_socket_id(), &s1);
	total_heap = (double)(s1.heap_allocsz_bytes - s0.heap_allocsz_bytes);
	b->sas = calloc(n_sa, sizeof(*b->sas));
	if (b->sas == NULL)
		goto fail;
	for (i = 0; i < n_sa; i++) {
		struct sw_sa_rt *rt;
		struct sw_sa_keys *k;

		if (sw_sa_table_alloc(b->eng.sat, &rt, &k) != 0)
			goto fail;
		rt->opaque = splitmix(&seed) | 1;
		rt->sa_id = i;
		rt->scheme = (uint8_t)scheme;
		rt->version = 3;
		rt->expires_ms = UINT64_MAX;
		k->c2s = c2s;
		k->s2c = s2c;
		memcpy(k->user, "bob", 3);
		k->user_len = 3;
		if (sw_sa_table_install(b->eng.sat, rt) != 0)
			goto fail;
		b->sas[i] = rt;
	}
	for (i = 0; i < n_lcores; i++)
		sw_sa_table_qs_register(b->eng.sat, b->eng.lc[i]->lcore_id);
	/* Everything the table took from the heap, split into what lcores read
	 * (records, hash, free stack, defer queue, ext blocks) and the cold
	 * records; with every SA installed (ext blocks are allocated then). */
	sw_sa_table_bytes(b->eng.sat, &hot, &cold);
	b->bytes_per_sa = (double)hot / n_sa;
	b->cold_per_sa = (double)cold / n_sa;
	if ((double)(hot + cold) < total_heap * 0.99 || (double)(hot + cold) > total_heap * 1.01)
		fprintf(stderr, "bench: table accounting %zu + %zu vs heap %.0f\n", hot, cold,
			total_heap);

	/* Traffic: N_TPL signed INVITEs; with one SA, cnum 1..N_TPL. */
	b->frames = malloc((size_t)N_TPL * STRIDE);
	b->flen = calloc(N_TPL, sizeof(*b->flen));
	b->tpl_sa = calloc(N_TPL, sizeof(*b->tpl_sa));
	if (b->frames == NULL || b->flen == NULL || b->tpl_sa == NULL)
		goto fail;
	{
		uint64_t tot = 0;

		uint32_t per_lc = N_TPL / n_lcores;

		for (i = 0; i < N_TPL; i++) {
			/* One client's SA stays on one lcore (RSS / flow distribution):
			 * lcore q's templates use SAs q, q + n_lcores, ... */
			uint32_t lq = i / per_lc, j = i % per_lc;
			uint32_t span = b->n_sa / n_lcores;
			uint32_t s = lq + n_lcores * (uint32_t)(((uint64_t)j * 2654435761u) % span);
			uint32_t uses = per_lc / span;

			b->tpl_sa[i] = b->sas[s];
			if (build_frame(b, i, b->sas[s], &c2s,
					uses > 1 ? j + 1 : 1 + j / span) != 0)
				goto fail;
			tot += b->flen[i];
		}
		b->avg_len = (unsigned int)(tot / N_TPL);
	}
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);
	return b;
fail:
	fprintf(stderr, "bench: engine fixture setup failed\n");
	sw_bench_eng_free(b);
	return NULL;
}

static int
run_lcore(void *arg)
{
	struct lc_arg *a = arg;
	struct sw_bench_eng *b = a->b;
	struct sw_lcore *lc = b->eng.lc[a->q];
	struct rte_ring *in = b->rx[a->in][a->q], *out = b->tx[a->out][a->q];
	struct rte_ring *other = b->tx[a->out ^ 1][a->q];
	struct rte_mbuf *m[SW_RX_BURST], *o[256];
	uint32_t k = a->first, end = a->first + a->count;
	unsigned int i, n;
	int rc;

	a->cpu = thread_cpu();
	a->t0 = rte_rdtsc();
	while (k < end || a->fwd + lc->st.drop[SW_DROP_TX_FULL] < a->sent) {
		if (k < end) {
			n = RTE_MIN(SW_RX_BURST, end - k);
			if (rte_pktmbuf_alloc_bulk(b->eng.pool, m, n) != 0)
				n = 0;
			for (i = 0; i < n; i++, k++) {
				rte_memcpy(rte_pktmbuf_mtod(m[i], void *),
					   a->frames + (size_t)k * STRIDE, a->flen[k]);
				m[i]->data_len = a->flen[k];
				m[i]->pkt_len = a->flen[k];
			}
			a->sent += rte_ring_enqueue_burst(in, (void **)m, n, NULL);
		}
		sw_lcore_poll(lc, rte_rdtsc());
		if (lc->n_pend == 0)
			sw_sa_table_quiescent(b->eng.sat, lc->lcore_id);
		if (k >= end)
			sw_lcore_flush(lc);
		n = rte_ring_dequeue_burst(out, (void **)o, RTE_DIM(o), NULL);
		a->fwd += n;
		for (i = 0; a->hook != NULL && i < n; i++) {
			rc = a->hook(a, o[i]);
			a->hooked++;
			if (rc != 0 && a->hook_rc == 0)
				a->hook_rc = rc;
		}
		rte_pktmbuf_free_bulk(o, n);
		n = rte_ring_dequeue_burst(other, (void **)o, RTE_DIM(o), NULL);
		rte_pktmbuf_free_bulk(o, n);
		if (k >= end && n == 0 && lc->n_pend == 0 && rte_ring_count(in) == 0 &&
		    rte_ring_count(out) == 0)
			break;
	}
	a->t1 = rte_rdtsc();
	a->cpu = thread_cpu() - a->cpu;
	return 0;
}

/* The lcore's multi-buffer calls of one direction: verification of
 * requests, signatures of responses and of incoming requests. */
static uint64_t
mb_jobs(const struct sw_dp_stats *st, unsigned int dir)
{
	return dir == DIR_REQ ? st->verify_jobs : st->sign_jobs;
}

static uint64_t
mb_bursts(const struct sw_dp_stats *st, unsigned int dir)
{
	return dir == DIR_REQ ? st->verify_bursts : st->sign_bursts;
}

/*
 * One pass of every template, requests (client port in, upstream port
 * counted) or responses / incoming requests (the reverse), each lcore its
 * own share.  @p hook (setup only) sees every counted frame (so as many as
 * *fwd); its first error goes to *hook_rc.
 */
static double
pass(struct sw_bench_eng *b, unsigned int dir, lc_hook hook, uint64_t *sent, uint64_t *fwd,
     int *hook_rc)
{
	struct lc_arg arg[MAX_LC];
	uint64_t t0 = UINT64_MAX, t1 = 0, jobs0 = 0, bursts0 = 0, jobs1 = 0, bursts1 = 0;
	unsigned int i;

	/* Requests move the replay windows; responses only the SAs' snum. */
	for (i = 0; dir == DIR_REQ && i < N_TPL; i++) {
		struct sw_sa_rt *sa = b->tpl_sa[i];

		sa->window = 0;
		sa->retx_next = 0;
		memset(sa->retx, 0, sizeof(sa->retx));
	}
	for (i = 0; i < b->n_lcores; i++) {
		jobs0 += mb_jobs(&b->eng.lc[i]->st, dir);
		bursts0 += mb_bursts(&b->eng.lc[i]->st, dir);
		arg[i] = (struct lc_arg){
			.b = b,
			.q = i,
			.first = i * (N_TPL / b->n_lcores),
			.count = N_TPL / b->n_lcores,
			.frames = dir == DIR_REQ   ? b->frames
				  : dir == DIR_RSP ? b->rframes
						   : b->iframes,
			.flen = dir == DIR_REQ ? b->flen : dir == DIR_RSP ? b->rflen : b->iflen,
			.in = dir == DIR_REQ ? 0 : 1,
			.out = dir == DIR_REQ ? 1 : 0,
			.hook = hook,
		};
	}
	for (i = 1; i < b->n_lcores; i++)
		rte_eal_remote_launch(run_lcore, &arg[i], b->eng.lc[i]->lcore_id);
	run_lcore(&arg[0]);
	for (i = 1; i < b->n_lcores; i++)
		rte_eal_wait_lcore(b->eng.lc[i]->lcore_id);
	*sent = *fwd = 0;
	if (hook_rc != NULL)
		*hook_rc = 0;
	for (i = 0; i < b->n_lcores; i++) {
		t0 = RTE_MIN(t0, arg[i].t0);
		t1 = RTE_MAX(t1, arg[i].t1);
		*sent += arg[i].sent;
		*fwd += arg[i].fwd;
		jobs1 += mb_jobs(&b->eng.lc[i]->st, dir);
		bursts1 += mb_bursts(&b->eng.lc[i]->st, dir);
		if (hook_rc != NULL && *hook_rc == 0)
			*hook_rc = arg[i].hook_rc;
	}
	b->cpu = 0;
	for (i = 0; i < b->n_lcores; i++)
		b->cpu += arg[i].cpu;
	b->batch = bursts1 > bursts0 ? (double)(jobs1 - jobs0) / (double)(bursts1 - bursts0) : 0;
	return (double)(t1 - t0) / (double)rte_get_tsc_hz();
}

double
sw_bench_eng_pass(struct sw_bench_eng *b, uint64_t *sent, uint64_t *forwarded)
{
	return pass(b, DIR_REQ, NULL, sent, forwarded, NULL);
}

static void
put_hdr(struct sw_wbuf *w, const char *name, struct sw_span v)
{
	sw_wbuf_puts(w, name);
	sw_wbuf_put(w, ": ", 2);
	sw_wbuf_put(w, v.p, v.len);
	sw_wbuf_put(w, "\r\n", 2);
}

static struct sw_span
hdr_value(const struct sw_sip_msg *msg, enum sw_hdr id)
{
	uint8_t h = msg->first[id];

	return h == SW_HDR_NONE ? (struct sw_span){ "", 0 } : msg->hdr[h].value;
}

/* The request's To with the callee's tag: the 200 OK's To and the callee's
 * own requests' From name the same dialog (RFC 3261 §12.1.1). */
static void
put_callee(struct sw_wbuf *w, const char *name, const struct sw_sip_msg *msg, uint32_t slot)
{
	struct sw_span to = hdr_value(msg, SW_HDR_TO);

	sw_wbuf_puts(w, name);
	sw_wbuf_put(w, ": ", 2);
	sw_wbuf_put(w, to.p, to.len);
	if (msg->to_tag.len == 0) {
		sw_wbuf_puts(w, ";tag=uas");
		sw_wbuf_put_u64(w, slot);
	}
	sw_wbuf_put(w, "\r\n", 2);
}

/*
 * The message in @p w as a UDP datagram back from where the forwarded
 * request (@p pm) went to where it came from (the upstream answering the
 * engine's upstream-side address and port), into slot @p slot of @p frames.
 */
static int
put_frame(struct sw_bench_eng *b, const struct sw_pkt_meta *pm, const struct sw_wbuf *w,
	  uint8_t *frames, uint16_t *flen, uint32_t slot)
{
	struct sw_net_dst d;
	struct rte_mbuf *r;

	if (!sw_wbuf_ok(w))
		return -ENOSPC;
	memset(&d, 0, sizeof(d));
	d.src = pm->dst;
	d.dst = pm->src;
	d.sport = pm->dport;
	d.dport = pm->sport;
	d.src_mac = pm->dst_mac;
	d.dst_mac = pm->src_mac;
	d.mtu = 1500;
	r = rte_pktmbuf_alloc(b->eng.pool);
	if (r == NULL)
		return -ENOMEM;
	memcpy(rte_pktmbuf_append(r, (uint16_t)w->len), w->p, w->len);
	if (sw_net_push_headers(r, &d) != 0 || rte_pktmbuf_pkt_len(r) > STRIDE) {
		rte_pktmbuf_free(r);
		return -EMSGSIZE;
	}
	memcpy(frames + (size_t)slot * STRIDE, rte_pktmbuf_mtod(r, void *), rte_pktmbuf_pkt_len(r));
	flen[slot] = (uint16_t)rte_pktmbuf_pkt_len(r);
	rte_pktmbuf_free(r);
	return 0;
}

/*
 * The forwarded request (our Via on top) answered as the upstream UAS
 * would, RFC 3261 §8.2.6: 200 OK with every Via in order, From, To (a tag
 * added), Call-ID, CSeq, no body.
 */
static int
make_response(struct sw_bench_eng *b, const struct sw_pkt_meta *pm, const struct sw_sip_msg *msg,
	      uint32_t slot)
{
	char text[STRIDE];
	struct sw_wbuf w;
	uint8_t h;

	sw_wbuf_init(&w, text, sizeof(text));
	sw_wbuf_puts(&w, "SIP/2.0 200 OK\r\n");
	for (h = msg->first[SW_HDR_VIA]; h != SW_HDR_NONE; h = msg->hdr[h].next)
		put_hdr(&w, "Via", msg->hdr[h].value);
	put_hdr(&w, "From", hdr_value(msg, SW_HDR_FROM));
	put_callee(&w, "To", msg, slot);
	put_hdr(&w, "Call-ID", hdr_value(msg, SW_HDR_CALL_ID));
	put_hdr(&w, "CSeq", hdr_value(msg, SW_HDR_CSEQ));
	sw_wbuf_puts(&w, "Content-Length: 0\r\n\r\n");
	return put_frame(b, pm, &w, b->rframes, b->rflen, slot);
}

/*
 * The callee's next request in the dialog the forwarded INVITE set up
 * (RFC 3261 §12.1.1, §12.2.1.1): Request-URI the caller's Contact, Route
 * the Record-Route values in order (ours, carrying the flow token, is the
 * only one: the upstream is the UAS), the callee's own Via with a fresh
 * branch, From and To swapped, a new CSeq, no body.  The engine takes it
 * for the client (README "Incoming requests").  -ENOMSG: nothing to route
 * it by ([upstream] record_route off, or no Contact).
 */
static int
make_inbound(struct sw_bench_eng *b, const struct sw_pkt_meta *pm, const struct sw_sip_msg *msg,
	     uint32_t slot)
{
	struct sw_span target = sw_sip_uri_of(hdr_value(msg, SW_HDR_CONTACT));
	char text[STRIDE], up[INET6_ADDRSTRLEN];
	struct sw_wbuf w;
	uint8_t h;

	if (target.len == 0 || msg->first[SW_HDR_RECORD_ROUTE] == SW_HDR_NONE ||
	    inet_ntop(pm->dst.af, &pm->dst.u, up, sizeof(up)) == NULL)
		return -ENOMSG;
	sw_wbuf_init(&w, text, sizeof(text));
	sw_wbuf_puts(&w, "BYE ");
	sw_wbuf_put(&w, target.p, target.len);
	sw_wbuf_puts(&w, " SIP/2.0\r\nVia: SIP/2.0/UDP ");
	sw_wbuf_puts(&w, up);
	sw_wbuf_put(&w, ":", 1);
	sw_wbuf_put_u64(&w, pm->dport);
	sw_wbuf_puts(&w, ";branch=z9hG4bKuas");
	sw_wbuf_put_u64(&w, slot);
	sw_wbuf_puts(&w, "\r\nMax-Forwards: 70\r\n");
	for (h = msg->first[SW_HDR_RECORD_ROUTE]; h != SW_HDR_NONE; h = msg->hdr[h].next)
		put_hdr(&w, "Route", msg->hdr[h].value);
	put_callee(&w, "From", msg, slot);
	put_hdr(&w, "To", hdr_value(msg, SW_HDR_FROM));
	put_hdr(&w, "Call-ID", hdr_value(msg, SW_HDR_CALL_ID));
	sw_wbuf_puts(&w, "CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n");
	return put_frame(b, pm, &w, b->iframes, b->iflen, slot);
}

/*
 * Hook of the capture pass: each request the engine forwarded upstream
 * becomes the upstream's 200 OK to it and the callee's BYE after it, in
 * the request's slot.  A request with nothing to route the BYE by leaves
 * its slot empty (length 0): that fails the incoming requests only.
 */
static int
answer_forwarded(struct lc_arg *a, struct rte_mbuf *m)
{
	struct sw_bench_eng *b = a->b;
	uint32_t slot = a->first + a->hooked;
	struct sw_sip_msg msg; /* ~4 KB: the lcore thread's stack (setup only) */
	const struct sw_pkt_meta *pm;
	int rc;

	if (a->hooked >= a->count)
		return -ENOSPC;
	if (m->nb_segs != 1 || sw_net_classify(m, b->port[1]) != SW_NET_UDP)
		return -EPROTO;
	pm = sw_pkt_meta(m);
	if (sw_sip_parse(rte_pktmbuf_mtod_offset(m, const char *, pm->payload_off),
			 pm->payload_len, &msg) != SW_SIP_OK || msg.status != 0)
		return -EINVAL;
	rc = make_response(b, pm, &msg, slot);
	if (rc == 0)
		rc = make_inbound(b, pm, &msg, slot);
	return rc == -ENOMSG ? 0 : rc; /* iflen[slot] stays 0 */
}

static bool
has_rspauth(struct sw_span v)
{
	uint16_t i;

	for (i = 0; i + 9 <= v.len; i++)
		if (memcmp(v.p + i, "rspauth=\"", 9) == 0)
			return true;
	return false;
}

/* Hook of the response check pass: a 200 to the client (its own Via only,
 * ours popped) carrying our info header with an rspauth. */
static int
check_signed(struct lc_arg *a, struct rte_mbuf *m)
{
	const struct sw_sa_policy *pol = a->b->eng.pol;
	struct sw_sip_msg msg;
	const struct sw_pkt_meta *pm;

	if (m->nb_segs != 1 || sw_net_classify(m, a->b->port[0]) != SW_NET_UDP)
		return -EPROTO;
	pm = sw_pkt_meta(m);
	if (pm->dport != 5070)
		return -EINVAL;
	if (sw_sip_parse(rte_pktmbuf_mtod_offset(m, const char *, pm->payload_off),
			 pm->payload_len, &msg) != SW_SIP_OK ||
	    msg.status != 200 || msg.count[SW_HDR_VIA] != 1)
		return -EINVAL;
	return has_rspauth(hdr_value(&msg, (enum sw_hdr)pol->info_hdr)) ? 0 : -EBADMSG;
}

/* Hook of the incoming request check pass: a BYE to the client, our Via
 * (z9hG4bK-si branch) on top of the callee's, our Route popped, our info
 * header with an rspauth. */
static int
check_inbound(struct lc_arg *a, struct rte_mbuf *m)
{
	const struct sw_sa_policy *pol = a->b->eng.pol;
	struct sw_sip_msg msg;
	const struct sw_pkt_meta *pm;
	struct sw_span br;

	if (m->nb_segs != 1 || sw_net_classify(m, a->b->port[0]) != SW_NET_UDP)
		return -EPROTO;
	pm = sw_pkt_meta(m);
	if (pm->dport != 5070)
		return -EINVAL;
	if (sw_sip_parse(rte_pktmbuf_mtod_offset(m, const char *, pm->payload_off),
			 pm->payload_len, &msg) != SW_SIP_OK ||
	    msg.status != 0 || msg.count[SW_HDR_VIA] != 2 || msg.count[SW_HDR_ROUTE] != 0)
		return -EINVAL;
	if (!sw_sip_param_of(hdr_value(&msg, SW_HDR_VIA), "branch", &br) || br.len < 10 ||
	    memcmp(br.p, "z9hG4bK-si", 10) != 0)
		return -EINVAL;
	return has_rspauth(hdr_value(&msg, (enum sw_hdr)pol->info_hdr)) ? 0 : -EBADMSG;
}

static uint64_t
verdicts(const struct sw_bench_eng *b, enum sw_verdict v)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < b->n_lcores; i++)
		n += b->eng.lc[i]->st.verdict[v];
	return n;
}

/* Every lcore's verdicts and drops, summed: what a failed setup pass shows. */
struct ctrs {
	uint64_t verdict[SW_V_MAX];
	uint64_t drop[SW_DROP_MAX];
};

static void
ctrs_get(const struct sw_bench_eng *b, struct ctrs *c)
{
	unsigned int i, j;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < b->n_lcores; i++) {
		for (j = 0; j < SW_V_MAX; j++)
			c->verdict[j] += b->eng.lc[i]->st.verdict[j];
		for (j = 0; j < SW_DROP_MAX; j++)
			c->drop[j] += b->eng.lc[i]->st.drop[j];
	}
}

/* Append to @p why each verdict and drop that moved since @p c0. */
static void
ctrs_why(const struct sw_bench_eng *b, const struct ctrs *c0, char *why, size_t size)
{
	struct ctrs c1;
	size_t len = strlen(why);
	unsigned int j;

	ctrs_get(b, &c1);
	for (j = 0; j < SW_V_MAX && len < size; j++)
		if (c1.verdict[j] != c0->verdict[j])
			len += (size_t)snprintf(why + len, size - len, ", %s %" PRIu64,
						sw_verdict_name[j], c1.verdict[j] - c0->verdict[j]);
	for (j = 0; j < SW_DROP_MAX && len < size; j++)
		if (c1.drop[j] != c0->drop[j])
			len += (size_t)snprintf(why + len, size - len, ", drop %s %" PRIu64,
						sw_drop_name[j], c1.drop[j] - c0->drop[j]);
}

/*
 * The upstream's traffic, once per fixture (later calls return the first
 * outcome): one untimed request pass whose forwarded requests (the
 * engine's Via and Record-Route on them) become the responses and the
 * incoming requests, so both directions carry what the engine really wrote.
 */
static int
capture(struct sw_bench_eng *b)
{
	uint64_t s, f, rtot = 0, itot = 0;
	struct ctrs c0;
	unsigned int i;
	int rc;

	if (b->cap_rc <= 0)
		return b->cap_rc;
	b->rframes = malloc((size_t)N_TPL * STRIDE);
	b->rflen = calloc(N_TPL, sizeof(*b->rflen));
	b->iframes = malloc((size_t)N_TPL * STRIDE);
	b->iflen = calloc(N_TPL, sizeof(*b->iflen));
	if (b->rframes == NULL || b->rflen == NULL || b->iframes == NULL || b->iflen == NULL) {
		b->cap_rc = -ENOMEM;
		snprintf(b->cap_why, sizeof(b->cap_why), "upstream traffic: out of memory");
		return b->cap_rc;
	}
	ctrs_get(b, &c0);
	pass(b, DIR_REQ, answer_forwarded, &s, &f, &rc);
	if (rc != 0 || s != N_TPL || f != N_TPL) {
		b->cap_rc = rc != 0 ? rc : -EIO;
		snprintf(b->cap_why, sizeof(b->cap_why),
			 "capturing forwarded requests: sent %" PRIu64 ", forwarded %" PRIu64
			 ", answered: %s",
			 s, f, rc == 0 ? "all" : strerror(-rc));
		ctrs_why(b, &c0, b->cap_why, sizeof(b->cap_why));
		return b->cap_rc;
	}
	for (i = 0; i < N_TPL; i++) {
		rtot += b->rflen[i];
		itot += b->iflen[i];
		b->inb_missing += b->iflen[i] == 0;
	}
	b->rsp_avg_len = (unsigned int)(rtot / N_TPL);
	if (b->inb_missing < N_TPL)
		b->inb_avg_len = (unsigned int)(itot / (N_TPL - b->inb_missing));
	b->cap_rc = 0;
	return 0;
}

/*
 * A benchmark that measures drops is worse than none: after capture(), one
 * untimed pass of direction @p dir must deliver every message, each one
 * passing @p hook and counted as verdict @p v.
 * @return 0; or a negative errno and why[] saying what the counters showed.
 */
static int
check_pass(struct sw_bench_eng *b, unsigned int dir, lc_hook hook, enum sw_verdict v,
	   const char *what, char *why, size_t size)
{
	uint64_t s, f;
	struct ctrs c0;
	int rc;

	if (capture(b) != 0) {
		snprintf(why, size, "%s", b->cap_why);
		return b->cap_rc;
	}
	ctrs_get(b, &c0);
	pass(b, dir, hook, &s, &f, &rc);
	if (rc == 0 && s == N_TPL && f == N_TPL && verdicts(b, v) - c0.verdict[v] == N_TPL)
		return 0;
	snprintf(why, size, "%s: sent %" PRIu64 ", delivered %" PRIu64 ", delivered frames: %s",
		 what, s, f, rc == 0 ? "ok" : strerror(-rc));
	ctrs_why(b, &c0, why, size);
	return rc != 0 ? rc : -EIO;
}

int
sw_bench_eng_rsp_prepare(struct sw_bench_eng *b, const char **why)
{
	if (b->rsp_rc > 0)
		b->rsp_rc = check_pass(b, DIR_RSP, check_signed, SW_V_RESP_SIGNED, "responses",
				       b->rsp_why, sizeof(b->rsp_why));
	*why = b->rsp_rc == 0 ? NULL : b->rsp_why;
	return b->rsp_rc;
}

/* One timed pass toward the clients; *signed_out: the lcores' count of
 * @p v (the verdict of a message relayed signed) over the pass. */
static double
to_client_pass(struct sw_bench_eng *b, unsigned int dir, enum sw_verdict v, uint64_t *sent,
	       uint64_t *relayed, uint64_t *signed_out)
{
	uint64_t s0 = verdicts(b, v);
	double secs = pass(b, dir, NULL, sent, relayed, NULL);

	*signed_out = verdicts(b, v) - s0;
	return secs;
}

double
sw_bench_eng_rsp_pass(struct sw_bench_eng *b, uint64_t *sent, uint64_t *relayed,
		      uint64_t *signed_out)
{
	return to_client_pass(b, DIR_RSP, SW_V_RESP_SIGNED, sent, relayed, signed_out);
}

unsigned int
sw_bench_eng_rsp_len(const struct sw_bench_eng *b)
{
	return b->rsp_avg_len;
}

int
sw_bench_eng_inb_prepare(struct sw_bench_eng *b, const char **why)
{
	if (b->inb_rc > 0 && capture(b) == 0 && b->inb_missing != 0) {
		b->inb_rc = -ENOMSG;
		snprintf(b->inb_why, sizeof(b->inb_why),
			 "incoming requests: %" PRIu32 " of %u forwarded requests had no "
			 "Record-Route or Contact to route a BYE by ([upstream] record_route off?)",
			 b->inb_missing, N_TPL);
	} else if (b->inb_rc > 0) {
		b->inb_rc = check_pass(b, DIR_INB, check_inbound, SW_V_FWD_INBOUND,
				       "incoming requests", b->inb_why, sizeof(b->inb_why));
	}
	*why = b->inb_rc == 0 ? NULL : b->inb_why;
	return b->inb_rc;
}

double
sw_bench_eng_inb_pass(struct sw_bench_eng *b, uint64_t *sent, uint64_t *relayed,
		      uint64_t *signed_out)
{
	return to_client_pass(b, DIR_INB, SW_V_FWD_INBOUND, sent, relayed, signed_out);
}

unsigned int
sw_bench_eng_inb_len(const struct sw_bench_eng *b)
{
	return b->inb_avg_len;
}

double
sw_bench_eng_bytes_per_sa(const struct sw_bench_eng *b)
{
	return b->bytes_per_sa;
}

double
sw_bench_eng_cold_per_sa(const struct sw_bench_eng *b)
{
	return b->cold_per_sa;
}

unsigned int
sw_bench_eng_frame_len(const struct sw_bench_eng *b)
{
	return b->avg_len;
}

double
sw_bench_eng_batch(const struct sw_bench_eng *b)
{
	return b->batch;
}

double
sw_bench_eng_cpu(const struct sw_bench_eng *b)
{
	return b->cpu;
}

void
sw_bench_eng_free(struct sw_bench_eng *b)
{
	unsigned int i, p, q;

	if (b == NULL)
		return;
	for (i = 0; i < MAX_LC; i++)
		sw_lcore_free(b->eng.lc[i]);
	if (b->eng.lc[0] != NULL)
		sw_port_stop(&b->eng);
	sw_sa_table_free(b->eng.sat);
	sw_neigh_free(b->eng.neigh);
	sw_digest_free(b->eng.local_digest);
	rte_free(b->eng.local_pol);
	rte_ring_free(b->eng.to_cp);
	rte_mempool_free(b->eng.big);
	rte_mempool_free(b->eng.pool);
	for (p = 0; p < 2; p++)
		for (q = 0; q < MAX_LC; q++) {
			rte_ring_free(b->rx[p][q]);
			rte_ring_free(b->tx[p][q]);
		}
	free(b->sas);
	free(b->frames);
	free(b->flen);
	free(b->tpl_sa);
	free(b->rframes);
	free(b->rflen);
	free(b->iframes);
	free(b->iflen);
	free(b);
}
