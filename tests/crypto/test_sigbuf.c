/*
 * Signed-buffer builder: PROTOCOL.md §2's worked example byte for byte,
 * versions 2/3/4, both directions, compact and folded header forms.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/sigbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"
#include "tests/common/guard.h"

#define CRLF "\r\n"

/* PROTOCOL.md §2 example request (made-up, from our protocol summary). */
static const char example_req[] =
	"REGISTER sip:example.test SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds" CRLF
	"From: \"Ann\" <sip:ann@example.test>;tag=8a1c2e;epid=01" CRLF
	"To: <sip:ann@example.test>" CRLF
	"Call-ID: 7f2a9c41@ann-pc" CRLF
	"CSeq: 7 REGISTER" CRLF
	"Expires: 3600" CRLF
	"Proxy-Authorization: Kerberos qop=\"auth\", opaque=\"1C0FFEE1\", "
	"realm=\"SIP Communications Service\", targetname=\"sip/proxy.example.test\", "
	"crand=\"0a1b2c3d\", cnum=\"5\", response=\"00\"" CRLF
	"Content-Length: 0" CRLF CRLF;

static const char example_buf_v2[] =
	"<Kerberos><0a1b2c3d><5><SIP Communications Service><sip/proxy.example.test>"
	"<7f2a9c41@ann-pc><7><REGISTER><sip:ann@example.test><8a1c2e><><3600>";

static const char example_buf_v3[] =
	"<Kerberos><0a1b2c3d><5><SIP Communications Service><sip/proxy.example.test>"
	"<7f2a9c41@ann-pc><7><REGISTER><sip:ann@example.test><8a1c2e>"
	"<sip:ann@example.test><><><><3600>";

/* A response with a P-Asserted-Identity carrying both URI kinds, compact
 * forms, a folded To and mixed-case header names (real servers send them). */
static const char resp_compact_folded[] =
	"SIP/2.0 200 OK" CRLF
	"v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds" CRLF
	"f: <sip:bob@example.test>;tag=99" CRLF
	"TO: \"Bob\"" CRLF
	"  <sip:bob@example.test>;tag=abc" CRLF
	"i: c1@host" CRLF
	"CSEQ: 12 INVITE" CRLF
	"P-Asserted-Identity: \"Bob\" <sip:bob@example.test>, <tel:+15551234;ext=1>" CRLF
	"l: 0" CRLF CRLF;

static const char resp_buf_v4[] =
	"<NTLM><deadbeef><3><SIP Communications Service><proxy.example.test>"
	"<c1@host><12><INVITE><sip:bob@example.test><99><sip:bob@example.test><abc>"
	"<sip:bob@example.test><tel:+15551234;ext=1><><200>";

static struct sw_span
span_of(const char *s)
{
	struct sw_span v = { s, (uint16_t)strlen(s) };

	return v;
}

struct build_case {
	const char *name;
	const char *wire;
	const char *scheme, *rand, *num, *realm, *target;
	unsigned int version;
	const char *want;
};

static const struct build_case build_cases[] = {
	{ "protocol example, version 2", example_req, "Kerberos", "0a1b2c3d", "5",
	  "SIP Communications Service", "sip/proxy.example.test", 2, example_buf_v2 },
	{ "protocol example, version 3", example_req, "Kerberos", "0a1b2c3d", "5",
	  "SIP Communications Service", "sip/proxy.example.test", 3, example_buf_v3 },
	{ "protocol example, version 4 = 3", example_req, "Kerberos", "0a1b2c3d", "5",
	  "SIP Communications Service", "sip/proxy.example.test", 4, example_buf_v3 },
	{ "response, compact + folded + PAI", resp_compact_folded, "NTLM", "deadbeef", "3",
	  "SIP Communications Service", "proxy.example.test", 4, resp_buf_v4 },
};

static void
test_sigbuf_build_table(void **state)
{
	(void)state;

	for (size_t c = 0; c < sizeof(build_cases) / sizeof(build_cases[0]); c++) {
		const struct build_case *bc = &build_cases[c];
		struct guard_buf g;
		const char *wire = guard_buf_put(&g, bc->wire, strlen(bc->wire));
		struct sw_sip_msg msg;
		struct sw_sigbuf_auth auth = {
			span_of(bc->scheme), span_of(bc->rand),  span_of(bc->num),
			span_of(bc->realm),  span_of(bc->target), bc->version,
		};
		uint8_t out[SW_SIGBUF_MAX];
		struct sw_wbuf w;
		enum sw_sip_rc rc;

		assert_non_null(wire);
		rc = sw_sip_parse(wire, strlen(bc->wire), &msg);
		if (rc != SW_SIP_OK)
			fail_msg("%s: parse %s at %u", bc->name, sw_sip_rc_name(rc), msg.err_off);
		sw_wbuf_init(&w, out, sizeof(out));
		assert_int_equal(sw_sigbuf_build(&msg, &auth, &w), 0);
		if (w.len != strlen(bc->want) || memcmp(out, bc->want, w.len) != 0)
			fail_msg("%s:\n got  %.*s\n want %s", bc->name, (int)w.len, out, bc->want);
		guard_buf_free(&g);
	}
}

/* The auth values come straight from the parsed header of the message. */
static void
test_sigbuf_from_parsed_header(void **state)
{
	struct sw_sip_msg msg;
	struct sw_auth a;
	uint32_t off = 0;
	struct sw_span realm = span_of("SIP Communications Service");
	struct sw_span target = span_of("sip/proxy.example.test");
	struct sw_sigbuf_auth auth;
	uint8_t out[SW_SIGBUF_MAX];
	struct sw_wbuf w;

	(void)state;
	assert_int_equal(sw_sip_parse(example_req, strlen(example_req), &msg), SW_SIP_OK);
	assert_int_equal(sw_auth_select(&msg, SW_HDR_PROXY_AUTHORIZATION, realm, &target, 1, &a,
					&off),
			 SW_AUTH_OK);
	auth.scheme = a.scheme;
	auth.rand = sw_auth_get(&a, SW_AUTH_P_CRAND);
	auth.num = sw_auth_get(&a, SW_AUTH_P_CNUM);
	auth.realm = sw_auth_get(&a, SW_AUTH_P_REALM);
	auth.targetname = sw_auth_get(&a, SW_AUTH_P_TARGETNAME);
	auth.version = sw_sigbuf_version(sw_auth_get(&a, SW_AUTH_P_VERSION));
	assert_int_equal(auth.version, 2);
	sw_wbuf_init(&w, out, sizeof(out));
	assert_int_equal(sw_sigbuf_build(&msg, &auth, &w), 0);
	assert_int_equal(w.len, strlen(example_buf_v2));
	assert_memory_equal(out, example_buf_v2, w.len);
}

/* Overflow is sticky and reported; exact fit succeeds (limit and one past). */
static void
test_sigbuf_capacity_edge(void **state)
{
	struct sw_sip_msg msg;
	struct sw_sigbuf_auth auth = {
		span_of("Kerberos"), span_of("0a1b2c3d"), span_of("5"),
		span_of("SIP Communications Service"), span_of("sip/proxy.example.test"), 3,
	};
	size_t need = strlen(example_buf_v3);
	struct guard_buf g;
	uint8_t *mem;
	struct sw_wbuf w;

	(void)state;
	assert_int_equal(sw_sip_parse(example_req, strlen(example_req), &msg), SW_SIP_OK);

	mem = guard_buf_put(&g, example_buf_v3, need); /* exact-size slot at a guard page */
	sw_wbuf_init(&w, mem, need);
	assert_int_equal(sw_sigbuf_build(&msg, &auth, &w), 0);
	assert_int_equal(w.len, need);
	guard_buf_free(&g);

	mem = guard_buf_put(&g, example_buf_v3, need - 1);
	sw_wbuf_init(&w, mem, need - 1);
	assert_int_equal(sw_sigbuf_build(&msg, &auth, &w), -ENOSPC);
	assert_false(sw_wbuf_ok(&w));
	guard_buf_free(&g);
}

static void
test_sigbuf_version_param(void **state)
{
	struct sw_span absent = { NULL, 0 };
	static const struct {
		const char *v;
		unsigned int want;
	} rows[] = { { "2", 2 }, { "3", 3 }, { "4", 4 }, { "1", 0 }, { "5", 0 },
		     { "", 0 },  { "33", 0 }, { "x", 0 } };

	(void)state;
	assert_int_equal(sw_sigbuf_version(absent), 2);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(sw_sigbuf_version(span_of(rows[i].v)), rows[i].want);
}

/*
 * Field copies and the CR/LF scan of the finished buffer: a Call-ID of every
 * length 1..48 and a crand of every length 0..48 (whole 16-, 8- and 4-byte
 * moves with overlapping tails, and the bytewise rest), plain, with a TAB
 * (kept) and with a fold or a bare CR/LF (joined with one space) at every
 * position; each built into an exact-size slot that ends at a guard page,
 * and into slots with room to spare (the fast path's fixed-size copies),
 * from a message that ends at one.
 */
static void
test_sigbuf_field_lengths(void **state)
{
	static const char kinds[] = {'-', '\t', 'F', '\r', '\n'};
	static const size_t slack[] = {1, 31, 32, 33, 64};
	char wire[512], cid[64], want_cid[64], rnd[64], want_rnd[64], want[1024];
	struct sw_sip_msg msg;
	struct sw_sigbuf_auth auth;
	struct guard_buf g, gw;
	struct sw_wbuf w;
	size_t len, j, k, n, nw, wl, s;
	const char *wg;
	uint8_t *mem;
	int which;

	(void)state;
	for (which = 0; which < 2; which++) {
		for (len = which == 0 ? 1 : 0; len <= 48; len++) {
			for (k = 0; k < sizeof(kinds); k++) {
				for (j = 0; j < (kinds[k] == '-' ? 1 : len); j++) {
					/* The field as written and as signed. */
					char *f = which == 0 ? cid : rnd;
					char *fw = which == 0 ? want_cid : want_rnd;

					memset(f, 'c', len);
					memcpy(fw, f, len);
					n = nw = len;
					if (kinds[k] == '\t') {
						if (which == 0 && (j == 0 || j == len - 1))
							continue; /* LWS the parser trims */
						f[j] = fw[j] = '\t';
					} else if (kinds[k] == 'F') {
						if (which == 1 || j == 0)
							continue; /* folds live in headers */
						memmove(f + j + 3, f + j, len - j);
						memcpy(f + j, "\r\n ", 3);
						n = len + 3;
						memmove(fw + j + 1, fw + j, len - j);
						fw[j] = ' ';
						nw = len + 1;
					} else if (kinds[k] != '-') {
						if (which == 0)
							continue; /* a bare CR/LF is no header */
						f[j] = kinds[k];
						fw[j] = ' ';
						if (j == 0 || j == len - 1)
							continue; /* leading/trailing: trimmed */
					}
					f[n] = '\0';
					fw[nw] = '\0';
					if (which == 1) {
						strcpy(cid, "cid");
						strcpy(want_cid, "cid");
					} else {
						strcpy(rnd, "0a1b2c3d");
						strcpy(want_rnd, "0a1b2c3d");
					}
					snprintf(wire, sizeof(wire),
						 "REGISTER sip:example.test SIP/2.0\r\n"
						 "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK7\r\n"
						 "From: <sip:ann@example.test>;tag=8a\r\n"
						 "To: <sip:ann@example.test>\r\n"
						 "Call-ID: %s\r\nCSeq: 7 REGISTER\r\n\r\n",
						 cid);
					wl = (size_t)snprintf(
						want, sizeof(want),
						"<Kerberos><%s><5><SIP Communications Service>"
						"<sip/proxy.example.test><%s><7><REGISTER>"
						"<sip:ann@example.test><8a><><>",
						want_rnd, want_cid);
					/* The message ends at a guard page too: the
					 * 32-byte field copies must stay inside it. */
					wg = guard_buf_put(&gw, wire, strlen(wire));
					assert_non_null(wg);
					assert_int_equal(sw_sip_parse(wg, strlen(wire), &msg),
							 SW_SIP_OK);
					auth.scheme = span_of("Kerberos");
					auth.rand.p = rnd;
					auth.rand.len = (uint16_t)strlen(rnd);
					auth.num = span_of("5");
					auth.realm = span_of("SIP Communications Service");
					auth.targetname = span_of("sip/proxy.example.test");
					auth.version = 2;
					mem = guard_buf_put(&g, want, wl);
					assert_non_null(mem);
					memset(mem, 0, wl);
					sw_wbuf_init(&w, mem, wl);
					assert_int_equal(sw_sigbuf_build(&msg, &auth, &w), 0);
					if (w.len != wl || memcmp(mem, want, wl) != 0)
						fail_msg("%s len %zu kind %zu at %zu:\n got  %.*s\n "
							 "want %s",
							 which == 0 ? "Call-ID" : "crand", len, k, j,
							 (int)w.len, mem, want);
					guard_buf_free(&g);
					/* Slots with room to spare: 32 bytes or more
					 * take the fixed-size field copies. */
					for (s = 0; s < sizeof(slack) / sizeof(slack[0]); s++) {
						mem = guard_buf_put(&g, want, wl + slack[s]);
						assert_non_null(mem);
						memset(mem, 0, wl + slack[s]);
						sw_wbuf_init(&w, mem, wl + slack[s]);
						assert_int_equal(sw_sigbuf_build(&msg, &auth, &w), 0);
						if (w.len != wl || memcmp(mem, want, wl) != 0)
							fail_msg("%s len %zu kind %zu at %zu slack %zu:\n"
								 " got  %.*s\n want %s",
								 which == 0 ? "Call-ID" : "crand", len,
								 k, j, slack[s], (int)w.len, mem, want);
						guard_buf_free(&g);
					}
					guard_buf_free(&gw);
				}
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigbuf_build_table),
		cmocka_unit_test(test_sigbuf_from_parsed_header),
		cmocka_unit_test(test_sigbuf_capacity_edge),
		cmocka_unit_test(test_sigbuf_version_param),
		cmocka_unit_test(test_sigbuf_field_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
