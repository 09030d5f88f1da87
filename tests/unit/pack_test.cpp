// careguard packs: parse errors that name the rule, the base pack source directory, the built-in
// base pack, JSON round trips and version comparison.

#include "careguard/pack.hpp"
#include "careguard/types.hpp"
#include "careguard/version.hpp"

#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace {

using careguard::PackError;
using nlohmann::json;

json valid_rule(const std::string& id) {
  return {{"id", id},
          {"category", "personal-identifier"},
          {"severity", "warn"},
          {"clause", "7.2"},
          {"message", "A fictional test rule."},
          {"patterns", {"\\bwidget\\b"}}};
}

json valid_pack() {
  return {{"id", "test-pack"}, {"version", "1.2.3"}, {"kind", "org"}, {"rules", {valid_rule("test.one")}}};
}

/// parse_pack's error message for the document (fails the test if it parses).
std::string error_of(const json& document) {
  try {
    (void)careguard::parse_pack(document, "test.cgpack");
  } catch (const PackError& error) {
    return error.what();
  }
  ADD_FAILURE() << "parsed without error: " << document.dump();
  return {};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ParsePack, ValidPackParses) {
  const auto pack = careguard::parse_pack(valid_pack(), "test.cgpack");
  EXPECT_EQ(pack.id, "test-pack");
  EXPECT_EQ(pack.version, "1.2.3");
  EXPECT_EQ(pack.kind, "org");
  EXPECT_EQ(pack.source, "test.cgpack");
  ASSERT_EQ(pack.rules.size(), 1U);
  EXPECT_EQ(pack.rules[0].id, "test.one");
  EXPECT_EQ(pack.rules[0].category, careguard::Category::PersonalIdentifier);
  EXPECT_EQ(pack.rules[0].severity, careguard::Severity::Warn);
  EXPECT_DOUBLE_EQ(pack.rules[0].confidence, 0.6);
  EXPECT_FALSE(pack.rules[0].context.has_value());
}

TEST(ParsePack, BadCategoryNamesTheRule) {
  auto doc = valid_pack();
  doc["rules"][0]["category"] = "gossip";
  const auto error = error_of(doc);
  EXPECT_TRUE(has(error, "test.one")) << error;
  EXPECT_TRUE(has(error, "category")) << error;
  EXPECT_TRUE(has(error, "test.cgpack")) << error;
}

TEST(ParsePack, BadSeverityNamesTheRule) {
  auto doc = valid_pack();
  doc["rules"][0]["severity"] = "critical";
  const auto error = error_of(doc);
  EXPECT_TRUE(has(error, "test.one")) << error;
  EXPECT_TRUE(has(error, "severity")) << error;
}

TEST(ParsePack, UnknownValidatorNamesTheRule) {
  auto doc = valid_pack();
  doc["rules"][0]["validator"] = "astrology";
  const auto error = error_of(doc);
  EXPECT_TRUE(has(error, "test.one")) << error;
  EXPECT_TRUE(has(error, "astrology")) << error;
}

TEST(ParsePack, RuleWithoutPatternsTermsOrNames) {
  auto doc = valid_pack();
  doc["rules"][0].erase("patterns");
  const auto error = error_of(doc);
  EXPECT_TRUE(has(error, "test.one")) << error;
  EXPECT_TRUE(has(error, "patterns")) << error;
  // Terms alone, or names alone, are enough.
  auto terms = valid_pack();
  terms["rules"][0].erase("patterns");
  terms["rules"][0]["terms"] = {"care plan"};
  EXPECT_NO_THROW((void)careguard::parse_pack(terms, "t"));
  auto names = valid_pack();
  names["rules"][0].erase("patterns");
  names["rules"][0]["names"] = "colleague";
  EXPECT_NO_THROW((void)careguard::parse_pack(names, "t"));
  names["rules"][0]["names"] = "pets";
  EXPECT_TRUE(has(error_of(names), "test.one"));
}

TEST(ParsePack, DuplicateRuleIds) {
  auto doc = valid_pack();
  doc["rules"].push_back(valid_rule("test.one"));
  const auto error = error_of(doc);
  EXPECT_TRUE(has(error, "test.one")) << error;
  EXPECT_TRUE(has(error, "twice")) << error;
}

TEST(ParsePack, BadVersion) {
  for (const char* version : {"1.2", "v1.2.3", "1.2.3.4", "", "one"}) {
    auto doc = valid_pack();
    doc["version"] = version;
    const auto error = error_of(doc);
    EXPECT_TRUE(has(error, "version")) << version << ": " << error;
  }
  auto doc = valid_pack();
  doc["version"] = "1.2.3-beta.1";
  EXPECT_NO_THROW((void)careguard::parse_pack(doc, "t"));
}

TEST(ParsePack, MinHostVersionNewerThanThisHost) {
  auto doc = valid_pack();
  doc["min_host_version"] = "99.0.0";
  const auto error = error_of(doc);
  EXPECT_TRUE(has(error, "99.0.0")) << error;
  EXPECT_TRUE(has(error, std::string(careguard::kHostVersion))) << error;
  doc["min_host_version"] = std::string(careguard::kHostVersion);
  EXPECT_NO_THROW((void)careguard::parse_pack(doc, "t"));
  doc["min_host_version"] = "0.0.1";
  EXPECT_NO_THROW((void)careguard::parse_pack(doc, "t"));
}

TEST(ParsePack, OtherFieldErrors) {
  auto bad_id = valid_pack();
  bad_id["rules"][0]["id"] = "Has Spaces";
  EXPECT_TRUE(has(error_of(bad_id), "Has Spaces"));

  auto bad_context = valid_pack();
  bad_context["rules"][0]["context"] = {{"window", 0U}};
  EXPECT_TRUE(has(error_of(bad_context), "test.one"));

  auto bad_otherwise = valid_pack();
  bad_otherwise["rules"][0]["context"] = {{"require", {"client"}}, {"otherwise", "loud"}};
  EXPECT_TRUE(has(error_of(bad_otherwise), "test.one"));

  auto bad_lower = valid_pack();
  bad_lower["rules"][0]["context"] = {{"lower", {{"terms", json::array()}, {"to", "info"}}}};
  EXPECT_TRUE(has(error_of(bad_lower), "test.one"));

  auto bad_confidence = valid_pack();
  bad_confidence["rules"][0]["confidence"] = 1.5;
  EXPECT_TRUE(has(error_of(bad_confidence), "test.one"));

  auto long_message = valid_pack();
  long_message["rules"][0]["message"] = std::string(601, 'x');
  EXPECT_TRUE(has(error_of(long_message), "test.one"));

  auto bad_kind = valid_pack();
  bad_kind["kind"] = "plugin";
  EXPECT_TRUE(has(error_of(bad_kind), "kind"));

  auto bad_override = valid_pack();
  bad_override["overrides"] = {{{"rule", "pid.nhs-number"}, {"severity", "loud"}}};
  EXPECT_TRUE(has(error_of(bad_override), "pid.nhs-number"));

  EXPECT_THROW((void)careguard::parse_pack(json::array(), "t"), PackError);
  EXPECT_THROW((void)careguard::parse_pack_text("{not json", "t"), PackError);
}

// Regression (tests/fuzz/regressions/pack_loader/number-overflow-1e400): nlohmann reports a number
// too large for a double as out_of_range, which escaped parse_pack_text's PackError contract.
TEST(ParsePack, NumberTooLargeIsAPackError) {
  EXPECT_THROW((void)careguard::parse_pack_text(R"({"id":"p","version":"1.0.0","rules":[],"org":{"beds":1e400}})", "t"),
               PackError);
}

TEST(ParsePack, ContextIsRead) {
  auto doc = valid_pack();
  doc["rules"][0]["context"] = {{"window", 5U},
                                {"before_only", true},
                                {"require", {"client"}},
                                {"otherwise", "info"},
                                {"raise", {{"terms", {"nhs"}}, {"to", "block"}}},
                                {"lower", {{"terms", {"@awareness"}}, {"to", "drop"}}}};
  const auto pack = careguard::parse_pack(doc, "t");
  ASSERT_TRUE(pack.rules[0].context.has_value());
  const auto& context = *pack.rules[0].context;
  EXPECT_EQ(context.window, 5U);
  EXPECT_TRUE(context.before_only);
  EXPECT_EQ(context.require, std::vector<std::string>{"client"});
  EXPECT_EQ(context.otherwise, careguard::Severity::Info);
  ASSERT_TRUE(context.raise.has_value());
  EXPECT_EQ(context.raise->to, careguard::Severity::Block);
  ASSERT_TRUE(context.lower.has_value());
  EXPECT_FALSE(context.lower->to.has_value());
}

TEST(LoadPackDirectory, BaseSourceDirectoryJoinsRules) {
  const std::filesystem::path dir = std::filesystem::path(CAREGUARD_SOURCE_DIR) / "patterns" / "base";
  const auto pack = careguard::load_pack_directory(dir);
  // Count the rules in rules/*.json independently.
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "rules")) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    std::ifstream in(entry.path());
    for (const auto& rule : json::parse(in)) {
      ids.insert(rule.at("id").get<std::string>());
    }
  }
  std::ifstream manifest(dir / "pack.json");
  const auto manifest_json = json::parse(manifest);
  EXPECT_EQ(pack.id, manifest_json.at("id").get<std::string>());
  EXPECT_EQ(pack.kind, "base");
  ASSERT_EQ(pack.rules.size(), ids.size());
  for (const auto& rule : pack.rules) {
    EXPECT_TRUE(ids.contains(rule.id)) << rule.id;
  }
  EXPECT_EQ(pack.word_lists.size(), manifest_json.at("word_lists").size());
  // load_pack_path takes the directory too.
  EXPECT_EQ(careguard::load_pack_path(dir).rules.size(), pack.rules.size());
}

TEST(LoadPackDirectory, ErrorsNameTheFile) {
  const careguard::testing::TempDir dir("careguard-pack-test");
  const std::filesystem::path& tmp = dir.path();
  std::filesystem::create_directories(tmp / "rules");
  EXPECT_THROW((void)careguard::load_pack_directory(tmp / "missing"), PackError);
  EXPECT_THROW((void)careguard::load_pack_directory(tmp), PackError);  // no pack.json
  {
    std::ofstream(tmp / "pack.json") << R"({"id": "dir-pack", "version": "1.0.0", "kind": "org"})";
    std::ofstream(tmp / "rules" / "a.json") << json::array({valid_rule("dir.one")}).dump();
    std::ofstream(tmp / "rules" / "b.json") << json::array({valid_rule("dir.one")}).dump();
  }
  try {
    (void)careguard::load_pack_directory(tmp);
    ADD_FAILURE() << "duplicate id across files accepted";
  } catch (const PackError& error) {
    EXPECT_TRUE(has(error.what(), "dir.one")) << error.what();
  }
  std::ofstream(tmp / "rules" / "b.json") << "[{\"id\": \"dir.two\"}]";
  try {
    (void)careguard::load_pack_directory(tmp);
    ADD_FAILURE() << "bad rule accepted";
  } catch (const PackError& error) {
    EXPECT_TRUE(has(error.what(), "b.json")) << error.what();
    EXPECT_TRUE(has(error.what(), "dir.two")) << error.what();
  }
  std::filesystem::remove(tmp / "rules" / "b.json");
  const auto pack = careguard::load_pack_directory(tmp);
  EXPECT_EQ(pack.rules.size(), 1U);
}

TEST(BuiltinBasePack, HasEveryCategory) {
  const auto& pack = careguard::builtin_base_pack();
  EXPECT_EQ(pack.kind, "base");
  EXPECT_EQ(pack.source, "built-in");
  std::map<careguard::Category, int> per_category;
  for (const auto& rule : pack.rules) {
    ++per_category[rule.category];
  }
  for (const auto category : careguard::kAllCategories) {
    EXPECT_GE(per_category[category], 1) << careguard::to_string(category);
  }
  EXPECT_EQ(per_category.size(), 9U);
  // Same rules as the source directory it was embedded from.
  const auto from_disk =
      careguard::load_pack_directory(std::filesystem::path(CAREGUARD_SOURCE_DIR) / "patterns" / "base");
  EXPECT_EQ(pack.rules.size(), from_disk.rules.size());
}

TEST(PackJson, RoundTrip) {
  auto doc = valid_pack();
  doc["description"] = "fictional";
  doc["word_lists"] = {{"people", {"client", "service user"}}};
  doc["rules"][0]["validator"] = "nhs-number";
  doc["rules"][0]["allow"] = {"widget 1"};
  doc["rules"][0]["confidence"] = 0.75;
  doc["rules"][0]["context"] = {{"window", 4U},
                                {"after_only", true},
                                {"require", {"@people"}},
                                {"otherwise", "drop"},
                                {"raise", {{"terms", {"nhs"}}, {"to", "block"}}},
                                {"lower", {{"terms", {"training"}}, {"to", "info"}}}};
  doc["rules"][0]["examples"] = {{"match", {"a widget"}}, {"no_match", {"widgets"}}};
  doc["rules"].push_back(valid_rule("test.two"));
  doc["rules"][1].erase("patterns");
  doc["rules"][1]["terms"] = {"care plan"};
  doc["rules"].push_back(valid_rule("test.three"));
  doc["rules"][2].erase("patterns");
  doc["rules"][2]["names"] = "service-user";
  doc["overrides"] = {{{"rule", "pid.nhs-number"}, {"disabled", true}}, {{"rule", "pid.uk-postcode"}, {"severity", "info"}}};
  doc["allowlist"] = {"sw1a 1aa"};
  doc["org"] = {{"name", "Fictional Care Ltd"}};
  doc["names"] = {{"key", std::string(32, 'a')}};
  doc["site_adapters"] = {{{"site", "example.org"}}};
  const auto pack = careguard::parse_pack(doc, "t");
  const auto first = careguard::to_json(pack);
  const auto again = careguard::parse_pack(first, "t");
  EXPECT_EQ(careguard::to_json(again), first);
  EXPECT_EQ(again.rules.size(), 3U);
  EXPECT_EQ(again.overrides.size(), 2U);
  EXPECT_EQ(again.rules[0].context->window, 4U);
  EXPECT_TRUE(again.rules[0].context->after_only);
  EXPECT_EQ(again.rules[0].examples_match, std::vector<std::string>{"a widget"});
  EXPECT_EQ(again.org, doc["org"]);
  // The base pack survives a round trip too.
  const auto base = careguard::to_json(careguard::builtin_base_pack());
  EXPECT_EQ(careguard::to_json(careguard::parse_pack(base, "again")), base);
}

TEST(CompareVersions, Numeric) {
  EXPECT_EQ(careguard::compare_versions("1.2.3", "1.2.3"), 0);
  EXPECT_LT(careguard::compare_versions("1.2.10", "1.10.0"), 0);
  EXPECT_GT(careguard::compare_versions("1.10.0", "1.2.10"), 0);
  EXPECT_LT(careguard::compare_versions("1.2.9", "1.2.10"), 0);
  EXPECT_GT(careguard::compare_versions("2.0.0", "1.99.99"), 0);
  EXPECT_LT(careguard::compare_versions("0.1.0", "0.1.1"), 0);
  EXPECT_EQ(careguard::compare_versions("1.0", "1.0.0"), 0);
  EXPECT_EQ(careguard::compare_versions("1.2.3-beta", "1.2.3"), 0);  // pre-release tags are not ordered
}

}  // namespace
