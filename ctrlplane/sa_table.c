/*
 * SA table: rte_hash (lock-free readers) + two mempools + rte_rcu_qsbr with
 * a deferred-free queue run on the control thread.  See sa_table.h.
 *
 * The defer queue is a plain ring of (record, hash key position, QSBR
 * token) owned by the control thread; rte_rcu_qsbr_check() tells when an
 * entry's grace period is over.  (DPDK's rte_rcu_qsbr_dq does the same but
 * is still experimental API in 22.11.)
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "ctrlplane/sa_table.h"
#include "dataplane/sa_verify.h"

struct retired {
	uint32_t idx;	/* record index in recs[] */
	int32_t pos;	/* hash key slot, freed after the grace period */
	uint64_t token; /* rte_rcu_qsbr_start() at retirement */
};

struct sw_sa_table {
	struct rte_hash *h;
	struct sw_sa_rt *recs;	  /* pool_n lcore-visible records, one array */
	uint32_t free_head;	  /* first free record (free_push()), or FREE_END */
	uint32_t n_free;
	struct rte_mempool *keys_pool; /* cold records (control plane only) */
	size_t hot_bytes;	  /* heap taken by the hash, records, queue */
	size_t cold_bytes;	  /* heap taken by the cold-record pool */
	size_t ext_bytes;	  /* live ext blocks (rte_malloc'd, with their headers) */
	struct rte_rcu_qsbr *qsv;
	uint32_t sa_max;
	uint32_t pool_n; /* elements per pool = hash entries */
	uint32_t live;
	uint32_t next_id;
	/* defer ring: entries [head, head + n) mod dq_cap; dq_cap = pool_n -
	 * sa_max, the retire headroom (more can be pending only below the cap,
	 * see sw_sa_table_retire()) */
	struct retired *dq;
	uint32_t dq_cap;
	uint32_t dq_head;
	uint32_t dq_n;
	uint64_t stats[SW_SA_TABLE_STAT_MAX];
};

/*
 * Free records form a list threaded through the records themselves (the
 * next index in a free record's first four bytes): no lcore can reach a
 * free record (it was never installed, or its grace period is over), and a
 * separate index stack would cost 4 bytes per SA.
 */
#define FREE_END UINT32_MAX

static void
free_push(struct sw_sa_table *t, uint32_t idx)
{
	memcpy(&t->recs[idx], &t->free_head, sizeof(t->free_head));
	t->free_head = idx;
	t->n_free++;
}

/* Caller checked n_free != 0. */
static struct sw_sa_rt *
free_pop(struct sw_sa_table *t)
{
	struct sw_sa_rt *r = &t->recs[t->free_head];

	memcpy(&t->free_head, r, sizeof(t->free_head));
	t->n_free--;
	return r;
}

static const char *const stat_names[SW_SA_TABLE_STAT_MAX] = {
#define X(id, name, help) [SW_SA_TABLE_##id] = name,
	SW_SA_TABLE_STATS(X)
#undef X
};

const char *
sw_sa_table_stat_name(enum sw_sa_table_stat s)
{
	if ((unsigned int)s >= SW_SA_TABLE_STAT_MAX)
		return "?";
	return stat_names[s];
}

static void
count(struct sw_sa_table *t, enum sw_sa_table_stat s)
{
	__atomic_store_n(&t->stats[s], __atomic_load_n(&t->stats[s], __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

static uint32_t
hash_opaque(const void *key, uint32_t len, uint32_t init)
{
	uint64_t k;

	(void)len;
	memcpy(&k, key, sizeof(k));
	/* Opaques are uniformly random: mixing both halves is enough. */
	return (uint32_t)(k ^ k >> 32) ^ init;
}

int
sw_sa_table_create(const char *name, uint32_t sa_max, int socket_id, struct sw_sa_table **out)
{
	struct sw_sa_table *t = NULL; /* owner */
	char nm[RTE_MEMPOOL_NAMESIZE];
	struct rte_hash_parameters hp;
	struct rte_malloc_socket_stats s0, s1, s2;
	int sock = socket_id == SOCKET_ID_ANY ? (int)rte_socket_id() : socket_id;
	uint32_t i, pow2;
	size_t qsz;
	int ret;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (name == NULL || strlen(name) > 20 || sa_max == 0 || sa_max > (1u << 26))
		return -EINVAL;

	rte_malloc_get_socket_stats(sock, &s0);
	t = rte_zmalloc_socket("sw_sa_table", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL)
		return -ENOMEM;
	t->sa_max = sa_max;
	/*
	 * Room for retired records waiting out their grace period: sa_max / 8,
	 * at least 64 and at most SW_SA_TABLE_RETIRE_MAX, and never past the
	 * next power of two (pow2 - 1: rte_hash adds one key slot and sizes its
	 * buckets and free ring to a power of two of that).  A grace period is
	 * one polling-loop iteration (microseconds), and the control thread
	 * retires at most a few hundred SAs in that time, so the headroom does
	 * not need to grow with sa_max: every record in it costs 224 bytes.
	 * When it runs out, the control thread waits for a grace period
	 * instead (sw_sa_table_alloc(), counted "sync").
	 */
	pow2 = rte_align32pow2(sa_max + 65u);
	t->pool_n = sa_max + RTE_MIN(pow2 - 1u - sa_max,
				     RTE_MIN(RTE_MAX(sa_max / 8, 64u), SW_SA_TABLE_RETIRE_MAX));
	t->dq_cap = t->pool_n - sa_max;

	snprintf(nm, sizeof(nm), "sah_%s", name);
	memset(&hp, 0, sizeof(hp));
	hp.name = nm;
	hp.entries = t->pool_n;
	hp.key_len = sizeof(uint64_t);
	hp.hash_func = hash_opaque;
	hp.socket_id = socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	/*
	 * rte_hash has pow2 / 8 buckets of 8 (live keys only: a deleted key
	 * leaves its bucket at once, only its key slot waits for the grace
	 * period).  Cuckoo displacement fills them to about 98 % before an
	 * insert fails (measured with random opaques: none up to 97.5 % in
	 * millions of inserts under churn, the first near 98 %).  The overflow
	 * table costs 13.6 bytes per SA at 1 M SAs (buckets, their free ring and
	 * the lock-free free list), so it is only taken when sa_max fills more
	 * than SW_SA_TABLE_LOAD_PCT % of the slots.  Below that an insert the
	 * hash still refuses is counted ("hash_full") and answered 503.
	 */
	if ((uint64_t)sa_max * 100u > (uint64_t)rte_align32pow2(t->pool_n) * SW_SA_TABLE_LOAD_PCT)
		hp.extra_flag |= RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		ret = rte_errno == EEXIST ? -EEXIST : -ENOMEM;
		goto cleanup;
	}

	/* The records: one cache-aligned array, no per-element pool header. */
	t->recs = rte_zmalloc_socket("sw_sa_recs", sizeof(*t->recs) * t->pool_n,
				     RTE_CACHE_LINE_SIZE, socket_id);
	if (t->recs == NULL) {
		ret = -ENOMEM;
		goto cleanup;
	}
	t->free_head = FREE_END;
	for (i = t->pool_n; i-- > 0;)
		free_push(t, i);

	qsz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	t->qsv = rte_zmalloc_socket("sw_sa_qsbr", qsz, RTE_CACHE_LINE_SIZE, socket_id);
	t->dq = rte_zmalloc_socket("sw_sa_dq", sizeof(*t->dq) * t->dq_cap, RTE_CACHE_LINE_SIZE,
				   socket_id);
	if (t->qsv == NULL || t->dq == NULL || rte_rcu_qsbr_init(t->qsv, RTE_MAX_LCORE) != 0) {
		ret = -ENOMEM;
		goto cleanup;
	}
	rte_malloc_get_socket_stats(sock, &s1);

	snprintf(nm, sizeof(nm), "sak_%s", name);
	/* Cold: neither cache alignment, spreading over memory channels nor
	 * keeping an element inside one page (no device reads it; with 4 KB
	 * pages that alone wasted a quarter) pays for itself here. */
	t->keys_pool = rte_mempool_create(nm, t->pool_n, sizeof(struct sw_sa_keys), 0, 0, NULL,
					  NULL, NULL, NULL, socket_id,
					  RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET |
						  RTE_MEMPOOL_F_NO_CACHE_ALIGN |
						  RTE_MEMPOOL_F_NO_SPREAD |
						  RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (t->keys_pool == NULL) {
		ret = rte_errno == EEXIST ? -EEXIST : -ENOMEM;
		goto cleanup;
	}
	rte_malloc_get_socket_stats(sock, &s2);
	t->hot_bytes = s1.heap_allocsz_bytes - s0.heap_allocsz_bytes;
	t->cold_bytes = s2.heap_allocsz_bytes - s1.heap_allocsz_bytes;
	*out = t;
	t = NULL;
	ret = 0;

cleanup:
	sw_sa_table_free(t);
	return ret;
}

static void
put_back(struct sw_sa_table *t, struct sw_sa_rt *rt)
{
	struct sw_sa_keys *k = rt->keys;

	if (k != NULL) {
		sw_sig_key_wipe(&k->c2s);
		sw_sig_key_wipe(&k->s2c);
		explicit_bzero(k, sizeof(*k));
		rte_mempool_put(t->keys_pool, k);
	}
	if (rt->ext != NULL) {
		size_t n = sw_sa_rt_ext_bytes(rt);

		explicit_bzero(rt->ext, n);
		rte_free(rt->ext);
		t->ext_bytes -= n + RTE_CACHE_LINE_SIZE;
	}
	/* The compact keys live in kb[] (or ext): wiped with the record. */
	explicit_bzero(rt, sizeof(*rt));
	free_push(t, (uint32_t)(rt - t->recs));
}

/* Free the oldest @p max retired entries whose grace period is over
 * (all of them with @p force, after a synchronize). */
static unsigned int
drain(struct sw_sa_table *t, bool force)
{
	unsigned int n = 0;

	while (t->dq_n != 0) {
		struct retired *e = &t->dq[t->dq_head];

		if (!force && rte_rcu_qsbr_check(t->qsv, e->token, false) != 1)
			break;
		rte_hash_free_key_with_position(t->h, e->pos);
		put_back(t, &t->recs[e->idx]);
		memset(e, 0, sizeof(*e));
		t->dq_head = (t->dq_head + 1) % t->dq_cap;
		t->dq_n--;
		n++;
		count(t, SW_SA_TABLE_RECLAIMED);
	}
	return n;
}

void
sw_sa_table_free(struct sw_sa_table *t)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	if (t == NULL)
		return;
	if (t->dq != NULL && t->h != NULL)
		drain(t, true);
	if (t->h != NULL) {
		while (rte_hash_iterate(t->h, &key, &data, &it) >= 0)
			if (data != NULL && t->recs != NULL)
				put_back(t, data);
		rte_hash_free(t->h);
	}
	rte_free(t->recs);
	rte_mempool_free(t->keys_pool);
	rte_free(t->qsv);
	rte_free(t->dq);
	rte_free(t);
}

int
sw_sa_table_qs_register(struct sw_sa_table *t, unsigned int lcore_id)
{
	if (lcore_id >= RTE_MAX_LCORE || rte_rcu_qsbr_thread_register(t->qsv, lcore_id) != 0)
		return -EINVAL;
	rte_rcu_qsbr_thread_online(t->qsv, lcore_id);
	return 0;
}

void
sw_sa_table_qs_unregister(struct sw_sa_table *t, unsigned int lcore_id)
{
	if (lcore_id >= RTE_MAX_LCORE)
		return;
	rte_rcu_qsbr_thread_offline(t->qsv, lcore_id);
	rte_rcu_qsbr_thread_unregister(t->qsv, lcore_id);
}

void
sw_sa_table_quiescent(struct sw_sa_table *t, unsigned int lcore_id)
{
	rte_rcu_qsbr_quiescent(t->qsv, lcore_id);
}

struct sw_sa_rt *
sw_sa_lookup(const struct sw_sa_table *t, uint64_t opaque)
{
	void *data = NULL;

	if (rte_hash_lookup_data(t->h, &opaque, &data) < 0)
		return NULL;
	return data;
}

void
sw_sa_lookup_bulk(const struct sw_sa_table *t, const uint64_t **opaques, unsigned int n,
		  struct sw_sa_rt **out)
{
	uint64_t hits = 0;
	unsigned int i;

	if (n == 0 || n > SW_SA_LOOKUP_BULK_MAX ||
	    rte_hash_lookup_bulk_data(t->h, (const void **)opaques, n, &hits, (void **)out) < 0)
		hits = 0;
	for (i = 0; i < n; i++)
		if (((hits >> i) & 1u) == 0)
			out[i] = NULL;
}

int
sw_sa_table_alloc(struct sw_sa_table *t, struct sw_sa_rt **rt, struct sw_sa_keys **keys)
{
	void *r = NULL, *k = NULL;

	*rt = NULL;
	*keys = NULL;
	if (t->live >= t->sa_max) {
		count(t, SW_SA_TABLE_CAP);
		return -ENOSPC;
	}
	drain(t, false);
	if (t->n_free == 0 || rte_mempool_get(t->keys_pool, &k) != 0) {
		/* Retired records still hold the pools: wait them out once. */
		sw_sa_table_sync(t);
		if (t->n_free == 0 || rte_mempool_get(t->keys_pool, &k) != 0)
			return -ENOMEM;
	}
	r = free_pop(t);
	memset(r, 0, sizeof(struct sw_sa_rt));
	memset(k, 0, sizeof(struct sw_sa_keys));
	((struct sw_sa_rt *)r)->keys = k;
	*rt = r;
	*keys = k;
	return 0;
}

void
sw_sa_table_abandon(struct sw_sa_table *t, struct sw_sa_rt *rt)
{
	if (rt != NULL)
		put_back(t, rt);
}

int
sw_sa_table_new_opaque(struct sw_sa_table *t, uint64_t *opaque)
{
	uint64_t v;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
			return -EIO;
		if (v != 0 && rte_hash_lookup(t->h, &v) < 0) {
			*opaque = v;
			return 0;
		}
		count(t, SW_SA_TABLE_OPAQUE_RETRY);
	}
	return -EIO;
}

int
sw_sa_table_bind(struct sw_sa_table *t, struct sw_sa_rt *rt)
{
	size_t n;
	uint8_t *ext = NULL;
	int rc;

	if (rt == NULL || rt->keys == NULL)
		return -EINVAL;
	if ((rt->kb_flags & SW_SA_KB_BOUND) != 0)
		return 0;
	n = sw_sa_rt_ext_size(rt->keys);
	if (n != 0) {
		ext = rte_malloc_socket("sw_sa_ext", n, 8, rte_socket_id());
		if (ext == NULL)
			return -ENOMEM;
	}
	rc = sw_sa_rt_bind(rt, rt->keys, ext);
	if (rc != 0) {
		rte_free(ext);
		return rc;
	}
	if (ext != NULL)
		t->ext_bytes += n + RTE_CACHE_LINE_SIZE;
	return 0;
}

void
sw_sa_table_bytes(const struct sw_sa_table *t, size_t *hot, size_t *cold)
{
	*hot = t->hot_bytes + t->ext_bytes;
	*cold = t->cold_bytes;
}

int
sw_sa_table_install(struct sw_sa_table *t, struct sw_sa_rt *rt)
{
	int rc;

	if (rt == NULL || rt->opaque == 0 || rt->keys == NULL) {
		sw_sa_table_abandon(t, rt);
		return -EINVAL;
	}
	rc = sw_sa_table_bind(t, rt);
	if (rc != 0) {
		sw_sa_table_abandon(t, rt);
		return rc == -ENOMEM ? -ENOSPC : -EINVAL;
	}
	if (rte_hash_lookup(t->h, &rt->opaque) >= 0) {
		sw_sa_table_abandon(t, rt);
		return -EEXIST;
	}
	rt->sa_id = ++t->next_id;
	/* Lock-free mode: the add publishes with release semantics, so every
	 * field written before it is visible to an lcore that finds the key. */
	rc = rte_hash_add_key_data(t->h, &rt->opaque, rt);
	if (rc != 0) {
		sw_sa_table_abandon(t, rt);
		if (rc != -ENOSPC)
			return -EINVAL;
		count(t, SW_SA_TABLE_HASH_FULL);
		return -ENOSPC;
	}
	t->live++;
	count(t, SW_SA_TABLE_INSTALLED);
	return 0;
}

int
sw_sa_table_retire(struct sw_sa_table *t, uint64_t opaque)
{
	struct sw_sa_rt *rt = NULL;
	struct retired *e;
	int32_t pos;

	if (rte_hash_lookup_data(t->h, &opaque, (void **)&rt) < 0 || rt == NULL)
		return -ENOENT;
	__atomic_fetch_or(&rt->flags, SW_SA_F_DEAD, __ATOMIC_RELEASE);
	pos = rte_hash_del_key(t->h, &opaque);
	if (pos < 0)
		return -ENOENT;
	/* Only below the cap can more than the headroom be pending (a mass
	 * expiry): free what is past its grace period, wait only if none is. */
	if (t->dq_n == t->dq_cap && drain(t, false) == 0)
		sw_sa_table_sync(t);
	e = &t->dq[(t->dq_head + t->dq_n) % t->dq_cap];
	e->idx = (uint32_t)(rt - t->recs);
	e->pos = pos;
	e->token = rte_rcu_qsbr_start(t->qsv);
	t->dq_n++;
	t->live--;
	count(t, SW_SA_TABLE_RETIRED);
	return 0;
}

unsigned int
sw_sa_table_reclaim(struct sw_sa_table *t)
{
	return drain(t, false);
}

void
sw_sa_table_sync(struct sw_sa_table *t)
{
	uint64_t token;

	count(t, SW_SA_TABLE_SYNC);
	/* rte_rcu_qsbr_synchronize() with the inline check, so that the
	 * acquire on the readers' counters is in our code (ThreadSanitizer sees
	 * it; the library's copy is not instrumented). */
	token = rte_rcu_qsbr_start(t->qsv);
	while (rte_rcu_qsbr_check(t->qsv, token, false) != 1)
		rte_pause();
	drain(t, true);
}

struct sw_sa_rt *
sw_sa_table_next(const struct sw_sa_table *t, uint32_t *iter)
{
	const void *key;
	void *data;

	while (rte_hash_iterate(t->h, &key, &data, iter) >= 0)
		if (data != NULL)
			return data;
	return NULL;
}

const struct sw_sa_rt *
sw_sa_table_recs(const struct sw_sa_table *t, uint32_t *n)
{
	*n = t->pool_n;
	return t->recs;
}

uint32_t
sw_sa_table_count(const struct sw_sa_table *t)
{
	return t->live;
}

uint32_t
sw_sa_table_pending(const struct sw_sa_table *t)
{
	return t->dq_n;
}

void
sw_sa_table_stats(const struct sw_sa_table *t, uint64_t out[SW_SA_TABLE_STAT_MAX])
{
	unsigned int i;

	for (i = 0; i < SW_SA_TABLE_STAT_MAX; i++)
		out[i] = __atomic_load_n(&t->stats[i], __ATOMIC_RELAXED);
}
