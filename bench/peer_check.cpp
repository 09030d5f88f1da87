// What the peers can and cannot do with CareGuard's rules, not how fast: which patterns each
// peer could not compile, and over the whole labelled corpus, how the rules each peer fires on a
// post differ from the rules the engine reports. Also writes the rules, posts and engine results
// for the JavaScript peer (node-peer.mjs), so every peer sees exactly the same input.
//
//   careguard_bench_peer_check OUT_DIR   → OUT_DIR/peer-check.json, OUT_DIR/peer-input.json

#include "bench_support.hpp"
#include "careguard/engine.hpp"
#include "careguard/normalizer.hpp"
#include "peers.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

namespace careguard::bench {
namespace {

using nlohmann::json;
using RuleSet = std::set<std::string>;

constexpr std::size_t kStdRegexStride = 46;

json patterns_json(const std::vector<PeerPattern>& patterns) {
  json out = json::array();
  for (const auto& p : patterns) {
    out.push_back({{"rule", p.rule}, {"kind", p.kind}, {"regex", p.regex}});
  }
  return out;
}

RuleSet engine_rules(const Engine& engine, const std::string& text) {
  RuleSet out;
  for (const auto& finding : engine.scan(text).findings) {
    out.emplace(finding.rule);
  }
  return out;
}

RuleSet peer_rules(Peer& peer, const std::vector<PeerPattern>& patterns, const std::string& normalised, bool& ok) {
  std::vector<PeerMatch> matches;
  ok = peer.scan(normalised, matches) && ok;
  RuleSet out;
  for (const auto& m : matches) {
    if (patterns[m.pattern].kind != "context") {
      out.insert(patterns[m.pattern].rule);
    }
  }
  return out;
}

/// How the peer's rule sets differ from the engine's, post by post.
json compare(const std::vector<RuleSet>& engine, const std::vector<RuleSet>& peer) {
  std::size_t both = 0;
  std::size_t peer_only = 0;
  std::size_t engine_only = 0;
  std::size_t posts_same = 0;
  std::map<std::string, std::size_t> peer_only_by_rule;
  std::map<std::string, std::size_t> engine_only_by_rule;
  for (std::size_t i = 0; i < engine.size(); ++i) {
    for (const auto& rule : engine[i]) {
      if (peer[i].contains(rule)) {
        ++both;
      } else {
        ++engine_only;
        ++engine_only_by_rule[rule];
      }
    }
    for (const auto& rule : peer[i]) {
      if (!engine[i].contains(rule)) {
        ++peer_only;
        ++peer_only_by_rule[rule];
      }
    }
    if (engine[i] == peer[i]) {
      ++posts_same;
    }
  }
  return {{"posts", engine.size()},
          {"posts_same_rules", posts_same},
          {"pairs_both", both},
          {"pairs_peer_only", peer_only},
          {"pairs_engine_only", engine_only},
          {"peer_only_by_rule", peer_only_by_rule},
          {"engine_only_by_rule", engine_only_by_rule}};
}

int run(const std::filesystem::path& out_dir) {
  std::filesystem::create_directories(out_dir);
  const Normalizer normalizer;
  const Pack org = scale_org_pack();
  const std::vector<Pack> base_packs{builtin_base_pack()};
  const std::vector<Pack> full_packs{builtin_base_pack(), org};
  const auto base_engine = Engine::build(base_packs);
  const auto full_engine = Engine::build(full_packs);
  const std::map<std::string, std::vector<PeerPattern>> patterns{
      {"base", peer_patterns(base_packs, {})}, {"full", peer_patterns(full_packs, scale_people())}};

  std::vector<std::string> normalised;
  std::map<std::string, std::vector<RuleSet>> engine_sets;
  json corpus = json::array();
  for (const auto& text : corpus_posts()) {
    normalised.push_back(normalizer.normalize(text));
    engine_sets["base"].push_back(engine_rules(*base_engine, text));
    engine_sets["full"].push_back(engine_rules(*full_engine, text));
    corpus.push_back({{"text", normalised.back()},
                      {"engine_base", engine_sets["base"].back()},
                      {"engine_full", engine_sets["full"].back()}});
  }
  json posts = json::object();
  for (const auto size : kPostSizes) {
    posts[std::to_string(size)] = normalizer.normalize(post_of(size));
  }
  std::ofstream(out_dir / "peer-input.json")
      << json{{"patterns", {{"base", patterns_json(patterns.at("base"))}, {"full", patterns_json(patterns.at("full"))}}},
              {"posts", posts},
              {"corpus", corpus}}
             .dump();

  json report = json::object();
  for (const auto& [set_name, set_patterns] : patterns) {
    report["patterns"][set_name] = {{"total", set_patterns.size()}};
    for (const auto& kind : {"pattern", "terms", "context", "names"}) {
      report["patterns"][set_name][kind] =
          std::count_if(set_patterns.begin(), set_patterns.end(), [&](const PeerPattern& p) { return p.kind == kind; });
    }
  }
  for (auto make : {make_re2_set_peer, make_pcre2_jit_peer, make_std_regex_peer}) {
    for (const auto& [set_name, set_patterns] : patterns) {
      auto peer = make();
      const auto started = std::chrono::steady_clock::now();
      const auto failures = peer->compile(set_patterns);
      const double compile_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      json failed = json::array();
      for (const auto& f : failures) {
        failed.push_back({{"rule", f.pattern < set_patterns.size() ? set_patterns[f.pattern].rule : "(all)"},
                          {"kind", f.pattern < set_patterns.size() ? set_patterns[f.pattern].kind : "(all)"},
                          {"reason", f.reason}});
      }
      // std::regex takes seconds a post with these rules, so it is compared on an even sample.
      const std::size_t stride = peer->name() == "std::regex" ? kStdRegexStride : 1;
      std::vector<RuleSet> sets;
      std::vector<RuleSet> engine_sample;
      bool ok = true;
      for (std::size_t i = 0; i < normalised.size(); i += stride) {
        sets.push_back(peer_rules(*peer, set_patterns, normalised[i], ok));
        engine_sample.push_back(engine_sets.at(set_name)[i]);
      }
      report["peers"][peer->name()][set_name] = {{"compile_ms", compile_ms},
                                                 {"failed", failed},
                                                 {"scans_all_ok", ok},
                                                 {"differences", compare(engine_sample, sets)}};
      std::cerr << peer->name() << " (" << set_name << "): " << failures.size() << " of " << set_patterns.size()
                << " regexes not compiled, compared on " << sets.size() << " posts\n";
    }
  }
  std::ofstream(out_dir / "peer-check.json") << report.dump(2);
  return 0;
}

}  // namespace
}  // namespace careguard::bench

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: careguard_bench_peer_check OUT_DIR\n";
    return 2;
  }
  try {
    return careguard::bench::run(argv[1]);
  } catch (const std::exception& error) {
    std::cerr << "careguard_bench_peer_check: " << error.what() << '\n';
    return 1;
  }
}
