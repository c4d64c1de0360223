#ifndef SW_SIP_AUTH_H
#define SW_SIP_AUTH_H

/**
 * @file
 * Parser for the MS-SIPAE authentication headers: WWW-/Proxy-Authenticate,
 * Authorization / Proxy-Authorization and Authentication-Info /
 * Proxy-Authentication-Info (RFC 3261 §25.1 auth-param grammar, RFC 7235
 * token68 not used).  Zero-copy: values are spans into the message, quoted
 * values are the exact bytes between the quotes (escapes kept, as signed).
 */

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/sip_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_AUTH_PARAM_MAX 16u     /**< parameters in one header, else SW_AUTH_ETOOMANY */
#define SW_AUTH_VALUE_MAX 12288u  /**< bytes in one value (gssapi-data), else SW_AUTH_ETOOLONG */
#define SW_AUTH_NAME_MAX 32u      /**< bytes in a parameter name, else SW_AUTH_ESYNTAX */

/** Parameters the engine knows.  Others are kept as SW_AUTH_P_OTHER. */
#define SW_AUTH_PARAMS(X)                                                                  \
	X(OTHER, NULL)                                                                     \
	X(REALM, "realm")                                                                  \
	X(TARGETNAME, "targetname")                                                        \
	X(VERSION, "version")                                                              \
	X(QOP, "qop")                                                                      \
	X(OPAQUE, "opaque")                                                                \
	X(GSSAPI_DATA, "gssapi-data")                                                      \
	X(CRAND, "crand")                                                                  \
	X(CNUM, "cnum")                                                                    \
	X(RESPONSE, "response")                                                            \
	X(SRAND, "srand")                                                                  \
	X(SNUM, "snum")                                                                    \
	X(RSPAUTH, "rspauth")                                                              \
	X(ALGORITHM, "algorithm")

enum sw_auth_param {
#define X(id, name) SW_AUTH_P_##id,
	SW_AUTH_PARAMS(X)
#undef X
	SW_AUTH_P_MAX
};

#define SW_AUTH_RESULTS(X)                                                                 \
	X(OK, "ok")                                                                        \
	X(EABSENT, "absent")           /* no such header */                               \
	X(ESCHEME, "bad_scheme")       /* no scheme token */                              \
	X(ESYNTAX, "bad_syntax")       /* not name=value, stray characters */             \
	X(EQUOTE, "unterminated_quote")                                                   \
	X(EDUP, "duplicate")           /* repeated parameter / second credentials */      \
	X(ETOOMANY, "too_many_params")                                                    \
	X(ETOOLONG, "value_too_long")

enum sw_auth_rc {
#define X(id, name) SW_AUTH_##id,
	SW_AUTH_RESULTS(X)
#undef X
	SW_AUTH_RC_MAX
};

struct sw_auth_kv {
	struct sw_span name;
	struct sw_span value; /**< inside the quotes if quoted */
	uint8_t id;           /**< enum sw_auth_param */
	uint8_t quoted;
};

/** One parsed challenge / credentials / info header. */
struct sw_auth {
	struct sw_span scheme;         /**< "Kerberos", "NTLM", ... as written */
	uint8_t n;                     /**< used entries in kv[] */
	uint8_t hdr_idx;               /**< index of the header in sw_sip_msg.hdr[] */
	uint8_t idx[SW_AUTH_P_MAX];    /**< known param -> index in kv[], or SW_HDR_NONE */
	struct sw_auth_kv kv[SW_AUTH_PARAM_MAX];
};

/**
 * Parse one header value: scheme token, then comma-separated
 * name=token / name="quoted string" in any order, with or without LWS after
 * commas.  A repeated parameter name (case-insensitive) is SW_AUTH_EDUP.
 * On error *err_off is the offset inside @p value.
 * Thread: any; does not allocate.
 */
enum sw_auth_rc sw_auth_parse(struct sw_span value, struct sw_auth *out, uint32_t *err_off);

/** Value of a known parameter, empty span {NULL,0} if absent. */
static inline struct sw_span
sw_auth_get(const struct sw_auth *a, enum sw_auth_param p)
{
	struct sw_span none = { NULL, 0 };

	if (a->idx[p] == SW_HDR_NONE)
		return none;
	return a->kv[a->idx[p]].value;
}

static inline bool
sw_auth_has(const struct sw_auth *a, enum sw_auth_param p)
{
	return a->idx[p] != SW_HDR_NONE;
}

/**
 * Select the credentials meant for this server among all headers of id @p h
 * (SW_HDR_PROXY_AUTHORIZATION or SW_HDR_AUTHORIZATION): a header is ours if
 * its realm equals @p realm and its targetname equals one of @p targets
 * (e.g. "sip/proxy.example.test" for Kerberos and "proxy.example.test" for
 * NTLM).  Headers for other proxies (patent FIG. 5) are skipped.  A second
 * header that is ours is SW_AUTH_EDUP: the signed and the used values could
 * otherwise differ.  SW_AUTH_EABSENT if none is ours.  Any header that fails
 * to parse is an error (with *err_off as a message offset), since we cannot
 * tell whose it is.  *out is meaningful only on SW_AUTH_OK (on other
 * results it may hold any header's parameters).
 */
enum sw_auth_rc sw_auth_select(const struct sw_sip_msg *msg, enum sw_hdr h,
			       struct sw_span realm, const struct sw_span *targets,
			       unsigned int n_targets, struct sw_auth *out, uint32_t *err_off);

const char *sw_auth_rc_name(enum sw_auth_rc rc);
const char *sw_auth_param_name(enum sw_auth_param p);

#ifdef __cplusplus
}
#endif

#endif /* SW_SIP_AUTH_H */
