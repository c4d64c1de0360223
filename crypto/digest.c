/*
 * Keyed datagram digest: GHASH from intel-ipsec-mb (see digest.h).
 *
 * Input framing: the message's whole 16-byte blocks are hashed in place (no
 * copy), then one block holding the tail zero-padded, then a length block
 * (bit length, big-endian, as GCM's len(A)||len(C) block).  The length block
 * makes messages that differ only in trailing zero bytes hash differently.
 */

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/digest.h"

struct sw_digest {
	struct gcm_key_data key;     /* first: the library wants it 16-byte aligned */
	struct gcm_key_data pub_key; /* independent key for sw_digest_public() */
	ghash_t ghash;
};

int
sw_digest_init(const uint8_t key[16], struct sw_digest **out)
{
	IMB_MGR *mgr = NULL;	    /* owner */
	struct sw_digest *d = NULL; /* owner */
	uint8_t h[16], h_pub[16];
	IMB_ARCH arch;
	int ret;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (key != NULL)
		memcpy(h, key, sizeof(h));
	else if (RAND_bytes(h, sizeof(h)) != 1)
		return -EIO;
	/* Never derived from h: its outputs are published (our Via branch). */
	if (RAND_bytes(h_pub, sizeof(h_pub)) != 1) {
		OPENSSL_cleanse(h, sizeof(h));
		return -EIO;
	}

	if (posix_memalign((void **)&d, 64, sizeof(*d)) != 0) {
		d = NULL;
		ret = -ENOMEM;
		goto cleanup;
	}
	memset(d, 0, sizeof(*d));
	mgr = alloc_mb_mgr(0);
	if (mgr == NULL) {
		ret = -ENOMEM;
		goto cleanup;
	}
	init_mb_mgr_auto(mgr, &arch);
	if (imb_get_errno(mgr) != 0 || mgr->ghash == NULL || mgr->ghash_pre == NULL) {
		ret = -EIO;
		goto cleanup;
	}
	IMB_GHASH_PRE(mgr, h, &d->key);
	IMB_GHASH_PRE(mgr, h_pub, &d->pub_key);
	/* The entry point is a plain function of its arguments: keep it and
	 * drop the manager, so lcores share nothing mutable. */
	d->ghash = mgr->ghash;
	*out = d;
	d = NULL;
	ret = 0;

cleanup:
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(h_pub, sizeof(h_pub));
	if (mgr != NULL)
		free_mb_mgr(mgr);
	sw_digest_free(d);
	return ret;
}

void
sw_digest_free(struct sw_digest *d)
{
	if (d == NULL)
		return;
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

/*
 * Each library call has a fixed cost of about 40 cycles (argument checks,
 * key loads, register clearing).  So a short input is copied with its
 * padding and length block(s) into one stack buffer and hashed by one call:
 * up to SHORT_MAX bytes for sw_digest() (longer, the copy costs more than the
 * second call it saves: a datagram is hashed in place plus one tail|length
 * call), up to ONE_CALL_MAX bytes in all for sw_digest_public2(), whose two
 * inputs would otherwise take up to five calls.  The blocks hashed are the
 * same either way (tests/ctrlplane/test_digest.c checks both sides).
 */
#define SHORT_MAX    128
#define ONE_CALL_MAX 1024

/* One byte-swapped store: gcc 12 builds a shift-and-or chain for the
 * byte loop (about 35 instructions per call). */
static inline void
put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static void
ghash_len(const struct sw_digest *d, const struct gcm_key_data *key, const void *p, size_t len,
	  uint8_t out[16])
{
	uint8_t blk[SHORT_MAX + 16] __attribute__((aligned(16)));
	uint8_t tail[32];
	size_t whole = len & ~(size_t)15, rest = len - whole;
	uint64_t bits = (uint64_t)len * 8;

	memset(out, 0, 16);
	if (len <= SHORT_MAX) {
		/* pad(p) | BE64(0) | BE64(bits): the same blocks as below. */
		size_t padded = (len + 15) & ~(size_t)15;

		/* Zero the last data block with one fixed-size store, then copy
		 * over it: the same bytes as zeroing just the padding. */
		if (padded != 0) {
			memset(blk + padded - 16, 0, 16);
			memcpy(blk, p, len);
		}
		memset(blk + padded, 0, 8);
		put_be64(blk + padded + 8, bits);
		d->ghash(key, blk, padded + 16, out, 16);
		return;
	}
	d->ghash(key, p, whole, out, 16);
	memset(tail, 0, sizeof(tail));
	if (rest != 0)
		memcpy(tail, (const uint8_t *)p + whole, rest);
	put_be64(tail + 24, bits);
	if (rest != 0)
		d->ghash(key, tail, 32, out, 16);
	else
		d->ghash(key, tail + 16, 16, out, 16);
}

void
sw_digest128(const struct sw_digest *d, const void *p, size_t len, uint8_t out[16])
{
	ghash_len(d, &d->key, p, len, out);
}

/* The first 8 bytes, little-endian (one load; the byte loop is not
 * recognised as one). */
static inline uint64_t
low64(const uint8_t t[16])
{
	uint64_t v;

	memcpy(&v, t, 8);
	return le64toh(v);
}

uint64_t
sw_digest_public(const struct sw_digest *d, const void *p, size_t len)
{
	uint8_t t[16];

	ghash_len(d, &d->pub_key, p, len, t);
	return low64(t);
}

uint64_t
sw_digest(const struct sw_digest *d, const void *p, size_t len)
{
	uint8_t t[16];

	sw_digest128(d, p, len, t);
	return low64(t);
}

/* GHASH of @p p zero-padded to whole blocks, continuing from @p acc. */
static void
ghash_padded(const struct sw_digest *d, const struct gcm_key_data *key, const void *p, size_t len,
	     uint8_t acc[16])
{
	uint8_t tail[16];
	size_t whole = len & ~(size_t)15, rest = len - whole;

	if (whole != 0)
		d->ghash(key, p, whole, acc, 16);
	if (rest != 0) {
		memset(tail, 0, sizeof(tail));
		memcpy(tail, (const uint8_t *)p + whole, rest);
		d->ghash(key, tail, sizeof(tail), acc, 16);
	}
}

/*
 * GCM's shape for two inputs: GHASH(pad(a) | pad(b) | BE64(8 |a|) | BE64(8 |b|)),
 * so (a, b) and (a', b') with a | b == a' | b' still differ.
 */
uint64_t
sw_digest_public2(const struct sw_digest *d, const void *a, size_t alen, const void *b,
		  size_t blen)
{
	uint8_t blk[ONE_CALL_MAX + 16] __attribute__((aligned(16)));
	uint8_t acc[16], lens[16];
	size_t apad = (alen + 15) & ~(size_t)15, bpad = (blen + 15) & ~(size_t)15;

	memset(acc, 0, sizeof(acc));
	put_be64(lens, (uint64_t)alen * 8);
	put_be64(lens + 8, (uint64_t)blen * 8);
	/* Our Via branch: a top Via and a Request-URI, nearly always short. */
	if (alen <= ONE_CALL_MAX && blen <= ONE_CALL_MAX - apad) {
		/* Each input's last block is zeroed by one fixed-size store and
		 * then copied over, rather than its padding by a memset of
		 * variable length.  a and b may be NULL when empty. */
		if (apad != 0) {
			memset(blk + apad - 16, 0, 16);
			memcpy(blk, a, alen);
		}
		if (bpad != 0) {
			memset(blk + apad + bpad - 16, 0, 16);
			memcpy(blk + apad, b, blen);
		}
		memcpy(blk + apad + bpad, lens, sizeof(lens));
		d->ghash(&d->pub_key, blk, apad + bpad + sizeof(lens), acc, 16);
		return low64(acc);
	}
	ghash_padded(d, &d->pub_key, a, alen, acc);
	ghash_padded(d, &d->pub_key, b, blen, acc);
	d->ghash(&d->pub_key, lens, sizeof(lens), acc, 16);
	return low64(acc);
}
