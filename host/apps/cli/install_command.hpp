#pragma once
// careguard install / uninstall / doctor: registering careguard-host with the browsers and
// finding out why it does not work (docs/DEPLOY.md).

#include <CLI/CLI.hpp>

namespace careguard::cli {

void register_install_commands(CLI::App& app, int& exit_code);

}  // namespace careguard::cli
