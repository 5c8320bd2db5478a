#pragma once
// Test doubles for shipping audit events to syslog: a throwaway certificate authority that issues
// server and client certificates (OpenSSL APIs, nothing from the code under test), and a syslog
// receiver on loopback that accepts one connection, plain TCP or TLS, and parses octet-counted
// frames (RFC 6587 §3.4.1 / RFC 5425 §4.3) strictly. Used by the gov audit tests and the CLI
// tests. Each object belongs to one test; the receiver's thread is its own.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ward::gov::testing {

// A CA with an ECDSA P-256 key and a self-signed CA certificate, held in memory.
class TestCa {
 public:
  explicit TestCa(const std::string& name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // Writes the CA certificate as PEM.
  void write_certificate(const std::filesystem::path& path) const;

  struct Leaf {
    std::string common_name = "syslog test";
    std::string alt_names = "DNS:localhost,IP:127.0.0.1";  // X.509v3 config syntax
    int valid_from_days = -1;                              // relative to now
    int valid_to_days = 30;
    bool client = false;  // extended key usage clientAuth instead of serverAuth
  };
  // Issues a certificate signed by this CA and writes it and its new key as PEM.
  void issue(const Leaf& leaf, const std::filesystem::path& cert_path,
             const std::filesystem::path& key_path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SyslogReceiverOptions {
  std::string bind_address = "127.0.0.1";
  bool tls = false;
  std::filesystem::path cert_file;       // TLS: the server's certificate
  std::filesystem::path key_file;        // TLS: its key
  std::filesystem::path client_ca_file;  // TLS: when set, require a client certificate from it
  int max_tls_version = 0;  // TLS: e.g. TLS1_1_VERSION (the server then allows old versions)
  int close_after = -1;     // close the connection after this many frames (-1: when the peer does)
  bool hold = false;        // after the handshake, read nothing until release()
};

struct SyslogReceived {
  bool connected = false;
  bool handshake_ok = false;
  std::string handshake_error;  // OpenSSL's reason when the TLS handshake failed
  std::string server_name;      // the SNI the client sent; empty when none
  std::string client_subject;   // the client certificate's subject (mutual TLS)
  std::string protocol;         // e.g. "TLSv1.3"
  std::vector<std::string> frames;
  std::string raw;             // every byte read after the handshake
  std::string framing_error;   // set when the bytes were not valid octet-counted frames
  bool ended_by_peer = false;  // the client closed the connection
};

class SyslogReceiver {
 public:
  explicit SyslogReceiver(SyslogReceiverOptions options);
  ~SyslogReceiver();
  SyslogReceiver(const SyslogReceiver&) = delete;
  SyslogReceiver& operator=(const SyslogReceiver&) = delete;

  int port() const { return port_; }
  // Lets a `hold` receiver start reading.
  void release();
  // Waits for the connection to end (or 20 s) and returns what arrived.
  const SyslogReceived& wait();

 private:
  void run();
  void serve(int fd);

  SyslogReceiverOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connection_fd_{-1};
  std::mutex mutex_;
  std::condition_variable released_cv_;
  bool released_ = false;
  SyslogReceived received_;
  std::thread thread_;
};

// A port on 127.0.0.1 with nothing listening (bound once, then closed).
int closed_port();

}  // namespace ward::gov::testing
