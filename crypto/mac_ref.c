/*
 * Reference engine: RFC 2104 HMAC over OpenSSL's digests, one message at a
 * time, from the raw key of a full struct sw_mac_key (never from the MB
 * engine's pad states, so the two engines check each other's key preparation
 * too).  A job with a compact key (pad states only, what the lcores keep)
 * resumes the hash from the states instead (sw_mac_ref_hmac_st()).
 *
 * OpenSSL 3.0's EVP layer allocates on every EVP_DigestInit_ex() (1 malloc)
 * and EVP_MAC_init() (5 mallocs), measured here with
 * CRYPTO_set_mem_functions(); the burst contract forbids that.  The
 * MD5_Init()/SHA*_Init() family is deprecated in 3.0 but allocation-free and
 * runs the same assembly, so this file, and only this file, uses it.
 */

#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "crypto/mac.h"
#include "crypto/mac_priv.h"

struct sw_mac_ref {
	union {
		MD5_CTX md5;
		SHA_CTX sha1;
		SHA256_CTX sha256;
		SHA512_CTX sha512;
	} c;
	uint8_t pad[128];  /* K ^ ipad, then K ^ opad */
	uint8_t inner[64]; /* inner digest */
	uint8_t md5[16];   /* MD5(msg) for SW_MAC_HMAC_MD5_OF_MD5 */
};

static void
md_init(struct sw_mac_ref *r, unsigned int alg)
{
	switch (alg) {
	case SW_MAC_HMAC_SHA1:
		SHA1_Init(&r->c.sha1);
		break;
	case SW_MAC_HMAC_SHA256:
		SHA256_Init(&r->c.sha256);
		break;
	case SW_MAC_HMAC_SHA384:
		SHA384_Init(&r->c.sha512);
		break;
	default:
		MD5_Init(&r->c.md5);
		break;
	}
}

static void
md_update(struct sw_mac_ref *r, unsigned int alg, const void *p, size_t len)
{
	switch (alg) {
	case SW_MAC_HMAC_SHA1:
		SHA1_Update(&r->c.sha1, p, len);
		break;
	case SW_MAC_HMAC_SHA256:
		SHA256_Update(&r->c.sha256, p, len);
		break;
	case SW_MAC_HMAC_SHA384:
		SHA384_Update(&r->c.sha512, p, len);
		break;
	default:
		MD5_Update(&r->c.md5, p, len);
		break;
	}
}

static void
md_final(struct sw_mac_ref *r, unsigned int alg, uint8_t *out)
{
	switch (alg) {
	case SW_MAC_HMAC_SHA1:
		SHA1_Final(out, &r->c.sha1);
		break;
	case SW_MAC_HMAC_SHA256:
		SHA256_Final(out, &r->c.sha256);
		break;
	case SW_MAC_HMAC_SHA384:
		SHA384_Final(out, &r->c.sha512);
		break;
	default:
		MD5_Final(out, &r->c.md5);
		break;
	}
}

/* RFC 2104 §2: H(K ^ opad, H(K ^ ipad, text)); the key is at most one block. */
static void
hmac(struct sw_mac_ref *r, unsigned int alg, const struct sw_mac_key *key, const uint8_t *msg,
     size_t len, uint8_t *out)
{
	unsigned int blen = sw_mac_alg_blen(alg), i;

	memset(r->pad, 0x36, blen);
	for (i = 0; i < key->raw_len; i++)
		r->pad[i] ^= key->raw[i];
	md_init(r, alg);
	md_update(r, alg, r->pad, blen);
	md_update(r, alg, msg, len);
	md_final(r, alg, r->inner);

	for (i = 0; i < blen; i++)
		r->pad[i] ^= 0x36 ^ 0x5c;
	md_init(r, alg);
	md_update(r, alg, r->pad, blen);
	md_update(r, alg, r->inner, sw_mac_alg_dlen(alg));
	md_final(r, alg, out);
}

int
sw_mac_ref_new(struct sw_mac_ref **ref_out)
{
	struct sw_mac_ref *r;

	*ref_out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	*ref_out = r;
	return 0;
}

void
sw_mac_ref_free(struct sw_mac_ref *ref)
{
	if (ref == NULL)
		return;
	OPENSSL_cleanse(ref, sizeof(*ref));
	free(ref);
}

void
sw_mac_ref_scrub(struct sw_mac_ref *ref)
{
	sw_wipe(ref, sizeof(*ref));
}

void
sw_mac_ref_md5(struct sw_mac_ref *ref, const uint8_t *msg, size_t len, uint8_t out[16])
{
	MD5_Init(&ref->c.md5);
	MD5_Update(&ref->c.md5, msg, len);
	MD5_Final(out, &ref->c.md5);
}

void
sw_mac_ref_hmac(struct sw_mac_ref *ref, const struct sw_mac_key *key, const uint8_t *msg,
		size_t len, uint8_t *out)
{
	hmac(ref, key->alg, key, msg, len, out);
}

/* Resume @p alg's hash from a pad state: one block (B bytes) already hashed.
 * The context words are the state words in memory order, as intel-ipsec-mb
 * writes them (checked against RFC 2202/4231 vectors by tests/crypto). */
static void
md_resume(struct sw_mac_ref *r, unsigned int alg, const uint8_t *state)
{
	md_init(r, alg);
	switch (alg) {
	case SW_MAC_HMAC_SHA1:
		memcpy(&r->c.sha1.h0, state, 20);
		r->c.sha1.Nl = 512;
		break;
	case SW_MAC_HMAC_SHA256:
		memcpy(r->c.sha256.h, state, 32);
		r->c.sha256.Nl = 512;
		break;
	case SW_MAC_HMAC_SHA384:
		memcpy(r->c.sha512.h, state, 64);
		r->c.sha512.Nl = 1024;
		break;
	default:
		memcpy(&r->c.md5.A, state, 16);
		r->c.md5.Nl = 512;
		break;
	}
}

void
sw_mac_ref_hmac_st(unsigned int alg, const uint8_t *ipad, const uint8_t *opad,
		   const uint8_t *const *p, const size_t *len, unsigned int n, uint8_t *out)
{
	struct sw_mac_ref r;
	unsigned int i;

	if (alg == SW_MAC_HMAC_MD5_OF_MD5) {
		MD5_Init(&r.c.md5);
		for (i = 0; i < n; i++)
			MD5_Update(&r.c.md5, p[i], len[i]);
		MD5_Final(r.md5, &r.c.md5);
		alg = SW_MAC_HMAC_MD5;
		md_resume(&r, alg, ipad);
		md_update(&r, alg, r.md5, sizeof(r.md5));
	} else {
		md_resume(&r, alg, ipad);
		for (i = 0; i < n; i++)
			md_update(&r, alg, p[i], len[i]);
	}
	md_final(&r, alg, r.inner);
	md_resume(&r, alg, opad);
	md_update(&r, alg, r.inner, sw_mac_alg_dlen(alg));
	md_final(&r, alg, out);
	sw_wipe(&r, sizeof(r));
}

void
sw_mac_ref_one(struct sw_mac_ref *ref, const struct sw_mac_job *job, uint8_t *out)
{
	unsigned int alg = sw_mac_job_alg(job);

	if (job->key == NULL) {
		const uint8_t *p = job->msg;
		size_t len = job->msg_len;

		sw_mac_ref_hmac_st(alg, job->ipad, job->opad, &p, &len, 1, out);
		return;
	}
	if (alg == SW_MAC_HMAC_MD5_OF_MD5) {
		/* RFC 4757 §3: the checksum is HMAC-MD5 over MD5 of the data. */
		sw_mac_ref_md5(ref, job->msg, job->msg_len, ref->md5);
		hmac(ref, alg, job->key, ref->md5, sizeof(ref->md5), out);
	} else {
		hmac(ref, alg, job->key, job->msg, job->msg_len, out);
	}
}

void
sw_mac_ref_hash(enum sw_mac_alg alg, const uint8_t *msg, size_t len, uint8_t *out)
{
	struct sw_mac_ref r;

	md_init(&r, alg);
	md_update(&r, alg, msg, len);
	md_final(&r, alg, out);
	sw_wipe(&r, sizeof(r));
}

void
sw_mac_ref_run(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		sw_mac_ref_one(eng->ref, &jobs[i], eng->digest[i]);
	sw_mac_ref_scrub(eng->ref);
}
