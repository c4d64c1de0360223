/*
 * Native connectionless NTLMv2 acceptor.  See cp_ntlm.h; MS-NLMP section
 * numbers are cited where behaviour follows the spec.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctrlplane/cp_ntlm.h"
#include "crypto/prim.h"
#include "ctrlplane/ntlm_priv.h"

/* Seconds between 1601-01-01 and 1970-01-01. */
#define FILETIME_EPOCH_DELTA 11644473600LL
#define FILETIME_PER_SEC     10000000LL

/* Windows Server 2022 (10.0.20348), NTLMSSP_REVISION_W2K3 (§2.2.2.10). */
static const uint8_t our_version[SW_NTLM_VERSION_LEN] = {10, 0, 0x7c, 0x4f, 0, 0, 0, 0x0f};

static const char *const rc_names[SW_CP_NTLM_RC_MAX] = {
#define X(id, name, help) [SW_CP_NTLM_##id] = name,
	SW_CP_NTLM_RESULTS(X)
#undef X
};

struct sw_cp_ntlm {
	struct sw_cp_ntlm_cfg cfg; /* strings below, not the caller's */
	const struct sw_ntlm_users *users;
	char *nb_domain, *nb_computer, *dns_domain, *dns_computer;
	uint8_t nb_domain16[2 * SW_CP_NTLM_NB_MAX];
	uint8_t nb_computer16[2 * SW_CP_NTLM_NB_MAX];
	uint8_t dns_domain16[2 * SW_CP_NTLM_DNS_MAX];
	uint8_t dns_computer16[2 * SW_CP_NTLM_DNS_MAX];
	uint16_t nb_domain16_len, nb_computer16_len, dns_domain16_len, dns_computer16_len;
	uint8_t dummy_hash[16]; /* unknown users are checked against this */
	uint64_t ctr[SW_CP_NTLM_RC_MAX];
};

const char *
sw_cp_ntlm_rc_name(enum sw_cp_ntlm_rc rc)
{
	if ((unsigned int)rc >= SW_CP_NTLM_RC_MAX)
		return "?";
	return rc_names[rc];
}

uint64_t
sw_cp_ntlm_filetime(int64_t unix_seconds)
{
	return (uint64_t)((unix_seconds + FILETIME_EPOCH_DELTA) * FILETIME_PER_SEC);
}

static int64_t
now_of(const struct sw_cp_ntlm *acc)
{
	struct timespec ts;

	if (acc->cfg.clock != NULL)
		return acc->cfg.clock(acc->cfg.clock_arg);
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec;
}

static void logf_(const struct sw_cp_ntlm *acc, enum sw_cp_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
logf_(const struct sw_cp_ntlm *acc, enum sw_cp_log_level lvl, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (acc->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	acc->cfg.log(acc->cfg.log_arg, lvl, line);
}

/* Peer-supplied text for a log line: control characters become '?'. */
static const char *
printable(const char *in, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)in[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[i] = '\0';
	return buf;
}

static char *
dup_opt(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
to_u16(const char *s, size_t max_chars, uint8_t *out, uint16_t *out_len)
{
	int n;

	*out_len = 0;
	if (s == NULL)
		return 0;
	if (strlen(s) > max_chars)
		return -EINVAL;
	n = sw_ntlm_utf8_to_u16(s, strlen(s), out, 2 * max_chars, 0);
	if (n < 0)
		return -EINVAL;
	*out_len = (uint16_t)n;
	return 0;
}

int
sw_cp_ntlm_create(const struct sw_cp_ntlm_cfg *cfg, const struct sw_ntlm_users *users,
		  struct sw_cp_ntlm **out)
{
	struct sw_cp_ntlm *acc = NULL;
	int ret;

	*out = NULL;
	if (cfg == NULL || users == NULL || cfg->nb_domain == NULL || cfg->nb_domain[0] == '\0' ||
	    cfg->nb_computer == NULL || cfg->nb_computer[0] == '\0')
		return -EINVAL;
	if (sw_prim_init() != 0)
		return -EIO;
	acc = calloc(1, sizeof(*acc));
	if (acc == NULL)
		return -ENOMEM;
	acc->cfg = *cfg;
	acc->users = users;
	if (acc->cfg.window == 0)
		acc->cfg.window = SW_CP_NTLM_WINDOW_DEFAULT;
	acc->nb_domain = strdup(cfg->nb_domain);
	acc->nb_computer = strdup(cfg->nb_computer);
	acc->dns_domain = dup_opt(cfg->dns_domain);
	acc->dns_computer = dup_opt(cfg->dns_computer);
	if (acc->nb_domain == NULL || acc->nb_computer == NULL ||
	    (cfg->dns_domain != NULL && acc->dns_domain == NULL) ||
	    (cfg->dns_computer != NULL && acc->dns_computer == NULL)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	acc->cfg.nb_domain = acc->nb_domain;
	acc->cfg.nb_computer = acc->nb_computer;
	acc->cfg.dns_domain = acc->dns_domain;
	acc->cfg.dns_computer = acc->dns_computer;
	if (to_u16(acc->nb_domain, SW_CP_NTLM_NB_MAX, acc->nb_domain16, &acc->nb_domain16_len) ||
	    to_u16(acc->nb_computer, SW_CP_NTLM_NB_MAX, acc->nb_computer16,
		   &acc->nb_computer16_len) ||
	    to_u16(acc->dns_domain, SW_CP_NTLM_DNS_MAX, acc->dns_domain16,
		   &acc->dns_domain16_len) ||
	    to_u16(acc->dns_computer, SW_CP_NTLM_DNS_MAX, acc->dns_computer16,
		   &acc->dns_computer16_len)) {
		ret = -EINVAL;
		goto cleanup;
	}
	if (sw_prim_random(acc->dummy_hash, sizeof(acc->dummy_hash)) != 0) {
		ret = -EIO;
		goto cleanup;
	}
	*out = acc;
	acc = NULL;
	ret = 0;

cleanup:
	sw_cp_ntlm_free(acc);
	return ret;
}

void
sw_cp_ntlm_free(struct sw_cp_ntlm *acc)
{
	if (acc == NULL)
		return;
	free(acc->nb_domain);
	free(acc->nb_computer);
	free(acc->dns_domain);
	free(acc->dns_computer);
	sw_prim_wipe(acc, sizeof(*acc));
	free(acc);
}

void
sw_cp_ntlm_stats(const struct sw_cp_ntlm *acc, uint64_t out[SW_CP_NTLM_RC_MAX])
{
	for (unsigned int i = 0; i < SW_CP_NTLM_RC_MAX; i++)
		out[i] = __atomic_load_n(&acc->ctr[i], __ATOMIC_RELAXED);
}

/* MS-NLMP §3.2.5.1.1: the server's CHALLENGE_MESSAGE, connectionless. */
int
sw_cp_ntlm_challenge(struct sw_cp_ntlm *acc, struct sw_cp_ntlm_pending *out)
{
	uint8_t ti[SW_CP_NTLM_CHALLENGE_MAX];
	uint8_t ts[8];
	struct sw_ntlm_av av[5];
	unsigned int n = 0, i;
	uint64_t ft;
	int64_t now;
	int ti_len, len;

	memset(out, 0, sizeof(*out));
	if (acc == NULL)
		return -EINVAL;
	now = now_of(acc);
	if (now < 0)
		return -EIO;
	if (sw_prim_random(out->server_challenge, sizeof(out->server_challenge)) != 0)
		return -EIO;
	ft = sw_cp_ntlm_filetime(now);
	for (i = 0; i < 8; i++)
		ts[i] = (uint8_t)(ft >> (8 * i));

	av[n++] =
		(struct sw_ntlm_av){SW_NTLM_AV_NB_DOMAIN, {acc->nb_domain16, acc->nb_domain16_len}};
	av[n++] = (struct sw_ntlm_av){SW_NTLM_AV_NB_COMPUTER,
				      {acc->nb_computer16, acc->nb_computer16_len}};
	if (acc->dns_domain16_len != 0)
		av[n++] = (struct sw_ntlm_av){SW_NTLM_AV_DNS_DOMAIN,
					      {acc->dns_domain16, acc->dns_domain16_len}};
	if (acc->dns_computer16_len != 0)
		av[n++] = (struct sw_ntlm_av){SW_NTLM_AV_DNS_COMPUTER,
					      {acc->dns_computer16, acc->dns_computer16_len}};
	av[n++] = (struct sw_ntlm_av){SW_NTLM_AV_TIMESTAMP, {ts, 8}};
	ti_len = sw_ntlm_av_build(ti, sizeof(ti), av, n);
	if (ti_len < 0)
		return ti_len;
	len = sw_ntlm_build_challenge(out->msg, sizeof(out->msg), SW_CP_NTLM_CHALLENGE_FLAGS,
				      (struct sw_ntlm_span){acc->nb_domain16, acc->nb_domain16_len},
				      out->server_challenge,
				      (struct sw_ntlm_span){ti, (uint16_t)ti_len}, our_version);
	if (len < 0)
		return len;
	out->len = (uint16_t)len;
	out->created = now;
	return 0;
}

/* MS-NLMP §3.3.2 NTOWFv2. */
int
sw_cp_ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user16, size_t user_len,
		   const uint8_t *domain16, size_t domain_len, uint8_t out[16])
{
	uint8_t up[SW_NTLM_NAME_MAX];
	struct sw_iov iov[2];
	size_t i;
	int rc;

	if (nt_hash == NULL || (user_len & 1) != 0 || user_len > sizeof(up) ||
	    (user16 == NULL && user_len != 0) || (domain16 == NULL && domain_len != 0))
		return -EINVAL;
	for (i = 0; i < user_len; i += 2) {
		uint16_t c = sw_ntlm_u16_upper((uint16_t)(user16[i] | user16[i + 1] << 8));

		up[i] = (uint8_t)c;
		up[i + 1] = (uint8_t)(c >> 8);
	}
	iov[0] = (struct sw_iov){up, user_len};
	iov[1] = (struct sw_iov){domain16, domain_len};
	rc = sw_prim_hmac_md5(nt_hash, 16, iov, 2, out);
	return rc;
}

/* MS-NLMP §3.3.2: NTProofStr and SessionBaseKey. */
int
sw_cp_ntlm_v2_proof(const uint8_t response_key[16], const uint8_t server_challenge[8],
		    const uint8_t *blob, size_t blob_len, uint8_t proof[16],
		    uint8_t session_base_key[16])
{
	struct sw_iov iov[2] = {{server_challenge, 8}, {blob, blob_len}};
	int rc;

	if (response_key == NULL || server_challenge == NULL || (blob == NULL && blob_len != 0))
		return -EINVAL;
	rc = sw_prim_hmac_md5(response_key, 16, iov, 2, proof);
	if (rc != 0)
		return rc;
	iov[0] = (struct sw_iov){proof, 16};
	return sw_prim_hmac_md5(response_key, 16, iov, 1, session_base_key);
}

/* MS-NLMP §3.1.5.1.2 / §3.2.5.1.2: MIC over the messages, MIC field zeroed. */
int
sw_cp_ntlm_mic(const uint8_t session_key[16], const uint8_t *chal, size_t chal_len,
	       const uint8_t *auth, size_t auth_len, uint8_t mic[16])
{
	static const uint8_t zero[SW_NTLM_MIC_LEN];
	struct sw_iov iov[4];

	if (session_key == NULL || chal == NULL || auth == NULL ||
	    auth_len < SW_NTLM_MIC_OFF + SW_NTLM_MIC_LEN)
		return -EINVAL;
	iov[0] = (struct sw_iov){chal, chal_len};
	iov[1] = (struct sw_iov){auth, SW_NTLM_MIC_OFF};
	iov[2] = (struct sw_iov){zero, SW_NTLM_MIC_LEN};
	iov[3] = (struct sw_iov){auth + SW_NTLM_MIC_OFF + SW_NTLM_MIC_LEN,
				    auth_len - SW_NTLM_MIC_OFF - SW_NTLM_MIC_LEN};
	return sw_prim_hmac_md5(session_key, 16, iov, 4, mic);
}

/* Which account a (domain, user) pair names: MS-NLMP §3.3.2 domain rules. */
static const struct sw_ntlm_account *
find_account(const struct sw_cp_ntlm *acc, const char *dom, const char *user, char *ubuf,
	     size_t ucap)
{
	const char *at;

	/* A UPN ("bob@domainb.test") comes with an empty domain. */
	if (dom[0] == '\0' && (at = strrchr(user, '@')) != NULL && at != user &&
	    (size_t)(at - user) < ucap) {
		memcpy(ubuf, user, (size_t)(at - user));
		ubuf[at - user] = '\0';
		user = ubuf;
		dom = at + 1;
	}
	if (dom[0] == '\0')
		dom = acc->nb_domain;
	else if (acc->dns_domain != NULL && strcasecmp(dom, acc->dns_domain) == 0)
		dom = acc->nb_domain;
	return sw_ntlm_users_find(acc->users, dom, user);
}

static enum sw_cp_ntlm_rc
count(struct sw_cp_ntlm *acc, enum sw_cp_ntlm_rc rc)
{
	__atomic_fetch_add(&acc->ctr[rc], 1, __ATOMIC_RELAXED);
	return rc;
}

enum sw_cp_ntlm_rc
sw_cp_ntlm_authenticate(struct sw_cp_ntlm *acc, const struct sw_cp_ntlm_pending *pending,
			const uint8_t *msg, size_t len, struct sw_cp_ntlm_sa *out)
{
	char user[SW_CP_NTLM_NAME_BUF], dom[SW_CP_NTLM_NAME_BUF], wks[SW_CP_NTLM_NAME_BUF];
	char ubuf[SW_CP_NTLM_NAME_BUF], l1[96], l2[96];
	uint8_t key[16], proof[16], sbk[16], esk[16], mic[16];
	const struct sw_ntlm_account *a;
	struct sw_ntlm_authenticate am;
	struct sw_ntlm_v2_response v2;
	enum sw_ntlm_msg_rc mrc;
	enum sw_cp_ntlm_rc rc;
	uint32_t off = 0, avflags;
	int64_t now, age;
	uint64_t ft_now, skew;
	bool match;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (acc == NULL)
		return SW_CP_NTLM_OTHER;
	if (pending == NULL || msg == NULL || out == NULL || pending->len > sizeof(pending->msg))
		return count(acc, SW_CP_NTLM_OTHER);

	mrc = sw_ntlm_parse_authenticate(msg, len, &am, &off);
	if (mrc != SW_NTLM_MSG_OK) {
		logf_(acc, SW_CP_LOG_NOTICE, "ntlm: AUTHENTICATE rejected: %s at offset %u",
		      sw_ntlm_msg_rc_name(mrc), off);
		return count(acc, SW_CP_NTLM_BAD_MESSAGE);
	}
	/* MS-NLMP §3.3: an NTLMv1 response is 24 bytes; no NT response is LM-only/anonymous. */
	if (am.nt_response.len == 0) {
		rc = (am.lm_response.len <= 1 || (am.flags & SW_NTLM_ANONYMOUS) != 0)
			     ? SW_CP_NTLM_ANONYMOUS
			     : SW_CP_NTLM_NTLMV1;
		logf_(acc, SW_CP_LOG_NOTICE, "ntlm: AUTHENTICATE rejected: %s", rc_names[rc]);
		return count(acc, rc);
	}
	if (am.nt_response.len == SW_NTLM_V1_RESP_LEN) {
		logf_(acc, SW_CP_LOG_NOTICE, "ntlm: AUTHENTICATE rejected: NTLMv1 response");
		return count(acc, SW_CP_NTLM_NTLMV1);
	}
	if ((am.flags & SW_CP_NTLM_REQUIRED_FLAGS) != SW_CP_NTLM_REQUIRED_FLAGS ||
	    am.enc_session_key.len != 16) {
		logf_(acc, SW_CP_LOG_NOTICE,
		      "ntlm: AUTHENTICATE rejected: flags %#010x, session key %u bytes", am.flags,
		      am.enc_session_key.len);
		return count(acc, SW_CP_NTLM_BAD_FLAGS);
	}
	mrc = sw_ntlm_parse_v2_response(am.nt_response.p, am.nt_response.len, &v2, &off);
	if (mrc != SW_NTLM_MSG_OK) {
		logf_(acc, SW_CP_LOG_NOTICE, "ntlm: NTLMv2 response rejected: %s at offset %u",
		      sw_ntlm_msg_rc_name(mrc), off);
		return count(acc, SW_CP_NTLM_BAD_MESSAGE);
	}
	if (sw_ntlm_u16_to_utf8(am.user.p, am.user.len, user, sizeof(user), 0) <= 0 ||
	    sw_ntlm_u16_to_utf8(am.domain.p, am.domain.len, dom, sizeof(dom), 0) < 0 ||
	    sw_ntlm_u16_to_utf8(am.workstation.p, am.workstation.len, wks, sizeof(wks), 0) < 0) {
		logf_(acc, SW_CP_LOG_NOTICE, "ntlm: AUTHENTICATE rejected: bad user/domain name");
		return count(acc, SW_CP_NTLM_BAD_NAME);
	}

	/*
	 * Same work whether or not the account exists: an unknown user is
	 * checked against a random dummy hash, so timing does not tell.
	 */
	a = find_account(acc, dom, user, ubuf, sizeof(ubuf));
	if (sw_cp_ntlm_ntowfv2(a != NULL ? a->nt_hash : acc->dummy_hash, am.user.p, am.user.len,
			       am.domain.p, am.domain.len, key) != 0 ||
	    sw_cp_ntlm_v2_proof(key, pending->server_challenge, v2.blob.p, v2.blob.len, proof,
				sbk) != 0) {
		rc = SW_CP_NTLM_OTHER;
		goto cleanup;
	}
	match = sw_prim_ct_equal(proof, v2.proof, 16);
	if (a == NULL || !match || a->disabled) {
		rc = a == NULL ? SW_CP_NTLM_UNKNOWN_USER
			       : (!match ? SW_CP_NTLM_BAD_PASSWORD : SW_CP_NTLM_DISABLED);
		logf_(acc, SW_CP_LOG_NOTICE, "ntlm: %s: user '%s' domain '%s'", rc_names[rc],
		      printable(user, l1, sizeof(l1)), printable(dom, l2, sizeof(l2)));
		goto cleanup;
	}

	/* Freshness: the client's NTLMv2 timestamp (its copy of ours, §3.1.5.1.2) and our
	 * challenge's age, both within the window. */
	now = now_of(acc);
	age = now - pending->created;
	ft_now = sw_cp_ntlm_filetime(now);
	skew = v2.timestamp > ft_now ? v2.timestamp - ft_now : ft_now - v2.timestamp;
	if (now < 0 || age < -(int64_t)acc->cfg.window || age > (int64_t)acc->cfg.window ||
	    skew > (uint64_t)acc->cfg.window * FILETIME_PER_SEC) {
		rc = SW_CP_NTLM_STALE;
		logf_(acc, SW_CP_LOG_NOTICE,
		      "ntlm: stale: user '%s': challenge age %llds, client clock off by %llus",
		      printable(user, l1, sizeof(l1)), (long long)age,
		      (unsigned long long)(skew / FILETIME_PER_SEC));
		goto cleanup;
	}

	/* §3.2.5.1.2: KeyExchangeKey = SessionBaseKey (NTLMv2); unwrap the exported key. */
	if (sw_prim_rc4(sbk, am.enc_session_key.p, esk, 16) != 0) {
		rc = SW_CP_NTLM_OTHER;
		goto cleanup;
	}
	avflags = sw_ntlm_av_flags(&v2.av);
	if ((avflags & SW_NTLM_AVFLAG_MIC) != 0 || acc->cfg.require_mic) {
		if (!am.has_mic_field ||
		    sw_cp_ntlm_mic(esk, pending->msg, pending->len, msg, len, mic) != 0 ||
		    !sw_prim_ct_equal(mic, am.mic, 16)) {
			rc = SW_CP_NTLM_BAD_MIC;
			logf_(acc, SW_CP_LOG_NOTICE, "ntlm: bad MIC: user '%s'",
			      printable(user, l1, sizeof(l1)));
			goto cleanup;
		}
		out->mic_verified = true;
	}

	memcpy(out->session_key, esk, 16);
	out->flags = am.flags;
	out->expires = now + SW_CP_NTLM_SA_LIFETIME;
	snprintf(out->user, sizeof(out->user), "%s", a->user);
	snprintf(out->domain, sizeof(out->domain), "%s",
		 a->domain[0] != '\0' ? a->domain : (dom[0] != '\0' ? dom : acc->nb_domain));
	snprintf(out->workstation, sizeof(out->workstation), "%s", wks);
	rc = SW_CP_NTLM_OK;

cleanup:
	if (rc != SW_CP_NTLM_OK)
		sw_cp_ntlm_sa_wipe(out);
	sw_prim_wipe(key, sizeof(key));
	sw_prim_wipe(sbk, sizeof(sbk));
	sw_prim_wipe(esk, sizeof(esk));
	sw_prim_wipe(proof, sizeof(proof));
	sw_prim_wipe(mic, sizeof(mic));
	return count(acc, rc);
}

int
sw_cp_ntlm_sa_sig_keys(const struct sw_cp_ntlm_sa *sa, struct sw_sig_key *c2s,
		       struct sw_sig_key *s2c)
{
	int rc;

	if (sa == NULL || c2s == NULL || s2c == NULL)
		return -EINVAL;
	rc = sw_sig_key_init_ntlm(c2s, sa->session_key, SW_DIR_C2S);
	if (rc == 0)
		rc = sw_sig_key_init_ntlm(s2c, sa->session_key, SW_DIR_S2C);
	if (rc != 0) {
		sw_sig_key_wipe(c2s);
		sw_sig_key_wipe(s2c);
	}
	return rc;
}

void
sw_cp_ntlm_sa_wipe(struct sw_cp_ntlm_sa *sa)
{
	if (sa != NULL)
		sw_prim_wipe(sa, sizeof(*sa));
}
