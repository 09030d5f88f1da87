// Audit summaries (careguard audit summary) over generated logs with known counts; rotation and
// retention; a SIGKILL while writing loses no completed event; concurrent record() under scans;
// no event or report ever holds a word of the scanned text.

#include "careguard/audit_log.hpp"
#include "careguard/audit_report.hpp"
#include "careguard/host_session.hpp"

#include "../support/base_pack_manager.hpp"
#include "../support/files.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace careguard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using careguard::testing::lines_of;
using careguard::testing::read_file;
using careguard::testing::TempDir;

AuditSettings settings_for(const fs::path& path) {
  AuditSettings settings;
  settings.path = path;
  settings.pseudonym_key = "test-key";
  return settings;
}

std::uint64_t at(const AuditCounts& counts, const std::string& key) {
  const auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

// ---- the summary's counts against a generated log ---------------------------------------------

struct Rule {
  const char* id;
  const char* category;
  const char* severity;
};
constexpr std::array<Rule, 4> kRules = {{{"pid.nhs-number", "personal-identifier", "block"},
                                         {"su.name", "service-user", "warn"},
                                         {"int.rota", "internal", "warn"},
                                         {"rep.company", "reputation", "info"}}};
constexpr std::array<const char*, 3> kSites = {"facebook.com", "x.com", "linkedin.com"};
constexpr std::array<const char*, 9> kActions = {"shown",         "shown",   "edited",           "dismissed",
                                                 "reported_fine", "blocked", "posted_anyway",    "concern_reported",
                                                 "attachment_cancelled"};
constexpr std::array<const char*, 3> kReasons = {"consent_given", "false_alarm", "other"};

/// What a generated set of logs holds inside the period, counted as it is written.
struct Expected {
  std::uint64_t events = 0;
  std::uint64_t outside = 0;
  std::uint64_t malformed = 0;
  AuditCounts actions;
  std::map<std::string, AuditCounts> rules;
  std::map<std::string, AuditCounts> categories;
  std::map<std::string, AuditCounts> sites;
  AuditCounts reasons;
  AuditCounts devices;
  std::map<std::string, std::uint64_t> false_alarms;
};

/// Three laptops, each with a current log and rotations, events from April to June 2026; the
/// period is May.
Expected write_collected_logs(const fs::path& root) {
  Expected expected;
  std::mt19937 random(12345);
  const std::array<std::string, 3> laptops = {"laptop-a", "laptop-b", "laptop-c"};
  std::size_t n = 0;
  for (const auto& laptop : laptops) {
    fs::create_directories(root / laptop);
    const std::string device = std::string("dev-") + laptop;
    for (const char* file : {"audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"}) {
      std::ofstream out(root / laptop / file, std::ios::binary);
      for (int i = 0; i < 150; ++i, ++n) {
        const Rule& rule = kRules[random() % kRules.size()];
        const std::string site = kSites[random() % kSites.size()];
        const std::string action = kActions[random() % kActions.size()];
        const int month = 4 + static_cast<int>(random() % 3);
        const int day = 1 + static_cast<int>(random() % 28);
        char stamp[32];
        std::snprintf(stamp, sizeof(stamp), "2026-%02d-%02dT%02d:%02d:%02d.%03dZ", month, day, i % 24, i % 60,
                      (i * 7) % 60, i % 1000);
        json event = {{"time", stamp},         {"rule", rule.id},   {"category", rule.category},
                      {"severity", rule.severity}, {"site", site}, {"action", action},
                      {"host_version", "0.1.0"}, {"packs", "base@1"}, {"device", device},
                      {"user", "user-" + laptop}};
        std::string reason;
        if (action == "posted_anyway") {
          reason = kReasons[random() % kReasons.size()];
          event["reason"] = reason;
        }
        out << event.dump() << "\n";
        if (month != 5) {
          ++expected.outside;
          continue;
        }
        ++expected.events;
        ++expected.actions[action];
        for (auto* group : {&expected.rules[rule.id], &expected.categories[rule.category], &expected.sites[site]}) {
          ++(*group)[action];
          ++(*group)["total"];
        }
        ++expected.devices[device];
        if (!reason.empty()) {
          ++expected.reasons[reason];
          if (reason == "false_alarm") {
            ++expected.false_alarms[rule.id];
          }
        }
      }
      // Damage a collected log may have: a torn line, not JSON, not an event, blank lines.
      if (n % 2 == 0) {
        out << R"({"time":"2026-05-03T10:00:00Z","rule":"pid.nhs-num)" << "\n";
        out << "not json at all\n";
        out << R"({"time":"yesterday","rule":"x","action":"shown"})" << "\n\n";
        expected.malformed += 3;
      }
    }
  }
  // Not an audit log: ignored by the folder search.
  std::ofstream(root / "laptop-a" / "notes.txt") << "not a log\n";
  return expected;
}

TEST(AuditReportTest, CountsMatchAGeneratedLogAcrossLaptopsAndPeriod) {
  const TempDir dir;
  const Expected expected = write_collected_logs(dir.path());
  const auto files = collect_audit_files({dir.path()});
  ASSERT_EQ(files.size(), 9U);
  EXPECT_EQ(files.front().filename(), "audit.jsonl.2");  // oldest rotation first
  const AuditSummary summary = summarize_audit_files(files, AuditPeriod{"2026-05-01", "2026-05-31"});

  EXPECT_EQ(summary.events, expected.events);
  EXPECT_EQ(summary.outside_period, expected.outside);
  EXPECT_EQ(summary.malformed, expected.malformed);
  EXPECT_GT(summary.malformed, 0U);
  EXPECT_EQ(summary.lines, expected.events + expected.outside + expected.malformed);
  EXPECT_EQ(summary.by_action, expected.actions);
  EXPECT_EQ(summary.by_device, expected.devices);
  EXPECT_EQ(summary.users.size(), 3U);
  EXPECT_EQ(summary.reasons, expected.reasons);
  ASSERT_EQ(summary.by_rule.size(), expected.rules.size());
  for (const auto& [rule, counts] : expected.rules) {
    EXPECT_EQ(summary.by_rule.at(rule), counts) << rule;
  }
  for (const auto& [category, counts] : expected.categories) {
    EXPECT_EQ(summary.by_category.at(category), counts) << category;
  }
  for (const auto& [site, counts] : expected.sites) {
    EXPECT_EQ(summary.by_site.at(site), counts) << site;
  }
  EXPECT_GE(summary.first_time, std::string("2026-05-01"));
  EXPECT_LT(summary.last_time, std::string("2026-06"));
  for (const auto& [day, counts] : summary.by_day) {
    EXPECT_EQ(day.substr(0, 7), "2026-05");
  }

  // Posted-anyway rate: posted_anyway / (posted_anyway + edited + blocked).
  const double posted = static_cast<double>(at(expected.actions, "posted_anyway"));
  const double decisions = posted + static_cast<double>(at(expected.actions, "edited") + at(expected.actions, "blocked"));
  ASSERT_TRUE(posted_anyway_rate(summary.by_action));
  EXPECT_DOUBLE_EQ(*posted_anyway_rate(summary.by_action), posted / decisions);
  EXPECT_FALSE(posted_anyway_rate(AuditCounts{{"shown", 4}}));

  // Tuning candidates: most reported-fine plus posted-as-false-alarm first.
  const auto candidates = tuning_candidates(summary, 10);
  ASSERT_FALSE(candidates.empty());
  for (const auto& candidate : candidates) {
    EXPECT_EQ(candidate.reported_fine, at(expected.rules.at(candidate.rule), "reported_fine"));
    EXPECT_EQ(candidate.false_alarm_posts, expected.false_alarms.contains(candidate.rule)
                                               ? expected.false_alarms.at(candidate.rule)
                                               : 0U);
  }
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    EXPECT_GE(candidates[i - 1].reported_fine + candidates[i - 1].false_alarm_posts,
              candidates[i].reported_fine + candidates[i].false_alarm_posts);
  }

  // The JSON carries the same numbers.
  const json report = audit_summary_json(summary);
  EXPECT_EQ(report["events"], expected.events);
  EXPECT_EQ(report["malformed_lines"], expected.malformed);
  EXPECT_EQ(report["devices"], 3);
  EXPECT_EQ(report["posted_anyway"]["count"], at(expected.actions, "posted_anyway"));
  EXPECT_EQ(report["rules"].size(), kRules.size());
  for (const auto& row : report["rules"]) {
    EXPECT_EQ(row["total"], at(expected.rules.at(row["id"].get<std::string>()), "total"));
  }

  // The text tables name every rule and the rate.
  const std::string text = audit_summary_text(summary);
  for (const auto& rule : kRules) {
    EXPECT_NE(text.find(rule.id), std::string::npos);
  }
  EXPECT_NE(text.find("Tuning candidates"), std::string::npos);
}

TEST(AuditReportTest, PeriodBoundsAreInclusiveAndChecked) {
  EXPECT_TRUE(valid_period_bound("2026-05-01"));
  EXPECT_TRUE(valid_period_bound("2026-05-01T10:30"));
  EXPECT_TRUE(valid_period_bound("2026-05-01T10:30:59"));
  EXPECT_FALSE(valid_period_bound("1 May 2026"));
  EXPECT_FALSE(valid_period_bound("2026-5-1"));
  AuditSummary summary;
  summary.period = {"2026-05-02", "2026-05-03"};
  for (const char* time : {"2026-05-01T23:59:59.999Z", "2026-05-02T00:00:00.000Z", "2026-05-03T23:59:59.999Z",
                           "2026-05-04T00:00:00.000Z"}) {
    add_audit_line(summary, json{{"time", time}, {"rule", "r"}, {"action", "shown"}}.dump());
  }
  EXPECT_EQ(summary.events, 2U);
  EXPECT_EQ(summary.outside_period, 2U);
}

TEST(AuditReportTest, MissingInputIsAnErrorNotACrash) {
  EXPECT_THROW((void)collect_audit_files({"/nonexistent/careguard/audit.jsonl"}), std::runtime_error);
}

// ---- rotation and retention --------------------------------------------------------------------

TEST(AuditReportTest, RotatedFilesAreAllReadFromTheCurrentLog) {
  const TempDir dir;
  AuditSettings settings = settings_for(dir.path() / "audit.jsonl");
  settings.max_bytes = 2000;
  settings.keep_files = 100;
  constexpr int kEvents = 300;
  {
    AuditLog log(settings, "0.1.0", "base@1");
    for (int i = 0; i < kEvents; ++i) {
      ASSERT_TRUE(log.record({"pid.nhs-number", "personal-identifier", "block", "x.com", i % 2 == 0 ? "shown" : "edited", ""}));
    }
  }
  EXPECT_TRUE(fs::exists(dir.path() / "audit.jsonl.1"));
  EXPECT_TRUE(fs::exists(dir.path() / "audit.jsonl.5"));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_LE(fs::file_size(entry.path()), settings.max_bytes) << entry.path();
  }
  const auto files = collect_audit_files({dir.path() / "audit.jsonl"});
  EXPECT_GT(files.size(), 5U);
  const AuditSummary summary = summarize_audit_files(files, {});
  EXPECT_EQ(summary.events, static_cast<std::uint64_t>(kEvents));
  EXPECT_EQ(summary.malformed, 0U);
  EXPECT_EQ(at(summary.by_action, "shown"), kEvents / 2U);
}

TEST(AuditReportTest, KeepFilesAndMaxAgeDropOldRotations) {
  const TempDir dir;
  AuditSettings settings = settings_for(dir.path() / "audit.jsonl");
  settings.max_bytes = 1000;
  settings.keep_files = 2;
  {
    AuditLog log(settings, "0.1.0", "base@1");
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(log.record({"su.name", "service-user", "warn", "x.com", "shown", ""}));
    }
  }
  EXPECT_TRUE(fs::exists(dir.path() / "audit.jsonl.2"));
  EXPECT_FALSE(fs::exists(dir.path() / "audit.jsonl.3"));
  const AuditSummary kept = summarize_audit_files(collect_audit_files({dir.path() / "audit.jsonl"}), {});
  EXPECT_GT(kept.events, 0U);
  EXPECT_LT(kept.events, 100U);

  // Rotations older than max_age_days go when the log is next opened; the current file stays.
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 40);
  fs::last_write_time(dir.path() / "audit.jsonl.2", old);
  settings.max_age_days = 30;
  settings.max_bytes = 1024U * 1024U;  // no rotation now, so .2 can only go by age
  {
    AuditLog log(settings, "0.1.0", "base@1");
    ASSERT_TRUE(log.record({"su.name", "service-user", "warn", "x.com", "shown", ""}));
  }
  EXPECT_FALSE(fs::exists(dir.path() / "audit.jsonl.2"));
  EXPECT_TRUE(fs::exists(dir.path() / "audit.jsonl.1"));
  EXPECT_TRUE(fs::exists(dir.path() / "audit.jsonl"));
}

// ---- a SIGKILL while writing loses no completed event ---------------------------------------

#ifndef _WIN32
TEST(AuditReportTest, KillDuringWritingLosesNoCompletedEvent) {
  const TempDir dir;
  const fs::path path = dir.path() / "audit.jsonl";
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(pipe(pipe_fds.data()), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    AuditSettings settings = settings_for(path);
    settings.max_bytes = 64U * 1024U;  // rotations happen while it is killed, too
    settings.keep_files = 1000;
    AuditLog log(settings, "0.1.0", "base@1");
    for (std::uint32_t written = 1;; ++written) {
      if (!log.record({"pid.nhs-number", "personal-identifier", "block", "facebook.com", "posted_anyway", "other"})) {
        _exit(3);
      }
      // Reported only after record() returned: this event is complete.
      if (write(pipe_fds[1], &written, sizeof(written)) != static_cast<ssize_t>(sizeof(written))) {
        _exit(4);
      }
    }
  }
  close(pipe_fds[1]);
  std::uint32_t reported = 0;
  std::uint32_t value = 0;
  while (reported < 3000 && read(pipe_fds[0], &value, sizeof(value)) == static_cast<ssize_t>(sizeof(value))) {
    reported = value;
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  while (read(pipe_fds[0], &value, sizeof(value)) == static_cast<ssize_t>(sizeof(value))) {
    reported = value;
  }
  close(pipe_fds[0]);
  ASSERT_GE(reported, 3000U);

  std::uint64_t complete = 0;
  for (const auto& file : collect_audit_files({path})) {
    const std::string text = read_file(file);
    ASSERT_TRUE(text.empty() || text.back() == '\n') << "a partial line in " << file;
    for (const auto& line : lines_of(file)) {
      const json event = json::parse(line, nullptr, false);
      ASSERT_FALSE(event.is_discarded()) << line;
      EXPECT_EQ(event["action"], "posted_anyway");
      ++complete;
    }
  }
  EXPECT_GE(complete, reported);
  EXPECT_LE(complete, reported + 1U);  // at most the one being reported when killed
  const AuditSummary summary = summarize_audit_files(collect_audit_files({dir.path()}), {});
  EXPECT_EQ(summary.events, complete);
  EXPECT_EQ(summary.malformed, 0U);
}
#endif

// ---- events under concurrent scans, and no scanned word anywhere ------------------------------

class AuditUnderScansTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { packs_ = testing::loaded_base_pack_manager(); }
  static void TearDownTestSuite() { packs_.reset(); }
  static std::unique_ptr<PackManager> packs_;
};

std::unique_ptr<PackManager> AuditUnderScansTest::packs_;

constexpr const char* kPost =
    "Visited Mrs Quillfeatherby at Marigoldcroft today, her NHS number is 943 476 5919 and the keysafe code is 7731";

TEST_F(AuditUnderScansTest, EventsWrittenUnderConcurrentScansAreAllComplete) {
  const TempDir dir;
  AuditSettings settings = settings_for(dir.path() / "audit.jsonl");
  settings.max_bytes = 32U * 1024U;
  settings.keep_files = 1000;
  AuditLog log(settings, "0.1.0", "base@1");
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 400;
  std::atomic<bool> writing{true};
  std::atomic<int> scans{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < 2; ++s) {
    threads.emplace_back([&] {
      HostSession session(*packs_, &log, true);
      const std::string body = json{{"type", "scan"}, {"id", 1}, {"text", kPost}, {"site", "x.com"}}.dump();
      while (writing.load()) {
        const json reply = json::parse(session.handle(body));
        EXPECT_EQ(reply["type"], "result");
        ++scans;
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&log, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        EXPECT_TRUE(log.record({"pid.nhs-number", "personal-identifier", "block", "x.com",
                                w % 2 == 0 ? "shown" : "dismissed", ""}));
      }
    });
  }
  for (auto& writer : writers) {
    writer.join();
  }
  writing = false;
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_GT(scans.load(), 0);
  const AuditSummary summary = summarize_audit_files(collect_audit_files({dir.path()}), {});
  EXPECT_EQ(summary.events, static_cast<std::uint64_t>(kWriters * kPerWriter));
  EXPECT_EQ(summary.malformed, 0U);
  EXPECT_EQ(at(summary.by_action, "shown"), static_cast<std::uint64_t>(kWriters / 2 * kPerWriter));
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  return words;
}

/// `word` in `text` with no letter or digit either side.
bool contains_word(const std::string& text, const std::string& word) {
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool start = at == 0 || !alnum(text[at - 1]);
    const bool end = at + word.size() >= text.size() || !alnum(text[at + word.size()]);
    if (start && end) {
      return true;
    }
  }
  return false;
}

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return text;
}

TEST_F(AuditUnderScansTest, NoEventOrReportHoldsAWordOfTheScannedText) {
  const TempDir dir;
  AuditLog log(settings_for(dir.path() / "audit.jsonl"), "0.1.0", "base@1");
  HostSession session(*packs_, &log, true);
  const json result =
      json::parse(session.handle(json{{"type", "scan"}, {"id", 1}, {"text", kPost}, {"site", "facebook.com"}}.dump()));
  ASSERT_EQ(result["type"], "result");
  ASSERT_FALSE(result["findings"].empty());
  // The extension's audit events for each finding, through the host as the extension sends them;
  // a field smuggling text in is dropped.
  for (const auto& finding : result["findings"]) {
    for (const char* action : {"shown", "edited", "reported_fine", "posted_anyway"}) {
      json event = {{"rule", finding["rule"]},       {"category", finding["category"]},
                    {"severity", finding["severity"]}, {"site", "facebook.com"},
                    {"action", action},               {"text", kPost},
                    {"matched", "943 476 5919"}};
      if (std::string(action) == "posted_anyway") {
        event["reason"] = "false_alarm";
      }
      const json reply = json::parse(session.handle(json{{"type", "audit"}, {"id", 2}, {"event", event}}.dump()));
      EXPECT_EQ(reply["type"], "ok") << reply.dump();
    }
  }
  // Text in a field that must be an id is refused, not stored.
  const json refused = json::parse(session.handle(
      json{{"type", "audit"}, {"id", 3}, {"event", {{"rule", kPost}, {"category", "service-user"}, {"severity", "warn"}, {"action", "shown"}}}}
          .dump()));
  EXPECT_EQ(refused["type"], "error");

  const AuditSummary summary = summarize_audit_files(collect_audit_files({dir.path()}), {});
  EXPECT_EQ(summary.events, result["findings"].size() * 4U);
  const std::string events = lowered(read_file(dir.path() / "audit.jsonl"));
  const std::string report_json = lowered(audit_summary_json(summary).dump());
  const std::string report_text = lowered(audit_summary_text(summary));
  const std::string report_html = lowered(audit_summary_html(summary, ""));
  const std::string report_html_charts = lowered(audit_summary_html(summary, bundled_chart_js()));

  // Every word of the post is absent from the log and every report, unless it is part of a rule
  // or category id reported (e.g. "nhs" in pid.nhs-number) or of the report's own wording (an
  // empty report's "the", "at", ...).
  std::string ids;
  for (const auto& finding : result["findings"]) {
    ids += lowered(finding["rule"].get<std::string>() + " " + finding["category"].get<std::string>() + " ");
  }
  const AuditSummary empty;
  const std::string boilerplate = lowered(audit_summary_json(empty).dump() + audit_summary_text(empty) +
                                          audit_summary_html(empty, "") + " facebook com shown edited reported fine "
                                          "posted anyway false alarm");
  std::size_t checked = 0;
  for (const auto& word : words_of(kPost)) {
    if (ids.find(word) != std::string::npos || contains_word(boilerplate, word)) {
      continue;
    }
    ++checked;
    EXPECT_FALSE(contains_word(events, word)) << word;
    EXPECT_FALSE(contains_word(report_json, word)) << word;
    EXPECT_FALSE(contains_word(report_text, word)) << word;
    EXPECT_FALSE(contains_word(report_html, word)) << word;
  }
  EXPECT_GE(checked, 8U);
  // The distinctive words and the numbers, in the report with Chart.js inlined too.
  for (const char* secret : {"quillfeatherby", "marigoldcroft", "9434765919", "943 476 5919", "keysafe"}) {
    EXPECT_EQ(events.find(secret), std::string::npos) << secret;
    EXPECT_EQ(report_html_charts.find(secret), std::string::npos) << secret;
  }
}

TEST(AuditReportTest, HtmlIsSelfContainedAndEscaped) {
  AuditSummary summary;
  add_audit_line(summary, json{{"time", "2026-05-01T10:00:00.000Z"},
                               {"rule", "r.one"},
                               {"category", "internal"},
                               {"site", "</script><img src=x onerror=alert(1)>"},
                               {"action", "shown"}}
                              .dump());
  const std::string html = audit_summary_html(summary, "/* chart */ var s = '</script>';");
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("'</script>'"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // nothing loaded from elsewhere
  EXPECT_EQ(html.find("src='http"), std::string::npos);
  EXPECT_NE(html.find("careguard-report"), std::string::npos);
  const std::string no_charts = audit_summary_html(summary, "");
  EXPECT_NE(no_charts.find("Charts are unavailable"), std::string::npos);
}

}  // namespace
}  // namespace careguard
