#pragma once
// Inline code completion: a fill-in-the-middle request to a model backend, shaped into
// suggestions an editor can show (suggestion.h), with the cancellation an editor needs.
//
// Cancellation: each request names its document (`document`, e.g. the file's URI, scoped by
// the caller to its user); a newer request for the same document stops the older one, which
// then returns what it had with finish "cancelled" — the user has typed on, so its answer is
// stale. The KV cache follows the same key, so successive completions in one file only process
// what changed (the backend's prefix reuse).
//
// Threads: a CompletionService is shared by all requests; complete() may run on many threads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "assist/suggestion.h"
#include "backend/backend.h"
#include "core/error.h"
#include "infer/fim/fim.h"

namespace ward::assist {

struct CompletionRequest {
  std::string prefix{};    // the code before the cursor
  std::string suffix{};    // the code after it
  std::string path{};      // the file's path in the repository (optional)
  std::string language{};  // e.g. "python" (optional; the path usually says it)
  std::vector<infer::fim::RelatedFile> related_files{};  // most relevant first (optional)
  std::string document{};   // what a newer request supersedes (optional); scoped by the caller
  int32_t max_tokens = 0;   // 0: 48 for a single line, 192 for several
  int32_t suggestions = 1;  // 1 to 4
  // The first suggestion is greedy unless a temperature is given; the others sample at
  // `temperature` (default 0.6) with seeds seed + 1, seed + 2, ...
  float temperature = -1.0f;
  uint64_t seed = 0;
  int32_t time_budget_ms = 0;  // per suggestion; 0: none
};

struct CompletionResult {
  std::vector<std::string> suggestions{};  // distinct, non-empty, in the order generated
  CompletionMode mode = CompletionMode::kSingleLine;
  std::string finish{};  // of the last generation: "stop", "length", "time_budget", "cancelled"
  int64_t prompt_tokens = 0;  // summed over the generations
  int64_t completion_tokens = 0;
  int64_t reused_prompt_tokens = 0;
};

// Receives the first suggestion's text as it becomes final (committed lines), then its rest.
// Returns false when the text can no longer be delivered (the client went away): the request
// then stops.
using SuggestionSink = std::function<bool(std::string_view delta)>;

class CompletionService {
 public:
  // Fails (kInvalidArgument, naming the field) for a request out of range.
  static core::Status validate(const CompletionRequest& request);

  // Runs the request on `backend`. A newer request for the same document sets `stop` and ends
  // this one's generation at once; the caller may set `stop` too, which ends it before the next
  // suggestion or piece of text. Errors: validate()'s and the backend's.
  core::Result<CompletionResult> complete(backend::Backend& backend,
                                          const CompletionRequest& request,
                                          const SuggestionSink& on_delta, std::atomic<bool>& stop);

 private:
  // A document's latest request: its flag, and the flag of the generation it is running.
  struct Running {
    std::atomic<bool>* request = nullptr;
    std::atomic<bool>* generation = nullptr;
  };

  // Registers `stop` as the document's running request, stopping the one before it.
  void supersede(const std::string& document, std::atomic<bool>* stop);
  // Records which generation flag the request's current generation watches (nullptr between
  // generations), raising it at once when the request was superseded meanwhile.
  void track(const std::string& document, std::atomic<bool>* stop, std::atomic<bool>* generation);
  void finished(const std::string& document, std::atomic<bool>* stop);

  std::mutex mutex_;
  std::map<std::string, Running> running_;  // guarded by mutex_
};

}  // namespace ward::assist
