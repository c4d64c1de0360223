#ifndef SW_SA_TABLE_H
#define SW_SA_TABLE_H

/**
 * @file
 * The SA table (DESIGN.md "Security associations", STYLE.md 11): written by
 * the control thread only, read lock-free by every polling lcore.
 *
 *  - rte_hash with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF (which implies
 *    no-free-on-delete; EXT_TABLE only when sa_max loads its buckets above
 *    SW_SA_TABLE_LOAD_PCT), key = the 64-bit opaque, data = a
 *    struct sw_sa_rt * (224 bytes, everything an lcore reads) from one
 *    cache-aligned array whose free records are linked through themselves
 *    (no per-element pool header, no index stack); its cold struct
 *    sw_sa_keys (control plane only) from a mempool.  With rte_hash's key
 *    slot, buckets and free ring that is ~253 bytes per SA at 1 M SAs.
 *  - Retiring an SA marks it SW_SA_F_DEAD, deletes the key (new lookups miss
 *    it at once) and queues the record, its keys and its hash key slot with
 *    an rte_rcu_qsbr token.  sw_sa_table_reclaim() (from sw_cp_tick()) frees
 *    what every registered lcore has passed a quiescent state since: the key
 *    slot goes back to the hash, the keys are wiped (sw_sig_key_wipe) and
 *    both elements go back to their pools.  Records and queue hold sa_max +
 *    a retire headroom (sa_max / 8 in [64, SW_SA_TABLE_RETIRE_MAX]); when
 *    it runs short, the control thread waits for a grace period instead
 *    (rte_rcu_qsbr_synchronize; lcores report every loop iteration, so that
 *    is microseconds; counted "sync").
 *  - Hard cap: at most sa_max live SAs; sw_sa_table_alloc() returns -ENOSPC
 *    at the cap (the caller answers 503 + Retry-After), counted.  Below it,
 *    an install the hash cannot place (cuckoo displacement failed; not seen
 *    in millions of random inserts at the loads allowed) is -ENOSPC too,
 *    counted "hash_full".  Established
 *    SAs are never evicted to make room.
 *  - Opaques: 64-bit from the kernel CSPRNG, never 0, never equal to a live
 *    SA's.
 *
 * Threads: functions marked "lcore" may be called from any registered
 * polling lcore concurrently with the control thread; everything else is
 * control thread only.  Needs an initialised EAL.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/sa_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Counters; the names are telemetry keys. */
#define SW_SA_TABLE_STATS(X)                                                                       \
	X(INSTALLED, "installed", "SAs installed")                                                 \
	X(RETIRED, "retired", "SAs retired (unregister, expiry, replaced)")                        \
	X(RECLAIMED, "reclaimed", "retired SAs freed after their grace period")                    \
	X(CAP, "cap", "allocations refused at sa_max")                                             \
	X(SYNC, "sync", "blocking grace-period waits on the control thread")                       \
	X(OPAQUE_RETRY, "opaque_retry", "random opaques drawn again (0 or in use)")                \
	X(HASH_FULL, "hash_full", "installs below sa_max the hash refused (503)")

enum sw_sa_table_stat {
#define X(id, name, help) SW_SA_TABLE_##id,
	SW_SA_TABLE_STATS(X)
#undef X
		SW_SA_TABLE_STAT_MAX
};

struct sw_sa_table;

/** Most retired records kept waiting out their grace period beside sa_max
 *  live ones (the retire headroom is sa_max / 8 in [64, this]). */
#define SW_SA_TABLE_RETIRE_MAX 1024u

/** Above this load of the hash's bucket slots at sa_max, the hash gets its
 *  overflow table (EXT_TABLE); at or below, cuckoo displacement alone. */
#define SW_SA_TABLE_LOAD_PCT 96u

/**
 * Create a table for @p sa_max live SAs on NUMA node @p socket_id
 * (SOCKET_ID_ANY allowed).  @p name must be unique in the process (it names
 * the hash, the pools and the QSBR variable); at most 20 characters.
 * @param[out] out  the table, or NULL on failure.
 * @return 0, -EINVAL, -ENOMEM, -EEXIST (name in use).
 */
int sw_sa_table_create(const char *name, uint32_t sa_max, int socket_id, struct sw_sa_table **out);

/** Free everything, retired records included (wiped).  Call only after
 *  every lcore has stopped reading.  NULL is a no-op. */
void sw_sa_table_free(struct sw_sa_table *t);

/**
 * Register polling lcore @p lcore_id as a reader and put it online.  Call on
 * that lcore before its first lookup (or on the control thread before the
 * launch, then sw_sa_table_quiescent() from the lcore).
 * @return 0 or -EINVAL.
 */
int sw_sa_table_qs_register(struct sw_sa_table *t, unsigned int lcore_id);

/** Take lcore @p lcore_id offline and unregister it (before it exits). */
void sw_sa_table_qs_unregister(struct sw_sa_table *t, unsigned int lcore_id);

/**
 * lcore: report a quiescent state: the lcore holds no pointer obtained from
 * sw_sa_lookup() any more.  Once per polling-loop iteration.
 */
void sw_sa_table_quiescent(struct sw_sa_table *t, unsigned int lcore_id);

/**
 * lcore: find the SA of @p opaque.  Lock-free; the record stays valid until
 * the caller's next sw_sa_table_quiescent().  A record being retired may
 * still be returned: check SW_SA_F_DEAD (sw_sa_check_cred() does).
 * @return the record, or NULL.
 */
struct sw_sa_rt *sw_sa_lookup(const struct sw_sa_table *t, uint64_t opaque);

/** Largest @p n for sw_sa_lookup_bulk() (RTE_HASH_LOOKUP_BULK_MAX). */
#define SW_SA_LOOKUP_BULK_MAX 64u

/**
 * lcore: sw_sa_lookup() of @p n opaques at once (n <= SW_SA_LOOKUP_BULK_MAX):
 * rte_hash_lookup_bulk_data() prefetches every key's buckets and key slots
 * before it compares, so the cache misses of a burst overlap instead of
 * adding up.  out[i] is the record of *opaques[i], or NULL.  Lock-free; does
 * not allocate, lock or log.
 */
void sw_sa_lookup_bulk(const struct sw_sa_table *t, const uint64_t **opaques, unsigned int n,
		       struct sw_sa_rt **out);

/**
 * Take a zeroed record and a zeroed keys element for a new SA.  Nothing is
 * published yet: fill them (rt->keys is set to *keys), then
 * sw_sa_table_install(), or give them back with sw_sa_table_abandon().
 * @return 0, or -ENOSPC when sa_max SAs are live (counted as "cap"), -ENOMEM.
 */
int sw_sa_table_alloc(struct sw_sa_table *t, struct sw_sa_rt **rt, struct sw_sa_keys **keys);

/** Return an unpublished record and its keys (wiped).  NULL rt is a no-op. */
void sw_sa_table_abandon(struct sw_sa_table *t, struct sw_sa_rt *rt);

/**
 * Draw a fresh opaque from the CSPRNG: not 0 and not a live SA's.  The
 * caller also keeps it unique against its own pending handshakes.
 * @return 0, -EIO (RNG failure).
 */
int sw_sa_table_new_opaque(struct sw_sa_table *t, uint64_t *opaque);

/**
 * Make @p rt's compact keys and user name from its cold record (rt->keys,
 * filled): sw_sa_rt_bind(), with an ext block allocated here when they do
 * not fit inline (freed with the record).  Needed before the record is used
 * (sw_sa_check_cred(), sw_sa_verify_scalar(), ...); sw_sa_table_install()
 * does it if the caller has not.  Changing the cold record's keys or user
 * after this has no effect on the record.
 * @return 0, -EINVAL (keys not initialised), -ENOMEM.
 */
int sw_sa_table_bind(struct sw_sa_table *t, struct sw_sa_rt *rt);

/**
 * Memory the table holds, measured from the DPDK heap when it was created:
 * @p hot is what lcores read (records, hash, free stack, defer queue, RCU
 * variable, live ext blocks), @p cold the pool of cold records (struct
 * sw_sa_keys).  Any thread.
 */
void sw_sa_table_bytes(const struct sw_sa_table *t, size_t *hot, size_t *cold);

/**
 * Publish @p rt (from sw_sa_table_alloc(), rt->opaque set, everything
 * filled): visible to lcores once this returns (the hash insert has release
 * semantics).  Binds the record first if needed (sw_sa_table_bind()).  On
 * failure the record is abandoned.
 * @return 0, -EEXIST (opaque live), -ENOSPC, -EINVAL.
 */
int sw_sa_table_install(struct sw_sa_table *t, struct sw_sa_rt *rt);

/**
 * Retire the SA of @p opaque: marked dead, removed from the hash, freed
 * after a grace period.  @return 0, -ENOENT.
 */
int sw_sa_table_retire(struct sw_sa_table *t, uint64_t opaque);

/** Free retired records whose grace period is over (non-blocking).
 *  @return the number freed. */
unsigned int sw_sa_table_reclaim(struct sw_sa_table *t);

/** Wait for a grace period, then free every retired record.  Blocks until
 *  every registered lcore has reported a quiescent state. */
void sw_sa_table_sync(struct sw_sa_table *t);

/**
 * Control thread: iterate the live SAs.  Start with *iter = 0.
 * @return the next record, or NULL at the end.  Retiring the returned
 * record during the iteration is allowed.
 */
struct sw_sa_rt *sw_sa_table_next(const struct sw_sa_table *t, uint32_t *iter);

/** The record array (@p n records, live or free), for tests that check
 *  wiping.  Control thread. */
const struct sw_sa_rt *sw_sa_table_recs(const struct sw_sa_table *t, uint32_t *n);

/** Live SAs. */
uint32_t sw_sa_table_count(const struct sw_sa_table *t);

/** Retired SAs not yet freed. */
uint32_t sw_sa_table_pending(const struct sw_sa_table *t);

/** Copy the counters (indexed by enum sw_sa_table_stat).  Any thread. */
void sw_sa_table_stats(const struct sw_sa_table *t, uint64_t out[SW_SA_TABLE_STAT_MAX]);

/** Name of a counter ("installed"); "?" out of range. */
const char *sw_sa_table_stat_name(enum sw_sa_table_stat s);

#ifdef __cplusplus
}
#endif

#endif /* SW_SA_TABLE_H */
