/*
 * Public face of crypto/'s scalar OpenSSL primitives (see prim.h); the
 * library context itself lives in sig_ossl.c so there is exactly one.
 */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/prim.h"
#include "crypto/sig_priv.h"

int
sw_prim_init(void)
{
	return sw_sig_ossl_init() == 0 ? 0 : -EIO;
}

int
sw_prim_md4(const void *in, size_t len, uint8_t out[16])
{
	struct sw_sig_iov v = { in, len };

	if (in == NULL && len != 0)
		return -EINVAL;
	return sw_sig_md4(&v, 1, out);
}

int
sw_prim_sha256(const void *in, size_t len, uint8_t out[32])
{
	struct sw_sig_iov v = { in, len };

	if (in == NULL && len != 0)
		return -EINVAL;
	return sw_sig_sha256(&v, 1, out);
}

int
sw_prim_hmac_md5(const uint8_t *key, size_t key_len, const struct sw_iov *iov, unsigned int n,
		 uint8_t out[16])
{
	struct sw_sig_iov v[SW_PRIM_IOV_MAX];
	uint8_t full[SW_SIG_DIGEST_MAX];
	unsigned int i;
	int ret;

	/* An empty HMAC key is legal in RFC 2104 but never meaningful here. */
	if (key == NULL || key_len == 0 || n > SW_PRIM_IOV_MAX || (n != 0 && iov == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (iov[i].p == NULL && iov[i].len != 0)
			return -EINVAL;
		v[i].p = iov[i].p;
		v[i].len = iov[i].len;
	}
	ret = sw_sig_hmac(SW_MAC_HMAC_MD5, key, key_len, v, n, full);
	if (ret == 16)
		memcpy(out, full, 16);
	OPENSSL_cleanse(full, sizeof(full));
	return ret == 16 ? 0 : (ret < 0 ? ret : -EIO);
}

int
sw_prim_rc4(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t len)
{
	if (key == NULL || ((in == NULL || out == NULL) && len != 0))
		return -EINVAL;
	return sw_sig_rc4(key, in, out, len);
}

int
sw_prim_random(void *out, size_t len)
{
	if (out == NULL && len != 0)
		return -EINVAL;
	return sw_sig_random(out, len);
}

int
sw_prim_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
sw_prim_wipe(void *p, size_t n)
{
	if (p != NULL && n != 0)
		OPENSSL_cleanse(p, n);
}
