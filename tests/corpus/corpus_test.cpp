// The labelled corpus (tests/corpus/*.jsonl) against the base pack plus the sample organisation's
// pack: recall per category and the share of benign posts flagged at warn or above, with the
// targets from the issue: recall >= 0.95 for personal-identifier and service-user, >= 0.85 for
// every other category, <= 3% of benign posts flagged.

#include "careguard/engine.hpp"
#include "careguard/names.hpp"
#include "careguard/org_profile.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <set>

namespace careguard {
namespace {

using nlohmann::json;

std::filesystem::path source(const std::string& relative) { return std::filesystem::path(CAREGUARD_SOURCE_DIR) / relative; }

std::vector<PersonName> read_csv(const std::string& relative) {
  std::ifstream in(source(relative));
  return read_names_csv(in);
}

const Engine& engine() {
  static const std::shared_ptr<const Engine> built = [] {
    Pack org;
    org.id = "example-care";
    org.version = "1.0.0";
    std::ifstream profile(source("examples/org/profile.json"));
    // As `careguard org build` does: allowlist, org-name word list and rules from the profile.
    apply_org_profile(org, json::parse(profile));
    const Normalizer normalizer;
    org.names = NameIndex::build_json(read_csv("examples/org/service-users.csv"), read_csv("examples/org/colleagues.csv"),
                                      normalizer);
    return Engine::build({builtin_base_pack(), org});
  }();
  return *built;
}

struct Scores {
  std::map<Category, std::pair<int, int>> recall;  // caught, labelled
  int benign = 0;
  int benign_flagged = 0;
  std::vector<std::string> misses;
  std::vector<std::string> false_alarms;
};

Scores score(const std::string& relative) {
  Scores scores;
  std::ifstream in(source(relative));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    const json post = json::parse(line);
    std::set<Category> flagged;
    std::string found;
    for (const auto& finding : engine().scan(post.at("text").get<std::string>()).findings) {
      if (finding.severity >= Severity::Warn) {
        flagged.insert(finding.category);
        found.append(finding.rule).append(" ");
      }
    }
    const auto& labels = post.at("labels");
    if (labels.empty()) {
      ++scores.benign;
      if (!flagged.empty()) {
        ++scores.benign_flagged;
        scores.false_alarms.push_back(fmt::format("{} [{}]", post.value("id", ""), found));
      }
    }
    for (const auto& label : labels) {
      const auto category = parse_category(label.get<std::string>());
      if (!category) {
        ADD_FAILURE() << "unknown label " << label << " in " << post.value("id", "");
        continue;
      }
      auto& [caught, total] = scores.recall[*category];
      ++total;
      if (flagged.contains(*category)) {
        ++caught;
      } else {
        scores.misses.push_back(fmt::format("{} missed {}", post.value("id", ""), label.get<std::string>()));
      }
    }
  }
  return scores;
}

void check_targets(const Scores& scores, const std::string& name, int min_per_category, int min_benign) {
  for (const auto category : kAllCategories) {
    const auto it = scores.recall.find(category);
    ASSERT_NE(it, scores.recall.end()) << name << ": no posts labelled " << to_string(category);
    const auto [caught, total] = it->second;
    EXPECT_GE(total, min_per_category) << name << ": too few posts labelled " << to_string(category);
    const double recall = static_cast<double>(caught) / total;
    const double target =
        (category == Category::PersonalIdentifier || category == Category::ServiceUser) ? 0.95 : 0.85;
    std::printf("%s %-20s recall %.3f (%d/%d, target %.2f)\n", name.c_str(), std::string(to_string(category)).c_str(),
                recall, caught, total, target);
    EXPECT_GE(recall, target) << name << ": recall for " << to_string(category);
  }
  EXPECT_GE(scores.benign, min_benign) << name << ": too few benign posts";
  const double rate = scores.benign == 0 ? 0.0 : static_cast<double>(scores.benign_flagged) / scores.benign;
  std::printf("%s benign flagged at warn+: %.3f (%d/%d, target <= 0.03)\n", name.c_str(), rate, scores.benign_flagged,
              scores.benign);
  EXPECT_LE(rate, 0.03) << name << ": benign posts flagged";
  for (const auto& miss : scores.misses) {
    std::printf("  %s\n", miss.c_str());
  }
  for (const auto& alarm : scores.false_alarms) {
    std::printf("  false alarm %s\n", alarm.c_str());
  }
}

TEST(CorpusTest, MeetsRecallAndFalseAlarmTargets) {
  check_targets(score("tests/corpus/posts.jsonl"), "corpus", 25, 100);
}

TEST(CorpusTest, HeldOutPostsMeetTheSameTargets) {
  check_targets(score("tests/corpus/heldout.jsonl"), "held-out", 3, 10);
}

// Written by someone who had not seen the rules, and never used to tune them: the honest figure
// for how the rules generalise.
TEST(CorpusTest, BlindHeldOutPostsMeetTheSameTargets) {
  check_targets(score("tests/corpus/heldout-blind.jsonl"), "blind", 20, 80);
}

// A second set written without sight of the rules after the first had been used to improve
// them; never used for tuning.
TEST(CorpusTest, SecondBlindHeldOutPostsMeetTheSameTargets) {
  check_targets(score("tests/corpus/heldout-blind-2.jsonl"), "blind-2", 15, 60);
}

// A third set, written with sight of neither the rules nor the other posts (docs/RULES.md, "The
// third blind set"); never used for tuning.
TEST(CorpusTest, ThirdBlindHeldOutPostsMeetTheSameTargets) {
  check_targets(score("tests/corpus/heldout-blind-3.jsonl"), "blind-3", 25, 100);
}

}  // namespace
}  // namespace careguard
