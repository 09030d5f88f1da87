// careguard audit summary: reads audit logs (files, their rotations, folders of collected logs)
// and reports what staff met and did. Reports hold ids and counts only, never post text.

#include "cli/audit_command.hpp"

#include "careguard/audit_report.hpp"
#include "cli/common.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace careguard::cli {
namespace {

struct AuditSummaryOptions {
  std::vector<std::string> inputs;
  std::string since;
  std::string until;
  bool json = false;
  std::string html;
  std::size_t top = 15;
  bool no_progress = false;
};

bool stderr_is_terminal() {
#ifdef _WIN32
  return _isatty(_fileno(stderr)) != 0;
#else
  return isatty(STDERR_FILENO) == 1;
#endif
}

/// A progress bar on stderr for logs of several megabytes, drawn only on a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled && stderr_is_terminal()) {}
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ProgressBar(ProgressBar&&) = delete;
  ProgressBar& operator=(ProgressBar&&) = delete;
  ~ProgressBar() { finish(); }

  void update(std::uint64_t done, std::uint64_t total) {
    constexpr std::uint64_t kLargeLog = 4U * 1024U * 1024U;
    if (!enabled_ || total < kLargeLog) {
      return;
    }
    constexpr std::uint64_t kWidth = 40;
    const std::uint64_t filled = done * kWidth / total;
    const std::uint64_t percent = done * 100U / total;
    if (drawn_ && percent == last_percent_) {
      return;
    }
    last_percent_ = percent;
    drawn_ = true;
    std::fprintf(stderr, "\rReading audit logs [%s%s] %3u%% %6.1f MiB", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), static_cast<unsigned>(percent),
                 static_cast<double>(done) / (1024.0 * 1024.0));
    std::fflush(stderr);
  }

  void finish() {
    if (drawn_) {
      std::fputs("\r\033[K", stderr);  // clear the bar's line
      std::fflush(stderr);
      drawn_ = false;
    }
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::uint64_t last_percent_ = 0;
};

void run_summary(const AuditSummaryOptions& options) {
  for (const auto* bound : {&options.since, &options.until}) {
    if (!bound->empty() && !valid_period_bound(*bound)) {
      throw CommandError(fmt::format("'{}' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)", *bound));
    }
  }
  if (!options.since.empty() && !options.until.empty() &&
      options.since.substr(0, std::min(options.since.size(), options.until.size())) >
          options.until.substr(0, std::min(options.since.size(), options.until.size()))) {
    throw CommandError("--since is after --until");
  }
  std::vector<std::filesystem::path> inputs(options.inputs.begin(), options.inputs.end());
  if (inputs.empty()) {
    // This machine's own log.
    inputs.push_back(load_cli_config().audit.path);
  }
  std::vector<std::filesystem::path> files;
  try {
    files = collect_audit_files(inputs);
  } catch (const std::runtime_error& error) {
    throw CommandError(error.what());
  }
  if (files.empty()) {
    throw CommandError("no audit logs found (looked for *.jsonl and *.jsonl.N)");
  }
  AuditSummary summary;
  {
    ProgressBar bar(!options.no_progress);
    try {
      summary = summarize_audit_files(files, AuditPeriod{options.since, options.until},
                                      [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); });
    } catch (const std::runtime_error& error) {
      throw CommandError(error.what());
    }
  }
  if (!options.html.empty()) {
    const std::string chart_js = bundled_chart_js();
    write_file(options.html, audit_summary_html(summary, chart_js, options.top));
    std::fprintf(stderr, "careguard: wrote %s (%llu events%s)\n", options.html.c_str(),
                 static_cast<unsigned long long>(summary.events), chart_js.empty() ? ", no charts: Chart.js missing" : "");
  }
  if (options.json) {
    std::cout << audit_summary_json(summary, options.top).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  } else if (options.html.empty()) {
    std::cout << audit_summary_text(summary, options.top);
  }
  if (summary.malformed > 0) {
    std::fprintf(stderr, "careguard: skipped %llu malformed lines\n", static_cast<unsigned long long>(summary.malformed));
  }
}

}  // namespace

void register_audit_command(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "Reports over audit logs (what staff met and did; never what they wrote)");
  audit->require_subcommand(1);
  auto options = std::make_shared<AuditSummaryOptions>();
  auto* summary = audit->add_subcommand(
      "summary", "Counts by category, rule, site and action, posted-anyway rates and tuning candidates");
  summary->add_option("logs", options->inputs,
                      "Audit log files (their .1 .2 ... rotations are read too) or folders of collected logs; "
                      "default: this machine's log");
  summary->add_option("--since", options->since, "First day (YYYY-MM-DD, UTC), inclusive");
  summary->add_option("--until", options->until, "Last day (YYYY-MM-DD, UTC), inclusive");
  summary->add_flag("--json", options->json, "Print JSON instead of tables");
  summary->add_option("--html", options->html, "Write a self-contained HTML report with charts to this file");
  summary->add_option("--top", options->top, "Rows in the rule, site and tuning tables")->capture_default_str();
  summary->add_flag("--no-progress", options->no_progress, "No progress bar on stderr");
  summary->callback([options, &exit_code] {
    run_summary(*options);
    exit_code = kExitClean;
  });
}

}  // namespace careguard::cli
