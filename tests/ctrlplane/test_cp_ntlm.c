/*
 * ctrlplane/cp_ntlm.c: the native NTLMv2 acceptor against a test initiator
 * written directly on OpenSSL (ntlm_tc.c), MS-NLMP §4.2.4 vectors, and the
 * SA keys it installs (suite 'unit'; the gss-ntlmssp cross-check is in
 * test_cp_ntlm_xcheck.c).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/sig.h"
#include "ctrlplane/cp_ntlm.h"
#include "tests/common/guard.h"
#include "tests/ctrlplane/ntlm_tc.h"

#define T0 1764590000LL /* fixed "now" for the acceptor's clock */

/* The acceptor's clock (sw_cp_ntlm_cfg.clock), driven by each test row: the
 * timestamp window and SA lifetime are checked at exact offsets from T0. */
static int64_t clock_now = T0;
static struct sw_ntlm_users *users;
static struct sw_cp_ntlm *acc;
static struct sw_cp_ntlm *acc_mic; /* require_mic */
static unsigned int log_lines;

static int64_t
test_clock(void *arg)
{
	(void)arg;
	return clock_now;
}

static void
test_log(void *arg, enum sw_cp_log_level lvl, const char *msg)
{
	(void)arg;
	(void)lvl;
	log_lines++;
	if (getenv("SW_TEST_VERBOSE") != NULL)
		print_message("    log: %s\n", msg);
}

/* One scenario: a client variant and the outcome the acceptor must report. */
struct auth_case {
	const char *name;
	struct tc_opts o;
	int64_t advance;  /* seconds the clock moves between challenge and AUTHENTICATE */
	bool require_mic; /* use the require_mic acceptor */
	enum sw_cp_ntlm_rc want;
	const char *want_user;
	const char *want_domain;
};

static const uint8_t other_chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static const struct auth_case auth_cases[] = {
	{"bob, MIC",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .mic = true},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},
	{"bob, no MIC",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd"},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},
	{"BOB@domainb: case-insensitive look-up",
	 {.user = "BOB", .domain = "domainb", .password = "Bob-Passw0rd", .mic = true},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},
	{"empty domain: the configured one",
	 {.user = "bob", .domain = "", .password = "Bob-Passw0rd"},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},
	{"UPN with empty domain",
	 {.user = "bob@domainb.test", .domain = "", .password = "Bob-Passw0rd"},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},
	{"DNS domain name maps to the NetBIOS one",
	 {.user = "bob", .domain = "DomainB.Test", .password = "Bob-Passw0rd"},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},
	{"other domain (trust): ann@DOMAINA",
	 {.user = "ann", .domain = "DOMAINA", .password = "Ann-Passw0rd", .mic = true},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "ann",
	 "DOMAINA"},
	{"wildcard-domain account",
	 {.user = "wild", .domain = "ANYDOM", .password = "Wild-pw"},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "wild",
	 "ANYDOM"},
	{"NT-hash account",
	 {.user = "hashy", .domain = "DOMAINB", .password = "Hashy-pw"},
	 0,
	 false,
	 SW_CP_NTLM_OK,
	 "hashy",
	 "DOMAINB"},
	{"challenge 299 s old: still inside the window",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .ts_offset = 299},
	 299,
	 false,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},
	{"require_mic with a MIC",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .mic = true},
	 0,
	 true,
	 SW_CP_NTLM_OK,
	 "bob",
	 "DOMAINB"},

	{"wrong password",
	 {.user = "bob", .domain = "DOMAINB", .password = "guess"},
	 0,
	 false,
	 SW_CP_NTLM_BAD_PASSWORD},
	{"bob in DOMAINA: no such account",
	 {.user = "bob", .domain = "DOMAINA", .password = "Bob-Passw0rd"},
	 0,
	 false,
	 SW_CP_NTLM_UNKNOWN_USER},
	{"unknown user",
	 {.user = "mallory", .domain = "DOMAINB", .password = "x"},
	 0,
	 false,
	 SW_CP_NTLM_UNKNOWN_USER},
	{"disabled account, right password",
	 {.user = "dis", .domain = "DOMAINB", .password = "Dis-pw"},
	 0,
	 false,
	 SW_CP_NTLM_DISABLED},
	{"disabled account, wrong password",
	 {.user = "dis", .domain = "DOMAINB", .password = "nope"},
	 0,
	 false,
	 SW_CP_NTLM_BAD_PASSWORD},
	{"answer to another challenge",
	 {.user = "bob",
	  .domain = "DOMAINB",
	  .password = "Bob-Passw0rd",
	  .override_challenge = other_chal},
	 0,
	 false,
	 SW_CP_NTLM_BAD_PASSWORD},
	{"MsvAvFlags changed after the proof",
	 {.user = "bob",
	  .domain = "DOMAINB",
	  .password = "Bob-Passw0rd",
	  .mic = true,
	  .tamper_avflags = true},
	 0,
	 false,
	 SW_CP_NTLM_BAD_PASSWORD},
	{"NTLMv1 response",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .v1 = true},
	 0,
	 false,
	 SW_CP_NTLM_NTLMV1},
	{"LM-only response",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .lm_only = true},
	 0,
	 false,
	 SW_CP_NTLM_NTLMV1},
	{"anonymous",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .anonymous = true},
	 0,
	 false,
	 SW_CP_NTLM_ANONYMOUS},
	{"no KEY_EXCH flag",
	 {.user = "bob",
	  .domain = "DOMAINB",
	  .password = "Bob-Passw0rd",
	  .flags = SW_CP_NTLM_CHALLENGE_FLAGS & ~SW_NTLM_NEGOTIATE_KEY_EXCH},
	 0,
	 false,
	 SW_CP_NTLM_BAD_FLAGS},
	{"no extended session security",
	 {.user = "bob",
	  .domain = "DOMAINB",
	  .password = "Bob-Passw0rd",
	  .flags = SW_CP_NTLM_CHALLENGE_FLAGS & ~SW_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY},
	 0,
	 false,
	 SW_CP_NTLM_BAD_FLAGS},
	{"OEM, not UNICODE",
	 {.user = "bob",
	  .domain = "DOMAINB",
	  .password = "Bob-Passw0rd",
	  .flags = (SW_CP_NTLM_CHALLENGE_FLAGS & ~SW_NTLM_NEGOTIATE_UNICODE) |
		   SW_NTLM_NEGOTIATE_OEM},
	 0,
	 false,
	 SW_CP_NTLM_BAD_FLAGS},
	{"no EncryptedRandomSessionKey",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .no_key_exch_key = true},
	 0,
	 false,
	 SW_CP_NTLM_BAD_FLAGS},
	{"MIC tampered",
	 {.user = "bob",
	  .domain = "DOMAINB",
	  .password = "Bob-Passw0rd",
	  .mic = true,
	  .tamper_mic = true},
	 0,
	 false,
	 SW_CP_NTLM_BAD_MIC},
	{"MIC announced, no MIC field",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .mic_bit_no_field = true},
	 0,
	 false,
	 SW_CP_NTLM_BAD_MIC},
	{"require_mic without a MIC",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd"},
	 0,
	 true,
	 SW_CP_NTLM_BAD_MIC},
	{"require_mic, zero MIC field not announced",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .mic_field_only = true},
	 0,
	 true,
	 SW_CP_NTLM_BAD_MIC},
	{"client clock 10 min fast",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .ts_offset = 600},
	 0,
	 false,
	 SW_CP_NTLM_STALE},
	{"client clock 10 min slow",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .ts_offset = -600},
	 0,
	 false,
	 SW_CP_NTLM_STALE},
	{"challenge 301 s old",
	 {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .ts_offset = 301},
	 301,
	 false,
	 SW_CP_NTLM_STALE},
};

static void
test_cp_ntlm_authenticate_table(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
		const struct auth_case *tc = &auth_cases[i];
		struct sw_cp_ntlm *a = tc->require_mic ? acc_mic : acc;
		struct sw_cp_ntlm_pending p;
		struct sw_cp_ntlm_sa sa;
		struct guard_buf g = {0};
		uint8_t msg[SW_NTLM_MSG_MAX], esk[16];
		const uint8_t *gm;
		enum sw_cp_ntlm_rc rc;
		int n;

		clock_now = T0;
		assert_int_equal(sw_cp_ntlm_challenge(a, &p), 0);
		n = tc_authenticate(p.msg, p.len, &tc->o, msg, sizeof(msg), esk);
		if (n < 0)
			fail_msg("%s: test client failed", tc->name);
		gm = guard_buf_put(&g, msg, (size_t)n);
		assert_non_null(gm);
		clock_now = T0 + tc->advance;
		rc = sw_cp_ntlm_authenticate(a, &p, gm, (size_t)n, &sa);
		if (rc != tc->want)
			fail_msg("%s: got %s, want %s", tc->name, sw_cp_ntlm_rc_name(rc),
				 sw_cp_ntlm_rc_name(tc->want));
		if (rc == SW_CP_NTLM_OK) {
			assert_memory_equal(sa.session_key, esk, 16);
			assert_string_equal(sa.user, tc->want_user);
			assert_string_equal(sa.domain, tc->want_domain);
			assert_string_equal(sa.workstation, "TESTPC");
			assert_int_equal(sa.mic_verified, tc->o.mic);
			assert_int_equal(sa.expires, clock_now + SW_CP_NTLM_SA_LIFETIME);
		} else {
			static const uint8_t zero[sizeof(sa)];

			assert_memory_equal(&sa, zero, sizeof(sa));
		}
		guard_buf_free(&g);
	}
}

/* Every prefix of a valid AUTHENTICATE is refused without reading past its end. */
static void
test_cp_ntlm_truncated(void **state)
{
	struct tc_opts o = {
		.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd", .mic = true};
	struct sw_cp_ntlm_pending p;
	struct sw_cp_ntlm_sa sa;
	uint8_t msg[SW_NTLM_MSG_MAX], esk[16];
	int n;

	(void)state;
	clock_now = T0;
	assert_int_equal(sw_cp_ntlm_challenge(acc, &p), 0);
	n = tc_authenticate(p.msg, p.len, &o, msg, sizeof(msg), esk);
	assert_true(n > 0);
	for (int len = 0; len < n; len++) {
		struct guard_buf g = {0};
		const uint8_t *gm = guard_buf_put(&g, msg, (size_t)len);
		enum sw_cp_ntlm_rc rc = sw_cp_ntlm_authenticate(acc, &p, gm, (size_t)len, &sa);

		if (rc != SW_CP_NTLM_BAD_MESSAGE)
			fail_msg("prefix %d of %d: %s", len, n, sw_cp_ntlm_rc_name(rc));
		guard_buf_free(&g);
	}
	assert_int_equal(sw_cp_ntlm_authenticate(acc, &p, msg, (size_t)n, &sa), SW_CP_NTLM_OK);
}

/* The CHALLENGE_MESSAGE: flags, names, timestamp, a fresh challenge each time. */
static void
test_cp_ntlm_challenge_format(void **state)
{
	struct sw_cp_ntlm_pending p1, p2;
	struct sw_ntlm_challenge c;
	struct sw_ntlm_av_list ti;
	const struct sw_ntlm_av *a;
	uint64_t ts = 0;

	(void)state;
	clock_now = T0;
	assert_int_equal(sw_cp_ntlm_challenge(acc, &p1), 0);
	assert_int_equal(sw_cp_ntlm_challenge(acc, &p2), 0);
	assert_memory_not_equal(p1.server_challenge, p2.server_challenge, 8);
	assert_int_equal(p1.created, T0);
	assert_int_equal(sw_ntlm_parse_challenge(p1.msg, p1.len, &c, NULL), SW_NTLM_MSG_OK);
	assert_int_equal(c.flags, SW_CP_NTLM_CHALLENGE_FLAGS);
	assert_memory_equal(c.server_challenge, p1.server_challenge, 8);
	assert_true(c.has_version);
	assert_int_equal(c.target_name.len, 14);
	assert_memory_equal(c.target_name.p, "D\0O\0M\0A\0I\0N\0B\0", 14);
	assert_int_equal(sw_ntlm_av_parse(c.target_info.p, c.target_info.len, &ti, NULL),
			 SW_NTLM_MSG_OK);
	assert_int_equal(ti.n, 5);
	assert_int_equal(ti.len, c.target_info.len);
	a = sw_ntlm_av_find(&ti, SW_NTLM_AV_NB_COMPUTER);
	assert_non_null(a);
	assert_memory_equal(a->value.p, "P\0R\0O\0X\0Y\0", 10);
	assert_non_null(sw_ntlm_av_find(&ti, SW_NTLM_AV_NB_DOMAIN));
	assert_non_null(sw_ntlm_av_find(&ti, SW_NTLM_AV_DNS_DOMAIN));
	a = sw_ntlm_av_find(&ti, SW_NTLM_AV_DNS_COMPUTER);
	assert_non_null(a);
	assert_int_equal(a->value.len, 2 * strlen("proxy.domainb.test"));
	assert_true(sw_ntlm_av_timestamp(&ti, &ts));
	assert_int_equal(ts, sw_cp_ntlm_filetime(T0));
	/* 1970-01-01 is 11644473600 s after 1601-01-01. */
	assert_int_equal(sw_cp_ntlm_filetime(0), 116444736000000000ULL);
}

/*
 * MS-NLMP §4.2.4: User "User", UserDom "Domain", password "Password",
 * ServerChallenge 0123456789abcdef, ClientChallenge aa*8, Time 0, AV pairs
 * NbDomainName "Domain", NbComputerName "Server".
 */
static void
test_cp_ntlm_ms_nlmp_vectors(void **state)
{
	static const uint8_t nt_hash[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
					    0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
	static const uint8_t ntowfv2[16] = {0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93,
					    0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0, 0x2e, 0x3f};
	static const uint8_t schal[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	static const uint8_t proof_want[16] = {0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96,
					       0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef, 0x6a, 0x1c};
	static const uint8_t sbk_want[16] = {0x8d, 0xe4, 0x0c, 0xca, 0xdb, 0xc1, 0x4a, 0x82,
					     0xf1, 0x5c, 0xb0, 0xad, 0x0d, 0xe9, 0x5c, 0xa3};
	static const uint8_t blob[] = {
		0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x0c, 0x00, 'D',  0,    'o',  0,	'm',  0,    'a',  0,	'i',  0,
		'n',  0,    0x01, 0x00, 0x0c, 0x00, 'S',  0,	'e',  0,    'r',  0,	'v',  0,
		'e',  0,    'r',  0,	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t h[16], k[16], proof[16], sbk[16];

	(void)state;
	assert_int_equal(sw_ntlm_nt_hash("Password", 8, h), 0);
	assert_memory_equal(h, nt_hash, 16);
	assert_int_equal(sw_cp_ntlm_ntowfv2(h, (const uint8_t *)"U\0s\0e\0r\0", 8,
					    (const uint8_t *)"D\0o\0m\0a\0i\0n\0", 12, k),
			 0);
	assert_memory_equal(k, ntowfv2, 16);
	assert_int_equal(sw_cp_ntlm_v2_proof(k, schal, blob, sizeof(blob), proof, sbk), 0);
	assert_memory_equal(proof, proof_want, 16);
	assert_memory_equal(sbk, sbk_want, 16);
}

/* The SA keys sign and verify as crypto/sig.h expects, and differ per direction. */
static void
test_cp_ntlm_sa_keys(void **state)
{
	static const uint8_t buf[] = "<NTLM><0a1b2c3d><5><SIP Communications Service>";
	struct tc_opts o = {.user = "bob", .domain = "DOMAINB", .password = "Bob-Passw0rd"};
	struct sw_cp_ntlm_pending p;
	struct sw_cp_ntlm_sa sa;
	struct sw_sig_key c2s, s2c, cli;
	uint8_t msg[SW_NTLM_MSG_MAX], esk[16], tok[SW_SIG_TOKEN_MAX];
	int n;

	(void)state;
	clock_now = T0;
	assert_int_equal(sw_cp_ntlm_challenge(acc, &p), 0);
	n = tc_authenticate(p.msg, p.len, &o, msg, sizeof(msg), esk);
	assert_int_equal(sw_cp_ntlm_authenticate(acc, &p, msg, (size_t)n, &sa), SW_CP_NTLM_OK);
	assert_int_equal(sw_cp_ntlm_sa_sig_keys(&sa, &c2s, &s2c), 0);
	/* The client's own C2S key, from its ExportedSessionKey. */
	assert_int_equal(sw_sig_key_init_ntlm(&cli, esk, SW_DIR_C2S), 0);
	n = sw_sig_sign(&cli, buf, sizeof(buf) - 1, 0, tok, sizeof(tok));
	assert_int_equal(n, 16);
	assert_int_equal(sw_sig_verify(&c2s, buf, sizeof(buf) - 1, tok, 16), 0);
	assert_int_not_equal(sw_sig_verify(&s2c, buf, sizeof(buf) - 1, tok, 16), 0);
	sw_sig_key_wipe(&c2s);
	sw_sig_key_wipe(&s2c);
	sw_sig_key_wipe(&cli);
	sw_cp_ntlm_sa_wipe(&sa);
	assert_int_equal(sw_cp_ntlm_sa_sig_keys(NULL, &c2s, &s2c), -EINVAL);
}

/* Counters add up, and every failure logged one line. */
static void
test_cp_ntlm_counters(void **state)
{
	uint64_t st[SW_CP_NTLM_RC_MAX], total = 0;

	(void)state;
	sw_cp_ntlm_stats(acc, st);
	for (unsigned int i = 0; i < SW_CP_NTLM_RC_MAX; i++)
		total += st[i];
	assert_true(st[SW_CP_NTLM_OK] > 0);
	assert_true(st[SW_CP_NTLM_BAD_MESSAGE] > 0);
	assert_true(st[SW_CP_NTLM_BAD_PASSWORD] > 0);
	assert_true(total > st[SW_CP_NTLM_OK]);
	assert_true(log_lines >= total - st[SW_CP_NTLM_OK]);
	assert_string_equal(sw_cp_ntlm_rc_name(SW_CP_NTLM_STALE), "stale");
	assert_string_equal(sw_cp_ntlm_rc_name(SW_CP_NTLM_RC_MAX), "?");
}

static void
test_cp_ntlm_create_rejects(void **state)
{
	struct sw_cp_ntlm_cfg cfg = {.nb_domain = "DOMAINB", .nb_computer = "PROXY"};
	struct sw_cp_ntlm *a = (struct sw_cp_ntlm *)1;

	(void)state;
	assert_int_equal(sw_cp_ntlm_create(&cfg, NULL, &a), -EINVAL);
	assert_null(a);
	cfg.nb_domain = "";
	assert_int_equal(sw_cp_ntlm_create(&cfg, users, &a), -EINVAL);
	cfg.nb_domain = "A-NETBIOS-NAME-TOO-LONG";
	assert_int_equal(sw_cp_ntlm_create(&cfg, users, &a), -EINVAL);
	cfg.nb_domain = "DOMAINB";
	assert_int_equal(sw_cp_ntlm_create(&cfg, users, &a), 0);
	sw_cp_ntlm_free(a);
	sw_cp_ntlm_free(NULL);
}

static int
setup(void **state)
{
	struct sw_cp_ntlm_cfg cfg = {
		.nb_domain = "DOMAINB",
		.nb_computer = "PROXY",
		.dns_domain = "domainb.test",
		.dns_computer = "proxy.domainb.test",
		.clock = test_clock,
		.log = test_log,
	};
	uint8_t h[16];

	(void)state;
	if (sw_ntlm_users_create(&users) != 0)
		return -1;
	tc_nt_hash("Bob-Passw0rd", h);
	sw_ntlm_users_add(users, "DOMAINB", "bob", h, false);
	tc_nt_hash("Ann-Passw0rd", h);
	sw_ntlm_users_add(users, "DOMAINA", "ann", h, false);
	tc_nt_hash("Wild-pw", h);
	sw_ntlm_users_add(users, "", "wild", h, false);
	tc_nt_hash("Hashy-pw", h);
	sw_ntlm_users_add(users, "DOMAINB", "hashy", h, false);
	tc_nt_hash("Dis-pw", h);
	sw_ntlm_users_add(users, "DOMAINB", "dis", h, true);
	if (sw_cp_ntlm_create(&cfg, users, &acc) != 0)
		return -1;
	cfg.require_mic = true;
	if (sw_cp_ntlm_create(&cfg, users, &acc_mic) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sw_cp_ntlm_free(acc);
	sw_cp_ntlm_free(acc_mic);
	sw_ntlm_users_free(users);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cp_ntlm_ms_nlmp_vectors),
		cmocka_unit_test(test_cp_ntlm_challenge_format),
		cmocka_unit_test(test_cp_ntlm_authenticate_table),
		cmocka_unit_test(test_cp_ntlm_truncated),
		cmocka_unit_test(test_cp_ntlm_sa_keys),
		cmocka_unit_test(test_cp_ntlm_counters),
		cmocka_unit_test(test_cp_ntlm_create_rejects),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
