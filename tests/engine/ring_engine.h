#ifndef SW_TEST_RING_ENGINE_H
#define SW_TEST_RING_ENGINE_H

/*
 * The engine on two net_ring ports, in process (unit tests and the dataplane
 * fuzzer): port 0 the clients' side, port 1 the upstream's, one lcore (the
 * caller's, driven with sw_lcore_poll()), the local policy and no control
 * plane (eng->cp NULL: handshake legs are counted cp_down unless the caller
 * sets one), the upstream's neighbour entry set to SW_RING_ENGINE_MAC.  The
 * caller owns the SA table (eng->sat) and the client neighbour entries.
 */

#include <stddef.h>

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctrlplane/config.h"
#include "dataplane/engine.h"

#define SW_RING_ENGINE_MAC                                                                         \
	{                                                                                          \
		{                                                                                  \
			0x02, 0, 0, 0, 0, 0x99                                                     \
		}                                                                                  \
	}

/*
 * Load @p conf_text as the configuration into @p cfg, create the rings
 * (@p tag keeps their names unique per process: 4 characters at most;
 * sizes @p rx_size / @p tx_size / @p to_cp_size) and bring @p eng up on them
 * with mbufs from @p pool.  Returns 0, or -1 with the reason in @p err.
 */
int sw_ring_engine_up(struct sw_engine *eng, struct sw_config *cfg, const char *conf_text,
		      const char *tag, unsigned int rx_size, unsigned int tx_size,
		      unsigned int to_cp_size, struct rte_ring *rx[2], struct rte_ring *tx[2],
		      struct rte_mempool *pool, char *err, size_t err_len);

/* Undo sw_ring_engine_up() (not the SA table, not the rings' ports' mbufs in flight). */
void sw_ring_engine_down(struct sw_engine *eng);

#endif
