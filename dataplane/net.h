#ifndef SW_NET_H
#define SW_NET_H

/**
 * @file
 * Packet classification (Ethernet, one 802.1Q tag, IPv4, IPv6, UDP) and
 * output header construction for sipwardd.  Pure functions over mbufs:
 * callable on polling lcores (no allocation except the mbufs the caller
 * asks for, no locks, no logging) and from the control thread.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "ctrlplane/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Per-packet metadata, kept in the mbuf private area (pool priv_size). */
struct sw_pkt_meta {
	struct sw_addr src;        /**< IP source (prefix unused) */
	struct sw_addr dst;
	uint16_t sport;            /**< host order */
	uint16_t dport;
	uint16_t l2_len;           /**< Ethernet (+ VLAN) header bytes */
	uint16_t l3_len;           /**< IP header bytes (IPv6: 40, 48 with a Fragment header) */
	uint16_t vlan_tci;         /**< host order; valid if has_vlan */
	uint8_t has_vlan;
	uint8_t in_port;           /**< DPDK port it arrived on */
	uint32_t payload_off;      /**< UDP payload offset from the frame start */
	uint32_t payload_len;      /**< UDP payload bytes */
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	uint32_t cp_ms;            /**< when handed to the control plane (now_ms, low bits) */
};

static inline struct sw_pkt_meta *
sw_pkt_meta(struct rte_mbuf *m)
{
	return (struct sw_pkt_meta *)rte_mbuf_to_priv(m);
}

enum sw_net_class {
	SW_NET_UDP = 0,  /**< UDP datagram, meta filled */
	SW_NET_V4_FRAG,  /**< IPv4 fragment of UDP: reassemble first (meta: l2/l3, addresses) */
	SW_NET_V6_FRAG,  /**< IPv6 fragment of UDP, Fragment header right after the fixed
			  *   header (l3_len 48): reassemble first (meta: l2/l3, addresses) */
	SW_NET_BAD_FRAG, /**< IPv4/IPv6 fragment of UDP that can never be reassembled: no
			  *   data, a non-last fragment whose length is not a multiple of 8,
			  *   or data past SW_NET_DGRAM_MAX (meta: l2/l3, addresses) */
	SW_NET_OTHER,    /**< valid, but not UDP (ARP, ICMP, TCP, ...) */
	SW_NET_BAD_L2,
	SW_NET_BAD_L3,
};

/**
 * Largest fragmentable part (UDP header + payload) of a datagram we
 * reassemble or send: the 16-bit IPv6 Payload Length and UDP Length
 * (RFC 8200 §3, RFC 768).  IPv4 subtracts its header (Total Length).  A
 * fragment whose data would end past it is SW_NET_BAD_FRAG: DPDK 22.11's
 * reassembler would truncate the length field of the result.
 */
#define SW_NET_DGRAM_MAX 65535u

/**
 * Classify @p m (first segment must hold the L2-L4 headers, which every PMD
 * and rte_ip_frag output guarantee) and fill its sw_pkt_meta.  IPv6 atomic
 * fragments (offset 0, no M flag: RFC 6946) lose their Fragment header here
 * and classify as the datagram they hold.  Fragments of other protocols than
 * UDP are SW_NET_OTHER (the kernel's).  Does not allocate, lock or log.
 */
enum sw_net_class sw_net_classify(struct rte_mbuf *m, uint16_t in_port);

/** Where to send an output datagram (all L2/L3 fields resolved). */
struct sw_net_dst {
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	struct sw_addr src;
	struct sw_addr dst;
	uint16_t sport;
	uint16_t dport;
	uint16_t vlan_tci;
	uint8_t has_vlan;
	uint16_t mtu;               /**< IP MTU of the output link */
};

/** Headroom sw_net_push_headers() needs in front of the payload. */
#define SW_NET_HDR_MAX (RTE_ETHER_HDR_LEN + 4 + 40 + 8)

/**
 * Prepend Ethernet [+ VLAN] + IPv4/IPv6 + UDP headers in front of the UDP
 * payload that @p m holds (single segment, payload at data_off), with
 * checksums.  @return 0, -ENOSPC (no headroom), -EMSGSIZE (IP packet above
 * the MTU: use sw_net_fragment4() / sw_net_fragment6(); or UDP datagram
 * above SW_NET_DGRAM_MAX, IPv4: minus its 20-byte header).
 */
int sw_net_push_headers(struct rte_mbuf *m, const struct sw_net_dst *d);

/**
 * Fragment the IPv4 packet @p m (built by sw_net_push_headers_nomtu) into
 * single-segment fragments of at most @p d->mtu IP bytes (and what one mbuf
 * of @p pool holds), allocated from @p pool.  @p m is consumed (freed) in
 * every case.  Single-segment output because af_xdp transmits only the
 * first segment of a chain.
 * @return number of fragments in out[], or -ENOBUFS (no mbuf), -ENOSPC (not
 * IPv4, @p m chained, more than @p out_max fragments), -EINVAL (no room for
 * data in a fragment); none kept.
 */
int sw_net_fragment4(struct rte_mbuf *m, const struct sw_net_dst *d, struct rte_mempool *pool,
		     struct rte_mbuf **out, uint16_t out_max);

/**
 * Fragment the IPv6 packet @p m (built by sw_net_push_headers_nomtu) as its
 * source (RFC 8200 §4.5): a Fragment header after the fixed header, every
 * fragment at most @p d->mtu IP bytes (and what one mbuf of @p pool holds),
 * data in multiples of 8 but the last, a random Identification (RFC 7739).
 * @p m is consumed (freed) in every case; single-segment output as for
 * sw_net_fragment4().
 * @return number of fragments in out[], -EINVAL (not IPv6, or an MTU below
 * the IPv6 minimum of 1280), -ENOBUFS (no mbuf), -ENOSPC (@p m chained, more
 * than @p out_max fragments); none kept.
 */
int sw_net_fragment6(struct rte_mbuf *m, const struct sw_net_dst *d, struct rte_mempool *pool,
		     struct rte_mbuf **out, uint16_t out_max);

/** IPv6 minimum link MTU (RFC 8200 §5). */
#define SW_NET_V6_MTU_MIN 1280u

/** As sw_net_push_headers() but without the MTU check (for fragmenting). */
int sw_net_push_headers_nomtu(struct rte_mbuf *m, const struct sw_net_dst *d);

/** Build a 64-bit flow key for software distribution (client address+port). */
static inline uint32_t
sw_net_flow_hash(const struct sw_pkt_meta *pm)
{
	uint32_t h = 2166136261u, i;
	const uint8_t *a = (const uint8_t *)&pm->src.u;
	unsigned int n = pm->src.af == AF_INET ? 4 : 16;

	for (i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ (pm->sport & 0xff)) * 16777619u;
	h = (h ^ (pm->sport >> 8)) * 16777619u;
	return h;
}

/** Parse an IP literal span (IPv6 may be bracketed) into @p a. */
bool sw_net_parse_ip(const char *p, uint16_t len, struct sw_addr *a);

/** Equal addresses (family and bytes). */
static inline bool
sw_addr_eq(const struct sw_addr *a, const struct sw_addr *b)
{
	if (a->af != b->af)
		return false;
	if (a->af == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	return memcmp(&a->u.v6, &b->u.v6, 16) == 0;
}

#ifdef __cplusplus
}
#endif

#endif /* SW_NET_H */
