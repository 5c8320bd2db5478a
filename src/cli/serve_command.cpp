// `ward serve`: prepares the data directory, the store and the certificate, binds the listener,
// prints the URL (and the one-time bootstrap token while no administrator exists), then serves
// until SIGINT or SIGTERM, finishing the requests in flight.

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "assist/completion.h"
#include "cli/commands.h"
#include "cli/models.h"
#include "core/file.h"
#include "gov/audit/audit_log.h"
#include "gov/audit/signing_key.h"
#include "gov/bootstrap.h"
#include "gov/identity/directory.h"
#include "gov/identity/oidc_provisioner.h"
#include "gov/identity/sessions.h"
#include "gov/oidc/config.h"
#include "gov/oidc/relying_party.h"
#include "gov/tenancy/residency.h"
#include "gov/tenancy/tiers.h"
#include "server/assist_routes.h"
#include "server/auth_routes.h"
#include "server/gateway.h"
#include "server/metrics.h"
#include "server/scan_routes.h"
#include "server/server.h"
#include "server/tls_files.h"

namespace ward::cli {
namespace {

constexpr std::chrono::hours kBootstrapTokenLifetime{24};

// Blocks SIGINT and SIGTERM in this thread and every thread it starts later, so that only the
// watcher thread (sigwait) receives them and no handler runs at an arbitrary point.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void announce(const server::Server& server, const std::optional<std::string>& bootstrap_token,
              const gov::OidcRelyingParty* sso) {
  std::cout << "Ward is listening on " << server.url() << "\n";
  if (sso != nullptr) {
    std::cout << "Single sign-on with " << sso->config().issuer << ": " << server.url()
              << "/auth/login (callback " << sso->config().redirect_uri << ")\n";
  }
  if (bootstrap_token) {
    std::cout << "Administrator bootstrap token (shown once, valid for "
              << kBootstrapTokenLifetime.count() << " hours):\n"
              << *bootstrap_token << "\n";
  }
  std::cout.flush();
}

int run_serve(const core::ConfigInputs& inputs, const std::string& model_path) {
  auto data = open_data_dir(inputs);
  if (!data) return report(data.error());
  const core::Config& config = data->config;
  auto sso = gov::oidc_sign_in_settings(config);
  if (!sso) return report(sso.error());
  auto tls = server::prepare_tls_files(config);
  if (!tls) return report(tls.error());
  auto listen = core::parse_listen_address(config.server.listen);
  if (!listen) return report(listen.error());

  auto tiers = gov::tier_catalog(config);
  if (!tiers) return report(tiers.error());
  // Before any thread starts (the engine's workers, the audit log's checkpointer), so that every
  // thread inherits the mask and SIGTERM reaches only the watcher: a graceful stop.
  const sigset_t signals = block_shutdown_signals();
  auto models = load_models(model_path, config);
  if (!models) return report(models.error());
  assist::CompletionService completions;
  auto keyring = open_keyring(*data);
  if (!keyring) return report(keyring.error());
  gov::ConversationStore conversations(*data->db, *keyring, core::system_clock());
  server::AssistContext assist{*models, completions, gov::region_map(config), conversations};
  auto signing_key = keyring->audit_signing_key();
  if (!signing_key) return report(signing_key.error());
  if (auto s = gov::publish_audit_public_key(config.data_dir, signing_key->public_key()); !s) {
    return report(s.error());
  }
  // Signs its head on close.
  auto audit = gov::AuditLog::open(*data->db, *signing_key, core::system_clock());
  if (!audit) return report(audit.error());
  std::optional<gov::SessionOptions> sessions;
  if (*sso) sessions = gov::SessionOptions{(*sso)->session_lifetime, (*sso)->session_idle_timeout};
  server::Metrics metrics;
  server::Gateway gateway({*data->db, core::system_clock(), **audit, *keyring, std::move(*tiers),
                           config.region, identity_options(*data), sessions, &metrics});

  // Single sign-on, when [oidc] is configured: the relying party, just-in-time users in the
  // configured tenant, and the /auth routes.
  gov::InMemoryOidcLoginStore logins;
  std::unique_ptr<gov::OidcRelyingParty> relying_party;
  std::unique_ptr<gov::IdentityOidcProvisioner> provisioner;
  std::unique_ptr<server::SignIn> sign_in;
  if (*sso) {
    const std::string& tenant = (*sso)->tenant;
    if (auto found = gov::Directory(*data->db, core::system_clock(), identity_options(*data))
                         .get_tenant(tenant);
        !found) {
      return report(core::Error(found.error().code(), "oidc.tenant",
                                "the tenant \"" + tenant +
                                    "\" that signed-in users join does not exist; create it "
                                    "with `ward admin tenant create` or change oidc.tenant"));
    }
    auto created =
        gov::OidcRelyingParty::create((*sso)->relying_party, logins, core::system_clock());
    if (!created) return report(created.error());
    relying_party = std::move(*created);
    provisioner = std::make_unique<gov::IdentityOidcProvisioner>(*data->db, core::system_clock(),
                                                                 tenant, identity_options(*data));
    sign_in = std::make_unique<server::SignIn>(gateway, *relying_party, *provisioner, tenant);
  }

  // The scanner's rules, once for every request; a failure leaves only POST /api/v1/scan
  // unavailable (503), not the server.
  const server::ScanContext scan_rules = server::ScanContext::load();

  server::ServerOptions options;
  options.listen = *listen;
  options.tls_cert = tls->cert;
  options.tls_key = tls->key;
  options.tls_client_ca = config.server.tls_client_ca;
  options.gateway = &gateway;
  options.sign_in = sign_in.get();
  options.assist = &assist;
  options.scan = &scan_rules;
  auto server = server::Server::create(options);
  if (!server) return report(server.error());

  auto token = gov::Bootstrap(*data->db, core::system_clock()).issue(kBootstrapTokenLifetime);
  if (!token) return report(token.error());
  announce(**server, *token, relying_party.get());
  warn_about_random_models(*models, std::cout);
  std::cout.flush();

  std::thread watcher([&] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("received signal {}; finishing requests in flight and stopping", received);
    (*server)->stop();
  });
  core::Status served = (*server)->run();
  pthread_kill(watcher.native_handle(), SIGTERM);  // wakes the watcher if run() ended by itself
  watcher.join();
  if (!served) return report(served.error());
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, CommandContext& context) {
  auto* serve = app.add_subcommand("serve", "run the HTTPS gateway for IDEs and the CLI");
  bind_setting(*serve, context, "--listen", "server.listen", "address to listen on");
  auto model = std::make_shared<std::string>();
  serve
      ->add_option("--model", *model,
                   "the default model: a GGUF file to serve with Ward's engine, or the name of a "
                   "configured [models.NAME]")
      ->type_name("FILE.gguf|NAME");
  serve->callback([&context, model] {
    context.action = [&context, model] { return run_serve(context.inputs, *model); };
  });
}

}  // namespace ward::cli
