/*
 * dataplane/ratelimit.h, the per-source limit on answers to unauthenticated
 * senders (issue 7: sipwardd must not be a reflector), and its configuration
 * keys [limits] challenge_rate / challenge_burst; the same buckets limit
 * handshake legs per source ([limits] handshake_rate / handshake_burst), and
 * the control thread's bound on how long a message may wait in its ring
 * ([limits] cp_max_wait, sw_rl_too_old()); the control plane's per-source
 * share of pending handshakes ([limits] handshakes_per_source, enforced in
 * ctrlplane/cp.c and tested in tests/ctrlplane/test_cp.c).  Each limit at
 * the edge and one past.  Suite 'unit', no EAL.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctrlplane/config.h"
#include "dataplane/ratelimit.h"

static struct sw_rl rl;

static uint64_t
h_of(uint32_t ip)
{
	return sw_rl_hash(&rl, &ip, 4);
}

/* How many answers a source gets at @p now_ms, trying @p tries times. */
static unsigned int
take_n(uint64_t h, uint64_t now_ms, unsigned int tries)
{
	unsigned int n = 0;

	while (tries-- > 0)
		n += sw_rl_take(&rl, h, now_ms);
	return n;
}

struct bucket_case {
	const char *name;
	uint32_t rate, burst;
	uint64_t t0, t1; /* exhaust at t0, then try again at t1 */
	unsigned int first, second;
};

static const struct bucket_case bucket_cases[] = {
	{"burst then nothing", 100, 200, 1000, 1000, 200, 0},
	{"refill 10 ms at 100/s = 1", 100, 200, 1000, 1010, 200, 1},
	{"refill 1 s at 100/s = 100", 100, 200, 1000, 2000, 200, 100},
	{"refill caps at burst", 100, 200, 1000, 60000, 200, 200},
	{"rate 1 burst 1", 1, 1, 5, 999, 1, 0},
	{"rate 1 burst 1, 1 s later", 1, 1, 5, 1005, 1, 1},
	{"unlimited", 0, 1, 5, 5, 1000, 1000},
	{"clock going backwards adds nothing", 100, 10, 5000, 4000, 10, 0},
};

static void
test_ratelimit_bucket_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bucket_cases) / sizeof(bucket_cases[0]); i++) {
		const struct bucket_case *c = &bucket_cases[i];
		unsigned int a, b;

		sw_rl_init(&rl, c->rate, c->burst, 0x1234);
		a = take_n(h_of(0x0a010102), c->t0, 1000);
		b = take_n(h_of(0x0a010102), c->t1, 1000);
		if (a != c->first || b != c->second)
			fail_msg("%s: got %u then %u, want %u then %u", c->name, a, b, c->first,
				 c->second);
	}
}

/* Two sources in different slots do not affect each other. */
static void
test_ratelimit_sources_independent(void **state)
{
	uint32_t a = 0x0a010102, b;

	(void)state;
	sw_rl_init(&rl, 10, 5, 99);
	for (b = a + 1; (h_of(b) & (SW_RL_SLOTS - 1)) == (h_of(a) & (SW_RL_SLOTS - 1)); b++)
		;
	assert_int_equal(take_n(h_of(a), 100, 50), 5);
	assert_int_equal(take_n(h_of(b), 100, 50), 5);
	/* IPv6 and IPv4 keys of the same leading bytes differ. */
	{
		uint8_t v6[16] = {0x0a, 0x01, 0x01, 0x02};

		assert_true(sw_rl_hash(&rl, v6, 16) != sw_rl_hash(&rl, v6, 4));
	}
}

/*
 * Collisions only make the limit stricter: a second source in an active
 * source's slot pays into that bucket; it takes the slot over only once the
 * occupant's bucket would be full again.  A flood of (spoofed) sources
 * therefore never resets a victim's bucket.
 */
static void
test_ratelimit_collisions_never_reset(void **state)
{
	uint64_t victim, other;
	uint32_t ip;
	unsigned int i;

	(void)state;
	sw_rl_init(&rl, 100, 20, 7);
	victim = h_of(0xc0000201);
	/* A different source (tag) in the same slot. */
	other = (victim & (SW_RL_SLOTS - 1)) | (~victim & ~(uint64_t)(SW_RL_SLOTS - 1));
	assert_int_equal(take_n(victim, 1000, 100), 20);
	assert_int_equal(take_n(other, 1000, 100), 0); /* shares the empty bucket */
	assert_int_equal(take_n(victim, 1000, 1), 0);
	/* 100 ms later: 10 tokens, shared. */
	assert_int_equal(take_n(other, 1100, 5) + take_n(victim, 1100, 100), 10);
	/* Idle long enough to be full again: the newcomer takes the slot. */
	assert_int_equal(take_n(other, 5000, 100), 20);

	/* 200000 spoofed sources at one instant: the victim gets nothing more. */
	sw_rl_init(&rl, 100, 20, 8);
	victim = h_of(0xc0000201);
	assert_int_equal(take_n(victim, 1000, 100), 20);
	for (ip = 1, i = 0; i < 200000; i++, ip += 2654435761u)
		(void)sw_rl_take(&rl, h_of(ip), 1000);
	assert_int_equal(take_n(victim, 1000, 100), 0);
}

/* Reflection budget: a source sending N requests/s gets at most
 * burst + rate * seconds answers, whatever N. */
static void
test_ratelimit_flood_budget(void **state)
{
	uint64_t h, t, answered = 0, sent = 0;

	(void)state;
	sw_rl_init(&rl, 100, 200, 3);
	h = h_of(0x0a010199);
	for (t = 0; t < 10000; t++) { /* 10 s at 1000 requests/s (one per ms) */
		answered += sw_rl_take(&rl, h, 50000 + t);
		sent++;
	}
	assert_true(answered <= 200 + 100 * 10);
	assert_true(answered >= 100 * 10);
	assert_true(sent == 10000);
}

/* The control thread's log limiter: 1000 bad legs in a second -> burst lines,
 * then one line that reports the rest. */
static void
test_ratelimit_log_lines(void **state)
{
	struct sw_logrl l = SW_LOGRL_INIT(20, 1000);
	uint64_t missed, total_missed = 0;
	unsigned int logged = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		logged += sw_logrl_allow(&l, 5000 + i / 2, &missed);
		total_missed += missed;
	}
	assert_int_equal(logged, 20);
	assert_int_equal(total_missed, 0);
	/* Next second: allowed, and told about the 980 suppressed. */
	assert_true(sw_logrl_allow(&l, 6000, &missed));
	assert_int_equal(missed, 980);
	assert_true(sw_logrl_allow(&l, 6001, &missed));
	assert_int_equal(missed, 0);
}

static char *
write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/sw_rl_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

#define BASE                                                                                       \
	"[interface.0]\naddress = 10.0.0.1/24\n[upstream]\naddress = 10.0.0.2\n"                   \
	"[auth]\ntargetname = a.b\nschemes = NTLM\n[ntlm]\nusers = /dev/null\n"

struct cfg_case {
	const char *name;
	const char *text;
	const char *err; /* NULL: valid */
	uint32_t rate, burst;
};

static const struct cfg_case cfg_cases[] = {
	{"defaults", BASE, NULL, 100, 200},
	{"rate only: burst follows", BASE "[limits]\nchallenge_rate = 1000\n", NULL, 1000, 2000},
	{"both", BASE "[limits]\nchallenge_rate = 5\nchallenge_burst = 10\n", NULL, 5, 10},
	{"off", BASE "[limits]\nchallenge_rate = 0\n", NULL, 0, 200},
	{"burst 0", BASE "[limits]\nchallenge_burst = 0\n", ":11: challenge_", 0, 0},
	{"rate too big", BASE "[limits]\nchallenge_rate = 2000000\n", ":11: challenge_", 0, 0},
	{"not a number", BASE "[limits]\nchallenge_rate = lots\n", ":11: challenge_", 0, 0},
};

/* Load @p text as a config file: with @p want_err, expect that error
 * (false); else expect it to load into *cfg (true). */
static bool
load_case(const char *name, const char *text, const char *want_err, struct sw_config *cfg)
{
	char err[SW_CFG_ERR_MAX] = "";
	const char *p = write_tmp(text);
	int ret = sw_config_load(p, cfg, err, sizeof(err));

	unlink(p);
	if (want_err != NULL) {
		if (ret == 0 || strstr(err, want_err) == NULL)
			fail_msg("%s: got %d '%s', want '%s'", name, ret, err, want_err);
		return false;
	}
	if (ret != 0)
		fail_msg("%s: %s", name, err);
	return true;
}

static void
test_ratelimit_config(void **state)
{
	struct sw_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(cfg_cases) / sizeof(cfg_cases[0]); i++) {
		const struct cfg_case *c = &cfg_cases[i];

		if (load_case(c->name, c->text, c->err, &cfg) &&
		    (cfg.challenge_rate != c->rate || cfg.challenge_burst != c->burst))
			fail_msg("%s: got %u/%u want %u/%u", c->name, cfg.challenge_rate,
				 cfg.challenge_burst, c->rate, c->burst);
	}
}

/* Handshake-leg limit and ring-wait bound: defaults, edges, one past. */
struct hs_cfg_case {
	const char *name;
	const char *text;
	const char *err; /* NULL: valid */
	uint32_t rate, burst, wait_ms;
};

static const struct hs_cfg_case hs_cfg_cases[] = {
	{"defaults", BASE, NULL, 50, 100, 1000},
	{"rate only: burst follows", BASE "[limits]\nhandshake_rate = 400\n", NULL, 400, 800, 1000},
	{"small rate: burst stays 100", BASE "[limits]\nhandshake_rate = 3\n", NULL, 3, 100, 1000},
	{"off", BASE "[limits]\nhandshake_rate = 0\n", NULL, 0, 100, 1000},
	{"rate at the maximum", BASE "[limits]\nhandshake_rate = 1000000\nhandshake_burst = 1\n",
	 NULL, 1000000, 1, 1000},
	{"rate one past", BASE "[limits]\nhandshake_rate = 1000001\n", ":11: handshake_rate", 0, 0,
	 0},
	{"burst at the maximum", BASE "[limits]\nhandshake_burst = 1000000\n", NULL, 50, 1000000,
	 1000},
	{"burst one past", BASE "[limits]\nhandshake_burst = 1000001\n", ":11: handshake_burst", 0,
	 0, 0},
	{"burst at the minimum", BASE "[limits]\nhandshake_burst = 1\n", NULL, 50, 1, 1000},
	{"burst one below", BASE "[limits]\nhandshake_burst = 0\n", ":11: handshake_burst", 0, 0,
	 0},
	{"wait at the minimum", BASE "[limits]\ncp_max_wait = 1ms\n", NULL, 50, 100, 1},
	{"wait one below", BASE "[limits]\ncp_max_wait = 0ms\n", ":11: cp_max_wait", 0, 0, 0},
	{"wait at the maximum", BASE "[limits]\ncp_max_wait = 3600000ms\n", NULL, 50, 100,
	 3600000},
	{"wait one past", BASE "[limits]\ncp_max_wait = 3600001ms\n", ":11: cp_max_wait", 0, 0, 0},
	{"wait in seconds", BASE "[limits]\ncp_max_wait = 2s\n", NULL, 50, 100, 2000},
	{"wait not a duration", BASE "[limits]\ncp_max_wait = soon\n", ":11: cp_max_wait", 0, 0, 0},
};

static void
test_ratelimit_handshake_config(void **state)
{
	struct sw_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(hs_cfg_cases) / sizeof(hs_cfg_cases[0]); i++) {
		const struct hs_cfg_case *c = &hs_cfg_cases[i];

		if (load_case(c->name, c->text, c->err, &cfg) &&
		    (cfg.handshake_rate != c->rate || cfg.handshake_burst != c->burst ||
		     cfg.cp_max_wait_ms != c->wait_ms))
			fail_msg("%s: got %u/%u/%ums want %u/%u/%ums", c->name, cfg.handshake_rate,
				 cfg.handshake_burst, cfg.cp_max_wait_ms, c->rate, c->burst,
				 c->wait_ms);
	}
}

/* [limits] handshakes_per_source: default follows handshakes_max, 0 = off,
 * at most handshakes_max (and the key's own range). */
struct src_cfg_case {
	const char *name;
	const char *text;
	const char *err; /* NULL: valid */
	uint32_t hs_max, per_source;
};

static const struct src_cfg_case src_cfg_cases[] = {
	{"default: handshakes_max / 64", BASE, NULL, 4096, 64},
	{"default: at least 16", BASE "[limits]\nhandshakes_max = 640\n", NULL, 640, 16},
	{"default: follows a large table", BASE "[limits]\nhandshakes_max = 6400\n", NULL, 6400,
	 100},
	{"default: never above handshakes_max", BASE "[limits]\nhandshakes_max = 8\n", NULL, 8, 8},
	{"default: handshakes_max 1", BASE "[limits]\nhandshakes_max = 1\n", NULL, 1, 1},
	{"0 = off", BASE "[limits]\nhandshakes_per_source = 0\n", NULL, 4096, 0},
	{"1", BASE "[limits]\nhandshakes_per_source = 1\n", NULL, 4096, 1},
	{"at handshakes_max", BASE "[limits]\nhandshakes_max = 100\nhandshakes_per_source = 100\n",
	 NULL, 100, 100},
	{"one past handshakes_max",
	 BASE "[limits]\nhandshakes_max = 100\nhandshakes_per_source = 101\n",
	 ":12: handshakes_per_source = 101 is more than handshakes_max = 100", 0, 0},
	{"one past the default handshakes_max", BASE "[limits]\nhandshakes_per_source = 4097\n",
	 ":11: handshakes_per_source = 4097 is more than handshakes_max = 4096", 0, 0},
	{"at the key's maximum",
	 BASE "[limits]\nhandshakes_max = 4194304\nhandshakes_per_source = 4194304\n", NULL,
	 4194304, 4194304},
	{"one past the key's maximum",
	 BASE "[limits]\nhandshakes_max = 4194304\nhandshakes_per_source = 4194305\n",
	 ":12: handshakes_per_source = '4194305': expected an integer 0..4194304", 0, 0},
	{"negative", BASE "[limits]\nhandshakes_per_source = -1\n", ":11: handshakes_per_source", 0,
	 0},
	{"not a number", BASE "[limits]\nhandshakes_per_source = some\n",
	 ":11: handshakes_per_source", 0, 0},
};

static void
test_ratelimit_per_source_config(void **state)
{
	struct sw_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(src_cfg_cases) / sizeof(src_cfg_cases[0]); i++) {
		const struct src_cfg_case *c = &src_cfg_cases[i];

		if (load_case(c->name, c->text, c->err, &cfg) &&
		    (cfg.handshakes_max != c->hs_max || cfg.handshakes_per_source != c->per_source))
			fail_msg("%s: got %u/%u want %u/%u", c->name, cfg.handshakes_max,
				 cfg.handshakes_per_source, c->hs_max, c->per_source);
	}
}

/* --print-config shows the effective values of the new keys. */
static void
test_ratelimit_handshake_print(void **state)
{
	char err[SW_CFG_ERR_MAX], out[8192];
	struct sw_config cfg;
	const char *p;
	FILE *f;
	size_t n;

	(void)state;
	p = write_tmp(BASE "[limits]\nhandshake_rate = 7\ncp_max_wait = 250ms\n"
			   "handshakes_per_source = 9\n");
	assert_int_equal(sw_config_load(p, &cfg, err, sizeof(err)), 0);
	unlink(p);
	f = fmemopen(out, sizeof(out) - 1, "w");
	assert_non_null(f);
	sw_config_print(&cfg, f);
	n = (size_t)ftell(f);
	fclose(f);
	out[n] = '\0';
	assert_non_null(strstr(out, "\nhandshake_rate = 7\nhandshake_burst = 100\n"
				    "cp_max_wait = 250ms\n"));
	assert_non_null(strstr(out, "\nhandshakes_max = 4096\nhandshakes_per_source = 9\n"));
}

struct age_case {
	const char *name;
	uint32_t queued_ms;
	uint64_t now_ms;
	uint32_t max_ms;
	bool too_old;
};

static const struct age_case age_cases[] = {
	{"just queued", 5000, 5000, 1000, false},
	{"at the bound", 5000, 6000, 1000, false},
	{"one past the bound", 5000, 6001, 1000, true},
	{"long stall", 5000, 65000, 1000, true},
	{"bound 1 ms, at it", 5000, 5001, 1, false},
	{"bound 1 ms, one past", 5000, 5002, 1, true},
	/* Stamped by an lcore a moment after this thread read its clock. */
	{"stamp 3 ms ahead", 5003, 5000, 1000, false},
	/* The stamp keeps the low 32 bits of a 64-bit clock. */
	{"across 2^32, in time", 0xfffffe00u, UINT64_C(0x100000100), 1000, false},
	{"across 2^32, one past", 0xfffffc18u, UINT64_C(0x100000001), 1000, true},
	{"across 2^32, at the bound", 0xfffffc19u, UINT64_C(0x100000001), 1000, false},
	{"bound 1 h, one past", 0, 3600001, 3600000, true},
};

static void
test_ratelimit_wait_bound(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(age_cases) / sizeof(age_cases[0]); i++) {
		const struct age_case *c = &age_cases[i];

		if (sw_rl_too_old(c->queued_ms, c->now_ms, c->max_ms) != c->too_old)
			fail_msg("%s: want %s", c->name, c->too_old ? "too old" : "in time");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_bucket_table),
		cmocka_unit_test(test_ratelimit_sources_independent),
		cmocka_unit_test(test_ratelimit_collisions_never_reset),
		cmocka_unit_test(test_ratelimit_flood_budget),
		cmocka_unit_test(test_ratelimit_log_lines),
		cmocka_unit_test(test_ratelimit_config),
		cmocka_unit_test(test_ratelimit_handshake_config),
		cmocka_unit_test(test_ratelimit_per_source_config),
		cmocka_unit_test(test_ratelimit_handshake_print),
		cmocka_unit_test(test_ratelimit_wait_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
