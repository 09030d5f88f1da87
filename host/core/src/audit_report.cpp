#include "careguard/audit_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace careguard {
namespace embedded {
/// Generated at build time from the Chart.js found by CMake (empty when there was none).
std::string_view chart_js();
}  // namespace embedded

namespace {

using json = nlohmann::json;

// The actions shown as columns, in the order staff meet them.
constexpr std::array<std::string_view, 7> kColumns = {"shown",         "edited",  "dismissed",       "reported_fine",
                                                      "posted_anyway", "blocked", "concern_reported"};
constexpr std::array<std::string_view, 7> kColumnTitles = {"shown", "edited", "dismissed", "fine",
                                                           "posted", "blocked", "concern"};

constexpr std::string_view kRateDefinition =
    "posted_anyway / (posted_anyway + edited + blocked): of the warnings that reached a decision about the post "
    "(changed, stopped, or sent regardless), the share sent regardless";

bool digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_date(std::string_view text) {
  return text.size() >= 10 && digits(text.substr(0, 4)) && text[4] == '-' && digits(text.substr(5, 2)) &&
         text[7] == '-' && digits(text.substr(8, 2));
}

std::uint64_t count_of(const AuditCounts& counts, std::string_view key) {
  const auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

std::string string_field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void add(AuditCounts& counts, const std::string& action) {
  ++counts[action];
  ++counts["total"];
}

/// "audit.jsonl.3" -> 3, "audit.jsonl" -> 0, anything else -> nullopt.
std::optional<unsigned> rotation_number(const std::string& name) {
  const auto at = name.rfind(".jsonl");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const std::string_view rest = std::string_view(name).substr(at + 6);
  if (rest.empty()) {
    return 0U;
  }
  if (rest.front() != '.' || !digits(rest.substr(1)) || rest.size() > 7) {
    return std::nullopt;
  }
  return static_cast<unsigned>(std::strtoul(std::string(rest.substr(1)).c_str(), nullptr, 10));
}

std::string base_name(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  const auto at = name.rfind(".jsonl");
  return at == std::string::npos ? name : name.substr(0, at + 6);
}

std::string percent(const std::optional<double>& rate) {
  return rate ? fmt::format("{:.1f}%", *rate * 100.0) : std::string("-");
}

json rate_json(const std::optional<double>& rate) {
  return rate ? json(std::round(*rate * 10000.0) / 10000.0) : json(nullptr);
}

json actions_json(const AuditCounts& counts) {
  json out = json::object();
  for (const auto& [action, n] : counts) {
    if (action != "total") {
      out[action] = n;
    }
  }
  return out;
}

/// Rows of a grouped table, largest total first.
std::vector<std::pair<std::string, const AuditCounts*>> ranked(const std::map<std::string, AuditCounts, std::less<>>& groups) {
  std::vector<std::pair<std::string, const AuditCounts*>> rows;
  rows.reserve(groups.size());
  for (const auto& [id, counts] : groups) {
    rows.emplace_back(id, &counts);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return count_of(*a.second, "total") > count_of(*b.second, "total");
  });
  return rows;
}

json groups_json(const std::map<std::string, AuditCounts, std::less<>>& groups, const AuditSummary* with_category) {
  json out = json::array();
  for (const auto& [id, counts] : ranked(groups)) {
    json row = {{"id", id}, {"total", count_of(*counts, "total")}, {"actions", actions_json(*counts)},
                {"posted_anyway_rate", rate_json(posted_anyway_rate(*counts))}};
    if (with_category != nullptr) {
      const auto it = with_category->rule_category.find(id);
      row["category"] = it == with_category->rule_category.end() ? "" : it->second;
    }
    out.push_back(std::move(row));
  }
  return out;
}

// ---- terminal tables -------------------------------------------------------------------------

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) {
    width += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1U : 0U;
  }
  return width;
}

std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  std::size_t left_columns = 1) {
  std::vector<std::size_t> widths(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i) {
    widths[i] = display_width(header[i]);
  }
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = "  ";
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      const std::size_t pad = widths[i] - display_width(cells[i]);
      if (i < left_columns) {
        text += (i == 0 ? "" : "  ") + cells[i] + std::string(pad, ' ');  // ids left-aligned
      } else {
        text += "  " + std::string(pad, ' ') + cells[i];  // numbers right-aligned
      }
    }
    while (!text.empty() && text.back() == ' ') {
      text.pop_back();
    }
    out += text + "\n";
  };
  line(header);
  std::vector<std::string> rule;
  rule.reserve(widths.size());
  for (const auto width : widths) {
    rule.emplace_back(width, '-');
  }
  line(rule);
  for (const auto& row : rows) {
    line(row);
  }
  return out;
}

std::vector<std::string> action_header(std::string first) {
  std::vector<std::string> header{std::move(first), "total"};
  header.insert(header.end(), kColumnTitles.begin(), kColumnTitles.end());
  header.emplace_back("posted-anyway rate");
  return header;
}

std::vector<std::string> action_row(std::string id, const AuditCounts& counts) {
  std::vector<std::string> row{std::move(id), std::to_string(count_of(counts, "total"))};
  for (const auto column : kColumns) {
    row.push_back(std::to_string(count_of(counts, column)));
  }
  row.push_back(percent(posted_anyway_rate(counts)));
  return row;
}

std::string grouped_table(const std::string& title, const std::string& first,
                          const std::map<std::string, AuditCounts, std::less<>>& groups, std::size_t top) {
  const auto rows = ranked(groups);
  std::vector<std::vector<std::string>> cells;
  for (std::size_t i = 0; i < rows.size() && i < top; ++i) {
    cells.push_back(action_row(rows[i].first, *rows[i].second));
  }
  std::string heading = title;
  if (rows.size() > top) {
    heading += fmt::format(" (top {} of {})", top, rows.size());
  }
  return heading + "\n" + table(action_header(first), cells) + "\n";
}

// ---- HTML --------------------------------------------------------------------------------------

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

/// JSON safe inside a <script> element: no '<', '>' or '&' outside escapes.
std::string script_json(const json& value) {
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

/// A script's text with any "</script" broken up so it cannot end the element early.
std::string script_safe(std::string_view code) {
  std::string out;
  out.reserve(code.size());
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '<' && i + 7 < code.size() && code[i + 1] == '/') {
      std::string next(code.substr(i + 2, 6));
      std::transform(next.begin(), next.end(), next.begin(),
                     [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
      if (next == "script") {
        out += "<\\/";
        ++i;
        continue;
      }
    }
    out += code[i];
  }
  return out;
}

std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><thead><tr>";
  for (const auto& cell : header) {
    out += "<th>" + html_escape(cell) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += i == 0 ? "<td>" : "<td class=\"n\">";
      out += html_escape(row[i]) + "</td>";
    }
    out += "</tr>";
  }
  if (rows.empty()) {
    out += fmt::format("<tr><td colspan=\"{}\">none</td></tr>", header.size());
  }
  return out + "</tbody></table>\n";
}

std::string html_grouped(const std::map<std::string, AuditCounts, std::less<>>& groups, const std::string& first,
                         std::size_t top) {
  const auto rows = ranked(groups);
  std::vector<std::vector<std::string>> cells;
  for (std::size_t i = 0; i < rows.size() && i < top; ++i) {
    cells.push_back(action_row(rows[i].first, *rows[i].second));
  }
  std::string note;
  if (rows.size() > top) {
    note = fmt::format("<p class=\"note\">The {} largest of {}; the JSON output has all.</p>\n", top, rows.size());
  }
  return html_table(action_header(first), cells) + note;
}

constexpr std::string_view kHtmlStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1f4e79;color:#fff;padding:1.2rem 2rem}header h1{margin:0 0 .3rem;font-size:1.5rem}
main{padding:1rem 2rem 3rem;max-width:1200px}section{background:#fff;border-radius:8px;padding:1rem 1.3rem;margin:1rem 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:1.15rem;margin:.2rem 0 .8rem}.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{background:#fff;border-radius:8px;padding:.8rem 1.1rem;min-width:10rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card b{display:block;font-size:1.6rem}.card span{color:#555;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.88rem}th,td{padding:.3rem .5rem;border-bottom:1px solid #e3e6ea;text-align:left}
th{background:#f0f2f5}td.n,th+th{text-align:right}.note{color:#555;font-size:.85rem}
.chart{position:relative;height:320px}.chart.tall{height:460px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
@media (max-width:900px){.grid{grid-template-columns:1fr}}@media print{.chart{break-inside:avoid}}
)";

constexpr std::string_view kHtmlScript = R"(
(function () {
  if (typeof Chart === 'undefined') return;
  const report = JSON.parse(document.getElementById('careguard-report').textContent);
  const colours = {shown:'#7f8c9d', edited:'#2e86de', dismissed:'#a29bfe', reported_fine:'#20bf6b',
    posted_anyway:'#eb3b5a', blocked:'#3d3d3d', concern_reported:'#fa8231',
    attachment_confirmed:'#f7b731', attachment_cancelled:'#45aaf2'};
  const actions = Object.keys(colours);
  const common = {responsive:true, maintainAspectRatio:false, animation:false};
  function stacked(id, rows, horizontal) {
    const el = document.getElementById(id);
    if (!el || rows.length === 0) return;
    const used = actions.filter(a => rows.some(r => (r.actions[a] || 0) > 0));
    new Chart(el, {type:'bar', data:{labels:rows.map(r => r.id),
      datasets:used.map(a => ({label:a, data:rows.map(r => r.actions[a] || 0), backgroundColor:colours[a]}))},
      options:Object.assign({}, common, {indexAxis:horizontal ? 'y' : 'x',
        scales:{x:{stacked:true}, y:{stacked:true}}})});
  }
  const top = report.top || 20;
  const actionRows = actions.filter(a => report.actions[a]);
  const el = document.getElementById('chart-actions');
  if (el && actionRows.length) new Chart(el, {type:'bar', data:{labels:actionRows,
    datasets:[{label:'events', data:actionRows.map(a => report.actions[a]), backgroundColor:actionRows.map(a => colours[a])}]},
    options:Object.assign({}, common, {plugins:{legend:{display:false}}})});
  stacked('chart-categories', report.categories, false);
  stacked('chart-rules', report.rules.slice(0, top), true);
  stacked('chart-sites', report.sites.slice(0, top), true);
  const days = document.getElementById('chart-days');
  if (days && report.days.length) new Chart(days, {type:'line', data:{labels:report.days.map(d => d.date),
    datasets:['shown', 'posted_anyway', 'blocked', 'edited', 'reported_fine'].map(a => ({label:a,
      data:report.days.map(d => d.actions[a] || 0), borderColor:colours[a], backgroundColor:colours[a], tension:0.2}))},
    options:common});
  const reasons = document.getElementById('chart-reasons');
  const reasonIds = Object.keys(report.posted_anyway.reasons);
  if (reasons && reasonIds.length) new Chart(reasons, {type:'doughnut', data:{labels:reasonIds,
    datasets:[{data:reasonIds.map(r => report.posted_anyway.reasons[r]),
      backgroundColor:['#eb3b5a','#fa8231','#f7b731','#20bf6b','#2e86de','#a29bfe']}]}, options:common});
})();
)";

}  // namespace

bool valid_period_bound(std::string_view bound) {
  if (bound.size() == 10) {
    return valid_date(bound);
  }
  if (bound.size() != 16 && bound.size() != 19) {
    return false;
  }
  if (!valid_date(bound) || bound[10] != 'T' || !digits(bound.substr(11, 2)) || bound[13] != ':' ||
      !digits(bound.substr(14, 2))) {
    return false;
  }
  return bound.size() == 16 || (bound[16] == ':' && digits(bound.substr(17, 2)));
}

std::vector<std::filesystem::path> collect_audit_files(const std::vector<std::filesystem::path>& inputs) {
  std::vector<std::filesystem::path> found;
  for (const auto& input : inputs) {
    std::error_code error;
    if (std::filesystem::is_directory(input, error)) {
      for (std::filesystem::recursive_directory_iterator it(
               input, std::filesystem::directory_options::skip_permission_denied, error),
           end;
           !error && it != end; it.increment(error)) {
        if (it->is_regular_file(error) && rotation_number(it->path().filename().string())) {
          found.push_back(it->path());
        }
      }
    } else if (std::filesystem::is_regular_file(input, error)) {
      found.push_back(input);
      // Its rotations: audit.jsonl.1, .2, ... beside it.
      const std::string name = input.filename().string();
      const auto parent = input.has_parent_path() ? input.parent_path() : std::filesystem::path(".");
      if (rotation_number(name) == 0U) {
        for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
          const std::string other = entry.path().filename().string();
          if (other.size() > name.size() + 1 && other.starts_with(name + ".") &&
              digits(std::string_view(other).substr(name.size() + 1))) {
            found.push_back(entry.path());
          }
        }
      }
    } else {
      throw std::runtime_error(fmt::format("{}: no such file or directory", input.string()));
    }
  }
  // Each file once, grouped by log, oldest rotation first.
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> keyed;
  for (const auto& path : found) {
    std::error_code error;
    auto canonical = std::filesystem::weakly_canonical(path, error);
    keyed.emplace_back(error ? path : canonical, path);
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    const auto a_base = a.first.parent_path() / base_name(a.first);
    const auto b_base = b.first.parent_path() / base_name(b.first);
    if (a_base != b_base) {
      return a_base < b_base;
    }
    return rotation_number(a.first.filename().string()).value_or(0) >
           rotation_number(b.first.filename().string()).value_or(0);
  });
  keyed.erase(std::unique(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              keyed.end());
  std::vector<std::filesystem::path> files;
  files.reserve(keyed.size());
  for (auto& [canonical, path] : keyed) {
    files.push_back(std::move(path));
  }
  return files;
}

void add_audit_line(AuditSummary& summary, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return;
  }
  ++summary.lines;
  const json event = json::parse(line, nullptr, false);
  if (event.is_discarded() || !event.is_object()) {
    ++summary.malformed;
    return;
  }
  const std::string time = string_field(event, "time");
  const std::string action = string_field(event, "action");
  const std::string rule = string_field(event, "rule");
  if (!valid_date(time) || action.empty() || rule.empty()) {
    ++summary.malformed;
    return;
  }
  const auto& period = summary.period;
  if ((!period.since.empty() && time.substr(0, period.since.size()) < period.since) ||
      (!period.until.empty() && time.substr(0, period.until.size()) > period.until)) {
    ++summary.outside_period;
    return;
  }
  std::string category = string_field(event, "category");
  std::string site = string_field(event, "site");
  std::string device = string_field(event, "device");
  const std::string reason = string_field(event, "reason");
  const std::string user = string_field(event, "user");
  ++summary.events;
  if (summary.first_time.empty() || time < summary.first_time) {
    summary.first_time = time;
  }
  if (time > summary.last_time) {
    summary.last_time = time;
  }
  ++summary.by_action[action];
  ++summary.by_severity[string_field(event, "severity")];
  ++summary.by_device[device.empty() ? std::string("unknown") : device];
  if (!user.empty()) {
    summary.users.insert(user);
  }
  add(summary.by_category[category.empty() ? std::string("(none)") : category], action);
  add(summary.by_rule[rule], action);
  add(summary.by_site[site.empty() ? std::string("(none)") : site], action);
  add(summary.by_day[time.substr(0, 10)], action);
  if (!category.empty()) {
    summary.rule_category[rule] = std::move(category);
  }
  if (action == "posted_anyway") {
    ++summary.reasons[reason.empty() ? std::string("none") : reason];
    if (reason == "false_alarm") {
      ++summary.rule_false_alarm_posts[rule];
    }
  }
}

AuditSummary summarize_audit_files(const std::vector<std::filesystem::path>& files, const AuditPeriod& period,
                                   const AuditProgress& progress) {
  AuditSummary summary;
  summary.period = period;
  summary.files = files;
  std::uint64_t total = 0;
  for (const auto& file : files) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    total += error ? 0 : size;
  }
  std::uint64_t done = 0;
  std::uint64_t reported = 0;
  constexpr std::uint64_t kProgressStep = 1U << 20U;
  if (progress) {
    progress(0, total);
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw std::runtime_error(fmt::format("{}: cannot be read", file.string()));
    }
    std::string line;
    while (std::getline(in, line)) {
      add_audit_line(summary, line);
      done += line.size() + 1;
      if (progress && done - reported >= kProgressStep) {
        reported = done;
        progress(std::min(done, total), total);
      }
    }
  }
  if (progress) {
    progress(total, total);
  }
  return summary;
}

std::optional<double> posted_anyway_rate(const AuditCounts& actions) {
  const std::uint64_t posted = count_of(actions, "posted_anyway");
  const std::uint64_t decisions = posted + count_of(actions, "edited") + count_of(actions, "blocked");
  if (decisions == 0) {
    return std::nullopt;
  }
  return static_cast<double>(posted) / static_cast<double>(decisions);
}

std::vector<TuningCandidate> tuning_candidates(const AuditSummary& summary, std::size_t limit) {
  std::vector<TuningCandidate> out;
  for (const auto& [rule, counts] : summary.by_rule) {
    TuningCandidate candidate;
    candidate.rule = rule;
    const auto category = summary.rule_category.find(rule);
    candidate.category = category == summary.rule_category.end() ? "" : category->second;
    candidate.reported_fine = count_of(counts, "reported_fine");
    const auto posts = summary.rule_false_alarm_posts.find(rule);
    candidate.false_alarm_posts = posts == summary.rule_false_alarm_posts.end() ? 0 : posts->second;
    candidate.shown = count_of(counts, "shown");
    if (candidate.shown > 0) {
      candidate.fine_rate = static_cast<double>(candidate.reported_fine) / static_cast<double>(candidate.shown);
    }
    if (candidate.reported_fine + candidate.false_alarm_posts > 0) {
      out.push_back(std::move(candidate));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const TuningCandidate& a, const TuningCandidate& b) {
    const auto a_score = a.reported_fine + a.false_alarm_posts;
    const auto b_score = b.reported_fine + b.false_alarm_posts;
    return a_score != b_score ? a_score > b_score : a.reported_fine > b.reported_fine;
  });
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

json audit_summary_json(const AuditSummary& summary, std::size_t top) {
  const std::uint64_t posted = count_of(summary.by_action, "posted_anyway");
  const std::uint64_t decisions =
      posted + count_of(summary.by_action, "edited") + count_of(summary.by_action, "blocked");
  const std::uint64_t shown = count_of(summary.by_action, "shown");
  json days = json::array();
  for (const auto& [date, counts] : summary.by_day) {
    days.push_back({{"date", date}, {"total", count_of(counts, "total")}, {"actions", actions_json(counts)}});
  }
  json tuning = json::array();
  for (const auto& candidate : tuning_candidates(summary, top)) {
    tuning.push_back({{"rule", candidate.rule},
                      {"category", candidate.category},
                      {"reported_fine", candidate.reported_fine},
                      {"posted_anyway_false_alarm", candidate.false_alarm_posts},
                      {"shown", candidate.shown},
                      {"reported_fine_rate", rate_json(candidate.fine_rate)}});
  }
  json devices = json::object();
  for (const auto& [device, n] : summary.by_device) {
    devices[device] = n;
  }
  return {
      {"format", "careguard-audit-summary/1"},
      {"period", {{"since", summary.period.since}, {"until", summary.period.until}}},
      {"files", summary.files.size()},
      {"lines", summary.lines},
      {"events", summary.events},
      {"malformed_lines", summary.malformed},
      {"outside_period", summary.outside_period},
      {"first_event", summary.first_time},
      {"last_event", summary.last_time},
      {"devices", summary.by_device.size()},
      {"users", summary.users.size()},
      {"top", top},
      {"actions", summary.by_action},
      {"severities", summary.by_severity},
      {"posted_anyway",
       {{"count", posted},
        {"decisions", decisions},
        {"rate", rate_json(posted_anyway_rate(summary.by_action))},
        {"per_shown", shown == 0 ? json(nullptr)
                                 : json(std::round(static_cast<double>(posted) / static_cast<double>(shown) * 10000.0) /
                                        10000.0)},
        {"definition", kRateDefinition},
        {"reasons", summary.reasons}}},
      {"categories", groups_json(summary.by_category, nullptr)},
      {"rules", groups_json(summary.by_rule, &summary)},
      {"sites", groups_json(summary.by_site, nullptr)},
      {"days", days},
      {"events_by_device", devices},
      {"tuning_candidates", tuning},
  };
}

std::string audit_summary_text(const AuditSummary& summary, std::size_t top) {
  std::string out = "CareGuard audit summary\n\n";
  const std::string since = summary.period.since.empty() ? "start" : summary.period.since;
  const std::string until = summary.period.until.empty() ? "end" : summary.period.until;
  out += fmt::format("  Period     {} .. {}\n", since, until);
  if (summary.events > 0) {
    out += fmt::format("  Events     {} (first {}, last {})\n", summary.events, summary.first_time, summary.last_time);
  } else {
    out += "  Events     0\n";
  }
  out += fmt::format("  Read       {} files, {} lines; {} malformed lines skipped; {} events outside the period\n",
                     summary.files.size(), summary.lines, summary.malformed, summary.outside_period);
  out += fmt::format("  Devices    {}   Users {}\n", summary.by_device.size(), summary.users.size());
  const std::uint64_t posted = count_of(summary.by_action, "posted_anyway");
  const std::uint64_t decisions =
      posted + count_of(summary.by_action, "edited") + count_of(summary.by_action, "blocked");
  out += fmt::format("  Posted anyway  {} ({} of {} decisions: posted_anyway / (posted_anyway + edited + blocked))\n\n",
                     percent(posted_anyway_rate(summary.by_action)), posted, decisions);

  std::vector<std::vector<std::string>> rows;
  for (const auto& [action, n] : summary.by_action) {
    rows.push_back({action, std::to_string(n)});
  }
  out += "Actions\n" + table({"action", "events"}, rows) + "\n";
  out += grouped_table("By category", "category", summary.by_category, top);
  out += grouped_table("By rule", "rule", summary.by_rule, top);
  out += grouped_table("By site", "site", summary.by_site, top);

  rows.clear();
  for (const auto& [reason, n] : summary.reasons) {
    rows.push_back({reason, std::to_string(n)});
  }
  out += "Reasons given for posting anyway\n" + table({"reason", "events"}, rows) + "\n";

  rows.clear();
  for (const auto& candidate : tuning_candidates(summary, top)) {
    rows.push_back({candidate.rule, candidate.category, std::to_string(candidate.reported_fine),
                    std::to_string(candidate.false_alarm_posts), std::to_string(candidate.shown),
                    percent(candidate.fine_rate)});
  }
  out += "Tuning candidates (rules most often reported as fine)\n" +
         table({"rule", "category", "reported fine", "posted as false alarm", "shown", "fine/shown"}, rows, 2);
  return out;
}

std::string audit_summary_html(const AuditSummary& summary, std::string_view chart_js, std::size_t top) {
  const json data = audit_summary_json(summary, top);
  const std::string since = summary.period.since.empty() ? "the first event" : summary.period.since;
  const std::string until = summary.period.until.empty() ? "the last event" : summary.period.until;
  std::string out;
  out.reserve(chart_js.size() + 64U * 1024U);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>CareGuard audit report</title>\n<style>";
  out += kHtmlStyle;
  out += "</style>\n</head>\n<body>\n<header><h1>CareGuard audit report</h1>\n";
  out += fmt::format("<div>From {} to {}. Events seen: {} to {}. Counts of warnings and actions only: no post text is "
                     "ever recorded.</div></header>\n<main>\n",
                     html_escape(since), html_escape(until), html_escape(summary.first_time),
                     html_escape(summary.last_time));
  const auto card = [](const std::string& value, std::string_view label) {
    return fmt::format("<div class=\"card\"><b>{}</b><span>{}</span></div>", html_escape(value), label);
  };
  out += "<div class=\"cards\">";
  out += card(std::to_string(summary.events), "events");
  out += card(std::to_string(count_of(summary.by_action, "shown")), "warnings shown");
  out += card(percent(posted_anyway_rate(summary.by_action)), "posted-anyway rate");
  out += card(std::to_string(count_of(summary.by_action, "reported_fine")), "reported as fine");
  out += card(std::to_string(count_of(summary.by_action, "concern_reported")), "concerns reported");
  out += card(std::to_string(summary.by_device.size()), "devices");
  out += card(std::to_string(summary.users.size()), "users");
  out += card(std::to_string(summary.malformed), "malformed lines skipped");
  out += "</div>\n";
  out += fmt::format("<p class=\"note\">Posted-anyway rate = {}. Read {} files.</p>\n", html_escape(kRateDefinition),
                     summary.files.size());
  if (chart_js.empty()) {
    out += "<p class=\"note\">Charts are unavailable: this careguard was built without Chart.js "
           "(install Debian's libjs-chart.js and rebuild). The tables below have every number.</p>\n";
  }

  out += "<section><h2>Actions</h2><div class=\"grid\"><div class=\"chart\"><canvas id=\"chart-actions\" "
         "aria-label=\"Events by action\"></canvas></div><div>";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [action, n] : summary.by_action) {
    rows.push_back({action, std::to_string(n)});
  }
  out += html_table({"action", "events"}, rows) + "</div></div></section>\n";

  out += "<section><h2>Events per day</h2><div class=\"chart\"><canvas id=\"chart-days\" "
         "aria-label=\"Events per day\"></canvas></div></section>\n";
  out += "<section><h2>By category</h2><div class=\"chart\"><canvas id=\"chart-categories\" "
         "aria-label=\"Events by category and action\"></canvas></div>\n" +
         html_grouped(summary.by_category, "category", top) + "</section>\n";
  out += "<section><h2>By rule</h2><div class=\"chart tall\"><canvas id=\"chart-rules\" "
         "aria-label=\"Events by rule and action\"></canvas></div>\n" +
         html_grouped(summary.by_rule, "rule", top) + "</section>\n";
  out += "<section><h2>By site</h2><div class=\"chart\"><canvas id=\"chart-sites\" "
         "aria-label=\"Events by site and action\"></canvas></div>\n" +
         html_grouped(summary.by_site, "site", top) + "</section>\n";

  rows.clear();
  for (const auto& [reason, n] : summary.reasons) {
    rows.push_back({reason, std::to_string(n)});
  }
  out += "<section><h2>Reasons given for posting anyway</h2><div class=\"grid\"><div class=\"chart\"><canvas "
         "id=\"chart-reasons\" aria-label=\"Reasons for posting anyway\"></canvas></div><div>" +
         html_table({"reason", "events"}, rows) + "</div></div></section>\n";

  rows.clear();
  for (const auto& candidate : tuning_candidates(summary, top)) {
    rows.push_back({candidate.rule, candidate.category, std::to_string(candidate.reported_fine),
                    std::to_string(candidate.false_alarm_posts), std::to_string(candidate.shown),
                    percent(candidate.fine_rate)});
  }
  out += "<section><h2>Tuning candidates</h2><p class=\"note\">Rules staff most often reported as fine, or posted "
         "past giving \"false alarm\" as the reason: review these rules or add allowlist entries in the org "
         "pack.</p>\n" +
         html_table({"rule", "category", "reported fine", "posted as false alarm", "shown", "fine/shown"}, rows) +
         "</section>\n";

  rows.clear();
  for (const auto& [device, n] : summary.by_device) {
    rows.push_back({device, std::to_string(n)});
  }
  out += "<section><h2>Events by device</h2><p class=\"note\">Pseudonymous device ids (keyed hashes).</p>\n" +
         html_table({"device", "events"}, rows) + "</section>\n";
  out += "</main>\n<script type=\"application/json\" id=\"careguard-report\">" + script_json(data) + "</script>\n";
  if (!chart_js.empty()) {
    out += "<script>\n" + script_safe(chart_js) + "\n</script>\n";
  }
  out += "<script>" + std::string(kHtmlScript) + "</script>\n</body>\n</html>\n";
  return out;
}

std::string bundled_chart_js() {
  const std::string_view embedded = embedded::chart_js();
  if (!embedded.empty()) {
    return std::string(embedded);
  }
  std::vector<std::filesystem::path> candidates;
  if (const char* path = std::getenv("CAREGUARD_CHARTJS"); path != nullptr && *path != '\0') {  // NOLINT(concurrency-mt-unsafe)
    candidates.emplace_back(path);
  }
  candidates.emplace_back("/usr/share/javascript/chart.js/chart.min.js");
  for (const auto& path : candidates) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      return text.str();
    }
  }
  return {};
}

}  // namespace careguard
