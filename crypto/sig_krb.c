/*
 * Kerberos GSS MIC tokens: RFC 4121 §4.2.6.1 for the CFX enctypes 17-20
 * (keys from RFC 3961/3962 DK or RFC 8009's KDF), RFC 4757 §7.2 for
 * rc4-hmac, byte for byte as MIT krb5 emits them (k5sealv3.c, k5seal.c,
 * util_seqnum.c).
 */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/sig_priv.h"

/* RFC 4121 §2: key usages of MIC tokens. */
#define KG_USAGE_ACCEPTOR_SIGN	23u
#define KG_USAGE_INITIATOR_SIGN 25u

/* RFC 3961 §5.3: Kc = DK(base key, BE32(usage) | 0x99). */
#define KRB_KC_CONSTANT 0x99u

/*
 * RFC 2743 §3.1 framing in front of MIT's rc4-hmac MIC: [APPLICATION 0],
 * inner length 35 (OID + TOK_ID + 22 body bytes), the krb5 mechanism OID
 * 1.2.840.113554.1.2.2.
 */
const uint8_t sw_sig_rc4_frame[SW_SIG_RC4_FRAME_LEN] = {
	0x60, 0x23, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02,
};

/* RFC 4757 §7.2: TOK_ID 01 01, SGN_ALG 11 00 (HMAC-MD5), Filler FF FF FF FF. */
const uint8_t sw_sig_rc4_hdr[SW_SIG_RC4_HDR_LEN] = {
	0x01, 0x01, 0x11, 0x00, 0xff, 0xff, 0xff, 0xff,
};

/* RFC 4757 §4: Ksign = HMAC-MD5(K, "signaturekey\0"). */
static const char rc4_signature_key[] = "signaturekey";

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
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
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* Per-enctype sizes: base key, derived Kc, checksum in the token, HMAC. */
struct krb_params {
	uint8_t key_len;
	uint8_t kc_len;
	uint8_t cksum_len;
	uint8_t alg; /* enum sw_mac_alg */
};

static int
krb_params_of(int enctype, struct krb_params *p)
{
	switch (enctype) {
	case SW_ENCTYPE_AES128_SHA1: /* RFC 3962 §6: hmac-sha1-96-aes128 */
		*p = (struct krb_params){16, 16, 12, SW_MAC_HMAC_SHA1};
		return 0;
	case SW_ENCTYPE_AES256_SHA1:
		*p = (struct krb_params){32, 32, 12, SW_MAC_HMAC_SHA1};
		return 0;
	case SW_ENCTYPE_AES128_SHA256: /* RFC 8009 §5: Kc is 128 bits */
		*p = (struct krb_params){16, 16, 16, SW_MAC_HMAC_SHA256};
		return 0;
	case SW_ENCTYPE_AES256_SHA384: /* RFC 8009 §5: Kc is 192 bits */
		*p = (struct krb_params){32, 24, 24, SW_MAC_HMAC_SHA384};
		return 0;
	case SW_ENCTYPE_RC4_HMAC: /* RFC 4757: Ksign, HMAC-MD5 truncated to 8 */
		*p = (struct krb_params){16, 16, 8, SW_MAC_HMAC_MD5_OF_MD5};
		return 0;
	default:
		return -ENOTSUP;
	}
}

static int
is_cfx(const struct sw_sig_key *k)
{
	return k->scheme == SW_SCHEME_KERBEROS && k->enctype != SW_ENCTYPE_RC4_HMAC;
}

/* RFC 4757 §4: Ksign; §7.2: HMAC-MD5(Kss, LE32(0)), the first step of Kseq. */
static int
rc4_keys(const uint8_t *kss, struct sw_sig_key *k)
{
	struct sw_sig_iov iov;
	uint8_t ksign[SW_SIG_DIGEST_MAX];
	uint8_t kseq[SW_SIG_DIGEST_MAX];
	uint8_t zero[4] = {0};
	int ret;

	iov = (struct sw_sig_iov){(const uint8_t *)rc4_signature_key, sizeof(rc4_signature_key)};
	ret = sw_sig_hmac(SW_MAC_HMAC_MD5, kss, 16, &iov, 1, ksign);
	if (ret < 0)
		goto cleanup;
	iov = (struct sw_sig_iov){zero, sizeof(zero)};
	ret = sw_sig_hmac(SW_MAC_HMAC_MD5, kss, 16, &iov, 1, kseq);
	if (ret < 0)
		goto cleanup;
	memcpy(k->rc4_kseq, kseq, sizeof(k->rc4_kseq));
	ret = sw_mac_key_init(&k->mac, SW_MAC_HMAC_MD5_OF_MD5, ksign, 16);

cleanup:
	OPENSSL_cleanse(ksign, sizeof(ksign));
	OPENSSL_cleanse(kseq, sizeof(kseq));
	return ret < 0 ? ret : 0;
}

/*
 * Derive the MIC key of one direction from the context key (RFC 4121 §2:
 * usage 25 when the initiator signs, 23 when the acceptor signs; RFC 4757
 * uses one Ksign for both, the direction lives in SND_SEQ).
 */
int
sw_sig_key_init_krb(struct sw_sig_key *k, int enctype, const uint8_t *key, size_t key_len,
		    enum sw_dir dir)
{
	struct krb_params p;
	struct sw_sig_key tmp;
	uint8_t kc[SW_SIG_DIGEST_MAX];
	uint8_t constant[5];
	int ret;

	if (k == NULL || key == NULL || (dir != SW_DIR_C2S && dir != SW_DIR_S2C))
		return -EINVAL;
	ret = krb_params_of(enctype, &p);
	if (ret != 0)
		return ret;
	if (key_len != p.key_len)
		return -EINVAL;
	if (sw_sig_ossl_init() != 0)
		return -ENOTSUP;

	memset(&tmp, 0, sizeof(tmp));
	tmp.scheme = SW_SCHEME_KERBEROS;
	tmp.enctype = (uint8_t)enctype;
	tmp.dir = (uint8_t)dir;
	tmp.cksum_len = p.cksum_len;

	if (enctype == SW_ENCTYPE_RC4_HMAC) {
		tmp.token_len = SW_SIG_RC4_TOKEN_LEN;
		ret = rc4_keys(key, &tmp);
	} else {
		tmp.token_len = (uint8_t)(SW_SIG_CFX_HDR_LEN + p.cksum_len);
		put_be32(constant,
			 dir == SW_DIR_C2S ? KG_USAGE_INITIATOR_SIGN : KG_USAGE_ACCEPTOR_SIGN);
		constant[4] = KRB_KC_CONSTANT;
		ret = sw_sig_krb_derive(enctype, key, key_len, constant, sizeof(constant), kc,
					p.kc_len);
		if (ret == 0)
			ret = sw_mac_key_init(&tmp.mac, (enum sw_mac_alg)p.alg, kc, p.kc_len);
	}
	if (ret != 0) {
		ret = ret == -EIO ? -ENOTSUP : ret;
		goto cleanup;
	}

	memcpy(k, &tmp, sizeof(*k));

cleanup:
	OPENSSL_cleanse(kc, sizeof(kc));
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return ret;
}

/* RFC 4121 §4.2.2: AcceptorSubkey in the flags of the tokens we sign. */
int
sw_sig_key_set_acceptor_subkey(struct sw_sig_key *k, int on)
{
	if (k == NULL || !is_cfx(k))
		return -EINVAL;
	k->tok_flags = on ? SW_SIG_KRB_FLAG_ACCEPTOR_SUBKEY : 0;
	return 0;
}

/* RFC 4121 §4.2.4: checksum over the plaintext followed by the 16-byte header. */
static int
cfx_cksum(const struct sw_sig_key *k, const uint8_t *buf, size_t len, const uint8_t *hdr,
	  uint8_t out[SW_SIG_DIGEST_MAX])
{
	const struct sw_sig_iov iov[2] = {{buf, len}, {hdr, SW_SIG_CFX_HDR_LEN}};

	return sw_sig_hmac((enum sw_mac_alg)k->mac.alg, k->mac.raw, k->mac.raw_len, iov, 2, out);
}

/* RFC 4757 §4 with usage 15 (§7.2): HMAC-MD5(Ksign, MD5(LE32(15) | hdr8 | buf)). */
static int
rc4_cksum(const struct sw_sig_key *k, const uint8_t *buf, size_t len,
	  uint8_t out[SW_SIG_DIGEST_MAX])
{
	uint8_t usage[4], md5[16];
	struct sw_sig_iov iov[3];
	int ret;

	put_le32(usage, SW_SIG_RC4_USAGE);
	iov[0] = (struct sw_sig_iov){usage, sizeof(usage)};
	iov[1] = (struct sw_sig_iov){sw_sig_rc4_hdr, sizeof(sw_sig_rc4_hdr)};
	iov[2] = (struct sw_sig_iov){buf, len};
	ret = sw_sig_md5(iov, 3, md5);
	if (ret != 0)
		return ret;
	iov[0] = (struct sw_sig_iov){md5, sizeof(md5)};
	return sw_sig_hmac(SW_MAC_HMAC_MD5, k->mac.raw, k->mac.raw_len, iov, 1, out);
}

/*
 * RFC 4757 §7.2 as MIT's kg_make_seq_num() does it: SND_SEQ = RC4(Kseq,
 * BE32(seq) | 4 direction bytes), Kseq = HMAC-MD5(HMAC-MD5(Kss, LE32(0)),
 * SGN_CKSUM).  The direction bytes are 00 when the initiator sends and FF
 * when the acceptor does.  RC4 is its own inverse, so this also decrypts.
 */
static int
rc4_seq_crypt(const struct sw_sig_key *k, const uint8_t cksum[8], const uint8_t in[8],
	      uint8_t out[8])
{
	const struct sw_sig_iov iov = {cksum, 8};
	uint8_t kseq[SW_SIG_DIGEST_MAX];
	int ret;

	ret = sw_sig_hmac(SW_MAC_HMAC_MD5, k->rc4_kseq, sizeof(k->rc4_kseq), &iov, 1, kseq);
	if (ret >= 0)
		ret = sw_sig_rc4(kseq, in, out, 8);
	OPENSSL_cleanse(kseq, sizeof(kseq));
	return ret < 0 ? ret : 0;
}

static uint8_t
rc4_dir_byte(const struct sw_sig_key *k)
{
	return k->dir == SW_DIR_C2S ? 0x00 : 0xff;
}

/*
 * Only the IETF krb5 OID is accepted, as MIT's g_verify_token_header() does
 * for a context established with it (Microsoft's legacy 1.2.840.48018.1.2.2
 * would be one bit away and is not covered by the checksum).
 */
int
sw_sig_rc4_framing_ok(const uint8_t *token)
{
	return memcmp(token, sw_sig_rc4_frame, sizeof(sw_sig_rc4_frame)) == 0 &&
	       memcmp(token + SW_SIG_RC4_FRAME_LEN, sw_sig_rc4_hdr, sizeof(sw_sig_rc4_hdr)) == 0;
}

/*
 * RFC 4121 §4.2.6.1 framing.  Flags: SentByAcceptor must say who signed
 * (§4.2.2), Sealed must be clear in a MIC; AcceptorSubkey is the peer's
 * business (the checksum fails if it named the wrong key).
 */
int
sw_sig_cfx_framing_ok(unsigned int dir, const uint8_t *token)
{
	uint8_t sent_by = dir == SW_DIR_S2C ? SW_SIG_CFX_FLAG_SENT_BY_ACCEPTOR : 0;
	unsigned int i;

	if (token[0] != 0x04 || token[1] != 0x04)
		return 0;
	if ((token[2] & (uint8_t)~SW_SIG_KRB_FLAG_ACCEPTOR_SUBKEY) != sent_by)
		return 0;
	for (i = 3; i < 8; i++) {
		if (token[i] != 0xff)
			return 0;
	}
	return 1;
}

static int
rc4_sign(const struct sw_sig_key *k, const uint8_t *buf, size_t len, uint64_t seq, uint8_t *token)
{
	uint8_t d[SW_SIG_DIGEST_MAX];
	uint8_t plain[8];
	int ret;

	ret = rc4_cksum(k, buf, len, d);
	if (ret < 0)
		return ret;
	memcpy(token, sw_sig_rc4_frame, sizeof(sw_sig_rc4_frame));
	memcpy(token + SW_SIG_RC4_FRAME_LEN, sw_sig_rc4_hdr, sizeof(sw_sig_rc4_hdr));
	memcpy(token + SW_SIG_RC4_CKSUM_OFF, d, 8);
	/* Microsoft's sequence number is big-endian (MIT util_seqnum.c). */
	put_be32(plain, (uint32_t)seq);
	memset(plain + 4, rc4_dir_byte(k), 4);
	ret = rc4_seq_crypt(k, d, plain, token + SW_SIG_RC4_SEQ_OFF);
	return ret < 0 ? ret : (int)SW_SIG_RC4_TOKEN_LEN;
}

/* Build a MIC token (RFC 4121 §4.2.6.1 or RFC 4757 §7.2). */
int
sw_sig_krb_sign(const struct sw_sig_key *k, const uint8_t *buf, size_t len, uint64_t seq,
		uint8_t *token)
{
	uint8_t d[SW_SIG_DIGEST_MAX];
	int ret;

	if (k->enctype == SW_ENCTYPE_RC4_HMAC)
		return rc4_sign(k, buf, len, seq, token);

	token[0] = 0x04;
	token[1] = 0x04;
	token[2] = (uint8_t)((k->dir == SW_DIR_S2C ? SW_SIG_CFX_FLAG_SENT_BY_ACCEPTOR : 0) |
			     k->tok_flags);
	memset(token + 3, 0xff, 5);
	put_be64(token + 8, seq);
	ret = cfx_cksum(k, buf, len, token, d);
	if (ret < 0)
		return ret;
	memcpy(token + SW_SIG_CFX_HDR_LEN, d, k->cksum_len);
	return k->token_len;
}

/* RFC 4757 §7.2 direction check of a (checksum, SND_SEQ) whose checksum matched. */
int
sw_sig_rc4_dir_check(const struct sw_sig_key *k, const uint8_t cksum[8], const uint8_t seq[8])
{
	uint8_t plain[8];
	uint8_t want = rc4_dir_byte(k);
	int ret;

	ret = rc4_seq_crypt(k, cksum, seq, plain);
	if (ret != 0)
		return ret;
	if (plain[4] != want || plain[5] != want || plain[6] != want || plain[7] != want)
		return -EBADMSG;
	return 0;
}

int
sw_sig_rc4_post_check(const struct sw_sig_key *k, const uint8_t *token)
{
	return sw_sig_rc4_dir_check(k, token + SW_SIG_RC4_CKSUM_OFF, token + SW_SIG_RC4_SEQ_OFF);
}

/* Scalar MIC verification; the token length has been checked. */
int
sw_sig_krb_verify(const struct sw_sig_key *k, const uint8_t *buf, size_t len, const uint8_t *token)
{
	uint8_t d[SW_SIG_DIGEST_MAX];
	int ret;

	if (k->enctype == SW_ENCTYPE_RC4_HMAC) {
		if (!sw_sig_rc4_framing_ok(token))
			return -EBADMSG;
		ret = rc4_cksum(k, buf, len, d);
		if (ret < 0)
			return ret;
		if (CRYPTO_memcmp(d, token + SW_SIG_RC4_CKSUM_OFF, k->cksum_len) != 0)
			return -EBADMSG;
		return sw_sig_rc4_post_check(k, token);
	}

	if (!sw_sig_cfx_framing_ok(k->dir, token))
		return -EBADMSG;
	/* The header the peer sent (its flags and sequence number) is signed. */
	ret = cfx_cksum(k, buf, len, token, d);
	if (ret < 0)
		return ret;
	if (CRYPTO_memcmp(d, token + SW_SIG_CFX_HDR_LEN, k->cksum_len) != 0)
		return -EBADMSG;
	return 0;
}

/*
 * Batch job: CFX appends the received 16-byte header after the buffer
 * (RFC 4121 §4.2.4); rc4-hmac puts LE32(15) | hdr8 before it, the input of
 * the inner MD5 of RFC 4757 §4.  The token length has been checked.
 */
int
sw_sig_krb_job_prep(const struct sw_sig_key *k, uint8_t *slot, uint32_t len, const uint8_t *token,
		    uint8_t tag_scratch[SW_MAC_TAG_MAX], struct sw_mac_job *job)
{
	uint8_t *msg;

	if (k->enctype == SW_ENCTYPE_RC4_HMAC) {
		if (!sw_sig_rc4_framing_ok(token))
			return -EBADMSG;
		if ((size_t)len + 4 + SW_SIG_RC4_HDR_LEN > SW_MAC_MSG_MAX)
			return -EMSGSIZE;
		msg = slot + SW_SIG_HEADROOM - 4 - SW_SIG_RC4_HDR_LEN;
		put_le32(msg, SW_SIG_RC4_USAGE);
		memcpy(msg + 4, sw_sig_rc4_hdr, sizeof(sw_sig_rc4_hdr));
		memcpy(tag_scratch, token + SW_SIG_RC4_CKSUM_OFF, k->cksum_len);
		memcpy(tag_scratch + SW_SIG_RC4_SEQ_STASH, token + SW_SIG_RC4_SEQ_OFF, 8);
		job->msg_len = len + 4 + SW_SIG_RC4_HDR_LEN;
	} else {
		if (!sw_sig_cfx_framing_ok(k->dir, token))
			return -EBADMSG;
		if ((size_t)len + SW_SIG_CFX_HDR_LEN > SW_MAC_MSG_MAX)
			return -EMSGSIZE;
		msg = slot + SW_SIG_HEADROOM;
		memcpy(msg + len, token, SW_SIG_CFX_HDR_LEN);
		memcpy(tag_scratch, token + SW_SIG_CFX_HDR_LEN, k->cksum_len);
		job->msg_len = len + SW_SIG_CFX_HDR_LEN;
	}
	job->key = &k->mac;
	job->msg = msg;
	job->tag = tag_scratch;
	job->tag_len = k->cksum_len;
	return 0;
}

/*
 * The enctype's RFC 3961 get_mic checksum with an arbitrary usage: RFC 3962
 * hmac-sha1-96-aes, RFC 8009 hmac-sha256-128 / hmac-sha384-192, RFC 4757
 * hmac-md5 (usage taken as the Microsoft number, untruncated).
 */
int
sw_sig_krb_checksum(int enctype, const uint8_t *key, size_t key_len, uint32_t usage,
		    const uint8_t *msg, size_t len, uint8_t out[SW_SIG_DIGEST_MAX])
{
	uint8_t kc[SW_SIG_DIGEST_MAX];
	uint8_t u[5], md5[16];
	struct sw_sig_iov iov[2];
	struct krb_params p;
	int ret;

	if (key == NULL || out == NULL || (msg == NULL && len != 0))
		return -EINVAL;
	ret = krb_params_of(enctype, &p);
	if (ret != 0)
		return ret;
	if (key_len != p.key_len)
		return -EINVAL;

	if (enctype == SW_ENCTYPE_RC4_HMAC) {
		iov[0] = (struct sw_sig_iov){(const uint8_t *)rc4_signature_key,
					     sizeof(rc4_signature_key)};
		ret = sw_sig_hmac(SW_MAC_HMAC_MD5, key, key_len, iov, 1, kc);
		if (ret < 0)
			goto cleanup;
		put_le32(u, usage);
		iov[0] = (struct sw_sig_iov){u, 4};
		iov[1] = (struct sw_sig_iov){msg, len};
		ret = sw_sig_md5(iov, 2, md5);
		if (ret < 0)
			goto cleanup;
		iov[0] = (struct sw_sig_iov){md5, sizeof(md5)};
		ret = sw_sig_hmac(SW_MAC_HMAC_MD5, kc, 16, iov, 1, out);
		goto cleanup;
	}

	put_be32(u, usage);
	u[4] = KRB_KC_CONSTANT;
	ret = sw_sig_krb_derive(enctype, key, key_len, u, sizeof(u), kc, p.kc_len);
	if (ret < 0)
		goto cleanup;
	iov[0] = (struct sw_sig_iov){msg, len};
	ret = sw_sig_hmac((enum sw_mac_alg)p.alg, kc, p.kc_len, iov, 1, out);
	if (ret >= 0)
		ret = p.cksum_len;

cleanup:
	OPENSSL_cleanse(kc, sizeof(kc));
	return ret;
}
