#pragma once
// Which packs are in force. The built-in base pack always is; signed org packs from the pack
// directories layer on it. A new or changed pack is verified and compiled off the request path and
// swapped in atomically; a broken, unsigned or tampered one is refused and the last good version
// of it keeps protecting.

#include "careguard/compile_helper.hpp"
#include "careguard/config.hpp"
#include "careguard/engine.hpp"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace careguard {

struct PackProblem {
  std::string path;
  std::string error;
};

struct PackState {
  std::shared_ptr<const Engine> engine;
  std::vector<PackProblem> problems;
  std::uint64_t reloads = 0;
  std::string last_reload;  // ISO 8601, UTC
};

class PackManager {
 public:
  explicit PackManager(Config config);
  ~PackManager();
  PackManager(const PackManager&) = delete;
  PackManager& operator=(const PackManager&) = delete;
  PackManager(PackManager&&) = delete;
  PackManager& operator=(PackManager&&) = delete;

  /// From now on, compile databases in a child process (the host does; see compile_helper.hpp).
  /// Without it, compiles run in this process.
  void use_compile_helper(CompileHelper helper);

  /// Loads the base pack and every acceptable pack now (uses the compiled-database cache).
  void load();

  /// The packs in force. Lock-free for readers; the pointer stays valid while held.
  [[nodiscard]] std::shared_ptr<const PackState> state() const;

  /// Looks at the pack directories; rebuilds and swaps if anything changed. Returns true if the
  /// packs in force (or their problems) changed.
  bool poll();

  /// Polls every `config.pack_poll_seconds` on a background thread until stop() or destruction.
  void start_watching();
  void stop();

  /// Verifies a signed pack (from the extension's pack URL), compiles it with the others, and only
  /// then writes it to the per-user pack directory and swaps it in. Throws PackError.
  PackSummary install(std::string_view signed_pack_text);

 private:
  struct FileState {
    std::filesystem::file_time_type modified{};
    std::uintmax_t size = 0;
    /// The entry is a pack folder that exists but cannot be listed.
    bool unreadable_folder = false;
    friend bool operator==(const FileState&, const FileState&) = default;
  };
  using Fingerprint = std::map<std::filesystem::path, FileState>;

  [[nodiscard]] Fingerprint fingerprint() const;
  void rebuild(const Fingerprint& files);
  /// Pack files in the configured folders; folders that exist but cannot be listed go to `unreadable`.
  [[nodiscard]] std::vector<std::filesystem::path> pack_files(std::vector<std::filesystem::path>& unreadable) const;

  Config config_;
  std::optional<CompileHelper> helper_;
  DatabaseCache* cache() const;
  std::unique_ptr<DatabaseCache> cache_;
  mutable std::mutex rebuild_mutex_;
  Fingerprint last_fingerprint_;
  std::map<std::filesystem::path, std::shared_ptr<const Pack>> last_good_;  // per file: the last version that worked
  std::atomic<std::shared_ptr<const PackState>> state_;
  std::uint64_t reloads_ = 0;

  /// The built-in base pack parsed and its tables made on a second core at the first load; not
  /// waited for, so a start never waits on it (a build that finds it unfinished does the work).
  std::future<void> builtin_warm_;
  /// The last start's database, loading while the first load reads the packs (Engine::preload).
  std::future<std::shared_ptr<Engine>> preload_;

  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace careguard
