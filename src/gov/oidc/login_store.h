#pragma once
// Pending OpenID Connect logins: what Ward must remember between sending a browser to the provider
// and the provider sending it back (the PKCE verifier, the nonce, where to go afterwards), keyed
// by the random `state`.
//
// Each state can be taken once: take() removes the entry whatever the outcome, so a replayed or
// reused callback finds nothing. Entries expire (OidcConfig::login_timeout, ten minutes by
// default).
//
// InMemoryOidcLoginStore keeps the entries in this process. It suits one `ward serve`, or several
// behind a load balancer with session affinity; without affinity the replicas need a shared
// implementation of OidcLoginStore (e.g. on the database). It holds at most `max_entries`
// entries: when full, expired entries are dropped first, then the oldest, so a flood of started
// logins cannot exhaust memory (at worst it displaces other pending logins, which then fail with
// "unknown or already used" and are simply started again). States are looked up by their SHA-256,
// so lookup time reveals nothing about stored states.
//
// Thread-safety: implementations must be safe to call from several threads at once;
// InMemoryOidcLoginStore is (one mutex).

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/error.h"

namespace ward::gov {

struct OidcPendingLogin {
  std::string state;
  std::string code_verifier;
  std::string nonce;
  std::string redirect_after;  // a path on Ward to send the browser to after the login
  core::TimePoint created_at;
  core::TimePoint expires_at;
};

class OidcLoginStore {
 public:
  virtual ~OidcLoginStore() = default;
  // Stores `login` under login.state (which is random, so never already present).
  virtual core::Status put(OidcPendingLogin login) = 0;
  // Removes the login for `state` and returns it if it has not expired at `now`. kUnauthenticated
  // when the state is unknown, was already used, or has expired.
  virtual core::Result<OidcPendingLogin> take(std::string_view state, core::TimePoint now) = 0;
};

class InMemoryOidcLoginStore final : public OidcLoginStore {
 public:
  static constexpr std::size_t kDefaultMaxEntries = 10000;

  explicit InMemoryOidcLoginStore(std::size_t max_entries = kDefaultMaxEntries);

  core::Status put(OidcPendingLogin login) override;
  core::Result<OidcPendingLogin> take(std::string_view state, core::TimePoint now) override;

  std::size_t size() const;

 private:
  using Order = std::list<std::string>;  // keys, oldest first
  struct Entry {
    OidcPendingLogin login;
    Order::iterator position;
  };

  void drop_expired(core::TimePoint now);

  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by hex SHA-256 of the state
  Order order_;
};

}  // namespace ward::gov
