/*
 * Telemetry (DESIGN.md "Observability"): /sipward/... commands, readable with
 * dpdk-telemetry.py or tests/engine/sw-telemetry.py.  Callbacks run on the
 * telemetry thread and only read single-writer counters.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "ctrlplane/cp.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/engine.h"

const char *const sw_verdict_name[SW_V_MAX] = {
#define X(id, name, help) [SW_V_##id] = name,
	SW_VERDICTS(X)
#undef X
};
const char *const sw_verdict_help[SW_V_MAX] = {
#define X(id, name, help) [SW_V_##id] = help,
	SW_VERDICTS(X)
#undef X
};
const char *const sw_drop_name[SW_DROP_MAX] = {
#define X(id, name, help) [SW_DROP_##id] = name,
	SW_DROP_REASONS(X)
#undef X
};
const char *const sw_drop_help[SW_DROP_MAX] = {
#define X(id, name, help) [SW_DROP_##id] = help,
	SW_DROP_REASONS(X)
#undef X
};

static struct sw_engine *tel_eng;

void
sw_dp_stats_sum(const struct sw_dp_stats *const *st, unsigned int n, struct sw_dp_stats *out)
{
	unsigned int i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		const uint64_t *src = (const uint64_t *)st[i];
		uint64_t *dst = (uint64_t *)out;

		if (st[i] == NULL)
			continue;
		for (k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			dst[k] += sw_ctr_read(&src[k]);
	}
}

static void
stats_dict(struct rte_tel_data *d, const struct sw_dp_stats *s)
{
	unsigned int i;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx", s->rx);
	rte_tel_data_add_dict_u64(d, "tx", s->tx);
	rte_tel_data_add_dict_u64(d, "rx_sip", s->rx_sip);
	rte_tel_data_add_dict_u64(d, "verify_bursts", s->verify_bursts);
	rte_tel_data_add_dict_u64(d, "verify_jobs", s->verify_jobs);
	rte_tel_data_add_dict_u64(d, "sign_bursts", s->sign_bursts);
	rte_tel_data_add_dict_u64(d, "sign_jobs", s->sign_jobs);
	rte_tel_data_add_dict_u64(d, "verified", s->verified);
	rte_tel_data_add_dict_u64(d, "bad_sig", s->bad_sig);
	rte_tel_data_add_dict_u64(d, "polls", s->polls);
	rte_tel_data_add_dict_u64(d, "idle_polls", s->idle_polls);
	rte_tel_data_add_dict_u64(d, "sleeps", s->sleeps);
	rte_tel_data_add_dict_u64(d, "record_routed", s->record_routed);
	for (i = 0; i < SW_V_MAX; i++)
		rte_tel_data_add_dict_u64(d, sw_verdict_name[i], s->verdict[i]);
	for (i = 0; i < SW_DROP_MAX; i++) {
		char k[64];

		snprintf(k, sizeof(k), "drop_%s", sw_drop_name[i]);
		rte_tel_data_add_dict_u64(d, k, s->drop[i]);
	}
	for (i = 0; i < SW_SA_RC_MAX; i++) {
		char k[64];

		snprintf(k, sizeof(k), "sa_%s", sw_sa_rc_name(i));
		rte_tel_data_add_dict_u64(d, k, s->sa_rc[i]);
	}
}

/* "/sipward/stats[,<lcore index>]": summed over polling lcores, or one. */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sw_dp_stats *st[SW_LCORES_MAX];
	struct sw_dp_stats sum;
	unsigned int i, n = tel_eng->n_lcores;

	(void)cmd;
	for (i = 0; i < n; i++)
		st[i] = &tel_eng->lc[i]->st;
	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long k = strtoul(params, &end, 10);

		if (*end != '\0' || k >= n)
			return -EINVAL;
		sw_dp_stats_sum(&st[k], 1, &sum);
	} else {
		sw_dp_stats_sum(st, n, &sum);
	}
	stats_dict(d, &sum);
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (i = 0; i < tel_eng->n_lcores; i++) {
		char k[32];

		snprintf(k, sizeof(k), "lcore%u_id", i);
		rte_tel_data_add_dict_u64(d, k, tel_eng->lc[i]->lcore_id);
		snprintf(k, sizeof(k), "lcore%u_rx", i);
		rte_tel_data_add_dict_u64(d, k, sw_ctr_read(&tel_eng->lc[i]->st.rx));
		snprintf(k, sizeof(k), "lcore%u_tx", i);
		rte_tel_data_add_dict_u64(d, k, sw_ctr_read(&tel_eng->lc[i]->st.tx));
		snprintf(k, sizeof(k), "lcore%u_verified", i);
		rte_tel_data_add_dict_u64(d, k, sw_ctr_read(&tel_eng->lc[i]->st.verified));
	}
	return 0;
}

static int
tel_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t s[SW_SA_TABLE_STAT_MAX];
	unsigned int i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", sw_eng_sa_count(tel_eng));
	rte_tel_data_add_dict_u64(d, "max", tel_eng->cfg->sa_max);
	if (tel_eng->sat != NULL) {
		rte_tel_data_add_dict_u64(d, "pending_free", sw_sa_table_pending(tel_eng->sat));
		sw_sa_table_stats(tel_eng->sat, s);
		for (i = 0; i < SW_SA_TABLE_STAT_MAX; i++)
			rte_tel_data_add_dict_u64(d, sw_sa_table_stat_name(i), s[i]);
	}
	return 0;
}

static int
tel_cp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sw_cp_stats *c = &tel_eng->cps;
	unsigned int i;
	char k[64];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "running", tel_eng->cp != NULL);
	rte_tel_data_add_dict_u64(d, "sa_established_per_s",
				  __atomic_load_n(&tel_eng->sa_per_s, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "legs_per_s",
				  __atomic_load_n(&tel_eng->legs_per_s, __ATOMIC_RELAXED));
#define X(n, h) rte_tel_data_add_dict_u64(d, "ctl_" #n, __atomic_load_n(&c->n, __ATOMIC_RELAXED));
	SW_CP_COUNTERS(X)
#undef X
	if (tel_eng->cp != NULL) {
		uint64_t s[SW_CP_STAT_MAX], r[SW_SA_RC_MAX];

		sw_cp_stats(tel_eng->cp, s);
		for (i = 0; i < SW_CP_STAT_MAX; i++)
			rte_tel_data_add_dict_u64(d, sw_cp_stat_name(i), s[i]);
		sw_cp_sa_stats(tel_eng->cp, r);
		for (i = 0; i < SW_SA_RC_MAX; i++) {
			snprintf(k, sizeof(k), "signed_%s", sw_sa_rc_name(i));
			rte_tel_data_add_dict_u64(d, k, r[i]);
		}
	}
	return 0;
}

static int
tel_rings(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;
	char k[64];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "to_cp_count", rte_ring_count(tel_eng->to_cp));
	rte_tel_data_add_dict_u64(d, "to_cp_size", rte_ring_get_capacity(tel_eng->to_cp));
	rte_tel_data_add_dict_u64(d, "neigh_req_count", rte_ring_count(tel_eng->neigh->req));
	for (i = 0; i < tel_eng->n_lcores; i++) {
		snprintf(k, sizeof(k), "dist%u_count", i);
		rte_tel_data_add_dict_u64(d, k, rte_ring_count(tel_eng->lc[i]->dist));
	}
	rte_tel_data_add_dict_u64(d, "mbuf_avail", rte_mempool_avail_count(tel_eng->pool));
	rte_tel_data_add_dict_u64(d, "mbuf_in_use", rte_mempool_in_use_count(tel_eng->pool));
	rte_tel_data_add_dict_u64(d, "mbuf_size", tel_eng->pool->size);
	rte_tel_data_add_dict_u64(d, "big_avail", rte_mempool_avail_count(tel_eng->big));
	rte_tel_data_add_dict_u64(d, "big_size", tel_eng->big->size);
	rte_tel_data_add_dict_u64(d, "neigh_updates", tel_eng->neigh->n_updates);
	rte_tel_data_add_dict_u64(d, "neigh_requests", tel_eng->neigh->n_requests);
	return 0;
}

static int
tel_help(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (i = 0; i < SW_V_MAX; i++)
		rte_tel_data_add_dict_string(d, sw_verdict_name[i], sw_verdict_help[i]);
	for (i = 0; i < SW_DROP_MAX; i++) {
		char k[64];

		snprintf(k, sizeof(k), "drop_%s", sw_drop_name[i]);
		rte_tel_data_add_dict_string(d, k, sw_drop_help[i]);
	}
	return 0;
}

int
sw_dp_telemetry_init(struct sw_engine *eng)
{
	int ret = 0;

	tel_eng = eng;
	ret |= rte_telemetry_register_cmd("/sipward/stats", tel_stats,
		"Engine counters (verdicts, drop reasons). Parameter: optional lcore index");
	ret |= rte_telemetry_register_cmd("/sipward/lcores", tel_lcores,
		"Per polling lcore: lcore id, rx, tx, verified");
	ret |= rte_telemetry_register_cmd("/sipward/sa", tel_sa, "SA table: count, max, events");
	ret |= rte_telemetry_register_cmd("/sipward/cp", tel_cp,
		"Control plane: handshakes, outcomes, control-thread counters");
	ret |= rte_telemetry_register_cmd("/sipward/rings", tel_rings,
		"Ring and mempool occupancy, neighbour table activity");
	ret |= rte_telemetry_register_cmd("/sipward/help", tel_help,
		"Meaning of every /sipward/stats counter");
	return ret != 0 ? -EINVAL : 0;
}
