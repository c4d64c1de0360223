// Google Benchmark glue for the control-plane handshakes (issue 3).  Only
// timing lives here; everything else is C (bench/fixture_cp.c).
//
// Case names:
//   cp_handshake/krb/<cp|raw>    Kerberos: REGISTER through sw_cp_handle_request vs
//                                MIT gss_accept_sec_context alone (+ context deletion)
//   cp_handshake/krb/acceptor    sw_cp_krb_accept alone (GSS accept + lucid export):
//                                where the control plane's time goes
//   cp_handshake/krb/raw_name    the least an acceptor needing the client's name does with
//                                MIT: accept with the name, gss_display_name, release, delete
//   cp_handshake/krb/raw_lucid   the same with the lucid export (keys, sequence numbers)
//   cp_handshake/ntlm/<cp|raw>   NTLM, both legs: through the control plane vs
//                                gss-ntlmssp's accept_sec_context
//   digest/<len>                 sw_digest (GHASH) of one datagram
// Items are handshakes (or datagrams): items_per_second is handshakes/s.

#include <benchmark/benchmark.h>

#include <cstdio>

#include "bench/fixture_cp.h"

namespace
{

const char *g_why = nullptr;
int g_setup = 1;

void
handshake(benchmark::State &st, int krb, int raw)
{
	if (g_setup != 0) {
		st.SkipWithError(g_why != nullptr ? g_why : "setup failed");
		return;
	}
	for (auto _ : st) {
		double s = krb ? sw_bcp_krb_once(raw) : sw_bcp_ntlm_once(raw);

		if (s < 0) {
			st.SkipWithError("handshake failed");
			return;
		}
		st.SetIterationTime(s);
	}
	st.SetItemsProcessed(st.iterations());
}

void
digest(benchmark::State &st)
{
	const auto len = static_cast<unsigned int>(st.range(0));

	for (auto _ : st) {
		double s = sw_bcp_digest(len, 1000);

		if (s < 0) {
			st.SkipWithError("intel-ipsec-mb GHASH unavailable");
			return;
		}
		st.SetIterationTime(s);
	}
	// One iteration is 1000 digests.
	st.SetItemsProcessed(st.iterations() * 1000);
	st.SetBytesProcessed(st.iterations() * 1000 * static_cast<int64_t>(len));
}

} // namespace

BENCHMARK_CAPTURE(handshake, krb/cp, 1, 0)->Name("cp_handshake/krb/cp")->UseManualTime();
BENCHMARK_CAPTURE(handshake, krb/raw, 1, 1)->Name("cp_handshake/krb/raw")->UseManualTime();
BENCHMARK_CAPTURE(handshake, krb/acceptor, 1, 2)
	->Name("cp_handshake/krb/acceptor")
	->UseManualTime();
BENCHMARK_CAPTURE(handshake, krb/raw_lucid, 1, 3)
	->Name("cp_handshake/krb/raw_lucid")
	->UseManualTime();
BENCHMARK_CAPTURE(handshake, krb/raw_name, 1, 4)
	->Name("cp_handshake/krb/raw_name")
	->UseManualTime();
BENCHMARK_CAPTURE(handshake, ntlm/cp, 0, 0)->Name("cp_handshake/ntlm/cp")->UseManualTime();
BENCHMARK_CAPTURE(handshake, ntlm/raw, 0, 1)->Name("cp_handshake/ntlm/raw")->UseManualTime();
BENCHMARK(digest)->Name("digest")->Arg(256)->Arg(1024)->Arg(1500)->UseManualTime();

int
main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	g_setup = sw_bcp_setup(&g_why);
	if (g_setup != 0)
		std::fprintf(stderr, "bench_cp: %s: handshake cases skipped\n",
			     g_why != nullptr ? g_why : "setup failed");
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	sw_bcp_teardown();
	return 0;
}
