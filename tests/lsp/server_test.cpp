// The language server in process, over real pipes, as an editor drives it: lifecycle, the
// scanner's findings as diagnostics and quick fixes, and completion through a gateway function
// that the tests control (the end-to-end test with `ward serve` is lsp_cli_test.cpp).

#include "lsp/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "lsp/lsp_client.h"

namespace ward::lsp {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using test::LspClient;

const std::string kUri = "file:///work/pkg/app.py";
// Line 4 runs a shell command from a request (python.command-injection); line 9 calls yaml.load
// (python.yaml-load, whose fix renames the call).
const std::string kSource =
    "import os\n"
    "from flask import request\n"
    "\n"
    "def run():\n"
    "    os.system(request.args[\"cmd\"])\n"
    "\n"
    "import yaml\n"
    "\n"
    "def load(p):\n"
    "    return yaml.load(open(p))\n";

json position(int line, int character) {
  return {{"line", line}, {"character", character}};
}
json range(int l0, int c0, int l1, int c1) {
  return {{"start", position(l0, c0)}, {"end", position(l1, c1)}};
}
json document(const std::string& uri = kUri) {
  return {{"uri", uri}};
}

// A gateway that holds each request until released, recording the bodies it was sent.
class Gateway {
 public:
  CompleteFunction function() {
    return [this](const json& body) -> core::Result<json> {
      std::unique_lock lock(mutex_);
      bodies_.push_back(body);
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
      if (error_) return *error_;
      return answer_;
    };
  }
  void answer(json answer) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
  }
  void fail(core::Error error) {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
  }
  void hold() {
    std::lock_guard lock(mutex_);
    released_ = false;
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  void wait_for_requests(std::size_t count) {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(
        changed_.wait_for(lock, std::chrono::seconds(30), [&] { return bodies_.size() >= count; }));
  }
  json body(std::size_t i) {
    std::lock_guard lock(mutex_);
    return bodies_.at(i);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<json> bodies_;
  json answer_ = {{"suggestions", json::array()}};
  std::optional<core::Error> error_;
  bool released_ = true;
};

// What editors say they take: quick fixes as CodeAction literals.
json editor_capabilities() {
  return {{"textDocument",
           {{"codeAction",
             {{"codeActionLiteralSupport", {{"codeActionKind", {{"valueSet", {"quickfix"}}}}}}}}}}};
}

class LspServerTest : public ::testing::Test {
 public:
  void start(CompleteFunction complete = {}) {
    ASSERT_EQ(::pipe(to_server_), 0);
    ASSERT_EQ(::pipe(from_server_), 0);
    auto rules = scan::RuleSet::load();
    ASSERT_TRUE(rules) << rules.error().to_string();
    LanguageServerOptions options{.rules = std::move(*rules),
                                  .complete = std::move(complete),
                                  .scan_delay = milliseconds(100)};
    server_ = std::thread([this, options = std::move(options)]() mutable {
      exit_code_ = serve(std::move(options), to_server_[0], from_server_[1]);
      ::close(from_server_[1]);
    });
    client_ = std::make_unique<LspClient>(to_server_[1], from_server_[0]);
  }

  json initialize(const json& capabilities = editor_capabilities()) {
    json reply = client_->request(1, "initialize",
                                  {{"capabilities", capabilities}, {"rootUri", "file:///work"}});
    client_->notify("initialized", json::object());
    return reply;
  }

  void open(const std::string& text = kSource, const std::string& uri = kUri) {
    client_->notify("textDocument/didOpen",
                    {{"textDocument",
                      {{"uri", uri}, {"languageId", "python"}, {"version", 1}, {"text", text}}}});
  }

  LspClient& client() { return *client_; }

  // Closes the editor's end and returns the server's exit code.
  int finish() {
    ::close(to_server_[1]);
    to_server_[1] = -1;
    server_.join();
    return exit_code_;
  }

  void TearDown() override {
    if (server_.joinable()) finish();
    for (int fd : {to_server_[0], to_server_[1], from_server_[0]}) {
      if (fd >= 0) ::close(fd);
    }
  }

  int to_server_[2] = {-1, -1};
  int from_server_[2] = {-1, -1};
  std::thread server_;
  int exit_code_ = -1;
  std::unique_ptr<LspClient> client_;
};

TEST_F(LspServerTest, InitializeSaysWhatItServesAndInWhichEncoding) {
  start();
  json reply = initialize();
  const json& capabilities = reply["result"]["capabilities"];
  EXPECT_EQ(capabilities["positionEncoding"], "utf-16");
  EXPECT_EQ(capabilities["textDocumentSync"]["change"], 2);
  EXPECT_EQ(capabilities["codeActionProvider"]["codeActionKinds"], json::array({"quickfix"}));
  EXPECT_FALSE(capabilities.contains("inlineCompletionProvider"));  // no gateway given
  EXPECT_FALSE(capabilities.contains("completionProvider"));
  EXPECT_EQ(reply["result"]["serverInfo"]["name"], "ward");
  EXPECT_EQ(client_->request(2, "textDocument/inlineCompletion", json::object())["error"]["code"],
            -32601);
  EXPECT_EQ(client_->request(3, "shutdown", nullptr)["result"], nullptr);
  client_->notify("exit", nullptr);
  EXPECT_EQ(finish(), 0);
}

TEST_F(LspServerTest, Utf8IsChosenWhenTheEditorOffersItAndCompletionWithAGateway) {
  Gateway gateway;
  start(gateway.function());
  json reply = initialize({{"general", {{"positionEncodings", {"utf-16", "utf-8"}}}}});
  const json& capabilities = reply["result"]["capabilities"];
  EXPECT_EQ(capabilities["positionEncoding"], "utf-8");
  EXPECT_TRUE(capabilities.contains("inlineCompletionProvider"));
  EXPECT_TRUE(capabilities.contains("completionProvider"));
}

TEST_F(LspServerTest, CapabilitiesOfAnyShapeAreReadAsNone) {
  start();
  json reply = client_->request(
      1, "initialize",
      {{"capabilities", {{"general", "utf-8"}, {"textDocument", 3}}}, {"rootUri", 42}});
  EXPECT_EQ(reply["result"]["capabilities"]["positionEncoding"], "utf-16") << reply.dump();
  // No word of CodeAction literals: no quick fixes offered, since they are literals.
  EXPECT_FALSE(reply["result"]["capabilities"].contains("codeActionProvider"));
}

TEST_F(LspServerTest, AnEditorWithGhostTextIsNotOfferedTheMenuToo) {
  Gateway gateway;
  start(gateway.function());
  json reply = initialize({{"textDocument", {{"inlineCompletion", json::object()}}}});
  const json& capabilities = reply["result"]["capabilities"];
  EXPECT_TRUE(capabilities.contains("inlineCompletionProvider"));
  EXPECT_FALSE(capabilities.contains("completionProvider"));
}

TEST_F(LspServerTest, ProtocolErrorsAreAnsweredAndTheServerGoesOn) {
  start();
  EXPECT_EQ(client_->request(5, "textDocument/codeAction", json::object())["error"]["code"],
            -32002);  // before initialize
  initialize();
  EXPECT_EQ(client_->request(2, "initialize", json::object())["error"]["code"], -32600);
  EXPECT_EQ(client_->request(3, "workspace/symbol", json::object())["error"]["code"], -32601);
  const std::string bad = "Content-Length: 9\r\n\r\n{\"id\": 4,";
  ASSERT_EQ(::write(to_server_[1], bad.data(), bad.size()), static_cast<ssize_t>(bad.size()));
  auto parse_error = client_->next(std::chrono::seconds(10));
  ASSERT_TRUE(parse_error);
  EXPECT_EQ((*parse_error)["error"]["code"], -32700);
  EXPECT_EQ((*parse_error)["id"], nullptr);
  client_->send({{"jsonrpc", "2.0"}, {"id", {{"an", "object"}}}, {"method", "shutdown"}});
  auto invalid = client_->next(std::chrono::seconds(10));
  ASSERT_TRUE(invalid);
  EXPECT_EQ((*invalid)["error"]["code"], -32600);
  EXPECT_EQ(client_->request(6, "textDocument/codeAction",
                             {{"textDocument", document("file:///not/open.py")},
                              {"range", range(0, 0, 0, 0)}})["error"]["code"],
            -32602);
  // Params of the wrong shape are ignored in notifications and refused in requests.
  for (const json& params : {json::array({1}), json(nullptr), json("text")}) {
    client_->notify("textDocument/didOpen", params);
    client_->notify("textDocument/didChange", params);
    client_->notify("$/cancelRequest", params);
    EXPECT_EQ(client_->request(7, "textDocument/codeAction", params)["error"]["code"], -32602);
  }
  client_->notify("exit", nullptr);  // without shutdown
  EXPECT_EQ(finish(), 1);
}

TEST_F(LspServerTest, AfterShutdownOnlyExitIsServed) {
  start();
  initialize();
  EXPECT_EQ(client_->request(2, "shutdown", nullptr)["result"], nullptr);
  EXPECT_EQ(client_->request(3, "textDocument/codeAction", json::object())["error"]["code"],
            -32600);
  EXPECT_EQ(finish(), 0);  // the editor went away after shutdown: a clean end
}

TEST_F(LspServerTest, FindingsArePublishedOnOpenAndAgainAfterAPauseInTyping) {
  start();
  initialize();
  open();
  json published = client_->next_notification("textDocument/publishDiagnostics");
  ASSERT_FALSE(published.is_null());
  EXPECT_EQ(published["params"]["uri"], kUri);
  EXPECT_EQ(published["params"]["version"], 1);
  const json& diagnostics = published["params"]["diagnostics"];
  ASSERT_EQ(diagnostics.size(), 2u) << diagnostics.dump(2);
  const json& injection = diagnostics[0];
  EXPECT_EQ(injection["code"], "python.command-injection");
  EXPECT_EQ(injection["source"], "ward");
  EXPECT_EQ(injection["severity"], 1);                    // critical: an error
  EXPECT_EQ(injection["range"], range(4, 4, 4, 34));      // os.system(...) on line 4
  ASSERT_TRUE(injection.contains("relatedInformation"));  // where the request data came from
  EXPECT_EQ(injection["relatedInformation"][0]["location"]["range"]["start"]["line"], 4);
  EXPECT_EQ(diagnostics[1]["code"], "python.yaml-load");
  EXPECT_EQ(diagnostics[1]["severity"], 2);  // medium: a warning

  // Delete line 4 (and its line break); no save: the scan follows a pause in typing.
  client_->notify("textDocument/didChange",
                  {{"textDocument", {{"uri", kUri}, {"version", 2}}},
                   {"contentChanges", {{{"range", range(4, 0, 5, 0)}, {"text", ""}}}}});
  published = client_->next_notification("textDocument/publishDiagnostics");
  ASSERT_FALSE(published.is_null());
  EXPECT_EQ(published["params"]["version"], 2);
  ASSERT_EQ(published["params"]["diagnostics"].size(), 1u);
  EXPECT_EQ(published["params"]["diagnostics"][0]["code"], "python.yaml-load");
  EXPECT_EQ(published["params"]["diagnostics"][0]["range"]["start"]["line"], 8);

  client_->notify("textDocument/didClose", {{"textDocument", document()}});
  published = client_->next_notification("textDocument/publishDiagnostics");
  EXPECT_EQ(published["params"]["diagnostics"], json::array());  // cleared
}

TEST_F(LspServerTest, ADocumentTooLargeToScanIsSaidAndHasNoFindings) {
  start();
  initialize();
  open(kSource);
  ASSERT_EQ(
      client_->next_notification("textDocument/publishDiagnostics")["params"]["diagnostics"].size(),
      2u);
  // 3 MiB of comments after the findings: over the scanner's 2 MiB.
  client_->notify("textDocument/didChange",
                  {{"textDocument", {{"uri", kUri}, {"version", 2}}},
                   {"contentChanges",
                    {{{"range", range(10, 0, 10, 0)}, {"text", std::string(3 << 20, '#')}}}}});
  client_->notify("textDocument/didSave", {{"textDocument", document()}});
  json said = client_->next_notification("window/logMessage");
  EXPECT_NE(said["params"]["message"].get<std::string>().find("not scanned"), std::string::npos)
      << said.dump();
  json published = client_->next_notification("textDocument/publishDiagnostics");
  EXPECT_EQ(published["params"]["version"], 2);
  EXPECT_EQ(published["params"]["diagnostics"], json::array());
}

// The call ends after "é😀" inside its string: 3 UTF-16 units, or 6 bytes.
json range_after_non_ascii(LspServerTest& test, const json& capabilities) {
  const std::string line = "    os.system(\"é😀\" + request.args[\"c\"])";
  test.start();
  test.initialize(capabilities);
  test.open("import os\nfrom flask import request\ndef f():\n" + line + "\n");
  json published = test.client().next_notification("textDocument/publishDiagnostics");
  EXPECT_EQ(published["params"]["diagnostics"].size(), 1u) << published.dump(2);
  return published["params"]["diagnostics"][0]["range"];
}

TEST_F(LspServerTest, RangesCountUtf16UnitsByDefault) {
  EXPECT_EQ(range_after_non_ascii(*this, json::object()), range(3, 4, 3, 40));
}

TEST_F(LspServerTest, RangesCountBytesWhenUtf8IsAgreed) {
  EXPECT_EQ(
      range_after_non_ascii(*this, {{"general", {{"positionEncodings", {"utf-16", "utf-8"}}}}}),
      range(3, 4, 3, 43));
}

TEST_F(LspServerTest, QuickFixesCarryTheRulesEdits) {
  start();
  initialize();
  open();
  json reply = client_->request(2, "textDocument/codeAction",
                                {{"textDocument", document()},
                                 {"range", range(9, 16, 9, 16)},  // the cursor on "load"
                                 {"context", {{"diagnostics", json::array()}}}});
  const json& actions = reply["result"];
  ASSERT_EQ(actions.size(), 1u) << reply.dump(2);
  EXPECT_EQ(actions[0]["kind"], "quickfix");
  EXPECT_NE(actions[0]["title"].get<std::string>().find("python.yaml-load"), std::string::npos);
  const json edits = actions[0]["edit"]["changes"][kUri];
  ASSERT_EQ(edits.size(), 1u);
  // Apply the edit as an editor would, by its range on line 9.
  const std::string old_line = "    return yaml.load(open(p))";
  const json& edit = edits[0];
  ASSERT_EQ(edit["range"]["start"]["line"], 9);
  ASSERT_EQ(edit["range"]["end"]["line"], 9);
  std::string fixed = old_line;
  const int from = edit["range"]["start"]["character"];
  const int to = edit["range"]["end"]["character"];
  fixed.replace(from, to - from, edit["newText"].get<std::string>());
  EXPECT_EQ(fixed, "    return yaml.safe_load(open(p))");

  reply = client_->request(3, "textDocument/codeAction",
                           {{"textDocument", document()}, {"range", range(0, 0, 2, 0)}});
  EXPECT_EQ(reply["result"], json::array());  // nothing to fix there
}

TEST_F(LspServerTest, CompletionSendsTheCursorsContextAndAnswersWithItems) {
  Gateway gateway;
  gateway.answer({{"suggestions", {"cmd = request.args[\"cmd\"]\n    log(cmd)", ""}}});
  start(gateway.function());
  initialize();
  open();
  // The cursor after line 4's indentation.
  json reply = client_->request(2, "textDocument/inlineCompletion",
                                {{"textDocument", document()}, {"position", position(4, 4)}});
  const std::size_t cursor = kSource.find("os.system");
  const json body = gateway.body(0);
  EXPECT_EQ(body["prefix"], kSource.substr(0, cursor));
  EXPECT_EQ(body["suffix"], kSource.substr(cursor));
  EXPECT_EQ(body["path"], "pkg/app.py");  // relative to the workspace
  EXPECT_EQ(body["language"], "python");
  // The document's key tells it apart without naming the user's directories.
  const std::string key = body["document"];
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find("work"), std::string::npos);
  const json& items = reply["result"]["items"];
  ASSERT_EQ(items.size(), 1u) << reply.dump(2);  // the empty suggestion is left out
  EXPECT_EQ(items[0]["insertText"], "cmd = request.args[\"cmd\"]\n    log(cmd)");
  EXPECT_EQ(items[0]["range"], range(4, 4, 4, 4));

  reply = client_->request(3, "textDocument/completion",
                           {{"textDocument", document()}, {"position", position(4, 4)}});
  const json& menu = reply["result"]["items"];
  ASSERT_EQ(menu.size(), 1u);
  EXPECT_EQ(menu[0]["label"], "cmd = request.args[\"cmd\"]");
  EXPECT_EQ(menu[0]["textEdit"]["newText"], "cmd = request.args[\"cmd\"]\n    log(cmd)");
  EXPECT_EQ(reply["result"]["isIncomplete"], false);
  EXPECT_EQ(gateway.body(1)["document"], key);  // the same document, the same key
}

TEST_F(LspServerTest, OtherOpenFilesInTheLanguageGoAlongAsRepositoryContext) {
  Gateway gateway;
  start(gateway.function());
  initialize();
  auto open_as = [&](const std::string& name, const std::string& language,
                     const std::string& text) {
    client_->notify("textDocument/didOpen", {{"textDocument",
                                              {{"uri", "file:///work/" + name},
                                               {"languageId", language},
                                               {"version", 1},
                                               {"text", text}}}});
  };
  open_as("pkg/app.py", "python", kSource);
  open_as("pkg/models.py", "python", "class Cart:\n    pass\n");
  open_as("pkg/util.py", "python", "def money(x):\n    return round(x, 2)\n");
  open_as("main.go", "go", "package main\n");                           // another language
  open_as("pkg/big.py", "python", std::string(40 * 1024, '#') + "\n");  // over 32 KiB
  open_as("../elsewhere/x.py", "python", "X = 1\n");  // outside the workspace: named alone
  // models.py changed last of the Python files: it goes first.
  client_->notify("textDocument/didChange",
                  {{"textDocument", {{"uri", "file:///work/pkg/models.py"}, {"version", 2}}},
                   {"contentChanges", {{{"text", "class Cart:\n    items = []\n"}}}}});
  client_->request(2, "textDocument/inlineCompletion",
                   {{"textDocument", document()}, {"position", position(4, 4)}});
  const json related = gateway.body(0)["related_files"];
  EXPECT_EQ(related,
            json::array({
                {{"path", "pkg/models.py"}, {"content", "class Cart:\n    items = []\n"}},
                {{"path", "x.py"}, {"content", "X = 1\n"}},
                {{"path", "pkg/util.py"}, {"content", "def money(x):\n    return round(x, 2)\n"}},
            }))
      << related.dump(2);
}

TEST_F(LspServerTest, CancelledAndFailedCompletionsAnswerWithErrors) {
  Gateway gateway;
  start(gateway.function());
  initialize();
  open();
  gateway.hold();
  client_->send({{"jsonrpc", "2.0"},
                 {"id", 7},
                 {"method", "textDocument/inlineCompletion"},
                 {"params", {{"textDocument", document()}, {"position", position(0, 0)}}}});
  gateway.wait_for_requests(1);
  client_->notify("$/cancelRequest", {{"id", 7}});
  // Answered in order: once this is, the cancellation has been read.
  client_->request(8, "textDocument/codeAction",
                   {{"textDocument", document()}, {"range", range(0, 0, 0, 0)}});
  gateway.release();
  auto cancelled = client_->next(std::chrono::seconds(30));
  ASSERT_TRUE(cancelled);
  EXPECT_EQ((*cancelled)["id"], 7);
  EXPECT_EQ((*cancelled)["error"]["code"], -32800);

  gateway.fail(core::Error(core::Code::kPermissionDenied, "POST /api/v1/complete",
                           "your policies do not allow ward:Complete"));
  json failed = client_->request(9, "textDocument/inlineCompletion",
                                 {{"textDocument", document()}, {"position", position(0, 0)}});
  EXPECT_EQ(failed["error"]["code"], -32803);
  EXPECT_NE(failed["error"]["message"].get<std::string>().find("do not allow ward:Complete"),
            std::string::npos);
}

json completion_at(int id, int line) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "textDocument/completion"},
          {"params", {{"textDocument", document()}, {"position", position(line, 0)}}}};
}

TEST_F(LspServerTest, CompletionsWaitingForTheGatewayAreBounded) {
  Gateway gateway;
  gateway.answer({{"suggestions", {"pass"}}});
  start(gateway.function());
  initialize();
  open();
  gateway.hold();
  for (int id = 10; id < 10 + kMaxCompletionsInFlight; ++id) client_->send(completion_at(id, 1));
  gateway.wait_for_requests(kMaxCompletionsInFlight);
  json refused = client_->request(20, "textDocument/completion",
                                  {{"textDocument", document()}, {"position", position(1, 0)}});
  EXPECT_EQ(refused["error"]["code"], -32802);  // ServerCancelled: editors drop it quietly
  gateway.release();
  for (int answered = 0; answered < kMaxCompletionsInFlight; ++answered) {
    auto reply = client_->next(std::chrono::seconds(30));
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["result"]["items"][0]["label"], "pass");
  }
  // Answered, they no longer count, whether or not the editor has written since.
  json again = client_->request(21, "textDocument/completion",
                                {{"textDocument", document()}, {"position", position(1, 0)}});
  EXPECT_EQ(again["result"]["items"][0]["label"], "pass") << again.dump();
}

TEST_F(LspServerTest, ShutdownAnswersCompletionsStillWithTheGatewayAtOnce) {
  Gateway gateway;
  start(gateway.function());
  initialize();
  open();
  gateway.hold();
  client_->send(completion_at(30, 1));
  gateway.wait_for_requests(1);
  client_->send({{"jsonrpc", "2.0"}, {"id", 31}, {"method", "shutdown"}});
  bool cancelled_first = false;
  for (;;) {  // the completion's reply, then shutdown's, with the gateway still holding it
    auto message = client_->next(std::chrono::seconds(10));
    ASSERT_TRUE(message);
    if (message->value("id", json()) == 30) {
      EXPECT_EQ((*message)["error"]["code"], -32800);
      cancelled_first = true;
    }
    if (message->value("id", json()) == 31) break;
  }
  EXPECT_TRUE(cancelled_first);
  gateway.release();
  client_->notify("exit", nullptr);
  EXPECT_EQ(finish(), 0);
  while (auto late = client_->next(std::chrono::seconds(1))) {
    EXPECT_NE(late->value("id", json()), 30) << "answered twice: " << late->dump();
  }
}

TEST_F(LspServerTest, SuggestionsTheGatewayCutOffAreNotOffered) {
  Gateway gateway;
  gateway.answer({{"suggestions", {"retu"}}, {"finish", "cancelled"}});
  start(gateway.function());
  initialize();
  open();
  json reply = client_->request(2, "textDocument/inlineCompletion",
                                {{"textDocument", document()}, {"position", position(1, 0)}});
  EXPECT_EQ(reply["result"]["items"], json::array());
}

TEST_F(LspServerTest, AMenuEntryIsLabelledWithTheSuggestionsFirstLineOfText) {
  Gateway gateway;
  gateway.answer({{"suggestions", {"\n    return 1"}}});
  start(gateway.function());
  initialize();
  open();
  json reply = client_->request(2, "textDocument/completion",
                                {{"textDocument", document()}, {"position", position(3, 10)}});
  EXPECT_EQ(reply["result"]["items"][0]["label"], "return 1");
  EXPECT_EQ(reply["result"]["items"][0]["textEdit"]["newText"], "\n    return 1");
}

TEST_F(LspServerTest, AChangeThatCannotBeAppliedClosesTheDocument) {
  start();
  initialize();
  open();
  ASSERT_EQ(
      client_->next_notification("textDocument/publishDiagnostics")["params"]["diagnostics"].size(),
      2u);
  client_->notify(
      "textDocument/didChange",
      {{"textDocument", {{"uri", kUri}, {"version", 2}}},
       {"contentChanges", {{{"range", range(0, 0, 0, 0)}, {"text", "x\n"}}, {{"text", 5}}}}});
  json said = client_->next_notification("window/logMessage");
  EXPECT_NE(said["params"]["message"].get<std::string>().find("close and reopen"),
            std::string::npos)
      << said.dump();
  json cleared = client_->next_notification("textDocument/publishDiagnostics");
  EXPECT_EQ(cleared["params"]["diagnostics"], json::array());
  EXPECT_EQ(client_->request(
                3, "textDocument/codeAction",
                {{"textDocument", document()}, {"range", range(9, 16, 9, 16)}})["error"]["code"],
            -32602);  // not open any more: no fixes computed on text the editor does not have
}

}  // namespace
}  // namespace ward::lsp
