#ifndef SW_NTLM_MSG_H
#define SW_NTLM_MSG_H

/**
 * @file
 * NTLM wire messages (MS-NLMP §2.2.1): bounded parsers and builders for
 * NEGOTIATE, CHALLENGE and AUTHENTICATE, the AV_PAIR list (§2.2.2.1) and the
 * NTLMv2 response (§2.2.2.8).  No crypto, no allocation, no global state:
 * safe to fuzz and to call from any thread.
 *
 * Parser contract (STYLE.md 12): reads only [buf, buf+len), writes only
 * *out, returns a named result and, on error, the byte offset where the
 * problem was found.  Every field descriptor (Len, MaxLen, BufferOffset) is
 * checked against the message: a non-empty field must lie inside the
 * message, after the fixed header, and must not overlap another field;
 * MaxLen is ignored as §2.2.1 allows; an empty field's offset is ignored.
 * Result spans point into @p buf and live as long as it does.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest NTLM message accepted or built.  SIP carries it base64 in one header. */
#define SW_NTLM_MSG_MAX 4096u
/** Most AV_PAIRs in one list (MsvAvEOL not counted). */
#define SW_NTLM_AV_MAX 24u
/** Longest user / domain / workstation field, in bytes of UTF-16LE (128 code units). */
#define SW_NTLM_NAME_MAX 256u

/* MS-NLMP §2.2.2.5 NegotiateFlags. */
#define SW_NTLM_NEGOTIATE_UNICODE		   0x00000001u
#define SW_NTLM_NEGOTIATE_OEM			   0x00000002u
#define SW_NTLM_REQUEST_TARGET			   0x00000004u
#define SW_NTLM_NEGOTIATE_SIGN			   0x00000010u
#define SW_NTLM_NEGOTIATE_SEAL			   0x00000020u
#define SW_NTLM_NEGOTIATE_DATAGRAM		   0x00000040u
#define SW_NTLM_NEGOTIATE_LM_KEY		   0x00000080u
#define SW_NTLM_NEGOTIATE_NTLM			   0x00000200u
#define SW_NTLM_ANONYMOUS			   0x00000800u
#define SW_NTLM_NEGOTIATE_ALWAYS_SIGN		   0x00008000u
#define SW_NTLM_TARGET_TYPE_DOMAIN		   0x00010000u
#define SW_NTLM_TARGET_TYPE_SERVER		   0x00020000u
#define SW_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define SW_NTLM_NEGOTIATE_IDENTIFY		   0x00100000u
#define SW_NTLM_REQUEST_NON_NT_SESSION_KEY	   0x00400000u
#define SW_NTLM_NEGOTIATE_TARGET_INFO		   0x00800000u
#define SW_NTLM_NEGOTIATE_VERSION		   0x02000000u
#define SW_NTLM_NEGOTIATE_128			   0x20000000u
#define SW_NTLM_NEGOTIATE_KEY_EXCH		   0x40000000u
#define SW_NTLM_NEGOTIATE_56			   0x80000000u

/* MS-NLMP §2.2.2.1 AvId values. */
enum sw_ntlm_av_id {
	SW_NTLM_AV_EOL = 0,
	SW_NTLM_AV_NB_COMPUTER = 1,
	SW_NTLM_AV_NB_DOMAIN = 2,
	SW_NTLM_AV_DNS_COMPUTER = 3,
	SW_NTLM_AV_DNS_DOMAIN = 4,
	SW_NTLM_AV_DNS_TREE = 5,
	SW_NTLM_AV_FLAGS = 6,
	SW_NTLM_AV_TIMESTAMP = 7,
	SW_NTLM_AV_SINGLE_HOST = 8,
	SW_NTLM_AV_TARGET_NAME = 9,
	SW_NTLM_AV_CHANNEL_BINDINGS = 10,
};

/** MsvAvFlags bit: the AUTHENTICATE_MESSAGE carries a MIC (§2.2.2.1). */
#define SW_NTLM_AVFLAG_MIC 0x00000002u

/** Fixed header sizes: without the optional Version (and MIC) fields. */
#define SW_NTLM_NEGOTIATE_HDR	 32u
#define SW_NTLM_CHALLENGE_HDR	 48u
#define SW_NTLM_AUTHENTICATE_HDR 64u
#define SW_NTLM_VERSION_LEN	 8u
#define SW_NTLM_MIC_OFF		 72u /**< MIC offset in AUTHENTICATE (after Version) */
#define SW_NTLM_MIC_LEN		 16u
/** Shortest NTLMv2 response: NTProofStr + the 28 fixed blob bytes + MsvAvEOL. */
#define SW_NTLM_V2_RESP_MIN (16u + 28u + 4u)
/** An NTLMv1 (or NTLMv1-ESS / LM) response is exactly this long. */
#define SW_NTLM_V1_RESP_LEN 24u

#define SW_NTLM_MSG_RESULTS(X)                                                                     \
	X(OK, "ok", "parsed")                                                                      \
	X(TOO_SHORT, "too_short", "shorter than the fixed header or structure")                    \
	X(TOO_BIG, "too_big", "longer than SW_NTLM_MSG_MAX")                                       \
	X(BAD_SIGNATURE, "bad_signature", "does not start with \"NTLMSSP\\0\"")                    \
	X(BAD_TYPE, "bad_type", "MessageType is not the one expected")                             \
	X(FIELD_RANGE, "field_range", "a field's offset/length points outside the message")        \
	X(FIELD_OVERLAP, "field_overlap", "a field overlaps the header or another field")          \
	X(FIELD_ODD, "field_odd", "a UTF-16 field has an odd length")                              \
	X(FIELD_TOO_LONG, "field_too_long", "a name field exceeds SW_NTLM_NAME_MAX")               \
	X(AV_TRUNC, "av_trunc", "an AV_PAIR runs past the end of its list")                        \
	X(AV_NO_EOL, "av_no_eol", "AV_PAIR list without MsvAvEOL")                                 \
	X(AV_TOO_MANY, "av_too_many", "more than SW_NTLM_AV_MAX AV_PAIRs")                         \
	X(AV_DUP, "av_dup", "an AvId appears twice")                                               \
	X(AV_BAD_LEN, "av_bad_len", "a fixed-size AV_PAIR has the wrong length")                   \
	X(V2_BAD_BLOB, "v2_bad_blob", "NTLMv2 response blob: wrong RespType/HiRespType or short")

enum sw_ntlm_msg_rc {
#define X(id, name, help) SW_NTLM_MSG_##id,
	SW_NTLM_MSG_RESULTS(X)
#undef X
		SW_NTLM_MSG_RC_MAX
};

/** Name of a result ("field_range"); "?" for an out-of-range value. */
const char *sw_ntlm_msg_rc_name(enum sw_ntlm_msg_rc rc);

/** A view into a message: never owned, never NUL-terminated. */
struct sw_ntlm_span {
	const uint8_t *p; /**< NULL when len is 0 */
	uint16_t len;
};

struct sw_ntlm_negotiate {
	uint32_t flags;
	struct sw_ntlm_span domain;	 /**< OEM */
	struct sw_ntlm_span workstation; /**< OEM */
	bool has_version;
	uint8_t version[SW_NTLM_VERSION_LEN];
};

struct sw_ntlm_challenge {
	uint32_t flags;
	struct sw_ntlm_span target_name;
	uint8_t server_challenge[8];
	struct sw_ntlm_span target_info;
	bool has_version;
	uint8_t version[SW_NTLM_VERSION_LEN];
};

struct sw_ntlm_authenticate {
	uint32_t flags;
	struct sw_ntlm_span lm_response;
	struct sw_ntlm_span nt_response;
	struct sw_ntlm_span domain;	 /**< UTF-16LE when NEGOTIATE_UNICODE */
	struct sw_ntlm_span user;	 /**< UTF-16LE when NEGOTIATE_UNICODE */
	struct sw_ntlm_span workstation; /**< UTF-16LE when NEGOTIATE_UNICODE */
	struct sw_ntlm_span enc_session_key;
	bool has_version;
	uint8_t version[SW_NTLM_VERSION_LEN];
	/** The fixed part reaches past byte 88: bytes 72..87 are the MIC field. */
	bool has_mic_field;
	uint8_t mic[SW_NTLM_MIC_LEN]; /**< copy of the MIC field, zero if absent */
};

struct sw_ntlm_av {
	uint16_t id; /**< enum sw_ntlm_av_id, or an unknown id kept as is */
	struct sw_ntlm_span value;
};

struct sw_ntlm_av_list {
	uint16_t n; /**< pairs before MsvAvEOL */
	struct sw_ntlm_av av[SW_NTLM_AV_MAX];
	uint32_t len; /**< bytes up to and including MsvAvEOL */
};

/** The NTLMv2 response (§2.2.2.8) and its NTLMv2_CLIENT_CHALLENGE (§2.2.2.7). */
struct sw_ntlm_v2_response {
	const uint8_t *proof;		 /**< NTProofStr, 16 bytes */
	struct sw_ntlm_span blob;	 /**< everything after NTProofStr ("temp" of §3.3.2) */
	uint64_t timestamp;		 /**< FILETIME, 100 ns since 1601-01-01 */
	const uint8_t *client_challenge; /**< 8 bytes */
	struct sw_ntlm_av_list av;
};

/**
 * Parse a NEGOTIATE / CHALLENGE / AUTHENTICATE message.  On error
 * *err_off (if not NULL) is the offset of the offending byte or field
 * descriptor.  UTF-16 name fields must have even length when the message
 * says NEGOTIATE_UNICODE, and user/domain/workstation are bounded by
 * SW_NTLM_NAME_MAX.
 */
enum sw_ntlm_msg_rc sw_ntlm_parse_negotiate(const uint8_t *buf, size_t len,
					    struct sw_ntlm_negotiate *out, uint32_t *err_off);
enum sw_ntlm_msg_rc sw_ntlm_parse_challenge(const uint8_t *buf, size_t len,
					    struct sw_ntlm_challenge *out, uint32_t *err_off);
enum sw_ntlm_msg_rc sw_ntlm_parse_authenticate(const uint8_t *buf, size_t len,
					       struct sw_ntlm_authenticate *out, uint32_t *err_off);

/**
 * Parse an AV_PAIR list: pairs until MsvAvEOL (required), at most
 * SW_NTLM_AV_MAX, no AvId twice, MsvAvFlags 4 bytes, MsvAvTimestamp 8 bytes.
 * Bytes after MsvAvEOL are ignored (NTLMv2 responses carry padding there).
 */
enum sw_ntlm_msg_rc sw_ntlm_av_parse(const uint8_t *buf, size_t len, struct sw_ntlm_av_list *out,
				     uint32_t *err_off);

/** First pair with @p id, or NULL. */
const struct sw_ntlm_av *sw_ntlm_av_find(const struct sw_ntlm_av_list *l, uint16_t id);

/** Value of MsvAvFlags (0 when absent) and of MsvAvTimestamp (false when absent). */
uint32_t sw_ntlm_av_flags(const struct sw_ntlm_av_list *l);
bool sw_ntlm_av_timestamp(const struct sw_ntlm_av_list *l, uint64_t *ts);

/**
 * Split an NTLMv2 NtChallengeResponse: NTProofStr, RespType 1, HiRespType 1,
 * timestamp, client challenge, AV_PAIR list.  Does not verify anything.
 */
enum sw_ntlm_msg_rc sw_ntlm_parse_v2_response(const uint8_t *buf, size_t len,
					      struct sw_ntlm_v2_response *out, uint32_t *err_off);

/*
 * Builders.  Each writes the complete message into out[0, cap) and returns
 * its length, or -ENOSPC (does not fit; out is then unspecified) or -EINVAL
 * (a field longer than 65535 bytes, NULL with non-zero length).  Payload
 * fields follow the fixed header in argument order.  The Version field is
 * written when @p version is not NULL.
 */

/** An AV_PAIR list with MsvAvEOL appended. */
int sw_ntlm_av_build(uint8_t *out, size_t cap, const struct sw_ntlm_av *av, unsigned int n);

int sw_ntlm_build_negotiate(uint8_t *out, size_t cap, uint32_t flags, struct sw_ntlm_span domain,
			    struct sw_ntlm_span workstation, const uint8_t *version);

int sw_ntlm_build_challenge(uint8_t *out, size_t cap, uint32_t flags,
			    struct sw_ntlm_span target_name, const uint8_t server_challenge[8],
			    struct sw_ntlm_span target_info, const uint8_t *version);

/**
 * AUTHENTICATE_MESSAGE.  With @p with_mic a zeroed 16-byte MIC field is laid
 * out at SW_NTLM_MIC_OFF (@p version must then be non-NULL): the caller
 * computes the MIC over the finished message and writes it there.
 */
int sw_ntlm_build_authenticate(uint8_t *out, size_t cap, uint32_t flags, struct sw_ntlm_span lm,
			       struct sw_ntlm_span nt, struct sw_ntlm_span domain,
			       struct sw_ntlm_span user, struct sw_ntlm_span workstation,
			       struct sw_ntlm_span enc_session_key, const uint8_t *version,
			       bool with_mic);

#ifdef __cplusplus
}
#endif

#endif /* SW_NTLM_MSG_H */
