#ifndef SW_BENCH_FIXTURE_CP_H
#define SW_BENCH_FIXTURE_CP_H

/*
 * Handshake benchmarks of the control plane (issue 3): Kerberos and NTLM
 * handshakes through sw_cp_handle_request(), beside the raw acceptor calls
 * (MIT gss_accept_sec_context; gss-ntlmssp's accept_sec_context, both legs)
 * on the same tokens' kind in the same run.  C only; bench_cp.cc times it.
 *
 * Timing is manual: each call returns the thread CPU seconds spent in the
 * measured part only (the initiator's work is outside it), or a negative
 * value on error.
 * The realm comes from the environment (bench/run-bench.sh) or, when
 * SW_REALM_DIR is unset, is started here (tests/realm) and stopped at exit.
 */

#ifdef __cplusplus
extern "C" {
#endif

/** EAL, realm, initiator credentials.  @return 0, or a negative errno with
 *  *why set to a short reason (the cases are then skipped). */
int sw_bcp_setup(const char **why);

/** Stop what sw_bcp_setup() started. */
void sw_bcp_teardown(void);

/** One Kerberos handshake: AP-REQ from gss_init_sec_context (untimed), then
 *  either the whole REGISTER through sw_cp_handle_request() (raw = 0) or
 *  gss_accept_sec_context on the token + the context's deletion (raw = 1),
 *  or the acceptor module alone, sw_cp_krb_accept() (raw = 2: GSS accept +
 *  lucid export), or MIT's accept with the client name + display name +
 *  lucid export + name release, without our code (raw = 3), or the same
 *  with the context deleted instead of exported (raw = 4: the least any
 *  acceptor that needs the client's name does with MIT's GSS-API). */
double sw_bcp_krb_once(int raw);

/** One NTLM datagram handshake (both legs): through the control plane
 *  (raw = 0) or gss-ntlmssp's acceptor (raw = 1); the initiator is untimed. */
double sw_bcp_ntlm_once(int raw);

/** sw_digest() of a @p len -byte datagram, @p n times; seconds. */
double sw_bcp_digest(unsigned int len, unsigned int n);

#ifdef __cplusplus
}
#endif

#endif /* SW_BENCH_FIXTURE_CP_H */
