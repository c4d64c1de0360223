#ifndef SW_INSPECT_CAPTURE_H
#define SW_INSPECT_CAPTURE_H

/**
 * @file
 * Input side of sipward-inspect: tells a raw SIP message from a pcap/pcapng
 * capture by its magic number, and walks a capture's UDP datagrams
 * (Ethernet with 802.1Q/802.1ad tags, Linux cooked SLL and SLL2, raw IPv4 /
 * IPv6, BSD loopback; IPv4 and IPv6 fragments reassembled when every
 * fragment is present and none overlaps with different data).
 *
 * Private to inspect/; not part of any library.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** "[2001:db8::1]:5060" fits, with room to spare. */
#define SW_INSP_ADDR_MAX 64

/** One UDP datagram (or one named decoding error) found in a capture. */
struct sw_insp_pkt {
	const uint8_t *payload; /**< UDP payload; valid only during the callback */
	size_t len;
	uint64_t frame; /**< 1-based capture record (the last fragment's) */
	int64_t ts_sec; /**< record time stamp */
	int32_t ts_usec;
	uint16_t n_frags;	    /**< IP fragments reassembled, 0 if not fragmented */
	char src[SW_INSP_ADDR_MAX]; /**< "ip:port", empty if unknown */
	char dst[SW_INSP_ADDR_MAX];
	/**
	 * NULL for a datagram; otherwise a stable error name (payload NULL):
	 * "capture_truncated", "bad_ip_header", "bad_udp_header",
	 * "ip_fragment_overlap", "ip_fragment_too_big", "ip_fragment_bad",
	 * "ip_fragment_incomplete", "ip_fragment_too_many", "bad_capture_file".
	 */
	const char *error;
};

/** Called for each datagram or error, in capture order.  Nonzero stops the walk. */
typedef int (*sw_insp_pkt_fn)(void *arg, const struct sw_insp_pkt *pkt);

/** True if the first bytes of a file are a pcap or pcapng magic number. */
bool sw_insp_is_capture(const uint8_t *head, size_t len);

/**
 * Walk the capture file @p path, calling @p fn for every UDP datagram that
 * looks like SIP (a first line containing "SIP/2.0", or either port 5060 or
 * 5061; RFC 5626 CRLF keep-alives are skipped) and for every named decoding
 * error of a UDP packet.  Non-IP and non-UDP packets are skipped silently.
 *
 * @return 0, -EIO if the file could not be opened as a capture (message in
 *   @p err), -ENOTSUP for an unsupported link type (message in @p err),
 *   -ENOMEM, or the callback's nonzero value.
 */
int sw_insp_capture_walk(const char *path, sw_insp_pkt_fn fn, void *arg, char *err, size_t err_len);

#endif /* SW_INSPECT_CAPTURE_H */
