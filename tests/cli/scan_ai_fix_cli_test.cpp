// `ward scan --ai-fix` through the real binary, with a fake OpenAI-compatible upstream on
// loopback (cpp-httplib) as the configured model: it answers every chat completion with the
// answer the test chose and records each request's body. Only a fix that parses and clears the
// finding on a re-scan reaches the file; the others leave it byte for byte as it was and say why;
// --dry-run prints a diff and writes nothing; secrets never reach the model.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A Flask handler with an SQL injection (python.sql-injection, critical, a taint rule with no
// deterministic fix), and a clean function after it.
const std::string kApp =
    "import sqlite3\n"
    "from flask import request\n"
    "\n"
    "\n"
    "def lookup(db):\n"
    "    name = request.args.get(\"name\")\n"
    "    cur = db.cursor()\n"
    "    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")\n"
    "    return cur.fetchall()\n"
    "\n"
    "\n"
    "def ping():\n"
    "    return \"pong\"\n";

const std::string kFixedLine = "    cur.execute(\"SELECT * FROM users WHERE name = ?\", (name,))\n";

std::string with_line_8(const std::string& line) {
  std::string text = kApp;
  const size_t start = text.find("    cur.execute(");
  const size_t end = text.find('\n', start) + 1;
  return text.replace(start, end - start, line);
}

// The function as a model would return it, with line 8 replaced by `line`.
std::string function_with(const std::string& line) {
  return "def lookup(db):\n"
         "    name = request.args.get(\"name\")\n"
         "    cur = db.cursor()\n" +
         line + "    return cur.fetchall()\n";
}

std::string fenced(const std::string& code) {
  return "Here is the corrected region:\n\n```python\n" + code + "```\n\nThis uses a parameter.";
}

// The token a secret rule finds (secrets.github-token); built at run time so that this source
// file holds no token-shaped literal of its own.
std::string github_token() {
  return "ghp_" + std::string("aBcDeFgHiJkLmNoPqRsTuVwXyZ") + "0123456789";
}

class FakeUpstream {
 public:
  FakeUpstream() {
    server_.Post("/v1/chat/completions",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::string answer;
                   {
                     std::lock_guard lock(mutex_);
                     bodies_.push_back(req.body);
                     answer = answer_;
                   }
                   json reply = {{"id", "chatcmpl-1"},
                                 {"object", "chat.completion"},
                                 {"model", "fixer"},
                                 {"choices",
                                  {{{"index", 0},
                                    {"message", {{"role", "assistant"}, {"content", answer}}},
                                    {"finish_reason", "stop"}}}},
                                 {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 10}}}};
                   res.set_content(reply.dump(), "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeUpstream() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  void answer(std::string text) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(text);
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::string answer_;
  std::vector<std::string> bodies_;
};

class ScanAiFixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "ward.toml",
               "[models.fixer]\nurl = \"http://127.0.0.1:" + std::to_string(upstream_.port()) +
                   "/v1\"\nretries = 0\nread_timeout_ms = 10000\n");
    write_text(dir_ / "proj/app.py", kApp);
  }
  std::map<std::string, std::string> env(bool configured = true) const {
    std::map<std::string, std::string> vars{{"HOME", (dir_ / "home").string()}};
    if (configured) vars["WARD_CONFIG"] = (dir_ / "ward.toml").string();
    return vars;
  }
  ProcessResult scan(std::vector<std::string> args, bool configured = true) {
    args.insert(args.begin(), "scan");
    return run_ward(args, env(configured), dir_.path());
  }
  std::string app() const { return read_text(dir_ / "proj/app.py"); }

  // A rejected fix: the file is unchanged and the output names `reason`.
  void expect_rejected(const std::string& answer, const std::string& reason) {
    upstream_.answer(answer);
    auto result = scan({"proj", "--ai-fix"});
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;  // the finding is still there
    EXPECT_EQ(app(), kApp);
    EXPECT_NE(result.out.find("model fix: rejected: " + reason), std::string::npos)
        << result.out << result.err;
    EXPECT_EQ(upstream_.bodies().size(), 1u);
  }

  FakeUpstream upstream_;
  TempDir dir_;
};

TEST_F(ScanAiFixTest, AFixThatClearsTheFindingIsApplied) {
  upstream_.answer(fenced(function_with(kFixedLine)));
  auto result = scan({"proj", "--ai-fix"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;  // as scanned, before the fix
  EXPECT_NE(result.out.find("model fix: applied: proposed by \"fixer\""), std::string::npos)
      << result.out;
  EXPECT_NE(result.err.find("applied 1 model-proposed fix in 1 file"), std::string::npos)
      << result.err;
  // Exactly the flagged line changed; the rest of the file is as it was.
  EXPECT_EQ(app(), with_line_8(kFixedLine));
  auto rescan = scan({"proj"});
  EXPECT_EQ(rescan.exit_code, 0) << rescan.out << rescan.err;

  // What the model was asked: the rule, its CWE and remedy, the file and the region, and not
  // the clean function outside the region.
  ASSERT_EQ(upstream_.bodies().size(), 1u);
  const json request = json::parse(upstream_.bodies()[0]);
  EXPECT_EQ(request.value("temperature", -1.0), 0.0);
  EXPECT_GT(request.value("max_tokens", 0), 0);
  ASSERT_EQ(request["messages"].size(), 2u);
  EXPECT_EQ(request["messages"][0]["role"], "system");
  const std::string user = request["messages"][1]["content"];
  for (const char* expected : {"python.sql-injection", "CWE-89", "cursor.execute(", "proj/app.py",
                               "(python)", "lines 5-9", "def lookup(db):"}) {
    EXPECT_NE(user.find(expected), std::string::npos) << expected << "\n" << user;
  }
  EXPECT_EQ(user.find("def ping"), std::string::npos) << user;
}

TEST_F(ScanAiFixTest, AFixThatDoesNotParseIsRejected) {
  expect_rejected(
      fenced(function_with("    cur.execute(\"SELECT * FROM users WHERE name = ?\", (name,)\n")),
      "the model's fix did not parse");
}

TEST_F(ScanAiFixTest, AFixThatKeepsTheVulnerabilityIsRejected) {
  expect_rejected(
      fenced(function_with("    cur.execute(\"SELECT * FROM users WHERE name = '%s'\" % name)\n")),
      "the finding remained (python.sql-injection still reports line 8)");
}

TEST_F(ScanAiFixTest, AFixThatIntroducesAnotherVulnerabilityIsRejected) {
  expect_rejected(fenced("def lookup(db):\n"
                         "    import os\n"
                         "    name = request.args.get(\"name\")\n"
                         "    os.system(\"echo \" + name)\n"
                         "    cur = db.cursor()\n" +
                         kFixedLine + "    return cur.fetchall()\n"),
                  "the fix introduced python.command-injection");
}

TEST_F(ScanAiFixTest, ProseWithoutCodeIsRejected) {
  expect_rejected("I'm sorry, but I can't help with rewriting this code.",
                  "the model's answer held no code");
}

TEST_F(ScanAiFixTest, DryRunPrintsTheDiffAndChangesNothing) {
  upstream_.answer(fenced(function_with(kFixedLine)));
  auto result = scan({"proj", "--ai-fix", "--dry-run"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(app(), kApp);
  EXPECT_NE(result.out.find("--- a/proj/app.py\n+++ b/proj/app.py\n"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("\n-    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + "
                            "\"'\")\n+" +
                            kFixedLine),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.err.find("proj/app.py:8: python.sql-injection: model fix offered"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("would apply 1 model-proposed fix"), std::string::npos) << result.err;
}

TEST_F(ScanAiFixTest, JsonAndSarifCarryTheModelsFix) {
  upstream_.answer(fenced(function_with(kFixedLine)));
  auto result = scan({"proj", "--ai-fix", "--format", "json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const json report = json::parse(result.out);
  ASSERT_EQ(report["findings"].size(), 1u) << result.out;
  const json& finding = report["findings"][0];
  EXPECT_EQ(finding["ai_fix"]["status"], "applied");
  EXPECT_EQ(finding["fix"]["proposed_by"], "fixer");
  EXPECT_NE(finding["fix"]["description"].get<std::string>().find("Model-proposed"),
            std::string::npos);
  // The edit replaces the function (lines 5-9) of the file as it was scanned.
  const json& edit = finding["fix"]["edits"][0];
  EXPECT_EQ(edit["start_byte"], kApp.find("def lookup"));
  EXPECT_EQ(edit["end_byte"], kApp.find("\n\n\ndef ping") + 1);
  EXPECT_EQ(edit["replacement"], function_with(kFixedLine));

  write_text(dir_ / "proj/app.py", kApp);
  auto sarif_run = scan({"proj", "--ai-fix", "--format", "sarif"});
  EXPECT_EQ(sarif_run.exit_code, 1) << sarif_run.err;
  const json sarif = json::parse(sarif_run.out);
  const json& sarif_result = sarif["runs"][0]["results"][0];
  ASSERT_TRUE(sarif_result.contains("fixes")) << sarif_run.out;
  const json& fix = sarif_result["fixes"][0];
  EXPECT_EQ(fix["properties"]["modelProposed"], true);
  EXPECT_EQ(fix["properties"]["model"], "fixer");
  // Regions are lines of the text as scanned, not of the rewritten file.
  EXPECT_EQ(fix["artifactChanges"][0]["replacements"][0]["deletedRegion"]["startLine"], 5);
  EXPECT_EQ(sarif_result["properties"]["aiFix"]["status"], "applied");
  EXPECT_EQ(app(), with_line_8(kFixedLine));
}

TEST_F(ScanAiFixTest, RuleFixesAndModelFixesTogether) {
  write_text(dir_ / "proj/app.py",
             kApp + "\n\ndef parse(text):\n    import yaml\n    return yaml.load(text)\n");
  upstream_.answer(fenced(function_with(kFixedLine)));
  auto result = scan({"proj", "--fix", "--ai-fix"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("applied 1 rule fix and 1 model-proposed fix in 1 file"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(app(), with_line_8(kFixedLine) +
                       "\n\ndef parse(text):\n    import yaml\n    return yaml.safe_load(text)\n");
  EXPECT_EQ(upstream_.bodies().size(), 1u);  // the yaml.load finding has a rule fix
}

TEST_F(ScanAiFixTest, SecretsAreNeverSentToTheModel) {
  // A secret outside the flagged function: the secret's findings are skipped, the function sent.
  write_text(dir_ / "proj/app.py", "from flask import request\n\nGITHUB_TOKEN = \"" +
                                       github_token() + "\"\n\n\n" +
                                       kApp.substr(kApp.find("def lookup")));
  // A secret inside the flagged function: nothing of it is sent.
  write_text(dir_ / "proj/other.py",
             "from flask import request\n\n\ndef lookup(db):\n    token = \"" + github_token() +
                 "\"\n    name = request.args.get(\"name\")\n"
                 "    db.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n");
  upstream_.answer("no code");
  auto result = scan({"proj", "--ai-fix", "--format", "json"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  const json report = json::parse(result.out);
  std::map<std::string, std::vector<std::string>> reasons;  // rule -> reasons
  for (const json& finding : report["findings"]) {
    ASSERT_TRUE(finding.contains("ai_fix")) << finding.dump();
    reasons[finding["rule"]].push_back(finding["ai_fix"]["reason"]);
  }
  ASSERT_FALSE(reasons["secrets.github-token"].empty()) << result.out;
  for (const std::string& reason : reasons["secrets.github-token"]) {
    EXPECT_EQ(reason, "secrets are never sent to a model");
  }
  ASSERT_EQ(reasons["python.sql-injection"].size(), 2u) << result.out;
  EXPECT_NE(result.out.find("the code around it holds a secret (secrets."), std::string::npos)
      << result.out;

  // One request (app.py's function), and no request holds the token or any part of it past
  // the redacted prefix.
  const auto bodies = upstream_.bodies();
  EXPECT_EQ(bodies.size(), 1u);
  for (const std::string& body : bodies) {
    EXPECT_EQ(body.find(github_token().substr(4, 12)), std::string::npos) << body;
    EXPECT_EQ(body.find("GITHUB_TOKEN"), std::string::npos) << body;
  }
}

TEST_F(ScanAiFixTest, FindingsBelowMinSeverityAreNotSent) {
  write_text(dir_ / "proj/app.py",
             "import random\n\n\ndef token():\n    return random.randint(0, 9)\n");
  auto result = scan({"proj", "--ai-fix", "--min-severity", "high"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(upstream_.bodies().empty());
}

TEST_F(ScanAiFixTest, WithoutAModelItFailsAndSaysHowToConfigureOne) {
  auto result = scan({"proj", "--ai-fix"}, /*configured=*/false);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("ward: error: --ai-fix: no model is configured"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("[models.NAME]"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--model"), std::string::npos) << result.err;
  EXPECT_EQ(app(), kApp);

  auto missing = scan({"proj", "--ai-fix", "--model", "nowhere.gguf"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("neither a configured model"), std::string::npos) << missing.err;

  auto stray = scan({"proj", "--model", "fixer"});
  EXPECT_EQ(stray.exit_code, 2) << stray.out << stray.err;
  EXPECT_NE(stray.err.find("--model: only applies to --ai-fix"), std::string::npos) << stray.err;
  EXPECT_TRUE(upstream_.bodies().empty());
}

TEST_F(ScanAiFixTest, AGgufFileRunsOnWardsEngine) {
  // A random-weight model: the embedded backend is asked (a chat prompt on Ward's engine) and
  // its random text is rejected; the configured upstream is not asked.
  const std::string model = (dir_ / "coder.gguf").string();
  auto synth = run_ward({"model", "synth", "--preset", "tiny", "--type", "q8_0", "--vocab",
                         fixture("vocab/ggml-vocab-starcoder.gguf").string(), "-o", model});
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  auto result = scan({"proj", "--ai-fix", "--model", model});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("has random weights"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("asked the model \"coder\" 1 time (1 rejected"), std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("model fix: rejected: "), std::string::npos) << result.out;
  EXPECT_EQ(app(), kApp);
  EXPECT_TRUE(upstream_.bodies().empty());
}

TEST_F(ScanAiFixTest, AnUnreachableModelIsAnErrorAndNothingIsWritten) {
  write_text(dir_ / "ward.toml", "[models.fixer]\nurl = \"http://127.0.0.1:1/v1\"\nretries = 0\n");
  auto result = scan({"proj", "--ai-fix"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("ward: error: proj/app.py:8: the model \"fixer\" did not answer"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(app(), kApp);
}

}  // namespace
}  // namespace ward::test
