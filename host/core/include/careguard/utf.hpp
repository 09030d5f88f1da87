#pragma once
// UTF-8 checks built on ICU's macros, so the rules are ICU's and not ours.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace careguard::utf {

/// Byte offset of the first ill-formed sequence, or nullopt when the whole input is valid UTF-8.
/// Surrogate code points and overlong forms are ill-formed.
[[nodiscard]] std::optional<std::size_t> first_invalid_utf8(std::string_view bytes) noexcept;

[[nodiscard]] inline bool is_valid_utf8(std::string_view bytes) noexcept {
  return !first_invalid_utf8(bytes).has_value();
}

/// Length of the text in UTF-16 code units (what JavaScript's String.length reports).
[[nodiscard]] std::size_t utf16_length(std::string_view valid_utf8) noexcept;

/// Replaces each ill-formed sequence with U+FFFD. Used for files read by the CLI, never for
/// protocol input (the protocol rejects invalid UTF-8 so offsets always refer to what was sent).
[[nodiscard]] std::string repair_utf8(std::string_view bytes);

}  // namespace careguard::utf
