#include "careguard/types.hpp"

#include <array>
#include <utility>

namespace careguard {
namespace {

constexpr std::array<std::pair<Category, std::string_view>, 9> kCategoryNames = {{
    {Category::PersonalIdentifier, "personal-identifier"},
    {Category::ServiceUser, "service-user"},
    {Category::Colleague, "colleague"},
    {Category::HealthRecord, "health-record"},
    {Category::Internal, "internal"},
    {Category::Boundaries, "boundaries"},
    {Category::Safeguarding, "safeguarding"},
    {Category::Discrimination, "discrimination"},
    {Category::Reputation, "reputation"},
}};

constexpr std::array<std::pair<Severity, std::string_view>, 3> kSeverityNames = {{
    {Severity::Info, "info"},
    {Severity::Warn, "warn"},
    {Severity::Block, "block"},
}};

}  // namespace

std::string_view to_string(Severity severity) noexcept {
  for (const auto& [value, name] : kSeverityNames) {
    if (value == severity) {
      return name;
    }
  }
  return "info";
}

std::string_view to_string(Category category) noexcept {
  for (const auto& [value, name] : kCategoryNames) {
    if (value == category) {
      return name;
    }
  }
  return "personal-identifier";
}

std::optional<Severity> parse_severity(std::string_view text) noexcept {
  for (const auto& [value, name] : kSeverityNames) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<Category> parse_category(std::string_view text) noexcept {
  for (const auto& [value, name] : kCategoryNames) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace careguard
