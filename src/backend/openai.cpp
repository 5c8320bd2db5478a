#include "backend/openai.h"

#include <fmt/format.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/json.h"
#include "crypto/tls.h"

namespace ward::backend {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr size_t kMaxErrorEcho = 300;  // bytes of an upstream's error text quoted back

Error invalid(std::string field, std::string message) {
  return Error(Code::kInvalidArgument, std::move(field), std::move(message));
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

core::Result<OpenAiBackend::Endpoint> parse_url(const std::string& url, const std::string& field) {
  OpenAiBackend::Endpoint endpoint;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
    endpoint.tls = false;
    endpoint.port = 80;
  } else {
    return invalid(field, fmt::format("\"{}\" is not an http(s):// URL", url));
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  endpoint.base_path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (endpoint.base_path.ends_with('/')) endpoint.base_path.pop_back();
  if (authority.starts_with('[')) {  // [IPv6]:PORT
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid(field, "unclosed [ in the host");
    endpoint.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
  } else {
    const size_t colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    authority.remove_prefix(colon == std::string_view::npos ? authority.size() : colon);
  }
  if (authority.starts_with(':')) {
    const std::string port(authority.substr(1));
    try {
      endpoint.port = std::stoi(port);
    } catch (const std::exception&) {
      endpoint.port = -1;
    }
    if (endpoint.port < 1 || endpoint.port > 65535) {
      return invalid(field, fmt::format("\"{}\" is not a port", port));
    }
  }
  if (endpoint.host.empty()) return invalid(field, fmt::format("\"{}\" names no host", url));
  return endpoint;
}

// The request body and the path it goes to.
std::pair<std::string, json> body_for(const GenerationRequest& request, const std::string& model,
                                      bool stream) {
  json body = {{"model", model},
               {"max_tokens", request.max_tokens},
               {"temperature", request.sampler.temperature},
               {"stream", stream}};
  if (request.sampler.temperature > 0) {
    body["top_p"] = request.sampler.top_p;
    body["seed"] = request.sampler.seed;
  }
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (stream) body["stream_options"] = {{"include_usage", true}};
  if (const auto* chat = std::get_if<ChatPrompt>(&request.prompt)) {
    json messages = json::array();
    for (const auto& m : chat->messages) {
      messages.push_back({{"role", infer::chat::role_name(m.role)}, {"content", m.content}});
    }
    body["messages"] = std::move(messages);
    return {"/chat/completions", body};
  }
  if (const auto* fim = std::get_if<infer::fim::Request>(&request.prompt)) {
    body["prompt"] = fim->prefix;
    body["suffix"] = fim->suffix;
  } else {
    body["prompt"] = std::get<TextPrompt>(request.prompt).text;
  }
  return {"/completions", body};
}

// One choice's text, from a whole answer or a streamed chunk, chat or completion shaped.
std::string choice_text(const json& choice) {
  if (const auto it = choice.find("text"); it != choice.end() && it->is_string()) return *it;
  for (const char* key : {"delta", "message"}) {
    const auto part = choice.find(key);
    if (part != choice.end() && part->is_object()) {
      const auto content = part->find("content");
      if (content != part->end() && content->is_string()) return *content;
    }
  }
  return {};
}

FinishReason finish_of(const json& choice, FinishReason fallback) {
  const auto it = choice.find("finish_reason");
  if (it == choice.end() || !it->is_string()) return fallback;
  return *it == "length" ? FinishReason::kLength : FinishReason::kStop;
}

void take_usage(const json& answer, Generation& generation) {
  const auto usage = answer.find("usage");
  if (usage == answer.end() || !usage->is_object()) return;
  generation.prompt_tokens = usage->value("prompt_tokens", generation.prompt_tokens);
  generation.completion_tokens = usage->value("completion_tokens", generation.completion_tokens);
}

// Reads server-sent events as they arrive and hands each chunk's text to the sink.
class EventStream {
 public:
  EventStream(const TextSink& sink, Generation& generation, std::string where)
      : sink_(sink), generation_(generation), where_(std::move(where)) {}

  // False once the stream is finished or broken (the error is then in failure()).
  bool feed(const char* data, size_t size) {
    buffer_.append(data, size);
    for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
      const std::string event = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      if (!handle(event)) return false;
    }
    return true;
  }

  bool done() const { return done_; }
  int pieces() const { return pieces_; }
  const std::optional<Error>& failure() const { return failure_; }

 private:
  bool handle(std::string_view event) {
    while (!event.empty()) {
      const size_t end = event.find('\n');
      std::string_view line = event.substr(0, end);
      event.remove_prefix(end == std::string_view::npos ? event.size() : end + 1);
      if (!line.starts_with("data:")) continue;  // comments and other fields
      line.remove_prefix(5);
      while (line.starts_with(' ')) line.remove_prefix(1);
      if (line == "[DONE]") {
        done_ = true;
        return false;
      }
      const auto parsed = core::parse_json(line);
      if (!parsed || !parsed->is_object())
        return fail("streamed something that is not OpenAI's JSON");
      const json& chunk = *parsed;
      if (chunk.contains("error")) return fail("reported an error: " + chunk["error"].dump());
      take_usage(chunk, generation_);
      const auto choices = chunk.find("choices");
      if (choices == chunk.end() || !choices->is_array() || choices->empty()) continue;
      const std::string text = choice_text((*choices)[0]);
      generation_.finish = finish_of((*choices)[0], generation_.finish);
      if (!text.empty()) {
        generation_.text += text;
        ++pieces_;
        if (sink_) sink_(text);
      }
    }
    return true;
  }

  bool fail(std::string message) {
    failure_ = Error(Code::kBadGateway, where_, "the upstream " + std::move(message));
    return false;
  }

  const TextSink& sink_;
  Generation& generation_;
  std::string where_;
  std::string buffer_;
  bool done_ = false;
  int pieces_ = 0;
  std::optional<Error> failure_;
};

std::unique_ptr<httplib::ClientImpl> client_for(const OpenAiBackend::Endpoint& endpoint,
                                                const UpstreamOptions& options,
                                                const OpenAiBackend::Endpoint& proxy,
                                                core::Status& status) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (endpoint.tls) {
    auto tls = std::make_unique<httplib::SSLClient>(endpoint.host, endpoint.port);
    if (!options.ca_bundle.empty()) tls->set_ca_cert_path(options.ca_bundle.c_str());
    tls->enable_server_certificate_verification(true);
    status = crypto::apply_tls_policy(tls->ssl_context());
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(endpoint.host, endpoint.port);
  }
  const auto seconds = [](std::chrono::milliseconds ms) {
    return std::pair<time_t, time_t>{ms.count() / 1000, (ms.count() % 1000) * 1000};
  };
  client->set_connection_timeout(seconds(options.connect_timeout).first,
                                 seconds(options.connect_timeout).second);
  client->set_read_timeout(seconds(options.read_timeout).first,
                           seconds(options.read_timeout).second);
  client->set_write_timeout(seconds(options.read_timeout).first,
                            seconds(options.read_timeout).second);
  if (!proxy.host.empty()) client->set_proxy(proxy.host, proxy.port);
  if (!options.api_key.empty()) client->set_bearer_token_auth(options.api_key);
  return client;
}

bool worth_retrying(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

}  // namespace

core::Result<std::unique_ptr<OpenAiBackend>> OpenAiBackend::create(UpstreamOptions options) {
  auto endpoint = parse_url(options.url, "url");
  if (!endpoint) return endpoint.error();
  if (!endpoint->tls && !is_loopback(endpoint->host)) {
    return invalid("url", fmt::format("plain http:// is allowed only to this machine ({}); use "
                                      "https:// so prompts are encrypted in transit",
                                      endpoint->host));
  }
  Endpoint proxy;
  if (!options.proxy.empty()) {
    auto parsed = parse_url(options.proxy, "proxy");
    if (!parsed) return parsed.error();
    proxy = *parsed;
  }
  if (options.connect_timeout.count() <= 0 || options.read_timeout.count() <= 0) {
    return invalid("timeouts", "connect and read timeouts must be positive");
  }
  if (options.retries < 0 || options.retries > 10) {
    return invalid("retries", fmt::format("must be between 0 and 10, got {}", options.retries));
  }
  if (options.upstream_model.empty()) options.upstream_model = options.name;
  ModelInfo info{.name = options.name,
                 .kind = "openai",
                 .region = options.region,
                 .context_length = options.context_length,
                 .fill_in_the_middle = true,
                 .fim_format = "",
                 .random_weights = false,
                 .chat_layout = "upstream"};
  return std::unique_ptr<OpenAiBackend>(new OpenAiBackend(std::move(options), std::move(*endpoint),
                                                          std::move(proxy), std::move(info)));
}

core::Result<Generation> OpenAiBackend::generate(const GenerationRequest& request,
                                                 const TextSink& sink, std::atomic<bool>& stop) {
  const bool stream = sink != nullptr;
  const auto [path, body] = body_for(request, options_.upstream_model, stream);
  const std::string where = options_.url + path;
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (int attempt = 0;; ++attempt) {
    if (stop.load()) return Error(Code::kCancelled, "inference", "the request was cancelled");
    core::Status setup = core::ok_status();
    auto client = client_for(endpoint_, options_, proxy_, setup);
    if (!setup) return setup.error();
    Generation generation;
    EventStream events(sink, generation, where);
    httplib::Request req;
    req.method = "POST";
    req.path = endpoint_.base_path + path;
    req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "ward"}};
    req.body = body.dump();
    std::string whole;
    httplib::Response res;
    req.response_handler = [&](const httplib::Response& r) {
      res.status = r.status;
      return true;
    };
    req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
      if (stop.load()) return false;
      if (!stream || res.status != 200) {
        whole.append(data, size);
        return whole.size() < (64u << 20);
      }
      return events.feed(data, size) || events.done();
    };
    httplib::Error error = httplib::Error::Success;
    const auto started = std::chrono::steady_clock::now();
    const bool sent = client->send(req, res, error);
    const auto waited = std::chrono::steady_clock::now() - started;
    if (stop.load()) {
      generation.finish = FinishReason::kCancelled;
      return generation;
    }
    if (events.failure()) return *events.failure();
    const bool nothing_yet = events.pieces() == 0;
    if (!sent && error != httplib::Error::Canceled) {
      // httplib reports a read timeout and a connection reset alike (Read); the time tells.
      const bool timeout =
          error == httplib::Error::ConnectionTimeout ||
          (error == httplib::Error::Read && waited >= options_.read_timeout * 9 / 10);
      if (nothing_yet && attempt < options_.retries && !timeout) {
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
        continue;
      }
      if (timeout) {
        return Error(Code::kDeadlineExceeded, where,
                     fmt::format("the upstream did not answer within {} ms; it may be overloaded "
                                 "(read_timeout_ms raises the limit)",
                                 options_.read_timeout.count()));
      }
      return Error(Code::kBadGateway, where,
                   "could not reach the upstream: " + httplib::to_string(error) +
                       (error == httplib::Error::SSLServerVerification
                            ? "; its certificate is not trusted (set ca_bundle)"
                            : ""));
    }
    if (res.status != 200) {
      if (worth_retrying(res.status) && attempt < options_.retries) {
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
        continue;
      }
      return Error(
          Code::kBadGateway, where,
          fmt::format("the upstream answered {}: {}", res.status, whole.substr(0, kMaxErrorEcho)));
    }
    if (stream) {
      if (!events.done()) {
        return Error(Code::kBadGateway, where, "the upstream's stream ended before [DONE]");
      }
      if (generation.completion_tokens == 0) generation.completion_tokens = events.pieces();
      return generation;
    }
    const auto parsed = core::parse_json(whole);
    if (!parsed || !parsed->is_object() || !parsed->contains("choices") ||
        !(*parsed)["choices"].is_array() || (*parsed)["choices"].empty()) {
      return Error(Code::kBadGateway, where, "the upstream's answer is not OpenAI's JSON");
    }
    const json& answer = *parsed;
    generation.text = choice_text(answer["choices"][0]);
    generation.finish = finish_of(answer["choices"][0], FinishReason::kStop);
    take_usage(answer, generation);
    return generation;
  }
}

}  // namespace ward::backend
