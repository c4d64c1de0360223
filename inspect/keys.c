/*
 * Key file of sipward-inspect (see keys.h).  Validation is complete before
 * anything is used: a typo in a member name is an error, not a silently
 * unrestricted key.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inspect/keys.h"

#define RAW_KEY_MAX 64u

/* Key length each supported enctype needs (RFC 3962, RFC 8009, RFC 4757). */
static size_t
enctype_key_len(json_int_t enctype)
{
	switch (enctype) {
	case SW_ENCTYPE_AES128_SHA1:
	case SW_ENCTYPE_AES128_SHA256:
	case SW_ENCTYPE_RC4_HMAC:
		return 16;
	case SW_ENCTYPE_AES256_SHA1:
	case SW_ENCTYPE_AES256_SHA384:
		return 32;
	default:
		return 0;
	}
}

static int
opt_string(json_t *obj, const char *name, char **out, size_t i, char *err, size_t err_len)
{
	json_t *v = json_object_get(obj, name);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, err_len, "key %zu: \"%s\" must be a string", i, name);
		return -EINVAL;
	}
	*out = strdup(json_string_value(v));
	return *out == NULL ? -ENOMEM : 0;
}

/* Decode a hex member into raw[] and check its length. */
static int
hex_member(json_t *obj, const char *name, size_t want, uint8_t *raw, size_t i, char *err,
	   size_t err_len)
{
	json_t *v = json_object_get(obj, name);
	const char *hex;
	size_t len;
	int n;

	if (v == NULL || !json_is_string(v)) {
		snprintf(err, err_len, "key %zu: \"%s\" (a hex string) is required", i, name);
		return -EINVAL;
	}
	hex = json_string_value(v);
	len = json_string_length(v);
	n = len / 2 <= RAW_KEY_MAX ? sw_hex_decode(hex, len, raw, RAW_KEY_MAX) : -EINVAL;
	if (n < 0) {
		snprintf(err, err_len, "key %zu: \"%s\" is not valid hex", i, name);
		return -EINVAL;
	}
	if ((size_t)n != want) {
		snprintf(err, err_len, "key %zu: \"%s\" has %d bytes, expected %zu", i, name, n,
			 want);
		return -EINVAL;
	}
	return 0;
}

static int
load_one(json_t *obj, size_t i, struct sw_insp_key *k, char *err, size_t err_len)
{
	static const char *const allowed[] = {
		"scheme", "session_key", "enctype", "key", "opaque", "realm", "targetname",
	};
	uint8_t raw[RAW_KEY_MAX];
	const char *name;
	json_t *v, *et;
	size_t a, klen;
	int ret;

	if (!json_is_object(obj)) {
		snprintf(err, err_len, "key %zu: not an object", i);
		return -EINVAL;
	}
	json_object_foreach(obj, name, v)
	{
		for (a = 0; a < sizeof(allowed) / sizeof(allowed[0]); a++)
			if (strcmp(name, allowed[a]) == 0)
				break;
		if (a == sizeof(allowed) / sizeof(allowed[0])) {
			snprintf(err, err_len, "key %zu: unknown member \"%s\"", i, name);
			return -EINVAL;
		}
	}

	v = json_object_get(obj, "scheme");
	if (v == NULL || !json_is_string(v)) {
		snprintf(err, err_len, "key %zu: \"scheme\" (\"NTLM\" or \"Kerberos\") is required",
			 i);
		return -EINVAL;
	}
	k->scheme = sw_scheme_from(json_string_value(v), json_string_length(v));

	ret = opt_string(obj, "opaque", &k->opaque, i, err, err_len);
	if (ret == 0)
		ret = opt_string(obj, "realm", &k->realm, i, err, err_len);
	if (ret == 0)
		ret = opt_string(obj, "targetname", &k->targetname, i, err, err_len);
	if (ret != 0)
		return ret;

	switch (k->scheme) {
	case SW_SCHEME_NTLM:
		if (json_object_get(obj, "key") != NULL ||
		    json_object_get(obj, "enctype") != NULL) {
			snprintf(err, err_len,
				 "key %zu: NTLM takes \"session_key\", not \"key\"/\"enctype\"", i);
			return -EINVAL;
		}
		ret = hex_member(obj, "session_key", 16, raw, i, err, err_len);
		if (ret != 0)
			break;
		ret = sw_sig_key_init_ntlm(&k->sig[SW_DIR_C2S], raw, SW_DIR_C2S);
		if (ret == 0)
			ret = sw_sig_key_init_ntlm(&k->sig[SW_DIR_S2C], raw, SW_DIR_S2C);
		if (ret != 0)
			snprintf(err, err_len, "key %zu: NTLM key setup failed (%s)", i,
				 strerror(-ret));
		break;
	case SW_SCHEME_KERBEROS:
		if (json_object_get(obj, "session_key") != NULL) {
			snprintf(err, err_len,
				 "key %zu: Kerberos takes \"enctype\" and \"key\", not "
				 "\"session_key\"",
				 i);
			return -EINVAL;
		}
		et = json_object_get(obj, "enctype");
		if (et == NULL || !json_is_integer(et)) {
			snprintf(err, err_len, "key %zu: \"enctype\" (an integer) is required", i);
			return -EINVAL;
		}
		klen = enctype_key_len(json_integer_value(et));
		if (klen == 0) {
			snprintf(err, err_len,
				 "key %zu: enctype %" JSON_INTEGER_FORMAT
				 " not supported (17, 18, 19, 20, 23)",
				 i, json_integer_value(et));
			return -EINVAL;
		}
		k->enctype = (int)json_integer_value(et);
		ret = hex_member(obj, "key", klen, raw, i, err, err_len);
		if (ret != 0)
			break;
		ret = sw_sig_key_init_krb(&k->sig[SW_DIR_C2S], k->enctype, raw, klen, SW_DIR_C2S);
		if (ret == 0)
			ret = sw_sig_key_init_krb(&k->sig[SW_DIR_S2C], k->enctype, raw, klen,
						  SW_DIR_S2C);
		if (ret != 0)
			snprintf(err, err_len, "key %zu: Kerberos key setup failed (%s)", i,
				 strerror(-ret));
		break;
	default:
		snprintf(err, err_len, "key %zu: scheme must be \"NTLM\" or \"Kerberos\"", i);
		ret = -EINVAL;
		break;
	}
	explicit_bzero(raw, sizeof(raw));
	return ret;
}

int
sw_insp_keys_load(const char *path, struct sw_insp_keys *out, char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *root = NULL;
	size_t i;
	int ret;

	out->v = NULL;
	out->n = 0;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) == json_error_cannot_open_file) {
			snprintf(err, err_len, "%s", jerr.text);
			return -EIO;
		}
		snprintf(err, err_len, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_array(root)) {
		snprintf(err, err_len, "the key file must be a JSON list of key objects");
		ret = -EINVAL;
		goto cleanup;
	}
	if (json_array_size(root) != 0) {
		out->v = calloc(json_array_size(root), sizeof(*out->v));
		if (out->v == NULL) {
			ret = -ENOMEM;
			goto cleanup;
		}
	}
	for (i = 0; i < json_array_size(root); i++) {
		out->n = i + 1; /* so that a partial entry is freed too */
		ret = load_one(json_array_get(root, i), i, &out->v[i], err, err_len);
		if (ret != 0)
			goto cleanup;
	}
	ret = 0;

cleanup:
	/* The hex key strings live in jansson's heap; nothing to wipe we own. */
	json_decref(root);
	if (ret != 0)
		sw_insp_keys_free(out);
	return ret;
}

void
sw_insp_keys_free(struct sw_insp_keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		sw_sig_key_wipe(&ks->v[i].sig[SW_DIR_C2S]);
		sw_sig_key_wipe(&ks->v[i].sig[SW_DIR_S2C]);
		free(ks->v[i].opaque);
		free(ks->v[i].realm);
		free(ks->v[i].targetname);
	}
	free(ks->v);
	ks->v = NULL;
	ks->n = 0;
}

static bool
restriction_ok(const char *want, const struct sw_auth *a, enum sw_auth_param p)
{
	struct sw_span v;

	if (want == NULL)
		return true;
	if (!sw_auth_has(a, p))
		return false;
	v = sw_auth_get(a, p);
	return v.len == strlen(want) && (v.len == 0 || memcmp(v.p, want, v.len) == 0);
}

bool
sw_insp_key_matches(const struct sw_insp_key *k, const struct sw_auth *a)
{
	return sw_scheme_from(a->scheme.p, a->scheme.len) == k->scheme &&
	       restriction_ok(k->opaque, a, SW_AUTH_P_OPAQUE) &&
	       restriction_ok(k->realm, a, SW_AUTH_P_REALM) &&
	       restriction_ok(k->targetname, a, SW_AUTH_P_TARGETNAME);
}
