#pragma once
// Conversation history: chat content kept for a user where the tenant's tier stores content
// (content_may_be_stored). Every message is sealed under the tenant's keys (Keyring::encrypt,
// AES-256-GCM envelopes bound to the tenant, the conversation and the message), so the database
// holds only ciphertext and destroying the tenant's keys shreds its history. A conversation is
// its owner's alone: every call names the owner, and another user's conversation is reported as
// not found. It expires `retention_days` (the tier's) after its last message; the retention job
// deletes expired ones, the owner may delete one at any time, and deleting the user or the tenant
// deletes their conversations with them (foreign keys).
//
// Thread-safe: state is in the store; seal and open happen outside store transactions, as the
// keyring requires.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/keys/keyring.h"
#include "store/store.h"

namespace ward::gov {

// The purpose messages are sealed under (record id: CONVERSATION_ID/MESSAGE_ID).
inline constexpr std::string_view kConversationSealPurpose = "history.message";
// At most this many messages in one conversation; start a new one after.
inline constexpr int64_t kMaxConversationMessages = 1000;

struct ConversationOwner {
  std::string tenant_id;
  std::string user_id;
};

struct StoredMessage {
  std::string role;     // "system", "user" or "assistant"
  std::string content;  // the text, in the clear only in memory
};

struct ConversationInfo {
  std::string id;
  std::string created_at;  // RFC 3339 UTC
  std::string updated_at;
  std::string expires_at;
  int64_t messages = 0;
};

// A conversation past its expiry, for the retention job.
struct ExpiredConversation {
  std::string id;
  std::string tenant_id;
  std::string user_id;
};

core::Status migrate_conversations(store::Database& db);

class ConversationStore {
 public:
  // `db` must have had gov::migrate applied; `db` and `keyring` must outlive the store.
  ConversationStore(store::Database& db, Keyring& keyring, const core::Clock& clock)
      : db_(db), keyring_(keyring), clock_(clock) {}

  // A new, empty conversation of `owner`, expiring `retention_days` from now; its id.
  core::Result<std::string> create(const ConversationOwner& owner, int retention_days);

  // Adds `messages` at the end of the owner's conversation `id` and moves its expiry to
  // `retention_days` from now. kNotFound for a conversation that is not the owner's (or expired);
  // kResourceExhausted past kMaxConversationMessages.
  core::Status append(const ConversationOwner& owner, std::string_view id,
                      std::span<const StoredMessage> messages, int retention_days);

  // The conversation's messages in order; kNotFound as for append, kDataLoss for a message that
  // does not open (altered or moved), kFailedPrecondition when the tenant's key was revoked.
  core::Result<std::vector<StoredMessage>> messages(const ConversationOwner& owner,
                                                    std::string_view id);

  // The owner's conversations that have not expired, most recently updated first.
  core::Result<std::vector<ConversationInfo>> list(const ConversationOwner& owner);

  // Deletes the owner's conversation `id` and its messages now; kNotFound as for append.
  core::Status remove(const ConversationOwner& owner, std::string_view id);

  // Conversations whose expiry has passed, and their deletion (for the retention job).
  core::Result<std::vector<ExpiredConversation>> expired();
  core::Status remove_expired(std::string_view id);

 private:
  // The conversation's row if the owner has it and it has not expired.
  core::Result<ConversationInfo> find(store::Transaction& tx, const ConversationOwner& owner,
                                      std::string_view id);

  store::Database& db_;
  Keyring& keyring_;
  const core::Clock& clock_;
};

}  // namespace ward::gov
