#pragma once
// `ward serve`'s HTTPS listener: the one place where Ward accepts network connections.
//
// Every response is JSON, carries security headers and is access-logged (method, path, status,
// duration; never query strings, headers or bodies, which may hold secrets). The TLS settings
// come from crypto::apply_tls_policy, so they match every other Ward endpoint.
//
// Threading: create() and the accessors on one thread; run() blocks that thread and serves
// requests on a pool of worker threads; stop() may be called from any thread (a signal-watcher
// thread, a test) and makes run() return once in-flight requests have finished.

#include <filesystem>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/error.h"

namespace ward::server {

class Gateway;
class SignIn;
struct AssistContext;
struct ScanContext;

struct ServerOptions {
  core::ListenAddress listen;
  std::filesystem::path tls_cert;  // PEM chain
  std::filesystem::path tls_key;   // PEM private key
  // Set: mutual TLS — a client without a certificate issued by a CA in this PEM file is refused
  // in the handshake.
  std::filesystem::path tls_client_ca;
  // A keep-alive connection holds its worker between requests, so this bounds the clients served
  // at once; others wait for their TLS handshake. Workers mostly wait on sockets or model slots.
  int worker_threads = 64;
  std::size_t max_request_body = 1 << 20;  // bytes; larger requests get 413
  int read_timeout_seconds = 15;           // per header or body read
  int write_timeout_seconds = 15;
  int keep_alive_timeout_seconds = 5;
  // The governed API (authentication, quotas, policy, audit). Without one, only /healthz is
  // served. Must outlive the server.
  Gateway* gateway = nullptr;
  // Single sign-on (/auth/login, /auth/callback, /auth/logout) when [oidc] is configured; without
  // it those paths answer 404. Must outlive the server.
  SignIn* sign_in = nullptr;
  // Completion and the OpenAI-compatible routes, when models are configured; without it those
  // paths answer 404. Must outlive the server.
  AssistContext* assist = nullptr;
  // POST /api/v1/scan with the rules loaded at start; without it that path answers 404. Must
  // outlive the server.
  const ScanContext* scan = nullptr;
};

class Server {
 public:
  // Loads the certificate and key and binds the listening socket, so that a bad certificate or a
  // port in use is reported before anything is printed. Returns an error naming the problem.
  static core::Result<std::unique_ptr<Server>> create(const ServerOptions& options);
  virtual ~Server() = default;

  // The port actually bound (differs from the requested one when that was 0).
  virtual int port() const = 0;
  // e.g. "https://127.0.0.1:8443"
  virtual std::string url() const = 0;
  // Serves until stop() is called; returns an error if the listener fails.
  virtual core::Status run() = 0;
  virtual void stop() = 0;
};

}  // namespace ward::server
