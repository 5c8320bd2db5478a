#include "cli/api_client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>

#include "core/file.h"
#include "core/json.h"
#include "crypto/tls.h"

namespace ward::cli {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxTokenFileBytes = 1024;

struct ServerAddress {
  std::string host;
  int port = 443;
};

Error bad_server(const std::string& server, const std::string& why) {
  return Error(
      Code::kInvalidArgument, "--server " + server,
      why + "; give the server as https://HOST[:PORT], e.g. https://ward.example.org:8443");
}

// https://HOST[:PORT][/]; HOST may be a bracketed IPv6 literal.
core::Result<ServerAddress> parse_server(const std::string& server) {
  constexpr std::string_view kScheme = "https://";
  if (server.rfind(kScheme, 0) != 0) {
    return bad_server(server, "only https:// is accepted (the API is never spoken in clear)");
  }
  std::string_view rest = std::string_view(server).substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return bad_server(server, "a path, query, user name or space cannot follow the host");
  }
  ServerAddress address;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad_server(server, "an IPv6 address lacks its ']'");
    address.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad_server(server, "junk after the host");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const std::size_t colon = rest.find(':');
    address.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (address.host.empty()) return bad_server(server, "the host is missing");
  if (!port_text.empty() || rest.find(':') != std::string_view::npos) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return bad_server(server, "the port must be a number from 1 to 65535");
    }
    address.port = port;
  }
  return address;
}

core::Result<std::string> read_token(const ServerAccess& remote,
                                     const std::map<std::string, std::string>& environment) {
  if (!remote.token_file.empty()) {
    return core::read_private_file(remote.token_file, "the token file", kMaxTokenFileBytes);
  }
  if (auto it = environment.find("WARD_TOKEN"); it != environment.end() && !it->second.empty()) {
    return it->second;
  }
  return Error(Code::kUnauthenticated, "--server",
               "an API token is needed to use the server's API: put it in a file only you "
               "can read and pass --token-file FILE, or set WARD_TOKEN");
}

// The server's {"error": {"code", "message"}} as an Error; the code's name maps back to its Code.
Error server_error(const std::string& where, int status, const std::string& body) {
  const auto parsed = core::parse_json(body);
  std::string code_text;
  std::string message = fmt::format("the server answered HTTP {}", status);
  if (parsed && parsed->is_object() && parsed->contains("error") &&
      (*parsed)["error"].is_object()) {
    const json& error = (*parsed)["error"];
    if (error.contains("code") && error["code"].is_string()) code_text = error["code"];
    if (error.contains("message") && error["message"].is_string()) message = error["message"];
  }
  for (Code code :
       {Code::kInvalidArgument, Code::kNotFound, Code::kAlreadyExists, Code::kPermissionDenied,
        Code::kUnauthenticated, Code::kFailedPrecondition, Code::kResourceExhausted,
        Code::kUnavailable, Code::kDataLoss, Code::kCancelled}) {
    if (core::code_name(code) == code_text) return Error(code, where, message);
  }
  return Error(status >= 500 ? Code::kUnavailable : Code::kInvalidArgument, where, message);
}

}  // namespace

ApiClient::ApiClient(std::string host, int port, std::string ca_file, std::string token,
                     std::string user_agent)
    : host_(std::move(host)),
      port_(port),
      ca_file_(std::move(ca_file)),
      token_(std::move(token)),
      user_agent_(std::move(user_agent)) {}

core::Result<ApiClient> ApiClient::connect(const ServerAccess& remote,
                                           const std::map<std::string, std::string>& environment,
                                           std::string user_agent) {
  auto address = parse_server(remote.server);
  if (!address) return address.error();
  auto token = read_token(remote, environment);
  if (!token) return token.error();
  return ApiClient(address->host, address->port, remote.ca_file, std::move(*token),
                   std::move(user_agent));
}

core::Result<json> ApiClient::get(const std::string& path) const {
  return send("GET", path, nullptr);
}

core::Result<json> ApiClient::post(const std::string& path, const json& body) const {
  return send("POST", path, &body);
}

core::Result<json> ApiClient::remove(const std::string& path) const {
  return send("DELETE", path, nullptr);
}

core::Result<json> ApiClient::send(const std::string& method, const std::string& path,
                                   const json* body) const {
  const std::string where = fmt::format("{} https://{}:{}{}", method, host_, port_, path);
  httplib::SSLClient client(host_, port_);
  if (!ca_file_.empty()) client.set_ca_cert_path(ca_file_.c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(kConnectTimeout);
  client.set_read_timeout(kReadTimeout);
  client.set_write_timeout(kReadTimeout);
  client.set_decompress(false);  // no compressed replies: some carry a token (BREACH)
  if (auto policy = crypto::apply_tls_policy(client.ssl_context()); !policy) {
    return policy.error();
  }
  const httplib::Headers headers = {{"Authorization", "Bearer " + token_},
                                    {"User-Agent", user_agent_}};
  httplib::Result result =
      method == "GET" ? client.Get(path.c_str(), headers)
      : method == "DELETE"
          ? client.Delete(path.c_str(), headers)
          : client.Post(path.c_str(), headers, body ? body->dump() : "{}", "application/json");
  if (!result) {
    const long verify = client.get_openssl_verify_result();
    std::string why = httplib::to_string(result.error());
    if (verify != X509_V_OK) {
      why = fmt::format(
          "the server's certificate was refused ({}); pass --ca FILE with the CA "
          "that signed it (for the generated one, <data dir>/tls/server.crt)",
          X509_verify_cert_error_string(verify));
    }
    return Error(Code::kUnavailable, where, "no answer from the server: " + why);
  }
  if (result->status < 200 || result->status >= 300) {
    return server_error(where, result->status, result->body);
  }
  auto reply = core::parse_json(result->body);
  if (!reply) {
    return Error(Code::kUnavailable, where,
                 "the server's answer " + reply.error().message() + "; is this a Ward server?");
  }
  return reply;
}

}  // namespace ward::cli
