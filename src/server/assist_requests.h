#pragma once
// The bodies of the assistant routes (docs/api.md), checked field by field: a missing, mistyped,
// oversized or out-of-range field is kInvalidArgument naming it — never an exception, never a
// crash. These are pure functions of the parsed JSON, so that the fuzz target
// (fuzz/request_fuzz.cpp) and its corpus replay in the tests drive exactly what the routes run.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "assist/chat.h"
#include "assist/completion.h"
#include "backend/backend.h"
#include "core/error.h"
#include "server/json_body.h"

namespace ward::server {

// POST /api/v1/complete. `owner` ("TENANT_ID/USER_ID") scopes the document key, so that one
// user's request never supersedes another's.
core::Result<assist::CompletionRequest> completion_request(const nlohmann::json& body,
                                                           std::string_view owner);

// POST /api/v1/chat (without the conversation fields, which need the store).
core::Result<assist::ChatRequest> chat_request(const nlohmann::json& body);

// POST /v1/completions: `prompt` continued, or with `suffix` the middle between them.
core::Result<backend::GenerationRequest> openai_completion_request(const nlohmann::json& body);

// POST /v1/chat/completions.
core::Result<backend::GenerationRequest> openai_chat_request(const nlohmann::json& body);

}  // namespace ward::server
