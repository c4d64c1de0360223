/*
 * sw_auth_parse() / sw_auth_select(): MS-SIPAE authentication headers.
 * Every input sits against a PROT_NONE page (tests/common/guard.h).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"
#include "tests/common/guard.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool
span_is(struct sw_span s, const char *str)
{
	return s.len == strlen(str) && (s.len == 0 || memcmp(s.p, str, s.len) == 0);
}

/* Expected parameter: name (as looked up), value, quoted. */
struct kv_want {
	const char *name;
	const char *value;
	int quoted;
};

struct auth_case {
	const char *name;
	const char *value;
	enum sw_auth_rc rc;
	long err_off; /* -1: not checked */
	const char *scheme;
	unsigned int n;
	struct kv_want kv[6]; /* checked by name with sw_auth_get() or kv[] scan */
};

static const struct auth_case auth_cases[] = {
	{"PROTOCOL.md signed request",
	 "Kerberos qop=\"auth\", opaque=\"1C0FFEE1\", realm=\"SIP Communications Service\", "
	 "targetname=\"sip/proxy.example.test\", crand=\"0a1b2c3d\", cnum=\"5\", "
	 "response=\"0123abcd\"",
	 SW_AUTH_OK,
	 -1,
	 "Kerberos",
	 7,
	 {{"qop", "auth", 1},
	  {"opaque", "1C0FFEE1", 1},
	  {"realm", "SIP Communications Service", 1},
	  {"targetname", "sip/proxy.example.test", 1},
	  {"cnum", "5", 1},
	  {"response", "0123abcd", 1}}},
	{"Lync Kerberos handshake",
	 "Kerberos qop=\"auth\", realm=\"SIP Communications Service\", "
	 "targetname=\"sip/fe.contoso.com\", gssapi-data=\"YIIF...\"",
	 SW_AUTH_OK,
	 -1,
	 "Kerberos",
	 4,
	 {{"gssapi-data", "YIIF...", 1}, {"targetname", "sip/fe.contoso.com", 1}}},
	{"NTLM first leg, empty gssapi-data",
	 "NTLM qop=\"auth\", realm=\"SIP Communications Service\", targetname=\"fe.contoso.com\", "
	 "gssapi-data=\"\", version=3",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 5,
	 {{"gssapi-data", "", 1}, {"version", "3", 0}}},
	{"no spaces after commas",
	 "NTLM opaque=\"ABCD\",realm=\"SIP Communications Service\",targetname=\"fe.x\","
	 "crand=\"1\",cnum=\"2\",response=\"ff\"",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 6,
	 {{"opaque", "ABCD", 1}, {"response", "ff", 1}}},
	{"server info",
	 "Kerberos rspauth=\"602306092a864886f71201020201011100ffffffff\", srand=\"3CFF0D7E\", "
	 "snum=\"1\", opaque=\"B5F6C2BB\", qop=\"auth\", targetname=\"sip/fe.x\", realm=\"SIP "
	 "Communications Service\"",
	 SW_AUTH_OK,
	 -1,
	 "Kerberos",
	 7,
	 {{"srand", "3CFF0D7E", 1}, {"snum", "1", 1}, {"qop", "auth", 1}}},
	{"version quoted", "NTLM version=\"4\"", SW_AUTH_OK, -1, "NTLM", 1, {{"version", "4", 1}}},
	{"scheme only", "NTLM", SW_AUTH_OK, -1, "NTLM", 0, {{NULL, NULL, 0}}},
	{"scheme and LWS only", " NTLM  ", SW_AUTH_OK, -1, "NTLM", 0, {{NULL, NULL, 0}}},
	{"LWS around = and ,",
	 "NTLM realm = \"r\" ,\r\n targetname\t=\"t\"",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 2,
	 {{"realm", "r", 1}, {"targetname", "t", 1}}},
	{"escapes kept verbatim",
	 "NTLM realm=\"a\\\"b\\\\c\", opaque=\"x\"",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 2,
	 {{"realm", "a\\\"b\\\\c", 1}, {"opaque", "x", 1}}},
	{"escaped quote at end",
	 "NTLM realm=\"a\\\"\"",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 1,
	 {{"realm", "a\\\"", 1}}},
	{"upper-case param names",
	 "NTLM REALM=\"r\", TargetName=\"t\"",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 2,
	 {{"realm", "r", 1}, {"targetname", "t", 1}}},
	{"unknown params kept",
	 "Digest nonce=\"n\", algorithm=MD5",
	 SW_AUTH_OK,
	 -1,
	 "Digest",
	 2,
	 {{"algorithm", "MD5", 0}}},
	{"RFC 4475 regaut01",
	 "NoOneKnowsThisScheme opaque-data=here",
	 SW_AUTH_OK,
	 -1,
	 "NoOneKnowsThisScheme",
	 1,
	 {{NULL, NULL, 0}}},
	{"unquoted base64",
	 "NTLM gssapi-data=TlRMTVNTUAAB/w+=",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 1,
	 {{"gssapi-data", "TlRMTVNTUAAB/w+=", 0}}},
	{"empty value", "", SW_AUTH_ESCHEME, 0, NULL, 0, {{NULL, NULL, 0}}},
	{"no scheme", "realm=\"r\"", SW_AUTH_ESCHEME, 5, NULL, 0, {{NULL, NULL, 0}}},
	{"quote as scheme", "\"NTLM\" realm=\"r\"", SW_AUTH_ESCHEME, 0, NULL, 0, {{NULL, NULL, 0}}},
	{"comma after scheme", "NTLM, realm=\"r\"", SW_AUTH_ESCHEME, 4, NULL, 0, {{NULL, NULL, 0}}},
	{"duplicate param",
	 "NTLM realm=\"a\", opaque=\"o\", realm=\"b\"",
	 SW_AUTH_EDUP,
	 28,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"duplicate param case",
	 "NTLM cnum=\"1\", CNUM=\"1\"",
	 SW_AUTH_EDUP,
	 15,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"duplicate unknown param",
	 "NTLM x=1, y=2, X=3",
	 SW_AUTH_EDUP,
	 15,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"unterminated quote",
	 "NTLM realm=\"SIP Communications Service",
	 SW_AUTH_EQUOTE,
	 11,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"unterminated after escape",
	 "NTLM realm=\"abc\\\"",
	 SW_AUTH_EQUOTE,
	 11,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"backslash last", "NTLM realm=\"abc\\", SW_AUTH_EQUOTE, 11, NULL, 0, {{NULL, NULL, 0}}},
	{"missing =", "NTLM realm \"r\"", SW_AUTH_ESYNTAX, 11, NULL, 0, {{NULL, NULL, 0}}},
	{"missing value",
	 "NTLM realm=, opaque=\"o\"",
	 SW_AUTH_ESYNTAX,
	 11,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"trailing comma", "NTLM realm=\"r\",", SW_AUTH_ESYNTAX, 15, NULL, 0, {{NULL, NULL, 0}}},
	{"double comma",
	 "NTLM realm=\"r\",, opaque=\"o\"",
	 SW_AUTH_ESYNTAX,
	 15,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"no comma between",
	 "NTLM realm=\"r\" opaque=\"o\"",
	 SW_AUTH_ESYNTAX,
	 15,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"junk after quote", "NTLM realm=\"r\"x", SW_AUTH_ESYNTAX, 14, NULL, 0, {{NULL, NULL, 0}}},
	{"non-token name", "NTLM re@lm=\"r\"", SW_AUTH_ESYNTAX, 7, NULL, 0, {{NULL, NULL, 0}}},
	{"name 32 bytes",
	 "NTLM abcdefghijklmnopqrstuvwxyz012345=1",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 1,
	 {{NULL, NULL, 0}}},
	{"name 33 bytes",
	 "NTLM abcdefghijklmnopqrstuvwxyz0123456=1",
	 SW_AUTH_ESYNTAX,
	 5 + 32,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
	{"16 params",
	 "NTLM a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11,l=12,m=13,n=14,o=15,p=16",
	 SW_AUTH_OK,
	 -1,
	 "NTLM",
	 16,
	 {{NULL, NULL, 0}}},
	{"17 params",
	 "NTLM a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11,l=12,m=13,n=14,o=15,p=16,q=17",
	 SW_AUTH_ETOOMANY,
	 76,
	 NULL,
	 0,
	 {{NULL, NULL, 0}}},
};

static void
check_case(const struct auth_case *c, const char *v, size_t n)
{
	struct sw_span sv = {v, (uint16_t)n};
	struct sw_auth a;
	uint32_t off = 12345;
	enum sw_auth_rc rc;
	unsigned int i, k;

	rc = sw_auth_parse(sv, &a, &off);
	if (rc != c->rc)
		fail_msg("%s: got %s (off %u) want %s", c->name, sw_auth_rc_name(rc), off,
			 sw_auth_rc_name(c->rc));
	if (rc != SW_AUTH_OK) {
		if (c->err_off >= 0 && off != (uint32_t)c->err_off)
			fail_msg("%s: err_off %u want %ld", c->name, off, c->err_off);
		return;
	}
	if (!span_is(a.scheme, c->scheme))
		fail_msg("%s: scheme", c->name);
	if (a.n != c->n)
		fail_msg("%s: n %u want %u", c->name, a.n, c->n);
	for (i = 0; i < ARRAY_SIZE(c->kv) && c->kv[i].name != NULL; i++) {
		for (k = 0; k < a.n; k++) {
			if (sw_span_ieq(a.kv[k].name, c->kv[i].name))
				break;
		}
		if (k == a.n)
			fail_msg("%s: %s missing", c->name, c->kv[i].name);
		if (!span_is(a.kv[k].value, c->kv[i].value) || a.kv[k].quoted != c->kv[i].quoted)
			fail_msg("%s: %s = \"%.*s\"", c->name, c->kv[i].name,
				 (int)a.kv[k].value.len, a.kv[k].value.p);
		if (a.kv[k].id != SW_AUTH_P_OTHER) {
			assert_true(sw_auth_has(&a, (enum sw_auth_param)a.kv[k].id));
			assert_true(sw_span_eq(sw_auth_get(&a, (enum sw_auth_param)a.kv[k].id),
					       a.kv[k].value));
		}
	}
	/* idx[] and kv[] agree both ways. */
	for (k = 0; k < SW_AUTH_P_MAX; k++) {
		if (a.idx[k] != SW_HDR_NONE)
			assert_int_equal(a.kv[a.idx[k]].id, k);
	}
	assert_int_equal(a.hdr_idx, SW_HDR_NONE);
}

static void
test_sip_auth_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(auth_cases); i++) {
		struct guard_buf g = {0};
		size_t n = strlen(auth_cases[i].value);
		const char *v = guard_buf_put(&g, auth_cases[i].value, n);

		assert_non_null(v);
		check_case(&auth_cases[i], v, n);
		guard_buf_free(&g);
	}
}

/* Value length: SW_AUTH_VALUE_MAX bytes pass, one more is ETOOLONG at the limit. */
static void
test_sip_auth_value_limit(void **state)
{
	static char v[SW_AUTH_VALUE_MAX + 64];
	size_t extra, n, q;

	(void)state;
	for (q = 0; q <= 1; q++) {
		for (extra = 0; extra <= 1; extra++) {
			struct guard_buf g = {0};
			struct sw_span sv;
			struct sw_auth a;
			uint32_t off;
			enum sw_auth_rc rc;
			size_t vs;

			n = (size_t)sprintf(v, "NTLM gssapi-data=%s", q ? "\"" : "");
			vs = n;
			memset(v + n, 'A', SW_AUTH_VALUE_MAX + extra);
			n += SW_AUTH_VALUE_MAX + extra;
			if (q)
				v[n++] = '"';
			sv.p = guard_buf_put(&g, v, n);
			sv.len = (uint16_t)n;
			rc = sw_auth_parse(sv, &a, &off);
			if (extra == 0) {
				assert_int_equal(rc, SW_AUTH_OK);
				assert_int_equal(sw_auth_get(&a, SW_AUTH_P_GSSAPI_DATA).len,
						 SW_AUTH_VALUE_MAX);
			} else {
				assert_int_equal(rc, SW_AUTH_ETOOLONG);
				assert_int_equal(off, vs + SW_AUTH_VALUE_MAX);
			}
			guard_buf_free(&g);
		}
	}
}

/* Every prefix of a valid header: never a crash; a cut inside a quote is EQUOTE. */
static void
test_sip_auth_prefixes(void **state)
{
	static const char *const hdrs[] = {
		"Kerberos qop=\"auth\", opaque=\"1C0FFEE1\", realm=\"SIP Communications "
		"Service\", targetname=\"sip/proxy.example.test\", crand=\"0a1b2c3d\", cnum=\"5\", "
		"response=\"0123abcd\"",
		"NTLM realm=\"a\\\"b\",version=3,gssapi-data=\"\"",
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		size_t n = strlen(hdrs[i]);

		for (k = 0; k <= n; k++) {
			struct guard_buf g = {0};
			struct sw_span sv = {guard_buf_put(&g, hdrs[i], k), (uint16_t)k};
			struct sw_auth a;
			uint32_t off = 0;
			enum sw_auth_rc rc = sw_auth_parse(sv, &a, &off);

			assert_true((unsigned int)rc < SW_AUTH_RC_MAX);
			if (rc != SW_AUTH_OK)
				assert_true(off <= k);
			else
				assert_true(a.n <= SW_AUTH_PARAM_MAX);
			guard_buf_free(&g);
		}
	}
}

static void
test_sip_auth_names(void **state)
{
	(void)state;
	assert_string_equal(sw_auth_rc_name(SW_AUTH_OK), "ok");
	assert_string_equal(sw_auth_rc_name(SW_AUTH_EDUP), "duplicate");
	assert_string_equal(sw_auth_rc_name(SW_AUTH_RC_MAX), "unknown");
	assert_string_equal(sw_auth_param_name(SW_AUTH_P_GSSAPI_DATA), "gssapi-data");
	assert_null(sw_auth_param_name(SW_AUTH_P_OTHER));
	assert_null(sw_auth_param_name(SW_AUTH_P_MAX));
}

/*
 * Known parameter names are matched straight before '=' (letters only, any
 * case) without the general token scan; everything else takes that scan.
 * Every known name, in three cases, bare, with LWS before '=', with one
 * more letter, with a digit for its last letter, and cut short at the end
 * of the value, against a guard page: the id, the name span and the value
 * must be what the grammar says.
 */
static void
test_sip_auth_known_names(void **state)
{
	static const char *const forms[] = {"=\"v\"", " =\"v\"", "x=\"v\"", "", "="};
	char name[32], param[64], value[128];
	struct guard_buf g;
	struct sw_auth a;
	struct sw_span v;
	unsigned int id, c, f;
	enum sw_auth_rc rc;
	uint32_t off;
	size_t k, len;

	(void)state;
	for (id = 1; id < SW_AUTH_P_MAX; id++) {
		for (c = 0; c < 4; c++) {
			const char *canon = sw_auth_param_name((enum sw_auth_param)id);

			len = strlen(canon);
			for (k = 0; k < len; k++) {
				char ch = canon[k];

				if (c == 1 && ch >= 'a' && ch <= 'z')
					ch = (char)(ch - 32);
				if (c == 2 && (k % 2) && ch >= 'a' && ch <= 'z')
					ch = (char)(ch - 32);
				if (c == 3 && k == len - 1)
					ch = '7';
				name[k] = ch;
			}
			name[len] = '\0';
			for (f = 0; f < ARRAY_SIZE(forms); f++) {
				snprintf(param, sizeof(param), "%s%s", name, forms[f]);
				len = (size_t)snprintf(value, sizeof(value), "Kerberos x=\"1\", %s",
						       param);
				memset(&g, 0, sizeof(g));
				v.p = guard_buf_put(&g, value, len);
				assert_non_null(v.p);
				v.len = (uint16_t)len;
				rc = sw_auth_parse(v, &a, &off);
				if (f == 3 || f == 4) {
					/* No '=' / no value: a syntax error at the end. */
					if (rc != SW_AUTH_ESYNTAX || off != len)
						fail_msg("%s: rc %s off %u", value,
							 sw_auth_rc_name(rc), off);
				} else {
					assert_int_equal(rc, SW_AUTH_OK);
					assert_int_equal(a.n, 2);
					assert_true(a.kv[1].name.p == v.p + (len - strlen(param)));
					assert_int_equal(a.kv[1].name.len,
							 strlen(name) + (f == 2 ? 1 : 0));
					assert_true(span_is(a.kv[1].value, "v"));
					if (f == 2 || c == 3)
						assert_int_equal(a.kv[1].id, SW_AUTH_P_OTHER);
					else
						assert_int_equal(a.kv[1].id, id);
				}
				guard_buf_free(&g);
			}
		}
	}
}

/*
 * The parser takes the usual parameter from a sixteen-byte window at its
 * start when sixteen bytes remain (test_sip_auth_scalar builds the same
 * with the bytewise twin of the SIMD masks), the general scan otherwise.
 * Every known name with values that close inside the window, right at its
 * end, beyond it, with escapes inside and outside it and as tokens, the
 * parameter followed by 0..24 more bytes so that the window meets the end
 * of the value at every offset, against a guard page: the parameter must be
 * what the grammar says, and the same bytes followed by more '"', '\\',
 * '=' and ',' (outside the span) must parse exactly the same.
 */
static void
test_sip_auth_window_edges(void **state)
{
	static const struct {
		const char *wire;  /* after "name=" */
		const char *value; /* expected value span */
		int quoted;
	} vals[] = {
		{"\"v\"", "v", 1},
		{"\"\"", "", 1},
		{"\"0badf00d\"", "0badf00d", 1},
		{"\"SIP Communications Service\"", "SIP Communications Service", 1},
		{"\"a\\\"b\"", "a\\\"b", 1},
		{"\"0123456789\\\\x\"", "0123456789\\\\x", 1},
		{"\"0123456789abcdefghij\\\"k\"", "0123456789abcdefghij\\\"k", 1},
		{"\"040400ffffffffff000000000000067d74821f48c7097a47c60c1cfd\"",
		 "040400ffffffffff000000000000067d74821f48c7097a47c60c1cfd", 1},
		/* Past the window by one, two and three more sixteen-byte steps,
		 * and an escape in the second step. */
		{"\"0123456789abcdefghijklmnopqrstuvwxyzABCD\"",
		 "0123456789abcdefghijklmnopqrstuvwxyzABCD", 1},
		{"\"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\"",
		 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 1},
		{"\"0123456789abcdefghijklmnopqrstu\\\"v\"", "0123456789abcdefghijklmnopqrstu\\\"v", 1},
		{"4", "4", 0},
		{"TlRMTVNTUAAB/w+=", "TlRMTVNTUAAB/w+=", 0},
	};
	static const char junk[] = "\"\\=,\" \"\\\\=\"";
	char wire[256], name[32];
	const char *base;
	struct guard_buf g;
	struct sw_auth a, b;
	unsigned int id, v, t;
	uint32_t off, off2;
	enum sw_auth_rc rc, rc2;
	size_t len, k;

	(void)state;
	for (id = 1; id < SW_AUTH_P_MAX; id++) {
		const char *canon = sw_auth_param_name((enum sw_auth_param)id);

		for (k = 0; canon[k] != '\0'; k++) /* mixed case: the fast path folds it */
			name[k] = (k % 3 == 1 && canon[k] >= 'a' && canon[k] <= 'z')
					  ? (char)(canon[k] - 32)
					  : canon[k];
		name[k] = '\0';
		for (v = 0; v < ARRAY_SIZE(vals); v++) {
			for (t = 0; t <= 24; t++) {
				len = (size_t)snprintf(
					wire, sizeof(wire), "NTLM x=\"auth\", %s=%s%s%.*s", name,
					vals[v].wire, t > 0 ? "," : "", t > 0 ? (int)t - 1 : 0,
					"y=\"0123456789abcdefghijklm");
				/* ",", ",y", ",y=": a syntax error; ",y=\"...": an
				 * unterminated quote; the kv checked is before them. */
				memset(&g, 0, sizeof(g));
				base = guard_buf_put(&g, wire, len);
				assert_non_null(base);
				rc = sw_auth_parse((struct sw_span){base, (uint16_t)len}, &a, &off);
				assert_int_equal(rc, t == 0   ? SW_AUTH_OK
						     : t <= 3 ? SW_AUTH_ESYNTAX
							      : SW_AUTH_EQUOTE);
				if (a.n < 2)
					fail_msg("%s: n %u rc %s", wire, a.n, sw_auth_rc_name(rc));
				assert_int_equal(a.kv[1].id, id);
				assert_true(span_is(a.kv[1].name, name));
				if (!span_is(a.kv[1].value, vals[v].value) ||
				    a.kv[1].quoted != vals[v].quoted)
					fail_msg("%s: value \"%.*s\"", wire, (int)a.kv[1].value.len,
						 a.kv[1].value.p);
				assert_int_equal(a.idx[id], 1);

				/* The same span with bytes that would matter after it. */
				memcpy(wire + len, junk, sizeof(junk));
				rc2 = sw_auth_parse((struct sw_span){wire, (uint16_t)len}, &b,
						    &off2);
				assert_int_equal(rc2, rc);
				assert_int_equal(off2, off);
				assert_int_equal(b.n, a.n);
				for (k = 0; k < a.n; k++) {
					assert_true(b.kv[k].name.p - wire == a.kv[k].name.p - base);
					assert_true(b.kv[k].value.p - wire ==
						    a.kv[k].value.p - base);
					assert_int_equal(b.kv[k].value.len, a.kv[k].value.len);
					assert_int_equal(b.kv[k].id, a.kv[k].id);
					assert_int_equal(b.kv[k].quoted, a.kv[k].quoted);
				}
				guard_buf_free(&g);
			}
		}
	}
}

/* sw_auth_select(): ours by realm + targetname; other proxies skipped. */
struct select_case {
	const char *name;
	const char *hdrs; /* Proxy-Authorization lines */
	enum sw_auth_rc rc;
	const char *err_at; /* marker for err_off, NULL: not checked */
	const char *want_opaque;
};

#define SEL_REALM "SIP Communications Service"

static const struct select_case select_cases[] = {
	{"one, ours (Kerberos target)",
	 "Proxy-Authorization: Kerberos realm=\"" SEL_REALM "\", targetname=\"sip/p.x\", "
	 "opaque=\"K1\"\r\n",
	 SW_AUTH_OK, NULL, "K1"},
	{"one, ours (NTLM target)",
	 "Proxy-Authorization: NTLM realm=\"" SEL_REALM "\", targetname=\"p.x\", opaque=\"N1\"\r\n",
	 SW_AUTH_OK, NULL, "N1"},
	{"other proxy first (patent FIG. 5)",
	 "Proxy-Authorization: NTLM realm=\"" SEL_REALM "\", targetname=\"edge.x\", "
	 "opaque=\"E\"\r\n"
	 "Proxy-Authorization: Kerberos realm=\"" SEL_REALM "\", targetname=\"sip/p.x\", "
	 "opaque=\"K2\"\r\n",
	 SW_AUTH_OK, NULL, "K2"},
	{"other realm skipped",
	 "Proxy-Authorization: NTLM realm=\"Other\", targetname=\"p.x\", opaque=\"O\"\r\n",
	 SW_AUTH_EABSENT, NULL, NULL},
	{"realm compare is exact",
	 "Proxy-Authorization: NTLM realm=\"sip communications service\", targetname=\"p.x\"\r\n",
	 SW_AUTH_EABSENT, NULL, NULL},
	{"no realm skipped", "Proxy-Authorization: NTLM targetname=\"p.x\"\r\n", SW_AUTH_EABSENT,
	 NULL, NULL},
	{"none", "", SW_AUTH_EABSENT, NULL, NULL},
	{"two ours",
	 "Proxy-Authorization: NTLM realm=\"" SEL_REALM "\", targetname=\"p.x\", opaque=\"A\"\r\n"
	 "Proxy-Authorization: Kerberos realm=\"" SEL_REALM "\", targetname=\"sip/p.x\", "
	 "opaque=\"B\"\r\n",
	 SW_AUTH_EDUP, "Kerberos realm", NULL},
	{"unparsable other header",
	 "Proxy-Authorization: NTLM realm=\"" SEL_REALM "\", targetname=\"p.x\", opaque=\"A\"\r\n"
	 "Proxy-Authorization: NTLM realm=\"unterminated\r\n",
	 SW_AUTH_EQUOTE, "\"unterminated", NULL},
};

static void
test_sip_auth_select(void **state)
{
	static const struct sw_span targets[] = {{"sip/p.x", 7}, {"p.x", 3}};
	const struct sw_span realm = {SEL_REALM, sizeof(SEL_REALM) - 1};
	char m[1024];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(select_cases); i++) {
		const struct select_case *c = &select_cases[i];
		struct guard_buf g = {0};
		struct sw_sip_msg msg;
		struct sw_auth a;
		uint32_t off;
		enum sw_auth_rc rc;
		const char *b;
		int n;

		n = snprintf(
			m, sizeof(m),
			"REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@x>;tag=1\r\n"
			"To: <sip:a@x>\r\nCall-ID: s\r\nCSeq: 1 REGISTER\r\n%s\r\n",
			c->hdrs);
		b = guard_buf_put(&g, m, (size_t)n);
		assert_int_equal(sw_sip_parse(b, (size_t)n, &msg), SW_SIP_OK);
		rc = sw_auth_select(&msg, SW_HDR_PROXY_AUTHORIZATION, realm, targets, 2, &a, &off);
		if (rc != c->rc)
			fail_msg("%s: got %s want %s", c->name, sw_auth_rc_name(rc),
				 sw_auth_rc_name(c->rc));
		if (c->err_at != NULL)
			assert_int_equal(off, (uint32_t)(strstr(m, c->err_at) - m));
		if (rc == SW_AUTH_OK) {
			assert_true(span_is(sw_auth_get(&a, SW_AUTH_P_OPAQUE), c->want_opaque));
			assert_int_equal(msg.hdr[a.hdr_idx].id, SW_HDR_PROXY_AUTHORIZATION);
			assert_true(a.scheme.p >= msg.hdr[a.hdr_idx].value.p);
		}
		/* The same headers are not WWW credentials. */
		assert_int_equal(
			sw_auth_select(&msg, SW_HDR_AUTHORIZATION, realm, targets, 2, &a, &off),
			SW_AUTH_EABSENT);
		guard_buf_free(&g);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_auth_parse_table),
		cmocka_unit_test(test_sip_auth_value_limit),
		cmocka_unit_test(test_sip_auth_prefixes),
		cmocka_unit_test(test_sip_auth_names),
		cmocka_unit_test(test_sip_auth_known_names),
		cmocka_unit_test(test_sip_auth_window_edges),
		cmocka_unit_test(test_sip_auth_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
