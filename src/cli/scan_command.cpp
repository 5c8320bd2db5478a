// `ward scan [PATH...]`: the security scanner (docs/scanner.md) on files and directories, with
// no server and no model — except with --ai-fix, which asks the configured model for fixes
// (scan_ai_fix.h). Prints findings as text, JSON or SARIF; exits 0 when nothing at or above
// --fail-on was found, 1 when something was, 2 on an error (bad flags, a rule that does not load,
// no model for --ai-fix).

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "cli/commands.h"
#include "cli/models.h"
#include "cli/scan_ai_fix.h"
#include "core/file.h"
#include "core/log.h"
#include "gov/tenancy/residency.h"
#include "scan/baseline.h"
#include "scan/fix.h"
#include "scan/report.h"
#include "scan/scanner.h"

namespace ward::cli {
namespace {

constexpr int kExitFindings = 1;
constexpr int kExitScanError = 2;

struct ScanCommandOptions {
  std::vector<std::string> paths;
  std::vector<std::string> rule_dirs;
  std::string format = "text";
  std::string output;
  std::string fail_on = "info";
  std::string min_severity = "info";
  std::string baseline;
  std::string write_baseline;
  bool fix = false;
  bool ai_fix = false;
  std::string model;  // --model: for --ai-fix
  bool dry_run = false;
  bool list_rules = false;
  bool incremental = false;
  unsigned threads = 0;
  uint64_t max_file_size = scan::ScanLimits{}.max_file_bytes;
};

int scan_error(const core::Error& error) {
  report(error);
  return kExitScanError;
}

core::Result<scan::Severity> severity_flag(const std::string& flag, const std::string& value) {
  auto severity = scan::parse_severity(value);
  if (!severity) {
    return core::Error(
        core::Code::kInvalidArgument, flag,
        "\"" + value + "\" is not a severity: use info, low, medium, high or critical");
  }
  return *severity;
}

// `originals`: the texts of files that are about to change (--ai-fix), which SARIF's fix regions
// refer to.
std::string render(const ScanCommandOptions& options, const scan::ScanResult& result,
                   const scan::RuleSet& rules,
                   const std::map<std::filesystem::path, std::string>& originals = {}) {
  if (options.format == "json") return scan::render_json(result, rules.rules());
  if (options.format == "sarif") {
    scan::SarifOptions sarif;
    std::error_code ec;
    sarif.source_root = std::filesystem::current_path(ec);
    sarif.read_file =
        [&originals](const std::filesystem::path& file) -> std::optional<std::string> {
      if (auto it = originals.find(file); it != originals.end()) return it->second;
      auto text = core::read_file(file);
      return text ? std::optional<std::string>(std::move(*text)) : std::nullopt;
    };
    return scan::render_sarif(result, rules.rules(), sarif);
  }
  scan::TextOptions text;
  text.color = options.output.empty() && isatty(STDOUT_FILENO) != 0;
  return scan::render_text(result, rules.rules(), text);
}

// --list-rules: one line per rule (id, severity, CWEs, languages, title), tab-separated, or as a
// Markdown table (docs/scanner.md holds that table and a test keeps it in step with rules/).
std::string list_rules(const std::vector<scan::RuleInfo>& rules, bool markdown) {
  std::string out =
      markdown ? "| rule | severity | CWE | languages | title |\n|---|---|---|---|---|\n" : "";
  for (const auto& rule : rules) {
    std::string cwes, languages;
    for (int cwe : rule.cwe) cwes += (cwes.empty() ? "" : ", ") + std::to_string(cwe);
    for (auto language : rule.languages) {
      if (language == scan::Language::kTsx) continue;  // listed as typescript
      languages += (languages.empty() ? "" : ", ") + std::string(scan::language_name(language));
    }
    if (languages.empty()) languages = "any text file";
    std::string severity(scan::severity_name(rule.severity));
    out += markdown ? "| `" + rule.id + "` | " + severity + " | " + (cwes.empty() ? "-" : cwes) +
                          " | " + languages + " | " + rule.title + " |\n"
                    : rule.id + "\t" + severity + "\t" + cwes + "\t" + languages + "\t" +
                          rule.title + "\n";
  }
  return out;
}

// Replaces a fixed file atomically (temporary file, fsync, rename), keeping its permissions.
core::Status write_fixed(const std::filesystem::path& file, const std::string& text) {
  return core::write_file_atomic(file, text,
                                 static_cast<mode_t>(std::filesystem::status(file).permissions()));
}

std::string count(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// --fix: applies every finding's fix, file by file; with --dry-run prints the diff instead.
core::Status apply_fixes(const scan::ScanResult& result, bool dry_run, std::ostream& out) {
  std::map<std::filesystem::path, std::vector<scan::Fix>> by_file;
  for (const auto& finding : result.findings) {
    if (finding.fix) by_file[finding.file].push_back(*finding.fix);
  }
  size_t applied = 0;
  for (const auto& [file, fixes] : by_file) {
    auto before = core::read_file(file);
    if (!before) return before.error();
    auto outcome = scan::apply_fixes(*before, fixes);
    if (!outcome) return outcome.error().with_context("fixing " + file.string() + ": ");
    if (dry_run) {
      out << scan::unified_diff(file.generic_string(), *before, outcome->text);
    } else if (outcome->text != *before) {
      if (auto status = write_fixed(file, outcome->text); !status) return status.error();
    }
    applied += outcome->applied;
  }
  std::cerr << "ward scan: " << (dry_run ? "would apply " : "applied ") << applied << " fix"
            << (applied == 1 ? "" : "es") << " in " << by_file.size() << " file"
            << (by_file.size() == 1 ? "" : "s") << "\n";
  return core::ok_status();
}

// The model --ai-fix asks: --model, else the configured default (models.h), loaded the way
// `ward serve` loads it, and only when its region is the deployment's own.
core::Result<std::unique_ptr<backend::Backend>> load_fix_model(const std::string& model_flag,
                                                               const core::ConfigInputs& inputs) {
  auto config = core::load_config(inputs);
  if (!config) return config.error();
  // Warnings and errors only, beside the report, unless --log-level or WARD_LOG_LEVEL asks for
  // more (the configuration file's level is the server's).
  core::LogOptions log = config->log;
  if (!inputs.flags.contains("log.level") && !inputs.environment.contains("WARD_LOG_LEVEL")) {
    log.level = "warn";
  }
  if (auto status = core::init_logging(log); !status) return status.error();
  auto wanted = configured_models(model_flag, *config);
  if (!wanted) return wanted.error();
  if (wanted->empty()) {
    return core::Error(
        core::Code::kFailedPrecondition, "--ai-fix",
        "no model is configured to propose fixes: add a [models.NAME] table to ward.toml (path = "
        "\"FILE.gguf\" for Ward's engine, or url = \"https://HOST/v1\" for an OpenAI-compatible "
        "server; see docs/configuration.md), or pass --model NAME|FILE.gguf");
  }
  if (!model_flag.empty() && !config->models.contains(model_flag) &&
      !std::filesystem::exists(model_flag)) {
    return core::Error(core::Code::kNotFound, "--model",
                       "\"" + model_flag + "\" is neither a configured model ([models." +
                           model_flag + "] in ward.toml) nor a GGUF file");
  }
  const auto& [name, model] = wanted->front();
  auto loaded = load_model(name, model, *config);
  if (!loaded) {
    return core::Error(
        loaded.error().code(), "--ai-fix",
        "the model \"" + name + "\" could not be loaded: " + loaded.error().to_string());
  }
  // Code leaves for the model only within the deployment's region (no policy grants more here).
  if (auto residency = gov::check_residency(gov::region_map(*config), config->region,
                                            (*loaded)->info().region, false);
      !residency) {
    return residency.error();
  }
  return loaded;
}

void print_outcome(std::ostream& out, const AiFixResult& result) {
  out << result.file.generic_string() << ":" << result.line << ": " << result.rule_id
      << ": model fix " << result.outcome.status
      << (result.outcome.reason.empty() ? "" : ": " + result.outcome.reason) << "\n";
}

// --ai-fix: after the scan, asks the model (scan_ai_fix.h); then prints the report with each
// finding's outcome and writes the accepted fixes, or (--dry-run) prints them as a diff, or (with
// --fix) makes the rules' fixes and the model's.
int run_ai_fix(const ScanCommandOptions& options, backend::Backend& fixer,
               const scan::RuleSet& rules, scan::ScanResult& result, scan::Severity min_severity) {
  AiFixOptions fix_options{.min_severity = min_severity,
                           .baseline = options.baseline,
                           .with_rule_fixes = options.fix,
                           .dry_run = options.dry_run};
  auto run = run_ai_fixes(rules, result, fixer, fix_options);
  if (!run) return scan_error(run.error());

  // The report (without --fix or --dry-run): each outcome on its finding, an accepted fix as the
  // finding's fix; outcomes without their finding (the file changed since the scan) on stderr.
  const bool report = !options.fix && !options.dry_run;
  std::map<std::string, const AiFixResult*> by_fingerprint;
  for (const AiFixResult& r : run->results) by_fingerprint.emplace(r.fingerprint, &r);
  std::set<const AiFixResult*> shown;
  if (report) {
    for (scan::Finding& finding : result.findings) {
      auto it = by_fingerprint.find(finding.fingerprint);
      if (it == by_fingerprint.end() || it->second->file != finding.file) continue;
      finding.ai_fix = it->second->outcome;
      if (it->second->fix) finding.fix = it->second->fix;
      shown.insert(it->second);
    }
  }
  for (const AiFixResult& r : run->results) {
    if (!shown.contains(&r)) print_outcome(std::cerr, r);
  }

  std::map<std::filesystem::path, std::string> originals;
  for (const FileRewrite& file : run->files) originals.emplace(file.file, file.before);
  std::string text;
  if (report) text = render(options, result, rules, originals);
  if (options.dry_run) {
    for (const FileRewrite& file : run->files) {
      std::cout << scan::unified_diff(file.file.generic_string(), file.before, file.after);
    }
  } else {
    for (const FileRewrite& file : run->files) {
      if (auto status = write_fixed(file.file, file.after); !status)
        return scan_error(status.error());
    }
  }
  if (report) {
    if (options.output.empty()) {
      std::cout << text;
    } else if (auto status = core::write_file_atomic(options.output, text); !status) {
      return scan_error(status.error());
    }
  }

  size_t rule_fixes = 0, model_fixes = 0, rejected = 0, skipped = 0;
  for (const FileRewrite& file : run->files) {
    rule_fixes += file.rule_fixes;
    model_fixes += file.model_fixes;
  }
  for (const AiFixResult& r : run->results) {
    rejected += r.outcome.status == "rejected" ? 1 : 0;
    skipped += r.outcome.status == "skipped" ? 1 : 0;
  }
  std::cerr << "ward scan: " << (options.dry_run ? "would apply " : "applied ")
            << (options.fix ? count(rule_fixes, "rule fix", "rule fixes") + " and " : "")
            << count(model_fixes, "model-proposed fix", "model-proposed fixes") << " in "
            << count(run->files.size(), "file", "files") << "; asked the model \""
            << fixer.info().name << "\" " << count(run->requests, "time", "times") << " ("
            << rejected << " rejected, " << skipped << " skipped)\n";
  return kExitOk;
}

int run_scan(const ScanCommandOptions& options, const core::ConfigInputs& inputs) {
  auto fail_on = options.fail_on == "none" ? core::Result<scan::Severity>(scan::Severity::kCritical)
                                           : severity_flag("--fail-on", options.fail_on);
  if (!fail_on) return scan_error(fail_on.error());
  auto min_severity = severity_flag("--min-severity", options.min_severity);
  if (!min_severity) return scan_error(min_severity.error());
  if (options.format == "markdown" && !options.list_rules) {
    return scan_error(
        core::Error(core::Code::kInvalidArgument, "--format",
                    "markdown is only for --list-rules; use text, json or sarif for findings"));
  }
  if (options.dry_run && !options.fix && !options.ai_fix) {
    return scan_error(core::Error(core::Code::kInvalidArgument, "--dry-run",
                                  "only applies to --fix and --ai-fix; add one of them"));
  }
  if (!options.model.empty() && !options.ai_fix) {
    return scan_error(core::Error(core::Code::kInvalidArgument, "--model",
                                  "only applies to --ai-fix; add --ai-fix"));
  }
  std::vector<std::filesystem::path> rule_dirs(options.rule_dirs.begin(), options.rule_dirs.end());
  auto rules = scan::RuleSet::load(rule_dirs);
  if (!rules) return scan_error(rules.error());
  if (options.list_rules) {
    std::cout << list_rules(rules->rules(), options.format == "markdown");
    return kExitOk;
  }
  // The model for --ai-fix, before the scan, so that a missing one is said at once.
  backend::BackendSet fix_model;
  if (options.ai_fix) {
    auto model = load_fix_model(options.model, inputs);
    if (!model) return scan_error(model.error());
    fix_model.add(std::move(*model));
    warn_about_random_models(fix_model, std::cerr);
  }
  scan::ScanOptions scan_options;
  for (const auto& path : options.paths) scan_options.paths.emplace_back(path);
  if (scan_options.paths.empty()) scan_options.paths.emplace_back(".");
  scan_options.threads = options.threads;
  scan_options.limits.max_file_bytes = options.max_file_size;
  scan_options.baseline = options.baseline;
  scan_options.min_severity = *min_severity;
  if (options.incremental) {
    auto config = core::load_config(inputs);
    if (!config) return scan_error(config.error());
    scan_options.cache_dir = config->data_dir / "scan-cache";
  }
  auto result = scan::scan(*rules, scan_options);
  if (!result) return scan_error(result.error());

  if (!options.write_baseline.empty()) {
    if (auto status = scan::Baseline::write(options.write_baseline, result->findings); !status) {
      return scan_error(status.error());
    }
  }
  if (options.ai_fix) {
    if (int code = run_ai_fix(options, *fix_model.all().front(), *rules, *result, *min_severity);
        code != kExitOk) {
      return code;
    }
  } else if (options.fix) {
    if (auto status = apply_fixes(*result, options.dry_run, std::cout); !status)
      return scan_error(status.error());
  } else {
    std::string text = render(options, *result, *rules);
    if (options.output.empty()) {
      std::cout << text;
    } else if (auto status = core::write_file_atomic(options.output, text); !status) {
      return scan_error(status.error());
    }
  }
  bool failing =
      options.fail_on != "none" &&
      std::any_of(result->findings.begin(), result->findings.end(),
                  [&](const scan::Finding& finding) { return finding.severity >= *fail_on; });
  return failing ? kExitFindings : kExitOk;
}

}  // namespace

void add_scan_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ScanCommandOptions>();
  auto* scan =
      app.add_subcommand("scan", "find security vulnerabilities and secrets in source code");
  scan->add_option("paths", options->paths, "files and directories to scan (default: .)")
      ->type_name("PATH");
  scan->add_option("--format", options->format,
                   "text, json or sarif (SARIF 2.1.0); with --list-rules: text or markdown")
      ->check(CLI::IsMember({"text", "json", "sarif", "markdown"}));
  scan->add_option("-o,--output", options->output, "write the report to FILE instead of stdout")
      ->type_name("FILE");
  scan->add_option("--rules", options->rule_dirs, "also load the rule files (*.toml) under DIR")
      ->type_name("DIR");
  scan->add_option(
      "--fail-on", options->fail_on,
      "exit 1 when a finding is at or above SEVERITY (info, low, medium, high, critical, none)");
  scan->add_option("--min-severity", options->min_severity,
                   "report only findings at or above SEVERITY");
  scan->add_option("--baseline", options->baseline, "leave out the findings recorded in FILE")
      ->type_name("FILE");
  scan->add_option("--write-baseline", options->write_baseline,
                   "record this scan's findings in FILE")
      ->type_name("FILE");
  scan->add_flag("--fix", options->fix, "apply the rules' deterministic fixes to the files");
  scan->add_flag("--ai-fix", options->ai_fix,
                 "ask the configured model to fix findings that have no rule fix; apply only the "
                 "fixes that parse and clear the finding on a re-scan (secrets are never sent)");
  scan->add_option("--model", options->model,
                   "with --ai-fix: the model to ask, a configured [models.NAME] or a GGUF file "
                   "(default: the configured default model)")
      ->type_name("NAME|FILE.gguf");
  scan->add_flag("--dry-run", options->dry_run,
                 "with --fix or --ai-fix: print the fixes as a unified diff, change nothing");
  scan->add_flag("--list-rules", options->list_rules, "list the loaded rules and exit");
  scan->add_flag("--incremental", options->incremental,
                 "re-analyse only files changed since the last incremental scan (cached in the "
                 "data directory)");
  scan->add_option("--threads", options->threads, "files scanned at once (default: one per core)");
  scan->add_option("--max-file-size", options->max_file_size,
                   "skip files larger than BYTES (default 2 MiB)")
      ->type_name("BYTES");
  scan->callback([&context, options] {
    context.action = [&context, options] { return run_scan(*options, context.inputs); };
  });
}

}  // namespace ward::cli
