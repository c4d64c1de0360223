/*
 * ctrlplane/cp_krb.c without a KDC (suite 'unit'): the GSS major/minor to
 * outcome translation, outcome names, argument checks.  Real accepts are in
 * test_cp_krb.c (suite 'xcheck').
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gssapi/gssapi.h>
#include <krb5/krb5.h>

#include "ctrlplane/cp_krb.h"

struct classify_case {
	const char *name;
	uint32_t major;
	int32_t minor;
	enum sw_cp_krb_rc want;
};

static const struct classify_case classify_cases[] = {
	{"skew", GSS_S_FAILURE, KRB5KRB_AP_ERR_SKEW, SW_CP_KRB_SKEW},
	{"ticket not yet valid", GSS_S_FAILURE, KRB5KRB_AP_ERR_TKT_NYV, SW_CP_KRB_SKEW},
	{"replay", GSS_S_DUPLICATE_TOKEN, KRB5KRB_AP_ERR_REPEAT, SW_CP_KRB_REPLAY},
	{"replay under GSS_S_FAILURE", GSS_S_FAILURE, KRB5KRB_AP_ERR_REPEAT, SW_CP_KRB_REPLAY},
	{"bad kvno", GSS_S_FAILURE, KRB5KRB_AP_ERR_BADKEYVER, SW_CP_KRB_KVNO},
	{"no key for enctype", GSS_S_FAILURE, KRB5KRB_AP_ERR_NOKEY, SW_CP_KRB_KVNO},
	{"keytab entry not found", GSS_S_FAILURE, KRB5_KT_NOTFOUND, SW_CP_KRB_KVNO},
	{"kvno not in keytab", GSS_S_FAILURE, KRB5_KT_KVNONOTFOUND, SW_CP_KRB_KVNO},
	{"expired", GSS_S_CREDENTIALS_EXPIRED, KRB5KRB_AP_ERR_TKT_EXPIRED, SW_CP_KRB_EXPIRED},
	{"wrong principal", GSS_S_FAILURE, KRB5KRB_AP_WRONG_PRINC, SW_CP_KRB_WRONG_PRINC},
	{"not us", GSS_S_FAILURE, KRB5KRB_AP_ERR_NOT_US, SW_CP_KRB_WRONG_PRINC},
	{"bad integrity", GSS_S_FAILURE, KRB5KRB_AP_ERR_BAD_INTEGRITY, SW_CP_KRB_MODIFIED},
	{"modified", GSS_S_FAILURE, KRB5KRB_AP_ERR_MODIFIED, SW_CP_KRB_MODIFIED},
	{"wrong message type", GSS_S_FAILURE, KRB5KRB_AP_ERR_MSG_TYPE, SW_CP_KRB_BAD_TOKEN},
	{"ASN.1 bad id", GSS_S_FAILURE, ASN1_BAD_ID, SW_CP_KRB_BAD_TOKEN},
	{"defective token", GSS_S_DEFECTIVE_TOKEN, 0, SW_CP_KRB_BAD_TOKEN},
	{"bad mech", GSS_S_BAD_MECH, 0, SW_CP_KRB_BAD_TOKEN},
	{"no cred", GSS_S_NO_CRED, 0, SW_CP_KRB_OTHER},
	{"out of memory", GSS_S_FAILURE, ENOMEM, SW_CP_KRB_OTHER},
	{"unknown krb5 code", GSS_S_FAILURE, KRB5KDC_ERR_POLICY, SW_CP_KRB_OTHER},
};

static void
test_cp_krb_classify_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
		const struct classify_case *c = &classify_cases[i];
		enum sw_cp_krb_rc rc = sw_cp_krb_classify(c->major, c->minor);

		if (rc != c->want)
			fail_msg("%s: got %s, want %s", c->name, sw_cp_krb_rc_name(rc),
				 sw_cp_krb_rc_name(c->want));
	}
	assert_string_equal(sw_cp_krb_rc_name(SW_CP_KRB_OK), "ok");
	assert_string_equal(sw_cp_krb_rc_name(SW_CP_KRB_WRONG_PRINC), "wrong_princ");
	assert_string_equal(sw_cp_krb_rc_name(SW_CP_KRB_RC_MAX), "?");
}

static void
test_cp_krb_create_rejects(void **state)
{
	struct sw_cp_krb *kc = (struct sw_cp_krb *)1;
	char missing[] = "/nonexistent/sw-test.keytab";

	(void)state;
	assert_int_equal(sw_cp_krb_create(missing, "sip", &kc), -EINVAL);
	assert_null(kc);
	assert_int_equal(sw_cp_krb_create(missing, "", &kc), -EINVAL);
	assert_int_equal(sw_cp_krb_create(missing, "sip/proxy.domainb.test", &kc), -ENOENT);
	assert_null(kc);
	assert_int_equal(sw_cp_krb_create(missing, "sip@proxy.domainb.test", &kc), -ENOENT);
	sw_cp_krb_free(NULL);
	sw_cp_krb_sa_wipe(NULL);
	assert_int_equal(sw_cp_krb_sa_sig_keys(NULL, NULL, NULL), -EINVAL);
}

static void
test_cp_krb_leg_digest(void **state)
{
	static const uint8_t sha256_abc[SW_CP_DIGEST_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	uint8_t d[SW_CP_DIGEST_LEN];

	(void)state;
	assert_int_equal(sw_cp_leg_digest("abc", 3, d), 0);
	assert_memory_equal(d, sha256_abc, sizeof(d));
	assert_int_equal(sw_cp_leg_digest(NULL, 1, d), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cp_krb_classify_table),
		cmocka_unit_test(test_cp_krb_create_rejects),
		cmocka_unit_test(test_cp_krb_leg_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
