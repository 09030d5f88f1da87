// The real careguard-host over real pipes, started the way a browser starts it.

#include "host_process.hpp"

#include "../support/files.hpp"

#include <gtest/gtest.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <utility>

namespace careguard::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// UTF-16 length of a UTF-8 prefix, computed with ICU independently of the host's own code.
std::uint32_t utf16_offset(const std::string& text, std::size_t byte_offset) {
  return static_cast<std::uint32_t>(icu::UnicodeString::fromUTF8(text.substr(0, byte_offset)).length());
}

class HostProcessTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::unique_ptr<HostProcess> start(std::vector<std::string> arguments = {kOrigin}) const {
    return dir_.start(std::move(arguments));
  }
  static json scan(HostProcess& host, const std::string& id, const std::string& text) {
    host.send(scan_body(text, id));
    return host.receive();
  }
  static void expect_error(const json& reply, int code) {
    ASSERT_TRUE(reply.is_object()) << reply;
    EXPECT_EQ(reply.value("type", ""), "error") << reply;
    EXPECT_EQ(reply.value("code", 0), code) << reply;
    EXPECT_TRUE(reply.contains("message"));
  }
  /// The host still answers a normal request.
  static void expect_alive(HostProcess& host) {
    const json reply = scan(host, "alive", "NHS no 943 476 5919");
    ASSERT_EQ(reply.value("type", ""), "result") << reply;
    EXPECT_EQ(reply["id"], "alive");
    ASSERT_EQ(reply["findings"].size(), 1U);
  }
  const HostTestDir dir_{"careguard-it"};
};

TEST_F(HostProcessTest, HelloReportsVersionsPacksAndLimits) {
  auto host = start();
  host->send(json{{"type", "hello"}, {"id", 1}, {"protocol", 1}});
  const json reply = host->receive();
  EXPECT_EQ(reply["type"], "hello");
  EXPECT_EQ(reply["id"], 1);
  EXPECT_EQ(reply["protocol"], 1);
  EXPECT_FALSE(reply["host_version"].get<std::string>().empty());
  ASSERT_GE(reply["packs"].size(), 1U);
  EXPECT_EQ(reply["packs"][0]["id"], "uk-care-base");
  EXPECT_GT(reply["packs"][0]["rules"].get<int>(), 10);
  EXPECT_TRUE(reply["org"].is_object());
  EXPECT_EQ(reply["limits"]["max_text_bytes"], 1048576);
}

TEST_F(HostProcessTest, ScanFlagsNhsNumberWithUtf16OffsetsAroundEmoji) {
  auto host = start();
  // Non-BMP emoji (two UTF-16 units each) before the number, and a zero-width space inside it.
  const std::string before = "\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBC visited Mrs K \xF0\x9F\x98\x80 NHS ";
  const std::string number = "943\xE2\x80\x8B" "476 5919";
  const std::string text = before + number + " \xF0\x9F\x98\xA2";
  const json reply = scan(*host, "r1", text);
  ASSERT_EQ(reply["type"], "result") << reply;
  EXPECT_EQ(reply["id"], "r1");
  EXPECT_TRUE(reply["elapsed_us"].is_number_integer());
  // "Mrs K" near an identifier may be flagged too (su.titled-name); the NHS number must be there
  // with exact offsets whatever else is.
  const auto& findings = reply["findings"];
  const auto nhs = std::find_if(findings.begin(), findings.end(),
                                [](const json& f) { return f["rule"] == "pid.nhs-number"; });
  ASSERT_NE(nhs, findings.end()) << reply;
  const json& finding = *nhs;
  EXPECT_EQ(std::count_if(findings.begin(), findings.end(),
                          [](const json& f) { return f["category"] == "personal-identifier"; }),
            1)
      << reply;
  EXPECT_EQ(finding["rule"], "pid.nhs-number");
  EXPECT_EQ(finding["category"], "personal-identifier");
  EXPECT_EQ(finding["severity"], "block");
  EXPECT_EQ(finding["clause"], "7.2");
  EXPECT_FALSE(finding["message"].get<std::string>().empty());
  EXPECT_EQ(finding["start"].get<std::uint32_t>(), utf16_offset(text, before.size()));
  EXPECT_EQ(finding["end"].get<std::uint32_t>(), utf16_offset(text, before.size() + number.size()));
  EXPECT_FALSE(finding.contains("text"));
  EXPECT_FALSE(finding.contains("match"));
}

TEST_F(HostProcessTest, QuietOnNumbersThatFailTheirChecksum) {
  auto host = start();
  const json reply = scan(*host, "r2", "Order 943 476 5918 has shipped");
  ASSERT_EQ(reply["type"], "result");
  EXPECT_TRUE(reply["findings"].empty()) << reply;
}

TEST_F(HostProcessTest, AnswersManyRequestsInOrder) {
  auto host = start();
  std::string burst;
  for (int i = 0; i < 200; ++i) {
    const std::string body =
        json{{"type", "scan"}, {"id", i}, {"text", i % 2 == 0 ? "key safe code is 4821" : "lovely day"}}.dump();
    const auto length = static_cast<std::uint32_t>(body.size());
    burst.append(reinterpret_cast<const char*>(&length), 4).append(body);
  }
  host->write_raw(burst);  // faster than the answers come back
  for (int i = 0; i < 200; ++i) {
    const json reply = host->receive();
    ASSERT_EQ(reply["id"], i);
    EXPECT_EQ(reply["findings"].empty(), i % 2 != 0);
  }
}

TEST_F(HostProcessTest, EveryMalformedRequestGetsAnErrorAndTheNextOneWorks) {
  auto host = start();
  struct Case {
    std::string body;
    int code;
  };
  std::string deep(40, '[');
  deep += std::string(40, ']');
  const std::vector<Case> cases = {
      {"{not json", 3},
      {"[1,2,3]", 3},
      {deep, 3},
      {std::string("{\"type\":\"scan\",\"id\":1,\"text\":\"bad \xC3\x28 byte\"}"), 4},
      {R"({"type":"scan","id":1,"text":"lone \ud800 surrogate"})", 4},
      {R"({"type":"scan","id":1})", 5},
      {R"({"type":"scan","id":1,"text":42})", 5},
      {R"({"type":"scan","id":1,"text":"x","site":7})", 5},
      {R"({"type":"scan","id":{"nested":true},"text":"x"})", 5},
      {R"({"id":1,"text":"x"})", 5},
      {R"({"type":"teleport","id":1})", 6},
      {R"({"type":"audit","id":1,"event":{"rule":"pid.nhs-number","action":"gossip"}})", 5},
      {std::string("{\"type\":\"scan\",\"id\":1,\"text\":\"a\0b\"}", 33), 3},
  };
  for (const auto& c : cases) {
    host->send(c.body);
    expect_error(host->receive(), c.code);
  }
  host->send(std::string());  // length 0
  expect_error(host->receive(), 2);
  host->send(json{{"type", "scan"}, {"id", "big"}, {"text", std::string(1024 * 1024 + 1, 'a')}});
  const json too_big = host->receive();
  expect_error(too_big, 7);
  EXPECT_EQ(too_big["id"], "big");
  expect_alive(*host);
}

TEST_F(HostProcessTest, OversizeFrameIsDiscardedWithoutAllocatingAndTheStreamCarriesOn) {
  auto host = start();
  host->send(std::string(9U * 1024U * 1024U, ' '));
  expect_error(host->receive(), 1);
  expect_alive(*host);
}

TEST_F(HostProcessTest, ImpossibleLengthPrefixClosesCleanly) {
  auto host = start();
  host->write_raw(std::string("\xFF\xFF\xFF\xFF", 4));  // 4 GiB
  expect_error(host->receive(), 11);
  EXPECT_EQ(host->wait_exit(5s), 3);
}

TEST_F(HostProcessTest, StrayTextReadAsALengthIsRefused) {
  auto host = start();
  host->write_raw("data: hello\n");  // what a stray print looks like as a length: 1635017060
  expect_error(host->receive(), 11);
  EXPECT_EQ(host->wait_exit(5s), 3);
}

TEST_F(HostProcessTest, ExitsPromptlyOnEndOfInput) {
  auto host = start();
  expect_alive(*host);
  const auto started = std::chrono::steady_clock::now();
  host->close_stdin();
  const auto status = host->wait_exit(2s);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(status.has_value()) << "the host did not exit on EOF";
  EXPECT_EQ(*status, 0);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), 100);
}

TEST_F(HostProcessTest, TruncatedBodyThenEndOfInputExitsCleanly) {
  auto host = start();
  expect_alive(*host);
  const std::uint32_t length = 100;
  host->write_raw(std::string(reinterpret_cast<const char*>(&length), 4) + "{\"type\":");
  host->close_stdin();
  EXPECT_EQ(host->wait_exit(2s), 0);
}

TEST_F(HostProcessTest, CallersNotOnTheAllowedListGetOnlyErrors) {
  for (const auto& arguments : std::vector<std::vector<std::string>>{
           {"chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/"}, {}, {"/tmp/app.careguard.host.json", "evil@example.org"}}) {
    auto host = start(arguments);
    host->send(json{{"type", "hello"}, {"id", 1}});
    expect_error(host->receive(), 8);
    host->send(json{{"type", "scan"}, {"id", 2}, {"text", "NHS no 943 476 5919"}});
    const json reply = host->receive();
    expect_error(reply, 8);
    EXPECT_FALSE(reply.contains("findings"));
  }
}

TEST_F(HostProcessTest, AcceptsFirefoxAndWindowsChromeArguments) {
  for (const auto& arguments : std::vector<std::vector<std::string>>{
           {"/usr/lib/mozilla/native-messaging-hosts/app.careguard.host.json", "careguard@careguard.app"},
           {kOrigin, "--parent-window=0", "--reconnect-command=x", "--some-future-flag"}}) {
    auto host = start(arguments);
    expect_alive(*host);
  }
}

TEST_F(HostProcessTest, CapsTheFindingsListAndSaysSo) {
  auto host = start();
  std::string text;
  while (text.size() < 900 * 1024) {
    text += "key safe code is 4821. NHS 943 476 5919. ";
  }
  const json reply = scan(*host, "many", text);
  ASSERT_EQ(reply["type"], "result");
  EXPECT_EQ(reply["truncated"], true);
  EXPECT_LE(reply["findings"].size(), 1000U);
  EXPECT_GT(reply["findings"].size(), 100U);
  expect_alive(*host);
}

TEST_F(HostProcessTest, StdoutHoldsNothingButWellFormedFrames) {
  auto host = start();
  host->send(json{{"type", "hello"}, {"id", 1}});
  (void)host->receive();
  host->send("{broken");
  (void)host->receive();
  (void)scan(*host, "x", "call me on 07700 900123");
  host->send(json{{"type", "status"}, {"id", 3}});
  (void)host->receive();
  host->close_stdin();
  ASSERT_EQ(host->wait_exit(2s), 0);
  (void)host->read_frame(100ms);  // anything left after exit
  const std::string& bytes = host->stdout_bytes();
  std::size_t at = 0;
  int frames = 0;
  while (at < bytes.size()) {
    ASSERT_GE(bytes.size() - at, 4U) << "a partial length header";
    std::uint32_t length = 0;
    std::memcpy(&length, bytes.data() + at, 4);
    ASSERT_LE(at + 4 + length, bytes.size()) << "a truncated frame";
    ASSERT_LE(length, 1024U * 1024U);
    const auto parsed = json::parse(bytes.substr(at + 4, length), nullptr, false);
    ASSERT_TRUE(parsed.is_object()) << "a frame body that is not a JSON object";
    at += 4 + length;
    ++frames;
  }
  EXPECT_EQ(frames, 4);
}

TEST_F(HostProcessTest, PostTextNeverReachesLogsOrTheAuditFile) {
  auto host = start();  // logging at trace, the most verbose level
  const std::string secret_word = "Quixotrellan";
  (void)scan(*host, "s", "Mrs " + secret_word + " NHS no 943 476 5919, key safe code is 4821");
  host->send(audit_request(2, {{"text", "Mrs " + secret_word}, {"note", secret_word}}));
  const json ok = host->receive();
  EXPECT_EQ(ok["type"], "ok") << ok;
  host->close_stdin();
  ASSERT_EQ(host->wait_exit(2s), 0);
  const std::string log = host->stderr_text();
  EXPECT_NE(log.find("scan:"), std::string::npos) << "trace logging was on, so scans are logged (without text)";
  EXPECT_EQ(log.find(secret_word), std::string::npos);
  EXPECT_EQ(log.find("943 476"), std::string::npos);
  EXPECT_EQ(log.find("4821"), std::string::npos);
  const std::string audit = read_file(dir_.path() / "audit.jsonl");
  EXPECT_NE(audit.find("\"action\":\"dismissed\""), std::string::npos);
  EXPECT_EQ(audit.find(secret_word), std::string::npos);
}

TEST(CliTest, ScanJsonAndBatchModes) {
  const std::string cli = CAREGUARD_CLI_BIN;
  auto run = [](const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    char chunk[4096];
    while (pipe != nullptr && fgets(chunk, sizeof chunk, pipe) != nullptr) {
      output += chunk;
    }
    const int status = pipe != nullptr ? pclose(pipe) : -1;
    return std::make_pair(WEXITSTATUS(status), output);
  };
  const auto [json_status, json_out] = run("printf 'NHS no 943 476 5919' | " + cli + " scan --json -");
  EXPECT_EQ(json_status, 1);
  const json parsed = json::parse(json_out);
  ASSERT_EQ(parsed["findings"].size(), 1U);
  EXPECT_EQ(parsed["findings"][0]["start"], 7);
  EXPECT_EQ(parsed["findings"][0]["end"], 19);

  const auto [batch_status, batch_out] =
      run("printf '%s\\n%s\\n' '{\"id\":\"a\",\"text\":\"lovely walk today\"}' '{\"id\":\"b\",\"text\":\"keysafe 1066\"}' | " +
          cli + " scan --jsonl");
  EXPECT_EQ(batch_status, 1);
  std::istringstream lines(batch_out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(json::parse(line)["id"], "a");
  EXPECT_TRUE(json::parse(line)["findings"].empty());
  std::getline(lines, line);
  EXPECT_EQ(json::parse(line)["id"], "b");
  EXPECT_EQ(json::parse(line)["findings"][0]["rule"], "pid.access-code");

  EXPECT_EQ(run("printf 'a lovely walk by the river' | " + cli + " scan -").first, 0);
  EXPECT_EQ(run(cli + " scan --help").first, 0);
}

}  // namespace
}  // namespace careguard::testing
