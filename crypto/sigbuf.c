/*
 * The MS-SIPAE signed buffer ([MS-SIPAE] §3.2.5.1.2; PROTOCOL.md §2).
 *
 * Every field is taken byte for byte from the message.  The only rewriting is
 * of header folding (RFC 3261 §7.3.1): a CRLF followed by whitespace inside a
 * value is the same header to every SIP stack, so it must sign the same as
 * the unfolded form, or a proxy behind us could read a From that differs
 * from the one we verified.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "crypto/sigbuf.h"

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Append @p v with every run of CR/LF plus following whitespace replaced by
 * a single space. */
static void
put_unfolded(struct sw_wbuf *w, struct sw_span v)
{
	const char *p = v.p, *end = v.p + v.len;

	while (p < end) {
		const char *cr = p;

		while (cr < end && *cr != '\r' && *cr != '\n')
			cr++;
		sw_wbuf_put(w, p, (size_t)(cr - p));
		if (cr == end)
			break;
		/* Drop trailing whitespace before the fold and the whitespace
		 * after it: "a \r\n\t b" is "a b". */
		while (w->len > 0 && !w->overflow && is_wsp((char)w->p[w->len - 1]))
			w->len--;
		p = cr;
		while (p < end && (*p == '\r' || *p == '\n' || is_wsp(*p)))
			p++;
		sw_wbuf_put(w, " ", 1);
	}
}

static void
put_field(struct sw_wbuf *w, struct sw_span v)
{
	sw_wbuf_put(w, "<", 1);
	if (v.len != 0 && (memchr(v.p, '\n', v.len) != NULL || memchr(v.p, '\r', v.len) != NULL))
		put_unfolded(w, v);
	else
		sw_wbuf_put(w, v.p, v.len);
	sw_wbuf_put(w, ">", 1);
}

unsigned int
sw_sigbuf_version(struct sw_span v)
{
	if (v.p == NULL)
		return 2; /* no version parameter: version 2 */
	if (v.len == 1 && v.p[0] >= '2' && v.p[0] <= '4')
		return (unsigned int)(v.p[0] - '0');
	return 0;
}

int
sw_sigbuf_build(const struct sw_sip_msg *msg, const struct sw_sigbuf_auth *auth,
		struct sw_wbuf *w)
{
	struct sw_span from = sw_sip_value(msg, SW_HDR_FROM);
	struct sw_span to = sw_sip_value(msg, SW_HDR_TO);
	struct sw_span pai_sip, pai_tel;

	if (auth->version < 2 || auth->version > 4)
		return -EINVAL;

	put_field(w, auth->scheme);
	put_field(w, auth->rand);
	put_field(w, auth->num);
	put_field(w, auth->realm);
	put_field(w, auth->targetname);
	put_field(w, sw_sip_value(msg, SW_HDR_CALL_ID));
	put_field(w, msg->cseq_num_s);
	put_field(w, msg->cseq_method);
	put_field(w, sw_sip_uri_of(from));
	put_field(w, sw_sip_tag_of(from));
	if (auth->version >= 3) {
		put_field(w, sw_sip_uri_of(to));
		put_field(w, sw_sip_tag_of(to));
		sw_sip_identity_uris(msg, &pai_sip, &pai_tel);
		put_field(w, pai_sip);
		put_field(w, pai_tel);
	} else {
		put_field(w, sw_sip_tag_of(to));
	}
	put_field(w, sw_sip_expires(msg));
	if (msg->status != 0) {
		/* Responses only; a request omits the field entirely. */
		sw_wbuf_put(w, "<", 1);
		sw_wbuf_put_u64(w, msg->status);
		sw_wbuf_put(w, ">", 1);
	}
	return sw_wbuf_ok(w) ? 0 : -ENOSPC;
}
