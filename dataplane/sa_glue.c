/*
 * The engine's hooks into the control plane's SA table (ctrlplane/sa_table.h)
 * and a local policy for running without a control plane (challenges only).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto/digest.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/engine.h"
#include "dataplane/sa_glue.h"

struct sw_sa_rt *
sw_eng_sa_lookup(const struct sw_engine *eng, uint64_t opaque)
{
	if (eng->sat == NULL)
		return NULL;
	return sw_sa_lookup(eng->sat, opaque);
}

void
sw_eng_sa_lookup_bulk(const struct sw_engine *eng, const uint64_t **opaques, unsigned int n,
		      struct sw_sa_rt **out)
{
	unsigned int i;

	if (eng->sat != NULL) {
		sw_sa_lookup_bulk(eng->sat, opaques, n, out);
		return;
	}
	for (i = 0; i < n; i++)
		out[i] = NULL;
}

uint32_t
sw_eng_sa_count(const struct sw_engine *eng)
{
	return eng->sat != NULL ? sw_sa_table_count(eng->sat) : 0;
}

void
sw_eng_rcu_online(const struct sw_engine *eng, unsigned int lcore_id)
{
	(void)eng;
	(void)lcore_id; /* registered (online) by the main lcore before launch */
}

void
sw_eng_rcu_offline(const struct sw_engine *eng, unsigned int lcore_id)
{
	if (eng->sat != NULL)
		sw_sa_table_qs_unregister(eng->sat, lcore_id);
}

void
sw_eng_rcu_quiescent(const struct sw_engine *eng, unsigned int lcore_id)
{
	if (eng->sat != NULL)
		sw_sa_table_quiescent(eng->sat, lcore_id);
}

static struct sw_span
put(struct sw_sa_policy *pol, size_t *off, const char *s)
{
	struct sw_span sp = { NULL, 0 };
	size_t n = strlen(s);

	if (*off + n + 1 > sizeof(pol->text))
		return sp;
	memcpy(pol->text + *off, s, n + 1);
	sp.p = pol->text + *off;
	sp.len = (uint16_t)n;
	*off += n + 1;
	return sp;
}

int
sw_eng_policy_build(const struct sw_config *cfg, struct sw_sa_policy *pol,
		    struct sw_digest **digest_out)
{
	char tmp[SW_CFG_STR_MAX * 3], ip[64];
	const struct sw_cfg_if *up = NULL;
	size_t off = 0;
	unsigned int i;
	int ret;

	*digest_out = NULL;
	memset(pol, 0, sizeof(*pol));
	pol->challenge = cfg->challenge;
	pol->cred_hdr = cfg->challenge == 401 ? SW_HDR_AUTHORIZATION : SW_HDR_PROXY_AUTHORIZATION;
	pol->info_hdr = cfg->challenge == 401 ? SW_HDR_AUTHENTICATION_INFO
					      : SW_HDR_PROXY_AUTHENTICATION_INFO;
	pol->version = cfg->version;
	pol->realm = put(pol, &off, cfg->realm);
	snprintf(tmp, sizeof(tmp), "sip/%s", cfg->targetname);
	pol->target[SW_SCHEME_KERBEROS] = put(pol, &off, tmp);
	pol->target[SW_SCHEME_NTLM] = put(pol, &off, cfg->targetname);
	for (i = 0; i < cfg->n_schemes && i < SW_SA_SCHEMES_MAX; i++) {
		enum sw_scheme sc = (enum sw_scheme)cfg->schemes[i];

		pol->ch[i].scheme = put(pol, &off, sw_scheme_name(sc));
		snprintf(tmp, sizeof(tmp), "realm=\"%s\", targetname=\"%.*s\", version=%u, qop=\"auth\"",
			 cfg->realm, (int)pol->target[sc].len, pol->target[sc].p, cfg->version);
		pol->ch[i].params = put(pol, &off, tmp);
		pol->targets[i] = pol->target[sc];
	}
	pol->n_ch = (uint8_t)i;
	pol->n_targets = (uint8_t)i;
	for (i = 0; i < SW_CFG_PORTS_MAX; i++)
		if (cfg->ifs[i].present && cfg->ifs[i].role != SW_ROLE_CLIENTS) {
			up = &cfg->ifs[i];
			break;
		}
	if (up == NULL)
		return -EINVAL;
	sw_addr_str(&up->addr, ip, sizeof(ip));
	if (up->addr.af == AF_INET6)
		snprintf(tmp, sizeof(tmp), "[%s]", ip);
	else
		snprintf(tmp, sizeof(tmp), "%s", ip);
	pol->via_host = put(pol, &off, tmp);
	pol->via_port = up->sip_port;
	if (pol->via_host.p == NULL || pol->ch[0].params.p == NULL)
		return -ENOSPC;
	ret = sw_digest_init(NULL, digest_out);
	if (ret != 0)
		return ret;
	pol->digest = *digest_out;
	return sw_sa_flow_key_init(pol);
}
