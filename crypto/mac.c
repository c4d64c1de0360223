/*
 * Batch HMAC: key preparation, job validation and the engine-neutral half of
 * sw_mac_verify_burst() / sw_mac_compute_burst().  The engines
 * (mac_mb.c, mac_ref.c) only fill eng->digest[]; comparing and copying tags
 * happens here, once, for both.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/mac.h"
#include "crypto/mac_priv.h"

static const char *const arch_name[SW_MAC_ARCH_NUM] = {
	[SW_MAC_ARCH_SSE] = "sse",
	[SW_MAC_ARCH_AVX2] = "avx2",
	[SW_MAC_ARCH_AVX512] = "avx512",
	[SW_MAC_ARCH_OPENSSL] = "openssl",
};

unsigned int
sw_mac_digest_len(enum sw_mac_alg alg)
{
	if ((unsigned int)alg == 0 || (unsigned int)alg >= SW_MAC_ALG_MAX)
		return 0;
	return sw_mac_alg_dlen(alg);
}

unsigned int
sw_mac_state_len(enum sw_mac_alg alg)
{
	if ((unsigned int)alg == 0 || (unsigned int)alg >= SW_MAC_ALG_MAX)
		return 0;
	return sw_mac_alg_slen(alg);
}

/*
 * RFC 2104 §2: a key longer than the block is replaced by its digest, a
 * shorter one is zero-padded to the block.  The MB engine gets the two pad
 * compression states; the REF engine the (possibly hashed) key itself.
 */
int
sw_mac_key_init(struct sw_mac_key *key, enum sw_mac_alg alg, const uint8_t *raw, size_t raw_len)
{
	uint8_t kblock[128];
	unsigned int blen;
	size_t klen;
	int ret;

	if (key == NULL || sw_mac_digest_len(alg) == 0 || (raw == NULL && raw_len != 0))
		return -EINVAL;
	blen = sw_mac_alg_blen(alg);

	memset(kblock, 0, sizeof(kblock));
	if (raw_len > blen) {
		sw_mac_ref_hash(alg, raw, raw_len, kblock);
		klen = sw_mac_alg_dlen(alg);
	} else {
		if (raw_len != 0)
			memcpy(kblock, raw, raw_len);
		klen = raw_len;
	}

	sw_mac_key_wipe(key);
	ret = sw_mac_mb_pad_states(alg, kblock, key->ipad_state, key->opad_state);
	if (ret != 0)
		goto cleanup;
	key->alg = (uint8_t)alg;
	key->raw_len = (uint8_t)klen;
	memcpy(key->raw, kblock, klen);

cleanup:
	if (ret != 0)
		sw_mac_key_wipe(key);
	OPENSSL_cleanse(kblock, sizeof(kblock));
	return ret;
}

void
sw_mac_key_wipe(struct sw_mac_key *key)
{
	if (key != NULL)
		OPENSSL_cleanse(key, sizeof(*key));
}

/* Branch-free: the time taken depends on n only, never on the contents. */
static inline int
ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned int d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned int)(a[i] ^ b[i]);
	return (int)(((d - 1u) >> 8) & 1u);
}

int
sw_mac_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	return ct_equal(a, b, n);
}

static int
engine_new(enum sw_mac_impl impl, enum sw_mac_arch pinned, struct sw_mac_engine **eng_out)
{
	struct sw_mac_engine *eng = NULL; /* owner */
	void *mem = NULL;
	int ret;

	if (eng_out == NULL)
		return -EINVAL;
	*eng_out = NULL;
	if (impl != SW_MAC_IMPL_MB && impl != SW_MAC_IMPL_REF)
		return -EINVAL;

	if (posix_memalign(&mem, 64, sizeof(*eng)) != 0)
		return -ENOMEM;
	eng = mem;
	memset(eng, 0, sizeof(*eng));
	eng->impl = (uint8_t)impl;
	memset(eng->pick, SW_MAC_ARCH_OPENSSL, sizeof(eng->pick));

	ret = sw_mac_ref_new(&eng->ref);
	if (ret != 0)
		goto cleanup;
	if (impl == SW_MAC_IMPL_MB) {
		ret = sw_mac_mb_new(eng, pinned);
		if (ret != 0)
			goto cleanup;
	}

	*eng_out = eng;
	eng = NULL;
	ret = 0;

cleanup:
	sw_mac_engine_free(eng);
	return ret;
}

int
sw_mac_engine_create(enum sw_mac_impl impl, struct sw_mac_engine **eng_out)
{
	return engine_new(impl, SW_MAC_ARCH_NUM, eng_out);
}

int
sw_mac_engine_create_arch(const char *arch, struct sw_mac_engine **eng_out)
{
	unsigned int a;

	if (eng_out != NULL)
		*eng_out = NULL;
	if (arch == NULL)
		return -EINVAL;
	for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++)
		if (strcmp(arch, arch_name[a]) == 0)
			return engine_new(SW_MAC_IMPL_MB, (enum sw_mac_arch)a, eng_out);
	return -EINVAL;
}

void
sw_mac_engine_free(struct sw_mac_engine *eng)
{
	if (eng == NULL)
		return;
	sw_mac_mb_free(eng->mb);
	sw_mac_ref_free(eng->ref);
	OPENSSL_cleanse(eng, sizeof(*eng));
	free(eng);
}

const char *
sw_mac_engine_arch_n(const struct sw_mac_engine *eng, enum sw_mac_alg alg, uint16_t n)
{
	if (eng == NULL || sw_mac_digest_len(alg) == 0 || n == 0 || n > SW_MAC_BURST_MAX)
		return "none";
	return arch_name[eng->pick[alg][n]];
}

const char *
sw_mac_engine_arch(const struct sw_mac_engine *eng, enum sw_mac_alg alg)
{
	return sw_mac_engine_arch_n(eng, alg, 32);
}

unsigned int
sw_mac_engine_probe_ns(const struct sw_mac_engine *eng, enum sw_mac_alg alg, const char *arch)
{
	unsigned int a;

	if (eng == NULL || arch == NULL || sw_mac_digest_len(alg) == 0)
		return 0;
	for (a = 0; a < SW_MAC_ARCH_NUM; a++)
		if (strcmp(arch, arch_name[a]) == 0)
			return eng->probe_ns[alg][a];
	return 0;
}

/*
 * Everything an engine relies on, checked once per burst so that the
 * engines need no per-job error paths.  Bitwise ORs keep it one branch.
 */
static int
jobs_valid(const struct sw_mac_job *jobs, uint16_t n, int need_tag)
{
	unsigned int bad = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct sw_mac_job *j = &jobs[i];
		unsigned int alg;

		if (j->key == NULL && (j->ipad == NULL || j->opad == NULL))
			return 0;
		alg = sw_mac_job_alg(j);
		if (alg == 0 || alg >= SW_MAC_ALG_MAX)
			return 0;
		bad |= (unsigned int)(j->msg == NULL && j->msg_len != 0);
		bad |= (unsigned int)(j->msg_len > SW_MAC_MSG_MAX);
		bad |= (unsigned int)(j->tag_len == 0 || j->tag_len > sw_mac_alg_dlen(alg));
		bad |= (unsigned int)(need_tag && j->tag == NULL);
	}
	return bad == 0;
}

/* Fill eng->digest[0 .. n) with the full digest of every job. */
static inline int
engine_run(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n)
{
	if (eng->mb != NULL)
		return sw_mac_mb_run(eng, jobs, n);
	sw_mac_ref_run(eng, jobs, n);
	return 0;
}

int
sw_mac_verify_burst(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n,
		    uint8_t *ok)
{
	int matched = 0, ret;
	uint16_t i;

	if (ok == NULL)
		return -EINVAL;
	if (eng == NULL || n > SW_MAC_BURST_MAX || (n != 0 && jobs == NULL) ||
	    !jobs_valid(jobs, n, 1)) {
		ret = -EINVAL;
		goto fail;
	}
	ret = engine_run(eng, jobs, n);
	if (ret != 0)
		goto fail;

	for (i = 0; i < n; i++) {
		int eq = ct_equal(eng->digest[i], jobs[i].tag, jobs[i].tag_len);

		ok[i] = (uint8_t)eq;
		matched += eq;
	}
	return matched;

fail:
	memset(ok, 0, n);
	return ret;
}

int
sw_mac_compute_burst(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n,
		     uint8_t (*tags)[SW_MAC_TAG_MAX])
{
	uint16_t i;
	int ret;

	if (eng == NULL || n > SW_MAC_BURST_MAX || (n != 0 && (jobs == NULL || tags == NULL)) ||
	    !jobs_valid(jobs, n, 0))
		return -EINVAL;
	ret = engine_run(eng, jobs, n);
	if (ret != 0)
		return ret;

	for (i = 0; i < n; i++)
		memcpy(tags[i], eng->digest[i], jobs[i].tag_len);
	return n;
}
