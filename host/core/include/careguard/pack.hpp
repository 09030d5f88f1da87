#pragma once
// Pattern packs: the rules, word lists and allowlists the engine compiles (docs/PACKS.md).

#include "careguard/types.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace careguard {

/// A pack that cannot be used. The message names the pack and, where it can, the rule id.
class PackError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ContextAdjustment {
  std::vector<std::string> terms;
  std::optional<Severity> to;  // nullopt: drop the finding
};

struct RuleContext {
  unsigned window = 8;
  bool before_only = false;
  bool after_only = false;
  std::vector<std::string> require;
  std::optional<Severity> otherwise;  // nullopt: drop the finding when nothing required is near
  std::optional<ContextAdjustment> raise;
  std::optional<ContextAdjustment> lower;
};

struct Rule {
  std::string id;
  Category category{};
  Severity severity{};
  std::string clause;
  std::string message;
  std::vector<std::string> patterns;
  std::vector<std::string> terms;
  /// Name-list rules match the org pack's hashed names instead of patterns: "service-user",
  /// "service-user-first-name", "colleague" or "colleague-first-name".
  std::string names;
  std::string validator;
  double confidence = 0.6;
  std::optional<RuleContext> context;
  std::vector<std::string> allow;
  std::vector<std::string> examples_match;
  std::vector<std::string> examples_no_match;
};

struct RuleOverride {
  std::string rule;
  bool disabled = false;
  std::optional<Severity> severity;
};

struct Pack {
  std::string id;
  std::string version;
  std::string kind = "org";  // "base" or "org"
  std::string description;
  std::string min_host_version;
  std::map<std::string, std::vector<std::string>, std::less<>> word_lists;
  std::vector<Rule> rules;
  std::vector<RuleOverride> overrides;
  std::vector<std::string> allowlist;
  nlohmann::json org = nlohmann::json::object();
  nlohmann::json names = nlohmann::json::object();
  nlohmann::json site_adapters = nlohmann::json::array();
  /// Where it came from: "built-in", or a path.
  std::string source;
};

/// Parses a pack document. Throws PackError naming the field (and rule id) that is wrong.
[[nodiscard]] Pack parse_pack(const nlohmann::json& document, std::string source);

/// Parses a pack from JSON text. Throws PackError.
[[nodiscard]] Pack parse_pack_text(std::string_view json_text, std::string source);

/// A pack source directory: pack.json plus rules/*.json (each an array of rules), joined.
[[nodiscard]] Pack load_pack_directory(const std::filesystem::path& directory);

/// A pack file (one JSON document) or a pack source directory.
[[nodiscard]] Pack load_pack_path(const std::filesystem::path& path);

/// The UK care base pack compiled into the binary.
[[nodiscard]] const Pack& builtin_base_pack();

/// The pack as one JSON document (what `careguard pack build` writes).
[[nodiscard]] nlohmann::json to_json(const Pack& pack);
[[nodiscard]] nlohmann::json to_json(const Rule& rule);

/// Compares "1.2.10" with "1.10.0" numerically; returns <0, 0, >0.
[[nodiscard]] int compare_versions(std::string_view a, std::string_view b);

}  // namespace careguard
