#ifndef SW_RFC4475_H
#define SW_RFC4475_H

/*
 * RFC 4475 SIP torture messages (tests/vectors/rfc4475.c) with the result
 * sw_sip_parse() must give for each.
 */

#include <stddef.h>

struct sw_rfc4475_vec {
	const char *name;    /* the RFC's file name: "wsinv", "badinv01", ... */
	const char *section; /* RFC 4475 section, "3.1.1.1" */
	const char *msg;     /* the datagram (may contain NUL bytes) */
	size_t len;
	int rc;		    /* enum sw_sip_rc */
	const char *err_at; /* error offset: first occurrence of these bytes ... */
	size_t err_at_len;
	size_t err_adj; /* ... plus this; NULL err_at for SW_SIP_OK */
};

extern const struct sw_rfc4475_vec sw_rfc4475_vecs[];
extern const size_t sw_rfc4475_n;

#endif /* SW_RFC4475_H */
