// Host manifest locations and content per browser, scope and OS; see install.hpp and docs/DEPLOY.md.
//
// Sources for the folders: Chrome's "native messaging host location"
// (developer.chrome.com/docs/extensions/develop/concepts/native-messaging), Microsoft's Edge
// native messaging guide, MDN "Native manifests" (manifest location). Brave reads Chrome's system
// folders (and, on macOS, Chrome's user folder); Vivaldi's folders follow Chromium's layout under
// its own name; neither vendor documents them.

#include "careguard/install.hpp"

#include "careguard/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace careguard::install {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDescription = "CareGuard: checks posts against your care organisation's social media policy";

struct BrowserInfo {
  Browser browser;
  std::string_view name;
};
constexpr std::array<BrowserInfo, 6> kBrowsers{{
    {Browser::Chrome, "chrome"},
    {Browser::Chromium, "chromium"},
    {Browser::Edge, "edge"},
    {Browser::Brave, "brave"},
    {Browser::Vivaldi, "vivaldi"},
    {Browser::Firefox, "firefox"},
}};

/// root + an absolute path ("/etc/...") without losing the root.
fs::path under_root(const fs::path& root, std::string_view absolute) {
  if (root.empty()) return fs::path(absolute);
  return root / fs::path(absolute).relative_path();
}

std::string manifest_file_name(Os os, ManifestKind kind) {
  // Linux and macOS: the file must be named <host name>.json. Windows: the registry names the
  // file, so the Firefox manifest can sit next to the Chromium one under another name.
  if (os == Os::Windows && kind == ManifestKind::Firefox) return fmt::format("{}.firefox.json", kHostName);
  return fmt::format("{}.json", kHostName);
}

bool windows_absolute(std::string_view path) {
  if (path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) != 0 && path[1] == ':' &&
      (path[2] == '\\' || path[2] == '/')) {
    return true;
  }
  return path.starts_with("\\\\");
}

/// Windows path arithmetic done on strings, so that it behaves the same when tested on Linux.
std::string windows_parent(std::string_view path) {
  const auto cut = path.find_last_of("\\/");
  return cut == std::string_view::npos ? std::string() : std::string(path.substr(0, cut));
}

std::string escape_reg(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string escape_ps(std::string_view text) {  // inside a single-quoted PowerShell string
  std::string out;
  for (const char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out;
}

std::string escape_xml(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

void add_browser(std::vector<Browser>& list, Browser browser) {
  if (std::find(list.begin(), list.end(), browser) == list.end()) list.push_back(browser);
}

/// Creates `dir` and its missing parents without group or world write, whatever the umask: another
/// user who could write there could swap the manifest for one that starts their own program.
void create_manifest_dirs(const fs::path& dir, std::error_code& ec) {
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  fs::create_directories(dir, ec);
  if (ec) return;
  for (const auto& created : missing) {
    fs::permissions(created, fs::perms::group_write | fs::perms::others_write, fs::perm_options::remove, ec);
  }
}

}  // namespace

std::string_view to_string(Browser browser) {
  for (const auto& info : kBrowsers) {
    if (info.browser == browser) return info.name;
  }
  return "unknown";
}

std::string_view to_string(Scope scope) { return scope == Scope::System ? "system" : "user"; }

std::string_view to_string(Os os) {
  switch (os) {
    case Os::Linux: return "linux";
    case Os::MacOS: return "macos";
    case Os::Windows: return "windows";
  }
  return "unknown";
}

std::optional<Browser> parse_browser(std::string_view name) {
  for (const auto& info : kBrowsers) {
    if (info.name == name) return info.browser;
  }
  return std::nullopt;
}

const std::vector<Browser>& all_browsers() {
  static const std::vector<Browser> browsers{Browser::Chrome, Browser::Chromium, Browser::Edge,
                                             Browser::Brave,  Browser::Vivaldi,  Browser::Firefox};
  return browsers;
}

std::vector<Browser> parse_browsers(const std::vector<std::string>& names) {
  std::vector<Browser> out;
  for (const auto& name : names) {
    if (name == "all") {
      for (const auto browser : all_browsers()) add_browser(out, browser);
      continue;
    }
    const auto browser = parse_browser(name);
    if (!browser) {
      throw InstallError(fmt::format("unknown browser '{}' (chrome, chromium, edge, brave, vivaldi, firefox or all)", name));
    }
    add_browser(out, *browser);
  }
  if (out.empty()) out = all_browsers();
  return out;
}

ManifestKind manifest_kind(Browser browser) {
  return browser == Browser::Firefox ? ManifestKind::Firefox : ManifestKind::Chromium;
}

Os current_os() {
#if defined(_WIN32)
  return Os::Windows;
#elif defined(__APPLE__)
  return Os::MacOS;
#else
  return Os::Linux;
#endif
}

bool is_extension_id(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) { return c >= 'a' && c <= 'p'; });
}

fs::path user_config_home() {
  const char* value = std::getenv("XDG_CONFIG_HOME");
  if (value == nullptr || *value != '/') {
    return {};
  }
  return fs::path(value);
}

std::vector<fs::path> manifest_dirs(Browser browser, Scope scope, Os os, const fs::path& home, const fs::path& root,
                                    const fs::path& config_home) {
  const bool system = scope == Scope::System;
  std::vector<fs::path> dirs;
  if (os == Os::Linux) {
    // Chromium reads $XDG_CONFIG_HOME/<browser> when it is set; Firefox keeps ~/.mozilla.
    const fs::path config = config_home.empty() ? home / ".config" : config_home;
    switch (browser) {
      case Browser::Chrome:
        dirs.push_back(system ? under_root(root, "/etc/opt/chrome/native-messaging-hosts")
                              : config / "google-chrome/NativeMessagingHosts");
        break;
      case Browser::Chromium:
        dirs.push_back(system ? under_root(root, "/etc/chromium/native-messaging-hosts")
                              : config / "chromium/NativeMessagingHosts");
        break;
      case Browser::Edge:
        dirs.push_back(system ? under_root(root, "/etc/opt/edge/native-messaging-hosts")
                              : config / "microsoft-edge/NativeMessagingHosts");
        break;
      case Browser::Brave:  // Brave's system folder is Chrome's
        dirs.push_back(system ? under_root(root, "/etc/opt/chrome/native-messaging-hosts")
                              : config / "BraveSoftware/Brave-Browser/NativeMessagingHosts");
        break;
      case Browser::Vivaldi:
        dirs.push_back(system ? under_root(root, "/etc/vivaldi/native-messaging-hosts")
                              : config / "vivaldi/NativeMessagingHosts");
        break;
      case Browser::Firefox:
        if (system) {
          dirs.push_back(under_root(root, "/usr/lib/mozilla/native-messaging-hosts"));
          // Distributions built with a /usr/lib64 Mozilla folder (Fedora, openSUSE) read that one.
          std::error_code ec;
          if (fs::is_directory(under_root(root, "/usr/lib64/mozilla"), ec)) {
            dirs.push_back(under_root(root, "/usr/lib64/mozilla/native-messaging-hosts"));
          }
        } else {
          dirs.push_back(home / ".mozilla/native-messaging-hosts");
        }
        break;
    }
    return dirs;
  }
  if (os == Os::MacOS) {
    const fs::path support = home / "Library/Application Support";
    switch (browser) {
      case Browser::Chrome:
        dirs.push_back(system ? under_root(root, "/Library/Google/Chrome/NativeMessagingHosts")
                              : support / "Google/Chrome/NativeMessagingHosts");
        break;
      case Browser::Chromium:
        dirs.push_back(system ? under_root(root, "/Library/Application Support/Chromium/NativeMessagingHosts")
                              : support / "Chromium/NativeMessagingHosts");
        break;
      case Browser::Edge:
        dirs.push_back(system ? under_root(root, "/Library/Microsoft/Edge/NativeMessagingHosts")
                              : support / "Microsoft Edge/NativeMessagingHosts");
        break;
      case Browser::Brave:
        if (system) {
          dirs.push_back(under_root(root, "/Library/Google/Chrome/NativeMessagingHosts"));
        } else {
          dirs.push_back(support / "BraveSoftware/Brave-Browser/NativeMessagingHosts");
          dirs.push_back(support / "Google/Chrome/NativeMessagingHosts");
        }
        break;
      case Browser::Vivaldi:
        dirs.push_back(system ? under_root(root, "/Library/Application Support/Vivaldi/NativeMessagingHosts")
                              : support / "Vivaldi/NativeMessagingHosts");
        break;
      case Browser::Firefox:
        dirs.push_back(system ? under_root(root, "/Library/Application Support/Mozilla/NativeMessagingHosts")
                              : support / "Mozilla/NativeMessagingHosts");
        break;
    }
    return dirs;
  }
  return dirs;  // Windows: the registry names the files; see make_plan
}

std::vector<std::string> windows_registry_keys(Browser browser) {
  const auto key = [](std::string_view vendor) {
    return fmt::format("SOFTWARE\\{}\\NativeMessagingHosts\\{}", vendor, kHostName);
  };
  switch (browser) {
    case Browser::Chrome: return {key("Google\\Chrome")};
    case Browser::Chromium: return {key("Chromium")};
    case Browser::Edge: return {key("Microsoft\\Edge")};
    case Browser::Brave: return {key("BraveSoftware\\Brave-Browser"), key("Google\\Chrome")};
    case Browser::Vivaldi: return {key("Google\\Chrome")};  // Vivaldi documents no key of its own
    case Browser::Firefox: return {key("Mozilla")};
  }
  return {};
}

nlohmann::ordered_json manifest_json(ManifestKind kind, const fs::path& host_path,
                                     const std::vector<std::string>& origins, const std::string& firefox_id) {
  nlohmann::ordered_json manifest;
  manifest["name"] = kHostName;
  manifest["description"] = kDescription;
  manifest["path"] = host_path.string();
  manifest["type"] = "stdio";
  if (kind == ManifestKind::Firefox) {
    manifest["allowed_extensions"] = nlohmann::ordered_json::array({firefox_id});
  } else {
    manifest["allowed_origins"] = origins;
  }
  return manifest;
}

Plan make_plan(const Options& options) {
  Plan plan;
  std::vector<std::string> ids = options.extension_ids;
  if (ids.empty()) ids.emplace_back(kDevExtensionId);
  for (const auto& id : ids) {
    if (!is_extension_id(id)) {
      throw InstallError(fmt::format("'{}' is not a Chromium extension id (32 letters a to p)", id));
    }
    const std::string origin = fmt::format("chrome-extension://{}/", id);
    if (std::find(plan.origins.begin(), plan.origins.end(), origin) == plan.origins.end()) {
      plan.origins.push_back(origin);
    }
  }
  plan.firefox_id = options.firefox_id.empty() ? std::string(kFirefoxAddonId) : options.firefox_id;
  if (plan.firefox_id.find_first_of("\"\\") != std::string::npos || plan.firefox_id.empty()) {
    throw InstallError(fmt::format("'{}' is not a Firefox add-on id", plan.firefox_id));
  }

  const std::string host = options.host_path.string();
  if (host.empty()) throw InstallError("the host's path is empty (--host-path)");
  const bool absolute = options.os == Os::Windows ? windows_absolute(host) : host.front() == '/';
  if (!absolute) {
    throw InstallError(fmt::format("the host's path must be absolute, not '{}' (browsers refuse a relative path)", host));
  }
  plan.host_path = options.host_path;
  if (options.scope == Scope::User && options.os != Os::Windows && options.home.empty()) {
    throw InstallError("no home folder for a per-user install (HOME is not set)");
  }

  const std::vector<Browser> browsers = options.browsers.empty() ? all_browsers() : options.browsers;
  const auto add_file = [&plan](const fs::path& path, ManifestKind kind, Browser browser) {
    for (auto& file : plan.files) {
      if (file.path == path) {
        add_browser(file.browsers, browser);
        return;
      }
    }
    plan.files.push_back(ManifestFile{path, kind, {browser}});
  };

  if (options.os == Os::Windows) {
    const std::string dir = windows_parent(host);
    const std::string hive = options.scope == Scope::System ? "HKEY_LOCAL_MACHINE" : "HKEY_CURRENT_USER";
    for (const auto browser : browsers) {
      const auto kind = manifest_kind(browser);
      const std::string manifest = dir + "\\" + manifest_file_name(Os::Windows, kind);
      add_file(fs::path(manifest), kind, browser);
      for (const auto& key : windows_registry_keys(browser)) {
        auto found = std::find_if(plan.registry.begin(), plan.registry.end(),
                                  [&key](const RegistryEntry& entry) { return entry.key == key; });
        if (found != plan.registry.end()) {
          add_browser(found->browsers, browser);
        } else {
          plan.registry.push_back(RegistryEntry{hive, key, manifest, {browser}});
        }
      }
    }
    return plan;
  }

  for (const auto browser : browsers) {
    const auto kind = manifest_kind(browser);
    for (const auto& dir : manifest_dirs(browser, options.scope, options.os, options.home, options.root, options.config_home)) {
      add_file(dir / manifest_file_name(options.os, kind), kind, browser);
    }
  }
  return plan;
}

std::string manifest_text(const Plan& plan, const ManifestFile& file) {
  return manifest_json(file.kind, plan.host_path, plan.origins, plan.firefox_id).dump(2) + "\n";
}

ApplyResult apply_install(const Plan& plan) {
  ApplyResult result;
  for (const auto& file : plan.files) {
    std::error_code ec;
    const fs::path dir = file.path.parent_path();
    create_manifest_dirs(dir, ec);
    if (ec) throw InstallError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    const fs::path tmp = dir / fmt::format(".{}.tmp", file.path.filename().string());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << manifest_text(plan, file);
      out.close();
      if (!out) throw InstallError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
    }
    fs::permissions(tmp,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read,
                    fs::perm_options::replace, ec);
    fs::rename(tmp, file.path, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw InstallError(fmt::format("cannot write {}: {}", file.path.string(), ec.message()));
    }
    result.written.push_back(file.path);
  }
  return result;
}

ApplyResult apply_uninstall(const Plan& plan) {
  ApplyResult result;
  for (const auto& file : plan.files) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(file.path, ec))) continue;
    bool ours = false;
    {
      std::ifstream in(file.path, std::ios::binary);
      const auto parsed = nlohmann::json::parse(in, nullptr, false);
      ours = parsed.is_object() && parsed.contains("name") && parsed["name"] == kHostName;
    }
    if (!ours) {
      result.kept.push_back(file.path);
      continue;
    }
    if (!fs::remove(file.path, ec) || ec) {
      throw InstallError(fmt::format("cannot remove {}: {}", file.path.string(), ec ? ec.message() : "unknown error"));
    }
    result.removed.push_back(file.path);
  }
  return result;
}

std::string windows_reg(const Plan& plan, bool uninstall) {
  std::string out = "Windows Registry Editor Version 5.00\n\n";
  out += fmt::format("; CareGuard: {} {}\n", uninstall ? "unregisters" : "registers", kHostName);
  for (const auto& entry : plan.registry) {
    if (uninstall) {
      out += fmt::format("\n[-{}\\{}]\n", entry.hive, entry.key);
    } else {
      out += fmt::format("\n[{}\\{}]\n@=\"{}\"\n", entry.hive, entry.key, escape_reg(entry.value));
    }
  }
  return out;
}

std::string windows_powershell(const Plan& plan, bool uninstall) {
  std::string out = fmt::format("# CareGuard: {} {}\n$ErrorActionPreference = 'Stop'\n",
                                uninstall ? "unregisters" : "registers", kHostName);
  for (const auto& entry : plan.registry) {
    const std::string drive = entry.hive == "HKEY_LOCAL_MACHINE" ? "HKLM:" : "HKCU:";
    const std::string path = fmt::format("{}\\{}", drive, entry.key);
    if (uninstall) {
      out += fmt::format("Remove-Item -LiteralPath '{}' -Recurse -Force -ErrorAction SilentlyContinue\n", escape_ps(path));
    } else {
      out += fmt::format("New-Item -Path '{}' -Force | Out-Null\n", escape_ps(path));
      out += fmt::format("Set-ItemProperty -LiteralPath '{}' -Name '(default)' -Value '{}'\n", escape_ps(path),
                         escape_ps(entry.value));
    }
  }
  return out;
}

std::string wix_fragment(const Plan& plan, const fs::path& install_dir) {
  std::string dir = install_dir.string();
  if (!dir.empty() && dir.back() != '\\') dir.push_back('\\');
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Wix xmlns=\"http://schemas.microsoft.com/wix/2006/wi\">\n  <Fragment>\n";
  out += "    <ComponentGroup Id=\"CareGuardNativeMessagingHosts\" Directory=\"INSTALLFOLDER\">\n";
  int index = 0;
  for (const auto& entry : plan.registry) {
    std::string value = entry.value;
    if (!dir.empty() && value.starts_with(dir)) value = "[INSTALLFOLDER]" + value.substr(dir.size());
    const std::string root = entry.hive == "HKEY_LOCAL_MACHINE" ? "HKLM" : "HKCU";
    ++index;
    out += fmt::format("      <Component Id=\"CareGuardNmh{}\" Guid=\"*\">\n", index);
    out += fmt::format("        <RegistryValue Root=\"{}\" Key=\"{}\" Type=\"string\" Value=\"{}\" KeyPath=\"yes\" />\n",
                       root, escape_xml(entry.key), escape_xml(value));
    out += "      </Component>\n";
  }
  out += "    </ComponentGroup>\n  </Fragment>\n</Wix>\n";
  return out;
}

}  // namespace careguard::install
