#ifndef SW_TEST_KRB_UTIL_H
#define SW_TEST_KRB_UTIL_H

/*
 * MIT initiator helpers for the ctrlplane tests: in-process kinit, GSS
 * initiator contexts, and raw AP-REQs built with the krb5 API (to control
 * the authenticator's time) wrapped as GSS InitialContextTokens.
 */

#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>
#include <krb5/krb5.h>

/* Password kinit into FILE ccache @p ccname; @p lifetime 0 = default. */
void ku_kinit(const char *princ, const char *password, const char *ccname, krb5_deltat lifetime);

/* Initiator credential from a ccache. */
gss_cred_id_t ku_icred(const char *princ, const char *ccname);

/* First leg for host-based @p target ("sip@host"): the AP-REQ token (caller frees with
 * gss_release_buffer) and the initiator context in *ctx. */
void ku_init(gss_cred_id_t icred, const char *target, OM_uint32 flags, gss_ctx_id_t *ctx,
	     gss_buffer_desc *token);

/*
 * Raw AP-REQ for @p server_princ from ccache @p ccname, wrapped in GSS framing:
 * the service ticket is fetched first (real time), then after @p sleep_s
 * seconds the AP-REQ is made with the clock shifted by @p time_offset
 * seconds.  @return token length written to out (cap bytes).
 */
size_t ku_raw_token(const char *ccname, const char *server_princ, int time_offset,
		    unsigned int sleep_s, uint8_t *out, size_t cap);

/* "major / minor" text. */
const char *ku_gss_err(OM_uint32 maj, OM_uint32 min);

/* Run kadmin.local -r REALM -q QUERY quietly; fails the test on error. */
void ku_kadmin(const char *realm, const char *query);

#endif
