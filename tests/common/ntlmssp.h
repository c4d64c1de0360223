#ifndef SW_TEST_NTLMSSP_H
#define SW_TEST_NTLMSSP_H

/*
 * gss-ntlmssp as an independent oracle (tests and benchmark baselines).
 *
 * The plugin is dlopen()ed RTLD_LOCAL and driven through its own gss_*
 * entry points, never through MIT's mechglue: the mechglue routes an empty
 * first datagram token to SPNEGO (PROTOCOL.md §5), and in a process linked
 * with libgssapi_krb5 the global gss_* symbols are MIT's (PROTOCOL.md §6),
 * so every loaded entry point is checked to be the plugin's own.
 */

#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_ntlmssp.h>

#ifndef SW_GSSNTLMSSP_PATH
#define SW_GSSNTLMSSP_PATH "/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so"
#endif

struct sw_ntlmssp {
	void *handle;
	__typeof__(gss_import_name) *import_name;
	__typeof__(gss_release_name) *release_name;
	__typeof__(gss_acquire_cred) *acquire_cred;
	/* gssspi_acquire_cred_with_password: the same signature */
	__typeof__(gss_acquire_cred_with_password) *acquire_cred_with_password;
	__typeof__(gss_release_cred) *release_cred;
	__typeof__(gss_init_sec_context) *init_sec_context;
	__typeof__(gss_accept_sec_context) *accept_sec_context;
	__typeof__(gss_delete_sec_context) *delete_sec_context;
	__typeof__(gss_get_mic) *get_mic;
	__typeof__(gss_verify_mic) *verify_mic;
	__typeof__(gss_set_sec_context_option) *set_sec_context_option;
	__typeof__(gss_inquire_sec_context_by_oid) *inquire_sec_context_by_oid;
};

/* OIDs the callers pass to the plugin. */
extern gss_OID_desc sw_ntlmssp_oid_mech;	     /* GSS_NTLMSSP_OID */
extern gss_OID_desc sw_ntlmssp_oid_set_seq_num;	     /* GSS_NTLMSSP_SET_SEQ_NUM_OID */
extern gss_OID_desc sw_ntlmssp_oid_nt_user;	     /* GSS_C_NT_USER_NAME */
extern gss_OID_desc sw_ntlmssp_oid_nt_hostbased;     /* GSS_C_NT_HOSTBASED_SERVICE */
extern gss_OID_desc sw_ntlmssp_oid_sspi_session_key; /* GSS_C_INQ_SSPI_SESSION_KEY */

/*
 * Load the plugin: @p path, or $SW_GSSNTLMSSP when NULL, else
 * SW_GSSNTLMSSP_PATH.  Returns 0, or -1 with a reason in @p err (a missing
 * file or symbol, or a symbol that resolved to MIT's mechglue).  Loading an
 * already loaded @p api is a no-op.
 */
int sw_ntlmssp_load(struct sw_ntlmssp *api, const char *path, char *err, size_t err_len);

/* dlclose() and clear; safe on a never-loaded @p api. */
void sw_ntlmssp_unload(struct sw_ntlmssp *api);

/*
 * Set the context's NTLM sequence number for both directions (deployed SIP
 * clients and servers use 100 for every message, PROTOCOL.md §3).
 * gss-ntlmssp copies the 4 bytes in host order.  Returns the GSS major status.
 */
OM_uint32 sw_ntlmssp_set_seq(const struct sw_ntlmssp *api, gss_ctx_id_t *ctx, uint32_t seq,
			     OM_uint32 *minor);

#endif
