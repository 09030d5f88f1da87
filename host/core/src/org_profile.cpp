#include "careguard/org_profile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace careguard {
namespace {

// Words of a name: letters, digits and any non-ASCII byte; everything else separates.
std::vector<std::string> name_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || byte >= 0x80 || c == '\'' || c == '&') {
      word += static_cast<char>(std::tolower(byte));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) {
    words.push_back(std::move(word));
  }
  return words;
}

std::string join(const std::vector<std::string>& words, std::size_t count, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < count && i < words.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += words[i];
  }
  return out;
}

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

// "Ltd", "Limited" and the like: staff never write them.
bool is_legal_suffix(std::string_view word) {
  return is_one_of(word, {"ltd", "limited", "plc", "llp", "cic", "inc", "co", "uk", "group"});
}

// Words that describe the service rather than name the provider: "Brightside Home Care" is
// "Brightside" to staff, and "care" alone would match every post.
bool is_generic_care_word(std::string_view word) {
  return is_one_of(word, {"home", "homecare", "care", "carers", "caring", "healthcare", "health", "services", "service",
                          "support", "solutions", "agency", "nursing", "domiciliary", "community", "living", "people",
                          "and", "&", "the", "of", "at"});
}

std::vector<std::string> string_list(const nlohmann::json& profile, const char* key) {
  std::vector<std::string> out;
  if (const auto it = profile.find(key); it != profile.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (item.is_string() && !item.get<std::string>().empty()) {
        out.push_back(item.get<std::string>());
      }
    }
  }
  return out;
}

std::string string_field(const nlohmann::json& profile, const char* key) {
  if (const auto it = profile.find(key); it != profile.end() && it->is_string()) {
    return it->get<std::string>();
  }
  return {};
}

void add_unique(std::vector<std::string>& list, std::string item) {
  if (!item.empty() && std::find(list.begin(), list.end(), item) == list.end()) {
    list.push_back(std::move(item));
  }
}

// "https://www.facebook.com/BrightsideHomeCare/" -> "facebook.com/BrightsideHomeCare".
std::string without_scheme(std::string url) {
  for (const std::string_view prefix : {"https://", "http://"}) {
    if (url.starts_with(prefix)) {
      url.erase(0, prefix.size());
    }
  }
  if (url.starts_with("www.")) {
    url.erase(0, 4);
  }
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

// The last path part of an account address: the handle staff would tag.
std::string account_handle(const std::string& url) {
  std::string path = without_scheme(url);
  if (const auto query = path.find_first_of("?#"); query != std::string::npos) {
    path.erase(query);
  }
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return {};
  }
  std::string handle = path.substr(slash + 1);
  if (handle.starts_with('@')) {
    handle.erase(0, 1);
  }
  return handle;
}

bool is_email_local(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

bool is_email_domain(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-'; }

// Addresses in free text such as "safeguarding@example.org, 0161 496 0140 (24 hours)".
std::vector<std::string> emails_in(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    std::size_t from = at;
    while (from > 0 && is_email_local(text[from - 1])) {
      --from;
    }
    std::size_t to = at + 1;
    while (to < text.size() && is_email_domain(text[to])) {
      ++to;
    }
    while (to > at + 1 && text[to - 1] == '.') {
      --to;
    }
    const std::string_view domain = text.substr(at + 1, to - at - 1);
    if (from < at && domain.find('.') != std::string_view::npos) {
      out.emplace_back(text.substr(from, to - from));
    }
  }
  return out;
}

// UK numbers as written: "0161 496 0140", "07700-900123", "+44 161 496 0140".
std::vector<std::string> phone_numbers_in(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool international = text.substr(i).starts_with("+44");
    const bool starts = international || (text[i] == '0' && (i == 0 || std::isalnum(static_cast<unsigned char>(text[i - 1])) == 0));
    if (!starts) {
      ++i;
      continue;
    }
    std::size_t j = international ? i + 1 : i;
    std::size_t end = j;
    int digits = 0;
    while (j < text.size()) {
      if (std::isdigit(static_cast<unsigned char>(text[j])) != 0) {
        ++digits;
        end = ++j;
      } else if ((text[j] == ' ' || text[j] == '-') && j + 1 < text.size() &&
                 std::isdigit(static_cast<unsigned char>(text[j + 1])) != 0) {
        ++j;
      } else {
        break;
      }
    }
    if (digits >= (international ? 11 : 10) && digits <= (international ? 12 : 11)) {
      out.emplace_back(text.substr(i, end - i));
    }
    i = std::max(end, i + 1);
  }
  return out;
}

Rule org_rule(std::string id, Category category, std::string clause, std::string message) {
  Rule rule;
  rule.id = std::move(id);
  rule.category = category;
  rule.severity = Severity::Warn;
  rule.clause = std::move(clause);
  rule.message = std::move(message);
  rule.terms = {"@org-name"};
  rule.confidence = 0.7;
  return rule;
}

}  // namespace

std::vector<std::string> org_name_variants(const nlohmann::json& profile) {
  std::vector<std::string> variants;
  if (!profile.is_object()) {
    return variants;
  }
  if (const auto given = string_list(profile, "org_name_variants"); !given.empty()) {
    for (const auto& variant : given) {
      add_unique(variants, join(name_words(variant), std::string::npos, " "));
    }
    return variants;
  }
  std::vector<std::string> words = name_words(string_field(profile, "org_field_name"));
  while (!words.empty() && is_legal_suffix(words.back())) {
    words.pop_back();
  }
  if (!words.empty()) {
    add_unique(variants, join(words, words.size(), " "));
    if (words.size() > 1) {
      add_unique(variants, join(words, words.size(), ""));
    }
    std::size_t distinctive = words.size();
    while (distinctive > 0 && is_generic_care_word(words[distinctive - 1])) {
      --distinctive;
    }
    // A stem of one short word ("abc") would match too much ordinary text.
    const std::string stem = join(words, distinctive, " ");
    if (distinctive > 0 && distinctive < words.size() && stem.size() >= 4) {
      add_unique(variants, stem);
      add_unique(variants, join(words, distinctive, "") + "care");
    }
  }
  for (const auto& account : string_list(profile, "official_accounts")) {
    const auto handle = name_words(account_handle(account));
    if (handle.size() == 1 && handle.front().size() >= 5) {
      add_unique(variants, handle.front());
    } else if (handle.size() > 1) {
      add_unique(variants, join(handle, handle.size(), " "));
    }
  }
  for (const auto& alias : string_list(profile, "org_name_aliases")) {
    add_unique(variants, join(name_words(alias), std::string::npos, " "));
  }
  return variants;
}

std::vector<std::string> org_allowlist(const nlohmann::json& profile) {
  std::vector<std::string> allow;
  if (!profile.is_object()) {
    return allow;
  }
  for (const char* key : {"public_phone", "public_address", "public_email"}) {
    add_unique(allow, string_field(profile, key));
  }
  for (const char* key : {"safeguarding_contact", "reporting_channel"}) {
    const std::string text = string_field(profile, key);
    for (auto& found : emails_in(text)) {
      add_unique(allow, std::move(found));
    }
    for (auto& found : phone_numbers_in(text)) {
      add_unique(allow, std::move(found));
    }
  }
  for (const auto& account : string_list(profile, "official_accounts")) {
    add_unique(allow, account);
    add_unique(allow, without_scheme(account));
    if (const std::string handle = account_handle(account); !handle.empty()) {
      add_unique(allow, "@" + handle);
    }
  }
  return allow;
}

void apply_org_profile(Pack& pack, const nlohmann::json& profile) {
  if (!profile.is_object()) {
    throw PackError("the organisation profile must be a JSON object");
  }
  pack.org = profile;
  for (auto& entry : org_allowlist(profile)) {
    add_unique(pack.allowlist, std::move(entry));
  }
  const auto variants = org_name_variants(profile);
  if (variants.empty()) {
    return;
  }
  auto& names = pack.word_lists["org-name"];
  for (const auto& variant : variants) {
    add_unique(names, variant);
  }
  // The shortest form is how staff usually write it; the examples use it so a profile whose
  // derived names do not match its own examples fails `careguard pack test`.
  const std::string& full = variants.front();
  const std::string& shortest =
      *std::min_element(variants.begin(), variants.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  const std::string reporting = string_field(profile, "reporting_channel");
  const std::string raise_it =
      reporting.empty() ? "your manager" : fmt::format("the reporting channel ({})", reporting);

  // Recruitment posts and the provider's own pages are how staff share the name innocently.
  const std::vector<std::string> official = {"official page", "their page", "our page", "hiring", "recruiting",
                                       "vacancies", "apply online", "apply now", "job advert", "jobs fair"};

  Rule reputation = org_rule(
      "org.name-reputation", Category::Reputation, "12.2",
      fmt::format("This names your employer alongside a complaint or criticism. Public posts like this can damage the "
                  "service your clients rely on: raise concerns with {} instead.",
                  raise_it));
  reputation.context = RuleContext{};
  reputation.context->window = 14;
  reputation.context->require = {"@company-criticism", "@company-insult"};
  reputation.context->lower = ContextAdjustment{official, std::nullopt};
  reputation.examples_match = {fmt::format("{} are a joke, they send anyone out with no training", full),
                               fmt::format("{} pay us late every month and the office couldn't care less", shortest)};
  reputation.examples_no_match = {fmt::format("{} are hiring night carers, apply online", full),
                                  fmt::format("had a lovely team lunch with everyone from {}", shortest)};

  Rule internal = org_rule(
      "org.name-internal", Category::Internal, "7.2",
      "This names your employer alongside something from inside the company (contracts, pay, meetings, inspections). "
      "Internal matters stay internal until the company makes them public.");
  internal.context = RuleContext{};
  internal.context->window = 14;
  internal.context->require = {"@leak-markers", "@business-extra", "@org-internal-signals"};
  internal.context->lower = ContextAdjustment{official, std::nullopt};
  internal.examples_match = {fmt::format("{} are losing the council contract, keep it quiet", full),
                             fmt::format("memo from {} head office says mileage is being cut", shortest)};
  internal.examples_no_match = {fmt::format("{} are recruiting carers in the new year, apply online", full),
                                fmt::format("{} christmas party was brilliant", shortest)};

  for (auto* rule : {&reputation, &internal}) {
    const auto exists = std::find_if(pack.rules.begin(), pack.rules.end(),
                                     [&](const Rule& other) { return other.id == rule->id; });
    if (exists == pack.rules.end()) {
      pack.rules.push_back(std::move(*rule));
    }
  }
}

}  // namespace careguard
