// careguard install / uninstall / doctor over careguard::install and careguard::doctor.

#include "cli/install_command.hpp"

#include "careguard/doctor.hpp"
#include "careguard/install.hpp"
#include "cli/common.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace careguard::cli {
namespace {
namespace fs = std::filesystem;

struct InstallFlags {
  bool user = false;
  bool system = false;
  std::vector<std::string> browsers;
  std::vector<std::string> extension_ids;
  std::string firefox_id;
  std::string host_path;
  std::string root;
  std::string emit;  // reg | powershell | wix: print Windows registry text instead of writing
  std::string os;    // linux | macos | windows: plan for another OS (with --emit)
};

/// careguard-host next to this careguard, else the installed location for this OS.
fs::path default_host_path() {
#if defined(__linux__)
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) return self.parent_path() / "careguard-host";
  return "/usr/bin/careguard-host";
#elif defined(__APPLE__)
  return "/Library/Application Support/CareGuard/bin/careguard-host";
#else
  return "C:\\Program Files\\CareGuard\\careguard-host.exe";
#endif
}

/// The path `path` will have once `root` is the machine's root: a careguard run from
/// ROOT/usr/bin (dpkg --root with --force-script-chrootless) registers /usr/bin/careguard-host.
fs::path without_root(const fs::path& path, const fs::path& root) {
  if (root.empty()) return path;
  std::error_code ec;
  const fs::path real_root = fs::weakly_canonical(root, ec);
  if (ec || real_root.empty() || real_root == real_root.root_path()) return path;
  const fs::path inside = path.lexically_relative(real_root);
  if (inside.empty() || *inside.begin() == "..") return path;
  return real_root.root_path() / inside;
}

fs::path home_dir() {
#if defined(_WIN32)
  const char* home = std::getenv("USERPROFILE");
#else
  const char* home = std::getenv("HOME");
#endif
  return home != nullptr ? fs::path(home) : fs::path();
}

std::string browser_list(const std::vector<install::Browser>& browsers) {
  std::string out;
  for (const auto browser : browsers) out += (out.empty() ? "" : ", ") + std::string(install::to_string(browser));
  return out;
}

install::Options to_options(const InstallFlags& flags) {
  if (flags.user && flags.system) throw CommandError("--user and --system exclude each other");
  install::Options options;
  options.scope = flags.system ? install::Scope::System : install::Scope::User;
  options.browsers = install::parse_browsers(flags.browsers);
  options.extension_ids = flags.extension_ids;
  options.firefox_id = flags.firefox_id;
  options.home = home_dir();
  options.config_home = install::user_config_home();
  options.root = flags.root;
  if (!flags.os.empty()) {
    if (flags.os == "linux") options.os = install::Os::Linux;
    else if (flags.os == "macos") options.os = install::Os::MacOS;
    else if (flags.os == "windows") options.os = install::Os::Windows;
    else throw CommandError(fmt::format("unknown --os '{}' (linux, macos, windows)", flags.os));
  }
  options.host_path = flags.host_path.empty() ? without_root(default_host_path(), options.root) : fs::path(flags.host_path);
  return options;
}

void add_install_flags(CLI::App* command, InstallFlags& flags) {
  command->add_flag("--user", flags.user, "For the current user (default)");
  command->add_flag("--system", flags.system, "For every user of this machine (needs root / administrator)");
  command->add_option("--browser", flags.browsers, "chrome, chromium, edge, brave, vivaldi, firefox or all (default all)");
  command->add_option("--extension-id", flags.extension_ids, "Allowed Chromium extension id (repeatable; default the development id)");
  command->add_option("--firefox-id", flags.firefox_id, "Allowed Firefox add-on id (default careguard@careguard.app)");
  command->add_option("--host-path", flags.host_path, "Absolute path of careguard-host (default: next to careguard)");
  command->add_option("--root", flags.root, "Prefix for system folders (packaging, e.g. dpkg --root); a default host path under it loses it");
  command->add_option("--emit", flags.emit, "Print Windows registry entries as reg, powershell or wix instead of writing");
  command->add_option("--os", flags.os, "Plan for linux, macos or windows (with --emit)");
}

bool emit(const InstallFlags& flags, const install::Plan& plan, bool uninstall) {
  if (flags.emit.empty()) return false;
  if (plan.registry.empty()) throw CommandError("--emit produces Windows registry entries: add --os windows");
  std::string text;
  if (flags.emit == "reg") text = install::windows_reg(plan, uninstall);
  else if (flags.emit == "powershell") text = install::windows_powershell(plan, uninstall);
  else if (flags.emit == "wix") text = install::wix_fragment(plan, fs::path(plan.host_path.string().substr(0, plan.host_path.string().find_last_of("\\/"))));
  else throw CommandError(fmt::format("unknown --emit '{}' (reg, powershell, wix)", flags.emit));
  std::fputs(text.c_str(), stdout);
  return true;
}

}  // namespace

void register_install_commands(CLI::App& app, int& exit_code) {
  auto install_flags = std::make_shared<InstallFlags>();
  auto* install_cmd = app.add_subcommand("install", "Register careguard-host with the browsers (writes host manifests)");
  add_install_flags(install_cmd, *install_flags);
  install_cmd->callback([install_flags, &exit_code] {
    try {
      const auto options = to_options(*install_flags);
      const auto plan = install::make_plan(options);
      if (emit(*install_flags, plan, false)) return;
      if (options.os == install::Os::Windows) {
        throw CommandError("writing the registry is not implemented yet: use --emit reg|powershell, the MSI or install.ps1");
      }
      const fs::path host_on_disk = options.root.empty() ? options.host_path : options.root / options.host_path.relative_path();
      std::error_code ec;
      if (!fs::exists(host_on_disk, ec)) {
        std::fprintf(stderr, "careguard: warning: %s does not exist (yet); the browsers will not start it\n",
                     host_on_disk.string().c_str());
      }
      const auto result = install::apply_install(plan);
      for (std::size_t i = 0; i < plan.files.size(); ++i) {
        std::printf("wrote %s (%s)\n", plan.files[i].path.string().c_str(), browser_list(plan.files[i].browsers).c_str());
      }
      (void)result;
      exit_code = kExitClean;
    } catch (const install::InstallError& error) {
      throw CommandError(error.what());
    }
  });

  auto uninstall_flags = std::make_shared<InstallFlags>();
  auto* uninstall_cmd = app.add_subcommand("uninstall", "Remove the host manifests `careguard install` wrote");
  add_install_flags(uninstall_cmd, *uninstall_flags);
  uninstall_cmd->callback([uninstall_flags, &exit_code] {
    try {
      const auto options = to_options(*uninstall_flags);
      const auto plan = install::make_plan(options);
      if (emit(*uninstall_flags, plan, true)) return;
      if (options.os == install::Os::Windows) {
        throw CommandError("removing registry keys is not implemented yet: use --emit reg|powershell, the MSI or install.ps1 -Uninstall");
      }
      const auto result = install::apply_uninstall(plan);
      for (const auto& path : result.removed) std::printf("removed %s\n", path.string().c_str());
      for (const auto& path : result.kept) std::printf("kept %s (not a CareGuard manifest)\n", path.string().c_str());
      if (result.removed.empty()) std::printf("no CareGuard manifest to remove\n");
      exit_code = kExitClean;
    } catch (const install::InstallError& error) {
      throw CommandError(error.what());
    }
  });

  struct DoctorFlags {
    bool json = false;
    bool no_host = false;
    std::vector<std::string> browsers;
    std::vector<std::string> extension_ids;
    std::string root;
  };
  auto doctor_flags = std::make_shared<DoctorFlags>();
  auto* doctor_cmd = app.add_subcommand("doctor", "Check that every browser can reach careguard-host; say how to fix what is wrong");
  doctor_cmd->add_flag("--json", doctor_flags->json, "One JSON object on stdout, for scripts");
  doctor_cmd->add_option("--browser", doctor_flags->browsers, "Only these browsers, and require them (default: those found)");
  doctor_cmd->add_option("--extension-id", doctor_flags->extension_ids, "Extension ids that must be allowed (default the development id)");
  doctor_cmd->add_flag("--no-host-check", doctor_flags->no_host, "Do not start the host");
  doctor_cmd->add_option("--root", doctor_flags->root, "Prefix for system folders (packaging tests)");
  doctor_cmd->callback([doctor_flags, &exit_code] {
    auto options = doctor::default_options();
    try {
      if (!doctor_flags->browsers.empty()) options.browsers = install::parse_browsers(doctor_flags->browsers);
    } catch (const install::InstallError& error) {
      throw CommandError(error.what());
    }
    options.extension_ids = doctor_flags->extension_ids;
    options.probe_host = !doctor_flags->no_host;
    options.root = doctor_flags->root;
    if (const auto& config = global_options().config) {
      options.paths.system_config = *config;
      options.paths.user_config.clear();
    }
    const auto report = doctor::run(options);
    if (doctor_flags->json) {
      std::printf("%s\n", report.to_json().dump(2).c_str());
    } else {
      std::fputs(report.to_text().c_str(), stdout);
    }
    exit_code = report.exit_code();
  });
}

}  // namespace careguard::cli
