#pragma once
// A minimal HTTPS client for tests, on OpenSSL directly, so a test can pin the TLS version it
// offers, see exactly what the server negotiated, and control when each byte is sent.

#include <openssl/types.h>

#include <string>
#include <string_view>

namespace ward::test {

// One TLS connection to 127.0.0.1:port. The certificate is not verified (tests use self-signed
// ones). Single-threaded.
class TlsConnection {
 public:
  // Connects and performs the handshake, offering at most `max_tls_version` (0: the default).
  TlsConnection(int port, int max_tls_version = 0);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  std::string protocol() const;  // e.g. "TLSv1.3"
  std::string cipher() const;    // e.g. "TLS_AES_256_GCM_SHA384"
  void send(std::string_view bytes);
  // Reads until the peer closes the connection (or 10 s pass without data).
  std::string read_to_end();

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool handshake_ok_ = false;
};

struct HttpsResponse {
  bool handshake_ok = false;
  std::string protocol;
  std::string cipher;
  int status = 0;
  std::string body;
};

// Splits a raw HTTP/1.1 response into status and body.
void parse_http_response(const std::string& raw, HttpsResponse& out);

struct HttpsRequest {
  std::string method = "GET";
  std::string path = "/";
  std::string body;
  int max_tls_version = 0;  // e.g. TLS1_1_VERSION; 0 = library default
};

// A GET request for `path`, optionally offering at most `max_tls_version`.
inline HttpsRequest get(std::string path, int max_tls_version = 0) {
  HttpsRequest request;
  request.path = std::move(path);
  request.max_tls_version = max_tls_version;
  return request;
}

// Sends one request with `Connection: close` and reads the whole response.
HttpsResponse https_request(int port, const HttpsRequest& request);

}  // namespace ward::test
