#include "gov/audit/syslog_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace ward::gov::testing {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what) {
  ERR_print_errors_fp(stderr);
  throw std::runtime_error("syslog test server: " + what);
}

EVP_PKEY* new_key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) fail("EC key generation");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx{};
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (extension == nullptr || X509_add_ext(cert, extension, -1) != 1) fail("extension " + value);
  X509_EXTENSION_free(extension);
}

// An unsigned certificate for `key` named `common_name`, valid for the given days relative to
// now, issued by `issuer` (itself when null).
X509* new_certificate(EVP_PKEY* key, const std::string& common_name, int from_days, int to_days,
                      X509* issuer) {
  static long serial = 1000;
  X509* cert = X509_new();
  std::time_t now = std::time(nullptr);
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_set_version(cert, X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial) != 1 ||
      X509_time_adj_ex(X509_getm_notBefore(cert), from_days, 0, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert), to_days, 0, &now) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1 ||
      X509_set_pubkey(cert, key) != 1) {
    fail("certificate fields");
  }
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) fail("signing");
}

void write_pem(const fs::path& path, X509* cert) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr || PEM_write_X509(file, cert) != 1) fail("writing " + path.string());
  std::fclose(file);
}

void write_pem(const fs::path& path, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr ||
      PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("writing " + path.string());
  }
  std::fclose(file);
}

std::string openssl_reason() {
  unsigned long last = 0;
  while (const unsigned long code = ERR_get_error()) last = code;
  const char* reason = last != 0 ? ERR_reason_error_string(last) : nullptr;
  return reason != nullptr ? reason : "";
}

}  // namespace

struct TestCa::Impl {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Impl() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

TestCa::TestCa(const std::string& name) : impl_(std::make_unique<Impl>()) {
  impl_->key = new_key();
  impl_->cert = new_certificate(impl_->key, name, -1, 365, nullptr);
  add_extension(impl_->cert, impl_->cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(impl_->cert, impl_->cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(impl_->cert, impl_->cert, NID_subject_key_identifier, "hash");
  sign(impl_->cert, impl_->key);
}

TestCa::~TestCa() = default;

void TestCa::write_certificate(const fs::path& path) const {
  write_pem(path, impl_->cert);
}

void TestCa::issue(const Leaf& leaf, const fs::path& cert_path, const fs::path& key_path) const {
  EVP_PKEY* key = new_key();
  X509* cert =
      new_certificate(key, leaf.common_name, leaf.valid_from_days, leaf.valid_to_days, impl_->cert);
  add_extension(cert, impl_->cert, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, impl_->cert, NID_key_usage, "critical,digitalSignature");
  add_extension(cert, impl_->cert, NID_ext_key_usage, leaf.client ? "clientAuth" : "serverAuth");
  if (!leaf.alt_names.empty()) {
    add_extension(cert, impl_->cert, NID_subject_alt_name, leaf.alt_names);
  }
  add_extension(cert, impl_->cert, NID_authority_key_identifier, "keyid:always");
  sign(cert, impl_->key);
  write_pem(cert_path, cert);
  write_pem(key_path, key);
  X509_free(cert);
  EVP_PKEY_free(key);
}

SyslogReceiver::SyslogReceiver(SyslogReceiverOptions options) : options_(std::move(options)) {
  const bool v6 = options_.bind_address.find(':') != std::string::npos;
  listen_fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage address{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&address);
    a->sin6_family = AF_INET6;
    if (::inet_pton(AF_INET6, options_.bind_address.c_str(), &a->sin6_addr) != 1) fail("address");
    length = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&address);
    a->sin_family = AF_INET;
    if (::inet_pton(AF_INET, options_.bind_address.c_str(), &a->sin_addr) != 1) fail("address");
    length = sizeof(sockaddr_in);
  }
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listen_fd_, 4) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    fail("listening on " + options_.bind_address);
  }
  port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  thread_ = std::thread([this] { run(); });
}

SyslogReceiver::~SyslogReceiver() {
  stop_ = true;
  release();
  if (const int fd = connection_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void SyslogReceiver::release() {
  std::lock_guard<std::mutex> lock(mutex_);
  released_ = true;
  released_cv_.notify_all();
}

const SyslogReceived& SyslogReceiver::wait() {
  if (thread_.joinable()) thread_.join();
  return received_;
}

void SyslogReceiver::run() {
  // A client that gives up leaves this thread writing to a closed socket: EPIPE, not SIGPIPE.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!stop_ && std::chrono::steady_clock::now() < until) {
    pollfd entry{listen_fd_, POLLIN, 0};
    if (::poll(&entry, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    connection_fd_ = fd;
    serve(fd);
    connection_fd_ = -1;
    ::close(fd);
    return;
  }
}

void SyslogReceiver::serve(int fd) {
  received_.connected = true;
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);

  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  if (options_.tls) {
    ctx = SSL_CTX_new(TLS_server_method());
    if (options_.max_tls_version != 0) {
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_min_proto_version(ctx, 0);
      SSL_CTX_set_max_proto_version(ctx, options_.max_tls_version);
      SSL_CTX_set_cipher_list(ctx, "DEFAULT@SECLEVEL=0");
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, options_.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      fail("server certificate");
    }
    if (!options_.client_ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx, options_.client_ca_file.c_str(), nullptr) != 1) {
        fail("client CA");
      }
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    ERR_clear_error();
    if (SSL_accept(ssl) != 1) {
      received_.handshake_error = openssl_reason();
      SSL_free(ssl);
      SSL_CTX_free(ctx);
      return;
    }
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    received_.server_name = sni != nullptr ? sni : "";
    received_.protocol = SSL_get_version(ssl);
    if (X509* client = SSL_get1_peer_certificate(ssl)) {
      char subject[256] = {};
      X509_NAME_oneline(X509_get_subject_name(client), subject, sizeof subject);
      received_.client_subject = subject;
      X509_free(client);
    }
  }
  received_.handshake_ok = true;

  if (options_.hold) {
    std::unique_lock<std::mutex> lock(mutex_);
    released_cv_.wait(lock, [this] { return released_; });
  }

  // Reads exactly `size` bytes; 1 when done, 0 at a clean end before any byte, -1 otherwise.
  const auto read_exact = [&](char* out, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      int got = 0;
      if (ssl != nullptr) {
        std::size_t n = 0;
        got = SSL_read_ex(ssl, out + done, size - done, &n) == 1 ? static_cast<int>(n) : 0;
      } else {
        const ssize_t n = ::recv(fd, out + done, size - done, 0);
        got = n > 0 ? static_cast<int>(n) : 0;
      }
      if (got <= 0) return done == 0 ? 0 : -1;
      received_.raw.append(out + done, static_cast<std::size_t>(got));
      done += static_cast<std::size_t>(got);
    }
    return 1;
  };

  while (options_.close_after < 0 ||
         static_cast<int>(received_.frames.size()) < options_.close_after) {
    // MSG-LEN = NONZERO-DIGIT 0*DIGIT, then SP; read a byte at a time so that nothing beyond the
    // frames consumed is taken off the socket.
    std::string length;
    char c = 0;
    const int first = read_exact(&c, 1);
    if (first == 0) {
      received_.ended_by_peer = true;
      break;
    }
    if (first < 0) break;
    while (c != ' ') {
      if (c < '0' || c > '9' || (length.empty() && c == '0') || length.size() > 9) {
        received_.framing_error =
            "bad MSG-LEN after " + std::to_string(received_.frames.size()) + " frames";
        break;
      }
      length += c;
      if (read_exact(&c, 1) != 1) {
        received_.framing_error = "the stream ended inside MSG-LEN";
        break;
      }
    }
    if (!received_.framing_error.empty()) break;
    if (length.empty()) {
      received_.framing_error = "empty MSG-LEN";
      break;
    }
    std::string message(std::stoul(length), '\0');
    if (read_exact(message.data(), message.size()) != 1) {
      received_.framing_error = "the stream ended inside a message";
      break;
    }
    received_.frames.push_back(std::move(message));
  }
  if (ssl != nullptr) {
    SSL_shutdown(ssl);  // close_notify, whether the peer ended or this side stops
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
}

int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    fail("binding a port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace ward::gov::testing
