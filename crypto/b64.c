/*
 * Strict, bounded base64 for gssapi-data (RFC 4648 §4).  OpenSSL's
 * EVP_DecodeBlock does the decoding; the checks it lacks (whitespace
 * trimming, padding position, the padding it decodes as zero bytes) are
 * done here first.
 */

#include <errno.h>
#include <stdbool.h>

#include <openssl/evp.h>

#include "crypto/prim.h"

static bool
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Value of a base64 digit (b64_char() already held). */
static unsigned int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned int)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned int)(c - 'a') + 26u;
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0') + 52u;
	return c == '+' ? 62u : 63u;
}

int
sw_prim_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t i, pad = 0, n;
	int got;

	if (len == 0)
		return 0;
	if (len % 4 != 0 || len > (size_t)INT32_MAX)
		return -EINVAL;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (!b64_char(in[i]))
			return -EINVAL;
	/* Canonical (RFC 4648 §3.5): the bits the padding leaves over are zero,
	 * so one token has exactly one encoding (EVP_DecodeBlock ignores them). */
	if (pad != 0 && (b64_val(in[len - pad - 1]) & (pad == 1 ? 0x03u : 0x0fu)) != 0)
		return -EINVAL;
	n = len / 4 * 3 - pad;
	if (n > cap)
		return -EMSGSIZE;
	/* EVP_DecodeBlock writes len/4*3 bytes, padding included: decode the
	 * last quantum separately so @p out never sees more than n bytes. */
	if (len > 4) {
		got = EVP_DecodeBlock(out, (const unsigned char *)in, (int)(len - 4));
		if (got != (int)((len - 4) / 4 * 3))
			return -EINVAL;
	}
	{
		unsigned char last[3];

		got = EVP_DecodeBlock(last, (const unsigned char *)in + len - 4, 4);
		if (got != 3)
			return -EINVAL;
		for (i = 0; i < 3 - pad; i++)
			out[len / 4 * 3 - 3 + i] = last[i];
	}
	return (int)n;
}

int
sw_prim_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need = (len + 2) / 3 * 4 + 1;

	if (need > cap || len > (size_t)INT32_MAX / 2)
		return -ENOSPC;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}
