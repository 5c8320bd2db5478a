#include "scan/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/file.h"

namespace ward::scan {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

struct Entry {
  std::string fingerprint;
  std::string rule;
  std::string file;
  auto key() const { return std::tie(fingerprint, rule, file); }
};

Error wrong_shape(const std::filesystem::path& path, std::string_view what) {
  return Error(Code::kInvalidArgument, path.string(),
               fmt::format("the baseline file {}; it should look like {{\"version\": 1, "
                           "\"fingerprints\": [{{\"fingerprint\": \"…\", \"rule\": \"…\", "
                           "\"file\": \"…\"}}]}}: regenerate it from a scan, or fix it by hand",
                           what));
}

}  // namespace

core::Result<Baseline> Baseline::load(const std::filesystem::path& path) {
  auto text = core::read_file(path);
  if (!text) {
    if (text.error().code() == Code::kNotFound) {
      return Error(Code::kNotFound, path.string(),
                   "the baseline file does not exist; check the path, or write a baseline from "
                   "the current findings first");
    }
    return text.error().with_context("reading the baseline: ");
  }
  const json document = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return Error(Code::kInvalidArgument, path.string(),
                 "the baseline file is not valid JSON; regenerate it from a scan, or fix it by "
                 "hand");
  }
  if (!document.is_object()) return wrong_shape(path, "is not a JSON object");

  const auto version = document.find("version");
  if (version == document.end()) return wrong_shape(path, "has no \"version\"");
  if (!version->is_number_integer()) {
    return wrong_shape(path, "has a \"version\" that is not a whole number");
  }
  if (version->get<int64_t>() != kVersion) {
    return Error(Code::kInvalidArgument, path.string(),
                 fmt::format("the baseline file has version {}, but this build of Ward reads "
                             "version {}; regenerate the baseline with this version of Ward",
                             version->dump(), kVersion));
  }

  const auto entries = document.find("fingerprints");
  if (entries == document.end()) return wrong_shape(path, "has no \"fingerprints\"");
  if (!entries->is_array()) return wrong_shape(path, "has \"fingerprints\" that is not an array");

  Baseline baseline;
  size_t index = 0;
  for (const json& entry : *entries) {
    const std::string which = fmt::format("has entry {} of \"fingerprints\"", index++);
    if (!entry.is_object()) return wrong_shape(path, which + " that is not an object");
    const auto fingerprint = entry.find("fingerprint");
    if (fingerprint == entry.end() || !fingerprint->is_string() ||
        fingerprint->get_ref<const std::string&>().empty()) {
      return wrong_shape(path, which + " without a \"fingerprint\" string");
    }
    for (const char* key : {"rule", "file"}) {
      const auto field = entry.find(key);
      if (field != entry.end() && !field->is_string()) {
        return wrong_shape(path, fmt::format("{} whose \"{}\" is not a string", which, key));
      }
    }
    baseline.fingerprints_.insert(fingerprint->get<std::string>());
  }
  return baseline;
}

bool Baseline::contains(std::string_view fingerprint) const {
  return fingerprints_.find(fingerprint) != fingerprints_.end();
}

core::Status Baseline::write(const std::filesystem::path& path,
                             const std::vector<Finding>& findings) {
  std::vector<Entry> entries;
  entries.reserve(findings.size());
  for (const Finding& finding : findings) {
    if (finding.fingerprint.empty()) {
      return Error(Code::kInvalidArgument, path.string(),
                   fmt::format("cannot write the baseline: the finding of rule {} in {} line {} "
                               "has no fingerprint; scan again to compute fingerprints",
                               finding.rule_id, finding.file.string(), finding.span.start_line));
    }
    entries.push_back({finding.fingerprint, finding.rule_id, finding.file.generic_string()});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key() < b.key(); });
  entries.erase(
      std::unique(entries.begin(), entries.end(),
                  [](const Entry& a, const Entry& b) { return a.fingerprint == b.fingerprint; }),
      entries.end());

  // One entry per line, so that accepting or fixing a finding changes one line of the file.
  std::string text = fmt::format("{{\n  \"version\": {},\n  \"fingerprints\": [", kVersion);
  for (size_t i = 0; i < entries.size(); ++i) {
    nlohmann::ordered_json entry;
    entry["fingerprint"] = entries[i].fingerprint;
    entry["rule"] = entries[i].rule;
    entry["file"] = entries[i].file;
    text += i == 0 ? "\n    " : ",\n    ";
    // Paths need not be UTF-8: replace what JSON cannot hold instead of failing.
    text += entry.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  text += entries.empty() ? "]\n}\n" : "\n  ]\n}\n";
  auto status = core::write_file_atomic(path, text, 0644);
  if (!status) return status.error().with_context("writing the baseline: ");
  return {};
}

}  // namespace ward::scan
