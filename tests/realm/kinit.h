#ifndef SW_TEST_KINIT_H
#define SW_TEST_KINIT_H

/*
 * Password kinit in this process (tests and benchmark fixtures), with the
 * current KRB5_CONFIG: the test realm's user principals get their TGT the
 * way a client would, without running the kinit binary.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Get a TGT for @p princ with @p password and store it in @p ccname (NULL:
 * the default ccache, KRB5CCNAME).  @p lifetime_s: requested ticket lifetime
 * in seconds, 0 for the realm's default.  Returns 0, or a krb5 error code
 * with its message in @p err.
 */
int32_t sw_test_kinit(const char *princ, const char *password, const char *ccname,
		      int32_t lifetime_s, char *err, size_t err_len);

#endif
