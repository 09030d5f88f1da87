#include "cli/common.hpp"

#include "careguard/database_cache.hpp"
#include "careguard/logging.hpp"
#include "careguard/signing.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#ifndef _WIN32
#include <sys/stat.h>
#endif

namespace careguard::cli {

GlobalOptions& global_options() {
  static GlobalOptions options;
  return options;
}

Config load_cli_config() {
  Config config = load_config(global_options().config);
  setup_logging("careguard", config);
  return config;
}

std::string read_input(const std::string& path) {
  if (path.empty() || path == "-") {
    return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw CommandError(fmt::format("{}: cannot be read", path));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_file(const std::filesystem::path& path, std::string_view content, bool secret) {
  const auto temporary = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw CommandError(fmt::format("{}: cannot be written", path.string()));
    }
#ifndef _WIN32
    if (secret) {
      ::chmod(temporary.c_str(), 0600);
    }
#endif
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) {
      throw CommandError(fmt::format("{}: cannot be written", path.string()));
    }
  }
  std::filesystem::rename(temporary, path);
}

Pack read_pack(const std::filesystem::path& path, bool verify, const std::vector<std::string>& trusted_keys) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return load_pack_directory(path);
  }
  const std::string text = read_input(path.string());
  if (looks_signed(text)) {
    if (verify) {
      return parse_pack_text(verify_signed_pack(text, trusted_keys).pack_text, path.string());
    }
    const auto envelope = nlohmann::json::parse(text);
    return parse_pack_text(envelope.at("pack").get<std::string>(), path.string());
  }
  return parse_pack_text(text, path.string());
}

std::shared_ptr<const Engine> build_engine(const std::vector<std::filesystem::path>& org_packs) {
  std::vector<Pack> packs{builtin_base_pack()};
  for (const auto& path : org_packs) {
    // Admins test their own org packs locally before signing them, so a local file need not be
    // signed here; the host itself loads only signed packs.
    packs.push_back(read_pack(path, false, {}));
  }
  // The same compiled-database cache as the host, so repeated runs start at once.
  const Config config = load_config(global_options().config);
  if (config.cache_dir.empty()) {
    return Engine::build(packs);
  }
  const DatabaseCache cache(config.cache_dir);
  return Engine::build(packs, &cache);
}

}  // namespace careguard::cli
