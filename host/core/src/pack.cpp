#include "careguard/pack.hpp"

#include "careguard/embedded_files.hpp"
#include "careguard/validators.hpp"
#include "careguard/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace careguard {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw PackError(fmt::format("{}: {}", where, what));
}

std::string read_string(const json& object, const char* key, const std::string& where, bool required) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) {
      fail(where, fmt::format("'{}' is required", key));
    }
    return {};
  }
  if (!it->is_string()) {
    fail(where, fmt::format("'{}' must be a string", key));
  }
  return it->get<std::string>();
}

std::vector<std::string> read_strings(const json& object, const char* key, const std::string& where) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    fail(where, fmt::format("'{}' must be an array of strings", key));
  }
  for (const auto& item : *it) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      fail(where, fmt::format("'{}' must hold non-empty strings", key));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<Severity> read_severity_or_drop(const json& value, const std::string& where, const char* key) {
  if (!value.is_string()) {
    fail(where, fmt::format("'{}' must be a string", key));
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text == "drop") {
    return std::nullopt;
  }
  const auto severity = parse_severity(text);
  if (!severity) {
    fail(where, fmt::format("'{}' must be drop, info, warn or block, not '{}'", key, text));
  }
  return severity;
}

ContextAdjustment read_adjustment(const json& object, const std::string& where) {
  if (!object.is_object()) {
    fail(where, "must be an object with 'terms' and 'to'");
  }
  ContextAdjustment adjustment;
  adjustment.terms = read_strings(object, "terms", where);
  if (adjustment.terms.empty()) {
    fail(where, "'terms' must not be empty");
  }
  if (!object.contains("to")) {
    fail(where, "'to' is required");
  }
  adjustment.to = read_severity_or_drop(object.at("to"), where, "to");
  return adjustment;
}

RuleContext read_context(const json& object, const std::string& where) {
  if (!object.is_object()) {
    fail(where, "'context' must be an object");
  }
  RuleContext context;
  if (const auto it = object.find("window"); it != object.end()) {
    if (!it->is_number_unsigned() || it->get<unsigned>() == 0 || it->get<unsigned>() > 64) {
      fail(where, "'context.window' must be a whole number from 1 to 64");
    }
    context.window = it->get<unsigned>();
  }
  context.before_only = object.value("before_only", false);
  context.after_only = object.value("after_only", false);
  context.require = read_strings(object, "require", where + " context");
  if (const auto it = object.find("otherwise"); it != object.end()) {
    context.otherwise = read_severity_or_drop(*it, where, "context.otherwise");
  }
  if (const auto it = object.find("raise"); it != object.end()) {
    context.raise = read_adjustment(*it, where + " context.raise");
  }
  if (const auto it = object.find("lower"); it != object.end()) {
    context.lower = read_adjustment(*it, where + " context.lower");
  }
  return context;
}

Rule read_rule(const json& object, const std::string& pack_where, std::size_t index) {
  std::string where = fmt::format("{} rules[{}]", pack_where, index);
  if (!object.is_object()) {
    fail(where, "a rule must be an object");
  }
  Rule rule;
  rule.id = read_string(object, "id", where, true);
  static const std::regex kIdShape("^[a-z0-9][a-z0-9_.-]{0,79}$");
  if (!std::regex_match(rule.id, kIdShape)) {
    fail(where, fmt::format("rule id '{}' must be lower-case letters, digits, '.', '-' or '_'", rule.id));
  }
  where = fmt::format("{} rule '{}'", pack_where, rule.id);

  const auto category = parse_category(read_string(object, "category", where, true));
  if (!category) {
    fail(where, "'category' must be one of the nine policy categories");
  }
  rule.category = *category;
  const auto severity = parse_severity(read_string(object, "severity", where, true));
  if (!severity) {
    fail(where, "'severity' must be info, warn or block");
  }
  rule.severity = *severity;
  rule.clause = read_string(object, "clause", where, true);
  rule.message = read_string(object, "message", where, true);
  if (rule.message.size() > 600) {
    fail(where, "'message' must be at most 600 bytes: one or two sentences");
  }
  rule.patterns = read_strings(object, "patterns", where);
  rule.terms = read_strings(object, "terms", where);
  rule.names = read_string(object, "names", where, false);
  static const std::set<std::string, std::less<>> kNameLists = {"service-user", "service-user-first-name", "colleague",
                                                               "colleague-first-name"};
  if (!rule.names.empty() && !kNameLists.contains(rule.names)) {
    fail(where, "'names' must be service-user, service-user-first-name, colleague or colleague-first-name");
  }
  if (rule.patterns.empty() && rule.terms.empty() && rule.names.empty()) {
    fail(where, "a rule needs 'patterns', 'terms' or 'names'");
  }
  rule.validator = read_string(object, "validator", where, false);
  if (!rule.validator.empty() && validators::find(rule.validator) == nullptr) {
    fail(where, fmt::format("unknown validator '{}'", rule.validator));
  }
  if (const auto it = object.find("confidence"); it != object.end()) {
    if (!it->is_number() || it->get<double>() < 0.0 || it->get<double>() > 1.0) {
      fail(where, "'confidence' must be a number from 0 to 1");
    }
    rule.confidence = it->get<double>();
  }
  if (const auto it = object.find("context"); it != object.end()) {
    rule.context = read_context(*it, where);
  }
  rule.allow = read_strings(object, "allow", where);
  if (const auto it = object.find("examples"); it != object.end()) {
    if (!it->is_object()) {
      fail(where, "'examples' must be an object with 'match' and 'no_match'");
    }
    rule.examples_match = read_strings(*it, "match", where + " examples");
    rule.examples_no_match = read_strings(*it, "no_match", where + " examples");
  }
  return rule;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw PackError(fmt::format("{}: cannot be read", path.string()));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

json parse_json_text(std::string_view text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& error) {
    throw PackError(fmt::format("{}: not valid JSON ({})", source, error.what()));
  } catch (const json::out_of_range& error) {
    // A number too large for a double (1e400) is out_of_range, not parse_error; callers only
    // expect PackError.
    throw PackError(fmt::format("{}: not usable JSON ({})", source, error.what()));
  }
}

void append_rules(Pack& pack, const json& rules, const std::string& source) {
  if (!rules.is_array()) {
    throw PackError(fmt::format("{}: 'rules' must be an array", source));
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    pack.rules.push_back(read_rule(rules[i], source, i));
  }
}

void check_unique_rule_ids(const Pack& pack) {
  std::set<std::string_view> seen;
  for (const auto& rule : pack.rules) {
    if (!seen.insert(rule.id).second) {
      throw PackError(fmt::format("{}: rule id '{}' is used twice", pack.source, rule.id));
    }
  }
}

Pack join_source_files(const std::vector<std::pair<std::string, std::string>>& files, const std::string& source) {
  const auto manifest = std::find_if(files.begin(), files.end(), [](const auto& f) { return f.first == "pack.json"; });
  if (manifest == files.end()) {
    throw PackError(fmt::format("{}: pack.json is missing", source));
  }
  Pack pack = parse_pack(parse_json_text(manifest->second, source + "/pack.json"), source);
  for (const auto& [name, content] : files) {
    if (name == "pack.json") {
      continue;
    }
    append_rules(pack, parse_json_text(content, source + "/" + name), source + "/" + name);
  }
  check_unique_rule_ids(pack);
  return pack;
}

}  // namespace

Pack parse_pack(const json& document, std::string source) {
  if (!document.is_object()) {
    throw PackError(fmt::format("{}: a pack must be a JSON object", source));
  }
  Pack pack;
  pack.source = std::move(source);
  const std::string& where = pack.source;
  pack.id = read_string(document, "id", where, true);
  static const std::regex kPackIdShape("^[a-z0-9][a-z0-9.-]{0,63}$");
  if (!std::regex_match(pack.id, kPackIdShape)) {
    fail(where, "'id' must be lower-case letters, digits, '.' or '-'");
  }
  pack.version = read_string(document, "version", where, true);
  static const std::regex kVersionShape("^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$");
  if (!std::regex_match(pack.version, kVersionShape)) {
    fail(where, fmt::format("'version' must be semantic (1.2.3), not '{}'", pack.version));
  }
  pack.kind = document.value("kind", std::string("org"));
  if (pack.kind != "base" && pack.kind != "org") {
    fail(where, "'kind' must be base or org");
  }
  pack.description = read_string(document, "description", where, false);
  pack.min_host_version = read_string(document, "min_host_version", where, false);
  if (!pack.min_host_version.empty() && compare_versions(pack.min_host_version, kHostVersion) > 0) {
    fail(where, fmt::format("needs host {} or later; this host is {}", pack.min_host_version, kHostVersion));
  }
  if (const auto it = document.find("word_lists"); it != document.end()) {
    if (!it->is_object()) {
      fail(where, "'word_lists' must be an object of arrays");
    }
    for (const auto& [name, list] : it->items()) {
      pack.word_lists[name] = read_strings(*it, name.c_str(), where + " word_lists");
    }
  }
  if (const auto it = document.find("rules"); it != document.end()) {
    append_rules(pack, *it, where);
  }
  if (const auto it = document.find("overrides"); it != document.end()) {
    if (!it->is_array()) {
      fail(where, "'overrides' must be an array");
    }
    for (const auto& item : *it) {
      RuleOverride change;
      change.rule = read_string(item, "rule", where + " overrides", true);
      change.disabled = item.value("disabled", false);
      if (item.contains("severity")) {
        change.severity = parse_severity(read_string(item, "severity", where + " overrides", true));
        if (!change.severity) {
          fail(where, fmt::format("override of '{}': 'severity' must be info, warn or block", change.rule));
        }
      }
      pack.overrides.push_back(std::move(change));
    }
  }
  pack.allowlist = read_strings(document, "allowlist", where);
  if (const auto it = document.find("org"); it != document.end() && !it->is_null()) {
    if (!it->is_object()) {
      fail(where, "'org' must be an object");
    }
    pack.org = *it;
  }
  if (const auto it = document.find("names"); it != document.end() && !it->is_null()) {
    if (!it->is_object()) {
      fail(where, "'names' must be an object");
    }
    pack.names = *it;
  }
  if (const auto it = document.find("site_adapters"); it != document.end() && !it->is_null()) {
    if (!it->is_array()) {
      fail(where, "'site_adapters' must be an array");
    }
    pack.site_adapters = *it;
  }
  check_unique_rule_ids(pack);
  return pack;
}

Pack parse_pack_text(std::string_view json_text, std::string source) {
  json document = parse_json_text(json_text, source);
  // An org pack's names object is most of its bytes (base64 digest lists): it is moved into the
  // pack, not copied. parse_pack sees an empty object in its place, which it accepts as it would
  // the real one.
  json names;
  if (document.is_object()) {
    if (const auto it = document.find("names"); it != document.end() && it->is_object() && !it->empty()) {
      names = std::move(*it);
      *it = json::object();
    }
  }
  Pack pack = parse_pack(document, std::move(source));
  if (!names.is_null()) {
    pack.names = std::move(names);
  }
  return pack;
}

Pack load_pack_directory(const std::filesystem::path& directory) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    throw PackError(fmt::format("{}: not a pack directory", directory.string()));
  }
  files.emplace_back("pack.json", read_file(directory / "pack.json"));
  std::vector<std::filesystem::path> rule_files;
  if (std::filesystem::is_directory(directory / "rules", error)) {
    for (const auto& entry : std::filesystem::directory_iterator(directory / "rules")) {
      if (entry.path().extension() == ".json") {
        rule_files.push_back(entry.path());
      }
    }
  }
  std::sort(rule_files.begin(), rule_files.end());
  for (const auto& file : rule_files) {
    files.emplace_back("rules/" + file.filename().string(), read_file(file));
  }
  return join_source_files(files, directory.string());
}

Pack load_pack_path(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return load_pack_directory(path);
  }
  return parse_pack_text(read_file(path), path.string());
}

const Pack& builtin_base_pack() {
  static const Pack pack = [] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& file : embedded::base_pack_files()) {
      files.emplace_back(std::string(file.path), std::string(file.content));
    }
    std::sort(files.begin(), files.end());
    Pack joined = join_source_files(files, "built-in");
    joined.source = "built-in";
    return joined;
  }();
  return pack;
}

json to_json(const Rule& rule) {
  json out = {{"id", rule.id},
              {"category", to_string(rule.category)},
              {"severity", to_string(rule.severity)},
              {"clause", rule.clause},
              {"message", rule.message}};
  if (!rule.patterns.empty()) {
    out["patterns"] = rule.patterns;
  }
  if (!rule.terms.empty()) {
    out["terms"] = rule.terms;
  }
  if (!rule.names.empty()) {
    out["names"] = rule.names;
  }
  if (!rule.validator.empty()) {
    out["validator"] = rule.validator;
  }
  out["confidence"] = rule.confidence;
  if (rule.context) {
    const auto& c = *rule.context;
    json context = {{"window", c.window}};
    if (c.before_only) {
      context["before_only"] = true;
    }
    if (c.after_only) {
      context["after_only"] = true;
    }
    if (!c.require.empty()) {
      context["require"] = c.require;
      context["otherwise"] = c.otherwise ? std::string(to_string(*c.otherwise)) : std::string("drop");
    }
    auto adjustment = [](const ContextAdjustment& a) {
      return json{{"terms", a.terms}, {"to", a.to ? std::string(to_string(*a.to)) : std::string("drop")}};
    };
    if (c.raise) {
      context["raise"] = adjustment(*c.raise);
    }
    if (c.lower) {
      context["lower"] = adjustment(*c.lower);
    }
    out["context"] = context;
  }
  if (!rule.allow.empty()) {
    out["allow"] = rule.allow;
  }
  if (!rule.examples_match.empty() || !rule.examples_no_match.empty()) {
    out["examples"] = {{"match", rule.examples_match}, {"no_match", rule.examples_no_match}};
  }
  return out;
}

json to_json(const Pack& pack) {
  json out = {{"id", pack.id}, {"version", pack.version}, {"kind", pack.kind}, {"description", pack.description}};
  if (!pack.min_host_version.empty()) {
    out["min_host_version"] = pack.min_host_version;
  }
  out["word_lists"] = json::object();
  for (const auto& [name, list] : pack.word_lists) {
    out["word_lists"][name] = list;
  }
  out["rules"] = json::array();
  for (const auto& rule : pack.rules) {
    out["rules"].push_back(to_json(rule));
  }
  if (!pack.overrides.empty()) {
    out["overrides"] = json::array();
    for (const auto& change : pack.overrides) {
      json item = {{"rule", change.rule}};
      if (change.disabled) {
        item["disabled"] = true;
      }
      if (change.severity) {
        item["severity"] = to_string(*change.severity);
      }
      out["overrides"].push_back(item);
    }
  }
  out["allowlist"] = pack.allowlist;
  if (!pack.org.empty()) {
    out["org"] = pack.org;
  }
  if (!pack.names.empty()) {
    out["names"] = pack.names;
  }
  if (!pack.site_adapters.empty()) {
    out["site_adapters"] = pack.site_adapters;
  }
  return out;
}

int compare_versions(std::string_view a, std::string_view b) {
  auto parts = [](std::string_view v) {
    std::array<long, 3> out{0, 0, 0};
    std::size_t i = 0;
    for (auto& part : out) {
      const auto* begin = v.data() + i;
      const auto* end = v.data() + v.size();
      auto [ptr, ec] = std::from_chars(begin, end, part);
      i = static_cast<std::size_t>(ptr - v.data());
      if (ec != std::errc{} || i >= v.size() || v[i] != '.') {
        break;
      }
      ++i;
    }
    return out;
  };
  const auto pa = parts(a);
  const auto pb = parts(b);
  for (std::size_t i = 0; i < 3; ++i) {
    if (pa[i] != pb[i]) {
      return pa[i] < pb[i] ? -1 : 1;
    }
  }
  return 0;
}

}  // namespace careguard
