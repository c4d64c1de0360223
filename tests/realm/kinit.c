/* Password kinit for tests and benchmark fixtures: see kinit.h. */

#include <stdio.h>
#include <string.h>

#include <krb5/krb5.h>

#include "tests/realm/kinit.h"

int32_t
sw_test_kinit(const char *princ_s, const char *password, const char *ccname, int32_t lifetime_s,
	      char *err, size_t err_len)
{
	krb5_context kctx = NULL;
	krb5_principal princ = NULL;
	krb5_ccache cc = NULL;
	krb5_get_init_creds_opt *opt = NULL;
	krb5_creds creds;
	krb5_error_code kr;

	memset(&creds, 0, sizeof(creds));
	if (princ_s == NULL || password == NULL) {
		snprintf(err, err_len, "kinit: no principal or password");
		return KRB5_PARSE_MALFORMED;
	}
	kr = krb5_init_context(&kctx);
	if (kr != 0) {
		snprintf(err, err_len, "krb5_init_context: %d", (int)kr);
		return kr;
	}
	kr = krb5_parse_name(kctx, princ_s, &princ);
	if (kr == 0)
		kr = krb5_get_init_creds_opt_alloc(kctx, &opt);
	if (kr == 0 && lifetime_s != 0)
		krb5_get_init_creds_opt_set_tkt_life(opt, lifetime_s);
	if (kr == 0)
		kr = krb5_get_init_creds_password(kctx, &creds, princ, password, NULL, NULL, 0,
						  NULL, opt);
	if (kr == 0)
		kr = ccname != NULL ? krb5_cc_resolve(kctx, ccname, &cc)
				    : krb5_cc_default(kctx, &cc);
	if (kr == 0)
		kr = krb5_cc_initialize(kctx, cc, princ);
	if (kr == 0)
		kr = krb5_cc_store_cred(kctx, cc, &creds);
	if (kr != 0) {
		const char *m = krb5_get_error_message(kctx, kr);

		snprintf(err, err_len, "kinit %s: %s", princ_s, m);
		krb5_free_error_message(kctx, m);
	}
	if (cc != NULL)
		krb5_cc_close(kctx, cc);
	krb5_free_cred_contents(kctx, &creds);
	if (opt != NULL)
		krb5_get_init_creds_opt_free(kctx, opt);
	krb5_free_principal(kctx, princ);
	krb5_free_context(kctx);
	return kr;
}
