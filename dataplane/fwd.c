#define _GNU_SOURCE
/*
 * Output on the polling lcores: stateless forwarding (RFC 3261 §16.11),
 * response relay with signatures (MS-SIPAE), challenges and errors.
 */

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "crypto/wbuf.h"
#include "dataplane/engine.h"
#include "dataplane/fwd.h"
#include "dataplane/sip_write.h"

enum op_kind { OP_FWD, OP_CHALLENGE, OP_ERROR };

struct out_op {
	enum op_kind kind;
	const struct sw_sip_msg *msg;
	const char *buf;
	uint32_t len;
	uint16_t status;
	struct sw_span extra; /**< OP_ERROR: pre-formatted header lines */
	struct sw_sip_fwd fwd;
};

/*
 * Is method @p m the token @p lc (@p n <= 16 letters, lower case)?  What
 * sw_span_ieq() answers, inline and a word at a time: OR 0x20 folds
 * exactly the two cases of a letter, and both sides are folded, so the
 * zero padding of a short token compares equal too.
 */
static __rte_always_inline bool
method_is(struct sw_span m, const char *lc, size_t n)
{
	const uint64_t fold = UINT64_C(0x2020202020202020);
	uint64_t a = 0, b = 0, c = 0, d = 0;

	if (m.len != n)
		return false;
	memcpy(&a, m.p, n < 8 ? n : 8);
	memcpy(&b, lc, n < 8 ? n : 8);
	if (n > 8) {
		memcpy(&c, m.p + 8, n - 8);
		memcpy(&d, lc + 8, n - 8);
	}
	return (((a | fold) ^ (b | fold)) | ((c | fold) ^ (d | fold))) == 0;
}

static int
write_op(const struct sw_engine *eng, const struct out_op *op, struct sw_wbuf *w)
{
	static const struct sw_span none = { NULL, 0 };
	const struct sw_sa_policy *pol = eng->pol;

	switch (op->kind) {
	case OP_FWD:
		return sw_sip_write_forward(w, op->msg, op->buf, op->len, &op->fwd);
	case OP_CHALLENGE:
		return sw_sip_write_challenge(w, op->msg, op->buf, pol->challenge, pol->ch,
					      pol->n_ch, none);
	default:
		return sw_sip_write_error(w, op->msg, op->buf, op->status, 0, op->extra);
	}
}

/* Build the SIP datagram of @p op into a fresh mbuf (payload only). */
static struct rte_mbuf *
build(struct sw_lcore *lc, const struct out_op *op, enum sw_drop *why)
{
	struct sw_engine *eng = lc->eng;
	struct rte_mempool *pools[2] = { eng->pool, eng->big };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct rte_mbuf *m;
		struct sw_wbuf w;
		int ret;

		if (pools[i] == NULL)
			break;
		m = rte_pktmbuf_alloc(pools[i]);
		if (m == NULL) {
			*why = SW_DROP_NO_MBUF;
			return NULL;
		}
		sw_wbuf_init(&w, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_tailroom(m));
		ret = write_op(eng, op, &w);
		if (ret == 0 && sw_wbuf_ok(&w)) {
			rte_pktmbuf_append(m, (uint16_t)w.len);
			return m;
		}
		rte_pktmbuf_free(m);
		if (ret != -ENOSPC)
			break;
	}
	*why = SW_DROP_BUILD;
	return NULL;
}

int
sw_eng_route(const struct sw_engine *eng, const struct sw_addr *dst, bool to_upstream,
	     uint16_t *ifidx, struct sw_addr *nh)
{
	unsigned int i;
	int gw = -1;

	for (i = 0; i < SW_CFG_PORTS_MAX; i++) {
		const struct sw_eng_if *ifc = &eng->ifs[i];
		uint8_t role;

		if (!ifc->present)
			continue;
		role = ifc->cfg->role;
		if (to_upstream ? role == SW_ROLE_CLIENTS : role == SW_ROLE_UPSTREAM)
			continue;
		if (sw_addr_in_subnet(dst, &ifc->cfg->addr)) {
			*ifidx = (uint16_t)i;
			*nh = *dst;
			return 0;
		}
		if (gw < 0 && ifc->cfg->gateway.af == dst->af)
			gw = (int)i;
	}
	if (gw < 0)
		return -ENOENT;
	*ifidx = (uint16_t)gw;
	*nh = eng->ifs[gw].cfg->gateway;
	return 0;
}

int
sw_eng_frame(struct sw_engine *eng, struct rte_mbuf *m, uint16_t ifidx,
	     const struct rte_ether_addr *dst_mac, const struct sw_addr *dst, uint16_t dport,
	     const struct sw_pkt_meta *reply_to, struct rte_mbuf **out, uint16_t out_max)
{
	const struct sw_eng_if *ifc = &eng->ifs[ifidx];
	struct sw_net_dst d;
	int ret;

	memset(&d, 0, sizeof(d));
	d.src_mac = ifc->mac;
	d.dst_mac = *dst_mac;
	d.src = ifc->own;
	d.dst = *dst;
	d.sport = ifc->cfg->sip_port;
	d.dport = dport;
	d.mtu = ifc->cfg->mtu;
	if (reply_to != NULL && reply_to->has_vlan) {
		d.has_vlan = 1;
		d.vlan_tci = reply_to->vlan_tci;
	}
	if (d.src.af != d.dst.af) {
		rte_pktmbuf_free(m);
		return -SW_DROP_NO_ROUTE;
	}
	m->port = ifc->port;
	ret = sw_net_push_headers(m, &d);
	if (ret == 0) {
		out[0] = m;
		return 1;
	}
	if (ret == -EMSGSIZE && sw_net_push_headers_nomtu(m, &d) == 0) {
		/* Larger than the MTU: IPv4 fragments (RFC 791), IPv6 ones
		 * made by us as the source (RFC 8200 §4.5). */
		ret = d.dst.af == AF_INET ? sw_net_fragment4(m, &d, eng->pool, out, out_max)
					  : sw_net_fragment6(m, &d, eng->pool, out, out_max);
		if (ret > 0) {
			for (int i = 0; i < ret; i++)
				out[i]->port = ifc->port;
			return ret;
		}
		return -SW_DROP_NO_MBUF;
	}
	rte_pktmbuf_free(m);
	return -SW_DROP_BUILD;
}

/* Frame @p pay and queue it.  @return true if queued. */
static bool
emit(struct sw_lcore *lc, struct rte_mbuf *pay, uint16_t ifidx,
     const struct rte_ether_addr *dst_mac, const struct sw_addr *dst, uint16_t dport,
     const struct sw_pkt_meta *reply_to)
{
	struct rte_mbuf *fr[48];
	int n = sw_eng_frame(lc->eng, pay, ifidx, dst_mac, dst, dport, reply_to, fr,
			     RTE_DIM(fr));

	if (n < 0) {
		sw_ctr_add(&lc->st.drop[-n], 1);
		return false;
	}
	sw_lcore_txq(lc, lc->eng->ifs[ifidx].port, fr, (uint16_t)n);
	return true;
}

/* Send to an address through the routing table and the neighbour table. */
static bool
emit_routed(struct sw_lcore *lc, struct rte_mbuf *pay, const struct sw_addr *dst,
	    uint16_t dport, bool to_upstream)
{
	struct sw_engine *eng = lc->eng;
	struct rte_ether_addr mac;
	struct sw_addr nh;
	uint16_t ifidx;

	if (to_upstream && sw_addr_eq(dst, &eng->cfg->upstream)) {
		ifidx = eng->up_if;
		nh = eng->up_nh;
	} else if (sw_eng_route(eng, dst, to_upstream, &ifidx, &nh) != 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_NO_ROUTE], 1);
		rte_pktmbuf_free(pay);
		return false;
	}
	if (!sw_neigh_lookup(eng->neigh, &nh, &mac)) {
		sw_neigh_request(eng->neigh, &nh, eng->ifs[ifidx].port);
		sw_ctr_add(&lc->st.drop[SW_DROP_NEIGH_MISS], 1);
		rte_pktmbuf_free(pay);
		return false;
	}
	return emit(lc, pay, ifidx, &mac, dst, dport, NULL);
}

/* Answer the sender of @p m (RFC 3261 §18.2.2: received address; the rport
 * or the Via port). */
static bool
reply(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
      struct rte_mbuf *pay)
{
	const struct sw_pkt_meta *pm = sw_pkt_meta(m);
	struct sw_sip_via via;
	uint16_t dport = pm->sport;

	if (sw_sip_top_via(msg, &via) && !via.has_rport && via.port != 0)
		dport = via.port;
	else if (sw_sip_top_via(msg, &via) && !via.has_rport)
		dport = 5060;
	return emit(lc, pay, pm->in_port, &pm->src_mac, &pm->src, dport, pm);
}

/* The per-source limit on answers to unauthenticated senders (ratelimit.h):
 * checked before anything is built, so a flood costs no output work. */
static bool
answer_allowed(struct sw_lcore *lc, struct rte_mbuf *m)
{
	const struct sw_pkt_meta *pm = sw_pkt_meta(m);
	uint64_t h = sw_rl_hash(&lc->rl, &pm->src.u, pm->src.af == AF_INET ? 4u : 16u);

	if (sw_rl_take(&lc->rl, h, lc->now_ms))
		return true;
	sw_ctr_add(&lc->st.drop[SW_DROP_CHALLENGE_RATE], 1);
	return false;
}

void
sw_fwd_challenge(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		 const char *buf, enum sw_verdict v)
{
	struct out_op op = { .kind = OP_CHALLENGE, .msg = msg, .buf = buf };
	enum sw_drop why;
	struct rte_mbuf *pay;

	if (!answer_allowed(lc, m))
		return;
	pay = build(lc, &op, &why);
	if (pay == NULL) {
		sw_ctr_add(&lc->st.drop[why], 1);
		return;
	}
	if (reply(lc, m, msg, pay))
		sw_ctr_add(&lc->st.verdict[v], 1);
}

void
sw_fwd_rechallenge(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		   const char *buf, bool ack_cancel, enum sw_verdict v)
{
	if (ack_cancel) {
		sw_ctr_add(&lc->st.drop[SW_DROP_ACK_CANCEL], 1);
		return;
	}
	sw_fwd_challenge(lc, m, msg, buf, v);
}

/*
 * An error response to the sender of @p msg.  With @p sa (the request
 * verified) it is signed like every message to that client (PROTOCOL.md
 * §1.4): written once plain, parsed back, signed over its own fields (the To
 * tag we add is one of them), written again with the info header.
 * @p limited: subject to the per-source answer limit (clients); answers to
 * the upstream are not, since one upstream speaks for every caller.
 */
static void
error_reply(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
	    const char *buf, uint16_t status, enum sw_verdict v, struct sw_sa_rt *sa,
	    bool limited)
{
	struct sw_engine *eng = lc->eng;
	struct out_op op = { .kind = OP_ERROR, .msg = msg, .buf = buf, .status = status };
	enum sw_drop why;
	struct rte_mbuf *pay;

	if (method_is(msg->method, "ack", 3)) {
		sw_ctr_add(&lc->st.drop[SW_DROP_ACK_CANCEL], 1);
		return;
	}
	if (limited && !answer_allowed(lc, m))
		return;
	pay = build(lc, &op, &why);
	if (pay == NULL) {
		sw_ctr_add(&lc->st.drop[why], 1);
		return;
	}
	if (sa != NULL) {
		const char *name = eng->pol->info_hdr == SW_HDR_AUTHENTICATION_INFO
					   ? "Authentication-Info: "
					   : "Proxy-Authentication-Info: ";
		struct sw_wbuf w;

		if (sw_sip_parse(rte_pktmbuf_mtod(pay, const char *), rte_pktmbuf_data_len(pay),
				 &lc->own_rsp) != SW_SIP_OK) {
			rte_pktmbuf_free(pay);
			sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
			return;
		}
		sw_wbuf_init(&w, lc->info, sizeof(lc->info));
		sw_wbuf_puts(&w, name);
		if (sw_sa_sign_response(eng->pol, sa, &lc->own_rsp, &lc->rng, false,
					lc->sign_scratch, &w) != 0) {
			rte_pktmbuf_free(pay);
			sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
			return;
		}
		sw_wbuf_put(&w, "\r\n", 2);
		rte_pktmbuf_free(pay);
		if (!sw_wbuf_ok(&w)) {
			sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
			return;
		}
		/* The same response again (the To tag is derived, not random),
		 * now with the signature. */
		op.extra.p = lc->info;
		op.extra.len = (uint16_t)w.len;
		pay = build(lc, &op, &why);
		if (pay == NULL) {
			sw_ctr_add(&lc->st.drop[why], 1);
			return;
		}
	}
	if (reply(lc, m, msg, pay))
		sw_ctr_add(&lc->st.verdict[v], 1);
}

void
sw_fwd_error(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
	     const char *buf, uint16_t status, enum sw_verdict v)
{
	error_reply(lc, m, msg, buf, status, v, NULL, true);
}

void
sw_fwd_error_sa(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		const char *buf, uint16_t status, enum sw_verdict v, struct sw_sa_rt *sa)
{
	error_reply(lc, m, msg, buf, status, v, sa, true);
}

/*
 * Loop detection (RFC 3261 §16.3 item 4, §16.6 item 8).  The branch of our
 * Via depends on the top Via, which is our own on a looped pass, so it
 * cannot show a loop by itself.  We add ";sw-loop=<16 hex>", a keyed digest
 * of what a loop leaves unchanged and a spiral does not: the Request-URI,
 * the top Route (an in-dialog request routed out through our Record-Route
 * and back in through the other party's, README "Dialogs", is a spiral),
 * Call-ID, CSeq number, From tag and the originating (bottom) Via, seeded
 * with our targetname so that two sipward proxies in series (patent FIG. 5)
 * do not take each other's sw-loop for their own.  It is
 * visible to the next hop, so it is a CRC (rte_hash_crc), never an output of
 * the secret-keyed datagram digest (GHASH must not be revealed).  A
 * request that already carries our sw-loop value has been here before with
 * the same target: 482.
 */
/* Two CRC32Cs of a span under two seeds, in one pass: the chains are
 * independent, so the CPU overlaps them.  No unaligned type-punned loads
 * (rte_hash_crc() has them).  Inlined into loop_key()'s five calls: the
 * call and the seed set-up cost as much as hashing a short span. */
static __rte_always_inline uint64_t
span_crc(uint64_t h, struct sw_span v)
{
	uint32_t lo = (uint32_t)h, hi = (uint32_t)(h >> 32) ^ 0x5bd1e995u;
	const char *p = v.p;
	size_t n = v.len;
	uint64_t v8;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v8, p, 8);
		lo = rte_hash_crc_8byte(v8, lo);
		hi = rte_hash_crc_8byte(v8, hi);
	}
	if (n >= 4) {
		uint32_t v4;

		memcpy(&v4, p, 4);
		lo = rte_hash_crc_4byte(v4, lo);
		hi = rte_hash_crc_4byte(v4, hi);
		p += 4;
		n -= 4;
	}
	/* CRC32C consumes a (little-endian) word in memory order, so two
	 * bytes at once give what two single-byte steps give. */
	if (n >= 2) {
		uint16_t v2;

		memcpy(&v2, p, 2);
		lo = rte_hash_crc_2byte(v2, lo);
		hi = rte_hash_crc_2byte(v2, hi);
		p += 2;
		n -= 2;
	}
	if (n != 0) {
		lo = rte_hash_crc_1byte((uint8_t)*p, lo);
		hi = rte_hash_crc_1byte((uint8_t)*p, hi);
	}
	return ((uint64_t)hi << 32 | lo) + v.len;
}

/* Does @p v contain @p key, which starts with ';' and has at least one
 * byte after it?  Only the few ';' of a Via value are candidates: cheaper
 * than memmem()'s general search.  A match starts no later than key_len
 * bytes before the end, so only that far is searched, and a ';' whose next
 * byte differs from the key's (";branch", ";rport") costs no memcmp(). */
static bool
has_param(struct sw_span v, const char *key, size_t key_len)
{
	const char *p = v.p, *end = v.p + v.len;

	while ((size_t)(end - p) >= key_len &&
	       (p = memchr(p, ';', (size_t)(end - p) - key_len + 1)) != NULL) {
		if (p[1] == key[1] && memcmp(p, key, key_len) == 0)
			return true;
		p++;
	}
	return false;
}

/* LWS inside a header value: SP, HTAB and the CR LF of a fold (as the
 * parser's is_lws()). */
static bool
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The originating (bottom) Via value, as the last one sw_sip_next_value()
 * yields.  It is the last value of the last Via line; when that line has
 * no comma it is the whole line minus surrounding LWS, without the
 * element scan over every Via value.  Anything else (a comma, an empty
 * line) takes the general walk.
 *
 * @p top: the top Via value (sw_sa_top_via()) when the caller has it, or
 * NULL.  A request that came straight from its client has one Via line
 * with one value: when the top value is that whole line, it is the only
 * value, hence the bottom one, and the line is not scanned again.
 */
static struct sw_span
bottom_via(const struct sw_sip_msg *msg, const struct sw_span *top)
{
	uint8_t idx = msg->first[SW_HDR_VIA], last = idx;
	uint16_t pos = 0;
	struct sw_span v, bottom = { NULL, 0 };

	if (idx == SW_HDR_NONE)
		return bottom;
	while (msg->hdr[last].next != SW_HDR_NONE)
		last = msg->hdr[last].next;
	v = msg->hdr[last].value;
	if (top != NULL && last == idx && top->len != 0 && top->p == v.p && top->len == v.len)
		return v;
	if (memchr(v.p, ',', v.len) == NULL) {
		while (v.len != 0 && is_lws(v.p[0])) {
			v.p++;
			v.len--;
		}
		while (v.len != 0 && is_lws(v.p[v.len - 1]))
			v.len--;
		if (v.len != 0)
			return v;
	}
	while (idx != SW_HDR_NONE && sw_sip_next_value(msg, &idx, &pos, &v))
		bottom = v;
	return bottom;
}

/* The first Route value, or an empty span. */
static struct sw_span
top_route(const struct sw_sip_msg *msg)
{
	uint8_t idx = msg->first[SW_HDR_ROUTE];
	uint16_t pos = 0;
	struct sw_span v = { NULL, 0 };

	if (idx == SW_HDR_NONE || !sw_sip_next_value(msg, &idx, &pos, &v))
		return (struct sw_span){ NULL, 0 };
	return v;
}

uint64_t
sw_eng_loop_seed(const char *targetname)
{
	struct sw_span me = { targetname, (uint16_t)strnlen(targetname, SW_CFG_STR_MAX) };

	return span_crc(UINT64_C(0x243f6a8885a308d3), me);
}

/* The loop key (see above), from the lcore's sw_eng_loop_seed() of our
 * targetname.  The From tag is the one the parser recorded (msg->from_tag,
 * what sw_sip_tag_of() of the From value gives). */
static uint64_t
loop_key(const struct sw_sip_msg *msg, uint64_t seed, const struct sw_span *top)
{
	uint64_t h = span_crc(seed, msg->ruri);

	h = span_crc(h, top_route(msg));
	h = span_crc(h, bottom_via(msg, top));
	h = span_crc(h, sw_sip_value(msg, SW_HDR_CALL_ID));
	h = span_crc(h, msg->from_tag);
	return h ^ ((uint64_t)msg->cseq_num << 17);
}

/* Does any Via carry @p key?  Searched per header line rather than per
 * value: the key holds no comma, LWS or quote, so it occurs in a line
 * exactly when it occurs in one of the line's values. */
static bool
looped(const struct sw_sip_msg *msg, const char *key, uint16_t key_len)
{
	uint8_t idx;

	for (idx = msg->first[SW_HDR_VIA]; idx != SW_HDR_NONE; idx = msg->hdr[idx].next)
		if (has_param(msg->hdr[idx].value, key, key_len))
			return true;
	return false;
}

/* Append ";sw-loop=<key>" to our Via in @p w, or answer 482 if the request
 * already carries it.  @p top: as for bottom_via().  @return true to go on. */
static bool
loop_mark(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
	  const char *buf, struct sw_sa_rt *sa, bool limited, struct sw_wbuf *w,
	  const struct sw_span *top)
{
	char key[9 + SW_SA_OPAQUE_HEX + 1];

	memcpy(key, ";sw-loop=", 9);
	sw_sa_opaque_fmt(loop_key(msg, lc->loop_seed, top), key + 9);
	if (looped(msg, key, 9 + SW_SA_OPAQUE_HEX)) {
		error_reply(lc, m, msg, buf, 482, SW_V_LOOP, sa, limited);
		return false;
	}
	sw_wbuf_put(w, key, 9 + SW_SA_OPAQUE_HEX);
	if (!sw_wbuf_ok(w)) {
		sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
		return false;
	}
	return true;
}

static void
src_of(struct sw_sa_src *src, const struct sw_addr *a, uint16_t port)
{
	memset(src, 0, sizeof(*src));
	src->af = a->af;
	memcpy(src->addr, &a->u, a->af == AF_INET ? 4 : 16);
	src->port = port;
}

static void
addr_of(struct sw_addr *a, const struct sw_sa_src *src)
{
	memset(a, 0, sizeof(*a));
	a->af = src->af;
	a->prefix = src->af == AF_INET ? 32 : 128;
	memcpy(&a->u, src->addr, src->af == AF_INET ? 4 : 16);
}

/*
 * Does @p msg create a dialog we should stay on (RFC 3261 §16.6 step 4)?
 * INVITE, SUBSCRIBE, REFER (RFC 3515) or NOTIFY (RFC 6665 §4.1.2.4), out of
 * dialog (no To tag).  In-dialog requests keep the route set their dialog
 * already has, so a Record-Route there would only cost bytes.
 */
static bool
creates_dialog(const struct sw_sip_msg *msg)
{
	struct sw_span m = msg->method;
	bool d;

	if (msg->to_tag.len != 0)
		return false;
	/* By length first: most requests are none of these. */
	switch (m.len) {
	case 5:
		d = method_is(m, "refer", 5);
		break;
	case 6:
		d = method_is(m, "invite", 6) || method_is(m, "notify", 6);
		break;
	case 9:
		d = method_is(m, "subscribe", 9);
		break;
	default:
		d = false;
		break;
	}
	return d;
}

/*
 * Our Record-Route value for a dialog of the client at @p client on
 * @p sa: the Path URI with its flow token (README "Dialogs"), into
 * lc->path.  @return false if it did not fit (counted).
 */
static bool
record_route(struct sw_lcore *lc, const struct sw_sa_rt *sa, const struct sw_sa_src *client,
	     struct out_op *op)
{
	struct sw_wbuf w;

	sw_wbuf_init(&w, lc->path, sizeof(lc->path));
	if (sw_sa_path_write(lc->eng->pol, sa->opaque, client, &w) != 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
		return false;
	}
	op->fwd.push_rr.p = lc->path;
	op->fwd.push_rr.len = (uint16_t)w.len;
	return true;
}

void
sw_fwd_request(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
	       const char *buf, uint32_t len, struct sw_sa_rt *sa, enum sw_verdict v)
{
	struct sw_engine *eng = lc->eng;
	const struct sw_pkt_meta *pm = sw_pkt_meta(m);
	struct out_op op = { .kind = OP_FWD, .msg = msg, .buf = buf, .len = len };
	struct sw_span top = { NULL, 0 };
	struct sw_sa_src src;
	struct sw_wbuf w;
	struct rte_mbuf *pay;
	enum sw_drop why;
	int mf = sw_sip_max_forwards(msg);
	bool have_top;

	if (mf == 0) {
		error_reply(lc, m, msg, buf, 483, SW_V_TOO_MANY_HOPS, sa, true);
		return;
	}
	src_of(&src, &pm->src, pm->sport);
	sw_wbuf_init(&w, lc->via, sizeof(lc->via));
	/* The top Via is found once: our branch hashes it, and the loop key
	 * needs the bottom one, the same value when there is only one. */
	have_top = sw_sa_top_via(msg, &top);
	if (sw_sa_via_write_top(eng->pol, msg, top, sa != NULL ? sa->opaque : 0, &src, &w) != 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
		return;
	}
	if (!loop_mark(lc, m, msg, buf, sa, true, &w, have_top ? &top : NULL))
		return;
	op.fwd.push_via.p = lc->via;
	op.fwd.push_via.len = (uint16_t)w.len;
	op.fwd.dec_max_forwards = true;
	op.fwd.mf_known = true; /* not parsed again by the writer */
	op.fwd.mf = (int16_t)mf;
	op.fwd.info_hdr = SW_HDR_OTHER;
	/* RFC 3261 §16.4: a top Route naming us (the Record-Route we put on
	 * this dialog, token or not) is ours to remove; the rest of the route
	 * set is the upstream's business. */
	if (msg->first[SW_HDR_ROUTE] != SW_HDR_NONE) {
		struct sw_sa_src tok_src;
		uint64_t tok_opaque;

		if (sw_sa_route_check(eng->pol, msg, &tok_opaque, &tok_src) != SW_SA_ROUTE_NOT_OURS)
			op.fwd.pop_route = true;
	}
	if (sa != NULL && eng->cfg->record_route && creates_dialog(msg) &&
	    !record_route(lc, sa, &src, &op))
		return;
	/* RFC 3327 §5.2: on the path of requests toward the client that this
	 * verified REGISTER binds; the token is what brings them back to it. */
	if (sa != NULL && method_is(msg->method, "register", 8)) {
		struct sw_wbuf pw;

		sw_wbuf_init(&pw, lc->path, sizeof(lc->path));
		if (sw_sa_path_write(eng->pol, sa->opaque, &src, &pw) != 0) {
			sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
			return;
		}
		op.fwd.push_path.p = lc->path;
		op.fwd.push_path.len = (uint16_t)pw.len;
	}
	pay = build(lc, &op, &why);
	if (pay == NULL) {
		sw_ctr_add(&lc->st.drop[why], 1);
		return;
	}
	if (emit_routed(lc, pay, &eng->cfg->upstream, eng->cfg->upstream_port, true)) {
		sw_ctr_add(&lc->st.verdict[v], 1);
		if (op.fwd.push_rr.len != 0)
			sw_ctr_add(&lc->st.record_routed, 1);
	}
}

/* Is @p sa usable for a message to its client now? */
static bool
sa_alive(const struct sw_sa_rt *sa, uint64_t now_ms)
{
	return sa != NULL && (__atomic_load_n(&sa->flags, __ATOMIC_RELAXED) & SW_SA_F_DEAD) == 0 &&
	       now_ms < sa->expires_ms;
}

enum sw_fwd_out
sw_fwd_inbound_begin(struct sw_lcore *lc, struct rte_mbuf *m, const struct sw_sip_msg *msg,
		     const char *buf, uint32_t len, struct sw_out_pend *op)
{
	enum sw_sa_route rr;
	int mf;

	rr = sw_sa_route_check(lc->eng->pol, msg, &op->opaque, &op->dst);
	if (rr == SW_SA_ROUTE_NOT_OURS)
		return SW_FWD_NOT_OURS;
	/* RFC 3261 §16.3 step 3 comes before any routing decision. */
	mf = sw_sip_max_forwards(msg);
	if (mf == 0) {
		error_reply(lc, m, msg, buf, 483, SW_V_TOO_MANY_HOPS, NULL, false);
		return SW_FWD_DONE;
	}
	/* RFC 5626 §5.3: a token that fails its check is 403, a flow that no
	 * longer exists 430 (the registrar may then drop the binding). */
	if (rr != SW_SA_ROUTE_OK) {
		error_reply(lc, m, msg, buf, 403, SW_V_FLOW_BAD, NULL, false);
		return SW_FWD_DONE;
	}
	op->kind = SW_OUT_INBOUND;
	op->mf = (int16_t)mf;
	op->buf = buf;
	op->len = len;
	op->job = UINT8_MAX;
	op->sp.sa = NULL;
	return SW_FWD_STAGE;
}

static enum sw_fwd_out
inbound_prep(struct sw_lcore *lc, struct sw_out_pend *op, const struct sw_sip_msg *msg,
	     struct sw_sa_rt *sa, uint8_t *slot)
{
	int rc;

	if (!sa_alive(sa, lc->now_ms)) {
		sw_ctr_add(&lc->st.sa_rc[sa == NULL ? SW_SA_NO_SA : SW_SA_EXPIRED], 1);
		error_reply(lc, op->m, msg, op->buf, 430, SW_V_FLOW_FAILED, NULL, false);
		return SW_FWD_DONE;
	}
	/* The signed fields (sigbuf.h) are none of the ones we edit. */
	rc = sw_sa_sign_prep(lc->eng->pol, sa, msg, &lc->rng, slot, &op->sp,
			     &lc->sign_job[lc->n_sign]);
	if (rc < 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
		return SW_FWD_DONE;
	}
	if (rc == 0)
		op->job = (uint8_t)lc->n_sign++;
	return SW_FWD_SIGN;
}

static void
inbound_end(struct sw_lcore *lc, struct sw_out_pend *op, const struct sw_sip_msg *msg,
	    const uint8_t *digest, bool burst_ok)
{
	struct sw_engine *eng = lc->eng;
	const struct sw_pkt_meta *pm = sw_pkt_meta(op->m);
	struct out_op fo = { .kind = OP_FWD, .msg = msg, .buf = op->buf, .len = op->len };
	const struct sw_sa_rt *sa = op->sp.sa;
	struct sw_sa_src self, from;
	struct rte_ether_addr mac;
	struct sw_addr dst, nh;
	struct rte_mbuf *pay;
	struct sw_wbuf w;
	enum sw_drop why;
	uint16_t ifidx;

	addr_of(&dst, &op->dst);
	if (sw_eng_route(eng, &dst, false, &ifidx, &nh) != 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_NO_ROUTE], 1);
		return;
	}
	src_of(&self, &eng->ifs[ifidx].own, eng->ifs[ifidx].cfg->sip_port);
	src_of(&from, &pm->src, pm->sport);
	sw_wbuf_init(&w, lc->via, sizeof(lc->via));
	if (sw_sa_via_write_in(eng->pol, msg, sa->opaque, &self, &from, &w) != 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
		return;
	}
	if (!loop_mark(lc, op->m, msg, op->buf, NULL, false, &w, NULL))
		return;
	fo.fwd.push_via.p = lc->via;
	fo.fwd.push_via.len = (uint16_t)w.len;
	fo.fwd.pop_route = true;
	fo.fwd.dec_max_forwards = true;
	fo.fwd.mf_known = true;
	fo.fwd.mf = op->mf;
	fo.fwd.info_hdr = SW_HDR_OTHER;
	/* The client's side of a new dialog: its later requests from upstream
	 * come back through us as well. */
	if (eng->cfg->record_route && creates_dialog(msg) &&
	    !record_route(lc, sa, &op->dst, &fo))
		return;
	sw_wbuf_init(&w, lc->info, sizeof(lc->info));
	if (!burst_ok || sw_sa_sign_finish(eng->pol, &op->sp, digest, &w) != 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_BUILD], 1);
		return;
	}
	fo.fwd.info_hdr = eng->pol->info_hdr;
	fo.fwd.info.p = lc->info;
	fo.fwd.info.len = (uint16_t)w.len;
	pay = build(lc, &fo, &why);
	if (pay == NULL) {
		sw_ctr_add(&lc->st.drop[why], 1);
		return;
	}
	if (!sw_neigh_lookup(eng->neigh, &nh, &mac)) {
		sw_neigh_request(eng->neigh, &nh, eng->ifs[ifidx].port);
		sw_ctr_add(&lc->st.drop[SW_DROP_NEIGH_MISS], 1);
		rte_pktmbuf_free(pay);
		return;
	}
	if (emit(lc, pay, ifidx, &mac, &dst, op->dst.port, NULL)) {
		sw_ctr_add(&lc->st.verdict[SW_V_FWD_INBOUND], 1);
		if (fo.fwd.push_rr.len != 0)
			sw_ctr_add(&lc->st.record_routed, 1);
	}
}

/*
 * Where a response goes after our Via is popped: the next Via (RFC 3261
 * §18.2.2: received, then the sent-by host if it is an address; rport's
 * value, then the sent-by port, then 5060).  A sent-by name we cannot
 * resolve on a polling lcore falls back to @p from, the transport address
 * the request came from (what RFC 3581 would give).
 */
static void
next_via_dst(const struct sw_sip_msg *msg, const struct sw_sa_src *from, struct sw_addr *dst,
	     uint16_t *port)
{
	uint8_t idx = msg->first[SW_HDR_VIA];
	uint16_t pos = 0, i, hs, he, n;
	struct sw_span v, host = { NULL, 0 }, p;
	char ip[INET6_ADDRSTRLEN + 1];
	uint32_t sent_port = 0, rport = 0;
	struct sw_sa_src s = *from;

	addr_of(dst, from);
	*port = from->port;
	if (idx == SW_HDR_NONE || !sw_sip_next_value(msg, &idx, &pos, &v) ||
	    !sw_sip_next_value(msg, &idx, &pos, &v))
		return;
	/* "SIP/2.0/UDP" LWS sent-by */
	for (i = 0; i < v.len && v.p[i] != ' ' && v.p[i] != '\t'; i++)
		;
	while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'))
		i++;
	hs = i;
	if (i < v.len && v.p[i] == '[') {
		for (; i < v.len && v.p[i] != ']'; i++)
			;
		hs++;
		he = i;
		if (i < v.len)
			i++;
	} else {
		for (; i < v.len && v.p[i] != ':' && v.p[i] != ';' && v.p[i] != ' '; i++)
			;
		he = i;
	}
	host.p = v.p + hs;
	host.len = (uint16_t)(he - hs);
	if (i < v.len && v.p[i] == ':')
		for (i++; i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && sent_port < 65536; i++)
			sent_port = sent_port * 10 + (uint32_t)(v.p[i] - '0');
	if (sw_sip_param_of(v, "received", &p) && p.len != 0)
		host = p;
	if (sw_sip_param_of(v, "rport", &p))
		for (n = 0; n < p.len && p.p[n] >= '0' && p.p[n] <= '9' && rport < 65536; n++)
			rport = rport * 10 + (uint32_t)(p.p[n] - '0');
	if (host.len == 0 || host.len >= sizeof(ip))
		return;
	memcpy(ip, host.p, host.len);
	ip[host.len] = '\0';
	memset(s.addr, 0, sizeof(s.addr));
	if (inet_pton(AF_INET, ip, s.addr) == 1)
		s.af = AF_INET;
	else if (inet_pton(AF_INET6, ip, s.addr) == 1)
		s.af = AF_INET6;
	else
		return;
	addr_of(dst, &s);
	*port = (uint16_t)(rport != 0 && rport < 65536	    ? rport
			   : sent_port != 0 && sent_port < 65536 ? sent_port
								 : 5060);
}

/*
 * A client's response to a request we relayed from upstream.  The client
 * signs it (MS-SIPAE: every message of an SA; pidgin-sipe signs its
 * responses with crand/cnum from the same counter as its requests), with
 * the SA the request was signed for: the one our Via names.  Verified on
 * its own (a one-job burst: these are rare next to requests), committed
 * in the same replay window, relayed to the next Via.
 */
static void
client_response(struct sw_lcore *lc, const struct sw_sip_msg *msg, const char *buf,
		uint32_t len, uint64_t via_opaque, const struct sw_sa_src *from)
{
	struct sw_engine *eng = lc->eng;
	const struct sw_sa_policy *pol = eng->pol;
	struct out_op op = { .kind = OP_FWD, .msg = msg, .buf = buf, .len = len };
	struct sw_auth *cred = &lc->rcred;
	struct sw_sa_rt *sa = NULL;
	enum sw_auth_rc arc;
	enum sw_sa_rc rc;
	struct rte_mbuf *pay;
	struct sw_addr dst;
	enum sw_drop why;
	uint32_t off, cnum, crand;
	uint64_t opaque;
	uint16_t port;
	uint8_t ok = 0;

	arc = sw_auth_select(msg, (enum sw_hdr)pol->cred_hdr, pol->realm, pol->targets,
			     pol->n_targets, cred, &off);
	if (arc == SW_AUTH_EABSENT) {
		sw_ctr_add(&lc->st.drop[SW_DROP_RSP_UNSIGNED], 1);
		return;
	}
	rc = SW_SA_NO_SIG;
	if (arc != SW_AUTH_OK || sw_auth_has(cred, SW_AUTH_P_GSSAPI_DATA))
		goto bad;
	rc = SW_SA_NO_SA;
	if (!sw_auth_has(cred, SW_AUTH_P_OPAQUE) ||
	    !sw_sa_opaque_parse(sw_auth_get(cred, SW_AUTH_P_OPAQUE), &opaque) ||
	    opaque != via_opaque)
		goto bad;
	sa = sw_eng_sa_lookup(eng, opaque);
	if (sa == NULL)
		goto bad;
	rc = sw_sa_check_cred(pol, sa, cred, lc->now_ms, &cnum, &crand);
	if (rc != SW_SA_OK)
		goto bad;
	if (sw_sa_cnum_check(sa, cnum) != SW_SA_CNUM_NEW) {
		rc = sw_sa_replay_verdict(pol, sa, buf, len, lc->now_ms);
		if (rc != SW_SA_RETX)
			goto bad;
	} else {
		rc = sw_sa_req_prep(sa, msg, cred, lc->rslot, lc->rtag, &lc->rjob);
		if (rc != SW_SA_OK)
			goto bad;
		if (sw_mac_verify_burst(lc->mac, &lc->rjob, 1, &ok) != 1 || ok != 1 ||
		    sw_sig_ckey_job_post_check(sw_sa_c2s(sa), &lc->rjob) != 0) {
			rc = SW_SA_BAD_SIG;
			goto bad;
		}
		sw_ctr_add(&lc->st.verified, 1);
		rc = sw_sa_rsp_commit(pol, sa, buf, len, cnum, lc->now_ms);
		if (rc == SW_SA_REPLAY)
			goto bad;
	}
	sw_ctr_add(&lc->st.sa_rc[rc], 1);
	op.fwd.pop_via = true;
	op.fwd.info_hdr = SW_HDR_OTHER;
	pay = build(lc, &op, &why);
	if (pay == NULL) {
		sw_ctr_add(&lc->st.drop[why], 1);
		return;
	}
	next_via_dst(msg, from, &dst, &port);
	if (emit_routed(lc, pay, &dst, port, true))
		sw_ctr_add(&lc->st.verdict[SW_V_RESP_UPSTREAM], 1);
	return;
bad:
	sw_ctr_add(&lc->st.sa_rc[rc], 1);
	sw_ctr_add(&lc->st.drop[SW_DROP_RSP_UNVERIFIED], 1);
}

static void response_end(struct sw_lcore *lc, struct sw_out_pend *rp,
			 const struct sw_sip_msg *msg, const uint8_t *digest, bool burst_ok);

enum sw_fwd_out
sw_fwd_response_begin(struct sw_lcore *lc, const struct sw_sip_msg *msg, const char *buf,
		      uint32_t len, struct sw_out_pend *rp)
{
	if (!sw_sa_via_parse(msg, &rp->opaque, &rp->dst)) {
		if (sw_sa_via_parse_in(msg, &rp->opaque, &rp->dst) && rp->dst.af != 0)
			client_response(lc, msg, buf, len, rp->opaque, &rp->dst);
		else
			sw_ctr_add(&lc->st.drop[SW_DROP_RESP_NOT_OURS], 1);
		return SW_FWD_DONE;
	}
	if (rp->dst.af != AF_INET && rp->dst.af != AF_INET6) {
		sw_ctr_add(&lc->st.drop[SW_DROP_RESP_NO_VIA], 1);
		return SW_FWD_DONE;
	}
	rp->kind = SW_OUT_RESPONSE;
	rp->buf = buf;
	rp->len = len;
	rp->job = UINT8_MAX;
	rp->sp.sa = NULL;
	if (rp->opaque == 0) {
		/* No SA named: relayed as it is. */
		response_end(lc, rp, msg, NULL, true);
		return SW_FWD_DONE;
	}
	return SW_FWD_STAGE;
}

static enum sw_fwd_out
response_prep(struct sw_lcore *lc, struct sw_out_pend *rp, const struct sw_sip_msg *msg,
	      struct sw_sa_rt *sa, uint8_t *slot)
{
	struct sw_engine *eng = lc->eng;
	int rc;

	if (sa == NULL)
		return SW_FWD_SIGN; /* the SA is gone: relayed unsigned */
	if (sw_sa_rsp_needs_cp(sa, msg)) {
		sw_fwd_to_cp(lc, rp->m);
		return SW_FWD_CONSUMED;
	}
	rc = sw_sa_sign_prep(eng->pol, sa, msg, &lc->rng, slot, &rp->sp, &lc->sign_job[lc->n_sign]);
	if (rc == 0)
		rp->job = (uint8_t)lc->n_sign++;
	else if (rc != 1)
		rp->sp.sa = NULL; /* relayed unsigned, as when signing fails (counted) */
	return SW_FWD_SIGN;
}

static void
response_end(struct sw_lcore *lc, struct sw_out_pend *rp, const struct sw_sip_msg *msg,
	     const uint8_t *digest, bool burst_ok)
{
	struct sw_engine *eng = lc->eng;
	struct out_op op = { .kind = OP_FWD, .msg = msg, .buf = rp->buf, .len = rp->len };
	bool sign = rp->sp.sa != NULL && burst_ok;
	struct sw_addr dst;
	struct rte_mbuf *pay;
	enum sw_drop why;

	op.fwd.pop_via = true;
	op.fwd.info_hdr = SW_HDR_OTHER;
	if (sign) {
		struct sw_wbuf w;

		sw_wbuf_init(&w, lc->info, sizeof(lc->info));
		if (sw_sa_sign_finish(eng->pol, &rp->sp, digest, &w) == 0) {
			op.fwd.info_hdr = eng->pol->info_hdr;
			op.fwd.info.p = lc->info;
			op.fwd.info.len = (uint16_t)w.len;
		} else {
			sign = false;
		}
	}
	pay = build(lc, &op, &why);
	if (pay == NULL) {
		sw_ctr_add(&lc->st.drop[why], 1);
		return;
	}
	addr_of(&dst, &rp->dst);
	if (emit_routed(lc, pay, &dst, rp->dst.port, false))
		sw_ctr_add(&lc->st.verdict[sign ? SW_V_RESP_SIGNED : SW_V_RESP_PLAIN], 1);
}

enum sw_fwd_out
sw_fwd_out_prep(struct sw_lcore *lc, struct sw_out_pend *op, const struct sw_sip_msg *msg,
		struct sw_sa_rt *sa, uint8_t *slot)
{
	if (op->kind == SW_OUT_INBOUND)
		return inbound_prep(lc, op, msg, sa, slot);
	return response_prep(lc, op, msg, sa, slot);
}

void
sw_fwd_out_end(struct sw_lcore *lc, struct sw_out_pend *op, const struct sw_sip_msg *msg,
	       const uint8_t *digest, bool burst_ok)
{
	if (op->kind == SW_OUT_INBOUND)
		inbound_end(lc, op, msg, digest, burst_ok);
	else
		response_end(lc, op, msg, digest, burst_ok);
}

void
sw_fwd_to_cp(struct sw_lcore *lc, struct rte_mbuf *m)
{
	struct sw_engine *eng = lc->eng;

	if (eng->cp == NULL) {
		sw_ctr_add(&lc->st.drop[SW_DROP_CP_DOWN], 1);
		rte_pktmbuf_free(m);
		return;
	}
	/* The control thread drops what waited too long ([limits] cp_max_wait). */
	sw_pkt_meta(m)->cp_ms = (uint32_t)lc->now_ms;
	if (rte_ring_enqueue(eng->to_cp, m) != 0) {
		sw_ctr_add(&lc->st.drop[SW_DROP_CP_RING_FULL], 1);
		rte_pktmbuf_free(m);
		return;
	}
	sw_ctr_add(&lc->st.verdict[SW_V_TO_CP], 1);
}

void
sw_fwd_handshake(struct sw_lcore *lc, struct rte_mbuf *m)
{
	const struct sw_pkt_meta *pm = sw_pkt_meta(m);
	uint64_t h = sw_rl_hash(&lc->hs_rl, &pm->src.u, pm->src.af == AF_INET ? 4u : 16u);

	/* Before the ring: one source's flood must not fill it for everyone. */
	if (!sw_rl_take(&lc->hs_rl, h, lc->now_ms)) {
		sw_ctr_add(&lc->st.drop[SW_DROP_HANDSHAKE_RATE], 1);
		rte_pktmbuf_free(m);
		return;
	}
	sw_fwd_to_cp(lc, m);
}
