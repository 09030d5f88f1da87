// careguard audit log: event validation (no free text gets in), the written line's keys,
// rotation, concurrent writers, the disabled switch and pseudonymous ids.

#include "careguard/audit_log.hpp"

#include "../support/files.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using careguard::AuditEvent;
using careguard::AuditLog;
using careguard::AuditSettings;
using careguard::testing::lines_of;
using careguard::testing::TempDir;
using nlohmann::json;

json valid_event() {
  return {{"rule", "pid.nhs-number"},
          {"category", "personal-identifier"},
          {"severity", "block"},
          {"site", "www.facebook.com"},
          {"action", "posted_anyway"},
          {"reason", "consent_given"}};
}

std::optional<AuditEvent> parse(const json& event, std::string* error_out = nullptr) {
  std::string error;
  auto out = careguard::parse_audit_event(event, error);
  if (error_out != nullptr) {
    *error_out = error;
  }
  if (!out) {
    EXPECT_FALSE(error.empty());
  }
  return out;
}

AuditEvent event_for(const std::string& action) {
  return {"pid.nhs-number", "personal-identifier", "block", "www.facebook.com", action, ""};
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.path = dir_.path() / "logs" / "audit.jsonl";
    settings_.pseudonym_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  }
  const TempDir dir_{"careguard-audit-test"};
  AuditSettings settings_;
};

TEST(ParseAuditEvent, AcceptsValidEvents) {
  const auto event = parse(valid_event());
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->rule, "pid.nhs-number");
  EXPECT_EQ(event->category, "personal-identifier");
  EXPECT_EQ(event->severity, "block");
  EXPECT_EQ(event->site, "www.facebook.com");
  EXPECT_EQ(event->action, "posted_anyway");
  EXPECT_EQ(event->reason, "consent_given");
  for (const char* action : {"shown", "edited", "dismissed", "reported_fine", "posted_anyway", "blocked",
                             "concern_reported", "attachment_confirmed", "attachment_cancelled"}) {
    auto doc = valid_event();
    doc["action"] = action;
    EXPECT_TRUE(parse(doc).has_value()) << action;
  }
  for (const char* reason : {"consent_given", "not_about_a_client", "public_information", "false_alarm", "other"}) {
    auto doc = valid_event();
    doc["reason"] = reason;
    EXPECT_TRUE(parse(doc).has_value()) << reason;
  }
  auto no_reason = valid_event();
  no_reason.erase("reason");
  no_reason.erase("site");  // site is optional
  EXPECT_TRUE(parse(no_reason).has_value());
}

TEST(ParseAuditEvent, RejectsUnknownValues) {
  auto action = valid_event();
  action["action"] = "deleted";
  std::string error;
  EXPECT_FALSE(parse(action, &error).has_value());
  EXPECT_NE(error.find("action"), std::string::npos);

  auto reason = valid_event();
  reason["reason"] = "my client said it was fine";  // free text
  EXPECT_FALSE(parse(reason, &error).has_value());
  EXPECT_NE(error.find("reason"), std::string::npos);

  for (const char* severity : {"critical", "BLOCK", ""}) {
    auto doc = valid_event();
    doc["severity"] = severity;
    EXPECT_FALSE(parse(doc).has_value()) << severity;
  }
  EXPECT_FALSE(parse(json::array()).has_value());
  auto missing = valid_event();
  missing.erase("action");
  EXPECT_FALSE(parse(missing).has_value());
  auto wrong_type = valid_event();
  wrong_type["action"] = 3;
  EXPECT_FALSE(parse(wrong_type).has_value());
}

TEST(ParseAuditEvent, RejectsFreeTextInIds) {
  for (const char* rule : {"Doris Baker has dementia", "pid nhs", "PID.NHS", "pid/nhs", "", "r\xC3\xA9gle"}) {
    auto doc = valid_event();
    doc["rule"] = rule;
    EXPECT_FALSE(parse(doc).has_value()) << rule;
  }
  auto long_rule = valid_event();
  long_rule["rule"] = std::string(81, 'a');
  EXPECT_FALSE(parse(long_rule).has_value());
  auto category = valid_event();
  category["category"] = "service user";
  EXPECT_FALSE(parse(category).has_value());
  auto site = valid_event();
  site["site"] = "https://www.facebook.com/posts/123";
  EXPECT_FALSE(parse(site).has_value());
}

TEST_F(AuditLogTest, LineHasOnlyTheDocumentedKeys) {
  auto doc = valid_event();
  doc["text"] = "Doris Baker fell in the bathroom";  // must never reach the log
  doc["extra"] = {{"nested", true}};
  const auto event = parse(doc);
  ASSERT_TRUE(event.has_value());
  AuditLog log(settings_, "0.1.0", "uk-care-base@0.1.0");
  EXPECT_EQ(log.path(), settings_.path);
  ASSERT_TRUE(log.record(*event));
  ASSERT_TRUE(log.record(event_for("shown")));
  const auto lines = lines_of(settings_.path);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].find("Doris"), std::string::npos);
  EXPECT_EQ(lines[0].find("nested"), std::string::npos);
  const auto first = json::parse(lines[0]);
  std::set<std::string> keys;
  for (const auto& [key, value] : first.items()) {
    keys.insert(key);
    EXPECT_TRUE(value.is_string()) << key;
  }
  EXPECT_EQ(keys, (std::set<std::string>{"time", "rule", "category", "severity", "site", "action", "host_version",
                                         "packs", "device", "user", "reason"}));
  EXPECT_EQ(first.at("rule"), "pid.nhs-number");
  EXPECT_EQ(first.at("action"), "posted_anyway");
  EXPECT_EQ(first.at("reason"), "consent_given");
  EXPECT_EQ(first.at("host_version"), "0.1.0");
  EXPECT_EQ(first.at("packs"), "uk-care-base@0.1.0");
  const std::string time = first.at("time");
  EXPECT_EQ(time.size(), 20U) << time;  // 2024-01-31T12:34:56Z
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(time[10], 'T');
  // Without a reason, the key is absent.
  const auto second = json::parse(lines[1]);
  EXPECT_FALSE(second.contains("reason"));
  EXPECT_EQ(second.size(), 10U);
  // Pack versions can change.
  log.set_pack_versions("uk-care-base@0.1.0,fictional-org@2.0.0");
  ASSERT_TRUE(log.record(event_for("edited")));
  EXPECT_EQ(json::parse(lines_of(settings_.path).at(2)).at("packs"), "uk-care-base@0.1.0,fictional-org@2.0.0");
}

TEST_F(AuditLogTest, DeviceAndUserIdsAreStableHex) {
  std::string device;
  std::string user;
  {
    AuditLog log(settings_, "0.1.0", "");
    ASSERT_TRUE(log.record(event_for("shown")));
    const auto line = json::parse(lines_of(settings_.path).at(0));
    device = line.at("device");
    user = line.at("user");
  }
  for (const auto& id : {device, user}) {
    EXPECT_EQ(id.size(), 16U);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  {
    AuditLog log(settings_, "0.1.0", "");  // same key: same ids
    ASSERT_TRUE(log.record(event_for("shown")));
    const auto line = json::parse(lines_of(settings_.path).at(1));
    EXPECT_EQ(line.at("device"), device);
    EXPECT_EQ(line.at("user"), user);
  }
  {
    AuditSettings other = settings_;
    other.pseudonym_key = "another fictional organisation key";
    AuditLog log(other, "0.1.0", "");
    ASSERT_TRUE(log.record(event_for("shown")));
    const auto line = json::parse(lines_of(settings_.path).at(2));
    EXPECT_NE(line.at("device"), device);
    EXPECT_NE(line.at("user"), user);
  }
}

TEST_F(AuditLogTest, RotationBySizeKeepsNFiles) {
  settings_.max_bytes = 600;
  settings_.keep_files = 2;
  AuditLog log(settings_, "0.1.0", "uk-care-base@0.1.0");
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(log.record(event_for(i % 2 == 0 ? "shown" : "edited")));
  }
  const std::string base = settings_.path.string();
  EXPECT_TRUE(fs::exists(base));
  EXPECT_TRUE(fs::exists(base + ".1"));
  EXPECT_TRUE(fs::exists(base + ".2"));
  EXPECT_FALSE(fs::exists(base + ".3"));
  for (const auto& path : {base, base + ".1", base + ".2"}) {
    EXPECT_LE(fs::file_size(path), settings_.max_bytes) << path;
    const auto lines = lines_of(path);
    EXPECT_FALSE(lines.empty()) << path;
    for (const auto& line : lines) {
      EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded()) << line;
    }
  }
  // The newest event is in the live file.
  EXPECT_EQ(json::parse(lines_of(base).back()).at("action"), "edited");
}

TEST_F(AuditLogTest, ConcurrentWritersWriteWholeLines) {
  AuditLog log(settings_, "0.1.0", "uk-care-base@0.1.0");
  constexpr int kThreads = 4;
  constexpr int kEach = 250;
  std::vector<std::thread> threads;
  const std::vector<std::string> actions = {"shown", "edited", "dismissed", "blocked"};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, &actions, t] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(log.record(event_for(actions[static_cast<std::size_t>(t)])));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto lines = lines_of(settings_.path);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kEach));
  std::map<std::string, int> per_action;
  for (const auto& line : lines) {
    const auto parsed = json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    ++per_action[parsed.at("action").get<std::string>()];
  }
  for (const auto& action : actions) {
    EXPECT_EQ(per_action[action], kEach) << action;
  }
}

TEST_F(AuditLogTest, DisabledWritesNothing) {
  settings_.enabled = false;
  AuditLog log(settings_, "0.1.0", "");
  EXPECT_TRUE(log.record(event_for("shown")));
  EXPECT_FALSE(fs::exists(settings_.path));
  EXPECT_FALSE(fs::exists(settings_.path.parent_path()));
}

TEST_F(AuditLogTest, UnwritablePathReturnsFalse) {
  std::ofstream(dir_.path() / "plain-file") << "x";
  settings_.path = dir_.path() / "plain-file" / "audit.jsonl";  // parent is a regular file
  AuditLog log(settings_, "0.1.0", "");
  EXPECT_FALSE(log.record(event_for("shown")));
}

}  // namespace
