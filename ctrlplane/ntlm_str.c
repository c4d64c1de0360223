/*
 * UTF-8 / UTF-16LE conversion and upper-casing for NTLM names.
 *
 * NTOWFv2 (MS-NLMP §3.3.2) hashes Uppercase(User) in UTF-16, and account
 * look-up is case-insensitive, so both sides must fold alike.  Windows uses
 * its own simple (1:1) upper-case table; this covers ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic, which is what the directory names we
 * meet use.  Characters outside those ranges are left unchanged: such names
 * still work when the client sends them in the case the account has.
 */

#include <errno.h>

#include "ctrlplane/ntlm_priv.h"

uint16_t
sw_ntlm_u16_upper(uint16_t c)
{
	if (c >= 'a' && c <= 'z')
		return (uint16_t)(c - 0x20);
	if (c < 0x00e0)
		return c;
	if (c <= 0x00fe)
		return c == 0x00f7 ? c : (uint16_t)(c - 0x20);
	if (c == 0x00ff)
		return 0x0178;
	/* Latin Extended-A: mostly (upper, lower) pairs. */
	if (c >= 0x0100 && c <= 0x0137)
		return (uint16_t)(c & ~1u);
	if (c >= 0x0139 && c <= 0x0148)
		return (c & 1u) == 0 ? (uint16_t)(c - 1) : c;
	if (c >= 0x014a && c <= 0x0177)
		return (uint16_t)(c & ~1u);
	if (c == 0x017a || c == 0x017c || c == 0x017e)
		return (uint16_t)(c - 1);
	/* Greek. */
	if (c >= 0x03b1 && c <= 0x03c9 && c != 0x03c2)
		return (uint16_t)(c - 0x20);
	/* Cyrillic. */
	if (c >= 0x0430 && c <= 0x044f)
		return (uint16_t)(c - 0x20);
	if (c >= 0x0450 && c <= 0x045f)
		return (uint16_t)(c - 0x50);
	return c;
}

int
sw_ntlm_u16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap, int upper)
{
	size_t i, o = 0;

	if ((len & 1) != 0 || cap == 0 || (in == NULL && len != 0))
		return -EINVAL;
	for (i = 0; i < len; i += 2) {
		uint32_t cp = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;

		if (cp == 0)
			return -EINVAL;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo;

			if (i + 4 > len)
				return -EINVAL;
			lo = (uint32_t)in[i + 2] | (uint32_t)in[i + 3] << 8;
			if (lo < 0xdc00 || lo > 0xdfff)
				return -EINVAL;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return -EINVAL;
		} else if (upper) {
			cp = sw_ntlm_u16_upper((uint16_t)cp);
		}
		if (cp < 0x80) {
			if (cap - o < 2)
				return -ENOSPC;
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			if (cap - o < 3)
				return -ENOSPC;
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			if (cap - o < 4)
				return -ENOSPC;
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			if (cap - o < 5)
				return -ENOSPC;
			out[o++] = (char)(0xf0 | cp >> 18);
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
	return (int)o;
}

int
sw_ntlm_utf8_to_u16(const char *in, size_t len, uint8_t *out, size_t cap, int upper)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t i = 0, o = 0;

	if (in == NULL && len != 0)
		return -EINVAL;
	while (i < len) {
		uint32_t cp, min;
		unsigned int n, k;

		if (s[i] < 0x80) {
			cp = s[i];
			n = 0;
			min = 0;
		} else if ((s[i] & 0xe0) == 0xc0) {
			cp = s[i] & 0x1fu;
			n = 1;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			cp = s[i] & 0x0fu;
			n = 2;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			cp = s[i] & 0x07u;
			n = 3;
			min = 0x10000;
		} else {
			return -EINVAL;
		}
		if (len - i - 1 < n)
			return -EINVAL;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return -EINVAL;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if (cp == 0 || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -EINVAL;
		i += 1 + n;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;

			if (cap - o < 4)
				return -ENOSPC;
			out[o++] = (uint8_t)((0xd800 + (v >> 10)) & 0xff);
			out[o++] = (uint8_t)((0xd800 + (v >> 10)) >> 8);
			out[o++] = (uint8_t)((0xdc00 + (v & 0x3ff)) & 0xff);
			out[o++] = (uint8_t)((0xdc00 + (v & 0x3ff)) >> 8);
		} else {
			if (upper)
				cp = sw_ntlm_u16_upper((uint16_t)cp);
			if (cap - o < 2)
				return -ENOSPC;
			out[o++] = (uint8_t)(cp & 0xff);
			out[o++] = (uint8_t)(cp >> 8);
		}
	}
	return (int)o;
}
