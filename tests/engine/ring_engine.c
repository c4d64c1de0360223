/* The engine on two net_ring ports, in process: see ring_engine.h. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "crypto/digest.h"
#include "dataplane/neigh.h"
#include "dataplane/net.h"
#include "dataplane/port.h"
#include "dataplane/sa_glue.h"
#include "tests/engine/ring_engine.h"

static int
load_text(struct sw_config *cfg, const char *text, char *err, size_t err_len)
{
	char path[] = "/tmp/sw_ringeng_XXXXXX";
	size_t len = strlen(text);
	int fd = mkstemp(path), ret;

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		snprintf(err, err_len, "cannot write %s", path);
		return -1;
	}
	close(fd);
	ret = sw_config_load(path, cfg, err, err_len);
	unlink(path);
	return ret == 0 ? 0 : -1;
}

int
sw_ring_engine_up(struct sw_engine *eng, struct sw_config *cfg, const char *conf_text,
		  const char *tag, unsigned int rx_size, unsigned int tx_size,
		  unsigned int to_cp_size, struct rte_ring *rx[2], struct rte_ring *tx[2],
		  struct rte_mempool *pool, char *err, size_t err_len)
{
	struct rte_ether_addr mac = SW_RING_ENGINE_MAC;
	char n[32];
	unsigned int i;

	if (load_text(cfg, conf_text, err, err_len) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(n, sizeof(n), "%s_rx%u", tag, i);
		rx[i] = rte_ring_create(n, rx_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "%s_tx%u", tag, i);
		tx[i] = rte_ring_create(n, tx_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "net_ring_%s%u", tag, i);
		if (rx[i] == NULL || tx[i] == NULL ||
		    rte_eth_from_rings(n, &rx[i], 1, &tx[i], 1, SOCKET_ID_ANY) != (int)i) {
			snprintf(err, err_len, "net_ring port %u", i);
			return -1;
		}
	}
	eng->cfg = cfg;
	eng->n_lcores = 1;
	eng->tsc_hz = rte_get_tsc_hz();
	eng->tsc_per_ms = eng->tsc_hz / 1000;
	eng->pool = pool;
	snprintf(n, sizeof(n), "%s_big", tag);
	eng->big = rte_pktmbuf_pool_create(
		n, 64, 0, RTE_ALIGN(sizeof(struct sw_pkt_meta), RTE_MBUF_PRIV_ALIGN),
		16384 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	snprintf(n, sizeof(n), "%s_to_cp", tag);
	eng->to_cp = rte_ring_create(n, to_cp_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
	eng->local_pol = rte_zmalloc(NULL, sizeof(*eng->local_pol), 0);
	if (eng->big == NULL || eng->to_cp == NULL || eng->local_pol == NULL ||
	    sw_eng_policy_build(cfg, eng->local_pol, &eng->local_digest) != 0 ||
	    sw_neigh_create(SOCKET_ID_ANY, &eng->neigh) != 0 ||
	    sw_lcore_create(eng, 0, rte_lcore_id(), &eng->lc[0]) != 0 || sw_port_setup(eng) != 0) {
		snprintf(err, err_len, "engine setup");
		return -1;
	}
	eng->pol = eng->local_pol;
	if (sw_eng_route(eng, &cfg->upstream, true, &eng->up_if, &eng->up_nh) != 0) {
		snprintf(err, err_len, "no route to the upstream");
		return -1;
	}
	/* The kernel's neighbour table, as netlink would fill it. */
	sw_neigh_set(eng->neigh, &cfg->upstream, 1, &mac, true);
	return 0;
}

void
sw_ring_engine_down(struct sw_engine *eng)
{
	sw_lcore_free(eng->lc[0]);
	sw_port_stop(eng);
	sw_neigh_free(eng->neigh);
	sw_digest_free(eng->local_digest);
	rte_free(eng->local_pol);
	rte_ring_free(eng->to_cp);
	rte_mempool_free(eng->big);
}
