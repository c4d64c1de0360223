#ifndef SW_TEST_XC_SIP_H
#define SW_TEST_XC_SIP_H

/*
 * Shared by the client cross-check tests: a signed request made by the
 * client library (sw_cl_sign_value over a request from sw_cl_ua_*), parsed
 * back, and its signed buffer rebuilt from the parsed message as a server
 * would; and a response's signed buffer.  Header-only, test use only.
 */

#include <stdio.h>
#include <string.h>

#include "client/client_priv.h"
#include "crypto/sigbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

struct xc_signed {
	char msg[8192];
	size_t len;
	uint8_t buf[SW_SIGBUF_MAX]; /* the signed buffer, rebuilt from the parsed request */
	size_t buf_len;
	uint8_t tok[64]; /* the client's signature */
	size_t tok_len;
};

/*
 * Build a MESSAGE from bob, sign it for the SA, parse the result and rebuild
 * the signed buffer the way a server does.  @return 0 or -1.
 */
static inline int
xc_client_signed(enum sw_scheme scheme, unsigned int version, const char *targetname,
		 const struct sw_sig_key *c2s, uint64_t *seq, uint64_t *cnum, struct xc_signed *out)
{
	struct sw_cl_ua ua;
	struct sw_cl_req r;
	struct sw_sip_msg msg;
	struct sw_auth a;
	struct sw_sigbuf_auth sb;
	struct sw_wbuf w;
	char head[4096], val[2048];
	uint32_t off;
	int n, hl;

	if (sw_cl_ua_init(&ua, "bob@DOMAINB.TEST", NULL, "192.0.2.7", 5062) != 0 ||
	    sw_cl_ua_new_req(&ua, &r, "MESSAGE", "carol@domainb.test") != 0)
		return -1;
	r.body = "hello";
	r.content_type = "text/plain";
	hl = sw_cl_ua_head(&ua, &r, head, sizeof(head));
	memcpy(out->msg, head, (size_t)hl);
	n = sw_cl_ua_finish(&r, head, (size_t)hl, sizeof(head));
	n = sw_cl_sign_value(scheme, version, "SIP Communications Service", targetname, "0PAQ", c2s,
			     seq, cnum, head, (size_t)n, val, sizeof(val));
	if (n < 0)
		return -1;
	n = hl + snprintf(out->msg + hl, sizeof(out->msg) - (size_t)hl,
			  "Proxy-Authorization: %s\r\n", val);
	n = sw_cl_ua_finish(&r, out->msg, (size_t)n, sizeof(out->msg));
	if (n < 0)
		return -1;
	out->len = (size_t)n;
	if (sw_sip_parse(out->msg, out->len, &msg) != SW_SIP_OK ||
	    sw_auth_parse(sw_sip_value(&msg, SW_HDR_PROXY_AUTHORIZATION), &a, &off) != SW_AUTH_OK)
		return -1;
	sb.scheme = a.scheme;
	sb.rand = sw_auth_get(&a, SW_AUTH_P_CRAND);
	sb.num = sw_auth_get(&a, SW_AUTH_P_CNUM);
	sb.realm = sw_auth_get(&a, SW_AUTH_P_REALM);
	sb.targetname = sw_auth_get(&a, SW_AUTH_P_TARGETNAME);
	sb.version = version;
	sw_wbuf_init(&w, out->buf, sizeof(out->buf));
	if (sw_sigbuf_build(&msg, &sb, &w) != 0)
		return -1;
	out->buf_len = w.len;
	n = sw_hex_decode(sw_auth_get(&a, SW_AUTH_P_RESPONSE).p,
			  sw_auth_get(&a, SW_AUTH_P_RESPONSE).len, out->tok, sizeof(out->tok));
	if (n <= 0)
		return -1;
	out->tok_len = (size_t)n;
	return 0;
}

/* A 200 OK's signed buffer (16 fields with the status code). */
static inline size_t
xc_response_buf(const char *scheme, const char *targetname, unsigned int version, uint8_t *buf,
		size_t cap)
{
	static const char resp[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKabc;rport=5062\r\n"
		"From: <sip:bob@domainb.test>;tag=aa11\r\n"
		"To: <sip:carol@domainb.test>;tag=bb22\r\n"
		"Call-ID: 1234abcd\r\n"
		"CSeq: 1 MESSAGE\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sw_sip_msg msg;
	struct sw_sigbuf_auth sb;
	struct sw_wbuf w;

	if (sw_sip_parse(resp, sizeof(resp) - 1, &msg) != SW_SIP_OK)
		return 0;
	sb.scheme = (struct sw_span){scheme, (uint16_t)strlen(scheme)};
	sb.rand = (struct sw_span){"0badcafe", 8};
	sb.num = (struct sw_span){"1", 1};
	sb.realm = (struct sw_span){"SIP Communications Service", 26};
	sb.targetname = (struct sw_span){targetname, (uint16_t)strlen(targetname)};
	sb.version = version;
	sw_wbuf_init(&w, buf, cap);
	if (sw_sigbuf_build(&msg, &sb, &w) != 0)
		return 0;
	return w.len;
}

#endif /* SW_TEST_XC_SIP_H */
