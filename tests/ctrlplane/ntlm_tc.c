/*
 * Test NTLMv2 initiator on OpenSSL (see ntlm_tc.h).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "ctrlplane/ntlm_msg.h"
#include "tests/ctrlplane/ntlm_tc.h"

static void
legacy(void)
{
	static int done;

	if (!done) {
		OSSL_PROVIDER_load(NULL, "legacy");
		OSSL_PROVIDER_load(NULL, "default");
		done = 1;
	}
}

static size_t
ascii_u16(const char *s, bool upper, uint8_t *out)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		out[2 * i] = (uint8_t)c;
		out[2 * i + 1] = 0;
	}
	return 2 * n;
}

void
tc_nt_hash(const char *password, uint8_t out[16])
{
	uint8_t u16[512];
	size_t n;
	EVP_MD *md4;

	legacy();
	n = ascii_u16(password, false, u16);
	md4 = EVP_MD_fetch(NULL, "MD4", NULL);
	if (md4 == NULL)
		abort();
	EVP_Digest(u16, n, out, NULL, md4, NULL);
	EVP_MD_free(md4);
}

static void
hmac_md5(const uint8_t *key, const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
	 uint8_t out[16])
{
	static uint8_t cat[SW_NTLM_MSG_MAX + 2048];
	unsigned int l = 16;

	if (al + bl > sizeof(cat))
		abort();
	memcpy(cat, a, al);
	if (bl != 0)
		memcpy(cat + al, b, bl);
	HMAC(EVP_md5(), key, 16, cat, al + bl, out, &l);
}

static void
rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len)
{
	EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l = 0;

	legacy();
	c = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	if (c == NULL || ctx == NULL)
		abort();
	EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL);
	EVP_EncryptUpdate(ctx, out, &l, in, (int)len);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
}

int
tc_authenticate(const uint8_t *chal, size_t chal_len, const struct tc_opts *o, uint8_t *out,
		size_t cap, uint8_t esk[16])
{
	static const uint8_t version[8] = {6, 1, 0xb1, 0x1d, 0, 0, 0, 0x0f};
	struct sw_ntlm_challenge c;
	struct sw_ntlm_av_list ti;
	struct sw_ntlm_av av[SW_NTLM_AV_MAX + 2];
	uint8_t hash[16], ntowf[16], key[16], proof[16], sbk[16], enc[16], mic[16];
	uint8_t user16[512], dom16[512], ident[1024], wks16[16];
	uint8_t blob[2048], nt[2100], lm[24] = {0}, avflags[4] = {0}, ts[8];
	uint64_t t = 0;
	size_t ul, dl, wl, bl;
	unsigned int i, n = 0;
	int avl, len, av_flags_at = -1;

	legacy();
	if (sw_ntlm_parse_challenge(chal, chal_len, &c, NULL) != SW_NTLM_MSG_OK ||
	    sw_ntlm_av_parse(c.target_info.p, c.target_info.len, &ti, NULL) != SW_NTLM_MSG_OK)
		return -1;
	for (i = 0; i < ti.n; i++)
		av[n++] = ti.av[i];
	sw_ntlm_av_timestamp(&ti, &t);
	t += (uint64_t)(o->ts_offset * 10000000LL);
	for (i = 0; i < 8; i++)
		ts[i] = (uint8_t)(t >> (8 * i));
	if (o->mic || o->mic_bit_no_field)
		avflags[0] = 0x02;
	av[n++] = (struct sw_ntlm_av){SW_NTLM_AV_FLAGS, {avflags, 4}};

	/* temp (MS-NLMP §3.3.2): 0x0101, zeros, time, client challenge, zeros, AV pairs, zeros. */
	memset(blob, 0, 28);
	blob[0] = 1;
	blob[1] = 1;
	memcpy(blob + 8, ts, 8);
	RAND_bytes(blob + 16, 8);
	avl = sw_ntlm_av_build(blob + 28, sizeof(blob) - 32, av, n);
	if (avl < 0)
		return -1;
	/* MsvAvFlags sits right before MsvAvEOL: value at blob + 28 + avl - 4 - 4. */
	av_flags_at = 28 + avl - 8;
	bl = 28 + (size_t)avl;
	memset(blob + bl, 0, 4);
	bl += 4;

	if (o->password != NULL)
		tc_nt_hash(o->password, hash);
	else
		memcpy(hash, o->nt_hash, 16);
	ul = ascii_u16(o->user, true, user16);
	dl = ascii_u16(o->domain, false, dom16);
	memcpy(ident, user16, ul);
	memcpy(ident + ul, dom16, dl);
	hmac_md5(hash, ident, ul + dl, NULL, 0, ntowf);
	memcpy(key, ntowf, 16);
	hmac_md5(key, o->override_challenge != NULL ? o->override_challenge : c.server_challenge, 8,
		 blob, bl, proof);
	hmac_md5(key, proof, 16, NULL, 0, sbk);
	if (o->tamper_avflags)
		blob[av_flags_at] ^= 0x02;
	memcpy(nt, proof, 16);
	memcpy(nt + 16, blob, bl);
	RAND_bytes(esk, 16);
	rc4(sbk, esk, enc, 16);

	ul = ascii_u16(o->user, false, user16);
	wl = ascii_u16("TESTPC", false, wks16);
	{
		struct sw_ntlm_span lm_s = {lm, 24}, nt_s = {nt, (uint16_t)(16 + bl)};
		bool with_mic = (o->mic || o->mic_field_only) && !o->mic_bit_no_field;

		if (o->v1) {
			nt_s.len = 24;
		} else if (o->lm_only) {
			nt_s = (struct sw_ntlm_span){NULL, 0};
		} else if (o->anonymous) {
			nt_s = (struct sw_ntlm_span){NULL, 0};
			lm_s.len = 1;
		}
		len = sw_ntlm_build_authenticate(
			out, cap, o->flags != 0 ? o->flags : c.flags, lm_s, nt_s,
			(struct sw_ntlm_span){dl ? dom16 : NULL, (uint16_t)dl},
			(struct sw_ntlm_span){user16, (uint16_t)ul},
			(struct sw_ntlm_span){wks16, (uint16_t)wl},
			o->no_key_exch_key ? (struct sw_ntlm_span){NULL, 0}
					   : (struct sw_ntlm_span){enc, 16},
			version, with_mic);
		if (len < 0)
			return -1;
		if (with_mic && o->mic) {
			hmac_md5(esk, chal, chal_len, out, (size_t)len, mic);
			if (o->tamper_mic)
				mic[3] ^= 0x40;
			memcpy(out + SW_NTLM_MIC_OFF, mic, 16);
		}
	}
	return len;
}
