#ifndef SW_SIP_PARSE_H
#define SW_SIP_PARSE_H

/**
 * @file
 * Zero-copy SIP message parser (RFC 3261 §7, §20, §25) for UDP datagrams.
 *
 * Contract (picohttpparser's): sw_sip_parse() reads only [buf, buf+len),
 * writes only *msg, allocates nothing.  Every span points into buf and is
 * valid for as long as buf is.  DPDK-free: links into unit tests, fuzzers,
 * sipward-inspect and the engine alike.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A view into the packet: never NUL-terminated, never owned. */
struct sw_span {
	const char *p;
	uint16_t len; /* a UDP payload is < 64 KiB */
};

/*
 * Limits.  Each has a named error and is tested at the limit and one past it.
 */
#define SW_SIP_MSG_MAX 65535u  /**< bytes in one message, else SW_SIP_ETOOBIG */
#define SW_SIP_HDR_MAX 96u     /**< header lines, else SW_SIP_ETOOMANY */
#define SW_SIP_NAME_MAX 64u    /**< bytes in a header name, else SW_SIP_ENAME */
#define SW_SIP_LINE_MAX 16384u /**< bytes in one (unfolded) header, else SW_SIP_ELINE */
#define SW_SIP_RURI_MAX 2048u  /**< bytes in the Request-URI, else SW_SIP_EREQLINE */

/*
 * Header ids.  One table maps full names (case-insensitive) and the RFC 3261
 * §7.3.3 / IANA compact forms (i f t v m l c k s e o u r b x y) to these.
 */
#define SW_SIP_HEADERS(X)                                                                  \
	X(OTHER, NULL, 0)                                                                  \
	X(VIA, "Via", 'v')                                                                 \
	X(FROM, "From", 'f')                                                               \
	X(TO, "To", 't')                                                                   \
	X(CALL_ID, "Call-ID", 'i')                                                         \
	X(CSEQ, "CSeq", 0)                                                                 \
	X(CONTACT, "Contact", 'm')                                                         \
	X(EXPIRES, "Expires", 0)                                                           \
	X(MAX_FORWARDS, "Max-Forwards", 0)                                                 \
	X(CONTENT_LENGTH, "Content-Length", 'l')                                           \
	X(CONTENT_TYPE, "Content-Type", 'c')                                               \
	X(CONTENT_ENCODING, "Content-Encoding", 'e')                                       \
	X(ROUTE, "Route", 0)                                                               \
	X(RECORD_ROUTE, "Record-Route", 0)                                                 \
	X(AUTHORIZATION, "Authorization", 0)                                               \
	X(PROXY_AUTHORIZATION, "Proxy-Authorization", 0)                                   \
	X(WWW_AUTHENTICATE, "WWW-Authenticate", 0)                                         \
	X(PROXY_AUTHENTICATE, "Proxy-Authenticate", 0)                                     \
	X(AUTHENTICATION_INFO, "Authentication-Info", 0)                                   \
	X(PROXY_AUTHENTICATION_INFO, "Proxy-Authentication-Info", 0)                       \
	X(P_ASSERTED_IDENTITY, "P-Asserted-Identity", 0)                                   \
	X(P_PREFERRED_IDENTITY, "P-Preferred-Identity", 0)                                 \
	X(SUPPORTED, "Supported", 'k')                                                     \
	X(SUBJECT, "Subject", 's')                                                         \
	X(EVENT, "Event", 'o')                                                             \
	X(ALLOW_EVENTS, "Allow-Events", 'u')                                               \
	X(REFER_TO, "Refer-To", 'r')                                                       \
	X(REFERRED_BY, "Referred-By", 'b')                                                 \
	X(SESSION_EXPIRES, "Session-Expires", 'x')                                         \
	X(IDENTITY, "Identity", 'y')                                                       \
	X(RETRY_AFTER, "Retry-After", 0)                                                   \
	X(REQUIRE, "Require", 0)                                                           \
	X(PROXY_REQUIRE, "Proxy-Require", 0)

enum sw_hdr {
#define X(id, name, compact) SW_HDR_##id,
	SW_SIP_HEADERS(X)
#undef X
	SW_HDR_MAX
};

#define SW_HDR_NONE UINT8_MAX /**< "no header" in first[] / next */

struct sw_sip_hdr {
	struct sw_span name;  /**< as written (may be compact) */
	struct sw_span value; /**< leading/trailing LWS stripped; may span folds */
	uint8_t id;           /**< enum sw_hdr */
	uint8_t next;         /**< index of the next header with the same id, or SW_HDR_NONE */
	uint8_t folded;       /**< value contains CRLF+WSP folds (join with one space) */
};

/** Parse outcomes.  Every non-OK result comes with msg->err_off. */
#define SW_SIP_RESULTS(X)                                                                  \
	X(OK, "ok")                                                                        \
	X(ETRUNC, "truncated")             /* ended before the empty line */             \
	X(ETOOBIG, "too_big")              /* len > SW_SIP_MSG_MAX */                     \
	X(EREQLINE, "bad_request_line")    /* method SP Request-URI SP SIP-Version */     \
	X(ESTATUSLINE, "bad_status_line")  /* SIP-Version SP 3DIGIT SP Reason */          \
	X(EVERSION, "bad_version")         /* not SIP/2.0 */                              \
	X(ENAME, "bad_header_name")        /* empty, not a token, or > SW_SIP_NAME_MAX */ \
	X(ELINE, "bad_header_line")        /* no colon, bare CR/LF, NUL, or too long */   \
	X(ETOOMANY, "too_many_headers")    /* more than SW_SIP_HDR_MAX */                 \
	X(EDUP, "duplicate_header")        /* a signed single-instance header repeats */  \
	X(EMISSING, "missing_header")      /* Via, From, To, Call-ID or CSeq absent */    \
	X(ECSEQ, "bad_cseq")               /* not "1*DIGIT LWS method", or > 2^31-1 */     \
	X(ECSEQ_METHOD, "cseq_method_mismatch") /* request line method != CSeq method */ \
	X(ECLEN, "bad_content_length")     /* not a number, or body shorter than it */    \
	X(EMAXFWD, "bad_max_forwards")     /* not 1*DIGIT or > 255 */                     \
	X(EEXPIRES, "bad_expires")         /* not 1*DIGIT or > 2^32-1 */                  \
	X(EADDR, "bad_name_addr")          /* From/To not a name-addr / addr-spec */      \
	X(EVIA, "bad_via")                 /* topmost Via value malformed */

enum sw_sip_rc {
#define X(id, name) SW_SIP_##id,
	SW_SIP_RESULTS(X)
#undef X
	SW_SIP_RC_MAX
};

struct sw_sip_via {
	struct sw_span transport; /**< "UDP", "TCP", ... */
	struct sw_span host;      /**< sent-by host (IPv6 without brackets) */
	uint16_t port;            /**< sent-by port, 0 if absent */
	struct sw_span branch;    /**< ;branch= value, empty if absent */
	struct sw_span received;  /**< ;received= value, empty if absent */
	bool has_rport;           /**< ;rport present (with or without value) */
	uint16_t rport;           /**< ;rport=N value, 0 if none */
};

/** Filled by sw_sip_parse(); one per packet in per-lcore scratch. */
struct sw_sip_msg {
	struct sw_span method;  /**< request method; empty for responses */
	struct sw_span ruri;    /**< Request-URI; empty for responses */
	struct sw_span reason;  /**< reason phrase; empty for requests */
	uint16_t status;        /**< status code; 0 for requests */
	uint16_t n_hdr;
	uint32_t err_off;       /**< byte offset of the error (valid when rc != OK) */
	uint32_t hdr_len;       /**< bytes up to and including the empty line */
	uint32_t cseq_num;      /**< CSeq number, parsed */
	struct sw_span cseq_num_s;    /**< CSeq number as written */
	struct sw_span cseq_method;   /**< CSeq method as written */
	uint8_t first[SW_HDR_MAX];    /**< index into hdr[] or SW_HDR_NONE */
	uint8_t count[SW_HDR_MAX];    /**< header lines of each id (saturates at 255) */
	struct sw_sip_hdr hdr[SW_SIP_HDR_MAX];
	struct sw_span body;          /**< Content-Length bytes after the empty line */
	const char *base;             /**< buf given to sw_sip_parse(): offsets are from here */
	/* Recorded while From and To are validated, so that the signed-buffer
	 * builder does not scan them again: exactly what sw_sip_addr_of()
	 * returns for the (first) From / To value; {NULL, 0} until set. */
	struct sw_span from_uri;      /**< sw_sip_addr_of(From value) URI */
	struct sw_span from_tag;      /**< sw_sip_addr_of(From value) tag */
	struct sw_span to_uri;        /**< sw_sip_addr_of(To value) URI */
	struct sw_span to_tag;        /**< sw_sip_addr_of(To value) tag */
	/* The parser validates the topmost Via by parsing it; the result is
	 * kept for sw_sip_top_via(), which forwarding asks for again. */
	struct sw_sip_via top_via;    /**< valid when top_via_ok */
	bool top_via_ok;              /**< set by a successful sw_sip_parse() */
};

/**
 * Parse the SIP message in buf[0, len).  Reads nothing outside that range,
 * writes only *msg, allocates nothing.  A UDP datagram must hold exactly one
 * message: with Content-Length the body is that many bytes (extra bytes are
 * ignored, RFC 3261 §18.3; fewer is SW_SIP_ECLEN); without it the body runs
 * to the end of the datagram.
 *
 * Grammar decisions (RFC 3261 §7, §25; RFC 4475 shows where stacks differ):
 *  - Line ends are CRLF only.  A bare CR or LF in the start line is
 *    EREQLINE/ESTATUSLINE, in the header section ELINE; there is no LF-only
 *    leniency (the signed values must be unambiguous).  No leading CRLF
 *    (keep-alive) is skipped.
 *  - A NUL byte anywhere before the empty line is an error (ELINE in a
 *    header, even inside a quoted-pair; EREQLINE/ESTATUSLINE in the start
 *    line).  The body is opaque.
 *  - Names: token, optional SP/HTAB before ':'.  Values may be folded
 *    (CRLF + SP/HTAB); SW_SIP_LINE_MAX counts the raw bytes from the name to
 *    the final CRLF, folds included.
 *  - Validated because the engine uses them: CSeq, Max-Forwards, Expires,
 *    Content-Length, From/To (name-addr or addr-spec, no LWS inside the URI,
 *    balanced quotes and <>: EADDR), the topmost Via value (EVIA), the
 *    Request-URI (scheme ":" then visible ASCII except <>", no "?headers"
 *    after the host of a sip:/sips: URI) and the version (SIP/2.0, any case).
 *    Other headers are carried opaquely.
 *  - Status line: "SIP/2.0 SP 3DIGIT [SP Reason-Phrase]" (the SP before an
 *    empty reason may be missing), code 100..999.
 *
 * err_off is a byte offset into buf: ETRUNC -> len; ETOOBIG -> SW_SIP_MSG_MAX;
 * a limit -> the first byte past it (line or name start + limit, R-URI start
 * + SW_SIP_RURI_MAX); ETOOMANY/EDUP -> start of the offending header line;
 * ECSEQ/EMAXFWD/EEXPIRES/ECLEN/EADDR/EVIA -> start of that header's value;
 * ECSEQ_METHOD -> the CSeq method; EMISSING -> the empty line; ELINE/ENAME/
 * EREQLINE/ESTATUSLINE/EVERSION -> the offending byte or token.
 *
 * Thread: any.  @return SW_SIP_OK or the first error found (msg->err_off set).
 */
enum sw_sip_rc sw_sip_parse(const char *buf, size_t len, struct sw_sip_msg *msg);

/** Stable name of a result ("ok", "truncated", ...), for logs and --json. */
const char *sw_sip_rc_name(enum sw_sip_rc rc);

/** Canonical name of a header id ("Via", ...); NULL for SW_HDR_OTHER. */
const char *sw_sip_hdr_name(enum sw_hdr id);

/** First value of header @p h, or an empty span {NULL, 0} if absent. */
static inline struct sw_span
sw_sip_value(const struct sw_sip_msg *msg, enum sw_hdr h)
{
	struct sw_span none = { NULL, 0 };

	if (msg->first[h] == SW_HDR_NONE)
		return none;
	return msg->hdr[msg->first[h]].value;
}

/**
 * Iterate the comma-separated values of a multi-value header (Via, Route,
 * Record-Route, Contact, P-Asserted-Identity, ...) across all its lines.
 * Commas inside quoted strings and <...> do not split.  Start with
 * *hdr_idx = msg->first[h] and *pos = 0; each call stores the next value
 * (LWS-trimmed) in *out and returns true, false at the end.
 */
bool sw_sip_next_value(const struct sw_sip_msg *msg, uint8_t *hdr_idx, uint16_t *pos,
		       struct sw_span *out);

/*
 * Field accessors for signing and forwarding.  All return spans into the
 * message (empty {NULL,0} when absent) and follow PROTOCOL.md §2.
 */

/** name-addr / addr-spec URI of a From/To-style value: text between '<'
 *  and '>' if there is a '<' (outside a quoted display name; empty if the
 *  '>' is missing), else up to the first ';' with surrounding LWS dropped. */
struct sw_span sw_sip_uri_of(struct sw_span value);

/** Value of the ";tag=" parameter of a From/To-style value (after the URI);
 *  {NULL, 0} if absent.  Same rules as sw_sip_param_of(). */
struct sw_span sw_sip_tag_of(struct sw_span value);

/** sw_sip_uri_of() and sw_sip_tag_of() of one value in one scan (the signed
 *  buffer needs both): same results as the two calls. */
void sw_sip_addr_of(struct sw_span value, struct sw_span *uri, struct sw_span *tag);

/** Generic header parameter of a value (after the URI or the first token):
 *  ";name=value" with case-insensitive name; present-without-value gives a
 *  zero-length span with non-NULL p.  LWS around ';' and '=' is allowed
 *  (RFC 3261 SEMI/EQUAL); a quoted value is returned without its quotes.
 *  Only the first comma-separated element is searched.
 *  Returns false if absent. */
bool sw_sip_param_of(struct sw_span value, const char *name, struct sw_span *out);

/** Parse the topmost Via value (after a successful sw_sip_parse() the copy
 *  it kept, the same result).  @return false if absent or malformed. */
bool sw_sip_top_via(const struct sw_sip_msg *msg, struct sw_sip_via *via);

/** Max-Forwards value (0..255), or -1 if absent. (Validated by the parser.) */
int sw_sip_max_forwards(const struct sw_sip_msg *msg);

/** Expires header value as written (empty if absent). */
static inline struct sw_span
sw_sip_expires(const struct sw_sip_msg *msg)
{
	return sw_sip_value(msg, SW_HDR_EXPIRES);
}

/**
 * First sip:/sips: and first tel: URI of P-Asserted-Identity, or of
 * P-Preferred-Identity if there is no P-Asserted-Identity (PROTOCOL.md §2,
 * fields 13 and 14).  Scheme test is case-insensitive, value kept as written.
 */
void sw_sip_identity_uris(const struct sw_sip_msg *msg, struct sw_span *sip_uri,
			  struct sw_span *tel_uri);

/** Case-insensitive compare of a span with a NUL-terminated string. */
bool sw_span_ieq(struct sw_span s, const char *str);

/** Exact compare of two spans. */
bool sw_span_eq(struct sw_span a, struct sw_span b);

#ifdef __cplusplus
}
#endif

#endif /* SW_SIP_PARSE_H */
