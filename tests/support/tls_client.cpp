#include "support/tls_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace ward::test {
namespace {

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

}  // namespace

TlsConnection::TlsConnection(int port, int max_tls_version) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  // Allow the old protocol versions on the client side so a test sees the server refuse them.
  SSL_CTX_set_security_level(ctx_, 0);
  SSL_CTX_set_min_proto_version(ctx_, 0);
  SSL_CTX_set_max_proto_version(ctx_, max_tls_version);
  fd_ = connect_loopback(port);
  if (fd_ < 0) return;
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  SSL_set_tlsext_host_name(ssl_, "localhost");
  handshake_ok_ = SSL_connect(ssl_) == 1;
}

TlsConnection::~TlsConnection() {
  if (ssl_ != nullptr) {
    if (handshake_ok_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  if (fd_ >= 0) ::close(fd_);
  SSL_CTX_free(ctx_);
}

std::string TlsConnection::protocol() const { return handshake_ok_ ? SSL_get_version(ssl_) : ""; }

std::string TlsConnection::cipher() const {
  return handshake_ok_ ? SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_)) : "";
}

void TlsConnection::send(std::string_view bytes) {
  if (handshake_ok_) SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
}

std::string TlsConnection::read_to_end() {
  std::string raw;
  char buffer[4096];
  while (handshake_ok_) {
    int n = SSL_read(ssl_, buffer, sizeof(buffer));
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  return raw;
}

void parse_http_response(const std::string& raw, HttpsResponse& out) {
  auto space = raw.find(' ');
  if (space != std::string::npos) out.status = std::atoi(raw.c_str() + space + 1);
  auto body = raw.find("\r\n\r\n");
  if (body != std::string::npos) out.body = raw.substr(body + 4);
}

HttpsResponse https_request(int port, const HttpsRequest& request) {
  TlsConnection connection(port, request.max_tls_version);
  HttpsResponse out;
  out.handshake_ok = connection.handshake_ok();
  if (!out.handshake_ok) return out;
  out.protocol = connection.protocol();
  out.cipher = connection.cipher();
  std::string message = request.method + " " + request.path +
                        " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  if (!request.body.empty() || request.method == "POST") {
    message += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(request.body.size()) + "\r\n";
  }
  connection.send(message + "\r\n" + request.body);
  parse_http_response(connection.read_to_end(), out);
  return out;
}

}  // namespace ward::test
