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
	/* Response direction (sw_bench_eng_rsp_prepare): one 200 OK per request
	 * template, in the same slots, so lcore q answers its own SAs. */
	uint8_t *rframes;
	uint16_t *rflen;
	unsigned int rsp_avg_len;
	int rsp_rc; /* 0 ready, 1 not built yet, < 0 failed (rsp_why says how) */
	char rsp_why[512];
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

/* Directions of a pass: which port is fed and which one counted. */
enum { DIR_REQ, DIR_RSP };

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
	b->rsp_rc = 1;
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
 * requests, signatures of responses. */
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
 * counted) or responses (the reverse), each lcore its own share.  @p hook
 * (setup only) sees every counted frame (so as many as *fwd); its first
 * error goes to *hook_rc.
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
			.frames = dir == DIR_REQ ? b->frames : b->rframes,
			.flen = dir == DIR_REQ ? b->flen : b->rflen,
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

/*
 * Hook of the capture pass: the request the engine forwarded upstream (our
 * Via on top) answered as the upstream UAS would, RFC 3261 §8.2.6: 200 OK
 * with every Via in order, From, To (a tag added), Call-ID, CSeq, no body;
 * sent back from where the request went to where it came from (rport).
 */
static int
make_response(struct lc_arg *a, struct rte_mbuf *m)
{
	struct sw_bench_eng *b = a->b;
	uint32_t slot = a->first + a->hooked;
	struct sw_sip_msg msg; /* ~4 KB: the lcore thread's stack (setup only) */
	char text[STRIDE];
	const struct sw_pkt_meta *pm;
	struct rte_mbuf *r;
	struct sw_net_dst d;
	struct sw_span to;
	struct sw_wbuf w;
	uint8_t h;

	if (a->hooked >= a->count)
		return -ENOSPC;
	if (m->nb_segs != 1 || sw_net_classify(m, b->port[1]) != SW_NET_UDP)
		return -EPROTO;
	pm = sw_pkt_meta(m);
	if (sw_sip_parse(rte_pktmbuf_mtod_offset(m, const char *, pm->payload_off),
			 pm->payload_len, &msg) != SW_SIP_OK || msg.status != 0)
		return -EINVAL;
	sw_wbuf_init(&w, text, sizeof(text));
	sw_wbuf_puts(&w, "SIP/2.0 200 OK\r\n");
	for (h = msg.first[SW_HDR_VIA]; h != SW_HDR_NONE; h = msg.hdr[h].next)
		put_hdr(&w, "Via", msg.hdr[h].value);
	put_hdr(&w, "From", hdr_value(&msg, SW_HDR_FROM));
	to = hdr_value(&msg, SW_HDR_TO);
	sw_wbuf_puts(&w, "To: ");
	sw_wbuf_put(&w, to.p, to.len);
	if (msg.to_tag.len == 0) {
		sw_wbuf_puts(&w, ";tag=uas");
		sw_wbuf_put_u64(&w, slot);
	}
	sw_wbuf_put(&w, "\r\n", 2);
	put_hdr(&w, "Call-ID", hdr_value(&msg, SW_HDR_CALL_ID));
	put_hdr(&w, "CSeq", hdr_value(&msg, SW_HDR_CSEQ));
	sw_wbuf_puts(&w, "Content-Length: 0\r\n\r\n");
	if (!sw_wbuf_ok(&w))
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
	memcpy(rte_pktmbuf_append(r, (uint16_t)w.len), text, w.len);
	if (sw_net_push_headers(r, &d) != 0 || rte_pktmbuf_pkt_len(r) > STRIDE) {
		rte_pktmbuf_free(r);
		return -EMSGSIZE;
	}
	memcpy(b->rframes + (size_t)slot * STRIDE, rte_pktmbuf_mtod(r, void *),
	       rte_pktmbuf_pkt_len(r));
	b->rflen[slot] = (uint16_t)rte_pktmbuf_pkt_len(r);
	rte_pktmbuf_free(r);
	return 0;
}

/* Hook of the check pass: a 200 to the client (its own Via only, ours
 * popped) carrying our info header with an rspauth. */
static int
check_signed(struct lc_arg *a, struct rte_mbuf *m)
{
	const struct sw_sa_policy *pol = a->b->eng.pol;
	struct sw_sip_msg msg;
	const struct sw_pkt_meta *pm;
	struct sw_span v;
	uint16_t i;

	if (m->nb_segs != 1 || sw_net_classify(m, a->b->port[0]) != SW_NET_UDP)
		return -EPROTO;
	pm = sw_pkt_meta(m);
	if (pm->dport != 5070)
		return -EINVAL;
	if (sw_sip_parse(rte_pktmbuf_mtod_offset(m, const char *, pm->payload_off),
			 pm->payload_len, &msg) != SW_SIP_OK ||
	    msg.status != 200 || msg.count[SW_HDR_VIA] != 1)
		return -EINVAL;
	v = hdr_value(&msg, (enum sw_hdr)pol->info_hdr);
	for (i = 0; i + 9 <= v.len; i++)
		if (memcmp(v.p + i, "rspauth=\"", 9) == 0)
			return 0;
	return -EBADMSG;
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

int
sw_bench_eng_rsp_prepare(struct sw_bench_eng *b, const char **why)
{
	uint64_t drop0[SW_DROP_MAX] = { 0 }, s, f, tot = 0, signed0, plain0;
	unsigned int i, d;
	size_t len;
	int rc;

	if (b->rsp_rc <= 0)
		goto out;
	b->rframes = malloc((size_t)N_TPL * STRIDE);
	b->rflen = calloc(N_TPL, sizeof(*b->rflen));
	if (b->rframes == NULL || b->rflen == NULL) {
		b->rsp_rc = -ENOMEM;
		snprintf(b->rsp_why, sizeof(b->rsp_why), "response traffic: out of memory");
		goto out;
	}
	/* The engine's own forwarded requests are what the upstream answers:
	 * our Via (SA opaque, client address) is written by the engine. */
	pass(b, DIR_REQ, make_response, &s, &f, &rc);
	if (rc != 0 || s != N_TPL || f != N_TPL) {
		b->rsp_rc = rc != 0 ? rc : -EIO;
		snprintf(b->rsp_why, sizeof(b->rsp_why),
			 "capturing forwarded requests: sent %" PRIu64 ", forwarded %" PRIu64
			 ", turned into responses: %s",
			 s, f, rc == 0 ? "all" : strerror(-rc));
		goto out;
	}
	for (i = 0; i < N_TPL; i++)
		tot += b->rflen[i];
	b->rsp_avg_len = (unsigned int)(tot / N_TPL);

	/* A benchmark that measures drops is worse than none: one untimed pass
	 * must relay every response to its client, signed. */
	for (i = 0; i < b->n_lcores; i++)
		for (d = 0; d < SW_DROP_MAX; d++)
			drop0[d] += b->eng.lc[i]->st.drop[d];
	signed0 = verdicts(b, SW_V_RESP_SIGNED);
	plain0 = verdicts(b, SW_V_RESP_PLAIN);
	pass(b, DIR_RSP, check_signed, &s, &f, &rc);
	if (rc == 0 && s == N_TPL && f == N_TPL &&
	    verdicts(b, SW_V_RESP_SIGNED) - signed0 == N_TPL) {
		b->rsp_rc = 0;
		goto out;
	}
	b->rsp_rc = rc != 0 ? rc : -EIO;
	len = (size_t)snprintf(b->rsp_why, sizeof(b->rsp_why),
			       "responses: sent %" PRIu64 ", relayed %" PRIu64
			       ", resp_signed %" PRIu64 ", resp_plain %" PRIu64
			       ", relayed frames checked: %s",
			       s, f, verdicts(b, SW_V_RESP_SIGNED) - signed0,
			       verdicts(b, SW_V_RESP_PLAIN) - plain0,
			       rc == 0 ? "ok" : strerror(-rc));
	for (d = 0; d < SW_DROP_MAX && len < sizeof(b->rsp_why); d++) {
		uint64_t n = 0;

		for (i = 0; i < b->n_lcores; i++)
			n += b->eng.lc[i]->st.drop[d];
		if (n != drop0[d])
			len += (size_t)snprintf(b->rsp_why + len, sizeof(b->rsp_why) - len,
						", drop %s %" PRIu64, sw_drop_name[d],
						n - drop0[d]);
	}
out:
	*why = b->rsp_rc == 0 ? NULL : b->rsp_why;
	return b->rsp_rc;
}

double
sw_bench_eng_rsp_pass(struct sw_bench_eng *b, uint64_t *sent, uint64_t *relayed,
		      uint64_t *signed_out)
{
	uint64_t s0 = verdicts(b, SW_V_RESP_SIGNED);
	double secs = pass(b, DIR_RSP, NULL, sent, relayed, NULL);

	*signed_out = verdicts(b, SW_V_RESP_SIGNED) - s0;
	return secs;
}

unsigned int
sw_bench_eng_rsp_len(const struct sw_bench_eng *b)
{
	return b->rsp_avg_len;
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
	free(b);
}
