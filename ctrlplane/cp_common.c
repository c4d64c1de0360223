/*
 * Helpers shared by the control plane's modules (see cp_common.h).
 */

#include <errno.h>

#include "crypto/prim.h"
#include "ctrlplane/cp_common.h"

/* SHA-256 of a whole handshake datagram: recognises a byte-identical UDP
 * retransmission of a handshake leg before it reaches the acceptor
 * (PROTOCOL.md §6). */
int
sw_cp_leg_digest(const void *msg, size_t len, uint8_t out[SW_CP_DIGEST_LEN])
{
	if (msg == NULL && len != 0)
		return -EINVAL;
	return sw_prim_sha256(msg, len, out);
}
