#pragma once
// One browser connection: each frame body in, one reply body out, in order. One handler per
// message type (docs/PROTOCOL.md).

#include "careguard/audit_log.hpp"
#include "careguard/finding_writer.hpp"
#include "careguard/pack_manager.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace careguard {

enum class ErrorCode : int {
  FrameTooLarge = 1,
  FrameEmpty = 2,
  InvalidJson = 3,
  InvalidUtf8 = 4,
  InvalidRequest = 5,
  UnknownType = 6,
  TextTooLarge = 7,
  CallerNotAllowed = 8,
  Internal = 9,
  PackRejected = 10,
  StreamCorrupt = 11,
  UnsupportedProtocol = 12,
};

[[nodiscard]] std::string_view error_name(ErrorCode code) noexcept;

/// An error reply. `message` must never contain post text.
[[nodiscard]] std::string error_reply(const nlohmann::json& id, ErrorCode code, std::string_view message);

inline constexpr std::size_t kMaxTextBytes = 1024U * 1024U;
inline constexpr int kMaxJsonDepth = 32;

/// What the browser told the host on its command line.
struct HostArguments {
  std::optional<std::string> caller;  // chrome-extension://ID/ or a Firefox add-on id
  std::optional<std::filesystem::path> config;
};

/// Reads Chrome's and Firefox's arguments; ignores anything it does not know.
[[nodiscard]] HostArguments parse_host_arguments(const std::vector<std::string>& arguments);

/// Deepest nesting of objects and arrays in JSON text (strings are skipped), stopping early past
/// `limit`, so deeply nested input is refused before the parser sees it.
[[nodiscard]] int json_depth(std::string_view text, int limit) noexcept;

class HostSession {
 public:
  HostSession(PackManager& packs, AuditLog* audit, bool caller_allowed);

  /// The reply to one frame body.
  [[nodiscard]] std::string handle(std::string_view body);

 private:
  std::string on_hello(const nlohmann::json& id, const nlohmann::json& request);
  std::string on_scan(const nlohmann::json& id, const nlohmann::json& request);
  std::string on_status(const nlohmann::json& id, const nlohmann::json& request);
  std::string on_audit(const nlohmann::json& id, const nlohmann::json& request);
  std::string on_install_pack(const nlohmann::json& id, const nlohmann::json& request);

  PackManager& packs_;
  AuditLog* audit_;
  bool caller_allowed_;
  FindingWriter finding_writer_;  // keeps each rule's escaped fields between scans
};

/// The packs-in-force part of hello and status replies.
[[nodiscard]] nlohmann::json packs_json(const PackState& state);

}  // namespace careguard
