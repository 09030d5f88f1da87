// careguard scan: check a file, stdin, or a JSON Lines batch against the packs.

#include "careguard/utf.hpp"
#include "cli/common.hpp"

#include <fmt/format.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace careguard::cli {
namespace {

struct ScanOptions {
  std::string input = "-";
  std::string site;
  bool json = false;
  bool jsonl = false;
  std::vector<std::filesystem::path> org_packs;
};

/// Byte offset in UTF-8 text of a UTF-16 offset.
std::size_t byte_offset(std::string_view text, std::uint32_t utf16_offset) {
  std::int32_t i = 0;
  const auto length = static_cast<std::int32_t>(text.size());
  std::uint32_t units = 0;
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  while (i < length && units < utf16_offset) {
    UChar32 c = 0;
    U8_NEXT(data, i, length, c);
    units += c > 0xFFFF ? 2U : 1U;
  }
  return static_cast<std::size_t>(i);
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
      ++width;
    }
  }
  return width;
}

void print_for_people(const std::string& name, std::string_view text, const ScanResult& result) {
  for (const auto& finding : result.findings) {
    const std::size_t begin = byte_offset(text, finding.start);
    const std::size_t end = byte_offset(text, finding.end);
    const std::size_t previous_newline = begin == 0 ? std::string_view::npos : text.rfind('\n', begin - 1);
    const std::size_t line_start = previous_newline == std::string_view::npos ? 0 : previous_newline + 1;
    std::size_t line_end = text.find('\n', begin);
    if (line_end == std::string_view::npos) {
      line_end = text.size();
    }
    std::size_t line_number = 1;
    for (std::size_t i = 0; i < begin; ++i) {
      line_number += text[i] == '\n' ? 1U : 0U;
    }
    const std::string_view line = text.substr(line_start, line_end - line_start);
    const std::size_t column = display_width(text.substr(line_start, begin - line_start));
    const std::size_t marked = std::max<std::size_t>(
        1, display_width(text.substr(begin, std::min(end, line_end) - begin)));
    fmt::print("{}:{}:{}: {} {} {} (Policy {})\n", name, line_number, column + 1, to_string(finding.severity),
               to_string(finding.category), finding.rule, finding.clause);
    fmt::print("  {}\n  {}{}\n  {}\n\n", line, std::string(column, ' '), std::string(marked, '^'), finding.message);
  }
  if (result.truncated) {
    fmt::print("{}: more findings than shown (the list was cut)\n", name);
  }
}

int run_batch(const Engine& engine, const std::string& input) {
  std::istringstream lines(input);
  std::string line;
  int status = kExitClean;
  std::size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) {
      continue;
    }
    nlohmann::json request = nlohmann::json::parse(line, nullptr, false);
    nlohmann::json reply;
    if (!request.is_object() || !request.contains("text") || !request["text"].is_string()) {
      reply = {{"id", request.is_object() && request.contains("id") ? request["id"] : nlohmann::json(number)},
               {"error", "each line must be a JSON object with a string 'text'"}};
      status = kExitError;
    } else {
      const auto result = engine.scan(request["text"].get_ref<const std::string&>());
      nlohmann::json findings = nlohmann::json::array();
      for (const auto& finding : result.findings) {
        findings.push_back(to_json(finding));
      }
      reply = {{"id", request.value("id", nlohmann::json(number))}, {"findings", findings}};
      if (result.truncated) {
        reply["truncated"] = true;
      }
      if (!result.findings.empty() && status == kExitClean) {
        status = kExitFindings;
      }
    }
    std::cout << reply.dump() << '\n';
  }
  std::cout.flush();
  return status;
}

}  // namespace

void register_scan_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ScanOptions>();
  auto* command = app.add_subcommand("scan", "Check text for policy breaches (exit 0: clean, 1: findings, 2: error)");
  command->add_option("input", options->input, "File to check, or - for standard input")->capture_default_str();
  command->add_option("--site", options->site, "The site the text is for, e.g. facebook.com");
  command->add_flag("--json", options->json, "Print {\"findings\":[...]} as JSON");
  command->add_flag("--jsonl", options->jsonl, "Read {\"id\",\"text\",\"site\"} lines; write {\"id\",\"findings\"} lines");
  command->add_option("--org", options->org_packs, "An org pack (file or directory) to layer on the base pack; repeat for more")
      ->allow_extra_args(false)
      ->check(CLI::ExistingPath);
  command->callback([options, &exit_code] {
    const Config config = load_cli_config();
    (void)config;
    const auto engine = build_engine(options->org_packs);
    std::string input = read_input(options->input);
    if (options->jsonl) {
      exit_code = run_batch(*engine, utf::repair_utf8(input));
      return;
    }
    // Files may hold anything; ill-formed bytes become U+FFFD so offsets stay meaningful.
    if (!utf::is_valid_utf8(input)) {
      std::fprintf(stderr, "careguard: %s is not valid UTF-8; ill-formed bytes were read as U+FFFD\n",
                   options->input.c_str());
      input = utf::repair_utf8(input);
    }
    const auto result = engine->scan(input);
    if (options->json) {
      nlohmann::json findings = nlohmann::json::array();
      for (const auto& finding : result.findings) {
        findings.push_back(to_json(finding));
      }
      nlohmann::json out = {{"findings", findings}};
      if (result.truncated) {
        out["truncated"] = true;
      }
      std::cout << out.dump(2) << '\n';
    } else {
      print_for_people(options->input == "-" ? "<stdin>" : options->input, input, result);
    }
    exit_code = result.findings.empty() ? kExitClean : kExitFindings;
  });
}

}  // namespace careguard::cli
