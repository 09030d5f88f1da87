// careguard::PackManager with a temporary pack directory, a generated signing key and a temporary
// compiled-database cache: signed packs load; unsigned, tampered, wrongly signed and broken ones
// are refused; the last good version of a pack keeps protecting; install; reload under load.
// Engine builds take seconds, so the suite shares one cache and reuses the same packs.

#include "careguard/config.hpp"
#include "careguard/engine.hpp"
#include "careguard/pack.hpp"
#include "careguard/pack_manager.hpp"
#include "careguard/signing.hpp"

#include "../support/files.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using careguard::Config;
using careguard::PackError;
using careguard::PackManager;
using careguard::PackState;
using careguard::testing::TempDir;
using careguard::testing::write_file;
using nlohmann::json;

/// Sets a file's modification time well away from its last one, so a poll sees the change even on
/// file systems with coarse timestamps.
void bump_mtime(const fs::path& path) {
  static int step = 0;
  fs::last_write_time(path, fs::file_time_type::clock::now() + std::chrono::seconds(++step * 10));
}

std::string org_pack_text(const std::string& id, const std::string& version, const std::string& pattern,
                          const std::string& rule_id = "org.widget") {
  const json rule = {{"id", rule_id},
                     {"category", "internal"},
                     {"severity", "warn"},
                     {"clause", "9.1"},
                     {"message", "Fictional organisation rule."},
                     {"patterns", {pattern}}};
  return json{{"id", id}, {"version", version}, {"kind", "org"}, {"rules", {rule}}}.dump();
}

bool has_rule(const careguard::ScanResult& result, std::string_view rule) {
  return std::any_of(result.findings.begin(), result.findings.end(),
                     [&](const careguard::Finding& f) { return f.rule == rule; });
}

std::vector<std::string> pack_ids(const PackState& state) {
  std::vector<std::string> ids;
  for (const auto& summary : state.engine->packs()) {
    ids.push_back(summary.id + "@" + summary.version);
  }
  return ids;
}

bool has_problem(const PackState& state, const fs::path& path, std::string_view text = {}) {
  return std::any_of(state.problems.begin(), state.problems.end(), [&](const careguard::PackProblem& p) {
    return p.path == path.string() && p.error.find(text) != std::string::npos;
  });
}

class PackManagerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_dir_ = new TempDir("careguard-pm-cache");
    key_ = new careguard::SigningKeyPair(careguard::generate_signing_key());
    good_ = new std::string(careguard::sign_pack(org_pack_text("fictional-org", "1.0.0", "\\bwidget\\b"), key_->secret_key));
  }
  static void TearDownTestSuite() {
    delete cache_dir_;
    delete key_;
    delete good_;
  }
  [[nodiscard]] Config config() const {
    Config config;
    config.pack_dirs = {dir_};
    config.trusted_keys = {key_->public_key};
    config.cache_dir = cache_dir_->path();
    config.pack_poll_seconds = 0.1;
    return config;
  }

  static TempDir* cache_dir_;
  static careguard::SigningKeyPair* key_;
  static std::string* good_;  // the signed fictional-org 1.0.0
  const TempDir packs_dir_{"careguard-pm-packs"};
  const fs::path& dir_ = packs_dir_.path();
};
TempDir* PackManagerTest::cache_dir_ = nullptr;
careguard::SigningKeyPair* PackManagerTest::key_ = nullptr;
std::string* PackManagerTest::good_ = nullptr;

TEST_F(PackManagerTest, SignedPackLoadsOthersAreRefusedAndTheCacheIsUsed) {
  write_file(dir_ / "good.cgpack", *good_);
  const std::string unsigned_text = org_pack_text("unsigned-org", "1.0.0", "\\bgadget\\b");
  write_file(dir_ / "unsigned.cgpack", unsigned_text);
  auto tampered = json::parse(careguard::sign_pack(org_pack_text("tampered-org", "1.0.0", "\\bgizmo\\b"), key_->secret_key));
  tampered["pack"] = org_pack_text("tampered-org", "1.0.0", "\\bgizmo\\b|\\bdoohickey\\b");
  write_file(dir_ / "tampered.cgpack.json", tampered.dump());
  const auto stranger = careguard::generate_signing_key();
  write_file(dir_ / "wrong-key.cgpack", careguard::sign_pack(org_pack_text("stranger-org", "1.0.0", "\\bsprocket\\b"),
                                                               stranger.secret_key));
  write_file(dir_ / "notes.txt", "not a pack, not looked at");

  PackManager manager(config());
  EXPECT_EQ(manager.state(), nullptr);
  manager.load();
  const auto state = manager.state();
  ASSERT_NE(state, nullptr);
  ASSERT_NE(state->engine, nullptr);
  EXPECT_EQ(pack_ids(*state),
            (std::vector<std::string>{careguard::builtin_base_pack().id + "@" + careguard::builtin_base_pack().version,
                                      "fictional-org@1.0.0"}));
  EXPECT_TRUE(has_rule(state->engine->scan("the widget broke"), "org.widget"));
  EXPECT_TRUE(has_rule(state->engine->scan("NHS no 943 476 5919"), "pid.nhs-number"));
  EXPECT_EQ(state->problems.size(), 3U);
  EXPECT_TRUE(has_problem(*state, dir_ / "unsigned.cgpack", "not signed"));
  EXPECT_TRUE(has_problem(*state, dir_ / "tampered.cgpack.json"));
  EXPECT_TRUE(has_problem(*state, dir_ / "wrong-key.cgpack"));
  EXPECT_FALSE(has_problem(*state, dir_ / "notes.txt"));
  EXPECT_FALSE(state->last_reload.empty());
  EXPECT_FALSE(manager.poll());  // nothing changed

  // A second manager over the same packs loads the compiled database from the cache.
  PackManager second(config());
  second.load();
  EXPECT_TRUE(second.state()->engine->loaded_from_cache());
  EXPECT_EQ(second.state()->engine->content_hash(), state->engine->content_hash());
  EXPECT_EQ(second.state()->engine->scan("a widget and NHS 943 476 5919").findings,
            state->engine->scan("a widget and NHS 943 476 5919").findings);
}

TEST_F(PackManagerTest, PackThatDoesNotCompileIsRefusedByRuleId) {
  write_file(dir_ / "good.cgpack", *good_);
  write_file(dir_ / "broken.cgpack",
             careguard::sign_pack(org_pack_text("broken-org", "1.0.0", "(unclosed", "org.broken-rule"), key_->secret_key));
  PackManager manager(config());
  manager.load();
  const auto state = manager.state();
  ASSERT_NE(state, nullptr);
  EXPECT_TRUE(has_problem(*state, dir_ / "broken.cgpack", "org.broken-rule"));
  EXPECT_EQ(state->problems.size(), 1U);
  const auto ids = pack_ids(*state);
  EXPECT_EQ(ids.size(), 2U);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "fictional-org@1.0.0"), ids.end());
  EXPECT_TRUE(has_rule(state->engine->scan("NHS no 943 476 5919"), "pid.nhs-number"));
  EXPECT_TRUE(has_rule(state->engine->scan("the widget broke"), "org.widget"));
}

TEST_F(PackManagerTest, BrokenReplacementKeepsTheLastGoodVersion) {
  const fs::path path = dir_ / "org.cgpack";
  write_file(path, *good_);
  PackManager manager(config());
  manager.load();
  ASSERT_TRUE(has_rule(manager.state()->engine->scan("a widget"), "org.widget"));
  const auto first_reloads = manager.state()->reloads;

  // A tampered version 2: refused, version 1 stays in force.
  auto tampered = json::parse(careguard::sign_pack(org_pack_text("fictional-org", "2.0.0", "\\bwidget\\b"), key_->secret_key));
  tampered["pack"] = org_pack_text("fictional-org", "2.0.0", "\\bwidgets?\\b");
  write_file(path, tampered.dump());
  bump_mtime(path);
  EXPECT_TRUE(manager.poll());
  auto state = manager.state();
  EXPECT_GT(state->reloads, first_reloads);
  EXPECT_TRUE(has_problem(*state, path));
  EXPECT_EQ(pack_ids(*state).back(), "fictional-org@1.0.0");
  EXPECT_TRUE(has_rule(state->engine->scan("a widget"), "org.widget"));

  // A properly signed version 2 whose pattern does not compile: refused, version 1 stays.
  write_file(path, careguard::sign_pack(org_pack_text("fictional-org", "2.0.0", "(widget"), key_->secret_key));
  bump_mtime(path);
  EXPECT_TRUE(manager.poll());
  state = manager.state();
  EXPECT_TRUE(has_problem(*state, path, "org.widget"));
  ASSERT_EQ(pack_ids(*state).size(), 2U);
  EXPECT_EQ(pack_ids(*state).back(), "fictional-org@1.0.0");
  EXPECT_TRUE(has_rule(state->engine->scan("a widget"), "org.widget"));

  // The good version back: no problems.
  write_file(path, *good_);
  bump_mtime(path);
  EXPECT_TRUE(manager.poll());
  EXPECT_TRUE(manager.state()->problems.empty());
  EXPECT_TRUE(has_rule(manager.state()->engine->scan("a widget"), "org.widget"));
}

TEST_F(PackManagerTest, InstallWritesAndSwaps) {
  const fs::path user_packs = dir_ / "user";
  Config cfg = config();
  cfg.pack_dirs = {dir_ / "system", user_packs};  // install writes to the last
  PackManager manager(cfg);
  manager.load();
  ASSERT_EQ(manager.state()->engine->packs().size(), 1U);

  // Refused packs write nothing.
  EXPECT_THROW((void)manager.install(org_pack_text("fictional-org", "1.0.0", "\\bwidget\\b")), PackError);
  const auto stranger = careguard::generate_signing_key();
  EXPECT_THROW((void)manager.install(careguard::sign_pack(org_pack_text("fictional-org", "1.0.0", "\\bwidget\\b"),
                                                           stranger.secret_key)),
               PackError);
  try {
    (void)manager.install(
        careguard::sign_pack(org_pack_text("broken-org", "1.0.0", "(x", "org.install-broken"), key_->secret_key));
    ADD_FAILURE() << "a pack that does not compile was installed";
  } catch (const PackError& error) {
    EXPECT_NE(std::string(error.what()).find("org.install-broken"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(fs::exists(user_packs) && !fs::is_empty(user_packs));

  const auto summary = manager.install(*good_);
  EXPECT_EQ(summary.id, "fictional-org");
  EXPECT_EQ(summary.version, "1.0.0");
  EXPECT_EQ(summary.rules, 1U);
  EXPECT_EQ(fs::path(summary.source), user_packs / "fictional-org.cgpack");
  ASSERT_TRUE(fs::exists(user_packs / "fictional-org.cgpack"));
  std::ifstream in(user_packs / "fictional-org.cgpack", std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, *good_);
  const auto state = manager.state();
  EXPECT_EQ(state->engine->packs().size(), 2U);
  EXPECT_TRUE(has_rule(state->engine->scan("a widget"), "org.widget"));
  for (const auto& entry : fs::directory_iterator(user_packs)) {
    EXPECT_EQ(entry.path().extension(), ".cgpack") << entry.path();  // no temporary file left
  }
}

TEST_F(PackManagerTest, ReloadWhileScanning) {
  const fs::path path = dir_ / "org.cgpack";
  write_file(path, *good_);
  PackManager manager(config());
  manager.load();
  std::atomic<bool> stop{false};
  std::atomic<long> scans{0};
  std::atomic<long> misses{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        const auto state = manager.state();
        const auto result = state->engine->scan("NHS no 943 476 5919 and a widget");
        if (!has_rule(result, "pid.nhs-number")) {
          ++misses;
        }
        ++scans;
      }
    });
  }
  std::uint64_t last = manager.state()->reloads;
  for (int i = 0; i < 6; ++i) {
    if (i % 2 == 0) {
      write_file(path, *good_);
    } else {
      write_file(path, "{\"format\": \"careguard-signed-pack/1\", \"pack\": \"{}\", \"signature\": \"AA==\"}");
    }
    bump_mtime(path);
    EXPECT_TRUE(manager.poll());
    EXPECT_GT(manager.state()->reloads, last);
    last = manager.state()->reloads;
    EXPECT_EQ(pack_ids(*manager.state()).back(), "fictional-org@1.0.0");  // good, or kept as last good
  }
  const long before = scans.load();
  while (scans.load() < before + 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_GT(scans.load(), 20);
  EXPECT_EQ(misses.load(), 0);
}

TEST_F(PackManagerTest, WatcherPicksUpNewPacks) {
  PackManager manager(config());
  manager.load();
  ASSERT_EQ(manager.state()->engine->packs().size(), 1U);
  manager.start_watching();
  write_file(dir_ / "good.cgpack", *good_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (manager.state()->engine->packs().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  manager.stop();
  EXPECT_EQ(manager.state()->engine->packs().size(), 2U);
  EXPECT_TRUE(has_rule(manager.state()->engine->scan("a widget"), "org.widget"));
}

}  // namespace
