/*
 * Multi-buffer engine on intel-ipsec-mb 1.3.
 *
 * HMAC-SHA1/256/384 use the synchronous hash-burst API (one call per
 * algorithm group, precomputed pad states per job).  That API has no
 * HMAC-MD5, so HMAC-MD5 goes through the job API (get-next / submit /
 * flush).  HMAC-MD5 over MD5 (RFC 4757, legacy rc4-hmac) computes its inner
 * MD5 with OpenSSL, one message at a time (1.3 has no plain MD5 job), then
 * joins the HMAC-MD5 group with the 16-byte digest as its message.
 * The library's job checks reject zero-length messages and messages over
 * 65534 bytes (IMB_ERR_JOB_AUTH_LEN, measured on 1.3; the NOCHECK entry
 * points happen to compute them, but nothing promises that), so those take
 * the scalar path, in release builds too.
 *
 * Where a group runs is decided at create time, per algorithm and per group
 * size: every supported manager (SSE, AVX2, AVX-512) is self-tested against
 * the scalar path, then timed on groups of 1..32 700-byte messages, and the
 * scalar path on a few; a wide manager pays for all its lanes, so small
 * groups often run best on a narrow one or on OpenSSL.  That costs about
 * 2 ms per engine.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#if defined(__x86_64__)
#endif

#include "crypto/mac.h"
#include "crypto/mac_priv.h"

/* The checked entry points validate every job; use them in debug builds. */
#ifdef NDEBUG
#define MB_SUBMIT_HASH_BURST IMB_SUBMIT_HASH_BURST_NOCHECK
#define MB_SUBMIT_JOB	     IMB_SUBMIT_JOB_NOCHECK
#else
#define MB_SUBMIT_HASH_BURST IMB_SUBMIT_HASH_BURST
#define MB_SUBMIT_JOB	     IMB_SUBMIT_JOB
#endif

/* Longest message intel-ipsec-mb 1.3's job checks accept (its MB_MAX_LEN16). */
#define MB_MSG_MAX 65534u

#define PROBE_LEN  700u /* bytes per probe message: a typical signed SIP request */
#define PROBE_N	   32u	/* largest group timed, and the self-test batch */
#define REF_N	   4u	/* messages per timed run of the scalar path */
#define PROBE_REPS 4u	/* runs per measurement; the first is a warm-up */

struct sw_mac_mb {
	IMB_MGR *mgr[SW_MAC_MB_ARCH_NUM];    /* owned; NULL when unsupported or unused */
	IMB_JOB jobs[SW_MAC_BURST_MAX];	     /* hash-burst array, reused per group */
	uint8_t inner[SW_MAC_BURST_MAX][16]; /* MD5(msg) for SW_MAC_HMAC_MD5_OF_MD5 */
#if defined(__x86_64__)
#endif
};

static const IMB_HASH_ALG imb_hash[SW_MAC_ALG_MAX] = {
	[SW_MAC_HMAC_MD5] = IMB_AUTH_MD5,
	[SW_MAC_HMAC_SHA1] = IMB_AUTH_HMAC_SHA_1,
	[SW_MAC_HMAC_SHA256] = IMB_AUTH_HMAC_SHA_256,
	[SW_MAC_HMAC_SHA384] = IMB_AUTH_HMAC_SHA_384,
	[SW_MAC_HMAC_MD5_OF_MD5] = IMB_AUTH_MD5,
};

/* Group sizes timed per (algorithm, arch); the last must be PROBE_N. */
static const uint8_t probe_sizes[] = {1, 2, 4, 8, 16, 32};
#define N_SIZES (sizeof(probe_sizes) / sizeof(probe_sizes[0]))

/* The algorithms timed and self-tested per architecture. */
static const uint8_t probe_algs[] = {
	SW_MAC_HMAC_MD5,
	SW_MAC_HMAC_SHA1,
	SW_MAC_HMAC_SHA256,
	SW_MAC_HMAC_SHA384,
};

/*
 * Key setup: the library's one-block helpers hang off a manager, so one
 * manager is set up on first use and kept for the life of the process.
 * They are pure functions of their input, so sharing it between threads is
 * safe.
 */
static IMB_MGR *key_mgr;
static pthread_once_t key_mgr_once = PTHREAD_ONCE_INIT;

static void
key_mgr_init(void)
{
	IMB_MGR *m = alloc_mb_mgr(0);
	IMB_ARCH arch;

	if (m == NULL)
		return;
	init_mb_mgr_auto(m, &arch);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return;
	}
	key_mgr = m;
}

int
sw_mac_mb_pad_states(enum sw_mac_alg alg, const uint8_t *kblock, uint8_t ipad_state[64],
		     uint8_t opad_state[64])
{
	uint8_t ip[128], op[128];
	unsigned int blen = sw_mac_alg_blen(alg), i;

	if (pthread_once(&key_mgr_once, key_mgr_init) != 0 || key_mgr == NULL)
		return -ENOMEM;
	for (i = 0; i < blen; i++) {
		ip[i] = kblock[i] ^ 0x36;
		op[i] = kblock[i] ^ 0x5c;
	}
	switch (alg) {
	case SW_MAC_HMAC_SHA1:
		IMB_SHA1_ONE_BLOCK(key_mgr, ip, ipad_state);
		IMB_SHA1_ONE_BLOCK(key_mgr, op, opad_state);
		break;
	case SW_MAC_HMAC_SHA256:
		IMB_SHA256_ONE_BLOCK(key_mgr, ip, ipad_state);
		IMB_SHA256_ONE_BLOCK(key_mgr, op, opad_state);
		break;
	case SW_MAC_HMAC_SHA384:
		/* Writes the whole 64-byte SHA-512 state, which HMAC jobs expect. */
		IMB_SHA384_ONE_BLOCK(key_mgr, ip, ipad_state);
		IMB_SHA384_ONE_BLOCK(key_mgr, op, opad_state);
		break;
	default:
		IMB_MD5_ONE_BLOCK(key_mgr, ip, ipad_state);
		IMB_MD5_ONE_BLOCK(key_mgr, op, opad_state);
		break;
	}
	OPENSSL_cleanse(ip, sizeof(ip));
	OPENSSL_cleanse(op, sizeof(op));
	return 0;
}

/* One algorithm's jobs through the hash-burst API; digests go to dig[idx[k]]. */
static int
hash_group(IMB_MGR *m, IMB_JOB *ij, const struct sw_mac_job *jobs, const uint8_t *idx,
	   unsigned int cnt, unsigned int alg, uint8_t (*dig)[SW_MAC_TAG_MAX])
{
	const IMB_HASH_ALG hash = imb_hash[alg];
	const uint64_t dlen = sw_mac_alg_dlen(alg);
	unsigned int k;

	for (k = 0; k < cnt; k++) {
		const struct sw_mac_job *j = &jobs[idx[k]];
		IMB_JOB *x = &ij[k];

		x->src = j->msg;
		x->msg_len_to_hash_in_bytes = j->msg_len;
		x->u.HMAC._hashed_auth_key_xor_ipad = sw_mac_job_ipad(j);
		x->u.HMAC._hashed_auth_key_xor_opad = sw_mac_job_opad(j);
		x->auth_tag_output = dig[idx[k]];
		x->auth_tag_output_len_in_bytes = dlen;
		x->hash_alg = hash;
	}
	return MB_SUBMIT_HASH_BURST(m, ij, cnt, hash) == cnt ? 0 : -EIO;
}

/*
 * HMAC-MD5 (and the outer half of HMAC-MD5 over MD5) through the job API.
 * The queue is empty on entry and on return: everything is flushed.
 */
static int
md5_group(IMB_MGR *m, const struct sw_mac_job *jobs, const uint8_t *idx, unsigned int cnt,
	  const uint8_t (*inner)[16], uint8_t (*dig)[SW_MAC_TAG_MAX])
{
	unsigned int k, done = 0, bad = 0;
	IMB_JOB *x;

	for (k = 0; k < cnt; k++) {
		const struct sw_mac_job *j = &jobs[idx[k]];
		int of_md5 = sw_mac_job_alg(j) == SW_MAC_HMAC_MD5_OF_MD5;

		x = IMB_GET_NEXT_JOB(m);
		x->cipher_mode = IMB_CIPHER_NULL;
		x->cipher_direction = IMB_DIR_ENCRYPT;
		x->chain_order = IMB_ORDER_HASH_CIPHER;
		x->hash_alg = IMB_AUTH_MD5;
		x->src = of_md5 ? inner[idx[k]] : j->msg;
		x->dst = NULL;
		x->cipher_start_src_offset_in_bytes = 0;
		x->msg_len_to_cipher_in_bytes = 0;
		x->hash_start_src_offset_in_bytes = 0;
		x->msg_len_to_hash_in_bytes = of_md5 ? 16 : j->msg_len;
		x->u.HMAC._hashed_auth_key_xor_ipad = sw_mac_job_ipad(j);
		x->u.HMAC._hashed_auth_key_xor_opad = sw_mac_job_opad(j);
		x->auth_tag_output = dig[idx[k]];
		x->auth_tag_output_len_in_bytes = 16;

		for (x = MB_SUBMIT_JOB(m); x != NULL; x = IMB_GET_COMPLETED_JOB(m)) {
			bad |= (unsigned int)(x->status != IMB_STATUS_COMPLETED);
			done++;
		}
	}
	while ((x = IMB_FLUSH_JOB(m)) != NULL) {
		bad |= (unsigned int)(x->status != IMB_STATUS_COMPLETED);
		done++;
	}
	return done == cnt && bad == 0 ? 0 : -EIO;
}


/* Jobs of one group on the scalar path; MD5-of-MD5 inner digests are ready. */
static void
scalar_group(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, const uint8_t *idx,
	     unsigned int cnt)
{
	unsigned int k;

	for (k = 0; k < cnt; k++) {
		const struct sw_mac_job *j = &jobs[idx[k]];
		int of_md5 = sw_mac_job_alg(j) == SW_MAC_HMAC_MD5_OF_MD5;
		const uint8_t *p = of_md5 ? eng->mb->inner[idx[k]] : j->msg;
		size_t len = of_md5 ? 16 : j->msg_len;

		if (j->key == NULL)
			/* The inner MD5 is done: the outer HMAC-MD5 from the states. */
			sw_mac_ref_hmac_st(of_md5 ? SW_MAC_HMAC_MD5 : j->alg, j->ipad, j->opad, &p,
					   &len, 1, eng->digest[idx[k]]);
		else
			sw_mac_ref_hmac(eng->ref, j->key, p, len, eng->digest[idx[k]]);
	}
}

/* One group of @p cnt jobs of @p alg on @p arch. */
static int
group_run(struct sw_mac_engine *eng, unsigned int arch, const struct sw_mac_job *jobs,
	  const uint8_t *idx, unsigned int cnt, unsigned int alg)
{
	struct sw_mac_mb *mb = eng->mb;

	if (arch == SW_MAC_ARCH_OPENSSL) {
		scalar_group(eng, jobs, idx, cnt);
		return 0;
	}
	if (alg == SW_MAC_HMAC_MD5)
		return md5_group(mb->mgr[arch], jobs, idx, cnt, (const uint8_t(*)[16])mb->inner,
				 eng->digest);
	return hash_group(mb->mgr[arch], mb->jobs, jobs, idx, cnt, alg, eng->digest);
}

/*
 * Group the burst by algorithm (stable), run each group where the probe
 * says a group of that size runs best, leave the full digests in
 * eng->digest[] in the caller's order.  Group 0 holds the lengths the
 * library refuses; MD5-of-MD5 joins the HMAC-MD5 group once its inner MD5
 * is done.
 */
int
sw_mac_mb_run(struct sw_mac_engine *eng, const struct sw_mac_job *jobs, uint16_t n)
{
	struct sw_mac_mb *mb = eng->mb;
	uint8_t idx[SW_MAC_HMAC_SHA384 + 1][SW_MAC_BURST_MAX];
	uint8_t cnt[SW_MAC_HMAC_SHA384 + 1] = {0};
	unsigned int a, arch, scalar = 0;
	int ret = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		unsigned int alg = sw_mac_job_alg(&jobs[i]);

		if (alg == SW_MAC_HMAC_MD5_OF_MD5) {
			sw_mac_ref_md5(eng->ref, jobs[i].msg, jobs[i].msg_len, mb->inner[i]);
			alg = SW_MAC_HMAC_MD5;
		} else if (jobs[i].msg_len - 1u >= MB_MSG_MAX) {
			alg = 0; /* length 0 (wraps) or over MB_MSG_MAX */
		}
		idx[alg][cnt[alg]++] = (uint8_t)i;
	}

	for (a = 0; a <= SW_MAC_HMAC_SHA384; a++) {
		if (cnt[a] == 0)
			continue;
		arch = a == 0 ? SW_MAC_ARCH_OPENSSL : eng->pick[a][cnt[a]];
		scalar |= arch == SW_MAC_ARCH_OPENSSL;
		ret |= group_run(eng, arch, jobs, idx[a], cnt[a], a);
	}
	if (scalar)
		sw_mac_ref_scrub(eng->ref);
	return ret != 0 ? -EIO : 0;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Predicted time for @p n jobs from the times t[] measured at probe_sizes[]:
 * linear between measured sizes, all lanes full beyond the largest. */
static double
mb_cost(const uint64_t *t, unsigned int n)
{
	unsigned int s;
	double lo, hi;

	if (n >= PROBE_N)
		return (double)t[N_SIZES - 1] * n / PROBE_N;
	for (s = 1; probe_sizes[s] < n; s++)
		;
	lo = probe_sizes[s - 1];
	hi = probe_sizes[s];
	return (double)t[s - 1] + ((double)t[s] - (double)t[s - 1]) * (n - lo) / (hi - lo);
}

/*
 * The cheapest way to run @p n jobs given the measured times.  Within 5 %
 * of it, prefer[0] (the choice for full groups), then prefer[1] (the choice
 * for n - 1) win, so that few managers, and little cache, serve all sizes.
 */
static unsigned int
cheapest(const uint64_t (*t)[N_SIZES], uint64_t t_ref, const uint8_t *passed, unsigned int n,
	 const unsigned int *prefer, unsigned int n_prefer)
{
	double cost[SW_MAC_ARCH_NUM], best;
	unsigned int a, i, pick = SW_MAC_ARCH_OPENSSL;

	best = cost[SW_MAC_ARCH_OPENSSL] = (double)t_ref * n / REF_N;
	for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++) {
		if (!passed[a])
			continue;
		cost[a] = mb_cost(t[a], n);
		if (cost[a] < best) {
			best = cost[a];
			pick = a;
		}
	}
	for (i = 0; i < n_prefer; i++) {
		a = prefer[i];
		if ((a == SW_MAC_ARCH_OPENSSL || passed[a]) && cost[a] <= best * 1.05)
			return a;
	}
	return pick;
}

/* Create-time measurements; on the heap, not the stack. */
struct probe {
	struct sw_mac_key keys[SW_MAC_ALG_MAX];
	struct sw_mac_job jobs[SW_MAC_ALG_MAX][PROBE_N];
	uint8_t msgs[PROBE_N][PROBE_LEN];
	uint8_t idx[PROBE_N];
	uint8_t passed[SW_MAC_ALG_MAX][SW_MAC_MB_ARCH_NUM];
	uint64_t t[SW_MAC_ALG_MAX][SW_MAC_MB_ARCH_NUM][N_SIZES]; /* best ns per group */
	uint64_t t_ref[SW_MAC_ALG_MAX];				 /* best ns for REF_N */
};

/* Keys, messages, and a self-test of every (algorithm, arch) pair against
 * the scalar path on 32 x 700-byte messages. */
static int
probe_selftest(struct sw_mac_engine *eng, struct probe *pb)
{
	static const uint8_t probe_key[20] = "sipward-probe-key-0";
	uint8_t want[PROBE_N][SW_MAC_TAG_MAX];
	unsigned int p, a, k, alg, dlen;
	int ret;

	for (k = 0; k < PROBE_N * PROBE_LEN; k++)
		pb->msgs[k / PROBE_LEN][k % PROBE_LEN] = (uint8_t)(k * 131u + (k >> 9));
	for (k = 0; k < PROBE_N; k++)
		pb->idx[k] = (uint8_t)k;

	for (p = 0; p < sizeof(probe_algs); p++) {
		alg = probe_algs[p];
		dlen = sw_mac_alg_dlen(alg);
		ret = sw_mac_key_init(&pb->keys[alg], alg, probe_key, sizeof(probe_key));
		if (ret != 0)
			return ret;
		for (k = 0; k < PROBE_N; k++) {
			pb->jobs[alg][k] = (struct sw_mac_job){
				.key = &pb->keys[alg],
				.msg = pb->msgs[k],
				.msg_len = PROBE_LEN,
				.tag_len = (uint8_t)dlen,
			};
			sw_mac_ref_one(eng->ref, &pb->jobs[alg][k], want[k]);
		}
		for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++) {
			if (eng->mb->mgr[a] == NULL)
				continue;
			memset(eng->digest, 0, sizeof(eng->digest));
			if (group_run(eng, a, pb->jobs[alg], pb->idx, PROBE_N, alg) != 0)
				continue;
			for (k = 0; k < PROBE_N; k++)
				if (memcmp(eng->digest[k], want[k], dlen) != 0)
					break;
			pb->passed[alg][a] = k == PROBE_N;
		}
	}
	sw_mac_ref_scrub(eng->ref);
	return 0;
}

/* Best time of @p n jobs of @p alg on @p arch so far, in *best. */
static void
probe_time(struct sw_mac_engine *eng, struct probe *pb, unsigned int arch, unsigned int alg,
	   unsigned int n, int warm_up, uint64_t *best)
{
	uint64_t t0, dt;

	t0 = now_ns();
	group_run(eng, arch, pb->jobs[alg], pb->idx, n, alg);
	dt = now_ns() - t0;
	if (!warm_up && dt < *best)
		*best = dt;
}

/*
 * Time each self-tested (algorithm, arch) pair at every probe size and the
 * scalar path on REF_N messages, interleaved so that a noisy neighbour hurts
 * all of them alike; the first of PROBE_REPS rounds only warms caches and
 * clocks, the best of the others counts.
 */
static void
probe_measure(struct sw_mac_engine *eng, struct probe *pb)
{
	unsigned int r, a, p, s, alg;

	memset(pb->t, 0xff, sizeof(pb->t));
	memset(pb->t_ref, 0xff, sizeof(pb->t_ref));
	for (r = 0; r < PROBE_REPS; r++) {
		for (p = 0; p < sizeof(probe_algs); p++) {
			alg = probe_algs[p];
			probe_time(eng, pb, SW_MAC_ARCH_OPENSSL, alg, REF_N, r == 0,
				   &pb->t_ref[alg]);
			for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++) {
				if (!pb->passed[alg][a])
					continue;
				for (s = 0; s < N_SIZES; s++)
					probe_time(eng, pb, a, alg, probe_sizes[s], r == 0,
						   &pb->t[alg][a][s]);
			}
		}
	}
	sw_mac_ref_scrub(eng->ref);
}

/* Fill eng->pick[alg][1 .. SW_MAC_BURST_MAX] and eng->probe_ns[alg][]. */
static void
probe_pick(struct sw_mac_engine *eng, const struct probe *pb, unsigned int alg)
{
	unsigned int a, n, pref[2];

	eng->probe_ns[alg][SW_MAC_ARCH_OPENSSL] = (uint32_t)((pb->t_ref[alg] + REF_N / 2) / REF_N);
	for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++)
		if (pb->passed[alg][a])
			eng->probe_ns[alg][a] =
				(uint32_t)((pb->t[alg][a][N_SIZES - 1] + PROBE_N / 2) / PROBE_N);

	pref[0] = cheapest(pb->t[alg], pb->t_ref[alg], pb->passed[alg], PROBE_N, NULL, 0);
	pref[1] = pref[0];
	for (n = 1; n <= SW_MAC_BURST_MAX; n++) {
		pref[1] = cheapest(pb->t[alg], pb->t_ref[alg], pb->passed[alg], n, pref, 2);
		eng->pick[alg][n] = (uint8_t)pref[1];
	}
}

/*
 * Decide where each (algorithm, group size) runs: on @p pinned for every
 * size if one is given (-ENOTSUP if it fails the self-test), else on the
 * cheapest measured way.  A pair that fails the self-test is never used.
 */
static int
probe(struct sw_mac_engine *eng, enum sw_mac_arch pinned)
{
	struct probe *pb;
	unsigned int p, alg;
	int ret;

	pb = calloc(1, sizeof(*pb));
	if (pb == NULL)
		return -ENOMEM;
	ret = probe_selftest(eng, pb);
	if (ret != 0)
		goto cleanup;
	if (pinned == SW_MAC_ARCH_NUM)
		probe_measure(eng, pb);

	for (p = 0; p < sizeof(probe_algs); p++) {
		alg = probe_algs[p];
		if (pinned == SW_MAC_ARCH_NUM) {
			probe_pick(eng, pb, alg);
		} else if (pb->passed[alg][pinned]) {
			memset(eng->pick[alg], pinned, sizeof(eng->pick[alg]));
		} else {
			ret = -ENOTSUP;
			goto cleanup;
		}
	}
	ret = 0;

cleanup:
	OPENSSL_cleanse(pb->keys, sizeof(pb->keys));
	free(pb);
	return ret;
}

/* A manager for @p a if the CPU has what it needs, else NULL. */
static IMB_MGR *
mgr_new(unsigned int a)
{
	static const uint64_t need[SW_MAC_MB_ARCH_NUM] = {
		[SW_MAC_ARCH_SSE] = IMB_CPUFLAGS_SSE,
		[SW_MAC_ARCH_AVX2] = IMB_CPUFLAGS_AVX2,
		[SW_MAC_ARCH_AVX512] = IMB_CPUFLAGS_AVX512,
	};
	IMB_MGR *m;

	if ((imb_get_feature_flags() & need[a]) != need[a])
		return NULL;
	m = alloc_mb_mgr(0);
	if (m == NULL)
		return NULL;
	switch (a) {
	case SW_MAC_ARCH_SSE:
		init_mb_mgr_sse(m);
		break;
	case SW_MAC_ARCH_AVX2:
		init_mb_mgr_avx2(m);
		break;
	default:
		init_mb_mgr_avx512(m);
		break;
	}
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

int
sw_mac_mb_new(struct sw_mac_engine *eng, enum sw_mac_arch pinned)
{
	struct sw_mac_mb *mb;
	unsigned int a, alg, used, any = 0;
	int ret;

	mb = calloc(1, sizeof(*mb));
	if (mb == NULL)
		return -ENOMEM;
	eng->mb = mb;
	for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++) {
		if (pinned != SW_MAC_ARCH_NUM && a != (unsigned int)pinned)
			continue;
		mb->mgr[a] = mgr_new(a);
		any |= mb->mgr[a] != NULL;
	}
	if (!any)
		return -ENOTSUP; /* eng->mb is freed with the engine */
	/* Fields the bursts never change. */
	for (a = 0; a < SW_MAC_BURST_MAX; a++)
		mb->jobs[a].hash_start_src_offset_in_bytes = 0;

	ret = probe(eng, pinned);
	if (ret != 0)
		return ret;

	/* Keep only the managers some group size of some algorithm uses. */
	for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++) {
		used = 0;
		for (alg = 1; alg < SW_MAC_ALG_MAX; alg++)
			used |= memchr(eng->pick[alg], (int)a, sizeof(eng->pick[alg])) != NULL;
		if (!used && mb->mgr[a] != NULL) {
			free_mb_mgr(mb->mgr[a]);
			mb->mgr[a] = NULL;
		}
	}
	return 0;
}

void
sw_mac_mb_free(struct sw_mac_mb *mb)
{
	unsigned int a;

	if (mb == NULL)
		return;
	for (a = 0; a < SW_MAC_MB_ARCH_NUM; a++)
		if (mb->mgr[a] != NULL)
			free_mb_mgr(mb->mgr[a]);
	OPENSSL_cleanse(mb, sizeof(*mb));
	free(mb);
}
