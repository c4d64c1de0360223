/*
 * Compact keys (sig.h): the per-direction key state an SA record keeps for
 * the polling lcores.  Verification and signing resume the HMAC from the
 * pad states (crypto/mac_ref.c), so no raw key is needed; the token framing
 * is the full keys' (sig_ntlm.c, sig_krb.c).
 */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/mac_priv.h"
#include "crypto/sig_priv.h"

/* Bytes before the pad states: NTLM's keystream, rc4-hmac's Kseq step. */
static size_t
aux_len(const struct sw_sig_ckey *ck)
{
	if (ck->scheme == SW_SCHEME_NTLM)
		return 8;
	if (ck->enctype == SW_ENCTYPE_RC4_HMAC)
		return 16;
	return 0;
}

static const uint8_t *
ipad(const struct sw_sig_ckey *ck)
{
	return ck->b + aux_len(ck);
}

static const uint8_t *
opad(const struct sw_sig_ckey *ck)
{
	return ck->b + aux_len(ck) + ck->state_len;
}

static size_t
round8(size_t n)
{
	return (n + 7u) & ~(size_t)7u;
}

size_t
sw_sig_ckey_size(const struct sw_sig_ckey *ck)
{
	return round8(8u + aux_len(ck) + 2u * ck->state_len);
}

size_t
sw_sig_ckey_size_of(const struct sw_sig_key *k)
{
	struct sw_sig_ckey h;

	if (k == NULL || (k->scheme != SW_SCHEME_NTLM && k->scheme != SW_SCHEME_KERBEROS) ||
	    sw_mac_state_len((enum sw_mac_alg)k->mac.alg) == 0)
		return 0;
	h.scheme = k->scheme;
	h.enctype = k->enctype;
	h.state_len = (uint8_t)sw_mac_state_len((enum sw_mac_alg)k->mac.alg);
	return sw_sig_ckey_size(&h);
}

int
sw_sig_ckey_init(struct sw_sig_ckey *ck, size_t cap, const struct sw_sig_key *k)
{
	size_t need = sw_sig_ckey_size_of(k);
	uint8_t *p;

	if (ck == NULL || need == 0)
		return -EINVAL;
	if (cap < need)
		return -ENOSPC;
	memset(ck, 0, need);
	ck->alg = k->mac.alg;
	ck->state_len = (uint8_t)sw_mac_state_len((enum sw_mac_alg)k->mac.alg);
	ck->scheme = k->scheme;
	ck->enctype = k->enctype;
	ck->dir = k->dir;
	ck->cksum_len = k->cksum_len;
	ck->token_len = k->token_len;
	ck->tok_flags = k->tok_flags;
	p = ck->b;
	if (k->scheme == SW_SCHEME_NTLM)
		memcpy(p, k->ntlm_ks, 8);
	else if (k->enctype == SW_ENCTYPE_RC4_HMAC)
		memcpy(p, k->rc4_kseq, 16);
	p += aux_len(ck);
	memcpy(p, k->mac.ipad_state, ck->state_len);
	memcpy(p + ck->state_len, k->mac.opad_state, ck->state_len);
	return (int)need;
}

void
sw_sig_ckey_wipe(struct sw_sig_ckey *ck)
{
	if (ck != NULL)
		OPENSSL_cleanse(ck, sw_sig_ckey_size(ck));
}

static int
ckey_ok(const struct sw_sig_ckey *ck)
{
	if (ck == NULL || sw_mac_state_len((enum sw_mac_alg)ck->alg) != ck->state_len)
		return 0;
	if (ck->scheme == SW_SCHEME_NTLM)
		return ck->token_len == SW_SIG_NTLM_TOKEN_LEN;
	if (ck->scheme == SW_SCHEME_KERBEROS)
		return ck->token_len != 0 && ck->token_len <= SW_SIG_TOKEN_MAX;
	return 0;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The mechanism's checksum of @p buf (full digest in @p d), as sig_ntlm.c /
 * sig_krb.c compute it, but from the pad states.  @p hdr: the CFX token
 * header (16 bytes), appended to the message (RFC 4121 §4.2.4). */
static void
cksum(const struct sw_sig_ckey *ck, const uint8_t *buf, size_t len, const uint8_t *hdr,
      uint8_t d[SW_SIG_DIGEST_MAX])
{
	const uint8_t *p[3];
	size_t l[3];
	uint8_t pre[4];

	if (ck->scheme == SW_SCHEME_NTLM) {
		/* MS-NLMP §3.4.4.2: HMAC_MD5(SignKey, LE32(seq) | msg). */
		put_le32(pre, SW_NTLM_SEQ);
		p[0] = pre, l[0] = 4;
		p[1] = buf, l[1] = len;
		sw_mac_ref_hmac_st(SW_MAC_HMAC_MD5, ipad(ck), opad(ck), p, l, 2, d);
	} else if (ck->enctype == SW_ENCTYPE_RC4_HMAC) {
		/* RFC 4757 §7.2: HMAC-MD5(Ksign, MD5(LE32(15) | hdr8 | msg)). */
		put_le32(pre, SW_SIG_RC4_USAGE);
		p[0] = pre, l[0] = 4;
		p[1] = sw_sig_rc4_hdr, l[1] = SW_SIG_RC4_HDR_LEN;
		p[2] = buf, l[2] = len;
		sw_mac_ref_hmac_st(SW_MAC_HMAC_MD5_OF_MD5, ipad(ck), opad(ck), p, l, 3, d);
	} else {
		p[0] = buf, l[0] = len;
		p[1] = hdr, l[1] = SW_SIG_CFX_HDR_LEN;
		sw_mac_ref_hmac_st(ck->alg, ipad(ck), opad(ck), p, l, 2, d);
	}
}

/* RFC 4757 §7.2 SND_SEQ with Kseq = HMAC-MD5(Kseq step, SGN_CKSUM) (sig_krb.c). */
static int
rc4_seq_crypt(const struct sw_sig_ckey *ck, const uint8_t cksum8[8], const uint8_t in[8],
	      uint8_t out[8])
{
	const struct sw_sig_iov iov = {cksum8, 8};
	uint8_t kseq[SW_SIG_DIGEST_MAX];
	int ret;

	ret = sw_sig_hmac(SW_MAC_HMAC_MD5, ck->b, 16, &iov, 1, kseq);
	if (ret >= 0)
		ret = sw_sig_rc4(kseq, in, out, 8);
	sw_wipe(kseq, sizeof(kseq));
	return ret < 0 ? ret : 0;
}

/* MS-NLMP §2.2.2.9.2 signature: Version 1, the first 8 checksum bytes under
 * the sealing keystream (§3.4.4.2), SeqNum.  @return its length. */
static int
ntlm_token(const struct sw_sig_ckey *ck, const uint8_t *d, uint8_t *token)
{
	unsigned int i;

	put_le32(token, 1);
	for (i = 0; i < 8; i++)
		token[4 + i] = d[i] ^ ck->b[i];
	put_le32(token + 12, SW_NTLM_SEQ);
	return SW_SIG_NTLM_TOKEN_LEN;
}

/* RFC 4121 §4.2.6.1 MIC token header: TOK_ID 04 04, flags, five 0xff
 * filler bytes, SND_SEQ (64-bit, big-endian). */
static void
cfx_hdr(const struct sw_sig_ckey *ck, uint64_t seq, uint8_t *hdr)
{
	hdr[0] = 0x04;
	hdr[1] = 0x04;
	hdr[2] = (uint8_t)((ck->dir == SW_DIR_S2C ? SW_SIG_CFX_FLAG_SENT_BY_ACCEPTOR : 0) |
			   ck->tok_flags);
	memset(hdr + 3, 0xff, 5);
	put_be32(hdr + 8, (uint32_t)(seq >> 32));
	put_be32(hdr + 12, (uint32_t)seq);
}

int
sw_sig_ckey_sign(const struct sw_sig_ckey *ck, const uint8_t *buf, size_t len, uint64_t seq,
		 uint8_t *token, size_t token_cap)
{
	uint8_t d[SW_SIG_DIGEST_MAX], plain[8];
	int ret;

	if (!ckey_ok(ck) || (buf == NULL && len != 0) || token == NULL)
		return -EINVAL;
	if (token_cap < ck->token_len)
		return -ENOSPC;
	if (ck->scheme == SW_SCHEME_NTLM) {
		cksum(ck, buf, len, NULL, d);
		ret = ntlm_token(ck, d, token);
	} else if (ck->enctype == SW_ENCTYPE_RC4_HMAC) {
		cksum(ck, buf, len, NULL, d);
		memcpy(token, sw_sig_rc4_frame, SW_SIG_RC4_FRAME_LEN);
		memcpy(token + SW_SIG_RC4_FRAME_LEN, sw_sig_rc4_hdr, SW_SIG_RC4_HDR_LEN);
		memcpy(token + SW_SIG_RC4_CKSUM_OFF, d, 8);
		put_be32(plain, (uint32_t)seq);
		memset(plain + 4, ck->dir == SW_DIR_C2S ? 0x00 : 0xff, 4);
		ret = rc4_seq_crypt(ck, d, plain, token + SW_SIG_RC4_SEQ_OFF);
		ret = ret < 0 ? ret : (int)SW_SIG_RC4_TOKEN_LEN;
	} else {
		cfx_hdr(ck, seq, token);
		cksum(ck, buf, len, token, d);
		memcpy(token + SW_SIG_CFX_HDR_LEN, d, ck->cksum_len);
		ret = ck->token_len;
	}
	sw_wipe(d, sizeof(d));
	return ret;
}

static int
rc4_dir_check(const struct sw_sig_ckey *ck, const uint8_t cksum8[8], const uint8_t seq8[8])
{
	uint8_t plain[8], want;
	int ret;

	ret = rc4_seq_crypt(ck, cksum8, seq8, plain);
	if (ret != 0)
		return ret;
	want = ck->dir == SW_DIR_C2S ? 0x00 : 0xff;
	if (plain[4] != want || plain[5] != want || plain[6] != want || plain[7] != want)
		return -EBADMSG;
	return 0;
}

int
sw_sig_ckey_post_check(const struct sw_sig_ckey *ck, const uint8_t *token, size_t token_len)
{
	if (!ckey_ok(ck) || (token == NULL && token_len != 0))
		return -EINVAL;
	if (token_len != ck->token_len)
		return -EBADMSG;
	if (ck->scheme != SW_SCHEME_KERBEROS || ck->enctype != SW_ENCTYPE_RC4_HMAC)
		return 0;
	return rc4_dir_check(ck, token + SW_SIG_RC4_CKSUM_OFF, token + SW_SIG_RC4_SEQ_OFF);
}

int
sw_sig_ckey_job_post_check(const struct sw_sig_ckey *ck, const struct sw_mac_job *job)
{
	if (!ckey_ok(ck) || job == NULL || job->tag == NULL)
		return -EINVAL;
	if (ck->scheme != SW_SCHEME_KERBEROS || ck->enctype != SW_ENCTYPE_RC4_HMAC)
		return 0;
	return rc4_dir_check(ck, job->tag, job->tag + SW_SIG_RC4_SEQ_STASH);
}

int
sw_sig_ckey_verify(const struct sw_sig_ckey *ck, const uint8_t *buf, size_t len,
		   const uint8_t *token, size_t token_len)
{
	uint8_t d[SW_SIG_DIGEST_MAX], want[SW_SIG_DIGEST_MAX];
	unsigned int i;
	int ok;

	if (!ckey_ok(ck) || (buf == NULL && len != 0) || (token == NULL && token_len != 0))
		return -EINVAL;
	if (token_len != ck->token_len)
		return -EBADMSG;
	if (ck->scheme == SW_SCHEME_NTLM) {
		if (!sw_sig_ntlm_framing_ok(token))
			return -EBADMSG;
		cksum(ck, buf, len, NULL, d);
		for (i = 0; i < 8; i++)
			want[i] = token[4 + i] ^ ck->b[i];
		ok = CRYPTO_memcmp(d, want, 8) == 0;
	} else if (ck->enctype == SW_ENCTYPE_RC4_HMAC) {
		if (!sw_sig_rc4_framing_ok(token))
			return -EBADMSG;
		cksum(ck, buf, len, NULL, d);
		ok = CRYPTO_memcmp(d, token + SW_SIG_RC4_CKSUM_OFF, ck->cksum_len) == 0;
		if (ok)
			ok = sw_sig_ckey_post_check(ck, token, token_len) == 0;
	} else {
		if (!sw_sig_cfx_framing_ok(ck->dir, token))
			return -EBADMSG;
		/* The header the peer sent (its flags and sequence number) is signed. */
		cksum(ck, buf, len, token, d);
		ok = CRYPTO_memcmp(d, token + SW_SIG_CFX_HDR_LEN, ck->cksum_len) == 0;
	}
	sw_wipe(d, sizeof(d));
	sw_wipe(want, sizeof(want));
	return ok ? 0 : -EBADMSG;
}

/* A job of the compact key over msg[0, msg_len) (its tag is the caller's). */
static void
job_over(const struct sw_sig_ckey *ck, const uint8_t *msg, uint32_t msg_len, uint8_t tag_len,
	 struct sw_mac_job *job)
{
	job->key = NULL;
	job->alg = ck->alg;
	job->ipad = ipad(ck);
	job->opad = opad(ck);
	job->msg = msg;
	job->msg_len = msg_len;
	job->tag_len = tag_len;
}

/* Bytes the NTLM / CFX framing adds around a signed buffer. */
static uint32_t
frame_len(const struct sw_sig_ckey *ck)
{
	return ck->scheme == SW_SCHEME_NTLM ? 4u : SW_SIG_CFX_HDR_LEN;
}

/*
 * The job over what cksum() hashes for an NTLM or CFX key, framed in the
 * slot's head / tail room: NTLM's LE32(seq) before the buffer, the CFX
 * token header @p hdr after it.  The caller checked len + frame_len().
 */
static void
frame_job(const struct sw_sig_ckey *ck, uint8_t *slot, uint32_t len, const uint8_t *hdr,
	  struct sw_mac_job *job)
{
	uint8_t *msg;

	if (ck->scheme == SW_SCHEME_NTLM) {
		msg = slot + SW_SIG_HEADROOM - 4;
		put_le32(msg, SW_NTLM_SEQ);
		job_over(ck, msg, len + 4, 8, job);
	} else {
		msg = slot + SW_SIG_HEADROOM;
		memcpy(msg + len, hdr, SW_SIG_CFX_HDR_LEN);
		job_over(ck, msg, len + SW_SIG_CFX_HDR_LEN, ck->cksum_len, job);
	}
}

/* sig_ntlm.c / sig_krb.c job_prep framing, with the compact key's states. */
int
sw_sig_ckey_job_prep(const struct sw_sig_ckey *ck, uint8_t *slot, uint32_t len,
		     const uint8_t *token, size_t token_len, uint8_t tag_scratch[SW_MAC_TAG_MAX],
		     struct sw_mac_job *job)
{
	uint8_t *msg;
	unsigned int i;

	if (!ckey_ok(ck) || slot == NULL || tag_scratch == NULL || job == NULL ||
	    (token == NULL && token_len != 0))
		return -EINVAL;
	if (token_len != ck->token_len)
		return -EBADMSG;
	if (ck->scheme == SW_SCHEME_KERBEROS && ck->enctype == SW_ENCTYPE_RC4_HMAC) {
		if (!sw_sig_rc4_framing_ok(token))
			return -EBADMSG;
		if ((size_t)len + 4 + SW_SIG_RC4_HDR_LEN > SW_MAC_MSG_MAX)
			return -EMSGSIZE;
		msg = slot + SW_SIG_HEADROOM - 4 - SW_SIG_RC4_HDR_LEN;
		put_le32(msg, SW_SIG_RC4_USAGE);
		memcpy(msg + 4, sw_sig_rc4_hdr, SW_SIG_RC4_HDR_LEN);
		memcpy(tag_scratch, token + SW_SIG_RC4_CKSUM_OFF, ck->cksum_len);
		memcpy(tag_scratch + SW_SIG_RC4_SEQ_STASH, token + SW_SIG_RC4_SEQ_OFF, 8);
		job_over(ck, msg, len + 4 + SW_SIG_RC4_HDR_LEN, ck->cksum_len, job);
		job->tag = tag_scratch;
		return 0;
	}
	if (ck->scheme == SW_SCHEME_NTLM ? !sw_sig_ntlm_framing_ok(token)
					 : !sw_sig_cfx_framing_ok(ck->dir, token))
		return -EBADMSG;
	if ((size_t)len + frame_len(ck) > SW_MAC_MSG_MAX)
		return -EMSGSIZE;
	if (ck->scheme == SW_SCHEME_NTLM)
		for (i = 0; i < 8; i++)
			tag_scratch[i] = token[4 + i] ^ ck->b[i];
	else
		memcpy(tag_scratch, token + SW_SIG_CFX_HDR_LEN, ck->cksum_len);
	frame_job(ck, slot, len, token, job);
	job->tag = tag_scratch;
	return 0;
}

/*
 * Batch signing (sig.h): the job hashes what cksum() hashes; for CFX the
 * token header is written first, as it is also the token's first 16 bytes.
 */
int
sw_sig_ckey_sign_prep(const struct sw_sig_ckey *ck, uint8_t *slot, uint32_t len, uint64_t seq,
		      uint8_t token[SW_SIG_TOKEN_MAX], struct sw_mac_job *job)
{
	if (!ckey_ok(ck) || slot == NULL || token == NULL || job == NULL)
		return -EINVAL;
	if (ck->scheme == SW_SCHEME_KERBEROS && ck->enctype == SW_ENCTYPE_RC4_HMAC)
		return -ENOTSUP;
	if ((size_t)len + frame_len(ck) > SW_MAC_MSG_MAX)
		return -EMSGSIZE;
	if (ck->scheme != SW_SCHEME_NTLM)
		cfx_hdr(ck, seq, token);
	frame_job(ck, slot, len, token, job);
	job->tag = NULL;
	return 0;
}

int
sw_sig_ckey_sign_finish(const struct sw_sig_ckey *ck, const uint8_t digest[SW_MAC_TAG_MAX],
			uint8_t token[SW_SIG_TOKEN_MAX])
{
	if (!ckey_ok(ck) || digest == NULL || token == NULL)
		return -EINVAL;
	if (ck->scheme == SW_SCHEME_NTLM)
		return ntlm_token(ck, digest, token);
	if (ck->enctype == SW_ENCTYPE_RC4_HMAC)
		return -EINVAL;
	memcpy(token + SW_SIG_CFX_HDR_LEN, digest, ck->cksum_len);
	return ck->token_len;
}
