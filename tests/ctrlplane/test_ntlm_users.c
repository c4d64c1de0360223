/*
 * ctrlplane/ntlm_users.c: the NTLM account source (suite 'unit'): gss-ntlmssp
 * (Heimdal) and smbpasswd lines, flags, look-up rules, errors with line
 * numbers, reload semantics.
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

#include "ctrlplane/ntlm_users.h"
#include "tests/ctrlplane/ntlm_tc.h"

static char dir[] = "/tmp/sw-ntlm-users-XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
hex(const uint8_t h[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02X", h[i]);
}

static void
test_ntlm_users_nt_hash_vector(void **state)
{
	/* MS-NLMP §4.2.2.1.2: NTOWFv1("Password"). */
	static const uint8_t want[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
					 0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
	uint8_t h[16], t[16];

	(void)state;
	assert_int_equal(sw_ntlm_nt_hash("Password", 8, h), 0);
	assert_memory_equal(h, want, 16);
	/* Non-ASCII: UTF-8 in, UTF-16LE hashed (MD4 of "\xe9\x00" for "é"). */
	assert_int_equal(sw_ntlm_nt_hash("\xc3\xa9", 2, h), 0);
	tc_nt_hash("x", t);
	assert_memory_not_equal(h, t, 16);
	assert_int_equal(sw_ntlm_nt_hash("\xc3", 1, h), -EINVAL);
}

static void
test_ntlm_users_load_both_formats(void **state)
{
	struct sw_ntlm_users *u;
	const struct sw_ntlm_account *a;
	uint8_t h[16], want[16];
	unsigned int line = 99;
	char hx[33], text[1024];
	const char *path;

	(void)state;
	tc_nt_hash("Carol-pw", h);
	hex(h, hx);
	snprintf(text, sizeof(text),
		 "# comment line\n"
		 "DOMAINB:bob:Bob-Passw0rd\n"
		 "\n"
		 "DOMAINA:ann:Ann pw with spaces\r\n"
		 ":wild:Wild-pw\n"
		 "carol:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:LCT-5F3C1234:\n"
		 "DOMAINA\\dave:1001:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:LCT-0:\n"
		 "erin:1002:X:%s:[DU         ]:LCT-0:\n"
		 "frank:1003:X:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:[U          ]:LCT-0:\n"
		 "gina:1004:X:%s:\n"
		 "host$:1005:X:%s:[W          ]:LCT-0:",
		 hx, hx, hx, hx, hx);
	path = write_file("users", text);
	assert_int_equal(sw_ntlm_users_create(&u), 0);
	assert_int_equal(sw_ntlm_users_load(u, path, "DOMAINB", &line), 0);
	assert_int_equal(line, 0);
	assert_int_equal(sw_ntlm_users_count(u), 9);

	a = sw_ntlm_users_find(u, "domainb", "BOB");
	assert_non_null(a);
	assert_string_equal(a->user, "bob");
	assert_string_equal(a->domain, "DOMAINB");
	tc_nt_hash("Bob-Passw0rd", want);
	assert_memory_equal(a->nt_hash, want, 16);
	assert_false(a->disabled);
	a = sw_ntlm_users_find(u, "DOMAINA", "ann");
	assert_non_null(a);
	tc_nt_hash("Ann pw with spaces", want); /* CR stripped, spaces kept */
	assert_memory_equal(a->nt_hash, want, 16);
	assert_null(sw_ntlm_users_find(u, "DOMAINA", "bob"));
	/* Wildcard domain entry. */
	assert_non_null(sw_ntlm_users_find(u, "ANY", "Wild"));
	assert_non_null(sw_ntlm_users_find(u, "", "wild"));
	/* smbpasswd: unqualified entries get the loader's domain. */
	a = sw_ntlm_users_find(u, "DOMAINB", "carol");
	assert_non_null(a);
	assert_memory_equal(a->nt_hash, h, 16);
	assert_false(a->disabled);
	assert_null(sw_ntlm_users_find(u, "DOMAINA", "carol"));
	a = sw_ntlm_users_find(u, "domaina", "DAVE");
	assert_non_null(a);
	assert_string_equal(a->domain, "DOMAINA");
	assert_true(sw_ntlm_users_find(u, "DOMAINB", "erin")->disabled);  /* D */
	assert_true(sw_ntlm_users_find(u, "DOMAINB", "frank")->disabled); /* no password */
	assert_false(sw_ntlm_users_find(u, "DOMAINB", "gina")->disabled); /* no flags field */
	assert_true(sw_ntlm_users_find(u, "DOMAINB", "host$")->disabled); /* trust account */
	assert_null(sw_ntlm_users_find(u, "DOMAINB", ""));
	assert_null(sw_ntlm_users_find(u, "DOMAINB", "nobody"));
	sw_ntlm_users_free(u);
	sw_ntlm_users_free(NULL);
}

struct bad_file {
	const char *name;
	const char *text;
	int want;
	unsigned int want_line;
};

static const struct bad_file bad_files[] = {
	{"two fields", "DOMAINB:bob:pw\nDOMAINB:alice\n", -EINVAL, 2},
	{"smbpasswd without ':' after the hash", "bob:1:X:0123456789abcdef0123456789abcdef\n",
	 -EINVAL, 1},
	{"short hash", "#x\nbob:1:X:0123:[U]:\n", -EINVAL, 2},
	{"bad hex", "bob:1:X:0123456789abcdef0123456789abcdeg:[U]:\n", -EINVAL, 1},
	{"empty user", "DOMAINB::pw\n", -EINVAL, 1},
	{"invalid UTF-8 user", "DOMAINB:b\xffo:pw\n", -EINVAL, 1},
	{"same account twice", "DOMAINB:bob:a\ndomainb:BOB:b\n", -EEXIST, 0},
};

static void
test_ntlm_users_errors(void **state)
{
	char longname[SW_NTLM_ACCT_NAME_MAX + 32];
	struct sw_ntlm_users *u;
	unsigned int line;

	(void)state;
	assert_int_equal(sw_ntlm_users_create(&u), 0);
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const char *path = write_file("bad", bad_files[i].text);
		int rc = sw_ntlm_users_load(u, path, NULL, &line);

		if (rc != bad_files[i].want || line != bad_files[i].want_line)
			fail_msg("%s: got %d line %u, want %d line %u", bad_files[i].name, rc, line,
				 bad_files[i].want, bad_files[i].want_line);
		assert_int_equal(sw_ntlm_users_count(u), 0); /* all or nothing */
	}
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "D:", 2);
	memcpy(longname + sizeof(longname) - 4, ":pw", 4);
	assert_int_equal(sw_ntlm_users_load(u, write_file("long", longname), NULL, &line),
			 -ENAMETOOLONG);
	assert_int_equal(line, 1);
	snprintf(longname, sizeof(longname), "%s/does-not-exist", dir);
	assert_int_equal(sw_ntlm_users_load(u, longname, NULL, &line), -ENOENT);
	assert_int_equal(sw_ntlm_users_reload(u, &line), 0); /* no sources: nothing to do */
	sw_ntlm_users_free(u);
}

static void
test_ntlm_users_reload(void **state)
{
	struct sw_ntlm_users *u;
	uint8_t h[16], want[16];
	unsigned int line;
	const char *path;

	(void)state;
	path = write_file("reload", "DOMAINB:bob:old-pw\nDOMAINB:carol:c\n");
	assert_int_equal(sw_ntlm_users_create(&u), 0);
	assert_int_equal(sw_ntlm_users_load(u, path, NULL, &line), 0);
	tc_nt_hash("kept", h);
	assert_int_equal(sw_ntlm_users_add(u, "DOMAINC", "zed", h, false), 0);
	assert_int_equal(sw_ntlm_users_add(u, "domainc", "ZED", h, false), -EEXIST);
	assert_int_equal(sw_ntlm_users_count(u), 3);

	/* New password for bob, carol gone, dan new. */
	write_file("reload", "DOMAINB:bob:new-pw\nDOMAINB:dan:d\n");
	assert_int_equal(sw_ntlm_users_reload(u, &line), 0);
	assert_int_equal(sw_ntlm_users_count(u), 3);
	tc_nt_hash("new-pw", want);
	assert_memory_equal(sw_ntlm_users_find(u, "DOMAINB", "bob")->nt_hash, want, 16);
	assert_null(sw_ntlm_users_find(u, "DOMAINB", "carol"));
	assert_non_null(sw_ntlm_users_find(u, "DOMAINB", "dan"));
	assert_non_null(sw_ntlm_users_find(u, "DOMAINC", "zed")); /* added entries survive */

	/* A broken file keeps the old table. */
	write_file("reload", "DOMAINB:bob:newer\nbroken line\n");
	assert_int_equal(sw_ntlm_users_reload(u, &line), -EINVAL);
	assert_int_equal(line, 2);
	assert_memory_equal(sw_ntlm_users_find(u, "DOMAINB", "bob")->nt_hash, want, 16);
	assert_int_equal(sw_ntlm_users_count(u), 3);

	/* A second source; a clash with the first is refused, table unchanged. */
	assert_int_equal(
		sw_ntlm_users_load(u, write_file("second", "DOMAINB:dan:x\n"), NULL, &line),
		-EEXIST);
	assert_int_equal(sw_ntlm_users_load(u, write_file("third", "DOMAINA:ann:x\n"), NULL, &line),
			 0);
	write_file("reload", "DOMAINB:bob:new-pw\n");
	assert_int_equal(sw_ntlm_users_reload(u, &line), 0);
	assert_int_equal(sw_ntlm_users_count(u), 3); /* bob, ann, zed */
	assert_non_null(sw_ntlm_users_find(u, "DOMAINA", "ann"));
	sw_ntlm_users_free(u);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	const char *names[] = {"users", "bad", "long", "reload", "second", "third"};
	char path[256];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntlm_users_nt_hash_vector),
		cmocka_unit_test(test_ntlm_users_load_both_formats),
		cmocka_unit_test(test_ntlm_users_errors),
		cmocka_unit_test(test_ntlm_users_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
