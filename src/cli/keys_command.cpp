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
// secret from WARD_MASTER_KEY or keys.master_key_file. Key files that the group or others can read
// are refused. Key material is never printed or logged: output names tenants, versions and counts.

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/audited_session.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "gov/identity/directory.h"
#include "gov/keys/keyring.h"
#include "gov/keys/master_key.h"
#include "gov/tenancy/tiers.h"

namespace ward::cli {
namespace {

struct KeysOptions {
  std::string tenant;
  std::string key_file;
};

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

// Opens the data directory with its keyring and audit log, records the key operation (refusing
// it if the event cannot be written), runs `work` on the tenant's id and prints what changed.
// Events name the tenant and operation, never key material.
// An import is refused (and that refusal audited) when the tenant's tier does not offer BYOK.
int with_keyring(
    const core::ConfigInputs& inputs, std::string_view operation, const std::string& tenant_name,
    const std::function<core::Result<gov::KeyChange>(gov::Keyring&, const std::string&)>& work) {
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
  auto change = work((*session)->keyring(), tenant->id);
  if (!change) {
    return (*session)->fail("ward:AdminKeys", resource, params,
                            name_the_tenant(change.error(), *tenant));
  }
  (*session)->finish();
  std::cout << fmt::format("tenant {}: {}\n", tenant->name, change->description);
  return kExitOk;
}

std::string describe_version(const gov::KekVersionStatus& version) {
  std::string line = fmt::format("  version {:<3} {:<13} {:<8} created {}", version.version,
                                 gov::origin_name(version.origin), gov::state_name(version.state),
                                 version.created_at);
  if (version.revoked_at) line += " revoked " + *version.revoked_at;
  line += fmt::format("  {} data key{}", version.data_keys, version.data_keys == 1 ? "" : "s");
  if (!version.material_present) {
    line += version.origin == gov::KekOrigin::kImported && version.state == gov::KekState::kRevoked
                ? "  (material erased; restore with the tenant's key)"
                : "  (material missing from the keyring file)";
  }
  return line;
}

void print_status(const gov::KeyStatus& status, const std::string& tenant_name) {
  if (status.destroyed_at) {
    std::cout << fmt::format("{}: keys destroyed at {}; its data can never be decrypted again\n",
                             tenant_name, *status.destroyed_at);
    return;
  }
  if (status.versions.empty()) {
    std::cout << fmt::format(
        "{}: no keys yet (a Ward-managed key is created when its first data "
        "is encrypted)\n",
        tenant_name);
    return;
  }
  const auto& active = status.versions.back();
  std::cout << fmt::format("{}: active version {} ({}, {}); {} data key{}, {} in use\n",
                           tenant_name, active.version, gov::origin_name(active.origin),
                           gov::state_name(active.state), status.data_keys,
                           status.data_keys == 1 ? "" : "s", status.active_data_keys);
  for (const auto& version : status.versions) std::cout << describe_version(version) << "\n";
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
    print_status(*status, found->name);
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
    print_status(status, name != names.end() ? name->second : status.tenant);
  }
  return kExitOk;
}

core::Result<gov::KeyChange> rewrap(gov::Keyring& keyring, const std::string& tenant) {
  auto report = keyring.rewrap(tenant);
  if (!report) return report.error();
  std::string description = fmt::format(
      "re-wrapped {} of {} data keys under version {} of the key-encryption key ({} were "
      "current already",
      report->rewrapped, report->data_keys, report->kek_version, report->already_current);
  if (report->unavailable > 0) {
    description +=
        fmt::format("; {} wrapped by revoked versions were left as they were", report->unavailable);
  }
  return gov::KeyChange{"rewrap", tenant, report->kek_version, description + ")"};
}

CLI::App* tenant_command(CLI::App& keys, const std::string& name, const std::string& help,
                         KeysOptions& options) {
  auto* command = keys.add_subcommand(name, help);
  command->add_option("--tenant", options.tenant, "the tenant's name")->required()->type_name("T");
  return command;
}

void add_key_file(CLI::App& command, KeysOptions& options) {
  command
      .add_option("--key-file", options.key_file,
                  "file with the tenant's 256-bit key: 32 raw bytes or 64 hex digits, mode 0600")
      ->required()
      ->type_name("FILE");
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
  status->callback([&context, options] {
    context.action = [&context, options] { return run_status(context.inputs, options->tenant); };
  });

  auto* import_command = tenant_command(
      *keys, "import", "make the tenant's own key (BYOK) its new key-encryption key", *options);
  add_key_file(*import_command, *options);
  import_command->callback([&context, options] {
    context.action = [&context, options] {
      auto key = gov::read_key_file(options->key_file);
      if (!key) return report(key.error());
      return with_keyring(context.inputs, "import", options->tenant,
                          [&](gov::Keyring& keyring, const std::string& id) {
                            return keyring.import_kek(id, *key);
                          });
    };
  });

  auto* rotate = tenant_command(
      *keys, "rotate", "give the tenant a new Ward-managed key-encryption key version", *options);
  rotate->callback([&context, options] {
    context.action = [&context, options] {
      return with_keyring(
          context.inputs, "rotate", options->tenant,
          [](gov::Keyring& keyring, const std::string& id) { return keyring.rotate_kek(id); });
    };
  });

  auto* revoke = tenant_command(
      *keys, "revoke", "revoke the tenant's imported key: its data is unreadable until restored",
      *options);
  revoke->callback([&context, options] {
    context.action = [&context, options] {
      return with_keyring(
          context.inputs, "revoke", options->tenant,
          [](gov::Keyring& keyring, const std::string& id) { return keyring.revoke_kek(id); });
    };
  });

  auto* restore = tenant_command(*keys, "restore",
                                 "restore a revoked key from the same key material", *options);
  add_key_file(*restore, *options);
  restore->callback([&context, options] {
    context.action = [&context, options] {
      auto key = gov::read_key_file(options->key_file);
      if (!key) return report(key.error());
      return with_keyring(context.inputs, "restore", options->tenant,
                          [&](gov::Keyring& keyring, const std::string& id) {
                            return keyring.restore_kek(id, *key);
                          });
    };
  });

  auto* rewrap_command = tenant_command(
      *keys, "rewrap", "re-wrap all of the tenant's data keys under its active key version",
      *options);
  rewrap_command->callback([&context, options] {
    context.action = [&context, options] {
      return with_keyring(
          context.inputs, "rewrap", options->tenant,
          [](gov::Keyring& keyring, const std::string& id) { return rewrap(keyring, id); });
    };
  });
}

}  // namespace ward::cli
