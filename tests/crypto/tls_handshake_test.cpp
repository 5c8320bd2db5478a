// Real TLS handshakes over a socket pair between a server configured with Ward's policy and
// clients of various capabilities, showing what the policy allows and refuses on the wire.

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include "crypto/tls.h"
#include "support/test_support.h"

namespace ward::crypto {
namespace {

using Context = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using Connection = std::unique_ptr<SSL, decltype(&SSL_free)>;

struct Outcome {
  bool connected = false;
  int version = 0;
  std::string cipher;
  const SSL_CIPHER* cipher_info = nullptr;
  long verify_result = -1;
  int error_reason = 0;  // OpenSSL's reason code for a failed handshake
};

// Runs one side of a handshake on `fd`, then closes it so that the peer never waits for bytes
// that will not come.
Outcome handshake_side(SSL_CTX* ctx, int fd, bool is_server, const char* expected_host) {
  Outcome outcome;
  Connection ssl(SSL_new(ctx), SSL_free);
  if (ssl && SSL_set_fd(ssl.get(), fd) == 1) {
    if (expected_host != nullptr) {
      SSL_set1_host(ssl.get(), expected_host);
      SSL_set_tlsext_host_name(ssl.get(), expected_host);
    }
    const int result = is_server ? SSL_accept(ssl.get()) : SSL_connect(ssl.get());
    if (result == 1) {
      outcome.connected = true;
      outcome.version = SSL_version(ssl.get());
      outcome.cipher_info = SSL_get_current_cipher(ssl.get());
      outcome.cipher = SSL_CIPHER_get_name(outcome.cipher_info);
      outcome.verify_result = SSL_get_verify_result(ssl.get());
      SSL_shutdown(ssl.get());
    } else {
      outcome.error_reason = ERR_GET_REASON(ERR_peek_error());
    }
  }
  ERR_clear_error();
  ssl.reset();
  ::close(fd);
  return outcome;
}

struct Handshake {
  Outcome server;
  Outcome client;
};

Handshake run_handshake(SSL_CTX* server, SSL_CTX* client, const char* expected_host = nullptr) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  const timeval timeout{10, 0};  // a stuck handshake fails the test instead of hanging it
  for (int fd : fds) ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  Handshake handshake;
  std::thread server_thread(
      [&] { handshake.server = handshake_side(server, fds[0], true, nullptr); });
  handshake.client = handshake_side(client, fds[1], false, expected_host);
  server_thread.join();
  return handshake;
}

class CryptoTlsHandshake : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A peer that hangs up mid-handshake must show up as a failed write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
  }

  void SetUp() override {
    ASSERT_TRUE(generate_self_signed_certificate(cert_, key_, "localhost", 7).ok());
    ASSERT_TRUE(server_ && apply_tls_policy(server_.get()).ok());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(server_.get(), cert_.c_str()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(server_.get(), key_.c_str(), SSL_FILETYPE_PEM), 1);
  }

  // A client with OpenSSL's defaults, which is how an arbitrary TLS client looks to Ward.
  static Context default_client() {
    return Context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  }

  ward::test::TempDir dir_;
  std::filesystem::path cert_ = dir_ / "server.crt";
  std::filesystem::path key_ = dir_ / "server.key";
  Context server_{SSL_CTX_new(TLS_server_method()), SSL_CTX_free};
};

TEST_F(CryptoTlsHandshake, DefaultClientNegotiatesTls13AndTrustsTheCertificate) {
  Context client = default_client();
  // Trusting exactly the self-signed certificate, with host name checks on, shows it is usable
  // by a verifying client (SAN, key usage, extended key usage).
  ASSERT_EQ(SSL_CTX_load_verify_locations(client.get(), cert_.c_str(), nullptr), 1);
  SSL_CTX_set_verify(client.get(), SSL_VERIFY_PEER, nullptr);
  const Handshake result = run_handshake(server_.get(), client.get(), "localhost");
  ASSERT_TRUE(result.client.connected) << ERR_reason_error_string(result.client.error_reason);
  ASSERT_TRUE(result.server.connected);
  EXPECT_EQ(result.client.version, TLS1_3_VERSION);
  EXPECT_EQ(result.client.cipher, "TLS_AES_256_GCM_SHA384");  // the server's first choice
  EXPECT_EQ(result.client.verify_result, X509_V_OK);
}

TEST_F(CryptoTlsHandshake, VerifyingClientRejectsAnotherHostName) {
  Context client = default_client();
  ASSERT_EQ(SSL_CTX_load_verify_locations(client.get(), cert_.c_str(), nullptr), 1);
  SSL_CTX_set_verify(client.get(), SSL_VERIFY_PEER, nullptr);
  const Handshake result = run_handshake(server_.get(), client.get(), "ward.example.org");
  EXPECT_FALSE(result.client.connected);
  EXPECT_EQ(result.client.error_reason, SSL_R_CERTIFICATE_VERIFY_FAILED);
}

TEST_F(CryptoTlsHandshake, ClientWithThePolicyNegotiatesTls13) {
  Context client = default_client();
  ASSERT_TRUE(apply_tls_policy(client.get()).ok());
  const Handshake result = run_handshake(server_.get(), client.get());
  ASSERT_TRUE(result.client.connected);
  EXPECT_EQ(result.client.version, TLS1_3_VERSION);
}

TEST_F(CryptoTlsHandshake, Tls12ClientGetsEcdheWithAead) {
  Context client = default_client();
  SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
  const Handshake result = run_handshake(server_.get(), client.get());
  ASSERT_TRUE(result.client.connected) << ERR_reason_error_string(result.client.error_reason);
  EXPECT_EQ(result.client.version, TLS1_2_VERSION);
  EXPECT_EQ(result.client.cipher, "ECDHE-ECDSA-AES256-GCM-SHA384");
  EXPECT_EQ(SSL_CIPHER_get_kx_nid(result.client.cipher_info), NID_kx_ecdhe);
  EXPECT_TRUE(SSL_CIPHER_is_aead(result.client.cipher_info));
}

// The client is opened up (security level 0) so that it really offers TLS 1.1; the server's
// protocol_version alert proves the refusal came from Ward's policy, not from the client.
TEST_F(CryptoTlsHandshake, Tls11ClientIsRefused) {
  Context client = default_client();
  SSL_CTX_set_security_level(client.get(), 0);
  ASSERT_EQ(SSL_CTX_set_cipher_list(client.get(), "DEFAULT:@SECLEVEL=0"), 1);
  ASSERT_EQ(SSL_CTX_set_min_proto_version(client.get(), TLS1_VERSION), 1);
  ASSERT_EQ(SSL_CTX_set_max_proto_version(client.get(), TLS1_1_VERSION), 1);
  const Handshake result = run_handshake(server_.get(), client.get());
  EXPECT_FALSE(result.server.connected);
  EXPECT_FALSE(result.client.connected);
  EXPECT_EQ(result.server.error_reason, SSL_R_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(result.client.error_reason, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
}

TEST_F(CryptoTlsHandshake, Tls12ClientWithOnlyCbcCiphersIsRefused) {
  Context client = default_client();
  SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);
  ASSERT_EQ(
      SSL_CTX_set_cipher_list(client.get(), "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA"), 1);
  const Handshake result = run_handshake(server_.get(), client.get());
  EXPECT_FALSE(result.client.connected);
  EXPECT_EQ(result.server.error_reason, SSL_R_NO_SHARED_CIPHER);
}

TEST_F(CryptoTlsHandshake, ClientWithOnlyOtherGroupsIsRefused) {
  Context client = default_client();
  ASSERT_EQ(SSL_CTX_set1_groups_list(client.get(), "P-521:ffdhe2048"), 1);
  const Handshake result = run_handshake(server_.get(), client.get());
  EXPECT_FALSE(result.client.connected);
  EXPECT_FALSE(result.server.connected);
}

}  // namespace
}  // namespace ward::crypto
