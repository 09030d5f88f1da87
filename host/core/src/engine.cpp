#include "careguard/engine.hpp"

#include "careguard/compile_helper.hpp"
#include "careguard/database_cache.hpp"
#include "careguard/phrase_matcher.hpp"
#include "careguard/validators.hpp"
#include "careguard/version.hpp"

#include <fmt/format.h>
#include <hs/hs.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <set>
#include <functional>
#include <future>
#include <thread>
#include <utility>

namespace careguard {

namespace {

constexpr unsigned kRuleFlags = HS_FLAG_UTF8 | HS_FLAG_CASELESS;
constexpr double kContextConfidenceBoost = 0.3;
/// A match is looked for (and, without an exact start, underlined from) at most this far back.
constexpr std::uint32_t kMaxEstimatedSpan = 200;
/// Start-of-match tracking costs compile time and database size, and makes Hyperscan slow on
/// every scan when it is in the main database. Exact starts matter for identifiers (validators
/// read the span), which are narrow, so only narrow or short patterns, and every pattern with a
/// validator, go into the start database; wider ones (phrases with gaps) get estimated spans.
constexpr unsigned kMaxTrackedWidth = 64;
/// ... or whose text is short (e-mail addresses, "ab+"): the cost comes from long alternations.
constexpr std::size_t kMaxTrackedLength = 100;
/// A window scanned for a start is widened to the word before it, at most this far.
constexpr std::uint32_t kMaxWindowWidening = 32;
constexpr std::string_view kCacheMagic = "CGENG003";
/// The payload's table (sizes and widths) carries a BLAKE2b of its own; the databases after it
/// carry Hyperscan's CRC32C, which hs_deserialize_database checks. Together they cover every
/// byte, so the cache file needs no checksum of its own over megabytes at every start.
constexpr std::size_t kTableDigestBytes = crypto_generichash_BYTES;
/// Bump when the way packs become a database changes (flags, expression order), so a cache
/// written by an older host is never loaded by a newer one.
constexpr std::string_view kCompileScheme = "compile-scheme-4";

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

/// The compiled database depends on the expressions, in order, and on which ones want a start
/// database, and on nothing else of the packs (flags and start choices are fixed by the compile
/// scheme). Keying the cache on exactly that means an org pack update that only changes names,
/// terms or messages reuses the database, and a start never serialises a pack to hash it.
std::string database_key(const std::vector<std::string>& expressions, const std::vector<bool>& needs_exact_start) {
  std::string input(kCompileScheme);
  input += '\n';
  input += kHostVersion;
  input += '\n';
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    // Length-prefixed, so no two different lists join into the same bytes.
    input += fmt::format("{}:{}:", expressions[i].size(), needs_exact_start[i] ? 1 : 0);
    input += expressions[i];
  }
  return sha256_hex(input);
}

/// What a scan reads of a rule: its patterns, terms, allowlist and examples are compiled into
/// the engine's own tables, and copying them (an org rule can hold thousands of terms) is waste.
Rule scan_copy(const Rule& rule) {
  Rule out;
  out.id = rule.id;
  out.category = rule.category;
  out.severity = rule.severity;
  out.clause = rule.clause;
  out.message = rule.message;
  out.names = rule.names;
  out.validator = rule.validator;
  out.confidence = rule.confidence;
  out.context = rule.context;
  return out;
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
  std::size_t raw_count = 0;
  bool stopped = false;
  NormalizedText normalised;
  std::vector<RawMatch> pattern_matches;
  std::vector<RawMatch> start_reports;  // from the start database, window offsets added
  std::vector<std::uint32_t> exact_order;  // indexes of pattern_matches that need exact starts
  std::uint32_t window_offset = 0;
  std::uint32_t window_expression = 0;
  std::vector<PhraseHit> phrase_hits;
  PhraseMatcher::Scratch phrase_scratch;
  std::vector<Candidate> candidates;
  std::vector<Token> tokens;
  std::vector<NameMatch> names;
  NameIndex::Scratch name_scratch;
  std::vector<std::vector<std::uint32_t>> context_words;  // per rule * 3 + kind: word numbers, sorted
  std::vector<std::uint32_t> touched_lists;
  std::vector<std::uint8_t> rule_has_candidate;

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

namespace {

using WordLists = std::map<std::string, std::vector<std::string>, std::less<>>;
using RuleList = std::vector<std::pair<const Rule*, const std::string*>>;  // rule, pack id

/// What the rules of a build make besides the database: the phrase table, each phrase's rules,
/// the compiled rules, and the phrase ids of each word list used so far.
struct RuleTables {
  PhraseMatcher phrases;
  std::vector<std::vector<std::uint32_t>> phrase_rules;  // phrase id → rules whose `terms` hold it
  std::vector<Engine::CompiledRule> rules;
  std::map<std::string, std::vector<std::uint32_t>, std::less<>> list_phrases;
};

/// Adds rules[first...] (the disabled ones left out) to the tables, in order: a phrase's id is the
/// order in which it is first added.
void add_rules(RuleTables& tables, const RuleList& rules, std::size_t first, const WordLists& word_lists,
               const std::set<std::string, std::less<>>& disabled,
               const std::map<std::string, Severity, std::less<>>& forced, const Normalizer& normalizer) {
  auto add_phrase = [&](const std::string& term, const std::string& rule_id) {
    try {
      const std::uint32_t id = tables.phrases.add(term);
      if (tables.phrase_rules.size() <= id) {
        tables.phrase_rules.resize(id + 1);
      }
      return id;
    } catch (const std::invalid_argument& error) {
      throw PackError(fmt::format("rule '{}': term '{}': {}", rule_id, term, error.what()));
    }
  };
  // Many rules share a word list (the base pack's dozens of rules draw on a few thousand listed
  // words): each list is normalised and added once, when first used, and its phrase ids reused.
  auto phrase_ids = [&](const std::vector<std::string>& entries, const std::string& rule_id) {
    std::vector<std::uint32_t> ids;
    ids.reserve(entries.size());
    for (const auto& entry : entries) {
      if (!entry.starts_with('@')) {
        ids.push_back(add_phrase(normalizer.normalize(entry), rule_id));
        continue;
      }
      const std::string_view name = std::string_view(entry).substr(1);
      auto listed = tables.list_phrases.find(name);
      if (listed == tables.list_phrases.end()) {
        const auto list = word_lists.find(name);
        if (list == word_lists.end()) {
          throw PackError(fmt::format("rule '{}': word list '{}' is not defined", rule_id, entry));
        }
        std::vector<std::uint32_t> list_ids;
        list_ids.reserve(list->second.size());
        for (const auto& word : list->second) {
          list_ids.push_back(add_phrase(normalizer.normalize(word), rule_id));
        }
        listed = tables.list_phrases.emplace(std::string(name), std::move(list_ids)).first;
      }
      ids.insert(ids.end(), listed->second.begin(), listed->second.end());
    }
    return ids;
  };
  auto term_list = [&](const std::vector<std::string>& entries, const std::string& rule_id) {
    std::vector<std::uint32_t> ids = phrase_ids(entries, rule_id);
    // A list's ids are numbered as it is first added, so most context lists arrive in order.
    if (!std::is_sorted(ids.begin(), ids.end())) {
      std::sort(ids.begin(), ids.end());
    }
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  };
  for (std::size_t i = first; i < rules.size(); ++i) {
    const Rule& rule = *rules[i].first;
    if (disabled.contains(rule.id)) {
      continue;
    }
    Engine::CompiledRule compiled;
    compiled.rule = scan_copy(rule);
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
    const auto rule_number = static_cast<std::uint32_t>(tables.rules.size());
    for (const auto phrase : phrase_ids(rule.terms, rule.id)) {
      auto& owners = tables.phrase_rules[phrase];
      if (std::find(owners.begin(), owners.end(), rule_number) == owners.end()) {
        owners.push_back(rule_number);
      }
    }
    tables.rules.push_back(std::move(compiled));
  }
}

/// The built-in base pack's tables alone, made once per process.
const RuleTables& builtin_tables() {
  static const RuleTables tables = [] {
    const Pack& base = builtin_base_pack();
    RuleList rules;
    for (const auto& rule : base.rules) {
      rules.emplace_back(&rule, &base.id);
    }
    const WordLists word_lists(base.word_lists.begin(), base.word_lists.end());
    const Normalizer normalizer;
    RuleTables built;
    add_rules(built, rules, 0, word_lists, {}, {}, normalizer);
    return built;
  }();
  return tables;
}

/// Set once builtin_tables() is made, so a build never waits for it.
std::atomic<const RuleTables*> ready_builtin_tables{nullptr};

/// The built-in tables, when they are ready and these packs would make the same: the base pack
/// first, no rule of it disabled or given another severity, and none of its word lists extended.
const RuleTables* builtin_tables_for(const std::vector<const Pack*>& packs,
                                     const std::set<std::string, std::less<>>& disabled,
                                     const std::map<std::string, Severity, std::less<>>& forced) {
  const RuleTables* tables = ready_builtin_tables.load(std::memory_order_acquire);
  if (tables == nullptr || packs.empty() || packs.front() != &builtin_base_pack() || !disabled.empty() ||
      !forced.empty()) {
    return nullptr;
  }
  const Pack& base = *packs.front();
  for (std::size_t p = 1; p < packs.size(); ++p) {
    for (const auto& [name, list] : packs[p]->word_lists) {
      if (base.word_lists.contains(name)) {
        return nullptr;
      }
    }
  }
  return tables;
}

}  // namespace

void Engine::prepare_builtin_tables() { ready_builtin_tables.store(&builtin_tables(), std::memory_order_release); }

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
  for (auto* database : start_databases_) {
    if (database != nullptr) {
      hs_free_database(database);
    }
  }
}

std::shared_ptr<const Engine> Engine::build(const std::vector<Pack>& packs, const DatabaseCache* cache) {
  std::vector<const Pack*> pointers;
  pointers.reserve(packs.size());
  for (const auto& pack : packs) {
    pointers.push_back(&pack);
  }
  return build(pointers, cache);
}

std::shared_ptr<Engine> Engine::preload(const DatabaseCache& cache) {
  const auto key = cache.last_key();
  if (!key) {
    return nullptr;
  }
  const auto file = cache.load(*key);
  std::shared_ptr<Engine> engine(new Engine());
  if (!file || !engine->load_cached(file->bytes(), true)) {
    return nullptr;  // the build that wants it reports a damaged file, as it always has
  }
  engine->allocate_scratch();
  engine->preloaded_key_ = *key;
  return engine;
}

void Engine::allocate_scratch() {
  if (hs_alloc_scratch(database_, &prototype_scratch_) != HS_SUCCESS) {
    throw PackError("Hyperscan could not allocate scratch space");
  }
  for (auto* database : start_databases_) {
    // One scratch serves every database it was grown for.
    if (database != nullptr && hs_alloc_scratch(database, &prototype_scratch_) != HS_SUCCESS) {
      throw PackError("Hyperscan could not allocate scratch space");
    }
  }
}

std::shared_ptr<const Engine> Engine::build(const std::vector<const Pack*>& packs, const DatabaseCache* cache,
                                            const CompileHelper* helper, std::shared_ptr<Engine> preloaded) {
  if (sodium_init() < 0) {
    throw PackError("libsodium could not start");
  }
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<Engine> engine(new Engine());
  const Normalizer& normalizer = engine->normalizer_;

  // An org pack's name table (base64 of tens of thousands of digests, decoded and hashed into a
  // table of megabytes) needs nothing else of the build: it is made on the second core while this
  // thread builds the rules and phrases and loads the database, and joined before anything that
  // could compile, so a bad name list still fails the build first.
  std::future<NameIndex> names;
  if (std::any_of(packs.begin(), packs.end(), [](const Pack* pack) { return !pack->names.empty(); })) {
    names = std::async(std::launch::async | std::launch::deferred, [&packs] {
      NameIndex index;
      for (const Pack* pack : packs) {
        try {
          index.add_from_json(pack->names);
        } catch (const std::invalid_argument& error) {
          throw PackError(fmt::format("{}: {}", pack->source, error.what()));
        }
      }
      return index;
    });
  }
  auto join_names = [&] {
    if (names.valid()) {
      engine->names_ = names.get();
    }
  };

  // Merge the packs: word lists extend, rules add, overrides change rules by id.
  WordLists word_lists;
  RuleList rules;
  std::map<std::string, std::size_t, std::less<>> rule_index;
  for (const Pack* pointer : packs) {
    const Pack& pack = *pointer;
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
      rules.emplace_back(&rule, &pack.id);
    }
    for (const auto& item : pack.allowlist) {
      engine->allowlist_.push_back(normalizer.normalize(item));
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
  for (const Pack* pack : packs) {
    for (const auto& change : pack->overrides) {
      if (!rule_index.contains(change.rule)) {
        throw PackError(fmt::format("{}: override names rule '{}', which no pack defines", pack->source, change.rule));
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

  std::vector<std::string> expressions;
  std::vector<std::string> expression_origin;  // for error messages
  std::vector<bool> needs_exact_start;
  std::uint32_t rule_count = 0;
  for (const auto& [rule_pointer, pack_id_pointer] : rules) {
    const Rule& rule = *rule_pointer;
    if (disabled.contains(rule.id)) {
      continue;
    }
    const auto rule_number = rule_count++;
    // A validator reads the exact span, so its patterns always keep start tracking.
    const bool validated = !rule.validator.empty() && validators::find(rule.validator) != nullptr;
    for (std::size_t p = 0; p < rule.patterns.size(); ++p) {
      // Checked (hs_expression_info) only when compiling: a cached database was checked before.
      expressions.push_back(rule.patterns[p]);
      expression_origin.push_back(fmt::format("pack '{}' rule '{}' pattern {}", *pack_id_pointer, rule.id, p + 1));
      engine->expression_rule_.push_back(rule_number);
      engine->expression_width_.push_back(kMaxEstimatedSpan);
      engine->expression_exact_.push_back(0);
      needs_exact_start.push_back(validated);
    }
  }
  engine->content_hash_ = database_key(expressions, needs_exact_start);
  const std::string cache_key = cache != nullptr ? DatabaseCache::key_for(engine->content_hash_) : std::string();
  // A database preloaded for these very expressions is taken over as it is.
  bool adopted = false;
  if (preloaded != nullptr && !expressions.empty() && preloaded->preloaded_key_ == cache_key &&
      preloaded->expression_width_.size() == expressions.size()) {
    engine->database_ = std::exchange(preloaded->database_, nullptr);
    engine->start_databases_ = std::move(preloaded->start_databases_);
    engine->expression_width_ = std::move(preloaded->expression_width_);
    engine->expression_exact_ = std::move(preloaded->expression_exact_);
    engine->prototype_scratch_ = std::exchange(preloaded->prototype_scratch_, nullptr);
    engine->from_cache_ = true;
    adopted = true;
  }
  preloaded.reset();
  // Loading the cached database (megabytes copied into Hyperscan's memory, then a scratch sized
  // for it) touches only the expression tables, so it runs beside the rule and phrase tables.
  std::future<bool> cached;
  if (cache != nullptr && !expressions.empty() && !adopted) {
    cached = std::async(std::launch::async | std::launch::deferred, [&engine, &cache_key, cache] {
      const auto file = cache->load(cache_key);
      if (!file) {
        return false;
      }
      if (!engine->load_cached(file->bytes())) {
        // Its table's digest or a database's CRC32C does not match: damaged on disk. The fresh
        // compile replaces it.
        spdlog::warn("database cache: {} is damaged (checksum does not match); compiling instead",
                     cache->path_for(cache_key).string());
        return false;
      }
      engine->allocate_scratch();
      return true;
    });
  }

  // Rule and phrase tables. The built-in base pack's part of them is the same in every build
  // that neither overrides its rules nor extends its word lists: when a copy made beforehand is
  // ready (Engine::prepare_builtin_tables), it is taken and only the other packs' rules added.
  RuleTables tables;
  std::size_t first_rule = 0;
  if (const RuleTables* builtin = builtin_tables_for(packs, disabled, forced)) {
    tables = *builtin;
    first_rule = packs.front()->rules.size();
  }
  add_rules(tables, rules, first_rule, word_lists, disabled, forced, normalizer);
  PhraseMatcher& phrases = engine->phrases_;
  phrases = std::move(tables.phrases);
  engine->phrase_rules_ = std::move(tables.phrase_rules);
  engine->rules_ = std::move(tables.rules);
  engine->phrase_rules_.resize(phrases.size());
  engine->phrase_context_.resize(phrases.size());
  for (std::uint32_t r = 0; r < engine->rules_.size(); ++r) {
    for (unsigned kind = 0; kind < 2; ++kind) {
      for (unsigned first_only = 0; first_only < 2; ++first_only) {
        if (engine->rules_[r].rule.names == name_rule_key(static_cast<NameKind>(kind), first_only != 0)) {
          engine->name_rules_[kind * 2 + first_only].push_back(r);
        }
      }
    }
  }
  for (std::uint32_t r = 0; r < engine->rules_.size(); ++r) {
    const CompiledRule& compiled = engine->rules_[r];
    const std::vector<std::uint32_t>* lists[] = {&compiled.require_terms, &compiled.raise_terms, &compiled.lower_terms};
    for (std::uint32_t kind = 0; kind < 3; ++kind) {
      for (const auto phrase : *lists[kind]) {
        engine->phrase_context_[phrase].push_back(r * 3 + kind);
      }
    }
  }
  engine->stats_.rules = engine->rules_.size();
  engine->stats_.expressions = expressions.size();
  engine->stats_.phrases = phrases.size();

  if (!expressions.empty()) {
    const bool loaded = adopted || (cached.valid() && cached.get());
    join_names();
    if (!loaded && helper != nullptr) {
      // The child stores the database in the cache itself and sends it back, so the compiler's
      // memory is never this process's.
      CompileJob job{std::move(expressions), std::move(expression_origin), std::move(needs_exact_start), cache_key};
      const CompileHelperRun run = helper->run(job, cache);
      if (!engine->load_cached(run.payload)) {
        throw CompileHelperError("the compiler process sent a database that does not load");
      }
      engine->from_cache_ = false;
      engine->allocate_scratch();
    } else if (!loaded) {
      engine->check_expressions(expressions, expression_origin, needs_exact_start);
      engine->compile(expressions, expression_origin);
      if (cache != nullptr) {
        (void)cache->store(cache_key, engine->cache_payload());
      }
      engine->allocate_scratch();
    }
    std::size_t size = 0;
    if (hs_database_size(engine->database_, &size) == HS_SUCCESS) {
      engine->stats_.database_bytes = size;
    }
    for (auto* database : engine->start_databases_) {
      if (database != nullptr && hs_database_size(database, &size) == HS_SUCCESS) {
        engine->stats_.database_bytes += size;
      }
    }
  }
  join_names();  // when there is nothing to compile
  engine->stats_.compile_time =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  // One scratch ready before the first scan, so the first answer pays no allocation.
  engine->release_scratch(engine->acquire_scratch());
  return engine;
}

std::string Engine::compile_payload(const CompileJob& job) {
  Engine engine;
  engine.expression_width_.assign(job.expressions.size(), kMaxEstimatedSpan);
  engine.expression_exact_.assign(job.expressions.size(), 0);
  engine.check_expressions(job.expressions, job.origins, job.needs_exact_start);
  engine.compile(job.expressions, job.origins);
  return engine.cache_payload();
}

void Engine::check_expressions(const std::vector<std::string>& expressions, const std::vector<std::string>& origins,
                               const std::vector<bool>& needs_exact_start) {
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
    expression_exact_[i] = tracked ? 1 : 0;
    expression_width_[i] = std::min<std::uint32_t>(max_width, kMaxEstimatedSpan);
  }
}

namespace {

/// One Hyperscan block database of the given expressions; errors name the pack, rule and pattern.
hs_database_t* compile_database(const std::vector<std::string>& expressions, const std::vector<unsigned>& ids,
                                unsigned flags, const std::vector<std::string>& origins) {
  if (ids.empty()) {
    return nullptr;
  }
  std::vector<const char*> pointers;
  const std::vector<unsigned> all_flags(ids.size(), flags);
  for (const auto id : ids) {
    pointers.push_back(expressions[id].c_str());
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(pointers.data(), all_flags.data(), ids.data(), static_cast<unsigned>(ids.size()), HS_MODE_BLOCK,
                       nullptr, &database, &error) == HS_SUCCESS) {
    return database;
  }
  std::string message = error != nullptr ? error->message : "unknown error";
  const int index = error != nullptr ? error->expression : -1;
  hs_free_compile_error(error);
  if (index >= 0 && static_cast<std::size_t>(index) < ids.size()) {
    message = fmt::format("{}: {}", origins[ids[static_cast<std::size_t>(index)]], message);
  }
  throw PackError(fmt::format("the packs do not compile: {}", message));
}

}  // namespace

void Engine::compile(const std::vector<std::string>& expressions, const std::vector<std::string>& origins) {
  std::vector<unsigned> all;
  for (unsigned i = 0; i < expressions.size(); ++i) {
    all.push_back(i);
  }
  start_databases_.assign(expressions.size(), nullptr);
  // The start databases are independent of the main one; on a laptop's second core they are free.
  std::thread start_thread([&] {
    for (std::size_t i = 0; i < expressions.size(); ++i) {
      if (expression_exact_[i] == 0) {
        continue;
      }
      hs_compile_error_t* error = nullptr;
      if (hs_compile(expressions[i].c_str(), kRuleFlags | HS_FLAG_SOM_LEFTMOST, HS_MODE_BLOCK, nullptr,
                     &start_databases_[i], &error) != HS_SUCCESS) {
        // Hyperscan cannot track this start ("too large"): the span is estimated instead. The
        // pattern itself was checked and compiles in the main database.
        hs_free_compile_error(error);
        start_databases_[i] = nullptr;
        expression_exact_[i] = 0;
      }
    }
  });
  std::exception_ptr main_failure;
  try {
    database_ = compile_database(expressions, all, kRuleFlags, origins);
  } catch (...) {
    main_failure = std::current_exception();
  }
  start_thread.join();
  if (main_failure) {
    std::rethrow_exception(main_failure);
  }
}

namespace {

void append_u32(std::string& out, std::uint32_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }

bool read_u32(std::string_view& in, std::uint32_t& value) {
  if (in.size() < sizeof value) {
    return false;
  }
  std::memcpy(&value, in.data(), sizeof value);
  in.remove_prefix(sizeof value);
  return true;
}

bool deserialize(std::string_view bytes, hs_database_t*& database) {
  // Trial load: a file that passed its checksum may still not suit this library.
  return hs_deserialize_database(bytes.data(), bytes.size(), &database) == HS_SUCCESS;
}

SerializedDatabase serialize_database(const hs_database_t* database) {
  SerializedDatabase out;
  if (database == nullptr) {
    return out;
  }
  char* bytes = nullptr;
  std::size_t length = 0;
  if (hs_serialize_database(database, &bytes, &length) == HS_SUCCESS) {
    out.bytes.assign(bytes, length);
    std::free(bytes);  // NOLINT(cppcoreguidelines-no-malloc): Hyperscan allocates it with malloc
  }
  return out;
}

}  // namespace

SerializedDatabase Engine::serialize() const { return serialize_database(database_); }

std::string Engine::cache_payload() const {
  // The table (count, the main database's size, per expression its width and its start
  // database's size, 0 for none) and its digest, then the main database and the start databases,
  // so a cache hit needs no per-pattern work.
  const auto count = static_cast<std::uint32_t>(expression_width_.size());
  const std::string main = serialize().bytes;
  std::vector<std::string> starts;
  starts.reserve(count);
  std::string out(kCacheMagic);
  append_u32(out, count);
  append_u32(out, static_cast<std::uint32_t>(main.size()));
  for (std::uint32_t i = 0; i < count; ++i) {
    starts.push_back(serialize_database(start_databases_[i]).bytes);
    append_u32(out, expression_width_[i]);
    append_u32(out, static_cast<std::uint32_t>(starts.back().size()));
  }
  std::array<unsigned char, kTableDigestBytes> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(out.data()), out.size(),
                     nullptr, 0);
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  out += main;
  for (const auto& start : starts) {
    out += start;
  }
  return out;
}

bool Engine::load_cached(std::string_view payload, bool any_count) {
  const std::string_view whole = payload;
  if (!payload.starts_with(kCacheMagic)) {
    return false;
  }
  payload.remove_prefix(kCacheMagic.size());
  std::uint32_t count = 0;
  std::uint32_t main_size = 0;
  if (!read_u32(payload, count) || (!any_count && count != expression_width_.size()) ||
      !read_u32(payload, main_size) || main_size == 0 || count > payload.size() / 8) {
    return false;
  }
  if (any_count) {
    expression_exact_.assign(count, 0);
  }
  std::vector<std::uint32_t> widths(count);
  std::vector<std::uint32_t> sizes(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!read_u32(payload, widths[i]) || !read_u32(payload, sizes[i])) {
      return false;
    }
  }
  const std::size_t table_bytes = whole.size() - payload.size();
  std::array<unsigned char, kTableDigestBytes> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(whole.data()), table_bytes,
                     nullptr, 0);
  if (payload.size() < digest.size() || std::memcmp(digest.data(), payload.data(), digest.size()) != 0) {
    return false;
  }
  payload.remove_prefix(digest.size());
  if (payload.size() < main_size) {
    return false;
  }
  std::vector<hs_database_t*> starts(count, nullptr);
  auto release = [&] {
    for (auto* database : starts) {
      if (database != nullptr) {
        hs_free_database(database);
      }
    }
  };
  const std::string_view main = payload.substr(0, main_size);
  payload.remove_prefix(main_size);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (payload.size() < sizes[i] || (sizes[i] > 0 && !deserialize(payload.substr(0, sizes[i]), starts[i]))) {
      release();
      return false;
    }
    payload.remove_prefix(sizes[i]);
  }
  hs_database_t* main_database = nullptr;
  if (!payload.empty() || !deserialize(main, main_database)) {
    release();
    return false;
  }
  database_ = main_database;
  start_databases_ = std::move(starts);
  expression_width_ = std::move(widths);
  for (std::uint32_t i = 0; i < count; ++i) {
    expression_exact_[i] = start_databases_[i] != nullptr ? 1 : 0;
  }
  from_cache_ = true;
  return true;
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

namespace {

int on_start_match(unsigned int /*id: always 0, one pattern per database*/, unsigned long long from, unsigned long long to, unsigned int /*flags*/,
                   void* context) {
  auto* scratch = static_cast<Engine::Scratch*>(context);
  if (scratch->start_reports.size() >= kMaxRawMatches) {
    return 1;
  }
  scratch->start_reports.push_back({scratch->window_expression, 0, static_cast<std::uint32_t>(from) + scratch->window_offset,
                                    static_cast<std::uint32_t>(to) + scratch->window_offset});
  return 0;
}

bool is_word_byte(char c) noexcept {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || std::isalnum(byte) != 0 || c == '_';
}

}  // namespace

void Engine::resolve_starts(Scratch& s) const {
  const std::string& norm = s.normalised.text;
  s.exact_order.clear();
  for (std::uint32_t i = 0; i < s.pattern_matches.size(); ++i) {
    RawMatch& m = s.pattern_matches[i];
    if (start_databases_[m.expression] != nullptr) {
      s.exact_order.push_back(i);
      continue;
    }
    // No exact start: the sentence (or line) the match ends in, at most its widest match back.
    const std::uint32_t width = expression_width_[m.expression];
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
  if (s.exact_order.empty()) {
    return;
  }
  auto window_start = [&](const RawMatch& m) {
    std::uint32_t start = m.to - std::min(m.to, expression_width_[m.expression]);
    // Begin after a non-word byte, so "\b" at the window's edge means what it means in the text.
    const std::uint32_t limit = start > kMaxWindowWidening ? start - kMaxWindowWidening : 0;
    while (start > limit && is_word_byte(norm[start - 1])) {
      --start;
    }
    while (start > 0 && (static_cast<unsigned char>(norm[start]) & 0xC0U) == 0x80U) {
      --start;  // never begin inside a UTF-8 sequence
    }
    return start;
  };
  // Exact starts: the expression's own start database over a window before each of its ends
  // (overlapping windows of one expression are scanned once). Matches are few and windows
  // small, so this costs a fraction of tracking starts across the whole text.
  std::sort(s.exact_order.begin(), s.exact_order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const RawMatch& x = s.pattern_matches[a];
    const RawMatch& y = s.pattern_matches[b];
    return x.expression != y.expression ? x.expression < y.expression : x.to < y.to;
  });
  s.start_reports.clear();
  std::size_t k = 0;
  while (k < s.exact_order.size()) {
    const RawMatch& head = s.pattern_matches[s.exact_order[k]];
    const std::uint32_t begin = window_start(head);
    std::uint32_t end = head.to;
    std::size_t next = k + 1;
    while (next < s.exact_order.size() && s.pattern_matches[s.exact_order[next]].expression == head.expression &&
           window_start(s.pattern_matches[s.exact_order[next]]) <= end) {
      end = s.pattern_matches[s.exact_order[next]].to;
      ++next;
    }
    s.window_offset = begin;
    s.window_expression = head.expression;
    hs_scan(start_databases_[head.expression], norm.data() + begin, end - begin, 0, s.hs, on_start_match, &s);
    k = next;
  }
  // A report counts only where the main scan saw the same expression end: the window's right
  // edge may cut a word and let "\b" match where the whole text has none.
  std::sort(s.start_reports.begin(), s.start_reports.end(), [](const RawMatch& a, const RawMatch& b) {
    return a.expression != b.expression ? a.expression < b.expression : (a.to != b.to ? a.to < b.to : a.from < b.from);
  });
  for (const auto index : s.exact_order) {
    RawMatch& m = s.pattern_matches[index];
    const auto it = std::lower_bound(s.start_reports.begin(), s.start_reports.end(), m,
                                     [](const RawMatch& a, const RawMatch& b) {
                                       return a.expression != b.expression ? a.expression < b.expression : a.to < b.to;
                                     });
    if (it != s.start_reports.end() && it->expression == m.expression && it->to == m.to) {
      m.from = it->from;  // the leftmost start, as start-of-match tracking would report it
    } else {
      m.from = m.to - std::min(m.to, expression_width_[m.expression]);
    }
  }
}

// Defined here (not in the anonymous namespace) because it reads Scratch's members.
struct ScanPass {
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

  resolve_starts(s);

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
  phrases_.match(norm, s.tokens, s.phrase_scratch, s.phrase_hits);
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
    names_.match(norm, s.tokens, s.name_scratch, s.names);
    for (const auto& name : s.names) {
      const std::string_view span(norm.data() + name.from, name.to - name.from);
      for (const auto r : name_rules_[static_cast<unsigned>(name.kind) * 2 + (name.first_name_only ? 1U : 0U)]) {
        if (!allowed(rules_[r], span)) {
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

  // Where each context list's words stand, by word number, for the rules that have candidates.
  // Lists can hold thousands of words and windows can span the whole post, so each phrase hit is
  // filed once under the lists it belongs to, and a window test is one binary search.
  const ScanPass pass{s};
  for (const auto list : s.touched_lists) {
    s.context_words[list].clear();
  }
  s.touched_lists.clear();
  if (!s.candidates.empty()) {
    s.rule_has_candidate.assign(rules_.size(), 0);
    for (const auto& candidate : s.candidates) {
      s.rule_has_candidate[candidate.rule] = 1;
    }
    if (s.context_words.size() < rules_.size() * 3) {
      s.context_words.resize(rules_.size() * 3);
    }
    for (const auto& hit : s.phrase_hits) {
      for (const auto list : phrase_context_[hit.phrase]) {
        if (s.rule_has_candidate[list / 3] == 0) {
          continue;
        }
        auto& words = s.context_words[list];
        if (words.empty()) {
          s.touched_lists.push_back(list);
        }
        words.push_back(hit.last_token);
      }
    }
    for (const auto list : s.touched_lists) {
      std::sort(s.context_words[list].begin(), s.context_words[list].end());
    }
  }
  auto near = [&](std::uint32_t rule, std::uint32_t kind, std::size_t low, std::size_t high) {
    const std::uint32_t list = rule * 3 + kind;
    if (list >= s.context_words.size()) {
      return false;
    }
    const auto& words = s.context_words[list];
    const auto it = std::lower_bound(words.begin(), words.end(), low);
    return it != words.end() && *it <= high;
  };

  result.findings.reserve(s.candidates.size());
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
        if (near(candidate.rule, 0, low, high)) {
          confidence += kContextConfidenceBoost;
        } else if (!context.otherwise) {
          continue;
        } else {
          severity = *context.otherwise;
        }
      }
      if (context.raise && near(candidate.rule, 1, low, high)) {
        severity = std::max(severity, context.raise->to.value_or(severity));
        confidence += kContextConfidenceBoost / 2;
      }
      if (context.lower && near(candidate.rule, 2, low, high)) {
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
