// careguard: the command line for staff, admins and IT, over careguard::core.

#include "careguard/logging.hpp"
#include "careguard/version.hpp"
#include "cli/audit_command.hpp"
#include "cli/common.hpp"
#include "cli/install_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"CareGuard: checks posts against the social media policy before they are published."};
  app.set_version_flag("--version", std::string(careguard::kHostVersion));
  app.require_subcommand(1);
  app.add_option("--config", careguard::cli::global_options().config, "Use this configuration file");
  int exit_code = careguard::cli::kExitClean;
  careguard::cli::register_scan_command(app, exit_code);
  careguard::cli::register_pack_command(app, exit_code);
  careguard::cli::register_org_command(app, exit_code);
  careguard::cli::register_install_commands(app, exit_code);
  careguard::cli::register_audit_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : careguard::cli::kExitError;
  } catch (const careguard::cli::CommandError& error) {
    std::fprintf(stderr, "careguard: %s\n", error.what());
    return careguard::cli::kExitError;
  } catch (const careguard::PackError& error) {
    std::fprintf(stderr, "careguard: %s\n", error.what());
    return careguard::cli::kExitError;
  } catch (const careguard::ConfigError& error) {
    std::fprintf(stderr, "careguard: %s\n", error.what());
    return careguard::cli::kExitError;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "careguard: %s\n", error.what());
    return careguard::cli::kExitError;
  }
  return exit_code;
}
