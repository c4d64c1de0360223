#ifndef SW_TEST_PROXY_SIM_H
#define SW_TEST_PROXY_SIM_H

/*
 * A small in-process MS-SIPAE proxy chain for the client's end-to-end tests,
 * until sipwardd's control plane (ctrlplane/cp.h) can be driven directly.
 * One UDP socket on 127.0.0.1 and a thread; one to two logical proxies on the
 * path (patent FIG. 5), each with its own targetname, scheme, version, 401/407
 * family and SA table, then a registrar/UA that answers 200.
 *
 * Real crypto throughout: Kerberos AP-REQs are accepted with the control
 * plane's acceptor (ctrlplane/cp_krb.h, the realm keytab) or with raw MIT
 * GSS-API (gss_accept_sec_context, gss_verify_mic, gss_get_mic); NTLM with the
 * control plane's native NTLMv2 acceptor (ctrlplane/cp_ntlm.h, accounts of the
 * realm's NTLM_USER_FILE); signatures are checked and made with crypto/sig.h
 * (or MIT's MIC for the MIT backend).  Knobs make it misbehave for the
 * rejection tests.
 */

#include <stdbool.h>
#include <stdint.h>

enum ps_mech {
	PS_KRB_CP = 1, /* ctrlplane/cp_krb + crypto/sig */
	PS_KRB_MIT,    /* raw MIT GSS-API acceptor: gss_verify_mic / gss_get_mic */
	PS_NTLM_CP,    /* ctrlplane/cp_ntlm + crypto/sig */
};

struct ps_proxy_cfg {
	enum ps_mech mech;
	const char *targetname; /* "sip/proxy.domainb.test" or "proxy.domainb.test" */
	const char *realm;	/* NULL: "SIP Communications Service" */
	unsigned int version;	/* 2, 3, 4 */
	uint16_t family;	/* 401 or 407 */
	/* Misbehaviour, applied to answers to signed requests (not to handshakes). */
	bool flip_rspauth;		/* one bit of every rspauth flipped */
	bool omit_sig;			/* no info header at all */
	unsigned int rechallenge_fresh; /* challenge the first signed request of a fresh SA,
					 * this many times */
	bool reject_handshake;		/* answer every handshake leg with a new challenge */
	bool no_aprep;			/* mutual auth asked, but the AP-REP is not sent back */
	bool lenient_version;		/* a signed request without version= has the SA's version
					 * (pidgin-sipe); default: absent means 2, as the engine does */
	bool lose_first_answer;		/* every request is processed but its first answer lost: the
					 * client's retransmission gets the cached one */
};

#define PS_PROXY_MAX 2u

struct ps_cfg {
	unsigned int n_proxy;
	struct ps_proxy_cfg proxy[PS_PROXY_MAX];
};

struct ps_stats {
	unsigned int requests, challenges, handshakes, established, verified, bad_sig, rechallenged,
		acks, retrans_answered, removed, lost;
};

struct ps;

/* Bind 127.0.0.1:0, create the acceptors, start the thread.  0 or -errno. */
int ps_start(const struct ps_cfg *cfg, struct ps **out);
uint16_t ps_port(const struct ps *p);
void ps_stats_get(struct ps *p, struct ps_stats *out);
/* Forget every SA (a restarted proxy): the next signed request is challenged. */
void ps_forget(struct ps *p);
/* Change a knob of proxy @p i while running. */
void ps_set_flip(struct ps *p, unsigned int i, bool flip);
void ps_set_omit(struct ps *p, unsigned int i, bool omit);
void ps_stop(struct ps *p);

#endif /* SW_TEST_PROXY_SIM_H */
