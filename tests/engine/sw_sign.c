/*
 * Test driver: sign a SIP request for an SA, as a client does (PROTOCOL.md
 * §2-3), so the integration tests can send signed requests and then tamper
 * with them.  The keys come from sipward-client's SA file (a real Kerberos /
 * NTLM initiator established the SA through sipwardd); the signature is
 * computed with crypto/sig.h, which tests/xcheck cross-checks against MIT
 * krb5's and gss-ntlmssp's gss_get_mic.
 *
 *   sw_sign --scheme Kerberos|NTLM --key HEX [--enctype N] [--seq N]
 *           [--acceptor-subkey] --opaque O --realm R --targetname T
 *           --version V --cnum N [--crand 8HEX] [--hdr NAME] [--no-version]
 *           < request > signed-request
 *
 * The request on stdin has CRLF line ends and no credentials of ours; the
 * credentials header is inserted as the last header line.  Responses are
 * signed the same way (the buffer then ends with the status code).
 *
 *   sw_sign --verify --scheme S --key HEX [--enctype N] [--version V] [--hdr NAME] < message
 *
 * checks, as the client does (MS-SIPAE §3.2.5.2), the server's signature in
 * the message's NAME header (default Proxy-Authentication-Info): signed
 * buffer with its srand/snum/realm/targetname, server-direction key.  Exit
 * 0 valid, 1 not (reason on stderr), 2 usage.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "crypto/wbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

static struct sw_span
span_of(const char *s)
{
	struct sw_span sp = { s, (uint16_t)strlen(s) };

	return sp;
}

/* --verify: the server signature in header @p hdr of @p msg under @p k. */
static int
verify(const struct sw_sip_msg *msg, const char *hdr, const struct sw_sig_key *k,
       unsigned int version)
{
	static uint8_t sb[SW_SIGBUF_MAX];
	struct sw_sigbuf_auth a;
	struct sw_auth info;
	struct sw_wbuf w;
	struct sw_span rsp;
	uint8_t tok[SW_SIG_TOKEN_MAX];
	uint32_t off;
	uint16_t i;
	int n;

	for (i = 0; i < msg->n_hdr; i++)
		if (sw_span_ieq(msg->hdr[i].name, hdr))
			break;
	if (i == msg->n_hdr) {
		fprintf(stderr, "sw_sign: no %s header\n", hdr);
		return 1;
	}
	if (sw_auth_parse(msg->hdr[i].value, &info, &off) != SW_AUTH_OK) {
		fprintf(stderr, "sw_sign: %s does not parse (offset %u)\n", hdr, off);
		return 1;
	}
	a.scheme = info.scheme;
	a.rand = sw_auth_get(&info, SW_AUTH_P_SRAND);
	a.num = sw_auth_get(&info, SW_AUTH_P_SNUM);
	a.realm = sw_auth_get(&info, SW_AUTH_P_REALM);
	a.targetname = sw_auth_get(&info, SW_AUTH_P_TARGETNAME);
	a.version = version;
	rsp = sw_auth_get(&info, SW_AUTH_P_RSPAUTH);
	if (a.rand.len == 0 || a.num.len == 0 || rsp.len == 0) {
		fprintf(stderr, "sw_sign: srand, snum or rspauth missing\n");
		return 1;
	}
	n = sw_hex_decode(rsp.p, rsp.len, tok, sizeof(tok));
	sw_wbuf_init(&w, sb, sizeof(sb));
	if (n <= 0 || sw_sigbuf_build(msg, &a, &w) != 0 || !sw_wbuf_ok(&w))
		return 1;
	if (sw_sig_verify(k, w.p, w.len, tok, (size_t)n) != 0) {
		fprintf(stderr, "sw_sign: server signature does not verify\n");
		return 1;
	}
	printf("server signature ok: snum %.*s\n", (int)a.num.len, a.num.p);
	return 0;
}

int
main(int argc, char **argv)
{
	static char in[65536];
	static uint8_t sb[SW_SIGBUF_MAX];
	static struct sw_sip_msg msg;
	const char *scheme = NULL, *keyhex = NULL, *opaque = NULL, *realm = NULL, *target = NULL;
	const char *crand = "0a1b2c3d", *hdr = "Proxy-Authorization";
	unsigned long long seq = 0, cnum = 1;
	int enctype = 0, version = 3, no_version = 0, acc = 0, do_verify = 0, c, n;
	uint8_t key[64], tok[SW_SIG_TOKEN_MAX];
	char hex[2 * SW_SIG_TOKEN_MAX + 1], cnum_s[24];
	struct sw_sigbuf_auth a;
	struct sw_sig_key k;
	struct sw_wbuf w;
	size_t len;
	int klen;
	static const struct option opts[] = {
		{ "scheme", 1, NULL, 's' }, { "key", 1, NULL, 'k' },
		{ "enctype", 1, NULL, 'e' }, { "seq", 1, NULL, 'q' },
		{ "opaque", 1, NULL, 'o' }, { "realm", 1, NULL, 'r' },
		{ "targetname", 1, NULL, 't' }, { "version", 1, NULL, 'v' },
		{ "cnum", 1, NULL, 'n' }, { "crand", 1, NULL, 'c' },
		{ "hdr", 1, NULL, 'h' }, { "no-version", 0, NULL, 'V' },
		{ "acceptor-subkey", 0, NULL, 'A' }, { "verify", 0, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': scheme = optarg; break;
		case 'k': keyhex = optarg; break;
		case 'e': enctype = atoi(optarg); break;
		case 'q': seq = strtoull(optarg, NULL, 10); break;
		case 'o': opaque = optarg; break;
		case 'r': realm = optarg; break;
		case 't': target = optarg; break;
		case 'v': version = atoi(optarg); break;
		case 'n': cnum = strtoull(optarg, NULL, 10); break;
		case 'c': crand = optarg; break;
		case 'h': hdr = optarg; break;
		case 'V': no_version = 1; break;
		case 'A': acc = 1; break;
		case 'C': do_verify = 1; break;
		default: return 2;
		}
	}
	if (do_verify && (scheme == NULL || keyhex == NULL)) {
		fprintf(stderr, "sw_sign: --verify needs --scheme --key\n");
		return 2;
	}
	if (!do_verify && (scheme == NULL || keyhex == NULL || opaque == NULL || realm == NULL ||
			   target == NULL)) {
		fprintf(stderr, "sw_sign: --scheme --key --opaque --realm --targetname needed\n");
		return 2;
	}
	len = fread(in, 1, sizeof(in), stdin);
	if (sw_sip_parse(in, len, &msg) != SW_SIP_OK) {
		fprintf(stderr, "sw_sign: input does not parse (offset %u)\n", msg.err_off);
		return 1;
	}
	klen = sw_hex_decode(keyhex, strlen(keyhex), key, sizeof(key));
	if (klen < 0)
		return 1;
	{
		enum sw_dir dir = do_verify ? SW_DIR_S2C : SW_DIR_C2S;

		if (sw_scheme_from(scheme, strlen(scheme)) == SW_SCHEME_NTLM)
			n = sw_sig_key_init_ntlm(&k, key, dir);
		else
			n = sw_sig_key_init_krb(&k, enctype, key, (size_t)klen, dir);
	}
	if (n == 0 && acc)
		n = sw_sig_key_set_acceptor_subkey(&k, 1);
	if (n != 0) {
		fprintf(stderr, "sw_sign: key: %d\n", n);
		return 1;
	}
	if (do_verify) {
		/* The credentials header names the family: its info header. */
		const char *ih = strcmp(hdr, "Proxy-Authorization") == 0
					 ? "Proxy-Authentication-Info"
					 : strcmp(hdr, "Authorization") == 0 ? "Authentication-Info" : hdr;

		n = verify(&msg, ih, &k, (unsigned int)version);
		sw_sig_key_wipe(&k);
		return n;
	}
	snprintf(cnum_s, sizeof(cnum_s), "%llu", cnum);
	a.scheme = span_of(scheme);
	a.rand = span_of(crand);
	a.num = span_of(cnum_s);
	a.realm = span_of(realm);
	a.targetname = span_of(target);
	a.version = (unsigned int)version;
	sw_wbuf_init(&w, sb, sizeof(sb));
	if (sw_sigbuf_build(&msg, &a, &w) != 0)
		return 1;
	n = sw_sig_sign(&k, w.p, w.len, seq, tok, sizeof(tok));
	sw_sig_key_wipe(&k);
	if (n < 0)
		return 1;
	sw_hex_encode(tok, (size_t)n, hex, sizeof(hex));
	/* Everything up to the empty line, our header, the empty line, the body. */
	fwrite(in, 1, msg.hdr_len - 2, stdout);
	printf("%s: %s qop=\"auth\", opaque=\"%s\", realm=\"%s\", targetname=\"%s\", "
	       "crand=\"%s\", cnum=\"%s\"",
	       hdr, scheme, opaque, realm, target, crand, cnum_s);
	if (!no_version)
		printf(", version=%d", version);
	printf(", response=\"%s\"\r\n\r\n", hex);
	fwrite(in + msg.hdr_len, 1, len - msg.hdr_len, stdout);
	return 0;
}
