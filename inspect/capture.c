/*
 * Capture decoding for sipward-inspect: link layer -> IPv4/IPv6 (with
 * fragment reassembly) -> UDP -> SIP payload.  Every length is checked
 * against the captured bytes before it is used; nothing here trusts the file.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "inspect/capture.h"

#define ETH_P_IPV4     0x0800u
#define ETH_P_IPV6     0x86ddu
#define ETH_P_VLAN     0x8100u
#define ETH_P_QINQ     0x88a8u
#define ETH_P_QINQ_OLD 0x9100u

#define IPPROTO_UDP_ 17u
#define IP6_HOPOPTS  0u
#define IP6_ROUTING  43u
#define IP6_FRAGMENT 44u
#define IP6_AH	     51u
#define IP6_NONE     59u
#define IP6_DSTOPTS  60u

#define UDP_HDR_LEN  8u
#define IP_DGRAM_MAX 65535u /* largest reassembled IP payload we accept */
#define REASM_SLOTS  64u    /* datagrams being reassembled at once */
#define REASM_FRAGS  64u    /* fragments per datagram */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

struct frag {
	uint32_t off;
	uint32_t len;
};

/* One datagram being reassembled, keyed by (family, src, dst, id, proto). */
struct reasm {
	bool used;
	bool have_last;
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* IPv4 protocol / IPv6 next header of the fragmentable part */
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint32_t total; /* valid once have_last */
	uint16_t n;
	uint64_t first_frame;
	uint64_t age; /* insertion order, for eviction */
	struct frag frags[REASM_FRAGS];
	uint8_t *data; /* IP_DGRAM_MAX bytes */
};

struct walker {
	sw_insp_pkt_fn fn;
	void *arg;
	int stop;
	uint64_t frame;
	uint64_t clock;
	const struct pcap_pkthdr *ph;
	struct reasm slot[REASM_SLOTS];
};

/* What the network layer found: the bytes after the IP header(s). */
struct l3 {
	uint8_t family;
	uint8_t proto;
	const uint8_t *src; /* 4 or 16 bytes */
	const uint8_t *dst;
	const uint8_t *p;
	size_t len;
};

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

bool
sw_insp_is_capture(const uint8_t *head, size_t len)
{
	static const uint8_t magics[][4] = {
		{0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1}, /* pcap, us */
		{0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1}, /* pcap, ns */
		{0xa1, 0xb2, 0xcd, 0x34}, {0x34, 0xcd, 0xb2, 0xa1}, /* Kuznetzov */
		{0x0a, 0x0d, 0x0d, 0x0a},			    /* pcapng SHB */
	};
	size_t i;

	if (len < 4)
		return false;
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (memcmp(head, magics[i], 4) == 0)
			return true;
	return false;
}

/* "ip:port" / "[ip6]:port"; without the port when @p port is negative. */
static void
fmt_addr(char *out, uint8_t family, const uint8_t *addr, int port)
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, ip, sizeof(ip)) == NULL)
		out[0] = '\0';
	else if (port < 0)
		snprintf(out, SW_INSP_ADDR_MAX, "%s", ip);
	else if (family == 4)
		snprintf(out, SW_INSP_ADDR_MAX, "%s:%d", ip, port);
	else
		snprintf(out, SW_INSP_ADDR_MAX, "[%s]:%d", ip, port);
}

static void
emit(struct walker *w, const struct sw_insp_pkt *pkt)
{
	if (w->stop == 0)
		w->stop = w->fn(w->arg, pkt);
}

static void
pkt_init(struct walker *w, struct sw_insp_pkt *pkt, uint64_t frame)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->frame = frame;
	if (w->ph != NULL) {
		pkt->ts_sec = (int64_t)w->ph->ts.tv_sec;
		pkt->ts_usec = (int32_t)w->ph->ts.tv_usec;
	}
}

/* Report a named error for the current record, with addresses if known. */
static void
emit_error(struct walker *w, const char *name, const struct l3 *l, uint64_t frame)
{
	struct sw_insp_pkt pkt;

	pkt_init(w, &pkt, frame);
	pkt.error = name;
	if (l != NULL && l->src != NULL) {
		fmt_addr(pkt.src, l->family, l->src, -1);
		fmt_addr(pkt.dst, l->family, l->dst, -1);
	}
	emit(w, &pkt);
}

/* RFC 5626 keep-alives and other whitespace-only datagrams. */
static bool
is_keepalive(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t' && p[i] != 0)
			return false;
	return true;
}

/* Does the first line (first 512 bytes at most) mention SIP/2.0? */
static bool
first_line_is_sip(const uint8_t *p, size_t len)
{
	size_t i, n = len < 512 ? len : 512;

	for (i = 0; i + 7 <= n && p[i] != '\n'; i++)
		if (memcmp(p + i, "SIP/2.0", 7) == 0)
			return true;
	return false;
}

/* UDP header -> payload.  @p l->p / l->len are the UDP header and what follows. */
static void
udp_input(struct walker *w, const struct l3 *l, bool cap_short, uint16_t n_frags)
{
	struct sw_insp_pkt pkt;
	uint16_t sport, dport, ulen;

	if (l->len < UDP_HDR_LEN) {
		emit_error(w, cap_short ? "capture_truncated" : "bad_udp_header", l, w->frame);
		return;
	}
	sport = rd16(l->p);
	dport = rd16(l->p + 2);
	ulen = rd16(l->p + 4);
	if (ulen < UDP_HDR_LEN || ulen > l->len) {
		emit_error(w, cap_short && ulen > l->len ? "capture_truncated" : "bad_udp_header",
			   l, w->frame);
		return;
	}

	pkt_init(w, &pkt, w->frame);
	pkt.payload = l->p + UDP_HDR_LEN;
	pkt.len = (size_t)ulen - UDP_HDR_LEN;
	pkt.n_frags = n_frags;
	if (is_keepalive(pkt.payload, pkt.len))
		return;
	if (!first_line_is_sip(pkt.payload, pkt.len) && sport != 5060 && dport != 5060 &&
	    sport != 5061 && dport != 5061)
		return;
	fmt_addr(pkt.src, l->family, l->src, sport);
	fmt_addr(pkt.dst, l->family, l->dst, dport);
	emit(w, &pkt);
}

static void
reasm_free_slot(struct reasm *r)
{
	free(r->data);
	memset(r, 0, sizeof(*r));
}

/* A datagram that will never be complete: report it with its addresses. */
static void
reasm_give_up(struct walker *w, struct reasm *r)
{
	struct l3 l = {.family = r->family, .src = r->src, .dst = r->dst};

	emit_error(w, "ip_fragment_incomplete", &l, r->first_frame);
	reasm_free_slot(r);
}

/*
 * Walk the IPv6 extension headers that may follow a fragment header's
 * fragmentable part, then hand UDP to udp_input().
 */
static void
ip6_upper(struct walker *w, struct l3 *l, uint8_t nh, bool cap_short, uint16_t n_frags)
{
	size_t hl;

	for (;;) {
		switch (nh) {
		case IPPROTO_UDP_:
			l->proto = nh;
			udp_input(w, l, cap_short, n_frags);
			return;
		case IP6_HOPOPTS:
		case IP6_ROUTING:
		case IP6_DSTOPTS:
		case IP6_AH:
			if (l->len < 2) {
				emit_error(w, cap_short ? "capture_truncated" : "bad_ip_header", l,
					   w->frame);
				return;
			}
			hl = nh == IP6_AH ? ((size_t)l->p[1] + 2) * 4 : ((size_t)l->p[1] + 1) * 8;
			if (hl > l->len) {
				emit_error(w, cap_short ? "capture_truncated" : "bad_ip_header", l,
					   w->frame);
				return;
			}
			nh = l->p[0];
			l->p += hl;
			l->len -= hl;
			break;
		default:
			return; /* not UDP (or no next header): skipped */
		}
	}
}

static void
reasm_complete(struct walker *w, struct reasm *r)
{
	struct l3 l = {
		.family = r->family,
		.proto = r->proto,
		.src = r->src,
		.dst = r->dst,
		.p = r->data,
		.len = r->total,
	};
	uint16_t n = r->n;

	if (r->family == 4)
		udp_input(w, &l, false, n);
	else
		ip6_upper(w, &l, r->proto, false, n);
}

/*
 * Add one fragment.  "Simple" reassembly only: an exact duplicate is
 * ignored, any other overlap is an error, and the datagram is delivered once
 * the fragments cover [0, total) with the last one (MF clear) seen.
 */
static void
frag_input(struct walker *w, const struct l3 *l, uint32_t id, uint32_t off, bool more)
{
	struct reasm *r = NULL, *free_slot = NULL, *oldest = NULL;
	size_t i, alen = l->family == 4 ? 4 : 16;
	uint32_t len = (uint32_t)l->len, sum;

	for (i = 0; i < REASM_SLOTS; i++) {
		struct reasm *s = &w->slot[i];

		if (!s->used) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (s->family == l->family && s->id == id && s->proto == l->proto &&
		    memcmp(s->src, l->src, alen) == 0 && memcmp(s->dst, l->dst, alen) == 0) {
			r = s;
			break;
		}
		if (oldest == NULL || s->age < oldest->age)
			oldest = s;
	}

	if ((more && (len == 0 || len % 8 != 0)) || (uint64_t)off + len > IP_DGRAM_MAX) {
		emit_error(w,
			   (uint64_t)off + len > IP_DGRAM_MAX ? "ip_fragment_too_big"
							      : "ip_fragment_bad",
			   l, w->frame);
		if (r != NULL)
			reasm_free_slot(r);
		return;
	}

	if (r == NULL) {
		if (free_slot == NULL) {
			/* Table full: give up on the oldest datagram, loudly. */
			reasm_give_up(w, oldest);
			free_slot = oldest;
		}
		r = free_slot;
		r->data = malloc(IP_DGRAM_MAX);
		if (r->data == NULL) {
			w->stop = -ENOMEM;
			return;
		}
		r->used = true;
		r->family = l->family;
		r->proto = l->proto;
		memcpy(r->src, l->src, alen);
		memcpy(r->dst, l->dst, alen);
		r->id = id;
		r->first_frame = w->frame;
		r->age = w->clock++;
	}

	for (i = 0; i < r->n; i++) {
		const struct frag *f = &r->frags[i];

		if (off >= f->off + f->len || off + len <= f->off)
			continue;
		if (f->off == off && f->len == len && memcmp(r->data + off, l->p, len) == 0)
			return; /* exact retransmission of a fragment */
		emit_error(w, "ip_fragment_overlap", l, w->frame);
		reasm_free_slot(r);
		return;
	}
	if (!more) {
		if (r->have_last && r->total != off + len) {
			emit_error(w, "ip_fragment_overlap", l, w->frame);
			reasm_free_slot(r);
			return;
		}
		r->have_last = true;
		r->total = off + len;
	}
	if (r->n == REASM_FRAGS || (r->have_last && off + len > r->total)) {
		emit_error(w, r->n == REASM_FRAGS ? "ip_fragment_too_many" : "ip_fragment_bad", l,
			   w->frame);
		reasm_free_slot(r);
		return;
	}
	memcpy(r->data + off, l->p, len);
	r->frags[r->n].off = off;
	r->frags[r->n].len = len;
	r->n++;

	if (!r->have_last)
		return;
	for (sum = 0, i = 0; i < r->n; i++)
		sum += r->frags[i].len;
	if (sum == r->total) {
		reasm_complete(w, r);
		reasm_free_slot(r);
	}
}

static void
ip4_input(struct walker *w, const uint8_t *p, size_t len, bool cap_short)
{
	struct l3 l = {.family = 4};
	size_t ihl, tot;
	uint16_t fo;

	if (len < 20) {
		if (len >= 10 && p[9] == IPPROTO_UDP_)
			emit_error(w, cap_short ? "capture_truncated" : "bad_ip_header", NULL,
				   w->frame);
		return;
	}
	l.proto = p[9];
	l.src = p + 12;
	l.dst = p + 16;
	if (l.proto != IPPROTO_UDP_)
		return;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = rd16(p + 2);
	if ((p[0] >> 4) != 4 || ihl < 20 || tot < ihl || ihl > len) {
		emit_error(w, "bad_ip_header", &l, w->frame);
		return;
	}
	if (tot > len) {
		emit_error(w, cap_short ? "capture_truncated" : "bad_ip_header", &l, w->frame);
		return;
	}
	/* tot < len: link-layer padding (Ethernet minimum frame) is dropped. */
	l.p = p + ihl;
	l.len = tot - ihl;
	fo = rd16(p + 6);
	if ((fo & 0x3fffu) != 0)
		frag_input(w, &l, rd16(p + 4), (uint32_t)(fo & 0x1fffu) * 8, (fo & 0x2000u) != 0);
	else
		udp_input(w, &l, cap_short, 0);
}

static void
ip6_input(struct walker *w, const uint8_t *p, size_t len, bool cap_short)
{
	struct l3 l = {.family = 6};
	size_t plen;
	uint8_t nh;

	if (len < 40) {
		if (cap_short)
			emit_error(w, "capture_truncated", NULL, w->frame);
		return;
	}
	l.src = p + 8;
	l.dst = p + 24;
	plen = rd16(p + 4);
	nh = p[6];
	if ((p[0] >> 4) != 6 || (plen == 0 && nh != IP6_HOPOPTS)) {
		emit_error(w, "bad_ip_header", &l, w->frame);
		return;
	}
	if (plen == 0) /* RFC 2675 jumbogram: never a SIP datagram */
		return;
	if (plen > len - 40) {
		emit_error(w, cap_short ? "capture_truncated" : "bad_ip_header", &l, w->frame);
		return;
	}
	l.p = p + 40;
	l.len = plen;

	/* Unfragmentable part, then either a fragment header or the upper layer. */
	while (nh == IP6_HOPOPTS || nh == IP6_ROUTING || nh == IP6_DSTOPTS) {
		size_t hl;

		if (l.len < 2 || (hl = ((size_t)l.p[1] + 1) * 8) > l.len) {
			emit_error(w, "bad_ip_header", &l, w->frame);
			return;
		}
		nh = l.p[0];
		l.p += hl;
		l.len -= hl;
	}
	if (nh == IP6_FRAGMENT) {
		uint16_t fo;
		uint32_t id;

		if (l.len < 8) {
			emit_error(w, "bad_ip_header", &l, w->frame);
			return;
		}
		l.proto = l.p[0];
		fo = rd16(l.p + 2);
		id = rd32(l.p + 4);
		l.p += 8;
		l.len -= 8;
		if ((fo & 0xfff9u) == 0) { /* atomic fragment, RFC 6946 */
			ip6_upper(w, &l, l.proto, cap_short, 0);
			return;
		}
		/* The key uses proto too; first fragments and later ones agree on it. */
		frag_input(w, &l, id, (uint32_t)(fo & 0xfff8u), (fo & 1u) != 0);
		return;
	}
	ip6_upper(w, &l, nh, cap_short, 0);
}

static void
l3_input(struct walker *w, uint16_t ethertype, const uint8_t *p, size_t len, bool cap_short)
{
	if (ethertype == ETH_P_IPV4)
		ip4_input(w, p, len, cap_short);
	else if (ethertype == ETH_P_IPV6)
		ip6_input(w, p, len, cap_short);
}

/* Raw IP: the version nibble says which. */
static void
raw_input(struct walker *w, const uint8_t *p, size_t len, bool cap_short)
{
	if (len == 0)
		return;
	if ((p[0] >> 4) == 4)
		ip4_input(w, p, len, cap_short);
	else if ((p[0] >> 4) == 6)
		ip6_input(w, p, len, cap_short);
}

static void
link_input(struct walker *w, int dlt, const uint8_t *p, size_t len, bool cap_short)
{
	uint16_t et;
	uint32_t af;

	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return;
		et = rd16(p + 12);
		p += 14;
		len -= 14;
		while (et == ETH_P_VLAN || et == ETH_P_QINQ || et == ETH_P_QINQ_OLD) {
			if (len < 4)
				return;
			et = rd16(p + 2);
			p += 4;
			len -= 4;
		}
		l3_input(w, et, p, len, cap_short);
		break;
	case DLT_LINUX_SLL: /* 16 bytes; protocol at 14 */
		if (len < 16)
			return;
		l3_input(w, rd16(p + 14), p + 16, len - 16, cap_short);
		break;
	case DLT_LINUX_SLL2: /* 20 bytes; protocol first */
		if (len < 20)
			return;
		l3_input(w, rd16(p), p + 20, len - 20, cap_short);
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		raw_input(w, p, len, cap_short);
		break;
	case DLT_NULL: /* 4-byte address family, host order of the capturing machine */
	case DLT_LOOP: /* network order */
		if (len < 4)
			return;
		memcpy(&af, p, 4);
		(void)af; /* AF_INET6's value differs between BSDs: trust the IP version nibble */
		raw_input(w, p + 4, len - 4, cap_short);
		break;
	default:
		break;
	}
}

static bool
dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

int
sw_insp_capture_walk(const char *path, sw_insp_pkt_fn fn, void *arg, char *err, size_t err_len)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct walker *w = NULL;
	pcap_t *pc = NULL;
	struct pcap_pkthdr *ph;
	const u_char *data;
	size_t i;
	int dlt, rc = 0, ret;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;

	pc = pcap_open_offline(path, ebuf);
	if (pc == NULL) {
		snprintf(err, err_len, "%s", ebuf);
		ret = -EIO;
		goto cleanup;
	}
	dlt = pcap_datalink(pc);
	if (!dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		snprintf(err, err_len, "unsupported link type %d (%s)", dlt,
			 name != NULL ? name : "unknown");
		ret = -ENOTSUP;
		goto cleanup;
	}

	while (w->stop == 0 && (rc = pcap_next_ex(pc, &ph, &data)) >= 0) {
		if (rc == 0)
			continue;
		w->frame++;
		w->ph = ph;
		/* pcapng can mix link types per interface; the first one rules here. */
		link_input(w, dlt, data, ph->caplen, ph->caplen < ph->len);
	}
	w->ph = NULL;
	if (w->stop == 0 && rc == PCAP_ERROR) {
		struct sw_insp_pkt pkt;

		/* A cut-off last record or a damaged block: say so, keep what we had. */
		pkt_init(w, &pkt, w->frame + 1);
		pkt.error = "bad_capture_file";
		emit(w, &pkt);
	}
	/* Whatever is still waiting for fragments will never complete. */
	for (;;) {
		struct reasm *oldest = NULL;

		for (i = 0; i < REASM_SLOTS; i++)
			if (w->slot[i].used && (oldest == NULL || w->slot[i].age < oldest->age))
				oldest = &w->slot[i];
		if (oldest == NULL)
			break;
		reasm_give_up(w, oldest);
	}
	ret = w->stop;

cleanup:
	if (pc != NULL)
		pcap_close(pc);
	if (w != NULL) {
		for (i = 0; i < REASM_SLOTS; i++)
			free(w->slot[i].data);
		free(w);
	}
	return ret;
}
