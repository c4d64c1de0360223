/*
 * libFuzzer target: the two text codecs that see attacker bytes before any
 * signature is checked -- strict base64 of gssapi-data (crypto/prim.h
 * sw_prim_b64_decode) and hex of response=/rspauth= (crypto/sig.h
 * sw_hex_decode).  Properties, for every input and every output capacity:
 *  - nothing is written past cap (the output sits against a redzone: ASan);
 *  - an accepted input is canonical: encoding what was decoded gives the
 *    input back (base64 byte for byte, hex case-insensitively);
 *  - the decoders agree with a plain reference on accept/reject.
 * The first input byte picks the capacity so short buffers are exercised.
 */

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/prim.h"
#include "crypto/sig.h"

/* A violated property: say which, then crash so libFuzzer keeps the input. */
#define FAIL()                                                                                     \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: property violated\n", __FILE__, __LINE__);                 \
		abort();                                                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX 4096u

static int
ref_b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Reference: RFC 4648 §4 with padding, canonical (unused bits zero). */
static int
ref_b64_decode(const char *in, size_t len, uint8_t *out)
{
	size_t i, pad = 0, n = 0;
	uint32_t acc;

	if (len % 4 != 0)
		return -EINVAL;
	if (len >= 1 && in[len - 1] == '=')
		pad = (len >= 2 && in[len - 2] == '=') ? 2 : 1;
	for (i = 0; i < len; i += 4) {
		int v[4];
		unsigned int k;

		for (k = 0; k < 4; k++) {
			if (i + k >= len - pad) {
				v[k] = 0;
				continue;
			}
			v[k] = ref_b64_val(in[i + k]);
			if (v[k] < 0)
				return -EINVAL;
		}
		acc = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		      (uint32_t)v[3];
		out[n++] = (uint8_t)(acc >> 16);
		if (i + 4 < len || pad < 2)
			out[n++] = (uint8_t)(acc >> 8);
		if (i + 4 < len || pad < 1)
			out[n++] = (uint8_t)acc;
		/* Canonical: the bits padding leaves over are zero. */
		if (i + 4 == len &&
		    ((pad == 2 && (acc & 0xffff) != 0) || (pad == 1 && (acc & 0xff) != 0)))
			return -EINVAL;
	}
	return (int)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ref[IN_MAX];
	static char enc[IN_MAX * 2 + 8];
	const char *in;
	size_t len, cap;
	uint8_t *out;
	int got, want;

	if (size < 1 || size > IN_MAX + 1)
		return 0;
	cap = data[0] == 0xff ? IN_MAX : data[0];
	in = (const char *)data + 1;
	len = size - 1;
	/* Exactly cap bytes on the heap: ASan's redzone catches a write past it. */
	out = malloc(cap != 0 ? cap : 1);
	if (out == NULL)
		FAIL();

	got = sw_prim_b64_decode(in, len, out, cap);
	want = ref_b64_decode(in, len, ref);
	if (want >= 0 && (size_t)want > cap)
		want = -EMSGSIZE;
	if ((got >= 0) != (want >= 0))
		FAIL();
	if (got >= 0) {
		if (got != want || memcmp(out, ref, (size_t)got) != 0)
			FAIL();
		if (sw_prim_b64_encode(out, (size_t)got, enc, sizeof(enc)) != (int)len ||
		    memcmp(enc, in, len) != 0)
			FAIL();
	} else if (got != -EINVAL && got != -EMSGSIZE) {
		FAIL();
	}

	got = sw_hex_decode(in, len, out, cap);
	if (got >= 0) {
		if (len % 2 != 0 || (size_t)got != len / 2 || (size_t)got > cap)
			FAIL();
		if (sw_hex_encode(out, (size_t)got, enc, sizeof(enc)) != (int)len ||
		    strncasecmp(enc, in, len) != 0)
			FAIL();
	} else {
		bool all_hex = len % 2 == 0;

		for (size_t i = 0; all_hex && i < len; i++)
			all_hex = isxdigit((unsigned char)in[i]) != 0;
		/* Capacity is checked first: -ENOSPC for any even input too long. */
		if (got == -ENOSPC ? !(len % 2 == 0 && len / 2 > cap)
				   : (got != -EINVAL || (all_hex && len / 2 <= cap)))
			FAIL();
	}
	free(out);
	return 0;
}
