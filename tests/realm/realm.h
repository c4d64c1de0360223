#ifndef SW_TEST_REALM_H
#define SW_TEST_REALM_H

/**
 * @file
 * Throwaway Kerberos realms for tests: a cmocka group setup calls
 * sw_test_realm_start(), the group teardown sw_test_realm_stop().
 *
 * Start creates a private directory (mkdtemp under $TMPDIR or /tmp), runs
 * `krb5-realm.sh start DIR` (one krb5kdc on loopback serving DOMAINB.TEST and
 * DOMAINA.TEST, keytab, users, gss-ntlmssp user file) and exports every line
 * of DIR/env into this process with setenv() (KRB5_CONFIG, KRB5_KTNAME,
 * KRB5CCNAME, KRB5RCACHEDIR, NTLM_USER_FILE, SW_REALM, SW_USER_PASSWORD, ...:
 * see tests/realm/krb5-realm.sh).
 *
 * Before the KDC starts, a reaper (`krb5-realm.sh watch DIR`, in its own
 * session) is attached to a pipe held by this process: when the pipe closes,
 * because stop was called or because the test crashed or was killed, it stops
 * the KDC by its PID and removes DIR.  So no krb5kdc outlives a test.
 *
 * The script is found at SW_REALM_SCRIPT from the environment, else at the
 * path compiled in by meson (-DSW_REALM_SCRIPT_PATH="...").
 *
 * Not thread-safe (setenv); call from the test's main thread only.
 */

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sw_test_realm {
	char dir[256]; /**< the realm directory, "" when not started */
	pid_t reaper;  /**< pid of the `watch` process, or 0 */
	int reaper_fd; /**< write end of its pipe, or -1 */
};

/**
 * Create the directory, start the realm, load DIR/env into the environment.
 * On failure everything already started is stopped again.
 * @return 0, or a negative errno (-ENOENT: script or krb5 tools missing,
 *   -EIO: the script failed; its stderr explains).
 */
int sw_test_realm_start(struct sw_test_realm *r);

/** Stop the KDC (by PID), remove the directory, reap the reaper.  Idempotent. */
void sw_test_realm_stop(struct sw_test_realm *r);

/**
 * Path of a file in the realm directory ("sip.keytab", "krb5-e17.conf").
 * @return @p buf, or NULL if it does not fit.
 */
char *sw_test_realm_path(const struct sw_test_realm *r, const char *name, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* SW_TEST_REALM_H */
