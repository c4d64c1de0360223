/*
 * Constant-time tag comparison (STYLE.md 14; issue 7 "always-on safety"),
 * checked the ctgrind way: the secret bytes are marked undefined with
 * VALGRIND_MAKE_MEM_UNDEFINED, and memcheck reports every conditional jump,
 * memory index or syscall that depends on them.  Run under
 * `valgrind --error-exitcode=1` (meson test 'ct_valgrind'); outside valgrind
 * the client requests are no-ops and the same binary checks the results
 * only (meson test 'ct', also under ASan).
 *
 * Covered: sw_mac_ct_equal(), sw_prim_ct_equal(), the compare inside
 * sw_mac_verify_burst() on the reference (OpenSSL) and multi-buffer
 * (intel-ipsec-mb) engines, and the lcore's signature path
 * (sw_sig_job_prep() + the batch compare) for NTLM and the Kerberos
 * enctypes -- the received checksum bytes are the secret: an early-exit
 * compare would branch on them.  The framing bytes of a token are public and
 * stay defined.
 *
 * `test_ct --negative-control` compares with an early-exit loop instead; its
 * meson test expects valgrind to fail, proving the harness detects a leak.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include "crypto/mac.h"
#include "crypto/prim.h"
#include "crypto/sig.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void
secret(const void *p, size_t n)
{
	(void)VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

/* A result derived from secrets is declassified before it is branched on. */
static int
declassify(int v)
{
	(void)VALGRIND_MAKE_MEM_DEFINED(&v, sizeof(v));
	return v;
}

/* What the test must catch: an early-exit compare. */
static int __attribute__((noinline)) leaky_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static const size_t lens[] = {1, 4, 8, 12, 16, 20, 24, 32, 48};

static void
test_ct_equal_fns(int negative)
{
	uint8_t a[48], b[48];

	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		size_t n = lens[l];

		for (int diff = -1; diff < (int)n; diff += (int)(n / 3) + 1) {
			int r1, r2;

			for (size_t i = 0; i < n; i++)
				a[i] = b[i] = (uint8_t)(i * 37 + n);
			if (diff >= 0)
				b[diff] ^= 0x10;
			secret(a, n);
			secret(b, n);
			if (negative) {
				r1 = r2 = declassify(leaky_equal(a, b, n));
			} else {
				r1 = declassify(sw_mac_ct_equal(a, b, n));
				r2 = declassify(sw_prim_ct_equal(a, b, n));
			}
			CHECK(r1 == (diff < 0), "sw_mac_ct_equal n=%zu diff=%d: %d", n, diff, r1);
			CHECK(r2 == (diff < 0), "sw_prim_ct_equal n=%zu diff=%d: %d", n, diff, r2);
		}
	}
}

static void
test_verify_burst(enum sw_mac_impl impl, const char *name)
{
	static const enum sw_mac_alg algs[] = {SW_MAC_HMAC_MD5, SW_MAC_HMAC_SHA1,
					       SW_MAC_HMAC_SHA256, SW_MAC_HMAC_SHA384};
	struct sw_mac_engine *eng = NULL;
	uint8_t raw[32], msg[300], tags[8][SW_MAC_TAG_MAX], good[SW_MAC_TAG_MAX], ok[8];
	struct sw_mac_key key;
	struct sw_mac_job jobs[8];
	int ret;

	ret = sw_mac_engine_create(impl, &eng);
	if (ret != 0) {
		fprintf(stderr, "ct: %s engine unavailable (%d), skipped\n", name, ret);
		return;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i + 1);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		unsigned int dlen = sw_mac_digest_len(algs[a]);
		struct sw_mac_job cj = {
			.key = &key, .msg = msg, .msg_len = sizeof(msg), .tag_len = (uint8_t)dlen};
		uint8_t(*ctag)[SW_MAC_TAG_MAX] = tags;

		if (sw_mac_key_init(&key, algs[a], raw, sizeof(raw)) != 0)
			continue;
		if (sw_mac_compute_burst(eng, &cj, 1, ctag) != 1) {
			/* e.g. MD5 on the multi-buffer engine goes through the reference */
			CHECK(0, "%s: compute alg %zu", name, a);
			continue;
		}
		memcpy(good, ctag[0], dlen);
		/* 8 jobs: equal, and a difference in each eighth of the tag. */
		for (unsigned int j = 0; j < 8; j++) {
			memcpy(tags[j], good, dlen);
			if (j != 0)
				tags[j][(j - 1) * dlen / 7] ^= 0x01;
			secret(tags[j], dlen);
			jobs[j] = (struct sw_mac_job){.key = &key,
						      .msg = msg,
						      .msg_len = sizeof(msg),
						      .tag = tags[j],
						      .tag_len = (uint8_t)dlen};
		}
		ret = sw_mac_verify_burst(eng, jobs, 8, ok);
		ret = declassify(ret);
		(void)VALGRIND_MAKE_MEM_DEFINED(ok, sizeof(ok));
		CHECK(ret == 1, "%s alg %zu: matched %d", name, a, ret);
		for (unsigned int j = 0; j < 8; j++)
			CHECK(ok[j] == (j == 0), "%s alg %zu job %u: ok %u", name, a, j, ok[j]);
		sw_mac_key_wipe(&key);
	}
	sw_mac_engine_free(eng);
}

/*
 * The lcore's path for a signed request: sw_sig_job_prep() on the wire token
 * (framing checked, checksum copied to the tag scratch), then the batch
 * compare.  The received checksum is secret; the framing bytes are public.
 * (The scalar sw_sig_verify() compares with CRYPTO_memcmp() and then
 * branches on the outcome, which is public by definition, so it cannot be
 * checked this way without declassifying inside the library.)
 */
static void
test_sig_batch_path(void)
{
	static const struct {
		const char *name;
		int enctype; /* 0: NTLM */
		size_t klen, ck_off, ck_len;
	} keys[] = {
		{"ntlm", 0, 16, 4, 8},
		{"aes256-sha1", SW_ENCTYPE_AES256_SHA1, 32, 16, 12},
		{"aes128-sha256", SW_ENCTYPE_AES128_SHA256, 16, 16, 16},
		{"aes256-sha384", SW_ENCTYPE_AES256_SHA384, 32, 16, 24},
		{"rc4-hmac", SW_ENCTYPE_RC4_HMAC, 16, 29, 8},
	};
	static uint8_t slot[SW_SIG_HEADROOM + 200 + SW_SIG_TAILROOM];
	uint8_t raw[32], buf[200], tok[SW_SIG_TOKEN_MAX], t2[SW_SIG_TOKEN_MAX];
	uint8_t tag[SW_MAC_TAG_MAX], ok;
	struct sw_mac_engine *eng = NULL;

	if (sw_mac_engine_create(SW_MAC_IMPL_REF, &eng) != 0) {
		CHECK(0, "reference engine");
		return;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(0xa0 ^ i);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)('a' + i % 26);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		struct sw_sig_key key;
		int n, r;

		if (keys[k].enctype == 0)
			r = sw_sig_key_init_ntlm(&key, raw, SW_DIR_C2S);
		else
			r = sw_sig_key_init_krb(&key, keys[k].enctype, raw, keys[k].klen,
						SW_DIR_C2S);
		CHECK(r == 0, "%s: key init %d", keys[k].name, r);
		if (r != 0)
			continue;
		n = sw_sig_sign(&key, buf, sizeof(buf), 5, tok, sizeof(tok));
		CHECK(n > 0 && (size_t)n >= keys[k].ck_off + keys[k].ck_len, "%s: sign %d",
		      keys[k].name, n);
		if (n <= 0)
			continue;
		for (int flip = -1; flip < (int)keys[k].ck_len; flip += 3) {
			struct sw_mac_job job;

			memcpy(t2, tok, (size_t)n);
			if (flip >= 0)
				t2[keys[k].ck_off + (size_t)flip] ^= 0x80;
			memcpy(slot + SW_SIG_HEADROOM, buf, sizeof(buf));
			secret(t2 + keys[k].ck_off, keys[k].ck_len);
			r = sw_sig_job_prep(&key, slot, sizeof(buf), t2, (size_t)n, tag, &job);
			CHECK(r == 0, "%s flip %d: prep %d", keys[k].name, flip, r);
			if (r != 0)
				continue;
			r = declassify(sw_mac_verify_burst(eng, &job, 1, &ok));
			(void)VALGRIND_MAKE_MEM_DEFINED(&ok, 1);
			CHECK(r == (flip < 0) && ok == (flip < 0), "%s flip %d: %d/%u",
			      keys[k].name, flip, r, ok);
		}
		sw_sig_key_wipe(&key);
	}
	sw_mac_engine_free(eng);
}

int
main(int argc, char **argv)
{
	int negative = argc > 1 && strcmp(argv[1], "--negative-control") == 0;

	fprintf(stderr, "ct: %s valgrind%s\n", RUNNING_ON_VALGRIND ? "under" : "not under",
		negative ? " (negative control)" : "");
	test_ct_equal_fns(negative);
	if (!negative) {
		test_verify_burst(SW_MAC_IMPL_REF, "ref");
		test_verify_burst(SW_MAC_IMPL_MB, "mb");
		test_sig_batch_path();
	}
	if (failures != 0)
		fprintf(stderr, "ct: %d failures\n", failures);
	return failures != 0;
}
