// `ward lsp` as an editor starts it: a real subprocess, its completions from a real `ward serve`
// over TLS as the token's user (authenticated, decided by policy, audited), and its errors.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsp/lsp_client.h"
#include "server/ward_serve_test.h"

namespace ward::test {
namespace {

using nlohmann::json;

const std::string kUri = "file:///src/shop/cart.py";
const std::string kText =
    "def total(items):\n    s = 0\n    for item in items:\n        \n    return s\n";

// `ward lsp ARGS` as an editor runs it: a child process whose stdin and stdout are pipes.
class LspProcess {
 public:
  LspProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    int to_child[2], from_child[2];
    EXPECT_EQ(::pipe(to_child), 0);
    EXPECT_EQ(::pipe(from_child), 0);
    std::vector<std::string> strings = {ward_binary().string()};
    strings.insert(strings.end(), args.begin(), args.end());
    std::vector<std::string> environment = {"PATH=/usr/bin:/bin"};
    for (const auto& [key, value] : env) environment.push_back(key + "=" + value);
    std::vector<char*> argv, envp;
    for (auto& a : strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, to_child[1]);
    posix_spawn_file_actions_addclose(&actions, from_child[0]);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_child_ = to_child[1];
    from_child_ = from_child[0];
    client_ = std::make_unique<LspClient>(to_child_, from_child_);
  }
  ~LspProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    ::close(to_child_);
    ::close(from_child_);
  }
  LspClient& client() { return *client_; }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::unique_ptr<LspClient> client_;
};

class LspCliTest : public WardServeTest {
 protected:
  // An editor session against the server with `token`: two files open, ghost text asked for in
  // one and the completion menu in the other (for one document, a newer request would stop the
  // older at the gateway), both at line 3 after its indentation. The replies to both.
  std::pair<json, json> complete_as(const std::string& token) {
    auto environment = env();
    environment["WARD_TOKEN"] = token;
    LspProcess lsp({"lsp", "--server", "https://localhost:" + std::to_string(port_), "--ca",
                    data_dir() + "/tls/server.crt"},
                   environment);
    LspClient& editor = lsp.client();
    json init = editor.request(1, "initialize",
                               {{"capabilities", json::object()}, {"rootUri", "file:///src"}});
    EXPECT_TRUE(init["result"]["capabilities"].contains("inlineCompletionProvider"));
    editor.notify("initialized", json::object());
    const std::string other = "file:///src/shop/tax.py";
    for (const std::string& uri : {kUri, other}) {
      editor.notify("textDocument/didOpen",
                    {{"textDocument",
                      {{"uri", uri}, {"languageId", "python"}, {"version", 1}, {"text", kText}}}});
    }
    auto cursor = [](const std::string& uri) {
      return json{{"textDocument", {{"uri", uri}}}, {"position", {{"line", 3}, {"character", 8}}}};
    };
    json ghost = editor.request(2, "textDocument/inlineCompletion", cursor(kUri));
    json menu = editor.request(3, "textDocument/completion", cursor(other));
    EXPECT_EQ(editor.request(4, "shutdown", nullptr)["result"], nullptr);
    editor.notify("exit", nullptr);
    EXPECT_EQ(lsp.wait(), 0);
    return {ghost, menu};
  }
};

TEST_F(LspCliTest, CompletionsComeFromWardServeAsTheTokensUserAndAreAudited) {
  start("", {"--model", synthesized_code_model()});
  const std::string admin = bootstrap();
  const auto [ghost, menu] = complete_as(developer(admin, "dana"));
  ASSERT_TRUE(ghost["result"]["items"].is_array()) << ghost.dump();
  for (const json& item : ghost["result"]["items"]) {
    EXPECT_EQ(item["range"]["start"], (json{{"line", 3}, {"character", 8}}));
    EXPECT_FALSE(item["insertText"].get<std::string>().empty());
  }
  EXPECT_TRUE(menu["result"]["items"].is_array()) << menu.dump();

  const json completions = events(admin, "action=ward:Complete");
  ASSERT_EQ(completions.size(), 2u) << completions.dump(2);
  for (const json& event : completions) {
    EXPECT_EQ(event["actor"]["user"], "dana");
    EXPECT_EQ(event["actor"]["user_agent"], "ward-lsp");
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
  const json refused = complete_as(token).first;
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
