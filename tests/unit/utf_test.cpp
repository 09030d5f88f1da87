// careguard::utf: UTF-8 validation (overlong forms, encoded surrogates, truncated sequences,
// code points past U+10FFFF), UTF-16 lengths as JavaScript counts them, and repair.

#include "careguard/utf.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using careguard::utf::first_invalid_utf8;
using careguard::utf::is_valid_utf8;
using careguard::utf::repair_utf8;
using careguard::utf::utf16_length;

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8Validation, AsciiAndEmptyAreValid) {
  EXPECT_FALSE(first_invalid_utf8("").has_value());
  EXPECT_FALSE(first_invalid_utf8("Visit at 10, all fine").has_value());
  EXPECT_TRUE(is_valid_utf8("plain text"));
}

TEST(Utf8Validation, ValidMultiByteSequences) {
  EXPECT_FALSE(first_invalid_utf8("caf\xC3\xA9").has_value());          // é, 2 bytes
  EXPECT_FALSE(first_invalid_utf8("\xE2\x80\x99").has_value());         // ’, 3 bytes
  EXPECT_FALSE(first_invalid_utf8("\xF0\x9F\x98\x80").has_value());     // 😀, 4 bytes
  EXPECT_FALSE(first_invalid_utf8("\xF4\x8F\xBF\xBF").has_value());     // U+10FFFF, the last code point
  EXPECT_FALSE(first_invalid_utf8("a\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC" "b").has_value());  // 👵🏼
}

TEST(Utf8Validation, OverlongFormsAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0U);           // '/' in two bytes
  EXPECT_EQ(first_invalid_utf8("ab\xC1\xBF"), 2U);         // DEL in two bytes
  EXPECT_EQ(first_invalid_utf8("xyz\xE0\x80\xAF"), 3U);    // '/' in three bytes
  EXPECT_EQ(first_invalid_utf8("\xF0\x80\x80\xAF"), 0U);   // '/' in four bytes
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));                 // "modified UTF-8" NUL
}

TEST(Utf8Validation, EncodedSurrogatesAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("\xED\xA0\x80"), 0U);                    // U+D800
  EXPECT_EQ(first_invalid_utf8("ok \xED\xBF\xBF"), 3U);                 // U+DFFF
  EXPECT_EQ(first_invalid_utf8("\xED\xA0\xBD\xED\xB8\x80"), 0U);        // CESU-8 pair for 😀
  EXPECT_FALSE(first_invalid_utf8("\xED\x9F\xBF").has_value());         // U+D7FF is fine
}

TEST(Utf8Validation, TruncatedSequencesAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("\xC3"), 0U);
  EXPECT_EQ(first_invalid_utf8("hi \xE2\x80"), 3U);
  EXPECT_EQ(first_invalid_utf8("\xF0\x9F\x98"), 0U);
  EXPECT_EQ(first_invalid_utf8("a\xF0\x9F\x98" "b"), 1U);  // truncated, then ASCII
  EXPECT_EQ(first_invalid_utf8("\xE2\x80\x99\xE2"), 3U);   // valid, then a lone lead byte
}

TEST(Utf8Validation, StrayBytesAndOutOfRangeAreInvalid) {
  EXPECT_EQ(first_invalid_utf8("\x80"), 0U);                 // lone continuation byte
  EXPECT_EQ(first_invalid_utf8("ab\xBF" "c"), 2U);
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0U);     // U+110000
  EXPECT_EQ(first_invalid_utf8("\xF5\x80\x80\x80"), 0U);
  EXPECT_EQ(first_invalid_utf8("\xFF"), 0U);
  EXPECT_EQ(first_invalid_utf8("\xFE"), 0U);
}

TEST(Utf16Length, CountsCodeUnitsLikeJavaScript) {
  EXPECT_EQ(utf16_length(""), 0U);
  EXPECT_EQ(utf16_length("hello"), 5U);
  EXPECT_EQ(utf16_length("caf\xC3\xA9"), 4U);                              // é is one unit
  EXPECT_EQ(utf16_length("\xE2\x80\x99"), 1U);                             // ’ is one unit
  EXPECT_EQ(utf16_length("\xF0\x9F\x98\x80"), 2U);                         // 😀 is a surrogate pair
  EXPECT_EQ(utf16_length("a\xF0\x9F\x98\x80" "b"), 4U);
  EXPECT_EQ(utf16_length("\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC"), 4U);         // 👵🏼: two non-BMP code points
  EXPECT_EQ(utf16_length("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"), 5U);  // 👩‍👧 with ZWJ
}

TEST(RepairUtf8, ValidTextIsUnchanged) {
  const std::string text = "Mrs O\xE2\x80\x99Neill \xF0\x9F\x98\x80 caf\xC3\xA9";
  EXPECT_EQ(repair_utf8(text), text);
  EXPECT_EQ(repair_utf8(""), "");
}

TEST(RepairUtf8, IllFormedSequencesBecomeReplacementCharacters) {
  EXPECT_EQ(repair_utf8("a\x80" "b"), "a" + kReplacement + "b");
  // A truncated sequence is one maximal subpart, so one replacement.
  EXPECT_EQ(repair_utf8("x\xE2\x82y"), "x" + kReplacement + "y");
  EXPECT_EQ(repair_utf8("end\xF0\x9F\x98"), "end" + kReplacement);
  // Whatever is repaired, the result is valid and keeps the valid parts.
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "ok\xFF\xFEok", "\xE0\x80\xAF z"}) {
    const std::string repaired = repair_utf8(bad);
    EXPECT_TRUE(is_valid_utf8(repaired)) << repaired;
    EXPECT_NE(repaired.find(kReplacement), std::string::npos);
  }
  const std::string repaired = repair_utf8("ok\xFF\xFEok");
  EXPECT_EQ(repaired, "ok" + kReplacement + kReplacement + "ok");
}

}  // namespace
