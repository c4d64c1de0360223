/*
 * Key material is wiped when an SA goes away (issue 7 "always-on safety";
 * STYLE.md 6).  The SA table keeps records and keys in two rte_mempools; a
 * retired SA's memory goes back to them after its RCU grace period.  After
 * retire + reclaim (and after retire + sync, and after abandon), the freed
 * elements must be all zero, and neither the session key nor anything
 * derived from it (the HMAC key, its ipad/opad states, NTLM's sealing key
 * stream) may be found anywhere in either pool: the other SAs' elements
 * included, so a stray copy is caught too.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "crypto/sig.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/sa_rt.h"
#include "tests/ctrlplane/cp_eal.h"

/* Secrets to look for; each is at least 8 bytes so a match is no accident. */
struct needles {
	uint8_t session[16];
	uint8_t sign_raw[16];
	uint8_t ipad[16];
	uint8_t opad[16];
	uint8_t ks[8];
};

struct scan {
	const struct needles *n;
	unsigned int hits;
};

static bool
contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static void
scan_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct scan *s = arg;
	size_t sz = mp->elt_size;

	(void)idx;
	if (contains(obj, sz, s->n->session, 16) || contains(obj, sz, s->n->sign_raw, 16) ||
	    contains(obj, sz, s->n->ipad, 16) || contains(obj, sz, s->n->opad, 16) ||
	    contains(obj, sz, s->n->ks, 8))
		s->hits++;
}

/* Cold records (their mempool) and lcore records (the table's array, where
 * the compact keys and the user name live). */
static unsigned int
scan_pools(const struct sw_sa_table *t, const char *name, const struct needles *n)
{
	char nm[64];
	struct scan s = {n, 0};
	struct rte_mempool *mp;
	const struct sw_sa_rt *recs;
	uint32_t nrec, i;

	snprintf(nm, sizeof(nm), "sak_%s", name);
	mp = rte_mempool_lookup(nm);
	assert_non_null(mp);
	rte_mempool_obj_iter(mp, scan_obj, &s);
	recs = sw_sa_table_recs(t, &nrec);
	assert_non_null(recs);
	for (i = 0; i < nrec; i++) {
		const uint8_t *o = (const uint8_t *)&recs[i];

		if (contains(o, sizeof(recs[i]), n->session, 16) ||
		    contains(o, sizeof(recs[i]), n->sign_raw, 16) ||
		    contains(o, sizeof(recs[i]), n->ipad, 16) ||
		    contains(o, sizeof(recs[i]), n->opad, 16) ||
		    contains(o, sizeof(recs[i]), n->ks, 8))
			s.hits++;
	}
	return s.hits;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Install an NTLM SA whose session key is derived from @p seed; note its secrets. */
static struct sw_sa_rt *
install(struct sw_sa_table *t, uint8_t seed, struct needles *n, struct sw_sa_keys **k_out)
{
	struct sw_sa_rt *rt;
	struct sw_sa_keys *k;
	uint64_t op;

	for (unsigned int i = 0; i < 16; i++)
		n->session[i] = (uint8_t)(seed * 31 + i * 7 + 1);
	assert_int_equal(sw_sa_table_alloc(t, &rt, &k), 0);
	assert_int_equal(sw_sig_key_init_ntlm(&k->c2s, n->session, SW_DIR_C2S), 0);
	assert_int_equal(sw_sig_key_init_ntlm(&k->s2c, n->session, SW_DIR_S2C), 0);
	memcpy(n->sign_raw, k->c2s.mac.raw, 16);
	memcpy(n->ipad, k->c2s.mac.ipad_state, 16);
	memcpy(n->opad, k->c2s.mac.opad_state, 16);
	memcpy(n->ks, k->c2s.ntlm_ks, 8);
	/* The session key itself is never stored; keep one copy so the scan
	 * proves it can find one. */
	memcpy(k->user, n->session, 16);
	k->user_len = 16;
	assert_int_equal(sw_sa_table_new_opaque(t, &op), 0);
	rt->opaque = op;
	rt->scheme = SW_SCHEME_NTLM;
	rt->version = 3;
	rt->expires_ms = UINT64_MAX;
	assert_int_equal(sw_sa_table_install(t, rt), 0);
	*k_out = k;
	return rt;
}

static void
test_sa_wipe_retire_reclaim(void **state)
{
	struct sw_sa_table *t = NULL;
	struct needles n[3];
	struct sw_sa_keys *k[3];
	struct sw_sa_rt *rt[3];
	unsigned int i;

	(void)state;
	assert_int_equal(sw_sa_table_create("wipe", 8, SOCKET_ID_ANY, &t), 0);
	for (i = 0; i < 3; i++)
		rt[i] = install(t, (uint8_t)(i + 1), &n[i], &k[i]);
	/* The scan finds live secrets (so a miss below means they are gone). */
	for (i = 0; i < 3; i++)
		assert_true(scan_pools(t, "wipe", &n[i]) >= 1);

	/* Retire + reclaim (no reader registered: the grace period is over at once). */
	assert_int_equal(sw_sa_table_retire(t, rt[0]->opaque), 0);
	assert_int_equal(sw_sa_table_reclaim(t), 1);
	assert_true(all_zero(k[0], sizeof(*k[0])));
	/* Wiped, except the free list's link in the first four bytes
	 * (sa_table.c free_push()): the index of another free record. */
	assert_true(all_zero((const uint8_t *)rt[0] + 4, sizeof(*rt[0]) - 4));
	assert_int_equal(scan_pools(t, "wipe", &n[0]), 0);
	assert_true(scan_pools(t, "wipe", &n[1]) >= 1);

	/* Retire + sync (the blocking path the control plane uses when the queue is full). */
	assert_int_equal(sw_sa_table_retire(t, rt[1]->opaque), 0);
	sw_sa_table_sync(t);
	assert_true(all_zero(k[1], sizeof(*k[1])));
	assert_int_equal(scan_pools(t, "wipe", &n[1]), 0);

	/* An SA that was never published (handshake failed after alloc). */
	{
		struct needles na;
		struct sw_sa_rt *r;
		struct sw_sa_keys *kk;

		memset(&na, 0, sizeof(na));
		assert_int_equal(sw_sa_table_alloc(t, &r, &kk), 0);
		for (i = 0; i < 16; i++)
			na.session[i] = (uint8_t)(0x90 + i);
		assert_int_equal(sw_sig_key_init_ntlm(&kk->c2s, na.session, SW_DIR_C2S), 0);
		memcpy(na.sign_raw, kk->c2s.mac.raw, 16);
		memcpy(na.ipad, kk->c2s.mac.ipad_state, 16);
		memcpy(na.opad, kk->c2s.mac.opad_state, 16);
		memcpy(na.ks, kk->c2s.ntlm_ks, 8);
		memcpy(na.session, na.sign_raw, 16); /* the session key was not stored */
		r->keys = kk;
		assert_true(scan_pools(t, "wipe", &na) >= 1);
		sw_sa_table_abandon(t, r);
		assert_true(all_zero(kk, sizeof(*kk)));
		assert_int_equal(scan_pools(t, "wipe", &na), 0);
	}

	/* The live one is untouched. */
	assert_ptr_equal(sw_sa_lookup(t, rt[2]->opaque), rt[2]);
	assert_true(scan_pools(t, "wipe", &n[2]) >= 1);
	sw_sa_table_free(t);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_wipe_retire_reclaim),
	};
	int ret;

	(void)argc;
	if (tc_eal_init(argv[0], "0") < 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	tc_eal_cleanup();
	return ret;
}
