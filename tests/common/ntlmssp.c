/* gss-ntlmssp loader shared by tests and benchmark baselines: see ntlmssp.h. */

#define _GNU_SOURCE /* RTLD_DEFAULT */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/common/ntlmssp.h"

static char oid_mech_b[] = GSS_NTLMSSP_OID_STRING;
static char oid_set_seq_num_b[] = GSS_NTLMSSP_SET_SEQ_NUM_OID_STRING;
static char oid_nt_user_b[] = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01";
static char oid_nt_hostbased_b[] = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04";
static char oid_sspi_session_key_b[] = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05";

gss_OID_desc sw_ntlmssp_oid_mech = {GSS_NTLMSSP_OID_LENGTH, oid_mech_b};
gss_OID_desc sw_ntlmssp_oid_set_seq_num = {GSS_NTLMSSP_SET_SEQ_NUM_OID_LENGTH, oid_set_seq_num_b};
gss_OID_desc sw_ntlmssp_oid_nt_user = {10, oid_nt_user_b};
gss_OID_desc sw_ntlmssp_oid_nt_hostbased = {10, oid_nt_hostbased_b};
gss_OID_desc sw_ntlmssp_oid_sspi_session_key = {11, oid_sspi_session_key_b};

int
sw_ntlmssp_load(struct sw_ntlmssp *api, const char *path, char *err, size_t err_len)
{
	if (api->handle != NULL)
		return 0;
	if (path == NULL)
		path = getenv("SW_GSSNTLMSSP");
	if (path == NULL || path[0] == '\0')
		path = SW_GSSNTLMSSP_PATH;
	memset(api, 0, sizeof(*api));
	api->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (api->handle == NULL) {
		snprintf(err, err_len, "dlopen %s: %s", path, dlerror());
		return -1;
	}
#define SYM(field, name)                                                                           \
	do {                                                                                       \
		*(void **)&api->field = dlsym(api->handle, name);                                  \
		if (api->field == NULL) {                                                          \
			snprintf(err, err_len, "dlsym %s: %s", name, dlerror());                   \
			goto fail;                                                                 \
		}                                                                                  \
		if ((void *)api->field == dlsym(RTLD_DEFAULT, name)) {                             \
			snprintf(err, err_len, "%s resolved to the global (mechglue) symbol",      \
				 name);                                                            \
			goto fail;                                                                 \
		}                                                                                  \
	} while (0)
	SYM(import_name, "gss_import_name");
	SYM(release_name, "gss_release_name");
	SYM(acquire_cred, "gss_acquire_cred");
	SYM(acquire_cred_with_password, "gssspi_acquire_cred_with_password");
	SYM(release_cred, "gss_release_cred");
	SYM(init_sec_context, "gss_init_sec_context");
	SYM(accept_sec_context, "gss_accept_sec_context");
	SYM(delete_sec_context, "gss_delete_sec_context");
	SYM(get_mic, "gss_get_mic");
	SYM(verify_mic, "gss_verify_mic");
	SYM(set_sec_context_option, "gss_set_sec_context_option");
	SYM(inquire_sec_context_by_oid, "gss_inquire_sec_context_by_oid");
#undef SYM
	return 0;
fail:
	sw_ntlmssp_unload(api);
	return -1;
}

void
sw_ntlmssp_unload(struct sw_ntlmssp *api)
{
	if (api->handle != NULL)
		dlclose(api->handle);
	memset(api, 0, sizeof(*api));
}

OM_uint32
sw_ntlmssp_set_seq(const struct sw_ntlmssp *api, gss_ctx_id_t *ctx, uint32_t seq, OM_uint32 *minor)
{
	gss_buffer_desc b = {sizeof(seq), &seq};

	return api->set_sec_context_option(minor, ctx, &sw_ntlmssp_oid_set_seq_num, &b);
}
