#ifndef SW_NTLM_USERS_H
#define SW_NTLM_USERS_H

/**
 * @file
 * NTLM account source: NT hashes by (domain, user), case-insensitive.
 *
 * Files are read in gss-ntlmssp's NTLM_USER_FILE format, which is itself two
 * formats told apart per line by the number of ':'-separated fields:
 *
 *  - Heimdal: `DOMAIN:USER:PASSWORD` (exactly three fields; the password is
 *    the rest of the line and so cannot contain ':'); an empty DOMAIN
 *    matches every domain;
 *  - smbpasswd: `USER:UID:LMHASH:NTHASH:[FLAGS]:LCT-xxxxxxxx:` (four or more
 *    fields; USER may be `DOMAIN\USER`, otherwise the entry belongs to the
 *    @p domain given to the loader).  NTHASH is 32 hex digits; 32 'X' (no
 *    password) and the account flags D (disabled), L (locked), N (no
 *    password required) and W/S/I (trust accounts) make the entry disabled.
 *
 * Lines starting with '#' and empty lines are skipped; anything else that
 * does not parse is an error naming the line.  Only NT hashes are kept: the
 * password text and the file buffer are wiped as soon as the hash is made.
 *
 * Control thread only; no internal locking.  A table is immutable between
 * loads, so the acceptor may keep pointers returned by sw_ntlm_users_find()
 * until the next sw_ntlm_users_load()/reload()/free().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest user or domain name accepted, in UTF-8 bytes (without the NUL). */
#define SW_NTLM_ACCT_NAME_MAX 256u
/** Largest account file read (bytes). */
#define SW_NTLM_USERS_FILE_MAX (64u << 20)

struct sw_ntlm_account {
	const char *domain;  /**< as written in the source; "" matches any domain */
	const char *user;    /**< as written in the source */
	uint8_t nt_hash[16]; /**< MD4(UTF-16LE(password)) */
	bool disabled;
};

struct sw_ntlm_users;

/** Empty table.  @return 0 or -ENOMEM; *out NULL on failure. */
int sw_ntlm_users_create(struct sw_ntlm_users **out);

/** Free (wiping every hash).  NULL is a no-op. */
void sw_ntlm_users_free(struct sw_ntlm_users *u);

/**
 * Add the accounts of file @p path and remember it as a source for
 * sw_ntlm_users_reload().  @p domain is the domain of unqualified smbpasswd
 * entries ("" or NULL: any domain).  All or nothing: on error the table is
 * unchanged.
 * @param[out] bad_line 1-based line of a parse error, 0 otherwise (may be NULL).
 * @return 0, -ENOENT/-EACCES (open), -EFBIG, -EINVAL (bad line, see
 *   @p bad_line), -ENAMETOOLONG (a name over SW_NTLM_ACCT_NAME_MAX), -EEXIST
 *   (same domain and user twice), -ENOMEM, -EIO.
 */
int sw_ntlm_users_load(struct sw_ntlm_users *u, const char *path, const char *domain,
		       unsigned int *bad_line);

/**
 * Re-read every file given to sw_ntlm_users_load() (SIGHUP).  Accounts added
 * with sw_ntlm_users_add() are kept.  All or nothing: on error the old table
 * stays in force.  Pointers from sw_ntlm_users_find() are invalid after a
 * successful reload.  @return as sw_ntlm_users_load().
 */
int sw_ntlm_users_reload(struct sw_ntlm_users *u, unsigned int *bad_line);

/** Add one account from its NT hash (tests, other sources).  @return 0, -EINVAL,
 *  -ENAMETOOLONG, -EEXIST, -ENOMEM. */
int sw_ntlm_users_add(struct sw_ntlm_users *u, const char *domain, const char *user,
		      const uint8_t nt_hash[16], bool disabled);

/**
 * Look up (@p domain, @p user), both UTF-8, case-insensitively: first an
 * entry for that domain, then a wildcard ("") entry.  @p domain may be "".
 * @return the account (owned by the table) or NULL.
 */
const struct sw_ntlm_account *sw_ntlm_users_find(const struct sw_ntlm_users *u, const char *domain,
						 const char *user);

/** Number of accounts. */
size_t sw_ntlm_users_count(const struct sw_ntlm_users *u);

/** NT hash of a UTF-8 password: MD4(UTF-16LE(password)).  @return 0, -EINVAL, -EIO. */
int sw_ntlm_nt_hash(const char *password, size_t len, uint8_t out[16]);

#ifdef __cplusplus
}
#endif

#endif /* SW_NTLM_USERS_H */
