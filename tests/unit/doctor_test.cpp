// careguard::doctor against broken set-ups made in a temporary root and home: missing manifest,
// wrong path, wrong id, host not executable, malformed origin, stale per-user manifest, broken
// configuration, and hosts that answer, refuse, hang or write junk (fake hosts are shell scripts).

#include "careguard/doctor.hpp"
#include "careguard/install.hpp"

#include "../support/files.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using careguard::doctor::Check;
using careguard::doctor::Options;
using careguard::doctor::Report;
using careguard::doctor::Severity;
using careguard::install::Browser;
using careguard::install::Os;
using careguard::install::Scope;
using careguard::testing::read_file;
using careguard::testing::TempDir;

namespace {

constexpr const char* kDev = "hllknhdbcnbafllcikebpiinoenhnenl";
constexpr const char* kOtherId = "aaaabbbbccccddddeeeeffffgggghhhh";

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(tmp_ / "home");
    fs::create_directories(tmp_ / "root");
    options_.os = Os::Linux;
    options_.home = tmp_ / "home";
    options_.root = tmp_ / "root";
    options_.paths.system_config = tmp_ / "root/etc/careguard/config.json";
    options_.paths.user_config = tmp_ / "home/.config/careguard/config.json";
    options_.paths.system_packs = tmp_ / "root/etc/careguard/packs";
    options_.paths.user_packs = tmp_ / "home/.local/share/careguard/packs";
    options_.probe_timeout = std::chrono::milliseconds(3000);
  }
  /// A host that records its arguments and working folder, then answers with `reply` (or, for
  /// reply == "JUNK", writes text to stdout; for "HANG", never answers), then waits for EOF.
  fs::path write_host(const std::string& reply, const std::string& name = "careguard-host") {
    const fs::path dir = tmp_ / "root/usr/bin";
    fs::create_directories(dir);
    const fs::path host = dir / name;
    std::ostringstream script;
    script << "#!/bin/sh\n";
    script << "printf '%s\\n' \"$@\" > '" << (tmp_ / "args").string() << "'\n";
    script << "pwd > '" << (tmp_ / "cwd").string() << "'\n";
    if (reply == "HANG") {
      script << "sleep 30\n";
    } else if (reply == "JUNK") {
      script << "echo 'data: hello from a stray console.log'\ncat >/dev/null\n";
    } else {
      std::string frame(4, '\0');
      const auto length = static_cast<std::uint32_t>(reply.size());
      for (std::size_t i = 0; i < 4; ++i) frame[i] = static_cast<char>((length >> (8 * i)) & 0xFFU);
      frame += reply;
      script << "printf '";
      for (const char c : frame) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\%03o", static_cast<unsigned>(static_cast<unsigned char>(c)));
        script << buffer;
      }
      script << "'\ncat >/dev/null\n";
    }
    std::ofstream(host) << script.str();
    fs::permissions(host, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    return host;
  }

  static std::string hello_reply() {
    return R"({"type":"hello","id":"careguard-doctor","protocol":1,"host_version":"0.1.0","packs":[{"id":"uk-care-base"}],"pack_errors":[]})";
  }

  /// Installs manifests the way `careguard install` does, host path /usr/bin/careguard-host.
  void install(Scope scope, std::vector<Browser> browsers, std::vector<std::string> ids = {},
               const std::string& host_path = "/usr/bin/careguard-host") {
    careguard::install::Options io;
    io.os = Os::Linux;
    io.scope = scope;
    io.browsers = std::move(browsers);
    io.extension_ids = std::move(ids);
    io.host_path = host_path;
    io.home = options_.home;
    io.root = options_.root;
    (void)careguard::install::apply_install(careguard::install::make_plan(io));
  }

  fs::path system_manifest(const std::string& dir) const {
    return options_.root / dir / "app.careguard.host.json";
  }

  static const Check* find(const Report& report, const std::string& name, Severity severity) {
    const auto it = std::find_if(report.checks.begin(), report.checks.end(),
                                 [&](const Check& c) { return c.name == name && c.severity == severity; });
    return it == report.checks.end() ? nullptr : &*it;
  }

  const TempDir temp_{"careguard-doctor-test"};
  const fs::path& tmp_ = temp_.path();
  Options options_;
};

}  // namespace

TEST_F(DoctorTest, HealthyInstallPassesAndStartsTheHostLikeChrome) {
  write_host(hello_reply());
  install(Scope::System, {Browser::Chromium});
  options_.browsers = {Browser::Chromium};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 0) << report.to_text();
  EXPECT_NE(find(report, "manifest.ok", Severity::Ok), nullptr);
  EXPECT_NE(find(report, "host.hello", Severity::Ok), nullptr) << report.to_text();
  // Started with the caller origin as its argument, in its own folder.
  EXPECT_EQ(read_file(tmp_ / "args"), std::string("chrome-extension://") + kDev + "/\n");
  const std::string cwd = read_file(tmp_ / "cwd");
  EXPECT_EQ(fs::path(cwd.substr(0, cwd.size() - 1)), fs::canonical(tmp_ / "root/usr/bin"));
}

TEST_F(DoctorTest, FirefoxHostGetsTheManifestPathAndAddonId) {
  write_host(hello_reply());
  install(Scope::System, {Browser::Firefox});
  options_.browsers = {Browser::Firefox};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 0) << report.to_text();
  EXPECT_EQ(read_file(tmp_ / "args"),
            system_manifest("usr/lib/mozilla/native-messaging-hosts").string() + "\ncareguard@careguard.app\n");
}

TEST_F(DoctorTest, MissingManifestIsAnErrorWithTheInstallCommand) {
  options_.browsers = {Browser::Edge};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 1);
  const Check* check = find(report, "manifest.missing", Severity::Error);
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->fix, "sudo careguard install --system --browser edge");
  EXPECT_NE(report.to_text().find("fix: sudo careguard install --system --browser edge"), std::string::npos);
}

TEST_F(DoctorTest, AbsentBrowsersAreSkippedWhenNotAskedFor) {
  const Report report = careguard::doctor::run(options_);  // nothing installed, no browser present
  EXPECT_EQ(report.exit_code(), 0) << report.to_text();
  EXPECT_NE(find(report, "browser.absent", Severity::Info), nullptr);
  // A browser whose profile exists must have a manifest.
  fs::create_directories(options_.home / ".config/vivaldi");
  const Report with_vivaldi = careguard::doctor::run(options_);
  EXPECT_EQ(with_vivaldi.exit_code(), 1);
  const Check* check = find(with_vivaldi, "manifest.missing", Severity::Error);
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->area, "vivaldi");
}

TEST_F(DoctorTest, WrongHostPath) {
  install(Scope::System, {Browser::Chrome}, {}, "/opt/careguard/careguard-host");
  options_.browsers = {Browser::Chrome};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 1);
  const Check* check = find(report, "manifest.path_missing", Severity::Error);
  ASSERT_NE(check, nullptr) << report.to_text();
  EXPECT_NE(check->message.find("/opt/careguard/careguard-host"), std::string::npos);
  EXPECT_EQ(check->fix, "sudo careguard install --system --browser chrome");
  EXPECT_EQ(find(report, "host.hello", Severity::Error), nullptr);  // not started when the manifest is wrong
}

TEST_F(DoctorTest, WrongExtensionId) {
  write_host(hello_reply());
  install(Scope::System, {Browser::Chrome}, {kOtherId});
  options_.browsers = {Browser::Chrome};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 1);
  const Check* check = find(report, "manifest.extension", Severity::Error);
  ASSERT_NE(check, nullptr) << report.to_text();
  EXPECT_NE(check->message.find(std::string("chrome-extension://") + kDev + "/"), std::string::npos);
  EXPECT_EQ(check->fix, std::string("sudo careguard install --system --browser chrome --extension-id ") + kDev);
}

TEST_F(DoctorTest, HostNotExecutable) {
  const fs::path host = write_host(hello_reply());
  fs::permissions(host, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  install(Scope::System, {Browser::Chromium});
  options_.browsers = {Browser::Chromium};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 1);
  const Check* check = find(report, "manifest.path_not_executable", Severity::Error);
  ASSERT_NE(check, nullptr) << report.to_text();
  EXPECT_EQ(check->fix, "sudo chmod 755 '" + host.string() + "'");
}

TEST_F(DoctorTest, MalformedManifests) {
  write_host(hello_reply());
  options_.browsers = {Browser::Chromium};
  const fs::path manifest = system_manifest("etc/chromium/native-messaging-hosts");
  fs::create_directories(manifest.parent_path());

  std::ofstream(manifest) << "{\"name\": \"app.careguard.host\",";  // cut short
  EXPECT_NE(find(careguard::doctor::run(options_), "manifest.invalid_json", Severity::Error), nullptr);

  nlohmann::json json{{"name", "app.careguard.host"}, {"description", "x"}, {"path", "/usr/bin/careguard-host"},
                      {"type", "stdio"}, {"allowed_origins", {std::string("chrome-extension://") + kDev}}};
  std::ofstream(manifest) << json.dump();
  const Report no_slash = careguard::doctor::run(options_);
  EXPECT_NE(find(no_slash, "manifest.origin_malformed", Severity::Error), nullptr) << no_slash.to_text();
  EXPECT_NE(find(no_slash, "manifest.extension", Severity::Error), nullptr);

  json["allowed_origins"] = {std::string("chrome-extension://") + kDev + "/"};
  json["path"] = "usr/bin/careguard-host";
  std::ofstream(manifest) << json.dump();
  EXPECT_NE(find(careguard::doctor::run(options_), "manifest.path_relative", Severity::Error), nullptr);

  json["path"] = "/usr/bin/careguard-host";
  json["name"] = "app.careguard.other";
  json["type"] = "socket";
  std::ofstream(manifest) << json.dump();
  const Report names = careguard::doctor::run(options_);
  EXPECT_NE(find(names, "manifest.name", Severity::Error), nullptr);
  EXPECT_NE(find(names, "manifest.type", Severity::Error), nullptr);
}

TEST_F(DoctorTest, StalePerUserManifestShadowsTheSystemOne) {
  write_host(hello_reply());
  install(Scope::System, {Browser::Chrome});
  install(Scope::User, {Browser::Chrome}, {}, "/home/old/careguard-host");  // left from a trial
  options_.browsers = {Browser::Chrome};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 1);
  const Check* check = find(report, "manifest.shadowed", Severity::Error);
  ASSERT_NE(check, nullptr) << report.to_text();
  EXPECT_EQ(check->fix, "careguard uninstall --user --browser chrome");
  EXPECT_NE(check->path.find(".config/google-chrome/NativeMessagingHosts"), std::string::npos);

  // A valid per-user manifest that differs is only a warning.
  fs::remove(options_.home / ".config/google-chrome/NativeMessagingHosts/app.careguard.host.json");
  install(Scope::User, {Browser::Chrome}, {kDev, kOtherId});
  const Report differs = careguard::doctor::run(options_);
  EXPECT_EQ(differs.exit_code(), 0) << differs.to_text();
  EXPECT_NE(find(differs, "manifest.shadowed", Severity::Warning), nullptr);
}

TEST_F(DoctorTest, HostThatRefusesTheCaller) {
  write_host(R"({"type":"error","id":"careguard-doctor","code":8,"name":"caller_not_allowed","message":"caller not allowed"})");
  install(Scope::System, {Browser::Chromium});
  options_.browsers = {Browser::Chromium};
  const Report report = careguard::doctor::run(options_);
  EXPECT_EQ(report.exit_code(), 1);
  const Check* check = find(report, "host.hello", Severity::Error);
  ASSERT_NE(check, nullptr) << report.to_text();
  EXPECT_NE(check->message.find("caller_not_allowed"), std::string::npos);
  EXPECT_NE(check->fix.find("allowed_callers"), std::string::npos);
}

TEST_F(DoctorTest, HostThatWritesJunkOrHangs) {
  write_host("JUNK");
  install(Scope::System, {Browser::Chromium});
  options_.browsers = {Browser::Chromium};
  const Report junk = careguard::doctor::run(options_);
  const Check* check = find(junk, "host.hello", Severity::Error);
  ASSERT_NE(check, nullptr) << junk.to_text();
  EXPECT_NE(check->message.find("other than a frame"), std::string::npos) << check->message;

  write_host("HANG");
  options_.probe_timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  const Report hang = careguard::doctor::run(options_);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  check = find(hang, "host.hello", Severity::Error);
  ASSERT_NE(check, nullptr) << hang.to_text();
  EXPECT_NE(check->message.find("did not answer"), std::string::npos) << check->message;
}

TEST_F(DoctorTest, HostThatCannotStart) {
  const auto result = careguard::doctor::probe_host(tmp_ / "nowhere/careguard-host", {}, std::chrono::milliseconds(500));
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("cannot start"), std::string::npos) << result.error;
}

TEST_F(DoctorTest, ConfigurationPacksAndKeys) {
  options_.browsers = {Browser::Chromium};
  options_.probe_host = false;
  install(Scope::System, {Browser::Chromium});
  write_host(hello_reply());
  fs::create_directories(options_.paths.system_config.parent_path());
  std::ofstream(options_.paths.system_config) << "{ not json";
  const Report broken = careguard::doctor::run(options_);
  EXPECT_EQ(broken.exit_code(), 1);
  EXPECT_NE(find(broken, "config.invalid", Severity::Error), nullptr) << broken.to_text();

  std::ofstream(options_.paths.system_config) << R"({"trusted_keys": ["not base64!"]})";
  const Report bad_key = careguard::doctor::run(options_);
  EXPECT_NE(find(bad_key, "config.ok", Severity::Ok), nullptr) << bad_key.to_text();
  EXPECT_NE(find(bad_key, "keys.invalid", Severity::Error), nullptr) << bad_key.to_text();

  // An org pack but no trusted key: a warning, not a failure.
  std::ofstream(options_.paths.system_config) << "{}";
  fs::create_directories(options_.paths.system_packs);
  std::ofstream(options_.paths.system_packs / "org.cgpack.json") << "{}";
  const Report no_keys = careguard::doctor::run(options_);
  EXPECT_EQ(no_keys.exit_code(), 0) << no_keys.to_text();
  EXPECT_NE(find(no_keys, "packs.ok", Severity::Ok), nullptr);
  EXPECT_NE(find(no_keys, "keys.none", Severity::Warning), nullptr);
}

TEST_F(DoctorTest, JsonReport) {
  options_.browsers = {Browser::Edge};
  const auto json = careguard::doctor::run(options_).to_json();
  EXPECT_EQ(json["ok"], false);
  ASSERT_TRUE(json["checks"].is_array());
  const auto missing = std::find_if(json["checks"].begin(), json["checks"].end(),
                                    [](const nlohmann::json& c) { return c["check"] == "manifest.missing"; });
  ASSERT_NE(missing, json["checks"].end());
  EXPECT_EQ((*missing)["severity"], "error");
  EXPECT_EQ((*missing)["area"], "edge");
  EXPECT_TRUE(missing->contains("fix"));
}

namespace {

TEST_F(DoctorTest, ConfigurationAndPacksWritableByOtherUsersAreWarnedAbout) {
  options_.browsers = {Browser::Chromium};
  options_.probe_host = false;
  install(Scope::System, {Browser::Chromium});
  fs::create_directories(options_.paths.system_config.parent_path());
  std::ofstream(options_.paths.system_config) << "{}";
  fs::create_directories(options_.paths.system_packs);
  const fs::path pack = options_.paths.system_packs / "org.cgpack";
  std::ofstream(pack) << "{}";
  const auto set_mode = [](const fs::path& path, fs::perms mode) { fs::permissions(path, mode, fs::perm_options::replace); };
  const auto count = [](const Report& report, std::string_view name, const fs::path& path) {
    return std::count_if(report.checks.begin(), report.checks.end(), [&](const Check& c) {
      return c.name == name && c.path == path.string() && c.severity == Severity::Warning;
    });
  };

  set_mode(options_.paths.system_config, fs::perms(0644));
  set_mode(options_.paths.system_packs, fs::perms(0755));
  set_mode(pack, fs::perms(0644));
  const Report safe = careguard::doctor::run(options_);
  EXPECT_EQ(count(safe, "config.writable", options_.paths.system_config), 0) << safe.to_text();
  EXPECT_EQ(count(safe, "packs.writable", options_.paths.system_packs), 0) << safe.to_text();
  EXPECT_EQ(count(safe, "packs.writable", pack), 0) << safe.to_text();

  set_mode(options_.paths.system_config, fs::perms(0666));
  set_mode(options_.paths.system_packs, fs::perms(0777));
  set_mode(pack, fs::perms(0664));
  const Report open = careguard::doctor::run(options_);
  EXPECT_EQ(open.exit_code(), safe.exit_code()) << "a warning, not a failure";
  EXPECT_EQ(count(open, "config.writable", options_.paths.system_config), 1) << open.to_text();
  EXPECT_EQ(count(open, "packs.writable", options_.paths.system_packs), 1) << open.to_text();
  EXPECT_EQ(count(open, "packs.writable", pack), 1) << open.to_text();
  const auto fix = std::find_if(open.checks.begin(), open.checks.end(),
                                [](const Check& c) { return c.name == "config.writable"; });
  ASSERT_NE(fix, open.checks.end());
  EXPECT_NE(fix->fix.find("chmod go-w"), std::string::npos);
  EXPECT_NE(fix->message.find("0666"), std::string::npos);
}

}  // namespace
