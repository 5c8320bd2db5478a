// POST /api/v1/scan through the real `ward serve` over TLS: findings in Ward's JSON report (byte
// for byte what render_json gives) and in SARIF 2.1.0, ward:Scan decided by policy like every
// other action, requests checked field by field with 4xx JSON errors, and one audit event per
// request with the counts and never the content. The route's work is also called directly for
// what the binary cannot be made to do (rules that fail to load, a file over 1 MiB inside a body
// that fits).

#include "server/scan_routes.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "scan/report.h"
#include "scan/scanner.h"
#include "server/ward_serve_test.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

// Never to be found in the audit log or the data directory: it is only in a scanned file.
constexpr const char* kMarker = "marker-4e0b9c1d-scanned-not-kept";

// A Flask route that runs a query parameter as a shell command: os.system is on line 9.
const std::string kFlaskApp = std::string(R"py(import os
from flask import Flask, request

app = Flask(__name__)


@app.route("/run")
def run():
    os.system(request.args.get("x"))
    return ")py") + kMarker + "\"\n";

json one_file(const std::string& path, const std::string& content) {
  return {{"files", {{{"path", path}, {"content", content}}}}};
}

// The field an error names: its message starts "FIELD: ".
std::string field_of(const json& reply) {
  const std::string message = reply["error"]["message"];
  return message.substr(0, message.find(": "));
}

class ScanRoutesTest : public WardServeTest {
 protected:
  void SetUp() override {
    start("[tiers.free]\nrequests_per_minute = 1000\n", {});
    admin_ = bootstrap();
    developer_ = developer(admin_, "dev");
  }

  std::string admin_;
  std::string developer_;
};

TEST_F(ScanRoutesTest, AFlaskCommandInjectionIsFoundOnItsLine) {
  auto result = call("POST", "/api/v1/scan", developer_, one_file("app.py", kFlaskApp).dump());
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  const json report = json::parse(result->body);
  ASSERT_TRUE(report["findings"].is_array()) << report;
  ASSERT_TRUE(report["skipped"].is_array()) << report;
  EXPECT_EQ(report["stats"]["files"], 1);
  bool found = false;
  for (const json& finding : report["findings"]) {
    if (finding["rule"] != "python.command-injection") continue;
    found = true;
    EXPECT_EQ(finding["file"], "app.py");
    EXPECT_EQ(finding["line"], 9);
    EXPECT_EQ(finding["severity"], "critical");
  }
  EXPECT_TRUE(found) << report.dump(2);

  // Exactly the report the scanner renders for the same text.
  auto rules = scan::RuleSet::load();
  ASSERT_TRUE(rules) << rules.error().to_string();
  auto local = scan::scan_text(*rules, kFlaskApp, "app.py");
  ASSERT_TRUE(local) << local.error().to_string();
  EXPECT_EQ(result->body, scan::render_json(*local, rules->rules()));
}

TEST_F(ScanRoutesTest, SarifIsVersion210WithTheFindingsLocationAndFixRegions) {
  // The fix for the weak hash is a line and column region, taken from the request's text (there
  // is no file of that name on the server).
  const json request = {
      {"format", "sarif"},
      {"files",
       {{{"path", "src/app.py"}, {"content", kFlaskApp}},
        {{"path", "src/h.py"}, {"content", "import hashlib\n\ndigest = hashlib.md5(b'x')\n"}}}}};
  auto result = call("POST", "/api/v1/scan", developer_, request.dump());
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/sarif+json");
  const json sarif = json::parse(result->body);
  EXPECT_EQ(sarif["version"], "2.1.0");
  ASSERT_EQ(sarif["runs"].size(), 1u);
  bool injection = false;
  bool fixed = false;
  for (const json& r : sarif["runs"][0]["results"]) {
    const json& location = r["locations"][0]["physicalLocation"];
    if (r["ruleId"] == "python.command-injection") {
      injection = true;
      EXPECT_EQ(location["artifactLocation"]["uri"], "src/app.py");
      EXPECT_EQ(location["region"]["startLine"], 9);
    }
    if (location["artifactLocation"]["uri"] == "src/h.py" && r.contains("fixes")) {
      fixed = true;
      const json& region = r["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"];
      EXPECT_EQ(region.value("startLine", 0), 3) << region;
    }
  }
  EXPECT_TRUE(injection) << sarif.dump(2);
  EXPECT_TRUE(fixed) << sarif.dump(2);
}

TEST_F(ScanRoutesTest, SeveralFilesLanguagesAndAMinimumSeverity) {
  const std::string weak_hash = "import hashlib\n\ndef h(data):\n    return hashlib.md5(data)\n";
  json request = {{"files",
                   {{{"path", "app.py"}, {"content", kFlaskApp}},
                    {{"path", "util/hash"}, {"content", weak_hash}, {"language", "python"}}}}};
  const json all = expect(200, "POST", "/api/v1/scan", developer_, request);
  EXPECT_EQ(all["stats"]["files"], 2);
  bool weak = false;
  for (const json& finding : all["findings"]) {
    if (finding["file"] == "util/hash") weak = true;
  }
  EXPECT_TRUE(weak) << "the weak hash was not reported: " << all.dump(2);

  request["min_severity"] = "critical";
  const json critical = expect(200, "POST", "/api/v1/scan", developer_, request);
  ASSERT_FALSE(critical["findings"].empty());
  EXPECT_LT(critical["findings"].size(), all["findings"].size());
  for (const json& finding : critical["findings"]) EXPECT_EQ(finding["severity"], "critical");
}

TEST_F(ScanRoutesTest, ScansAreAuditedWithCountsAndNeverTheContent) {
  const json report =
      expect(200, "POST", "/api/v1/scan", developer_, one_file("app.py", kFlaskApp));
  const json events = expect(200, "GET", "/api/v1/audit/events?action=ward:Scan", admin_)["events"];
  ASSERT_EQ(events.size(), 1u) << events;
  EXPECT_EQ(events[0]["outcome"], "allowed");
  EXPECT_EQ(events[0]["actor"]["user"], "dev");
  EXPECT_EQ(events[0]["resource"], "ward:local:default:workspace/default");
  EXPECT_EQ(events[0]["params"]["files"], 1);
  EXPECT_EQ(events[0]["params"]["findings"], report["findings"].size());
  EXPECT_EQ(events[0]["params"]["format"], "json");
  const std::string log = expect(200, "GET", "/api/v1/audit/events?limit=1000", admin_).dump();
  EXPECT_EQ(log.find(kMarker), std::string::npos) << "content reached the audit log";
  EXPECT_EQ(log.find("os.system"), std::string::npos) << "content reached the audit log";
  // Nor is it anywhere on the server's disk: not in the database, its WAL or the log files.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir())) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(read_text(entry.path()).find(kMarker), std::string::npos) << entry.path();
  }
}

TEST_F(ScanRoutesTest, ACallerWithoutWardScanIsRefusedAndTheDenialAudited) {
  // A developer whose policies deny ward:Scan explicitly; a user with no policy at all.
  const std::string carol = developer(admin_, "carol");
  expect(201, "POST", "/api/v1/admin/policies", admin_,
         {{"user", "carol"},
          {"document",
           {{"Version", "2024-01-01"},
            {"Statement", {{{"Effect", "Deny"}, {"Action", "ward:Scan"}, {"Resource", "*"}}}}}}});
  expect(201, "POST", "/api/v1/admin/users", admin_, {{"name", "nobody"}});
  const std::string nobody =
      expect(201, "POST", "/api/v1/admin/tokens", admin_, {{"user", "nobody"}}).value("token", "");

  const json refused = expect(403, "POST", "/api/v1/scan", carol, one_file("app.py", kFlaskApp));
  EXPECT_EQ(refused["error"]["code"], "permission_denied");
  EXPECT_TRUE(refused.dump().find("findings") == std::string::npos);
  expect(403, "POST", "/api/v1/scan", nobody, one_file("app.py", kFlaskApp));
  expect(401, "POST", "/api/v1/scan", "", one_file("app.py", kFlaskApp));

  const json denied =
      expect(200, "GET", "/api/v1/audit/events?action=ward:Scan&outcome=denied", admin_)["events"];
  ASSERT_EQ(denied.size(), 2u) << denied;
  EXPECT_EQ(denied[0]["actor"]["user"], "carol");
  EXPECT_EQ(denied[0]["params"]["decision"], "explicit_deny");
  EXPECT_EQ(denied[0]["error_code"], "permission_denied");
  EXPECT_EQ(denied[1]["actor"]["user"], "nobody");
  EXPECT_EQ(denied[1]["params"]["decision"], "implicit_deny");
  EXPECT_EQ(denied.dump().find(kMarker), std::string::npos);
}

TEST_F(ScanRoutesTest, BadRequestsGetA4xxJsonErrorNamingTheFieldAndTheLimit) {
  // Too many files.
  json many = {{"files", json::array()}};
  for (int i = 0; i <= 100; ++i) {
    many["files"].push_back({{"path", "f" + std::to_string(i) + ".py"}, {"content", "x = 1\n"}});
  }
  json error = expect(400, "POST", "/api/v1/scan", developer_, many);
  EXPECT_EQ(error["error"]["code"], "invalid_argument");
  EXPECT_EQ(field_of(error), "files");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("at most 100"), std::string::npos)
      << error;

  // A file over 1 MiB makes the body larger than the server's limit.
  error = expect(413, "POST", "/api/v1/scan", developer_,
                 one_file("big.py", std::string(1024 * 1024 + 1, 'x')));
  EXPECT_EQ(error["error"]["code"], "resource_exhausted");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("1048576 bytes"), std::string::npos)
      << error;

  // Paths name files in the report only: never absolute, never outside the project.
  for (const char* path : {"/etc/passwd.py", "../app.py", "src/../../app.py", "src\\..\\app.py",
                           "C:\\app.py", "\\\\server\\share\\app.py"}) {
    error = expect(400, "POST", "/api/v1/scan", developer_, one_file(path, "x = 1\n"));
    EXPECT_EQ(field_of(error), "files[0].path") << path << ": " << error;
  }
  json second_bad = {{"files",
                      {{{"path", "ok.py"}, {"content", "x = 1\n"}},
                       {{"path", "/abs.py"}, {"content", "x = 1\n"}}}}};
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_, second_bad)), "files[1].path");

  // Not JSON, and JSON of the wrong shape.
  auto malformed = call("POST", "/api/v1/scan", developer_, "{\"files\": [");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(json::parse(malformed->body)["error"]["code"], "invalid_argument");
  auto not_utf8 =
      call("POST", "/api/v1/scan", developer_,
           R"({"files": [{"path": "a.py", "content": "x = ')" + std::string("\xff") + R"('"}]})");
  ASSERT_TRUE(not_utf8);
  EXPECT_EQ(not_utf8->status, 400);
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_, json::object())), "files");
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_, {{"files", "app.py"}})),
            "files");
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_, {{"files", json::array()}})),
            "files");
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_,
                            {{"files", {{{"path", "app.py"}}}}})),
            "files[0].content");
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_,
                            {{"files", {{{"content", "x = 1\n"}}}}})),
            "files[0].path");
  json twice = {
      {"files",
       {{{"path", "a.py"}, {"content", "x = 1\n"}}, {{"path", "a.py"}, {"content", "y = 2\n"}}}}};
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_, twice)), "files[1].path");

  // A language Ward cannot tell, or does not scan: the message names the file.
  error = expect(400, "POST", "/api/v1/scan", developer_, one_file("notes.txt", "hello\n"));
  EXPECT_EQ(field_of(error), "files[0].language");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("notes.txt"), std::string::npos);
  json cobol = one_file("pay.cbl", "MOVE A TO B.\n");
  cobol["files"][0]["language"] = "cobol";
  error = expect(400, "POST", "/api/v1/scan", developer_, cobol);
  EXPECT_EQ(field_of(error), "files[0].language");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("pay.cbl"), std::string::npos);

  json request = one_file("app.py", "x = 1\n");
  request["format"] = "xml";
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_, request)), "format");
  request["format"] = "json";
  request["min_severity"] = "urgent";
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/scan", developer_, request)), "min_severity");

  // Each refusal is one audit event: an error with the file count, never a name or content.
  const json errors =
      expect(200, "GET", "/api/v1/audit/events?action=ward:Scan&outcome=error&limit=1000",
             admin_)["events"];
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0]["error_code"], "invalid_argument");
  EXPECT_EQ(errors[0]["params"]["files"], 101);
  EXPECT_EQ(errors.dump().find("passwd"), std::string::npos);
}

// ---- the route's work without the gateway ----

TEST(ScanFilesTest, RulesThatDidNotLoadAnswer503WithTheLoadError) {
  const server::ScanContext broken{
      core::Error(core::Code::kInvalidArgument, "rules/custom/bad.toml", "severity: not a level")};
  gov::AuditParams params;
  auto reply = server::scan_files(broken, one_file("app.py", kFlaskApp), params);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), core::Code::kUnavailable);
  EXPECT_NE(reply.error().message().find("rules/custom/bad.toml"), std::string::npos)
      << reply.error().to_string();
}

TEST(ScanFilesTest, AFileOver1MiBIsRefusedNamingTheFileAndTheLimit) {
  const server::ScanContext context = server::ScanContext::load();
  ASSERT_TRUE(context.rules) << context.rules.error().to_string();
  gov::AuditParams params;
  const json body = {{"files",
                      {{{"path", "small.py"}, {"content", "x = 1\n"}},
                       {{"path", "big.py"}, {"content", std::string(1024 * 1024 + 1, 'x')}}}}};
  auto reply = server::scan_files(context, body, params);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(reply.error().where(), "files[1].content");
  EXPECT_NE(reply.error().message().find("big.py"), std::string::npos);
  EXPECT_NE(reply.error().message().find("1048576"), std::string::npos);
  EXPECT_EQ(params.json().at("files"), 2);

  // Exactly 1 MiB is accepted.
  const json fits = one_file("big.py", std::string(1024 * 1024 - 2, '#') + "\n\n");
  gov::AuditParams counts;
  auto scanned = server::scan_files(context, fits, counts);
  ASSERT_TRUE(scanned) << scanned.error().to_string();
  EXPECT_EQ(scanned->status, 200);
  EXPECT_TRUE(counts.status()) << counts.status().error().to_string();
  EXPECT_EQ(counts.json().at("files"), 1);
  EXPECT_EQ(counts.json().at("findings"), 0);
}

}  // namespace
}  // namespace ward::test
