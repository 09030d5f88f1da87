#include "careguard/normalizer.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <stdexcept>

namespace careguard {
namespace {

bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_digit_separator(char c) noexcept { return c == ' ' || c == '-' || c == '.'; }

void push_byte(NormalizedText& out, char byte, std::uint32_t start16, std::uint32_t end16) {
  out.text.push_back(byte);
  out.origin_start.push_back(start16);
  out.origin_end.push_back(end16);
}

}  // namespace

Normalizer::Normalizer() {
  UErrorCode status = U_ZERO_ERROR;
  nfkc_casefold_ = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || nfkc_casefold_ == nullptr) {
    throw std::runtime_error(std::string("ICU NFKC_Casefold data unavailable: ") + u_errorName(status));
  }
}

void Normalizer::append_segment(std::string_view segment, std::uint32_t start16, std::uint32_t end16,
                                NormalizedText& out) const {
  UErrorCode status = U_ZERO_ERROR;
  const auto source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(segment.data(), static_cast<std::int32_t>(segment.size())));
  const icu::UnicodeString folded = nfkc_casefold_->normalize(source, status);
  if (U_FAILURE(status)) {
    // Cannot happen for valid input; keep the original rather than lose text.
    for (const char byte : segment) {
      push_byte(out, byte, start16, end16);
    }
    return;
  }
  for (std::int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (c < 0x80) {
      push_byte(out, static_cast<char>(c), start16, end16);
      continue;
    }
    if (c == 0x2018 || c == 0x2019 || c == 0x02BC) {
      // Phones type curly apostrophes: "Mrs O’Neill’s" must read like "mrs o'neill's".
      push_byte(out, '\'', start16, end16);
      continue;
    }
    if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) {
      // Arabic-Indic, Devanagari and other digits behave like ASCII digits for identifiers.
      push_byte(out, static_cast<char>('0' + u_charDigitValue(c)), start16, end16);
      continue;
    }
    std::uint8_t buffer[U8_MAX_LENGTH];
    std::int32_t length = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wconversion"
    U8_APPEND_UNSAFE(buffer, length, c);  // c is a valid code point from ICU's own output
#pragma GCC diagnostic pop
    for (std::int32_t k = 0; k < length; ++k) {
      push_byte(out, static_cast<char>(buffer[k]), start16, end16);
    }
  }
}

void Normalizer::normalize(std::string_view utf8, NormalizedText& out) const {
  out.clear();
  out.text.reserve(utf8.size());
  out.origin_start.reserve(utf8.size());
  out.origin_end.reserve(utf8.size());

  const auto* data = reinterpret_cast<const std::uint8_t*>(utf8.data());
  const auto length = static_cast<std::int32_t>(utf8.size());
  std::int32_t i = 0;
  std::uint32_t offset16 = 0;

  while (i < length) {
    // ASCII followed by ASCII (or the end) is a segment of its own: fold a whole run directly.
    std::int32_t run = i;
    while (run < length && data[run] < 0x80 && (run + 1 == length || data[run + 1] < 0x80)) {
      ++run;
    }
    if (run > i) {
      const auto count = static_cast<std::size_t>(run - i);
      const std::size_t at = out.text.size();
      out.text.resize(at + count);
      out.origin_start.resize(at + count);
      out.origin_end.resize(at + count);
      for (std::size_t k = 0; k < count; ++k) {
        char c = static_cast<char>(data[static_cast<std::size_t>(i) + k]);
        if (c >= 'A' && c <= 'Z') {
          c = static_cast<char>(c - 'A' + 'a');
        }
        out.text[at + k] = c;
        out.origin_start[at + k] = offset16 + static_cast<std::uint32_t>(k);
        out.origin_end[at + k] = offset16 + static_cast<std::uint32_t>(k) + 1;
      }
      offset16 += static_cast<std::uint32_t>(count);
      i = run;
      continue;
    }
    // A normalisation segment: one code point plus any that follow without a boundary before
    // them (combining marks), so "e" + U+0301 composes exactly as NFKC says.
    const std::int32_t segment_start = i;
    const std::uint32_t segment_start16 = offset16;
    UChar32 c = 0;
    U8_NEXT(data, i, length, c);
    offset16 += static_cast<std::uint32_t>(U16_LENGTH(c < 0 ? 0xFFFD : c));
    while (i < length) {
      std::int32_t next = i;
      UChar32 following = 0;
      U8_NEXT(data, next, length, following);
      if (following < 0 || nfkc_casefold_->hasBoundaryBefore(following)) {
        break;
      }
      i = next;
      offset16 += static_cast<std::uint32_t>(U16_LENGTH(following));
    }
    append_segment(utf8.substr(static_cast<std::size_t>(segment_start),
                               static_cast<std::size_t>(i - segment_start)),
                   segment_start16, offset16, out);
  }
  join_spaced_digits(out);
}

std::string Normalizer::normalize(std::string_view utf8) const {
  NormalizedText out;
  normalize(utf8, out);
  return std::move(out.text);
}

void join_spaced_digits(NormalizedText& text) {
  const std::string& s = text.text;
  const std::size_t n = s.size();
  // Quick exit: most texts have no run of four lone digits with separators ("9 4 3 4"), though
  // many have "10.30" or "2-3"; copying the whole text for those would cost more than the scan.
  bool candidate = false;
  for (std::size_t i = 0; i + 6 < n && !candidate; ++i) {
    if (!is_ascii_digit(s[i]) || (i > 0 && is_ascii_digit(s[i - 1]))) {
      continue;
    }
    std::size_t end = i;
    std::size_t digits = 1;
    while (end + 2 < n && !is_ascii_digit(s[end + 1]) && is_digit_separator(s[end + 1]) &&
           is_ascii_digit(s[end + 2]) && (end + 3 >= n || !is_ascii_digit(s[end + 3]))) {
      end += 2;
      ++digits;
    }
    candidate = digits >= 4 && (i + 1 >= n || !is_ascii_digit(s[i + 1]));
  }
  if (!candidate) {
    return;
  }

  NormalizedText joined;
  joined.text.reserve(n);
  joined.origin_start.reserve(n);
  joined.origin_end.reserve(n);
  auto copy = [&](std::size_t at) {
    push_byte(joined, s[at], text.origin_start[at], text.origin_end[at]);
  };

  std::size_t i = 0;
  while (i < n) {
    const bool lone_digit_start = is_ascii_digit(s[i]) && (i == 0 || !is_ascii_digit(s[i - 1])) &&
                                  (i + 1 >= n || !is_ascii_digit(s[i + 1]));
    if (lone_digit_start) {
      std::size_t end = i;  // index of the last lone digit in the run
      std::size_t digits = 1;
      while (end + 2 < n && is_digit_separator(s[end + 1]) && is_ascii_digit(s[end + 2]) &&
             (end + 3 >= n || !is_ascii_digit(s[end + 3]))) {
        end += 2;
        ++digits;
      }
      if (digits >= 4) {
        for (std::size_t k = i; k <= end; k += 2) {
          copy(k);
        }
        i = end + 1;
        continue;
      }
    }
    copy(i);
    ++i;
  }
  text = std::move(joined);
}

}  // namespace careguard
