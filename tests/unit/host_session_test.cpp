// HostSession: one handler per message type, error frames for everything else (docs/PROTOCOL.md).

#include "careguard/host_session.hpp"

#include "../support/base_pack_manager.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace careguard {
namespace {

using nlohmann::json;

class HostSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { packs_ = testing::loaded_base_pack_manager(); }
  static void TearDownTestSuite() { packs_.reset(); }
  static json ask(HostSession& session, const std::string& body) { return json::parse(session.handle(body)); }
  static std::unique_ptr<PackManager> packs_;
};

std::unique_ptr<PackManager> HostSessionTest::packs_;

TEST(HostArgumentsTest, ReadsChromeOrigin) {
  const auto args = parse_host_arguments({"chrome-extension://abc/", "--parent-window=0", "--x-unknown"});
  ASSERT_TRUE(args.caller);
  EXPECT_EQ(*args.caller, "chrome-extension://abc/");
}

TEST(HostArgumentsTest, ReadsFirefoxManifestThenAddonId) {
  const auto args = parse_host_arguments({"/usr/lib/mozilla/native-messaging-hosts/app.careguard.host.json", "careguard@careguard.app"});
  ASSERT_TRUE(args.caller);
  EXPECT_EQ(*args.caller, "careguard@careguard.app");
}

TEST(HostArgumentsTest, NoCallerAndConfigOverride) {
  const auto args = parse_host_arguments({"--config=/tmp/c.json", "--reconnect-command=foo"});
  EXPECT_FALSE(args.caller);
  ASSERT_TRUE(args.config);
  EXPECT_EQ(args.config->string(), "/tmp/c.json");
}

TEST(JsonDepthTest, CountsNestingOutsideStrings) {
  EXPECT_EQ(json_depth(R"({"a":[1,{"b":2}]})", 32), 3);
  EXPECT_EQ(json_depth(R"({"a":"[[[[[[{{{{"})", 32), 1);
  EXPECT_EQ(json_depth(R"({"a":"\"[[["})", 32), 1);
  EXPECT_GT(json_depth(std::string(100, '['), 32), 32);
}

TEST(ErrorReplyTest, CarriesStableCodeAndName) {
  const json reply = json::parse(error_reply("r1", ErrorCode::TextTooLarge, "too big"));
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["id"], "r1");
  EXPECT_EQ(reply["code"], 7);
  EXPECT_EQ(reply["name"], "text_too_large");
  for (int code = 1; code <= 12; ++code) {
    EXPECT_NE(error_name(static_cast<ErrorCode>(code)), "") << code;
  }
}

TEST_F(HostSessionTest, ScanReturnsProtocolFindings) {
  HostSession session(*packs_, nullptr, true);
  const json reply = ask(session, R"({"type":"scan","id":"a","text":"her NHS number is 943 476 5919","site":"x.com","field":"post"})");
  ASSERT_EQ(reply["type"], "result");
  ASSERT_EQ(reply["findings"].size(), 1U);
  const auto& finding = reply["findings"][0];
  for (const char* key : {"rule", "category", "severity", "start", "end", "clause", "message", "confidence"}) {
    EXPECT_TRUE(finding.contains(key)) << key;
  }
  EXPECT_EQ(finding["start"], 18);
  EXPECT_EQ(finding["end"], 30);
}

TEST_F(HostSessionTest, ScanReplyIsTheJsonLibrarysOwnText) {
  // The result is written by hand around FindingWriter's items: it must be exactly what
  // nlohmann would write for the same object, for any id and with or without findings.
  HostSession session(*packs_, nullptr, true);
  for (const char* id : {R"("a")", "7", R"("quote \" and \\ \u00e9")"}) {
    for (const char* text : {"", "a quiet day", "her NHS number is 943 476 5919, key safe code 4821"}) {
      json request = json::parse(std::string(R"({"type":"scan","id":)") + id + "}");
      request["text"] = text;
      const std::string reply = session.handle(request.dump());
      const json parsed = json::parse(reply);
      EXPECT_EQ(parsed["type"], "result") << reply;
      EXPECT_EQ(parsed.dump(), reply);
      EXPECT_EQ(parsed["id"], json::parse(id));
    }
  }
}

TEST_F(HostSessionTest, IntegerAndStringIdsEcho) {
  HostSession session(*packs_, nullptr, true);
  EXPECT_EQ(ask(session, R"({"type":"status","id":7})")["id"], 7);
  EXPECT_EQ(ask(session, R"({"type":"status","id":"s"})")["id"], "s");
  const json long_id = ask(session, json{{"type", "status"}, {"id", std::string(129, 'x')}}.dump());
  EXPECT_EQ(long_id["code"], 5);
}

// Regression (tests/fuzz/regressions/request_parser/hello-require-protocol-not-boolean, found by
// reading on_hello; the request_parser fuzz target refuses it): a non-boolean require_protocol threw
// inside nlohmann and came back as error 9 internal instead of 5 invalid_request.
TEST_F(HostSessionTest, HelloRequireProtocolMustBeBoolean) {
  HostSession session(*packs_, nullptr, true);
  EXPECT_EQ(ask(session, R"({"type":"hello","id":1,"protocol":2,"require_protocol":"yes"})")["code"], 5);
  EXPECT_EQ(ask(session, R"({"type":"hello","id":1,"require_protocol":1})")["code"], 5);
  EXPECT_EQ(ask(session, R"({"type":"hello","id":1,"protocol":2,"require_protocol":true})")["code"], 12);
  EXPECT_EQ(ask(session, R"({"type":"hello","id":1,"protocol":2,"require_protocol":false})")["type"], "hello");
  EXPECT_EQ(ask(session, R"({"type":"hello","id":1,"protocol":1,"require_protocol":null})")["type"], "hello");
}

TEST_F(HostSessionTest, RefusedCallerGetsErrorEightForEveryType) {
  HostSession session(*packs_, nullptr, false);
  for (const char* body : {R"({"type":"hello","id":1})", R"({"type":"scan","id":1,"text":"x"})",
                           R"({"type":"status","id":1})"}) {
    EXPECT_EQ(ask(session, body)["code"], 8) << body;
  }
}

TEST_F(HostSessionTest, StatusListsPacksAndProblems) {
  HostSession session(*packs_, nullptr, true);
  const json reply = ask(session, R"({"type":"status","id":1})");
  EXPECT_EQ(reply["type"], "status");
  EXPECT_EQ(reply["packs"][0]["id"], "uk-care-base");
  EXPECT_TRUE(reply["pack_errors"].is_array());
  EXPECT_TRUE(reply["last_reload"].is_string());
}

TEST_F(HostSessionTest, InstallPackRefusesUnsignedText) {
  HostSession session(*packs_, nullptr, true);
  const json reply = ask(session, json{{"type", "install_pack"}, {"id", 1}, {"pack", R"({"id":"x","version":"1.0.0"})"}}.dump());
  EXPECT_EQ(reply["code"], 10);
  EXPECT_NE(reply["message"].get<std::string>().find("not signed"), std::string::npos);
}

TEST_F(HostSessionTest, AuditValidatesEventsWithoutALog) {
  HostSession session(*packs_, nullptr, true);
  EXPECT_EQ(ask(session, R"({"type":"audit","id":1,"event":{"rule":"pid.nhs-number","category":"personal-identifier","severity":"block","site":"x.com","action":"edited"}})")["type"],
            "ok");
  EXPECT_EQ(ask(session, R"({"type":"audit","id":1,"event":{"rule":"Mrs Baker has dementia","category":"x","severity":"block","action":"edited"}})")["code"],
            5);
}

}  // namespace
}  // namespace careguard
