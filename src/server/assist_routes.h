#pragma once
// The assistant's routes (docs/api.md): Ward's own POST /api/v1/complete and /api/v1/chat, and
// the OpenAI-compatible GET /v1/models, POST /v1/completions and /v1/chat/completions, each
// through the Gateway (authenticated, quota-limited, policy-checked as ward:Complete or
// ward:Chat, audited before any content is produced). Before a prompt reaches a model: the tenant's
// tokens-per-day quota (429 with Retry-After) and data residency (the model's region is the
// tenant's home region, or another region of its geography where policy allows
// ward:CrossRegionInference, decided and audited separately). Tokens used are added to the tenant's
// daily count afterwards. Prompts and answers are never logged or audited. Called once, before the
// server runs.

#include "assist/completion.h"
#include "backend/backend.h"
#include "gov/tenancy/conversations.h"
#include "gov/tenancy/residency.h"

namespace httplib {
class Server;
}

namespace ward::server {

class Gateway;

struct AssistContext {
  backend::BackendSet& models;
  assist::CompletionService& completions;
  gov::RegionMap regions;
  gov::ConversationStore& conversations;  // history, where tiers store content
};

void install_assist_routes(httplib::Server& http, Gateway& gateway, AssistContext& assist);

}  // namespace ward::server
