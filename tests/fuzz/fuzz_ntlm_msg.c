/*
 * libFuzzer target: the NTLM message parsers (ctrlplane/ntlm_msg.c) and the
 * native acceptor's AUTHENTICATE path (ctrlplane/cp_ntlm.c) on arbitrary
 * input.  Every returned span must lie inside the input; the acceptor must
 * return a defined outcome and never accept (nobody knows the password).
 * Seeds: tests/fuzz/corpus/ntlm_msg/ (real gss-ntlmssp and sipward messages).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlplane/cp_ntlm.h"
#include "ctrlplane/ntlm_msg.h"
#include "ctrlplane/ntlm_users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
in_bounds(const struct sw_ntlm_span *s, const uint8_t *buf, size_t len)
{
	if (s->len != 0 && (s->p < buf || s->p + s->len > buf + len))
		abort();
}

static int64_t
fixed_clock(void *arg)
{
	(void)arg;
	return 1764590000; /* the seeds' timestamps do not matter: parsing comes first */
}

static struct sw_cp_ntlm *acc;
static struct sw_cp_ntlm_pending pending;

static void
setup(void)
{
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct sw_cp_ntlm_cfg cfg = {.nb_domain = "DOMAINB",
				     .nb_computer = "PROXY",
				     .dns_domain = "domainb.test",
				     .clock = fixed_clock};
	struct sw_ntlm_users *users;
	uint8_t h[16];
	int n;

	if (sw_ntlm_users_create(&users) != 0 || sw_ntlm_nt_hash("fuzz-pw", 7, h) != 0 ||
	    sw_ntlm_users_add(users, "DOMAINB", "bob", h, false) != 0 ||
	    sw_ntlm_users_add(users, "", "any", h, false) != 0 ||
	    sw_cp_ntlm_create(&cfg, users, &acc) != 0)
		abort();
	n = sw_ntlm_build_challenge(pending.msg, sizeof(pending.msg), SW_CP_NTLM_CHALLENGE_FLAGS,
				    (struct sw_ntlm_span){NULL, 0}, chal,
				    (struct sw_ntlm_span){(const uint8_t *)"\0\0\0\0", 4}, NULL);
	if (n < 0)
		abort();
	pending.len = (uint16_t)n;
	memcpy(pending.server_challenge, chal, 8);
	pending.created = fixed_clock(NULL);
	/* users stays allocated for the life of the process, as the acceptor borrows it. */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_ntlm_negotiate ng;
	struct sw_ntlm_challenge c;
	struct sw_ntlm_authenticate a;
	struct sw_ntlm_av_list l;
	struct sw_ntlm_v2_response v2;
	struct sw_cp_ntlm_sa sa;
	enum sw_cp_ntlm_rc rc;
	uint32_t off;

	if (acc == NULL)
		setup();

	if (sw_ntlm_parse_negotiate(data, size, &ng, &off) == SW_NTLM_MSG_OK) {
		in_bounds(&ng.domain, data, size);
		in_bounds(&ng.workstation, data, size);
	}
	if (sw_ntlm_parse_challenge(data, size, &c, &off) == SW_NTLM_MSG_OK) {
		in_bounds(&c.target_name, data, size);
		in_bounds(&c.target_info, data, size);
		if (sw_ntlm_av_parse(c.target_info.p, c.target_info.len, &l, &off) ==
		    SW_NTLM_MSG_OK) {
			for (unsigned int i = 0; i < l.n; i++)
				in_bounds(&l.av[i].value, c.target_info.p, c.target_info.len);
			if (l.len > c.target_info.len)
				abort();
		}
	}
	if (sw_ntlm_parse_authenticate(data, size, &a, &off) == SW_NTLM_MSG_OK) {
		in_bounds(&a.lm_response, data, size);
		in_bounds(&a.nt_response, data, size);
		in_bounds(&a.domain, data, size);
		in_bounds(&a.user, data, size);
		in_bounds(&a.workstation, data, size);
		in_bounds(&a.enc_session_key, data, size);
		if (sw_ntlm_parse_v2_response(a.nt_response.p, a.nt_response.len, &v2, &off) ==
		    SW_NTLM_MSG_OK)
			in_bounds(&v2.blob, a.nt_response.p, a.nt_response.len);
	}
	/* Raw AV list and NTLMv2 response parsers on the whole input. */
	if (sw_ntlm_av_parse(data, size, &l, &off) == SW_NTLM_MSG_OK && l.len > size)
		abort();
	(void)sw_ntlm_parse_v2_response(data, size, &v2, &off);

	rc = sw_cp_ntlm_authenticate(acc, &pending, data, size, &sa);
	if ((unsigned int)rc >= SW_CP_NTLM_RC_MAX || rc == SW_CP_NTLM_OK)
		abort();
	return 0;
}
