/*
 * Port setup: one rx queue per polling lcore where the port can (RSS on the
 * client's flow), otherwise one rx queue read by lcore 0 with software
 * distribution; one tx queue per polling lcore plus one for the control
 * thread.  Optional net_tap exception port per interface.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "dataplane/engine.h"
#include "dataplane/port.h"
#include "dataplane/xdp_ctl.h"

#define RTE_LOGTYPE_SW_PORT RTE_LOGTYPE_USER1
#define RX_DESC 2048
#define TX_DESC 2048

static int
setup_one(struct sw_engine *eng, uint16_t port, uint16_t nb_rxq, uint16_t nb_txq, bool rss)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info di;
	uint16_t nrx = RX_DESC, ntx = TX_DESC, q;
	int socket = rte_eth_dev_socket_id(port);
	int ret;

	if (socket < 0)
		socket = (int)rte_socket_id();
	ret = rte_eth_dev_info_get(port, &di);
	if (ret != 0)
		return ret;
	memset(&conf, 0, sizeof(conf));
	if (rss && nb_rxq > 1 && di.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & di.flow_type_rss_offloads;
	}
	/* Frames larger than an mbuf (jumbo, or af_packet's kernel-defragmented
	 * datagrams) arrive as chains; the lcore linearises them. */
	if (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (ret != 0)
		return ret;
	for (q = 0; q < nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nrx, (unsigned int)socket, NULL, eng->pool);
		if (ret != 0)
			return ret;
	}
	for (q = 0; q < nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, ntx, (unsigned int)socket, NULL);
		if (ret != 0)
			return ret;
	}
	return rte_eth_dev_start(port);
}

int
sw_port_setup(struct sw_engine *eng)
{
	const struct sw_config *cfg = eng->cfg;
	uint16_t n_lc = (uint16_t)eng->n_lcores;
	unsigned int i;
	int ret;

	for (i = 0; i < SW_CFG_PORTS_MAX; i++) {
		struct sw_eng_if *ifc = &eng->ifs[i];
		struct rte_eth_dev_info di;
		char name[RTE_ETH_NAME_MAX_LEN];

		ifc->ctl_txq = SW_NO_PORT;
		ifc->tap_port = SW_NO_PORT;
		if (!cfg->ifs[i].present)
			continue;
		if (!rte_eth_dev_is_valid_port((uint16_t)i)) {
			RTE_LOG(ERR, SW_PORT,
				"[interface.%u]: DPDK port %u does not exist (%u ports from EAL)\n",
				i, i, rte_eth_dev_count_avail());
			return -ENODEV;
		}
		ifc->present = true;
		ifc->port = (uint16_t)i;
		ifc->cfg = &cfg->ifs[i];
		ifc->own = cfg->ifs[i].addr;
		ifc->own.prefix = ifc->own.af == AF_INET ? 32 : 128;
		ret = rte_eth_dev_info_get(ifc->port, &di);
		if (ret != 0)
			return ret;
		ifc->ifindex = (int)di.if_index;
		ifc->nb_rxq = di.max_rx_queues >= n_lc ? n_lc : 1;
		ifc->sw_dist = ifc->nb_rxq < n_lc;
		if (di.max_tx_queues >= n_lc + 1) {
			ifc->nb_txq = (uint16_t)(n_lc + 1);
			ifc->ctl_txq = n_lc;
		} else if (di.max_tx_queues >= n_lc) {
			ifc->nb_txq = n_lc;
		} else {
			RTE_LOG(ERR, SW_PORT, "port %u: %u tx queues, %u polling lcores need %u\n",
				i, di.max_tx_queues, n_lc, n_lc + 1);
			return -ENOTSUP;
		}
		ret = setup_one(eng, ifc->port, ifc->nb_rxq, ifc->nb_txq, true);
		if (ret != 0) {
			RTE_LOG(ERR, SW_PORT, "port %u: setup failed: %s\n", i, rte_strerror(-ret));
			return ret;
		}
		rte_eth_macaddr_get(ifc->port, &ifc->mac);
		rte_eth_dev_get_name_by_port(ifc->port, name);
		RTE_LOG(INFO, SW_PORT,
			"port %u (%s, %s): %u rx queue(s)%s, %u tx queue(s)%s, ifindex %d\n", i,
			name, di.driver_name, ifc->nb_rxq,
			ifc->sw_dist && n_lc > 1 ? " + software distribution" : "", ifc->nb_txq,
			ifc->ctl_txq == SW_NO_PORT ? " (control thread via lcore 0)" : "",
			ifc->ifindex);

		if (cfg->ifs[i].exception == SW_EXC_XDP) {
			ret = sw_xdp_set_sip_port(ifc->ifindex, cfg->ifs[i].sip_port);
			if (ret != 0) {
				RTE_LOG(ERR, SW_PORT,
					"port %u: exception = xdp, but no sipward XDP program on "
					"ifindex %d (%s): use net_af_xdp with "
					"xdp_prog=.../sipward_xdp.o\n", i, ifc->ifindex,
					strerror(-ret));
				return ret;
			}
			RTE_LOG(INFO, SW_PORT, "port %u: XDP redirects UDP port %u only\n", i,
				cfg->ifs[i].sip_port);
		}
		if (cfg->ifs[i].exception == SW_EXC_TAP) {
			char vdev[RTE_DEV_NAME_MAX_LEN], args[192];
			uint16_t tp;

			snprintf(vdev, sizeof(vdev), "net_tap_sw%u", i);
			snprintf(args, sizeof(args), "%s,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, vdev,
				 cfg->ifs[i].tap_name, RTE_ETHER_ADDR_BYTES(&ifc->mac));
			ret = rte_dev_probe(args);
			if (ret != 0 || rte_eth_dev_get_port_by_name(vdev, &tp) != 0) {
				RTE_LOG(ERR, SW_PORT, "port %u: cannot create tap %s (%s)\n", i,
					cfg->ifs[i].tap_name, args);
				return ret != 0 ? ret : -ENODEV;
			}
			ret = setup_one(eng, tp, 1, n_lc, false);
			if (ret != 0)
				return ret;
			ifc->tap_port = tp;
			rte_eth_dev_info_get(tp, &di);
			/* The kernel side of the exception path is the tap, not the NIC. */
			ifc->ifindex = (int)di.if_index;
			RTE_LOG(INFO, SW_PORT, "port %u: exception path through tap %s (port %u)\n",
				i, cfg->ifs[i].tap_name, tp);
		}
	}
	return 0;
}

void
sw_port_stop(struct sw_engine *eng)
{
	unsigned int i;

	for (i = 0; i < SW_CFG_PORTS_MAX; i++) {
		struct sw_eng_if *ifc = &eng->ifs[i];

		if (!ifc->present)
			continue;
		rte_eth_dev_stop(ifc->port);
		rte_eth_dev_close(ifc->port);
		if (ifc->tap_port != SW_NO_PORT) {
			rte_eth_dev_stop(ifc->tap_port);
			rte_eth_dev_close(ifc->tap_port);
		}
	}
}
