#include "careguard/database_cache.hpp"

#include <fmt/format.h>
#include <hs/hs.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#ifndef _WIN32
#include <csignal>
#include <unistd.h>
#endif

namespace careguard {
namespace {

constexpr std::string_view kMagic = "CGHSDB02";
constexpr std::size_t kKeyBytes = 64;
constexpr std::size_t kChecksumBytes = crypto_generichash_BYTES;
// Header: magic (8) | key (64, hex) | payload length (8, little-endian) | BLAKE2b of payload (32).
// The checksum catches corruption (a torn write, a bad disk); BLAKE2b is used for its speed, as it
// runs over megabytes at every start.
constexpr std::size_t kHeaderBytes = kMagic.size() + kKeyBytes + 8 + kChecksumBytes;

std::array<unsigned char, kChecksumBytes> checksum(std::string_view data) {
  std::array<unsigned char, kChecksumBytes> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     nullptr, 0);
  return digest;
}

std::string platform_description() {
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) != HS_SUCCESS) {
    return "unknown";
  }
  return fmt::format("tune{}-features{}", platform.tune, platform.cpu_features);
}

#ifndef _WIN32
/// A host killed while writing its cache leaves "<file>.<pid>.tmp" behind; the next host to write
/// the same file removes those whose writer has gone.
void remove_abandoned_temporaries(const std::filesystem::path& path) {
  const std::string prefix = path.filename().string() + ".";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".tmp")) {
      continue;
    }
    const std::string pid_text = name.substr(prefix.size(), name.size() - prefix.size() - 4);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}
#endif

}  // namespace

DatabaseCache::DatabaseCache(std::filesystem::path directory) : directory_(std::move(directory)) {}

std::string DatabaseCache::key_for(std::string_view content_hash) {
  const std::string material = fmt::format("{}|hs {}|{}", content_hash, hs_version(), platform_description());
  const auto digest = checksum(material);
  std::array<char, kChecksumBytes * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return {hex.data()};
}

std::filesystem::path DatabaseCache::path_for(std::string_view key) const {
  return directory_ / fmt::format("{}.hsdb", key.substr(0, 32));
}

std::optional<std::string> DatabaseCache::load(std::string_view key) const {
  const auto path = path_for(key);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return std::nullopt;
  }
  // One read into a buffer of the file's size: the file is megabytes, and every extra copy is
  // fresh pages the first scan waits for.
  const auto size = static_cast<std::streamoff>(in.tellg());
  std::string file(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
  in.seekg(0);
  if (size <= 0 || !in.read(file.data(), size)) {
    file.clear();
  }
  auto reject = [&](std::string_view why) -> std::optional<std::string> {
    spdlog::warn("database cache: {} ({}); compiling instead", why, path.string());
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return std::nullopt;
  };
  if (file.size() < kHeaderBytes || std::string_view(file).substr(0, kMagic.size()) != kMagic) {
    return reject("not a cache file");
  }
  if (std::string_view(file).substr(kMagic.size(), kKeyBytes) != key) {
    return reject("made for other packs, Hyperscan or platform");
  }
  std::uint64_t length = 0;
  std::memcpy(&length, file.data() + kMagic.size() + kKeyBytes, sizeof length);
  if (length != file.size() - kHeaderBytes) {
    return reject("truncated");
  }
  const auto expected = checksum(std::string_view(file).substr(kHeaderBytes));
  if (std::memcmp(expected.data(), file.data() + kMagic.size() + kKeyBytes + 8, kChecksumBytes) != 0) {
    return reject("checksum does not match");
  }
  file.erase(0, kHeaderBytes);
  return file;
}

bool DatabaseCache::store(std::string_view key, std::string_view database) const {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) {
    spdlog::warn("database cache: cannot create {}: {}", directory_.string(), error.message());
    return false;
  }
  const auto path = path_for(key);
#ifdef _WIN32
  const auto temporary = std::filesystem::path(path.string() + ".tmp");
#else
  remove_abandoned_temporaries(path);
  const auto temporary = std::filesystem::path(fmt::format("{}.{}.tmp", path.string(), getpid()));
#endif
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    const std::uint64_t length = database.size();
    const auto digest = checksum(database);
    out.write(kMagic.data(), static_cast<std::streamsize>(kMagic.size()));
    out.write(key.data(), static_cast<std::streamsize>(std::min(key.size(), kKeyBytes)));
    out.write(reinterpret_cast<const char*>(&length), sizeof length);
    out.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
    out.write(database.data(), static_cast<std::streamsize>(database.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(temporary, error);
      spdlog::warn("database cache: cannot write {} (disk full?)", temporary.string());
      return false;
    }
  }
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    return false;
  }
  return true;
}

}  // namespace careguard
