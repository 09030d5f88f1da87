// What each of a pack's regular expressions costs Hyperscan, so a slow pattern can be found and
// rewritten (docs/PACKS.md, "Writing patterns that scan fast"). Usage:
//   careguard_pattern_cost <pack dir or file> <post.txt>...
// Each post is normalised as the engine does, then scanned with the engine's flags: first the whole
// set, then each pattern alone, slowest first. The minimum of many runs is printed because the
// machines this runs on are shared and noise only ever adds time.
#include "careguard/normalizer.hpp"
#include "careguard/pack.hpp"

#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr unsigned kFlags = HS_FLAG_UTF8 | HS_FLAG_CASELESS;  // as the engine's main database
constexpr int kRuns = 300;

int count_match(unsigned /*id*/, unsigned long long /*from*/, unsigned long long /*to*/, unsigned /*flags*/,
                void* context) {
  ++*static_cast<long*>(context);
  return 0;
}

hs_database_t* compile(const std::vector<const char*>& patterns) {
  const std::vector<unsigned> flags(patterns.size(), kFlags);
  std::vector<unsigned> ids(patterns.size());
  for (unsigned i = 0; i < ids.size(); ++i) {
    ids[i] = i;
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                       HS_MODE_BLOCK, nullptr, &database, &error) != HS_SUCCESS) {
    std::fprintf(stderr, "does not compile: %s\n", error->message);
    hs_free_compile_error(error);
    return nullptr;
  }
  return database;
}

std::size_t database_size(const hs_database_t* database) {
  std::size_t bytes = 0;
  hs_database_size(database, &bytes);
  return bytes;
}

/// Minimum scan time in microseconds, and the number of matches.
std::pair<double, long> cost(const hs_database_t* database, const std::string& text) {
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(database, &scratch);
  double best = 1e30;
  long matches = 0;
  for (int run = 0; run < kRuns; ++run) {
    matches = 0;
    const auto start = std::chrono::steady_clock::now();
    hs_scan(database, text.data(), static_cast<unsigned>(text.size()), 0, scratch, count_match, &matches);
    best = std::min(best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  hs_free_scratch(scratch);
  return {best, matches};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <pack dir or file> <post.txt>...\n", argv[0]);
    return 2;
  }
  const careguard::Pack pack = careguard::load_pack_path(argv[1]);
  std::vector<const char*> patterns;
  std::vector<std::string> origins;
  for (const auto& rule : pack.rules) {
    for (const auto& pattern : rule.patterns) {
      patterns.push_back(pattern.c_str());
      origins.push_back(rule.id);
    }
  }
  const careguard::Normalizer normalizer;
  for (int arg = 2; arg < argc; ++arg) {
    std::ifstream in(argv[arg]);
    const std::string text = normalizer.normalize(std::string(std::istreambuf_iterator<char>(in), {}));
    hs_database_t* all = compile(patterns);
    if (all == nullptr) {
      return 1;
    }
    const auto [all_time, all_matches] = cost(all, text);
    std::printf("%s (%zu bytes normalised): all %zu patterns %.2f us, %ld matches, database %zu KiB\n", argv[arg],
                text.size(), patterns.size(), all_time, all_matches, database_size(all) / 1024);
    hs_free_database(all);
    // A pattern's own database size says how much of the cache a scan may touch for it: a big
    // DFA costs misses even when its instructions are few.
    struct Alone {
      double time;
      std::size_t bytes;
      std::size_t index;
    };
    std::vector<Alone> alone;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      hs_database_t* one = compile({patterns[i]});
      if (one != nullptr) {
        alone.push_back({cost(one, text).first, database_size(one), i});
        hs_free_database(one);
      }
    }
    std::sort(alone.begin(), alone.end(), [](const Alone& a, const Alone& b) { return a.time > b.time; });
    for (const auto& [time, bytes, i] : alone) {
      std::printf("  %8.2f us %7zu KiB  %-40s %.60s\n", time, bytes / 1024, origins[i].c_str(), patterns[i]);
    }
  }
  return 0;
}
