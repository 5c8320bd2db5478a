// `ward lsp` as an editor starts it: a real subprocess, its completions from a real `ward serve`
// over TLS as the token's user (authenticated, decided by policy, audited), and its errors.

#include <gtest/gtest.h>

#include "lsp/lsp_client.h"
#include "server/ward_serve_test.h"

namespace ward::test {
namespace {

using nlohmann::json;

const std::string kUri = "file:///src/shop/cart.py";
const std::string kText =
    "def total(items):\n    s = 0\n    for item in items:\n        \n    return s\n";

json message(int id, const std::string& method, const json& params) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

json notification(const std::string& method, const json& params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}};
}

// A whole editor session: open two files, ask for ghost text in one and the completion menu in
// the other (for one document, a newer request would stop the older one at the gateway), both at
// line 3 after its indentation; shut down and exit.
std::string session_input() {
  const std::string other = "file:///src/shop/tax.py";
  auto cursor = [](const std::string& uri) {
    return json{{"textDocument", {{"uri", uri}}}, {"position", {{"line", 3}, {"character", 8}}}};
  };
  auto open = [](const std::string& uri) {
    return notification(
        "textDocument/didOpen",
        {{"textDocument",
          {{"uri", uri}, {"languageId", "python"}, {"version", 1}, {"text", kText}}}});
  };
  std::string input;
  for (const json& m :
       {message(1, "initialize", {{"capabilities", json::object()}, {"rootUri", "file:///src"}}),
        notification("initialized", json::object()), open(kUri), open(other),
        message(2, "textDocument/inlineCompletion", cursor(kUri)),
        message(3, "textDocument/completion", cursor(other)), message(4, "shutdown", nullptr),
        notification("exit", nullptr)}) {
    input += lsp_frame(m);
  }
  return input;
}

json reply_to(const std::vector<json>& messages, int id) {
  for (const json& m : messages) {
    if (m.value("id", json()) == id && !m.contains("method")) return m;
  }
  ADD_FAILURE() << "no reply to request " << id;
  return nullptr;
}

class LspCliTest : public WardServeTest {
 protected:
  ProcessResult lsp(const std::string& token) {
    auto environment = env();
    environment["WARD_TOKEN"] = token;
    return run_ward({"lsp", "--server", "https://localhost:" + std::to_string(port_), "--ca",
                     data_dir() + "/tls/server.crt"},
                    environment, {}, session_input());
  }
};

TEST_F(LspCliTest, CompletionsComeFromWardServeAsTheTokensUserAndAreAudited) {
  start("", {"--model", synthesized_code_model()});
  const std::string admin = bootstrap();
  auto result = lsp(developer(admin, "dana"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto messages = parse_lsp_stream(result.out);
  const json init = reply_to(messages, 1);
  EXPECT_TRUE(init["result"]["capabilities"].contains("inlineCompletionProvider"));
  const json inline_reply = reply_to(messages, 2);
  ASSERT_TRUE(inline_reply["result"]["items"].is_array()) << inline_reply.dump();
  for (const json& item : inline_reply["result"]["items"]) {
    EXPECT_EQ(item["range"]["start"], (json{{"line", 3}, {"character", 8}}));
    EXPECT_FALSE(item["insertText"].get<std::string>().empty());
  }
  EXPECT_TRUE(reply_to(messages, 3)["result"]["items"].is_array());

  const json completions = events(admin, "action=ward:Complete");
  ASSERT_EQ(completions.size(), 2u) << completions.dump(2);
  for (const json& event : completions) {
    EXPECT_EQ(event["actor"]["user"], "dana");
    EXPECT_EQ(event["outcome"], "allowed");
  }
  EXPECT_EQ(completions.dump().find("for item in items"), std::string::npos)
      << "content reached the audit log";
}

TEST_F(LspCliTest, TheGatewaysRefusalReachesTheEditor) {
  start("", {"--model", synthesized_code_model()});
  const std::string admin = bootstrap();
  expect(201, "POST", "/api/v1/admin/users", admin, {{"name", "erin"}});  // no policy: no access
  const std::string token =
      expect(201, "POST", "/api/v1/admin/tokens", admin, {{"user", "erin"}}).value("token", "");
  auto result = lsp(token);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json refused = reply_to(parse_lsp_stream(result.out), 2);
  EXPECT_EQ(refused["error"]["code"], -32803);
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("do not allow ward:Complete"),
            std::string::npos)
      << refused.dump();
  json denied = events(admin, "action=ward:Complete");
  ASSERT_FALSE(denied.empty());
  EXPECT_EQ(denied[0]["outcome"], "denied");
}

TEST(LspCli, BadFlagsAndInputAreErrorsThatSayWhatToDo) {
  auto stray_ca = run_ward({"lsp", "--ca", "ca.pem"});
  EXPECT_EQ(stray_ca.exit_code, 2);
  EXPECT_NE(stray_ca.err.find("only apply with --server"), std::string::npos) << stray_ca.err;

  auto plain_http = run_ward({"lsp", "--server", "http://localhost:8443"}, {{"WARD_TOKEN", "x"}});
  EXPECT_EQ(plain_http.exit_code, 1);
  EXPECT_NE(plain_http.err.find("only https://"), std::string::npos) << plain_http.err;

  auto no_token = run_ward({"lsp", "--server", "https://localhost:8443"});
  EXPECT_EQ(no_token.exit_code, 1);
  EXPECT_NE(no_token.err.find("WARD_TOKEN"), std::string::npos) << no_token.err;

  auto garbage = run_ward({"lsp"}, {}, {}, std::string("hello\r\n\r\n"));
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("Content-Length"), std::string::npos) << garbage.err;
}

}  // namespace
}  // namespace ward::test
