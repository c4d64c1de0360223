// sipwardd whole pipeline (rx -> parse -> SA lookup -> verify -> commit -> our Via
// -> tx; upstream's responses: rx -> parse -> our Via -> SA lookup -> sign -> tx to
// the client; and upstream's requests to clients: rx -> parse -> flow token -> SA
// lookup -> our Via -> sign -> tx to the client) on net_ring ports: Google Benchmark
// glue only; the fixture is C (bench/fixture_engine.c).  EAL options come from
// SW_BENCH_EAL (default: "-l 0-1 --no-huge --no-pci -m 3072"), benchmark options
// from argv.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "bench/fixture_engine.h"

static std::map<std::tuple<int, uint32_t, unsigned>, sw_bench_eng *> fixtures;

static sw_bench_eng *
fixture(int scheme, uint32_t n_sa, unsigned lcores)
{
	auto key = std::make_tuple(scheme, n_sa, lcores);
	auto it = fixtures.find(key);

	if (it != fixtures.end())
		return it->second;
	// One big fixture at a time: free the others (1M SAs take ~1.3 GB).
	for (auto &f : fixtures)
		sw_bench_eng_free(f.second);
	fixtures.clear();
	auto *b = sw_bench_eng_new(scheme, n_sa, lcores);
	if (b != nullptr)
		fixtures[key] = b;
	return b;
}

// The counters both directions report; frame_len is the input frame.
static void
set_counters(benchmark::State &state, sw_bench_eng *b, unsigned lcores, uint64_t msgs,
	     double cpu, unsigned frame_len)
{
	const double bytes_per_sa = sw_bench_eng_bytes_per_sa(b);

	state.SetItemsProcessed(static_cast<int64_t>(msgs));
	state.SetBytesProcessed(static_cast<int64_t>(msgs) * frame_len);
	state.counters["Mmsg_s"] = benchmark::Counter(static_cast<double>(msgs) / 1e6,
						      benchmark::Counter::kIsRate);
	state.counters["Mmsg_s_per_lcore"] = benchmark::Counter(
		static_cast<double>(msgs) / 1e6 / lcores, benchmark::Counter::kIsRate);
	// On a shared host the wall clock includes time other processes had the
	// core: this is messages per second of CPU actually given to the lcores.
	state.counters["Mmsg_per_cpu_s"] = static_cast<double>(msgs) / 1e6 / cpu;
	state.counters["bytes_per_sa"] = bytes_per_sa; // lcore-visible table
	state.counters["cold_per_sa"] = sw_bench_eng_cold_per_sa(b);
	state.counters["total_per_sa"] = bytes_per_sa + sw_bench_eng_cold_per_sa(b);
	state.counters["frame_len"] = frame_len;
}

static sw_bench_eng *
fixture_for(benchmark::State &state)
{
	const auto lcores = static_cast<unsigned>(state.range(2));

	if (rte_lcore_count() < lcores) {
		state.SkipWithError("not enough EAL lcores");
		return nullptr;
	}
	auto *b = fixture(static_cast<int>(state.range(0)), static_cast<uint32_t>(state.range(1)),
			  lcores);
	if (b == nullptr)
		state.SkipWithError("fixture setup failed");
	return b;
}

static void
BM_pipeline(benchmark::State &state)
{
	const auto lcores = static_cast<unsigned>(state.range(2));
	uint64_t msgs = 0, fwd = 0;
	double batch_sum = 0, cpu = 0;

	auto *b = fixture_for(state);
	if (b == nullptr)
		return;
	for (auto _ : state) {
		uint64_t s, f;
		double secs = sw_bench_eng_pass(b, &s, &f);

		state.SetIterationTime(secs);
		msgs += s;
		fwd += f;
		batch_sum += sw_bench_eng_batch(b);
		cpu += sw_bench_eng_cpu(b);
	}
	if (fwd != msgs)
		state.SkipWithError("not every message was verified and forwarded");
	set_counters(state, b, lcores, msgs, cpu, sw_bench_eng_frame_len(b));
	state.counters["batch"] = batch_sum / static_cast<double>(state.iterations());
}
// scheme: 1 NTLM (HMAC-MD5), 2 Kerberos aes128-cts-hmac-sha1-96.
BENCHMARK(BM_pipeline)
	->ArgNames({"scheme", "sas", "lcores"})
	->ArgsProduct({{1, 2}, {1, 1000000}, {1, 2}})
	->UseManualTime()
	->Unit(benchmark::kMillisecond);

// The two directions from upstream to the clients: traffic built and checked once,
// untimed (prepare), then timed passes; batch: signatures per multi-buffer call.
using prepare_fn = int (*)(sw_bench_eng *, const char **);
using pass_fn = double (*)(sw_bench_eng *, uint64_t *, uint64_t *, uint64_t *);
using len_fn = unsigned (*)(const sw_bench_eng *);

static void
to_clients(benchmark::State &state, prepare_fn prepare, pass_fn pass, len_fn len,
	   const char *lost)
{
	const auto lcores = static_cast<unsigned>(state.range(2));
	uint64_t msgs = 0, relayed = 0, signed_n = 0;
	double batch_sum = 0, cpu = 0;
	const char *why;

	auto *b = fixture_for(state);
	if (b == nullptr)
		return;
	if (prepare(b, &why) != 0) {
		state.SkipWithError(why);
		return;
	}
	for (auto _ : state) {
		uint64_t s, r, g;
		double secs = pass(b, &s, &r, &g);

		state.SetIterationTime(secs);
		msgs += s;
		relayed += r;
		signed_n += g;
		cpu += sw_bench_eng_cpu(b);
		batch_sum += sw_bench_eng_batch(b);
	}
	if (relayed != msgs || signed_n != msgs)
		state.SkipWithError(lost);
	set_counters(state, b, lcores, msgs, cpu, len(b));
	state.counters["batch"] = batch_sum / static_cast<double>(state.iterations());
}

// Upstream's 200 OKs to the requests above, signed for each client's SA
// (Proxy-Authentication-Info rspauth) and relayed to it; batch: the responses of
// one rx burst are signed together (lcore.c out_flush()).
static void
BM_response(benchmark::State &state)
{
	to_clients(state, sw_bench_eng_rsp_prepare, sw_bench_eng_rsp_pass, sw_bench_eng_rsp_len,
		   "not every response was signed and relayed");
}
BENCHMARK(BM_response)
	->ArgNames({"scheme", "sas", "lcores"})
	->ArgsProduct({{1, 2}, {1, 1000000}, {1, 2}})
	->UseManualTime()
	->Unit(benchmark::kMillisecond);

// Requests from upstream to the clients (README "Incoming requests"): the callee's
// BYE in each dialog above, routed by the engine's Record-Route (flow token), given
// our Via and signed for the client's SA (Proxy-Authentication-Info rspauth) on its
// way to the client; batch: signed together per rx burst, as responses are.
static void
BM_inbound(benchmark::State &state)
{
	to_clients(state, sw_bench_eng_inb_prepare, sw_bench_eng_inb_pass, sw_bench_eng_inb_len,
		   "not every incoming request was signed and relayed");
}
BENCHMARK(BM_inbound)
	->ArgNames({"scheme", "sas", "lcores"})
	->ArgsProduct({{1, 2}, {1, 1000000}, {1, 2}})
	->UseManualTime()
	->Unit(benchmark::kMillisecond);

int
main(int argc, char **argv)
{
	const char *env = getenv("SW_BENCH_EAL");
	std::string eal = env != nullptr ? env : "-l 0-1 --no-huge --no-pci -m 3072 --file-prefix sw_bench_eng --log-level lib.eal:error --log-level user1:warning";
	std::vector<std::string> words{"sw_bench_engine"};
	std::istringstream is(eal);
	std::string w;

	while (is >> w)
		words.push_back(w);
	std::vector<char *> eargv;
	for (auto &s : words)
		eargv.push_back(&s[0]);
	if (rte_eal_init(static_cast<int>(eargv.size()), eargv.data()) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	for (auto &f : fixtures)
		sw_bench_eng_free(f.second);
	rte_eal_cleanup();
	return 0;
}
