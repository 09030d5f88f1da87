#pragma once
// careguard audit summary: counts, rates and tuning candidates over collected audit logs, as a
// terminal table, JSON or a self-contained HTML report (docs/AUDIT.md).

#include <CLI/CLI.hpp>

namespace careguard::cli {

void register_audit_command(CLI::App& app, int& exit_code);

}  // namespace careguard::cli
