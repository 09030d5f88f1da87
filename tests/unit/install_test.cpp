// careguard::install: manifest locations per browser, scope and OS; content; write and remove
// exactly the planned files (in a temporary root and home); Windows registry text.

#include "careguard/install.hpp"

#include "../support/files.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace fs = std::filesystem;
using namespace careguard::install;

namespace {

constexpr const char* kDev = "hllknhdbcnbafllcikebpiinoenhnenl";
constexpr const char* kStore = "aaaabbbbccccddddeeeeffffgggghhhh";

using careguard::testing::read_file;
using careguard::testing::TempDir;

std::set<std::string> paths_of(const Plan& plan) {
  std::set<std::string> out;
  for (const auto& file : plan.files) out.insert(file.path.string());
  return out;
}

std::set<std::string> all_files_under(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out.insert(fs::relative(entry.path(), dir).string());
  }
  return out;
}

Options linux_options(Scope scope) {
  Options options;
  options.os = Os::Linux;
  options.scope = scope;
  options.host_path = "/usr/bin/careguard-host";
  options.home = "/home/carer";
  options.root = "/fake-root";
  return options;
}

}  // namespace

TEST(InstallBrowsers, ParsesNamesAndAll) {
  EXPECT_EQ(parse_browsers({}).size(), 6U);
  EXPECT_EQ(parse_browsers({"all"}).size(), 6U);
  EXPECT_EQ(parse_browsers({"edge", "firefox", "edge"}), (std::vector<Browser>{Browser::Edge, Browser::Firefox}));
  EXPECT_THROW((void)parse_browsers({"opera"}), InstallError);
  EXPECT_EQ(parse_browser("brave"), Browser::Brave);
  EXPECT_EQ(to_string(Browser::Vivaldi), "vivaldi");
}

TEST(InstallIds, RecognisesChromiumExtensionIds) {
  EXPECT_TRUE(is_extension_id(kDev));
  EXPECT_FALSE(is_extension_id("hllknhdbcnbafllcikebpiinoenhnen"));   // 31
  EXPECT_FALSE(is_extension_id("hllknhdbcnbafllcikebpiinoenhnenz"));  // z is not a-p
  EXPECT_FALSE(is_extension_id("HLLKNHDBCNBAFLLCIKEBPIINOENHNENL"));
}

TEST(InstallPlan, LinuxSystemEveryBrowser) {
  const Plan plan = make_plan(linux_options(Scope::System));
  EXPECT_EQ(paths_of(plan), (std::set<std::string>{
                                "/fake-root/etc/opt/chrome/native-messaging-hosts/app.careguard.host.json",
                                "/fake-root/etc/chromium/native-messaging-hosts/app.careguard.host.json",
                                "/fake-root/etc/opt/edge/native-messaging-hosts/app.careguard.host.json",
                                "/fake-root/etc/vivaldi/native-messaging-hosts/app.careguard.host.json",
                                "/fake-root/usr/lib/mozilla/native-messaging-hosts/app.careguard.host.json",
                            }));
  // Brave reads Chrome's system folder: one file, two browsers.
  const auto chrome = std::find_if(plan.files.begin(), plan.files.end(), [](const ManifestFile& f) {
    return f.path.string().find("/etc/opt/chrome/") != std::string::npos;
  });
  ASSERT_NE(chrome, plan.files.end());
  EXPECT_EQ(chrome->browsers, (std::vector<Browser>{Browser::Chrome, Browser::Brave}));
  EXPECT_TRUE(plan.registry.empty());
}

TEST(InstallPlan, LinuxSystemFirefoxLib64OnlyWhereItExists) {
  TempDir root;
  auto options = linux_options(Scope::System);
  options.root = root.path();
  options.browsers = {Browser::Firefox};
  EXPECT_EQ(make_plan(options).files.size(), 1U);
  fs::create_directories(root.path() / "usr/lib64/mozilla");
  const Plan plan = make_plan(options);
  ASSERT_EQ(plan.files.size(), 2U);
  EXPECT_EQ(plan.files[1].path, root.path() / "usr/lib64/mozilla/native-messaging-hosts/app.careguard.host.json");
}

TEST(InstallPlan, LinuxUserEveryBrowser) {
  const Plan plan = make_plan(linux_options(Scope::User));
  EXPECT_EQ(paths_of(plan), (std::set<std::string>{
                                "/home/carer/.config/google-chrome/NativeMessagingHosts/app.careguard.host.json",
                                "/home/carer/.config/chromium/NativeMessagingHosts/app.careguard.host.json",
                                "/home/carer/.config/microsoft-edge/NativeMessagingHosts/app.careguard.host.json",
                                "/home/carer/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/app.careguard.host.json",
                                "/home/carer/.config/vivaldi/NativeMessagingHosts/app.careguard.host.json",
                                "/home/carer/.mozilla/native-messaging-hosts/app.careguard.host.json",
                            }));
}

TEST(InstallPlan, LinuxUserFollowsXdgConfigHome) {
  // Chromium-family browsers keep their user folders under $XDG_CONFIG_HOME when it is set;
  // Firefox keeps ~/.mozilla whatever it says.
  Options options = linux_options(Scope::User);
  options.config_home = "/srv/profiles/carer/cfg";
  EXPECT_EQ(paths_of(make_plan(options)),
            (std::set<std::string>{
                "/srv/profiles/carer/cfg/google-chrome/NativeMessagingHosts/app.careguard.host.json",
                "/srv/profiles/carer/cfg/chromium/NativeMessagingHosts/app.careguard.host.json",
                "/srv/profiles/carer/cfg/microsoft-edge/NativeMessagingHosts/app.careguard.host.json",
                "/srv/profiles/carer/cfg/BraveSoftware/Brave-Browser/NativeMessagingHosts/app.careguard.host.json",
                "/srv/profiles/carer/cfg/vivaldi/NativeMessagingHosts/app.careguard.host.json",
                "/home/carer/.mozilla/native-messaging-hosts/app.careguard.host.json",
            }));
}

TEST(InstallPlan, UserConfigHomeIsXdgConfigHomeOnlyWhenAbsolute) {
  const char* saved = std::getenv("XDG_CONFIG_HOME");
  const std::string restore = saved != nullptr ? saved : "";
  ::setenv("XDG_CONFIG_HOME", "/tmp/xdg-config", 1);
  EXPECT_EQ(careguard::install::user_config_home(), std::filesystem::path("/tmp/xdg-config"));
  ::setenv("XDG_CONFIG_HOME", "relative/config", 1);
  EXPECT_TRUE(careguard::install::user_config_home().empty());
  ::unsetenv("XDG_CONFIG_HOME");
  EXPECT_TRUE(careguard::install::user_config_home().empty());
  if (saved != nullptr) {
    ::setenv("XDG_CONFIG_HOME", restore.c_str(), 1);
  }
}

TEST(InstallPlan, MacOSSystemAndUser) {
  Options options;
  options.os = Os::MacOS;
  options.scope = Scope::System;
  options.host_path = "/Library/Application Support/CareGuard/bin/careguard-host";
  options.home = "/Users/carer";
  EXPECT_EQ(paths_of(make_plan(options)),
            (std::set<std::string>{
                "/Library/Google/Chrome/NativeMessagingHosts/app.careguard.host.json",
                "/Library/Application Support/Chromium/NativeMessagingHosts/app.careguard.host.json",
                "/Library/Microsoft/Edge/NativeMessagingHosts/app.careguard.host.json",
                "/Library/Application Support/Vivaldi/NativeMessagingHosts/app.careguard.host.json",
                "/Library/Application Support/Mozilla/NativeMessagingHosts/app.careguard.host.json",
            }));
  options.scope = Scope::User;
  options.browsers = {Browser::Brave};
  // Brave on macOS reads its own folder and Chrome's user folder.
  EXPECT_EQ(paths_of(make_plan(options)),
            (std::set<std::string>{
                "/Users/carer/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts/app.careguard.host.json",
                "/Users/carer/Library/Application Support/Google/Chrome/NativeMessagingHosts/app.careguard.host.json",
            }));
  options.browsers = {Browser::Edge, Browser::Firefox};
  EXPECT_EQ(paths_of(make_plan(options)),
            (std::set<std::string>{
                "/Users/carer/Library/Application Support/Microsoft Edge/NativeMessagingHosts/app.careguard.host.json",
                "/Users/carer/Library/Application Support/Mozilla/NativeMessagingHosts/app.careguard.host.json",
            }));
}

TEST(InstallPlan, ManifestContentBothIdsWithTrailingSlash) {
  auto options = linux_options(Scope::System);
  options.extension_ids = {kDev, kStore, kDev};
  const Plan plan = make_plan(options);
  EXPECT_EQ(plan.origins, (std::vector<std::string>{std::string("chrome-extension://") + kDev + "/",
                                                    std::string("chrome-extension://") + kStore + "/"}));
  for (const auto& file : plan.files) {
    const auto json = nlohmann::json::parse(manifest_text(plan, file));
    EXPECT_EQ(json["name"], "app.careguard.host");
    EXPECT_EQ(json["type"], "stdio");
    EXPECT_EQ(json["path"], "/usr/bin/careguard-host");
    if (file.kind == ManifestKind::Firefox) {
      EXPECT_EQ(json["allowed_extensions"], nlohmann::json::array({"careguard@careguard.app"}));
      EXPECT_FALSE(json.contains("allowed_origins"));
    } else {
      EXPECT_EQ(json["allowed_origins"].size(), 2U);
      for (const auto& origin : json["allowed_origins"]) EXPECT_TRUE(origin.get<std::string>().ends_with("/"));
      EXPECT_FALSE(json.contains("allowed_extensions"));
    }
  }
}

TEST(InstallPlan, DefaultsToTheDevelopmentId) {
  const Plan plan = make_plan(linux_options(Scope::User));
  EXPECT_EQ(plan.origins, std::vector<std::string>{std::string("chrome-extension://") + kDev + "/"});
  EXPECT_EQ(plan.firefox_id, "careguard@careguard.app");
}

TEST(InstallPlan, RejectsBadInput) {
  auto options = linux_options(Scope::System);
  options.extension_ids = {"not-an-id"};
  EXPECT_THROW((void)make_plan(options), InstallError);
  options = linux_options(Scope::System);
  options.host_path = "bin/careguard-host";
  EXPECT_THROW((void)make_plan(options), InstallError);
  options.host_path = "";
  EXPECT_THROW((void)make_plan(options), InstallError);
  options = linux_options(Scope::User);
  options.home.clear();
  EXPECT_THROW((void)make_plan(options), InstallError);
}

TEST(InstallApply, WritesAndRemovesExactlyThePlannedFiles) {
  TempDir tmp;
  auto options = linux_options(Scope::System);
  options.root = tmp.path() / "root";
  // Something that is not ours, in a folder we write to, must survive.
  fs::create_directories(options.root / "etc/opt/chrome/native-messaging-hosts");
  std::ofstream(options.root / "etc/opt/chrome/native-messaging-hosts/other.host.json") << "{\"name\":\"other.host\"}\n";

  const Plan plan = make_plan(options);
  const auto written = apply_install(plan);
  EXPECT_EQ(written.written.size(), 5U);
  for (const auto& file : plan.files) {
    ASSERT_TRUE(fs::is_regular_file(file.path)) << file.path;
    EXPECT_EQ(read_file(file.path), manifest_text(plan, file));
    const auto perms = fs::status(file.path).permissions();
    EXPECT_EQ(perms & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  }
  EXPECT_EQ(all_files_under(options.root).size(), 6U);  // 5 manifests + the other host; no temp files

  // Installing twice replaces, it does not duplicate.
  (void)apply_install(plan);
  EXPECT_EQ(all_files_under(options.root).size(), 6U);

  const auto removed = apply_uninstall(plan);
  EXPECT_EQ(removed.removed.size(), 5U);
  EXPECT_TRUE(removed.kept.empty());
  EXPECT_EQ(all_files_under(options.root),
            (std::set<std::string>{"etc/opt/chrome/native-messaging-hosts/other.host.json"}));
  // Folders stay (another program may own them).
  EXPECT_TRUE(fs::is_directory(options.root / "etc/vivaldi/native-messaging-hosts"));
}

TEST(InstallApply, UninstallKeepsAForeignFileOfTheSameName) {
  TempDir tmp;
  auto options = linux_options(Scope::User);
  options.home = tmp.path();
  options.browsers = {Browser::Chromium};
  const Plan plan = make_plan(options);
  ASSERT_EQ(plan.files.size(), 1U);
  fs::create_directories(plan.files[0].path.parent_path());
  std::ofstream(plan.files[0].path) << "{\"name\":\"someone.else\"}";
  const auto result = apply_uninstall(plan);
  EXPECT_TRUE(result.removed.empty());
  ASSERT_EQ(result.kept.size(), 1U);
  EXPECT_TRUE(fs::exists(plan.files[0].path));
}

TEST(InstallApply, UninstallOfNothingIsFine) {
  TempDir tmp;
  auto options = linux_options(Scope::User);
  options.home = tmp.path();
  const auto result = apply_uninstall(make_plan(options));
  EXPECT_TRUE(result.removed.empty());
  EXPECT_TRUE(result.kept.empty());
}

TEST(InstallWindows, RegistryKeysPerBrowser) {
  Options options;
  options.os = Os::Windows;
  options.scope = Scope::System;
  options.host_path = "C:\\Program Files\\CareGuard\\careguard-host.exe";
  const Plan plan = make_plan(options);
  std::set<std::string> keys;
  for (const auto& entry : plan.registry) {
    EXPECT_EQ(entry.hive, "HKEY_LOCAL_MACHINE");
    keys.insert(entry.key);
    if (entry.key.find("Mozilla") != std::string::npos) {
      EXPECT_EQ(entry.value, "C:\\Program Files\\CareGuard\\app.careguard.host.firefox.json");
    } else {
      EXPECT_EQ(entry.value, "C:\\Program Files\\CareGuard\\app.careguard.host.json");
    }
  }
  EXPECT_EQ(keys, (std::set<std::string>{
                      "SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\app.careguard.host",
                      "SOFTWARE\\Chromium\\NativeMessagingHosts\\app.careguard.host",
                      "SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts\\app.careguard.host",
                      "SOFTWARE\\BraveSoftware\\Brave-Browser\\NativeMessagingHosts\\app.careguard.host",
                      "SOFTWARE\\Mozilla\\NativeMessagingHosts\\app.careguard.host",
                  }));
  EXPECT_EQ(plan.files.size(), 2U);  // both manifests next to the host

  options.scope = Scope::User;
  options.browsers = {Browser::Edge};
  const Plan user = make_plan(options);
  ASSERT_EQ(user.registry.size(), 1U);
  EXPECT_EQ(user.registry[0].hive, "HKEY_CURRENT_USER");
  EXPECT_THROW(
      [] {
        Options bad;
        bad.os = Os::Windows;
        bad.host_path = "careguard-host.exe";
        (void)make_plan(bad);
      }(),
      InstallError);
}

TEST(InstallWindows, RegPowerShellAndWixText) {
  Options options;
  options.os = Os::Windows;
  options.scope = Scope::System;
  options.host_path = "C:\\Program Files\\CareGuard\\careguard-host.exe";
  options.browsers = {Browser::Chrome, Browser::Firefox};
  const Plan plan = make_plan(options);

  const std::string reg = windows_reg(plan, false);
  EXPECT_TRUE(reg.starts_with("Windows Registry Editor Version 5.00\n"));
  EXPECT_NE(reg.find("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\app.careguard.host]\n"
                     "@=\"C:\\\\Program Files\\\\CareGuard\\\\app.careguard.host.json\"\n"),
            std::string::npos)
      << reg;
  EXPECT_NE(reg.find("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Mozilla\\NativeMessagingHosts\\app.careguard.host]\n"
                     "@=\"C:\\\\Program Files\\\\CareGuard\\\\app.careguard.host.firefox.json\"\n"),
            std::string::npos);
  const std::string unreg = windows_reg(plan, true);
  EXPECT_NE(unreg.find("[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\app.careguard.host]"),
            std::string::npos);
  EXPECT_EQ(unreg.find("@="), std::string::npos);

  const std::string ps = windows_powershell(plan, false);
  EXPECT_NE(ps.find("New-Item -Path 'HKLM:\\SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\app.careguard.host' -Force"),
            std::string::npos)
      << ps;
  EXPECT_NE(ps.find("-Name '(default)' -Value 'C:\\Program Files\\CareGuard\\app.careguard.host.json'"), std::string::npos);
  EXPECT_NE(windows_powershell(plan, true).find("Remove-Item -LiteralPath 'HKLM:\\SOFTWARE\\Mozilla"), std::string::npos);

  const std::string wix = wix_fragment(plan, "C:\\Program Files\\CareGuard");
  EXPECT_NE(wix.find("<ComponentGroup Id=\"CareGuardNativeMessagingHosts\""), std::string::npos);
  EXPECT_NE(wix.find("Root=\"HKLM\" Key=\"SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\app.careguard.host\" "
                     "Type=\"string\" Value=\"[INSTALLFOLDER]app.careguard.host.json\""),
            std::string::npos)
      << wix;
  EXPECT_NE(wix.find("Value=\"[INSTALLFOLDER]app.careguard.host.firefox.json\""), std::string::npos);
}
