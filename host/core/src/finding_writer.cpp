#include "careguard/finding_writer.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

namespace careguard {
namespace {

/// The confidence a reply carries: two decimals, as to_json(Finding) rounds it.
double rounded_confidence(double confidence) {
  return static_cast<double>(static_cast<int>(confidence * 100.0 + 0.5)) / 100.0;
}

void append_number(std::uint32_t value, std::string& out) {
  std::array<char, 16> digits{};
  const auto [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), end);
}

}  // namespace

const FindingWriter::RuleFields& FindingWriter::fields_of(const Finding& finding) {
  const auto known = rules_.find(finding.rule);
  if (known != rules_.end() && known->second.category == finding.category && known->second.clause == finding.clause &&
      known->second.message == finding.message) {
    return known->second;
  }
  if (known == rules_.end() && rules_.size() >= kMaxRules) {
    rules_.clear();
  }
  RuleFields& fields = known != rules_.end() ? known->second : rules_[std::string(finding.rule)];
  fields.category = finding.category;
  fields.clause = finding.clause;
  fields.message = finding.message;
  // nlohmann escapes every string, so the text is exactly what a dump of the object holds.
  fields.head = R"({"category":)" + nlohmann::json(to_string(finding.category)).dump() +
                R"(,"clause":)" + nlohmann::json(finding.clause).dump() + R"(,"confidence":)";
  fields.middle = R"(,"message":)" + nlohmann::json(finding.message).dump() + R"(,"rule":)" +
                  nlohmann::json(finding.rule).dump() + R"(,"severity":)";
  return fields;
}

std::string_view FindingWriter::confidence_text(double confidence) {
  const double rounded = rounded_confidence(confidence);
  const double hundredths = std::round(rounded * 100.0);
  if (hundredths >= 0.0 && hundredths <= 100.0 && rounded == rounded_confidence(hundredths / 100.0)) {
    std::string& text = confidences_[static_cast<std::size_t>(hundredths)];
    if (text.empty()) {
      text = nlohmann::json(rounded).dump();
    }
    return text;
  }
  scratch_ = nlohmann::json(rounded).dump();  // outside 0..1: not from a scan, written the slow way
  return scratch_;
}

void FindingWriter::append(const Finding& finding, std::string& out) {
  const RuleFields& fields = fields_of(finding);
  out += fields.head;
  out += confidence_text(finding.confidence);
  out += R"(,"end":)";
  append_number(finding.end, out);
  out += fields.middle;
  out += '"';
  out += to_string(finding.severity);  // "info", "warn", "block": nothing to escape
  out += R"(","start":)";
  append_number(finding.start, out);
  out += '}';
}

}  // namespace careguard
