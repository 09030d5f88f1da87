#pragma once
// Vocabulary shared by the engine, the host and the CLI.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace careguard {

enum class Severity : std::uint8_t { Info = 0, Warn = 1, Block = 2 };

enum class Category : std::uint8_t {
  PersonalIdentifier,
  ServiceUser,
  Colleague,
  HealthRecord,
  Internal,
  Boundaries,
  Safeguarding,
  Discrimination,
  Reputation,
};

inline constexpr std::array<Category, 9> kAllCategories = {
    Category::PersonalIdentifier, Category::ServiceUser,    Category::Colleague,
    Category::HealthRecord,       Category::Internal,       Category::Boundaries,
    Category::Safeguarding,       Category::Discrimination, Category::Reputation,
};

[[nodiscard]] std::string_view to_string(Severity severity) noexcept;
[[nodiscard]] std::string_view to_string(Category category) noexcept;
[[nodiscard]] std::optional<Severity> parse_severity(std::string_view text) noexcept;
[[nodiscard]] std::optional<Category> parse_category(std::string_view text) noexcept;

/// One thing the engine found. Offsets are UTF-16 code units into the text as the caller sent it,
/// so JavaScript can use them directly. A finding never carries the matched text.
struct Finding {
  std::string rule;
  Category category{};
  Severity severity{};
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::string clause;
  std::string message;
  double confidence = 0.0;

  friend bool operator==(const Finding&, const Finding&) = default;
};

}  // namespace careguard
