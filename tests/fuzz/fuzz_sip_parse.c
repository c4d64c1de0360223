/*
 * libFuzzer target: the SIP parser, every accessor on what it returns, and
 * the signed-buffer builder over the parsed message.  Whatever the input,
 * nothing may read outside it (ASan), and every span must lie inside it.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/sigbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_span(const char *buf, size_t len, struct sw_span s)
{
	if (s.len != 0 && (s.p < buf || s.p + s.len > buf + len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	static struct sw_sip_msg msg;
	struct sw_span sip_uri, tel_uri, v;
	struct sw_sip_via via;
	struct sw_auth a;
	uint32_t off;
	uint8_t out[SW_SIGBUF_MAX];
	struct sw_wbuf w;
	uint8_t idx;
	uint16_t pos;

	if (sw_sip_parse(buf, size, &msg) != SW_SIP_OK)
		return 0;
	for (unsigned int i = 0; i < msg.n_hdr; i++) {
		check_span(buf, size, msg.hdr[i].name);
		check_span(buf, size, msg.hdr[i].value);
	}
	check_span(buf, size, msg.body);
	(void)sw_sip_top_via(&msg, &via);
	(void)sw_sip_max_forwards(&msg);
	sw_sip_identity_uris(&msg, &sip_uri, &tel_uri);
	check_span(buf, size, sip_uri);
	check_span(buf, size, tel_uri);
	check_span(buf, size, sw_sip_uri_of(sw_sip_value(&msg, SW_HDR_FROM)));
	check_span(buf, size, sw_sip_tag_of(sw_sip_value(&msg, SW_HDR_TO)));
	/* The one-scan accessor must agree with the two it stands for. */
	for (unsigned int h = SW_HDR_FROM; h <= SW_HDR_TO; h++) {
		struct sw_span u, t, u2, t2;

		v = sw_sip_value(&msg, h);
		sw_sip_addr_of(v, &u, &t);
		u2 = sw_sip_uri_of(v);
		t2 = sw_sip_tag_of(v);
		if (u.p != u2.p || u.len != u2.len || t.p != t2.p || t.len != t2.len)
			abort();
		/* And what the parser recorded for the signed buffer. */
		u2 = h == SW_HDR_FROM ? msg.from_uri : msg.to_uri;
		t2 = h == SW_HDR_FROM ? msg.from_tag : msg.to_tag;
		if (u.p != u2.p || u.len != u2.len || t.p != t2.p || t.len != t2.len)
			abort();
	}
	idx = msg.first[SW_HDR_VIA];
	pos = 0;
	while (sw_sip_next_value(&msg, &idx, &pos, &v))
		check_span(buf, size, v);

	for (unsigned int h = SW_HDR_AUTHORIZATION; h <= SW_HDR_PROXY_AUTHENTICATION_INFO; h++) {
		for (idx = msg.first[h]; idx != SW_HDR_NONE; idx = msg.hdr[idx].next) {
			struct sw_sigbuf_auth sa;

			if (sw_auth_parse(msg.hdr[idx].value, &a, &off) != SW_AUTH_OK)
				continue;
			sa.scheme = a.scheme;
			sa.rand = sw_auth_get(&a, SW_AUTH_P_CRAND);
			sa.num = sw_auth_get(&a, SW_AUTH_P_CNUM);
			sa.realm = sw_auth_get(&a, SW_AUTH_P_REALM);
			sa.targetname = sw_auth_get(&a, SW_AUTH_P_TARGETNAME);
			sa.version = sw_sigbuf_version(sw_auth_get(&a, SW_AUTH_P_VERSION));
			if (sa.version == 0)
				continue;
			sw_wbuf_init(&w, out, sizeof(out));
			(void)sw_sigbuf_build(&msg, &sa, &w);
		}
	}
	return 0;
}
