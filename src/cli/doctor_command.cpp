// `ward doctor`: checks the configuration, the data directory, the database, the CPU and the TLS
// certificate without changing anything, and prints one line per check with the fix for each
// problem. Exits non-zero when any check fails.

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "core/cpu.h"
#include "crypto/tls.h"
#include "server/tls_files.h"
#include "store/sqlite_store.h"

namespace ward::cli {
namespace {

namespace fs = std::filesystem;

enum class Level { kOk, kWarn, kFail };

struct Finding {
  Level level;
  std::string subject;
  std::string text;
};

using Findings = std::vector<Finding>;

std::string error_text(const core::Error& error) { return error.to_string(); }

void check_data_dir(const fs::path& dir, Findings& out) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::path ancestor = dir.parent_path();
    while (!ancestor.empty() && !fs::exists(ancestor, ec) && ancestor != ancestor.root_path()) {
      ancestor = ancestor.parent_path();
    }
    if (::access(ancestor.c_str(), W_OK | X_OK) == 0) {
      out.push_back({Level::kOk, "data dir", dir.string() + " (created on first `ward serve`)"});
    } else {
      out.push_back({Level::kFail, "data dir",
                     fmt::format("{} cannot be created: {} is not writable; choose another "
                                 "directory with --data-dir or grant write access",
                                 dir.string(), ancestor.string())});
    }
    return;
  }
  if (!fs::is_directory(dir, ec)) {
    out.push_back({Level::kFail, "data dir",
                   dir.string() + " is not a directory; remove it or choose another --data-dir"});
    return;
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    out.push_back({Level::kFail, "data dir",
                   dir.string() + " is not writable; grant the ward user write access"});
    return;
  }
  struct stat info {};
  if (::stat(dir.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    out.push_back({Level::kWarn, "data dir",
                   fmt::format("{} is accessible to other users (mode {:o}); run chmod 700 {}",
                               dir.string(), info.st_mode & 0777, dir.string())});
    return;
  }
  out.push_back({Level::kOk, "data dir", dir.string()});
}

void check_database(const fs::path& file, Findings& out) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    out.push_back({Level::kOk, "database", file.string() + " (created on first `ward serve`)"});
    return;
  }
  auto db = store::open_sqlite(file, {});
  if (!db) {
    out.push_back({Level::kFail, "database", error_text(db.error())});
    return;
  }
  auto tx = (*db)->begin({store::Access::kReadOnly, store::Durability::kNormal});
  auto rows = tx ? (*tx)->query("SELECT component, MAX(version) AS version FROM schema_migrations "
                                "GROUP BY component ORDER BY component")
                 : core::Result<std::vector<store::Row>>(tx.error());
  if (!rows) {
    out.push_back({Level::kFail, "database", error_text(rows.error())});
    return;
  }
  std::string schema;
  for (const auto& row : *rows) {
    auto component = row.get_text("component");
    auto version = row.get_int("version");
    if (!component || !version) {
      out.push_back({Level::kFail, "database", error_text(component ? version.error() : component.error())});
      return;
    }
    schema += fmt::format("{}{} v{}", schema.empty() ? "" : ", ", *component, *version);
  }
  out.push_back({Level::kOk, "database",
                 fmt::format("{} (schema: {})", file.string(), schema.empty() ? "empty" : schema)});
}

void check_cpu(Findings& out) {
  const auto& features = core::cpu_features();
  const std::string family = core::best_kernel_family(features);
  const std::string text = fmt::format("{}; engine kernels: {}", core::describe(features), family);
  if (family == "scalar") {
    out.push_back({Level::kWarn, "cpu",
                   text + "; this CPU lacks AVX2/FMA/F16C, so the embedded engine will be slow: "
                          "use an OpenAI-compatible upstream model server instead"});
  } else {
    out.push_back({Level::kOk, "cpu", text});
  }
}

void check_certificate(const core::Config& config, Findings& out) {
  const server::TlsFiles files = server::tls_files_for(config);
  std::error_code ec;
  if (files.self_signed && !fs::exists(files.cert, ec)) {
    out.push_back({Level::kOk, "certificate",
                   "none yet; `ward serve` will generate a self-signed one for localhost in " +
                       files.cert.parent_path().string()});
    return;
  }
  auto info = crypto::inspect_certificate(files.cert, files.key);
  if (!info) {
    out.push_back({Level::kFail, "certificate", error_text(info.error())});
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const auto days_left =
      std::chrono::duration_cast<std::chrono::days>(info->not_after - now).count();
  const std::string summary =
      fmt::format("{} ({}{}, expires in {} days)", files.cert.string(), info->subject,
                  files.self_signed ? ", self-signed" : "", days_left);
  if (!info->key_matches) {
    out.push_back({Level::kFail, "certificate",
                   summary + ": the private key " + files.key.string() +
                       " does not belong to it; configure the matching key"});
  } else if (info->not_after <= now || info->not_before > now) {
    out.push_back({Level::kFail, "certificate",
                   summary + ": not valid now; renew it" +
                       (files.self_signed ? " (delete both files and restart `ward serve`)" : "")});
  } else if (days_left < 30) {
    out.push_back({Level::kWarn, "certificate", summary + ": renew it soon"});
  } else {
    out.push_back({Level::kOk, "certificate", summary});
  }
}

const char* label(Level level) {
  switch (level) {
    case Level::kOk: return "ok  ";
    case Level::kWarn: return "warn";
    case Level::kFail: return "FAIL";
  }
  return "FAIL";
}

int run_doctor(const core::ConfigInputs& inputs) {
  Findings findings;
  auto loaded = core::load_config(inputs);
  core::Config config;
  if (loaded) {
    config = *loaded;
    findings.push_back({Level::kOk, "config",
                        config.config_file.empty() ? "defaults (no ward.toml)"
                                                   : config.config_file.string()});
  } else {
    findings.push_back({Level::kFail, "config", error_text(loaded.error())});
    // Check the data directory the user named even though the rest of the config is unusable.
    auto flag = inputs.flags.find("data_dir");
    config.data_dir = flag != inputs.flags.end() ? inputs.working_dir / flag->second
                                                 : core::default_data_dir(inputs);
  }
  check_data_dir(config.data_dir, findings);
  check_database(config.data_dir / "ward.db", findings);
  check_cpu(findings);
  check_certificate(config, findings);

  bool failed = false;
  for (const auto& finding : findings) {
    std::cout << label(finding.level) << "  " << fmt::format("{:<12}", finding.subject)
              << finding.text << "\n";
    failed = failed || finding.level == Level::kFail;
  }
  return failed ? kExitFailure : kExitOk;
}

}  // namespace

void add_doctor_command(CLI::App& app, CommandContext& context) {
  auto* doctor = app.add_subcommand("doctor", "check the installation and say how to fix problems");
  doctor->callback([&context] { context.action = [&context] { return run_doctor(context.inputs); }; });
}

}  // namespace ward::cli
