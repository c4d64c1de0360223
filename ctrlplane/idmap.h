#ifndef SW_IDMAP_H
#define SW_IDMAP_H

/**
 * @file
 * The principal -> SIP URI map of the identity binding (PROTOCOL.md §4:
 * "the From AOR of a signed request must belong to the SA's authenticated
 * principal, a configurable principal -> SIP URI mapping"), read from the
 * file named by [identity] map (README "Identity").
 *
 * One entry per line:
 *
 *     <principal>  <sip-uri> [<sip-uri> ...]      # comment
 *
 * where <principal> is a Kerberos principal "user@REALM" (compared exactly:
 * Kerberos names are case-sensitive) or an NTLM account "DOMAIN\user"
 * (compared case-insensitively, as Windows does), and each <sip-uri> is a
 * sip: or sips: URI with a user part, kept in canonical form
 * (sw_sa_aor_canon(): lower case, parameters dropped).  Fields are separated
 * by blanks; '#' starts a comment at the start of a field; blank lines are
 * ignored.  Every problem is an error "file:line: reason" and the whole file
 * is refused: a line longer than SW_IDMAP_LINE_MAX bytes, more than
 * SW_IDMAP_ENTRIES_MAX entries, more than SW_SA_AOR_MAX URIs on a line, a
 * URI listed twice on a line, a principal mapped twice, a malformed name or
 * URI.
 *
 * Built once (start, SIGHUP) on the control thread, then read-only; lookups
 * are a binary search.  DPDK-free.
 */

#include <stddef.h>
#include <stdint.h>

#include "dataplane/sa_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest line, in bytes, not counting the line end ("\n" or "\r\n"). */
#define SW_IDMAP_LINE_MAX 1024u
/** Most entries (principals) in one file. */
#define SW_IDMAP_ENTRIES_MAX 262144u
/** Longest principal, bytes. */
#define SW_IDMAP_NAME_MAX 255u

/** One allowed AOR, canonical, NUL-terminated (len bytes before the NUL). */
struct sw_idmap_aor {
	const char *p;
	uint16_t len;
};

struct sw_idmap;

/**
 * Read and validate @p path.  On error @p err gets "path:line: reason"
 * (line 0 when the problem is not on one line).
 * @param[out] out  the map, or NULL on failure.
 * @return 0, -EINVAL (invalid, see @p err), -ENOENT / -EACCES (open),
 *   -ENOMEM.
 */
int sw_idmap_load(const char *path, struct sw_idmap **out, char *err, size_t err_len);

/** Free.  NULL is a no-op. */
void sw_idmap_free(struct sw_idmap *m);

/** Entries (principals) in the map. */
uint32_t sw_idmap_count(const struct sw_idmap *m);

/**
 * The AORs of @p principal ("user@REALM" or "DOMAIN\user", as the acceptor
 * reports it).  @p *aors points into @p m and stays valid while it lives.
 * @return how many (1..SW_SA_AOR_MAX), 0 when the principal is not mapped.
 */
unsigned int sw_idmap_lookup(const struct sw_idmap *m, const char *principal,
			     const struct sw_idmap_aor **aors);

/**
 * Entry @p i (0 <= i < sw_idmap_count(), in no particular order): its key
 * (the principal in lookup form: NTLM names lower-cased) and AORs.
 * @return the number of AORs, 0 if @p i is out of range.
 */
unsigned int sw_idmap_entry(const struct sw_idmap *m, uint32_t i, const char **key,
			    const struct sw_idmap_aor **aors);

/**
 * The lookup form of @p principal (what sw_idmap_entry() reports as key):
 * NTLM "DOMAIN\user" lower-cased, Kerberos names as they are.  @p out has
 * SW_IDMAP_NAME_MAX + 1 bytes.  @return 0, or -EINVAL (empty or too long).
 */
int sw_idmap_key(const char *principal, char *out);

#ifdef __cplusplus
}
#endif

#endif /* SW_IDMAP_H */
