#include "gov/tenancy/conversations.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <optional>

#include "core/id.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;

constexpr store::TransactionOptions kRead{store::Access::kReadOnly, store::Durability::kNormal};
// Content a user was told is kept must survive power loss once acknowledged.
constexpr store::TransactionOptions kWrite{store::Access::kReadWrite, store::Durability::kFull};

const std::array<store::Migration, 1> kMigrations = {{
    {1, "conversation history",
     "CREATE TABLE history_conversations ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES identity_tenants (id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  expires_at TEXT NOT NULL"
     ");"
     "CREATE INDEX history_conversations_owner ON history_conversations (user_id, updated_at);"
     "CREATE INDEX history_conversations_expiry ON history_conversations (expires_at);"
     "CREATE TABLE history_messages ("
     "  conversation_id TEXT NOT NULL REFERENCES history_conversations (id) ON DELETE CASCADE,"
     "  seq BIGINT NOT NULL,"
     "  id TEXT NOT NULL,"
     "  role TEXT NOT NULL,"
     "  content BLOB NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  PRIMARY KEY (conversation_id, seq)"
     ")"},
}};

Error not_found(std::string_view id) {
  return Error(Code::kNotFound, "conversation " + std::string(id),
               "you have no such conversation (it may have expired or been deleted); list yours "
               "with GET /api/v1/conversations");
}

EncryptionContext seal_context(const std::string& tenant_id, std::string_view conversation_id,
                               std::string_view message_id) {
  return EncryptionContext{tenant_id, std::string(kConversationSealPurpose),
                           std::string(conversation_id) + "/" + std::string(message_id)};
}

core::Result<ConversationInfo> info_of(const store::Row& row) {
  ConversationInfo info;
  for (auto [column, field] :
       {std::pair{"id", &info.id}, std::pair{"created_at", &info.created_at},
        std::pair{"updated_at", &info.updated_at}, std::pair{"expires_at", &info.expires_at}}) {
    auto text = row.get_text(column);
    if (!text) return text.error();
    *field = std::move(*text);
  }
  auto count = row.get_int("messages");
  if (!count) return count.error();
  info.messages = *count;
  return info;
}

constexpr std::string_view kSelectInfo =
    "SELECT c.id, c.created_at, c.updated_at, c.expires_at, "
    "(SELECT COUNT(*) FROM history_messages m WHERE m.conversation_id = c.id) AS messages "
    "FROM history_conversations c ";

// A sealed message waiting to be written.
struct SealedMessage {
  std::string id;
  std::string role;
  crypto::Bytes content;
};

}  // namespace

core::Status migrate_conversations(store::Database& db) {
  return db.migrate("gov.history", kMigrations);
}

core::Result<ConversationInfo> ConversationStore::find(store::Transaction& tx,
                                                       const ConversationOwner& owner,
                                                       std::string_view id) {
  auto row = tx.query_one(
      std::string(kSelectInfo) +
          "WHERE c.id = ? AND c.tenant_id = ? AND c.user_id = ? "
          "AND c.expires_at > ?",
      {std::string(id), owner.tenant_id, owner.user_id, core::format_rfc3339(clock_.now())});
  if (!row) return row.error();
  if (!row->has_value()) return not_found(id);
  return info_of(**row);
}

core::Result<std::string> ConversationStore::create(const ConversationOwner& owner,
                                                    int retention_days) {
  const core::TimePoint now = clock_.now();
  const std::string id = core::new_id().to_string();
  const std::string created = core::format_rfc3339(now);
  const std::string expires = core::format_rfc3339(now + std::chrono::days(retention_days));
  core::Status status = db_.with_transaction(kWrite, [&](store::Transaction& tx) -> core::Status {
    auto inserted = tx.execute(
        "INSERT INTO history_conversations (id, tenant_id, user_id, created_at, updated_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        {id, owner.tenant_id, owner.user_id, created, created, expires});
    if (!inserted) return inserted.error();
    return {};
  });
  if (!status) return status.error();
  return id;
}

core::Status ConversationStore::append(const ConversationOwner& owner, std::string_view id,
                                       std::span<const StoredMessage> messages,
                                       int retention_days) {
  // Seal first: the keyring runs transactions of its own.
  std::vector<SealedMessage> sealed;
  for (const StoredMessage& message : messages) {
    SealedMessage out{core::new_id().to_string(), message.role, {}};
    auto content =
        keyring_.encrypt(seal_context(owner.tenant_id, id, out.id),
                         std::span(reinterpret_cast<const uint8_t*>(message.content.data()),
                                   message.content.size()));
    if (!content) return content.error();
    out.content = std::move(*content);
    sealed.push_back(std::move(out));
  }
  const core::TimePoint now = clock_.now();
  const std::string updated = core::format_rfc3339(now);
  const std::string expires = core::format_rfc3339(now + std::chrono::days(retention_days));
  return db_.with_transaction(kWrite, [&](store::Transaction& tx) -> core::Status {
    auto info = find(tx, owner, id);
    if (!info) return info.error();
    if (info->messages + static_cast<int64_t>(sealed.size()) > kMaxConversationMessages) {
      return Error(Code::kResourceExhausted, "conversation " + std::string(id),
                   fmt::format("a conversation holds at most {} messages; start a new one",
                               kMaxConversationMessages));
    }
    int64_t seq = info->messages;
    for (const SealedMessage& message : sealed) {
      auto inserted = tx.execute(
          "INSERT INTO history_messages (conversation_id, seq, id, role, content, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?)",
          {std::string(id), seq++, message.id, message.role, store::Blob{message.content},
           updated});
      if (!inserted) return inserted.error();
    }
    auto touched =
        tx.execute("UPDATE history_conversations SET updated_at = ?, expires_at = ? WHERE id = ?",
                   {updated, expires, std::string(id)});
    if (!touched) return touched.error();
    return {};
  });
}

core::Result<std::vector<StoredMessage>> ConversationStore::messages(const ConversationOwner& owner,
                                                                     std::string_view id) {
  std::vector<SealedMessage> sealed;
  core::Status status = db_.with_transaction(kRead, [&](store::Transaction& tx) -> core::Status {
    sealed.clear();
    auto info = find(tx, owner, id);
    if (!info) return info.error();
    auto rows = tx.query(
        "SELECT id, role, content FROM history_messages WHERE conversation_id = ? ORDER BY seq",
        {std::string(id)});
    if (!rows) return rows.error();
    for (const store::Row& row : *rows) {
      auto message_id = row.get_text("id");
      auto role = row.get_text("role");
      auto content = row.get_blob("content");
      if (!message_id) return message_id.error();
      if (!role) return role.error();
      if (!content) return content.error();
      sealed.push_back({std::move(*message_id), std::move(*role), std::move(content->bytes)});
    }
    return {};
  });
  if (!status) return status.error();
  std::vector<StoredMessage> out;
  for (const SealedMessage& message : sealed) {
    auto plain = keyring_.decrypt(seal_context(owner.tenant_id, id, message.id), message.content);
    if (!plain) return plain.error();
    out.push_back({message.role, std::string(plain->begin(), plain->end())});
  }
  return out;
}

core::Result<std::vector<ConversationInfo>> ConversationStore::list(
    const ConversationOwner& owner) {
  std::vector<ConversationInfo> out;
  core::Status status = db_.with_transaction(kRead, [&](store::Transaction& tx) -> core::Status {
    out.clear();
    auto rows = tx.query(std::string(kSelectInfo) +
                             "WHERE c.tenant_id = ? AND c.user_id = ? AND c.expires_at > ? "
                             "ORDER BY c.updated_at DESC, c.id",
                         {owner.tenant_id, owner.user_id, core::format_rfc3339(clock_.now())});
    if (!rows) return rows.error();
    for (const store::Row& row : *rows) {
      auto info = info_of(row);
      if (!info) return info.error();
      out.push_back(std::move(*info));
    }
    return {};
  });
  if (!status) return status.error();
  return out;
}

core::Status ConversationStore::remove(const ConversationOwner& owner, std::string_view id) {
  return db_.with_transaction(kWrite, [&](store::Transaction& tx) -> core::Status {
    auto deleted = tx.execute(
        "DELETE FROM history_conversations WHERE id = ? AND tenant_id = ? AND user_id = ?",
        {std::string(id), owner.tenant_id, owner.user_id});
    if (!deleted) return deleted.error();
    if (*deleted == 0) return not_found(id);
    return {};
  });
}

core::Result<std::vector<ExpiredConversation>> ConversationStore::expired() {
  std::vector<ExpiredConversation> out;
  core::Status status = db_.with_transaction(kRead, [&](store::Transaction& tx) -> core::Status {
    out.clear();
    auto rows = tx.query(
        "SELECT id, tenant_id, user_id FROM history_conversations WHERE expires_at <= ? "
        "ORDER BY expires_at",
        {core::format_rfc3339(clock_.now())});
    if (!rows) return rows.error();
    for (const store::Row& row : *rows) {
      ExpiredConversation conversation;
      for (auto [column, field] :
           {std::pair{"id", &conversation.id}, std::pair{"tenant_id", &conversation.tenant_id},
            std::pair{"user_id", &conversation.user_id}}) {
        auto text = row.get_text(column);
        if (!text) return text.error();
        *field = std::move(*text);
      }
      out.push_back(std::move(conversation));
    }
    return {};
  });
  if (!status) return status.error();
  return out;
}

core::Status ConversationStore::remove_expired(std::string_view id) {
  return db_.with_transaction(kWrite, [&](store::Transaction& tx) -> core::Status {
    auto deleted = tx.execute("DELETE FROM history_conversations WHERE id = ? AND expires_at <= ?",
                              {std::string(id), core::format_rfc3339(clock_.now())});
    if (!deleted) return deleted.error();
    return {};
  });
}

}  // namespace ward::gov
