#include "careguard/config.hpp"

#include "careguard/version.hpp"

#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace careguard {
namespace {

using nlohmann::json;

std::filesystem::path env_path(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at start-up
  return value != nullptr && *value != '\0' ? std::filesystem::path(value) : std::filesystem::path();
}

std::filesystem::path home_dir() {
#ifdef _WIN32
  return env_path("USERPROFILE");
#else
  return env_path("HOME");
#endif
}

std::vector<std::string> strings_of(const json& value, const std::string& key, const std::filesystem::path& source) {
  if (!value.is_array()) {
    throw ConfigError(fmt::format("{}: '{}' must be an array of strings", source.string(), key));
  }
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) {
      throw ConfigError(fmt::format("{}: '{}' must be an array of strings", source.string(), key));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

ConfigPaths default_config_paths() {
  ConfigPaths paths;
  const auto home = home_dir();
#if defined(_WIN32)
  const auto program_data = env_path("ProgramData");
  const auto app_data = env_path("APPDATA");
  const auto local_app_data = env_path("LOCALAPPDATA");
  paths.system_config = program_data / "CareGuard" / "config.json";
  paths.system_packs = program_data / "CareGuard" / "packs";
  paths.user_config = app_data / "CareGuard" / "config.json";
  paths.user_data = local_app_data / "CareGuard";
  paths.user_packs = paths.user_data / "packs";
  paths.cache = paths.user_data / "cache";
#elif defined(__APPLE__)
  paths.system_config = "/Library/Application Support/CareGuard/config.json";
  paths.system_packs = "/Library/Application Support/CareGuard/packs";
  paths.user_config = home / "Library/Application Support/CareGuard/config.json";
  paths.user_data = home / "Library/Application Support/CareGuard";
  paths.user_packs = paths.user_data / "packs";
  paths.cache = home / "Library/Caches/CareGuard";
#else
  auto xdg_config = env_path("XDG_CONFIG_HOME");
  auto xdg_data = env_path("XDG_DATA_HOME");
  auto xdg_cache = env_path("XDG_CACHE_HOME");
  if (xdg_config.empty()) {
    xdg_config = home / ".config";
  }
  if (xdg_data.empty()) {
    xdg_data = home / ".local/share";
  }
  if (xdg_cache.empty()) {
    xdg_cache = home / ".cache";
  }
  paths.system_config = "/etc/careguard/config.json";
  paths.system_packs = "/etc/careguard/packs";
  paths.user_config = xdg_config / "careguard/config.json";
  paths.user_data = xdg_data / "careguard";
  paths.user_packs = paths.user_data / "packs";
  paths.cache = xdg_cache / "careguard";
#endif
  return paths;
}

Config default_config(const ConfigPaths& paths) {
  Config config;
  config.allowed_callers = {std::string(kDevExtensionOrigin), std::string(kFirefoxAddonId)};
  config.pack_dirs = {paths.system_packs, paths.user_packs};
  config.cache_dir = paths.cache;
  config.audit.path = paths.user_data / "audit.jsonl";
  return config;
}

void apply_config_json(Config& config, const std::string& json_text, const std::filesystem::path& source,
                       bool* allow_user_config) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::exception& error) {
    // parse_error, and out_of_range for a number no double can hold ("1e400")
    throw ConfigError(fmt::format("{}: not valid JSON ({})", source.string(), error.what()));
  }
  if (!document.is_object()) {
    throw ConfigError(fmt::format("{}: the configuration must be a JSON object", source.string()));
  }
  const auto base = source.parent_path();
  auto resolve = [&](const std::string& value) {
    std::filesystem::path path(value);
    return path.is_relative() ? base / path : path;
  };
  try {
    for (const auto& [key, value] : document.items()) {
      if (key == "allowed_callers") {
        config.allowed_callers = strings_of(value, key, source);
      } else if (key == "pack_dirs") {
        config.pack_dirs.clear();
        for (const auto& dir : strings_of(value, key, source)) {
          config.pack_dirs.push_back(resolve(dir));
        }
      } else if (key == "trusted_keys") {
        config.trusted_keys = strings_of(value, key, source);
      } else if (key == "log") {
        config.log_level = value.value("level", config.log_level);
        if (value.contains("file")) {
          config.log_file = resolve(value.at("file").get<std::string>());
        }
      } else if (key == "audit") {
        config.audit.enabled = value.value("enabled", config.audit.enabled);
        if (value.contains("path")) {
          config.audit.path = resolve(value.at("path").get<std::string>());
        }
        config.audit.max_bytes = value.value("max_bytes", config.audit.max_bytes);
        config.audit.keep_files = value.value("keep_files", config.audit.keep_files);
        config.audit.max_age_days = value.value("max_age_days", config.audit.max_age_days);
        config.audit.syslog = value.value("syslog", config.audit.syslog);
        config.audit.pseudonym_key = value.value("pseudonym_key", config.audit.pseudonym_key);
      } else if (key == "cache_dir") {
        config.cache_dir = resolve(value.get<std::string>());
      } else if (key == "pack_poll_seconds") {
        config.pack_poll_seconds = value.get<double>();
        if (config.pack_poll_seconds < 0.1 || config.pack_poll_seconds > 3600) {
          throw ConfigError(fmt::format("{}: 'pack_poll_seconds' must be from 0.1 to 3600", source.string()));
        }
      } else if (key == "compile_time_limit_seconds") {
        config.compile_time_limit_seconds = value.get<double>();
        if (config.compile_time_limit_seconds < 0.01 || config.compile_time_limit_seconds > 3600) {
          throw ConfigError(fmt::format("{}: 'compile_time_limit_seconds' must be from 0.01 to 3600", source.string()));
        }
      } else if (key == "allow_user_config") {
        if (allow_user_config != nullptr) {
          *allow_user_config = value.get<bool>();
        }
      }
      // Unknown keys are ignored so that newer configuration files work with older hosts.
    }
  } catch (const json::exception& error) {
    throw ConfigError(fmt::format("{}: a setting has the wrong type ({})", source.string(), error.what()));
  }
  config.sources.push_back(source);
}

Config load_config(const std::optional<std::filesystem::path>& explicit_path) {
  const ConfigPaths paths = default_config_paths();
  Config config = default_config(paths);
  auto read = [](const std::filesystem::path& path) -> std::optional<std::string> {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
      return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      throw ConfigError(fmt::format("{}: cannot be read", path.string()));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  };
  std::optional<std::filesystem::path> chosen = explicit_path;
  if (!chosen) {
    if (auto from_env = env_path("CAREGUARD_CONFIG"); !from_env.empty()) {
      chosen = from_env;
    }
  }
  if (chosen) {
    const auto text = read(*chosen);
    if (!text) {
      throw ConfigError(fmt::format("{}: no such configuration file", chosen->string()));
    }
    apply_config_json(config, *text, *chosen);
    return config;
  }
  bool allow_user_config = true;
  if (const auto text = read(paths.system_config)) {
    apply_config_json(config, *text, paths.system_config, &allow_user_config);
  }
  if (allow_user_config) {
    if (const auto text = read(paths.user_config)) {
      apply_config_json(config, *text, paths.user_config);
    }
  }
  return config;
}

}  // namespace careguard
