/*
 * Batch HMAC engines (crypto/mac.h): published vectors through every
 * engine, and intel-ipsec-mb's xvalid-app / zerolen-app idea: random keys,
 * every message length 0..1500, every tag length the protocol uses, mixed
 * bursts of 1..64; the multi-buffer engine (as create() picks it, and pinned
 * to each architecture the CPU has) must agree with the OpenSSL reference,
 * which must agree with OpenSSL's own HMAC; a flipped bit must fail
 * everywhere.  Deterministic seed; bounded iteration counts (ASan build).
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/mac.h"
#include "tests/common/guard.h"
#include "tests/vectors/hmac_vectors.h"

#define N_ENG_MAX  5
#define MAX_LEN	   1500u
#define RAND_ITERS 150u
#define KEY_POOL   12u

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Engines under test; [0] is always the reference. */
static struct sw_mac_engine *eng[N_ENG_MAX];
static const char *eng_name[N_ENG_MAX];
static unsigned int n_eng;

static const char *const mb_archs[] = {"sse", "avx2", "avx512"};

static const enum sw_mac_alg all_algs[] = {
	SW_MAC_HMAC_MD5,    SW_MAC_HMAC_SHA1,	    SW_MAC_HMAC_SHA256,
	SW_MAC_HMAC_SHA384, SW_MAC_HMAC_MD5_OF_MD5,
};

/* OpenSSL allocations, counted once main() has installed the hooks. */
static int alloc_hooked;
static unsigned long n_ossl_alloc;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	__atomic_add_fetch(&n_ossl_alloc, 1, __ATOMIC_RELAXED);
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	__atomic_add_fetch(&n_ossl_alloc, 1, __ATOMIC_RELAXED);
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* splitmix64: deterministic, seeded per test. */
static uint64_t rng;

static uint64_t
rnd(void)
{
	uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static void
rnd_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static size_t
hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;

	assert_true(n <= cap);
	for (i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

static const char *
ossl_digest_name(enum sw_mac_alg alg)
{
	switch (alg) {
	case SW_MAC_HMAC_SHA1:
		return "SHA1";
	case SW_MAC_HMAC_SHA256:
		return "SHA256";
	case SW_MAC_HMAC_SHA384:
		return "SHA384";
	default:
		return "MD5";
	}
}

/* Independent result: OpenSSL's own HMAC (and MD5 for RFC 4757), full digest. */
static void
ossl_hmac(enum sw_mac_alg alg, const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
	  uint8_t *out)
{
	static const uint8_t empty[1];
	uint8_t md5[16];
	unsigned int md5_len = 0;
	size_t out_len = 0;

	if (msg == NULL)
		msg = empty;
	if (alg == SW_MAC_HMAC_MD5_OF_MD5) {
		assert_int_equal(EVP_Digest(msg, len, md5, &md5_len, EVP_md5(), NULL), 1);
		msg = md5;
		len = md5_len;
	}
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, ossl_digest_name(alg), NULL,
				  key_len != 0 ? key : empty, key_len, msg, len, out,
				  SW_MAC_TAG_MAX, &out_len));
	assert_int_equal(out_len, sw_mac_digest_len(alg));
}

/* A tag length the protocol uses for @p alg (PROTOCOL.md §3), the full
 * digest, or now and then any length at all. */
static uint8_t
pick_tag_len(enum sw_mac_alg alg)
{
	unsigned int dlen = sw_mac_digest_len(alg);

	switch (rnd_below(4)) {
	case 0:
		return (uint8_t)dlen;
	case 1:
		return (uint8_t)(1 + rnd_below(dlen));
	default:
		switch (alg) {
		case SW_MAC_HMAC_SHA1:
			return 12;
		case SW_MAC_HMAC_SHA256:
			return 16;
		case SW_MAC_HMAC_SHA384:
			return 24;
		default:
			return 8; /* NTLM and rc4-hmac */
		}
	}
}

/* Key lengths 1..100, sometimes past the SHA-384 block (129..200). */
static size_t
pick_key_len(void)
{
	return rnd_below(8) == 0 ? 129 + rnd_below(72) : 1 + rnd_below(100);
}

static int
setup_engines(void **state)
{
	unsigned int a;

	(void)state;
	n_eng = 0;
	if (sw_mac_engine_create(SW_MAC_IMPL_REF, &eng[n_eng]) != 0)
		return -1;
	eng_name[n_eng++] = "ref";
	if (sw_mac_engine_create(SW_MAC_IMPL_MB, &eng[n_eng]) != 0)
		return -1;
	eng_name[n_eng++] = "mb";
	for (a = 0; a < ARRAY_LEN(mb_archs); a++) {
		int ret = sw_mac_engine_create_arch(mb_archs[a], &eng[n_eng]);

		if (ret == -ENOTSUP)
			continue;
		if (ret != 0)
			return -1;
		eng_name[n_eng++] = mb_archs[a];
	}
	return 0;
}

static int
teardown_engines(void **state)
{
	(void)state;
	while (n_eng > 0)
		sw_mac_engine_free(eng[--n_eng]);
	return 0;
}

/*
 * Compute on every engine and check against want[][] (or, when want is
 * NULL, against the reference engine), then verify with the expected tags:
 * every job must match on every engine.
 */
static void
check_burst(struct sw_mac_job *jobs, uint16_t n, uint8_t (*want)[SW_MAC_TAG_MAX], const char *what)
{
	static uint8_t tags[N_ENG_MAX][SW_MAC_BURST_MAX][SW_MAC_TAG_MAX];
	static struct sw_mac_job before[SW_MAC_BURST_MAX];
	uint8_t ok[SW_MAC_BURST_MAX];
	unsigned int e, b;
	uint16_t i;

	memset(tags, 0xa5, sizeof(tags));
	memcpy(before, jobs, n * sizeof(*jobs));
	for (e = 0; e < n_eng; e++)
		assert_int_equal(sw_mac_compute_burst(eng[e], jobs, n, tags[e]), n);
	if (want == NULL)
		want = tags[0];
	for (e = 0; e < n_eng; e++) {
		for (i = 0; i < n; i++) {
			if (memcmp(tags[e][i], want[i], jobs[i].tag_len) != 0)
				fail_msg("%s: engine %s job %u (alg %u, len %u, tag %u) differs",
					 what, eng_name[e], i, jobs[i].key->alg, jobs[i].msg_len,
					 jobs[i].tag_len);
			for (b = jobs[i].tag_len; b < SW_MAC_TAG_MAX; b++)
				if (tags[e][i][b] != 0xa5)
					fail_msg("%s: engine %s wrote past tag_len", what,
						 eng_name[e]);
		}
	}
	for (i = 0; i < n; i++)
		jobs[i].tag = want[i];
	for (e = 0; e < n_eng; e++) {
		memset(ok, 0xee, sizeof(ok));
		assert_int_equal(sw_mac_verify_burst(eng[e], jobs, n, ok), n);
		for (i = 0; i < n; i++)
			if (ok[i] != 1)
				fail_msg("%s: engine %s rejects job %u", what, eng_name[e], i);
	}
	/* The engines group jobs internally but never touch the caller's array. */
	for (i = 0; i < n; i++)
		before[i].tag = want[i];
	assert_memory_equal(before, jobs, n * sizeof(*jobs));
}

/* Every row of a vector table, in one mixed burst and one by one. */
static void
run_vectors(const struct sw_hmac_vector *v, size_t nv)
{
	struct sw_mac_key *keys = calloc(nv, sizeof(*keys));
	struct guard_buf *g = calloc(nv, sizeof(*g));
	struct sw_mac_job jobs[SW_MAC_BURST_MAX];
	uint8_t want[SW_MAC_BURST_MAX][SW_MAC_TAG_MAX];
	uint8_t key[256], msg[256], ok[SW_MAC_BURST_MAX];
	unsigned int e;
	size_t i;

	assert_non_null(keys);
	assert_non_null(g);
	assert_true(nv <= SW_MAC_BURST_MAX);
	for (i = 0; i < nv; i++) {
		size_t klen = hex_decode(v[i].key_hex, key, sizeof(key)), mlen;
		const uint8_t *m;

		if (v[i].msg != NULL) {
			mlen = strlen(v[i].msg);
			m = guard_buf_put(&g[i], v[i].msg, mlen);
		} else {
			mlen = hex_decode(v[i].msg_hex, msg, sizeof(msg));
			m = guard_buf_put(&g[i], msg, mlen);
		}
		assert_non_null(m);
		assert_int_equal(sw_mac_key_init(&keys[i], v[i].alg, key, klen), 0);
		jobs[i] = (struct sw_mac_job){.key = &keys[i], .msg = m, .msg_len = (uint32_t)mlen};
		jobs[i].tag_len = (uint8_t)hex_decode(v[i].tag_hex, want[i], sizeof(want[i]));
	}

	check_burst(jobs, (uint16_t)nv, want, v[0].name);
	for (i = 0; i < nv; i++)
		check_burst(&jobs[i], 1, &want[i], v[i].name);

	/* One flipped tag bit per row, all rows in one burst: all must fail. */
	for (e = 0; e < n_eng; e++) {
		uint8_t flipped[SW_MAC_BURST_MAX][SW_MAC_TAG_MAX];

		for (i = 0; i < nv; i++) {
			memcpy(flipped[i], want[i], sizeof(want[i]));
			flipped[i][i % jobs[i].tag_len] ^= (uint8_t)(1u << (i % 8));
			jobs[i].tag = flipped[i];
		}
		assert_int_equal(sw_mac_verify_burst(eng[e], jobs, (uint16_t)nv, ok), 0);
		for (i = 0; i < nv; i++)
			assert_int_equal(ok[i], 0);
	}

	for (i = 0; i < nv; i++) {
		sw_mac_key_wipe(&keys[i]);
		guard_buf_free(&g[i]);
	}
	free(keys);
	free(g);
}

static void
test_mac_vectors_rfc2202(void **state)
{
	(void)state;
	run_vectors(sw_vec_rfc2202, sw_vec_rfc2202_n);
}

static void
test_mac_vectors_rfc4231(void **state)
{
	(void)state;
	run_vectors(sw_vec_rfc4231, sw_vec_rfc4231_n);
}

/*
 * Every length 0..1500 for every algorithm, each message ending at a
 * PROT_NONE page, a fresh random key per message, full tags: all engines
 * agree with OpenSSL's own HMAC.
 */
static void
test_mac_xcheck_all_lengths(void **state)
{
	struct sw_mac_key keys[SW_MAC_BURST_MAX];
	struct guard_buf g[SW_MAC_BURST_MAX];
	struct sw_mac_job jobs[SW_MAC_BURST_MAX];
	uint8_t want[SW_MAC_BURST_MAX][SW_MAC_TAG_MAX];
	uint8_t key[200], msg[MAX_LEN];
	unsigned int a;
	uint32_t len;

	(void)state;
	rng = 0x2202;
	for (a = 0; a < ARRAY_LEN(all_algs); a++) {
		enum sw_mac_alg alg = all_algs[a];
		uint16_t n = 0, i;

		for (len = 0; len <= MAX_LEN; len++) {
			size_t klen = pick_key_len();
			const uint8_t *m;

			rnd_fill(key, klen);
			rnd_fill(msg, len);
			m = guard_buf_put(&g[n], msg, len);
			assert_non_null(m);
			assert_int_equal(sw_mac_key_init(&keys[n], alg, key, klen), 0);
			ossl_hmac(alg, key, klen, m, len, want[n]);
			jobs[n] = (struct sw_mac_job){.key = &keys[n],
						      .msg = m,
						      .msg_len = len,
						      .tag_len = (uint8_t)sw_mac_digest_len(alg)};
			if (++n < SW_MAC_BURST_MAX && len < MAX_LEN)
				continue;
			check_burst(jobs, n, want, "all lengths");
			for (i = 0; i < n; i++)
				guard_buf_free(&g[i]);
			n = 0;
		}
	}
}

/*
 * Random bursts of 1..64 jobs mixing algorithms, keys, lengths (with zero
 * and SW_MAC_MSG_MAX now and then) and protocol tag lengths; then the same
 * bursts with a random bit flipped in the message or the tag of about a
 * third of the jobs: exactly those fail, on every engine.
 */
static void
test_mac_xcheck_random_bursts(void **state)
{
	struct sw_mac_key(*keys)[KEY_POOL] = calloc(SW_MAC_ALG_MAX, sizeof(*keys));
	uint8_t *pool = malloc(SW_MAC_MSG_MAX);
	uint8_t *copies = malloc((size_t)SW_MAC_BURST_MAX * (MAX_LEN + 1));
	struct sw_mac_job jobs[SW_MAC_BURST_MAX];
	uint8_t tags[SW_MAC_BURST_MAX][SW_MAC_TAG_MAX], bad_tags[SW_MAC_BURST_MAX][SW_MAC_TAG_MAX];
	uint8_t ok[SW_MAC_BURST_MAX], expect[SW_MAC_BURST_MAX], key[200];
	unsigned int a, k, it, e;

	(void)state;
	assert_non_null(keys);
	assert_non_null(pool);
	assert_non_null(copies);
	rng = 0x4231;
	rnd_fill(pool, SW_MAC_MSG_MAX);
	for (a = 0; a < ARRAY_LEN(all_algs); a++)
		for (k = 0; k < KEY_POOL; k++) {
			size_t klen = pick_key_len();

			rnd_fill(key, klen);
			assert_int_equal(
				sw_mac_key_init(&keys[all_algs[a]][k], all_algs[a], key, klen), 0);
		}

	for (it = 0; it < RAND_ITERS; it++) {
		uint16_t n = (uint16_t)(1 + rnd_below(SW_MAC_BURST_MAX)), i;
		int want_ok = 0;

		for (i = 0; i < n; i++) {
			enum sw_mac_alg alg = all_algs[rnd_below(ARRAY_LEN(all_algs))];
			uint32_t len, r = rnd_below(64);

			len = r == 0 ? 0 : r == 1 ? SW_MAC_MSG_MAX : rnd_below(MAX_LEN + 1);
			jobs[i] = (struct sw_mac_job){
				.key = &keys[alg][rnd_below(KEY_POOL)],
				.msg = len == 0 && rnd_below(2)
					       ? NULL
					       : pool + rnd_below(SW_MAC_MSG_MAX - len + 1),
				.msg_len = len,
				.tag_len = pick_tag_len(alg),
			};
		}
		check_burst(jobs, n, NULL, "random burst");

		/* Same burst, every engine: flip a bit in about a third of the jobs. */
		assert_int_equal(sw_mac_compute_burst(eng[0], jobs, n, tags), n);
		for (i = 0; i < n; i++) {
			memcpy(bad_tags[i], tags[i], jobs[i].tag_len);
			jobs[i].tag = bad_tags[i];
			expect[i] = 1;
			if (rnd_below(3) != 0)
				continue;
			expect[i] = 0;
			if (jobs[i].msg_len != 0 && jobs[i].msg_len <= MAX_LEN && rnd_below(2)) {
				uint8_t *c = copies + (size_t)i * (MAX_LEN + 1);
				uint32_t bit = rnd_below(jobs[i].msg_len * 8);

				memcpy(c, jobs[i].msg, jobs[i].msg_len);
				c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				jobs[i].msg = c;
			} else {
				uint32_t bit = rnd_below(jobs[i].tag_len * 8u);

				bad_tags[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
		}
		for (i = 0; i < n; i++)
			want_ok += expect[i];
		for (e = 0; e < n_eng; e++) {
			assert_int_equal(sw_mac_verify_burst(eng[e], jobs, n, ok), want_ok);
			for (i = 0; i < n; i++)
				if (ok[i] != expect[i])
					fail_msg("iteration %u: engine %s job %u: ok %u, want %u",
						 it, eng_name[e], i, ok[i], expect[i]);
		}
	}

	for (a = 0; a < SW_MAC_ALG_MAX; a++)
		for (k = 0; k < KEY_POOL; k++)
			sw_mac_key_wipe(&keys[a][k]);
	free(keys);
	free(pool);
	free(copies);
}

/* Every single-bit change of a 97-byte message, and of its tag, must fail. */
static void
test_mac_bitflip_every_bit(void **state)
{
	enum { MLEN = 97 };
	static uint8_t msgs[SW_MAC_BURST_MAX][MLEN];
	struct sw_mac_job jobs[SW_MAC_BURST_MAX];
	uint8_t tags[SW_MAC_BURST_MAX][SW_MAC_TAG_MAX], good[1][SW_MAC_TAG_MAX];
	uint8_t msg[MLEN], key[32], ok[SW_MAC_BURST_MAX];
	struct sw_mac_key k;
	unsigned int a, e, dlen;
	uint32_t bit, nbits;
	uint16_t n, i;

	(void)state;
	rng = 0xb17;
	for (a = 0; a < ARRAY_LEN(all_algs); a++) {
		struct sw_mac_job base;

		dlen = sw_mac_digest_len(all_algs[a]);
		rnd_fill(key, sizeof(key));
		rnd_fill(msg, sizeof(msg));
		assert_int_equal(sw_mac_key_init(&k, all_algs[a], key, sizeof(key)), 0);
		base = (struct sw_mac_job){
			.key = &k, .msg = msg, .msg_len = MLEN, .tag_len = (uint8_t)dlen};
		assert_int_equal(sw_mac_compute_burst(eng[0], &base, 1, good), 1);

		/* Bits 0 .. MLEN*8-1 flip the message, the rest flip the tag. */
		nbits = MLEN * 8 + dlen * 8;
		for (e = 0; e < n_eng; e++) {
			for (bit = 0; bit < nbits; bit += n) {
				n = (uint16_t)(nbits - bit < SW_MAC_BURST_MAX ? nbits - bit
									      : SW_MAC_BURST_MAX);
				for (i = 0; i < n; i++) {
					uint32_t b = bit + i;

					jobs[i] = base;
					memcpy(tags[i], good[0], dlen);
					jobs[i].tag = tags[i];
					if (b < MLEN * 8) {
						memcpy(msgs[i], msg, MLEN);
						msgs[i][b / 8] ^= (uint8_t)(1u << (b % 8));
						jobs[i].msg = msgs[i];
					} else {
						b -= MLEN * 8;
						tags[i][b / 8] ^= (uint8_t)(1u << (b % 8));
					}
				}
				assert_int_equal(sw_mac_verify_burst(eng[e], jobs, n, ok), 0);
			}
			base.tag = good[0];
			assert_int_equal(sw_mac_verify_burst(eng[e], &base, 1, ok), 1);
		}
		sw_mac_key_wipe(&k);
	}
}

/* RFC 4757 §3 checksum against OpenSSL computed independently: MD5, then
 * HMAC-MD5 over the 16-byte digest, with 8-byte (on the wire) and full tags. */
static void
test_mac_md5_of_md5_openssl(void **state)
{
	static const uint32_t lens[] = {0, 1, 15, 16, 55, 56, 63, 64, 65, 700, 1500};
	struct sw_mac_job jobs[ARRAY_LEN(lens) * 2];
	uint8_t want[ARRAY_LEN(lens) * 2][SW_MAC_TAG_MAX];
	static uint8_t msg[1500];
	uint8_t ksign[16];
	struct sw_mac_key k;
	unsigned int i;

	(void)state;
	rng = 4757;
	rnd_fill(ksign, sizeof(ksign));
	rnd_fill(msg, sizeof(msg));
	assert_int_equal(sw_mac_key_init(&k, SW_MAC_HMAC_MD5_OF_MD5, ksign, sizeof(ksign)), 0);
	for (i = 0; i < ARRAY_LEN(jobs); i++) {
		uint32_t len = lens[i % ARRAY_LEN(lens)];

		ossl_hmac(SW_MAC_HMAC_MD5_OF_MD5, ksign, sizeof(ksign), msg, len, want[i]);
		jobs[i] = (struct sw_mac_job){.key = &k,
					      .msg = msg,
					      .msg_len = len,
					      .tag_len = i < ARRAY_LEN(lens) ? 8 : 16};
	}
	check_burst(jobs, ARRAY_LEN(jobs), want, "md5 of md5");
	sw_mac_key_wipe(&k);
}

/*
 * The largest message a job may carry, and the edge of what intel-ipsec-mb
 * accepts itself (65534 bytes; longer ones take the scalar path), every
 * algorithm, in one burst, each message against a guard page.
 */
static void
test_mac_max_len(void **state)
{
	static const uint32_t lens[] = {65534, 65535, SW_MAC_MSG_MAX};
	struct sw_mac_key keys[ARRAY_LEN(all_algs)];
	struct sw_mac_job jobs[ARRAY_LEN(all_algs) * ARRAY_LEN(lens)];
	uint8_t want[ARRAY_LEN(jobs)][SW_MAC_TAG_MAX], key[20];
	struct guard_buf g[ARRAY_LEN(lens)];
	uint8_t *msg = malloc(SW_MAC_MSG_MAX);
	const uint8_t *m[ARRAY_LEN(lens)];
	unsigned int a, l, n = 0;

	(void)state;
	assert_non_null(msg);
	rng = 65600;
	rnd_fill(msg, SW_MAC_MSG_MAX);
	rnd_fill(key, sizeof(key));
	memset(g, 0, sizeof(g));
	for (l = 0; l < ARRAY_LEN(lens); l++) {
		m[l] = guard_buf_put(&g[l], msg, lens[l]);
		assert_non_null(m[l]);
	}
	for (a = 0; a < ARRAY_LEN(all_algs); a++) {
		assert_int_equal(sw_mac_key_init(&keys[a], all_algs[a], key, sizeof(key)), 0);
		for (l = 0; l < ARRAY_LEN(lens); l++, n++) {
			ossl_hmac(all_algs[a], key, sizeof(key), m[l], lens[l], want[n]);
			jobs[n] = (struct sw_mac_job){
				.key = &keys[a],
				.msg = m[l],
				.msg_len = lens[l],
				.tag_len = (uint8_t)sw_mac_digest_len(all_algs[a]),
			};
		}
	}
	check_burst(jobs, (uint16_t)n, want, "max length");
	for (l = 0; l < ARRAY_LEN(lens); l++)
		guard_buf_free(&g[l]);
	free(msg);
}

/* One bad job poisons the whole burst: -EINVAL, ok[] zero, no tag written. */
struct bad_job_case {
	const char *name;
	int verify_only;
	void (*spoil)(struct sw_mac_job *job, struct sw_mac_key *wiped);
};

static void
spoil_null_key(struct sw_mac_job *j, struct sw_mac_key *w)
{
	(void)w;
	j->key = NULL;
}

static void
spoil_wiped_key(struct sw_mac_job *j, struct sw_mac_key *w)
{
	j->key = w;
}

static void
spoil_tag_len_0(struct sw_mac_job *j, struct sw_mac_key *w)
{
	(void)w;
	j->tag_len = 0;
}

static void
spoil_tag_len_long(struct sw_mac_job *j, struct sw_mac_key *w)
{
	(void)w;
	j->tag_len = (uint8_t)(sw_mac_digest_len((enum sw_mac_alg)j->key->alg) + 1);
}

static void
spoil_null_msg(struct sw_mac_job *j, struct sw_mac_key *w)
{
	(void)w;
	j->msg = NULL;
}

static void
spoil_msg_too_long(struct sw_mac_job *j, struct sw_mac_key *w)
{
	(void)w;
	j->msg_len = SW_MAC_MSG_MAX + 1;
}

static void
spoil_null_tag(struct sw_mac_job *j, struct sw_mac_key *w)
{
	(void)w;
	j->tag = NULL;
}

static const struct bad_job_case bad_job_cases[] = {
	{"NULL key", 0, spoil_null_key},
	{"wiped key", 0, spoil_wiped_key},
	{"tag_len 0", 0, spoil_tag_len_0},
	{"tag_len over digest", 0, spoil_tag_len_long},
	{"NULL msg, non-zero length", 0, spoil_null_msg},
	{"msg_len over SW_MAC_MSG_MAX", 0, spoil_msg_too_long},
	{"NULL tag", 1, spoil_null_tag},
};

static void
test_mac_burst_limits(void **state)
{
	static uint8_t msg[SW_MAC_MSG_MAX + 1];
	struct sw_mac_job jobs[SW_MAC_BURST_MAX + 1];
	uint8_t tags[SW_MAC_BURST_MAX + 1][SW_MAC_TAG_MAX], good[SW_MAC_TAG_MAX];
	uint8_t ok[SW_MAC_BURST_MAX + 1], key[16] = {1, 2, 3};
	struct sw_mac_key k, wiped;
	unsigned int e, c, i;

	(void)state;
	assert_int_equal(sw_mac_key_init(&k, SW_MAC_HMAC_SHA1, key, sizeof(key)), 0);
	assert_int_equal(sw_mac_key_init(&wiped, SW_MAC_HMAC_SHA1, key, sizeof(key)), 0);
	sw_mac_key_wipe(&wiped);
	jobs[0] = (struct sw_mac_job){.key = &k, .msg = msg, .msg_len = 100, .tag_len = 12};
	assert_int_equal(sw_mac_compute_burst(eng[0], jobs, 1, &good), 1);
	for (i = 0; i < ARRAY_LEN(jobs); i++) {
		jobs[i] = jobs[0];
		jobs[i].tag = good;
	}

	for (e = 0; e < n_eng; e++) {
		/* n over the maximum; n == 0. */
		memset(ok, 0xaa, sizeof(ok));
		assert_int_equal(sw_mac_verify_burst(eng[e], jobs, SW_MAC_BURST_MAX + 1, ok),
				 -EINVAL);
		for (i = 0; i < ARRAY_LEN(ok); i++)
			assert_int_equal(ok[i], 0);
		assert_int_equal(sw_mac_compute_burst(eng[e], jobs, SW_MAC_BURST_MAX + 1, tags),
				 -EINVAL);
		assert_int_equal(sw_mac_verify_burst(eng[e], jobs, 0, ok), 0);
		assert_int_equal(sw_mac_compute_burst(eng[e], jobs, 0, tags), 0);
		assert_int_equal(sw_mac_verify_burst(eng[e], jobs, SW_MAC_BURST_MAX, ok),
				 SW_MAC_BURST_MAX);
		assert_int_equal(sw_mac_verify_burst(NULL, jobs, 1, ok), -EINVAL);

		/* NULL msg with length 0 is a valid empty message. */
		jobs[2].msg = NULL;
		jobs[2].msg_len = 0;
		assert_int_equal(sw_mac_compute_burst(eng[e], jobs, 5, tags), 5);
		jobs[2] = jobs[0];

		for (c = 0; c < ARRAY_LEN(bad_job_cases); c++) {
			const struct bad_job_case *bc = &bad_job_cases[c];

			bc->spoil(&jobs[3], &wiped);
			memset(ok, 0xaa, sizeof(ok));
			if (sw_mac_verify_burst(eng[e], jobs, 5, ok) != -EINVAL)
				fail_msg("%s: engine %s: verify did not fail", bc->name,
					 eng_name[e]);
			for (i = 0; i < 5; i++)
				assert_int_equal(ok[i], 0);
			memset(tags, 0x5a, sizeof(tags));
			if (bc->verify_only) {
				assert_int_equal(sw_mac_compute_burst(eng[e], jobs, 5, tags), 5);
			} else {
				if (sw_mac_compute_burst(eng[e], jobs, 5, tags) != -EINVAL)
					fail_msg("%s: engine %s: compute did not fail", bc->name,
						 eng_name[e]);
				for (i = 0; i < 5; i++)
					assert_int_equal(tags[i][0], 0x5a);
			}
			jobs[3] = jobs[0];
		}
	}
	sw_mac_key_wipe(&k);
}

static void
test_mac_key_init(void **state)
{
	static const uint8_t zero[sizeof(struct sw_mac_key)];
	static const size_t long_lens[] = {1, 236}; /* over the block by this */
	uint8_t key[400], hashed[SW_MAC_TAG_MAX], msg[80];
	uint8_t t1[1][SW_MAC_TAG_MAX], t2[1][SW_MAC_TAG_MAX], want[1][SW_MAC_TAG_MAX];
	struct sw_mac_key k1, k2;
	struct sw_mac_job j;
	unsigned int a, e, l, hlen;

	(void)state;
	rng = 2104;
	rnd_fill(key, sizeof(key));
	rnd_fill(msg, sizeof(msg));
	assert_int_equal(sw_mac_key_init(&k1, (enum sw_mac_alg)0, key, 16), -EINVAL);
	assert_int_equal(sw_mac_key_init(&k1, SW_MAC_ALG_MAX, key, 16), -EINVAL);
	assert_int_equal(sw_mac_key_init(&k1, SW_MAC_HMAC_SHA1, NULL, 16), -EINVAL);
	assert_int_equal(sw_mac_key_init(NULL, SW_MAC_HMAC_SHA1, key, 16), -EINVAL);
	assert_int_equal(sw_mac_digest_len((enum sw_mac_alg)0), 0);
	assert_int_equal(sw_mac_digest_len(SW_MAC_ALG_MAX), 0);

	for (a = 0; a < ARRAY_LEN(all_algs); a++) {
		enum sw_mac_alg alg = all_algs[a];
		size_t blen = alg == SW_MAC_HMAC_SHA384 ? 128 : 64;

		j = (struct sw_mac_job){.msg = msg,
					.msg_len = sizeof(msg),
					.tag_len = (uint8_t)sw_mac_digest_len(alg)};

		/* The empty key (RFC 2104 allows it) and a key of exactly one block. */
		assert_int_equal(sw_mac_key_init(&k1, alg, NULL, 0), 0);
		ossl_hmac(alg, NULL, 0, msg, sizeof(msg), want[0]);
		j.key = &k1;
		check_burst(&j, 1, want, "empty key");
		assert_int_equal(sw_mac_key_init(&k1, alg, key, blen), 0);
		ossl_hmac(alg, key, blen, msg, sizeof(msg), want[0]);
		check_burst(&j, 1, want, "one-block key");

		/* Longer keys are hashed first: HMAC(K) == HMAC(H(K)) (RFC 2104 §2). */
		for (l = 0; l < ARRAY_LEN(long_lens); l++) {
			size_t klen = blen + long_lens[l];

			assert_int_equal(EVP_Digest(key, klen, hashed, &hlen,
						    EVP_get_digestbyname(ossl_digest_name(alg)),
						    NULL),
					 1);
			assert_int_equal(sw_mac_key_init(&k1, alg, key, klen), 0);
			assert_int_equal(sw_mac_key_init(&k2, alg, hashed, hlen), 0);
			ossl_hmac(alg, key, klen, msg, sizeof(msg), want[0]);
			for (e = 0; e < n_eng; e++) {
				j.key = &k1;
				assert_int_equal(sw_mac_compute_burst(eng[e], &j, 1, t1), 1);
				j.key = &k2;
				assert_int_equal(sw_mac_compute_burst(eng[e], &j, 1, t2), 1);
				assert_memory_equal(t1[0], want[0], j.tag_len);
				assert_memory_equal(t2[0], want[0], j.tag_len);
			}
		}
	}

	sw_mac_key_wipe(&k2);
	sw_mac_key_wipe(&k1);
	assert_memory_equal(&k1, zero, sizeof(k1));
	sw_mac_key_wipe(NULL);
}

struct ct_case {
	const char *name;
	const char *a, *b;
	size_t n;
	int want;
};

static const struct ct_case ct_cases[] = {
	{"equal", "0123456789abcdef", "0123456789abcdef", 16, 1},
	{"first byte", "x123456789abcdef", "0123456789abcdef", 16, 0},
	{"last byte", "0123456789abcdeF", "0123456789abcdef", 16, 0},
	{"one bit", "0123456789abcdef", "1123456789abcdef", 16, 0},
	{"empty", "a", "b", 0, 1},
	{"prefix only", "0123456789abcdeX", "0123456789abcdeY", 15, 1},
};

static void
test_mac_ct_equal(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < ARRAY_LEN(ct_cases); c++) {
		const struct ct_case *cc = &ct_cases[c];
		int got = sw_mac_ct_equal((const uint8_t *)cc->a, (const uint8_t *)cc->b, cc->n);

		if (got != cc->want)
			fail_msg("%s: got %d want %d", cc->name, got, cc->want);
	}
}

static int
is_arch_name(const char *s)
{
	return strcmp(s, "sse") == 0 || strcmp(s, "avx2") == 0 || strcmp(s, "avx512") == 0 ||
	       strcmp(s, "openssl") == 0;
}

/*
 * What each engine runs where.  The engine create() picks must put every
 * algorithm but MD5-of-MD5 on a multi-buffer architecture for full groups:
 * "openssl" there would mean every architecture failed the create-time
 * self-test and the engine quietly fell back.  The picks are printed.
 */
static void
test_mac_engine_arch(void **state)
{
	struct sw_mac_engine *const sentinel = (struct sw_mac_engine *)(uintptr_t)64;
	struct sw_mac_engine *x = sentinel;
	unsigned int e, a, k;
	uint16_t n;

	(void)state;
	for (a = 0; a < ARRAY_LEN(all_algs); a++) {
		enum sw_mac_alg alg = all_algs[a];
		const char *prev = "";

		print_message("mac: %-6s%s probe ns/msg:", ossl_digest_name(alg),
			      alg == SW_MAC_HMAC_MD5_OF_MD5 ? " of MD5" : "");
		for (k = 0; k < ARRAY_LEN(mb_archs); k++)
			print_message(" %s %u", mb_archs[k],
				      sw_mac_engine_probe_ns(eng[1], alg, mb_archs[k]));
		print_message(" openssl %u; picks:",
			      sw_mac_engine_probe_ns(eng[1], alg, "openssl"));
		for (n = 1; n <= SW_MAC_BURST_MAX; n++) {
			const char *got = sw_mac_engine_arch_n(eng[1], alg, n);

			assert_true(is_arch_name(got));
			if (strcmp(got, prev) != 0)
				print_message(" n>=%u %s", n, got);
			prev = got;
		}
		print_message("\n");

		for (n = 1; n <= SW_MAC_BURST_MAX; n++)
			assert_string_equal(sw_mac_engine_arch_n(eng[0], alg, n), "openssl");
		assert_string_equal(sw_mac_engine_arch(eng[0], alg), "openssl");
		assert_string_equal(sw_mac_engine_arch(eng[1], alg),
				    sw_mac_engine_arch_n(eng[1], alg, 32));
		if (alg == SW_MAC_HMAC_MD5_OF_MD5) {
			for (e = 1; e < n_eng; e++)
				assert_string_equal(sw_mac_engine_arch(eng[e], alg), "openssl");
			continue;
		}
		assert_string_not_equal(sw_mac_engine_arch(eng[1], alg), "openssl");
		assert_true(sw_mac_engine_probe_ns(eng[1], alg, "openssl") > 0);
		for (e = 2; e < n_eng; e++) {
			for (n = 1; n <= SW_MAC_BURST_MAX; n++)
				assert_string_equal(sw_mac_engine_arch_n(eng[e], alg, n),
						    eng_name[e]);
			assert_int_equal(sw_mac_engine_probe_ns(eng[e], alg, eng_name[e]), 0);
		}
	}
	assert_string_equal(sw_mac_engine_arch(eng[0], (enum sw_mac_alg)0), "none");
	assert_string_equal(sw_mac_engine_arch(eng[0], SW_MAC_ALG_MAX), "none");
	assert_string_equal(sw_mac_engine_arch_n(eng[1], SW_MAC_HMAC_SHA1, 0), "none");
	assert_string_equal(sw_mac_engine_arch_n(eng[1], SW_MAC_HMAC_SHA1, SW_MAC_BURST_MAX + 1),
			    "none");
	assert_string_equal(sw_mac_engine_arch(NULL, SW_MAC_HMAC_SHA1), "none");
	assert_int_equal(sw_mac_engine_probe_ns(eng[0], SW_MAC_HMAC_SHA1, "sse"), 0);
	assert_int_equal(sw_mac_engine_probe_ns(eng[1], SW_MAC_HMAC_SHA1, "mmx"), 0);
	assert_int_equal(sw_mac_engine_create_arch("mmx", &x), -EINVAL);
	assert_null(x);
	x = sentinel;
	assert_int_equal(sw_mac_engine_create((enum sw_mac_impl)7, &x), -EINVAL);
	assert_null(x);
	sw_mac_engine_free(NULL);
}

/* The burst paths that touch OpenSSL (the reference engine, zero-length
 * jobs and MD5-of-MD5 in the MB engine) must not allocate. */
static void
test_mac_no_alloc(void **state)
{
	struct sw_mac_key keys[ARRAY_LEN(all_algs)];
	struct sw_mac_job jobs[2 * ARRAY_LEN(all_algs)];
	uint8_t tags[2 * ARRAY_LEN(all_algs)][SW_MAC_TAG_MAX], ok[2 * ARRAY_LEN(all_algs)];
	static uint8_t msg[700];
	unsigned long before;
	unsigned int a, e;

	(void)state;
	if (!alloc_hooked)
		skip();
	for (a = 0; a < ARRAY_LEN(all_algs); a++) {
		assert_int_equal(sw_mac_key_init(&keys[a], all_algs[a], msg, 20), 0);
		jobs[2 * a] = (struct sw_mac_job){
			.key = &keys[a], .msg = msg, .msg_len = 700, .tag_len = 8};
		jobs[2 * a + 1] = (struct sw_mac_job){.key = &keys[a], .msg_len = 0, .tag_len = 8};
	}
	for (e = 0; e < n_eng; e++) {
		assert_int_equal(sw_mac_compute_burst(eng[e], jobs, ARRAY_LEN(jobs), tags),
				 ARRAY_LEN(jobs));
		for (a = 0; a < ARRAY_LEN(jobs); a++)
			jobs[a].tag = tags[a];
		before = __atomic_load_n(&n_ossl_alloc, __ATOMIC_RELAXED);
		assert_int_equal(sw_mac_compute_burst(eng[e], jobs, ARRAY_LEN(jobs), tags),
				 ARRAY_LEN(jobs));
		assert_int_equal(sw_mac_verify_burst(eng[e], jobs, ARRAY_LEN(jobs), ok),
				 ARRAY_LEN(jobs));
		assert_int_equal(__atomic_load_n(&n_ossl_alloc, __ATOMIC_RELAXED), before);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_vectors_rfc2202),
		cmocka_unit_test(test_mac_vectors_rfc4231),
		cmocka_unit_test(test_mac_xcheck_all_lengths),
		cmocka_unit_test(test_mac_xcheck_random_bursts),
		cmocka_unit_test(test_mac_bitflip_every_bit),
		cmocka_unit_test(test_mac_md5_of_md5_openssl),
		cmocka_unit_test(test_mac_max_len),
		cmocka_unit_test(test_mac_burst_limits),
		cmocka_unit_test(test_mac_key_init),
		cmocka_unit_test(test_mac_ct_equal),
		cmocka_unit_test(test_mac_engine_arch),
		cmocka_unit_test(test_mac_no_alloc),
	};

	/* Before anything else touches OpenSSL, or the hooks are refused. */
	alloc_hooked = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
	return cmocka_run_group_tests_name("mac", tests, setup_engines, teardown_engines);
}
