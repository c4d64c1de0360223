/*
 * MS-SIPAE signatures: argument checks and dispatch to the NTLM
 * (sig_ntlm.c) and Kerberos (sig_krb.c) halves.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "crypto/sig_priv.h"

/* Zero every byte of a key, derived keys and keystream included. */
void
sw_sig_key_wipe(struct sw_sig_key *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
}

static int
key_ok(const struct sw_sig_key *k)
{
	if (k == NULL)
		return 0;
	if (k->scheme == SW_SCHEME_NTLM)
		return k->token_len == SW_SIG_NTLM_TOKEN_LEN;
	if (k->scheme == SW_SCHEME_KERBEROS)
		return k->token_len != 0 && k->token_len <= SW_SIG_TOKEN_MAX;
	return 0;
}

/* MS-SIPAE signature of @p buf: NTLM MAC or Kerberos MIC token (PROTOCOL.md §3). */
int
sw_sig_sign(const struct sw_sig_key *k, const uint8_t *buf, size_t len, uint64_t seq,
	    uint8_t *token, size_t token_cap)
{
	if (!key_ok(k) || (buf == NULL && len != 0) || token == NULL)
		return -EINVAL;
	if (token_cap < k->token_len)
		return -ENOSPC;
	if (k->scheme == SW_SCHEME_NTLM)
		return sw_sig_ntlm_sign(k, buf, len, token);
	return sw_sig_krb_sign(k, buf, len, seq, token);
}

/* Scalar verification; the checksum is compared in constant time. */
int
sw_sig_verify(const struct sw_sig_key *k, const uint8_t *buf, size_t len, const uint8_t *token,
	      size_t token_len)
{
	if (!key_ok(k) || (buf == NULL && len != 0) || (token == NULL && token_len != 0))
		return -EINVAL;
	if (token_len != k->token_len)
		return -EBADMSG;
	if (k->scheme == SW_SCHEME_NTLM)
		return sw_sig_ntlm_verify(k, buf, len, token);
	return sw_sig_krb_verify(k, buf, len, token);
}

/* Direction check of an enctype-23 token after its checksum matched. */
int
sw_sig_post_check(const struct sw_sig_key *k, const uint8_t *token, size_t token_len)
{
	if (!key_ok(k) || (token == NULL && token_len != 0))
		return -EINVAL;
	if (token_len != k->token_len)
		return -EBADMSG;
	if (k->scheme != SW_SCHEME_KERBEROS || k->enctype != SW_ENCTYPE_RC4_HMAC)
		return 0;
	return sw_sig_rc4_post_check(k, token);
}

/* The same for a batch job whose tag matched (job_prep kept SND_SEQ). */
int
sw_sig_job_post_check(const struct sw_sig_key *k, const struct sw_mac_job *job)
{
	if (!key_ok(k) || job == NULL || job->tag == NULL)
		return -EINVAL;
	if (k->scheme != SW_SCHEME_KERBEROS || k->enctype != SW_ENCTYPE_RC4_HMAC)
		return 0;
	return sw_sig_rc4_dir_check(k, job->tag, job->tag + SW_SIG_RC4_SEQ_STASH);
}

/* Frame the slot in place and fill a batch MAC job (see sig.h). */
int
sw_sig_job_prep(const struct sw_sig_key *k, uint8_t *slot, uint32_t len, const uint8_t *token,
		size_t token_len, uint8_t tag_scratch[SW_MAC_TAG_MAX], struct sw_mac_job *job)
{
	if (!key_ok(k) || slot == NULL || tag_scratch == NULL || job == NULL ||
	    (token == NULL && token_len != 0))
		return -EINVAL;
	if (token_len != k->token_len)
		return -EBADMSG;
	if (k->scheme == SW_SCHEME_NTLM)
		return sw_sig_ntlm_job_prep(k, slot, len, token, tag_scratch, job);
	return sw_sig_krb_job_prep(k, slot, len, token, tag_scratch, job);
}

static const char *const scheme_names[] = {
	[SW_SCHEME_NTLM] = "NTLM",
	[SW_SCHEME_KERBEROS] = "Kerberos",
};

/* PROTOCOL.md §1: scheme tokens on the wire, matched case-insensitively. */
enum sw_scheme
sw_scheme_from(const char *p, size_t len)
{
	unsigned int s;

	if (p == NULL)
		return SW_SCHEME_NONE;
	for (s = SW_SCHEME_NTLM; s <= SW_SCHEME_KERBEROS; s++) {
		const char *name = scheme_names[s];

		if (len == strlen(name) && strncasecmp(p, name, len) == 0)
			return (enum sw_scheme)s;
	}
	return SW_SCHEME_NONE;
}

/* The wire token of a scheme, as put in Authorization / Authentication-Info. */
const char *
sw_scheme_name(enum sw_scheme s)
{
	if (s != SW_SCHEME_NTLM && s != SW_SCHEME_KERBEROS)
		return NULL;
	return scheme_names[s];
}
