#include "gov/tenancy/conversations.h"

#include <gtest/gtest.h>

#include "gov/tenancy/governed_data.h"
#include "gov/tenancy/retention.h"

namespace ward::gov {
namespace {

using namespace std::chrono;

class TenancyConversationsTest : public GovernedDataTest {
 protected:
  void SetUp() override {
    GovernedDataTest::SetUp();
    for (const char* name : {"ann", "bob"}) {
      NewUser request;
      request.name = name;
      auto user = directory_->create_user(request);
      ASSERT_TRUE(user.ok()) << user.error().to_string();
      owners_.push_back({user->tenant_id, user->id});
    }
    store_ = std::make_unique<ConversationStore>(*db_, *keyring_, clock_);
  }

  const ConversationOwner& ann() const { return owners_[0]; }
  const ConversationOwner& bob() const { return owners_[1]; }

  // A conversation of ann's with one exchange, kept for `days`.
  std::string exchange(int days, const std::string& question = "What is 2 + 2?") {
    auto id = store_->create(ann(), days);
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    const StoredMessage turn[] = {{"user", question}, {"assistant", "4"}};
    EXPECT_TRUE(store_->append(ann(), *id, turn, days).ok());
    return *id;
  }

  std::vector<ConversationOwner> owners_;
  std::unique_ptr<ConversationStore> store_;
};

TEST_F(TenancyConversationsTest, MessagesComeBackInOrderToTheirOwnerOnly) {
  const std::string id = exchange(30);
  const StoredMessage more[] = {{"user", "And 3 + 3?"}, {"assistant", "6"}};
  ASSERT_TRUE(store_->append(ann(), id, more, 30).ok());

  auto messages = store_->messages(ann(), id);
  ASSERT_TRUE(messages.ok()) << messages.error().to_string();
  ASSERT_EQ(messages->size(), 4u);
  EXPECT_EQ((*messages)[0].role, "user");
  EXPECT_EQ((*messages)[0].content, "What is 2 + 2?");
  EXPECT_EQ((*messages)[3].content, "6");
  auto listed = store_->list(ann());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, id);
  EXPECT_EQ((*listed)[0].messages, 4);

  // Bob sees nothing of it and cannot add to it or delete it.
  EXPECT_EQ(store_->messages(bob(), id).error().code(), core::Code::kNotFound);
  EXPECT_EQ(store_->append(bob(), id, more, 30).error().code(), core::Code::kNotFound);
  EXPECT_EQ(store_->remove(bob(), id).error().code(), core::Code::kNotFound);
  EXPECT_TRUE(store_->list(bob())->empty());

  ASSERT_TRUE(store_->remove(ann(), id).ok());
  EXPECT_EQ(store_->messages(ann(), id).error().code(), core::Code::kNotFound);
}

TEST_F(TenancyConversationsTest, TheDatabaseHoldsOnlyCiphertextBoundToItsPlace) {
  const std::string marker = "marker-8f3a61c0-in-a-conversation";
  const std::string id = exchange(30, marker);
  const std::string other = exchange(30);
  for (const char* file : {"ward.db", "ward.db-wal"}) {
    if (!std::filesystem::exists(dir_ / file)) continue;
    EXPECT_EQ(ward::test::read_text(dir_ / file).find(marker), std::string::npos) << file;
  }
  // A sealed message copied into another conversation does not open there.
  auto tx = db_->begin();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)
                  ->execute("UPDATE history_messages SET content = (SELECT content FROM "
                            "history_messages WHERE conversation_id = ? AND seq = 0) WHERE "
                            "conversation_id = ? AND seq = 0",
                            {id, other})
                  .ok());
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(store_->messages(ann(), other).error().code(), core::Code::kDataLoss);
  EXPECT_TRUE(store_->messages(ann(), id).ok());
}

TEST_F(TenancyConversationsTest, ConversationsExpireAfterTheTiersRetentionSinceTheirLastMessage) {
  const std::string short_lived = exchange(7);
  const std::string kept = exchange(30);
  clock_.advance(hours(24 * 6));
  const StoredMessage more[] = {{"user", "still here?"}};
  ASSERT_TRUE(store_->append(ann(), short_lived, more, 7).ok());  // moves the expiry
  clock_.advance(hours(24 * 6));
  EXPECT_EQ(store_->list(ann())->size(), 2u);
  clock_.advance(hours(24 * 2));  // 8 days after its last message
  EXPECT_EQ(store_->messages(ann(), short_lived).error().code(), core::Code::kNotFound);

  RetentionJob job(*directory_, *keyring_, *audit_, clock_);
  auto report = job.run([](const RetentionStep&) { return core::Status(); });
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  ASSERT_EQ(report->done.size(), 1u);
  EXPECT_EQ(report->done[0].action, "purge_conversation");
  EXPECT_EQ(report->done[0].id, short_lived);
  auto left = store_->list(ann());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, kept);
}

TEST_F(TenancyConversationsTest, DeletingTheUserDeletesTheirConversations) {
  const std::string id = exchange(30);
  ASSERT_TRUE(directory_->schedule_user_deletion("default", "ann").ok());
  clock_.advance(hours(24 * 31));
  RetentionJob job(*directory_, *keyring_, *audit_, clock_);
  ASSERT_TRUE(job.run([](const RetentionStep&) { return core::Status(); }).ok());
  auto tx = db_->begin({store::Access::kReadOnly, store::Durability::kNormal});
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->query("SELECT COUNT(*) AS n FROM history_messages", {});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*(*rows)[0].get_int("n"), 0);
}

TEST_F(TenancyConversationsTest, AConversationHasABoundedLength) {
  auto id = store_->create(ann(), 30);
  ASSERT_TRUE(id.ok());
  std::vector<StoredMessage> many(kMaxConversationMessages, {"user", "x"});
  ASSERT_TRUE(store_->append(ann(), *id, many, 30).ok());
  const StoredMessage one[] = {{"user", "one more"}};
  EXPECT_EQ(store_->append(ann(), *id, one, 30).error().code(), core::Code::kResourceExhausted);
}

}  // namespace
}  // namespace ward::gov
