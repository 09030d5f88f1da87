// careguard config: defaults, every key of the JSON document, relative paths, type errors, and
// where load_config looks (explicit path, CAREGUARD_CONFIG, the per-user file).

#include "careguard/config.hpp"
#include "careguard/version.hpp"

#include "../support/files.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using careguard::Config;
using careguard::ConfigError;
using careguard::testing::TempDir;
using careguard::testing::write_file;

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

/// Sets or unsets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) {  // NOLINT(concurrency-mt-unsafe)
      old_ = old;
    }
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ScopedEnv(ScopedEnv&&) = delete;
  ScopedEnv& operator=(ScopedEnv&&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class ConfigTest : public ::testing::Test {
 protected:
  [[nodiscard]] static Config defaults() { return careguard::default_config(careguard::default_config_paths()); }
  const TempDir temp_{"careguard-config-test"};
  const fs::path& dir_ = temp_.path();
};

TEST_F(ConfigTest, Defaults) {
  careguard::ConfigPaths paths;
  paths.system_packs = "/sys/packs";
  paths.user_packs = "/home/u/packs";
  paths.user_data = "/home/u/data";
  paths.cache = "/home/u/cache";
  const Config config = careguard::default_config(paths);
  EXPECT_TRUE(contains(config.allowed_callers, "chrome-extension://hllknhdbcnbafllcikebpiinoenhnenl/"));
  EXPECT_TRUE(contains(config.allowed_callers, "careguard@careguard.app"));
  EXPECT_TRUE(contains(config.allowed_callers, careguard::kDevExtensionOrigin));
  EXPECT_EQ(config.pack_dirs, (std::vector<fs::path>{"/sys/packs", "/home/u/packs"}));
  EXPECT_TRUE(config.trusted_keys.empty());
  EXPECT_EQ(config.cache_dir, fs::path("/home/u/cache"));
  EXPECT_EQ(config.audit.path, fs::path("/home/u/data/audit.jsonl"));
  EXPECT_TRUE(config.audit.enabled);
  EXPECT_EQ(config.audit.max_bytes, 10U * 1024U * 1024U);
  EXPECT_EQ(config.audit.keep_files, 5U);
  EXPECT_EQ(config.audit.max_age_days, 0U);
  EXPECT_FALSE(config.audit.syslog);
  EXPECT_EQ(config.log_level, "warn");
  EXPECT_DOUBLE_EQ(config.pack_poll_seconds, 2.0);
  EXPECT_DOUBLE_EQ(config.compile_time_limit_seconds, 300.0);
  EXPECT_TRUE(config.sources.empty());
}

TEST_F(ConfigTest, LinuxPathsFollowXdg) {
  const ScopedEnv config_home("XDG_CONFIG_HOME", dir_.string() + "/cfg");
  const ScopedEnv data_home("XDG_DATA_HOME", dir_.string() + "/data");
  const ScopedEnv cache_home("XDG_CACHE_HOME", dir_.string() + "/cache");
  const auto paths = careguard::default_config_paths();
  EXPECT_EQ(paths.system_config, fs::path("/etc/careguard/config.json"));
  EXPECT_EQ(paths.user_config, dir_ / "cfg" / "careguard" / "config.json");
  EXPECT_EQ(paths.user_packs, dir_ / "data" / "careguard" / "packs");
  EXPECT_EQ(paths.cache, dir_ / "cache" / "careguard");
}

TEST_F(ConfigTest, EveryKeyIsApplied) {
  Config config = defaults();
  bool allow_user = true;
  const fs::path source = dir_ / "etc" / "config.json";
  careguard::apply_config_json(config, R"({
    "allowed_callers": ["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"],
    "pack_dirs": ["/abs/packs", "rel/packs"],
    "trusted_keys": ["a2V5MQ==", "a2V5Mg=="],
    "log": {"level": "debug", "file": "logs/host.log"},
    "audit": {"enabled": false, "path": "/var/log/cg/audit.jsonl", "max_bytes": 1234, "keep_files": 2,
              "max_age_days": 30, "syslog": true, "pseudonym_key": "00112233445566778899aabbccddeeff"},
    "cache_dir": "cache",
    "pack_poll_seconds": 0.5,
    "compile_time_limit_seconds": 45,
    "allow_user_config": false,
    "some_future_key": {"ignored": true}
  })", source, &allow_user);
  EXPECT_EQ(config.allowed_callers, std::vector<std::string>{"chrome-extension://abcdefghijklmnopabcdefghijklmnop/"});
  EXPECT_EQ(config.pack_dirs, (std::vector<fs::path>{"/abs/packs", dir_ / "etc" / "rel/packs"}));
  EXPECT_EQ(config.trusted_keys, (std::vector<std::string>{"a2V5MQ==", "a2V5Mg=="}));
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.log_file, dir_ / "etc" / "logs/host.log");
  EXPECT_FALSE(config.audit.enabled);
  EXPECT_EQ(config.audit.path, fs::path("/var/log/cg/audit.jsonl"));
  EXPECT_EQ(config.audit.max_bytes, 1234U);
  EXPECT_EQ(config.audit.keep_files, 2U);
  EXPECT_EQ(config.audit.max_age_days, 30U);
  EXPECT_TRUE(config.audit.syslog);
  EXPECT_EQ(config.audit.pseudonym_key, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(config.cache_dir, dir_ / "etc" / "cache");
  EXPECT_DOUBLE_EQ(config.pack_poll_seconds, 0.5);
  EXPECT_DOUBLE_EQ(config.compile_time_limit_seconds, 45.0);
  EXPECT_FALSE(allow_user);
  EXPECT_EQ(config.sources, std::vector<fs::path>{source});
}

TEST_F(ConfigTest, PartialDocumentsKeepOtherSettings) {
  Config config = defaults();
  const auto before = config;
  careguard::apply_config_json(config, R"({"audit": {"keep_files": 9}, "log": {}})", dir_ / "c.json");
  EXPECT_EQ(config.audit.keep_files, 9U);
  EXPECT_EQ(config.audit.max_bytes, before.audit.max_bytes);
  EXPECT_EQ(config.audit.path, before.audit.path);
  EXPECT_EQ(config.allowed_callers, before.allowed_callers);
  EXPECT_EQ(config.log_level, before.log_level);
  careguard::apply_config_json(config, "{}", dir_ / "d.json");
  EXPECT_EQ(config.sources.size(), 2U);
  // allow_user_config is read only when asked for; without a pointer it is ignored.
  EXPECT_NO_THROW(careguard::apply_config_json(config, R"({"allow_user_config": false})", dir_ / "e.json"));
}

TEST_F(ConfigTest, WrongTypesAreConfigErrors) {
  const fs::path source = dir_ / "config.json";
  for (const char* text : {
           R"({"allowed_callers": "chrome-extension://x/"})",
           R"({"allowed_callers": [1, 2]})",
           R"({"pack_dirs": {"a": 1}})",
           R"({"trusted_keys": [null]})",
           R"({"log": {"level": 3}})",
           R"({"log": "debug"})",
           R"({"log": {"file": false}})",
           R"({"audit": {"enabled": "yes"}})",
           R"({"audit": {"max_bytes": "big"}})",
           R"({"audit": {"max_age_days": "a month"}})",
           R"({"audit": {"path": 7}})",
           R"({"cache_dir": 42})",
           R"({"pack_poll_seconds": "2"})",
           R"({"pack_poll_seconds": 0.01})",
           R"({"pack_poll_seconds": 7200})",
           R"({"compile_time_limit_seconds": 0})",
           R"({"compile_time_limit_seconds": 7200})",
       }) {
    Config config = defaults();
    bool allow_user = true;
    EXPECT_THROW(careguard::apply_config_json(config, text, source, &allow_user), ConfigError) << text;
  }
  Config config = defaults();
  bool allow_user = true;
  EXPECT_THROW(careguard::apply_config_json(config, R"({"allow_user_config": "no"})", source, &allow_user),
               ConfigError);
}

TEST_F(ConfigTest, InvalidJsonIsAConfigError) {
  for (const char* text : {"", "{", "not json", "[1, 2]", "\"text\"", "{\"a\": 1,}", "{\"audit_max_bytes\": 1e400}"}) {
    Config config = defaults();
    try {
      careguard::apply_config_json(config, text, dir_ / "broken.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find("broken.json"), std::string::npos) << error.what();
    }
  }
}

TEST_F(ConfigTest, LoadExplicitPath) {
  const ScopedEnv no_env("CAREGUARD_CONFIG", std::nullopt);
  const fs::path file = dir_ / "explicit" / "config.json";
  write_file(file, R"({"trusted_keys": ["ZXhwbGljaXQ="], "cache_dir": "c"})");
  const Config config = careguard::load_config(file);
  EXPECT_EQ(config.trusted_keys, std::vector<std::string>{"ZXhwbGljaXQ="});
  EXPECT_EQ(config.cache_dir, dir_ / "explicit" / "c");
  EXPECT_EQ(config.sources, std::vector<fs::path>{file});
  EXPECT_THROW((void)careguard::load_config(dir_ / "missing.json"), ConfigError);
  write_file(dir_ / "bad.json", "{oops");
  EXPECT_THROW((void)careguard::load_config(dir_ / "bad.json"), ConfigError);
}

TEST_F(ConfigTest, LoadFromEnvironmentVariable) {
  const ScopedEnv xdg("XDG_CONFIG_HOME", (dir_ / "xdg").string());
  write_file(dir_ / "xdg" / "careguard" / "config.json", R"({"log": {"level": "info"}})");
  const fs::path file = dir_ / "env.json";
  write_file(file, R"({"log": {"level": "trace"}})");
  {
    const ScopedEnv env("CAREGUARD_CONFIG", file.string());
    const Config config = careguard::load_config(std::nullopt);
    EXPECT_EQ(config.log_level, "trace");  // only that file: the user file is not read
    EXPECT_EQ(config.sources, std::vector<fs::path>{file});
    // An explicit path wins over the environment.
    write_file(dir_ / "explicit.json", R"({"log": {"level": "error"}})");
    EXPECT_EQ(careguard::load_config(dir_ / "explicit.json").log_level, "error");
  }
  {
    const ScopedEnv env("CAREGUARD_CONFIG", (dir_ / "nope.json").string());
    EXPECT_THROW((void)careguard::load_config(std::nullopt), ConfigError);
  }
  {
    const ScopedEnv env("CAREGUARD_CONFIG", std::string());  // empty means unset
    EXPECT_EQ(careguard::load_config(std::nullopt).log_level, "info");
  }
}

TEST_F(ConfigTest, UserFileAppliesOnTopOfDefaults) {
  const ScopedEnv no_env("CAREGUARD_CONFIG", std::nullopt);
  const ScopedEnv xdg("XDG_CONFIG_HOME", (dir_ / "xdg").string());
  {
    const Config config = careguard::load_config(std::nullopt);  // no user file: defaults
    EXPECT_EQ(config.log_level, "warn");
    EXPECT_TRUE(contains(config.allowed_callers, careguard::kFirefoxAddonId));
  }
  const fs::path user = dir_ / "xdg" / "careguard" / "config.json";
  write_file(user, R"({"log": {"level": "debug"}, "pack_dirs": ["packs"], "allow_user_config": false})");
  const Config config = careguard::load_config(std::nullopt);
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.pack_dirs, std::vector<fs::path>{dir_ / "xdg" / "careguard" / "packs"});
  ASSERT_FALSE(config.sources.empty());
  EXPECT_EQ(config.sources.back(), user);
  write_file(user, R"({"log": 5})");
  EXPECT_THROW((void)careguard::load_config(std::nullopt), ConfigError);
}

}  // namespace
