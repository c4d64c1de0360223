#ifndef SW_BENCH_FIXTURE_ENGINE_H
#define SW_BENCH_FIXTURE_ENGINE_H

/**
 * @file
 * The whole sipwardd pipeline in-process (issue 4 benchmark): two net_ring
 * ports (clients, upstream), a real SA table (ctrlplane/sa_table.h) of
 * @p n_sa SAs, pre-built signed INVITEs as Ethernet frames; each run copies
 * frames into mbufs, enqueues them on the client port's rx rings, runs the
 * polling lcores' loop (parse, SA lookup, replay pre-check, signed buffer,
 * one sw_mac_verify_burst per batch, commit, our Via, forward) and drains
 * the upstream port's tx rings.  The response direction answers each
 * forwarded request with a 200 OK from upstream, which the engine signs for
 * the client's SA and relays on the client port; the incoming request
 * direction follows it with a BYE from the callee through the engine's
 * Record-Route (flow token), which the engine signs and relays the same
 * way.  Needs an initialised EAL.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sw_bench_eng;

/** scheme: 1 NTLM, 2 Kerberos (aes128-cts-hmac-sha1-96).  @p n_lcores 1 or 2. */
struct sw_bench_eng *sw_bench_eng_new(int scheme, uint32_t n_sa, unsigned int n_lcores);
void sw_bench_eng_free(struct sw_bench_eng *b);

/**
 * Push one pass of the pre-built traffic (every template once, split over
 * the lcores, each on its own EAL lcore) through the engine.  Replay windows
 * are reset before the pass (not timed).
 * @return seconds the pass took; *forwarded gets the frames that left on the
 *   upstream port (must equal *sent).
 */
double sw_bench_eng_pass(struct sw_bench_eng *b, uint64_t *sent, uint64_t *forwarded);

/**
 * Build the response traffic, once per fixture (later calls return the first
 * outcome): one untimed request pass (shared with
 * sw_bench_eng_inb_prepare()) whose forwarded requests (the engine's own Via
 * on top) become "SIP/2.0 200 OK" as the upstream UAS would send them
 * (RFC 3261 §8.2.6), then one untimed response pass that must relay every
 * one to its client, signed (verdict resp_signed, rspauth present).
 * @return 0; or a negative errno and *why saying what the counters showed.
 */
int sw_bench_eng_rsp_prepare(struct sw_bench_eng *b, const char **why);

/**
 * Push one pass of the responses (upstream port in, client port out, each
 * lcore the responses for its own SAs).  Needs sw_bench_eng_rsp_prepare().
 * @return seconds the pass took; *relayed gets the frames that left on the
 *   client port, *signed_out the responses the lcores counted resp_signed
 *   (both must equal *sent).
 */
double sw_bench_eng_rsp_pass(struct sw_bench_eng *b, uint64_t *sent, uint64_t *relayed,
			     uint64_t *signed_out);

/** Average 200 OK frame length as the upstream sends it (before signing). */
unsigned int sw_bench_eng_rsp_len(const struct sw_bench_eng *b);

/**
 * Build the incoming request traffic (README "Incoming requests"), once per
 * fixture (later calls return the first outcome): from the same untimed
 * request pass as the responses, each forwarded INVITE's Record-Route (the
 * engine's Path URI with the flow token) becomes the Route of the callee's
 * in-dialog BYE as its UAS would send it (RFC 3261 §12.2.1.1: Request-URI
 * the caller's Contact), from the upstream to the engine's upstream-side
 * address; then one untimed pass that must relay every one to its client
 * with our Via on top, our Route popped and signed (verdict fwd_inbound,
 * rspauth present).
 * @return 0; or a negative errno and *why saying what the counters showed.
 */
int sw_bench_eng_inb_prepare(struct sw_bench_eng *b, const char **why);

/**
 * Push one pass of the incoming requests (upstream port in, client port
 * out, each lcore the requests for its own SAs).  Needs
 * sw_bench_eng_inb_prepare().
 * @return seconds the pass took; *relayed gets the frames that left on the
 *   client port, *signed_out the requests the lcores counted fwd_inbound
 *   (both must equal *sent).
 */
double sw_bench_eng_inb_pass(struct sw_bench_eng *b, uint64_t *sent, uint64_t *relayed,
			     uint64_t *signed_out);

/** Average BYE frame length as the upstream sends it (before signing). */
unsigned int sw_bench_eng_inb_len(const struct sw_bench_eng *b);

/** Bytes the SA table's lcore-visible part takes per SA (records, hash, free
 *  stack, defer queue, ext blocks), measured from rte_malloc stats. */
double sw_bench_eng_bytes_per_sa(const struct sw_bench_eng *b);

/** Bytes of cold (control-plane-only) records per SA: full keys, user, AP-REP. */
double sw_bench_eng_cold_per_sa(const struct sw_bench_eng *b);

/** Average signed INVITE frame length. */
unsigned int sw_bench_eng_frame_len(const struct sw_bench_eng *b);

/** Thread CPU seconds the lcores used in the last pass (summed). */
double sw_bench_eng_cpu(const struct sw_bench_eng *b);

/** Jobs per multi-buffer call in the last pass: verifications per
 *  sw_mac_verify_burst() (requests), signatures per sw_mac_compute_burst()
 *  (responses, incoming requests; 0 while the engine signs them one by one
 *  outside any burst). */
double sw_bench_eng_batch(const struct sw_bench_eng *b);

#ifdef __cplusplus
}
#endif

#endif
