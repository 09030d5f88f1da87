// The hostile-input matrix (docs/HOSTILE-INPUTS.md): one table of inputs, each with the answer the
// host must give, sent to the real careguard-host over real pipes. After every case a valid scan
// must still work, the host's resident memory must stay bounded, and nothing of the text sent may
// reach its stderr (logging is at trace, the most verbose level).
//
// The ids in kCases and the rows of docs/HOSTILE-INPUTS.md are checked against each other, so the
// document cannot drift from what is tested.

#include "../support/files.hpp"
#include "security_support.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace careguard::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kForeignOrigin = "chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/";
constexpr std::size_t kMiB = 1024U * 1024U;

// ---- building raw input -------------------------------------------------------------------------

/// A scan whose text is spliced in raw, for bytes nlohmann would refuse to serialise.
std::string raw_scan_body(const std::string& raw_text) {
  return std::string(R"({"type":"scan","id":"m","text":")") + raw_text + R"("})";
}

std::string repeat(const std::string& unit, std::size_t total_bytes) {
  std::string out;
  out.reserve(total_bytes + unit.size());
  while (out.size() + unit.size() <= total_bytes) {
    out += unit;
  }
  return out;
}

/// `count` complete frames written back to back, all before any answer is read.
std::string burst(std::size_t count, const std::function<std::string(std::size_t)>& body_for) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out += frame(body_for(i));
  }
  return out;
}

// ---- the table ----------------------------------------------------------------------------------

enum class Reply { Error, Result, Hello, Status, Ok, None };
enum class Input {
  Allowed,         // the usual caller; the stream stays open
  AllowedThenEof,  // the usual caller; stdin is closed after the bytes
  Trickle,         // the usual caller; the bytes arrive one write per byte
  Foreign,         // a caller not on the allowed list
};

struct Outcome {
  Reply reply = Reply::None;
  int code = 0;                  // the error code, for Reply::Error
  std::size_t replies = 1;       // replies expected, in order
  int exit_status = -1;          // -1: the host keeps serving; else it must exit with this
  std::size_t min_findings = 0;  // for Reply::Result
  bool truncated = false;        // for Reply::Result: the list must say it was cut
};

Outcome error(int code, std::size_t replies = 1) {
  Outcome o;
  o.reply = Reply::Error;
  o.code = code;
  o.replies = replies;
  return o;
}
Outcome result(std::size_t min_findings = 0, bool truncated = false, std::size_t replies = 1) {
  Outcome o;
  o.reply = Reply::Result;
  o.min_findings = min_findings;
  o.truncated = truncated;
  o.replies = replies;
  return o;
}
Outcome answer(Reply reply) {
  Outcome o;
  o.reply = reply;
  return o;
}
/// The host exits with `status`, after error frame `code` if code is not 0.
Outcome exits(int status, int code = 0) {
  Outcome o;
  o.reply = code != 0 ? Reply::Error : Reply::None;
  o.code = code;
  o.replies = code != 0 ? 1 : 0;
  o.exit_status = status;
  return o;
}

struct HostileCase {
  std::string id;
  std::string description;
  std::function<std::string()> bytes;
  Outcome outcome;
  Input input = Input::Allowed;
};

std::vector<HostileCase> hostile_cases() {
  const std::string marker = kMarker;
  return {
      // Framing: the 4-byte length prefix and the body it promises.
      {"F01", "length prefix 0", [] { return length_prefix(0); }, error(2)},
      {"F02", "length prefix 1 with the body '{'", [] { return frame("{"); }, error(3)},
      {"F03", "length prefix 1 with the body '7' (JSON, not an object)", [] { return frame("7"); }, error(3)},
      {"F04", "length prefix 0xFFFFFFFF (4 GiB)", [] { return length_prefix(0xFFFFFFFFU); }, exits(3, 11)},
      {"F05", "length prefix 64 MiB + 1 (above Chrome's own maximum)",
       [] { return length_prefix(64U * 1024U * 1024U + 1U); }, exits(3, 11)},
      {"F06", "stray text read as a length ('data: hello\\n')", [] { return std::string("data: hello\n"); },
       exits(3, 11)},
      {"F07", "9 MiB body (above the 8 MiB limit), read and thrown away",
       [] { return frame(std::string(9U * kMiB, ' ')); }, error(1)},
      {"F08", "body of exactly 8 MiB: a scan padded with whitespace",
       [marker] {
         std::string body = scan_body(marker + " " + kNhs);
         body.insert(1, std::string(8U * kMiB - body.size(), ' '));
         return frame(body);
       },
       result(1)},
      {"F09", "two bytes of a length prefix, then end of input", [] { return std::string("\x10\x00", 2); },
       exits(0), Input::AllowedThenEof},
      {"F10", "truncated body: 100 bytes promised, 8 sent, then end of input",
       [] { return length_prefix(100) + "{\"type\":"; }, exits(0), Input::AllowedThenEof},
      {"F11", "truncated oversize body: 32 MiB promised, 1 MiB sent, then end of input",
       [] { return length_prefix(32U * kMiB) + std::string(kMiB, 'x'); }, exits(0), Input::AllowedThenEof},
      {"F12", "end of input at a frame boundary", [] { return std::string(); }, exits(0), Input::AllowedThenEof},
      {"F13", "one scan frame written one byte per write", [marker] { return frame(scan_body(marker + " " + kNhs)); },
       result(1), Input::Trickle},
      // JSON structure.
      {"J01", "not JSON ('{not json')", [] { return frame("{not json"); }, error(3)},
      {"J02", "a JSON array", [] { return frame("[1,2,3]"); }, error(3)},
      {"J03", "a JSON string", [] { return frame("\"scan\""); }, error(3)},
      {"J04", "JSON null", [] { return frame("null"); }, error(3)},
      {"J05", "arrays nested 33 deep (one past the limit)",
       [] { return frame(std::string(33, '[') + std::string(33, ']')); }, error(3)},
      {"J06", "100,000 unclosed '[' (a parser stack overflow attempt)",
       [] { return frame(std::string(100000, '[')); }, error(3)},
      {"J07", "objects nested 1,000 deep inside the id field",
       [] {
         std::string nested;
         for (int i = 0; i < 1000; ++i) nested += "{\"a\":";
         nested += '1';
         nested.append(1000, '}');
         return frame(R"({"type":"scan","text":"x","id":)" + nested + "}");
       },
       error(3)},
      {"J08", "brackets nested 10,000 deep inside the text string (not structure)",
       [marker] { return frame(scan_body(marker + std::string(10000, '[') + std::string(10000, ']'))); }, result()},
      {"J09", "a valid object followed by trailing bytes", [] { return frame(R"({"type":"status","id":1} x)"); },
       error(3)},
      {"J10", "two objects in one frame", [] { return frame(R"({"type":"status","id":1}{"type":"status","id":2})"); },
       error(3)},
      {"J11", "a JavaScript comment in the JSON", [] { return frame(R"({"type":"status",/* hi */"id":1})"); },
       error(3)},
      {"J12", "number 1e999999 as the id (overflows a double)",
       [] { return frame(R"({"type":"scan","id":1e999999,"text":"x"})"); }, error(3)},
      {"J14", "the same key twice ('type' scan, then status): the last one counts",
       [] { return frame(R"({"type":"scan","text":"x","type":"status","id":1})"); }, answer(Reply::Status)},
      {"J13", "integer id above 2^64", [] { return frame(R"({"type":"scan","id":99999999999999999999999,"text":"x"})"); },
       error(5)},
      // UTF-8 and escapes.
      {"U01", "invalid UTF-8 byte sequence (C3 28) in the text", [marker] {
         return frame(raw_scan_body(marker + " \xC3\x28 " + kNhs)); }, error(4)},
      {"U02", "overlong encoding (C0 AF) of '/'", [] { return frame(raw_scan_body("a\xC0\xAF" "b")); }, error(4)},
      {"U03", "a surrogate encoded directly as UTF-8 (ED A0 80)", [] { return frame(raw_scan_body("a\xED\xA0\x80" "b")); },
       error(4)},
      {"U04", "escaped lone high surrogate \\ud800", [] { return frame(raw_scan_body(R"(lone \ud800 here)")); }, error(4)},
      {"U05", "escaped lone low surrogate \\udc00", [] { return frame(raw_scan_body(R"(lone \udc00 here)")); }, error(4)},
      {"U06", "escaped high surrogate followed by a non-surrogate escape",
       [] { return frame(raw_scan_body(R"(pair? \ud83d\u0041)")); }, error(4)},
      {"U07", "multi-byte sequence cut off by the end of the frame (F0 9F 98)",
       [] { return frame(std::string(R"({"type":"status","id":1,"x":"a")") + "\xF0\x9F\x98"); }, error(4)},
      {"U08", "code point above U+10FFFF (F4 90 80 80)", [] { return frame(raw_scan_body("a\xF4\x90\x80\x80" "b")); },
       error(4)},
      {"U09", "bytes FF FE (never valid in UTF-8) before the JSON", [] { return frame("\xFF\xFE{}"); }, error(4)},
      {"U11", "a UTF-8 byte-order mark before the JSON: accepted", [] { return frame("\xEF\xBB\xBF{\"type\":\"status\",\"id\":1}"); },
       answer(Reply::Status)},
      {"U10", "a valid escaped surrogate pair (an emoji) with an NHS number",
       [marker] { return frame(raw_scan_body(marker + R"( \ud83d\ude00 )" + kNhs)); }, result(1)},
      // NUL bytes.
      {"N01", "a raw NUL byte inside the text string",
       [] { return frame(std::string("{\"type\":\"scan\",\"id\":1,\"text\":\"a\0b\"}", 33)); }, error(3)},
      {"N02", "a body that is one NUL byte", [] { return frame(std::string(1, '\0')); }, error(3)},
      {"N03", "escaped NUL (\\u0000) inside the text: text, scanned",
       [marker] { return frame(scan_body(marker + std::string(1, '\0') + " " + kNhs + std::string(1, '\0'))); },
       result(1)},
      {"N04", "a NUL byte after a complete object", [] { return frame(std::string("{\"type\":\"status\",\"id\":1}\0", 25)); },
       error(3)},
      // Wrong types, missing and unknown fields.
      {"T01", "no type", [] { return frame(R"({"id":1,"text":"x"})"); }, error(5)},
      {"T02", "type is a number", [] { return frame(R"({"type":7,"id":1})"); }, error(5)},
      {"T03", "unknown type", [] { return frame(R"({"type":"teleport","id":1})"); }, error(6)},
      {"T04", "type in capitals ('SCAN')", [] { return frame(R"({"type":"SCAN","id":1,"text":"x"})"); }, error(6)},
      {"T05", "scan without text", [] { return frame(R"({"type":"scan","id":1})"); }, error(5)},
      {"T06", "text is a number", [] { return frame(R"({"type":"scan","id":1,"text":42})"); }, error(5)},
      {"T07", "text is null", [] { return frame(R"({"type":"scan","id":1,"text":null})"); }, error(5)},
      {"T08", "text is an array of strings", [] { return frame(R"({"type":"scan","id":1,"text":["a","b"]})"); }, error(5)},
      {"T09", "text is an object", [] { return frame(R"({"type":"scan","id":1,"text":{"t":"x"}})"); }, error(5)},
      {"T10", "site is a number", [] { return frame(R"({"type":"scan","id":1,"text":"x","site":7})"); }, error(5)},
      {"T11", "field is 257 bytes long",
       [] { return frame(json{{"type", "scan"}, {"id", 1}, {"text", "x"}, {"field", std::string(257, 'f')}}.dump()); },
       error(5)},
      {"T12", "id is an object", [] { return frame(R"({"type":"scan","id":{"n":1},"text":"x"})"); }, error(5)},
      {"T13", "id is a 129-byte string",
       [] { return frame(json{{"type", "scan"}, {"id", std::string(129, 'i')}, {"text", "x"}}.dump()); }, error(5)},
      {"T14", "id is a fraction (1.5)", [] { return frame(R"({"type":"scan","id":1.5,"text":"x"})"); }, error(5)},
      {"T15", "id is true", [] { return frame(R"({"type":"scan","id":true,"text":"x"})"); }, error(5)},
      {"T16", "unknown fields (a future extension) are ignored",
       [marker] {
         json body = json::parse(scan_body(marker + " " + kNhs));
         body["future_field"] = {{"nested", {1, 2, 3}}};
         body["priority"] = "high";
         return frame(body.dump());
       },
       result(1)},
      {"T17", "hello whose protocol is a string", [] { return frame(R"({"type":"hello","id":1,"protocol":"one"})"); },
       error(5)},
      {"T18", "hello that requires protocol 999",
       [] { return frame(R"({"type":"hello","id":1,"protocol":999,"require_protocol":true})"); }, error(12)},
      {"T19", "hello with protocol 999 not required: answered as protocol 1",
       [] { return frame(R"({"type":"hello","id":1,"protocol":999})"); }, answer(Reply::Hello)},
      {"T20", "status with unknown fields", [] { return frame(R"({"type":"status","id":1,"verbose":true})"); },
       answer(Reply::Status)},
      {"T21", "audit event with free text in the rule id",
       [marker] {
         return frame(json{{"type", "audit"},
                           {"id", 1},
                           {"event",
                            {{"rule", "Mrs " + marker},
                             {"category", "personal-identifier"},
                             {"severity", "block"},
                             {"action", "dismissed"}}}}
                          .dump());
       },
       error(5)},
      {"T22", "audit event that is a string", [] { return frame(R"({"type":"audit","id":1,"event":"dismissed"})"); },
       error(5)},
      {"T23", "audit event with an unknown field: recorded without it",
       [marker] {
         return frame(audit_request(1, {{"text", marker + " " + kNhs}}).dump());
       },
       answer(Reply::Ok)},
      {"T24", "install_pack whose pack is a number", [] { return frame(R"({"type":"install_pack","id":1,"pack":5})"); },
       error(5)},
      {"T25", "install_pack with a pack that is not a signed pack",
       [] { return frame(R"({"type":"install_pack","id":1,"pack":"{\"id\":\"evil\"}"})"); }, error(10)},
      // Size and load.
      {"S01", "text of exactly 1 MiB", [marker] {
         std::string text = marker + " " + kNhs + " ";
         text += std::string(kMiB - text.size(), 'a');
         return frame(scan_body(text)); }, result(1)},
      {"S02", "text of 1 MiB + 1 byte", [] { return frame(scan_body(std::string(kMiB + 1, 'a'))); }, error(7)},
      {"S03", "1 MiB text giving 149,796 matches (e-mail addresses): 1,000 findings, truncated",
       [] { return frame(scan_body(repeat("a@b.co ", kMiB))); }, result(1000, true)},
      {"S04", "1 MiB text of NHS numbers and key safe codes: 1,000 findings, truncated",
       [] { return frame(scan_body(repeat("key safe code is 4821. NHS 943 476 5919. ", kMiB))); }, result(1000, true)},
      {"S05", "1 MiB text of 4-byte emoji (two UTF-16 units each)",
       [] { return frame(scan_body(repeat("\xF0\x9F\x98\x80", kMiB))); }, result()},
      {"S06", "1 MiB text of zero-width spaces and combining marks",
       [] { return frame(scan_body(repeat("\xE2\x80\x8B\xCC\x81", kMiB))); }, result()},
      {"S07", "1 MiB text of digits with no separators",
       [] { return frame(scan_body(repeat("9434765919", kMiB))); }, result()},
      {"S08", "1 MiB text of one word ('a' repeated)", [] { return frame(scan_body(std::string(kMiB, 'a'))); }, result()},
      {"S09", "5,000 scans written before any answer is read (requests faster than answers)",
       [marker] {
         return burst(5000, [&marker](std::size_t i) {
           return scan_body(i % 2 == 0 ? marker + " " + kNhs : std::string("lovely walk"), static_cast<int>(i));
         });
       },
       result(0, false, 5000)},
      {"S10", "2,000 malformed frames written before any answer is read",
       [] { return burst(2000, [](std::size_t) { return std::string("{"); }); }, error(3, 2000)},
      {"S11", "24 scans of 512 KiB each written before any answer is read",
       [marker] {
         return burst(24, [&marker](std::size_t i) {
           return scan_body(marker + " " + repeat(kNhs + " lovely day ", 512U * 1024U), static_cast<int>(i));
         });
       },
       result(100, false, 24)},
      {"S12", "3 frames of 9 MiB in a row, each thrown away",
       [] { return burst(3, [](std::size_t) { return std::string(9U * kMiB, 'z'); }); }, error(1, 3)},
      {"S14", "1 MiB text giving more raw matches than the 200,000 cap ('4821 ' repeated)",
       [] { return frame(scan_body(repeat("4821 ", kMiB))); }, result(0, true)},
      {"S13", "install_pack with a 7 MiB pack string of junk",
       [] { return frame(json{{"type", "install_pack"}, {"id", 1}, {"pack", std::string(7U * kMiB, 'j')}}.dump()); },
       error(10)},
      // Callers.
      {"C01", "a scan from a caller not on the allowed list", [marker] { return frame(scan_body(marker + " " + kNhs)); },
       error(8), Input::Foreign},
      {"C02", "a hello from a caller not on the allowed list", [] { return frame(R"({"type":"hello","id":1})"); },
       error(8), Input::Foreign},
  };
}

// ---- running it ---------------------------------------------------------------------------------

// Sanitizer builds keep freed memory in a quarantine and shadow every allocation, so their
// resident size is several times a release build's.
#ifdef CAREGUARD_SANITIZED
constexpr std::size_t kMemoryScale = 4;
#else
constexpr std::size_t kMemoryScale = 1;
#endif
// Above the resident size after start-up: the largest legitimate request (an 8 MiB frame, a 1 MiB
// text, its parse tree and a 1 MiB reply) with room for the allocator to keep some of it.
constexpr std::size_t kMaxGrowthKib = 160U * 1024U * kMemoryScale;
// Between the end of one full pass of the table and the end of a second: bounded means no growth
// per repetition beyond allocator noise.
constexpr std::size_t kMaxSecondPassGrowthKib = 24U * 1024U * kMemoryScale;

class HostileMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef CAREGUARD_SANITIZED
    // AddressSanitizer holds up to 256 MiB of freed memory in quarantine; a small one in the hosts
    // started here keeps the second pass from looking like growth. Later options override earlier.
    const char* asan = std::getenv("ASAN_OPTIONS");  // NOLINT(concurrency-mt-unsafe)
    const std::string options = std::string(asan != nullptr ? asan : "") + ":quarantine_size_mb=16";
    ::setenv("ASAN_OPTIONS", options.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
#endif
  }

  [[nodiscard]] std::unique_ptr<HostProcess> start(const char* origin) const { return dir_.start({origin}); }

  /// A valid scan must still be answered with its one finding.
  static void expect_still_works(HostProcess& host, const std::string& after) {
    host.send(scan_body(std::string(kMarker) + " " + kNhs, "after-" + after));
    const json reply = host.receive(30s);
    ASSERT_EQ(reply.value("type", ""), "result") << "after " << after << ": " << reply;
    EXPECT_EQ(reply["id"], "after-" + after);
    EXPECT_EQ(reply["findings"].size(), 1U) << "after " << after << ": " << reply;
  }

  /// Sends the case's bytes (from another thread, so the host can answer a burst while it is still
  /// being written) and checks every reply against the expected outcome.
  static void run_case(HostProcess& host, const HostileCase& c) {
    const std::string bytes = c.bytes();
    std::thread writer([&host, &bytes, &c] {
      if (c.input == Input::Trickle) {
        for (const char byte : bytes) {
          host.write_raw(std::string(1, byte));
        }
      } else {
        host.write_raw(bytes);
      }
      if (c.input == Input::AllowedThenEof) {
        host.close_stdin();
      }
    });
    bool failed = false;
    for (std::size_t i = 0; i < c.outcome.replies && !failed; ++i) {
      const auto body = host.read_frame(60s);
      if (!body) {
        ADD_FAILURE() << c.id << ": reply " << i << " of " << c.outcome.replies << " never came";
        failed = true;
        break;
      }
      EXPECT_EQ(body->find(kMarker), std::string::npos) << c.id << ": a reply carries the text";
      const json reply = json::parse(*body, nullptr, false);
      if (!reply.is_object()) {
        ADD_FAILURE() << c.id << ": a reply that is not a JSON object";
        failed = true;
        break;
      }
      check_reply(c, i, reply);
    }
    if (failed) {
      ::kill(host.pid(), SIGKILL);  // unblocks the writer
    }
    writer.join();
  }

  static void check_reply(const HostileCase& c, std::size_t index, const json& reply) {
    const Outcome& o = c.outcome;
    const std::string type = reply.value("type", "");
    switch (o.reply) {
      case Reply::Error:
        EXPECT_EQ(type, "error") << c.id << ": " << reply;
        EXPECT_EQ(reply.value("code", 0), o.code) << c.id << ": " << reply;
        EXPECT_TRUE(reply.contains("id") && reply.contains("name") && reply.contains("message")) << c.id;
        break;
      case Reply::Result:
        ASSERT_EQ(type, "result") << c.id << ": " << reply.dump().substr(0, 300);
        EXPECT_GE(reply["findings"].size(), o.min_findings) << c.id;
        EXPECT_LE(reply["findings"].size(), 1000U) << c.id;
        if (o.truncated) {
          EXPECT_EQ(reply["truncated"], true) << c.id;
        }
        if (o.replies > 1) {
          EXPECT_EQ(reply["id"], static_cast<int>(index)) << c.id << ": replies out of order";
        }
        break;
      case Reply::Hello:
        EXPECT_EQ(type, "hello") << c.id << ": " << reply;
        EXPECT_EQ(reply.value("protocol", 0), 1) << c.id;
        break;
      case Reply::Status:
        EXPECT_EQ(type, "status") << c.id << ": " << reply;
        break;
      case Reply::Ok:
        EXPECT_EQ(type, "ok") << c.id << ": " << reply;
        break;
      case Reply::None:
        ADD_FAILURE() << c.id << ": no reply expected, got " << reply;
        break;
    }
  }

  const HostTestDir dir_{"careguard-hostile"};
};

TEST_F(HostileMatrixTest, TableHasAtLeastFortyDistinctCases) {
  const auto cases = hostile_cases();
  EXPECT_GE(cases.size(), 40U);
  std::set<std::string> ids;
  for (const auto& c : cases) {
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate id " << c.id;
    EXPECT_FALSE(c.description.empty()) << c.id;
  }
}

TEST_F(HostileMatrixTest, EveryCaseIdIsInTheDocumentAndNoOther) {
  std::ifstream doc(std::string(CAREGUARD_SOURCE_DIR) + "/docs/HOSTILE-INPUTS.md");
  ASSERT_TRUE(doc) << "docs/HOSTILE-INPUTS.md is missing";
  std::set<std::string> documented;
  const std::regex row(R"(^\| *([A-Z][0-9]{2}) *\|)");
  std::string line;
  while (std::getline(doc, line)) {
    std::smatch match;
    if (std::regex_search(line, match, row)) {
      documented.insert(match[1].str());
    }
  }
  std::set<std::string> tested;
  for (const auto& c : hostile_cases()) {
    tested.insert(c.id);
    EXPECT_TRUE(documented.contains(c.id)) << c.id << " (" << c.description << ") is not in docs/HOSTILE-INPUTS.md";
  }
  for (const auto& id : documented) {
    EXPECT_TRUE(tested.contains(id)) << id << " is in docs/HOSTILE-INPUTS.md but not in the test";
  }
}

// Cases that end the host run each in a host of their own; after them a new host (what the
// browser starts on the next connectNative) must work.
TEST_F(HostileMatrixTest, CasesThatEndTheHostExitCleanlyAndANewHostWorks) {
  for (const auto& c : hostile_cases()) {
    if (c.outcome.exit_status < 0) {
      continue;
    }
    SCOPED_TRACE(c.id + ": " + c.description);
    auto host = start(kOrigin);
    StderrDrain stderr_log(*host);
    run_case(*host, c);
    const auto status = host->wait_exit(5s);
    ASSERT_TRUE(status.has_value()) << c.id << ": the host did not exit";
    EXPECT_EQ(*status, c.outcome.exit_status) << c.id;
    EXPECT_FALSE(host->read_frame(100ms).has_value()) << c.id << ": an extra frame";
    stderr_log.stop();
    EXPECT_EQ(stderr_log.text().find(kMarker), std::string::npos) << c.id;
    auto next = start(kOrigin);
    expect_still_works(*next, c.id);
  }
}

TEST_F(HostileMatrixTest, CallersNotOnTheAllowedListGetOnlyAnErrorWhateverTheyAsk) {
  for (const auto& c : hostile_cases()) {
    if (c.input != Input::Foreign) {
      continue;
    }
    SCOPED_TRACE(c.id + ": " + c.description);
    auto host = start(kForeignOrigin);
    run_case(*host, c);
    // The follow-up scan from the same caller is refused too, and carries no findings.
    host->send(scan_body(std::string(kMarker) + " " + kNhs, "after"));
    const json reply = host->receive(30s);
    EXPECT_EQ(reply.value("code", 0), 8) << reply;
    EXPECT_FALSE(reply.contains("findings"));
  }
}

// Every other case on one long-lived host, in table order, twice: a valid scan after each, memory
// sampled after each, and no text in stderr at the end.
TEST_F(HostileMatrixTest, OneHostSurvivesEveryCaseTwiceWithBoundedMemory) {
  auto host = start(kOrigin);
  StderrDrain stderr_log(*host);
  expect_still_works(*host, "start");
  const Memory baseline = memory_of(host->pid());
  ASSERT_GT(baseline.rss_kib, 0U);
  std::size_t first_pass_end = 0;
  std::size_t cases_run = 0;
  for (int pass = 1; pass <= 2; ++pass) {
    for (const auto& c : hostile_cases()) {
      if (c.outcome.exit_status >= 0 || c.input == Input::Foreign) {
        continue;
      }
      SCOPED_TRACE("pass " + std::to_string(pass) + ", " + c.id + ": " + c.description);
      run_case(*host, c);
      ASSERT_FALSE(host->wait_exit(0ms).has_value()) << c.id << ": the host died";
      expect_still_works(*host, c.id);
      const Memory now = memory_of(host->pid());
      EXPECT_LE(now.rss_kib, baseline.rss_kib + kMaxGrowthKib)
          << c.id << ": resident memory " << now.rss_kib << " KiB, " << baseline.rss_kib << " KiB after start-up";
      ++cases_run;
    }
    if (pass == 1) {
      first_pass_end = memory_of(host->pid()).rss_kib;
    }
  }
  const Memory end = memory_of(host->pid());
  EXPECT_LE(end.rss_kib, first_pass_end + kMaxSecondPassGrowthKib)
      << "resident memory grew from " << first_pass_end << " KiB to " << end.rss_kib << " KiB over a second pass";
  EXPECT_LE(end.peak_kib, baseline.rss_kib + kMaxGrowthKib) << "peak resident memory " << end.peak_kib << " KiB";
  std::cout << "[ memory ] " << cases_run << " cases: start-up " << baseline.rss_kib << " KiB, after pass 1 "
            << first_pass_end << " KiB, after pass 2 " << end.rss_kib << " KiB, peak " << end.peak_kib << " KiB\n";
  host->close_stdin();
  ASSERT_EQ(host->wait_exit(5s), 0);
  stderr_log.stop();
  const std::string log = stderr_log.text();
  EXPECT_NE(log.find("scan:"), std::string::npos) << "trace logging was on, so scans are logged (without text)";
  EXPECT_EQ(log.find(kMarker), std::string::npos) << "text reached the host's stderr";
  EXPECT_EQ(log.find("943 476"), std::string::npos) << "an NHS number reached the host's stderr";
  const std::string recorded = read_file(dir_.path() / "audit.jsonl");
  EXPECT_NE(recorded.find("\"action\":\"dismissed\""), std::string::npos) << "T23 was recorded";
  EXPECT_EQ(recorded.find(kMarker), std::string::npos) << "text reached the audit log";
}

}  // namespace
}  // namespace careguard::testing
