/*
 * The polling lcore (DESIGN.md "Data flow on a polling lcore"; STYLE.md 8-10,
 * E3): rx, classify, parse, dispatch; one sw_mac_verify_burst() for
 * everything pending (accumulated across rx bursts until SW_PEND_MAX or a
 * short TSC deadline); commit with re-check; tx.  What goes from upstream to
 * clients with an SA (responses, requests routed by our Path) waits to the
 * end of its rx burst for one sw_mac_compute_burst() of all its signatures.
 * No malloc, lock, syscall or log between launch and quit, except the
 * adaptive sleep of an idle lcore.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "crypto/wbuf.h"
#include "dataplane/engine.h"
#include "dataplane/fwd.h"

int
sw_lcore_create(struct sw_engine *eng, unsigned int idx, unsigned int lcore_id,
		struct sw_lcore **out)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct sw_lcore *lc;
	char name[RTE_RING_NAMESIZE];
	uint64_t frag_cycles = eng->tsc_hz * 2; /* a datagram's fragments within 2 s */
	int ret;

	*out = NULL;
	lc = rte_zmalloc_socket("sw_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, socket);
	if (lc == NULL)
		return -ENOMEM;
	lc->idx = idx;
	lc->lcore_id = lcore_id;
	lc->eng = eng;
	lc->loop_seed = sw_eng_loop_seed(eng->cfg->targetname);
	lc->txq = (uint16_t)idx;
	for (unsigned int i = 0; i < SW_MSG_SLOTS; i++)
		lc->msg_free[i] = (uint8_t)i;
	lc->n_msg_free = SW_MSG_SLOTS;
	ret = sw_mac_engine_create(SW_MAC_IMPL_MB, &lc->mac);
	if (ret != 0)
		ret = sw_mac_engine_create(SW_MAC_IMPL_REF, &lc->mac);
	if (ret != 0)
		goto fail;
	ret = sw_sa_rng_seed(&lc->rng);
	if (ret != 0)
		goto fail;
	sw_rl_init(&lc->rl, eng->cfg->challenge_rate, eng->cfg->challenge_burst,
		   (uint64_t)sw_sa_rng_next(&lc->rng) << 32 | sw_sa_rng_next(&lc->rng));
	sw_rl_init(&lc->hs_rl, eng->cfg->handshake_rate, eng->cfg->handshake_burst,
		   (uint64_t)sw_sa_rng_next(&lc->rng) << 32 | sw_sa_rng_next(&lc->rng));
	lc->frag = rte_ip_frag_table_create(eng->cfg->reassembly / 4, 4, eng->cfg->reassembly,
					    frag_cycles, socket);
	if (lc->frag == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	static unsigned int gen; /* ring names are process-wide: several engines (tests, bench) */

	gen++;
	snprintf(name, sizeof(name), "sw_dist_%u_%u", idx, gen);
	lc->dist = rte_ring_create(name, 1024, socket, RING_F_SC_DEQ);
	if (lc->dist == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (idx == 0) {
		snprintf(name, sizeof(name), "sw_ctl_tx_%u", gen);
		lc->ctl_tx = rte_ring_create(name, 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (lc->ctl_tx == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	*out = lc;
	return 0;
fail:
	sw_lcore_free(lc);
	return ret;
}

void
sw_lcore_free(struct sw_lcore *lc)
{
	struct rte_mbuf *m;

	if (lc == NULL)
		return;
	if (lc->dist != NULL) {
		while (rte_ring_dequeue(lc->dist, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->dist);
	}
	if (lc->ctl_tx != NULL) {
		while (rte_ring_dequeue(lc->ctl_tx, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->ctl_tx);
	}
	if (lc->frag != NULL) {
		rte_ip_frag_table_destroy(lc->frag);
		rte_ip_frag_free_death_row(&lc->dr, 0);
	}
	sw_mac_engine_free(lc->mac);
	rte_free(lc);
}

static inline void
drop(struct sw_lcore *lc, struct rte_mbuf *m, enum sw_drop why)
{
	sw_ctr_add(&lc->st.drop[why], 1);
	rte_pktmbuf_free(m);
}

void
sw_lcore_txq(struct sw_lcore *lc, uint16_t port, struct rte_mbuf **m, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (lc->ntx[port] == SW_TXB_MAX) {
			uint16_t sent = rte_eth_tx_burst(port, lc->txq, lc->txb[port], SW_TXB_MAX);

			sw_ctr_add(&lc->st.tx, sent);
			for (; sent < SW_TXB_MAX; sent++)
				drop(lc, lc->txb[port][sent], SW_DROP_TX_FULL);
			lc->ntx[port] = 0;
		}
		lc->txb[port][lc->ntx[port]++] = m[i];
	}
}

static void
tx_flush(struct sw_lcore *lc)
{
	uint16_t p, sent, n;

	for (p = 0; p < RTE_DIM(lc->ntx); p++) {
		n = lc->ntx[p];
		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(p, lc->txq, lc->txb[p], n);
		sw_ctr_add(&lc->st.tx, sent);
		for (; sent < n; sent++)
			drop(lc, lc->txb[p][sent], SW_DROP_TX_FULL);
		lc->ntx[p] = 0;
	}
}

static void
lin_release(struct sw_lcore *lc, uint8_t slot)
{
	if (slot != UINT8_MAX)
		lc->lin_used &= (uint16_t)~(1u << slot);
}

/* Parsed-message slots: at most SW_PEND_MAX pending + SW_RX_BURST staged +
 * the one being handled are taken at any time, so the stack never runs dry. */
static inline uint8_t
msg_get(struct sw_lcore *lc)
{
	return lc->msg_free[--lc->n_msg_free];
}

static inline void
msg_put(struct sw_lcore *lc, uint8_t mi)
{
	lc->msg_free[lc->n_msg_free++] = mi;
}

/* Stage 2 and 3: one multi-buffer verification for everything pending, then
 * commit (re-check, STYLE.md 10) and forward / answer. */
static void
verify_commit(struct sw_lcore *lc)
{
	struct sw_engine *eng = lc->eng;
	uint16_t i, n = lc->n_pend;
	int good;

	if (n == 0)
		return;
	good = sw_mac_verify_burst(lc->mac, lc->job, n, lc->ok);
	if (unlikely(good < 0))
		memset(lc->ok, 0, n); /* fail closed */
	sw_ctr_add(&lc->st.verify_bursts, 1);
	sw_ctr_add(&lc->st.verify_jobs, n);

	for (i = 0; i < n; i++) {
		struct sw_pend *p = &lc->pend[i];
		struct sw_sip_msg *msg = &lc->msg[p->msg];
		enum sw_sa_rc rc;

		if (i + 1 < n)
			rte_prefetch0(lc->pend[i + 1].sa->retx); /* written at commit */
		/* rc4-hmac: the direction bytes, once the tag matched (sig.h). */
		if (lc->ok[i] != 0 &&
		    unlikely(sw_sig_ckey_job_post_check(sw_sa_c2s(p->sa), &lc->job[i]) != 0))
			lc->ok[i] = 0;
		if (lc->ok[i] == 0) {
			sw_ctr_add(&lc->st.bad_sig, 1);
			sw_ctr_add(&lc->st.sa_rc[SW_SA_BAD_SIG], 1);
			sw_fwd_rechallenge(lc, p->m, msg, p->buf, p->ack_cancel, SW_V_RECHALLENGE);
			goto next;
		}
		sw_ctr_add(&lc->st.verified, 1);
		rc = sw_sa_req_commit(eng->pol, p->sa, msg, p->buf, p->len, p->cnum, lc->now_ms);
		sw_ctr_add(&lc->st.sa_rc[rc], 1);
		switch (rc) {
		case SW_SA_OK:
			sw_sa_note_request(p->sa, msg);
			sw_fwd_request(lc, p->m, msg, p->buf, p->len, p->sa, SW_V_FWD_SIGNED);
			break;
		case SW_SA_RETX:
			sw_fwd_request(lc, p->m, msg, p->buf, p->len, p->sa, SW_V_FWD_RETX);
			break;
		/* The request verified: our answer is signed like any message
		 * to this client (PROTOCOL.md §1.4). */
		case SW_SA_IDENTITY:
			sw_fwd_error_sa(lc, p->m, msg, p->buf, 403, SW_V_FORBIDDEN, p->sa);
			break;
		case SW_SA_CSEQ:
			sw_fwd_error_sa(lc, p->m, msg, p->buf, 400, SW_V_BAD_REQUEST, p->sa);
			break;
		default: /* SW_SA_REPLAY: the same cnum twice in one batch */
			sw_fwd_rechallenge(lc, p->m, msg, p->buf, p->ack_cancel, SW_V_REPLAY);
			break;
		}
next:
		lin_release(lc, p->lin);
		msg_put(lc, p->msg);
		rte_pktmbuf_free(p->m);
	}
	lc->n_pend = 0;
}

static void stage_flush(struct sw_lcore *lc);
static void out_flush(struct sw_lcore *lc);

/*
 * The SAs of @p n opaques in one bulk lookup (bucket and key-slot misses
 * overlap), then every record's hot bytes prefetched before any is used
 * (checks, replay window, the compact keys, the user name): with 224-byte
 * records that is three or four lines, hence the last byte too.
 */
static void
lookup_prefetch(struct sw_lcore *lc, const uint64_t **keys, unsigned int n, struct sw_sa_rt **sa)
{
	unsigned int k;

	sw_eng_sa_lookup_bulk(lc->eng, keys, n, sa);
	for (k = 0; k < n; k++) {
		const uint8_t *r = (const uint8_t *)sa[k];

		if (r == NULL)
			continue;
		rte_prefetch0(r);
		rte_prefetch0(r + RTE_CACHE_LINE_SIZE);
		rte_prefetch0(r + 2 * RTE_CACHE_LINE_SIZE);
		rte_prefetch0(r + 3 * RTE_CACHE_LINE_SIZE - 1);
	}
}

/* Copy a multi-segment datagram's UDP payload into a free lin slot. */
static const char *
linearise(struct sw_lcore *lc, struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *slot)
{
	unsigned int s;

	if (lc->lin_used == (1u << SW_LIN_SLOTS) - 1) {
		/* Frees every slot held by staged and pending packets. */
		stage_flush(lc);
		verify_commit(lc);
	}
	for (s = 0; s < SW_LIN_SLOTS; s++)
		if ((lc->lin_used & (1u << s)) == 0)
			break;
	if (s == SW_LIN_SLOTS || len > SW_LIN_SIZE)
		return NULL;
	if (rte_pktmbuf_read(m, off, len, lc->lin[s]) != lc->lin[s]) {
		/* rte_pktmbuf_read returned a pointer into a single segment */
		memcpy(lc->lin[s], rte_pktmbuf_mtod_offset(m, const void *, off), len);
	}
	lc->lin_used |= (uint16_t)(1u << s);
	*slot = (uint8_t)s;
	return (const char *)lc->lin[s];
}

/* Is this UDP datagram addressed to one of our SIP listeners? */
static inline bool
is_ours(const struct sw_engine *eng, const struct sw_pkt_meta *pm)
{
	const struct sw_eng_if *ifc = &eng->ifs[pm->in_port < SW_CFG_PORTS_MAX ? pm->in_port : 0];

	return ifc->present && pm->dport == ifc->cfg->sip_port && sw_addr_eq(&pm->dst, &ifc->own);
}

/* The exception path for a frame that is not ours. */
static void
exception(struct sw_lcore *lc, struct rte_mbuf *m, uint16_t in_port)
{
	const struct sw_eng_if *ifc = &lc->eng->ifs[in_port];

	if (ifc->tap_port != SW_NO_PORT) {
		sw_ctr_add(&lc->st.verdict[SW_V_EXCEPTION], 1);
		sw_lcore_txq(lc, ifc->tap_port, &m, 1);
		return;
	}
	drop(lc, m, SW_DROP_NOT_SIP);
}

/*
 * Stage 1a for one SIP datagram (buf, len) in mbuf m: parse, classify, select
 * the credentials; a signed request is staged for the burst's bulk SA lookup
 * (stage_flush()), everything else is answered here.
 */
static void
dispatch(struct sw_lcore *lc, struct rte_mbuf *m, const char *buf, uint32_t len, uint8_t lin)
{
	struct sw_engine *eng = lc->eng;
	const struct sw_sa_policy *pol = eng->pol;
	struct sw_pkt_meta *pm = sw_pkt_meta(m);
	uint8_t mi = msg_get(lc);
	struct sw_sip_msg *msg = &lc->msg[mi];
	struct sw_auth *cred = &lc->cred[lc->n_stage];
	enum sw_sip_rc prc;
	enum sw_auth_rc arc;
	uint64_t opaque;
	uint32_t off;
	bool ack_cancel;

	sw_ctr_add(&lc->st.rx_sip, 1);
	prc = sw_sip_parse(buf, len, msg);
	if (prc != SW_SIP_OK) {
		lin_release(lc, lin);
		msg_put(lc, mi);
		drop(lc, m, prc == SW_SIP_ECSEQ_METHOD ? SW_DROP_CSEQ_METHOD : SW_DROP_MALFORMED);
		return;
	}

	/* One rx burst keeps at most SW_RX_BURST messages in out[]
	 * (stage_flush() ends each); this only guards the invariant. */
	if (unlikely(lc->n_out == SW_RX_BURST))
		out_flush(lc);
	if (msg->status != 0) {
		if (sw_fwd_response_begin(lc, msg, buf, len, &lc->out[lc->n_out]) == SW_FWD_STAGE)
			goto out_stage;
		goto done;
	}

	/*
	 * A request from upstream for a client (README "Incoming requests"):
	 * its top Route is our Path URI.  On a 'both' port only the configured
	 * upstream may take this path, so a client cannot use a token it saw
	 * to have us sign requests toward another client.
	 */
	{
		uint8_t role = eng->ifs[pm->in_port].cfg->role;

		if (role == SW_ROLE_UPSTREAM ||
		    (role == SW_ROLE_BOTH && sw_addr_eq(&pm->src, &eng->cfg->upstream))) {
			switch (sw_fwd_inbound_begin(lc, m, msg, buf, len, &lc->out[lc->n_out])) {
			case SW_FWD_STAGE:
				goto out_stage;
			case SW_FWD_NOT_OURS:
				break;
			default:
				goto done;
			}
		}
		if (role == SW_ROLE_UPSTREAM) {
			lin_release(lc, lin);
			msg_put(lc, mi);
			drop(lc, m, SW_DROP_REQ_FROM_UPSTREAM);
			return;
		}
	}

	/* Warm the kernel's neighbour entry for the client now: the response
	 * from upstream comes back through the table (DESIGN.md: no ARP of ours). */
	{
		struct rte_ether_addr mac;

		/* Ask once per address and second, not once per packet. */
		if (!sw_neigh_lookup(eng->neigh, &pm->src, &mac) &&
		    (!sw_addr_eq(&lc->neigh_asked, &pm->src) ||
		     lc->now_ms - lc->neigh_asked_ms > 1000)) {
			sw_neigh_request(eng->neigh, &pm->src, pm->in_port);
			lc->neigh_asked = pm->src;
			lc->neigh_asked_ms = lc->now_ms;
		}
	}
	/* Lengths first: the usual INVITE or REGISTER is neither. */
	ack_cancel = (msg->method.len == 3 && sw_span_ieq(msg->method, "ACK")) ||
		     (msg->method.len == 6 && sw_span_ieq(msg->method, "CANCEL"));
	arc = sw_auth_select(msg, (enum sw_hdr)pol->cred_hdr, pol->realm, pol->targets,
			     pol->n_targets, cred, &off);
	if (arc == SW_AUTH_EABSENT) {
		if (!sw_config_requires(eng->cfg, msg->method.p, msg->method.len))
			sw_fwd_request(lc, m, msg, buf, len, NULL, SW_V_FWD_UNAUTH);
		else if (ack_cancel)
			sw_ctr_add(&lc->st.drop[SW_DROP_ACK_CANCEL], 1);
		else
			sw_fwd_challenge(lc, m, msg, buf, SW_V_CHALLENGE);
		goto done;
	}
	if (arc != SW_AUTH_OK) {
		/* One outcome per packet (issue 7: counters account for every
		 * packet): the 400 is the bad_request verdict; an ACK/CANCEL gets
		 * no answer and is this drop. */
		if (ack_cancel)
			sw_ctr_add(&lc->st.drop[SW_DROP_AUTH_SYNTAX], 1);
		else
			sw_fwd_error(lc, m, msg, buf, 400, SW_V_BAD_REQUEST);
		goto done;
	}
	if (sw_auth_has(cred, SW_AUTH_P_GSSAPI_DATA)) {
		lin_release(lc, lin);
		msg_put(lc, mi);
		sw_fwd_handshake(lc, m);
		return;
	}
	if (!sw_auth_has(cred, SW_AUTH_P_OPAQUE) ||
	    !sw_sa_opaque_parse(sw_auth_get(cred, SW_AUTH_P_OPAQUE), &opaque)) {
		sw_ctr_add(&lc->st.sa_rc[SW_SA_NO_SA], 1);
		sw_fwd_rechallenge(lc, m, msg, buf, ack_cancel, SW_V_RECHALLENGE);
		goto done;
	}
	lc->stage[lc->n_stage++] = (struct sw_stage){
		.m = m, .buf = buf, .len = len, .lin = lin, .ack_cancel = ack_cancel,
		.msg = mi, .opaque = opaque,
	};
	return;
out_stage:
	lc->out[lc->n_out].m = m;
	lc->out[lc->n_out].lin = lin;
	lc->out[lc->n_out].msg = mi;
	lc->n_out++;
	return;
done:
	lin_release(lc, lin);
	msg_put(lc, mi);
	rte_pktmbuf_free(m);
}

/* Stage 1c for staged request @p k whose SA lookup gave @p sa: checks,
 * replay pre-check, signed buffer and MAC job. */
static void
stage_one(struct sw_lcore *lc, unsigned int k, struct sw_sa_rt *sa)
{
	struct sw_engine *eng = lc->eng;
	const struct sw_sa_policy *pol = eng->pol;
	const struct sw_stage *st = &lc->stage[k];
	struct sw_sip_msg *msg = &lc->msg[st->msg];
	const struct sw_auth *cred = &lc->cred[k];
	struct rte_mbuf *m = st->m;
	uint16_t slot = lc->n_pend;
	uint32_t cnum, crand;
	enum sw_sa_rc rc;

	if (sa == NULL) {
		sw_ctr_add(&lc->st.sa_rc[SW_SA_NO_SA], 1);
		sw_fwd_rechallenge(lc, m, msg, st->buf, st->ack_cancel, SW_V_RECHALLENGE);
		goto done;
	}
	rc = sw_sa_check_cred(pol, sa, cred, lc->now_ms, &cnum, &crand);
	if (rc != SW_SA_OK) {
		sw_ctr_add(&lc->st.sa_rc[rc], 1);
		sw_fwd_rechallenge(lc, m, msg, st->buf, st->ack_cancel, SW_V_RECHALLENGE);
		goto done;
	}
	if (sw_sa_cnum_check(sa, cnum) != SW_SA_CNUM_NEW) {
		rc = sw_sa_replay_verdict(pol, sa, st->buf, st->len, lc->now_ms);
		sw_ctr_add(&lc->st.sa_rc[rc], 1);
		if (rc == SW_SA_RETX)
			sw_fwd_request(lc, m, msg, st->buf, st->len, sa, SW_V_FWD_RETX);
		else
			sw_fwd_rechallenge(lc, m, msg, st->buf, st->ack_cancel, SW_V_REPLAY);
		goto done;
	}
	rc = sw_sa_req_prep(sa, msg, cred, lc->slot[slot], lc->tag[slot], &lc->job[slot]);
	if (rc == SW_SA_TOO_BIG) {
		/* The control plane verifies it with the scalar path. */
		lin_release(lc, st->lin);
		msg_put(lc, st->msg);
		/* Not a drop: the packet's outcome is to_cp (or a cp drop). */
		sw_ctr_add(&lc->st.sa_rc[SW_SA_TOO_BIG], 1);
		sw_fwd_to_cp(lc, m);
		return;
	}
	if (rc != SW_SA_OK) {
		sw_ctr_add(&lc->st.sa_rc[rc], 1);
		sw_fwd_rechallenge(lc, m, msg, st->buf, st->ack_cancel, SW_V_RECHALLENGE);
		goto done;
	}
	lc->pend[slot] = (struct sw_pend){
		.m = m, .buf = st->buf, .len = st->len, .lin = st->lin,
		.ack_cancel = st->ack_cancel, .cnum = cnum, .msg = st->msg, .sa = sa,
	};
	if (slot == 0)
		lc->pend_deadline = rte_rdtsc() + eng->drain_tsc;
	lc->n_pend++;
	return;
done:
	lin_release(lc, st->lin);
	msg_put(lc, st->msg);
	rte_pktmbuf_free(m);
}

/*
 * The messages to clients dispatch() kept (responses from upstream, and
 * requests from upstream routed by our Path), the way stage_flush() and
 * verify_commit() treat requests from clients: one bulk SA lookup with
 * every record prefetched (looked up one at a time, each message waited on
 * its record's cache miss, which with 1M SAs cost more than the HMAC), then
 * one sw_mac_compute_burst() for all their signatures (a scalar HMAC each:
 * about 620 ns for NTLM and 240 for aes-sha1 per response; in a burst of
 * 32, 140 and 80), then relay each in arrival order.  The SA pointers are
 * held only within this call.
 */
static void
out_flush(struct sw_lcore *lc)
{
	const uint64_t *keys[SW_RX_BURST];
	struct sw_sa_rt *sa[SW_RX_BURST];
	unsigned int k, n = lc->n_out;
	bool ok = true;

	if (n == 0)
		return;
	for (k = 0; k < n; k++)
		keys[k] = &lc->out[k].opaque;
	lookup_prefetch(lc, keys, n, sa);
	for (k = 0; k < n; k++) {
		struct sw_out_pend *op = &lc->out[k];

		switch (sw_fwd_out_prep(lc, op, &lc->msg[op->msg], sa[k],
					lc->sign_slot[lc->n_sign])) {
		case SW_FWD_CONSUMED: /* handed on */
			op->m = NULL;
			break;
		case SW_FWD_DONE: /* answered or dropped: nothing to relay */
			rte_pktmbuf_free(op->m);
			op->m = NULL;
			break;
		default:
			break;
		}
	}
	if (lc->n_sign != 0) {
		ok = sw_mac_compute_burst(lc->mac, lc->sign_job, lc->n_sign, lc->sign_tag) ==
		     (int)lc->n_sign;
		sw_ctr_add(&lc->st.sign_bursts, 1);
		sw_ctr_add(&lc->st.sign_jobs, lc->n_sign);
	}
	for (k = 0; k < n; k++) {
		struct sw_out_pend *op = &lc->out[k];

		if (op->m != NULL) {
			if (op->job == UINT8_MAX) /* unsigned, or signed in prep (rc4-hmac) */
				sw_fwd_out_end(lc, op, &lc->msg[op->msg], NULL, true);
			else
				sw_fwd_out_end(lc, op, &lc->msg[op->msg], lc->sign_tag[op->job],
					       ok);
			rte_pktmbuf_free(op->m);
		}
		lin_release(lc, op->lin);
		msg_put(lc, op->msg);
	}
	lc->n_out = 0;
	lc->n_sign = 0;
}

/*
 * Stages 1b and 1c for the requests staged by dispatch(): one bulk SA lookup
 * (bucket and key-slot misses overlap), prefetch every record's hot lines,
 * then finish each request.
 */
static void
stage_flush(struct sw_lcore *lc)
{
	const uint64_t *keys[SW_RX_BURST];
	struct sw_sa_rt *sa[SW_RX_BURST];
	unsigned int k, n = lc->n_stage;

	out_flush(lc);
	if (n == 0)
		return;
	for (k = 0; k < n; k++)
		keys[k] = &lc->stage[k].opaque;
	lookup_prefetch(lc, keys, n, sa);
	for (k = 0; k < n; k++)
		stage_one(lc, k, sa[k]);
	lc->n_stage = 0;
}

/* The counter of a fragment that could not be reassembled, by family. */
static inline enum sw_drop
frag_drop(struct sw_pkt_meta *pm)
{
	return pm->src.af == AF_INET6 ? SW_DROP_IPV6_FRAG : SW_DROP_FRAG_TABLE;
}

/*
 * Hand a fragment to rte_ip_frag (one table and one death row for both
 * families, [limits] reassembly entries, 2 s per datagram).  @return the
 * reassembled datagram, or NULL: the fragment is held (frag_pending) or was
 * discarded (frag_table / ipv6_frag).  The library discards through the
 * death row: a full table, a timed-out or evicted set, more than
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments, a duplicate first or last,
 * overlaps or holes once the sizes add up.  Every frame is counted once on
 * arrival; held ones discarded later are frag_expired as well.  The row is
 * emptied at once: one call can put 2 * MAX_FRAG + 1 mbufs on it and it has
 * no bound check of its own.
 */
static struct rte_mbuf *
reassemble(struct sw_lcore *lc, struct rte_mbuf *m, enum sw_net_class cls)
{
	struct sw_pkt_meta *pm = sw_pkt_meta(m);
	void *l3 = rte_pktmbuf_mtod_offset(m, void *, pm->l2_len);
	enum sw_drop why = frag_drop(pm); /* m may be freed below */
	uint32_t i, before = lc->dr.cnt;
	struct rte_mbuf *r;
	bool lost = false;

	m->l2_len = pm->l2_len;
	m->l3_len = pm->l3_len;
	if (cls == SW_NET_V4_FRAG) {
		r = rte_ipv4_frag_reassemble_packet(lc->frag, &lc->dr, m, rte_rdtsc(), l3);
	} else {
		/* sw_net_classify() saw the Fragment header right after the
		 * fixed one, the only place rte_ip_frag handles. */
		struct rte_ipv6_hdr *ih = l3;

		r = rte_ipv6_frag_reassemble_packet(lc->frag, &lc->dr, m, rte_rdtsc(), ih,
						    rte_ipv6_frag_get_ipv6_fragment_header(ih));
	}
	for (i = before; i < lc->dr.cnt; i++)
		lost |= lc->dr.row[i] == m;
	if (lc->dr.cnt - before > (lost ? 1u : 0u))
		sw_ctr_add(&lc->st.drop[SW_DROP_FRAG_EXPIRED], lc->dr.cnt - before - lost);
	rte_ip_frag_free_death_row(&lc->dr, 0);
	if (lost)
		sw_ctr_add(&lc->st.drop[why], 1);
	else if (r == NULL)
		sw_ctr_add(&lc->st.drop[SW_DROP_FRAG_PENDING], 1);
	return r;
}

/* Classify one frame; SIP datagrams go to dispatch(). */
static void
handle(struct sw_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool distributed)
{
	struct sw_engine *eng = lc->eng;
	struct sw_pkt_meta *pm;
	enum sw_net_class cls;
	const char *buf;
	uint8_t lin = UINT8_MAX;

	cls = sw_net_classify(m, in_port);
	pm = sw_pkt_meta(m);
	if (cls == SW_NET_V4_FRAG || cls == SW_NET_V6_FRAG || cls == SW_NET_BAD_FRAG) {
		/* Fragments for another address are the kernel's (it routes). */
		if (!sw_addr_eq(&pm->dst, &eng->ifs[in_port].own)) {
			exception(lc, m, in_port);
			return;
		}
		if (cls == SW_NET_BAD_FRAG) {
			drop(lc, m, frag_drop(pm));
			return;
		}
		m = reassemble(lc, m, cls);
		if (m == NULL)
			return;
		cls = sw_net_classify(m, in_port);
		pm = sw_pkt_meta(m);
		/* A fragment inside the reassembled datagram. */
		if (cls == SW_NET_V4_FRAG || cls == SW_NET_V6_FRAG || cls == SW_NET_BAD_FRAG) {
			drop(lc, m, frag_drop(pm));
			return;
		}
	}
	switch (cls) {
	case SW_NET_UDP:
		break;
	case SW_NET_OTHER:
		exception(lc, m, in_port);
		return;
	case SW_NET_BAD_L2:
		drop(lc, m, SW_DROP_L2);
		return;
	default:
		drop(lc, m, SW_DROP_L3);
		return;
	}
	if (!is_ours(eng, pm)) {
		exception(lc, m, in_port);
		return;
	}
	/* Software distribution: keep a client's flow on one lcore. */
	if (!distributed && eng->ifs[in_port].sw_dist && eng->n_lcores > 1) {
		unsigned int t = sw_net_flow_hash(pm) % eng->n_lcores;

		if (t != lc->idx) {
			if (rte_ring_enqueue(eng->lc[t]->dist, m) != 0)
				drop(lc, m, SW_DROP_DIST_RING_FULL);
			return;
		}
	}
	if (m->nb_segs == 1 && pm->payload_off + pm->payload_len <= rte_pktmbuf_data_len(m)) {
		buf = rte_pktmbuf_mtod_offset(m, const char *, pm->payload_off);
	} else {
		buf = linearise(lc, m, pm->payload_off, pm->payload_len, &lin);
		if (buf == NULL) {
			drop(lc, m, SW_DROP_LINEARISE);
			return;
		}
	}
	dispatch(lc, m, buf, pm->payload_len, lin);
}

unsigned int
sw_lcore_poll(struct sw_lcore *lc, uint64_t tsc)
{
	struct sw_engine *eng = lc->eng;
	unsigned int total = 0, k;
	uint16_t n, i;

	lc->now_ms = sw_eng_now_ms(eng, tsc);
	for (k = 0; k < SW_CFG_PORTS_MAX; k++) {
		const struct sw_eng_if *ifc = &eng->ifs[k];

		if (!ifc->present)
			continue;
		if (lc->idx < ifc->nb_rxq) {
			/* Keep room for a whole burst in the pending batch. */
			if (lc->n_pend > SW_PEND_MAX - SW_RX_BURST)
				verify_commit(lc);
			n = rte_eth_rx_burst(ifc->port, (uint16_t)lc->idx, lc->rx, SW_RX_BURST);
			sw_ctr_add(&lc->st.rx, n);
			total += n;
			for (i = 0; i < n; i++) {
				if (i + SW_PREFETCH < n)
					rte_prefetch0(rte_pktmbuf_mtod(lc->rx[i + SW_PREFETCH],
								       void *));
				handle(lc, lc->rx[i], ifc->port, false);
			}
			stage_flush(lc);
		}
		/* Kernel -> wire direction of the exception path (lcore 0). */
		if (lc->idx == 0 && ifc->tap_port != SW_NO_PORT) {
			n = rte_eth_rx_burst(ifc->tap_port, 0, lc->rx, SW_RX_BURST);
			total += n;
			sw_ctr_add(&lc->st.verdict[SW_V_EXCEPTION], n);
			if (n != 0)
				sw_lcore_txq(lc, ifc->port, lc->rx, n);
		}
	}
	/* Packets another lcore distributed to us. */
	if (lc->n_pend > SW_PEND_MAX - SW_RX_BURST)
		verify_commit(lc);
	n = (uint16_t)rte_ring_dequeue_burst(lc->dist, (void **)lc->rx, SW_RX_BURST, NULL);
	total += n;
	for (i = 0; i < n; i++)
		handle(lc, lc->rx[i], sw_pkt_meta(lc->rx[i])->in_port, true);
	stage_flush(lc);

	/* The control thread's output when its port has no spare tx queue. */
	if (lc->ctl_tx != NULL) {
		n = (uint16_t)rte_ring_dequeue_burst(lc->ctl_tx, (void **)lc->rx, SW_RX_BURST,
						     NULL);
		for (i = 0; i < n; i++)
			sw_lcore_txq(lc, lc->rx[i]->port, &lc->rx[i], 1);
		total += n;
	}

	if (lc->n_pend != 0 &&
	    (lc->n_pend > SW_PEND_MAX - SW_RX_BURST || total == 0 || tsc >= lc->pend_deadline))
		verify_commit(lc);
	tx_flush(lc);
	rte_ip_frag_free_death_row(&lc->dr, 0);
	return total;
}

void
sw_lcore_flush(struct sw_lcore *lc)
{
	stage_flush(lc);
	verify_commit(lc);
	tx_flush(lc);
}

int
sw_lcore_main(void *arg)
{
	struct sw_lcore *lc = arg;
	struct sw_engine *eng = lc->eng;
	uint64_t sleep_us = 0;

	sw_eng_rcu_online(eng, lc->lcore_id);
	while (!__atomic_load_n(&eng->quit, __ATOMIC_RELAXED)) {
		unsigned int n = sw_lcore_poll(lc, rte_rdtsc());

		sw_ctr_add(&lc->st.polls, 1);
		/* Pending verify jobs hold SA pointers across iterations: report a
		 * quiescent state only when none is held (the drain deadline keeps
		 * that frequent). */
		if (lc->n_pend == 0)
			sw_eng_rcu_quiescent(eng, lc->lcore_id);
		if (n != 0 || lc->n_pend != 0) {
			lc->empty_polls = 0;
			sleep_us = 0;
			continue;
		}
		sw_ctr_add(&lc->st.idle_polls, 1);
		/* Adaptive sleep: after a run of empty polls, back off up to
		 * idle_sleep_us; the rx rings absorb what arrives meanwhile. */
		if (++lc->empty_polls < 256 || eng->idle_sleep_us == 0)
			continue;
		sleep_us = sleep_us == 0 ? 10 : RTE_MIN(sleep_us * 2, eng->idle_sleep_us);
		sw_ctr_add(&lc->st.sleeps, 1);
		sw_eng_rcu_offline(eng, lc->lcore_id);
		rte_delay_us_sleep((unsigned int)sleep_us);
		sw_eng_rcu_online(eng, lc->lcore_id);
	}
	sw_lcore_flush(lc);
	sw_eng_rcu_offline(eng, lc->lcore_id);
	return 0;
}
