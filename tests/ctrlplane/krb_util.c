/*
 * MIT initiator helpers for tests/ctrlplane (see krb_util.h).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "tests/ctrlplane/krb_util.h"
#include "tests/realm/kinit.h"

const char *
ku_gss_err(OM_uint32 maj, OM_uint32 min)
{
	static char msg[512];
	OM_uint32 lmin, ctx = 0;
	gss_buffer_desc a = GSS_C_EMPTY_BUFFER, b = GSS_C_EMPTY_BUFFER;

	gss_display_status(&lmin, maj, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &a);
	ctx = 0;
	gss_display_status(&lmin, min, GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &b);
	snprintf(msg, sizeof(msg), "%.*s / %.*s", (int)a.length, (const char *)a.value,
		 (int)b.length, (const char *)b.value);
	gss_release_buffer(&lmin, &a);
	gss_release_buffer(&lmin, &b);
	return msg;
}

void
ku_kinit(const char *princ_str, const char *password, const char *ccname, krb5_deltat lifetime)
{
	char err[256];

	if (sw_test_kinit(princ_str, password, ccname, lifetime, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

gss_cred_id_t
ku_icred(const char *princ, const char *ccname)
{
	OM_uint32 maj, min;
	gss_buffer_desc nb = {strlen(princ), (void *)(uintptr_t)princ};
	gss_name_t name = GSS_C_NO_NAME;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	gss_OID_set_desc mechs = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	gss_key_value_element_desc el = {"ccache", ccname};
	gss_key_value_set_desc store = {1, &el};

	maj = gss_import_name(&min, &nb, (gss_OID)(uintptr_t)GSS_KRB5_NT_PRINCIPAL_NAME, &name);
	assert_int_equal(maj, GSS_S_COMPLETE);
	maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &store,
				    &cred, NULL, NULL);
	gss_release_name(&min, &name);
	if (GSS_ERROR(maj))
		fail_msg("initiator cred %s: %s", princ, ku_gss_err(maj, min));
	return cred;
}

void
ku_init(gss_cred_id_t icred, const char *target, OM_uint32 flags, gss_ctx_id_t *ctx,
	gss_buffer_desc *token)
{
	OM_uint32 maj, min;
	gss_buffer_desc tb = {strlen(target), (void *)(uintptr_t)target};
	gss_name_t name = GSS_C_NO_NAME;

	maj = gss_import_name(&min, &tb, GSS_C_NT_HOSTBASED_SERVICE, &name);
	assert_int_equal(maj, GSS_S_COMPLETE);
	*ctx = GSS_C_NO_CONTEXT;
	maj = gss_init_sec_context(&min, icred, ctx, name, (gss_OID)(uintptr_t)gss_mech_krb5, flags,
				   0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, token, NULL,
				   NULL);
	gss_release_name(&min, &name);
	if (GSS_ERROR(maj))
		fail_msg("gss_init_sec_context %s: %s", target, ku_gss_err(maj, min));
}

size_t
ku_raw_token(const char *ccname, const char *server_princ, int time_offset, unsigned int sleep_s,
	     uint8_t *out, size_t cap)
{
	static const uint8_t hdr[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				      0x12, 0x01, 0x02, 0x02, 0x01, 0x00};
	krb5_context kctx = NULL;
	krb5_ccache cc = NULL;
	krb5_creds in, *creds = NULL;
	krb5_auth_context ac = NULL;
	krb5_data apreq = {0};
	size_t inner, o = 0;

	memset(&in, 0, sizeof(in));
	assert_int_equal(krb5_init_context(&kctx), 0);
	assert_int_equal(krb5_cc_resolve(kctx, ccname, &cc), 0);
	assert_int_equal(krb5_cc_get_principal(kctx, cc, &in.client), 0);
	assert_int_equal(krb5_parse_name(kctx, server_princ, &in.server), 0);
	if (krb5_get_credentials(kctx, 0, cc, &in, &creds) != 0)
		fail_msg("service ticket for %s", server_princ);
	if (sleep_s != 0)
		sleep(sleep_s);
	if (time_offset != 0) {
		krb5_timestamp now = (krb5_timestamp)time(NULL);

		assert_int_equal(krb5_set_real_time(kctx, now + time_offset, 0), 0);
	}
	assert_int_equal(krb5_auth_con_init(kctx, &ac), 0);
	/* No GSS checksum (0x8003): MIT then assumes no flags (MS-KILE's tolerance). */
	assert_int_equal(krb5_mk_req_extended(kctx, &ac, 0, NULL, creds, &apreq), 0);
	inner = sizeof(hdr) + apreq.length;
	assert_true(inner < 65536 && inner + 4 <= cap);
	out[o++] = 0x60;
	if (inner < 0x80) {
		out[o++] = (uint8_t)inner;
	} else if (inner < 0x100) {
		out[o++] = 0x81;
		out[o++] = (uint8_t)inner;
	} else {
		out[o++] = 0x82;
		out[o++] = (uint8_t)(inner >> 8);
		out[o++] = (uint8_t)inner;
	}
	memcpy(out + o, hdr, sizeof(hdr));
	o += sizeof(hdr);
	memcpy(out + o, apreq.data, apreq.length);
	o += apreq.length;

	krb5_free_data_contents(kctx, &apreq);
	krb5_auth_con_free(kctx, ac);
	krb5_free_creds(kctx, creds);
	krb5_free_cred_contents(kctx, &in);
	krb5_cc_close(kctx, cc);
	krb5_free_context(kctx);
	return o;
}

void
ku_kadmin(const char *realm, const char *query)
{
	static const char *const paths[] = {"/usr/sbin/kadmin.local",
					    "/usr/local/sbin/kadmin.local", "/sbin/kadmin.local"};
	const char *tool = "kadmin.local";
	char cmd[1024];
	int rc;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (access(paths[i], X_OK) == 0) {
			tool = paths[i];
			break;
		}
	}
	snprintf(cmd, sizeof(cmd), "%s -r %s -q '%s' >/dev/null 2>&1", tool, realm, query);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("kadmin.local -q '%s' failed (%d)", query, rc);
}
