#pragma once
// The scanning engine: every rule of every pack in force compiled into one Hyperscan block-mode
// database, run over normalised text; validators, allowlists, context and name lists then decide
// which matches are findings. An Engine is immutable once built and safe to share across threads;
// live reload builds a new one and swaps the pointer.

#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"
#include "careguard/phrase_matcher.hpp"
#include "careguard/pack.hpp"
#include "careguard/types.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

struct hs_database;
struct hs_scratch;

namespace careguard {

inline constexpr std::size_t kMaxFindings = 1000;
/// Past this many raw matches in one text the scan stops early and the result says it was cut.
inline constexpr std::size_t kMaxRawMatches = 200000;

struct ScanResult {
  std::vector<Finding> findings;
  bool truncated = false;
};

struct PackSummary {
  std::string id;
  std::string version;
  std::size_t rules = 0;
  std::string source;
};

struct EngineStats {
  std::size_t rules = 0;
  std::size_t expressions = 0;  // Hyperscan expressions (rule patterns)
  std::size_t phrases = 0;      // distinct terms and context words
  std::size_t database_bytes = 0;
  std::chrono::microseconds compile_time{0};
};

struct SerializedDatabase {
  std::string bytes;
};

class CompileHelper;
class DatabaseCache;
struct CompileJob;

class Engine {
 public:
  /// Compiles the packs, base first. Throws PackError naming the pack and rule on any fault.
  /// With a cache, a database compiled earlier for the same expressions is loaded instead of
  /// compiling, and a fresh compile is stored for next time.
  [[nodiscard]] static std::shared_ptr<const Engine> build(const std::vector<Pack>& packs,
                                                           const DatabaseCache* cache = nullptr);
  /// The same over packs held elsewhere (the pack manager keeps them), so none is copied. With a
  /// helper, a database not in the cache is compiled in a child process (compile_helper.hpp),
  /// which throws CompileHelperError if the child fails.
  [[nodiscard]] static std::shared_ptr<const Engine> build(const std::vector<const Pack*>& packs,
                                                           const DatabaseCache* cache = nullptr,
                                                           const CompileHelper* helper = nullptr,
                                                           std::shared_ptr<Engine> preloaded = nullptr);

  /// Loads the database the cache says the last start used (DatabaseCache::last_key), before the
  /// packs are read: a start overlaps it with reading and verifying them. build() takes it over
  /// when it is what the packs compile to and frees it otherwise. Null when there is none or it
  /// does not load.
  [[nodiscard]] static std::shared_ptr<Engine> preload(const DatabaseCache& cache);

  /// Makes the built-in base pack's rule and phrase tables, once per process, for later builds
  /// that layer packs on it to copy rather than make again. A start calls it on a second core
  /// while it verifies the org packs; a build that finds them not ready yet makes its own.
  static void prepare_builtin_tables();

  /// Checks and compiles the job's expressions: what the cache stores and load_cached reads.
  /// Throws PackError naming the pack, rule and pattern at fault. The compile helper's work.
  [[nodiscard]] static std::string compile_payload(const CompileJob& job);

  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  Engine(Engine&&) = delete;
  Engine& operator=(Engine&&) = delete;

  /// Scans valid UTF-8 text (validate first). Thread-safe; allocates nothing in steady state
  /// beyond the findings themselves.
  [[nodiscard]] ScanResult scan(std::string_view utf8_text, std::size_t max_findings = kMaxFindings) const;

  [[nodiscard]] const std::vector<PackSummary>& packs() const noexcept { return pack_summaries_; }
  [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
  [[nodiscard]] bool loaded_from_cache() const noexcept { return from_cache_; }
  /// The organisation profile from the last org pack that has one (empty object otherwise).
  [[nodiscard]] const nlohmann::json& org_profile() const noexcept { return org_profile_; }
  [[nodiscard]] const nlohmann::json& site_adapters() const noexcept { return site_adapters_; }
  /// A digest of what the compiled database depends on (the expressions in order, which of them
  /// get exact starts, the compile scheme and host version): the cache key's content part. Packs
  /// that differ only in terms, names, word lists or messages share it.
  [[nodiscard]] const std::string& content_hash() const noexcept { return content_hash_; }
  /// The compiled database, serialised (for the cache).
  [[nodiscard]] SerializedDatabase serialize() const;

  struct CompiledRule;
  struct Scratch;

 private:
  Engine();

  void check_expressions(const std::vector<std::string>& expressions, const std::vector<std::string>& origins,
                         const std::vector<bool>& needs_exact_start);
  void compile(const std::vector<std::string>& expressions, const std::vector<std::string>& origins);
  [[nodiscard]] std::string cache_payload() const;
  /// With any_count, takes the number of expressions from the payload (a preload, before the
  /// packs are known); otherwise it must match this engine's.
  bool load_cached(std::string_view payload, bool any_count = false);
  void allocate_scratch();
  std::unique_ptr<Scratch> acquire_scratch() const;
  void release_scratch(std::unique_ptr<Scratch> scratch) const;
  void resolve_starts(Scratch& s) const;

  std::vector<CompiledRule> rules_;
  std::vector<std::uint32_t> expression_rule_;  // Hyperscan id → rule index
  /// Per expression: its widest match, capped at kMaxEstimatedSpan. The main database reports
  /// only where matches end (start-of-match tracking there slows every scan); a start is found
  /// afterwards from this many bytes back.
  std::vector<std::uint32_t> expression_width_;
  /// Per expression: 1 when it should have an exact start (narrow, short or validated).
  std::vector<std::uint8_t> expression_exact_;
  /// Per expression: the same pattern alone with start-of-match tracking, scanned over a small
  /// window before each end the main database reports; null when the start is estimated (the
  /// sentence the match ends in). One small database per pattern keeps each window scan cheap.
  std::vector<hs_database*> start_databases_;
  PhraseMatcher phrases_;
  std::vector<std::vector<std::uint32_t>> phrase_rules_;  // phrase id → rules whose `terms` hold it
  /// Phrase id → the context lists it belongs to, as rule * 3 + kind (0 require, 1 raise,
  /// 2 lower), so a scan files each phrase hit under the lists that care about it once.
  std::vector<std::vector<std::uint32_t>> phrase_context_;
  std::vector<std::string> allowlist_;  // normalised, sorted
  NameIndex names_;
  /// The rules a name match feeds, by kind * 2 + first-name-only (the `names` key of a rule).
  std::array<std::vector<std::uint32_t>, 4> name_rules_;
  hs_database* database_ = nullptr;        // every expression, ends only
  hs_scratch* prototype_scratch_ = nullptr;  // sized for both databases
  Normalizer normalizer_;
  std::vector<PackSummary> pack_summaries_;
  EngineStats stats_;
  bool from_cache_ = false;
  std::string preloaded_key_;  // a preload's cache key
  nlohmann::json org_profile_ = nlohmann::json::object();
  nlohmann::json site_adapters_ = nlohmann::json::array();
  std::string content_hash_;

  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<Scratch>> scratch_pool_;
};

/// A finding as the protocol and `careguard scan --json` write it.
[[nodiscard]] nlohmann::json to_json(const Finding& finding);


}  // namespace careguard
