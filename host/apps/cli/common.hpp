#pragma once
// What the CLI's commands share: loading packs, reading input, exit codes.

#include "careguard/config.hpp"
#include "careguard/engine.hpp"
#include "careguard/pack.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace careguard::cli {

/// Exit codes, like a linter's.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;

/// An error to report on stderr with exit code 2.
struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GlobalOptions {
  std::optional<std::filesystem::path> config;
};

GlobalOptions& global_options();
[[nodiscard]] Config load_cli_config();

/// Reads a pack path: a pack source directory, a pack file, or a signed envelope (whose signature
/// is checked against `trusted_keys` when `verify` is true).
[[nodiscard]] Pack read_pack(const std::filesystem::path& path, bool verify, const std::vector<std::string>& trusted_keys);

/// The built-in base pack plus these org packs.
[[nodiscard]] std::shared_ptr<const Engine> build_engine(const std::vector<std::filesystem::path>& org_packs);

/// A whole file, or stdin for "-". Throws CommandError.
[[nodiscard]] std::string read_input(const std::string& path);
void write_file(const std::filesystem::path& path, std::string_view content, bool secret = false);

void register_scan_command(CLI::App& app, int& exit_code);
void register_pack_command(CLI::App& app, int& exit_code);
void register_org_command(CLI::App& app, int& exit_code);

}  // namespace careguard::cli
