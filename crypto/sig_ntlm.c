/*
 * NTLM datagram signatures (MS-NLMP §3.4.4.2 with extended session
 * security, 128-bit keys and key exchange), sequence number fixed at
 * SW_NTLM_SEQ as every deployed MS-SIPAE peer uses it (PROTOCOL.md §3).
 * Byte-compatible with gss-ntlmssp's ntlmv2_sign() in datagram mode.
 */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/sig_priv.h"

/* MS-NLMP §3.4.5.2 / §3.4.5.3: the magic constants, NUL included. */
static const char c2s_sign[] = "session key to client-to-server signing key magic constant";
static const char s2c_sign[] = "session key to server-to-client signing key magic constant";
static const char c2s_seal[] = "session key to client-to-server sealing key magic constant";
static const char s2c_seal[] = "session key to server-to-client sealing key magic constant";

_Static_assert(sizeof(c2s_sign) == sizeof(s2c_sign) && sizeof(c2s_seal) == sizeof(s2c_seal),
	       "both directions' constants have one length");

/* MS-NLMP §2.2.2.9.2: NTLMSSP_MESSAGE_SIGNATURE Version. */
#define NTLM_SIG_VERSION 1u

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * SIGNKEY/SEALKEY (MS-NLMP §3.4.5.2, §3.4.5.3) for the direction that signs,
 * then the connectionless per-message SealingKey' = MD5(SealKey |
 * LE32(seq)) of §3.4 and the first 8 bytes of its RC4 keystream, which is
 * all §3.4.4.2's RC4(Handle, HMAC[0..7]) ever consumes.
 */
int
sw_sig_key_init_ntlm(struct sw_sig_key *k, const uint8_t session_key[16], enum sw_dir dir)
{
	static const uint8_t zero8[8];
	struct sw_sig_key tmp;
	struct sw_sig_iov iov[2];
	uint8_t sign_key[16], seal_key[16], seal_key_seq[16];
	uint8_t seq[4];
	int ret;

	if (k == NULL || session_key == NULL || (dir != SW_DIR_C2S && dir != SW_DIR_S2C))
		return -EINVAL;
	if (sw_sig_ossl_init() != 0)
		return -ENOTSUP;

	memset(&tmp, 0, sizeof(tmp));
	tmp.scheme = SW_SCHEME_NTLM;
	tmp.enctype = 0;
	tmp.dir = (uint8_t)dir;
	tmp.cksum_len = 8;
	tmp.token_len = SW_SIG_NTLM_TOKEN_LEN;

	iov[0] = (struct sw_sig_iov){session_key, 16};
	iov[1].p = (const uint8_t *)(dir == SW_DIR_C2S ? c2s_sign : s2c_sign);
	iov[1].len = sizeof(c2s_sign);
	ret = sw_sig_md5(iov, 2, sign_key);
	if (ret != 0)
		goto cleanup;

	iov[1].p = (const uint8_t *)(dir == SW_DIR_C2S ? c2s_seal : s2c_seal);
	iov[1].len = sizeof(c2s_seal);
	ret = sw_sig_md5(iov, 2, seal_key);
	if (ret != 0)
		goto cleanup;

	put_le32(seq, SW_NTLM_SEQ);
	iov[0] = (struct sw_sig_iov){seal_key, sizeof(seal_key)};
	iov[1] = (struct sw_sig_iov){seq, sizeof(seq)};
	ret = sw_sig_md5(iov, 2, seal_key_seq);
	if (ret != 0)
		goto cleanup;
	ret = sw_sig_rc4(seal_key_seq, zero8, tmp.ntlm_ks, sizeof(tmp.ntlm_ks));
	if (ret != 0)
		goto cleanup;

	ret = sw_mac_key_init(&tmp.mac, SW_MAC_HMAC_MD5, sign_key, sizeof(sign_key));
	if (ret != 0)
		goto cleanup;

	memcpy(k, &tmp, sizeof(*k));

cleanup:
	if (ret == -EIO)
		ret = -ENOTSUP;
	OPENSSL_cleanse(sign_key, sizeof(sign_key));
	OPENSSL_cleanse(seal_key, sizeof(seal_key));
	OPENSSL_cleanse(seal_key_seq, sizeof(seal_key_seq));
	OPENSSL_cleanse(&tmp, sizeof(tmp));
	return ret;
}

/*
 * MS-NLMP §3.4.4.2 MAC with extended session security and key exchange:
 * Version | RC4(SealingKey', HMAC_MD5(SignKey, LE32(seq) | msg)[0..7]) |
 * LE32(seq).
 */
int
sw_sig_ntlm_sign(const struct sw_sig_key *k, const uint8_t *buf, size_t len, uint8_t *token)
{
	uint8_t seq[4], d[SW_SIG_DIGEST_MAX];
	struct sw_sig_iov iov[2];
	unsigned int i;
	int ret;

	put_le32(seq, SW_NTLM_SEQ);
	iov[0] = (struct sw_sig_iov){seq, sizeof(seq)};
	iov[1] = (struct sw_sig_iov){buf, len};
	ret = sw_sig_hmac(SW_MAC_HMAC_MD5, k->mac.raw, k->mac.raw_len, iov, 2, d);
	if (ret < 0)
		return ret;
	put_le32(token, NTLM_SIG_VERSION);
	for (i = 0; i < 8; i++)
		token[4 + i] = d[i] ^ k->ntlm_ks[i];
	put_le32(token + 12, SW_NTLM_SEQ);
	return SW_SIG_NTLM_TOKEN_LEN;
}

int
sw_sig_ntlm_framing_ok(const uint8_t *token)
{
	uint8_t want[4];

	put_le32(want, NTLM_SIG_VERSION);
	if (memcmp(token, want, 4) != 0)
		return 0;
	put_le32(want, SW_NTLM_SEQ);
	return memcmp(token + 12, want, 4) == 0;
}

/* Scalar verification; the token length has been checked. */
int
sw_sig_ntlm_verify(const struct sw_sig_key *k, const uint8_t *buf, size_t len, const uint8_t *token)
{
	uint8_t want[SW_SIG_NTLM_TOKEN_LEN];
	int ret;

	if (!sw_sig_ntlm_framing_ok(token))
		return -EBADMSG;
	ret = sw_sig_ntlm_sign(k, buf, len, want);
	if (ret < 0)
		return ret;
	return CRYPTO_memcmp(want + 4, token + 4, 8) == 0 ? 0 : -EBADMSG;
}

/*
 * Batch job: LE32(seq) goes in the 4 bytes before the buffer; the expected
 * tag is the plain HMAC prefix, i.e. the token's checksum XOR the keystream.
 */
int
sw_sig_ntlm_job_prep(const struct sw_sig_key *k, uint8_t *slot, uint32_t len, const uint8_t *token,
		     uint8_t tag_scratch[SW_MAC_TAG_MAX], struct sw_mac_job *job)
{
	unsigned int i;

	if (!sw_sig_ntlm_framing_ok(token))
		return -EBADMSG;
	if ((size_t)len + 4 > SW_MAC_MSG_MAX)
		return -EMSGSIZE;
	put_le32(slot + SW_SIG_HEADROOM - 4, SW_NTLM_SEQ);
	for (i = 0; i < 8; i++)
		tag_scratch[i] = token[4 + i] ^ k->ntlm_ks[i];
	job->key = &k->mac;
	job->msg = slot + SW_SIG_HEADROOM - 4;
	job->msg_len = len + 4;
	job->tag = tag_scratch;
	job->tag_len = 8;
	return 0;
}
