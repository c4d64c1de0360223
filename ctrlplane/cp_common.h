#ifndef SW_CP_COMMON_H
#define SW_CP_COMMON_H

/**
 * @file
 * Pieces shared by the control plane's mechanism acceptors (cp_krb, cp_ntlm):
 * the log callback and the digest used to recognise a byte-identical
 * retransmission of a handshake leg (PROTOCOL.md §6).
 *
 * Everything under ctrlplane/ runs on the control thread; nothing here is
 * meant for a polling lcore.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Severity of a log line (syslog / rte_log numbering). */
enum sw_cp_log_level {
	SW_CP_LOG_ERR = 4,
	SW_CP_LOG_WARNING = 5,
	SW_CP_LOG_NOTICE = 6,
	SW_CP_LOG_INFO = 7,
	SW_CP_LOG_DEBUG = 8,
};

/**
 * Log sink supplied by the caller (the daemon routes it to rte_log with type
 * user.sw.cp).  @p msg is one NUL-terminated line without a newline, valid
 * only during the call.  Lines may name principals and library error texts;
 * they are for the operator and are never sent to a peer.
 */
typedef void (*sw_cp_log_fn)(void *arg, enum sw_cp_log_level level, const char *msg);

/** Length of sw_cp_leg_digest()'s output (SHA-256). */
#define SW_CP_DIGEST_LEN 32u

/**
 * Digest of a handshake leg (the whole SIP request as received, or at least
 * its gssapi-data token), for the handshake layer's cache of recent answers:
 * PROTOCOL.md §6 requires recognising a byte-identical UDP retransmission of
 * a Kerberos AP-REQ (or an NTLM AUTHENTICATE) *before* calling the acceptor,
 * whose replay cache would otherwise reject it, and answering it with the
 * response sent the first time (kept for 64*T1).  Keying that cache by this
 * digest keeps it small and fixed-size.  Any thread.
 * @return 0, or -EIO if the crypto library fails.
 */
int sw_cp_leg_digest(const void *msg, size_t len, uint8_t out[SW_CP_DIGEST_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* SW_CP_COMMON_H */
