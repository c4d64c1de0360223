/*
 * Kerberos acceptor on MIT krb5's GSS-API.  See cp_krb.h.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "ctrlplane/cp_krb.h"

struct sw_cp_krb {
	gss_cred_id_t cred; /* owner */
	gss_name_t name;    /* owner; GSS_C_NO_NAME: any keytab principal */
	char *keytab;	    /* "FILE:/path", or NULL for the default */
	char *service;
	sw_cp_log_fn log;
	void *log_arg;
	uint64_t ctr[SW_CP_KRB_RC_MAX];
};

static const char *const rc_names[SW_CP_KRB_RC_MAX] = {
#define X(id, name, help) [SW_CP_KRB_##id] = name,
	SW_CP_KRB_RESULTS(X)
#undef X
};

/* Kerberos mechanism OIDs a client may frame its AP-REQ with (RFC 1964 §1.1, MS-KILE). */
static const uint8_t oid_krb5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t oid_krb5_ms[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t oid_krb5_old[] = {0x2b, 0x05, 0x01, 0x05, 0x02};

const char *
sw_cp_krb_rc_name(enum sw_cp_krb_rc rc)
{
	if ((unsigned int)rc >= SW_CP_KRB_RC_MAX)
		return "?";
	return rc_names[rc];
}

static void logf_(const struct sw_cp_krb *kc, enum sw_cp_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
logf_(const struct sw_cp_krb *kc, enum sw_cp_log_level lvl, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (kc->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kc->log(kc->log_arg, lvl, line);
}

/* "<major text>; <minor text>" for the one log line of a failure. */
static void
gss_text(OM_uint32 maj, OM_uint32 min, char *buf, size_t cap)
{
	OM_uint32 tmp, mctx = 0;
	gss_buffer_desc a = GSS_C_EMPTY_BUFFER, b = GSS_C_EMPTY_BUFFER;

	gss_display_status(&tmp, maj, GSS_C_GSS_CODE, GSS_C_NO_OID, &mctx, &a);
	mctx = 0;
	gss_display_status(&tmp, min, GSS_C_MECH_CODE, (gss_OID)(uintptr_t)gss_mech_krb5, &mctx,
			   &b);
	snprintf(buf, cap, "%.*s; %.*s", (int)a.length, (const char *)a.value, (int)b.length,
		 (const char *)b.value);
	gss_release_buffer(&tmp, &a);
	gss_release_buffer(&tmp, &b);
}

enum sw_cp_krb_rc
sw_cp_krb_classify(uint32_t major, int32_t minor)
{
	switch ((krb5_error_code)minor) {
	case KRB5KRB_AP_ERR_SKEW:
	case KRB5KRB_AP_ERR_TKT_NYV:
		return SW_CP_KRB_SKEW;
	case KRB5KRB_AP_ERR_REPEAT:
		return SW_CP_KRB_REPLAY;
	case KRB5KRB_AP_ERR_BADKEYVER:
	case KRB5KRB_AP_ERR_NOKEY:
	case KRB5_KT_NOTFOUND:
	case KRB5_KT_KVNONOTFOUND:
		return SW_CP_KRB_KVNO;
	case KRB5KRB_AP_ERR_TKT_EXPIRED:
		return SW_CP_KRB_EXPIRED;
	case KRB5KRB_AP_WRONG_PRINC:
	case KRB5KRB_AP_ERR_NOT_US:
		return SW_CP_KRB_WRONG_PRINC;
	case KRB5KRB_AP_ERR_BAD_INTEGRITY:
	case KRB5KRB_AP_ERR_MODIFIED:
		return SW_CP_KRB_MODIFIED;
	case KRB5KRB_AP_ERR_MSG_TYPE:
	case KRB5KRB_AP_ERR_BADVERSION:
	case KRB5KRB_AP_ERR_INAPP_CKSUM:
		return SW_CP_KRB_BAD_TOKEN;
	default:
		break;
	}
	/* ASN.1 decoding errors of the AP-REQ. */
	if (minor >= ERROR_TABLE_BASE_asn1 && minor < ERROR_TABLE_BASE_asn1 + 256)
		return SW_CP_KRB_BAD_TOKEN;
	if (GSS_ROUTINE_ERROR(major) == GSS_S_DEFECTIVE_TOKEN ||
	    GSS_ROUTINE_ERROR(major) == GSS_S_BAD_MECH)
		return SW_CP_KRB_BAD_TOKEN;
	return SW_CP_KRB_OTHER;
}

/*
 * RFC 2743 §3.1 InitialContextToken framing with a Kerberos OID and the
 * AP-REQ TOK_ID 01 00 (RFC 1964 §1.1): cheap, deterministic BAD_TOKEN for
 * garbage, and it keeps other mechanisms' tokens away from the mechglue.
 */
static bool
framing_ok(const uint8_t *t, size_t len)
{
	size_t hdr, body, oid_len;
	unsigned int i, n;

	if (t == NULL || len < 2 || len > SW_CP_KRB_TOKEN_MAX || t[0] != 0x60)
		return false;
	if (t[1] < 0x80) {
		body = t[1];
		hdr = 2;
	} else {
		n = t[1] & 0x7fu;
		if (n == 0 || n > 3 || len < 2u + n)
			return false;
		for (body = 0, i = 0; i < n; i++)
			body = body << 8 | t[2 + i];
		hdr = 2u + n;
	}
	if (body != len - hdr || body < 2)
		return false;
	if (t[hdr] != 0x06)
		return false;
	oid_len = t[hdr + 1];
	if (body < 2 + oid_len + 2)
		return false;
	if (!((oid_len == sizeof(oid_krb5) && memcmp(t + hdr + 2, oid_krb5, oid_len) == 0) ||
	      (oid_len == sizeof(oid_krb5_ms) && memcmp(t + hdr + 2, oid_krb5_ms, oid_len) == 0) ||
	      (oid_len == sizeof(oid_krb5_old) && memcmp(t + hdr + 2, oid_krb5_old, oid_len) == 0)))
		return false;
	return t[hdr + 2 + oid_len] == 0x01 && t[hdr + 3 + oid_len] == 0x00;
}

static int
acquire(struct sw_cp_krb *kc, gss_cred_id_t *out)
{
	OM_uint32 maj, min = 0;
	gss_OID_set_desc mechs = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
	gss_key_value_element_desc el = {"keytab", kc->keytab};
	gss_key_value_set_desc store = {1, &el};
	char text[512];

	*out = GSS_C_NO_CREDENTIAL;
	maj = gss_acquire_cred_from(&min, kc->name, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
				    kc->keytab != NULL ? &store : GSS_C_NO_CRED_STORE, out, NULL,
				    NULL);
	if (GSS_ERROR(maj)) {
		gss_text(maj, min, text, sizeof(text));
		logf_(kc, SW_CP_LOG_ERR, "krb: acceptor credential for %s from %s: %s",
		      kc->service != NULL ? kc->service : "(any)",
		      kc->keytab != NULL ? kc->keytab : "(default keytab)", text);
		return maj == GSS_S_FAILURE && min == (OM_uint32)ENOMEM ? -ENOMEM : -ENOENT;
	}
	return 0;
}

int
sw_cp_krb_create(const char *keytab, const char *service, struct sw_cp_krb **out)
{
	OM_uint32 maj, min;
	struct sw_cp_krb *kc = NULL;
	gss_buffer_desc nb;
	gss_OID ntype;
	int ret;

	*out = NULL;
	kc = calloc(1, sizeof(*kc));
	if (kc == NULL)
		return -ENOMEM;
	kc->cred = GSS_C_NO_CREDENTIAL;
	kc->name = GSS_C_NO_NAME;
	if (keytab != NULL) {
		/* A residual without "TYPE:" is a file path. */
		size_t l = strlen(keytab) + 6;

		kc->keytab = malloc(l);
		if (kc->keytab == NULL) {
			ret = -ENOMEM;
			goto cleanup;
		}
		if (strchr(keytab, ':') != NULL && keytab[0] != '/')
			snprintf(kc->keytab, l, "%s", keytab);
		else
			snprintf(kc->keytab, l, "FILE:%s", keytab);
	}
	if (service != NULL) {
		if (service[0] == '\0' || strlen(service) >= SW_CP_KRB_NAME_MAX) {
			ret = -EINVAL;
			goto cleanup;
		}
		if (strchr(service, '/') != NULL)
			ntype = (gss_OID)(uintptr_t)GSS_KRB5_NT_PRINCIPAL_NAME;
		else if (strchr(service, '@') != NULL)
			ntype = GSS_C_NT_HOSTBASED_SERVICE;
		else {
			ret = -EINVAL;
			goto cleanup;
		}
		kc->service = strdup(service);
		if (kc->service == NULL) {
			ret = -ENOMEM;
			goto cleanup;
		}
		nb.value = kc->service;
		nb.length = strlen(kc->service);
		maj = gss_import_name(&min, &nb, ntype, &kc->name);
		if (GSS_ERROR(maj)) {
			ret = -EINVAL;
			goto cleanup;
		}
	}
	ret = acquire(kc, &kc->cred);
	if (ret != 0)
		goto cleanup;
	*out = kc;
	kc = NULL;

cleanup:
	sw_cp_krb_free(kc);
	return ret;
}

void
sw_cp_krb_set_log(struct sw_cp_krb *kc, sw_cp_log_fn fn, void *arg)
{
	kc->log = fn;
	kc->log_arg = arg;
}

void
sw_cp_krb_free(struct sw_cp_krb *kc)
{
	OM_uint32 tmp;

	if (kc == NULL)
		return;
	if (kc->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&tmp, &kc->cred);
	if (kc->name != GSS_C_NO_NAME)
		gss_release_name(&tmp, &kc->name);
	free(kc->keytab);
	free(kc->service);
	free(kc);
}

int
sw_cp_krb_reload(struct sw_cp_krb *kc)
{
	gss_cred_id_t fresh = GSS_C_NO_CREDENTIAL;
	OM_uint32 tmp;
	int ret;

	if (kc == NULL)
		return -EINVAL;
	ret = acquire(kc, &fresh);
	if (ret != 0)
		return ret;
	gss_release_cred(&tmp, &kc->cred);
	kc->cred = fresh;
	logf_(kc, SW_CP_LOG_INFO, "krb: acceptor credential for %s reloaded",
	      kc->service != NULL ? kc->service : "(any)");
	return 0;
}

void
sw_cp_krb_stats(const struct sw_cp_krb *kc, uint64_t out[SW_CP_KRB_RC_MAX])
{
	for (unsigned int i = 0; i < SW_CP_KRB_RC_MAX; i++)
		out[i] = __atomic_load_n(&kc->ctr[i], __ATOMIC_RELAXED);
}

/* Split "user@REALM" at the last unescaped '@' (krb5_unparse_name quoting). */
static void
split_principal(const char *p, char *user, char *realm, size_t cap)
{
	const char *at = NULL, *s;

	for (s = p; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '@')
			at = s;
	}
	if (at == NULL) {
		snprintf(user, cap, "%s", p);
		realm[0] = '\0';
		return;
	}
	snprintf(user, cap, "%.*s", (int)(at - p), p);
	snprintf(realm, cap, "%s", at + 1);
}

static bool
enctype_supported(OM_uint32 e)
{
	return e == SW_ENCTYPE_AES128_SHA1 || e == SW_ENCTYPE_AES256_SHA1 ||
	       e == SW_ENCTYPE_AES128_SHA256 || e == SW_ENCTYPE_AES256_SHA384 ||
	       e == SW_ENCTYPE_RC4_HMAC;
}

enum sw_cp_krb_rc
sw_cp_krb_accept(struct sw_cp_krb *kc, const uint8_t *token, size_t len, struct sw_cp_krb_sa *out)
{
	OM_uint32 maj, min = 0, tmp, flags = 0;
	gss_buffer_desc in, reply = GSS_C_EMPTY_BUFFER, pname = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t gctx = GSS_C_NO_CONTEXT; /* owner */
	gss_name_t peer = GSS_C_NO_NAME;      /* owner */
	void *lucid_v = NULL;		      /* owner */
	const gss_krb5_lucid_context_v1_t *lucid;
	const gss_krb5_lucid_key_t *lk;
	enum sw_cp_krb_rc rc;
	char text[512];
	int64_t now;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (kc == NULL)
		return SW_CP_KRB_OTHER;
	if (out == NULL) {
		rc = SW_CP_KRB_OTHER;
		goto cleanup;
	}
	if (!framing_ok(token, len)) {
		logf_(kc, SW_CP_LOG_NOTICE,
		      "krb: accept: bad_token: not a Kerberos AP-REQ token "
		      "(%zu bytes)",
		      len);
		rc = SW_CP_KRB_BAD_TOKEN;
		goto cleanup;
	}
	in.length = len;
	in.value = (void *)(uintptr_t)token;
	maj = gss_accept_sec_context(&min, &gctx, kc->cred, &in, GSS_C_NO_CHANNEL_BINDINGS, &peer,
				     NULL, &reply, &flags, NULL, NULL);
	if (GSS_ERROR(maj)) {
		/* reply may hold a KRB-ERROR; it is dropped, the peer gets a fresh challenge. */
		rc = sw_cp_krb_classify(maj, (int32_t)min);
		gss_text(maj, min, text, sizeof(text));
		logf_(kc, SW_CP_LOG_NOTICE, "krb: accept: %s: %s", rc_names[rc], text);
		goto cleanup;
	}
	if (maj != GSS_S_COMPLETE) {
		logf_(kc, SW_CP_LOG_NOTICE, "krb: accept: other: context needs another leg (%#x)",
		      maj);
		rc = SW_CP_KRB_OTHER;
		goto cleanup;
	}

	maj = gss_display_name(&min, peer, &pname, NULL);
	if (GSS_ERROR(maj) || pname.length == 0 || pname.length >= SW_CP_KRB_NAME_MAX ||
	    memchr(pname.value, '\0', pname.length) != NULL) {
		logf_(kc, SW_CP_LOG_NOTICE, "krb: accept: other: unusable client name");
		rc = SW_CP_KRB_OTHER;
		goto cleanup;
	}
	memcpy(out->principal, pname.value, pname.length);
	out->principal[pname.length] = '\0';
	split_principal(out->principal, out->user, out->realm, SW_CP_KRB_NAME_MAX);

	out->gss_flags = flags;
	out->mutual = (flags & GSS_C_MUTUAL_FLAG) != 0;
	if (reply.length > 0) {
		if (reply.length > sizeof(out->ap_rep)) {
			logf_(kc, SW_CP_LOG_NOTICE, "krb: accept: other: AP-REP of %zu bytes",
			      reply.length);
			rc = SW_CP_KRB_OTHER;
			goto cleanup;
		}
		memcpy(out->ap_rep, reply.value, reply.length);
		out->ap_rep_len = (uint16_t)reply.length;
	}

	/* Keys and sequence numbers; this consumes (and deletes) the context. */
	maj = gss_krb5_export_lucid_sec_context(&min, &gctx, 1, &lucid_v);
	if (GSS_ERROR(maj)) {
		gss_text(maj, min, text, sizeof(text));
		logf_(kc, SW_CP_LOG_ERR, "krb: accept: other: lucid export: %s", text);
		rc = SW_CP_KRB_OTHER;
		goto cleanup;
	}
	lucid = lucid_v;
	if (lucid->version != 1 || (lucid->protocol != 0 && lucid->protocol != 1)) {
		rc = SW_CP_KRB_OTHER;
		goto cleanup;
	}
	if (lucid->protocol == 1) {
		out->acceptor_subkey = lucid->cfx_kd.have_acceptor_subkey != 0;
		lk = out->acceptor_subkey ? &lucid->cfx_kd.acceptor_subkey : &lucid->cfx_kd.ctx_key;
	} else {
		lk = &lucid->rfc1964_kd.ctx_key;
	}
	if (!enctype_supported(lk->type) || lk->length == 0 || lk->length > sizeof(out->key)) {
		logf_(kc, SW_CP_LOG_NOTICE, "krb: accept: other: %s: unsupported enctype %u",
		      out->principal, lk->type);
		rc = SW_CP_KRB_OTHER;
		goto cleanup;
	}
	out->enctype = (int)lk->type;
	out->key_len = (uint8_t)lk->length;
	memcpy(out->key, lk->data, lk->length);
	out->initiator_seq = lucid->recv_seq;
	out->acceptor_seq = lucid->send_seq;
	out->ticket_end = (int64_t)lucid->endtime;
	now = (int64_t)time(NULL);
	out->expires = out->ticket_end < now + SW_CP_KRB_SA_LIFETIME_MAX
			       ? out->ticket_end
			       : now + SW_CP_KRB_SA_LIFETIME_MAX;
	rc = SW_CP_KRB_OK;

cleanup:
	if (lucid_v != NULL)
		gss_krb5_free_lucid_sec_context(&tmp, lucid_v); /* zaps the key */
	gss_release_buffer(&tmp, &reply);
	gss_release_buffer(&tmp, &pname);
	if (peer != GSS_C_NO_NAME)
		gss_release_name(&tmp, &peer);
	if (gctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&tmp, &gctx, GSS_C_NO_BUFFER);
	if (rc != SW_CP_KRB_OK)
		sw_cp_krb_sa_wipe(out);
	__atomic_fetch_add(&kc->ctr[rc], 1, __ATOMIC_RELAXED);
	return rc;
}

int
sw_cp_krb_sa_sig_keys(const struct sw_cp_krb_sa *sa, struct sw_sig_key *c2s, struct sw_sig_key *s2c)
{
	int rc;

	if (sa == NULL || c2s == NULL || s2c == NULL)
		return -EINVAL;
	rc = sw_sig_key_init_krb(c2s, sa->enctype, sa->key, sa->key_len, SW_DIR_C2S);
	if (rc == 0)
		rc = sw_sig_key_init_krb(s2c, sa->enctype, sa->key, sa->key_len, SW_DIR_S2C);
	if (rc == 0 && sa->acceptor_subkey) {
		rc = sw_sig_key_set_acceptor_subkey(c2s, 1);
		if (rc == 0)
			rc = sw_sig_key_set_acceptor_subkey(s2c, 1);
	}
	if (rc != 0) {
		sw_sig_key_wipe(c2s);
		sw_sig_key_wipe(s2c);
	}
	return rc;
}

void
sw_cp_krb_sa_wipe(struct sw_cp_krb_sa *sa)
{
	if (sa != NULL)
		explicit_bzero(sa, sizeof(*sa));
}
