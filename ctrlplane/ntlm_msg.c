/*
 * NTLM wire messages, MS-NLMP §2.2.  See ntlm_msg.h for the contract.
 */

#include <errno.h>
#include <string.h>

#include "ctrlplane/ntlm_msg.h"

static const uint8_t ntlm_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

static const char *const rc_names[SW_NTLM_MSG_RC_MAX] = {
#define X(id, name, help) [SW_NTLM_MSG_##id] = name,
	SW_NTLM_MSG_RESULTS(X)
#undef X
};

const char *
sw_ntlm_msg_rc_name(enum sw_ntlm_msg_rc rc)
{
	if ((unsigned int)rc >= SW_NTLM_MSG_RC_MAX)
		return "?";
	return rc_names[rc];
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* One field descriptor (Len, MaxLen, BufferOffset) and where it sits. */
struct fdesc {
	uint32_t desc_off; /* offset of the descriptor in the message */
	uint32_t off;
	uint16_t len;
};

static void
set_err(uint32_t *err_off, uint32_t off)
{
	if (err_off != NULL)
		*err_off = off;
}

/*
 * Common header check: size, signature, type.  @p min is the fixed header
 * without Version.
 */
static enum sw_ntlm_msg_rc
check_header(const uint8_t *buf, size_t len, uint32_t type, size_t min, uint32_t *err_off)
{
	if (len > SW_NTLM_MSG_MAX) {
		set_err(err_off, SW_NTLM_MSG_MAX);
		return SW_NTLM_MSG_TOO_BIG;
	}
	if (buf == NULL || len < 12) {
		set_err(err_off, (uint32_t)len);
		return SW_NTLM_MSG_TOO_SHORT;
	}
	if (memcmp(buf, ntlm_sig, sizeof(ntlm_sig)) != 0) {
		set_err(err_off, 0);
		return SW_NTLM_MSG_BAD_SIGNATURE;
	}
	if (le32(buf + 8) != type) {
		set_err(err_off, 8);
		return SW_NTLM_MSG_BAD_TYPE;
	}
	if (len < min) {
		set_err(err_off, (uint32_t)len);
		return SW_NTLM_MSG_TOO_SHORT;
	}
	return SW_NTLM_MSG_OK;
}

/*
 * Read @p n descriptors, check each non-empty field against [hdr, len) and
 * against each other.  On success *payload is the smallest offset of a
 * non-empty field (len if none): the fixed part (Version, MIC) ends there.
 */
static enum sw_ntlm_msg_rc
read_fields(const uint8_t *buf, size_t len, struct fdesc *f, unsigned int n, uint32_t hdr,
	    uint32_t *payload, uint32_t *err_off)
{
	uint32_t first = (uint32_t)len;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const uint8_t *d = buf + f[i].desc_off;

		f[i].len = le16(d);
		f[i].off = le32(d + 4);
		if (f[i].len == 0)
			continue;
		/* 64-bit sum: off is attacker-controlled and may be near 2^32. */
		if ((uint64_t)f[i].off + f[i].len > len) {
			set_err(err_off, f[i].desc_off);
			return SW_NTLM_MSG_FIELD_RANGE;
		}
		if (f[i].off < hdr) {
			set_err(err_off, f[i].desc_off);
			return SW_NTLM_MSG_FIELD_OVERLAP;
		}
		if (f[i].off < first)
			first = f[i].off;
	}
	for (i = 0; i < n; i++) {
		if (f[i].len == 0)
			continue;
		for (j = i + 1; j < n; j++) {
			if (f[j].len == 0)
				continue;
			if (f[i].off < f[j].off + f[j].len && f[j].off < f[i].off + f[i].len) {
				set_err(err_off, f[j].desc_off);
				return SW_NTLM_MSG_FIELD_OVERLAP;
			}
		}
	}
	*payload = first;
	return SW_NTLM_MSG_OK;
}

static struct sw_ntlm_span
span_of(const uint8_t *buf, const struct fdesc *f)
{
	struct sw_ntlm_span s = {NULL, 0};

	if (f->len != 0) {
		s.p = buf + f->off;
		s.len = f->len;
	}
	return s;
}

/* A name field: even length when UTF-16, bounded. */
static enum sw_ntlm_msg_rc
check_name(const struct fdesc *f, bool unicode, uint32_t *err_off)
{
	if (unicode && (f->len & 1) != 0) {
		set_err(err_off, f->desc_off);
		return SW_NTLM_MSG_FIELD_ODD;
	}
	if (f->len > SW_NTLM_NAME_MAX) {
		set_err(err_off, f->desc_off);
		return SW_NTLM_MSG_FIELD_TOO_LONG;
	}
	return SW_NTLM_MSG_OK;
}

/* MS-NLMP §2.2.1.1. */
enum sw_ntlm_msg_rc
sw_ntlm_parse_negotiate(const uint8_t *buf, size_t len, struct sw_ntlm_negotiate *out,
			uint32_t *err_off)
{
	struct fdesc f[2] = {{16, 0, 0}, {24, 0, 0}};
	enum sw_ntlm_msg_rc rc;
	uint32_t payload;

	memset(out, 0, sizeof(*out));
	rc = check_header(buf, len, 1, SW_NTLM_NEGOTIATE_HDR, err_off);
	if (rc != SW_NTLM_MSG_OK)
		return rc;
	out->flags = le32(buf + 12);
	rc = read_fields(buf, len, f, 2, SW_NTLM_NEGOTIATE_HDR, &payload, err_off);
	if (rc != SW_NTLM_MSG_OK)
		return rc;
	if ((rc = check_name(&f[0], false, err_off)) != SW_NTLM_MSG_OK ||
	    (rc = check_name(&f[1], false, err_off)) != SW_NTLM_MSG_OK)
		return rc;
	out->domain = span_of(buf, &f[0]);
	out->workstation = span_of(buf, &f[1]);
	if (payload >= SW_NTLM_NEGOTIATE_HDR + SW_NTLM_VERSION_LEN) {
		out->has_version = true;
		memcpy(out->version, buf + SW_NTLM_NEGOTIATE_HDR, SW_NTLM_VERSION_LEN);
	}
	return SW_NTLM_MSG_OK;
}

/* MS-NLMP §2.2.1.2. */
enum sw_ntlm_msg_rc
sw_ntlm_parse_challenge(const uint8_t *buf, size_t len, struct sw_ntlm_challenge *out,
			uint32_t *err_off)
{
	struct fdesc f[2] = {{12, 0, 0}, {40, 0, 0}};
	enum sw_ntlm_msg_rc rc;
	uint32_t payload;

	memset(out, 0, sizeof(*out));
	rc = check_header(buf, len, 2, SW_NTLM_CHALLENGE_HDR, err_off);
	if (rc != SW_NTLM_MSG_OK)
		return rc;
	out->flags = le32(buf + 20);
	memcpy(out->server_challenge, buf + 24, 8);
	rc = read_fields(buf, len, f, 2, SW_NTLM_CHALLENGE_HDR, &payload, err_off);
	if (rc != SW_NTLM_MSG_OK)
		return rc;
	rc = check_name(&f[0], (out->flags & SW_NTLM_NEGOTIATE_UNICODE) != 0, err_off);
	if (rc != SW_NTLM_MSG_OK)
		return rc;
	out->target_name = span_of(buf, &f[0]);
	out->target_info = span_of(buf, &f[1]);
	if (payload >= SW_NTLM_CHALLENGE_HDR + SW_NTLM_VERSION_LEN) {
		out->has_version = true;
		memcpy(out->version, buf + SW_NTLM_CHALLENGE_HDR, SW_NTLM_VERSION_LEN);
	}
	return SW_NTLM_MSG_OK;
}

/* MS-NLMP §2.2.1.3. */
enum sw_ntlm_msg_rc
sw_ntlm_parse_authenticate(const uint8_t *buf, size_t len, struct sw_ntlm_authenticate *out,
			   uint32_t *err_off)
{
	/* LmChallengeResponse, NtChallengeResponse, Domain, User, Workstation, EncRandSessKey */
	struct fdesc f[6] = {{12, 0, 0}, {20, 0, 0}, {28, 0, 0},
			     {36, 0, 0}, {44, 0, 0}, {52, 0, 0}};
	enum sw_ntlm_msg_rc rc;
	uint32_t payload;
	bool uni;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	rc = check_header(buf, len, 3, SW_NTLM_AUTHENTICATE_HDR, err_off);
	if (rc != SW_NTLM_MSG_OK)
		return rc;
	out->flags = le32(buf + 60);
	uni = (out->flags & SW_NTLM_NEGOTIATE_UNICODE) != 0;
	rc = read_fields(buf, len, f, 6, SW_NTLM_AUTHENTICATE_HDR, &payload, err_off);
	if (rc != SW_NTLM_MSG_OK)
		return rc;
	for (i = 2; i <= 4; i++) {
		rc = check_name(&f[i], uni, err_off);
		if (rc != SW_NTLM_MSG_OK)
			return rc;
	}
	out->lm_response = span_of(buf, &f[0]);
	out->nt_response = span_of(buf, &f[1]);
	out->domain = span_of(buf, &f[2]);
	out->user = span_of(buf, &f[3]);
	out->workstation = span_of(buf, &f[4]);
	out->enc_session_key = span_of(buf, &f[5]);
	if (payload >= SW_NTLM_AUTHENTICATE_HDR + SW_NTLM_VERSION_LEN) {
		out->has_version = true;
		memcpy(out->version, buf + SW_NTLM_AUTHENTICATE_HDR, SW_NTLM_VERSION_LEN);
	}
	if (payload >= SW_NTLM_MIC_OFF + SW_NTLM_MIC_LEN) {
		out->has_mic_field = true;
		memcpy(out->mic, buf + SW_NTLM_MIC_OFF, SW_NTLM_MIC_LEN);
	}
	return SW_NTLM_MSG_OK;
}

/* MS-NLMP §2.2.2.1. */
enum sw_ntlm_msg_rc
sw_ntlm_av_parse(const uint8_t *buf, size_t len, struct sw_ntlm_av_list *out, uint32_t *err_off)
{
	uint32_t seen = 0; /* bit per known AvId 1..10 */
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (len > SW_NTLM_MSG_MAX) {
		set_err(err_off, 0);
		return SW_NTLM_MSG_TOO_BIG;
	}
	for (;;) {
		uint16_t id, alen;

		if (len - off < 4) {
			set_err(err_off, (uint32_t)off);
			return off == len ? SW_NTLM_MSG_AV_NO_EOL : SW_NTLM_MSG_AV_TRUNC;
		}
		id = le16(buf + off);
		alen = le16(buf + off + 2);
		if ((size_t)alen > len - off - 4) {
			set_err(err_off, (uint32_t)off);
			return SW_NTLM_MSG_AV_TRUNC;
		}
		if (id == SW_NTLM_AV_EOL) {
			if (alen != 0) {
				set_err(err_off, (uint32_t)off);
				return SW_NTLM_MSG_AV_BAD_LEN;
			}
			out->len = (uint32_t)(off + 4);
			return SW_NTLM_MSG_OK;
		}
		if (out->n == SW_NTLM_AV_MAX) {
			set_err(err_off, (uint32_t)off);
			return SW_NTLM_MSG_AV_TOO_MANY;
		}
		if (id < 32) {
			if (seen & (UINT32_C(1) << id)) {
				set_err(err_off, (uint32_t)off);
				return SW_NTLM_MSG_AV_DUP;
			}
			seen |= UINT32_C(1) << id;
		} else {
			for (unsigned int i = 0; i < out->n; i++) {
				if (out->av[i].id == id) {
					set_err(err_off, (uint32_t)off);
					return SW_NTLM_MSG_AV_DUP;
				}
			}
		}
		if ((id == SW_NTLM_AV_FLAGS && alen != 4) ||
		    (id == SW_NTLM_AV_TIMESTAMP && alen != 8)) {
			set_err(err_off, (uint32_t)off);
			return SW_NTLM_MSG_AV_BAD_LEN;
		}
		out->av[out->n].id = id;
		out->av[out->n].value.p = alen != 0 ? buf + off + 4 : NULL;
		out->av[out->n].value.len = alen;
		out->n++;
		off += 4u + alen;
	}
}

const struct sw_ntlm_av *
sw_ntlm_av_find(const struct sw_ntlm_av_list *l, uint16_t id)
{
	for (unsigned int i = 0; i < l->n; i++) {
		if (l->av[i].id == id)
			return &l->av[i];
	}
	return NULL;
}

uint32_t
sw_ntlm_av_flags(const struct sw_ntlm_av_list *l)
{
	const struct sw_ntlm_av *a = sw_ntlm_av_find(l, SW_NTLM_AV_FLAGS);

	return a != NULL && a->value.len == 4 ? le32(a->value.p) : 0;
}

bool
sw_ntlm_av_timestamp(const struct sw_ntlm_av_list *l, uint64_t *ts)
{
	const struct sw_ntlm_av *a = sw_ntlm_av_find(l, SW_NTLM_AV_TIMESTAMP);

	if (a == NULL || a->value.len != 8)
		return false;
	*ts = le64(a->value.p);
	return true;
}

/* MS-NLMP §2.2.2.8 NTLMv2_RESPONSE and §2.2.2.7 NTLMv2_CLIENT_CHALLENGE. */
enum sw_ntlm_msg_rc
sw_ntlm_parse_v2_response(const uint8_t *buf, size_t len, struct sw_ntlm_v2_response *out,
			  uint32_t *err_off)
{
	enum sw_ntlm_msg_rc rc;
	uint32_t av_off = 0;

	memset(out, 0, sizeof(*out));
	if (len > SW_NTLM_MSG_MAX) {
		set_err(err_off, 0);
		return SW_NTLM_MSG_TOO_BIG;
	}
	if (buf == NULL || len < SW_NTLM_V2_RESP_MIN) {
		set_err(err_off, (uint32_t)len);
		return SW_NTLM_MSG_TOO_SHORT;
	}
	/* RespType and HiRespType are both 1 (§2.2.2.7). */
	if (buf[16] != 1 || buf[17] != 1) {
		set_err(err_off, 16);
		return SW_NTLM_MSG_V2_BAD_BLOB;
	}
	out->proof = buf;
	out->blob.p = buf + 16;
	out->blob.len = (uint16_t)(len - 16);
	out->timestamp = le64(buf + 24);
	out->client_challenge = buf + 32;
	rc = sw_ntlm_av_parse(buf + 44, len - 44, &out->av, &av_off);
	if (rc != SW_NTLM_MSG_OK) {
		set_err(err_off, 44 + av_off);
		return rc;
	}
	return SW_NTLM_MSG_OK;
}

/*
 * Builders: a fixed header followed by payload fields appended in order.
 */
struct builder {
	uint8_t *out;
	size_t cap;
	size_t len;
	int err;
};

static void
b_field(struct builder *b, uint32_t desc_off, struct sw_ntlm_span s)
{
	if (b->err != 0)
		return;
	if (s.len != 0 && s.p == NULL) {
		b->err = -EINVAL;
		return;
	}
	if (s.len > b->cap - b->len || b->len > UINT32_MAX) {
		b->err = -ENOSPC;
		return;
	}
	put16(b->out + desc_off, s.len);
	put16(b->out + desc_off + 2, s.len);
	put32(b->out + desc_off + 4, (uint32_t)b->len);
	if (s.len != 0)
		memcpy(b->out + b->len, s.p, s.len);
	b->len += s.len;
}

static int
b_start(struct builder *b, uint8_t *out, size_t cap, uint32_t type, size_t hdr)
{
	b->out = out;
	b->cap = cap > SW_NTLM_MSG_MAX ? SW_NTLM_MSG_MAX : cap;
	b->len = hdr;
	b->err = 0;
	if (out == NULL)
		return -EINVAL;
	if (hdr > b->cap)
		return -ENOSPC;
	memset(out, 0, hdr);
	memcpy(out, ntlm_sig, sizeof(ntlm_sig));
	put32(out + 8, type);
	return 0;
}

int
sw_ntlm_av_build(uint8_t *out, size_t cap, const struct sw_ntlm_av *av, unsigned int n)
{
	size_t off = 0;

	if (out == NULL || (av == NULL && n != 0))
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (av[i].id == SW_NTLM_AV_EOL || (av[i].value.len != 0 && av[i].value.p == NULL))
			return -EINVAL;
		if (cap - off < 4u + av[i].value.len)
			return -ENOSPC;
		put16(out + off, av[i].id);
		put16(out + off + 2, av[i].value.len);
		if (av[i].value.len != 0)
			memcpy(out + off + 4, av[i].value.p, av[i].value.len);
		off += 4u + av[i].value.len;
	}
	if (cap - off < 4)
		return -ENOSPC;
	memset(out + off, 0, 4);
	off += 4;
	if (off > SW_NTLM_MSG_MAX)
		return -ENOSPC;
	return (int)off;
}

int
sw_ntlm_build_negotiate(uint8_t *out, size_t cap, uint32_t flags, struct sw_ntlm_span domain,
			struct sw_ntlm_span workstation, const uint8_t *version)
{
	size_t hdr = SW_NTLM_NEGOTIATE_HDR + (version != NULL ? SW_NTLM_VERSION_LEN : 0);
	struct builder b;
	int rc = b_start(&b, out, cap, 1, hdr);

	if (rc != 0)
		return rc;
	put32(out + 12, flags);
	if (version != NULL)
		memcpy(out + SW_NTLM_NEGOTIATE_HDR, version, SW_NTLM_VERSION_LEN);
	b_field(&b, 16, domain);
	b_field(&b, 24, workstation);
	return b.err != 0 ? b.err : (int)b.len;
}

int
sw_ntlm_build_challenge(uint8_t *out, size_t cap, uint32_t flags, struct sw_ntlm_span target_name,
			const uint8_t server_challenge[8], struct sw_ntlm_span target_info,
			const uint8_t *version)
{
	size_t hdr = SW_NTLM_CHALLENGE_HDR + (version != NULL ? SW_NTLM_VERSION_LEN : 0);
	struct builder b;
	int rc;

	if (server_challenge == NULL)
		return -EINVAL;
	rc = b_start(&b, out, cap, 2, hdr);
	if (rc != 0)
		return rc;
	put32(out + 20, flags);
	memcpy(out + 24, server_challenge, 8);
	if (version != NULL)
		memcpy(out + SW_NTLM_CHALLENGE_HDR, version, SW_NTLM_VERSION_LEN);
	b_field(&b, 12, target_name);
	b_field(&b, 40, target_info);
	return b.err != 0 ? b.err : (int)b.len;
}

int
sw_ntlm_build_authenticate(uint8_t *out, size_t cap, uint32_t flags, struct sw_ntlm_span lm,
			   struct sw_ntlm_span nt, struct sw_ntlm_span domain,
			   struct sw_ntlm_span user, struct sw_ntlm_span workstation,
			   struct sw_ntlm_span enc_session_key, const uint8_t *version,
			   bool with_mic)
{
	size_t hdr = SW_NTLM_AUTHENTICATE_HDR;
	struct builder b;
	int rc;

	if (with_mic && version == NULL)
		return -EINVAL;
	if (version != NULL)
		hdr += SW_NTLM_VERSION_LEN;
	if (with_mic)
		hdr += SW_NTLM_MIC_LEN;
	rc = b_start(&b, out, cap, 3, hdr);
	if (rc != 0)
		return rc;
	put32(out + 60, flags);
	if (version != NULL)
		memcpy(out + SW_NTLM_AUTHENTICATE_HDR, version, SW_NTLM_VERSION_LEN);
	b_field(&b, 28, domain);
	b_field(&b, 36, user);
	b_field(&b, 44, workstation);
	b_field(&b, 12, lm);
	b_field(&b, 20, nt);
	b_field(&b, 52, enc_session_key);
	return b.err != 0 ? b.err : (int)b.len;
}
