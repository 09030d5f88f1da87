// FindingWriter must write exactly what to_json(finding).dump() writes: the extension parses the
// reply, and the audit and fuzz tests compare it; any difference is a protocol change.

#include "careguard/finding_writer.hpp"

#include "careguard/database_cache.hpp"
#include "careguard/engine.hpp"
#include "careguard/pack.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

namespace {

using careguard::Category;
using careguard::Finding;
using careguard::FindingWriter;
using careguard::Severity;

std::string written(FindingWriter& writer, const Finding& finding) {
  std::string out;
  writer.append(finding, out);
  return out;
}

TEST(FindingWriter, EveryFindingOfTheCorpusIsWrittenAsTheJsonLibraryWritesIt) {
  std::optional<careguard::DatabaseCache> cache;
  if (const char* directory = std::getenv("CAREGUARD_TEST_CACHE"); directory != nullptr && *directory != '\0') {
    cache.emplace(directory);
  }
  const auto engine = careguard::Engine::build({careguard::builtin_base_pack()}, cache ? &*cache : nullptr);
  std::ifstream in(std::string(CAREGUARD_SOURCE_DIR) + "/tests/corpus/posts.jsonl");
  ASSERT_TRUE(in.good());
  FindingWriter writer;
  std::size_t findings = 0;
  std::string line;
  while (std::getline(in, line)) {
    const auto post = nlohmann::json::parse(line);
    for (const auto& finding : engine->scan(post.at("text").get<std::string>()).findings) {
      ASSERT_EQ(written(writer, finding), careguard::to_json(finding).dump()) << finding.rule;
      ++findings;
    }
  }
  EXPECT_GT(findings, 1000U);
}

TEST(FindingWriter, TextThatNeedsEscapingAndEveryConfidence) {
  FindingWriter writer;
  Finding finding{"org.quote\"rule", Category::Reputation, Severity::Block, 0, 4294967295U,
                  "7.2 \\ \"a\"", "Line one\nline two\t\u00e9 \U0001F600 \x01 end", 0.0};
  for (int hundredths = 0; hundredths <= 100; ++hundredths) {
    finding.confidence = hundredths / 100.0;
    ASSERT_EQ(written(writer, finding), careguard::to_json(finding).dump()) << hundredths;
  }
  for (const double odd : {0.004, 0.005, 0.333333, 0.875, 0.995, 1.5, -0.25, 2.0}) {
    finding.confidence = odd;
    EXPECT_EQ(written(writer, finding), careguard::to_json(finding).dump()) << odd;
  }
}

TEST(FindingWriter, ARuleWhoseTextChangesIsWrittenAfresh) {
  // A pack reload may keep a rule's id and change its message or clause.
  FindingWriter writer;
  Finding finding{"pid.nhs-number", Category::PersonalIdentifier, Severity::Warn, 3, 13, "4.1", "Old message.", 0.9};
  EXPECT_EQ(written(writer, finding), careguard::to_json(finding).dump());
  finding.message = "New message.";
  EXPECT_EQ(written(writer, finding), careguard::to_json(finding).dump());
  finding.clause = "4.2";
  finding.category = Category::HealthRecord;
  finding.severity = Severity::Info;
  EXPECT_EQ(written(writer, finding), careguard::to_json(finding).dump());
}

TEST(FindingWriter, StaysCorrectPastItsBoundOnRules) {
  FindingWriter writer;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = "org.rule-" + std::to_string(i);  // a finding views its rule's id
    const Finding finding{id, Category::Internal, Severity::Warn, 1, 2, "1", "m", 0.5};
    ASSERT_EQ(written(writer, finding), careguard::to_json(finding).dump());
  }
}

}  // namespace
