/*
 * Ethernet / VLAN / IPv4 / IPv6 / UDP classification and output headers.
 */

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_udp.h>

#include "dataplane/net.h"

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
		if (rte_ipv4_frag_pkt_is_fragmented(ih))
			return SW_NET_V4_FRAG;
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
		if (ih->proto == IPPROTO_FRAGMENT)
			return SW_NET_V6_FRAG;
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

static int
push(struct rte_mbuf *m, const struct sw_net_dst *d, bool check_mtu)
{
	uint32_t plen = rte_pktmbuf_pkt_len(m);
	uint16_t l2 = (uint16_t)(RTE_ETHER_HDR_LEN + (d->has_vlan ? 4 : 0));
	uint16_t l3 = d->dst.af == AF_INET ? 20 : 40;
	struct rte_ether_hdr *eh;
	struct rte_udp_hdr *uh;
	uint8_t *p;

	if (plen + 8 > (uint32_t)(UINT16_MAX - l3))
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
		ih->hdr_checksum = rte_ipv4_cksum(ih);
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ih, uh);
	} else {
		struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(p + l2);

		ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ih->payload_len = rte_cpu_to_be_16((uint16_t)(plen + 8));
		ih->proto = IPPROTO_UDP;
		ih->hop_limits = 64;
		memcpy(ih->src_addr, &d->src.u.v6, 16);
		memcpy(ih->dst_addr, &d->dst.u.v6, 16);
		uh->dgram_cksum = rte_ipv6_udptcp_cksum(ih, uh);
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

int
sw_net_fragment4(struct rte_mbuf *m, const struct sw_net_dst *d, struct rte_mempool *pool,
		 struct rte_mbuf **out, uint16_t out_max)
{
	uint16_t l2 = m->l2_len, n = 0, i;
	const struct rte_ipv4_hdr *ih;
	const uint8_t *src;
	uint32_t data_len, off, chunk;
	static uint16_t ip_id;	/* per-process; a race only reuses an id */

	if (d->dst.af != AF_INET || m->nb_segs != 1) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	ih = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l2);
	src = rte_pktmbuf_mtod_offset(m, const uint8_t *, l2 + 20);
	data_len = rte_pktmbuf_pkt_len(m) - l2 - 20u;
	chunk = ((uint32_t)d->mtu - 20u) & ~7u;
	ip_id++;
	for (off = 0; off < data_len; off += chunk) {
		uint32_t this_len = RTE_MIN(chunk, data_len - off);
		struct rte_mbuf *f;
		struct rte_ipv4_hdr *fh;
		uint8_t *p;
		uint16_t fo;

		if (n == out_max)
			goto fail;
		f = rte_pktmbuf_alloc(pool);
		if (f == NULL)
			goto fail;
		out[n++] = f;
		p = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(l2 + 20 + this_len));
		if (p == NULL)
			goto fail;
		memcpy(p, rte_pktmbuf_mtod(m, const uint8_t *), l2);
		fh = (struct rte_ipv4_hdr *)(p + l2);
		memcpy(fh, ih, 20);
		memcpy(p + l2 + 20, src + off, this_len);
		fo = (uint16_t)(off / 8);
		if (off + this_len < data_len)
			fo |= RTE_IPV4_HDR_MF_FLAG;
		fh->fragment_offset = rte_cpu_to_be_16(fo);
		fh->total_length = rte_cpu_to_be_16((uint16_t)(20 + this_len));
		fh->packet_id = rte_cpu_to_be_16(ip_id);
		fh->hdr_checksum = 0;
		fh->hdr_checksum = rte_ipv4_cksum(fh);
		f->l2_len = l2;
		f->l3_len = 20;
	}
	rte_pktmbuf_free(m);
	return n;
fail:
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	rte_pktmbuf_free(m);
	return -ENOBUFS;
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
