/*
 * dataplane/ratelimit.h, the per-source limit on answers to unauthenticated
 * senders (issue 7: sipwardd must not be a reflector), and its configuration
 * keys [limits] challenge_rate / challenge_burst.  Suite 'unit', no EAL.
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

static void
test_ratelimit_config(void **state)
{
	char err[SW_CFG_ERR_MAX];
	struct sw_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(cfg_cases) / sizeof(cfg_cases[0]); i++) {
		const struct cfg_case *c = &cfg_cases[i];
		const char *p = write_tmp(c->text);
		int ret = sw_config_load(p, &cfg, err, sizeof(err));

		unlink(p);
		if (c->err == NULL) {
			if (ret != 0)
				fail_msg("%s: %s", c->name, err);
			if (cfg.challenge_rate != c->rate || cfg.challenge_burst != c->burst)
				fail_msg("%s: got %u/%u want %u/%u", c->name, cfg.challenge_rate,
					 cfg.challenge_burst, c->rate, c->burst);
		} else if (ret == 0 || strstr(err, c->err) == NULL) {
			fail_msg("%s: got %d '%s', want '%s'", c->name, ret, err, c->err);
		}
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
