/*
 * Request building: REGISTER / OPTIONS / MESSAGE / INVITE / ACK with Via
 * branch (RFC 3261 §8.1.1.7 magic cookie), tags, Call-ID and CSeq.  The
 * credential headers are appended by sa_client.c between sw_cl_ua_head()
 * and sw_cl_ua_finish(), so the same head can be parsed back and signed.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/client_priv.h"
#include "dataplane/sip_write.h"

void
sw_cl_ua_token(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t rnd[64];
	size_t i;

	if (n > sizeof(rnd))
		n = sizeof(rnd);
	if (sw_cl_random(rnd, n) != 0)
		memset(rnd, 0x5a, n); /* getrandom cannot fail on Linux >= 3.17 */
	for (i = 0; i < n; i++)
		out[i] = digits[rnd[i] & 0xf];
	out[n] = '\0';
}

int
sw_cl_ua_init(struct sw_cl_ua *ua, const char *user, const char *aor_domain, const char *host,
	      uint16_t port)
{
	const char *at = strchr(user, '@');
	size_t ulen, i;

	memset(ua, 0, sizeof(*ua));
	if (at == NULL || at == user || at[1] == '\0')
		return -EINVAL;
	ulen = (size_t)(at - user);
	if (ulen >= sizeof(ua->user))
		return -EINVAL;
	memcpy(ua->user, user, ulen);
	if (aor_domain != NULL) {
		if (strlen(aor_domain) >= sizeof(ua->domain))
			return -EINVAL;
		strcpy(ua->domain, aor_domain);
	} else {
		if (strlen(at + 1) >= sizeof(ua->domain))
			return -EINVAL;
		for (i = 0; at[1 + i] != '\0'; i++)
			ua->domain[i] = (char)tolower((unsigned char)at[1 + i]);
	}
	snprintf(ua->aor, sizeof(ua->aor), "sip:%s@%s", ua->user, ua->domain);
	snprintf(ua->host, sizeof(ua->host), "%s", host);
	ua->port = port;
	sw_cl_ua_token(ua->reg_call_id, 24);
	sw_cl_ua_token(ua->reg_tag, 12);
	ua->reg_cseq = 0;
	return 0;
}

int
sw_cl_ua_new_req(struct sw_cl_ua *ua, struct sw_cl_req *r, const char *method, const char *to)
{
	bool reg = strcmp(method, "REGISTER") == 0;

	memset(r, 0, sizeof(*r));
	if (strlen(method) >= sizeof(r->method))
		return -EINVAL;
	strcpy(r->method, method);
	strcpy(r->branch, "z9hG4bK");
	sw_cl_ua_token(r->branch + 7, 20);
	if (reg) {
		/* One registration dialog: same Call-ID and From tag, CSeq counting up. */
		snprintf(r->ruri, sizeof(r->ruri), "sip:%s", ua->domain);
		snprintf(r->to_uri, sizeof(r->to_uri), "%s", ua->aor);
		snprintf(r->call_id, sizeof(r->call_id), "%s", ua->reg_call_id);
		snprintf(r->from_tag, sizeof(r->from_tag), "%s", ua->reg_tag);
		r->cseq = ++ua->reg_cseq;
		return 0;
	}
	if (to == NULL || to[0] == '\0')
		return -EINVAL;
	if (strncmp(to, "sip:", 4) == 0 || strncmp(to, "sips:", 5) == 0 ||
	    strncmp(to, "tel:", 4) == 0)
		snprintf(r->ruri, sizeof(r->ruri), "%s", to);
	else if (strchr(to, '@') != NULL)
		snprintf(r->ruri, sizeof(r->ruri), "sip:%s", to);
	else
		snprintf(r->ruri, sizeof(r->ruri), "sip:%s@%s", to, ua->domain);
	snprintf(r->to_uri, sizeof(r->to_uri), "%s", r->ruri);
	sw_cl_ua_token(r->call_id, 24);
	sw_cl_ua_token(r->from_tag, 12);
	r->cseq = 1;
	return 0;
}

struct out {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->overflow = true;
		return;
	}
	o->len += (size_t)n;
}

int
sw_cl_ua_head(const struct sw_cl_ua *ua, const struct sw_cl_req *r, char *buf, size_t cap)
{
	struct out o = {buf, 0, cap, false};
	const char *cm = r->cseq_method[0] != '\0' ? r->cseq_method : r->method;

	put(&o, "%s %s SIP/2.0\r\n", r->method, r->ruri);
	put(&o, "Via: SIP/2.0/UDP %s:%u;branch=%s;rport\r\n", ua->host, ua->port, r->branch);
	put(&o, "Max-Forwards: 70\r\n");
	if (r->route[0] != '\0')
		put(&o, "Route: %s\r\n", r->route);
	put(&o, "From: <%s>;tag=%s\r\n", ua->aor, r->from_tag);
	if (r->to_tag[0] != '\0')
		put(&o, "To: <%s>;tag=%s\r\n", r->to_uri, r->to_tag);
	else
		put(&o, "To: <%s>\r\n", r->to_uri);
	put(&o, "Call-ID: %s\r\n", r->call_id);
	put(&o, "CSeq: %u %s\r\n", r->cseq, cm);
	if (strcmp(r->method, "ACK") != 0)
		put(&o, "Contact: <sip:%s@%s:%u;transport=udp>\r\n", ua->user, ua->host, ua->port);
	if (r->has_expires)
		put(&o, "Expires: %u\r\n", r->expires);
	put(&o, "User-Agent: sipward-client/"
		"0.1\r\n");
	if (r->body != NULL && r->content_type != NULL)
		put(&o, "Content-Type: %s\r\n", r->content_type);
	return o.overflow ? -ENOSPC : (int)o.len;
}

int
sw_cl_ua_finish(const struct sw_cl_req *r, char *buf, size_t len, size_t cap)
{
	struct out o = {buf, len, cap, false};
	size_t blen = r->body != NULL ? strlen(r->body) : 0;

	put(&o, "Content-Length: %zu\r\n\r\n", blen);
	if (blen != 0)
		put(&o, "%s", r->body);
	return o.overflow ? -ENOSPC : (int)o.len;
}

int
sw_cl_ua_route_set(const struct sw_sip_msg *rsp, char *out, size_t cap)
{
	struct sw_span v[SW_CL_ROUTE_VALUES], one;
	struct out o = {out, 0, cap, false};
	uint8_t idx = rsp->first[SW_HDR_RECORD_ROUTE];
	uint16_t pos = 0;
	unsigned int n = 0;

	if (cap == 0)
		return -ENOSPC;
	out[0] = '\0';
	while (idx != SW_HDR_NONE && sw_sip_next_value(rsp, &idx, &pos, &one)) {
		if (n == SW_CL_ROUTE_VALUES)
			return -ENOSPC;
		v[n++] = one;
	}
	while (n-- > 0)
		put(&o, "%s%.*s", o.len != 0 ? ", " : "", (int)v[n].len, v[n].p);
	if (o.overflow) {
		out[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* Every value of header @p h, one line each, in order. */
static void
put_values(struct out *o, const struct sw_sip_msg *req, enum sw_hdr h, const char *name)
{
	uint8_t idx = req->first[h];
	uint16_t pos = 0;
	struct sw_span v;

	while (idx != SW_HDR_NONE && sw_sip_next_value(req, &idx, &pos, &v))
		put(o, "%s: %.*s\r\n", name, (int)v.len, v.p);
}

/*
 * RFC 3261 §8.2.6.2: Via values, From, To, Call-ID and CSeq copied from the
 * request, a To tag added; §12.1.1: Record-Route copied and a Contact given
 * in a response that creates a dialog (INVITE).
 */
int
sw_cl_ua_response(const struct sw_cl_ua *ua, const struct sw_sip_msg *req, uint16_t status,
		  const char *to_tag, char *buf, size_t cap)
{
	struct out o = {buf, 0, cap, false};
	struct sw_span to = sw_sip_value(req, SW_HDR_TO);
	bool invite = sw_span_ieq(req->method, "INVITE");

	if (status < 100 || status > 699 || req->status != 0)
		return -EINVAL;
	put(&o, "SIP/2.0 %u %s\r\n", status,
	    status == 200   ? "OK"
	    : status == 405 ? "Method Not Allowed"
			    : sw_sip_reason_phrase(status));
	put_values(&o, req, SW_HDR_VIA, "Via");
	if (invite && status / 100 == 2)
		put_values(&o, req, SW_HDR_RECORD_ROUTE, "Record-Route");
	put(&o, "From: %.*s\r\n", (int)sw_sip_value(req, SW_HDR_FROM).len,
	    sw_sip_value(req, SW_HDR_FROM).p);
	if (req->to_tag.len == 0 && to_tag != NULL && to_tag[0] != '\0')
		put(&o, "To: %.*s;tag=%s\r\n", (int)to.len, to.p, to_tag);
	else
		put(&o, "To: %.*s\r\n", (int)to.len, to.p);
	put(&o, "Call-ID: %.*s\r\n", (int)sw_sip_value(req, SW_HDR_CALL_ID).len,
	    sw_sip_value(req, SW_HDR_CALL_ID).p);
	put(&o, "CSeq: %.*s %.*s\r\n", (int)req->cseq_num_s.len, req->cseq_num_s.p,
	    (int)req->cseq_method.len, req->cseq_method.p);
	if (invite && status / 100 == 2)
		put(&o, "Contact: <sip:%s@%s:%u;transport=udp>\r\n", ua->user, ua->host, ua->port);
	if (status == 405)
		put(&o, "Allow: INVITE, ACK, BYE, MESSAGE, OPTIONS\r\n");
	put(&o, "User-Agent: sipward-client/0.1\r\n");
	return o.overflow ? -ENOSPC : (int)o.len;
}
