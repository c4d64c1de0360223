/*
 * Kerberos initiator through MIT GSS-API (PROTOCOL.md §1, §3, §5).
 *
 * Credentials: the default ccache, a named ccache, a client keytab
 * (gss_acquire_cred_from "client_keytab", tickets kept in a private MEMORY
 * ccache), or a password (krb5_get_init_creds_password into a MEMORY ccache,
 * then gss_krb5_import_cred): nothing is written to the user's ccache.
 * Contexts ask for integrity + identify (one round, no AP-REP) and, with
 * --mutual, mutual authentication.  Keys for crypto/sig come from
 * GSS_C_INQ_SSPI_SESSION_KEY and the sequence number from the lucid export of
 * a copy of the context (export, import twice), so the context itself stays
 * usable for gss_get_mic.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "client/client_priv.h"

#define LYNC_FLAGS (GSS_C_INTEG_FLAG | GSS_C_IDENTIFY_FLAG)

struct sw_cl_krb {
	gss_cred_id_t cred;
	krb5_context kctx; /* password / keytab: owns the MEMORY ccache */
	krb5_ccache mcc;
	char mcc_name[64];
	int64_t endtime;
};

struct sw_cl_krb_ctx {
	gss_ctx_id_t ctx;
	gss_name_t target;
	OM_uint32 flags;
	struct sw_cl_krb *k;
};

static void
gss_msg(OM_uint32 maj, OM_uint32 min, const char *what, char *err, size_t cap)
{
	OM_uint32 lmin, mctx = 0;
	gss_buffer_desc a = GSS_C_EMPTY_BUFFER, b = GSS_C_EMPTY_BUFFER;

	if (err == NULL || cap == 0)
		return;
	gss_display_status(&lmin, maj, GSS_C_GSS_CODE, GSS_C_NO_OID, &mctx, &a);
	mctx = 0;
	gss_display_status(&lmin, min, GSS_C_MECH_CODE, (gss_OID)(uintptr_t)gss_mech_krb5, &mctx,
			   &b);
	snprintf(err, cap, "%s: %.*s (%.*s)", what, (int)a.length, (const char *)a.value,
		 (int)b.length, (const char *)b.value);
	gss_release_buffer(&lmin, &a);
	gss_release_buffer(&lmin, &b);
}

static int
import_name(const char *s, gss_OID type, gss_name_t *out, char *err, size_t cap)
{
	OM_uint32 maj, min;
	gss_buffer_desc nb = {strlen(s), (void *)(uintptr_t)s};

	maj = gss_import_name(&min, &nb, type, out);
	if (GSS_ERROR(maj)) {
		gss_msg(maj, min, "gss_import_name", err, cap);
		return -EINVAL;
	}
	return 0;
}

/* kinit with a password into a fresh MEMORY ccache. */
static int
kinit_memory(struct sw_cl_krb *k, const char *user, const char *password, char *err, size_t cap)
{
	krb5_principal princ = NULL;
	krb5_get_init_creds_opt *opt = NULL;
	krb5_creds creds;
	krb5_error_code ret;
	int rc = -EACCES;

	memset(&creds, 0, sizeof(creds));
	ret = krb5_parse_name(k->kctx, user, &princ);
	if (ret == 0)
		ret = krb5_get_init_creds_opt_alloc(k->kctx, &opt);
	if (ret == 0)
		ret = krb5_get_init_creds_password(k->kctx, &creds, princ, password, NULL, NULL, 0,
						   NULL, opt);
	if (ret == 0)
		ret = krb5_cc_new_unique(k->kctx, "MEMORY", NULL, &k->mcc);
	if (ret == 0)
		ret = krb5_cc_initialize(k->kctx, k->mcc, princ);
	if (ret == 0)
		ret = krb5_cc_store_cred(k->kctx, k->mcc, &creds);
	if (ret != 0) {
		const char *m = krb5_get_error_message(k->kctx, ret);

		snprintf(err, cap, "kinit %s: %s", user, m);
		krb5_free_error_message(k->kctx, m);
		goto cleanup;
	}
	k->endtime = creds.times.endtime;
	rc = 0;

cleanup:
	krb5_free_cred_contents(k->kctx, &creds);
	krb5_get_init_creds_opt_free(k->kctx, opt);
	krb5_free_principal(k->kctx, princ);
	return rc;
}

int
sw_cl_krb_creds(const struct sw_cl_config *cfg, struct sw_cl_krb **out, char *err, size_t cap)
{
	OM_uint32 maj, min;
	gss_OID_set_desc mechs = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	gss_key_value_element_desc el[2];
	gss_key_value_set_desc store = {0, el};
	gss_name_t name = GSS_C_NO_NAME;
	struct sw_cl_krb *k;
	OM_uint32 lifetime = 0;
	int rc;

	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	k->cred = GSS_C_NO_CREDENTIAL;

	switch (cfg->krb_src) {
	case SW_CL_KRB_PASSWORD:
		if (cfg->password == NULL) {
			snprintf(err, cap, "kerberos: no password");
			rc = -EINVAL;
			goto fail;
		}
		if (krb5_init_context(&k->kctx) != 0) {
			rc = -ENOMEM;
			goto fail;
		}
		rc = kinit_memory(k, cfg->user, cfg->password, err, cap);
		if (rc != 0)
			goto fail;
		maj = gss_krb5_import_cred(&min, k->mcc, NULL, NULL, &k->cred);
		if (GSS_ERROR(maj)) {
			gss_msg(maj, min, "gss_krb5_import_cred", err, cap);
			rc = -EACCES;
			goto fail;
		}
		break;
	case SW_CL_KRB_KEYTAB:
		/* Tickets go to a private MEMORY ccache, not the user's default one. */
		snprintf(k->mcc_name, sizeof(k->mcc_name), "MEMORY:sipward-%p", (void *)k);
		el[0].key = "client_keytab";
		el[0].value = cfg->krb_keytab;
		el[1].key = "ccache";
		el[1].value = k->mcc_name;
		store.count = 2;
		/* fall through */
	case SW_CL_KRB_CCACHE:
		if (cfg->krb_src == SW_CL_KRB_CCACHE) {
			el[0].key = "ccache";
			el[0].value = cfg->krb_ccache;
			store.count = 1;
		}
		rc = import_name(cfg->user, (gss_OID)(uintptr_t)GSS_KRB5_NT_PRINCIPAL_NAME, &name,
				 err, cap);
		if (rc != 0)
			goto fail;
		maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
					    &store, &k->cred, NULL, &lifetime);
		gss_release_name(&min, &name);
		if (GSS_ERROR(maj)) {
			gss_msg(maj, min, "gss_acquire_cred_from", err, cap);
			rc = -EACCES;
			goto fail;
		}
		break;
	case SW_CL_KRB_DEFAULT:
	default:
		maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
				       GSS_C_INITIATE, &k->cred, NULL, &lifetime);
		if (GSS_ERROR(maj)) {
			gss_msg(maj, min, "gss_acquire_cred (default ccache)", err, cap);
			rc = -EACCES;
			goto fail;
		}
		break;
	}
	if (k->endtime == 0 && lifetime != 0 && lifetime != GSS_C_INDEFINITE)
		k->endtime = (int64_t)time(NULL) + lifetime;
	*out = k;
	return 0;

fail:
	sw_cl_krb_free(k);
	return rc;
}

void
sw_cl_krb_free(struct sw_cl_krb *k)
{
	OM_uint32 min;

	if (k == NULL)
		return;
	if (k->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&min, &k->cred);
	if (k->mcc != NULL)
		krb5_cc_destroy(k->kctx, k->mcc);
	if (k->kctx != NULL)
		krb5_free_context(k->kctx);
	free(k);
}

int64_t
sw_cl_krb_endtime(const struct sw_cl_krb *k)
{
	return k != NULL ? k->endtime : 0;
}

int
sw_cl_krb_start(struct sw_cl_krb *k, const char *targetname, bool mutual,
		struct sw_cl_krb_ctx **ctx_out, uint8_t **tok, size_t *tok_len, bool *complete,
		char *err, size_t cap)
{
	OM_uint32 maj, min, ret_flags = 0;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	struct sw_cl_krb_ctx *x;
	char svc[SW_CL_STR_MAX + 8];
	const char *slash;
	int rc;

	*ctx_out = NULL;
	*tok = NULL;
	*tok_len = 0;
	*complete = false;
	/* targetname "sip/<fqdn>" names the GSS host-based service sip@<fqdn>. */
	slash = strchr(targetname, '/');
	if (slash == NULL || slash == targetname || slash[1] == '\0') {
		snprintf(err, cap, "kerberos targetname \"%s\" is not service/fqdn", targetname);
		return -EINVAL;
	}
	snprintf(svc, sizeof(svc), "%.*s@%s", (int)(slash - targetname), targetname, slash + 1);
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	x->ctx = GSS_C_NO_CONTEXT;
	x->k = k;
	x->flags = LYNC_FLAGS | (mutual ? GSS_C_MUTUAL_FLAG : 0);
	rc = import_name(svc, GSS_C_NT_HOSTBASED_SERVICE, &x->target, err, cap);
	if (rc != 0)
		goto fail;
	maj = gss_init_sec_context(
		&min, k->cred, &x->ctx, x->target, (gss_OID)(uintptr_t)gss_mech_krb5, x->flags, 0,
		GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, &ret_flags, NULL);
	if (GSS_ERROR(maj)) {
		gss_msg(maj, min, "gss_init_sec_context", err, cap);
		rc = -EACCES;
		goto fail;
	}
	*tok = malloc(out.length);
	if (*tok == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(*tok, out.value, out.length);
	*tok_len = out.length;
	*complete = maj == GSS_S_COMPLETE;
	gss_release_buffer(&min, &out);
	*ctx_out = x;
	return 0;

fail:
	gss_release_buffer(&min, &out);
	sw_cl_krb_ctx_free(x);
	return rc;
}

int
sw_cl_krb_finish(struct sw_cl_krb_ctx *x, const uint8_t *tok, size_t len, char *err, size_t cap)
{
	OM_uint32 maj, min;
	gss_buffer_desc in = {len, (void *)(uintptr_t)tok};
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;

	maj = gss_init_sec_context(&min, x->k->cred, &x->ctx, x->target,
				   (gss_OID)(uintptr_t)gss_mech_krb5, x->flags, 0,
				   GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL, NULL);
	gss_release_buffer(&min, &out);
	if (maj != GSS_S_COMPLETE) {
		gss_msg(maj, min, "AP-REP", err, cap);
		return -EACCES;
	}
	return 0;
}

/* Last arc of the session-key OID: the enctype (MIT, PROTOCOL.md §5). */
static int
oid_last_arc(const gss_buffer_desc *oid)
{
	const uint8_t *p = oid->value;
	size_t i = oid->length;
	unsigned int v, shift = 0;

	if (i == 0 || (p[i - 1] & 0x80) != 0)
		return -1;
	v = p[--i];
	while (i > 0 && (p[i - 1] & 0x80) != 0 && shift < 21) {
		shift += 7;
		v |= (unsigned int)(p[--i] & 0x7f) << shift;
	}
	return (int)v;
}

int
sw_cl_krb_keys(struct sw_cl_krb_ctx *x, struct sw_cl_keys *out, char *err, size_t cap)
{
	OM_uint32 maj, min;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t copy = GSS_C_NO_CONTEXT;
	gss_krb5_lucid_context_v1_t *lucid = NULL;
	int rc = -EIO;

	memset(out, 0, sizeof(*out));
	maj = gss_inquire_sec_context_by_oid(&min, x->ctx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
	if (GSS_ERROR(maj) || set == NULL || set->count < 2 ||
	    set->elements[0].length > sizeof(out->key)) {
		gss_msg(maj, min, "GSS_C_INQ_SSPI_SESSION_KEY", err, cap);
		goto cleanup;
	}
	out->scheme = SW_SCHEME_KERBEROS;
	out->key_len = (uint8_t)set->elements[0].length;
	memcpy(out->key, set->elements[0].value, out->key_len);
	out->enctype = oid_last_arc(&set->elements[1]);

	/* Export consumes the context: re-import it, and a copy for the lucid view. */
	maj = gss_export_sec_context(&min, &x->ctx, &tok);
	if (GSS_ERROR(maj)) {
		gss_msg(maj, min, "gss_export_sec_context", err, cap);
		goto cleanup;
	}
	maj = gss_import_sec_context(&min, &tok, &x->ctx);
	if (!GSS_ERROR(maj))
		maj = gss_import_sec_context(&min, &tok, &copy);
	if (!GSS_ERROR(maj))
		maj = gss_krb5_export_lucid_sec_context(&min, &copy, 1, (void **)&lucid);
	if (GSS_ERROR(maj)) {
		gss_msg(maj, min, "lucid export", err, cap);
		goto cleanup;
	}
	out->krb_seq = lucid->send_seq;
	out->acceptor_subkey = lucid->protocol == 1 && lucid->cfx_kd.have_acceptor_subkey != 0;
	rc = 0;

cleanup:
	if (lucid != NULL)
		gss_krb5_free_lucid_sec_context(&min, lucid);
	if (copy != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &copy, GSS_C_NO_BUFFER);
	if (tok.value != NULL) {
		sw_cl_wipe(tok.value, tok.length);
		gss_release_buffer(&min, &tok);
	}
	if (set != GSS_C_NO_BUFFER_SET) {
		if (set->count > 0)
			sw_cl_wipe(set->elements[0].value, set->elements[0].length);
		gss_release_buffer_set(&min, &set);
	}
	if (rc != 0)
		sw_cl_wipe(out, sizeof(*out));
	return rc;
}

int
sw_cl_krb_get_mic(struct sw_cl_krb_ctx *x, const uint8_t *buf, size_t len, uint8_t *tok, size_t cap)
{
	OM_uint32 maj, min;
	gss_buffer_desc m = {len, (void *)(uintptr_t)buf};
	gss_buffer_desc t = GSS_C_EMPTY_BUFFER;
	int rc;

	maj = gss_get_mic(&min, x->ctx, GSS_C_QOP_DEFAULT, &m, &t);
	if (GSS_ERROR(maj))
		return -EIO;
	if (t.length > cap) {
		rc = -ENOSPC;
	} else {
		memcpy(tok, t.value, t.length);
		rc = (int)t.length;
	}
	gss_release_buffer(&min, &t);
	return rc;
}

int
sw_cl_krb_verify_mic(struct sw_cl_krb_ctx *x, const uint8_t *buf, size_t len, const uint8_t *tok,
		     size_t tok_len)
{
	OM_uint32 maj, min;
	gss_buffer_desc m = {len, (void *)(uintptr_t)buf};
	gss_buffer_desc t = {tok_len, (void *)(uintptr_t)tok};

	maj = gss_verify_mic(&min, x->ctx, &m, &t, NULL);
	return maj == GSS_S_COMPLETE ? 0 : -EBADMSG;
}

void
sw_cl_krb_ctx_free(struct sw_cl_krb_ctx *x)
{
	OM_uint32 min;

	if (x == NULL)
		return;
	if (x->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &x->ctx, GSS_C_NO_BUFFER);
	if (x->target != GSS_C_NO_NAME)
		gss_release_name(&min, &x->target);
	free(x);
}
