/*
 * sip_write: challenges, error responses, forwarding edits.  Inputs and
 * output buffers sit against PROT_NONE pages; every output is parsed again.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/wbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"
#include "dataplane/sip_write.h"
#include "tests/common/guard.h"
#include "tests/vectors/rfc4475.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define OUT_MAX	      8192

static bool
span_is(struct sw_span s, const char *str)
{
	return s.len == strlen(str) && (s.len == 0 || memcmp(s.p, str, s.len) == 0);
}

#define assert_span(s, str)                                                                        \
	do {                                                                                       \
		struct sw_span s_ = (s);                                                           \
		if (!span_is(s_, (str)))                                                           \
			fail_msg("%s:%d: got \"%.*s\" want \"%s\"", __FILE__, __LINE__,            \
				 (int)s_.len, s_.p ? s_.p : "", (str));                            \
	} while (0)

static const char reg_notag[] = "REGISTER sip:contoso.com SIP/2.0\r\n"
				"v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKaaa;rport, "
				"SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKbbb\r\n"
				"Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKccc\r\n"
				"Max-Forwards: 70\r\n"
				"From: \"Ann\" <sip:ann@contoso.com>;tag=8a1c2e;epid=01\r\n"
				"To: <sip:ann@contoso.com>\r\n"
				"i: 7f2a9c41@ann-pc\r\n"
				"CSeq: 7 REGISTER\r\n"
				"Contact: <sip:192.0.2.10:5060;transport=udp>\r\n"
				"Expires: 3600\r\n"
				"Content-Length: 0\r\n"
				"\r\n";

static const char invite_tag[] = "INVITE sip:bob@contoso.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKinv\r\n"
				 "From: <sip:ann@contoso.com>;tag=ft\r\n"
				 "To: \"Bob\" <sip:bob@contoso.com>;tag=existing\r\n"
				 "Call-ID: inv-1\r\n"
				 "CSeq: 2 INVITE\r\n"
				 "Content-Type: application/sdp\r\n"
				 "Content-Length: 4\r\n"
				 "\r\n"
				 "v=0\n";

/* A parsed, guarded input. */
struct in {
	struct guard_buf g;
	const char *buf;
	size_t len;
	struct sw_sip_msg msg;
};

static void
in_parse(struct in *in, const char *m, size_t len)
{
	memset(&in->g, 0, sizeof(in->g));
	in->buf = guard_buf_put(&in->g, m, len);
	in->len = len;
	assert_non_null(in->buf);
	assert_int_equal(sw_sip_parse(in->buf, len, &in->msg), SW_SIP_OK);
}

/* An output buffer whose last byte is followed by a guard page. */
struct out {
	struct guard_buf g;
	uint8_t *mem;
	struct sw_wbuf w;
	struct sw_sip_msg msg;
};

static void
out_init(struct out *o, size_t cap)
{
	static const uint8_t zero[OUT_MAX];

	memset(&o->g, 0, sizeof(o->g));
	o->mem = guard_buf_put(&o->g, zero, cap);
	assert_non_null(o->mem);
	sw_wbuf_init(&o->w, o->mem, cap);
}

/* Parse what was written; the output must be a complete, valid message. */
static void
out_parse(struct out *o)
{
	enum sw_sip_rc rc = sw_sip_parse((const char *)o->mem, o->w.len, &o->msg);

	if (rc != SW_SIP_OK)
		fail_msg("output does not parse: %s at %u:\n%.*s", sw_sip_rc_name(rc),
			 o->msg.err_off, (int)o->w.len, (const char *)o->mem);
	/* Content-Length is always present and equals the body. */
	assert_int_not_equal(o->msg.first[SW_HDR_CONTENT_LENGTH], SW_HDR_NONE);
	assert_int_equal(o->msg.hdr_len + o->msg.body.len, o->w.len);
}

static void
out_free(struct out *o)
{
	guard_buf_free(&o->g);
}

static unsigned int
values(const struct sw_sip_msg *m, enum sw_hdr h, struct sw_span *v, unsigned int max)
{
	uint8_t idx = m->first[h];
	uint16_t pos = 0;
	unsigned int n = 0;
	struct sw_span s;

	while (sw_sip_next_value(m, &idx, &pos, &s)) {
		if (n < max)
			v[n] = s;
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------------ */

struct chal_case {
	const char *name;
	const char *req;
	uint16_t status;
	unsigned int n_ch;
	const char *extra;
	const char *hdr_name;
	bool tag_added;
};

#define SPAN(s)                                                                                    \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}

static const struct sw_sip_challenge chals[] = {
	{SPAN("Kerberos"), SPAN("realm=\"SIP Communications Service\", "
				"targetname=\"sip/proxy.contoso.com\", version=4")},
	{SPAN("NTLM"), SPAN("realm=\"SIP Communications Service\", "
			    "targetname=\"proxy.contoso.com\", version=4")},
};

static const struct chal_case chal_cases[] = {
	{"407 from REGISTER without To tag", reg_notag, 407, 2, "", "Proxy-Authenticate", true},
	{"401 from REGISTER", reg_notag, 401, 1, "", "WWW-Authenticate", true},
	{"407 keeps an existing To tag", invite_tag, 407, 2, "", "Proxy-Authenticate", false},
	{"407 with extra header", invite_tag, 407, 1,
	 "Proxy-Authentication-Info: NTLM rspauth=\"00\", srand=\"1\", snum=\"1\"\r\n",
	 "Proxy-Authenticate", false},
};

static void
test_sip_write_challenge(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(chal_cases); i++) {
		const struct chal_case *c = &chal_cases[i];
		struct sw_span extra = {c->extra, (uint16_t)strlen(c->extra)};
		struct sw_span iv[8], ov[8];
		struct in in;
		struct out o, o2;
		char tag[SW_SIP_TO_TAG_LEN];
		unsigned int n, k;
		uint8_t idx;

		in_parse(&in, c->req, strlen(c->req));
		out_init(&o, OUT_MAX);
		assert_int_equal(sw_sip_write_challenge(&o.w, &in.msg, in.buf, c->status, chals,
							c->n_ch, extra),
				 0);
		out_parse(&o);
		assert_int_equal(o.msg.status, c->status);
		assert_string_equal(sw_sip_reason_phrase(c->status),
				    c->status == 407 ? "Proxy Authentication Required"
						     : "Unauthorized");
		assert_true(sw_span_ieq(o.msg.reason, sw_sip_reason_phrase(c->status)));
		/* All Via values, in order. */
		n = values(&in.msg, SW_HDR_VIA, iv, 8);
		assert_int_equal(values(&o.msg, SW_HDR_VIA, ov, 8), n);
		for (k = 0; k < n; k++)
			assert_true(sw_span_eq(iv[k], ov[k]));
		assert_true(sw_span_eq(sw_sip_value(&in.msg, SW_HDR_FROM),
				       sw_sip_value(&o.msg, SW_HDR_FROM)));
		assert_true(sw_span_eq(sw_sip_value(&in.msg, SW_HDR_CALL_ID),
				       sw_sip_value(&o.msg, SW_HDR_CALL_ID)));
		assert_true(sw_span_eq(sw_sip_value(&in.msg, SW_HDR_CSEQ),
				       sw_sip_value(&o.msg, SW_HDR_CSEQ)));
		assert_int_equal(o.msg.cseq_num, in.msg.cseq_num);
		assert_true(sw_span_eq(sw_sip_uri_of(sw_sip_value(&in.msg, SW_HDR_TO)),
				       sw_sip_uri_of(sw_sip_value(&o.msg, SW_HDR_TO))));
		if (c->tag_added) {
			sw_sip_write_to_tag(&in.msg, tag);
			assert_int_equal(sw_sip_tag_of(sw_sip_value(&o.msg, SW_HDR_TO)).len,
					 SW_SIP_TO_TAG_LEN);
			assert_memory_equal(sw_sip_tag_of(sw_sip_value(&o.msg, SW_HDR_TO)).p, tag,
					    SW_SIP_TO_TAG_LEN);
		} else {
			assert_true(sw_span_eq(sw_sip_value(&in.msg, SW_HDR_TO),
					       sw_sip_value(&o.msg, SW_HDR_TO)));
		}
		/* One challenge header per scheme, parseable, in order. */
		idx = o.msg.first[c->status == 407 ? SW_HDR_PROXY_AUTHENTICATE
						   : SW_HDR_WWW_AUTHENTICATE];
		for (k = 0; k < c->n_ch; k++) {
			struct sw_auth a;
			uint32_t off;

			assert_int_not_equal(idx, SW_HDR_NONE);
			assert_true(sw_span_ieq(o.msg.hdr[idx].name, c->hdr_name));
			assert_int_equal(sw_auth_parse(o.msg.hdr[idx].value, &a, &off), SW_AUTH_OK);
			assert_true(sw_span_eq(a.scheme, chals[k].scheme));
			assert_span(sw_auth_get(&a, SW_AUTH_P_REALM), "SIP Communications Service");
			assert_span(sw_auth_get(&a, SW_AUTH_P_VERSION), "4");
			idx = o.msg.hdr[idx].next;
		}
		assert_int_equal(idx, SW_HDR_NONE);
		if (extra.len != 0)
			assert_int_equal(o.msg.count[SW_HDR_PROXY_AUTHENTICATION_INFO], 1);
		assert_int_equal(o.msg.body.len, 0);
		assert_int_equal(o.msg.count[SW_HDR_CONTACT], 0);
		assert_int_equal(o.msg.count[SW_HDR_EXPIRES], 0);

		/* A retransmission gets byte-identical output (same To tag). */
		out_init(&o2, OUT_MAX);
		assert_int_equal(sw_sip_write_challenge(&o2.w, &in.msg, in.buf, c->status, chals,
							c->n_ch, extra),
				 0);
		assert_int_equal(o2.w.len, o.w.len);
		assert_memory_equal(o2.mem, o.mem, o.w.len);
		out_free(&o2);
		out_free(&o);
		guard_buf_free(&in.g);
	}
}

struct err_case {
	const char *name;
	uint16_t status;
	uint32_t retry_after;
	const char *reason;
	const char *retry; /* Retry-After value, NULL: absent */
};

static const struct err_case err_cases[] = {
	{"400", 400, 0, "Bad Request", NULL},
	{"403", 403, 0, "Forbidden", NULL},
	{"483", 483, 0, "Too Many Hops", NULL},
	{"503 with Retry-After", 503, 30, "Service Unavailable", "30"},
	{"503 without Retry-After", 503, 0, "Service Unavailable", NULL},
	{"403 ignores retry_after", 403, 30, "Forbidden", NULL},
	{"unknown 4xx", 488, 0, "Unknown", NULL},
};

static void
test_sip_write_error(void **state)
{
	struct sw_span none = {NULL, 0};
	struct in in;
	size_t i;

	(void)state;
	in_parse(&in, reg_notag, sizeof(reg_notag) - 1);
	for (i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *c = &err_cases[i];
		struct out o;

		out_init(&o, OUT_MAX);
		assert_int_equal(
			sw_sip_write_error(&o.w, &in.msg, in.buf, c->status, c->retry_after, none),
			0);
		out_parse(&o);
		assert_int_equal(o.msg.status, c->status);
		assert_span(o.msg.reason, c->reason);
		if (c->retry == NULL)
			assert_int_equal(o.msg.count[SW_HDR_RETRY_AFTER], 0);
		else
			assert_span(sw_sip_value(&o.msg, SW_HDR_RETRY_AFTER), c->retry);
		assert_int_equal(o.msg.count[SW_HDR_VIA], 2);
		assert_int_equal(o.msg.count[SW_HDR_PROXY_AUTHENTICATE], 0);
		assert_true(sw_span_eq(sw_sip_value(&in.msg, SW_HDR_CALL_ID),
				       sw_sip_value(&o.msg, SW_HDR_CALL_ID)));
		out_free(&o);
	}
	guard_buf_free(&in.g);
}

/* Bad arguments: -EINVAL and nothing written. */
static void
test_sip_write_einval(void **state)
{
	static const char resp[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
				   "To: <sip:b@x>\r\nCall-ID: r\r\nCSeq: 1 INVITE\r\n\r\n";
	static const char mf0[] = "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
				  "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: r\r\n"
				  "CSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\n\r\n";
	struct sw_span none = {NULL, 0};
	struct sw_sip_fwd fwd = {.dec_max_forwards = true, .info_hdr = SW_HDR_OTHER};
	struct in req, rsp, zero;
	struct out o;

	(void)state;
	in_parse(&req, reg_notag, sizeof(reg_notag) - 1);
	in_parse(&rsp, resp, sizeof(resp) - 1);
	in_parse(&zero, mf0, sizeof(mf0) - 1);
	out_init(&o, OUT_MAX);
	assert_int_equal(sw_sip_write_challenge(&o.w, &req.msg, req.buf, 403, chals, 1, none),
			 -EINVAL);
	assert_int_equal(sw_sip_write_challenge(&o.w, &req.msg, req.buf, 407, chals, 0, none),
			 -EINVAL);
	assert_int_equal(sw_sip_write_challenge(&o.w, &req.msg, req.buf, 407, chals,
						SW_SIP_CHALLENGE_MAX + 1, none),
			 -EINVAL);
	assert_int_equal(sw_sip_write_challenge(&o.w, &rsp.msg, rsp.buf, 407, chals, 1, none),
			 -EINVAL);
	assert_int_equal(sw_sip_write_challenge(&o.w, &req.msg, rsp.buf, 407, chals, 1, none),
			 -EINVAL);
	assert_int_equal(sw_sip_write_error(&o.w, &req.msg, req.buf, 200, 0, none), -EINVAL);
	assert_int_equal(sw_sip_write_error(&o.w, &req.msg, req.buf, 700, 0, none), -EINVAL);
	assert_int_equal(sw_sip_write_error(&o.w, &rsp.msg, rsp.buf, 400, 0, none), -EINVAL);
	assert_int_equal(sw_sip_write_forward(&o.w, &zero.msg, zero.buf, zero.len, &fwd), -EINVAL);
	fwd.dec_max_forwards = false;
	fwd.info_hdr = SW_HDR_VIA;
	assert_int_equal(sw_sip_write_forward(&o.w, &req.msg, req.buf, req.len, &fwd), -EINVAL);
	assert_int_equal(o.w.len, 0);
	out_free(&o);
	guard_buf_free(&req.g);
	guard_buf_free(&rsp.g);
	guard_buf_free(&zero.g);
}

/* Every capacity below the needed size gives -ENOSPC, never a write past cap. */
static void
test_sip_write_enospc(void **state)
{
	struct sw_span extra = {"X-Extra: 1\r\n", 12};
	struct sw_sip_fwd fwd = {
		.push_via = {"SIP/2.0/UDP proxy.contoso.com;branch=z9hG4bKp", 46},
		.dec_max_forwards = true,
		.info_hdr = SW_HDR_PROXY_AUTHENTICATION_INFO,
		.info = {"Kerberos rspauth=\"0011\"", 23},
	};
	struct in in;
	size_t full[3], cap;
	unsigned int kind;
	int rc;

	(void)state;
	in_parse(&in, reg_notag, sizeof(reg_notag) - 1);
	for (kind = 0; kind < 3; kind++) {
		for (cap = 0;; cap++) {
			struct out o;

			out_init(&o, cap == 0 ? 1 : cap);
			o.w.cap = (uint32_t)cap;
			if (cap == 0)
				o.w.p = o.mem + 1; /* zero bytes before the guard page */
			if (kind == 0)
				rc = sw_sip_write_challenge(&o.w, &in.msg, in.buf, 407, chals, 2,
							    extra);
			else if (kind == 1)
				rc = sw_sip_write_error(&o.w, &in.msg, in.buf, 503, 60, extra);
			else
				rc = sw_sip_write_forward(&o.w, &in.msg, in.buf, in.len, &fwd);
			out_free(&o);
			if (rc == 0) {
				full[kind] = cap;
				break;
			}
			assert_int_equal(rc, -ENOSPC);
			assert_true(cap < OUT_MAX);
		}
		assert_true(full[kind] > 100);
	}
	guard_buf_free(&in.g);
}

/* ------------------------------------------------------------------------ */

struct fwd_case {
	const char *name;
	const char *in;
	struct sw_sip_fwd fwd;
	int mf;		     /* expected Max-Forwards in the output, -1 absent */
	unsigned int n_via;  /* Via values in the output */
	const char *top_via; /* first Via value in the output */
	const char *body;
	const char *info; /* value of the info header, NULL: absent */
};

#define PUSH_VIA "SIP/2.0/UDP proxy.contoso.com:5060;branch=z9hG4bKp1"

static const char req_nomf[] = "MESSAGE sip:bob@contoso.com SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKm\r\n"
			       "f: <sip:ann@contoso.com>;tag=ft\r\n"
			       "t: <sip:bob@contoso.com>\r\n"
			       "i: msg-1\r\n"
			       "CSeq: 3 MESSAGE\r\n"
			       "Subject: folded\r\n"
			       "  subject line\r\n"
			       "\r\n"
			       "hello";

static const char req_cl_extra[] = "MESSAGE sip:bob@contoso.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKm\r\n"
				   "Max-Forwards: 1\r\n"
				   "From: <sip:ann@contoso.com>;tag=ft\r\n"
				   "To: <sip:bob@contoso.com>\r\n"
				   "Call-ID: msg-2\r\n"
				   "CSeq: 4 MESSAGE\r\n"
				   "Content-Length: 2\r\n"
				   "\r\n"
				   "hitrailing-garbage";

static const char resp_multi[] = "SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/UDP proxy.contoso.com;branch=z9hG4bKp1, SIP/2.0/UDP "
				 "192.0.2.10;branch=z9hG4bKa\r\n"
				 "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKc\r\n"
				 "From: <sip:ann@contoso.com>;tag=ft\r\n"
				 "To: <sip:ann@contoso.com>;tag=tt\r\n"
				 "Call-ID: r-1\r\n"
				 "CSeq: 7 REGISTER\r\n"
				 "Content-Length: 0\r\n"
				 "\r\n";

static const char resp_single[] = "SIP/2.0 200 OK\r\n"
				  "v: SIP/2.0/UDP proxy.contoso.com;branch=z9hG4bKp1\r\n"
				  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKa\r\n"
				  "From: <sip:ann@contoso.com>;tag=ft\r\n"
				  "To: <sip:ann@contoso.com>;tag=tt\r\n"
				  "Call-ID: r-2\r\n"
				  "CSeq: 7 REGISTER\r\n"
				  "Content-Length: 0\r\n"
				  "\r\n";

static const struct fwd_case fwd_cases[] = {
	{"request: push Via, decrement",
	 reg_notag,
	 {.push_via = SPAN(PUSH_VIA), .dec_max_forwards = true, .info_hdr = SW_HDR_OTHER},
	 69,
	 4,
	 PUSH_VIA,
	 "",
	 NULL},
	{"request without Max-Forwards gets 70",
	 req_nomf,
	 {.push_via = SPAN(PUSH_VIA), .dec_max_forwards = true, .info_hdr = SW_HDR_OTHER},
	 70,
	 2,
	 PUSH_VIA,
	 "hello",
	 NULL},
	{"request: Content-Length kept, extra bytes dropped",
	 req_cl_extra,
	 {.push_via = SPAN(PUSH_VIA), .dec_max_forwards = true, .info_hdr = SW_HDR_OTHER},
	 0,
	 2,
	 PUSH_VIA,
	 "hi",
	 NULL},
	{"request: no edits",
	 req_nomf,
	 {.info_hdr = SW_HDR_OTHER},
	 -1,
	 1,
	 "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKm",
	 "hello",
	 NULL},
	{"response: pop first of two values",
	 resp_multi,
	 {.pop_via = true,
	  .info_hdr = SW_HDR_PROXY_AUTHENTICATION_INFO,
	  .info = SPAN("Kerberos qop=\"auth\", opaque=\"1C0FFEE1\", srand=\"3CFF0D7E\", "
		       "snum=\"1\", rspauth=\"0011\"")},
	 -1,
	 2,
	 "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKa",
	 "",
	 "Kerberos qop=\"auth\", opaque=\"1C0FFEE1\", srand=\"3CFF0D7E\", snum=\"1\", "
	 "rspauth=\"0011\""},
	{"response: pop a whole line",
	 resp_single,
	 {.pop_via = true,
	  .info_hdr = SW_HDR_AUTHENTICATION_INFO,
	  .info = SPAN("NTLM rspauth=\"01\"")},
	 -1,
	 1,
	 "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKa",
	 "",
	 "NTLM rspauth=\"01\""},
};

static void
test_sip_write_forward(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(fwd_cases); i++) {
		const struct fwd_case *c = &fwd_cases[i];
		struct sw_span ov[8], iv[8];
		unsigned int n_in, n_out, k, shift;
		struct in in;
		struct out o;
		int rc;

		in_parse(&in, c->in, strlen(c->in));
		out_init(&o, OUT_MAX);
		rc = sw_sip_write_forward(&o.w, &in.msg, in.buf, in.len, &c->fwd);
		if (rc != 0)
			fail_msg("%s: rc %d", c->name, rc);
		out_parse(&o);
		assert_int_equal(sw_sip_max_forwards(&o.msg), c->mf);
		n_out = values(&o.msg, SW_HDR_VIA, ov, 8);
		if (n_out != c->n_via)
			fail_msg("%s: %u Via values", c->name, n_out);
		assert_span(ov[0], c->top_via);
		/* The rest of the Via stack is the original's, in order. */
		n_in = values(&in.msg, SW_HDR_VIA, iv, 8);
		shift = c->fwd.push_via.len != 0 ? 1 : 0;
		for (k = shift; k < n_out; k++)
			assert_true(sw_span_eq(ov[k], iv[k - shift + (c->fwd.pop_via ? 1 : 0)]));
		(void)n_in;
		assert_span(o.msg.body, c->body);
		if (c->info == NULL) {
			assert_int_equal(o.msg.count[SW_HDR_PROXY_AUTHENTICATION_INFO] +
						 o.msg.count[SW_HDR_AUTHENTICATION_INFO],
					 0);
		} else {
			assert_span(sw_sip_value(&o.msg, c->fwd.info_hdr), c->info);
			/* Last header before the empty line. */
			assert_int_equal(o.msg.hdr[o.msg.n_hdr - 1].id, c->fwd.info_hdr);
		}
		/* Everything the signer reads is unchanged. */
		assert_true(sw_span_eq(o.msg.method, in.msg.method));
		assert_true(sw_span_eq(o.msg.ruri, in.msg.ruri));
		assert_int_equal(o.msg.status, in.msg.status);
		assert_true(sw_span_eq(sw_sip_value(&o.msg, SW_HDR_FROM),
				       sw_sip_value(&in.msg, SW_HDR_FROM)));
		assert_true(sw_span_eq(sw_sip_value(&o.msg, SW_HDR_TO),
				       sw_sip_value(&in.msg, SW_HDR_TO)));
		assert_true(sw_span_eq(sw_sip_value(&o.msg, SW_HDR_CALL_ID),
				       sw_sip_value(&in.msg, SW_HDR_CALL_ID)));
		assert_true(sw_span_eq(sw_sip_value(&o.msg, SW_HDR_CSEQ),
				       sw_sip_value(&in.msg, SW_HDR_CSEQ)));
		assert_true(sw_span_eq(sw_sip_value(&o.msg, SW_HDR_SUBJECT),
				       sw_sip_value(&in.msg, SW_HDR_SUBJECT)));
		out_free(&o);
		guard_buf_free(&in.g);
	}
}

/* Everything written from the RFC 4475 messages we accept parses again. */
static void
test_sip_write_rfc4475(void **state)
{
	struct sw_span none = {NULL, 0};
	size_t i, k;

	(void)state;
	for (i = 0; i < sw_rfc4475_n; i++) {
		const struct sw_rfc4475_vec *v = &sw_rfc4475_vecs[i];
		struct sw_sip_fwd fwd = {
			.push_via = SPAN(PUSH_VIA),
			.info_hdr = SW_HDR_PROXY_AUTHENTICATION_INFO,
			.info = SPAN("NTLM rspauth=\"01\""),
		};
		struct in in;
		struct sw_sip_msg chk;

		if (v->rc != SW_SIP_OK)
			continue;
		in_parse(&in, v->msg, v->len);
		fwd.dec_max_forwards = in.msg.status == 0 && sw_sip_max_forwards(&in.msg) != 0;
		fwd.pop_via = in.msg.status != 0;
		for (k = 0; k < 3; k++) {
			struct out o;
			int rc;

			if (k > 0 && in.msg.status != 0)
				break;
			out_init(&o, OUT_MAX);
			if (k == 0)
				rc = sw_sip_write_forward(&o.w, &in.msg, in.buf, in.len, &fwd);
			else if (k == 1)
				rc = sw_sip_write_challenge(&o.w, &in.msg, in.buf, 407, chals, 2,
							    none);
			else
				rc = sw_sip_write_error(&o.w, &in.msg, in.buf, 503, 5, none);
			if (rc != 0)
				fail_msg("%s/%zu: rc %d", v->name, k, rc);
			out_parse(&o);
			chk = o.msg;
			assert_true(sw_span_eq(sw_sip_value(&chk, SW_HDR_CALL_ID),
					       sw_sip_value(&in.msg, SW_HDR_CALL_ID)));
			assert_int_equal(chk.cseq_num, in.msg.cseq_num);
			if (k == 0)
				assert_true(sw_span_eq(chk.body, in.msg.body));
			else
				assert_non_null(sw_sip_tag_of(sw_sip_value(&chk, SW_HDR_TO)).p);
			if (k == 0) {
				/* The caller's Max-Forwards (what the lcore already
				 * parsed for its 483 check) gives the same bytes. */
				struct sw_sip_fwd hint = fwd;
				struct out o2;

				hint.mf_known = true;
				hint.mf = (int16_t)sw_sip_max_forwards(&in.msg);
				out_init(&o2, OUT_MAX);
				assert_int_equal(sw_sip_write_forward(&o2.w, &in.msg, in.buf, in.len,
								      &hint),
						 0);
				assert_int_equal(o2.w.len, o.w.len);
				assert_memory_equal(o2.w.p, o.w.p, o.w.len);
				out_free(&o2);
			}
			out_free(&o);
		}
		guard_buf_free(&in.g);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_write_challenge), cmocka_unit_test(test_sip_write_error),
		cmocka_unit_test(test_sip_write_einval),    cmocka_unit_test(test_sip_write_enospc),
		cmocka_unit_test(test_sip_write_forward),
		cmocka_unit_test(test_sip_write_rfc4475),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
