// careguard org profile: the provider's name forms, its own contact details and accounts as
// allowlist entries, and the org-name rules, scanned with the real engine over the base pack.

#include "careguard/engine.hpp"
#include "careguard/org_profile.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <string>

namespace {

using careguard::Category;
using careguard::Severity;
using nlohmann::json;

json sample_profile() {
  std::ifstream in(std::filesystem::path(CAREGUARD_SOURCE_DIR) / "examples/org/profile.json");
  return json::parse(in);
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

const careguard::Engine& sample_engine() {
  static const std::shared_ptr<const careguard::Engine> built = [] {
    careguard::Pack org;
    org.id = "example-care";
    org.version = "1.0.0";
    careguard::apply_org_profile(org, sample_profile());
    return careguard::Engine::build({careguard::builtin_base_pack(), org});
  }();
  return *built;
}

std::set<std::string> rules_at_warn(const std::string& text) {
  std::set<std::string> rules;
  for (const auto& finding : sample_engine().scan(text).findings) {
    if (finding.severity >= Severity::Warn) {
      rules.emplace(finding.rule);
    }
  }
  return rules;
}

TEST(OrgProfileTest, NameFormsDropTheLegalSuffixAndGenericCareWords) {
  const auto variants = careguard::org_name_variants(sample_profile());
  EXPECT_EQ(variants.front(), "brightside home care");
  EXPECT_TRUE(contains(variants, "brightsidehomecare"));
  EXPECT_TRUE(contains(variants, "brightside"));
  EXPECT_TRUE(contains(variants, "brightsidecare"));  // x.com/BrightsideCare
  EXPECT_FALSE(contains(variants, "care"));
  EXPECT_FALSE(contains(variants, "brightside home care ltd"));
}

TEST(OrgProfileTest, AliasesAddAndExplicitVariantsReplace) {
  json profile = {{"org_field_name", "Sunny Days Domiciliary Care Limited"}, {"org_name_aliases", {"SDC"}}};
  auto variants = careguard::org_name_variants(profile);
  EXPECT_TRUE(contains(variants, "sunny days domiciliary care"));
  EXPECT_TRUE(contains(variants, "sunny days"));
  EXPECT_TRUE(contains(variants, "sdc"));
  profile["org_name_variants"] = {"Sunny Days Care"};
  EXPECT_EQ(careguard::org_name_variants(profile), std::vector<std::string>{"sunny days care"});
  EXPECT_TRUE(careguard::org_name_variants(json{{"org_field_name", "Care Ltd"}}).size() == 1);
  EXPECT_TRUE(careguard::org_name_variants(json::object()).empty());
}

TEST(OrgProfileTest, AllowlistHoldsTheProvidersOwnContactDetailsAndAccounts) {
  const auto allow = careguard::org_allowlist(sample_profile());
  EXPECT_TRUE(contains(allow, "0161 496 0123"));
  EXPECT_TRUE(contains(allow, "0161 496 0140"));  // inside safeguarding_contact
  EXPECT_TRUE(contains(allow, "safeguarding@brightside-homecare.example"));
  EXPECT_TRUE(contains(allow, "hr@brightside-homecare.example"));
  EXPECT_TRUE(contains(allow, "Unit 4, Mill Lane Business Park, Rochdale OL16 4PL"));
  EXPECT_TRUE(contains(allow, "facebook.com/BrightsideHomeCare"));
  EXPECT_TRUE(contains(allow, "@BrightsideCare"));
  EXPECT_FALSE(contains(allow, "24"));
}

TEST(OrgProfileTest, RejectsAProfileThatIsNotAnObject) {
  careguard::Pack pack;
  EXPECT_THROW(careguard::apply_org_profile(pack, json::array()), careguard::PackError);
}

TEST(OrgProfileTest, NamingTheEmployerWithACriticismIsReputation) {
  EXPECT_TRUE(rules_at_warn("Brightside is a cowboy outfit, they'll send anyone out with no training")
                  .contains("org.name-reputation"));
  EXPECT_TRUE(rules_at_warn("brightside home care pay us late every month, shambles").contains("org.name-reputation"));
  EXPECT_TRUE(rules_at_warn("@BrightsideCare you are a disgrace").contains("org.name-reputation"));
}

TEST(OrgProfileTest, NamingTheEmployerWithAnInternalMatterIsInternal) {
  EXPECT_TRUE(rules_at_warn("Brightside are being sold to a big group, nobody's meant to know yet")
                  .contains("org.name-internal"));
}

TEST(OrgProfileTest, InnocentMentionsAndTheProvidersOwnDetailsStayQuiet) {
  EXPECT_TRUE(rules_at_warn("Brightside Home Care are hiring night carers in Rochdale, apply online").empty());
  EXPECT_TRUE(rules_at_warn("so proud to work for Brightside, best team ever").empty());
  EXPECT_TRUE(rules_at_warn("Brightside's office number is 0161 496 0123 if you want to apply").empty());
  EXPECT_TRUE(rules_at_warn("worried about a client? ring the safeguarding line on 0161 496 0140").empty());
}

TEST(OrgProfileTest, TheRulesCarryExamplesWrittenFromTheName) {
  careguard::Pack pack;
  careguard::apply_org_profile(pack, sample_profile());
  ASSERT_EQ(pack.rules.size(), 2U);
  for (const auto& rule : pack.rules) {
    EXPECT_TRUE(rule.category == Category::Reputation || rule.category == Category::Internal);
    ASSERT_FALSE(rule.examples_match.empty());
    EXPECT_NE(rule.examples_match.front().find("brightside"), std::string::npos) << rule.id;
    for (const auto& text : rule.examples_match) {
      bool flagged = false;
      for (const auto& finding : sample_engine().scan(text).findings) {
        flagged = flagged || finding.rule == rule.id;
      }
      EXPECT_TRUE(flagged) << rule.id << ": " << text;
    }
  }
  // Applying twice (a rules pack that already has them) adds nothing.
  careguard::apply_org_profile(pack, sample_profile());
  EXPECT_EQ(pack.rules.size(), 2U);
}

}  // namespace
