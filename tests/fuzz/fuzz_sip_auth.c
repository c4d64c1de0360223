/*
 * libFuzzer target: the auth-parameter parser and the hex decoder on its
 * values.  Every returned span must lie inside the input.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/sig.h"
#include "dataplane/sip_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sw_span in = { buf, (uint16_t)(size > UINT16_MAX ? UINT16_MAX : size) };
	struct sw_auth a;
	uint32_t off = 0;
	uint8_t tok[256];

	if (sw_auth_parse(in, &a, &off) != SW_AUTH_OK) {
		if (off > in.len)
			abort();
		return 0;
	}
	if (a.n > SW_AUTH_PARAM_MAX)
		abort();
	for (unsigned int i = 0; i < a.n; i++) {
		const struct sw_span *s[2] = { &a.kv[i].name, &a.kv[i].value };

		for (int k = 0; k < 2; k++)
			if (s[k]->len != 0 &&
			    (s[k]->p < buf || s[k]->p + s[k]->len > buf + in.len))
				abort();
		(void)sw_hex_decode(a.kv[i].value.p, a.kv[i].value.len, tok, sizeof(tok));
	}
	return 0;
}
