/*
 * End-to-end test of sipward-inspect: runs the built tool (argv[1]) on the
 * committed raw fixtures (argv[2]) and on messages, key files and captures
 * generated here into a temporary directory, and checks its JSON output
 * field by field and its exit status.
 *
 * Signed messages are signed in this test with sw_sig_sign() over buffers
 * written out by hand from PROTOCOL.md §2, so a "valid" verdict checks the
 * tool's parse -> signed buffer -> verify chain against an independent
 * statement of the buffer.
 */

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "crypto/sig.h"

extern char **environ;

static const char *tool;     /* path of sipward-inspect */
static const char *data_dir; /* committed fixtures */
static char tmp_dir[256];

#define MAX_OUT_LINES 64

struct run {
	int status; /* exit status, or -1 if it did not exit normally */
	size_t n;   /* JSON lines */
	json_t *line[MAX_OUT_LINES];
	char *out; /* raw stdout */
};

/* --------------------------------------------------------------------------
 * Helpers: files, running the tool
 */

static void
tpath(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", tmp_dir, name);
}

static void
dpath(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", data_dir, name);
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	assert_non_null(f);
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got != 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Run the tool with argv (NULL-terminated, without argv[0]); parse stdout. */
static void
run_tool(struct run *r, const char *const *args)
{
	const char *argv[32];
	char out_path[300], err_path[300];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, i, n = 0;
	char *line, *save = NULL, *copy;

	memset(r, 0, sizeof(*r));
	argv[n++] = tool;
	for (i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tpath(out_path, sizeof(out_path), "stdout.txt");
	tpath(err_path, sizeof(err_path), "stderr.txt");

	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(
		posix_spawn(&pid, tool, &fa, NULL, (char *const *)(uintptr_t)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (r->status < 0 || r->status > 2) {
		char *e = read_all(err_path);

		fail_msg("tool died (status %d); stderr:\n%s", st, e);
	}

	r->out = read_all(out_path);
	copy = strdup(r->out);
	assert_non_null(copy);
	/* In JSON mode every line is an object; text mode lines don't parse. */
	for (line = strtok_r(copy, "\n", &save); line != NULL && r->n < MAX_OUT_LINES;
	     line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);

		if (j != NULL)
			r->line[r->n++] = j;
	}
	free(copy);
}

static void
run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		json_decref(r->line[i]);
	free(r->out);
	memset(r, 0, sizeof(*r));
}

/* Object of output line for (file basename, index); fails if absent. */
static json_t *
find_msg(const struct run *r, const char *file, long index)
{
	size_t i, fl = strlen(file);

	for (i = 0; i < r->n; i++) {
		const char *f = json_string_value(json_object_get(r->line[i], "file"));
		size_t l = f != NULL ? strlen(f) : 0;

		if (f != NULL && l >= fl && strcmp(f + l - fl, file) == 0 &&
		    (l == fl || f[l - fl - 1] == '/') &&
		    json_integer_value(json_object_get(r->line[i], "index")) == index)
			return r->line[i];
	}
	fail_msg("no output for %s #%ld", file, index);
	return NULL;
}

static void
expect_str(const json_t *o, const char *key, const char *want, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (want == NULL) {
		if (v == NULL || !json_is_null(v))
			fail_msg("%s: %s: want null", what, key);
		return;
	}
	if (!json_is_string(v))
		fail_msg("%s: %s: want \"%s\", got %s", what, key, want,
			 v == NULL ? "(absent)" : "a non-string");
	if (strcmp(json_string_value(v), want) != 0)
		fail_msg("%s: %s: want \"%s\"\n  got \"%s\"", what, key, want,
			 json_string_value(v));
}

static void
expect_int(const json_t *o, const char *key, long want, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (want < 0) {
		if (v == NULL || !json_is_null(v))
			fail_msg("%s: %s: want null", what, key);
		return;
	}
	if (!json_is_integer(v) || json_integer_value(v) != want)
		fail_msg("%s: %s: want %ld, got %lld", what, key, want,
			 json_is_integer(v) ? (long long)json_integer_value(v) : -1LL);
}

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *hit = strstr(s, from);
	size_t n;
	char *out;

	if (hit == NULL)
		return strdup(s);
	n = strlen(s) - strlen(from) + strlen(to);
	out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, s, (size_t)(hit - s));
	strcpy(out + (hit - s), to);
	strcat(out, hit + strlen(from));
	return out;
}

/* --------------------------------------------------------------------------
 * Keys and signed messages
 */

struct tkey {
	const char *scheme;
	int enctype; /* 0 for NTLM */
	size_t len;
	const char *opaque; /* restriction written to the key file, or NULL */
	const char *realm;
	bool in_file;
	uint8_t raw[32];
};

/* Kerberos keys are restricted by opaque so exactly one can match a message. */
static struct tkey keys[] = {
	{"Kerberos", 18, 32, "1C0FFEE1", NULL, true, {0}},
	{"NTLM", 0, 16, NULL, "SIP Communications Service", true, {0}},
	{"Kerberos", 17, 16, "11111117", NULL, true, {0}},
	{"Kerberos", 19, 16, "11111119", NULL, true, {0}},
	{"Kerberos", 20, 32, "11111120", NULL, true, {0}},
	{"Kerberos", 23, 16, "11111123", NULL, true, {0}},
	{"Kerberos", 18, 32, "B0B0B0B0", NULL, false, {0}}, /* proxy B's: not in the file */
};
#define K_KRB18	  0
#define K_NTLM	  1
#define K_PROXY_B 6

static void
hex(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static void
make_keys(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		for (j = 0; j < keys[i].len; j++)
			keys[i].raw[j] = (uint8_t)(0x5a ^ (i * 37 + j * 11));
}

/* The key file with every in_file key, in table order. */
static void
write_keyfile(const char *path)
{
	json_t *arr = json_array();
	char h[65];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *o;

		if (!keys[i].in_file)
			continue;
		hex(h, keys[i].raw, keys[i].len);
		o = json_pack("{s:s}", "scheme", keys[i].scheme);
		if (keys[i].enctype != 0) {
			json_object_set_new(o, "enctype", json_integer(keys[i].enctype));
			json_object_set_new(o, "key", json_string(h));
		} else {
			json_object_set_new(o, "session_key", json_string(h));
		}
		if (keys[i].opaque != NULL)
			json_object_set_new(o, "opaque", json_string(keys[i].opaque));
		if (keys[i].realm != NULL)
			json_object_set_new(o, "realm", json_string(keys[i].realm));
		json_array_append_new(arr, o);
	}
	assert_int_equal(json_dump_file(arr, path, JSON_INDENT(2)), 0);
	json_decref(arr);
}

/* Hex signature of @p buf with key @p k in the direction of the message. */
static void
sign_hex(char *out, int k, bool is_resp, const char *buf, bool corrupt)
{
	struct sw_sig_key sk;
	uint8_t tok[SW_SIG_TOKEN_MAX];
	enum sw_dir dir = is_resp ? SW_DIR_S2C : SW_DIR_C2S;
	int n;

	if (keys[k].enctype == 0)
		assert_int_equal(sw_sig_key_init_ntlm(&sk, keys[k].raw, dir), 0);
	else
		assert_int_equal(
			sw_sig_key_init_krb(&sk, keys[k].enctype, keys[k].raw, keys[k].len, dir),
			0);
	n = sw_sig_sign(&sk, (const uint8_t *)buf, strlen(buf), 5, tok, sizeof(tok));
	assert_true(n > 0);
	assert_int_equal((size_t)n, sw_sig_token_len(&sk));
	if (corrupt)
		tok[n - 1] ^= 0x01;
	/* Upper case on purpose: hex decoding is case-insensitive. */
	hex(out, tok, (size_t)n);
	if (keys[k].enctype == 0)
		for (char *p = out; *p != '\0'; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
	sw_sig_key_wipe(&sk);
}

#define VIA "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n"

/* REGISTER, version 4: 15 fields. */
static const char register_v4[] =
	"REGISTER sip:example.test SIP/2.0\r\n" VIA "Max-Forwards: 70\r\n"
	"From: \"Ann\" <sip:ann@example.test>;tag=8a1c2e;epid=01\r\n"
	"To: <sip:ann@example.test>\r\n"
	"Call-ID: 7f2a9c41@ann-pc\r\n"
	"CSeq: 7 REGISTER\r\n"
	"Contact: <sip:ann@192.0.2.10:5060;transport=udp>;expires=7200\r\n"
	"User-Agent: UCCAPI/16.0.0.0 OC/16.0.0.0 (Skype for Business)\r\n"
	"Expires: 3600\r\n"
	"Proxy-Authorization: @SCHEME@ qop=\"auth\", opaque=\"@OPAQUE@\", "
	"realm=\"SIP Communications Service\", targetname=\"@TARGET@\", version=4, "
	"crand=\"0a1b2c3d\", cnum=\"5\", response=\"@SIG1@\"\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char register_v4_buf[] =
	"<@SCHEME@><0a1b2c3d><5><SIP Communications Service><@TARGET@><7f2a9c41@ann-pc><7>"
	"<REGISTER><sip:ann@example.test><8a1c2e><sip:ann@example.test><><><><3600>";

/* INVITE, version 3, NTLM, P-Asserted-Identity, no Expires, compact headers. */
static const char invite_v3[] =
	"INVITE sip:bob@example.test SIP/2.0\r\n" VIA "Max-Forwards: 70\r\n"
	"f: <sip:ann@example.test>;tag=f00d\r\n"
	"t: \"Bob\" <sip:bob@example.test>\r\n"
	"i: abc123@ann-pc\r\n"
	"CSeq: 2 INVITE\r\n"
	"P-Asserted-Identity: <sip:ann@example.test>, <tel:+15551234>\r\n"
	"Proxy-Authorization: NTLM qop=\"auth\",opaque=\"AB12CD34\","
	"realm=\"SIP Communications Service\",targetname=\"proxy.example.test\",version=3,"
	"crand=\"deadbeef\",cnum=\"12\",response=\"@SIG1@\"\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 5\r\n"
	"\r\n"
	"v=0\r\n";

static const char invite_v3_buf[] =
	"<NTLM><deadbeef><12><SIP Communications Service><proxy.example.test><abc123@ann-pc><2>"
	"<INVITE><sip:ann@example.test><f00d><sip:bob@example.test><><sip:ann@example.test>"
	"<tel:+15551234><>";

/* 200 OK to the REGISTER, signed by the server: 16 fields. */
static const char ok_v4[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;received=192.0.2.10\r\n"
	"FROM: \"Ann\" <sip:ann@example.test>;tag=8a1c2e;epid=01\r\n"
	"TO: <sip:ann@example.test>;tag=5e7a\r\n"
	"CALL-ID: 7f2a9c41@ann-pc\r\n"
	"CSEQ: 7 REGISTER\r\n"
	"Expires: 3600\r\n"
	"Proxy-Authentication-Info: Kerberos qop=\"auth\", opaque=\"1C0FFEE1\", "
	"realm=\"SIP Communications Service\", targetname=\"sip/proxy.example.test\", "
	"version=4, srand=\"9f8e7d6c\", snum=\"1\", rspauth=\"@SIG1@\"\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char ok_v4_buf[] =
	"<Kerberos><9f8e7d6c><1><SIP Communications Service><sip/proxy.example.test>"
	"<7f2a9c41@ann-pc><7><REGISTER><sip:ann@example.test><8a1c2e><sip:ann@example.test>"
	"<5e7a><><><3600><200>";

/* Version 2 (no version parameter): 12 fields, no To URI, no identities. */
static const char message_v2[] =
	"MESSAGE sip:bob@example.test SIP/2.0\r\n" VIA "Max-Forwards: 70\r\n"
	"From: <sip:ann@example.test>;tag=77\r\n"
	"To: <sip:bob@example.test>;tag=88\r\n"
	"Call-ID: m-1@ann-pc\r\n"
	"CSeq: 31 MESSAGE\r\n"
	"P-Asserted-Identity: <sip:ann@example.test>\r\n"
	"Authorization: NTLM qop=\"auth\", opaque=\"AB12CD34\", "
	"realm=\"SIP Communications Service\", targetname=\"proxy.example.test\", "
	"crand=\"00c0ffee\", cnum=\"3\", response=\"@SIG1@\"\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char message_v2_buf[] =
	"<NTLM><00c0ffee><3><SIP Communications Service><proxy.example.test><m-1@ann-pc><31>"
	"<MESSAGE><sip:ann@example.test><77><88><>";

/* Patent FIG. 5: credentials for two proxies; ours (NTLM) second. */
static const char register_fig5[] =
	"REGISTER sip:example.test SIP/2.0\r\n" VIA "Max-Forwards: 70\r\n"
	"From: <sip:ann@example.test>;tag=8a1c2e\r\n"
	"To: <sip:ann@example.test>\r\n"
	"Call-ID: fig5@ann-pc\r\n"
	"CSeq: 9 REGISTER\r\n"
	"Proxy-Authorization: Kerberos qop=\"auth\", opaque=\"B0B0B0B0\", "
	"realm=\"SIP Communications Service\", targetname=\"sip/proxy-b.example.test\", "
	"version=4, crand=\"01010101\", cnum=\"1\", response=\"@SIG1@\"\r\n"
	"Proxy-Authorization: NTLM qop=\"auth\", opaque=\"AB12CD34\", "
	"realm=\"SIP Communications Service\", targetname=\"proxy.example.test\", "
	"version=4, crand=\"02020202\", cnum=\"2\", response=\"@SIG2@\"\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char fig5_buf_b[] =
	"<Kerberos><01010101><1><SIP Communications Service><sip/proxy-b.example.test>"
	"<fig5@ann-pc><9><REGISTER><sip:ann@example.test><8a1c2e><sip:ann@example.test><><><><>";
static const char fig5_buf_a[] =
	"<NTLM><02020202><2><SIP Communications Service><proxy.example.test>"
	"<fig5@ann-pc><9><REGISTER><sip:ann@example.test><8a1c2e><sip:ann@example.test><><><><>";

struct gen_sig {
	int key; /* -1: no signature */
	const char *buf;
	bool corrupt;
};

/* One generated message and what the tool must say about it. */
struct gen_case {
	const char *file;
	const char *tmpl;
	const char *scheme; /* @SCHEME@ (register_v4 only) */
	const char *opaque; /* @OPAQUE@ */
	const char *target; /* @TARGET@ */
	bool is_resp;
	struct gen_sig sig[2];
	/* expected */
	const char *method;
	long status;
	const char *verdict;
	long n_auths;
	long primary;		 /* index into auths of the reported auth */
	const char *hverdict[2]; /* per header */
	long key[2];		 /* key file index that verified, -1 null */
	int exit_alone;		 /* exit status of a --keys run on this file only */
};

/*
 * Columns: file, template, @SCHEME@, @OPAQUE@, @TARGET@, signed as a response,
 * {signing key, expected buffer, corrupt} x 2; then the expected method,
 * status, verdict, number of auths, primary auth, per-auth verdicts, per-auth
 * verifying key, exit status alone.
 */
#define KRB_T "sip/proxy.example.test"
#define NO_SIG { -1, NULL, false }
// clang-format off
static const struct gen_case gen_cases[] = {
	{ "krb18.sip", register_v4, "Kerberos", "1C0FFEE1", KRB_T, false,
	  { { K_KRB18, register_v4_buf, false }, NO_SIG },
	  "REGISTER", -1, "valid", 1, 0, { "valid", NULL }, { 0, -1 }, 0 },
	{ "krb17.sip", register_v4, "Kerberos", "11111117", KRB_T, false,
	  { { 2, register_v4_buf, false }, NO_SIG },
	  "REGISTER", -1, "valid", 1, 0, { "valid", NULL }, { 2, -1 }, 0 },
	{ "krb19.sip", register_v4, "Kerberos", "11111119", KRB_T, false,
	  { { 3, register_v4_buf, false }, NO_SIG },
	  "REGISTER", -1, "valid", 1, 0, { "valid", NULL }, { 3, -1 }, 0 },
	{ "krb20.sip", register_v4, "Kerberos", "11111120", KRB_T, false,
	  { { 4, register_v4_buf, false }, NO_SIG },
	  "REGISTER", -1, "valid", 1, 0, { "valid", NULL }, { 4, -1 }, 0 },
	{ "krb23.sip", register_v4, "Kerberos", "11111123", KRB_T, false,
	  { { 5, register_v4_buf, false }, NO_SIG },
	  "REGISTER", -1, "valid", 1, 0, { "valid", NULL }, { 5, -1 }, 0 },
	{ "ntlm-register.sip", register_v4, "NTLM", "AB12CD34", "proxy.example.test", false,
	  { { K_NTLM, register_v4_buf, false }, NO_SIG },
	  "REGISTER", -1, "valid", 1, 0, { "valid", NULL }, { 1, -1 }, 0 },
	{ "ntlm-invite.sip", invite_v3, NULL, NULL, NULL, false,
	  { { K_NTLM, invite_v3_buf, false }, NO_SIG },
	  "INVITE", -1, "valid", 1, 0, { "valid", NULL }, { 1, -1 }, 0 },
	{ "ntlm-message-v2.sip", message_v2, NULL, NULL, NULL, false,
	  { { K_NTLM, message_v2_buf, false }, NO_SIG },
	  "MESSAGE", -1, "valid", 1, 0, { "valid", NULL }, { 1, -1 }, 0 },
	{ "krb18-200.sip", ok_v4, NULL, NULL, NULL, true,
	  { { K_KRB18, ok_v4_buf, false }, NO_SIG },
	  NULL, 200, "valid", 1, 0, { "valid", NULL }, { 0, -1 }, 0 },
	{ "krb18-bad.sip", register_v4, "Kerberos", "1C0FFEE1", KRB_T, false,
	  { { K_KRB18, register_v4_buf, true }, NO_SIG },
	  "REGISTER", -1, "invalid", 1, 0, { "invalid", NULL }, { -1, -1 }, 1 },
	/* Signed in the wrong direction: a client-signed token in a response. */
	{ "krb18-200-c2s.sip", ok_v4, NULL, NULL, NULL, false,
	  { { K_KRB18, ok_v4_buf, false }, NO_SIG },
	  NULL, 200, "invalid", 1, 0, { "invalid", NULL }, { -1, -1 }, 1 },
	{ "krb18-nokey.sip", register_v4, "Kerberos", "DEADF00D", KRB_T, false,
	  { { K_KRB18, register_v4_buf, false }, NO_SIG },
	  "REGISTER", -1, "no-key", 1, 0, { "no-key", NULL }, { -1, -1 }, 1 },
	{ "fig5.sip", register_fig5, NULL, NULL, NULL, false,
	  { { K_PROXY_B, fig5_buf_b, false }, { K_NTLM, fig5_buf_a, false } },
	  "REGISTER", -1, "valid", 2, 1, { "no-key", "valid" }, { -1, 1 }, 0 },
	{ "fig5-bad.sip", register_fig5, NULL, NULL, NULL, false,
	  { { K_PROXY_B, fig5_buf_b, false }, { K_NTLM, fig5_buf_a, true } },
	  "REGISTER", -1, "invalid", 2, 1, { "no-key", "invalid" }, { -1, -1 }, 1 },
};
// clang-format on
#define N_GEN (sizeof(gen_cases) / sizeof(gen_cases[0]))

/* Fill the template of @p gc; the caller frees.  *bufs get the expected buffers. */
static char *
expand(const char *tmpl, const struct gen_case *gc)
{
	char *a = replace(tmpl, "@SCHEME@", gc->scheme != NULL ? gc->scheme : "");
	char *b = replace(a, "@OPAQUE@", gc->opaque != NULL ? gc->opaque : "");
	char *c;

	free(a);
	c = replace(b, "@TARGET@", gc->target != NULL ? gc->target : "");
	free(b);
	/* register_v4_buf has @SCHEME@ and @TARGET@ twice at most: once each. */
	return c;
}

static char *
gen_message(const struct gen_case *gc, char *bufs[2])
{
	static const char *const ph[2] = {"@SIG1@", "@SIG2@"};
	char *msg = expand(gc->tmpl, gc), *next;
	char sig[2 * SW_SIG_TOKEN_MAX + 1];
	int i;

	for (i = 0; i < 2; i++) {
		bufs[i] = NULL;
		if (gc->sig[i].key < 0)
			continue;
		bufs[i] = expand(gc->sig[i].buf, gc);
		sign_hex(sig, gc->sig[i].key, gc->is_resp, bufs[i], gc->sig[i].corrupt);
		next = replace(msg, ph[i], sig);
		free(msg);
		msg = next;
	}
	return msg;
}

/* --------------------------------------------------------------------------
 * Tests: generated, signed messages
 */

static void
check_gen(const struct run *r, const struct gen_case *gc, char *bufs[2], bool with_keys)
{
	const json_t *o = find_msg(r, gc->file, 0), *auths, *auth;
	long i;

	expect_str(o, "parse", "ok", gc->file);
	expect_int(o, "offset", -1, gc->file);
	expect_str(o, "method", gc->method, gc->file);
	expect_int(o, "status", gc->status, gc->file);
	expect_str(o, "verdict", with_keys ? gc->verdict : NULL, gc->file);
	/* Without keys every signed header is unchecked: the first one is reported. */
	expect_str(o, "signed_buffer", bufs[with_keys ? gc->primary : 0], gc->file);
	auth = json_object_get(o, "auth");
	assert_true(json_is_object(auth));
	expect_str(auth, "header",
		   gc->tmpl == message_v2	      ? "Authorization"
		   : gc->is_resp || gc->tmpl == ok_v4 ? "Proxy-Authentication-Info"
						      : "Proxy-Authorization",
		   gc->file);
	expect_str(auth, "qop", "auth", gc->file);
	expect_str(auth, "realm", "SIP Communications Service", gc->file);
	auths = json_object_get(o, "auths");
	assert_true(json_is_array(auths));
	assert_int_equal(json_array_size(auths), gc->n_auths);
	for (i = 0; i < gc->n_auths; i++) {
		const json_t *e = json_array_get(auths, (size_t)i);

		expect_str(e, "signed_buffer", bufs[i], gc->file);
		expect_str(e, "verdict", with_keys ? gc->hverdict[i] : NULL, gc->file);
		expect_int(e, "key", with_keys ? gc->key[i] : -1, gc->file);
	}
}

static void
test_inspect_signed_messages(void **state)
{
	char path[300], keyfile[300];
	const char *args[N_GEN + 8];
	char *bufs[N_GEN][2], *paths[N_GEN];
	struct run r;
	size_t i, n;

	(void)state;
	tpath(keyfile, sizeof(keyfile), "keys.json");
	write_keyfile(keyfile);
	for (i = 0; i < N_GEN; i++) {
		char *msg = gen_message(&gen_cases[i], bufs[i]);

		tpath(path, sizeof(path), gen_cases[i].file);
		write_file(path, msg, strlen(msg));
		paths[i] = strdup(path);
		free(msg);
	}

	/* All at once, with keys: some are invalid, so exit 1. */
	n = 0;
	args[n++] = "--json";
	args[n++] = "--keys";
	args[n++] = keyfile;
	for (i = 0; i < N_GEN; i++)
		args[n++] = paths[i];
	args[n] = NULL;
	run_tool(&r, args);
	assert_int_equal(r.n, N_GEN);
	for (i = 0; i < N_GEN; i++) {
		check_gen(&r, &gen_cases[i], bufs[i], true);
	}
	assert_int_equal(r.status, 1);
	run_free(&r);

	/* Without keys: verdict null for signed messages, and exit 0 (all parse). */
	args[1] = NULL;
	n = 1;
	for (i = 0; i < N_GEN; i++)
		args[n++] = paths[i];
	args[n] = NULL;
	run_tool(&r, args);
	assert_int_equal(r.n, N_GEN);
	for (i = 0; i < N_GEN; i++)
		check_gen(&r, &gen_cases[i], bufs[i], false);
	assert_int_equal(r.status, 0);
	run_free(&r);

	/* One by one: the exit status follows the verdict. */
	for (i = 0; i < N_GEN; i++) {
		const char *one[] = {"--json", "--keys", keyfile, paths[i], NULL};

		run_tool(&r, one);
		if (r.status != gen_cases[i].exit_alone)
			fail_msg("%s: exit %d, want %d", gen_cases[i].file, r.status,
				 gen_cases[i].exit_alone);
		run_free(&r);
	}

	/* Text mode says the same in words. */
	{
		const char *txt[] = {"--keys", keyfile, paths[0], paths[9], NULL};

		run_tool(&r, txt);
		assert_int_equal(r.status, 1);
		assert_non_null(strstr(r.out, "valid (key 0)"));
		assert_non_null(strstr(r.out, "invalid"));
		assert_non_null(strstr(r.out, "<Kerberos><0a1b2c3d><5>"));
		run_free(&r);
	}

	for (i = 0; i < N_GEN; i++) {
		free(bufs[i][0]);
		free(bufs[i][1]);
		free(paths[i]);
	}
}

/* --------------------------------------------------------------------------
 * Tests: committed raw fixtures
 */

struct raw_case {
	const char *file;
	const char *parse;
	long offset; /* -1: null */
	const char *method;
	long status;
	const char *verdict; /* with --keys */
	const char *scheme;  /* auth.scheme, NULL: auth null */
	const char *header;
	const char *signed_buffer;
};

static const struct raw_case raw_cases[] = {
	{"register-unsigned.sip", "ok", -1, "REGISTER", -1, "unsigned", NULL, NULL, NULL},
	{"register-ntlm-handshake.sip", "ok", -1, "REGISTER", -1, "unsigned", "NTLM",
	 "Proxy-Authorization", NULL},
	{"407-challenge.sip", "ok", -1, NULL, 407, "unsigned", "Kerberos", "Proxy-Authenticate",
	 NULL},
	{"invite-digest.sip", "ok", -1, "INVITE", -1, "unsigned", "Digest", "Authorization", NULL},
	{"register-ntlm-forged.sip", "ok", -1, "REGISTER", -1, "invalid", "NTLM",
	 "Proxy-Authorization",
	 "<NTLM><1234abcd><42><SIP Communications Service><proxy.example.test><forged@pc><3>"
	 "<REGISTER><sip:mallory@example.test><m1><sip:mallory@example.test><><><><600>"},
	{"register-bad-hex.sip", "ok", -1, "REGISTER", -1, "invalid", "NTLM", "Proxy-Authorization",
	 "<NTLM><1234abcd><43><SIP Communications Service><proxy.example.test><forged@pc><4>"
	 "<REGISTER><sip:mallory@example.test><m1><sip:mallory@example.test><><><><600>"},
	/* Offsets: the "one" of "CSeq: one INVITE"; the end of the data; the end of the
	 * header value holding the open quote; the LF ending the request line. */
	{"invite-bad-cseq.sip", "bad_cseq", 214, "INVITE", -1, NULL, NULL, NULL, NULL},
	{"register-truncated.sip", "truncated", 223, "REGISTER", -1, NULL, NULL, NULL, NULL},
	{"register-auth-quote.sip", "auth_unterminated_quote", 375, "REGISTER", -1, NULL, NULL,
	 NULL, NULL},
	{"register-lf-only.sip", "bad_request_line", 33, "REGISTER", -1, NULL, NULL, NULL, NULL},
};
#define N_RAW (sizeof(raw_cases) / sizeof(raw_cases[0]))

static void
test_inspect_raw_fixtures(void **state)
{
	char keyfile[300], paths[N_RAW][300];
	const char *args[N_RAW + 8];
	struct run r;
	size_t i, n = 0;

	(void)state;
	tpath(keyfile, sizeof(keyfile), "keys.json");
	write_keyfile(keyfile);
	args[n++] = "--json";
	args[n++] = "--keys";
	args[n++] = keyfile;
	for (i = 0; i < N_RAW; i++) {
		dpath(paths[i], sizeof(paths[i]), raw_cases[i].file);
		args[n++] = paths[i];
	}
	args[n] = NULL;
	run_tool(&r, args);
	assert_int_equal(r.n, N_RAW);
	for (i = 0; i < N_RAW; i++) {
		const struct raw_case *rc = &raw_cases[i];
		const json_t *o = find_msg(&r, rc->file, 0), *auth;

		expect_str(o, "parse", rc->parse, rc->file);
		expect_int(o, "offset", rc->offset, rc->file);
		expect_str(o, "method", rc->method, rc->file);
		expect_int(o, "status", rc->status, rc->file);
		expect_str(o, "verdict", rc->verdict, rc->file);
		expect_str(o, "signed_buffer", rc->signed_buffer, rc->file);
		auth = json_object_get(o, "auth");
		if (rc->scheme == NULL) {
			if (!json_is_null(auth))
				fail_msg("%s: auth: want null", rc->file);
			continue;
		}
		expect_str(auth, "scheme", rc->scheme, rc->file);
		expect_str(auth, "header", rc->header, rc->file);
	}
	assert_int_equal(r.status, 1);
	run_free(&r);

	/* The good ones alone: exit 0 with and without keys. */
	{
		const char *ok[] = {"--json", "--keys", keyfile,  paths[0],
				    paths[1], paths[2], paths[3], NULL};

		run_tool(&r, ok);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.n, 4);
		run_free(&r);
		run_tool(&r, ok + 3);
		assert_int_equal(r.status, 0);
		run_free(&r);
	}
	/* A parse error alone: exit 1, also in text mode. */
	{
		const char *bad[] = {paths[6], NULL};

		run_tool(&r, bad);
		assert_int_equal(r.status, 1);
		assert_non_null(strstr(r.out, "bad_cseq at offset"));
		run_free(&r);
	}
}

/* --------------------------------------------------------------------------
 * Tests: usage and key file errors
 */

static void
test_inspect_usage_errors(void **state)
{
	static const struct {
		const char *name;
		const char *keyfile_text; /* NULL: no key file written */
	} bad_keys[] = {
		{"keys-notjson.json", "[{\"scheme\": \"NTLM\", "},
		{"keys-notlist.json", "{\"scheme\": \"NTLM\"}"},
		{"keys-unknown.json",
		 "[{\"scheme\":\"NTLM\",\"sessionkey\":\"00112233445566778899aabbccddeeff\"}]"},
		{"keys-badhex.json",
		 "[{\"scheme\":\"NTLM\",\"session_key\":\"00112233445566778899aabbccddeeXX\"}]"},
		{"keys-shortkey.json", "[{\"scheme\":\"Kerberos\",\"enctype\":18,\"key\":"
				       "\"00112233445566778899aabbccddeeff\"}]"},
		{"keys-enctype.json", "[{\"scheme\":\"Kerberos\",\"enctype\":16,\"key\":"
				      "\"00112233445566778899aabbccddeeff\"}]"},
		{"keys-scheme.json",
		 "[{\"scheme\":\"Digest\",\"session_key\":\"00112233445566778899aabbccddeeff\"}]"},
		{"keys-mixed.json", "[{\"scheme\":\"NTLM\",\"enctype\":18,\"session_key\":"
				    "\"00112233445566778899aabbccddeeff\"}]"},
		{"keys-opaque-type.json", "[{\"scheme\":\"NTLM\",\"opaque\":5,\"session_key\":"
					  "\"00112233445566778899aabbccddeeff\"}]"},
		{"keys-missing.json", NULL},
	};
	char msg[300], kf[300];
	struct run r;
	size_t i;

	(void)state;
	dpath(msg, sizeof(msg), "register-unsigned.sip");

	{
		const char *none[] = {NULL};
		const char *json_only[] = {"--json", NULL};
		const char *bogus[] = {"--bogus", msg, NULL};
		const char *nokeyarg[] = {msg, "--keys", NULL};

		run_tool(&r, none);
		assert_int_equal(r.status, 2);
		run_free(&r);
		run_tool(&r, json_only);
		assert_int_equal(r.status, 2);
		run_free(&r);
		run_tool(&r, bogus);
		assert_int_equal(r.status, 2);
		run_free(&r);
		run_tool(&r, nokeyarg);
		assert_int_equal(r.status, 2);
		run_free(&r);
	}
	for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		const char *args[] = {"--json", "--keys", kf, msg, NULL};

		tpath(kf, sizeof(kf), bad_keys[i].name);
		if (bad_keys[i].keyfile_text != NULL)
			write_file(kf, bad_keys[i].keyfile_text, strlen(bad_keys[i].keyfile_text));
		run_tool(&r, args);
		if (r.status != 2)
			fail_msg("%s: exit %d, want 2", bad_keys[i].name, r.status);
		assert_int_equal(r.n, 0); /* nothing inspected */
		run_free(&r);
	}
	/* An empty key list is valid: every signed message is then no-key. */
	{
		const char *args[] = {"--json", "--keys", kf, msg, NULL};

		tpath(kf, sizeof(kf), "keys-empty.json");
		write_file(kf, "[]", 2);
		run_tool(&r, args);
		assert_int_equal(r.status, 0);
		run_free(&r);
	}
	/* A missing message file is not a usage error: exit 1, reported. */
	{
		const char *args[] = {"--json", "/nonexistent/x.sip", msg, NULL};

		run_tool(&r, args);
		assert_int_equal(r.status, 1);
		assert_int_equal(r.n, 2);
		expect_str(find_msg(&r, "x.sip", 0), "parse", "unreadable_file", "missing");
		expect_str(find_msg(&r, "register-unsigned.sip", 0), "parse", "ok", "after");
		run_free(&r);
	}
	/* --help goes to stdout with status 0. */
	{
		const char *args[] = {"--help", NULL};

		run_tool(&r, args);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "usage: sipward-inspect"));
		run_free(&r);
	}
}

/* --------------------------------------------------------------------------
 * Tests: captures
 */

static const uint8_t ip4_client[4] = {192, 0, 2, 10};
static const uint8_t ip4_proxy[4] = {192, 0, 2, 1};
static const uint8_t ip6_client[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t ip6_proxy[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t
eth(uint8_t *p, uint16_t et, bool vlan)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

	memcpy(p, macs, 12);
	if (vlan) {
		wr16(p + 12, 0x8100);
		wr16(p + 14, 42);
		wr16(p + 16, et);
		return 18;
	}
	wr16(p + 12, et);
	return 14;
}

static size_t
sll(uint8_t *p, uint16_t et)
{
	memset(p, 0, 16);
	wr16(p + 0, 0); /* to us */
	wr16(p + 2, 1); /* ARPHRD_ETHER */
	wr16(p + 4, 6);
	wr16(p + 14, et);
	return 16;
}

static size_t
sll2(uint8_t *p, uint16_t et)
{
	memset(p, 0, 20);
	wr16(p + 0, et);
	p[7] = 2; /* if index */
	wr16(p + 8, 1);
	p[11] = 6;
	return 20;
}

static size_t
ip4(uint8_t *p, uint8_t proto, size_t payload, uint16_t id, uint16_t frag)
{
	uint32_t sum = 0;
	int i;

	memset(p, 0, 20);
	p[0] = 0x45;
	wr16(p + 2, (uint16_t)(20 + payload));
	wr16(p + 4, id);
	wr16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, ip4_client, 4);
	memcpy(p + 16, ip4_proxy, 4);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(p + 10, (uint16_t)~sum);
	return 20;
}

static size_t
ip6(uint8_t *p, uint8_t nh, size_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	wr16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, ip6_client, 16);
	memcpy(p + 24, ip6_proxy, 16);
	return 40;
}

/* UDP header + payload into p; returns the datagram length. */
static size_t
udp(uint8_t *p, uint16_t sport, uint16_t dport, const void *payload, size_t len)
{
	wr16(p, sport);
	wr16(p + 2, dport);
	wr16(p + 4, (uint16_t)(8 + len));
	wr16(p + 6, 0);
	memcpy(p + 8, payload, len);
	return 8 + len;
}

struct cap {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint32_t t;
};

static void
cap_open(struct cap *c, const char *path, int dlt)
{
	c->dead = pcap_open_dead(dlt, 65535);
	assert_non_null(c->dead);
	c->d = pcap_dump_open(c->dead, path);
	assert_non_null(c->d);
	c->t = 1700000000;
}

static void
cap_add(struct cap *c, const uint8_t *p, size_t len, size_t caplen)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = c->t++;
	h.len = (bpf_u_int32)len;
	h.caplen = (bpf_u_int32)caplen;
	pcap_dump((u_char *)c->d, &h, p);
}

static void
cap_close(struct cap *c)
{
	pcap_dump_close(c->d);
	pcap_close(c->dead);
}

/* An IPv4/UDP/SIP frame on Ethernet. */
static size_t
frame4(uint8_t *f, const char *sip, uint16_t sport, uint16_t dport)
{
	size_t o = eth(f, 0x0800, false);
	uint8_t dg[4096];
	size_t n = udp(dg, sport, dport, sip, strlen(sip));

	o += ip4(f + o, 17, n, 1, 0x4000);
	memcpy(f + o, dg, n);
	return o + n;
}

static void
test_inspect_pcap_ethernet(void **state)
{
	char path[300], keyfile[300], *bufs[2], *krb, *ok, *inv;
	uint8_t f[8192], dg[4096];
	struct cap c;
	struct run r;
	size_t n, o, half;

	(void)state;
	tpath(keyfile, sizeof(keyfile), "keys.json");
	write_keyfile(keyfile);
	krb = gen_message(&gen_cases[0], bufs);
	free(bufs[0]);
	ok = gen_message(&gen_cases[8], bufs);
	free(bufs[0]);
	inv = gen_message(&gen_cases[6], bufs);
	free(bufs[0]);

	tpath(path, sizeof(path), "eth.pcap");
	cap_open(&c, path, DLT_EN10MB);

	/* 1: REGISTER over IPv4. */
	n = frame4(f, krb, 5060, 5060);
	cap_add(&c, f, n, n);
	/* 2: TCP: skipped. */
	o = eth(f, 0x0800, false);
	o += ip4(f + o, 6, 20, 2, 0x4000);
	memset(f + o, 0, 20);
	cap_add(&c, f, o + 20, o + 20);
	/* 3: ARP: skipped. */
	o = eth(f, 0x0806, false);
	memset(f + o, 0, 28);
	cap_add(&c, f, o + 28, o + 28);
	/* 4, 5: the 200 OK in two IPv4 fragments, first one carrying the UDP header. */
	n = udp(dg, 5060, 5060, ok, strlen(ok));
	half = 256;
	o = eth(f, 0x0800, false);
	o += ip4(f + o, 17, half, 77, 0x2000);
	memcpy(f + o, dg, half);
	cap_add(&c, f, o + half, o + half);
	o = eth(f, 0x0800, false);
	o += ip4(f + o, 17, n - half, 77, (uint16_t)(half / 8));
	memcpy(f + o, dg + half, n - half);
	cap_add(&c, f, o + n - half, o + n - half);
	/* 6: INVITE over IPv6 behind an 802.1Q tag, non-standard ports. */
	n = udp(dg, 40000, 5080, inv, strlen(inv));
	o = eth(f, 0x86dd, true);
	o += ip6(f + o, 17, n);
	memcpy(f + o, dg, n);
	cap_add(&c, f, o + n, o + n);
	/* 7: DNS: skipped. */
	n = udp(dg, 53, 33333, "\x12\x34\x01\x00", 4);
	o = eth(f, 0x0800, false);
	o += ip4(f + o, 17, n, 3, 0);
	memcpy(f + o, dg, n);
	cap_add(&c, f, o + n, o + n);
	/* 8: CRLF keep-alive: skipped. */
	n = frame4(f, "\r\n\r\n", 5060, 5060);
	cap_add(&c, f, n, n);
	/* 9: a first fragment whose rest never comes. */
	n = udp(dg, 5060, 5060, ok, strlen(ok));
	o = eth(f, 0x0800, false);
	o += ip4(f + o, 17, 512, 99, 0x2000);
	memcpy(f + o, dg, 512);
	cap_add(&c, f, o + 512, o + 512);
	/* 10: cut by the snap length. */
	n = frame4(f, krb, 5060, 5060);
	cap_add(&c, f, n, 200);
	cap_close(&c);

	{
		const char *args[] = {"--json", "--keys", keyfile, path, NULL};
		const json_t *m;

		run_tool(&r, args);
		assert_int_equal(r.n, 5);
		m = find_msg(&r, "eth.pcap", 0);
		expect_int(m, "frame", 1, "eth #0");
		expect_str(m, "src", "192.0.2.10:5060", "eth #0");
		expect_str(m, "dst", "192.0.2.1:5060", "eth #0");
		expect_str(m, "parse", "ok", "eth #0");
		expect_str(m, "method", "REGISTER", "eth #0");
		expect_str(m, "verdict", "valid", "eth #0");
		m = find_msg(&r, "eth.pcap", 1);
		expect_int(m, "frame", 5, "eth #1");
		expect_int(m, "status", 200, "eth #1");
		expect_str(m, "verdict", "valid", "eth #1");
		m = find_msg(&r, "eth.pcap", 2);
		expect_int(m, "frame", 6, "eth #2");
		expect_str(m, "src", "[2001:db8::10]:40000", "eth #2");
		expect_str(m, "dst", "[2001:db8::1]:5080", "eth #2");
		expect_str(m, "method", "INVITE", "eth #2");
		expect_str(m, "verdict", "valid", "eth #2");
		m = find_msg(&r, "eth.pcap", 3);
		expect_int(m, "frame", 10, "eth #3");
		expect_str(m, "parse", "capture_truncated", "eth #3");
		expect_str(m, "verdict", NULL, "eth #3");
		m = find_msg(&r, "eth.pcap", 4);
		expect_int(m, "frame", 9, "eth #4");
		expect_str(m, "parse", "ip_fragment_incomplete", "eth #4");
		expect_str(m, "src", "192.0.2.10", "eth #4");
		assert_int_equal(r.status, 1);
		run_free(&r);
	}
	free(krb);
	free(ok);
	free(inv);
}

/* pcapng, written by hand (libpcap 1.10 cannot write it): SHB, IDB, EPBs. */
static void
ng_block(FILE *f, uint32_t type, const void *body, size_t len)
{
	static const uint8_t pad[4] = {0};
	uint32_t total = (uint32_t)(12 + ((len + 3) & ~(size_t)3));

	fwrite(&type, 4, 1, f);
	fwrite(&total, 4, 1, f);
	fwrite(body, 1, len, f);
	fwrite(pad, 1, ((len + 3) & ~(size_t)3) - len, f);
	fwrite(&total, 4, 1, f);
}

static void
write_pcapng(const char *path, uint16_t linktype, const uint8_t *const *pkts, const size_t *lens,
	     size_t n)
{
	uint8_t shb[16], idb[8], epb[20 + 8192];
	uint32_t u32;
	uint16_t u16;
	int64_t sl = -1;
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	u32 = 0x1a2b3c4d;
	memcpy(shb, &u32, 4);
	u16 = 1;
	memcpy(shb + 4, &u16, 2);
	u16 = 0;
	memcpy(shb + 6, &u16, 2);
	memcpy(shb + 8, &sl, 8);
	ng_block(f, 0x0a0d0d0a, shb, sizeof(shb));
	memcpy(idb, &linktype, 2);
	memset(idb + 2, 0, 2);
	u32 = 65535;
	memcpy(idb + 4, &u32, 4);
	ng_block(f, 1, idb, sizeof(idb));
	for (i = 0; i < n; i++) {
		u32 = 0;
		memcpy(epb, &u32, 4);	  /* interface */
		memcpy(epb + 4, &u32, 4); /* ts high */
		u32 = (uint32_t)i;
		memcpy(epb + 8, &u32, 4); /* ts low */
		u32 = (uint32_t)lens[i];
		memcpy(epb + 12, &u32, 4);
		memcpy(epb + 16, &u32, 4);
		assert_true(lens[i] <= 8192);
		memcpy(epb + 20, pkts[i], lens[i]);
		ng_block(f, 6, epb, 20 + lens[i]);
	}
	assert_int_equal(fclose(f), 0);
}

static void
test_inspect_pcap_linktypes(void **state)
{
	char path[300], keyfile[300], *bufs[2], *krb, *ntlm;
	uint8_t f[8192], f2[8192], dg[4096], frag[4096];
	struct cap c;
	struct run r;
	size_t n, o, o2, half;

	(void)state;
	tpath(keyfile, sizeof(keyfile), "keys.json");
	write_keyfile(keyfile);
	krb = gen_message(&gen_cases[0], bufs);
	free(bufs[0]);
	ntlm = gen_message(&gen_cases[5], bufs);
	free(bufs[0]);

	/* Linux cooked (SLL): IPv4. */
	tpath(path, sizeof(path), "sll.pcap");
	cap_open(&c, path, DLT_LINUX_SLL);
	n = udp(dg, 5060, 5060, krb, strlen(krb));
	o = sll(f, 0x0800);
	o += ip4(f + o, 17, n, 5, 0);
	memcpy(f + o, dg, n);
	cap_add(&c, f, o + n, o + n);
	cap_close(&c);

	/* SLL2: IPv6 in two fragments, with a destination-options header after the
	 * fragment header and a hop-by-hop header before it. */
	tpath(path, sizeof(path), "sll2.pcap");
	cap_open(&c, path, DLT_LINUX_SLL2);
	n = udp(dg + 8, 5060, 5060, ntlm, strlen(ntlm));
	dg[0] = 17; /* dest-options: next = UDP, 8 bytes, PadN */
	dg[1] = 0;
	dg[2] = 1;
	dg[3] = 4;
	memset(dg + 4, 0, 4);
	n += 8;
	half = 200;
	for (int part = 0; part < 2; part++) {
		size_t off = part == 0 ? 0 : half, len = part == 0 ? half : n - half;

		o = sll2(f, 0x86dd);
		o += ip6(f + o, 0, 8 + 8 + len);
		/* hop-by-hop: next = fragment, PadN */
		f[o] = 44;
		f[o + 1] = 0;
		f[o + 2] = 1;
		f[o + 3] = 4;
		memset(f + o + 4, 0, 4);
		o += 8;
		frag[0] = 60; /* next: destination options */
		frag[1] = 0;
		wr16(frag + 2, (uint16_t)(off | (part == 0 ? 1 : 0)));
		frag[4] = 0xca;
		frag[5] = 0xfe;
		frag[6] = 0;
		frag[7] = 1;
		memcpy(f + o, frag, 8);
		o += 8;
		memcpy(f + o, dg + off, len);
		cap_add(&c, f, o + len, o + len);
	}
	cap_close(&c);

	/* Raw IP. */
	tpath(path, sizeof(path), "raw.pcap");
	cap_open(&c, path, DLT_RAW);
	n = udp(dg, 5060, 5060, krb, strlen(krb));
	o = ip4(f, 17, n, 6, 0);
	memcpy(f + o, dg, n);
	cap_add(&c, f, o + n, o + n);
	cap_close(&c);

	/* pcapng, Ethernet: the REGISTER, then overlapping fragments. */
	tpath(path, sizeof(path), "eth.pcapng");
	{
		const uint8_t *pk[3];
		size_t ln[3];

		ln[0] = frame4(f, krb, 5060, 5060);
		pk[0] = f;
		n = udp(dg, 5060, 5060, ntlm, strlen(ntlm));
		o = eth(f2, 0x0800, false);
		o += ip4(f2 + o, 17, 256, 7, 0x2000);
		memcpy(f2 + o, dg, 256);
		pk[1] = f2;
		ln[1] = o + 256;
		o2 = o + 256;
		/* second fragment at offset 248: overlaps, with different bytes */
		o = eth(f2 + o2, 0x0800, false);
		o += ip4(f2 + o2 + o, 17, n - 248, 7, 248 / 8);
		memcpy(f2 + o2 + o, dg + 248, n - 248);
		f2[o2 + o] ^= 0xff;
		pk[2] = f2 + o2;
		ln[2] = o + n - 248;
		write_pcapng(path, 1, pk, ln, 3);
	}

	{
		char p_sll[300], p_sll2[300], p_raw[300], p_ng[300];
		const char *args[] = {"--json", "--keys", keyfile, p_sll, p_sll2, p_raw, NULL};
		const json_t *m;

		tpath(p_sll, sizeof(p_sll), "sll.pcap");
		tpath(p_sll2, sizeof(p_sll2), "sll2.pcap");
		tpath(p_raw, sizeof(p_raw), "raw.pcap");
		tpath(p_ng, sizeof(p_ng), "eth.pcapng");
		run_tool(&r, args);
		assert_int_equal(r.n, 3);
		m = find_msg(&r, "sll.pcap", 0);
		expect_str(m, "verdict", "valid", "sll");
		m = find_msg(&r, "sll2.pcap", 0);
		expect_int(m, "frame", 2, "sll2");
		expect_str(m, "src", "[2001:db8::10]:5060", "sll2");
		expect_str(m, "verdict", "valid", "sll2");
		m = find_msg(&r, "raw.pcap", 0);
		expect_str(m, "verdict", "valid", "raw");
		assert_int_equal(r.status, 0);
		run_free(&r);

		args[3] = p_ng;
		args[4] = NULL;
		run_tool(&r, args);
		assert_int_equal(r.n, 2);
		m = find_msg(&r, "eth.pcapng", 0);
		expect_str(m, "verdict", "valid", "pcapng");
		m = find_msg(&r, "eth.pcapng", 1);
		expect_str(m, "parse", "ip_fragment_overlap", "pcapng");
		expect_int(m, "frame", 3, "pcapng");
		assert_int_equal(r.status, 1);
		run_free(&r);
	}
	free(krb);
	free(ntlm);
}

/* --------------------------------------------------------------------------
 * Setup
 */

static int
rm_rf_tmp(void)
{
	char cmd[400];

	if (tmp_dir[0] == '\0' || strncmp(tmp_dir, "/tmp/", 5) != 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_usage_errors),
		cmocka_unit_test(test_inspect_raw_fixtures),
		cmocka_unit_test(test_inspect_signed_messages),
		cmocka_unit_test(test_inspect_pcap_ethernet),
		cmocka_unit_test(test_inspect_pcap_linktypes),
	};
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SIPWARD_INSPECT DATA_DIR\n", argv[0]);
		return 2;
	}
	tool = argv[1];
	data_dir = argv[2];
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/sw-inspect-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	make_keys();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (getenv("SW_KEEP_TMP") == NULL)
		rm_rf_tmp();
	else
		fprintf(stderr, "kept %s\n", tmp_dir);
	return rc;
}
