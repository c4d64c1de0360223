/*
 * libFuzzer target: the SIP writer (dataplane/sip_write.c) on every message
 * the parser accepts.  For a request: a 407 and a 401 challenge, a 400 and a
 * 503 error, and the forwarding copy (our Via pushed, Max-Forwards
 * decremented, a Proxy-Authentication-Info appended); for a response: the
 * relayed copy (top Via popped).  Properties:
 *  - the writer never writes past its buffer (the output sits at the end of
 *    a heap block: ASan) and fails only with -ENOSPC / the documented -EINVAL;
 *  - whatever it writes parses again (what we emit is well-formed SIP), with
 *    the same Call-ID, CSeq and From, and for a forward the same method,
 *    Request-URI and body;
 *  - for a challenge the output is a response with the status asked for and
 *    exactly the credentials headers we offered.
 * Too-many-header and too-big outcomes of the reparse are allowed only when
 * the input was already at the parser's limits.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/wbuf.h"
#include "dataplane/sip_parse.h"
#include "dataplane/sip_write.h"

/* A violated property: say which, then crash so libFuzzer keeps the input. */
#define FAIL()                                                                                     \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: property violated\n", __FILE__, __LINE__);                 \
		abort();                                                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX 70000u

static struct sw_sip_msg in, out;

#define SPAN(s) ((struct sw_span){(s), (uint16_t)(sizeof(s) - 1)})

static void
same(struct sw_span a, struct sw_span b)
{
	if (a.len != b.len || (a.len != 0 && memcmp(a.p, b.p, a.len) != 0))
		FAIL();
}

/* The output must reparse; @p extra_hdrs: header lines the writer may add.
 * @return true if it parsed (false only for the allowed limit outcomes). */
static bool
reparse(const char *buf, size_t len, unsigned int extra_hdrs, size_t in_len)
{
	enum sw_sip_rc rc = sw_sip_parse(buf, len, &out);

	if (rc == SW_SIP_ETOOMANY && in.n_hdr + extra_hdrs > SW_SIP_HDR_MAX)
		return false;
	if (rc == SW_SIP_ETOOBIG && in_len + 512 > SW_SIP_MSG_MAX)
		return false;
	if (rc != SW_SIP_OK)
		FAIL();
	same(sw_sip_value(&in, SW_HDR_CALL_ID), sw_sip_value(&out, SW_HDR_CALL_ID));
	same(in.cseq_num_s, out.cseq_num_s);
	same(in.cseq_method, out.cseq_method);
	same(sw_sip_value(&in, SW_HDR_FROM), sw_sip_value(&out, SW_HDR_FROM));
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sw_sip_challenge ch[2] = {
		{SPAN("Kerberos"), SPAN("realm=\"SIP Communications Service\", targetname="
					"\"sip/proxy.example.test\", version=4")},
		{SPAN("NTLM"), SPAN("realm=\"SIP Communications Service\", targetname="
				    "\"proxy.example.test\", version=4")},
	};
	static const char extra[] = "Proxy-Authentication-Info: NTLM qop=\"auth\", opaque="
				    "\"0000BEEF\", srand=\"1\", snum=\"1\", rspauth=\"00\"\r\n";
	struct sw_wbuf w;
	char *mem;
	size_t cap;
	int ret;

	if (size < 1 || sw_sip_parse((const char *)data + 1, size - 1, &in) != SW_SIP_OK)
		return 0;
	/* Byte 0 picks the output capacity: small ones exercise -ENOSPC. */
	cap = data[0] >= 0xf0 ? OUT_MAX : (size_t)data[0] * 24;
	mem = malloc(cap + 1);
	if (mem == NULL)
		FAIL();
	mem += 1; /* nothing may be written before the buffer either */

	if (in.status == 0) {
		static const uint16_t st[2] = {407, 401};

		for (unsigned int i = 0; i < 2; i++) {
			sw_wbuf_init(&w, mem, cap);
			ret = sw_sip_write_challenge(&w, &in, (const char *)data + 1, st[i], ch, 2,
						     i == 0 ? SPAN(extra) : (struct sw_span){0});
			if (ret != 0 && ret != -ENOSPC)
				FAIL();
			if (ret == 0 && reparse(mem, w.len, 8, size)) {
				if (out.status != st[i] ||
				    out.count[i == 0 ? SW_HDR_PROXY_AUTHENTICATE
						     : SW_HDR_WWW_AUTHENTICATE] != 2 ||
				    out.count[SW_HDR_PROXY_AUTHORIZATION] != 0 ||
				    out.count[SW_HDR_AUTHORIZATION] != 0 || out.body.len != 0)
					FAIL();
			}
		}
		for (unsigned int i = 0; i < 2; i++) {
			sw_wbuf_init(&w, mem, cap);
			ret = sw_sip_write_error(&w, &in, (const char *)data + 1, i ? 503 : 400,
						 i ? 30 : 0, (struct sw_span){0});
			if (ret != 0 && ret != -ENOSPC)
				FAIL();
			if (ret == 0 && reparse(mem, w.len, 8, size)) {
				if (out.status != (i ? 503 : 400))
					FAIL();
			}
		}
		{
			struct sw_sip_fwd f = {
				.push_via = SPAN("SIP/2.0/UDP 10.1.2.1:5060;branch=z9hG4bK-sw1"),
				.dec_max_forwards = true,
				.info_hdr = SW_HDR_PROXY_AUTHENTICATION_INFO,
				.info = SPAN("NTLM qop=\"auth\", rspauth=\"00\""),
			};

			sw_wbuf_init(&w, mem, cap);
			ret = sw_sip_write_forward(&w, &in, (const char *)data + 1, size - 1, &f);
			if (ret == -EINVAL && sw_sip_max_forwards(&in) != 0)
				FAIL();
			if (ret != 0 && ret != -ENOSPC && ret != -EINVAL)
				FAIL();
			if (ret == 0 && reparse(mem, w.len, 4, size)) {
				same(in.method, out.method);
				same(in.ruri, out.ruri);
				same(in.body, out.body);
				if (out.count[SW_HDR_VIA] < 1)
					FAIL();
			}
		}
	} else {
		struct sw_sip_fwd f = {.pop_via = true, .info_hdr = SW_HDR_OTHER};

		sw_wbuf_init(&w, mem, cap);
		ret = sw_sip_write_forward(&w, &in, (const char *)data + 1, size - 1, &f);
		if (ret != 0 && ret != -ENOSPC && ret != -EINVAL)
			FAIL();
		if (ret == 0) {
			enum sw_sip_rc rc = sw_sip_parse(mem, w.len, &out);

			/* Popping the only Via leaves a response without one (EMISSING);
			 * the parser validates only the topmost Via, so the next one,
			 * now on top, may be empty (EMISSING) or malformed (EVIA).  The
			 * engine relays by our Via's sw-src, not by that one, and the
			 * client wrote it. */
			if (rc != SW_SIP_OK && rc != SW_SIP_EMISSING && rc != SW_SIP_EVIA &&
			    !(rc == SW_SIP_ETOOMANY && in.n_hdr + 1 > SW_SIP_HDR_MAX))
				FAIL();
			if (rc == SW_SIP_OK) {
				if (out.status != in.status)
					FAIL();
				same(in.body, out.body);
			}
		}
	}
	free(mem - 1);
	return 0;
}
