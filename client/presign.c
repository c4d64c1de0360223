/*
 * Presigned load: establish N real SAs (or load a saved set), then write a
 * SIPp injection file of N x M correctly signed requests plus the scenario
 * that sends them.
 *
 * The signature covers Call-ID, CSeq, From URI and tag, To URI, Expires and
 * the auth parameters (PROTOCOL.md §2), so every one of those comes from the
 * CSV line; what SIPp fills in itself (Via with [branch], Contact, the
 * Request-URI) is not signed.  SIPp's CSV separator is ';', which none of the
 * fields contains (From/To tags are fields of their own).
 *
 * SA file: JSON array, one object per SA with its keys (secrets): written
 * with mode 0600 through a temporary file and rename(); after a CSV is
 * written the file is updated with the last cnum used, so a reused set
 * never repeats a (opaque, cnum).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "client/client_priv.h"

static int
hex_to(const char *hex, uint8_t *out, size_t cap)
{
	return sw_hex_decode(hex, strlen(hex), out, cap);
}

static int
save_sas(struct sw_client *c, const char *path, const struct sw_cl_saved_sa *s, unsigned int n)
{
	char tmp[4096], hex[2 * 32 + 1];
	json_t *arr = json_array();
	unsigned int i;
	int fd = -1, rc = -ENOMEM;
	char *text = NULL;
	size_t len;

	if (arr == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *o;

		sw_hex_encode(s[i].keys.key, s[i].keys.key_len, hex, sizeof(hex));
		o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:I, s:I, s:I}",
			      "scheme", sw_scheme_name((enum sw_scheme)s[i].scheme), "version",
			      (int)s[i].version, "family", (int)s[i].family, "realm", s[i].realm,
			      "targetname", s[i].targetname, "opaque", s[i].opaque, "aor", s[i].aor,
			      "enctype", s[i].keys.enctype, "key", hex, "acceptor_subkey",
			      s[i].keys.acceptor_subkey, "krb_seq", (json_int_t)s[i].keys.krb_seq,
			      "cnum", (json_int_t)s[i].cnum, "expires", (json_int_t)s[i].expires);
		sw_cl_wipe(hex, sizeof(hex));
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto cleanup;
	}
	text = json_dumps(arr, JSON_INDENT(1));
	if (text == NULL)
		goto cleanup;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		sw_cl_set_error(c, "%s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	len = strlen(text);
	if (fchmod(fd, 0600) != 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		rc = -errno;
		sw_cl_set_error(c, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		sw_cl_set_error(c, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	rc = 0;

cleanup:
	if (fd >= 0)
		close(fd);
	if (text != NULL) {
		sw_cl_wipe(text, strlen(text));
		free(text);
	}
	json_decref(arr);
	return rc;
}

static int
load_sas(struct sw_client *c, const char *path, struct sw_cl_saved_sa **out, unsigned int *n_out)
{
	json_error_t jerr;
	json_t *arr, *o;
	struct sw_cl_saved_sa *s = NULL;
	size_t i;
	struct stat st;
	int rc = -EINVAL;

	*out = NULL;
	*n_out = 0;
	if (stat(path, &st) == 0 && (st.st_mode & 0077) != 0)
		sw_cl_log(c, "warning: %s is readable by others (keys are secrets)", path);
	arr = json_load_file(path, 0, &jerr);
	if (arr == NULL || !json_is_array(arr) || json_array_size(arr) == 0) {
		sw_cl_set_error(c, "%s: %s", path,
				arr == NULL ? jerr.text : "not a non-empty array");
		json_decref(arr);
		return -EINVAL;
	}
	s = calloc(json_array_size(arr), sizeof(*s));
	if (s == NULL) {
		json_decref(arr);
		return -ENOMEM;
	}
	json_array_foreach(arr, i, o)
	{
		const char *scheme = NULL, *realm = NULL, *tn = NULL, *op = NULL, *aor = NULL,
			   *key = NULL;
		int version = 0, family = 0, enctype = 0, asub = 0, klen;
		json_int_t seq = 0, cnum = 0, exp = 0;

		if (json_unpack_ex(
			    o, &jerr, 0,
			    "{s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:I, s:I, s:I}",
			    "scheme", &scheme, "version", &version, "family", &family, "realm",
			    &realm, "targetname", &tn, "opaque", &op, "aor", &aor, "enctype",
			    &enctype, "key", &key, "acceptor_subkey", &asub, "krb_seq", &seq,
			    "cnum", &cnum, "expires", &exp) != 0) {
			sw_cl_set_error(c, "%s: entry %zu: %s", path, i, jerr.text);
			goto fail;
		}
		s[i].scheme = (uint8_t)sw_scheme_from(scheme, strlen(scheme));
		s[i].version = (unsigned int)version;
		s[i].family = (uint16_t)family;
		snprintf(s[i].realm, sizeof(s[i].realm), "%s", realm);
		snprintf(s[i].targetname, sizeof(s[i].targetname), "%s", tn);
		snprintf(s[i].opaque, sizeof(s[i].opaque), "%s", op);
		snprintf(s[i].aor, sizeof(s[i].aor), "%s", aor);
		s[i].keys.scheme = s[i].scheme;
		s[i].keys.enctype = enctype;
		klen = hex_to(key, s[i].keys.key, sizeof(s[i].keys.key));
		if (klen <= 0 || s[i].scheme == SW_SCHEME_NONE ||
		    (s[i].version < 2 || s[i].version > 4)) {
			sw_cl_set_error(c, "%s: entry %zu: bad scheme, version or key", path, i);
			goto fail;
		}
		s[i].keys.key_len = (uint8_t)klen;
		s[i].keys.acceptor_subkey = asub != 0;
		s[i].keys.krb_seq = (uint64_t)seq;
		s[i].cnum = (uint64_t)cnum;
		s[i].expires = (int64_t)exp;
	}
	*n_out = (unsigned int)json_array_size(arr);
	*out = s;
	json_decref(arr);
	return 0;

fail:
	sw_cl_wipe(s, json_array_size(arr) * sizeof(*s));
	free(s);
	json_decref(arr);
	return rc;
}

/* The scenario: exactly the fields of the CSV, in the places the signature reads them. */
static int
write_xml(struct sw_client *c, const char *path, const char *method, bool reg, unsigned int total,
	  const char *sipp_args)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		sw_cl_set_error(c, "%s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n"
		"<!DOCTYPE scenario SYSTEM \"sipp.dtd\">\n"
		"<!--\n"
		"  sipward-client presign: %u presigned %s requests.\n"
		"  Run: sipp PROXY:PORT -sf %s -inf CSV %s -r RATE\n"
		"  (-cid_str is required: SIPp maps answers to calls by its own Call-ID, and\n"
		"  call k must carry the presigned Call-ID of CSV line k.)\n"
		"  CSV fields: 0 Call-ID, 1 From tag, 2 CSeq, 3 Request-URI, 4 From URI,\n"
		"  5 To URI, 6 Expires, 7 credentials header name, 8 its signed value.\n"
		"  Every signed field comes from the CSV; do not edit them.\n"
		"-->\n"
		"<scenario name=\"sipward presigned %s\">\n"
		"  <send retrans=\"500\">\n"
		"    <![CDATA[\n\n"
		"      %s [field3] SIP/2.0\n"
		"      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport\n"
		"      Max-Forwards: 70\n"
		"      From: <[field4]>;tag=[field1]\n"
		"      To: <[field5]>\n"
		"      Call-ID: [field0]\n"
		"      CSeq: [field2] %s\n"
		"      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\n"
		"%s"
		"      [field7]: [field8]\n"
		"      Content-Length: 0\n\n"
		"    ]]>\n"
		"  </send>\n"
		"  <recv response=\"100\" optional=\"true\"/>\n"
		"  <recv response=\"200\"/>\n"
		"  <ResponseTimeRepartition value=\"1, 5, 10, 20, 50, 100, 200\"/>\n"
		"</scenario>\n",
		total, method, path, sipp_args, method, method, method,
		reg ? "      Expires: [field6]\n" : "");
	if (fclose(f) != 0)
		return -EIO;
	return 0;
}

int
sw_client_presign(struct sw_client *c, struct sw_cl_presign_cfg *pc)
{
	struct sw_cl_saved_sa *sas = NULL;
	struct sw_sig_key *c2s = NULL;
	unsigned int n = 0, i, m, per = pc->per_sa != 0 ? pc->per_sa : 1;
	const char *method = pc->method != NULL ? pc->method : "OPTIONS";
	bool reg = strcmp(method, "REGISTER") == 0, loaded = false;
	char xml[4096], head[SW_CL_MSG_MAX], val[SW_CL_MSG_MAX / 2], token[17];
	unsigned int k = 0;
	struct sw_cl_ua *ua = sw_cl_client_ua(c);
	FILE *f = NULL;
	int rc;

	if (strcmp(method, "OPTIONS") != 0 && strcmp(method, "MESSAGE") != 0 && !reg) {
		sw_cl_set_error(c, "presign: method must be OPTIONS, MESSAGE or REGISTER");
		return -EINVAL;
	}
	if (pc->sa_file != NULL && access(pc->sa_file, F_OK) == 0) {
		rc = load_sas(c, pc->sa_file, &sas, &n);
		if (rc != 0)
			return rc;
		loaded = true;
		sw_cl_log(c, "presign: loaded %u SAs from %s", n, pc->sa_file);
	} else {
		if (pc->count == 0)
			return -EINVAL;
		sas = calloc(pc->count, sizeof(*sas));
		if (sas == NULL)
			return -ENOMEM;
		for (i = 0; i < pc->count; i++) {
			rc = sw_cl_establish_one(c, &sas[i]);
			if (rc != 0) {
				sw_cl_set_error(c, "presign: SA %u of %u: %s", i + 1, pc->count,
						sw_client_error(c));
				goto cleanup;
			}
			n++;
		}
		sw_cl_log(c, "presign: established %u SAs", n);
		if (pc->sa_file != NULL) {
			rc = save_sas(c, pc->sa_file, sas, n);
			if (rc != 0)
				goto cleanup;
		}
	}

	f = fopen(pc->csv_path, "w");
	if (f == NULL) {
		rc = -errno;
		sw_cl_set_error(c, "%s: %s", pc->csv_path, strerror(errno));
		goto cleanup;
	}
	fprintf(f, "SEQUENTIAL\n");
	sw_cl_ua_token(token, 12);
	snprintf(pc->sipp_args, sizeof(pc->sipp_args), "-cid_str '%s-%%u' -m %u", token, n * per);
	/* Key derivation once per SA; each line then costs one HMAC. */
	c2s = calloc(n, sizeof(*c2s));
	if (c2s == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		struct sw_sig_key s2c;

		rc = sw_cl_keys_derive(&sas[i].keys, &c2s[i], &s2c);
		sw_sig_key_wipe(&s2c);
		if (rc != 0) {
			sw_cl_set_error(c, "presign: SA %u: key derivation failed", i);
			goto cleanup;
		}
	}
	for (m = 0; m < per; m++) {
		for (i = 0; i < n; i++) {
			struct sw_cl_saved_sa *s = &sas[i];
			struct sw_cl_req r;
			struct sw_cl_ua u2;
			int len;

			/* The signed fields as SIPp will send them; SIPp fills in the unsigned
			 * ones (Via, Contact, addresses) from its scenario. */
			rc = sw_cl_ua_new_req(ua, &r, reg ? "REGISTER" : method,
					      pc->to != NULL ? pc->to : s->aor);
			if (rc != 0)
				goto cleanup;
			if (reg) {
				snprintf(r.to_uri, sizeof(r.to_uri), "%s", s->aor);
				r.has_expires = true;
				r.expires = 3600;
			}
			/* SIPp's call k (from 1) sends CSV line k: -cid_str 'TOKEN-%u'. */
			snprintf(r.call_id, sizeof(r.call_id), "%s-%u", token, ++k);
			/* From is the SA's AOR (a loaded set may belong to other users). */
			u2 = *ua;
			snprintf(u2.aor, sizeof(u2.aor), "%s", s->aor);
			len = sw_cl_ua_head(&u2, &r, head, sizeof(head));
			if (len >= 0)
				len = sw_cl_ua_finish(&r, head, (size_t)len, sizeof(head));
			if (len < 0) {
				rc = -ENOSPC;
				goto cleanup;
			}
			rc = sw_cl_sign_value((enum sw_scheme)s->scheme, s->version, s->realm,
					      s->targetname, s->opaque, &c2s[i], &s->keys.krb_seq,
					      &s->cnum, head, (size_t)len, val, sizeof(val));
			if (rc < 0) {
				sw_cl_set_error(c, "presign: signing failed (%d)", rc);
				goto cleanup;
			}
			fprintf(f, "%s;%s;%u;%s;%s;%s;%u;%s;%s\n", r.call_id, r.from_tag, r.cseq,
				r.ruri, s->aor, r.to_uri, r.has_expires ? r.expires : 0,
				s->family == 401 ? "Authorization" : "Proxy-Authorization", val);
			rc = 0;
		}
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = -EIO;
		goto cleanup;
	}
	f = NULL;
	if (pc->xml_path != NULL)
		snprintf(xml, sizeof(xml), "%s", pc->xml_path);
	else
		snprintf(xml, sizeof(xml), "%s.xml", pc->csv_path);
	rc = write_xml(c, xml, reg ? "REGISTER" : method, reg, n * per, pc->sipp_args);
	if (rc != 0)
		goto cleanup;
	sw_cl_log(c, "presign: wrote %u signed %s requests to %s, scenario %s; run sipp with %s",
		  n * per, method, pc->csv_path, xml, pc->sipp_args);
	/* Remember the cnums used, so the set can be reused without replays. */
	if (pc->sa_file != NULL && (loaded || n > 0))
		rc = save_sas(c, pc->sa_file, sas, n);

cleanup:
	if (f != NULL)
		fclose(f);
	if (c2s != NULL) {
		for (i = 0; i < n; i++)
			sw_sig_key_wipe(&c2s[i]);
		free(c2s);
	}
	if (sas != NULL) {
		sw_cl_wipe(sas, (loaded ? n : pc->count) * sizeof(*sas));
		free(sas);
	}
	return rc;
}
