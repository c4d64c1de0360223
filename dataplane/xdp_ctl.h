#ifndef SW_XDP_CTL_H
#define SW_XDP_CTL_H

/**
 * @file
 * Configure dataplane/xdp/sipward_xdp.c once net_af_xdp has attached it to
 * an interface (xdp_prog devarg): fill its sip_ports map with the SIP port of
 * the interface, so only SIP reaches the engine and everything else stays
 * with the kernel.  Main lcore, at start; uses libbpf (bpf(2) syscalls).
 */

#include <stdint.h>

/**
 * @return 0, -ENOENT (no XDP program on @p ifindex, or it has no sip_ports
 *   map: not our program), or a negative errno from bpf(2).
 */
int sw_xdp_set_sip_port(int ifindex, uint16_t port);

#endif /* SW_XDP_CTL_H */
