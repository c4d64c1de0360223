/*
 * crypto/hex.c decode and encode, built twice (tests/crypto/meson.build): with
 * their SSE2 steps and with SW_HEX_SCALAR_ONLY, the table loops alone.
 * Inputs end at a PROT_NONE page and outputs are exactly len/2 bytes before
 * one, so a load or store past either end faults.  Expected bytes come from
 * digit_ref() below, which shares nothing with hex.c.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/sig.h"
#include "tests/common/guard.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* Past the 64-byte one-pass limit of sw_hex_decode(), so both paths run. */
#define HEX_LEN_MAX 200u

/* Value of a hex digit, -1 for any other byte. */
static int
digit_ref(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* xorshift64*: deterministic across runs and platforms. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* len random digits of both cases into h. */
static void
random_hex(uint64_t *seed, char *h, size_t len)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	size_t i;

	for (i = 0; i < len; i++)
		h[i] = digits[rnd(seed) % (sizeof(digits) - 1)];
}

/*
 * Decode h[0, len) from a guarded copy into an output of exactly cap bytes
 * that ends at a guard page, pre-filled with 0xee.  Checks the result and
 * the output against the reference (or that nothing was written on an
 * error) and returns the result.
 */
static int
decode_checked(const char *h, size_t len, size_t cap, const char *what, size_t at)
{
	struct guard_buf gi = {0}, go = {0};
	uint8_t fill[HEX_LEN_MAX];
	const char *in;
	uint8_t *out;
	int got, want = (int)(len / 2);
	size_t i;

	assert_true(cap <= sizeof(fill));
	memset(fill, 0xee, sizeof(fill));
	in = guard_buf_put(&gi, h, len);
	out = guard_buf_put(&go, fill, cap);
	assert_non_null(in);
	assert_non_null(out);
	for (i = 0; i < len; i++) {
		if (digit_ref((unsigned char)h[i]) < 0)
			want = -EINVAL;
	}
	if (len % 2 != 0)
		want = -EINVAL;
	else if (len / 2 > cap)
		want = -ENOSPC;

	got = sw_hex_decode(in, len, out, cap);
	if (got != want)
		fail_msg("%s: len %zu cap %zu at %zu: got %d want %d", what, len, cap, at, got,
			 want);
	for (i = 0; i < cap; i++) {
		int b = 0xee;

		if (got >= 0 && i < (size_t)got)
			b = digit_ref((unsigned char)h[2 * i]) << 4 |
			    digit_ref((unsigned char)h[2 * i + 1]);
		if (out[i] != b)
			fail_msg("%s: len %zu at %zu: out[%zu] = %02x want %02x", what, len, at, i,
				 out[i], b);
	}
	guard_buf_free(&gi);
	guard_buf_free(&go);
	return got;
}

/* Every byte value at every position of a 58-digit input: three sixteen-digit
 * steps and a five-pair tail. */
static void
test_hex_decode_every_byte(void **state)
{
	char h[58];
	uint64_t seed = UINT64_C(0x4e58);
	size_t at;
	unsigned int b, ok = 0;

	(void)state;
	random_hex(&seed, h, sizeof(h));
	for (at = 0; at < sizeof(h); at++) {
		char keep = h[at];

		for (b = 0; b < 256; b++) {
			h[at] = (char)b;
			if (decode_checked(h, sizeof(h), 29, "byte", at) == 29)
				ok++;
		}
		h[at] = keep;
	}
	/* 22 hex digits of 256 byte values at each position. */
	assert_int_equal(ok, 22 * sizeof(h));
}

/* Every length 0..HEX_LEN_MAX at the edge of the output (cap len/2) and one
 * past it (cap len/2 - 1), and one bad digit at the first, last and a
 * random position. */
static void
test_hex_decode_lengths(void **state)
{
	static const char bad[] = {'g', 'G', '/', ':', '@', '`', ' ', '\0', '\x80', '\xff'};
	char h[HEX_LEN_MAX];
	uint64_t seed = UINT64_C(0x6865786c656e);
	size_t len, k, at[3];

	(void)state;
	for (len = 0; len <= HEX_LEN_MAX; len++) {
		random_hex(&seed, h, len);
		decode_checked(h, len, len / 2, "edge", 0);
		if (len >= 2)
			decode_checked(h, len, len / 2 - 1, "one short", 0);
		if (len == 0)
			continue;
		at[0] = 0;
		at[1] = len - 1;
		at[2] = rnd(&seed) % len;
		for (k = 0; k < ARRAY_LEN(at); k++) {
			char keep = h[at[k]];

			h[at[k]] = bad[rnd(&seed) % ARRAY_LEN(bad)];
			decode_checked(h, len, len / 2, "bad digit", at[k]);
			h[at[k]] = keep;
		}
	}
}

/* Named rows: case folding and the byte values next to each digit range. */
static void
test_hex_decode_table(void **state)
{
	static const struct {
		const char *name;
		const char *in;
		int want;
		uint8_t out[8];
	} rows[] = {
		{"upper", "0123456789ABCDEF", 8, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}},
		{"lower", "0123456789abcdef", 8, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}},
		{"mixed", "fFfF0000aAaA9999", 8, {0xff, 0xff, 0x00, 0x00, 0xaa, 0xaa, 0x99, 0x99}},
		{"slash before 0", "000000000000000/", -EINVAL, {0}},
		{"colon after 9", ":000000000000000", -EINVAL, {0}},
		{"at before A", "0000000@00000000", -EINVAL, {0}},
		{"G after F", "00000000G0000000", -EINVAL, {0}},
		{"backtick before a", "0000`00000000000", -EINVAL, {0}},
		{"g after f", "000000000000g000", -EINVAL, {0}},
		{"0x10 (0x30 without bit 5)",
		 "0000000000\x10"
		 "00000",
		 -EINVAL,
		 {0}},
		{"0xc1 (A with bit 7)",
		 "\xc1"
		 "000000000000000",
		 -EINVAL,
		 {0}},
		{"odd length", "012", -EINVAL, {0}},
	};
	uint8_t out[8];
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		memset(out, 0xee, sizeof(out));
		got = sw_hex_decode(rows[i].in, strlen(rows[i].in), out, sizeof(out));
		if (got != rows[i].want)
			fail_msg("%s: got %d want %d", rows[i].name, got, rows[i].want);
		if (got > 0)
			assert_memory_equal(out, rows[i].out, (size_t)got);
		else
			assert_int_equal(out[0], 0xee);
	}
}

/*
 * sw_hex_put() (and sw_hex_encode() on top of it): every length 0..HEX_LEN_MAX/2
 * of random bytes, both cases, input and output each ending at a guard page
 * (so a load or store past either end faults), against snprintf("%02x"/"%02X").
 */
static void
test_hex_put_lengths(void **state)
{
	uint64_t seed = 0x5eed0003;
	uint8_t bytes[HEX_LEN_MAX / 2];
	char want[HEX_LEN_MAX + 1], fill[HEX_LEN_MAX], enc[HEX_LEN_MAX + 1];
	size_t n, i, up;

	(void)state;
	memset(fill, '#', sizeof(fill));
	for (n = 0; n <= sizeof(bytes); n++) {
		for (i = 0; i < n; i++)
			bytes[i] = (uint8_t)rnd(&seed);
		for (up = 0; up < 2; up++) {
			struct guard_buf gi = {0}, go = {0};
			const uint8_t *in = guard_buf_put(&gi, bytes, n);
			char *out = guard_buf_put(&go, fill, 2 * n);

			for (i = 0; i < n; i++)
				snprintf(want + 2 * i, 3, up ? "%02X" : "%02x", bytes[i]);
			sw_hex_put(in, n, out, up != 0);
			if (n != 0 && memcmp(out, want, 2 * n) != 0)
				fail_msg("len %zu %s: %.*s want %.*s", n, up ? "upper" : "lower",
					 (int)(2 * n), out, (int)(2 * n), want);
			guard_buf_free(&gi);
			guard_buf_free(&go);
		}
		/* sw_hex_encode(): upper case and a NUL, exactly 2n + 1 bytes. */
		assert_int_equal(sw_hex_encode(bytes, n, enc, 2 * n + 1), (int)(2 * n));
		assert_int_equal(enc[2 * n], '\0');
		assert_int_equal(memcmp(enc, want, 2 * n), 0);
		assert_int_equal(sw_hex_encode(bytes, n, enc, 2 * n), -ENOSPC);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_decode_table),
		cmocka_unit_test(test_hex_decode_every_byte),
		cmocka_unit_test(test_hex_decode_lengths),
		cmocka_unit_test(test_hex_put_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
