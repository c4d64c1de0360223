#ifndef SW_SIGBUF_H
#define SW_SIGBUF_H

/**
 * @file
 * The MS-SIPAE signed buffer (PROTOCOL.md §2): the message fields each
 * written as <value>, concatenated.  Version 2 has 10 fields plus To tag and
 * Expires; versions 3 and 4 have 15; a response adds its status code.
 */

#include <stdint.h>

#include "crypto/sig.h"
#include "crypto/wbuf.h"
#include "dataplane/sip_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest signed buffer the fast path builds; larger goes to the slow path. */
#define SW_SIGBUF_MAX 4096u

/** The auth-header part of the buffer: values exactly as inside the quotes. */
struct sw_sigbuf_auth {
	struct sw_span scheme; /**< "NTLM" / "Kerberos" as written */
	struct sw_span rand;   /**< crand (requests) or srand (responses) */
	struct sw_span num;    /**< cnum or snum */
	struct sw_span realm;
	struct sw_span targetname;
	unsigned int version;  /**< 2, 3 or 4 (absent parameter means 2) */
};

/**
 * Append the signed buffer of @p msg to @p w.  Requests and responses are
 * told apart by msg->status.  Folded header values are joined with one space.
 * @p msg must be one sw_sip_parse() returned SW_SIP_OK for (the From / To
 * URIs and tags are taken from what the parser recorded).  The bytes of
 * @p w past what it publishes, inside its capacity, are scratch and may be
 * overwritten.  Does not allocate, lock or log.
 * @return 0, -ENOSPC (w overflowed; sticky), -EINVAL (version not 2/3/4).
 */
int sw_sigbuf_build(const struct sw_sip_msg *msg, const struct sw_sigbuf_auth *auth,
		    struct sw_wbuf *w);

/** Parse a "version" parameter value (quoted or not); absent -> 2.
 *  @return 2, 3, 4, or 0 if invalid. */
unsigned int sw_sigbuf_version(struct sw_span v);

#ifdef __cplusplus
}
#endif

#endif /* SW_SIGBUF_H */
