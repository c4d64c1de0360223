#ifndef SW_XCHECK_UTIL_H
#define SW_XCHECK_UTIL_H

/*
 * Shared pieces of the cross-check tests (tests/xcheck): the signed buffers
 * every context is exercised with, the batch-job check of sw_sig_job_prep(),
 * hex dumps and the findings log.
 */

#include <stddef.h>
#include <stdint.h>

#include "crypto/mac.h"
#include "crypto/sig.h"

/* One signed buffer: a name for messages and its bytes. */
struct xc_buf {
	const char *name;
	const uint8_t *data;
	size_t len;
};

/* Number of rows xc_bufs_init() fills. */
#define XC_NBUFS 6u

/*
 * Fill @p out with the buffers: PROTOCOL.md §2's request example, a response
 * (16 fields, status code), and 0/1/700/1500 deterministic pseudo-random bytes.
 * The data stays valid for the whole process.
 */
void xc_bufs_init(struct xc_buf out[XC_NBUFS]);

/* Lower-case hex of @p len bytes into @p out (2*len+1 bytes). */
char *xc_hex(const uint8_t *p, size_t len, char *out);

/*
 * Record a disagreement: print it to stderr and append it to the file named by
 * $SW_XCHECK_FINDINGS when that is set.  printf-style.
 */
void xc_finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Check @p token over @p buf through the batch path: sw_sig_job_prep() into a
 * slot, then (a) a direct OpenSSL HMAC over job.msg with job.key's raw key and
 * (b) sw_mac_verify_burst() on @p ref (and @p mb when not NULL); a matching
 * tag then goes through sw_sig_post_check() (enctype 23's direction check).
 * @return 1 when every path accepts, 0 when every path rejects, -1 when they
 *   disagree or prep/engine calls fail (details on stderr).
 */
int xc_job_check(const struct sw_sig_key *k, const uint8_t *buf, size_t len, const uint8_t *token,
		 size_t token_len, struct sw_mac_engine *ref, struct sw_mac_engine *mb);

#endif /* SW_XCHECK_UTIL_H */
