/*
 * Shared helpers of the cross-check tests.  See xcheck_util.h.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>

#include "tests/xcheck/xcheck_util.h"

/* PROTOCOL.md §2, byte for byte. */
static const char req_example[] =
	"<Kerberos><0a1b2c3d><5><SIP Communications Service><sip/proxy.example.test>"
	"<7f2a9c41@ann-pc><7><REGISTER><sip:ann@example.test><8a1c2e><sip:ann@example.test>"
	"<><><><3600>";

/* The proxy's 200 OK to it: srand/snum, To tag, identity, status code (16 fields). */
static const char resp_example[] =
	"<Kerberos><5e2f9a01><1><SIP Communications Service><sip/proxy.example.test>"
	"<7f2a9c41@ann-pc><7><REGISTER><sip:ann@example.test><8a1c2e><sip:ann@example.test>"
	"<b7d03e11><sip:ann@example.test><tel:+15551234567><3600><200>";

static uint8_t rnd_bytes[1500];

void
xc_bufs_init(struct xc_buf out[XC_NBUFS])
{
	uint64_t s = 0x9e3779b97f4a7c15ULL; /* fixed seed: reproducible failures */
	size_t i;

	for (i = 0; i < sizeof(rnd_bytes); i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		rnd_bytes[i] = (uint8_t)(s >> 24);
	}
	out[0] = (struct xc_buf){"ms-sipae-request", (const uint8_t *)req_example,
				 sizeof(req_example) - 1};
	out[1] = (struct xc_buf){"ms-sipae-response", (const uint8_t *)resp_example,
				 sizeof(resp_example) - 1};
	out[2] = (struct xc_buf){"random-0", rnd_bytes, 0};
	out[3] = (struct xc_buf){"random-1", rnd_bytes, 1};
	out[4] = (struct xc_buf){"random-700", rnd_bytes, 700};
	out[5] = (struct xc_buf){"random-1500", rnd_bytes, 1500};
}

char *
xc_hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

void
xc_finding(const char *fmt, ...)
{
	const char *path = getenv("SW_XCHECK_FINDINGS");
	va_list ap;

	va_start(ap, fmt);
	fputs("XCHECK FINDING: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (path != NULL && path[0] != '\0') {
		FILE *f = fopen(path, "a");

		if (f != NULL) {
			va_start(ap, fmt);
			vfprintf(f, fmt, ap);
			fputc('\n', f);
			va_end(ap);
			fclose(f);
		}
	}
}

/* The reference computation of one job, independent of crypto/mac*.c. */
static int
direct_hmac(const struct sw_mac_job *job, uint8_t out[EVP_MAX_MD_SIZE])
{
	const EVP_MD *md = NULL;
	uint8_t inner[MD5_DIGEST_LENGTH];
	const uint8_t *msg = job->msg;
	size_t msg_len = job->msg_len;
	unsigned int out_len = 0;

	switch (job->key->alg) {
	case SW_MAC_HMAC_MD5:
		md = EVP_md5();
		break;
	case SW_MAC_HMAC_SHA1:
		md = EVP_sha1();
		break;
	case SW_MAC_HMAC_SHA256:
		md = EVP_sha256();
		break;
	case SW_MAC_HMAC_SHA384:
		md = EVP_sha384();
		break;
	case SW_MAC_HMAC_MD5_OF_MD5:
		md = EVP_md5();
		if (EVP_Digest(msg, msg_len, inner, NULL, EVP_md5(), NULL) != 1)
			return -1;
		msg = inner;
		msg_len = sizeof(inner);
		break;
	default:
		return -1;
	}
	if (HMAC(md, job->key->raw, job->key->raw_len, msg, msg_len, out, &out_len) == NULL)
		return -1;
	return (int)out_len;
}

int
xc_job_check(const struct sw_sig_key *k, const uint8_t *buf, size_t len, const uint8_t *token,
	     size_t token_len, struct sw_mac_engine *ref, struct sw_mac_engine *mb)
{
	uint8_t *slot = malloc(SW_SIG_HEADROOM + len + SW_SIG_TAILROOM);
	uint8_t scratch[SW_MAC_TAG_MAX];
	uint8_t direct[EVP_MAX_MD_SIZE];
	struct sw_mac_job job;
	uint8_t ok_ref = 2, ok_mb = 2;
	int n, direct_ok, rc = -1;

	if (slot == NULL)
		return -1;
	memset(slot, 0xa5, SW_SIG_HEADROOM + len + SW_SIG_TAILROOM);
	if (len != 0)
		memcpy(slot + SW_SIG_HEADROOM, buf, len);
	if (sw_sig_job_prep(k, slot, (uint32_t)len, token, token_len, scratch, &job) != 0) {
		/* Framing rejected before any HMAC: a rejection on every path. */
		rc = 0;
		goto cleanup;
	}
	n = direct_hmac(&job, direct);
	if (n < 0 || job.tag_len == 0 || job.tag_len > (unsigned int)n) {
		fprintf(stderr, "xc_job_check: bad job (alg %u, tag_len %u)\n", job.key->alg,
			job.tag_len);
		goto cleanup;
	}
	direct_ok = sw_mac_ct_equal(direct, job.tag, job.tag_len);
	if (sw_mac_verify_burst(ref, &job, 1, &ok_ref) < 0)
		goto cleanup;
	if (mb != NULL && sw_mac_verify_burst(mb, &job, 1, &ok_mb) < 0)
		goto cleanup;
	if (mb == NULL)
		ok_mb = (uint8_t)direct_ok;
	if (ok_ref != direct_ok || ok_mb != direct_ok) {
		fprintf(stderr, "xc_job_check: direct %d, ref engine %u, mb engine %u\n", direct_ok,
			ok_ref, ok_mb);
		goto cleanup;
	}
	rc = direct_ok;
	/* The batch path's contract: a matched enctype-23 tag still needs its direction check. */
	if (rc == 1 && sw_sig_post_check(k, token, token_len) != 0)
		rc = 0;

cleanup:
	free(slot);
	return rc;
}
