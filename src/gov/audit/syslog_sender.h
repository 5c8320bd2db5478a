#pragma once
// Shipping exported audit lines to a remote syslog server over a stream: plain TCP with octet
// counting (RFC 6587 §3.4.1) or TLS (RFC 5425, the same framing: `MSG-LEN SP MSG`, MSG-LEN the
// decimal byte count of MSG). One SyslogSender is one connection; `ward audit export --to` makes
// one per export (docs/audit.md, "Sending to a syslog server").
//
// TLS uses Ward's one TLS policy (crypto::apply_tls_policy: TLS 1.2 minimum, AEAD only) and always
// verifies the server: its certificate chain against the CA file given (or the system's trust
// store) and its name against the host of the destination (DNS names and IP addresses, RFC 6125),
// with SNI for names. A client certificate is presented when configured (mutual TLS). Plain TCP
// is only ever used for a tcp:// destination, which the caller asked for by name.
//
// Every network wait is bounded (connect, handshake, each write, the closing exchange), and
// SIGPIPE is never raised. Syslog over TCP has no acknowledgements, so "sent" below means written
// to the connection: a server that fails may not have kept the last events sent before the
// failure. close() closes that window for the end of a stream: it waits for the server to end the
// connection after reading everything, and fails when the server reset it instead (it dropped
// unread events) or had ended it first.
//
// Thread-safety: a SyslogSender is used by one thread at a time; different senders are
// independent. parse_syslog_destination is a pure function.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ward::gov {

enum class SyslogTransport { kTcp, kTls };

// "tcp" or "tls".
std::string_view syslog_scheme(SyslogTransport transport);

// Where to send: the parts of a `tcp://HOST:PORT` or `tls://HOST:PORT` URL.
struct SyslogDestination {
  SyslogTransport transport = SyslogTransport::kTls;
  std::string host;  // a DNS name, an IPv4 address, or an IPv6 address without its brackets
  std::uint16_t port = 0;

  // The normalized URL, e.g. "tls://siem.example.org:6514" or "tcp://[::1]:514".
  std::string url() const;
};

// Parses `tcp://HOST:PORT` or `tls://HOST:PORT`: the scheme (either case), a host name, an IPv4
// address or a bracketed IPv6 address, and a port 1–65535; nothing else (no user name or
// password, no path). Errors (kInvalidArgument, `where` empty) say what is wrong and show the form.
core::Result<SyslogDestination> parse_syslog_destination(std::string_view url);

struct SyslogSenderOptions {
  // TLS only. The CA certificates (PEM) that may issue the server's certificate; empty: the
  // system's trust store.
  std::filesystem::path ca_file;
  // TLS only, both or neither: the client certificate (PEM, optionally followed by its chain) and
  // its unencrypted private key, for servers that require mutual TLS.
  std::filesystem::path client_cert_file;
  std::filesystem::path client_key_file;
  // Name resolution follows the system resolver's own timeouts; connecting to the addresses and
  // the TLS handshake together take at most connect_timeout.
  std::chrono::milliseconds connect_timeout{10'000};
  // The longest wait for one frame to be written, and for the server to end the connection in
  // close().
  std::chrono::milliseconds io_timeout{10'000};
};

class SyslogSender {
 public:
  // Resolves the host, connects to its addresses in order until one answers, and for TLS performs
  // the handshake with the verification above. Errors (`where` is the destination's URL):
  // kInvalidArgument for unusable options or files (the message names the file), kNotFound when a
  // file is missing, kUnavailable when the name does not resolve, the connection is refused or
  // times out, or the handshake fails, kUnauthenticated when the server's certificate does not
  // verify (the message says why: not issued by a trusted CA, issued for another name, expired or
  // not yet valid).
  static core::Result<SyslogSender> connect(const SyslogDestination& destination,
                                            const SyslogSenderOptions& options = {});

  SyslogSender(SyslogSender&& other) noexcept;
  SyslogSender& operator=(SyslogSender&& other) noexcept;
  ~SyslogSender();  // closes the connection without waiting

  // Writes one frame, `MSG-LEN SP message`. It first checks whether the server has ended or reset
  // the connection (a syslog server sends nothing, so anything it sends is read and dropped).
  // Errors are kUnavailable (closed or reset by the server, a write that timed out, a TLS alert)
  // and kInvalidArgument for an empty message; after an error the sender refuses further sends.
  core::Status send(std::string_view message);

  // Ends the connection: for TLS sends close_notify, then half-closes and waits up to io_timeout
  // for the server to close its side, which it does only after reading everything before this
  // side's end. OK when it does, or when it keeps the connection open but its TCP acknowledged
  // every byte. kUnavailable when it reset the connection, had already ended it on its own
  // (whether it read everything then cannot be known), or left bytes unacknowledged. Further
  // calls return the first result.
  core::Status close();

  // The number of frames send() wrote completely.
  std::int64_t sent() const;
  // The address connected to, e.g. "192.0.2.7:6514" or "[::1]:514".
  const std::string& peer_address() const;
  // Whether that address is a loopback address (127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104), where
  // plain TCP never leaves the machine.
  bool peer_is_loopback() const;
  // The negotiated protocol, e.g. "TLSv1.3", also after close(); empty for plain TCP.
  std::string tls_version() const;

 private:
  struct Connection;
  explicit SyslogSender(std::unique_ptr<Connection> connection);
  std::unique_ptr<Connection> connection_;
};

}  // namespace ward::gov
