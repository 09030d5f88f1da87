// Engine scan cost per post size, with the base pack alone and with an org pack at the scale the
// issues ask for: 10,000 hashed names and 5,000 org terms on top of the whole base pack.

#include "careguard/engine.hpp"
#include "careguard/names.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace careguard {
namespace {

/// Posts of about `bytes` bytes made from the corpus (its own fictional posts), so the text has
/// the words, numbers and emoji real posts have.
std::string post_of(std::size_t bytes) {
  static const std::vector<std::string> corpus = [] {
    std::vector<std::string> texts;
    std::ifstream in(std::string(CAREGUARD_SOURCE_DIR) + "/tests/corpus/posts.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
    }
    return texts;
  }();
  std::string text;
  for (std::size_t i = 0; text.size() < bytes; i += 7) {
    text += corpus[i % corpus.size()];
    text += ' ';
  }
  text.resize(bytes);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0U) == 0x80U) {
    text.pop_back();  // do not cut a UTF-8 sequence in half
  }
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0U) {
    text.pop_back();
  }
  return text;
}

Pack scale_org_pack() {
  static const std::vector<std::string> firsts = {"Avril", "Bernard", "Cecily", "Desmond", "Edwina", "Fergus", "Gwendolyn",
                                                  "Horace", "Isolde", "Jasper", "Kenneth", "Lavinia", "Mervyn", "Nerys",
                                                  "Oswald", "Philippa", "Quentin", "Rosalind", "Sidney", "Thomasina"};
  std::vector<PersonName> people;
  for (int i = 0; people.size() < 10000; ++i) {
    people.push_back({firsts[static_cast<std::size_t>(i) % firsts.size()], "Surnamic" + std::to_string(i), ""});
  }
  Pack pack;
  pack.id = "scale-org";
  pack.version = "1.0.0";
  const Normalizer normalizer;
  pack.names = NameIndex::build_json(people, {}, normalizer);
  Rule terms;
  terms.id = "org.internal-terms";
  terms.category = Category::Internal;
  terms.severity = Severity::Warn;
  terms.clause = "7.2";
  terms.message = "This names an internal project or system.";
  for (int i = 0; i < 5000; ++i) {
    terms.terms.push_back("orgterm" + std::to_string(i) + (i % 3 == 0 ? " rota" : ""));
  }
  pack.rules.push_back(terms);
  return pack;
}

const Engine& base_engine() {
  static const auto engine = Engine::build({builtin_base_pack()});
  return *engine;
}

const Engine& full_engine() {
  static const auto engine = Engine::build({builtin_base_pack(), scale_org_pack()});
  return *engine;
}

void scan(benchmark::State& state, const Engine& engine) {
  const std::string text = post_of(static_cast<std::size_t>(state.range(0)));
  std::size_t findings = 0;
  for (auto _ : state) {
    auto result = engine.scan(text);
    findings = result.findings.size();
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
  state.counters["findings"] = static_cast<double>(findings);
}

void BM_ScanBasePack(benchmark::State& state) { scan(state, base_engine()); }
void BM_ScanFullPacks(benchmark::State& state) { scan(state, full_engine()); }

void BM_BuildFullPacks(benchmark::State& state) {
  const std::vector<Pack> packs{builtin_base_pack(), scale_org_pack()};
  for (auto _ : state) {
    benchmark::DoNotOptimize(Engine::build(packs));
  }
}

BENCHMARK(BM_ScanBasePack)->Arg(100)->Arg(1024)->Arg(2048)->Arg(20480)->Unit(benchmark::kMicrosecond)->ComputeStatistics("p99", [](const std::vector<double>& v) {
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  return sorted[static_cast<std::size_t>(static_cast<double>(sorted.size() - 1) * 0.99)];
});
BENCHMARK(BM_ScanFullPacks)->Arg(100)->Arg(1024)->Arg(2048)->Arg(20480)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BuildFullPacks)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace careguard

BENCHMARK_MAIN();
