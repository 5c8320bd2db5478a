// Taint tracking through scan_text() with the built-in rules (Python, and C where a rule needs
// it): untrusted data from a source reaching a sink through assignments, string building,
// containers and helpers; constant conditions, sanitisers and dead code that must not produce
// findings; rules analysed together that must not affect one another.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scan/scanner.h"
#include "scan_test_support.h"

namespace ward::scan {
namespace {

// The 1-based line of the first occurrence of `needle` in `text` (0 when absent).
uint32_t line_containing(const std::string& text, std::string_view needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return 0;
  uint32_t line = 1;
  for (size_t i = 0; i < at; ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

// A Flask handler: `body` (indented four spaces) follows `param = request.args.get("p")`.
std::string handler(const std::string& body, const std::string& imports = "") {
  return "import os\n"
         "from flask import request\n" +
         imports +
         "\n"
         "def handler():\n"
         "    param = request.args.get(\"p\")\n" +
         body;
}

ScanResult scan(const std::string& text) {
  auto result = scan_text(builtin_rules(), text, "app.py");
  EXPECT_TRUE(result.ok()) << result.error().to_string();
  if (!result.ok()) throw std::runtime_error(result.error().to_string());
  return std::move(*result);
}

// Exactly one finding of `id`, at the line holding `sink`, whose trace starts at the line holding
// `source`.
void expect_flow(const std::string& text, const std::string& id, std::string_view sink,
                 std::string_view source = "request.args.get") {
  SCOPED_TRACE(text);
  const uint32_t sink_line = line_containing(text, sink);
  const uint32_t source_line = line_containing(text, source);
  ASSERT_NE(sink_line, 0u) << sink;
  ASSERT_NE(source_line, 0u) << source;
  auto found = of_rule(scan(text), id);
  ASSERT_EQ(found.size(), 1u) << "expected one " << id << " finding";
  EXPECT_EQ(found[0].span.start_line, sink_line);
  EXPECT_EQ(found[0].severity, builtin_rules().find(id)->severity);
  ASSERT_FALSE(found[0].trace.empty());
  EXPECT_EQ(found[0].trace[0].span.start_line, source_line);
  EXPECT_NE(found[0].message.find("line " + std::to_string(source_line)), std::string::npos)
      << found[0].message;
}

void expect_no_flow(const std::string& text, const std::string& id) {
  auto found = of_rule(scan(text), id);
  EXPECT_TRUE(found.empty()) << text << "\nflagged at line " << found.front().span.start_line
                             << ": " << found.front().message;
}

constexpr const char* kCommand = "python.command-injection";
constexpr const char* kSql = "python.sql-injection";

// --- propagation --------------------------------------------------------------------------------

TEST(ScanTaint, FlowsThroughAssignments) {
  expect_flow(handler("    a = param\n"
                      "    b = a\n"
                      "    os.system(b)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, DirectUseOfASourceInASink) {
  expect_flow(handler("    os.system(request.args.get(\"cmd\"))\n"), kCommand, "os.system(",
              "request.args.get(\"cmd\")");
}

TEST(ScanTaint, OtherSources) {
  expect_flow("import os, sys\n\ndef main():\n    os.system(\"ls \" + sys.argv[1])\n", kCommand,
              "os.system(", "sys.argv");
  expect_flow("import os\n\ndef main():\n    v = os.environ[\"DIR\"]\n    os.system(v)\n", kCommand,
              "os.system(", "os.environ");
  expect_flow("import os\n\ndef main():\n    v = input()\n    os.system(v)\n", kCommand,
              "os.system(", "input()");
}

TEST(ScanTaint, FlowsThroughFStrings) {
  expect_flow(handler("    cmd = f\"ls {param}\"\n"
                      "    os.system(cmd)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, FlowsThroughConcatenation) {
  expect_flow(handler("    cmd = \"ls \" + param + \" -l\"\n"
                      "    os.system(cmd)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, FlowsThroughAugmentedAssignment) {
  expect_flow(handler("    cmd = \"ls \"\n"
                      "    cmd += param\n"
                      "    os.system(cmd)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, FlowsThroughMethodCallsOnTaintedStrings) {
  const std::string text = handler(
      "    a = param.strip().lower()\n"
      "    os.system(a)\n"
      "    os.system(\"ls {}\".format(param))\n"
      "    os.system(\" \".join([\"ls\", param]))\n"
      "    os.system(\"ls %s\" % param)\n");
  std::vector<uint32_t> expected;
  for (const char* sink :
       {"os.system(a)", "os.system(\"ls {}\"", "os.system(\" \"", "os.system(\"ls %s\""}) {
    expected.push_back(line_containing(text, sink));
  }
  EXPECT_EQ(lines_of(scan(text), kCommand), expected) << text;
}

TEST(ScanTaint, ConstantsAndOverwrittenValuesAreNotFlagged) {
  expect_no_flow(handler("    cmd = \"ls \" + \"-l\"\n"
                         "    os.system(cmd)\n"),
                 kCommand);
  expect_no_flow(handler("    a = param\n"
                         "    a = \"ls\"\n"
                         "    os.system(a)\n"),
                 kCommand);
  expect_no_flow(handler("    n = len(param)\n"
                         "    os.system(\"ls\")\n"),
                 kCommand);
}

// --- containers ---------------------------------------------------------------------------------

TEST(ScanTaint, DictKeysAreTrackedOneByOne) {
  const std::string prefix =
      "    m = {}\n"
      "    m[\"keyA-1\"] = \"a_Value\"\n"
      "    m[\"keyB-2\"] = param\n";
  expect_no_flow(handler(prefix + "    bar = m[\"keyA-1\"]\n    os.system(bar)\n"), kCommand);
  expect_flow(handler(prefix + "    bar = m[\"keyB-2\"]\n    os.system(bar)\n"), kCommand,
              "os.system(");
  expect_no_flow(handler(prefix + "    bar = m.get(\"keyA-1\")\n    os.system(bar)\n"), kCommand);
  expect_flow(handler(prefix + "    bar = m.get(\"keyB-2\")\n    os.system(bar)\n"), kCommand,
              "os.system(");
}

TEST(ScanTaint, DictLiteralsAreTrackedOneKeyAtATime) {
  const std::string prefix = "    m = {\"safe\": \"ls\", \"bad\": param}\n";
  expect_no_flow(handler(prefix + "    os.system(m[\"safe\"])\n"), kCommand);
  expect_flow(handler(prefix + "    os.system(m[\"bad\"])\n"), kCommand, "os.system(");
}

TEST(ScanTaint, ListAppendPopAndIndexAreTrackedOneItemAtATime) {
  const std::string prefix =
      "    lst = []\n"
      "    lst.append(\"safe\")\n"
      "    lst.append(param)\n"
      "    lst.append(\"moresafe\")\n"
      "    lst.pop(0)\n";  // now [param, "moresafe"]
  expect_no_flow(handler(prefix + "    bar = lst[1]\n    os.system(bar)\n"), kCommand);
  expect_flow(handler(prefix + "    bar = lst[0]\n    os.system(bar)\n"), kCommand, "os.system(");
  expect_no_flow(handler(prefix + "    bar = lst.pop()\n    os.system(bar)\n"), kCommand);
  expect_flow(handler(prefix + "    lst.pop()\n    bar = lst.pop()\n    os.system(bar)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, ListLiteralsAreTrackedByIndex) {
  const std::string prefix = "    values = [\"ls\", param]\n";
  expect_no_flow(handler(prefix + "    os.system(values[0])\n"), kCommand);
  expect_flow(handler(prefix + "    os.system(values[1])\n"), kCommand, "os.system(");
  expect_flow(handler(prefix + "    os.system(values[-1])\n"), kCommand, "os.system(");
}

TEST(ScanTaint, ConfigParserSetAndGetAreTrackedPerKey) {
  const std::string prefix =
      "    conf = configparser.ConfigParser()\n"
      "    conf.add_section(\"section\")\n"
      "    conf.set(\"section\", \"keyA\", \"a_Value\")\n"
      "    conf.set(\"section\", \"keyB\", param)\n";
  expect_no_flow(handler(prefix + "    bar = conf.get(\"section\", \"keyA\")\n    os.system(bar)\n",
                         "import configparser\n"),
                 kCommand);
  expect_flow(handler(prefix + "    bar = conf.get(\"section\", \"keyB\")\n    os.system(bar)\n",
                      "import configparser\n"),
              kCommand, "os.system(");
}

// --- conditions ---------------------------------------------------------------------------------

TEST(ScanTaint, ABranchThatCanNeverRunDoesNotCount) {
  // 7 * 42 - 86 = 208 > 200: always the first branch.
  expect_no_flow(handler("    num = 86\n"
                         "    if 7 * 42 - num > 200:\n"
                         "        bar = \"This_should_always_happen\"\n"
                         "    else:\n"
                         "        bar = param\n"
                         "    os.system(bar)\n"),
                 kCommand);
  expect_flow(handler("    num = 86\n"
                      "    if 7 * 42 - num > 200:\n"
                      "        bar = param\n"
                      "    else:\n"
                      "        bar = \"This_should_never_happen\"\n"
                      "    os.system(bar)\n"),
              kCommand, "os.system(");
  // 7 * 18 - 86 = 40: always the else branch.
  expect_flow(handler("    num = 86\n"
                      "    if 7 * 18 - num > 200:\n"
                      "        bar = \"This_should_never_happen\"\n"
                      "    else:\n"
                      "        bar = param\n"
                      "    os.system(bar)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, NotInOnConstantsIsFolded) {
  expect_no_flow(handler("    if \"a\" not   in \"abc\":\n"
                         "        os.system(param)\n"),
                 kCommand);
  expect_flow(handler("    if \"x\" not in \"abc\":\n"
                      "        os.system(param)\n"),
              kCommand, "os.system(");
}

// `if parsed.netloc not in [...]: return` checks the URL `parsed` came from, for the rules that
// name urlparse among their validators (open redirect, SSRF) and for no other.
TEST(ScanTaint, AnAllowListOfHostsValidatesAParsedUrl) {
  const std::string imports = "import urllib.parse\nimport flask\n";
  const std::string check =
      "    url = urllib.parse.urlparse(param)\n"
      "    if url.netloc not in [\"example.com\"] or url.scheme != \"https\":\n"
      "        return \"no\"\n";
  expect_no_flow(handler(check + "    return flask.redirect(param)\n", imports),
                 "python.open-redirect");
  expect_flow(handler(check + "    os.system(param)\n", imports), kCommand, "os.system(");
  expect_flow(handler("    url = urllib.parse.urlparse(param)\n"
                      "    if url.scheme != \"https\":\n"
                      "        return \"no\"\n"
                      "    return flask.redirect(param)\n",
                      imports),
              "python.open-redirect", "flask.redirect(");
}

// Replacing a rule's guard string (`'` for SQL and XPath) makes the value safe for that rule only.
TEST(ScanTaint, ReplacingAGuardStringSanitisesForItsRules) {
  const std::string imports = "import sqlite3\n";
  const std::string escaped =
      "    safe = param.replace(\"'\", \"''\")\n"
      "    cur = sqlite3.connect(\"app.db\").cursor()\n"
      "    cur.execute(\"SELECT * FROM t WHERE a = '\" + safe + \"'\")\n"
      "    os.system(\"ls \" + safe)\n";
  expect_no_flow(handler(escaped, imports), kSql);
  expect_flow(handler(escaped, imports), kCommand, "os.system(");
  expect_flow(handler("    safe = param.replace(\"<\", \"&lt;\")\n"
                      "    cur = sqlite3.connect(\"app.db\").cursor()\n"
                      "    cur.execute(\"SELECT * FROM t WHERE a = '\" + safe + \"'\")\n",
                      imports),
              kSql, "cur.execute(");
}

TEST(ScanTaint, ElementpathTakesTheQueryAfterTheDocument) {
  const std::string imports = "import elementpath\nimport xml.etree.ElementTree as ET\n";
  expect_flow(handler("    root = ET.parse(\"people.xml\")\n"
                      "    elementpath.select(root, \"//user[@name='\" + param + \"']\")\n",
                      imports),
              "python.xpath-injection", "elementpath.select(");
  expect_no_flow(handler("    root = ET.parse(param)\n"
                         "    elementpath.select(root, \"//user[1]\")\n",
                         imports),
                 "python.xpath-injection");
}

TEST(ScanTaint, AMatchOnAConstantTakesOneCase) {
  const std::string cases =
      "    match guess:\n"
      "        case 'A':\n"
      "            bar = \"fixed\"\n"
      "        case 'B' | 'C':\n"
      "            bar = param\n"
      "        case _:\n"
      "            bar = \"other\"\n"
      "    os.system(bar)\n";
  expect_no_flow(handler("    guess = \"ABC\"[0]\n" + cases), kCommand);
  expect_flow(handler("    guess = \"ABC\"[2]\n" + cases), kCommand, "os.system(");
  expect_no_flow(handler("    guess = \"Z\"\n" + cases), kCommand);
  expect_flow(handler("    guess = param[0]\n" + cases), kCommand, "os.system(");
  // A number written in hex is not compared as text: every case stays possible.
  expect_flow(handler("    n = 16\n"
                      "    match n:\n"
                      "        case 0x10:\n"
                      "            bar = param\n"
                      "        case _:\n"
                      "            bar = \"safe\"\n"
                      "    os.system(bar)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, APathMadeFromRequestDataReachesItsMethods) {
  const std::string imports = "import pathlib\n";
  expect_flow(handler("    p = pathlib.Path(\"/srv/files\") / param\n"
                      "    text = p.read_text()\n",
                      imports),
              "python.path-traversal", "p.read_text()");
  expect_no_flow(handler("    p = pathlib.Path(\"/srv/files\") / \"index.txt\"\n"
                         "    p.write_text(param)\n",
                         imports),
                 "python.path-traversal");
}

// A resolved path checked to start with its base directory cannot leave it.
TEST(ScanTaint, AContainmentCheckOnAResolvedPathValidatesIt) {
  const std::string imports = "import pathlib\n";
  const std::string resolved =
      "    base = pathlib.Path(\"/srv/files\")\n"
      "    p = (base / param).resolve()\n";
  expect_no_flow(handler(resolved + "    if not str(p).startswith(str(base)):\n"
                                    "        return \"no\"\n"
                                    "    return p.read_text()\n",
                         imports),
                 "python.path-traversal");
  expect_flow(handler(resolved + "    return p.read_text()\n", imports), "python.path-traversal",
              "p.read_text()");
  // Without resolving, base/../etc/passwd starts with base: no validation.
  expect_flow(handler("    base = pathlib.Path(\"/srv/files\")\n"
                      "    p = base / param\n"
                      "    if not str(p).startswith(str(base)):\n"
                      "        return \"no\"\n"
                      "    return p.read_text()\n",
                      imports),
              "python.path-traversal", "p.read_text()");
}

TEST(ScanTaint, AnUnknownConditionKeepsBothBranches) {
  expect_flow(handler("    if len(param) > 3:\n"
                      "        bar = \"safe\"\n"
                      "    else:\n"
                      "        bar = param\n"
                      "    os.system(bar)\n"),
              kCommand, "os.system(");
  // No else: the value from before the if may survive.
  expect_flow(handler("    bar = param\n"
                      "    if len(param) > 3:\n"
                      "        bar = \"safe\"\n"
                      "    os.system(bar)\n"),
              kCommand, "os.system(");
}

TEST(ScanTaint, ConditionalExpressionsWithConstantConditions) {
  expect_no_flow(handler("    num = 86\n"
                         "    bar = \"safe\" if (7 * 42) - num > 200 else param\n"
                         "    os.system(bar)\n"),
                 kCommand);
  expect_flow(handler("    num = 86\n"
                      "    bar = param if (7 * 42) - num > 200 else \"safe\"\n"
                      "    os.system(bar)\n"),
              kCommand, "os.system(");
  expect_flow(handler("    bar = \"safe\" if len(param) > 200 else param\n"
                      "    os.system(bar)\n"),
              kCommand, "os.system(");
}

// --- sanitisers ---------------------------------------------------------------------------------

TEST(ScanTaint, ShlexQuoteSanitisesACommand) {
  expect_no_flow(handler("    os.system(\"ls \" + shlex.quote(param))\n", "import shlex\n"),
                 kCommand);
  expect_no_flow(
      handler("    safe = shlex.quote(param)\n    os.system(\"ls \" + safe)\n", "import shlex\n"),
      kCommand);
  // The sanitiser protects only what went through it.
  expect_flow(
      handler("    safe = shlex.quote(param)\n    os.system(safe + param)\n", "import shlex\n"),
      kCommand, "os.system(");
}

const std::string kFlaskApp =
    "import html\n"
    "from flask import Flask, request\n"
    "\n"
    "app = Flask(__name__)\n"
    "\n"
    "@app.route(\"/hello\")\n"
    "def hello():\n"
    "    name = request.args.get(\"name\")\n";

TEST(ScanTaint, HtmlEscapeBeforeReturningFromARouteIsNotXss) {
  expect_no_flow(kFlaskApp + "    return \"<p>\" + html.escape(name) + \"</p>\"\n", "python.xss");
  expect_flow(kFlaskApp + "    return \"<p>\" + name + \"</p>\"\n", "python.xss", "return \"<p>\"");
}

TEST(ScanTaint, ReturningFromAFunctionThatIsNotARouteIsNotXss) {
  expect_no_flow(
      "from flask import request\n"
      "\n"
      "def helper():\n"
      "    return \"<p>\" + request.args.get(\"name\") + \"</p>\"\n",
      "python.xss");
}

// --- helpers, dead code -------------------------------------------------------------------------

const std::string kHelpers =
    "def passthrough(value):\n"
    "    return value\n"
    "\n"
    "def constant(value):\n"
    "    return \"ls\"\n";

TEST(ScanTaint, AHelperThatReturnsItsArgumentPropagates) {
  expect_flow(handler("    os.system(passthrough(param))\n", kHelpers), kCommand, "os.system(");
}

TEST(ScanTaint, AHelperThatReturnsAConstantDoesNot) {
  expect_no_flow(handler("    os.system(constant(param))\n", kHelpers), kCommand);
  // … and a passthrough of a constant is a constant.
  expect_no_flow(handler("    os.system(passthrough(\"ls\"))\n", kHelpers), kCommand);
}

TEST(ScanTaint, StatementsAfterReturnAreNotAnalysed) {
  expect_no_flow(handler("    return \"ok\"\n"
                         "    os.system(param)\n"),
                 kCommand);
  expect_flow(handler("    os.system(param)\n"
                      "    return \"ok\"\n"),
              kCommand, "os.system(");
}

// --- other sinks ---------------------------------------------------------------------------------

TEST(ScanTaint, StoringRequestDataInTheSessionCrossesATrustBoundary) {
  expect_flow(handler("    flask.session[\"userid\"] = param\n", "import flask\n"),
              "python.trust-boundary", "flask.session[");
  expect_flow(
      "from flask import request, session\n"
      "\n"
      "def login():\n"
      "    user = request.form[\"user\"]\n"
      "    session[\"user\"] = user\n",
      "python.trust-boundary", "session[\"user\"]", "request.form");
  expect_no_flow(handler("    flask.session[\"userid\"] = \"guest\"\n", "import flask\n"),
                 "python.trust-boundary");
  // A key the request chooses crosses the boundary too.
  expect_flow(handler("    flask.session[param] = \"12345\"\n", "import flask\n"),
              "python.trust-boundary", "flask.session[param]");
}

TEST(ScanTaint, ParameterisedSqlIsNotFlaggedButFormattedSqlIs) {
  const std::string imports = "import sqlite3\n";
  expect_no_flow(handler("    bar = param\n"
                         "    sql = \"SELECT * FROM users WHERE name = ?\"\n"
                         "    cur = sqlite3.connect(\"app.db\").cursor()\n"
                         "    cur.execute(sql, (bar,))\n",
                         imports),
                 kSql);
  expect_flow(handler("    bar = param\n"
                      "    sql = f\"SELECT * FROM users WHERE name = '{bar}'\"\n"
                      "    cur = sqlite3.connect(\"app.db\").cursor()\n"
                      "    cur.execute(sql)\n",
                      imports),
              kSql, "cur.execute(");
}

// "*.execute" names any receiver's execute, however long the receiver.
TEST(ScanTaint, SqlThroughACursorReturnedByACall) {
  expect_flow(
      handler("    conn = sqlite3.connect(\"app.db\")\n"
              "    conn.cursor().execute(\"SELECT * FROM t WHERE a = '\" + param + \"'\")\n",
              "import sqlite3\n"),
      kSql, "conn.cursor().execute(");
}

TEST(ScanTaint, SqlThroughAnAttributeCursor) {
  expect_flow(
      "from flask import request\n"
      "\n"
      "class Store:\n"
      "    def find(self):\n"
      "        name = request.args.get(\"name\")\n"
      "        self.cursor.execute(\"SELECT * FROM t WHERE a = '\" + name + \"'\")\n",
      kSql, "self.cursor.execute(", "request.args.get");
}

TEST(ScanTaint, EachSinkIsReportedOncePerRule) {
  auto result = scan(handler("    os.system(param + param)\n"));
  EXPECT_EQ(of_rule(result, kCommand).size(), 1u);
}

// --- rules analysed together --------------------------------------------------------------------
// The taint rules of a file are followed in one pass, per rule group: what makes data safe for
// one rule must leave it untrusted for the others.

TEST(ScanTaint, ASanitiserOfOneRuleLeavesTheDataUntrustedForTheOthers) {
  const std::string text = handler(
      "    safe = shlex.quote(param)\n"
      "    os.system(\"ls \" + safe)\n"
      "    cur = sqlite3.connect(\"app.db\").cursor()\n"
      "    cur.execute(\"SELECT * FROM t WHERE a = '\" + safe + \"'\")\n",
      "import shlex\nimport sqlite3\n");
  expect_no_flow(text, kCommand);
  expect_flow(text, kSql, "cur.execute(");
}

TEST(ScanTaint, AGuardOfOneRuleLeavesTheDataUntrustedForTheOthers) {
  const std::string text = handler(
      "    if \"'\" in param:\n"
      "        return \"bad\"\n"
      "    cur = sqlite3.connect(\"app.db\").cursor()\n"
      "    cur.execute(\"SELECT * FROM t WHERE a = '\" + param + \"'\")\n"
      "    os.system(\"ls \" + param)\n",
      "import sqlite3\n");
  expect_no_flow(text, kSql);
  expect_flow(text, kCommand, "os.system(");
}

TEST(ScanTaint, ARangeCheckGuardsArithmeticButNotAFormatString) {
  const std::string text =
      "#include <stdio.h>\n"
      "#include <stdlib.h>\n"
      "#include <string.h>\n"
      "\n"
      "void report(void) {\n"
      "    char line[64];\n"
      "    fgets(line, sizeof line, stdin);\n"
      "    int count = atoi(line);\n"
      "    if (count < 100 && strlen(line) < 32) {\n"
      "        int doubled = count * 2;\n"
      "        printf(line);\n"
      "    }\n"
      "    int tripled = count * 3;\n"
      "}\n";
  auto result = scan_text(builtin_rules(), text, "report.c");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  auto overflows = of_rule(*result, "c.integer-overflow");
  ASSERT_EQ(overflows.size(), 1u);
  EXPECT_EQ(overflows[0].span.start_line, line_containing(text, "count * 3"));
  EXPECT_NE(overflows[0].message.find("reaches `*`"), std::string::npos) << overflows[0].message;
  auto formats = of_rule(*result, "c.format-string");
  ASSERT_EQ(formats.size(), 1u);
  EXPECT_EQ(formats[0].span.start_line, line_containing(text, "printf(line)"));
  EXPECT_EQ(formats[0].trace[0].span.start_line, line_containing(text, "fgets("));
}

}  // namespace
}  // namespace ward::scan
