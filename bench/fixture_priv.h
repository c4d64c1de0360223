#ifndef SW_BENCH_FIXTURE_PRIV_H
#define SW_BENCH_FIXTURE_PRIV_H

/* Private to bench/fixture*.c: the layout of a benchmark set. */

#include <stdbool.h>
#include <stdint.h>

#include "bench/fixture.h"
#include "crypto/mac.h"
#include "crypto/sig.h"
#include "crypto/sigbuf.h"
#include "dataplane/sip_auth.h"
#include "dataplane/sip_parse.h"

#define SW_BENCH_MSG_MAX    2048u
#define SW_BENCH_SA_BUCKETS 256u /* power of two, > 2 * SW_BENCH_SET_MAX */
#define SW_BENCH_SLOT	    (SW_SIG_HEADROOM + SW_SIGBUF_MAX + SW_SIG_TAILROOM)

/* The per-client values a message is rendered from. */
struct sw_bench_gen {
	unsigned int host, port, user, peer;
	uint32_t branch, tag, epid, cid[3], cseq, tel, crand, cnum, opaque;
	uint64_t instance;
};

struct sw_bench_set {
	int kind;
	int alg;
	unsigned int n;
	/* client side */
	struct sw_bench_gen gen[SW_BENCH_SET_MAX];
	char msg[SW_BENCH_SET_MAX][SW_BENCH_MSG_MAX];
	size_t msg_len[SW_BENCH_SET_MAX];
	/* server side: SAs by opaque */
	struct sw_sig_key key[SW_BENCH_SET_MAX];
	char opaque[SW_BENCH_SET_MAX][9];
	int16_t bucket[SW_BENCH_SA_BUCKETS];
	/* parsed once, for the signed-buffer and verify benches */
	struct sw_sip_msg parsed[SW_BENCH_SET_MAX];
	struct sw_auth auth[SW_BENCH_SET_MAX];
	struct sw_sigbuf_auth sa[SW_BENCH_SET_MAX];
	size_t sigbuf_len[SW_BENCH_SET_MAX];
	/* prepared verify jobs and what they point to */
	uint8_t slot[SW_BENCH_SET_MAX][SW_BENCH_SLOT];
	uint8_t tok[SW_BENCH_SET_MAX][SW_SIG_TOKEN_MAX];
	uint8_t tag[SW_BENCH_SET_MAX][SW_MAC_TAG_MAX];
	struct sw_mac_job job[SW_BENCH_SET_MAX];
	/* the fast path's own per-burst scratch (per-lcore state in the engine) */
	uint8_t fp_slot[SW_BENCH_SET_MAX][SW_BENCH_SLOT];
	uint8_t fp_tok[SW_BENCH_SET_MAX][SW_SIG_TOKEN_MAX];
	uint8_t fp_tag[SW_BENCH_SET_MAX][SW_MAC_TAG_MAX];
	struct sw_mac_job fp_job[SW_BENCH_SET_MAX];
	struct sw_sip_msg scratch_msg;
	struct sw_auth scratch_auth;
	uint8_t scratch_slot[SW_BENCH_SLOT];
	uint8_t ok[SW_BENCH_SET_MAX];
	/* OpenSSL baseline */
	uint8_t hmac_key[32];
	size_t hmac_key_len;
};

#endif /* SW_BENCH_FIXTURE_PRIV_H */
