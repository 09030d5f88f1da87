#include "careguard/host_session.hpp"

#include "careguard/frame.hpp"
#include "careguard/utf.hpp"
#include "careguard/version.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

namespace careguard {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxFieldBytes = 256;
// Room for the envelope around the findings when checking a reply against the 1 MiB limit.
constexpr std::size_t kReplyBudget = kMaxOutgoingFrame - 4096;

struct RequestError {
  ErrorCode code;
  std::string message;
};

const std::string* optional_string(const json& request, const char* key, const char* type) {
  const auto it = request.find(key);
  if (it == request.end() || it->is_null()) {
    return nullptr;
  }
  if (!it->is_string()) {
    throw RequestError{ErrorCode::InvalidRequest, fmt::format("{}: '{}' must be a string", type, key)};
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value.size() > kMaxFieldBytes) {
    throw RequestError{ErrorCode::InvalidRequest, fmt::format("{}: '{}' is longer than {} bytes", type, key, kMaxFieldBytes)};
  }
  return &value;
}

}  // namespace

std::string_view error_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::FrameTooLarge:
      return "frame_too_large";
    case ErrorCode::FrameEmpty:
      return "frame_empty";
    case ErrorCode::InvalidJson:
      return "invalid_json";
    case ErrorCode::InvalidUtf8:
      return "invalid_utf8";
    case ErrorCode::InvalidRequest:
      return "invalid_request";
    case ErrorCode::UnknownType:
      return "unknown_type";
    case ErrorCode::TextTooLarge:
      return "text_too_large";
    case ErrorCode::CallerNotAllowed:
      return "caller_not_allowed";
    case ErrorCode::Internal:
      return "internal";
    case ErrorCode::PackRejected:
      return "pack_rejected";
    case ErrorCode::StreamCorrupt:
      return "stream_corrupt";
    case ErrorCode::UnsupportedProtocol:
      return "unsupported_protocol";
  }
  return "internal";
}

std::string error_reply(const json& id, ErrorCode code, std::string_view message) {
  return json{{"type", "error"},
              {"id", id},
              {"code", static_cast<int>(code)},
              {"name", error_name(code)},
              {"message", message}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

HostArguments parse_host_arguments(const std::vector<std::string>& arguments) {
  HostArguments out;
  std::vector<std::string> positional;
  for (const auto& argument : arguments) {
    if (argument.starts_with("--config=")) {
      out.config = argument.substr(9);
    } else if (argument.starts_with("chrome-extension://")) {
      out.caller = argument;
    } else if (argument.starts_with("-")) {
      continue;  // --parent-window=, --reconnect-command=, and anything newer
    } else {
      positional.push_back(argument);
    }
  }
  // Firefox: the manifest's path, then the add-on id.
  if (!out.caller && positional.size() >= 2 && positional[0].ends_with(".json")) {
    out.caller = positional[1];
  }
  return out;
}

int json_depth(std::string_view text, int limit) noexcept {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) {
        return deepest;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

json packs_json(const PackState& state) {
  json packs = json::array();
  for (const auto& pack : state.engine->packs()) {
    packs.push_back({{"id", pack.id}, {"version", pack.version}, {"rules", pack.rules}, {"source", pack.source}});
  }
  return packs;
}

namespace {
json problems_json(const PackState& state) {
  json problems = json::array();
  for (const auto& problem : state.problems) {
    problems.push_back({{"path", problem.path}, {"error", problem.error}});
  }
  return problems;
}
}  // namespace

HostSession::HostSession(PackManager& packs, AuditLog* audit, bool caller_allowed)
    : packs_(packs), audit_(audit), caller_allowed_(caller_allowed) {}

std::string HostSession::handle(std::string_view body) {
  json id = nullptr;
  try {
    if (const auto bad = utf::first_invalid_utf8(body)) {
      return error_reply(id, ErrorCode::InvalidUtf8, fmt::format("the frame is not valid UTF-8 (byte {})", *bad));
    }
    // JSON never holds a raw NUL (inside a string it must be escaped), and the parser would take
    // one as the end of input and ignore whatever follows it.
    if (body.find('\0') != std::string_view::npos) {
      return error_reply(id, ErrorCode::InvalidJson, "a raw NUL byte; JSON escapes it as \\u0000");
    }
    if (json_depth(body, kMaxJsonDepth) > kMaxJsonDepth) {
      return error_reply(id, ErrorCode::InvalidJson, fmt::format("JSON nested deeper than {}", kMaxJsonDepth));
    }
    json request;
    try {
      request = json::parse(body);
    } catch (const json::parse_error& error) {
      // nlohmann reports escaped lone surrogates as a parse error; they are not UTF-8 text.
      const bool surrogate = std::string_view(error.what()).find("surrogate") != std::string_view::npos;
      return error_reply(id, surrogate ? ErrorCode::InvalidUtf8 : ErrorCode::InvalidJson,
                         surrogate ? "a \\u escape makes a lone surrogate" : fmt::format("not JSON (at byte {})", error.byte));
    } catch (const json::exception&) {
      // A number too large for a double (1e999999) is out_of_range, not parse_error: still bad
      // JSON from the sender, not a bug here. Its message quotes the request, so it is not logged.
      return error_reply(id, ErrorCode::InvalidJson, "a number in the request is out of range");
    }
    if (!request.is_object()) {
      return error_reply(id, ErrorCode::InvalidJson, "a request must be a JSON object");
    }
    if (const auto it = request.find("id"); it != request.end()) {
      if (it->is_string() && it->get_ref<const std::string&>().size() <= kMaxIdBytes) {
        id = *it;
      } else if (it->is_number_integer()) {
        id = *it;
      } else if (!it->is_null()) {
        return error_reply(nullptr, ErrorCode::InvalidRequest, "'id' must be a string of at most 128 bytes or an integer");
      }
    }
    if (!caller_allowed_) {
      return error_reply(id, ErrorCode::CallerNotAllowed,
                         "this caller is not on the host's allowed list (ask IT to add the extension id)");
    }
    const auto type = request.find("type");
    if (type == request.end() || !type->is_string()) {
      return error_reply(id, ErrorCode::InvalidRequest, "'type' must be a string");
    }
    using Handler = std::string (HostSession::*)(const json&, const json&);
    static constexpr std::array<std::pair<std::string_view, Handler>, 5> kHandlers = {{
        {"hello", &HostSession::on_hello},
        {"scan", &HostSession::on_scan},
        {"status", &HostSession::on_status},
        {"audit", &HostSession::on_audit},
        {"install_pack", &HostSession::on_install_pack},
    }};
    const auto& name = type->get_ref<const std::string&>();
    for (const auto& [message_type, handler] : kHandlers) {
      if (message_type == name) {
        return (this->*handler)(id, request);
      }
    }
    return error_reply(id, ErrorCode::UnknownType, "unknown message type");
  } catch (const RequestError& error) {
    return error_reply(id, error.code, error.message);
  } catch (const std::exception& error) {
    spdlog::error("internal error handling a request: {}", error.what());
    return error_reply(id, ErrorCode::Internal, "internal error; see the host log");
  }
}

std::string HostSession::on_hello(const json& id, const json& request) {
  const auto require = request.find("require_protocol");
  const bool protocol_required = require != request.end() && !require->is_null();
  if (protocol_required && !require->is_boolean()) {
    throw RequestError{ErrorCode::InvalidRequest, "hello: 'require_protocol' must be true or false"};
  }
  if (const auto it = request.find("protocol"); it != request.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      throw RequestError{ErrorCode::InvalidRequest, "hello: 'protocol' must be an integer"};
    }
    if (it->get<long long>() > kProtocolVersion) {
      // A newer extension can still talk version 1; only a peer that *requires* newer says so.
      if (protocol_required && require->get<bool>()) {
        throw RequestError{ErrorCode::UnsupportedProtocol,
                           fmt::format("this host speaks protocol {}", kProtocolVersion)};
      }
    }
  }
  const auto state = packs_.state();
  return json{{"type", "hello"},
              {"id", id},
              {"protocol", kProtocolVersion},
              {"host_version", kHostVersion},
              {"packs", packs_json(*state)},
              {"pack_errors", problems_json(*state)},
              {"org", state->engine->org_profile()},
              {"site_adapters", state->engine->site_adapters()},
              {"limits", {{"max_text_bytes", kMaxTextBytes}, {"max_findings", kMaxFindings}}}}
      .dump();
}

std::string HostSession::on_scan(const json& id, const json& request) {
  const auto text_it = request.find("text");
  if (text_it == request.end()) {
    throw RequestError{ErrorCode::InvalidRequest, "scan: 'text' is required"};
  }
  if (!text_it->is_string()) {
    throw RequestError{ErrorCode::InvalidRequest, "scan: 'text' must be a string"};
  }
  (void)optional_string(request, "site", "scan");
  (void)optional_string(request, "field", "scan");
  const auto& text = text_it->get_ref<const std::string&>();
  if (text.size() > kMaxTextBytes) {
    throw RequestError{ErrorCode::TextTooLarge,
                       fmt::format("scan: 'text' is {} bytes; the limit is {}", text.size(), kMaxTextBytes)};
  }
  const auto state = packs_.state();
  const auto started = std::chrono::steady_clock::now();
  ScanResult result = state->engine->scan(text);
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();

  // Each finding is serialised once, both to measure it against the reply budget and to send it.
  std::string items;
  std::string item;
  std::size_t count = 0;
  bool truncated = result.truncated;
  for (const auto& finding : result.findings) {
    item.clear();
    finding_writer_.append(finding, item);
    if (items.size() + item.size() + 1 > kReplyBudget) {
      truncated = true;
      break;
    }
    if (count++ > 0) {
      items += ',';
    }
    items += item;
  }
  spdlog::debug("scan: {} bytes, {} findings, {} us", text.size(), count, elapsed);
  // The envelope around the items, keys in the order nlohmann writes them (sorted), so a result
  // reads the same as every other reply; the id is the caller's JSON value, written by nlohmann.
  std::string reply = R"({"elapsed_us":)";
  reply += std::to_string(elapsed);
  reply += R"(,"findings":[)";
  reply += items;
  reply += R"(],"id":)";
  reply += id.dump();
  reply += truncated ? R"(,"truncated":true,"type":"result"})" : R"(,"truncated":false,"type":"result"})";
  return reply;
}

std::string HostSession::on_status(const json& id, const json& /*request*/) {
  const auto state = packs_.state();
  return json{{"type", "status"},
              {"id", id},
              {"packs", packs_json(*state)},
              {"pack_errors", problems_json(*state)},
              {"reloads", state->reloads},
              {"last_reload", state->last_reload}}
      .dump();
}

std::string HostSession::on_audit(const json& id, const json& request) {
  const auto it = request.find("event");
  if (it == request.end()) {
    throw RequestError{ErrorCode::InvalidRequest, "audit: 'event' is required"};
  }
  std::string error;
  const auto event = parse_audit_event(*it, error);
  if (!event) {
    throw RequestError{ErrorCode::InvalidRequest, "audit: " + error};
  }
  const bool written = audit_ == nullptr || audit_->record(*event);
  return json{{"type", "ok"}, {"id", id}, {"recorded", written}}.dump();
}

std::string HostSession::on_install_pack(const json& id, const json& request) {
  const auto it = request.find("pack");
  if (it == request.end() || !it->is_string()) {
    throw RequestError{ErrorCode::InvalidRequest, "install_pack: 'pack' must be a string"};
  }
  try {
    const PackSummary summary = packs_.install(it->get_ref<const std::string&>());
    return json{{"type", "ok"},
                {"id", id},
                {"pack", {{"id", summary.id}, {"version", summary.version}, {"rules", summary.rules}}}}
        .dump();
  } catch (const PackError& error) {
    throw RequestError{ErrorCode::PackRejected, error.what()};
  }
}

}  // namespace careguard
