#ifndef SW_CONFIG_H
#define SW_CONFIG_H

/**
 * @file
 * The one configuration of sipwardd (DESIGN.md "Configuration"): filled from
 * the INI file (rte_cfgfile) and argv by sw_config_load(), validated
 * completely, then read-only for the life of the process.  Key names are a
 * contract with operators and scripts (see README "Configuration").
 *
 *   [engine]     lcores
 *   [interface.N] address (IPv4/IPv6 with prefix), sip_port, role
 *                (clients | upstream | both), exception (xdp | tap | none)
 *   [upstream]   address, port, record_route (yes | no)
 *   [auth]       realm, targetname, schemes (ordered: Kerberos, NTLM),
 *                challenge (401 | 407), version (2 | 3 | 4),
 *                require (methods, or all), mutual (yes | no)
 *   [kerberos]   keytab, service
 *   [ntlm]       users (gss-ntlmssp DOMAIN:USER:PASSWORD file or smbpasswd), domain
 *   [limits]     sa_max, handshakes_max, handshake_timeout
 *   [identity]   mode (user | map | map-or-user), map (principal -> SIP URI
 *                file, ctrlplane/idmap.h), domains (From hosts of the user rule)
 *
 * CHANGES (engine, issue 4): added [interface.N] gateway, mtu, tap;
 * [engine] mbufs, drain_us, idle_sleep_us; [limits] ring_size, reassembly;
 * (hardening, issue 7) [limits] challenge_rate, challenge_burst,
 * handshake_rate, handshake_burst, cp_max_wait, handshakes_per_source;
 * (dialogs, issue 4) [upstream] record_route;
 * sw_config_load() / sw_config_print() (implemented in ctrlplane/config.c,
 * which needs DPDK's rte_cfgfile and is linked into sipwardd only).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "crypto/sig.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_CFG_PORTS_MAX 8u
#define SW_CFG_STR_MAX 256u
#define SW_CFG_METHODS_MAX 16u
#define SW_CFG_SCHEMES_MAX 2u
#define SW_CFG_DOMAINS_MAX 16u /**< [identity] domains (= SW_SA_AOR_MAX) */

/** [identity] mode: how the From AOR of a signed request is bound to the
 *  SA's principal (PROTOCOL.md §4; README "Identity"). */
enum sw_id_mode {
	SW_ID_USER = 0,	   /**< From user part = authenticated user (+ domains) */
	SW_ID_MAP,	   /**< only the principal's AORs in the map */
	SW_ID_MAP_OR_USER, /**< the map for mapped principals, else the user rule */
};

enum sw_if_role {
	SW_ROLE_CLIENTS = 1, /**< clients reach us here */
	SW_ROLE_UPSTREAM,    /**< the next hop is reached here */
	SW_ROLE_BOTH,
};

enum sw_if_exception {
	SW_EXC_NONE = 0, /**< non-SIP traffic is dropped and counted */
	SW_EXC_XDP,      /**< af_xdp: the XDP program passes non-SIP to the kernel */
	SW_EXC_TAP,      /**< a net_tap port carries non-SIP to the kernel and back */
};

/** An IPv4 or IPv6 address (network byte order). */
struct sw_addr {
	uint8_t af; /**< AF_INET or AF_INET6 */
	uint8_t prefix;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

struct sw_cfg_if {
	bool present;
	struct sw_addr addr;
	uint16_t sip_port;
	uint8_t role; /* enum sw_if_role */
	uint8_t exception; /* enum sw_if_exception */
	char tap_name[32]; /**< exception=tap: kernel interface name */
	struct sw_addr gateway; /**< af 0: next hops are on-link only */
	uint16_t mtu;           /**< IP MTU of the link (default 1500) */
};

struct sw_config {
	char path[SW_CFG_STR_MAX];

	/* [engine] */
	unsigned int n_lcores; /**< polling lcores (the ctrlplane runs on the main lcore) */
	uint32_t mbufs;        /**< mbufs in the packet pool (0: sized automatically) */
	uint32_t drain_us;     /**< max wait to fill a verify batch under light load */
	uint32_t idle_sleep_us; /**< longest sleep of an idle polling lcore */

	/* [interface.N] */
	struct sw_cfg_if ifs[SW_CFG_PORTS_MAX];

	/* [upstream] */
	struct sw_addr upstream;
	uint16_t upstream_port;
	/** Record-Route dialog-creating requests with the client's flow token
	 *  (RFC 3261 §16.6 step 4), so the dialog's later requests from upstream
	 *  come back through us and are signed for the client.  Default yes. */
	bool record_route;

	/* [auth] */
	char realm[SW_CFG_STR_MAX];       /**< e.g. "SIP Communications Service" */
	char targetname[SW_CFG_STR_MAX];  /**< FQDN; Kerberos uses "sip/" + this */
	uint8_t schemes[SW_CFG_SCHEMES_MAX]; /**< enum sw_scheme, in offer order */
	uint8_t n_schemes;
	uint16_t challenge; /**< 401 (WWW-*) or 407 (Proxy-*) */
	uint8_t version;    /**< 2, 3 or 4 offered in challenges */
	bool require_all;
	char require[SW_CFG_METHODS_MAX][24]; /**< methods needing auth unless require_all */
	uint8_t n_require;
	bool mutual; /**< honour GSS mutual auth (AP-REP in the first response) */

	/* [kerberos] */
	char keytab[SW_CFG_STR_MAX];
	char service[SW_CFG_STR_MAX]; /**< "sip/<fqdn>" */

	/* [ntlm] */
	char ntlm_users[SW_CFG_STR_MAX];
	char ntlm_domain[SW_CFG_STR_MAX];

	/* [identity] */
	uint8_t id_mode;		  /**< enum sw_id_mode */
	uint8_t n_id_domains;
	char id_map[SW_CFG_STR_MAX];	  /**< map file, "" = none */
	char id_domains[SW_CFG_DOMAINS_MAX][SW_CFG_STR_MAX]; /**< lower case */

	/* [limits] */
	uint32_t sa_max;
	uint32_t handshakes_max;
	/** Pending handshakes one source address may hold in the control
	 *  plane (0 = no per-source cap; at most handshakes_max; cp.c) */
	uint32_t handshakes_per_source;
	uint32_t handshake_timeout_ms;
	uint32_t ring_size;    /**< lcore <-> control plane rings (power of two) */
	uint32_t reassembly;   /**< IPv4 + IPv6 reassembly flows per lcore */
	/** Challenges / error answers per second per source address, per lcore
	 *  (0 = unlimited; dataplane/ratelimit.h) */
	uint32_t challenge_rate;
	uint32_t challenge_burst; /**< bucket size of that limit */
	/** Handshake legs per second per source address, per lcore, handed to
	 *  the control plane (0 = unlimited; dataplane/ratelimit.h) */
	uint32_t handshake_rate;
	uint32_t handshake_burst; /**< bucket size of that limit */
	/** Longest a message may wait in the lcore -> control-plane ring; the
	 *  control thread drops older ones unhandled (1 ms .. 1 h) */
	uint32_t cp_max_wait_ms;
};

/** Bytes of error text sw_config_load() may write ("file:line: reason"). */
#define SW_CFG_ERR_MAX 512u

/**
 * Load and validate @p path into @p cfg (zeroed first, defaults applied).
 * Every problem is an error: unknown sections/keys, duplicates, bad values,
 * missing required keys, inconsistent combinations.  On error @p err gets
 * one line "path:line: reason" (line 0 when the problem is not on one line).
 * Thread: any, before EAL or after; does not need EAL.
 * @return 0, -EINVAL (invalid), -ENOENT / -EACCES (file), -ENOMEM.
 */
int sw_config_load(const char *path, struct sw_config *cfg, char *err, size_t err_len);

/** Print the effective configuration in the file's own syntax. */
void sw_config_print(const struct sw_config *cfg, FILE *out);

/** Format an address ("192.0.2.1" / "2001:db8::1") into @p buf. */
const char *sw_addr_str(const struct sw_addr *a, char *buf, size_t len);

/** True if @p a lies in the subnet @p net (address + prefix). */
bool sw_addr_in_subnet(const struct sw_addr *a, const struct sw_addr *net);

/** True if @p method (span) needs authentication under @p cfg. */
bool sw_config_requires(const struct sw_config *cfg, const char *method, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SW_CONFIG_H */
