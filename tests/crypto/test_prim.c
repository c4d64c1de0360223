/*
 * crypto/prim.h: the scalar primitives of the NTLM handshake and of
 * gssapi-data, against published vectors (cited per row).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/prim.h"
#include "tests/common/guard.h"

/* RFC 1320 §A.5 MD4 test suite. */
static void
test_prim_md4_rfc1320(void **state)
{
	static const struct {
		const char *in;
		uint8_t md[16];
	} v[] = {
		{ "", { 0x31, 0xd6, 0xcf, 0xe0, 0xd1, 0x6a, 0xe9, 0x31, 0xb7, 0x3c, 0x59, 0xd7,
			0xe0, 0xc0, 0x89, 0xc0 } },
		{ "abc", { 0xa4, 0x48, 0x01, 0x7a, 0xaf, 0x21, 0xd8, 0x52, 0x5f, 0xc1, 0x0a, 0xe8,
			   0x7a, 0xa6, 0x72, 0x9d } },
		{ "message digest", { 0xd9, 0x13, 0x0a, 0x81, 0x64, 0x54, 0x9f, 0xe8, 0x18, 0x87,
				      0x48, 0x06, 0xe1, 0xc7, 0x01, 0x4b } },
	};
	uint8_t out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(sw_prim_md4(v[i].in, strlen(v[i].in), out), 0);
		assert_memory_equal(out, v[i].md, 16);
	}
}

/* RFC 2202 §2 test case 2 (HMAC-MD5, "Jefe"), message given in two pieces. */
static void
test_prim_hmac_md5_rfc2202(void **state)
{
	static const uint8_t want[16] = { 0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03,
					  0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d, 0xb7, 0x38 };
	struct sw_iov iov[2] = { { "what do ya want ", 16 }, { "for nothing?", 12 } };
	uint8_t out[16];

	(void)state;
	assert_int_equal(sw_prim_hmac_md5((const uint8_t *)"Jefe", 4, iov, 2, out), 0);
	assert_memory_equal(out, want, 16);
	assert_int_equal(sw_prim_hmac_md5(NULL, 0, iov, 2, out), -EINVAL);
	assert_int_equal(sw_prim_hmac_md5((const uint8_t *)"Jefe", 4, iov, SW_PRIM_IOV_MAX + 1,
					  out),
			 -EINVAL);
}

/* RFC 6229 §2, 128-bit key 0x0102...10, keystream offset 0. */
static void
test_prim_rc4_rfc6229(void **state)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t ks[16] = { 0x9a, 0xc7, 0xcc, 0x9a, 0x60, 0x9d, 0x1e, 0xf7,
					0xb2, 0x93, 0x28, 0x99, 0xcd, 0xe4, 0x1b, 0x97 };
	uint8_t zero[16] = { 0 }, out[16];

	(void)state;
	assert_int_equal(sw_prim_rc4(key, zero, out, 16), 0);
	assert_memory_equal(out, ks, 16);
	memcpy(out, zero, 16); /* in place */
	assert_int_equal(sw_prim_rc4(key, out, out, 16), 0);
	assert_memory_equal(out, ks, 16);
}

/* RFC 4648 §10 vectors, strictness, bounds (input against a guard page). */
static void
test_prim_b64_rfc4648(void **state)
{
	static const struct {
		const char *raw, *enc;
	} v[] = { { "", "" },	       { "f", "Zg==" },	      { "fo", "Zm8=" },
		  { "foo", "Zm9v" },   { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		  { "foobar", "Zm9vYmFy" } };
	static const char *const bad[] = { "Zg=", "Z", "Zm9v!", "Zg==Zg==", "Zm9vY===", "Zm9v\n",
					   " Zm9v", "Z===",
					   /* fuzz_codec: non-canonical, padding bits set
					    * ("QY==" decoded as "A" like "QQ=="). */
					   "QY==", "Zh==", "Zm9=", "Zm9vYh==", "Zm9vYmF=" };
	char enc[64];
	uint8_t dec[64];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct guard_buf g = { 0 };
		const char *in;
		int n = sw_prim_b64_encode((const uint8_t *)v[i].raw, strlen(v[i].raw), enc,
					   sizeof(enc));

		assert_int_equal(n, strlen(v[i].enc));
		assert_string_equal(enc, v[i].enc);
		in = guard_buf_put(&g, v[i].enc, strlen(v[i].enc));
		n = sw_prim_b64_decode(in, strlen(v[i].enc), dec, sizeof(dec));
		assert_int_equal(n, strlen(v[i].raw));
		assert_memory_equal(dec, v[i].raw, (size_t)n);
		guard_buf_free(&g);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sw_prim_b64_decode(bad[i], strlen(bad[i]), dec, sizeof(dec)) >= 0)
			fail_msg("\"%s\" decoded", bad[i]);
	/* At the capacity edge and one past it. */
	assert_int_equal(sw_prim_b64_decode("Zm9vYmFy", 8, dec, 6), 6);
	assert_int_equal(sw_prim_b64_decode("Zm9vYmFy", 8, dec, 5), -EMSGSIZE);
	assert_int_equal(sw_prim_b64_encode((const uint8_t *)"foo", 3, enc, 5), 4);
	assert_int_equal(sw_prim_b64_encode((const uint8_t *)"foo", 3, enc, 4), -ENOSPC);
}

/*
 * Every byte value as every digit of a full quantum: accepted exactly when
 * it is in the RFC 4648 §4 alphabet, and then decoded to its index (checked
 * by encoding the result again).  Covers the whole decoding table.
 */
static void
test_prim_b64_every_byte(void **state)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char in[8], enc[16];
	uint8_t dec[6];

	(void)state;
	for (unsigned int c = 0; c < 256; c++) {
		/* Positions 6 and 7 would make '=' padding: covered above. */
		for (unsigned int pos = 0; pos < 6; pos++) {
			bool digit = c != 0 && memchr(alphabet, (int)c, 64) != NULL;
			int n;

			memcpy(in, "QUJDREVG", 8); /* "ABCDEF" */
			in[pos] = (char)c;
			n = sw_prim_b64_decode(in, 8, dec, sizeof(dec));
			if (!digit) {
				if (n != -EINVAL)
					fail_msg("byte 0x%02x at %u: %d", c, pos, n);
				continue;
			}
			assert_int_equal(n, 6);
			assert_int_equal(sw_prim_b64_encode(dec, 6, enc, sizeof(enc)), 8);
			assert_memory_equal(enc, in, 8);
		}
	}
}

/*
 * A token-sized input (many quanta) against a guard page, at the capacity
 * edge and one below it; and the order of the two errors: input that is not
 * base64 is -EINVAL even when it would not fit either.
 */
static void
test_prim_b64_long_and_cap(void **state)
{
	static uint8_t raw[1501], dec[1501];
	static char enc[2008];
	struct guard_buf g = { 0 };
	const char *in;
	size_t len;
	int n;

	(void)state;
	assert_int_equal(sw_prim_random(raw, sizeof(raw)), 0);
	for (size_t r = sizeof(raw) - 2; r <= sizeof(raw); r++) { /* pad 0, 2, 1 */
		n = sw_prim_b64_encode(raw, r, enc, sizeof(enc));
		assert_true(n > 0);
		len = (size_t)n;
		in = guard_buf_put(&g, enc, len);
		assert_non_null(in);
		memset(dec, 0, sizeof(dec));
		assert_int_equal(sw_prim_b64_decode(in, len, dec, r), (int)r);
		assert_memory_equal(dec, raw, r);
		assert_int_equal(sw_prim_b64_decode(in, len, dec, r - 1), -EMSGSIZE);
		guard_buf_free(&g);
	}
	/* A bad digit early, late, or non-canonical padding bits: -EINVAL at any cap. */
	enc[100] = '!';
	assert_int_equal(sw_prim_b64_decode(enc, len, dec, 10), -EINVAL);
	assert_int_equal(sw_prim_b64_decode("Zm9vYh==", 8, dec, 1), -EINVAL);
	assert_int_equal(sw_prim_b64_decode("Zm9v!m9v", 8, dec, 1), -EINVAL);
	assert_int_equal(sw_prim_b64_decode("Zm9vYmF=", 8, dec, 0), -EINVAL);
	assert_int_equal(sw_prim_b64_decode("Zm9vYmE=", 8, dec, 4), -EMSGSIZE);
}

static void
test_prim_random_and_ct(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 }, z[32] = { 0 };

	(void)state;
	assert_int_equal(sw_prim_random(a, sizeof(a)), 0);
	assert_int_equal(sw_prim_random(b, sizeof(b)), 0);
	assert_false(sw_prim_ct_equal(a, b, sizeof(a))); /* 2^-256 */
	assert_true(sw_prim_ct_equal(a, a, sizeof(a)));
	sw_prim_wipe(a, sizeof(a));
	assert_memory_equal(a, z, sizeof(a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prim_md4_rfc1320),
		cmocka_unit_test(test_prim_hmac_md5_rfc2202),
		cmocka_unit_test(test_prim_rc4_rfc6229),
		cmocka_unit_test(test_prim_b64_rfc4648),
		cmocka_unit_test(test_prim_b64_every_byte),
		cmocka_unit_test(test_prim_b64_long_and_cap),
		cmocka_unit_test(test_prim_random_and_ct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
