#include "careguard/audit_log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <syslog.h>
#include <unistd.h>
#endif

namespace careguard {
namespace {

const std::set<std::string, std::less<>> kActions = {"shown",          "edited",         "dismissed", "reported_fine",
                                                     "posted_anyway",  "blocked",        "concern_reported",
                                                     "attachment_confirmed", "attachment_cancelled"};
const std::set<std::string, std::less<>> kReasons = {"",           "consent_given", "not_about_a_client", "public_information",
                                                     "false_alarm", "other"};
const std::set<std::string, std::less<>> kSeverities = {"info", "warn", "block"};

bool plain_id(std::string_view value, std::size_t max) {
  if (value.empty() || value.size() > max) {
    return false;
  }
  for (const char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string keyed_id(std::string_view key_material, std::string_view value) {
  std::array<unsigned char, 8> digest{};
  std::array<unsigned char, crypto_generichash_KEYBYTES> key{};
  crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(key_material.data()),
                     key_material.size(), nullptr, 0);
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(value.data()), value.size(),
                     key.data(), key.size());
  std::array<char, 17> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return {hex.data()};
}

std::string machine_name() {
#ifndef _WIN32
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) == 0) {
    return {name.data()};
  }
  return "unknown";
#else
  const char* name = std::getenv("COMPUTERNAME");  // NOLINT(concurrency-mt-unsafe)
  return name != nullptr ? name : "unknown";
#endif
}

std::string user_name() {
  const char* name = std::getenv("USER");  // NOLINT(concurrency-mt-unsafe)
  if (name == nullptr) {
    name = std::getenv("USERNAME");  // NOLINT(concurrency-mt-unsafe)
  }
  return name != nullptr ? name : "unknown";
}

#ifdef _WIN32
std::wstring widen(const std::string& utf8) {
  if (utf8.empty()) {
    return {};
  }
  const int size = static_cast<int>(utf8.size());
  const int wide = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), size, nullptr, 0);
  std::wstring out(static_cast<std::size_t>(wide > 0 ? wide : 0), L'\0');
  if (wide > 0) {
    MultiByteToWideChar(CP_UTF8, 0, utf8.data(), size, out.data(), wide);
  }
  return out;
}

// The Event Log id of every CareGuard audit event. With the source registered against .NET's
// EventLogMessages.dll (PowerShell: New-EventLog -LogName Application -Source CareGuard) the
// message shown is the JSON line itself.
constexpr DWORD kAuditEventId = 1000;
#endif

}  // namespace

std::optional<AuditEvent> parse_audit_event(const nlohmann::json& event, std::string& error) {
  if (!event.is_object()) {
    error = "'event' must be an object";
    return std::nullopt;
  }
  auto field = [&](const char* key) -> std::string {
    const auto it = event.find(key);
    return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  AuditEvent out{field("rule"), field("category"), field("severity"), field("site"), field("action"), field("reason")};
  if (!plain_id(out.rule, 80)) {
    error = "'rule' must be a rule id";
  } else if (!plain_id(out.category, 40)) {
    error = "'category' must be a category id";
  } else if (!kSeverities.contains(out.severity)) {
    error = "'severity' must be info, warn or block";
  } else if (!kActions.contains(out.action)) {
    error = "'action' is not a known action";
  } else if (!kReasons.contains(out.reason)) {
    error = "'reason' must be a reason category";
  } else if (!out.site.empty() && !plain_id(out.site, 253)) {
    error = "'site' must be a host name";
  } else {
    return out;
  }
  return std::nullopt;
}

AuditLog::AuditLog(AuditSettings settings, std::string host_version, std::string pack_versions)
    : settings_(std::move(settings)), host_version_(std::move(host_version)), pack_versions_(std::move(pack_versions)) {
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium could not start");
  }
  // Pseudonyms: the same laptop and person give the same ids in every log, but the ids do not
  // reveal the names without the key, which stays in the configuration.
  const std::string key = settings_.pseudonym_key.empty() ? std::string("careguard-default-pseudonym-key")
                                                          : settings_.pseudonym_key;
  device_id_ = keyed_id(key, machine_name());
  user_id_ = keyed_id(key, user_name());
  if (settings_.enabled && settings_.syslog) {
#ifdef _WIN32
    event_source_ = RegisterEventSourceW(nullptr, L"CareGuard");
    if (event_source_ == nullptr) {
      spdlog::warn("audit: cannot open the Windows Event Log source CareGuard");
    }
#else
    // authpriv: syslog daemons keep it in a file only root reads (/var/log/auth.log on Debian);
    // journald keeps every facility (journalctl -t careguard).
    openlog("careguard", LOG_PID, LOG_AUTHPRIV);
#endif
  }
}

AuditLog::~AuditLog() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
#ifdef _WIN32
  if (event_source_ != nullptr) {
    DeregisterEventSource(static_cast<HANDLE>(event_source_));
  }
#endif
}

void AuditLog::send_to_system_log(const std::string& line, std::string_view severity) {
#ifdef _WIN32
  if (event_source_ == nullptr) {
    return;
  }
  const std::wstring message = widen(line);
  LPCWSTR strings[1] = {message.c_str()};
  const WORD type = severity == "block" ? EVENTLOG_WARNING_TYPE : EVENTLOG_INFORMATION_TYPE;
  ReportEventW(static_cast<HANDLE>(event_source_), type, 0, kAuditEventId, nullptr, 1, 0, strings, nullptr);
#else
  int priority = LOG_INFO;
  if (severity == "block") {
    priority = LOG_WARNING;
  } else if (severity == "warn") {
    priority = LOG_NOTICE;
  }
  syslog(LOG_AUTHPRIV | priority, "%s", line.c_str());  // NOLINT(cppcoreguidelines-pro-type-vararg)
#endif
}

void AuditLog::remove_expired() const {
  if (settings_.max_age_days == 0) {
    return;
  }
  const auto cutoff = std::filesystem::file_time_type::clock::now() -
                      std::chrono::hours(24) * static_cast<std::int64_t>(settings_.max_age_days);
  const auto base = settings_.path.string();
  for (unsigned i = 1; i <= settings_.keep_files; ++i) {
    const std::filesystem::path rotated = fmt::format("{}.{}", base, i);
    std::error_code error;
    const auto written = std::filesystem::last_write_time(rotated, error);
    if (!error && written < cutoff) {
      std::filesystem::remove(rotated, error);
    }
  }
}

void AuditLog::set_pack_versions(std::string pack_versions) {
  const std::lock_guard lock(mutex_);
  pack_versions_ = std::move(pack_versions);
}

bool AuditLog::open() {
  if (file_ != nullptr) {
    return true;
  }
  std::error_code error;
  std::filesystem::create_directories(settings_.path.parent_path(), error);
  file_ = std::fopen(settings_.path.string().c_str(), "ab");
  if (file_ == nullptr) {
    return false;
  }
  size_ = std::filesystem::file_size(settings_.path, error);
  remove_expired();
  return true;
}

bool AuditLog::rotate_if_needed(std::size_t incoming) {
  if (size_ + incoming <= settings_.max_bytes || size_ == 0) {
    return true;
  }
  std::fclose(file_);
  file_ = nullptr;
  std::error_code error;
  const auto base = settings_.path.string();
  std::filesystem::remove(fmt::format("{}.{}", base, settings_.keep_files), error);
  for (unsigned i = settings_.keep_files; i > 1; --i) {
    std::filesystem::rename(fmt::format("{}.{}", base, i - 1), fmt::format("{}.{}", base, i), error);
  }
  if (settings_.keep_files > 0) {
    std::filesystem::rename(settings_.path, base + ".1", error);
  } else {
    std::filesystem::remove(settings_.path, error);
  }
  return open();
}

bool AuditLog::record(const AuditEvent& event) {
  if (!settings_.enabled) {
    return true;
  }
  const std::lock_guard lock(mutex_);
  nlohmann::json line = {
      {"time", fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::milliseconds>(
                                                         std::chrono::system_clock::now()))},
      {"rule", event.rule},
      {"category", event.category},
      {"severity", event.severity},
      {"site", event.site},
      {"action", event.action},
      {"host_version", host_version_},
      {"packs", pack_versions_},
      {"device", device_id_},
      {"user", user_id_},
  };
  if (!event.reason.empty()) {
    line["reason"] = event.reason;
  }
  std::string text = line.dump();
  if (settings_.syslog) {
    send_to_system_log(text, event.severity);
  }
  text += '\n';
  if (!open() || !rotate_if_needed(text.size())) {
    spdlog::warn("audit: cannot open {}", settings_.path.string());
    return false;
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    spdlog::warn("audit: cannot write {} (disk full?)", settings_.path.string());
    std::clearerr(file_);
    return false;
  }
  size_ += text.size();
  return true;
}

}  // namespace careguard
