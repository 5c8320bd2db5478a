#include "scan/cache.h"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/file.h"
#include "scan/finding_json.h"
#include "ward/version.h"

namespace ward::scan {
namespace fs = std::filesystem;
using nlohmann::json;

struct ScanCache::State {
  struct Entry {
    std::string sha256;
    std::vector<Finding> findings;
    bool used = false;  // hit or stored since open(): kept by save() whether or not it exists
  };

  // Constant after open().
  fs::path file;
  std::string rules_digest;

  // Protected by mutex.
  mutable std::mutex mutex;
  mutable std::map<std::string, Entry> entries;  // by generic path string
  bool dirty = false;                            // differs from the file on disk
};

namespace {

std::string key_of(const fs::path& file) {
  return file.generic_string();
}

bool is_sha256_hex(const json& j) {
  if (!j.is_string()) return false;
  const auto& text = j.get_ref<const std::string&>();
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Parses a cache file written for `rules_digest` by this version; nullopt with the reason in
// `why` when it is unusable (corrupt, or written for other rules or another version).
template <typename Entry>
std::optional<std::map<std::string, Entry>> parse_cache(const std::string& text,
                                                        const std::string& rules_digest,
                                                        std::string& why) {
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    why = "it is not a JSON object";
    return std::nullopt;
  }
  const auto field = [&root](const char* key) -> const json* {
    auto it = root.find(key);
    return it == root.end() ? nullptr : &*it;
  };
  const json* format = field("format");
  if (format == nullptr || !format->is_number_integer() ||
      format->get<long long>() != ScanCache::kFormat) {
    why = "it has another format version";
    return std::nullopt;
  }
  const json* version = field("ward_version");
  if (version == nullptr || !version->is_string() || version->get<std::string>() != kVersion) {
    why = "it was written by another Ward version";
    return std::nullopt;
  }
  const json* digest = field("rules_digest");
  if (digest == nullptr || !digest->is_string() || digest->get<std::string>() != rules_digest) {
    why = "the rules changed";
    return std::nullopt;
  }
  const json* files = field("files");
  if (files == nullptr || !files->is_object()) {
    why = "it has no \"files\" object";
    return std::nullopt;
  }
  std::map<std::string, Entry> entries;
  for (const auto& [path, value] : files->items()) {
    if (!value.is_object() || !value.contains("sha256") || !is_sha256_hex(value["sha256"]) ||
        !value.contains("findings")) {
      why = "the entry for " + path + " is malformed";
      return std::nullopt;
    }
    auto findings = findings_from_json(value["findings"]);
    if (!findings) {
      why = "the entry for " + path + " is malformed: " + findings.error().to_string();
      return std::nullopt;
    }
    Entry entry;
    entry.sha256 = value["sha256"].template get<std::string>();
    entry.findings = std::move(findings).value();
    entries.emplace(path, std::move(entry));
  }
  return entries;
}

}  // namespace

ScanCache::ScanCache(std::unique_ptr<State> state) : state_(std::move(state)) {}
ScanCache::ScanCache(ScanCache&&) noexcept = default;
ScanCache& ScanCache::operator=(ScanCache&&) noexcept = default;
ScanCache::~ScanCache() = default;

core::Result<ScanCache> ScanCache::open(const fs::path& dir, std::string rules_digest) {
  if (core::Status status = core::ensure_writable_directory(dir, 0700); !status) {
    return std::move(status).error().with_context("the scan cache directory: ");
  }
  auto state = std::make_unique<State>();
  state->file = dir / kFileName;
  state->rules_digest = std::move(rules_digest);
  state->dirty = true;  // until a usable file is loaded

  std::error_code ec;
  if (fs::exists(state->file, ec)) {
    std::string why;
    auto text = core::read_file(state->file);
    if (!text) {
      why = "it cannot be read: " + text.error().message();
    } else {
      try {
        if (auto entries = parse_cache<State::Entry>(*text, state->rules_digest, why)) {
          state->entries = std::move(*entries);
          state->dirty = false;
        }
      } catch (const std::exception& e) {  // nlohmann's, or bad_alloc on an absurd file
        why = std::string("it cannot be parsed: ") + e.what();
      }
    }
    if (state->dirty) {
      spdlog::info("scan cache {} not used ({}); scanning every file afresh", state->file.string(),
                   why);
    }
  }
  return ScanCache(std::move(state));
}

std::optional<std::vector<Finding>> ScanCache::lookup(const fs::path& file,
                                                      std::string_view content) const {
  const std::string key = key_of(file);
  const std::string sha256 = sha256_hex(content);
  std::lock_guard lock(state_->mutex);
  auto it = state_->entries.find(key);
  if (it == state_->entries.end() || it->second.sha256 != sha256) return std::nullopt;
  it->second.used = true;
  return it->second.findings;
}

void ScanCache::store(const fs::path& file, std::string_view content,
                      const std::vector<Finding>& findings) {
  State::Entry entry;
  entry.sha256 = sha256_hex(content);
  entry.findings = findings;
  entry.used = true;
  const std::string key = key_of(file);
  std::lock_guard lock(state_->mutex);
  state_->entries.insert_or_assign(key, std::move(entry));
  state_->dirty = true;
}

core::Status ScanCache::save() {
  std::lock_guard lock(state_->mutex);
  bool changed = state_->dirty;
  json files = json::object();
  for (auto it = state_->entries.begin(); it != state_->entries.end();) {
    std::error_code ec;
    if (!it->second.used && !fs::exists(it->first, ec) && !ec) {
      it = state_->entries.erase(it);  // the file was deleted (or renamed)
      changed = true;
      continue;
    }
    files[it->first] = {{"sha256", it->second.sha256}, {"findings", it->second.findings}};
    ++it;
  }
  if (!changed) return core::ok_status();
  const json root = {{"format", kFormat},
                     {"ward_version", kVersion},
                     {"rules_digest", state_->rules_digest},
                     {"files", std::move(files)}};
  // A path or snippet that is not UTF-8 is written with U+FFFD rather than failing the save.
  const std::string text = root.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  if (core::Status status = core::write_file_atomic(state_->file, text, 0600); !status) {
    return std::move(status).error().with_context("saving the scan cache: ");
  }
  state_->dirty = false;
  return core::ok_status();
}

std::size_t ScanCache::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->entries.size();
}

const fs::path& ScanCache::file() const {
  return state_->file;
}

}  // namespace ward::scan
