/*
 * sw_sip_parse() and its accessors.  Every input is placed against a
 * PROT_NONE page (tests/common/guard.h) so any over-read faults.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/sip_parse.h"
#include "tests/common/guard.h"
#include "tests/vectors/rfc4475.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NO_OFF	      UINT32_MAX

/* A realistic Lync-style REGISTER (about 700 bytes). */
static const char reg_msg[] =
	"REGISTER sip:contoso.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK56b3a1f0;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Ann Lee\" <sip:ann@contoso.com>;tag=8a1c2e;epid=01f0a2b3c4\r\n"
	"To: <sip:ann@contoso.com>\r\n"
	"Call-ID: 7f2a9c41e3b84d5f9a0c@ann-pc\r\n"
	"CSeq: 7 REGISTER\r\n"
	"Contact: <sip:192.0.2.10:5060;transport=udp;ms-opaque=d3470f2e1d>;methods=\"INVITE, "
	"MESSAGE, INFO, OPTIONS, BYE, CANCEL, NOTIFY, ACK, REFER, BENOTIFY\";proxy=replace;"
	"+sip.instance=\"<urn:uuid:2d4ef3ee-aa3c-5b2a-9c7e-0e1f2a3b4c5d>\"\r\n"
	"User-Agent: UCCAPI/16.0.4849.1000 OC/16.0.4849.1000 (Skype for Business)\r\n"
	"Supported: gruu-10, adhoclist, msrtc-event-categories\r\n"
	"Supported: ms-forking\r\n"
	"Event: registration\r\n"
	"Expires: 3600\r\n"
	"Proxy-Authorization: Kerberos qop=\"auth\", opaque=\"1C0FFEE1\", realm=\"SIP "
	"Communications Service\", targetname=\"sip/proxy.contoso.com\", crand=\"0a1b2c3d\", "
	"cnum=\"5\", response=\"0123456789abcdef0123456789abcdef0123456789abcdef01234567\"\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* A guarded copy that lives until parsed_free(). */
struct parsed {
	struct guard_buf g;
	const char *buf;
	size_t len;
	struct sw_sip_msg msg;
	enum sw_sip_rc rc;
};

static void
parse_guarded(struct parsed *p, const char *m, size_t len)
{
	memset(&p->g, 0, sizeof(p->g));
	p->buf = guard_buf_put(&p->g, m, len);
	assert_non_null(p->buf);
	p->len = len;
	p->rc = sw_sip_parse(p->buf, len, &p->msg);
}

static void
parsed_free(struct parsed *p)
{
	guard_buf_free(&p->g);
}

static bool
span_in(const struct parsed *p, struct sw_span s)
{
	if (s.p == NULL)
		return s.len == 0;
	return s.p >= p->buf && s.p + s.len <= p->buf + p->len;
}

static bool
same_span(struct sw_span a, struct sw_span b)
{
	return a.p == b.p && a.len == b.len;
}

/* Invariants that hold for any outcome. */
static void
check_invariants(const struct parsed *p)
{
	const struct sw_sip_msg *m = &p->msg;
	uint16_t i;

	assert_true((unsigned int)p->rc < SW_SIP_RC_MAX);
	assert_true(m->n_hdr <= SW_SIP_HDR_MAX);
	if (p->rc != SW_SIP_OK) {
		assert_true(m->err_off <= p->len);
		return;
	}
	assert_true(m->hdr_len <= p->len);
	assert_true(span_in(p, m->method) && span_in(p, m->ruri) && span_in(p, m->reason));
	assert_true(span_in(p, m->body));
	for (i = 0; i < m->n_hdr; i++) {
		assert_true(span_in(p, m->hdr[i].name));
		assert_true(span_in(p, m->hdr[i].value));
		assert_true(m->hdr[i].id < SW_HDR_MAX);
	}
	/* What the parser recorded for the signed buffer is, pointer and
	 * length, what the accessors find (every row, every mutation). */
	{
		struct sw_span u, t;

		sw_sip_addr_of(sw_sip_value(m, SW_HDR_FROM), &u, &t);
		assert_true(same_span(u, m->from_uri) && same_span(t, m->from_tag));
		assert_true(same_span(u, sw_sip_uri_of(sw_sip_value(m, SW_HDR_FROM))));
		assert_true(same_span(t, sw_sip_tag_of(sw_sip_value(m, SW_HDR_FROM))));
		sw_sip_addr_of(sw_sip_value(m, SW_HDR_TO), &u, &t);
		assert_true(same_span(u, m->to_uri) && same_span(t, m->to_tag));
		assert_true(same_span(t, sw_sip_tag_of(sw_sip_value(m, SW_HDR_TO))));
	}
	/* The topmost Via kept by the parser is what parsing it again gives. */
	{
		static struct sw_sip_msg fresh;
		struct sw_sip_via a, b;

		assert_true(m->top_via_ok);
		fresh = *m;
		fresh.top_via_ok = false;
		memset(&a, 0xa5, sizeof(a));
		memset(&b, 0x5a, sizeof(b));
		assert_true(sw_sip_top_via(m, &a));
		assert_true(sw_sip_top_via(&fresh, &b));
		assert_true(same_span(a.transport, b.transport) && same_span(a.host, b.host) &&
			    a.port == b.port && same_span(a.branch, b.branch) &&
			    same_span(a.received, b.received) && a.has_rport == b.has_rport &&
			    a.rport == b.rport);
	}
}

static size_t
find_off(const char *buf, size_t len, const char *needle, size_t nlen)
{
	size_t i;

	for (i = 0; i + nlen <= len; i++) {
		if (memcmp(buf + i, needle, nlen) == 0)
			return i;
	}
	fail_msg("marker not found");
	return 0;
}

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

/* ------------------------------------------------------------------------ */

static void
test_sip_parse_rfc4475(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sw_rfc4475_n; i++) {
		const struct sw_rfc4475_vec *v = &sw_rfc4475_vecs[i];
		struct parsed p;

		parse_guarded(&p, v->msg, v->len);
		check_invariants(&p);
		if ((int)p.rc != v->rc)
			fail_msg("RFC 4475 §%s %s: got %s (off %u) want %s", v->section, v->name,
				 sw_sip_rc_name(p.rc), p.msg.err_off,
				 sw_sip_rc_name((enum sw_sip_rc)v->rc));
		if (v->err_at != NULL) {
			size_t want =
				find_off(v->msg, v->len, v->err_at, v->err_at_len) + v->err_adj;

			if (p.msg.err_off != want)
				fail_msg("RFC 4475 %s: err_off %u want %zu", v->name, p.msg.err_off,
					 want);
		}
		parsed_free(&p);
	}
}

/* Field values of the torture messages that are accepted. */
static void
test_sip_parse_rfc4475_fields(void **state)
{
	struct parsed p;
	struct sw_sip_via via;
	struct sw_span v;
	uint8_t idx;
	uint16_t pos;
	size_t i, n;

	(void)state;
	for (i = 0; i < sw_rfc4475_n; i++) {
		const struct sw_rfc4475_vec *t = &sw_rfc4475_vecs[i];

		if (strcmp(t->name, "wsinv") != 0)
			continue;
		parse_guarded(&p, t->msg, t->len);
		assert_int_equal(p.rc, SW_SIP_OK);
		assert_span(p.msg.method, "INVITE");
		assert_span(p.msg.ruri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
		assert_int_equal(p.msg.cseq_num, 9);
		assert_span(p.msg.cseq_num_s, "0009");
		assert_span(p.msg.cseq_method, "INVITE");
		assert_int_equal(sw_sip_max_forwards(&p.msg), 68);
		assert_span(sw_sip_value(&p.msg, SW_HDR_CALL_ID), "wsinv.ndaksdj@192.0.2.1");
		assert_span(sw_sip_uri_of(sw_sip_value(&p.msg, SW_HDR_TO)),
			    "sip:vivekg@chair-dnrc.example.com");
		assert_span(sw_sip_tag_of(sw_sip_value(&p.msg, SW_HDR_TO)), "1918181833n");
		assert_span(sw_sip_uri_of(sw_sip_value(&p.msg, SW_HDR_FROM)),
			    "sip:jdrosen@example.com");
		assert_span(sw_sip_tag_of(sw_sip_value(&p.msg, SW_HDR_FROM)), "98asjd8");
		assert_true(p.msg.hdr[p.msg.first[SW_HDR_FROM]].folded);
		assert_false(p.msg.hdr[p.msg.first[SW_HDR_CALL_ID]].folded);
		assert_int_equal(p.msg.count[SW_HDR_VIA], 2);
		assert_int_equal(p.msg.count[SW_HDR_SUBJECT], 1);
		assert_int_equal(sw_sip_value(&p.msg, SW_HDR_SUBJECT).len, 0);
		assert_true(sw_sip_top_via(&p.msg, &via));
		assert_span(via.transport, "UDP");
		assert_span(via.host, "192.0.2.2");
		assert_span(via.branch, "390skdjuw");
		/* Three Via values across two lines (one of them folded, with a comma). */
		idx = p.msg.first[SW_HDR_VIA];
		pos = 0;
		n = 0;
		while (sw_sip_next_value(&p.msg, &idx, &pos, &v))
			n++;
		assert_int_equal(n, 3);
		assert_int_equal(p.msg.body.len, 150);
		assert_int_equal(p.msg.body.p - p.buf, p.msg.hdr_len);
		parsed_free(&p);
	}
}

/* ------------------------------------------------------------------------ */

struct parse_case {
	const char *name;
	const char *msg;
	size_t len;
	enum sw_sip_rc rc;
	const char *err_at; /* marker whose first occurrence is err_off; NULL: not checked */
	size_t err_at_len;
	const char *call_id; /* expected Call-ID when OK (NULL: not checked) */
};

/* Literals with their length: several rows hold NUL bytes. */
#define M(s)  s, sizeof(s) - 1
#define AT(s) s, sizeof(s) - 1
#define NOAT  NULL, 0

#define HDRS_REQ(extra)                                                                            \
	"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"                                       \
	"From: <sip:a@example.com>;tag=1\r\n"                                                      \
	"To: <sip:b@example.com>\r\n"                                                              \
	"Call-ID: c1\r\n"                                                                          \
	"CSeq: 1 OPTIONS\r\n" extra

#define OPT_REQ(extra) "OPTIONS sip:b@example.com SIP/2.0\r\n" HDRS_REQ(extra)

static const struct parse_case parse_cases[] = {
	{"minimal", M(OPT_REQ("\r\n")), SW_SIP_OK, NOAT, "c1"},
	{"compact forms",
	 M("OPTIONS sip:b@example.com SIP/2.0\r\n"
	   "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:a@x>;tag=1\r\n"
	   "t: <sip:b@x>\r\ni: compact-id\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n"),
	 SW_SIP_OK, NOAT, "compact-id"},
	{"upper-case names",
	 M("OPTIONS sip:b@example.com SIP/2.0\r\n"
	   "VIA: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFROM: <sip:a@x>;tag=1\r\n"
	   "TO: <sip:b@x>\r\nCALL-ID: upper\r\nCSEQ: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_OK, NOAT, "upper"},
	{"lower-case names",
	 M("OPTIONS sip:b@example.com SIP/2.0\r\n"
	   "via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nfrom: <sip:a@x>;tag=1\r\n"
	   "to: <sip:b@x>\r\ncall-id: lower\r\ncseq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_OK, NOAT, "lower"},
	{"compact upper-case",
	 M("OPTIONS sip:b@example.com SIP/2.0\r\n"
	   "V: SIP/2.0/UDP h;branch=z9hG4bK1\r\nF: <sip:a@x>;tag=1\r\n"
	   "T: <sip:b@x>\r\nI: up\r\nCSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_OK, NOAT, "up"},
	{"folded Call-ID",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID:\r\n  folded\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_OK, NOAT, "folded"},
	{"space before colon",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia \t: SIP/2.0/UDP h\r\n"
	   "From  : <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID:x\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_OK, NOAT, "x"},
	{"response", M("SIP/2.0 180 Ringing\r\n" HDRS_REQ("\r\n")), SW_SIP_OK, NOAT, "c1"},
	{"response without reason SP", M("SIP/2.0 100\r\n" HDRS_REQ("\r\n")), SW_SIP_OK, NOAT,
	 "c1"},
	{"response CSeq method free",
	 M("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: r\r\n"
	   "CSeq: 5 INVITE\r\n\r\n"),
	 SW_SIP_OK, NOAT, "r"},
	{"control bytes in version",
	 M("OPTIONS sip:b@x SIP\x0f\x12\x0e\x10\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_EREQLINE,
	 AT("SIP\x0f"),
	 NULL},
	{"lower-case version", M("OPTIONS sip:b@x sip/2.0\r\n" HDRS_REQ("\r\n")), SW_SIP_OK, NOAT,
	 "c1"},
	{"status 099", M("SIP/2.0 099 Low\r\n" HDRS_REQ("\r\n")), SW_SIP_ESTATUSLINE, AT("099"),
	 NULL},
	{"status 2 digits", M("SIP/2.0 20 OK\r\n" HDRS_REQ("\r\n")), SW_SIP_ESTATUSLINE, AT(" OK"),
	 NULL},
	{"status letters", M("SIP/2.0 2x0 OK\r\n" HDRS_REQ("\r\n")), SW_SIP_ESTATUSLINE, AT("x0"),
	 NULL},
	{"status version 3.0", M("SIP/3.0 200 OK\r\n" HDRS_REQ("\r\n")), SW_SIP_EVERSION,
	 AT("SIP/3"), NULL},
	{"status version junk", M("SIP/2 200 OK\r\n" HDRS_REQ("\r\n")), SW_SIP_ESTATUSLINE,
	 AT("SIP"), NULL},
	{"reason with NUL", M("SIP/2.0 200 O\0K\r\n" HDRS_REQ("\r\n")), SW_SIP_ESTATUSLINE,
	 AT("\0K"), NULL},
	{"version HTTP", M("OPTIONS sip:b@x HTTP/1.1\r\n" HDRS_REQ("\r\n")), SW_SIP_EREQLINE,
	 AT("HTTP"), NULL},
	{"no method", M(" sip:b@x SIP/2.0\r\n" HDRS_REQ("\r\n")), SW_SIP_EREQLINE, AT(" sip"),
	 NULL},
	{"method with slash", M("OPT/IONS sip:b@x SIP/2.0\r\n" HDRS_REQ("\r\n")), SW_SIP_EREQLINE,
	 AT("/IONS"), NULL},
	{"R-URI without scheme", M("OPTIONS b@x SIP/2.0\r\n" HDRS_REQ("\r\n")), SW_SIP_EREQLINE,
	 AT("b@x"), NULL},
	/* ?headers in a sip: Request-URI (the '?' after the first '@'): the
	 * one-block form up to 32 bytes and memchr() past it. */
	{"R-URI ?headers", M("OPTIONS sip:b@x?h=1 SIP/2.0\r\n" HDRS_REQ("\r\n")), SW_SIP_EREQLINE,
	 AT("?h=1"), NULL},
	{"R-URI ? in userinfo", M("OPTIONS sip:b?u@x SIP/2.0\r\n" HDRS_REQ("\r\n")), SW_SIP_OK,
	 NOAT, "c1"},
	{"R-URI ? both sides of @", M("OPTIONS sips:?@?@x SIP/2.0\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_EREQLINE, AT("?@x"), NULL},
	{"R-URI 32 bytes ?",
	 M("OPTIONS sip:aaaaaaaaaaaaaaaaaaaaaaaa@x?q SIP/2.0\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_EREQLINE, AT("?q"), NULL},
	{"R-URI 33 bytes ?",
	 M("OPTIONS sip:aaaaaaaaaaaaaaaaaaaaaaaaa@x?q SIP/2.0\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_EREQLINE, AT("?q"), NULL},
	{"R-URI 32 bytes no @",
	 M("OPTIONS sip:aaaaaaaaaaaaaaaaaaaaaaaaaaa? SIP/2.0\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_EREQLINE, AT("? SIP"), NULL},
	{"R-URI with UTF-8", M("OPTIONS sip:\xc3\xa9@x SIP/2.0\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_EREQLINE, AT("\xc3"), NULL},
	{"request line bare LF", M("OPTIONS sip:b@x SIP/2.0\n" HDRS_REQ("\r\n")), SW_SIP_EREQLINE,
	 AT("\n"), NULL},
	{"request line bare CR", M("OPTIONS sip:b@x SIP/2.0\rX" HDRS_REQ("\r\n")), SW_SIP_EREQLINE,
	 AT("\r"), NULL},
	{"LF-only header line", M(OPT_REQ("X-A: 1\n\r\n")), SW_SIP_ELINE, AT("\n\r\n"), NULL},
	{"LF-only everywhere", M("OPTIONS sip:b@x SIP/2.0\nVia: SIP/2.0/UDP h\n\n"),
	 SW_SIP_EREQLINE, AT("\n"), NULL},
	{"bare CR in value", M(OPT_REQ("X-A: 1\r2\r\n\r\n")), SW_SIP_ELINE, AT("\r2"), NULL},
	{"NUL in value", M(OPT_REQ("X-A: 1\0002\r\n\r\n")), SW_SIP_ELINE, AT("\0002"), NULL},
	{"NUL in name", M(OPT_REQ("X-\0: 1\r\n\r\n")), SW_SIP_ELINE, AT("\0:"), NULL},
	{"NUL starts a line", M(OPT_REQ("\0X: 1\r\n\r\n")), SW_SIP_ELINE, AT("\0X"), NULL},
	{"NUL in quoted From",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: \"a\\\0\" <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_ELINE, AT("\0\""), NULL},
	{"NUL in body is fine", M(OPT_REQ("Content-Length: 3\r\n\r\na\0b")), SW_SIP_OK, NOAT, "c1"},
	{"no colon", M(OPT_REQ("Foobar roobar\r\n\r\n")), SW_SIP_ELINE, AT("roobar"), NULL},
	{"no colon at EOL", M(OPT_REQ("Foobar\r\n\r\n")), SW_SIP_ELINE, AT("\r\n\r\n"), NULL},
	{"empty name", M(OPT_REQ(": x\r\n\r\n")), SW_SIP_ENAME, AT(": x"), NULL},
	{"non-token name", M(OPT_REQ("X@Y: x\r\n\r\n")), SW_SIP_ENAME, AT("@Y"), NULL},
	{"fold after start line", M("OPTIONS sip:b@x SIP/2.0\r\n X: 1\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_ELINE, AT(" X: 1"), NULL},
	{"CR LF missing at end", M(OPT_REQ("\rX")), SW_SIP_ELINE, AT("\rX"), NULL},
	{"CSeq method mismatch", M("INVITE sip:b@x SIP/2.0\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_ECSEQ_METHOD, AT("OPTIONS\r\n"), NULL},
	{"CSeq method case differs", M("options sip:b@x SIP/2.0\r\n" HDRS_REQ("\r\n")),
	 SW_SIP_ECSEQ_METHOD, AT("OPTIONS\r\n"), NULL},
	{"CSeq 2^31-1",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 2147483647 OPTIONS\r\n\r\n"),
	 SW_SIP_OK, NOAT, "m"},
	{"CSeq 2^31",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
	   "To: <sip:b@x>\r\nCall-ID: m\r\nCSeq: 2147483648 OPTIONS\r\n\r\n"),
	 SW_SIP_ECSEQ, AT("2147483648"), NULL},
	{"CSeq no method",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\nCSeq: 1\r\n\r\n"),
	 SW_SIP_ECSEQ, AT("1\r\n\r\n"), NULL},
	{"CSeq no space",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
	   "To: <sip:b@x>\r\nCall-ID: m\r\nCSeq: 1OPTIONS\r\n\r\n"),
	 SW_SIP_ECSEQ, AT("1OPTIONS"), NULL},
	{"CSeq negative",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
	   "To: <sip:b@x>\r\nCall-ID: m\r\nCSeq: -1 OPTIONS\r\n\r\n"),
	 SW_SIP_ECSEQ, AT("-1"), NULL},
	{"CSeq trailing junk",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS x\r\n\r\n"),
	 SW_SIP_ECSEQ, AT("1 OPTIONS x"), NULL},
	{"CSeq folded",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
	   "To: <sip:b@x>\r\nCall-ID: m\r\nCSeq: 1\r\n\tOPTIONS\r\n\r\n"),
	 SW_SIP_OK, NOAT, "m"},
	{"Max-Forwards 255", M(OPT_REQ("Max-Forwards: 255\r\n\r\n")), SW_SIP_OK, NOAT, "c1"},
	{"Max-Forwards 256", M(OPT_REQ("Max-Forwards: 256\r\n\r\n")), SW_SIP_EMAXFWD, AT("256"),
	 NULL},
	{"Max-Forwards text", M(OPT_REQ("Max-Forwards: ten\r\n\r\n")), SW_SIP_EMAXFWD, AT("ten"),
	 NULL},
	{"Max-Forwards empty", M(OPT_REQ("Max-Forwards:\r\n\r\n")), SW_SIP_EMAXFWD, AT("\r\n\r\n"),
	 NULL},
	{"Expires 2^32-1", M(OPT_REQ("Expires: 4294967295\r\n\r\n")), SW_SIP_OK, NOAT, "c1"},
	{"Expires 2^32", M(OPT_REQ("Expires: 4294967296\r\n\r\n")), SW_SIP_EEXPIRES,
	 AT("4294967296"), NULL},
	{"Expires date form", M(OPT_REQ("Expires: Thu, 01 Dec 1994 16:00:00 GMT\r\n\r\n")),
	 SW_SIP_EEXPIRES, AT("Thu"), NULL},
	{"CL exact", M(OPT_REQ("Content-Length: 4\r\n\r\nabcd")), SW_SIP_OK, NOAT, "c1"},
	{"CL lies: body short", M(OPT_REQ("Content-Length: 5\r\n\r\nabcd")), SW_SIP_ECLEN,
	 AT("5\r\n"), NULL},
	{"CL lies: body long, extra ignored", M(OPT_REQ("Content-Length: 2\r\n\r\nabcd")),
	 SW_SIP_OK, NOAT, "c1"},
	{"CL garbage", M(OPT_REQ("Content-Length: 4x\r\n\r\nabcd")), SW_SIP_ECLEN, AT("4x"), NULL},
	{"CL hex", M(OPT_REQ("Content-Length: 0x4\r\n\r\nabcd")), SW_SIP_ECLEN, AT("0x4"), NULL},
	{"CL empty", M(OPT_REQ("Content-Length: \r\n\r\nabcd")), SW_SIP_ECLEN, AT("\r\n\r\nabcd"),
	 NULL},
	{"CL huge", M(OPT_REQ("Content-Length: 99999999999999999999999\r\n\r\n")), SW_SIP_ECLEN,
	 AT("999"), NULL},
	{"CL 65536", M(OPT_REQ("Content-Length: 65536\r\n\r\n")), SW_SIP_ECLEN, AT("65536"), NULL},
	{"dup From", M(OPT_REQ("From: <sip:c@x>;tag=2\r\n\r\n")), SW_SIP_EDUP, AT("From: <sip:c"),
	 NULL},
	{"dup To compact", M(OPT_REQ("t: <sip:c@x>\r\n\r\n")), SW_SIP_EDUP, AT("t: <sip:c"), NULL},
	{"dup Call-ID compact", M(OPT_REQ("i: c2\r\n\r\n")), SW_SIP_EDUP, AT("i: c2"), NULL},
	{"dup CSeq", M(OPT_REQ("CSeq: 1 OPTIONS\r\n\r\n")), SW_SIP_EDUP,
	 AT("CSeq: 1 OPTIONS\r\n\r\n"), NULL},
	{"dup Expires", M(OPT_REQ("Expires: 1\r\nExpires: 1\r\n\r\n")), SW_SIP_EDUP,
	 AT("Expires: 1\r\n\r\n"), NULL},
	{"dup Max-Forwards", M(OPT_REQ("Max-Forwards: 1\r\nmax-forwards: 1\r\n\r\n")), SW_SIP_EDUP,
	 AT("max-forwards"), NULL},
	{"dup Content-Length", M(OPT_REQ("l: 0\r\nContent-Length: 0\r\n\r\n")), SW_SIP_EDUP,
	 AT("Content-Length"), NULL},
	{"PAI may repeat",
	 M(OPT_REQ("P-Asserted-Identity: <sip:a@x>\r\n"
		   "P-Asserted-Identity: <tel:+1555>\r\n\r\n")),
	 SW_SIP_OK, NOAT, "c1"},
	{"missing Via",
	 M("OPTIONS sip:b@x SIP/2.0\r\nFrom: <sip:a@x>\r\nTo: <sip:b@x>\r\n"
	   "Call-ID: m\r\nCSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EMISSING, AT("\r\n\r\n"), NULL},
	{"missing From",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:b@x>\r\n"
	   "Call-ID: m\r\nCSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EMISSING, AT("\r\n\r\n"), NULL},
	{"missing To",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
	   "Call-ID: m\r\nCSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EMISSING, AT("\r\n\r\n"), NULL},
	{"missing Call-ID",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EMISSING, AT("\r\n\r\n"), NULL},
	{"empty Call-ID",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
	   "To: <sip:b@x>\r\nCall-ID:  \r\nCSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EMISSING, AT("\r\n\r\n"), NULL},
	{"missing CSeq",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\n"
	   "To: <sip:b@x>\r\nCall-ID: m\r\n\r\n"),
	 SW_SIP_EMISSING, AT("\r\n\r\n"), NULL},
	{"From unclosed <",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EADDR, AT("<sip:a@x;"), NULL},
	{"From junk after >",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x> junk\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EADDR, AT("<sip:a@x> junk"), NULL},
	/* tests/hardening: a second identity in the From params, folded or not,
	 * that a next hop reading the last name-addr would take (issue 7). */
	{"From second name-addr in params, folded",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>;tag=1\r\n ;x=<sip:eve@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EADDR, AT("<sip:a@x>;tag=1\r\n ;x=<"), NULL},
	{"To addr-spec with a name-addr in params",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>;tag=1\r\nTo: sip:b@x;y=<sip:eve@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EADDR, AT("sip:b@x;y=<"), NULL},
	{"From two values (comma)",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	   "From: <sip:a@x>;tag=1, <sip:eve@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EADDR, AT("<sip:a@x>;tag=1, "), NULL},
	{"Via bad protocol",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: HTTP/1.1/UDP h\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EVIA, AT("HTTP/1.1"), NULL},
	{"Via no host",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP ;branch=x\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EVIA, AT("SIP/2.0/UDP ;"), NULL},
	{"Via port 65536",
	 M("OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h:65536\r\n"
	   "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
	   "CSeq: 1 OPTIONS\r\n\r\n"),
	 SW_SIP_EVIA, AT("SIP/2.0/UDP h:"), NULL},
	{"empty datagram", M(""), SW_SIP_ETRUNC, AT(""), NULL},
	{"keepalive CRLFCRLF", M("\r\n\r\n"), SW_SIP_EREQLINE, AT("\r\n"), NULL},
	{"binary junk", M("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), SW_SIP_EREQLINE,
	 AT("\x16"), NULL},
};

static void
test_sip_parse_table(void **state)
{
	size_t i, want;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct parsed p;

		parse_guarded(&p, c->msg, c->len);
		check_invariants(&p);
		if (p.rc != c->rc)
			fail_msg("%s: got %s (off %u) want %s", c->name, sw_sip_rc_name(p.rc),
				 p.msg.err_off, sw_sip_rc_name(c->rc));
		if (c->err_at != NULL) {
			want = c->err_at_len == 0
				       ? 0
				       : find_off(c->msg, c->len, c->err_at, c->err_at_len);
			if (c->rc == SW_SIP_EMISSING)
				want += 2; /* the empty line, after the last header's CRLF */
			if (p.msg.err_off != want)
				fail_msg("%s: err_off %u want %zu", c->name, p.msg.err_off, want);
		}
		if (c->call_id != NULL &&
		    !span_is(sw_sip_value(&p.msg, SW_HDR_CALL_ID), c->call_id))
			fail_msg("%s: Call-ID", c->name);
		parsed_free(&p);
	}
}

/* ------------------------------------------------------------------------ */

/* The same message with full and with compact names resolves identically. */
static void
test_sip_parse_compact_equiv(void **state)
{
	static const char full[] = "INVITE sip:b@example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h1;branch=z9hG4bKa\r\n"
				   "From: \"A\" <sip:a@example.com>;tag=fa\r\n"
				   "To: <sip:b@example.com>\r\n"
				   "Call-ID: equiv-1\r\n"
				   "CSeq: 2 INVITE\r\n"
				   "Contact: <sip:a@192.0.2.1>\r\n"
				   "Content-Type: application/sdp\r\n"
				   "Content-Encoding: gzip\r\n"
				   "Supported: timer\r\n"
				   "Subject: hi\r\n"
				   "Event: reg\r\n"
				   "Allow-Events: presence\r\n"
				   "Refer-To: <sip:c@example.com>\r\n"
				   "Referred-By: <sip:d@example.com>\r\n"
				   "Session-Expires: 1800\r\n"
				   "Identity: abc\r\n"
				   "Content-Length: 3\r\n"
				   "\r\nxyz";
	static const char compact[] = "INVITE sip:b@example.com SIP/2.0\r\n"
				      "v: SIP/2.0/UDP h1;branch=z9hG4bKa\r\n"
				      "f: \"A\" <sip:a@example.com>;tag=fa\r\n"
				      "t: <sip:b@example.com>\r\n"
				      "i: equiv-1\r\n"
				      "CSeq: 2 INVITE\r\n"
				      "m: <sip:a@192.0.2.1>\r\n"
				      "c: application/sdp\r\n"
				      "e: gzip\r\n"
				      "k: timer\r\n"
				      "s: hi\r\n"
				      "o: reg\r\n"
				      "u: presence\r\n"
				      "r: <sip:c@example.com>\r\n"
				      "b: <sip:d@example.com>\r\n"
				      "x: 1800\r\n"
				      "y: abc\r\n"
				      "l: 3\r\n"
				      "\r\nxyz";
	struct parsed a, b;
	unsigned int h;

	(void)state;
	parse_guarded(&a, full, sizeof(full) - 1);
	parse_guarded(&b, compact, sizeof(compact) - 1);
	assert_int_equal(a.rc, SW_SIP_OK);
	assert_int_equal(b.rc, SW_SIP_OK);
	assert_int_equal(a.msg.n_hdr, b.msg.n_hdr);
	for (h = 1; h < SW_HDR_MAX; h++) {
		assert_int_equal(a.msg.count[h], b.msg.count[h]);
		if (!sw_span_eq(sw_sip_value(&a.msg, h), sw_sip_value(&b.msg, h)))
			fail_msg("header %s differs", sw_sip_hdr_name(h));
	}
	assert_int_equal(a.msg.count[SW_HDR_OTHER], 0);
	assert_true(sw_span_eq(sw_sip_tag_of(sw_sip_value(&a.msg, SW_HDR_FROM)),
			       sw_sip_tag_of(sw_sip_value(&b.msg, SW_HDR_FROM))));
	assert_span(a.msg.body, "xyz");
	assert_span(b.msg.body, "xyz");
	assert_span(b.msg.hdr[b.msg.first[SW_HDR_CALL_ID]].name, "i");
	parsed_free(&a);
	parsed_free(&b);
}

/* Every name of the table, in three spellings, maps to its id. */
static void
test_sip_parse_header_names(void **state)
{
	static const struct {
		const char *name;
		char compact;
	} names[SW_HDR_MAX] = {
#define X(id, nm, cp) [SW_HDR_##id] = {nm, cp},
		SW_SIP_HEADERS(X)
#undef X
	};
	char msg[512], spell[64];
	unsigned int h, v, k;
	struct parsed p;

	(void)state;
	for (h = 1; h < SW_HDR_MAX; h++) {
		assert_string_equal(sw_sip_hdr_name(h), names[h].name);
		for (v = 0; v < 4; v++) {
			size_t n = strlen(names[h].name);

			if (v == 3) {
				if (names[h].compact == 0)
					continue;
				spell[0] = names[h].compact;
				spell[1] = '\0';
			} else {
				for (k = 0; k <= n; k++) {
					char c = names[h].name[k];

					if (v == 0 && c >= 'a' && c <= 'z')
						c = (char)(c - 32);
					if (v == 1 && c >= 'A' && c <= 'Z')
						c = (char)(c + 32);
					spell[k] = c;
				}
			}
			/* A harmless value for every id (From/To/CSeq... are validated). */
			snprintf(msg, sizeof(msg),
				 "OPTIONS sip:b@x SIP/2.0\r\n%s: %s\r\n%s%s%s%s%s\r\n", spell,
				 h == SW_HDR_VIA		      ? "SIP/2.0/UDP h"
				 : h == SW_HDR_FROM || h == SW_HDR_TO ? "<sip:z@x>"
				 : h == SW_HDR_CSEQ		      ? "1 OPTIONS"
								      : "0",
				 h == SW_HDR_VIA ? "" : "Via: SIP/2.0/UDP h\r\n",
				 h == SW_HDR_FROM ? "" : "From: <sip:a@x>\r\n",
				 h == SW_HDR_TO ? "" : "To: <sip:b@x>\r\n",
				 h == SW_HDR_CALL_ID ? "" : "Call-ID: n\r\n",
				 h == SW_HDR_CSEQ ? "" : "CSeq: 1 OPTIONS\r\n");
			parse_guarded(&p, msg, strlen(msg));
			if (p.rc != SW_SIP_OK || p.msg.hdr[0].id != h)
				fail_msg("\"%s\": rc %s id %u", spell, sw_sip_rc_name(p.rc),
					 p.msg.hdr[0].id);
			parsed_free(&p);
		}
	}
	assert_null(sw_sip_hdr_name(SW_HDR_OTHER));
	assert_null(sw_sip_hdr_name(SW_HDR_MAX));
	assert_string_equal(sw_sip_rc_name(SW_SIP_OK), "ok");
	assert_string_equal(sw_sip_rc_name(SW_SIP_ETRUNC), "truncated");
	assert_string_equal(sw_sip_rc_name(SW_SIP_RC_MAX), "unknown");
	for (h = 0; h < SW_SIP_RC_MAX; h++)
		assert_non_null(sw_sip_rc_name(h));
}

/*
 * sw_sip_addr_of() is sw_sip_uri_of() plus sw_sip_tag_of() in one scan: every
 * row, placed against a guard page, must give what the two calls give, and
 * the URI and tag written here.
 */
static void
test_sip_parse_addr_of(void **state)
{
	static const struct {
		const char *name, *value, *uri, *tag; /* NULL: {NULL, 0} */
	} rows[] = {
		{"name-addr with tag", "<sip:a@x>;tag=12", "sip:a@x", "12"},
		{"display name, quoted", "\"A, <B>\" <sip:a@x>;epid=1;tag=9", "sip:a@x", "9"},
		{"display name, token", "Ann Lee<sip:a@x> ; TAG = 7", "sip:a@x", "7"},
		{"addr-spec with tag", "sip:a@x ;tag=3;x=y", "sip:a@x", "3"},
		{"addr-spec alone", " sip:a@x ", "sip:a@x", NULL},
		{"no tag", "<sip:a@x>;epid=5", "sip:a@x", NULL},
		{"quoted tag value", "<sip:a@x>;tag=\"q v\"", "sip:a@x", "q v"},
		{"tag without value", "<sip:a@x>;tag", "sip:a@x", ""},
		{"missing '>'", "<sip:a@x;tag=1", NULL, NULL},
		{"comma before the URI", "a,b <sip:a@x>;tag=1", "sip:a@x", NULL},
		{"comma after the URI", "<sip:a@x>;tag=1, <sip:b@y>;tag=2", "sip:a@x", "1"},
		{"unterminated quote", "\"abc <sip:a@x>;tag=1", "\"abc <sip:a@x>;tag=1", NULL},
		{"empty", "", NULL, NULL},
		{"malformed tail", "<sip:a@x>;tag=1;=x", "sip:a@x", "1"},
	};
	struct guard_buf g;
	struct sw_span v, u, t;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n = strlen(rows[i].value);

		memset(&g, 0, sizeof(g));
		v.p = guard_buf_put(&g, rows[i].value, n);
		assert_non_null(v.p);
		v.len = (uint16_t)n;
		sw_sip_addr_of(v, &u, &t);
		if (!sw_span_eq(u, sw_sip_uri_of(v)) || u.p != sw_sip_uri_of(v).p ||
		    !sw_span_eq(t, sw_sip_tag_of(v)) || t.p != sw_sip_tag_of(v).p)
			fail_msg("%s: differs from sw_sip_uri_of/sw_sip_tag_of", rows[i].name);
		if (rows[i].uri == NULL ? u.p != NULL
					: (u.p == NULL || u.len != strlen(rows[i].uri) ||
					   memcmp(u.p, rows[i].uri, u.len) != 0))
			fail_msg("%s: uri \"%.*s\"", rows[i].name, (int)u.len, u.p ? u.p : "");
		if (rows[i].tag == NULL ? t.p != NULL
					: (t.p == NULL || t.len != strlen(rows[i].tag) ||
					   memcmp(t.p, rows[i].tag, t.len) != 0))
			fail_msg("%s: tag \"%.*s\"", rows[i].name, (int)t.len, t.p ? t.p : "");
		guard_buf_free(&g);
	}
}

/* Fields of a realistic REGISTER, used by the signer. */
static void
test_sip_parse_register_fields(void **state)
{
	struct parsed p;
	struct sw_sip_via via;
	struct sw_span s, t;

	(void)state;
	parse_guarded(&p, reg_msg, sizeof(reg_msg) - 1);
	assert_int_equal(p.rc, SW_SIP_OK);
	assert_span(p.msg.method, "REGISTER");
	assert_span(p.msg.ruri, "sip:contoso.com");
	assert_int_equal(p.msg.status, 0);
	assert_int_equal(p.msg.cseq_num, 7);
	assert_span(p.msg.cseq_method, "REGISTER");
	assert_span(sw_sip_uri_of(sw_sip_value(&p.msg, SW_HDR_FROM)), "sip:ann@contoso.com");
	assert_span(sw_sip_tag_of(sw_sip_value(&p.msg, SW_HDR_FROM)), "8a1c2e");
	assert_span(sw_sip_uri_of(sw_sip_value(&p.msg, SW_HDR_TO)), "sip:ann@contoso.com");
	assert_null(sw_sip_tag_of(sw_sip_value(&p.msg, SW_HDR_TO)).p);
	assert_span(sw_sip_expires(&p.msg), "3600");
	assert_int_equal(sw_sip_max_forwards(&p.msg), 70);
	assert_int_equal(p.msg.count[SW_HDR_SUPPORTED], 2);
	assert_int_equal(p.msg.count[SW_HDR_PROXY_AUTHORIZATION], 1);
	assert_true(sw_sip_top_via(&p.msg, &via));
	assert_span(via.transport, "UDP");
	assert_span(via.host, "192.0.2.10");
	assert_int_equal(via.port, 5060);
	assert_span(via.branch, "z9hG4bK56b3a1f0");
	assert_true(via.has_rport);
	assert_int_equal(via.rport, 0);
	assert_null(via.received.p);
	sw_sip_identity_uris(&p.msg, &s, &t);
	assert_null(s.p);
	assert_null(t.p);
	assert_int_equal(p.msg.body.len, 0);
	assert_int_equal(p.msg.hdr_len, sizeof(reg_msg) - 1);
	parsed_free(&p);
}

/*
 * Via sent-by port (1..65535, leading zeros allowed): at each edge and one
 * past it, and digit runs long enough to wrap the accumulator, which must
 * still be refused by their length.
 */
static void
test_sip_parse_via_port(void **state)
{
	static const struct {
		const char *port;
		uint16_t want; /* 0: EVIA */
	} rows[] = {
		{"1", 1},
		{"0", 0},
		{"00000", 0},
		{"65535", 65535},
		{"65536", 0},
		{"99999", 0},
		{"000000065535", 65535},
		{"00001", 1},
		{"100000", 0},
		{"0100000", 0},
		{"18446744073709551617", 0}, /* 2^64 + 1: wraps to 1 */
		{"1844674407370955161700000", 0},
		{"5060x", 0},
		{"", 0},
	};
	char m[512];
	struct parsed p;
	struct sw_sip_via via;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		n = snprintf(m, sizeof(m),
			     "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h:%s;branch=z9hG4bK1;rport"
			     "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: m\r\n"
			     "CSeq: 1 OPTIONS\r\n\r\n",
			     rows[i].port);
		assert_true(n > 0 && (size_t)n < sizeof(m));
		parse_guarded(&p, m, (size_t)n);
		if (rows[i].want == 0) {
			if (p.rc != SW_SIP_EVIA)
				fail_msg("port \"%s\": got %s want %s", rows[i].port,
					 sw_sip_rc_name(p.rc), sw_sip_rc_name(SW_SIP_EVIA));
			assert_int_equal(p.msg.err_off, (size_t)(strstr(m, "SIP/2.0/UDP") - m));
		} else {
			if (p.rc != SW_SIP_OK)
				fail_msg("port \"%s\": got %s", rows[i].port, sw_sip_rc_name(p.rc));
			assert_true(sw_sip_top_via(&p.msg, &via));
			assert_int_equal(via.port, rows[i].want);
			assert_span(via.host, "h");
			assert_span(via.branch, "z9hG4bK1");
			assert_true(via.has_rport);
		}
		parsed_free(&p);
	}
}

/* Multi-value headers: across lines and commas; quotes and <> don't split. */
static void
test_sip_parse_multi_value(void **state)
{
	static const char m[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1;received=192.0.2.1,"
		"SIP/2.0/UDP p2.example.com;branch=z9hG4bK2\r\n"
		"From: <sip:a@x>;tag=1\r\n"
		"v: SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bK3 , \r\n"
		" SIP/2.0/UDP p4.example.com;branch=z9hG4bK4\r\n"
		"To: <sip:b@x>;tag=2\r\n"
		"Contact: \"Doe, John\" <sip:j@x;a=1,2>;q=0.5, <sip:k@x>\r\n"
		"Via: SIP/2.0/UDP p5.example.com\r\n"
		"Contact: sip:l@x\r\n"
		"Record-Route: <sip:r1@x;lr>,<sip:r2@x;lr>\r\n"
		"Route: <sip:o1@x;lr>\r\n"
		"P-Asserted-Identity: \"Ann, A\" <sip:ann@x>, <tel:+15551234>\r\n"
		"Call-ID: mv\r\n"
		"CSeq: 1 INVITE\r\n"
		"\r\n";
	static const struct {
		uint8_t h;
		const char *want[6];
	} rows[] = {
		{SW_HDR_VIA,
		 {"SIP/2.0/UDP p1.example.com;branch=z9hG4bK1;received=192.0.2.1",
		  "SIP/2.0/UDP p2.example.com;branch=z9hG4bK2",
		  "SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bK3",
		  "SIP/2.0/UDP p4.example.com;branch=z9hG4bK4", "SIP/2.0/UDP p5.example.com",
		  NULL}},
		{SW_HDR_CONTACT,
		 {"\"Doe, John\" <sip:j@x;a=1,2>;q=0.5", "<sip:k@x>", "sip:l@x", NULL}},
		{SW_HDR_RECORD_ROUTE, {"<sip:r1@x;lr>", "<sip:r2@x;lr>", NULL}},
		{SW_HDR_ROUTE, {"<sip:o1@x;lr>", NULL}},
		{SW_HDR_P_ASSERTED_IDENTITY, {"\"Ann, A\" <sip:ann@x>", "<tel:+15551234>", NULL}},
		{SW_HDR_SUBJECT, {NULL}},
	};
	struct parsed p;
	struct sw_sip_via via;
	struct sw_span v, s, t;
	size_t r, k;
	uint8_t idx;
	uint16_t pos;

	(void)state;
	parse_guarded(&p, m, sizeof(m) - 1);
	assert_int_equal(p.rc, SW_SIP_OK);
	assert_int_equal(p.msg.status, 200);
	assert_span(p.msg.reason, "OK");
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		idx = p.msg.first[rows[r].h];
		pos = 0;
		for (k = 0; rows[r].want[k] != NULL; k++) {
			assert_true(sw_sip_next_value(&p.msg, &idx, &pos, &v));
			assert_span(v, rows[r].want[k]);
		}
		assert_false(sw_sip_next_value(&p.msg, &idx, &pos, &v));
		assert_false(sw_sip_next_value(&p.msg, &idx, &pos, &v));
	}
	assert_true(sw_sip_top_via(&p.msg, &via));
	assert_span(via.host, "p1.example.com");
	assert_span(via.received, "192.0.2.1");
	sw_sip_identity_uris(&p.msg, &s, &t);
	assert_span(s, "sip:ann@x");
	assert_span(t, "tel:+15551234");
	parsed_free(&p);
}

struct via_case {
	const char *name;
	const char *via;
	bool ok;
	const char *transport, *host, *branch, *received;
	uint16_t port;
	bool has_rport;
	uint16_t rport;
};

static const struct via_case via_cases[] = {
	{"plain", "SIP/2.0/UDP h.example.com;branch=z9hG4bKx", true, "UDP", "h.example.com",
	 "z9hG4bKx", NULL, 0, false, 0},
	{"port", "SIP/2.0/TCP 192.0.2.1:5062;branch=b", true, "TCP", "192.0.2.1", "b", NULL, 5062,
	 false, 0},
	{"IPv6 ref", "SIP/2.0/UDP [2001:db8::1]:5060;branch=b;received=2001:db8::2", true, "UDP",
	 "2001:db8::1", "b", "2001:db8::2", 5060, false, 0},
	{"IPv6 no port", "SIP/2.0/TLS [::1];branch=b", true, "TLS", "::1", "b", NULL, 0, false, 0},
	{"rport empty", "SIP/2.0/UDP h;rport;branch=b", true, "UDP", "h", "b", NULL, 0, true, 0},
	{"rport value", "SIP/2.0/UDP h;branch=b;rport=6070;received=192.0.2.7", true, "UDP", "h",
	 "b", "192.0.2.7", 0, true, 6070},
	{"lower-case protocol", "sip/2.0/udp H;BRANCH=b", true, "udp", "H", "b", NULL, 0, false, 0},
	{"LWS everywhere", "SIP / 2.0 / UDP  h : 5060 ; branch = b ; rport", true, "UDP", "h", "b",
	 NULL, 5060, true, 0},
	{"no branch", "SIP/2.0/UDP h", true, "UDP", "h", NULL, NULL, 0, false, 0},
	{"rport too big", "SIP/2.0/UDP h;rport=70000", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"port 0", "SIP/2.0/UDP h:0", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"port empty", "SIP/2.0/UDP h:;branch=b", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"no transport", "SIP/2.0 h", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"version 3.0", "SIP/3.0/UDP h", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"no space", "SIP/2.0/UDPh", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"IPv6 unclosed", "SIP/2.0/UDP [::1;branch=b", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"empty param", "SIP/2.0/UDP h;;branch=b", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"junk after host", "SIP/2.0/UDP h junk", false, NULL, NULL, NULL, NULL, 0, false, 0},
	{"empty value", "SIP/2.0/UDP h;branch=", false, NULL, NULL, NULL, NULL, 0, false, 0},
};

static void
test_sip_parse_top_via(void **state)
{
	char m[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(via_cases); i++) {
		const struct via_case *c = &via_cases[i];
		struct sw_sip_via via;
		struct parsed p;
		int n;

		n = snprintf(m, sizeof(m),
			     "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: <sip:a@x>\r\nTo: <sip:b@x>\r\n"
			     "Call-ID: v\r\nCSeq: 1 INVITE\r\n\r\n",
			     c->via);
		parse_guarded(&p, m, (size_t)n);
		if ((p.rc == SW_SIP_OK) != c->ok)
			fail_msg("%s: rc %s", c->name, sw_sip_rc_name(p.rc));
		if (!c->ok) {
			assert_int_equal(p.rc, SW_SIP_EVIA);
			assert_int_equal(p.msg.err_off, strlen("SIP/2.0 200 OK\r\nVia: "));
			parsed_free(&p);
			continue;
		}
		assert_true(sw_sip_top_via(&p.msg, &via));
		assert_span(via.transport, c->transport);
		assert_span(via.host, c->host);
		if (c->branch == NULL)
			assert_null(via.branch.p);
		else
			assert_span(via.branch, c->branch);
		if (c->received == NULL)
			assert_null(via.received.p);
		else
			assert_span(via.received, c->received);
		assert_int_equal(via.port, c->port);
		assert_int_equal(via.has_rport, c->has_rport);
		assert_int_equal(via.rport, c->rport);
		parsed_free(&p);
	}
}

struct addr_case {
	const char *name;
	const char *value;
	const char *uri;	  /* NULL: empty span */
	const char *tag;	  /* NULL: absent */
	const char *pname, *pval; /* one more parameter, NULL: skip */
};

static const struct addr_case addr_cases[] = {
	{"name-addr", "\"Ann\" <sip:ann@x;transport=udp>;tag=8a;epid=01", "sip:ann@x;transport=udp",
	 "8a", "epid", "01"},
	{"addr-spec", "sip:ann@x;tag=9b", "sip:ann@x", "9b", "TAG", "9b"},
	{"no tag", "<sip:ann@x>", "sip:ann@x", NULL, "tag", NULL},
	{"tag in URI only", "<sip:ann@x;tag=no>", "sip:ann@x;tag=no", NULL, NULL, NULL},
	{"quoted > and ;", "\"a>b;tag=x\" <sip:q@x>;tag=real", "sip:q@x", "real", NULL, NULL},
	{"LWS around =", "sip:v@x ;  tag =  1918181833n", "sip:v@x", "1918181833n", NULL, NULL},
	{"flag param", "<sip:a@x>;lr;tag=t", "sip:a@x", "t", "lr", ""},
	{"quoted param", "<sip:a@x>;x=\"a;b\";tag=t", "sip:a@x", "t", "x", "a;b"},
	{"case-insensitive name", "<sip:a@x>;Tag=T1", "sip:a@x", "T1", "tAg", "T1"},
	{"unclosed <", "<sip:a@x;tag=t", NULL, NULL, NULL, NULL},
	{"display tokens", "Ann Lee<sip:a@x>;tag=z", "sip:a@x", "z", NULL, NULL},
	{"tel", "<tel:+15551234;phone-context=x>;tag=1", "tel:+15551234;phone-context=x", "1", NULL,
	 NULL},
};

static void
test_sip_parse_accessors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(addr_cases); i++) {
		const struct addr_case *c = &addr_cases[i];
		struct guard_buf g = {0};
		size_t n = strlen(c->value);
		const char *b = guard_buf_put(&g, c->value, n);
		struct sw_span v = {b, (uint16_t)n}, r;
		bool found;

		r = sw_sip_uri_of(v);
		if (c->uri == NULL) {
			if (r.len != 0)
				fail_msg("%s: uri", c->name);
		} else if (!span_is(r, c->uri)) {
			fail_msg("%s: uri \"%.*s\"", c->name, (int)r.len, r.p);
		}
		r = sw_sip_tag_of(v);
		if (c->tag == NULL ? r.p != NULL : !span_is(r, c->tag))
			fail_msg("%s: tag \"%.*s\"", c->name, (int)r.len, r.p ? r.p : "");
		if (c->pname != NULL) {
			found = sw_sip_param_of(v, c->pname, &r);
			if (found != (c->pval != NULL))
				fail_msg("%s: param found %d", c->name, found);
			if (found && !span_is(r, c->pval))
				fail_msg("%s: param \"%.*s\"", c->name, (int)r.len, r.p);
			if (found && r.p == NULL)
				fail_msg("%s: present param must have non-NULL p", c->name);
		}
		guard_buf_free(&g);
	}
	/* Span helpers. */
	{
		struct sw_span a = {"Kerberos", 8}, b = {"kerberos", 8}, e = {NULL, 0};

		assert_true(sw_span_ieq(a, "KERBEROS"));
		assert_false(sw_span_ieq(a, "Kerbero"));
		assert_false(sw_span_ieq(a, "Kerbeross"));
		assert_true(sw_span_ieq(e, ""));
		assert_false(sw_span_eq(a, b));
		assert_true(sw_span_eq(a, a));
		assert_true(sw_span_eq(e, e));
	}
}

/* PROTOCOL.md §2 fields 13/14: P-Asserted-Identity, else P-Preferred-Identity. */
static void
test_sip_parse_identity(void **state)
{
	static const struct {
		const char *name;
		const char *hdrs;
		const char *sip, *tel;
	} rows[] = {
		{"PAI both", "P-Asserted-Identity: <sip:a@x>, <tel:+1>\r\n", "sip:a@x", "tel:+1"},
		{"PAI two lines",
		 "P-Asserted-Identity: <TEL:+2>\r\nP-Asserted-Identity: "
		 "\"A\" <SIPS:a@x>\r\n",
		 "SIPS:a@x", "TEL:+2"},
		{"PAI first wins", "P-Asserted-Identity: <sip:1@x>, <sip:2@x>\r\n", "sip:1@x",
		 NULL},
		{"PPI fallback", "P-Preferred-Identity: <sip:p@x>\r\n", "sip:p@x", NULL},
		{"PAI beats PPI",
		 "P-Preferred-Identity: <sip:p@x>\r\n"
		 "P-Asserted-Identity: <tel:+3>\r\n",
		 NULL, "tel:+3"},
		{"none", "", NULL, NULL},
		{"addr-spec form", "P-Asserted-Identity: tel:+4;x=y\r\n", NULL, "tel:+4"},
		/* Around the "<uri>, <uri>" shortcut: what it takes, and where
		 * the general walk must decide. */
		{"quote in brackets", "P-Asserted-Identity: <sip:a\"b>, <tel:+5>\">, <tel:+6>\r\n",
		 "sip:a\"b", "tel:+6"},
		{"comma in brackets", "P-Asserted-Identity: <sip:a,b@x>, <tel:+7>\r\n", "sip:a,b@x",
		 "tel:+7"},
		{"folded list", "P-Asserted-Identity: <sip:f@x> ,\r\n\t<tel:+8>\r\n", "sip:f@x",
		 "tel:+8"},
		{"params after uri", "P-Asserted-Identity: <sip:g@x>;p=1, <tel:+9>\r\n", "sip:g@x",
		 "tel:+9"},
		{"second line",
		 "P-Asserted-Identity: <sip:h@x>\r\nP-Asserted-Identity: <tel:+10>\r\n", "sip:h@x",
		 "tel:+10"},
		{"empty element", "P-Asserted-Identity: <sip:i@x>, , <tel:+11>\r\n", "sip:i@x",
		 "tel:+11"},
		{"trailing comma", "P-Asserted-Identity: <sip:j@x>,\r\n", "sip:j@x", NULL},
		{"unclosed", "P-Asserted-Identity: <tel:+12>, <sip:k@x\r\n", NULL, "tel:+12"},
		{"short uri skipped", "P-Preferred-Identity: <sip>, <x:1>, <sips:l@x>\r\n",
		 "sips:l@x", NULL},
	};
	char m[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct parsed p;
		struct sw_span s, t;
		int n = snprintf(m, sizeof(m), OPT_REQ("%s\r\n"), rows[i].hdrs);

		parse_guarded(&p, m, (size_t)n);
		assert_int_equal(p.rc, SW_SIP_OK);
		sw_sip_identity_uris(&p.msg, &s, &t);
		if (rows[i].sip == NULL ? s.p != NULL : !span_is(s, rows[i].sip))
			fail_msg("%s: sip", rows[i].name);
		if (rows[i].tel == NULL ? t.p != NULL : !span_is(t, rows[i].tel))
			fail_msg("%s: tel", rows[i].name);
		parsed_free(&p);
	}
}

/* ------------------------------------------------------------------------ */
/* Limits: each at the edge (OK) and one past (named error at an exact offset). */

static char big[2 * 65536];

static size_t
put(size_t o, const char *s)
{
	size_t n = strlen(s);

	memcpy(big + o, s, n);
	return o + n;
}

static size_t
fill(size_t o, char c, size_t n)
{
	memset(big + o, c, n);
	return o + n;
}

static size_t
base_head(size_t o)
{
	return put(o, "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@x>\r\nTo: <sip:b@x>\r\n"
		      "Call-ID: lim\r\nCSeq: 1 OPTIONS\r\n");
}

static void
expect(size_t len, enum sw_sip_rc rc, size_t off, const char *what)
{
	struct parsed p;

	parse_guarded(&p, big, len);
	check_invariants(&p);
	if (p.rc != rc)
		fail_msg("%s: got %s (off %u) want %s", what, sw_sip_rc_name(p.rc), p.msg.err_off,
			 sw_sip_rc_name(rc));
	if (rc != SW_SIP_OK && p.msg.err_off != off)
		fail_msg("%s: err_off %u want %zu", what, p.msg.err_off, off);
	parsed_free(&p);
}

static void
test_sip_parse_limits(void **state)
{
	size_t o, ls, s, k, extra;

	(void)state;
	/* Header count: SW_SIP_HDR_MAX lines in total, then one more. */
	for (extra = 0; extra <= 1; extra++) {
		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		ls = 0;
		for (k = 5; k < SW_SIP_HDR_MAX + extra; k++) {
			ls = o;
			o = put(o, "X-Fill: 1\r\n");
		}
		o = put(o, "\r\n");
		expect(o, extra ? SW_SIP_ETOOMANY : SW_SIP_OK, ls, "header count");
	}
	/* Header name length. */
	for (extra = 0; extra <= 1; extra++) {
		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		ls = o;
		o = fill(o, 'n', SW_SIP_NAME_MAX + extra);
		o = put(o, ": v\r\n\r\n");
		expect(o, extra ? SW_SIP_ENAME : SW_SIP_OK, ls + SW_SIP_NAME_MAX, "name length");
	}
	/* Header line length: name + ": " + value = SW_SIP_LINE_MAX bytes. */
	for (extra = 0; extra <= 1; extra++) {
		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		ls = o;
		o = put(o, "X-Long: ");
		o = fill(o, 'v', SW_SIP_LINE_MAX - 8 + extra);
		o = put(o, "\r\n\r\n");
		expect(o, extra ? SW_SIP_ELINE : SW_SIP_OK, ls + SW_SIP_LINE_MAX, "line length");
	}
	/* The same with folds: raw bytes count, folds included. */
	for (extra = 0; extra <= 1; extra++) {
		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		ls = o;
		o = put(o, "X-Long: ");
		o = fill(o, 'v', 8000);
		o = put(o, "\r\n ");
		o = fill(o, 'w', SW_SIP_LINE_MAX - 8 - 8000 - 3 + extra);
		o = put(o, "\r\n\r\n");
		expect(o, extra ? SW_SIP_ELINE : SW_SIP_OK, ls + SW_SIP_LINE_MAX, "folded length");
	}
	/* A fold whose CRLF ends exactly at the line limit, with or without a
	 * line end after it: the limit decides, and nothing past the datagram
	 * is read (the scan after such a fold used to start beyond the limit
	 * with a wrapped length). */
	for (extra = 0; extra <= 1; extra++) {
		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		ls = o;
		o = put(o, "X-Long: ");
		o = fill(o, 'v', SW_SIP_LINE_MAX - 8);
		o = put(o, "\r\n ");
		o = fill(o, 'w', 40);
		if (extra == 0)
			o = put(o, "\r\n\r\n");
		expect(o, SW_SIP_ELINE, ls + SW_SIP_LINE_MAX, "fold at the line limit");
	}
	/* Request-URI length. */
	for (extra = 0; extra <= 1; extra++) {
		o = put(0, "OPTIONS ");
		s = o;
		o = put(o, "sip:");
		o = fill(o, 'u', SW_SIP_RURI_MAX - 4 + extra);
		o = put(o, " SIP/2.0\r\n");
		o = base_head(o);
		o = put(o, "\r\n");
		expect(o, extra ? SW_SIP_EREQLINE : SW_SIP_OK, s + SW_SIP_RURI_MAX, "R-URI length");
	}
	/* Message size: pad the body (no Content-Length) up to the limit and past it. */
	for (extra = 0; extra <= 1; extra++) {
		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		o = put(o, "\r\n");
		o = fill(o, 'b', SW_SIP_MSG_MAX + extra - o);
		expect(o, extra ? SW_SIP_ETOOBIG : SW_SIP_OK, SW_SIP_MSG_MAX, "message size");
	}
	/* Content-Length: the whole remaining datagram, and one more. */
	for (extra = 0; extra <= 1; extra++) {
		char cl[64];

		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		s = o + strlen("Content-Length: ");
		snprintf(cl, sizeof(cl), "Content-Length: %05zu\r\n\r\n",
			 (size_t)(SW_SIP_MSG_MAX - (o + 25)) + extra);
		o = put(o, cl);
		o = fill(o, 'b', SW_SIP_MSG_MAX - o);
		expect(o, extra ? SW_SIP_ECLEN : SW_SIP_OK, s, "content length");
	}
}

/* A NUL, bare CR or bare LF at every offset of a value (word and byte scan paths). */
static void
test_sip_parse_special_every_offset(void **state)
{
	static const char bad[] = {'\0', '\r', '\n'};
	size_t o, vs, k, b, end;

	(void)state;
	for (b = 0; b < sizeof(bad); b++) {
		for (k = 0; k < 40; k++) {
			o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
			o = base_head(o);
			o = put(o, "X-V: ");
			vs = o;
			o = fill(o, 'a', 40);
			end = put(o, "\r\n\r\n");
			big[vs + k] = bad[b];
			/* A CR right before the LF-less 'a' is bare; CR at k=39 is followed
			 * by CR, also bare. */
			expect(end, SW_SIP_ELINE, vs + k, "special byte");
		}
	}
}

/*
 * The line-end scanner reads 64-byte windows from where a value starts and,
 * near the end of the buffer, the last 64 bytes with the ones before the
 * value masked off.  Move a value's end (and a NUL / CR / LF inside it)
 * across every position of those windows, up to the end of the buffer.
 */
static void
test_sip_parse_line_end_windows(void **state)
{
	static const char bad[] = {'\0', '\r', '\n', '\t'};
	static struct sw_sip_msg m;
	struct guard_buf g;
	size_t o, vs, k, j, b, end;
	enum sw_sip_rc rc, want;
	char *buf;

	(void)state;
	for (k = 0; k <= 140; k++) {
		o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
		o = base_head(o);
		o = put(o, "X-V: ");
		vs = o;
		o = fill(o, 'a', k);
		end = put(o, "\r\n\r\n");
		/* One guarded copy per length, changed in place. */
		memset(&g, 0, sizeof(g));
		buf = guard_buf_put(&g, big, end);
		assert_non_null(buf);
		assert_int_equal(sw_sip_parse(buf, end, &m), SW_SIP_OK);
		assert_int_equal(m.hdr[m.n_hdr - 1].value.len, k);
		for (j = 0; j < k; j++) {
			for (b = 0; b < sizeof(bad); b++) {
				buf[vs + j] = bad[b];
				rc = sw_sip_parse(buf, end, &m);
				/* A TAB is value text (trailing ones are trimmed); the
				 * others end the line early and badly. */
				want = bad[b] == '\t' ? SW_SIP_OK : SW_SIP_ELINE;
				if (rc != want || (rc != SW_SIP_OK && m.err_off != vs + j))
					fail_msg("byte %u at %zu of %zu: %s at %u", (unsigned int)b, j,
						 k, sw_sip_rc_name(rc), m.err_off);
				buf[vs + j] = 'a';
			}
		}
		guard_buf_free(&g);
	}
}

/*
 * From / To: the URI and tag the parser records for the signed buffer are,
 * pointer and length, what sw_sip_addr_of() finds (check_invariants()
 * compares them), and the expected values.  Rows cover the fast parameter
 * pass and every way out of it (LWS, quotes, ',', bad bytes, empty names).
 */
static void
test_sip_parse_addr_recorded(void **state)
{
	static const struct {
		const char *value, *uri, *tag; /* tag NULL: none; rc: expected */
		enum sw_sip_rc rc;
	} rows[] = {
		{"<sip:a@x>;tag=12", "sip:a@x", "12", SW_SIP_OK},
		{"<sip:a@x>", "sip:a@x", NULL, SW_SIP_OK},
		{"<sip:a@x>;epid=1;tag=9;tag=8", "sip:a@x", "9", SW_SIP_OK},
		{"<sip:a@x>;TAG=7", "sip:a@x", "7", SW_SIP_OK},
		{"<sip:a@x>;tag", "sip:a@x", "", SW_SIP_OK},
		{"<sip:a@x>;tag;x", "sip:a@x", "", SW_SIP_OK},
		{"<sip:a@x> ; tag = 7", "sip:a@x", "7", SW_SIP_OK},
		{"<sip:a@x>;tag=\"q v\"", "sip:a@x", "q v", SW_SIP_OK},
		{"<sip:a@x>;x=\"q\";tag=5", "sip:a@x", "5", SW_SIP_OK},
		{"<sip:a@x>;tag=[::1]:5", "sip:a@x", "[::1]:5", SW_SIP_OK},
		{"<sip:a@x>;tag=1;=x", NULL, NULL, SW_SIP_OK},
		{"<sip:a@x>;=x;tag=1", NULL, NULL, SW_SIP_OK},
		{"<sip:a@x>;tag=", NULL, NULL, SW_SIP_OK},
		{"<sip:a@x>;;tag=1", NULL, NULL, SW_SIP_OK},
		{"<sip:a@x>;tag=1;", NULL, NULL, SW_SIP_OK},
		{"<sip:a@x>;tag=1 ", "sip:a@x", "1", SW_SIP_OK},
		{"<sip:a@x>;tag=1,", NULL, NULL, SW_SIP_EADDR},
		{"<sip:a@x>;tag=a/b", NULL, NULL, SW_SIP_EADDR},
		{"<sip:a@x>;ta(g=1", NULL, NULL, SW_SIP_EADDR},
		{"\"A, B\" <sip:a@x>;tag=3", "sip:a@x", "3", SW_SIP_OK},
		{"Ann Lee <sip:a@x>;tag=4", "sip:a@x", "4", SW_SIP_OK},
		{"sip:a@x;tag=5", "sip:a@x", "5", SW_SIP_OK},
		{"sip:a@x ;tag=6;x=y", "sip:a@x", "6", SW_SIP_OK},
		{"sip:a,b@x;tag=7", "sip:a,b@x", NULL, SW_SIP_OK},
		{"sip:a@x", "sip:a@x", NULL, SW_SIP_OK},
		{"sip:a@x;tag=1;=x", NULL, NULL, SW_SIP_OK},
		{"sip:a@x;tag=a\"b", NULL, NULL, SW_SIP_EADDR},
	};
	size_t i, o, vs, end;
	struct parsed p;
	const struct sw_span *u, *t;
	int which;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		for (which = 0; which < 2; which++) {
			/* The row as a From value, then as a To value (compact). */
			o = put(0, "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n");
			o = put(o, which == 0 ? "From: " : "From: <sip:a@x>\r\nt: ");
			vs = o;
			o = put(o, rows[i].value);
			end = put(o, "\r\nCall-ID: r\r\nCSeq: 1 OPTIONS\r\n");
			if (which == 0)
				end = put(end, "To: <sip:b@x>\r\n");
			end = put(end, "\r\n");
			parse_guarded(&p, big, end);
			check_invariants(&p);
			if (p.rc != rows[i].rc)
				fail_msg("%s (%d): got %s", rows[i].value, which,
					 sw_sip_rc_name(p.rc));
			if (p.rc == SW_SIP_OK) {
				u = which == 0 ? &p.msg.from_uri : &p.msg.to_uri;
				t = which == 0 ? &p.msg.from_tag : &p.msg.to_tag;
				/* Rows with uri NULL only assert agreement with the
				 * accessors (check_invariants), and that a tag, if
				 * any, lies in the value. */
				if (rows[i].uri != NULL) {
					assert_span(*u, rows[i].uri);
					if (rows[i].tag == NULL)
						assert_null(t->p);
					else
						assert_span(*t, rows[i].tag);
				}
				assert_true(t->p == NULL ||
					    (t->p >= p.buf + vs && t->p + t->len <= p.buf + o));
			}
			parsed_free(&p);
		}
	}
}

/* One value of test_sip_parse_addr_windows() as From and as To, followed by
 * another line or last: the URI at uoff in it, of ul bytes, and the tag. */
static void
addr_window_case(const char *val, size_t uoff, size_t ul, const char *tag)
{
	static const char pad[] = "\r\nX-Pad: 01234567890123456789012345678901234567\r\n\r\n";
	size_t o, vs, end;
	int which, last;
	struct parsed p;
	const struct sw_span *u, *t;

	for (which = 0; which < 2; which++) {
		for (last = 0; last < 2; last++) {
			o = put(0, "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
				   "Call-ID: r\r\nCSeq: 1 OPTIONS\r\n");
			o = put(o,
				which == 0 ? "To: <sip:b@x>\r\nFrom: " : "From: <sip:a@x>\r\nTo: ");
			vs = o;
			o = put(o, val);
			end = put(o, last ? "\r\n\r\n" : pad);
			parse_guarded(&p, big, end);
			check_invariants(&p);
			if (p.rc != SW_SIP_OK)
				fail_msg("%s (%d %d): %s", val, which, last, sw_sip_rc_name(p.rc));
			u = which == 0 ? &p.msg.from_uri : &p.msg.to_uri;
			t = which == 0 ? &p.msg.from_tag : &p.msg.to_tag;
			assert_true(u->p == p.buf + vs + uoff);
			assert_int_equal(u->len, ul);
			if (tag == NULL)
				assert_null(t->p);
			else
				assert_span(*t, tag);
			parsed_free(&p);
		}
	}
}

/*
 * From / To values around the one-window fast path of the AVX2 and AVX-512
 * header walks: URIs of 2..40 bytes (the window holds 32 after the '<'),
 * quoted display names of 0..41 bytes (and a quoted-pair in them), with and
 * without parameters, the value last in the buffer or not, and a control
 * byte in the URI (a candidate that is no stop byte).  Each is what the
 * accessors find (check_invariants()) and the expected URI and tag.
 */
static void
test_sip_parse_addr_windows(void **state)
{
	static const char *const tails[] = {"", ";tag=t1", ";epid=0123456789abcdef;tag=t22",
					    ";x;y"};
	static const char *const tags[] = {NULL, "t1", "t22", NULL};
	char uri[64], disp[64], val[160];
	size_t ul, dl, tl;
	int ctl;

	(void)state;
	for (ul = 2; ul <= 40; ul++) {
		for (dl = 0; dl <= 41; dl += (dl < 3 || dl > 28) ? 1 : 7) {
			for (tl = 0; tl < ARRAY_SIZE(tails) * 2; tl++) {
				ctl = tl >= ARRAY_SIZE(tails);
				/* "sip:" and ul - 4 bytes ("x:" forms below 4). */
				memset(uri, 'a', ul);
				memcpy(uri, ul >= 4 ? "sip:" : "x:", ul >= 4 ? 4 : 2);
				uri[ul] = '\0';
				if (ctl && ul > 4)
					uri[ul - 1] = '\x01';
				disp[0] = '\0';
				if (dl > 0) {
					memset(disp, 'D', dl + 1);
					disp[0] = '"';
					if (dl > 3)
						disp[dl / 2] = '\\';
					disp[dl] = '"';
					disp[dl + 1] = ' ';
					disp[dl + 2] = '\0';
				}
				snprintf(val, sizeof(val), "%s<%s>%s", disp, uri,
					 tails[tl % ARRAY_SIZE(tails)]);
				addr_window_case(val, strlen(disp) + 1, ul,
						 tags[tl % ARRAY_SIZE(tails)]);
			}
		}
	}
}

/* One line of test_sip_parse_other_names(): name (nl bytes, c at j if
 * j < nl), ": " and vl bytes, the sixth of seven lines. */
static void
other_name_case(const char *name, size_t nl, size_t j, char c, size_t vl)
{
	size_t o, ls, end;
	struct parsed p;

	o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
	o = base_head(o);
	ls = o;
	o = put(o, name);
	o = put(o, ": ");
	o = fill(o, 'v', vl);
	end = put(o, "\r\nX-Next: 1\r\n\r\n");
	parse_guarded(&p, big, end);
	check_invariants(&p);
	if (j == 0 && c == ' ') {
		assert_int_equal(p.rc, SW_SIP_ECSEQ); /* a fold of the CSeq line */
	} else if (c == ' ' && j < nl - 1) {
		/* Name bytes after the SP, not a ':'. */
		assert_int_equal(p.rc, j > SW_SIP_NAME_MAX ? SW_SIP_ENAME : SW_SIP_ELINE);
	} else if (c == '@' || c == '(' || c == '\x80') {
		assert_int_equal(p.rc, SW_SIP_ENAME);
		assert_int_equal(p.msg.err_off, ls + (j < SW_SIP_NAME_MAX ? j : SW_SIP_NAME_MAX));
	} else if ((c == ' ' ? j : nl) > SW_SIP_NAME_MAX) {
		assert_int_equal(p.rc, SW_SIP_ENAME);
		assert_int_equal(p.msg.err_off, ls + SW_SIP_NAME_MAX);
	} else {
		/* A token (or one and the SP before ':'). */
		assert_int_equal(p.rc, SW_SIP_OK);
		assert_int_equal(p.msg.n_hdr, 7);
		assert_true(p.msg.hdr[5].name.p == p.buf + ls);
		assert_int_equal(p.msg.hdr[5].name.len, c == ' ' ? j : nl);
		assert_int_equal(p.msg.hdr[5].id, SW_HDR_OTHER);
		assert_int_equal(p.msg.hdr[5].value.len, vl);
	}
	parsed_free(&p);
}

/*
 * Header names the walk does not know, 1..70 bytes, of letters and digits
 * (one AVX2 compare in the AVX2 and AVX-512 walks), with another token byte
 * (the token scan decides) or a byte that is no token byte (ENAME at it)
 * at each place, each with lines that end on either side of the first 32
 * bytes (the walk's half window).
 */
static void
test_sip_parse_other_names(void **state)
{
	static const char other[] = {'_', '!', '~', '.', '-', '@', '(', '\x80', ' '};
	size_t nl, j, x, vl;
	char name[80];

	(void)state;
	for (nl = 1; nl <= 70; nl++) {
		for (j = 0; j <= nl; j++) {
			for (x = 0; x < (j < nl ? sizeof(other) : 1); x++) {
				memset(name, 'n', nl);
				name[0] = 'Q'; /* no compact form */
				name[nl / 2] = '7';
				if (j < nl)
					name[j] = other[x];
				name[nl] = '\0';
				for (vl = 0; vl <= 30; vl += 30)
					other_name_case(name, nl, j, j < nl ? other[x] : 'n', vl);
			}
		}
	}
}

/*
 * Known header names are matched without the token scan; OR 0x20 folds a
 * CR onto '-', so a CR in place of a name's '-' must still be the bare-CR
 * error at that byte (and any other byte there a name error or another
 * header), never that header.
 */
static void
test_sip_parse_known_name_dash(void **state)
{
	static const char *const names[] = {
		"Call-ID", "Max-Forwards", "Content-Length", "Content-Type", "Proxy-Authorization",
		"P-Asserted-Identity", "P-Preferred-Identity", "Record-Route",
	};
	static const char subst[] = {'\r', '\n', '\0', '_', 'x'};
	size_t i, k, j, o, ls, end;
	char what[96];

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		for (k = 0; names[i][k] != '\0'; k++) {
			if (names[i][k] != '-')
				continue;
			for (j = 0; j < sizeof(subst); j++) {
				struct parsed p;

				o = put(0, "OPTIONS sip:b@x SIP/2.0\r\n");
				o = base_head(o);
				ls = o;
				o = put(o, names[i]);
				end = put(o, ": 1\r\n\r\n");
				big[ls + k] = subst[j];
				snprintf(what, sizeof(what), "%s, byte %u for '-'", names[i],
					 (unsigned int)(uint8_t)subst[j]);
				if (subst[j] == '\r' || subst[j] == '\n' || subst[j] == '\0') {
					expect(end, SW_SIP_ELINE, ls + k, what);
					continue;
				}
				/* A token byte: some other (unknown) header. */
				parse_guarded(&p, big, end);
				check_invariants(&p);
				assert_int_equal(p.rc, SW_SIP_OK);
				assert_int_equal(p.msg.hdr[p.msg.n_hdr - 1].id, SW_HDR_OTHER);
				parsed_free(&p);
			}
		}
	}
}

/*
 * Splitting a list (sw_sip_next_value) scans for '"' '<' '>' ',' sixteen
 * bytes at a time and reads the last sixteen of the value for its tail.
 * A value of every length 2..48 that ends at a guard page, with a ',' at
 * every position, either bare (two elements) or inside <...> (one).
 */
static void
test_sip_parse_list_scan_edges(void **state)
{
	static struct sw_sip_msg m;
	char v[64];
	struct guard_buf g;
	struct sw_span out[3];
	size_t len, j;
	uint16_t pos;
	uint8_t idx;
	int angle, n;

	(void)state;
	for (len = 2; len <= 48; len++) {
		for (j = 0; j < len; j++) {
			for (angle = 0; angle < 2; angle++) {
				memset(v, 'a', len);
				v[j] = ',';
				if (angle) {
					if (j == 0 || j == len - 1)
						continue;
					v[0] = '<';
					v[len - 1] = '>';
				}
				memset(&m, 0, sizeof(m));
				memset(m.first, SW_HDR_NONE, sizeof(m.first));
				m.hdr[0].value.p = guard_buf_put(&g, v, len);
				assert_non_null(m.hdr[0].value.p);
				m.hdr[0].value.len = (uint16_t)len;
				m.hdr[0].id = SW_HDR_ROUTE;
				m.hdr[0].next = SW_HDR_NONE;
				m.first[SW_HDR_ROUTE] = 0;
				m.n_hdr = 1;
				idx = 0;
				pos = 0;
				n = 0;
				while (n < 3 && sw_sip_next_value(&m, &idx, &pos, &out[n]))
					n++;
				if (angle) {
					assert_int_equal(n, 1);
					assert_true(out[0].p == m.hdr[0].value.p);
					assert_int_equal(out[0].len, len);
				} else {
					/* Empty elements (a leading or trailing ',') are
					 * skipped. */
					assert_int_equal(n, (j == 0 || j == len - 1) ? 1 : 2);
					if (j != 0) {
						assert_true(out[0].p == m.hdr[0].value.p);
						assert_int_equal(out[0].len, j);
					}
					if (j != len - 1) {
						assert_true(out[n - 1].p ==
							    m.hdr[0].value.p + j + 1);
						assert_int_equal(out[n - 1].len, len - j - 1);
					}
				}
				guard_buf_free(&g);
			}
		}
	}
}

/* ------------------------------------------------------------------------ */

static const char *const valid_msgs[] = {
	reg_msg,
	OPT_REQ("Content-Length: 5\r\n\r\nhello"),
	"SIP/2.0 407 Proxy Authentication Required\r\n" HDRS_REQ(
		"Proxy-Authenticate: NTLM realm=\"SIP Communications Service\"\r\n"
		"Content-Length: 0\r\n\r\n"),
	"MESSAGE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: \"A, B\" <sip:a@x>;tag=1\r\n"
	"To:\r\n <sip:b@x>\r\nCall-ID: fold\r\nCSeq: 1\r\n MESSAGE\r\n\r\nbody-without-cl",
};

/* Every prefix of a valid message: ETRUNC before the empty line, then ECLEN
 * (short body with Content-Length) or OK (no Content-Length). */
static void
test_sip_parse_prefixes(void **state)
{
	size_t i, k, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(valid_msgs) + sw_rfc4475_n; i++) {
		const char *m;
		struct parsed full;

		if (i < ARRAY_SIZE(valid_msgs)) {
			m = valid_msgs[i];
			n = strlen(m);
		} else {
			const struct sw_rfc4475_vec *v =
				&sw_rfc4475_vecs[i - ARRAY_SIZE(valid_msgs)];

			if (v->rc != SW_SIP_OK)
				continue;
			m = v->msg;
			n = v->len;
		}
		parse_guarded(&full, m, n);
		assert_int_equal(full.rc, SW_SIP_OK);
		for (k = 0; k < n; k++) {
			struct parsed p;
			enum sw_sip_rc want;

			parse_guarded(&p, m, k);
			check_invariants(&p);
			if (k < full.msg.hdr_len)
				want = SW_SIP_ETRUNC;
			else if (full.msg.first[SW_HDR_CONTENT_LENGTH] != SW_HDR_NONE &&
				 k < full.msg.hdr_len + full.msg.body.len)
				want = SW_SIP_ECLEN;
			else
				want = SW_SIP_OK;
			if (p.rc != want)
				fail_msg("message %zu prefix %zu: got %s want %s", i, k,
					 sw_sip_rc_name(p.rc), sw_sip_rc_name(want));
			if (want == SW_SIP_ETRUNC && p.msg.err_off != k)
				fail_msg("message %zu prefix %zu: err_off %u", i, k, p.msg.err_off);
			parsed_free(&p);
		}
		parsed_free(&full);
	}
}

/* xorshift64*: deterministic across runs and platforms. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* Random mutations of valid messages must never crash or over-read. */
static void
test_sip_parse_mutations(void **state)
{
	static const char alphabet[] = "\r\n \t:;,<>\"\\/=@\0aZ9";
	static char m[4096];
	uint64_t seed = UINT64_C(0x5eed4475);
	size_t iter, n, k, j, nmut, counts[SW_SIP_RC_MAX] = {0};

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		const char *src;
		struct parsed p;

		k = rnd(&seed) % (ARRAY_SIZE(valid_msgs) + sw_rfc4475_n);
		if (k < ARRAY_SIZE(valid_msgs)) {
			src = valid_msgs[k];
			n = strlen(src);
		} else {
			src = sw_rfc4475_vecs[k - ARRAY_SIZE(valid_msgs)].msg;
			n = sw_rfc4475_vecs[k - ARRAY_SIZE(valid_msgs)].len;
		}
		if (n > sizeof(m) - 64)
			n = sizeof(m) - 64;
		memcpy(m, src, n);
		nmut = 1 + rnd(&seed) % 4;
		for (j = 0; j < nmut && n > 0; j++) {
			size_t at = rnd(&seed) % n;

			switch (rnd(&seed) % 4) {
			case 0: /* overwrite with an interesting byte */
				m[at] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
				break;
			case 1: /* overwrite with a random byte */
				m[at] = (char)rnd(&seed);
				break;
			case 2: /* delete */
				memmove(m + at, m + at + 1, n - at - 1);
				n--;
				break;
			default: /* insert */
				memmove(m + at + 1, m + at, n - at);
				m[at] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
				n++;
				break;
			}
		}
		parse_guarded(&p, m, n);
		check_invariants(&p);
		counts[p.rc]++;
		if (p.rc == SW_SIP_OK) {
			struct sw_sip_via via;
			struct sw_span s, t, v;
			uint8_t idx = p.msg.first[SW_HDR_CONTACT];
			uint16_t pos = 0;

			(void)sw_sip_top_via(&p.msg, &via);
			(void)sw_sip_max_forwards(&p.msg);
			sw_sip_identity_uris(&p.msg, &s, &t);
			(void)sw_sip_uri_of(sw_sip_value(&p.msg, SW_HDR_FROM));
			(void)sw_sip_tag_of(sw_sip_value(&p.msg, SW_HDR_TO));
			while (sw_sip_next_value(&p.msg, &idx, &pos, &v))
				assert_true(span_in(&p, v));
		}
		parsed_free(&p);
	}
	/* The mutations must reach both outcomes. */
	assert_true(counts[SW_SIP_OK] > 100);
	assert_true(counts[SW_SIP_ELINE] > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_parse_rfc4475),
		cmocka_unit_test(test_sip_parse_rfc4475_fields),
		cmocka_unit_test(test_sip_parse_table),
		cmocka_unit_test(test_sip_parse_addr_of),
		cmocka_unit_test(test_sip_parse_compact_equiv),
		cmocka_unit_test(test_sip_parse_header_names),
		cmocka_unit_test(test_sip_parse_register_fields),
		cmocka_unit_test(test_sip_parse_via_port),
		cmocka_unit_test(test_sip_parse_multi_value),
		cmocka_unit_test(test_sip_parse_top_via),
		cmocka_unit_test(test_sip_parse_accessors),
		cmocka_unit_test(test_sip_parse_identity),
		cmocka_unit_test(test_sip_parse_limits),
		cmocka_unit_test(test_sip_parse_special_every_offset),
		cmocka_unit_test(test_sip_parse_line_end_windows),
		cmocka_unit_test(test_sip_parse_addr_recorded),
		cmocka_unit_test(test_sip_parse_addr_windows),
		cmocka_unit_test(test_sip_parse_other_names),
		cmocka_unit_test(test_sip_parse_list_scan_edges),
		cmocka_unit_test(test_sip_parse_known_name_dash),
		cmocka_unit_test(test_sip_parse_prefixes),
		cmocka_unit_test(test_sip_parse_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
