// A driver for profilers (perf, callgrind): builds the engine once, then scans one post of the
// benchmark's kind for a number of seconds, so the profile is the scan and not the compile that
// Google Benchmark's process also holds.
//
//   careguard_bench_profile [base|full] [bytes] [seconds]
//   perf record -g -- build-bench/bench/careguard_bench_profile full 1024 10
//
// A negative third argument is a number of calls instead: on a busy machine, instructions per
// call (perf stat -e instructions over two counts, subtracted) say more than times do.
//
// With "start" it times what a host start from a warm cache does with the full packs instead:
// verify the signed org pack, parse it, build the engine from the cached database.
//
//   careguard_bench_profile start [seconds]
//
// Prints the per-call p50 and p99 to stderr when done.

#include "bench_support.hpp"
#include "careguard/database_cache.hpp"
#include "careguard/engine.hpp"
#include "careguard/signing.hpp"

#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point started) {
  return std::chrono::duration<double, std::micro>(Clock::now() - started).count();
}

int profile_start(double seconds) {
  using namespace careguard;
  const auto key = generate_signing_key();
  const std::string signed_text = sign_pack(to_json(bench::scale_org_pack()).dump(), key.secret_key);
  const auto cache_dir = std::filesystem::temp_directory_path() / "careguard-profile-cache";
  std::filesystem::remove_all(cache_dir);
  const DatabaseCache cache(cache_dir);
  (void)Engine::build({builtin_base_pack(), parse_pack_text(verify_signed_pack(signed_text, {key.public_key}).pack_text, "org")},
                      &cache);
  std::vector<double> verify;
  std::vector<double> parse;
  std::vector<double> build;
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    auto started = Clock::now();
    const auto verified = verify_signed_pack(signed_text, {key.public_key});
    verify.push_back(micros_since(started));
    started = Clock::now();
    const Pack org = parse_pack_text(verified.pack_text, "org");
    parse.push_back(micros_since(started));
    started = Clock::now();
    const auto engine = Engine::build(std::vector<const Pack*>{&builtin_base_pack(), &org}, &cache);
    build.push_back(micros_since(started));
  }
  std::fprintf(stderr, "start from the cache, %zu times (p50 ms): verify %.1f, parse %.1f, build %.1f\n", build.size(),
               bench::percentile(verify, 0.5) / 1000, bench::percentile(parse, 0.5) / 1000,
               bench::percentile(build, 0.5) / 1000);
  std::filesystem::remove_all(cache_dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace careguard;
  const std::string_view which = argc > 1 ? argv[1] : "full";
  if (which == "start") {
    return profile_start(argc > 2 ? std::strtod(argv[2], nullptr) : 10.0);
  }
  const std::size_t bytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1024;
  const double seconds = argc > 3 ? std::strtod(argv[3], nullptr) : 10.0;
  std::vector<Pack> packs{builtin_base_pack()};
  if (which == "full") {
    packs.push_back(bench::scale_org_pack());
  }
  // Cached like the host's, so a run under callgrind does not spend its time compiling.
  const DatabaseCache cache(std::filesystem::temp_directory_path() / "careguard-profile-scan-cache");
  const auto engine = Engine::build(packs, &cache);
  // CAREGUARD_PROFILE_REPEAT=N scans the post N times over in one text: is a cost linear in the
  // length, or does it come from what the longer posts say?
  std::string text = bench::post_of(bytes);
  if (const char* repeat = std::getenv("CAREGUARD_PROFILE_REPEAT"); repeat != nullptr) {
    const std::string one = text;
    for (long i = 1; i < std::strtol(repeat, nullptr, 10); ++i) {
      text += ' ' + one;
    }
  }
  std::vector<double> samples;
  const auto until = Clock::now() + std::chrono::duration<double>(seconds > 0 ? seconds : 1e9);
  const auto calls = seconds < 0 ? static_cast<std::size_t>(-seconds) : SIZE_MAX;
  std::size_t findings = 0;
  while (Clock::now() < until && samples.size() < calls) {
    const auto started = Clock::now();
    const auto result = engine->scan(text);
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count());
    findings = result.findings.size();
  }
  const double p50 = bench::percentile(samples, 0.50);
  const double p99 = bench::percentile(samples, 0.99);
  std::fprintf(stderr, "%s %zu B: %zu calls, %zu findings, p50 %.1f us, p99 %.1f us\n",
               std::string(which).c_str(), text.size(), samples.size(), findings, p50, p99);
  return 0;
}
