// careguard::DatabaseCache: store/load, rejection (and removal) of bad files, unwritable
// directories; and the Engine compiled once, then loaded from the cache, recompiling when any part
// of the cached payload is damaged, and sharing a database between packs with the same patterns.

#include "careguard/database_cache.hpp"
#include "careguard/engine.hpp"
#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"
#include "careguard/pack.hpp"

#include "../support/files.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using careguard::DatabaseCache;
using careguard::testing::read_file;
using careguard::testing::TempDir;
using careguard::testing::write_file;

/// The payload under the key, or `otherwise` when there is none.
std::string loaded_or(const DatabaseCache& cache, const std::string& key, const std::string& otherwise) {
  const auto loaded = cache.load(key);
  return loaded ? std::string(loaded->bytes()) : otherwise;
}

class DatabaseCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = DatabaseCache::key_for("content-hash-of-some-fictional-packs");
    payload_ = std::string("database bytes \0 with a NUL and more", 36);
    for (int i = 0; i < 1000; ++i) {
      payload_.push_back(static_cast<char>(i % 251));
    }
  }
  const TempDir temp_{"careguard-cache-test"};
  const fs::path& dir_ = temp_.path();
  std::string key_;
  std::string payload_;
};

TEST_F(DatabaseCacheTest, KeysAreStableHexAndDependOnContent) {
  EXPECT_EQ(key_.size(), 64U);
  EXPECT_EQ(key_.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(DatabaseCache::key_for("content-hash-of-some-fictional-packs"), key_);
  EXPECT_NE(DatabaseCache::key_for("other content"), key_);
}

TEST_F(DatabaseCacheTest, StoreThenLoadReturnsTheBytes) {
  const DatabaseCache cache(dir_ / "nested" / "cache");  // created on store
  EXPECT_FALSE(cache.load(key_).has_value());
  ASSERT_TRUE(cache.store(key_, payload_));
  EXPECT_TRUE(fs::exists(cache.path_for(key_)));
  const auto loaded = cache.load(key_);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->bytes(), payload_);
  // No temporary files left behind.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "nested" / "cache")) {
    EXPECT_EQ(entry.path().extension(), ".hsdb") << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 1);
  // Storing again replaces.
  ASSERT_TRUE(cache.store(key_, "shorter"));
  EXPECT_EQ(loaded_or(cache, key_, ""), "shorter");
  ASSERT_TRUE(cache.store(key_, ""));
  EXPECT_EQ(loaded_or(cache, key_, "x"), "");
}

TEST_F(DatabaseCacheTest, StoringKeepsOnlyTheMostRecentlyUsedDatabases) {
  const DatabaseCache cache(dir_);
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) {
    keys.push_back(DatabaseCache::key_for("fictional packs, version " + std::to_string(i)));
  }
  write_file(dir_ / "notes.txt", "not ours");  // never pruned: not a database file name
  const auto age = [&](const std::string& key, int minutes) {
    fs::last_write_time(cache.path_for(key), fs::file_time_type::clock::now() - std::chrono::minutes(minutes));
  };
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(cache.store(keys[i], payload_));
    age(keys[i], 100 - static_cast<int>(i));  // stored in turn, oldest first
  }
  // The oldest set is loaded again (a host still uses it): that makes it recent.
  ASSERT_TRUE(cache.load(keys[0]).has_value());
  ASSERT_TRUE(cache.store(keys[4], payload_));
  const auto cached = [&](std::size_t i) { return fs::exists(cache.path_for(keys[i])); };
  EXPECT_EQ(DatabaseCache::kKeptDatabases, 4U);
  EXPECT_TRUE(cached(0)) << "used a moment ago";
  EXPECT_FALSE(cached(1)) << "the least recently used";
  EXPECT_TRUE(cached(2));
  EXPECT_TRUE(cached(3));
  EXPECT_TRUE(cached(4)) << "just stored";
  ASSERT_TRUE(cache.store(keys[5], payload_));
  ASSERT_TRUE(cache.store(keys[6], payload_));
  int databases = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    databases += entry.path().extension() == ".hsdb" ? 1 : 0;
  }
  EXPECT_EQ(databases, 4);
  EXPECT_TRUE(cached(6));
  EXPECT_TRUE(fs::exists(dir_ / "notes.txt"));
  EXPECT_EQ(loaded_or(cache, keys[6], ""), payload_);
}

TEST_F(DatabaseCacheTest, WrongKeyGivesNothing) {
  const DatabaseCache cache(dir_);
  ASSERT_TRUE(cache.store(key_, payload_));
  EXPECT_FALSE(cache.load(DatabaseCache::key_for("other packs")).has_value());
  // A file under this key's name written for another key (same first 32 hex digits) is refused.
  std::string other_key = key_;
  other_key[63] = other_key[63] == '0' ? '1' : '0';
  ASSERT_EQ(cache.path_for(other_key), cache.path_for(key_));
  EXPECT_FALSE(cache.load(other_key).has_value());
  EXPECT_FALSE(fs::exists(cache.path_for(key_)));  // removed as made for other packs
}

TEST_F(DatabaseCacheTest, TruncatedFileIsRejectedAndRemoved) {
  const DatabaseCache cache(dir_);
  ASSERT_TRUE(cache.store(key_, payload_));
  const auto path = cache.path_for(key_);
  const std::string file = read_file(path);
  write_file(path, file.substr(0, file.size() - 10));
  EXPECT_FALSE(cache.load(key_).has_value());
  EXPECT_FALSE(fs::exists(path));
  // Truncated inside the header, too.
  ASSERT_TRUE(cache.store(key_, payload_));
  write_file(path, file.substr(0, 20));
  EXPECT_FALSE(cache.load(key_).has_value());
  EXPECT_FALSE(fs::exists(path));
}


TEST_F(DatabaseCacheTest, WrongMagicIsRejected) {
  const DatabaseCache cache(dir_);
  ASSERT_TRUE(cache.store(key_, payload_));
  const auto path = cache.path_for(key_);
  std::string file = read_file(path);
  file[0] = 'X';
  write_file(path, file);
  EXPECT_FALSE(cache.load(key_).has_value());
  EXPECT_FALSE(fs::exists(path));
  write_file(path, "not a cache file at all");
  EXPECT_FALSE(cache.load(key_).has_value());
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(DatabaseCacheTest, UnwritableDirectoryReturnsFalse) {
  if (::geteuid() != 0) {
    const fs::path locked = dir_ / "locked";
    fs::create_directories(locked);
    ASSERT_EQ(::chmod(locked.c_str(), 0500), 0);
    const DatabaseCache cache(locked);
    EXPECT_FALSE(cache.store(key_, payload_));
    EXPECT_FALSE(cache.load(key_).has_value());
    ::chmod(locked.c_str(), 0700);
  }
  // As root (and as anyone) a directory whose parent is a regular file cannot be created.
  write_file(dir_ / "plain-file", "x");
  const DatabaseCache cache(dir_ / "plain-file" / "cache");
  EXPECT_FALSE(cache.store(key_, payload_));
  EXPECT_FALSE(cache.load(key_).has_value());
}

TEST_F(DatabaseCacheTest, TheLastStartsKeyIsNotedAndReadBack) {
  const DatabaseCache cache(dir_);
  EXPECT_FALSE(cache.last_key().has_value());
  cache.remember(key_);
  EXPECT_EQ(cache.last_key(), key_);
  const auto other = DatabaseCache::key_for("other content");
  cache.remember(other);
  EXPECT_EQ(cache.last_key(), other);
  cache.remember("not a key");  // ignored
  EXPECT_EQ(cache.last_key(), other);
  // A note that is not exactly one key is no note.
  for (const auto& text : {other + "0", other.substr(1), std::string(64, 'Z'), std::string()}) {
    write_file(dir_ / "last-start.key", text);
    EXPECT_FALSE(cache.last_key().has_value()) << text;
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) {
    ++entries;
  }
  EXPECT_EQ(entries, 1U);  // no temporary left behind
}

TEST(EngineCache, APreloadedDatabaseIsTakenOverOnlyByThePacksItWasMadeFor) {
  const TempDir dir("careguard-cache-test");
  const DatabaseCache cache(dir.path());
  EXPECT_EQ(careguard::Engine::preload(cache), nullptr);  // nothing noted yet
  const std::vector<const careguard::Pack*> base{&careguard::builtin_base_pack()};
  const auto compiled = careguard::Engine::build(base, &cache);
  cache.remember(DatabaseCache::key_for(compiled->content_hash()));

  auto preloaded = careguard::Engine::preload(cache);
  ASSERT_NE(preloaded, nullptr);
  const auto adopted = careguard::Engine::build(base, &cache, nullptr, std::move(preloaded));
  EXPECT_TRUE(adopted->loaded_from_cache());
  EXPECT_EQ(adopted->stats().database_bytes, compiled->stats().database_bytes);
  for (const std::string text : {"NHS no 943 476 5919", "my client Mrs K lives at SW1A 1AA, call 07700 900123",
                                 "card 4111 1111 1111 1111 sort code 12-34-56 account 31926819"}) {
    EXPECT_EQ(adopted->scan(text).findings, compiled->scan(text).findings) << text;
  }

  // Packs that compile to another database leave the preload alone and get their own.
  const careguard::Pack extra = careguard::parse_pack(
      {{"id", "extra-test"},
       {"version", "1.0.0"},
       {"rules",
        {{{"id", "extra.ward"}, {"category", "internal"}, {"severity", "warn"}, {"clause", "9.9"},
          {"message", "A fictional test rule."}, {"patterns", {"\\bward \\d+\\b"}}}}}},
      "test:extra");
  const std::vector<const careguard::Pack*> with_extra{&careguard::builtin_base_pack(), &extra};
  const auto other = careguard::Engine::build(with_extra, &cache, nullptr, careguard::Engine::preload(cache));
  EXPECT_FALSE(other->loaded_from_cache());
  EXPECT_EQ(other->stats().expressions, compiled->stats().expressions + 1);
  EXPECT_FALSE(other->scan("she is on ward 12").findings.empty());
  EXPECT_TRUE(compiled->scan("she is on ward 12").findings.empty());

  // A damaged noted database does not preload; the build compiles afresh as before.
  const auto key = DatabaseCache::key_for(compiled->content_hash());
  std::string bytes = read_file(cache.path_for(key));
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
  write_file(cache.path_for(key), bytes);
  EXPECT_EQ(careguard::Engine::preload(cache), nullptr);
}

TEST(EngineCache, SecondBuildLoadsFromTheCacheAndScansIdentically) {
  const TempDir dir("careguard-cache-test");
  const DatabaseCache cache(dir.path());
  const std::vector<careguard::Pack> packs{careguard::builtin_base_pack()};
  const auto first = careguard::Engine::build(packs, &cache);
  EXPECT_FALSE(first->loaded_from_cache());
  const auto key = DatabaseCache::key_for(first->content_hash());
  EXPECT_TRUE(fs::exists(cache.path_for(key)));
  const auto second = careguard::Engine::build(packs, &cache);
  EXPECT_TRUE(second->loaded_from_cache());
  EXPECT_EQ(second->content_hash(), first->content_hash());
  EXPECT_EQ(second->stats().rules, first->stats().rules);
  EXPECT_EQ(second->stats().expressions, first->stats().expressions);
  for (const std::string& text : std::vector<std::string>{
           std::string("NHS no 943 476 5919"), std::string("my client Mrs K lives at SW1A 1AA, call 07700 900123"),
        std::string("\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC her NHS 9 4 3 4 7 6 5 9 1 9 and NI AB 12 34 56 C"),
        std::string("card 4111 1111 1111 1111 sort code 12-34-56 account 31926819"), std::string("nothing here")}) {
    const auto a = first->scan(text);
    const auto b = second->scan(text);
    EXPECT_EQ(a.findings, b.findings) << text;
    EXPECT_EQ(a.truncated, b.truncated);
  }
  EXPECT_FALSE(first->scan("NHS no 943 476 5919").findings.empty());
  // A corrupt cache file means a fresh compile, not a failure.
  {
    std::string bytes = read_file(cache.path_for(key));
    ASSERT_GT(bytes.size(), 200U);
    bytes[200] = static_cast<char>(bytes[200] ^ 0x5a);
    write_file(cache.path_for(key), bytes);
  }
  const auto third = careguard::Engine::build(packs, &cache);
  EXPECT_FALSE(third->loaded_from_cache());
  EXPECT_EQ(third->scan("NHS no 943 476 5919").findings, first->scan("NHS no 943 476 5919").findings);
}

TEST(EngineCache, ADamagedByteAnywhereInThePayloadMeansAFreshCompile) {
  // A validated pattern and a short one (both with start databases) and a wide one (none), so the
  // payload has a table, a main database and start databases to damage.
  const nlohmann::json base = {{"category", "internal"}, {"severity", "warn"}, {"clause", "9.9"}, {"message", "Fictional."}};
  nlohmann::json nhs = base;
  nhs.update({{"id", "t.nhs"}, {"validator", "nhs-number"}, {"patterns", {"\\b\\d{3} ?\\d{3} ?\\d{4}\\b"}}});
  nlohmann::json widget = base;
  widget.update({{"id", "t.widget"}, {"patterns", {"\\bwidget\\b"}}});
  nlohmann::json wide = base;
  wide.update({{"id", "t.wide"}, {"patterns", {"\\bgadget\\b[^.]{0,150}\\bbroke\\b"}}});
  const std::vector<careguard::Pack> packs{careguard::parse_pack(
      {{"id", "damage-test"}, {"version", "1.0.0"}, {"kind", "base"}, {"rules", {nhs, widget, wide}}}, "test")};
  const std::string text = "NHS 943 476 5919, the widget and the gadget in the hall broke";
  const TempDir temp{"careguard-cache-test"};
  const fs::path& dir = temp.path();
  const DatabaseCache cache(dir);
  const auto first = careguard::Engine::build(packs, &cache);
  const auto expected = first->scan(text).findings;
  ASSERT_EQ(expected.size(), 3U);
  const fs::path path = cache.path_for(DatabaseCache::key_for(first->content_hash()));
  const std::size_t size = fs::file_size(path);
  // The table (just past the 80-byte file header), the main database, the last start database
  // (each serialised database ends in a few bytes of padding that no one reads: not those).
  for (const std::size_t at : {std::size_t{100}, size / 2, size - 200}) {
    ASSERT_TRUE(careguard::Engine::build(packs, &cache)->loaded_from_cache()) << "a whole file loads";
    std::string bytes = read_file(path);
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    write_file(path, bytes);
    const auto rebuilt = careguard::Engine::build(packs, &cache);
    EXPECT_FALSE(rebuilt->loaded_from_cache()) << "byte " << at << " of " << size;
    EXPECT_EQ(rebuilt->scan(text).findings, expected) << "byte " << at;
  }
}

/// A fictional organisation's pack: one pattern rule, one terms rule and one name-list rule.
careguard::Pack org_pack(const std::string& version, const std::string& pattern, const std::string& term,
                         const careguard::PersonName& person) {
  using nlohmann::json;
  const careguard::Normalizer normalizer;
  const json rule_base = {{"category", "internal"}, {"severity", "warn"}, {"clause", "9.9"}};
  json pattern_rule = rule_base;
  pattern_rule.update({{"id", "org.pattern"}, {"message", "Version " + version + "."}, {"patterns", {pattern}}});
  json terms_rule = rule_base;
  terms_rule.update({{"id", "org.terms"}, {"message", "An internal project."}, {"terms", {term}}});
  json names_rule = rule_base;
  names_rule.update({{"id", "org.names"}, {"message", "A service user's name."}, {"names", "service-user"}});
  const json document = {{"id", "fictional-org"},
                         {"version", version},
                         {"kind", "org"},
                         {"rules", {pattern_rule, terms_rule, names_rule}},
                         {"names", careguard::NameIndex::build_json({person}, {}, normalizer)}};
  return careguard::parse_pack(document, "test:fictional-org@" + version);
}

bool has(const careguard::ScanResult& result, std::string_view rule) {
  for (const auto& finding : result.findings) {
    if (finding.rule == rule) {
      return true;
    }
  }
  return false;
}

TEST(EngineCache, PacksDifferingOnlyInTermsNamesAndMessagesShareTheDatabase) {
  const TempDir temp{"careguard-cache-test"};
  const fs::path& dir = temp.path();
  const DatabaseCache cache(dir);
  const auto first =
      careguard::Engine::build({org_pack("1.0.0", "\\bwidget\\b", "project bluebird", {"Doris", "Baker", ""})}, &cache);
  EXPECT_FALSE(first->loaded_from_cache());

  // New terms, a new name list and new messages: the same expressions, so the same database.
  const auto second =
      careguard::Engine::build({org_pack("1.1.0", "\\bwidget\\b", "project kestrel", {"Arthur", "Finch", ""})}, &cache);
  EXPECT_TRUE(second->loaded_from_cache());
  EXPECT_EQ(second->content_hash(), first->content_hash());
  // ... and the engine is the new pack's, not the old one's.
  EXPECT_TRUE(has(second->scan("the project kestrel rota"), "org.terms"));
  EXPECT_FALSE(has(second->scan("the project bluebird rota"), "org.terms"));
  EXPECT_TRUE(has(second->scan("Arthur Finch came round"), "org.names"));
  EXPECT_FALSE(has(second->scan("Doris Baker came round"), "org.names"));
  const auto widget = second->scan("the widget broke");
  ASSERT_EQ(widget.findings.size(), 1U);
  EXPECT_EQ(widget.findings[0].message, "Version 1.1.0.");

  // A changed pattern is a different database.
  const auto third =
      careguard::Engine::build({org_pack("1.2.0", "\\bsprocket\\b", "project kestrel", {"Arthur", "Finch", ""})}, &cache);
  EXPECT_FALSE(third->loaded_from_cache());
  EXPECT_NE(third->content_hash(), first->content_hash());
  EXPECT_TRUE(has(third->scan("the sprocket broke"), "org.pattern"));
  EXPECT_FALSE(has(third->scan("the widget broke"), "org.pattern"));
}

}  // namespace
