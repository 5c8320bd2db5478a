#include "gov/audit/syslog_sender.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <system_error>
#include <vector>

#include "crypto/tls.h"

namespace ward::gov {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using core::Code;
using core::Error;

constexpr std::string_view kForm =
    "write the destination as tls://HOST:PORT (encrypted, RFC 5425; syslog over TLS usually "
    "listens on 6514) or tcp://HOST:PORT (unencrypted, RFC 6587)";

// Ends the message of a failure while closing.
constexpr char kUnconfirmed[] = " before confirming that it had read everything sent";

// --- Parsing the destination ---

Error bad_destination(const std::string& what) {
  return Error(Code::kInvalidArgument, "", what + "; " + std::string(kForm));
}

bool is_ipv4(const std::string& text) {
  in_addr address{};
  return ::inet_pton(AF_INET, text.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& text) {
  in6_addr address{};
  return ::inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

bool is_host_label(std::string_view label) {
  const auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  };
  return !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         std::all_of(label.begin(), label.end(), allowed);
}

// RFC 1123 host names. All-numeric names are left to is_ipv4, so "300.1.1.1" is refused rather
// than looked up as a name.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  const bool numeric = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  if (numeric) return false;
  for (std::size_t start = 0;;) {
    const std::size_t dot = name.find('.', start);
    if (!is_host_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// --- Socket helpers ---

std::string seconds_text(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "(unknown address family)";
}

bool is_loopback(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return false;
}

// Waits until `fd` is ready for `events` or `deadline` passes: 1 ready (an error condition counts
// as ready, so that the next call reports it), 0 timed out, -1 poll failed (errno).
int wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return -1;
    if (ready > 0) return 1;
    if (Clock::now() >= deadline) return 0;
  }
}

// --- OpenSSL helpers ---

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// OpenSSL's reason for the latest failure, e.g. "tlsv13 alert certificate required"; it empties
// this thread's error queue so that a stale entry cannot explain a later failure.
std::string openssl_reason() {
  unsigned long last = 0;
  while (const unsigned long code = ERR_get_error()) last = code;
  if (last == 0) return "";
  const char* reason = ERR_reason_error_string(last);
  if (reason != nullptr) return reason;
  char text[256] = {};
  ERR_error_string_n(last, text, sizeof text);
  return text;
}

// Without this callback OpenSSL would prompt on the terminal for an encrypted key's passphrase.
int refuse_passphrase(char*, int, int, void*) {
  return -1;
}

std::vector<std::string> alt_names_of(X509* cert) {
  std::vector<std::string> names;
  auto* general =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; general != nullptr && i < sk_GENERAL_NAME_num(general); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general, i);
    if (name->type == GEN_DNS) {
      const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName));
      names.push_back("DNS:" + std::string(data, static_cast<std::size_t>(
                                                     ASN1_STRING_length(name->d.dNSName))));
    } else if (name->type == GEN_IPADD) {
      const int size = ASN1_STRING_length(name->d.iPAddress);
      char text[INET6_ADDRSTRLEN] = {};
      if (size == 4 || size == 16) {
        ::inet_ntop(size == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(name->d.iPAddress), text,
                    sizeof text);
      }
      names.push_back(std::string("IP:") + text);
    }
  }
  GENERAL_NAMES_free(general);
  return names;
}

std::string asn1_time_text(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return "";
  char text[32] = {};
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

bool mentions_client_certificate(std::string_view reason) {
  for (std::string_view hint : {"certificate required", "bad certificate", "unknown ca",
                                "certificate unknown", "handshake failure", "access denied"}) {
    if (reason.find(hint) != std::string_view::npos) return true;
  }
  return false;
}

// Checks a file the options name before OpenSSL reads it, so that the error can say what is wrong.
core::Status check_file(const fs::path& path, std::string_view what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Error(Code::kNotFound, path.string(),
                 "the " + std::string(what) + " file does not exist");
  }
  if (!fs::is_regular_file(path, ec)) {
    return Error(Code::kInvalidArgument, path.string(),
                 "the " + std::string(what) + " is not a regular file");
  }
  return core::ok_status();
}

}  // namespace

// The connection's state. The BIO that carries TLS records points at it, so it lives on the heap
// and never moves.
struct SyslogSender::Connection {
  SyslogDestination destination;
  SyslogSenderOptions options;
  std::string url;
  int fd = -1;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx;
  std::unique_ptr<SSL, SslFree> ssl;
  std::string peer;
  bool loopback = false;
  std::string protocol;  // the negotiated TLS version; kept after close()
  std::int64_t sent = 0;
  std::optional<Error> failed;         // the error that ended sending
  std::optional<core::Status> closed;  // the result of close()

  // What the latest socket operation ran into; reset before each operation.
  Clock::time_point deadline;
  bool probing = false;  // reads return "would block" at once instead of waiting
  bool timed_out = false;
  bool eof = false;
  int error_number = 0;

  ~Connection() {
    ssl.reset();  // before the socket its BIO writes to
    if (fd >= 0) ::close(fd);
  }

  void start_io(Clock::time_point until) {
    deadline = until;
    timed_out = false;
    eof = false;
    error_number = 0;
  }

  Error error(std::string message) const {
    return Error(Code::kUnavailable, url, std::move(message));
  }

  // Writes all of `data`, waiting for room until the deadline. False with timed_out or
  // error_number set.
  bool write_all(const char* data, std::size_t size) {
    while (size > 0) {
      const ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (written > 0) {
        data += written;
        size -= static_cast<std::size_t>(written);
        continue;
      }
      if (written < 0 && errno == EINTR) continue;
      if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        const int ready = wait_ready(fd, POLLOUT, deadline);
        if (ready == 0) timed_out = true;
        if (ready < 0) error_number = errno;
        if (ready <= 0) return false;
        continue;
      }
      error_number = written < 0 ? errno : EPIPE;
      return false;
    }
    return true;
  }

  // Reads some bytes: 1 with *got set, 0 at the end of the stream, -1 on an error or timeout,
  // -2 when probing and nothing has arrived.
  int read_some(char* data, std::size_t size, std::size_t* got) {
    for (;;) {
      const ssize_t count = ::recv(fd, data, size, MSG_DONTWAIT);
      if (count > 0) {
        *got = static_cast<std::size_t>(count);
        return 1;
      }
      if (count == 0) {
        // A reset that came after the server's FIN is only visible as a pending socket error.
        int pending = 0;
        socklen_t length = sizeof pending;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 && pending != 0) {
          error_number = pending;
          return -1;
        }
        eof = true;
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        error_number = errno;
        return -1;
      }
      if (probing) return -2;
      const int ready = wait_ready(fd, POLLIN, deadline);
      if (ready == 0) timed_out = true;
      if (ready < 0) error_number = errno;
      if (ready <= 0) return -1;
    }
  }

  // The sentence for a failed socket operation, from what it ran into.
  std::string io_problem(std::string_view doing) const {
    if (timed_out) {
      return "the server did not " + std::string(doing) + " within " +
             seconds_text(options.io_timeout) + " (stalled, overloaded or unreachable)";
    }
    if (error_number == ECONNRESET) return "the server reset the connection";
    if (error_number == EPIPE || eof) return "the server closed the connection";
    if (error_number != 0)
      return "the connection failed: " + std::string(std::strerror(error_number));
    return "the connection failed";
  }

  // A BIO over the connection's non-blocking socket that waits (bounded by the deadline) instead
  // of asking OpenSSL to retry, and writes with MSG_NOSIGNAL, so that a closed connection is an
  // error rather than SIGPIPE.
  static const BIO_METHOD* socket_bio_method();
  static int bio_write(BIO* bio, const char* data, std::size_t size, std::size_t* written);
  static int bio_read(BIO* bio, char* data, std::size_t size, std::size_t* got);
  static long bio_ctrl(BIO* bio, int command, long, void*);
  static int bio_create(BIO* bio);

  core::Status connect_socket(Clock::time_point until);
  core::Status prepare_tls();
  core::Status handshake(Clock::time_point until);
  Error handshake_error();
  Error certificate_error(long result);
  Error tls_error(int kind, std::string_view doing);
  core::Status check_still_open();
  core::Status send(std::string_view message);
  core::Status await_server_end();
  core::Status close();
};

// --- The socket BIO ---

int SyslogSender::Connection::bio_write(BIO* bio, const char* data, std::size_t size,
                                        std::size_t* written) {
  auto* connection = static_cast<Connection*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (!connection->write_all(data, size)) return 0;
  *written = size;
  return 1;
}

int SyslogSender::Connection::bio_read(BIO* bio, char* data, std::size_t size, std::size_t* got) {
  auto* connection = static_cast<Connection*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  *got = 0;
  const int result = connection->read_some(data, size, got);
  if (result == -2) BIO_set_retry_read(bio);
  return result == 1 ? 1 : 0;
}

long SyslogSender::Connection::bio_ctrl(BIO* bio, int command, long, void*) {
  const auto* connection = static_cast<const Connection*>(BIO_get_data(bio));
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_EOF:  // OpenSSL asks after a failed read whether the stream simply ended
      return connection != nullptr && connection->eof ? 1 : 0;
    default:
      return 0;
  }
}

int SyslogSender::Connection::bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* SyslogSender::Connection::socket_bio_method() {
  // Created once and kept for the life of the process.
  static BIO_METHOD* const method = [] {
    BIO_METHOD* created =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ward syslog socket");
    if (created != nullptr) {
      BIO_meth_set_write_ex(created, bio_write);
      BIO_meth_set_read_ex(created, bio_read);
      BIO_meth_set_ctrl(created, bio_ctrl);
      BIO_meth_set_create(created, bio_create);
    }
    return created;
  }();
  return method;
}

// --- Connecting ---

core::Status SyslogSender::Connection::connect_socket(Clock::time_point until) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (is_ipv4(destination.host) || is_ipv6(destination.host)) hints.ai_flags |= AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(destination.port);
  const int resolved = ::getaddrinfo(destination.host.c_str(), service.c_str(), &hints, &found);
  if (resolved != 0) {
    const std::string reason =
        resolved == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(resolved);
    return error("the host name " + in_quotes(destination.host) + " could not be resolved (" +
                 reason + "); check the name and the DNS configuration");
  }
  std::vector<std::string> failures;
  bool refused_only = true;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    const std::string where = address_text(entry->ai_addr);
    const int socket_fd =
        ::socket(entry->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, entry->ai_protocol);
    if (socket_fd < 0) {
      failures.push_back(where + " (" + std::strerror(errno) + ")");
      refused_only = false;
      continue;
    }
    int problem = 0;
    if (::connect(socket_fd, entry->ai_addr, entry->ai_addrlen) != 0) {
      problem = errno;
      if (problem == EINPROGRESS) {
        const int ready = wait_ready(socket_fd, POLLOUT, until);
        socklen_t length = sizeof problem;
        if (ready == 0) {
          problem = ETIMEDOUT;
        } else if (ready < 0 ||
                   ::getsockopt(socket_fd, SOL_SOCKET, SO_ERROR, &problem, &length) != 0) {
          problem = errno;
        }
      }
    }
    if (problem == 0) {
      fd = socket_fd;
      peer = where;
      loopback = is_loopback(entry->ai_addr);
      break;
    }
    ::close(socket_fd);
    refused_only = refused_only && problem == ECONNREFUSED;
    failures.push_back(where + " (" +
                       (problem == ETIMEDOUT
                            ? "no answer within " + seconds_text(options.connect_timeout)
                            : std::string(std::strerror(problem))) +
                       ")");
    if (problem == ETIMEDOUT) break;  // the time for connecting is spent
  }
  ::freeaddrinfo(found);
  if (fd >= 0) return core::ok_status();
  if (failures.size() == 1 && refused_only) {
    const std::string address = failures.front().substr(0, failures.front().find(" ("));
    return error("the connection was refused by " + address +
                 "; check that the syslog server is running and listening on that port");
  }
  std::string list;
  for (const auto& failure : failures) list += (list.empty() ? "" : ", ") + failure;
  return error("could not connect to " + in_quotes(destination.host) + ": " + list +
               "; check the host, the port and any firewall between");
}

Error SyslogSender::Connection::certificate_error(long result) {
  X509* leaf = nullptr;
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
      chain != nullptr && sk_X509_num(chain) > 0) {
    leaf = sk_X509_value(chain, 0);
  }
  std::string why;
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: {
      why =
          "the server's certificate is issued for another name, not " + in_quotes(destination.host);
      if (leaf != nullptr) {
        std::string names;
        for (const auto& name : alt_names_of(leaf)) names += (names.empty() ? "" : ", ") + name;
        why +=
            names.empty() ? " (it has no subject alternative names)" : " (it names " + names + ")";
      }
      why += "; connect by a name the certificate lists, or have it reissued";
      break;
    }
    case X509_V_ERR_CERT_HAS_EXPIRED:
      why = "the server's certificate has expired";
      if (leaf != nullptr) why += " (valid until " + asn1_time_text(X509_get0_notAfter(leaf)) + ")";
      why += "; renew it, and check this machine's clock";
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      why = "the server's certificate is not valid yet";
      if (leaf != nullptr) why += " (valid from " + asn1_time_text(X509_get0_notBefore(leaf)) + ")";
      why += "; check this machine's clock";
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      why = "the server's certificate is not issued by a trusted CA (trusted here: " +
            (options.ca_file.empty() ? std::string("the system's trust store")
                                     : "the CA file " + options.ca_file.string()) +
            "); pass the CA that issued it with --ca FILE";
      break;
    default:
      why = std::string("the server's certificate was rejected: ") +
            X509_verify_cert_error_string(result);
  }
  return Error(Code::kUnauthenticated, url,
               "certificate verification failed for " + peer + ": " + why);
}

Error SyslogSender::Connection::handshake_error() {
  if (const long verified = SSL_get_verify_result(ssl.get()); verified != X509_V_OK) {
    openssl_reason();
    return certificate_error(verified);
  }
  if (timed_out) {
    openssl_reason();
    return error("the TLS handshake with " + peer + " did not finish within " +
                 seconds_text(options.connect_timeout) +
                 "; is it a TLS syslog server (for plain TCP use tcp://)?");
  }
  const std::string reason = openssl_reason();
  if (eof || error_number != 0 || reason.empty()) {
    return error("the server at " + peer + " ended the connection during the TLS handshake (" +
                 io_problem("answer") + "); is it a TLS syslog server?");
  }
  std::string message = "the TLS handshake with " + peer + " failed (" + reason + ")";
  if (reason.find("unsupported protocol") != std::string::npos ||
      reason.find("version") != std::string::npos) {
    message += "; the server must support TLS 1.2 or later";
  } else if (mentions_client_certificate(reason)) {
    message +=
        "; if the server requires a client certificate, pass --client-cert and "
        "--client-key with one it trusts";
  }
  return error(message);
}

// The client context: Ward's TLS policy, peer verification against the CA file or the system
// store, and the client certificate. Built before connecting, so that unusable files are
// reported without touching the network.
core::Status SyslogSender::Connection::prepare_tls() {
  ERR_clear_error();
  ctx.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error(Code::kInternal, url, "OpenSSL could not create a TLS client context");
  if (auto applied = crypto::apply_tls_policy(ctx.get()); !applied) return applied;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (!options.ca_file.empty()) {
    if (auto s = check_file(options.ca_file, "CA certificate"); !s) return s;
    if (SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr) != 1) {
      return Error(Code::kInvalidArgument, options.ca_file.string(),
                   "this file holds no PEM CA certificate (-----BEGIN CERTIFICATE-----) (" +
                       openssl_reason() + ")");
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return Error(Code::kInternal, url,
                 "the system's trust store could not be loaded (" + openssl_reason() +
                     "); pass the CA that issued the server's certificate with --ca FILE");
  }
  if (!options.client_cert_file.empty()) {
    if (auto s = check_file(options.client_cert_file, "client certificate"); !s) return s;
    if (auto s = check_file(options.client_key_file, "client key"); !s) return s;
    SSL_CTX_set_default_passwd_cb(ctx.get(), refuse_passphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), options.client_cert_file.c_str()) != 1) {
      return Error(Code::kInvalidArgument, options.client_cert_file.string(),
                   "this file holds no PEM certificate (-----BEGIN CERTIFICATE-----) (" +
                       openssl_reason() + ")");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), options.client_key_file.c_str(), SSL_FILETYPE_PEM) !=
        1) {
      const std::string reason = openssl_reason();
      if (reason.find("values mismatch") != std::string::npos) {
        return Error(Code::kInvalidArgument, options.client_key_file.string(),
                     "this private key does not belong to the client certificate " +
                         options.client_cert_file.string());
      }
      return Error(Code::kInvalidArgument, options.client_key_file.string(),
                   "this file holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----; "
                   "encrypted keys are not supported) (" +
                       reason + ")");
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      openssl_reason();
      return Error(Code::kInvalidArgument, options.client_key_file.string(),
                   "this private key does not belong to the client certificate " +
                       options.client_cert_file.string());
    }
  }

  return core::ok_status();
}

core::Status SyslogSender::Connection::handshake(Clock::time_point until) {
  ssl.reset(SSL_new(ctx.get()));
  BIO* bio = socket_bio_method() != nullptr ? BIO_new(socket_bio_method()) : nullptr;
  if (!ssl || bio == nullptr) {
    BIO_free(bio);
    return Error(Code::kInternal, url, "OpenSSL could not create a TLS connection");
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl.get(), bio, bio);
  // The certificate must name the host as the user wrote it: an IP address against the
  // certificate's IP entries, a name against its DNS entries (RFC 6125; wildcards only as a whole
  // left-most label). SNI carries names only (RFC 6066 forbids addresses there).
  const bool address = is_ipv4(destination.host) || is_ipv6(destination.host);
  bool named = false;
  if (address) {
    named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), destination.host.c_str()) == 1;
  } else {
    SSL_set_hostflags(ssl.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    named = SSL_set1_host(ssl.get(), destination.host.c_str()) == 1 &&
            SSL_set_tlsext_host_name(ssl.get(), destination.host.c_str()) == 1;
  }
  if (!named) {
    return Error(Code::kInternal, url,
                 "OpenSSL could not set the expected host name (" + openssl_reason() + ")");
  }
  start_io(until);
  if (SSL_connect(ssl.get()) != 1) return handshake_error();
  protocol = SSL_get_version(ssl.get());
  return core::ok_status();
}

// --- Sending ---

// The error for a failed TLS read or write; `kind` is SSL_get_error's answer.
Error SyslogSender::Connection::tls_error(int kind, std::string_view doing) {
  const std::string reason = openssl_reason();
  if (kind == SSL_ERROR_ZERO_RETURN) return error("the server ended the TLS session");
  if (timed_out || error_number != 0 || eof || reason.empty()) return error(io_problem(doing));
  std::string message = "the TLS session failed (" + reason + ")";
  if (mentions_client_certificate(reason)) {
    message +=
        "; if the server requires a client certificate, pass --client-cert and "
        "--client-key with one it trusts";
  }
  return error(message);
}

// A syslog server sends nothing, so anything readable is either the end of the connection, a
// reset, a TLS alert, or TLS housekeeping (session tickets), which is read and dropped.
core::Status SyslogSender::Connection::check_still_open() {
  start_io(Clock::now() + options.io_timeout);
  probing = true;
  struct Restore {
    bool& flag;
    ~Restore() { flag = false; }
  } restore{probing};
  char buffer[4096];
  for (;;) {
    std::size_t got = 0;
    if (!ssl) {
      const int result = read_some(buffer, sizeof buffer, &got);
      if (result == 1) continue;
      if (result == -2) return core::ok_status();
      return error(io_problem("answer"));
    }
    ERR_clear_error();
    const int result = SSL_read_ex(ssl.get(), buffer, sizeof buffer, &got);
    if (result == 1) continue;
    if (SSL_get_error(ssl.get(), result) == SSL_ERROR_WANT_READ) {
      ERR_clear_error();
      return core::ok_status();
    }
    return tls_error(SSL_get_error(ssl.get(), result), "answer");
  }
}

core::Status SyslogSender::Connection::send(std::string_view message) {
  if (closed) return error("the connection is closed");
  if (failed) return *failed;
  if (message.empty()) {
    return Error(Code::kInvalidArgument, url, "a syslog message must not be empty");
  }
  if (auto open = check_still_open(); !open) {
    failed = open.error();
    return open;
  }
  std::string frame = std::to_string(message.size());
  frame += ' ';
  frame += message;
  start_io(Clock::now() + options.io_timeout);
  if (ssl) {
    ERR_clear_error();
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl.get(), frame.data(), frame.size(), &written);
    if (result != 1) failed = tls_error(SSL_get_error(ssl.get(), result), "take the data");
  } else if (!write_all(frame.data(), frame.size())) {
    failed = error(io_problem("take the data"));
  }
  if (failed) return *failed;
  ++sent;
  return core::ok_status();
}

// Waits (bounded by the deadline) for the server to end the connection after this side has
// sent everything and half-closed. OK when it does so cleanly, or keeps the connection open with
// every byte acknowledged by its TCP.
core::Status SyslogSender::Connection::await_server_end() {
  char buffer[4096];
  std::size_t got = 0;
  bool tls_over = !ssl;
  for (;;) {
    int read = 0;
    if (!tls_over) {
      // Through TLS, so that an alert (the server refusing this client) is seen as one.
      ERR_clear_error();
      if (SSL_read_ex(ssl.get(), buffer, sizeof buffer, &got) == 1) continue;
      const int kind = SSL_get_error(ssl.get(), 0);
      if (kind == SSL_ERROR_ZERO_RETURN) {  // its close_notify; now wait for its FIN
        tls_over = true;
        continue;
      }
      if (!timed_out && !(eof && error_number == 0)) {
        return error(tls_error(kind, "answer").message() + kUnconfirmed);
      }
      ERR_clear_error();
      read = eof ? 0 : -1;
    } else {
      read = read_some(buffer, sizeof buffer, &got);
      if (read == 1) continue;
    }
    if (read == 0) return core::ok_status();  // closed after reading everything
    if (!timed_out) return error(io_problem("answer") + kUnconfirmed);
    int unacknowledged = 0;
    if (::ioctl(fd, SIOCOUTQ, &unacknowledged) == 0 && unacknowledged == 0) {
      return core::ok_status();
    }
    return error("the server has not acknowledged the last " + std::to_string(unacknowledged) +
                 " bytes within " + seconds_text(options.io_timeout) +
                 "; it may not have received the last events");
  }
}

core::Status SyslogSender::Connection::close() {
  if (closed) return *closed;
  core::Status result;
  if (failed) {
    result = *failed;
  } else if (auto open = check_still_open(); !open) {
    // The server ended the connection on its own. Whether it read everything first cannot be
    // told (its reset for unread bytes may still be on the way), so this is a failure.
    result = error(open.error().message() + kUnconfirmed);
  } else {
    start_io(Clock::now() + options.io_timeout);
    if (ssl) {
      ERR_clear_error();
      if (const int shut = SSL_shutdown(ssl.get()); shut < 0) {
        result = tls_error(SSL_get_error(ssl.get(), shut), "take the data");
      }
    }
    if (result && ::shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN) {
      result = error("the connection failed: " + std::string(std::strerror(errno)));
    }
    if (result) result = await_server_end();
  }
  ssl.reset();
  if (fd >= 0) ::close(fd);
  fd = -1;
  closed = result;
  return result;
}

// --- Public interface ---

std::string_view syslog_scheme(SyslogTransport transport) {
  return transport == SyslogTransport::kTls ? "tls" : "tcp";
}

std::string SyslogDestination::url() const {
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(syslog_scheme(transport)) + "://" + shown + ":" + std::to_string(port);
}

core::Result<SyslogDestination> parse_syslog_destination(std::string_view url) {
  const std::string shown = in_quotes(url);
  const std::size_t separator = url.find("://");
  if (url.empty()) return bad_destination("no destination given");
  if (separator == std::string_view::npos) {
    return bad_destination(shown + " has no scheme");
  }
  SyslogDestination destination;
  const std::string scheme = lower(url.substr(0, separator));
  if (scheme == "tls") {
    destination.transport = SyslogTransport::kTls;
  } else if (scheme == "tcp") {
    destination.transport = SyslogTransport::kTcp;
  } else {
    return bad_destination("unknown scheme " + in_quotes(url.substr(0, separator)) + " in " +
                           shown);
  }
  std::string_view rest = url.substr(separator + 3);
  if (rest.find('@') != std::string_view::npos) {
    return bad_destination(shown +
                           " holds a user name or password, which syslog does not use; for a "
                           "client certificate pass --client-cert and --client-key");
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return bad_destination(shown + " has something after the port (a path, query or fragment)");
  }
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad_destination(shown + " has no closing ']'");
    host = rest.substr(1, close - 1);
    if (!is_ipv6(std::string(host))) {
      return bad_destination(in_quotes(host) + " in brackets is not an IPv6 address");
    }
    rest = rest.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad_destination(shown + " has no port");
    port = rest.substr(1);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad_destination(shown + " has no port");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad_destination(shown +
                             ": write an IPv6 address in brackets, e.g. tls://[2001:db8::1]:6514");
    }
    if (host.empty()) return bad_destination(shown + " has no host");
    if (!is_ipv4(std::string(host)) && !is_host_name(host)) {
      return bad_destination(in_quotes(host) + " is neither a host name nor an IP address");
    }
  }
  unsigned value = 0;
  const auto parsed = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || port.size() > 5 || parsed.ec != std::errc() ||
      parsed.ptr != port.data() + port.size() || value < 1 || value > 65535) {
    return bad_destination("the port " + in_quotes(port) + " in " + shown +
                           " is not a number from 1 to 65535");
  }
  destination.host = lower(host);
  destination.port = static_cast<std::uint16_t>(value);
  return destination;
}

core::Result<SyslogSender> SyslogSender::connect(const SyslogDestination& destination,
                                                 const SyslogSenderOptions& options) {
  auto connection = std::make_unique<Connection>();
  connection->destination = destination;
  connection->options = options;
  connection->url = destination.url();
  const bool tls = destination.transport == SyslogTransport::kTls;
  const bool with_tls_files = !options.ca_file.empty() || !options.client_cert_file.empty() ||
                              !options.client_key_file.empty();
  if (!tls && with_tls_files) {
    return Error(Code::kInvalidArgument, connection->url,
                 "a CA file or client certificate applies to tls:// destinations only");
  }
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return Error(Code::kInvalidArgument, connection->url,
                 "a client certificate needs its private key and the key its certificate: give "
                 "both or neither");
  }
  if (options.connect_timeout.count() <= 0 || options.io_timeout.count() <= 0) {
    return Error(Code::kInvalidArgument, connection->url, "the timeouts must be positive");
  }
  if (tls) {
    if (auto prepared = connection->prepare_tls(); !prepared) return prepared.error();
  }
  const auto until = Clock::now() + options.connect_timeout;
  if (auto connected = connection->connect_socket(until); !connected) return connected.error();
  if (tls) {
    if (auto handshake = connection->handshake(until); !handshake) return handshake.error();
  }
  return SyslogSender(std::move(connection));
}

SyslogSender::SyslogSender(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}
SyslogSender::SyslogSender(SyslogSender&& other) noexcept = default;
SyslogSender& SyslogSender::operator=(SyslogSender&& other) noexcept = default;
SyslogSender::~SyslogSender() = default;

core::Status SyslogSender::send(std::string_view message) {
  return connection_->send(message);
}
core::Status SyslogSender::close() {
  return connection_->close();
}
std::int64_t SyslogSender::sent() const {
  return connection_->sent;
}
const std::string& SyslogSender::peer_address() const {
  return connection_->peer;
}
bool SyslogSender::peer_is_loopback() const {
  return connection_->loopback;
}

std::string SyslogSender::tls_version() const {
  return connection_->protocol;
}

}  // namespace ward::gov
