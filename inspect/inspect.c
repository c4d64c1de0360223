/*
 * sipward-inspect: show how sipward sees SIP messages and their MS-SIPAE
 * signatures.
 *
 *   sipward-inspect [--json] [--keys KEYFILE] FILE...
 *
 * Each FILE is one raw SIP message or a pcap/pcapng capture of UDP SIP (told
 * apart by the magic number).  For each message: the parse result (or error
 * name and byte offset), the request method or status code, every
 * credentials header (requests: Proxy-Authorization / Authorization) or
 * info/challenge header (responses: Proxy-Authentication-Info /
 * Authentication-Info / Proxy-Authenticate / WWW-Authenticate) with its
 * parameters, the exact signed buffer (PROTOCOL.md §2) and, with --keys, the
 * signature verdict: valid, invalid, no-key or unsigned.
 *
 * --json prints one object per message per line:
 *   file, index (0-based within FILE), parse ("ok" or an error name),
 *   offset (byte offset of the error, else null), method, status,
 *   auth ({header, scheme, <param>: value...} or null), signed_buffer,
 *   verdict (null when signed but no --keys), auths (every reported header
 *   as {auth, signed_buffer, verdict, key}); for captures also frame, src,
 *   dst.  When a message carries several signed headers (one per proxy,
 *   patent FIG. 5), verdict is the worst over them (invalid > valid >
 *   no-key > unsigned) and auth / signed_buffer are the first header with
 *   that verdict.
 *
 * Exit: 0 if every message parsed (and with --keys every signed message is
 * valid), 1 otherwise, 2 for usage errors and unreadable/invalid key files.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "crypto/wbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"
#include "inspect/capture.h"
#include "inspect/keys.h"
#include "sw_build_config.h"

#define EXIT_USAGE  2
#define SCRATCH_MAX (2u * 65536u) /* a signed buffer never exceeds the message + 2 KiB */
#define TOKEN_MAX   256u	  /* decoded response/rspauth bytes we look at */
#define LABEL_W	    15		  /* text mode: label column */
#define GSSAPI_SHOW 64u		  /* text mode: gssapi-data shown up to this */

/* Ordered by severity: the message verdict is the maximum over its headers. */
enum verdict {
	V_UNSIGNED = 0, /* no signature parameter */
	V_UNCHECKED,	/* signed, but no --keys */
	V_NOKEY,
	V_VALID,
	V_INVALID,
};

static const char *const verdict_name[] = {
	[V_UNSIGNED] = "unsigned", [V_UNCHECKED] = NULL,    [V_NOKEY] = "no-key",
	[V_VALID] = "valid",	   [V_INVALID] = "invalid",
};

/* One reported auth header of a message. */
struct hdr_rep {
	struct sw_auth a;
	uint8_t hdr_idx;
	uint8_t id; /* enum sw_hdr */
	bool is_signed;
	bool has_buf;
	uint8_t *buf; /* signed buffer (malloc), when has_buf */
	size_t buf_len;
	enum verdict v;
	int key_idx; /* key file entry that verified, or -1 */
	const char *note;
};

struct ctx {
	bool json;
	bool have_keys;
	bool all_ok;
	struct sw_insp_keys keys;
	struct sw_sip_msg msg;
	struct hdr_rep h[SW_SIP_HDR_MAX];
	uint8_t scratch[SCRATCH_MAX];
	char filebuf[SW_SIP_MSG_MAX + 1];
	/* current file */
	const char *file;
	uint64_t index;
	/* text-mode totals */
	uint64_t n_msgs, n_parse_ok, n_verdict[V_INVALID + 1];
};

/* A message as reported; filled by analyse(), consumed by the printers. */
struct rep {
	const struct sw_insp_pkt *pkt; /* capture context, or NULL */
	const uint8_t *buf;
	size_t len;
	const char *parse;
	const char *error_text; /* file-level errors only */
	bool has_off;
	uint32_t off;
	struct sw_span method, ruri, reason;
	uint16_t status;
	bool is_resp;
	size_t n_h;
	enum verdict v;
	int primary; /* index into ctx->h, or -1 */
};

static char auth_err_name[SW_AUTH_RC_MAX][48];

/* --------------------------------------------------------------------------
 * Helpers
 */

static bool
span_within(const uint8_t *buf, size_t len, struct sw_span s)
{
	const char *b = (const char *)buf;

	return s.p != NULL && s.len != 0 && s.p >= b && (size_t)(s.p - b) <= len &&
	       s.len <= len - (size_t)(s.p - b);
}

static size_t
span_off(const uint8_t *buf, struct sw_span s)
{
	return (size_t)(s.p - (const char *)buf);
}

static bool
sipae_scheme(struct sw_span scheme)
{
	return sw_scheme_from(scheme.p, scheme.len) != SW_SCHEME_NONE ||
	       sw_span_ieq(scheme, "TLS-DSK");
}

static bool
wanted_header(uint8_t id, bool is_resp)
{
	if (!is_resp)
		return id == SW_HDR_PROXY_AUTHORIZATION || id == SW_HDR_AUTHORIZATION;
	return id == SW_HDR_PROXY_AUTHENTICATION_INFO || id == SW_HDR_AUTHENTICATION_INFO ||
	       id == SW_HDR_PROXY_AUTHENTICATE || id == SW_HDR_WWW_AUTHENTICATE;
}

/* Text mode: printable ASCII as is, everything else escaped; returns columns. */
static size_t
put_escaped(FILE *f, const void *p, size_t len)
{
	const uint8_t *s = p;
	size_t i, cols = 0;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\\':
			cols += (size_t)fprintf(f, "\\\\");
			break;
		case '\r':
			cols += (size_t)fprintf(f, "\\r");
			break;
		case '\n':
			cols += (size_t)fprintf(f, "\\n");
			break;
		case '\t':
			cols += (size_t)fprintf(f, "\\t");
			break;
		default:
			if (s[i] >= 0x20 && s[i] < 0x7f) {
				fputc(s[i], f);
				cols++;
			} else {
				cols += (size_t)fprintf(f, "\\x%02x", s[i]);
			}
			break;
		}
	}
	return cols;
}

/*
 * JSON string of arbitrary bytes.  UTF-8 goes through as is (jansson escapes
 * it); anything else is read as ISO 8859-1 so that no byte is lost.
 */
static json_t *
jbytes(const void *p, size_t len)
{
	const uint8_t *s = p;
	json_t *j;
	char *tmp;
	size_t i, o = 0;

	if (p == NULL)
		return json_string("");
	j = json_stringn(p, len);
	if (j != NULL)
		return j;
	tmp = malloc(2 * len + 1);
	if (tmp == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x80) {
			tmp[o++] = (char)s[i];
		} else {
			tmp[o++] = (char)(0xc0 | (s[i] >> 6));
			tmp[o++] = (char)(0x80 | (s[i] & 0x3f));
		}
	}
	j = json_stringn(tmp, o);
	free(tmp);
	return j;
}

static json_t *
jspan(struct sw_span s)
{
	return jbytes(s.p, s.len);
}

static bool
is_utf8(const void *p, size_t len)
{
	json_t *j = json_stringn(p, len);
	bool ok = j != NULL || len == 0;

	json_decref(j);
	return ok;
}

/* --------------------------------------------------------------------------
 * Analysis
 */

static void
set_parse_error(struct rep *r, const char *name, size_t off)
{
	if (strcmp(r->parse, "ok") != 0)
		return; /* the first error wins */
	r->parse = name;
	r->has_off = true;
	r->off = (uint32_t)off;
}

/* Decide valid / invalid / no-key for one signed header. */
static void
verify_header(struct ctx *c, struct hdr_rep *hr, bool is_resp)
{
	uint8_t tok[TOKEN_MAX];
	struct sw_span sig = sw_auth_get(&hr->a, is_resp ? SW_AUTH_P_RSPAUTH : SW_AUTH_P_RESPONSE);
	enum sw_dir dir = is_resp ? SW_DIR_S2C : SW_DIR_C2S;
	bool matched = false;
	int tok_len = -EINVAL;
	size_t i;

	if (sig.len / 2 <= sizeof(tok))
		tok_len = sw_hex_decode(sig.p, sig.len, tok, sizeof(tok));
	if (tok_len < 0)
		hr->note = "signature is not a hex string";
	else if (!hr->has_buf)
		hr->note = "no signed buffer";

	for (i = 0; i < c->keys.n; i++) {
		const struct sw_insp_key *k = &c->keys.v[i];

		if (!sw_insp_key_matches(k, &hr->a))
			continue;
		matched = true;
		if (tok_len >= 0 && hr->has_buf &&
		    sw_sig_verify(&k->sig[dir], hr->buf, hr->buf_len, tok, (size_t)tok_len) == 0) {
			hr->v = V_VALID;
			hr->key_idx = (int)i;
			return;
		}
	}
	hr->v = matched ? V_INVALID : V_NOKEY;
}

/* Parse one auth header, build its signed buffer and verify it. */
static bool
analyse_header(struct ctx *c, struct rep *r, uint8_t idx)
{
	const struct sw_sip_hdr *sh = &c->msg.hdr[idx];
	struct hdr_rep *hr = &c->h[r->n_h];
	struct sw_sigbuf_auth sa;
	struct sw_span ver;
	enum sw_auth_rc arc;
	struct sw_wbuf w;
	uint32_t eoff = 0;
	int brc;

	memset(hr, 0, sizeof(*hr));
	hr->hdr_idx = idx;
	hr->id = sh->id;
	hr->key_idx = -1;
	arc = sw_auth_parse(sh->value, &hr->a, &eoff);
	if (arc != SW_AUTH_OK) {
		set_parse_error(r, auth_err_name[arc], span_off(r->buf, sh->value) + eoff);
		return false;
	}
	hr->a.hdr_idx = idx;
	r->n_h++;

	if (!sipae_scheme(hr->a.scheme)) {
		hr->v = V_UNSIGNED;
		hr->note = "not an MS-SIPAE scheme";
		return true;
	}
	hr->is_signed = sw_auth_has(&hr->a, r->is_resp ? SW_AUTH_P_RSPAUTH : SW_AUTH_P_RESPONSE);
	sa.scheme = hr->a.scheme;
	sa.rand = sw_auth_get(&hr->a, r->is_resp ? SW_AUTH_P_SRAND : SW_AUTH_P_CRAND);
	sa.num = sw_auth_get(&hr->a, r->is_resp ? SW_AUTH_P_SNUM : SW_AUTH_P_CNUM);
	sa.realm = sw_auth_get(&hr->a, SW_AUTH_P_REALM);
	sa.targetname = sw_auth_get(&hr->a, SW_AUTH_P_TARGETNAME);
	ver = sw_auth_get(&hr->a, SW_AUTH_P_VERSION);
	sa.version = sw_sigbuf_version(ver);
	if (sa.version == 0) {
		set_parse_error(r, "auth_bad_version",
				ver.p != NULL ? span_off(r->buf, ver)
					      : span_off(r->buf, sh->value));
		hr->v = hr->is_signed ? (c->have_keys ? V_INVALID : V_UNCHECKED) : V_UNSIGNED;
		hr->note = "bad version parameter";
		return true;
	}

	/* A buffer is shown whenever the header carries signing parameters. */
	if (hr->is_signed || sw_auth_has(&hr->a, r->is_resp ? SW_AUTH_P_SRAND : SW_AUTH_P_CRAND) ||
	    sw_auth_has(&hr->a, r->is_resp ? SW_AUTH_P_SNUM : SW_AUTH_P_CNUM)) {
		sw_wbuf_init(&w, c->scratch, sizeof(c->scratch));
		brc = sw_sigbuf_build(&c->msg, &sa, &w);
		if (brc == 0 && sw_wbuf_ok(&w)) {
			hr->buf = malloc(w.len != 0 ? w.len : 1);
			if (hr->buf == NULL) {
				fprintf(stderr, "sipward-inspect: out of memory\n");
				exit(EXIT_FAILURE);
			}
			memcpy(hr->buf, c->scratch, w.len);
			hr->buf_len = w.len;
			hr->has_buf = true;
		} else {
			hr->note =
				brc == -ENOSPC ? "signed buffer too long" : "signed buffer failed";
		}
	}

	if (!hr->is_signed)
		hr->v = V_UNSIGNED;
	else if (!c->have_keys)
		hr->v = V_UNCHECKED;
	else
		verify_header(c, hr, r->is_resp);
	return true;
}

static void
analyse(struct ctx *c, struct rep *r)
{
	struct sw_sip_msg *m = &c->msg;
	enum sw_sip_rc rc;
	size_t i;

	memset(m, 0, sizeof(*m));
	r->parse = "ok";
	r->v = V_UNSIGNED;
	r->primary = -1;
	rc = sw_sip_parse((const char *)r->buf, r->len, m);
	if (rc != SW_SIP_OK) {
		r->parse = sw_sip_rc_name(rc);
		r->has_off = true;
		r->off = m->err_off;
		/* Whatever the parser got to before failing, if it is sane. */
		if (span_within(r->buf, r->len, m->method))
			r->method = m->method;
		if (m->method.len == 0 && m->status >= 100 && m->status <= 999)
			r->status = m->status;
		return;
	}
	r->is_resp = m->status != 0;
	r->status = m->status;
	r->method = m->method;
	r->ruri = m->ruri;
	r->reason = m->reason;

	for (i = 0; i < m->n_hdr && i < SW_SIP_HDR_MAX; i++)
		if (wanted_header(m->hdr[i].id, r->is_resp))
			analyse_header(c, r, (uint8_t)i);

	for (i = 0; i < r->n_h; i++) {
		if (r->primary < 0 || c->h[i].v > r->v) {
			r->v = c->h[i].v;
			r->primary = (int)i;
		}
	}
}

/* --------------------------------------------------------------------------
 * Output
 */

static json_t *
auth_json(const struct hdr_rep *hr)
{
	json_t *o = json_object();
	uint8_t i;

	json_object_set_new(o, "header", json_string(sw_sip_hdr_name(hr->id)));
	json_object_set_new(o, "scheme", jspan(hr->a.scheme));
	for (i = 0; i < hr->a.n && i < SW_AUTH_PARAM_MAX; i++) {
		const struct sw_auth_kv *kv = &hr->a.kv[i];
		const char *known = kv->id != SW_AUTH_P_OTHER ? sw_auth_param_name(kv->id) : NULL;
		char name[SW_AUTH_NAME_MAX + 1];

		if (known != NULL) {
			snprintf(name, sizeof(name), "%s", known);
		} else {
			size_t n =
				kv->name.len < SW_AUTH_NAME_MAX ? kv->name.len : SW_AUTH_NAME_MAX;

			memcpy(name, kv->name.p, n);
			name[n] = '\0';
		}
		/* "header" and "scheme" are ours; a parameter of that name can't clobber them. */
		if (strcmp(name, "header") == 0 || strcmp(name, "scheme") == 0)
			continue;
		json_object_set_new(o, name, jspan(kv->value));
	}
	return o;
}

static void
set_buffer_json(json_t *o, const struct hdr_rep *hr)
{
	if (hr == NULL || !hr->has_buf) {
		json_object_set_new(o, "signed_buffer", json_null());
		return;
	}
	json_object_set_new(o, "signed_buffer", jbytes(hr->buf, hr->buf_len));
	if (!is_utf8(hr->buf, hr->buf_len)) {
		char *hex = malloc(2 * hr->buf_len + 1);
		size_t i;

		if (hex != NULL) {
			for (i = 0; i < hr->buf_len; i++)
				snprintf(hex + 2 * i, 3, "%02x", hr->buf[i]);
			json_object_set_new(o, "signed_buffer_hex", json_string(hex));
			free(hex);
		}
	}
}

static json_t *
jverdict(enum verdict v)
{
	return verdict_name[v] != NULL ? json_string(verdict_name[v]) : json_null();
}

static void
print_json(struct ctx *c, const struct rep *r)
{
	const struct hdr_rep *p = r->primary >= 0 ? &c->h[r->primary] : NULL;
	json_t *o = json_object(), *arr;
	char *line;
	size_t i;

	json_object_set_new(o, "file", jbytes(c->file, strlen(c->file)));
	json_object_set_new(o, "index", json_integer((json_int_t)c->index));
	if (r->pkt != NULL) {
		json_object_set_new(o, "frame", json_integer((json_int_t)r->pkt->frame));
		json_object_set_new(o, "src",
				    r->pkt->src[0] ? json_string(r->pkt->src) : json_null());
		json_object_set_new(o, "dst",
				    r->pkt->dst[0] ? json_string(r->pkt->dst) : json_null());
	}
	json_object_set_new(o, "parse", json_string(r->parse));
	json_object_set_new(o, "offset", r->has_off ? json_integer(r->off) : json_null());
	if (r->error_text != NULL)
		json_object_set_new(o, "error", jbytes(r->error_text, strlen(r->error_text)));
	json_object_set_new(o, "method", r->method.len != 0 ? jspan(r->method) : json_null());
	json_object_set_new(o, "status", r->status != 0 ? json_integer(r->status) : json_null());
	json_object_set_new(o, "auth", p != NULL ? auth_json(p) : json_null());
	set_buffer_json(o, p);
	json_object_set_new(o, "verdict",
			    strcmp(r->parse, "ok") == 0 || r->n_h != 0 ? jverdict(r->v)
								       : json_null());
	arr = json_array();
	for (i = 0; i < r->n_h; i++) {
		const struct hdr_rep *hr = &c->h[i];
		json_t *e = json_object();

		json_object_set_new(e, "auth", auth_json(hr));
		set_buffer_json(e, hr);
		json_object_set_new(e, "verdict", jverdict(hr->v));
		json_object_set_new(e, "key",
				    hr->key_idx >= 0 ? json_integer(hr->key_idx) : json_null());
		if (hr->note != NULL)
			json_object_set_new(e, "note", json_string(hr->note));
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "auths", arr);

	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line == NULL) {
		fprintf(stderr, "sipward-inspect: out of memory\n");
		exit(EXIT_FAILURE);
	}
	puts(line);
	free(line);
	json_decref(o);
}

static void
label(const char *indent, const char *l)
{
	printf("%s%-*s ", indent, LABEL_W, l);
}

/* The line holding byte @p off, escaped, with a caret under the offset. */
static void
print_error_context(const struct rep *r)
{
	const uint8_t *b = r->buf;
	size_t off = r->off < r->len ? r->off : r->len, s = off, e = off, start, cols;

	/* At the end of a line (or of the data), show the line that just ended. */
	if (s > 0 && (s == r->len || b[s] == '\r' || b[s] == '\n') && b[s - 1] == '\n') {
		s--;
		if (s > 0 && b[s - 1] == '\r')
			s--;
	}
	while (s > 0 && b[s - 1] != '\n' && off - s < 60)
		s--;
	while (e < r->len && b[e] != '\r' && b[e] != '\n' && e - off < 60)
		e++;
	start = s;
	label("  ", "");
	cols = put_escaped(stdout, b + start, off - start);
	put_escaped(stdout, b + off, e - off);
	printf("\n");
	label("  ", "");
	printf("%*s^\n", (int)cols, "");
	if (memchr(b, '\n', r->len) != NULL && memchr(b, '\r', r->len) == NULL) {
		label("  ", "note");
		printf("no CR in the message: SIP lines end in CRLF\n");
	}
}

static void
print_text_header(const struct hdr_rep *hr, size_t i, size_t n)
{
	uint8_t k;
	size_t w;

	printf("  %s", sw_sip_hdr_name(hr->id));
	if (n > 1)
		printf(" [%zu/%zu]", i + 1, n);
	printf(": ");
	put_escaped(stdout, hr->a.scheme.p, hr->a.scheme.len);
	printf("\n");
	for (k = 0; k < hr->a.n && k < SW_AUTH_PARAM_MAX; k++) {
		const struct sw_auth_kv *kv = &hr->a.kv[k];

		printf("    ");
		w = put_escaped(stdout, kv->name.p, kv->name.len);
		printf("%*s", w < LABEL_W ? (int)(LABEL_W - w) + 1 : 1, "");
		if (kv->id == SW_AUTH_P_GSSAPI_DATA && kv->value.len > GSSAPI_SHOW) {
			put_escaped(stdout, kv->value.p, GSSAPI_SHOW);
			printf("... (%u bytes)", kv->value.len);
		} else {
			if (kv->quoted)
				putchar('"');
			put_escaped(stdout, kv->value.p, kv->value.len);
			if (kv->quoted)
				putchar('"');
		}
		printf("\n");
	}
	if (hr->has_buf) {
		label("    ", "signed buffer");
		put_escaped(stdout, hr->buf, hr->buf_len);
		printf("\n");
	}
	label("    ", "verdict");
	if (hr->v == V_UNCHECKED)
		printf("not checked (no --keys)");
	else
		printf("%s", verdict_name[hr->v]);
	if (hr->key_idx >= 0)
		printf(" (key %d)", hr->key_idx);
	if (hr->note != NULL)
		printf(" [%s]", hr->note);
	printf("\n");
}

static void
print_text(struct ctx *c, const struct rep *r)
{
	size_t i;

	printf("%s #%" PRIu64, c->file, c->index);
	if (r->pkt != NULL) {
		printf("  frame %" PRIu64, r->pkt->frame);
		if (r->pkt->src[0] != '\0')
			printf("  %s -> %s", r->pkt->src, r->pkt->dst);
		if (r->pkt->n_frags != 0)
			printf("  (%u IP fragments)", r->pkt->n_frags);
	}
	printf("\n");

	label("  ", "parse");
	if (r->has_off)
		printf("%s at offset %" PRIu32 "\n", r->parse, r->off);
	else
		printf("%s\n", r->parse);
	if (r->error_text != NULL) {
		label("  ", "error");
		printf("%s\n", r->error_text);
	}
	if (r->has_off && r->buf != NULL)
		print_error_context(r);

	if (r->method.len != 0) {
		label("  ", "request");
		put_escaped(stdout, r->method.p, r->method.len);
		if (r->ruri.len != 0) {
			putchar(' ');
			put_escaped(stdout, r->ruri.p, r->ruri.len);
		}
		printf("\n");
	} else if (r->status != 0) {
		label("  ", "response");
		printf("%u ", r->status);
		put_escaped(stdout, r->reason.p, r->reason.len);
		printf("\n");
	}
	if (strcmp(r->parse, "ok") != 0 && r->n_h == 0) {
		printf("\n");
		return;
	}
	if (r->n_h == 0) {
		label("  ", "auth");
		printf("none (%s)\n", r->is_resp ? "no Authentication-Info / challenge header"
						 : "no Authorization header");
	}
	for (i = 0; i < r->n_h; i++)
		print_text_header(&c->h[i], i, r->n_h);
	label("  ", "verdict");
	printf("%s\n\n", r->v == V_UNCHECKED ? "not checked (no --keys)" : verdict_name[r->v]);
}

/* Report one message (or one file/packet-level error) and account for it. */
static void
report(struct ctx *c, struct rep *r)
{
	size_t i;
	bool ok = strcmp(r->parse, "ok") == 0;

	if (ok && c->have_keys && r->v != V_VALID && r->v != V_UNSIGNED)
		ok = false;
	if (!ok)
		c->all_ok = false;
	c->n_msgs++;
	if (strcmp(r->parse, "ok") == 0) {
		c->n_parse_ok++;
		c->n_verdict[r->v]++;
	}
	if (c->json)
		print_json(c, r);
	else
		print_text(c, r);
	for (i = 0; i < r->n_h; i++) {
		free(c->h[i].buf);
		c->h[i].buf = NULL;
	}
	c->index++;
}

/* --------------------------------------------------------------------------
 * Input
 */

static void
inspect_buffer(struct ctx *c, const struct sw_insp_pkt *pkt, const uint8_t *buf, size_t len)
{
	struct rep r;

	memset(&r, 0, sizeof(r));
	r.pkt = pkt;
	r.buf = buf;
	r.len = len;
	analyse(c, &r);
	report(c, &r);
}

static void
report_error(struct ctx *c, const struct sw_insp_pkt *pkt, const char *name, const char *text)
{
	struct rep r;

	memset(&r, 0, sizeof(r));
	r.pkt = pkt;
	r.parse = name;
	r.error_text = text;
	r.primary = -1;
	r.v = V_UNSIGNED;
	report(c, &r);
}

static int
on_packet(void *arg, const struct sw_insp_pkt *pkt)
{
	struct ctx *c = arg;

	if (pkt->error != NULL)
		report_error(c, pkt, pkt->error, NULL);
	else
		inspect_buffer(c, pkt, pkt->payload, pkt->len);
	return 0;
}

static void
inspect_file(struct ctx *c, const char *path)
{
	char err[768];
	size_t n = 0, got;
	FILE *f;
	int rc;

	c->file = path;
	c->index = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		fprintf(stderr, "sipward-inspect: %s: %s\n", path, err);
		report_error(c, NULL, "unreadable_file", err);
		return;
	}
	/* One more byte than a message may have, so that too_big is reported. */
	while (n < sizeof(c->filebuf) &&
	       (got = fread(c->filebuf + n, 1, sizeof(c->filebuf) - n, f)) > 0)
		n += got;
	rc = ferror(f) ? errno : 0;
	fclose(f);
	if (rc != 0) {
		snprintf(err, sizeof(err), "%s", strerror(rc));
		fprintf(stderr, "sipward-inspect: %s: %s\n", path, err);
		report_error(c, NULL, "unreadable_file", err);
		return;
	}

	if (!sw_insp_is_capture((const uint8_t *)c->filebuf, n)) {
		inspect_buffer(c, NULL, (const uint8_t *)c->filebuf, n);
		return;
	}
	err[0] = '\0';
	rc = sw_insp_capture_walk(path, on_packet, c, err, sizeof(err));
	if (rc == -ENOMEM) {
		fprintf(stderr, "sipward-inspect: out of memory\n");
		exit(EXIT_FAILURE);
	}
	if (rc != 0) {
		fprintf(stderr, "sipward-inspect: %s: %s\n", path, err);
		report_error(c, NULL, rc == -ENOTSUP ? "unsupported_linktype" : "bad_capture_file",
			     err);
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sipward-inspect [--json] [--keys KEYFILE] FILE...\n"
		"\n"
		"Show how sipward parses SIP messages and their MS-SIPAE signatures.\n"
		"Each FILE is one raw SIP message or a pcap/pcapng capture of UDP SIP.\n"
		"\n"
		"  --json          one JSON object per message per line\n"
		"  --keys KEYFILE  verify signatures with the keys in KEYFILE, a JSON list of\n"
		"                  {\"scheme\":\"NTLM\",\"session_key\":\"<hex>\"} or\n"
		"                  {\"scheme\":\"Kerberos\",\"enctype\":18,\"key\":\"<hex>\"},\n"
		"                  optionally restricted by \"opaque\", \"realm\", \"targetname\"\n"
		"  -h, --help      this text\n"
		"  --version       print the version\n"
		"\n"
		"Exit status: 0 all messages parsed (and, with --keys, every signed message\n"
		"is valid), 1 otherwise, 2 usage or key file error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"keys", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *keyfile = NULL;
	struct ctx *c = NULL;
	bool json = false;
	char err[512];
	int opt, i, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("sipward-inspect %s\n", SW_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		fprintf(stderr, "sipward-inspect: out of memory\n");
		return EXIT_FAILURE;
	}
	c->all_ok = true;
	for (i = 0; i < SW_AUTH_RC_MAX; i++)
		snprintf(auth_err_name[i], sizeof(auth_err_name[i]), "auth_%s",
			 sw_auth_rc_name((enum sw_auth_rc)i));
	c->json = json;

	if (keyfile != NULL) {
		ret = sw_insp_keys_load(keyfile, &c->keys, err, sizeof(err));
		if (ret != 0) {
			fprintf(stderr, "sipward-inspect: %s: %s\n", keyfile, err);
			free(c);
			return EXIT_USAGE;
		}
		c->have_keys = true;
	}

	for (i = optind; i < argc; i++)
		inspect_file(c, argv[i]);

	if (!c->json) {
		printf("%" PRIu64 " message%s, %" PRIu64 " parsed", c->n_msgs,
		       c->n_msgs == 1 ? "" : "s", c->n_parse_ok);
		if (c->have_keys)
			printf("; %" PRIu64 " valid, %" PRIu64 " invalid, %" PRIu64
			       " no-key, %" PRIu64 " unsigned",
			       c->n_verdict[V_VALID], c->n_verdict[V_INVALID],
			       c->n_verdict[V_NOKEY], c->n_verdict[V_UNSIGNED]);
		printf("\n");
	}
	ret = c->all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
	sw_insp_keys_free(&c->keys);
	explicit_bzero(c->scratch, sizeof(c->scratch));
	free(c);
	if (fflush(stdout) != 0)
		ret = EXIT_FAILURE;
	return ret;
}
