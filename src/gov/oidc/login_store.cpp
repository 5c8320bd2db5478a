#include "gov/oidc/login_store.h"

#include <algorithm>

#include "crypto/hash.h"

namespace ward::gov {
namespace {

std::string key_of(std::string_view state) {
  return crypto::to_hex(crypto::sha256(state));
}

core::Error unknown_state() {
  return core::Error(core::Code::kUnauthenticated, "",
                     "the login's state is unknown or was already used; start the login again");
}

}  // namespace

InMemoryOidcLoginStore::InMemoryOidcLoginStore(std::size_t max_entries)
    : max_entries_(std::max<std::size_t>(max_entries, 1)) {}

void InMemoryOidcLoginStore::drop_expired(core::TimePoint now) {
  for (auto it = order_.begin(); it != order_.end();) {
    auto entry = entries_.find(*it);
    if (entry != entries_.end() && entry->second.login.expires_at <= now) {
      entries_.erase(entry);
      it = order_.erase(it);
    } else {
      ++it;
    }
  }
}

core::Status InMemoryOidcLoginStore::put(OidcPendingLogin login) {
  if (login.state.empty()) {
    return core::Error(core::Code::kInvalidArgument, "", "a pending login needs a state");
  }
  std::string key = key_of(login.state);
  std::lock_guard lock(mutex_);
  if (entries_.count(key) != 0) {
    return core::Error(core::Code::kAlreadyExists, "", "a pending login with this state exists");
  }
  if (entries_.size() >= max_entries_) drop_expired(login.created_at);
  while (entries_.size() >= max_entries_ && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  entries_.emplace(std::move(key), Entry{std::move(login), std::prev(order_.end())});
  return core::ok_status();
}

core::Result<OidcPendingLogin> InMemoryOidcLoginStore::take(std::string_view state,
                                                            core::TimePoint now) {
  if (state.empty()) return unknown_state();
  const std::string key = key_of(state);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return unknown_state();
  OidcPendingLogin login = std::move(it->second.login);
  order_.erase(it->second.position);
  entries_.erase(it);
  if (login.expires_at <= now) {
    return core::Error(core::Code::kUnauthenticated, "",
                       "the login took too long and has expired; start the login again");
  }
  return login;
}

std::size_t InMemoryOidcLoginStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace ward::gov
