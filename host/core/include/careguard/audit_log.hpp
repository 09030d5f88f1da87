#pragma once
// Audit events: what staff met and what they did, never what they wrote. JSON Lines, one event
// per line, flushed as written so a killed host loses no completed event; rotated by size and
// age; optionally copied to syslog/journald or the Windows Event Log.
// Format: docs/AUDIT.md.

#include "careguard/config.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace careguard {

/// The fields an event may carry. Anything else a caller sends is dropped, so free text can never
/// reach the log by accident.
struct AuditEvent {
  std::string rule;
  std::string category;
  std::string severity;
  std::string site;
  std::string action;
  std::string reason;  // a reason *category* for posting anyway, never free text
};

/// Checks an event from the extension; nullopt with `error` set when a field is missing or not
/// one of the allowed values.
[[nodiscard]] std::optional<AuditEvent> parse_audit_event(const nlohmann::json& event, std::string& error);

class AuditLog {
 public:
  /// `pseudonym_key`: 32 bytes hex; device and user ids are keyed hashes under it.
  AuditLog(AuditSettings settings, std::string host_version, std::string pack_versions);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  AuditLog(AuditLog&&) = delete;
  AuditLog& operator=(AuditLog&&) = delete;

  /// Appends one event. Returns false if it could not be written (disk full, no permission);
  /// protection carries on regardless.
  bool record(const AuditEvent& event);

  void set_pack_versions(std::string pack_versions);

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return settings_.path; }

 private:
  bool rotate_if_needed(std::size_t incoming);
  bool open();
  /// Deletes rotated files older than max_age_days.
  void remove_expired() const;
  /// The event also goes to syslog/journald (Linux, macOS) or the Event Log (Windows).
  void send_to_system_log(const std::string& line, std::string_view severity);

  AuditSettings settings_;
  std::string host_version_;
  std::string pack_versions_;
  std::string device_id_;
  std::string user_id_;
  std::FILE* file_ = nullptr;
  [[maybe_unused]] void* event_source_ = nullptr;  // Windows: the Event Log source handle (HANDLE)
  std::uint64_t size_ = 0;
  std::mutex mutex_;
};

}  // namespace careguard
