#include "server/assist_requests.h"

#include <fmt/format.h>

namespace ward::server {

using core::Code;
using core::Error;
using nlohmann::json;

namespace {

constexpr size_t kMaxRelatedFiles = 16;

core::Result<int32_t> int32_in(const Fields& f, const char* name, int64_t fallback, int64_t low,
                               int64_t high) {
  auto value = f.integer(name, fallback);
  if (!value) return value.error();
  if (*value < low || *value > high) {
    return invalid(name, fmt::format("must be between {} and {}, got {}", low, high, *value));
  }
  return static_cast<int32_t>(*value);
}

// [{"path": string, "content": string}, ...] under `field`, at most kMaxRelatedFiles.
core::Result<std::vector<infer::fim::RelatedFile>> related_files(const Fields& f,
                                                                 const char* field) {
  std::vector<infer::fim::RelatedFile> out;
  const json* files = f.find(field);
  if (files == nullptr) return out;
  if (!files->is_array()) return invalid(field, "must be an array of {path, content}");
  if (files->size() > kMaxRelatedFiles) {
    return invalid(field, fmt::format("at most {} files", kMaxRelatedFiles));
  }
  for (const json& file : *files) {
    if (!file.is_object() || !file.value("path", json()).is_string() ||
        !file.value("content", json()).is_string()) {
      return invalid(field, "each file must be {\"path\": string, \"content\": string}");
    }
    if (file["content"].get_ref<const std::string&>().size() > kMaxTextField) {
      return invalid(field, "a file's content is too large");
    }
    out.push_back({file["path"], file["content"]});
  }
  return out;
}

core::Result<std::vector<std::string>> stop_strings(const Fields& f) {
  std::vector<std::string> stops;
  const json* stop = f.find("stop");
  if (stop == nullptr) return stops;
  if (stop->is_string()) {
    stops.push_back(stop->get<std::string>());
  } else if (stop->is_array() && stop->size() <= 4) {
    for (const json& s : *stop) {
      if (!s.is_string()) return invalid("stop", "must be a string or an array of up to 4 strings");
      stops.push_back(s.get<std::string>());
    }
  } else {
    return invalid("stop", "must be a string or an array of up to 4 strings");
  }
  for (const auto& s : stops) {
    if (s.empty()) return invalid("stop", "stop strings must not be empty");
  }
  return stops;
}

// The sampling fields OpenAI's completion and chat bodies share: n, max_tokens, temperature,
// top_p, seed, stop.
core::Status openai_sampling(const Fields& f, int64_t default_max_tokens,
                             backend::GenerationRequest& request) {
  auto n = int32_in(f, "n", 1, 1, 1);
  if (!n) return invalid("n", "only n = 1 is supported; send several requests for more");
  auto max_tokens = int32_in(f, "max_tokens", default_max_tokens, 1, 4096);
  if (!max_tokens) return max_tokens.error();
  auto temperature = f.number("temperature", 1.0);
  if (!temperature) return temperature.error();
  auto top_p = f.number("top_p", 1.0);
  if (!top_p) return top_p.error();
  auto seed = f.integer("seed", 0);
  if (!seed) return seed.error();
  auto stops = stop_strings(f);
  if (!stops) return stops.error();
  request.max_tokens = *max_tokens;
  request.stop = std::move(*stops);
  request.sampler = infer::sampling::SamplerOptions{};
  request.sampler.temperature = static_cast<float>(*temperature);
  request.sampler.top_p = static_cast<float>(*top_p);
  request.sampler.top_k = 0;
  request.sampler.min_p = 0;
  request.sampler.seed = static_cast<uint64_t>(*seed);
  return request.sampler.validate();
}

// "messages": [{"role": "system" | "user" | "assistant", "content": string or [{"type": "text",
// "text": string}, ...]}, ...]
core::Result<std::vector<infer::chat::Message>> chat_messages(const Fields& f) {
  constexpr size_t kMaxMessages = 256;
  const json* messages = f.find("messages");
  if (messages == nullptr || !messages->is_array() || messages->empty() ||
      messages->size() > kMaxMessages) {
    return invalid("messages", fmt::format("must be an array of 1 to {} messages", kMaxMessages));
  }
  std::vector<infer::chat::Message> out;
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string field = fmt::format("messages[{}]", i);
    if (!m.is_object() || !m.value("role", json()).is_string()) {
      return invalid(field, "each message needs a \"role\" string and a \"content\"");
    }
    const auto& role_text = m["role"].get_ref<const std::string&>();
    auto role = role_text.size() <= 16 ? infer::chat::parse_role(role_text)
                                       : infer::chat::parse_role("(too long)");
    if (!role) return invalid(field + ".role", role.error().message());
    const json content = m.value("content", json());
    std::string text;
    if (content.is_string()) {
      text = content.get<std::string>();
    } else if (content.is_array()) {
      for (const json& part : content) {
        if (!part.is_object() || part.value("type", json()) != "text" ||
            !part.value("text", json()).is_string()) {
          return invalid(field + ".content",
                         "only text parts ({\"type\": \"text\", \"text\": "
                         "...}) are supported");
        }
        text += part["text"].get<std::string>();
      }
    } else {
      return invalid(field + ".content", "must be a string or an array of text parts");
    }
    out.push_back({*role, std::move(text)});
  }
  return out;
}

}  // namespace

core::Result<assist::CompletionRequest> completion_request(const json& body,
                                                           std::string_view owner) {
  const Fields f(body);
  assist::CompletionRequest request;
  auto prefix = f.text("prefix");
  if (!prefix) return prefix.error();
  auto suffix = f.text("suffix");
  if (!suffix) return suffix.error();
  auto path = f.text("path", 4096);
  if (!path) return path.error();
  auto language = f.text("language", 64);
  if (!language) return language.error();
  auto document = f.text("document", 4096);
  if (!document) return document.error();
  request.prefix = std::move(*prefix);
  request.suffix = std::move(*suffix);
  request.path = std::move(*path);
  request.language = std::move(*language);
  auto files = related_files(f, "related_files");
  if (!files) return files.error();
  request.related_files = std::move(*files);
  // A document is the caller's own: another user's request never supersedes it.
  const std::string document_key = document->empty() ? request.path : *document;
  if (!document_key.empty()) {
    request.document = std::string(owner) + "/" + document_key;
  }
  auto max_tokens = int32_in(f, "max_tokens", 0, 0, 1024);
  if (!max_tokens) return max_tokens.error();
  auto suggestions = int32_in(f, "suggestions", 1, 1, 4);
  if (!suggestions) return suggestions.error();
  auto temperature = f.number("temperature", -1.0);
  if (!temperature) return temperature.error();
  auto seed = f.integer("seed", 0);
  if (!seed) return seed.error();
  request.max_tokens = *max_tokens;
  request.suggestions = *suggestions;
  request.temperature = static_cast<float>(*temperature);
  request.seed = static_cast<uint64_t>(*seed);
  if (auto status = assist::CompletionService::validate(request); !status) return status.error();
  return request;
}

// The OpenAI body of /v1/completions as a generation: `prompt` continued, or, with `suffix`,
// the middle between them (fill-in-the-middle).
core::Result<backend::GenerationRequest> openai_completion_request(const json& body) {
  const Fields f(body);
  backend::GenerationRequest request;
  const json* prompt = f.find("prompt");
  if (prompt == nullptr || !prompt->is_string()) {
    return invalid("prompt",
                   "must be a string (arrays of prompts and token ids are not "
                   "supported; send one request per prompt)");
  }
  auto text = f.text("prompt");
  if (!text) return text.error();
  auto suffix = f.text("suffix");
  if (!suffix) return suffix.error();
  auto echo = f.boolean("echo");
  if (!echo) return echo.error();
  if (*echo) return invalid("echo", "echo is not supported; leave it out or false");
  if (auto status = openai_sampling(f, 16, request); !status) return status.error();
  if (suffix->empty()) {
    request.prompt = backend::TextPrompt{std::move(*text)};
  } else {
    infer::fim::Request fim;
    fim.prefix = std::move(*text);
    fim.suffix = std::move(*suffix);
    request.prompt = std::move(fim);
  }
  return request;
}

core::Result<assist::ChatRequest> chat_request(const json& body) {
  const Fields f(body);
  assist::ChatRequest request;
  auto messages = chat_messages(f);
  if (!messages) return messages.error();
  request.messages = std::move(*messages);
  auto mode = f.text("mode", 32);
  if (!mode) return mode.error();
  if (!mode->empty()) {
    auto parsed = assist::parse_chat_mode(*mode);
    if (!parsed) return parsed.error();
    request.mode = *parsed;
  }
  auto files = related_files(f, "files");
  if (!files) return files.error();
  request.files = std::move(*files);
  auto selection = f.text("selection");
  if (!selection) return selection.error();
  auto selection_path = f.text("selection_path", 4096);
  if (!selection_path) return selection_path.error();
  request.selection = std::move(*selection);
  request.selection_path = std::move(*selection_path);
  auto max_tokens = int32_in(f, "max_tokens", 512, 1, 4096);
  if (!max_tokens) return max_tokens.error();
  auto temperature = f.number("temperature", 0.0);
  if (!temperature) return temperature.error();
  auto seed = f.integer("seed", 0);
  if (!seed) return seed.error();
  request.max_tokens = *max_tokens;
  request.temperature = static_cast<float>(*temperature);
  request.seed = static_cast<uint64_t>(*seed);
  if (auto status = assist::ChatService::validate(request); !status) return status.error();
  return request;
}

core::Result<backend::GenerationRequest> openai_chat_request(const json& body) {
  const Fields f(body);
  backend::GenerationRequest request;
  auto messages = chat_messages(f);
  if (!messages) return messages.error();
  if (messages->back().role != infer::chat::Role::kUser) {
    return invalid("messages", "the last message must be the user's");
  }
  request.prompt = backend::ChatPrompt{std::move(*messages)};
  if (auto status = openai_sampling(f, 512, request); !status) return status.error();
  return request;
}

}  // namespace ward::server
