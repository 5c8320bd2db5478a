// `ward audit export --to tls://… | tcp://…` through the real binary: a data directory with
// audited actions, a syslog receiver on loopback (tests/gov/audit/syslog_test_server.h) that
// parses the octet-counted frames, and the stdout export of the same events as the independent
// expectation.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "gov/audit/syslog_test_server.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;
using gov::testing::SyslogReceiver;
using gov::testing::SyslogReceiverOptions;
using gov::testing::TestCa;
using json = nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (const ifaddrs* entry = list; entry != nullptr && found.empty(); entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
    if ((ntohl(address->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
    found = text;
  }
  ::freeifaddrs(list);
  return found;
}

class AuditExportRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Some audited actions to export: two users created, one read of the log.
    ok({"admin", "user", "create", "alice"});
    ok({"admin", "user", "create", "bob"});
    ok({"audit", "query"});
    ca_.write_certificate(ca_file());
    ca_.issue({}, dir_ / "server.pem", dir_ / "server.key");
  }

  std::map<std::string, std::string> env() const { return {{"HOME", (dir_ / "home").string()}}; }
  fs::path ca_file() const { return dir_ / "ca.pem"; }

  ProcessResult ward(std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back((dir_ / "data").string());
    return run_ward(args, env());
  }

  std::string ok(const std::vector<std::string>& args) {
    auto result = ward(args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result.out;
  }

  SyslogReceiverOptions tls_receiver() const {
    SyslogReceiverOptions options;
    options.tls = true;
    options.cert_file = dir_ / "server.pem";
    options.key_file = dir_ / "server.key";
    return options;
  }

  static std::string to(const std::string& scheme, const std::string& host, int port) {
    return scheme + "://" + host + ":" + std::to_string(port);
  }

  // Every event, oldest first, as JSON (this query is itself recorded, after it ran).
  json events() {
    auto parsed = json::parse(ok({"audit", "query", "--json", "--limit", "0"}), nullptr, false);
    EXPECT_TRUE(parsed.is_array());
    return parsed.is_array() ? parsed : json::array();
  }

  TempDir dir_;
  TestCa ca_{"Ward CLI test CA"};
};

TEST_F(AuditExportRemoteTest, TlsExportDeliversExactlyTheLinesOfTheStdoutExport) {
  SyslogReceiver receiver(tls_receiver());
  const std::string url = to("tls", "localhost", receiver.port());
  auto sent =
      ward({"audit", "export", "--format", "syslog", "--to", url, "--ca", ca_file().string()});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_EQ(sent.err, "");
  const auto& received = receiver.wait();
  EXPECT_EQ(received.framing_error, "");
  EXPECT_TRUE(received.ended_by_peer);
  EXPECT_EQ(received.protocol, "TLSv1.3");
  EXPECT_EQ(received.server_name, "localhost");
  EXPECT_EQ(sent.out, "sent " + std::to_string(received.frames.size()) + " audit events to " + url +
                          " (TLSv1.3)\n");

  // The stdout export holds the same events plus its own record at the end.
  const auto printed = lines_of(ok({"audit", "export", "--format", "syslog"}));
  ASSERT_EQ(received.frames.size() + 1, printed.size());
  for (std::size_t i = 0; i < received.frames.size(); ++i) {
    EXPECT_EQ(received.frames[i], printed[i]) << "event " << i + 1;
  }
  // The remote export's own event was durable before anything was sent, so it is the last line
  // the server received, with the destination in its parameters.
  const std::string& own = received.frames.back();
  EXPECT_NE(own.find("action=\"ward:AuditExport\""), std::string::npos) << own;
  EXPECT_NE(own.find(R"(\"destination_host\":\"localhost\",\"destination_port\":)" +
                     std::to_string(receiver.port()) + R"(,\"destination_scheme\":\"tls\")"),
            std::string::npos)
      << own;
  EXPECT_EQ(ward({"audit", "verify"}).exit_code, 0);
}

TEST_F(AuditExportRemoteTest, PlainTcpToLoopbackDeliversJsonLinesWithoutAWarning) {
  SyslogReceiver receiver({});
  auto sent = ward(
      {"audit", "export", "--format", "jsonl", "--to", to("tcp", "127.0.0.1", receiver.port())});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_EQ(sent.err, "");  // loopback: nothing leaves the machine unencrypted
  const auto& received = receiver.wait();
  EXPECT_EQ(received.framing_error, "");
  const auto printed = lines_of(ok({"audit", "export", "--format", "jsonl"}));
  ASSERT_EQ(received.frames.size() + 1, printed.size());
  for (std::size_t i = 0; i < received.frames.size(); ++i) {
    EXPECT_EQ(received.frames[i], printed[i]) << "event " << i + 1;
    EXPECT_EQ(json::parse(received.frames[i])["seq"], i + 1);  // in order, none missing
  }
  EXPECT_NE(sent.out.find("(unencrypted)"), std::string::npos) << sent.out;
}

TEST_F(AuditExportRemoteTest, FiltersApplyToTheRemoteExportAsToStdout) {
  SyslogReceiver receiver(tls_receiver());
  auto sent = ward({"audit", "export", "--format", "cef", "--limit", "2", "--to",
                    to("tls", "127.0.0.1", receiver.port()), "--ca", ca_file().string()});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  const auto printed = lines_of(ok({"audit", "export", "--format", "cef", "--limit", "2"}));
  EXPECT_EQ(receiver.wait().frames, printed);
  EXPECT_EQ(printed.size(), 2u);
}

TEST_F(AuditExportRemoteTest, MutualTlsSendsTheClientCertificateAndRecordsOnlyThatOneWasUsed) {
  ca_.issue({.common_name = "ward exporter", .alt_names = "", .client = true}, dir_ / "client.pem",
            dir_ / "client.key");
  SyslogReceiverOptions options = tls_receiver();
  options.client_ca_file = ca_file();
  SyslogReceiver receiver(options);
  auto sent =
      ward({"audit", "export", "--format", "syslog", "--to",
            to("tls", "localhost", receiver.port()), "--ca", ca_file().string(), "--client-cert",
            (dir_ / "client.pem").string(), "--client-key", (dir_ / "client.key").string()});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  const auto& received = receiver.wait();
  EXPECT_EQ(received.client_subject, "/CN=ward exporter");
  EXPECT_FALSE(received.frames.empty());
  const json recorded = events();
  const json& exported = recorded.back();
  ASSERT_EQ(exported["action"], "ward:AuditExport");
  EXPECT_EQ(exported["params"]["client_certificate"], true);
  EXPECT_EQ(exported["params"].dump().find("client.key"), std::string::npos);
  EXPECT_EQ(exported["params"].dump().find("client.pem"), std::string::npos);
}

// A failed export leaves the allowed export event (recorded before anything was sent) and an
// error event with the count sent.
void expect_recorded_failure(const json& recorded, const std::string& scheme,
                             const std::string& host, int port, const std::string& error_code,
                             std::int64_t sent) {
  std::size_t at = recorded.size();
  while (at > 0 && recorded[at - 1]["outcome"] != "error") --at;
  ASSERT_GE(at, 2u) << "no failed export was recorded";
  const json& allowed = recorded[at - 2];
  const json& failed = recorded[at - 1];
  EXPECT_EQ(failed["seq"].get<int>(), allowed["seq"].get<int>() + 1);
  for (const json* event : {&allowed, &failed}) {
    EXPECT_EQ((*event)["action"], "ward:AuditExport");
    EXPECT_EQ((*event)["params"]["destination_scheme"], scheme);
    EXPECT_EQ((*event)["params"]["destination_host"], host);
    EXPECT_EQ((*event)["params"]["destination_port"], port);
  }
  EXPECT_EQ(allowed["outcome"], "allowed");
  EXPECT_FALSE(allowed["params"].contains("sent"));
  EXPECT_EQ(failed["outcome"], "error");
  EXPECT_EQ(failed["error_code"], error_code);
  EXPECT_EQ(failed["params"]["sent"], sent);
}

TEST_F(AuditExportRemoteTest, AnUntrustedServerCertificateSendsNothingAndIsRecorded) {
  TestCa other("Someone else's CA");
  other.issue({}, dir_ / "server.pem", dir_ / "server.key");
  SyslogReceiver receiver(tls_receiver());
  auto sent = ward({"audit", "export", "--format", "syslog", "--to",
                    to("tls", "localhost", receiver.port()), "--ca", ca_file().string()});
  EXPECT_EQ(sent.exit_code, 1);
  EXPECT_EQ(sent.out, "");
  EXPECT_EQ(sent.err.rfind("ward: error: " + to("tls", "localhost", receiver.port()) +
                               ": certificate verification failed for 127.0.0.1:" +
                               std::to_string(receiver.port()) +
                               ": the server's certificate is not issued by a trusted CA",
                           0),
            0u)
      << sent.err;
  EXPECT_NE(sent.err.find("; no events were sent\n"), std::string::npos) << sent.err;
  const auto& received = receiver.wait();
  EXPECT_FALSE(received.handshake_ok);
  EXPECT_TRUE(received.frames.empty());
  expect_recorded_failure(events(), "tls", "localhost", receiver.port(), "unauthenticated", 0);
}

TEST_F(AuditExportRemoteTest, ACertificateForAnotherHostIsRefused) {
  ca_.issue({.common_name = "elsewhere", .alt_names = "DNS:siem.example.org"}, dir_ / "server.pem",
            dir_ / "server.key");
  SyslogReceiver receiver(tls_receiver());
  auto sent = ward({"audit", "export", "--format", "syslog", "--to",
                    to("tls", "127.0.0.1", receiver.port()), "--ca", ca_file().string()});
  EXPECT_EQ(sent.exit_code, 1);
  EXPECT_NE(sent.err.find(
                "certificate verification failed for 127.0.0.1:" + std::to_string(receiver.port()) +
                ": the server's certificate is issued for another name, not "
                "\"127.0.0.1\" (it names DNS:siem.example.org)"),
            std::string::npos)
      << sent.err;
  EXPECT_TRUE(receiver.wait().frames.empty());
}

TEST_F(AuditExportRemoteTest, ARefusedConnectionNamesTheAddressAndIsRecorded) {
  const int port = gov::testing::closed_port();
  auto sent = ward({"audit", "export", "--format", "syslog", "--to", to("tcp", "127.0.0.1", port)});
  EXPECT_EQ(sent.exit_code, 1);
  EXPECT_EQ(sent.err, "ward: error: tcp://127.0.0.1:" + std::to_string(port) +
                          ": the connection was refused by 127.0.0.1:" + std::to_string(port) +
                          "; check that the syslog server is running and listening on that "
                          "port; no events were sent\n");
  expect_recorded_failure(events(), "tcp", "127.0.0.1", port, "unavailable", 0);
}

TEST_F(AuditExportRemoteTest, AServerThatClosesMidStreamIsReportedWithTheCountSent) {
  for (int i = 0; i < 6; ++i) ok({"audit", "query"});  // more events than the server will take
  SyslogReceiverOptions options;
  options.close_after = 3;
  SyslogReceiver receiver(options);
  auto sent = ward(
      {"audit", "export", "--format", "jsonl", "--to", to("tcp", "127.0.0.1", receiver.port())});
  EXPECT_EQ(sent.exit_code, 1) << sent.out;
  const auto& received = receiver.wait();
  const auto printed = lines_of(ok({"audit", "export", "--format", "jsonl"}));
  ASSERT_EQ(received.frames.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(received.frames[i], printed[i]);

  // Syslog over TCP has no acknowledgements: what was written to the connection before the
  // failure showed is at least what the server read, and the message says how many and where to
  // resume.
  std::smatch match;
  ASSERT_TRUE(std::regex_search(
      sent.err, match,
      std::regex(R"(; (\d+) events? (?:was|were) sent before the failure \(the last: event (\d+), )"
                 R"((\S+)\); resume with --since (\S+), or earlier if the server lost some)")))
      << sent.err;
  const int count = std::stoi(match[1]);
  EXPECT_GE(count, 3);
  EXPECT_LT(count, static_cast<int>(printed.size()));
  // Events go out in order from seq 1, so the count-th event is the last one sent.
  const json last = json::parse(printed[static_cast<std::size_t>(count) - 1]);
  EXPECT_EQ(std::stoi(match[2]), last["seq"].get<int>());
  EXPECT_EQ(match[3], last["time"].get<std::string>());
  EXPECT_EQ(match[4], last["time"].get<std::string>());
  EXPECT_EQ(sent.err.rfind(
                "ward: error: " + to("tcp", "127.0.0.1", receiver.port()) + ": the server ", 0),
            0u)
      << sent.err;
  expect_recorded_failure(events(), "tcp", "127.0.0.1", receiver.port(), "unavailable", count);
}

TEST_F(AuditExportRemoteTest, MalformedDestinationsAreUsageErrorsAndRecordNothing) {
  const auto before = events().size();
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--to", "siem.example.org:6514"},
       "ward: error: --to: \"siem.example.org:6514\" has no "
       "scheme"},
      {{"--to", "udp://siem:514"}, "ward: error: --to: unknown scheme \"udp\""},
      {{"--to", "tls://siem"}, "ward: error: --to: \"tls://siem\" has no port"},
      {{"--to", "tcp://siem:514", "--ca", "ca.pem"}, "ward: error: --ca: "},
      {{"--ca", "ca.pem"}, "ward: error: --ca: "},
      {{"--to", "tls://siem:6514", "--client-cert", "c.pem"}, "ward: error: --client-cert: "},
  };
  for (const auto& [extra, expected] : cases) {
    std::vector<std::string> args = {"audit", "export", "--format", "syslog"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = ward(args);
    EXPECT_EQ(result.exit_code, 2) << extra[1];
    EXPECT_EQ(result.err.rfind(expected, 0), 0u) << result.err;
    EXPECT_EQ(result.out, "");
  }
  // Only the query below is new: nothing was recorded for the refused commands.
  EXPECT_EQ(events().size(), before + 1);
}

TEST_F(AuditExportRemoteTest, PlainTcpToAnotherAddressWarnsThatEventsTravelUnencrypted) {
  const std::string address = non_loopback_ipv4();
  if (address.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  SyslogReceiverOptions options;
  options.bind_address = address;
  SyslogReceiver receiver(options);
  const std::string url = to("tcp", address, receiver.port());
  auto sent = ward({"audit", "export", "--format", "syslog", "--to", url});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_EQ(sent.err, "ward: warning: " + url + " (" + address + ":" +
                          std::to_string(receiver.port()) +
                          ") is not a loopback address: the audit events travel unencrypted and "
                          "unauthenticated; use tls:// unless this network is trusted\n");
  EXPECT_FALSE(receiver.wait().frames.empty());
}

}  // namespace
}  // namespace ward::test
