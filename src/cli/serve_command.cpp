// `ward serve`: prepares the data directory, the store and the certificate, binds the listener,
// prints the URL (and the one-time bootstrap token while no administrator exists), then serves
// until SIGINT or SIGTERM, finishing the requests in flight.

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "assist/completion.h"
#include "backend/embedded.h"
#include "backend/openai.h"
#include "cli/commands.h"
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

core::Result<std::unique_ptr<backend::Backend>> load_upstream(const std::string& name,
                                                              const core::ModelConfig& model,
                                                              const core::Config& config) {
  std::string api_key;
  if (!model.api_key_file.empty()) {
    auto key = core::read_private_file(model.api_key_file, "the upstream's API key", 4096);
    if (!key) return key.error();
    api_key = std::move(*key);  // already trimmed of surrounding white space
  }
  auto upstream = backend::OpenAiBackend::create(
      {.name = name,
       .url = model.url,
       .upstream_model = model.upstream_model,
       .api_key = std::move(api_key),
       .ca_bundle = model.ca_bundle,
       .proxy = model.proxy,
       .connect_timeout = std::chrono::milliseconds(model.connect_timeout_ms),
       .read_timeout = std::chrono::milliseconds(model.read_timeout_ms),
       .retries = static_cast<int>(model.retries),
       .context_length = model.context > 0 ? static_cast<int32_t>(model.context) : 4096,
       .region = model.region.empty() ? config.region : model.region});
  if (!upstream) {
    return core::Error(upstream.error().code(), "models." + name + "." + upstream.error().where(),
                       upstream.error().message());
  }
  spdlog::info("model \"{}\" served by the upstream {}", name, model.url);
  return std::unique_ptr<backend::Backend>(std::move(*upstream));
}

core::Result<std::unique_ptr<backend::Backend>> load_model(const std::string& name,
                                                           const core::ModelConfig& model,
                                                           const core::Config& config) {
  if (!model.url.empty()) return load_upstream(name, model, config);
  std::optional<infer::fim::Format> fim;
  if (!model.fim.empty()) {
    auto format = infer::fim::parse_format(model.fim);
    if (!format) {
      return core::Error(format.error().code(), "models." + name + ".fim",
                         format.error().message());
    }
    fim = *format;
  }
  auto loaded = backend::EmbeddedBackend::load(
      {.name = name,
       .path = model.path,
       .fim_format = fim,
       .context_size = static_cast<int32_t>(model.context),
       .threads = static_cast<int>(model.threads),
       .slots = static_cast<int>(model.slots),
       .region = model.region.empty() ? config.region : model.region});
  if (!loaded) return loaded.error();
  const backend::ModelInfo& info = (*loaded)->info();
  spdlog::info("model \"{}\" loaded from {} ({} tokens of context, fill-in-the-middle: {})",
               info.name, model.path.string(), info.context_length,
               info.fill_in_the_middle ? "yes" : "no");
  return std::unique_ptr<backend::Backend>(std::move(*loaded));
}

// The models to serve, the default first: --model FILE, then [models.NAME] (default_model
// first, the rest by name); with neither, <data dir>/models/default.gguf when `make run` put
// one there.
core::Result<backend::BackendSet> load_models(const std::string& model_flag,
                                              const core::Config& config) {
  std::vector<std::pair<std::string, core::ModelConfig>> wanted;
  if (!model_flag.empty()) {
    const std::filesystem::path path(model_flag);
    wanted.push_back({path.stem().string(), core::ModelConfig{.path = path}});
  }
  if (!config.default_model.empty()) {
    auto it = config.models.find(config.default_model);
    if (it == config.models.end()) {
      return core::Error(core::Code::kInvalidArgument, "default_model",
                         "no [models." + config.default_model +
                             "] table names that model; add "
                             "one or change default_model");
    }
    wanted.push_back(*it);
  }
  for (const auto& entry : config.models) {
    if (entry.first != config.default_model) wanted.push_back(entry);
  }
  const std::filesystem::path fallback = config.data_dir / "models" / "default.gguf";
  if (wanted.empty() && std::filesystem::exists(fallback)) {
    wanted.push_back({"default", core::ModelConfig{.path = fallback}});
  }
  backend::BackendSet models;
  for (const auto& [name, model] : wanted) {
    auto loaded = load_model(name, model, config);
    if (!loaded) return loaded.error();
    models.add(std::move(*loaded));
  }
  return models;
}

// Says loudly which models only produce random text (`ward model synth`), and how to fix it.
void warn_about_random_models(const backend::BackendSet& models) {
  for (const auto& model : models.all()) {
    if (!model->info().random_weights) continue;
    std::cout << "Warning: the model \"" << model->info().name
              << "\" has random weights (made by `ward model synth`): its suggestions are random "
                 "text. Configure a real code model with [models.NAME] path = \"FILE.gguf\" in "
                 "ward.toml, or start with --model FILE.gguf.\n";
  }
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
  warn_about_random_models(*models);
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
                   "a GGUF model to serve with Ward's engine (the default model)")
      ->type_name("FILE.gguf");
  serve->callback([&context, model] {
    context.action = [&context, model] { return run_serve(context.inputs, *model); };
  });
}

}  // namespace ward::cli
