// The normaliser over any valid UTF-8 (the session refuses the rest before it gets here). Spans
// found in normalised text are reported to the browser through the origin map, so the map is held
// to what docs/PROTOCOL.md promises about offsets: one original range per byte, each range
// non-empty, inside the original's UTF-16 length, on code point boundaries, ranges in order and
// either equal (bytes of one segment) or disjoint. Also: the output is UTF-8, ASCII text comes out
// lower-cased and otherwise unchanged when it has no digits, reused buffers give the same result as
// fresh ones, and the tokeniser's words lie in order inside the normalised text.

#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"
#include "careguard/utf.hpp"

#include "fuzz_check.hpp"

#include <unicode/utf8.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

const careguard::Normalizer* normalizer = nullptr;

/// For each UTF-16 offset 0..length, whether a code point starts there (true at the end too).
std::vector<bool> code_point_starts(std::string_view utf8) {
  std::vector<bool> starts;
  const auto* data = reinterpret_cast<const std::uint8_t*>(utf8.data());
  const auto length = static_cast<std::int32_t>(utf8.size());
  for (std::int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(data, i, length, c);
    starts.push_back(true);
    if (c > 0xFFFF) {
      starts.push_back(false);  // the low surrogate of a pair
    }
  }
  starts.push_back(true);
  return starts;
}

void check_origin_map(std::string_view input, const careguard::NormalizedText& out) {
  const std::size_t length16 = careguard::utf::utf16_length(input);
  const std::vector<bool> starts = code_point_starts(input);
  CAREGUARD_FUZZ_CHECK(starts.size() == length16 + 1, "utf16_length agrees with ICU's decoding");
  CAREGUARD_FUZZ_CHECK(out.origin_start.size() == out.text.size(), "one origin start per byte");
  CAREGUARD_FUZZ_CHECK(out.origin_end.size() == out.text.size(), "one origin end per byte");
  for (std::size_t i = 0; i < out.text.size(); ++i) {
    const std::uint32_t start = out.origin_start[i];
    const std::uint32_t end = out.origin_end[i];
    CAREGUARD_FUZZ_CHECK(start < end, "every byte comes from a non-empty range of the original");
    CAREGUARD_FUZZ_CHECK(end <= length16, "every range lies inside the original's UTF-16 length");
    CAREGUARD_FUZZ_CHECK(starts[start] && starts[end], "ranges never split a surrogate pair");
    if (i > 0) {
      const bool same_segment = start == out.origin_start[i - 1] && end == out.origin_end[i - 1];
      CAREGUARD_FUZZ_CHECK(same_segment || start >= out.origin_end[i - 1],
                           "ranges are in order and do not overlap");
    }
  }
  if (!out.text.empty()) {
    const auto [from, to] = out.to_original(0, out.text.size());
    CAREGUARD_FUZZ_CHECK(from < to && to <= length16, "the whole text maps inside the original");
  }
}

void check_ascii(std::string_view input, const std::string& normalised) {
  const bool plain_ascii = std::all_of(input.begin(), input.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80 && !(c >= '0' && c <= '9');
  });
  if (!plain_ascii) {
    return;
  }
  std::string lowered(input);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  CAREGUARD_FUZZ_CHECK(normalised == lowered, "ASCII without digits is only lower-cased");
}

void check_tokens(const std::string& normalised) {
  std::vector<careguard::Token> tokens;
  careguard::tokenize(normalised, tokens);
  std::uint32_t previous_end = 0;
  for (const auto& token : tokens) {
    CAREGUARD_FUZZ_CHECK(token.from < token.to, "a word is not empty");
    CAREGUARD_FUZZ_CHECK(token.from >= previous_end, "words are in order and do not overlap");
    CAREGUARD_FUZZ_CHECK(token.to <= normalised.size(), "a word lies inside the text");
    CAREGUARD_FUZZ_CHECK(careguard::utf::is_valid_utf8(std::string_view(normalised).substr(token.from, token.to - token.from)),
                         "a word is whole characters");
    previous_end = token.to;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  normalizer = new careguard::Normalizer();  // NOLINT(cppcoreguidelines-owning-memory): lives for the process
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!careguard::utf::is_valid_utf8(input)) {
    return 0;  // the contract: validate first (the session answers invalid_utf8)
  }
  careguard::NormalizedText out;
  normalizer->normalize(input, out);
  CAREGUARD_FUZZ_CHECK(careguard::utf::is_valid_utf8(out.text), "the normalised text is UTF-8");
  check_origin_map(input, out);
  check_ascii(input, out.text);
  check_tokens(out.text);

  // The engine keeps one NormalizedText per thread and reuses it; leftovers must not leak through.
  careguard::NormalizedText reused;
  normalizer->normalize("Leftover TEXT 1 2 3 4 \xC3\xA9", reused);
  normalizer->normalize(input, reused);
  CAREGUARD_FUZZ_CHECK(reused.text == out.text && reused.origin_start == out.origin_start &&
                           reused.origin_end == out.origin_end,
                       "normalising into a used buffer gives the same result");
  CAREGUARD_FUZZ_CHECK(normalizer->normalize(input) == out.text, "both overloads agree");
  return 0;
}
