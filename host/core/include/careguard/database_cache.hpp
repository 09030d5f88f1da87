#pragma once
// The compiled-database cache (as Suricata and Rspamd keep theirs): a serialised Hyperscan
// database keyed by the engine's content hash, the Hyperscan version and this machine's platform,
// stored with a header (magic, key, length), written atomically, and trial-loaded before use. The
// payload checks its own bytes (Engine::load_cached): a damaged one fails to load and is compiled
// and stored again.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace careguard {

/// A cache file's payload. Mapped read-only where the system allows (no copy, no fresh pages: the
/// payload is megabytes and is read once, by the checksum and then Hyperscan's own copy); read
/// into memory elsewhere.
class CachedDatabase {
 public:
  CachedDatabase() = default;
  ~CachedDatabase();
  CachedDatabase(CachedDatabase&& other) noexcept;
  CachedDatabase& operator=(CachedDatabase&& other) noexcept;
  CachedDatabase(const CachedDatabase&) = delete;
  CachedDatabase& operator=(const CachedDatabase&) = delete;

  [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }

 private:
  friend class DatabaseCache;
  void release() noexcept;

  void* mapping_ = nullptr;
  std::size_t mapping_size_ = 0;
  std::string copy_;
  std::string_view bytes_;
};

class DatabaseCache {
 public:
  explicit DatabaseCache(std::filesystem::path directory);

  /// The key for a content hash under this Hyperscan build and platform.
  [[nodiscard]] static std::string key_for(std::string_view content_hash);

  /// The cached database bytes for this key, or nullopt when absent, not a cache file, for
  /// another key, Hyperscan or platform, or truncated (such a file is removed).
  [[nodiscard]] std::optional<CachedDatabase> load(std::string_view key) const;

  /// Stores the bytes (temporary file, then rename). Returns false if the disk refused; the
  /// cache is an optimisation and failing to write it never stops protection. Then removes all
  /// but the kKeptDatabases most recently used databases (a load marks a file used), so a laptop
  /// whose packs change every week does not collect a database of several MB per change.
  bool store(std::string_view key, std::string_view database) const;

  /// Databases a cache folder keeps: the packs in force, and a few earlier sets for hosts
  /// (browsers) that have not reloaded yet or packs that are rolled back.
  static constexpr std::size_t kKeptDatabases = 4;

  /// The key of the database the last start used (remember), so the next start can load it
  /// while it reads the packs; nullopt when none is noted or the note is not a key.
  [[nodiscard]] std::optional<std::string> last_key() const;
  /// Notes the key of the packs in force, whose database is in the cache (a small file,
  /// rewritten only when it changes).
  void remember(std::string_view key) const;

  [[nodiscard]] std::filesystem::path path_for(std::string_view key) const;
  [[nodiscard]] const std::filesystem::path& directory() const noexcept { return directory_; }

 private:
  void prune(const std::filesystem::path& keep) const;

  std::filesystem::path directory_;
};

}  // namespace careguard
