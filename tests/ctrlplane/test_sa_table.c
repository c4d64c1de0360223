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
