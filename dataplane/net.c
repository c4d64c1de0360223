/*
 * Ethernet / VLAN / IPv4 / IPv6 / UDP classification and output headers.
 */

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#if defined(__x86_64__) && !defined(SW_NET_SCALAR_ONLY)
#include <x86intrin.h>
#endif

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "dataplane/net.h"

/*
 * A fragment that no reassembly can use gets a defined answer now rather
 * than a table slot: empty, a non-last one whose length is not a multiple
 * of 8 (RFC 791, RFC 8200 §4.5), or data ending past @p max.
 */
static enum sw_net_class
frag_class(uint32_t ofs, uint32_t len, bool more, uint32_t max, enum sw_net_class ok)
{
	if (len == 0 || (more && (len & 7) != 0) || ofs + len > max)
		return SW_NET_BAD_FRAG;
	return ok;
}

/*
 * An atomic fragment (RFC 6946 §4): the whole datagram behind a Fragment
 * header with offset 0 and no M flag.  It is processed in isolation, never
 * mixed with fragments in the table: drop the header (move L2 + the fixed
 * header over it) and take the next header from it.
 */
static void
unfrag_atomic(struct rte_mbuf *m, uint16_t l3_off)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(p + l3_off);
	const struct rte_ipv6_fragment_ext *fh = (const struct rte_ipv6_fragment_ext *)(ih + 1);

	ih->proto = fh->next_header;
	ih->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ih->payload_len) -
						       sizeof(*fh)));
	memmove(p + sizeof(*fh), p, (size_t)l3_off + sizeof(*ih));
	rte_pktmbuf_adj(m, sizeof(*fh));
}

enum sw_net_class
sw_net_classify(struct rte_mbuf *m, uint16_t in_port)
{
	struct sw_pkt_meta *pm = sw_pkt_meta(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eh;
	uint16_t et, off;
	const struct rte_udp_hdr *uh;
	uint32_t udp_len;

	pm->in_port = (uint8_t)in_port;
	pm->has_vlan = 0;
	if (len < RTE_ETHER_HDR_LEN)
		return SW_NET_BAD_L2;
	eh = (const struct rte_ether_hdr *)p;
	rte_ether_addr_copy(&eh->src_addr, &pm->src_mac);
	rte_ether_addr_copy(&eh->dst_addr, &pm->dst_mac);
	et = rte_be_to_cpu_16(eh->ether_type);
	off = RTE_ETHER_HDR_LEN;
	if (et == RTE_ETHER_TYPE_VLAN) {
		const struct rte_vlan_hdr *vh;

		if (len < off + sizeof(*vh))
			return SW_NET_BAD_L2;
		vh = (const struct rte_vlan_hdr *)(p + off);
		pm->has_vlan = 1;
		pm->vlan_tci = rte_be_to_cpu_16(vh->vlan_tci);
		et = rte_be_to_cpu_16(vh->eth_proto);
		off += sizeof(*vh);
	}
	pm->l2_len = off;

	if (et == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ih;
		uint16_t ihl, tot;

		if (len < off + sizeof(*ih))
			return SW_NET_BAD_L3;
		ih = (const struct rte_ipv4_hdr *)(p + off);
		ihl = (uint16_t)((ih->version_ihl & 0x0f) * 4);
		tot = rte_be_to_cpu_16(ih->total_length);
		if ((ih->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl ||
		    rte_pktmbuf_pkt_len(m) < (uint32_t)off + tot || len < (uint32_t)off + ihl)
			return SW_NET_BAD_L3;
		pm->l3_len = ihl;
		pm->src.af = AF_INET;
		pm->dst.af = AF_INET;
		pm->src.u.v4.s_addr = ih->src_addr;
		pm->dst.u.v4.s_addr = ih->dst_addr;
		if (ih->next_proto_id != IPPROTO_UDP)
			return SW_NET_OTHER;
		if (rte_ipv4_frag_pkt_is_fragmented(ih)) {
			uint16_t fo = rte_be_to_cpu_16(ih->fragment_offset);

			return frag_class((uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8,
					  (uint32_t)tot - ihl, (fo & RTE_IPV4_HDR_MF_FLAG) != 0,
					  SW_NET_DGRAM_MAX - ihl, SW_NET_V4_FRAG);
		}
		/* Trim Ethernet padding so the mbuf holds exactly the IP packet. */
		if (rte_pktmbuf_pkt_len(m) > (uint32_t)off + tot)
			rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - off - tot));
		off = (uint16_t)(off + ihl);
		udp_len = (uint32_t)tot - ihl;
	} else if (et == RTE_ETHER_TYPE_IPV6) {
		const struct rte_ipv6_hdr *ih;
		uint32_t plen;

		if (len < off + sizeof(*ih))
			return SW_NET_BAD_L3;
		ih = (const struct rte_ipv6_hdr *)(p + off);
		plen = rte_be_to_cpu_16(ih->payload_len);
		if ((rte_be_to_cpu_32(ih->vtc_flow) >> 28) != 6 ||
		    rte_pktmbuf_pkt_len(m) < (uint32_t)off + 40 + plen)
			return SW_NET_BAD_L3;
		pm->l3_len = 40;
		pm->src.af = AF_INET6;
		pm->dst.af = AF_INET6;
		memcpy(&pm->src.u.v6, ih->src_addr, 16);
		memcpy(&pm->dst.u.v6, ih->dst_addr, 16);
		if (ih->proto == IPPROTO_FRAGMENT) {
			const struct rte_ipv6_fragment_ext *fh;
			uint16_t fd;

			if (len < (uint32_t)off + 40 + sizeof(*fh) || plen < sizeof(*fh))
				return SW_NET_BAD_L3;
			fh = (const struct rte_ipv6_fragment_ext *)(ih + 1);
			/* Every fragment carries the next header of the
			 * fragmentable part (RFC 8200 §4.5): not UDP is the
			 * kernel's, as an unfragmented one would be. */
			if (fh->next_header != IPPROTO_UDP)
				return SW_NET_OTHER;
			fd = rte_be_to_cpu_16(fh->frag_data);
			if ((fd & RTE_IPV6_FRAG_USED_MASK) == 0) {
				unfrag_atomic(m, off);
				return sw_net_classify(m, in_port);
			}
			pm->l3_len = 40 + sizeof(*fh);
			return frag_class(fd & RTE_IPV6_EHDR_FO_MASK, plen - (uint32_t)sizeof(*fh),
					  RTE_IPV6_GET_MF(fd) != 0, SW_NET_DGRAM_MAX,
					  SW_NET_V6_FRAG);
		}
		if (ih->proto != IPPROTO_UDP)
			return SW_NET_OTHER;
		if (rte_pktmbuf_pkt_len(m) > (uint32_t)off + 40 + plen)
			rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - off - 40 - plen));
		off = (uint16_t)(off + 40);
		udp_len = plen;
	} else {
		return SW_NET_OTHER;
	}

	if (len < (uint32_t)off + sizeof(*uh) || udp_len < sizeof(*uh))
		return SW_NET_BAD_L3;
	uh = (const struct rte_udp_hdr *)(p + off);
	if (rte_be_to_cpu_16(uh->dgram_len) > udp_len || rte_be_to_cpu_16(uh->dgram_len) < 8)
		return SW_NET_BAD_L3;
	pm->sport = rte_be_to_cpu_16(uh->src_port);
	pm->dport = rte_be_to_cpu_16(uh->dst_port);
	pm->payload_off = (uint32_t)off + sizeof(*uh);
	pm->payload_len = rte_be_to_cpu_16(uh->dgram_len) - (uint32_t)sizeof(*uh);
	return SW_NET_UDP;
}

#if defined(__x86_64__) && !defined(SW_NET_SCALAR_ONLY)
/* A 64-bit word from any alignment (one load on x86). */
static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The one's complement sum of the @p n bytes at @p p (n a multiple of 64)
 * as one add-with-carry chain per 64 bytes: the carry of each add flows
 * into the next and only the last is added back.  That last add cannot
 * wrap: an add that carries out leaves at most 2^64 - 2 (x + y + carry in
 * is at most 2^65 - 1, and only for x = 2^64 - 1 with a carry in, which
 * the add before would have had to leave while carrying out; the first add
 * has no carry in).  Never inlined: _addcarry_u64() takes the sum's
 * address, and inside a caller short of registers gcc 12 then keeps the sum
 * in memory, a store and a reload around every add.
 */
static __rte_noinline uint64_t
sum_adc(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	unsigned long long s = 0;
	unsigned char c;

	for (; p != end; p += 64) {
		c = _addcarry_u64(0, s, load64(p), &s);
		c = _addcarry_u64(c, s, load64(p + 8), &s);
		c = _addcarry_u64(c, s, load64(p + 16), &s);
		c = _addcarry_u64(c, s, load64(p + 24), &s);
		c = _addcarry_u64(c, s, load64(p + 32), &s);
		c = _addcarry_u64(c, s, load64(p + 40), &s);
		c = _addcarry_u64(c, s, load64(p + 48), &s);
		c = _addcarry_u64(c, s, load64(p + 56), &s);
		s += c;
	}
	return s;
}
#endif

/*
 * rte_raw_cksum() of @p len bytes: the UDP checksum over the whole
 * datagram is the largest per-packet cost of output framing.  RFC 1071 §2:
 * the one's complement sum can be taken over 64-bit words with an
 * end-around carry and folded to 16 bits at the end, and it does not depend
 * on byte order as long as every byte keeps the parity of its offset (2^16
 * is 1 modulo 0xffff).  The folded value is the one rte_raw_cksum()
 * returns: both are the representative in 1..0xffff of the sum modulo
 * 0xffff, or 0 for all-zero input.
 *
 * On x86-64 the bulk goes 64 bytes a step through one add-with-carry chain
 * (_addcarry_u64, plain ADC, no ISA extension): one ADC per word with its
 * load folded in, about 0.2 instructions a byte.  C cannot say "add with
 * the carry", so the portable loop below spends a compare and a second add
 * per word (0.44 a byte); SSE2 has no carry either, and widening 16-bit
 * words into 32-bit lanes (PMADDWD after flipping bit 15) takes four
 * instructions per 16 bytes (0.33 a byte with the loop).  The portable loop
 * does the last 0..63 bytes; SW_NET_SCALAR_ONLY (test_engine_net_scalar),
 * and any other architecture, keep it alone.
 *
 * Inlined: the IPv4 header's call (20 bytes) then compiles to a few adds
 * and the fold.
 */
static __rte_always_inline uint16_t
raw_cksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0, v;

#if defined(__x86_64__) && !defined(SW_NET_SCALAR_ONLY)
	if (len >= 64) {
		sum = sum_adc(p, len & ~(size_t)63);
		p += len & ~(size_t)63;
		len &= 63;
	}
#endif
	for (; len >= 32; p += 32, len -= 32) {
		uint64_t a, b, c, e;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&e, p + 24, 8);
		sum += a;
		sum += sum < a;
		sum += b;
		sum += sum < b;
		sum += c;
		sum += sum < c;
		sum += e;
		sum += sum < e;
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);
		sum += v;
		sum += sum < v;
	}
	/* The last 0..7 bytes in one word, each at a byte position of the
	 * parity of its offset: the 4-byte piece at 0, the 2-byte one at 4,
	 * the odd byte (its offset is even) at 6. */
	v = 0;
	if (len & 4) {
		uint32_t x;

		memcpy(&x, p, 4);
		v = x;
		p += 4;
	}
	if (len & 2) {
		uint16_t y;

		memcpy(&y, p, 2);
		v |= (uint64_t)y << 32;
		p += 2;
	}
	if (len & 1)
		v |= (uint64_t)*p << 48;
	sum += v;
	sum += sum < v;
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* The UDP checksum field from the datagram's sum and the pseudo-header's. */
static inline uint16_t
udp_cksum_of(uint32_t sum, uint16_t phdr)
{
	uint16_t ck;

	sum += phdr;
	sum = (sum & 0xffffu) + (sum >> 16);
	ck = (uint16_t)~sum;
	return ck == 0 ? 0xffff : ck; /* RFC 768: zero is sent as all ones */
}

/* rte_ipv4_udptcp_cksum() for UDP, with raw_cksum() for the datagram. */
static uint16_t
udp4_cksum(const struct rte_ipv4_hdr *ih, const struct rte_udp_hdr *uh, uint32_t udp_len)
{
	return udp_cksum_of(raw_cksum(uh, udp_len), rte_ipv4_phdr_cksum(ih, 0));
}

/* rte_ipv6_udptcp_cksum() for UDP, with raw_cksum() for the datagram. */
static uint16_t
udp6_cksum(const struct rte_ipv6_hdr *ih, const struct rte_udp_hdr *uh, uint32_t udp_len)
{
	return udp_cksum_of(raw_cksum(uh, udp_len), rte_ipv6_phdr_cksum(ih, 0));
}

static int
push(struct rte_mbuf *m, const struct sw_net_dst *d, bool check_mtu)
{
	uint32_t plen = rte_pktmbuf_pkt_len(m);
	uint16_t l2 = (uint16_t)(RTE_ETHER_HDR_LEN + (d->has_vlan ? 4 : 0));
	uint16_t l3 = d->dst.af == AF_INET ? 20 : 40;
	struct rte_ether_hdr *eh;
	struct rte_udp_hdr *uh;
	uint8_t *p;

	/* IPv4 Total Length counts its header, IPv6 Payload Length does not. */
	if (plen + 8 > SW_NET_DGRAM_MAX - (d->dst.af == AF_INET ? l3 : 0u))
		return -EMSGSIZE;
	if (check_mtu && plen + 8 + l3 > d->mtu)
		return -EMSGSIZE;
	p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)(l2 + l3 + 8));
	if (p == NULL)
		return -ENOSPC;
	eh = (struct rte_ether_hdr *)p;
	rte_ether_addr_copy(&d->dst_mac, &eh->dst_addr);
	rte_ether_addr_copy(&d->src_mac, &eh->src_addr);
	if (d->has_vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(d->vlan_tci);
		vh->eth_proto = rte_cpu_to_be_16(d->dst.af == AF_INET ? RTE_ETHER_TYPE_IPV4
								      : RTE_ETHER_TYPE_IPV6);
	} else {
		eh->ether_type = rte_cpu_to_be_16(d->dst.af == AF_INET ? RTE_ETHER_TYPE_IPV4
								       : RTE_ETHER_TYPE_IPV6);
	}
	uh = (struct rte_udp_hdr *)(p + l2 + l3);
	uh->src_port = rte_cpu_to_be_16(d->sport);
	uh->dst_port = rte_cpu_to_be_16(d->dport);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(plen + 8));
	uh->dgram_cksum = 0;
	if (d->dst.af == AF_INET) {
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(p + l2);

		ih->version_ihl = 0x45;
		ih->type_of_service = 0;
		ih->total_length = rte_cpu_to_be_16((uint16_t)(plen + 28));
		ih->packet_id = 0;
		ih->fragment_offset = 0;
		ih->time_to_live = 64;
		ih->next_proto_id = IPPROTO_UDP;
		ih->hdr_checksum = 0;
		ih->src_addr = d->src.u.v4.s_addr;
		ih->dst_addr = d->dst.u.v4.s_addr;
		ih->hdr_checksum = (uint16_t)~raw_cksum(ih, sizeof(*ih)); /* rte_ipv4_cksum() */
		uh->dgram_cksum = udp4_cksum(ih, uh, plen + 8);
	} else {
		struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(p + l2);

		ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ih->payload_len = rte_cpu_to_be_16((uint16_t)(plen + 8));
		ih->proto = IPPROTO_UDP;
		ih->hop_limits = 64;
		memcpy(ih->src_addr, &d->src.u.v6, 16);
		memcpy(ih->dst_addr, &d->dst.u.v6, 16);
		uh->dgram_cksum = udp6_cksum(ih, uh, plen + 8);
	}
	m->l2_len = l2;
	m->l3_len = l3;
	return 0;
}

int
sw_net_push_headers(struct rte_mbuf *m, const struct sw_net_dst *d)
{
	return push(m, d, true);
}

int
sw_net_push_headers_nomtu(struct rte_mbuf *m, const struct sw_net_dst *d)
{
	return push(m, d, false);
}

/*
 * Cut the IP packet @p m (L2 + one IP header of @p l3 bytes + the datagram)
 * into single-segment fragments: each a copy of L2 and of the IP header,
 * then @p fh bytes of Fragment header (IPv6: 8, IPv4: 0), then its part of
 * the data.  fix() completes each fragment's IP header.
 */
typedef void (*frag_fix_t)(uint8_t *l3, uint32_t this_len, uint32_t ofs, bool more,
			   uint32_t id);

static int
fragment(struct rte_mbuf *m, const struct sw_net_dst *d, struct rte_mempool *pool,
	 struct rte_mbuf **out, uint16_t out_max, uint16_t l3, uint16_t fh, uint32_t id,
	 frag_fix_t fix)
{
	uint16_t l2 = m->l2_len, n = 0, i;
	const uint8_t *src;
	uint32_t data_len, off, chunk, room;
	int ret = -ENOBUFS;

	src = rte_pktmbuf_mtod_offset(m, const uint8_t *, l2 + l3);
	data_len = rte_pktmbuf_pkt_len(m) - l2 - l3;
	/* Fragments may be smaller than the MTU (a jumbo MTU with
	 * standard mbufs): never larger than one mbuf of the pool. */
	room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	chunk = RTE_MIN((uint32_t)d->mtu, room - l2);
	chunk = chunk > (uint32_t)l3 + fh ? (chunk - l3 - fh) & ~7u : 0;
	if (chunk == 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	for (off = 0; off < data_len; off += chunk) {
		uint32_t this_len = RTE_MIN(chunk, data_len - off);
		struct rte_mbuf *f;
		uint8_t *p;

		if (n == out_max) {
			ret = -ENOSPC;
			goto fail;
		}
		f = rte_pktmbuf_alloc(pool);
		if (f == NULL)
			goto fail;
		out[n++] = f;
		p = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(l2 + l3 + fh + this_len));
		if (p == NULL)
			goto fail;
		memcpy(p, rte_pktmbuf_mtod(m, const uint8_t *), (size_t)l2 + l3);
		memcpy(p + l2 + l3 + fh, src + off, this_len);
		fix(p + l2, this_len, off, off + this_len < data_len, id);
		f->l2_len = l2;
		f->l3_len = (uint16_t)(l3 + fh);
	}
	rte_pktmbuf_free(m);
	return n;
fail:
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	rte_pktmbuf_free(m);
	return ret;
}

static void
fix4(uint8_t *l3, uint32_t this_len, uint32_t ofs, bool more, uint32_t id)
{
	struct rte_ipv4_hdr *fh = (struct rte_ipv4_hdr *)l3;
	uint16_t fo = (uint16_t)(ofs / 8);

	if (more)
		fo |= RTE_IPV4_HDR_MF_FLAG;
	fh->fragment_offset = rte_cpu_to_be_16(fo);
	fh->total_length = rte_cpu_to_be_16((uint16_t)(20 + this_len));
	fh->packet_id = rte_cpu_to_be_16((uint16_t)id);
	fh->hdr_checksum = 0;
	fh->hdr_checksum = rte_ipv4_cksum(fh);
}

static void
fix6(uint8_t *l3, uint32_t this_len, uint32_t ofs, bool more, uint32_t id)
{
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)l3;
	struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ih + 1);

	fh->next_header = ih->proto;
	fh->reserved = 0;
	fh->frag_data = rte_cpu_to_be_16((uint16_t)RTE_IPV6_SET_FRAG_DATA(ofs, more ? 1 : 0));
	fh->id = rte_cpu_to_be_32(id);
	ih->proto = IPPROTO_FRAGMENT;
	ih->payload_len = rte_cpu_to_be_16((uint16_t)(sizeof(*fh) + this_len));
}

int
sw_net_fragment4(struct rte_mbuf *m, const struct sw_net_dst *d, struct rte_mempool *pool,
		 struct rte_mbuf **out, uint16_t out_max)
{
	static uint16_t ip_id;	/* per-process; a race only reuses an id */

	if (d->dst.af != AF_INET || m->nb_segs != 1) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	ip_id++;
	return fragment(m, d, pool, out, out_max, 20, 0, ip_id, fix4);
}

int
sw_net_fragment6(struct rte_mbuf *m, const struct sw_net_dst *d, struct rte_mempool *pool,
		 struct rte_mbuf **out, uint16_t out_max)
{
	if (d->dst.af != AF_INET6 || d->mtu < SW_NET_V6_MTU_MIN) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	if (m->nb_segs != 1) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	/* An unpredictable Identification (RFC 7739 §5): a counter would let
	 * an off-path sender plant a fragment in our next datagram.
	 * rte_rand() keeps per-lcore state and makes no system call. */
	return fragment(m, d, pool, out, out_max, 40, sizeof(struct rte_ipv6_fragment_ext),
			(uint32_t)rte_rand(), fix6);
}

bool
sw_net_parse_ip(const char *p, uint16_t len, struct sw_addr *a)
{
	char tmp[64];

	if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
		p++;
		len = (uint16_t)(len - 2);
	}
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, tmp, &a->u.v4) == 1) {
		a->af = AF_INET;
		a->prefix = 32;
		return true;
	}
	if (inet_pton(AF_INET6, tmp, &a->u.v6) == 1) {
		a->af = AF_INET6;
		a->prefix = 128;
		return true;
	}
	return false;
}
