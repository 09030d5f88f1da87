// careguard::PhraseMatcher: whole-word phrases as word n-grams, prefixes ("diagnos*"), possessives.

#include "careguard/names.hpp"
#include "careguard/phrase_matcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace {

using careguard::PhraseHit;
using careguard::PhraseMatcher;
using careguard::Token;

struct Found {
  std::uint32_t phrase;
  std::uint32_t first;
  std::uint32_t last;
  friend bool operator==(const Found&, const Found&) = default;
  friend bool operator<(const Found& a, const Found& b) {
    return std::tie(a.first, a.last, a.phrase) < std::tie(b.first, b.last, b.phrase);
  }
};

std::vector<Found> run(const PhraseMatcher& matcher, std::string_view text) {
  std::vector<Token> tokens;
  careguard::tokenize(text, tokens);
  PhraseMatcher::Scratch scratch;
  std::vector<PhraseHit> hits;
  matcher.match(text, tokens, scratch, hits);
  std::vector<Found> out;
  for (const auto& hit : hits) {
    EXPECT_LE(hit.first_token, hit.last_token);
    EXPECT_LT(hit.last_token, tokens.size());
    out.push_back({hit.phrase, hit.first_token, hit.last_token});
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PhraseMatcher, EmptyMatcherFindsNothing) {
  const PhraseMatcher matcher;
  EXPECT_TRUE(matcher.empty());
  EXPECT_EQ(matcher.size(), 0U);
  EXPECT_TRUE(run(matcher, "anything at all").empty());
}

TEST(PhraseMatcher, ExactSingleWords) {
  PhraseMatcher matcher;
  const auto client = matcher.add("client");
  const auto hoist = matcher.add("hoist");
  EXPECT_NE(client, hoist);
  EXPECT_EQ(matcher.size(), 2U);
  EXPECT_EQ(run(matcher, "my client needed the hoist"),
            (std::vector<Found>{{client, 1, 1}, {hoist, 4, 4}}));
  // Whole words only.
  EXPECT_TRUE(run(matcher, "clients hoisted clientele").empty());
}

TEST(PhraseMatcher, MultiWordPhrases) {
  PhraseMatcher matcher;
  const auto care_plan = matcher.add("care plan");
  const auto end_of_life = matcher.add("end of life");
  EXPECT_EQ(run(matcher, "read the care plan before end of life care"),
            (std::vector<Found>{{care_plan, 2, 3}, {end_of_life, 5, 7}}));
  EXPECT_TRUE(run(matcher, "care for the plan").empty());
  EXPECT_TRUE(run(matcher, "end of the life").empty());
  EXPECT_TRUE(run(matcher, "care").empty());  // only the first word of a phrase
  // Punctuation between words still separates tokens, so "care, plan" is two adjacent words.
  EXPECT_EQ(run(matcher, "care, plan"), (std::vector<Found>{{care_plan, 0, 1}}));
}

TEST(PhraseMatcher, OverlappingPhrasesAllReported) {
  PhraseMatcher matcher;
  const auto nhs = matcher.add("nhs");
  const auto nhs_number = matcher.add("nhs number");
  const auto number = matcher.add("number");
  EXPECT_EQ(run(matcher, "her nhs number"),
            (std::vector<Found>{{nhs, 1, 1}, {nhs_number, 1, 2}, {number, 2, 2}}));
}

TEST(PhraseMatcher, PrefixPhrases) {
  PhraseMatcher matcher;
  const auto diagnos = matcher.add("diagnos*");
  const auto was_diagnos = matcher.add("was diagnos*");
  EXPECT_EQ(run(matcher, "diagnosed"), (std::vector<Found>{{diagnos, 0, 0}}));
  EXPECT_EQ(run(matcher, "diagnosis"), (std::vector<Found>{{diagnos, 0, 0}}));
  EXPECT_EQ(run(matcher, "diagnos"), (std::vector<Found>{{diagnos, 0, 0}}));
  EXPECT_TRUE(run(matcher, "diagno").empty());
  EXPECT_TRUE(run(matcher, "undiagnosed").empty());
  EXPECT_EQ(run(matcher, "she was diagnosed"), (std::vector<Found>{{was_diagnos, 1, 2}, {diagnos, 2, 2}}));
}

TEST(PhraseMatcher, PossessiveMatchesTheWord) {
  PhraseMatcher matcher;
  const auto client = matcher.add("client");
  const auto care_plan = matcher.add("client care plan");
  EXPECT_EQ(run(matcher, "my client's tea"), (std::vector<Found>{{client, 1, 1}}));
  EXPECT_EQ(run(matcher, "the client's care plan"), (std::vector<Found>{{client, 1, 1}, {care_plan, 1, 3}}));
  // A possessive phrase is stored without its "'s".
  const auto lady = matcher.add("lady's");
  EXPECT_EQ(run(matcher, "lady"), (std::vector<Found>{{lady, 0, 0}}));
  EXPECT_EQ(PhraseMatcher::comparable_word("client's"), "client");
  EXPECT_EQ(PhraseMatcher::comparable_word("'s"), "'s");
  EXPECT_EQ(PhraseMatcher::comparable_word("is"), "is");
}

TEST(PhraseMatcher, SamePhraseSameId) {
  PhraseMatcher matcher;
  const auto a = matcher.add("personal care");
  const auto b = matcher.add("meds");
  EXPECT_EQ(matcher.add("personal care"), a);
  EXPECT_EQ(matcher.add("personal  care"), a);  // same words, other spacing
  EXPECT_EQ(matcher.add("meds"), b);
  EXPECT_EQ(matcher.size(), 2U);
  // A prefix phrase is a different phrase from the exact one.
  const auto prefix = matcher.add("meds*");
  EXPECT_NE(prefix, b);
  EXPECT_EQ(matcher.add("meds*"), prefix);
  EXPECT_EQ(matcher.size(), 3U);
}

TEST(PhraseMatcher, PhrasesWithoutWordsThrow) {
  PhraseMatcher matcher;
  EXPECT_THROW((void)matcher.add(""), std::invalid_argument);
  EXPECT_THROW((void)matcher.add("   "), std::invalid_argument);
  EXPECT_THROW((void)matcher.add("*"), std::invalid_argument);
  EXPECT_THROW((void)matcher.add("!?,"), std::invalid_argument);
  EXPECT_THROW((void)matcher.add("one two three four five six seven eight nine"), std::invalid_argument);
  EXPECT_TRUE(matcher.empty());
  EXPECT_NO_THROW((void)matcher.add("one two three four five six seven eight"));
}

TEST(PhraseMatcher, TokenIndexesPointAtTheWords) {
  PhraseMatcher matcher;
  const auto id = matcher.add("double up");
  const std::string text = "\xF0\x9F\x98\x80 late for the double up call, then double up again";
  std::vector<Token> tokens;
  careguard::tokenize(text, tokens);
  PhraseMatcher::Scratch scratch;
  std::vector<PhraseHit> hits;
  matcher.match(text, tokens, scratch, hits);
  ASSERT_EQ(hits.size(), 2U);
  for (const auto& hit : hits) {
    EXPECT_EQ(hit.phrase, id);
    EXPECT_EQ(hit.last_token, hit.first_token + 1);
    const auto from = tokens[hit.first_token].from;
    const auto to = tokens[hit.last_token].to;
    EXPECT_EQ(text.substr(from, to - from), "double up");
  }
  EXPECT_EQ(hits[0].first_token, 4U);  // 😀 late for the double
  EXPECT_EQ(hits[1].first_token, 8U);
}

TEST(PhraseMatcher, AgreesWithABruteForceSearchOnThousandsOfPhrases) {
  // The matcher hashes words and n-grams; this checks every hit against a plain comparison of
  // words, with a small vocabulary so that phrases share leading words and prefixes.
  std::mt19937 random(20261124);
  const std::vector<std::string> vocabulary = {"my", "client", "lady", "double", "up", "call", "care", "plan",
                                               "meds", "mar", "chart", "hoist", "tea", "round", "the", "a",
                                               "diagnosis", "diagnosed", "dementia", "rota", "shift", "office"};
  auto word = [&] { return vocabulary[random() % vocabulary.size()]; };
  PhraseMatcher matcher;
  struct Reference {
    std::vector<std::string> words;
    bool is_prefix;
    std::uint32_t id;
  };
  std::vector<Reference> references;
  for (int p = 0; p < 3000; ++p) {
    const std::size_t length = 1 + random() % 4;
    Reference reference{{}, random() % 5 == 0, 0};
    for (std::size_t k = 0; k < length; ++k) {
      reference.words.push_back(word());
    }
    if (reference.is_prefix) {
      auto& last = reference.words.back();
      last.resize(1 + random() % last.size());
    }
    std::string phrase;
    for (const auto& w : reference.words) {
      if (!phrase.empty()) {
        phrase += ' ';
      }
      phrase += w;
    }
    if (reference.is_prefix) {
      phrase += '*';
    }
    reference.id = matcher.add(phrase);
    references.push_back(reference);
  }
  for (int t = 0; t < 200; ++t) {
    std::string text;
    const std::size_t length = 1 + random() % 40;
    for (std::size_t k = 0; k < length; ++k) {
      if (k > 0) {
        text += ' ';
      }
      text += word();
    }
    std::vector<Token> tokens;
    careguard::tokenize(text, tokens);
    std::vector<std::string_view> words;
    for (const auto& token : tokens) {
      words.push_back(std::string_view(text).substr(token.from, token.to - token.from));
    }
    std::vector<Found> expected;
    for (std::size_t i = 0; i < words.size(); ++i) {
      for (const auto& reference : references) {
        const std::size_t n = reference.words.size();
        if (i + n > words.size()) {
          continue;
        }
        bool same = true;
        for (std::size_t k = 0; k + 1 < n && same; ++k) {
          same = words[i + k] == reference.words[k];
        }
        const std::string_view last = words[i + n - 1];
        same = same && (reference.is_prefix ? last.starts_with(reference.words.back()) : last == reference.words.back());
        if (same) {
          expected.push_back({reference.id, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + n - 1)});
        }
      }
    }
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
    ASSERT_EQ(run(matcher, text), expected) << "text: " << text;
  }
}

}  // namespace
