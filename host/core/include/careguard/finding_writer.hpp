#pragma once
// Writes a scan's findings as JSON for the reply frame, byte for byte what
// `to_json(finding).dump()` gives, at a fraction of the cost. A finding's text fields (rule,
// category, clause, message) are the same for every finding of a rule, so each rule's fields are
// escaped once, by nlohmann::json, and reused; only the numbers and the severity are written per
// finding. Building a JSON object per finding took more of a 1 KB round trip than the scan did.

#include "careguard/types.hpp"

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>

namespace careguard {

class FindingWriter {
 public:
  /// Appends one finding as a JSON object.
  void append(const Finding& finding, std::string& out);

 private:
  struct RuleFields {
    // What the fields were made from: a pack reload may give a rule id a new message.
    Category category{};
    std::string clause;
    std::string message;
    // `{"category":"…","clause":"…","confidence":` and `,"message":"…","rule":"…","severity":`
    std::string head;
    std::string middle;
  };

  [[nodiscard]] const RuleFields& fields_of(const Finding& finding);
  [[nodiscard]] std::string_view confidence_text(double confidence);

  /// Bounded: rule ids come from the packs, but a host that reloads packs all day must not grow.
  static constexpr std::size_t kMaxRules = 4096;
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, RuleFields, IdHash, std::equal_to<>> rules_;
  /// nlohmann's text for the 101 confidences a finding can carry (0.00 to 1.00).
  std::array<std::string, 101> confidences_;
  std::string scratch_;
};

}  // namespace careguard
