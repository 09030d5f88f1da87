// careguard names: tokenising normalised text, reading name CSVs, the forms a person is written
// in, and the hashed name index an org pack carries (build_json → add_from_json → match).

#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
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

  [[nodiscard]] static std::vector<std::uint64_t> decode_digests(const std::string& base64) {
    std::vector<unsigned char> bytes(base64.size() + 1);  // data() is never null, even for ""
    std::size_t length = 0;
    EXPECT_EQ(sodium_base642bin(bytes.data(), bytes.size(), base64.data(), base64.size(), nullptr, &length, nullptr,
                                sodium_base64_VARIANT_ORIGINAL),
              0);
    EXPECT_EQ(length % 8, 0U);
    std::vector<std::uint64_t> out;
    for (std::size_t i = 0; i + 8 <= length; i += 8) {
      std::uint64_t value = 0;
      for (std::size_t k = 0; k < 8; ++k) {
        value = (value << 8U) | bytes[i + k];
      }
      out.push_back(value);
    }
    return out;
  }

  [[nodiscard]] static std::string fmt_hex(std::uint64_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, value >>= 4U) {
      out[static_cast<std::size_t>(i)] = kDigits[value & 15U];
    }
    return out;
  }

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
  EXPECT_EQ(json.at("hash"), "siphash24-b64");
  EXPECT_EQ(json.at("key").get<std::string>().size(), 32U);
  std::string readable = json.at("key").get<std::string>();
  for (const char* field : {"service_users", "colleagues", "service_user_first_names", "colleague_first_names"}) {
    // Each list is the sorted 8-byte digests, nothing else: decode it and look at the bytes.
    const auto digests = decode_digests(json.at(field).get<std::string>());
    EXPECT_FALSE(digests.empty()) << field;
    EXPECT_TRUE(std::is_sorted(digests.begin(), digests.end())) << field;
    EXPECT_EQ(std::adjacent_find(digests.begin(), digests.end()), digests.end()) << field;
    for (const auto digest : digests) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        readable.push_back(static_cast<char>(digest >> static_cast<unsigned>(shift)));
      }
    }
  }
  readable = lower(readable);
  for (const char* name : {"mary", "neill", "zoe", "smith", "jones", "doris", "baker", "dot b", "priya", "fictional"}) {
    EXPECT_EQ(readable.find(name), std::string::npos) << name;
  }
  // Ten full forms a service user at most, two first names: the list sizes are the forms, not the CSV.
  EXPECT_EQ(decode_digests(json.at("colleague_first_names").get<std::string>()).size(), 1U);
}

TEST_F(NameIndexTest, HexDigestsOfTheFirstFormatStillMatch) {
  // Packs written before the base64 lists hold arrays of 16-hex-digit strings.
  auto json = NameIndex::build_json({oneill_, doris_}, {colleague_}, normalizer_);
  json["hash"] = "siphash24-16hex";
  for (const char* field : {"service_users", "colleagues", "service_user_first_names", "colleague_first_names"}) {
    nlohmann::json hex = nlohmann::json::array();
    for (const auto digest : decode_digests(json.at(field).get<std::string>())) {
      hex.push_back(fmt_hex(digest));
    }
    json[field] = hex;
  }
  NameIndex index;
  index.add_from_json(json);
  ASSERT_EQ(match(index, "popped in to see mary o'neill then dot baker").size(), 2U);
  EXPECT_EQ(match(index, "Priya").front().kind, NameKind::Colleague);
}

TEST_F(NameIndexTest, PackWithoutFirstNameListsStillMatchesEveryFullForm) {
  // Two- and three-word forms are looked up only where a first name or a title begins, which
  // holds for packs `careguard org build` writes; a pack without first-name lists has no such
  // hint and must still match every full form.
  const std::vector<PersonName> people{oneill_, zoe_, doris_, {"Ann Marie", "Lee", ""}, {"", "Okafor", ""}};
  const auto full = NameIndex::build_json(people, {colleague_}, normalizer_);
  auto without_first_names = full;
  without_first_names.erase("service_user_first_names");
  without_first_names.erase("colleague_first_names");
  NameIndex gated;
  gated.add_from_json(full);
  NameIndex ungated;
  ungated.add_from_json(without_first_names);
  const char* text =
      "Mary O'Neill and zoe smith-jones, then Dot Baker, Doris B, ann marie lee, Ann Lee, Mrs Okafor, "
      "Dr Baker and priya fictional on the rota; mr o'neill's tea and MISS SMITH-JONES";
  const auto a = match(gated, text);
  const auto b = match(ungated, text);
  ASSERT_EQ(a.size(), 11U);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].from, b[i].from);
    EXPECT_EQ(a[i].to, b[i].to);
    EXPECT_EQ(a[i].kind, b[i].kind);
    EXPECT_FALSE(a[i].first_name_only);
  }
}

TEST_F(NameIndexTest, BrokenBase64ListsAreRejected) {
  auto json = NameIndex::build_json({doris_}, {}, normalizer_);
  NameIndex index;
  auto broken = json;
  broken["service_users"] = "not base64!";
  EXPECT_THROW(index.add_from_json(broken), std::invalid_argument);
  broken["service_users"] = "AAAA";  // three bytes: not a whole digest
  EXPECT_THROW(index.add_from_json(broken), std::invalid_argument);
  broken["service_users"] = nlohmann::json::array({"00112233aabbccdd"});  // hex where base64 is declared
  EXPECT_THROW(index.add_from_json(broken), std::invalid_argument);
  broken = json;
  broken["hash"] = "md5";
  EXPECT_THROW(index.add_from_json(broken), std::invalid_argument);
  EXPECT_TRUE(index.empty());
  index.add_from_json(json);
  EXPECT_EQ(match(index, "doris baker").size(), 1U);
}

TEST_F(NameIndexTest, ListsLongerThanOneDecodingChunkMatchEveryPerson) {
  // Lists are decoded a few kilobytes at a time straight into the table: every digest of a long
  // list must land, whichever chunk it falls in.
  std::vector<PersonName> people;
  for (int i = 0; i < 700; ++i) {
    people.push_back({"Avril", "Fictionalson" + std::to_string(i), ""});
  }
  const auto json = NameIndex::build_json(people, {}, normalizer_);
  ASSERT_GT(json.at("service_users").get<std::string>().size(), 3U * 4096U);
  NameIndex index;
  index.add_from_json(json);
  EXPECT_EQ(index.size(), decode_digests(json.at("service_users").get<std::string>()).size() +
                              decode_digests(json.at("service_user_first_names").get<std::string>()).size());
  for (int i = 0; i < 700; ++i) {
    const auto found = match(index, "saw avril fictionalson" + std::to_string(i) + " today");
    ASSERT_EQ(found.size(), 1U) << i;
    EXPECT_FALSE(found[0].first_name_only) << i;
  }
  EXPECT_TRUE(match(index, "mrs fictionalson700").empty());
}

TEST_F(NameIndexTest, PaddingBeforeTheEndOfAListIsRejected) {
  auto encode = [](const std::vector<unsigned char>& bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);
    return out;
  };
  const std::string padded = encode(std::vector<unsigned char>(8, 0x5A));  // one digest: ends in '='
  ASSERT_EQ(padded.back(), '=');
  const std::string whole_chunk = encode(std::vector<unsigned char>(3072, 0xA5));  // 4,096 characters
  ASSERT_EQ(whole_chunk.size(), 4096U);
  auto json = NameIndex::build_json({doris_}, {}, normalizer_);
  NameIndex index;
  json["service_users"] = whole_chunk + padded;  // padding only at the end: 385 digests
  index.add_from_json(json);
  EXPECT_EQ(index.size(), 385U + decode_digests(json.at("service_user_first_names").get<std::string>()).size());
  NameIndex refused;
  json["service_users"] = padded + padded;
  EXPECT_THROW(refused.add_from_json(json), std::invalid_argument);
  json["service_users"] = padded + whole_chunk;
  EXPECT_THROW(refused.add_from_json(json), std::invalid_argument);
  EXPECT_TRUE(refused.empty());
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
