/*
 * Kernel neighbour table mirror over rtnetlink (control thread).
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <rte_log.h>
#include <rte_malloc.h>

#include "dataplane/neigh.h"

#define RTE_LOGTYPE_SW_NEIGH RTE_LOGTYPE_USER2

int
sw_neigh_create(int socket, struct sw_neigh **out)
{
	struct sw_neigh *nt;
	char name[32];

	*out = NULL;
	nt = rte_zmalloc_socket("sw_neigh", sizeof(*nt), RTE_CACHE_LINE_SIZE, socket);
	if (nt == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "sw_neigh_req");
	nt->req = rte_ring_create_elem(name, sizeof(struct sw_neigh_req), 256, socket,
				       RING_F_SC_DEQ);
	if (nt->req == NULL) {
		rte_free(nt);
		return -ENOMEM;
	}
	nt->nl_fd = -1;
	*out = nt;
	return 0;
}

void
sw_neigh_free(struct sw_neigh *nt)
{
	if (nt == NULL)
		return;
	if (nt->nl_fd >= 0)
		close(nt->nl_fd);
	rte_ring_free(nt->req);
	rte_free(nt);
}

void
sw_neigh_set(struct sw_neigh *nt, const struct sw_addr *ip, uint16_t port,
	     const struct rte_ether_addr *mac, bool valid)
{
	uint32_t h = sw_neigh_hash(ip), i;
	unsigned int n = ip->af == AF_INET ? 4 : 16;
	struct sw_neigh_entry *e = NULL, *empty = NULL;

	for (i = 0; i < SW_NEIGH_PROBE; i++) {
		struct sw_neigh_entry *c = &nt->e[(h + i) & (SW_NEIGH_SLOTS - 1)];

		if (c->af == ip->af && memcmp(c->ip, &ip->u, n) == 0) {
			e = c;
			break;
		}
		if (c->af == 0 && empty == NULL)
			empty = c;
	}
	if (e == NULL) {
		if (!valid || empty == NULL)
			return; /* nothing to invalidate / table region full */
		e = empty;
	}
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset(e->ip, 0, sizeof(e->ip));
	memcpy(e->ip, &ip->u, n);
	if (mac != NULL)
		e->mac = *mac;
	e->port = port;
	__atomic_store_n(&e->valid, (uint8_t)valid, __ATOMIC_RELAXED);
	__atomic_store_n(&e->af, ip->af, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
	nt->n_updates++;
}

static int
port_of_ifindex(const struct sw_neigh *nt, int ifindex)
{
	unsigned int p;

	for (p = 0; p < RTE_MAX_ETHPORTS; p++)
		if (nt->ifindex[p] != 0 && nt->ifindex[p] == ifindex)
			return (int)p;
	return -1;
}

static void
handle_neigh(struct sw_neigh *nt, struct nlmsghdr *nh)
{
	struct ndmsg *nd = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	struct rtattr *rta = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	struct sw_addr ip;
	struct rte_ether_addr mac;
	bool have_ip = false, have_mac = false, valid;
	int port;

	if (len < 0 || (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6))
		return;
	port = port_of_ifindex(nt, nd->ndm_ifindex);
	RTE_LOG(DEBUG, SW_NEIGH, "netlink neighbour message: ifindex %d -> port %d\n",
		nd->ndm_ifindex, port);
	if (port < 0)
		return;
	memset(&ip, 0, sizeof(ip));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_DST) {
			size_t al = nd->ndm_family == AF_INET ? 4 : 16;

			if (RTA_PAYLOAD(rta) < al)
				return;
			ip.af = nd->ndm_family;
			memcpy(&ip.u, RTA_DATA(rta), al);
			have_ip = true;
		} else if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6) {
			memcpy(&mac, RTA_DATA(rta), 6);
			have_mac = true;
		}
	}
	if (!have_ip)
		return;
	valid = nh->nlmsg_type == RTM_NEWNEIGH && have_mac &&
		(nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
				  NUD_PERMANENT | NUD_NOARP)) != 0;
	sw_neigh_set(nt, &ip, (uint16_t)port, have_mac ? &mac : NULL, valid);
	{
		char a[64];

		RTE_LOG(DEBUG, SW_NEIGH, "neighbour %s port %d state 0x%x: %s\n",
			sw_addr_str(&ip, a, sizeof(a)), port, nd->ndm_state,
			valid ? "usable" : "not usable");
	}
}

static void
drain(struct sw_neigh *nt)
{
	char buf[16384] __rte_aligned(8);
	ssize_t n;

	for (;;) {
		struct nlmsghdr *nh;
		int len;

		n = recv(nt->nl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			return;
		len = (int)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned int)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == RTM_NEWNEIGH || nh->nlmsg_type == RTM_DELNEIGH)
				handle_neigh(nt, nh);
		}
	}
}

static int
send_req(struct sw_neigh *nt, uint16_t type, uint16_t flags, int family, int ifindex,
	 const void *dst, size_t dst_len, uint8_t ndm_flags, uint16_t state)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
		char attrs[64];
	} req;
	struct rtattr *rta;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	req.nh.nlmsg_seq = ++nt->nl_seq;
	req.nd.ndm_family = (uint8_t)family;
	req.nd.ndm_ifindex = ifindex;
	req.nd.ndm_flags = ndm_flags;
	req.nd.ndm_state = state;
	if (dst != NULL) {
		rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
		rta->rta_type = NDA_DST;
		rta->rta_len = (unsigned short)RTA_LENGTH(dst_len);
		memcpy(RTA_DATA(rta), dst, dst_len);
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	if (send(nt->nl_fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	return 0;
}

int
sw_neigh_start(struct sw_neigh *nt)
{
	struct sockaddr_nl sa;
	int fd, rcvbuf = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_NEIGH;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nt->nl_fd = fd;
	send_req(nt, RTM_GETNEIGH, NLM_F_DUMP, AF_UNSPEC, 0, NULL, 0, 0, 0);
	usleep(20000);
	drain(nt);
	return 0;
}

void
sw_neigh_poll(struct sw_neigh *nt)
{
	struct sw_neigh_req r;
	unsigned int budget = 32;

	if (nt->nl_fd < 0)
		return;
	drain(nt);
	while (budget-- > 0 && rte_ring_dequeue_elem(nt->req, &r, sizeof(r)) == 0) {
		int ifindex = r.port < RTE_MAX_ETHPORTS ? nt->ifindex[r.port] : 0;

		if (ifindex == 0)
			continue;
		/* NTF_USE makes the kernel treat the entry as used: it creates it
		 * (NUD_INCOMPLETE) if needed and sends the ARP request / NS. */
		send_req(nt, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, r.af, ifindex, r.ip,
			 r.af == AF_INET ? 4 : 16, NTF_USE, NUD_NONE);
		nt->n_requests++;
	}
}
