/*
 * In-process MS-SIPAE proxy chain for the client's end-to-end tests.  See
 * proxy_sim.h.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include "client/client_priv.h"
#include "crypto/prim.h"
#include "crypto/sigbuf.h"
#include "ctrlplane/cp_common.h"
#include "ctrlplane/cp_krb.h"
#include "ctrlplane/cp_ntlm.h"
#include "ctrlplane/ntlm_users.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"
#include "dataplane/sip_write.h"
#include "tests/client/proxy_sim.h"

#define SA_MAX	  64u
#define PEND_MAX  16u
#define CACHE_MAX 16u
#define OUT_MAX	  8192u

struct ps_sa {
	bool used;
	bool fresh;
	char opaque[20];
	struct sw_sig_key c2s, s2c;
	uint64_t snum;
	uint64_t seq; /* Kerberos S2C sequence number */
	gss_ctx_id_t gctx;
	size_t ap_rep_len; /* AP-REP still to send (mutual) */
	uint8_t ap_rep[SW_CP_KRB_APREP_MAX];
};

struct ps_pend {
	bool used;
	char opaque[20];
	struct sw_cp_ntlm_pending p;
};

struct ps_px {
	struct ps_proxy_cfg cfg;
	char realm[256];
	char targetname[256];
	enum sw_scheme scheme;
	struct sw_cp_krb *krb;
	gss_cred_id_t mit_cred;
	struct sw_cp_ntlm *ntlm;
	struct ps_sa sa[SA_MAX];
	struct ps_pend pend[PEND_MAX];
};

struct cache_ent {
	uint8_t dig[SW_CP_DIGEST_LEN];
	size_t n;
	char out[2][OUT_MAX];
	size_t len[2];
};

struct ps {
	int fd;
	uint16_t port;
	pthread_t th;
	int stop;
	bool running;
	bool losing; /* the answers to the request in hand are lost */
	pthread_mutex_t mu;
	unsigned int n;
	struct ps_px px[PS_PROXY_MAX];
	struct sw_ntlm_users *users;
	struct ps_stats st;
	struct cache_ent cache[CACHE_MAX];
	unsigned int cache_next;
};

/* What each proxy decided about the request in hand. */
struct bound {
	struct ps_sa *sa;
	bool just; /* established by this request */
};

static void
rand_hex(char *out, size_t n)
{
	sw_cl_ua_token(out, n);
}

static struct ps_sa *
sa_new(struct ps_px *px)
{
	unsigned int i;

	for (i = 0; i < SA_MAX; i++) {
		if (!px->sa[i].used) {
			memset(&px->sa[i], 0, sizeof(px->sa[i]));
			px->sa[i].used = true;
			px->sa[i].fresh = true;
			px->sa[i].gctx = GSS_C_NO_CONTEXT;
			rand_hex(px->sa[i].opaque, 8);
			return &px->sa[i];
		}
	}
	return NULL;
}

static void
sa_del(struct ps_sa *sa)
{
	OM_uint32 min;

	if (sa->gctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &sa->gctx, GSS_C_NO_BUFFER);
	sw_sig_key_wipe(&sa->c2s);
	sw_sig_key_wipe(&sa->s2c);
	memset(sa, 0, sizeof(*sa));
}

static struct ps_sa *
sa_find(struct ps_px *px, struct sw_span op)
{
	unsigned int i;

	for (i = 0; i < SA_MAX; i++)
		if (px->sa[i].used && strlen(px->sa[i].opaque) == op.len &&
		    memcmp(px->sa[i].opaque, op.p, op.len) == 0)
			return &px->sa[i];
	return NULL;
}

/* Verify the signature of a request (response="...") for @p sa. */
static int
verify_req(struct ps_px *px, struct ps_sa *sa, const struct sw_sip_msg *msg,
	   const struct sw_auth *a)
{
	uint8_t buf[SW_SIGBUF_MAX], tok[64];
	struct sw_sigbuf_auth sb;
	struct sw_span rsp = sw_auth_get(a, SW_AUTH_P_RESPONSE);
	struct sw_wbuf w;
	int n;

	/* As the engine does (dataplane/sa_verify.c): the version parameter is the SA's. */
	if (sw_sigbuf_version(sw_auth_get(a, SW_AUTH_P_VERSION)) != px->cfg.version &&
	    !(px->cfg.lenient_version && !sw_auth_has(a, SW_AUTH_P_VERSION)))
		return -EBADMSG;
	n = sw_hex_decode(rsp.p, rsp.len, tok, sizeof(tok));
	if (n <= 0)
		return -EBADMSG;
	sb.scheme = a->scheme;
	sb.rand = sw_auth_get(a, SW_AUTH_P_CRAND);
	sb.num = sw_auth_get(a, SW_AUTH_P_CNUM);
	sb.realm = sw_auth_get(a, SW_AUTH_P_REALM);
	sb.targetname = sw_auth_get(a, SW_AUTH_P_TARGETNAME);
	sb.version = px->cfg.version;
	sw_wbuf_init(&w, buf, sizeof(buf));
	if (sw_sigbuf_build(msg, &sb, &w) != 0)
		return -EBADMSG;
	if (px->cfg.mech == PS_KRB_MIT) {
		OM_uint32 maj, min;
		gss_buffer_desc m = {w.len, buf}, t = {(size_t)n, tok};

		maj = gss_verify_mic(&min, sa->gctx, &m, &t, NULL);
		return maj == GSS_S_COMPLETE ? 0 : -EBADMSG;
	}
	return sw_sig_verify(&sa->c2s, buf, w.len, tok, (size_t)n);
}

enum hs_rc { HS_OK, HS_CONTINUE, HS_FAIL };

static enum hs_rc
handshake(struct ps *p, struct ps_px *px, const struct sw_auth *a, const struct sw_sip_msg *msg,
	  struct bound *b, uint8_t *chal, size_t *chal_len, char *opaque_out)
{
	struct sw_span gd = sw_auth_get(a, SW_AUTH_P_GSSAPI_DATA);
	uint8_t *tok = malloc(65536);
	struct ps_sa *sa = NULL;
	enum hs_rc ret = HS_FAIL;
	int n;

	if (tok == NULL)
		return HS_FAIL;
	n = gd.len != 0 ? sw_prim_b64_decode(gd.p, gd.len, tok, 65536) : 0;
	if (n < 0)
		goto out;
	p->st.handshakes++;
	if (px->scheme == SW_SCHEME_NTLM && n == 0) {
		unsigned int i;

		for (i = 0; i < PEND_MAX && px->pend[i].used; i++)
			;
		if (i == PEND_MAX)
			i = 0; /* overwrite the oldest slot: tests are small */
		memset(&px->pend[i], 0, sizeof(px->pend[i]));
		if (sw_cp_ntlm_challenge(px->ntlm, &px->pend[i].p) != 0)
			goto out;
		px->pend[i].used = true;
		rand_hex(px->pend[i].opaque, 8);
		memcpy(chal, px->pend[i].p.msg, px->pend[i].p.len);
		*chal_len = px->pend[i].p.len;
		strcpy(opaque_out, px->pend[i].opaque);
		ret = HS_CONTINUE;
		goto out;
	}
	if (px->scheme == SW_SCHEME_NTLM) {
		struct sw_span op = sw_auth_get(a, SW_AUTH_P_OPAQUE);
		struct sw_cp_ntlm_sa nsa;
		unsigned int i;

		for (i = 0; i < PEND_MAX; i++)
			if (px->pend[i].used && strlen(px->pend[i].opaque) == op.len &&
			    memcmp(px->pend[i].opaque, op.p, op.len) == 0)
				break;
		if (i == PEND_MAX)
			goto out;
		if (sw_cp_ntlm_authenticate(px->ntlm, &px->pend[i].p, tok, (size_t)n, &nsa) !=
		    SW_CP_NTLM_OK) {
			px->pend[i].used = false;
			goto out;
		}
		px->pend[i].used = false;
		sa = sa_new(px);
		if (sa == NULL || sw_cp_ntlm_sa_sig_keys(&nsa, &sa->c2s, &sa->s2c) != 0)
			goto fail_sa;
		snprintf(sa->opaque, sizeof(sa->opaque), "%s", px->pend[i].opaque);
		sw_cp_ntlm_sa_wipe(&nsa);
	} else if (px->cfg.mech == PS_KRB_CP) {
		struct sw_cp_krb_sa ksa;

		if (sw_cp_krb_accept(px->krb, tok, (size_t)n, &ksa) != SW_CP_KRB_OK)
			goto out;
		sa = sa_new(px);
		if (sa == NULL || sw_cp_krb_sa_sig_keys(&ksa, &sa->c2s, &sa->s2c) != 0) {
			sw_cp_krb_sa_wipe(&ksa);
			goto fail_sa;
		}
		sa->seq = ksa.acceptor_seq;
		sa->ap_rep_len = ksa.ap_rep_len;
		if (ksa.ap_rep_len != 0)
			memcpy(sa->ap_rep, ksa.ap_rep, ksa.ap_rep_len);
		sw_cp_krb_sa_wipe(&ksa);
	} else {
		OM_uint32 maj, min;
		gss_buffer_desc in = {(size_t)n, tok}, out = GSS_C_EMPTY_BUFFER;

		sa = sa_new(px);
		if (sa == NULL)
			goto out;
		maj = gss_accept_sec_context(&min, &sa->gctx, px->mit_cred, &in,
					     GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &out, NULL,
					     NULL, NULL);
		if (maj != GSS_S_COMPLETE || out.length > sizeof(sa->ap_rep)) {
			gss_release_buffer(&min, &out);
			goto fail_sa;
		}
		if (out.length != 0)
			memcpy(sa->ap_rep, out.value, out.length);
		sa->ap_rep_len = out.length;
		gss_release_buffer(&min, &out);
	}
	/* Version 4: the final handshake leg is signed (unless the client waits for an AP-REP). */
	if (sw_auth_has(a, SW_AUTH_P_RESPONSE)) {
		if (verify_req(px, sa, msg, a) != 0) {
			p->st.bad_sig++;
			goto fail_sa;
		}
		p->st.verified++;
	} else if (px->cfg.version >= 4 && sa->ap_rep_len == 0) {
		goto fail_sa; /* v4 without mutual auth must be signed */
	}
	p->st.established++;
	b->sa = sa;
	b->just = true;
	ret = HS_OK;
	goto out;

fail_sa:
	if (sa != NULL)
		sa_del(sa);
out:
	free(tok);
	return ret;
}

/* Insert info headers for every bound SA of proxies [0, upto) into base. */
static int
sign_and_finish(struct ps *p, struct bound *b, unsigned int upto, const char *base, size_t blen,
		char *out, size_t cap)
{
	struct sw_sip_msg msg;
	char hdrs[4096];
	size_t hl = 0;
	const char *cl;
	unsigned int i;

	if (sw_sip_parse(base, blen, &msg) != SW_SIP_OK)
		return -EINVAL;
	for (i = 0; i < upto; i++) {
		struct ps_px *px = &p->px[i];
		struct ps_sa *sa = b[i].sa;
		uint8_t buf[SW_SIGBUF_MAX], tok[64];
		char srand[9], snum[24], hex[130], apb64[1024] = "";
		struct sw_sigbuf_auth sb;
		struct sw_wbuf w;
		int n;

		if (sa == NULL)
			continue;
		if (!b[i].just && px->cfg.omit_sig)
			continue;
		rand_hex(srand, 8);
		snprintf(snum, sizeof(snum), "%llu", (unsigned long long)++sa->snum);
		sb.scheme = (struct sw_span){sw_scheme_name(px->scheme),
					     (uint16_t)strlen(sw_scheme_name(px->scheme))};
		sb.rand = (struct sw_span){srand, 8};
		sb.num = (struct sw_span){snum, (uint16_t)strlen(snum)};
		sb.realm = (struct sw_span){px->realm, (uint16_t)strlen(px->realm)};
		sb.targetname = (struct sw_span){px->targetname, (uint16_t)strlen(px->targetname)};
		sb.version = px->cfg.version;
		sw_wbuf_init(&w, buf, sizeof(buf));
		if (sw_sigbuf_build(&msg, &sb, &w) != 0)
			return -EINVAL;
		if (px->cfg.mech == PS_KRB_MIT) {
			OM_uint32 maj, min;
			gss_buffer_desc m = {w.len, buf}, t = GSS_C_EMPTY_BUFFER;

			maj = gss_get_mic(&min, sa->gctx, GSS_C_QOP_DEFAULT, &m, &t);
			if (maj != GSS_S_COMPLETE || t.length > sizeof(tok))
				return -EIO;
			memcpy(tok, t.value, t.length);
			n = (int)t.length;
			gss_release_buffer(&min, &t);
		} else {
			n = sw_sig_sign(&sa->s2c, buf, w.len, sa->seq++, tok, sizeof(tok));
			if (n < 0)
				return n;
		}
		if (!b[i].just && px->cfg.flip_rspauth)
			tok[n / 2] ^= 0x10;
		sw_hex_encode(tok, (size_t)n, hex, sizeof(hex));
		if (b[i].just && sa->ap_rep_len != 0 && !px->cfg.no_aprep) {
			char tmp[1000];

			sw_prim_b64_encode(sa->ap_rep, sa->ap_rep_len, tmp, sizeof(tmp));
			snprintf(apb64, sizeof(apb64), ", gssapi-data=\"%s\"", tmp);
			sa->ap_rep_len = 0;
		}
		n = snprintf(hdrs + hl, sizeof(hdrs) - hl,
			     "%s: %s qop=\"auth\", opaque=\"%s\", realm=\"%s\", targetname=\"%s\", "
			     "srand=\"%s\", snum=\"%s\", rspauth=\"%s\"%s\r\n",
			     px->cfg.family == 401 ? "Authentication-Info"
						   : "Proxy-Authentication-Info",
			     sw_scheme_name(px->scheme), sa->opaque, px->realm, px->targetname,
			     srand, snum, hex, apb64);
		if (n < 0 || (size_t)n >= sizeof(hdrs) - hl)
			return -ENOSPC;
		hl += (size_t)n;
	}
	cl = strstr(base, "\r\nContent-Length:");
	if (cl == NULL || blen + hl > cap)
		return -ENOSPC;
	cl += 2;
	memcpy(out, base, (size_t)(cl - base));
	memcpy(out + (cl - base), hdrs, hl);
	memcpy(out + (cl - base) + hl, cl, blen - (size_t)(cl - base));
	return (int)(blen + hl);
}

static int
write_challenge(struct ps *p, struct bound *b, unsigned int i, const struct sw_sip_msg *msg,
		const char *buf, const uint8_t *tok, size_t tok_len, const char *opaque, char *out,
		size_t cap)
{
	struct ps_px *px = &p->px[i];
	struct sw_sip_challenge ch;
	char params[6000], base[OUT_MAX], b64[5000] = "";
	struct sw_wbuf w;
	int n;

	n = snprintf(params, sizeof(params), "realm=\"%s\", targetname=\"%s\"", px->realm,
		     px->targetname);
	if (px->cfg.version >= 3)
		n += snprintf(params + n, sizeof(params) - (size_t)n, ", version=%u",
			      px->cfg.version);
	n += snprintf(params + n, sizeof(params) - (size_t)n, ", qop=\"auth\"");
	if (opaque != NULL)
		n += snprintf(params + n, sizeof(params) - (size_t)n, ", opaque=\"%s\"", opaque);
	if (tok_len != 0) {
		sw_prim_b64_encode(tok, tok_len, b64, sizeof(b64));
		n += snprintf(params + n, sizeof(params) - (size_t)n, ", gssapi-data=\"%s\"", b64);
	}
	ch.scheme = (struct sw_span){sw_scheme_name(px->scheme),
				     (uint16_t)strlen(sw_scheme_name(px->scheme))};
	ch.params = (struct sw_span){params, (uint16_t)strlen(params)};
	sw_wbuf_init(&w, base, sizeof(base));
	if (sw_sip_write_challenge(&w, msg, buf, px->cfg.family, &ch, 1,
				   (struct sw_span){NULL, 0}) != 0)
		return -ENOSPC;
	p->st.challenges++;
	return sign_and_finish(p, b, i, base, w.len, out, cap);
}

static void
copy_hdrs(char *o, size_t cap, size_t *len, const struct sw_sip_msg *msg, enum sw_hdr id,
	  const char *name)
{
	uint8_t idx;

	for (idx = msg->first[id]; idx != SW_HDR_NONE; idx = msg->hdr[idx].next) {
		int n = snprintf(o + *len, cap - *len, "%s: %.*s\r\n", name,
				 (int)msg->hdr[idx].value.len, msg->hdr[idx].value.p);

		if (n > 0 && (size_t)n < cap - *len)
			*len += (size_t)n;
	}
}

static int
write_final(struct ps *p, struct bound *b, const struct sw_sip_msg *msg, uint16_t status,
	    const char *reason, char *out, size_t cap)
{
	char base[OUT_MAX], tag[SW_SIP_TO_TAG_LEN + 1];
	struct sw_span to = sw_sip_value(msg, SW_HDR_TO);
	bool reg = sw_span_ieq(msg->method, "REGISTER");
	size_t len = 0;

	len += (size_t)snprintf(base, sizeof(base), "SIP/2.0 %u %s\r\n", status, reason);
	copy_hdrs(base, sizeof(base), &len, msg, SW_HDR_VIA, "Via");
	copy_hdrs(base, sizeof(base), &len, msg, SW_HDR_FROM, "From");
	if (sw_sip_tag_of(to).p == NULL && status > 100) {
		sw_sip_write_to_tag(msg, tag);
		tag[SW_SIP_TO_TAG_LEN] = '\0';
		len += (size_t)snprintf(base + len, sizeof(base) - len, "To: %.*s;tag=%s\r\n",
					(int)to.len, to.p, tag);
	} else {
		copy_hdrs(base, sizeof(base), &len, msg, SW_HDR_TO, "To");
	}
	copy_hdrs(base, sizeof(base), &len, msg, SW_HDR_CALL_ID, "Call-ID");
	copy_hdrs(base, sizeof(base), &len, msg, SW_HDR_CSEQ, "CSeq");
	if (reg && status == 200) {
		copy_hdrs(base, sizeof(base), &len, msg, SW_HDR_CONTACT, "Contact");
		copy_hdrs(base, sizeof(base), &len, msg, SW_HDR_EXPIRES, "Expires");
	}
	len += (size_t)snprintf(base + len, sizeof(base) - len, "Content-Length: 0\r\n\r\n");
	if (len >= sizeof(base))
		return -ENOSPC;
	return sign_and_finish(p, b, p->n, base, len, out, cap);
}

static void
reply(struct ps *p, const struct sockaddr_in *from, const char *out, size_t len)
{
	if (p->losing) {
		p->st.lost++;
		return;
	}
	sendto(p->fd, out, len, 0, (const struct sockaddr *)from, sizeof(*from));
}

static void
handle(struct ps *p, const char *buf, size_t len, const struct sockaddr_in *from)
{
	struct sw_sip_msg *msg = malloc(sizeof(*msg));
	struct bound b[PS_PROXY_MAX];
	struct cache_ent *ce;
	uint8_t dig[SW_CP_DIGEST_LEN], chal[SW_NTLM_MSG_MAX];
	char opaque[20];
	size_t chal_len = 0;
	unsigned int i;
	int n;
	bool reg, unreg = false;

	if (msg == NULL)
		return;
	memset(b, 0, sizeof(b));
	if (sw_sip_parse(buf, len, msg) != SW_SIP_OK || msg->status != 0)
		goto out;
	/* A byte-identical retransmission gets the same answer (PROTOCOL.md §6). */
	sw_cp_leg_digest(buf, len, dig);
	for (i = 0; i < CACHE_MAX; i++) {
		if (p->cache[i].n != 0 && memcmp(p->cache[i].dig, dig, sizeof(dig)) == 0) {
			size_t k;

			for (k = 0; k < p->cache[i].n; k++)
				reply(p, from, p->cache[i].out[k], p->cache[i].len[k]);
			p->st.retrans_answered++;
			goto out;
		}
	}
	p->st.requests++;
	if (sw_span_ieq(msg->method, "ACK")) {
		p->st.acks++;
		goto out;
	}
	ce = &p->cache[p->cache_next++ % CACHE_MAX];
	memset(ce, 0, sizeof(*ce));
	memcpy(ce->dig, dig, sizeof(dig));
	for (i = 0; i < p->n; i++)
		p->losing |= p->px[i].cfg.lose_first_answer;
	reg = sw_span_ieq(msg->method, "REGISTER");
	for (i = 0; i < p->n; i++) {
		struct ps_px *px = &p->px[i];
		struct sw_span tgt = {px->targetname, (uint16_t)strlen(px->targetname)};
		struct sw_span realm = {px->realm, (uint16_t)strlen(px->realm)};
		struct sw_auth a;
		uint32_t off;
		enum sw_auth_rc arc;

		arc = sw_auth_select(msg,
				     px->cfg.family == 401 ? SW_HDR_AUTHORIZATION
							   : SW_HDR_PROXY_AUTHORIZATION,
				     realm, &tgt, 1, &a, &off);
		if (arc != SW_AUTH_OK)
			goto challenge;
		if (sw_auth_has(&a, SW_AUTH_P_GSSAPI_DATA)) {
			enum hs_rc h;

			if (px->cfg.reject_handshake)
				goto challenge;
			h = handshake(p, px, &a, msg, &b[i], chal, &chal_len, opaque);
			if (h == HS_CONTINUE) {
				n = write_challenge(p, b, i, msg, buf, chal, chal_len, opaque,
						    ce->out[0], OUT_MAX);
				goto send;
			}
			if (h != HS_OK)
				goto challenge;
			continue;
		}
		b[i].sa = sa_find(px, sw_auth_get(&a, SW_AUTH_P_OPAQUE));
		if (b[i].sa == NULL)
			goto challenge;
		if (verify_req(px, b[i].sa, msg, &a) != 0) {
			p->st.bad_sig++;
			b[i].sa = NULL;
			goto challenge;
		}
		if (b[i].sa->fresh && px->cfg.rechallenge_fresh > 0) {
			px->cfg.rechallenge_fresh--;
			p->st.rechallenged++;
			sa_del(b[i].sa);
			b[i].sa = NULL;
			goto challenge;
		}
		b[i].sa->fresh = false;
		p->st.verified++;
		continue;
	challenge:
		n = write_challenge(p, b, i, msg, buf, NULL, 0, NULL, ce->out[0], OUT_MAX);
		goto send;
	}
	/* Every proxy let it through: the registrar / UA answers. */
	if (reg) {
		struct sw_span e = sw_sip_expires(msg);

		unreg = e.len == 1 && e.p[0] == '0';
	}
	if (sw_span_ieq(msg->method, "INVITE")) {
		n = write_final(p, b, msg, 100, "Trying", ce->out[0], OUT_MAX);
		if (n > 0) {
			ce->len[0] = (size_t)n;
			ce->n = 1;
			reply(p, from, ce->out[0], (size_t)n);
		}
		n = write_final(p, b, msg, 200, "OK", ce->out[1], OUT_MAX);
		if (n > 0) {
			ce->len[1] = (size_t)n;
			ce->n = 2;
			reply(p, from, ce->out[1], (size_t)n);
		}
		goto out;
	}
	n = write_final(p, b, msg, 200, "OK", ce->out[0], OUT_MAX);
send:
	if (n > 0) {
		ce->len[0] = (size_t)n;
		ce->n = 1;
		reply(p, from, ce->out[0], (size_t)n);
	}
	if (unreg) {
		for (i = 0; i < p->n; i++)
			if (b[i].sa != NULL) {
				sa_del(b[i].sa);
				p->st.removed++;
			}
	}
out:
	p->losing = false;
	free(msg);
}

static void *
run(void *arg)
{
	struct ps *p = arg;
	char buf[SW_CL_MSG_MAX];

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		pthread_mutex_lock(&p->mu);
		handle(p, buf, (size_t)n, &from);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

static int
setup_px(struct ps *p, struct ps_px *px)
{
	int rc;

	snprintf(px->realm, sizeof(px->realm), "%s",
		 px->cfg.realm != NULL ? px->cfg.realm : "SIP Communications Service");
	snprintf(px->targetname, sizeof(px->targetname), "%s", px->cfg.targetname);
	px->mit_cred = GSS_C_NO_CREDENTIAL;
	if (px->cfg.version == 0)
		px->cfg.version = 3;
	if (px->cfg.family == 0)
		px->cfg.family = 407;
	switch (px->cfg.mech) {
	case PS_KRB_CP:
		px->scheme = SW_SCHEME_KERBEROS;
		return sw_cp_krb_create(getenv("SW_KEYTAB"), px->targetname, &px->krb);
	case PS_KRB_MIT: {
		OM_uint32 maj, min;
		const char *svc = getenv("SW_GSS_SERVICE");
		gss_buffer_desc nb = {strlen(svc), (void *)(uintptr_t)svc};
		gss_name_t name = GSS_C_NO_NAME;
		gss_OID_set_desc mechs = {1, (gss_OID)(uintptr_t)gss_mech_krb5};
		gss_key_value_element_desc el = {"keytab", getenv("SW_KEYTAB")};
		gss_key_value_set_desc store = {1, &el};

		px->scheme = SW_SCHEME_KERBEROS;
		maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &name);
		if (maj != GSS_S_COMPLETE)
			return -EINVAL;
		maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
					    &store, &px->mit_cred, NULL, NULL);
		gss_release_name(&min, &name);
		return maj == GSS_S_COMPLETE ? 0 : -EACCES;
	}
	case PS_NTLM_CP: {
		struct sw_cp_ntlm_cfg nc;

		px->scheme = SW_SCHEME_NTLM;
		if (p->users == NULL) {
			unsigned int bad = 0;

			rc = sw_ntlm_users_create(&p->users);
			if (rc == 0)
				rc = sw_ntlm_users_load(p->users, getenv("NTLM_USER_FILE"), NULL,
							&bad);
			if (rc != 0)
				return rc;
		}
		memset(&nc, 0, sizeof(nc));
		nc.nb_domain = "DOMAINB";
		nc.nb_computer = "PROXY";
		nc.dns_domain = "domainb.test";
		nc.dns_computer = px->targetname;
		return sw_cp_ntlm_create(&nc, p->users, &px->ntlm);
	}
	}
	return -EINVAL;
}

int
ps_start(const struct ps_cfg *cfg, struct ps **out)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct ps *p;
	unsigned int i;
	int rc;

	*out = NULL;
	if (cfg->n_proxy == 0 || cfg->n_proxy > PS_PROXY_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->fd = -1;
	pthread_mutex_init(&p->mu, NULL);
	p->n = cfg->n_proxy;
	for (i = 0; i < p->n; i++) {
		p->px[i].cfg = cfg->proxy[i];
		rc = setup_px(p, &p->px[i]);
		if (rc != 0) {
			fprintf(stderr, "proxy_sim: proxy %u (%s): setup failed %d\n", i,
				cfg->proxy[i].targetname, rc);
			p->n = i + 1;
			ps_stop(p);
			return rc;
		}
	}
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(p->fd, (struct sockaddr *)&sa, &sl) != 0) {
		rc = -errno;
		ps_stop(p);
		return rc;
	}
	p->port = ntohs(sa.sin_port);
	if (pthread_create(&p->th, NULL, run, p) != 0) {
		ps_stop(p);
		return -EAGAIN;
	}
	p->running = true;
	*out = p;
	return 0;
}

uint16_t
ps_port(const struct ps *p)
{
	return p->port;
}

void
ps_stats_get(struct ps *p, struct ps_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st;
	pthread_mutex_unlock(&p->mu);
}

void
ps_forget(struct ps *p)
{
	unsigned int i, j;

	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++)
		for (j = 0; j < SA_MAX; j++)
			if (p->px[i].sa[j].used)
				sa_del(&p->px[i].sa[j]);
	memset(p->cache, 0, sizeof(p->cache));
	pthread_mutex_unlock(&p->mu);
}

void
ps_set_flip(struct ps *p, unsigned int i, bool flip)
{
	pthread_mutex_lock(&p->mu);
	p->px[i].cfg.flip_rspauth = flip;
	pthread_mutex_unlock(&p->mu);
}

void
ps_set_omit(struct ps *p, unsigned int i, bool omit)
{
	pthread_mutex_lock(&p->mu);
	p->px[i].cfg.omit_sig = omit;
	pthread_mutex_unlock(&p->mu);
}

void
ps_stop(struct ps *p)
{
	OM_uint32 min;
	unsigned int i, j;

	if (p == NULL)
		return;
	if (p->running) {
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
		pthread_join(p->th, NULL);
	}
	if (p->fd >= 0)
		close(p->fd);
	for (i = 0; i < p->n; i++) {
		for (j = 0; j < SA_MAX; j++)
			if (p->px[i].sa[j].used)
				sa_del(&p->px[i].sa[j]);
		sw_cp_krb_free(p->px[i].krb);
		sw_cp_ntlm_free(p->px[i].ntlm);
		if (p->px[i].mit_cred != GSS_C_NO_CREDENTIAL)
			gss_release_cred(&min, &p->px[i].mit_cred);
	}
	sw_ntlm_users_free(p->users);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
