#pragma once
// Ward's own API routes (docs/api.md), each installed through the Gateway so that it is
// authenticated, quota-limited, policy-checked and audited. Called once, before the server runs.

namespace httplib {
class Server;
}

namespace ward::server {

class Gateway;

// /api/v1/bootstrap, /api/v1/me, /api/v1/audit/events and the admin routes for users, tokens,
// policies and the tenant's encryption keys.
void install_api_routes(httplib::Server& http, Gateway& gateway);

}  // namespace ward::server
