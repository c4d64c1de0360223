/*
 * UDP transport and the RFC 3261 §17.1 client transaction timers.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_priv.h"

/* "ADDR:PORT", "[v6]:PORT" or "ADDR" into host and port. */
static int
split_hostport(const char *s, char *host, size_t cap, uint16_t *port)
{
	const char *colon;
	size_t n;
	char *end;
	unsigned long p;

	*port = 0;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL)
			return -EINVAL;
		n = (size_t)(rb - s - 1);
		if (n + 1 > cap)
			return -EINVAL;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			colon = NULL; /* bare IPv6 */
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (n + 1 > cap)
			return -EINVAL;
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (colon != NULL) {
		errno = 0;
		p = strtoul(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || p > 65535)
			return -EINVAL;
		*port = (uint16_t)p;
	}
	return 0;
}

int
sw_cl_tp_open(struct sw_cl_tp *tp, const char *host, uint16_t port, const char *local)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ls;
	socklen_t ls_len = sizeof(ls);
	char portstr[8], lhost[64];
	uint16_t lport = 0;
	int rc, fd = -1;

	memset(tp, 0, sizeof(*tp));
	tp->fd = -1;
	snprintf(portstr, sizeof(portstr), "%u", port != 0 ? port : 5060);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0 || res == NULL)
		return -EHOSTUNREACH;
	memcpy(&tp->peer, res->ai_addr, res->ai_addrlen);
	tp->peer_len = res->ai_addrlen;
	snprintf(tp->peer_host, sizeof(tp->peer_host), "%s", host);
	tp->peer_port = port != 0 ? port : 5060;
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (local != NULL) {
		struct addrinfo *lres = NULL;

		rc = split_hostport(local, lhost, sizeof(lhost), &lport);
		if (rc != 0)
			goto fail;
		snprintf(portstr, sizeof(portstr), "%u", lport);
		hints.ai_family = res->ai_family;
		hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
		if (getaddrinfo(lhost[0] != '\0' ? lhost : NULL, portstr, &hints, &lres) != 0 ||
		    lres == NULL) {
			rc = -EADDRNOTAVAIL;
			goto fail;
		}
		rc = bind(fd, lres->ai_addr, lres->ai_addrlen) == 0 ? 0 : -errno;
		freeaddrinfo(lres);
		if (rc != 0)
			goto fail;
	}
	/* connect() picks the source address we then advertise in Via and Contact. */
	if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		rc = -errno;
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ls, &ls_len) != 0) {
		rc = -errno;
		goto fail;
	}
	if (ls.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ls;
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(tp->local_host, sizeof(tp->local_host), "[%s]", a);
		tp->local_port = ntohs(s6->sin6_port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ls;

		inet_ntop(AF_INET, &s4->sin_addr, tp->local_host, sizeof(tp->local_host));
		tp->local_port = ntohs(s4->sin_port);
	}
	snprintf(tp->local_str, sizeof(tp->local_str), "%s:%u", tp->local_host, tp->local_port);
	freeaddrinfo(res);
	tp->fd = fd;
	return 0;

fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return rc;
}

void
sw_cl_tp_close(struct sw_cl_tp *tp)
{
	if (tp->fd >= 0)
		close(tp->fd);
	tp->fd = -1;
}

int
sw_cl_tp_send(struct sw_cl_tp *tp, const void *buf, size_t len)
{
	ssize_t n = send(tp->fd, buf, len, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int
sw_cl_tp_recv(struct sw_cl_tp *tp, void *buf, size_t cap, uint32_t timeout_ms)
{
	struct pollfd pfd = {.fd = tp->fd, .events = POLLIN};
	ssize_t n;
	int rc;

	rc = poll(&pfd, 1, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return 0;
	n = recv(tp->fd, buf, cap, 0);
	if (n < 0) {
		/* ICMP port unreachable surfaces here on a connected socket: keep waiting,
		 * the retransmission timer decides. */
		if (errno == ECONNREFUSED || errno == EINTR || errno == EAGAIN)
			return 0;
		return -errno;
	}
	return (int)n;
}

/*
 * Timers.  Non-INVITE (§17.1.2.2): Timer E starts at T1 and doubles up to
 * T2; once a provisional response arrived it fires every T2; Timer F = 64*T1.
 * INVITE (§17.1.1.2): Timer A starts at T1 and doubles without cap; a
 * provisional response stops retransmission and Timer B (64*T1).
 */
void
sw_cl_timer_start(struct sw_cl_timer *t, bool invite, uint32_t t1, uint32_t t2, uint64_t now)
{
	memset(t, 0, sizeof(*t));
	t->invite = invite;
	t->t1 = t1 != 0 ? t1 : SW_CL_T1_DEFAULT_MS;
	t->t2 = t2 != 0 ? t2 : SW_CL_T2_DEFAULT_MS;
	t->start = now;
	t->interval = t->t1;
	t->next = now + t->interval;
	t->deadline = now + 64u * (uint64_t)t->t1;
}

void
sw_cl_timer_provisional(struct sw_cl_timer *t, uint64_t now)
{
	if (t->proceeding)
		return;
	t->proceeding = true;
	if (t->invite) {
		t->next = UINT64_MAX;
		t->deadline = UINT64_MAX;
	} else {
		t->interval = t->t2;
		t->next = now + t->t2;
	}
}

enum sw_cl_timer_ev
sw_cl_timer_poll(struct sw_cl_timer *t, uint64_t now)
{
	if (now >= t->deadline)
		return SW_CL_TIMER_TIMEOUT;
	if (now < t->next)
		return SW_CL_TIMER_NONE;
	if (t->invite) {
		t->interval *= 2;
	} else if (!t->proceeding) {
		t->interval = t->interval * 2 < t->t2 ? t->interval * 2 : t->t2;
	}
	t->next = now + t->interval;
	return SW_CL_TIMER_RETRANSMIT;
}

uint64_t
sw_cl_timer_wake(const struct sw_cl_timer *t)
{
	return t->next < t->deadline ? t->next : t->deadline;
}
