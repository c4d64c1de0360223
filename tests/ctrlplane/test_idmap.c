/*
 * ctrlplane/idmap.c (the [identity] map file) and the canonical AOR form it
 * shares with the lcores' From check (sw_sa_aor_canon, dataplane/sa_verify.c).
 * Suite 'unit': no EAL.  Every limit at its edge and one past: line length,
 * entries, URIs per principal, principal and URI length.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctrlplane/idmap.h"
#include "dataplane/sa_verify.h"

static char path[64];

/* Write @p len bytes to a fresh temporary file (path[]). */
static void
put_file(const char *text, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/sw_idmap_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Load @p text; on success return the map, else NULL with @p err filled. */
static struct sw_idmap *
load(const char *text, size_t len, int *ret, char *err, size_t cap)
{
	struct sw_idmap *m = NULL;

	put_file(text, len);
	*ret = sw_idmap_load(path, &m, err, cap);
	unlink(path);
	if (*ret != 0)
		assert_null(m);
	return m;
}

/* The AORs of @p principal joined by ' ' ("" if unmapped). */
static const char *
aors_of(const struct sw_idmap *m, const char *principal)
{
	static char out[4096];
	const struct sw_idmap_aor *a;
	unsigned int n = sw_idmap_lookup(m, principal, &a), i;
	size_t o = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		assert_int_equal(strlen(a[i].p), a[i].len);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? " " : "", a[i].p);
	}
	return out;
}

static void
test_idmap_canon(void **state)
{
	static const struct {
		const char *in, *want; /* want NULL: not an AOR */
	} rows[] = {
		{"sip:bob@domainb.test", "bob@domainb.test"},
		{"SIP:Bob@DomainB.Test", "bob@domainb.test"},
		{"sips:bob@domainb.test;transport=tls", "bob@domainb.test"},
		{"sip:bob@domainb.test?subject=x", "bob@domainb.test"},
		{"sip:bob@domainb.test:5061", "bob@domainb.test:5061"},
		{"sip:+4930123;phone-context=x@domainb.test",
		 "+4930123;phone-context=x@domainb.test"},
		{"sip:domainb.test", NULL},
		{"sip:@domainb.test", NULL},
		{"sip:bob@", NULL},
		{"sip:bob@;lr", NULL},
		{"tel:+4930123", NULL},
		{"sipx:bob@domainb.test", NULL},
		{"sip:bo b@domainb.test", NULL},
		{"", NULL},
	};
	char out[SW_SA_AOR_LEN_MAX + 1], big[SW_SA_AOR_LEN_MAX + 16];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = sw_sa_aor_canon(rows[i].in, strlen(rows[i].in), out, sizeof(out));
		if (rows[i].want == NULL) {
			if (n >= 0)
				fail_msg("'%s' accepted as '%s'", rows[i].in, out);
			continue;
		}
		if (n < 0)
			fail_msg("'%s' refused (%d)", rows[i].in, n);
		assert_string_equal(out, rows[i].want);
		assert_int_equal(n, strlen(rows[i].want));
	}
	/* Length: SW_SA_AOR_LEN_MAX bytes after the scheme is the edge. */
	memcpy(big, "sip:", 4);
	memset(big + 4, 'a', SW_SA_AOR_LEN_MAX - 4);
	memcpy(big + SW_SA_AOR_LEN_MAX, "@x.y", 4); /* 251 + 4 = 255 */
	n = sw_sa_aor_canon(big, SW_SA_AOR_LEN_MAX + 4, out, sizeof(out));
	assert_int_equal(n, SW_SA_AOR_LEN_MAX);
	memcpy(big + SW_SA_AOR_LEN_MAX, "@x.yz", 5);
	assert_int_equal(sw_sa_aor_canon(big, SW_SA_AOR_LEN_MAX + 5, out, sizeof(out)),
			 -ENAMETOOLONG);
	/* A short output buffer is an error, never a truncation. */
	assert_int_equal(sw_sa_aor_canon("sip:bob@x.y", 11, out, 7), -ENAMETOOLONG);
	assert_int_equal(sw_sa_aor_canon("sip:bob@x.y", 11, out, 8), 7);
}

static void
test_idmap_valid(void **state)
{
	static const char text[] =
		"# sipward identity map\n"
		"\n"
		"   \t \n"
		"bob@DOMAINB.TEST   sip:bob@domainb.test  sips:Robert@DomainB.test;transport=tls\n"
		"DOMAINB\\Carol\tsip:carol@domainb.test   # trailing comment\r\n"
		"  ann@DOMAINA.TEST sip:ann@domaina.test sip:ann@domainb.test\n"
		"host/pc1.domainb.test@DOMAINB.TEST sip:pc1@domainb.test"; /* no final newline */
	char err[512];
	struct sw_idmap *m;
	int ret;

	(void)state;
	m = load(text, sizeof(text) - 1, &ret, err, sizeof(err));
	if (m == NULL)
		fail_msg("refused: %s", err);
	assert_int_equal(sw_idmap_count(m), 4);
	assert_string_equal(aors_of(m, "bob@DOMAINB.TEST"), "bob@domainb.test robert@domainb.test");
	/* Kerberos names are exact; NTLM names fold case. */
	assert_string_equal(aors_of(m, "bob@domainb.test"), "");
	assert_string_equal(aors_of(m, "BOB@DOMAINB.TEST"), "");
	assert_string_equal(aors_of(m, "DOMAINB\\carol"), "carol@domainb.test");
	assert_string_equal(aors_of(m, "domainb\\CAROL"), "carol@domainb.test");
	assert_string_equal(aors_of(m, "ann@DOMAINA.TEST"), "ann@domaina.test ann@domainb.test");
	assert_string_equal(aors_of(m, "host/pc1.domainb.test@DOMAINB.TEST"), "pc1@domainb.test");
	assert_string_equal(aors_of(m, "DOMAINA\\ann"), "");
	assert_string_equal(aors_of(m, ""), "");
	/* Iteration gives every entry once, keys in lookup form. */
	{
		const struct sw_idmap_aor *a;
		const char *key;
		char lk[SW_IDMAP_NAME_MAX + 1];
		unsigned int seen = 0, total = 0;
		uint32_t i;

		for (i = 0; i < sw_idmap_count(m); i++) {
			total += sw_idmap_entry(m, i, &key, &a);
			assert_non_null(key);
			assert_int_equal(sw_idmap_key(key, lk), 0);
			assert_string_equal(lk, key);
			seen |= strcmp(key, "domainb\\carol") == 0 ? 1u : 0u;
			seen |= strcmp(key, "bob@DOMAINB.TEST") == 0 ? 2u : 0u;
		}
		assert_int_equal(seen, 3);
		assert_int_equal(total, 6);
		assert_int_equal(sw_idmap_entry(m, i, &key, &a), 0);
		assert_null(key);
		assert_int_equal(sw_idmap_key("DOMAINB\\Carol", lk), 0);
		assert_string_equal(lk, "domainb\\carol");
		assert_int_equal(sw_idmap_key("", lk), -EINVAL);
	}
	sw_idmap_free(m);
	sw_idmap_free(NULL);

	/* An empty file (or only comments) is a valid, empty map. */
	m = load("# nothing yet\n", 14, &ret, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(sw_idmap_count(m), 0);
	assert_string_equal(aors_of(m, "bob@DOMAINB.TEST"), "");
	sw_idmap_free(m);
}

struct bad_case {
	const char *name;
	const char *text;
	const char *want; /* ":line: reason" substring */
};

static const struct bad_case bad_cases[] = {
	{"no uri", "bob@DOMAINB.TEST\n", ":1: 'bob@DOMAINB.TEST' has no SIP URI"},
	{"no realm", "\nbob sip:bob@x.test\n", ":2: 'bob': expected a principal"},
	{"empty realm", "bob@ sip:bob@x.test\n", ":1: 'bob@': expected a principal"},
	{"empty domain", "\\bob sip:bob@x.test\n", ":1: '\\bob': expected a principal"},
	{"two backslashes", "A\\B\\c sip:c@x.test\n", ":1: 'A\\B\\c': expected a principal"},
	{"tel uri", "bob@R sip:bob@x.test tel:+123\n", ":1: 'tel:+123': expected a sip: or sips:"},
	{"no user part", "bob@R sip:x.test\n", ":1: 'sip:x.test': expected a sip: or sips:"},
	{"uri twice", "bob@R sip:bob@x.test SIP:BOB@X.test;lr\n",
	 ":1: 'SIP:BOB@X.test;lr' listed twice"},
	{"principal twice", "bob@R sip:a@x.test\n# c\ncarol@R sip:c@x.test\nbob@R sip:b@x.test\n",
	 ":4: 'bob@R' already mapped at line 1"},
	{"ntlm twice any case", "D\\Bob sip:a@x.test\nd\\bob sip:b@x.test\n",
	 ":2: 'd\\bob' already mapped at line 1"},
};

static void
test_idmap_errors(void **state)
{
	char err[512];
	struct sw_idmap *m = NULL;
	size_t i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		m = load(bad_cases[i].text, strlen(bad_cases[i].text), &ret, err, sizeof(err));
		if (ret != -EINVAL || strstr(err, bad_cases[i].want) == NULL ||
		    strncmp(err, path, strlen(path)) != 0)
			fail_msg("%s: got %d '%s', want '%s'", bad_cases[i].name, ret, err,
				 bad_cases[i].want);
		sw_idmap_free(m);
	}
	assert_int_equal(sw_idmap_load("/nonexistent/sw_idmap", &m, err, sizeof(err)), -ENOENT);
	assert_null(m);
	assert_non_null(strstr(err, "/nonexistent/sw_idmap:0: cannot open"));
}

/* A line of exactly @p len bytes (plus @p eol) mapping one principal. */
static size_t
line_of_len(char *out, size_t len, const char *eol)
{
	static const char head[] = "u@R sip:u@x.test ";
	size_t h = sizeof(head) - 1;

	memcpy(out, head, h);
	memset(out + h, ' ', len - h - 1);
	out[len - 1] = '#'; /* padding then a comment: still one entry */
	memcpy(out + len, eol, strlen(eol) + 1);
	return len + strlen(eol);
}

static void
test_idmap_line_limit(void **state)
{
	static const char *const eols[] = {"\n", "\r\n", ""};
	char buf[SW_IDMAP_LINE_MAX + 16], err[512], *two;
	struct sw_idmap *m;
	size_t i, n;
	int ret;

	(void)state;
	for (i = 0; i < 3; i++) {
		n = line_of_len(buf, SW_IDMAP_LINE_MAX, eols[i]);
		m = load(buf, n, &ret, err, sizeof(err));
		if (m == NULL)
			fail_msg("edge, eol %zu: %s", i, err);
		assert_string_equal(aors_of(m, "u@R"), "u@x.test");
		sw_idmap_free(m);
		n = line_of_len(buf, SW_IDMAP_LINE_MAX + 1, eols[i]);
		m = load(buf, n, &ret, err, sizeof(err));
		assert_int_equal(ret, -EINVAL);
		assert_non_null(strstr(err, ":1: line longer than 1024 bytes"));
	}
	/* Two past on line 2, with a '\r' right after the edge that is not the
	 * line end. */
	two = malloc(2 * sizeof(buf));
	assert_non_null(two);
	memcpy(two, "a@R sip:a@x.test\n", 17);
	n = line_of_len(two + 17, SW_IDMAP_LINE_MAX + 2, "\n");
	two[17 + SW_IDMAP_LINE_MAX] = '\r';
	m = load(two, 17 + n, &ret, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, ":2: line longer than 1024 bytes"));
	free(two);
}

static void
test_idmap_aors_limit(void **state)
{
	char line[SW_IDMAP_LINE_MAX], err[512];
	struct sw_idmap *m;
	unsigned int i;
	size_t o;
	int ret;

	(void)state;
	o = (size_t)snprintf(line, sizeof(line), "u@R");
	for (i = 0; i < SW_SA_AOR_MAX; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " sip:a%u@x.test", i);
	line[o++] = '\n';
	m = load(line, o, &ret, err, sizeof(err));
	if (m == NULL)
		fail_msg("edge: %s", err);
	{
		const struct sw_idmap_aor *a;

		assert_int_equal(sw_idmap_lookup(m, "u@R", &a), SW_SA_AOR_MAX);
		assert_string_equal(a[SW_SA_AOR_MAX - 1].p, "a15@x.test");
	}
	sw_idmap_free(m);
	o--;
	o += (size_t)snprintf(line + o, sizeof(line) - o, " sip:a%u@x.test\n", i);
	m = load(line, o, &ret, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, ":1: more than 16 SIP URIs for one principal"));
}

static void
test_idmap_name_limits(void **state)
{
	char line[SW_IDMAP_LINE_MAX], err[512];
	struct sw_idmap *m;
	int ret, n;

	(void)state;
	/* A principal of SW_IDMAP_NAME_MAX bytes, then one more. */
	memset(line, 'p', SW_IDMAP_NAME_MAX - 2);
	memcpy(line + SW_IDMAP_NAME_MAX - 2, "@R", 2);
	n = SW_IDMAP_NAME_MAX;
	n += snprintf(line + n, sizeof(line) - (size_t)n, " sip:p@x.test\n");
	m = load(line, (size_t)n, &ret, err, sizeof(err));
	if (m == NULL)
		fail_msg("edge: %s", err);
	line[SW_IDMAP_NAME_MAX] = '\0';
	assert_string_equal(aors_of(m, line), "p@x.test");
	/* Lookups of over-long names find nothing (and read nothing past them). */
	memset(line, 'p', SW_IDMAP_NAME_MAX + 1);
	line[SW_IDMAP_NAME_MAX + 1] = '\0';
	assert_string_equal(aors_of(m, line), "");
	sw_idmap_free(m);
	memset(line, 'p', SW_IDMAP_NAME_MAX - 1);
	memcpy(line + SW_IDMAP_NAME_MAX - 1, "@R", 2);
	n = SW_IDMAP_NAME_MAX + 1;
	n += snprintf(line + n, sizeof(line) - (size_t)n, " sip:p@x.test\n");
	m = load(line, (size_t)n, &ret, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, ":1: 'pppp"));
	/* A URI whose canonical form is SW_SA_AOR_LEN_MAX + 1 bytes. */
	n = snprintf(line, sizeof(line), "u@R sip:");
	memset(line + n, 'a', SW_SA_AOR_LEN_MAX - 4);
	n += (int)SW_SA_AOR_LEN_MAX - 4;
	n += snprintf(line + n, sizeof(line) - (size_t)n, "@x.yz\n");
	m = load(line, (size_t)n, &ret, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, "SIP URI longer than 255 bytes"));
}

/* SW_IDMAP_ENTRIES_MAX entries load; one more is refused at its line. */
static void
test_idmap_entries_limit(void **state)
{
	size_t cap = (size_t)(SW_IDMAP_ENTRIES_MAX + 1) * 32, o = 0;
	char *text = malloc(cap), err[512], key[64];
	struct sw_idmap *m;
	uint32_t i;
	int ret;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < SW_IDMAP_ENTRIES_MAX; i++)
		o += (size_t)snprintf(text + o, cap - o, "u%u@R sip:u%u@x.test\n", i, i);
	m = load(text, o, &ret, err, sizeof(err));
	if (m == NULL)
		fail_msg("edge: %s", err);
	assert_int_equal(sw_idmap_count(m), SW_IDMAP_ENTRIES_MAX);
	for (i = 0; i < SW_IDMAP_ENTRIES_MAX; i += 4099) {
		char want[32];

		snprintf(key, sizeof(key), "u%u@R", i);
		snprintf(want, sizeof(want), "u%u@x.test", i);
		assert_string_equal(aors_of(m, key), want);
	}
	snprintf(key, sizeof(key), "u%u@R", SW_IDMAP_ENTRIES_MAX - 1);
	assert_string_not_equal(aors_of(m, key), "");
	sw_idmap_free(m);
	/* One past; blank and comment lines do not count. */
	o += (size_t)snprintf(text + o, cap - o, "\n# more\nlast@R sip:last@x.test\n");
	m = load(text, o, &ret, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	snprintf(key, sizeof(key), ":%u: more than %u entries", SW_IDMAP_ENTRIES_MAX + 3,
		 SW_IDMAP_ENTRIES_MAX);
	if (strstr(err, key) == NULL)
		fail_msg("got '%s', want '%s'", err, key);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idmap_canon),
		cmocka_unit_test(test_idmap_valid),
		cmocka_unit_test(test_idmap_errors),
		cmocka_unit_test(test_idmap_line_limit),
		cmocka_unit_test(test_idmap_aors_limit),
		cmocka_unit_test(test_idmap_name_limits),
		cmocka_unit_test(test_idmap_entries_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
