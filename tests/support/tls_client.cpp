#include "support/tls_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

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

void parse_response(const std::string& raw, HttpsResponse& out) {
  auto space = raw.find(' ');
  if (space != std::string::npos) out.status = std::atoi(raw.c_str() + space + 1);
  auto body = raw.find("\r\n\r\n");
  if (body != std::string::npos) out.body = raw.substr(body + 4);
}

}  // namespace

HttpsResponse https_request(int port, const HttpsRequest& request) {
  HttpsResponse out;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  // Allow the old protocol versions on the client side so the test sees the server refuse them.
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_min_proto_version(ctx.get(), request.min_tls_version);
  SSL_CTX_set_max_proto_version(ctx.get(), request.max_tls_version);
  int fd = connect_loopback(port);
  if (fd < 0) return out;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), "localhost");
  if (SSL_connect(ssl.get()) == 1) {
    out.handshake_ok = true;
    out.protocol = SSL_get_version(ssl.get());
    out.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl.get()));
    std::string message = request.method + " " + request.path +
                          " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
    if (!request.body.empty() || request.method == "POST") {
      message += "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(request.body.size()) + "\r\n";
    }
    message += "\r\n" + request.body;
    SSL_write(ssl.get(), message.data(), static_cast<int>(message.size()));
    std::string raw;
    char buffer[4096];
    for (int n; (n = SSL_read(ssl.get(), buffer, sizeof(buffer))) > 0;) raw.append(buffer, n);
    parse_response(raw, out);
    SSL_shutdown(ssl.get());
  }
  ::close(fd);
  return out;
}

}  // namespace ward::test
