#include "server/assist_routes.h"

#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "assist/chat.h"
#include "core/id.h"
#include "server/assist_requests.h"
#include "server/conversation_routes.h"
#include "server/gateway.h"
#include "server/metrics.h"

namespace ward::server {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

// The model a request names ("model"; empty: the default), or a 404 naming the ones there are.
core::Result<backend::Backend*> model_for(const AssistContext& assist, const Fields& f) {
  auto name = f.text("model", 256);
  if (!name) return name.error();
  if (backend::Backend* found = assist.models.find(*name)) return found;
  std::string names;
  for (const auto& b : assist.models.all()) names += (names.empty() ? "" : ", ") + b->info().name;
  if (names.empty()) {
    return Error(Code::kFailedPrecondition, "model",
                 "this server has no model configured; start `ward serve --model FILE.gguf` or "
                 "add a [models.NAME] table to ward.toml");
  }
  return Error(Code::kNotFound, "model",
               fmt::format("there is no model called \"{}\"; this server has: {}", *name, names));
}

// Tokens-per-day quota and data residency, before any content goes to the model.
core::Status admit_content(Gateway& gateway, const AssistContext& assist, Call& call,
                           const backend::Backend& model) {
  auto tokens = gateway.quotas().check_tokens(call.principal.tenant_id, call.tier);
  if (!tokens) return tokens.error();
  if (!tokens->allowed) {
    call.retry_after = tokens->retry_after;
    return Error(Code::kResourceExhausted, "quota",
                 fmt::format("the tenant has used its {} tokens for today; retry after {} s",
                             call.tier.tokens_per_day, tokens->retry_after.count()));
  }
  const std::string& model_region = model.info().region;
  bool cross_region_allowed = false;
  if (model_region != call.principal.region) {
    auto allowed = gateway.also_allows(call, "ward:CrossRegionInference", model_region);
    if (!allowed) return allowed.error();
    cross_region_allowed = *allowed;
  }
  auto residency = gov::check_residency(assist.regions, call.principal.region, model_region,
                                        cross_region_allowed);
  if (!residency) return residency.error();
  return core::ok_status();
}

// The model a request names, once the tenant's quota and residency admit sending it content.
core::Result<backend::Backend*> admitted_model(Gateway& gateway, const AssistContext& assist,
                                               Call& call, const Fields& f) {
  auto model = model_for(assist, f);
  if (!model) return model.error();
  if (auto admitted = admit_content(gateway, assist, call, **model); !admitted) {
    return admitted.error();
  }
  return model;
}

// Adds a request's prompt and completion tokens to the tenant's count for today and to the
// model's metrics.
void record_usage(Gateway& gateway, const std::string& tenant_id, const backend::Backend& model,
                  int64_t prompt, int64_t completion) {
  (void)gateway.quotas().record_tokens(tenant_id, prompt + completion);
  if (Metrics* metrics = gateway.context().metrics) {
    metrics->record_tokens(model.info().name, prompt, completion);
  }
}

// One server-sent event; bytes that are not UTF-8 become U+FFFD (see write_reply).
std::string sse(const json& event) {
  return "data: " + event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

// A failure after a stream has begun (the status line is sent): the error as the last event, in
// the shape of a JSON error reply.
std::string sse_error(const core::Error& error) {
  return sse(
      {{"error", {{"code", core::code_name(error.code())}, {"message", error.to_string()}}}});
}

// Text sent as it is produced; false once the client is gone.
using DeltaSink = std::function<bool(std::string_view delta)>;

// Runs one of Ward's own features (`run`, given a sink for text as it is produced and a stop
// flag) as a JSON reply or, streamed, as {"text": delta} events followed by the whole answer as
// the last event; then counts the answer's tokens.
template <class Answer>
core::Result<Reply> ward_reply(
    Gateway& gateway, const Call& call, backend::Backend& model, bool stream,
    std::function<core::Result<Answer>(const DeltaSink&, std::atomic<bool>&)> run,
    json (*to_json)(const std::string& model, const Answer& answer)) {
  if (!stream) {
    std::atomic<bool> stop{false};
    auto answer = run(nullptr, stop);
    if (!answer) return answer.error();
    record_usage(gateway, call.principal.tenant_id, model, answer->prompt_tokens,
                 answer->completion_tokens);
    return Reply{200, to_json(model.info().name, *answer), nullptr};
  }
  Reply reply;
  reply.stream = [&gateway, &model, tenant = call.principal.tenant_id, run = std::move(run),
                  to_json](const ChunkWriter& write) {
    std::atomic<bool> stop{false};
    auto answer = run([&](std::string_view delta) { return write(sse({{"text", delta}})); }, stop);
    if (!answer) {
      (void)write(sse_error(answer.error()));
      return;
    }
    record_usage(gateway, tenant, model, answer->prompt_tokens, answer->completion_tokens);
    (void)write(sse(to_json(model.info().name, *answer)));
  };
  return reply;
}

// ---- POST /api/v1/complete ---------------------------------------------------------------------

json completion_json(const std::string& model, const assist::CompletionResult& result) {
  return {
      {"model", model},
      {"suggestions", result.suggestions},
      {"mode", result.mode == assist::CompletionMode::kSingleLine ? "single_line" : "multi_line"},
      {"finish", result.finish},
      {"usage",
       {{"prompt_tokens", result.prompt_tokens},
        {"completion_tokens", result.completion_tokens},
        {"reused_prompt_tokens", result.reused_prompt_tokens}}}};
}

core::Result<Reply> complete(Gateway& gateway, AssistContext& assist, Call& call) {
  auto request =
      completion_request(call.body, call.principal.tenant_id + "/" + call.principal.user_id);
  if (!request) return request.error();
  const Fields f(call.body);
  auto stream = f.boolean("stream");
  if (!stream) return stream.error();
  auto model = admitted_model(gateway, assist, call, f);
  if (!model) return model.error();
  // Streamed, the text events carry the first suggestion as its lines become final.
  return ward_reply<assist::CompletionResult>(
      gateway, call, **model, *stream,
      [&assist, model = *model, request = std::move(*request)](const DeltaSink& sink,
                                                               std::atomic<bool>& stop) {
        return assist.completions.complete(*model, request, sink, stop);
      },
      completion_json);
}

// ---- OpenAI-compatible -------------------------------------------------------------------------

std::string openai_id(std::string_view prefix) {
  return std::string(prefix) + core::new_id().to_string();
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json models_json(const AssistContext& assist) {
  json data = json::array();
  for (const auto& b : assist.models.all()) {
    data.push_back({{"id", b->info().name},
                    {"object", "model"},
                    {"created", 0},
                    {"owned_by", "ward"},
                    {"context_length", b->info().context_length},
                    {"region", b->info().region}});
  }
  return {{"object", "list"}, {"data", data}};
}

json openai_choice(std::string_view text, const json& finish) {
  return {{"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish}};
}

std::string openai_finish(backend::FinishReason reason) {
  return reason == backend::FinishReason::kLength ? "length" : "stop";
}

core::Result<Reply> openai_complete(Gateway& gateway, AssistContext& assist, Call& call) {
  const Fields f(call.body);
  auto request = openai_completion_request(call.body);
  if (!request) return request.error();
  auto stream = f.boolean("stream");
  if (!stream) return stream.error();
  auto model = admitted_model(gateway, assist, call, f);
  if (!model) return model.error();
  const json head = {{"id", openai_id("cmpl-")},
                     {"object", "text_completion"},
                     {"created", unix_now()},
                     {"model", (*model)->info().name}};
  if (!*stream) {
    std::atomic<bool> stop{false};
    auto generation = (*model)->generate(*request, nullptr, stop);
    if (!generation) return generation.error();
    record_usage(gateway, call.principal.tenant_id, **model, generation->prompt_tokens,
                 generation->completion_tokens);
    json body = head;
    body["choices"] =
        json::array({openai_choice(generation->text, openai_finish(generation->finish))});
    body["usage"] = {{"prompt_tokens", generation->prompt_tokens},
                     {"completion_tokens", generation->completion_tokens},
                     {"total_tokens", generation->prompt_tokens + generation->completion_tokens}};
    return Reply{200, body, nullptr};
  }
  Reply reply;
  reply.stream = [&gateway, tenant = call.principal.tenant_id, model = *model, head,
                  request = std::move(*request)](const ChunkWriter& write) {
    std::atomic<bool> stop{false};
    auto chunk = [&](std::string_view text, const json& finish) {
      json event = head;
      event["choices"] = json::array({openai_choice(text, finish)});
      return sse(event);
    };
    auto generation = model->generate(
        request,
        [&](std::string_view piece) {
          if (!write(chunk(piece, nullptr))) stop = true;
        },
        stop);
    if (!generation) {
      (void)write(sse_error(generation.error()));
      return;
    }
    record_usage(gateway, tenant, *model, generation->prompt_tokens, generation->completion_tokens);
    (void)write(chunk("", openai_finish(generation->finish)));
    (void)write("data: [DONE]\n\n");
  };
  return reply;
}

// ---- chat --------------------------------------------------------------------------------------

// A chat answer and the stored conversation it was kept in, if any.
struct KeptChat : assist::ChatResult {
  std::optional<std::string> conversation;
};

json chat_json(const std::string& model, const KeptChat& result) {
  json out = {
      {"model", model},
      {"message", {{"role", "assistant"}, {"content", result.text}}},
      {"finish", result.finish},
      {"context_files_used", result.context_files_used},
      {"usage",
       {{"prompt_tokens", result.prompt_tokens}, {"completion_tokens", result.completion_tokens}}}};
  if (result.conversation) {
    out["conversation"] = *result.conversation;
    out["history_messages_used"] = result.history_messages_used;
  }
  return out;
}

core::Result<Reply> chat(Gateway& gateway, AssistContext& assist, Call& call) {
  const Fields f(call.body);
  auto request = chat_request(call.body);
  if (!request) return request.error();
  auto stream = f.boolean("stream");
  if (!stream) return stream.error();
  auto history = ChatHistory::for_request(assist.conversations, call);
  if (!history) return history.error();
  request->history = history->earlier();
  auto model = admitted_model(gateway, assist, call, f);
  if (!model) return model.error();
  return ward_reply<KeptChat>(
      gateway, call, **model, *stream,
      [model = *model, request = std::move(*request), history = std::move(*history)](
          const DeltaSink& sink, std::atomic<bool>& stop) -> core::Result<KeptChat> {
        auto answer = assist::ChatService().chat(*model, request, sink, stop);
        if (!answer) return answer.error();
        KeptChat kept{std::move(*answer), std::nullopt};
        if (kept.finish == "cancelled") return kept;  // the client is gone: nothing to keep
        auto id = history.keep(request.messages, kept.text);
        if (!id) return id.error();
        kept.conversation = std::move(*id);
        return kept;
      },
      chat_json);
}

core::Result<Reply> openai_chat(Gateway& gateway, AssistContext& assist, Call& call) {
  const Fields f(call.body);
  auto request = openai_chat_request(call.body);
  if (!request) return request.error();
  auto stream = f.boolean("stream");
  if (!stream) return stream.error();
  auto model = admitted_model(gateway, assist, call, f);
  if (!model) return model.error();
  const std::string id = openai_id("chatcmpl-");
  const int64_t created = unix_now();
  const std::string name = (*model)->info().name;
  if (!*stream) {
    std::atomic<bool> stop{false};
    auto answer = (*model)->generate(*request, nullptr, stop);
    if (!answer) return answer.error();
    record_usage(gateway, call.principal.tenant_id, **model, answer->prompt_tokens,
                 answer->completion_tokens);
    return Reply{
        200,
        {{"id", id},
         {"object", "chat.completion"},
         {"created", created},
         {"model", name},
         {"choices", json::array({{{"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", answer->text}}},
                                   {"finish_reason", openai_finish(answer->finish)}}})},
         {"usage",
          {{"prompt_tokens", answer->prompt_tokens},
           {"completion_tokens", answer->completion_tokens},
           {"total_tokens", answer->prompt_tokens + answer->completion_tokens}}}},
        nullptr};
  }
  Reply reply;
  reply.stream = [&gateway, tenant = call.principal.tenant_id, model = *model, id, created, name,
                  request = std::move(*request)](const ChunkWriter& write) {
    auto chunk = [&](const json& delta, const json& finish) {
      return sse({{"id", id},
                  {"object", "chat.completion.chunk"},
                  {"created", created},
                  {"model", name},
                  {"choices",
                   json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}});
    };
    std::atomic<bool> stop{!write(chunk({{"role", "assistant"}, {"content", ""}}, nullptr))};
    auto answer = model->generate(
        request,
        [&](std::string_view piece) {
          if (!write(chunk({{"content", piece}}, nullptr))) stop = true;
        },
        stop);
    if (!answer) {
      (void)write(sse_error(answer.error()));
      return;
    }
    record_usage(gateway, tenant, *model, answer->prompt_tokens, answer->completion_tokens);
    (void)write(chunk(json::object(), openai_finish(answer->finish)));
    (void)write("data: [DONE]\n\n");
  };
  return reply;
}

// `action` on the default workspace, audited before any content is produced; the event names
// the model the request goes to (never the prompt).
Route content_route(std::string action, const AssistContext& assist) {
  return Route{
      std::move(action),
      [](const httplib::Request&, const gov::AuthenticatedPrincipal& p) {
        return resource_name(p, "workspace/default");
      },
      RouteEffect::kWrite,
      [&assist](const httplib::Request&, const json& body, gov::AuditParams& params) {
        if (auto model = model_for(assist, Fields(body))) {
          params.set("model", (*model)->info().name).set("model_region", (*model)->info().region);
        }
        if (auto conversation = Fields(body).text("conversation", 64);
            conversation && !conversation->empty()) {
          params.set("conversation", *conversation);
        }
      }};
}

}  // namespace

void install_assist_routes(httplib::Server& http, Gateway& gateway, AssistContext& assist) {
  using Feature = core::Result<Reply> (*)(Gateway&, AssistContext&, Call&);
  auto install = [&](const char* path, const char* action, Feature feature) {
    auto route = std::make_shared<const Route>(content_route(action, assist));
    http.Post(path, [&gateway, &assist, route, feature](const httplib::Request& req,
                                                        httplib::Response& res) {
      gateway.handle(req, res, *route, [&](Call& call) { return feature(gateway, assist, call); });
    });
  };
  install("/api/v1/complete", "ward:Complete", complete);
  install("/v1/completions", "ward:Complete", openai_complete);
  install("/api/v1/chat", "ward:Chat", chat);
  install("/v1/chat/completions", "ward:Chat", openai_chat);
  install_conversation_routes(http, gateway, assist.conversations);
  http.Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    static const Route metrics_route{
        "ward:Metrics",
        [](const httplib::Request&, const gov::AuthenticatedPrincipal& p) {
          return resource_name(p, "metrics");
        },
        RouteEffect::kRead, nullptr};
    gateway.handle(req, res, metrics_route, [&](Call&) -> core::Result<Reply> {
      const Metrics* metrics = gateway.context().metrics;
      if (metrics == nullptr) {
        return Error(Code::kFailedPrecondition, "metrics", "this server does not collect metrics");
      }
      Reply reply;
      reply.text = metrics->render(assist.models);
      return reply;
    });
  });
  http.Get("/v1/models", [&](const httplib::Request& req, httplib::Response& res) {
    gateway.handle_self(req, res, "ward:ListModels", [&](Call&) -> core::Result<Reply> {
      return Reply{200, models_json(assist), nullptr};
    });
  });
}

}  // namespace ward::server
