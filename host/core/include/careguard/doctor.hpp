#pragma once
// `careguard doctor`: finds why CareGuard does not work on a machine and says how to fix it.
// For each browser: is a host manifest where the browser looks, valid, naming an executable host
// by absolute path, allowing the extension, not shadowed by a stale per-user manifest. Then: are
// the configuration, pack folders and trusted keys usable, and does the host answer `hello` when
// started the way a browser starts it.

#include "careguard/config.hpp"
#include "careguard/install.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace careguard::doctor {

enum class Severity { Ok, Info, Warning, Error };
[[nodiscard]] std::string_view to_string(Severity severity);

struct Check {
  std::string area;     // "chrome", ..., "firefox", "config", "packs", "keys", "host"
  std::string name;     // stable id, e.g. "manifest.missing", "manifest.origin", "host.hello"
  Severity severity = Severity::Ok;
  std::string message;  // what was found
  std::string fix;      // what to run or change; empty when nothing is wrong
  std::string path;     // the file concerned, if any
};

struct Report {
  std::vector<Check> checks;
  /// 0 when nothing is an error, 1 otherwise (warnings do not fail).
  [[nodiscard]] int exit_code() const;
  [[nodiscard]] nlohmann::json to_json() const;
  [[nodiscard]] std::string to_text() const;
};

struct Options {
  install::Os os = install::current_os();
  std::filesystem::path home;
  std::filesystem::path config_home;  // $XDG_CONFIG_HOME (Linux); empty: home/.config
  std::filesystem::path root;                 // prefix for system paths (tests); empty = /
  std::vector<install::Browser> browsers;     // empty: every browser, each only if it is found
  std::vector<std::string> extension_ids;     // expected ids; empty: the development id
  std::string firefox_id;                     // empty: careguard@careguard.app
  ConfigPaths paths;                          // configuration and pack locations
  bool probe_host = true;
  /// How long the host may take to answer hello (its first start compiles the packs).
  std::chrono::milliseconds probe_timeout{30000};
  /// Slower than this is reported as a warning: the extension waits that long for every start.
  std::chrono::milliseconds slow_start{2000};
};

/// Options for this machine: the current user's home, default_config_paths().
[[nodiscard]] Options default_options();

[[nodiscard]] Report run(const Options& options);

/// Checks one host manifest file as `browser` would read it.
[[nodiscard]] std::vector<Check> check_manifest(const std::filesystem::path& manifest, install::Browser browser,
                                                install::Scope scope, const Options& options);

struct HelloResult {
  bool ok = false;
  std::string error;       // why not, for people
  nlohmann::json reply;    // the reply frame, when one came
  std::chrono::milliseconds elapsed{0};  // from start to the reply
};

/// Starts `host` with `args` (working directory: the host's folder, as Chrome does), sends a
/// `hello` frame, reads one reply frame, closes stdin and waits for the host to exit (killing it
/// after `timeout`). POSIX only; on Windows returns an error saying so.
[[nodiscard]] HelloResult probe_host(const std::filesystem::path& host, const std::vector<std::string>& args,
                                     std::chrono::milliseconds timeout);

}  // namespace careguard::doctor
