#include "lsp/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/text.h"
#include "lsp/document.h"
#include "lsp/findings.h"
#include "lsp/transport.h"
#include "scan/digest.h"
#include "ward/version.h"

namespace ward::lsp {
namespace {

using core::Code;
using core::Error;
using nlohmann::json;

// JSON-RPC's and LSP's error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kServerNotInitialized = -32002;
constexpr int kRequestFailed = -32803;
constexpr int kRequestCancelled = -32800;
constexpr int kServerCancelled = -32802;

// LSP's MessageType for window/logMessage.
constexpr int kLogError = 1;
constexpr int kLogWarning = 2;

// The code sent to the gateway on each side of the cursor, at most (it keeps what fits the
// model's window, nearest the cursor, and takes 256 KiB a side).
constexpr std::size_t kMaxContextBytes = 64 * 1024;
constexpr std::size_t kMaxLanguageBytes = 64;
// Other open files sent as repository context: a few, small, and little in all, since an editor
// asks at every pause in typing.
constexpr std::size_t kMaxRelatedFiles = 3;
constexpr std::size_t kMaxRelatedFileBytes = 32 * 1024;
constexpr std::size_t kMaxRelatedBytes = 64 * 1024;
// All open documents together, at most.
constexpr std::size_t kMaxOpenBytes = 256 * 1024 * 1024;
constexpr std::size_t kMaxLabelCharacters = 80;

// object[key], or null when `object` is not an object or has no such key (editors' capabilities
// are nested objects, any level of which may be missing).
// A reference, not a copy: a didOpen's params hold the whole document.
const json& member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

json error_reply(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json result_reply(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json notification(const std::string& method, json params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

// At most `limit` bytes of `text` that end where `text` does, starting after a line break when
// cut (so the cut never splits a character).
std::string_view tail_lines(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  text = text.substr(text.size() - limit);
  const std::size_t newline = text.find('\n');
  return newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
}

// At most `limit` bytes of `text` from its start, ending after a line break when cut.
std::string_view head_lines(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  text = text.substr(0, limit);
  const std::size_t newline = text.rfind('\n');
  return newline == std::string_view::npos ? std::string_view() : text.substr(0, newline + 1);
}

// The first line of a suggestion, shortened for a completion menu.
std::string menu_label(const std::string& suggestion) {
  // The first line with text: a suggestion at the end of a line starts with its line break.
  std::string_view line;
  for (std::string_view rest = suggestion; line.empty() && !rest.empty();) {
    const std::size_t newline = rest.find('\n');
    line = core::trim(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  std::size_t bytes = 0;
  for (std::size_t characters = 0; bytes < line.size() && characters < kMaxLabelCharacters;
       ++characters) {
    bytes += utf8_sequence_length(static_cast<unsigned char>(line[bytes]));
  }
  std::string label(line.substr(0, std::min(bytes, line.size())));
  return bytes < line.size() ? label + "…" : label;
}

class Session {
 public:
  Session(LanguageServerOptions options, int in_fd, int out_fd)
      : scanner_(std::move(options.rules)),
        complete_(std::move(options.complete)),
        scan_delay_(options.scan_delay),
        reader_(in_fd),
        writer_(out_fd) {}

  ~Session() { finish_completions(); }

  int run() {
    for (;;) {
      reap_completions();
      std::optional<std::chrono::milliseconds> wait;
      if (!dirty_.empty()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= scan_due_) {
          scan_changed_documents();
          continue;
        }
        wait = std::chrono::ceil<std::chrono::milliseconds>(scan_due_ - now);
      }
      auto outcome = reader_.read(wait);
      if (!outcome) {
        std::cerr << "ward lsp: error: " << outcome.error().to_string() << "\n";
        return 1;
      }
      if (std::holds_alternative<Timeout>(*outcome)) {
        continue;  // the scan is due: the loop's top runs it
      } else if (std::holds_alternative<EndOfInput>(*outcome)) {
        return shutdown_ ? 0 : 1;
      } else if (auto* bad = std::get_if<MalformedBody>(&*outcome)) {
        send(error_reply(nullptr, kParseError, bad->error.to_string()));
      } else if (handle_safely(std::get<json>(*outcome))) {
        return shutdown_ ? 0 : 1;  // exit
      }
    }
  }

 private:
  struct OpenDocument {
    Document document;
    std::uint64_t last_edit;  // edits_ when it was opened or last changed
  };

  struct Completion {
    json id;
    std::atomic<bool> cancelled = false;
    std::atomic<bool> answered = false;  // whoever sets it first sends the one reply
    std::atomic<bool> finished = false;
    std::thread thread;
  };

  void send(const json& message) { (void)writer_.write(message); }

  void log(int type, const std::string& message) {
    send(notification("window/logMessage", {{"type", type}, {"message", "ward: " + message}}));
  }

  // handle(), with any exception from a message of a shape no check foresaw answered as an
  // internal error (for a request) instead of ending the server.
  bool handle_safely(const json& message) {
    try {
      return handle(message);
    } catch (const std::exception& e) {
      const json id = message.is_object() ? message.value("id", json()) : json();
      log(kLogError, std::string("internal error on a message: ") + e.what());
      if (id.is_number_integer() || id.is_string()) {
        send(error_reply(id, kInternalError, "internal error; see the editor's log"));
      }
      return false;
    }
  }

  // Handles one message; true when it was the exit notification.
  bool handle(const json& message) {
    if (!message.is_object() || !message.contains("method")) {
      // A response to a request of ours (there are none) or junk: nothing to answer.
      if (message.is_object() && message.contains("id")) return false;
      send(
          error_reply(nullptr, kInvalidRequest, "a message must be a JSON object with \"method\""));
      return false;
    }
    const json& method_value = message["method"];
    const bool is_request = message.contains("id");
    const json id = is_request ? message["id"] : json();
    if (is_request && !id.is_number_integer() && !id.is_string()) {
      send(
          error_reply(nullptr, kInvalidRequest, "a request's \"id\" must be a number or a string"));
      return false;
    }
    if (!method_value.is_string()) {
      if (is_request) send(error_reply(id, kInvalidRequest, "\"method\" must be a string"));
      return false;
    }
    const std::string& method = method_value.get_ref<const std::string&>();
    // Every method served takes an object (or nothing); anything else counts as nothing.
    static const json kNoParams = json::object();
    const json& params = member(message, "params").is_object() ? message["params"] : kNoParams;
    if (method == "exit") return true;
    if (!is_request) {
      if (initialized_ && !shutdown_) handle_notification(method, params);
      return false;
    }
    if (method == "initialize") {
      send(initialize(id, params));
    } else if (!initialized_) {
      send(error_reply(id, kServerNotInitialized, "the editor must send initialize first"));
    } else if (shutdown_) {
      send(error_reply(id, kInvalidRequest, "the server is shutting down; send exit"));
    } else {
      handle_request(id, method, params);
    }
    return false;
  }

  json initialize(const json& id, const json& params) {
    if (initialized_) return error_reply(id, kInvalidRequest, "initialize was already sent");
    const json& capabilities_offered = member(params, "capabilities");
    const json& encodings = member(member(capabilities_offered, "general"), "positionEncodings");
    const bool utf8 = encodings.is_array() &&
                      std::find(encodings.begin(), encodings.end(), "utf-8") != encodings.end();
    encoding_ = utf8 ? PositionEncoding::kUtf8 : PositionEncoding::kUtf16;
    if (const json& root = member(params, "rootUri"); root.is_string()) {
      root_ = file_path_of(root.get<std::string>()).value_or("");
    }
    initialized_ = true;
    json capabilities = {
        {"positionEncoding", utf8 ? "utf-8" : "utf-16"},
        {"textDocumentSync",
         {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
    };
    // Quick fixes are CodeAction literals, which an editor must say it takes.
    if (!member(member(member(capabilities_offered, "textDocument"), "codeAction"),
                "codeActionLiteralSupport")
             .is_null()) {
      capabilities["codeActionProvider"] = {{"codeActionKinds", {"quickfix"}}};
    }
    if (complete_) {
      capabilities["inlineCompletionProvider"] = json::object();
      // An editor that shows ghost text would otherwise ask for the same suggestion twice per
      // keystroke (and spend the user's request quota twice): the menu is for the others.
      const bool editor_has_ghost_text =
          !member(member(capabilities_offered, "textDocument"), "inlineCompletion").is_null();
      if (!editor_has_ghost_text) {
        capabilities["completionProvider"] = {{"resolveProvider", false}};
      }
    }
    return result_reply(id, {{"capabilities", capabilities},
                             {"serverInfo", {{"name", "ward"}, {"version", kVersion}}}});
  }

  void handle_notification(const std::string& method, const json& params) {
    if (method == "textDocument/didOpen") {
      did_open(params);
    } else if (method == "textDocument/didChange") {
      did_change(params);
    } else if (method == "textDocument/didSave") {
      if (const OpenDocument* open = find_document(params)) publish(open->document);
    } else if (method == "textDocument/didClose") {
      did_close(params);
    } else if (method == "$/cancelRequest") {
      cancel(member(params, "id"));
    }
    // Others (initialized, $/setTrace, workspace/didChangeConfiguration, …) need nothing.
  }

  void handle_request(const json& id, const std::string& method, const json& params) {
    if (method == "shutdown") {
      // Completions still with the gateway are answered now, so that the editor's shutdown is
      // not held up by a slow model; their threads end when the gateway answers.
      for (const auto& completion : completions_) {
        if (!completion->answered.exchange(true)) {
          send(error_reply(completion->id, kRequestCancelled, "the server is shutting down"));
        }
      }
      shutdown_ = true;
      send(result_reply(id, nullptr));
    } else if (method == "textDocument/codeAction") {
      code_action(id, params);
    } else if (complete_ &&
               (method == "textDocument/inlineCompletion" || method == "textDocument/completion")) {
      start_completion(id, method == "textDocument/inlineCompletion", params);
    } else {
      send(error_reply(id, kMethodNotFound, "ward lsp does not serve " + method));
    }
  }

  static std::string uri_of(const json& params) {
    const json& uri = member(member(params, "textDocument"), "uri");
    return uri.is_string() ? uri.get<std::string>() : std::string();
  }

  OpenDocument* find_document(const json& params) {
    auto it = documents_.find(uri_of(params));
    return it == documents_.end() ? nullptr : &it->second;
  }

  void did_open(const json& params) {
    const json& item = member(params, "textDocument");
    const json& text = member(item, "text");
    if (!member(item, "uri").is_string() || !text.is_string()) {
      log(kLogError, "didOpen needs textDocument with \"uri\" and \"text\"");
      return;
    }
    const std::string uri = item["uri"];
    if (open_bytes(uri) + text.get_ref<const std::string&>().size() > kMaxOpenBytes) {
      log(kLogError, fmt::format("not opened: the open documents would hold more than {} MiB; "
                                 "close some ({})",
                                 kMaxOpenBytes / (1024 * 1024), uri));
      return;
    }
    const json& version = member(item, "version");
    const json& language = member(item, "languageId");
    scanner_.forget(uri);
    dirty_.erase(uri);
    auto [it, added] = documents_.insert_or_assign(
        uri, OpenDocument{Document(uri, language.is_string() ? language.get<std::string>() : "",
                                   version.is_number_integer() ? version.get<std::int64_t>() : 0,
                                   text.get<std::string>(), encoding_),
                          ++edits_});
    publish(it->second.document);
  }

  void did_change(const json& params) {
    OpenDocument* open = find_document(params);
    if (open == nullptr) {
      log(kLogError, "didChange for a document that is not open: " + uri_of(params));
      return;
    }
    Document* document = &open->document;
    if (auto status = document->apply_changes(member(params, "contentChanges")); !status) {
      // The editor and the server no longer agree on the text: findings and fixes would land in
      // the wrong places, so the document is dropped until the editor opens it again.
      const std::string uri = document->uri();
      log(kLogError, status.error().to_string() + "; the server closed " + uri +
                         ": close and reopen it in the editor");
      close_document(uri);
      return;
    }
    const json& version = member(member(params, "textDocument"), "version");
    if (version.is_number_integer()) document->set_version(version.get<std::int64_t>());
    dirty_.insert(document->uri());
    open->last_edit = ++edits_;
    scan_due_ = std::chrono::steady_clock::now() + scan_delay_;
  }

  // The bytes of all open documents but `uri`.
  std::size_t open_bytes(const std::string& uri) const {
    std::size_t bytes = 0;
    for (const auto& [other, open] : documents_) {
      if (other != uri) bytes += open.document.text().size();
    }
    return bytes;
  }

  void did_close(const json& params) { close_document(uri_of(params)); }

  // Forgets the document and clears its diagnostics in the editor.
  void close_document(const std::string& uri) {
    if (documents_.erase(uri) == 0) return;
    scanner_.forget(uri);
    dirty_.erase(uri);
    send(notification("textDocument/publishDiagnostics",
                      {{"uri", uri}, {"diagnostics", json::array()}}));
  }

  // Scans the document (if its text changed since the last scan) and publishes its findings.
  void publish(const Document& document) {
    dirty_.erase(document.uri());
    auto result = scanner_.scan(document);
    if (!result) {
      // Earlier findings would point at text that has changed: clear them.
      log(kLogWarning, "not scanned: " + result.error().to_string());
      send(notification("textDocument/publishDiagnostics",
                        scanner_.diagnostics(document, scan::ScanResult())));
      return;
    }
    send(notification("textDocument/publishDiagnostics", scanner_.diagnostics(document, **result)));
  }

  void scan_changed_documents() {
    const std::set<std::string> changed = std::move(dirty_);
    dirty_.clear();
    for (const std::string& uri : changed) {
      if (auto it = documents_.find(uri); it != documents_.end()) publish(it->second.document);
    }
  }

  void code_action(const json& id, const json& params) {
    const OpenDocument* open = find_document(params);
    if (open == nullptr) {
      send(error_reply(id, kInvalidParams, "the document is not open: " + uri_of(params)));
      return;
    }
    const Document* document = &open->document;
    const json& range = member(params, "range");
    auto start = parse_position(member(range, "start"), "range.start");
    auto end = parse_position(member(range, "end"), "range.end");
    if (!start || !end) {
      send(error_reply(id, kInvalidParams, (!start ? start : end).error().to_string()));
      return;
    }
    if (dirty_.count(document->uri()) != 0) publish(*document);
    auto result = scanner_.scan(*document);
    if (!result) {
      send(result_reply(id, json::array()));
      return;
    }
    send(result_reply(id, scanner_.code_actions(*document, **result, document->offset_of(*start),
                                                document->offset_of(*end))));
  }

  // The file's path relative to the workspace, as the prompt's file header names it (the
  // machine's own directories are none of the gateway's business); its name alone when it lies
  // outside; nullopt for a document that is not a file.
  std::optional<std::string> workspace_path(const Document& document) const {
    auto path = file_path_of(document.uri());
    if (!path) return std::nullopt;
    const std::filesystem::path relative = std::filesystem::path(*path).lexically_relative(root_);
    const bool inside = !root_.empty() && !relative.empty() && *relative.begin() != "..";
    return inside ? relative.string() : std::filesystem::path(*path).filename().string();
  }

  // Repository context for a completion in `document`: the other open files in its language,
  // the most recently edited first, whole (the prompt builder takes whole files) and bounded.
  json related_files(const Document& document) const {
    struct Candidate {
      const OpenDocument* open;
      std::string path;
    };
    std::vector<Candidate> candidates;
    for (const auto& [uri, open] : documents_) {
      const Document& other = open.document;
      if (uri == document.uri() || other.language_id() != document.language_id() ||
          other.text().size() > kMaxRelatedFileBytes) {
        continue;
      }
      if (auto path = workspace_path(other)) candidates.push_back({&open, std::move(*path)});
    }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return a.open->last_edit > b.open->last_edit;
    });
    json files = json::array();
    std::size_t bytes = 0;
    for (const Candidate& candidate : candidates) {
      const std::string& text = candidate.open->document.text();
      if (files.size() == kMaxRelatedFiles || bytes + text.size() > kMaxRelatedBytes) break;
      bytes += text.size();
      files.push_back({{"path", candidate.path}, {"content", text}});
    }
    return files;
  }

  // The body of POST /api/v1/complete for the cursor at `offset`.
  json completion_body(const Document& document, std::size_t offset) const {
    const std::string_view text = document.text();
    json body = {
        {"prefix", tail_lines(text.substr(0, offset), kMaxContextBytes)},
        {"suffix", head_lines(text.substr(offset), kMaxContextBytes)},
    };
    if (document.language_id().size() <= kMaxLanguageBytes) {
      body["language"] = document.language_id();
    }
    if (auto path = workspace_path(document)) body["path"] = *path;
    // The gateway needs only to tell documents apart; their URIs name the user's directories.
    body["document"] = scan::sha256_hex(document.uri());
    if (json related = related_files(document); !related.empty()) {
      body["related_files"] = std::move(related);
    }
    return body;
  }

  void start_completion(const json& id, bool inline_items, const json& params) {
    const OpenDocument* open = find_document(params);
    if (open == nullptr) {
      send(error_reply(id, kInvalidParams, "the document is not open: " + uri_of(params)));
      return;
    }
    const Document* document = &open->document;
    auto position = parse_position(member(params, "position"), "position");
    if (!position) {
      send(error_reply(id, kInvalidParams, position.error().to_string()));
      return;
    }
    reap_completions();
    if (completions_.size() >= static_cast<std::size_t>(kMaxCompletionsInFlight)) {
      // ServerCancelled: editors drop it quietly, where RequestFailed would show an error.
      send(error_reply(id, kServerCancelled,
                       fmt::format("{} completions are already waiting for the server; try again",
                                   kMaxCompletionsInFlight)));
      return;
    }
    const json range = {{"start", to_json(*position)}, {"end", to_json(*position)}};
    auto completion = std::make_unique<Completion>();
    Completion& job = *completion;
    job.id = id;
    job.thread = std::thread([this, &job, inline_items, range,
                              body = completion_body(*document, document->offset_of(*position))] {
      core::Result<json> answer = Error(Code::kInternal, "ward lsp", "the request failed");
      try {
        answer = complete_(body);
      } catch (const std::exception& e) {
        answer = Error(Code::kInternal, "ward lsp", std::string("the request failed: ") + e.what());
      }
      if (job.answered.exchange(true)) {
        // answered already (at shutdown)
      } else if (job.cancelled) {
        send(error_reply(job.id, kRequestCancelled, "the editor cancelled this completion"));
      } else if (!answer) {
        send(error_reply(job.id, kRequestFailed, "ward serve: " + answer.error().to_string()));
      } else {
        send(result_reply(job.id, completion_items(*answer, inline_items, range)));
      }
      job.finished = true;
    });
    completions_.push_back(std::move(completion));
  }

  static json completion_items(const json& answer, bool inline_items, const json& range) {
    json items = json::array();
    // A newer request for the document stopped this one at the gateway: what it wrote is cut off.
    const bool superseded = member(answer, "finish") == "cancelled";
    const json& suggestions = member(answer, "suggestions");
    static const json kNone = json::array();
    for (const json& suggestion : !superseded && suggestions.is_array() ? suggestions : kNone) {
      if (!suggestion.is_string() || suggestion.get_ref<const std::string&>().empty()) continue;
      const std::string& text = suggestion.get_ref<const std::string&>();
      if (inline_items) {
        items.push_back({{"insertText", text}, {"range", range}});
      } else {
        items.push_back({{"label", menu_label(text)},
                         {"kind", 1},  // Text
                         {"detail", "Ward"},
                         {"insertTextFormat", 1},  // plain text, not a snippet
                         {"textEdit", {{"range", range}, {"newText", text}}}});
      }
    }
    if (inline_items) return {{"items", items}};
    // Complete: as the user types on, the editor filters this list instead of asking again.
    return {{"isIncomplete", false}, {"items", items}};
  }

  void cancel(const json& id) {
    for (const auto& completion : completions_) {
      if (completion->id == id) completion->cancelled = true;
    }
  }

  void reap_completions() {
    completions_.remove_if([](const std::unique_ptr<Completion>& completion) {
      if (!completion->finished) return false;
      completion->thread.join();
      return true;
    });
  }

  void finish_completions() {
    for (const auto& completion : completions_) completion->thread.join();
    completions_.clear();
  }

  DocumentScanner scanner_;
  CompleteFunction complete_;
  std::chrono::milliseconds scan_delay_;
  MessageReader reader_;
  MessageWriter writer_;
  PositionEncoding encoding_ = PositionEncoding::kUtf16;
  std::filesystem::path root_;
  bool initialized_ = false;
  bool shutdown_ = false;
  std::map<std::string, OpenDocument> documents_;
  std::uint64_t edits_ = 0;      // counts didOpen and didChange, to order documents by their last
  std::set<std::string> dirty_;  // changed since they were last scanned
  std::chrono::steady_clock::time_point scan_due_;  // scan_delay_ after the last change
  std::list<std::unique_ptr<Completion>> completions_;
};

}  // namespace

int serve(LanguageServerOptions options, int in_fd, int out_fd) {
  return Session(std::move(options), in_fd, out_fd).run();
}

}  // namespace ward::lsp
