/*
 * ctrlplane/sa_table.c (suites 'unit' and 'eal': needs an EAL, no services):
 * install / lookup / retire / reclaim, the cap, opaque uniqueness, and a
 * concurrency test: two lcores look SAs up, commit replay windows and verify
 * signatures through the batch MAC while the control thread installs and
 * retires SAs; records are checked for use after reclaim.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_pause.h>

#include "crypto/mac.h"
#include "crypto/sig.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/sa_verify.h"
#include "tests/ctrlplane/cp_eal.h"

static void
fill(struct sw_sa_rt *rt, struct sw_sa_keys *k, uint64_t opaque)
{
	uint8_t skey[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		skey[i] = (uint8_t)(opaque >> (i % 8 * 8));
	assert_int_equal(sw_sig_key_init_ntlm(&k->c2s, skey, SW_DIR_C2S), 0);
	assert_int_equal(sw_sig_key_init_ntlm(&k->s2c, skey, SW_DIR_S2C), 0);
	memcpy(k->user, "alice", 5);
	k->user_len = 5;
	rt->opaque = opaque;
	rt->scheme = SW_SCHEME_NTLM;
	rt->version = 3;
	rt->expires_ms = UINT64_MAX;
}

/*
 * Hot/cold split: what fits goes inline (kb[]), the rest to an ext block the
 * table owns: NTLM with a short name (inline), NTLM with a 100-byte name
 * (user in ext), aes256-cts-hmac-sha384-192 (keys in ext, 136 + 136 bytes)
 * with a short and a long name.  The record's compact keys verify what the
 * full keys sign, and retiring gives the ext bytes back.
 */
static void
test_sa_table_ext(void **state)
{
	static const struct {
		int enctype; /* 0: NTLM */
		size_t user_len;
		uint8_t kb_flags;
	} rows[] = {
		{0, 5, 0},
		{0, 100, SW_SA_KB_EXT_USER},
		{SW_ENCTYPE_AES256_SHA384, 5, SW_SA_KB_EXT_KEYS},
		{SW_ENCTYPE_AES256_SHA384, 120, SW_SA_KB_EXT_KEYS | SW_SA_KB_EXT_USER},
		{SW_ENCTYPE_AES128_SHA1, 16, 0},
		{SW_ENCTYPE_AES128_SHA1, 17, SW_SA_KB_EXT_USER},
	};
	static const char msg[] = "signed buffer";
	struct sw_sa_table *t = NULL;
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	uint8_t key[32], tok[SW_SIG_TOKEN_MAX];
	size_t hot0, hot, cold, i;
	int n;

	(void)state;
	memset(key, 0x5a, sizeof(key));
	assert_int_equal(sw_sa_table_create("ext", 8, SOCKET_ID_ANY, &t), 0);
	sw_sa_table_bytes(t, &hot0, &cold);
	assert_true(hot0 >= 8 * sizeof(struct sw_sa_rt));
	assert_true(cold >= 8 * sizeof(struct sw_sa_keys));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
		if (rows[i].enctype == 0) {
			assert_int_equal(sw_sig_key_init_ntlm(&k->c2s, key, SW_DIR_C2S), 0);
			assert_int_equal(sw_sig_key_init_ntlm(&k->s2c, key, SW_DIR_S2C), 0);
		} else {
			size_t kl = rows[i].enctype == SW_ENCTYPE_AES128_SHA1 ? 16 : 32;

			assert_int_equal(sw_sig_key_init_krb(&k->c2s, rows[i].enctype, key, kl,
							     SW_DIR_C2S),
					 0);
			assert_int_equal(sw_sig_key_init_krb(&k->s2c, rows[i].enctype, key, kl,
							     SW_DIR_S2C),
					 0);
		}
		memset(k->user, 'u', rows[i].user_len);
		k->user[rows[i].user_len - 1] = (char)('0' + i);
		k->user_len = (uint8_t)rows[i].user_len;
		rt->opaque = 0x1000 + i;
		rt->scheme = rows[i].enctype == 0 ? SW_SCHEME_NTLM : SW_SCHEME_KERBEROS;
		rt->version = 3;
		rt->expires_ms = UINT64_MAX;
		assert_int_equal(sw_sa_table_install(t, rt), 0);
		assert_int_equal(rt->kb_flags, SW_SA_KB_BOUND | rows[i].kb_flags);
		assert_int_equal(rt->ext != NULL, rows[i].kb_flags != 0);
		assert_int_equal(rt->user_len, rows[i].user_len);
		if (memcmp(sw_sa_user(rt), k->user, rows[i].user_len) != 0)
			fail_msg("row %zu flags %x off %u", i, rt->kb_flags, rt->user_off);
		n = sw_sig_sign(&k->c2s, (const uint8_t *)msg, sizeof(msg), 9, tok, sizeof(tok));
		assert_true(n > 0);
		assert_int_equal(sw_sig_ckey_verify(sw_sa_c2s(rt), (const uint8_t *)msg,
						    sizeof(msg), tok, (size_t)n),
				 0);
		n = sw_sig_ckey_sign(sw_sa_s2c(rt), (const uint8_t *)msg, sizeof(msg), 9, tok,
				     sizeof(tok));
		assert_true(n > 0);
		assert_int_equal(sw_sig_verify(&k->s2c, (const uint8_t *)msg, sizeof(msg), tok,
					       (size_t)n),
				 0);
	}
	sw_sa_table_bytes(t, &hot, &cold);
	assert_true(hot > hot0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(sw_sa_table_retire(t, 0x1000 + i), 0);
	sw_sa_table_sync(t);
	sw_sa_table_bytes(t, &hot, &cold);
	assert_int_equal(hot, hot0);
	sw_sa_table_free(t);
}

static void
test_sa_table_basic(void **state)
{
	struct sw_sa_table *t = NULL;
	struct sw_sa_rt *rt, *rts[4];
	struct sw_sa_keys *k;
	uint64_t st[SW_SA_TABLE_STAT_MAX], op;
	uint32_t it = 0;
	unsigned int i, n = 0;

	(void)state;
	assert_int_equal(sw_sa_table_create("basic", 4, SOCKET_ID_ANY, &t), 0);
	{
		struct sw_sa_table *t2 = NULL;

		assert_int_equal(sw_sa_table_create("basic", 4, SOCKET_ID_ANY, &t2), -EEXIST);
		assert_null(t2);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(sw_sa_table_alloc(t, &rts[i], &k), 0);
		assert_int_equal(sw_sa_table_new_opaque(t, &op), 0);
		assert_true(op != 0);
		fill(rts[i], k, op);
		assert_int_equal(sw_sa_table_install(t, rts[i]), 0);
	}
	/* At the cap: refused, counted; the live SAs are untouched. */
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), -ENOSPC);
	assert_null(rt);
	for (i = 0; i < 4; i++)
		assert_ptr_equal(sw_sa_lookup(t, rts[i]->opaque), rts[i]);
	assert_null(sw_sa_lookup(t, 12345));
	while (sw_sa_table_next(t, &it) != NULL)
		n++;
	assert_int_equal(n, 4);
	/* Retire: gone at once, freed after the grace period (no readers here). */
	op = rts[0]->opaque;
	assert_int_equal(sw_sa_table_retire(t, op), 0);
	assert_int_equal(sw_sa_table_retire(t, op), -ENOENT);
	assert_null(sw_sa_lookup(t, op));
	assert_int_equal(sw_sa_table_count(t), 3);
	assert_int_equal(sw_sa_table_pending(t), 1);
	assert_int_equal(sw_sa_table_reclaim(t), 1);
	assert_int_equal(sw_sa_table_pending(t), 0);
	/* Room again. */
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
	fill(rt, k, rts[1]->opaque);
	assert_int_equal(sw_sa_table_install(t, rt), -EEXIST); /* live opaque */
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
	sw_sa_table_abandon(t, rt);
	sw_sa_table_stats(t, st);
	assert_int_equal(st[SW_SA_TABLE_INSTALLED], 4);
	assert_int_equal(st[SW_SA_TABLE_RETIRED], 1);
	assert_int_equal(st[SW_SA_TABLE_RECLAIMED], 1);
	assert_int_equal(st[SW_SA_TABLE_CAP], 1);
	assert_string_equal(sw_sa_table_stat_name(SW_SA_TABLE_CAP), "cap");
	sw_sa_table_free(t);
	sw_sa_table_free(NULL);
}

/*
 * The cap on a table whose hash has no overflow table (sa_max 1000: 1125
 * records, 2048 bucket slots): sa_max random opaques all install, one past
 * is refused and counted; retiring one makes room for exactly one.
 */
static void
test_sa_table_cap_edge(void **state)
{
	struct sw_sa_table *t = NULL;
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	uint64_t st[SW_SA_TABLE_STAT_MAX], op, first = 0;
	uint32_t nrec;
	unsigned int i;

	(void)state;
	assert_int_equal(sw_sa_table_create("edge", 1000, SOCKET_ID_ANY, &t), 0);
	(void)sw_sa_table_recs(t, &nrec);
	/* sa_max + headroom (sa_max / 8 in [64, SW_SA_TABLE_RETIRE_MAX]). */
	assert_int_equal(nrec, 1000 + 125);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
		assert_int_equal(sw_sa_table_new_opaque(t, &op), 0);
		fill(rt, k, op);
		assert_int_equal(sw_sa_table_install(t, rt), 0);
		if (i == 0)
			first = op;
	}
	assert_int_equal(sw_sa_table_count(t), 1000);
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), -ENOSPC);
	assert_null(rt);
	assert_int_equal(sw_sa_table_retire(t, first), 0);
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
	assert_int_equal(sw_sa_table_new_opaque(t, &op), 0);
	fill(rt, k, op);
	assert_int_equal(sw_sa_table_install(t, rt), 0);
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), -ENOSPC);
	sw_sa_table_stats(t, st);
	assert_int_equal(st[SW_SA_TABLE_INSTALLED], 1001);
	assert_int_equal(st[SW_SA_TABLE_CAP], 2);
	assert_int_equal(st[SW_SA_TABLE_HASH_FULL], 0);
	sw_sa_table_free(t);
}

/* An opaque whose hash_opaque() (k ^ k >> 32) is @p h, distinct per @p i. */
static uint64_t
colliding(uint32_t i, uint32_t h)
{
	return (uint64_t)i << 32 | (i ^ h);
}

/*
 * Below the cap, an install the hash cannot place is -ENOSPC (the control
 * plane answers 503), counted "hash_full", and gives the record back.
 * Random opaques do not get there at the loads the table allows; opaques
 * made to share one hash do: their two buckets (primary 3, alternative
 * 3 ^ 5) hold 16, the 17th has nowhere to go.
 */
static void
test_sa_table_hash_full(void **state)
{
	const uint32_t h = 5u << 16 | 3u;
	struct sw_sa_table *t = NULL;
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	uint64_t st[SW_SA_TABLE_STAT_MAX], op;
	unsigned int i;

	(void)state;
	assert_int_equal(sw_sa_table_create("hfull", 64, SOCKET_ID_ANY, &t), 0);
	for (i = 1; i <= 17; i++) {
		assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
		fill(rt, k, colliding(i, h));
		assert_int_equal(sw_sa_table_install(t, rt), i <= 16 ? 0 : -ENOSPC);
	}
	sw_sa_table_stats(t, st);
	assert_int_equal(st[SW_SA_TABLE_HASH_FULL], 1);
	assert_int_equal(st[SW_SA_TABLE_CAP], 0);
	assert_int_equal(sw_sa_table_count(t), 16);
	assert_null(sw_sa_lookup(t, colliding(17, h)));
	for (i = 1; i <= 16; i++)
		assert_int_equal(sw_sa_table_retire(t, colliding(i, h)), 0);
	sw_sa_table_sync(t);
	/* Nothing leaked: all 64 fit again, one past is the cap. */
	for (i = 0; i < 64; i++) {
		assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
		assert_int_equal(sw_sa_table_new_opaque(t, &op), 0);
		fill(rt, k, op);
		assert_int_equal(sw_sa_table_install(t, rt), 0);
	}
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), -ENOSPC);
	sw_sa_table_free(t);
}

/*
 * The retire headroom running out.  One lcore is online but reports a
 * quiescent state only when told to (after a 50 ms delay), so nothing
 * retired can be freed meanwhile: at the cap, 64 retire + install rounds
 * use up the 64 spare records and the defer queue; the next retirement
 * waits for a grace period (counted "sync") and then frees all of them.
 */
static struct sw_sa_table *ht;
static int hold_ready, hold_go, hold_stop, hold_done;

static int
holder(void *arg)
{
	unsigned int lc = rte_lcore_id();

	(void)arg;
	if (sw_sa_table_qs_register(ht, lc) != 0)
		return -1;
	__atomic_store_n(&hold_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&hold_stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&hold_go, __ATOMIC_ACQUIRE)) {
			usleep(50000);
			sw_sa_table_quiescent(ht, lc);
			__atomic_store_n(&hold_go, 0, __ATOMIC_RELEASE);
		}
		rte_pause();
	}
	sw_sa_table_qs_unregister(ht, lc);
	__atomic_store_n(&hold_done, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
test_sa_table_headroom(void **state)
{
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	uint64_t st[SW_SA_TABLE_STAT_MAX], live[64], op;
	unsigned int i, lc;

	(void)state;
	assert_int_equal(sw_sa_table_create("hroom", 64, SOCKET_ID_ANY, &ht), 0);
	lc = rte_get_next_lcore(-1, 1, 0);
	assert_true(lc < RTE_MAX_LCORE);
	for (i = 0; i < 64; i++) {
		assert_int_equal(sw_sa_table_alloc(ht, &rt, &k), 0);
		assert_int_equal(sw_sa_table_new_opaque(ht, &live[i]), 0);
		fill(rt, k, live[i]);
		assert_int_equal(sw_sa_table_install(ht, rt), 0);
	}
	assert_int_equal(rte_eal_remote_launch(holder, NULL, lc), 0);
	/* Registered and online before the first retirement. */
	while (!__atomic_load_n(&hold_ready, __ATOMIC_ACQUIRE))
		rte_pause();
	for (i = 0; i < 64; i++) {
		assert_int_equal(sw_sa_table_retire(ht, live[i]), 0);
		assert_int_equal(sw_sa_table_alloc(ht, &rt, &k), 0);
		assert_int_equal(sw_sa_table_new_opaque(ht, &live[i]), 0);
		fill(rt, k, live[i]);
		assert_int_equal(sw_sa_table_install(ht, rt), 0);
	}
	sw_sa_table_stats(ht, st);
	assert_int_equal(st[SW_SA_TABLE_SYNC], 0);
	assert_int_equal(sw_sa_table_pending(ht), 64);
	assert_int_equal(sw_sa_table_reclaim(ht), 0);
	assert_int_equal(sw_sa_table_count(ht), 64);
	/* Headroom gone: the next retirement waits for the grace period. */
	__atomic_store_n(&hold_go, 1, __ATOMIC_RELEASE);
	assert_int_equal(sw_sa_table_retire(ht, live[0]), 0);
	sw_sa_table_stats(ht, st);
	assert_int_equal(st[SW_SA_TABLE_SYNC], 1);
	assert_int_equal(st[SW_SA_TABLE_RECLAIMED], 64);
	assert_int_equal(sw_sa_table_pending(ht), 1);
	assert_int_equal(sw_sa_table_alloc(ht, &rt, &k), 0);
	assert_int_equal(sw_sa_table_new_opaque(ht, &op), 0);
	fill(rt, k, op);
	assert_int_equal(sw_sa_table_install(ht, rt), 0);
	assert_int_equal(sw_sa_table_count(ht), 64);
	__atomic_store_n(&hold_stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(lc);
	while (!__atomic_load_n(&hold_done, __ATOMIC_ACQUIRE))
		;
	sw_sa_table_sync(ht);
	assert_int_equal(sw_sa_table_pending(ht), 0);
	sw_sa_table_free(ht);
}

/*
 * Churn at the cap with the headroom at its largest (sa_max 16384: 1024 spare
 * records): two lcores look random live SAs up and report a quiescent state
 * every 32 lookups while the control thread retires one and installs another
 * CHURN_ROUNDS times.  Every retirement and install succeeds, the table stays
 * at the cap, the pending records never exceed the headroom, and a record
 * found is the one installed for its opaque.  The grace-period waits are
 * printed (they depend on how the readers are scheduled, 0 when they have
 * cores of their own).
 */
#define CHURN_SA     16384u
#define CHURN_ROUNDS 20000u

static uint64_t churn_live[CHURN_SA];
static int churn_stop, churn_done[RTE_MAX_LCORE];
static uint64_t churn_bad[RTE_MAX_LCORE], churn_seen[RTE_MAX_LCORE];

static int
churn_reader(void *arg)
{
	unsigned int lc = rte_lcore_id(), b;
	uint32_t x = lc * 7919u;

	(void)arg;
	if (sw_sa_table_qs_register(ht, lc) != 0)
		return -1;
	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
		for (b = 0; b < 32; b++) {
			uint64_t op;
			struct sw_sa_rt *sa;

			x = x * 1103515245u + 12345u;
			op = __atomic_load_n(&churn_live[x % CHURN_SA], __ATOMIC_ACQUIRE);
			sa = op != 0 ? sw_sa_lookup(ht, op) : NULL;
			if (sa == NULL)
				continue;
			__atomic_fetch_add(&churn_seen[lc], 1, __ATOMIC_RELAXED);
			if (sa->opaque != op || sa->keys == NULL || sa->keys->user_len != 5)
				__atomic_fetch_add(&churn_bad[lc], 1, __ATOMIC_RELAXED);
		}
		sw_sa_table_quiescent(ht, lc);
	}
	sw_sa_table_qs_unregister(ht, lc);
	__atomic_store_n(&churn_done[lc], 1, __ATOMIC_RELEASE);
	return 0;
}

static void
churn_put(unsigned int i)
{
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	uint64_t op;

	assert_int_equal(sw_sa_table_alloc(ht, &rt, &k), 0);
	assert_int_equal(sw_sa_table_new_opaque(ht, &op), 0);
	fill(rt, k, op);
	assert_int_equal(sw_sa_table_install(ht, rt), 0);
	__atomic_store_n(&churn_live[i], op, __ATOMIC_RELEASE);
}

static void
test_sa_table_churn(void **state)
{
	uint64_t st[SW_SA_TABLE_STAT_MAX], seen = 0, nbad = 0;
	uint32_t nrec, x = 1, maxpend = 0;
	unsigned int i, r, lc;

	(void)state;
	assert_int_equal(sw_sa_table_create("churn", CHURN_SA, SOCKET_ID_ANY, &ht), 0);
	(void)sw_sa_table_recs(ht, &nrec);
	assert_int_equal(nrec, CHURN_SA + SW_SA_TABLE_RETIRE_MAX);
	for (i = 0; i < CHURN_SA; i++)
		churn_put(i);
	RTE_LCORE_FOREACH_WORKER(lc)
	assert_int_equal(rte_eal_remote_launch(churn_reader, NULL, lc), 0);
	for (r = 0; r < CHURN_ROUNDS; r++) {
		uint64_t op;

		x = x * 1664525u + 1013904223u;
		i = x % CHURN_SA;
		op = churn_live[i];
		__atomic_store_n(&churn_live[i], 0, __ATOMIC_RELEASE);
		assert_int_equal(sw_sa_table_retire(ht, op), 0);
		churn_put(i);
		assert_int_equal(sw_sa_table_count(ht), CHURN_SA);
		maxpend = RTE_MAX(maxpend, sw_sa_table_pending(ht));
		if (r % 64 == 0)
			sw_sa_table_reclaim(ht);
	}
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH_WORKER(lc)
	{
		while (!__atomic_load_n(&churn_done[lc], __ATOMIC_ACQUIRE))
			;
		seen += __atomic_load_n(&churn_seen[lc], __ATOMIC_RELAXED);
		nbad += __atomic_load_n(&churn_bad[lc], __ATOMIC_RELAXED);
	}
	sw_sa_table_stats(ht, st);
	printf("# churn: %u rounds at the cap (%u SAs), %llu grace-period waits, "
	       "%u pending at most, %llu lookups hit, %llu bad\n",
	       CHURN_ROUNDS, CHURN_SA, (unsigned long long)st[SW_SA_TABLE_SYNC], maxpend,
	       (unsigned long long)seen, (unsigned long long)nbad);
	assert_int_equal(nbad, 0);
	assert_true(seen > 0);
	assert_true(maxpend <= SW_SA_TABLE_RETIRE_MAX);
	assert_int_equal(st[SW_SA_TABLE_RETIRED], CHURN_ROUNDS);
	assert_int_equal(st[SW_SA_TABLE_HASH_FULL], 0);
	sw_sa_table_sync(ht);
	assert_int_equal(sw_sa_table_pending(ht), 0);
	sw_sa_table_free(ht);
	ht = NULL;
}

/*
 * Concurrency.
 */
#define NSLOT	  64u
#define CP_ROUNDS 3000u

static struct sw_sa_table *ct;
static uint64_t slots[NSLOT]; /* opaques the readers pick from (0: none) */
static int stop;
static uint64_t bad[RTE_MAX_LCORE], seen[RTE_MAX_LCORE], verified[RTE_MAX_LCORE];
static int done[RTE_MAX_LCORE];

static int
reader(void *arg)
{
	static const char text[] = "<NTLM><0a1b2c3d><5><SIP Communications Service>";
	unsigned int lc = rte_lcore_id(), i = lc * 7919u;
	struct sw_mac_engine *eng = arg;
	uint8_t slot[SW_SIG_HEADROOM + 256 + SW_SIG_TAILROOM], tok[SW_SIG_TOKEN_MAX];
	uint8_t tag[SW_MAC_TAG_MAX], ok;
	struct sw_mac_job job;
	uint32_t cnum = 0;

	if (sw_sa_table_qs_register(ct, lc) != 0)
		return -1;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint64_t op = __atomic_load_n(&slots[i++ % NSLOT], __ATOMIC_ACQUIRE);
		struct sw_sa_rt *sa = op != 0 ? sw_sa_lookup(ct, op) : NULL;

		if (sa != NULL) {
			const struct sw_sa_keys *k = sa->keys;

			__atomic_fetch_add(&seen[lc], 1, __ATOMIC_RELAXED);
			/* A record found must still be the one installed for it,
			 * keys intact, until this lcore's next quiescent state. */
			if (sa->opaque != op || k == NULL || k->user_len != 5 ||
			    memcmp(k->user, "alice", 5) != 0)
				__atomic_fetch_add(&bad[lc], 1, __ATOMIC_RELAXED);
			if (k != NULL && sw_sa_cnum_check(sa, ++cnum) == SW_SA_CNUM_NEW) {
				memcpy(slot + SW_SIG_HEADROOM, text, sizeof(text) - 1);
				if (sw_sig_sign(&k->c2s, slot + SW_SIG_HEADROOM, sizeof(text) - 1,
						0, tok, sizeof(tok)) != 16 ||
				    sw_sig_job_prep(&k->c2s, slot, sizeof(text) - 1, tok, 16, tag,
						    &job) != 0 ||
				    sw_mac_verify_burst(eng, &job, 1, &ok) < 0 || ok != 1)
					__atomic_fetch_add(&bad[lc], 1, __ATOMIC_RELAXED);
				else
					__atomic_fetch_add(&verified[lc], 1, __ATOMIC_RELAXED);
				(void)sw_sa_cnum_commit(sa, cnum);
			}
		}
		sw_sa_table_quiescent(ct, lc);
	}
	sw_sa_table_qs_unregister(ct, lc);
	/* Release for the control thread: the EAL's join is invisible to TSan. */
	__atomic_store_n(&done[lc], 1, __ATOMIC_RELEASE);
	return 0;
}

static void
test_sa_table_concurrency(void **state)
{
	struct sw_mac_engine *eng[RTE_MAX_LCORE] = {0};
	unsigned int lc, r, n_workers = 0;
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	uint64_t op, total_bad = 0, total_seen = 0, total_ver = 0;

	(void)state;
	assert_int_equal(sw_sa_table_create("conc", NSLOT / 2, SOCKET_ID_ANY, &ct), 0);
	RTE_LCORE_FOREACH_WORKER(lc)
	{
		assert_int_equal(sw_mac_engine_create(SW_MAC_IMPL_MB, &eng[lc]), 0);
		assert_int_equal(rte_eal_remote_launch(reader, eng[lc], lc), 0);
		n_workers++;
	}
	assert_true(n_workers >= 2);
	for (r = 0; r < CP_ROUNDS; r++) {
		unsigned int s = (r * 13u) % NSLOT;
		uint64_t old = slots[s];

		if (old != 0) {
			__atomic_store_n(&slots[s], 0, __ATOMIC_RELEASE);
			assert_int_equal(sw_sa_table_retire(ct, old), 0);
		}
		if (sw_sa_table_alloc(ct, &rt, &k) == 0) {
			assert_int_equal(sw_sa_table_new_opaque(ct, &op), 0);
			fill(rt, k, op);
			assert_int_equal(sw_sa_table_install(ct, rt), 0);
			__atomic_store_n(&slots[s], op, __ATOMIC_RELEASE);
		}
		if (r % 16 == 0)
			sw_sa_table_reclaim(ct);
		if (r % 500 == 0)
			sw_sa_table_sync(ct);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH_WORKER(lc)
	{
		while (!__atomic_load_n(&done[lc], __ATOMIC_ACQUIRE))
			;
		/* Atomics: the EAL's join is invisible to ThreadSanitizer. */
		total_bad += __atomic_load_n(&bad[lc], __ATOMIC_RELAXED);
		total_seen += __atomic_load_n(&seen[lc], __ATOMIC_RELAXED);
		total_ver += __atomic_load_n(&verified[lc], __ATOMIC_RELAXED);
		sw_mac_engine_free(eng[lc]);
	}
	printf("# concurrency: %u control rounds, %llu lookups hit, %llu verified, %llu bad\n",
	       CP_ROUNDS, (unsigned long long)total_seen, (unsigned long long)total_ver,
	       (unsigned long long)total_bad);
	assert_int_equal(total_bad, 0);
	assert_true(total_seen > 0);
	sw_sa_table_sync(ct);
	assert_int_equal(sw_sa_table_pending(ct), 0);
	sw_sa_table_free(ct);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_table_basic),
		cmocka_unit_test(test_sa_table_ext),
		cmocka_unit_test(test_sa_table_cap_edge),
		cmocka_unit_test(test_sa_table_hash_full),
		cmocka_unit_test(test_sa_table_headroom),
		cmocka_unit_test(test_sa_table_churn),
		cmocka_unit_test(test_sa_table_concurrency),
	};
	int rc;

	(void)argc;
	if (tc_eal_init(argv[0], "(0-2)@(0-1)") < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tc_eal_cleanup();
	return rc;
}
