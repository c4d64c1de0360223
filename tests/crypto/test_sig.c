/*
 * crypto/sig*.c and hex.c behaviour: sign/verify round trips (scalar, and
 * through sw_sig_job_prep() checked by a direct HMAC and by both MAC
 * engines), every flipped bit, the wrong direction's key, wrong lengths and
 * framing, argument errors, the hex and scheme helpers.  Known answers are
 * in test_sig_vectors.c.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/mac.h"
#include "crypto/sig.h"
#include "tests/common/guard.h"
#include "tests/crypto/test_sig_ref.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* One key configuration; every test runs over all of them, both directions. */
struct sig_case {
	const char *name;
	enum sw_scheme scheme;
	int enctype;
	size_t key_len;
	size_t token_len;
};

static const struct sig_case sig_cases[] = {
	{"ntlm", SW_SCHEME_NTLM, 0, 16, 16},
	{"aes128-cts-hmac-sha1-96", SW_SCHEME_KERBEROS, SW_ENCTYPE_AES128_SHA1, 16, 28},
	{"aes256-cts-hmac-sha1-96", SW_SCHEME_KERBEROS, SW_ENCTYPE_AES256_SHA1, 32, 28},
	{"aes128-cts-hmac-sha256-128", SW_SCHEME_KERBEROS, SW_ENCTYPE_AES128_SHA256, 16, 32},
	{"aes256-cts-hmac-sha384-192", SW_SCHEME_KERBEROS, SW_ENCTYPE_AES256_SHA384, 32, 40},
	{"rc4-hmac", SW_SCHEME_KERBEROS, SW_ENCTYPE_RC4_HMAC, 16, 37},
};

/* The buffer lengths tried: empty, around the 64-byte HMAC block, a datagram. */
static const size_t buf_lens[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 200, 1500};

static uint8_t base_key[32];
static uint8_t buf_data[1500];

static int
make_key(const struct sig_case *c, enum sw_dir dir, struct sw_sig_key *k)
{
	if (c->scheme == SW_SCHEME_NTLM)
		return sw_sig_key_init_ntlm(k, base_key, dir);
	return sw_sig_key_init_krb(k, c->enctype, base_key, c->key_len, dir);
}

static int
group_setup(void **state)
{
	uint64_t rnd = 0x5eed1000;

	(void)state;
	ref_fill(&rnd, base_key, sizeof(base_key));
	ref_fill(&rnd, buf_data, sizeof(buf_data));
	return 0;
}

static void
test_sig_roundtrip_scalar(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX];
	struct sw_sig_key k;
	size_t c, l;
	int dir;

	(void)state;
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			assert_int_equal(make_key(&sig_cases[c], (enum sw_dir)dir, &k), 0);
			assert_int_equal(sw_sig_token_len(&k), sig_cases[c].token_len);
			for (l = 0; l < ARRAY_LEN(buf_lens); l++) {
				int n = sw_sig_sign(&k, buf_data, buf_lens[l], 7 + l, token,
						    sizeof(token));

				if (n != (int)sig_cases[c].token_len)
					fail_msg("%s dir %d len %zu: sign %d", sig_cases[c].name,
						 dir, buf_lens[l], n);
				assert_int_equal(
					sw_sig_verify(&k, buf_data, buf_lens[l], token, (size_t)n),
					0);
				assert_int_equal(sw_sig_post_check(&k, token, (size_t)n), 0);
			}
			sw_sig_key_wipe(&k);
		}
	}
}

/*
 * A slot laid out as the fast path does: headroom, buffer, tailroom, with
 * the tailroom's last byte against a PROT_NONE page and a canary in the
 * headroom bytes the mechanism must not touch.
 */
struct slot {
	struct guard_buf g;
	uint8_t *p;
	size_t len;
};

#define CANARY 0xa5

static void
slot_fill(struct slot *s, const uint8_t *buf, size_t len)
{
	size_t total = SW_SIG_HEADROOM + len + SW_SIG_TAILROOM;
	uint8_t *tmp = malloc(total);

	assert_non_null(tmp);
	memset(tmp, CANARY, total);
	memcpy(tmp + SW_SIG_HEADROOM, buf, len);
	s->p = guard_buf_put(&s->g, tmp, total);
	s->len = len;
	free(tmp);
	assert_non_null(s->p);
}

/* Bytes of the headroom the mechanism may write (its prefix). */
static size_t
prefix_len(const struct sw_sig_key *k)
{
	if (k->scheme == SW_SCHEME_NTLM)
		return 4;
	return k->enctype == SW_ENCTYPE_RC4_HMAC ? 12 : 0;
}

/* Offset of the checksum in the token. */
static size_t
cksum_off(const struct sw_sig_key *k)
{
	if (k->scheme == SW_SCHEME_NTLM)
		return 4;
	return k->enctype == SW_ENCTYPE_RC4_HMAC ? 29 : 16;
}

/* The job's tag, recomputed from the job's own message with OpenSSL. */
static int
job_tag_matches(const struct sw_mac_job *job)
{
	const struct sw_mac_key *mk = job->key;
	uint8_t d[64], md5[16];

	switch (mk->alg) {
	case SW_MAC_HMAC_MD5:
		ref_hmac("MD5", mk->raw, mk->raw_len, job->msg, job->msg_len, NULL, 0, d);
		break;
	case SW_MAC_HMAC_SHA1:
		ref_hmac("SHA1", mk->raw, mk->raw_len, job->msg, job->msg_len, NULL, 0, d);
		break;
	case SW_MAC_HMAC_SHA256:
		ref_hmac("SHA256", mk->raw, mk->raw_len, job->msg, job->msg_len, NULL, 0, d);
		break;
	case SW_MAC_HMAC_SHA384:
		ref_hmac("SHA384", mk->raw, mk->raw_len, job->msg, job->msg_len, NULL, 0, d);
		break;
	case SW_MAC_HMAC_MD5_OF_MD5:
		ref_md5(job->msg, job->msg_len, NULL, 0, NULL, 0, md5);
		ref_hmac("MD5", mk->raw, mk->raw_len, md5, 16, NULL, 0, d);
		break;
	default:
		fail_msg("unknown alg %u", mk->alg);
	}
	return memcmp(d, job->tag, job->tag_len) == 0;
}

static void
test_sig_roundtrip_job_prep(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX], scratch[SW_MAC_TAG_MAX];
	struct sw_mac_job job;
	struct sw_sig_key k;
	struct slot s;
	size_t c, l, i;
	int dir;

	(void)state;
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			assert_int_equal(make_key(&sig_cases[c], (enum sw_dir)dir, &k), 0);
			for (l = 0; l < ARRAY_LEN(buf_lens); l++) {
				size_t len = buf_lens[l];
				int n = sw_sig_sign(&k, buf_data, len, 1000 + l, token,
						    sizeof(token));

				assert_int_equal(n, (int)sig_cases[c].token_len);
				slot_fill(&s, buf_data, len);
				memset(&job, 0, sizeof(job));
				assert_int_equal(sw_sig_job_prep(&k, s.p, (uint32_t)len, token,
								 (size_t)n, scratch, &job),
						 0);
				assert_ptr_equal(job.key, &k.mac);
				assert_ptr_equal(job.tag, scratch);
				assert_int_equal(job.tag_len, k.cksum_len);
				assert_ptr_equal(job.msg, s.p + SW_SIG_HEADROOM - prefix_len(&k));
				for (i = 0; i < SW_SIG_HEADROOM - prefix_len(&k); i++)
					assert_int_equal(s.p[i], CANARY);
				assert_memory_equal(s.p + SW_SIG_HEADROOM, buf_data, len);
				if (!job_tag_matches(&job))
					fail_msg("%s dir %d len %zu: job tag", sig_cases[c].name,
						 dir, len);
				/* A wrong tag in the token gives a job that does not match. */
				token[cksum_off(&k) + k.cksum_len - 1] ^= 0x01;
				assert_int_equal(sw_sig_job_prep(&k, s.p, (uint32_t)len, token,
								 (size_t)n, scratch, &job),
						 0);
				assert_false(job_tag_matches(&job));
				guard_buf_free(&s.g);
			}
			sw_sig_key_wipe(&k);
		}
	}
}

/* The batch path through the real engines, when they run on this machine. */
static void
test_sig_engines_verify_burst(void **state)
{
	static const enum sw_mac_impl impls[] = {SW_MAC_IMPL_REF, SW_MAC_IMPL_MB};
	enum { NJOBS = 2 * ARRAY_LEN(sig_cases) };
	uint8_t tokens[NJOBS][SW_SIG_TOKEN_MAX], scratch[NJOBS][SW_MAC_TAG_MAX];
	struct sw_sig_key keys[NJOBS];
	struct sw_mac_job jobs[NJOBS];
	struct slot slots[NJOBS];
	uint8_t ok[NJOBS];
	size_t i, e;
	int ran = 0;

	(void)state;
	for (i = 0; i < NJOBS; i++) {
		size_t len = buf_lens[i % ARRAY_LEN(buf_lens)];

		assert_int_equal(make_key(&sig_cases[i / 2], (enum sw_dir)(i % 2), &keys[i]), 0);
		assert_true(sw_sig_sign(&keys[i], buf_data, len, i, tokens[i], SW_SIG_TOKEN_MAX) >
			    0);
		slot_fill(&slots[i], buf_data, len);
		assert_int_equal(sw_sig_job_prep(&keys[i], slots[i].p, (uint32_t)len, tokens[i],
						 keys[i].token_len, scratch[i], &jobs[i]),
				 0);
	}
	for (e = 0; e < ARRAY_LEN(impls); e++) {
		struct sw_mac_engine *eng = NULL;

		if (sw_mac_engine_create(impls[e], &eng) != 0)
			continue;
		ran++;
		assert_int_equal(sw_mac_verify_burst(eng, jobs, NJOBS, ok), NJOBS);
		scratch[3][0] ^= 0x80;
		assert_int_equal(sw_mac_verify_burst(eng, jobs, NJOBS, ok), NJOBS - 1);
		assert_int_equal(ok[3], 0);
		scratch[3][0] ^= 0x80;
		sw_mac_engine_free(eng);
	}
	for (i = 0; i < NJOBS; i++) {
		guard_buf_free(&slots[i].g);
		sw_sig_key_wipe(&keys[i]);
	}
	if (ran == 0)
		skip();
}

/*
 * Batch signing (sw_sig_ckey_sign_prep / _finish around one
 * sw_mac_compute_burst(), as the lcores sign the responses of a burst): the
 * same token byte for byte as sw_sig_ckey_sign() for every scheme, enctype,
 * direction and length, on both engines, in one burst that mixes them all;
 * sequence numbers past 32 bits (the CFX header carries 64).  The framing
 * stays inside the slot's head / tail room (guard pages around it).
 * rc4-hmac keys are refused (-ENOTSUP): they take the scalar path.
 */
static void
test_sig_ckey_batch_sign(void **state)
{
	static const enum sw_mac_impl impls[] = {SW_MAC_IMPL_REF, SW_MAC_IMPL_MB};
	enum { NCASE = ARRAY_LEN(sig_cases) - 1, NJOBS = NCASE * ARRAY_LEN(buf_lens) };
	static uint64_t area[NJOBS][SW_SIG_CKEY_MAX / 8];
	uint8_t want[NJOBS][SW_SIG_TOKEN_MAX], tok[NJOBS][SW_SIG_TOKEN_MAX];
	uint8_t tags[NJOBS][SW_MAC_TAG_MAX];
	struct sw_mac_job jobs[NJOBS];
	struct slot slots[NJOBS];
	struct sw_sig_key k;
	size_t i, e;
	int n[NJOBS];

	(void)state;
	assert_int_equal(sig_cases[NCASE].enctype, SW_ENCTYPE_RC4_HMAC);
	for (i = 0; i < NJOBS; i++) {
		const struct sig_case *c = &sig_cases[i % NCASE];
		size_t len = buf_lens[i / NCASE];
		struct sw_sig_ckey *ck = (struct sw_sig_ckey *)(void *)area[i];
		uint64_t seq = (uint64_t)i << 33 | (0xfffffff0u + i);

		assert_int_equal(make_key(c, (enum sw_dir)(i % 2), &k), 0);
		assert_true(sw_sig_ckey_init(ck, sizeof(area[i]), &k) > 0);
		sw_sig_key_wipe(&k);
		n[i] = sw_sig_ckey_sign(ck, buf_data, len, seq, want[i], SW_SIG_TOKEN_MAX);
		assert_int_equal(n[i], (int)c->token_len);
		slot_fill(&slots[i], buf_data, len);
		memset(tok[i], 0, sizeof(tok[i]));
		assert_int_equal(sw_sig_ckey_sign_prep(ck, slots[i].p, (uint32_t)len, seq, tok[i],
						       &jobs[i]),
				 0);
	}
	for (e = 0; e < ARRAY_LEN(impls); e++) {
		struct sw_mac_engine *eng = NULL;

		if (sw_mac_engine_create(impls[e], &eng) != 0)
			continue;
		assert_int_equal(sw_mac_compute_burst(eng, jobs, NJOBS, tags), NJOBS);
		for (i = 0; i < NJOBS; i++) {
			const struct sw_sig_ckey *ck = (const struct sw_sig_ckey *)(void *)area[i];
			uint8_t t[SW_SIG_TOKEN_MAX];

			memcpy(t, tok[i], sizeof(t));
			assert_int_equal(sw_sig_ckey_sign_finish(ck, tags[i], t), n[i]);
			assert_memory_equal(t, want[i], (size_t)n[i]);
			assert_int_equal(sw_sig_ckey_verify(ck, buf_data, slots[i].len, t,
							    (size_t)n[i]),
					 0);
		}
		sw_mac_engine_free(eng);
	}
	for (i = 0; i < NJOBS; i++) {
		sw_sig_ckey_wipe((struct sw_sig_ckey *)(void *)area[i]);
		guard_buf_free(&slots[i].g);
	}

	/* rc4-hmac: refused by both halves; the scalar path signs it. */
	{
		struct sw_sig_ckey *ck = (struct sw_sig_ckey *)(void *)area[0];
		uint8_t t[SW_SIG_TOKEN_MAX], d[SW_MAC_TAG_MAX] = {0};
		struct sw_mac_job job;
		struct slot sl;

		assert_int_equal(make_key(&sig_cases[NCASE], SW_DIR_S2C, &k), 0);
		assert_true(sw_sig_ckey_init(ck, sizeof(area[0]), &k) > 0);
		sw_sig_key_wipe(&k);
		slot_fill(&sl, buf_data, 100);
		assert_int_equal(sw_sig_ckey_sign_prep(ck, sl.p, 100, 1, t, &job), -ENOTSUP);
		assert_int_equal(sw_sig_ckey_sign_finish(ck, d, t), -EINVAL);
		assert_int_equal(sw_sig_ckey_sign_prep(NULL, sl.p, 100, 1, t, &job), -EINVAL);
		assert_int_equal(sw_sig_ckey_sign_finish(NULL, d, t), -EINVAL);
		guard_buf_free(&sl.g);
		sw_sig_ckey_wipe(ck);
	}
}

/*
 * Compact keys (the SA record's lcore view) against the full keys: what
 * either signs the other verifies, with and without a packed (exact-size)
 * copy; batch jobs from compact keys through both engines, mixed with
 * full-key jobs in one burst; a flipped tag bit fails everywhere.
 */
static void
test_sig_ckey_matches_full_key(void **state)
{
	static const enum sw_mac_impl impls[] = {SW_MAC_IMPL_REF, SW_MAC_IMPL_MB};
	enum { NJOBS = 4 * ARRAY_LEN(sig_cases) };
	static const size_t want_size[] = {48, 48, 48, 72, 136, 56};
	uint8_t tokens[NJOBS][SW_SIG_TOKEN_MAX], scratch[NJOBS][SW_MAC_TAG_MAX];
	uint8_t t2[SW_SIG_TOKEN_MAX];
	/* Packed copies back to back, as a record holds them (8-byte aligned). */
	static uint64_t area[NJOBS][SW_SIG_CKEY_MAX / 8];
	struct sw_sig_key keys[NJOBS];
	struct sw_mac_job jobs[NJOBS];
	struct slot slots[NJOBS];
	uint8_t ok[NJOBS];
	size_t i, e;

	(void)state;
	for (i = 0; i < NJOBS; i++) {
		const struct sig_case *c = &sig_cases[i / 4];
		size_t len = buf_lens[i % ARRAY_LEN(buf_lens)];
		struct sw_sig_ckey *ck = (struct sw_sig_ckey *)(void *)area[i];
		int n, sz;

		assert_int_equal(make_key(c, (enum sw_dir)(i % 2), &keys[i]), 0);
		sz = sw_sig_ckey_init(ck, sizeof(area[i]), &keys[i]);
		assert_int_equal(sz, (int)want_size[i / 4]);
		assert_int_equal(sw_sig_ckey_size(ck), (size_t)sz);
		assert_int_equal(sw_sig_ckey_size_of(&keys[i]), (size_t)sz);
		assert_int_equal(sw_sig_ckey_init(ck, (size_t)sz - 1, &keys[i]), -ENOSPC);
		assert_int_equal(sw_sig_ckey_init(ck, (size_t)sz, &keys[i]), sz);

		/* Full signs, compact verifies; compact signs, full verifies (and
		 * byte for byte the same token, the sequence number being equal). */
		n = sw_sig_sign(&keys[i], buf_data, len, 7 + i, tokens[i], SW_SIG_TOKEN_MAX);
		assert_int_equal(n, (int)c->token_len);
		assert_int_equal(sw_sig_ckey_verify(ck, buf_data, len, tokens[i], (size_t)n), 0);
		assert_int_equal(sw_sig_ckey_post_check(ck, tokens[i], (size_t)n), 0);
		assert_int_equal(sw_sig_ckey_sign(ck, buf_data, len, 7 + i, t2, sizeof(t2)), n);
		assert_memory_equal(t2, tokens[i], (size_t)n);
		assert_int_equal(sw_sig_verify(&keys[i], buf_data, len, t2, (size_t)n), 0);
		t2[n - 1] ^= 0x01;
		assert_int_equal(sw_sig_ckey_verify(ck, buf_data, len, t2, (size_t)n), -EBADMSG);
		assert_int_equal(sw_sig_ckey_sign(ck, buf_data, len, 1, t2, (size_t)n - 1),
				 -ENOSPC);

		/* Even jobs from the compact key, odd ones from the full key. */
		slot_fill(&slots[i], buf_data, len);
		if (i % 4 < 2) {
			assert_int_equal(sw_sig_ckey_job_prep(ck, slots[i].p, (uint32_t)len,
							      tokens[i], (size_t)n, scratch[i],
							      &jobs[i]),
					 0);
			assert_null(jobs[i].key);
			assert_int_equal(jobs[i].tag_len, keys[i].cksum_len);
		} else {
			assert_int_equal(sw_sig_job_prep(&keys[i], slots[i].p, (uint32_t)len,
							 tokens[i], (size_t)n, scratch[i],
							 &jobs[i]),
					 0);
		}
	}
	for (e = 0; e < ARRAY_LEN(impls); e++) {
		struct sw_mac_engine *eng = NULL;
		uint8_t tags[NJOBS][SW_MAC_TAG_MAX];

		if (sw_mac_engine_create(impls[e], &eng) != 0)
			continue;
		assert_int_equal(sw_mac_verify_burst(eng, jobs, NJOBS, ok), NJOBS);
		assert_int_equal(sw_mac_compute_burst(eng, jobs, NJOBS, tags), NJOBS);
		for (i = 0; i < NJOBS; i++)
			assert_memory_equal(tags[i], jobs[i].tag, jobs[i].tag_len);
		scratch[0][0] ^= 0x80;
		scratch[NJOBS - 4][0] ^= 0x80;
		assert_int_equal(sw_mac_verify_burst(eng, jobs, NJOBS, ok), NJOBS - 2);
		assert_int_equal(ok[0], 0);
		assert_int_equal(ok[NJOBS - 4], 0);
		scratch[0][0] ^= 0x80;
		scratch[NJOBS - 4][0] ^= 0x80;
		sw_mac_engine_free(eng);
	}
	for (i = 0; i < NJOBS; i++) {
		sw_sig_ckey_wipe((struct sw_sig_ckey *)(void *)area[i]);
		assert_int_equal(area[i][0], 0);
		guard_buf_free(&slots[i].g);
		sw_sig_key_wipe(&keys[i]);
	}
}

/*
 * Every single-bit change of the buffer or of the token is rejected, with
 * one exception by design: the rc4-hmac sequence number (SND_SEQ bytes
 * 0..3) is outside the checksum and, with sequencing not requested, MIT
 * accepts it altered too; only its direction bytes are checked.
 */
static void
test_sig_flipped_bit_fails(void **state)
{
	const size_t len = 64;
	uint8_t token[SW_SIG_TOKEN_MAX], buf[64];
	struct sw_sig_key k;
	size_t c, bit;
	int dir;

	(void)state;
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			size_t tl = sig_cases[c].token_len;

			assert_int_equal(make_key(&sig_cases[c], (enum sw_dir)dir, &k), 0);
			assert_int_equal(sw_sig_sign(&k, buf_data, len, 42, token, sizeof(token)),
					 (int)tl);
			for (bit = 0; bit < len * 8; bit++) {
				memcpy(buf, buf_data, len);
				buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				if (sw_sig_verify(&k, buf, len, token, tl) != -EBADMSG)
					fail_msg("%s dir %d: buffer bit %zu accepted",
						 sig_cases[c].name, dir, bit);
			}
			for (bit = 0; bit < tl * 8; bit++) {
				int rc4_seq = sig_cases[c].enctype == SW_ENCTYPE_RC4_HMAC &&
					      bit / 8 >= 21 && bit / 8 < 25;
				int rc;

				token[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				rc = sw_sig_verify(&k, buf_data, len, token, tl);
				token[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				if (rc != (rc4_seq ? 0 : -EBADMSG))
					fail_msg("%s dir %d: token bit %zu gave %d",
						 sig_cases[c].name, dir, bit, rc);
			}
			assert_int_equal(sw_sig_verify(&k, buf_data, len, token, tl), 0);
			sw_sig_key_wipe(&k);
		}
	}
}

/*
 * A token signed for one direction never verifies with the other
 * direction's key: NTLM and CFX derive different keys, rc4-hmac shares the
 * checksum key and relies on the SND_SEQ direction bytes (a reflected
 * server token), which the batch path checks after the compare with
 * sw_sig_job_post_check() / sw_sig_ckey_job_post_check() (the lcores').
 */
static void
test_sig_wrong_direction_fails(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX], scratch[SW_MAC_TAG_MAX], scratch2[SW_MAC_TAG_MAX];
	static uint64_t area[SW_SIG_CKEY_MAX / 8];
	struct sw_sig_ckey *ck = (struct sw_sig_ckey *)(void *)area;
	struct sw_sig_key signer, verifier;
	struct sw_mac_job job, job2;
	struct slot s, s2;
	size_t c;
	int dir;

	(void)state;
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			int n;

			assert_int_equal(make_key(&sig_cases[c], (enum sw_dir)dir, &signer), 0);
			assert_int_equal(make_key(&sig_cases[c], (enum sw_dir) !dir, &verifier), 0);
			n = sw_sig_sign(&signer, buf_data, 100, 5, token, sizeof(token));
			assert_int_equal(n, (int)sig_cases[c].token_len);
			assert_int_equal(sw_sig_verify(&verifier, buf_data, 100, token, (size_t)n),
					 -EBADMSG);

			slot_fill(&s, buf_data, 100);
			n = sw_sig_job_prep(&verifier, s.p, 100, token, (size_t)n, scratch, &job);
			if (sig_cases[c].scheme == SW_SCHEME_KERBEROS &&
			    sig_cases[c].enctype != SW_ENCTYPE_RC4_HMAC) {
				/* SentByAcceptor is wrong for this key: framing. */
				assert_int_equal(n, -EBADMSG);
			} else {
				assert_int_equal(n, 0);
				if (sig_cases[c].enctype == SW_ENCTYPE_RC4_HMAC) {
					assert_true(job_tag_matches(&job));
					assert_int_equal(sw_sig_post_check(&verifier, token,
									   verifier.token_len),
							 -EBADMSG);
					assert_int_equal(sw_sig_job_post_check(&verifier, &job),
							 -EBADMSG);
					/* The signer's own direction passes. */
					assert_int_equal(sw_sig_job_post_check(&signer, &job), 0);
					/* The compact key (what a polling lcore holds). */
					assert_true(sw_sig_ckey_init(ck, sizeof(area), &verifier) >
						    0);
					slot_fill(&s2, buf_data, 100);
					assert_int_equal(sw_sig_ckey_job_prep(ck, s2.p, 100, token,
									      verifier.token_len,
									      scratch2, &job2),
							 0);
					assert_int_equal(sw_sig_ckey_job_post_check(ck, &job2),
							 -EBADMSG);
					sw_sig_ckey_wipe(ck);
					guard_buf_free(&s2.g);
				} else {
					assert_false(job_tag_matches(&job));
					assert_int_equal(sw_sig_job_post_check(&verifier, &job), 0);
				}
			}
			guard_buf_free(&s.g);
			sw_sig_key_wipe(&signer);
			sw_sig_key_wipe(&verifier);
		}
	}
}

/* Another SA's key (a different session key) fails too. */
static void
test_sig_wrong_key_fails(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX], other[32];
	struct sw_sig_key a, b;
	size_t c;

	(void)state;
	memcpy(other, base_key, sizeof(other));
	other[0] ^= 0x01;
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		const struct sig_case *sc = &sig_cases[c];
		int n;

		assert_int_equal(make_key(sc, SW_DIR_C2S, &a), 0);
		if (sc->scheme == SW_SCHEME_NTLM)
			assert_int_equal(sw_sig_key_init_ntlm(&b, other, SW_DIR_C2S), 0);
		else
			assert_int_equal(sw_sig_key_init_krb(&b, sc->enctype, other, sc->key_len,
							     SW_DIR_C2S),
					 0);
		n = sw_sig_sign(&a, buf_data, 80, 1, token, sizeof(token));
		assert_int_equal(sw_sig_verify(&b, buf_data, 80, token, (size_t)n), -EBADMSG);
		sw_sig_key_wipe(&a);
		sw_sig_key_wipe(&b);
	}
}

/* A token one byte short or long, or empty, is rejected before any HMAC. */
static void
test_sig_wrong_token_length_fails(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX + 1], scratch[SW_MAC_TAG_MAX];
	struct sw_mac_job job;
	struct sw_sig_key k;
	struct slot s;
	size_t c;

	(void)state;
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		size_t tl = sig_cases[c].token_len;

		assert_int_equal(make_key(&sig_cases[c], SW_DIR_S2C, &k), 0);
		memset(token, 0, sizeof(token));
		assert_int_equal(sw_sig_sign(&k, buf_data, 10, 1, token, sizeof(token)), (int)tl);
		slot_fill(&s, buf_data, 10);
		assert_int_equal(sw_sig_verify(&k, buf_data, 10, token, tl - 1), -EBADMSG);
		assert_int_equal(sw_sig_verify(&k, buf_data, 10, token, tl + 1), -EBADMSG);
		assert_int_equal(sw_sig_verify(&k, buf_data, 10, NULL, 0), -EBADMSG);
		assert_int_equal(sw_sig_job_prep(&k, s.p, 10, token, tl - 1, scratch, &job),
				 -EBADMSG);
		assert_int_equal(sw_sig_job_prep(&k, s.p, 10, token, tl + 1, scratch, &job),
				 -EBADMSG);
		assert_int_equal(sw_sig_job_prep(&k, s.p, 10, NULL, 0, scratch, &job), -EBADMSG);
		assert_int_equal(sw_sig_post_check(&k, token, tl + 1), -EBADMSG);
		assert_int_equal(sw_sig_verify(&k, buf_data, 10, token, tl), 0);
		guard_buf_free(&s.g);
		sw_sig_key_wipe(&k);
	}
}

/* Fixed framing bytes that sw_sig_job_prep() checks, one row per byte. */
struct framing_case {
	const char *name;
	size_t sig_case;
	size_t off;
	uint8_t xor ;
};

static const struct framing_case framing_cases[] = {
	{"ntlm version", 0, 0, 0x01},
	{"ntlm version high byte", 0, 3, 0x80},
	{"ntlm seq (not 100)", 0, 12, 0x01},
	{"cfx tok id", 1, 0, 0x01},
	{"cfx tok id 2nd", 3, 1, 0x01},
	{"cfx sealed flag", 2, 2, 0x02},
	{"cfx sent-by-acceptor flag", 4, 2, 0x01},
	{"cfx filler", 1, 3, 0x01},
	{"cfx filler last", 4, 7, 0x10},
	{"rc4 application tag", 5, 0, 0x01},
	{"rc4 length", 5, 1, 0x01},
	{"rc4 oid (legacy MS arc)", 5, 7, 0x04},
	{"rc4 tok id", 5, 13, 0x01},
	{"rc4 sgn alg", 5, 15, 0x01},
	{"rc4 filler", 5, 20, 0x01},
};

static void
test_sig_job_prep_rejects_framing(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX], scratch[SW_MAC_TAG_MAX];
	struct sw_mac_job job;
	struct sw_sig_key k;
	struct slot s;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(framing_cases); i++) {
		const struct framing_case *f = &framing_cases[i];
		const struct sig_case *c = &sig_cases[f->sig_case];

		assert_int_equal(make_key(c, SW_DIR_C2S, &k), 0);
		assert_int_equal(sw_sig_sign(&k, buf_data, 33, 9, token, sizeof(token)),
				 (int)c->token_len);
		token[f->off] ^= f->xor ;
		slot_fill(&s, buf_data, 33);
		if (sw_sig_job_prep(&k, s.p, 33, token, c->token_len, scratch, &job) != -EBADMSG)
			fail_msg("%s: job_prep accepted", f->name);
		if (sw_sig_verify(&k, buf_data, 33, token, c->token_len) != -EBADMSG)
			fail_msg("%s: verify accepted", f->name);
		guard_buf_free(&s.g);
		sw_sig_key_wipe(&k);
	}
}

/*
 * RFC 4121 §4.2.2 AcceptorSubkey: set on sign when asked (MIT does so once
 * an acceptor subkey exists), accepted on verify either way, refused for
 * keys that have no such flag.
 */
static void
test_sig_acceptor_subkey_flag(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX];
	struct sw_sig_key signer, verifier;
	size_t c;
	int dir;

	(void)state;
	for (c = 1; c <= 4; c++) {
		for (dir = SW_DIR_C2S; dir <= SW_DIR_S2C; dir++) {
			int n;

			assert_int_equal(make_key(&sig_cases[c], (enum sw_dir)dir, &signer), 0);
			assert_int_equal(make_key(&sig_cases[c], (enum sw_dir)dir, &verifier), 0);
			assert_int_equal(sw_sig_key_set_acceptor_subkey(&signer, 1), 0);
			n = sw_sig_sign(&signer, buf_data, 77, 3, token, sizeof(token));
			assert_int_equal(n, (int)sig_cases[c].token_len);
			assert_int_equal(token[2], dir == SW_DIR_S2C ? 0x05 : 0x04);
			assert_int_equal(sw_sig_verify(&verifier, buf_data, 77, token, (size_t)n),
					 0);
			assert_int_equal(sw_sig_verify(&signer, buf_data, 77, token, (size_t)n), 0);
			assert_int_equal(sw_sig_key_set_acceptor_subkey(&signer, 0), 0);
			n = sw_sig_sign(&signer, buf_data, 77, 3, token, sizeof(token));
			assert_int_equal(token[2], dir == SW_DIR_S2C ? 0x01 : 0x00);
			sw_sig_key_wipe(&signer);
			sw_sig_key_wipe(&verifier);
		}
	}
	assert_int_equal(make_key(&sig_cases[0], SW_DIR_C2S, &signer), 0);
	assert_int_equal(sw_sig_key_set_acceptor_subkey(&signer, 1), -EINVAL);
	assert_int_equal(make_key(&sig_cases[5], SW_DIR_C2S, &signer), 0);
	assert_int_equal(sw_sig_key_set_acceptor_subkey(&signer, 1), -EINVAL);
	assert_int_equal(sw_sig_key_set_acceptor_subkey(NULL, 1), -EINVAL);
	sw_sig_key_wipe(&signer);
}

static void
test_sig_sign_errors(void **state)
{
	uint8_t token[SW_SIG_TOKEN_MAX];
	struct sw_sig_key k, empty;
	size_t c;

	(void)state;
	memset(&empty, 0, sizeof(empty));
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		size_t tl = sig_cases[c].token_len;

		assert_int_equal(make_key(&sig_cases[c], SW_DIR_C2S, &k), 0);
		assert_int_equal(sw_sig_sign(&k, buf_data, 10, 0, token, tl - 1), -ENOSPC);
		assert_int_equal(sw_sig_sign(&k, buf_data, 10, 0, token, tl), (int)tl);
		assert_int_equal(sw_sig_sign(&k, buf_data, 10, 0, NULL, tl), -EINVAL);
		assert_int_equal(sw_sig_sign(&k, NULL, 10, 0, token, tl), -EINVAL);
		assert_int_equal(sw_sig_sign(&k, NULL, 0, 0, token, tl), (int)tl);
		assert_int_equal(sw_sig_verify(&k, NULL, 0, token, tl), 0);
		assert_int_equal(sw_sig_verify(&k, NULL, 10, token, tl), -EINVAL);
		sw_sig_key_wipe(&k);
	}
	assert_int_equal(sw_sig_sign(NULL, buf_data, 10, 0, token, sizeof(token)), -EINVAL);
	assert_int_equal(sw_sig_sign(&empty, buf_data, 10, 0, token, sizeof(token)), -EINVAL);
	assert_int_equal(sw_sig_verify(&empty, buf_data, 10, token, 16), -EINVAL);
	assert_int_equal(sw_sig_post_check(&empty, token, 16), -EINVAL);
}

struct init_case {
	const char *name;
	int enctype;
	size_t key_len;
	int dir;
	int want;
};

static const struct init_case init_cases[] = {
	{"aes128 short key", SW_ENCTYPE_AES128_SHA1, 15, SW_DIR_C2S, -EINVAL},
	{"aes128 with 32 bytes", SW_ENCTYPE_AES128_SHA1, 32, SW_DIR_C2S, -EINVAL},
	{"aes256 with 16 bytes", SW_ENCTYPE_AES256_SHA1, 16, SW_DIR_C2S, -EINVAL},
	{"aes128-sha256 with 32", SW_ENCTYPE_AES128_SHA256, 32, SW_DIR_C2S, -EINVAL},
	{"aes256-sha384 with 24", SW_ENCTYPE_AES256_SHA384, 24, SW_DIR_C2S, -EINVAL},
	{"rc4 with 32", SW_ENCTYPE_RC4_HMAC, 32, SW_DIR_C2S, -EINVAL},
	{"des3 (16)", 16, 24, SW_DIR_C2S, -ENOTSUP},
	{"rc4-hmac-exp (24)", 24, 16, SW_DIR_C2S, -ENOTSUP},
	{"camellia (25)", 25, 16, SW_DIR_C2S, -ENOTSUP},
	{"enctype 0", 0, 16, SW_DIR_C2S, -ENOTSUP},
	{"bad direction", SW_ENCTYPE_AES128_SHA1, 16, 2, -EINVAL},
	{"ok aes256-sha384", SW_ENCTYPE_AES256_SHA384, 32, SW_DIR_S2C, 0},
};

static void
test_sig_key_init_errors(void **state)
{
	struct sw_sig_key k;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(init_cases); i++) {
		const struct init_case *c = &init_cases[i];
		int got;

		memset(&k, 0x77, sizeof(k));
		got = sw_sig_key_init_krb(&k, c->enctype, base_key, c->key_len,
					  (enum sw_dir)c->dir);
		if (got != c->want)
			fail_msg("%s: got %d want %d", c->name, got, c->want);
		/* A failed init leaves the caller's key untouched. */
		if (got != 0 && k.scheme != 0x77)
			fail_msg("%s: key written on failure", c->name);
	}
	assert_int_equal(sw_sig_key_init_krb(NULL, 17, base_key, 16, SW_DIR_C2S), -EINVAL);
	assert_int_equal(sw_sig_key_init_krb(&k, 17, NULL, 16, SW_DIR_C2S), -EINVAL);
	assert_int_equal(sw_sig_key_init_ntlm(NULL, base_key, SW_DIR_C2S), -EINVAL);
	assert_int_equal(sw_sig_key_init_ntlm(&k, NULL, SW_DIR_C2S), -EINVAL);
	assert_int_equal(sw_sig_key_init_ntlm(&k, base_key, (enum sw_dir)7), -EINVAL);
}

static void
test_sig_key_wipe(void **state)
{
	static const struct sw_sig_key zero;
	struct sw_sig_key k;
	size_t c;

	(void)state;
	for (c = 0; c < ARRAY_LEN(sig_cases); c++) {
		assert_int_equal(make_key(&sig_cases[c], SW_DIR_C2S, &k), 0);
		sw_sig_key_wipe(&k);
		assert_memory_equal(&k, &zero, sizeof(k));
	}
	sw_sig_key_wipe(NULL);
}

struct hex_case {
	const char *name;
	const char *in;
	size_t cap;
	int want;
	uint8_t out[8];
};

static const struct hex_case hex_cases[] = {
	{"empty", "", 8, 0, {0}},
	{"lower", "0a1b2c3d", 8, 4, {0x0a, 0x1b, 0x2c, 0x3d}},
	{"upper", "0A1B2C3D", 8, 4, {0x0a, 0x1b, 0x2c, 0x3d}},
	{"mixed", "fF00Aa99", 4, 4, {0xff, 0x00, 0xaa, 0x99}},
	{"all digits", "0123456789abcdef", 8, 8, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}},
	{"odd length", "abc", 8, -EINVAL, {0}},
	{"g", "0g", 8, -EINVAL, {0}},
	{"G", "G0", 8, -EINVAL, {0}},
	{"space", "0 ", 8, -EINVAL, {0}},
	{"quote", "\"00\"", 8, -EINVAL, {0}},
	{"at sign (0x40)", "@0", 8, -EINVAL, {0}},
	{"backtick (0x60)", "`0", 8, -EINVAL, {0}},
	{"high byte", "\xc1\xc1", 8, -EINVAL, {0}},
	{"cap too small", "00112233", 3, -ENOSPC, {0}},
};

static void
test_sig_hex_decode(void **state)
{
	uint8_t out[8];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(hex_cases); i++) {
		const struct hex_case *h = &hex_cases[i];
		struct guard_buf g;
		size_t len = strlen(h->in);
		const char *in = len != 0 ? guard_buf_put(&g, h->in, len) : h->in;
		int got;

		memset(out, 0xee, sizeof(out));
		got = sw_hex_decode(in, len, out, h->cap);
		if (got != h->want)
			fail_msg("%s: got %d want %d", h->name, got, h->want);
		if (got > 0)
			assert_memory_equal(out, h->out, (size_t)got);
		if (got < 0)
			assert_int_equal(out[0], 0xee);
		if (len != 0)
			guard_buf_free(&g);
	}
	assert_int_equal(sw_hex_decode(NULL, 0, NULL, 0), 0);
	assert_int_equal(sw_hex_decode(NULL, 2, out, 8), -EINVAL);
}

static void
test_sig_hex_encode(void **state)
{
	static const uint8_t in[] = {0x01, 0xab, 0x00, 0xff};
	uint8_t token[SW_SIG_TOKEN_MAX], back[SW_SIG_TOKEN_MAX];
	char out[2 * SW_SIG_TOKEN_MAX + 1];
	struct sw_sig_key k;

	(void)state;
	assert_int_equal(sw_hex_encode(in, sizeof(in), out, sizeof(out)), 8);
	assert_string_equal(out, "01AB00FF");
	assert_int_equal(sw_hex_encode(in, sizeof(in), out, 9), 8);
	assert_int_equal(sw_hex_encode(in, sizeof(in), out, 8), -ENOSPC);
	assert_int_equal(sw_hex_encode(in, 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(sw_hex_encode(in, 0, out, 0), -ENOSPC);

	/* A token survives the trip through the response= parameter. */
	assert_int_equal(make_key(&sig_cases[4], SW_DIR_S2C, &k), 0);
	assert_int_equal(sw_sig_sign(&k, buf_data, 50, 1, token, sizeof(token)), 40);
	assert_int_equal(sw_hex_encode(token, 40, out, sizeof(out)), 80);
	assert_int_equal(sw_hex_decode(out, 80, back, sizeof(back)), 40);
	assert_int_equal(sw_sig_verify(&k, buf_data, 50, back, 40), 0);
	sw_sig_key_wipe(&k);
}

struct scheme_case {
	const char *in;
	size_t len;
	enum sw_scheme want;
};

static const struct scheme_case scheme_cases[] = {
	{"NTLM", 4, SW_SCHEME_NTLM},
	{"ntlm", 4, SW_SCHEME_NTLM},
	{"Kerberos", 8, SW_SCHEME_KERBEROS},
	{"KERBEROS", 8, SW_SCHEME_KERBEROS},
	{"kerberos", 8, SW_SCHEME_KERBEROS},
	{"NTLMX", 5, SW_SCHEME_NONE},
	{"NTL", 3, SW_SCHEME_NONE},
	{"Kerberos ", 9, SW_SCHEME_NONE},
	{"Negotiate", 9, SW_SCHEME_NONE},
	{"TLS-DSK", 7, SW_SCHEME_NONE},
	{"", 0, SW_SCHEME_NONE},
};

static void
test_sig_scheme_names(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(scheme_cases); i++) {
		const struct scheme_case *s = &scheme_cases[i];
		struct guard_buf g;
		const char *p = s->len != 0 ? guard_buf_put(&g, s->in, s->len) : s->in;

		if (sw_scheme_from(p, s->len) != s->want)
			fail_msg("\"%s\": wrong scheme", s->in);
		if (s->len != 0)
			guard_buf_free(&g);
	}
	assert_int_equal(sw_scheme_from(NULL, 0), SW_SCHEME_NONE);
	assert_string_equal(sw_scheme_name(SW_SCHEME_NTLM), "NTLM");
	assert_string_equal(sw_scheme_name(SW_SCHEME_KERBEROS), "Kerberos");
	assert_null(sw_scheme_name(SW_SCHEME_NONE));
	assert_null(sw_scheme_name((enum sw_scheme)9));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_roundtrip_scalar),
		cmocka_unit_test(test_sig_roundtrip_job_prep),
		cmocka_unit_test(test_sig_engines_verify_burst),
		cmocka_unit_test(test_sig_ckey_matches_full_key),
		cmocka_unit_test(test_sig_ckey_batch_sign),
		cmocka_unit_test(test_sig_flipped_bit_fails),
		cmocka_unit_test(test_sig_wrong_direction_fails),
		cmocka_unit_test(test_sig_wrong_key_fails),
		cmocka_unit_test(test_sig_wrong_token_length_fails),
		cmocka_unit_test(test_sig_job_prep_rejects_framing),
		cmocka_unit_test(test_sig_acceptor_subkey_flag),
		cmocka_unit_test(test_sig_sign_errors),
		cmocka_unit_test(test_sig_key_init_errors),
		cmocka_unit_test(test_sig_key_wipe),
		cmocka_unit_test(test_sig_hex_decode),
		cmocka_unit_test(test_sig_hex_encode),
		cmocka_unit_test(test_sig_scheme_names),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
