// careguard names: tokenising normalised text, reading name CSVs, the forms a person is written
// in, and the hashed name index an org pack carries (build_json → add_from_json → match).

#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using careguard::NameIndex;
using careguard::NameKind;
using careguard::NameMatch;
using careguard::Normalizer;
using careguard::PersonName;
using careguard::Token;

std::vector<std::string> words(std::string_view text) {
  std::vector<Token> tokens;
  careguard::tokenize(text, tokens);
  std::vector<std::string> out;
  for (const auto& token : tokens) {
    EXPECT_LT(token.from, token.to);
    EXPECT_LE(token.to, text.size());
    out.emplace_back(text.substr(token.from, token.to - token.from));
  }
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return text;
}

TEST(Tokenize, ApostrophesAndHyphensInsideWords) {
  EXPECT_EQ(words("mrs o'neill and smith-jones"),
            (std::vector<std::string>{"mrs", "o'neill", "and", "smith-jones"}));
  EXPECT_EQ(words("jones' hat"), (std::vector<std::string>{"jones", "hat"}));       // trailing apostrophe
  EXPECT_EQ(words("'quoted'"), (std::vector<std::string>{"quoted"}));
  EXPECT_EQ(words("well -- known"), (std::vector<std::string>{"well", "known"}));
  EXPECT_EQ(words("a--b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(words("client's"), (std::vector<std::string>{"client's"}));
}

TEST(Tokenize, PunctuationSeparates) {
  EXPECT_EQ(words("hi,doris.baker!ok?yes;(no)"),
            (std::vector<std::string>{"hi", "doris", "baker", "ok", "yes", "no"}));
  EXPECT_EQ(words("  \n\t "), std::vector<std::string>{});
  EXPECT_EQ(words(""), std::vector<std::string>{});
  EXPECT_EQ(words("room 12b"), (std::vector<std::string>{"room", "12b"}));
}

TEST(Tokenize, EmojiAreTokensOfTheirOwn) {
  EXPECT_EQ(words("\xF0\x9F\x98\x82\xF0\x9F\x98\x82"),
            (std::vector<std::string>{"\xF0\x9F\x98\x82", "\xF0\x9F\x98\x82"}));
  EXPECT_EQ(words("doris\xF0\x9F\x98\x80" "baker"),
            (std::vector<std::string>{"doris", "\xF0\x9F\x98\x80", "baker"}));
}

TEST(Tokenize, NonAsciiLettersAndMarksAreWordCharacters) {
  EXPECT_EQ(words("zo\xC3\xAB smith"), (std::vector<std::string>{"zo\xC3\xAB", "smith"}));
  EXPECT_EQ(words("zoe\xCC\x88 x"), (std::vector<std::string>{"zoe\xCC\x88", "x"}));  // combining mark
  EXPECT_EQ(words("caf\xC3\xA9\xE2\x80\x94" "bar"), (std::vector<std::string>{"caf\xC3\xA9", "bar"}));  // em dash
}

TEST(CanonicalNameWord, StripsAccentsAndPossessive) {
  EXPECT_EQ(careguard::canonical_name_word("zo\xC3\xAB"), "zoe");
  EXPECT_EQ(careguard::canonical_name_word("o'neill's"), "o'neill");
  EXPECT_EQ(careguard::canonical_name_word("s"), "s");
  EXPECT_EQ(careguard::canonical_name_word("'s"), "'s");
}

std::vector<PersonName> read_csv(const std::string& text) {
  std::istringstream in(text);
  return careguard::read_names_csv(in);
}

TEST(ReadNamesCsv, PlainFile) {
  const auto people = read_csv("first_name,last_name,preferred_name\nDoris,Baker,Dot\nZo\xC3\xAB,Smith-Jones,\n");
  ASSERT_EQ(people.size(), 2U);
  EXPECT_EQ(people[0].first, "Doris");
  EXPECT_EQ(people[0].last, "Baker");
  EXPECT_EQ(people[0].preferred, "Dot");
  EXPECT_EQ(people[1].first, "Zo\xC3\xAB");
  EXPECT_EQ(people[1].last, "Smith-Jones");
  EXPECT_EQ(people[1].preferred, "");
}

TEST(ReadNamesCsv, QuotesEscapesBomAndCrlf) {
  const auto people = read_csv(
      "\xEF\xBB\xBFlast_name,first_name\r\n"
      "\"O'Neill, Jr\",Mary\r\n"
      "\"Fic\"\"tional\",\"Ann\"\r\n"
      "\"Two\nLines\",Bea\r\n");
  ASSERT_EQ(people.size(), 3U);
  EXPECT_EQ(people[0].last, "O'Neill, Jr");
  EXPECT_EQ(people[0].first, "Mary");
  EXPECT_EQ(people[1].last, "Fic\"tional");
  EXPECT_EQ(people[1].first, "Ann");
  EXPECT_EQ(people[2].last, "Two\nLines");
  EXPECT_EQ(people[2].first, "Bea");
  EXPECT_EQ(people[0].preferred, "");
}

TEST(ReadNamesCsv, BlankLinesAndEmptyRowsSkipped) {
  const auto people = read_csv("first_name,last_name\n\nDoris,Baker\n,\nAnn,Lee");  // no final newline
  ASSERT_EQ(people.size(), 2U);
  EXPECT_EQ(people[1].first, "Ann");
  EXPECT_EQ(people[1].last, "Lee");
}

TEST(ReadNamesCsv, MissingColumnsNameLineOne) {
  try {
    (void)read_csv("given,last_name\nDoris,Baker\n");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("line 1"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("first_name"), std::string::npos) << error.what();
  }
}

TEST(ReadNamesCsv, RaggedRowsAreErrors) {
  try {
    (void)read_csv("first_name,last_name\nDoris,Baker\nAnn,Lee,extra\n");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find('3'), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)read_csv("first_name,last_name\nDoris\n"), std::invalid_argument);
}

TEST(ReadNamesCsv, BrokenFiles) {
  EXPECT_THROW((void)read_csv(""), std::invalid_argument);
  try {
    (void)read_csv("first_name,last_name\nDoris,\"Baker\n");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("line"), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)read_csv("first_name,last_name\nDoris," + std::string(300, 'x') + "\n"), std::invalid_argument);
}

class NameIndexTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::vector<NameMatch> match(const NameIndex& index, std::string_view text) const {
    const std::string normalised = normalizer_.normalize(text);
    std::vector<Token> tokens;
    careguard::tokenize(normalised, tokens);
    std::vector<NameMatch> out;
    index.match(normalised, tokens, out);
    last_normalised_ = normalised;
    return out;
  }
  [[nodiscard]] std::string span(const NameMatch& m) const { return last_normalised_.substr(m.from, m.to - m.from); }

  Normalizer normalizer_;
  mutable std::string last_normalised_;
  const PersonName oneill_{"Mary", "O'Neill", ""};
  const PersonName zoe_{"Zo\xC3\xAB", "Smith-Jones", ""};
  const PersonName doris_{"Doris", "Baker", "Dot"};
  const PersonName colleague_{"Priya", "Fictional", ""};
};

TEST_F(NameIndexTest, FullFormsOfAnApostropheName) {
  const auto forms = NameIndex::full_forms(oneill_, normalizer_);
  EXPECT_TRUE(contains(forms, "mary o'neill"));
  EXPECT_TRUE(contains(forms, "mary o"));
  EXPECT_TRUE(contains(forms, "mrs o'neill"));
  EXPECT_TRUE(contains(forms, "mr o'neill"));
  EXPECT_TRUE(contains(forms, "dr o'neill"));
  EXPECT_TRUE(std::is_sorted(forms.begin(), forms.end()));
  EXPECT_EQ(std::adjacent_find(forms.begin(), forms.end()), forms.end());
  EXPECT_EQ(NameIndex::first_name_forms(oneill_, normalizer_), std::vector<std::string>{"mary"});
}

TEST_F(NameIndexTest, FullFormsOfAHyphenatedAccentedName) {
  const auto forms = NameIndex::full_forms(zoe_, normalizer_);
  EXPECT_TRUE(contains(forms, "zoe smith-jones"));
  EXPECT_TRUE(contains(forms, "zoe s"));
  EXPECT_TRUE(contains(forms, "ms smith-jones"));
  for (const auto& form : forms) {
    EXPECT_EQ(form.find("\xC3\xAB"), std::string::npos) << "accent kept in " << form;
  }
  EXPECT_EQ(NameIndex::first_name_forms(zoe_, normalizer_), std::vector<std::string>{"zoe"});
}

TEST_F(NameIndexTest, PreferredNamesGiveFormsToo) {
  const auto forms = NameIndex::full_forms(doris_, normalizer_);
  EXPECT_TRUE(contains(forms, "doris baker"));
  EXPECT_TRUE(contains(forms, "doris b"));
  EXPECT_TRUE(contains(forms, "dot baker"));
  EXPECT_TRUE(contains(forms, "dot b"));
  EXPECT_EQ(NameIndex::first_name_forms(doris_, normalizer_), (std::vector<std::string>{"doris", "dot"}));
  EXPECT_TRUE(NameIndex::full_forms(PersonName{"Doris", "", ""}, normalizer_).empty());
}

TEST_F(NameIndexTest, BuildJsonThenMatch) {
  const auto json = NameIndex::build_json({oneill_, zoe_, doris_}, {colleague_}, normalizer_);
  NameIndex index;
  EXPECT_TRUE(index.empty());
  index.add_from_json(json);
  EXPECT_FALSE(index.empty());
  EXPECT_GT(index.size(), 0U);

  auto found = match(index, "Visited Mrs O\xE2\x80\x99Neill today");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].kind, NameKind::ServiceUser);
  EXPECT_FALSE(found[0].first_name_only);
  EXPECT_EQ(span(found[0]), "mrs o'neill");

  found = match(index, "zoe smith-jones was lovely");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(span(found[0]), "zoe smith-jones");
  EXPECT_FALSE(found[0].first_name_only);

  found = match(index, "ZO\xC3\x8B SMITH-JONES");  // accented, in capitals
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].kind, NameKind::ServiceUser);

  found = match(index, "saw Doris B at lunch");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(span(found[0]), "doris b");
  EXPECT_FALSE(found[0].first_name_only);

  found = match(index, "Mrs O'Neill's tea");  // possessive
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(span(found[0]), "mrs o'neill's");

  EXPECT_TRUE(match(index, "Baker").empty());
  EXPECT_TRUE(match(index, "the baker down the road").empty());
  EXPECT_TRUE(match(index, "nothing to see").empty());
}

TEST_F(NameIndexTest, FirstNamesAndColleagues) {
  NameIndex index;
  index.add_from_json(NameIndex::build_json({doris_}, {colleague_}, normalizer_));
  auto found = match(index, "Doris was happy");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_TRUE(found[0].first_name_only);
  EXPECT_EQ(found[0].kind, NameKind::ServiceUser);

  found = match(index, "Priya Fictional is off sick");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].kind, NameKind::Colleague);
  EXPECT_FALSE(found[0].first_name_only);
  EXPECT_EQ(span(found[0]), "priya fictional");

  found = match(index, "Doris Baker and Priya Fictional");  // longest first, not overlapping
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(span(found[0]), "doris baker");
  EXPECT_EQ(span(found[1]), "priya fictional");
}

TEST_F(NameIndexTest, JsonHoldsNoClearTextNames) {
  const auto json = NameIndex::build_json({oneill_, zoe_, doris_}, {colleague_}, normalizer_);
  const std::string dumped = lower(json.dump());
  for (const char* name : {"mary", "neill", "zoe", "smith", "jones", "doris", "baker", "dot b", "priya", "fictional"}) {
    EXPECT_EQ(dumped.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(json.at("key").get<std::string>().size(), 32U);
  for (const char* field : {"service_users", "colleagues", "service_user_first_names", "colleague_first_names"}) {
    ASSERT_TRUE(json.at(field).is_array()) << field;
    for (const auto& digest : json.at(field)) {
      const auto text = digest.get<std::string>();
      EXPECT_EQ(text.size(), 16U);
      EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
    }
  }
  EXPECT_TRUE(std::is_sorted(json.at("service_users").begin(), json.at("service_users").end()));
}

TEST_F(NameIndexTest, EachBuildHasItsOwnKey) {
  const auto a = NameIndex::build_json({doris_}, {}, normalizer_);
  const auto b = NameIndex::build_json({doris_}, {}, normalizer_);
  EXPECT_NE(a.at("key"), b.at("key"));
  EXPECT_NE(a.at("service_users"), b.at("service_users"));
  // Two packs' indexes side by side both match.
  NameIndex index;
  index.add_from_json(a);
  index.add_from_json(NameIndex::build_json({zoe_}, {}, normalizer_));
  EXPECT_EQ(match(index, "doris baker").size(), 1U);
  EXPECT_EQ(match(index, "zoe s").size(), 1U);
}

TEST_F(NameIndexTest, MalformedJsonIsRejected) {
  NameIndex index;
  index.add_from_json(nlohmann::json::object());  // no names: nothing added
  EXPECT_TRUE(index.empty());
  EXPECT_THROW(index.add_from_json({{"service_users", nlohmann::json::array()}}), std::invalid_argument);
  EXPECT_THROW(index.add_from_json({{"key", "abc"}}), std::invalid_argument);
  EXPECT_THROW(index.add_from_json({{"key", std::string(32, 'z')}}), std::invalid_argument);
  EXPECT_THROW(index.add_from_json({{"key", std::string(32, 'a')}, {"service_users", "x"}}), std::invalid_argument);
  EXPECT_THROW(index.add_from_json({{"key", std::string(32, 'a')}, {"service_users", {"abc"}}}), std::invalid_argument);
}

TEST(KeyedNameHash, DependsOnKeyAndForm) {
  careguard::NameKey a{};
  careguard::NameKey b{};
  b[0] = 1;
  EXPECT_EQ(careguard::keyed_name_hash(a, "doris baker"), careguard::keyed_name_hash(a, "doris baker"));
  EXPECT_NE(careguard::keyed_name_hash(a, "doris baker"), careguard::keyed_name_hash(b, "doris baker"));
  EXPECT_NE(careguard::keyed_name_hash(a, "doris baker"), careguard::keyed_name_hash(a, "doris bakers"));
}

}  // namespace
