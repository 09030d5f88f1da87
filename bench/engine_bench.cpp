// In-process figures (Google Benchmark): the engine's scan per post size with the base pack alone
// and with the scale org pack (10,000 hashed names, 5,000 org terms) on top; the peers given the
// same rules (peers.hpp); and a plain read of the same posts, the memory-bandwidth limit.
//
// Every scan benchmark times each call too and reports p50_us and p99_us counters, because the
// issue's targets are per call, not means.

#include "bench_support.hpp"
#include "careguard/engine.hpp"
#include "careguard/normalizer.hpp"
#include "peers.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace careguard::bench {
namespace {

using Clock = std::chrono::steady_clock;

const Pack& org_pack() {
  static const Pack pack = scale_org_pack();
  return pack;
}

const Engine& base_engine() {
  static const auto engine = Engine::build({builtin_base_pack()});
  return *engine;
}

const Engine& full_engine() {
  static const auto engine = Engine::build({builtin_base_pack(), org_pack()});
  return *engine;
}

/// Times each call of `call` and reports per-call percentiles with the usual figures.
template <typename Call>
void timed_calls(benchmark::State& state, std::size_t bytes, Call&& call) {
  std::vector<double> samples;
  samples.reserve(1U << 16U);
  for (auto _ : state) {
    const auto started = Clock::now();
    call();
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["calls"] = static_cast<double>(samples.size());
  state.counters["p50_us"] = percentile(samples, 0.50);
  state.counters["p99_us"] = percentile(samples, 0.99);
}

void scan_engine(benchmark::State& state, const Engine& engine) {
  const std::string text = post_of(static_cast<std::size_t>(state.range(0)));
  std::size_t findings = 0;
  timed_calls(state, text.size(), [&] {
    auto result = engine.scan(text);
    findings = result.findings.size();
    benchmark::DoNotOptimize(result);
  });
  state.counters["findings"] = static_cast<double>(findings);
}

void BM_EngineBase(benchmark::State& state) { scan_engine(state, base_engine()); }
void BM_EngineFull(benchmark::State& state) { scan_engine(state, full_engine()); }

void BM_EngineBuildFull(benchmark::State& state) {
  const std::vector<Pack> packs{builtin_base_pack(), org_pack()};
  for (auto _ : state) {
    benchmark::DoNotOptimize(Engine::build(packs));
  }
}

// ---- peers --------------------------------------------------------------------------------

enum class PeerKind : std::uint8_t { Re2Set, Pcre2Jit, StdRegex };

/// Peers are compiled once per (peer, packs) and kept: compiling is not what is measured.
Peer& peer_for(PeerKind kind, bool full) {
  static std::map<std::pair<PeerKind, bool>, std::unique_ptr<Peer>> peers;
  auto& slot = peers[{kind, full}];
  if (!slot) {
    slot = kind == PeerKind::Re2Set     ? make_re2_set_peer()
           : kind == PeerKind::Pcre2Jit ? make_pcre2_jit_peer()
                                        : make_std_regex_peer();
    const auto patterns = full ? peer_patterns({builtin_base_pack(), org_pack()}, scale_people())
                               : peer_patterns({builtin_base_pack()}, {});
    (void)slot->compile(patterns);  // which ones fail is reported by careguard_bench_peer_check
  }
  return *slot;
}

void scan_peer(benchmark::State& state, PeerKind kind, bool full) {
  // Peers get the normalised text (NFKC case-folded), prepared outside the timing: the engine's
  // own figure includes normalising, so this favours the peers.
  const Normalizer normalizer;
  const std::string text = normalizer.normalize(post_of(static_cast<std::size_t>(state.range(0))));
  Peer& peer = peer_for(kind, full);
  std::vector<PeerMatch> matches;
  bool ok = true;
  timed_calls(state, text.size(), [&] {
    ok = peer.scan(text, matches) && ok;
    benchmark::DoNotOptimize(matches.data());
  });
  state.counters["matches"] = static_cast<double>(matches.size());
  if (!ok) {
    state.SetLabel("scan failed (out of memory)");
  }
}

void BM_Re2SetBase(benchmark::State& state) { scan_peer(state, PeerKind::Re2Set, false); }
void BM_Re2SetFull(benchmark::State& state) { scan_peer(state, PeerKind::Re2Set, true); }
void BM_Pcre2JitBase(benchmark::State& state) { scan_peer(state, PeerKind::Pcre2Jit, false); }
void BM_Pcre2JitFull(benchmark::State& state) { scan_peer(state, PeerKind::Pcre2Jit, true); }
void BM_StdRegexBase(benchmark::State& state) { scan_peer(state, PeerKind::StdRegex, false); }
void BM_StdRegexFull(benchmark::State& state) { scan_peer(state, PeerKind::StdRegex, true); }

// ---- the limit ----------------------------------------------------------------------------

/// One read of every byte of the post (glibc's vectorised memchr for a byte that is not there):
/// no scanner can look at the text faster than this.
void BM_MemoryPass(benchmark::State& state) {
  std::string text = post_of(static_cast<std::size_t>(state.range(0)));
  for (char& c : text) {
    c = c == '\x01' ? ' ' : c;
  }
  timed_calls(state, text.size(), [&] { benchmark::DoNotOptimize(std::memchr(text.data(), '\x01', text.size())); });
}

void post_sizes(benchmark::internal::Benchmark* bench) {
  for (const auto size : kPostSizes) {
    bench->Arg(static_cast<std::int64_t>(size));
  }
  bench->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_EngineBase)->Apply(post_sizes)->MinTime(1.0);
BENCHMARK(BM_EngineFull)->Apply(post_sizes)->MinTime(1.0);
BENCHMARK(BM_EngineBuildFull)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Re2SetBase)->Apply(post_sizes)->MinTime(0.3);
BENCHMARK(BM_Re2SetFull)->Apply(post_sizes)->MinTime(0.3);
BENCHMARK(BM_Pcre2JitBase)->Apply(post_sizes)->MinTime(0.3);
BENCHMARK(BM_Pcre2JitFull)->Apply(post_sizes)->MinTime(0.3);
// One std::regex call on a 20 KB post takes minutes with the full packs: past the suite's budget.
BENCHMARK(BM_StdRegexBase)->Arg(100)->Arg(1024)->Unit(benchmark::kMicrosecond)->MinTime(0.3);
BENCHMARK(BM_StdRegexFull)->Arg(100)->Arg(1024)->Unit(benchmark::kMicrosecond)->MinTime(0.3);
BENCHMARK(BM_MemoryPass)->Apply(post_sizes)->MinTime(0.3);

}  // namespace
}  // namespace careguard::bench

BENCHMARK_MAIN();
