/* Test client for the control-plane tests (see cp_tc.h). */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "crypto/wbuf.h"
#include "dataplane/sip_auth.h"
#include "tests/ctrlplane/cp_tc.h"

size_t
tc_write(const struct tc_req *r, char *out, size_t cap)
{
	static char creds[80000];
	char call_id[128], branch[64], contact[256];
	size_t c = 0;
	int n;

	snprintf(call_id, sizeof(call_id), "tc-%s-1", r->user);
	snprintf(branch, sizeof(branch), "z9hG4bK-tc%u", r->cseq);
	snprintf(contact, sizeof(contact), "<sip:%s@192.0.2.7:5060>", r->user);
	creds[0] = '\0';
	if (r->hdr != NULL) {
		c += (size_t)snprintf(creds + c, sizeof(creds) - c, "%s: %s qop=\"auth\"", r->hdr,
				      r->scheme);
		if (r->realm != NULL)
			c += (size_t)snprintf(creds + c, sizeof(creds) - c, ", realm=\"%s\"",
					      r->realm);
		if (r->targetname != NULL)
			c += (size_t)snprintf(creds + c, sizeof(creds) - c, ", targetname=\"%s\"",
					      r->targetname);
		if (r->version != 0)
			c += (size_t)snprintf(creds + c, sizeof(creds) - c, ", version=%d",
					      r->version);
		if (r->opaque != NULL)
			c += (size_t)snprintf(creds + c, sizeof(creds) - c, ", opaque=\"%s\"",
					      r->opaque);
		if (r->gssapi != NULL)
			c += (size_t)snprintf(creds + c, sizeof(creds) - c, ", gssapi-data=\"%s\"",
					      r->gssapi);
		if (r->crand != NULL)
			c += (size_t)snprintf(creds + c, sizeof(creds) - c,
					      ", crand=\"%s\", cnum=\"%u\", response=\"%s\"",
					      r->crand, r->cnum,
					      r->response != NULL ? r->response : "");
		if (c + 3 > sizeof(creds))
			return 0;
		strcat(creds, "\r\n");
	}
	n = snprintf(out, cap,
		     "%s sip:%s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=%s;rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:%s@%s>;tag=tc%s;epid=1\r\n"
		     "To: <sip:%s@%s>\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: %u %s\r\n"
		     "Contact: %s\r\n"
		     "%s%s%s%s"
		     "%s"
		     "Content-Length: 0\r\n\r\n",
		     r->method, r->domain, r->via_branch != NULL ? r->via_branch : branch, r->user,
		     r->domain, r->user, r->user, r->domain,
		     r->call_id != NULL ? r->call_id : call_id, r->cseq, r->method,
		     r->contact != NULL ? r->contact : contact,
		     r->expires != NULL ? "Expires: " : "", r->expires != NULL ? r->expires : "",
		     r->expires != NULL ? "\r\n" : "", r->extra != NULL ? r->extra : "", creds);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

size_t
tc_write_signed(struct tc_req r, tc_mic_fn mic, void *arg, char *out, size_t cap)
{
	static struct sw_sip_msg msg;
	struct sw_sigbuf_auth a;
	struct sw_wbuf w;
	uint8_t sb[8192], tok[128];
	char hex[2 * sizeof(tok) + 1];
	char v[16], cn[16];
	size_t len;
	int n;

	r.response = "";
	len = tc_write(&r, out, cap);
	if (len == 0 || sw_sip_parse(out, len, &msg) != SW_SIP_OK)
		return 0;
	snprintf(cn, sizeof(cn), "%u", r.cnum);
	a.scheme.p = r.scheme;
	a.scheme.len = (uint16_t)strlen(r.scheme);
	a.rand.p = r.crand;
	a.rand.len = (uint16_t)strlen(r.crand);
	a.num.p = cn;
	a.num.len = (uint16_t)strlen(cn);
	a.realm.p = r.realm;
	a.realm.len = (uint16_t)strlen(r.realm);
	a.targetname.p = r.targetname;
	a.targetname.len = (uint16_t)strlen(r.targetname);
	a.version = r.version == 0 ? 2 : (unsigned int)r.version;
	(void)v;
	sw_wbuf_init(&w, sb, sizeof(sb));
	if (sw_sigbuf_build(&msg, &a, &w) != 0)
		return 0;
	n = mic(arg, sb, w.len, tok, sizeof(tok));
	if (n <= 0 || sw_hex_encode(tok, (size_t)n, hex, sizeof(hex)) < 0)
		return 0;
	r.response = hex;
	return tc_write(&r, out, cap);
}

int
tc_rsp_sigbuf(const struct sw_sip_msg *rsp, int info_hdr, unsigned int version, uint8_t *buf,
	      size_t cap, size_t *len, uint8_t *tok, size_t tcap, size_t *tlen)
{
	struct sw_auth a;
	struct sw_sigbuf_auth sa;
	struct sw_wbuf w;
	struct sw_span rspauth;
	uint32_t off;
	int n;

	if (sw_auth_parse(sw_sip_value(rsp, (enum sw_hdr)info_hdr), &a, &off) != SW_AUTH_OK)
		return -1;
	sa.scheme = a.scheme;
	sa.rand = sw_auth_get(&a, SW_AUTH_P_SRAND);
	sa.num = sw_auth_get(&a, SW_AUTH_P_SNUM);
	sa.realm = sw_auth_get(&a, SW_AUTH_P_REALM);
	sa.targetname = sw_auth_get(&a, SW_AUTH_P_TARGETNAME);
	sa.version = version;
	rspauth = sw_auth_get(&a, SW_AUTH_P_RSPAUTH);
	if (sa.rand.len != 8 || sa.num.len == 0 || rspauth.len == 0)
		return -1;
	n = sw_hex_decode(rspauth.p, rspauth.len, tok, tcap);
	if (n <= 0)
		return -1;
	*tlen = (size_t)n;
	sw_wbuf_init(&w, buf, cap);
	if (sw_sigbuf_build(rsp, &sa, &w) != 0)
		return -1;
	*len = w.len;
	return 0;
}

const char *
tc_auth_param(const struct sw_sip_msg *msg, int hdr, const char *name, char *out, size_t cap)
{
	struct sw_auth a;
	uint32_t off;
	uint8_t i;

	out[0] = '\0';
	if (sw_auth_parse(sw_sip_value(msg, (enum sw_hdr)hdr), &a, &off) != SW_AUTH_OK)
		return out;
	for (i = 0; i < a.n; i++) {
		if (a.kv[i].name.len == strlen(name) &&
		    strncasecmp(a.kv[i].name.p, name, a.kv[i].name.len) == 0) {
			size_t n = a.kv[i].value.len < cap - 1 ? a.kv[i].value.len : cap - 1;

			memcpy(out, a.kv[i].value.p, n);
			out[n] = '\0';
			break;
		}
	}
	return out;
}
