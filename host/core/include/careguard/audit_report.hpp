#pragma once
// Summaries of collected audit logs (docs/AUDIT.md): counts by category, rule, site and action,
// posted-anyway rates and the rules most often reported as fine, as a terminal table, JSON or a
// self-contained HTML report with charts. Events carry ids and counts only, so reports do too.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace careguard {

/// Action (or "total") -> number of events.
using AuditCounts = std::map<std::string, std::uint64_t, std::less<>>;

struct AuditPeriod {
  /// Inclusive bounds as "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" (UTC, like the log); empty:
  /// open. A date as `until` takes in that whole day.
  std::string since;
  std::string until;
};

/// Checks a --since/--until value; false for anything but the forms above.
[[nodiscard]] bool valid_period_bound(std::string_view bound);

struct AuditSummary {
  AuditPeriod period;
  std::vector<std::filesystem::path> files;
  std::uint64_t lines = 0;           // non-blank lines read
  std::uint64_t events = 0;          // events counted (in the period)
  std::uint64_t malformed = 0;       // lines that are not an event; skipped
  std::uint64_t outside_period = 0;  // well-formed events outside the period
  std::string first_time;            // of the counted events
  std::string last_time;
  AuditCounts by_action;
  AuditCounts by_severity;
  AuditCounts reasons;     // posted_anyway events by reason category ("none" when none given)
  AuditCounts by_device;   // events per pseudonymous device id
  std::set<std::string> users;
  // Each maps an id to its events by action, plus "total".
  std::map<std::string, AuditCounts, std::less<>> by_category;
  std::map<std::string, AuditCounts, std::less<>> by_rule;
  std::map<std::string, AuditCounts, std::less<>> by_site;
  std::map<std::string, AuditCounts, std::less<>> by_day;  // "YYYY-MM-DD"
  std::map<std::string, std::string, std::less<>> rule_category;
  std::map<std::string, std::uint64_t, std::less<>> rule_false_alarm_posts;  // posted_anyway, reason false_alarm
};

/// Expands the inputs: a file is read with its rotated siblings (audit.jsonl.1, .2, ...); a
/// directory is searched recursively for *.jsonl and *.jsonl.N (one folder per laptop is fine).
/// Each file once, oldest rotation first. Throws std::runtime_error for a path that is missing.
[[nodiscard]] std::vector<std::filesystem::path> collect_audit_files(const std::vector<std::filesystem::path>& inputs);

/// Called as bytes are read: (bytes done, bytes in all files).
using AuditProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

/// Reads the files and counts. Malformed lines are counted and skipped, never fatal; a file that
/// cannot be opened throws std::runtime_error.
[[nodiscard]] AuditSummary summarize_audit_files(const std::vector<std::filesystem::path>& files,
                                                 const AuditPeriod& period, const AuditProgress& progress = {});

/// Adds one log line to a summary (what summarize_audit_files does per line).
void add_audit_line(AuditSummary& summary, std::string_view line);

/// Posted-anyway rate: posted_anyway / (posted_anyway + edited + blocked), the share of warnings
/// that reached a decision about the post (changed, stopped, or sent regardless) and were sent
/// regardless. nullopt when there were no such decisions.
[[nodiscard]] std::optional<double> posted_anyway_rate(const AuditCounts& actions);

struct TuningCandidate {
  std::string rule;
  std::string category;
  std::uint64_t reported_fine = 0;
  std::uint64_t false_alarm_posts = 0;  // posted anyway with the reason "false_alarm"
  std::uint64_t shown = 0;
  std::optional<double> fine_rate;      // reported_fine / shown
};

/// Rules reported as fine or posted past as a false alarm, most often first.
[[nodiscard]] std::vector<TuningCandidate> tuning_candidates(const AuditSummary& summary, std::size_t limit);

[[nodiscard]] nlohmann::json audit_summary_json(const AuditSummary& summary, std::size_t top = 20);

/// Plain-text tables for a terminal; `top` rows per long table.
[[nodiscard]] std::string audit_summary_text(const AuditSummary& summary, std::size_t top = 15);

/// A self-contained HTML page: tables plus charts drawn by `chart_js` (Chart.js, inlined). With an
/// empty `chart_js` the page has the tables and a note that charts are unavailable.
[[nodiscard]] std::string audit_summary_html(const AuditSummary& summary, std::string_view chart_js,
                                             std::size_t top = 20);

/// The Chart.js build bundled at build time (empty if there was none); failing that, read from
/// the CAREGUARD_CHARTJS environment variable's path or Debian's libjs-chart.js.
[[nodiscard]] std::string bundled_chart_js();

}  // namespace careguard
