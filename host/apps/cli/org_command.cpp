// careguard org: build an organisation's pack from its profile and name lists (CSV).

#include "careguard/names.hpp"
#include "careguard/normalizer.hpp"
#include "careguard/org_profile.hpp"
#include "careguard/signing.hpp"
#include "cli/common.hpp"

#include <fmt/format.h>

#include <fstream>

namespace careguard::cli {
namespace {

struct OrgBuildOptions {
  std::string profile;
  std::string service_users;
  std::string colleagues;
  std::string id = "org";
  std::string version = "1.0.0";
  std::string rules;
  std::string output;
  std::string sign_key;
};

std::vector<PersonName> read_names(const std::string& path) {
  if (path.empty()) {
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw CommandError(fmt::format("{}: cannot be read", path));
  }
  try {
    return read_names_csv(in);
  } catch (const std::invalid_argument& error) {
    throw CommandError(fmt::format("{}: {}", path, error.what()));
  }
}

}  // namespace

void register_org_command(CLI::App& app, int& exit_code) {
  auto* org = app.add_subcommand("org", "Build the organisation's pack: profile, hashed name lists, own rules");
  org->require_subcommand(1);
  auto options = std::make_shared<OrgBuildOptions>();
  auto* build = org->add_subcommand("build", "Make an org pack from a profile and CSV name lists");
  build->add_option("--profile", options->profile, "Organisation profile JSON (template fields, safeguarding lead, ...)")
      ->check(CLI::ExistingFile);
  build->add_option("--service-users", options->service_users, "CSV: first_name,last_name[,preferred_name]")
      ->check(CLI::ExistingFile);
  build->add_option("--colleagues", options->colleagues, "CSV: first_name,last_name[,preferred_name]")
      ->check(CLI::ExistingFile);
  build->add_option("--rules", options->rules, "A pack file whose rules, word lists, overrides and allowlist to include")
      ->check(CLI::ExistingFile);
  build->add_option("--id", options->id, "Pack id")->capture_default_str();
  build->add_option("--version", options->version, "Pack version")->capture_default_str();
  build->add_option("-o,--output", options->output, "Where to write the pack")->required();
  build->add_option("--sign", options->sign_key, "Sign with this secret key (writes a .cgpack envelope)")
      ->check(CLI::ExistingFile);
  build->callback([options, &exit_code] {
    Pack pack;
    if (!options->rules.empty()) {
      pack = read_pack(options->rules, false, {});
    }
    pack.id = options->id;
    pack.version = options->version;
    pack.kind = "org";
    if (pack.description.empty()) {
      pack.description = "Organisation pack";
    }
    if (!options->profile.empty()) {
      const auto profile = nlohmann::json::parse(read_input(options->profile), nullptr, false);
      if (!profile.is_object()) {
        throw CommandError(fmt::format("{}: the profile must be a JSON object", options->profile));
      }
      // The profile's contact details and official accounts are allowlisted, and its name
      // becomes the org-name word list and rules (docs/NAMES.md).
      apply_org_profile(pack, profile);
    }
    const auto service_users = read_names(options->service_users);
    const auto colleagues = read_names(options->colleagues);
    if (!service_users.empty() || !colleagues.empty()) {
      const Normalizer normalizer;
      pack.names = NameIndex::build_json(service_users, colleagues, normalizer);
    }
    const std::string text = to_json(pack).dump(2);
    const Pack checked = parse_pack_text(text, options->output);
    (void)Engine::build({builtin_base_pack(), checked});
    if (options->sign_key.empty()) {
      write_file(options->output, text + "\n");
    } else {
      std::string secret = read_input(options->sign_key);
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
        secret.pop_back();
      }
      write_file(options->output, sign_pack(text, secret));
    }
    fmt::print("{} {}: {} service users, {} colleagues (as keyed hashes), {} rules -> {}\n", pack.id, pack.version,
               service_users.size(), colleagues.size(), pack.rules.size(), options->output);
    exit_code = kExitClean;
  });
}

}  // namespace careguard::cli
