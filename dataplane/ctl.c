/*
 * The control thread (main lcore): handshake legs and the responses the
 * lcores cannot sign go through sw_cp_*; its output leaves through the
 * control thread's own tx queue (or lcore 0's ring when the port has no
 * spare queue).  Also: sw_cp_tick() every 100 ms, the neighbour table,
 * SIGHUP reloads.  This thread may block, allocate and log.
 *
 * Stalls: while this thread is blocked (a keytab on a hung filesystem, a
 * GSS call waiting for a KDC) the lcores keep verifying signed traffic;
 * legs queue in to_cp and, once it is full, are dropped there
 * (cp_ring_full).  When the stall ends, what waited longer than
 * [limits] cp_max_wait is dropped unhandled (stale): its senders have
 * retransmitted, and the fresh legs behind it are answered within
 * milliseconds instead of after the whole backlog.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "ctrlplane/cp.h"
#include "dataplane/engine.h"

#define RTE_LOGTYPE_SW_CTL RTE_LOGTYPE_USER1
#define CTL_BURST 32u

/* Per-output log lines depend on what senders claim to be (a spoofed source
 * off every subnet): at most 10 a second, then a count of the rest. */
static bool
ctl_log_ok(void)
{
	static struct sw_logrl rl = SW_LOGRL_INIT(10, 1000);
	uint64_t missed;
	bool ok = sw_logrl_allow(&rl, rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000), &missed);

	if (missed != 0)
		RTE_LOG(NOTICE, SW_CTL, "control-plane output: %lu log lines suppressed\n",
			(unsigned long)missed);
	return ok;
}

static void
ctl_send(struct sw_engine *eng, struct rte_mbuf **fr, int n, uint16_t ifidx)
{
	const struct sw_eng_if *ifc = &eng->ifs[ifidx];
	int sent = 0, i;

	if (ifc->ctl_txq != SW_NO_PORT)
		sent = rte_eth_tx_burst(ifc->port, ifc->ctl_txq, fr, (uint16_t)n);
	else
		sent = (int)rte_ring_enqueue_burst(eng->lc[0]->ctl_tx, (void **)fr,
						   (unsigned int)n, NULL);
	sw_ctr_add(&eng->cps.tx, (uint64_t)sent);
	for (i = sent; i < n; i++) {
		sw_ctr_add(&eng->cps.tx_drop, 1);
		rte_pktmbuf_free(fr[i]);
	}
}

/* Send one datagram the control plane produced. */
static void
ctl_output(struct sw_engine *eng, const struct sw_cp_out *o, const struct sw_pkt_meta *in)
{
	struct rte_mbuf *m, *fr[48];
	struct rte_ether_addr mac;
	const struct sw_addr *dst;
	struct sw_addr nh;
	uint16_t ifidx, dport;
	char *p;
	int n;

	m = rte_pktmbuf_alloc(o->len + SW_NET_HDR_MAX <= RTE_MBUF_DEFAULT_DATAROOM ? eng->pool
										   : eng->big);
	if (m == NULL || (p = rte_pktmbuf_append(m, o->len)) == NULL) {
		rte_pktmbuf_free(m);
		sw_ctr_add(&eng->cps.tx_drop, 1);
		return;
	}
	memcpy(p, o->buf, o->len);
	if (o->dst == SW_CP_DST_UPSTREAM) {
		ifidx = eng->up_if;
		nh = eng->up_nh;
		dst = &eng->cfg->upstream;
		dport = eng->cfg->upstream_port;
	} else {
		dst = &o->to.addr;
		dport = o->to.port;
		if (in != NULL && sw_addr_eq(dst, &in->src)) {
			/* Back to the sender: same link, its own MAC. */
			n = sw_eng_frame(eng, m, in->in_port, &in->src_mac, dst, dport, in, fr,
					 RTE_DIM(fr));
			if (n > 0)
				ctl_send(eng, fr, n, in->in_port);
			else
				sw_ctr_add(&eng->cps.tx_drop, 1);
			return;
		}
		if (sw_eng_route(eng, dst, false, &ifidx, &nh) != 0) {
			char a[64];

			if (ctl_log_ok())
				RTE_LOG(WARNING, SW_CTL, "control-plane output: no route to %s\n",
					sw_addr_str(dst, a, sizeof(a)));
			rte_pktmbuf_free(m);
			sw_ctr_add(&eng->cps.tx_drop, 1);
			return;
		}
	}
	if (!sw_neigh_lookup(eng->neigh, &nh, &mac)) {
		char a[64];

		if (ctl_log_ok())
			RTE_LOG(INFO, SW_CTL, "control-plane output: %s unresolved, resolving\n",
				sw_addr_str(&nh, a, sizeof(a)));
		sw_neigh_request(eng->neigh, &nh, eng->ifs[ifidx].port);
		rte_pktmbuf_free(m);
		sw_ctr_add(&eng->cps.tx_drop, 1);
		return;
	}
	n = sw_eng_frame(eng, m, ifidx, &mac, dst, dport, NULL, fr, RTE_DIM(fr));
	if (n > 0)
		ctl_send(eng, fr, n, ifidx);
	else
		sw_ctr_add(&eng->cps.tx_drop, 1);
}

static void
ctl_handle(struct sw_engine *eng, struct rte_mbuf *m, uint64_t now_ms)
{
	struct sw_pkt_meta *pm = sw_pkt_meta(m);
	struct sw_pkt_meta in = *pm;
	const char *buf;
	int n, i;

	sw_ctr_add(&eng->cps.rx, 1);
	/* A fresh clock, not the loop's: the message before this one may have
	 * blocked us (a keytab on a hung filesystem, a slow KDC), and the rest
	 * of that burst is as stale as the ring behind it. */
	if (sw_rl_too_old(pm->cp_ms, sw_eng_now_ms(eng, rte_rdtsc()), eng->cfg->cp_max_wait_ms)) {
		sw_ctr_add(&eng->cps.stale, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (pm->payload_len > SW_LIN_SIZE) {
		sw_ctr_add(&eng->cps.parse_err, 1);
		rte_pktmbuf_free(m);
		return;
	}
	buf = rte_pktmbuf_read(m, pm->payload_off, pm->payload_len, eng->ctl_buf);
	if (buf == NULL || sw_sip_parse(buf, pm->payload_len, eng->ctl_msg) != SW_SIP_OK) {
		sw_ctr_add(&eng->cps.parse_err, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (eng->ctl_msg->status == 0) {
		struct sw_peer from;

		memset(&from, 0, sizeof(from));
		from.addr = pm->src;
		from.port = pm->sport;
		sw_ctr_add(&eng->cps.requests, 1);
		n = sw_cp_handle_request(eng->cp, buf, pm->payload_len, eng->ctl_msg, &from, now_ms,
					 eng->ctl_out);
	} else {
		sw_ctr_add(&eng->cps.responses, 1);
		n = sw_cp_handle_response(eng->cp, buf, pm->payload_len, eng->ctl_msg, now_ms,
					  eng->ctl_out);
	}
	rte_pktmbuf_free(m);
	if (n < 0) {
		sw_ctr_add(&eng->cps.errors, 1);
		return;
	}
	if (n == 0)
		sw_ctr_add(&eng->cps.dropped, 1);
	for (i = 0; i < n && i < (int)SW_CP_OUTS_MAX; i++) {
		sw_ctr_add(&eng->cps.out, 1);
		ctl_output(eng, &eng->ctl_out[i], &in);
	}
}

void
sw_ctl_loop(struct sw_engine *eng)
{
	struct rte_mbuf *m[CTL_BURST];
	unsigned int idle = 0;

	while (!__atomic_load_n(&eng->quit, __ATOMIC_RELAXED)) {
		uint64_t now_ms = sw_eng_now_ms(eng, rte_rdtsc());
		unsigned int n = 0, i;

		if (eng->cp != NULL) {
			n = rte_ring_dequeue_burst(eng->to_cp, (void **)m, CTL_BURST, NULL);
			for (i = 0; i < n; i++)
				ctl_handle(eng, m[i], now_ms);
			if (now_ms - eng->cp_tick_ms >= 100) {
				sw_cp_tick(eng->cp, now_ms);
				eng->cp_tick_ms = now_ms;
			}
			if (now_ms - eng->rate_ms >= 1000) {
				uint64_t s[SW_CP_STAT_MAX], sa, leg;

				sw_cp_stats(eng->cp, s);
				sa = s[SW_CP_STAT_KRB_OK] + s[SW_CP_STAT_NTLM_OK];
				leg = eng->cps.rx;
				__atomic_store_n(&eng->sa_per_s, sa - eng->rate_sa_prev,
						 __ATOMIC_RELAXED);
				__atomic_store_n(&eng->legs_per_s, leg - eng->rate_leg_prev,
						 __ATOMIC_RELAXED);
				eng->rate_sa_prev = sa;
				eng->rate_leg_prev = leg;
				eng->rate_ms = now_ms;
			}
			if (__atomic_exchange_n(&eng->reload, 0, __ATOMIC_RELAXED) != 0) {
				int ret = sw_cp_reload(eng->cp);

				RTE_LOG(NOTICE, SW_CTL, "SIGHUP: reload %s (%d)\n",
					ret == 0 ? "done" : "failed", ret);
			}
		} else if (__atomic_exchange_n(&eng->reload, 0, __ATOMIC_RELAXED) != 0) {
			RTE_LOG(NOTICE, SW_CTL, "SIGHUP: no control plane to reload\n");
		}
		sw_neigh_poll(eng->neigh);
		if (n != 0) {
			idle = 0;
			continue;
		}
		/* The control thread is allowed to sleep; stay responsive. */
		idle = idle < 10 ? idle + 1 : idle;
		usleep(idle < 10 ? 50 : 1000);
	}
}
