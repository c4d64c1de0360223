#ifndef SW_NEIGH_H
#define SW_NEIGH_H

/**
 * @file
 * Next-hop MAC addresses from the kernel's neighbour table (DESIGN.md:
 * "MAC addresses of next hops and clients come from the kernel's neighbour
 * table (netlink), not from an ARP implementation of ours").
 *
 * The control thread owns a netlink socket (RTM_GETNEIGH dump at start,
 * RTNLGRP_NEIGH / RTNLGRP_IPV6... notifications afterwards) and is the only
 * writer of a fixed open-addressed table.  Polling lcores read it lock-free:
 * each entry carries a sequence counter (seqlock: odd while being written),
 * readers retry a bounded number of times and never block the writer.
 * A miss is reported back with sw_neigh_request() (an MP/SC ring to the
 * control thread), which asks the kernel to resolve the address
 * (RTM_NEWNEIGH with NTF_USE: the kernel sends the ARP / NS itself).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ring.h>

#include "ctrlplane/config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_NEIGH_SLOTS 4096u /**< power of two */
#define SW_NEIGH_PROBE 8u    /**< linear-probe distance */

struct sw_neigh_entry {
	uint32_t seq;          /**< even: stable; odd: being written */
	uint8_t af;            /**< 0: empty slot */
	uint8_t valid;         /**< MAC usable (REACHABLE/STALE/DELAY/PROBE/PERMANENT) */
	uint16_t port;         /**< DPDK port the kernel interface maps to */
	uint8_t ip[16];
	struct rte_ether_addr mac;
};

struct sw_neigh_req {
	uint8_t af;
	uint8_t port;
	uint16_t pad;
	uint8_t ip[16];
};

struct sw_neigh {
	struct sw_neigh_entry e[SW_NEIGH_SLOTS];
	struct rte_ring *req;       /**< struct sw_neigh_req elements, MP/SC */
	int nl_fd;                  /**< netlink socket (control thread) */
	int ifindex[RTE_MAX_ETHPORTS]; /**< kernel ifindex of each DPDK port, 0 = none */
	uint32_t nl_seq;
	uint64_t n_updates, n_requests, n_valid;
};

/** Create the table and its request ring on @p socket.  Control thread. */
int sw_neigh_create(int socket, struct sw_neigh **out);

/** Open the netlink socket and dump the current table.  Control thread. */
int sw_neigh_start(struct sw_neigh *nt);

/** Process pending netlink messages and resolution requests (non-blocking).
 *  Control thread, called from its loop. */
void sw_neigh_poll(struct sw_neigh *nt);

void sw_neigh_free(struct sw_neigh *nt);

/** Writer: add/update/invalidate an entry.  Control thread only. */
void sw_neigh_set(struct sw_neigh *nt, const struct sw_addr *ip, uint16_t port,
		  const struct rte_ether_addr *mac, bool valid);

static inline uint32_t
sw_neigh_hash(const struct sw_addr *a)
{
	const uint8_t *p = (const uint8_t *)&a->u;
	unsigned int n = a->af == AF_INET ? 4 : 16, i;
	uint32_t h = 2166136261u;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/**
 * Lock-free lookup (polling lcores).  @return true and *mac if a usable
 * entry exists.  Does not allocate, lock or log.
 */
static inline bool
sw_neigh_lookup(const struct sw_neigh *nt, const struct sw_addr *a, struct rte_ether_addr *mac)
{
	uint32_t h = sw_neigh_hash(a), i, tries;
	unsigned int n = a->af == AF_INET ? 4 : 16;

	for (i = 0; i < SW_NEIGH_PROBE; i++) {
		const struct sw_neigh_entry *e = &nt->e[(h + i) & (SW_NEIGH_SLOTS - 1)];

		for (tries = 0; tries < 4; tries++) {
			uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			uint8_t af, valid, ip[16];
			struct rte_ether_addr m;

			if (s1 & 1)
				continue;
			af = __atomic_load_n(&e->af, __ATOMIC_RELAXED);
			valid = __atomic_load_n(&e->valid, __ATOMIC_RELAXED);
			memcpy(ip, e->ip, 16);
			memcpy(&m, &e->mac, sizeof(m));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s1)
				continue;
			if (af == 0)
				return false;
			if (af == a->af && memcmp(ip, &a->u, n) == 0) {
				if (!valid)
					return false;
				*mac = m;
				return true;
			}
			break;
		}
	}
	return false;
}

/** Ask the control thread to resolve @p a on @p port (lcores; drops silently
 *  when the ring is full). */
static inline void
sw_neigh_request(struct sw_neigh *nt, const struct sw_addr *a, uint16_t port)
{
	struct sw_neigh_req r;

	memset(&r, 0, sizeof(r));
	r.af = a->af;
	r.port = (uint8_t)port;
	memcpy(r.ip, &a->u, a->af == AF_INET ? 4 : 16);
	(void)rte_ring_enqueue_elem(nt->req, &r, sizeof(r));
}

#ifdef __cplusplus
}
#endif

#endif /* SW_NEIGH_H */
