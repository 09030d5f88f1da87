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
///
/// `rule`, `clause` and `message` view the rule's own text inside the Engine that made the
/// finding, so they are valid while that engine lives (callers hold it by shared_ptr for the scan
/// and the reply); copy them to keep them longer. Owning copies cost two allocations per finding,
/// and a post with dozens of findings spent a tenth of its scan making and freeing them.
struct Finding {
  std::string_view rule;
  Category category{};
  Severity severity{};
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::string_view clause;
  std::string_view message;
  double confidence = 0.0;

  friend bool operator==(const Finding&, const Finding&) = default;
};

}  // namespace careguard
