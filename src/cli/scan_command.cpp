// `ward scan [PATH...]`: the security scanner (docs/scanner.md) on files and directories, with
// no server and no model. Prints findings as text, JSON or SARIF; exits 0 when nothing at or above
// --fail-on was found, 1 when something was, 2 on an error (bad flags, a rule that does not load).

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "core/file.h"
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
    return core::Error(core::Code::kInvalidArgument, flag,
                       "\"" + value + "\" is not a severity: use info, low, medium, high or critical");
  }
  return *severity;
}

std::string render(const ScanCommandOptions& options, const scan::ScanResult& result,
                   const scan::RuleSet& rules) {
  if (options.format == "json") return scan::render_json(result, rules.rules());
  if (options.format == "sarif") {
    scan::SarifOptions sarif;
    std::error_code ec;
    sarif.source_root = std::filesystem::current_path(ec);
    sarif.read_file = [](const std::filesystem::path& file) -> std::optional<std::string> {
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
  std::string out = markdown ? "| rule | severity | CWE | languages | title |\n|---|---|---|---|---|\n" : "";
  for (const auto& rule : rules) {
    std::string cwes, languages;
    for (int cwe : rule.cwe) cwes += (cwes.empty() ? "" : ", ") + std::to_string(cwe);
    for (auto language : rule.languages) {
      if (language == scan::Language::kTsx) continue;  // listed as typescript
      languages += (languages.empty() ? "" : ", ") + std::string(scan::language_name(language));
    }
    if (languages.empty()) languages = "any text file";
    std::string severity(scan::severity_name(rule.severity));
    out += markdown ? "| `" + rule.id + "` | " + severity + " | " + (cwes.empty() ? "-" : cwes) + " | " + languages +
                          " | " + rule.title + " |\n"
                    : rule.id + "\t" + severity + "\t" + cwes + "\t" + languages + "\t" + rule.title + "\n";
  }
  return out;
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
      if (auto status = core::write_file_atomic(file, outcome->text, static_cast<mode_t>(std::filesystem::status(file).permissions()));
          !status) {
        return status.error();
      }
    }
    applied += outcome->applied;
  }
  std::cerr << "ward scan: " << (dry_run ? "would apply " : "applied ") << applied << " fix"
            << (applied == 1 ? "" : "es") << " in " << by_file.size() << " file" << (by_file.size() == 1 ? "" : "s")
            << "\n";
  return core::ok_status();
}

int run_scan(const ScanCommandOptions& options, const core::ConfigInputs& inputs) {
  auto fail_on = options.fail_on == "none" ? core::Result<scan::Severity>(scan::Severity::kCritical)
                                           : severity_flag("--fail-on", options.fail_on);
  if (!fail_on) return scan_error(fail_on.error());
  auto min_severity = severity_flag("--min-severity", options.min_severity);
  if (!min_severity) return scan_error(min_severity.error());
  if (options.format == "markdown" && !options.list_rules) {
    return scan_error(core::Error(core::Code::kInvalidArgument, "--format",
                                  "markdown is only for --list-rules; use text, json or sarif for findings"));
  }
  if (options.dry_run && !options.fix) {
    return scan_error(core::Error(core::Code::kInvalidArgument, "--dry-run", "only applies to --fix; add --fix"));
  }
  std::vector<std::filesystem::path> rule_dirs(options.rule_dirs.begin(), options.rule_dirs.end());
  auto rules = scan::RuleSet::load(rule_dirs);
  if (!rules) return scan_error(rules.error());
  if (options.list_rules) {
    std::cout << list_rules(rules->rules(), options.format == "markdown");
    return kExitOk;
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
  if (options.fix) {
    if (auto status = apply_fixes(*result, options.dry_run, std::cout); !status) return scan_error(status.error());
  } else {
    std::string text = render(options, *result, *rules);
    if (options.output.empty()) {
      std::cout << text;
    } else if (auto status = core::write_file_atomic(options.output, text); !status) {
      return scan_error(status.error());
    }
  }
  bool failing = options.fail_on != "none" &&
                 std::any_of(result->findings.begin(), result->findings.end(),
                             [&](const scan::Finding& finding) { return finding.severity >= *fail_on; });
  return failing ? kExitFindings : kExitOk;
}

}  // namespace

void add_scan_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ScanCommandOptions>();
  auto* scan = app.add_subcommand("scan", "find security vulnerabilities and secrets in source code");
  scan->add_option("paths", options->paths, "files and directories to scan (default: .)")->type_name("PATH");
  scan->add_option("--format", options->format, "text, json or sarif (SARIF 2.1.0); with --list-rules: text or markdown")
      ->check(CLI::IsMember({"text", "json", "sarif", "markdown"}));
  scan->add_option("-o,--output", options->output, "write the report to FILE instead of stdout")->type_name("FILE");
  scan->add_option("--rules", options->rule_dirs, "also load the rule files (*.toml) under DIR")->type_name("DIR");
  scan->add_option("--fail-on", options->fail_on,
                   "exit 1 when a finding is at or above SEVERITY (info, low, medium, high, critical, none)");
  scan->add_option("--min-severity", options->min_severity, "report only findings at or above SEVERITY");
  scan->add_option("--baseline", options->baseline, "leave out the findings recorded in FILE")->type_name("FILE");
  scan->add_option("--write-baseline", options->write_baseline, "record this scan's findings in FILE")
      ->type_name("FILE");
  scan->add_flag("--fix", options->fix, "apply the rules' deterministic fixes to the files");
  scan->add_flag("--dry-run", options->dry_run, "with --fix: print the fixes as a unified diff, change nothing");
  scan->add_flag("--list-rules", options->list_rules, "list the loaded rules and exit");
  scan->add_flag("--incremental", options->incremental,
                 "re-analyse only files changed since the last incremental scan (cached in the data directory)");
  scan->add_option("--threads", options->threads, "files scanned at once (default: one per core)");
  scan->add_option("--max-file-size", options->max_file_size, "skip files larger than BYTES (default 2 MiB)")
      ->type_name("BYTES");
  scan->callback([&context, options] {
    context.action = [&context, options] { return run_scan(*options, context.inputs); };
  });
}

}  // namespace ward::cli
