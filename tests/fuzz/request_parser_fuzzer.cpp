// One request body, as the host receives it in a frame, through HostSession::handle with the
// built-in base pack (docs/PROTOCOL.md). Whatever the bytes, the reply must be one JSON object that
// fits in an outgoing frame, of a known type; errors carry a stable code and its name and are
// never "internal" (a malformed request is the caller's error, not a host failure); a reply other
// than an error echoes the request's id; scan findings lie inside the text, in UTF-16 offsets.

#include "careguard/config.hpp"
#include "careguard/frame.hpp"
#include "careguard/host_session.hpp"
#include "careguard/pack_manager.hpp"
#include "careguard/utf.hpp"

#include "fuzz_check.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;

careguard::PackManager* packs = nullptr;

bool is_known_reply_type(const std::string& type) {
  return type == "hello" || type == "result" || type == "status" || type == "ok" || type == "error";
}

/// The request's id as the session should echo it, or nullopt when the body is not a JSON object
/// the session would read an id from.
std::optional<json> request_id(std::string_view body) {
  if (!careguard::utf::is_valid_utf8(body) || careguard::json_depth(body, careguard::kMaxJsonDepth) > careguard::kMaxJsonDepth) {
    return std::nullopt;
  }
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    return std::nullopt;
  }
  const auto it = request.find("id");
  return it == request.end() ? json(nullptr) : *it;
}

void check_findings(const json& reply, std::string_view body) {
  const json request = json::parse(body);
  const std::size_t text_length = careguard::utf::utf16_length(request.at("text").get_ref<const std::string&>());
  const auto& findings = reply.at("findings");
  CAREGUARD_FUZZ_CHECK(findings.is_array(), "findings is an array");
  for (const auto& finding : findings) {
    const auto start = finding.at("start").get<std::uint64_t>();
    const auto end = finding.at("end").get<std::uint64_t>();
    CAREGUARD_FUZZ_CHECK(start < end, "a finding covers at least one UTF-16 unit");
    CAREGUARD_FUZZ_CHECK(end <= text_length, "a finding ends inside the text");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Internal errors are logged; the check below reports them, so the log would only be noise.
  spdlog::set_level(spdlog::level::off);
  const char* tmp = std::getenv("TMPDIR");
  careguard::Config config = careguard::default_config(careguard::default_config_paths());
  config.pack_dirs = {};     // install_pack must never write into the user's pack folder
  config.trusted_keys = {};  // nothing can be installed, so every input leaves the packs as they were
  // The compiled base pack is cached, so only the first run (per cache folder) compiles it.
  config.cache_dir = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") / "careguard-fuzz-cache";
  packs = new careguard::PackManager(config);  // NOLINT(cppcoreguidelines-owning-memory): lives for the process
  packs->load();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  careguard::HostSession session(*packs, nullptr, true);
  const std::string reply_text = session.handle(body);

  CAREGUARD_FUZZ_CHECK(reply_text.size() <= careguard::kMaxOutgoingFrame, "the reply fits in one outgoing frame");
  CAREGUARD_FUZZ_CHECK(careguard::utf::is_valid_utf8(reply_text), "the reply is UTF-8");
  const json reply = json::parse(reply_text, nullptr, false);
  CAREGUARD_FUZZ_CHECK(!reply.is_discarded() && reply.is_object(), "the reply is a JSON object");
  const auto type = reply.find("type");
  CAREGUARD_FUZZ_CHECK(type != reply.end() && type->is_string(), "the reply has a type");
  const auto& type_name = type->get_ref<const std::string&>();
  CAREGUARD_FUZZ_CHECK(is_known_reply_type(type_name), "the reply type is one the protocol defines");

  if (type_name == "error") {
    const auto code = reply.find("code");
    CAREGUARD_FUZZ_CHECK(code != reply.end() && code->is_number_integer(), "an error has an integer code");
    const int value = code->get<int>();
    CAREGUARD_FUZZ_CHECK(value >= 1 && value <= 12, "the error code is a documented one");
    CAREGUARD_FUZZ_CHECK(reply.value("name", "") == careguard::error_name(static_cast<careguard::ErrorCode>(value)),
                         "the error name matches its code");
    CAREGUARD_FUZZ_CHECK(value != static_cast<int>(careguard::ErrorCode::Internal),
                         "a malformed request is an invalid request, never an internal error");
    return 0;
  }
  const auto id = request_id(body);
  CAREGUARD_FUZZ_CHECK(id.has_value(), "only a JSON object request gets a reply other than an error");
  CAREGUARD_FUZZ_CHECK(reply.contains("id") && reply["id"] == *id, "the reply echoes the request id");
  if (type_name == "result") {
    check_findings(reply, body);
  }
  return 0;
}
