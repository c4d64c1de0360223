/*
 * Benchmark fixtures: realistic signed SIP requests and the server-side
 * state to verify them (see fixture.h).
 *
 * The OpenSSL baseline calls HMAC() directly: an exception to "only crypto/
 * includes OpenSSL" (STYLE.md 1) for the benchmark's reference point only.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>

#include "bench/fixture.h"
#include "bench/fixture_priv.h"
#include "crypto/mac.h"
#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "crypto/wbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

#define MSG_MAX	   SW_BENCH_MSG_MAX
#define SA_BUCKETS SW_BENCH_SA_BUCKETS

static const char realm[] = "SIP Communications Service";
static const char fqdn[] = "proxy.domainb.test";
static const char krb_target[] = "sip/proxy.domainb.test";

/* Lync 2013 / Skype for Business style REGISTER, about 1 KB. */
static const char register_fmt[] =
	"REGISTER sip:domainb.test SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.%u:49%03u;branch=z9hG4bK%08x;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:user%u@domainb.test>;tag=%08x;epid=6c3f0a%04x\r\n"
	"To: <sip:user%u@domainb.test>\r\n"
	"Call-ID: %08x%08x%08x\r\n"
	"CSeq: %u REGISTER\r\n"
	"Contact: <sip:198.51.100.%u:49%03u;transport=udp;ms-opaque=d3470f2e1d>;"
	"methods=\"INVITE, MESSAGE, INFO, SUBSCRIBE, OPTIONS, BYE, CANCEL, NOTIFY, ACK, "
	"REFER, BENOTIFY\";proxy=replace;"
	"+sip.instance=\"<urn:uuid:0a5b1f3c-2d4e-5f60-8a9b-%012" PRIx64 ">\"\r\n"
	"User-Agent: UCCAPI/16.0.4849.1000 OC/16.0.4849.1000 (Skype for Business)\r\n"
	"Supported: gruu-10, adhoclist, msrtc-event-categories, "
	"com.microsoft.msrtc.presence\r\n"
	"Supported: ms-forking\r\n"
	"Supported: ms-cluster-failover\r\n"
	"Supported: ms-userservices-state-notification\r\n"
	"ms-keep-alive: UAC;hop-hop=yes\r\n"
	"Event: registration\r\n"
	"Expires: 3600\r\n"
	"Proxy-Authorization: %s qop=\"auth\", opaque=\"%08X\", realm=\"%s\", "
	"targetname=\"%s\", version=4, crand=\"%08x\", cnum=\"%u\", response=\"%s\"\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* INVITE with identity headers and a short SDP offer, about 1.2 KB. */
static const char invite_fmt[] =
	"INVITE sip:peer%u@domainb.test SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.%u:49%03u;branch=z9hG4bK%08x;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"User %u\" <sip:user%u@domainb.test>;tag=%08x;epid=6c3f0a%04x\r\n"
	"To: <sip:peer%u@domainb.test>\r\n"
	"Call-ID: %08x%08x%08x\r\n"
	"CSeq: %u INVITE\r\n"
	"Contact: <sip:user%u@domainb.test;opaque=user:epid:Q2p7;gruu>\r\n"
	"User-Agent: UCCAPI/16.0.4849.1000 OC/16.0.4849.1000 (Skype for Business)\r\n"
	"P-Preferred-Identity: <sip:user%u@domainb.test>, <tel:+1555%07u>\r\n"
	"Supported: ms-dialog-route-set-update, timer, histinfo, ms-safe-transfer, "
	"ms-sender, ms-early-media, 100rel, replaces, ms-conf-invite\r\n"
	"Ms-Conversation-ID: AdTMc2VkRVdYVkpGQ0xMQ0VSREFkQw==\r\n"
	"ms-endpoint-location-data: NetworkScope;ms-media-location-type=Intranet\r\n"
	"Proxy-Authorization: %s qop=\"auth\", opaque=\"%08X\", realm=\"%s\", "
	"targetname=\"%s\", version=4, crand=\"%08x\", cnum=\"%u\", response=\"%s\"\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: %zu\r\n"
	"\r\n"
	"%s";

/* A short audio offer; Lync's real ones are longer but are not signed. */
static const char invite_sdp[] = "v=0\r\n"
				 "o=- 0 0 IN IP4 198.51.100.7\r\n"
				 "s=session\r\n"
				 "c=IN IP4 198.51.100.7\r\n"
				 "b=CT:99980\r\n"
				 "t=0 0\r\n"
				 "m=audio 50012 RTP/AVP 104 9 111 0 8 101\r\n"
				 "a=rtpmap:104 SILK/16000\r\n"
				 "a=rtpmap:9 G722/8000\r\n"
				 "a=rtpmap:111 SIREN/16000\r\n"
				 "a=rtpmap:101 telephone-event/8000\r\n"
				 "a=ptime:20\r\n";

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

const char *
sw_bench_kind_name(int kind)
{
	return kind == SW_BENCH_REGISTER ? "REGISTER" : kind == SW_BENCH_INVITE ? "INVITE" : "?";
}

const char *
sw_bench_alg_name(int alg)
{
	switch (alg) {
	case SW_BENCH_NTLM:
		return "ntlm";
	case SW_ENCTYPE_AES128_SHA1:
		return "krb17";
	case SW_ENCTYPE_AES256_SHA1:
		return "krb18";
	case SW_ENCTYPE_AES128_SHA256:
		return "krb19";
	case SW_ENCTYPE_AES256_SHA384:
		return "krb20";
	case SW_ENCTYPE_RC4_HMAC:
		return "krb23";
	default:
		return "?";
	}
}

static size_t
key_len(int alg)
{
	switch (alg) {
	case SW_BENCH_NTLM:
	case SW_ENCTYPE_AES128_SHA1:
	case SW_ENCTYPE_AES128_SHA256:
	case SW_ENCTYPE_RC4_HMAC:
		return 16;
	case SW_ENCTYPE_AES256_SHA1:
	case SW_ENCTYPE_AES256_SHA384:
		return 32;
	default:
		return 0;
	}
}

static uint32_t
fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 16777619u;
	}
	return h;
}

/* Server side: the SA whose opaque is @p o, or NULL. */
static const struct sw_sig_key *
sa_lookup(const struct sw_bench_set *s, struct sw_span o)
{
	uint32_t b = fnv1a(o.p, o.len) & (SA_BUCKETS - 1);
	unsigned int probe;

	for (probe = 0; probe < SA_BUCKETS; probe++, b = (b + 1) & (SA_BUCKETS - 1)) {
		int idx = s->bucket[b];

		if (idx < 0)
			return NULL;
		if (o.len == 8 && memcmp(s->opaque[idx], o.p, 8) == 0)
			return &s->key[idx];
	}
	return NULL;
}

static void
sa_insert(struct sw_bench_set *s, unsigned int i)
{
	uint32_t b = fnv1a(s->opaque[i], 8) & (SA_BUCKETS - 1);

	while (s->bucket[b] >= 0)
		b = (b + 1) & (SA_BUCKETS - 1);
	s->bucket[b] = (int16_t)i;
}

/* Is opaque value @p v already used by one of the first @p n SAs? */
static bool
opaque_used(const struct sw_bench_set *s, uint32_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (s->gen[i].opaque == v)
			return true;
	return false;
}

/* Render message @p i with signature @p sig (hex) into s->msg[i]. */
static int
render(struct sw_bench_set *s, unsigned int i, const char *sig)
{
	const struct sw_bench_gen *g = &s->gen[i];
	const char *scheme = s->alg == SW_BENCH_NTLM ? "NTLM" : "Kerberos";
	const char *target = s->alg == SW_BENCH_NTLM ? fqdn : krb_target;
	int n;

	if (s->kind == SW_BENCH_REGISTER)
		n = snprintf(s->msg[i], MSG_MAX, register_fmt, g->host, g->port, g->branch, g->user,
			     g->tag, g->epid, g->user, g->cid[0], g->cid[1], g->cid[2], g->cseq,
			     g->host, g->port, g->instance, scheme, g->opaque, realm, target,
			     g->crand, g->cnum, sig);
	else
		n = snprintf(s->msg[i], MSG_MAX, invite_fmt, g->peer, g->host, g->port, g->branch,
			     g->user, g->user, g->tag, g->epid, g->peer, g->cid[0], g->cid[1],
			     g->cid[2], g->cseq, g->user, g->user, g->tel, scheme, g->opaque, realm,
			     target, g->crand, g->cnum, sig, sizeof(invite_sdp) - 1, invite_sdp);
	if (n < 0 || (size_t)n >= MSG_MAX)
		return -ENOSPC;
	s->msg_len[i] = (size_t)n;
	return 0;
}

/* Parse message @p i into s->parsed[i] and pull out its signing parameters. */
static int
parse_auth(struct sw_bench_set *s, unsigned int i, struct sw_auth *a, struct sw_sigbuf_auth *sa)
{
	struct sw_span targets[2] = {
		{fqdn, (uint16_t)strlen(fqdn)},
		{krb_target, (uint16_t)strlen(krb_target)},
	};
	struct sw_span r = {realm, (uint16_t)strlen(realm)};
	uint32_t eoff;

	if (sw_sip_parse(s->msg[i], s->msg_len[i], &s->parsed[i]) != SW_SIP_OK)
		return -EBADMSG;
	if (sw_auth_select(&s->parsed[i], SW_HDR_PROXY_AUTHORIZATION, r, targets, 2, a, &eoff) !=
	    SW_AUTH_OK)
		return -EBADMSG;
	sa->scheme = a->scheme;
	sa->rand = sw_auth_get(a, SW_AUTH_P_CRAND);
	sa->num = sw_auth_get(a, SW_AUTH_P_CNUM);
	sa->realm = sw_auth_get(a, SW_AUTH_P_REALM);
	sa->targetname = sw_auth_get(a, SW_AUTH_P_TARGETNAME);
	sa->version = sw_sigbuf_version(sw_auth_get(a, SW_AUTH_P_VERSION));
	return sa->version == 0 ? -EBADMSG : 0;
}

/*
 * Build one message as a client would: render with a dummy signature of the
 * right length, build the signed buffer, sign it, render again.
 */
static int
make_message(struct sw_bench_set *s, unsigned int i)
{
	char sig_hex[2 * SW_SIG_TOKEN_MAX + 1];
	uint8_t tok[SW_SIG_TOKEN_MAX];
	struct sw_sigbuf_auth sa;
	struct sw_wbuf w;
	int ret, n;

	memset(sig_hex, '0', 2 * sw_sig_token_len(&s->key[i]));
	sig_hex[2 * sw_sig_token_len(&s->key[i])] = '\0';
	ret = render(s, i, sig_hex);
	if (ret == 0)
		ret = parse_auth(s, i, &s->auth[i], &sa);
	if (ret != 0)
		return ret;
	sw_wbuf_init(&w, s->slot[i] + SW_SIG_HEADROOM, SW_SIGBUF_MAX);
	ret = sw_sigbuf_build(&s->parsed[i], &sa, &w);
	if (ret != 0)
		return ret;
	n = sw_sig_sign(&s->key[i], s->slot[i] + SW_SIG_HEADROOM, w.len, s->gen[i].cnum + 1000u,
			tok, sizeof(tok));
	if (n < 0)
		return n;
	for (int k = 0; k < n; k++)
		snprintf(sig_hex + 2 * k, 3, "%02x", tok[k]);
	ret = render(s, i, sig_hex);
	if (ret == 0)
		ret = parse_auth(s, i, &s->auth[i], &s->sa[i]);
	return ret;
}

/* Server side, per message: the fast path's steps after the SA lookup. */
static int
prep_job(const struct sw_sip_msg *m, const struct sw_auth *a, const struct sw_sigbuf_auth *sa,
	 const struct sw_sig_key *k, uint8_t *slot, uint8_t tok[SW_SIG_TOKEN_MAX],
	 uint8_t tag[SW_MAC_TAG_MAX], struct sw_mac_job *job, size_t *len_out)
{
	struct sw_span resp = sw_auth_get(a, SW_AUTH_P_RESPONSE);
	struct sw_wbuf w;
	int tl;

	sw_wbuf_init(&w, slot + SW_SIG_HEADROOM, SW_SIGBUF_MAX);
	if (sw_sigbuf_build(m, sa, &w) != 0)
		return -ENOSPC;
	*len_out = w.len;
	if (resp.len > 2 * SW_SIG_TOKEN_MAX)
		return -EBADMSG;
	tl = sw_hex_decode(resp.p, resp.len, tok, SW_SIG_TOKEN_MAX);
	if (tl < 0)
		return tl;
	return sw_sig_job_prep(k, slot, w.len, tok, (size_t)tl, tag, job);
}

int
sw_bench_set_new(int kind, int alg, unsigned int n, uint64_t seed, struct sw_bench_set **set_out)
{
	struct sw_bench_set *s = NULL;
	uint8_t raw[32];
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 0x5157a4d;
	unsigned int i, j;
	int ret;

	*set_out = NULL;
	if (n == 0 || n > SW_BENCH_SET_MAX ||
	    (kind != SW_BENCH_REGISTER && kind != SW_BENCH_INVITE) || key_len(alg) == 0)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->kind = kind;
	s->alg = alg;
	s->n = n;
	memset(s->bucket, 0xff, sizeof(s->bucket));

	for (i = 0; i < n; i++) {
		struct sw_bench_gen *g = &s->gen[i];

		if (rng == 0)
			rng = 1;
		for (j = 0; j < key_len(alg); j++)
			raw[j] = (uint8_t)xorshift(&rng);
		ret = alg == SW_BENCH_NTLM
			      ? sw_sig_key_init_ntlm(&s->key[i], raw, SW_DIR_C2S)
			      : sw_sig_key_init_krb(&s->key[i], alg, raw, key_len(alg), SW_DIR_C2S);
		/* The baseline's HMAC key: as long as the real one (Kc, SignKey, Ksign). */
		s->hmac_key_len = alg == SW_ENCTYPE_AES256_SHA1	    ? 32
				  : alg == SW_ENCTYPE_AES256_SHA384 ? 24
								    : 16;
		memcpy(s->hmac_key, raw, s->hmac_key_len);
		explicit_bzero(raw, sizeof(raw));
		if (ret != 0)
			goto fail;
		g->host = 10 + i;
		g->port = 100 + (unsigned int)(xorshift(&rng) % 900);
		g->branch = (uint32_t)xorshift(&rng);
		g->user = 1000 + i;
		g->peer = 5000 + (unsigned int)(xorshift(&rng) % 4000);
		g->tag = (uint32_t)xorshift(&rng);
		g->epid = (uint32_t)(xorshift(&rng) & 0xffff);
		g->cid[0] = (uint32_t)xorshift(&rng);
		g->cid[1] = (uint32_t)xorshift(&rng);
		g->cid[2] = (uint32_t)xorshift(&rng);
		g->cseq = 1 + (uint32_t)(xorshift(&rng) % 100000);
		g->instance = xorshift(&rng) & 0xffffffffffffull;
		g->tel = (uint32_t)(xorshift(&rng) % 10000000);
		g->crand = (uint32_t)xorshift(&rng);
		g->cnum = 1 + (uint32_t)(xorshift(&rng) % 1000);
		do
			g->opaque = (uint32_t)xorshift(&rng);
		while (opaque_used(s, g->opaque, i));
		snprintf(s->opaque[i], sizeof(s->opaque[i]), "%08X", g->opaque);
		sa_insert(s, i);
		ret = make_message(s, i);
		if (ret != 0)
			goto fail;
		ret = prep_job(&s->parsed[i], &s->auth[i], &s->sa[i], &s->key[i], s->slot[i],
			       s->tok[i], s->tag[i], &s->job[i], &s->sigbuf_len[i]);
		if (ret != 0)
			goto fail;
	}
	*set_out = s;
	return 0;

fail:
	sw_bench_set_free(s);
	return ret;
}

void
sw_bench_set_free(struct sw_bench_set *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < SW_BENCH_SET_MAX; i++)
		sw_sig_key_wipe(&s->key[i]);
	explicit_bzero(s->hmac_key, sizeof(s->hmac_key));
	free(s);
}

size_t
sw_bench_msg_len(const struct sw_bench_set *s, unsigned int i)
{
	return s->msg_len[i % s->n];
}

size_t
sw_bench_sigbuf_len(const struct sw_bench_set *s, unsigned int i)
{
	return s->sigbuf_len[i % s->n];
}

int
sw_bench_parse(struct sw_bench_set *s, unsigned int i)
{
	i %= s->n;
	return (int)sw_sip_parse(s->msg[i], s->msg_len[i], &s->scratch_msg);
}

int
sw_bench_auth_select(struct sw_bench_set *s, unsigned int i)
{
	struct sw_span targets[2] = {
		{fqdn, (uint16_t)(sizeof(fqdn) - 1)},
		{krb_target, (uint16_t)(sizeof(krb_target) - 1)},
	};
	struct sw_span r = {realm, (uint16_t)(sizeof(realm) - 1)};
	uint32_t eoff;

	i %= s->n;
	return (int)sw_auth_select(&s->parsed[i], SW_HDR_PROXY_AUTHORIZATION, r, targets, 2,
				   &s->scratch_auth, &eoff);
}

int
sw_bench_sigbuf(struct sw_bench_set *s, unsigned int i)
{
	struct sw_wbuf w;
	int ret;

	i %= s->n;
	sw_wbuf_init(&w, s->scratch_slot + SW_SIG_HEADROOM, SW_SIGBUF_MAX);
	ret = sw_sigbuf_build(&s->parsed[i], &s->sa[i], &w);
	return ret != 0 ? ret : (int)w.len;
}

int
sw_bench_verify(struct sw_bench_set *s, struct sw_mac_engine *eng)
{
	return sw_mac_verify_burst(eng, s->job, (uint16_t)s->n, s->ok);
}

int
sw_bench_fast_path(struct sw_bench_set *s, struct sw_mac_engine *eng)
{
	struct sw_span targets[2] = {
		{fqdn, (uint16_t)(sizeof(fqdn) - 1)},
		{krb_target, (uint16_t)(sizeof(krb_target) - 1)},
	};
	struct sw_span r = {realm, (uint16_t)(sizeof(realm) - 1)};
	struct sw_sigbuf_auth sa;
	unsigned int i, nj = 0;
	uint32_t eoff;
	size_t blen;

	for (i = 0; i < s->n; i++) {
		const struct sw_sig_key *k;

		if (sw_sip_parse(s->msg[i], s->msg_len[i], &s->scratch_msg) != SW_SIP_OK)
			continue;
		if (sw_auth_select(&s->scratch_msg, SW_HDR_PROXY_AUTHORIZATION, r, targets, 2,
				   &s->scratch_auth, &eoff) != SW_AUTH_OK)
			continue;
		k = sa_lookup(s, sw_auth_get(&s->scratch_auth, SW_AUTH_P_OPAQUE));
		if (k == NULL)
			continue;
		sa.scheme = s->scratch_auth.scheme;
		sa.rand = sw_auth_get(&s->scratch_auth, SW_AUTH_P_CRAND);
		sa.num = sw_auth_get(&s->scratch_auth, SW_AUTH_P_CNUM);
		sa.realm = sw_auth_get(&s->scratch_auth, SW_AUTH_P_REALM);
		sa.targetname = sw_auth_get(&s->scratch_auth, SW_AUTH_P_TARGETNAME);
		sa.version = sw_sigbuf_version(sw_auth_get(&s->scratch_auth, SW_AUTH_P_VERSION));
		if (prep_job(&s->scratch_msg, &s->scratch_auth, &sa, k, s->fp_slot[nj],
			     s->fp_tok[nj], s->fp_tag[nj], &s->fp_job[nj], &blen) != 0)
			continue;
		nj++;
	}
	if (nj == 0)
		return 0;
	return sw_mac_verify_burst(eng, s->fp_job, (uint16_t)nj, s->ok);
}

int
sw_bench_openssl_hmac(struct sw_bench_set *s, unsigned int i)
{
	const struct sw_mac_job *job = &s->job[i % s->n];
	unsigned char md[EVP_MAX_MD_SIZE], inner[MD5_DIGEST_LENGTH];
	unsigned int md_len = 0;
	const EVP_MD *evp;

	switch (s->alg) {
	case SW_BENCH_NTLM:
	case SW_ENCTYPE_RC4_HMAC:
		evp = EVP_md5();
		break;
	case SW_ENCTYPE_AES128_SHA1:
	case SW_ENCTYPE_AES256_SHA1:
		evp = EVP_sha1();
		break;
	case SW_ENCTYPE_AES128_SHA256:
		evp = EVP_sha256();
		break;
	default:
		evp = EVP_sha384();
		break;
	}
	if (s->alg == SW_ENCTYPE_RC4_HMAC) {
		/* RFC 4757: HMAC-MD5(Ksign, MD5(...)); MD5() is deprecated but one-shot. */
		if (EVP_Digest(job->msg, job->msg_len, inner, NULL, EVP_md5(), NULL) != 1)
			return -EIO;
		return HMAC(evp, s->hmac_key, (int)s->hmac_key_len, inner, sizeof(inner), md,
			    &md_len) != NULL
			       ? 0
			       : -EIO;
	}
	return HMAC(evp, s->hmac_key, (int)s->hmac_key_len, job->msg, job->msg_len, md, &md_len) !=
			       NULL
		       ? 0
		       : -EIO;
}

int
sw_bench_engine_create(int impl, struct sw_mac_engine **eng_out)
{
	return sw_mac_engine_create(impl == 0 ? SW_MAC_IMPL_MB : SW_MAC_IMPL_REF, eng_out);
}

void
sw_bench_engine_free(struct sw_mac_engine *eng)
{
	sw_mac_engine_free(eng);
}

const char *
sw_bench_engine_arch(const struct sw_mac_engine *eng, int alg)
{
	enum sw_mac_alg a;

	switch (alg) {
	case SW_BENCH_NTLM:
		a = SW_MAC_HMAC_MD5;
		break;
	case SW_ENCTYPE_AES128_SHA1:
	case SW_ENCTYPE_AES256_SHA1:
		a = SW_MAC_HMAC_SHA1;
		break;
	case SW_ENCTYPE_AES128_SHA256:
		a = SW_MAC_HMAC_SHA256;
		break;
	case SW_ENCTYPE_AES256_SHA384:
		a = SW_MAC_HMAC_SHA384;
		break;
	case SW_ENCTYPE_RC4_HMAC:
		a = SW_MAC_HMAC_MD5_OF_MD5;
		break;
	default:
		return "?";
	}
	return sw_mac_engine_arch(eng, a);
}
