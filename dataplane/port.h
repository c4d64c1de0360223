#ifndef SW_PORT_H
#define SW_PORT_H

/**
 * @file
 * DPDK port configuration for sipwardd (main lcore, before launch / after
 * the polling lcores stopped).
 */

struct sw_engine;

/** Configure and start every [interface.N] port (and its tap exception
 *  port).  Needs eng->pool and eng->n_lcores.  @return 0 or a negative errno
 *  (logged). */
int sw_port_setup(struct sw_engine *eng);

/** Stop and close every port the engine started. */
void sw_port_stop(struct sw_engine *eng);

#endif /* SW_PORT_H */
