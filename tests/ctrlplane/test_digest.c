/*
 * crypto/digest.c: GHASH from intel-ipsec-mb against a bit-by-bit reference
 * (NIST SP 800-38D, Algorithm 1), the padding/length framing, and the
 * properties the retransmission cache relies on (suite 'unit').
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/digest.h"
#include "tests/common/guard.h"

/* Z = X * Y in GF(2^128), GCM bit order. */
static void
gf_mul(const uint8_t x[16], const uint8_t y[16], uint8_t z[16])
{
	uint8_t v[16];
	int i, j, lsb;

	memset(z, 0, 16);
	memcpy(v, y, 16);
	for (i = 0; i < 128; i++) {
		if (x[i / 8] & (0x80 >> (i % 8)))
			for (j = 0; j < 16; j++)
				z[j] ^= v[j];
		lsb = v[15] & 1;
		for (j = 15; j > 0; j--)
			v[j] = (uint8_t)(v[j] >> 1 | v[j - 1] << 7);
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1;
	}
}

/* Reference of sw_digest128(): whole blocks, padded tail, length block. */
static void
ref_digest(const uint8_t h[16], const uint8_t *p, size_t len, uint8_t out[16])
{
	uint8_t x[16] = {0}, blk[16], t[16];
	size_t off, n, i;
	uint64_t bits = (uint64_t)len * 8;

	for (off = 0; off < len; off += 16) {
		n = len - off < 16 ? len - off : 16;
		memset(blk, 0, 16);
		memcpy(blk, p + off, n);
		for (i = 0; i < 16; i++)
			x[i] ^= blk[i];
		gf_mul(x, h, t);
		memcpy(x, t, 16);
	}
	memset(blk, 0, 16);
	for (i = 0; i < 8; i++)
		blk[8 + i] = (uint8_t)(bits >> (56 - 8 * i));
	for (i = 0; i < 16; i++)
		x[i] ^= blk[i];
	gf_mul(x, h, t);
	memcpy(out, t, 16);
}

static const uint8_t h_fixed[16] = {0x66, 0xe9, 0x4b, 0xd4, 0xef, 0x8a, 0x2c, 0x3b,
				    0x88, 0x4c, 0xfa, 0x59, 0xca, 0x34, 0x2b, 0x2e};

static void
test_digest_matches_reference(void **state)
{
	static const size_t lens[] = {0,   1,   15,  16,  17,   31,   32,  33,
				      128, 129, 255, 700, 1024, 1500, 9000};
	struct sw_digest *d = NULL;
	uint8_t msg[9000], got[16], want[16];
	struct guard_buf g = {0};
	const uint8_t *gp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(sw_digest_init(h_fixed, &d), 0);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		gp = guard_buf_put(&g, msg, lens[i]);
		assert_non_null(gp);
		sw_digest128(d, gp, lens[i], got);
		ref_digest(h_fixed, msg, lens[i], want);
		if (memcmp(got, want, 16) != 0)
			fail_msg("len %zu: GHASH differs from the reference", lens[i]);
		guard_buf_free(&g);
	}
	sw_digest_free(d);
}

/* sw_digest_public2() with an empty first input is sw_digest_public() of the
 * second (same blocks), on both sides of crypto/digest.c's one-call limit. */
static void
test_digest_public2(void **state)
{
	static const size_t lens[] = {0, 1, 15, 16, 17, 700, 1008, 1009, 1024, 1025, 1500};
	struct sw_digest *d = NULL;
	uint8_t msg[1500];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 29 + 3);
	assert_int_equal(sw_digest_init(NULL, &d), 0);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (sw_digest_public2(d, NULL, 0, msg, lens[i]) !=
		    sw_digest_public(d, msg, lens[i]))
			fail_msg("len %zu: public2 differs from public", lens[i]);
	/* The split point is hashed, below and above the limit. */
	assert_true(sw_digest_public2(d, msg, 17, msg + 17, 40) !=
		    sw_digest_public2(d, msg, 16, msg + 16, 41));
	assert_true(sw_digest_public2(d, msg, 17, msg + 17, 1200) !=
		    sw_digest_public2(d, msg, 16, msg + 16, 1201));
	assert_true(sw_digest_public2(d, msg, 17, msg + 17, 40) ==
		    sw_digest_public2(d, msg, 17, msg + 17, 40));
	assert_true(sw_digest_public(d, msg, 40) != sw_digest(d, msg, 40));
	sw_digest_free(d);
}

static void
test_digest_properties(void **state)
{
	struct sw_digest *a = NULL, *b = NULL;
	uint8_t msg[1024] = {0};

	(void)state;
	assert_int_equal(sw_digest_init(NULL, &a), 0);
	assert_int_equal(sw_digest_init(NULL, &b), 0);
	memcpy(msg, "REGISTER sip:x SIP/2.0\r\n", 24);
	/* Deterministic, keyed, length-sensitive, every bit matters. */
	assert_true(sw_digest(a, msg, 1000) == sw_digest(a, msg, 1000));
	assert_true(sw_digest(a, msg, 1000) != sw_digest(b, msg, 1000));
	assert_true(sw_digest(a, msg, 1000) != sw_digest(a, msg, 1001));
	assert_true(sw_digest(a, msg, 0) != sw_digest(a, msg, 16));
	{
		uint64_t base = sw_digest(a, msg, 1000);
		size_t bit;

		for (bit = 0; bit < 1000 * 8; bit += 61) {
			msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_true(sw_digest(a, msg, 1000) != base);
			msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
	assert_int_equal(sw_digest_init(NULL, NULL), -22);
	sw_digest_free(NULL);
	sw_digest_free(a);
	sw_digest_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_matches_reference),
		cmocka_unit_test(test_digest_public2),
		cmocka_unit_test(test_digest_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
