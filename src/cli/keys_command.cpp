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

#include "cli/commands.h"
#include "core/clock.h"
#include "gov/keys/keyring.h"
#include "gov/keys/master_key.h"

namespace ward::cli {
namespace {

struct KeysOptions {
  std::string tenant;
  std::string key_file;
};

// Every command that changes keys ends here with what it changed. This is the seam for the audit
// log: one event per gov::KeyChange (operation, tenant, version, description), which never holds
// key material. Today it prints the description.
int finish(const gov::KeyChange& change) {
  std::cout << fmt::format("tenant {}: {}\n", change.tenant, change.description);
  return kExitOk;
}

// Opens the data directory and its keyring, runs `work`, and reports an error if any.
int with_keyring(const core::ConfigInputs& inputs,
                 const std::function<core::Result<gov::KeyChange>(gov::Keyring&)>& work) {
  auto data = open_data_dir(inputs);
  if (!data) return report(data.error());
  auto keyring = open_keyring(*data);
  if (!keyring) return report(keyring.error());
  auto change = work(*keyring);
  if (!change) return report(change.error());
  return finish(*change);
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

void print_status(const gov::KeyStatus& status) {
  if (status.destroyed_at) {
    std::cout << fmt::format("{}: keys destroyed at {}; its data can never be decrypted again\n",
                             status.tenant, *status.destroyed_at);
    return;
  }
  if (status.versions.empty()) {
    std::cout << fmt::format(
        "{}: no keys yet (a Ward-managed key is created when its first data "
        "is encrypted)\n",
        status.tenant);
    return;
  }
  const auto& active = status.versions.back();
  std::cout << fmt::format("{}: active version {} ({}, {}); {} data key{}, {} in use\n",
                           status.tenant, active.version, gov::origin_name(active.origin),
                           gov::state_name(active.state), status.data_keys,
                           status.data_keys == 1 ? "" : "s", status.active_data_keys);
  for (const auto& version : status.versions) std::cout << describe_version(version) << "\n";
}

int run_status(const core::ConfigInputs& inputs, const std::string& tenant) {
  auto data = open_data_dir(inputs);
  if (!data) return report(data.error());
  auto keyring = open_keyring(*data);
  if (!keyring) return report(keyring.error());
  if (!tenant.empty()) {
    auto status = keyring->status(tenant);
    if (!status) return report(status.error());
    print_status(*status);
    return kExitOk;
  }
  auto all = keyring->status_all();
  if (!all) return report(all.error());
  if (all->empty()) std::cout << "no tenant has keys yet\n";
  for (const auto& status : *all) print_status(status);
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
  command->add_option("--tenant", options.tenant, "the tenant id")->required()->type_name("T");
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

  auto* import = tenant_command(
      *keys, "import", "make the tenant's own key (BYOK) its new key-encryption key", *options);
  add_key_file(*import, *options);
  import->callback([&context, options] {
    context.action = [&context, options] {
      auto key = gov::read_key_file(options->key_file);
  if (!key) return report(key.error());
  return with_keyring(context.inputs, [&](gov::Keyring& keyring) {
    return keyring.import_kek(options->tenant, *key);
  });
};
}  // namespace ward::cli
);

auto* rotate = tenant_command(
    *keys, "rotate", "give the tenant a new Ward-managed key-encryption key version", *options);
rotate->callback([&context, options] {
  context.action = [&context, options] {
    return with_keyring(context.inputs,
                        [&](gov::Keyring& keyring) { return keyring.rotate_kek(options->tenant); });
  };
});

auto* revoke = tenant_command(
    *keys, "revoke", "revoke the tenant's imported key: its data is unreadable until restored",
    *options);
revoke->callback([&context, options] {
  context.action = [&context, options] {
    return with_keyring(context.inputs,
                        [&](gov::Keyring& keyring) { return keyring.revoke_kek(options->tenant); });
  };
});

auto* restore =
    tenant_command(*keys, "restore", "restore a revoked key from the same key material", *options);
add_key_file(*restore, *options);
restore->callback([&context, options] {
  context.action = [&context, options] {
    auto key = gov::read_key_file(options->key_file);
    if (!key) return report(key.error());
    return with_keyring(context.inputs, [&](gov::Keyring& keyring) {
      return keyring.restore_kek(options->tenant, *key);
    });
  };
});

auto* rewrap_command =
    tenant_command(*keys, "rewrap",
                   "re-wrap all of the tenant's data keys under its active key version", *options);
rewrap_command->callback([&context, options] {
  context.action = [&context, options] {
    return with_keyring(context.inputs,
                        [&](gov::Keyring& keyring) { return rewrap(keyring, options->tenant); });
  };
});
}

}  // namespace ward::cli
