#pragma once
// Registering careguard-host with the browsers: which host manifests go where, with what content,
// per browser, scope (user or system) and operating system (docs/DEPLOY.md has the table). The
// planning is pure (no file system access beyond one existence test) so that every OS's layout is
// tested on any OS; apply_install / apply_uninstall then write or remove exactly the planned files.
// Windows registry keys are produced as text (.reg, PowerShell, WiX) and never written from here.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace careguard::install {

class InstallError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Browser { Chrome, Chromium, Edge, Brave, Vivaldi, Firefox };
enum class Scope { User, System };
enum class Os { Linux, MacOS, Windows };
enum class ManifestKind { Chromium, Firefox };

[[nodiscard]] std::string_view to_string(Browser browser);
[[nodiscard]] std::string_view to_string(Scope scope);
[[nodiscard]] std::string_view to_string(Os os);
/// "chrome", "chromium", "edge", "brave", "vivaldi", "firefox".
[[nodiscard]] std::optional<Browser> parse_browser(std::string_view name);
/// Names as given to --browser (each may be "all"); empty means all. Throws InstallError.
[[nodiscard]] std::vector<Browser> parse_browsers(const std::vector<std::string>& names);
[[nodiscard]] const std::vector<Browser>& all_browsers();
[[nodiscard]] ManifestKind manifest_kind(Browser browser);
[[nodiscard]] Os current_os();

/// True for a Chromium extension id: 32 letters a-p.
[[nodiscard]] bool is_extension_id(std::string_view id);

struct Options {
  Scope scope = Scope::User;
  std::vector<Browser> browsers;            // empty: all
  std::vector<std::string> extension_ids;   // empty: the development id
  std::string firefox_id;                   // empty: careguard@careguard.app
  std::filesystem::path host_path;          // absolute (Linux, macOS); required
  std::filesystem::path home;               // the user's home (user scope)
  /// Linux: $XDG_CONFIG_HOME, where Chromium-family browsers keep their user folders when it is
  /// set; empty means home/.config (see user_config_home()).
  std::filesystem::path config_home;
  std::filesystem::path root;               // prefix for system paths (packaging tests); empty = /
  Os os = current_os();
};

/// One host manifest file and the browsers that read it.
struct ManifestFile {
  std::filesystem::path path;
  ManifestKind kind = ManifestKind::Chromium;
  std::vector<Browser> browsers;
};

/// Windows: a registry key whose default value is the manifest's path.
struct RegistryEntry {
  std::string hive;  // HKEY_LOCAL_MACHINE or HKEY_CURRENT_USER
  std::string key;   // SOFTWARE\Google\Chrome\NativeMessagingHosts\app.careguard.host
  std::string value; // absolute path of the manifest
  std::vector<Browser> browsers;
};

struct Plan {
  std::vector<ManifestFile> files;       // deduplicated, in browser order
  std::vector<RegistryEntry> registry;   // Windows only
  std::vector<std::string> origins;      // chrome-extension://<id>/
  std::string firefox_id;
  std::filesystem::path host_path;
};

/// The folders where `browser` reads host manifests for `scope` on `os`, most important first.
/// System paths are prefixed with `root`; user paths start at `home`. Windows: the folder the
/// manifests are written to (next to the host, or %LOCALAPPDATA%\CareGuard for user scope is the
/// caller's choice: the host's folder is used).
/// On Linux, Chromium-family user folders live under `config_home` (empty: home/.config).
[[nodiscard]] std::vector<std::filesystem::path> manifest_dirs(Browser browser, Scope scope, Os os,
                                                               const std::filesystem::path& home,
                                                               const std::filesystem::path& root,
                                                               const std::filesystem::path& config_home = {});
/// $XDG_CONFIG_HOME when it is set to an absolute path (the XDG spec ignores a relative one, and
/// so does Chromium), otherwise empty.
[[nodiscard]] std::filesystem::path user_config_home();
/// Windows registry keys (without hive) for `browser`: SOFTWARE\<vendor>\NativeMessagingHosts\<name>.
[[nodiscard]] std::vector<std::string> windows_registry_keys(Browser browser);

/// The manifest's JSON. Chromium kind: allowed_origins; Firefox kind: allowed_extensions.
[[nodiscard]] nlohmann::ordered_json manifest_json(ManifestKind kind, const std::filesystem::path& host_path,
                                                   const std::vector<std::string>& origins,
                                                   const std::string& firefox_id);

/// Validates the options (ids, absolute host path) and works out every file and key.
/// Throws InstallError.
[[nodiscard]] Plan make_plan(const Options& options);

/// Text of the manifest file at `file` (pretty JSON with a final newline).
[[nodiscard]] std::string manifest_text(const Plan& plan, const ManifestFile& file);

struct ApplyResult {
  std::vector<std::filesystem::path> written;   // install
  std::vector<std::filesystem::path> removed;   // uninstall
  std::vector<std::filesystem::path> kept;      // uninstall: a file there that is not ours
};

/// Writes every planned manifest (folders created 0755, files 0644, replaced atomically).
/// Throws InstallError naming the file that could not be written.
ApplyResult apply_install(const Plan& plan);
/// Removes every planned manifest that is ours (JSON with "name" == app.careguard.host); leaves
/// anything else (reported in `kept`) and leaves folders alone.
ApplyResult apply_uninstall(const Plan& plan);

/// Windows: the plan's registry keys as a .reg file (uninstall: [-KEY] lines).
[[nodiscard]] std::string windows_reg(const Plan& plan, bool uninstall);
/// Windows: a PowerShell script writing (or removing) the plan's registry keys.
[[nodiscard]] std::string windows_powershell(const Plan& plan, bool uninstall);
/// Windows: a WiX v3 <Fragment> with one component per registry key (ComponentGroup
/// "CareGuardNativeMessagingHosts"); manifest paths are written relative to [INSTALLFOLDER] when
/// they lie in `install_dir`.
[[nodiscard]] std::string wix_fragment(const Plan& plan, const std::filesystem::path& install_dir);

}  // namespace careguard::install
