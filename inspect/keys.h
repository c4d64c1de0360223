#ifndef SW_INSPECT_KEYS_H
#define SW_INSPECT_KEYS_H

/**
 * @file
 * The --keys file of sipward-inspect: a JSON list of
 *   {"scheme":"NTLM", "session_key":"<hex ExportedSessionKey>"}
 *   {"scheme":"Kerberos", "enctype":18, "key":"<hex context key>"}
 * each optionally restricted by "opaque", "realm" and "targetname" (exact
 * match against the header's parameter).  Private to inspect/.
 */

#include <stdbool.h>
#include <stddef.h>

#include "crypto/sig.h"
#include "dataplane/sip_auth.h"

struct sw_insp_key {
	enum sw_scheme scheme;
	int enctype;		  /* Kerberos only */
	char *opaque;		  /* NULL: any */
	char *realm;		  /* NULL: any */
	char *targetname;	  /* NULL: any */
	struct sw_sig_key sig[2]; /* indexed by enum sw_dir */
};

struct sw_insp_keys {
	struct sw_insp_key *v;
	size_t n;
};

/**
 * Load and validate the whole key file.  Unknown members, wrong types, bad
 * hex, key lengths that do not fit the enctype and unsupported enctypes are
 * errors.  On failure *out is empty and @p err says what and where.
 * @return 0, -EINVAL (invalid file) or -EIO (unreadable), -ENOMEM.
 */
int sw_insp_keys_load(const char *path, struct sw_insp_keys *out, char *err, size_t err_len);

/** Wipe and free every key.  Safe on an empty set. */
void sw_insp_keys_free(struct sw_insp_keys *ks);

/**
 * Does key @p k apply to the credentials / info header @p a?  Scheme must
 * match (case-insensitive), and each restriction given must equal the
 * header's parameter byte for byte.
 */
bool sw_insp_key_matches(const struct sw_insp_key *k, const struct sw_auth *a);

#endif /* SW_INSPECT_KEYS_H */
