#include "server/conversation_routes.h"

#include <httplib.h>

#include "gov/tenancy/tiers.h"

namespace ward::server {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

gov::ConversationOwner owner_of(const Call& call) {
  return {call.principal.tenant_id, call.principal.user_id};
}

json info_json(const gov::ConversationInfo& info) {
  return {{"id", info.id},
          {"created_at", info.created_at},
          {"updated_at", info.updated_at},
          {"expires_at", info.expires_at},
          {"messages", info.messages}};
}

// The conversation id in the path, which the route's pattern limits to an id's characters.
std::string conversation_id(const httplib::Request& req) {
  return req.matches.size() > 1 ? req.matches[1].str() : "";
}

Route conversation_route(RouteEffect effect, bool names_conversation) {
  return Route{"ward:Chat",
               [](const httplib::Request&, const gov::AuthenticatedPrincipal& p) {
                 return resource_name(p, "workspace/default");
               },
               effect,
               names_conversation ? Describe([](const httplib::Request& req, const json&,
                                                gov::AuditParams& params) {
                 params.set("conversation", conversation_id(req));
               })
                                  : Describe()};
}

}  // namespace

core::Result<ChatHistory> ChatHistory::for_request(gov::ConversationStore& store,
                                                   const Call& call) {
  ChatHistory history(store, owner_of(call), call.tier.retention_days);
  const json& body = call.body;
  bool opted_out = false;
  if (auto it = body.find("store"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return Error(Code::kInvalidArgument, "store", "must be true or false");
    opted_out = !it->get<bool>();
  }
  history.keeps_ = gov::content_may_be_stored(call.tier, opted_out);
  auto it = body.find("conversation");
  if (it == body.end() || it->is_null()) return history;
  if (!it->is_string() || it->get_ref<const std::string&>().size() > 64) {
    return Error(Code::kInvalidArgument, "conversation", "must be a conversation id (a string)");
  }
  if (!history.keeps_) {
    return Error(Code::kFailedPrecondition, "conversation",
                 call.tier.store_content
                     ? "you asked not to store this exchange (\"store\": false), so it cannot "
                       "continue a stored conversation; send the earlier messages instead"
                     : "the tenant's tier (" + call.tier.name +
                           ") does not store content, so there are no stored conversations; "
                           "send the earlier messages with the request instead");
  }
  history.id_ = it->get<std::string>();
  auto stored = store.messages(history.owner_, history.id_);
  if (!stored) return stored.error();
  for (auto& message : *stored) {
    auto role = infer::chat::parse_role(message.role);
    if (!role) return Error(Code::kDataLoss, "conversation " + history.id_, role.error().message());
    history.earlier_.push_back({*role, std::move(message.content)});
  }
  return history;
}

core::Result<std::optional<std::string>> ChatHistory::keep(
    const std::vector<infer::chat::Message>& asked, const std::string& answer) const {
  if (!keeps_) return std::optional<std::string>();
  std::string id = id_;
  if (id.empty()) {
    auto created = store_->create(owner_, retention_days_);
    if (!created) return created.error();
    id = std::move(*created);
  }
  std::vector<gov::StoredMessage> messages;
  for (const auto& message : asked) {
    messages.push_back({std::string(infer::chat::role_name(message.role)), message.content});
  }
  messages.push_back({"assistant", answer});
  if (auto appended = store_->append(owner_, id, messages, retention_days_); !appended) {
    return appended.error();
  }
  return std::optional<std::string>(std::move(id));
}

void install_conversation_routes(httplib::Server& http, Gateway& gateway,
                                 gov::ConversationStore& store) {
  static const Route list_route = conversation_route(RouteEffect::kRead, false);
  static const Route read_route = conversation_route(RouteEffect::kRead, true);
  static const Route delete_route = conversation_route(RouteEffect::kWrite, true);
  constexpr const char* kOne = R"(/api/v1/conversations/([0-9a-f-]{1,64}))";

  http.Get("/api/v1/conversations",
           [&gateway, &store](const httplib::Request& req, httplib::Response& res) {
             gateway.handle(req, res, list_route, [&](Call& call) -> core::Result<Reply> {
               auto listed = store.list(owner_of(call));
               if (!listed) return listed.error();
               json out = json::array();
               for (const auto& info : *listed) out.push_back(info_json(info));
               return Reply{200, {{"conversations", out}}};
             });
           });
  http.Get(kOne, [&gateway, &store](const httplib::Request& req, httplib::Response& res) {
    gateway.handle(req, res, read_route, [&](Call& call) -> core::Result<Reply> {
      const std::string id = conversation_id(req);
      auto messages = store.messages(owner_of(call), id);
      if (!messages) return messages.error();
      json out = json::array();
      for (const auto& m : *messages) out.push_back({{"role", m.role}, {"content", m.content}});
      return Reply{200, {{"id", id}, {"messages", out}}};
    });
  });
  http.Delete(kOne, [&gateway, &store](const httplib::Request& req, httplib::Response& res) {
    gateway.handle(req, res, delete_route, [&](Call& call) -> core::Result<Reply> {
      const std::string id = conversation_id(req);
      if (auto removed = store.remove(owner_of(call), id); !removed) return removed.error();
      return Reply{200, {{"id", id}, {"deleted", true}}};
    });
  });
}

}  // namespace ward::server
