// The `ward` executable as a user runs it: a real subprocess, real files, a real TLS connection.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <regex>

#include "support/test_support.h"
#include "support/tls_client.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;

class CliTest : public ::testing::Test {
 protected:
  // A private HOME so nothing outside the scratch directory is read or written.
  std::map<std::string, std::string> env() const { return {{"HOME", (dir_ / "home").string()}}; }
  std::vector<std::string> with_data_dir(std::vector<std::string> args) const {
    args.push_back("--data-dir");
    args.push_back((dir_ / "data").string());
    return args;
  }
  TempDir dir_;
};

TEST_F(CliTest, VersionPrintsTheVersion) {
  auto result = run_ward({"--version"}, env());
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(std::regex_match(result.out, std::regex("ward \\d+\\.\\d+\\.\\d+\n"))) << result.out;
}

TEST_F(CliTest, NoSubcommandIsAUsageError) {
  auto result = run_ward({}, env());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("ward --help"), std::string::npos) << result.err;
}

TEST_F(CliTest, UnknownFlagIsAUsageError) {
  auto result = run_ward({"doctor", "--frobnicate"}, env());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--frobnicate"), std::string::npos) << result.err;
}

TEST_F(CliTest, HelpListsOnlyBuiltCommands) {
  auto result = run_ward({"--help"}, env());
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("serve"), std::string::npos);
  EXPECT_NE(result.out.find("doctor"), std::string::npos);
}

TEST_F(CliTest, DoctorOnAFreshInstallationPasses) {
  auto result = run_ward(with_data_dir({"doctor"}), env());
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("ok    config"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("cpu"), std::string::npos);
  EXPECT_NE(result.out.find("will generate a self-signed one"), std::string::npos);
}

TEST_F(CliTest, DoctorReportsABadConfigWithFileAndLine) {
  write_text(dir_ / "ward.toml", "[server]\nlisten = 8443\n");
  auto result = run_ward(with_data_dir({"doctor", "--config", (dir_ / "ward.toml").string()}), env());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("FAIL  config      " + (dir_ / "ward.toml").string() +
                            ":2: `server.listen` must be a string, not an integer"),
            std::string::npos)
      << result.out;
}

TEST_F(CliTest, DoctorReportsAMissingConfiguredCertificate) {
  auto e = env();
  e["WARD_SERVER_TLS_CERT"] = (dir_ / "missing.crt").string();
  e["WARD_SERVER_TLS_KEY"] = (dir_ / "missing.key").string();
  auto result = run_ward(with_data_dir({"doctor"}), e);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("FAIL  certificate"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find((dir_ / "missing.crt").string()), std::string::npos) << result.out;
}

TEST_F(CliTest, ServeWithCorruptConfigFailsWithOneLine) {
  write_text(dir_ / "data/ward.toml", "[server\n");
  auto result = run_ward(with_data_dir({"serve"}), env());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_EQ(result.err.rfind("ward: error: " + (dir_ / "data/ward.toml").string() + ":1: not valid TOML", 0),
            0u)
      << result.err;
}

TEST_F(CliTest, ServeWithUnusableDataDirFails) {
  write_text(dir_ / "file", "x");
  auto result = run_ward({"serve", "--data-dir", (dir_ / "file/data").string()}, env());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("ward: error: " + (dir_ / "file/data").string()), std::string::npos)
      << result.err;
}

TEST_F(CliTest, ServeWithMissingConfiguredCertificateFails) {
  auto e = env();
  e["WARD_SERVER_TLS_CERT"] = (dir_ / "missing.crt").string();
  e["WARD_SERVER_TLS_KEY"] = (dir_ / "missing.key").string();
  auto result = run_ward(with_data_dir({"serve", "--listen", "127.0.0.1:0"}), e);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("server.tls_cert does not exist"), std::string::npos) << result.err;
}

TEST_F(CliTest, ServeOnAPortInUseFails) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  auto result = run_ward(with_data_dir({"serve", "--listen", "127.0.0.1:" + std::to_string(port)}), env());
  ::close(fd);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("already in use"), std::string::npos) << result.err;
}

// Starts `ward serve` on a free port and returns the port it printed, or -1.
int started_port(BackgroundWard& ward) {
  std::string line = ward.wait_for_line("listening on https://");
  std::smatch match;
  if (!std::regex_search(line, match, std::regex("https://127\\.0\\.0\\.1:(\\d+)"))) return -1;
  return std::stoi(match[1]);
}

TEST_F(CliTest, ServeAnswersHealthzOverHttpsAndStopsOnSigterm) {
  BackgroundWard ward(with_data_dir({"serve", "--listen", "127.0.0.1:0"}), env());
  const int port = started_port(ward);
  ASSERT_GT(port, 0) << ward.out() << ward.err();

  auto response = https_request(port, get("/healthz", TLS1_2_VERSION));
  ASSERT_TRUE(response.handshake_ok);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(response.body)["status"], "ok");

  std::smatch token;
  const std::string out = ward.out();
  EXPECT_TRUE(std::regex_search(out, token, std::regex("\nwardboot_[0-9a-f]{64}\n"))) << out;
  EXPECT_TRUE(fs::exists(dir_ / "data/tls/server.crt"));
  EXPECT_TRUE(fs::exists(dir_ / "data/ward.db"));
  EXPECT_EQ(ward.stop(SIGTERM), 0) << ward.err();
}

TEST_F(CliTest, EachStartIssuesAFreshBootstrapTokenAndKeepsTheCertificate) {
  std::string tokens[2], certificates[2];
  for (int i = 0; i < 2; ++i) {
    BackgroundWard ward(with_data_dir({"serve", "--listen", "127.0.0.1:0"}), env());
    ASSERT_GT(started_port(ward), 0) << ward.err();
    tokens[i] = ward.wait_for_line("wardboot_");
    certificates[i] = read_text(dir_ / "data/tls/server.crt");
    EXPECT_EQ(ward.stop(SIGINT), 0);
  }
  EXPECT_FALSE(tokens[0].empty());
  EXPECT_NE(tokens[0], tokens[1]);
  EXPECT_EQ(certificates[0], certificates[1]);
}

}  // namespace
}  // namespace ward::test
