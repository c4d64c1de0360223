/*
 * Bounded SIP writer: challenges, error responses and forwarding edits.
 * See sip_write.h.  Everything is appended to a sticky-error sw_wbuf and
 * checked once at the end.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/wbuf.h"
#include "dataplane/sip_parse.h"
#include "dataplane/sip_write.h"

const char *
sw_sip_reason_phrase(uint16_t status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 407:
		return "Proxy Authentication Required";
	case 408:
		return "Request Timeout";
	case 420:
		return "Bad Extension";
	case 430:
		return "Flow Failed"; /* RFC 5626 §11.5 */
	case 480:
		return "Temporarily Unavailable";
	case 481:
		return "Call/Transaction Does Not Exist";
	case 482:
		return "Loop Detected";
	case 483:
		return "Too Many Hops";
	case 500:
		return "Server Internal Error";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Server Time-out";
	default:
		return "Unknown";
	}
}

static inline void
put_span(struct sw_wbuf *w, struct sw_span s)
{
	sw_wbuf_put(w, s.p, s.len);
}

/* "<name>: <value>\r\n" */
static void
put_hdr(struct sw_wbuf *w, const char *name, struct sw_span value)
{
	sw_wbuf_puts(w, name);
	sw_wbuf_put(w, ": ", 2);
	put_span(w, value);
	sw_wbuf_put(w, "\r\n", 2);
}

static inline int
result(const struct sw_wbuf *w)
{
	return sw_wbuf_ok(w) ? 0 : -ENOSPC;
}

/* FNV-1a, 64 bit: only needs to be stable, not secret. */
static uint64_t
fnv1a(uint64_t h, struct sw_span s)
{
	uint16_t i;

	for (i = 0; i < s.len; i++) {
		h ^= (uint8_t)s.p[i];
		h *= UINT64_C(0x100000001b3);
	}
	h ^= 0xff; /* field separator */
	h *= UINT64_C(0x100000001b3);
	return h;
}

void
sw_sip_write_to_tag(const struct sw_sip_msg *req, char out[SW_SIP_TO_TAG_LEN])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	unsigned int i;

	h = fnv1a(h, sw_sip_value(req, SW_HDR_CALL_ID));
	h = fnv1a(h, sw_sip_tag_of(sw_sip_value(req, SW_HDR_FROM)));
	h = fnv1a(h, req->cseq_num_s);
	for (i = 0; i < SW_SIP_TO_TAG_LEN; i++)
		out[i] = hex[(h >> (60 - 4 * i)) & 0xf];
}

/* Status line and the headers copied from the request (RFC 3261 §8.2.6.2). */
static void
put_response_head(struct sw_wbuf *w, const struct sw_sip_msg *req, uint16_t status)
{
	struct sw_span to = sw_sip_value(req, SW_HDR_TO);
	char tag[SW_SIP_TO_TAG_LEN];
	uint8_t i;

	sw_wbuf_put(w, "SIP/2.0 ", 8);
	sw_wbuf_put_u64(w, status);
	sw_wbuf_put(w, " ", 1);
	sw_wbuf_puts(w, sw_sip_reason_phrase(status));
	sw_wbuf_put(w, "\r\n", 2);
	for (i = req->first[SW_HDR_VIA]; i != SW_HDR_NONE; i = req->hdr[i].next)
		put_hdr(w, "Via", req->hdr[i].value);
	put_hdr(w, "From", sw_sip_value(req, SW_HDR_FROM));
	sw_wbuf_put(w, "To: ", 4);
	put_span(w, to);
	if (sw_sip_tag_of(to).p == NULL) {
		sw_sip_write_to_tag(req, tag);
		sw_wbuf_put(w, ";tag=", 5);
		sw_wbuf_put(w, tag, sizeof(tag));
	}
	sw_wbuf_put(w, "\r\n", 2);
	put_hdr(w, "Call-ID", sw_sip_value(req, SW_HDR_CALL_ID));
	put_hdr(w, "CSeq", sw_sip_value(req, SW_HDR_CSEQ));
}

static void
put_tail(struct sw_wbuf *w, struct sw_span extra)
{
	put_span(w, extra);
	sw_wbuf_puts(w, "Content-Length: 0\r\n\r\n");
}

int
sw_sip_write_challenge(struct sw_wbuf *w, const struct sw_sip_msg *req, const char *buf,
		       uint16_t status, const struct sw_sip_challenge *ch, unsigned int n_ch,
		       struct sw_span extra)
{
	const char *name = status == 407 ? "Proxy-Authenticate: " : "WWW-Authenticate: ";
	unsigned int i;

	if ((status != 401 && status != 407) || req->status != 0 || req->base != buf || n_ch == 0 ||
	    n_ch > SW_SIP_CHALLENGE_MAX)
		return -EINVAL;
	put_response_head(w, req, status);
	for (i = 0; i < n_ch; i++) {
		sw_wbuf_puts(w, name);
		put_span(w, ch[i].scheme);
		if (ch[i].params.len != 0) {
			sw_wbuf_put(w, " ", 1);
			put_span(w, ch[i].params);
		}
		sw_wbuf_put(w, "\r\n", 2);
	}
	put_tail(w, extra);
	return result(w);
}

int
sw_sip_write_error(struct sw_wbuf *w, const struct sw_sip_msg *req, const char *buf,
		   uint16_t status, uint32_t retry_after, struct sw_span extra)
{
	if (status < 400 || status > 699 || req->status != 0 || req->base != buf)
		return -EINVAL;
	put_response_head(w, req, status);
	if (status == 503 && retry_after != 0) {
		sw_wbuf_puts(w, "Retry-After: ");
		sw_wbuf_put_u64(w, retry_after);
		sw_wbuf_put(w, "\r\n", 2);
	}
	put_tail(w, extra);
	return result(w);
}

/* Header line @p i (the first line of a multi-value header) without its
 * first value: nothing if that was its only value. */
static void
put_without_first(struct sw_wbuf *w, const struct sw_sip_msg *msg, uint8_t i)
{
	const struct sw_sip_hdr *h = &msg->hdr[i];
	uint8_t idx = i;
	uint16_t pos = 0;
	struct sw_span v, rest;

	(void)sw_sip_next_value(msg, &idx, &pos, &v);
	if (idx != i || pos >= h->value.len)
		return;
	rest.p = h->value.p + pos;
	rest.len = (uint16_t)(h->value.len - pos);
	while (rest.len != 0 &&
	       (rest.p[0] == ' ' || rest.p[0] == '\t' || rest.p[0] == '\r' || rest.p[0] == '\n')) {
		rest.p++;
		rest.len--;
	}
	if (rest.len != 0) {
		put_span(w, h->name);
		sw_wbuf_put(w, ": ", 2);
		put_span(w, rest);
		sw_wbuf_put(w, "\r\n", 2);
	}
}

/* "Max-Forwards: <v>\r\n" in one put: v is 0..254 (the parser caps the
 * value at 255 and 0 is never decremented), so no division loop. */
static void
put_max_forwards(struct sw_wbuf *w, uint64_t v)
{
	char t[sizeof("Max-Forwards: 999\r\n") - 1];
	size_t n = sizeof("Max-Forwards: ") - 1;
	unsigned int u;

	if (v > 999) {
		sw_wbuf_puts(w, "Max-Forwards: ");
		sw_wbuf_put_u64(w, v);
		sw_wbuf_put(w, "\r\n", 2);
		return;
	}
	memcpy(t, "Max-Forwards: ", n);
	u = (unsigned int)v;
	if (u >= 100) {
		t[n++] = (char)('0' + u / 100);
		u %= 100;
		t[n++] = (char)('0' + u / 10);
	} else if (u >= 10) {
		t[n++] = (char)('0' + u / 10);
	}
	t[n++] = (char)('0' + u % 10);
	t[n++] = '\r';
	t[n++] = '\n';
	sw_wbuf_put(w, t, n);
}

/* "<name><value>\r\n" at @p t (name with its ": ").  @return the length. */
static inline size_t
line_at(char *t, const char *name, size_t name_len, struct sw_span value)
{
	memcpy(t, name, name_len);
	if (value.len != 0)
		memcpy(t + name_len, value.p, value.len);
	memcpy(t + name_len + value.len, "\r\n", 2);
	return name_len + value.len + 2;
}

/*
 * The lines a forwarded request gains after its start line (our Via,
 * Path, Record-Route, "Max-Forwards: 70" when it had none), written in
 * place after one room check for all of them, rather than with a check
 * per piece (ten pieces for a new dialog's INVITE).  @return false, with
 * nothing written, if they do not all fit: the caller then puts them
 * piece by piece, which gives the same bytes as far as they fit.
 */
static bool
put_pushed(struct sw_wbuf *w, const struct sw_sip_fwd *fwd, bool add_mf)
{
	static const char mf70[] = "Max-Forwards: 70\r\n";
	size_t need = 0, n = 0;
	char *t;

	if (fwd->push_via.len != 0)
		need += 5 + fwd->push_via.len + 2;
	if (fwd->push_path.len != 0)
		need += 6 + fwd->push_path.len + 2;
	if (fwd->push_rr.len != 0)
		need += 14 + fwd->push_rr.len + 2;
	if (add_mf)
		need += sizeof(mf70) - 1;
	t = (char *)sw_wbuf_room(w, need);
	if (t == NULL)
		return false;
	if (fwd->push_via.len != 0)
		n += line_at(t + n, "Via: ", 5, fwd->push_via);
	if (fwd->push_path.len != 0)
		n += line_at(t + n, "Path: ", 6, fwd->push_path);
	if (fwd->push_rr.len != 0)
		n += line_at(t + n, "Record-Route: ", 14, fwd->push_rr);
	if (add_mf) {
		memcpy(t + n, mf70, sizeof(mf70) - 1);
		n += sizeof(mf70) - 1;
	}
	sw_wbuf_commit(w, n);
	return true;
}

int
sw_sip_write_forward(struct sw_wbuf *w, const struct sw_sip_msg *msg, const char *buf, size_t len,
		     const struct sw_sip_fwd *fwd)
{
	const char *info_name = NULL, *run, *hdr_end;
	uint8_t top_via = msg->first[SW_HDR_VIA], top_route = msg->first[SW_HDR_ROUTE];
	uint8_t vi, ri, mi;
	int mf = fwd->mf_known ? fwd->mf : sw_sip_max_forwards(msg);

	if (msg->base != buf || msg->n_hdr == 0 || msg->hdr_len > len)
		return -EINVAL;
	if (fwd->info_hdr == SW_HDR_PROXY_AUTHENTICATION_INFO)
		info_name = "Proxy-Authentication-Info";
	else if (fwd->info_hdr == SW_HDR_AUTHENTICATION_INFO)
		info_name = "Authentication-Info";
	else if (fwd->info_hdr != SW_HDR_OTHER)
		return -EINVAL;
	if (fwd->dec_max_forwards && mf == 0)
		return -EINVAL;
	if (fwd->pop_via && top_via == SW_HDR_NONE)
		return -EINVAL;
	if (fwd->pop_route && top_route == SW_HDR_NONE)
		return -EINVAL;

	/* Start line as received. */
	hdr_end = buf + msg->hdr_len - 2;
	sw_wbuf_put(w, buf, (size_t)(msg->hdr[0].name.p - buf));
	if (!put_pushed(w, fwd, fwd->dec_max_forwards && mf < 0)) {
		if (fwd->push_via.len != 0) {
			sw_wbuf_put(w, "Via: ", 5);
			put_span(w, fwd->push_via);
			sw_wbuf_put(w, "\r\n", 2);
		}
		if (fwd->push_path.len != 0)
			put_hdr(w, "Path", fwd->push_path);
		if (fwd->push_rr.len != 0)
			put_hdr(w, "Record-Route", fwd->push_rr);
		if (fwd->dec_max_forwards && mf < 0)
			sw_wbuf_puts(w, "Max-Forwards: 70\r\n"); /* RFC 3261 §16.6 step 3 */
	}

	/* A header line's raw bytes (CRLF and folds included) run from its name
	 * to the next line's name, or to the blank line.  Only a few lines are
	 * edited (the top Via, the top Route, Max-Forwards): visit just those,
	 * in line order (the next links ascend), and copy each run of unchanged
	 * lines between them with one put. */
	vi = fwd->pop_via ? top_via : SW_HDR_NONE;
	ri = fwd->pop_route ? top_route : SW_HDR_NONE;
	mi = fwd->dec_max_forwards ? msg->first[SW_HDR_MAX_FORWARDS] : SW_HDR_NONE;
	run = msg->hdr[0].name.p;
	for (;;) {
		uint8_t i = vi < ri ? vi : ri;

		if (mi < i)
			i = mi;
		if (i == SW_HDR_NONE)
			break;
		sw_wbuf_put(w, run, (size_t)(msg->hdr[i].name.p - run));
		run = i + 1 < msg->n_hdr ? msg->hdr[i + 1].name.p : hdr_end;
		if (i == vi || i == ri) {
			/* Drop the first value; keep the rest of the line if any. */
			put_without_first(w, msg, i);
			if (i == vi)
				vi = SW_HDR_NONE;
			else
				ri = SW_HDR_NONE;
			continue;
		}
		mi = msg->hdr[i].next;
		put_max_forwards(w, (uint64_t)(mf - 1));
	}
	sw_wbuf_put(w, run, (size_t)(hdr_end - run));
	if (msg->first[SW_HDR_CONTENT_LENGTH] == SW_HDR_NONE) {
		sw_wbuf_puts(w, "Content-Length: ");
		sw_wbuf_put_u64(w, msg->body.len);
		sw_wbuf_put(w, "\r\n", 2);
	}
	if (info_name != NULL)
		put_hdr(w, info_name, fwd->info);
	sw_wbuf_put(w, "\r\n", 2);
	put_span(w, msg->body);
	return result(w);
}
