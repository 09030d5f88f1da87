#include "careguard/engine.hpp"

#include "careguard/database_cache.hpp"
#include "careguard/phrase_matcher.hpp"
#include "careguard/validators.hpp"
#include "careguard/version.hpp"

#include <fmt/format.h>
#include <hs/hs.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace careguard {

namespace {

constexpr unsigned kRuleFlags = HS_FLAG_UTF8 | HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;
constexpr double kContextConfidenceBoost = 0.3;
/// A pattern without start-of-match tracking is underlined from at most this far back.
constexpr std::uint32_t kMaxEstimatedSpan = 200;
/// Start-of-match tracking is what makes Hyperscan compile slowly and databases large; exact
/// starts matter for identifiers (validators read the span), which are narrow, so wider patterns
/// (phrases with gaps) run without it.
constexpr unsigned kMaxTrackedWidth = 64;
/// ... or whose text is short (e-mail addresses, "ab+"): the cost comes from long alternations.
constexpr std::size_t kMaxTrackedLength = 100;
constexpr std::string_view kCacheMagic = "CGENG001";
/// Bump when the way packs become a database changes (flags, expression order), so a cache
/// written by an older host is never loaded by a newer one.
constexpr std::string_view kCompileScheme = "compile-scheme-3";

struct RawMatch {
  std::uint32_t expression = 0;
  std::uint32_t rule = 0;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
};

struct Candidate {
  std::uint32_t rule = 0;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
};


std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return {hex.data()};
}

std::string_view name_rule_key(NameKind kind, bool first_name_only) {
  if (kind == NameKind::ServiceUser) {
    return first_name_only ? "service-user-first-name" : "service-user";
  }
  return first_name_only ? "colleague-first-name" : "colleague";
}

}  // namespace

struct Engine::CompiledRule {
  Rule rule;
  const validators::Validator* validator = nullptr;
  std::vector<std::uint32_t> require_terms;
  std::vector<std::uint32_t> raise_terms;
  std::vector<std::uint32_t> lower_terms;
  std::vector<std::string> allow;  // normalised
  std::optional<Severity> forced_severity;
};

struct Engine::Scratch {
  hs_scratch_t* hs = nullptr;
  const std::vector<std::uint32_t>* expression_rule = nullptr;
  const std::vector<std::uint32_t>* expression_width = nullptr;
  std::size_t raw_count = 0;
  bool stopped = false;
  NormalizedText normalised;
  std::vector<RawMatch> pattern_matches;
  std::vector<PhraseHit> phrase_hits;
  std::vector<std::string_view> words;
  std::vector<Candidate> candidates;
  std::vector<Token> tokens;
  std::vector<NameMatch> names;
  std::vector<std::vector<std::uint32_t>> term_tokens;
  std::vector<std::uint32_t> touched_terms;

  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&&) = delete;
  Scratch& operator=(Scratch&&) = delete;
  ~Scratch() {
    if (hs != nullptr) {
      hs_free_scratch(hs);
    }
  }
};

nlohmann::json to_json(const Finding& finding) {
  return {{"rule", finding.rule},
          {"category", to_string(finding.category)},
          {"severity", to_string(finding.severity)},
          {"start", finding.start},
          {"end", finding.end},
          {"clause", finding.clause},
          {"message", finding.message},
          {"confidence", static_cast<double>(static_cast<int>(finding.confidence * 100.0 + 0.5)) / 100.0}};
}

Engine::Engine() = default;

Engine::~Engine() {
  if (prototype_scratch_ != nullptr) {
    hs_free_scratch(prototype_scratch_);
  }
  if (database_ != nullptr) {
    hs_free_database(database_);
  }
}

std::shared_ptr<const Engine> Engine::build(const std::vector<Pack>& packs, const DatabaseCache* cache) {
  if (sodium_init() < 0) {
    throw PackError("libsodium could not start");
  }
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<Engine> engine(new Engine());
  const Normalizer& normalizer = engine->normalizer_;

  // Merge the packs: word lists extend, rules add, overrides change rules by id.
  std::map<std::string, std::vector<std::string>, std::less<>> word_lists;
  std::vector<std::pair<Rule, std::string>> rules;  // rule, pack id
  std::map<std::string, std::size_t, std::less<>> rule_index;
  std::string hash_input(kCompileScheme);
  hash_input += kHostVersion;
  for (const auto& pack : packs) {
    hash_input += to_json(pack).dump();
    engine->pack_summaries_.push_back({pack.id, pack.version, pack.rules.size(), pack.source});
    for (const auto& [name, list] : pack.word_lists) {
      auto& merged = word_lists[name];
      merged.insert(merged.end(), list.begin(), list.end());
    }
    for (const auto& rule : pack.rules) {
      if (rule_index.contains(rule.id)) {
        throw PackError(fmt::format("{}: rule id '{}' is already defined by an earlier pack", pack.source, rule.id));
      }
      rule_index[rule.id] = rules.size();
      rules.emplace_back(rule, pack.id);
    }
    for (const auto& item : pack.allowlist) {
      engine->allowlist_.push_back(normalizer.normalize(item));
    }
    try {
      engine->names_.add_from_json(pack.names);
    } catch (const std::invalid_argument& error) {
      throw PackError(fmt::format("{}: {}", pack.source, error.what()));
    }
    if (!pack.org.empty()) {
      engine->org_profile_ = pack.org;
    }
    for (const auto& adapter : pack.site_adapters) {
      engine->site_adapters_.push_back(adapter);
    }
  }
  std::set<std::string, std::less<>> disabled;
  std::map<std::string, Severity, std::less<>> forced;
  for (const auto& pack : packs) {
    for (const auto& change : pack.overrides) {
      if (!rule_index.contains(change.rule)) {
        throw PackError(fmt::format("{}: override names rule '{}', which no pack defines", pack.source, change.rule));
      }
      if (change.disabled) {
        disabled.insert(change.rule);
      }
      if (change.severity) {
        forced[change.rule] = *change.severity;
      }
    }
  }
  std::sort(engine->allowlist_.begin(), engine->allowlist_.end());

  // Terms: each distinct normalised phrase gets one id, shared by every rule that uses it.
  PhraseMatcher& phrases = engine->phrases_;
  auto expand = [&](const std::vector<std::string>& entries, const std::string& rule_id) {
    std::vector<std::string> out;
    for (const auto& entry : entries) {
      if (entry.starts_with('@')) {
        const auto list = word_lists.find(std::string_view(entry).substr(1));
        if (list == word_lists.end()) {
          throw PackError(fmt::format("rule '{}': word list '{}' is not defined", rule_id, entry));
        }
        for (const auto& word : list->second) {
          out.push_back(normalizer.normalize(word));
        }
      } else {
        out.push_back(normalizer.normalize(entry));
      }
    }
    return out;
  };
  auto add_phrase = [&](const std::string& term, const std::string& rule_id) {
    try {
      const std::uint32_t id = phrases.add(term);
      if (engine->phrase_rules_.size() <= id) {
        engine->phrase_rules_.resize(id + 1);
      }
      return id;
    } catch (const std::invalid_argument& error) {
      throw PackError(fmt::format("rule '{}': term '{}': {}", rule_id, term, error.what()));
    }
  };
  auto term_list = [&](const std::vector<std::string>& entries, const std::string& rule_id) {
    std::vector<std::uint32_t> ids;
    for (const auto& term : expand(entries, rule_id)) {
      ids.push_back(add_phrase(term, rule_id));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  };

  std::vector<std::string> expressions;
  std::vector<unsigned> flags;
  std::vector<std::string> expression_origin;  // for error messages
  std::vector<bool> needs_exact_start;
  for (auto& [rule, pack_id] : rules) {
    if (disabled.contains(rule.id)) {
      continue;
    }
    CompiledRule compiled;
    compiled.rule = rule;
    if (!rule.validator.empty()) {
      compiled.validator = validators::find(rule.validator);
    }
    if (const auto it = forced.find(rule.id); it != forced.end()) {
      compiled.forced_severity = it->second;
    }
    if (rule.context) {
      compiled.require_terms = term_list(rule.context->require, rule.id);
      if (rule.context->raise) {
        compiled.raise_terms = term_list(rule.context->raise->terms, rule.id);
      }
      if (rule.context->lower) {
        compiled.lower_terms = term_list(rule.context->lower->terms, rule.id);
      }
    }
    for (const auto& allowed : rule.allow) {
      compiled.allow.push_back(normalizer.normalize(allowed));
    }
    std::sort(compiled.allow.begin(), compiled.allow.end());
    const auto rule_number = static_cast<std::uint32_t>(engine->rules_.size());
    for (std::size_t p = 0; p < rule.patterns.size(); ++p) {
      const std::string origin = fmt::format("pack '{}' rule '{}' pattern {}", pack_id, rule.id, p + 1);
      // Checked (hs_expression_info) only when compiling: a cached database was checked before.
      expressions.push_back(rule.patterns[p]);
      flags.push_back(kRuleFlags);
      expression_origin.push_back(origin);
      engine->expression_rule_.push_back(rule_number);
      engine->expression_width_.push_back(0);
      // A validator reads the exact span, so its patterns always keep start tracking.
      needs_exact_start.push_back(compiled.validator != nullptr);
    }
    for (const auto& term : expand(rule.terms, rule.id)) {
      auto& owners = engine->phrase_rules_[add_phrase(term, rule.id)];
      if (std::find(owners.begin(), owners.end(), rule_number) == owners.end()) {
        owners.push_back(rule_number);
      }
    }
    engine->rules_.push_back(std::move(compiled));
  }
  engine->phrase_rules_.resize(phrases.size());
  engine->content_hash_ = sha256_hex(hash_input);
  engine->stats_.rules = engine->rules_.size();
  engine->stats_.expressions = expressions.size();
  engine->stats_.phrases = phrases.size();

  if (!expressions.empty()) {
    bool loaded = false;
    const std::string cache_key = cache != nullptr ? DatabaseCache::key_for(engine->content_hash_) : std::string();
    if (cache != nullptr) {
      if (const auto bytes = cache->load(cache_key)) {
        loaded = engine->load_cached(*bytes);
      }
    }
    if (!loaded) {
      engine->check_and_choose_flags(expressions, expression_origin, needs_exact_start, flags);
      std::vector<const char*> pointers;
      std::vector<unsigned> ids;
      for (std::size_t i = 0; i < expressions.size(); ++i) {
        pointers.push_back(expressions[i].c_str());
        ids.push_back(static_cast<unsigned>(i));
      }
      for (;;) {
        hs_compile_error_t* error = nullptr;
        if (hs_compile_multi(pointers.data(), flags.data(), ids.data(), static_cast<unsigned>(pointers.size()),
                             HS_MODE_BLOCK, nullptr, &engine->database_, &error) == HS_SUCCESS) {
          break;
        }
        std::string message = error != nullptr ? error->message : "unknown error";
        const int index = error != nullptr ? error->expression : -1;
        hs_free_compile_error(error);
        const auto at = static_cast<std::size_t>(index);
        if (index >= 0 && at < flags.size() && (flags[at] & HS_FLAG_SOM_LEFTMOST) != 0U &&
            message.find("too large") != std::string::npos) {
          // Hyperscan cannot track this pattern's start: run it without, with an estimated span.
          flags[at] &= ~static_cast<unsigned>(HS_FLAG_SOM_LEFTMOST);
          engine->expression_width_[at] = kMaxEstimatedSpan;
          continue;
        }
        if (index >= 0 && at < expression_origin.size()) {
          message = fmt::format("{}: {}", expression_origin[at], message);
        }
        throw PackError(fmt::format("the packs do not compile: {}", message));
      }
      if (cache != nullptr) {
        (void)cache->store(cache_key, engine->cache_payload());
      }
    }
    if (hs_alloc_scratch(engine->database_, &engine->prototype_scratch_) != HS_SUCCESS) {
      throw PackError("Hyperscan could not allocate scratch space");
    }
    std::size_t size = 0;
    if (hs_database_size(engine->database_, &size) == HS_SUCCESS) {
      engine->stats_.database_bytes = size;
    }
  }
  engine->stats_.compile_time =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  // One scratch ready before the first scan, so the first answer pays no allocation.
  engine->release_scratch(engine->acquire_scratch());
  return engine;
}

void Engine::check_and_choose_flags(const std::vector<std::string>& expressions,
                                    const std::vector<std::string>& origins, const std::vector<bool>& needs_exact_start,
                                    std::vector<unsigned>& flags) {
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_expression_info(expressions[i].c_str(), kRuleFlags, &info, &error) != HS_SUCCESS) {
      const std::string message = error != nullptr ? error->message : "unknown error";
      hs_free_compile_error(error);
      throw PackError(fmt::format("{} does not compile: {}", origins[i], message));
    }
    const bool matches_empty = info->min_width == 0;
    const unsigned max_width = info->max_width;
    std::free(info);  // NOLINT(cppcoreguidelines-no-malloc): Hyperscan allocates it with malloc
    if (matches_empty) {
      throw PackError(fmt::format("{} can match empty text", origins[i]));
    }
    const bool tracked =
        max_width <= kMaxTrackedWidth || expressions[i].size() <= kMaxTrackedLength || needs_exact_start[i];
    flags[i] = tracked ? kRuleFlags : (kRuleFlags & ~static_cast<unsigned>(HS_FLAG_SOM_LEFTMOST));
    expression_width_[i] = tracked ? 0 : std::min<std::uint32_t>(max_width, kMaxEstimatedSpan);
  }
}

std::string Engine::cache_payload() const {
  // The database plus which expressions run without start tracking, so a cache hit needs no
  // per-pattern test compiles.
  std::string out(kCacheMagic);
  const auto count = static_cast<std::uint32_t>(expression_width_.size());
  out.append(reinterpret_cast<const char*>(&count), sizeof count);
  out.append(reinterpret_cast<const char*>(expression_width_.data()), count * sizeof(std::uint32_t));
  out += serialize().bytes;
  return out;
}

bool Engine::load_cached(std::string_view payload) {
  const std::size_t header = kCacheMagic.size() + sizeof(std::uint32_t);
  if (payload.size() < header || payload.substr(0, kCacheMagic.size()) != kCacheMagic) {
    return false;
  }
  std::uint32_t count = 0;
  std::memcpy(&count, payload.data() + kCacheMagic.size(), sizeof count);
  if (count != expression_width_.size() || payload.size() < header + count * sizeof(std::uint32_t)) {
    return false;
  }
  std::vector<std::uint32_t> widths(count);
  std::memcpy(widths.data(), payload.data() + header, count * sizeof(std::uint32_t));
  const std::string_view database = payload.substr(header + count * sizeof(std::uint32_t));
  hs_database_t* loaded = nullptr;
  // Trial load: a file that passed its checksum may still not suit this library.
  if (hs_deserialize_database(database.data(), database.size(), &loaded) != HS_SUCCESS) {
    return false;
  }
  database_ = loaded;
  expression_width_ = std::move(widths);
  from_cache_ = true;
  return true;
}

SerializedDatabase Engine::serialize() const {
  SerializedDatabase out;
  if (database_ == nullptr) {
    return out;
  }
  char* bytes = nullptr;
  std::size_t length = 0;
  if (hs_serialize_database(database_, &bytes, &length) == HS_SUCCESS) {
    out.bytes.assign(bytes, length);
    std::free(bytes);  // NOLINT(cppcoreguidelines-no-malloc): Hyperscan allocates it with malloc
  }
  return out;
}

std::unique_ptr<Engine::Scratch> Engine::acquire_scratch() const {
  {
    const std::lock_guard lock(pool_mutex_);
    if (!scratch_pool_.empty()) {
      auto scratch = std::move(scratch_pool_.back());
      scratch_pool_.pop_back();
      return scratch;
    }
  }
  auto scratch = std::make_unique<Scratch>();
  if (prototype_scratch_ != nullptr && hs_clone_scratch(prototype_scratch_, &scratch->hs) != HS_SUCCESS) {
    throw std::bad_alloc();
  }
  scratch->expression_rule = &expression_rule_;
  scratch->expression_width = &expression_width_;
  scratch->term_tokens.resize(phrases_.size());
  return scratch;
}

void Engine::release_scratch(std::unique_ptr<Scratch> scratch) const {
  const std::lock_guard lock(pool_mutex_);
  scratch_pool_.push_back(std::move(scratch));
}

namespace {

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int /*flags*/,
             void* context) {
  auto* scratch = static_cast<Engine::Scratch*>(context);
  if (++scratch->raw_count > kMaxRawMatches) {
    scratch->stopped = true;
    return 1;  // stop scanning: the result will say it was cut
  }
  scratch->pattern_matches.push_back(
      {id, (*scratch->expression_rule)[id], static_cast<std::uint32_t>(from), static_cast<std::uint32_t>(to)});
  return 0;
}

}  // namespace

// Defined here (not in the anonymous namespace) because it reads Scratch's members.
struct ScanPass {
  const Engine& engine;
  Engine::Scratch& s;

  [[nodiscard]] std::size_t token_at(std::uint32_t byte) const {
    const auto it = std::upper_bound(s.tokens.begin(), s.tokens.end(), byte,
                                     [](std::uint32_t value, const Token& token) { return value < token.from; });
    return it == s.tokens.begin() ? 0 : static_cast<std::size_t>(it - s.tokens.begin() - 1);
  }
};

ScanResult Engine::scan(std::string_view text, std::size_t max_findings) const {
  ScanResult result;
  auto scratch = acquire_scratch();
  Scratch& s = *scratch;
  s.raw_count = 0;
  s.stopped = false;
  s.pattern_matches.clear();
  s.phrase_hits.clear();
  s.candidates.clear();

  normalizer_.normalize(text, s.normalised);
  const std::string& norm = s.normalised.text;
  if (database_ != nullptr && !norm.empty()) {
    hs_scan(database_, norm.data(), static_cast<unsigned>(norm.size()), 0, s.hs, on_match, &s);
  }
  result.truncated = s.stopped;

  // Patterns without start tracking: start at the sentence (or line) the match ends in, at most
  // their widest match back.
  for (auto& m : s.pattern_matches) {
    const std::uint32_t width = (*s.expression_width)[m.expression];
    if (width == 0) {
      continue;
    }
    std::uint32_t from = m.to > width ? m.to - width : 0;
    for (std::uint32_t k = m.to; k > from; --k) {
      const char c = norm[k - 1];
      if ((c == '.' || c == '!' || c == '?' || c == '\n') && k < m.to) {
        from = k;
        break;
      }
    }
    while (from < m.to && (norm[from] == ' ' || norm[from] == '\n')) {
      ++from;
    }
    m.from = from;
  }

  // One span per occurrence: for each rule and start, the longest end its validator accepts.
  std::sort(s.pattern_matches.begin(), s.pattern_matches.end(), [](const RawMatch& a, const RawMatch& b) {
    return a.rule != b.rule ? a.rule < b.rule : (a.from != b.from ? a.from < b.from : a.to > b.to);
  });
  auto allowed = [&](const CompiledRule& rule, std::string_view span) {
    return std::binary_search(rule.allow.begin(), rule.allow.end(), span) ||
           std::binary_search(allowlist_.begin(), allowlist_.end(), span);
  };
  for (std::size_t i = 0; i < s.pattern_matches.size();) {
    const RawMatch& head = s.pattern_matches[i];
    std::size_t j = i;
    bool accepted = false;
    const CompiledRule& rule = rules_[head.rule];
    for (; j < s.pattern_matches.size() && s.pattern_matches[j].rule == head.rule &&
           s.pattern_matches[j].from == head.from;
         ++j) {
      if (accepted) {
        continue;
      }
      const RawMatch& m = s.pattern_matches[j];
      const std::string_view span(norm.data() + m.from, m.to - m.from);
      if (rule.validator != nullptr && !(*rule.validator)(span)) {
        continue;
      }
      accepted = true;
      if (!allowed(rule, span)) {
        s.candidates.push_back({m.rule, m.from, m.to});
      }
    }
    i = j;
  }

  tokenize(norm, s.tokens);
  phrases_.match(norm, s.tokens, s.words, s.phrase_hits);
  if (s.phrase_hits.size() > kMaxRawMatches) {
    s.phrase_hits.resize(kMaxRawMatches);
    result.truncated = true;
  }
  for (const auto& hit : s.phrase_hits) {
    const std::uint32_t from = s.tokens[hit.first_token].from;
    const std::uint32_t to = s.tokens[hit.last_token].to;
    for (const auto rule : phrase_rules_[hit.phrase]) {
      if (!allowed(rules_[rule], std::string_view(norm.data() + from, to - from))) {
        s.candidates.push_back({rule, from, to});
      }
    }
  }
  if (!names_.empty()) {
    names_.match(norm, s.tokens, s.names);
    for (const auto& name : s.names) {
      const std::string_view key = name_rule_key(name.kind, name.first_name_only);
      const std::string_view span(norm.data() + name.from, name.to - name.from);
      for (std::uint32_t r = 0; r < rules_.size(); ++r) {
        if (rules_[r].rule.names == key && !allowed(rules_[r], span)) {
          s.candidates.push_back({r, name.from, name.to});
        }
      }
    }
  }

  // Overlapping spans of one rule become one finding.
  std::sort(s.candidates.begin(), s.candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.rule != b.rule ? a.rule < b.rule : a.from < b.from;
  });
  std::size_t merged = 0;
  for (std::size_t i = 0; i < s.candidates.size(); ++i) {
    if (merged > 0 && s.candidates[merged - 1].rule == s.candidates[i].rule &&
        s.candidates[i].from < s.candidates[merged - 1].to) {
      s.candidates[merged - 1].to = std::max(s.candidates[merged - 1].to, s.candidates[i].to);
    } else {
      s.candidates[merged++] = s.candidates[i];
    }
  }
  s.candidates.resize(merged);

  // Where each context term stands, as word numbers.
  const ScanPass pass{*this, s};
  for (const auto term : s.touched_terms) {
    s.term_tokens[term].clear();
  }
  s.touched_terms.clear();
  if (!s.candidates.empty()) {
    for (const auto& hit : s.phrase_hits) {
      auto& positions = s.term_tokens[hit.phrase];
      if (positions.empty()) {
        s.touched_terms.push_back(hit.phrase);
      }
      positions.push_back(hit.last_token);
    }
    for (const auto term : s.touched_terms) {
      std::sort(s.term_tokens[term].begin(), s.term_tokens[term].end());
    }
  }
  auto near = [&](const std::vector<std::uint32_t>& terms, std::size_t low, std::size_t high) {
    for (const auto term : terms) {
      const auto& positions = s.term_tokens[term];
      const auto it = std::lower_bound(positions.begin(), positions.end(), low);
      if (it != positions.end() && *it <= high) {
        return true;
      }
    }
    return false;
  };

  for (const auto& candidate : s.candidates) {
    const CompiledRule& compiled = rules_[candidate.rule];
    const Rule& rule = compiled.rule;
    Severity severity = rule.severity;
    double confidence = rule.confidence;
    if (rule.context) {
      const RuleContext& context = *rule.context;
      const std::size_t first = pass.token_at(candidate.from);
      const std::size_t last = pass.token_at(candidate.to - 1);
      const std::size_t low = context.after_only ? first : (first >= context.window ? first - context.window : 0);
      const std::size_t high = context.before_only ? last : last + context.window;
      if (!compiled.require_terms.empty()) {
        if (near(compiled.require_terms, low, high)) {
          confidence += kContextConfidenceBoost;
        } else if (!context.otherwise) {
          continue;
        } else {
          severity = *context.otherwise;
        }
      }
      if (context.raise && near(compiled.raise_terms, low, high)) {
        severity = std::max(severity, context.raise->to.value_or(severity));
        confidence += kContextConfidenceBoost / 2;
      }
      if (context.lower && near(compiled.lower_terms, low, high)) {
        if (!context.lower->to) {
          continue;
        }
        severity = std::min(severity, *context.lower->to);
        confidence -= kContextConfidenceBoost;
      }
    }
    if (compiled.forced_severity) {
      severity = *compiled.forced_severity;
    }
    const auto [start, end] = s.normalised.to_original(candidate.from, candidate.to);
    result.findings.push_back({rule.id, rule.category, severity, start, end, rule.clause, rule.message,
                               std::clamp(confidence, 0.0, 1.0)});
  }
  std::sort(result.findings.begin(), result.findings.end(), [](const Finding& a, const Finding& b) {
    return a.start != b.start ? a.start < b.start : (a.end != b.end ? a.end < b.end : a.rule < b.rule);
  });
  if (result.findings.size() > max_findings) {
    result.findings.resize(max_findings);
    result.truncated = true;
  }
  // Drop what the text left in the scratch before it goes back to the pool.
  s.normalised.clear();
  release_scratch(std::move(scratch));
  return result;
}

}  // namespace careguard
