#pragma once
// The host's configuration: who may call it, where packs live, which keys sign them, logging and
// audit. System-wide for IT, per user for tests and single machines (docs/CONFIG.md).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace careguard {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AuditSettings {
  bool enabled = true;
  std::filesystem::path path;  // empty: the per-user data folder's audit.jsonl
  std::uint64_t max_bytes = 10U * 1024U * 1024U;
  unsigned keep_files = 5;
  /// Rotated files (audit.jsonl.1, .2, ...) older than this many days are deleted; 0 keeps them
  /// until keep_files pushes them out.
  unsigned max_age_days = 0;
  /// Also send each event to the system log: syslog(3)/journald on Linux and macOS, the
  /// Application Event Log (source "CareGuard") on Windows.
  bool syslog = false;
  /// Key for the pseudonymous device and user ids; set the same value on every laptop of an
  /// organisation so that ids agree across collected logs.
  std::string pseudonym_key;
};

struct Config {
  std::vector<std::string> allowed_callers;
  std::vector<std::filesystem::path> pack_dirs;
  /// Ed25519 public keys (base64) whose signatures make a pack trusted.
  std::vector<std::string> trusted_keys;
  std::string log_level = "warn";
  std::filesystem::path log_file;
  AuditSettings audit;
  std::filesystem::path cache_dir;
  /// Seconds between checks of the pack directories for new packs.
  double pack_poll_seconds = 2.0;
  /// Seconds a compile of the packs (in its own process) may take before it is stopped and the
  /// packs already in force stay in force. The base pack takes a few seconds on a laptop.
  double compile_time_limit_seconds = 300.0;
  /// Files the settings came from, in the order they were applied.
  std::vector<std::filesystem::path> sources;
};

/// Where configuration and data live on this operating system.
struct ConfigPaths {
  std::filesystem::path system_config;
  std::filesystem::path user_config;
  std::filesystem::path system_packs;
  std::filesystem::path user_packs;
  std::filesystem::path user_data;
  std::filesystem::path cache;
};

[[nodiscard]] ConfigPaths default_config_paths();

/// Defaults for every setting (the development extension and Firefox add-on allowed, the
/// system and user pack folders, no trusted keys).
[[nodiscard]] Config default_config(const ConfigPaths& paths);

/// Loads the configuration. With `explicit_path` (--config or CAREGUARD_CONFIG) only that file is
/// read; otherwise the system file, then the user file on top unless the system file says
/// "allow_user_config": false. Missing files are fine; a broken one throws ConfigError.
[[nodiscard]] Config load_config(const std::optional<std::filesystem::path>& explicit_path);

/// Applies one JSON configuration document on top of `config`. Throws ConfigError.
void apply_config_json(Config& config, const std::string& json_text, const std::filesystem::path& source,
                       bool* allow_user_config = nullptr);

}  // namespace careguard
