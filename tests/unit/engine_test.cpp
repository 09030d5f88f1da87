// careguard::Engine: the built-in base pack end to end (UTF-16 offsets, normalisation, validators,
// span merging), and small synthetic packs for context, allowlists, overrides, errors and name lists.

#include "careguard/database_cache.hpp"
#include "careguard/engine.hpp"
#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"
#include "careguard/pack.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using careguard::Engine;
using careguard::Finding;
using careguard::Pack;
using careguard::PackError;
using careguard::Severity;
using nlohmann::json;

/// ctest runs every case in its own process; with CAREGUARD_TEST_CACHE set (tests/CMakeLists.txt)
/// the base pack is compiled by the first and loaded from the cache by the rest. The compile path
/// itself is covered by the cache tests, which use caches of their own.
const careguard::DatabaseCache* shared_cache() {
  static const std::optional<careguard::DatabaseCache> cache = []() -> std::optional<careguard::DatabaseCache> {
    const char* directory = std::getenv("CAREGUARD_TEST_CACHE");
    if (directory == nullptr || *directory == '\0') {
      return std::nullopt;
    }
    return careguard::DatabaseCache(directory);
  }();
  return cache ? &*cache : nullptr;
}

/// UTF-16 length of UTF-8 text, counted independently of the library.
std::uint32_t utf16_units(std::string_view utf8) {
  std::uint32_t units = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    if (byte < 0x80U) {
      i += 1;
      units += 1;
    } else if (byte < 0xE0U) {
      i += 2;
      units += 1;
    } else if (byte < 0xF0U) {
      i += 3;
      units += 1;
    } else {
      i += 4;
      units += 2;
    }
  }
  return units;
}

/// The UTF-16 range of `needle` (its first occurrence) in `text`.
std::pair<std::uint32_t, std::uint32_t> range_of(std::string_view text, std::string_view needle) {
  const std::size_t at = text.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  const std::uint32_t start = utf16_units(text.substr(0, at));
  return {start, start + utf16_units(needle)};
}

std::vector<Finding> of_rule(const careguard::ScanResult& result, std::string_view rule) {
  std::vector<Finding> out;
  std::copy_if(result.findings.begin(), result.findings.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.rule == rule; });
  return out;
}

Pack pack_of(const json& document) { return careguard::parse_pack(document, "test:" + document.value("id", std::string())); }

json rule(const std::string& id, const std::string& pattern, const std::string& severity = "warn") {
  return {{"id", id},
          {"category", "internal"},
          {"severity", severity},
          {"clause", "9.9"},
          {"message", "A fictional test rule."},
          {"patterns", {pattern}}};
}

// ---------------------------------------------------------------------------------------------
// The built-in base pack, compiled once for the suite.

class BaseEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = Engine::build({careguard::builtin_base_pack()}, shared_cache()); }
  static void TearDownTestSuite() { engine_.reset(); }
  static std::shared_ptr<const Engine> engine_;
};
std::shared_ptr<const Engine> BaseEngineTest::engine_;

TEST_F(BaseEngineTest, SummaryAndStats) {
  ASSERT_EQ(engine_->packs().size(), 1U);
  EXPECT_EQ(engine_->packs()[0].id, careguard::builtin_base_pack().id);
  EXPECT_EQ(engine_->packs()[0].rules, careguard::builtin_base_pack().rules.size());
  EXPECT_EQ(engine_->stats().rules, careguard::builtin_base_pack().rules.size());
  EXPECT_GT(engine_->stats().expressions, 0U);
  EXPECT_GT(engine_->stats().database_bytes, 0U);
  if (shared_cache() == nullptr) {
    EXPECT_FALSE(engine_->loaded_from_cache());
  }
  EXPECT_EQ(engine_->content_hash().size(), 64U);
  EXPECT_FALSE(engine_->serialize().bytes.empty());
}

TEST_F(BaseEngineTest, NhsNumberBlocksWithExactOffsets) {
  const std::string text = "NHS no 943 476 5919";
  const auto found = of_rule(engine_->scan(text), "pid.nhs-number");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Block);
  EXPECT_EQ(found[0].category, careguard::Category::PersonalIdentifier);
  EXPECT_EQ(found[0].start, 7U);
  EXPECT_EQ(found[0].end, 19U);
  EXPECT_FALSE(found[0].message.empty());
  EXPECT_EQ(found[0].clause, "7.2");
  EXPECT_GT(found[0].confidence, 0.0);
  EXPECT_LE(found[0].confidence, 1.0);
  const auto as_json = careguard::to_json(found[0]);
  EXPECT_EQ(as_json.at("rule"), "pid.nhs-number");
  EXPECT_EQ(as_json.at("severity"), "block");
  EXPECT_EQ(as_json.at("start"), 7);
  EXPECT_EQ(as_json.at("end"), 19);
  EXPECT_FALSE(as_json.contains("text"));
}

TEST_F(BaseEngineTest, InvalidCheckDigitIsNotAnNhsNumber) {
  EXPECT_TRUE(of_rule(engine_->scan("Order 943 476 5918"), "pid.nhs-number").empty());
  EXPECT_TRUE(of_rule(engine_->scan("Order 943 476 5918 has shipped"), "pid.nhs-number").empty());
}

TEST_F(BaseEngineTest, EmojiBeforeTheMatchShiftsByUtf16Units) {
  const std::string text = "\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC NHS 943 476 5919";  // 👵🏼 NHS ...
  const auto found = of_rule(engine_->scan(text), "pid.nhs-number");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(text, "943 476 5919"));
  EXPECT_EQ(found[0].start, 4U + 5U);  // two surrogate pairs, then " NHS "
  EXPECT_EQ(found[0].end, found[0].start + 12U);
  EXPECT_EQ(found[0].severity, Severity::Block);
}

TEST_F(BaseEngineTest, ZeroWidthSpaceInsideTheNumberOrTheText) {
  const std::string inside = "NHS 943\xE2\x80\x8B" "476 5919";
  auto found = of_rule(engine_->scan(inside), "pid.nhs-number");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(inside, "943\xE2\x80\x8B" "476 5919"));

  const std::string in_word = "\xF0\x9F\x98\x80 N\xE2\x80\x8BHS 943 476 5919";
  found = of_rule(engine_->scan(in_word), "pid.nhs-number");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Block);  // "nhs" still read through the zero-width space
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(in_word, "943 476 5919"));
}

TEST_F(BaseEngineTest, SpacedOutDigits) {
  const std::string text = "NHS: 9 4 3 4 7 6 5 9 1 9 thanks";
  const auto found = of_rule(engine_->scan(text), "pid.nhs-number");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(text, "9 4 3 4 7 6 5 9 1 9"));
}

TEST_F(BaseEngineTest, AllCapsAndFullWidth) {
  const std::string caps = "HER NHS NUMBER IS 943 476 5919";
  auto found = of_rule(engine_->scan(caps), "pid.nhs-number");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Block);
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(caps, "943 476 5919"));

  // Full-width digits: ９４３ ４７６ ５９１９
  const std::string wide = "nhs \xEF\xBC\x99\xEF\xBC\x94\xEF\xBC\x93 \xEF\xBC\x94\xEF\xBC\x97\xEF\xBC\x96 "
                           "\xEF\xBC\x95\xEF\xBC\x99\xEF\xBC\x91\xEF\xBC\x99";
  found = of_rule(engine_->scan(wide), "pid.nhs-number");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].start, 4U);
  EXPECT_EQ(found[0].end, 16U);
}

TEST_F(BaseEngineTest, PostcodeWithoutSpace) {
  for (const std::string& text : std::vector<std::string>{"my client lives at sw1a1aa", "MY CLIENT LIVES AT SW1A1AA",
                                                         "my client lives at SW1A 1AA"}) {
    const auto found = of_rule(engine_->scan(text), "pid.uk-postcode");
    ASSERT_EQ(found.size(), 1U) << text;
    EXPECT_EQ(found[0].start, 19U) << text;
    EXPECT_EQ(found[0].end, static_cast<std::uint32_t>(text.size())) << text;
    EXPECT_EQ(found[0].severity, Severity::Block) << text;  // raised by "client"
  }
  EXPECT_TRUE(of_rule(engine_->scan("QA1 1AA"), "pid.uk-postcode").empty());
}

TEST_F(BaseEngineTest, OneFindingPerOccurrence) {
  const std::string text = "NHS no 943 476 5919 and again 943-476-5919";
  const auto found = of_rule(engine_->scan(text), "pid.nhs-number");
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(text, "943 476 5919"));
  EXPECT_EQ(std::make_pair(found[1].start, found[1].end), range_of(text, "943-476-5919"));
  // Findings are sorted by position and never duplicated.
  const auto all = engine_->scan(text).findings;
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(all[i - 1].start, all[i].start);
    EXPECT_FALSE(all[i - 1] == all[i]);
  }
}

TEST_F(BaseEngineTest, OtherIdentifiers) {
  EXPECT_EQ(of_rule(engine_->scan("his NI is AB 12 34 56 C"), "pid.national-insurance-number").size(), 1U);
  EXPECT_TRUE(of_rule(engine_->scan("code GB123456A"), "pid.national-insurance-number").empty());
  EXPECT_EQ(of_rule(engine_->scan("card 4111 1111 1111 1111"), "pid.payment-card").size(), 1U);
  EXPECT_TRUE(of_rule(engine_->scan("card 4111 1111 1111 1112"), "pid.payment-card").empty());
}

TEST_F(BaseEngineTest, MaxFindingsTruncates) {
  std::string text;
  for (int i = 0; i < 6; ++i) {
    text += "NHS 943 476 5919. ";
  }
  const auto all = engine_->scan(text);
  EXPECT_FALSE(all.truncated);
  ASSERT_GE(all.findings.size(), 6U);
  const auto cut = engine_->scan(text, 2);
  EXPECT_TRUE(cut.truncated);
  ASSERT_EQ(cut.findings.size(), 2U);
  EXPECT_EQ(cut.findings[0], all.findings[0]);
  EXPECT_EQ(cut.findings[1], all.findings[1]);
}

TEST_F(BaseEngineTest, OneMebibyteScansWithoutCrashing) {
  const std::string unit = "Visit Mrs K at SW1A 1AA, NHS 943 476 5919 \xF0\x9F\x98\x80 caf\xC3\xA9 tea. ";
  std::string text;
  while (text.size() + unit.size() <= 1024U * 1024U) {
    text += unit;
  }
  const auto result = engine_->scan(text);
  EXPECT_LE(result.findings.size(), careguard::kMaxFindings);
  EXPECT_TRUE(result.truncated);  // far more than 1000 findings
  const std::uint32_t length = utf16_units(text);
  for (const auto& f : result.findings) {
    EXPECT_LT(f.start, f.end);
    EXPECT_LE(f.end, length);
  }
  // Plain text of the same size, too.
  const auto plain = engine_->scan(std::string(1024U * 1024U, 'a'));
  EXPECT_TRUE(plain.findings.empty());
}

TEST_F(BaseEngineTest, EmptyAndPlainText) {
  EXPECT_TRUE(engine_->scan("").findings.empty());
  EXPECT_FALSE(engine_->scan("").truncated);
  EXPECT_TRUE(engine_->scan("Lovely sunny day for a walk in the park").findings.empty());
}

TEST_F(BaseEngineTest, ConcurrentScansAgree) {
  const std::vector<std::string> texts = {"NHS no 943 476 5919", "my client lives at sw1a1aa",
                                          "his NI is AB 12 34 56 C", "nothing here"};
  std::vector<careguard::ScanResult> expected;
  for (const auto& text : texts) {
    expected.push_back(engine_->scan(text));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const auto k = static_cast<std::size_t>(i) % texts.size();
        EXPECT_EQ(engine_->scan(texts[k]).findings, expected[k].findings);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
}

// ---------------------------------------------------------------------------------------------
// Small synthetic packs: fast to compile, one behaviour each.

json context_pack() {
  json r_require = rule("t.require", "\\bwidget\\b");
  r_require["context"] = {{"require", {"client"}}};
  json r_otherwise = rule("t.otherwise", "\\bgadget\\b", "block");
  r_otherwise["context"] = {{"require", {"client"}}, {"otherwise", "info"}};
  json r_raise = rule("t.raise", "\\bgizmo\\b");
  r_raise["context"] = {{"raise", {{"terms", {"urgent"}}, {"to", "block"}}}};
  json r_lower = rule("t.lower", "\\bdoohickey\\b");
  r_lower["context"] = {{"lower", {{"terms", {"@training-words"}}, {"to", "drop"}}}};
  json r_lower_info = rule("t.lower-info", "\\bthingamajig\\b", "block");
  r_lower_info["context"] = {{"raise", {{"terms", {"urgent"}}, {"to", "block"}}},
                             {"lower", {{"terms", {"train*"}}, {"to", "info"}}}};
  json r_before = rule("t.before", "\\bsprocket\\b");
  r_before["context"] = {{"require", {"client"}}, {"before_only", true}};
  json r_terms = {{"id", "t.terms"},       {"category", "health-record"}, {"severity", "warn"},
                  {"clause", "9.9"},       {"message", "Fictional."},     {"terms", {"care plan", "plan review"}}};
  json r_merge = rule("t.merge", "ab+");
  json r_ref = rule("t.ref", "\\bref \\d+\\b");
  r_ref["allow"] = {"Ref 7"};
  return {{"id", "ctx-test"},
          {"version", "1.0.0"},
          {"kind", "base"},
          {"word_lists", {{"training-words", {"training", "course"}}}},
          {"allowlist", {"REF 42"}},
          {"rules", {r_require, r_otherwise, r_raise, r_lower, r_lower_info, r_before, r_terms, r_merge, r_ref}}};
}

class SyntheticEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = Engine::build({pack_of(context_pack())}); }
  static void TearDownTestSuite() { engine_.reset(); }
  static std::vector<Finding> scan(std::string_view text, std::string_view rule_id) {
    return of_rule(engine_->scan(text), rule_id);
  }
  static std::shared_ptr<const Engine> engine_;
};
std::shared_ptr<const Engine> SyntheticEngineTest::engine_;

TEST_F(SyntheticEngineTest, RequireDropsWithoutContext) {
  EXPECT_TRUE(scan("the widget broke", "t.require").empty());
  const auto found = scan("my client's widget broke", "t.require");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Warn);
  EXPECT_NEAR(found[0].confidence, 0.9, 1e-9);  // 0.6 + 0.3 for context
  EXPECT_EQ(found[0].start, 12U);
  EXPECT_EQ(found[0].end, 18U);
}

TEST_F(SyntheticEngineTest, RequireLooksWithinTheWindow) {
  // Window 8: "client" nine words before is too far, eight is near enough.
  EXPECT_TRUE(scan("client a b c d e f g h i widget", "t.require").empty());
  EXPECT_EQ(scan("client a b c d e f g widget", "t.require").size(), 1U);
  EXPECT_EQ(scan("widget a b c d e f g client", "t.require").size(), 1U);
}

TEST_F(SyntheticEngineTest, BeforeOnlyLooksOnOneSide) {
  EXPECT_EQ(scan("client sprocket", "t.before").size(), 1U);
  EXPECT_TRUE(scan("sprocket client", "t.before").empty());
}

TEST_F(SyntheticEngineTest, OtherwiseSeverity) {
  auto found = scan("a gadget", "t.otherwise");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Info);
  found = scan("the client gadget", "t.otherwise");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Block);
}

TEST_F(SyntheticEngineTest, RaiseSeverity) {
  auto found = scan("a gizmo", "t.raise");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Warn);
  found = scan("URGENT: gizmo", "t.raise");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Block);
}

TEST_F(SyntheticEngineTest, LowerToDropThroughAWordList) {
  EXPECT_EQ(scan("a doohickey", "t.lower").size(), 1U);
  EXPECT_TRUE(scan("training doohickey", "t.lower").empty());
  EXPECT_TRUE(scan("doohickey course", "t.lower").empty());
}

TEST_F(SyntheticEngineTest, LowerWinsOverRaise) {
  auto found = scan("urgent thingamajig", "t.lower-info");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Block);
  found = scan("urgent thingamajig for trainees", "t.lower-info");  // prefix "train*"
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Info);
}

TEST_F(SyntheticEngineTest, TermsAndOverlapMerging) {
  const std::string text = "\xF0\x9F\x98\x80 read the care plan review today";
  const auto found = scan(text, "t.terms");
  ASSERT_EQ(found.size(), 1U);  // "care plan" and "plan review" overlap: one finding
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(text, "care plan review"));
  EXPECT_EQ(scan("care plan. later, plan review", "t.terms").size(), 2U);
}

TEST_F(SyntheticEngineTest, OneFindingPerOccurrenceNotPerEndOffset) {
  // "ab+" ends at every b; the occurrence is one span.
  const auto found = scan("xx abbbb yy", "t.merge");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].start, 3U);
  EXPECT_EQ(found[0].end, 8U);
  EXPECT_EQ(scan("abb abb", "t.merge").size(), 2U);
}

TEST_F(SyntheticEngineTest, AllowlistsDrop) {
  EXPECT_EQ(scan("see ref 43", "t.ref").size(), 1U);
  EXPECT_TRUE(scan("see ref 42", "t.ref").empty());  // global allowlist, normalised
  EXPECT_TRUE(scan("see REF 7", "t.ref").empty());   // the rule's own allow
}

TEST(EnginePacks, OverridesDisableAndChangeSeverity) {
  const json org = {{"id", "org-test"},
                    {"version", "1.0.0"},
                    {"kind", "org"},
                    {"overrides", {{{"rule", "t.raise"}, {"disabled", true}}, {{"rule", "t.lower"}, {"severity", "info"}}}}};
  const auto engine = Engine::build({pack_of(context_pack()), pack_of(org)});
  EXPECT_TRUE(of_rule(engine->scan("urgent gizmo"), "t.raise").empty());
  const auto lowered = of_rule(engine->scan("a doohickey"), "t.lower");
  ASSERT_EQ(lowered.size(), 1U);
  EXPECT_EQ(lowered[0].severity, Severity::Info);
  EXPECT_EQ(engine->stats().rules, context_pack()["rules"].size() - 1);
  ASSERT_EQ(engine->packs().size(), 2U);
  EXPECT_EQ(engine->packs()[1].id, "org-test");

  const json unknown = {{"id", "org-test"},
                        {"version", "1.0.0"},
                        {"overrides", {{{"rule", "no.such-rule"}, {"disabled", true}}}}};
  try {
    (void)Engine::build({pack_of(context_pack()), pack_of(unknown)});
    ADD_FAILURE() << "override of an unknown rule accepted";
  } catch (const PackError& error) {
    EXPECT_NE(std::string(error.what()).find("no.such-rule"), std::string::npos) << error.what();
  }
}

TEST(EnginePacks, BadPatternNamesTheRule) {
  for (const std::string& pattern : std::vector<std::string>{"(unclosed", "a*", "\\bx{2,1}"}) {
    const json pack = {{"id", "bad-test"}, {"version", "1.0.0"}, {"kind", "base"},
                       {"rules", {rule("t.fine", "\\bfine\\b"), rule("t.broken-one", pattern)}}};
    try {
      (void)Engine::build({pack_of(pack)});
      ADD_FAILURE() << "compiled: " << pattern;
    } catch (const PackError& error) {
      EXPECT_NE(std::string(error.what()).find("t.broken-one"), std::string::npos) << error.what();
      EXPECT_EQ(std::string(error.what()).find("t.fine"), std::string::npos) << error.what();
    }
  }
}

TEST(EnginePacks, DuplicateRuleAcrossPacksAndUnknownWordList) {
  const json a = {{"id", "a-test"}, {"version", "1.0.0"}, {"kind", "base"}, {"rules", {rule("t.same", "\\bx\\b")}}};
  const json b = {{"id", "b-test"}, {"version", "1.0.0"}, {"rules", {rule("t.same", "\\by\\b")}}};
  EXPECT_THROW((void)Engine::build({pack_of(a), pack_of(b)}), PackError);
  json with_list = rule("t.list", "\\bz\\b");
  with_list["context"] = {{"require", {"@missing-list"}}};
  const json c = {{"id", "c-test"}, {"version", "1.0.0"}, {"kind", "base"}, {"rules", {with_list}}};
  try {
    (void)Engine::build({pack_of(c)});
    ADD_FAILURE() << "unknown word list accepted";
  } catch (const PackError& error) {
    EXPECT_NE(std::string(error.what()).find("t.list"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("missing-list"), std::string::npos) << error.what();
  }
}

TEST(EnginePacks, AWordListSharedByRulesAndContextServesEachOfThem) {
  // The list's phrases are added once and their ids shared: every rule drawing on it, as terms or
  // as context, must still see every word, and a rule's own terms beside it.
  json listed = {{"id", "t.listed"}, {"category", "internal"}, {"severity", "warn"}, {"clause", "9.9"},
                 {"message", "A fictional test rule."}, {"terms", {"@pets"}}};
  json with_more = listed;
  with_more["id"] = "t.listed-and-own";
  with_more["terms"] = {"@pets", "budgie", "Hamster"};
  json near_pets = rule("t.near-pets", "\\bcage\\b");
  near_pets["context"] = {{"require", {"@pets"}}};
  const json pack = {{"id", "list-test"},
                     {"version", "1.0.0"},
                     {"kind", "base"},
                     {"word_lists", {{"pets", {"Hamster", "guinea pig"}}}},
                     {"rules", {listed, with_more, near_pets}}};
  const auto engine = Engine::build({pack_of(pack)});
  EXPECT_EQ(engine->stats().phrases, 3U);  // hamster, guinea pig, budgie
  const auto result = engine->scan("the Guinea Pig's cage and a hamster");
  EXPECT_EQ(of_rule(result, "t.listed").size(), 2U);
  EXPECT_EQ(of_rule(result, "t.listed-and-own").size(), 2U);
  EXPECT_EQ(of_rule(result, "t.near-pets").size(), 1U);
  EXPECT_EQ(of_rule(engine->scan("a budgie in a cage"), "t.listed-and-own").size(), 1U);
  EXPECT_TRUE(of_rule(engine->scan("a budgie in a cage"), "t.listed").empty());
  EXPECT_TRUE(of_rule(engine->scan("a budgie in a cage"), "t.near-pets").empty());
}

/// Every finding of every example text of the base pack, as JSON, for comparing two engines.
json findings_of_examples(const Engine& engine, const std::vector<std::string>& extra) {
  json out = json::array();
  auto add = [&](const std::string& text) {
    for (const auto& finding : engine.scan(text).findings) {
      out.push_back(careguard::to_json(finding));
    }
  };
  for (const auto& rule : careguard::builtin_base_pack().rules) {
    for (const auto& text : rule.examples_match) {
      add(text);
    }
    for (const auto& text : rule.examples_no_match) {
      add(text);
    }
  }
  for (const auto& text : extra) {
    add(text);
  }
  return out;
}

TEST(EnginePacks, BuiltinTablesMadeBeforehandGiveTheSameEngine) {
  // An org rule drawing on a base word list and on its own, and context from a base list.
  json org_terms = {{"id", "org.terms"}, {"category", "internal"}, {"severity", "warn"}, {"clause", "9.9"},
                    {"message", "A fictional test rule."}, {"terms", {"@diagnoses", "@org-words", "Project Kestrelwing"}}};
  json org_context = rule("org.context", "\\bward \\d+\\b");
  org_context["context"] = {{"require", {"@care-docs", "@org-words"}}};
  const json org = {{"id", "org-test"},
                    {"version", "1.0.0"},
                    {"word_lists", {{"org-words", {"Fernhollow", "rota board"}}}},
                    {"rules", {org_terms, org_context}}};
  const Pack org_pack = pack_of(org);
  const std::vector<const Pack*> packs{&careguard::builtin_base_pack(), &org_pack};
  const std::vector<std::string> extra = {"Project Kestrelwing starts on ward 12 at Fernhollow",
                                          "the rota board for ward 7 says dementia", "Ward 3 care plan"};
  const auto made_here = Engine::build(packs, shared_cache());
  Engine::prepare_builtin_tables();
  const auto copied = Engine::build(packs, shared_cache());
  EXPECT_EQ(copied->stats().rules, made_here->stats().rules);
  EXPECT_EQ(copied->stats().phrases, made_here->stats().phrases);
  const json expected = findings_of_examples(*made_here, extra);
  EXPECT_GT(expected.size(), 100U);
  EXPECT_EQ(findings_of_examples(*copied, extra), expected);
  EXPECT_FALSE(of_rule(copied->scan(extra[0]), "org.terms").empty());
  EXPECT_FALSE(of_rule(copied->scan(extra[0]), "org.context").empty());

  // A pack that extends a base word list, or overrides a base rule, changes the base pack's
  // tables: such a build makes its own, and the extension reaches the base rules.
  json extends = org;
  extends["word_lists"]["diagnoses"] = {"kestrelwing syndrome"};
  const Pack extends_pack = pack_of(extends);
  const auto extended = Engine::build(std::vector<const Pack*>{&careguard::builtin_base_pack(), &extends_pack},
                                      shared_cache());
  EXPECT_EQ(extended->stats().phrases, made_here->stats().phrases + 1);
  const auto base_rules_on = [&](const Engine& engine, std::string_view text) {
    std::size_t count = 0;
    for (const auto& finding : engine.scan(text).findings) {
      count += finding.rule.starts_with("org.") ? 0U : 1U;
    }
    return count;
  };
  const std::string post = "Mrs Avery has kestrelwing syndrome";
  EXPECT_GT(base_rules_on(*extended, post), base_rules_on(*copied, post));
  // A rule of terms alone, so the database stays the one cached above.
  const auto terms_only = std::find_if(careguard::builtin_base_pack().rules.begin(), careguard::builtin_base_pack().rules.end(),
                                       [](const careguard::Rule& r) { return r.patterns.empty(); });
  ASSERT_NE(terms_only, careguard::builtin_base_pack().rules.end());
  json overrides = org;
  overrides["overrides"] = {{{"rule", terms_only->id}, {"disabled", true}}};
  const Pack overrides_pack = pack_of(overrides);
  const auto overridden = Engine::build(std::vector<const Pack*>{&careguard::builtin_base_pack(), &overrides_pack},
                                        shared_cache());
  EXPECT_EQ(overridden->stats().rules, made_here->stats().rules - 1);
}

// ---------------------------------------------------------------------------------------------
// Name lists: an org pack built with NameIndex::build_json over the real base pack's name rules.

class NamesEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const careguard::Normalizer normalizer;
    const json names = careguard::NameIndex::build_json({{"Doris", "Baker", ""}, {"Zo\xC3\xAB", "Smith-Jones", ""}},
                                                        {{"Priya", "Fictional", ""}}, normalizer);
    const json org = {{"id", "fictional-org"}, {"version", "1.0.0"}, {"kind", "org"}, {"names", names}};
    engine_ = Engine::build({careguard::builtin_base_pack(), pack_of(org)});
  }
  static void TearDownTestSuite() { engine_.reset(); }
  static std::shared_ptr<const Engine> engine_;
};
std::shared_ptr<const Engine> NamesEngineTest::engine_;

TEST_F(NamesEngineTest, FullNameBlocks) {
  const std::string text = "\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC Doris Baker came round";
  const auto found = of_rule(engine_->scan(text), "names.service-user");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Block);
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(text, "Doris Baker"));
  EXPECT_EQ(of_rule(engine_->scan("ZOE SMITH-JONES"), "names.service-user").size(), 1U);
  EXPECT_EQ(of_rule(engine_->scan("saw Mrs Baker"), "names.service-user").size(), 1U);
}

TEST_F(NamesEngineTest, FirstNameAloneNeedsCareWords) {
  const auto plain = engine_->scan("Doris came round for tea");
  EXPECT_TRUE(of_rule(plain, "names.service-user-first-name").empty());
  EXPECT_TRUE(of_rule(plain, "names.service-user").empty());
  const std::string text = "my client Doris was happy today";
  const auto found = of_rule(engine_->scan(text), "names.service-user-first-name");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(std::make_pair(found[0].start, found[0].end), range_of(text, "Doris"));
  EXPECT_TRUE(of_rule(engine_->scan("Baker"), "names.service-user").empty());
}

TEST_F(NamesEngineTest, Colleagues) {
  const auto found = of_rule(engine_->scan("Priya Fictional is off sick again"), "names.colleague");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::Warn);  // raised by "off sick"
  EXPECT_TRUE(of_rule(engine_->scan("Priya Fictional"), "names.service-user").empty());
}

}  // namespace
