// `ward audit verify|query|export` through the real binary, on a real data directory.

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/test_support.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string local_user() {
  const passwd* entry = ::getpwuid(::geteuid());
  return entry ? entry->pw_name : "uid:" + std::to_string(::geteuid());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class AuditCliTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const { return {{"HOME", (dir_ / "home").string()}}; }
  fs::path data() const { return dir_ / "data"; }

  ProcessResult ward(std::vector<std::string> args, const fs::path& data_dir = {}) {
    args.push_back("--data-dir");
    args.push_back((data_dir.empty() ? data() : data_dir).string());
    return run_ward(args, env());
  }

  // Runs a command that must succeed and returns its stdout.
  std::string ok(const std::vector<std::string>& args) {
    auto result = ward(args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result.out;
  }

  json query_json(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"audit", "query", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out = ok(args);
    auto parsed = json::parse(out, nullptr, false);
    EXPECT_TRUE(parsed.is_array()) << out;
    return parsed.is_array() ? parsed : json::array();
  }

  TempDir dir_;
};

TEST_F(AuditCliTest, HelpListsTheAuditCommands) {
  auto result = ward({"audit", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"verify", "query", "export"}) {
    EXPECT_NE(result.out.find(command), std::string::npos) << result.out;
  }
}

TEST_F(AuditCliTest, ReadingTheLogIsItselfAudited) {
  EXPECT_EQ(ok({"audit", "query"}), "no matching audit events\n");
  const json events = query_json({"--action", "ward:AuditRead"});
  ASSERT_EQ(events.size(), 1u) << events.dump();
  const json& event = events[0];
  EXPECT_EQ(event["seq"], 1);
  EXPECT_EQ(event["action"], "ward:AuditRead");
  EXPECT_EQ(event["resource"], "ward:audit");
  EXPECT_EQ(event["outcome"], "allowed");
  EXPECT_EQ(event["actor"]["user"], local_user());
  EXPECT_EQ(event["actor"]["auth_method"], "local");
  EXPECT_EQ(event["params"]["results"], 0);
  EXPECT_EQ(event["params"]["limit"], 100);
  EXPECT_TRUE(std::regex_match(
      event["id"].get<std::string>(),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")));
  EXPECT_TRUE(std::regex_match(event["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  // The signing key is sealed in the keyring; only its public half is a file of its own.
  EXPECT_FALSE(fs::exists(data() / "keys" / "audit-signing.key"));
  EXPECT_TRUE(fs::exists(data() / "keys" / "audit-signing.pub"));
}

TEST_F(AuditCliTest, VerifyPassesOnAnIntactLogWithASummary) {
  ok({"audit", "query"});
  ok({"audit", "export", "--format", "jsonl"});
  auto result = ward({"audit", "verify"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("audit log intact: 2 events (1 to 2)"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("the last at event 2 (shutdown"), std::string::npos) << result.out;
  EXPECT_EQ(result.err, "");
}

TEST_F(AuditCliTest, VerifyNeedsAPublicKey) {
  auto result = ward({"audit", "verify"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("--public-key"), std::string::npos) << result.err;
}

TEST_F(AuditCliTest, VerifyAfterTamperingExitsOneAndNamesTheEvent) {
  // Three reads whose recorded filters carry markers.
  for (const char* marker : {"ward:MarkerAAAA", "ward:MarkerBBBB", "ward:MarkerCCCC"}) {
    ok({"audit", "query", "--action", marker});
  }
  const json events = query_json();
  ASSERT_EQ(events.size(), 3u);
  const json& target = events[1];
  ASSERT_EQ(target["params"]["action"], "ward:MarkerBBBB");
  ASSERT_FALSE(fs::exists(data() / "ward.db-wal")) << "the WAL was not folded into the database";

  // Edit the database file's bytes directly, as someone with access to the disk could.
  std::string bytes = read_text(data() / "ward.db");
  const std::string marker = "ward:MarkerBBBB";
  const auto at = bytes.find(marker);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes.find(marker, at + 1), std::string::npos) << "the marker is stored twice";
  bytes.replace(at, marker.size(), "ward:MarkerXXXX");
  write_text(data() / "ward.db", bytes);

  auto result = ward({"audit", "verify"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  const std::string named = "event " + std::to_string(target["seq"].get<int>()) + " (id " +
                            target["id"].get<std::string>() + ")";
  EXPECT_EQ(result.err.rfind("ward: error: audit log: tampered with: " + named +
                                 " does not match its recorded hash",
                             0),
            0u)
      << result.err;
  EXPECT_NE(result.out.find("TAMPERED"), std::string::npos) << result.out;
}

TEST_F(AuditCliTest, VerifyWithAnotherPublicKeyFails) {
  ok({"audit", "query"});
  auto other = ward({"audit", "query"}, dir_ / "other");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  auto result = ward({"audit", "verify", "--public-key",
                      (dir_ / "other" / "keys" / "audit-signing.pub").string()});
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_NE(result.err.find("names signing key"), std::string::npos) << result.err;
  auto own =
      ward({"audit", "verify", "--public-key", (data() / "keys" / "audit-signing.pub").string()});
  EXPECT_EQ(own.exit_code, 0) << own.out << own.err;
}

TEST_F(AuditCliTest, VerifyChecksAnAnchor) {
  ok({"audit", "query"});
  const json events = query_json();
  const std::string hash = events[0]["hash"];
  EXPECT_EQ(ward({"audit", "verify", "--anchor", "1:" + hash}).exit_code, 0);
  auto wrong = ward({"audit", "verify", "--anchor", "1:" + std::string(64, '0')});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("anchored"), std::string::npos) << wrong.err;
  EXPECT_EQ(ward({"audit", "verify", "--anchor", "x"}).exit_code, 2);
}

TEST_F(AuditCliTest, QueryFilters) {
  ok({"audit", "query"});                              // 1: read
  ok({"audit", "export", "--format", "jsonl"});        // 2: export
  ok({"audit", "query", "--action", "ward:Nothing"});  // 3: read
  ok({"audit", "export", "--format", "cef"});          // 4: export
  const auto seqs = [&](std::vector<std::string> filters) {
    std::vector<int> out;
    for (const auto& event : query_json(std::move(filters))) out.push_back(event["seq"]);
    return out;
  };
  // Each query below is recorded too, after it ran: 5, 6, …
  EXPECT_EQ(seqs({"--action", "ward:AuditExport"}), (std::vector<int>{2, 4}));
  EXPECT_EQ(seqs({"--action", "ward:AuditRead", "--limit", "2"}), (std::vector<int>{3, 5}));
  EXPECT_EQ(seqs({"--outcome", "denied"}), (std::vector<int>{}));
  EXPECT_EQ(seqs({"--actor", "somebody-else"}), (std::vector<int>{}));
  EXPECT_EQ(seqs({"--actor", local_user(), "--limit", "3"}), (std::vector<int>{6, 7, 8}));
  EXPECT_EQ(seqs({"--since", "2000-01-01", "--until", "2000-01-02T00:00:00Z"}),
            (std::vector<int>{}));
  EXPECT_EQ(seqs({"--since", "2000-01-01T00:00:00+01:00", "--limit", "0"}).size(), 10u);
  // The actor filter names a person, so only its presence is recorded.
  query_json({"--limit", "1"});
  const json last = query_json({"--limit", "1"});  // shows how the previous query was recorded
  EXPECT_EQ(last[0]["params"].dump(), R"({"limit":1,"results":1})");
  const json with_actor = query_json({"--action", "ward:AuditRead", "--limit", "20"});
  bool found = false;
  for (const auto& event : with_actor) {
    if (event["params"].contains("actor_filter")) {
      found = true;
      EXPECT_EQ(event["params"].dump().find("somebody-else"), std::string::npos);
    }
  }
  EXPECT_TRUE(found);

  const std::string table = ok({"audit", "query", "--action", "ward:AuditExport"});
  EXPECT_NE(table.find("SEQ"), std::string::npos) << table;
  EXPECT_NE(table.find("ward:AuditExport"), std::string::npos) << table;
}

TEST_F(AuditCliTest, BadFiltersAreUsageErrors) {
  auto since = ward({"audit", "query", "--since", "yesterday"});
  EXPECT_EQ(since.exit_code, 2);
  EXPECT_NE(since.err.find("--since"), std::string::npos) << since.err;
  EXPECT_EQ(ward({"audit", "query", "--outcome", "maybe"}).exit_code, 2);
  EXPECT_EQ(ward({"audit", "query", "--limit", "-3"}).exit_code, 2);
  EXPECT_EQ(ward({"audit", "export", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(ward({"audit", "export"}).exit_code, 2);
  // Refused before anything was read: nothing was recorded.
  EXPECT_FALSE(fs::exists(data() / "keys"));
}

TEST_F(AuditCliTest, ExportJsonLinesAreJson) {
  ok({"audit", "query"});
  ok({"audit", "query"});
  const auto lines = lines_of(ok({"audit", "export", "--format", "jsonl"}));
  ASSERT_EQ(lines.size(), 3u);  // two reads and the export itself
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json event = json::parse(lines[i], nullptr, false);
    ASSERT_TRUE(event.is_object()) << lines[i];
    EXPECT_EQ(event["seq"], i + 1);
    EXPECT_TRUE(std::regex_match(event["hash"].get<std::string>(), std::regex("[0-9a-f]{64}")));
  }
  EXPECT_EQ(json::parse(lines[2])["action"], "ward:AuditExport");
  EXPECT_EQ(json::parse(lines[2])["params"]["format"], "jsonl");
  const auto since =
      lines_of(ok({"audit", "export", "--format", "jsonl", "--since", "2100-01-01"}));
  EXPECT_TRUE(since.empty());
}

TEST_F(AuditCliTest, ExportSyslogLinesFollowRfc5424) {
  ok({"audit", "query"});
  const auto lines = lines_of(ok({"audit", "export", "--format", "syslog"}));
  ASSERT_EQ(lines.size(), 2u);
  const std::regex rfc5424(
      R"(^<(\d{1,3})>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [!-~]{1,255} ward - audit \[audit@32473( [!-~]{1,32}="([^"\\\]]|\\["\\\]])*")+\] \xEF\xBB\xBF.+$)");
  for (const auto& line : lines) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, rfc5424)) << line;
    EXPECT_EQ(match[1], "110");  // log audit, informational
  }
  EXPECT_NE(lines[0].find("action=\"ward:AuditRead\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("user=\"" + local_user() + "\""), std::string::npos) << lines[0];
}

TEST_F(AuditCliTest, ExportCefLines) {
  ok({"audit", "query"});
  const auto lines = lines_of(ok({"audit", "export", "--format", "cef"}));
  ASSERT_EQ(lines.size(), 2u);
  const std::regex cef(
      R"(^CEF:0\|Ward\|Ward\|[0-9.]+\|ward:Audit(Read|Export)\|[^|]+\|3\|rt=\d{13} .*)");
  for (const auto& line : lines) EXPECT_TRUE(std::regex_match(line, cef)) << line;
  EXPECT_NE(lines[1].find("act=ward:AuditExport"), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace ward::test
