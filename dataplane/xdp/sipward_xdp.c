// SPDX-License-Identifier: BSD-3-Clause
/*
 * sipward's XDP program for net_af_xdp ports (loaded by the PMD through its
 * xdp_prog devarg): SIP goes to the engine's AF_XDP socket, everything else
 * stays with the kernel (ARP/ND, ICMP, SSH, routing protocols: DESIGN.md
 * "The kernel keeps what is not SIP").
 *
 * Redirected: UDP over IPv4/IPv6 (one optional 802.1Q tag) whose destination
 * port is in sip_ports (filled by sipwardd at start from its configuration),
 * and IPv4/IPv6 fragments of UDP datagrams (only the first fragment carries
 * the port; the engine reassembles and drops what turns out not to be SIP).
 *
 * The PMD requires the XSKMAP to be called xsks_map (DPDK af_xdp guide,
 * "xdp_prog").  Built with clang -target bpf by meson.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* UDP destination ports (host byte order) that are SIP: value 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u16);
	__type(value, __u8);
} sip_ports SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline int
to_engine(struct xdp_md *ctx)
{
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

static __always_inline int
udp_port_is_sip(void *udp, void *end)
{
	struct udphdr *uh = udp;
	__u16 port;

	if ((void *)(uh + 1) > end)
		return 0;
	port = bpf_ntohs(uh->dest);
	return bpf_map_lookup_elem(&sip_ports, &port) != NULL;
}

SEC("xdp")
int
sipward_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eh = data;
	void *l3;
	__u16 proto;

	if ((void *)(eh + 1) > end)
		return XDP_PASS;
	proto = eh->h_proto;
	l3 = eh + 1;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > end)
			return XDP_PASS;
		proto = vh->proto;
		l3 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ih = l3;

		if ((void *)(ih + 1) > end || ih->protocol != IPPROTO_UDP || ih->ihl < 5)
			return XDP_PASS;
		/* A fragment: only the first has the UDP header.  Fragments of
		 * UDP datagrams go to the engine, which reassembles them. */
		if ((ih->frag_off & bpf_htons(0x3fff)) != 0)
			return to_engine(ctx);
		if (udp_port_is_sip((void *)ih + ih->ihl * 4, end))
			return to_engine(ctx);
		return XDP_PASS;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ih = l3;

		if ((void *)(ih + 1) > end)
			return XDP_PASS;
		/* Fragments of UDP datagrams, as for IPv4: the Fragment
		 * header right after the fixed one names the next header. */
		if (ih->nexthdr == IPPROTO_FRAGMENT) {
			__u8 *fh = (__u8 *)(ih + 1);

			if ((void *)(fh + 8) > end || fh[0] != IPPROTO_UDP)
				return XDP_PASS;
			return to_engine(ctx);
		}
		if (ih->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		if (udp_port_is_sip(ih + 1, end))
			return to_engine(ctx);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
