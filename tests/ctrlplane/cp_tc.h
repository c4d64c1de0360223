#ifndef SW_CP_TC_H
#define SW_CP_TC_H

/*
 * Test client for the control-plane tests: writes SIP requests with
 * MS-SIPAE credentials, signs them through a caller-supplied MIC (a real
 * initiator's gss_get_mic, or sw_sig_sign), checks signed responses.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/sip_parse.h"

struct tc_req {
	const char *method;  /* "REGISTER" */
	const char *user;    /* From/To user part, "bob" */
	const char *domain;  /* "domainb.test" */
	const char *call_id; /* NULL: "tc-<user>-1" */
	uint32_t cseq;
	const char *expires;	/* Expires header, NULL: none */
	const char *contact;	/* Contact value, NULL: <sip:user@192.0.2.7:5060> */
	const char *via_branch; /* NULL: z9hG4bK-tc<cseq> */
	/* credentials (hdr NULL: none) */
	const char *hdr;    /* "Proxy-Authorization" / "Authorization" */
	const char *scheme; /* "Kerberos" / "NTLM" */
	const char *realm;
	const char *targetname;
	int version;	    /* 0: no version parameter */
	const char *opaque; /* NULL: none */
	const char *gssapi; /* NULL: none; "" for the empty NTLM leg */
	const char *crand;  /* NULL: unsigned */
	uint32_t cnum;
	const char *response; /* hex; NULL with crand set: response="" */
	const char *extra;    /* extra header lines, each ending CRLF */
};

/* Write the request; @return its length, or 0 if @p cap is too small. */
size_t tc_write(const struct tc_req *r, char *out, size_t cap);

/* MIC callback: sign buf[0, len) into tok (cap bytes); @return length or -1. */
typedef int (*tc_mic_fn)(void *arg, const uint8_t *buf, size_t len, uint8_t *tok, size_t cap);

/*
 * Sign request @p r (crand/cnum set, response ignored) with @p mic over its
 * MS-SIPAE buffer and write the final request.  @return length or 0.
 */
size_t tc_write_signed(struct tc_req r, tc_mic_fn mic, void *arg, char *out, size_t cap);

/*
 * Find the value of response header @p hdr_name in a parsed response and
 * the MS-SIPAE buffer it signs (srand/snum from that header), for a
 * verify_mic callback.  @return 0, or -1 if absent / malformed.
 */
int tc_rsp_sigbuf(const struct sw_sip_msg *rsp, int info_hdr, unsigned int version, uint8_t *buf,
		  size_t cap, size_t *len, uint8_t *tok, size_t tcap, size_t *tlen);

/* Value of parameter @p name of the first header @p hdr; "" if absent.  */
const char *tc_auth_param(const struct sw_sip_msg *msg, int hdr, const char *name, char *out,
			  size_t cap);

#endif /* SW_CP_TC_H */
