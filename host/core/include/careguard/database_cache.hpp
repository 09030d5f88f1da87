#pragma once
// The compiled-database cache (as Suricata and Rspamd keep theirs): a serialised Hyperscan
// database keyed by the packs' content hash, the Hyperscan version and this machine's platform,
// stored with a header and a checksum, written atomically, and trial-loaded before use.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace careguard {

class DatabaseCache {
 public:
  explicit DatabaseCache(std::filesystem::path directory);

  /// The key for a content hash under this Hyperscan build and platform.
  [[nodiscard]] static std::string key_for(std::string_view content_hash);

  /// The cached database bytes for this key, or nullopt when absent, for another version or
  /// platform, truncated or failing its checksum (a bad file is removed).
  [[nodiscard]] std::optional<std::string> load(std::string_view key) const;

  /// Stores the bytes (temporary file, then rename). Returns false if the disk refused; the
  /// cache is an optimisation and failing to write it never stops protection.
  bool store(std::string_view key, std::string_view database) const;

  [[nodiscard]] std::filesystem::path path_for(std::string_view key) const;

 private:
  std::filesystem::path directory_;
};

}  // namespace careguard
