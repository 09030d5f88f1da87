// careguard pack: lint, test, build, keygen, sign, verify and diff pattern packs (docs/PACKS.md).

#include "careguard/signing.hpp"
#include "cli/common.hpp"

#include <fmt/format.h>

#include <iostream>
#include <map>

namespace careguard::cli {
namespace {

/// The engine a pack is checked with: a base pack alone, an org pack on the built-in base.
std::shared_ptr<const Engine> engine_for(const Pack& pack) {
  if (pack.kind == "base") {
    return Engine::build({pack});
  }
  return Engine::build({builtin_base_pack(), pack});
}

/// "Flagged" means at warn or above, as staff see it; a rule whose own severity is info only
/// has to fire.
bool rule_flags(const Engine& engine, const Rule& rule, const std::string& text) {
  const Severity threshold = std::min(rule.severity, Severity::Warn);
  for (const auto& finding : engine.scan(text).findings) {
    if (finding.rule == rule.id && finding.severity >= threshold) {
      return true;
    }
  }
  return false;
}

int run_test(const Pack& pack, bool quiet) {
  const auto engine = engine_for(pack);
  std::size_t checked = 0;
  std::size_t failed = 0;
  for (const auto& rule : pack.rules) {
    for (const auto& text : rule.examples_match) {
      ++checked;
      if (!rule_flags(*engine, rule, text)) {
        ++failed;
        fmt::print(stderr, "FAIL {}: should flag: {}\n", rule.id, text);
      }
    }
    for (const auto& text : rule.examples_no_match) {
      ++checked;
      if (rule_flags(*engine, rule, text)) {
        ++failed;
        fmt::print(stderr, "FAIL {}: should not flag: {}\n", rule.id, text);
      }
    }
  }
  if (!quiet) {
    fmt::print("{}: {} examples over {} rules\n", pack.id, checked, pack.rules.size());
  }
  fmt::print("{} passed, {} failed\n", checked - failed, failed);
  return failed == 0 ? kExitClean : kExitFindings;
}

std::map<std::string, nlohmann::json> rules_by_id(const Pack& pack) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& rule : pack.rules) {
    out[rule.id] = to_json(rule);
  }
  return out;
}

}  // namespace

void register_pack_command(CLI::App& app, int& exit_code) {
  auto* pack = app.add_subcommand("pack", "Work with pattern packs: lint, test, build, keygen, sign, verify, diff");
  pack->require_subcommand(1);

  {
    auto path = std::make_shared<std::string>();
    auto* lint = pack->add_subcommand("lint", "Check a pack's format and that every pattern compiles");
    lint->add_option("pack", *path, "Pack file or pack source directory")->required();
    lint->callback([path, &exit_code] {
      const Pack loaded = read_pack(*path, false, {});
      const auto engine = engine_for(loaded);
      fmt::print("{} {}: ok, {} rules, {} expressions\n", loaded.id, loaded.version, loaded.rules.size(),
                 engine->stats().expressions);
      exit_code = kExitClean;
    });
  }
  {
    auto path = std::make_shared<std::string>();
    auto* test = pack->add_subcommand("test", "Run every rule's examples; fails naming the rule and text on any miss");
    test->add_option("pack", *path, "Pack file or pack source directory (default: the built-in base pack)");
    test->callback([path, &exit_code] {
      exit_code = run_test(path->empty() ? builtin_base_pack() : read_pack(*path, false, {}), false);
    });
  }
  {
    auto path = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    auto* build = pack->add_subcommand("build", "Compile a pack; print rule count, compile time, database size");
    build->add_option("pack", *path, "Pack file or pack source directory")->required();
    build->add_option("-o,--output", *output, "Write the pack as one JSON file (for signing)");
    build->callback([path, output, &exit_code] {
      const Pack loaded = read_pack(*path, false, {});
      const auto engine = engine_for(loaded);
      const auto& stats = engine->stats();
      fmt::print("{} {}: {} rules ({} with the base pack), {} expressions, compiled in {:.1f} ms, database {} bytes\n",
                 loaded.id, loaded.version, loaded.rules.size(), stats.rules, stats.expressions,
                 static_cast<double>(stats.compile_time.count()) / 1000.0, stats.database_bytes);
      if (!output->empty()) {
        write_file(*output, to_json(loaded).dump(2) + "\n");
        fmt::print("wrote {}\n", *output);
      }
      exit_code = kExitClean;
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto* keygen = pack->add_subcommand("keygen", "Make an Ed25519 signing key: NAME.key (secret) and NAME.pub");
    keygen->add_option("name", *name, "Path prefix for the key files")->required();
    keygen->callback([name, &exit_code] {
      const auto pair = generate_signing_key();
      write_file(*name + ".key", pair.secret_key + "\n", true);
      write_file(*name + ".pub", pair.public_key + "\n");
      fmt::print("secret key: {}.key (keep it off laptops)\npublic key: {}.pub\n  {}\n"
                 "Add the public key to \"trusted_keys\" in the host configuration.\n",
                 *name, *name, pair.public_key);
      exit_code = kExitClean;
    });
  }
  {
    auto path = std::make_shared<std::string>();
    auto key = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    auto* sign = pack->add_subcommand("sign", "Sign a pack (after lint and test) into a .cgpack file");
    sign->add_option("pack", *path, "Pack file or pack source directory")->required();
    sign->add_option("--key", *key, "Secret key file from 'careguard pack keygen'")->required()->check(CLI::ExistingFile);
    sign->add_option("-o,--output", *output, "The signed pack to write (e.g. org.cgpack)")->required();
    sign->callback([path, key, output, &exit_code] {
      const Pack loaded = read_pack(*path, false, {});
      (void)engine_for(loaded);  // never sign a pack that does not compile
      std::string secret = read_input(*key);
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
        secret.pop_back();
      }
      write_file(*output, sign_pack(to_json(loaded).dump(2), secret));
      fmt::print("signed {} {} -> {}\n", loaded.id, loaded.version, *output);
      exit_code = kExitClean;
    });
  }
  {
    auto path = std::make_shared<std::string>();
    auto keys = std::make_shared<std::vector<std::string>>();
    auto* verify = pack->add_subcommand("verify", "Check a signed pack against trusted keys (--trust, or the configuration's)");
    verify->add_option("pack", *path, "Signed pack file")->required()->check(CLI::ExistingFile);
    verify->add_option("--trust", *keys, "A trusted public key (base64) or .pub file");
    verify->callback([path, keys, &exit_code] {
      std::vector<std::string> trusted;
      for (const auto& key : *keys) {
        std::error_code error;
        std::string value = std::filesystem::exists(key, error) ? read_input(key) : key;
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
          value.pop_back();
        }
        trusted.push_back(value);
      }
      if (trusted.empty()) {
        trusted = load_cli_config().trusted_keys;
      }
      const auto verified = verify_signed_pack(read_input(*path), trusted);
      const Pack loaded = parse_pack_text(verified.pack_text, *path);
      (void)engine_for(loaded);
      fmt::print("{} {}: signature good (key {}), {} rules compile\n", loaded.id, loaded.version, verified.key,
                 loaded.rules.size());
      exit_code = kExitClean;
    });
  }
  {
    auto old_path = std::make_shared<std::string>();
    auto new_path = std::make_shared<std::string>();
    auto* diff = pack->add_subcommand("diff", "Rules added, removed and changed between two versions of a pack");
    diff->add_option("old", *old_path, "The earlier pack")->required();
    diff->add_option("new", *new_path, "The later pack")->required();
    diff->callback([old_path, new_path, &exit_code] {
      const Pack before = read_pack(*old_path, false, {});
      const Pack after = read_pack(*new_path, false, {});
      const auto old_rules = rules_by_id(before);
      const auto new_rules = rules_by_id(after);
      fmt::print("{} {} -> {} {}\n", before.id, before.version, after.id, after.version);
      std::size_t changes = 0;
      for (const auto& [id, rule] : new_rules) {
        if (!old_rules.contains(id)) {
          fmt::print("+ {} ({}, {})\n", id, rule.value("category", ""), rule.value("severity", ""));
          ++changes;
        }
      }
      for (const auto& [id, rule] : old_rules) {
        if (!new_rules.contains(id)) {
          fmt::print("- {}\n", id);
          ++changes;
        }
      }
      for (const auto& [id, rule] : new_rules) {
        const auto it = old_rules.find(id);
        if (it == old_rules.end() || it->second == rule) {
          continue;
        }
        std::vector<std::string> fields;
        for (const auto& [key, value] : rule.items()) {
          if (!it->second.contains(key) || it->second.at(key) != value) {
            fields.push_back(key);
          }
        }
        for (const auto& [key, value] : it->second.items()) {
          if (!rule.contains(key)) {
            fields.push_back(key);
          }
        }
        fmt::print("~ {}: {}\n", id, fmt::join(fields, ", "));
        ++changes;
      }
      fmt::print("{} rule changes\n", changes);
      exit_code = changes == 0 ? kExitClean : kExitFindings;
    });
  }
}

}  // namespace careguard::cli
