#ifndef SW_HMAC_VECTORS_H
#define SW_HMAC_VECTORS_H

/*
 * Published HMAC test vectors, one file per source (rfc2202.c, rfc4231.c).
 * Hex strings are lower case; a tag shorter than the digest is a truncated
 * result exactly as the source gives it.
 */

#include <stddef.h>

#include "crypto/mac.h"

struct sw_hmac_vector {
	const char *name; /* source, section and case */
	enum sw_mac_alg alg;
	const char *key_hex;
	const char *msg;     /* the data as text, or NULL ... */
	const char *msg_hex; /* ... when it is given in hex */
	const char *tag_hex; /* expected tag, possibly truncated */
};

extern const struct sw_hmac_vector sw_vec_rfc2202[];
extern const size_t sw_vec_rfc2202_n;
extern const struct sw_hmac_vector sw_vec_rfc4231[];
extern const size_t sw_vec_rfc4231_n;

#endif /* SW_HMAC_VECTORS_H */
