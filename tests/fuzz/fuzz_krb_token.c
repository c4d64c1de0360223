/*
 * libFuzzer target: the Kerberos acceptor on arbitrary gssapi-data
 * (ctrlplane/cp_krb.c): the RFC 2743 §3.1 framing pre-check and, for what
 * passes it, MIT's gss_accept_sec_context() with a real keytab whose key
 * nobody else knows.  Properties: no crash or out-of-bounds read; a defined
 * outcome; never SW_CP_KRB_OK (no input can hold a ticket for that key);
 * the output record is all zero after a failure.
 *
 * LLVMFuzzerInitialize writes a throwaway krb5.conf and a keytab holding
 * sip/proxy.fuzz.test@FUZZ.TEST (aes256, aes128 and rc4 keys at kvno 3)
 * under a mkdtemp() directory, and turns MIT's replay cache off for the
 * process (KRB5RCACHENAME=none:).  Seeds: tests/fuzz/corpus/krb_token/.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <krb5/krb5.h>

#include "ctrlplane/cp_krb.h"

/* A violated property: say which, then crash so libFuzzer keeps the input. */
#define FAIL()                                                                                     \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: property violated\n", __FILE__, __LINE__);                 \
		abort();                                                                           \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sw_cp_krb *kc;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_krb_token: setup: %s\n", what);
	abort();
}

static void
make_keytab(const char *path)
{
	static const krb5_enctype enc[] = {ENCTYPE_AES256_CTS_HMAC_SHA1_96,
					   ENCTYPE_AES128_CTS_HMAC_SHA1_96, ENCTYPE_ARCFOUR_HMAC};
	krb5_context ctx;
	krb5_keytab kt;
	krb5_principal p;
	krb5_keytab_entry e;
	unsigned int i;

	if (krb5_init_context(&ctx) != 0)
		die("krb5_init_context");
	if (krb5_kt_resolve(ctx, path, &kt) != 0)
		die("krb5_kt_resolve");
	if (krb5_parse_name(ctx, "sip/proxy.fuzz.test@FUZZ.TEST", &p) != 0)
		die("krb5_parse_name");
	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		krb5_keyblock kb;

		if (krb5_c_make_random_key(ctx, enc[i], &kb) != 0)
			die("krb5_c_make_random_key");
		memset(&e, 0, sizeof(e));
		e.principal = p;
		e.vno = 3;
		e.key = kb;
		if (krb5_kt_add_entry(ctx, kt, &e) != 0)
			die("krb5_kt_add_entry");
		krb5_free_keyblock_contents(ctx, &kb);
	}
	krb5_free_principal(ctx, p);
	krb5_kt_close(ctx, kt);
	krb5_free_context(ctx);
}

static char dir[] = "/tmp/sw_fuzz_krb_XXXXXX";

/* Remove the throwaway krb5.conf and keytab at exit. */
static void
cleanup(void)
{
	char p[128];

	/* SW_FUZZ_VERBOSE=1: how far the inputs got (seeds must reach MIT). */
	if (getenv("SW_FUZZ_VERBOSE") != NULL && kc != NULL) {
		uint64_t st[SW_CP_KRB_RC_MAX];

		sw_cp_krb_stats(kc, st);
		for (unsigned int i = 0; i < SW_CP_KRB_RC_MAX; i++)
			fprintf(stderr, "krb %s %lu\n", sw_cp_krb_rc_name((enum sw_cp_krb_rc)i),
				(unsigned long)st[i]);
	}
	sw_cp_krb_free(kc);
	kc = NULL;
	snprintf(p, sizeof(p), "%s/krb5.conf", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sip.keytab", dir);
	unlink(p);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char conf[128], kt[128];
	FILE *f;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(conf, sizeof(conf), "%s/krb5.conf", dir);
	snprintf(kt, sizeof(kt), "FILE:%s/sip.keytab", dir);
	f = fopen(conf, "w");
	if (f == NULL)
		die("krb5.conf");
	fputs("[libdefaults]\n default_realm = FUZZ.TEST\n dns_lookup_kdc = false\n"
	      " dns_lookup_realm = false\n allow_weak_crypto = true\n",
	      f);
	fclose(f);
	setenv("KRB5_CONFIG", conf, 1);
	setenv("KRB5RCACHENAME", "none:", 1);
	setenv("KRB5_TRACE", "/dev/null", 1);
	make_keytab(kt);
	if (sw_cp_krb_create(kt, "sip/proxy.fuzz.test", &kc) != 0)
		die("sw_cp_krb_create");
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[sizeof(struct sw_cp_krb_sa)];
	static struct sw_cp_krb_sa sa;
	enum sw_cp_krb_rc rc;

	if (size > SW_CP_KRB_TOKEN_MAX + 16)
		return 0;
	memset(&sa, 0x77, sizeof(sa));
	rc = sw_cp_krb_accept(kc, data, size, &sa);
	if ((unsigned int)rc >= SW_CP_KRB_RC_MAX || rc == SW_CP_KRB_OK)
		FAIL();
	if (memcmp(&sa, zero, sizeof(sa)) != 0)
		FAIL();
	return 0;
}
