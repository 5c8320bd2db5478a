#include "server/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "crypto/tls.h"
#include "server/api_routes.h"
#include "server/assist_routes.h"
#include "server/auth_routes.h"
#include "server/http_error.h"
#include "server/scan_routes.h"
#include "ward/version.h"

namespace ward::server {
namespace {

using core::Code;
using core::Error;

// Checks the certificate and key with the same rules `ward doctor` uses, so a missing, garbled,
// expired or mismatched pair is reported by name before any socket is opened.
core::Status check_tls_files(const ServerOptions& options) {
  auto info = crypto::inspect_certificate(options.tls_cert, options.tls_key);
  if (!info) return info.error();
  return crypto::check_serving_certificate(*info, std::chrono::system_clock::now());
}

// Mutual TLS: the handshake fails for a client without a certificate from one of the CAs in
// server.tls_client_ca, before any request is read.
bool require_client_certificates(SSL_CTX& ctx, const ServerOptions& options,
                                 std::optional<Error>& error) {
  const std::string file = options.tls_client_ca.string();
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file.c_str());
  if (names == nullptr || SSL_CTX_load_verify_locations(&ctx, file.c_str(), nullptr) != 1) {
    if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
    error = Error(Code::kFailedPrecondition, file,
                  "OpenSSL cannot load the client CA certificates from this file; it must hold "
                  "one or more PEM certificates (server.tls_client_ca)");
    return false;
  }
  SSL_CTX_set_client_CA_list(&ctx, names);  // takes ownership
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return true;
}

// Loads the checked pair into the context cpp-httplib creates and applies the TLS policy. Errors
// are recorded in `error` because httplib's callback can only say yes or no.
bool configure_tls(SSL_CTX& ctx, const ServerOptions& options, std::optional<Error>& error) {
  if (SSL_CTX_use_certificate_chain_file(&ctx, options.tls_cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(&ctx, options.tls_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = Error(Code::kFailedPrecondition, options.tls_cert.string(),
                  "OpenSSL cannot load this certificate and key; check both are PEM files "
                  "(server.tls_cert, server.tls_key)");
    return false;
  }
  if (auto status = crypto::apply_tls_policy(&ctx); !status) {
    error = status.error();
    return false;
  }
  return options.tls_client_ca.empty() || require_client_certificates(ctx, options, error);
}

// SO_REUSEADDR lets a restarted server bind while old connections linger in TIME_WAIT.
// cpp-httplib's default also sets SO_REUSEPORT, which would let another process bind the same
// port and receive a share of the connections; Ward must own its port alone.
void exclusive_socket_options(int socket) {
  int yes = 1;
  setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

std::string format_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// How often the accept loop wakes up when idle, to notice a stop requested before it started.
constexpr long kIdleTickMicros = 200'000;

// cpp-httplib's thread pool, plus a hook the accept loop calls when it has been idle a tick.
class WorkerPool final : public httplib::ThreadPool {
 public:
  WorkerPool(int threads, std::function<void()> on_idle_tick)
      : httplib::ThreadPool(static_cast<std::size_t>(threads)),
        on_idle_tick_(std::move(on_idle_tick)) {}
  void on_idle() override { on_idle_tick_(); }

 private:
  std::function<void()> on_idle_tick_;
};

class HttpsServer final : public Server {
 public:
  HttpsServer(const ServerOptions& options, std::optional<Error>& error)
      : options_(options),
        http_([&](SSL_CTX& ctx) { return configure_tls(ctx, options_, error); }) {}

  core::Status bind() {
    configure_limits();
    install_routes();
    errno = 0;
    port_ =
        options_.listen.port == 0
            ? http_.bind_to_any_port(options_.listen.host)
            : (http_.bind_to_port(options_.listen.host, options_.listen.port) ? options_.listen.port
                                                                              : -1);
    if (port_ > 0) return {};
    const int saved = errno;
    const std::string where =
        format_host(options_.listen.host) + ":" + std::to_string(options_.listen.port);
    if (saved == EADDRINUSE) {
      return Error(Code::kUnavailable, where,
                   "the address is already in use; stop the other process or choose another "
                   "port with --listen or server.listen");
    }
    return Error(Code::kUnavailable, where,
                 "cannot listen on this address" +
                     (saved != 0 ? " (" + core::errno_text(saved) + ")" : std::string()) +
                     "; check the host is an address of this machine and the port is free");
  }

  bool tls_ready() const { return http_.is_valid(); }
  int port() const override { return port_; }
  std::string url() const override {
    return fmt::format("https://{}:{}", format_host(options_.listen.host), port_);
  }

  core::Status run() override {
    if (!http_.listen_after_bind()) {
      return Error(Code::kUnavailable, url(), "the listener stopped unexpectedly; see the log");
    }
    return {};
  }

  // httplib's stop() does nothing before its accept loop has started, so the request is also
  // recorded for the loop's idle callback, which stops it at the next idle tick.
  void stop() override {
    stop_requested_ = true;
    http_.stop();
  }

 private:
  void configure_limits() {
    const int threads = options_.worker_threads;
    http_.new_task_queue = [this, threads] {
      return new WorkerPool(threads, [this] {
        if (stop_requested_) http_.stop();
      });
    };
    http_.set_idle_interval(0, kIdleTickMicros);
    http_.set_payload_max_length(options_.max_request_body);
    http_.set_read_timeout(options_.read_timeout_seconds, 0);
    http_.set_write_timeout(options_.write_timeout_seconds, 0);
    http_.set_keep_alive_timeout(options_.keep_alive_timeout_seconds);
    http_.set_keep_alive_max_count(100);
    // Replies are written in pieces (headers, then body or events); with Nagle's algorithm each
    // reply on a kept-alive connection waited for the client's delayed ACK, about 40 ms.
    http_.set_tcp_nodelay(true);
    http_.set_socket_options(exclusive_socket_options);
  }

  void install_routes() {
    http_.set_default_headers({
        {"Strict-Transport-Security", "max-age=31536000"},
        {"X-Content-Type-Options", "nosniff"},
        {"Cache-Control", "no-store"},
    });
    http_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      nlohmann::json body = {{"status", "ok"}, {"version", kVersion}};
      res.set_content(body.dump(), "application/json");
    });
    if (options_.gateway) install_api_routes(http_, *options_.gateway);
    if (options_.gateway && options_.assist) {
      install_assist_routes(http_, *options_.gateway, *options_.assist);
    }
    if (options_.gateway && options_.scan) {
      install_scan_routes(http_, *options_.gateway, *options_.scan);
    }
    if (options_.sign_in) install_auth_routes(http_, *options_.sign_in);
    http_.set_error_handler(
        [limit = options_.max_request_body](const httplib::Request& req, httplib::Response& res) {
          if (!res.body.empty()) return;
          const int status = res.status;
          write_error(res, status_error(status, req.method, req.path, limit));
          res.status = status;  // keep httplib's precise status (413, 405, …) over the generic one
        });
    http_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          spdlog::error("a request handler threw; answered 500");
          write_error(res, Error(Code::kInternal, "", "internal error; see the server log"));
        });
    http_.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      spdlog::info("{} {} {}", req.method, req.path, res.status);
    });
  }

  ServerOptions options_;
  httplib::SSLServer http_;
  int port_ = -1;
  std::atomic<bool> stop_requested_ = false;
};

}  // namespace

core::Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options) {
  if (auto status = check_tls_files(options); !status) return status.error();
  std::optional<Error> tls_error;
  auto server = std::make_unique<HttpsServer>(options, tls_error);
  if (!server->tls_ready()) {
    return tls_error.value_or(
        Error(Code::kInternal, options.tls_cert.string(), "the TLS context could not be created"));
  }
  if (auto status = server->bind(); !status) return status.error();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace ward::server
