// `ward admin keys …`: the tenant keys of the data directory (docs/keys.md).
//
//   ward admin keys status  [--tenant T]
//   ward admin keys import  --tenant T --key-file F   (BYOK: F holds 32 raw bytes or 64 hex digits)
//   ward admin keys rotate  --tenant T
//   ward admin keys revoke  --tenant T
//   ward admin keys restore --tenant T --key-file F
//   ward admin keys rewrap  --tenant T
//
// The commands work on the data directory directly (for bootstrap and recovery), with the master
// secret from WARD_MASTER_KEY or keys.master_key_file; or, with `ward admin --server URL`, through
// the API on the caller's own tenant (without --tenant). Key files that the group or others can
// read are refused. Key material is never printed or logged: output names tenants, versions and
// counts.

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/audited_session.h"
#include "cli/commands.h"
#include "cli/remote_admin.h"
#include "core/clock.h"
#include "crypto/hash.h"
#include "gov/identity/directory.h"
#include "gov/keys/json.h"
#include "gov/keys/keyring.h"
#include "gov/keys/master_key.h"
#include "gov/tenancy/tiers.h"

namespace ward::cli {
namespace {

using nlohmann::json;

struct KeysOptions {
  std::string tenant;
  std::string key_file;
};

// What an operation does on the data directory: the JSON describing the change (gov/keys/json.h).
using LocalKeyWork = std::function<core::Result<json>(gov::Keyring&, const gov::Tenant&)>;

// The keyring knows tenants by id; people know them by name. Errors and output use the name.
core::Error name_the_tenant(const core::Error& error, const gov::Tenant& tenant) {
  if (error.where() != "tenant " + tenant.id) return error;
  return core::Error(error.code(), "tenant " + tenant.name, error.message());
}

core::Status byok_offered(const core::Config& config, const gov::Tenant& tenant) {
  auto tiers = gov::tier_catalog(config);
  if (!tiers) return tiers.error();
  auto tier = tiers->find(tenant.tier);
  if (!tier) return tier.error();
  return gov::check_byok_offered(*tier, tenant.name);
}

// "tenant NAME: what changed", from a change's JSON.
std::string change_line(const json& change) {
  return fmt::format("tenant {}: {}\n", change["tenant"].get<std::string>(),
                     change["description"].get<std::string>());
}

// Opens the data directory with its keyring and audit log, records the key operation (refusing
// it if the event cannot be written), runs `work` and prints what changed. Events name the tenant
// and operation, never key material. An import is refused (and that refusal audited) when the
// tenant's tier does not offer BYOK.
int with_keyring(const core::ConfigInputs& inputs, std::string_view operation,
                 const std::string& tenant_name, const LocalKeyWork& work) {
  if (tenant_name.empty()) {
    std::cerr << "ward: error: --tenant is required; see `ward admin keys --help`\n";
    return kExitUsage;
  }
  auto session = AuditedSession::open(inputs);
  if (!session) return report(session.error());
  auto tenant =
      gov::Directory(*(*session)->data().db, core::system_clock()).get_tenant(tenant_name);
  if (!tenant) return report(tenant.error());
  const std::string resource =
      fmt::format("ward:{}:{}:key/{}", tenant->region, tenant->name, operation);
  gov::AuditParams params;
  params.set("operation", std::string(operation));
  if (auto s = (*session)->record("ward:AdminKeys", resource, params, gov::AuditOutcome::kAllowed);
      !s) {
    return report(s.error());
  }
  if (operation == "import") {
    if (auto offered = byok_offered((*session)->config(), *tenant); !offered) {
      return (*session)->fail("ward:AdminKeys", resource, params, offered.error());
    }
  }
  auto change = work((*session)->keyring(), *tenant);
  if (!change) {
    return (*session)->fail("ward:AdminKeys", resource, params,
                            name_the_tenant(change.error(), *tenant));
  }
  (*session)->finish();
  std::cout << change_line(*change);
  return kExitOk;
}

std::string describe_version(const json& version) {
  const std::string origin = version["origin"];
  const std::string state = version["state"];
  std::string line = fmt::format("  version {:<3} {:<13} {:<8} created {}",
                                 version["version"].get<std::uint32_t>(), origin, state,
                                 version["created_at"].get<std::string>());
  if (version["revoked_at"].is_string()) {
    line += " revoked " + version["revoked_at"].get<std::string>();
  }
  const auto data_keys = version["data_keys"].get<std::int64_t>();
  line += fmt::format("  {} data key{}", data_keys, data_keys == 1 ? "" : "s");
  if (!version["material_present"].get<bool>()) {
    line += origin == "imported" && state == "revoked"
                ? "  (material erased; restore with the tenant's key)"
                : "  (material missing from the keyring file)";
  }
  return line;
}

// A tenant's keys as `status` prints them, from key_status_json.
std::string status_text(const json& status) {
  const std::string tenant = status["tenant"];
  if (status["destroyed_at"].is_string()) {
    return fmt::format("{}: keys destroyed at {}; its data can never be decrypted again\n", tenant,
                       status["destroyed_at"].get<std::string>());
  }
  const json& versions = status["versions"];
  if (versions.empty()) {
    return fmt::format(
        "{}: no keys yet (a Ward-managed key is created when its first data is encrypted)\n",
        tenant);
  }
  const json& active = versions.back();
  const auto data_keys = status["data_keys"].get<std::int64_t>();
  std::string out = fmt::format("{}: active version {} ({}, {}); {} data key{}, {} in use\n",
                                tenant, active["version"].get<std::uint32_t>(),
                                active["origin"].get<std::string>(),
                                active["state"].get<std::string>(), data_keys,
                                data_keys == 1 ? "" : "s",
                                status["active_data_keys"].get<std::int64_t>());
  for (const json& version : versions) out += describe_version(version) + "\n";
  return out;
}

int run_status(const core::ConfigInputs& inputs, const std::string& tenant) {
  auto data = open_data_dir(inputs);
  if (!data) return report(data.error());
  auto keyring = open_keyring(*data);
  if (!keyring) return report(keyring.error());
  gov::Directory directory(*data->db, core::system_clock());
  if (!tenant.empty()) {
    auto found = directory.get_tenant(tenant);
    if (!found) return report(found.error());
    auto status = keyring->status(found->id);
    if (!status) return report(name_the_tenant(status.error(), *found));
    std::cout << status_text(gov::key_status_json(*status, found->name));
    return kExitOk;
  }
  auto tenants = directory.list_tenants();
  if (!tenants) return report(tenants.error());
  std::map<std::string, std::string> names;
  for (const auto& t : *tenants) names[t.id] = t.name;
  auto all = keyring->status_all();
  if (!all) return report(all.error());
  if (all->empty()) std::cout << "no tenant has keys yet\n";
  for (const auto& status : *all) {
    auto name = names.find(status.tenant);
    // A purged tenant's name is gone with it; its id is all that is left to show.
    std::cout << status_text(
        gov::key_status_json(status, name != names.end() ? name->second : status.tenant));
  }
  return kExitOk;
}

// Runs an operation on the data directory, or through the API (`POST /api/v1/admin/keys/NAME`
// with `body`) for `ward admin --server`.
int run_operation(const CommandContext& context, const CLI::App& command,
                  const KeysOptions& options, const std::string& operation,
                  const LocalKeyWork& local, const std::function<core::Result<json>()>& body) {
  if (context.remote.enabled()) {
    return run_remote_admin(context, command,
                            [&](const ApiClient& api) -> core::Result<std::string> {
                              auto request = body();
                              if (!request) return request.error();
                              auto reply = api.post("/api/v1/admin/keys/" + operation, *request);
                              if (!reply) return reply.error();
                              return change_line(*reply);
                            });
  }
  return with_keyring(context.inputs, operation, options.tenant, local);
}

core::Result<json> no_body() { return json::object(); }

// {"key": "<hex>"} from the key file, for import and restore through the API (TLS protects it
// in transit; the server never logs it).
core::Result<json> key_body(const std::string& key_file) {
  auto key = gov::read_key_file(key_file);
  if (!key) return key.error();
  return json{{"key", crypto::to_hex(key->view())}};
}

void add_key_file(CLI::App& command, KeysOptions& options) {
  command
      .add_option("--key-file", options.key_file,
                  "file with the tenant's 256-bit key: 32 raw bytes or 64 hex digits, mode 0600")
      ->required()
      ->type_name("FILE");
}

// A subcommand running `operation` (with --tenant, required on the data directory).
CLI::App* add_operation(CLI::App& keys, CommandContext& context,
                        const std::shared_ptr<KeysOptions>& options, const std::string& operation,
                        const std::string& help, LocalKeyWork local,
                        std::function<core::Result<json>()> body) {
  auto* command = keys.add_subcommand(operation, help);
  command->add_option("--tenant", options->tenant, "the tenant's name")->type_name("T");
  command->callback([&context, command, options, operation, local, body] {
    context.action = [&context, command, options, operation, local, body] {
      return run_operation(context, *command, *options, operation, local, body);
    };
  });
  return command;
}

core::Result<json> change_json(const core::Result<gov::KeyChange>& change,
                               const gov::Tenant& tenant) {
  if (!change) return change.error();
  return gov::key_change_json(*change, tenant.name);
}

}  // namespace

void add_keys_commands(CLI::App& admin, CommandContext& context) {
  auto* keys = admin.add_subcommand(
      "keys", "tenant encryption keys: status, import (BYOK), rotate, revoke, restore, rewrap");
  keys->require_subcommand(1);
  // Owned by the callbacks below, which CLI11 keeps for as long as the app lives.
  auto options = std::make_shared<KeysOptions>();

  auto* status = keys->add_subcommand("status", "show the key versions and data keys of tenants");
  status->add_option("--tenant", options->tenant, "only this tenant")->type_name("T");
  status->callback([&context, options, status] {
    context.action = [&context, options, status] {
      if (!context.remote.enabled()) return run_status(context.inputs, options->tenant);
      return run_remote_admin(context, *status,
                              [](const ApiClient& api) -> core::Result<std::string> {
                                auto reply = api.get("/api/v1/admin/keys");
                                if (!reply) return reply.error();
                                return status_text(*reply);
                              });
    };
  });

  auto* import_command = add_operation(
      *keys, context, options, "import", "make the tenant's own key (BYOK) its new key-encryption key",
      [options](gov::Keyring& keyring, const gov::Tenant& tenant) -> core::Result<json> {
        auto key = gov::read_key_file(options->key_file);
        if (!key) return key.error();
        return change_json(keyring.import_kek(tenant.id, *key), tenant);
      },
      [options] { return key_body(options->key_file); });
  add_key_file(*import_command, *options);

  add_operation(
      *keys, context, options, "rotate", "give the tenant a new Ward-managed key-encryption key version",
      [](gov::Keyring& keyring, const gov::Tenant& tenant) {
        return change_json(keyring.rotate_kek(tenant.id), tenant);
      },
      no_body);

  add_operation(
      *keys, context, options, "revoke",
      "revoke the tenant's imported key: its data is unreadable until restored",
      [](gov::Keyring& keyring, const gov::Tenant& tenant) {
        return change_json(keyring.revoke_kek(tenant.id), tenant);
      },
      no_body);

  auto* restore = add_operation(
      *keys, context, options, "restore", "restore a revoked key from the same key material",
      [options](gov::Keyring& keyring, const gov::Tenant& tenant) -> core::Result<json> {
        auto key = gov::read_key_file(options->key_file);
        if (!key) return key.error();
        return change_json(keyring.restore_kek(tenant.id, *key), tenant);
      },
      [options] { return key_body(options->key_file); });
  add_key_file(*restore, *options);

  add_operation(
      *keys, context, options, "rewrap",
      "re-wrap all of the tenant's data keys under its active key version",
      [](gov::Keyring& keyring, const gov::Tenant& tenant) -> core::Result<json> {
        auto rewrapped = keyring.rewrap(tenant.id);
        if (!rewrapped) return rewrapped.error();
        return gov::rewrap_report_json(*rewrapped, tenant.name);
      },
      no_body);
}

}  // namespace ward::cli
