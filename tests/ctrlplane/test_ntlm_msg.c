/*
 * ctrlplane/ntlm_msg.c: NTLM message parsers and builders (suite 'unit').
 * Real messages captured from gss-ntlmssp, table-driven malformed variants
 * with the exact result and error offset, AV_PAIR lists, NTLMv2 responses,
 * builder round trips.  Every parser input sits right before a PROT_NONE page.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctrlplane/ntlm_msg.h"
#include "tests/common/guard.h"
#include "tests/ctrlplane/ntlm_samples.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* A span must lie inside [buf, buf + len). */
static void
assert_in(const struct sw_ntlm_span *s, const uint8_t *buf, size_t len)
{
	if (s->len == 0)
		return;
	assert_true(s->p >= buf && s->p + s->len <= buf + len);
}

static enum sw_ntlm_msg_rc
parse_auth_guarded(const uint8_t *msg, size_t len, struct sw_ntlm_authenticate *a, uint32_t *off)
{
	struct guard_buf g = {0};
	const uint8_t *gm = guard_buf_put(&g, msg, len);
	enum sw_ntlm_msg_rc rc;

	assert_non_null(gm);
	*off = UINT32_MAX;
	rc = sw_ntlm_parse_authenticate(gm, len, a, off);
	if (rc == SW_NTLM_MSG_OK) {
		assert_in(&a->lm_response, gm, len);
		assert_in(&a->nt_response, gm, len);
		assert_in(&a->domain, gm, len);
		assert_in(&a->user, gm, len);
		assert_in(&a->workstation, gm, len);
		assert_in(&a->enc_session_key, gm, len);
	}
	guard_buf_free(&g);
	return rc;
}

static void
test_ntlm_msg_gss_ntlmssp_samples(void **state)
{
	struct sw_ntlm_challenge c;
	struct sw_ntlm_authenticate a;
	struct sw_ntlm_av_list ti;
	struct sw_ntlm_v2_response v2;
	struct guard_buf g = {0};
	const uint8_t *gm;
	uint64_t ts;
	uint32_t off = 0;

	(void)state;
	gm = guard_buf_put(&g, gss_ntlmssp_challenge, sizeof(gss_ntlmssp_challenge));
	assert_int_equal(sw_ntlm_parse_challenge(gm, sizeof(gss_ntlmssp_challenge), &c, &off),
			 SW_NTLM_MSG_OK);
	assert_int_equal(c.flags, 0xe28ab275u);
	assert_true(c.has_version);
	assert_int_equal(c.target_name.len, 10);
	assert_memory_equal(c.target_name.p, "P\0R\0O\0X\0Y\0", 10);
	assert_int_equal(sw_ntlm_av_parse(c.target_info.p, c.target_info.len, &ti, &off),
			 SW_NTLM_MSG_OK);
	assert_int_equal(ti.n, 6);
	assert_int_equal(ti.len, c.target_info.len);
	assert_true(sw_ntlm_av_timestamp(&ti, &ts));
	assert_int_equal(sw_ntlm_av_flags(&ti), 0);
	assert_non_null(sw_ntlm_av_find(&ti, SW_NTLM_AV_TARGET_NAME));
	assert_null(sw_ntlm_av_find(&ti, SW_NTLM_AV_CHANNEL_BINDINGS));
	guard_buf_free(&g);

	assert_int_equal(parse_auth_guarded(gss_ntlmssp_authenticate,
					    sizeof(gss_ntlmssp_authenticate), &a, &off),
			 SW_NTLM_MSG_OK);
	assert_int_equal(a.flags, 0xe28ab275u);
	assert_true(a.has_version);
	assert_false(a.has_mic_field); /* gss-ntlmssp adds a MIC only under SPNEGO */
	assert_int_equal(a.lm_response.len, 0);
	assert_int_equal(a.nt_response.len, 200);
	assert_int_equal(a.user.len, 6);
	assert_int_equal(a.domain.len, 14);
	assert_int_equal(a.enc_session_key.len, 16);

	gm = guard_buf_put(&g, gss_ntlmssp_authenticate, sizeof(gss_ntlmssp_authenticate));
	assert_int_equal(sw_ntlm_parse_authenticate(gm, sizeof(gss_ntlmssp_authenticate), &a, &off),
			 SW_NTLM_MSG_OK);
	assert_int_equal(sw_ntlm_parse_v2_response(a.nt_response.p, a.nt_response.len, &v2, &off),
			 SW_NTLM_MSG_OK);
	assert_ptr_equal(v2.proof, a.nt_response.p);
	assert_int_equal(v2.blob.len, 184);
	assert_true(sw_ntlm_av_timestamp(&v2.av, &ts));
	assert_int_equal(v2.timestamp, ts); /* the client echoes the server's time */
	assert_int_equal(v2.av.n, 6);
	guard_buf_free(&g);
}

/* A patch to one field descriptor of the captured AUTHENTICATE message. */
struct auth_patch {
	const char *name;
	uint32_t at;	/* byte offset patched */
	uint32_t width; /* 1, 2 or 4 */
	uint32_t value;
	size_t len; /* message length used, 0: whole */
	enum sw_ntlm_msg_rc want;
	uint32_t want_off;
};

/* Sample layout: NT @0x48+200, Domain @0x110+14, User @0x11e+6, Wks @0x124+4, Key @0x128+16. */
static const struct auth_patch auth_patches[] = {
	{"unchanged", 0, 0, 0, 0, SW_NTLM_MSG_OK, UINT32_MAX},
	{"empty LM field with a wild offset", 16, 4, 0xffffffffu, 0, SW_NTLM_MSG_OK, UINT32_MAX},
	{"bad signature", 0, 1, 'X', 0, SW_NTLM_MSG_BAD_SIGNATURE, 0},
	{"NEGOTIATE type", 8, 4, 1, 0, SW_NTLM_MSG_BAD_TYPE, 8},
	{"CHALLENGE type", 8, 4, 2, 0, SW_NTLM_MSG_BAD_TYPE, 8},
	{"shorter than the fixed header", 0, 0, 0, 63, SW_NTLM_MSG_TOO_SHORT, 63},
	{"only the signature", 0, 0, 0, 8, SW_NTLM_MSG_TOO_SHORT, 8},
	{"empty", 0, 0, 0, 1, SW_NTLM_MSG_TOO_SHORT, 1},
	{"NT offset at the end", 24, 4, 312, 0, SW_NTLM_MSG_FIELD_RANGE, 20},
	{"user runs past the end", 36, 2, 0x20, 0, SW_NTLM_MSG_FIELD_RANGE, 36},
	{"key offset wraps 32 bits", 56, 4, 0xfffffff8u, 0, SW_NTLM_MSG_FIELD_RANGE, 52},
	{"truncated by one byte", 0, 0, 0, 311, SW_NTLM_MSG_FIELD_RANGE, 52},
	{"domain inside the fixed header", 32, 4, 8, 0, SW_NTLM_MSG_FIELD_OVERLAP, 28},
	{"NT response on top of the flags", 24, 4, 60, 0, SW_NTLM_MSG_FIELD_OVERLAP, 20},
	{"user overlaps domain", 40, 4, 0x110, 0, SW_NTLM_MSG_FIELD_OVERLAP, 36},
	{"NT response swallows the domain", 20, 2, 0xcc, 0, SW_NTLM_MSG_FIELD_OVERLAP, 28},
	{"key inside NT response", 56, 4, 0x50, 0, SW_NTLM_MSG_FIELD_OVERLAP, 52},
	{"odd UTF-16 user", 36, 2, 5, 0, SW_NTLM_MSG_FIELD_ODD, 36},
	{"odd UTF-16 workstation", 44, 2, 3, 0, SW_NTLM_MSG_FIELD_ODD, 44},
};

static void
test_ntlm_msg_authenticate_table(void **state)
{
	uint8_t m[sizeof(gss_ntlmssp_authenticate)];

	(void)state;
	for (size_t i = 0; i < sizeof(auth_patches) / sizeof(auth_patches[0]); i++) {
		const struct auth_patch *p = &auth_patches[i];
		struct sw_ntlm_authenticate a;
		enum sw_ntlm_msg_rc rc;
		uint32_t off;

		memcpy(m, gss_ntlmssp_authenticate, sizeof(m));
		if (p->width == 1)
			m[p->at] = (uint8_t)p->value;
		else if (p->width == 2)
			put16(m + p->at, (uint16_t)p->value);
		else if (p->width == 4)
			put32(m + p->at, p->value);
		rc = parse_auth_guarded(m, p->len != 0 ? p->len : sizeof(m), &a, &off);
		if (rc != p->want || (rc != SW_NTLM_MSG_OK && off != p->want_off))
			fail_msg("%s: got %s at %u, want %s at %u", p->name,
				 sw_ntlm_msg_rc_name(rc), off, sw_ntlm_msg_rc_name(p->want),
				 p->want_off);
	}
}

/* Built messages: name length limit, size limit, MIC field layout. */
static void
test_ntlm_msg_authenticate_built(void **state)
{
	static const uint8_t ver[8] = {10, 0, 0x7c, 0x4f, 0, 0, 0, 15};
	uint8_t big[SW_NTLM_MSG_MAX + 1], name[SW_NTLM_NAME_MAX + 2], key[16] = {0}, nt[48] = {0};
	struct sw_ntlm_span none = {NULL, 0};
	struct sw_ntlm_authenticate a;
	uint32_t off;
	int n;

	(void)state;
	memset(name, 'a', sizeof(name));
	n = sw_ntlm_build_authenticate(big, sizeof(big), SW_NTLM_NEGOTIATE_UNICODE, none,
				       (struct sw_ntlm_span){nt, 48}, none,
				       (struct sw_ntlm_span){name, SW_NTLM_NAME_MAX + 2}, none,
				       (struct sw_ntlm_span){key, 16}, ver, true);
	assert_true(n > 0);
	assert_int_equal(parse_auth_guarded(big, (size_t)n, &a, &off), SW_NTLM_MSG_FIELD_TOO_LONG);
	assert_int_equal(off, 36);

	n = sw_ntlm_build_authenticate(big, sizeof(big), SW_NTLM_NEGOTIATE_UNICODE, none,
				       (struct sw_ntlm_span){nt, 48}, none,
				       (struct sw_ntlm_span){name, SW_NTLM_NAME_MAX}, none,
				       (struct sw_ntlm_span){key, 16}, ver, true);
	assert_int_equal(parse_auth_guarded(big, (size_t)n, &a, &off), SW_NTLM_MSG_OK);
	assert_true(a.has_mic_field);
	assert_true(a.has_version);
	assert_memory_equal(a.version, ver, 8);
	assert_int_equal(a.user.len, SW_NTLM_NAME_MAX);

	/* Without Version and MIC the payload starts at 64. */
	n = sw_ntlm_build_authenticate(big, sizeof(big), 0, none, (struct sw_ntlm_span){nt, 48},
				       none, none, none, none, NULL, false);
	assert_int_equal(n, 64 + 48);
	assert_int_equal(parse_auth_guarded(big, (size_t)n, &a, &off), SW_NTLM_MSG_OK);
	assert_false(a.has_version);
	assert_false(a.has_mic_field);

	memset(big, 0, sizeof(big));
	memcpy(big, gss_ntlmssp_authenticate, sizeof(gss_ntlmssp_authenticate));
	assert_int_equal(parse_auth_guarded(big, sizeof(big), &a, &off), SW_NTLM_MSG_TOO_BIG);

	/* Builder limits. */
	assert_int_equal(sw_ntlm_build_authenticate(big, 80, 0, none, (struct sw_ntlm_span){nt, 48},
						    none, none, none, none, NULL, false),
			 -ENOSPC);
	assert_int_equal(sw_ntlm_build_authenticate(big, 63, 0, none, none, none, none, none, none,
						    NULL, false),
			 -ENOSPC);
	assert_int_equal(sw_ntlm_build_authenticate(big, sizeof(big), 0, none,
						    (struct sw_ntlm_span){NULL, 4}, none, none,
						    none, none, NULL, false),
			 -EINVAL);
	assert_int_equal(sw_ntlm_build_authenticate(big, sizeof(big), 0, none, none, none, none,
						    none, none, NULL, true),
			 -EINVAL);
}

static void
test_ntlm_msg_negotiate_challenge_roundtrip(void **state)
{
	static const uint8_t ver[8] = {6, 1, 0xb1, 0x1d, 0, 0, 0, 15};
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t m[512], ti[128];
	struct sw_ntlm_negotiate ng;
	struct sw_ntlm_challenge c;
	struct sw_ntlm_av av[2] = {{SW_NTLM_AV_NB_DOMAIN, {(const uint8_t *)"D\0", 2}},
				   {SW_NTLM_AV_FLAGS, {(const uint8_t *)"\2\0\0\0", 4}}};
	struct guard_buf g = {0};
	const uint8_t *gm;
	uint32_t off;
	int n, tl;

	(void)state;
	n = sw_ntlm_build_negotiate(m, sizeof(m), 0xe2088297u, (struct sw_ntlm_span){NULL, 0},
				    (struct sw_ntlm_span){(const uint8_t *)"WS", 2}, ver);
	assert_int_equal(n, 42);
	gm = guard_buf_put(&g, m, (size_t)n);
	assert_int_equal(sw_ntlm_parse_negotiate(gm, (size_t)n, &ng, &off), SW_NTLM_MSG_OK);
	assert_int_equal(ng.flags, 0xe2088297u);
	assert_true(ng.has_version);
	assert_int_equal(ng.workstation.len, 2);
	assert_int_equal(ng.domain.len, 0);
	guard_buf_free(&g);
	assert_int_equal(sw_ntlm_parse_negotiate(m, 31, &ng, &off), SW_NTLM_MSG_TOO_SHORT);
	assert_int_equal(sw_ntlm_parse_challenge(m, (size_t)n, &c, &off), SW_NTLM_MSG_BAD_TYPE);

	tl = sw_ntlm_av_build(ti, sizeof(ti), av, 2);
	assert_int_equal(tl, 4 + 2 + 4 + 4 + 4);
	n = sw_ntlm_build_challenge(m, sizeof(m), SW_NTLM_NEGOTIATE_UNICODE,
				    (struct sw_ntlm_span){(const uint8_t *)"D\0", 2}, chal,
				    (struct sw_ntlm_span){ti, (uint16_t)tl}, ver);
	assert_int_equal(n, 56 + 2 + tl);
	gm = guard_buf_put(&g, m, (size_t)n);
	assert_int_equal(sw_ntlm_parse_challenge(gm, (size_t)n, &c, &off), SW_NTLM_MSG_OK);
	assert_memory_equal(c.server_challenge, chal, 8);
	assert_true(c.has_version);
	assert_int_equal(c.target_info.len, tl);
	guard_buf_free(&g);
	/* Odd UTF-16 target name in a UNICODE challenge. */
	m[12] = 1;
	assert_int_equal(sw_ntlm_parse_challenge(m, (size_t)n, &c, &off), SW_NTLM_MSG_FIELD_ODD);
	assert_int_equal(off, 12);
	assert_int_equal(sw_ntlm_build_challenge(m, 50, 0, (struct sw_ntlm_span){NULL, 0}, chal,
						 (struct sw_ntlm_span){NULL, 0}, ver),
			 -ENOSPC);
	assert_int_equal(sw_ntlm_av_build(ti, 8, av, 2), -ENOSPC);
}

struct av_case {
	const char *name;
	const char *bytes; /* string literal with \x escapes */
	size_t len;
	enum sw_ntlm_msg_rc want;
	uint32_t want_off;
	uint16_t want_n;
};

#define AV(s) s, sizeof(s) - 1

static const struct av_case av_cases[] = {
	{"just EOL", AV("\0\0\0\0"), SW_NTLM_MSG_OK, 0, 0},
	{"one pair, EOL, padding", AV("\1\0\2\0ab\0\0\0\0\0\0\0\0"), SW_NTLM_MSG_OK, 0, 1},
	{"empty list", AV(""), SW_NTLM_MSG_AV_NO_EOL, 0, 0},
	{"no EOL", AV("\1\0\2\0ab"), SW_NTLM_MSG_AV_NO_EOL, 6, 0},
	{"header cut", AV("\1\0\2"), SW_NTLM_MSG_AV_TRUNC, 0, 0},
	{"value past the end", AV("\1\0\x08\0ab"), SW_NTLM_MSG_AV_TRUNC, 0, 0},
	{"second pair cut", AV("\1\0\0\0\2\0\xff\xff"), SW_NTLM_MSG_AV_TRUNC, 4, 0},
	{"duplicate AvId", AV("\1\0\0\0\1\0\0\0\0\0\0\0"), SW_NTLM_MSG_AV_DUP, 4, 0},
	{"duplicate unknown AvId", AV("\x40\0\0\0\x40\0\0\0\0\0\0\0"), SW_NTLM_MSG_AV_DUP, 4, 0},
	{"MsvAvFlags of 2 bytes", AV("\6\0\2\0\2\0\0\0\0\0"), SW_NTLM_MSG_AV_BAD_LEN, 0, 0},
	{"MsvAvTimestamp of 4 bytes", AV("\7\0\4\0abcd\0\0\0\0"), SW_NTLM_MSG_AV_BAD_LEN, 0, 0},
	{"EOL with a value", AV("\0\0\2\0\0\0"), SW_NTLM_MSG_AV_BAD_LEN, 0, 0},
};

static void
test_ntlm_msg_av_table(void **state)
{
	uint8_t many[4 * (SW_NTLM_AV_MAX + 2)];
	struct sw_ntlm_av_list l;
	struct guard_buf g = {0};
	const uint8_t *gm;
	uint32_t off;

	(void)state;
	for (size_t i = 0; i < sizeof(av_cases) / sizeof(av_cases[0]); i++) {
		const struct av_case *c = &av_cases[i];
		enum sw_ntlm_msg_rc rc;

		gm = guard_buf_put(&g, c->bytes, c->len);
		off = UINT32_MAX;
		rc = sw_ntlm_av_parse(gm, c->len, &l, &off);
		if (rc != c->want || (rc != SW_NTLM_MSG_OK && off != c->want_off) ||
		    (rc == SW_NTLM_MSG_OK && l.n != c->want_n))
			fail_msg("%s: got %s at %u (n %u), want %s at %u", c->name,
				 sw_ntlm_msg_rc_name(rc), off, l.n, sw_ntlm_msg_rc_name(c->want),
				 c->want_off);
		guard_buf_free(&g);
	}

	/* SW_NTLM_AV_MAX distinct pairs are fine, one more is not. */
	for (unsigned int i = 0; i < SW_NTLM_AV_MAX + 1; i++) {
		put16(many + 4 * i, (uint16_t)(100 + i));
		put16(many + 4 * i + 2, 0);
	}
	memset(many + 4 * (SW_NTLM_AV_MAX + 1), 0, 4);
	memcpy(many + 4 * SW_NTLM_AV_MAX, "\0\0\0\0", 4);
	assert_int_equal(sw_ntlm_av_parse(many, 4 * (SW_NTLM_AV_MAX + 1), &l, &off),
			 SW_NTLM_MSG_OK);
	assert_int_equal(l.n, SW_NTLM_AV_MAX);
	put16(many + 4 * SW_NTLM_AV_MAX, 200);
	assert_int_equal(sw_ntlm_av_parse(many, sizeof(many), &l, &off), SW_NTLM_MSG_AV_TOO_MANY);
	assert_int_equal(off, 4 * SW_NTLM_AV_MAX);
}

static void
test_ntlm_msg_v2_response(void **state)
{
	uint8_t r[SW_NTLM_V2_RESP_MIN + 8];
	struct sw_ntlm_v2_response v2;
	uint32_t off;

	(void)state;
	memset(r, 0, sizeof(r));
	r[16] = 1;
	r[17] = 1;
	r[24] = 0x11; /* timestamp */
	assert_int_equal(sw_ntlm_parse_v2_response(r, SW_NTLM_V2_RESP_MIN, &v2, &off),
			 SW_NTLM_MSG_OK);
	assert_int_equal(v2.timestamp, 0x11);
	assert_int_equal(v2.av.n, 0);
	assert_int_equal(sw_ntlm_parse_v2_response(r, SW_NTLM_V2_RESP_MIN - 1, &v2, &off),
			 SW_NTLM_MSG_TOO_SHORT);
	assert_int_equal(sw_ntlm_parse_v2_response(r, 24, &v2, &off), SW_NTLM_MSG_TOO_SHORT);
	r[17] = 2;
	assert_int_equal(sw_ntlm_parse_v2_response(r, sizeof(r), &v2, &off),
			 SW_NTLM_MSG_V2_BAD_BLOB);
	assert_int_equal(off, 16);
	r[17] = 1;
	r[44] = 6; /* MsvAvFlags with length 0 */
	assert_int_equal(sw_ntlm_parse_v2_response(r, sizeof(r), &v2, &off),
			 SW_NTLM_MSG_AV_BAD_LEN);
	assert_int_equal(off, 44);
}

/*
 * Deterministic mini-fuzz: every prefix and every single-byte change (three
 * values) of the captured messages, all three parsers, under a guard page.
 * Whatever parses must yield spans inside the input.
 */
static void
test_ntlm_msg_mutations(void **state)
{
	static const uint8_t vals[3] = {0x00, 0xff, 0x80};
	const struct {
		const uint8_t *p;
		size_t len;
	} in[2] = {{gss_ntlmssp_challenge, sizeof(gss_ntlmssp_challenge)},
		   {gss_ntlmssp_authenticate, sizeof(gss_ntlmssp_authenticate)}};
	uint8_t m[512];

	(void)state;
	for (unsigned int k = 0; k < 2; k++) {
		for (size_t pos = 0; pos <= in[k].len; pos++) {
			for (unsigned int v = 0; v < 4; v++) {
				struct sw_ntlm_negotiate ng;
				struct sw_ntlm_challenge c;
				struct sw_ntlm_authenticate a;
				struct sw_ntlm_av_list l;
				struct guard_buf g = {0};
				size_t len = in[k].len;
				const uint8_t *gm;
				uint32_t off;

				memcpy(m, in[k].p, len);
				if (v == 3)
					len = pos; /* prefix */
				else if (pos < len)
					m[pos] = vals[v];
				else
					continue;
				gm = guard_buf_put(&g, m, len);
				(void)sw_ntlm_parse_negotiate(gm, len, &ng, &off);
				if (sw_ntlm_parse_challenge(gm, len, &c, &off) == SW_NTLM_MSG_OK) {
					assert_in(&c.target_name, gm, len);
					assert_in(&c.target_info, gm, len);
					(void)sw_ntlm_av_parse(c.target_info.p, c.target_info.len,
							       &l, &off);
				}
				if (sw_ntlm_parse_authenticate(gm, len, &a, &off) ==
				    SW_NTLM_MSG_OK) {
					struct sw_ntlm_v2_response v2;

					assert_in(&a.nt_response, gm, len);
					assert_in(&a.user, gm, len);
					(void)sw_ntlm_parse_v2_response(
						a.nt_response.p, a.nt_response.len, &v2, &off);
				}
				guard_buf_free(&g);
			}
		}
	}
	assert_string_equal(sw_ntlm_msg_rc_name(SW_NTLM_MSG_FIELD_OVERLAP), "field_overlap");
	assert_string_equal(sw_ntlm_msg_rc_name(SW_NTLM_MSG_RC_MAX), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntlm_msg_gss_ntlmssp_samples),
		cmocka_unit_test(test_ntlm_msg_authenticate_table),
		cmocka_unit_test(test_ntlm_msg_authenticate_built),
		cmocka_unit_test(test_ntlm_msg_negotiate_challenge_roundtrip),
		cmocka_unit_test(test_ntlm_msg_av_table),
		cmocka_unit_test(test_ntlm_msg_v2_response),
		cmocka_unit_test(test_ntlm_msg_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
