/*
 * Native connectionless NTLMv2 initiator (MS-NLMP §3.1.5.1.2 in datagram
 * mode, as MS-SIPAE uses it; PROTOCOL.md §1).
 *
 * There is no NEGOTIATE_MESSAGE: the first SIP leg carries empty gssapi-data,
 * the proxy answers with a CHALLENGE_MESSAGE, and this file builds the
 * AUTHENTICATE_MESSAGE.  Flags follow deployed clients (pidgin-sipe's
 * NEGOTIATE_FLAGS_CONNLESS intersected with the server's, plus
 * REQUEST_TARGET, 56 dropped when 128 is there); the response is NTLMv2 with
 * the server's TargetInfo as the blob's AV list; KEY_EXCH with a random
 * ExportedSessionKey RC4-encrypted under the KeyExchangeKey (= the
 * SessionBaseKey in NTLMv2).  Like Windows since Vista (and unlike
 * pidgin-sipe) a MIC is added when the challenge has an MsvAvTimestamp:
 * MsvAvFlags 0x2 in the AV list, LmChallengeResponse all zero, MIC =
 * HMAC-MD5(ExportedSessionKey, CHALLENGE || AUTHENTICATE with zero MIC).
 *
 * The message layout and the HMAC-MD5 constructions come from the control
 * plane's NTLM library (ctrlplane/ntlm_msg.h builders, cp_ntlm.h's NTLMv2
 * computations); the interoperability check is gss-ntlmssp's acceptor
 * (tests/client/test_client_xcheck_ntlm.c).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/client_priv.h"
#include "ctrlplane/cp_ntlm.h"
#include "crypto/prim.h"
#include "ctrlplane/ntlm_msg.h"
#include "ctrlplane/ntlm_users.h"

/* Version field: what Windows 10 / Lync clients send (10.0.19041, NTLMSSP_REVISION_W2K3). */
static const uint8_t client_version[SW_NTLM_VERSION_LEN] = {10, 0, 0x61, 0x4a, 0, 0, 0, 0x0f};

/* UTF-8 to UTF-16LE (with surrogate pairs).  @return bytes, -EINVAL, -ENOSPC. */
static int
utf8_to_u16(const char *in, uint8_t *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)in;
	size_t o = 0;

	while (*p != 0) {
		uint32_t c;
		int extra;

		if (p[0] < 0x80) {
			c = p[0];
			extra = 0;
		} else if ((p[0] & 0xe0) == 0xc0) {
			c = p[0] & 0x1fu;
			extra = 1;
		} else if ((p[0] & 0xf0) == 0xe0) {
			c = p[0] & 0x0fu;
			extra = 2;
		} else if ((p[0] & 0xf8) == 0xf0) {
			c = p[0] & 0x07u;
			extra = 3;
		} else {
			return -EINVAL;
		}
		p++;
		for (; extra > 0; extra--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -EINVAL;
			c = c << 6 | (*p & 0x3fu);
		}
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -EINVAL;
		if (c >= 0x10000) {
			uint32_t v = c - 0x10000;
			uint16_t hi = (uint16_t)(0xd800 | v >> 10),
				 lo = (uint16_t)(0xdc00 | (v & 0x3ff));

			if (o + 4 > cap)
				return -ENOSPC;
			out[o++] = (uint8_t)hi;
			out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo;
			out[o++] = (uint8_t)(lo >> 8);
		} else {
			if (o + 2 > cap)
				return -ENOSPC;
			out[o++] = (uint8_t)c;
			out[o++] = (uint8_t)(c >> 8);
		}
	}
	return (int)o;
}

int
sw_cl_ntlm_cred_init(struct sw_cl_ntlm_cred *cr, const char *user, const char *domain,
		     const char *workstation, const char *password, bool no_mic)
{
	int n;

	memset(cr, 0, sizeof(*cr));
	if (user == NULL || domain == NULL || password == NULL || user[0] == '\0')
		return -EINVAL;
	n = utf8_to_u16(user, cr->user16, sizeof(cr->user16));
	if (n < 0)
		return -EINVAL;
	cr->user_len = (uint16_t)n;
	n = utf8_to_u16(domain, cr->domain16, sizeof(cr->domain16));
	if (n < 0)
		return -EINVAL;
	cr->domain_len = (uint16_t)n;
	n = utf8_to_u16(workstation != NULL ? workstation : "SIPWARD", cr->ws16, sizeof(cr->ws16));
	if (n < 0)
		return -EINVAL;
	cr->ws_len = (uint16_t)n;
	cr->no_mic = no_mic;
	if (sw_ntlm_nt_hash(password, strlen(password), cr->nt_hash) != 0) {
		sw_cl_wipe(cr, sizeof(*cr));
		return -EIO;
	}
	return 0;
}

static uint64_t
filetime_now(void)
{
	return sw_cp_ntlm_filetime((int64_t)time(NULL));
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int
sw_cl_ntlm_authenticate(const struct sw_cl_ntlm_cred *cr, const uint8_t *chal, size_t chal_len,
			const struct sw_cl_ntlm_fixed *fixed, uint8_t *out, size_t cap,
			uint8_t session_key[16], uint32_t *flags_out, char *err, size_t errcap)
{
	struct sw_ntlm_challenge ch;
	struct sw_ntlm_av_list avl;
	struct sw_ntlm_av av[SW_NTLM_AV_MAX + 1];
	uint8_t blob[SW_NTLM_MSG_MAX], nt[16 + SW_NTLM_MSG_MAX], lm[24];
	uint8_t rkey[16], proof[16], sbk[16], esk[16], enc[16], cc[8], mic[16], flagv[4];
	uint64_t ts;
	uint32_t flags, err_off = 0;
	bool has_ts, want_mic;
	size_t blen = 0;
	unsigned int i, n = 0;
	int len, rc, ret = -EIO;

	if (sw_ntlm_parse_challenge(chal, chal_len, &ch, &err_off) != SW_NTLM_MSG_OK) {
		snprintf(err, errcap, "NTLM CHALLENGE_MESSAGE does not parse (offset %u)", err_off);
		return -EPROTO;
	}
	if ((ch.flags & SW_CL_NTLM_FLAGS_REQUIRED) != SW_CL_NTLM_FLAGS_REQUIRED) {
		snprintf(err, errcap, "NTLM challenge flags %#x lack %#x", ch.flags,
			 SW_CL_NTLM_FLAGS_REQUIRED & ~ch.flags);
		return -EPROTO;
	}
	if (ch.target_info.len == 0 || sw_ntlm_av_parse(ch.target_info.p, ch.target_info.len, &avl,
							&err_off) != SW_NTLM_MSG_OK) {
		snprintf(err, errcap, "NTLM challenge TargetInfo does not parse");
		return -EPROTO;
	}
	flags = (ch.flags & SW_CL_NTLM_FLAGS_CONNLESS) | SW_NTLM_REQUEST_TARGET;
	if (flags & SW_NTLM_NEGOTIATE_128)
		flags &= ~SW_NTLM_NEGOTIATE_56;
	flags |= SW_NTLM_NEGOTIATE_VERSION;
	has_ts = sw_ntlm_av_timestamp(&avl, &ts);
	want_mic = !cr->no_mic && has_ts;

	/* The blob's AV list: the server's, plus MsvAvFlags 0x2 when we send a MIC. */
	for (i = 0; i < avl.n; i++) {
		if (avl.av[i].id == SW_NTLM_AV_FLAGS && want_mic)
			continue;
		av[n++] = avl.av[i];
	}
	if (want_mic) {
		put_le32(flagv, sw_ntlm_av_flags(&avl) | SW_NTLM_AVFLAG_MIC);
		av[n].id = SW_NTLM_AV_FLAGS;
		av[n].value.p = flagv;
		av[n].value.len = 4;
		n++;
	}
	if (fixed != NULL && fixed->use) {
		memcpy(cc, fixed->client_challenge, 8);
		memcpy(esk, fixed->session_key, 16);
		if (fixed->filetime != 0)
			ts = fixed->filetime;
		else if (!has_ts)
			ts = filetime_now();
	} else {
		if (sw_cl_random(cc, 8) != 0 || sw_cl_random(esk, 16) != 0)
			return -EIO;
		if (!has_ts)
			ts = filetime_now();
	}
	/* NTLMv2_CLIENT_CHALLENGE (§2.2.2.7): 1, 1, Z(6), time, challenge, Z(4), AV list, Z(4). */
	memset(blob, 0, 28);
	blob[0] = 1;
	blob[1] = 1;
	for (i = 0; i < 8; i++)
		blob[8 + i] = (uint8_t)(ts >> (8 * i));
	memcpy(blob + 16, cc, 8);
	len = sw_ntlm_av_build(blob + 28, sizeof(blob) - 28 - 4, av, n);
	if (len < 0) {
		ret = len;
		goto cleanup;
	}
	blen = 28 + (size_t)len;
	memset(blob + blen, 0, 4);
	blen += 4;

	rc = sw_cp_ntlm_ntowfv2(cr->nt_hash, cr->user16, cr->user_len, cr->domain16, cr->domain_len,
				rkey);
	if (rc == 0)
		rc = sw_cp_ntlm_v2_proof(rkey, ch.server_challenge, blob, blen, proof, sbk);
	if (rc != 0) {
		ret = rc;
		goto cleanup;
	}
	memcpy(nt, proof, 16);
	memcpy(nt + 16, blob, blen);
	if (want_mic) {
		memset(lm, 0, sizeof(lm)); /* §3.1.5.1.2: no LmChallengeResponse with a MIC */
	} else {
		/* LMv2: HMAC-MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) ||
		 * ClientChallenge, computed with the same construction as NTProofStr over an 8-byte
		 * "blob". */
		uint8_t lmproof[16], unused[16];

		rc = sw_cp_ntlm_v2_proof(rkey, ch.server_challenge, cc, 8, lmproof, unused);
		if (rc != 0) {
			ret = rc;
			goto cleanup;
		}
		memcpy(lm, lmproof, 16);
		memcpy(lm + 16, cc, 8);
		sw_cl_wipe(unused, sizeof(unused));
	}
	/* KEY_EXCH: KeyExchangeKey = SessionBaseKey (NTLMv2); send RC4(KXKEY, ExportedSessionKey).
	 */
	rc = sw_prim_rc4(sbk, esk, enc, 16);
	if (rc != 0) {
		ret = rc;
		goto cleanup;
	}

	len = sw_ntlm_build_authenticate(
		out, cap, flags, (struct sw_ntlm_span){lm, sizeof(lm)},
		(struct sw_ntlm_span){nt, (uint16_t)(16 + blen)},
		(struct sw_ntlm_span){cr->domain_len != 0 ? cr->domain16 : NULL, cr->domain_len},
		(struct sw_ntlm_span){cr->user16, cr->user_len},
		(struct sw_ntlm_span){cr->ws_len != 0 ? cr->ws16 : NULL, cr->ws_len},
		(struct sw_ntlm_span){enc, 16}, client_version, want_mic);
	if (len < 0) {
		ret = len;
		goto cleanup;
	}
	if (want_mic) {
		rc = sw_cp_ntlm_mic(esk, chal, chal_len, out, (size_t)len, mic);
		if (rc != 0) {
			ret = rc;
			goto cleanup;
		}
		memcpy(out + SW_NTLM_MIC_OFF, mic, SW_NTLM_MIC_LEN);
	}
	memcpy(session_key, esk, 16);
	if (flags_out != NULL)
		*flags_out = flags;
	ret = len;

cleanup:
	sw_cl_wipe(rkey, sizeof(rkey));
	sw_cl_wipe(sbk, sizeof(sbk));
	sw_cl_wipe(esk, sizeof(esk));
	sw_cl_wipe(proof, sizeof(proof));
	return ret;
}
