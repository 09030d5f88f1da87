// careguard::Normalizer: NFKC with case folding, default-ignorables dropped, any decimal digit as
// ASCII, curly apostrophes straightened, spaced-out digits joined; and above all the offset map
// back to UTF-16 offsets of the original, checked against an independent UTF-8 → UTF-16 converter.

#include "careguard/normalizer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using careguard::NormalizedText;
using careguard::Normalizer;

// --- an independent converter: UTF-8 → UTF-16 and back, as a JavaScript string would hold it ---

std::u16string to_utf16(std::string_view utf8) {
  std::u16string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto b0 = static_cast<std::uint32_t>(static_cast<unsigned char>(utf8[i]));
    std::uint32_t cp = 0;
    std::size_t n = 1;
    if (b0 < 0x80U) {
      cp = b0;
    } else if ((b0 & 0xE0U) == 0xC0U) {
      cp = b0 & 0x1FU;
      n = 2;
    } else if ((b0 & 0xF0U) == 0xE0U) {
      cp = b0 & 0x0FU;
      n = 3;
    } else {
      cp = b0 & 0x07U;
      n = 4;
    }
    for (std::size_t k = 1; k < n; ++k) {
      cp = (cp << 6U) | (static_cast<std::uint32_t>(static_cast<unsigned char>(utf8[i + k])) & 0x3FU);
    }
    i += n;
    if (cp >= 0x10000U) {
      cp -= 0x10000U;
      out.push_back(static_cast<char16_t>(0xD800U + (cp >> 10U)));
      out.push_back(static_cast<char16_t>(0xDC00U + (cp & 0x3FFU)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80U) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800U) {
    out.push_back(static_cast<char>(0xC0U | (cp >> 6U)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else if (cp < 0x10000U) {
    out.push_back(static_cast<char>(0xE0U | (cp >> 12U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else {
    out.push_back(static_cast<char>(0xF0U | (cp >> 18U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  }
}

std::string to_utf8(std::u16string_view utf16) {
  std::string out;
  for (std::size_t i = 0; i < utf16.size(); ++i) {
    std::uint32_t cp = utf16[i];
    if (cp >= 0xD800U && cp < 0xDC00U && i + 1 < utf16.size()) {
      cp = 0x10000U + ((cp - 0xD800U) << 10U) + (static_cast<std::uint32_t>(utf16[i + 1]) - 0xDC00U);
      ++i;
    }
    append_utf8(out, cp);
  }
  return out;
}

/// original.slice(start, end) in JavaScript, back as UTF-8.
std::string js_slice(std::string_view original, std::uint32_t start, std::uint32_t end) {
  const std::u16string units = to_utf16(original);
  EXPECT_LE(start, end);
  EXPECT_LE(end, units.size());
  return to_utf8(std::u16string_view(units).substr(start, end - start));
}

/// Where `needle` occurs in the original, in UTF-16 units, computed without the normaliser.
std::pair<std::uint32_t, std::uint32_t> utf16_range_of(std::string_view original, std::string_view needle) {
  const std::size_t at = original.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  const auto start = static_cast<std::uint32_t>(to_utf16(original.substr(0, at)).size());
  const auto length = static_cast<std::uint32_t>(to_utf16(needle).size());
  return {start, start + length};
}

class NormalizerTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::string norm(std::string_view text) const { return normalizer_.normalize(text); }

  /// Finds `normalised_needle` in the normalised text and maps it back.
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> map_back(std::string_view original,
                                                                 std::string_view normalised_needle) const {
    NormalizedText out;
    normalizer_.normalize(original, out);
    EXPECT_EQ(out.text.size(), out.origin_start.size());
    EXPECT_EQ(out.text.size(), out.origin_end.size());
    const std::size_t at = out.text.find(normalised_needle);
    EXPECT_NE(at, std::string::npos) << "'" << normalised_needle << "' not in '" << out.text << "'";
    if (at == std::string::npos) {
      return {0, 0};
    }
    return out.to_original(at, at + normalised_needle.size());
  }

  Normalizer normalizer_;
};

TEST_F(NormalizerTest, CaseFoldsAllCaps) {
  EXPECT_EQ(norm("NHS NUMBER"), "nhs number");
  EXPECT_EQ(norm("Mrs BAKER"), "mrs baker");
  EXPECT_EQ(norm("STRASSE"), "strasse");
  EXPECT_EQ(norm("Stra\xC3\x9F" "e"), "strasse");  // ß folds to ss
}

TEST_F(NormalizerTest, NfkcFoldsFullWidthAndLigatures) {
  EXPECT_EQ(norm("\xEF\xBC\x99\xEF\xBC\x94\xEF\xBC\x93"), "943");         // ９４３
  EXPECT_EQ(norm("\xEF\xBC\xAE\xEF\xBC\xA8\xEF\xBC\xB3"), "nhs");         // ＮＨＳ
  EXPECT_EQ(norm("\xEF\xAC\x81" "ne"), "fine");                           // ﬁ ligature
  EXPECT_EQ(norm("\xEF\xAC\x82" "at"), "flat");                           // ﬂ ligature
  EXPECT_EQ(norm("\xE2\x91\xA0"), "1");                                   // ① (NFKC: 1)
}

TEST_F(NormalizerTest, ZeroWidthCharactersInsideANameAreRemoved) {
  EXPECT_EQ(norm("Do\xE2\x80\x8Bris"), "doris");             // zero-width space
  EXPECT_EQ(norm("Ba\xE2\x80\x8C" "ker"), "baker");          // zero-width non-joiner
  EXPECT_EQ(norm("\xEF\xBB\xBFhello"), "hello");             // BOM / ZWNBSP
  EXPECT_EQ(norm("so\xC2\xAD" "ft"), "soft");                // soft hyphen
}

TEST_F(NormalizerTest, CombiningAccentComposes) {
  EXPECT_EQ(norm("Zoe\xCC\x88"), "zo\xC3\xAB");      // e + U+0308 → ë
  EXPECT_EQ(norm("Jose\xCC\x81"), "jos\xC3\xA9");     // e + U+0301 → é
  EXPECT_EQ(norm("Zo\xC3\xAB"), norm("ZOE\xCC\x88"));  // precomposed and decomposed agree
}

TEST_F(NormalizerTest, CurlyApostrophesBecomeStraight) {
  EXPECT_EQ(norm("Mrs O\xE2\x80\x99Neill\xE2\x80\x99s"), "mrs o'neill's");  // U+2019
  EXPECT_EQ(norm("O\xE2\x80\x98Neill"), "o'neill");                         // U+2018
  EXPECT_EQ(norm("O\xCA\xBCNeill"), "o'neill");                             // U+02BC
}

TEST_F(NormalizerTest, OtherDecimalDigitsBecomeAscii) {
  EXPECT_EQ(norm("\xD9\xA9\xD9\xA4\xD9\xA3"), "943");                 // Arabic-Indic ٩٤٣
  EXPECT_EQ(norm("\xDB\xB9\xDB\xB4\xDB\xB3"), "943");                 // Extended Arabic-Indic ۹۴۳
  EXPECT_EQ(norm("\xE0\xA5\xAF\xE0\xA5\xAA\xE0\xA5\xA9"), "943");     // Devanagari ९४३
}

TEST_F(NormalizerTest, SpacedSingleDigitsAreJoined) {
  EXPECT_EQ(norm("9 4 3 4 7 6 5 9 1 9"), "9434765919");
  EXPECT_EQ(norm("NHS: 9 4 3 4 7 6 5 9 1 9 ok"), "nhs: 9434765919 ok");
  EXPECT_EQ(norm("9-4-3-4"), "9434");
  EXPECT_EQ(norm("9.4.3.4"), "9434");
}

TEST_F(NormalizerTest, GroupedNumbersAreNotJoined) {
  EXPECT_EQ(norm("943 476 5919"), "943 476 5919");
  EXPECT_EQ(norm("12-34-56 12345678"), "12-34-56 12345678");
  EXPECT_EQ(norm("1 2 3"), "1 2 3");  // three lone digits are too few
  EXPECT_EQ(norm("room 4 5 6 and 7"), "room 4 5 6 and 7");
  EXPECT_EQ(norm("1 2 3 45"), "1 2 3 45");
}

TEST_F(NormalizerTest, JoinSpacedDigitsKeepsTheOffsetMap) {
  NormalizedText text;
  normalizer_.normalize("a 1 2 3 4 b", text);
  ASSERT_EQ(text.text, "a 1234 b");
  ASSERT_EQ(text.origin_start.size(), text.text.size());
  // "1234" came from original UTF-16 [2, 9).
  const auto [start, end] = text.to_original(2, 6);
  EXPECT_EQ(start, 2U);
  EXPECT_EQ(end, 9U);
  // The standalone function leaves text without a run alone.
  NormalizedText plain;
  normalizer_.normalize("no digits", plain);
  const std::string before = plain.text;
  careguard::join_spaced_digits(plain);
  EXPECT_EQ(plain.text, before);
}

TEST_F(NormalizerTest, OffsetsOfAsciiTextAreIdentity) {
  const std::string original = "Visit Mrs Baker at 10";
  const auto [start, end] = map_back(original, "baker");
  EXPECT_EQ(start, 10U);
  EXPECT_EQ(end, 15U);
  EXPECT_EQ(js_slice(original, start, end), "Baker");
}

TEST_F(NormalizerTest, EmojiBeforeASpanShiftsOffsetsByUtf16Units) {
  const std::string original = "\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC Doris \xF0\x9F\x98\x80 Baker";  // 👵🏼 Doris 😀 Baker
  for (const auto& [needle, expected_slice] :
       std::vector<std::pair<std::string, std::string>>{{"doris", "Doris"}, {"baker", "Baker"}}) {
    const auto [start, end] = map_back(original, needle);
    EXPECT_EQ(std::make_pair(start, end), utf16_range_of(original, expected_slice));
    EXPECT_EQ(js_slice(original, start, end), expected_slice);
  }
}

TEST_F(NormalizerTest, EmojiInsideASpanMapsToTheWholeOriginal) {
  const std::string original = "\xF0\x9F\x98\x80 Do\xF0\x9F\x98\x82ris and more";  // 😀 Do😂ris
  const std::string needle = "do\xF0\x9F\x98\x82ris";
  const auto [start, end] = map_back(original, needle);
  EXPECT_EQ(js_slice(original, start, end), "Do\xF0\x9F\x98\x82ris");
  EXPECT_EQ(start, 3U);  // 😀 is two units, then a space
  EXPECT_EQ(end, 3U + 2U + 2U + 3U);
}

TEST_F(NormalizerTest, ZeroWidthSpaceInsideASpanIsCoveredByTheMappedRange) {
  const std::string original = "\xF0\x9F\x98\x80 NHS 943\xE2\x80\x8B 476 5919!";
  const auto [start, end] = map_back(original, "943 476 5919");
  EXPECT_EQ(js_slice(original, start, end), "943\xE2\x80\x8B 476 5919");
}

TEST_F(NormalizerTest, FoldedAndExpandedCharactersMapToTheirOriginal) {
  // Full-width digits, a ligature, ß → ss and an Arabic-Indic number after non-BMP emoji.
  const std::string original =
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80 \xEF\xBC\x99\xEF\xBC\x94\xEF\xBC\x93 \xEF\xAC\x81ne Stra\xC3\x9F" "e "
      "\xD9\xA9\xD9\xA4\xD9\xA3 Zoe\xCC\x88 end";
  struct Case {
    std::string needle;
    std::string slice;
  };
  for (const Case& c : std::vector<Case>{{"943", "\xEF\xBC\x99\xEF\xBC\x94\xEF\xBC\x93"},
                                         {"fine", "\xEF\xAC\x81ne"},
                                         {"strasse", "Stra\xC3\x9F" "e"},
                                         {"ss", "\xC3\x9F"},
                                         {"zo\xC3\xAB", "Zoe\xCC\x88"},
                                         {"end", "end"}}) {
    const auto [start, end] = map_back(original, c.needle);
    EXPECT_EQ(std::make_pair(start, end), utf16_range_of(original, c.slice)) << c.needle;
    EXPECT_EQ(js_slice(original, start, end), c.slice) << c.needle;
  }
  // The Arabic-Indic number comes second in the normalised text ("943 ... 943").
  NormalizedText out;
  normalizer_.normalize(original, out);
  const std::size_t second = out.text.find("943", out.text.find("943") + 1);
  ASSERT_NE(second, std::string::npos);
  const auto [start, end] = out.to_original(second, second + 3);
  EXPECT_EQ(js_slice(original, start, end), "\xD9\xA9\xD9\xA4\xD9\xA3");
}

TEST_F(NormalizerTest, EveryWordMapsBackToTextThatNormalisesToIt) {
  // Property: for each space-separated word of the normalised text, the original slice its
  // offsets give normalises to that same word.
  const std::vector<std::string> originals = {
      "\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC Mrs O\xE2\x80\x99Neill \xF0\x9F\x98\x80 NHS 943 476 5919",
      "ZO\xC3\x8B SMITH-JONES \xF0\x9F\x92\x99 called \xEF\xBC\x90\xEF\xBC\x97\xEF\xBC\x97 today",
      "Do\xE2\x80\x8Bris \xF0\x9F\x98\x82\xF0\x9F\x98\x82 ate \xEF\xAC\x81sh pie at 9 4 3 4 7 6 5 9 1 9",
  };
  for (const auto& original : originals) {
    NormalizedText out;
    normalizer_.normalize(original, out);
    std::size_t from = 0;
    while (from < out.text.size()) {
      std::size_t to = out.text.find(' ', from);
      if (to == std::string::npos) {
        to = out.text.size();
      }
      if (to > from) {
        const auto [start, end] = out.to_original(from, to);
        const std::string slice = js_slice(original, start, end);
        EXPECT_EQ(norm(slice), out.text.substr(from, to - from)) << "in: " << original;
      }
      from = to + 1;
    }
  }
}

TEST_F(NormalizerTest, ReusesTheOutputBuffer) {
  NormalizedText out;
  normalizer_.normalize("A LONG FIRST TEXT WITH MANY WORDS", out);
  normalizer_.normalize("Hi", out);
  EXPECT_EQ(out.text, "hi");
  EXPECT_EQ(out.origin_start.size(), 2U);
  EXPECT_EQ(out.origin_end.size(), 2U);
  normalizer_.normalize("", out);
  EXPECT_TRUE(out.text.empty());
}

}  // namespace
