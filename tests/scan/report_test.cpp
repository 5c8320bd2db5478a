#include "scan/report.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "scan/finding_json.h"

namespace ward::scan {
namespace {

using nlohmann::json;

RuleInfo yaml_rule() {
  RuleInfo r;
  r.id = "python.yaml-load";
  r.title = "Unsafe YAML load";
  r.description = "yaml.load can build arbitrary Python objects from the input.";
  r.remediation = "Use yaml.safe_load,\nor pass Loader=yaml.SafeLoader.";
  r.severity = Severity::kHigh;
  r.confidence = Confidence::kHigh;
  r.cwe = {502};
  r.references = {"https://cwe.mitre.org/data/definitions/502.html"};
  return r;
}

RuleInfo command_rule() {
  RuleInfo r;
  r.id = "python.command-injection";
  r.title = "Command injection";
  r.description = "User input reaches a shell command.";
  r.remediation = "Pass an argument list to subprocess.run without shell=True.";
  r.severity = Severity::kCritical;
  r.confidence = Confidence::kMedium;
  r.cwe = {78, 88};
  r.tags = {"injection", "security"};
  return r;
}

RuleInfo debug_rule() {
  RuleInfo r;
  r.id = "python.flask-debug";
  r.title = "Flask debug mode";
  r.description = "The debugger allows code execution.";
  r.remediation = "Turn debug off.";
  r.severity = Severity::kLow;
  r.confidence = Confidence::kLow;
  r.cwe = {489};
  return r;
}

std::vector<RuleInfo> rules() {
  return {debug_rule(), yaml_rule(), command_rule()};
}

Finding yaml_finding() {
  Finding f;
  f.rule_id = "python.yaml-load";
  f.file = "app/main.py";
  f.span = {3, 8, 3, 31, 40, 63};
  f.message = "yaml.load on request data";
  f.severity = Severity::kHigh;
  f.confidence = Confidence::kHigh;
  f.snippet = "data = yaml.load(request.data)\n";
  f.trace = {{{1, 8, 1, 20, 7, 19}, "request.data is untrusted input"}};
  f.fix = Fix{"Use yaml.safe_load", {{40, 49, "yaml.safe_load"}}};
  f.fingerprint = "5f2b9c0e1a7d4b3c";
  return f;
}

Finding command_finding() {
  Finding f;
  f.rule_id = "python.command-injection";
  f.file = "app/views.py";
  f.span = {12, 5, 12, 19, 300, 314};
  f.message = "request.args[\"cmd\"] flows into os.system";
  f.severity = Severity::kCritical;
  f.confidence = Confidence::kMedium;
  f.snippet = "    os.system(cmd)\n";
  f.trace = {{{10, 11, 10, 30, 200, 219}, "request.args[\"cmd\"] read here"},
             {{11, 5, 11, 8, 250, 253}, "assigned to cmd"}};
  f.fingerprint = "0a1b2c3d4e5f6071";
  return f;
}

ScanResult sample_result() {
  ScanResult r;
  r.findings = {yaml_finding(), command_finding()};
  r.skipped = {{"static/big.min.js", "larger than 2 MiB"}, {"data/blob.py", "not UTF-8"}};
  r.files_scanned = 12;
  r.lines_scanned = 340;
  r.files_from_cache = 4;
  return r;
}

// The lines of `text`.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// The caret line under a one-finding report's first code-frame line, after its " | " gutter.
std::string caret_line(const std::string& report) {
  std::vector<std::string> lines = lines_of(report);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i + 1].find('^') != std::string::npos) {
      const std::string& carets = lines[i + 1];
      return carets.substr(carets.find('|') + 2);
    }
  }
  ADD_FAILURE() << "no caret line in\n" << report;
  return {};
}

// --- text --------------------------------------------------------------------------------------

TEST(ScanReportText, RendersHeaderCodeFrameAdviceAndTrace) {
  ScanResult result;
  result.findings = {yaml_finding()};
  result.files_scanned = 2;
  result.lines_scanned = 40;
  EXPECT_EQ(render_text(result, rules()),
            "app/main.py:3:8: high python.yaml-load: yaml.load on request data\n"
            "  3 | data = yaml.load(request.data)\n"
            "    |        ^^^^^^^^^^^^^^^^^^^^^^^\n"
            "  why: yaml.load can build arbitrary Python objects from the input.\n"
            "  fix: Use yaml.safe_load,\n"
            "       or pass Loader=yaml.SafeLoader.\n"
            "  autofix available (ward scan --fix)\n"
            "  from app/main.py:1: request.data is untrusted input\n"
            "\n"
            "1 finding: 1 high\n"
            "scanned 2 files (40 lines)\n");
}

TEST(ScanReportText, AFindingWithoutAFixOrAKnownRuleSaysLess) {
  ScanResult result;
  Finding f = yaml_finding();
  f.rule_id = "org.custom-rule";
  f.fix.reset();
  f.trace.clear();
  result.findings = {f};
  std::string text = render_text(result, rules());
  EXPECT_NE(text.find("app/main.py:3:8: high org.custom-rule: yaml.load on request data\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("why:"), std::string::npos) << text;
  EXPECT_EQ(text.find("fix:"), std::string::npos) << text;
  EXPECT_EQ(text.find("autofix"), std::string::npos) << text;
  EXPECT_EQ(text.find("from "), std::string::npos) << text;
}

TEST(ScanReportText, MultiLineSpansNumberEachLineAndUnderlineToTheFirstLinesEnd) {
  ScanResult result;
  Finding f = yaml_finding();
  f.span = {9, 8, 10, 5, 0, 0};
  f.snippet = "data = yaml.load(\n    x)\n";
  result.findings = {f};
  std::string text = render_text(result, {});
  EXPECT_NE(text.find("app/main.py:9:8: high python.yaml-load: yaml.load on request data\n"
                      "   9 | data = yaml.load(\n"
                      "     |        ^^^^^^^^^^\n"
                      "  10 |     x)\n"),
            std::string::npos)
      << text;
}

TEST(ScanReportText, CaretsCountColumnsAsCodePointsAndTerminalCells) {
  struct Case {
    std::string line;
    uint32_t start_column, end_column;
    std::string carets;  // expected, after the gutter
  };
  const Case cases[] = {
      // ASCII.
      {"x = eval(y)", 5, 12, "    ^^^^^^^"},
      // "é" is two bytes but one column and one cell: eval starts at column 7.
      {"n\xc3\xa9v = eval(x)", 7, 14, "      ^^^^^^^"},
      // CJK characters are one column each but two cells wide.
      {"\xe5\x90\x8d\xe5\x89\x8d = eval(x)", 6, 13, "       ^^^^^^^"},
      // A tab before the span stays a tab so the caret lands where the terminal puts the text.
      {"\tx = eval(y)", 6, 13, "\t    ^^^^^^^"},
      // An empty span still gets one caret; a span past the line's end is cut at it.
      {"x = y", 3, 3, "  ^"},
      {"abc", 2, 40, " ^^"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    ScanResult result;
    Finding f = yaml_finding();
    f.span = {1, c.start_column, 1, c.end_column, 0, 0};
    f.snippet = c.line + "\n";
    result.findings = {f};
    EXPECT_EQ(caret_line(render_text(result, rules())), c.carets);
  }
}

TEST(ScanReportText, EscapesTerminalControlsFromScannedText) {
  ScanResult result;
  Finding f = yaml_finding();
  f.file = "evil\n.py";
  f.message = "clears the screen \x1b[2J and rings \x07";
  // A right-to-left override (Trojan Source) and a C1 control (U+0085) in the code; invalid UTF-8.
  f.snippet = "access = \"user\xe2\x80\xae \xe2\x81\xa6// admin\xe2\x81\xa9\" \xc2\x85 \xff\n";
  f.span = {3, 1, 3, 7, 0, 0};
  result.findings = {f};
  result.skipped = {{"bin\x1b]0;title\x07.py", "binary \x1b[31m"}};
  std::string text = render_text(result, rules());
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
  EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos) << text;
  EXPECT_EQ(text.find("\xe2\x81\xa6"), std::string::npos) << text;
  EXPECT_EQ(text.find("\xc2\x85"), std::string::npos) << text;
  EXPECT_EQ(text.find('\xff'), std::string::npos) << text;
  EXPECT_NE(text.find("evil\\x0a.py:3:1: high"), std::string::npos) << text;
  EXPECT_NE(text.find("clears the screen \\x1b[2J and rings \\x07"), std::string::npos) << text;
  EXPECT_NE(text.find("\"user\\u202e \\u2066// admin\\u2069\" \\u0085 \\xff"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  bin\\x1b]0;title\\x07.py: binary \\x1b[31m\n"), std::string::npos) << text;
}

TEST(ScanReportText, ColoursBySeverityOnlyWhenAsked) {
  ScanResult result = sample_result();
  Finding low = yaml_finding();
  low.rule_id = "python.flask-debug";
  low.severity = Severity::kLow;
  Finding medium = yaml_finding();
  medium.severity = Severity::kMedium;
  result.findings.push_back(low);
  result.findings.push_back(medium);
  std::string plain = render_text(result, rules());
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  std::string coloured = render_text(result, rules(), TextOptions{.color = true});
  EXPECT_NE(coloured.find("\x1b[1;31mcritical\x1b[0m python.command-injection"), std::string::npos)
      << coloured;
  EXPECT_NE(coloured.find("\x1b[31mhigh\x1b[0m python.yaml-load"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[33mmedium\x1b[0m python.yaml-load"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[36mlow\x1b[0m python.flask-debug"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[31m^^^^"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[1mapp/main.py:3:8:\x1b[0m"), std::string::npos);
}

TEST(ScanReportText, SummaryCountsSeveritiesFilesAndSkips) {
  ScanResult result = sample_result();
  Finding low = yaml_finding();
  low.severity = Severity::kLow;
  result.findings.push_back(low);
  std::string text = render_text(result, rules());
  EXPECT_NE(text.find("\n3 findings: 1 critical, 1 high, 1 low\n"
                      "scanned 12 files (340 lines), 4 from cache\n"
                      "skipped 2 files:\n"
                      "  static/big.min.js: larger than 2 MiB\n"
                      "  data/blob.py: not UTF-8\n"),
            std::string::npos)
      << text;

  ScanResult empty;
  empty.files_scanned = 1;
  empty.lines_scanned = 1;
  EXPECT_EQ(render_text(empty, rules()), "no findings\nscanned 1 file (1 line)\n");
}

// --- JSON --------------------------------------------------------------------------------------

std::set<std::string> keys_of(const json& j) {
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  return keys;
}

TEST(ScanReportJson, HasTheDocumentedShape) {
  json report = json::parse(render_json(sample_result(), rules()));
  EXPECT_EQ(keys_of(report), (std::set<std::string>{"version", "findings", "skipped", "stats"}));
  EXPECT_EQ(report["version"], 1);
  ASSERT_EQ(report["findings"].size(), 2u);

  const json& y = report["findings"][0];
  EXPECT_EQ(keys_of(y),
            (std::set<std::string>{"rule", "file", "line", "column", "end_line", "end_column",
                                   "severity", "confidence", "cwe", "title", "message",
                                   "fingerprint", "snippet", "trace", "fix"}));
  EXPECT_EQ(y["rule"], "python.yaml-load");
  EXPECT_EQ(y["file"], "app/main.py");
  EXPECT_EQ(y["line"], 3);
  EXPECT_EQ(y["column"], 8);
  EXPECT_EQ(y["end_line"], 3);
  EXPECT_EQ(y["end_column"], 31);
  EXPECT_EQ(y["severity"], "high");
  EXPECT_EQ(y["confidence"], "high");
  EXPECT_EQ(y["cwe"], json::array({502}));
  EXPECT_EQ(y["title"], "Unsafe YAML load");
  EXPECT_EQ(y["message"], "yaml.load on request data");
  EXPECT_EQ(y["fingerprint"], "5f2b9c0e1a7d4b3c");
  EXPECT_EQ(y["snippet"], "data = yaml.load(request.data)\n");
  EXPECT_EQ(y["trace"], json::parse(R"([{"file":"app/main.py","line":1,"column":8,
                                         "message":"request.data is untrusted input"}])"));
  EXPECT_EQ(y["fix"], json::parse(R"({"description":"Use yaml.safe_load","edits":
      [{"start_byte":40,"end_byte":49,"replacement":"yaml.safe_load"}]})"));

  const json& c = report["findings"][1];
  EXPECT_FALSE(c.contains("fix"));
  EXPECT_EQ(c["cwe"], json::array({78, 88}));
  EXPECT_EQ(c["severity"], "critical");
  EXPECT_EQ(c["confidence"], "medium");
  ASSERT_EQ(c["trace"].size(), 2u);
  EXPECT_EQ(c["trace"][1]["line"], 11);

  EXPECT_EQ(report["skipped"], json::parse(R"([{"file":"static/big.min.js",
      "reason":"larger than 2 MiB"},{"file":"data/blob.py","reason":"not UTF-8"}])"));
  EXPECT_EQ(report["stats"], json::parse(R"({"files":12,"lines":340,"from_cache":4})"));

  // No trace key without a trace; an unknown rule still has a title and a cwe list.
  ScanResult bare;
  Finding f = yaml_finding();
  f.rule_id = "org.custom";
  f.trace.clear();
  f.fix.reset();
  bare.findings = {f};
  json one = json::parse(render_json(bare, rules()))["findings"][0];
  EXPECT_FALSE(one.contains("trace"));
  EXPECT_FALSE(one.contains("fix"));
  EXPECT_EQ(one["title"], "org.custom");
  EXPECT_EQ(one["cwe"], json::array());
}

TEST(ScanReportJson, EscapesSpecialCharactersAndSurvivesBadUtf8) {
  ScanResult result;
  Finding f = yaml_finding();
  f.message = "quote \" backslash \\ newline \n tab \t bell \x01 </script> \xe2\x9c\x93";
  f.snippet = "x = \"\\u0041\"\r\n";
  f.file = "dir/bad\xff.py";
  result.findings = {f};
  std::string text = render_json(result, rules());
  EXPECT_NE(text.find(R"(quote \" backslash \\ newline \n tab \t bell \u0001 </script> )"),
            std::string::npos)
      << text;
  json report = json::parse(text);
  EXPECT_EQ(report["findings"][0]["message"], f.message);
  EXPECT_EQ(report["findings"][0]["snippet"], f.snippet);
  EXPECT_EQ(report["findings"][0]["file"], "dir/bad\xef\xbf\xbd.py");
  EXPECT_EQ(text.back(), '\n');
}

// --- SARIF -------------------------------------------------------------------------------------

// The SARIF 2.1.0 object types Ward writes: every property the schema defines for them (a name
// outside these is a typo that consumers ignore or reject), the required ones, and the types of
// nested objects ("[]" an array of them, "{}" a map to them).
struct SarifType {
  std::set<std::string> allowed;
  std::set<std::string> required;
  std::map<std::string, std::string> children;
};

const std::map<std::string, SarifType>& sarif_types() {
  static const std::map<std::string, SarifType> types = {
      {"sarifLog",
       {{"$schema", "version", "runs", "inlineExternalProperties", "properties"},
        {"version", "runs"},
        {{"runs", "run[]"}}}},
      {"run",
       {{"tool",
         "addresses",
         "artifacts",
         "automationDetails",
         "baselineGuid",
         "columnKind",
         "conversion",
         "defaultEncoding",
         "defaultSourceLanguage",
         "externalPropertyFileReferences",
         "graphs",
         "invocations",
         "language",
         "logicalLocations",
         "newlineSequences",
         "originalUriBaseIds",
         "policies",
         "properties",
         "redactionTokens",
         "results",
         "runAggregates",
         "specialLocations",
         "taxonomies",
         "threadFlowLocations",
         "translations",
         "versionControlProvenance",
         "webRequests",
         "webResponses"},
        {"tool"},
        {{"tool", "tool"},
         {"invocations", "invocation[]"},
         {"originalUriBaseIds", "artifactLocation{}"},
         {"results", "result[]"}}}},
      {"tool", {{"driver", "extensions", "properties"}, {"driver"}, {{"driver", "toolComponent"}}}},
      {"toolComponent",
       {{"name",
         "associatedComponent",
         "contents",
         "dottedQuadFileVersion",
         "downloadUri",
         "fullDescription",
         "fullName",
         "globalMessageStrings",
         "guid",
         "informationUri",
         "isComprehensive",
         "language",
         "localizedDataSemanticVersion",
         "locations",
         "notifications",
         "organization",
         "product",
         "productSuite",
         "properties",
         "releaseDateUtc",
         "rules",
         "semanticVersion",
         "shortDescription",
         "supportedTaxonomies",
         "taxa",
         "translationMetadata",
         "version"},
        {"name"},
        {{"rules", "reportingDescriptor[]"}}}},
      {"reportingDescriptor",
       {{"id", "defaultConfiguration", "deprecatedGuids", "deprecatedIds", "deprecatedNames",
         "fullDescription", "guid", "help", "helpUri", "messageStrings", "name", "properties",
         "relationships", "shortDescription"},
        {"id"},
        {{"shortDescription", "multiformatMessageString"},
         {"fullDescription", "multiformatMessageString"},
         {"help", "multiformatMessageString"},
         {"defaultConfiguration", "reportingConfiguration"}}}},
      {"multiformatMessageString", {{"text", "markdown", "properties"}, {"text"}, {}}},
      {"reportingConfiguration",
       {{"enabled", "level", "parameters", "properties", "rank"}, {}, {}}},
      {"invocation",
       {{"executionSuccessful",
         "account",
         "arguments",
         "commandLine",
         "endTimeUtc",
         "environmentVariables",
         "executableLocation",
         "exitCode",
         "exitCodeDescription",
         "exitSignalName",
         "exitSignalNumber",
         "machine",
         "notificationConfigurationOverrides",
         "processId",
         "processStartFailureMessage",
         "properties",
         "responseFiles",
         "ruleConfigurationOverrides",
         "startTimeUtc",
         "stderr",
         "stdin",
         "stdout",
         "stdoutStderr",
         "toolConfigurationNotifications",
         "toolExecutionNotifications",
         "workingDirectory"},
        {"executionSuccessful"},
        {{"toolExecutionNotifications", "notification[]"}}}},
      {"notification",
       {{"message", "associatedRule", "descriptor", "exception", "level", "locations", "properties",
         "threadId", "timeUtc"},
        {"message"},
        {{"message", "message"}, {"locations", "location[]"}}}},
      {"message", {{"text", "markdown", "id", "arguments", "properties"}, {}, {}}},
      {"result",
       {{"message",
         "analysisTarget",
         "attachments",
         "baselineState",
         "codeFlows",
         "correlationGuid",
         "fingerprints",
         "fixes",
         "graphTraversals",
         "graphs",
         "guid",
         "hostedViewerUri",
         "kind",
         "level",
         "locations",
         "occurrenceCount",
         "partialFingerprints",
         "properties",
         "provenance",
         "rank",
         "relatedLocations",
         "rule",
         "ruleId",
         "ruleIndex",
         "stacks",
         "suppressions",
         "taxa",
         "webRequest",
         "webResponse",
         "workItemUris"},
        {"message"},
        {{"message", "message"},
         {"locations", "location[]"},
         {"codeFlows", "codeFlow[]"},
         {"fixes", "fix[]"}}}},
      {"location",
       {{"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships",
         "properties"},
        {},
        {{"physicalLocation", "physicalLocation"}, {"message", "message"}}}},
      {"physicalLocation",
       {{"address", "artifactLocation", "contextRegion", "properties", "region"},
        {},
        {{"artifactLocation", "artifactLocation"}, {"region", "region"}}}},
      {"artifactLocation", {{"description", "index", "properties", "uri", "uriBaseId"}, {}, {}}},
      {"region",
       {{"byteLength", "byteOffset", "charLength", "charOffset", "endColumn", "endLine", "message",
         "properties", "snippet", "sourceLanguage", "startColumn", "startLine"},
        {},
        {{"snippet", "artifactContent"}, {"message", "message"}}}},
      {"artifactContent", {{"binary", "properties", "rendered", "text"}, {}, {}}},
      {"codeFlow",
       {{"threadFlows", "message", "properties"},
        {"threadFlows"},
        {{"threadFlows", "threadFlow[]"}}}},
      {"threadFlow",
       {{"locations", "id", "immutableState", "initialState", "message", "properties"},
        {"locations"},
        {{"locations", "threadFlowLocation[]"}}}},
      {"threadFlowLocation",
       {{"executionOrder", "executionTimeUtc", "importance", "index", "kinds", "location", "module",
         "nestingLevel", "properties", "stack", "state", "taxa", "webRequest", "webResponse"},
        {},
        {{"location", "location"}}}},
      {"fix",
       {{"artifactChanges", "description", "properties"},
        {"artifactChanges"},
        {{"description", "message"}, {"artifactChanges", "artifactChange[]"}}}},
      {"artifactChange",
       {{"artifactLocation", "replacements", "properties"},
        {"artifactLocation", "replacements"},
        {{"artifactLocation", "artifactLocation"}, {"replacements", "replacement[]"}}}},
      {"replacement",
       {{"deletedRegion", "insertedContent", "properties"},
        {"deletedRegion"},
        {{"deletedRegion", "region"}, {"insertedContent", "artifactContent"}}}},
  };
  return types;
}

bool is_uri_reference(const std::string& uri) {
  static const std::string allowed =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%";
  return !uri.empty() && uri.find_first_not_of(allowed) == std::string::npos;
}

// Checks `j` as a SARIF object of `type`, recording every problem with its JSON path.
void check_sarif(const json& j, const std::string& type, const std::string& path,
                 std::vector<std::string>& problems) {
  if (!j.is_object()) {
    problems.push_back(path + ": not an object");
    return;
  }
  const SarifType& t = sarif_types().at(type);
  for (const std::string& key : t.required) {
    if (!j.contains(key)) problems.push_back(path + ": missing required " + key);
  }
  for (const auto& [key, value] : j.items()) {
    std::string at = path + "/" + key;
    if (!t.allowed.contains(key)) {
      problems.push_back(at + ": not a property of " + type);
      continue;
    }
    if (key == "level" && !std::set<std::string>{"none", "note", "warning", "error"}.contains(
                              value.get<std::string>())) {
      problems.push_back(at + ": bad level " + value.dump());
    }
    if ((key == "startLine" || key == "startColumn" || key == "endLine" || key == "endColumn") &&
        !(value.is_number_integer() && value.get<int64_t>() >= 1)) {
      problems.push_back(at + ": must be an integer >= 1");
    }
    if ((key == "byteOffset" || key == "byteLength" || key == "ruleIndex") &&
        !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
      problems.push_back(at + ": must be an integer >= 0");
    }
    if ((key == "uri" || key == "informationUri") &&
        !(value.is_string() && is_uri_reference(value.get<std::string>()))) {
      problems.push_back(at + ": not a URI " + value.dump());
    }
    if (key == "text" && !value.is_string()) problems.push_back(at + ": text must be a string");
    auto child = t.children.find(key);
    if (child == t.children.end()) continue;
    std::string child_type = child->second;
    if (child_type.ends_with("[]")) {
      if (!value.is_array()) {
        problems.push_back(at + ": not an array");
        continue;
      }
      child_type.resize(child_type.size() - 2);
      for (size_t i = 0; i < value.size(); ++i) {
        check_sarif(value[i], child_type, at + "/" + std::to_string(i), problems);
      }
    } else if (child_type.ends_with("{}")) {
      child_type.resize(child_type.size() - 2);
      for (const auto& [name, item] : value.items()) {
        check_sarif(item, child_type, at + "/" + name, problems);
      }
    } else {
      check_sarif(value, child_type, at, problems);
    }
  }
}

std::string sarif_of(const ScanResult& result, const SarifOptions& options = {},
                     const std::vector<RuleInfo>& rule_set = rules()) {
  return render_sarif(result, rule_set, options);
}

TEST(ScanReportSarif, UsesOnlySarif210PropertiesWithValidValues) {
  SarifOptions options;
  options.version = "1.2.3";
  options.information_uri = "https://ward.example.org/docs/scanner";
  options.source_root = "/srv/repo";
  options.read_file = [](const std::filesystem::path&) -> std::optional<std::string> {
    return std::string(100, 'x');
  };
  ScanResult result = sample_result();
  for (Finding& f : result.findings) f.file = "/srv/repo" / f.file;
  json log = json::parse(sarif_of(result, options));
  std::vector<std::string> problems;
  check_sarif(log, "sarifLog", "", problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);

  EXPECT_EQ(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  EXPECT_EQ(log["version"], "2.1.0");
  ASSERT_EQ(log["runs"].size(), 1u);
  const json& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "Ward");
  EXPECT_EQ(run["tool"]["driver"]["semanticVersion"], "1.2.3");
  EXPECT_EQ(run["tool"]["driver"]["informationUri"], "https://ward.example.org/docs/scanner");
  EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], true);
  EXPECT_EQ(run["results"].size(), 2u);
}

TEST(ScanReportSarif, TheValidatorCatchesMistakes) {
  // The structural check above must be able to fail.
  json log = json::parse(sarif_of(sample_result()));
  log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startcolumn"] = 1;
  log["runs"][0]["results"][1]["level"] = "critical";
  log["runs"][0]["tool"]["driver"].erase("name");
  std::vector<std::string> problems;
  check_sarif(log, "sarifLog", "", problems);
  EXPECT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
}

TEST(ScanReportSarif, MapsSeverityToLevelAndConfidenceToPrecision) {
  struct Case {
    Severity severity;
    Confidence confidence;
    std::string level, precision, score;
  };
  const Case cases[] = {
      {Severity::kCritical, Confidence::kHigh, "error", "high", "9.5"},
      {Severity::kHigh, Confidence::kMedium, "error", "medium", "8.0"},
      {Severity::kMedium, Confidence::kLow, "warning", "low", "5.5"},
      {Severity::kLow, Confidence::kHigh, "note", "high", "3.0"},
      {Severity::kInfo, Confidence::kHigh, "note", "high", "0.0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(severity_name(c.severity)));
    RuleInfo rule = yaml_rule();
    rule.severity = c.severity;
    rule.confidence = c.confidence;
    ScanResult result;
    Finding f = yaml_finding();
    f.severity = c.severity;
    result.findings = {f};
    json run = json::parse(sarif_of(result, {}, {rule}))["runs"][0];
    const json& descriptor = run["tool"]["driver"]["rules"][0];
    EXPECT_EQ(descriptor["defaultConfiguration"]["level"], c.level);
    EXPECT_EQ(descriptor["properties"]["precision"], c.precision);
    EXPECT_EQ(descriptor["properties"]["security-severity"], c.score);
    EXPECT_EQ(descriptor["properties"]["security-severity"], security_severity_score(c.severity));
    EXPECT_EQ(run["results"][0]["level"], c.level);
  }
  // A finding may be more or less severe than its rule's default: its own level wins.
  ScanResult result;
  Finding f = yaml_finding();
  f.severity = Severity::kMedium;
  result.findings = {f};
  json run = json::parse(sarif_of(result))["runs"][0];
  EXPECT_EQ(run["results"][0]["level"], "warning");
  EXPECT_EQ(run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"], "error");
}

TEST(ScanReportSarif, DescribesRulesForGitHub) {
  json driver = json::parse(sarif_of(sample_result()))["runs"][0]["tool"]["driver"];
  // Only rules with results, in the rule set's order (debug_rule has none).
  ASSERT_EQ(driver["rules"].size(), 2u);
  const json& yaml = driver["rules"][0];
  EXPECT_EQ(yaml["id"], "python.yaml-load");
  EXPECT_EQ(yaml["name"], "PythonYamlLoad");
  EXPECT_EQ(yaml["shortDescription"]["text"], "Unsafe YAML load");
  EXPECT_EQ(yaml["fullDescription"]["text"],
            "yaml.load can build arbitrary Python objects from the input.");
  EXPECT_EQ(yaml["help"]["text"],
            "Use yaml.safe_load,\nor pass Loader=yaml.SafeLoader.\n\nReferences:\n"
            "https://cwe.mitre.org/data/definitions/502.html");
  EXPECT_EQ(yaml["help"]["markdown"],
            "Use yaml.safe_load,\nor pass Loader=yaml.SafeLoader.\n\n**References**\n\n"
            "- <https://cwe.mitre.org/data/definitions/502.html>");
  EXPECT_EQ(yaml["properties"]["tags"], json::parse(R"(["security","external/cwe/cwe-502"])"));
  const json& command = driver["rules"][1];
  EXPECT_EQ(command["name"], "PythonCommandInjection");
  // "security" is not repeated; the rule's own tags follow the CWE tags.
  EXPECT_EQ(command["properties"]["tags"],
            json::parse(R"(["security","external/cwe/cwe-78","external/cwe/cwe-88","injection"])"));

  SarifOptions all;
  all.all_rules = true;
  json every = json::parse(sarif_of(sample_result(), all))["runs"][0];
  ASSERT_EQ(every["tool"]["driver"]["rules"].size(), 3u);
  EXPECT_EQ(every["tool"]["driver"]["rules"][0]["id"], "python.flask-debug");
  // ruleIndex points at the descriptor of the result's rule.
  for (const json& r : every["results"]) {
    EXPECT_EQ(every["tool"]["driver"]["rules"][r["ruleIndex"].get<size_t>()]["id"], r["ruleId"]);
  }
}

TEST(ScanReportSarif, AResultForAnUnknownRuleGetsAStandInDescriptor) {
  ScanResult result = sample_result();
  result.findings[0].rule_id = "org.custom-check";
  json run = json::parse(sarif_of(result))["runs"][0];
  const json& rules_json = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules_json.size(), 2u);
  for (const json& r : run["results"]) {
    EXPECT_EQ(rules_json[r["ruleIndex"].get<size_t>()]["id"], r["ruleId"]);
  }
  const json& stand_in = rules_json[run["results"][0]["ruleIndex"].get<size_t>()];
  EXPECT_EQ(stand_in["name"], "OrgCustomCheck");
  EXPECT_EQ(stand_in["shortDescription"]["text"], "org.custom-check");
  EXPECT_EQ(stand_in["defaultConfiguration"]["level"], "error");
}

TEST(ScanReportSarif, ResultLocationsFingerprintsAndCodeFlows) {
  json run = json::parse(sarif_of(sample_result()))["runs"][0];
  const json& yaml = run["results"][0];
  EXPECT_EQ(yaml["ruleId"], "python.yaml-load");
  EXPECT_EQ(yaml["message"]["text"], "yaml.load on request data");
  const json& physical = yaml["locations"][0]["physicalLocation"];
  EXPECT_EQ(physical["artifactLocation"], json::parse(R"({"uri":"app/main.py"})"));
  EXPECT_EQ(physical["region"], json::parse(R"({"startLine":3,"startColumn":8,"endLine":3,
      "endColumn":31,"snippet":{"text":"data = yaml.load(request.data)\n"}})"));
  EXPECT_EQ(yaml["partialFingerprints"]["primaryLocationLineHash"], "5f2b9c0e1a7d4b3c");

  const json& command = run["results"][1];
  EXPECT_FALSE(command.contains("fixes"));
  ASSERT_EQ(command["codeFlows"].size(), 1u);
  ASSERT_EQ(command["codeFlows"][0]["threadFlows"].size(), 1u);
  const json& steps = command["codeFlows"][0]["threadFlows"][0]["locations"];
  ASSERT_EQ(steps.size(), 3u);  // two trace steps, then the sink
  EXPECT_EQ(steps[0]["location"]["message"]["text"], "request.args[\"cmd\"] read here");
  EXPECT_EQ(steps[0]["location"]["physicalLocation"]["region"]["startLine"], 10);
  EXPECT_EQ(steps[0]["location"]["physicalLocation"]["region"]["startColumn"], 11);
  EXPECT_EQ(steps[1]["location"]["physicalLocation"]["region"]["startLine"], 11);
  EXPECT_EQ(steps[2]["location"]["physicalLocation"]["region"]["startLine"], 12);
  EXPECT_EQ(steps[2]["location"]["message"]["text"], "request.args[\"cmd\"] flows into os.system");
  EXPECT_EQ(steps[2]["location"]["physicalLocation"]["artifactLocation"]["uri"], "app/views.py");

  ScanResult plain;
  Finding f = yaml_finding();
  f.trace.clear();
  f.fingerprint.clear();
  plain.findings = {f};
  json bare = json::parse(sarif_of(plain))["runs"][0]["results"][0];
  EXPECT_FALSE(bare.contains("codeFlows"));
  EXPECT_FALSE(bare.contains("partialFingerprints"));
}

TEST(ScanReportSarif, ArtifactUrisArePercentEncodedAndRelativeToTheSourceRoot) {
  SarifOptions options;
  options.source_root = "/srv/my repo/";
  ScanResult result;
  auto at = [](std::filesystem::path file) {
    Finding f = yaml_finding();
    f.file = std::move(file);
    return f;
  };
  result.findings = {
      at("/srv/my repo/src/my file#1.py"),   at("/srv/my repo/src/na\xc3\xafve%.py"),
      at("/srv/my repo/lib/../c:evil?.py"),  at("/srv/other/x.py"),
      at("/srv/my repo/src/back\\slash.py"),
  };
  result.skipped = {{"/srv/my repo/big [1].js", "larger than 2 MiB"}};
  json run = json::parse(sarif_of(result, options))["runs"][0];
  EXPECT_EQ(run["originalUriBaseIds"],
            json::parse(R"({"%SRCROOT%":{"uri":"file:///srv/my%20repo/"}})"));
  auto artifact = [&](size_t i) {
    return run["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"];
  };
  EXPECT_EQ(artifact(0), json::parse(R"({"uri":"src/my%20file%231.py","uriBaseId":"%SRCROOT%"})"));
  EXPECT_EQ(artifact(1), json::parse(R"({"uri":"src/na%C3%AFve%25.py","uriBaseId":"%SRCROOT%"})"));
  // ':' is encoded so the first segment cannot read as a URI scheme.
  EXPECT_EQ(artifact(2), json::parse(R"({"uri":"c%3Aevil%3F.py","uriBaseId":"%SRCROOT%"})"));
  EXPECT_EQ(artifact(3), json::parse(R"({"uri":"file:///srv/other/x.py"})"));
  EXPECT_EQ(artifact(4), json::parse(R"({"uri":"src/back%5Cslash.py","uriBaseId":"%SRCROOT%"})"));
  EXPECT_EQ(run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]
               ["physicalLocation"]["artifactLocation"],
            json::parse(R"({"uri":"big%20%5B1%5D.js","uriBaseId":"%SRCROOT%"})"));

  // Relative paths are taken against the working directory on both sides.
  SarifOptions here;
  here.source_root = ".";
  ScanResult relative;
  relative.findings = {at("app/./main.py")};
  json rel = json::parse(sarif_of(relative, here))["runs"][0];
  EXPECT_EQ(rel["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"],
            json::parse(R"({"uri":"app/main.py","uriBaseId":"%SRCROOT%"})"));
  std::string root_uri = rel["originalUriBaseIds"]["%SRCROOT%"]["uri"];
  EXPECT_TRUE(root_uri.starts_with("file:///") && root_uri.ends_with("/")) << root_uri;

  // Without a source root: relative stays relative, absolute becomes a file URI.
  ScanResult mixed;
  mixed.findings = {at("src/a b.py"), at("/abs/x.py")};
  json none = json::parse(sarif_of(mixed))["runs"][0];
  EXPECT_FALSE(none.contains("originalUriBaseIds"));
  EXPECT_EQ(none["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"],
            json::parse(R"({"uri":"src/a%20b.py"})"));
  EXPECT_EQ(none["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"],
            json::parse(R"({"uri":"file:///abs/x.py"})"));
}

TEST(ScanReportSarif, FixRegionsCountCodePointsFromTheFileText) {
  // Line 1: "s = 'é' + yaml.load(x)": "yaml.load" is bytes [11, 20) but columns [11, 20) only
  // because "é" is one code point in two bytes (bytes would say 12).
  const std::string text = "s = '\xc3\xa9' + yaml.load(x)\nt = yaml.load(y)\n";
  ScanResult result;
  Finding first = yaml_finding();
  first.span = {1, 11, 1, 24, 11, 23};
  first.fix = Fix{"Use yaml.safe_load", {{11, 20, "yaml.safe_load"}, {22, 28, ")\nt = "}}};
  Finding second = yaml_finding();
  second.span = {2, 5, 2, 17, 28, 40};
  second.fix = Fix{"", {{28, 37, "yaml.safe_load"}, {41, 41, "# fixed\n"}}};
  result.findings = {first, second};
  int reads = 0;
  SarifOptions options;
  options.read_file = [&](const std::filesystem::path& path) -> std::optional<std::string> {
    ++reads;
    EXPECT_EQ(path, std::filesystem::path("app/main.py"));
    return text;
  };
  json run = json::parse(sarif_of(result, options))["runs"][0];
  EXPECT_EQ(reads, 1);
  const json& fix = run["results"][0]["fixes"][0];
  EXPECT_EQ(fix["description"]["text"], "Use yaml.safe_load");
  ASSERT_EQ(fix["artifactChanges"].size(), 1u);
  EXPECT_EQ(fix["artifactChanges"][0]["artifactLocation"]["uri"], "app/main.py");
  const json& replacements = fix["artifactChanges"][0]["replacements"];
  ASSERT_EQ(replacements.size(), 2u);
  EXPECT_EQ(replacements[0]["deletedRegion"],
            json::parse(R"({"startLine":1,"startColumn":11,"endLine":1,"endColumn":20})"));
  EXPECT_EQ(replacements[0]["insertedContent"]["text"], "yaml.safe_load");
  // An edit across the line break ends on the next line.
  EXPECT_EQ(replacements[1]["deletedRegion"],
            json::parse(R"({"startLine":1,"startColumn":22,"endLine":2,"endColumn":5})"));
  EXPECT_EQ(run["results"][1]["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"],
            json::parse(R"({"startLine":2,"startColumn":5,"endLine":2,"endColumn":14})"));
  // An insertion at the very end: an empty region on the line after the last newline.
  EXPECT_EQ(run["results"][1]["fixes"][0]["artifactChanges"][0]["replacements"][1]["deletedRegion"],
            json::parse(R"({"startLine":3,"startColumn":1,"endLine":3,"endColumn":1})"));
  EXPECT_FALSE(run["results"][1]["fixes"][0]["description"]["text"].get<std::string>().empty());
}

TEST(ScanReportSarif, FixRegionsFallBackToBytesWhenTheFileCannotBeRead) {
  ScanResult result;
  Finding f = yaml_finding();
  f.fix = Fix{"Use yaml.safe_load", {{40, 49, "yaml.safe_load"}, {60, 70, ""}}};
  result.findings = {f};
  SarifOptions unreadable;
  unreadable.read_file = [](const std::filesystem::path&) -> std::optional<std::string> {
    return std::nullopt;
  };
  // Also when the file is shorter than the edits (it changed since the scan).
  SarifOptions shorter;
  shorter.read_file = [](const std::filesystem::path&) -> std::optional<std::string> {
    return std::string(45, 'x');
  };
  for (const SarifOptions& options : {SarifOptions{}, unreadable, shorter}) {
    json replacements = json::parse(sarif_of(
        result,
        options))["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"];
    EXPECT_EQ(replacements[0]["deletedRegion"], json::parse(R"({"byteOffset":40,"byteLength":9})"));
    EXPECT_EQ(replacements[1]["deletedRegion"],
              json::parse(R"({"byteOffset":60,"byteLength":10})"));
  }
}

TEST(ScanReportSarif, SkippedFilesBecomeToolExecutionNotifications) {
  json run = json::parse(sarif_of(sample_result()))["runs"][0];
  const json& notes = run["invocations"][0]["toolExecutionNotifications"];
  EXPECT_EQ(notes, json::parse(R"([
      {"level":"warning","message":{"text":"larger than 2 MiB"},
       "locations":[{"physicalLocation":{"artifactLocation":{"uri":"static/big.min.js"}}}]},
      {"level":"warning","message":{"text":"not UTF-8"},
       "locations":[{"physicalLocation":{"artifactLocation":{"uri":"data/blob.py"}}}]}])"));
  ScanResult clean;
  json quiet = json::parse(sarif_of(clean))["runs"][0];
  EXPECT_FALSE(quiet["invocations"][0].contains("toolExecutionNotifications"));
  EXPECT_EQ(quiet["results"], json::array());
  EXPECT_EQ(quiet["tool"]["driver"]["rules"], json::array());
}

TEST(ScanReportSarif, EscapesSpecialCharactersAndBadUtf8) {
  ScanResult result;
  Finding f = yaml_finding();
  f.message = "\"quoted\" \\ \n\t\x1f";
  f.file = "dir/bad\xff.py";
  result.findings = {f};
  std::string text = sarif_of(result);
  json run = json::parse(text)["runs"][0];
  EXPECT_EQ(run["results"][0]["message"]["text"], f.message);
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "dir/bad%FF.py");
  f.message = "bad \xc3";
  result.findings = {f};
  json replaced = json::parse(sarif_of(result));
  EXPECT_EQ(replaced["runs"][0]["results"][0]["message"]["text"], "bad \xef\xbf\xbd");
}

// --- finding_json ------------------------------------------------------------------------------

TEST(ScanFindingJson, RoundTripsEveryField) {
  std::vector<Finding> findings = {yaml_finding(), command_finding()};
  findings[1].file = "dir/\xc3\xa9t\xc3\xa9 \"q\".py";
  json j = findings;
  // Through text, as the cache stores it.
  auto back = findings_from_json(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  ASSERT_EQ(back->size(), 2u);
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& a = findings[i];
    const Finding& b = (*back)[i];
    EXPECT_EQ(a.rule_id, b.rule_id);
    EXPECT_EQ(a.file, b.file);
    EXPECT_EQ(json(a.span), json(b.span));
    EXPECT_EQ(a.message, b.message);
    EXPECT_EQ(a.severity, b.severity);
    EXPECT_EQ(a.confidence, b.confidence);
    EXPECT_EQ(a.snippet, b.snippet);
    EXPECT_EQ(a.fingerprint, b.fingerprint);
    ASSERT_EQ(a.trace.size(), b.trace.size());
    for (size_t k = 0; k < a.trace.size(); ++k) {
      EXPECT_EQ(a.trace[k].message, b.trace[k].message);
      EXPECT_EQ(json(a.trace[k].span), json(b.trace[k].span));
    }
    ASSERT_EQ(a.fix.has_value(), b.fix.has_value());
    if (a.fix) {
      EXPECT_EQ(json(*a.fix), json(*b.fix));
    }
  }
  EXPECT_EQ(j[0]["span"], json::parse(R"({"start_line":3,"start_column":8,
      "end_line":3,"end_column":31,"start_byte":40,"end_byte":63})"));
  EXPECT_FALSE(j[1].contains("fix"));
  EXPECT_EQ(j[0]["severity"], "high");

  std::vector<Skipped> skipped = {{"a/b.py", "not UTF-8"}};
  auto skipped_back = skipped_from_json(json::parse(json(skipped).dump()));
  ASSERT_TRUE(skipped_back.ok());
  EXPECT_EQ((*skipped_back)[0].file, std::filesystem::path("a/b.py"));
  EXPECT_EQ((*skipped_back)[0].reason, "not UTF-8");
}

TEST(ScanFindingJson, RejectsMalformedInputWithoutThrowing) {
  const json good = yaml_finding();
  struct Case {
    std::string name;
    json input;
    std::string where, message;
  };
  auto with = [&](const std::string& pointer, json value) {
    json j = json::array({good, good});
    j[1][json::json_pointer(pointer)] = std::move(value);
    return j;
  };
  auto without = [&](const std::string& key) {
    json j = json::array({good, good});
    j[1].erase(key);
    return j;
  };
  const Case cases[] = {
      {"not an array", json::object(), "findings", "expected an array of findings, but got object"},
      {"element not an object", json::array({good, 3}), "findings[1]",
       "expected an object, but got number"},
      {"missing key", without("span"), "findings[1]", "key 'span' not found"},
      {"wrong type", with("/message", 5), "findings[1]",
       "'message' must be a string, but is number"},
      {"negative number", with("/span/start_line", -1), "findings[1]",
       "'start_line' must be a non-negative integer, but is a negative or fractional number"},
      {"fraction", with("/span/end_byte", 2.5), "findings[1]",
       "'end_byte' must be a non-negative integer, but is a negative or fractional number"},
      {"too large", with("/span/end_byte", 5000000000ULL), "findings[1]",
       "'end_byte' is 5000000000, more than 2^32-1"},
      {"unknown severity", with("/severity", "severe"), "findings[1]",
       "unknown severity 'severe' (expected info, low, medium, high or critical)"},
      {"unknown confidence", with("/confidence", "sure"), "findings[1]",
       "unknown confidence 'sure' (expected low, medium or high)"},
      {"span backwards", with("/span/end_line", 2), "findings[1]",
       "the span ends (line 2, column 31) before it starts (line 3, column 8)"},
      {"zero column", with("/span/start_column", 0), "findings[1]",
       "lines and columns count from 1, but the span has a 0"},
      {"bytes backwards", with("/span/end_byte", 1), "findings[1]",
       "the span's end_byte 1 is before its start_byte 40"},
      {"edit backwards", with("/fix/edits/0/end_byte", 1), "findings[1]",
       "the edit's end_byte 1 is before its start_byte 40"},
      {"trace not array", with("/trace", "x"), "findings[1]",
       "'trace' must be an array, but is string"},
      {"empty rule", with("/rule", ""), "findings[1]", "'rule' is empty"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto out = findings_from_json(c.input);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(out.error().where(), c.where);
    EXPECT_EQ(out.error().message(), c.message);
  }
  // The ADL hook throws nlohmann's exceptions, as documented.
  EXPECT_THROW((void)with("/severity", "severe")[1].get<Finding>(), json::exception);
  // Optional parts may be absent or null.
  json minimal = good;
  minimal.erase("trace");
  minimal["fix"] = nullptr;
  auto ok = findings_from_json(json::array({minimal}));
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_TRUE((*ok)[0].trace.empty());
  EXPECT_FALSE((*ok)[0].fix.has_value());

  auto bad_skip = skipped_from_json(json::parse(R"([{"file":"a","reason":1}])"));
  ASSERT_FALSE(bad_skip.ok());
  EXPECT_EQ(bad_skip.error().where(), "skipped[0]");
}

// --- model-proposed fixes (ward scan --ai-fix) ---------------------------------------------------

TEST(ScanReportAiFix, EveryFormatShowsTheOutcomeAndMarksTheModelsFix) {
  ScanResult result = sample_result();
  Finding& fixed = result.findings[1];  // the command injection: no rule fix
  fixed.fix = Fix{"Model-proposed fix (model \"coder\"), checked by Ward",
                  {{296, 320, "    subprocess.run([\"ls\", cmd])\n"}},
                  "coder"};
  fixed.ai_fix = AiFixOutcome{"applied", "proposed by \"coder\"; it parses"};
  result.findings[0].ai_fix = AiFixOutcome{"skipped", "a rule fix exists"};

  const std::string text = render_text(result, rules());
  EXPECT_NE(text.find("  model fix: applied: proposed by \"coder\"; it parses\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  model fix: skipped: a rule fix exists\n"), std::string::npos) << text;
  // "autofix available" is for the rules' own fixes only.
  EXPECT_EQ(text.find("autofix available"), text.rfind("autofix available")) << text;

  const json report = json::parse(render_json(result, rules()));
  EXPECT_EQ(report["findings"][1]["fix"]["proposed_by"], "coder");
  EXPECT_EQ(report["findings"][1]["ai_fix"],
            json({{"status", "applied"}, {"reason", "proposed by \"coder\"; it parses"}}));
  EXPECT_FALSE(report["findings"][0]["fix"].contains("proposed_by"));

  const json log = json::parse(sarif_of(result));
  std::vector<std::string> problems;
  check_sarif(log, "sarifLog", "", problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  const json& sarif_result = log["runs"][0]["results"][1];
  EXPECT_EQ(sarif_result["fixes"][0]["properties"],
            json({{"modelProposed", true}, {"model", "coder"}}));
  EXPECT_EQ(sarif_result["properties"]["aiFix"]["status"], "applied");
  EXPECT_FALSE(log["runs"][0]["results"][0]["fixes"][0].contains("properties"));

  // finding_json keeps who proposed a fix; the outcome of one run is not stored.
  json stored = fixed;
  EXPECT_EQ(stored["fix"]["proposed_by"], "coder");
  EXPECT_FALSE(stored.contains("ai_fix"));
  EXPECT_EQ(stored.get<Finding>().fix->proposed_by, "coder");
  EXPECT_FALSE(json(yaml_finding())["fix"].contains("proposed_by"));
}

}  // namespace
}  // namespace ward::scan
