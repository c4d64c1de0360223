/*
 * Control-plane core: challenges, the Kerberos and NTLM handshake legs, SA
 * installation and life cycle, responses owed a signature or an AP-REP.
 * See cp.h; protocol references are to PROTOCOL.md.
 *
 * Tables kept here (control thread only, fixed size, no locks):
 *  - leg cache: answers to recent handshake legs keyed by a 128-bit keyed
 *    digest of the whole datagram (§6: a retransmitted AP-REQ must get the
 *    original answer, never reach gss_accept_sec_context twice); direct
 *    mapped, entries live SW_CP_LEG_KEEP_MS;
 *  - pending NTLM handshakes: rte_hash opaque -> slot of a fixed array of
 *    handshakes_max entries, timed out by sw_cp_tick();
 *  - pending handshakes per source address (issue 7): rte_hash address ->
 *    count, an entry only while the count is > 0, so it never holds more
 *    keys than there are pending handshakes (sized handshakes_max; seeded
 *    secretly so that sources cannot aim at one bucket).  Every pending
 *    entry is freed by pend_del(), which gives its source's unit back.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "crypto/digest.h"
#include "crypto/wbuf.h"
#include "ctrlplane/cp.h"
#include "ctrlplane/cp_krb.h"
#include "ctrlplane/cp_ntlm.h"
#include "crypto/prim.h"
#include "ctrlplane/idmap.h"
#include "ctrlplane/ntlm_users.h"
#include "ctrlplane/sa_table.h"
#include "dataplane/sip_write.h"

/* An SA must not outlive what its packed retransmission slots can date
 * (dataplane/sa_rt.h): an older slot could then pass for a recent one. */
_Static_assert((uint64_t)SW_CP_KRB_SA_LIFETIME_MAX * 1000u <= SW_SA_RETX_LIFETIME_MAX_MS,
	       "Kerberos SA lifetime beyond the retransmission slots' time range");
_Static_assert((uint64_t)SW_CP_NTLM_SA_LIFETIME * 1000u <= SW_SA_RETX_LIFETIME_MAX_MS,
	       "NTLM SA lifetime beyond the retransmission slots' time range");

#define LEG_SLOTS     4096u /* direct-mapped answer cache */
#define TICK_SCAN     4096u /* SAs examined per tick */
#define CH_PARAMS_MAX 512u

struct leg {
	uint8_t digest[16];
	uint64_t ms; /* 0: empty */
	uint8_t n;
	struct {
		uint8_t dst;
		struct sw_peer to;
		uint16_t len;
		uint8_t *buf; /* malloc'd copy */
	} out[SW_CP_OUTS_MAX];
};

#define SRC_KEY_LEN 16u /* IPv6, or IPv4 as ::ffff:a.b.c.d */

struct pending {
	uint64_t opaque; /* 0: free slot */
	uint64_t created_ms;
	uint8_t version;
	uint8_t has_src; /* counted in src_h under src */
	uint8_t src[SRC_KEY_LEN];
	struct sw_cp_ntlm_pending st;
};

struct sw_cp {
	struct sw_config cfg;
	struct sw_sa_policy pol;
	struct sw_digest *digest;
	struct sw_sa_table *tab;
	struct sw_cp_krb *krb;
	struct sw_cp_ntlm *ntlm;
	struct sw_ntlm_users *users;
	struct sw_idmap *idmap; /* [identity] map, NULL without one */
	sw_cp_log_fn log;
	void *log_arg;
	struct sw_sa_rng rng;
	struct leg *legs;
	struct rte_hash *pend_h;
	struct pending *pend;
	uint32_t *pend_free; /* stack of free slot indices */
	uint32_t pend_nfree;
	struct rte_hash *src_h; /* NULL: no per-source cap */
	uint32_t tick_iter;
	uint32_t leg_sweep;
	uint64_t stats[SW_CP_STAT_MAX];
	uint64_t sa_stats[SW_SA_RC_MAX];
	uint8_t tok[SW_CP_KRB_TOKEN_MAX];	/* decoded gssapi-data */
	uint8_t scratch[SW_SIGBUF_MAX];		/* response signed buffers */
	char b64[SW_CP_NTLM_CHALLENGE_MAX * 2]; /* CHALLENGE base64 */
};

static const char *const stat_names[SW_CP_STAT_MAX] = {
#define X(id, name, help) [SW_CP_STAT_##id] = name,
	SW_CP_STATS(X)
#undef X
};

const char *
sw_cp_stat_name(enum sw_cp_stat s)
{
	if ((unsigned int)s >= SW_CP_STAT_MAX)
		return "?";
	return stat_names[s];
}

static void
ctr(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

static void
count(struct sw_cp *cp, enum sw_cp_stat s)
{
	ctr(&cp->stats[s]);
}

void
sw_cp_stats(const struct sw_cp *cp, uint64_t out[SW_CP_STAT_MAX])
{
	unsigned int i;

	for (i = 0; i < SW_CP_STAT_MAX; i++)
		out[i] = __atomic_load_n(&cp->stats[i], __ATOMIC_RELAXED);
}

void
sw_cp_mech_stats(const struct sw_cp *cp, uint64_t krb[SW_CP_KRB_RC_MAX],
		 uint64_t ntlm[SW_CP_NTLM_RC_MAX])
{
	if (krb != NULL) {
		memset(krb, 0, sizeof(uint64_t) * SW_CP_KRB_RC_MAX);
		if (cp->krb != NULL)
			sw_cp_krb_stats(cp->krb, krb);
	}
	if (ntlm != NULL) {
		memset(ntlm, 0, sizeof(uint64_t) * SW_CP_NTLM_RC_MAX);
		if (cp->ntlm != NULL)
			sw_cp_ntlm_stats(cp->ntlm, ntlm);
	}
}

void
sw_cp_sa_stats(const struct sw_cp *cp, uint64_t out[SW_SA_RC_MAX])
{
	unsigned int i;

	for (i = 0; i < SW_SA_RC_MAX; i++)
		out[i] = __atomic_load_n(&cp->sa_stats[i], __ATOMIC_RELAXED);
}

static void logf_(const struct sw_cp *cp, enum sw_cp_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
logf_(const struct sw_cp *cp, enum sw_cp_log_level lvl, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (cp != NULL && cp->log != NULL)
		cp->log(cp->log_arg, lvl, line);
	else if (cp == NULL)
		fprintf(stderr, "sipward cp: %s\n", line);
}

void
sw_cp_set_log(struct sw_cp *cp, sw_cp_log_fn fn, void *arg)
{
	cp->log = fn;
	cp->log_arg = arg;
	if (cp->krb != NULL)
		sw_cp_krb_set_log(cp->krb, fn, arg);
}

static void
ntlm_log(void *arg, enum sw_cp_log_level lvl, const char *msg)
{
	const struct sw_cp *cp = arg;

	if (cp->log != NULL)
		cp->log(cp->log_arg, lvl, msg);
}

const struct sw_sa_policy *
sw_cp_policy(const struct sw_cp *cp)
{
	return &cp->pol;
}

struct sw_sa_table *
sw_cp_sa_table(struct sw_cp *cp)
{
	return cp->tab;
}

/*
 * Policy: challenge template and names, all text in pol->text.
 */
static struct sw_span
text_put(struct sw_wbuf *w, const char *s, size_t n)
{
	struct sw_span sp;

	sp.p = (const char *)w->p + w->len;
	sp.len = (uint16_t)n;
	sw_wbuf_put(w, s, n);
	return sp;
}

static const char *
via_host_of(const struct sw_config *cfg, char *buf, size_t cap)
{
	const struct sw_cfg_if *pick = NULL;
	unsigned int i;

	for (i = 0; i < SW_CFG_PORTS_MAX; i++) {
		const struct sw_cfg_if *f = &cfg->ifs[i];

		if (!f->present)
			continue;
		if (pick == NULL || f->role == SW_ROLE_UPSTREAM || f->role == SW_ROLE_BOTH)
			pick = f;
		if (f->role == SW_ROLE_UPSTREAM)
			break;
	}
	if (pick == NULL)
		return cfg->targetname[0] != '\0' ? cfg->targetname : "sipward.invalid";
	if (pick->addr.af == AF_INET6) {
		buf[0] = '[';
		if (inet_ntop(AF_INET6, &pick->addr.u.v6, buf + 1, (socklen_t)(cap - 2)) == NULL)
			return "sipward.invalid";
		strcat(buf, "]");
		return buf;
	}
	if (inet_ntop(AF_INET, &pick->addr.u.v4, buf, (socklen_t)cap) == NULL)
		return "sipward.invalid";
	return buf;
}

static int
policy_init(struct sw_cp *cp)
{
	const struct sw_config *cfg = &cp->cfg;
	struct sw_sa_policy *pol = &cp->pol;
	char krb_target[SW_CFG_STR_MAX + 8], host[64];
	struct sw_wbuf w;
	unsigned int i;

	memset(pol, 0, sizeof(*pol));
	if (cfg->challenge != 401 && cfg->challenge != 407)
		return -EINVAL;
	pol->challenge = cfg->challenge;
	pol->cred_hdr = cfg->challenge == 407 ? SW_HDR_PROXY_AUTHORIZATION : SW_HDR_AUTHORIZATION;
	pol->info_hdr = cfg->challenge == 407 ? SW_HDR_PROXY_AUTHENTICATION_INFO
					      : SW_HDR_AUTHENTICATION_INFO;
	pol->version = cfg->version;
	pol->digest = cp->digest;
	snprintf(krb_target, sizeof(krb_target), "sip/%s", cfg->targetname);

	sw_wbuf_init(&w, pol->text, sizeof(pol->text));
	pol->realm = text_put(&w, cfg->realm, strlen(cfg->realm));
	pol->target[SW_SCHEME_NTLM] = text_put(&w, cfg->targetname, strlen(cfg->targetname));
	pol->target[SW_SCHEME_KERBEROS] = text_put(&w, krb_target, strlen(krb_target));
	{
		const char *h = via_host_of(cfg, host, sizeof(host));

		pol->via_host = text_put(&w, h, strlen(h));
	}
	pol->via_port = 5060;
	for (i = 0; i < SW_CFG_PORTS_MAX; i++)
		if (cfg->ifs[i].present && cfg->ifs[i].sip_port != 0) {
			pol->via_port = cfg->ifs[i].sip_port;
			break;
		}
	if (cfg->n_schemes == 0 || cfg->n_schemes > SW_SA_SCHEMES_MAX)
		return -EINVAL;
	for (i = 0; i < cfg->n_schemes; i++) {
		enum sw_scheme s = (enum sw_scheme)cfg->schemes[i];
		const char *name = sw_scheme_name(s);
		struct sw_sip_challenge *ch = &pol->ch[pol->n_ch++];
		size_t start;

		if (name == NULL)
			return -EINVAL;
		ch->scheme = text_put(&w, name, strlen(name));
		start = w.len;
		sw_wbuf_puts(&w, "realm=\"");
		sw_wbuf_puts(&w, cfg->realm);
		sw_wbuf_puts(&w, "\", targetname=\"");
		sw_wbuf_put(&w, pol->target[s].p, pol->target[s].len);
		sw_wbuf_puts(&w, "\"");
		if (cfg->version >= 3) {
			sw_wbuf_puts(&w, ", version=");
			sw_wbuf_put_u64(&w, cfg->version);
		}
		sw_wbuf_puts(&w, ", qop=\"auth\"");
		ch->params.p = (const char *)w.p + start;
		ch->params.len = (uint16_t)(w.len - start);
		pol->targets[pol->n_targets++] = pol->target[s];
	}
	if (!sw_wbuf_ok(&w))
		return -ENAMETOOLONG;
	return sw_sa_flow_key_init(pol); /* Path flow tokens (sa_verify.h) */
}

static bool
scheme_offered(const struct sw_cp *cp, enum sw_scheme s)
{
	unsigned int i;

	for (i = 0; i < cp->cfg.n_schemes; i++)
		if (cp->cfg.schemes[i] == s)
			return true;
	return false;
}

static int
ntlm_init(struct sw_cp *cp)
{
	const struct sw_config *cfg = &cp->cfg;
	struct sw_cp_ntlm_cfg nc;
	char nb_computer[SW_CP_NTLM_NB_MAX + 1];
	const char *dot = strchr(cfg->targetname, '.');
	unsigned int bad_line = 0, i;
	int rc;

	rc = sw_ntlm_users_create(&cp->users);
	if (rc != 0)
		return rc;
	if (cfg->ntlm_users[0] != '\0') {
		rc = sw_ntlm_users_load(cp->users, cfg->ntlm_users, cfg->ntlm_domain, &bad_line);
		if (rc != 0) {
			logf_(NULL, SW_CP_LOG_ERR, "ntlm users %s: line %u: %s", cfg->ntlm_users,
			      bad_line, strerror(-rc));
			return rc;
		}
	}
	/* NetBIOS computer name: the FQDN's first label, upper case, <= 15. */
	for (i = 0;
	     i < SW_CP_NTLM_NB_MAX && cfg->targetname[i] != '\0' && cfg->targetname[i] != '.'; i++)
		nb_computer[i] = (char)(cfg->targetname[i] >= 'a' && cfg->targetname[i] <= 'z'
						? cfg->targetname[i] - 'a' + 'A'
						: cfg->targetname[i]);
	nb_computer[i] = '\0';
	memset(&nc, 0, sizeof(nc));
	nc.nb_domain = cfg->ntlm_domain;
	nc.nb_computer = nb_computer;
	nc.dns_domain = dot != NULL ? dot + 1 : NULL;
	nc.dns_computer = cfg->targetname;
	nc.log = ntlm_log;
	nc.log_arg = cp;
	return sw_cp_ntlm_create(&nc, cp->users, &cp->ntlm);
}

int
sw_cp_create(const struct sw_config *cfg, struct sw_cp **cp_out)
{
	static unsigned int seq;
	struct sw_cp *cp = NULL; /* owner */
	struct rte_hash_parameters hp;
	char name[32];
	uint32_t i, hs_max;
	int rc;

	if (cp_out == NULL)
		return -EINVAL;
	*cp_out = NULL;
	if (cfg == NULL || cfg->sa_max == 0 || cfg->handshakes_max == 0 ||
	    cfg->handshakes_per_source > cfg->handshakes_max)
		return -EINVAL;
	cp = calloc(1, sizeof(*cp));
	if (cp == NULL)
		return -ENOMEM;
	cp->cfg = *cfg;
	hs_max = cfg->handshakes_max;

	rc = sw_digest_init(NULL, &cp->digest);
	if (rc == 0)
		rc = policy_init(cp);
	if (rc == 0)
		rc = sw_sa_rng_seed(&cp->rng);
	if (rc != 0) {
		logf_(NULL, SW_CP_LOG_ERR, "policy: %s", strerror(-rc));
		goto cleanup;
	}
	snprintf(name, sizeof(name), "cp%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	rc = sw_sa_table_create(name, cfg->sa_max, SOCKET_ID_ANY, &cp->tab);
	if (rc != 0) {
		logf_(NULL, SW_CP_LOG_ERR, "SA table (%u): %s", cfg->sa_max, strerror(-rc));
		goto cleanup;
	}
	if (scheme_offered(cp, SW_SCHEME_KERBEROS)) {
		rc = sw_cp_krb_create(cfg->keytab[0] != '\0' ? cfg->keytab : NULL,
				      cfg->service[0] != '\0' ? cfg->service : NULL, &cp->krb);
		if (rc != 0) {
			logf_(NULL, SW_CP_LOG_ERR, "kerberos acceptor (%s, %s): %s", cfg->keytab,
			      cfg->service, strerror(-rc));
			goto cleanup;
		}
	}
	if (scheme_offered(cp, SW_SCHEME_NTLM)) {
		rc = ntlm_init(cp);
		if (rc != 0) {
			logf_(NULL, SW_CP_LOG_ERR, "ntlm acceptor: %s", strerror(-rc));
			goto cleanup;
		}
	}

	if (cfg->id_map[0] != '\0') {
		char err[SW_CFG_ERR_MAX];

		rc = sw_idmap_load(cfg->id_map, &cp->idmap, err, sizeof(err));
		if (rc != 0) {
			logf_(NULL, SW_CP_LOG_ERR, "identity map: %s", err);
			goto cleanup;
		}
	}

	cp->legs = calloc(LEG_SLOTS, sizeof(*cp->legs));
	cp->pend = calloc(hs_max, sizeof(*cp->pend));
	cp->pend_free = calloc(hs_max, sizeof(*cp->pend_free));
	snprintf(name, sizeof(name), "cph_%u", seq);
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = hs_max < 8 ? 8 : hs_max;
	hp.key_len = sizeof(uint64_t);
	hp.socket_id = SOCKET_ID_ANY;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	cp->pend_h = rte_hash_create(&hp);
	if (cp->legs == NULL || cp->pend == NULL || cp->pend_free == NULL || cp->pend_h == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	if (cfg->handshakes_per_source != 0) {
		/* With the extendable bucket table rte_hash takes every one of
		 * .entries keys, and there are never more sources than pending
		 * handshakes: adding a source cannot fail for lack of room. */
		snprintf(name, sizeof(name), "cps_%u", seq);
		hp.name = name;
		hp.key_len = SRC_KEY_LEN;
		hp.hash_func_init_val = sw_sa_rng_next(&cp->rng);
		cp->src_h = rte_hash_create(&hp);
		if (cp->src_h == NULL) {
			rc = -ENOMEM;
			goto cleanup;
		}
	}
	for (i = 0; i < hs_max; i++)
		cp->pend_free[i] = hs_max - 1 - i;
	cp->pend_nfree = hs_max;

	*cp_out = cp;
	cp = NULL;
	rc = 0;

cleanup:
	sw_cp_free(cp);
	return rc;
}

static void
leg_clear(struct leg *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		free(l->out[i].buf);
	memset(l, 0, sizeof(*l));
}

void
sw_cp_free(struct sw_cp *cp)
{
	unsigned int i;

	if (cp == NULL)
		return;
	if (cp->legs != NULL)
		for (i = 0; i < LEG_SLOTS; i++)
			leg_clear(&cp->legs[i]);
	free(cp->legs);
	if (cp->pend != NULL)
		explicit_bzero(cp->pend, sizeof(*cp->pend) * cp->cfg.handshakes_max);
	free(cp->pend);
	free(cp->pend_free);
	rte_hash_free(cp->pend_h);
	rte_hash_free(cp->src_h);
	sw_sa_table_free(cp->tab);
	sw_cp_krb_free(cp->krb);
	sw_cp_ntlm_free(cp->ntlm);
	sw_ntlm_users_free(cp->users);
	sw_idmap_free(cp->idmap);
	sw_digest_free(cp->digest);
	explicit_bzero(cp, sizeof(*cp));
	free(cp);
}

static unsigned int rebind_all(struct sw_cp *cp);

int
sw_cp_reload(struct sw_cp *cp)
{
	unsigned int bad_line = 0;
	int rc = 0;

	if (cp->krb != NULL)
		rc = sw_cp_krb_reload(cp->krb);
	if (rc == 0 && cp->users != NULL)
		rc = sw_ntlm_users_reload(cp->users, &bad_line);
	if (rc == 0 && cp->cfg.id_map[0] != '\0') {
		struct sw_idmap *fresh = NULL;
		char err[SW_CFG_ERR_MAX];
		unsigned int n;

		/* All or nothing: a broken file keeps the map in force. */
		rc = sw_idmap_load(cp->cfg.id_map, &fresh, err, sizeof(err));
		if (rc != 0) {
			logf_(cp, SW_CP_LOG_ERR, "identity map not reloaded: %s", err);
			return rc;
		}
		sw_idmap_free(cp->idmap);
		cp->idmap = fresh;
		n = rebind_all(cp);
		__atomic_store_n(
			&cp->stats[SW_CP_STAT_ID_RETIRED],
			__atomic_load_n(&cp->stats[SW_CP_STAT_ID_RETIRED], __ATOMIC_RELAXED) + n,
			__ATOMIC_RELAXED);
		logf_(cp, SW_CP_LOG_INFO,
		      "identity map %s reloaded: %u principals, %u SAs retired (binding changed)",
		      cp->cfg.id_map, sw_idmap_count(cp->idmap), n);
	}
	return rc;
}

/*
 * Outputs.
 */
static void
peer_to_src(const struct sw_peer *p, struct sw_sa_src *s)
{
	memset(s, 0, sizeof(*s));
	if (p == NULL)
		return;
	s->af = p->addr.af;
	if (p->addr.af == AF_INET)
		memcpy(s->addr, &p->addr.u.v4, 4);
	else if (p->addr.af == AF_INET6)
		memcpy(s->addr, &p->addr.u.v6, 16);
	s->port = p->port;
}

static void
src_to_peer(const struct sw_sa_src *s, struct sw_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->addr.af = s->af;
	if (s->af == AF_INET) {
		memcpy(&p->addr.u.v4, s->addr, 4);
		p->addr.prefix = 32;
	} else if (s->af == AF_INET6) {
		memcpy(&p->addr.u.v6, s->addr, 16);
		p->addr.prefix = 128;
	}
	p->port = s->port;
}

static void
out_client(struct sw_cp_out *o, const struct sw_peer *from)
{
	o->dst = SW_CP_DST_CLIENT;
	if (from != NULL)
		o->to = *from;
	else
		memset(&o->to, 0, sizeof(o->to));
}

static void
out_upstream(const struct sw_cp *cp, struct sw_cp_out *o)
{
	o->dst = SW_CP_DST_UPSTREAM;
	memset(&o->to, 0, sizeof(o->to));
	o->to.addr = cp->cfg.upstream;
	o->to.port = cp->cfg.upstream_port;
}

/* A response written by fn into out->buf; -1 (counted) if it does not fit. */
static int
finish(struct sw_cp *cp, struct sw_cp_out *o, struct sw_wbuf *w, int rc)
{
	if (rc != 0 || !sw_wbuf_ok(w)) {
		count(cp, SW_CP_STAT_ERROR);
		return -ENOSPC;
	}
	o->len = (uint16_t)w->len;
	return 1;
}

static int
answer_challenge(struct sw_cp *cp, const char *buf, const struct sw_sip_msg *msg,
		 const struct sw_peer *from, struct sw_cp_out *out, enum sw_cp_stat why)
{
	struct sw_wbuf w;
	struct sw_span none = {NULL, 0};

	count(cp, why);
	if (sw_span_ieq(msg->method, "ACK") || sw_span_ieq(msg->method, "CANCEL")) {
		count(cp, SW_CP_STAT_DROP);
		return 0;
	}
	out_client(out, from);
	sw_wbuf_init(&w, out->buf, sizeof(out->buf));
	return finish(cp, out, &w,
		      sw_sip_write_challenge(&w, msg, buf, cp->pol.challenge, cp->pol.ch,
					     cp->pol.n_ch, none));
}

static int
answer_error(struct sw_cp *cp, const char *buf, const struct sw_sip_msg *msg,
	     const struct sw_peer *from, struct sw_cp_out *out, uint16_t status,
	     enum sw_cp_stat why)
{
	struct sw_wbuf w;
	struct sw_span none = {NULL, 0};

	count(cp, why);
	if (sw_span_ieq(msg->method, "ACK")) {
		count(cp, SW_CP_STAT_DROP);
		return 0;
	}
	out_client(out, from);
	sw_wbuf_init(&w, out->buf, sizeof(out->buf));
	return finish(cp, out, &w,
		      sw_sip_write_error(&w, msg, buf, status,
					 status == 503 ? SW_CP_RETRY_AFTER : 0, none));
}

/* Forward request @p msg upstream with our Via carrying @p opaque. */
static int
forward_request(struct sw_cp *cp, const char *buf, size_t len, const struct sw_sip_msg *msg,
		const struct sw_peer *from, uint64_t opaque, struct sw_cp_out *out)
{
	char via[SW_SA_VIA_MAX], path[SW_SA_PATH_MAX];
	struct sw_sa_src src;
	struct sw_sip_fwd f;
	struct sw_wbuf vw, pw, w;

	peer_to_src(from, &src);
	if (src.af != AF_INET && src.af != AF_INET6) {
		/* Without the client's address the response could not find its
		 * way back (our Via carries it); the engine always passes one. */
		count(cp, SW_CP_STAT_ERROR);
		return -EINVAL;
	}
	sw_wbuf_init(&vw, via, sizeof(via));
	if (sw_sa_via_write(&cp->pol, msg, opaque, &src, &vw) != 0) {
		count(cp, SW_CP_STAT_ERROR);
		return -ENOSPC;
	}
	memset(&f, 0, sizeof(f));
	f.push_via.p = via;
	f.push_via.len = (uint16_t)vw.len;
	f.dec_max_forwards = true;
	f.info_hdr = SW_HDR_OTHER;
	/* RFC 3327 Path with the flow token, as the lcores add it (fwd.c). */
	if (opaque != 0 && sw_span_ieq(msg->method, "REGISTER")) {
		sw_wbuf_init(&pw, path, sizeof(path));
		if (sw_sa_path_write(&cp->pol, opaque, &src, &pw) != 0) {
			count(cp, SW_CP_STAT_ERROR);
			return -ENOSPC;
		}
		f.push_path.p = path;
		f.push_path.len = (uint16_t)pw.len;
	}
	out_upstream(cp, out);
	sw_wbuf_init(&w, out->buf, sizeof(out->buf));
	return finish(cp, out, &w, sw_sip_write_forward(&w, msg, buf, len, &f));
}

/*
 * Leg cache (§6).
 */
static struct leg *
leg_slot(struct sw_cp *cp, const uint8_t d[16])
{
	uint32_t i;

	memcpy(&i, d + 8, sizeof(i));
	return &cp->legs[i % LEG_SLOTS];
}

static int
leg_replay(struct sw_cp *cp, const uint8_t d[16], uint64_t now_ms, struct sw_cp_out *out)
{
	struct leg *l = leg_slot(cp, d);
	unsigned int i;

	if (l->ms == 0 || memcmp(l->digest, d, 16) != 0)
		return -1;
	if (now_ms - l->ms > SW_CP_LEG_KEEP_MS) {
		leg_clear(l);
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		out[i].dst = l->out[i].dst;
		out[i].to = l->out[i].to;
		out[i].len = l->out[i].len;
		memcpy(out[i].buf, l->out[i].buf, l->out[i].len);
	}
	count(cp, SW_CP_STAT_LEG_RETX);
	return (int)l->n;
}

static void
leg_store(struct sw_cp *cp, const uint8_t d[16], uint64_t now_ms, const struct sw_cp_out *out,
	  int n)
{
	struct leg *l = leg_slot(cp, d);
	int i;

	leg_clear(l);
	if (n <= 0)
		return;
	for (i = 0; i < n; i++) {
		l->out[i].buf = malloc(out[i].len);
		if (l->out[i].buf == NULL) {
			l->n = (uint8_t)i;
			leg_clear(l);
			return;
		}
		memcpy(l->out[i].buf, out[i].buf, out[i].len);
		l->out[i].len = out[i].len;
		l->out[i].dst = out[i].dst;
		l->out[i].to = out[i].to;
	}
	l->n = (uint8_t)n;
	memcpy(l->digest, d, 16);
	l->ms = now_ms == 0 ? 1 : now_ms;
}

/*
 * Pending NTLM handshakes.
 */
static struct pending *
pend_find(struct sw_cp *cp, uint64_t opaque)
{
	void *data = NULL;

	if (rte_hash_lookup_data(cp->pend_h, &opaque, &data) < 0)
		return NULL;
	return &cp->pend[(uintptr_t)data];
}

/*
 * Pending handshakes per source address.  The port is not part of the key:
 * with it, a NAT (or one host) would be a new source per port and the cap
 * would limit nothing; the price is that every client behind one NAT
 * address shares a single share (README "Operations").
 */
static bool
src_key(const struct sw_peer *from, uint8_t key[SRC_KEY_LEN])
{
	memset(key, 0, SRC_KEY_LEN);
	if (from == NULL)
		return false;
	if (from->addr.af == AF_INET) {
		/* v4-mapped, so that the same host seen over IPv6 is the same source */
		key[10] = 0xff;
		key[11] = 0xff;
		memcpy(key + 12, &from->addr.u.v4, 4);
		return true;
	}
	if (from->addr.af == AF_INET6) {
		memcpy(key, &from->addr.u.v6, SRC_KEY_LEN);
		return true;
	}
	return false;
}

/* Pending handshakes of the source with key @p key and hash @p sig. */
static uint32_t
src_count(const struct sw_cp *cp, const uint8_t key[SRC_KEY_LEN], hash_sig_t sig)
{
	void *data = NULL;

	if (rte_hash_lookup_with_hash_data(cp->src_h, key, sig, &data) < 0)
		return 0;
	return (uint32_t)(uintptr_t)data;
}

static void
src_sub(struct sw_cp *cp, const uint8_t key[SRC_KEY_LEN])
{
	hash_sig_t sig = rte_hash_hash(cp->src_h, key);
	uint32_t n = src_count(cp, key, sig);

	/* Updating the data of a present key cannot fail. */
	if (n > 1)
		(void)rte_hash_add_key_with_hash_data(cp->src_h, key, sig,
						      (void *)(uintptr_t)(n - 1));
	else
		(void)rte_hash_del_key_with_hash(cp->src_h, key, sig);
}

/* Frees pending entry @p p, whatever ended it: the one place that gives its
 * source's unit back. */
static void
pend_del(struct sw_cp *cp, struct pending *p)
{
	(void)rte_hash_del_key(cp->pend_h, &p->opaque);
	if (p->has_src)
		src_sub(cp, p->src);
	explicit_bzero(p, sizeof(*p));
	cp->pend_free[cp->pend_nfree++] = (uint32_t)(p - cp->pend);
}

uint32_t
sw_cp_pending(const struct sw_cp *cp, const struct sw_addr *src, uint32_t *sources)
{
	uint8_t key[SRC_KEY_LEN];
	struct sw_peer from;

	if (sources != NULL)
		*sources = cp->src_h != NULL ? (uint32_t)rte_hash_count(cp->src_h) : 0;
	if (src == NULL)
		return cp->cfg.handshakes_max - cp->pend_nfree;
	memset(&from, 0, sizeof(from));
	from.addr = *src;
	if (cp->src_h == NULL || !src_key(&from, key))
		return 0;
	return src_count(cp, key, rte_hash_hash(cp->src_h, key));
}

static int
new_opaque(struct sw_cp *cp, uint64_t *opaque)
{
	int tries, rc;

	for (tries = 0; tries < 8; tries++) {
		rc = sw_sa_table_new_opaque(cp->tab, opaque);
		if (rc != 0)
			return rc;
		if (pend_find(cp, *opaque) == NULL)
			return 0;
	}
	return -EIO;
}

/*
 * SA installation, common to both mechanisms.  @p rt/@p keys come from
 * sw_sa_table_alloc() with keys filled; this checks the version-4 signature
 * of the handshake request when required, installs and forwards.
 */
static int
install_and_forward(struct sw_cp *cp, struct sw_sa_rt *rt, const struct sw_auth *cred,
		    bool needs_sig, const char *buf, size_t len, const struct sw_sip_msg *msg,
		    const struct sw_peer *from, uint64_t now_ms, struct sw_cp_out *out)
{
	uint32_t cnum = 0, crand = 0;
	enum sw_sa_rc v;
	int rc;

	/* The compact keys the checks below (and the lcores) use. */
	rc = sw_sa_table_bind(cp->tab, rt);
	if (rc != 0) {
		sw_sa_table_abandon(cp->tab, rt);
		count(cp, SW_CP_STAT_ERROR);
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_SA);
	}
	if (needs_sig) {
		v = sw_sa_check_cred(&cp->pol, rt, cred, now_ms, &cnum, &crand);
		if (v == SW_SA_OK)
			v = sw_sa_verify_scalar(rt, msg, cred);
		if (v != SW_SA_OK) {
			sw_sa_table_abandon(cp->tab, rt);
			return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_V4_UNSIGNED);
		}
		(void)sw_sa_req_commit(&cp->pol, rt, msg, buf, len, cnum, now_ms);
	}
	sw_sa_note_request(rt, msg);
	rc = sw_sa_table_install(cp->tab, rt);
	if (rc != 0) {
		count(cp, SW_CP_STAT_ERROR);
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_SA);
	}
	return forward_request(cp, buf, len, msg, from, rt->opaque, out);
}

/* The From AORs an SA may use (PROTOCOL.md §4; README "Identity"). */
struct idset {
	uint8_t n; /* 0: the user rule */
	uint64_t aor[SW_SA_AOR_MAX];
	uint64_t id_key; /* digest of the principal's map key */
};

static void
idset_add(struct sw_cp *cp, struct idset *ids, const char *canon, size_t len)
{
	uint64_t d = sw_digest(cp->pol.digest, canon, len);
	unsigned int i;

	for (i = 0; i < ids->n; i++)
		if (ids->aor[i] == d)
			return;
	ids->aor[ids->n++] = d;
}

/*
 * The binding of a principal whose map entry has @p aors[0..n) (n = 0: not
 * mapped), for user name @p user: the entry's AORs, or else (mode
 * map-or-user, user) the user rule, as user@domain for each [identity]
 * domain when there are any.  @return false when the principal may use no
 * AOR at all (mode map and not mapped).
 */
static bool
resolve(struct sw_cp *cp, const struct sw_idmap_aor *aors, unsigned int n, const char *user,
	size_t ulen, struct idset *ids)
{
	const struct sw_config *cfg = &cp->cfg;
	char uri[SW_SA_AOR_LEN_MAX + 8], canon[SW_SA_AOR_LEN_MAX + 1];
	unsigned int i;
	int len;

	ids->n = 0;
	if (cfg->id_mode != SW_ID_USER && n != 0) {
		for (i = 0; i < n; i++)
			idset_add(cp, ids, aors[i].p, aors[i].len);
		return true;
	}
	if (cfg->id_mode == SW_ID_MAP)
		return false;
	for (i = 0; i < cfg->n_id_domains; i++) {
		snprintf(uri, sizeof(uri), "sip:%.*s@%s", (int)ulen, user, cfg->id_domains[i]);
		len = sw_sa_aor_canon(uri, strlen(uri), canon, sizeof(canon));
		if (len > 0)
			idset_add(cp, ids, canon, (size_t)len);
	}
	/* Domains configured but no user@domain is a valid AOR: nothing fits. */
	return cfg->n_id_domains == 0 || ids->n != 0;
}

/*
 * Resolve the identity binding of a new SA for @p principal ("user@REALM"
 * or "DOMAIN\user") and @p user (the user rule's name), then check the
 * handshake request's own From against it, as the lcores will check every
 * signed request.  @return true if the From is allowed.
 */
static bool
identity_of(struct sw_cp *cp, const char *principal, const char *user, const struct sw_sip_msg *msg,
	    struct idset *ids)
{
	char key[SW_IDMAP_NAME_MAX + 1];
	const struct sw_idmap_aor *aors = NULL;
	size_t ulen = strlen(user);
	unsigned int n = 0;

	memset(ids, 0, sizeof(*ids));
	if (ulen == 0 || ulen > sizeof(((struct sw_sa_keys *)NULL)->user))
		return false;
	if (sw_idmap_key(principal, key) == 0)
		ids->id_key = sw_digest(cp->pol.digest, key, strlen(key));
	if (cp->cfg.id_mode != SW_ID_USER)
		n = sw_idmap_lookup(cp->idmap, principal, &aors);
	if (!resolve(cp, aors, n, user, ulen, ids)) {
		logf_(cp, SW_CP_LOG_NOTICE, "identity: %s is not in the map: 403", principal);
		return false;
	}
	return sw_sa_from_match(&cp->pol, msg, user, ulen, ids->aor, ids->n);
}

static void
set_identity(struct sw_sa_keys *k, const struct idset *ids)
{
	k->aor_n = ids->n;
	memcpy(k->aor, ids->aor, sizeof(k->aor));
	k->id_key = ids->id_key;
}

struct id_ix {
	uint64_t d;
	uint32_t i;
};

static int
id_ix_cmp(const void *a, const void *b)
{
	const struct id_ix *x = a, *y = b;

	return x->d < y->d ? -1 : x->d > y->d;
}

static bool
same_set(const struct idset *ids, const struct sw_sa_keys *k)
{
	unsigned int i, j;

	if (ids->n != k->aor_n)
		return false;
	for (i = 0; i < ids->n; i++) {
		for (j = 0; j < k->aor_n && k->aor[j] != ids->aor[i]; j++)
			;
		if (j == k->aor_n)
			return false;
	}
	return true;
}

/*
 * After a map reload: every live SA whose binding the new map changes is
 * retired, so its client is challenged again and gets the new binding (an
 * operator removing an AOR expects it gone now, not at the SA's end).
 * SAs whose binding is unchanged are kept.  @return how many were retired.
 */
static unsigned int
rebind_all(struct sw_cp *cp)
{
	struct sw_sa_table *t = cp->tab;
	uint32_t n = sw_idmap_count(cp->idmap), i, it = 0, lo, hi, mid;
	const struct sw_idmap_aor *aors;
	struct id_ix *ix = NULL;
	struct sw_sa_rt *sa;
	struct idset ids;
	const char *key;
	unsigned int na, retired = 0;

	if (n != 0) {
		ix = calloc(n, sizeof(*ix));
		if (ix == NULL)
			return 0; /* keep every SA: the old bindings stay in force */
		for (i = 0; i < n; i++) {
			sw_idmap_entry(cp->idmap, i, &key, &aors);
			ix[i].d = sw_digest(cp->pol.digest, key, strlen(key));
			ix[i].i = i;
		}
		qsort(ix, n, sizeof(*ix), id_ix_cmp);
	}
	while ((sa = sw_sa_table_next(t, &it)) != NULL) {
		const struct sw_sa_keys *k = sa->keys;

		aors = NULL;
		na = 0;
		for (lo = 0, hi = n; lo < hi;) {
			mid = lo + (hi - lo) / 2;
			if (ix[mid].d == k->id_key) {
				na = sw_idmap_entry(cp->idmap, ix[mid].i, &key, &aors);
				break;
			}
			if (ix[mid].d < k->id_key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!resolve(cp, aors, na, k->user, k->user_len, &ids) || !same_set(&ids, k)) {
			sw_sa_table_retire(t, sa->opaque);
			retired++;
		}
	}
	free(ix);
	return retired;
}

static uint64_t
expires_ms_of(int64_t expires_unix, uint64_t now_ms, int64_t cap_s)
{
	int64_t rel = expires_unix - (int64_t)time(NULL);

	if (rel < 0)
		rel = 0;
	if (rel > cap_s)
		rel = cap_s;
	return now_ms + (uint64_t)rel * 1000u;
}

static void
set_user(struct sw_sa_keys *k, const char *user)
{
	size_t n = strnlen(user, sizeof(k->user));

	memcpy(k->user, user, n);
	k->user_len = (uint8_t)n;
}

static int
krb_leg(struct sw_cp *cp, const struct sw_auth *cred, unsigned int version, const char *buf,
	size_t len, const struct sw_sip_msg *msg, const struct sw_peer *from, uint64_t now_ms,
	struct sw_cp_out *out)
{
	struct sw_span g = sw_auth_get(cred, SW_AUTH_P_GSSAPI_DATA);
	struct sw_cp_krb_sa ksa;
	struct idset ids;
	struct sw_sa_keys *keys = NULL;
	struct sw_sa_rt *rt = NULL;
	enum sw_cp_krb_rc krc;
	int n, rc;

	n = sw_prim_b64_decode(g.p, g.len, cp->tok, sizeof(cp->tok));
	if (n == -EMSGSIZE)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_OVERSIZE);
	if (n < 0)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_BASE64);
	/* At the cap: refuse before spending an accept (and a replay-cache entry). */
	if (sw_sa_table_count(cp->tab) >= cp->cfg.sa_max)
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_SA);

	krc = sw_cp_krb_accept(cp->krb, cp->tok, (size_t)n, &ksa);
	explicit_bzero(cp->tok, (size_t)n);
	if (krc != SW_CP_KRB_OK) {
		count(cp, SW_CP_STAT_KRB_FAIL);
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_RECHALLENGE);
	}
	if (!identity_of(cp, ksa.principal, ksa.user, msg, &ids)) {
		sw_cp_krb_sa_wipe(&ksa);
		return answer_error(cp, buf, msg, from, out, 403, SW_CP_STAT_FORBIDDEN);
	}
	rc = sw_sa_table_alloc(cp->tab, &rt, &keys);
	if (rc != 0) {
		sw_cp_krb_sa_wipe(&ksa);
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_SA);
	}
	rc = sw_cp_krb_sa_sig_keys(&ksa, &keys->c2s, &keys->s2c);
	if (rc == 0)
		rc = new_opaque(cp, &rt->opaque);
	if (rc == 0 && cp->cfg.mutual && ksa.mutual && ksa.ap_rep_len != 0) {
		n = sw_prim_b64_encode(ksa.ap_rep, ksa.ap_rep_len, keys->ap_rep_b64,
				     sizeof(keys->ap_rep_b64));
		if (n < 0)
			rc = n;
		else
			keys->ap_rep_len = (uint16_t)n;
		rt->flags = SW_SA_F_AP_REP_PENDING;
	}
	if (rc != 0) {
		sw_cp_krb_sa_wipe(&ksa);
		sw_sa_table_abandon(cp->tab, rt);
		count(cp, SW_CP_STAT_ERROR);
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_RECHALLENGE);
	}
	keys->krb_seq_s2c0 = ksa.acceptor_seq;
	set_user(keys, ksa.user);
	set_identity(keys, &ids);
	rt->scheme = SW_SCHEME_KERBEROS;
	rt->version = (uint8_t)version;
	rt->expires_ms = expires_ms_of(ksa.expires, now_ms, SW_CP_KRB_SA_LIFETIME_MAX);
	/* §6: with mutual authentication at version 4 the client cannot sign
	 * before it has the AP-REP: accept that one request unsigned. */
	rc = install_and_forward(cp, rt, cred, version == 4 && !ksa.mutual, buf, len, msg, from,
				 now_ms, out);
	if (rc > 0 && out[0].dst == SW_CP_DST_UPSTREAM)
		count(cp, SW_CP_STAT_KRB_OK);
	sw_cp_krb_sa_wipe(&ksa);
	return rc;
}

static int
ntlm_leg1(struct sw_cp *cp, unsigned int version, const char *buf, const struct sw_sip_msg *msg,
	  const struct sw_peer *from, uint64_t now_ms, struct sw_cp_out *out)
{
	char params[CH_PARAMS_MAX + sizeof(cp->b64)], opq[SW_SA_OPAQUE_HEX];
	struct sw_sip_challenge ch;
	struct sw_span none = {NULL, 0};
	uint8_t src[SRC_KEY_LEN];
	hash_sig_t src_sig = 0;
	uint32_t src_n = 0;
	struct pending *p;
	struct sw_wbuf pw, w;
	uint64_t opaque;
	uint32_t slot;
	int n, rc;

	/* The source's share first: a source over it is refused as itself, and
	 * cap_hs keeps meaning "the table is full" (many sources). */
	if (cp->src_h != NULL) {
		if (!src_key(from, src)) {
			/* Nothing to count it under; its AUTHENTICATE could not be
			 * forwarded either (forward_request()). */
			count(cp, SW_CP_STAT_ERROR);
			return -EINVAL;
		}
		src_sig = rte_hash_hash(cp->src_h, src);
		src_n = src_count(cp, src, src_sig);
		if (src_n >= cp->cfg.handshakes_per_source)
			return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_HS_SRC);
	}
	if (cp->pend_nfree == 0)
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_HS);
	if (sw_sa_table_count(cp->tab) >= cp->cfg.sa_max)
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_SA);
	rc = new_opaque(cp, &opaque);
	if (rc != 0) {
		count(cp, SW_CP_STAT_ERROR);
		return rc;
	}
	slot = cp->pend_free[cp->pend_nfree - 1];
	p = &cp->pend[slot];
	if (sw_cp_ntlm_challenge(cp->ntlm, &p->st) != 0 ||
	    (n = sw_prim_b64_encode(p->st.msg, p->st.len, cp->b64, sizeof(cp->b64))) < 0 ||
	    rte_hash_add_key_data(cp->pend_h, &opaque, (void *)(uintptr_t)slot) != 0) {
		explicit_bzero(p, sizeof(*p));
		count(cp, SW_CP_STAT_ERROR);
		return -EIO;
	}
	if (cp->src_h != NULL) {
		if (rte_hash_add_key_with_hash_data(cp->src_h, src, src_sig,
						    (void *)(uintptr_t)(src_n + 1)) != 0) {
			(void)rte_hash_del_key(cp->pend_h, &opaque);
			explicit_bzero(p, sizeof(*p));
			count(cp, SW_CP_STAT_ERROR);
			return -EIO;
		}
		p->has_src = 1;
		memcpy(p->src, src, SRC_KEY_LEN);
	}
	cp->pend_nfree--;
	p->opaque = opaque;
	p->created_ms = now_ms;
	p->version = (uint8_t)version;

	sw_sa_opaque_fmt(opaque, opq);
	sw_wbuf_init(&pw, params, sizeof(params));
	sw_wbuf_puts(&pw, "realm=\"");
	sw_wbuf_put(&pw, cp->pol.realm.p, cp->pol.realm.len);
	sw_wbuf_puts(&pw, "\", targetname=\"");
	sw_wbuf_put(&pw, cp->pol.target[SW_SCHEME_NTLM].p, cp->pol.target[SW_SCHEME_NTLM].len);
	sw_wbuf_puts(&pw, "\"");
	if (cp->cfg.version >= 3) {
		sw_wbuf_puts(&pw, ", version=");
		sw_wbuf_put_u64(&pw, cp->cfg.version);
	}
	sw_wbuf_puts(&pw, ", qop=\"auth\", opaque=\"");
	sw_wbuf_put(&pw, opq, sizeof(opq));
	sw_wbuf_puts(&pw, "\", gssapi-data=\"");
	sw_wbuf_put(&pw, cp->b64, (size_t)n);
	sw_wbuf_puts(&pw, "\"");
	ch.scheme.p = "NTLM";
	ch.scheme.len = 4;
	ch.params.p = params;
	ch.params.len = (uint16_t)pw.len;
	count(cp, SW_CP_STAT_NTLM_CHALLENGE);
	out_client(out, from);
	sw_wbuf_init(&w, out->buf, sizeof(out->buf));
	if (!sw_wbuf_ok(&pw))
		return finish(cp, out, &w, -ENOSPC);
	return finish(cp, out, &w,
		      sw_sip_write_challenge(&w, msg, buf, cp->pol.challenge, &ch, 1, none));
}

static int
ntlm_leg2(struct sw_cp *cp, const struct sw_auth *cred, unsigned int version, const char *buf,
	  size_t len, const struct sw_sip_msg *msg, const struct sw_peer *from, uint64_t now_ms,
	  struct sw_cp_out *out)
{
	struct sw_span g = sw_auth_get(cred, SW_AUTH_P_GSSAPI_DATA);
	struct sw_cp_ntlm_sa nsa;
	char principal[2 * SW_CP_NTLM_NAME_BUF + 2];
	struct idset ids;
	struct sw_sa_keys *keys = NULL;
	struct sw_sa_rt *rt = NULL;
	enum sw_cp_ntlm_rc nrc;
	struct pending *p;
	uint64_t opaque;
	int n, rc;

	if (!sw_sa_opaque_parse(sw_auth_get(cred, SW_AUTH_P_OPAQUE), &opaque) ||
	    (p = pend_find(cp, opaque)) == NULL)
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_NTLM_OPAQUE);
	if (now_ms - p->created_ms > cp->cfg.handshake_timeout_ms) {
		pend_del(cp, p);
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_NTLM_TIMEOUT);
	}
	n = sw_prim_b64_decode(g.p, g.len, cp->tok, sizeof(cp->tok));
	if (n == -EMSGSIZE)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_OVERSIZE);
	if (n < 0)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_BASE64);
	if (sw_sa_table_count(cp->tab) >= cp->cfg.sa_max)
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_SA);

	/* One AUTHENTICATE per CHALLENGE, whatever the outcome (cp_ntlm.h). */
	nrc = sw_cp_ntlm_authenticate(cp->ntlm, &p->st, cp->tok, (size_t)n, &nsa);
	pend_del(cp, p);
	explicit_bzero(cp->tok, (size_t)n);
	if (nrc != SW_CP_NTLM_OK) {
		count(cp, SW_CP_STAT_NTLM_FAIL);
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_RECHALLENGE);
	}
	snprintf(principal, sizeof(principal), "%s\\%s", nsa.domain, nsa.user);
	if (!identity_of(cp, principal, nsa.user, msg, &ids)) {
		sw_cp_ntlm_sa_wipe(&nsa);
		return answer_error(cp, buf, msg, from, out, 403, SW_CP_STAT_FORBIDDEN);
	}
	rc = sw_sa_table_alloc(cp->tab, &rt, &keys);
	if (rc != 0) {
		sw_cp_ntlm_sa_wipe(&nsa);
		return answer_error(cp, buf, msg, from, out, 503, SW_CP_STAT_CAP_SA);
	}
	rc = sw_cp_ntlm_sa_sig_keys(&nsa, &keys->c2s, &keys->s2c);
	if (rc != 0) {
		sw_cp_ntlm_sa_wipe(&nsa);
		sw_sa_table_abandon(cp->tab, rt);
		count(cp, SW_CP_STAT_ERROR);
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_RECHALLENGE);
	}
	set_user(keys, nsa.user);
	set_identity(keys, &ids);
	rt->opaque = opaque; /* the client already holds it */
	rt->scheme = SW_SCHEME_NTLM;
	rt->version = (uint8_t)version;
	rt->expires_ms = now_ms + (uint64_t)SW_CP_NTLM_SA_LIFETIME * 1000u;
	sw_cp_ntlm_sa_wipe(&nsa);
	rc = install_and_forward(cp, rt, cred, version == 4, buf, len, msg, from, now_ms, out);
	if (rc > 0 && out[0].dst == SW_CP_DST_UPSTREAM)
		count(cp, SW_CP_STAT_NTLM_OK);
	return rc;
}

/* A signed request handed to the control plane: the lcore's checks, scalar. */
static int
signed_request(struct sw_cp *cp, const struct sw_auth *cred, const char *buf, size_t len,
	       const struct sw_sip_msg *msg, const struct sw_peer *from, uint64_t now_ms,
	       struct sw_cp_out *out)
{
	struct sw_sa_rt *sa = NULL;
	uint32_t cnum = 0, crand = 0;
	enum sw_sa_rc v;
	uint64_t opaque;

	count(cp, SW_CP_STAT_SIGNED);
	if (!sw_sa_opaque_parse(sw_auth_get(cred, SW_AUTH_P_OPAQUE), &opaque) ||
	    (sa = sw_sa_lookup(cp->tab, opaque)) == NULL) {
		v = SW_SA_NO_SA;
		goto refused;
	}
	v = sw_sa_check_cred(&cp->pol, sa, cred, now_ms, &cnum, &crand);
	if (v != SW_SA_OK)
		goto refused;
	if (sw_sa_cnum_check(sa, cnum) != SW_SA_CNUM_NEW) {
		v = sw_sa_replay_verdict(&cp->pol, sa, buf, len, now_ms);
		if (v == SW_SA_RETX)
			goto forward;
		goto refused;
	}
	v = sw_sa_verify_scalar(sa, msg, cred);
	if (v != SW_SA_OK)
		goto refused;
	v = sw_sa_req_commit(&cp->pol, sa, msg, buf, len, cnum, now_ms);
	if (v == SW_SA_OK || v == SW_SA_RETX)
		goto forward;

refused:
	ctr(&cp->sa_stats[v]);
	if (v == SW_SA_IDENTITY)
		return answer_error(cp, buf, msg, from, out, 403, SW_CP_STAT_FORBIDDEN);
	if (v == SW_SA_CSEQ)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_BAD_REQUEST);
	return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_RECHALLENGE);

forward:
	ctr(&cp->sa_stats[v]);
	sw_sa_note_request(sa, msg);
	return forward_request(cp, buf, len, msg, from, sa->opaque, out);
}

static bool
method_needs_auth(const struct sw_cp *cp, const struct sw_sip_msg *msg)
{
	unsigned int i;

	if (cp->cfg.require_all)
		return true;
	for (i = 0; i < cp->cfg.n_require; i++)
		if (sw_span_ieq(msg->method, cp->cfg.require[i]))
			return true;
	return false;
}

int
sw_cp_handle_request(struct sw_cp *cp, const char *buf, size_t len, const struct sw_sip_msg *msg,
		     const struct sw_peer *from, uint64_t now_ms, struct sw_cp_out *out)
{
	struct sw_auth cred;
	enum sw_auth_rc arc;
	enum sw_scheme scheme;
	uint32_t err_off = 0;
	unsigned int version;
	uint8_t d[16];
	int rc;

	count(cp, SW_CP_STAT_REQ);
	if (msg->status != 0 || msg->method.len == 0) {
		count(cp, SW_CP_STAT_BAD_REQUEST);
		return 0;
	}
	if (sw_sip_max_forwards(msg) == 0)
		return answer_error(cp, buf, msg, from, out, 483, SW_CP_STAT_HOPS);

	arc = sw_auth_select(msg, (enum sw_hdr)cp->pol.cred_hdr, cp->pol.realm, cp->pol.targets,
			     cp->pol.n_targets, &cred, &err_off);
	if (arc == SW_AUTH_EABSENT) {
		if (!method_needs_auth(cp, msg)) {
			count(cp, SW_CP_STAT_UNAUTH_FWD);
			return forward_request(cp, buf, len, msg, from, 0, out);
		}
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_CHALLENGE);
	}
	if (arc == SW_AUTH_ETOOLONG)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_OVERSIZE);
	if (arc != SW_AUTH_OK)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_BAD_REQUEST);

	scheme = sw_scheme_from(cred.scheme.p, cred.scheme.len);
	if (scheme == SW_SCHEME_NONE || !scheme_offered(cp, scheme) ||
	    !sw_span_eq(sw_auth_get(&cred, SW_AUTH_P_TARGETNAME), cp->pol.target[scheme]))
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_SCHEME);
	version = sw_sigbuf_version(sw_auth_get(&cred, SW_AUTH_P_VERSION));
	if (version == 0)
		return answer_error(cp, buf, msg, from, out, 400, SW_CP_STAT_BAD_REQUEST);

	if (!sw_auth_has(&cred, SW_AUTH_P_GSSAPI_DATA)) {
		if (sw_auth_has(&cred, SW_AUTH_P_RESPONSE))
			return signed_request(cp, &cred, buf, len, msg, from, now_ms, out);
		return answer_challenge(cp, buf, msg, from, out, SW_CP_STAT_RECHALLENGE);
	}

	/* A handshake leg: a byte-identical retransmission gets the original
	 * answer before anything reaches an acceptor (§6). */
	sw_digest128(cp->digest, buf, len, d);
	rc = leg_replay(cp, d, now_ms, out);
	if (rc >= 0)
		return rc;
	if (scheme == SW_SCHEME_KERBEROS)
		rc = krb_leg(cp, &cred, version, buf, len, msg, from, now_ms, out);
	else if (sw_auth_get(&cred, SW_AUTH_P_GSSAPI_DATA).len == 0)
		rc = ntlm_leg1(cp, version, buf, msg, from, now_ms, out);
	else
		rc = ntlm_leg2(cp, &cred, version, buf, len, msg, from, now_ms, out);
	leg_store(cp, d, now_ms, out, rc);
	return rc;
}

/* Largest Contact expires= / Expires value in a 2xx to REGISTER; -1 if no Contact. */
static int64_t
registration_seconds(const struct sw_sip_msg *rsp)
{
	struct sw_span v, e;
	uint8_t idx = rsp->first[SW_HDR_CONTACT];
	uint16_t pos = 0, i;
	int64_t best = -1, hdr = -1, x;
	struct sw_span ex = sw_sip_expires(rsp);

	if (ex.len > 0 && ex.len <= 10) {
		hdr = 0;
		for (i = 0; i < ex.len; i++)
			hdr = hdr * 10 + (ex.p[i] - '0');
	}
	if (idx == SW_HDR_NONE)
		return -1;
	while (sw_sip_next_value(rsp, &idx, &pos, &v)) {
		x = hdr;
		if (sw_sip_param_of(v, "expires", &e) && e.len > 0 && e.len <= 10) {
			x = 0;
			for (i = 0; i < e.len; i++) {
				if (e.p[i] < '0' || e.p[i] > '9')
					break;
				x = x * 10 + (e.p[i] - '0');
			}
		}
		if (x < 0)
			x = 3600; /* RFC 3261 §10.2.1.1 default */
		if (x > best)
			best = x;
	}
	return best;
}

int
sw_cp_handle_response(struct sw_cp *cp, const char *buf, size_t len, const struct sw_sip_msg *msg,
		      uint64_t now_ms, struct sw_cp_out *out)
{
	char info[SW_SA_INFO_MAX];
	struct sw_sa_rt *sa = NULL;
	struct sw_sa_src src;
	struct sw_sip_fwd f;
	struct sw_wbuf iw, w;
	uint64_t opaque;
	bool ap_rep = false, retire = false;
	int rc;

	count(cp, SW_CP_STAT_RSP);
	if (msg->status == 0 || !sw_sa_via_parse(msg, &opaque, &src)) {
		count(cp, SW_CP_STAT_RSP_NOT_OURS);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.pop_via = true;
	f.info_hdr = SW_HDR_OTHER;
	if (opaque != 0)
		sa = sw_sa_lookup(cp->tab, opaque);
	if (sa != NULL && (__atomic_load_n(&sa->flags, __ATOMIC_RELAXED) & SW_SA_F_DEAD) != 0)
		sa = NULL;
	if (sa != NULL) {
		ap_rep =
			(__atomic_fetch_and(&sa->flags, ~SW_SA_F_AP_REP_PENDING, __ATOMIC_RELAXED) &
			 SW_SA_F_AP_REP_PENDING) != 0;
		sw_wbuf_init(&iw, info, sizeof(info));
		rc = sw_sa_sign_response(&cp->pol, sa, msg, &cp->rng, ap_rep, cp->scratch, &iw);
		if (rc != 0) {
			count(cp, SW_CP_STAT_ERROR);
			return rc;
		}
		f.info_hdr = cp->pol.info_hdr;
		f.info.p = info;
		f.info.len = (uint16_t)iw.len;
		count(cp, SW_CP_STAT_RSP_SIGNED);
		if (ap_rep)
			count(cp, SW_CP_STAT_RSP_AP_REP);
		/* Registration life cycle (§4), on the 2xx that answers a REGISTER. */
		if (msg->status >= 200 && msg->status < 300 &&
		    sw_span_ieq(msg->cseq_method, "REGISTER")) {
			int64_t secs = registration_seconds(msg);

			if ((__atomic_load_n(&sa->flags, __ATOMIC_RELAXED) & SW_SA_F_UNREG) != 0 ||
			    secs <= 0) {
				retire = true;
			} else {
				sa->keys->reg_expires_ms = now_ms + (uint64_t)secs * 1000u;
			}
		}
	} else {
		count(cp, SW_CP_STAT_RSP_PLAIN);
	}
	out->dst = SW_CP_DST_CLIENT;
	src_to_peer(&src, &out->to);
	sw_wbuf_init(&w, out->buf, sizeof(out->buf));
	rc = finish(cp, out, &w, sw_sip_write_forward(&w, msg, buf, len, &f));
	if (retire && sw_sa_table_retire(cp->tab, opaque) == 0)
		count(cp, SW_CP_STAT_UNREGISTERED);
	return rc;
}

void
sw_cp_tick(struct sw_cp *cp, uint64_t now_ms)
{
	struct sw_sa_rt *sa;
	unsigned int i;
	uint32_t n;

	/* Pending handshakes. */
	for (i = 0; i < cp->cfg.handshakes_max; i++) {
		struct pending *p = &cp->pend[i];

		if (p->opaque != 0 && now_ms - p->created_ms > cp->cfg.handshake_timeout_ms) {
			pend_del(cp, p);
			count(cp, SW_CP_STAT_HS_EXPIRED);
		}
	}
	/* SAs, a bounded slice per tick. */
	for (n = 0; n < TICK_SCAN; n++) {
		sa = sw_sa_table_next(cp->tab, &cp->tick_iter);
		if (sa == NULL) {
			cp->tick_iter = 0;
			break;
		}
		if (now_ms >= sa->expires_ms) {
			if (sw_sa_table_retire(cp->tab, sa->opaque) == 0)
				count(cp, SW_CP_STAT_SA_EXPIRED);
		} else if (sa->keys->reg_expires_ms != 0 && now_ms >= sa->keys->reg_expires_ms) {
			if (sw_sa_table_retire(cp->tab, sa->opaque) == 0)
				count(cp, SW_CP_STAT_REG_EXPIRED);
		}
	}
	/* Answers of old handshake legs. */
	for (i = 0; i < LEG_SLOTS / 64; i++) {
		struct leg *l = &cp->legs[cp->leg_sweep++ % LEG_SLOTS];

		if (l->ms != 0 && now_ms - l->ms > SW_CP_LEG_KEEP_MS)
			leg_clear(l);
	}
	sw_sa_table_reclaim(cp->tab);
}
