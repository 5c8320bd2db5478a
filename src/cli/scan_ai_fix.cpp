#include "cli/scan_ai_fix.h"

#include <algorithm>
#include <atomic>
#include <set>

#include "core/file.h"
#include "scan/ai_fix.h"
#include "scan/baseline.h"
#include "scan/fix.h"

namespace ward::cli {
namespace {

// A model fix accepted earlier in the same file: where it is in the text the session started
// from, and where its replacement is in the current text (later fixes are all further on, so
// that never moves).
struct Accepted {
  uint32_t base_start = 0;
  uint32_t base_end = 0;
  uint32_t current_start = 0;
  uint32_t current_end = 0;
  uint32_t line = 0;
  std::string rule_id;
};

core::Result<backend::Generation> ask(backend::Backend& model, const scan::FixPrompt& prompt,
                                      size_t region_bytes, const AiFixOptions& options) {
  backend::GenerationRequest request;
  request.prompt = backend::ChatPrompt{
      {{infer::chat::Role::kSystem, prompt.system}, {infer::chat::Role::kUser, prompt.user}}};
  request.sampler = infer::sampling::SamplerOptions::greedy();
  // Room for the region rewritten (about 3.5 bytes a token) with some growth, bounded.
  int32_t max_tokens = std::clamp<int32_t>(static_cast<int32_t>(region_bytes / 2) + 256, 256, 4096);
  if (const int32_t context = model.info().context_length; context > 0) {
    max_tokens = std::min(max_tokens, std::max<int32_t>(64, context / 2));
  }
  request.max_tokens = max_tokens;
  request.time_budget = options.time_budget;
  std::atomic<bool> stop{false};
  return model.generate(request, nullptr, stop);
}

std::string cut_off_reason(backend::FinishReason finish) {
  switch (finish) {
    case backend::FinishReason::kTimeBudget:
      return "the model ran out of time before its answer ended";
    case backend::FinishReason::kLength:
      return "the model's answer was cut off at its token limit";
    default:
      return "the model's answer was cut off";
  }
}

// The files with a finding for the model; with the rules' fixes too, those with one of them.
std::set<std::filesystem::path> files_to_visit(const scan::ScanResult& scanned,
                                               const AiFixOptions& options) {
  std::set<std::filesystem::path> files;
  for (const scan::Finding& f : scanned.findings) {
    if ((!f.fix && f.severity >= options.min_severity) || (f.fix && options.with_rule_fixes)) {
      files.insert(f.file);
    }
  }
  return files;
}

class FileFixer {
 public:
  FileFixer(const scan::RuleSet& rules, backend::Backend& model, const AiFixOptions& options,
            const std::optional<scan::Baseline>& baseline, AiFixRun& run)
      : rules_(rules), model_(model), options_(options), baseline_(baseline), run_(run) {}

  core::Status fix(const std::filesystem::path& file, const scan::ScanResult& scanned) {
    auto original = core::read_file(file);
    if (!original) return original.error();
    FileRewrite rewrite{file, *original, *original};
    if (options_.with_rule_fixes) {
      std::vector<scan::Fix> fixes;
      for (const scan::Finding& f : scanned.findings) {
        if (f.file == file && f.fix) fixes.push_back(*f.fix);
      }
      auto outcome = scan::apply_fixes(*original, fixes);
      if (!outcome) return outcome.error().with_context("fixing " + file.string() + ": ");
      rewrite.after = std::move(outcome->text);
      rewrite.rule_fixes = outcome->applied;
    }

    const std::optional<scan::Language> language = scan::language_of(file);
    if (!language) {
      // Only the secret rules read such files, and their findings are never sent anyway.
      for (const scan::Finding& f : scanned.findings) {
        if (f.file == file && !f.fix && f.severity >= options_.min_severity) {
          skip(f, is_secret(f) ? kSecretReason
                               : "Ward does not parse this kind of file, so it cannot check a fix");
        }
      }
      finish(std::move(rewrite));
      return core::ok_status();
    }
    auto session = scan::RewriteSession::start(rules_, file, *language, rewrite.after);
    if (!session) return session.error();
    const std::string base = session->text();
    const std::vector<scan::Finding> targets = session->findings();  // a copy: the session moves on

    std::vector<Accepted> accepted;
    int64_t delta = 0;  // how much the accepted fixes so far have grown the text
    for (const scan::Finding& target : targets) {
      if (target.fix || target.severity < options_.min_severity) continue;
      if (baseline_ && baseline_->contains(target.fingerprint)) continue;
      if (is_secret(target)) {
        skip(target, kSecretReason);
        continue;
      }
      auto region = scan::fix_region(base, *language, target.span);
      if (!region) {
        skip(target, region.error().message());
        continue;
      }
      auto overlapping = std::find_if(accepted.begin(), accepted.end(), [&](const Accepted& a) {
        return region->start_byte < a.base_end && region->end_byte > a.base_start;
      });
      if (overlapping != accepted.end()) {
        const std::string earlier =
            overlapping->rule_id + " at line " + std::to_string(overlapping->line);
        if (session->finding_in(target.rule_id, overlapping->current_start,
                                overlapping->current_end) == nullptr) {
          record(target, accepted_status(), "fixed by the model's fix for " + earlier);
        } else {
          skip(target, "its code overlaps the model's fix for " + earlier +
                           "; run ward scan --ai-fix again once that is applied");
        }
        continue;
      }
      const auto current_start = static_cast<uint32_t>(region->start_byte + delta);
      const auto current_end = static_cast<uint32_t>(region->end_byte + delta);
      if (auto secret = session->secret_in(current_start, current_end)) {
        skip(target,
             "the code around it holds a secret (" + *secret + "), which is never sent to a model");
        continue;
      }
      if (run_.requests >= options_.max_requests) {
        skip(target, "this run already asked the model " + std::to_string(options_.max_requests) +
                         " times, the limit for one run");
        continue;
      }

      const std::string_view region_text =
          std::string_view(base).substr(region->start_byte, region->end_byte - region->start_byte);
      const scan::FixPrompt prompt =
          scan::fix_prompt(target, rules_.find(target.rule_id), *language, base, *region);
      // The last guard: whatever the secret rules find in the prompt itself stays here.
      if (auto rule = scan::secret_rule_matching(rules_, prompt.user)) {
        skip(target,
             "the request would hold a secret (" + *rule + "), which is never sent to a model");
        continue;
      }
      ++run_.requests;
      auto answer = ask(model_, prompt, region_text.size(), options_);
      if (!answer) {
        if (answer.error().code() == core::Code::kInvalidArgument) {
          skip(target, "the model could not take the request: " + answer.error().message());
          continue;
        }
        return core::Error(
            answer.error().code(),
            file.generic_string() + ":" + std::to_string(target.span.start_line),
            "the model \"" + model_.info().name +
                "\" did not answer, so nothing was changed: " + answer.error().to_string());
      }
      const scan::ProposedCode code = scan::extract_code(answer->text);
      if (code.code.empty()) {
        const bool blank = answer->text.find_first_not_of(" \t\r\n") == std::string::npos;
        reject(target, blank ? "the model's answer was empty" : "the model's answer held no code");
        continue;
      }
      if (answer->finish != backend::FinishReason::kStop && !(code.fenced && code.closed)) {
        reject(target, cut_off_reason(answer->finish));
        continue;
      }
      const std::string replacement = scan::fit_to_region(code.code, region_text);
      if (!code.fenced && !scan::share_a_line(replacement, region_text)) {
        reject(target,
               "the model's answer held no code (no code block, and nothing like the code it was "
               "shown)");
        continue;
      }
      const scan::RewriteSession::Verdict verdict =
          session->try_rewrite(target, current_start, current_end, replacement);
      if (!verdict.accepted) {
        reject(target, verdict.reason);
        continue;
      }
      scan::Fix fix{.description = "Model-proposed fix (model \"" + model_.info().name +
                                   "\"), checked by Ward: " + verdict.reason +
                                   ". Review it before merging.",
                    .edits = {scan::Edit{region->start_byte, region->end_byte, replacement}},
                    .proposed_by = model_.info().name};
      record(target, accepted_status(),
             "proposed by \"" + model_.info().name + "\"; " + verdict.reason, std::move(fix));
      accepted.push_back(Accepted{region->start_byte, region->end_byte, current_start,
                                  static_cast<uint32_t>(current_start + replacement.size()),
                                  target.span.start_line, target.rule_id});
      delta += static_cast<int64_t>(replacement.size()) - (region->end_byte - region->start_byte);
      ++rewrite.model_fixes;
    }
    rewrite.after = session->text();
    finish(std::move(rewrite));
    return core::ok_status();
  }

 private:
  static constexpr const char* kSecretReason = "secrets are never sent to a model";

  bool is_secret(const scan::Finding& f) const { return scan::is_secret_rule(rules_, f.rule_id); }
  std::string accepted_status() const { return options_.dry_run ? "offered" : "applied"; }

  void record(const scan::Finding& f, std::string status, std::string reason,
              std::optional<scan::Fix> fix = std::nullopt) {
    run_.results.push_back(AiFixResult{f.file, f.span.start_line, f.rule_id, f.fingerprint,
                                       scan::AiFixOutcome{std::move(status), std::move(reason)},
                                       std::move(fix)});
  }
  void skip(const scan::Finding& f, std::string reason) { record(f, "skipped", std::move(reason)); }
  void reject(const scan::Finding& f, std::string reason) {
    record(f, "rejected", std::move(reason));
  }

  void finish(FileRewrite rewrite) {
    if (rewrite.after != rewrite.before) run_.files.push_back(std::move(rewrite));
  }

  const scan::RuleSet& rules_;
  backend::Backend& model_;
  const AiFixOptions& options_;
  const std::optional<scan::Baseline>& baseline_;
  AiFixRun& run_;
};

}  // namespace

core::Result<AiFixRun> run_ai_fixes(const scan::RuleSet& rules, const scan::ScanResult& scanned,
                                    backend::Backend& model, const AiFixOptions& options) {
  std::optional<scan::Baseline> baseline;
  if (!options.baseline.empty()) {
    auto loaded = scan::Baseline::load(options.baseline);
    if (!loaded) return loaded.error();
    baseline = std::move(*loaded);
  }
  AiFixRun run;
  FileFixer fixer(rules, model, options, baseline, run);
  for (const auto& file : files_to_visit(scanned, options)) {
    if (auto status = fixer.fix(file, scanned); !status) return status.error();
  }
  return run;
}

}  // namespace ward::cli
