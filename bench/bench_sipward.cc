// Google Benchmark glue for sipward.  Only timing lives here: messages, keys,
// the fast path and the baselines are C (bench/fixture.c, bench/fixture_gss.c).
//
// Case names (bench/summary.py parses them):
//   parse/<MSG>                        sw_sip_parse, one message
//   auth_select/<MSG>                  sw_auth_select of our Proxy-Authorization
//   sigbuf/<MSG>                       sw_sigbuf_build from the parsed message
//   verify/<MSG>/<alg>/<mb|ref>/<n>    sw_mac_verify_burst over n prepared jobs
//   fast_path/<MSG>/<alg>/<mb|ref>/32  parse + auth select + SA lookup + build +
//                                      job prep for 32 messages, one verify burst
//   hmac_oneshot/<MSG>/<alg>           OpenSSL HMAC() over the same bytes, one message
//   gss_verify_mic/<MSG>/krb18         MIT krb5 gss_verify_mic, real context
//   gss_ntlmssp_verify_mic/<MSG>/ntlm  gss-ntlmssp gss_verify_mic, real datagram context
//   gss_path/<MSG>/<krb18|ntlm>        what a user would run instead: our parse + auth
//                                      select + build + decode, then gss_verify_mic
//                                      (MIT / gss-ntlmssp), one message at a time
// Items are messages: items_per_second is messages/s.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "bench/fixture.h"

namespace
{

constexpr uint64_t kSeed = 20261201;
constexpr int kAlgs[] = {SW_BENCH_NTLM, 17, 18, 19, 20, 23};
constexpr int kKinds[] = {SW_BENCH_REGISTER, SW_BENCH_INVITE};
constexpr int kBatches[] = {1, 8, 32, 64};
constexpr unsigned int kFastPathBatch = 32;

// Cases that could not run because our own code misbehaved (not a missing
// realm or CPU feature): main() then exits 1, so the 'unit' smoke test catches it.
int g_broken = 0;

void
broken(benchmark::State &st, const std::string &why)
{
	g_broken++;
	st.SkipWithError(why.c_str());
}

// Engines are per thread and expensive to create (the MB one times every
// arch): one of each for the whole run.
struct Engines {
	sw_mac_engine *eng[2] = {nullptr, nullptr};
	int rc[2] = {0, 0};

	Engines()
	{
		rc[0] = sw_bench_engine_create(0, &eng[0]);
		rc[1] = sw_bench_engine_create(1, &eng[1]);
	}
	~Engines()
	{
		sw_bench_engine_free(eng[0]);
		sw_bench_engine_free(eng[1]);
	}
};

Engines &
engines()
{
	static Engines e;
	return e;
}

// Owns a fixture set for the duration of one benchmark run.
struct Set {
	sw_bench_set *s = nullptr;
	int rc;

	Set(int kind, int alg, unsigned int n) : rc(sw_bench_set_new(kind, alg, n, kSeed, &s))
	{
	}
	~Set()
	{
		sw_bench_set_free(s);
	}
	Set(const Set &) = delete;
	Set &operator=(const Set &) = delete;
};

bool
fixture_ok(benchmark::State &st, const Set &set)
{
	if (set.rc == 0)
		return true;
	broken(st, "fixture failed: error " + std::to_string(set.rc));
	return false;
}

sw_mac_engine *
engine(benchmark::State &st, int impl)
{
	Engines &e = engines();

	if (e.eng[impl] == nullptr) {
		st.SkipWithError(impl == 0 ? "MB engine unavailable" : "REF engine unavailable");
		return nullptr;
	}
	return e.eng[impl];
}

void
BM_parse(benchmark::State &st, int kind)
{
	Set set(kind, 18, 32);
	unsigned int i = 0;
	size_t bytes = 0;

	if (!fixture_ok(st, set))
		return;
	for (unsigned int k = 0; k < 32; k++)
		bytes += sw_bench_msg_len(set.s, k);
	if (sw_bench_parse(set.s, 0) != 0) {
		broken(st, "parse failed");
		return;
	}
	for (auto _ : st) {
		int rc = sw_bench_parse(set.s, i++);
		benchmark::DoNotOptimize(rc);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
	st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes / 32));
}

void
BM_auth_select(benchmark::State &st, int kind)
{
	Set set(kind, 18, 32);
	unsigned int i = 0;

	if (!fixture_ok(st, set))
		return;
	if (sw_bench_auth_select(set.s, 0) != 0) {
		broken(st, "auth select failed");
		return;
	}
	for (auto _ : st) {
		int rc = sw_bench_auth_select(set.s, i++);
		benchmark::DoNotOptimize(rc);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

void
BM_sigbuf(benchmark::State &st, int kind)
{
	Set set(kind, 18, 32);
	unsigned int i = 0;

	if (!fixture_ok(st, set))
		return;
	if (sw_bench_sigbuf(set.s, 0) <= 0) {
		broken(st, "signed buffer failed");
		return;
	}
	for (auto _ : st) {
		int rc = sw_bench_sigbuf(set.s, i++);
		benchmark::DoNotOptimize(rc);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
	st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * sw_bench_sigbuf_len(set.s, 0)));
}

void
BM_verify(benchmark::State &st, int kind, int alg, int impl, unsigned int n)
{
	sw_mac_engine *eng = engine(st, impl);
	Set set(kind, alg, n);
	size_t bytes = 0;

	if (eng == nullptr || !fixture_ok(st, set))
		return;
	for (unsigned int k = 0; k < n; k++)
		bytes += sw_bench_sigbuf_len(set.s, k);
	if (sw_bench_verify(set.s, eng) != static_cast<int>(n)) {
		broken(st, "verify rejected a good signature");
		return;
	}
	for (auto _ : st) {
		int ok = sw_bench_verify(set.s, eng);
		benchmark::DoNotOptimize(ok);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * n));
	st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
	st.SetLabel(sw_bench_engine_arch(eng, alg));
}

void
BM_fast_path(benchmark::State &st, int kind, int alg, int impl)
{
	sw_mac_engine *eng = engine(st, impl);
	Set set(kind, alg, kFastPathBatch);
	size_t bytes = 0;

	if (eng == nullptr || !fixture_ok(st, set))
		return;
	for (unsigned int k = 0; k < kFastPathBatch; k++)
		bytes += sw_bench_msg_len(set.s, k);
	if (sw_bench_fast_path(set.s, eng) != static_cast<int>(kFastPathBatch)) {
		broken(st, "fast path rejected a good message");
		return;
	}
	for (auto _ : st) {
		int ok = sw_bench_fast_path(set.s, eng);
		benchmark::DoNotOptimize(ok);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kFastPathBatch));
	st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
	st.SetLabel(sw_bench_engine_arch(eng, alg));
}

void
BM_hmac_oneshot(benchmark::State &st, int kind, int alg)
{
	Set set(kind, alg, 32);
	unsigned int i = 0;

	if (!fixture_ok(st, set))
		return;
	if (sw_bench_openssl_hmac(set.s, 0) != 0) {
		broken(st, "HMAC() failed");
		return;
	}
	for (auto _ : st) {
		int rc = sw_bench_openssl_hmac(set.s, i++);
		benchmark::DoNotOptimize(rc);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
	st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * sw_bench_sigbuf_len(set.s, 0)));
}

// GSS contexts are built once per process: Kerberos first, then gss-ntlmssp
// (PROTOCOL.md §6: loading the NTLM plugin first has broken later MIT accepts).
struct GssContexts {
	Set *krb_set[2] = {nullptr, nullptr};
	Set *ntlm_set[2] = {nullptr, nullptr};
	sw_bench_gss *krb[2] = {nullptr, nullptr};
	sw_bench_gss *ntlm[2] = {nullptr, nullptr};
	std::string krb_err[2], ntlm_err[2];

	GssContexts()
	{
		char err[512];

		for (int k : kKinds) {
			krb_set[k] = new Set(k, 18, 1);
			ntlm_set[k] = new Set(k, SW_BENCH_NTLM, 1);
		}
		for (int k : kKinds) {
			err[0] = '\0';
			if (krb_set[k]->rc != 0)
				krb_err[k] = "fixture failed";
			else if (sw_bench_gss_krb_new(krb_set[k]->s, 18, &krb[k], err,
						      sizeof(err)) != 0)
				krb_err[k] = err;
		}
		for (int k : kKinds) {
			err[0] = '\0';
			if (ntlm_set[k]->rc != 0)
				ntlm_err[k] = "fixture failed";
			else if (sw_bench_gss_ntlm_new(ntlm_set[k]->s, &ntlm[k], err,
						       sizeof(err)) != 0)
				ntlm_err[k] = err;
		}
	}
	~GssContexts()
	{
		for (int k : kKinds) {
			sw_bench_gss_free(krb[k]);
			sw_bench_gss_free(ntlm[k]);
			delete krb_set[k];
			delete ntlm_set[k];
		}
	}
};

GssContexts &
gss()
{
	static GssContexts g;
	return g;
}

void
BM_gss(benchmark::State &st, int kind, bool ntlm)
{
	GssContexts &g = gss();
	sw_bench_gss *ctx = ntlm ? g.ntlm[kind] : g.krb[kind];
	const std::string &err = ntlm ? g.ntlm_err[kind] : g.krb_err[kind];

	if (ctx == nullptr) {
		st.SkipWithError(err.c_str());
		return;
	}
	for (auto _ : st) {
		int rc = sw_bench_gss_verify(ctx);
		benchmark::DoNotOptimize(rc);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

void
BM_gss_path(benchmark::State &st, int kind, bool ntlm)
{
	GssContexts &g = gss();
	sw_bench_gss *ctx = ntlm ? g.ntlm[kind] : g.krb[kind];
	const std::string &err = ntlm ? g.ntlm_err[kind] : g.krb_err[kind];

	if (ctx == nullptr) {
		st.SkipWithError(err.c_str());
		return;
	}
	if (sw_bench_gss_full(ctx) != 0) {
		broken(st, "parse + build + gss_verify_mic failed");
		return;
	}
	for (auto _ : st) {
		int rc = sw_bench_gss_full(ctx);
		benchmark::DoNotOptimize(rc);
	}
	st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

void
register_all()
{
	static const char *const impl_name[] = {"mb", "ref"};
	char name[128];

	for (int k : kKinds) {
		const char *m = sw_bench_kind_name(k);

		std::snprintf(name, sizeof(name), "parse/%s", m);
		benchmark::RegisterBenchmark(name, BM_parse, k);
		std::snprintf(name, sizeof(name), "auth_select/%s", m);
		benchmark::RegisterBenchmark(name, BM_auth_select, k);
		std::snprintf(name, sizeof(name), "sigbuf/%s", m);
		benchmark::RegisterBenchmark(name, BM_sigbuf, k);
		for (int alg : kAlgs)
			for (int impl = 0; impl < 2; impl++)
				for (int n : kBatches) {
					std::snprintf(name, sizeof(name), "verify/%s/%s/%s/%d", m,
						      sw_bench_alg_name(alg), impl_name[impl], n);
					benchmark::RegisterBenchmark(name, BM_verify, k, alg, impl,
								     static_cast<unsigned int>(n));
				}
		for (int alg : {18, SW_BENCH_NTLM})
			for (int impl = 0; impl < 2; impl++) {
				std::snprintf(name, sizeof(name), "fast_path/%s/%s/%s/%u", m,
					      sw_bench_alg_name(alg), impl_name[impl],
					      kFastPathBatch);
				benchmark::RegisterBenchmark(name, BM_fast_path, k, alg, impl);
			}
		for (int alg : kAlgs) {
			std::snprintf(name, sizeof(name), "hmac_oneshot/%s/%s", m,
				      sw_bench_alg_name(alg));
			benchmark::RegisterBenchmark(name, BM_hmac_oneshot, k, alg);
		}
		std::snprintf(name, sizeof(name), "gss_verify_mic/%s/krb18", m);
		benchmark::RegisterBenchmark(name, BM_gss, k, false);
		std::snprintf(name, sizeof(name), "gss_ntlmssp_verify_mic/%s/ntlm", m);
		benchmark::RegisterBenchmark(name, BM_gss, k, true);
		std::snprintf(name, sizeof(name), "gss_path/%s/krb18", m);
		benchmark::RegisterBenchmark(name, BM_gss_path, k, false);
		std::snprintf(name, sizeof(name), "gss_path/%s/ntlm", m);
		benchmark::RegisterBenchmark(name, BM_gss_path, k, true);
	}
}

} // namespace

int
main(int argc, char **argv)
{
	register_all();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	if (g_broken != 0) {
		std::fprintf(stderr,
			     "sw_bench: %d case(s) could not run: see ERROR OCCURRED above\n",
			     g_broken);
		return 1;
	}
	return 0;
}
