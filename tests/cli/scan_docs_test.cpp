// docs/scanner.md lists the built-in rules: the table must be what the rule files say now.

#include <gtest/gtest.h>

#include <string>

#include "core/file.h"
#include "support/test_support.h"

namespace ward {
namespace {

TEST(ScanDocs, RuleTableIsCurrent) {
  auto listed = test::run_ward({"scan", "--list-rules", "--format", "markdown"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  ASSERT_NE(listed.out.find("| `python.sql-injection` |"), std::string::npos) << listed.out;
  auto docs = core::read_file(std::string(WARD_SOURCE_DIR) + "/docs/scanner.md");
  ASSERT_TRUE(docs) << docs.error().to_string();
  const std::string begin = "<!-- rules:begin -->\n";
  size_t start = docs->find(begin);
  size_t end = docs->find("<!-- rules:end -->");
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  start += begin.size();
  EXPECT_EQ(docs->substr(start, end - start), listed.out)
      << "regenerate the table in docs/scanner.md with: ward scan --list-rules --format markdown";
}

}  // namespace
}  // namespace ward
