#include "careguard/database_cache.hpp"

#include <fmt/format.h>
#include <hs/hs.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

#ifndef _WIN32
#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace careguard {
namespace {

constexpr std::string_view kMagic = "CGHSDB03";
constexpr std::size_t kKeyBytes = 64;
constexpr std::size_t kDigestBytes = crypto_generichash_BYTES;
// Header: magic (8) | key (64, hex) | payload length (8, little-endian). The length catches a
// truncated file. The payload checks its own bytes (the engine's table has a BLAKE2b, each
// Hyperscan database a CRC32C that Hyperscan verifies as it loads it): a second checksum over
// megabytes here cost a fifth of a start from the cache.
constexpr std::size_t kHeaderBytes = kMagic.size() + kKeyBytes + 8;

std::array<unsigned char, kDigestBytes> digest_of(std::string_view data) {
  std::array<unsigned char, kDigestBytes> digest{};
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

/// Writes the parts to a temporary file and renames it over `path`, so a reader sees the old file
/// or the new one, never part of one. False when the disk refused; nothing is left behind.
bool write_whole(const std::filesystem::path& path, std::initializer_list<std::string_view> parts) {
  std::error_code error;
#ifdef _WIN32
  const auto temporary = std::filesystem::path(path.string() + ".tmp");
#else
  remove_abandoned_temporaries(path);
  const auto temporary = std::filesystem::path(fmt::format("{}.{}.tmp", path.string(), getpid()));
#endif
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    for (const auto part : parts) {
      out.write(part.data(), static_cast<std::streamsize>(part.size()));
    }
    out.flush();
    if (!out) {
      std::filesystem::remove(temporary, error);
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

}  // namespace

CachedDatabase::~CachedDatabase() { release(); }

CachedDatabase::CachedDatabase(CachedDatabase&& other) noexcept { *this = std::move(other); }

CachedDatabase& CachedDatabase::operator=(CachedDatabase&& other) noexcept {
  if (this != &other) {
    release();
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_size_ = std::exchange(other.mapping_size_, 0);
    if (mapping_ != nullptr) {
      bytes_ = other.bytes_;
    } else {
      // The view points into the string, which may be moved out of its own small buffer.
      copy_ = std::move(other.copy_);
      bytes_ = copy_;
    }
    other.bytes_ = {};
  }
  return *this;
}

void CachedDatabase::release() noexcept {
#ifndef _WIN32
  if (mapping_ != nullptr) {
    ::munmap(mapping_, mapping_size_);
  }
#endif
  mapping_ = nullptr;
  mapping_size_ = 0;
  copy_.clear();
  bytes_ = {};
}

DatabaseCache::DatabaseCache(std::filesystem::path directory) : directory_(std::move(directory)) {}

std::string DatabaseCache::key_for(std::string_view content_hash) {
  const std::string material = fmt::format("{}|hs {}|{}", content_hash, hs_version(), platform_description());
  const auto digest = digest_of(material);
  std::array<char, kDigestBytes * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return {hex.data()};
}

std::filesystem::path DatabaseCache::path_for(std::string_view key) const {
  return directory_ / fmt::format("{}.hsdb", key.substr(0, 32));
}

std::optional<CachedDatabase> DatabaseCache::load(std::string_view key) const {
  const auto path = path_for(key);
  CachedDatabase file;
#ifndef _WIN32
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return std::nullopt;
    }
    struct stat about {};
    void* mapping = MAP_FAILED;
    if (::fstat(fd, &about) == 0 && about.st_size > 0) {
      int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
      flags |= MAP_POPULATE;  // every page at once: it is all read straight away
#endif
      // A writer replaces the file by rename, never in place, so this mapping's file never shrinks.
      mapping = ::mmap(nullptr, static_cast<std::size_t>(about.st_size), PROT_READ, flags, fd, 0);
    }
    ::close(fd);
    if (mapping != MAP_FAILED) {
      file.mapping_ = mapping;
      file.mapping_size_ = static_cast<std::size_t>(about.st_size);
      file.bytes_ = std::string_view(static_cast<const char*>(mapping), file.mapping_size_);
    }
  }
#endif
  if (file.mapping_ == nullptr) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return std::nullopt;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    file.copy_ = buffer.str();
    file.bytes_ = file.copy_;
  }
  auto reject = [&](std::string_view why) -> std::optional<CachedDatabase> {
    spdlog::warn("database cache: {} ({}); compiling instead", why, path.string());
    file.release();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return std::nullopt;
  };
  const std::string_view whole = file.bytes_;
  if (whole.size() < kHeaderBytes || whole.substr(0, kMagic.size()) != kMagic) {
    return reject("not a cache file");
  }
  if (whole.substr(kMagic.size(), kKeyBytes) != key) {
    return reject("made for other packs, Hyperscan or platform");
  }
  std::uint64_t length = 0;
  std::memcpy(&length, whole.data() + kMagic.size() + kKeyBytes, sizeof length);
  if (length != whole.size() - kHeaderBytes) {
    return reject("truncated");
  }
  file.bytes_ = whole.substr(kHeaderBytes);
  // Used now: pruning after a store keeps the databases hosts load, not those merely written last.
  std::error_code ignored;
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ignored);
  return file;
}

namespace {

bool is_database_file_name(const std::string& name) {
  constexpr std::size_t kHexDigits = 32;
  return name.size() == kHexDigits + 5 && name.ends_with(".hsdb") &&
         name.find_first_not_of("0123456789abcdef") == kHexDigits;
}

}  // namespace

void DatabaseCache::prune(const std::filesystem::path& keep) const {
  std::error_code error;
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, error)) {
    std::error_code about;
    if (entry.path() == keep || !entry.is_regular_file(about) || !is_database_file_name(entry.path().filename().string())) {
      continue;
    }
    const auto used = entry.last_write_time(about);
    if (!about) {
      files.emplace_back(used, entry.path());
    }
  }
  if (files.size() < kKeptDatabases) {
    return;
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = kKeptDatabases - 1; i < files.size(); ++i) {
    std::filesystem::remove(files[i].second, error);
  }
}

namespace {

constexpr std::string_view kLastKeyFile = "last-start.key";

}  // namespace

std::optional<std::string> DatabaseCache::last_key() const {
  std::ifstream in(directory_ / kLastKeyFile, std::ios::binary);
  std::array<char, kKeyBytes + 1> buffer{};
  in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  if (in.gcount() != static_cast<std::streamsize>(kKeyBytes)) {
    return std::nullopt;  // no note, or not exactly a key
  }
  std::string key(buffer.data(), kKeyBytes);
  if (key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  return key;
}

void DatabaseCache::remember(std::string_view key) const {
  if (key.size() != kKeyBytes || last_key() == key) {
    return;
  }
  // Written whole and renamed, like a database: a reader sees the old note or the new one.
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  (void)write_whole(directory_ / kLastKeyFile, {key});
}

bool DatabaseCache::store(std::string_view key, std::string_view database) const {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) {
    spdlog::warn("database cache: cannot create {}: {}", directory_.string(), error.message());
    return false;
  }
  const auto path = path_for(key);
  const std::uint64_t length = database.size();
  if (!write_whole(path, {kMagic, key.substr(0, std::min(key.size(), kKeyBytes)),
                          std::string_view(reinterpret_cast<const char*>(&length), sizeof length), database})) {
    spdlog::warn("database cache: cannot write {} (disk full?)", path.string());
    return false;
  }
  prune(path);
  return true;
}

}  // namespace careguard
