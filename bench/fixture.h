#ifndef SW_BENCH_FIXTURE_H
#define SW_BENCH_FIXTURE_H

/**
 * @file
 * C fixtures for the Google Benchmark glue in bench/bench_sipward.cc
 * (STYLE.md 20: the .cc files time, the C code builds and runs).
 *
 * A set is n (1..64) realistic Lync-style signed requests, each from its own
 * client with its own security association (opaque, key), deterministically
 * derived from a seed: REGISTER (~1 KB, no body) or INVITE (~1.2 KB with a
 * small SDP body), signed with NTLM or a Kerberos enctype (17, 18, 19, 20,
 * 23) exactly as a client would (crypto/sigbuf + crypto/sig).  The set also
 * holds the server side: an opaque -> key table, and verification jobs
 * prepared once so that the verify benchmarks time the MAC engine alone.
 *
 * Every function here is for the benchmark binary only.  Not thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sw_bench_kind {
	SW_BENCH_REGISTER = 0,
	SW_BENCH_INVITE = 1,
};

/** Algorithm ids used by the benches: 0 is NTLM, anything else a Kerberos enctype. */
#define SW_BENCH_NTLM 0

/** Largest set. */
#define SW_BENCH_SET_MAX 64

struct sw_bench_set;
struct sw_mac_engine;

/** "REGISTER" / "INVITE". */
const char *sw_bench_kind_name(int kind);

/** "ntlm", "krb17", ... for labels; "?" if unknown. */
const char *sw_bench_alg_name(int alg);

/**
 * Build a set of @p n signed messages.
 * @return 0, -EINVAL (bad n, kind or alg), -ENOMEM, or the error of the
 *   first library call that failed (the parser or crypto rejecting its own
 *   output is a bug, reported here rather than benchmarked).
 */
int sw_bench_set_new(int kind, int alg, unsigned int n, uint64_t seed,
		     struct sw_bench_set **set_out);

void sw_bench_set_free(struct sw_bench_set *s);

/** Bytes of message @p i (for SetBytesProcessed). */
size_t sw_bench_msg_len(const struct sw_bench_set *s, unsigned int i);

/** Bytes of the signed buffer of message @p i. */
size_t sw_bench_sigbuf_len(const struct sw_bench_set *s, unsigned int i);

/** sw_sip_parse() of message @p i.  @return the parse result (0 = ok). */
int sw_bench_parse(struct sw_bench_set *s, unsigned int i);

/**
 * sw_auth_select() of our Proxy-Authorization (realm + targetnames) in
 * message @p i, parsed once at set creation.  @return the result (0 = ok).
 */
int sw_bench_auth_select(struct sw_bench_set *s, unsigned int i);

/**
 * sw_sigbuf_build() of message @p i from its parsed form (parsed once at
 * set creation).  @return bytes written, or a negative errno.
 */
int sw_bench_sigbuf(struct sw_bench_set *s, unsigned int i);

/**
 * sw_mac_verify_burst() over the set's n prepared jobs.
 * @return number of valid tags (n when all is well), or a negative errno.
 */
int sw_bench_verify(struct sw_bench_set *s, struct sw_mac_engine *eng);

/**
 * The whole per-burst fast path over all n messages: parse, select our
 * Proxy-Authorization (realm + targetname), SA lookup by opaque, signed
 * buffer into a slot, hex-decode the response, sw_sig_job_prep(), then one
 * sw_mac_verify_burst().  @return number of messages verified valid.
 */
int sw_bench_fast_path(struct sw_bench_set *s, struct sw_mac_engine *eng);

/**
 * Baseline: OpenSSL's one-shot HMAC() (for enctype 23: MD5() then HMAC())
 * over exactly the bytes job @p i's MAC covers, with a key of the same
 * length.  @return 0, or -EIO if OpenSSL failed.
 */
int sw_bench_openssl_hmac(struct sw_bench_set *s, unsigned int i);

/** Create a MAC engine (SW_MAC_IMPL_MB = 0, SW_MAC_IMPL_REF = 1). */
int sw_bench_engine_create(int impl, struct sw_mac_engine **eng_out);

void sw_bench_engine_free(struct sw_mac_engine *eng);

/** Implementation intel-ipsec-mb / OpenSSL chose for algorithm @p alg. */
const char *sw_bench_engine_arch(const struct sw_mac_engine *eng, int alg);

/*
 * GSS-API baselines on real contexts (PROTOCOL.md §5).  They need a realm
 * started by tests/realm/krb5-realm.sh and its DIR/env in the environment
 * (SW_REALM_DIR, SW_USER_PRINC, ...); without it they fail with -ENOENT and a
 * message, and the benchmark skips.
 */
struct sw_bench_gss;

/**
 * MIT krb5: kinit (password, session enctype forced by DIR/krb5-eNN.conf),
 * one-leg Lync-style context (integrity + identify, no mutual), and the
 * client's gss_get_mic over the signed buffer of message 0 of @p s.
 * Must be called before sw_bench_gss_ntlm_new() in a process (PROTOCOL.md §6).
 */
int sw_bench_gss_krb_new(const struct sw_bench_set *s, int enctype, struct sw_bench_gss **out,
			 char *err, size_t err_len);

/**
 * gss-ntlmssp loaded with dlopen (its own gss_* entry points), connectionless
 * NTLMv2 context with the realm's NTLM_USER_FILE account, sequence number 100
 * on both sides, and the client's MIC over message 0's signed buffer.
 */
int sw_bench_gss_ntlm_new(const struct sw_bench_set *s, struct sw_bench_gss **out, char *err,
			  size_t err_len);

/**
 * One gss_verify_mic() on the acceptor (for gss-ntlmssp preceded by the
 * sequence-number reset every MS-SIPAE message needs).  @return 0 if valid.
 */
int sw_bench_gss_verify(struct sw_bench_gss *g);

/**
 * The baseline a user would pick instead of sipward: one message at a time,
 * our parse + credential selection + signed buffer + response= decode, then
 * gss_verify_mic() (MIT or gss-ntlmssp) on the buffer just built.
 * @return 0 if valid.
 */
int sw_bench_gss_full(struct sw_bench_gss *g);

void sw_bench_gss_free(struct sw_bench_gss *g);

#ifdef __cplusplus
}
#endif

#endif /* SW_BENCH_FIXTURE_H */
