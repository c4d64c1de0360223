/*
 * sipwardd: sipwardd [EAL options] -- -c FILE [--check-config] [--print-config] [--no-cp]
 *
 * Main lcore: configuration, EAL, pools, ports, control plane, telemetry,
 * then the control-thread loop; polling lcores run sw_lcore_main().
 * SIGINT/SIGTERM: stop, drain, print the summary, free, exit 0.  SIGHUP:
 * sw_cp_reload().
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "crypto/digest.h"
#include "ctrlplane/config.h"
#include "ctrlplane/cp.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/engine.h"
#include "dataplane/port.h"
#include "dataplane/sa_glue.h"
#include "sw_build_config.h"

#define RTE_LOGTYPE_SW RTE_LOGTYPE_USER1
#define BIG_MBUFS 512u
#define BIG_DATAROOM (16384u + RTE_PKTMBUF_HEADROOM)

static struct sw_engine *sig_eng; /* for the signal handler only */

static void
on_signal(int sig)
{
	if (sig_eng == NULL)
		return;
	if (sig == SIGHUP)
		__atomic_store_n(&sig_eng->reload, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&sig_eng->quit, 1, __ATOMIC_RELAXED);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- -c FILE [--check-config] [--print-config] [--no-cp]\n"
		"  -c, --config FILE   configuration (INI; see README \"Configuration\")\n"
		"  --check-config      validate FILE and exit (0 valid, 1 invalid); no EAL\n"
		"  --print-config      print the effective configuration and exit; no EAL\n"
		"  --no-cp             run without the control plane (challenges only)\n",
		prog);
}

struct app_args {
	const char *config;
	bool check, print, no_cp;
};

static int
parse_app_args(int argc, char **argv, struct app_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "no-cp", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 'C':
			a->check = true;
			break;
		case 'P':
			a->print = true;
			break;
		case 'N':
			a->no_cp = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || a->config == NULL)
		return -EINVAL;
	return 0;
}

/*
 * The control plane's log lines.  Many are about one bad handshake leg
 * (a garbage token, a wrong password), so an attacker decides how many
 * there are: at most 20 a second get through, and the first one after a
 * busy second says how many were suppressed (the counters have them all).
 */
static void
cp_log(void *arg, enum sw_cp_log_level level, const char *msg)
{
	static struct sw_logrl rl = SW_LOGRL_INIT(20, 1000);
	uint64_t missed;

	(void)arg;
	if (!sw_logrl_allow(&rl, rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000), &missed))
		return;
	if (missed != 0)
		rte_log(RTE_LOG_NOTICE, RTE_LOGTYPE_USER2,
			"SW_CP: %" PRIu64 " log lines suppressed in the last second\n", missed);
	rte_log((uint32_t)level, RTE_LOGTYPE_USER2, "SW_CP: %s\n", msg);
}

/* Keep the kernel from answering SIP datagrams it also sees (af_packet
 * copies, it does not steal) with ICMP port unreachable, and keep other
 * processes off the SIP port: bind a socket that nobody reads. */
static int
reserve_port(const struct sw_cfg_if *ifc)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, small = 1;

	memset(&ss, 0, sizeof(ss));
	if (ifc->addr.af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(ifc->sip_port);
		s4->sin_addr = ifc->addr.u.v4;
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ifc->sip_port);
		s6->sin6_addr = ifc->addr.u.v6;
		sl = sizeof(*s6);
	}
	fd = socket(ifc->addr.af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void
sw_eng_print_summary(const struct sw_engine *eng, FILE *out)
{
	const struct sw_dp_stats *st[SW_LCORES_MAX];
	struct sw_dp_stats sum;
	unsigned int i, k;

	for (i = 0; i < eng->n_lcores; i++)
		st[i] = eng->lc[i] != NULL ? &eng->lc[i]->st : NULL;
	sw_dp_stats_sum(st, eng->n_lcores, &sum);
	fprintf(out, "sipwardd summary\n");
	fprintf(out, "  %-22s %" PRIu64 "\n  %-22s %" PRIu64 "\n  %-22s %" PRIu64 "\n", "rx",
		sum.rx, "tx", sum.tx, "rx_sip", sum.rx_sip);
	fprintf(out, "  %-22s %" PRIu64 " (jobs %" PRIu64 ", verified %" PRIu64
		     ", bad %" PRIu64 ")\n",
		"verify_bursts", sum.verify_bursts, sum.verify_jobs, sum.verified, sum.bad_sig);
	fprintf(out, "  %-22s %" PRIu64 " (jobs %" PRIu64 ")\n", "sign_bursts", sum.sign_bursts,
		sum.sign_jobs);
	for (k = 0; k < SW_V_MAX; k++)
		fprintf(out, "  %-22s %" PRIu64 "\n", sw_verdict_name[k], sum.verdict[k]);
	for (k = 0; k < SW_DROP_MAX; k++)
		if (sum.drop[k] != 0)
			fprintf(out, "  drop_%-17s %" PRIu64 "\n", sw_drop_name[k], sum.drop[k]);
	for (k = 0; k < SW_SA_RC_MAX; k++)
		if (sum.sa_rc[k] != 0)
			fprintf(out, "  sa_%-19s %" PRIu64 "\n", sw_sa_rc_name(k), sum.sa_rc[k]);
	for (i = 0; i < eng->n_lcores; i++)
		if (st[i] != NULL)
			fprintf(out, "  lcore %u (id %u): rx %" PRIu64 " tx %" PRIu64
				     " verified %" PRIu64 " sleeps %" PRIu64 "\n",
				i, eng->lc[i]->lcore_id, st[i]->rx, st[i]->tx, st[i]->verified,
				st[i]->sleeps);
#define X(n, h) fprintf(out, "  ctl_%-18s %" PRIu64 "\n", #n, eng->cps.n);
	SW_CP_COUNTERS(X)
#undef X
	if (eng->cp != NULL) {
		uint64_t cs[SW_CP_STAT_MAX];

		/* Control-plane outcomes (cap_hs, cap_hs_src, ...): non-zero ones. */
		sw_cp_stats(eng->cp, cs);
		for (k = 0; k < SW_CP_STAT_MAX; k++)
			if (cs[k] != 0)
				fprintf(out, "  cp_%-19s %" PRIu64 "\n", sw_cp_stat_name(k), cs[k]);
	}
	fprintf(out, "  %-22s %u\n", "sa_count", sw_eng_sa_count(eng));
}

static int
build_engine(struct sw_engine *eng, const struct app_args *args)
{
	const struct sw_config *cfg = eng->cfg;
	unsigned int lcore_id, i = 0, n_ports = 0;
	uint32_t n_mbufs;
	int socket = (int)rte_socket_id();
	int ret;

	eng->n_lcores = cfg->n_lcores;
	if (eng->n_lcores > SW_LCORES_MAX || rte_lcore_count() < eng->n_lcores + 1) {
		RTE_LOG(ERR, SW, "[engine] lcores = %u needs %u EAL lcores (-l), have %u\n",
			cfg->n_lcores, cfg->n_lcores + 1, rte_lcore_count());
		return -EINVAL;
	}
	eng->tsc_hz = rte_get_tsc_hz();
	eng->tsc_per_ms = eng->tsc_hz / 1000 != 0 ? eng->tsc_hz / 1000 : 1;
	eng->drain_tsc = eng->tsc_hz / 1000000 * cfg->drain_us;
	eng->idle_sleep_us = cfg->idle_sleep_us;

	for (i = 0; i < SW_CFG_PORTS_MAX; i++)
		n_ports += cfg->ifs[i].present;
	n_mbufs = cfg->mbufs != 0 ? cfg->mbufs
				  : n_ports * (eng->n_lcores * 2048u + (eng->n_lcores + 1) * 2048u) +
					    cfg->ring_size + eng->n_lcores * 2048u + 8192u;
	eng->pool = rte_pktmbuf_pool_create("sw_pkt", n_mbufs, 256,
					    RTE_ALIGN(sizeof(struct sw_pkt_meta),
						      RTE_MBUF_PRIV_ALIGN),
					    RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	eng->big = rte_pktmbuf_pool_create("sw_big", BIG_MBUFS, 16,
					   RTE_ALIGN(sizeof(struct sw_pkt_meta),
						     RTE_MBUF_PRIV_ALIGN),
					   BIG_DATAROOM, socket);
	if (eng->pool == NULL || eng->big == NULL) {
		RTE_LOG(ERR, SW, "cannot create mbuf pools (%u mbufs): %s\n", n_mbufs,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	eng->to_cp = rte_ring_create("sw_to_cp", cfg->ring_size, socket, RING_F_SC_DEQ);
	eng->ctl_buf = rte_malloc("sw_ctl_buf", SW_LIN_SIZE, 0);
	eng->ctl_msg = rte_malloc("sw_ctl_msg", sizeof(*eng->ctl_msg), 0);
	eng->ctl_out = rte_malloc("sw_ctl_out", SW_CP_OUTS_MAX * sizeof(*eng->ctl_out), 0);
	if (eng->to_cp == NULL || eng->ctl_buf == NULL || eng->ctl_msg == NULL ||
	    eng->ctl_out == NULL)
		return -ENOMEM;
	ret = sw_neigh_create(socket, &eng->neigh);
	if (ret != 0)
		return ret;

	if (!args->no_cp) {
		ret = sw_cp_create(cfg, &eng->cp);
		if (ret != 0) {
			RTE_LOG(ERR, SW, "control plane: %s\n", strerror(-ret));
			return ret;
		}
		sw_cp_set_log(eng->cp, cp_log, NULL);
		eng->pol = sw_cp_policy(eng->cp);
		eng->sat = sw_cp_sa_table(eng->cp);
	} else {
		eng->local_pol = rte_zmalloc("sw_pol", sizeof(*eng->local_pol), 0);
		if (eng->local_pol == NULL)
			return -ENOMEM;
		ret = sw_eng_policy_build(cfg, eng->local_pol, &eng->local_digest);
		if (ret != 0)
			return ret;
		eng->pol = eng->local_pol;
		RTE_LOG(WARNING, SW, "running without a control plane: challenges only\n");
	}

	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore_id) {
		if (i == eng->n_lcores)
			break;
		ret = sw_lcore_create(eng, i, lcore_id, &eng->lc[i]);
		if (ret != 0)
			return ret;
		i++;
	}
	ret = sw_port_setup(eng);
	if (ret != 0)
		return ret;
	for (i = 0; i < SW_CFG_PORTS_MAX; i++)
		if (eng->ifs[i].present && eng->ifs[i].port < RTE_MAX_ETHPORTS)
			eng->neigh->ifindex[eng->ifs[i].port] = eng->ifs[i].ifindex;
	for (i = 0; i < SW_CFG_PORTS_MAX; i++)
		if (eng->ifs[i].present && eng->ifs[i].tap_port != SW_NO_PORT &&
		    eng->ifs[i].tap_port >= SW_CFG_PORTS_MAX * 2) {
			RTE_LOG(ERR, SW, "tap port id %u too large\n", eng->ifs[i].tap_port);
			return -ENOTSUP;
		}
	{
		struct sw_addr nh;
		uint16_t ifidx;

		if (sw_eng_route(eng, &cfg->upstream, true, &ifidx, &nh) != 0) {
			RTE_LOG(ERR, SW, "no route to the upstream\n");
			return -EHOSTUNREACH;
		}
		eng->up_if = ifidx;
		eng->up_nh = nh;
	}
	ret = sw_neigh_start(eng->neigh);
	if (ret != 0)
		RTE_LOG(WARNING, SW, "netlink neighbour table unavailable: %s\n", strerror(-ret));
	/* Resolve the upstream next hop now rather than on the first request. */
	sw_neigh_request(eng->neigh, &eng->up_nh, eng->ifs[eng->up_if].port);
	sw_neigh_poll(eng->neigh);
	if (eng->sat != NULL)
		for (i = 0; i < eng->n_lcores; i++)
			sw_sa_table_qs_register(eng->sat, eng->lc[i]->lcore_id);
	ret = sw_dp_telemetry_init(eng);
	if (ret != 0)
		RTE_LOG(WARNING, SW, "telemetry commands not registered\n");
	return 0;
}

static void
free_engine(struct sw_engine *eng)
{
	unsigned int i;

	for (i = 0; i < eng->n_lcores; i++) {
		sw_lcore_free(eng->lc[i]);
		eng->lc[i] = NULL;
	}
	if (eng->to_cp != NULL) {
		struct rte_mbuf *m = NULL;

		while (rte_ring_dequeue(eng->to_cp, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(eng->to_cp);
	}
	/* What is still out now sits in the ports' rx rings (af_xdp: its fill
	 * ring, taken from our pool); the engine itself holds nothing. */
	if (eng->pool != NULL)
		printf("  %-22s %u\n", "mbufs_held_by_ports", rte_mempool_in_use_count(eng->pool));
	sw_port_stop(eng);
	if (eng->pool != NULL)
		printf("  %-22s %u/%u\n", "mbufs_free_at_exit", rte_mempool_avail_count(eng->pool),
		       eng->pool->size);
	sw_cp_free(eng->cp);
	sw_neigh_free(eng->neigh);
	rte_free(eng->local_pol);
	sw_digest_free(eng->local_digest);
	rte_free(eng->ctl_buf);
	rte_free(eng->ctl_msg);
	rte_free(eng->ctl_out);
	rte_mempool_free(eng->big);
	rte_mempool_free(eng->pool);
}

int
main(int argc, char **argv)
{
	static struct sw_config cfg;
	static struct sw_engine eng;
	struct app_args args = { 0 };
	char err[SW_CFG_ERR_MAX];
	int dd = -1, i, ret, app_argc, fds[SW_CFG_PORTS_MAX];
	char **app_argv;
	unsigned int lcore_id, k;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	/* Application options: after "--", or all of them when there is no EAL part. */
	app_argc = dd >= 0 ? argc - dd : argc;
	app_argv = dd >= 0 ? argv + dd : argv;
	if (parse_app_args(app_argc, app_argv, &args) != 0) {
		usage(argv[0]);
		return 2;
	}
	ret = sw_config_load(args.config, &cfg, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (args.check || args.print) {
		if (args.print)
			sw_config_print(&cfg, stdout);
		if (args.check)
			printf("%s: configuration OK\n", args.config);
		return 0;
	}

	ret = rte_eal_init(dd >= 0 ? dd : 1, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	eng.cfg = &cfg;
	sig_eng = &eng;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	for (k = 0; k < SW_CFG_PORTS_MAX; k++)
		fds[k] = cfg.ifs[k].present ? reserve_port(&cfg.ifs[k]) : -1;

	ret = build_engine(&eng, &args);
	if (ret != 0) {
		RTE_LOG(ERR, SW, "startup failed: %s\n", strerror(ret < 0 ? -ret : ret));
		__atomic_store_n(&eng.quit, 1, __ATOMIC_RELAXED);
		free_engine(&eng);
		rte_eal_cleanup();
		return 1;
	}
	RTE_LOG(NOTICE, SW, "sipwardd %s: %u polling lcore(s), control plane %s; ready\n",
		SW_VERSION, eng.n_lcores, eng.cp != NULL ? "up" : "off");
	printf("sipwardd ready\n");
	fflush(stdout);

	k = 0;
	RTE_LCORE_FOREACH_WORKER(lcore_id) {
		if (k == eng.n_lcores)
			break;
		rte_eal_remote_launch(sw_lcore_main, eng.lc[k], lcore_id);
		k++;
	}
	sw_ctl_loop(&eng);
	rte_eal_mp_wait_lcore();

	/* Drain: what the lcores handed over last is still answered. */
	if (eng.cp != NULL) {
		struct rte_mbuf *m = NULL;

		while (rte_ring_dequeue(eng.to_cp, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	sw_eng_print_summary(&eng, stdout);
	free_engine(&eng);
	for (k = 0; k < SW_CFG_PORTS_MAX; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	rte_eal_cleanup();
	fflush(stdout);
	return 0;
}
