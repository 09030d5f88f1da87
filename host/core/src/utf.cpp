#include "careguard/utf.hpp"

#include <unicode/utf8.h>

#include <cstdint>

namespace careguard::utf {

std::optional<std::size_t> first_invalid_utf8(std::string_view bytes) noexcept {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const auto length = static_cast<std::int64_t>(bytes.size());
  std::int64_t i = 0;
  while (i < length) {
    if (data[i] < 0x80) {  // ASCII fast path: most post text is ASCII.
      ++i;
      continue;
    }
    const std::int64_t at = i;
    UChar32 c = 0;
    U8_NEXT(data, i, length, c);
    if (c < 0) {
      return static_cast<std::size_t>(at);
    }
  }
  return std::nullopt;
}

std::size_t utf16_length(std::string_view valid_utf8) noexcept {
  std::size_t units = 0;
  for (const char ch : valid_utf8) {
    const auto byte = static_cast<std::uint8_t>(ch);
    if ((byte & 0xC0U) != 0x80U) {
      units += (byte >= 0xF0U) ? 2U : 1U;  // a 4-byte sequence is a surrogate pair in UTF-16
    }
  }
  return units;
}

std::string repair_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const auto length = static_cast<std::int64_t>(bytes.size());
  std::int64_t i = 0;
  while (i < length) {
    const std::int64_t at = i;
    UChar32 c = 0;
    U8_NEXT(data, i, length, c);
    if (c < 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(bytes.substr(static_cast<std::size_t>(at), static_cast<std::size_t>(i - at)));
    }
  }
  return out;
}

}  // namespace careguard::utf
