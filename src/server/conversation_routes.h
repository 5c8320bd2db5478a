#pragma once
// Conversation history over the API (docs/api.md, "Conversation history"): where the tenant's
// tier stores content, POST /api/v1/chat keeps each exchange in a conversation sealed under the
// tenant's keys (gov/tenancy/conversations.h) and a later request continues it by id; the owner
// lists, reads and deletes their conversations with GET /api/v1/conversations,
// GET /api/v1/conversations/ID and DELETE /api/v1/conversations/ID (ward:Chat, audited with the
// conversation id, never the content).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "gov/tenancy/conversations.h"
#include "infer/chat/chat.h"
#include "server/gateway.h"

namespace httplib {
class Server;
}

namespace ward::server {

// What a chat request keeps, decided before the model runs.
class ChatHistory {
 public:
  // From the body's "conversation" (the id of one to continue) and "store" (false: keep nothing,
  // where the tier lets users opt out). Continuing needs a tier that stores content (412
  // otherwise) and a conversation of the caller's (404 otherwise).
  static core::Result<ChatHistory> for_request(gov::ConversationStore& store, const Call& call);

  // The stored messages to put before the request's.
  const std::vector<infer::chat::Message>& earlier() const { return earlier_; }

  // Keeps the request's messages and the answer, in a new conversation unless one is continued;
  // the conversation's id, or std::nullopt where nothing is kept.
  core::Result<std::optional<std::string>> keep(const std::vector<infer::chat::Message>& asked,
                                                const std::string& answer) const;

 private:
  ChatHistory(gov::ConversationStore& store, gov::ConversationOwner owner, int retention_days)
      : store_(&store), owner_(std::move(owner)), retention_days_(retention_days) {}

  gov::ConversationStore* store_;
  gov::ConversationOwner owner_;
  int retention_days_;
  bool keeps_ = false;
  std::string id_;  // the conversation continued; empty for a new one
  std::vector<infer::chat::Message> earlier_;
};

// `store` must outlive the server.
void install_conversation_routes(httplib::Server& http, Gateway& gateway,
                                 gov::ConversationStore& store);

}  // namespace ward::server
