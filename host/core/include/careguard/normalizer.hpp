#pragma once
// Unicode normalisation for scanning: NFKC with case folding (ICU's NFKC_Casefold, which also drops
// default-ignorable characters such as zero-width spaces), any decimal digit as ASCII, and digits
// spaced out one by one ("9 4 3 4") joined. Every byte of the result remembers which UTF-16 range
// of the original text it came from, so spans found in the normalised text map back exactly.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class Normalizer2;
U_NAMESPACE_END

namespace careguard {

struct NormalizedText {
  std::string text;
  /// For each byte of `text`: the UTF-16 range [start, end) of the original it came from.
  std::vector<std::uint32_t> origin_start;
  std::vector<std::uint32_t> origin_end;

  /// Maps a byte range [from, to) of `text` (to > from) to a UTF-16 range of the original.
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> to_original(std::size_t from,
                                                                    std::size_t to) const noexcept {
    return {origin_start[from], origin_end[to - 1]};
  }

  void clear() noexcept {
    text.clear();
    origin_start.clear();
    origin_end.clear();
  }
};

class Normalizer {
 public:
  /// Throws std::runtime_error if ICU's normalisation data cannot be loaded.
  Normalizer();

  /// `utf8` must be valid UTF-8 (validate first). Reuses `out`'s buffers.
  void normalize(std::string_view utf8, NormalizedText& out) const;

  [[nodiscard]] std::string normalize(std::string_view utf8) const;

 private:
  void append_segment(std::string_view segment, std::uint32_t start16, std::uint32_t end16,
                      NormalizedText& out) const;

  const icu::Normalizer2* nfkc_casefold_;
};

/// Joins digits spaced out one by one: in "9 4 3 4 7" the separators go (at least four digits,
/// each alone, separated by one space, hyphen or dot). Grouped numbers such as "943 476 5919" are
/// left to the patterns, which accept separators, so adjacent numbers are never glued together.
void join_spaced_digits(NormalizedText& text);

}  // namespace careguard
