// Shipping audit lines to syslog over TCP and TLS: destination URLs, octet-counted framing as a
// real receiver on loopback parses it, certificate and host name verification against a test CA,
// mutual TLS, and every failure the operator must be told about (refused, unresolvable, timeouts,
// a server that closes or resets mid-stream).

#include "gov/audit/syslog_sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "gov/audit/audit_test_util.h"
#include "gov/audit/export.h"
#include "gov/audit/query.h"
#include "gov/audit/syslog_test_server.h"

namespace ward::gov {
namespace {

using namespace std::chrono_literals;
using testing::SyslogReceiver;
using testing::SyslogReceiverOptions;
using testing::TestCa;

std::string message_of(const core::Status& status) {
  return status.ok() ? std::string("(ok)") : status.error().message();
}

// ---- Destinations ----

TEST(AuditSyslogDestinationTest, ParsesTlsAndTcpUrls) {
  struct Case {
    std::string url;
    SyslogTransport transport;
    std::string host;
    std::uint16_t port;
    std::string normalized;
  };
  const Case cases[] = {
      {"tls://siem.example.org:6514", SyslogTransport::kTls, "siem.example.org", 6514,
       "tls://siem.example.org:6514"},
      {"TCP://127.0.0.1:514", SyslogTransport::kTcp, "127.0.0.1", 514, "tcp://127.0.0.1:514"},
      {"tls://[::1]:6514", SyslogTransport::kTls, "::1", 6514, "tls://[::1]:6514"},
      {"tls://[2001:DB8::7]:1", SyslogTransport::kTls, "2001:db8::7", 1, "tls://[2001:db8::7]:1"},
      {"Tls://SIEM.Example.ORG:65535", SyslogTransport::kTls, "siem.example.org", 65535,
       "tls://siem.example.org:65535"},
      {"tcp://localhost:601", SyslogTransport::kTcp, "localhost", 601, "tcp://localhost:601"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_syslog_destination(c.url);
    ASSERT_TRUE(parsed.ok()) << c.url << ": " << parsed.error().to_string();
    EXPECT_EQ(parsed->transport, c.transport) << c.url;
    EXPECT_EQ(parsed->host, c.host) << c.url;
    EXPECT_EQ(parsed->port, c.port) << c.url;
    EXPECT_EQ(parsed->url(), c.normalized) << c.url;
  }
}

TEST(AuditSyslogDestinationTest, RefusesMalformedUrlsSayingWhatIsWrong) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "no destination given"},
      {"siem.example.org:6514", "\"siem.example.org:6514\" has no scheme"},
      {"udp://siem:514", "unknown scheme \"udp\""},
      {"https://siem:443", "unknown scheme \"https\""},
      {"tls://siem", "\"tls://siem\" has no port"},
      {"tls://siem:", "the port \"\" in \"tls://siem:\" is not a number from 1 to 65535"},
      {"tls://siem:0", "the port \"0\""},
      {"tls://siem:65536", "the port \"65536\""},
      {"tls://siem:6514x", "the port \"6514x\""},
      {"tls://siem:-1", "the port \"-1\""},
      {"tls://siem:+1", "the port \"+1\""},
      {"tls://user:secret@siem:6514", "holds a user name or password"},
      {"tls://siem:6514/audit", "has something after the port"},
      {"tls://siem:6514?x=1", "has something after the port"},
      {"tls://::1:6514", "write an IPv6 address in brackets"},
      {"tls://[::1:6514", "has no closing ']'"},
      {"tls://[127.0.0.1]:6514", "\"127.0.0.1\" in brackets is not an IPv6 address"},
      {"tls://[::1]", "has no port"},
      {"tls://:6514", "has no host"},
      {"tls://bad_host:6514", "\"bad_host\" is neither a host name nor an IP address"},
      {"tls://300.1.1.1:6514", "\"300.1.1.1\" is neither"},
      {"tls://-bad.example:6514", "\"-bad.example\" is neither"},
      {"tls://a..b:6514", "\"a..b\" is neither"},
  };
  for (const auto& [url, expected] : cases) {
    auto parsed = parse_syslog_destination(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.error().code(), core::Code::kInvalidArgument) << url;
    EXPECT_NE(parsed.error().message().find(expected), std::string::npos)
        << url << " -> " << parsed.error().message();
  }
  auto udp = parse_syslog_destination("udp://siem:514");
  ASSERT_FALSE(udp.ok());
  EXPECT_EQ(udp.error().message(),
            "unknown scheme \"udp\" in \"udp://siem:514\"; write the destination as "
            "tls://HOST:PORT (encrypted, RFC 5425; syslog over TLS usually listens on 6514) or "
            "tcp://HOST:PORT (unencrypted, RFC 6587)");
}

// ---- Sending ----

// A first non-loopback IPv4 address of this machine, or "" when it has none.
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

bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return bound;
}

class AuditSyslogSenderTest : public testing::AuditFixture {
 protected:
  void SetUp() override {
    AuditFixture::SetUp();
    ca_.write_certificate(ca_file());
    ca_.issue({}, server_cert(), server_key());
  }

  std::filesystem::path ca_file() const { return dir_ / "ca.pem"; }
  std::filesystem::path server_cert() const { return dir_ / "server.pem"; }
  std::filesystem::path server_key() const { return dir_ / "server.key"; }

  SyslogReceiverOptions tls_receiver() const {
    SyslogReceiverOptions options;
    options.tls = true;
    options.cert_file = server_cert();
    options.key_file = server_key();
    return options;
  }

  SyslogSenderOptions trusting_test_ca() const {
    SyslogSenderOptions options;
    options.ca_file = ca_file();
    return options;
  }

  static SyslogDestination destination(const std::string& url) {
    auto parsed = parse_syslog_destination(url);
    EXPECT_TRUE(parsed.ok()) << url;
    return parsed.ok() ? *parsed : SyslogDestination{};
  }

  static std::string url(const std::string& scheme, const std::string& host, int port) {
    return scheme + "://" + host + ":" + std::to_string(port);
  }

  // RFC 5424 lines of real audit events, plus lines whose byte count differs from their character
  // count, that hold digits and spaces, and that span several TLS records.
  std::vector<std::string> sample_lines() {
    auto log = open_log();
    for (int i = 0; i < 6; ++i) EXPECT_TRUE(log->append(testing::sample_event(i)).ok());
    AuditSyslogOptions syslog;
    syslog.hostname = "test-host";
    std::vector<std::string> lines;
    EXPECT_TRUE(scan_audit_events(*db_, {}, [&](const AuditRecord& record) {
                  lines.push_back(audit_syslog_line(record, syslog));
                  return true;
                }).ok());
    EXPECT_EQ(lines.size(), 6u);
    lines.push_back("h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 \xef\xbb\xbf");
    lines.push_back("12 34 ");
    lines.push_back(std::string(100'000, 'x') + "end");
    return lines;
  }

  TestCa ca_{"Ward test CA"};
};

TEST_F(AuditSyslogSenderTest, TlsDeliversEveryLineInOrderWithOctetCounting) {
  SyslogReceiver receiver(tls_receiver());
  const auto lines = sample_lines();
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())),
                                      trusting_test_ca());
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  EXPECT_EQ(sender->tls_version().rfind("TLSv1.", 0), 0u) << sender->tls_version();
  EXPECT_TRUE(sender->peer_is_loopback());
  EXPECT_EQ(sender->peer_address(), "127.0.0.1:" + std::to_string(receiver.port()));
  for (const auto& line : lines) WARD_ASSERT_OK(sender->send(line));
  EXPECT_EQ(sender->sent(), static_cast<std::int64_t>(lines.size()));
  WARD_ASSERT_OK(sender->close());
  EXPECT_EQ(sender->tls_version(), "TLSv1.3");

  const auto& received = receiver.wait();
  EXPECT_TRUE(received.handshake_ok) << received.handshake_error;
  EXPECT_EQ(received.framing_error, "");
  EXPECT_TRUE(received.ended_by_peer);
  EXPECT_EQ(received.frames, lines);
  EXPECT_EQ(received.server_name, "localhost");  // SNI for a name
  EXPECT_EQ(received.protocol, "TLSv1.3");
}

TEST_F(AuditSyslogSenderTest, TcpFramesAreExactlyLengthSpaceMessage) {
  SyslogReceiver receiver({});
  auto sender = SyslogSender::connect(destination(url("tcp", "127.0.0.1", receiver.port())));
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  EXPECT_EQ(sender->tls_version(), "");
  for (const char* line : {"abc", "0123456789", "\xc3\xa9", "1 2"}) {
    WARD_ASSERT_OK(sender->send(line));
  }
  WARD_ASSERT_OK(sender->close());
  const auto& received = receiver.wait();
  // Written out by hand: MSG-LEN counts bytes (é is two), then one space, then the message.
  EXPECT_EQ(received.raw,
            "3 abc10 01234567892 \xc3\xa9"
            "3 1 2");
  EXPECT_EQ(received.frames, (std::vector<std::string>{"abc", "0123456789", "\xc3\xa9", "1 2"}));
}

TEST_F(AuditSyslogSenderTest, PlainTcpDeliversEveryLineInOrder) {
  SyslogReceiver receiver({});
  const auto lines = sample_lines();
  auto sender = SyslogSender::connect(destination(url("tcp", "127.0.0.1", receiver.port())));
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  EXPECT_TRUE(sender->peer_is_loopback());
  for (const auto& line : lines) WARD_ASSERT_OK(sender->send(line));
  WARD_ASSERT_OK(sender->close());
  const auto& received = receiver.wait();
  EXPECT_EQ(received.framing_error, "");
  EXPECT_EQ(received.frames, lines);
  EXPECT_TRUE(received.ended_by_peer);
}

TEST_F(AuditSyslogSenderTest, AnIpAddressIsCheckedAgainstTheCertificatesAddressesWithoutSni) {
  ca_.issue({.common_name = "by address", .alt_names = "IP:127.0.0.1"}, server_cert(),
            server_key());
  SyslogReceiver receiver(tls_receiver());
  auto sender = SyslogSender::connect(destination(url("tls", "127.0.0.1", receiver.port())),
                                      trusting_test_ca());
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  WARD_ASSERT_OK(sender->send("one"));
  WARD_ASSERT_OK(sender->close());
  const auto& received = receiver.wait();
  EXPECT_EQ(received.frames, (std::vector<std::string>{"one"}));
  EXPECT_EQ(received.server_name, "");  // RFC 6066: no addresses in SNI
}

TEST_F(AuditSyslogSenderTest, Ipv6LoopbackWorks) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  ca_.issue({.common_name = "v6", .alt_names = "IP:::1"}, server_cert(), server_key());
  SyslogReceiverOptions options = tls_receiver();
  options.bind_address = "::1";
  SyslogReceiver receiver(options);
  auto sender = SyslogSender::connect(destination("tls://[::1]:" + std::to_string(receiver.port())),
                                      trusting_test_ca());
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  EXPECT_TRUE(sender->peer_is_loopback());
  EXPECT_EQ(sender->peer_address(), "[::1]:" + std::to_string(receiver.port()));
  WARD_ASSERT_OK(sender->send("six"));
  WARD_ASSERT_OK(sender->close());
  EXPECT_EQ(receiver.wait().frames, (std::vector<std::string>{"six"}));
}

TEST_F(AuditSyslogSenderTest, AnotherMachinesAddressIsNotLoopback) {
  const std::string address = non_loopback_ipv4();
  if (address.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  SyslogReceiverOptions options;
  options.bind_address = address;
  SyslogReceiver receiver(options);
  auto sender = SyslogSender::connect(destination(url("tcp", address, receiver.port())));
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  EXPECT_FALSE(sender->peer_is_loopback());
  WARD_ASSERT_OK(sender->close());
}

// ---- Certificate verification ----

TEST_F(AuditSyslogSenderTest, ACertificateFromAnotherCaIsRefusedAndNothingIsSent) {
  TestCa other("Someone else's CA");
  other.issue({}, server_cert(), server_key());
  SyslogReceiver receiver(tls_receiver());
  const std::string to = url("tls", "localhost", receiver.port());
  auto sender = SyslogSender::connect(destination(to), trusting_test_ca());
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code(), core::Code::kUnauthenticated);
  EXPECT_EQ(sender.error().where(), to);
  EXPECT_EQ(sender.error().message(),
            "certificate verification failed for 127.0.0.1:" + std::to_string(receiver.port()) +
                ": the server's certificate is not issued by a trusted CA (trusted here: the CA "
                "file " +
                ca_file().string() + "); pass the CA that issued it with --ca FILE");
  const auto& received = receiver.wait();
  EXPECT_FALSE(received.handshake_ok);
  EXPECT_TRUE(received.frames.empty());
  EXPECT_EQ(received.raw, "");
}

TEST_F(AuditSyslogSenderTest, WithoutACaFileTheSystemStoreDecidesAndDoesNotKnowTheTestCa) {
  SyslogReceiver receiver(tls_receiver());
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())));
  ASSERT_FALSE(sender.ok());
  EXPECT_NE(sender.error().message().find("not issued by a trusted CA (trusted here: the "
                                          "system's trust store)"),
            std::string::npos)
      << sender.error().message();
  EXPECT_TRUE(receiver.wait().frames.empty());
}

TEST_F(AuditSyslogSenderTest, ACertificateForAnotherNameIsRefused) {
  ca_.issue({.common_name = "other", .alt_names = "DNS:other.example"}, server_cert(),
            server_key());
  SyslogReceiver receiver(tls_receiver());
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())),
                                      trusting_test_ca());
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code(), core::Code::kUnauthenticated);
  EXPECT_NE(sender.error().message().find(
                "certificate verification failed for 127.0.0.1:" + std::to_string(receiver.port()) +
                ": the server's certificate is issued for another name, not \"localhost\" (it "
                "names DNS:other.example)"),
            std::string::npos)
      << sender.error().message();
  EXPECT_TRUE(receiver.wait().frames.empty());
}

TEST_F(AuditSyslogSenderTest, AnAddressTheCertificateDoesNotListIsRefused) {
  ca_.issue({.common_name = "localhost", .alt_names = "DNS:localhost"}, server_cert(),
            server_key());
  SyslogReceiver receiver(tls_receiver());
  auto sender = SyslogSender::connect(destination(url("tls", "127.0.0.1", receiver.port())),
                                      trusting_test_ca());
  ASSERT_FALSE(sender.ok());
  EXPECT_NE(sender.error().message().find(
                "issued for another name, not \"127.0.0.1\" (it names DNS:localhost)"),
            std::string::npos)
      << sender.error().message();
}

TEST_F(AuditSyslogSenderTest, AWildcardCoversOneLabelOnly) {
  // "*.localhost" must not match "localhost" itself (RFC 6125 §6.4.3).
  ca_.issue({.common_name = "wild", .alt_names = "DNS:*.localhost"}, server_cert(), server_key());
  SyslogReceiver receiver(tls_receiver());
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())),
                                      trusting_test_ca());
  ASSERT_FALSE(sender.ok());
  EXPECT_NE(sender.error().message().find("issued for another name"), std::string::npos)
      << sender.error().message();
}

TEST_F(AuditSyslogSenderTest, AnExpiredCertificateIsRefused) {
  ca_.issue({.valid_from_days = -30, .valid_to_days = -1}, server_cert(), server_key());
  SyslogReceiver receiver(tls_receiver());
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())),
                                      trusting_test_ca());
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code(), core::Code::kUnauthenticated);
  EXPECT_NE(sender.error().message().find("the server's certificate has expired (valid until 20"),
            std::string::npos)
      << sender.error().message();
}

TEST_F(AuditSyslogSenderTest, ACertificateNotValidYetIsRefused) {
  ca_.issue({.valid_from_days = 2, .valid_to_days = 30}, server_cert(), server_key());
  SyslogReceiver receiver(tls_receiver());
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())),
                                      trusting_test_ca());
  ASSERT_FALSE(sender.ok());
  EXPECT_NE(sender.error().message().find("the server's certificate is not valid yet"),
            std::string::npos)
      << sender.error().message();
}

TEST_F(AuditSyslogSenderTest, AServerLimitedToTls11IsRefused) {
  SyslogReceiverOptions options = tls_receiver();
  options.max_tls_version = TLS1_1_VERSION;
  SyslogReceiver receiver(options);
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())),
                                      trusting_test_ca());
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code(), core::Code::kUnavailable);
  EXPECT_NE(sender.error().message().find("the server must support TLS 1.2 or later"),
            std::string::npos)
      << sender.error().message();
  EXPECT_TRUE(receiver.wait().frames.empty());
}

// ---- Mutual TLS ----

TEST_F(AuditSyslogSenderTest, MutualTlsPresentsTheClientCertificate) {
  ca_.issue({.common_name = "ward exporter", .alt_names = "", .client = true}, dir_ / "client.pem",
            dir_ / "client.key");
  SyslogReceiverOptions options = tls_receiver();
  options.client_ca_file = ca_file();
  SyslogReceiver receiver(options);
  SyslogSenderOptions sender_options = trusting_test_ca();
  sender_options.client_cert_file = dir_ / "client.pem";
  sender_options.client_key_file = dir_ / "client.key";
  auto sender =
      SyslogSender::connect(destination(url("tls", "localhost", receiver.port())), sender_options);
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  WARD_ASSERT_OK(sender->send("mutual"));
  WARD_ASSERT_OK(sender->close());
  const auto& received = receiver.wait();
  EXPECT_EQ(received.frames, (std::vector<std::string>{"mutual"}));
  EXPECT_EQ(received.client_subject, "/CN=ward exporter");
}

TEST_F(AuditSyslogSenderTest, WithoutTheClientCertificateAServerRequiresNothingArrives) {
  SyslogReceiverOptions options = tls_receiver();
  options.client_ca_file = ca_file();
  SyslogReceiver receiver(options);
  auto sender = SyslogSender::connect(destination(url("tls", "localhost", receiver.port())),
                                      trusting_test_ca());
  // TLS 1.3 clients finish their handshake before the server has judged their certificate, so
  // the refusal may surface at connect, at the first send, or at close; it must surface.
  std::string failure;
  if (!sender.ok()) {
    failure = sender.error().message();
  } else {
    core::Status sent = sender->send("should not arrive");
    core::Status closed = sender->close();
    failure = !sent.ok() ? message_of(sent) : message_of(closed);
    EXPECT_FALSE(sent.ok() && closed.ok());
  }
  EXPECT_NE(failure.find("certificate"), std::string::npos) << failure;
  EXPECT_NE(failure.find("--client-cert"), std::string::npos) << failure;
  EXPECT_TRUE(receiver.wait().frames.empty());
}

TEST_F(AuditSyslogSenderTest, UnusableOptionsAreRefusedNamingTheFile) {
  const auto to = destination("tls://localhost:6514");
  // Files are checked before anything is sent (port 6514 on loopback need not be listening).
  SyslogSenderOptions missing_ca;
  missing_ca.ca_file = dir_ / "nowhere.pem";
  auto no_ca = SyslogSender::connect(to, missing_ca);
  ASSERT_FALSE(no_ca.ok());
  EXPECT_EQ(no_ca.error().code(), core::Code::kNotFound);
  EXPECT_EQ(no_ca.error().where(), (dir_ / "nowhere.pem").string());

  SyslogSenderOptions half;
  half.client_cert_file = server_cert();
  auto only_cert = SyslogSender::connect(to, half);
  ASSERT_FALSE(only_cert.ok());
  EXPECT_EQ(only_cert.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(only_cert.error().message().find("give both or neither"), std::string::npos);

  SyslogSenderOptions tcp_with_ca;
  tcp_with_ca.ca_file = ca_file();
  auto tcp = SyslogSender::connect(destination("tcp://localhost:514"), tcp_with_ca);
  ASSERT_FALSE(tcp.ok());
  EXPECT_NE(tcp.error().message().find("tls:// destinations only"), std::string::npos);
}

TEST_F(AuditSyslogSenderTest, AClientKeyThatIsNotTheCertificatesIsRefused) {
  ca_.issue({.common_name = "a", .client = true}, dir_ / "a.pem", dir_ / "a.key");
  ca_.issue({.common_name = "b", .client = true}, dir_ / "b.pem", dir_ / "b.key");
  SyslogSenderOptions options = trusting_test_ca();
  options.client_cert_file = dir_ / "a.pem";
  options.client_key_file = dir_ / "b.key";
  auto sender = SyslogSender::connect(destination("tls://localhost:6514"), options);
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(sender.error().where(), (dir_ / "b.key").string());
  EXPECT_NE(sender.error().message().find("does not belong to the client certificate"),
            std::string::npos)
      << sender.error().message();
}

// ---- Connection failures ----

TEST_F(AuditSyslogSenderTest, ARefusedConnectionNamesTheAddress) {
  const int port = testing::closed_port();
  const std::string to = url("tcp", "127.0.0.1", port);
  auto sender = SyslogSender::connect(destination(to));
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code(), core::Code::kUnavailable);
  EXPECT_EQ(sender.error().where(), to);
  EXPECT_EQ(sender.error().message(),
            "the connection was refused by 127.0.0.1:" + std::to_string(port) +
                "; check that the syslog server is running and listening on that port");
}

TEST_F(AuditSyslogSenderTest, AHostNameThatDoesNotResolveIsReported) {
  // .invalid never resolves (RFC 6761).
  auto sender = SyslogSender::connect(destination("tls://nowhere.invalid:6514"));
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().code(), core::Code::kUnavailable);
  EXPECT_EQ(sender.error().where(), "tls://nowhere.invalid:6514");
  EXPECT_NE(sender.error().message().find("the host name \"nowhere.invalid\" could not be "
                                          "resolved"),
            std::string::npos)
      << sender.error().message();
}

TEST_F(AuditSyslogSenderTest, AServerThatNeverAnswersTheHandshakeTimesOut) {
  // The kernel completes the TCP handshake for a listening socket; nothing ever answers TLS.
  SyslogReceiverOptions silent;
  silent.hold = true;  // a plain receiver that reads nothing
  SyslogReceiver receiver(silent);
  SyslogSenderOptions options = trusting_test_ca();
  options.connect_timeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  auto sender =
      SyslogSender::connect(destination(url("tls", "localhost", receiver.port())), options);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().message(),
            "the TLS handshake with 127.0.0.1:" + std::to_string(receiver.port()) +
                " did not finish within 300 ms; is it a TLS syslog server (for plain TCP use "
                "tcp://)?");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  receiver.release();
}

TEST_F(AuditSyslogSenderTest, AConnectionNobodyAcceptsTimesOut) {
  // A listener whose accept queue is full: the kernel drops further connection requests, so the
  // connect gets no answer at all, as behind a firewall that drops packets.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::vector<int> queued;
  for (int i = 0; i < 4; ++i) {
    queued.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    ::connect(queued.back(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  std::this_thread::sleep_for(100ms);  // let the queue fill
  const int port = ntohs(address.sin_port);
  SyslogSenderOptions options;
  options.connect_timeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  auto sender = SyslogSender::connect(destination(url("tcp", "127.0.0.1", port)), options);
  const auto took = std::chrono::steady_clock::now() - started;
  for (int fd : queued) ::close(fd);
  ::close(listener);
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.error().message(),
            "could not connect to \"127.0.0.1\": 127.0.0.1:" + std::to_string(port) +
                " (no answer within 300 ms); check the host, the port and any firewall between");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
}

// A server that ends the connection after N frames: the next send fails and says so, and the
// count of sent events is N.
class AuditSyslogClosingServerTest : public AuditSyslogSenderTest,
                                     public ::testing::WithParamInterface<bool> {};

TEST_P(AuditSyslogClosingServerTest, TheNextSendFailsAndTheCountIsWhatTheServerRead) {
  const bool tls = GetParam();
  SyslogReceiverOptions options = tls ? tls_receiver() : SyslogReceiverOptions{};
  options.close_after = 3;
  SyslogReceiver receiver(options);
  auto sender =
      SyslogSender::connect(destination(url(tls ? "tls" : "tcp", "localhost", receiver.port())),
                            tls ? trusting_test_ca() : SyslogSenderOptions{});
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  for (const char* line : {"one", "two", "three"}) WARD_ASSERT_OK(sender->send(line));
  const auto& received = receiver.wait();  // it read three frames and closed
  EXPECT_EQ(received.frames, (std::vector<std::string>{"one", "two", "three"}));

  core::Status fourth = sender->send("four");
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().code(), core::Code::kUnavailable);
  EXPECT_EQ(fourth.error().message(),
            tls ? "the server ended the TLS session" : "the server closed the connection");
  EXPECT_EQ(sender->sent(), 3);
  EXPECT_EQ(message_of(sender->send("five")), fourth.error().message());  // stays failed
  EXPECT_EQ(sender->sent(), 3);
  EXPECT_EQ(message_of(sender->close()), fourth.error().message());
}

// A server that stops reading and closes with events unread resets the connection; close()
// reports a failure, never a success.
TEST_P(AuditSyslogClosingServerTest, AResetWithUnreadEventsFailsTheClose) {
  const bool tls = GetParam();
  SyslogReceiverOptions options = tls ? tls_receiver() : SyslogReceiverOptions{};
  options.close_after = 2;
  options.hold = true;
  SyslogReceiver receiver(options);
  auto sender =
      SyslogSender::connect(destination(url(tls ? "tls" : "tcp", "localhost", receiver.port())),
                            tls ? trusting_test_ca() : SyslogSenderOptions{});
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  for (const char* line : {"a", "b", "c", "d", "e"}) WARD_ASSERT_OK(sender->send(line));
  receiver.release();
  EXPECT_EQ(receiver.wait().frames, (std::vector<std::string>{"a", "b"}));
  core::Status closed = sender->close();
  ASSERT_FALSE(closed.ok());
  // Either the reset arrived, or the server's own end did first; both say events may be lost.
  EXPECT_NE(closed.error().message().find("before confirming that it had read everything sent"),
            std::string::npos)
      << closed.error().message();
  EXPECT_EQ(sender->sent(), 5);  // written to the connection, which is all TCP can tell
}

// The same while close() is already waiting for the server's end: the reset answers this side's
// end of stream.
TEST_P(AuditSyslogClosingServerTest, AResetWhileClosingFailsTheClose) {
  const bool tls = GetParam();
  SyslogReceiverOptions options = tls ? tls_receiver() : SyslogReceiverOptions{};
  options.close_after = 2;
  options.hold = true;
  SyslogReceiver receiver(options);
  auto sender =
      SyslogSender::connect(destination(url(tls ? "tls" : "tcp", "localhost", receiver.port())),
                            tls ? trusting_test_ca() : SyslogSenderOptions{});
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  for (const char* line : {"a", "b", "c", "d", "e"}) WARD_ASSERT_OK(sender->send(line));
  std::thread releaser([&receiver] {
    std::this_thread::sleep_for(200ms);  // close() is waiting by then
    receiver.release();
  });
  core::Status closed = sender->close();
  releaser.join();
  EXPECT_EQ(receiver.wait().frames, (std::vector<std::string>{"a", "b"}));
  ASSERT_FALSE(closed.ok());
  EXPECT_NE(closed.error().message().find("before confirming that it had read everything sent"),
            std::string::npos)
      << closed.error().message();
}

INSTANTIATE_TEST_SUITE_P(Transports, AuditSyslogClosingServerTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "Tls" : "Tcp";
                         });

TEST_F(AuditSyslogSenderTest, AWriteTimesOutWhenTheServerStopsReading) {
  SyslogReceiverOptions options;
  options.hold = true;  // accepts, then reads nothing
  SyslogReceiver receiver(options);
  SyslogSenderOptions sender_options;
  sender_options.io_timeout = 300ms;
  auto sender =
      SyslogSender::connect(destination(url("tcp", "127.0.0.1", receiver.port())), sender_options);
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  const std::string big(1 << 20, 'x');
  core::Status status;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 512 && status.ok(); ++i) status = sender->send(big);
  ASSERT_FALSE(status.ok()) << "512 MiB went into a connection nobody reads";
  EXPECT_EQ(status.error().message(),
            "the server did not take the data within 300 ms (stalled, overloaded or "
            "unreachable)");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  receiver.release();
}

// Prints frames per second over TLS and plain TCP to the loopback receiver (which parses every
// frame); run with WARD_SYSLOG_BENCH=1. It asserts only that everything arrived.
TEST_F(AuditSyslogSenderTest, ThroughputWhenAsked) {
  if (std::getenv("WARD_SYSLOG_BENCH") == nullptr) GTEST_SKIP() << "set WARD_SYSLOG_BENCH=1";
  const std::string line = sample_lines().front();
  constexpr int kFrames = 50'000;
  for (const bool tls : {false, true}) {
    SyslogReceiver receiver(tls ? tls_receiver() : SyslogReceiverOptions{});
    const auto started = std::chrono::steady_clock::now();
    auto sender =
        SyslogSender::connect(destination(url(tls ? "tls" : "tcp", "localhost", receiver.port())),
                              tls ? trusting_test_ca() : SyslogSenderOptions{});
    ASSERT_TRUE(sender.ok()) << sender.error().to_string();
    for (int i = 0; i < kFrames; ++i) WARD_ASSERT_OK(sender->send(line));
    WARD_ASSERT_OK(sender->close());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(receiver.wait().frames.size(), static_cast<std::size_t>(kFrames));
    std::printf("%s: %d frames of %zu bytes in %.2f s: %.0f frames/s\n", tls ? "tls" : "tcp",
                kFrames, line.size(), seconds, kFrames / seconds);
  }
}

TEST_F(AuditSyslogSenderTest, EmptyMessagesAndSendsAfterCloseAreRefused) {
  SyslogReceiver receiver({});
  auto sender = SyslogSender::connect(destination(url("tcp", "127.0.0.1", receiver.port())));
  ASSERT_TRUE(sender.ok()) << sender.error().to_string();
  core::Status empty = sender->send("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), core::Code::kInvalidArgument);
  WARD_ASSERT_OK(sender->send("x"));
  WARD_ASSERT_OK(sender->close());
  WARD_ASSERT_OK(sender->close());  // the first result again
  EXPECT_EQ(message_of(sender->send("late")), "the connection is closed");
  EXPECT_EQ(receiver.wait().frames, (std::vector<std::string>{"x"}));
}

}  // namespace
}  // namespace ward::gov
