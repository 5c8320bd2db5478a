#pragma once
// The upstream backend: any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, TGI, a
// cloud endpoint, another `ward serve`) reached over HTTPS. Plain text prompts go to
// /completions, fill-in-the-middle requests to /completions with OpenAI's `suffix`, and
// conversations to /chat/completions with their messages, which the upstream lays out in its own
// chat format. Streamed (server-sent events) when the caller streams, so text reaches the client
// as the upstream produces it.
//
// What self-hosted deployments need: TLS 1.2 or newer with the server's certificate and name
// checked (against a CA bundle of the organisation's own, when given); plain HTTP only to a
// loopback address; an HTTP(S) proxy; connect and read timeouts; bounded retries with
// exponential backoff for failures before any text arrived (no connection, 429, 502, 503, 504).
// Failures are kBadGateway (no connection, a refusal, an answer that is not OpenAI's JSON: 502)
// or kDeadlineExceeded (no answer within the read timeout: 504), naming the upstream, never
// echoing its API key.
//
// Threads: as Backend (each request uses its own connection).

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "backend/backend.h"

namespace ward::backend {

struct UpstreamOptions {
  std::string name{};                 // the model's name at Ward
  std::string url{};                  // the upstream's base URL, e.g. https://vllm.internal:8000/v1
  std::string upstream_model{};       // the model's name at the upstream; empty: `name`
  std::string api_key{};              // sent as a Bearer token; empty: none
  std::filesystem::path ca_bundle{};  // PEM CAs to trust; empty: the system's
  std::string proxy{};                // http://HOST:PORT; empty: none
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{120000};  // between bytes of the answer
  int retries = 2;                                 // after the first try
  int32_t context_length = 4096;                   // what the upstream model accepts
  std::string region{};
};

class OpenAiBackend final : public Backend {
 public:
  // Checks the options (kInvalidArgument naming the field: a URL that is not http(s), plain
  // HTTP to a host that is not loopback, a bad proxy, negative timeouts). Connects to nothing.
  static core::Result<std::unique_ptr<OpenAiBackend>> create(UpstreamOptions options);

  const ModelInfo& info() const override { return info_; }
  core::Result<Generation> generate(const GenerationRequest& request, const TextSink& sink,
                                    std::atomic<bool>& stop) override;

  struct Endpoint {
    bool tls = true;
    std::string host;
    int port = 443;
    std::string base_path;  // e.g. "/v1"
  };

 private:
  OpenAiBackend(UpstreamOptions options, Endpoint endpoint, Endpoint proxy, ModelInfo info)
      : options_(std::move(options)),
        endpoint_(std::move(endpoint)),
        proxy_(std::move(proxy)),
        info_(std::move(info)) {}

  UpstreamOptions options_;
  Endpoint endpoint_;
  Endpoint proxy_;  // host empty: no proxy
  ModelInfo info_;
};

}  // namespace ward::backend
