/*
 * libFuzzer target: signature tokens from the wire against every key kind
 * (NTLM; Kerberos enctypes 17, 18, 19, 20, 23, with and without the
 * AcceptorSubkey flag) through both verification paths: the scalar
 * sw_sig_verify() and the batch path (sw_sig_job_prep() framing in place,
 * then sw_mac_verify_burst() on both engines, plus sw_sig_post_check() for
 * enctype 23).  Properties:
 *  - no out-of-bounds access for any token length or content;
 *  - the two paths agree on every verdict (what the lcore accepts is exactly
 *    what the control plane would accept);
 *  - job_prep writes only the head/tail room around the buffer, and the job
 *    points into the slot and the tag scratch.
 * Input: byte 0 picks the key (low 3 bits) and whether the token is the real
 * signature XOR the fuzzer's bytes (bit 3: lets it reach "valid" and every
 * one-bit neighbour); byte 1 is the token length; then the token; the rest
 * is the signed buffer.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mac.h"
#include "crypto/sig.h"

/* A violated property: say which, then crash so libFuzzer keeps the input. */
#define FAIL()                                                                                     \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: property violated\n", __FILE__, __LINE__);                 \
		abort();                                                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_KEYS	7u
#define BUF_MAX 2048u

static struct sw_sig_key keys[N_KEYS];
static struct sw_mac_engine *mb, *ref;

static void
setup(void)
{
	static const int enc[] = {SW_ENCTYPE_AES128_SHA1, SW_ENCTYPE_AES256_SHA1,
				  SW_ENCTYPE_AES128_SHA256, SW_ENCTYPE_AES256_SHA384,
				  SW_ENCTYPE_RC4_HMAC};
	static const size_t klen[] = {16, 32, 16, 32, 16};
	uint8_t raw[32];
	unsigned int i;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(0x5a ^ i * 7);
	if (sw_sig_key_init_ntlm(&keys[0], raw, SW_DIR_C2S) != 0)
		FAIL();
	for (i = 0; i < 5; i++)
		if (sw_sig_key_init_krb(&keys[1 + i], enc[i], raw, klen[i], SW_DIR_C2S) != 0)
			FAIL();
	if (sw_sig_key_init_krb(&keys[6], SW_ENCTYPE_AES256_SHA1, raw, 32, SW_DIR_C2S) != 0 ||
	    sw_sig_key_set_acceptor_subkey(&keys[6], 1) != 0)
		FAIL();
	if (sw_mac_engine_create(SW_MAC_IMPL_REF, &ref) != 0)
		FAIL();
	if (sw_mac_engine_create(SW_MAC_IMPL_MB, &mb) != 0)
		mb = NULL; /* CPU without the instructions: the reference engine alone */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t slot[SW_SIG_HEADROOM + BUF_MAX + SW_SIG_TAILROOM];
	static uint8_t copy[sizeof(slot)];
	uint8_t token[256], real[SW_SIG_TOKEN_MAX], tag[SW_MAC_TAG_MAX], ok = 2;
	const struct sw_sig_key *k;
	struct sw_mac_job job;
	size_t tlen, blen, i;
	const uint8_t *buf;
	int scalar, prep, n;

	if (mb == NULL && ref == NULL)
		setup();
	if (size < 2)
		return 0;
	k = &keys[(data[0] & 7u) % N_KEYS];
	tlen = data[1];
	if (size < 2 + tlen)
		return 0;
	memcpy(token, data + 2, tlen);
	buf = data + 2 + tlen;
	blen = size - 2 - tlen;
	if (blen > BUF_MAX)
		return 0;
	if (data[0] & 8u) {
		/* The genuine token, XOR the fuzzer's bytes (zeros: valid). */
		n = sw_sig_sign(k, buf, blen, 7, real, sizeof(real));
		if (n != (int)sw_sig_token_len(k))
			FAIL();
		for (i = 0; i < tlen && i < (size_t)n; i++)
			token[i] ^= real[i];
	}

	scalar = sw_sig_verify(k, buf, blen, token, tlen);
	if (scalar != 0 && scalar != -EBADMSG)
		FAIL();

	memset(slot, 0xa5, sizeof(slot));
	memcpy(slot + SW_SIG_HEADROOM, buf, blen);
	memcpy(copy, slot, sizeof(slot));
	prep = sw_sig_job_prep(k, slot, (uint32_t)blen, token, tlen, tag, &job);
	if (prep != 0 && prep != -EBADMSG)
		FAIL();
	/* The signed buffer itself is never touched, nor anything past the tail room. */
	if (memcmp(slot + SW_SIG_HEADROOM, copy + SW_SIG_HEADROOM, blen) != 0 ||
	    memcmp(slot + SW_SIG_HEADROOM + blen + SW_SIG_TAILROOM,
		   copy + SW_SIG_HEADROOM + blen + SW_SIG_TAILROOM,
		   sizeof(slot) - SW_SIG_HEADROOM - blen - SW_SIG_TAILROOM) != 0)
		FAIL();
	if (prep == 0) {
		uint8_t ok_mb = 2;

		if (job.msg < slot || job.msg + job.msg_len > slot + sizeof(slot) ||
		    job.tag != tag || job.tag_len == 0 || job.tag_len > SW_MAC_TAG_MAX)
			FAIL();
		/* Returns how many matched (0 or 1); negative only on bad arguments. */
		if (sw_mac_verify_burst(ref, &job, 1, &ok) != ok)
			FAIL();
		if (mb != NULL) {
			if (sw_mac_verify_burst(mb, &job, 1, &ok_mb) != ok_mb || ok_mb != ok)
				FAIL();
		}
		if (ok) {
			int pc = sw_sig_post_check(k, token, tlen);

			/* The job form sees the same token through the tag scratch. */
			if (sw_sig_job_post_check(k, &job) != pc)
				FAIL();
			if (pc != 0)
				ok = 0;
		}
	} else {
		ok = 0;
	}
	/* Scalar and batch paths must give the same verdict. */
	if ((scalar == 0) != (ok == 1))
		FAIL();
	/* The genuine token must verify. */
	if ((data[0] & 8u) && tlen == sw_sig_token_len(k) &&
	    memcmp(data + 2, (const uint8_t[SW_SIG_TOKEN_MAX]){0}, tlen) == 0 && scalar != 0)
		FAIL();
	return 0;
}
