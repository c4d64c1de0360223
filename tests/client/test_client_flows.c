/*
 * End-to-end flows of libswclient over UDP loopback (suite 'xcheck').
 *
 * A throwaway realm (tests/realm) and, per row, an in-process proxy chain
 * (proxy_sim.c) with real acceptors: the control plane's Kerberos and NTLM
 * acceptors or raw MIT GSS-API.  Each row runs a sequence of client
 * operations and checks the outcome of the last, the SA states, the client's
 * and the proxy's counters: pre-auth and challenged flows, NTLM's two rounds,
 * FIG. 5's two proxies, versions 2/3/4, both 401 and 407, mutual
 * authentication, and the rejections (a flipped bit in the proxy's signature,
 * a missing signature, a fresh SA challenged again -> back-off, an SA in use
 * challenged -> dropped and re-acquired, a missing AP-REP).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_priv.h"
#include "tests/client/proxy_sim.h"
#include "tests/realm/realm.h"

#define KRB_T	"sip/proxy.domainb.test"
#define NTLM_T	"proxy.domainb.test"
#define NTLM_T2 "proxy2.domainb.test"

#define K (1u << SW_SCHEME_KERBEROS)
#define N (1u << SW_SCHEME_NTLM)

enum who { BOB = 0, ANN };
enum cred { PW = 0, KEYTAB };

/*
 * ops: one character per step, run in order; every step but the last must
 * succeed, the last must return want_rc.
 *   R register  U unregister  O options  M message  I invite
 *   F the proxy forgets its SAs   X proxy 0 flips a bit of rspauth from now on
 *   S proxy 0 stops signing       D proxy 1 flips a bit
 */
struct flow_row {
	const char *name;
	struct ps_cfg ps;
	unsigned int mechs;
	enum who who;
	enum cred cred;
	bool preauth, mutual, gss_mic, no_mic, no_version;
	unsigned int version; /* client cap / pre-auth version, 0: none */
	uint16_t family;      /* pre-auth family */
	const char *pre_target;
	uint32_t backoff_ms, timeout_ms;
	const char *ops;
	int want_rc;
	/* Expectations after the last step (0xff: don't check). */
	enum sw_sa_state want_state0;
	unsigned int want_backoffs;
	unsigned int min_elapsed_ms;
	bool want_dropped;
	bool want_mutual;
	bool want_retrans;	     /* retransmissions happened and were answered from the cache */
	unsigned int want_proxy_bad; /* requests the proxy refused */
};

#define PX(m, t, v, f)                                                                             \
	{                                                                                          \
		.mech = (m), .targetname = (t), .version = (v), .family = (f)                      \
	}
#define ANY 0xff

static const struct flow_row rows[] = {
	{"krb 407 v3 challenged register",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .ops = "R",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb 401 v2 challenged register + options",
	 {1, {PX(PS_KRB_CP, KRB_T, 2, 401)}},
	 K,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb 407 v4 preauth register, refresh, message, unregister",
	 {1, {PX(PS_KRB_CP, KRB_T, 4, 407)}},
	 K,
	 .preauth = true,
	 .version = 4,
	 .family = 407,
	 .pre_target = KRB_T,
	 .ops = "RRMU",
	 .want_state0 = SW_SA_NONE},
	{"krb 401 v3 preauth register",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 401)}},
	 K,
	 .preauth = true,
	 .version = 3,
	 .family = 401,
	 .pre_target = KRB_T,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb FIG. 7/8: invite challenged, REGISTER, signed invite",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .ops = "I",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb mutual v3 (AP-REP verified)",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .mutual = true,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_mutual = true},
	{"krb mutual v4 preauth (unsigned handshake leg)",
	 {1, {PX(PS_KRB_CP, KRB_T, 4, 407)}},
	 K,
	 .mutual = true,
	 .preauth = true,
	 .version = 4,
	 .family = 407,
	 .pre_target = KRB_T,
	 .ops = "RIU",
	 .want_state0 = SW_SA_NONE,
	 .want_mutual = true},
	{"krb cross-realm ann@DOMAINA -> sip/proxy.domainb.test",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .who = ANN,
	 .ops = "RM",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb keytab credentials",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .cred = KEYTAB,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb MIT acceptor (gss_verify_mic / gss_get_mic) v3",
	 {1, {PX(PS_KRB_MIT, KRB_T, 3, 407)}},
	 K,
	 .ops = "ROMI",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb MIT acceptor v4 401",
	 {1, {PX(PS_KRB_MIT, KRB_T, 4, 401)}},
	 K,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"krb MIT acceptor mutual",
	 {1, {PX(PS_KRB_MIT, KRB_T, 3, 407)}},
	 K,
	 .mutual = true,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_mutual = true},
	{"krb client signs with gss_get_mic, control plane verifies with crypto/sig",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .gss_mic = true,
	 .ops = "ROO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"ntlm 407 v3 two rounds",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 3, 407)}},
	 N,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"ntlm 401 v2 invite",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 2, 401)}},
	 N,
	 .ops = "I",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"ntlm v4 preauth register, message, unregister",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 4, 407)}},
	 N,
	 .preauth = true,
	 .version = 4,
	 .family = 407,
	 .pre_target = NTLM_T,
	 .ops = "RMU",
	 .want_state0 = SW_SA_NONE},
	{"ntlm without MIC (pidgin-sipe flags)",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 3, 407)}},
	 N,
	 .no_mic = true,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"ntlm ann@DOMAINA",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 3, 401)}},
	 N,
	 .who = ANN,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"FIG. 5: Kerberos proxy + NTLM proxy, invite",
	 {2, {PX(PS_KRB_CP, KRB_T, 3, 407), PX(PS_NTLM_CP, NTLM_T2, 3, 407)}},
	 K | N,
	 .ops = "IO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"FIG. 5: two NTLM proxies (401 + 407), register, options, unregister",
	 {2, {PX(PS_NTLM_CP, NTLM_T, 4, 401), PX(PS_NTLM_CP, NTLM_T2, 2, 407)}},
	 N,
	 .ops = "ROU",
	 .want_state0 = SW_SA_NONE},
	{"reject: proxy signature with one flipped bit",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .timeout_ms = 2000,
	 .ops = "RXO",
	 .want_rc = -EBADMSG,
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_dropped = true},
	{"reject: NTLM proxy signature with one flipped bit",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 3, 401)}},
	 N,
	 .timeout_ms = 2000,
	 .ops = "RXM",
	 .want_rc = -EBADMSG,
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_dropped = true},
	{"reject: missing server signature",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 3, 407)}},
	 N,
	 .timeout_ms = 2000,
	 .ops = "RSO",
	 .want_rc = -EBADMSG,
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_dropped = true},
	{"reject: second proxy's signature flipped (FIG. 5)",
	 {2, {PX(PS_KRB_CP, KRB_T, 3, 407), PX(PS_NTLM_CP, NTLM_T2, 3, 407)}},
	 K | N,
	 .timeout_ms = 2000,
	 .ops = "RDO",
	 .want_rc = -EBADMSG,
	 .want_dropped = true,
	 .want_state0 = SW_SA_ESTABLISHED},
	{"reject: fresh SA challenged again -> back-off, then recovers",
	 {1,
	  {{.mech = PS_KRB_CP,
	    .targetname = KRB_T,
	    .version = 3,
	    .family = 407,
	    .rechallenge_fresh = 1}}},
	 K,
	 .backoff_ms = 400,
	 .ops = "RO",
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_backoffs = 1,
	 .min_elapsed_ms = 400},
	{"reject: fresh SA challenged again, back-off longer than the timeout",
	 {1,
	  {{.mech = PS_NTLM_CP,
	    .targetname = NTLM_T,
	    .version = 3,
	    .family = 407,
	    .rechallenge_fresh = 1}}},
	 N,
	 .timeout_ms = 3000,
	 .ops = "RO",
	 .want_rc = -EACCES,
	 .want_state0 = SW_SA_BACKOFF,
	 .want_backoffs = 1},
	{"reject: handshake answered with another challenge -> back-off",
	 {1,
	  {{.mech = PS_KRB_CP,
	    .targetname = KRB_T,
	    .version = 3,
	    .family = 407,
	    .reject_handshake = true}}},
	 K,
	 .timeout_ms = 3000,
	 .ops = "R",
	 .want_rc = -EACCES,
	 .want_state0 = SW_SA_BACKOFF,
	 .want_backoffs = 1},
	{"UDP loss: every first answer lost, Timer E/A retransmits (Kerberos AP-REQ too)",
	 {1,
	  {{.mech = PS_KRB_CP,
	    .targetname = KRB_T,
	    .version = 3,
	    .family = 407,
	    .lose_first_answer = true}}},
	 K,
	 .ops = "ROI",
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_retrans = true},
	{"UDP loss: NTLM two rounds, v4",
	 {1,
	  {{.mech = PS_NTLM_CP,
	    .targetname = NTLM_T,
	    .version = 4,
	    .family = 401,
	    .lose_first_answer = true}}},
	 N,
	 .ops = "RM",
	 .want_state0 = SW_SA_ESTABLISHED,
	 .want_retrans = true},
	{"pidgin-sipe style: signed requests without version=, lenient proxy",
	 {1,
	  {{.mech = PS_NTLM_CP,
	    .targetname = NTLM_T,
	    .version = 3,
	    .family = 407,
	    .lenient_version = true}}},
	 N,
	 .no_mic = true,
	 .no_version = true,
	 .ops = "ROM",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"pidgin-sipe style against the engine's rule (absent version = 2): refused",
	 {1, {PX(PS_NTLM_CP, NTLM_T, 3, 407)}},
	 N,
	 .no_version = true,
	 .timeout_ms = 3000,
	 .ops = "RO",
	 .want_rc = -EACCES,
	 .want_state0 = SW_SA_BACKOFF,
	 .want_backoffs = 1,
	 .want_proxy_bad = 1},
	{"SA in use challenged -> dropped and re-acquired",
	 {1, {PX(PS_KRB_CP, KRB_T, 3, 407)}},
	 K,
	 .ops = "ROFO",
	 .want_state0 = SW_SA_ESTABLISHED},
	{"reject: mutual requested, proxy sends no AP-REP",
	 {1,
	  {{.mech = PS_KRB_CP,
	    .targetname = KRB_T,
	    .version = 3,
	    .family = 407,
	    .no_aprep = true}}},
	 K,
	 .mutual = true,
	 .ops = "R",
	 .want_rc = -EACCES,
	 .want_state0 = ANY},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static struct sw_test_realm realm;

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	if (getenv("SW_TEST_VERBOSE") != NULL)
		fprintf(stderr, "      | %s\n", line);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL)
		fail_msg("realm env %s missing", name);
	return v;
}

static int
run_op(struct ps *ps, struct sw_client *c, char op)
{
	switch (op) {
	case 'R':
		return sw_client_register(c);
	case 'U':
		return sw_client_unregister(c);
	case 'O':
		return sw_client_request(c, "OPTIONS", "carol@domainb.test", NULL);
	case 'M':
		return sw_client_request(c, "MESSAGE", "carol@domainb.test", "hi");
	case 'I':
		return sw_client_request(c, "INVITE", "carol@domainb.test", NULL);
	case 'F':
		ps_forget(ps);
		return 0;
	case 'X':
		ps_set_flip(ps, 0, true);
		return 0;
	case 'D':
		ps_set_flip(ps, 1, true);
		return 0;
	case 'S':
		ps_set_omit(ps, 0, true);
		return 0;
	}
	return -EINVAL;
}

static void
test_flow(void **state)
{
	const struct flow_row *row = *state;
	struct sw_cl_config cfg;
	struct sw_cl_sa_info sas[SW_CL_SA_MAX];
	struct sw_cl_stats st;
	struct ps_stats pst;
	struct sw_client *c = NULL;
	struct ps *ps = NULL;
	uint64_t t0, elapsed;
	unsigned int n, i;
	int rc = 0;

	rc = ps_start(&row->ps, &ps);
	if (rc != 0)
		fail_msg("%s: proxy_sim: %d", row->name, rc);
	memset(&cfg, 0, sizeof(cfg));
	cfg.proxy_host = "127.0.0.1";
	cfg.proxy_port = ps_port(ps);
	cfg.local = "127.0.0.1:0";
	cfg.user = env(row->who == ANN ? "SW_XUSER_PRINC" : "SW_USER_PRINC");
	cfg.password = env(row->who == ANN ? "SW_XUSER_PASSWORD" : "SW_USER_PASSWORD");
	cfg.mechs = row->mechs;
	if (row->cred == KEYTAB) {
		cfg.krb_src = SW_CL_KRB_KEYTAB;
		cfg.krb_keytab = env("SW_USER_KEYTAB");
	} else {
		cfg.krb_src = SW_CL_KRB_PASSWORD;
	}
	cfg.preauth = row->preauth;
	cfg.mutual = row->mutual;
	cfg.use_gss_mic = row->gss_mic;
	cfg.ntlm_no_mic = row->no_mic;
	cfg.sign_no_version = row->no_version;
	cfg.version = row->version;
	cfg.family = row->family;
	cfg.targetname = row->pre_target;
	cfg.t1_ms = 100;
	cfg.t2_ms = 400;
	cfg.timeout_ms = row->timeout_ms != 0 ? row->timeout_ms : 10000;
	cfg.backoff_ms = row->backoff_ms;
	cfg.log = log_line;
	cfg.log_messages =
		getenv("SW_TEST_VERBOSE") != NULL && strcmp(getenv("SW_TEST_VERBOSE"), "2") == 0;
	rc = sw_client_create(&cfg, &c);
	if (rc != 0)
		fail_msg("%s: sw_client_create: %d", row->name, rc);

	t0 = mono_ms();
	for (i = 0; row->ops[i] != '\0'; i++) {
		rc = run_op(ps, c, row->ops[i]);
		if (row->ops[i + 1] != '\0' && rc != 0)
			fail_msg("%s: step %u (%c) failed: %d (%s)", row->name, i, row->ops[i], rc,
				 sw_client_error(c));
	}
	elapsed = mono_ms() - t0;
	if (rc != row->want_rc)
		fail_msg("%s: last step returned %d (%s), want %d", row->name, rc,
			 sw_client_error(c), row->want_rc);

	n = sw_client_sas(c, sas, SW_CL_SA_MAX);
	sw_client_stats(c, &st);
	ps_stats_get(ps, &pst);
	print_message("    %-70s %4llu ms, SAs %u, legs %u, signed %u, verified %u, dropped %u, "
		      "backoffs %u | proxy: verified %u, bad %u\n",
		      row->name, (unsigned long long)elapsed, n, st.handshakes, st.signed_requests,
		      st.verified_responses, st.dropped_responses, st.backoffs, pst.verified,
		      pst.bad_sig);
	assert_int_equal(n, row->ps.n_proxy);
	if (row->want_state0 != ANY && sas[0].state != row->want_state0)
		fail_msg("%s: SA 0 is %s, want %s", row->name, sw_sa_state_name(sas[0].state),
			 sw_sa_state_name(row->want_state0));
	if (row->want_state0 == SW_SA_ESTABLISHED && row->want_rc == 0)
		for (i = 0; i < n; i++)
			assert_int_equal(sas[i].state, SW_SA_ESTABLISHED);
	assert_int_equal(st.backoffs, row->want_backoffs);
	assert_true(elapsed >= row->min_elapsed_ms);
	/* The proxy never saw a bad client signature (unless the row is about that). */
	assert_int_equal(pst.bad_sig, row->want_proxy_bad);
	if (row->want_rc == 0) {
		assert_true(st.verified_responses > 0);
		assert_int_equal(st.dropped_responses, 0);
	}
	if (row->want_dropped)
		assert_true(st.dropped_responses > 0);
	if (row->want_mutual)
		assert_true(sas[0].mutual_verified);
	if (row->want_retrans) {
		assert_true(st.retransmissions > 0);
		assert_true(pst.retrans_answered > 0);
		assert_true(pst.lost > 0);
	}
	for (i = 0; i < n; i++) {
		if (row->ps.proxy[i].version != 0 && row->want_rc == 0 &&
		    sas[i].state == SW_SA_ESTABLISHED) {
			unsigned int v = row->ps.proxy[i].version;

			if (row->version != 0 && row->version < v)
				v = row->version;
			assert_int_equal(sas[i].version, v);
			assert_int_equal(sas[i].family, row->ps.proxy[i].family);
		}
	}
	sw_client_free(c);
	ps_stop(ps);
}

/* Flows through the sipward-client binary itself: exit status and --json. */
static void
test_cli(void **state)
{
	struct ps_cfg pc = {1, {PX(PS_NTLM_CP, NTLM_T, 3, 407)}};
	struct ps *ps = NULL;
	char cmd[2048], pwfile[512], out[512];
	const char *cli = getenv("SW_CLIENT_BIN");
	FILE *f;
	int rc;

	(void)state;
	if (cli == NULL)
		skip();
	assert_int_equal(ps_start(&pc, &ps), 0);
	assert_non_null(sw_test_realm_path(&realm, "bob.pw", pwfile, sizeof(pwfile)));
	f = fopen(pwfile, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", env("SW_USER_PASSWORD"));
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "%s --proxy 127.0.0.1:%u --user %s --mech ntlm --password-file %s --json "
		 "--timeout 5 invite carol@domainb.test",
		 cli, ps_port(ps), env("SW_USER_PRINC"), pwfile);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(out, sizeof(out), f));
	while (fgetc(f) != EOF)
		;
	rc = pclose(f);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"ok\": true"));
	assert_non_null(strstr(out, "\"authenticated\": true"));
	/* listen: --count 1..10000; at the maximum it registers, waits out --timeout with
	 * nothing relayed to it and ends well; 0 and one past are usage errors. */
	{
		static const struct {
			const char *bounds;
			int status;
		} lrows[] = {
			{"--count 10000 --timeout 0.3", 0},
			{"--count 0", 2},
			{"--count 10001", 2},
			{"--count 1 --timeout 0", 2},
		};
		char all[8192];
		size_t k, n;

		for (k = 0; k < sizeof(lrows) / sizeof(lrows[0]); k++) {
			snprintf(cmd, sizeof(cmd),
				 "%s --proxy 127.0.0.1:%u --user %s --mech ntlm --password-file %s "
				 "--json --timeout 5 listen %s 2>/dev/null",
				 cli, ps_port(ps), env("SW_USER_PRINC"), pwfile, lrows[k].bounds);
			f = popen(cmd, "r");
			assert_non_null(f);
			n = fread(all, 1, sizeof(all) - 1, f);
			all[n] = '\0';
			rc = pclose(f);
			assert_true(WIFEXITED(rc));
			if (WEXITSTATUS(rc) != lrows[k].status)
				fail_msg("listen %s: exit %d, want %d", lrows[k].bounds,
					 WEXITSTATUS(rc), lrows[k].status);
			if (lrows[k].status == 0) {
				assert_non_null(strstr(all, "\"authenticated\": true"));
				assert_non_null(strstr(all, "\"received_total\": 0"));
				assert_non_null(strstr(all, "\"incoming\": 0"));
			}
		}
	}
	/* A wrong password: exit status 1. */
	f = fopen(pwfile, "w");
	fprintf(f, "wrong\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "%s --proxy 127.0.0.1:%u --user %s --mech ntlm --password-file %s --json "
		 "--timeout 2 register >/dev/null 2>&1",
		 cli, ps_port(ps), env("SW_USER_PRINC"), pwfile);
	rc = system(cmd);
	assert_true(WIFEXITED(rc));
	assert_int_equal(WEXITSTATUS(rc), 1);
	ps_stop(ps);
}

/* Run a CLI command line; @return its exit status; the first stdout line in @p out. */
static int
cli_run(const char *cmd, char *out, size_t cap)
{
	FILE *f = popen(cmd, "r");
	int rc;

	assert_non_null(f);
	out[0] = '\0';
	if (fgets(out, (int)cap, f) == NULL)
		out[0] = '\0';
	while (fgetc(f) != EOF)
		;
	rc = pclose(f);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The CLI's Kerberos credential sources and options, and presign. */
static void
test_cli_kerberos(void **state)
{
	struct ps_cfg pc = {1, {PX(PS_KRB_CP, KRB_T, 4, 407)}};
	struct ps *ps = NULL;
	char cmd[4096], out[4096], cc[512], kt[512], csv[512], saf[512], base[1024];
	const char *cli = getenv("SW_CLIENT_BIN");
	struct stat st;

	(void)state;
	if (cli == NULL)
		skip();
	assert_int_equal(ps_start(&pc, &ps), 0);
	assert_non_null(sw_test_realm_path(&realm, "cli.ccache", cc, sizeof(cc)));
	snprintf(kt, sizeof(kt), "%s", env("SW_USER_KEYTAB"));
	snprintf(base, sizeof(base), "%s --proxy 127.0.0.1:%u --user %s --timeout 5 --json", cli,
		 ps_port(ps), env("SW_USER_PRINC"));
	/* A FILE ccache filled by kinit from the user's keytab. */
	snprintf(cmd, sizeof(cmd), "kinit -k -t %s -c FILE:%s %s >/dev/null 2>&1", kt, cc,
		 env("SW_USER_PRINC"));
	assert_int_equal(system(cmd), 0);

	/* --ccache, pre-auth, mutual, version 4. */
	snprintf(cmd, sizeof(cmd),
		 "%s --ccache FILE:%s --mech kerberos --preauth --mutual "
		 "--version 4 --targetname %s register 2>/dev/null",
		 base, cc, KRB_T);
	assert_int_equal(cli_run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"ok\": true"));
	/* The default ccache (KRB5CCNAME), challenged OPTIONS (FIG. 7/8). */
	snprintf(cmd, sizeof(cmd), "KRB5CCNAME=FILE:%s %s options carol@domainb.test 2>/dev/null",
		 cc, base);
	assert_int_equal(cli_run(cmd, out, sizeof(out)), 0);
	/* A client keytab, MESSAGE with text, and the -v transcript on stderr. */
	snprintf(cmd, sizeof(cmd),
		 "%s --keytab %s -v message carol@domainb.test hello 2>&1 "
		 ">/dev/null | grep -c -e 'ACQUIRING_SA --confirmed--> ESTABLISHED' -e "
		 "'server signature of sip/proxy.domainb.test verified'",
		 base, kt);
	assert_int_equal(cli_run(cmd, out, sizeof(out)), 0);
	assert_true(atoi(out) >= 2);
	/* Usage errors exit 2. */
	snprintf(cmd, sizeof(cmd), "%s --version 7 register >/dev/null 2>&1", base);
	assert_int_equal(cli_run(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), "%s frobnicate >/dev/null 2>&1", base);
	assert_int_equal(cli_run(cmd, out, sizeof(out)), 2);

	/* presign through the CLI: SA file 0600, reusable. */
	assert_non_null(sw_test_realm_path(&realm, "cli-presign.csv", csv, sizeof(csv)));
	assert_non_null(sw_test_realm_path(&realm, "cli-sas.json", saf, sizeof(saf)));
	snprintf(cmd, sizeof(cmd),
		 "%s --keytab %s presign --count 2 --per-sa 3 --out %s "
		 "--sa-file %s 2>/dev/null",
		 base, kt, csv, saf);
	assert_int_equal(cli_run(cmd, out, sizeof(out)), 0);
	assert_int_equal(stat(saf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(cmd, sizeof(cmd), "%s.xml", csv);
	assert_int_equal(stat(cmd, &st), 0);
	snprintf(cmd, sizeof(cmd),
		 "%s --keytab %s presign --per-sa 2 --out %s --sa-file %s "
		 "2>/dev/null && wc -l < %s",
		 base, kt, csv, saf, csv);
	assert_int_equal(cli_run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"ok\": true"));
	ps_stop(ps);
}

/* Read a whole file (test helper).  Caller frees. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Replace every occurrence of @p key in @p s (in place, s has room). */
static void
subst(char *s, size_t cap, const char *key, const char *val)
{
	char *p;
	size_t kl = strlen(key), vl = strlen(val);

	while ((p = strstr(s, key)) != NULL) {
		size_t rest = strlen(p + kl);

		assert_true(strlen(s) - kl + vl < cap);
		memmove(p + vl, p + kl, rest + 1);
		memcpy(p, val, vl);
	}
}

/*
 * Send one CSV line the way SIPp does with the scenario: the CDATA message,
 * indentation stripped, keywords replaced, lines joined with CRLF.
 * @return the response status, or -1.
 */
static int
sipp_like_send(const char *tmpl, char **fields, unsigned int nf, uint16_t port)
{
	char msg[8192], out[8192], key[16], rx[8192];
	struct sockaddr_in to = {.sin_family = AF_INET};
	struct pollfd pfd;
	const char *b = strstr(tmpl, "<![CDATA["), *e = strstr(tmpl, "]]>");
	size_t o = 0;
	unsigned int i;
	int fd, status = -1;
	ssize_t n;

	assert_non_null(b);
	assert_non_null(e);
	b += 9;
	snprintf(msg, sizeof(msg), "%.*s", (int)(e - b), b);
	for (i = 0; i < nf; i++) {
		snprintf(key, sizeof(key), "[field%u]", i);
		subst(msg, sizeof(msg), key, fields[i]);
	}
	subst(msg, sizeof(msg), "[transport]", "UDP");
	subst(msg, sizeof(msg), "[local_ip]", "127.0.0.1");
	subst(msg, sizeof(msg), "[local_port]", "5999");
	subst(msg, sizeof(msg), "[branch]", "z9hG4bK-sipp-1");
	/* Lines: strip indentation, skip the leading empty ones, CRLF; keep the empty line. */
	{
		char *line = msg, *nl;
		bool started = false;

		while (line != NULL && *line != '\0') {
			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			while (*line == ' ' || *line == '\t')
				line++;
			if (*line != '\0' || started) {
				started = true;
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\r\n", line);
			}
			line = nl != NULL ? nl + 1 : NULL;
		}
		/* End with exactly one empty line. */
		while (o >= 4 && memcmp(out + o - 4, "\r\n\r\n", 4) == 0)
			o -= 2;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "\r\n");
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sendto(fd, out, o, 0, (struct sockaddr *)&to, sizeof(to));
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 2000) == 1) {
		n = recv(fd, rx, sizeof(rx) - 1, 0);
		if (n > 12) {
			rx[n] = '\0';
			status = atoi(rx + 8);
		}
	}
	close(fd);
	return status;
}

/* presign: N real SAs, N x M signed requests, the SA file, reuse, SIPp. */
static void
test_presign(void **state)
{
	static const struct {
		const char *name;
		struct ps_cfg ps;
		unsigned int mechs;
		const char *method;
	} prow[] = {
		{"NTLM OPTIONS 407", {1, {PX(PS_NTLM_CP, NTLM_T, 3, 407)}}, N, "OPTIONS"},
		{"Kerberos REGISTER 401 v4", {1, {PX(PS_KRB_CP, KRB_T, 4, 401)}}, K, "REGISTER"},
		{"Kerberos MESSAGE v2", {1, {PX(PS_KRB_CP, KRB_T, 2, 407)}}, K, "MESSAGE"},
	};
	size_t r;

	(void)state;
	for (r = 0; r < sizeof(prow) / sizeof(prow[0]); r++) {
		struct sw_cl_config cfg;
		struct sw_cl_presign_cfg pc;
		struct sw_client *c = NULL;
		struct ps *ps = NULL;
		struct ps_stats before, after;
		struct stat st;
		char csv[512], xml[512], saf[512], cmd[2048];
		char *text, *tmpl, *line, *save = NULL;
		unsigned int lines = 0, pass, ok = 0;
		uint64_t max_cnum_first = 0;

		assert_int_equal(ps_start(&prow[r].ps, &ps), 0);
		memset(&cfg, 0, sizeof(cfg));
		cfg.proxy_host = "127.0.0.1";
		cfg.proxy_port = ps_port(ps);
		cfg.user = env("SW_USER_PRINC");
		cfg.password = env("SW_USER_PASSWORD");
		cfg.krb_src = SW_CL_KRB_PASSWORD;
		cfg.mechs = prow[r].mechs;
		cfg.timeout_ms = 10000;
		cfg.log = log_line;
		assert_int_equal(sw_client_create(&cfg, &c), 0);
		snprintf(csv, sizeof(csv), "%s/presign-%zu.csv", realm.dir, r);
		snprintf(xml, sizeof(xml), "%s/presign-%zu.xml", realm.dir, r);
		snprintf(saf, sizeof(saf), "%s/presign-%zu.json", realm.dir, r);
		for (pass = 0; pass < 2; pass++) {
			/* Pass 0 establishes 3 SAs and saves them; pass 1 reuses the file. */
			memset(&pc, 0, sizeof(pc));
			pc.csv_path = csv;
			pc.xml_path = xml;
			pc.sa_file = saf;
			pc.count = 3;
			pc.per_sa = 2;
			pc.method = prow[r].method;
			pc.to = "sip:carol@domainb.test";
			if (sw_client_presign(c, &pc) != 0)
				fail_msg("%s: presign: %s", prow[r].name, sw_client_error(c));
			assert_int_equal(stat(saf, &st), 0);
			assert_int_equal(st.st_mode & 0777, 0600);
			text = slurp(csv);
			tmpl = slurp(xml);
			assert_non_null(text);
			assert_non_null(tmpl);
			ps_stats_get(ps, &before);
			lines = 0;
			for (line = strtok_r(text, "\n", &save); line != NULL;
			     line = strtok_r(NULL, "\n", &save)) {
				char *f[16], *q = line, *cn;
				unsigned int nf = 0;
				uint64_t cnum;

				if (lines++ == 0) {
					assert_string_equal(line, "SEQUENTIAL");
					continue;
				}
				while (nf < 16 && (f[nf] = strsep(&q, ";")) != NULL)
					nf++;
				assert_int_equal(nf, 9);
				cn = strstr(f[8], "cnum=\"");
				assert_non_null(cn);
				cnum = strtoull(cn + 6, NULL, 10);
				if (pass == 0 && cnum > max_cnum_first)
					max_cnum_first = cnum;
				if (pass == 1)
					assert_true(cnum >
						    max_cnum_first); /* continues, no replay */
				if (sipp_like_send(tmpl, f, nf, ps_port(ps)) == 200)
					ok++;
			}
			assert_int_equal(lines, 1 + 3 * 2);
			ps_stats_get(ps, &after);
			assert_int_equal(after.bad_sig, 0);
			assert_int_equal(after.verified - before.verified, 6);
			free(text);
			free(tmpl);
		}
		assert_int_equal(ok, 12);
		/* The real thing, when SIPp is installed: every call must succeed. */
		if (access("/usr/bin/sipp", X_OK) == 0) {
			int rc;

			memset(&pc, 0, sizeof(pc));
			pc.csv_path = csv;
			pc.xml_path = xml;
			pc.sa_file = saf;
			pc.per_sa = 3;
			pc.method = prow[r].method;
			pc.to = "sip:carol@domainb.test";
			assert_int_equal(sw_client_presign(c, &pc), 0);
			ps_stats_get(ps, &before);
			snprintf(cmd, sizeof(cmd),
				 "cd %s && /usr/bin/sipp 127.0.0.1:%u -sf %s -inf %s %s -r 100 "
				 "-i 127.0.0.1 -p 0 -timeout 20s -nostdin -trace_err "
				 "-error_file sipp-%zu.err >sipp-%zu.out 2>&1",
				 realm.dir, ps_port(ps), xml, csv, pc.sipp_args, r, r);
			rc = system(cmd);
			ps_stats_get(ps, &after);
			print_message("    presign %s: sipp exit %d, proxy verified %u, bad %u\n",
				      prow[r].name, WIFEXITED(rc) ? WEXITSTATUS(rc) : -1,
				      after.verified - before.verified, after.bad_sig);
			assert_int_equal(after.bad_sig, 0);
			assert_int_equal(after.verified - before.verified, 9);
			assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
		}
		sw_client_free(c);
		ps_stop(ps);
	}
}

static int
group_setup(void **state)
{
	(void)state;
	if (sw_test_realm_start(&realm) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sw_test_realm_stop(&realm);
	return 0;
}

int
main(void)
{
	struct CMUnitTest tests[NROWS + 3];
	size_t i;

	for (i = 0; i < NROWS; i++)
		tests[i] = (struct CMUnitTest){
			.name = rows[i].name,
			.test_func = test_flow,
			.initial_state = (void *)(uintptr_t)&rows[i],
		};
	tests[NROWS] = (struct CMUnitTest){.name = "sipward-client binary", .test_func = test_cli};
	tests[NROWS + 1] = (struct CMUnitTest){.name = "presign", .test_func = test_presign};
	tests[NROWS + 2] = (struct CMUnitTest){.name = "sipward-client binary, Kerberos",
					       .test_func = test_cli_kerberos};
	return _cmocka_run_group_tests("client_flows", tests, NROWS + 3, group_setup,
				       group_teardown);
}
